//! One write transaction's mutations as one binary value: the record the `log` store keeps (see
//! `idb.rs`). A bulk load then costs IndexedDB one record per transaction instead of one per item,
//! which is what made the per-item layout slow: IndexedDB's cost is per record far more than per
//! byte (BENCHMARKS.md).
//!
//! Layout: the mutations one after another, each a tag byte followed by its fields in declaration
//! order; a text or key field is its length (u32, little-endian) then its bytes (UTF-8 for text),
//! and a sequence number (a change's, a replication's, a conflict's) is a u64, little-endian. Changing it means a new format version.

use dynaplay_engine::Mutation;

const PUT_TABLE: u8 = 1;
const DELETE_TABLE: u8 = 2;
const PUT_ITEM: u8 = 3;
const DELETE_ITEM: u8 = 4;
const PUT_STREAM: u8 = 5;
const DELETE_STREAM: u8 = 6;
const PUT_STREAM_RECORD: u8 = 7;
const TRIM_STREAM_RECORDS: u8 = 8;
const PUT_BACKUP: u8 = 9;
const DELETE_BACKUP: u8 = 10;
const PUT_CONTINUOUS_BACKUPS: u8 = 11;
const DELETE_CONTINUOUS_BACKUPS: u8 = 12;
const PUT_CHANGE: u8 = 13;
const TRIM_CHANGES: u8 = 14;
// The global tables simulation's state (format version 2's stores and `globalTables` row).
const PUT_REPLICATION: u8 = 15;
const DELETE_REPLICATION: u8 = 16;
const PUT_REPLICA_STAMP: u8 = 17;
const PUT_CONFLICT: u8 = 18;
const TRIM_CONFLICTS: u8 = 19;
const PUT_GLOBAL_TABLES: u8 = 20;

fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    // A field over 4 GB cannot occur: an item is at most 400 KB and a wasm memory 4 GB.
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// The record of `batch`.
pub fn encode(batch: &[Mutation]) -> Vec<u8> {
    let mut out = Vec::with_capacity(batch.iter().map(size_hint).sum());
    for m in batch {
        match m {
            Mutation::PutTable { table, definition } => {
                out.push(PUT_TABLE);
                field(&mut out, table.as_bytes());
                field(&mut out, definition.as_bytes());
            }
            Mutation::DeleteTable { table } => {
                out.push(DELETE_TABLE);
                field(&mut out, table.as_bytes());
            }
            Mutation::PutItem { table, key, item } => {
                out.push(PUT_ITEM);
                field(&mut out, table.as_bytes());
                field(&mut out, key);
                field(&mut out, item.as_bytes());
            }
            Mutation::DeleteItem { table, key } => {
                out.push(DELETE_ITEM);
                field(&mut out, table.as_bytes());
                field(&mut out, key);
            }
            Mutation::PutStream { stream, definition } => {
                out.push(PUT_STREAM);
                field(&mut out, stream.as_bytes());
                field(&mut out, definition.as_bytes());
            }
            Mutation::DeleteStream { stream } => {
                out.push(DELETE_STREAM);
                field(&mut out, stream.as_bytes());
            }
            Mutation::PutStreamRecord {
                stream,
                sequence,
                record,
            } => {
                out.push(PUT_STREAM_RECORD);
                field(&mut out, stream.as_bytes());
                field(&mut out, sequence.as_bytes());
                field(&mut out, record.as_bytes());
            }
            Mutation::TrimStreamRecords { stream, through } => {
                out.push(TRIM_STREAM_RECORDS);
                field(&mut out, stream.as_bytes());
                field(&mut out, through.as_bytes());
            }
            Mutation::PutBackup { arn, backup } => {
                out.push(PUT_BACKUP);
                field(&mut out, arn.as_bytes());
                field(&mut out, backup.as_bytes());
            }
            Mutation::DeleteBackup { arn } => {
                out.push(DELETE_BACKUP);
                field(&mut out, arn.as_bytes());
            }
            Mutation::PutContinuousBackups { table, settings } => {
                out.push(PUT_CONTINUOUS_BACKUPS);
                field(&mut out, table.as_bytes());
                field(&mut out, settings.as_bytes());
            }
            Mutation::DeleteContinuousBackups { table } => {
                out.push(DELETE_CONTINUOUS_BACKUPS);
                field(&mut out, table.as_bytes());
            }
            Mutation::PutChange { table, seq, change } => {
                out.push(PUT_CHANGE);
                field(&mut out, table.as_bytes());
                out.extend_from_slice(&seq.to_le_bytes());
                field(&mut out, change.as_bytes());
            }
            Mutation::TrimChanges { table, below_seq } => {
                out.push(TRIM_CHANGES);
                field(&mut out, table.as_bytes());
                out.extend_from_slice(&below_seq.to_le_bytes());
            }
            Mutation::PutReplication { seq, replication } => {
                out.push(PUT_REPLICATION);
                out.extend_from_slice(&seq.to_le_bytes());
                field(&mut out, replication.as_bytes());
            }
            Mutation::DeleteReplication { seq } => {
                out.push(DELETE_REPLICATION);
                out.extend_from_slice(&seq.to_le_bytes());
            }
            Mutation::PutReplicaStamp { table, key, stamp } => {
                out.push(PUT_REPLICA_STAMP);
                field(&mut out, table.as_bytes());
                field(&mut out, key);
                field(&mut out, stamp.as_bytes());
            }
            Mutation::PutConflict { seq, conflict } => {
                out.push(PUT_CONFLICT);
                out.extend_from_slice(&seq.to_le_bytes());
                field(&mut out, conflict.as_bytes());
            }
            Mutation::TrimConflicts { below_seq } => {
                out.push(TRIM_CONFLICTS);
                out.extend_from_slice(&below_seq.to_le_bytes());
            }
            Mutation::PutGlobalTables { settings } => {
                out.push(PUT_GLOBAL_TABLES);
                field(&mut out, settings.as_bytes());
            }
        }
    }
    out
}

/// An `items` row's value since format version 4: the record of one `PutItem` of it (the table
/// and key ride in the value, not only in the row's key), so a load reads the store's values with
/// one `getAll` and decodes them all at once, as it does the log, instead of crossing into
/// JavaScript for every row's key and text.
pub fn encode_item_row(table: &str, key: &[u8], item: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(table.len() + key.len() + item.len() + 13);
    out.push(PUT_ITEM);
    field(&mut out, table.as_bytes());
    field(&mut out, key);
    field(&mut out, item.as_bytes());
    out
}

/// About how many bytes a mutation encodes to, so the record is allocated once.
fn size_hint(m: &Mutation) -> usize {
    let text = match m {
        Mutation::PutItem { table, key, item } => table.len() + key.len() + item.len(),
        Mutation::PutStreamRecord { stream, record, .. } => stream.len() + record.len() + 21,
        Mutation::PutChange { table, change, .. } => table.len() + change.len() + 8,
        _ => 64,
    };
    text + 16
}

/// Reads the fields of a record in order; any truncation is an error, never a panic.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        if self.bytes.len() < n {
            return Err("a log record is cut short: the sandbox is damaged".into());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn bytes(&mut self) -> Result<Vec<u8>, String> {
        let mut len = [0u8; 4];
        len.copy_from_slice(self.take(4)?);
        Ok(self.take(u32::from_le_bytes(len) as usize)?.to_vec())
    }

    fn text(&mut self) -> Result<String, String> {
        String::from_utf8(self.bytes()?)
            .map_err(|_| "a log record holds text that is not UTF-8: the sandbox is damaged".into())
    }

    fn number(&mut self) -> Result<u64, String> {
        let mut n = [0u8; 8];
        n.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(n))
    }
}

/// The mutations of a record, in the order they were written.
pub fn decode(bytes: &[u8]) -> Result<Vec<Mutation>, String> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(m) = decode_next(bytes, &mut at)? {
        out.push(m);
    }
    Ok(out)
}

/// The mutation that starts at byte `at` of a record, moving `at` past it; None at the end. A
/// compaction slice decodes only the mutations it applies this way, not the whole record.
pub fn decode_next(bytes: &[u8], at: &mut usize) -> Result<Option<Mutation>, String> {
    let Some(rest) = bytes.get(*at..) else {
        return Err("a log record is cut short: the sandbox is damaged".into());
    };
    let mut r = Reader { bytes: rest };
    let Some((&tag, rest)) = r.bytes.split_first() else {
        return Ok(None);
    };
    r.bytes = rest;
    let m = {
        match tag {
            PUT_TABLE => Mutation::PutTable {
                table: r.text()?,
                definition: r.text()?,
            },
            DELETE_TABLE => Mutation::DeleteTable { table: r.text()? },
            PUT_ITEM => Mutation::PutItem {
                table: r.text()?,
                key: r.bytes()?,
                item: r.text()?,
            },
            DELETE_ITEM => Mutation::DeleteItem {
                table: r.text()?,
                key: r.bytes()?,
            },
            PUT_STREAM => Mutation::PutStream {
                stream: r.text()?,
                definition: r.text()?,
            },
            DELETE_STREAM => Mutation::DeleteStream { stream: r.text()? },
            PUT_STREAM_RECORD => Mutation::PutStreamRecord {
                stream: r.text()?,
                sequence: r.text()?,
                record: r.text()?,
            },
            TRIM_STREAM_RECORDS => Mutation::TrimStreamRecords {
                stream: r.text()?,
                through: r.text()?,
            },
            PUT_BACKUP => Mutation::PutBackup {
                arn: r.text()?,
                backup: r.text()?,
            },
            DELETE_BACKUP => Mutation::DeleteBackup { arn: r.text()? },
            PUT_CONTINUOUS_BACKUPS => Mutation::PutContinuousBackups {
                table: r.text()?,
                settings: r.text()?,
            },
            DELETE_CONTINUOUS_BACKUPS => Mutation::DeleteContinuousBackups { table: r.text()? },
            PUT_CHANGE => Mutation::PutChange {
                table: r.text()?,
                seq: r.number()?,
                change: r.text()?,
            },
            TRIM_CHANGES => Mutation::TrimChanges {
                table: r.text()?,
                below_seq: r.number()?,
            },
            PUT_REPLICATION => Mutation::PutReplication {
                seq: r.number()?,
                replication: r.text()?,
            },
            DELETE_REPLICATION => Mutation::DeleteReplication { seq: r.number()? },
            PUT_REPLICA_STAMP => Mutation::PutReplicaStamp {
                table: r.text()?,
                key: r.bytes()?,
                stamp: r.text()?,
            },
            PUT_CONFLICT => Mutation::PutConflict {
                seq: r.number()?,
                conflict: r.text()?,
            },
            TRIM_CONFLICTS => Mutation::TrimConflicts {
                below_seq: r.number()?,
            },
            PUT_GLOBAL_TABLES => Mutation::PutGlobalTables {
                settings: r.text()?,
            },
            other => {
                return Err(format!(
                    "a log record has an unknown entry ({other}): the sandbox is damaged"
                ))
            }
        }
    };
    *at = bytes.len() - r.bytes.len();
    Ok(Some(m))
}
