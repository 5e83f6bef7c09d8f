//! A request as code: tabs for the AWS CLI, the JavaScript SDK v3 and boto3, each with a Copy button.

use wasm_bindgen::prelude::*;
use yew::prelude::*;

use crate::codegen::{self, Language, Target};

#[derive(Properties, PartialEq)]
pub struct CodePanelProps {
    pub operation: AttrValue,
    pub body: AttrValue,
    /// Makes element ids unique when a page shows several panels.
    #[prop_or_default]
    pub id: AttrValue,
    /// The simulated region the request went to (global tables): the code names it as the
    /// client's region. None: the client's default.
    #[prop_or_default]
    pub region: Option<AttrValue>,
}

/// Copies text to the clipboard; says whether the browser allowed it (it may refuse, e.g. without focus).
fn copy(text: &str, done: Callback<&'static str>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    // Pages served over plain HTTP from another host have no clipboard API at all.
    let navigator = window.navigator();
    let available = js_sys::Reflect::get(&navigator, &"clipboard".into())
        .map(|c| !c.is_undefined() && !c.is_null())
        .unwrap_or(false);
    if !available {
        done.emit("This page has no clipboard access: select the code and copy it");
        return;
    }
    let promise = navigator.clipboard().write_text(text);
    let ok = {
        let done = done.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| done.emit("Copied"))
    };
    let failed = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        done.emit("The browser refused the clipboard: select the code and copy it")
    });
    let _ = promise.then2(&ok, &failed);
    // Each runs at most once, when the promise settles; the page outlives them.
    ok.forget();
    failed.forget();
}

#[function_component(CodePanel)]
pub fn code_panel(props: &CodePanelProps) -> Html {
    let language = use_state(|| Language::Cli);
    let copied = use_state(|| None::<&'static str>);
    let target = Target {
        region: props.region.as_ref().map(|r| r.to_string()),
        ..Target::default()
    };
    let code = codegen::generate(*language, &props.operation, &props.body, &target);
    let prefix = format!("code{}", props.id);

    let on_copy = {
        let copied = copied.clone();
        let code = code.clone();
        Callback::from(move |_: MouseEvent| {
            if let Ok(text) = &code {
                let copied = copied.clone();
                copy(text, Callback::from(move |m| copied.set(Some(m))));
            }
        })
    };

    // Arrow keys move between the tabs, as in any tab list; Tab moves on to the code.
    let on_key = {
        let language = language.clone();
        let prefix = prefix.clone();
        Callback::from(move |e: KeyboardEvent| {
            let step: isize = match e.key().as_str() {
                "ArrowRight" => 1,
                "ArrowLeft" => -1,
                _ => return,
            };
            e.prevent_default();
            let all = Language::ALL;
            let here = all.iter().position(|l| *l == *language).unwrap_or(0) as isize;
            let next = all[(here + step).rem_euclid(all.len() as isize) as usize];
            language.set(next);
            if let Some(tab) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(&format!("{prefix}-tab-{}", next.id())))
                .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = tab.focus();
            }
        })
    };

    html! {
        <div class="code-panel">
            <div class="tabs" role="tablist" aria-label="Language" onkeydown={on_key}>
                { for Language::ALL.iter().map(|&lang| {
                    let selected = lang == *language;
                    let onclick = {
                        let language = language.clone();
                        let copied = copied.clone();
                        Callback::from(move |_: MouseEvent| { language.set(lang); copied.set(None); })
                    };
                    html! {
                        <button type="button" role="tab" id={format!("{prefix}-tab-{}", lang.id())}
                            aria-selected={if selected { "true" } else { "false" }}
                            tabindex={if selected { "0" } else { "-1" }}
                            aria-controls={format!("{prefix}-text")}
                            class={classes!("tab", selected.then_some("selected"))} {onclick}>
                            { lang.label() }
                        </button>
                    }
                }) }
                <button type="button" class="copy" onclick={on_copy} disabled={code.is_err()}>{ "Copy" }</button>
                if let Some(message) = *copied {
                    <span class="hint" role="status">{ message }</span>
                }
            </div>
            {
                match code {
                    Ok(text) => html! {
                        <pre class="code output" id={format!("{prefix}-text")} role="tabpanel" tabindex="0"
                             data-language={language.id()}>{ text }</pre>
                    },
                    Err(reason) => html! { <p class="hint">{ reason.to_string() }</p> },
                }
            }
        </div>
    }
}
