//! DynamoDB Streams: the change log of every table whose StreamSpecification is enabled.
//!
//! The model (documented in ARCHITECTURE.md):
//! - A table's `StreamSetting` (table.rs) is the source of truth for *which* stream is current;
//!   `Streams` holds every stream still readable (the current one and disabled ones for 24 h).
//! - One open shard per stream. It closes after `SHARD_ROLL_MILLIS` of clock time and a child
//!   shard (ParentShardId = the closed one) opens; disabling the stream closes its open shard.
//! - Sequence numbers come from one engine-wide counter, printed as 21-digit decimals, so they
//!   increase across shards and streams and sort as text.
//! - Records older than 24 hours are trimmed; a stream disabled for more than 24 hours goes away.
//! - Records are appended by `ops::shared::commit_writes` in the same storage batch as the item
//!   writes (`Mutation::PutStreamRecord`), so a write and its record land together or not at all.

pub mod api;
pub mod iterator;

use std::collections::{BTreeMap, VecDeque};

use serde_json::{json, Map, Value};

use crate::storage::Mutation;
use crate::table::Table;
use crate::value::{size::item_size, wire, Item};

/// DynamoDB keeps stream records for 24 hours.
pub const RETENTION_MILLIS: i64 = 24 * 3600 * 1000;
/// Shards close and get a child every four hours of clock time (DynamoDB rolls shards on its own
/// schedule; four hours is our documented stand-in).
pub const SHARD_ROLL_MILLIS: i64 = 4 * 3600 * 1000;
/// Shard iterators expire 15 minutes after they are handed out.
pub const ITERATOR_LIFETIME_MILLIS: i64 = 15 * 60 * 1000;
/// The first sequence number: 21 digits, as DynamoDB's are.
pub const SEQUENCE_BASE: u128 = 100_000_000_000_000_000_000;

/// Why an item changed: a caller's request, or DynamoDB itself (TTL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    User,
    TimeToLive,
}

/// One stream record, as kept in memory and in storage.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamRecord {
    pub sequence: u128,
    pub shard_id: String,
    pub event_name: &'static str,
    pub created_millis: i64,
    pub keys: Item,
    pub new_image: Option<Item>,
    pub old_image: Option<Item>,
    pub service: bool,
}

/// One shard's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Shard {
    pub id: String,
    pub parent: Option<String>,
    pub start: u128,
    pub end: Option<u128>,
    pub created_millis: i64,
    pub closed_millis: Option<i64>,
}

/// A stream's metadata: everything but its records.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamMeta {
    pub arn: String,
    pub table: String,
    pub label: String,
    pub view_type: String,
    pub key_schema: Value,
    pub created_millis: i64,
    pub disabled_millis: Option<i64>,
    /// The highest sequence number trimmed away (0: nothing trimmed yet).
    pub trimmed_through: u128,
    pub shards: Vec<Shard>,
}

/// Every readable stream, by ARN, and the sequence counter.
#[derive(Debug, Clone, Default)]
pub struct Streams {
    pub by_arn: BTreeMap<String, StreamMeta>,
    pub records: BTreeMap<String, VecDeque<StreamRecord>>,
    /// The next sequence number to hand out, as an offset from `SEQUENCE_BASE`.
    pub next: u128,
}

/// FNV-1a, for ids that must be stable across runs and platforms.
pub fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for part in parts {
        for b in part.iter().chain(std::iter::once(&0xffu8)) {
            h ^= *b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

pub fn sequence_text(seq: u128) -> String {
    format!("{seq:021}")
}

pub fn stream_arn(table_arn: &str, label: &str) -> String {
    format!("{table_arn}/stream/{label}")
}

fn shard_id(arn: &str, created_millis: i64, start: u128) -> String {
    let h = fnv(&[arn.as_bytes(), start.to_string().as_bytes()]);
    format!("shardId-{created_millis:020}-{:08x}", h as u32)
}

impl StreamMeta {
    pub fn open_shard(&self) -> Option<&Shard> {
        self.shards.iter().rev().find(|s| s.end.is_none())
    }

    pub fn shard(&self, id: &str) -> Option<&Shard> {
        self.shards.iter().find(|s| s.id == id)
    }

    pub fn enabled(&self) -> bool {
        self.disabled_millis.is_none()
    }

    pub fn to_json(&self) -> Value {
        json!({
            "StreamArn": self.arn,
            "TableName": self.table,
            "StreamLabel": self.label,
            "StreamViewType": self.view_type,
            "KeySchema": self.key_schema,
            "CreatedMillis": self.created_millis,
            "DisabledMillis": self.disabled_millis,
            "TrimmedThrough": self.trimmed_through.to_string(),
            "Shards": self.shards.iter().map(|s| json!({
                "ShardId": s.id,
                "ParentShardId": s.parent,
                "Start": s.start.to_string(),
                "End": s.end.map(|e| e.to_string()),
                "CreatedMillis": s.created_millis,
                "ClosedMillis": s.closed_millis,
            })).collect::<Vec<_>>(),
        })
    }

    pub fn from_json(v: &Value) -> Option<StreamMeta> {
        let num = |v: &Value| v.as_str().and_then(|s| s.parse::<u128>().ok());
        let shards = v["Shards"]
            .as_array()?
            .iter()
            .map(|s| {
                Some(Shard {
                    id: s["ShardId"].as_str()?.to_string(),
                    parent: s["ParentShardId"].as_str().map(str::to_string),
                    start: num(&s["Start"])?,
                    end: num(&s["End"]),
                    created_millis: s["CreatedMillis"].as_i64()?,
                    closed_millis: s["ClosedMillis"].as_i64(),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(StreamMeta {
            arn: v["StreamArn"].as_str()?.to_string(),
            table: v["TableName"].as_str()?.to_string(),
            label: v["StreamLabel"].as_str()?.to_string(),
            view_type: v["StreamViewType"].as_str()?.to_string(),
            key_schema: v["KeySchema"].clone(),
            created_millis: v["CreatedMillis"].as_i64()?,
            disabled_millis: v["DisabledMillis"].as_i64(),
            trimmed_through: num(&v["TrimmedThrough"]).unwrap_or(0),
            shards,
        })
    }

    /// Closes the open shard at `now`: its range ends at its last record (or its start when empty).
    fn close_open_shard(&mut self, last_record: Option<u128>, now: i64) {
        if let Some(shard) = self.shards.iter_mut().rev().find(|s| s.end.is_none()) {
            let end = last_record
                .filter(|l| *l >= shard.start)
                .unwrap_or(shard.start);
            shard.end = Some(end);
            shard.closed_millis = Some(now);
        }
    }
}

impl StreamRecord {
    /// The record as GetRecords returns it; images are included per the stream's view type.
    pub fn to_json(&self, view_type: &str, region: &str) -> Value {
        let mut dynamodb = Map::new();
        dynamodb.insert(
            "ApproximateCreationDateTime".into(),
            json!(self.created_millis.div_euclid(1000) as f64),
        );
        dynamodb.insert("Keys".into(), wire::item_to_json(&self.keys));
        let (new, old) = images_for(view_type, self.new_image.as_ref(), self.old_image.as_ref());
        if let Some(n) = new {
            dynamodb.insert("NewImage".into(), wire::item_to_json(n));
        }
        if let Some(o) = old {
            dynamodb.insert("OldImage".into(), wire::item_to_json(o));
        }
        dynamodb.insert("SequenceNumber".into(), json!(sequence_text(self.sequence)));
        dynamodb.insert("SizeBytes".into(), json!(self.size_bytes(view_type)));
        dynamodb.insert("StreamViewType".into(), json!(view_type));
        let mut out = Map::new();
        out.insert("eventID".into(), json!(self.event_id()));
        out.insert("eventName".into(), json!(self.event_name));
        out.insert("eventVersion".into(), json!("1.1"));
        out.insert("eventSource".into(), json!("aws:dynamodb"));
        out.insert("awsRegion".into(), json!(region));
        out.insert("dynamodb".into(), Value::Object(dynamodb));
        if self.service {
            out.insert(
                "userIdentity".into(),
                json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"}),
            );
        }
        Value::Object(out)
    }

    /// A 32-hex-digit id, unique per record and stable across runs.
    pub fn event_id(&self) -> String {
        let seq = self.sequence.to_string();
        let a = fnv(&[b"event", seq.as_bytes(), self.shard_id.as_bytes()]);
        let b = fnv(&[self.shard_id.as_bytes(), seq.as_bytes(), b"id"]);
        format!("{a:016x}{b:016x}")
    }

    /// The record's size: its keys plus the images the view type carries.
    pub fn size_bytes(&self, view_type: &str) -> usize {
        let (new, old) = images_for(view_type, self.new_image.as_ref(), self.old_image.as_ref());
        item_size(&self.keys) + new.map_or(0, item_size) + old.map_or(0, item_size)
    }

    /// Storage form: everything, including both images (the view type is fixed per stream, but
    /// keeping both costs little and keeps the format independent of it).
    pub fn to_storage(&self) -> String {
        json!({
            "Seq": self.sequence.to_string(),
            "Shard": self.shard_id,
            "Event": self.event_name,
            "Millis": self.created_millis,
            "Keys": wire::item_to_json(&self.keys),
            "New": self.new_image.as_ref().map(wire::item_to_json),
            "Old": self.old_image.as_ref().map(wire::item_to_json),
            "Service": self.service,
        })
        .to_string()
    }

    pub fn from_storage(text: &str) -> Option<StreamRecord> {
        let v: Value = serde_json::from_str(text).ok()?;
        let image = |v: &Value| -> Option<Option<Item>> {
            if v.is_null() {
                Some(None)
            } else {
                wire::item_from_json(v).ok().map(Some)
            }
        };
        Some(StreamRecord {
            sequence: v["Seq"].as_str()?.parse().ok()?,
            shard_id: v["Shard"].as_str()?.to_string(),
            event_name: match v["Event"].as_str()? {
                "INSERT" => "INSERT",
                "MODIFY" => "MODIFY",
                _ => "REMOVE",
            },
            created_millis: v["Millis"].as_i64()?,
            keys: wire::item_from_json(&v["Keys"]).ok()?,
            new_image: image(&v["New"])?,
            old_image: image(&v["Old"])?,
            service: v["Service"].as_bool().unwrap_or(false),
        })
    }
}

fn images_for<'a>(
    view_type: &str,
    new: Option<&'a Item>,
    old: Option<&'a Item>,
) -> (Option<&'a Item>, Option<&'a Item>) {
    match view_type {
        "NEW_IMAGE" => (new, None),
        "OLD_IMAGE" => (None, old),
        "NEW_AND_OLD_IMAGES" => (new, old),
        _ => (None, None),
    }
}

/// What one item write means for a stream, or None when it changes nothing (a put of an
/// identical item, a delete of a missing item): DynamoDB writes no record then.
pub fn event_of(old: Option<&Item>, new: Option<&Item>) -> Option<&'static str> {
    match (old, new) {
        (None, None) => None,
        (None, Some(_)) => Some("INSERT"),
        (Some(o), Some(n)) if o == n => None,
        (Some(_), Some(_)) => Some("MODIFY"),
        (Some(_), None) => Some("REMOVE"),
    }
}

/// The changes maintenance wants to make, computed without touching the engine.
pub struct Maintenance {
    pub metas: Vec<StreamMeta>,
    pub dropped: Vec<String>,
    pub trims: Vec<(String, u128)>,
    pub next: u128,
}

impl Maintenance {
    pub fn is_empty(&self) -> bool {
        self.metas.is_empty() && self.dropped.is_empty() && self.trims.is_empty()
    }

    pub fn mutations(&self) -> Vec<Mutation> {
        let mut out = Vec::new();
        for m in &self.metas {
            out.push(Mutation::PutStream {
                stream: m.arn.clone(),
                definition: m.to_json().to_string(),
            });
        }
        for (arn, through) in &self.trims {
            out.push(Mutation::TrimStreamRecords {
                stream: arn.clone(),
                through: sequence_text(*through),
            });
        }
        for arn in &self.dropped {
            out.push(Mutation::DeleteStream {
                stream: arn.clone(),
            });
        }
        out
    }
}

impl Streams {
    /// Rebuilds streams from storage.
    pub fn restore(
        metas: &BTreeMap<String, String>,
        records: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Option<Streams> {
        let mut out = Streams::default();
        let mut max_seen: u128 = 0;
        for text in metas.values() {
            let v: Value = serde_json::from_str(text).ok()?;
            let meta = StreamMeta::from_json(&v)?;
            for s in &meta.shards {
                max_seen = max_seen.max(s.start).max(s.end.unwrap_or(0));
            }
            max_seen = max_seen.max(meta.trimmed_through);
            let mut list = VecDeque::new();
            for text in records
                .get(&meta.arn)
                .map(|r| r.values())
                .into_iter()
                .flatten()
            {
                let record = StreamRecord::from_storage(text)?;
                max_seen = max_seen.max(record.sequence);
                list.push_back(record);
            }
            list.make_contiguous().sort_by_key(|r| r.sequence);
            out.records.insert(meta.arn.clone(), list);
            out.by_arn.insert(meta.arn.clone(), meta);
        }
        // Stored text is not trusted to be in range: saturate rather than underflow.
        out.next = if max_seen < SEQUENCE_BASE {
            0
        } else {
            (max_seen - SEQUENCE_BASE).saturating_add(1)
        };
        Some(out)
    }

    pub fn peek_sequence(&self) -> u128 {
        SEQUENCE_BASE + self.next
    }

    fn last_record_of(&self, arn: &str) -> Option<u128> {
        self.records
            .get(arn)
            .and_then(|r| r.back())
            .map(|r| r.sequence)
    }

    /// Works out what time and table settings ask of the streams: a new stream for a table
    /// whose current stream is not known yet, disabling a stream its table no longer has
    /// enabled, rolling old shards, trimming records past retention, dropping expired streams.
    pub fn plan_maintenance(&self, tables: &BTreeMap<String, Table>, now: i64) -> Maintenance {
        let mut plan = Maintenance {
            metas: Vec::new(),
            dropped: Vec::new(),
            trims: Vec::new(),
            next: self.next,
        };
        let mut current: Vec<String> = Vec::new();
        for table in tables.values() {
            let Some(setting) = &table.def.settings.stream else {
                continue;
            };
            let arn = stream_arn(&table.def.arn, &setting.label);
            if setting.enabled && table.def.settings.status(now) != "DELETING" {
                current.push(arn.clone());
            }
            if setting.enabled && !self.by_arn.contains_key(&arn) {
                let start = SEQUENCE_BASE + plan.next;
                let created = crate::time_format::parse_iso_millis(&setting.label).unwrap_or(now);
                plan.metas.push(StreamMeta {
                    arn: arn.clone(),
                    table: table.def.name.clone(),
                    label: setting.label.clone(),
                    view_type: setting.view_type.clone(),
                    key_schema: table.def.key_schema.to_json(),
                    created_millis: created,
                    disabled_millis: None,
                    trimmed_through: 0,
                    shards: vec![Shard {
                        id: shard_id(&arn, created, start),
                        parent: None,
                        start,
                        end: None,
                        created_millis: created,
                        closed_millis: None,
                    }],
                });
            }
        }
        let cutoff = now.saturating_sub(RETENTION_MILLIS);
        for (arn, meta) in &self.by_arn {
            // Most calls change nothing: check cheaply before copying the metadata.
            let quiet = (meta.enabled() == current.contains(arn))
                && meta
                    .open_shard()
                    .is_none_or(|s| now.saturating_sub(s.created_millis) < SHARD_ROLL_MILLIS)
                && self
                    .records
                    .get(arn)
                    .and_then(|r| r.front())
                    .is_none_or(|r| r.created_millis >= cutoff)
                && meta
                    .shards
                    .iter()
                    .all(|s| s.closed_millis.is_none_or(|c| c >= cutoff))
                && meta.disabled_millis.is_none_or(|d| d >= cutoff);
            if quiet {
                continue;
            }
            let mut m = meta.clone();
            let last = self.last_record_of(arn);
            if m.enabled() && !current.contains(arn) {
                m.disabled_millis = Some(now);
                m.close_open_shard(last, now);
                // An empty shard's range is its start alone; skip that number for later shards.
                plan.next += 1;
            }
            if m.enabled() {
                let due = m
                    .open_shard()
                    .is_some_and(|s| now.saturating_sub(s.created_millis) >= SHARD_ROLL_MILLIS);
                if due {
                    let parent = m.open_shard().map(|s| s.id.clone());
                    m.close_open_shard(last, now);
                    plan.next += 1;
                    let start = SEQUENCE_BASE + plan.next;
                    m.shards.push(Shard {
                        id: shard_id(arn, now, start),
                        parent,
                        start,
                        end: None,
                        created_millis: now,
                        closed_millis: None,
                    });
                }
            }
            let trim = self
                .records
                .get(arn)
                .into_iter()
                .flatten()
                .take_while(|r| r.created_millis < cutoff)
                .last()
                .map(|r| r.sequence);
            if let Some(t) = trim {
                m.trimmed_through = m.trimmed_through.max(t);
                plan.trims.push((arn.clone(), t));
            }
            m.shards
                .retain(|s| s.closed_millis.is_none_or(|c| c >= cutoff));
            if m.disabled_millis.is_some_and(|d| d < cutoff) {
                plan.dropped.push(arn.clone());
            } else if m != *meta {
                plan.metas.push(m);
            }
        }
        plan
    }

    /// Applies a maintenance plan that storage accepted.
    pub fn apply_maintenance(&mut self, plan: Maintenance) {
        for m in plan.metas {
            self.records.entry(m.arn.clone()).or_default();
            self.by_arn.insert(m.arn.clone(), m);
        }
        for (arn, through) in plan.trims {
            if let Some(list) = self.records.get_mut(&arn) {
                while list.front().is_some_and(|r| r.sequence <= through) {
                    list.pop_front();
                }
            }
        }
        for arn in plan.dropped {
            self.by_arn.remove(&arn);
            self.records.remove(&arn);
        }
        self.next = plan.next;
    }

    /// The stream records a batch of item writes produces: (stream ARN, record). `changes` are
    /// (table, old item, new item). Sequence numbers are taken from the counter but the counter
    /// only moves when the caller applies the records.
    pub fn plan_records(
        &self,
        tables: &BTreeMap<String, Table>,
        changes: &[(String, Option<Item>, Option<Item>)],
        origin: Origin,
        now: i64,
    ) -> Vec<(String, StreamRecord)> {
        let mut out = Vec::new();
        let mut next = self.next;
        for (table_name, old, new) in changes {
            let Some(table) = tables.get(table_name) else {
                continue;
            };
            let Some(setting) = table.def.settings.stream.as_ref().filter(|s| s.enabled) else {
                continue;
            };
            let arn = stream_arn(&table.def.arn, &setting.label);
            let Some(shard) = self.by_arn.get(&arn).and_then(StreamMeta::open_shard) else {
                continue;
            };
            let Some(event_name) = event_of(old.as_ref(), new.as_ref()) else {
                continue;
            };
            let keys = table.key_item(new.as_ref().or(old.as_ref()).unwrap_or(&Item::new()));
            out.push((
                arn,
                StreamRecord {
                    sequence: SEQUENCE_BASE + next,
                    shard_id: shard.id.clone(),
                    event_name,
                    created_millis: now,
                    keys,
                    new_image: new.clone(),
                    old_image: old.clone(),
                    service: origin == Origin::TimeToLive,
                },
            ));
            next += 1;
        }
        out
    }

    /// Appends records whose batch storage accepted.
    pub fn apply_records(&mut self, records: Vec<(String, StreamRecord)>) {
        for (arn, record) in records {
            self.next = self.next.max(
                record
                    .sequence
                    .saturating_sub(SEQUENCE_BASE)
                    .saturating_add(1),
            );
            self.records.entry(arn).or_default().push_back(record);
        }
    }

    /// Whether every table with an enabled stream has its stream known, enabled and with an
    /// open shard (so a write can be recorded without maintenance first).
    pub fn covers(&self, tables: &BTreeMap<String, Table>, written: &[&str], now: i64) -> bool {
        written
            .iter()
            .filter_map(|name| tables.get(*name))
            .all(|t| {
                // A DELETING table's stream is already disabled: there is nothing to record into.
                t.def.settings.status(now) == "DELETING"
                    || t.def.settings.stream.as_ref().is_none_or(|s| {
                        !s.enabled
                            || self
                                .by_arn
                                .get(&stream_arn(&t.def.arn, &s.label))
                                .is_some_and(|m| m.enabled() && m.open_shard().is_some())
                    })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::AttributeValue;

    fn item(pairs: &[(&str, &str)]) -> Item {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), AttributeValue::S(v.to_string())))
            .collect()
    }

    #[test]
    fn no_record_for_writes_that_change_nothing() {
        // Why: DynamoDB writes no stream record for an identical put or a delete of nothing.
        let a = item(&[("k", "1")]);
        let b = item(&[("k", "1"), ("x", "y")]);
        assert_eq!(event_of(None, None), None);
        assert_eq!(event_of(Some(&a), Some(&a)), None);
        assert_eq!(event_of(None, Some(&a)), Some("INSERT"));
        assert_eq!(event_of(Some(&a), Some(&b)), Some("MODIFY"));
        assert_eq!(event_of(Some(&a), None), Some("REMOVE"));
    }

    #[test]
    fn records_survive_their_storage_form() {
        // Why: Engine::open rebuilds streams from the text a Storage kept.
        let r = StreamRecord {
            sequence: SEQUENCE_BASE + 7,
            shard_id: "shardId-00000001767225600000-abcdef01".into(),
            event_name: "MODIFY",
            created_millis: 1_767_225_600_123,
            keys: item(&[("k", "1")]),
            new_image: Some(item(&[("k", "1"), ("a", "b")])),
            old_image: None,
            service: true,
        };
        assert_eq!(StreamRecord::from_storage(&r.to_storage()), Some(r));
    }

    #[test]
    fn sequence_numbers_are_21_digits_and_sort_as_text() {
        // Why: SDKs require SequenceNumber to be at least 21 characters long.
        assert_eq!(sequence_text(SEQUENCE_BASE).len(), 21);
        assert!(sequence_text(SEQUENCE_BASE + 9) < sequence_text(SEQUENCE_BASE + 10));
    }
}
