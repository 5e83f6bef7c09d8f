//! Durability, injected. The engine keeps its working set in memory and hands every change to a
//! `Storage` as one batch before it becomes visible; if the batch fails, nothing changes.
//! The browser implements this on IndexedDB, the server on memory or, with `--data-dir`, on files
//! (`crates/server/src/file_storage.rs`).

use std::collections::BTreeMap;

/// One change to persisted state. Tables are stored as their definition (JSON text), items as
/// DynamoDB JSON text under their encoded primary key, so a storage never needs engine types.
#[derive(Debug, Clone, PartialEq)]
pub enum Mutation {
    PutTable {
        table: String,
        definition: String,
    },
    /// Removes a table with its items and its point-in-time-recovery settings and log.
    DeleteTable {
        table: String,
    },
    PutItem {
        table: String,
        key: Vec<u8>,
        item: String,
    },
    DeleteItem {
        table: String,
        key: Vec<u8>,
    },
    /// A stream's metadata (JSON text: table, label, view type, shards), by stream ARN. Small
    /// and rewritten only when a shard opens or closes or the stream is disabled.
    PutStream {
        stream: String,
        definition: String,
    },
    /// A stream and all its records go (24 hours after it was disabled).
    DeleteStream {
        stream: String,
    },
    /// One stream record, under its 21-digit sequence number (which sorts as text), committed in
    /// the same batch as the item write it describes.
    PutStreamRecord {
        stream: String,
        sequence: String,
        record: String,
    },
    /// Records whose sequence number is at most `through` go (24-hour retention): one range
    /// delete, as an IndexedDB store can do with a key range.
    TrimStreamRecords {
        stream: String,
        through: String,
    },
    /// An on-demand backup, written once: its description, the table definition and its items.
    PutBackup {
        arn: String,
        backup: String,
    },
    DeleteBackup {
        arn: String,
    },
    /// A table's point-in-time recovery settings (on since when, for how many days).
    PutContinuousBackups {
        table: String,
        settings: String,
    },
    DeleteContinuousBackups {
        table: String,
    },
    /// One change-log entry of a table with point-in-time recovery: appended, never rewritten.
    PutChange {
        table: String,
        seq: u64,
        change: String,
    },
    /// Drops a table's change-log entries numbered below `below_seq` (a key-range delete).
    TrimChanges {
        table: String,
        below_seq: u64,
    },
    /// Global tables simulation: one replicated write on its way to a replica, under its queue
    /// number, committed in the same batch as the write it copies.
    PutReplication {
        seq: u64,
        replication: String,
    },
    /// The replicated write left the queue (delivered, dropped by last writer wins, or its
    /// replica went), in the same batch as its delivery.
    DeleteReplication {
        seq: u64,
    },
    /// The stamp (time and region) of the version a replica holds for one key: what last writer
    /// wins compares. One row per key, beside the item; `DeleteTable` drops a table's stamps.
    PutReplicaStamp {
        table: String,
        key: Vec<u8>,
        stamp: String,
    },
    /// One recorded replication conflict, appended under an increasing number.
    PutConflict {
        seq: u64,
        conflict: String,
    },
    /// Drops the conflicts numbered below `below_seq` (only the newest are kept).
    TrimConflicts {
        below_seq: u64,
    },
    /// The simulation's small settings document (replication delay, writes delivered so far).
    PutGlobalTables {
        settings: String,
    },
}

/// Everything a storage holds, as loaded when an engine opens it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Table name to definition JSON.
    pub tables: BTreeMap<String, String>,
    /// Table name to (encoded key to item JSON).
    pub items: BTreeMap<String, BTreeMap<Vec<u8>, String>>,
    /// Stream ARN to stream metadata JSON.
    pub streams: BTreeMap<String, String>,
    /// Stream ARN to (sequence number to record JSON).
    pub stream_records: BTreeMap<String, BTreeMap<String, String>>,
    /// Backup ARN to backup record.
    pub backups: BTreeMap<String, String>,
    /// Table name to point-in-time recovery settings.
    pub continuous_backups: BTreeMap<String, String>,
    /// Table name to (sequence number to change-log entry).
    pub changes: BTreeMap<String, BTreeMap<u64, String>>,
    /// Global tables simulation: queue number to a replicated write not yet delivered.
    pub replications: BTreeMap<u64, String>,
    /// Table name to (encoded key to the stamp of the version that table holds).
    pub replica_stamps: BTreeMap<String, BTreeMap<Vec<u8>, String>>,
    /// Conflict number to a recorded conflict.
    pub conflicts: BTreeMap<u64, String>,
    /// The simulation's settings, once changed from the defaults or a write was delivered.
    pub global_tables: Option<String>,
}

impl Snapshot {
    /// Applies one mutation, exactly as a storage must: what `MemoryStorage` commits and what a
    /// file storage replays from its log.
    pub fn apply(&mut self, m: &Mutation) {
        match m {
            Mutation::PutTable { table, definition } => {
                self.tables.insert(table.clone(), definition.clone());
            }
            Mutation::DeleteTable { table } => {
                self.tables.remove(table);
                self.items.remove(table);
                self.continuous_backups.remove(table);
                self.changes.remove(table);
                self.replica_stamps.remove(table);
            }
            Mutation::PutItem { table, key, item } => {
                self.items
                    .entry(table.clone())
                    .or_default()
                    .insert(key.clone(), item.clone());
            }
            Mutation::DeleteItem { table, key } => {
                if let Some(items) = self.items.get_mut(table) {
                    items.remove(key);
                }
            }
            Mutation::PutStream { stream, definition } => {
                self.streams.insert(stream.clone(), definition.clone());
            }
            Mutation::DeleteStream { stream } => {
                self.streams.remove(stream);
                self.stream_records.remove(stream);
            }
            Mutation::PutStreamRecord {
                stream,
                sequence,
                record,
            } => {
                self.stream_records
                    .entry(stream.clone())
                    .or_default()
                    .insert(sequence.clone(), record.clone());
            }
            Mutation::TrimStreamRecords { stream, through } => {
                if let Some(records) = self.stream_records.get_mut(stream) {
                    records.retain(|seq, _| seq > through);
                }
            }
            Mutation::PutBackup { arn, backup } => {
                self.backups.insert(arn.clone(), backup.clone());
            }
            Mutation::DeleteBackup { arn } => {
                self.backups.remove(arn);
            }
            Mutation::PutContinuousBackups { table, settings } => {
                self.continuous_backups
                    .insert(table.clone(), settings.clone());
            }
            Mutation::DeleteContinuousBackups { table } => {
                self.continuous_backups.remove(table);
            }
            Mutation::PutChange { table, seq, change } => {
                self.changes
                    .entry(table.clone())
                    .or_default()
                    .insert(*seq, change.clone());
            }
            Mutation::TrimChanges { table, below_seq } => {
                if let Some(log) = self.changes.get_mut(table) {
                    *log = log.split_off(below_seq);
                }
            }
            Mutation::PutReplication { seq, replication } => {
                self.replications.insert(*seq, replication.clone());
            }
            Mutation::DeleteReplication { seq } => {
                self.replications.remove(seq);
            }
            Mutation::PutReplicaStamp { table, key, stamp } => {
                self.replica_stamps
                    .entry(table.clone())
                    .or_default()
                    .insert(key.clone(), stamp.clone());
            }
            Mutation::PutConflict { seq, conflict } => {
                self.conflicts.insert(*seq, conflict.clone());
            }
            Mutation::TrimConflicts { below_seq } => {
                self.conflicts = self.conflicts.split_off(below_seq);
            }
            Mutation::PutGlobalTables { settings } => {
                self.global_tables = Some(settings.clone());
            }
        }
    }

    /// Every row as the `Put*` mutation that recreates it, in the layout's order: what a file
    /// snapshot holds and what an import into an empty storage commits.
    pub fn rows(&self) -> impl Iterator<Item = Mutation> + '_ {
        let tables = self.tables.iter().map(|(t, d)| Mutation::PutTable {
            table: t.clone(),
            definition: d.clone(),
        });
        let items = self.items.iter().flat_map(|(t, rows)| {
            rows.iter().map(move |(k, v)| Mutation::PutItem {
                table: t.clone(),
                key: k.clone(),
                item: v.clone(),
            })
        });
        let streams = self.streams.iter().map(|(a, d)| Mutation::PutStream {
            stream: a.clone(),
            definition: d.clone(),
        });
        let records = self.stream_records.iter().flat_map(|(a, rows)| {
            rows.iter().map(move |(q, r)| Mutation::PutStreamRecord {
                stream: a.clone(),
                sequence: q.clone(),
                record: r.clone(),
            })
        });
        let backups = self.backups.iter().map(|(a, b)| Mutation::PutBackup {
            arn: a.clone(),
            backup: b.clone(),
        });
        let pitr = self
            .continuous_backups
            .iter()
            .map(|(t, v)| Mutation::PutContinuousBackups {
                table: t.clone(),
                settings: v.clone(),
            });
        let changes = self.changes.iter().flat_map(|(t, rows)| {
            rows.iter().map(move |(q, c)| Mutation::PutChange {
                table: t.clone(),
                seq: *q,
                change: c.clone(),
            })
        });
        let replications = self
            .replications
            .iter()
            .map(|(q, r)| Mutation::PutReplication {
                seq: *q,
                replication: r.clone(),
            });
        let stamps = self.replica_stamps.iter().flat_map(|(t, rows)| {
            rows.iter().map(move |(k, s)| Mutation::PutReplicaStamp {
                table: t.clone(),
                key: k.clone(),
                stamp: s.clone(),
            })
        });
        let conflicts = self.conflicts.iter().map(|(q, c)| Mutation::PutConflict {
            seq: *q,
            conflict: c.clone(),
        });
        let global = self
            .global_tables
            .iter()
            .map(|s| Mutation::PutGlobalTables {
                settings: s.clone(),
            });
        tables
            .chain(items)
            .chain(streams)
            .chain(records)
            .chain(backups)
            .chain(pitr)
            .chain(changes)
            .chain(replications)
            .chain(stamps)
            .chain(conflicts)
            .chain(global)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageError(pub String);

impl std::fmt::Display for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub trait Storage {
    /// Everything stored so far.
    fn load(&self) -> Result<Snapshot, StorageError>;
    /// Applies one batch all or nothing.
    fn commit(&mut self, batch: &[Mutation]) -> Result<(), StorageError>;
    /// False for a storage that keeps nothing, so the engine can skip encoding mutations.
    fn persistent(&self) -> bool {
        true
    }
}

/// Storage in memory: what the server and memory-only sandboxes use, and what tests use to
/// simulate failures (`fail_next_commit`).
#[derive(Debug, Default)]
pub struct MemoryStorage {
    snapshot: Snapshot,
    fail_next: bool,
}

impl MemoryStorage {
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the next commit fail without applying anything, as a full disk would.
    pub fn fail_next_commit(&mut self) {
        self.fail_next = true;
    }
}

impl Storage for MemoryStorage {
    fn load(&self) -> Result<Snapshot, StorageError> {
        Ok(self.snapshot.clone())
    }

    fn commit(&mut self, batch: &[Mutation]) -> Result<(), StorageError> {
        if std::mem::take(&mut self.fail_next) {
            return Err(StorageError("storage failure injected by a test".into()));
        }
        for m in batch {
            self.snapshot.apply(m);
        }
        Ok(())
    }
}

/// A storage that keeps nothing: for benchmarks of the engine alone.
#[derive(Debug, Default)]
pub struct NullStorage;

impl Storage for NullStorage {
    fn load(&self) -> Result<Snapshot, StorageError> {
        Ok(Snapshot::default())
    }
    fn commit(&mut self, _batch: &[Mutation]) -> Result<(), StorageError> {
        Ok(())
    }
    fn persistent(&self) -> bool {
        false
    }
}

/// A storage shared with its creator (tests use it to inject failures and to reopen an engine
/// over the same data).
impl<S: Storage> Storage for std::sync::Arc<std::sync::Mutex<S>> {
    fn load(&self) -> Result<Snapshot, StorageError> {
        self.lock()
            .map_err(|_| StorageError("storage lock poisoned".into()))?
            .load()
    }

    fn commit(&mut self, batch: &[Mutation]) -> Result<(), StorageError> {
        self.lock()
            .map_err(|_| StorageError("storage lock poisoned".into()))?
            .commit(batch)
    }

    fn persistent(&self) -> bool {
        self.lock().map(|s| s.persistent()).unwrap_or(true)
    }
}
