//! The Sandboxes page and the registry behind it: the user's sandboxes (each its own IndexedDB
//! database, `dynaplay:<id>`), listed in localStorage with the name the user gave each, and which
//! one is current. Create, rename, duplicate (export → import into a new one), delete, switch.
//! `open_imported` is for other code (a share link): a new sandbox from an export, switched to.

use std::cell::RefCell;

use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::app::{EngineHandle, Failure};
use crate::components::error_box::ErrorBox;

/// localStorage keys: the list (`[{id, label}]`) and the current sandbox's id.
const LIST_KEY: &str = "dynaplay.sandboxes";
const CURRENT_KEY: &str = "dynaplay.currentSandbox";
/// The sandbox a first visit opens.
const FIRST_ID: &str = "playground";
const FIRST_LABEL: &str = "My sandbox";

/// One sandbox: `id` names its IndexedDB database and never changes; `label` is the user's name.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: String,
    pub label: String,
}

thread_local! {
    /// The registry where localStorage is unavailable (blocked storage): this page only.
    static FALLBACK: RefCell<(Vec<Entry>, Option<String>)> = RefCell::default();
    /// Told when the current sandbox or a name changes (the app reopens or re-renders).
    static LISTENER: RefCell<Option<Callback<()>>> = RefCell::default();
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn read_list() -> Vec<Entry> {
    let Some(storage) = storage() else {
        return FALLBACK.with(|f| f.borrow().0.clone());
    };
    let text = storage
        .get_item(LIST_KEY)
        .ok()
        .flatten()
        .unwrap_or_default();
    serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .into_iter()
        .flatten()
        .filter_map(|e| {
            Some(Entry {
                id: e["id"].as_str()?.to_string(),
                label: e["label"].as_str()?.to_string(),
            })
        })
        .collect()
}

fn write_list(list: &[Entry]) {
    let text = Value::Array(
        list.iter()
            .map(|e| json!({ "id": e.id, "label": e.label }))
            .collect(),
    )
    .to_string();
    match storage() {
        Some(storage) => {
            let _ = storage.set_item(LIST_KEY, &text);
        }
        None => FALLBACK.with(|f| f.borrow_mut().0 = list.to_vec()),
    }
}

/// Every sandbox, in the order they were made (the first visit's one at least).
pub fn list() -> Vec<Entry> {
    let mut list = read_list();
    if list.is_empty() {
        list.push(Entry {
            id: FIRST_ID.into(),
            label: FIRST_LABEL.into(),
        });
        write_list(&list);
    }
    list
}

/// The sandbox the playground shows.
pub fn current() -> Entry {
    let list = list();
    let id = match storage() {
        Some(s) => s.get_item(CURRENT_KEY).ok().flatten(),
        None => FALLBACK.with(|f| f.borrow().1.clone()),
    };
    id.and_then(|id| list.iter().find(|e| e.id == id).cloned())
        .unwrap_or_else(|| list[0].clone())
}

/// Called by the app: `listener` runs whenever the current sandbox or a name changes.
pub fn listen(listener: Callback<()>) {
    LISTENER.with(|l| *l.borrow_mut() = Some(listener));
}

fn changed() {
    if let Some(listener) = LISTENER.with(|l| l.borrow().clone()) {
        listener.emit(());
    }
}

/// Makes `id` the current sandbox; the app closes the old one and opens it.
pub fn switch_to(id: &str) {
    match storage() {
        Some(s) => {
            let _ = s.set_item(CURRENT_KEY, id);
        }
        None => FALLBACK.with(|f| f.borrow_mut().1 = Some(id.to_string())),
    }
    changed();
}

/// `hint`, or `hint 2`, `hint 3`... whichever no sandbox is called yet.
fn free_label(hint: &str) -> String {
    let hint = hint.trim();
    let hint = if hint.is_empty() { "Sandbox" } else { hint };
    let taken = |label: &str| list().iter().any(|e| e.label == label);
    if !taken(hint) {
        return hint.to_string();
    }
    (2..)
        .map(|n| format!("{hint} {n}"))
        .find(|l| !taken(l))
        .unwrap_or_else(|| hint.to_string())
}

/// A new id: never one in the list, so no existing sandbox is ever overwritten.
fn fresh_id() -> String {
    let stamp = js_sys::Date::now() as u64;
    let salt = (js_sys::Math::random() * 1e9) as u64;
    let existing = list();
    let mut id = format!("sb-{stamp:x}-{salt:x}");
    while existing.iter().any(|e| e.id == id) {
        id.push('x');
    }
    id
}

fn register(label: &str) -> Entry {
    let entry = Entry {
        id: fresh_id(),
        label: free_label(label),
    };
    let mut list = list();
    list.push(entry.clone());
    write_list(&list);
    entry
}

/// A new, empty sandbox (its database is made when it is first opened).
pub fn create(label: &str) -> Entry {
    register(label)
}

/// Renames a sandbox; its data stays where it is.
pub fn rename(id: &str, label: &str) -> Result<(), Failure> {
    let label = label.trim();
    if label.is_empty() {
        return Err(Failure::local("A sandbox needs a name."));
    }
    let mut list = list();
    if list.iter().any(|e| e.label == label && e.id != id) {
        return Err(Failure::local(format!(
            "There is already a sandbox called {label}."
        )));
    }
    for entry in list.iter_mut().filter(|e| e.id == id) {
        entry.label = label.to_string();
    }
    write_list(&list);
    changed();
    Ok(())
}

/// Stores `doc` (an export) as a new sandbox, without switching to it.
async fn import_new(label_hint: &str, doc: &str) -> Result<Entry, Failure> {
    let entry = Entry {
        id: fresh_id(),
        label: free_label(label_hint),
    };
    let db = dynaplay_wasm::database::open(&entry.id)
        .await
        .map_err(Failure::local)?;
    let imported = db.import(doc).await;
    db.close();
    if let Err(message) = imported {
        let _ = delete_database(&entry.id).await;
        return Err(Failure::local(format!(
            "This sandbox cannot be imported: {message}"
        )));
    }
    let mut list = list();
    list.push(entry.clone());
    write_list(&list);
    Ok(entry)
}

/// Makes a new sandbox from an export document (`exportSandbox`'s JSON text) under a free name
/// based on `name_hint`, and switches to it. Never touches an existing sandbox.
pub async fn open_imported(name_hint: &str, doc: &str) -> Result<Entry, Failure> {
    let entry = import_new(name_hint, doc).await?;
    switch_to(&entry.id);
    Ok(entry)
}

/// A copy of sandbox `source` (`engine` is the current one, used when it is the source).
pub async fn duplicate(engine: Option<&EngineHandle>, source: &Entry) -> Result<Entry, Failure> {
    let doc = if let Some(engine) = engine.filter(|_| current().id == source.id) {
        engine.export_sandbox().await?
    } else {
        let db = dynaplay_wasm::database::open(&source.id)
            .await
            .map_err(Failure::local)?;
        let doc = db.export().await;
        db.close();
        doc.map_err(Failure::local)?
    };
    import_new(&format!("{} copy", source.label), &doc).await
}

/// Deletes a sandbox's IndexedDB database; false while another tab still holds it open (the
/// browser then deletes it once that tab lets go).
async fn delete_database(id: &str) -> bool {
    let name = dynaplay_wasm::idb::database_name(id);
    let outcome =
        wasm_bindgen_futures::JsFuture::from(dynaplay_wasm::database::delete_database(&name)).await;
    !matches!(
        outcome.ok().and_then(|o| o.as_string()).as_deref(),
        Some("blocked")
    )
}

/// Deletes a sandbox that is not the current one: its name and its IndexedDB database. Ok(false)
/// when another tab still has it open, so its data goes only once that tab lets go.
pub async fn delete(id: &str) -> Result<bool, Failure> {
    if current().id == id {
        return Err(Failure::local(
            "Switch to another sandbox before deleting this one.",
        ));
    }
    let list: Vec<Entry> = list().into_iter().filter(|e| e.id != id).collect();
    write_list(&list);
    let gone = delete_database(id).await;
    changed();
    Ok(gone)
}

#[derive(Clone, PartialEq)]
enum Notice {
    None,
    Ok(String),
    Failed(Failure),
}

#[function_component(SandboxesPage)]
pub fn sandboxes_page() -> Html {
    // Bumped after a change, so the list is read again.
    let version = use_state(|| 0u32);
    let renaming = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let notice = use_state(|| Notice::None);
    // Absent when the current sandbox failed to open (this page is then how to pick another).
    let engine = use_context::<EngineHandle>();
    let entries = list();
    let current_id = current().id;
    let refresh = {
        let version = version.clone();
        move || version.set(*version + 1)
    };

    let on_create = {
        let (notice, refresh) = (notice.clone(), refresh.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let input = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("new-sandbox-name"))
                .and_then(|e| e.dyn_into::<HtmlInputElement>().ok());
            let label = input.as_ref().map(|i| i.value()).unwrap_or_default();
            let entry = create(&label);
            if let Some(input) = input {
                input.set_value("");
            }
            notice.set(Notice::Ok(format!(
                "Created {} and switched to it.",
                entry.label
            )));
            switch_to(&entry.id);
            refresh();
        })
    };

    let on_import = {
        let (notice, busy, refresh) = (notice.clone(), busy.clone(), refresh.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let document = web_sys::window().and_then(|w| w.document());
            let value = |id: &str| -> String {
                let Some(element) = document.as_ref().and_then(|d| d.get_element_by_id(id)) else {
                    return String::new();
                };
                if let Some(area) = element.dyn_ref::<web_sys::HtmlTextAreaElement>() {
                    return area.value();
                }
                element
                    .dyn_ref::<HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default()
            };
            let (label, doc) = (value("import-sandbox-name"), value("import-sandbox-text"));
            let (notice, busy, refresh) = (notice.clone(), busy.clone(), refresh.clone());
            busy.set(true);
            EngineHandle::spawn(async move {
                let hint = if label.trim().is_empty() {
                    "Imported"
                } else {
                    label.as_str()
                };
                match open_imported(hint, &doc).await {
                    Ok(entry) => notice.set(Notice::Ok(format!(
                        "Imported as {} and switched to it.",
                        entry.label
                    ))),
                    Err(failure) => notice.set(Notice::Failed(failure)),
                }
                busy.set(false);
                refresh();
            });
        })
    };

    let rows = entries.iter().map(|entry| {
        let is_current = entry.id == current_id;
        let on_switch = {
            let id = entry.id.clone();
            Callback::from(move |_: MouseEvent| switch_to(&id))
        };
        let on_rename_start = {
            let (renaming, id) = (renaming.clone(), entry.id.clone());
            Callback::from(move |_: MouseEvent| renaming.set(Some(id.clone())))
        };
        let on_rename = {
            let (renaming, notice, id, refresh) =
                (renaming.clone(), notice.clone(), entry.id.clone(), refresh.clone());
            Callback::from(move |e: SubmitEvent| {
                e.prevent_default();
                let label = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("rename-sandbox"))
                    .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
                    .map(|i| i.value())
                    .unwrap_or_default();
                match rename(&id, &label) {
                    Ok(()) => {
                        renaming.set(None);
                        notice.set(Notice::Ok(format!("Renamed to {}.", label.trim())));
                    }
                    Err(failure) => notice.set(Notice::Failed(failure)),
                }
                refresh();
            })
        };
        let on_duplicate = {
            let (engine, notice, busy, entry, refresh) =
                (engine.clone(), notice.clone(), busy.clone(), entry.clone(), refresh.clone());
            Callback::from(move |_: MouseEvent| {
                let (engine, notice, busy, entry, refresh) =
                    (engine.clone(), notice.clone(), busy.clone(), entry.clone(), refresh.clone());
                busy.set(true);
                notice.set(Notice::Ok(format!("Copying {}...", entry.label)));
                EngineHandle::spawn(async move {
                    match duplicate(engine.as_ref(), &entry).await {
                        Ok(copy) => notice.set(Notice::Ok(format!("Copied {} as {}.", entry.label, copy.label))),
                        Err(failure) => notice.set(Notice::Failed(failure)),
                    }
                    busy.set(false);
                    refresh();
                });
            })
        };
        let on_delete = {
            let (notice, busy, entry, refresh) =
                (notice.clone(), busy.clone(), entry.clone(), refresh.clone());
            Callback::from(move |_: MouseEvent| {
                let confirmed = web_sys::window()
                    .and_then(|w| w.confirm_with_message(&format!("Delete the sandbox {} and all its tables?", entry.label)).ok())
                    .unwrap_or(false);
                if !confirmed {
                    return;
                }
                let (notice, busy, entry, refresh) =
                    (notice.clone(), busy.clone(), entry.clone(), refresh.clone());
                busy.set(true);
                EngineHandle::spawn(async move {
                    match delete(&entry.id).await {
                        Ok(true) => notice.set(Notice::Ok(format!("Deleted {}.", entry.label))),
                        Ok(false) => notice.set(Notice::Ok(format!(
                            "Deleted {}; another tab still has it open, so its data goes when that tab closes or switches.",
                            entry.label
                        ))),
                        Err(failure) => notice.set(Notice::Failed(failure)),
                    }
                    busy.set(false);
                    refresh();
                });
            })
        };
        let label = entry.label.clone();
        html! {
            <tr data-sandbox={entry.id.clone()} class={classes!(is_current.then_some("current"))}>
                <th scope="row">
                    if renaming.as_deref() == Some(entry.id.as_str()) {
                        <form class="row" onsubmit={on_rename}>
                            <label for="rename-sandbox" class="visually-hidden">{ format!("New name for {label}") }</label>
                            <input id="rename-sandbox" type="text" value={label.clone()} autocomplete="off" />
                            <button type="submit" id="rename-save">{ "Save name" }</button>
                        </form>
                    } else {
                        { label.clone() }
                    }
                </th>
                <td>{ if is_current { "current" } else { "" } }</td>
                <td class="actions">
                    <button type="button" disabled={is_current || *busy} onclick={on_switch}
                        aria-label={format!("Switch to {label}")}>{ "Switch to" }</button>
                    <button type="button" disabled={*busy} onclick={on_rename_start}
                        aria-label={format!("Rename {label}")}>{ "Rename" }</button>
                    <button type="button" disabled={*busy} onclick={on_duplicate}
                        aria-label={format!("Duplicate {label}")}>{ "Duplicate" }</button>
                    <button type="button" class="danger" disabled={is_current || *busy} onclick={on_delete}
                        aria-label={format!("Delete {label}")}
                        title={is_current.then_some("Switch to another sandbox to delete this one")}>{ "Delete" }</button>
                </td>
            </tr>
        }
    });

    html! {
        <div class="page sandboxes-page">
            <section class="panel" aria-labelledby="sandboxes-heading">
                <h2 id="sandboxes-heading">{ "Sandboxes" }</h2>
                <p class="hint">{ "Each sandbox is its own DynamoDB: tables, items, streams, TTL and clock, saved in this browser's IndexedDB. Other tabs of the playground on the same sandbox share it." }</p>
                <div class="grid-scroll" tabindex="0" role="region" aria-label="Sandboxes">
                    <table class="item-grid" id="sandbox-list">
                        <thead><tr>
                            <th scope="col">{ "Sandbox" }</th><th scope="col">{ "Status" }</th><th scope="col">{ "Actions" }</th>
                        </tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
                <div id="sandbox-status" aria-live="polite">
                    { match &*notice {
                        Notice::None => html! {},
                        Notice::Ok(text) => html! { <p class="status ok">{ text }</p> },
                        Notice::Failed(failure) => html! { <ErrorBox failure={failure.clone()} /> },
                    } }
                </div>
            </section>
            <section class="panel" aria-labelledby="new-sandbox-heading">
                <h2 id="new-sandbox-heading">{ "New sandbox" }</h2>
                <form class="row" onsubmit={on_create}>
                    <div class="field">
                        <label for="new-sandbox-name">{ "Name" }</label>
                        <input id="new-sandbox-name" type="text" placeholder="Sandbox" autocomplete="off" />
                    </div>
                    <div class="actions">
                        <button type="submit" class="primary" id="create-sandbox">{ "Create and switch" }</button>
                    </div>
                </form>
            </section>
            <section class="panel" aria-labelledby="import-sandbox-heading">
                <h2 id="import-sandbox-heading">{ "Import a sandbox" }</h2>
                <p class="hint">{ "Paste an export (window.dynaplay.exportSandbox() of any Dynaplay page): it becomes a new sandbox; none is overwritten." }</p>
                <form onsubmit={on_import}>
                    <div class="field">
                        <label for="import-sandbox-name">{ "Name" }</label>
                        <input id="import-sandbox-name" type="text" placeholder="Imported" autocomplete="off" />
                    </div>
                    <div class="field">
                        <label for="import-sandbox-text">{ "Export (JSON)" }</label>
                        <textarea id="import-sandbox-text" class="code" rows="4" spellcheck="false" />
                    </div>
                    <div class="actions">
                        <button type="submit" id="import-sandbox" disabled={*busy}>{ "Import as a new sandbox" }</button>
                    </div>
                </form>
            </section>
        </div>
    }
}
