//! The engine part of `cargo xtask bench`: the criterion bench `crates/engine/benches/entry_point.rs`
//! (`Engine::dispatch` against the cost of only parsing and writing the same JSON), read back from
//! the medians criterion stores under `target/criterion/`.

use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

use super::figures::{EngineFigures, EngineOp};
use crate::process::{command, root, run};

/// (criterion function name, label): the bench's `floor` and `dispatch` groups both have these.
const OPS: &[(&str, &str)] = &[
    ("get_item", "GetItem (1 KB item)"),
    ("put_item", "PutItem (1 KB item)"),
    ("query_10", "Query returning 10 items (10 KB)"),
];
const GROUPS: [&str; 2] = ["floor", "dispatch"];

fn criterion_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("criterion")
}

pub fn run_part() -> Result<EngineFigures, String> {
    // Last run's estimates must not stand in for a benchmark that failed this time.
    for group in GROUPS {
        let _ = fs::remove_dir_all(criterion_dir().join(group));
    }
    run(command(
        "cargo",
        &["bench", "-p", "dynaplay-engine", "--bench", "entry_point"],
    ))?;
    let median = |group: &str, name: &str| -> Result<f64, String> {
        let path = criterion_dir()
            .join(group)
            .join(name)
            .join("new/estimates.json");
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("criterion left no {}: {e}", path.display()))?;
        median_ns(&text).ok_or_else(|| format!("no median in {}", path.display()))
    };
    let mut figures = EngineFigures::default();
    for (name, _) in OPS {
        figures.ops.push(EngineOp {
            name,
            floor_ns: median("floor", name)?,
            dispatch_ns: median("dispatch", name)?,
        });
    }
    Ok(figures)
}

/// The median's point estimate (ns) in criterion's `estimates.json`.
fn median_ns(text: &str) -> Option<f64> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    json.get("median")?.get("point_estimate")?.as_f64()
}

/// The engine part's detailed table.
pub fn detail(figures: &EngineFigures) -> String {
    let mut out = String::from(
        "`cargo bench -p dynaplay-engine --bench entry_point`: `Engine::dispatch` on 1,000 items \
         of about 1 KB against the **floor**, only parsing the request JSON and writing the \
         response; criterion medians (20 samples).\n\n\
         | operation | floor | `dispatch` | ratio |\n| --- | --- | --- | --- |\n",
    );
    for (name, label) in OPS {
        if let Some(op) = figures.op(name) {
            let _ = writeln!(
                out,
                "| {label} | {:.2} µs | {:.2} µs | {:.1}× |",
                op.floor_ns / 1000.0,
                op.dispatch_ns / 1000.0,
                op.dispatch_ns / op.floor_ns.max(f64::MIN_POSITIVE)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::median_ns;

    // The median, not the mean that comes first in the file.
    #[test]
    fn reads_the_median() {
        let text = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":2.0},"point_estimate":3300.5,"standard_error":1.0},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":2.0},"point_estimate":3150.25,"standard_error":1.0}}"#;
        assert_eq!(median_ns(text), Some(3150.25));
        assert_eq!(median_ns("{}"), None);
    }
}
