//! The Under the hood page: the engine's clock (moved forward by the learner, so TTL and per-minute
//! metrics play out without waiting), the TTL sweeper run on demand, and one table's capacity
//! metrics (`Engine::metrics`): consumed and throttled units per minute, partitions and hottest keys.

use std::rc::Rc;

use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::app::{navigate, EngineHandle, Failure, Route};
use crate::components::cost_view::CostView;
use crate::components::error_box::ErrorBox;
use crate::components::lifecycle_picker::LifecyclePicker;

#[derive(Properties, PartialEq)]
pub struct HoodPageProps {
    pub table: Option<String>,
}

const MINUTE: f64 = 60_000.0;
/// The recent minutes shown, newest first.
const SHOWN_MINUTES: usize = 10;

#[derive(Clone, PartialEq, Default)]
struct HoodState {
    tables: Vec<String>,
    /// The engine's clock and its offset from real time, in milliseconds.
    now: f64,
    offset: f64,
    /// How many items the last sweep deleted.
    swept: Option<u32>,
    metrics: Option<Result<Value, Failure>>,
    /// DescribeTable's `Table`, for the cost estimate.
    description: Option<Value>,
    ttl_attribute: String,
    /// The outcome of the last UpdateTimeToLive.
    ttl: Option<Result<String, Failure>>,
}

enum Action {
    Tables(Vec<String>),
    Clock { now: f64, offset: f64 },
    Swept(u32),
    Metrics(Option<Result<Value, Failure>>),
    Description(Option<Value>),
    TtlAttribute(String),
    Ttl(Result<String, Failure>),
}

impl Reducible for HoodState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Tables(tables) => next.tables = tables,
            Action::Clock { now, offset } => {
                next.now = now;
                next.offset = offset;
            }
            Action::Swept(n) => next.swept = Some(n),
            Action::Metrics(m) => next.metrics = m,
            Action::Description(d) => next.description = d,
            Action::TtlAttribute(a) => next.ttl_attribute = a,
            Action::Ttl(t) => next.ttl = Some(t),
        }
        Rc::new(next)
    }
}

/// `2026-11-22 04:57:09 UTC`.
fn date_time(millis: f64) -> String {
    let iso = String::from(js_sys::Date::new(&JsValue::from_f64(millis)).to_iso_string());
    format!("{} UTC", iso.get(..19).unwrap_or(&iso).replace('T', " "))
}

/// `HH:MM` (UTC) of a minute's start.
fn minute_label(millis: f64) -> String {
    let iso = String::from(js_sys::Date::new(&JsValue::from_f64(millis)).to_iso_string());
    iso.get(11..16).unwrap_or(&iso).to_string()
}

/// An offset as `1 d 2 h 3 min ahead of real time`.
fn offset_text(millis: f64) -> String {
    let minutes = (millis / MINUTE).floor() as i64;
    if minutes <= 0 {
        return "none: the clock is real time".into();
    }
    let (d, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let mut parts = Vec::new();
    if d > 0 {
        parts.push(format!("{d} d"));
    }
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    format!("{} ahead of real time", parts.join(" "))
}

fn units(v: &Value) -> String {
    match v.as_f64() {
        Some(n) if n.fract() == 0.0 => format!("{n:.0}"),
        Some(n) => format!("{n:.1}"),
        None => "0".into(),
    }
}

fn bytes(v: &Value) -> String {
    let n = v.as_f64().unwrap_or(0.0);
    if n >= 1024.0 * 1024.0 {
        format!("{:.1} MB", n / 1024.0 / 1024.0)
    } else if n >= 1024.0 {
        format!("{:.1} KB", n / 1024.0)
    } else {
        format!("{n:.0} B")
    }
}

/// Total consumed (read, write) units over a `Minutes` array.
fn totals(minutes: &Value) -> (f64, f64) {
    minutes
        .as_array()
        .into_iter()
        .flatten()
        .fold((0.0, 0.0), |(r, w), m| {
            (
                r + m["ConsumedReadCapacityUnits"].as_f64().unwrap_or(0.0),
                w + m["ConsumedWriteCapacityUnits"].as_f64().unwrap_or(0.0),
            )
        })
}

#[derive(Properties, PartialEq)]
struct ClockPanelProps {
    now: f64,
    offset: f64,
    swept: Option<u32>,
    on_advance: Callback<f64>,
    on_sweep: Callback<()>,
}

#[function_component(ClockPanel)]
fn clock_panel(props: &ClockPanelProps) -> Html {
    let step = |id: &'static str, label: &'static str, ms: f64| {
        let on_advance = props.on_advance.clone();
        html! {
            <button type="button" {id} onclick={Callback::from(move |_: MouseEvent| on_advance.emit(ms))}>{ label }</button>
        }
    };
    let on_sweep = props.on_sweep.reform(|_: MouseEvent| ());
    html! {
        <section aria-labelledby="clock-heading">
            <h3 id="clock-heading">{ "The engine's clock" }</h3>
            <dl class="facts" id="clock-facts">
                <dt>{ "Now" }</dt><dd id="clock-now">{ date_time(props.now) }</dd>
                <dt>{ "Offset" }</dt><dd id="clock-offset">{ offset_text(props.offset) }</dd>
            </dl>
            <p class="hint">{ "The engine reads time only from this clock. Moving it forward lets TTL expire, streams age and metrics roll into new minutes without waiting; it never runs backwards." }</p>
            <div class="actions">
                { step("advance-minute", "+1 minute", MINUTE) }
                { step("advance-hour", "+1 hour", 60.0 * MINUTE) }
                { step("advance-day", "+1 day", 1440.0 * MINUTE) }
            </div>
            <LifecyclePicker />
            <h3 id="ttl-heading">{ "TTL sweeper" }</h3>
            <p class="hint">{ "DynamoDB deletes expired items in the background, typically within days; the engine sweeps once a simulated minute as requests arrive. Run it now:" }</p>
            <div class="actions">
                <button type="button" id="sweep-ttl" onclick={on_sweep}>{ "Run the TTL sweeper now" }</button>
            </div>
            <p id="sweep-result" aria-live="polite">
                { match props.swept {
                    None => String::new(),
                    Some(1) => "1 item deleted.".into(),
                    Some(n) => format!("{n} items deleted."),
                } }
            </p>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct MinutesTableProps {
    id: AttrValue,
    caption: AttrValue,
    minutes: Value,
}

/// Consumed and throttled units per minute, newest first.
#[function_component(MinutesTable)]
fn minutes_table(props: &MinutesTableProps) -> Html {
    let minutes: Vec<&Value> = props
        .minutes
        .as_array()
        .into_iter()
        .flatten()
        .rev()
        .take(SHOWN_MINUTES)
        .collect();
    if minutes.is_empty() {
        return html! { <p class="placeholder">{ "No traffic yet: read or write some items, then refresh." }</p> };
    }
    html! {
        <div class="grid-scroll" tabindex="0" role="region" aria-label={props.caption.clone()}>
            <table class="item-grid" id={props.id.clone()}>
                <caption class="hint">{ props.caption.clone() }</caption>
                <thead><tr>
                    <th scope="col">{ "Minute (UTC)" }</th>
                    <th scope="col">{ "Read units" }</th><th scope="col">{ "Write units" }</th>
                    <th scope="col">{ "Throttled reads" }</th><th scope="col">{ "Throttled writes" }</th>
                </tr></thead>
                <tbody>
                    { for minutes.iter().map(|m| html! {
                        <tr>
                            <td>{ minute_label(m["Minute"].as_f64().unwrap_or(0.0)) }</td>
                            <td>{ units(&m["ConsumedReadCapacityUnits"]) }</td>
                            <td class="write-units">{ units(&m["ConsumedWriteCapacityUnits"]) }</td>
                            <td>{ units(&m["ThrottledReadCapacityUnits"]) }</td>
                            <td>{ units(&m["ThrottledWriteCapacityUnits"]) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct KeyListProps {
    id: AttrValue,
    keys: Value,
    /// What a count counts, singular (`request`).
    noun: AttrValue,
}

#[function_component(KeyList)]
fn key_list(props: &KeyListProps) -> Html {
    let keys = props.keys.as_array().cloned().unwrap_or_default();
    if keys.is_empty() {
        return html! { <p class="placeholder" id={props.id.clone()}>{ "None yet." }</p> };
    }
    html! {
        <ol id={props.id.clone()} class="key-list">
            { for keys.iter().map(|k| html! {
                <li><code>{ k["Key"].to_string() }</code>{ format!(" — {} {}{}", k["Count"], props.noun, if k["Count"] == 1 { "" } else { "s" }) }</li>
            }) }
        </ol>
    }
}

#[derive(Properties, PartialEq)]
struct MetricsViewProps {
    metrics: Value,
}

#[function_component(MetricsView)]
fn metrics_view(props: &MetricsViewProps) -> Html {
    let m = &props.metrics;
    let table = &m["Table"];
    let count = table["PartitionCount"].as_f64().unwrap_or(0.0);
    let share = if count > 0.0 { 100.0 / count } else { 0.0 };
    let partitions = table["Partitions"].as_array().cloned().unwrap_or_default();
    let gsis: Vec<(String, Value)> = m["GlobalSecondaryIndexes"]
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    html! {
        <>
            <dl class="facts" id="metrics-facts">
                <dt>{ "Items" }</dt><dd>{ table["ItemCount"].to_string() }</dd>
                <dt>{ "Size" }</dt><dd>{ bytes(&table["SizeBytes"]) }</dd>
                <dt>{ "Partitions" }</dt><dd id="partition-count">{ table["PartitionCount"].to_string() }</dd>
            </dl>
            <h3>{ "Capacity per minute" }</h3>
            <MinutesTable id="table-minutes" caption="The table's consumed and throttled capacity units, most recent minute first" minutes={table["Minutes"].clone()} />
            { for gsis.iter().map(|(name, index)| html! {
                <>
                    <h4>{ format!("Index {name}") }</h4>
                    <MinutesTable id={format!("index-minutes-{name}")} caption={format!("Index {name}: capacity units per minute")} minutes={index["Minutes"].clone()} />
                </>
            }) }
            <h3>{ "Partitions (a model)" }</h3>
            <p class="hint">{ "A model, not DynamoDB's own layout: its hash function and split points are not public. Dynaplay hashes each partition key into a 64-bit space cut into equal ranges, and splits it by throughput and size the way DynamoDB documents, so a hot key or a large table shows how load spreads." }</p>
            if partitions.is_empty() {
                <p class="placeholder">{ "No partition has traffic or items yet." }</p>
            } else {
                <div class="grid-scroll" tabindex="0" role="region" aria-label="Partitions">
                    <table class="item-grid" id="partitions">
                        <thead><tr>
                            <th scope="col">{ "Partition" }</th><th scope="col">{ "Hash range starts" }</th>
                            <th scope="col">{ "Share of key range" }</th><th scope="col">{ "Items" }</th>
                            <th scope="col">{ "Size" }</th><th scope="col">{ "Read units" }</th>
                            <th scope="col">{ "Write units" }</th>
                        </tr></thead>
                        <tbody>
                            { for partitions.iter().map(|p| {
                                let (r, w) = totals(&p["Minutes"]);
                                html! {
                                    <tr>
                                        <td>{ p["Partition"].to_string() }</td>
                                        <td><code>{ format!("0x{}", p["HashRangeStart"].as_str().unwrap_or("?")) }</code></td>
                                        <td>{ format!("{share:.1}%") }</td>
                                        <td>{ p["ItemCount"].to_string() }</td>
                                        <td>{ bytes(&p["SizeBytes"]) }</td>
                                        <td>{ units(&json!(r)) }</td>
                                        <td>{ units(&json!(w)) }</td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                </div>
                <p class="hint">{ "Read and write units are totals over the minutes kept." }</p>
            }
            <h3>{ "Most accessed keys" }</h3>
            <KeyList id="most-accessed" keys={m["MostAccessedKeys"].clone()} noun="request" />
            <h3>{ "Most throttled keys" }</h3>
            <KeyList id="most-throttled" keys={m["MostThrottledKeys"].clone()} noun="throttled request" />
        </>
    }
}

#[function_component(HoodPage)]
pub fn hood_page(props: &HoodPageProps) -> Html {
    let state = use_reducer(HoodState::default);
    // Bumped after anything that changes the clock or the metrics, so they are read again.
    let version = use_state(|| 0u32);
    let Some(engine) = use_context::<EngineHandle>() else {
        return html! { <p role="alert">{ "The engine did not start." }</p> };
    };
    {
        // The table list and the table's description (for the cost estimate) are requests, which
        // may run the engine's minutely TTL sweep; they are read when the page opens, not after
        // each clock move, so a sweep is the learner's.
        let state = state.dispatcher();
        let engine = engine.clone();
        use_effect_with(props.table.clone(), move |props_table| {
            let props_table = props_table.clone();
            EngineHandle::spawn(async move {
                state.dispatch(Action::Tables(
                    engine.table_names().await.unwrap_or_default(),
                ));
                let description = match &props_table {
                    Some(t) => engine
                        .call_quietly("DescribeTable", &json!({ "TableName": t }))
                        .await
                        .ok()
                        .map(|d| d["Table"].clone()),
                    None => None,
                };
                state.dispatch(Action::Description(description));
            });
        });
    }
    {
        let state = state.dispatcher();
        let engine = engine.clone();
        use_effect_with((props.table.clone(), *version), move |(table, _)| {
            let table = table.clone();
            EngineHandle::spawn(async move {
                let (now, offset) = engine.clock().await;
                state.dispatch(Action::Clock { now, offset });
                let metrics = match &table {
                    Some(t) => Some(engine.metrics(t).await),
                    None => None,
                };
                state.dispatch(Action::Metrics(metrics));
            });
        });
    }
    let on_advance = {
        let engine = engine.clone();
        let version = version.clone();
        let state = state.dispatcher();
        Callback::from(move |ms: f64| {
            let (engine, version, state) = (engine.clone(), version.clone(), state.clone());
            EngineHandle::spawn(async move {
                if let Err(failure) = engine.advance_clock(ms).await {
                    state.dispatch(Action::Metrics(Some(Err(failure))));
                }
                version.set(*version + 1);
            });
        })
    };
    let on_sweep = {
        let engine = engine.clone();
        let version = version.clone();
        let state = state.dispatcher();
        Callback::from(move |()| {
            let (engine, version, state) = (engine.clone(), version.clone(), state.clone());
            EngineHandle::spawn(async move {
                match engine.sweep_ttl().await {
                    Ok(swept) => state.dispatch(Action::Swept(swept)),
                    Err(failure) => state.dispatch(Action::Metrics(Some(Err(failure)))),
                }
                version.set(*version + 1);
            });
        })
    };
    let on_refresh = {
        let version = version.clone();
        Callback::from(move |_: MouseEvent| version.set(*version + 1))
    };
    let on_table = Callback::from(|e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        let v = select.value();
        navigate(&Route::Hood((!v.is_empty()).then_some(v)));
    });
    let on_ttl_attribute = {
        let state = state.dispatcher();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            state.dispatch(Action::TtlAttribute(input.value()));
        })
    };
    let on_enable_ttl = {
        let state = state.clone();
        let table = props.table.clone().unwrap_or_default();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let attribute = state.ttl_attribute.trim().to_string();
            if attribute.is_empty() {
                state.dispatch(Action::Ttl(Err(Failure::local(
                    "Name the attribute that holds each item's expiry time (epoch seconds).",
                ))));
                return;
            }
            let body = json!({
                "TableName": table,
                "TimeToLiveSpecification": { "Enabled": true, "AttributeName": attribute },
            });
            let (engine, state) = (engine.clone(), state.dispatcher());
            EngineHandle::spawn(async move {
                let result = engine.call("UpdateTimeToLive", &body).await;
                state.dispatch(Action::Ttl(result.map(|_| {
                    format!(
                        "TTL turned on: items expire at their {attribute} (epoch seconds). \
                         It is ENABLING until the change settles; move the clock on to get there."
                    )
                })));
            });
        })
    };

    let metrics = match &state.metrics {
        None => {
            html! { <p class="placeholder">{ "Choose a table to see its capacity metrics." }</p> }
        }
        Some(Err(failure)) => html! { <ErrorBox failure={failure.clone()} /> },
        Some(Ok(m)) => html! {
            <>
                if let Some(table) = &state.description {
                    <CostView metrics={m.clone()} table={table.clone()} now={state.now} />
                }
                <MetricsView metrics={m.clone()} />
            </>
        },
    };

    html! {
        <section class="panel hood-page" aria-labelledby="hood-heading">
            <h2 id="hood-heading">{ "Under the hood" }</h2>
            <p class="hint">{ "What the engine keeps out of DynamoDB's API: its clock, the TTL sweeper and capacity accounting." }</p>
            <ClockPanel now={state.now} offset={state.offset} swept={state.swept}
                        on_advance={on_advance} on_sweep={on_sweep} />
            <section aria-labelledby="metrics-heading">
                <h3 id="metrics-heading">{ "Capacity metrics" }</h3>
                <div class="row">
                    <div class="field">
                        <label for="hood-table">{ "Table" }</label>
                        <select id="hood-table" onchange={on_table}>
                            <option value="" selected={props.table.is_none()}>{ "Choose a table" }</option>
                            { for state.tables.iter().map(|t| html! {
                                <option value={t.clone()} selected={props.table.as_deref() == Some(t.as_str())}>{ t }</option>
                            }) }
                        </select>
                    </div>
                </div>
                if props.table.is_some() {
                    <form class="row" id="ttl-form" onsubmit={on_enable_ttl}>
                        <div class="field">
                            <label for="hood-ttl-attribute">{ "TTL attribute" }</label>
                            <input id="hood-ttl-attribute" type="text" value={state.ttl_attribute.clone()}
                                   placeholder="ExpiresAt" onchange={on_ttl_attribute} />
                        </div>
                        <div class="actions">
                            <button type="submit" id="enable-ttl">{ "Turn TTL on for this table" }</button>
                            <button type="button" id="hood-refresh" onclick={on_refresh}>{ "Refresh" }</button>
                        </div>
                    </form>
                    <div id="ttl-status" aria-live="polite">
                        { match &state.ttl {
                            None => html! {},
                            Some(Ok(text)) => html! { <p>{ text }</p> },
                            Some(Err(failure)) => html! { <ErrorBox failure={failure.clone()} /> },
                        } }
                    </div>
                }
                <div aria-live="polite">{ metrics }</div>
            </section>
        </section>
    }
}
