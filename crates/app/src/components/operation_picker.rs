//! The operation list: choosing an operation loads its example request into the editor.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::examples::Example;

#[derive(Properties, PartialEq)]
pub struct OperationPickerProps {
    pub operations: &'static [Example],
    pub selected: &'static str,
    pub on_select: Callback<String>,
}

#[function_component(OperationPicker)]
pub fn operation_picker(props: &OperationPickerProps) -> Html {
    let onchange = {
        let on_select = props.on_select.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            on_select.emit(select.value());
        })
    };
    let summary = props
        .operations
        .iter()
        .find(|e| e.operation == props.selected)
        .map(|e| e.summary)
        .unwrap_or_default();

    html! {
        <div class="field">
            <label for="operation">{ "Operation" }</label>
            <select id="operation" {onchange} aria-describedby="operation-summary">
                { for props.operations.iter().map(|example| html! {
                    <option
                        value={example.operation}
                        selected={example.operation == props.selected}
                    >
                        { example.operation }
                    </option>
                }) }
            </select>
            <p id="operation-summary" class="hint">{ summary }</p>
        </div>
    }
}
