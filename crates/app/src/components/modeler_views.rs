//! The modeler's two views of a table, as NoSQL Workbench's visualizer shows them: one entity's items
//! under its key patterns (facet view), or every item grouped by partition key, for the table or one
//! of its indexes (aggregate view).

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::modeler::views;
use crate::modeler::TableModel;

#[derive(Properties, PartialEq)]
pub struct ModelerViewsProps {
    /// The table whose items are shown (the model's samples or what the sandbox holds).
    pub table: TableModel,
    /// Where the items come from, said above the views.
    pub source: AttrValue,
}

#[function_component(ModelerViews)]
pub fn modeler_views(props: &ModelerViewsProps) -> Html {
    // "" is the aggregate view; an entity's name is its facet.
    let view = use_state(String::new);
    let index = use_state(String::new);
    let table = &props.table;

    let on_view = {
        let view = view.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<HtmlSelectElement>() {
                view.set(select.value());
            }
        })
    };
    let on_index = {
        let index = index.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<HtmlSelectElement>() {
                index.set(select.value());
            }
        })
    };

    let body = if view.is_empty() {
        let index_name = (!index.is_empty()).then(|| index.as_str());
        match views::aggregate(table, index_name) {
            Err(message) => html! { <p class="error" role="alert">{ message }</p> },
            Ok(partitions) if partitions.is_empty() => {
                html! { <p class="placeholder">{ "No items to show." }</p> }
            }
            Ok(partitions) => {
                let (pk, sk) = match table.keys_of(index_name) {
                    Ok((pk, sk)) => (pk.name.clone(), sk.map(|s| s.name.clone())),
                    Err(_) => (String::new(), None),
                };
                html! {
                    <div class="grid-scroll" tabindex="0" role="region" aria-label="Aggregate view">
                        <table class="item-grid aggregate" id="modeler-aggregate">
                            <thead><tr>
                                <th scope="col">{ pk }</th>
                                if let Some(sk) = sk { <th scope="col">{ sk }</th> }
                                <th scope="col">{ "Attributes" }</th>
                            </tr></thead>
                            <tbody>
                                { for partitions.iter().map(|partition| {
                                    let span = partition.items.len().to_string();
                                    html! { <>{ for partition.items.iter().enumerate().map(|(i, (sort, attributes))| html! {
                                        <tr class={classes!((i == 0).then_some("partition-start"))}>
                                            if i == 0 {
                                                <th scope="rowgroup" rowspan={span.clone()} class="partition">{ &partition.key }</th>
                                            }
                                            if table.keys_of(index_name).is_ok_and(|(_, s)| s.is_some()) { <td class="key">{ sort }</td> }
                                            <td class="attributes">
                                                { for attributes.iter().map(|(name, value)| html! {
                                                    <span class="attribute"><span class="name">{ name }</span>{ " " }{ value }</span>
                                                }) }
                                            </td>
                                        </tr>
                                    }) }</> }
                                }) }
                            </tbody>
                        </table>
                    </div>
                }
            }
        }
    } else {
        match views::facet(table, &view) {
            Err(message) => html! { <p class="error" role="alert">{ message }</p> },
            Ok(grid) if grid.rows.is_empty() => {
                html! { <p class="placeholder">{ format!("No items of {} yet.", *view) }</p> }
            }
            Ok(grid) => html! {
                <div class="grid-scroll" tabindex="0" role="region" aria-label={format!("Facet view of {}", *view)}>
                    <table class="item-grid" id="modeler-facet">
                        <thead><tr>
                            { for grid.columns.iter().map(|c| html! { <th scope="col">{ c }</th> }) }
                        </tr></thead>
                        <tbody>
                            { for grid.rows.iter().map(|row| html! {
                                <tr>{ for row.iter().map(|cell| html! { <td>{ cell }</td> }) }</tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            },
        }
    };

    html! {
        <section class="panel modeler-views" aria-labelledby="modeler-views-heading">
            <h2 id="modeler-views-heading">{ "Facet and aggregate views" }</h2>
            <p class="hint">{ props.source.clone() }</p>
            <div class="row">
                <label>{ "View " }
                    <select id="modeler-view" onchange={on_view}>
                        <option value="" selected={view.is_empty()}>{ "Aggregate (all items by partition)" }</option>
                        { for table.entities.iter().map(|e| html! {
                            <option value={e.name.clone()} selected={*view == e.name}>{ format!("Facet: {}", e.name) }</option>
                        }) }
                    </select>
                </label>
                if view.is_empty() {
                    <label>{ " of " }
                        <select id="modeler-view-index" onchange={on_index}>
                            <option value="" selected={index.is_empty()}>{ format!("table {}", table.name) }</option>
                            { for table.gsis.iter().chain(&table.lsis).map(|i| html! {
                                <option value={i.name.clone()} selected={*index == i.name}>{ format!("index {}", i.name) }</option>
                            }) }
                        </select>
                    </label>
                }
            </div>
            { body }
        </section>
    }
}
