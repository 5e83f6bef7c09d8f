//! The console's state and the actions that change it. Reducers are pure: the engine is called in
//! callbacks, which then hand the finished response to the reducer as an action.

use std::rc::Rc;

use dynaplay_wasm::Outcome;
use yew::Reducible;

use crate::examples::{self, Example, OPERATIONS};
use crate::json_view;

/// What one run of a request produced, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Status 200 and the output, pretty-printed.
    Success { output: String },
    /// DynamoDB's error: HTTP status, exception name and message.
    Failure {
        status: u16,
        name: String,
        message: Option<String>,
    },
}

impl Answer {
    pub fn from_response(response: &dynaplay_engine::Response) -> Answer {
        match Outcome::from_response(response) {
            Outcome::Success(body) => Answer::Success {
                output: json_view::pretty_text(&body),
            },
            Outcome::Failure {
                status,
                name,
                message,
            } => Answer::Failure {
                status,
                name,
                message,
            },
        }
    }
}

/// A request that was run, kept so it can be run again.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub id: u32,
    pub operation: String,
    pub request: String,
    pub answer: Answer,
    /// The simulated region it ran in (global tables); None: the home region.
    pub region: Option<String>,
}

/// The most runs the history keeps; older ones fall off the end.
pub const HISTORY_LIMIT: usize = 50;

#[derive(Debug, Clone, PartialEq)]
pub struct ConsoleState {
    /// The operation picked in the list.
    pub operation: &'static str,
    /// The request editor's text.
    pub request: String,
    /// The simulated region requests go to (global tables); None: the home region.
    pub region: Option<String>,
    /// The answer to the latest run, if any.
    pub answer: Option<Answer>,
    /// Newest first.
    pub history: Vec<HistoryEntry>,
    next_id: u32,
}

impl Default for ConsoleState {
    fn default() -> Self {
        let first: &Example = &OPERATIONS[0];
        ConsoleState {
            operation: first.operation,
            request: first.request.to_string(),
            region: None,
            answer: None,
            history: Vec::new(),
            next_id: 1,
        }
    }
}

pub enum Action {
    /// Pick an operation: the editor gets its example.
    Select(String),
    /// The user typed in the editor.
    Edit(String),
    /// Send requests to this simulated region (None: the home region).
    Region(Option<String>),
    /// A run finished with this answer.
    Ran {
        operation: String,
        request: String,
        answer: Answer,
        region: Option<String>,
    },
    /// Bring a past request back into the editor.
    Restore(u32),
}

impl Reducible for ConsoleState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Select(operation) => {
                let Some(example) = examples::find(&operation) else {
                    return self;
                };
                next.operation = example.operation;
                next.request = example.request.to_string();
                next.answer = None;
            }
            Action::Edit(text) => next.request = text,
            Action::Region(region) => next.region = region,
            Action::Ran {
                operation,
                request,
                answer,
                region,
            } => {
                if let Some(example) = examples::find(&operation) {
                    next.operation = example.operation;
                }
                next.request = request.clone();
                next.answer = Some(answer.clone());
                next.history.insert(
                    0,
                    HistoryEntry {
                        id: next.next_id,
                        operation,
                        request,
                        answer,
                        region,
                    },
                );
                next.history.truncate(HISTORY_LIMIT);
                next.next_id += 1;
            }
            Action::Restore(id) => {
                let Some(entry) = self.history.iter().find(|e| e.id == id) else {
                    return self;
                };
                if let Some(example) = examples::find(&entry.operation) {
                    next.operation = example.operation;
                }
                next.request = entry.request.clone();
                next.answer = Some(entry.answer.clone());
                next.region = entry.region.clone();
            }
        }
        Rc::new(next)
    }
}
