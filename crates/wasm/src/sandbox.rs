//! A persisted sandbox for JavaScript: the engine over IndexedDB (or memory), with a group commit
//! that answers a write only once it is durable.
//!
//! The engine's `Storage` is synchronous and IndexedDB is not, so the engine is given a
//! `QueueStorage` whose `commit` only queues the batch (the engine applies it to memory at once).
//! Every async call then waits for a *barrier*: the queued mutations are written by a single
//! flusher, all that have queued up since its last write going into ONE IndexedDB transaction, and
//! every request that contributed (or read what they wrote) resolves when that transaction commits.
//! If it fails, those requests and every later one already answered in memory get an
//! InternalServerError, and the engine is reopened from IndexedDB, so memory again equals what is
//! durable. Requests arriving during the reopen wait for it.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::rc::Rc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use dynaplay_engine::storage::{Snapshot, StorageError};
use dynaplay_engine::{
    Clock, Engine, EngineConfig, MemoryStorage, Mutation, NullStorage, Response, Storage,
};
use indexed_db_futures::database::Database;
use js_sys::{Function, JsString, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::{call_time, idb};

/// The sandbox export's format name and version (`exportSandbox` / `importSandbox`).
pub const EXPORT_FORMAT: &str = "dynaplay-sandbox";
pub const EXPORT_VERSION: u32 = 1;

/// `Date.now()` (once per call: `call_time`) plus an offset the learner moves with `advanceClock`.
struct OffsetClock(Arc<AtomicI64>);

impl Clock for OffsetClock {
    fn now_millis(&self) -> i64 {
        call_time::now().saturating_add(self.0.load(Ordering::SeqCst))
    }
}

/// What the engine's storage shares with the sandbox: mutations not yet written, and the
/// snapshot the next `Engine::open` loads.
#[derive(Default)]
struct Queue {
    pending: Vec<Mutation>,
    /// Receipts of forwarded writes (`dispatchOnce`) to store with `pending`: (id, Some(answer)),
    /// or (id, None) to forget an old one.
    receipts: Vec<(String, Option<String>)>,
    initial: Snapshot,
}

/// How many receipts of forwarded writes a sandbox keeps: enough to cover every write in flight
/// during a hand-over between tabs, which is all they are for.
const RECEIPTS_KEPT: usize = 256;

/// A response as a receipt stores it.
fn receipt_text(response: &Response) -> String {
    serde_json::json!([response.status, response.body]).to_string()
}

fn receipt_response(text: &str) -> Option<Response> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    Some(Response {
        status: u16::try_from(value.get(0)?.as_u64()?).ok()?,
        body: value.get(1)?.as_str()?.to_string(),
    })
}

/// The engine's `Storage`: `commit` queues; durability is the flusher's job.
struct QueueStorage(Arc<Mutex<Queue>>);

impl Storage for QueueStorage {
    fn load(&self) -> Result<Snapshot, StorageError> {
        let mut queue = self
            .0
            .lock()
            .map_err(|_| StorageError("storage queue poisoned".into()))?;
        Ok(std::mem::take(&mut queue.initial))
    }

    fn commit(&mut self, batch: &[Mutation]) -> Result<(), StorageError> {
        self.0
            .lock()
            .map_err(|_| StorageError("storage queue poisoned".into()))?
            .pending
            .extend_from_slice(batch);
        Ok(())
    }
}

/// Where durable data lives.
enum Backend {
    IndexedDb(Database),
    /// Memory only; kept as a `MemoryStorage` mirror so export works the same way.
    Memory(Rc<RefCell<MemoryStorage>>),
}

impl Clone for Backend {
    fn clone(&self) -> Self {
        match self {
            Backend::IndexedDb(db) => Backend::IndexedDb(db.clone()),
            Backend::Memory(m) => Backend::Memory(m.clone()),
        }
    }
}

impl Backend {
    async fn write(
        &self,
        batch: &[Mutation],
        receipts: &[(String, Option<String>)],
        fail: bool,
    ) -> Result<(), idb::IdbError> {
        match self {
            Backend::IndexedDb(db) => idb::write(db, batch, receipts, fail).await,
            Backend::Memory(m) => {
                if fail {
                    m.borrow_mut().fail_next_commit();
                }
                m.borrow_mut().commit(batch).map_err(|e| idb::IdbError {
                    quota: true,
                    detail: e.0,
                })
            }
        }
    }

    async fn load(&self) -> Result<(Snapshot, i64), idb::IdbError> {
        match self {
            Backend::IndexedDb(db) => idb::load(db).await,
            Backend::Memory(m) => m
                .borrow()
                .load()
                .map(|s| (s, 0))
                .map_err(|e| idb::IdbError {
                    quota: false,
                    detail: e.0,
                }),
        }
    }
}

/// A promise with its resolve and reject functions: the moment a batch is durable (or failed).
#[derive(Clone)]
struct Barrier {
    promise: Promise,
    resolve: Function,
    reject: Function,
}

impl Barrier {
    fn new() -> Barrier {
        let mut functions = None;
        let promise = Promise::new(&mut |resolve, reject| functions = Some((resolve, reject)));
        // The executor runs synchronously inside `new Promise`, so both are always set.
        let (resolve, reject) =
            functions.unwrap_or_else(|| (Function::new_no_args(""), Function::new_no_args("")));
        Barrier {
            promise,
            resolve,
            reject,
        }
    }

    fn resolve(&self) {
        let _ = self.resolve.call0(&JsValue::NULL);
    }

    fn reject(&self, message: &str) {
        let _ = self.reject.call1(&JsValue::NULL, &message.into());
    }
}

struct State {
    /// None only while the engine is being reopened (or could not be).
    engine: Option<Engine>,
    queue: Arc<Mutex<Queue>>,
    offset: Arc<AtomicI64>,
    backend: Backend,
    /// The batch being filled: resolves when the mutations queued so far are durable.
    open_batch: Option<Barrier>,
    /// The batch being written.
    in_flight: Option<Barrier>,
    flushing: bool,
    reopening: Option<Barrier>,
    /// Test hook: the next flush is made to fail.
    fail_next: bool,
    /// Why the engine could not be reopened, if it could not.
    broken: Option<String>,
    config: EngineConfig,
    /// Answers of the forwarded writes stored as receipts, by request id, oldest first in `order`.
    answered: HashMap<String, Response>,
    answered_order: VecDeque<String>,
}

/// A DynamoDB sandbox in the page; JavaScript reaches it through `crates/wasm/js/dynaplay.js`.
#[wasm_bindgen]
pub struct Sandbox {
    state: Rc<RefCell<State>>,
    persistence: String,
    reason: Option<String>,
}

fn engine_over(
    config: &EngineConfig,
    queue: &Arc<Mutex<Queue>>,
    offset: &Arc<AtomicI64>,
) -> Result<Engine, String> {
    Engine::open(
        config.clone(),
        Box::new(OffsetClock(offset.clone())),
        Box::new(QueueStorage(queue.clone())),
    )
    .map_err(|e| format!("the stored sandbox cannot be read: {e}"))
}

fn internal_error(message: &str) -> Response {
    let body = serde_json::json!({
        "__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
        "message": message,
    });
    Response {
        status: 500,
        body: body.to_string(),
    }
}

fn storage_message(e: &idb::IdbError) -> String {
    if e.quota {
        format!(
            "Internal server error: the browser's storage is full, so this request was not saved ({e})"
        )
    } else {
        format!("Internal server error: the browser's storage failed, so this request was not saved ({e})")
    }
}

fn js_error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

pub fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Sandbox {
    async fn open_with(
        backend: Backend,
        config: EngineConfig,
        persistence: &str,
        reason: Option<String>,
    ) -> Result<Sandbox, JsValue> {
        let (snapshot, offset_millis) = backend
            .load()
            .await
            .map_err(|e| js_error(&format!("cannot load the sandbox: {e}")))?;
        let queue = Arc::new(Mutex::new(Queue {
            pending: Vec::new(),
            receipts: Vec::new(),
            initial: snapshot,
        }));
        let offset = Arc::new(AtomicI64::new(offset_millis));
        let engine = engine_over(&config, &queue, &offset).map_err(|e| js_error(&e))?;
        let mut answered = HashMap::new();
        let mut answered_order = VecDeque::new();
        if let Backend::IndexedDb(db) = &backend {
            let receipts = idb::load_receipts(db)
                .await
                .map_err(|e| js_error(&format!("cannot load the sandbox: {e}")))?;
            for (id, text) in receipts {
                if let Some(response) = receipt_response(&text) {
                    answered.insert(id.clone(), response);
                    answered_order.push_back(id);
                }
            }
        }
        Ok(Sandbox {
            state: Rc::new(RefCell::new(State {
                engine: Some(engine),
                queue,
                offset,
                backend,
                open_batch: None,
                in_flight: None,
                flushing: false,
                reopening: None,
                fail_next: false,
                broken: None,
                config,
                answered,
                answered_order,
            })),
            persistence: persistence.to_string(),
            reason,
        })
    }

    /// Waits until no reopen is under way.
    async fn ready(state: &Rc<RefCell<State>>) {
        loop {
            let waiting = state.borrow().reopening.as_ref().map(|b| b.promise.clone());
            match waiting {
                Some(p) => {
                    let _ = JsFuture::from(p).await;
                }
                None => return,
            }
        }
    }

    /// Runs `work` on the engine, then waits for what it (and anything it may have read) needs
    /// to be durable. A storage failure turns the answer into InternalServerError.
    async fn run<T>(
        state: &Rc<RefCell<State>>,
        work: impl FnOnce(&mut Engine) -> T,
    ) -> Result<T, String> {
        Self::ready(state).await;
        let barrier = {
            let mut s = state.borrow_mut();
            if let Some(broken) = &s.broken {
                return Err(broken.clone());
            }
            let Some(engine) = s.engine.as_mut() else {
                return Err("Internal server error: the sandbox is not open".into());
            };
            let out = work(engine);
            let wrote = s
                .queue
                .lock()
                .map(|q| !q.pending.is_empty())
                .unwrap_or(true);
            // A memory sandbox's write is durable once its mirror has it, which needs no waiting:
            // with no flush under way (so nothing queued ahead of it) it is mirrored here and
            // answered at once, without a barrier. A failure falls through to the flusher's path.
            if wrote && !s.flushing && !s.fail_next {
                if let Backend::Memory(mirror) = s.backend.clone() {
                    if let Ok(mut q) = s.queue.lock() {
                        let batch = std::mem::take(&mut q.pending);
                        match mirror.borrow_mut().commit(&batch) {
                            Ok(()) => return Ok(out),
                            Err(_) => q.pending = batch,
                        }
                    }
                }
            }
            let barrier = if wrote || s.open_batch.is_some() {
                Some(
                    s.open_batch
                        .get_or_insert_with(Barrier::new)
                        .promise
                        .clone(),
                )
            } else {
                // A read of data still being written waits for it.
                s.in_flight.as_ref().map(|b| b.promise.clone())
            };
            let start = wrote && !s.flushing;
            if start {
                s.flushing = true;
            }
            drop(s);
            if start {
                wasm_bindgen_futures::spawn_local(Self::flush(state.clone()));
            }
            (barrier, out)
        };
        let (barrier, out) = barrier;
        if let Some(p) = barrier {
            if let Err(e) = JsFuture::from(p).await {
                return Err(e.as_string().unwrap_or_else(|| "storage failed".into()));
            }
        }
        Ok(out)
    }

    /// The single flusher: writes everything queued in one transaction per round.
    async fn flush(state: Rc<RefCell<State>>) {
        loop {
            let (batch, receipts, barrier, backend, fail) = {
                let mut s = state.borrow_mut();
                let (batch, receipts) = s
                    .queue
                    .lock()
                    .map(|mut q| {
                        let pending = std::mem::take(&mut q.pending);
                        // Receipts only travel with writes (a lone "forget" waits for the next).
                        let receipts = if pending.is_empty() {
                            Vec::new()
                        } else {
                            std::mem::take(&mut q.receipts)
                        };
                        (pending, receipts)
                    })
                    .unwrap_or_default();
                let barrier = s.open_batch.take();
                if batch.is_empty() {
                    s.flushing = false;
                    s.in_flight = None;
                    drop(s);
                    if let Some(b) = barrier {
                        b.resolve();
                    }
                    return;
                }
                s.in_flight = barrier.clone();
                let fail = std::mem::take(&mut s.fail_next);
                (batch, receipts, barrier, s.backend.clone(), fail)
            };
            let result = backend.write(&batch, &receipts, fail).await;
            match result {
                Ok(()) => {
                    state.borrow_mut().in_flight = None;
                    if let Some(b) = barrier {
                        b.resolve();
                    }
                }
                Err(e) => {
                    // The failed batch's receipts were not stored: those writes never happened.
                    {
                        let mut s = state.borrow_mut();
                        for (id, answer) in &receipts {
                            if answer.is_some() {
                                s.answered.remove(id);
                            }
                        }
                    }
                    let message = storage_message(&e);
                    Self::reopen(&state, &backend, barrier, &message).await;
                    return;
                }
            }
        }
    }

    /// After a failed write: every answer not yet durable fails, and the engine is rebuilt from
    /// what the backend holds.
    async fn reopen(
        state: &Rc<RefCell<State>>,
        backend: &Backend,
        failed: Option<Barrier>,
        message: &str,
    ) {
        let reopening = Barrier::new();
        let later = {
            let mut s = state.borrow_mut();
            s.reopening = Some(reopening.clone());
            s.engine = None;
            s.in_flight = None;
            let dropped = s
                .queue
                .lock()
                .map(|mut q| {
                    q.pending.clear();
                    std::mem::take(&mut q.receipts)
                })
                .unwrap_or_default();
            for (id, answer) in dropped {
                if answer.is_some() {
                    s.answered.remove(&id);
                }
            }
            s.open_batch.take()
        };
        for b in failed.iter().chain(later.iter()) {
            b.reject(message);
        }
        let loaded = backend.load().await;
        let mut s = state.borrow_mut();
        match loaded {
            Ok((snapshot, offset)) => {
                if let Ok(mut q) = s.queue.lock() {
                    q.initial = snapshot;
                    q.pending.clear();
                }
                s.offset.store(offset, Ordering::SeqCst);
                let (queue, offset) = (s.queue.clone(), s.offset.clone());
                match engine_over(&s.config, &queue, &offset) {
                    Ok(engine) => s.engine = Some(engine),
                    Err(e) => s.broken = Some(format!("Internal server error: {e}")),
                }
            }
            Err(e) => s.broken = Some(storage_message(&e)),
        }
        s.flushing = false;
        s.reopening = None;
        drop(s);
        reopening.resolve();
    }

    /// Lets every answer already given become durable; then stores `snapshot` in place of
    /// everything and reopens the engine over it.
    async fn replace_all(
        state: &Rc<RefCell<State>>,
        snapshot: Snapshot,
        offset: i64,
    ) -> Result<(), JsValue> {
        loop {
            let waiting = {
                let s = state.borrow();
                s.open_batch
                    .as_ref()
                    .or(s.in_flight.as_ref())
                    .map(|b| b.promise.clone())
            };
            match waiting {
                Some(p) => {
                    let _ = JsFuture::from(p).await;
                }
                None => break,
            }
        }
        let backend = state.borrow().backend.clone();
        match &backend {
            Backend::IndexedDb(db) => idb::replace(db, &snapshot, offset)
                .await
                .map_err(|e| reject(storage_message(&e)))?,
            Backend::Memory(m) => {
                let mut fresh = MemoryStorage::new();
                fresh
                    .commit(&snapshot_mutations(&snapshot))
                    .map_err(|e| js_error(&e.0))?;
                *m.borrow_mut() = fresh;
            }
        }
        let mut s = state.borrow_mut();
        if let Ok(mut q) = s.queue.lock() {
            q.initial = snapshot;
            q.pending.clear();
        }
        s.offset.store(offset, Ordering::SeqCst);
        let (queue, offset) = (s.queue.clone(), s.offset.clone());
        s.engine = Some(engine_over(&s.config, &queue, &offset).map_err(reject)?);
        s.broken = None;
        Ok(())
    }

    /// Waits until everything answered so far is durable.
    async fn settle(state: &Rc<RefCell<State>>) -> Result<(), String> {
        Self::run(state, |_| ()).await
    }
}

// Two crossings made cheaper, both seen in the calls/s profile. `response_of` builds
// `{status, body}` in one call (from Rust it takes an `Object::new` and two `Reflect::set`s).
// `encode_into` writes a request body's UTF-8 straight into wasm memory with the browser's
// `TextEncoder.encodeInto`: wasm-bindgen's own `&str` glue copies an ASCII string one character at
// a time in JavaScript, which cost about a fifth of a 1 KB PutItem call.
#[wasm_bindgen(inline_js = "
export function response_of(status, body) { return { status, body }; }
const encoder = new TextEncoder();
export function encode_into(text, memory, ptr, capacity) {
  const done = encoder.encodeInto(text, new Uint8Array(memory.buffer, ptr, capacity));
  return done.read === text.length ? done.written : -1;
}
")]
extern "C" {
    fn response_of(status: u16, body: &str) -> JsValue;
    fn encode_into(text: &JsString, memory: &JsValue, ptr: *mut u8, capacity: usize) -> f64;
}

/// A JavaScript string as Rust text, encoded by the browser (see `encode_into`).
fn text_of(text: &JsString) -> String {
    let units = text.length() as usize;
    // First as if ASCII (one byte per UTF-16 code unit, as request JSON nearly always is); if it
    // did not fit, again with room for the worst case, 3 bytes per unit.
    for capacity in [units, units.saturating_mul(3)] {
        let mut bytes = vec![0u8; capacity];
        let written = encode_into(text, &wasm_bindgen::memory(), bytes.as_mut_ptr(), capacity);
        if written >= 0.0 {
            bytes.truncate(written as usize);
            // `encodeInto` writes well-formed UTF-8 (a lone surrogate becomes U+FFFD).
            if let Ok(text) = String::from_utf8(bytes) {
                return text;
            }
            break;
        }
    }
    // Reached only for a value that is not a string (a page calling `dispatch` by hand): its text
    // if it has one, else an empty body, which the engine answers as DynamoDB answers bad JSON.
    text.as_string().unwrap_or_default()
}

fn response_object(response: &Response) -> JsValue {
    response_of(response.status, &response.body)
}

fn map_json(rows: &BTreeMap<String, String>) -> serde_json::Value {
    serde_json::Value::Object(
        rows.iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect(),
    )
}

/// The sandbox as one JSON document (see README, "exportSandbox").
pub fn export_document(snapshot: &Snapshot, offset: i64) -> serde_json::Value {
    let items: serde_json::Map<_, _> = snapshot
        .items
        .iter()
        .map(|(t, rows)| {
            let rows = rows
                .iter()
                .map(|(k, v)| serde_json::json!([to_hex(k), v]))
                .collect();
            (t.clone(), serde_json::Value::Array(rows))
        })
        .collect();
    let records: serde_json::Map<_, _> = snapshot
        .stream_records
        .iter()
        .map(|(s, rows)| (s.clone(), map_json(rows)))
        .collect();
    let changes: serde_json::Map<_, _> = snapshot
        .changes
        .iter()
        .map(|(t, rows)| {
            let rows = rows
                .iter()
                .map(|(k, v)| serde_json::json!([k, v]))
                .collect();
            (t.clone(), serde_json::Value::Array(rows))
        })
        .collect();
    serde_json::json!({
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "clockOffsetMillis": offset,
        "tables": map_json(&snapshot.tables),
        "items": items,
        "streams": map_json(&snapshot.streams),
        "streamRecords": records,
        "backups": map_json(&snapshot.backups),
        "continuousBackups": map_json(&snapshot.continuous_backups),
        "changes": changes,
    })
}

/// Reads an export back; every error names what is wrong.
pub fn import_document(doc: &serde_json::Value) -> Result<(Snapshot, i64), String> {
    if doc.get("format").and_then(|f| f.as_str()) != Some(EXPORT_FORMAT) {
        return Err(format!(
            "not a Dynaplay sandbox export (format must be \"{EXPORT_FORMAT}\")"
        ));
    }
    match doc.get("version").and_then(|v| v.as_u64()) {
        Some(v) if v <= u64::from(EXPORT_VERSION) && v >= 1 => {}
        _ => {
            return Err(format!(
                "unsupported sandbox export version (this Dynaplay reads 1 to {EXPORT_VERSION})"
            ))
        }
    }
    let strings = |field: &str| -> Result<BTreeMap<String, String>, String> {
        let mut out = BTreeMap::new();
        for (k, v) in doc
            .get(field)
            .and_then(|m| m.as_object())
            .into_iter()
            .flatten()
        {
            let v = v
                .as_str()
                .ok_or_else(|| format!("{field}.{k} must be a string"))?;
            out.insert(k.clone(), v.to_string());
        }
        Ok(out)
    };
    let mut snapshot = Snapshot {
        tables: strings("tables")?,
        streams: strings("streams")?,
        backups: strings("backups")?,
        continuous_backups: strings("continuousBackups")?,
        ..Snapshot::default()
    };
    for (table, rows) in doc
        .get("items")
        .and_then(|m| m.as_object())
        .into_iter()
        .flatten()
    {
        let entry = snapshot.items.entry(table.clone()).or_default();
        for row in rows.as_array().into_iter().flatten() {
            let key = row[0].as_str().and_then(from_hex);
            match (key, row[1].as_str()) {
                (Some(k), Some(v)) => {
                    entry.insert(k, v.to_string());
                }
                _ => return Err(format!("items.{table} has a malformed row")),
            }
        }
    }
    for (stream, rows) in doc
        .get("streamRecords")
        .and_then(|m| m.as_object())
        .into_iter()
        .flatten()
    {
        let entry = snapshot.stream_records.entry(stream.clone()).or_default();
        for (k, v) in rows.as_object().into_iter().flatten() {
            let v = v
                .as_str()
                .ok_or_else(|| format!("streamRecords.{stream} has a malformed row"))?;
            entry.insert(k.clone(), v.to_string());
        }
    }
    for (table, rows) in doc
        .get("changes")
        .and_then(|m| m.as_object())
        .into_iter()
        .flatten()
    {
        let entry = snapshot.changes.entry(table.clone()).or_default();
        for row in rows.as_array().into_iter().flatten() {
            match (row[0].as_u64(), row[1].as_str()) {
                (Some(k), Some(v)) => {
                    entry.insert(k, v.to_string());
                }
                _ => return Err(format!("changes.{table} has a malformed row")),
            }
        }
    }
    let offset = doc
        .get("clockOffsetMillis")
        .and_then(|o| o.as_i64())
        .unwrap_or(0);
    // Refuse a document the engine cannot open before anything stored is replaced.
    let probe = Arc::new(Mutex::new(Queue {
        pending: Vec::new(),
        receipts: Vec::new(),
        initial: snapshot.clone(),
    }));
    engine_over(
        &EngineConfig::default(),
        &probe,
        &Arc::new(AtomicI64::new(offset)),
    )?;
    Ok((snapshot, offset))
}

/// The mutations that build `snapshot` from nothing (an import into a memory sandbox).
pub(crate) fn snapshot_mutations(snapshot: &Snapshot) -> Vec<Mutation> {
    let mut batch = Vec::new();
    for (table, definition) in &snapshot.tables {
        batch.push(Mutation::PutTable {
            table: table.clone(),
            definition: definition.clone(),
        });
    }
    for (table, rows) in &snapshot.items {
        for (key, item) in rows {
            batch.push(Mutation::PutItem {
                table: table.clone(),
                key: key.clone(),
                item: item.clone(),
            });
        }
    }
    for (stream, definition) in &snapshot.streams {
        batch.push(Mutation::PutStream {
            stream: stream.clone(),
            definition: definition.clone(),
        });
    }
    for (stream, rows) in &snapshot.stream_records {
        for (sequence, record) in rows {
            batch.push(Mutation::PutStreamRecord {
                stream: stream.clone(),
                sequence: sequence.clone(),
                record: record.clone(),
            });
        }
    }
    for (arn, backup) in &snapshot.backups {
        batch.push(Mutation::PutBackup {
            arn: arn.clone(),
            backup: backup.clone(),
        });
    }
    for (table, settings) in &snapshot.continuous_backups {
        batch.push(Mutation::PutContinuousBackups {
            table: table.clone(),
            settings: settings.clone(),
        });
    }
    for (table, rows) in &snapshot.changes {
        for (seq, change) in rows {
            batch.push(Mutation::PutChange {
                table: table.clone(),
                seq: *seq,
                change: change.clone(),
            });
        }
    }
    batch
}

fn reject(message: String) -> JsValue {
    js_error(&message)
}

#[wasm_bindgen]
impl Sandbox {
    /// "indexeddb" or "memory".
    #[wasm_bindgen(getter)]
    pub fn persistence(&self) -> String {
        self.persistence.clone()
    }

    /// Why a sandbox asked to persist is in memory instead (absent otherwise).
    #[wasm_bindgen(getter)]
    pub fn reason(&self) -> Option<String> {
        self.reason.clone()
    }

    /// One request as the HTTP endpoint would take it: the whole `X-Amz-Target` (DynamoDB or
    /// DynamoDBStreams) and the JSON text. Resolves `{status, body}` once the effect is durable;
    /// a storage failure resolves a 500 InternalServerError.
    pub async fn dispatch(&self, target: String, body: JsString) -> JsValue {
        let body = text_of(&body);
        let result = Self::run(&self.state, |e| {
            call_time::pinned(|| e.dispatch_target(&target, &body))
        })
        .await;
        match result {
            Ok(response) => response_object(&response),
            Err(message) => response_object(&internal_error(&message)),
        }
    }

    /// `dispatch` for a call forwarded from another tab, run at most once per `id`: a write's
    /// answer is stored as a receipt in the same IndexedDB transaction as the write, so when a
    /// call is resent after a hand-over (the old owner made it durable but closed before
    /// answering), the new owner answers from the receipt instead of running it again.
    #[wasm_bindgen(js_name = dispatchOnce)]
    pub async fn dispatch_once(&self, id: String, target: String, body: String) -> JsValue {
        Self::ready(&self.state).await;
        let known = self.state.borrow().answered.get(&id).cloned();
        if let Some(response) = known {
            // The write may still be in flight here; answer once it is durable.
            return match Self::settle(&self.state).await {
                Ok(()) => response_object(&response),
                Err(message) => response_object(&internal_error(&message)),
            };
        }
        let queue = self.state.borrow().queue.clone();
        let wrote = std::cell::Cell::new(false);
        let result = Self::run(&self.state, |e| {
            let before = queue.lock().map(|q| q.pending.len()).unwrap_or(0);
            let response = call_time::pinned(|| e.dispatch_target(&target, &body));
            if let Ok(mut q) = queue.lock() {
                if q.pending.len() > before {
                    q.receipts.push((id.clone(), Some(receipt_text(&response))));
                    wrote.set(true);
                }
            }
            response
        });
        match result.await {
            Ok(response) => {
                if wrote.get() {
                    // Old receipts are forgotten with the next write, which keeps them bounded.
                    let mut s = self.state.borrow_mut();
                    s.answered.insert(id.clone(), response.clone());
                    s.answered_order.push_back(id);
                    while s.answered_order.len() > RECEIPTS_KEPT {
                        if let Some(old) = s.answered_order.pop_front() {
                            s.answered.remove(&old);
                            if let Ok(mut q) = queue.lock() {
                                q.receipts.push((old, None));
                            }
                        }
                    }
                }
                response_object(&response)
            }
            Err(message) => response_object(&internal_error(&message)),
        }
    }

    /// The playground's capacity metrics of one table as JSON text, or None for an unknown table
    /// (memory only: a reopened sandbox starts counting again).
    pub fn metrics(&self, table: &str) -> Option<String> {
        self.state
            .borrow()
            .engine
            .as_ref()
            .and_then(|e| e.metrics(table))
            .map(|v| v.to_string())
    }

    /// How long status changes (CREATING, UPDATING, a GSI's backfill) take, in milliseconds; 0 is
    /// instant. The playground's "status changes take" setting (memory only, like metrics).
    #[wasm_bindgen(js_name = lifecycleMillis)]
    pub fn lifecycle_millis(&self) -> f64 {
        self.state
            .borrow()
            .engine
            .as_ref()
            .map_or(0.0, |e| e.lifecycle_millis() as f64)
    }

    /// Sets how long status changes take; anything not a positive number means instant.
    #[wasm_bindgen(js_name = setLifecycleMillis)]
    pub fn set_lifecycle_millis(&self, ms: f64) {
        let ms = if ms.is_finite() && ms > 0.0 {
            ms as i64
        } else {
            0
        };
        if let Some(engine) = self.state.borrow_mut().engine.as_mut() {
            engine.set_lifecycle_millis(ms);
        }
    }

    /// The sandbox clock: real time plus the learner's offset, in epoch milliseconds.
    pub fn now(&self) -> f64 {
        let s = self.state.borrow();
        (js_sys::Date::now() as i64).saturating_add(s.offset.load(Ordering::SeqCst)) as f64
    }

    /// Moves the clock forward (or back, with a negative value) and saves the offset.
    #[wasm_bindgen(js_name = advanceClock)]
    pub async fn advance_clock(&self, millis: f64) -> Result<f64, JsValue> {
        if !millis.is_finite() {
            return Err(js_error(
                "advanceClock takes a finite number of milliseconds",
            ));
        }
        let (offset, backend) = {
            let s = self.state.borrow();
            let offset = s
                .offset
                .load(Ordering::SeqCst)
                .saturating_add(millis as i64);
            (offset, s.backend.clone())
        };
        // Saved first, moved after: the clock in memory never runs ahead of the stored one.
        if let Backend::IndexedDb(db) = backend {
            idb::write_clock_offset(&db, offset)
                .await
                .map_err(|e| reject(storage_message(&e)))?;
        }
        self.state.borrow().offset.store(offset, Ordering::SeqCst);
        Ok(self.now())
    }

    /// Runs the TTL sweeper now; resolves with how many items expired, once that is durable.
    #[wasm_bindgen(js_name = sweepTtl)]
    pub async fn sweep_ttl(&self) -> Result<u32, JsValue> {
        Self::run(&self.state, |e| e.sweep_ttl() as u32)
            .await
            .map_err(reject)
    }

    /// The whole sandbox as a JSON text (format "dynaplay-sandbox", version 1).
    #[wasm_bindgen(js_name = exportSandbox)]
    pub async fn export_sandbox(&self) -> Result<String, JsValue> {
        Self::settle(&self.state).await.map_err(reject)?;
        let backend = self.state.borrow().backend.clone();
        let (snapshot, _) = backend
            .load()
            .await
            .map_err(|e| reject(storage_message(&e)))?;
        let offset = self.state.borrow().offset.load(Ordering::SeqCst);
        Ok(export_document(&snapshot, offset).to_string())
    }

    /// Replaces the whole sandbox with an export (JSON text). Nothing changes if it is invalid.
    #[wasm_bindgen(js_name = importSandbox)]
    pub async fn import_sandbox(&self, text: String) -> Result<(), JsValue> {
        let doc: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| js_error(&format!("the sandbox export is not JSON: {e}")))?;
        let (snapshot, offset) = import_document(&doc).map_err(reject)?;
        Self::ready(&self.state).await;
        // Requests arriving from now on wait (as during a reopen) until the new sandbox is in.
        let gate = Barrier::new();
        self.state.borrow_mut().reopening = Some(gate.clone());
        let result = Self::replace_all(&self.state, snapshot, offset).await;
        self.state.borrow_mut().reopening = None;
        gate.resolve();
        result
    }

    /// Test hook: makes the next storage write fail as a full disk would.
    #[wasm_bindgen(js_name = failNextWrite)]
    pub fn fail_next_write(&self) {
        self.state.borrow_mut().fail_next = true;
    }

    /// Closes the IndexedDB connection (another page may then upgrade or delete the database).
    pub fn close(&self) {
        if let Backend::IndexedDb(db) = &self.state.borrow().backend {
            db.clone().close();
        }
    }
}

/// The engine alone, in memory and synchronous: a call is one crossing into wasm and back, with no
/// promise and no group commit. Unlike the `Dynaplay` class its throttling can be turned off, so
/// `cargo xtask bench-browser` measures the same work here as natively (`crates/engine/examples/
/// calls.rs`). Nothing is persisted.
#[wasm_bindgen]
pub struct MemoryEngine {
    engine: Engine,
}

#[wasm_bindgen]
impl MemoryEngine {
    /// An empty engine on the browser clock; `throttling: false` turns
    /// ProvisionedThroughputExceededException off (capacity is still counted).
    #[wasm_bindgen(constructor)]
    pub fn new(throttling: bool) -> Result<MemoryEngine, JsValue> {
        let config = EngineConfig {
            throttling,
            ..EngineConfig::default()
        };
        let engine = Engine::open(
            config,
            Box::new(OffsetClock(Arc::new(AtomicI64::new(0)))),
            // Keeps nothing, as the native loop's storage, so no mutation is encoded.
            Box::new(NullStorage),
        )
        .map_err(|e| js_error(&e.to_string()))?;
        Ok(MemoryEngine { engine })
    }

    /// One call on the engine, reading the browser's clock once (`call_time`).
    fn call(&mut self, target: &str, body: &str) -> Response {
        call_time::pinned(|| self.engine.dispatch_target(target, body))
    }

    /// One request: the whole `X-Amz-Target` and the JSON text in, `{status, body}` out.
    pub fn dispatch(&mut self, target: &str, body: &JsString) -> JsValue {
        let body = text_of(body);
        response_object(&self.call(target, &body))
    }

    /// Calls per second of `target` over `bodies`, cycled inside wasm for about `millis`: the
    /// engine's own speed, with no JavaScript crossing per call (bodies cross once, answers never).
    /// The answers' statuses are checked; a non-200 answer is an error naming it.
    #[wasm_bindgen(js_name = loopRate)]
    pub fn loop_rate(
        &mut self,
        target: &str,
        bodies: Vec<String>,
        millis: f64,
    ) -> Result<f64, JsValue> {
        let started = js_sys::Date::now();
        let mut calls = 0u64;
        if bodies.is_empty() {
            return Ok(0.0);
        }
        while js_sys::Date::now() - started < millis {
            for body in &bodies {
                let answer = self.call(target, body);
                if answer.status != 200 {
                    return Err(js_error(&format!("{target}: {}", answer.body)));
                }
            }
            calls += bodies.len() as u64;
        }
        Ok(calls as f64 / ((js_sys::Date::now() - started) / 1000.0))
    }
}

/// Opens a sandbox: `name` persists it in IndexedDB under that name; without a name (or where
/// IndexedDB cannot be opened: private windows, blocked storage) it lives in memory, and `reason`
/// says why. `throttling: false` turns ProvisionedThroughputExceededException off (capacity is
/// still counted), for loads a learner does not mean as a throughput lesson.
#[wasm_bindgen(js_name = openSandbox)]
pub async fn open_sandbox(name: Option<String>, throttling: bool) -> Result<Sandbox, JsValue> {
    let config = EngineConfig {
        throttling,
        ..EngineConfig::default()
    };
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return Sandbox::open_with(Backend::Memory(Rc::default()), config, "memory", None).await;
    };
    match idb::open(&name).await {
        Ok(db) => Sandbox::open_with(Backend::IndexedDb(db), config, "indexeddb", None).await,
        Err(e) => {
            Sandbox::open_with(
                Backend::Memory(Rc::default()),
                config,
                "memory",
                Some(format!("IndexedDB is unavailable ({e}); this sandbox lives in memory and a reload empties it")),
            )
            .await
        }
    }
}

/// Plants a raw IndexedDB dump (a format fixture) as sandbox `name`; for tests.
#[wasm_bindgen(js_name = importRawDump)]
pub async fn import_raw_dump(name: String, dump: String) -> Result<(), JsValue> {
    idb::import_raw(&name, &dump)
        .await
        .map_err(|e| js_error(&e.to_string()))
}

/// The raw IndexedDB rows of sandbox `name`, as JSON text; for writing format fixtures.
#[wasm_bindgen(js_name = rawDump)]
pub async fn raw_dump(name: String) -> Result<String, JsValue> {
    let db = idb::open(&name)
        .await
        .map_err(|e| js_error(&e.to_string()))?;
    let dump = idb::dump_raw(&db)
        .await
        .map_err(|e| js_error(&e.to_string()));
    db.close();
    Ok(dump?.to_string())
}
