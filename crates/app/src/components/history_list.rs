//! The list of requests run so far, newest first; each can be run again or brought back into the editor.

use yew::prelude::*;

use crate::state::{Answer, HistoryEntry};

/// How many characters of a request the list shows.
const PREVIEW_CHARS: usize = 90;

/// The request on one line, compacted when it is JSON, cut to fit.
fn preview(request: &str) -> String {
    let one_line = serde_json::from_str::<serde_json::Value>(request)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| request.split_whitespace().collect::<Vec<_>>().join(" "));
    if one_line.chars().count() > PREVIEW_CHARS {
        let cut: String = one_line.chars().take(PREVIEW_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

#[derive(Properties, PartialEq)]
pub struct HistoryListProps {
    pub entries: Vec<HistoryEntry>,
    pub on_rerun: Callback<u32>,
    pub on_restore: Callback<u32>,
}

#[function_component(HistoryList)]
pub fn history_list(props: &HistoryListProps) -> Html {
    if props.entries.is_empty() {
        return html! { <p class="placeholder">{ "Requests you run are listed here." }</p> };
    }
    html! {
        <ol id="history" class="history" reversed=true>
            { for props.entries.iter().map(|entry| {
                let id = entry.id;
                let rerun = props.on_rerun.reform(move |_: MouseEvent| id);
                let restore = props.on_restore.reform(move |_: MouseEvent| id);
                let (class, outcome) = match &entry.answer {
                    Answer::Success { .. } => ("badge outcome ok", "OK".to_string()),
                    Answer::Failure { name, .. } => ("badge outcome failed", name.clone()),
                };
                html! {
                    <li key={id} class="history-entry">
                        <span class="run-number">{ format!("#{id}") }</span>
                        <span class="operation">{ &entry.operation }</span>
                        <span class={class}>{ outcome }</span>
                        if let Some(region) = &entry.region {
                            <span class="badge simulation region" title="Sent to this region of the global tables simulation">{ region }</span>
                        }
                        <code class="preview" title={entry.request.clone()}>{ preview(&entry.request) }</code>
                        <span class="history-actions">
                            <button type="button" class="rerun" onclick={rerun}
                                aria-label={format!("Run {} #{id} again", entry.operation)}>
                                { "Run again" }
                            </button>
                            <button type="button" class="restore" onclick={restore}
                                aria-label={format!("Load {} #{id} into the editor", entry.operation)}>
                                { "Edit" }
                            </button>
                        </span>
                    </li>
                }
            }) }
        </ol>
    }
}
