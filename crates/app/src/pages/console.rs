//! The Console page: pick an operation (and, in the global tables simulation, a region), edit its
//! request, run it against the page's engine, read the answer, and run past requests again from
//! the history.

use yew::prelude::*;

use crate::app::EngineHandle;
use crate::components::history_list::HistoryList;
use crate::components::operation_picker::OperationPicker;
use crate::components::region_picker::RegionPicker;
use crate::components::request_editor::RequestEditor;
use crate::components::response_view::ResponseView;
use crate::examples::{self, OPERATIONS};
use crate::regions::Regions;
use crate::state::{Action, Answer, ConsoleState};

#[function_component(Console)]
pub fn console() -> Html {
    let state = use_reducer(ConsoleState::default);
    let regions = use_state(Regions::default);
    let engine = use_context::<EngineHandle>();
    // The regions there are: read when the console opens and again after every run (a run may
    // have added or removed a replica).
    let runs = state.history.first().map_or(0, |e| e.id);
    {
        let (engine, regions) = (engine.clone(), regions.setter());
        use_effect_with(runs, move |_| {
            if let Some(engine) = engine {
                EngineHandle::spawn(async move { regions.set(engine.regions().await) });
            }
        });
    }
    // App always provides the engine; without it there is nothing to run, so say so rather than abort.
    let Some(engine) = engine else {
        return html! { <p role="alert">{ "The engine did not start." }</p> };
    };

    // Runs a request on the engine in a region, then records the answer; shared by Run,
    // Ctrl+Enter and the history.
    let run = {
        let state = state.clone();
        Callback::from(
            move |(operation, request, region): (String, String, Option<String>)| {
                let (engine, state) = (engine.in_region(region.as_deref()), state.dispatcher());
                EngineHandle::spawn(async move {
                    let response = engine
                        .dispatch(&examples::target(&operation), &request)
                        .await;
                    state.dispatch(Action::Ran {
                        operation,
                        request,
                        answer: Answer::from_response(&response),
                        region,
                    });
                });
            },
        )
    };
    let run_current = {
        let run = run.clone();
        let operation = state.operation.to_string();
        let request = state.request.clone();
        let region = state.region.clone();
        Callback::from(move |()| run.emit((operation.clone(), request.clone(), region.clone())))
    };
    let on_region = {
        let state = state.clone();
        Callback::from(move |region: Option<String>| state.dispatch(Action::Region(region)))
    };
    let on_select = {
        let state = state.clone();
        Callback::from(move |operation: String| state.dispatch(Action::Select(operation)))
    };
    let on_edit = {
        let state = state.clone();
        Callback::from(move |text: String| state.dispatch(Action::Edit(text)))
    };
    let on_restore = {
        let state = state.clone();
        Callback::from(move |id: u32| state.dispatch(Action::Restore(id)))
    };
    let on_rerun = {
        let history = state.history.clone();
        Callback::from(move |id: u32| {
            if let Some(entry) = history.iter().find(|e| e.id == id) {
                run.emit((
                    entry.operation.clone(),
                    entry.request.clone(),
                    entry.region.clone(),
                ));
            }
        })
    };
    let on_run_click = {
        let run_current = run_current.clone();
        Callback::from(move |_: MouseEvent| run_current.emit(()))
    };

    html! {
        <div class="console">
            <section class="panel request-panel" aria-labelledby="request-heading">
                <h2 id="request-heading">{ "Request" }</h2>
                <OperationPicker
                    operations={OPERATIONS}
                    selected={state.operation}
                    on_select={on_select}
                />
                <RegionPicker regions={(*regions).clone()} selected={state.region.clone()} on_select={on_region} />
                <RequestEditor value={state.request.clone()} on_input={on_edit} on_run={run_current} />
                <div class="actions">
                    <button id="run" class="primary" type="button" onclick={on_run_click}>
                        { "Run " }{ state.operation }
                        if let Some(region) = &state.region {
                            { format!(" in {region}") }
                        }
                    </button>
                    <span class="hint"><kbd>{ "Ctrl" }</kbd>{ "+" }<kbd>{ "Enter" }</kbd>{ " runs from the editor" }</span>
                </div>
            </section>
            <section class="panel response-panel" aria-labelledby="response-heading">
                <h2 id="response-heading">{ "Response" }</h2>
                <ResponseView answer={state.answer.clone()} />
            </section>
            <section class="panel history-panel" aria-labelledby="history-heading">
                <h2 id="history-heading">{ "History" }</h2>
                <HistoryList entries={state.history.clone()} on_rerun={on_rerun} on_restore={on_restore} />
            </section>
        </div>
    }
}
