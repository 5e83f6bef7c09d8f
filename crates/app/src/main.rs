//! The playground's entry point: in the browser it renders the app; on the host it only explains itself,
//! so `cargo test --workspace` stays native and fast (the examples are tested here against the engine).
// On the host only the stub and the tests use the examples.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod codegen;
// Only the host's `emit-code` uses the session.
#[cfg(not(target_arch = "wasm32"))]
mod code_session;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod cost;
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
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod modeler;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod pending;

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
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [command, dir, endpoint] if command == "emit-code" => {
            if let Err(e) = emit_code(std::path::Path::new(dir), endpoint) {
                eprintln!("dynaplay-app emit-code: {e}");
                std::process::exit(1);
            }
        }
        _ => eprintln!(
            "dynaplay-app runs in the browser: build and serve it with `cargo xtask serve` ({} example requests built in).\n\
             On the host, `dynaplay-app emit-code DIR ENDPOINT` writes the playground's code for a session of requests \
             as AWS CLI, boto3 and JavaScript scripts into DIR/cli, DIR/python and DIR/js.",
            examples::OPERATIONS.len()
        ),
    }
}

/// Writes the code session's scripts for every language under `dir`.
#[cfg(not(target_arch = "wasm32"))]
fn emit_code(dir: &std::path::Path, endpoint: &str) -> std::io::Result<()> {
    for language in codegen::Language::ALL {
        let folder = dir.join(language.id());
        if folder.exists() {
            std::fs::remove_dir_all(&folder)?;
        }
        std::fs::create_dir_all(&folder)?;
        for (name, code) in code_session::scripts(language, endpoint) {
            std::fs::write(folder.join(name), code)?;
        }
    }
    Ok(())
}
