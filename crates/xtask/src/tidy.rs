//! The tidy test: the engine's invariants, made executable. **The engine never depends on web-sys,
//! wasm-bindgen, js-sys, tokio or any I/O crate, and never reads the clock, files or the network
//! itself**: the wasm crate and the server inject those. Runs under `cargo test --workspace`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::process::root;

/// Crates the engine must not depend on: browser bindings, async runtimes, and I/O.
const FORBIDDEN_CRATES: &[&str] = &[
    "web-sys",
    "wasm-bindgen",
    "wasm-bindgen-futures",
    "js-sys",
    "gloo",
    "tokio",
    "async-std",
    "smol",
    "mio",
    "hyper",
    "axum",
    "actix-web",
    "tiny_http",
    "reqwest",
    "ureq",
    "getrandom",
    "rusqlite",
    "sled",
    "redb",
    "indexed_db_futures",
];

/// Text that means the engine reaches for the platform itself.
const FORBIDDEN_TEXT: &[&str] = &[
    "std::time::SystemTime",
    "SystemTime::now",
    "Instant::now",
    "std::fs",
    "std::net",
    "web_sys",
    "wasm_bindgen",
    "js_sys",
    "tokio",
];

/// Dependency names declared in a Cargo.toml's dependency sections (dev-dependencies are not shipped,
/// so they are not checked). Follows `package = "..."` renames.
fn shipped_dependencies(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_deps = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            let section = line.trim_matches(|c| c == '[' || c == ']');
            let last = section.rsplit('.').next().unwrap_or_default();
            in_deps = last == "dependencies" || last == "build-dependencies";
            // `[dependencies.foo]` names the dependency in the header itself.
            if let Some(name) = section
                .strip_prefix("dependencies.")
                .or_else(|| section.strip_prefix("build-dependencies."))
            {
                names.push(name.trim_matches('"').to_string());
            }
            continue;
        }
        if !in_deps || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key
            .trim()
            .trim_matches('"')
            .split('.')
            .next()
            .unwrap_or_default();
        names.push(key.to_string());
        if let Some(rest) = value.split("package").nth(1) {
            if let Some(renamed) = rest.split('"').nth(1) {
                names.push(renamed.to_string());
            }
        }
    }
    names
}

fn manifest_violations(manifest: &str) -> Vec<String> {
    shipped_dependencies(manifest)
        .into_iter()
        .filter(|name| FORBIDDEN_CRATES.contains(&name.as_str()))
        .map(|name| format!("crates/engine/Cargo.toml depends on `{name}`"))
        .collect()
}

/// Forbidden text outside comments, as `path:line: text`.
fn source_violations(path: &str, source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (number, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        for text in FORBIDDEN_TEXT {
            if code.contains(text) {
                found.push(format!("{path}:{}: uses `{text}`", number + 1));
            }
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn engine_stays_pure() {
    let engine = root().join("crates/engine");
    let manifest = fs::read_to_string(engine.join("Cargo.toml")).expect("engine Cargo.toml");
    let mut violations = manifest_violations(&manifest);

    let mut files = Vec::new();
    rust_files(&engine.join("src"), &mut files);
    assert!(
        !files.is_empty(),
        "no engine sources found under {}",
        engine.display()
    );
    for file in files {
        let source = fs::read_to_string(&file).expect("readable source");
        let shown = file
            .strip_prefix(root())
            .unwrap_or(&file)
            .display()
            .to_string();
        violations.extend(source_violations(&shown, &source));
    }
    assert!(
        violations.is_empty(),
        "the engine must stay free of platform code:\n  {}",
        violations.join("\n  ")
    );
}

// The checker itself: it must catch each way of declaring a dependency, and ignore dev-dependencies.
#[test]
fn manifest_check_catches_every_declaration_form() {
    let manifest = r#"
[dependencies]
serde_json.workspace = true
tokio = { version = "1" }
net = { package = "hyper", version = "1" }

[target.'cfg(target_arch = "wasm32")'.dependencies]
web-sys = "0.3"

[dependencies.reqwest]
version = "0.12"

[dev-dependencies]
tokio = "1"
"#;
    assert_eq!(
        manifest_violations(manifest),
        [
            "crates/engine/Cargo.toml depends on `tokio`",
            "crates/engine/Cargo.toml depends on `hyper`",
            "crates/engine/Cargo.toml depends on `web-sys`",
            "crates/engine/Cargo.toml depends on `reqwest`",
        ]
    );
}

// Code is checked, comments are not: a doc line may say what the engine must never do.
#[test]
fn source_check_ignores_comments() {
    let source = "//! never calls Instant::now\nlet t = std::time::SystemTime::now(); // clock\n";
    assert_eq!(
        source_violations("x.rs", source),
        [
            "x.rs:2: uses `std::time::SystemTime`",
            "x.rs:2: uses `SystemTime::now`",
        ]
    );
}
