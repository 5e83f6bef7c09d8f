//! Ctrl+Enter (⌘+Enter on a Mac) in a text area presses the area's own button, as the Console's
//! editor runs its request: in a text area Enter is a new line, so the keyboard needs another key.

use wasm_bindgen::JsCast;
use yew::prelude::*;

/// A `keydown` handler that clicks the element with id `button` on Ctrl/⌘+Enter. Clicking (rather
/// than calling the handler) keeps one path for mouse and keyboard, submit buttons included.
pub fn ctrl_enter_clicks(button: &'static str) -> Callback<KeyboardEvent> {
    Callback::from(move |event: KeyboardEvent| {
        if event.key() != "Enter" || !(event.ctrl_key() || event.meta_key()) {
            return;
        }
        event.prevent_default();
        if let Some(element) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(button))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            element.click();
        }
    })
}
