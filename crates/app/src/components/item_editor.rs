//! The item editor: one item as DynamoDB JSON or plain JSON, saved with PutItem (the engine's
//! validation errors shown inline), duplicated, deleted with DeleteItem, and its size shown byte by byte.

use std::rc::Rc;

use serde_json::{Map, Value};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::app::{EngineHandle, Failure};
use crate::components::error_box::ErrorBox;
use crate::components::item_size_view::ItemSizeView;
use crate::components::shortcut::ctrl_enter_clicks;
use crate::item_json::{marshall_map, unmarshall_map};
use crate::json_view;

#[derive(Properties, PartialEq)]
pub struct ItemEditorProps {
    pub table: AttrValue,
    pub key_names: Vec<String>,
    /// The item to edit, in DynamoDB JSON; `None` starts a new one.
    pub item: Option<Map<String, Value>>,
    /// Called after a save or delete changed the table.
    pub on_changed: Callback<()>,
}

#[derive(Clone, PartialEq, Default)]
struct EditorState {
    text: String,
    plain: bool,
    failure: Option<Failure>,
    notice: Option<String>,
}

enum EditorAction {
    Load(String),
    Edit(String),
    /// Switch notation with the text converted.
    Notation {
        plain: bool,
        text: String,
    },
    Failed(Failure),
    Done(String),
}

impl Reducible for EditorState {
    type Action = EditorAction;
    fn reduce(self: Rc<Self>, action: EditorAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            EditorAction::Load(text) => {
                next.text = text;
                next.plain = false;
                next.failure = None;
                next.notice = None;
            }
            EditorAction::Edit(text) => next.text = text,
            EditorAction::Notation { plain, text } => {
                next.plain = plain;
                next.text = text;
                next.failure = None;
            }
            EditorAction::Failed(failure) => {
                next.failure = Some(failure);
                next.notice = None;
            }
            EditorAction::Done(notice) => {
                next.failure = None;
                next.notice = Some(notice);
            }
        }
        Rc::new(next)
    }
}

/// The editor's text as an item in DynamoDB JSON.
fn parse(text: &str, plain: bool) -> Result<Map<String, Value>, Failure> {
    let what = if plain { "plain JSON" } else { "DynamoDB JSON" };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(if plain { marshall_map(&map) } else { map }),
        Ok(_) => Err(Failure::local(format!(
            "An item is a JSON object of attributes, in {what}."
        ))),
        Err(e) => Err(Failure::local(format!("The item is not valid JSON: {e}."))),
    }
}

/// A new item's starting text: its key attributes, to fill in.
fn template(key_names: &[String]) -> String {
    let map: Map<String, Value> = key_names
        .iter()
        .map(|k| (k.clone(), serde_json::json!({ "S": "" })))
        .collect();
    json_view::pretty(&Value::Object(map))
}

#[function_component(ItemEditor)]
pub fn item_editor(props: &ItemEditorProps) -> Html {
    let state = use_reducer(EditorState::default);
    let Some(engine) = use_context::<EngineHandle>() else {
        return html! { <p role="alert">{ "The engine did not start." }</p> };
    };
    {
        let state = state.clone();
        let key_names = props.key_names.clone();
        use_effect_with(props.item.clone(), move |item| {
            let text = match item {
                Some(item) => json_view::pretty(&Value::Object(item.clone())),
                None => template(&key_names),
            };
            state.dispatch(EditorAction::Load(text));
        });
    }

    let oninput = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            state.dispatch(EditorAction::Edit(area.value()));
        })
    };
    let switch = |plain: bool| {
        let state = state.clone();
        Callback::from(move |_: Event| {
            if state.plain == plain {
                return;
            }
            match parse(&state.text, state.plain) {
                Ok(item) => {
                    let text = if plain {
                        let (plain_map, lossy) = unmarshall_map(&item);
                        if lossy {
                            state.dispatch(EditorAction::Failed(Failure::local(
                                "This item has sets, binaries or numbers plain JSON cannot hold exactly: \
                                 edit it in DynamoDB JSON to keep their types.",
                            )));
                            return;
                        }
                        json_view::pretty(&Value::Object(plain_map))
                    } else {
                        json_view::pretty(&Value::Object(item))
                    };
                    state.dispatch(EditorAction::Notation { plain, text });
                }
                Err(failure) => state.dispatch(EditorAction::Failed(failure)),
            }
        })
    };
    let on_save = {
        let state = state.clone();
        let engine = engine.clone();
        let table = props.table.clone();
        let on_changed = props.on_changed.clone();
        Callback::from(move |_: MouseEvent| {
            let item = match parse(&state.text, state.plain) {
                Ok(item) => item,
                Err(failure) => return state.dispatch(EditorAction::Failed(failure)),
            };
            let body = serde_json::json!({ "TableName": table.as_str(), "Item": item });
            let (engine, state, on_changed) =
                (engine.clone(), state.dispatcher(), on_changed.clone());
            EngineHandle::spawn(async move {
                match engine.call("PutItem", &body).await {
                    Ok(_) => {
                        state.dispatch(EditorAction::Done("Saved with PutItem.".into()));
                        on_changed.emit(());
                    }
                    Err(failure) => state.dispatch(EditorAction::Failed(failure)),
                }
            });
        })
    };
    let on_duplicate = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            state.dispatch(EditorAction::Done(
                "This is now a copy: change its key, then Save to write a new item (the same key would overwrite the original)."
                    .into(),
            ))
        })
    };
    let on_delete = {
        let state = state.clone();
        let table = props.table.clone();
        let key_names = props.key_names.clone();
        let on_changed = props.on_changed.clone();
        Callback::from(move |_: MouseEvent| {
            let item = match parse(&state.text, state.plain) {
                Ok(item) => item,
                Err(failure) => return state.dispatch(EditorAction::Failed(failure)),
            };
            let key: Map<String, Value> = key_names
                .iter()
                .filter_map(|k| item.get(k).map(|v| (k.clone(), v.clone())))
                .collect();
            let body = serde_json::json!({ "TableName": table.as_str(), "Key": key });
            let (engine, state, on_changed) =
                (engine.clone(), state.dispatcher(), on_changed.clone());
            EngineHandle::spawn(async move {
                match engine.call("DeleteItem", &body).await {
                    Ok(_) => {
                        state.dispatch(EditorAction::Done("Deleted with DeleteItem.".into()));
                        on_changed.emit(());
                    }
                    Err(failure) => state.dispatch(EditorAction::Failed(failure)),
                }
            });
        })
    };

    let typed = parse(&state.text, state.plain).ok();
    html! {
        <div class="item-editor">
            <fieldset class="notation">
                <legend>{ "Notation" }</legend>
                <label><input type="radio" name="notation" id="notation-dynamodb" checked={!state.plain}
                    onchange={switch(false)} />{ " DynamoDB JSON" }</label>
                <label><input type="radio" name="notation" id="notation-plain" checked={state.plain}
                    onchange={switch(true)} />{ " Plain JSON" }</label>
            </fieldset>
            <div class="field">
                <label for="item-text">{ "Item" }</label>
                <textarea id="item-text" class="code" rows="12" spellcheck="false" autocapitalize="off"
                    value={state.text.clone()} {oninput} onkeydown={ctrl_enter_clicks("item-save")}
                    aria-describedby="item-keys" />
                <p class="hint" id="item-keys">{ "Ctrl+Enter saves it" }</p>
            </div>
            <div class="actions">
                <button type="button" id="item-save" class="primary" onclick={on_save}>{ "Save" }</button>
                <button type="button" id="item-duplicate" onclick={on_duplicate}>{ "Duplicate" }</button>
                <button type="button" id="item-delete" class="danger" onclick={on_delete}>{ "Delete" }</button>
            </div>
            <div id="item-status" aria-live="polite">
                if let Some(failure) = &state.failure { <ErrorBox failure={failure.clone()} /> }
                if let Some(notice) = &state.notice { <p class="status ok">{ notice }</p> }
            </div>
            if let Some(item) = typed { <ItemSizeView {item} /> }
        </div>
    }
}
