//! A progress bar for long work (an index backfill, a bulk load): `role=progressbar` with its value
//! for screen readers, the same words on screen, and no value at all while the amount is unknown.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ProgressProps {
    /// What is in progress (`Index ByStatus`); the bar's accessible name.
    pub label: AttrValue,
    /// Done so far, out of `max`; None while unknown (an indeterminate bar).
    #[prop_or_default]
    pub value: Option<f64>,
    #[prop_or(100.0)]
    pub max: f64,
    /// The state in words (`Backfilling: step 2 of 3`), shown and read out instead of a bare number.
    #[prop_or_default]
    pub text: Option<AttrValue>,
    #[prop_or_default]
    pub id: Option<AttrValue>,
}

/// How far along, as a percentage of the bar (0 to 100), or None when unknown.
pub fn percent(value: Option<f64>, max: f64) -> Option<f64> {
    let value = value.filter(|v| v.is_finite())?;
    if !(max.is_finite() && max > 0.0) {
        return None;
    }
    Some((value / max * 100.0).clamp(0.0, 100.0))
}

#[function_component(Progress)]
pub fn progress(props: &ProgressProps) -> Html {
    let share = percent(props.value, props.max);
    let value = share.map(|_| props.value.unwrap_or_default().clamp(0.0, props.max));
    let class = classes!("progress", share.is_none().then_some("indeterminate"));
    html! {
        <div class="progress-row" id={props.id.clone()}>
            <span class="progress-label">{ props.label.clone() }</span>
            <div {class} role="progressbar" aria-label={props.label.clone()}
                 aria-valuemin="0" aria-valuemax={props.max.to_string()}
                 aria-valuenow={value.map(|v| AttrValue::from(v.to_string()))}
                 aria-valuetext={props.text.clone()}>
                <div class="progress-fill" style={share.map(|p| format!("width: {p:.1}%"))}></div>
            </div>
            if let Some(text) = &props.text {
                <span class="progress-text">{ text.clone() }</span>
            }
        </div>
    }
}
