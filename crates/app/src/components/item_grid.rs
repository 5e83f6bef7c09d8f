//! Items as a table: one column per attribute present (key attributes first), each cell with its type.

use serde_json::{Map, Value};
use yew::prelude::*;

use crate::item_json::{cell_text, type_of};

#[derive(Properties, PartialEq)]
pub struct ItemGridProps {
    /// Items in DynamoDB JSON.
    pub items: Vec<Map<String, Value>>,
    /// The table's key attributes, shown first.
    pub key_names: Vec<String>,
    /// When given, each row gets an Edit button that reports the row's index.
    #[prop_or_default]
    pub on_edit: Option<Callback<usize>>,
    /// Describes the grid for screen readers.
    pub caption: AttrValue,
}

/// The columns: key attributes, then every other attribute in the order first seen.
pub fn columns(items: &[Map<String, Value>], key_names: &[String]) -> Vec<String> {
    let mut columns: Vec<String> = key_names.to_vec();
    for item in items {
        for name in item.keys() {
            if !columns.contains(name) {
                columns.push(name.clone());
            }
        }
    }
    columns
}

#[function_component(ItemGrid)]
pub fn item_grid(props: &ItemGridProps) -> Html {
    if props.items.is_empty() {
        return html! { <p class="placeholder">{ "No items." }</p> };
    }
    let columns = columns(&props.items, &props.key_names);
    html! {
        <div class="grid-scroll" tabindex="0" role="region" aria-label={props.caption.clone()}>
            <table class="item-grid">
                <caption class="visually-hidden">{ props.caption.clone() }</caption>
                <thead>
                    <tr>
                        if props.on_edit.is_some() { <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th> }
                        { for columns.iter().map(|c| html! {
                            <th scope="col" class={classes!(props.key_names.contains(c).then_some("key"))}>{ c }</th>
                        }) }
                    </tr>
                </thead>
                <tbody>
                    { for props.items.iter().enumerate().map(|(row, item)| html! {
                        <tr>
                            if let Some(on_edit) = &props.on_edit {
                                <td>
                                    <button type="button" class="edit" onclick={
                                        let on_edit = on_edit.clone();
                                        Callback::from(move |_: MouseEvent| on_edit.emit(row))
                                    }>{ "Edit" }</button>
                                </td>
                            }
                            { for columns.iter().map(|c| match item.get(c) {
                                Some(value) => html! {
                                    <td><span class="type">{ type_of(value) }</span>{ " " }{ cell_text(value) }</td>
                                },
                                None => html! { <td class="absent" aria-label="absent"></td> },
                            }) }
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}
