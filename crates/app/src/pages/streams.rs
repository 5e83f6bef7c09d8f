//! The Streams page: a table's stream as a timeline of its records (INSERT, MODIFY, REMOVE with their
//! keys and images), read the way a consumer does: DescribeStream, then GetShardIterator
//! (TRIM_HORIZON) and GetRecords for each shard.

use serde_json::{json, Value};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::app::{navigate, EngineHandle, Failure, Route};
use crate::components::error_box::ErrorBox;

#[derive(Properties, PartialEq)]
pub struct StreamsPageProps {
    pub table: Option<String>,
}

/// The most GetRecords calls per shard in one read, so a busy stream cannot hang the page.
const MAX_READS_PER_SHARD: usize = 50;

/// What reading the stream found.
#[derive(Clone, PartialEq)]
enum StreamView {
    /// The table has no stream enabled.
    Off,
    Records {
        arn: String,
        view_type: String,
        shards: usize,
        records: Vec<Value>,
    },
}

/// Reads every record of the table's stream, oldest first.
async fn read_stream(engine: &EngineHandle, table: &str) -> Result<StreamView, Failure> {
    let described = engine
        .call_quietly("DescribeTable", &json!({ "TableName": table }))
        .await?;
    let Some(arn) = described["Table"]["LatestStreamArn"].as_str() else {
        return Ok(StreamView::Off);
    };
    if described["Table"]["StreamSpecification"]["StreamEnabled"] != true {
        return Ok(StreamView::Off);
    }
    let view_type = described["Table"]["StreamSpecification"]["StreamViewType"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let stream = engine
        .call("Streams.DescribeStream", &json!({ "StreamArn": arn }))
        .await?;
    let shards: Vec<String> = stream["StreamDescription"]["Shards"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["ShardId"].as_str().map(String::from))
        .collect();
    let mut records = Vec::new();
    for shard in &shards {
        let iterator = engine
            .call(
                "Streams.GetShardIterator",
                &json!({ "StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON" }),
            )
            .await?;
        let mut next = iterator["ShardIterator"].as_str().map(String::from);
        for _ in 0..MAX_READS_PER_SHARD {
            let Some(current) = next.take() else { break };
            let page = engine
                .call_quietly("Streams.GetRecords", &json!({ "ShardIterator": current }))
                .await?;
            let got = page["Records"].as_array().cloned().unwrap_or_default();
            let empty = got.is_empty();
            records.extend(got);
            // An open shard always hands back a next iterator; stop once it has nothing more.
            if empty {
                break;
            }
            next = page["NextShardIterator"].as_str().map(String::from);
        }
    }
    records.sort_by(|a, b| {
        let seq = |r: &Value| {
            r["dynamodb"]["SequenceNumber"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        let (x, y) = (seq(a), seq(b));
        x.len().cmp(&y.len()).then(x.cmp(&y))
    });
    Ok(StreamView::Records {
        arn: arn.to_string(),
        view_type,
        shards: shards.len(),
        records,
    })
}

fn image(record: &Value, which: &str) -> Html {
    match record["dynamodb"].get(which) {
        Some(image) => html! {
            <div class="image">
                <span class="hint">{ if which == "NewImage" { "new " } else { "old " } }</span>
                <code>{ image.to_string() }</code>
            </div>
        },
        None => html! {},
    }
}

#[function_component(StreamsPage)]
pub fn streams_page(props: &StreamsPageProps) -> Html {
    let tables = use_state(Vec::<String>::new);
    let view = use_state(|| None::<Result<StreamView, Failure>>);
    let version = use_state(|| 0u32);
    let Some(engine) = use_context::<EngineHandle>() else {
        return html! { <p role="alert">{ "The engine did not start." }</p> };
    };
    {
        let tables = tables.clone();
        let view = view.clone();
        let engine = engine.clone();
        use_effect_with((props.table.clone(), *version), move |(table, _)| {
            let table = table.clone();
            EngineHandle::spawn(async move {
                tables.set(engine.table_names().await.unwrap_or_default());
                view.set(match &table {
                    Some(t) => Some(read_stream(&engine, t).await),
                    None => None,
                });
            });
        });
    }
    let on_table = Callback::from(|e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        let v = select.value();
        navigate(&Route::Streams((!v.is_empty()).then_some(v)));
    });
    let on_refresh = {
        let version = version.clone();
        Callback::from(move |_: MouseEvent| version.set(*version + 1))
    };
    let on_enable = {
        let version = version.clone();
        let view = view.clone();
        let table = props.table.clone().unwrap_or_default();
        Callback::from(move |_: MouseEvent| {
            let body = json!({ "TableName": table, "StreamSpecification": { "StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES" } });
            let (engine, version, view) = (engine.clone(), version.clone(), view.clone());
            EngineHandle::spawn(async move {
                match engine.call("UpdateTable", &body).await {
                    Ok(_) => version.set(*version + 1),
                    Err(failure) => view.set(Some(Err(failure))),
                }
            });
        })
    };

    let body = match &*view {
        None => html! { <p class="placeholder">{ "Choose a table to read its stream." }</p> },
        Some(Err(failure)) => html! { <ErrorBox failure={failure.clone()} /> },
        Some(Ok(StreamView::Off)) => html! {
            <>
                <p>{ "This table has no stream. Its changes are recorded only once one is enabled." }</p>
                <button type="button" id="enable-stream" onclick={on_enable}>{ "Enable a stream (new and old images)" }</button>
            </>
        },
        Some(Ok(StreamView::Records {
            arn,
            view_type,
            shards,
            records,
        })) => html! {
            <>
                <dl class="facts">
                    <dt>{ "Stream" }</dt><dd class="code">{ arn }</dd>
                    <dt>{ "View type" }</dt><dd>{ view_type }</dd>
                    <dt>{ "Shards" }</dt><dd>{ shards }</dd>
                    <dt>{ "Records" }</dt><dd id="stream-count">{ records.len() }</dd>
                </dl>
                if records.is_empty() {
                    <p class="placeholder">{ "No records yet: put, update or delete an item, then refresh." }</p>
                }
                <ol class="timeline" id="stream-timeline">
                    { for records.iter().map(|r| {
                        let event = r["eventName"].as_str().unwrap_or("?").to_string();
                        html! {
                            <li class={classes!("event", event.to_lowercase())}>
                                <span class="badge">{ &event }</span>{ " " }
                                <code class="keys">{ r["dynamodb"]["Keys"].to_string() }</code>
                                <span class="hint">{ format!(" seq {}", r["dynamodb"]["SequenceNumber"].as_str().unwrap_or_default()) }</span>
                                { image(r, "OldImage") }
                                { image(r, "NewImage") }
                            </li>
                        }
                    }) }
                </ol>
            </>
        },
    };

    html! {
        <section class="panel streams-page" aria-labelledby="streams-heading">
            <h2 id="streams-heading">{ "Streams" }</h2>
            <div class="row">
                <div class="field">
                    <label for="streams-table">{ "Table" }</label>
                    <select id="streams-table" onchange={on_table}>
                        <option value="" selected={props.table.is_none()}>{ "Choose a table" }</option>
                        { for tables.iter().map(|t| html! {
                            <option value={t.clone()} selected={props.table.as_deref() == Some(t.as_str())}>{ t }</option>
                        }) }
                    </select>
                </div>
            </div>
            if props.table.is_some() {
                <div class="actions"><button type="button" id="streams-refresh" onclick={on_refresh}>{ "Refresh" }</button></div>
            }
            <div aria-live="polite">{ body }</div>
        </section>
    }
}
