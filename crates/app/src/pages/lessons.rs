//! The Lessons pages: `#/lessons` lists the bundled lessons with the learner's progress, and
//! `#/lessons/<id>` shows one lesson's steps beside a live console, each step's request one click
//! away, and "Check my work", which judges the lesson's checks (`lessons::evaluate`) against the
//! engine and the request log. Progress lives in localStorage. The engine is called in four places
//! only: `run_request` (the learner's request, logged, in the region the console's selector names),
//! `check_work` (the checks' reads, not logged), `start_over` (deleting the lesson's replicas and
//! tables) and `move_clock` (a step that moves the sandbox clock).

use std::rc::Rc;

use serde_json::Value;
use yew::prelude::*;

use crate::app::EngineHandle;
use crate::components::lesson_checks::LessonChecks;
use crate::components::lesson_text::LessonText;
use crate::components::region_picker::RegionPicker;
use crate::components::request_editor::RequestEditor;
use crate::components::response_view::ResponseView;
use crate::examples;
use crate::json_view;
use crate::lessons::{self, Attempt, Lesson, Outcome, Progress, Snapshot};
use crate::regions::Regions;
use crate::request_log::RequestLog;
use crate::state::Answer;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The learner's progress as stored; a browser without storage starts afresh every time.
fn load_progress() -> Progress {
    storage()
        .and_then(|s| s.get_item(lessons::PROGRESS_KEY).ok().flatten())
        .map(|text| Progress::from_json(&text))
        .unwrap_or_default()
}

fn save_progress(progress: &Progress) {
    if let Some(storage) = storage() {
        // A full or blocked storage only loses progress, never the page.
        let _ = storage.set_item(lessons::PROGRESS_KEY, &progress.to_json());
    }
}

/// The lesson the learner is on (the last one opened), which Share puts in its link.
pub fn current_lesson() -> Option<String> {
    load_progress().current
}

/// Makes `id` the learner's current lesson, if it is a bundled one; says whether it was.
pub fn set_current_lesson(id: &str) -> bool {
    let mut progress = load_progress();
    let known = progress.set_current(id);
    if known {
        save_progress(&progress);
    }
    known
}

#[function_component(LessonsPage)]
pub fn lessons_page() -> Html {
    let progress = load_progress();
    html! {
        <section class="panel lessons-page" aria-labelledby="lessons-heading">
            <h2 id="lessons-heading">{ "Lessons" }</h2>
            <p class="hint">{ "Each lesson explains one part of DynamoDB in steps, with a request to run at each \
                step, and ends in checks run against your tables and your requests. Progress is kept in this browser." }</p>
            <ol class="lesson-list" id="lesson-list">
                { for lessons::all().into_iter().map(|lesson| match lesson {
                    Ok(lesson) => {
                        let mine = progress.of(&lesson.id);
                        let status = if mine.done {
                            "Done".to_string()
                        } else if mine.passed.is_empty() {
                            "Not started".to_string()
                        } else {
                            format!("{} of {} checks", mine.passed.len(), lesson.checks.len())
                        };
                        html! {
                            <li key={lesson.id.clone()} class={classes!("lesson-entry", mine.done.then_some("done"))}>
                                <a id={format!("lesson-link-{}", lesson.id)} href={format!("#/lessons/{}", lesson.id)}>
                                    { &lesson.title }
                                </a>
                                <span class={classes!("badge", if mine.done { "ok" } else { "pending" })}
                                      id={format!("lesson-status-{}", lesson.id)}>{ status }</span>
                                <p class="hint">{ &lesson.summary }</p>
                            </li>
                        }
                    }
                    Err(error) => html! { <li class="error" role="alert">{ error.to_string() }</li> },
                }) }
            </ol>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct LessonPageProps {
    pub id: String,
    pub log: RequestLog,
}

/// The lesson console's state: what is in the editor, the latest answer, and the checks' results.
#[derive(Debug, Clone, PartialEq, Default)]
struct LessonState {
    operation: String,
    request: String,
    answer: Option<Answer>,
    /// The latest successful answer: where a step's `fill`s come from.
    previous: Option<Value>,
    /// A word about the last loaded request (a value it could not copy).
    notice: Option<String>,
    outcomes: Option<Vec<Outcome>>,
    /// Which step's request is in the editor.
    loaded: Option<usize>,
    /// The simulated region the console sends to (global tables); None: the home region.
    region: Option<String>,
    /// Requests run and clock moves made on this visit: the region list is read again after each.
    changes: u32,
}

enum LessonAction {
    Load {
        step: usize,
        operation: String,
        request: String,
        notice: Option<String>,
        region: Option<String>,
    },
    Operation(String),
    Region(Option<String>),
    Edit(String),
    Ran {
        answer: Answer,
        output: Option<Value>,
    },
    Checked(Vec<Outcome>),
    Notice(String),
}

impl Reducible for LessonState {
    type Action = LessonAction;

    fn reduce(self: Rc<Self>, action: LessonAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            LessonAction::Load {
                step,
                operation,
                request,
                notice,
                region,
            } => {
                next.operation = operation;
                next.request = request;
                next.notice = notice;
                next.loaded = Some(step);
                next.region = region;
            }
            LessonAction::Operation(operation) => next.operation = operation,
            LessonAction::Region(region) => next.region = region,
            LessonAction::Edit(text) => next.request = text,
            LessonAction::Ran { answer, output } => {
                next.answer = Some(answer);
                if output.is_some() {
                    next.previous = output;
                }
                next.notice = None;
                next.changes += 1;
            }
            LessonAction::Checked(outcomes) => next.outcomes = Some(outcomes),
            LessonAction::Notice(notice) => {
                next.notice = Some(notice);
                next.outcomes = None;
                next.changes += 1;
            }
        }
        Rc::new(next)
    }
}

/// Runs the learner's request (logged, like every request the playground makes) in `region`.
async fn run_request(
    engine: &EngineHandle,
    operation: &str,
    request: &str,
    region: Option<&str>,
) -> LessonAction {
    let response = engine
        .in_region(region)
        .dispatch(&examples::target(operation.trim()), request)
        .await;
    let output = if response.status == 200 {
        serde_json::from_str(&response.body).ok()
    } else {
        None
    };
    LessonAction::Ran {
        answer: Answer::from_response(&response),
        output,
    }
}

/// Reads what the checks need from the engine (quietly: checking is not the learner's request)
/// and judges them against it and the request log.
async fn check_work(engine: &EngineHandle, lesson: &Lesson, log: &RequestLog) -> Vec<Outcome> {
    let mut snapshot = Snapshot::default();
    for probe in lessons::probes(&lesson.checks) {
        let answer = engine
            .in_region(probe.region.as_deref())
            .call_quietly(probe.operation, &probe.body)
            .await
            .map_err(|failure| failure.name);
        snapshot.record(probe, answer);
    }
    let attempts: Vec<Attempt> = log
        .entries
        .iter()
        .map(|entry| Attempt {
            operation: entry.operation.clone(),
            body: serde_json::from_str(&entry.body).unwrap_or(Value::Null),
            status: entry.status,
            error: entry.error.clone(),
            region: entry.region.clone(),
        })
        .collect();
    lessons::evaluate(&lesson.checks, &snapshot, &attempts)
}

/// Deletes the lesson's replicas and then its tables (logged: the learner asked for it), so its
/// steps can run again from the start; a table already gone is fine.
async fn start_over(
    engine: &EngineHandle,
    replicas: &[(String, String)],
    tables: &[String],
) -> LessonAction {
    let mut problems = Vec::new();
    // DeleteTable in a replica's region removes that replica; the table itself can only go once
    // it has none.
    for (table, region) in replicas {
        let body = serde_json::json!({ "TableName": table });
        match engine
            .in_region(Some(region))
            .call("DeleteTable", &body)
            .await
        {
            Ok(_) => {}
            Err(failure) if failure.name == "ResourceNotFoundException" => {}
            Err(failure) => problems.push(format!("{table} in {region}: {}", failure.name)),
        }
    }
    for table in tables {
        let body = serde_json::json!({ "TableName": table });
        match engine.call("DeleteTable", &body).await {
            Ok(_) => {}
            Err(failure) if failure.name == "ResourceNotFoundException" => {}
            Err(failure) => problems.push(format!("{table}: {}", failure.name)),
        }
    }
    LessonAction::Notice(if problems.is_empty() {
        format!("Deleted {}: start again from step 1.", tables.join(", "))
    } else {
        format!("Could not delete {}.", problems.join("; "))
    })
}

/// A clock move as words: "10 minutes", "1 second".
fn duration_text(millis: u64) -> String {
    let (n, unit) = match millis {
        m if m % 3_600_000 == 0 => (m / 3_600_000, "hour"),
        m if m % 60_000 == 0 => (m / 60_000, "minute"),
        m if m % 1000 == 0 => (m / 1000, "second"),
        m => (m, "millisecond"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// A step's clock move: the sandbox clock goes `millis` ahead (saved with the sandbox), so
/// replication, TTL and cache lifetimes play out without waiting.
async fn move_clock(engine: &EngineHandle, millis: u64) -> LessonAction {
    match engine.advance_clock(millis as f64).await {
        Ok(()) => LessonAction::Notice(format!(
            "The sandbox clock moved {} ahead.",
            duration_text(millis)
        )),
        Err(failure) => LessonAction::Notice(format!(
            "The clock did not move: {}",
            failure.message.unwrap_or(failure.name)
        )),
    }
}

#[function_component(LessonPage)]
pub fn lesson_page(props: &LessonPageProps) -> Html {
    let state = use_reducer(LessonState::default);
    let progress = use_state(load_progress);
    let regions = use_state(Regions::default);
    let engine = use_context::<EngineHandle>();
    // Opening a lesson makes it the one the learner is on (what a share link carries).
    use_effect_with(props.id.clone(), |id| {
        set_current_lesson(id);
    });
    // The regions of the global tables simulation, read again after each request or clock move.
    {
        let (engine, regions) = (engine.clone(), regions.setter());
        use_effect_with(state.changes, move |_| {
            if let Some(engine) = engine {
                EngineHandle::spawn(async move { regions.set(engine.regions().await) });
            }
        });
    }
    let Some(engine) = engine else {
        return html! { <p role="alert">{ "The engine did not start." }</p> };
    };
    let lesson = match lessons::find(&props.id) {
        Some(Ok(lesson)) => lesson,
        Some(Err(error)) => {
            return html! {
                <section class="panel" aria-labelledby="lesson-heading">
                    <h2 id="lesson-heading">{ "This lesson cannot be shown" }</h2>
                    <p class="error" role="alert">{ error.to_string() }</p>
                </section>
            }
        }
        None => {
            return html! {
                <section class="panel" aria-labelledby="lesson-heading">
                    <h2 id="lesson-heading">{ "No such lesson" }</h2>
                    <p>{ format!("There is no lesson named {}. ", props.id) }<a href="#/lessons">{ "See all lessons" }</a></p>
                </section>
            }
        }
    };
    let position = lessons::FILES
        .iter()
        .position(|(id, _)| *id == lesson.id)
        .unwrap_or(0);
    let next = lessons::FILES.get(position + 1).map(|(id, _)| *id);

    let run = {
        let state = state.clone();
        let engine = engine.clone();
        Callback::from(move |()| {
            let (engine, operation, request, region) = (
                engine.clone(),
                state.operation.clone(),
                state.request.clone(),
                state.region.clone(),
            );
            let state = state.dispatcher();
            EngineHandle::spawn(async move {
                state.dispatch(run_request(&engine, &operation, &request, region.as_deref()).await);
            });
        })
    };
    let on_run_click = {
        let run = run.clone();
        Callback::from(move |_: MouseEvent| run.emit(()))
    };
    let on_edit = {
        let state = state.clone();
        Callback::from(move |text: String| state.dispatch(LessonAction::Edit(text)))
    };
    let on_region = {
        let state = state.clone();
        Callback::from(move |region: Option<String>| state.dispatch(LessonAction::Region(region)))
    };
    let on_operation = {
        let state = state.clone();
        Callback::from(move |event: InputEvent| {
            let input: web_sys::HtmlInputElement = event.target_unchecked_into();
            state.dispatch(LessonAction::Operation(input.value()));
        })
    };
    let on_check = {
        let state = state.clone();
        let engine = engine.clone();
        let progress = progress.clone();
        let lesson = lesson.clone();
        let log = props.log.clone();
        Callback::from(move |_: MouseEvent| {
            let (engine, lesson, log) = (engine.clone(), lesson.clone(), log.clone());
            let (state, progress) = (state.dispatcher(), progress.setter());
            EngineHandle::spawn(async move {
                let outcomes = check_work(&engine, &lesson, &log).await;
                // Read afresh: another tab of this learner may have saved progress meanwhile.
                let mut updated = load_progress();
                updated.record(&lesson.id, &outcomes);
                save_progress(&updated);
                progress.set(updated);
                state.dispatch(LessonAction::Checked(outcomes));
            });
        })
    };
    let tables = lessons::tables(&lesson);
    let replicas = lessons::replicas(&lesson);
    let on_reset = {
        let state = state.clone();
        let engine = engine.clone();
        let (tables, replicas) = (tables.clone(), replicas.clone());
        Callback::from(move |_: MouseEvent| {
            let (engine, tables, replicas, state) = (
                engine.clone(),
                tables.clone(),
                replicas.clone(),
                state.dispatcher(),
            );
            EngineHandle::spawn(async move {
                state.dispatch(start_over(&engine, &replicas, &tables).await);
            });
        })
    };
    let mine = progress.of(&lesson.id);
    // Before the first check on this visit, show what passed last time.
    let outcomes = state.outcomes.clone().or_else(|| {
        (!mine.passed.is_empty() || mine.done).then(|| {
            (0..lesson.checks.len())
                .map(|i| Outcome {
                    passed: mine.passed.contains(&i),
                    detail: "at your last check".into(),
                })
                .collect()
        })
    });

    html! {
        <div class="lesson-page">
            <section class="panel lesson-steps" aria-labelledby="lesson-heading">
                <p class="crumbs"><a href="#/lessons">{ "Lessons" }</a>{ format!(" · {} of {}", position + 1, lessons::FILES.len()) }</p>
                <h2 id="lesson-heading">{ &lesson.title }</h2>
                if mine.done {
                    <p class="status ok" id="lesson-done">{ "You have done this lesson." }</p>
                }
                <ol class="steps">
                    { for lesson.steps.iter().enumerate().map(|(i, step)| {
                        let load = step.request.as_ref().map(|request| {
                            let state = state.clone();
                            let request = request.clone();
                            Callback::from(move |_: MouseEvent| {
                                let (body, notice) = lessons::prepare(&request, state.previous.as_ref());
                                state.dispatch(LessonAction::Load {
                                    step: i,
                                    operation: request.operation.clone(),
                                    request: json_view::pretty_text(&body.to_string()),
                                    notice,
                                    region: request.region.clone(),
                                });
                            })
                        });
                        let clock = step.advance_clock_millis.map(|millis| {
                            let (engine, state) = (engine.clone(), state.dispatcher());
                            Callback::from(move |_: MouseEvent| {
                                let (engine, state) = (engine.clone(), state.clone());
                                EngineHandle::spawn(async move {
                                    state.dispatch(move_clock(&engine, millis).await);
                                });
                            })
                        });
                        // For a step that asks for an edit: the edited request, for a learner who is stuck.
                        let solve = step.request.as_ref().filter(|r| r.solution.is_some()).map(|request| {
                            let state = state.clone();
                            let request = request.clone();
                            Callback::from(move |_: MouseEvent| {
                                if let Some((body, notice)) = lessons::prepare_solution(&request, state.previous.as_ref()) {
                                    state.dispatch(LessonAction::Load {
                                        step: i,
                                        operation: request.operation.clone(),
                                        request: json_view::pretty_text(&body.to_string()),
                                        notice,
                                        region: request.region.clone(),
                                    });
                                }
                            })
                        });
                        let current = state.loaded == Some(i);
                        html! {
                            <li class={classes!("step", current.then_some("current"))} id={format!("step-{i}")}>
                                <LessonText text={step.text.clone()} />
                                if let (Some(load), Some(request)) = (load, &step.request) {
                                    <button type="button" class="load-step" id={format!("load-step-{i}")} onclick={load}>
                                        { match &request.region {
                                            Some(region) => format!("Load this request ({} in {region})", request.operation),
                                            None => format!("Load this request ({})", request.operation),
                                        } }
                                    </button>
                                }
                                if let (Some(clock), Some(millis)) = (clock, step.advance_clock_millis) {
                                    <button type="button" class="clock-step" id={format!("clock-step-{i}")} onclick={clock}>
                                        { format!("Move the clock {} ahead", duration_text(millis)) }
                                    </button>
                                }
                                if let Some(solve) = solve {
                                    <button type="button" class="show-solution" id={format!("show-solution-{i}")} onclick={solve}>
                                        { "Show the changed request" }
                                    </button>
                                }
                            </li>
                        }
                    }) }
                </ol>
                <h3>{ "Checks" }</h3>
                <LessonChecks checks={lesson.checks.clone()} outcomes={outcomes} />
                <div class="actions">
                    <button id="check-work" class="primary" type="button" onclick={on_check}>{ "Check my work" }</button>
                    if !tables.is_empty() {
                        <button id="reset-lesson" type="button" onclick={on_reset}>
                            { format!("Start over (delete {})", tables.join(", ")) }
                        </button>
                    }
                    if let Some(next) = next {
                        <a href={format!("#/lessons/{next}")} id="next-lesson">{ "Next lesson" }</a>
                    }
                </div>
            </section>
            <section class="panel lesson-console" aria-labelledby="lesson-console-heading">
                <h2 id="lesson-console-heading">{ "Console" }</h2>
                <div class="field">
                    <label for="lesson-operation">{ "Operation" }</label>
                    <input type="text" id="lesson-operation" value={state.operation.clone()} oninput={on_operation}
                           spellcheck="false" autocomplete="off" placeholder="Load a step's request, or type an operation" />
                </div>
                <RegionPicker regions={(*regions).clone()} selected={state.region.clone()}
                    on_select={on_region} id="-lesson" />
                if let Some(notice) = &state.notice {
                    <p class="notice" role="status" id="lesson-notice">{ notice }</p>
                }
                <RequestEditor value={state.request.clone()} on_input={on_edit} on_run={run} />
                <div class="actions">
                    <button id="run" class="primary" type="button" onclick={on_run_click}
                            disabled={state.operation.trim().is_empty()}>
                        { format!("Run {}", state.operation.trim()) }
                        if let Some(region) = &state.region {
                            { format!(" in {region}") }
                        }
                    </button>
                </div>
                <h3>{ "Response" }</h3>
                <ResponseView answer={state.answer.clone()} />
            </section>
        </div>
    }
}
