//! The sample datasets, each loadable with one click: creates its table (unless it exists) and puts
//! its items, then reports what it did or the engine's error.

use yew::prelude::*;

use crate::app::{EngineHandle, Failure};
use crate::components::error_box::ErrorBox;
use crate::components::progress::Progress;
use crate::datasets::{Dataset, DATASETS};

#[derive(Properties, PartialEq)]
pub struct DatasetPickerProps {
    /// Called with the table's name once a dataset is loaded.
    pub on_loaded: Callback<String>,
}

/// What the picker shows below the datasets.
#[derive(Clone, PartialEq)]
enum Status {
    Idle,
    /// `done` of `total` requests sent for `table`.
    Loading {
        table: &'static str,
        done: usize,
        total: usize,
    },
    Done(Result<String, Failure>),
}

/// Runs a dataset's requests, reporting how many are done; an existing table is kept and its items
/// are written again.
async fn load(
    engine: &EngineHandle,
    dataset: &Dataset,
    progress: impl Fn(usize, usize),
) -> Result<String, Failure> {
    let exists = engine
        .table_names()
        .await?
        .iter()
        .any(|n| n == dataset.table);
    let requests = (dataset.build)();
    let total = requests.len();
    let mut items = 0;
    for (done, (operation, body)) in requests.into_iter().enumerate() {
        progress(done, total);
        if operation == "CreateTable" {
            if exists {
                continue;
            }
            // The table's creation is logged, so the Code page shows how the design is made.
            engine.call(operation, &body).await?;
        } else {
            engine.call_quietly(operation, &body).await?;
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
    let status = use_state(|| Status::Idle);
    let Some(engine) = use_context::<EngineHandle>() else {
        return html! { <p role="alert">{ "The engine did not start." }</p> };
    };
    let busy = matches!(*status, Status::Loading { .. });
    html! {
        <section class="panel datasets" aria-labelledby="datasets-heading">
            <h2 id="datasets-heading">{ "Sample datasets" }</h2>
            <ul class="dataset-list">
                { for DATASETS.iter().map(|dataset| {
                    let onclick = {
                        let engine = engine.clone();
                        let status = status.clone();
                        let on_loaded = props.on_loaded.clone();
                        Callback::from(move |_: MouseEvent| {
                            let (engine, status, on_loaded) =
                                (engine.clone(), status.clone(), on_loaded.clone());
                            status.set(Status::Loading { table: dataset.table, done: 0, total: 0 });
                            EngineHandle::spawn(async move {
                                let report = |done, total| {
                                    status.set(Status::Loading { table: dataset.table, done, total })
                                };
                                let outcome = load(&engine, dataset, report).await;
                                if outcome.is_ok() {
                                    on_loaded.emit(dataset.table.to_string());
                                }
                                status.set(Status::Done(outcome));
                            });
                        })
                    };
                    html! {
                        <li>
                            <h3>{ dataset.title }</h3>
                            <p>{ dataset.description }</p>
                            <button type="button" id={format!("load-{}", dataset.id)} {onclick} disabled={busy}>
                                { format!("Load {}", dataset.table) }
                            </button>
                        </li>
                    }
                }) }
            </ul>
            <div aria-live="polite" id="dataset-status">
                {
                    match &*status {
                        Status::Idle => html! {},
                        Status::Loading { table, done, total } => html! {
                            <Progress id="dataset-progress" label={format!("Loading {table}")}
                                      value={*done as f64} max={*total as f64}
                                      text={format!("{done} of {total} requests")} />
                        },
                        Status::Done(Ok(message)) => html! { <p class="status ok">{ message }</p> },
                        Status::Done(Err(failure)) => html! { <ErrorBox failure={failure.clone()} /> },
                    }
                }
            </div>
        </section>
    }
}
