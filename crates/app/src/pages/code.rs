//! The Code page: every request the UI made, newest first, each as AWS CLI, JavaScript SDK v3 and
//! boto3 code to copy.

use yew::prelude::*;

use crate::components::code_panel::CodePanel;
use crate::request_log::RequestLog;

#[derive(Properties, PartialEq)]
pub struct CodePageProps {
    pub log: RequestLog,
}

#[function_component(CodePage)]
pub fn code_page(props: &CodePageProps) -> Html {
    html! {
        <section class="panel code-page" aria-labelledby="code-heading">
            <h2 id="code-heading">{ "Every request as code" }</h2>
            <p class="hint">{ "Each request the playground made, newest first, as the AWS CLI, the JavaScript SDK v3 \
                and boto3 would send it. Add an endpoint (--endpoint-url, endpoint, endpoint_url) to run it against a local server." }</p>
            if props.log.entries.is_empty() {
                <p class="placeholder">{ "No requests yet: run one from the Console or any page." }</p>
            }
            <ol class="request-log" id="request-log">
                { for props.log.entries.iter().map(|entry| html! {
                    <li key={entry.id}>
                        <h3>
                            { &entry.operation }
                            if let Some(region) = &entry.region {
                                <span class="badge simulation region" title="Sent to this region of the global tables simulation">
                                    { format!("in {region} (simulated region)") }
                                </span>
                            }
                            <span class={classes!("badge", if entry.status == 200 { "ok" } else { "failed" })}>
                                { entry.status }
                            </span>
                        </h3>
                        <CodePanel operation={entry.operation.clone()} body={entry.body.clone()}
                            region={entry.region.clone().map(AttrValue::from)}
                            id={format!("-{}", entry.id)} />
                    </li>
                }) }
            </ol>
        </section>
    }
}
