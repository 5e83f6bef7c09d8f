//! The region a console sends its requests to, in the global tables **simulation**: the sandbox's
//! home region and each region holding a replica. Labelled as a simulation wherever it shows.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::regions::Regions;

#[derive(Properties, PartialEq)]
pub struct RegionPickerProps {
    pub regions: Regions,
    /// The region picked; None is the home region.
    pub selected: Option<String>,
    /// None when the home region is picked.
    pub on_select: Callback<Option<String>>,
    /// Makes element ids unique when a page shows more than one console.
    #[prop_or_default]
    pub id: AttrValue,
}

#[function_component(RegionPicker)]
pub fn region_picker(props: &RegionPickerProps) -> Html {
    let onchange = {
        let (on_select, regions) = (props.on_select.clone(), props.regions.clone());
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            on_select.emit(regions.addressed(&select.value()));
        })
    };
    let selected = props
        .selected
        .clone()
        .unwrap_or_else(|| props.regions.home.clone());
    let mut all = props.regions.all();
    // A region a lesson step names before its replica exists is still shown as picked.
    if !all.contains(&selected) {
        all.push(selected.clone());
    }
    let select_id = format!("region{}", props.id);
    let hint_id = format!("region-hint{}", props.id);
    let hint = if props.regions.replicas.is_empty() {
        "Global tables simulation: add a replica with UpdateTable ReplicaUpdates and its region appears here."
    } else {
        "Global tables simulation: each region is a replica inside this sandbox, not an AWS Region."
    };
    html! {
        <div class="field region-picker">
            <label for={select_id.clone()}>
                { "Region " }<span class="badge simulation">{ "simulation" }</span>
            </label>
            <select id={select_id} {onchange} aria-describedby={hint_id.clone()}>
                { for all.iter().map(|region| {
                    let role = if *region == props.regions.home { "home" } else { "replica" };
                    html! {
                        <option value={region.clone()} selected={*region == selected}>
                            { format!("{region} ({role})") }
                        </option>
                    }
                }) }
            </select>
            <p id={hint_id} class="hint">{ hint }</p>
        </div>
    }
}
