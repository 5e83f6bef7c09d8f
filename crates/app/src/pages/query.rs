//! The Query/Scan builder: table or index, key condition, filter, projection, names and values, order,
//! limit and consistency. It shows the request it sends (and its code), Count against ScannedCount,
//! the consumed capacity, and LastEvaluatedKey with a button for the next page.

use std::rc::Rc;

use serde_json::{json, Map, Value};
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::app::{navigate, EngineHandle, Failure, Route};
use crate::components::code_panel::CodePanel;
use crate::components::error_box::ErrorBox;
use crate::components::item_grid::ItemGrid;
use crate::components::region_picker::RegionPicker;
use crate::forms::ReadForm;
use crate::json_view;
use crate::regions::Regions;

#[derive(Properties, PartialEq)]
pub struct QueryPageProps {
    pub table: Option<String>,
}

/// What one run returned.
#[derive(Clone, PartialEq)]
struct ReadResult {
    items: Vec<Map<String, Value>>,
    count: Value,
    scanned: Value,
    consumed: Value,
    last_key: Option<Value>,
}

#[derive(Clone, PartialEq, Default)]
struct QueryState {
    form: ReadForm,
    /// `(name, keys)` of the table's indexes, for the picker.
    indexes: Vec<(String, String)>,
    key_names: Vec<String>,
    tables: Vec<String>,
    /// The body last sent, pretty, and its operation.
    sent: Option<(String, Value)>,
    result: Option<Result<ReadResult, Failure>>,
    page: u32,
}

enum QueryAction {
    Described {
        tables: Vec<String>,
        table: String,
        indexes: Vec<(String, String)>,
        key_names: Vec<String>,
        suggestion: Option<String>,
    },
    Change(Rc<dyn Fn(&mut ReadForm)>),
    Sent {
        operation: String,
        body: Value,
        result: Box<Result<ReadResult, Failure>>,
        next_page: bool,
    },
}

impl Reducible for QueryState {
    type Action = QueryAction;
    fn reduce(self: Rc<Self>, action: QueryAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            QueryAction::Described {
                tables,
                table,
                indexes,
                key_names,
                suggestion,
            } => {
                next = QueryState {
                    tables,
                    indexes,
                    key_names,
                    ..QueryState::default()
                };
                next.form.table = table;
                // Start from a condition on the partition key, to fill in.
                if let Some(key) = suggestion {
                    next.form.key_condition = "#pk = :pk".into();
                    next.form.names = json!({ "#pk": key }).to_string();
                    next.form.values = json!({ ":pk": { "S": "" } }).to_string();
                }
            }
            QueryAction::Change(change) => change(&mut next.form),
            QueryAction::Sent {
                operation,
                body,
                result,
                next_page,
            } => {
                next.page = if next_page { self.page + 1 } else { 1 };
                next.sent = Some((operation, body));
                next.result = Some(*result);
            }
        }
        Rc::new(next)
    }
}

fn keys_of(schema: &Value) -> Vec<String> {
    schema
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|k| k["AttributeName"].as_str().map(String::from))
        .collect()
}

fn field_value(e: &Event) -> String {
    if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
        if input.type_() == "checkbox" {
            return input.checked().to_string();
        }
        return input.value();
    }
    if let Some(area) = e.target_dyn_into::<HtmlTextAreaElement>() {
        return area.value();
    }
    e.target_dyn_into::<HtmlSelectElement>()
        .map(|s| s.value())
        .unwrap_or_default()
}

#[function_component(QueryPage)]
pub fn query_page(props: &QueryPageProps) -> Html {
    let state = use_reducer(QueryState::default);
    // The region of the global tables simulation the read goes to (None: home), and those there are.
    let region = use_state(|| None::<String>);
    let regions = use_state(Regions::default);
    // The region of the request last sent, for its code.
    let sent_region = use_state(|| None::<String>);
    let Some(engine) = use_context::<EngineHandle>() else {
        return html! { <p role="alert">{ "The engine did not start." }</p> };
    };
    {
        let (engine, regions) = (engine.clone(), regions.setter());
        use_effect_with((), move |_| {
            EngineHandle::spawn(async move { regions.set(engine.regions().await) });
        });
    }
    {
        let state = state.clone();
        let engine = engine.clone();
        use_effect_with(props.table.clone(), move |table| {
            let table = table.clone().unwrap_or_default();
            let state = state.dispatcher();
            EngineHandle::spawn(async move {
                let tables = engine.table_names().await.unwrap_or_default();
                let mut indexes = Vec::new();
                let mut key_names = Vec::new();
                if !table.is_empty() {
                    if let Ok(d) = engine
                        .call_quietly("DescribeTable", &json!({ "TableName": table }))
                        .await
                    {
                        key_names = keys_of(&d["Table"]["KeySchema"]);
                        for field in ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"] {
                            for index in d["Table"][field].as_array().into_iter().flatten() {
                                indexes.push((
                                    index["IndexName"].as_str().unwrap_or_default().to_string(),
                                    keys_of(&index["KeySchema"]).join(", "),
                                ));
                            }
                        }
                    }
                }
                let suggestion = key_names.first().cloned();
                state.dispatch(QueryAction::Described {
                    tables,
                    table,
                    indexes,
                    key_names,
                    suggestion,
                });
            });
        });
    }

    let run = {
        let state = state.clone();
        let region = (*region).clone();
        let sent_region = sent_region.setter();
        Callback::from(move |next_page: bool| {
            let start = if next_page {
                match &state.result {
                    Some(Ok(r)) => r.last_key.clone(),
                    _ => None,
                }
            } else {
                None
            };
            let operation = state.form.operation().to_string();
            let body = match state.form.request(start.as_ref()) {
                Err(message) => {
                    state.dispatch(QueryAction::Sent {
                        operation,
                        body: Value::Null,
                        result: Box::new(Err(Failure::local(message))),
                        next_page,
                    });
                    return;
                }
                Ok(body) => body,
            };
            sent_region.set(region.clone());
            let (engine, state) = (engine.in_region(region.as_deref()), state.dispatcher());
            EngineHandle::spawn(async move {
                let result = engine.call(&operation, &body).await.map(|out| ReadResult {
                    items: out["Items"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|i| i.as_object().cloned())
                        .collect(),
                    count: out["Count"].clone(),
                    scanned: out["ScannedCount"].clone(),
                    consumed: out["ConsumedCapacity"].clone(),
                    last_key: out.get("LastEvaluatedKey").cloned(),
                });
                state.dispatch(QueryAction::Sent {
                    operation,
                    body,
                    result: Box::new(result),
                    next_page,
                });
            });
        })
    };
    let on_submit = {
        let run = run.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            run.emit(false);
        })
    };
    let on_region = {
        let region = region.clone();
        Callback::from(move |picked: Option<String>| region.set(picked))
    };
    let on_next = {
        let run = run.clone();
        Callback::from(move |_: MouseEvent| run.emit(true))
    };
    let change = |set: fn(&mut ReadForm, String)| {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let v = field_value(&e);
            state.dispatch(QueryAction::Change(Rc::new(move |f: &mut ReadForm| {
                set(f, v.clone())
            })));
        })
    };
    let on_table = Callback::from(|e: Event| {
        let v = field_value(&e);
        navigate(&Route::Query((!v.is_empty()).then_some(v)));
    });
    let form = &state.form;
    let text_field = |id: &str,
                      label: &str,
                      value: &str,
                      hint: &str,
                      set: fn(&mut ReadForm, String)| {
        html! {
            <div class="field">
                <label for={id.to_string()}>{ label }</label>
                <input id={id.to_string()} type="text" value={value.to_string()} onchange={change(set)}
                    autocomplete="off" spellcheck="false" aria-describedby={format!("{id}-hint")} />
                <p class="hint" id={format!("{id}-hint")}>{ hint }</p>
            </div>
        }
    };
    let json_field = |id: &str,
                      label: &str,
                      value: &str,
                      hint: &str,
                      set: fn(&mut ReadForm, String)| {
        html! {
            <div class="field">
                <label for={id.to_string()}>{ label }</label>
                <textarea id={id.to_string()} class="code small" rows="3" value={value.to_string()} onchange={change(set)}
                    spellcheck="false" aria-describedby={format!("{id}-hint")} />
                <p class="hint" id={format!("{id}-hint")}>{ hint }</p>
            </div>
        }
    };
    // The keys a Query's condition may name are those of what it reads: the table or the index.
    let index_keys = state
        .indexes
        .iter()
        .find(|(name, _)| *name == form.index)
        .map(|(name, keys)| format!("Index {name}'s keys: {keys}."));
    let key_hint = match (index_keys, state.key_names.is_empty()) {
        (Some(keys), _) => format!("{keys} For example #pk = :pk AND begins_with(#sk, :prefix)"),
        (None, true) => "For example #pk = :pk AND begins_with(#sk, :prefix)".to_string(),
        (None, false) => format!(
            "The table's keys: {}. For example #pk = :pk AND begins_with(#sk, :prefix)",
            state.key_names.join(", ")
        ),
    };

    let result = match &state.result {
        None => html! { <p class="placeholder">{ "Run the request to see what it reads." }</p> },
        Some(Err(failure)) => html! { <ErrorBox failure={failure.clone()} /> },
        Some(Ok(r)) => html! {
            <>
                <dl class="facts" id="read-facts">
                    <dt>{ "Count" }</dt><dd id="read-count">{ r.count.to_string() }</dd>
                    <dt>{ "ScannedCount" }</dt><dd id="read-scanned">{ r.scanned.to_string() }</dd>
                    <dt>{ "Consumed capacity" }</dt>
                    <dd id="read-capacity">{ format!("{} RCU", r.consumed["CapacityUnits"]) }</dd>
                    <dt>{ "Page" }</dt><dd id="read-page">{ state.page }</dd>
                    <dt>{ "LastEvaluatedKey" }</dt>
                    <dd id="read-last-key" class="code">
                        { r.last_key.as_ref().map_or("none: this was the last page".to_string(), |k| k.to_string()) }
                    </dd>
                </dl>
                <p class="hint">{ "Count is what matched after the filter; ScannedCount is what was read (and paid for) before it." }</p>
                <div class="actions">
                    <button type="button" id="read-next" disabled={r.last_key.is_none()} onclick={on_next}>
                        { "Next page" }
                    </button>
                </div>
                <ItemGrid items={r.items.clone()} key_names={state.key_names.clone()} caption="Items read" />
            </>
        },
    };

    html! {
        <div class="page query-page">
            <section class="panel" aria-labelledby="query-heading">
                <h2 id="query-heading">{ "Query or scan" }</h2>
                <form onsubmit={on_submit}>
                    <div class="row">
                        <div class="field">
                            <label for="read-table">{ "Table" }</label>
                            <select id="read-table" onchange={on_table}>
                                <option value="" selected={form.table.is_empty()}>{ "Choose a table" }</option>
                                { for state.tables.iter().map(|t| html! {
                                    <option value={t.clone()} selected={*t == form.table}>{ t }</option>
                                }) }
                            </select>
                        </div>
                        <div class="field">
                            <label for="read-index">{ "Read from" }</label>
                            <select id="read-index" onchange={change(|f, v| f.index = v)}>
                                <option value="" selected={form.index.is_empty()}>{ "The table" }</option>
                                { for state.indexes.iter().map(|(name, keys)| html! {
                                    <option value={name.clone()} selected={*name == form.index}>
                                        { format!("Index {name} ({keys})") }
                                    </option>
                                }) }
                            </select>
                        </div>
                        <fieldset class="field mode">
                            <legend>{ "Operation" }</legend>
                            <label><input type="radio" name="read-mode" id="mode-query" checked={!form.scan}
                                onchange={change(|f, _| f.scan = false)} />{ " Query" }</label>
                            <label><input type="radio" name="read-mode" id="mode-scan" checked={form.scan}
                                onchange={change(|f, _| f.scan = true)} />{ " Scan" }</label>
                        </fieldset>
                    </div>
                    if !form.scan {
                        { text_field("key-condition", "Key condition", &form.key_condition, &key_hint, |f, v| f.key_condition = v) }
                    }
                    { text_field("filter", "Filter (optional)", &form.filter, "Applied after reading: it lowers Count, not ScannedCount or the capacity used.", |f, v| f.filter = v) }
                    { text_field("projection", "Projection (optional)", &form.projection, "Attributes to return, e.g. Title, #yr", |f, v| f.projection = v) }
                    <div class="row">
                        { json_field("names", "Attribute names (JSON)", &form.names, r##"e.g. {"#pk": "PK"}"##, |f, v| f.names = v) }
                        { json_field("values", "Attribute values (DynamoDB JSON)", &form.values, r#"e.g. {":pk": {"S": "CUSTOMER#c1"}}"#, |f, v| f.values = v) }
                    </div>
                    <div class="row">
                        { text_field("limit", "Limit", &form.limit, "Items read per page, before the filter.", |f, v| f.limit = v) }
                        <div class="field check">
                            if !form.scan {
                                <label><input type="checkbox" id="descending" checked={form.descending}
                                    onchange={change(|f, v| f.descending = v == "true")} />{ " Descending sort-key order (ScanIndexForward false)" }</label>
                            }
                            <label><input type="checkbox" id="consistent" checked={form.consistent}
                                onchange={change(|f, v| f.consistent = v == "true")} />{ " Strongly consistent read" }</label>
                        </div>
                    </div>
                    <RegionPicker regions={(*regions).clone()} selected={(*region).clone()}
                        on_select={on_region} id="-read" />
                    <div class="actions">
                        <button type="submit" id="read-run" class="primary">{ format!("Run {}", form.operation()) }</button>
                    </div>
                </form>
            </section>
            <section class="panel" aria-labelledby="result-heading" aria-live="polite">
                <h2 id="result-heading">{ "Result" }</h2>
                { result }
            </section>
            if let Some((operation, body)) = &state.sent {
                if !body.is_null() {
                    <section class="panel" aria-labelledby="sent-heading">
                        <h2 id="sent-heading">{ format!("The {operation} request sent") }</h2>
                        <pre class="code output" id="read-request" tabindex="0">{ json_view::pretty(body) }</pre>
                        <CodePanel operation={operation.clone()} body={body.to_string()} id="-read"
                            region={(*sent_region).clone().map(AttrValue::from)} />
                    </section>
                }
            }
        </div>
    }
}
