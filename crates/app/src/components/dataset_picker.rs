//! The sample datasets, each loadable with one click: creates its table (unless it exists) and puts
//! its items, then reports what it did or the engine's error.

use yew::prelude::*;

use crate::app::{EngineHandle, Failure};
use crate::components::error_box::ErrorBox;
use crate::datasets::{Dataset, DATASETS};

#[derive(Properties, PartialEq)]
pub struct DatasetPickerProps {
    /// Called with the table's name once a dataset is loaded.
    pub on_loaded: Callback<String>,
}

/// Runs a dataset's requests; an existing table is kept and its items are written again.
fn load(engine: &EngineHandle, dataset: &Dataset) -> Result<String, Failure> {
    let exists = engine.table_names()?.iter().any(|n| n == dataset.table);
    let mut items = 0;
    for (operation, body) in (dataset.build)() {
        if operation == "CreateTable" {
            if exists {
                continue;
            }
            // The table's creation is logged, so the Code page shows how the design is made.
            engine.call(operation, &body)?;
        } else {
            engine.call_quietly(operation, &body)?;
            items += 1;
        }
    }
    Ok(format!(
        "Loaded {items} items into {}{}.",
        dataset.table,
        if exists {
            " (the table already existed)"
        } else {
            ""
        }
    ))
}

#[function_component(DatasetPicker)]
pub fn dataset_picker(props: &DatasetPickerProps) -> Html {
    let result = use_state(|| None::<Result<String, Failure>>);
    let Some(engine) = use_context::<EngineHandle>() else {
        return html! { <p role="alert">{ "The engine did not start." }</p> };
    };
    html! {
        <section class="panel datasets" aria-labelledby="datasets-heading">
            <h2 id="datasets-heading">{ "Sample datasets" }</h2>
            <ul class="dataset-list">
                { for DATASETS.iter().map(|dataset| {
                    let onclick = {
                        let engine = engine.clone();
                        let result = result.clone();
                        let on_loaded = props.on_loaded.clone();
                        Callback::from(move |_: MouseEvent| {
                            let outcome = load(&engine, dataset);
                            if outcome.is_ok() {
                                on_loaded.emit(dataset.table.to_string());
                            }
                            result.set(Some(outcome));
                        })
                    };
                    html! {
                        <li>
                            <h3>{ dataset.title }</h3>
                            <p>{ dataset.description }</p>
                            <button type="button" id={format!("load-{}", dataset.id)} {onclick}>
                                { format!("Load {}", dataset.table) }
                            </button>
                        </li>
                    }
                }) }
            </ul>
            <div aria-live="polite" id="dataset-status">
                {
                    match &*result {
                        None => html! {},
                        Some(Ok(message)) => html! { <p class="status ok">{ message }</p> },
                        Some(Err(failure)) => html! { <ErrorBox failure={failure.clone()} /> },
                    }
                }
            </div>
        </section>
    }
}
