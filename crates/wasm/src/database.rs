//! The tab-shared sandbox of `js/database.js` for Rust callers (the playground). The JavaScript
//! module holds the tab logic (one owner per sandbox by Web Lock, followers forwarding over a
//! BroadcastChannel, hand-over); it is linked into the caller's wasm-bindgen output as a snippet and
//! handed `open_sandbox` from the same wasm, so a page that uses this loads the engine only once.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/js/database.js")]
extern "C" {
    /// One sandbox as `js/database.js` shares it between tabs.
    #[derive(Clone)]
    pub type Database;

    /// Deletes IndexedDB database `name`; resolves "deleted", or "blocked" while another tab
    /// holds it open (it goes when that tab lets go).
    #[wasm_bindgen(js_name = deleteDatabase)]
    pub fn delete_database(name: &str) -> Promise;

    #[wasm_bindgen(js_name = openDatabase)]
    fn open_database(name: &JsValue, options: &JsValue, open_sandbox: &Function) -> Promise;

    #[wasm_bindgen(method, js_name = dispatch)]
    fn dispatch_js(this: &Database, target: &str, body: &str) -> Promise;
    #[wasm_bindgen(method, js_name = dispatchInRegion)]
    fn dispatch_in_region_js(this: &Database, region: &str, target: &str, body: &str) -> Promise;
    #[wasm_bindgen(method, js_name = advanceClock)]
    fn advance_clock_js(this: &Database, millis: f64) -> Promise;
    #[wasm_bindgen(method, js_name = sweepTtl)]
    fn sweep_ttl_js(this: &Database) -> Promise;
    #[wasm_bindgen(method, js_name = metrics)]
    fn metrics_js(this: &Database, table: &str) -> Promise;
    #[wasm_bindgen(method, js_name = exportSandbox)]
    fn export_js(this: &Database) -> Promise;
    #[wasm_bindgen(method, js_name = lifecycleMillis)]
    fn lifecycle_millis_js(this: &Database) -> Promise;
    #[wasm_bindgen(method, js_name = setLifecycleMillis)]
    fn set_lifecycle_millis_js(this: &Database, millis: f64) -> Promise;
    #[wasm_bindgen(method, js_name = importSandbox)]
    fn import_js(this: &Database, text: &str) -> Promise;

    /// The sandbox clock, epoch milliseconds (real time plus the learner's offset).
    #[wasm_bindgen(method)]
    pub fn now(this: &Database) -> f64;
    /// Releases the tab's hold on the sandbox (lock, channel, IndexedDB connection).
    #[wasm_bindgen(method)]
    pub fn close(this: &Database);
    /// "indexeddb" or "memory".
    #[wasm_bindgen(method, getter)]
    pub fn persistence(this: &Database) -> String;
    /// Why a sandbox meant to persist lives in memory.
    #[wasm_bindgen(method, getter)]
    pub fn reason(this: &Database) -> Option<String>;
    /// "owner" (the engine runs in this tab) or "follower" (calls go to the owner's tab).
    #[wasm_bindgen(method, getter)]
    pub fn role(this: &Database) -> String;
}

/// A rejected promise's text: an Error's message, or the value itself.
fn message(e: JsValue) -> String {
    Reflect::get(&e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

async fn settle(promise: Promise) -> Result<JsValue, String> {
    JsFuture::from(promise).await.map_err(message)
}

thread_local! {
    /// `openSandbox` as the function `js/database.js` calls (again at a hand-over), made once.
    static OPENER: Function = Closure::<dyn Fn(JsValue, bool) -> Promise>::new(
        |name: JsValue, throttling: bool| {
            wasm_bindgen_futures::future_to_promise(async move {
                crate::sandbox::open_sandbox(name.as_string(), throttling)
                    .await
                    .map(JsValue::from)
            })
        },
    )
    .into_js_value()
    .unchecked_into();
}

/// Opens sandbox `name` shared with the other tabs of this origin (IndexedDB database
/// `dynaplay:<name>`; memory only, with a `reason`, where IndexedDB is unavailable).
pub async fn open(name: &str) -> Result<Database, String> {
    let options = Object::new();
    let promise = OPENER.with(|opener| open_database(&name.into(), &options, opener));
    Ok(settle(promise).await?.unchecked_into())
}

impl Database {
    /// One request: the whole `X-Amz-Target` and the JSON text; the status and body DynamoDB
    /// would send, once the effect is durable.
    pub async fn dispatch(
        &self,
        target: &str,
        body: &str,
    ) -> Result<dynaplay_engine::Response, String> {
        Self::response(settle(self.dispatch_js(target, body)).await?)
    }

    /// `dispatch` addressed to a region of the global tables simulation (`eu-west-1`): table
    /// names reach that region's replicas. None, or the home region, is plain `dispatch`.
    pub async fn dispatch_in_region(
        &self,
        region: Option<&str>,
        target: &str,
        body: &str,
    ) -> Result<dynaplay_engine::Response, String> {
        match region {
            Some(region) => {
                Self::response(settle(self.dispatch_in_region_js(region, target, body)).await?)
            }
            None => self.dispatch(target, body).await,
        }
    }

    /// `{status, body}` as the engine's `Response`.
    fn response(answer: JsValue) -> Result<dynaplay_engine::Response, String> {
        let status = Reflect::get(&answer, &"status".into())
            .ok()
            .and_then(|s| s.as_f64())
            .unwrap_or(500.0) as u16;
        let body = Reflect::get(&answer, &"body".into())
            .ok()
            .and_then(|b| b.as_string())
            .unwrap_or_default();
        Ok(dynaplay_engine::Response { status, body })
    }

    /// Moves the clock `millis` ahead (saved first); the new `now`.
    pub async fn advance_clock(&self, millis: f64) -> Result<f64, String> {
        Ok(settle(self.advance_clock_js(millis))
            .await?
            .as_f64()
            .unwrap_or_default())
    }

    /// Runs the TTL sweeper; how many items expired.
    pub async fn sweep_ttl(&self) -> Result<u32, String> {
        Ok(settle(self.sweep_ttl_js())
            .await?
            .as_f64()
            .unwrap_or_default() as u32)
    }

    /// `Engine::metrics` of one table as JSON text; None for an unknown table.
    pub async fn metrics(&self, table: &str) -> Result<Option<String>, String> {
        Ok(settle(self.metrics_js(table)).await?.as_string())
    }

    /// How long the owner engine's status changes take, in milliseconds (0: instant).
    pub async fn lifecycle_millis(&self) -> Result<f64, String> {
        Ok(settle(self.lifecycle_millis_js())
            .await?
            .as_f64()
            .unwrap_or_default())
    }

    /// Sets how long the owner engine's status changes take (0: instant).
    pub async fn set_lifecycle_millis(&self, millis: f64) -> Result<(), String> {
        settle(self.set_lifecycle_millis_js(millis))
            .await
            .map(|_| ())
    }

    /// The whole sandbox as one export document (JSON text).
    pub async fn export(&self) -> Result<String, String> {
        let doc = settle(self.export_js()).await?;
        js_sys::JSON::stringify(&doc)
            .map(String::from)
            .map_err(message)
    }

    /// Replaces the whole sandbox with an export (JSON text); an invalid one changes nothing.
    pub async fn import(&self, text: &str) -> Result<(), String> {
        settle(self.import_js(text)).await.map(|_| ())
    }
}
