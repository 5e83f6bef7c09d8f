//! `cargo xtask fuzz [SECONDS]` and the short fuzz stage of `cargo xtask test`: installs cargo-fuzz
//! when missing, writes seed corpora from the golden cases, builds the targets in `fuzz/` and runs
//! each for the time given. libFuzzer's limits make a hang (`-timeout`) or unbounded memory
//! (`-rss_limit_mb`) a finding, like a panic; any finding fails the command.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::process::{command, output, root, run};

/// The cargo-fuzz release installed when missing (`--locked`, so it builds the same everywhere).
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";
/// Every target in `fuzz/Cargo.toml`.
pub const TARGETS: &[&str] = &["request", "session", "expression", "partiql"];
/// Seconds per target for `cargo xtask fuzz` without an argument.
const DEFAULT_SECONDS: u64 = 60;
/// Seconds per target in `cargo xtask test`, after the seeds have been replayed (which libFuzzer
/// always finishes first): a smoke run that catches a regression on the golden requests and their
/// near mutations, while the stage stays a few minutes (the build from a fresh clone is most of it).
pub const TEST_SECONDS: u64 = 10;
/// One input may take this long before libFuzzer calls it a hang.
const TIMEOUT_SECONDS: u64 = 10;
/// And hold this much memory before it calls it a leak or blow-up.
const RSS_LIMIT_MB: u64 = 2048;

/// `cargo xtask fuzz [SECONDS]`.
pub fn command_line(args: &[String]) -> Result<(), String> {
    let seconds = match args {
        [] => DEFAULT_SECONDS,
        [s] => s
            .parse()
            .map_err(|_| format!("fuzz takes a number of seconds per target, not {s:?}"))?,
        _ => return Err(format!("fuzz takes at most one argument, not {args:?}")),
    };
    fuzz_all(seconds)
}

/// Installs, seeds, builds and runs every target for `seconds` each.
pub fn fuzz_all(seconds: u64) -> Result<(), String> {
    install_cargo_fuzz()?;
    write_seeds()?;
    run(cargo_fuzz(&["build"], &[]))?;
    for target in TARGETS {
        let time = format!("-max_total_time={seconds}");
        let timeout = format!("-timeout={TIMEOUT_SECONDS}");
        let rss = format!("-rss_limit_mb={RSS_LIMIT_MB}");
        run(cargo_fuzz(
            &["run", target],
            &[&time, &timeout, &rss, "-print_final_stats=1"],
        ))?;
    }
    println!(
        "fuzz: {} targets ran {seconds} s each without findings",
        TARGETS.len()
    );
    Ok(())
}

/// `cargo fuzz` on the default toolchain: without a sanitizer it needs no nightly (a new machine
/// has only the stable toolchain), and the engine is safe Rust, where ASan finds nothing a panic
/// would not, at half the executions per second. Debug assertions on: integer overflow is a
/// finding too.
fn cargo_fuzz(args: &[&str], libfuzzer: &[&str]) -> Command {
    let mut all = vec!["fuzz"];
    all.extend(args);
    all.extend(["--sanitizer", "none", "--debug-assertions"]);
    if !libfuzzer.is_empty() {
        all.push("--");
        all.extend(libfuzzer);
    }
    command("cargo", &all)
}

fn install_cargo_fuzz() -> Result<(), String> {
    let want = format!("cargo-fuzz {CARGO_FUZZ_VERSION}");
    if output("cargo", &["fuzz", "--version"]).as_deref() == Some(want.as_str()) {
        println!("ok: {want} already installed");
        return Ok(());
    }
    run(command(
        "cargo",
        &[
            "install",
            "--locked",
            "cargo-fuzz",
            "--version",
            CARGO_FUZZ_VERSION,
        ],
    ))
}

/// Seed corpora from the golden cases, written under `fuzz/corpus/<target>/` (not committed):
/// every step's request as a `request` seed, every case as a `session` seed, every expression
/// and PartiQL statement in them as `expression` / `partiql` seeds.
pub fn write_seeds() -> Result<(), String> {
    let mut cases = Vec::new();
    golden_cases(&root().join("crates/engine/tests/golden"), &mut cases)?;
    let seeds = seeds_of(&cases);
    let corpus = root().join("fuzz/corpus");
    for (target, inputs) in &seeds {
        let dir = corpus.join(target);
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for input in inputs {
            // Named by content, so rerunning writes nothing new.
            let path = dir.join(format!("golden-{:016x}", fnv1a(input)));
            if !path.exists() {
                fs::write(&path, input)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
        }
    }
    let counts: Vec<String> = seeds
        .iter()
        .map(|(t, s)| format!("{t} {}", s.len()))
        .collect();
    println!(
        "seeds from {} golden cases: {}",
        cases.len(),
        counts.join(", ")
    );
    Ok(())
}

fn golden_cases(dir: &Path, out: &mut Vec<Value>) -> Result<(), String> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            golden_cases(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            let text = fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let case =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            out.push(case);
        }
    }
    Ok(())
}

/// The seed inputs of each target, in the formats `fuzz/src/lib.rs` describes.
fn seeds_of(cases: &[Value]) -> BTreeMap<&'static str, Vec<Vec<u8>>> {
    let mut seeds: BTreeMap<&'static str, Vec<Vec<u8>>> = BTreeMap::new();
    for case in cases {
        let mut session = Vec::new();
        for step in case["steps"].as_array().into_iter().flatten() {
            let request = if let Some(millis) = step["advance_millis"].as_i64() {
                format!("@advance\n{millis}")
            } else if let Some(op) = step["op"].as_str() {
                let body = match &step["request"] {
                    Value::String(raw) => raw.clone(),
                    other => other.to_string(),
                };
                expressions(&step["request"], &mut seeds);
                format!("{op}\n{body}")
            } else {
                continue;
            };
            if !request.starts_with('@') {
                seeds
                    .entry("request")
                    .or_default()
                    .push(request.clone().into_bytes());
            }
            session.push(request);
        }
        seeds
            .entry("session")
            .or_default()
            .push(session.join("\0").into_bytes());
    }
    for inputs in seeds.values_mut() {
        inputs.sort();
        inputs.dedup();
    }
    seeds
}

/// The expression kinds of the `expression` target, by the byte that selects them.
const EXPRESSION_KINDS: &[(&str, u8)] = &[
    ("ConditionExpression", 0),
    ("FilterExpression", 1),
    ("KeyConditionExpression", 2),
    ("ProjectionExpression", 3),
    ("UpdateExpression", 4),
];

/// Every expression and statement anywhere in a request (transactions and batches nest them).
fn expressions(value: &Value, seeds: &mut BTreeMap<&'static str, Vec<Vec<u8>>>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if let (Some(&(_, kind)), Value::String(text)) =
                    (EXPRESSION_KINDS.iter().find(|(k, _)| k == key), v)
                {
                    let mut input = vec![kind];
                    input.extend_from_slice(text.as_bytes());
                    seeds.entry("expression").or_default().push(input);
                }
                if let ("Statement", Value::String(text)) = (key.as_str(), v) {
                    seeds
                        .entry("partiql")
                        .or_default()
                        .push(text.clone().into_bytes());
                }
                expressions(v, seeds);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| expressions(v, seeds)),
        _ => {}
    }
}

/// FNV-1a: a stable content name for a seed file, without a hashing dependency.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::seeds_of;
    use serde_json::json;

    // The seed formats must match what the fuzz targets parse: `Op\nbody` requests, NUL-separated
    // sessions with `@advance`, a kind byte before an expression, and bare PartiQL statements.
    #[test]
    fn seeds_follow_the_target_formats() {
        let case = json!({"steps": [
            {"op": "PutItem", "request": {"TableName": "T", "ConditionExpression": "attribute_not_exists(id)"}},
            {"advance_millis": 5},
            {"op": "TransactWriteItems", "request": {"TransactItems": [{"Update": {"UpdateExpression": "SET a = :v"}}]}},
            {"op": "ExecuteStatement", "request": {"Statement": "SELECT * FROM T"}}
        ]});
        let seeds = seeds_of(&[case]);
        assert_eq!(seeds["request"].len(), 3);
        assert!(seeds["request"]
            .iter()
            .any(|s| s.starts_with(b"PutItem\n{\"TableName\"")));
        let session = String::from_utf8(seeds["session"][0].clone()).unwrap();
        assert_eq!(session.split('\0').nth(1), Some("@advance\n5"));
        assert_eq!(session.split('\0').count(), 4);
        assert!(seeds["expression"].contains(&b"\x00attribute_not_exists(id)".to_vec()));
        assert!(seeds["expression"].contains(&b"\x04SET a = :v".to_vec()));
        assert_eq!(seeds["partiql"], vec![b"SELECT * FROM T".to_vec()]);
    }
}
