//! The Dynaplay engine for the browser: the `Dynaplay` class JavaScript sees, and the same engine as a
//! Rust API for the Yew app (in memory, synchronous), and `Sandbox` (`sandbox.rs`): the
//! persisted, asynchronous runtime behind the JavaScript module `js/dynaplay.js`.
#![cfg(target_arch = "wasm32")]

pub mod idb;
pub mod sandbox;

use dynaplay_engine::{Clock, Engine, Response};
use js_sys::{Error, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;

/// The prefix of every DynamoDB `X-Amz-Target`; what follows it is the operation name.
pub const TARGET_PREFIX: &str = "DynamoDB_20120810.";
/// The `X-Amz-Target` prefix of the DynamoDB Streams API.
pub const STREAMS_TARGET_PREFIX: &str = "DynamoDBStreams_20120810.";

/// The browser's wall clock.
struct BrowserClock;

impl Clock for BrowserClock {
    fn now_millis(&self) -> i64 {
        js_sys::Date::now() as i64
    }
}

/// One DynamoDB instance in the page.
#[wasm_bindgen]
pub struct Dynaplay {
    engine: Engine,
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
        Dynaplay {
            engine: Engine::in_memory(Box::new(BrowserClock)),
        }
    }

    /// Runs one request as the HTTP endpoint would: `target` is the whole `X-Amz-Target` header
    /// (`DynamoDB_20120810.PutItem`), `body` the JSON text. Returns `{ status, body }`.
    #[wasm_bindgen(js_name = dispatch)]
    pub fn dispatch_js(&mut self, target: &str, body: &str) -> JsValue {
        let response = self.dispatch(target, body);
        let object = Object::new();
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &"status".into(), &response.status.into());
        let _ = Reflect::set(&object, &"body".into(), &response.body.into());
        object.into()
    }

    /// Runs `operation` (`"PutItem"`) with `input` as a plain object, the way an SDK's `send` does.
    /// Resolves with the output object; rejects with an `Error` whose `name` is the exception name.
    pub fn send(&mut self, operation: &str, input: JsValue) -> Promise {
        let input = if input.is_undefined() || input.is_null() {
            Object::new().into()
        } else {
            input
        };
        let body = match JSON::stringify(&input) {
            Ok(text) => String::from(text),
            Err(err) => return Promise::reject(&err),
        };
        match Outcome::from_response(&self.engine.dispatch(operation, &body)) {
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
}

impl Dynaplay {
    /// The Rust side of `dispatch`: a whole `X-Amz-Target` and a body in, status and body out.
    pub fn dispatch(&mut self, target: &str, body: &str) -> Response {
        // Both APIs, by their own prefixes; anything else is UnknownOperationException, as
        // DynamoDB answers a target outside its API.
        self.engine.dispatch_target(target, body)
    }
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
