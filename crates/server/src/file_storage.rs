//! `--data-dir`: the engine's `Storage` on files, crash-safe. A data directory holds
//!
//! - `LOCK` — held with an exclusive `flock` for the server's lifetime, so two servers never
//!   share a directory (the second is refused with a clear message);
//! - `snapshot` — every row at some point: one record per table, item, stream, stream record,
//!   backup, PITR setting and change-log entry (the browser's layout, see `file_format.rs`);
//! - `wal-<generation>` — append-only logs, one record per committed batch, replayed on top of
//!   the snapshot. Only logs whose generation is at least the snapshot's count.
//!
//! Durability: `commit` appends the batch as ONE CRC-checked record, and the record is
//! `fdatasync`ed before any answer that could depend on it goes out, so an acknowledged write
//! survives `kill -9` and power loss. Either `commit` syncs before it returns (the default), or,
//! with `Options::group_commit`, the server calls [`LogSync::wait`] after releasing the engine and
//! before answering: one `fdatasync` then covers every record appended so far, so concurrent
//! requests share it and the engine mutex is never held across a sync. Every answer waits (reads
//! too: a read may have seen a write that is not yet synced). Recovery replays whole records and
//! cuts the last log at the first torn one: a record that did not get fully written was never
//! acknowledged, and a batch (a transaction, a BatchWriteItem) is one record, so it lands whole or
//! not at all.
//!
//! Compaction writes a new snapshot (to `snapshot.tmp`, fsync, rename, fsync the directory) and
//! then deletes the logs it covers: at startup whenever the logs hold anything, and while running
//! on a background thread once the active log passes a size, after switching appends to a new log.
//! The thread reads the old snapshot and the closed logs from disk, so the server never keeps a
//! second copy of its data in memory except during that pass.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use dynaplay_engine::storage::{Snapshot, StorageError};
use dynaplay_engine::{Mutation, Storage};

use crate::file_format::{self as format, Read};

const LOCK: &str = "LOCK";
const SNAPSHOT: &str = "snapshot";
const SNAPSHOT_TMP: &str = "snapshot.tmp";
const LOG_PREFIX: &str = "wal-";
/// Rows per snapshot record: big enough that framing costs nothing, small enough that no record
/// nears `MAX_RECORD`.
const ROWS_PER_RECORD: usize = 1024;

/// How a data directory is kept.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Once the active log holds this many bytes, appends move to a new log and a background
    /// compaction folds the old ones into the snapshot.
    pub compact_after_bytes: u64,
    /// When true, `commit` only appends and the caller must call [`LogSync::wait`] before it
    /// acknowledges anything (the server does, after releasing the engine).
    pub group_commit: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            compact_after_bytes: 64 << 20,
            group_commit: false,
        }
    }
}

/// The shared half of group commit: how far the logs are written and how far synced, counted in
/// bytes over all logs since the storage opened, and the active log to sync.
#[derive(Debug)]
pub struct LogSync {
    written: AtomicU64,
    durable: AtomicU64,
    /// How many syncs group commit made: what tests compare with the number of writes.
    syncs: AtomicU64,
    /// Set when syncing the old log at a log switch failed: no later `wait` may succeed, since a
    /// retried fsync can report success for pages the kernel already dropped.
    failed: Mutex<Option<String>>,
    /// A handle on the active log, swapped (after syncing the old one) when appends move on.
    file: Mutex<File>,
}

impl LogSync {
    /// Returns once every record appended before the call is on disk: at once if a sync already
    /// covered them, else after one `fdatasync` that also covers whatever other requests appended
    /// meanwhile. An error means the disk failed after the engine made writes visible; the caller
    /// cannot answer truthfully and must stop (the next start recovers what is on disk).
    pub fn wait(&self) -> Result<(), String> {
        let target = self.written.load(Ordering::Acquire);
        if self.durable.load(Ordering::Acquire) >= target {
            return Ok(());
        }
        let file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(reason) = self.failed.lock().ok().and_then(|f| f.clone()) {
            return Err(reason);
        }
        if self.durable.load(Ordering::Acquire) >= target {
            return Ok(());
        }
        // Every append counted here has returned from write(2), so this sync covers it.
        let upto = self.written.load(Ordering::Acquire);
        file.sync_data()
            .map_err(|e| format!("cannot sync the write-ahead log: {e}"))?;
        self.durable.fetch_max(upto, Ordering::AcqRel);
        self.syncs.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// How many times `wait` synced the log.
    pub fn syncs(&self) -> u64 {
        self.syncs.load(Ordering::Relaxed)
    }

    /// Whether a call to `wait` would return at once.
    pub fn is_durable(&self) -> bool {
        self.durable.load(Ordering::Acquire) >= self.written.load(Ordering::Acquire)
    }
}

/// The engine's storage in a data directory.
pub struct FileStorage {
    dir: PathBuf,
    options: Options,
    /// Holds the directory's `flock` until the storage is dropped (the process ends).
    _lock: File,
    log: File,
    log_generation: u64,
    /// Bytes of whole records (and header) in the active log: where a failed append is cut back.
    log_len: u64,
    /// What `open` read, handed to the engine's first `load` so the data is not read twice.
    loaded: Mutex<Option<Snapshot>>,
    /// Set when a failed commit could not be undone on disk; every later commit then fails.
    broken: Option<String>,
    compaction: Option<JoinHandle<Result<(), String>>>,
    sync: Arc<LogSync>,
}

impl std::fmt::Debug for FileStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStorage")
            .field("dir", &self.dir)
            .field("log_generation", &self.log_generation)
            .field("log_len", &self.log_len)
            .finish_non_exhaustive()
    }
}

fn io_error(what: &str, path: &Path, e: io::Error) -> String {
    format!("{what} {}: {e}", path.display())
}

fn log_path(dir: &Path, generation: u64) -> PathBuf {
    dir.join(format!("{LOG_PREFIX}{generation:020}"))
}

/// Makes a rename, creation or deletion in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), String> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("cannot sync the directory", dir, e))
}

/// The logs in `dir`, by generation.
fn list_logs(dir: &Path) -> Result<Vec<(u64, PathBuf)>, String> {
    let mut logs = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| io_error("cannot list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error("cannot list", dir, e))?;
        let name = entry.file_name();
        let Some(generation) = name
            .to_str()
            .and_then(|n| n.strip_prefix(LOG_PREFIX))
            .and_then(|g| g.parse::<u64>().ok())
        else {
            continue;
        };
        logs.push((generation, entry.path()));
    }
    logs.sort();
    Ok(logs)
}

fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| io_error("cannot read", path, e))?;
    Ok(bytes)
}

/// The snapshot's rows and the first log generation it does not include (0 without a snapshot).
fn read_snapshot(dir: &Path) -> Result<(Snapshot, u64), String> {
    let path = dir.join(SNAPSHOT);
    if !path.exists() {
        return Ok((Snapshot::default(), 0));
    }
    let bytes = read_file(&path)?;
    let what = path.display().to_string();
    let header = format::parse_header(&bytes, format::SNAPSHOT_MAGIC, &what)?;
    let mut snapshot = Snapshot::default();
    let mut at = format::HEADER_LEN;
    loop {
        // A snapshot is renamed into place only once whole and synced, so anything short of its
        // closing record is damage, never a crash in progress.
        let Read::Record(payload, used) = format::read_record(&bytes[at..]) else {
            return Err(format!("{what} is damaged at byte {at}"));
        };
        at += used;
        let decoded = format::decode_payload(payload).map_err(|e| format!("{what}: {e}"))?;
        for m in decoded.mutations {
            apply_owned(&mut snapshot, m);
        }
        if decoded.end {
            return Ok((snapshot, header.generation));
        }
    }
}

/// `Snapshot::apply` without copying the text of the common rows: a snapshot is nearly all
/// `PutItem`s, and loading a large one is mostly this.
fn apply_owned(snapshot: &mut Snapshot, m: Mutation) {
    match m {
        Mutation::PutItem { table, key, item } => {
            snapshot.items.entry(table).or_default().insert(key, item);
        }
        Mutation::PutStreamRecord {
            stream,
            sequence,
            record,
        } => {
            snapshot
                .stream_records
                .entry(stream)
                .or_default()
                .insert(sequence, record);
        }
        Mutation::PutChange { table, seq, change } => {
            snapshot
                .changes
                .entry(table)
                .or_default()
                .insert(seq, change);
        }
        other => snapshot.apply(&other),
    }
}

/// What replaying one log found.
struct Replay {
    records: usize,
    /// Where the whole records end; less than the file's length when its tail is torn.
    good_len: u64,
    file_len: u64,
}

/// Applies a log's whole records to `snapshot`, stopping at the first torn one.
fn replay_log(path: &Path, snapshot: &mut Snapshot) -> Result<Replay, String> {
    let bytes = read_file(path)?;
    let what = path.display().to_string();
    format::parse_header(&bytes, format::LOG_MAGIC, &what)?;
    let mut at = format::HEADER_LEN;
    let mut records = 0;
    while let Read::Record(payload, used) = format::read_record(&bytes[at..]) {
        // A record whose CRC matches but which does not decode was written whole by something
        // other than this code: stop rather than guess, whatever it held.
        let decoded = format::decode_payload(payload)
            .map_err(|e| format!("{what} is damaged at byte {at}: {e}"))?;
        for m in decoded.mutations {
            apply_owned(snapshot, m);
        }
        records += 1;
        at += used;
    }
    Ok(Replay {
        records,
        good_len: at as u64,
        file_len: bytes.len() as u64,
    })
}

/// Creates an empty log of `generation`: the header goes to a temporary name first, so a log on
/// disk always has a whole header.
fn create_log(dir: &Path, generation: u64) -> Result<File, String> {
    let path = log_path(dir, generation);
    let tmp = dir.join(format!("{LOG_PREFIX}{generation:020}.tmp"));
    let mut file = File::create(&tmp).map_err(|e| io_error("cannot create", &tmp, e))?;
    file.write_all(&format::header(format::LOG_MAGIC, generation))
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error("cannot write", &tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| io_error("cannot rename", &tmp, e))?;
    sync_dir(dir)?;
    open_for_append(&path)
}

fn open_for_append(path: &Path) -> Result<File, String> {
    OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| io_error("cannot open", path, e))
}

/// Writes `snapshot` as the snapshot covering every log below `generation`: to a temporary file,
/// synced, renamed over the old one, and the rename synced.
fn write_snapshot(dir: &Path, snapshot: &Snapshot, generation: u64) -> Result<(), String> {
    let tmp = dir.join(SNAPSHOT_TMP);
    let file = File::create(&tmp).map_err(|e| io_error("cannot create", &tmp, e))?;
    let mut out = io::BufWriter::with_capacity(1 << 20, file);
    let write = |out: &mut io::BufWriter<File>, bytes: &[u8]| {
        out.write_all(bytes)
            .map_err(|e| io_error("cannot write", &tmp, e))
    };
    write(
        &mut out,
        &format::header(format::SNAPSHOT_MAGIC, generation),
    )?;
    let mut rows = Vec::new();
    let flush = |out: &mut io::BufWriter<File>, rows: &mut Vec<Mutation>| {
        if rows.is_empty() {
            return Ok(());
        }
        let record = format::frame(&format::encode_batch(rows));
        rows.clear();
        write(out, &record)
    };
    for m in snapshot.rows() {
        rows.push(m);
        if rows.len() == ROWS_PER_RECORD {
            flush(&mut out, &mut rows)?;
        }
    }
    flush(&mut out, &mut rows)?;
    write(&mut out, &format::frame(&format::end_payload()))?;
    let file = out
        .into_inner()
        .map_err(|e| io_error("cannot write", &tmp, e.into_error()))?;
    file.sync_all()
        .map_err(|e| io_error("cannot sync", &tmp, e))?;
    let path = dir.join(SNAPSHOT);
    fs::rename(&tmp, &path).map_err(|e| io_error("cannot rename", &tmp, e))?;
    sync_dir(dir)
}

/// Deletes the logs below `generation` (the snapshot covers them).
fn delete_logs_below(dir: &Path, generation: u64) -> Result<(), String> {
    for (g, path) in list_logs(dir)? {
        if g < generation {
            fs::remove_file(&path).map_err(|e| io_error("cannot delete", &path, e))?;
        }
    }
    sync_dir(dir)
}

/// Removes the temporary files of a compaction or log creation that a crash interrupted: the
/// snapshot and logs they were to replace are still whole.
fn remove_leftovers(dir: &Path) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| io_error("cannot list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error("cannot list", dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == SNAPSHOT_TMP || (name.starts_with(LOG_PREFIX) && name.ends_with(".tmp")) {
            let path = entry.path();
            fs::remove_file(&path).map_err(|e| io_error("cannot delete", &path, e))?;
        }
    }
    Ok(())
}

/// The background pass: folds the snapshot and every log below `generation` into a new snapshot.
fn compact_below(dir: &Path, generation: u64) -> Result<(), String> {
    let (mut snapshot, from) = read_snapshot(dir)?;
    for (g, path) in list_logs(dir)? {
        if g >= from && g < generation {
            replay_log(&path, &mut snapshot)?;
        }
    }
    write_snapshot(dir, &snapshot, generation)?;
    delete_logs_below(dir, generation)
}

impl FileStorage {
    /// Opens (creating if needed) a data directory with the default options.
    pub fn open(dir: impl AsRef<Path>) -> Result<FileStorage, String> {
        Self::open_with(dir, Options::default())
    }

    /// Locks the directory, recovers it (snapshot, then whole log records, cutting a torn tail)
    /// and compacts what the logs held into a fresh snapshot.
    pub fn open_with(dir: impl AsRef<Path>, options: Options) -> Result<FileStorage, String> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(|e| io_error("cannot create", &dir, e))?;
        let lock_path = dir.join(LOCK);
        let mut lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io_error("cannot open", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(format!(
                    "{} is in use by another dynaplay-server (it holds {}); stop it or choose another --data-dir",
                    dir.display(),
                    lock_path.display()
                ))
            }
            Err(TryLockError::Error(e)) => return Err(io_error("cannot lock", &lock_path, e)),
        }
        // The holder's pid, for a person wondering who has the directory; the lock is the flock.
        let _ = lock
            .set_len(0)
            .and_then(|()| writeln!(lock, "{}", std::process::id()));

        remove_leftovers(&dir)?;
        let (mut snapshot, from) = read_snapshot(&dir)?;
        // Logs a finished compaction covered but did not get to delete before a crash.
        delete_logs_below(&dir, from)?;
        let logs: Vec<(u64, PathBuf)> = list_logs(&dir)?
            .into_iter()
            .filter(|(g, _)| *g >= from)
            .collect();
        let mut records = 0;
        for (i, (_, path)) in logs.iter().enumerate() {
            let replay = replay_log(path, &mut snapshot)?;
            records += replay.records;
            if replay.good_len < replay.file_len {
                // Only the newest log can end in a torn record: older ones were closed after
                // their last record was synced. A gap in the middle would silently drop
                // acknowledged writes, so it stops the server instead.
                if i + 1 != logs.len() {
                    return Err(format!(
                        "{} is damaged at byte {} and newer logs follow it; not starting, so no acknowledged write is dropped",
                        path.display(),
                        replay.good_len
                    ));
                }
                let file = open_for_append(path)?;
                file.set_len(replay.good_len)
                    .and_then(|()| file.sync_all())
                    .map_err(|e| io_error("cannot cut the torn tail of", path, e))?;
            }
        }

        let last = logs.last().map(|(g, _)| *g);
        let (log, log_generation) = match last {
            // Nothing to fold in: go on appending to the one empty log.
            Some(g) if records == 0 && logs.len() == 1 => (open_for_append(&log_path(&dir, g))?, g),
            _ => {
                let next = last.map_or(from.max(1), |g| g + 1);
                // The new log first, then the snapshot naming it, then the old logs go: a crash
                // between any two steps leaves a directory that opens to the same data.
                let log = create_log(&dir, next)?;
                if records > 0 || logs.len() > 1 {
                    write_snapshot(&dir, &snapshot, next)?;
                    delete_logs_below(&dir, next)?;
                }
                (log, next)
            }
        };
        let log_len = log
            .metadata()
            .map_err(|e| io_error("cannot read", &log_path(&dir, log_generation), e))?
            .len();
        let sync = Arc::new(LogSync {
            written: AtomicU64::new(0),
            durable: AtomicU64::new(0),
            syncs: AtomicU64::new(0),
            failed: Mutex::new(None),
            file: Mutex::new(
                log.try_clone()
                    .map_err(|e| io_error("cannot open", &log_path(&dir, log_generation), e))?,
            ),
        });
        Ok(FileStorage {
            dir,
            options,
            _lock: lock,
            log,
            log_generation,
            log_len,
            loaded: Mutex::new(Some(snapshot)),
            broken: None,
            compaction: None,
            sync,
        })
    }

    /// The handle a server waits on before answering, with `Options::group_commit`.
    pub fn log_sync(&self) -> Arc<LogSync> {
        Arc::clone(&self.sync)
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Waits for a background compaction, if one runs, and returns its outcome.
    pub fn finish_compaction(&mut self) -> Result<(), String> {
        match self.compaction.take() {
            Some(handle) => handle
                .join()
                .unwrap_or_else(|_| Err("the compaction thread panicked".into())),
            None => Ok(()),
        }
    }

    /// Marks the log as failed: every later commit fails, and so does every group-commit wait
    /// (records appended before may be lost even if a retried fsync says yes).
    fn fail(&mut self, reason: String) {
        if let Ok(mut failed) = self.sync.failed.lock() {
            *failed = Some(reason.clone());
        }
        self.broken = Some(reason);
    }

    /// Appends one record and syncs it, or leaves the log as it was.
    fn append(&mut self, record: &[u8]) -> Result<(), StorageError> {
        let path = log_path(&self.dir, self.log_generation);
        if let Err(e) = self.log.write_all(record) {
            // Disk full, a file size limit, an I/O error: cut back what part of the record got
            // in, so the log ends at its last whole record and the next commit can go on.
            if let Err(cut) = self
                .log
                .set_len(self.log_len)
                .and_then(|()| self.log.sync_data())
            {
                self.fail(io_error("cannot cut back a failed write to", &path, cut));
            }
            return Err(StorageError(io_error("cannot write to", &path, e)));
        }
        if self.options.group_commit {
            self.log_len += record.len() as u64;
            self.sync
                .written
                .fetch_add(record.len() as u64, Ordering::AcqRel);
            return Ok(());
        }
        if let Err(e) = self.log.sync_data() {
            // After a failed fsync the kernel may have dropped the dirty pages and the next fsync
            // may still say yes, so nothing further written to this log can be trusted. Later
            // commits fail until a restart recovers from what is really on disk.
            let _ = self.log.set_len(self.log_len);
            let message = io_error("cannot sync", &path, e);
            self.fail(message.clone());
            return Err(StorageError(message));
        }
        self.log_len += record.len() as u64;
        Ok(())
    }

    /// Once the log is big enough and no compaction runs, moves appends to a new log and folds
    /// the closed ones into the snapshot on a background thread. Failing here fails no commit:
    /// the logs still hold everything, and the next commit tries again.
    fn maybe_compact(&mut self) {
        if self.log_len < self.options.compact_after_bytes {
            return;
        }
        if let Some(handle) = &self.compaction {
            if !handle.is_finished() {
                return;
            }
            if let Err(e) = self.finish_compaction() {
                eprintln!(
                    "dynaplay-server: compaction failed (the logs still hold every write): {e}"
                );
            }
        }
        let next = self.log_generation + 1;
        let log = match create_log(&self.dir, next).and_then(|log| {
            let handle = log
                .try_clone()
                .map_err(|e| io_error("cannot open", &log_path(&self.dir, next), e))?;
            Ok((log, handle))
        }) {
            Ok(log) => log,
            Err(e) => {
                eprintln!("dynaplay-server: cannot start a new log: {e}");
                return;
            }
        };
        {
            // The old log is synced before group commit moves to the new one, so a sync of the
            // new log covers every byte counted so far.
            let mut file = self
                .sync
                .file
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Err(e) = file.sync_data() {
                let reason = io_error("cannot sync", &log_path(&self.dir, self.log_generation), e);
                drop(file);
                self.fail(reason);
                return;
            }
            self.sync
                .durable
                .fetch_max(self.sync.written.load(Ordering::Acquire), Ordering::AcqRel);
            *file = log.1;
        }
        let log = log.0;
        self.log = log;
        self.log_generation = next;
        self.log_len = format::HEADER_LEN as u64;
        let dir = self.dir.clone();
        self.compaction = std::thread::Builder::new()
            .name("dynaplay-compaction".into())
            .spawn(move || compact_below(&dir, next))
            .ok();
    }
}

impl Storage for FileStorage {
    fn load(&self) -> Result<Snapshot, StorageError> {
        if let Some(snapshot) = self.loaded.lock().ok().and_then(|mut l| l.take()) {
            return Ok(snapshot);
        }
        // A second load (an engine reopened over the same storage) reads the files again.
        let (mut snapshot, from) = read_snapshot(&self.dir).map_err(StorageError)?;
        for (g, path) in list_logs(&self.dir).map_err(StorageError)? {
            if g >= from {
                replay_log(&path, &mut snapshot).map_err(StorageError)?;
            }
        }
        Ok(snapshot)
    }

    fn commit(&mut self, batch: &[Mutation]) -> Result<(), StorageError> {
        if let Some(reason) = &self.broken {
            return Err(StorageError(format!(
                "the data directory failed earlier ({reason}); restart the server"
            )));
        }
        if batch.is_empty() {
            return Ok(());
        }
        let record = format::frame(&format::encode_batch(batch));
        self.append(&record)?;
        self.maybe_compact();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fresh directory under the system temp dir, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "dynaplay-fs-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = fs::remove_dir_all(&dir);
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn put(table: &str, key: u8, item: &str) -> Mutation {
        Mutation::PutItem {
            table: table.into(),
            key: vec![key],
            item: item.into(),
        }
    }

    fn items(storage: &FileStorage) -> Vec<(u8, String)> {
        let snapshot = storage.load().expect("load");
        snapshot
            .items
            .get("T")
            .map(|rows| rows.iter().map(|(k, v)| (k[0], v.clone())).collect())
            .unwrap_or_default()
    }

    fn only_log(dir: &Path) -> PathBuf {
        let logs = list_logs(dir).expect("list");
        assert_eq!(logs.len(), 1, "{logs:?}");
        logs[0].1.clone()
    }

    #[test]
    fn commits_survive_a_reopen_and_deletes_and_trims_replay() {
        let dir = TempDir::new();
        {
            let mut s = FileStorage::open(&dir.0).expect("open");
            s.commit(&[put("T", 1, "a"), put("T", 2, "b")])
                .expect("commit");
            s.commit(&[Mutation::DeleteItem {
                table: "T".into(),
                key: vec![1],
            }])
            .expect("commit");
            s.commit(&[
                Mutation::PutChange {
                    table: "T".into(),
                    seq: 1,
                    change: "c1".into(),
                },
                Mutation::PutChange {
                    table: "T".into(),
                    seq: 2,
                    change: "c2".into(),
                },
            ])
            .expect("commit");
            s.commit(&[Mutation::TrimChanges {
                table: "T".into(),
                below_seq: 2,
            }])
            .expect("commit");
        }
        let s = FileStorage::open(&dir.0).expect("reopen");
        assert_eq!(items(&s), vec![(2, "b".to_string())]);
        let changes = s.load().expect("load").changes;
        assert_eq!(changes["T"].keys().copied().collect::<Vec<_>>(), vec![2]);
        // The reopen folded the log into the snapshot and started an empty log.
        assert!(dir.0.join(SNAPSHOT).exists());
        let log = only_log(&dir.0);
        assert_eq!(
            fs::metadata(log).expect("meta").len(),
            format::HEADER_LEN as u64
        );
    }

    #[test]
    fn applying_owned_rows_matches_the_engines_rule() {
        // Why: loading moves rows instead of copying them; it must not change what they mean.
        let batch = vec![
            put("T", 1, "a"),
            put("T", 1, "b"),
            Mutation::PutStreamRecord {
                stream: "s".into(),
                sequence: "001".into(),
                record: "r".into(),
            },
            Mutation::PutChange {
                table: "T".into(),
                seq: 4,
                change: "c".into(),
            },
            Mutation::TrimChanges {
                table: "T".into(),
                below_seq: 4,
            },
            Mutation::DeleteItem {
                table: "T".into(),
                key: vec![2],
            },
        ];
        let (mut owned, mut shared) = (Snapshot::default(), Snapshot::default());
        for m in &batch {
            apply_owned(&mut owned, m.clone());
            shared.apply(m);
        }
        assert_eq!(owned, shared);
        assert_eq!(owned.items["T"][&vec![1]], "b");
    }

    #[test]
    fn a_torn_tail_is_cut_and_the_whole_records_before_it_stay() {
        // Why: a crash in the middle of an append leaves part of a record that was never
        // acknowledged; recovery must drop exactly that part.
        let dir = TempDir::new();
        let record_start;
        {
            let mut s = FileStorage::open(&dir.0).expect("open");
            s.commit(&[put("T", 1, "a")]).expect("commit");
            record_start = s.log_len;
            s.commit(&[put("T", 2, "b"), put("T", 3, "c")])
                .expect("commit");
        }
        let log = only_log(&dir.0);
        let full = fs::read(&log).expect("read");
        for cut in record_start as usize + 1..full.len() {
            let copy = TempDir::new();
            fs::create_dir_all(&copy.0).expect("mkdir");
            fs::write(copy.0.join(log.file_name().expect("name")), &full[..cut]).expect("write");
            let s = FileStorage::open(&copy.0).expect("open torn");
            assert_eq!(items(&s), vec![(1, "a".to_string())], "cut at {cut}");
        }
    }

    #[test]
    fn a_second_server_is_refused_while_the_first_holds_the_lock() {
        let dir = TempDir::new();
        let first = FileStorage::open(&dir.0).expect("open");
        let err = FileStorage::open(&dir.0).expect_err("locked");
        assert!(err.contains("in use by another dynaplay-server"), "{err}");
        drop(first);
        FileStorage::open(&dir.0).expect("free again");
    }

    #[test]
    fn background_compaction_folds_closed_logs_into_the_snapshot() {
        let dir = TempDir::new();
        let options = Options {
            compact_after_bytes: 200,
            group_commit: false,
        };
        {
            let mut s = FileStorage::open_with(&dir.0, options).expect("open");
            for i in 0..50u8 {
                s.commit(&[put("T", i, &format!("item {i} {}", "x".repeat(40)))])
                    .expect("commit");
                if i % 10 == 9 {
                    s.finish_compaction().expect("compaction");
                }
            }
            s.finish_compaction().expect("compaction");
            assert!(list_logs(&dir.0).expect("list").len() <= 2);
        }
        let s = FileStorage::open_with(&dir.0, options).expect("reopen");
        let got = items(&s);
        assert_eq!(got.len(), 50);
        assert_eq!(got[49].1, format!("item 49 {}", "x".repeat(40)));
    }

    #[test]
    fn group_commit_syncs_once_for_many_appends_and_across_log_switches() {
        // Why: with group commit `commit` only appends; `wait` must cover every append before
        // it, including those in a log that was switched away from.
        let dir = TempDir::new();
        let options = Options {
            compact_after_bytes: 300,
            group_commit: true,
        };
        {
            let mut s = FileStorage::open_with(&dir.0, options).expect("open");
            let sync = s.log_sync();
            assert!(sync.is_durable());
            for i in 0..30u8 {
                s.commit(&[put("T", i, &"y".repeat(50))]).expect("commit");
                // Commit only appends; just a switch to a new log syncs (the old log).
                let switched = s.log_len == format::HEADER_LEN as u64;
                assert_eq!(sync.is_durable(), switched, "after append {i}");
                if i % 5 == 4 {
                    sync.wait().expect("sync");
                    assert!(sync.is_durable());
                }
            }
            s.finish_compaction().expect("compaction");
        }
        let s = FileStorage::open_with(&dir.0, options).expect("reopen");
        assert_eq!(items(&s).len(), 30);
    }

    #[test]
    fn damage_before_newer_logs_refuses_to_start() {
        // Why: cutting an older log would silently drop acknowledged writes after it.
        let dir = TempDir::new();
        fs::create_dir_all(&dir.0).expect("mkdir");
        let mut old = format::header(format::LOG_MAGIC, 1);
        old.extend(format::frame(&format::encode_batch(&[put("T", 1, "a")])));
        old.extend_from_slice(&[1, 2, 3]);
        fs::write(log_path(&dir.0, 1), &old).expect("write");
        let mut new = format::header(format::LOG_MAGIC, 2);
        new.extend(format::frame(&format::encode_batch(&[put("T", 2, "b")])));
        fs::write(log_path(&dir.0, 2), &new).expect("write");
        let err = FileStorage::open(&dir.0).expect_err("damaged");
        assert!(err.contains("newer logs follow"), "{err}");
    }

    #[test]
    fn a_compaction_cut_short_by_a_crash_opens_to_the_same_data() {
        // Why: a crash can stop compaction after the new snapshot is renamed in but before the
        // logs it covers are deleted, or while `snapshot.tmp` is half written. A covered log must
        // not be replayed again: here it would bring back an item a later log deleted.
        let dir = TempDir::new();
        fs::create_dir_all(&dir.0).expect("mkdir");
        let log = |generation: u64, batch: &[Mutation]| {
            let mut bytes = format::header(format::LOG_MAGIC, generation);
            bytes.extend(format::frame(&format::encode_batch(batch)));
            fs::write(log_path(&dir.0, generation), bytes).expect("write log");
        };
        log(1, &[put("T", 1, "a"), put("T", 2, "b")]);
        log(
            2,
            &[Mutation::DeleteItem {
                table: "T".into(),
                key: vec![1],
            }],
        );
        let mut folded = Snapshot::default();
        folded.apply(&put("T", 2, "b"));
        write_snapshot(&dir.0, &folded, 3).expect("snapshot");
        // Log 2 was deleted, log 1 was not yet; a half-written next snapshot lies beside them.
        fs::remove_file(log_path(&dir.0, 2)).expect("rm");
        fs::write(dir.0.join(SNAPSHOT_TMP), b"DYNPSNAP").expect("tmp");
        let s = FileStorage::open(&dir.0).expect("open");
        assert_eq!(items(&s), vec![(2, "b".to_string())]);
        assert!(!dir.0.join(SNAPSHOT_TMP).exists());
        assert!(!log_path(&dir.0, 1).exists());
    }

    #[test]
    fn a_newer_format_is_refused() {
        let dir = TempDir::new();
        fs::create_dir_all(&dir.0).expect("mkdir");
        let mut header = format::header(format::LOG_MAGIC, 1);
        header[8] = 9;
        fs::write(log_path(&dir.0, 1), &header).expect("write");
        let err = FileStorage::open(&dir.0).expect_err("newer");
        assert!(err.contains("newer Dynaplay"), "{err}");
    }
}
