//! Every request the UI made, newest first, for the Code page: the operation, its body, the status
//! it got, the simulated region it went to (and the exception's name, for the lessons). A pure `Reducible`; the engine handle records
//! into it after each call.

use std::rc::Rc;

use yew::Reducible;

/// One request made from the UI.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedRequest {
    pub id: u32,
    pub operation: String,
    pub body: String,
    pub status: u16,
    /// The exception's name when the request failed (the lessons' checks look for it).
    pub error: Option<String>,
    /// The simulated region it was addressed to (global tables); None: the home region.
    pub region: Option<String>,
}

/// The most requests kept; older ones fall off the end.
pub const LOG_LIMIT: usize = 100;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestLog {
    pub entries: Vec<LoggedRequest>,
    next_id: u32,
}

pub enum LogAction {
    Record {
        operation: String,
        body: String,
        status: u16,
        error: Option<String>,
        region: Option<String>,
    },
}

impl Reducible for RequestLog {
    type Action = LogAction;

    fn reduce(self: Rc<Self>, action: LogAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            LogAction::Record {
                operation,
                body,
                status,
                error,
                region,
            } => {
                next.next_id += 1;
                next.entries.insert(
                    0,
                    LoggedRequest {
                        id: next.next_id,
                        operation,
                        body,
                        status,
                        error,
                        region,
                    },
                );
                next.entries.truncate(LOG_LIMIT);
            }
        }
        Rc::new(next)
    }
}
