//! The main navigation: one link per section, the current one marked for screen readers and the eye.

use yew::prelude::*;

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

#[function_component(Nav)]
pub fn nav(props: &NavProps) -> Html {
    html! {
        <nav class="main-nav" aria-label="Sections">
            <ul>
                { for SECTIONS.iter().map(|&(id, href, label)| {
                    let current = props.current == id;
                    html! {
                        <li>
                            <a id={format!("nav-{id}")} {href} class={classes!(current.then_some("current"))}
                               aria-current={current.then_some("page")}>
                                { label }
                                if id == "code" && props.requests > 0 {
                                    <span class="count" aria-label={format!("{} requests", props.requests)}>
                                        { props.requests }
                                    </span>
                                }
                            </a>
                        </li>
                    }
                }) }
            </ul>
        </nav>
    }
}
