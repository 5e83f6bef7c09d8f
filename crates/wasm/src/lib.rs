//! The Dynaplay engine for the browser: the `Dynaplay` class JavaScript sees (in memory,
//! synchronous, with a Rust API too), and `Sandbox` (`sandbox.rs`): the persisted, asynchronous
//! runtime behind the JavaScript module `js/dynaplay.js`; `database.rs` gives Rust callers (the
//! playground) that sandbox shared between tabs.
#![cfg(target_arch = "wasm32")]

pub mod call_time;
pub mod crossing;
pub mod database;
pub mod idb;
pub mod log_record;
pub mod sandbox;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use dynaplay_engine::storage::{Snapshot, StorageError};
use dynaplay_engine::{Clock, Engine, EngineConfig, MemoryStorage, Mutation, Response, Storage};
use js_sys::{Error, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;

/// Talc instead of Rust's default wasm allocator (dlmalloc): an engine call makes dozens of small
/// allocations (parsing the request, the item, the answer), and with dlmalloc they were 10-15% of
/// a call's time in wasm (BENCHMARKS.md has the measurements). Single-threaded wasm (no atomics),
/// which is what this crate is built for.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The prefix of every DynamoDB `X-Amz-Target`; what follows it is the operation name.
pub const TARGET_PREFIX: &str = "DynamoDB_20120810.";
/// The `X-Amz-Target` prefix of the DynamoDB Streams API.
pub const STREAMS_TARGET_PREFIX: &str = "DynamoDBStreams_20120810.";

/// The browser's wall clock, plus an offset the learner can move forward (`advanceClock`) to see
/// TTL, stream retention and per-minute metrics play out without waiting.
struct BrowserClock {
    offset: Arc<AtomicI64>,
}

impl Clock for BrowserClock {
    fn now_millis(&self) -> i64 {
        call_time::now().saturating_add(self.offset.load(Ordering::SeqCst))
    }
}

/// One DynamoDB instance in the page.
#[wasm_bindgen]
pub struct Dynaplay {
    engine: Engine,
    /// Shared with the engine's clock: how far it runs ahead of `Date.now()`, in milliseconds.
    offset: Arc<AtomicI64>,
    /// What the engine has stored, for `export_document`; None for an engine that keeps nothing.
    mirror: Option<Arc<Mutex<MemoryStorage>>>,
}

/// A `MemoryStorage` the engine writes through while its owner can still read it (for export).
struct SharedMemory(Arc<Mutex<MemoryStorage>>);

impl Storage for SharedMemory {
    fn load(&self) -> Result<Snapshot, StorageError> {
        self.0
            .lock()
            .map_err(|_| StorageError("memory storage poisoned".into()))?
            .load()
    }

    fn commit(&mut self, batch: &[Mutation]) -> Result<(), StorageError> {
        self.0
            .lock()
            .map_err(|_| StorageError("memory storage poisoned".into()))?
            .commit(batch)
    }
}

impl Default for Dynaplay {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl Dynaplay {
    /// A fresh, empty DynamoDB held in memory.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Dynaplay {
        let offset = Arc::new(AtomicI64::new(0));
        Dynaplay {
            engine: Engine::in_memory(Box::new(BrowserClock {
                offset: offset.clone(),
            })),
            offset,
            mirror: None,
        }
    }

    /// Runs one request as the HTTP endpoint would: `target` is the whole `X-Amz-Target` header
    /// (`DynamoDB_20120810.PutItem`), `body` the JSON text. Returns `{ status, body }`.
    #[wasm_bindgen(js_name = dispatch)]
    pub fn dispatch_js(&mut self, target: &str, body: &str) -> JsValue {
        // One crossing for the answer object (see crossing.rs), where `Object::new` and two
        // `Reflect::set`s took three.
        crossing::response_object(&self.dispatch(target, body))
    }

    /// `dispatch` addressed to a region of the global tables simulation, as the sandbox's
    /// `dispatchInRegion`: `dispatchInRegion('eu-west-1', 'DynamoDB_20120810.GetItem', body)` reads
    /// the table's replica in eu-west-1. No region (null, undefined, '') or the home region
    /// (us-east-1) is plain `dispatch`; a name that is not AWS-shaped gets the engine's
    /// ValidationException, the same answer the sandbox gives.
    #[wasm_bindgen(js_name = dispatchInRegion)]
    pub fn dispatch_in_region_js(&mut self, region: JsValue, target: &str, body: &str) -> JsValue {
        let region = region_name(&region);
        crossing::response_object(&self.dispatch_in_region(region.as_deref(), target, body))
    }

    /// Runs `operation` (`"PutItem"`) with `input` as a plain object, the way an SDK's `send` does.
    /// Resolves with the output object; rejects with an `Error` whose `name` is the exception name.
    /// `options.region` addresses a region of the global tables simulation (see `dispatchInRegion`).
    /// From Rust, `send(operation, input)` is this without options.
    #[wasm_bindgen(js_name = send)]
    pub fn send_with_options(
        &mut self,
        operation: &str,
        input: JsValue,
        options: JsValue,
    ) -> Promise {
        let input = if input.is_undefined() || input.is_null() {
            Object::new().into()
        } else {
            input
        };
        let body = match JSON::stringify(&input) {
            Ok(text) => String::from(text),
            Err(err) => return Promise::reject(&err),
        };
        let region = if options.is_object() {
            Reflect::get(&options, &"region".into())
                .ok()
                .and_then(|r| region_name(&r))
        } else {
            None
        };
        let response = call_time::pinned(|| match &region {
            Some(region) => self.engine.dispatch_in_region(region, operation, &body),
            None => self.engine.dispatch(operation, &body),
        });
        match Outcome::from_response(&response) {
            Outcome::Success(text) => match JSON::parse(&text) {
                Ok(output) => Promise::resolve(&output),
                Err(err) => Promise::reject(&err),
            },
            Outcome::Failure { name, message, .. } => {
                // Some exceptions (UnknownOperationException, a body that is not JSON) carry no
                // message; then the name is the most useful text an Error can carry.
                let error = Error::new(message.as_deref().unwrap_or(&name));
                error.set_name(&name);
                Promise::reject(&error)
            }
        }
    }

    /// The engine's clock, in milliseconds since the Unix epoch.
    #[wasm_bindgen(js_name = nowMillis)]
    pub fn now_millis(&self) -> f64 {
        self.engine.now_millis() as f64
    }

    /// Moves the engine's clock `ms` milliseconds further ahead of real time (never backwards:
    /// DynamoDB's time only runs forward); returns the new offset.
    #[wasm_bindgen(js_name = advanceClock)]
    pub fn advance_clock(&mut self, ms: f64) -> f64 {
        let step = if ms.is_finite() && ms > 0.0 {
            ms as i64
        } else {
            0
        };
        let _ = self
            .offset
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |o| {
                Some(o.saturating_add(step))
            });
        self.clock_offset()
    }

    /// How far the engine's clock runs ahead of `Date.now()`, in milliseconds.
    #[wasm_bindgen(js_name = clockOffset)]
    pub fn clock_offset(&self) -> f64 {
        self.offset.load(Ordering::SeqCst) as f64
    }

    /// Runs the TTL sweeper now; returns how many expired items it deleted.
    #[wasm_bindgen(js_name = sweepTtl)]
    pub fn sweep_ttl(&mut self) -> u32 {
        u32::try_from(self.engine.sweep_ttl()).unwrap_or(u32::MAX)
    }

    /// How long status changes (CREATING, UPDATING, DELETING, a GSI backfill, TTL ENABLING) take
    /// from now on, in milliseconds of the engine's clock; 0 makes them instant (the default).
    #[wasm_bindgen(js_name = setLifecycleMillis)]
    pub fn set_lifecycle_millis(&mut self, ms: f64) {
        let ms = if ms.is_finite() && ms > 0.0 {
            ms as i64
        } else {
            0
        };
        self.engine.set_lifecycle_millis(ms);
    }

    #[wasm_bindgen(js_name = lifecycleMillis)]
    pub fn lifecycle_millis(&self) -> f64 {
        self.engine.lifecycle_millis() as f64
    }

    /// The playground's capacity metrics of one table as JSON text (per-minute consumed and
    /// throttled units, partitions, hottest keys), or null for an unknown table.
    #[wasm_bindgen(js_name = metrics)]
    pub fn metrics_js(&self, table: &str) -> JsValue {
        match self.metrics(table) {
            Some(text) => JsValue::from_str(&text),
            None => JsValue::NULL,
        }
    }
}

impl Dynaplay {
    /// An empty engine in memory whose contents can be exported (`export_document`). Every write
    /// is also kept in a `MemoryStorage`, which `new()` skips.
    pub fn exportable() -> Dynaplay {
        Self::from_snapshot(Snapshot::default(), 0).unwrap_or_default()
    }

    /// A new engine holding a sandbox export (format `dynaplay-sandbox`), checked by
    /// `sandbox::import_document`; the error says what is wrong with the document.
    pub fn from_document(doc: &serde_json::Value) -> Result<Dynaplay, String> {
        let (snapshot, offset) = sandbox::import_document(doc)?;
        Self::from_snapshot(snapshot, offset)
    }

    fn from_snapshot(snapshot: Snapshot, offset_millis: i64) -> Result<Dynaplay, String> {
        let mut storage = MemoryStorage::new();
        storage
            .commit(&sandbox::snapshot_mutations(&snapshot))
            .map_err(|e| e.to_string())?;
        let mirror = Arc::new(Mutex::new(storage));
        let offset = Arc::new(AtomicI64::new(offset_millis));
        let engine = Engine::open(
            EngineConfig::default(),
            Box::new(BrowserClock {
                offset: offset.clone(),
            }),
            Box::new(SharedMemory(mirror.clone())),
        )
        .map_err(|e| format!("the sandbox cannot be opened: {e}"))?;
        Ok(Dynaplay {
            engine,
            offset,
            mirror: Some(mirror),
        })
    }

    /// The whole sandbox as the runtime's export document, or None for an engine made by `new()`.
    pub fn export_document(&self) -> Option<serde_json::Value> {
        let snapshot = self.mirror.as_ref()?.lock().ok()?.load().ok()?;
        Some(sandbox::export_document(
            &snapshot,
            self.offset.load(Ordering::SeqCst),
        ))
    }

    /// The Rust side of `dispatch`: a whole `X-Amz-Target` and a body in, status and body out.
    pub fn dispatch(&mut self, target: &str, body: &str) -> Response {
        // Both APIs, by their own prefixes; anything else is UnknownOperationException, as
        // DynamoDB answers a target outside its API.
        call_time::pinned(|| self.engine.dispatch_target(target, body))
    }

    /// JavaScript's `send` without options: the home region.
    pub fn send(&mut self, operation: &str, input: JsValue) -> Promise {
        self.send_with_options(operation, input, JsValue::UNDEFINED)
    }

    /// The Rust side of `dispatchInRegion`: None (or an empty name) is the home region. A region
    /// the simulation cannot serve is the engine's answer, not a refusal here, so the class and the
    /// sandbox answer alike.
    pub fn dispatch_in_region(
        &mut self,
        region: Option<&str>,
        target: &str,
        body: &str,
    ) -> Response {
        match region.filter(|r| !r.is_empty()) {
            Some(region) => {
                call_time::pinned(|| self.engine.dispatch_target_in_region(region, target, body))
            }
            None => self.dispatch(target, body),
        }
    }

    /// The Rust side of `metrics`: the JSON text, or None for an unknown table.
    pub fn metrics(&self, table: &str) -> Option<String> {
        self.engine.metrics(table).map(|v| v.to_string())
    }
}

/// A region argument from JavaScript as the sandbox's `dispatchInRegion` reads it: null,
/// undefined and '' are the home region (None); anything else is its text, checked by the engine.
fn region_name(region: &JsValue) -> Option<String> {
    if region.is_undefined() || region.is_null() {
        return None;
    }
    let text = match region.as_string() {
        Some(text) => text,
        // String(region), as the JavaScript module converts it; a value whose toString throws is
        // named as such (the engine then refuses it as a region name).
        None => js_string(region).unwrap_or_else(|_| "(unreadable region)".to_string()),
    };
    (!text.is_empty()).then_some(text)
}

#[wasm_bindgen]
extern "C" {
    /// JavaScript's global `String(value)`.
    #[wasm_bindgen(js_name = String, catch)]
    fn js_string(value: &JsValue) -> Result<String, JsValue>;
}

/// A response read the way an SDK reads it: the body on success, or the exception's name and message.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Success(String),
    Failure {
        status: u16,
        name: String,
        /// DynamoDB's message; some exceptions have none.
        message: Option<String>,
    },
}

impl Outcome {
    pub fn from_response(response: &Response) -> Outcome {
        if response.status == 200 {
            return Outcome::Success(response.body.clone());
        }
        let parsed = JSON::parse(&response.body).unwrap_or(JsValue::NULL);
        let field = |key: &str| {
            Reflect::get(&parsed, &key.into())
                .ok()
                .and_then(|v| v.as_string())
        };
        // `__type` is `namespace#Name`; SDKs report only the part after `#`.
        let name = field("__type")
            .map(|t| t.rsplit('#').next().unwrap_or_default().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "UnknownError".to_string());
        // Coral's protocol errors spell the key `Message`, DynamoDB's own `message`.
        let message = field("message").or_else(|| field("Message"));
        Outcome::Failure {
            status: response.status,
            name,
            message,
        }
    }
}
