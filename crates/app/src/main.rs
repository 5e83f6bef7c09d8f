//! The playground's entry point: in the browser it renders the app; on the host it only explains itself,
//! so `cargo test --workspace` stays native and fast (the examples are tested here against the engine).
// On the host only the stub and the tests use the examples.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod codegen;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod datasets;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod examples;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod forms;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod item_json;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod json_view;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod pages;
#[cfg(target_arch = "wasm32")]
mod request_log;
#[cfg(target_arch = "wasm32")]
mod state;

#[cfg(target_arch = "wasm32")]
fn main() {
    yew::Renderer::<app::App>::new().render();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "dynaplay-app runs in the browser: build and serve it with `cargo xtask serve` ({} example requests built in).",
        examples::OPERATIONS.len()
    );
}
