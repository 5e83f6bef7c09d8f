//! The Items page: a table's items a page at a time (Scan with Limit, paged by LastEvaluatedKey) in a
//! grid with a column per attribute present, and the item editor for the chosen or a new item.

use std::rc::Rc;

use serde_json::{json, Map, Value};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::app::{navigate, EngineHandle, Failure, Route};
use crate::components::error_box::ErrorBox;
use crate::components::item_editor::ItemEditor;
use crate::components::item_grid::ItemGrid;

/// Items per page.
pub const PAGE_SIZE: u32 = 10;

#[derive(Properties, PartialEq)]
pub struct ItemsPageProps {
    pub table: Option<String>,
}

#[derive(Clone, PartialEq, Default)]
struct ItemsState {
    key_names: Vec<String>,
    /// The ExclusiveStartKey of each page shown so far; the last is the current page's.
    starts: Vec<Option<Value>>,
    items: Vec<Map<String, Value>>,
    last_key: Option<Value>,
    /// The item in the editor; `None` with `editing` is a new item.
    editing: Option<Map<String, Value>>,
    editor_open: bool,
    failure: Option<Failure>,
    /// Bumped to read the page again after a change.
    version: u32,
}

enum ItemsAction {
    /// A new table: back to its first page.
    Reset,
    Loaded {
        key_names: Vec<String>,
        items: Vec<Map<String, Value>>,
        last_key: Option<Value>,
    },
    Failed(Failure),
    Next,
    Previous,
    Edit(usize),
    New,
    Changed,
}

impl Reducible for ItemsState {
    type Action = ItemsAction;
    fn reduce(self: Rc<Self>, action: ItemsAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            ItemsAction::Reset => next = ItemsState::default(),
            ItemsAction::Loaded {
                key_names,
                items,
                last_key,
            } => {
                next.key_names = key_names;
                next.items = items;
                next.last_key = last_key;
                next.failure = None;
            }
            ItemsAction::Failed(failure) => next.failure = Some(failure),
            ItemsAction::Next => {
                if let Some(key) = &self.last_key {
                    next.starts.push(Some(key.clone()));
                }
            }
            ItemsAction::Previous => {
                next.starts.pop();
            }
            ItemsAction::Edit(row) => {
                next.editing = self.items.get(row).cloned();
                next.editor_open = true;
            }
            ItemsAction::New => {
                next.editing = None;
                next.editor_open = true;
            }
            ItemsAction::Changed => next.version += 1,
        }
        Rc::new(next)
    }
}

#[function_component(ItemsPage)]
pub fn items_page(props: &ItemsPageProps) -> Html {
    let state = use_reducer(ItemsState::default);
    let tables = use_state(Vec::<String>::new);
    let Some(engine) = use_context::<EngineHandle>() else {
        return html! { <p role="alert">{ "The engine did not start." }</p> };
    };
    {
        let tables = tables.clone();
        let engine = engine.clone();
        let state = state.clone();
        use_effect_with(props.table.clone(), move |_| {
            state.dispatch(ItemsAction::Reset);
            let state = state.dispatcher();
            EngineHandle::spawn(async move {
                match engine.table_names().await {
                    Ok(names) => tables.set(names),
                    Err(failure) => state.dispatch(ItemsAction::Failed(failure)),
                }
            });
        });
    }
    {
        let state = state.clone();
        let start = state.starts.last().cloned().flatten();
        let deps = (props.table.clone(), state.starts.len(), state.version);
        use_effect_with(deps, move |(table, _, _)| {
            let Some(table) = table.clone() else {
                return;
            };
            let state = state.dispatcher();
            EngineHandle::spawn(async move {
                let read = async {
                    let d = engine
                        .call_quietly("DescribeTable", &json!({ "TableName": table }))
                        .await?;
                    let key_names: Vec<String> = d["Table"]["KeySchema"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|k| k["AttributeName"].as_str().map(String::from))
                        .collect();
                    let mut body = json!({ "TableName": table, "Limit": PAGE_SIZE });
                    if let Some(start) = start {
                        body["ExclusiveStartKey"] = start;
                    }
                    let page = engine.call("Scan", &body).await?;
                    let items = page["Items"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|i| i.as_object().cloned())
                        .collect();
                    let last_key = page.get("LastEvaluatedKey").cloned();
                    Ok(ItemsAction::Loaded {
                        key_names,
                        items,
                        last_key,
                    })
                }
                .await;
                state.dispatch(read.unwrap_or_else(ItemsAction::Failed));
            });
        });
    }

    let on_table = Callback::from(|e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        let value = select.value();
        navigate(&Route::Items((!value.is_empty()).then_some(value)));
    });
    let action = |make: fn() -> ItemsAction| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(make()))
    };
    let on_edit = {
        let state = state.clone();
        Callback::from(move |row: usize| state.dispatch(ItemsAction::Edit(row)))
    };
    let on_changed = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(ItemsAction::Changed))
    };

    let picker = html! {
        <div class="field">
            <label for="items-table">{ "Table" }</label>
            <select id="items-table" onchange={on_table}>
                <option value="" selected={props.table.is_none()}>{ "Choose a table" }</option>
                { for tables.iter().map(|t| html! {
                    <option value={t.clone()} selected={props.table.as_deref() == Some(t.as_str())}>{ t }</option>
                }) }
            </select>
            if tables.is_empty() {
                <p class="hint">{ "No tables yet: " }<a href="#/tables">{ "create one or load a sample dataset" }</a>{ "." }</p>
            }
        </div>
    };
    let Some(table) = props.table.clone() else {
        return html! {
            <section class="panel" aria-labelledby="items-heading">
                <h2 id="items-heading">{ "Items" }</h2>
                { picker }
            </section>
        };
    };
    let page_number = state.starts.len() + 1;
    html! {
        <div class="page items-page">
            <section class="panel" aria-labelledby="items-heading">
                <h2 id="items-heading">{ format!("Items in {table}") }</h2>
                { picker }
                if let Some(failure) = &state.failure { <ErrorBox failure={failure.clone()} /> }
                <ItemGrid items={state.items.clone()} key_names={state.key_names.clone()}
                    on_edit={Some(on_edit)} caption={format!("Items in {table}, page {page_number}")} />
                <div class="actions pager">
                    <button type="button" id="items-previous" disabled={state.starts.is_empty()}
                        onclick={action(|| ItemsAction::Previous)}>{ "Previous page" }</button>
                    <span id="items-page">{ format!("Page {page_number}") }</span>
                    <button type="button" id="items-next" disabled={state.last_key.is_none()}
                        onclick={action(|| ItemsAction::Next)}>{ "Next page" }</button>
                    <button type="button" id="item-new" onclick={action(|| ItemsAction::New)}>{ "New item" }</button>
                </div>
                <p class="hint">{ format!("Read with Scan, {PAGE_SIZE} items a page; Next page sends the LastEvaluatedKey as ExclusiveStartKey.") }</p>
            </section>
            if state.editor_open {
                <section class="panel" aria-labelledby="editor-heading">
                    <h2 id="editor-heading">{ if state.editing.is_some() { "Edit item" } else { "New item" } }</h2>
                    <ItemEditor table={table.clone()} key_names={state.key_names.clone()}
                        item={state.editing.clone()} {on_changed} />
                </section>
            }
        </div>
    }
}
