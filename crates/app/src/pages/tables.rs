//! The Tables page: every table with its status, keys and item count, the create-table form, and the
//! sample datasets.

use serde_json::Value;
use yew::prelude::*;

use crate::app::{navigate, EngineHandle, Failure, Route};
use crate::components::create_table_form::CreateTableForm;
use crate::components::dataset_picker::DatasetPicker;
use crate::components::error_box::ErrorBox;

/// A key schema as `PK (HASH), SK (RANGE)`.
pub fn key_text(description: &Value) -> String {
    description["KeySchema"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|k| {
            format!(
                "{} ({})",
                k["AttributeName"].as_str().unwrap_or("?"),
                k["KeyType"].as_str().unwrap_or("?")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[function_component(TablesPage)]
pub fn tables_page() -> Html {
    // Bumped after a change, so the list is read again.
    let version = use_state(|| 0u32);
    let tables = use_state(|| None::<Result<Vec<Value>, Failure>>);
    let Some(engine) = use_context::<EngineHandle>() else {
        return html! { <p role="alert">{ "The engine did not start." }</p> };
    };
    {
        let tables = tables.clone();
        let engine = engine.clone();
        use_effect_with(*version, move |_| {
            EngineHandle::spawn(async move {
                let described = async {
                    let mut list = Vec::new();
                    for name in engine.table_names().await? {
                        let d = engine
                            .call_quietly(
                                "DescribeTable",
                                &serde_json::json!({ "TableName": name }),
                            )
                            .await?;
                        list.push(d["Table"].clone());
                    }
                    Ok(list)
                }
                .await;
                tables.set(Some(described));
            });
        });
    }
    let on_created = Callback::from(|name: String| navigate(&Route::Table(name)));
    let on_loaded = {
        let version = version.clone();
        Callback::from(move |_: String| version.set(*version + 1))
    };

    let list = match &*tables {
        None => html! { <p class="placeholder">{ "Reading the tables..." }</p> },
        Some(Err(failure)) => html! { <ErrorBox failure={failure.clone()} /> },
        Some(Ok(list)) if list.is_empty() => html! {
            <p class="placeholder">{ "No tables yet: create one below or load a sample dataset." }</p>
        },
        Some(Ok(list)) => html! {
            <div class="grid-scroll" tabindex="0" role="region" aria-label="Tables">
                <table class="item-grid" id="table-list">
                    <thead><tr>
                        <th scope="col">{ "Table" }</th><th scope="col">{ "Status" }</th>
                        <th scope="col">{ "Keys" }</th><th scope="col">{ "Items" }</th>
                        <th scope="col">{ "Billing" }</th><th scope="col">{ "Indexes" }</th>
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|t| {
                            let name = t["TableName"].as_str().unwrap_or_default().to_string();
                            let indexes = t["GlobalSecondaryIndexes"].as_array().map_or(0, Vec::len)
                                + t["LocalSecondaryIndexes"].as_array().map_or(0, Vec::len);
                            html! {
                                <tr>
                                    <td><a href={Route::Table(name.clone()).href()}>{ &name }</a></td>
                                    <td>{ t["TableStatus"].as_str().unwrap_or_default() }</td>
                                    <td>{ key_text(t) }</td>
                                    <td class="num">{ t["ItemCount"].to_string() }</td>
                                    <td>{ t["BillingModeSummary"]["BillingMode"].as_str().unwrap_or("PROVISIONED") }</td>
                                    <td class="num">{ indexes }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };

    html! {
        <div class="page tables-page">
            <section class="panel" aria-labelledby="tables-heading">
                <h2 id="tables-heading">{ "Tables" }</h2>
                { list }
            </section>
            <DatasetPicker {on_loaded} />
            <section class="panel">
                <CreateTableForm {on_created} />
            </section>
        </div>
    }
}
