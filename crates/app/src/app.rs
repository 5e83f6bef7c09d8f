//! The app shell: owns the page's one engine, shares it with the pages through a context, and
//! exposes it to scripts as `window.dynaplay` so tests and the devtools drive the same tables.

use std::cell::RefCell;
use std::rc::Rc;

use dynaplay_wasm::Dynaplay;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use yew::prelude::*;

use crate::pages::console::Console;

/// The page's engine, shared. Two handles are equal when they hold the same engine.
#[derive(Clone)]
pub struct EngineHandle(pub Rc<RefCell<Dynaplay>>);

impl PartialEq for EngineHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl EngineHandle {
    /// Runs one request: `target` is the whole `X-Amz-Target`.
    pub fn dispatch(&self, target: &str, body: &str) -> dynaplay_engine::Response {
        self.0.borrow_mut().dispatch(target, body)
    }
}

/// Sets `window.dynaplay = { dispatch(target, body), send(operation, input), nowMillis() }`.
fn expose_on_window(engine: &EngineHandle) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let api = Object::new();

    let db = engine.0.clone();
    let dispatch =
        Closure::<dyn Fn(String, String) -> JsValue>::new(move |target: String, body: String| {
            db.borrow_mut().dispatch_js(&target, &body)
        });
    let db = engine.0.clone();
    let send = Closure::<dyn Fn(String, JsValue) -> JsValue>::new(
        move |operation: String, input: JsValue| db.borrow_mut().send(&operation, input).into(),
    );
    let db = engine.0.clone();
    let now = Closure::<dyn Fn() -> f64>::new(move || db.borrow().now_millis());

    // The closures live as long as the page, so handing them to JS for good is what we want.
    Reflect::set(&api, &"dispatch".into(), &dispatch.into_js_value())?;
    Reflect::set(&api, &"send".into(), &send.into_js_value())?;
    Reflect::set(&api, &"nowMillis".into(), &now.into_js_value())?;
    Reflect::set(&window, &"dynaplay".into(), &api)?;
    Ok(())
}

#[function_component(App)]
pub fn app() -> Html {
    let engine = use_memo((), |_| EngineHandle(Rc::new(RefCell::new(Dynaplay::new()))));
    {
        let engine = (*engine).clone();
        use_effect_with((), move |_| {
            if let Err(err) = expose_on_window(&engine) {
                web_sys::console::warn_2(&"window.dynaplay is unavailable:".into(), &err);
            }
        });
    }

    html! {
        <ContextProvider<EngineHandle> context={(*engine).clone()}>
            <a class="skip-link" href="#request">{ "Skip to the request editor" }</a>
            <header class="masthead">
                <h1>{ "Dynaplay" }</h1>
                <p class="tagline">
                    { "DynamoDB in your browser tab: a Rust engine compiled to WebAssembly. Nothing leaves the page." }
                </p>
            </header>
            <main>
                <Console />
            </main>
        </ContextProvider<EngineHandle>>
    }
}
