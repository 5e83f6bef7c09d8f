//! The answer to the latest run: the output pretty-printed, or DynamoDB's error with its name and message.

use yew::prelude::*;

use crate::state::Answer;

#[derive(Properties, PartialEq)]
pub struct ResponseViewProps {
    pub answer: Option<Answer>,
}

#[function_component(ResponseView)]
pub fn response_view(props: &ResponseViewProps) -> Html {
    let body = match &props.answer {
        None => html! {
            <p class="placeholder">{ "Run a request to see DynamoDB's answer here." }</p>
        },
        Some(Answer::Success { output }) => html! {
            <>
                <p class="status ok">{ "200 OK" }</p>
                <pre class="code output" tabindex="0" aria-label="Response body">{ output }</pre>
            </>
        },
        Some(Answer::Failure {
            status,
            name,
            message,
        }) => html! {
            <div class="error" role="alert">
                <p class="status failed">{ format!("{status} error") }</p>
                <p class="exception">{ name }</p>
                {
                    match message {
                        Some(message) => html! { <p class="message">{ message }</p> },
                        None => html! { <p class="message none">{ "DynamoDB sends no message with this exception." }</p> },
                    }
                }
            </div>
        },
    };
    html! { <div id="response" aria-live="polite">{ body }</div> }
}
