//! An item's size byte by byte: each attribute's name and value bytes, the total, and how much of
//! DynamoDB's 400 KB limit it uses.

use serde_json::{Map, Value};
use yew::prelude::*;

use crate::item_json::size_breakdown;

#[derive(Properties, PartialEq)]
pub struct ItemSizeViewProps {
    /// The item in DynamoDB JSON.
    pub item: Map<String, Value>,
}

#[function_component(ItemSizeView)]
pub fn item_size_view(props: &ItemSizeViewProps) -> Html {
    let body = match size_breakdown(&props.item) {
        Err(reason) => html! { <p class="hint">{ format!("No size yet: {reason}") }</p> },
        Ok(size) => {
            let share = size.total as f64 * 100.0 / size.limit as f64;
            html! {
                <>
                    <p id="item-size-total">
                        <strong>{ format!("{} bytes", size.total) }</strong>
                        { format!(" of {} ({share:.3}% of the 400 KB limit)", size.limit) }
                    </p>
                    <meter min="0" max={size.limit.to_string()} value={size.total.to_string()}
                        aria-label="Share of the item size limit" />
                    <table class="size-table">
                        <thead><tr>
                            <th scope="col">{ "Attribute" }</th><th scope="col">{ "Type" }</th>
                            <th scope="col" class="num">{ "Name bytes" }</th><th scope="col" class="num">{ "Value bytes" }</th>
                        </tr></thead>
                        <tbody>
                            { for size.attributes.iter().map(|a| html! {
                                <tr>
                                    <td>{ &a.name }</td><td>{ &a.type_name }</td>
                                    <td class="num">{ a.name_bytes }</td><td class="num">{ a.value_bytes }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                    <p class="hint">{ "Names count their UTF-8 bytes; numbers one byte per two digits plus one; \
                        maps and lists 3 bytes plus 1 per element." }</p>
                </>
            }
        }
    };
    html! {
        <section class="item-size" aria-labelledby="item-size-heading">
            <h3 id="item-size-heading">{ "Item size" }</h3>
            { body }
        </section>
    }
}
