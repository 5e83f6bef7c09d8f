//! The Share page: the sandbox as a link (or, too large for one, a `.dynaplay.json` download), a
//! shared file opened from disk, and the export to real DynamoDB (CloudFormation template, AWS CLI
//! script, items as DynamoDB JSON). Also the page a share link lands on (`#/shared/<payload>`).
//! Shared content is only ever shown as text: Yew escapes every string it renders.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::app::{navigate, EngineHandle, Route};
use crate::export;
use crate::pages::sandboxes;
use crate::request_log::RequestLog;
use crate::share::{self, SavedRequest, ShareOutput, Shared};

#[derive(Properties, PartialEq)]
pub struct SharePageProps {
    pub log: RequestLog,
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, text: &str, mime: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let anchor: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    web_sys::Url::revoke_object_url(&url)
}

/// What the share carries besides the sandbox: the logged requests, oldest last.
fn saved_requests(log: &RequestLog) -> Vec<SavedRequest> {
    log.entries
        .iter()
        .take(share::MAX_REQUESTS)
        .filter(|e| e.body.len() <= share::MAX_REQUEST_BYTES)
        .map(|e| SavedRequest {
            operation: e.operation.clone(),
            body: e.body.clone(),
            status: Some(e.status),
            region: e.region.clone(),
        })
        .collect()
}

#[function_component(SharePage)]
pub fn share_page(props: &SharePageProps) -> Html {
    let output = use_state(|| None::<Result<ShareOutput, String>>);
    let opened = use_state(|| None::<Result<String, String>>);
    let exported = use_state(|| None::<Result<Vec<(String, String)>, String>>);
    let Some(engine) = use_context::<EngineHandle>() else {
        return html! { <p role="alert">{ "The engine did not start." }</p> };
    };

    let on_share = {
        let output = output.clone();
        let engine = engine.clone();
        let log = props.log.clone();
        Callback::from(move |_: MouseEvent| {
            let (engine, output, log) = (engine.clone(), output.clone(), log.clone());
            EngineHandle::spawn(async move {
                let result = match engine.export_sandbox().await {
                    Err(f) => Err(format!(
                        "The sandbox could not be exported: {}",
                        f.message.unwrap_or(f.name)
                    )),
                    Ok(text) => serde_json::from_str(&text)
                        .map_err(|e| {
                            format!("The sandbox export is not JSON ({e}); please report this.")
                        })
                        .map(|sandbox| {
                            let shared = Shared {
                                sandbox,
                                requests: saved_requests(&log),
                                lesson: crate::pages::lessons::current_lesson(),
                                model: crate::pages::modeler::share_document(),
                            };
                            share::share(&shared, "sandbox")
                        }),
                };
                if let Ok(ShareOutput::File { name, text, .. }) = &result {
                    if let Err(e) = download(name, text, "application/json") {
                        web_sys::console::warn_2(&"download failed:".into(), &e);
                    }
                }
                output.set(Some(result));
            });
        })
    };

    let on_file = {
        let opened = opened.clone();
        let engine = engine.clone();
        Callback::from(move |event: Event| {
            let input: web_sys::HtmlInputElement = event.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let opened = opened.clone();
            let engine = engine.clone();
            if file.size() > share::MAX_DOCUMENT_BYTES as f64 {
                opened.set(Some(Err(share::ShareError::FileTooLarge(
                    file.size() as usize
                )
                .to_string())));
                return;
            }
            wasm_bindgen_futures::spawn_local(async move {
                let text = wasm_bindgen_futures::JsFuture::from(file.text())
                    .await
                    .ok()
                    .and_then(|t| t.as_string());
                let mut lesson = None;
                let result = match text.map(|t| share::decode_file(&t)) {
                    None => Err("The file could not be read.".to_string()),
                    Some(Err(e)) => Err(e.to_string()),
                    Some(Ok(shared)) => {
                        lesson = share::lesson_to_open(&shared).map(String::from);
                        open_as_new_sandbox(&engine, &shared).await
                    }
                };
                let ok = result.is_ok();
                opened.set(Some(result));
                if ok {
                    // A file opens the same way as a link: on its lesson, if it has one.
                    navigate(&lesson.map_or(Route::Tables, Route::Lesson));
                }
            });
        })
    };

    let on_export = {
        let exported = exported.clone();
        let engine = engine.clone();
        Callback::from(move |_: MouseEvent| {
            let (engine, exported) = (engine.clone(), exported.clone());
            EngineHandle::spawn(async move {
                let result = export::collect(|op, body| {
                    let engine = engine.clone();
                    async move {
                        engine.call_quietly(op, &body).await.map_err(|f| {
                            format!("{op}: {} {}", f.name, f.message.unwrap_or_default())
                        })
                    }
                })
                .await
                .map(|tables| export::files(&tables));
                exported.set(Some(result));
            });
        })
    };

    let share_result = match &*output {
        None => html! {},
        Some(Err(e)) => html! { <p class="error" role="alert">{ e }</p> },
        Some(Ok(ShareOutput::Link(fragment))) => {
            let href = web_sys::window()
                .and_then(|w| w.location().href().ok())
                .map(|h| h.split('#').next().unwrap_or_default().to_string())
                .unwrap_or_default();
            let link = format!("{href}{fragment}");
            html! {
                <div class="share-result" role="status">
                    <label for="share-link">{ format!("Share link ({} characters)", link.len()) }</label>
                    <input id="share-link" type="text" readonly=true value={link.clone()} />
                    <p class="hint">{ "Anyone who opens it gets a new sandbox with these tables, items and requests; theirs stay as they are." }</p>
                </div>
            }
        }
        Some(Ok(ShareOutput::File {
            name, link_chars, ..
        })) => html! {
            <div class="share-result" role="status">
                <p id="share-file">{ format!(
                    "This sandbox would make a link of {link_chars} characters (links stop at {}), so it was saved as {name}. \
                     Open that file with \u{201c}Open a shared file\u{201d} below.",
                    share::MAX_LINK_CHARS
                ) }</p>
            </div>
        },
    };

    let open_result = match &*opened {
        None => html! {},
        Some(Ok(summary)) => html! { <p role="status" id="open-result">{ summary }</p> },
        Some(Err(e)) => html! { <p class="error" role="alert" id="open-result">{ e }</p> },
    };

    let export_result = match &*exported {
        None => html! {},
        Some(Err(e)) => html! { <p class="error" role="alert">{ e }</p> },
        Some(Ok(files)) => html! {
            <ul class="export-files" id="export-files">
                { for files.iter().map(|(name, text)| {
                    let (name, text) = (name.clone(), text.clone());
                    let file_name = name.rsplit('/').next().unwrap_or(&name).to_string();
                    let mime = if file_name.ends_with(".sh") { "text/x-shellscript" } else { "application/json" };
                    let onclick = Callback::from(move |_: MouseEvent| {
                        if let Err(e) = download(&file_name, &text, mime) {
                            web_sys::console::warn_2(&"download failed:".into(), &e);
                        }
                    });
                    html! {
                        <li>
                            <details>
                                <summary>{ &name }</summary>
                                <pre class="code" tabindex="0">{ files_text(files, &name) }</pre>
                            </details>
                            <button type="button" onclick={onclick}>{ "Download" }</button>
                        </li>
                    }
                }) }
            </ul>
        },
    };

    html! {
        <div class="page share-page">
            <section class="panel" aria-labelledby="share-heading">
                <h2 id="share-heading">{ "Share this sandbox" }</h2>
                <p class="hint">{ "A link carries every table, index, item, stream, TTL setting and the clock, \
                    with the requests on the Code page, compressed into the part after # (never sent to a server). \
                    A sandbox too large for a link becomes a .dynaplay.json file." }</p>
                <button id="share" class="primary" type="button" onclick={on_share}>{ "Share" }</button>
                { share_result }
            </section>
            <section class="panel" aria-labelledby="open-heading">
                <h2 id="open-heading">{ "Open a shared file" }</h2>
                <label for="open-file">{ "A .dynaplay.json file (a share, or a sandbox export) opens as a new sandbox:" }</label>
                <input id="open-file" type="file" accept=".json,application/json" onchange={on_file} />
                { open_result }
            </section>
            <section class="panel" aria-labelledby="export-heading">
                <h2 id="export-heading">{ "Export to DynamoDB" }</h2>
                <p class="hint">{ "A CloudFormation template and an AWS CLI script (create-tables.sh) that create the same \
                    tables in your AWS account, and every item as DynamoDB JSON in batch-write-item files of 25." }</p>
                <button id="export" type="button" onclick={on_export}>{ "Export" }</button>
                { export_result }
            </section>
        </div>
    }
}

fn files_text(files: &[(String, String)], name: &str) -> String {
    files
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, t)| t.clone())
        .unwrap_or_default()
}

/// Opens a share as a new sandbox (a persisted one, named "Shared", "Shared 2"...: the user's own
/// sandboxes are never touched), switches to it and carries its requests into the log; returns
/// what was opened. The runtime's `import_document` checks the sandbox document first; if it
/// refuses, no sandbox is created.
pub async fn open_as_new_sandbox(engine: &EngineHandle, shared: &Shared) -> Result<String, String> {
    // The design first: a refused one must stop the share before a sandbox is made for it.
    if let Some(model) = &shared.model {
        crate::pages::modeler::open_shared_document(model)
            .map_err(|e| format!("The shared data model was refused: {e}"))?;
    }
    sandboxes::open_imported("Shared", &shared.sandbox.to_string())
        .await
        .map_err(|f| f.message.unwrap_or(f.name))?;
    for request in shared.requests.iter().rev() {
        engine.record(
            &request.operation,
            &request.body,
            request.status.unwrap_or(0),
            request.region.clone(),
        );
    }
    let tables = share::table_names(&shared.sandbox);
    let counts = share::item_counts(&shared.sandbox);
    let listed: Vec<String> = tables
        .iter()
        .map(|t| {
            format!(
                "{t}: {} items",
                counts.get(t).and_then(|c| c.as_u64()).unwrap_or(0)
            )
        })
        .collect();
    // The sharer's lesson becomes the receiver's current one; the landing page then opens it.
    let lesson = share::lesson_to_open(shared)
        .filter(|id| crate::pages::lessons::set_current_lesson(id))
        .map(|id| format!(" on lesson {id}"))
        .unwrap_or_default();
    Ok(format!(
        "Opened a new sandbox with {} table{} ({}) and {} saved request{}{lesson}.",
        tables.len(),
        if tables.len() == 1 { "" } else { "s" },
        listed.join(", "),
        shared.requests.len(),
        if shared.requests.len() == 1 { "" } else { "s" },
    ))
}

#[derive(Properties, PartialEq)]
pub struct SharedPageProps {
    /// What follows `#/shared/`.
    pub payload: String,
}

type Opened = Option<Result<String, String>>;

thread_local! {
    /// The link being opened (or opened) in this page: its payload, the result once there is
    /// one, and the landing page's state to report it to. Opening switches sandboxes, which
    /// unmounts and remounts the landing page; this is how the remounted page knows the link was
    /// already opened (and must not be imported twice) and still learns the result.
    static OPENING: RefCell<Option<(String, Opened, UseStateHandle<Opened>)>> = const { RefCell::new(None) };
}

/// Where a share link lands: the share is read and opened as a new sandbox, or refused with the
/// reason (and nothing is created).
#[function_component(SharedPage)]
pub fn shared_page(props: &SharedPageProps) -> Html {
    let result = use_state(|| None::<Result<String, String>>);
    let Some(engine) = use_context::<EngineHandle>() else {
        return html! { <p role="alert">{ "The engine did not start." }</p> };
    };
    {
        let result = result.clone();
        use_effect_with(props.payload.clone(), move |payload| {
            let seen = OPENING.with(|o| {
                let mut o = o.borrow_mut();
                match &mut *o {
                    Some((p, done, handle)) if p == payload => {
                        *handle = result.clone();
                        if let Some(done) = done {
                            result.set(Some(done.clone()));
                        }
                        true
                    }
                    slot => {
                        *slot = Some((payload.clone(), None, result.clone()));
                        false
                    }
                }
            });
            if !seen {
                let decoded = share::decode_payload(payload);
                EngineHandle::spawn(async move {
                    let mut lesson = None;
                    let opened = match decoded {
                        Err(e) => Err(e.to_string()),
                        Ok(shared) => {
                            lesson = share::lesson_to_open(&shared).map(String::from);
                            open_as_new_sandbox(&engine, &shared).await
                        }
                    };
                    if opened.is_ok() {
                        // A reload must not open the share a second time. With a lesson the
                        // link opens on it: `location.replace` moves there (a hashchange) and
                        // leaves no history entry to come back to the link by. Without one the
                        // address becomes the tables page without leaving this one
                        // (replaceState fires no hashchange).
                        let window = web_sys::window();
                        match (&lesson, &window) {
                            (Some(id), Some(w)) => {
                                let _ = w.location().replace(&Route::Lesson(id.clone()).href());
                            }
                            _ => {
                                if let Some(history) = window.and_then(|w| w.history().ok()) {
                                    let _ = history.replace_state_with_url(
                                        &wasm_bindgen::JsValue::NULL,
                                        "",
                                        Some(&Route::Tables.href()),
                                    );
                                }
                            }
                        }
                    }
                    OPENING.with(|o| {
                        if let Some((_, done, handle)) = &mut *o.borrow_mut() {
                            *done = Some(opened.clone());
                            handle.set(Some(opened));
                        }
                    });
                });
            }
        });
    }
    html! {
        <section class="panel" aria-labelledby="shared-heading">
            <h2 id="shared-heading">{ "A shared sandbox" }</h2>
            {
                match &*result {
                    None => html! { <p>{ "Opening…" }</p> },
                    Some(Ok(summary)) => html! {
                        <>
                            <p role="status" id="shared-result">{ summary }</p>
                            <p><a href="#/tables">{ "See its tables" }</a>{ " · " }<a href="#/code">{ "its requests" }</a></p>
                        </>
                    },
                    Some(Err(e)) => html! {
                        <>
                            <p class="error" role="alert" id="shared-result">{ e }</p>
                            <p>{ "Nothing was created. " }<a href="#/console">{ "Go to the Console" }</a></p>
                        </>
                    },
                }
            }
        </section>
    }
}
