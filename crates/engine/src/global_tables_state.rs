//! The global tables simulation's own state and how it is persisted: the replication queue
//! (writes on their way to other replicas), the per-key last-writer stamps and the conflict log,
//! plus a small settings document. Each is stored as records of its own through the engine's
//! `Storage`, one row per thing that changes (a queued write, a key's stamp, a conflict), in the
//! same batch as the item write that causes it, so a reload or a restart resumes replication
//! where it stood: an undelivered write is still delivered, last writer wins still compares the
//! stamps, and the conflicts stay listed. Nothing here is ever rewritten whole.

use std::collections::{BTreeMap, HashMap, VecDeque};

use base64::Engine as _;
use serde_json::{json, Value};

use crate::storage::{Mutation, Snapshot, StorageError};
use crate::table::{partition_hash, PartitionKey, PrimaryKey};
use crate::value::key::{key_from_bytes, key_to_bytes};
use crate::value::{wire, Item};

pub const DEFAULT_DELAY_MILLIS: i64 = 1000;
/// The most conflicts kept for inspection (oldest dropped first).
pub(crate) const MAX_CONFLICTS: usize = 100;

/// When and where a version of an item was written: the order last-writer-wins uses (time,
/// then region name as the tie-breaker).
pub(crate) type Stamp = (i64, String);

/// One write on its way to one replica.
#[derive(Debug, Clone)]
pub(crate) struct Replication {
    /// Its number in the queue (the storage row's key); orders writes due at the same time.
    pub seq: u64,
    pub due: i64,
    /// The internal table name the write goes to.
    pub target: String,
    pub key: PrimaryKey,
    pub item: Option<Item>,
    pub stamp: Stamp,
}

/// Two versions of one item that met, and which one last writer wins kept.
#[derive(Debug, Clone)]
pub(crate) struct Conflict {
    /// Its number in the log (the storage row's key).
    pub seq: u64,
    pub at: i64,
    pub table: String,
    pub region: String,
    pub key: Item,
    pub kept: (Stamp, Option<Item>),
    pub discarded: (Stamp, Option<Item>),
}

/// A replicated write being committed: its batch also takes it off the queue, stamps its key in
/// the target and records the conflict it settles, if any.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub seq: u64,
    pub target: String,
    pub key: PrimaryKey,
    pub stamp: Stamp,
    pub conflict: Option<Conflict>,
}

/// The simulation's state in memory, always equal to what the storage holds.
#[derive(Debug)]
pub struct GlobalTables {
    pub(crate) delay_millis: i64,
    pub(crate) queue: Vec<Replication>,
    pub(crate) next_seq: u64,
    /// Per internal table name, per key: the stamp of the version that table holds.
    pub(crate) stamps: HashMap<String, BTreeMap<PrimaryKey, Stamp>>,
    pub(crate) conflicts: VecDeque<Conflict>,
    pub(crate) next_conflict_seq: u64,
    pub(crate) replicated: u64,
    /// Set while a replicated write commits, so it is not replicated again.
    pub(crate) delivering: Option<Delivery>,
}

impl Default for GlobalTables {
    fn default() -> Self {
        GlobalTables {
            delay_millis: DEFAULT_DELAY_MILLIS,
            queue: Vec::new(),
            next_seq: 0,
            stamps: HashMap::new(),
            conflicts: VecDeque::new(),
            next_conflict_seq: 0,
            replicated: 0,
            delivering: None,
        }
    }
}

/// What one storage batch changes in the simulation's state: planned before the commit, its
/// mutations committed with the items, applied to memory only after the commit succeeded.
#[derive(Debug, Default)]
pub(crate) struct ReplicationBatch {
    stamps: Vec<(String, PrimaryKey, Stamp)>,
    queued: Vec<Replication>,
    next_seq: Option<u64>,
    delivered: Option<u64>,
    conflict: Option<(Conflict, Option<u64>)>,
    replicated: Option<u64>,
}

impl ReplicationBatch {
    pub fn stamp(&mut self, table: String, key: PrimaryKey, stamp: Stamp) {
        self.stamps.push((table, key, stamp));
    }

    pub fn queue(&mut self, r: Replication) {
        self.next_seq = Some(r.seq.saturating_add(1));
        self.queued.push(r);
    }

    /// The queued write `seq` leaves the queue, and the count of delivered writes becomes
    /// `replicated` when given (a dropped write was not delivered).
    pub fn dequeue(&mut self, seq: u64, replicated: Option<u64>) {
        self.delivered = Some(seq);
        self.replicated = replicated;
    }

    pub fn record(&mut self, state: &GlobalTables, conflict: Option<Conflict>) {
        self.conflict = conflict.and_then(|c| state.numbered(c));
    }

    pub fn mutations(&self, state: &GlobalTables) -> Vec<Mutation> {
        let mut out = Vec::new();
        for (table, key, stamp) in &self.stamps {
            out.push(Mutation::PutReplicaStamp {
                table: table.clone(),
                key: key_bytes(key),
                stamp: json!({"t": stamp.0, "r": stamp.1}).to_string(),
            });
        }
        for r in &self.queued {
            out.push(Mutation::PutReplication {
                seq: r.seq,
                replication: r.to_record(),
            });
        }
        if let Some(seq) = self.delivered {
            out.push(Mutation::DeleteReplication { seq });
        }
        if let Some((c, trim)) = &self.conflict {
            out.push(Mutation::PutConflict {
                seq: c.seq,
                conflict: c.to_record(),
            });
            if let Some(below_seq) = trim {
                out.push(Mutation::TrimConflicts {
                    below_seq: *below_seq,
                });
            }
        }
        if let Some(replicated) = self.replicated {
            out.push(state.settings_mutation(state.delay_millis, replicated));
        }
        out
    }

    pub fn apply(self, state: &mut GlobalTables) {
        for (table, key, stamp) in self.stamps {
            state.stamps.entry(table).or_default().insert(key, stamp);
        }
        state.queue.extend(self.queued);
        if let Some(next) = self.next_seq {
            state.next_seq = next;
        }
        if let Some(seq) = self.delivered {
            state.queue.retain(|r| r.seq != seq);
        }
        if let Some((c, _)) = self.conflict {
            state.next_conflict_seq = c.seq.saturating_add(1);
            state.conflicts.push_back(c);
            while state.conflicts.len() > MAX_CONFLICTS {
                state.conflicts.pop_front();
            }
        }
        if let Some(replicated) = self.replicated {
            state.replicated = replicated;
        }
    }
}

impl GlobalTables {
    /// A conflict numbered for the log with where the log's trim starts, or None when the same
    /// pair of versions was already logged (it meets again in the other region).
    fn numbered(&self, mut c: Conflict) -> Option<(Conflict, Option<u64>)> {
        if self.conflicts.iter().any(|o| {
            o.table == c.table
                && o.key == c.key
                && o.kept.0 == c.kept.0
                && o.discarded.0 == c.discarded.0
        }) {
            return None;
        }
        c.seq = self.next_conflict_seq;
        let drop = (self.conflicts.len() + 1).saturating_sub(MAX_CONFLICTS);
        let trim = (drop > 0).then(|| self.conflicts.get(drop).map_or(c.seq, |k| k.seq));
        Some((c, trim))
    }

    /// The settings row: the replication delay and how many writes were delivered so far.
    pub(crate) fn settings_mutation(&self, delay_millis: i64, replicated: u64) -> Mutation {
        Mutation::PutGlobalTables {
            settings:
                json!({"ReplicationDelayMillis": delay_millis, "ReplicatedWrites": replicated})
                    .to_string(),
        }
    }

    /// Rebuilds the state from what a storage holds (`Engine::open`).
    pub fn restore(snapshot: &Snapshot) -> Result<GlobalTables, StorageError> {
        let mut state = GlobalTables::default();
        if let Some(text) = &snapshot.global_tables {
            let v: Value = serde_json::from_str(text).unwrap_or_default();
            let (Some(delay), Some(replicated)) = (
                v["ReplicationDelayMillis"].as_i64(),
                v["ReplicatedWrites"].as_u64(),
            ) else {
                return Err(StorageError(
                    "stored global tables settings are unreadable".into(),
                ));
            };
            state.delay_millis = delay.max(0);
            state.replicated = replicated;
        }
        for (seq, text) in &snapshot.replications {
            let r = Replication::from_record(*seq, text).ok_or_else(|| {
                StorageError(format!("stored replicated write {seq} is unreadable"))
            })?;
            state.next_seq = seq.saturating_add(1);
            state.queue.push(r);
        }
        for (table, rows) in &snapshot.replica_stamps {
            let stamps = state.stamps.entry(table.clone()).or_default();
            for (key, text) in rows {
                let unreadable = || {
                    StorageError(format!(
                        "a stored replication stamp of {table} is unreadable"
                    ))
                };
                let key = key_of_bytes(key).ok_or_else(unreadable)?;
                let v: Value = serde_json::from_str(text).map_err(|_| unreadable())?;
                stamps.insert(key, stamp_of(&v).ok_or_else(unreadable)?);
            }
        }
        for (seq, text) in &snapshot.conflicts {
            let c = Conflict::from_record(*seq, text).ok_or_else(|| {
                StorageError(format!("stored replication conflict {seq} is unreadable"))
            })?;
            state.next_conflict_seq = seq.saturating_add(1);
            state.conflicts.push_back(c);
        }
        while state.conflicts.len() > MAX_CONFLICTS {
            state.conflicts.pop_front();
        }
        Ok(state)
    }

    /// Forgets the stamps of a table that is gone (storage drops them with `DeleteTable`).
    pub(crate) fn forget_table(&mut self, table: &str) {
        self.stamps.remove(table);
    }
}

/// A primary key as the bytes items are stored under (`Table::storage_key`'s encoding).
pub(crate) fn key_bytes(key: &PrimaryKey) -> Vec<u8> {
    let mut parts = vec![&key.partition.value];
    parts.extend(key.sort.as_ref());
    key_to_bytes(&parts)
}

fn key_of_bytes(bytes: &[u8]) -> Option<PrimaryKey> {
    let mut values = key_from_bytes(bytes)?.into_iter();
    let value = values.next()?;
    let sort = values.next();
    if values.next().is_some() {
        return None;
    }
    Some(PrimaryKey {
        partition: PartitionKey {
            hash: partition_hash(&value),
            value,
        },
        sort,
    })
}

fn stamp_of(v: &Value) -> Option<Stamp> {
    Some((v["t"].as_i64()?, v["r"].as_str()?.to_string()))
}

/// An item or its absence (a delete) as stored: DynamoDB JSON or null.
fn version_of(v: &Value) -> Option<Option<Item>> {
    match v {
        Value::Null => Some(None),
        item => wire::item_from_json(item).ok().map(Some),
    }
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

impl Replication {
    fn to_record(&self) -> String {
        json!({
            "due": self.due,
            "target": self.target,
            "key": B64.encode(key_bytes(&self.key)),
            "item": self.item.as_ref().map(wire::item_to_json),
            "t": self.stamp.0,
            "r": self.stamp.1,
        })
        .to_string()
    }

    fn from_record(seq: u64, text: &str) -> Option<Replication> {
        let v: Value = serde_json::from_str(text).ok()?;
        let key = key_of_bytes(&B64.decode(v["key"].as_str()?).ok()?)?;
        Some(Replication {
            seq,
            due: v["due"].as_i64()?,
            target: v["target"].as_str()?.to_string(),
            key,
            item: version_of(&v["item"])?,
            stamp: stamp_of(&v)?,
        })
    }
}

impl Conflict {
    fn to_record(&self) -> String {
        let version = |(stamp, item): &(Stamp, Option<Item>)| json!({"t": stamp.0, "r": stamp.1, "item": item.as_ref().map(wire::item_to_json)});
        json!({
            "at": self.at,
            "table": self.table,
            "region": self.region,
            "key": wire::item_to_json(&self.key),
            "kept": version(&self.kept),
            "discarded": version(&self.discarded),
        })
        .to_string()
    }

    fn from_record(seq: u64, text: &str) -> Option<Conflict> {
        let v: Value = serde_json::from_str(text).ok()?;
        let version = |v: &Value| Some((stamp_of(v)?, version_of(&v["item"])?));
        Some(Conflict {
            seq,
            at: v["at"].as_i64()?,
            table: v["table"].as_str()?.to_string(),
            region: v["region"].as_str()?.to_string(),
            key: wire::item_from_json(&v["key"]).ok()?,
            kept: version(&v["kept"])?,
            discarded: version(&v["discarded"])?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::key::KeyValue;
    use crate::value::AttributeValue;

    fn key(pk: &str, sk: Option<&str>) -> PrimaryKey {
        let value = KeyValue::S(pk.into());
        PrimaryKey {
            partition: PartitionKey {
                hash: partition_hash(&value),
                value,
            },
            sort: sk.map(|s| KeyValue::S(s.into())),
        }
    }

    /// Why: a record that does not read back as what was written would silently change which
    /// version wins after a reload.
    #[test]
    fn records_read_back_as_written() {
        let mut item = Item::new();
        item.insert("pk".into(), AttributeValue::S("a\u{0}b".into()));
        let r = Replication {
            seq: 7,
            due: 1_000,
            target: "T@eu-west-1".into(),
            key: key("a\u{0}b", Some("s")),
            item: Some(item.clone()),
            stamp: (999, "us-east-1".into()),
        };
        let back = Replication::from_record(7, &r.to_record()).expect("reads back");
        assert_eq!(
            (
                back.seq,
                back.due,
                &back.target,
                &back.key,
                &back.item,
                &back.stamp
            ),
            (r.seq, r.due, &r.target, &r.key, &r.item, &r.stamp)
        );
        let c = Conflict {
            seq: 3,
            at: 5,
            table: "T".into(),
            region: "eu-west-1".into(),
            key: item.clone(),
            kept: ((4, "eu-west-1".into()), None),
            discarded: ((2, "us-east-1".into()), Some(item)),
        };
        let back = Conflict::from_record(3, &c.to_record()).expect("reads back");
        assert_eq!(
            (back.at, &back.key, &back.kept, &back.discarded),
            (c.at, &c.key, &c.kept, &c.discarded)
        );
        assert!(Replication::from_record(1, "{\"due\": 1}").is_none());
        assert!(key_of_bytes(&key_bytes(&key("x", None))) == Some(key("x", None)));
    }

    /// Why: the log keeps the newest MAX_CONFLICTS; the trim row must cut exactly where memory
    /// drops, or a reload would show a different list.
    #[test]
    fn the_conflict_trim_matches_what_memory_keeps() {
        let mut state = GlobalTables::default();
        let mut storage = Snapshot::default();
        for i in 0..(MAX_CONFLICTS as i64 + 5) {
            let mut k = Item::new();
            k.insert("pk".into(), AttributeValue::S(format!("k{i}")));
            let c = Conflict {
                seq: 0,
                at: i,
                table: "T".into(),
                region: "us-east-1".into(),
                key: k,
                kept: ((i, "a-b-1".into()), None),
                discarded: ((i, "a-b-2".into()), None),
            };
            let mut batch = ReplicationBatch::default();
            batch.record(&state, Some(c));
            for m in batch.mutations(&state) {
                storage.apply(&m);
            }
            batch.apply(&mut state);
        }
        let restored = GlobalTables::restore(&storage).expect("restores");
        assert_eq!(state.conflicts.len(), MAX_CONFLICTS);
        assert_eq!(storage.conflicts.len(), MAX_CONFLICTS);
        let seqs = |s: &GlobalTables| s.conflicts.iter().map(|c| c.seq).collect::<Vec<_>>();
        assert_eq!(seqs(&restored), seqs(&state));
        assert_eq!(restored.next_conflict_seq, state.next_conflict_seq);
    }
}
