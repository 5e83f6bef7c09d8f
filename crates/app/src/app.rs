//! The app shell: the `Route` enum and its hash router, the navigation, and the current sandbox
//! (persisted in IndexedDB and shared with other tabs by `dynaplay_wasm::database`), handed to the
//! pages through a context (every request through it is logged for the Code page) and exposed to
//! scripts as `window.dynaplay` so tests and the devtools drive the same tables.

use std::cell::RefCell;
use std::rc::Rc;

use dynaplay_wasm::database::{self, Database};
use dynaplay_wasm::Outcome;
use js_sys::Reflect;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

use crate::components::nav::Nav;
use crate::examples;
use crate::pages::code::CodePage;
use crate::pages::console::Console;
use crate::pages::embed::EmbedPage;
use crate::pages::hood::HoodPage;
use crate::pages::items::ItemsPage;
use crate::pages::lessons::{LessonPage, LessonsPage};
use crate::pages::modeler::ModelerPage;
use crate::pages::partiql::PartiqlPage;
use crate::pages::query::QueryPage;
use crate::pages::sandboxes::{self, Entry, SandboxesPage};
use crate::pages::share::{SharePage, SharedPage};
use crate::pages::streams::StreamsPage;
use crate::pages::table::TablePage;
use crate::pages::tables::TablesPage;
use crate::regions::Regions;
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
    Sandboxes,
    Lessons,
    Lesson(String),
    /// Share, open a shared file, export to DynamoDB.
    Share,
    /// A share link's payload (`#/shared/<base64url>`).
    Shared(String),
    /// The compact console for iframes (`#/embed/console?sandbox=...`): the query after `?`.
    Embed(String),
    /// The data modeler; a share link carries its model document.
    Modeler(Option<String>),
    NotFound(String),
}

impl Route {
    /// Reads a hash such as `#/items/Music`; the empty hash is the Console.
    pub fn from_hash(hash: &str) -> Route {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        // These carry data that must reach their page as it is, not URI-decoded.
        if let Some(payload) = path.strip_prefix("shared/") {
            return Route::Shared(payload.to_string());
        }
        if let Some(rest) = path.strip_prefix("embed/console") {
            return Route::Embed(rest.trim_start_matches('?').to_string());
        }
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
            ("sandboxes", None) => Route::Sandboxes,
            ("lessons", None) => Route::Lessons,
            ("lessons", Some(id)) => Route::Lesson(id),
            ("share", None) => Route::Share,
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
            Route::Sandboxes => "#/sandboxes".into(),
            Route::Lessons => "#/lessons".into(),
            Route::Lesson(id) => format!("#/lessons/{}", encode(id)),
            Route::Share => "#/share".into(),
            Route::Shared(payload) => format!("#/shared/{payload}"),
            Route::Embed(query) => format!("#/embed/console?{query}"),
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
            Route::Sandboxes => "sandboxes",
            Route::Lessons | Route::Lesson(_) => "lessons",
            Route::Share | Route::Shared(_) | Route::Embed(_) => "share",
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
///
/// A handle addresses the sandbox's home region; `engine.in_region(Some("eu-west-1"))` is the same
/// engine addressed to another region of the global tables simulation, where table names reach
/// that region's replicas (and the log records the region).
#[derive(Clone)]
pub struct EngineHandle {
    engine: Rc<Database>,
    log: UseReducerDispatcher<RequestLog>,
    /// The simulated region requests go to; None: the home region.
    region: Option<Rc<str>>,
}

impl PartialEq for EngineHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.engine, &other.engine) && self.region == other.region
    }
}

/// A failure of the sandbox itself (not DynamoDB's answer), as the pages show it.
fn sandbox_failure(message: String) -> Failure {
    Failure {
        name: "InternalServerError".into(),
        message: Some(message),
    }
}

impl EngineHandle {
    /// Runs a page's engine work in the background (`wasm_bindgen_futures::spawn_local`).
    pub fn spawn(work: impl std::future::Future<Output = ()> + 'static) {
        wasm_bindgen_futures::spawn_local(work);
    }

    /// This engine addressed to `region` of the global tables simulation (`eu-west-1`); None is
    /// the home region.
    pub fn in_region(&self, region: Option<&str>) -> EngineHandle {
        EngineHandle {
            region: region.filter(|r| !r.is_empty()).map(Rc::from),
            ..self.clone()
        }
    }

    /// The regions there are to address: the home region and every region holding a replica
    /// (`GlobalTables.Describe`, unlogged); just the home region if that read fails.
    pub async fn regions(&self) -> Regions {
        self.in_region(None)
            .call_quietly("GlobalTables.Describe", &serde_json::json!({}))
            .await
            .map(|answer| Regions::from_describe(&answer))
            .unwrap_or_default()
    }

    /// Runs one request and logs it: `target` is the whole `X-Amz-Target`.
    pub async fn dispatch(&self, target: &str, body: &str) -> dynaplay_engine::Response {
        let response = self.dispatch_quietly(target, body).await;
        self.log.dispatch(LogAction::Record {
            operation: examples::operation_of(target),
            body: body.to_string(),
            status: response.status,
            error: match Outcome::from_response(&response) {
                Outcome::Failure { name, .. } => Some(name),
                Outcome::Success(_) => None,
            },
            region: self.region.as_deref().map(String::from),
        });
        response
    }

    async fn dispatch_quietly(&self, target: &str, body: &str) -> dynaplay_engine::Response {
        let answer = self
            .engine
            .dispatch_in_region(self.region.as_deref(), target, body)
            .await;
        match answer {
            Ok(response) => response,
            // The tab that owns the sandbox went away and none took over, say: DynamoDB's shape.
            Err(message) => dynaplay_engine::Response {
                status: 500,
                body: serde_json::json!({
                    "__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
                    "message": message,
                })
                .to_string(),
            },
        }
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

    /// Puts a request into the log (the Code page) without running it: a shared sandbox's history.
    pub fn record(&self, operation: &str, body: &str, status: u16) {
        self.log.dispatch(LogAction::Record {
            operation: operation.to_string(),
            body: body.to_string(),
            status,
            // A shared history keeps statuses, not answers: the exception name is not known.
            error: None,
            region: None,
        });
    }

    /// The engine's clock: (now, how far it runs ahead of real time), in milliseconds.
    pub async fn clock(&self) -> (f64, f64) {
        let now = self.engine.now();
        (now, now - js_sys::Date::now())
    }

    /// Moves the engine's clock `ms` milliseconds ahead (saved with the sandbox).
    pub async fn advance_clock(&self, ms: f64) -> Result<(), Failure> {
        self.engine
            .advance_clock(ms)
            .await
            .map(|_| ())
            .map_err(sandbox_failure)
    }

    /// How long the engine's status changes take, in milliseconds (0: instant).
    pub async fn lifecycle_millis(&self) -> f64 {
        self.engine.lifecycle_millis().await.unwrap_or_default()
    }

    /// Sets how long status changes take (the owner tab's engine; memory only).
    pub async fn set_lifecycle_millis(&self, ms: f64) -> Result<(), Failure> {
        self.engine
            .set_lifecycle_millis(ms)
            .await
            .map_err(sandbox_failure)
    }

    /// Runs the TTL sweeper now; how many expired items it deleted.
    pub async fn sweep_ttl(&self) -> Result<u32, Failure> {
        self.engine.sweep_ttl().await.map_err(sandbox_failure)
    }

    /// The whole sandbox as an export document (JSON text, format "dynaplay-sandbox").
    pub async fn export_sandbox(&self) -> Result<String, Failure> {
        self.engine.export().await.map_err(sandbox_failure)
    }

    /// The playground's capacity metrics of one table (`Engine::metrics`), or why there are none.
    pub async fn metrics(&self, table: &str) -> Result<Value, Failure> {
        let text = self
            .engine
            .metrics(table)
            .await
            .map_err(sandbox_failure)?
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

/// Sets `window.dynaplay` to the current sandbox: the runtime's `Database` (send, dispatch, now,
/// advanceClock, sweepTtl, exportSandbox, importSandbox, requestHandler), so scripts and tests
/// change what the pages show.
fn expose_on_window(db: &Database) {
    if let Some(window) = web_sys::window() {
        let _ = Reflect::set(&window, &"dynaplay".into(), db);
    }
}

/// Where the current sandbox stands.
#[derive(Clone)]
enum Sandbox {
    Opening(Entry),
    Open(Entry, Rc<Database>),
    Failed(Entry, String),
}

impl Sandbox {
    fn entry(&self) -> &Entry {
        match self {
            Sandbox::Opening(e) | Sandbox::Open(e, _) | Sandbox::Failed(e, _) => e,
        }
    }
}

/// The sandbox this tab has open or is opening: its id, and its `Database` once open.
#[derive(Default)]
struct Opened {
    id: Option<String>,
    db: Option<Rc<Database>>,
}

/// Opens the current sandbox (closing the one open first), then shows it.
fn open_current(state: UseStateHandle<Sandbox>, opened: Rc<RefCell<Opened>>) {
    let entry = sandboxes::current();
    {
        let mut opened = opened.borrow_mut();
        if let Some(old) = opened.db.take() {
            old.close();
        }
        opened.id = Some(entry.id.clone());
    }
    state.set(Sandbox::Opening(entry.clone()));
    wasm_bindgen_futures::spawn_local(async move {
        let result = database::open(&entry.id).await;
        // A switch made while this one was opening wins: this one is closed again.
        if opened.borrow().id.as_deref() != Some(entry.id.as_str()) {
            if let Ok(db) = result {
                db.close();
            }
            return;
        }
        match result {
            Ok(db) => {
                let db = Rc::new(db);
                expose_on_window(&db);
                opened.borrow_mut().db = Some(db.clone());
                state.set(Sandbox::Open(entry, db));
            }
            Err(message) => state.set(Sandbox::Failed(entry, message)),
        }
    });
}

/// What the nav says about the current sandbox's storage.
fn persistence_text(db: &Database) -> String {
    if db.persistence() == "indexeddb" {
        "saved in this browser".into()
    } else {
        format!(
            "memory only: {}",
            db.reason()
                .unwrap_or_else(|| "a reload empties it".to_string())
        )
    }
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
    let sandbox = use_state(|| Sandbox::Opening(sandboxes::current()));
    let opened = use_mut_ref(Opened::default);
    // Bumped when a sandbox is renamed, so the nav shows the new name.
    let names = use_state(|| 0u32);
    {
        let (sandbox, opened, names) = (sandbox.clone(), opened.clone(), names.clone());
        use_effect_with((), move |_| {
            open_current(sandbox.clone(), opened.clone());
            sandboxes::listen(Callback::from(move |()| {
                let wanted = sandboxes::current();
                if opened.borrow().id.as_deref() != Some(wanted.id.as_str()) {
                    open_current(sandbox.clone(), opened.clone());
                } else {
                    // A rename: the same sandbox, a new label to show.
                    names.set(names.wrapping_add(1));
                }
            }));
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
        Route::Sandboxes => html! { <SandboxesPage /> },
        Route::Lessons => html! { <LessonsPage /> },
        // Keyed by id, so moving to the next lesson starts its console afresh.
        Route::Lesson(id) => {
            html! { <LessonPage key={id.clone()} id={id.clone()} log={(*log).clone()} /> }
        }
        Route::Share => html! { <SharePage log={(*log).clone()} /> },
        Route::Shared(payload) => html! { <SharedPage payload={payload.clone()} /> },
        // The embed is a page of its own: no masthead, no navigation, its own engine.
        Route::Embed(query) => return html! { <EmbedPage query={query.clone()} /> },
        Route::Modeler(shared) => html! { <ModelerPage shared={shared.clone()} /> },
        Route::NotFound(path) => html! {
            <section class="panel" aria-labelledby="missing-heading">
                <h2 id="missing-heading">{ "No such page" }</h2>
                <p>{ format!("There is no page at #/{path}. ") }<a href="#/console">{ "Go to the Console" }</a></p>
            </section>
        },
    };

    // The label as the registry has it now (a rename changes it without reopening).
    let label = sandboxes::list()
        .into_iter()
        .find(|e| e.id == sandbox.entry().id)
        .map_or_else(|| sandbox.entry().label.clone(), |e| e.label);
    let (status, main) = match &*sandbox {
        Sandbox::Opening(_) => (
            "opening...".to_string(),
            html! { <p class="placeholder" id="sandbox-opening">{ format!("Opening the sandbox {label}...") }</p> },
        ),
        Sandbox::Failed(_, message) => (
            "not open".to_string(),
            html! {
                <section class="panel" role="alert">
                    <h2>{ "The sandbox did not open" }</h2>
                    <p>{ message }</p>
                    <p>{ "Choose another sandbox below, or reload the page." }</p>
                    <SandboxesPage />
                </section>
            },
        ),
        Sandbox::Open(entry, db) => {
            let handle = EngineHandle {
                engine: db.clone(),
                log: log.dispatcher(),
                region: None,
            };
            (
                persistence_text(db),
                // Keyed by sandbox: a switch remounts the page, so nothing of the old one lingers.
                html! {
                    <ContextProvider<EngineHandle> context={handle}>
                        <div key={entry.id.clone()} class="page-host">{ page }</div>
                    </ContextProvider<EngineHandle>>
                },
            )
        }
    };
    let memory = matches!(&*sandbox, Sandbox::Open(_, db) if db.persistence() != "indexeddb");

    html! {
        <>
            <a class="skip-link" href="#main" onclick={skip}>{ "Skip to the page" }</a>
            <header class="masthead">
                <h1>{ "Dynaplay" }</h1>
                <p class="tagline">
                    { "DynamoDB in your browser tab: a Rust engine compiled to WebAssembly. Nothing leaves the page." }
                </p>
                <p class="sandbox-line" id="sandbox-line">
                    { "Sandbox: " }
                    <a href="#/sandboxes" id="current-sandbox">{ label }</a>
                    { " — " }
                    <span id="sandbox-persistence" class={classes!(memory.then_some("warning"))}>{ status }</span>
                </p>
                <Nav current={route.section()} requests={log.entries.len()} />
            </header>
            <main id="main" tabindex="-1">
                { main }
            </main>
        </>
    }
}
