//! A table: its definition (key schema, attribute definitions, billing) and its items, kept in
//! partition-key hash order so Scan, Segment and pagination follow one stable order.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{ApiError, Result};
use crate::index::{Index, IndexDefinition, IndexKind};
use crate::value::{wire, AttributeValue, Item, KeyValue};

/// The scalar types a key attribute can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarType {
    S,
    N,
    B,
}

impl ScalarType {
    pub fn parse(s: &str) -> Option<ScalarType> {
        match s {
            "S" => Some(ScalarType::S),
            "N" => Some(ScalarType::N),
            "B" => Some(ScalarType::B),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ScalarType::S => "S",
            ScalarType::N => "N",
            ScalarType::B => "B",
        }
    }
}

/// One key attribute: its name and type.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyAttribute {
    pub name: String,
    pub ty: ScalarType,
}

/// A primary key: a partition (HASH) attribute and an optional sort (RANGE) attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct KeySchema {
    pub hash: KeyAttribute,
    pub range: Option<KeyAttribute>,
}

impl KeySchema {
    pub fn attributes(&self) -> impl Iterator<Item = &KeyAttribute> {
        std::iter::once(&self.hash).chain(self.range.iter())
    }

    pub fn is_key(&self, name: &str) -> bool {
        self.attributes().any(|k| k.name == name)
    }

    pub fn to_json(&self) -> Value {
        let mut out = vec![json!({"AttributeName": self.hash.name, "KeyType": "HASH"})];
        if let Some(r) = &self.range {
            out.push(json!({"AttributeName": r.name, "KeyType": "RANGE"}));
        }
        Value::Array(out)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillingMode {
    Provisioned,
    PayPerRequest,
}

/// What CreateTable defined: everything about a table except its items.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDefinition {
    pub name: String,
    pub key_schema: KeySchema,
    pub attribute_definitions: Vec<KeyAttribute>,
    pub billing_mode: BillingMode,
    /// (read, write) capacity units; zero for on-demand tables.
    pub throughput: (i64, i64),
    pub created_millis: i64,
    pub table_id: String,
    pub arn: String,
    pub deletion_protection: bool,
    /// Everything UpdateTable, TagResource and time can change.
    pub settings: TableSettings,
}

/// A status a table or index is in for a while (CREATING, UPDATING, DELETING) and when it ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub status: String,
    #[serde(default)]
    pub since_millis: i64,
    pub until_millis: i64,
}

impl Pending {
    pub fn new(status: &str, now: i64, duration: i64) -> Pending {
        Pending {
            status: status.to_string(),
            since_millis: now,
            until_millis: now.saturating_add(duration.max(0)),
        }
    }

    pub fn active_at(&self, now: i64) -> bool {
        now < self.until_millis
    }
}

/// A table's stream setting: its view type and the label (creation time) of its current stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamSetting {
    pub view_type: String,
    pub label: String,
    /// A disabled stream stays readable for 24 hours, so its label is kept.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

/// The mutable settings of a table, stored beside its definition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TableSettings {
    pub pending: Option<Pending>,
    pub decreases_today: u32,
    /// The UTC day (days since the epoch) `decreases_today` counts.
    pub decreases_day: i64,
    pub last_increase_millis: Option<i64>,
    pub last_decrease_millis: Option<i64>,
    pub last_pay_per_request_millis: Option<i64>,
    pub last_provisioned_millis: Option<i64>,
    pub stream: Option<StreamSetting>,
    pub table_class: Option<String>,
    pub tags: Vec<(String, String)>,
    /// Time to Live (UpdateTimeToLive); None: never configured.
    pub ttl: Option<crate::ttl::TtlSetting>,
    /// Set on a table created by a restore (RestoreSummary).
    pub restore: Option<crate::backup::RestoreSummary>,
    /// The global-table simulation's replicas of this (home) table, in other regions.
    pub replicas: Vec<crate::global_tables::ReplicaSetting>,
}

impl TableSettings {
    /// Whether the global tables simulation keeps a replica of this table in `region`.
    pub fn has_replica(&self, region: &str) -> bool {
        self.replicas.iter().any(|r| r.region == region)
    }

    /// The status at `now`: the pending one until it ends, then ACTIVE.
    pub fn status(&self, now: i64) -> &str {
        match &self.pending {
            Some(p) if now < p.until_millis => &p.status,
            _ => "ACTIVE",
        }
    }
}

impl TableDefinition {
    /// The definition as stored by a `Storage` (a private format, versioned with the sandbox).
    pub fn to_json(&self) -> Value {
        json!({
            "TableName": self.name,
            "KeySchema": self.key_schema.to_json(),
            "AttributeDefinitions": self.attribute_definitions.iter()
                .map(|a| json!({"AttributeName": a.name, "AttributeType": a.ty.as_str()})).collect::<Vec<_>>(),
            "BillingMode": match self.billing_mode { BillingMode::Provisioned => "PROVISIONED", BillingMode::PayPerRequest => "PAY_PER_REQUEST" },
            "ReadCapacityUnits": self.throughput.0,
            "WriteCapacityUnits": self.throughput.1,
            "CreatedMillis": self.created_millis,
            "TableId": self.table_id,
            "TableArn": self.arn,
            "DeletionProtectionEnabled": self.deletion_protection,
            "Settings": serde_json::to_value(&self.settings).unwrap_or_default(),
        })
    }

    pub fn from_json(v: &Value) -> Option<TableDefinition> {
        let attrs: Vec<KeyAttribute> = v["AttributeDefinitions"]
            .as_array()?
            .iter()
            .map(|a| {
                Some(KeyAttribute {
                    name: a["AttributeName"].as_str()?.to_string(),
                    ty: ScalarType::parse(a["AttributeType"].as_str()?)?,
                })
            })
            .collect::<Option<_>>()?;
        let ty_of = |name: &str| attrs.iter().find(|a| a.name == name).map(|a| a.ty);
        let mut hash = None;
        let mut range = None;
        for k in v["KeySchema"].as_array()? {
            let name = k["AttributeName"].as_str()?.to_string();
            let attr = KeyAttribute {
                ty: ty_of(&name)?,
                name,
            };
            match k["KeyType"].as_str()? {
                "HASH" => hash = Some(attr),
                _ => range = Some(attr),
            }
        }
        Some(TableDefinition {
            name: v["TableName"].as_str()?.to_string(),
            key_schema: KeySchema { hash: hash?, range },
            attribute_definitions: attrs,
            billing_mode: if v["BillingMode"] == "PAY_PER_REQUEST" {
                BillingMode::PayPerRequest
            } else {
                BillingMode::Provisioned
            },
            throughput: (
                v["ReadCapacityUnits"].as_i64()?,
                v["WriteCapacityUnits"].as_i64()?,
            ),
            created_millis: v["CreatedMillis"].as_i64()?,
            table_id: v["TableId"].as_str()?.to_string(),
            arn: v["TableArn"].as_str()?.to_string(),
            deletion_protection: v["DeletionProtectionEnabled"].as_bool().unwrap_or(false),
            settings: serde_json::from_value(v["Settings"].clone()).unwrap_or_default(),
        })
    }
}

/// Where an item lives: its partition (hash of the partition key, then the key itself, so the
/// order is total) and its sort key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartitionKey {
    pub hash: u64,
    pub value: KeyValue,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PrimaryKey {
    pub partition: PartitionKey,
    pub sort: Option<KeyValue>,
}

/// FNV-1a over the key's type and bytes: a stable, platform-independent stand-in for
/// DynamoDB's internal (unpublished) partition hash.
pub fn partition_hash(value: &KeyValue) -> u64 {
    fn fnv(tag: u8, bytes: &[u8]) -> u64 {
        let mut h: u64 = 0xcbf29ce484222325;
        for b in std::iter::once(&tag).chain(bytes) {
            h ^= *b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        h
    }
    // Hash S and B in place (this runs on every keyed request); N by its canonical text, so
    // equal numbers written differently land in the same partition.
    match value {
        KeyValue::S(s) => fnv(b'S', s.as_bytes()),
        KeyValue::B(b) => fnv(b'B', b),
        KeyValue::N(n) => fnv(b'N', n.to_string().as_bytes()),
    }
}

/// The partition hash of a composite (multi-attribute) partition key: the single-attribute hash
/// when there is one value, so a GSI on one attribute places items as the table would.
pub fn partition_hash_of(values: &[KeyValue]) -> u64 {
    match values {
        [one] => partition_hash(one),
        many => many.iter().fold(0xcbf29ce484222325, |h, v| {
            (h ^ partition_hash(v)).wrapping_mul(0x100000001b3)
        }),
    }
}

/// A table and its items.
#[derive(Debug, Clone)]
pub struct Table {
    pub def: TableDefinition,
    pub partitions: BTreeMap<PartitionKey, BTreeMap<Option<KeyValue>, Item>>,
    pub item_count: u64,
    pub size_bytes: u64,
    /// Secondary indexes, LSIs first then GSIs, each in the order CreateTable listed them.
    pub indexes: Vec<Index>,
    /// Item collection sizes in bytes, by partition key, kept only for tables with local
    /// secondary indexes (see [`Table::collection_share`]); a collection of size 0 is absent.
    pub collections: HashMap<PartitionKey, u64>,
}

/// The overhead DynamoDB counts for each local secondary index entry ("100 bytes of overhead
/// per index item", Developer Guide, local secondary index storage considerations).
pub const INDEX_ENTRY_OVERHEAD: u64 = 100;

/// DynamoDB's limits on key attribute values.
pub const MAX_PARTITION_KEY_BYTES: usize = 2048;
pub const MAX_SORT_KEY_BYTES: usize = 1024;

fn invalid(message: impl std::fmt::Display) -> ApiError {
    ApiError::validation(format!(
        "One or more parameter values were invalid: {message}"
    ))
}

fn key_bytes_len(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::B(b) => b.len(),
        _ => 0,
    }
}

fn empty_key_check(attr: &KeyAttribute, v: &AttributeValue) -> Result<()> {
    let empty = match v {
        AttributeValue::S(s) => s.is_empty().then_some("string"),
        AttributeValue::B(b) => b.is_empty().then_some("binary"),
        _ => None,
    };
    if let Some(kind) = empty {
        return Err(ApiError::validation(format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {kind} value. Key: {}",
            attr.name
        )));
    }
    Ok(())
}

fn size_check(is_hash: bool, v: &AttributeValue) -> Result<()> {
    let len = key_bytes_len(v);
    if is_hash && len > MAX_PARTITION_KEY_BYTES {
        return Err(invalid(
            "Size of hashkey has exceeded the maximum size limit of2048 bytes",
        ));
    }
    if !is_hash && len > MAX_SORT_KEY_BYTES {
        return Err(invalid(
            "Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
        ));
    }
    Ok(())
}

impl Table {
    pub fn new(def: TableDefinition) -> Table {
        Table {
            def,
            partitions: BTreeMap::new(),
            item_count: 0,
            size_bytes: 0,
            indexes: Vec::new(),
            collections: HashMap::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// Rebuilds a table from what a storage holds.
    pub fn restore(definition: &str, items: &BTreeMap<Vec<u8>, String>) -> Result<Table> {
        let def = serde_json::from_str::<Value>(definition)
            .ok()
            .and_then(|v| TableDefinition::from_json(&v))
            .ok_or_else(|| ApiError::internal("stored table definition is unreadable"))?;
        let mut table = Table::new(def);
        let stored: Value = serde_json::from_str(definition).unwrap_or_default();
        for index in stored["Indexes"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let index_def = IndexDefinition::from_json(index, &table.def.attribute_definitions)
                .ok_or_else(|| ApiError::internal("stored index definition is unreadable"))?;
            table.indexes.push(Index::new(index_def));
        }
        for text in items.values() {
            let v: Value = serde_json::from_str(text)
                .map_err(|_| ApiError::internal("stored item is unreadable"))?;
            let item = wire::item_from_json(&v)?;
            let key = table.key_of_item(&item)?;
            table.insert(key, item);
        }
        Ok(table)
    }

    /// The primary key of an item being written, with DynamoDB's checks (missing key, type,
    /// empty value, size).
    pub fn key_of_item(&self, item: &Item) -> Result<PrimaryKey> {
        let mut parts = Vec::with_capacity(2);
        for (i, attr) in self.def.key_schema.attributes().enumerate() {
            let v = item
                .get(&attr.name)
                .ok_or_else(|| invalid(format!("Missing the key {} in the item", attr.name)))?;
            if v.type_name() != attr.ty.as_str() {
                return Err(invalid(format!(
                    "Type mismatch for key {} expected: {} actual: {}",
                    attr.name,
                    attr.ty.as_str(),
                    v.type_name()
                )));
            }
            empty_key_check(attr, v)?;
            size_check(i == 0, v)?;
            parts.push(v);
        }
        self.check_index_keys(item)?;
        Ok(self.make_key(&parts))
    }

    /// The primary key given as `Key` (GetItem, DeleteItem, UpdateItem, batch keys).
    pub fn key_of_request(&self, key: &Item) -> Result<PrimaryKey> {
        self.key_of(key.len(), |name| key.get(name))
    }

    /// [`Table::key_of_request`] for a key of `len` attributes that `get` finds by name, for a
    /// caller that read them without building an `Item` (GetItem's plain request).
    pub fn key_of<'v>(
        &self,
        len: usize,
        get: impl Fn(&str) -> Option<&'v AttributeValue>,
    ) -> Result<PrimaryKey> {
        let schema = &self.def.key_schema;
        let expected = 1 + schema.range.is_some() as usize;
        if len != expected {
            return Err(ApiError::validation(crate::error::msg::KEY_SCHEMA_MISMATCH));
        }
        let mut parts = Vec::with_capacity(2);
        for (i, attr) in schema.attributes().enumerate() {
            let v = get(&attr.name)
                .filter(|v| v.type_name() == attr.ty.as_str())
                .ok_or_else(|| ApiError::validation(crate::error::msg::KEY_SCHEMA_MISMATCH))?;
            empty_key_check(attr, v)?;
            size_check(i == 0, v)?;
            parts.push(v);
        }
        Ok(self.make_key(&parts))
    }

    fn make_key(&self, parts: &[&AttributeValue]) -> PrimaryKey {
        // invariant: callers checked that parts[0] (and parts[1]) are scalar key values.
        let value = parts
            .first()
            .and_then(|v| KeyValue::from_attribute(v))
            .unwrap_or(KeyValue::S(String::new()));
        let sort = parts.get(1).and_then(|v| KeyValue::from_attribute(v));
        PrimaryKey {
            partition: PartitionKey {
                hash: partition_hash(&value),
                value,
            },
            sort,
        }
    }

    /// The key attributes of an item, as an item (for Keys, LastEvaluatedKey, UnprocessedKeys).
    pub fn key_item(&self, item: &Item) -> Item {
        self.def
            .key_schema
            .attributes()
            .filter_map(|a| item.get(&a.name).map(|v| (a.name.clone(), v.clone())))
            .collect()
    }

    pub fn get(&self, key: &PrimaryKey) -> Option<&Item> {
        self.partitions.get(&key.partition)?.get(&key.sort)
    }

    /// Whether the table has local secondary indexes (and so item collections with a size limit).
    pub fn has_local_indexes(&self) -> bool {
        self.indexes.iter().any(|i| i.def.kind == IndexKind::Local)
    }

    /// What one item adds to its item collection: its own size plus, for each local secondary
    /// index it appears in, the projected entry and its overhead. Zero without LSIs.
    pub fn collection_share(&self, item: &Item) -> u64 {
        let mut lsis = self
            .indexes
            .iter()
            .filter(|i| i.def.kind == IndexKind::Local)
            .peekable();
        if lsis.peek().is_none() {
            return 0;
        }
        let entries: u64 = lsis
            .filter(|i| i.place(item).is_some())
            .map(|i| i.projected_size(item, &self.def.key_schema) as u64 + INDEX_ENTRY_OVERHEAD)
            .sum();
        (crate::value::size::item_size(item) as u64).saturating_add(entries)
    }

    /// The size in bytes of the item collection of one partition key (0 when empty or no LSIs).
    pub fn collection_size(&self, partition: &PartitionKey) -> u64 {
        self.collections.get(partition).copied().unwrap_or(0)
    }

    fn adjust_collection(&mut self, partition: &PartitionKey, removed: u64, added: u64) {
        if removed == added {
            return;
        }
        let size = self
            .collection_size(partition)
            .saturating_sub(removed)
            .saturating_add(added);
        if size == 0 {
            self.collections.remove(partition);
        } else {
            self.collections.insert(partition.clone(), size);
        }
    }

    /// Stores an item, returning the one it replaced.
    pub fn insert(&mut self, key: PrimaryKey, item: Item) -> Option<Item> {
        let size = crate::value::size::item_size(&item) as u64;
        let old = self
            .partitions
            .get(&key.partition)
            .and_then(|p| p.get(&key.sort));
        let (removed, added) = (
            old.map_or(0, |o| self.collection_share(o)),
            self.collection_share(&item),
        );
        self.adjust_collection(&key.partition, removed, added);
        let keys = &self.def.key_schema;
        let old = self
            .partitions
            .get(&key.partition)
            .and_then(|p| p.get(&key.sort));
        for index in &mut self.indexes {
            index.apply(&key, old, Some(&item), keys);
        }
        let old = self
            .partitions
            .entry(key.partition)
            .or_default()
            .insert(key.sort, item);
        match &old {
            Some(o) => {
                self.size_bytes = self
                    .size_bytes
                    .saturating_sub(crate::value::size::item_size(o) as u64)
            }
            None => self.item_count += 1,
        }
        self.size_bytes += size;
        old
    }

    pub fn remove(&mut self, key: &PrimaryKey) -> Option<Item> {
        let partition = self.partitions.get_mut(&key.partition)?;
        let old = partition.remove(&key.sort)?;
        if partition.is_empty() {
            self.partitions.remove(&key.partition);
        }
        let removed = self.collection_share(&old);
        self.adjust_collection(&key.partition, removed, 0);
        for index in &mut self.indexes {
            index.apply(key, Some(&old), None, &self.def.key_schema);
        }
        self.item_count -= 1;
        self.size_bytes = self
            .size_bytes
            .saturating_sub(crate::value::size::item_size(&old) as u64);
        Some(old)
    }

    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.def.name == name)
    }

    /// The definition as stored: the table's, with its indexes.
    pub fn definition_json(&self) -> Value {
        let mut v = self.def.to_json();
        if let Some(obj) = v.as_object_mut() {
            obj.insert(
                "Indexes".into(),
                self.indexes.iter().map(|i| i.def.to_json()).collect(),
            );
        }
        v
    }

    /// DynamoDB's checks of a written item's index key attributes: present ones must have the
    /// index key's type and, for S and B, must not be empty.
    pub fn check_index_keys(&self, item: &Item) -> Result<()> {
        for index in &self.indexes {
            for attr in index.def.key_schema.attributes() {
                let Some(v) = item.get(&attr.name) else {
                    continue;
                };
                if v.type_name() != attr.ty.as_str() {
                    return Err(invalid(format!(
                        "Type mismatch for Index Key {} Expected: {} Actual: {} IndexName: {}",
                        attr.name,
                        attr.ty.as_str(),
                        v.type_name(),
                        index.def.name
                    )));
                }
                let empty = match v {
                    AttributeValue::S(s) => s.is_empty().then_some("string"),
                    AttributeValue::B(b) => b.is_empty().then_some("binary"),
                    _ => None,
                };
                if let Some(kind) = empty {
                    return Err(ApiError::validation(format!(
                        "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {kind} value. IndexName: {}, IndexKey: {}",
                        index.def.name, attr.name
                    )));
                }
            }
        }
        Ok(())
    }

    /// Bytes identifying an item's key in storage: partition key then sort key, in an encoding
    /// whose byte order is the key order, so a storage can range-scan one partition.
    pub fn storage_key(&self, item: &Item) -> Vec<u8> {
        let parts: Vec<KeyValue> = self
            .def
            .key_schema
            .attributes()
            .filter_map(|a| item.get(&a.name).and_then(KeyValue::from_attribute))
            .collect();
        crate::value::key::key_to_bytes(&parts.iter().collect::<Vec<_>>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{IndexKeySchema, ProjectionType};

    fn attr(name: &str) -> KeyAttribute {
        KeyAttribute {
            name: name.into(),
            ty: ScalarType::S,
        }
    }

    fn table_with_lsi(projection: ProjectionType) -> Table {
        let mut table = Table::new(TableDefinition {
            name: "T".into(),
            key_schema: KeySchema {
                hash: attr("pk"),
                range: Some(attr("sk")),
            },
            attribute_definitions: vec![attr("pk"), attr("sk"), attr("lsk")],
            billing_mode: BillingMode::PayPerRequest,
            throughput: (0, 0),
            created_millis: 0,
            table_id: "t-1".into(),
            arn: "arn:aws:dynamodb:us-east-1:000000000000:table/T".into(),
            deletion_protection: false,
            settings: Default::default(),
        });
        table.indexes.push(Index::new(IndexDefinition {
            name: "L".into(),
            kind: IndexKind::Local,
            key_schema: IndexKeySchema {
                hash: vec![attr("pk")],
                range: vec![attr("lsk")],
            },
            projection,
            throughput: (0, 0),
            arn: "arn".into(),
            pending: None,
        }));
        table
    }

    fn item(pairs: &[(&str, &str)]) -> Item {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), AttributeValue::S(v.to_string())))
            .collect()
    }

    /// The collection size recomputed from scratch: items plus their LSI entries and overhead.
    fn recomputed(table: &Table) -> HashMap<PartitionKey, u64> {
        let mut out = HashMap::new();
        for (partition, items) in &table.partitions {
            let mut size = 0;
            for item in items.values() {
                size += crate::value::size::item_size(item) as u64;
                for index in &table.indexes {
                    if index.place(item).is_some() {
                        let entry = index.project(item, &table.def.key_schema);
                        size += crate::value::size::item_size(&entry) as u64 + 100;
                    }
                }
            }
            out.insert(partition.clone(), size);
        }
        out
    }

    #[test]
    fn running_collection_sizes_match_a_recount() {
        for projection in [
            ProjectionType::All,
            ProjectionType::KeysOnly,
            ProjectionType::Include(vec!["a".into()]),
        ] {
            let mut table = table_with_lsi(projection);
            let writes: Vec<Item> = vec![
                item(&[
                    ("pk", "x"),
                    ("sk", "1"),
                    ("lsk", "p"),
                    ("a", "aaa"),
                    ("b", "bb"),
                ]),
                item(&[("pk", "x"), ("sk", "2"), ("b", "bb")]),
                item(&[("pk", "y"), ("sk", "1"), ("lsk", "q")]),
                // Replacements: leave the index, join it, change projected attributes.
                item(&[("pk", "x"), ("sk", "1"), ("a", "aaa")]),
                item(&[("pk", "x"), ("sk", "2"), ("lsk", "r"), ("a", "a")]),
            ];
            for w in writes {
                let key = table.key_of_item(&w).unwrap();
                table.insert(key, w);
                assert_eq!(table.collections, recomputed(&table));
            }
            let key = table
                .key_of_item(&item(&[("pk", "y"), ("sk", "1")]))
                .unwrap();
            table.remove(&key);
            assert_eq!(table.collections, recomputed(&table));
            assert_eq!(table.collections.len(), 1);
            for sk in ["1", "2"] {
                let key = table
                    .key_of_item(&item(&[("pk", "x"), ("sk", sk)]))
                    .unwrap();
                table.remove(&key);
            }
            assert!(table.collections.is_empty());
        }
    }

    #[test]
    fn size_estimates_are_whole_gigabyte_ranges() {
        let mut table = table_with_lsi(ProjectionType::KeysOnly);
        let w = item(&[("pk", "x"), ("sk", "1")]);
        let partition = table.key_of_item(&w).unwrap().partition;
        let gib = 1u64 << 30;
        for (size, range) in [
            (0, [0.0, 1.0]),
            (gib - 1, [0.0, 1.0]),
            (gib, [1.0, 2.0]),
            (10 * gib + gib / 2, [10.0, 11.0]),
        ] {
            table.collections.insert(partition.clone(), size);
            let metrics = crate::ops::collection_metrics(&table, &partition).unwrap();
            assert_eq!(metrics["SizeEstimateRangeGB"], serde_json::json!(range));
            assert_eq!(
                metrics["ItemCollectionKey"],
                serde_json::json!({"pk": {"S": "x"}})
            );
        }
    }

    #[test]
    fn tables_without_lsis_keep_no_collections() {
        let mut table = table_with_lsi(ProjectionType::All);
        table.indexes[0].def.kind = IndexKind::Global;
        let w = item(&[("pk", "x"), ("sk", "1"), ("lsk", "p")]);
        let key = table.key_of_item(&w).unwrap();
        table.insert(key, w);
        assert!(!table.has_local_indexes());
        assert!(table.collections.is_empty());
    }
}
