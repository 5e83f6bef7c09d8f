//! A simulation of DynamoDB Accelerator (DAX), clearly not the service: the two caches a DAX
//! cluster keeps in front of DynamoDB, so a learner can watch hits, misses and the stale reads
//! DAX is known for. Reached as `dispatch("Dax.<op>", body)`.
//!
//! What it models, from the Developer Guide's "DAX and DynamoDB consistency models":
//! - The **item cache** answers eventually consistent GetItem and BatchGetItem by primary key. A
//!   miss reads the table (and is charged as DynamoDB charges it); a hit costs no read units.
//!   Absent items are cached too ("negative caching").
//! - The **query cache** answers eventually consistent Query and Scan by their exact parameters.
//! - **Write-through**: PutItem, UpdateItem, DeleteItem, BatchWriteItem and TransactWriteItems
//!   go to the table; once it succeeds, the item cache holds the item as now stored. The query
//!   cache is *not* updated: a cached Query keeps answering the old result until its TTL runs out.
//!   That is the stale read DAX documents, and the lesson.
//! - Writes sent straight to the table (plain `PutItem`, not `Dax.PutItem`) leave the item cache
//!   stale until its TTL ends, as with a real cluster.
//! - Strongly consistent reads and TransactGetItems pass through and are never cached.
//! - Both TTLs default to five minutes, DAX's default, and run on the engine's clock.
//!
//! The caches live in memory only, like a cluster's: reopening the engine (a browser reload, a
//! server restart) empties them, as a DAX node restart or failover empties a real node's cache.
//! That is a deliberate choice, not a gap: a cache holds nothing the table does not, so an empty
//! cache only costs misses (the next reads refill it from the table), and persisting it would turn
//! every cache fill, a read, into a storage write. Unlike the global tables simulation's queue
//! (writes not yet anywhere else, which must survive), nothing is lost. The TTL settings and the
//! hit/miss counters reset with it (to five minutes and zero).
//! `Dax.Configure` sets the TTLs, `Dax.Describe` reports entries and hit ratios, `Dax.Flush`
//! empties both caches. Those three are the simulation's own, not DAX API.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use crate::error::{ApiError, Result};
use crate::value::wire;
use crate::Engine;

/// DAX's default TTL for both caches: five minutes.
pub const DEFAULT_TTL_MILLIS: i64 = 5 * 60 * 1000;

/// The most entries each cache keeps; the oldest (soonest to expire) go first, standing in for
/// a node's memory limit and LRU eviction.
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug, Clone)]
struct Entry {
    /// The answer to give on a hit, without ConsumedCapacity (a hit consumes nothing).
    response: Value,
    expires: i64,
}

#[derive(Debug, Default, Clone, Copy)]
struct Counter {
    hits: u64,
    misses: u64,
}

impl Counter {
    fn json(&self, entries: usize) -> Value {
        let total = self.hits + self.misses;
        let ratio = if total == 0 {
            Value::Null
        } else {
            json!(self.hits as f64 / total as f64)
        };
        json!({"Entries": entries, "Hits": self.hits, "Misses": self.misses, "HitRatio": ratio})
    }
}

/// The cluster's state: both caches and their counters.
#[derive(Debug)]
pub struct Dax {
    item_ttl: i64,
    query_ttl: i64,
    /// (table, canonical key) → (projection fingerprint → cached answer). Write-through replaces
    /// every projection of a key with the whole stored item under the empty fingerprint.
    items: HashMap<(String, String), BTreeMap<String, Entry>>,
    /// Operation and canonical request → cached page.
    queries: HashMap<String, Entry>,
    item_counter: Counter,
    query_counter: Counter,
    write_throughs: u64,
    pass_throughs: u64,
}

impl Default for Dax {
    fn default() -> Self {
        Dax {
            item_ttl: DEFAULT_TTL_MILLIS,
            query_ttl: DEFAULT_TTL_MILLIS,
            items: HashMap::new(),
            queries: HashMap::new(),
            item_counter: Counter::default(),
            query_counter: Counter::default(),
            write_throughs: 0,
            pass_throughs: 0,
        }
    }
}

/// Every operation the simulation answers, data-plane ones and its own three.
pub const OPERATIONS: &[&str] = &[
    "GetItem",
    "BatchGetItem",
    "Query",
    "Scan",
    "TransactGetItems",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "Configure",
    "Describe",
    "Flush",
];

const WRITES: &[&str] = &[
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactWriteItems",
];

impl Engine {
    /// Runs `operation` through the simulated DAX cluster (see the module documentation).
    pub fn call_dax(&mut self, operation: &str, body: &str) -> Result<Value> {
        match operation {
            "Configure" => self.dax_configure(body),
            "Describe" => Ok(self.dax_describe()),
            "Flush" => {
                self.dax.items.clear();
                self.dax.queries.clear();
                Ok(self.dax_describe())
            }
            "GetItem" => self.dax_get_item(body),
            "BatchGetItem" => self.dax_batch_get_item(body),
            "Query" | "Scan" => self.dax_query(operation, body),
            "TransactGetItems" => {
                self.dax.pass_throughs += 1;
                self.call(operation, body)
            }
            op if WRITES.contains(&op) => self.dax_write(op, body),
            other => Err(ApiError::validation(format!(
                "The DAX simulation serves GetItem, BatchGetItem, Query, Scan, PutItem, \
                 UpdateItem, DeleteItem, BatchWriteItem, TransactGetItems and \
                 TransactWriteItems; send {other} to DynamoDB itself"
            ))),
        }
    }

    fn dax_configure(&mut self, body: &str) -> Result<Value> {
        let request = crate::request::parse_body(body)?;
        for (member, slot) in [
            ("ItemCacheTtlMillis", &mut self.dax.item_ttl),
            ("QueryCacheTtlMillis", &mut self.dax.query_ttl),
        ] {
            match request.get(member) {
                None => {}
                Some(v) => match v.as_i64() {
                    Some(ms) if ms >= 0 => *slot = ms,
                    _ => {
                        return Err(ApiError::validation(format!(
                            "{member} must be a whole number of milliseconds, 0 or more"
                        )))
                    }
                },
            }
        }
        Ok(self.dax_describe())
    }

    fn dax_describe(&self) -> Value {
        let item_entries = self.dax.items.values().map(BTreeMap::len).sum();
        json!({
            "Simulation": "DAX (DynamoDB Accelerator), simulated in the engine: not the AWS service",
            "ItemCacheTtlMillis": self.dax.item_ttl,
            "QueryCacheTtlMillis": self.dax.query_ttl,
            "ItemCache": self.dax.item_counter.json(item_entries),
            "QueryCache": self.dax.query_counter.json(self.dax.queries.len()),
            "WriteThroughs": self.dax.write_throughs,
            "PassThroughs": self.dax.pass_throughs,
        })
    }

    fn dax_get_item(&mut self, body: &str) -> Result<Value> {
        let request = crate::request::parse_body(body)?;
        if consistent(&request) {
            self.dax.pass_throughs += 1;
            return self.call("GetItem", body);
        }
        let now = self.clock.now_millis();
        let slot = item_slot(&request);
        let fingerprint = projection_fingerprint(&request);
        if let Some(slot) = &slot {
            if let Some(entry) = self
                .dax
                .items
                .get(slot)
                .and_then(|by_projection| by_projection.get(&fingerprint))
                .filter(|e| e.expires > now)
            {
                self.dax.item_counter.hits += 1;
                return Ok(entry.response.clone());
            }
        }
        // A miss (or a request the cache cannot key): DynamoDB answers, and is charged.
        let answer = self.call("GetItem", body)?;
        self.dax.item_counter.misses += 1;
        if let Some(slot) = slot {
            let entry = Entry {
                response: without_capacity(&answer),
                expires: now.saturating_add(self.dax.item_ttl),
            };
            self.dax
                .items
                .entry(slot)
                .or_default()
                .insert(fingerprint, entry);
            self.dax_evict();
        }
        Ok(answer)
    }

    /// BatchGetItem: keys the item cache holds are answered from it; the rest go to DynamoDB in
    /// one request, and what comes back (items, and absences) is cached.
    fn dax_batch_get_item(&mut self, body: &str) -> Result<Value> {
        let request = crate::request::parse_body(body)?;
        let Some(Value::Object(request_items)) = request.get("RequestItems") else {
            // Let DynamoDB's own validation answer a malformed request.
            return self.call("BatchGetItem", body);
        };
        let now = self.clock.now_millis();
        let mut from_cache: Map<String, Value> = Map::new();
        let mut missing = request.clone();
        let mut missing_items = Map::new();
        let mut hits = 0;
        for (table, keys_and_attributes) in request_items {
            let Some(spec) = keys_and_attributes.as_object() else {
                return self.call("BatchGetItem", body);
            };
            if consistent(spec) {
                missing_items.insert(table.clone(), keys_and_attributes.clone());
                continue;
            }
            let fingerprint = projection_fingerprint(spec);
            let mut uncached = Vec::new();
            for key in spec
                .get("Keys")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let cached = canonical_key(key)
                    .and_then(|k| self.dax.items.get(&(table.clone(), k)))
                    .and_then(|by_projection| by_projection.get(&fingerprint))
                    .filter(|e| e.expires > now);
                match cached {
                    Some(entry) => {
                        hits += 1;
                        if let Some(item) = entry.response.get("Item") {
                            let list = from_cache
                                .entry(table.clone())
                                .or_insert_with(|| Value::Array(Vec::new()));
                            if let Value::Array(list) = list {
                                list.push(item.clone());
                            }
                        }
                    }
                    None => uncached.push(key.clone()),
                }
            }
            if !uncached.is_empty() {
                let mut spec = spec.clone();
                spec.insert("Keys".into(), Value::Array(uncached));
                missing_items.insert(table.clone(), Value::Object(spec));
            }
        }
        let mut answer = if missing_items.is_empty() {
            json!({"Responses": {}, "UnprocessedKeys": {}})
        } else {
            missing.insert("RequestItems".into(), Value::Object(missing_items.clone()));
            let text = Value::Object(missing).to_string();
            let answer = self.call("BatchGetItem", &text)?;
            self.dax.item_counter.misses += count_keys(&missing_items, &answer);
            self.dax_cache_batch(&missing_items, &answer, now);
            answer
        };
        self.dax.item_counter.hits += hits;
        if let Some(Value::Object(responses)) = answer.get_mut("Responses") {
            for (table, items) in from_cache {
                let list = responses
                    .entry(table)
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let (Value::Array(list), Value::Array(items)) = (list, items) {
                    list.extend(items);
                }
            }
        }
        Ok(answer)
    }

    /// Caches what a BatchGetItem read: each returned item, and each requested key that was
    /// neither returned nor left unprocessed as absent.
    fn dax_cache_batch(&mut self, asked: &Map<String, Value>, answer: &Value, now: i64) {
        let expires = now.saturating_add(self.dax.item_ttl);
        for (table, spec) in asked {
            let Some(spec) = spec.as_object() else {
                continue;
            };
            if consistent(spec) {
                continue;
            }
            let fingerprint = projection_fingerprint(spec);
            let Some(definition) = self.tables.get(table) else {
                continue;
            };
            let returned: Vec<&Value> = answer["Responses"][table.as_str()]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            let unprocessed: Vec<String> = answer["UnprocessedKeys"][table.as_str()]["Keys"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(canonical_key)
                .collect();
            let mut entries = Vec::new();
            for key in spec
                .get("Keys")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(canonical) = canonical_key(key) else {
                    continue;
                };
                if unprocessed.contains(&canonical) {
                    continue;
                }
                // The returned item whose key attributes equal this key, if any.
                let found = returned.iter().find(|item| {
                    wire::item_from_json(item)
                        .map(|i| definition.key_item(&i))
                        .ok()
                        .map(|k| wire::item_to_json(&k).to_string())
                        == Some(canonical.clone())
                });
                let response = match found {
                    Some(item) => json!({"Item": item}),
                    None => json!({}),
                };
                entries.push((canonical, response));
            }
            for (canonical, response) in entries {
                self.dax
                    .items
                    .entry((table.clone(), canonical))
                    .or_default()
                    .insert(fingerprint.clone(), Entry { response, expires });
            }
        }
        self.dax_evict();
    }

    fn dax_query(&mut self, operation: &str, body: &str) -> Result<Value> {
        let request = crate::request::parse_body(body)?;
        if consistent(&request) {
            self.dax.pass_throughs += 1;
            return self.call(operation, body);
        }
        let now = self.clock.now_millis();
        let mut keyed = request.clone();
        keyed.remove("ReturnConsumedCapacity");
        let fingerprint = format!("{operation} {}", canonical(&Value::Object(keyed)));
        if let Some(entry) = self
            .dax
            .queries
            .get(&fingerprint)
            .filter(|e| e.expires > now)
        {
            self.dax.query_counter.hits += 1;
            return Ok(entry.response.clone());
        }
        let answer = self.call(operation, body)?;
        self.dax.query_counter.misses += 1;
        self.dax.queries.insert(
            fingerprint,
            Entry {
                response: without_capacity(&answer),
                expires: now.saturating_add(self.dax.query_ttl),
            },
        );
        self.dax_evict();
        Ok(answer)
    }

    /// A write goes to the table; after it succeeds, each key it names is cached as the table now
    /// holds it (all projections of that key replaced). The query cache is left alone.
    fn dax_write(&mut self, operation: &str, body: &str) -> Result<Value> {
        let answer = self.call(operation, body)?;
        self.dax.write_throughs += 1;
        let request = crate::request::parse_body(body).unwrap_or_default();
        let now = self.clock.now_millis();
        for (table, key) in written_keys(operation, &request) {
            self.dax_refresh(&table, &key, now);
        }
        self.dax_evict();
        Ok(answer)
    }

    /// Replaces the item cache's entries for one key with the stored item (or its absence).
    fn dax_refresh(&mut self, table_name: &str, key_or_item: &Value, now: i64) {
        let Some(table) = self.tables.get(table_name) else {
            return;
        };
        let Ok(given) = wire::item_from_json(key_or_item) else {
            return;
        };
        let key_item = table.key_item(&given);
        let Ok(key) = table.key_of_request(&key_item) else {
            return;
        };
        let response = match table.get(&key) {
            Some(item) => json!({"Item": wire::item_to_json(item)}),
            None => json!({}),
        };
        let canonical = wire::item_to_json(&key_item).to_string();
        let mut fresh = BTreeMap::new();
        fresh.insert(
            String::new(),
            Entry {
                response,
                expires: now.saturating_add(self.dax.item_ttl),
            },
        );
        self.dax
            .items
            .insert((table_name.to_string(), canonical), fresh);
    }

    /// Keeps each cache under its size limit, dropping what expires soonest.
    fn dax_evict(&mut self) {
        let item_entries: usize = self.dax.items.values().map(BTreeMap::len).sum();
        if item_entries > MAX_ENTRIES {
            let mut slots: Vec<((String, String), i64)> = self
                .dax
                .items
                .iter()
                .map(|(k, v)| (k.clone(), v.values().map(|e| e.expires).max().unwrap_or(0)))
                .collect();
            slots.sort_by_key(|(_, expires)| *expires);
            let excess = item_entries - MAX_ENTRIES;
            let mut dropped = 0;
            for (slot, _) in slots {
                if dropped >= excess {
                    break;
                }
                dropped += self.dax.items.remove(&slot).map_or(0, |v| v.len());
            }
        }
        if self.dax.queries.len() > MAX_ENTRIES {
            let mut keys: Vec<(String, i64)> = self
                .dax
                .queries
                .iter()
                .map(|(k, e)| (k.clone(), e.expires))
                .collect();
            keys.sort_by_key(|(_, expires)| *expires);
            let excess = self.dax.queries.len() - MAX_ENTRIES;
            for (k, _) in keys.into_iter().take(excess) {
                self.dax.queries.remove(&k);
            }
        }
    }
}

fn consistent(request: &Map<String, Value>) -> bool {
    request.get("ConsistentRead").and_then(Value::as_bool) == Some(true)
}

/// The item cache slot of a GetItem: its table and canonical key, when both are readable.
fn item_slot(request: &Map<String, Value>) -> Option<(String, String)> {
    let table = request.get("TableName")?.as_str()?.to_string();
    Some((table, canonical_key(request.get("Key")?)?))
}

/// A key as canonical text: the engine's own reading of it, written back (sorted, numbers in
/// DynamoDB's canonical form), so `{"N":"1.0"}` and `{"N":"1"}` name one slot.
fn canonical_key(key: &Value) -> Option<String> {
    wire::item_from_json(key)
        .ok()
        .map(|item| wire::item_to_json(&item).to_string())
}

/// What makes two reads of one key give different answers: the projection asked for.
fn projection_fingerprint(request: &Map<String, Value>) -> String {
    let mut parts = Map::new();
    for member in [
        "ProjectionExpression",
        "ExpressionAttributeNames",
        "AttributesToGet",
    ] {
        if let Some(v) = request.get(member) {
            parts.insert(member.into(), v.clone());
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        canonical(&Value::Object(parts))
    }
}

/// JSON text with every object's members sorted, so equal requests give equal text.
fn canonical(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let ordered: BTreeMap<&String, Value> =
                    map.iter().map(|(k, v)| (k, sorted(v))).collect();
                let mut out = Map::new();
                for (k, v) in ordered {
                    out.insert(k.clone(), v);
                }
                Value::Object(out)
            }
            Value::Array(list) => Value::Array(list.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

fn without_capacity(answer: &Value) -> Value {
    let mut answer = answer.clone();
    if let Value::Object(map) = &mut answer {
        map.remove("ConsumedCapacity");
    }
    answer
}

/// How many keys a BatchGetItem forwarded to DynamoDB were read (the cache's misses): every
/// key asked minus those handed back unprocessed.
fn count_keys(asked: &Map<String, Value>, answer: &Value) -> u64 {
    let asked_count: usize = asked
        .values()
        .map(|spec| spec["Keys"].as_array().map_or(0, Vec::len))
        .sum();
    let unprocessed: usize = answer["UnprocessedKeys"]
        .as_object()
        .map(|tables| {
            tables
                .values()
                .map(|spec| spec["Keys"].as_array().map_or(0, Vec::len))
                .sum()
        })
        .unwrap_or(0);
    asked_count.saturating_sub(unprocessed) as u64
}

/// The (table, key or item) pairs a successful write names.
fn written_keys(operation: &str, request: &Map<String, Value>) -> Vec<(String, Value)> {
    let table = request
        .get("TableName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    match operation {
        "PutItem" => request
            .get("Item")
            .map(|item| vec![(table, item.clone())])
            .unwrap_or_default(),
        "UpdateItem" | "DeleteItem" => request
            .get("Key")
            .map(|key| vec![(table, key.clone())])
            .unwrap_or_default(),
        "BatchWriteItem" => {
            let mut keys = Vec::new();
            for (table, writes) in request
                .get("RequestItems")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                for write in writes.as_array().into_iter().flatten() {
                    if let Some(item) = write.pointer("/PutRequest/Item") {
                        keys.push((table.clone(), item.clone()));
                    } else if let Some(key) = write.pointer("/DeleteRequest/Key") {
                        keys.push((table.clone(), key.clone()));
                    }
                }
            }
            keys
        }
        "TransactWriteItems" => {
            let mut keys = Vec::new();
            for action in request
                .get("TransactItems")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for (kind, member) in [("Put", "Item"), ("Update", "Key"), ("Delete", "Key")] {
                    if let (Some(table), Some(key)) = (
                        action.pointer(&format!("/{kind}/TableName")),
                        action.pointer(&format!("/{kind}/{member}")),
                    ) {
                        if let Some(table) = table.as_str() {
                            keys.push((table.to_string(), key.clone()));
                        }
                    }
                }
            }
            keys
        }
        _ => Vec::new(),
    }
}
