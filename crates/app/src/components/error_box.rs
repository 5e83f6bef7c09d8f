//! DynamoDB's error as a page shows it: the exception's name and its message, announced to screen readers.

use yew::prelude::*;

use crate::app::Failure;

#[derive(Properties, PartialEq)]
pub struct ErrorBoxProps {
    pub failure: Failure,
}

#[function_component(ErrorBox)]
pub fn error_box(props: &ErrorBoxProps) -> Html {
    html! {
        <div class="error" role="alert">
            <p class="exception">{ &props.failure.name }</p>
            {
                match &props.failure.message {
                    Some(message) => html! { <p class="message">{ message }</p> },
                    None => html! { <p class="message none">{ "DynamoDB sends no message with this exception." }</p> },
                }
            }
        </div>
    }
}
