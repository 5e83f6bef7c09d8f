//! The PartiQL page: a statement and its parameters sent with ExecuteStatement. The answer (items, or
//! the engine's error as it gives it) is shown as is.

use serde_json::{json, Value};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::app::{EngineHandle, Failure};
use crate::components::code_panel::CodePanel;
use crate::components::error_box::ErrorBox;
use crate::components::shortcut::ctrl_enter_clicks;
use crate::json_view;

/// Builds the ExecuteStatement body; the parameters box holds a JSON array of attribute values.
fn request(statement: &str, parameters: &str) -> Result<Value, Failure> {
    let mut body = json!({ "Statement": statement.trim() });
    if !parameters.trim().is_empty() {
        match serde_json::from_str::<Value>(parameters) {
            Ok(list @ Value::Array(_)) => body["Parameters"] = list,
            Ok(_) => {
                return Err(Failure::local(
                    "Parameters must be a JSON array, e.g. [{\"S\": \"Acme\"}].",
                ))
            }
            Err(e) => {
                return Err(Failure::local(format!(
                    "Parameters are not valid JSON: {e}."
                )))
            }
        }
    }
    Ok(body)
}

#[function_component(PartiqlPage)]
pub fn partiql_page() -> Html {
    let statement = use_state(|| "SELECT * FROM \"Shop\" WHERE PK = ?".to_string());
    let parameters = use_state(|| "[{\"S\": \"CUSTOMER#c1\"}]".to_string());
    let answer = use_state(|| None::<(Value, Result<Value, Failure>)>);
    let Some(engine) = use_context::<EngineHandle>() else {
        return html! { <p role="alert">{ "The engine did not start." }</p> };
    };
    let on_run = {
        let statement = statement.clone();
        let parameters = parameters.clone();
        let answer = answer.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match request(&statement, &parameters) {
                Ok(body) => {
                    let (engine, answer) = (engine.clone(), answer.clone());
                    EngineHandle::spawn(async move {
                        let result = engine.call("ExecuteStatement", &body).await;
                        answer.set(Some((body, result)));
                    });
                }
                Err(failure) => answer.set(Some((Value::Null, Err(failure)))),
            }
        })
    };
    let bind = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            state.set(area.value());
        })
    };
    html! {
        <div class="page">
            <section class="panel" aria-labelledby="partiql-heading">
                <h2 id="partiql-heading">{ "PartiQL" }</h2>
                <form onsubmit={on_run}>
                    <div class="field">
                        <label for="statement">{ "Statement" }</label>
                        <textarea id="statement" class="code small" rows="4" spellcheck="false"
                            value={(*statement).clone()} oninput={bind(&statement)}
                            onkeydown={ctrl_enter_clicks("partiql-run")} aria-describedby="partiql-keys" />
                    </div>
                    <div class="field">
                        <label for="parameters">{ "Parameters (a JSON array of attribute values, for each ?)" }</label>
                        <textarea id="parameters" class="code small" rows="2" spellcheck="false"
                            value={(*parameters).clone()} oninput={bind(&parameters)}
                            onkeydown={ctrl_enter_clicks("partiql-run")} aria-describedby="partiql-keys" />
                    </div>
                    <div class="actions">
                        <button type="submit" id="partiql-run" class="primary">{ "Run ExecuteStatement" }</button>
                        <span class="hint" id="partiql-keys">{ "Ctrl+Enter runs it" }</span>
                    </div>
                </form>
            </section>
            if let Some((body, result)) = &*answer {
                <section class="panel" aria-labelledby="partiql-result-heading" aria-live="polite">
                    <h2 id="partiql-result-heading">{ "Answer" }</h2>
                    {
                        match result {
                            Ok(output) => html! { <pre class="code output" tabindex="0">{ json_view::pretty(output) }</pre> },
                            Err(failure) => html! {
                                <>
                                    <ErrorBox failure={failure.clone()} />
                                    if failure.name == "UnknownOperationException" {
                                        <p class="hint">{ "This engine does not run PartiQL yet: DynamoDB would. \
                                            The code below runs against DynamoDB itself." }</p>
                                    }
                                </>
                            },
                        }
                    }
                    if !body.is_null() {
                        <CodePanel operation="ExecuteStatement" body={body.to_string()} id="-partiql" />
                    }
                </section>
            }
        </div>
    }
}
