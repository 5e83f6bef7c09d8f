//! Golden cases: each file under `tests/golden/<operation>/` is a list of steps, each an
//! operation, its request, and what DynamoDB answers (`response`, or `error` with `__type` and
//! `message`). One runner replays every file on a fresh engine with a manual clock.
//! A case may set `config` (`lifecycle_millis`, `throttling`, `item_collection_limit_bytes`),
//! and a step may be `{"advance_millis": N}` to move the clock. An `op` with a dot is a whole `X-Amz-Target` (`DynamoDBStreams_20120810.GetRecords`),
//! routed by `Engine::dispatch_target`. A step may `"save": {"name": "/json/pointer"}` a string
//! from its answer, and later requests may use it as `${name}` (shard iterators, ARNs).
//! `UPDATE_EXPECT=1 cargo test --test golden` rewrites the expectations from today's answers;
//! review the diff against DynamoDB's documentation before committing it.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use dynaplay_engine::{Engine, EngineConfig, ManualClock, NullStorage};
use serde_json::{json, Value};

/// 2026-01-01T00:00:00Z: a fixed start so CreationDateTime and ids are reproducible.
const START_MILLIS: i64 = 1_767_225_600_000;

fn cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            cases(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn run_case(path: &Path, update: bool) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut case: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let clock = Arc::new(ManualClock::new(START_MILLIS));
    let config = EngineConfig {
        lifecycle_millis: case["config"]["lifecycle_millis"].as_i64().unwrap_or(0),
        throttling: case["config"]["throttling"].as_bool().unwrap_or(true),
        item_collection_limit_bytes: case["config"]["item_collection_limit_bytes"]
            .as_u64()
            .unwrap_or(EngineConfig::default().item_collection_limit_bytes),
        ..EngineConfig::default()
    };
    let mut engine = Engine::open(config, Box::new(clock.clone()), Box::new(NullStorage))
        .map_err(|e| e.to_string())?;
    let steps = case["steps"]
        .as_array_mut()
        .ok_or("a case needs \"steps\"")?;
    let mut failures = Vec::new();
    let mut saved: Vec<(String, String)> = Vec::new();
    for (i, step) in steps.iter_mut().enumerate() {
        if let Some(millis) = step["advance_millis"].as_i64() {
            clock.advance(millis);
            continue;
        }
        let op = step["op"]
            .as_str()
            .ok_or("a step needs \"op\"")?
            .to_string();
        let mut body = match &step["request"] {
            Value::String(raw) => raw.clone(),
            other => other.to_string(),
        };
        for (name, value) in &saved {
            body = body.replace(&format!("${{{name}}}"), value);
        }
        let response = if op.contains('.') {
            engine.dispatch_target(&op, &body)
        } else {
            engine.dispatch(&op, &body)
        };
        let answer: Value = serde_json::from_str(&response.body).map_err(|e| e.to_string())?;
        if let Some(saves) = step["save"].as_object() {
            for (name, pointer) in saves {
                let value = pointer
                    .as_str()
                    .and_then(|p| answer.pointer(p))
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        format!("{}: step {i} has nothing at {pointer}", path.display())
                    })?;
                saved.push((name.clone(), value.to_string()));
            }
        }
        let (key, got) = if response.status == 200 {
            ("response", answer)
        } else {
            ("error", answer)
        };
        let expected_key = if step.get("error").is_some() {
            "error"
        } else {
            "response"
        };
        let checked = step.get("response").is_some() || step.get("error").is_some();
        if update {
            if checked || response.status != 200 {
                if let Some(obj) = step.as_object_mut() {
                    obj.remove("response");
                    obj.remove("error");
                    obj.insert(key.into(), got);
                }
            }
            continue;
        }
        if !checked {
            if response.status != 200 {
                failures.push(format!(
                    "step {i} ({op}) was expected to succeed, got {got}"
                ));
            }
            continue;
        }
        if key != expected_key || step[expected_key] != got {
            failures.push(format!(
                "step {i} ({op}):\n  expected {expected_key}: {}\n  got      {key}: {got}",
                step[expected_key]
            ));
        }
    }
    if update {
        let pretty = serde_json::to_string_pretty(&case).map_err(|e| e.to_string())?;
        std::fs::write(path, pretty + "\n").map_err(|e| e.to_string())?;
        return Ok(());
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("{}:\n{}", path.display(), failures.join("\n")))
    }
}

#[test]
fn golden_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files = Vec::new();
    cases(&root, &mut files);
    assert!(
        !files.is_empty(),
        "no golden cases found under {}",
        root.display()
    );
    let update = std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1");
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| run_case(f, update).err())
        .collect();
    println!("{} golden cases, {} failed", files.len(), failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let _ = json!(null);
}
