//! How long the engine's status changes take (creating a table, backfilling a GSI, TTL ENABLING):
//! instant by default so a learner never waits, or slow enough to watch the progress as DynamoDB
//! shows it. The engine times them on its own clock, so moving the clock on finishes them.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::app::EngineHandle;

/// (milliseconds, label).
const CHOICES: [(f64, &str); 4] = [
    (0.0, "Instant"),
    (10_000.0, "10 seconds"),
    (60_000.0, "1 minute"),
    (600_000.0, "10 minutes"),
];

#[function_component(LifecyclePicker)]
pub fn lifecycle_picker() -> Html {
    let engine = use_context::<EngineHandle>();
    let current = use_state(|| 0.0);
    {
        let current = current.clone();
        let engine = engine.clone();
        use_effect_with((), move |_| {
            if let Some(engine) = engine {
                EngineHandle::spawn(async move { current.set(engine.lifecycle_millis().await) });
            }
        });
    }
    let Some(engine) = engine else {
        return html! {};
    };
    let on_change = {
        let current = current.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            let ms = select.value().parse::<f64>().unwrap_or(0.0);
            let engine = engine.clone();
            let current = current.clone();
            EngineHandle::spawn(async move {
                engine.set_lifecycle_millis(ms).await;
                current.set(ms);
            });
        })
    };
    html! {
        <div class="row lifecycle">
            <div class="field">
                <label for="lifecycle">{ "Status changes take" }</label>
                <select id="lifecycle" onchange={on_change} aria-describedby="lifecycle-hint">
                    { for CHOICES.iter().map(|(ms, label)| html! {
                        <option value={ms.to_string()} selected={*current == *ms}>{ *label }</option>
                    }) }
                </select>
            </div>
            <p class="hint" id="lifecycle-hint">{ "DynamoDB takes time to create a table, to create and backfill a global secondary index and to turn TTL on; the table page shows that progress. Instant is the playground's default." }</p>
        </div>
    }
}
