//! One table's page: its description (status, keys, billing, stream, TTL), its indexes, links to its
//! items and to the query builder, and deleting it.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::app::{navigate, EngineHandle, Failure, Route};
use crate::components::error_box::ErrorBox;
use crate::components::progress::Progress;
use crate::json_view;
use crate::pages::tables::key_text;
use crate::pending::pending_work;

#[derive(Properties, PartialEq)]
pub struct TablePageProps {
    pub name: AttrValue,
}

struct Described {
    table: Value,
    ttl: Option<Value>,
}

fn index_rows(table: &Value, kind: &str, field: &str) -> Vec<Html> {
    table[field]
        .as_array()
        .into_iter()
        .flatten()
        .map(|index| {
            let projection = &index["Projection"];
            let mut shown = projection["ProjectionType"]
                .as_str()
                .unwrap_or("?")
                .to_string();
            if let Some(extra) = projection["NonKeyAttributes"].as_array() {
                let names: Vec<&str> = extra.iter().filter_map(Value::as_str).collect();
                shown = format!("{shown}: {}", names.join(", "));
            }
            html! {
                <tr>
                    <td>{ index["IndexName"].as_str().unwrap_or_default() }</td>
                    <td>{ kind }</td>
                    <td>{ key_text(index) }</td>
                    <td>{ shown }</td>
                    <td>{ index["IndexStatus"].as_str().unwrap_or("ACTIVE") }</td>
                    <td class="num">{ index["ItemCount"].to_string() }</td>
                </tr>
            }
        })
        .collect()
}

#[function_component(TablePage)]
pub fn table_page(props: &TablePageProps) -> Html {
    let described = use_state(|| None::<Result<Described, Failure>>);
    let confirming = use_state(|| false);
    let delete_failure = use_state(|| None::<Failure>);
    // Bumped every second while something is under way, so the page reads the table again.
    let tick = use_state(|| 0u32);
    let Some(engine) = use_context::<EngineHandle>() else {
        return html! { <p role="alert">{ "The engine did not start." }</p> };
    };
    {
        let described = described.clone();
        let engine = engine.clone();
        let tick = tick.clone();
        use_effect_with((props.name.clone(), *tick), move |(name, polls)| {
            let body = json!({ "TableName": name.as_str() });
            let polls = *polls;
            EngineHandle::spawn(async move {
                // The first read is the learner's request (logged for the Code page); polls are not.
                let described_now = if polls == 0 {
                    engine.call("DescribeTable", &body).await
                } else {
                    engine.call_quietly("DescribeTable", &body).await
                };
                if described_now
                    .as_ref()
                    .is_ok_and(|d| !pending_work(&d["Table"]).is_empty())
                {
                    let tick = tick.clone();
                    EngineHandle::spawn(async move {
                        yew::platform::time::sleep(std::time::Duration::from_secs(1)).await;
                        tick.set(polls + 1);
                    });
                }
                let result = match described_now {
                    Ok(d) => Ok(Described {
                        table: d["Table"].clone(),
                        ttl: engine
                            .call_quietly("DescribeTimeToLive", &body)
                            .await
                            .ok()
                            .map(|t| t["TimeToLiveDescription"].clone()),
                    }),
                    Err(failure) => Err(failure),
                };
                described.set(Some(result));
            });
        });
    }
    let name = props.name.to_string();
    let on_delete = {
        let confirming = confirming.clone();
        let delete_failure = delete_failure.clone();
        let name = name.clone();
        Callback::from(move |_: MouseEvent| {
            if !*confirming {
                confirming.set(true);
                return;
            }
            let (engine, delete_failure) = (engine.clone(), delete_failure.clone());
            let body = json!({ "TableName": name });
            EngineHandle::spawn(async move {
                match engine.call("DeleteTable", &body).await {
                    Ok(_) => navigate(&Route::Tables),
                    Err(failure) => delete_failure.set(Some(failure)),
                }
            });
        })
    };
    let on_cancel = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(false))
    };

    let body = match &*described {
        None => html! { <p class="placeholder">{ "Reading the table..." }</p> },
        Some(Err(failure)) => html! {
            <>
                <ErrorBox failure={failure.clone()} />
                <p><a href="#/tables">{ "Back to the tables" }</a></p>
            </>
        },
        Some(Ok(Described { table, ttl })) => {
            let stream = match table["StreamSpecification"]["StreamViewType"].as_str() {
                Some(view) if table["StreamSpecification"]["StreamEnabled"] == true => {
                    view.to_string()
                }
                _ => "off".to_string(),
            };
            let ttl_text = match ttl {
                Some(t) => match (t["TimeToLiveStatus"].as_str(), t["AttributeName"].as_str()) {
                    (Some(status), Some(attr)) => format!("{status} on {attr}"),
                    (Some(status), None) => status.to_string(),
                    _ => "DISABLED".to_string(),
                },
                None => "unknown".to_string(),
            };
            let throughput = &table["ProvisionedThroughput"];
            let billing = table["BillingModeSummary"]["BillingMode"]
                .as_str()
                .unwrap_or("PROVISIONED");
            let work = pending_work(table);
            let mut indexes = index_rows(table, "Global", "GlobalSecondaryIndexes");
            indexes.extend(index_rows(table, "Local", "LocalSecondaryIndexes"));
            html! {
                <>
                    <dl class="facts" id="table-facts">
                        <dt>{ "Status" }</dt><dd id="table-status">{ table["TableStatus"].as_str().unwrap_or_default() }</dd>
                        <dt>{ "Keys" }</dt><dd>{ key_text(table) }</dd>
                        <dt>{ "Items" }</dt><dd>{ table["ItemCount"].to_string() }</dd>
                        <dt>{ "Size" }</dt><dd>{ format!("{} bytes", table["TableSizeBytes"]) }</dd>
                        <dt>{ "Billing" }</dt>
                        <dd>
                            { billing }
                            if billing == "PROVISIONED" {
                                { format!(" ({} RCU, {} WCU)", throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) }
                            }
                        </dd>
                        <dt>{ "Stream" }</dt><dd>{ stream }</dd>
                        <dt>{ "TTL" }</dt><dd>{ ttl_text }</dd>
                        <dt>{ "ARN" }</dt><dd class="code">{ table["TableArn"].as_str().unwrap_or_default() }</dd>
                    </dl>
                    if !work.is_empty() {
                        <section class="pending-work" aria-labelledby="pending-heading">
                            <h3 id="pending-heading">{ "Under way" }</h3>
                            { for work.iter().map(|w| html! {
                                <Progress label={w.label.clone()} value={w.step.map(f64::from)}
                                          max={f64::from(w.steps)} text={AttrValue::from(w.text.clone())} />
                            }) }
                            <p class="hint">
                                { "This page reads the table again every second until everything is ACTIVE. The engine's clock times these changes: " }
                                <a href={Route::Hood(Some(name.clone())).href()}>{ "move it on under the hood" }</a>
                                { " to skip ahead." }
                            </p>
                        </section>
                    }
                    <h3>{ "Indexes" }</h3>
                    if indexes.is_empty() {
                        <p class="placeholder">{ "No secondary indexes." }</p>
                    } else {
                        <div class="grid-scroll" tabindex="0" role="region" aria-label="Indexes">
                            <table class="item-grid" id="index-list">
                                <thead><tr>
                                    <th scope="col">{ "Index" }</th><th scope="col">{ "Kind" }</th>
                                    <th scope="col">{ "Keys" }</th><th scope="col">{ "Projection" }</th>
                                    <th scope="col">{ "Status" }</th><th scope="col">{ "Items" }</th>
                                </tr></thead>
                                <tbody>{ for indexes }</tbody>
                            </table>
                        </div>
                    }
                    <details>
                        <summary>{ "DescribeTable's whole answer" }</summary>
                        <pre class="code output" tabindex="0">{ json_view::pretty(table) }</pre>
                    </details>
                </>
            }
        }
    };

    html! {
        <section class="panel table-page" aria-labelledby="table-heading">
            <p class="crumbs"><a href="#/tables">{ "Tables" }</a>{ " / " }</p>
            <h2 id="table-heading">{ &name }</h2>
            <div class="actions">
                <a class="button" href={Route::Items(Some(name.clone())).href()}>{ "Browse items" }</a>
                <a class="button" href={Route::Query(Some(name.clone())).href()}>{ "Query or scan" }</a>
                <a class="button" href={Route::Streams(Some(name.clone())).href()}>{ "Stream" }</a>
                <button type="button" id="delete-table" class="danger" onclick={on_delete}>
                    { if *confirming { format!("Really delete {name}?") } else { "Delete table".to_string() } }
                </button>
                if *confirming { <button type="button" onclick={on_cancel}>{ "Keep it" }</button> }
            </div>
            if let Some(failure) = &*delete_failure { <ErrorBox failure={failure.clone()} /> }
            { body }
        </section>
    }
}
