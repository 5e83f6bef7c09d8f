//! The bytes of a data directory (format version 2): file headers, CRC-framed records and the
//! binary form of a `Mutation`. Pure functions over byte slices, so every rule here is unit-tested
//! without touching a disk; `file_storage.rs` does the I/O.
//!
//! Both kinds of file start with a 20-byte header: an 8-byte magic (`DYNPSNAP` for a snapshot,
//! `DYNPWAL\0` for a log), the format version (u32 LE, 2) and a generation (u64 LE). Then records:
//!
//! ```text
//! record   := length u32 LE | crc32 u32 LE | payload (length bytes)   crc32 is of the payload
//! payload  := count u32 LE | mutation * count
//! mutation := tag u8 | fields, where text and bytes are (length u32 LE | bytes), numbers u64 LE
//! ```
//!
//! A mutation is the engine's `Mutation` field for field (tags below). A log record is one
//! committed batch. A snapshot holds one row per record of the browser's layout (`idb.rs`): its
//! records carry only the `Put*` mutations — one `PutTable` per table, `PutItem` per item,
//! `PutStream`, `PutStreamRecord`, `PutBackup`, `PutContinuousBackups`, `PutChange`, and the
//! global tables simulation's `PutReplication`, `PutReplicaStamp`, `PutConflict`,
//! `PutGlobalTables` — and it ends with a record of one `End` mutation, so a snapshot cut short
//! is never taken for a whole one.
//!
//! Versions: 1 has tags 1-14. 2 adds tags 15-20 (the global tables simulation's records); a
//! version 1 file is read as it is (it can hold none of them), and the compaction at open
//! rewrites it as version 2, which a version 1 server then refuses as newer instead of
//! stopping at an unknown tag.

use dynaplay_engine::Mutation;

pub const FORMAT_VERSION: u32 = 2;
pub const SNAPSHOT_MAGIC: &[u8; 8] = b"DYNPSNAP";
pub const LOG_MAGIC: &[u8; 8] = b"DYNPWAL\0";
pub const HEADER_LEN: usize = 20;
/// Record header: length and CRC.
pub const FRAME_LEN: usize = 8;
/// No batch comes near this (requests are capped at 16 MiB); a larger length is damage.
pub const MAX_RECORD: usize = 1 << 30;

/// The tag that closes a snapshot. Not a `Mutation`: it exists only in files.
const TAG_END: u8 = 0xFF;

/// What a file header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub version: u32,
    /// For a log, its number; for a snapshot, the first log generation it does NOT include.
    pub generation: u64,
}

pub fn header(magic: &[u8; 8], generation: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN);
    out.extend_from_slice(magic);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&generation.to_le_bytes());
    out
}

/// Reads a header, refusing another magic and a newer version with words a person can act on.
pub fn parse_header(bytes: &[u8], magic: &[u8; 8], what: &str) -> Result<Header, String> {
    if bytes.len() < HEADER_LEN || &bytes[..8] != magic {
        return Err(format!("{what} is not a Dynaplay file (bad header)"));
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version == 0 || version > FORMAT_VERSION {
        return Err(format!(
            "{what} was written by a newer Dynaplay (format {version}; this one reads up to {FORMAT_VERSION})"
        ));
    }
    let mut generation = [0u8; 8];
    generation.copy_from_slice(&bytes[12..20]);
    Ok(Header {
        version,
        generation: u64::from_le_bytes(generation),
    })
}

/// Frames a payload as one record.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(FRAME_LEN + payload.len());
    // Payloads are bounded by the request cap, far below u32::MAX.
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The outcome of reading one record at the start of `bytes`.
#[derive(Debug, PartialEq)]
pub enum Read<'a> {
    /// A whole record whose CRC matches: its payload and the bytes it took.
    Record(&'a [u8], usize),
    /// Nothing left.
    End,
    /// A record cut short, or one whose length or CRC is wrong: where a crash stopped a write.
    Torn,
}

pub fn read_record(bytes: &[u8]) -> Read<'_> {
    if bytes.is_empty() {
        return Read::End;
    }
    if bytes.len() < FRAME_LEN {
        return Read::Torn;
    }
    let len = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let crc = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    // A zero length never occurs (a payload has at least its count), and a zero-filled tail,
    // which a power loss can leave after an extended file, would otherwise pass the CRC of "".
    if len == 0 || len > MAX_RECORD || bytes.len() - FRAME_LEN < len {
        return Read::Torn;
    }
    let payload = &bytes[FRAME_LEN..FRAME_LEN + len];
    if crc32fast::hash(payload) != crc {
        return Read::Torn;
    }
    Read::Record(payload, FRAME_LEN + len)
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    put_bytes(out, text.as_bytes());
}

/// Appends one mutation's binary form.
pub fn encode_mutation(out: &mut Vec<u8>, m: &Mutation) {
    match m {
        Mutation::PutTable { table, definition } => {
            out.push(1);
            put_text(out, table);
            put_text(out, definition);
        }
        Mutation::DeleteTable { table } => {
            out.push(2);
            put_text(out, table);
        }
        Mutation::PutItem { table, key, item } => {
            out.push(3);
            put_text(out, table);
            put_bytes(out, key);
            put_text(out, item);
        }
        Mutation::DeleteItem { table, key } => {
            out.push(4);
            put_text(out, table);
            put_bytes(out, key);
        }
        Mutation::PutStream { stream, definition } => {
            out.push(5);
            put_text(out, stream);
            put_text(out, definition);
        }
        Mutation::DeleteStream { stream } => {
            out.push(6);
            put_text(out, stream);
        }
        Mutation::PutStreamRecord {
            stream,
            sequence,
            record,
        } => {
            out.push(7);
            put_text(out, stream);
            put_text(out, sequence);
            put_text(out, record);
        }
        Mutation::TrimStreamRecords { stream, through } => {
            out.push(8);
            put_text(out, stream);
            put_text(out, through);
        }
        Mutation::PutBackup { arn, backup } => {
            out.push(9);
            put_text(out, arn);
            put_text(out, backup);
        }
        Mutation::DeleteBackup { arn } => {
            out.push(10);
            put_text(out, arn);
        }
        Mutation::PutContinuousBackups { table, settings } => {
            out.push(11);
            put_text(out, table);
            put_text(out, settings);
        }
        Mutation::DeleteContinuousBackups { table } => {
            out.push(12);
            put_text(out, table);
        }
        Mutation::PutChange { table, seq, change } => {
            out.push(13);
            put_text(out, table);
            out.extend_from_slice(&seq.to_le_bytes());
            put_text(out, change);
        }
        Mutation::TrimChanges { table, below_seq } => {
            out.push(14);
            put_text(out, table);
            out.extend_from_slice(&below_seq.to_le_bytes());
        }
        Mutation::PutReplication { seq, replication } => {
            out.push(15);
            out.extend_from_slice(&seq.to_le_bytes());
            put_text(out, replication);
        }
        Mutation::DeleteReplication { seq } => {
            out.push(16);
            out.extend_from_slice(&seq.to_le_bytes());
        }
        Mutation::PutReplicaStamp { table, key, stamp } => {
            out.push(17);
            put_text(out, table);
            put_bytes(out, key);
            put_text(out, stamp);
        }
        Mutation::PutConflict { seq, conflict } => {
            out.push(18);
            out.extend_from_slice(&seq.to_le_bytes());
            put_text(out, conflict);
        }
        Mutation::TrimConflicts { below_seq } => {
            out.push(19);
            out.extend_from_slice(&below_seq.to_le_bytes());
        }
        Mutation::PutGlobalTables { settings } => {
            out.push(20);
            put_text(out, settings);
        }
    }
}

/// One batch as a record payload.
pub fn encode_batch(batch: &[Mutation]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(batch.len() as u32).to_le_bytes());
    for m in batch {
        encode_mutation(&mut out, m);
    }
    out
}

/// The payload of a snapshot's closing record.
pub fn end_payload() -> Vec<u8> {
    let mut out = 1u32.to_le_bytes().to_vec();
    out.push(TAG_END);
    out
}

/// What a payload holds: mutations, and whether it closes a snapshot.
#[derive(Debug, PartialEq)]
pub struct Decoded {
    pub mutations: Vec<Mutation>,
    pub end: bool,
}

/// A cursor that refuses to read past its slice rather than panicking.
struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() < n {
            return Err("a record ends in the middle of a field".into());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, String> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }
    fn bytes(&mut self) -> Result<Vec<u8>, String> {
        let len = self.u32()? as usize;
        Ok(self.take(len)?.to_vec())
    }
    fn text(&mut self) -> Result<String, String> {
        let len = self.u32()? as usize;
        std::str::from_utf8(self.take(len)?)
            .map(str::to_string)
            .map_err(|_| "a record holds text that is not UTF-8".to_string())
    }
}

/// Decodes a payload. A payload whose CRC matched but which does not decode is damage, not a
/// torn write; the caller decides what that means for its file.
pub fn decode_payload(payload: &[u8]) -> Result<Decoded, String> {
    let mut c = Cursor { bytes: payload };
    let count = c.u32()?;
    let mut mutations = Vec::new();
    let mut end = false;
    for _ in 0..count {
        let m = match c.u8()? {
            1 => Mutation::PutTable {
                table: c.text()?,
                definition: c.text()?,
            },
            2 => Mutation::DeleteTable { table: c.text()? },
            3 => Mutation::PutItem {
                table: c.text()?,
                key: c.bytes()?,
                item: c.text()?,
            },
            4 => Mutation::DeleteItem {
                table: c.text()?,
                key: c.bytes()?,
            },
            5 => Mutation::PutStream {
                stream: c.text()?,
                definition: c.text()?,
            },
            6 => Mutation::DeleteStream { stream: c.text()? },
            7 => Mutation::PutStreamRecord {
                stream: c.text()?,
                sequence: c.text()?,
                record: c.text()?,
            },
            8 => Mutation::TrimStreamRecords {
                stream: c.text()?,
                through: c.text()?,
            },
            9 => Mutation::PutBackup {
                arn: c.text()?,
                backup: c.text()?,
            },
            10 => Mutation::DeleteBackup { arn: c.text()? },
            11 => Mutation::PutContinuousBackups {
                table: c.text()?,
                settings: c.text()?,
            },
            12 => Mutation::DeleteContinuousBackups { table: c.text()? },
            13 => Mutation::PutChange {
                table: c.text()?,
                seq: c.u64()?,
                change: c.text()?,
            },
            14 => Mutation::TrimChanges {
                table: c.text()?,
                below_seq: c.u64()?,
            },
            15 => Mutation::PutReplication {
                seq: c.u64()?,
                replication: c.text()?,
            },
            16 => Mutation::DeleteReplication { seq: c.u64()? },
            17 => Mutation::PutReplicaStamp {
                table: c.text()?,
                key: c.bytes()?,
                stamp: c.text()?,
            },
            18 => Mutation::PutConflict {
                seq: c.u64()?,
                conflict: c.text()?,
            },
            19 => Mutation::TrimConflicts {
                below_seq: c.u64()?,
            },
            20 => Mutation::PutGlobalTables {
                settings: c.text()?,
            },
            TAG_END => {
                end = true;
                continue;
            }
            tag => return Err(format!("a record holds an unknown mutation tag {tag}")),
        };
        mutations.push(m);
    }
    if !c.bytes.is_empty() {
        return Err("a record has bytes after its last mutation".into());
    }
    Ok(Decoded { mutations, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_mutation() -> Vec<Mutation> {
        vec![
            Mutation::PutTable {
                table: "T".into(),
                definition: "{\"TableName\":\"T\"}".into(),
            },
            Mutation::DeleteTable { table: "T".into() },
            Mutation::PutItem {
                table: "T".into(),
                key: vec![0, 255, 7],
                item: "{\"pk\":{\"S\":\"é\"}}".into(),
            },
            Mutation::DeleteItem {
                table: "T".into(),
                key: vec![],
            },
            Mutation::PutStream {
                stream: "arn:s".into(),
                definition: "{}".into(),
            },
            Mutation::DeleteStream {
                stream: "arn:s".into(),
            },
            Mutation::PutStreamRecord {
                stream: "arn:s".into(),
                sequence: "000000000000000000001".into(),
                record: "{}".into(),
            },
            Mutation::TrimStreamRecords {
                stream: "arn:s".into(),
                through: "000000000000000000001".into(),
            },
            Mutation::PutBackup {
                arn: "arn:b".into(),
                backup: "{}".into(),
            },
            Mutation::DeleteBackup {
                arn: "arn:b".into(),
            },
            Mutation::PutContinuousBackups {
                table: "T".into(),
                settings: "{}".into(),
            },
            Mutation::DeleteContinuousBackups { table: "T".into() },
            Mutation::PutChange {
                table: "T".into(),
                seq: u64::MAX,
                change: "{}".into(),
            },
            Mutation::TrimChanges {
                table: "T".into(),
                below_seq: 3,
            },
            Mutation::PutReplication {
                seq: 4,
                replication: "{}".into(),
            },
            Mutation::DeleteReplication { seq: u64::MAX },
            Mutation::PutReplicaStamp {
                table: "T@eu-west-1".into(),
                key: vec![1, 0, 255],
                stamp: "{\"t\":1}".into(),
            },
            Mutation::PutConflict {
                seq: 9,
                conflict: "{}".into(),
            },
            Mutation::TrimConflicts { below_seq: 2 },
            Mutation::PutGlobalTables {
                settings: "{}".into(),
            },
        ]
    }

    #[test]
    fn every_mutation_round_trips() {
        let batch = every_mutation();
        let decoded = decode_payload(&encode_batch(&batch)).expect("decodes");
        assert_eq!(decoded.mutations, batch);
        assert!(!decoded.end);
        let end = decode_payload(&end_payload()).expect("decodes");
        assert!(end.end && end.mutations.is_empty());
    }

    #[test]
    fn every_cut_of_a_record_is_torn_and_never_panics() {
        // Why: recovery reads whatever a crash left; each prefix of a record must read as torn.
        let record = frame(&encode_batch(&every_mutation()));
        for cut in 1..record.len() {
            assert_eq!(read_record(&record[..cut]), Read::Torn, "cut at {cut}");
        }
        assert_eq!(
            read_record(&record),
            Read::Record(&record[FRAME_LEN..], record.len())
        );
        assert_eq!(read_record(&[]), Read::End);
    }

    #[test]
    fn flipped_bits_and_zero_tails_are_torn() {
        let record = frame(&encode_batch(&every_mutation()));
        for i in [0, 4, 9, record.len() - 1] {
            let mut bad = record.clone();
            bad[i] ^= 0x40;
            assert_eq!(read_record(&bad), Read::Torn, "bit flipped at {i}");
        }
        assert_eq!(read_record(&[0u8; 64]), Read::Torn);
    }

    #[test]
    fn damaged_payloads_are_errors_not_panics() {
        let payload = encode_batch(&every_mutation());
        for cut in 0..payload.len() {
            assert!(decode_payload(&payload[..cut]).is_err(), "cut at {cut}");
        }
        let mut unknown = 1u32.to_le_bytes().to_vec();
        unknown.push(99);
        assert!(decode_payload(&unknown).unwrap_err().contains("unknown"));
    }

    #[test]
    fn headers_refuse_other_files_and_newer_versions() {
        let h = header(LOG_MAGIC, 7);
        assert_eq!(
            parse_header(&h, LOG_MAGIC, "log"),
            Ok(Header {
                version: FORMAT_VERSION,
                generation: 7
            })
        );
        assert!(parse_header(&h, SNAPSHOT_MAGIC, "snapshot").is_err());
        // An older version reads as itself.
        let mut older = h.clone();
        older[8] = 1;
        assert_eq!(
            parse_header(&older, LOG_MAGIC, "log").map(|h| h.version),
            Ok(1)
        );
        let mut newer = h.clone();
        newer[8] = (FORMAT_VERSION + 1) as u8;
        assert!(parse_header(&newer, LOG_MAGIC, "log")
            .unwrap_err()
            .contains("newer"));
        assert!(parse_header(&h[..10], LOG_MAGIC, "log").is_err());
    }
}
