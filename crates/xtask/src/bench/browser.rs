//! The browser part of `cargo xtask bench` (also `cargo xtask bench-browser`): builds the playground
//! and the runtime as `test` does, runs the native engine loop (`crates/engine/examples/calls.rs`)
//! with the runtime wasm's own profile, then `tests/bench/run.mjs`, which serves `dist/`, runs
//! `web/runtime/bench.js` in headless Chromium and writes its figures as JSON, read here.

use std::fmt::Write as _;
use std::fs;

use serde_json::Value;

use super::figures::{Block, BrowserFigures, Bulk, Calls, PageLoad, Reopen};
use super::table::thousands;
use crate::process::{command, root, run};
use crate::setup;
use crate::stages::{runtime_build, trunk, RUNTIME_PROFILE};

/// Where run.mjs writes its JSON for this run.
const OUT: &str = "target/bench/browser.json";

pub fn run_part(items: u64) -> Result<BrowserFigures, String> {
    setup::install_all()?;
    run(trunk(&["build", "--offline", "--release"]))?;
    runtime_build()?;
    // Natively with the runtime wasm's own profile, so the two differ only in the target.
    let native = native_calls(RUNTIME_PROFILE)?;
    println!("native ({RUNTIME_PROFILE}): {native}");
    let out = root().join(OUT);
    if let Some(dir) = out.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let _ = fs::remove_file(&out);
    let mut driver = command("node", &["tests/bench/run.mjs"]);
    driver
        .env("BENCH_ITEMS", items.to_string())
        .env("BENCH_OUT", &out);
    run(driver)?;
    let text = fs::read_to_string(&out).map_err(|e| format!("run.mjs wrote no {OUT}: {e}"))?;
    parse(&native, &text)
}

/// The JSON line `crates/engine/examples/calls.rs` prints, built with cargo profile `profile`.
fn native_calls(profile: &str) -> Result<String, String> {
    let args = [
        "run",
        "--profile",
        profile,
        "-q",
        "-p",
        "dynaplay-engine",
        "--example",
        "calls",
    ];
    println!("$ cargo {}", args.join(" "));
    let out = command("cargo", &args)
        .output()
        .map_err(|e| format!("could not start cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the native calls loop failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The figures from the native loop's line (`{"put":N,"get":N}`) and run.mjs's document; parts
/// run.mjs skipped (BENCH_ONLY) stay empty.
fn parse(native: &str, page: &str) -> Result<BrowserFigures, String> {
    let native: Value = serde_json::from_str(native)
        .map_err(|e| format!("the native loop printed {native:?}: {e}"))?;
    let page: Value =
        serde_json::from_str(page).map_err(|e| format!("run.mjs wrote no JSON document: {e}"))?;
    let num = |v: &Value, path: &[&str]| -> Option<f64> {
        path.iter().try_fold(v, |v, k| v.get(k))?.as_f64()
    };
    let calls = |v: &Value, path: &[&str]| -> Option<Calls> {
        let at = path.iter().try_fold(v, |v, k| v.get(k))?;
        Some(Calls {
            put: num(at, &["put", "rate"]).or_else(|| num(at, &["put"]))?,
            get: num(at, &["get", "rate"]).or_else(|| num(at, &["get"]))?,
        })
    };
    let bulk = |name: &str| -> Option<Bulk> {
        Some(Bulk {
            rate: num(&page, &["bulk", name, "rate"])?,
            seconds: num(&page, &["bulk", name, "seconds"])?,
        })
    };
    let reopen = |which: &str| {
        Some(Reopen {
            items: num(&page, &["reopen", which, "items"])? as u64,
            raw_items: num(&page, &["reopen", "raw", "items"])? as u64,
            seconds: num(&page, &["reopen", which, "seconds"])?,
            raw_seconds: num(&page, &["reopen", "raw", "seconds"])?,
        })
    };
    let page_load = page.get("page").map(|p| PageLoad {
        gzip_by_kind: p
            .get("sizes")
            .and_then(Value::as_object)
            .map(|sizes| {
                let mut kinds: Vec<(String, u64)> = sizes
                    .iter()
                    .filter_map(|(kind, s)| Some((kind.clone(), s.get("gzip")?.as_u64()?)))
                    .collect();
                // Largest first, whatever order the JSON object kept.
                kinds.sort_by_key(|k| std::cmp::Reverse(k.1));
                kinds
            })
            .unwrap_or_default(),
        console_ms: p
            .get("consoleMs")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default(),
    });
    Ok(BrowserFigures {
        native_profile: RUNTIME_PROFILE.into(),
        native: calls(&native, &[]),
        sync: calls(&page, &["calls", "sync"]),
        in_wasm: calls(&page, &["calls", "inWasm"]),
        sandbox: calls(&page, &["calls", "sandbox"]),
        bulk_items: num(&page, &["items"]).unwrap_or(0.0) as u64,
        bulk_sandbox: bulk("sandbox"),
        bulk_raw: bulk("raw"),
        bulk_raw_strict: bulk("strict"),
        bulk_wide: bulk("wide"),
        wide_compact_seconds: num(&page, &["bulk", "wide", "compactSeconds"]),
        wide_compact_block: (|| {
            Some(Block {
                longest_task_ms: num(&page, &["bulk", "wide", "longestTaskMs"])?,
                long_tasks: num(&page, &["bulk", "wide", "longTasks"]).unwrap_or(0.0) as u64,
                longest_lag_ms: num(&page, &["bulk", "wide", "longestLagMs"])?,
            })
        })(),
        reopen: reopen("sandbox"),
        reopen_compacted: reopen("compacted"),
        page: page_load,
        warnings: page
            .get("warnings")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|w| w.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// The browser part's detailed table: every way of calling, every load, the page's parts.
pub fn detail(b: &BrowserFigures) -> String {
    let mut out = String::from(
        "| measure | browser (wasm) | native or raw IndexedDB | ratio |\n| --- | --- | --- | --- |\n",
    );
    let ways = [
        (b.sync, "sync `MemoryEngine.dispatch` from JS"),
        (b.in_wasm, "loop inside wasm (`loopRate`)"),
        (b.sandbox, "async memory sandbox `db.dispatch`"),
    ];
    for (way, label) in ways {
        let Some(w) = way else { continue };
        for (name, mine, native) in [
            ("PutItem", w.put, b.native.map(|n| n.put)),
            ("GetItem", w.get, b.native.map(|n| n.get)),
        ] {
            let (theirs, ratio) = match native {
                Some(n) if n > 0.0 => (thousands(n), format!("{:.2}", mine / n)),
                _ => ("—".into(), "—".into()),
            };
            let _ = writeln!(
                out,
                "| {name} 1 KB, {label}, vs native `{}` (calls/s) | {} | {theirs} | {ratio} |",
                b.native_profile,
                thousands(mine)
            );
        }
    }
    let n = thousands(b.bulk_items as f64);
    let load = |l: Bulk| format!("{}; {:.1} s", thousands(l.rate), l.seconds);
    let mut bulk_row = |label: String, mine: Option<Bulk>, raw: Option<Bulk>| {
        if let (Some(m), Some(r)) = (mine, raw) {
            let _ = writeln!(
                out,
                "| {label} (items/s; s) | {} | {} | {:.2} |",
                load(m),
                load(r),
                m.rate / r.rate.max(f64::MIN_POSITIVE)
            );
        }
    };
    bulk_row(
        format!("bulk load {n} items, 64 BatchWriteItems in flight, vs raw with the same durability hint \"default\""),
        b.bulk_sandbox,
        b.bulk_raw,
    );
    bulk_row(
        format!("bulk load {n} items vs raw with \"strict\""),
        b.bulk_sandbox,
        b.bulk_raw_strict,
    );
    bulk_row(
        format!("bulk load {n} items, 400 BatchWriteItems in flight, vs raw \"default\""),
        b.bulk_wide,
        b.bulk_raw,
    );
    if let Some(s) = b.wide_compact_seconds {
        let _ = writeln!(
            out,
            "| then `compactLog()` of that load: its log into the rows (s) | {s:.1} | — | — |"
        );
    }
    if let Some(k) = b.wide_compact_block {
        let _ = writeln!(
            out,
            "| longest main-thread block during that `compactLog()` (ms; longtask entries over 50 ms; probe lag) | {:.0} ({}; {:.0}) | — | — |",
            k.longest_task_ms, k.long_tasks, k.longest_lag_ms
        );
    }
    for (r, how) in [
        (b.reopen, ""),
        (b.reopen_compacted, " after `compactLog()` (from the rows)"),
    ] {
        let Some(r) = r else { continue };
        let _ = writeln!(
            out,
            "| reopen {} items{how} (raw: {}) (s) | {:.2} | {:.2} | {:.2}× |",
            thousands(r.items as f64),
            thousands(r.raw_items as f64),
            r.seconds,
            r.raw_seconds,
            r.seconds / r.raw_seconds.max(f64::MIN_POSITIVE)
        );
    }
    if let Some(p) = &b.page {
        let parts: Vec<String> = p
            .gzip_by_kind
            .iter()
            .map(|(k, bytes)| format!("{k} {}", thousands(*bytes as f64 / 1000.0)))
            .collect();
        let _ = writeln!(
            out,
            "| playground download, gzip -9 (KB) | {} ({}) | — | — |",
            thousands(p.gzip_total() as f64 / 1000.0),
            parts.join(", ")
        );
        let tries: Vec<String> = p.console_ms.iter().map(|t| thousands(*t)).collect();
        let _ = writeln!(
            out,
            "| navigation start → Run enabled, cold cache, median of {} (ms) | {} ({}) | — | — |",
            p.console_ms.len(),
            p.console_median().map_or("—".into(), thousands),
            tries.join(", ")
        );
    }
    for w in &b.warnings {
        let _ = writeln!(out, "\nWarning from the page: {w}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{detail, parse};

    // run.mjs's document and the native line become figures; parts it skipped stay empty.
    #[test]
    fn reads_run_mjs_output() {
        let page = r#"{"items":1000,"warnings":[],
          "calls":{"sync":{"put":{"rate":40000,"bad":0},"get":{"rate":60000,"bad":0}},
                   "inWasm":{"put":{"rate":50000,"bad":0},"get":{"rate":70000,"bad":0}},
                   "sandbox":{"put":{"rate":8000,"bad":0},"get":{"rate":20000,"bad":0}}},
          "page":{"sizes":{"wasm":{"raw":1400000,"gzip":528000},"js":{"raw":40000,"gzip":12000}},"consoleMs":[643,454,728]}}"#;
        let b = parse(r#"{"put":80000,"get":100000}"#, page).expect("parses");
        assert_eq!(b.native.map(|c| c.get), Some(100_000.0));
        assert_eq!(b.sync.map(|c| c.put), Some(40_000.0));
        assert_eq!(b.bulk_items, 1000);
        assert!(b.bulk_sandbox.is_none() && b.reopen.is_none() && b.reopen_compacted.is_none());
        let p = b.page.as_ref().expect("page figures");
        assert_eq!(p.gzip_total(), 540_000);
        assert_eq!(p.console_median(), Some(643.0));
        let text = detail(&b);
        assert!(text.contains("| PutItem 1 KB, sync `MemoryEngine.dispatch` from JS, vs native `wasm-speed` (calls/s) | 40,000 | 80,000 | 0.50 |"), "{text}");
        assert!(text.contains("| 540 (wasm 528, js 12) |"), "{text}");
        assert!(parse("not json", page).is_err());
    }

    // The IndexedDB log's figures: the compaction of the 400-in-flight load, and its reopen from
    // the rows beside the reopen from the log.
    #[test]
    fn reads_the_compaction_and_both_reopens() {
        let page = r#"{"items":1000,"warnings":[],
          "bulk":{"raw":{"rate":5000,"seconds":0.2},"wide":{"rate":9000,"seconds":0.11,"compactSeconds":0.3,
            "longestTaskMs":0,"longTasks":0,"longestLagMs":42.4}},
          "reopen":{"sandbox":{"seconds":0.5,"items":1000},"raw":{"seconds":1,"items":1000},
                    "compacted":{"seconds":2,"items":1000}}}"#;
        let b = parse(r#"{"put":1,"get":1}"#, page).expect("parses");
        assert_eq!(b.wide_compact_seconds, Some(0.3));
        assert_eq!(b.wide_compact_block.map(|k| k.longest_ms()), Some(42.4));
        assert_eq!(b.reopen.map(|r| r.seconds), Some(0.5));
        assert_eq!(b.reopen_compacted.map(|r| r.seconds), Some(2.0));
        let text = detail(&b);
        assert!(text.contains("probe lag) | 0 (0; 42) |"), "{text}");
        assert!(
            text.contains("| then `compactLog()` of that load: its log into the rows (s) | 0.3 |"),
            "{text}"
        );
        assert!(
            text.contains("| reopen 1,000 items (raw: 1,000) (s) | 0.50 | 1.00 | 0.50× |"),
            "{text}"
        );
        assert!(text.contains("| reopen 1,000 items after `compactLog()` (from the rows) (raw: 1,000) (s) | 2.00 | 1.00 | 2.00× |"), "{text}");
    }
}
