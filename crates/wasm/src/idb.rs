//! The persisted format of a sandbox in IndexedDB: one object store per kind of record, so that a
//! write touches only the rows it changes and a trim is one key-range delete (never a rewrite of a
//! table). This module only moves `Mutation`s and `Snapshot`s in and out; the group commit that
//! decides *when* to write lives in `sandbox.rs`.
//!
//! Layout, format version 4 (keys in brackets are IndexedDB array keys):
//!
//! | store                | key                          | value                     |
//! |----------------------|------------------------------|---------------------------|
//! | `meta`               | `"format"`, `"clockOffset"`  | a number                  |
//! | `meta`               | `"globalTables"`             | simulation settings text  |
//! | `meta`               | `"meters"`, `"request:<id>"` | JSON text (see below)     |
//! | `meta` (since 4)     | `"compacting"`               | [write number, applied]   |
//! | `tables`             | table name                   | definition JSON text      |
//! | `items`              | [table, encoded key (binary)]| item (binary since 4)     |
//! | `streams`            | stream ARN                   | stream metadata JSON text |
//! | `stream_records`     | [stream ARN, sequence number]| record JSON text          |
//! | `backups`            | backup ARN                   | backup JSON text          |
//! | `continuous_backups` | table name                   | PITR settings JSON text   |
//! | `changes`            | [table, change seq (number)] | change-log entry text     |
//! | `replications`       | queue number                 | replicated write text     |
//! | `replica_stamps`     | [table, encoded key (binary)]| last-writer stamp text    |
//! | `conflicts`          | conflict number              | conflict text             |
//! | `log` (since 3)      | write number                 | a batch (`log_record.rs`) |
//!
//! Version 2 added `replications`, `replica_stamps`, `conflicts` and the `globalTables` row (the
//! global tables simulation's queue, stamps, conflicts and settings); version 3 added `log`;
//! version 4 writes an `items` row as binary, the record of one `PutItem` (`log_record::
//! encode_item_row`: table, key and item JSON text), so a load reads the store's values alone
//! with one `getAll` and decodes them in one go, and added the `compacting` row. Opening an older
//! database creates the missing stores empty and marks it version 4; its text `items` rows are
//! read as they are (the load then reads that store's keys too).
//!
//! Binary keys sort bytewise and an array sorts after every binary key, so `[t]..[t, []]` covers
//! every row of table `t`, which is how DeleteTable and the trims become single range deletes.
//!
//! A write transaction puts ONE `log` record: its whole batch of mutations, encoded, under the
//! next write number (a batch of over `RECORD_MUTATIONS` is several records, numbered on, in the
//! same transaction). The other stores hold the *compacted* state: a compaction runs in *slices*
//! (see `sandbox.rs`), each one transaction that applies the next mutations of the oldest log
//! records to those rows and, in the same transaction, deletes the records it finished, or, when
//! it stopped part-way through a record, records in `compacting` how many of its mutations are in
//! the rows. What is stored is therefore always the rows plus the log replayed over them in order,
//! less the `compacting` record's first mutations, which `load` returns. Versions 1 and 2 had no
//! log (every write went to the rows directly), so their data is version 3 data with an empty log.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use dynaplay_engine::storage::Snapshot;
use dynaplay_engine::Mutation;
use indexed_db_futures::database::Database;
use indexed_db_futures::internals::SystemRepr;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::{Array, Uint8Array, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The version of the layout above. Bump it (and the IndexedDB schema version, and add an upgrade
/// step in `open`) whenever the layout changes; `tests/fixtures/idb-v<N>.json` keeps old data
/// loadable.
pub const FORMAT_VERSION: u32 = 4;

pub const META: &str = "meta";
pub const TABLES: &str = "tables";
pub const ITEMS: &str = "items";
pub const STREAMS: &str = "streams";
pub const STREAM_RECORDS: &str = "stream_records";
pub const BACKUPS: &str = "backups";
pub const CONTINUOUS_BACKUPS: &str = "continuous_backups";
pub const CHANGES: &str = "changes";
pub const REPLICATIONS: &str = "replications";
pub const REPLICA_STAMPS: &str = "replica_stamps";
pub const CONFLICTS: &str = "conflicts";
pub const LOG: &str = "log";
/// The `meta` row of the global tables simulation's settings.
const GLOBAL_TABLES_ROW: &str = "globalTables";
/// The `meta` row `[write number, n]` (since format 4): the first `n` mutations of log record
/// `write number` are already in the rows (a compaction slice applied them), so a load replays
/// only the rest and the compaction resumes there.
const COMPACTING_ROW: &str = "compacting";

/// The stores of format version 1.
const STORES_V1: [&str; 8] = [
    META,
    TABLES,
    ITEMS,
    STREAMS,
    STREAM_RECORDS,
    BACKUPS,
    CONTINUOUS_BACKUPS,
    CHANGES,
];
/// The stores format version 2 added.
const STORES_V2: [&str; 3] = [REPLICATIONS, REPLICA_STAMPS, CONFLICTS];

/// Every store, in the order a dump lists them (the log last: it is replayed over the rest).
pub const STORES: [&str; 12] = [
    META,
    TABLES,
    ITEMS,
    STREAMS,
    STREAM_RECORDS,
    BACKUPS,
    CONTINUOUS_BACKUPS,
    CHANGES,
    REPLICATIONS,
    REPLICA_STAMPS,
    CONFLICTS,
    LOG,
];

/// Why an IndexedDB call failed, in words a learner can act on.
#[derive(Debug, Clone, PartialEq)]
pub struct IdbError {
    /// True when the browser said the origin's storage quota is used up.
    pub quota: bool,
    pub detail: String,
}

impl IdbError {
    fn new(detail: impl std::fmt::Display) -> IdbError {
        let detail = detail.to_string();
        IdbError {
            quota: detail.contains("Quota"),
            detail,
        }
    }
}

impl std::fmt::Display for IdbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl From<indexed_db_futures::error::Error> for IdbError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        IdbError::new(e)
    }
}

impl From<indexed_db_futures::error::OpenDbError> for IdbError {
    fn from(e: indexed_db_futures::error::OpenDbError) -> Self {
        IdbError::new(e)
    }
}

impl From<JsValue> for IdbError {
    fn from(e: JsValue) -> Self {
        let text = e
            .dyn_ref::<js_sys::Error>()
            .map(|e| format!("{}: {}", String::from(e.name()), String::from(e.message())))
            .or_else(|| e.as_string())
            .unwrap_or_else(|| format!("{e:?}"));
        IdbError::new(text)
    }
}

/// The IndexedDB database name of a sandbox, so a sandbox never collides with a page's own data.
pub fn database_name(sandbox: &str) -> String {
    format!("dynaplay:{sandbox}")
}

/// Opens (creating or upgrading if needed) a sandbox's database at schema `version`, which is the
/// format version: `open` uses the current one; a test plants old data at its own.
async fn open_at(sandbox: &str, version: u32) -> Result<Database, IdbError> {
    Ok(Database::open(database_name(sandbox).as_str())
        .with_version(version)
        .with_on_upgrade_needed(move |event, db| {
            // One step per version, each from the one before, keyed on `event.old_version()`: a
            // new database takes them all (up to `version`).
            if event.old_version() < 1.0 {
                for store in STORES_V1 {
                    db.create_object_store(store).build()?;
                }
            }
            if event.old_version() < 2.0 && version >= 2 {
                for store in STORES_V2 {
                    db.create_object_store(store).build()?;
                }
            }
            if event.old_version() < 3.0 && version >= 3 {
                db.create_object_store(LOG).build()?;
            }
            // Version 4 added no store: its `items` rows are binary (`log_record::
            // encode_item_row`) and the `compacting` meta row appeared; older text rows are
            // read as they are.
            Ok(())
        })
        .await?)
}

/// Opens (creating or upgrading if needed) a sandbox's database and checks its format version.
pub async fn open(sandbox: &str) -> Result<Database, IdbError> {
    let db = open_at(sandbox, FORMAT_VERSION).await?;
    let tx = db
        .transaction(META)
        .with_mode(TransactionMode::Readwrite)
        .build()?;
    let meta = tx.object_store(META)?;
    let stored = request(meta.as_sys().get(&"format".into())?).await?;
    match stored.as_f64() {
        Some(v) if v > f64::from(FORMAT_VERSION) => {
            return Err(IdbError::new(format!(
                "this sandbox was saved by a newer Dynaplay (format {v}, this one reads up to {FORMAT_VERSION})"
            )))
        }
        Some(v) if v == f64::from(FORMAT_VERSION) => {}
        // New, or an older format upgraded by the steps above (stores added, none changed: its
        // rows are read as they are).
        _ => {
            meta.as_sys()
                .put_with_key(&FORMAT_VERSION.into(), &"format".into())?;
        }
    }
    tx.commit().await?;
    Ok(db)
}

/// Awaits one raw IndexedDB request.
async fn request(req: web_sys::IdbRequest) -> Result<JsValue, IdbError> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let ok_req = req.clone();
        let on_ok = Closure::once_into_js(move || {
            let _ = resolve.call1(
                &JsValue::NULL,
                &ok_req.result().unwrap_or(JsValue::UNDEFINED),
            );
        });
        let err_req = req.clone();
        let on_err = Closure::once_into_js(move || {
            let error = err_req
                .error()
                .ok()
                .flatten()
                .map(JsValue::from)
                .unwrap_or_else(|| "IndexedDB request failed".into());
            let _ = reject.call1(&JsValue::NULL, &error);
        });
        req.set_onsuccess(Some(on_ok.unchecked_ref()));
        req.set_onerror(Some(on_err.unchecked_ref()));
    });
    Ok(wasm_bindgen_futures::JsFuture::from(promise).await?)
}

fn bytes(key: &[u8]) -> JsValue {
    Uint8Array::from(key).buffer().into()
}

fn pair(a: &str, b: &JsValue) -> JsValue {
    Array::of2(&a.into(), b).into()
}

/// The range of every `[prefix, ...]` key.
fn prefix_range(prefix: &str) -> Result<JsValue, IdbError> {
    Ok(
        web_sys::IdbKeyRange::bound(&Array::of1(&prefix.into()), &pair(prefix, &Array::new()))?
            .into(),
    )
}

/// The range `[prefix] ..= [prefix, last]` (or `..` `[prefix, last]` when `open_end`).
fn prefix_through(prefix: &str, last: &JsValue, open_end: bool) -> Result<JsValue, IdbError> {
    Ok(web_sys::IdbKeyRange::bound_with_lower_open_and_upper_open(
        &Array::of1(&prefix.into()),
        &pair(prefix, last),
        false,
        open_end,
    )?
    .into())
}

// The commit of a write transaction, chained on the one written before it. IndexedDB runs
// read-write transactions over the same stores in the order they were created, so a transaction
// may be *started* (its requests issued) while the one before it is still committing: the page's
// main thread then fills the next transaction instead of waiting. But if the earlier one fails,
// the later one was built on memory that is being thrown away and must not commit. So a
// transaction with an unfinished predecessor is kept open by a chain of cheap reads (each issued
// from the last one's success callback, and a transaction cannot commit while a request of it is
// pending) until the predecessor's outcome is known, and is then committed or aborted. The
// outcome is recorded by the transaction's own `complete`/`abort` listeners, in JavaScript, so the
// next transaction sees it without waiting on any Rust task.
#[wasm_bindgen(inline_js = "
export function begin_write(db, stores) { return db.transaction(stores, 'readwrite'); }
function watch(tx, before, fail) {
  const outcome = { state: 0, reason: undefined };
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = () => { outcome.state = 1; resolve(); };
    tx.onabort = () => {
      outcome.state = 2;
      const e = tx.error;
      reject(outcome.reason
        ?? (fail ? 'QuotaExceededError: the transaction was aborted (failure injected by a test)'
        : e ? `${e.name}: ${e.message}`
        : before && before.state === 2 ? 'AbortError: an earlier write failed'
        : 'AbortError: the transaction was aborted'));
    };
  });
  return [done, outcome];
}
function gate(tx, meta, before, fail) {
  const decide = () => {
    if (fail || (before && before.state === 2)) tx.abort();
    else if (!before || before.state === 1) { try { tx.commit(); } catch (_) { /* commits on its own */ } }
    else meta.get('format').onsuccess = decide;
  };
  decide();
}
export function commit_after(tx, meta, before, fail) {
  const watched = watch(tx, before, fail);
  gate(tx, meta, before, fail);
  return watched;
}
export function compact_after(tx, meta, log, lo, hi, before, apply) {
  const watched = watch(tx, before, false);
  const applied = (keys, records) => {
    const error = apply(keys, records);
    if (error) { watched[1].reason = error; tx.abort(); return; }
    gate(tx, meta, before, false);
  };
  // Nothing to read when the slice's one record is already in memory (`lo > hi`): its requests
  // are issued at once, while the new transaction is still active.
  if (lo > hi) { applied([], []); return watched; }
  const range = IDBKeyRange.bound(lo, hi);
  const keys = log.getAllKeys(range);
  const read = log.getAll(range);
  read.onsuccess = () => applied(keys.result, read.result);
  return watched;
}
export function pack_rows(values) {
  let total = 0;
  let text = 0;
  for (const v of values) {
    if (v instanceof ArrayBuffer) total += v.byteLength;
    else text++;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const v of values) {
    if (v instanceof ArrayBuffer) { out.set(new Uint8Array(v), at); at += v.byteLength; }
  }
  return [out, text];
}
")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn begin_write(db: &JsValue, stores: &Array) -> Result<web_sys::IdbTransaction, JsValue>;
    fn commit_after(
        tx: &web_sys::IdbTransaction,
        meta: &web_sys::IdbObjectStore,
        before: &JsValue,
        fail: bool,
    ) -> Array;
    #[wasm_bindgen(catch)]
    fn compact_after(
        tx: &web_sys::IdbTransaction,
        meta: &web_sys::IdbObjectStore,
        log: &web_sys::IdbObjectStore,
        lo: f64,
        hi: f64,
        before: &JsValue,
        apply: &JsValue,
    ) -> Result<Array, JsValue>;
    /// The binary values of `values` one after another (one copy into wasm instead of one
    /// crossing per row), and how many values were not binary (rows of format 3 or older).
    fn pack_rows(values: &Array) -> Array;
}

/// A write transaction whose requests are all issued: `done` settles when it has committed
/// (durable) or aborted; `outcome` is what the next transaction's commit waits on.
#[derive(Clone)]
pub struct Written {
    done: js_sys::Promise,
    outcome: JsValue,
    /// The error of a write that is known to have failed without IndexedDB telling (kept as it
    /// is, since a reason crossing into JavaScript and back would lose whether it was the quota).
    failed: Option<IdbError>,
}

impl Written {
    /// An outcome already known (a memory backend's write, or a write that failed to start).
    pub fn settled(result: Result<(), IdbError>) -> Written {
        let (done, state, failed) = match result {
            Ok(()) => (js_sys::Promise::resolve(&JsValue::UNDEFINED), 1, None),
            Err(e) => (
                js_sys::Promise::reject(&e.detail.clone().into()),
                2,
                Some(e),
            ),
        };
        let outcome = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&outcome, &"state".into(), &state.into());
        Written {
            done,
            outcome: outcome.into(),
            failed,
        }
    }

    fn from_parts(parts: &Array) -> Written {
        Written {
            done: parts.get(0).unchecked_into(),
            outcome: parts.get(1),
            failed: None,
        }
    }

    /// True when `outcome` (another write's) says that write failed.
    pub fn failed_outcome(outcome: &JsValue) -> bool {
        js_sys::Reflect::get(outcome, &"state".into())
            .ok()
            .and_then(|s| s.as_f64())
            == Some(2.0)
    }

    /// Settles with the write, whatever its outcome; for waiting on it without its result.
    pub fn promise(&self) -> js_sys::Promise {
        self.done.clone()
    }

    /// What a later `start_write` chains on.
    pub fn outcome(&self) -> JsValue {
        self.outcome.clone()
    }

    /// Resolves once committed; an abort (a quota failure, an earlier write failing) is an error
    /// with the browser's reason.
    pub async fn finished(&self) -> Result<(), IdbError> {
        let result = wasm_bindgen_futures::JsFuture::from(self.done.clone()).await;
        match (&self.failed, result) {
            (Some(e), _) => Err(e.clone()),
            (None, Ok(_)) => Ok(()),
            (None, Err(e)) => Err(IdbError::from(e)),
        }
    }
}

/// A log record holds at most this many mutations: a bigger batch is several records, numbered
/// on, in its one transaction. A compaction slice then never has to read (and copy into wasm) a
/// record of many megabytes at once, which blocked the page for a quarter of a second.
pub const RECORD_MUTATIONS: usize = 1_000;

/// How many log records `start_write` makes of a batch of `mutations`.
pub fn records_of(mutations: usize) -> usize {
    mutations.div_ceil(RECORD_MUTATIONS).max(1)
}

/// Starts writing a batch in ONE readwrite transaction, as log records `seq`, `seq + 1`, ...
/// (`records_of`, each of at most `RECORD_MUTATIONS` mutations): every
/// request is issued before this returns, and the transaction commits only after `after` (the
/// outcome of the transaction started before it, if that one has not finished) committed; if
/// `after` failed, this one aborts. `fail` is a test hook: the requests go out and the transaction
/// is then aborted, which is exactly what a quota failure looks like to the caller.
///
/// `receipts` ride in the same transaction: `(request id, Some(answer))` records that a forwarded
/// write ran (see `sandbox.rs`, `dispatchOnce`), `(id, None)` forgets an old record.
pub fn start_write(
    db: &Database,
    batch: &[Mutation],
    receipts: &[(String, Option<String>)],
    seq: u64,
    after: Option<&JsValue>,
    fail: bool,
) -> Result<Written, IdbError> {
    let tx = begin(db)?;
    let issued = (|| -> Result<web_sys::IdbObjectStore, IdbError> {
        let log = tx.object_store(LOG)?;
        for (i, part) in batch.chunks(RECORD_MUTATIONS).enumerate() {
            let record = crate::log_record::encode(part);
            log.put_with_key(&bytes(&record), &((seq + i as u64) as f64).into())?;
        }
        let meta = tx.object_store(META)?;
        put_receipts(&meta, receipts)?;
        Ok(meta)
    })();
    match issued {
        Ok(meta) => {
            let parts = commit_after(&tx, &meta, after.unwrap_or(&JsValue::NULL), fail);
            Ok(Written::from_parts(&parts))
        }
        Err(e) => {
            // Some requests may have gone out: the transaction must not commit them.
            let _ = tx.abort();
            Err(e)
        }
    }
}

/// The bytes of the log record a compaction is part-way through, kept in memory between its
/// slices (a log record never changes once written, so reading it once is enough), and where
/// the next slice starts in it.
#[derive(Clone)]
pub struct Cursor {
    pub seq: u64,
    bytes: Rc<Vec<u8>>,
    /// How many of its mutations are in the rows, and the byte the next one starts at.
    pub applied: usize,
    at: usize,
}

/// One compaction slice: log records `first..=last`, from mutation `skip` of `first` on (the
/// ones before it are in the rows already). It applies at most `limit` mutations and stops once
/// its work has taken `budget_millis` (checked every few mutations), part-way through a record
/// if need be: a record too big for one slice is compacted over several.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slice {
    pub first: u64,
    pub last: u64,
    pub skip: usize,
    pub limit: usize,
    pub budget_millis: f64,
}

/// What a committed slice did: the last record it finished (in the rows, gone from the log), if
/// any, and where it stopped inside the next one, if it did.
#[derive(Clone, Default)]
pub struct SliceDone {
    pub through: Option<u64>,
    pub cursor: Option<Cursor>,
}

/// Filled in when the slice's requests are issued: at once when it reads nothing (its record is
/// the cached one), else once its read is done.
pub type SliceEnd = Rc<RefCell<Option<SliceDone>>>;

/// How many mutations a slice issues between two looks at the clock.
const BETWEEN_CLOCKS: usize = 16;

/// Starts one compaction slice (see `Slice`): one transaction that applies the slice's
/// mutations to the rows (the same requests a version 1 write made) and, in the same
/// transaction, deletes the records it finished and records in the `compacting` meta row how far
/// into the next one it got, chained like `start_write`. Nothing changes if it fails; a reload at
/// any point finds the rows and the rest of the log, never a mutation lost or applied twice.
/// `cursor` is the record kept from the slice before, if it is `first`: then it is not read again.
pub fn start_compaction(
    db: &Database,
    slice: Slice,
    cursor: Option<Cursor>,
    after: Option<&JsValue>,
) -> Result<(Written, SliceEnd), IdbError> {
    let tx = begin(db)?;
    let cached = cursor.filter(|c| c.seq == slice.first);
    // The records to read: none when the one record of the slice is the cached one.
    let lo = if cached.is_some() {
        slice.first + 1
    } else {
        slice.first
    };
    let end: SliceEnd = Rc::default();
    let out = end.clone();
    let apply_tx = tx.clone();
    let apply = Closure::once_into_js(move |keys: Array, records: Array| -> Option<String> {
        match apply_slice(&apply_tx, slice, cached, &keys, &records) {
            Ok(done) => {
                *out.borrow_mut() = Some(done);
                None
            }
            Err(e) => Some(e.detail),
        }
    });
    let started = (|| -> Result<Array, IdbError> {
        let meta = tx.object_store(META)?;
        let log = tx.object_store(LOG)?;
        Ok(compact_after(
            &tx,
            &meta,
            &log,
            lo as f64,
            slice.last as f64,
            after.unwrap_or(&JsValue::NULL),
            &apply,
        )?)
    })();
    match started {
        Ok(parts) => Ok((Written::from_parts(&parts), end)),
        Err(e) => {
            let _ = tx.abort();
            Err(e)
        }
    }
}

/// Issues a slice's requests in `tx`: `keys` and `records` are the log records read (after the
/// cached one).
fn apply_slice(
    tx: &web_sys::IdbTransaction,
    slice: Slice,
    cached: Option<Cursor>,
    keys: &Array,
    records: &Array,
) -> Result<SliceDone, IdbError> {
    let started = js_sys::Date::now();
    let mut all: Vec<(u64, Rc<Vec<u8>>)> = Vec::new();
    let (mut applied, mut at) = (0, 0);
    if let Some(c) = cached {
        if c.applied <= slice.skip {
            (applied, at) = (c.applied, c.at);
        }
        all.push((c.seq, c.bytes));
    }
    for (key, record) in keys.iter().zip(records.iter()) {
        let seq = key.as_f64().unwrap_or(0.0) as u64;
        all.push((seq, Rc::new(Uint8Array::new(&record).to_vec())));
    }
    let next = |bytes: &[u8], at: &mut usize| {
        crate::log_record::decode_next(bytes, at).map_err(IdbError::new)
    };
    let mut done = SliceDone::default();
    if all.is_empty() {
        // Nothing left of the range (compacted before): only the bookkeeping.
        done.through = Some(slice.last);
    }
    let mut count = 0;
    let spent = || js_sys::Date::now() - started >= slice.budget_millis;
    'records: for (i, (seq, bytes)) in all.iter().enumerate() {
        let (mut n, mut pos) = if i == 0 { (applied, at) } else { (0, 0) };
        while i == 0 && n < slice.skip && next(bytes, &mut pos)?.is_some() {
            n += 1;
        }
        loop {
            let mut batch = Vec::new();
            while batch.len() < BETWEEN_CLOCKS && count + batch.len() < slice.limit {
                match next(bytes, &mut pos)? {
                    Some(m) => batch.push(m),
                    None => break,
                }
            }
            (n, count) = (n + batch.len(), count + batch.len());
            issue(tx, &batch, &[])?;
            if pos >= bytes.len() {
                done.through = Some(*seq);
                break;
            }
            if count >= slice.limit || spent() {
                done.cursor = Some(Cursor {
                    seq: *seq,
                    bytes: bytes.clone(),
                    applied: n,
                    at: pos,
                });
                break 'records;
            }
        }
        if count >= slice.limit || spent() {
            break;
        }
    }
    let meta = tx.object_store(META)?;
    if let Some(through) = done.through {
        let range =
            web_sys::IdbKeyRange::bound(&(slice.first as f64).into(), &(through as f64).into())?;
        tx.object_store(LOG)?.delete(&range)?;
    }
    match &done.cursor {
        Some(c) => meta.put_with_key(
            &Array::of2(&(c.seq as f64).into(), &(c.applied as f64).into()),
            &COMPACTING_ROW.into(),
        )?,
        None => meta.delete(&COMPACTING_ROW.into())?,
    };
    Ok(done)
}

fn begin(db: &Database) -> Result<web_sys::IdbTransaction, IdbError> {
    let names = Array::new();
    for name in STORES {
        names.push(&name.into());
    }
    let db_js: &JsValue = db.as_sys().as_ref();
    Ok(begin_write(db_js, &names)?)
}

/// Issues every request that writes a batch into the rows of `tx`'s stores (a compaction, and
/// every write of format version 1); returns the `meta` store.
fn issue(
    tx: &web_sys::IdbTransaction,
    batch: &[Mutation],
    receipts: &[(String, Option<String>)],
) -> Result<web_sys::IdbObjectStore, IdbError> {
    let store =
        |name: &str| -> Result<web_sys::IdbObjectStore, IdbError> { Ok(tx.object_store(name)?) };
    let (tables, items, streams, records, backups, pitr, changes) = (
        store(TABLES)?,
        store(ITEMS)?,
        store(STREAMS)?,
        store(STREAM_RECORDS)?,
        store(BACKUPS)?,
        store(CONTINUOUS_BACKUPS)?,
        store(CHANGES)?,
    );
    let (replications, stamps, conflicts, meta) = (
        store(REPLICATIONS)?,
        store(REPLICA_STAMPS)?,
        store(CONFLICTS)?,
        store(META)?,
    );
    // A bulk load writes thousands of items of one table: its name crosses into JavaScript once
    // per batch, not once per item.
    let mut table_name: Option<(String, JsValue)> = None;
    let mut item_key = |table: &str, key: &[u8]| -> JsValue {
        let name = match &table_name {
            Some((t, js)) if t == table => js.clone(),
            _ => {
                let js = JsValue::from(table);
                table_name = Some((table.to_string(), js.clone()));
                js
            }
        };
        Array::of2(&name, &bytes(key)).into()
    };
    for m in batch {
        match m {
            Mutation::PutTable { table, definition } => {
                tables.put_with_key(&definition.into(), &table.into())?;
            }
            Mutation::DeleteTable { table } => {
                tables.delete(&table.into())?;
                items.delete(&prefix_range(table)?)?;
                pitr.delete(&table.into())?;
                changes.delete(&prefix_range(table)?)?;
                stamps.delete(&prefix_range(table)?)?;
            }
            Mutation::PutItem { table, key, item } => {
                let row = crate::log_record::encode_item_row(table, key, item);
                items.put_with_key(&bytes(&row), &item_key(table, key))?;
            }
            Mutation::DeleteItem { table, key } => {
                items.delete(&item_key(table, key))?;
            }
            Mutation::PutStream { stream, definition } => {
                streams.put_with_key(&definition.into(), &stream.into())?;
            }
            Mutation::DeleteStream { stream } => {
                streams.delete(&stream.into())?;
                records.delete(&prefix_range(stream)?)?;
            }
            Mutation::PutStreamRecord {
                stream,
                sequence,
                record,
            } => {
                records.put_with_key(&record.into(), &pair(stream, &sequence.into()))?;
            }
            Mutation::TrimStreamRecords { stream, through } => {
                records.delete(&prefix_through(stream, &through.into(), false)?)?;
            }
            Mutation::PutBackup { arn, backup } => {
                backups.put_with_key(&backup.into(), &arn.into())?;
            }
            Mutation::DeleteBackup { arn } => {
                backups.delete(&arn.into())?;
            }
            Mutation::PutContinuousBackups { table, settings } => {
                pitr.put_with_key(&settings.into(), &table.into())?;
            }
            Mutation::DeleteContinuousBackups { table } => {
                pitr.delete(&table.into())?;
            }
            Mutation::PutChange { table, seq, change } => {
                changes.put_with_key(&change.into(), &pair(table, &(*seq as f64).into()))?;
            }
            Mutation::TrimChanges { table, below_seq } => {
                changes.delete(&prefix_through(table, &(*below_seq as f64).into(), true)?)?;
            }
            Mutation::PutReplication { seq, replication } => {
                replications.put_with_key(&replication.into(), &(*seq as f64).into())?;
            }
            Mutation::DeleteReplication { seq } => {
                replications.delete(&(*seq as f64).into())?;
            }
            Mutation::PutReplicaStamp { table, key, stamp } => {
                stamps.put_with_key(&stamp.into(), &pair(table, &bytes(key)))?;
            }
            Mutation::PutConflict { seq, conflict } => {
                conflicts.put_with_key(&conflict.into(), &(*seq as f64).into())?;
            }
            Mutation::TrimConflicts { below_seq } => {
                let below =
                    web_sys::IdbKeyRange::upper_bound_with_open(&(*below_seq as f64).into(), true)?;
                conflicts.delete(&below)?;
            }
            Mutation::PutGlobalTables { settings } => {
                meta.put_with_key(&settings.into(), &GLOBAL_TABLES_ROW.into())?;
            }
        }
    }
    put_receipts(&meta, receipts)?;
    Ok(meta)
}

/// The `meta` key prefix of a forwarded write's receipt: `request:<id>` → its answer.
pub const RECEIPT_PREFIX: &str = "request:";

fn receipt_key(id: &str) -> JsValue {
    JsValue::from(format!("{RECEIPT_PREFIX}{id}"))
}

fn put_receipts(
    meta: &web_sys::IdbObjectStore,
    receipts: &[(String, Option<String>)],
) -> Result<(), IdbError> {
    for (id, answer) in receipts {
        match answer {
            Some(answer) => meta.put_with_key(&answer.into(), &receipt_key(id))?,
            None => meta.delete(&receipt_key(id))?,
        };
    }
    Ok(())
}

/// Every stored receipt, as (request id, answer).
pub async fn load_receipts(db: &Database) -> Result<Vec<(String, String)>, IdbError> {
    let tx = db.transaction(META).build()?;
    let meta = tx.object_store(META)?;
    // Every receipt key starts with the prefix; `\u{10FFFF}` sorts after any id character.
    let range = web_sys::IdbKeyRange::bound(
        &RECEIPT_PREFIX.into(),
        &format!("{RECEIPT_PREFIX}\u{10FFFF}").into(),
    )?;
    let keys = meta.as_sys().get_all_keys_with_key(&range)?;
    let values = meta.as_sys().get_all_with_key(&range)?;
    let keys: Array = request(keys).await?.unchecked_into();
    let values: Array = request(values).await?.unchecked_into();
    let mut out = Vec::new();
    for (key, value) in keys.iter().zip(values.iter()) {
        if let (Some(key), Some(value)) = (key.as_string(), value.as_string()) {
            if let Some(id) = key.strip_prefix(RECEIPT_PREFIX) {
                out.push((id.to_string(), value));
            }
        }
    }
    Ok(out)
}

/// The `meta` key of the engine's throughput state (`Engine::meters`): per-minute metrics,
/// hottest keys, partitions and token buckets, which DynamoDB keeps on its side and a reload must
/// not reset. Saved now and then by `Sandbox::saveMeters`, not with every write.
pub const METERS: &str = "meters";

/// The saved throughput state, if any.
pub async fn load_meters(db: &Database) -> Result<Option<String>, IdbError> {
    let tx = db.transaction(META).build()?;
    let meta = tx.object_store(META)?;
    let value = request(meta.as_sys().get(&METERS.into())?).await?;
    Ok(value.as_string())
}

/// Saves the throughput state on its own, in one small transaction.
pub async fn write_meters(db: &Database, text: &str) -> Result<(), IdbError> {
    let tx = db
        .transaction(META)
        .with_mode(TransactionMode::Readwrite)
        .build()?;
    tx.object_store(META)?
        .as_sys()
        .put_with_key(&text.into(), &METERS.into())?;
    tx.commit().await?;
    Ok(())
}

/// Saves the clock offset (the learner's moves of the clock) on its own, with the receipt of a
/// forwarded `advanceClock` when there is one.
pub async fn write_clock_offset(
    db: &Database,
    offset: i64,
    receipts: &[(String, Option<String>)],
) -> Result<(), IdbError> {
    let tx = db
        .transaction(META)
        .with_mode(TransactionMode::Readwrite)
        .build()?;
    let meta = tx.object_store(META)?.as_sys().clone();
    meta.put_with_key(&(offset as f64).into(), &"clockOffset".into())?;
    put_receipts(&meta, receipts)?;
    tx.commit().await?;
    Ok(())
}

/// Every row of `stores`, as (store, keys, values), read in one transaction; the stores in
/// `values_only` without their keys (an empty key list).
async fn read_all(
    db: &Database,
    stores: &[&'static str],
    values_only: &[&str],
) -> Result<Vec<(&'static str, Array, Array)>, IdbError> {
    let tx = db.transaction(stores).build()?;
    let mut pending = Vec::new();
    // Issue every request before awaiting any, so the transaction stays active throughout.
    for &name in stores {
        let store = tx.object_store(name)?;
        let keys = if values_only.contains(&name) {
            None
        } else {
            Some(store.as_sys().get_all_keys()?)
        };
        let values = store.as_sys().get_all()?;
        pending.push((name, keys, values));
    }
    let mut out = Vec::new();
    for (name, keys, values) in pending {
        let keys: Array = match keys {
            Some(keys) => request(keys).await?.unchecked_into(),
            None => Array::new(),
        };
        let values: Array = request(values).await?.unchecked_into();
        out.push((name, keys, values));
    }
    Ok(out)
}

/// Loads `items` rows one by one, with their keys: the way for a store that holds text rows
/// (format 3 and older) beside binary ones.
fn load_items(snapshot: &mut Snapshot, keys: &Array, values: &Array) -> Result<(), IdbError> {
    for (key, value) in keys.iter().zip(values.iter()) {
        if value.is_string() {
            let encoded = Uint8Array::new(&key_part(&key, 1)).to_vec();
            snapshot
                .items
                .entry(text(&key_part(&key, 0))?)
                .or_default()
                .insert(encoded, text(&value)?);
        } else {
            load_item_rows(snapshot, &Uint8Array::new(&value).to_vec())?;
        }
    }
    Ok(())
}

/// Binary `items` rows, one after another.
fn load_item_rows(snapshot: &mut Snapshot, rows: &[u8]) -> Result<(), IdbError> {
    let mut at = 0;
    while let Some(m) = crate::log_record::decode_next(rows, &mut at).map_err(IdbError::new)? {
        let Mutation::PutItem { table, key, item } = m else {
            return Err(IdbError::new(
                "an items row is not an item: the sandbox is damaged",
            ));
        };
        snapshot.items.entry(table).or_default().insert(key, item);
    }
    Ok(())
}

fn text(v: &JsValue) -> Result<String, IdbError> {
    v.as_string()
        .ok_or_else(|| IdbError::new("a stored row is not text: the sandbox is damaged"))
}

fn key_part(key: &JsValue, i: u32) -> JsValue {
    Array::from(key).get(i)
}

/// A log record not yet compacted: its write number, how many mutations it holds, and how many
/// of them (the first ones) a compaction slice has already put in the rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogEntry {
    pub seq: u64,
    pub mutations: usize,
    pub applied: usize,
}

/// What a sandbox's database holds: the state (rows with the log replayed over them), the saved
/// clock offset, and the log records still to compact, oldest first.
pub struct Loaded {
    pub snapshot: Snapshot,
    pub offset: i64,
    pub log: Vec<LogEntry>,
}

/// Everything stored, as the engine loads it.
pub async fn load(db: &Database) -> Result<Loaded, IdbError> {
    let mut snapshot = Snapshot::default();
    let mut offset = 0;
    let mut log = Vec::new();
    // The log record a compaction is part-way through, and how many of its mutations it applied.
    let mut compacting: Option<(u64, usize)> = None;
    let mut stores = read_all(db, &STORES, &[ITEMS]).await?;
    // Binary `items` rows (format 4) need no key: packed into one buffer, copied into wasm once
    // and decoded like a log record, instead of a crossing into JavaScript per row's key and text.
    let mut packed_items = None;
    if let Some(i) = stores.iter().position(|(name, _, _)| *name == ITEMS) {
        let packed = pack_rows(&stores[i].2);
        if packed.get(1).as_f64().unwrap_or(0.0) > 0.0 {
            // Text rows of an older format: read again with their keys (nothing else writes
            // while a sandbox loads, so the two reads see the same rows).
            if let Some(again) = read_all(db, &[ITEMS], &[]).await?.pop() {
                stores[i] = again;
            }
        } else {
            packed_items = Some(Uint8Array::new(&packed.get(0)));
        }
    }
    for (name, keys, values) in stores {
        if name == ITEMS {
            match packed_items.take() {
                Some(rows) => load_item_rows(&mut snapshot, &rows.to_vec())?,
                None => load_items(&mut snapshot, &keys, &values)?,
            }
            continue;
        }
        for (key, value) in keys.iter().zip(values.iter()) {
            match name {
                META if key.as_string().as_deref() == Some("clockOffset") => {
                    offset = value.as_f64().unwrap_or(0.0) as i64;
                }
                META if key.as_string().as_deref() == Some(COMPACTING_ROW) => {
                    let at = Array::from(&value);
                    if let (Some(seq), Some(n)) = (at.get(0).as_f64(), at.get(1).as_f64()) {
                        compacting = Some((seq as u64, n as usize));
                    }
                }
                META if key.as_string().as_deref() == Some(GLOBAL_TABLES_ROW) => {
                    snapshot.global_tables = Some(text(&value)?);
                }
                TABLES => {
                    snapshot.tables.insert(text(&key)?, text(&value)?);
                }
                STREAMS => {
                    snapshot.streams.insert(text(&key)?, text(&value)?);
                }
                STREAM_RECORDS => {
                    snapshot
                        .stream_records
                        .entry(text(&key_part(&key, 0))?)
                        .or_default()
                        .insert(text(&key_part(&key, 1))?, text(&value)?);
                }
                BACKUPS => {
                    snapshot.backups.insert(text(&key)?, text(&value)?);
                }
                CONTINUOUS_BACKUPS => {
                    snapshot
                        .continuous_backups
                        .insert(text(&key)?, text(&value)?);
                }
                CHANGES => {
                    let seq = key_part(&key, 1).as_f64().unwrap_or(0.0) as u64;
                    snapshot
                        .changes
                        .entry(text(&key_part(&key, 0))?)
                        .or_default()
                        .insert(seq, text(&value)?);
                }
                REPLICATIONS => {
                    let seq = key.as_f64().unwrap_or(0.0) as u64;
                    snapshot.replications.insert(seq, text(&value)?);
                }
                REPLICA_STAMPS => {
                    let encoded = Uint8Array::new(&key_part(&key, 1)).to_vec();
                    snapshot
                        .replica_stamps
                        .entry(text(&key_part(&key, 0))?)
                        .or_default()
                        .insert(encoded, text(&value)?);
                }
                CONFLICTS => {
                    let seq = key.as_f64().unwrap_or(0.0) as u64;
                    snapshot.conflicts.insert(seq, text(&value)?);
                }
                // Last in STORES, so every row is loaded before the log is replayed over them,
                // in write order (getAll returns records by key).
                // The mutations a compaction slice already put in the rows are not replayed.
                LOG => {
                    let batch = crate::log_record::decode(&Uint8Array::new(&value).to_vec())
                        .map_err(IdbError::new)?;
                    let seq = key.as_f64().unwrap_or(0.0) as u64;
                    let applied = match compacting {
                        Some((at, n)) if at == seq => n.min(batch.len()),
                        _ => 0,
                    };
                    for m in &batch[applied..] {
                        snapshot.apply(m);
                    }
                    log.push(LogEntry {
                        seq,
                        mutations: batch.len(),
                        applied,
                    });
                }
                _ => {}
            }
        }
    }
    Ok(Loaded {
        snapshot,
        offset,
        log,
    })
}

/// Replaces everything stored with `snapshot` (importSandbox), in one transaction, with the
/// receipt of a forwarded import when there is one (`meta`, and so receipts, are kept).
pub async fn replace(
    db: &Database,
    snapshot: &Snapshot,
    offset: i64,
    receipts: &[(String, Option<String>)],
) -> Result<(), IdbError> {
    let tx = db
        .transaction(STORES)
        .with_mode(TransactionMode::Readwrite)
        .build()?;
    for name in STORES {
        if name != META {
            tx.object_store(name)?.as_sys().clear()?;
        }
    }
    let store = |name: &str| -> Result<web_sys::IdbObjectStore, IdbError> {
        Ok(tx.object_store(name)?.as_sys().clone())
    };
    let meta = store(META)?;
    meta.put_with_key(&(offset as f64).into(), &"clockOffset".into())?;
    match &snapshot.global_tables {
        Some(settings) => meta.put_with_key(&settings.into(), &GLOBAL_TABLES_ROW.into())?,
        None => meta.delete(&GLOBAL_TABLES_ROW.into())?,
    };
    // The imported sandbox's tables start with fresh meters; its log is empty.
    meta.delete(&METERS.into())?;
    meta.delete(&COMPACTING_ROW.into())?;
    put_receipts(&meta, receipts)?;
    let put_all = |name: &str, rows: &BTreeMap<String, String>| -> Result<(), IdbError> {
        let s = store(name)?;
        for (k, v) in rows {
            s.put_with_key(&v.into(), &k.into())?;
        }
        Ok(())
    };
    put_all(TABLES, &snapshot.tables)?;
    put_all(STREAMS, &snapshot.streams)?;
    put_all(BACKUPS, &snapshot.backups)?;
    put_all(CONTINUOUS_BACKUPS, &snapshot.continuous_backups)?;
    let items = store(ITEMS)?;
    for (table, rows) in &snapshot.items {
        let name = JsValue::from(table);
        for (k, v) in rows {
            let row = crate::log_record::encode_item_row(table, k, v);
            items.put_with_key(&bytes(&row), &Array::of2(&name, &bytes(k)))?;
        }
    }
    let records = store(STREAM_RECORDS)?;
    for (stream, rows) in &snapshot.stream_records {
        for (k, v) in rows {
            records.put_with_key(&v.into(), &pair(stream, &k.into()))?;
        }
    }
    let changes = store(CHANGES)?;
    for (table, rows) in &snapshot.changes {
        for (k, v) in rows {
            changes.put_with_key(&v.into(), &pair(table, &(*k as f64).into()))?;
        }
    }
    let numbered = |name: &str, rows: &BTreeMap<u64, String>| -> Result<(), IdbError> {
        let s = store(name)?;
        for (k, v) in rows {
            s.put_with_key(&v.into(), &(*k as f64).into())?;
        }
        Ok(())
    };
    numbered(REPLICATIONS, &snapshot.replications)?;
    numbered(CONFLICTS, &snapshot.conflicts)?;
    let stamps = store(REPLICA_STAMPS)?;
    for (table, rows) in &snapshot.replica_stamps {
        for (k, v) in rows {
            stamps.put_with_key(&v.into(), &pair(table, &bytes(k)))?;
        }
    }
    tx.commit().await?;
    Ok(())
}

// A raw dump of the stores, for the format fixtures: keys as JSON, where a binary key part (and a
// binary value: a log record) is `{"hex": "..."}`. It records exactly what a given format version left in IndexedDB, so a later
// version's test can put those rows back and open them.

fn key_to_json(key: &JsValue) -> serde_json::Value {
    if let Some(s) = key.as_string() {
        serde_json::Value::String(s)
    } else if let Some(n) = key.as_f64() {
        serde_json::json!(n)
    } else if Array::is_array(key) {
        serde_json::Value::Array(Array::from(key).iter().map(|k| key_to_json(&k)).collect())
    } else {
        let hex: String = Uint8Array::new(key)
            .to_vec()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        serde_json::json!({ "hex": hex })
    }
}

fn key_from_json(key: &serde_json::Value) -> Result<JsValue, IdbError> {
    Ok(match key {
        serde_json::Value::String(s) => s.into(),
        serde_json::Value::Number(n) => n.as_f64().unwrap_or(0.0).into(),
        serde_json::Value::Array(parts) => {
            let array = Array::new();
            for p in parts {
                array.push(&key_from_json(p)?);
            }
            array.into()
        }
        serde_json::Value::Object(o) => {
            let hex = o.get("hex").and_then(|h| h.as_str()).unwrap_or_default();
            let decoded = crate::sandbox::from_hex(hex)
                .ok_or_else(|| IdbError::new("a dumped binary key is not hex"))?;
            bytes(&decoded)
        }
        _ => return Err(IdbError::new("a dumped key has an unsupported type")),
    })
}

/// `{"format": N, "stores": {store: [[key, value], ...]}}` of everything in `db`.
pub async fn dump_raw(db: &Database) -> Result<serde_json::Value, IdbError> {
    let mut stores = serde_json::Map::new();
    for (name, keys, values) in read_all(db, &STORES, &[]).await? {
        let rows = keys
            .iter()
            .zip(values.iter())
            .map(|(k, v)| {
                let value = match (v.as_string(), v.as_f64()) {
                    (Some(s), _) => serde_json::Value::String(s),
                    (None, Some(n)) => serde_json::json!(n),
                    // A log record (an ArrayBuffer), written like a binary key.
                    (None, None) => key_to_json(&v),
                };
                serde_json::json!([key_to_json(&k), value])
            })
            .collect();
        stores.insert(name.to_string(), serde_json::Value::Array(rows));
    }
    Ok(serde_json::json!({ "format": FORMAT_VERSION, "stores": stores }))
}

/// Creates the database `sandbox` at the dump's schema and writes its rows as they were, without
/// going through the current code's writers: how the backward-compatibility test plants old data.
pub async fn import_raw(sandbox: &str, dump: &str) -> Result<(), IdbError> {
    let dump: serde_json::Value =
        serde_json::from_str(dump).map_err(|e| IdbError::new(format!("bad dump: {e}")))?;
    // An old format's dump goes into that format's schema, so opening it runs the real upgrade; a
    // dump claiming a newer format goes into the current schema (only its `meta` says newer).
    let format = dump
        .get("format")
        .and_then(|f| f.as_u64())
        .and_then(|f| u32::try_from(f).ok())
        .filter(|f| (1..FORMAT_VERSION).contains(f));
    let (db, names): (Database, Vec<&str>) = match format {
        Some(1) => (open_at(sandbox, 1).await?, STORES_V1.to_vec()),
        Some(2) => {
            let mut names = STORES_V1.to_vec();
            names.extend(STORES_V2);
            (open_at(sandbox, 2).await?, names)
        }
        Some(3) => (open_at(sandbox, 3).await?, STORES.to_vec()),
        _ => (open(sandbox).await?, STORES.to_vec()),
    };
    let tx = db
        .transaction(names.as_slice())
        .with_mode(TransactionMode::Readwrite)
        .build()?;
    if let Some(stores) = dump.get("stores").and_then(|s| s.as_object()) {
        for (name, rows) in stores {
            let store = tx.object_store(name)?;
            for row in rows.as_array().into_iter().flatten() {
                let key = key_from_json(&row[0])?;
                let value = if row[1].is_object() {
                    key_from_json(&row[1])?
                } else {
                    JSON::parse(&row[1].to_string())?
                };
                store.as_sys().put_with_key(&value, &key)?;
            }
        }
    }
    tx.commit().await?;
    db.close();
    Ok(())
}
