//! The create-table form: name, keys, billing mode and throughput, one GSI, one LSI, a stream and TTL.
//! It sends CreateTable (then UpdateTimeToLive) and shows the request, its code and the engine's errors.

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::app::{EngineHandle, Failure};
use crate::components::code_panel::CodePanel;
use crate::components::error_box::ErrorBox;
use crate::forms::{IndexForm, KeyField, TableForm};
use crate::json_view;

#[derive(Properties, PartialEq)]
pub struct CreateTableFormProps {
    /// Called with the new table's name once it exists.
    pub on_created: Callback<String>,
}

/// The form's fields; a change is a function applied to them.
#[derive(Clone, PartialEq, Default)]
struct FormState {
    form: TableForm,
    failure: Option<Failure>,
}

struct Change(Rc<dyn Fn(&mut FormState)>);

impl Reducible for FormState {
    type Action = Change;
    fn reduce(self: Rc<Self>, action: Change) -> Rc<Self> {
        let mut next = (*self).clone();
        (action.0)(&mut next);
        Rc::new(next)
    }
}

fn input_value(e: &Event) -> String {
    if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
        if input.type_() == "checkbox" {
            return input.checked().to_string();
        }
        return input.value();
    }
    e.target_dyn_into::<HtmlSelectElement>()
        .map(|s| s.value())
        .unwrap_or_default()
}

const TYPES: &[(&str, &str)] = &[
    ("S", "String (S)"),
    ("N", "Number (N)"),
    ("B", "Binary (B)"),
];

#[function_component(CreateTableForm)]
pub fn create_table_form(props: &CreateTableFormProps) -> Html {
    let state = use_reducer(FormState::default);
    let Some(engine) = use_context::<EngineHandle>() else {
        return html! { <p role="alert">{ "The engine did not start." }</p> };
    };
    let form = &state.form;

    // A text box bound to one field.
    let text = |id: &str, label: &str, value: &str, set: fn(&mut TableForm, String)| {
        let state = state.clone();
        let onchange = Callback::from(move |e: Event| {
            let v = input_value(&e);
            state.dispatch(Change(Rc::new(move |s: &mut FormState| {
                set(&mut s.form, v.clone())
            })));
        });
        html! {
            <div class="field">
                <label for={id.to_string()}>{ label }</label>
                <input id={id.to_string()} type="text" value={value.to_string()} {onchange}
                    autocomplete="off" spellcheck="false" />
            </div>
        }
    };
    let select = |id: &str,
                  label: &str,
                  value: &str,
                  options: &[(&str, &str)],
                  set: fn(&mut TableForm, String)| {
        let state = state.clone();
        let onchange = Callback::from(move |e: Event| {
            let v = input_value(&e);
            state.dispatch(Change(Rc::new(move |s: &mut FormState| {
                set(&mut s.form, v.clone())
            })));
        });
        html! {
            <div class="field">
                <label for={id.to_string()}>{ label }</label>
                <select id={id.to_string()} {onchange}>
                    { for options.iter().map(|&(v, text)| html! {
                        <option value={v.to_string()} selected={v == value}>{ text.to_string() }</option>
                    }) }
                </select>
            </div>
        }
    };
    let toggle = |id: &str, label: &str, on: bool, set: fn(&mut TableForm, bool)| {
        let state = state.clone();
        let onchange = Callback::from(move |e: Event| {
            let v = input_value(&e) == "true";
            state.dispatch(Change(Rc::new(move |s: &mut FormState| {
                set(&mut s.form, v)
            })));
        });
        html! {
            <div class="field check">
                <label><input id={id.to_string()} type="checkbox" checked={on} {onchange} />{ " " }{ label }</label>
            </div>
        }
    };

    let request = form.create_table();
    let on_submit = {
        let state = state.clone();
        let on_created = props.on_created.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let form = state.form.clone();
            let (engine, state, on_created) =
                (engine.clone(), state.dispatcher(), on_created.clone());
            EngineHandle::spawn(async move {
                let created = async {
                    engine.call("CreateTable", &form.create_table()).await?;
                    if let Some(ttl) = form.time_to_live() {
                        engine.call("UpdateTimeToLive", &ttl).await?;
                    }
                    Ok::<(), Failure>(())
                }
                .await;
                match created {
                    Ok(()) => {
                        state.dispatch(Change(Rc::new(|s: &mut FormState| {
                            s.failure = None;
                            s.form = TableForm::default();
                        })));
                        on_created.emit(form.name.trim().to_string());
                    }
                    Err(failure) => state.dispatch(Change(Rc::new(move |s: &mut FormState| {
                        s.failure = Some(failure.clone())
                    }))),
                }
            });
        })
    };

    let gsi = form.gsi.clone().unwrap_or_default();
    let lsi = form.lsi.clone().unwrap_or_default();
    html! {
        <form class="create-table" onsubmit={on_submit} aria-labelledby="create-heading">
            <h2 id="create-heading">{ "Create a table" }</h2>
            { text("table-name", "Table name", &form.name, |f, v| f.name = v) }
            <div class="row">
                { text("pk-name", "Partition key", &form.partition.name, |f, v| f.partition.name = v) }
                { select("pk-type", "Type", &form.partition.kind, TYPES, |f, v| f.partition.kind = v) }
            </div>
            <div class="row">
                { text("sk-name", "Sort key (optional)", &form.sort.name, |f, v| f.sort.name = v) }
                { select("sk-type", "Type", &form.sort.kind, TYPES, |f, v| f.sort.kind = v) }
            </div>
            <div class="row">
                { select("billing", "Billing mode", &form.billing,
                    &[("PAY_PER_REQUEST", "On demand"), ("PROVISIONED", "Provisioned")], |f, v| f.billing = v) }
                if form.billing == "PROVISIONED" {
                    { text("rcu", "Read capacity units", &form.read_units, |f, v| f.read_units = v) }
                    { text("wcu", "Write capacity units", &form.write_units, |f, v| f.write_units = v) }
                }
            </div>
            { toggle("add-gsi", "Add a global secondary index", form.gsi.is_some(), |f, on| {
                f.gsi = on.then(|| IndexForm { projection: "ALL".into(), partition: KeyField::new("", "S"),
                    sort: KeyField::new("", "S"), ..IndexForm::default() })
            }) }
            if form.gsi.is_some() {
                <fieldset class="index">
                    <legend>{ "Global secondary index" }</legend>
                    <p class="hint" id="gsi-hint">{ "A key may have several attributes (a multi-attribute key): separate them with \
                        commas, and add :N or :B to a name whose type differs, e.g. year:N, month:N." }</p>
                    { text("gsi-name", "Index name", &gsi.name, |f, v| if let Some(i) = &mut f.gsi { i.name = v }) }
                    <div class="row">
                        { text("gsi-pk", "Partition key", &gsi.partition.name, |f, v| if let Some(i) = &mut f.gsi { i.partition.name = v }) }
                        { select("gsi-pk-type", "Type", &gsi.partition.kind, TYPES, |f, v| if let Some(i) = &mut f.gsi { i.partition.kind = v }) }
                    </div>
                    <div class="row">
                        { text("gsi-sk", "Sort key (optional)", &gsi.sort.name, |f, v| if let Some(i) = &mut f.gsi { i.sort.name = v }) }
                        { select("gsi-sk-type", "Type", &gsi.sort.kind, TYPES, |f, v| if let Some(i) = &mut f.gsi { i.sort.kind = v }) }
                    </div>
                    { select("gsi-projection", "Projection", &gsi.projection,
                        &[("ALL", "All attributes"), ("KEYS_ONLY", "Keys only"), ("INCLUDE", "Keys and some attributes")],
                        |f, v| if let Some(i) = &mut f.gsi { i.projection = v }) }
                    if gsi.projection == "INCLUDE" {
                        { text("gsi-include", "Attributes to include (comma-separated)", &gsi.include, |f, v| if let Some(i) = &mut f.gsi { i.include = v }) }
                    }
                </fieldset>
            }
            { toggle("add-lsi", "Add a local secondary index", form.lsi.is_some(), |f, on| {
                f.lsi = on.then(|| IndexForm { projection: "ALL".into(), sort: KeyField::new("", "S"), ..IndexForm::default() })
            }) }
            if form.lsi.is_some() {
                <fieldset class="index">
                    <legend>{ "Local secondary index (same partition key, another sort key)" }</legend>
                    { text("lsi-name", "Index name", &lsi.name, |f, v| if let Some(i) = &mut f.lsi { i.name = v }) }
                    <div class="row">
                        { text("lsi-sk", "Sort key", &lsi.sort.name, |f, v| if let Some(i) = &mut f.lsi { i.sort.name = v }) }
                        { select("lsi-sk-type", "Type", &lsi.sort.kind, TYPES, |f, v| if let Some(i) = &mut f.lsi { i.sort.kind = v }) }
                    </div>
                </fieldset>
            }
            <div class="row">
                { select("stream", "Stream", &form.stream, &[("", "No stream"), ("KEYS_ONLY", "Keys only"),
                    ("NEW_IMAGE", "New image"), ("OLD_IMAGE", "Old image"), ("NEW_AND_OLD_IMAGES", "New and old images")],
                    |f, v| f.stream = v) }
                { text("ttl-attribute", "TTL attribute (optional)", &form.ttl_attribute, |f, v| f.ttl_attribute = v) }
            </div>
            <div class="actions">
                <button type="submit" id="create-table" class="primary">{ "Create table" }</button>
            </div>
            <div aria-live="polite">
                if let Some(failure) = &state.failure { <ErrorBox failure={failure.clone()} /> }
            </div>
            <details class="request-preview">
                <summary>{ "The request this form sends" }</summary>
                <pre class="code output" tabindex="0">{ json_view::pretty(&request) }</pre>
                <CodePanel operation="CreateTable" body={request.to_string()} id="-create" />
            </details>
        </form>
    }
}
