//! The main navigation: one link per section, the current one marked for screen readers and the eye.
//!
//! On a laptop the links are one row of tabs. On a phone they stay one row too, scrolled sideways
//! (the current one brought into view), so the page starts near the top of the screen; the
//! "All sections" button beside the row unfolds every link at once, and Escape folds it again. The
//! button comes first in the markup, so Tab goes from it into the links it unfolded. The row fades
//! out at an edge where more links lie beyond it (static/app.css, driven by the row's own scroll).
//!
//! The Code link's count of requests has one width whatever it says, from 1 to "99+", so a long
//! session never pushes the laptop's one row of tabs onto a second; the exact count is its title
//! and part of the link's name.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::request_log::LOG_LIMIT;

#[derive(Properties, PartialEq)]
pub struct NavProps {
    /// The current section (`Route::section`).
    pub current: &'static str,
    /// How many requests the Code page holds.
    pub requests: usize,
}

const SECTIONS: &[(&str, &str, &str)] = &[
    ("console", "#/console", "Console"),
    ("tables", "#/tables", "Tables"),
    ("items", "#/items", "Items"),
    ("query", "#/query", "Query/Scan"),
    ("partiql", "#/partiql", "PartiQL"),
    ("streams", "#/streams", "Streams"),
    ("code", "#/code", "Code"),
    ("hood", "#/hood", "Under the hood"),
    ("sandboxes", "#/sandboxes", "Sandboxes"),
    ("lessons", "#/lessons", "Lessons"),
    ("share", "#/share", "Share & export"),
    ("modeler", "#/modeler", "Modeler"),
];

/// The most a count shows in its digits; more reads "99+" (the badge is as wide as that).
const SHOWN_MAX: usize = 99;

/// The count's text on the badge, and the exact number in words for its title and screen readers.
fn count_texts(requests: usize) -> (String, String) {
    let shown = if requests > SHOWN_MAX {
        format!("{SHOWN_MAX}+")
    } else {
        requests.to_string()
    };
    let exact = if requests >= LOG_LIMIT {
        format!("{requests} requests (the Code page keeps the latest {LOG_LIMIT})")
    } else if requests == 1 {
        "1 request".to_string()
    } else {
        format!("{requests} requests")
    };
    (shown, exact)
}

/// The Code link's badge: the short text for the eye, the exact count for the title and the link's name.
fn count_badge(requests: usize) -> Html {
    let (shown, exact) = count_texts(requests);
    html! {
        <>
            <span class="count" title={exact.clone()} aria-hidden="true">{ shown }</span>
            <span class="visually-hidden">{ format!(", {exact}") }</span>
        </>
    }
}

/// Scrolls the folded row sideways so the current link sits in view (it may be the last one).
fn show_current(list: &NodeRef) {
    let Some(list) = list.cast::<web_sys::HtmlElement>() else {
        return;
    };
    let Some(link) = list
        .query_selector("a.current")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    // Centred where the row allows; offsetLeft counts from the list, its offset parent.
    let left = link.offset_left() - (list.client_width() - link.offset_width()) / 2;
    list.set_scroll_left(left.max(0));
}

#[function_component(Nav)]
pub fn nav(props: &NavProps) -> Html {
    let expanded = use_state(|| false);
    let list = use_node_ref();
    let toggle = use_node_ref();
    {
        let list = list.clone();
        use_effect_with((props.current, *expanded), move |_| show_current(&list));
    }
    let on_toggle = {
        let expanded = expanded.clone();
        Callback::from(move |_: MouseEvent| expanded.set(!*expanded))
    };
    // Following a link folds the list again: the page it opens is what the reader wants to see.
    let on_follow = {
        let expanded = expanded.clone();
        Callback::from(move |_: MouseEvent| expanded.set(false))
    };
    let on_key = {
        let (expanded, toggle) = (expanded.clone(), toggle.clone());
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" && *expanded {
                expanded.set(false);
                if let Some(button) = toggle.cast::<web_sys::HtmlElement>() {
                    let _ = button.focus();
                }
            }
        })
    };
    html! {
        <nav class={classes!("main-nav", expanded.then_some("expanded"))} aria-label="Sections" onkeydown={on_key}>
            <button type="button" id="nav-toggle" class="nav-toggle" ref={toggle}
                    title="All sections" aria-controls="nav-sections" aria-expanded={if *expanded { "true" } else { "false" }}
                    onclick={on_toggle}>
                <span class="nav-toggle-icon" aria-hidden="true"></span>
                <span class="visually-hidden">{ "All sections" }</span>
            </button>
            <ul id="nav-sections" ref={list.clone()}>
                { for SECTIONS.iter().map(|&(id, href, label)| {
                    let current = props.current == id;
                    html! {
                        <li>
                            <a id={format!("nav-{id}")} {href} class={classes!(current.then_some("current"))}
                               aria-current={current.then_some("page")} onclick={on_follow.clone()}>
                                { label }
                                if id == "code" && props.requests > 0 {
                                    { count_badge(props.requests) }
                                }
                            </a>
                        </li>
                    }
                }) }
            </ul>
        </nav>
    }
}
