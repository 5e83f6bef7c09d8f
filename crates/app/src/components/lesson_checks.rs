//! A lesson's checks after "Check my work": each passed or failed, what was found, and the hint
//! while it fails.

use yew::prelude::*;

use crate::lessons::{Check, Outcome};

#[derive(Properties, PartialEq)]
pub struct LessonChecksProps {
    pub checks: Vec<Check>,
    /// One per check, once the learner has checked; None before.
    pub outcomes: Option<Vec<Outcome>>,
}

#[function_component(LessonChecks)]
pub fn lesson_checks(props: &LessonChecksProps) -> Html {
    let outcomes = props.outcomes.as_deref();
    let passed = outcomes.map(|o| o.iter().filter(|o| o.passed).count());
    html! {
        <>
            if let Some(passed) = passed {
                <p id="check-summary" class={classes!("status", if passed == props.checks.len() { "ok" } else { "failed" })}
                   role="status">
                    { if passed == props.checks.len() {
                        format!("All {} checks pass: lesson done.", passed)
                    } else {
                        format!("{passed} of {} checks pass.", props.checks.len())
                    } }
                </p>
            }
            <ol id="check-results" class="check-results">
                { for props.checks.iter().enumerate().map(|(i, check)| {
                    let outcome = outcomes.and_then(|o| o.get(i));
                    let state = match outcome {
                        None => "unchecked",
                        Some(o) if o.passed => "passed",
                        Some(_) => "failed",
                    };
                    html! {
                        <li class={classes!("check", state)} data-state={state}>
                            <span class="check-mark" aria-hidden="true">
                                { match state { "passed" => "✓", "failed" => "✗", _ => "○" } }
                            </span>
                            <span class="check-label">{ &check.label }</span>
                            <span class="visually-hidden">{ format!(" ({state})") }</span>
                            if let Some(outcome) = outcome {
                                <span class="check-detail">{ format!(" — {}", outcome.detail) }</span>
                                if !outcome.passed {
                                    <p class="hint check-hint">{ format!("Hint: {}", check.hint) }</p>
                                }
                            }
                        </li>
                    }
                }) }
            </ol>
        </>
    }
}
