//! The data modeler page: edit a single-table design (keys, GSIs, entities with key patterns, access
//! patterns), import and export NoSQL Workbench model files, share the design as a link, build its
//! tables with their sample items in the sandbox, run each access pattern (a Query, or a Scan it is
//! flagged for) and see the facet and aggregate views.
//!
//! The model is kept in `localStorage` between visits; a share link carries it in the URL fragment
//! (`#/modeler/<document>`), validated like an imported file before anything uses it.

use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use serde_json::{Map, Value};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::app::{navigate, EngineHandle, Failure, Route};
use crate::components::error_box::ErrorBox;
use crate::components::item_grid::ItemGrid;
use crate::components::modeler_views::ModelerViews;
use crate::modeler::requests::{self, PatternRequest};
use crate::modeler::{
    document, example_model, pairs_text, parse_pairs, pattern, workbench, AccessPattern, Entity,
    Filter, IndexModel, KeyAttribute, Model, Projection, SampleItem, SortCondition, TableModel,
};

/// An edit of one access pattern from one field's text.
type PatternEdit = Rc<dyn Fn(&mut AccessPattern, &str)>;

const STORAGE_KEY: &str = "dynaplay.modeler";
/// The user's own design while a shared one is open.
const BACKUP_KEY: &str = "dynaplay.modeler.before-share";
/// Items read back from the sandbox for the views, at most.
const SANDBOX_READ_LIMIT: usize = 1000;

#[derive(Properties, PartialEq)]
pub struct ModelerPageProps {
    /// A shared document from the URL, if the page was opened from a share link.
    pub shared: Option<String>,
}

/// Where the design is being loaded into the sandbox.
#[derive(Clone, PartialEq)]
enum Load {
    Idle,
    Running { done: usize, total: usize },
    Done(Result<String, Failure>),
}

#[derive(Clone, PartialEq)]
struct State {
    model: Model,
    table: usize,
    /// The last import, export or share note: Ok(text) or Err(problem).
    note: Option<Result<String, String>>,
    /// Each access pattern's last run, by position.
    runs: Vec<Option<Result<Value, Failure>>>,
    load: Load,
    /// Items read from the sandbox's table, shown by the views instead of the samples.
    sandbox_items: Option<Result<Vec<Value>, Failure>>,
    share_url: Option<String>,
}

enum Action {
    EditTable(Rc<dyn Fn(&mut TableModel)>),
    EditModel(Rc<dyn Fn(&mut Model)>),
    Replace(Box<Model>, String),
    Note(Result<String, String>),
    PickTable(usize),
    Ran(usize, Result<Value, Failure>),
    Load(Load),
    SandboxItems(Result<Vec<Value>, Failure>),
    Shared(String),
}

impl Reducible for State {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::EditTable(edit) => {
                if let Some(table) = next.model.tables.get_mut(next.table) {
                    edit(table);
                }
                next.share_url = None;
            }
            Action::EditModel(edit) => {
                edit(&mut next.model);
                next.table = next.table.min(next.model.tables.len().saturating_sub(1));
                next.share_url = None;
            }
            Action::Replace(model, note) => {
                next = State::new(*model);
                next.note = Some(Ok(note));
            }
            Action::Note(note) => next.note = Some(note),
            Action::PickTable(i) => {
                next.table = i.min(next.model.tables.len().saturating_sub(1));
                next.runs.clear();
                next.sandbox_items = None;
            }
            Action::Ran(i, result) => {
                if next.runs.len() <= i {
                    next.runs.resize(i + 1, None);
                }
                next.runs[i] = Some(result);
            }
            Action::Load(load) => next.load = load,
            Action::SandboxItems(items) => next.sandbox_items = Some(items),
            Action::Shared(url) => next.share_url = Some(url),
        }
        Rc::new(next)
    }
}

impl State {
    fn new(model: Model) -> State {
        State {
            model,
            table: 0,
            note: None,
            runs: Vec::new(),
            load: Load::Idle,
            sandbox_items: None,
            share_url: None,
        }
    }

    fn current(&self) -> Option<&TableModel> {
        self.model.tables.get(self.table)
    }
}

fn local_storage() -> Option<JsValue> {
    let window = web_sys::window()?;
    Reflect::get(&window, &"localStorage".into())
        .ok()
        .filter(|s| !s.is_null() && !s.is_undefined())
}

/// Calls `storage.method(args...)`; storage may be missing or full, which only loses the copy.
fn storage_call(method: &str, args: &[&str]) -> Option<JsValue> {
    let storage = local_storage()?;
    let function: Function = Reflect::get(&storage, &method.into())
        .ok()?
        .dyn_into()
        .ok()?;
    let result = match args {
        [a] => function.call1(&storage, &JsValue::from_str(a)),
        [a, b] => function.call2(&storage, &JsValue::from_str(a), &JsValue::from_str(b)),
        _ => return None,
    };
    result.ok()
}

fn saved_model() -> Option<Model> {
    let text = storage_call("getItem", &[STORAGE_KEY])?.as_string()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    document::from_document(&value).ok()
}

/// For the sandbox share link (`share.rs`, branch `share`): the modeler's current design as a
/// checked Dynaplay document, to carry as an optional field of the shared document.
// Not called yet: the share link lands on its own branch; the lead wires it in.
pub fn share_document() -> Option<Value> {
    saved_model().map(|model| document::to_document(&model))
}

/// For opening a sandbox share link: checks a shared design (as `share_document` made it) and makes
/// it the modeler's, setting the user's own aside as a modeler link does. The error says why a
/// document was refused; nothing is stored then.
pub fn open_shared_document(shared: &Value) -> Result<(), String> {
    let model = document::from_document(shared)?;
    if let Some(own) = storage_call("getItem", &[STORAGE_KEY]).and_then(|v| v.as_string()) {
        storage_call("setItem", &[BACKUP_KEY, &own]);
    }
    storage_call(
        "setItem",
        &[STORAGE_KEY, &document::to_document(&model).to_string()],
    );
    Ok(())
}

/// Reads a shared or saved document's text.
fn read_document(text: &str) -> Result<Model, String> {
    if text.len() > workbench::MAX_BYTES {
        return Err("The shared model is too large.".into());
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("The shared model is not JSON: {e}."))?;
    document::from_document(&value)
}

/// Reads a model file the user chose: a Workbench model, or a Dynaplay document.
fn read_model_file(text: &str) -> Result<Model, String> {
    if text.len() > workbench::MAX_BYTES {
        return workbench::import(text);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(value) if value.get("dynaplayModel").is_some() => document::from_document(&value),
        Ok(value) => workbench::import_value(&value),
        Err(e) => Err(format!("The file is not JSON: {e}.")),
    }
}

/// The text of the file chosen in a file input (through `File.text()`), refusing large files unread.
async fn chosen_file_text(input: &HtmlInputElement) -> Result<Option<String>, String> {
    let file = Reflect::get(input, &"files".into())
        .and_then(|files| Reflect::get(&files, &0.into()))
        .map_err(|_| "The browser gave no file.".to_string())?;
    if file.is_undefined() || file.is_null() {
        return Ok(None);
    }
    let size = Reflect::get(&file, &"size".into())
        .ok()
        .and_then(|s| s.as_f64())
        .unwrap_or(0.0);
    if size > workbench::MAX_BYTES as f64 {
        return Err(format!(
            "The file is {size} bytes; a model file may be at most {}.",
            workbench::MAX_BYTES
        ));
    }
    let text: Function = Reflect::get(&file, &"text".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| "This browser cannot read files.".to_string())?;
    let promise: Promise = text
        .call0(&file)
        .ok()
        .and_then(|p| p.dyn_into().ok())
        .ok_or_else(|| "The file could not be read.".to_string())?;
    let value = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|_| "The file could not be read.".to_string())?;
    Ok(value.as_string())
}

fn input_value(e: &Event) -> String {
    if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
        return input.value();
    }
    if let Some(area) = e.target_dyn_into::<HtmlTextAreaElement>() {
        return area.value();
    }
    e.target_dyn_into::<HtmlSelectElement>()
        .map(|s| s.value())
        .unwrap_or_default()
}

/// A text input that applies `edit(table, value)` on change.
fn edit_input(
    state: &UseReducerHandle<State>,
    id: String,
    label: &str,
    value: String,
    edit: impl Fn(&mut TableModel, &str) + 'static,
) -> Html {
    let edit = Rc::new(edit);
    let onchange = {
        let state = state.dispatcher();
        Callback::from(move |e: Event| {
            let text = input_value(&e);
            let edit = edit.clone();
            state.dispatch(Action::EditTable(Rc::new(move |t| edit(t, &text))));
        })
    };
    html! {
        <label class="field">
            <span>{ label }</span>
            <input type="text" {id} {value} {onchange} />
        </label>
    }
}

fn type_select(
    state: &UseReducerHandle<State>,
    id: String,
    value: &str,
    edit: impl Fn(&mut TableModel, &str) + 'static,
) -> Html {
    let edit = Rc::new(edit);
    let onchange = {
        let state = state.dispatcher();
        Callback::from(move |e: Event| {
            let text = input_value(&e);
            let edit = edit.clone();
            state.dispatch(Action::EditTable(Rc::new(move |t| edit(t, &text))));
        })
    };
    html! {
        <label class="field narrow">
            <span>{ "Type" }</span>
            <select {id} {onchange}>
                { for ["S", "N", "B"].iter().map(|k| html! { <option value={*k} selected={value == *k}>{ k }</option> }) }
            </select>
        </label>
    }
}

/// Runs a model's tables into the sandbox: CreateTable (skipped for a table that exists), then the
/// sample items.
async fn load_into_sandbox(
    engine: &EngineHandle,
    model: &Model,
    progress: impl Fn(usize, usize),
) -> Result<String, Failure> {
    let existing = engine.table_names().await?;
    let plans: Vec<_> = model
        .tables
        .iter()
        .map(|t| (t, requests::build_table(t)))
        .collect();
    let total: usize = plans.iter().map(|(_, r)| r.len()).sum();
    let (mut done, mut items, mut kept) = (0, 0, Vec::new());
    for (table, plan) in plans {
        let exists = existing.contains(&table.name);
        if exists {
            kept.push(table.name.clone());
        }
        for (operation, body) in plan {
            progress(done, total);
            done += 1;
            if operation == "CreateTable" {
                if !exists {
                    engine.call(operation, &body).await?;
                }
            } else {
                engine.call_quietly(operation, &body).await?;
                items += 1;
            }
        }
    }
    let tables = model.tables.len();
    let mut message = format!(
        "Loaded {items} items into {tables} table{}.",
        if tables == 1 { "" } else { "s" }
    );
    if !kept.is_empty() {
        message.push_str(&format!(
            " {} already existed and kept its definition.",
            kept.join(", ")
        ));
    }
    Ok(message)
}

/// Every item of a sandbox table (Scan page by page), up to `SANDBOX_READ_LIMIT`.
async fn read_sandbox(engine: &EngineHandle, table: &str) -> Result<Vec<Value>, Failure> {
    let mut items = Vec::new();
    let mut start: Option<Value> = None;
    loop {
        let mut body = serde_json::json!({ "TableName": table });
        if let Some(start) = start.take() {
            body["ExclusiveStartKey"] = start;
        }
        let page = engine.call_quietly("Scan", &body).await?;
        items.extend(page["Items"].as_array().into_iter().flatten().cloned());
        match page.get("LastEvaluatedKey") {
            Some(key) if !key.is_null() && items.len() < SANDBOX_READ_LIMIT => {
                start = Some(key.clone())
            }
            _ => return Ok(items),
        }
    }
}

fn data_url(text: &str) -> String {
    format!(
        "data:application/json;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(text))
    )
}

fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let stem = stem.trim_matches('-');
    if stem.is_empty() {
        "model".into()
    } else {
        stem.into()
    }
}

#[function_component(ModelerPage)]
pub fn modeler_page(props: &ModelerPageProps) -> Html {
    let state = use_reducer(|| State::new(saved_model().unwrap_or_else(example_model)));
    let paste = use_state(String::new);
    let Some(engine) = use_context::<EngineHandle>() else {
        return html! { <p role="alert">{ "The engine did not start." }</p> };
    };

    // A share link's model replaces the page's (the user's own is still in localStorage until the
    // shared one is edited).
    {
        let state = state.dispatcher();
        use_effect_with(props.shared.clone(), move |shared| {
            if let Some(text) = shared {
                match read_document(text) {
                    Ok(model) => {
                        // The user's own design is set aside, not lost: "Restore" brings it back.
                        if let Some(own) =
                            storage_call("getItem", &[STORAGE_KEY]).and_then(|v| v.as_string())
                        {
                            storage_call("setItem", &[BACKUP_KEY, &own]);
                        }
                        state.dispatch(Action::Replace(
                            Box::new(model),
                            "Opened the shared model.".into(),
                        ));
                        // Leave the long link, so a reload keeps later edits.
                        navigate(&Route::Modeler(None));
                    }
                    Err(problem) => state.dispatch(Action::Note(Err(format!(
                        "The shared model could not be opened: {problem}"
                    )))),
                }
            }
        });
    }
    // Keep a copy of the model between visits.
    use_effect_with(state.model.clone(), |model| {
        storage_call(
            "setItem",
            &[STORAGE_KEY, &document::to_document(model).to_string()],
        );
    });

    let model = &state.model;
    let Some(table) = state.current().cloned() else {
        return html! { <p role="alert">{ "The model has no tables." }</p> };
    };

    // --- Import, export, share ---
    let on_file = {
        let state = state.dispatcher();
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<HtmlInputElement>() else {
                return;
            };
            let state = state.clone();
            EngineHandle::spawn(async move {
                match chosen_file_text(&input).await {
                    Ok(Some(text)) => match read_model_file(&text) {
                        Ok(model) => {
                            let note = format!(
                                "Imported {} ({} table{}).",
                                if model.name.is_empty() {
                                    "the model"
                                } else {
                                    &model.name
                                },
                                model.tables.len(),
                                if model.tables.len() == 1 { "" } else { "s" }
                            );
                            state.dispatch(Action::Replace(Box::new(model), note));
                        }
                        Err(problem) => state.dispatch(Action::Note(Err(problem))),
                    },
                    Ok(None) => {}
                    Err(problem) => state.dispatch(Action::Note(Err(problem))),
                }
            });
        })
    };
    let on_paste_input = {
        let paste = paste.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(area) = e.target_dyn_into::<HtmlTextAreaElement>() {
                paste.set(area.value());
            }
        })
    };
    let on_paste_import = {
        let (state, paste) = (state.dispatcher(), paste.clone());
        Callback::from(move |_: MouseEvent| match read_model_file(&paste) {
            Ok(model) => {
                let note = format!("Imported {}.", model.name);
                state.dispatch(Action::Replace(Box::new(model), note));
            }
            Err(problem) => state.dispatch(Action::Note(Err(problem))),
        })
    };
    let on_example = {
        let state = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            state.dispatch(Action::Replace(
                Box::new(example_model()),
                "Started from the example design.".into(),
            ))
        })
    };
    let on_restore = {
        let state = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            let own = storage_call("getItem", &[BACKUP_KEY]).and_then(|v| v.as_string());
            match own.as_deref().map(read_document) {
                Some(Ok(model)) => {
                    storage_call("removeItem", &[BACKUP_KEY]);
                    state.dispatch(Action::Replace(
                        Box::new(model),
                        "Restored your design.".into(),
                    ));
                }
                Some(Err(problem)) => state.dispatch(Action::Note(Err(problem))),
                None => {}
            }
        })
    };
    let on_share = {
        let (state, model) = (state.dispatcher(), model.clone());
        Callback::from(move |_: MouseEvent| {
            let text = document::to_document(&model).to_string();
            let hash = Route::Modeler(Some(text)).href();
            let base = web_sys::window()
                .and_then(|w| w.location().href().ok())
                .map(|href| href.split('#').next().unwrap_or_default().to_string())
                .unwrap_or_default();
            state.dispatch(Action::Shared(format!("{base}{hash}")));
        })
    };
    let export_text = serde_json::to_string_pretty(&workbench::export(model)).unwrap_or_default();
    let export_name = format!("{}.json", file_stem(&model.name));

    // --- The sandbox ---
    let busy = matches!(state.load, Load::Running { .. });
    let on_load = {
        let (state, engine, model) = (state.dispatcher(), engine.clone(), model.clone());
        Callback::from(move |_: MouseEvent| {
            let (state, engine, model) = (state.clone(), engine.clone(), model.clone());
            state.dispatch(Action::Load(Load::Running { done: 0, total: 0 }));
            EngineHandle::spawn(async move {
                let report =
                    |done, total| state.dispatch(Action::Load(Load::Running { done, total }));
                let outcome = load_into_sandbox(&engine, &model, report).await;
                state.dispatch(Action::Load(Load::Done(outcome)));
            });
        })
    };
    let on_read_sandbox = {
        let (state, engine, name) = (state.dispatcher(), engine.clone(), table.name.clone());
        Callback::from(move |_: MouseEvent| {
            let (state, engine, name) = (state.clone(), engine.clone(), name.clone());
            EngineHandle::spawn(async move {
                let items = read_sandbox(&engine, &name).await;
                state.dispatch(Action::SandboxItems(items));
            });
        })
    };

    let key_names: Vec<String> = std::iter::once(table.partition_key.name.clone())
        .chain(table.sort_key.as_ref().map(|k| k.name.clone()))
        .collect();

    // The views show the sandbox's items once read, else the model's samples.
    let (view_table, view_source) = match &state.sandbox_items {
        Some(Ok(items)) => {
            let mut view = table.clone();
            view.items = items
                .iter()
                .map(|item| SampleItem {
                    entity: None,
                    item: item.clone(),
                })
                .collect();
            (
                view,
                format!(
                    "The {} items of table {} in the sandbox.",
                    items.len(),
                    table.name
                ),
            )
        }
        _ => (
            table.clone(),
            format!(
                "The model's {} sample items of {}.",
                table.items.len(),
                table.name
            ),
        ),
    };

    html! {
        <div class="page modeler-page">
            <section class="panel" aria-labelledby="modeler-heading">
                <h2 id="modeler-heading">{ "Data modeler" }</h2>
                <p class="hint">
                    { "A single-table design: entities and their key patterns (" }<code>{ "USER#<userId>" }</code>
                    { "), access patterns run as Queries against sample data, and NoSQL Workbench model files in and out." }
                </p>
                <div class="row">
                    <label class="field">
                        <span>{ "Model name" }</span>
                        <input type="text" id="modeler-name" value={model.name.clone()} onchange={{
                            let state = state.dispatcher();
                            Callback::from(move |e: Event| {
                                let name = input_value(&e);
                                state.dispatch(Action::EditModel(Rc::new(move |m| m.name = name.clone())));
                            })
                        }} />
                    </label>
                    if model.tables.len() > 1 {
                        <label class="field">
                            <span>{ "Table" }</span>
                            <select id="modeler-table" onchange={{
                                let state = state.dispatcher();
                                Callback::from(move |e: Event| {
                                    if let Ok(i) = input_value(&e).parse() { state.dispatch(Action::PickTable(i)) }
                                })
                            }}>
                                { for model.tables.iter().enumerate().map(|(i, t)| html! {
                                    <option value={i.to_string()} selected={i == state.table}>{ &t.name }</option>
                                }) }
                            </select>
                        </label>
                    }
                </div>
                <div class="row actions">
                    <label class="button">
                        { "Import Workbench model…" }
                        <input type="file" id="modeler-import-file" accept=".json,application/json" class="visually-hidden" onchange={on_file} />
                    </label>
                    <a class="button" id="modeler-export" href={data_url(&export_text)} download={export_name}>
                        { "Export Workbench JSON (3.0)" }
                    </a>
                    <button type="button" id="modeler-share" onclick={on_share}>{ "Share as a link" }</button>
                    <button type="button" id="modeler-example" onclick={on_example}>{ "Start from the example" }</button>
                    if storage_call("getItem", &[BACKUP_KEY]).is_some_and(|v| v.is_string()) {
                        <button type="button" id="modeler-restore" onclick={on_restore}>{ "Restore my design from before the share link" }</button>
                    }
                </div>
                <details>
                    <summary>{ "Paste a model (Workbench or Dynaplay JSON)" }</summary>
                    <textarea id="modeler-paste" rows="6" aria-label="Model JSON" value={(*paste).clone()} oninput={on_paste_input} />
                    <button type="button" id="modeler-paste-import" onclick={on_paste_import}>{ "Import pasted model" }</button>
                </details>
                <div aria-live="polite" id="modeler-note">
                    {
                        match &state.note {
                            None => html! {},
                            Some(Ok(text)) => html! { <p class="status ok">{ text }</p> },
                            Some(Err(text)) => html! { <p class="error" role="alert">{ text }</p> },
                        }
                    }
                </div>
                if let Some(url) = &state.share_url {
                    <label class="field">
                        <span>{ format!("Share link ({} characters): anyone who opens it gets this design in their modeler", url.len()) }</span>
                        <input type="text" id="modeler-share-url" readonly=true value={url.clone()} />
                    </label>
                }
            </section>

            { keys_panel(&state, &table) }
            { entities_panel(&state, &table) }
            { patterns_panel(&state, &table, &engine, &key_names) }

            <section class="panel" aria-labelledby="modeler-sandbox-heading">
                <h2 id="modeler-sandbox-heading">{ "In the sandbox" }</h2>
                <div class="row actions">
                    <button type="button" id="modeler-load" onclick={on_load} disabled={busy}>
                        { "Create tables and load sample data" }
                    </button>
                    <button type="button" id="modeler-read" onclick={on_read_sandbox}>
                        { format!("Show {}'s items from the sandbox", table.name) }
                    </button>
                </div>
                <div aria-live="polite" id="modeler-load-status">
                    {
                        match &state.load {
                            Load::Idle => html! {},
                            Load::Running { done, total } => html! {
                                <p class="status">
                                    <label for="modeler-progress">{ format!("Loading: {done} of {total} requests") }</label>
                                    { " " }<progress id="modeler-progress" max={total.to_string()} value={done.to_string()}></progress>
                                </p>
                            },
                            Load::Done(Ok(message)) => html! { <p class="status ok">{ message }</p> },
                            Load::Done(Err(failure)) => html! { <ErrorBox failure={failure.clone()} /> },
                        }
                    }
                    if let Some(Err(failure)) = &state.sandbox_items { <ErrorBox failure={failure.clone()} /> }
                </div>
            </section>

            <ModelerViews table={view_table} source={AttrValue::from(view_source)} />
        </div>
    }
}

/// The table's name, keys and indexes.
fn keys_panel(state: &UseReducerHandle<State>, table: &TableModel) -> Html {
    let add_gsi = {
        let state = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            state.dispatch(Action::EditTable(Rc::new(|t| {
                let n = t.gsis.len() + 1;
                t.gsis.push(IndexModel {
                    name: format!("GSI{n}"),
                    partition_key: KeyAttribute::new(&format!("GSI{n}PK"), "S"),
                    sort_key: Some(KeyAttribute::new(&format!("GSI{n}SK"), "S")),
                    projection: Projection::All,
                });
            })))
        })
    };
    html! {
        <section class="panel" aria-labelledby="modeler-keys-heading">
            <h2 id="modeler-keys-heading">{ "Table and indexes" }</h2>
            <div class="row">
                { edit_input(state, "modeler-table-name".into(), "Table name", table.name.clone(), |t, v| t.name = v.to_string()) }
                { edit_input(state, "modeler-pk".into(), "Partition key", table.partition_key.name.clone(), |t, v| t.partition_key.name = v.to_string()) }
                { type_select(state, "modeler-pk-type".into(), &table.partition_key.kind, |t, v| t.partition_key.kind = v.to_string()) }
                { edit_input(state, "modeler-sk".into(), "Sort key (empty: none)",
                    table.sort_key.as_ref().map(|k| k.name.clone()).unwrap_or_default(),
                    |t, v| t.sort_key = (!v.is_empty()).then(|| KeyAttribute::new(v, t.sort_key.as_ref().map_or("S", |k| k.kind.as_str())))) }
                if let Some(sk) = &table.sort_key {
                    { type_select(state, "modeler-sk-type".into(), &sk.kind, |t, v| if let Some(k) = &mut t.sort_key { k.kind = v.to_string() }) }
                }
            </div>
            <h3>{ "Global secondary indexes" }</h3>
            <ul class="modeler-list" id="modeler-gsis">
                { for table.gsis.iter().enumerate().map(|(i, gsi)| html! {
                    <li class="row">
                        { edit_input(state, format!("modeler-gsi-{i}-name"), "Index name", gsi.name.clone(), move |t, v| if let Some(g) = t.gsis.get_mut(i) { g.name = v.to_string() }) }
                        { edit_input(state, format!("modeler-gsi-{i}-pk"), "Partition key", gsi.partition_key.name.clone(), move |t, v| if let Some(g) = t.gsis.get_mut(i) { g.partition_key.name = v.to_string() }) }
                        { edit_input(state, format!("modeler-gsi-{i}-sk"), "Sort key (empty: none)",
                            gsi.sort_key.as_ref().map(|k| k.name.clone()).unwrap_or_default(),
                            move |t, v| if let Some(g) = t.gsis.get_mut(i) { g.sort_key = (!v.is_empty()).then(|| KeyAttribute::new(v, "S")) }) }
                        <span class="hint">{ match &gsi.projection {
                            Projection::All => "projects ALL".to_string(),
                            Projection::KeysOnly => "projects KEYS_ONLY".to_string(),
                            Projection::Include(n) => format!("projects INCLUDE {}", n.join(", ")),
                        } }</span>
                        <button type="button" class="remove" aria-label={format!("Remove index {}", gsi.name)} onclick={{
                            let state = state.dispatcher();
                            Callback::from(move |_: MouseEvent| state.dispatch(Action::EditTable(Rc::new(move |t| { if i < t.gsis.len() { t.gsis.remove(i); } }))))
                        }}>{ "Remove" }</button>
                    </li>
                }) }
            </ul>
            <button type="button" id="modeler-add-gsi" onclick={add_gsi}>{ "Add a GSI" }</button>
            if !table.lsis.is_empty() {
                <p class="hint">{ format!("Local secondary indexes: {}", table.lsis.iter().map(|l| format!("{} (sort key {})", l.name, l.sort_key.as_ref().map(|k| k.name.as_str()).unwrap_or("?"))).collect::<Vec<_>>().join(", ")) }</p>
            }
        </section>
    }
}

/// Entities: a name, a key pattern per key attribute (table and indexes), other attributes.
fn entities_panel(state: &UseReducerHandle<State>, table: &TableModel) -> Html {
    let keys: Vec<String> = table
        .key_attributes()
        .iter()
        .map(|k| k.name.clone())
        .collect();
    let add = {
        let state = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            state.dispatch(Action::EditTable(Rc::new(|t| {
                let n = t.entities.len() + 1;
                t.entities.push(Entity {
                    name: format!("Entity{n}"),
                    ..Entity::default()
                });
            })))
        })
    };
    html! {
        <section class="panel" aria-labelledby="modeler-entities-heading">
            <h2 id="modeler-entities-heading">{ "Entities and key patterns" }</h2>
            <p class="hint">{ "Write a key as a pattern: literal text and <placeholders>, such as ORDER#<orderDate>#<orderId>." }</p>
            <div class="grid-scroll" tabindex="0" role="region" aria-label="Entities">
                <table class="item-grid" id="modeler-entities">
                    <thead><tr>
                        <th scope="col">{ "Entity" }</th>
                        { for keys.iter().map(|k| html! { <th scope="col" class="key">{ k }</th> }) }
                        <th scope="col">{ "Other attributes" }</th>
                        <th scope="col">{ "Add a sample item (name=value, ...)" }</th>
                        <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
                    </tr></thead>
                    <tbody>
                        { for table.entities.iter().enumerate().map(|(i, entity)| html! {
                            <tr>
                                <td>{ cell_input(state, format!("modeler-entity-{i}-name"), "Entity name", entity.name.clone(),
                                    move |t, v| if let Some(e) = t.entities.get_mut(i) {
                                        // Items given under the old name follow the entity.
                                        let old = std::mem::replace(&mut e.name, v.to_string());
                                        for s in &mut t.items { if s.entity.as_deref() == Some(old.as_str()) { s.entity = Some(v.to_string()); } }
                                    }) }</td>
                                { for keys.iter().map(|k| {
                                    let attribute = k.clone();
                                    html! { <td>{ cell_input(state, format!("modeler-entity-{i}-{k}"), &format!("{} pattern for {k}", entity.name),
                                        entity.key_pattern(k).unwrap_or_default().to_string(),
                                        move |t, v| if let Some(e) = t.entities.get_mut(i) { e.set_key_pattern(&attribute, v) }) }</td> }
                                }) }
                                <td>{ cell_input(state, format!("modeler-entity-{i}-attributes"), &format!("{} attributes", entity.name),
                                    entity.attributes.join(", "),
                                    move |t, v| if let Some(e) = t.entities.get_mut(i) {
                                        e.attributes = v.split(',').map(str::trim).filter(|a| !a.is_empty()).map(String::from).collect();
                                    }) }</td>
                                <td>{ add_item_input(state, i, &entity.name) }</td>
                                <td><button type="button" class="remove" aria-label={format!("Remove entity {}", entity.name)} onclick={{
                                    let state = state.dispatcher();
                                    Callback::from(move |_: MouseEvent| state.dispatch(Action::EditTable(Rc::new(move |t| { if i < t.entities.len() { t.entities.remove(i); } }))))
                                }}>{ "Remove" }</button></td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
            <button type="button" id="modeler-add-entity" onclick={add}>{ "Add an entity" }</button>
        </section>
    }
}

/// A box of `name=value` attributes: on change, the entity's key patterns are filled from them and
/// the item joins the model's samples under the entity (or the note says which value is missing).
fn add_item_input(state: &UseReducerHandle<State>, entity: usize, name: &str) -> Html {
    let onchange = {
        // The handle is this render's, so the table it reads is the one on screen.
        let state = state.clone();
        Callback::from(move |e: Event| {
            let text = input_value(&e);
            let Some(table) = state.current() else { return };
            let Some(found) = table.entities.get(entity) else {
                return;
            };
            if text.trim().is_empty() {
                return;
            }
            let attributes: Map<String, Value> = parse_pairs(&text)
                .into_iter()
                .map(|(k, v)| {
                    let typed = requests::typed(table.type_of(&k), &v);
                    (k, typed)
                })
                .collect();
            match found.sample_item(table, &Value::Object(attributes)) {
                Ok(item) => {
                    if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                        input.set_value("");
                    }
                    let sample = SampleItem {
                        entity: Some(found.name.clone()),
                        item,
                    };
                    state.dispatch(Action::EditTable(Rc::new(move |t| {
                        t.items.push(sample.clone())
                    })));
                    state.dispatch(Action::Note(Ok(format!(
                        "Added a sample {} item.",
                        found.name
                    ))));
                }
                Err(problem) => state.dispatch(Action::Note(Err(problem))),
            }
        })
    };
    html! { <input type="text" id={format!("modeler-entity-{entity}-add")} aria-label={format!("New {name} item's attributes")} {onchange} /> }
}

fn cell_input(
    state: &UseReducerHandle<State>,
    id: String,
    label: &str,
    value: String,
    edit: impl Fn(&mut TableModel, &str) + 'static,
) -> Html {
    let edit = Rc::new(edit);
    let onchange = {
        let state = state.dispatcher();
        Callback::from(move |e: Event| {
            let text = input_value(&e);
            let edit = edit.clone();
            state.dispatch(Action::EditTable(Rc::new(move |t| edit(t, &text))));
        })
    };
    html! { <input type="text" {id} aria-label={label.to_string()} {value} {onchange} /> }
}

fn sort_parts(sort: &Option<SortCondition>) -> (&'static str, String, String) {
    match sort {
        None => ("", String::new(), String::new()),
        Some(SortCondition::Equals(p)) => ("=", p.clone(), String::new()),
        Some(SortCondition::BeginsWith(p)) => ("begins_with", p.clone(), String::new()),
        Some(SortCondition::Between(a, b)) => ("between", a.clone(), b.clone()),
    }
}

fn set_sort(access: &mut AccessPattern, op: &str, value: String, to: String) {
    access.sort = match op {
        "=" => Some(SortCondition::Equals(value)),
        "begins_with" => Some(SortCondition::BeginsWith(value)),
        "between" => Some(SortCondition::Between(value, to)),
        _ => None,
    };
}

/// Access patterns: each built into its request, flagged when it needs a Scan, with a Run button.
fn patterns_panel(
    state: &UseReducerHandle<State>,
    table: &TableModel,
    engine: &EngineHandle,
    key_names: &[String],
) -> Html {
    let add = {
        let state = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            state.dispatch(Action::EditTable(Rc::new(|t| {
                let n = t.access_patterns.len() + 1;
                t.access_patterns.push(AccessPattern {
                    name: format!("Access pattern {n}"),
                    ..AccessPattern::default()
                });
            })))
        })
    };
    let edit = |i: usize, f: PatternEdit| {
        move |t: &mut TableModel, v: &str| {
            if let Some(a) = t.access_patterns.get_mut(i) {
                f(a, v)
            }
        }
    };
    html! {
        <section class="panel" aria-labelledby="modeler-patterns-heading">
            <h2 id="modeler-patterns-heading">{ "Access patterns" }</h2>
            <p class="hint">{ "Leave the partition key empty for a pattern no key serves: it is flagged, and runs as a Scan." }</p>
            <ol class="modeler-patterns" id="modeler-patterns">
                { for table.access_patterns.iter().enumerate().map(|(i, access)| {
                    let built = requests::build(table, access);
                    let (op, sort_value, sort_to) = sort_parts(&access.sort);
                    let placeholders: Vec<String> = std::iter::once(access.partition.as_str())
                        .chain([sort_value.as_str(), sort_to.as_str()])
                        .chain(access.filters.iter().map(|f| f.value.as_str()))
                        .flat_map(pattern::placeholders)
                        .fold(Vec::new(), |mut all, p| { if !all.contains(&p) { all.push(p) } all });
                    let on_run = {
                        let (state, engine, built) = (state.dispatcher(), engine.clone(), built.clone());
                        Callback::from(move |_: MouseEvent| {
                            let Ok(request) = built.clone() else { return };
                            let (state, engine) = (state.clone(), engine.clone());
                            EngineHandle::spawn(async move {
                                let result = engine.call(request.operation(), request.body()).await;
                                state.dispatch(Action::Ran(i, result));
                            });
                        })
                    };
                    let on_sort_op = {
                        let state = state.dispatcher();
                        Callback::from(move |e: Event| {
                            let op = input_value(&e);
                            state.dispatch(Action::EditTable(Rc::new(move |t| if let Some(a) = t.access_patterns.get_mut(i) {
                                let (_, value, to) = sort_parts(&a.sort);
                                set_sort(a, &op, value, to);
                            })));
                        })
                    };
                    let on_index = {
                        let state = state.dispatcher();
                        Callback::from(move |e: Event| {
                            let index = input_value(&e);
                            state.dispatch(Action::EditTable(Rc::new(move |t| if let Some(a) = t.access_patterns.get_mut(i) {
                                a.index = (!index.is_empty()).then(|| index.clone());
                            })));
                        })
                    };
                    let run = state.runs.get(i).cloned().flatten();
                    html! {
                        <li class={classes!("modeler-pattern", matches!(built, Ok(PatternRequest::Scan { .. })).then_some("needs-scan"))} id={format!("modeler-pattern-{i}")}>
                            <div class="row">
                                { cell_input(state, format!("modeler-pattern-{i}-name"), "Access pattern name", access.name.clone(), edit(i, Rc::new(|a, v| a.name = v.to_string()))) }
                                <label class="field">
                                    <span>{ "Reads" }</span>
                                    <select id={format!("modeler-pattern-{i}-index")} onchange={on_index}>
                                        <option value="" selected={access.index.is_none()}>{ format!("table {}", table.name) }</option>
                                        { for table.gsis.iter().chain(&table.lsis).map(|x| html! {
                                            <option value={x.name.clone()} selected={access.index.as_deref() == Some(x.name.as_str())}>{ format!("index {}", x.name) }</option>
                                        }) }
                                    </select>
                                </label>
                            </div>
                            <div class="row">
                                { edit_input(state, format!("modeler-pattern-{i}-pk"), "Partition key =", access.partition.clone(), edit(i, Rc::new(|a, v| a.partition = v.to_string()))) }
                                <label class="field narrow">
                                    <span>{ "Sort key" }</span>
                                    <select id={format!("modeler-pattern-{i}-sort-op")} onchange={on_sort_op}>
                                        { for [("", "(any)"), ("=", "="), ("begins_with", "begins_with"), ("between", "between")].iter().map(|(v, l)| html! {
                                            <option value={*v} selected={op == *v}>{ *l }</option>
                                        }) }
                                    </select>
                                </label>
                                if !op.is_empty() {
                                    { edit_input(state, format!("modeler-pattern-{i}-sk"), "Sort key pattern", sort_value.clone(), edit(i, Rc::new(|a, v| {
                                        let (op, _, to) = sort_parts(&a.sort);
                                        set_sort(a, op, v.to_string(), to);
                                    }))) }
                                }
                                if op == "between" {
                                    { edit_input(state, format!("modeler-pattern-{i}-sk-to"), "and", sort_to.clone(), edit(i, Rc::new(|a, v| {
                                        let (op, value, _) = sort_parts(&a.sort);
                                        set_sort(a, op, value, v.to_string());
                                    }))) }
                                }
                            </div>
                            <div class="row">
                                { edit_input(state, format!("modeler-pattern-{i}-filters"), "Filters (attribute=pattern, ...)",
                                    pairs_text(&access.filters.iter().map(|f| (f.attribute.clone(), f.value.clone())).collect::<Vec<_>>()),
                                    edit(i, Rc::new(|a, v| a.filters = parse_pairs(v).into_iter().map(|(attribute, value)| Filter { attribute, value }).collect()))) }
                                { edit_input(state, format!("modeler-pattern-{i}-params"),
                                    &if placeholders.is_empty() { "Sample values".to_string() } else { format!("Sample values for {}", placeholders.iter().map(|p| format!("<{p}>")).collect::<Vec<_>>().join(" ")) },
                                    pairs_text(&access.parameters), edit(i, Rc::new(|a, v| a.parameters = parse_pairs(v)))) }
                            </div>
                            {
                                match &built {
                                    Err(problem) => html! { <p class="error" role="alert">{ problem }</p> },
                                    Ok(request) => html! {
                                        <>
                                            if let PatternRequest::Scan { reason, .. } = request {
                                                <p class="needs-scan-flag" role="note"><strong>{ "Needs a Scan: " }</strong>{ reason.trim_start_matches("Needs a Scan: ") }</p>
                                            }
                                            <details>
                                                <summary>{ format!("The {} request", request.operation()) }</summary>
                                                <pre class="json">{ serde_json::to_string_pretty(request.body()).unwrap_or_default() }</pre>
                                            </details>
                                        </>
                                    },
                                }
                            }
                            <div class="row actions">
                                <button type="button" class="run" id={format!("modeler-pattern-{i}-run")} onclick={on_run} disabled={built.is_err()}>
                                    { match &built { Ok(r) => format!("Run ({})", r.operation()), Err(_) => "Run".to_string() } }
                                </button>
                                <button type="button" class="remove" aria-label={format!("Remove access pattern {}", access.name)} onclick={{
                                    let state = state.dispatcher();
                                    Callback::from(move |_: MouseEvent| state.dispatch(Action::EditTable(Rc::new(move |t| { if i < t.access_patterns.len() { t.access_patterns.remove(i); } }))))
                                }}>{ "Remove" }</button>
                            </div>
                            <div class="pattern-result" id={format!("modeler-pattern-{i}-result")} aria-live="polite">
                                {
                                    match run {
                                        None => html! {},
                                        Some(Err(failure)) => html! { <ErrorBox {failure} /> },
                                        Some(Ok(answer)) => {
                                            let items: Vec<Map<String, Value>> = answer["Items"].as_array().into_iter().flatten()
                                                .filter_map(|i| i.as_object().cloned()).collect();
                                            html! {
                                                <>
                                                    <p class="status ok">{ format!("Count {}, ScannedCount {}", answer["Count"], answer["ScannedCount"]) }</p>
                                                    <ItemGrid items={items} key_names={key_names.to_vec()} caption={AttrValue::from(format!("Items of {}", access.name))} />
                                                </>
                                            }
                                        }
                                    }
                                }
                            </div>
                        </li>
                    }
                }) }
            </ol>
            <button type="button" id="modeler-add-pattern" onclick={add}>{ "Add an access pattern" }</button>
        </section>
    }
}
