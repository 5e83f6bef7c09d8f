//! A persisted sandbox for JavaScript: the engine over IndexedDB (or memory), with a group commit
//! that answers a write only once it is durable.
//!
//! The engine's `Storage` is synchronous and IndexedDB is not, so the engine is given a
//! `QueueStorage` whose `commit` only queues the batch (the engine applies it to memory at once).
//! Every async call then waits for a *barrier*: the queued mutations are written by a flusher, all
//! that have queued up since the last write going into ONE IndexedDB transaction (one log record
//! per 1,000 mutations, see `idb.rs`), and every request that contributed (or read what they wrote) resolves when that
//! transaction commits. Two transactions may be under way, the second committing only after the
//! first. If one fails, its requests, the later transactions' and every later request already
//! answered in memory get an InternalServerError, and the engine is reopened from IndexedDB, so
//! memory again equals what is durable. Requests arriving during the reopen wait for it. When
//! nothing has been written for a second and the log is long, it is compacted into the rows in
//! short slices (a task each, one after another until the log is within its bound or a write
//! comes), so the page stays responsive.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
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

use crate::crossing::{response_object, text_of, with_call_texts};
use crate::{call_time, idb};

#[wasm_bindgen]
extern "C" {
    /// The page's `setTimeout` (a window or a worker alike).
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &JsValue, millis: i32) -> f64;
}

/// The sandbox export's format name and version (`exportSandbox` / `importSandbox`); the
/// document itself is the engine's `sandbox_document`.
pub use dynaplay_engine::sandbox_document::{FORMAT as EXPORT_FORMAT, VERSION as EXPORT_VERSION};

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
    /// Starts writing a batch (see `idb::start_write`): its commit waits for `after`, the
    /// outcome of the write started before it, and is abandoned if that one failed.
    fn start(
        &self,
        batch: &[Mutation],
        receipts: &[(String, Option<String>)],
        seq: u64,
        after: Option<&JsValue>,
        fail: bool,
    ) -> idb::Written {
        match self {
            Backend::IndexedDb(db) => idb::start_write(db, batch, receipts, seq, after, fail)
                .unwrap_or_else(|e| idb::Written::settled(Err(e))),
            Backend::Memory(m) => {
                // A memory write is done at once, so the one before it has always finished.
                if after.is_some_and(idb::Written::failed_outcome) {
                    return idb::Written::settled(Err(idb::IdbError {
                        quota: false,
                        detail: "AbortError: an earlier write failed".into(),
                    }));
                }
                if fail {
                    m.borrow_mut().fail_next_commit();
                }
                idb::Written::settled(m.borrow_mut().commit(batch).map_err(|e| idb::IdbError {
                    quota: true,
                    detail: e.0,
                }))
            }
        }
    }

    async fn load(&self) -> Result<idb::Loaded, idb::IdbError> {
        match self {
            Backend::IndexedDb(db) => idb::load(db).await,
            Backend::Memory(m) => m
                .borrow()
                .load()
                .map(|snapshot| idb::Loaded {
                    snapshot,
                    offset: 0,
                    log: Vec::new(),
                })
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
    /// The batches being written, oldest first, at most `MAX_IN_FLIGHT`.
    in_flight: VecDeque<Flight>,
    next_flight: u64,
    /// A flush task is spawned and has not yet taken the queue.
    flush_scheduled: bool,
    /// Write transactions committed since the sandbox opened (the bench reports it).
    transactions: u32,
    /// The IndexedDB log records not yet compacted, oldest first, and how many of their mutations
    /// are not in the rows yet.
    log: VecDeque<idb::LogEntry>,
    log_mutations: usize,
    /// The log record a compaction is part-way through, kept for its next slice.
    cursor: Option<idb::Cursor>,
    /// How many mutations a compaction slice applies at most (`COMPACT_SLICE`; tests lower it).
    compact_slice: usize,
    /// The number the next log record is written under.
    next_seq: u64,
    /// How many logged mutations are kept before compacting (`LOG_BOUND`; tests lower it).
    log_bound: usize,
    /// A compaction waits for the sandbox to be idle (a timer is set).
    compaction_due: bool,
    /// An automatic compaction is under way: after a second without writes it goes on, slice
    /// after slice, until the log is back within its bound; a write ends it (the idle wait
    /// starts over once the writes are done).
    idle_run: bool,
    /// The task boundary before the idle run's next slice is pending (a timer is set).
    next_slice_due: bool,
    /// When (`Date.now()`) a write last started or finished: the idle second counts from it.
    last_write_millis: f64,
    /// The last compaction failed (the quota, most likely): none is tried again until a write
    /// has succeeded since, or a full disk would retry (and fail) on every idle moment.
    compaction_blocked: bool,
    /// `close()` was called: nothing more is started on the connection.
    closed: bool,
    reopening: Option<Barrier>,
    /// Test hook: the next flush is made to fail.
    fail_next: bool,
    /// Why the engine could not be reopened, if it could not.
    broken: Option<String>,
    config: EngineConfig,
    /// Answers of the forwarded writes stored as receipts, by request id, oldest first in `order`.
    answered: HashMap<String, Response>,
    answered_order: VecDeque<String>,
    /// The throughput state as last saved (or loaded), so `saveMeters` writes only a change.
    meters_saved: Option<String>,
}

/// How many write transactions may be under way at once. One means the page's main thread sits
/// idle during every commit while all requests wait on it; with two, the next batch's requests are
/// issued while the previous one commits (IndexedDB runs them in order). BENCHMARKS.md has the
/// measurements.
const MAX_IN_FLIGHT: usize = 2;

/// What a flusher does after its transaction finished.
enum Next {
    /// Write what queued up meanwhile.
    Continue,
    Stop,
    /// The write failed: these flights (it and the later ones) fail, and the engine reopens.
    Reopen(VecDeque<Flight>, String),
}

/// One batch being written: who waits on it, the receipts it carries, and its transaction.
struct Flight {
    id: u64,
    barrier: Option<Barrier>,
    receipts: Vec<(String, Option<String>)>,
    written: idb::Written,
    /// For a compaction slice: what it did.
    compaction: Option<Compaction>,
}

/// A compaction slice in flight, as the sandbox's view of the log knows it.
enum Compaction {
    /// Its requests were issued at once (its record was cached), so what it does was known at
    /// its start and already booked: the next slice could be planned (and chained) behind it.
    /// If it fails, the engine and the log are reloaded from IndexedDB as for any failed write.
    Booked,
    /// It reads log records first; booked once committed.
    Pending(idb::SliceEnd),
}

/// How long the sandbox must have had nothing to write before an over-long log is compacted, so a
/// burst of writes (a bulk load) is not slowed by it.
const COMPACT_WHEN_IDLE_MILLIS: i32 = 1_000;

/// At most this many logged mutations go into one compaction transaction (a *slice*; a bigger
/// log record is compacted over several), and a slice stops sooner once its work has taken
/// `COMPACT_BUDGET_MILLIS`. A write arriving meanwhile waits for at most one slice, and the
/// page's thread, which decodes the slice and issues its requests in one go, is never busy with
/// it for long; between slices it returns to the event loop. A count alone is not enough: an
/// IndexedDB `put` of a 1 KB item costs the page 0.1-0.3 ms on a loaded machine, so 1,000 of
/// them took up to 280 ms (BENCHMARKS.md), past RAIL's 100 ms response budget.
const COMPACT_SLICE: usize = 1_000;
const COMPACT_BUDGET_MILLIS: f64 = 12.0;

/// How many logged mutations a sandbox keeps before compacting the oldest into the rows (once
/// idle; at twice as many, at once). The log is not compacted sooner because it is the cheaper
/// layout to read as well as to write: reopening 100,000 items took 0.3-0.5× a raw `getAll` of
/// them from the log and 1.1-1.3× from the rows (BENCHMARKS.md, "Session 4"). What compaction removes is history: a key written many
/// times, or deleted, is replayed each time, so the bound caps what a reopen replays.
const LOG_BOUND: usize = 250_000;

/// Resolves in a task of its own (`setTimeout(0)`): everything the page queued meanwhile (input,
/// rendering, IndexedDB events) runs first.
async fn next_task() {
    let promise = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve.into(), 0);
    });
    let _ = JsFuture::from(promise).await;
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

pub use dynaplay_engine::sandbox_document::from_hex;

impl Sandbox {
    async fn open_with(
        backend: Backend,
        config: EngineConfig,
        persistence: &str,
        reason: Option<String>,
    ) -> Result<Sandbox, JsValue> {
        let idb::Loaded {
            snapshot,
            offset: offset_millis,
            log,
        } = backend
            .load()
            .await
            .map_err(|e| js_error(&format!("cannot load the sandbox: {e}")))?;
        let queue = Arc::new(Mutex::new(Queue {
            pending: Vec::new(),
            receipts: Vec::new(),
            initial: snapshot,
        }));
        let offset = Arc::new(AtomicI64::new(offset_millis));
        let mut engine = engine_over(&config, &queue, &offset).map_err(|e| js_error(&e))?;
        // The capacity meters as last saved: a reload keeps the metrics and the throttling state.
        let mut meters_saved = None;
        if let Backend::IndexedDb(db) = &backend {
            let saved = idb::load_meters(db)
                .await
                .map_err(|e| js_error(&format!("cannot load the sandbox: {e}")))?;
            if let Some(doc) = saved
                .as_deref()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
            {
                engine.restore_meters(&doc);
                meters_saved = saved;
            }
        }
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
        let next_seq = log.last().map_or(0, |e| e.seq + 1);
        let log_mutations = log.iter().map(|e| e.mutations - e.applied).sum();
        let sandbox = Sandbox {
            state: Rc::new(RefCell::new(State {
                engine: Some(engine),
                queue,
                offset,
                backend,
                open_batch: None,
                in_flight: VecDeque::new(),
                next_flight: 0,
                flush_scheduled: false,
                transactions: 0,
                log: log.into(),
                log_mutations,
                cursor: None,
                compact_slice: COMPACT_SLICE,
                next_seq,
                log_bound: LOG_BOUND,
                compaction_due: false,
                idle_run: false,
                next_slice_due: false,
                last_write_millis: js_sys::Date::now(),
                compaction_blocked: false,
                closed: false,
                reopening: None,
                fail_next: false,
                broken: None,
                config,
                answered,
                answered_order,
                meters_saved,
            })),
            persistence: persistence.to_string(),
            reason,
        };
        // What the last session left in the log is compacted once this one is idle.
        Self::plan_compaction(&sandbox.state);
        Ok(sandbox)
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
            let busy = s.flush_scheduled || !s.in_flight.is_empty();
            if wrote && !busy && !s.fail_next {
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
                // A read of data still being written waits for it (the newest batch: they commit
                // in order).
                s.in_flight
                    .iter()
                    .rev()
                    .find_map(|f| f.barrier.as_ref())
                    .map(|b| b.promise.clone())
            };
            let start = wrote && !s.flush_scheduled && s.in_flight.len() < MAX_IN_FLIGHT;
            if start {
                s.flush_scheduled = true;
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

    /// A flusher: writes everything queued in one transaction, waits for it, and goes on while
    /// more is queued and no other flusher is about to take it. Up to `MAX_IN_FLIGHT` run at
    /// once, each transaction chained on the one before (see `idb::start_write`).
    async fn flush(state: Rc<RefCell<State>>) {
        loop {
            let (id, written) = {
                let mut s = state.borrow_mut();
                s.flush_scheduled = false;
                if s.reopening.is_some() {
                    // The reopen dropped the queue; a request after it schedules a new flush.
                    return;
                }
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
                    // Whoever joined the open batch without writing read what is in flight.
                    let last = s.in_flight.iter().rev().find_map(|f| f.barrier.clone());
                    drop(s);
                    if let Some(b) = barrier {
                        wasm_bindgen_futures::spawn_local(Self::follow(b, last));
                    }
                    return;
                }
                // A write ends an automatic compaction: it goes on after the next idle second.
                s.idle_run = false;
                s.last_write_millis = js_sys::Date::now();
                let after = s.in_flight.back().map(|f| f.written.outcome());
                let fail = std::mem::take(&mut s.fail_next);
                let seq = s.next_seq;
                s.next_seq += idb::records_of(batch.len()) as u64;
                let written = s
                    .backend
                    .start(&batch, &receipts, seq, after.as_ref(), fail);
                if matches!(s.backend, Backend::IndexedDb(_)) {
                    // The records `start_write` made of the batch.
                    for (seq, part) in (seq..).zip(batch.chunks(idb::RECORD_MUTATIONS)) {
                        s.log.push_back(idb::LogEntry {
                            seq,
                            mutations: part.len(),
                            applied: 0,
                        });
                    }
                    s.log_mutations += batch.len();
                }
                let id = s.next_flight;
                s.next_flight += 1;
                s.in_flight.push_back(Flight {
                    id,
                    barrier,
                    receipts,
                    written: written.clone(),
                    compaction: None,
                });
                (id, written)
            };
            let result = written.finished().await;
            match Self::finish(&state, id, result) {
                Next::Continue => {}
                Next::Stop => return,
                Next::Reopen(doomed, message) => {
                    Self::reopen(&state, doomed, &message).await;
                    return;
                }
            }
        }
    }

    /// Settles the requests of flight `id` once its transaction has finished, and says what the
    /// flusher does next.
    fn finish(state: &Rc<RefCell<State>>, id: u64, result: Result<(), idb::IdbError>) -> Next {
        let mut s = state.borrow_mut();
        // Gone when a reopen (after a failure before it) has already failed it.
        let Some(position) = s.in_flight.iter().position(|f| f.id == id) else {
            return Next::Stop;
        };
        if s.in_flight[position].compaction.is_none() {
            s.last_write_millis = js_sys::Date::now();
        }
        match result {
            Ok(()) => {
                let flight = s.in_flight.remove(position);
                s.transactions = s.transactions.saturating_add(1);
                match flight.as_ref().and_then(|f| f.compaction.as_ref()) {
                    Some(Compaction::Pending(end)) => {
                        let done = end.borrow_mut().take();
                        if let Some(done) = done {
                            Self::compacted(&mut s, done);
                        }
                    }
                    Some(Compaction::Booked) => {}
                    None => s.compaction_blocked = false,
                }
                let more = s.reopening.is_none() && !s.flush_scheduled && s.open_batch.is_some();
                if more {
                    s.flush_scheduled = true;
                }
                drop(s);
                if let Some(b) = flight.and_then(|f| f.barrier) {
                    b.resolve();
                }
                Self::plan_compaction(state);
                if more {
                    Next::Continue
                } else {
                    Next::Stop
                }
            }
            Err(e) => {
                let message = storage_message(&e);
                if s.in_flight[position].compaction.is_some() {
                    s.compaction_blocked = true;
                }
                s.idle_run = false;
                if s.reopening.is_none() {
                    // This batch and every later one (each built on it in memory) fail.
                    let doomed = s.in_flight.split_off(position);
                    return Next::Reopen(doomed, message);
                }
                // A reopen is already under way (and waits for this transaction).
                let flight = s.in_flight.remove(position);
                drop(s);
                if let Some(f) = flight {
                    Self::forget(state, &f.receipts);
                    if let Some(b) = f.barrier {
                        b.reject(&message);
                    }
                }
                Next::Stop
            }
        }
    }

    /// True when nothing is being written or waits to be.
    fn idle(s: &State) -> bool {
        s.in_flight.is_empty()
            && s.open_batch.is_none()
            && !s.flush_scheduled
            && s.reopening.is_none()
            && s.queue
                .lock()
                .map(|q| q.pending.is_empty())
                .unwrap_or(false)
    }

    /// Whether the log is to be compacted: longer than its bound, and nothing in the way.
    fn compaction_wanted(s: &State) -> bool {
        s.log_mutations > s.log_bound && !s.compaction_blocked && s.reopening.is_none() && !s.closed
    }

    /// Compacts the oldest log records once the log holds more than `log_bound` mutations: once
    /// the sandbox has had nothing to write for `COMPACT_WHEN_IDLE_MILLIS`, then slice after slice
    /// (a task boundary between them) until the log is within its bound or a write comes; or at
    /// once (if a transaction slot is free) past twice the bound. Called whenever a transaction
    /// has finished.
    fn plan_compaction(state: &Rc<RefCell<State>>) {
        enum Plan {
            Now,
            NextSlice,
            AfterIdle(i32),
            Nothing,
        }
        let plan = {
            let mut s = state.borrow_mut();
            let wanted = Self::compaction_wanted(&s);
            if !wanted {
                s.idle_run = false;
            }
            if wanted
                && s.log_mutations > s.log_bound.saturating_mul(2)
                && s.in_flight.len() < MAX_IN_FLIGHT
            {
                Plan::Now
            } else if !wanted || !Self::idle(&s) {
                // A write under way plans again when it has finished.
                Plan::Nothing
            } else if s.idle_run {
                if s.next_slice_due {
                    Plan::Nothing
                } else {
                    s.next_slice_due = true;
                    Plan::NextSlice
                }
            } else if s.compaction_due {
                Plan::Nothing
            } else {
                s.compaction_due = true;
                Plan::AfterIdle(COMPACT_WHEN_IDLE_MILLIS)
            }
        };
        match plan {
            Plan::Now => {
                let _ = Self::start_compaction(state);
            }
            Plan::NextSlice => {
                let state = state.clone();
                let fire = Closure::once_into_js(move || {
                    let go = {
                        let mut s = state.borrow_mut();
                        s.next_slice_due = false;
                        // A write since the last slice ended the run (and plans the next one).
                        s.idle_run && Self::compaction_wanted(&s) && Self::idle(&s)
                    };
                    if go && Self::start_compaction(&state).is_none() {
                        // Closed, reopening or nothing left: the run is over.
                        state.borrow_mut().idle_run = false;
                    }
                });
                // A task of its own: the page's input, rendering and requests run in between.
                set_timeout(&fire, 0);
            }
            Plan::AfterIdle(millis) => Self::wait_for_idle(state.clone(), millis),
            Plan::Nothing => {}
        }
    }

    /// Starts the automatic compaction once the sandbox has had nothing to write for
    /// `COMPACT_WHEN_IDLE_MILLIS` (checked in `millis`, and again as long as writes came since).
    fn wait_for_idle(state: Rc<RefCell<State>>, millis: i32) {
        let fire = Closure::once_into_js(move || {
            let quiet = {
                let mut s = state.borrow_mut();
                s.compaction_due = false;
                if !Self::idle(&s) || !Self::compaction_wanted(&s) {
                    // A write under way plans again when it has finished.
                    return;
                }
                js_sys::Date::now() - s.last_write_millis
            };
            // At most the whole second again, should the system clock have been set back.
            let rest = (f64::from(COMPACT_WHEN_IDLE_MILLIS) - quiet)
                .min(f64::from(COMPACT_WHEN_IDLE_MILLIS));
            if rest >= 1.0 {
                // Writes came and went meanwhile: the second counts from the last of them.
                state.borrow_mut().compaction_due = true;
                Self::wait_for_idle(state, rest.ceil() as i32);
            } else {
                state.borrow_mut().idle_run = true;
                if Self::start_compaction(&state).is_none() {
                    state.borrow_mut().idle_run = false;
                }
            }
        });
        set_timeout(&fire, millis);
    }

    /// Books a committed compaction slice: the records it finished leave the log, and the one it
    /// stopped in (if any) counts the mutations now in the rows, its bytes kept for the next.
    fn compacted(s: &mut State, done: idb::SliceDone) {
        if let Some(through) = done.through {
            while let Some(e) = s.log.front().copied().filter(|e| e.seq <= through) {
                s.log.pop_front();
                s.log_mutations = s
                    .log_mutations
                    .saturating_sub(e.mutations.saturating_sub(e.applied));
            }
        }
        if let Some(cursor) = &done.cursor {
            if let Some(front) = s.log.front_mut().filter(|e| e.seq == cursor.seq) {
                let newly = cursor.applied.saturating_sub(front.applied);
                front.applied = cursor.applied;
                s.log_mutations = s.log_mutations.saturating_sub(newly);
            }
        }
        s.cursor = done.cursor;
    }

    /// Starts one compaction slice over the oldest log records (up to `COMPACT_SLICE`
    /// mutations, part of a record if it is bigger), chained after whatever is in flight like
    /// any write; returns a promise that settles with it (None when there was nothing to compact
    /// or no free slot).
    fn start_compaction(state: &Rc<RefCell<State>>) -> Option<Promise> {
        let (id, written) = {
            let mut s = state.borrow_mut();
            // Not behind a slice whose outcome is not known yet: this one would be planned on
            // a log that is about to change.
            let unknown = s
                .in_flight
                .iter()
                .any(|f| matches!(f.compaction, Some(Compaction::Pending(_))));
            if s.reopening.is_some() || s.closed || unknown || s.in_flight.len() >= MAX_IN_FLIGHT {
                return None;
            }
            let Backend::IndexedDb(db) = s.backend.clone() else {
                return None;
            };
            let front = *s.log.front()?;
            // The records it may reach; it stops at `limit` mutations or its time budget.
            let limit = s.compact_slice.max(1);
            // Only whole records that fit after the first: one the slice could not finish would
            // be read (and copied) for nothing.
            let (mut count, mut last) = (front.mutations.saturating_sub(front.applied), front.seq);
            for e in s.log.iter().skip(1) {
                if count + e.mutations > limit {
                    break;
                }
                count += e.mutations;
                last = e.seq;
            }
            let slice = idb::Slice {
                first: front.seq,
                last,
                skip: front.applied,
                limit,
                budget_millis: COMPACT_BUDGET_MILLIS,
            };
            let after = s.in_flight.back().map(|f| f.written.outcome());
            let (written, end) =
                idb::start_compaction(&db, slice, s.cursor.clone(), after.as_ref())
                    .unwrap_or_else(|e| (idb::Written::settled(Err(e)), idb::SliceEnd::default()));
            let done = end.borrow_mut().take();
            let booked = match done {
                Some(done) => {
                    Self::compacted(&mut s, done);
                    Compaction::Booked
                }
                None => Compaction::Pending(end),
            };
            let id = s.next_flight;
            s.next_flight += 1;
            s.in_flight.push_back(Flight {
                id,
                barrier: None,
                receipts: Vec::new(),
                written: written.clone(),
                compaction: Some(booked),
            });
            (id, written)
        };
        let promise = written.promise();
        let state = state.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = written.finished().await;
            match Self::finish(&state, id, result) {
                Next::Continue => Self::flush(state).await,
                Next::Stop => {}
                Next::Reopen(doomed, message) => Self::reopen(&state, doomed, &message).await,
            }
        });
        Some(promise)
    }

    /// Settles `barrier` as `last` settles.
    async fn follow(barrier: Barrier, last: Option<Barrier>) {
        match last {
            Some(last) => match JsFuture::from(last.promise).await {
                Ok(_) => barrier.resolve(),
                Err(e) => barrier.reject(&e.as_string().unwrap_or_default()),
            },
            None => barrier.resolve(),
        }
    }

    /// Forgets the answers of receipts that were not stored: those writes never happened.
    fn forget(state: &Rc<RefCell<State>>, receipts: &[(String, Option<String>)]) {
        let mut s = state.borrow_mut();
        for (id, answer) in receipts {
            if answer.is_some() {
                s.answered.remove(id);
            }
        }
    }

    /// After a failed write: every answer not yet durable fails (the failed batch, the batches
    /// after it, and what is queued), and once every transaction still under way has finished,
    /// the engine is rebuilt from what the backend holds.
    async fn reopen(state: &Rc<RefCell<State>>, doomed: VecDeque<Flight>, message: &str) {
        let reopening = Barrier::new();
        let (later, waits, backend, meters) = {
            let mut s = state.borrow_mut();
            s.reopening = Some(reopening.clone());
            // A failed write changes no meter's history: the rebuilt engine keeps them.
            let meters = s.engine.as_ref().map(Engine::meters);
            s.engine = None;
            let dropped = s
                .queue
                .lock()
                .map(|mut q| {
                    q.pending.clear();
                    std::mem::take(&mut q.receipts)
                })
                .unwrap_or_default();
            let waits: Vec<Promise> = s
                .in_flight
                .iter()
                .chain(doomed.iter())
                .map(|f| f.written.promise())
                .collect();
            drop(s);
            Self::forget(state, &dropped);
            for f in &doomed {
                Self::forget(state, &f.receipts);
            }
            let mut s = state.borrow_mut();
            (s.open_batch.take(), waits, s.backend.clone(), meters)
        };
        for b in doomed
            .iter()
            .filter_map(|f| f.barrier.as_ref())
            .chain(later.iter())
        {
            b.reject(message);
        }
        // Earlier batches still committing resolve their own requests; the doomed ones abort.
        for p in waits {
            let _ = JsFuture::from(p).await;
        }
        let loaded = backend.load().await;
        let mut s = state.borrow_mut();
        match loaded {
            Ok(idb::Loaded {
                snapshot,
                offset,
                log,
            }) => {
                if let Ok(mut q) = s.queue.lock() {
                    q.initial = snapshot;
                    q.pending.clear();
                }
                s.next_seq = s.next_seq.max(log.last().map_or(0, |e| e.seq + 1));
                s.log_mutations = log.iter().map(|e| e.mutations - e.applied).sum();
                s.log = log.into();
                s.cursor = None;
                s.offset.store(offset, Ordering::SeqCst);
                let (queue, offset) = (s.queue.clone(), s.offset.clone());
                match engine_over(&s.config, &queue, &offset) {
                    Ok(mut engine) => {
                        if let Some(meters) = &meters {
                            engine.restore_meters(meters);
                        }
                        s.engine = Some(engine);
                    }
                    Err(e) => s.broken = Some(format!("Internal server error: {e}")),
                }
            }
            Err(e) => s.broken = Some(storage_message(&e)),
        }
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
        receipts: &[(String, Option<String>)],
    ) -> Result<(), JsValue> {
        loop {
            let waiting = {
                let s = state.borrow();
                s.open_batch
                    .as_ref()
                    .or(s.in_flight.iter().rev().find_map(|f| f.barrier.as_ref()))
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
            Backend::IndexedDb(db) => idb::replace(db, &snapshot, offset, receipts)
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
        // The replacement cleared the log with every other store.
        s.log.clear();
        s.log_mutations = 0;
        s.cursor = None;
        s.offset.store(offset, Ordering::SeqCst);
        let (queue, offset) = (s.queue.clone(), s.offset.clone());
        s.engine = Some(engine_over(&s.config, &queue, &offset).map_err(reject)?);
        s.broken = None;
        // `idb::replace` deleted the saved meters; the next save stores the fresh ones.
        s.meters_saved = None;
        Ok(())
    }

    /// Runs `work` at most once per `id` (a call forwarded from another tab): if it wrote, its
    /// answer rides as a receipt in the same IndexedDB transaction as its mutations; a known id is
    /// answered from its receipt once that is durable. A call that wrote nothing leaves no receipt
    /// (running it again changes nothing either).
    async fn run_once(
        state: &Rc<RefCell<State>>,
        id: String,
        work: impl FnOnce(&mut Engine) -> Response,
    ) -> Result<Response, String> {
        Self::ready(state).await;
        let known = state.borrow().answered.get(&id).cloned();
        if let Some(response) = known {
            // The write may still be in flight here; answer once it is durable.
            Self::settle(state).await?;
            return Ok(response);
        }
        let queue = state.borrow().queue.clone();
        let wrote = std::cell::Cell::new(false);
        let response = Self::run(state, |e| {
            let before = queue.lock().map(|q| q.pending.len()).unwrap_or(0);
            let response = work(e);
            if let Ok(mut q) = queue.lock() {
                if q.pending.len() > before {
                    q.receipts.push((id.clone(), Some(receipt_text(&response))));
                    wrote.set(true);
                }
            }
            response
        })
        .await?;
        if wrote.get() {
            Self::remember(state, id, response.clone());
        }
        Ok(response)
    }

    /// Keeps a stored receipt's answer in memory; the oldest beyond `RECEIPTS_KEPT` are forgotten,
    /// their rows deleted with the next write (which keeps them bounded).
    fn remember(state: &Rc<RefCell<State>>, id: String, response: Response) {
        let mut s = state.borrow_mut();
        s.answered.insert(id.clone(), response);
        s.answered_order.push_back(id);
        while s.answered_order.len() > RECEIPTS_KEPT {
            if let Some(old) = s.answered_order.pop_front() {
                s.answered.remove(&old);
                if let Ok(mut q) = s.queue.lock() {
                    q.receipts.push((old, None));
                }
            }
        }
    }

    /// Waits until no compaction slice is in flight (each committed or failed, and `finish`
    /// has run for it); an error if one failed.
    async fn slices_settled(state: &Rc<RefCell<State>>) -> Result<(), JsValue> {
        loop {
            let slice = {
                let s = state.borrow();
                s.in_flight
                    .iter()
                    .find(|f| f.compaction.is_some())
                    .map(|f| f.written.promise())
            };
            match slice {
                Some(p) => {
                    let _ = JsFuture::from(p).await;
                    // `finish` runs in a task of its own after the same promise.
                    next_task().await;
                }
                None => break,
            }
        }
        if state.borrow().compaction_blocked {
            return Err(js_error("the last compaction of the log failed"));
        }
        Ok(())
    }

    /// Waits until everything answered so far is durable.
    async fn settle(state: &Rc<RefCell<State>>) -> Result<(), String> {
        Self::run(state, |_| ()).await
    }

    /// Moves the clock by `millis` and saves the offset; with a receipt id, the receipt (the new
    /// offset) is saved in the same transaction.
    async fn advance(&self, millis: f64, receipt: Option<String>) -> Result<f64, JsValue> {
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
        let answer = Response {
            status: 200,
            body: offset.to_string(),
        };
        let receipts: Vec<(String, Option<String>)> = receipt
            .iter()
            .map(|id| (id.clone(), Some(receipt_text(&answer))))
            .collect();
        // Saved first, moved after: the clock in memory never runs ahead of the stored one.
        if let Backend::IndexedDb(db) = backend {
            idb::write_clock_offset(&db, offset, &receipts)
                .await
                .map_err(|e| reject(storage_message(&e)))?;
        }
        self.state.borrow().offset.store(offset, Ordering::SeqCst);
        if let Some(id) = receipt {
            Self::remember(&self.state, id, answer);
        }
        Ok(self.now())
    }

    /// Replaces the whole sandbox with an export; with a receipt id, the receipt is stored in the
    /// same transaction as the new sandbox.
    async fn import(&self, text: String, receipt: Option<String>) -> Result<(), JsValue> {
        let doc: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| js_error(&format!("the sandbox export is not JSON: {e}")))?;
        let (snapshot, offset) = import_document(&doc).map_err(reject)?;
        Self::ready(&self.state).await;
        // Requests arriving from now on wait (as during a reopen) until the new sandbox is in.
        let gate = Barrier::new();
        self.state.borrow_mut().reopening = Some(gate.clone());
        let answer = Response {
            status: 200,
            body: "null".into(),
        };
        let receipts: Vec<(String, Option<String>)> = receipt
            .iter()
            .map(|id| (id.clone(), Some(receipt_text(&answer))))
            .collect();
        let result = Self::replace_all(&self.state, snapshot, offset, &receipts).await;
        if let (Ok(()), Some(id)) = (&result, receipt) {
            Self::remember(&self.state, id, answer);
        }
        self.state.borrow_mut().reopening = None;
        gate.resolve();
        result
    }
}

/// The sandbox as one JSON document (see README, "exportSandbox").
pub fn export_document(snapshot: &Snapshot, offset: i64) -> serde_json::Value {
    dynaplay_engine::sandbox_document::export(snapshot, offset)
}

/// Reads an export back; every error names what is wrong.
pub fn import_document(doc: &serde_json::Value) -> Result<(Snapshot, i64), String> {
    let (snapshot, offset) = dynaplay_engine::sandbox_document::import(doc)?;
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
    snapshot.rows().collect()
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

    /// `dispatch` addressed to a simulated region of the global tables simulation (`eu-west-1`):
    /// table names reach that region's replicas. The home region is plain `dispatch`.
    #[wasm_bindgen(js_name = dispatchInRegion)]
    pub async fn dispatch_in_region(
        &self,
        region: String,
        target: String,
        body: JsString,
    ) -> JsValue {
        let body = text_of(&body);
        let result = Self::run(&self.state, |e| {
            call_time::pinned(|| e.dispatch_target_in_region(&region, &target, &body))
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
        Self::respond(
            Self::run_once(&self.state, id, |e| {
                call_time::pinned(|| e.dispatch_target(&target, &body))
            })
            .await,
        )
    }

    /// `dispatchOnce` for a call addressed to a region of the global tables simulation: the
    /// region travels with a forwarded call, so a resent regional write keeps its receipt too.
    #[wasm_bindgen(js_name = dispatchOnceInRegion)]
    pub async fn dispatch_once_in_region(
        &self,
        id: String,
        region: String,
        target: String,
        body: String,
    ) -> JsValue {
        Self::respond(
            Self::run_once(&self.state, id, |e| {
                call_time::pinned(|| e.dispatch_target_in_region(&region, &target, &body))
            })
            .await,
        )
    }

    /// The answer object of a `run_once`, a failed durable write as a 500.
    fn respond(result: Result<Response, String>) -> JsValue {
        match result {
            Ok(response) => response_object(&response),
            Err(message) => response_object(&internal_error(&message)),
        }
    }

    /// `sweepTtl` for a call forwarded from another tab, at most once per `id` (as
    /// `dispatchOnce`): a sweep that deleted items stores its count as a receipt with the deletes,
    /// so a resend after a hand-over answers that count instead of sweeping again.
    #[wasm_bindgen(js_name = sweepTtlOnce)]
    pub async fn sweep_ttl_once(&self, id: String) -> Result<u32, JsValue> {
        let response = Self::run_once(&self.state, id, |e| Response {
            status: 200,
            body: e.sweep_ttl().to_string(),
        })
        .await
        .map_err(reject)?;
        response
            .body
            .parse()
            .map_err(|_| js_error("a stored sweep receipt is damaged"))
    }

    /// `advanceClock` for a call forwarded from another tab, at most once per `id`: the new
    /// offset and the receipt are saved in one IndexedDB transaction, so a resend after a
    /// hand-over does not move the clock a second time.
    #[wasm_bindgen(js_name = advanceClockOnce)]
    pub async fn advance_clock_once(&self, id: String, millis: f64) -> Result<f64, JsValue> {
        Self::ready(&self.state).await;
        let known = self.state.borrow().answered.get(&id).cloned();
        if let Some(response) = known {
            // The receipt holds the offset the first run set: answer what it answered.
            let offset: i64 = response
                .body
                .parse()
                .map_err(|_| js_error("a stored clock receipt is damaged"))?;
            return Ok((js_sys::Date::now() as i64).saturating_add(offset) as f64);
        }
        self.advance(millis, Some(id)).await
    }

    /// `importSandbox` for a call forwarded from another tab, at most once per `id`: the receipt
    /// is stored in the import's own transaction, so a resend after a hand-over does not replace
    /// the sandbox again (and lose what was written after the first import).
    #[wasm_bindgen(js_name = importSandboxOnce)]
    pub async fn import_sandbox_once(&self, id: String, text: String) -> Result<(), JsValue> {
        Self::ready(&self.state).await;
        if self.state.borrow().answered.contains_key(&id) {
            return Ok(());
        }
        self.import(text, Some(id)).await
    }

    /// The playground's capacity metrics of one table as JSON text, or None for an unknown table
    /// (kept across a reopen as far as `saveMeters` last saved them).
    pub fn metrics(&self, table: &str) -> Option<String> {
        self.state
            .borrow()
            .engine
            .as_ref()
            .and_then(|e| e.metrics(table))
            .map(|v| v.to_string())
    }

    /// Saves the capacity meters (`Engine::meters`: the metrics `metrics` shows, the hottest keys,
    /// partitions and token buckets) beside the data if they changed since the last save, so a
    /// reload or a hand-over to another tab keeps them, as DynamoDB's CloudWatch view would.
    /// The tab runtime calls it every few seconds; resolves whether it wrote. A memory sandbox
    /// has nothing to save into.
    #[wasm_bindgen(js_name = saveMeters)]
    pub async fn save_meters(&self) -> Result<bool, JsValue> {
        let (text, db) = {
            let s = self.state.borrow();
            let (Some(engine), Backend::IndexedDb(db)) = (s.engine.as_ref(), &s.backend) else {
                return Ok(false);
            };
            let text = engine.meters().to_string();
            if s.meters_saved.as_deref() == Some(text.as_str()) {
                return Ok(false);
            }
            (text, db.clone())
        };
        idb::write_meters(&db, &text)
            .await
            .map_err(|e| reject(storage_message(&e)))?;
        self.state.borrow_mut().meters_saved = Some(text);
        Ok(true)
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
        self.advance(millis, None).await
    }

    /// Runs the TTL sweeper now; resolves with how many items expired, once that is durable.
    #[wasm_bindgen(js_name = sweepTtl)]
    pub async fn sweep_ttl(&self) -> Result<u32, JsValue> {
        Self::run(&self.state, |e| e.sweep_ttl() as u32)
            .await
            .map_err(reject)
    }

    /// The whole sandbox as a JSON text (format "dynaplay-sandbox", `EXPORT_VERSION`).
    #[wasm_bindgen(js_name = exportSandbox)]
    pub async fn export_sandbox(&self) -> Result<String, JsValue> {
        Self::settle(&self.state).await.map_err(reject)?;
        let backend = self.state.borrow().backend.clone();
        let snapshot = backend
            .load()
            .await
            .map_err(|e| reject(storage_message(&e)))?
            .snapshot;
        let offset = self.state.borrow().offset.load(Ordering::SeqCst);
        Ok(export_document(&snapshot, offset).to_string())
    }

    /// Replaces the whole sandbox with an export (JSON text). Nothing changes if it is invalid.
    #[wasm_bindgen(js_name = importSandbox)]
    pub async fn import_sandbox(&self, text: String) -> Result<(), JsValue> {
        self.import(text, None).await
    }

    /// How many write transactions this sandbox has committed since it opened (a group commit
    /// makes many concurrent writes share one).
    #[wasm_bindgen(getter)]
    pub fn transactions(&self) -> u32 {
        self.state.borrow().transactions
    }

    /// Compacts the whole IndexedDB log now (a sandbox otherwise only compacts a long log):
    /// resolves when every answered write is in the rows, rejects if a compaction failed. It
    /// runs in slices of at most `COMPACT_SLICE` mutations, each its own transaction, returning
    /// to the event loop between them, so the page stays responsive and requests are served
    /// meanwhile (a write waits for at most the slice under way). With `slices`, it stops after
    /// that many slices (the rest stays in the log, as safe as before).
    #[wasm_bindgen(js_name = compactLog)]
    pub async fn compact_log(&self, slices: Option<u32>) -> Result<(), JsValue> {
        let mut started = 0;
        loop {
            if slices.is_some_and(|n| started >= n) {
                return Self::slices_settled(&self.state).await;
            }
            Self::settle(&self.state).await.map_err(reject)?;
            let (empty, blocked, busy) = {
                let s = self.state.borrow();
                let busy = s.in_flight.back().map(|f| f.written.promise());
                (s.log.is_empty(), s.compaction_blocked, busy)
            };
            if empty {
                // The last slices may have been booked before they committed.
                return Self::slices_settled(&self.state).await;
            }
            if blocked {
                return Err(js_error("the last compaction of the log failed"));
            }
            let waiting = match Self::start_compaction(&self.state) {
                Some(p) => {
                    started += 1;
                    // A slice that was booked at its start leaves room for the next one to be
                    // issued while it commits; the page gets a task of its own in between.
                    let pipelined = {
                        let s = self.state.borrow();
                        s.in_flight.len() < MAX_IN_FLIGHT
                            && matches!(
                                s.in_flight.back().and_then(|f| f.compaction.as_ref()),
                                Some(Compaction::Booked)
                            )
                    };
                    if pipelined {
                        next_task().await;
                        continue;
                    }
                    Some(p)
                }
                None => busy,
            };
            match waiting {
                Some(p) => {
                    // Its outcome shows in `log` and `compaction_blocked` on the next round.
                    let _ = JsFuture::from(p).await;
                }
                None => return Err(js_error("the sandbox is closed or reopening")),
            }
        }
    }

    /// How many mutations the IndexedDB log holds (not yet compacted into the rows).
    #[wasm_bindgen(getter, js_name = loggedMutations)]
    pub fn logged_mutations(&self) -> u32 {
        u32::try_from(self.state.borrow().log_mutations).unwrap_or(u32::MAX)
    }

    /// How many logged mutations this sandbox keeps before it compacts the oldest into the rows
    /// (250,000 unless set; tests set it low to see compaction happen on its own).
    #[wasm_bindgen(js_name = setLogBound)]
    pub fn set_log_bound(&self, mutations: u32) {
        self.state.borrow_mut().log_bound = mutations as usize;
        Self::plan_compaction(&self.state);
    }

    /// How many mutations one compaction slice applies at most (1,000 unless set; tests set it
    /// low to see a log record compacted over several slices).
    #[wasm_bindgen(js_name = setCompactionSlice)]
    pub fn set_compaction_slice(&self, mutations: u32) {
        self.state.borrow_mut().compact_slice = (mutations as usize).max(1);
    }

    /// Test hook: makes the next storage write fail as a full disk would.
    #[wasm_bindgen(js_name = failNextWrite)]
    pub fn fail_next_write(&self) {
        self.state.borrow_mut().fail_next = true;
    }

    /// Closes the IndexedDB connection (another page may then upgrade or delete the database).
    pub fn close(&self) {
        let mut s = self.state.borrow_mut();
        s.closed = true;
        if let Backend::IndexedDb(db) = &s.backend {
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
    pub fn dispatch(&mut self, target: &JsString, body: &JsString) -> JsValue {
        response_object(&with_call_texts(target, body, |target, body| {
            self.call(target, body)
        }))
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
