//! On-demand backups and the point-in-time-recovery change log: what they hold, how they are
//! persisted through `Storage`, and how a table's items at an earlier instant are rebuilt.
//!
//! The change log keeps, for every item write to a table with PITR enabled, the write's time,
//! the item's key and the item as it was *before* the write. The table itself is the state "now",
//! so the state at an instant T is the current items with every logged write after T undone
//! (for each key, the before-image of its first write after T). That needs no copy of the table
//! when PITR is turned on, only ever appends while it is on, and is trimmed by dropping entries
//! older than the recovery period (no restore can need them).

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::storage::{Mutation, Snapshot, StorageError};
use crate::table::{PrimaryKey, Table};
use crate::value::{wire, Item};

/// How long after a write it becomes restorable: LatestRestorableDateTime is "typically
/// 5 minutes before the current time".
pub const LATEST_RESTORABLE_LAG_MILLIS: i64 = 5 * 60 * 1000;
pub const DAY_MILLIS: i64 = 86_400_000;
pub const DEFAULT_RECOVERY_DAYS: i64 = 35;

/// An on-demand backup: the source table's definition and items when it was taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Backup {
    pub arn: String,
    pub name: String,
    pub table_name: String,
    pub table_arn: String,
    pub table_id: String,
    pub created_millis: i64,
    /// CREATING until then, AVAILABLE after.
    pub available_millis: i64,
    pub size_bytes: u64,
    pub item_count: u64,
    /// USER (CreateBackup) or SYSTEM (taken when a table with PITR is deleted).
    pub kind: String,
    /// SYSTEM backups expire 35 days after creation.
    pub expires_millis: Option<i64>,
    /// The table's stored definition (`Table::definition_json`) at backup time.
    pub definition: String,
    /// The items as DynamoDB JSON text; the keys only keep them apart.
    pub items: BTreeMap<Vec<u8>, String>,
}

impl Backup {
    /// An expired SYSTEM backup is gone.
    pub fn live(&self, now: i64) -> bool {
        self.expires_millis.is_none_or(|e| now < e)
    }

    pub fn status(&self, now: i64) -> &'static str {
        if now < self.available_millis {
            "CREATING"
        } else {
            "AVAILABLE"
        }
    }

    /// The stored form: one JSON text per backup, written once (a backup never changes).
    pub fn to_record(&self) -> String {
        json!({
            "BackupArn": self.arn,
            "BackupName": self.name,
            "TableName": self.table_name,
            "TableArn": self.table_arn,
            "TableId": self.table_id,
            "CreatedMillis": self.created_millis,
            "AvailableMillis": self.available_millis,
            "SizeBytes": self.size_bytes,
            "ItemCount": self.item_count,
            "BackupType": self.kind,
            "ExpiresMillis": self.expires_millis,
            "Definition": self.definition,
            "Items": self.items.values().collect::<Vec<_>>(),
        })
        .to_string()
    }

    pub fn from_record(text: &str) -> Option<Backup> {
        let v: Value = serde_json::from_str(text).ok()?;
        let items = v["Items"]
            .as_array()?
            .iter()
            .enumerate()
            .map(|(i, t)| Some(((i as u64).to_be_bytes().to_vec(), t.as_str()?.to_string())))
            .collect::<Option<_>>()?;
        Some(Backup {
            arn: v["BackupArn"].as_str()?.to_string(),
            name: v["BackupName"].as_str()?.to_string(),
            table_name: v["TableName"].as_str()?.to_string(),
            table_arn: v["TableArn"].as_str()?.to_string(),
            table_id: v["TableId"].as_str()?.to_string(),
            created_millis: v["CreatedMillis"].as_i64()?,
            available_millis: v["AvailableMillis"].as_i64()?,
            size_bytes: v["SizeBytes"].as_u64()?,
            item_count: v["ItemCount"].as_u64()?,
            kind: v["BackupType"].as_str().unwrap_or("USER").to_string(),
            expires_millis: v["ExpiresMillis"].as_i64(),
            definition: v["Definition"].as_str()?.to_string(),
            items,
        })
    }
}

/// Where a restored table came from, for its TableDescription's RestoreSummary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestoreSummary {
    pub source_backup_arn: Option<String>,
    pub source_table_arn: String,
    /// The point in time restored to, or the backup's creation time.
    pub restore_millis: i64,
}

impl RestoreSummary {
    pub fn to_json(&self, in_progress: bool) -> Value {
        let mut out = serde_json::Map::new();
        if let Some(arn) = &self.source_backup_arn {
            out.insert("SourceBackupArn".into(), json!(arn));
        }
        out.insert("SourceTableArn".into(), json!(self.source_table_arn));
        out.insert(
            "RestoreDateTime".into(),
            json!(self.restore_millis as f64 / 1000.0),
        );
        out.insert("RestoreInProgress".into(), json!(in_progress));
        Value::Object(out)
    }
}

/// One logged write: when, which item, and the item before the write (None: it did not exist).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub seq: u64,
    pub millis: i64,
    pub key: PrimaryKey,
    /// The key attributes, kept for storage (a `PrimaryKey` is an engine type).
    pub key_item: Item,
    pub old: Option<Item>,
}

impl Change {
    fn to_record(&self) -> String {
        json!({
            "t": self.millis,
            "k": wire::item_to_json(&self.key_item),
            "o": self.old.as_ref().map(wire::item_to_json),
        })
        .to_string()
    }
}

/// A table's point-in-time recovery: on since when, for how many days, and its change log.
#[derive(Debug, Clone, PartialEq)]
pub struct Pitr {
    /// The table it belongs to; a table deleted and created again under the same name is
    /// another table, whose PITR starts disabled.
    pub table_id: String,
    pub enabled_millis: i64,
    /// The log holds every write since this instant: trimming moves it forward, so a longer
    /// recovery period set later cannot reach back past entries already dropped.
    pub complete_since_millis: i64,
    pub recovery_days: i64,
    pub next_seq: u64,
    pub log: VecDeque<Change>,
}

impl Pitr {
    pub fn earliest_millis(&self, now: i64) -> i64 {
        self.enabled_millis
            .max(self.complete_since_millis)
            .max(now.saturating_sub(self.recovery_days.saturating_mul(DAY_MILLIS)))
    }

    /// LatestRestorableDateTime: five minutes ago, but never before the earliest.
    pub fn latest_millis(&self, now: i64) -> i64 {
        now.saturating_sub(LATEST_RESTORABLE_LAG_MILLIS)
            .max(self.earliest_millis(now))
    }

    pub fn settings_record(&self) -> String {
        json!({
            "TableId": self.table_id,
            "EnabledMillis": self.enabled_millis,
            "CompleteSinceMillis": self.complete_since_millis,
            "RecoveryPeriodInDays": self.recovery_days,
        })
        .to_string()
    }

    /// The first sequence number still needed at `now`: older entries can never be undone by
    /// a restore in the window.
    fn keep_from(&self, now: i64) -> u64 {
        let cutoff = self.earliest_millis(now);
        self.log
            .iter()
            .find(|c| c.millis >= cutoff)
            .map_or(self.next_seq, |c| c.seq)
    }

    /// The items of `table` at `at` (inclusive of writes at that millisecond).
    pub fn items_at(&self, table: &Table, at: i64) -> Vec<Item> {
        let mut undo: BTreeMap<&PrimaryKey, Option<&Item>> = BTreeMap::new();
        for change in self.log.iter().filter(|c| c.millis > at) {
            undo.entry(&change.key).or_insert(change.old.as_ref());
        }
        let mut out = Vec::with_capacity(table.item_count as usize);
        for (partition, sorted) in &table.partitions {
            for (sort, item) in sorted {
                let key = PrimaryKey {
                    partition: partition.clone(),
                    sort: sort.clone(),
                };
                match undo.remove(&key) {
                    Some(Some(old)) => out.push(old.clone()),
                    Some(None) => {}
                    None => out.push(item.clone()),
                }
            }
        }
        // Keys deleted since then come back with their before-image.
        out.extend(undo.into_values().flatten().cloned());
        out
    }
}

/// Everything about backups the engine keeps: on-demand backups by ARN, PITR by table name.
#[derive(Debug, Clone, Default)]
pub struct BackupState {
    pub backups: BTreeMap<String, Backup>,
    pub pitr: BTreeMap<String, Pitr>,
}

impl BackupState {
    /// The table's PITR, when it is on for this very table.
    pub fn pitr_of(&self, table: &Table) -> Option<&Pitr> {
        self.pitr
            .get(&table.def.name)
            .filter(|p| p.table_id == table.def.table_id)
    }

    /// Mutations that turn PITR on or change its period (the log is trimmed on later writes).
    pub fn enable_mutations(table: &str, pitr: &Pitr) -> Vec<Mutation> {
        vec![Mutation::PutContinuousBackups {
            table: table.to_string(),
            settings: pitr.settings_record(),
        }]
    }

    /// Mutations that turn PITR off: the settings and the whole log go.
    pub fn disable_mutations(table: &str) -> Vec<Mutation> {
        vec![
            Mutation::DeleteContinuousBackups {
                table: table.to_string(),
            },
            Mutation::TrimChanges {
                table: table.to_string(),
                below_seq: u64::MAX,
            },
        ]
    }

    /// Rebuilds backups and PITR logs from a storage snapshot, once the tables are loaded.
    pub fn load(
        snapshot: &Snapshot,
        tables: &BTreeMap<String, Table>,
    ) -> Result<Self, StorageError> {
        let mut state = BackupState::default();
        for (arn, text) in &snapshot.backups {
            let backup = Backup::from_record(text)
                .ok_or_else(|| StorageError(format!("stored backup {arn} is unreadable")))?;
            state.backups.insert(arn.clone(), backup);
        }
        for (name, text) in &snapshot.continuous_backups {
            let Some(table) = tables.get(name) else {
                continue;
            };
            let v: Value = serde_json::from_str(text).unwrap_or_default();
            let (Some(table_id), Some(enabled), Some(days)) = (
                v["TableId"].as_str(),
                v["EnabledMillis"].as_i64(),
                v["RecoveryPeriodInDays"].as_i64(),
            ) else {
                return Err(StorageError(format!(
                    "stored point-in-time recovery settings of {name} are unreadable"
                )));
            };
            let mut pitr = Pitr {
                table_id: table_id.to_string(),
                enabled_millis: enabled,
                complete_since_millis: v["CompleteSinceMillis"].as_i64().unwrap_or(enabled),
                recovery_days: days,
                next_seq: 0,
                log: VecDeque::new(),
            };
            for (seq, text) in snapshot.changes.get(name).into_iter().flatten() {
                let unreadable =
                    || StorageError(format!("stored change {seq} of {name} is unreadable"));
                let v: Value = serde_json::from_str(text).map_err(|_| unreadable())?;
                let key_item = wire::item_from_json(&v["k"]).map_err(|_| unreadable())?;
                let key = table.key_of_request(&key_item).map_err(|_| unreadable())?;
                let old = match &v["o"] {
                    Value::Null => None,
                    o => Some(wire::item_from_json(o).map_err(|_| unreadable())?),
                };
                pitr.log.push_back(Change {
                    seq: *seq,
                    millis: v["t"].as_i64().ok_or_else(unreadable)?,
                    key,
                    key_item,
                    old,
                });
                pitr.next_seq = seq.saturating_add(1);
            }
            state.pitr.insert(name.clone(), pitr);
        }
        Ok(state)
    }
}

/// Removes SYSTEM backups past their expiry from storage, then memory (run by `Engine::settle`).
pub fn purge_expired(engine: &mut crate::Engine) {
    let now = engine.clock.now_millis();
    let expired: Vec<String> = engine
        .backups
        .backups
        .values()
        .filter(|b| !b.live(now))
        .map(|b| b.arn.clone())
        .collect();
    if expired.is_empty() {
        return;
    }
    let batch: Vec<Mutation> = expired
        .iter()
        .map(|arn| Mutation::DeleteBackup { arn: arn.clone() })
        .collect();
    // On failure they stay stored and are tried again; reads already treat them as gone.
    if engine.storage.commit(&batch).is_ok() {
        for arn in expired {
            engine.backups.backups.remove(&arn);
        }
    }
}

/// The log entries a batch of item writes adds, prepared before the batch is committed so they
/// go to storage in the same batch (all or nothing) and reach memory only after it succeeded.
#[derive(Debug, Default)]
pub struct ChangeBatch {
    /// Table name, change.
    changes: Vec<(String, Change)>,
    /// Table name, first sequence number to keep, and the settings with the log's new start.
    trims: BTreeMap<String, (u64, Pitr)>,
}

impl ChangeBatch {
    /// The before-images of `writes` on tables with PITR on (a key written twice in one batch
    /// has the first write's item as the second one's before-image).
    pub fn prepare(
        state: &BackupState,
        tables: &BTreeMap<String, Table>,
        writes: &[(String, PrimaryKey, Option<Item>)],
        now: i64,
    ) -> ChangeBatch {
        let mut batch = ChangeBatch::default();
        if state.pitr.is_empty() {
            return batch;
        }
        let mut pending: BTreeMap<(&str, &PrimaryKey), Option<&Item>> = BTreeMap::new();
        let mut next: BTreeMap<&str, u64> = BTreeMap::new();
        for (name, key, new) in writes {
            let Some(table) = tables.get(name) else {
                continue;
            };
            let Some(pitr) = state.pitr_of(table) else {
                continue;
            };
            let old = match pending.get(&(name.as_str(), key)) {
                Some(earlier) => (*earlier).cloned(),
                None => table.get(key).cloned(),
            };
            pending.insert((name.as_str(), key), new.as_ref());
            let seq = next.entry(name.as_str()).or_insert(pitr.next_seq);
            let key_item = match new.as_ref().or(old.as_ref()) {
                Some(item) => table.key_item(item),
                None => continue, // deleting an item that is not there changes nothing
            };
            batch.changes.push((
                name.clone(),
                Change {
                    seq: *seq,
                    millis: now,
                    key: key.clone(),
                    key_item,
                    old,
                },
            ));
            *seq = seq.saturating_add(1);
            if batch.trims.contains_key(name) {
                continue;
            }
            let keep = pitr.keep_from(now);
            if pitr.log.front().is_some_and(|c| c.seq < keep) {
                // The settings only: cloning the log would make every write cost its length.
                let settings = Pitr {
                    table_id: pitr.table_id.clone(),
                    enabled_millis: pitr.enabled_millis,
                    complete_since_millis: pitr.earliest_millis(now),
                    recovery_days: pitr.recovery_days,
                    next_seq: pitr.next_seq,
                    log: VecDeque::new(),
                };
                batch.trims.insert(name.clone(), (keep, settings));
            }
        }
        batch
    }

    pub fn mutations(&self) -> Vec<Mutation> {
        let mut out: Vec<Mutation> = self
            .changes
            .iter()
            .map(|(table, c)| Mutation::PutChange {
                table: table.clone(),
                seq: c.seq,
                change: c.to_record(),
            })
            .collect();
        for (table, (seq, settings)) in &self.trims {
            out.push(Mutation::TrimChanges {
                table: table.clone(),
                below_seq: *seq,
            });
            out.push(Mutation::PutContinuousBackups {
                table: table.clone(),
                settings: settings.settings_record(),
            });
        }
        out
    }

    /// Appends to the in-memory logs, after the batch is durable.
    pub fn apply(self, state: &mut BackupState) {
        for (table, (seq, settings)) in self.trims {
            if let Some(p) = state.pitr.get_mut(&table) {
                while p.log.front().is_some_and(|c| c.seq < seq) {
                    p.log.pop_front();
                }
                p.complete_since_millis = settings.complete_since_millis;
            }
        }
        for (table, change) in self.changes {
            if let Some(p) = state.pitr.get_mut(&table) {
                p.next_seq = change.seq.saturating_add(1);
                p.log.push_back(change);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{BillingMode, KeyAttribute, KeySchema, ScalarType, TableDefinition};
    use crate::value::AttributeValue;

    fn table() -> Table {
        let id = KeyAttribute {
            name: "id".into(),
            ty: ScalarType::S,
        };
        Table::new(TableDefinition {
            name: "T".into(),
            key_schema: KeySchema {
                hash: id.clone(),
                range: None,
            },
            attribute_definitions: vec![id],
            billing_mode: BillingMode::PayPerRequest,
            throughput: (0, 0),
            created_millis: 0,
            table_id: "t-1".into(),
            arn: "arn:aws:dynamodb:us-east-1:000000000000:table/T".into(),
            deletion_protection: false,
            settings: Default::default(),
        })
    }

    fn item(id: &str, v: &str) -> Item {
        let mut i = Item::new();
        i.insert("id".into(), AttributeValue::S(id.into()));
        i.insert("v".into(), AttributeValue::S(v.into()));
        i
    }

    /// Applies writes the way `commit_writes` does: prepare, then memory, then the log.
    fn write(state: &mut BackupState, t: &mut Table, now: i64, writes: Vec<(&str, Option<Item>)>) {
        let mut tables = BTreeMap::new();
        let writes: Vec<(String, PrimaryKey, Option<Item>)> = writes
            .into_iter()
            .map(|(id, new)| {
                let key = t
                    .key_of_request(&item(id, "").into_iter().take(1).collect())
                    .expect("key");
                ("T".to_string(), key, new)
            })
            .collect();
        tables.insert("T".to_string(), t.clone());
        let batch = ChangeBatch::prepare(state, &tables, &writes, now);
        for (_, key, new) in writes {
            match new {
                Some(i) => {
                    t.insert(key, i);
                }
                None => {
                    t.remove(&key);
                }
            }
        }
        batch.apply(state);
    }

    fn values(items: Vec<Item>) -> Vec<String> {
        let mut out: Vec<String> = items
            .iter()
            .map(|i| format!("{:?}={:?}", i.get("id"), i.get("v")))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn undoing_the_log_gives_each_earlier_state() {
        // Why: a restore is today's items with later writes undone; a key written twice in one
        // batch must undo to what it held before the batch, and a deleted key must come back.
        let mut t = table();
        t.insert(t.key_of_item(&item("a", "0")).expect("key"), item("a", "0"));
        let mut state = BackupState::default();
        state.pitr.insert(
            "T".into(),
            Pitr {
                table_id: "t-1".into(),
                enabled_millis: 0,
                complete_since_millis: 0,
                recovery_days: 35,
                next_seq: 0,
                log: VecDeque::new(),
            },
        );
        write(
            &mut state,
            &mut t,
            10,
            vec![("a", Some(item("a", "1"))), ("b", Some(item("b", "1")))],
        );
        write(
            &mut state,
            &mut t,
            20,
            vec![("a", Some(item("a", "2"))), ("a", None)],
        );
        write(&mut state, &mut t, 30, vec![("b", None), ("zzz", None)]);
        let pitr = &state.pitr["T"];
        assert_eq!(pitr.log.len(), 5, "deleting a missing item logs nothing");
        let at = |ms| values(pitr.items_at(&t, ms));
        assert_eq!(at(5), values(vec![item("a", "0")]));
        assert_eq!(at(10), values(vec![item("a", "1"), item("b", "1")]));
        assert_eq!(at(20), values(vec![item("b", "1")]));
        assert_eq!(at(30), Vec::<String>::new());
    }

    #[test]
    fn backup_records_round_trip() {
        // Why: backups are stored as text and must come back identical after a reopen.
        let mut items = BTreeMap::new();
        items.insert(
            0u64.to_be_bytes().to_vec(),
            r#"{"id":{"S":"a"}}"#.to_string(),
        );
        let backup = Backup {
            arn: "arn:aws:dynamodb:us-east-1:000000000000:table/T/backup/0000000000001-0a0b0c0d"
                .into(),
            name: "T$DeletedTableBackup".into(),
            table_name: "T".into(),
            table_arn: "arn:aws:dynamodb:us-east-1:000000000000:table/T".into(),
            table_id: "t-1".into(),
            created_millis: 1,
            available_millis: 2,
            size_bytes: 3,
            item_count: 1,
            kind: "SYSTEM".into(),
            expires_millis: Some(4),
            definition: table().definition_json().to_string(),
            items,
        };
        assert_eq!(Backup::from_record(&backup.to_record()), Some(backup));
        assert_eq!(Backup::from_record("{\"BackupArn\": 1}"), None);
    }
}
