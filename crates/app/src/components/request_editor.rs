//! The JSON request editor: a plain textarea that runs the request on Ctrl+Enter (Cmd+Enter on a Mac).

use web_sys::{HtmlTextAreaElement, KeyboardEvent};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RequestEditorProps {
    pub value: AttrValue,
    pub on_input: Callback<String>,
    pub on_run: Callback<()>,
}

#[function_component(RequestEditor)]
pub fn request_editor(props: &RequestEditorProps) -> Html {
    let oninput = {
        let on_input = props.on_input.clone();
        Callback::from(move |event: InputEvent| {
            let area: HtmlTextAreaElement = event.target_unchecked_into();
            on_input.emit(area.value());
        })
    };
    let onkeydown = {
        let on_run = props.on_run.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Enter" && (event.ctrl_key() || event.meta_key()) {
                event.prevent_default();
                on_run.emit(());
            }
        })
    };

    html! {
        <div class="field">
            <label for="request">{ "Request body (JSON)" }</label>
            <textarea
                id="request"
                class="code"
                spellcheck="false"
                autocapitalize="off"
                autocomplete="off"
                rows="18"
                value={props.value.clone()}
                {oninput}
                {onkeydown}
            />
        </div>
    }
}
