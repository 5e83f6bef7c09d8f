//! The app shell: the `Route` enum and its hash router, the navigation, and the page's one engine,
//! shared with the pages through a context (every request through it is logged for the Code page) and
//! exposed to scripts as `window.dynaplay` so tests and the devtools drive the same tables.

use std::cell::RefCell;
use std::rc::Rc;

use dynaplay_wasm::{Dynaplay, Outcome};
use js_sys::{Object, Reflect};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

use crate::components::nav::Nav;
use crate::examples;
use crate::pages::code::CodePage;
use crate::pages::console::Console;
use crate::pages::hood::HoodPage;
use crate::pages::items::ItemsPage;
use crate::pages::modeler::ModelerPage;
use crate::pages::partiql::PartiqlPage;
use crate::pages::query::QueryPage;
use crate::pages::streams::StreamsPage;
use crate::pages::table::TablePage;
use crate::pages::tables::TablesPage;
use crate::request_log::{LogAction, RequestLog};

/// The playground's pages, addressed by the URL's hash (`#/tables/Music`), so links, the back button
/// and reloads work without a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Console,
    Tables,
    Table(String),
    Items(Option<String>),
    Query(Option<String>),
    Partiql,
    Streams(Option<String>),
    Code,
    Hood(Option<String>),
    /// The data modeler; a share link carries its model document.
    Modeler(Option<String>),
    NotFound(String),
}

impl Route {
    /// Reads a hash such as `#/items/Music`; the empty hash is the Console.
    pub fn from_hash(hash: &str) -> Route {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        let (head, rest) = match path.split_once('/') {
            Some((head, rest)) => (head, Some(decode(rest)).filter(|r| !r.is_empty())),
            None => (path, None),
        };
        match (head, rest) {
            ("" | "console", None) => Route::Console,
            ("tables", None) => Route::Tables,
            ("tables", Some(name)) => Route::Table(name),
            ("items", table) => Route::Items(table),
            ("query", table) => Route::Query(table),
            ("partiql", None) => Route::Partiql,
            ("streams", table) => Route::Streams(table),
            ("code", None) => Route::Code,
            ("hood", table) => Route::Hood(table),
            ("modeler", shared) => Route::Modeler(shared),
            _ => Route::NotFound(path.to_string()),
        }
    }

    pub fn href(&self) -> String {
        match self {
            Route::Console => "#/console".into(),
            Route::Tables => "#/tables".into(),
            Route::Table(name) => format!("#/tables/{}", encode(name)),
            Route::Items(None) => "#/items".into(),
            Route::Items(Some(name)) => format!("#/items/{}", encode(name)),
            Route::Query(None) => "#/query".into(),
            Route::Query(Some(name)) => format!("#/query/{}", encode(name)),
            Route::Partiql => "#/partiql".into(),
            Route::Streams(None) => "#/streams".into(),
            Route::Streams(Some(name)) => format!("#/streams/{}", encode(name)),
            Route::Code => "#/code".into(),
            Route::Hood(None) => "#/hood".into(),
            Route::Hood(Some(name)) => format!("#/hood/{}", encode(name)),
            Route::Modeler(None) => "#/modeler".into(),
            Route::Modeler(Some(doc)) => format!("#/modeler/{}", encode(doc)),
            Route::NotFound(path) => format!("#/{path}"),
        }
    }

    /// Which navigation entry this page belongs to.
    pub fn section(&self) -> &'static str {
        match self {
            Route::Console | Route::NotFound(_) => "console",
            Route::Tables | Route::Table(_) => "tables",
            Route::Items(_) => "items",
            Route::Query(_) => "query",
            Route::Partiql => "partiql",
            Route::Streams(_) => "streams",
            Route::Code => "code",
            Route::Hood(_) => "hood",
            Route::Modeler(_) => "modeler",
        }
    }
}

fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

fn decode(text: &str) -> String {
    js_sys::decode_uri_component(text)
        .map(String::from)
        .unwrap_or_else(|_| text.to_string())
}

fn current_route() -> Route {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    Route::from_hash(&hash)
}

/// Goes to a page, as a link would.
pub fn navigate(route: &Route) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash(&route.href());
    }
}

/// DynamoDB's error, as the pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub name: String,
    pub message: Option<String>,
}

impl Failure {
    /// A problem found before anything was sent (a box that is not JSON, say).
    pub fn local(message: impl Into<String>) -> Failure {
        Failure {
            name: "Not sent".into(),
            message: Some(message.into()),
        }
    }
}

/// The page's engine, shared, and the log every request made through it goes to. Two handles are
/// equal when they hold the same engine.
///
/// Every engine call is an `async fn`: the engine answers only once a write is durable. A page
/// clones the handle into a future, runs it with `spawn_local`, and dispatches the result into
/// its reducer (or sets its state) when it arrives:
///
/// ```ignore
/// let engine = use_context::<EngineHandle>()?;
/// let onclick = {
///     let (engine, state) = (engine.clone(), state.dispatcher());
///     Callback::from(move |_| {
///         let (engine, state) = (engine.clone(), state.clone());
///         wasm_bindgen_futures::spawn_local(async move {
///             let result = engine.call("PutItem", &body).await;
///             state.dispatch(Action::Put(result));
///         });
///     })
/// };
/// ```
///
/// `EngineHandle::spawn(future)` is the same `spawn_local`, for brevity.
#[derive(Clone)]
pub struct EngineHandle {
    engine: Rc<RefCell<Dynaplay>>,
    log: UseReducerDispatcher<RequestLog>,
}

impl PartialEq for EngineHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.engine, &other.engine)
    }
}

impl EngineHandle {
    /// Runs a page's engine work in the background (`wasm_bindgen_futures::spawn_local`).
    pub fn spawn(work: impl std::future::Future<Output = ()> + 'static) {
        wasm_bindgen_futures::spawn_local(work);
    }

    /// Runs one request and logs it: `target` is the whole `X-Amz-Target`.
    pub async fn dispatch(&self, target: &str, body: &str) -> dynaplay_engine::Response {
        let response = self.dispatch_quietly(target, body).await;
        let operation = match target.strip_prefix(dynaplay_wasm::STREAMS_TARGET_PREFIX) {
            Some(op) => format!("Streams.{op}"),
            None => target
                .strip_prefix(dynaplay_wasm::TARGET_PREFIX)
                .unwrap_or(target)
                .to_string(),
        };
        self.log.dispatch(LogAction::Record {
            operation,
            body: body.to_string(),
            status: response.status,
        });
        response
    }

    async fn dispatch_quietly(&self, target: &str, body: &str) -> dynaplay_engine::Response {
        self.engine.borrow_mut().dispatch(target, body)
    }

    /// Runs `operation` with a JSON body and logs it; the output, or DynamoDB's error.
    pub async fn call(&self, operation: &str, body: &Value) -> Result<Value, Failure> {
        let response = self
            .dispatch(&examples::target(operation), &body.to_string())
            .await;
        Self::read(&response)
    }

    /// Like `call`, without logging: for the many requests of loading a sample dataset.
    pub async fn call_quietly(&self, operation: &str, body: &Value) -> Result<Value, Failure> {
        let response = self
            .dispatch_quietly(&examples::target(operation), &body.to_string())
            .await;
        Self::read(&response)
    }

    fn read(response: &dynaplay_engine::Response) -> Result<Value, Failure> {
        match Outcome::from_response(response) {
            Outcome::Success(text) => serde_json::from_str(&text).map_err(|e| {
                Failure::local(format!(
                    "The engine's answer is not JSON ({e}); please report this."
                ))
            }),
            Outcome::Failure { name, message, .. } => Err(Failure { name, message }),
        }
    }

    /// The engine's clock: (now, how far it runs ahead of real time), in milliseconds.
    pub async fn clock(&self) -> (f64, f64) {
        let engine = self.engine.borrow();
        (engine.now_millis(), engine.clock_offset())
    }

    /// Moves the engine's clock `ms` milliseconds ahead (saved with the sandbox).
    pub async fn advance_clock(&self, ms: f64) -> Result<(), Failure> {
        self.engine.borrow_mut().advance_clock(ms);
        Ok(())
    }

    /// How long the engine's status changes take, in milliseconds (0: instant).
    pub async fn lifecycle_millis(&self) -> f64 {
        self.engine.borrow().lifecycle_millis()
    }

    pub async fn set_lifecycle_millis(&self, ms: f64) {
        self.engine.borrow_mut().set_lifecycle_millis(ms);
    }

    /// Runs the TTL sweeper now; how many expired items it deleted.
    pub async fn sweep_ttl(&self) -> Result<u32, Failure> {
        Ok(self.engine.borrow_mut().sweep_ttl())
    }

    /// The playground's capacity metrics of one table (`Engine::metrics`), or why there are none.
    pub async fn metrics(&self, table: &str) -> Result<Value, Failure> {
        let text = self
            .engine
            .borrow()
            .metrics(table)
            .ok_or_else(|| Failure::local(format!("There is no table named {table}.")))?;
        serde_json::from_str(&text).map_err(|e| {
            Failure::local(format!(
                "The engine's metrics are not JSON ({e}); please report this."
            ))
        })
    }

    /// The names of all tables (every page of ListTables), or the error.
    pub async fn table_names(&self) -> Result<Vec<String>, Failure> {
        let mut names = Vec::new();
        let mut start: Option<Value> = None;
        loop {
            let mut body = serde_json::json!({});
            if let Some(start) = start.take() {
                body["ExclusiveStartTableName"] = start;
            }
            let page = self.call_quietly("ListTables", &body).await?;
            names.extend(
                page["TableNames"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|n| n.as_str().map(String::from)),
            );
            match page.get("LastEvaluatedTableName") {
                Some(last) if !last.is_null() => start = Some(last.clone()),
                _ => return Ok(names),
            }
        }
    }
}

/// Sets `window.dynaplay = { dispatch(target, body), send(operation, input), nowMillis() }`.
fn expose_on_window(engine: &Rc<RefCell<Dynaplay>>) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let api = Object::new();

    let db = engine.clone();
    let dispatch =
        Closure::<dyn Fn(String, String) -> JsValue>::new(move |target: String, body: String| {
            db.borrow_mut().dispatch_js(&target, &body)
        });
    let db = engine.clone();
    let send = Closure::<dyn Fn(String, JsValue) -> JsValue>::new(
        move |operation: String, input: JsValue| db.borrow_mut().send(&operation, input).into(),
    );
    let db = engine.clone();
    let now = Closure::<dyn Fn() -> f64>::new(move || db.borrow().now_millis());

    // The closures live as long as the page, so handing them to JS for good is what we want.
    Reflect::set(&api, &"dispatch".into(), &dispatch.into_js_value())?;
    Reflect::set(&api, &"send".into(), &send.into_js_value())?;
    Reflect::set(&api, &"nowMillis".into(), &now.into_js_value())?;
    Reflect::set(&window, &"dynaplay".into(), &api)?;
    Ok(())
}

/// Keeps `route` in step with the URL's hash while the app lives.
#[hook]
fn use_hash_route() -> Route {
    let route = use_state(current_route);
    {
        let route = route.clone();
        use_effect_with((), move |_| {
            let listener = Closure::<dyn Fn()>::new(move || {
                route.set(current_route());
                // Land keyboard and screen-reader users on the new page, not at the old link.
                if let Some(main) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("main"))
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = main.focus();
                }
            });
            let window = web_sys::window();
            if let Some(window) = &window {
                let _ = window.add_event_listener_with_callback(
                    "hashchange",
                    listener.as_ref().unchecked_ref(),
                );
            }
            move || {
                if let Some(window) = window {
                    let _ = window.remove_event_listener_with_callback(
                        "hashchange",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }
    (*route).clone()
}

#[function_component(App)]
pub fn app() -> Html {
    let log = use_reducer(RequestLog::default);
    let engine = use_memo((), |_| Rc::new(RefCell::new(Dynaplay::new())));
    let handle = use_memo((), {
        let engine = (*engine).clone();
        let log = log.dispatcher();
        move |_| EngineHandle { engine, log }
    });
    {
        let engine = (*engine).clone();
        use_effect_with((), move |_| {
            if let Err(err) = expose_on_window(&engine) {
                web_sys::console::warn_2(&"window.dynaplay is unavailable:".into(), &err);
            }
        });
    }
    let route = use_hash_route();
    // The skip link must not change the hash (that is the router's), so it moves focus itself.
    let skip = Callback::from(|event: MouseEvent| {
        event.prevent_default();
        if let Some(main) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("main"))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = main.focus();
        }
    });

    let page = match &route {
        Route::Console => html! { <Console /> },
        Route::Tables => html! { <TablesPage /> },
        Route::Table(name) => html! { <TablePage name={name.clone()} /> },
        Route::Items(table) => html! { <ItemsPage table={table.clone()} /> },
        Route::Query(table) => html! { <QueryPage table={table.clone()} /> },
        Route::Partiql => html! { <PartiqlPage /> },
        Route::Streams(table) => html! { <StreamsPage table={table.clone()} /> },
        Route::Code => html! { <CodePage log={(*log).clone()} /> },
        Route::Hood(table) => html! { <HoodPage table={table.clone()} /> },
        Route::Modeler(shared) => html! { <ModelerPage shared={shared.clone()} /> },
        Route::NotFound(path) => html! {
            <section class="panel" aria-labelledby="missing-heading">
                <h2 id="missing-heading">{ "No such page" }</h2>
                <p>{ format!("There is no page at #/{path}. ") }<a href="#/console">{ "Go to the Console" }</a></p>
            </section>
        },
    };

    html! {
        <ContextProvider<EngineHandle> context={(*handle).clone()}>
            <a class="skip-link" href="#main" onclick={skip}>{ "Skip to the page" }</a>
            <header class="masthead">
                <h1>{ "Dynaplay" }</h1>
                <p class="tagline">
                    { "DynamoDB in your browser tab: a Rust engine compiled to WebAssembly. Nothing leaves the page." }
                </p>
                <Nav current={route.section()} requests={log.entries.len()} />
            </header>
            <main id="main" tabindex="-1">
                { page }
            </main>
        </ContextProvider<EngineHandle>>
    }
}
