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
mod export;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod forms;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod item_json;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod json_view;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod lesson_text;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod lessons;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod modeler;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod pending;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod regions;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod share;

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
    // An embed must not open (and lock) the visitor's own sandboxes, so it never mounts `App`.
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    match app::Route::from_hash(&hash) {
        app::Route::Embed(query) => {
            yew::Renderer::<pages::embed::EmbedPage>::with_props(pages::embed::EmbedPageProps {
                query,
            })
            .render();
        }
        _ => {
            yew::Renderer::<app::App>::new().render();
        }
    }
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
        [command, dir] if command == "emit-export" => {
            if let Err(e) = emit_export(std::path::Path::new(dir)) {
                eprintln!("dynaplay-app emit-export: {e}");
                std::process::exit(1);
            }
        }
        [command, dir] if command == "check-export" => {
            if let Err(e) = check_export(std::path::Path::new(dir)) {
                eprintln!("dynaplay-app check-export: {e}");
                std::process::exit(1);
            }
        }
        _ => eprintln!(
            "dynaplay-app runs in the browser: build and serve it with `cargo xtask serve` ({} example requests built in).\n\
             On the host, `dynaplay-app emit-code DIR ENDPOINT` writes the playground's code for a session of requests \
             as AWS CLI, boto3 and JavaScript scripts into DIR/cli, DIR/python and DIR/js.\n\
             `dynaplay-app emit-export DIR` writes the export of a sample sandbox (template.json, create-tables.sh, \
             items/, batches/) and what it must recreate (expected/); `dynaplay-app check-export DIR` compares \
             DIR/actual/<table>.<what>.json, read back from an endpoint, with it.",
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

/// Builds the sample sandbox on an in-memory engine and writes its export under `dir`, with
/// `expected/<table>.json` (each table's `export::summary`) and `tables.txt` for the check.
#[cfg(not(target_arch = "wasm32"))]
fn emit_export(dir: &std::path::Path) -> Result<(), String> {
    use dynaplay_engine::{clock::ManualClock, Engine};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let mut engine = Engine::in_memory(Box::new(ManualClock::new(now)));
    let mut call = |op: &str, body: &serde_json::Value| {
        engine
            .call(op, &body.to_string())
            .map_err(|e| format!("{op}: {e:?}"))
    };
    export::build_sample(&mut call)?;
    let tables = export::block_on_ready(export::collect(|op, body| {
        std::future::ready(call(op, &body))
    }))??;
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let write = |path: &str, text: &str| -> Result<(), String> {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    for (path, text) in export::files(&tables) {
        write(&path, &text)?;
    }
    let mut names = String::new();
    for table in &tables {
        names.push_str(table.name());
        names.push('\n');
        write(
            &format!("expected/{}.json", table.name()),
            &serde_json::to_string_pretty(&export::summary(table)).unwrap_or_default(),
        )?;
    }
    write("tables.txt", &names)
}

/// Compares what an endpoint answered for each table of `tables.txt` (the AWS CLI's JSON output of
/// describe-table, describe-time-to-live, describe-continuous-backups, list-tags-of-resource and
/// scan, in `actual/<table>.<what>.json`) with `expected/<table>.json`.
#[cfg(not(target_arch = "wasm32"))]
fn check_export(dir: &std::path::Path) -> Result<(), String> {
    use serde_json::Value;
    let read = |path: std::path::PathBuf| -> Result<Value, String> {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let names = std::fs::read_to_string(dir.join("tables.txt")).map_err(|e| e.to_string())?;
    let mut checked = 0;
    for name in names.lines().filter(|l| !l.is_empty()) {
        let actual = |what: &str| read(dir.join(format!("actual/{name}.{what}.json")));
        let mut answers = std::collections::HashMap::new();
        for (operation, what) in [
            ("DescribeTable", "describe"),
            ("DescribeTimeToLive", "ttl"),
            ("DescribeContinuousBackups", "backups"),
            ("ListTagsOfResource", "tags"),
            ("Scan", "scan"),
        ] {
            answers.insert(operation, actual(what)?);
        }
        // The CLI has already followed every page, so each answer is a single page here.
        let call = |op: &str, _: Value| {
            std::future::ready(match op {
                "ListTables" => Ok(serde_json::json!({ "TableNames": [name] })),
                other => answers
                    .get(other)
                    .cloned()
                    .ok_or_else(|| format!("no answer for {other}")),
            })
        };
        let tables = export::block_on_ready(export::collect(call))??;
        let got = tables
            .first()
            .map(export::summary)
            .ok_or("nothing collected")?;
        let want = read(dir.join(format!("expected/{name}.json")))?;
        if got != want {
            return Err(format!(
                "{name} differs from the sandbox it was exported from.\nexpected: {}\nactual:   {}",
                serde_json::to_string_pretty(&want).unwrap_or_default(),
                serde_json::to_string_pretty(&got).unwrap_or_default()
            ));
        }
        println!("ok {name}: recreated with {} items", got["ItemCount"]);
        checked += 1;
    }
    if checked == 0 {
        return Err("tables.txt names no table".into());
    }
    Ok(())
}
