//! Embed mode (`index.html#/embed/console?...`, what `web/embed.js` puts in an iframe): a compact
//! console with no navigation over a sandbox of its own, given inline (`sandbox=<share payload>`)
//! or by URL (`src=<same-origin .dynaplay.json>`), with the request to show (`op=PutItem` and
//! `request=<JSON>`). The embedded sandbox lives in memory only: it never touches the visitor's own.
//! `region=eu-west-1` sends the requests to that region of the global tables simulation; a sandbox
//! with replicas (or a region given) shows the console's region selector, labelled a simulation.

use std::cell::RefCell;
use std::rc::Rc;

use dynaplay_wasm::Dynaplay;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use crate::components::region_picker::RegionPicker;
use crate::components::request_editor::RequestEditor;
use crate::components::response_view::ResponseView;
use crate::examples;
use crate::regions::Regions;
use crate::share;
use crate::state::Answer;

#[derive(Properties, PartialEq)]
pub struct EmbedPageProps {
    /// The part of the hash after `?`.
    pub query: String,
}

/// The value of `name` in a query string, URI-decoded.
fn param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| {
            let value = value.replace('+', " ");
            js_sys::decode_uri_component(&value)
                .map(String::from)
                .unwrap_or(value)
        })
    })
}

/// Fetches a sandbox file from this page's own origin, refusing other origins and files larger
/// than a share may be, then reads it as a share.
async fn fetch_sandbox(src: &str) -> Result<share::Shared, String> {
    let window = web_sys::window().ok_or("no window")?;
    let here = window.location().href().map_err(|_| "no location")?;
    let url =
        web_sys::Url::new_with_base(src, &here).map_err(|_| format!("{src} is not a URL."))?;
    let origin = window.location().origin().map_err(|_| "no origin")?;
    if url.origin() != origin {
        return Err(format!(
            "The sandbox file must come from this site ({origin}), not {}.",
            url.origin()
        ));
    }
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(&url.href()))
        .await
        .map_err(|_| format!("{src} could not be fetched."))?
        .dyn_into()
        .map_err(|_| "fetch answered something other than a Response")?;
    if !response.ok() {
        return Err(format!("{src} answered HTTP {}.", response.status()));
    }
    if let Some(length) = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|l| l.parse::<usize>().ok())
    {
        if length > share::MAX_DOCUMENT_BYTES {
            return Err(share::ShareError::FileTooLarge(length).to_string());
        }
    }
    let text = JsFuture::from(response.text().map_err(|_| "the body cannot be read")?)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or("the body is not text")?;
    share::decode_file(&text).map_err(|e| e.to_string())
}

type Engine = Rc<RefCell<Dynaplay>>;

/// The sandbox's home region and replica regions (`GlobalTables.Describe`); the home region alone
/// if that read fails.
fn regions_of(engine: &Engine) -> Regions {
    let answer = engine
        .borrow_mut()
        .dispatch(&examples::target("GlobalTables.Describe"), "{}");
    serde_json::from_str(&answer.body)
        .ok()
        .filter(|_| answer.status == 200)
        .map(|value| Regions::from_describe(&value))
        .unwrap_or_default()
}

fn engine_for(shared: &share::Shared) -> Result<Engine, String> {
    Dynaplay::from_document(&shared.sandbox)
        .map(|d| Rc::new(RefCell::new(d)))
        .map_err(|e| format!("This sandbox cannot be opened: {e}."))
}

/// The steps to show: each `op=` with the `request=` after it, in order (a docs snippet may put
/// an item and then get it); an unknown operation name is skipped.
fn steps(query: &str) -> Vec<(String, String)> {
    let mut steps: Vec<(String, String)> = Vec::new();
    for pair in query.split('&') {
        let (key, _) = pair.split_once('=').unwrap_or((pair, ""));
        let value = param(pair, key).unwrap_or_default();
        match key {
            "op" => {
                if let Some(example) = examples::find(&value) {
                    steps.push((example.operation.to_string(), example.request.to_string()));
                }
            }
            "request" => {
                if let Some(last) = steps.last_mut() {
                    last.1 = value;
                }
            }
            _ => {}
        }
    }
    if steps.is_empty() {
        let first = &examples::OPERATIONS[0];
        steps.push((first.operation.to_string(), first.request.to_string()));
    }
    steps
}

#[function_component(EmbedPage)]
pub fn embed_page(props: &EmbedPageProps) -> Html {
    let engine = use_state(|| None::<Result<Engine, String>>);
    let steps = steps(&props.query);
    let requests = use_state({
        let steps = steps.clone();
        move || steps.into_iter().map(|(_, r)| r).collect::<Vec<_>>()
    });
    let answers = use_state(|| vec![None::<Answer>; steps.len()]);
    // The region the author asked for (`region=`); None is the home region.
    let region = use_state({
        let query = props.query.clone();
        move || param(&query, "region").filter(|r| !r.is_empty())
    });
    {
        let engine = engine.clone();
        use_effect_with(props.query.clone(), move |query| {
            if let Some(payload) = param(query, "sandbox").filter(|p| !p.is_empty()) {
                engine.set(Some(
                    share::decode_payload(&payload)
                        .map_err(|e| e.to_string())
                        .and_then(|s| engine_for(&s)),
                ));
            } else if let Some(src) = param(query, "src").filter(|s| !s.is_empty()) {
                wasm_bindgen_futures::spawn_local(async move {
                    let loaded = fetch_sandbox(&src).await.and_then(|s| engine_for(&s));
                    engine.set(Some(loaded));
                });
            } else {
                engine.set(Some(Ok(Rc::new(RefCell::new(Dynaplay::exportable())))));
            }
        });
    }

    let step_view = |i: usize, operation: &str| {
        let run = {
            let engine = engine.clone();
            let requests = requests.clone();
            let answers = answers.clone();
            let region = region.clone();
            let operation = operation.to_string();
            Callback::from(move |()| {
                if let Some(Ok(engine)) = &*engine {
                    let request = requests.get(i).cloned().unwrap_or_default();
                    let response = engine.borrow_mut().dispatch_in_region(
                        region.as_deref(),
                        &examples::target(&operation),
                        &request,
                    );
                    let mut next = (*answers).clone();
                    if let Some(slot) = next.get_mut(i) {
                        *slot = Some(Answer::from_response(&response));
                    }
                    answers.set(next);
                }
            })
        };
        let on_input = {
            let requests = requests.clone();
            Callback::from(move |text: String| {
                let mut next = (*requests).clone();
                if let Some(slot) = next.get_mut(i) {
                    *slot = text;
                }
                requests.set(next);
            })
        };
        let on_click = {
            let run = run.clone();
            Callback::from(move |_: MouseEvent| run.emit(()))
        };
        html! {
            <section class="embed-step" aria-label={format!("Step {}: {operation}", i + 1)}>
                <RequestEditor value={requests.get(i).cloned().unwrap_or_default()} on_input={on_input} on_run={run} />
                <div class="actions">
                    <button id={format!("run-{}", i + 1)} class="primary" type="button" onclick={on_click}>
                        { "Run " }{ operation }
                    </button>
                </div>
                if let Some(Some(answer)) = answers.get(i) {
                    <ResponseView answer={Some(answer.clone())} />
                }
            </section>
        }
    };

    let title = steps
        .iter()
        .map(|(op, _)| op.as_str())
        .collect::<Vec<_>>()
        .join(" + ");
    let body = match &*engine {
        None => html! { <p class="placeholder">{ "Loading the sandbox…" }</p> },
        Some(Err(e)) => html! { <p class="error" role="alert" id="embed-error">{ e }</p> },
        Some(Ok(engine)) => {
            let regions = regions_of(engine);
            // Only a sandbox with replicas, or an embed given a region, has regions to choose from.
            let picker = (!regions.replicas.is_empty() || region.is_some()).then(|| {
                let on_select = {
                    let region = region.clone();
                    let answers = answers.clone();
                    let count = steps.len();
                    Callback::from(move |picked: Option<String>| {
                        // Answers from another region would be misread as this one's.
                        answers.set(vec![None; count]);
                        region.set(picked);
                    })
                };
                html! {
                    <RegionPicker regions={regions} selected={(*region).clone()} {on_select} id="-embed" />
                }
            });
            html! {
                <>
                    { for picker }
                    { for steps.iter().enumerate().map(|(i, (op, _))| step_view(i, op)) }
                </>
            }
        }
    };
    html! {
        <main id="main" class="embed" aria-label={format!("Dynaplay: {title}")}>
            <p class="embed-title">
                <a href="./" target="_blank" rel="noopener">{ "Dynaplay" }</a>
                { " · DynamoDB running in this page (WebAssembly) · " }{ &title }
            </p>
            { body }
        </main>
    }
}
