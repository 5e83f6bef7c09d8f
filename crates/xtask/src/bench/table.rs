//! The combined table of `cargo xtask bench`: one row per target of issues 5 and 8, its figure from
//! this run, and met / NOT met judged here from the figures alone, so no verdict is written by hand.

use std::fmt::Write as _;

use super::figures::{
    BrowserFigures, EngineFigures, Figures, Load, Outcome, ServerFigures, System, SCENARIOS,
};

/// GetItem at c16: at least this share of the nginx ceiling's requests/s (issue 8).
const CEILING_SHARE: f64 = 0.8;
/// GetItem at c16: p99 at most this multiple of the ceiling's p99 (issue 8).
const P99_RATIO: f64 = 1.5;
/// "Flat": the largest size's p50 at most this multiple of the smallest's. A B-tree lookup grows
/// with log n, about 1.5x from 10 thousand to 1 million items; 2x leaves room for the noise of a
/// shared machine while still failing anything that grows with n.
const FLAT: f64 = 2.0;
/// "Linear": the Scan's time per item at the largest size at most this multiple of the smallest's.
/// Only growth is judged: a small table's Scan carries fixed costs (paging, the first allocations)
/// spread over few items, so its per-item time may well be the higher one.
const LINEAR: f64 = 2.0;
/// `Engine::dispatch` of GetItem within 3x of only parsing and writing its JSON (issue 1).
const ENGINE_RATIO: f64 = 3.0;
/// Engine calls in wasm at least half the native rate (issue 5).
const WASM_SHARE: f64 = 0.5;
/// The synchronous JavaScript entry's calls are reported against native, not judged (see
/// `browser_rows`).
const CALLS_SYNC_GOAL: &str = "reported (adds the browser's text transcoding)";
/// Bulk load with persistence at least 70% of a raw IndexedDB put (issue 5).
const BULK_SHARE: f64 = 0.7;
/// Reopening within 2x of a raw read (issue 5).
const REOPEN_RATIO: f64 = 2.0;
/// `compactLog()` keeps the page responsive: no main-thread block over RAIL's 100 ms response
/// budget (issue 5).
const COMPACT_BLOCK_MS: f64 = 100.0;
/// Page load: under 1 MB compressed (decimal megabyte, the stricter reading) and the console
/// usable within 1 second (issue 5).
const DOWNLOAD_BYTES: u64 = 1_000_000;
const CONSOLE_MS: f64 = 1000.0;

#[derive(Debug, PartialEq)]
pub enum Verdict {
    Met,
    NotMet,
    /// A figure the issue asks to report, with no threshold.
    Reported,
    /// The part was not selected, failed, or gave no figure for this row; the reason.
    NotRun(String),
}

impl Verdict {
    fn judged(ok: bool) -> Verdict {
        if ok {
            Verdict::Met
        } else {
            Verdict::NotMet
        }
    }

    fn text(&self) -> String {
        match self {
            Verdict::Met => "**met**".into(),
            Verdict::NotMet => "**NOT met**".into(),
            Verdict::Reported => "reported".into(),
            Verdict::NotRun(why) => format!("not measured: {why}"),
        }
    }
}

#[derive(Debug)]
pub struct Row {
    pub part: &'static str,
    pub measure: String,
    pub value: String,
    pub goal: String,
    pub verdict: Verdict,
}

/// Every target's row, in a fixed order (server, scaling, engine, browser).
pub fn rows(figures: &Figures) -> Vec<Row> {
    let mut rows = Vec::new();
    server_rows(&figures.server, &mut rows);
    engine_rows(&figures.engine, &mut rows);
    browser_rows(&figures.browser, &mut rows);
    rows
}

/// The rows as a markdown table.
pub fn render(rows: &[Row]) -> String {
    let mut out = String::from(
        "| part | target | this run | goal | verdict |\n| --- | --- | --- | --- | --- |\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.part,
            r.measure,
            r.value,
            r.goal,
            r.verdict.text()
        );
    }
    out
}

/// Why a part has no figures, for its rows.
fn missing<T>(outcome: &Outcome<T>) -> String {
    match outcome {
        Outcome::NotRun => "part not selected (`--only`)".into(),
        Outcome::Failed(_) => "the part failed (see below)".into(),
        Outcome::Measured(_) => "no figure in this run".into(),
    }
}

fn row(part: &'static str, measure: &str, goal: &str, value: String, verdict: Verdict) -> Row {
    Row {
        part,
        measure: measure.into(),
        value,
        goal: goal.into(),
        verdict,
    }
}

fn server_rows(outcome: &Outcome<ServerFigures>, rows: &mut Vec<Row>) {
    let none = |measure: &str, goal: &str, rows: &mut Vec<Row>, why: String| {
        rows.push(row(
            "server",
            measure,
            goal,
            "—".into(),
            Verdict::NotRun(why),
        ))
    };
    let share_measure = "GetItem at c16, requests/s as a share of the nginx ceiling";
    let share_goal = "≥ 80%";
    let p99_measure = "GetItem at c16, p99 ÷ the ceiling's p99";
    let p99_goal = "≤ 1.5×";
    let Some(s) = outcome.figures() else {
        let why = missing(outcome);
        none(share_measure, share_goal, rows, why.clone());
        none(p99_measure, p99_goal, rows, why.clone());
        for (_, label) in SCENARIOS {
            none(
                &format!("{label}: Dynaplay ÷ dynalite and ÷ moto, req/s (c1; c16)"),
                "reported",
                rows,
                why.clone(),
            );
        }
        scaling_rows(None, &why, rows);
        return;
    };
    match (
        s.load(System::Dynaplay, "get", 16),
        s.load(System::Nginx, "get", 16),
    ) {
        (Some(d), Some(n)) if n.rate() > 0.0 && n.p99_us > 0 => {
            let share = d.rate() / n.rate();
            let p99 = d.p99_us as f64 / n.p99_us as f64;
            let errors = errors_note(&d);
            rows.push(row(
                "server",
                share_measure,
                share_goal,
                format!(
                    "{:.0}% ({} of {} req/s){errors}",
                    share * 100.0,
                    thousands(d.rate()),
                    thousands(n.rate())
                ),
                Verdict::judged(share >= CEILING_SHARE && d.errors == 0),
            ));
            rows.push(row(
                "server",
                p99_measure,
                p99_goal,
                format!(
                    "{p99:.1}× ({:.2} ms vs {:.2} ms){errors}",
                    d.p99_us as f64 / 1000.0,
                    n.p99_us as f64 / 1000.0
                ),
                Verdict::judged(p99 <= P99_RATIO && d.errors == 0),
            ));
        }
        _ => {
            let why = "Dynaplay or the ceiling has no GetItem c16 figure".to_string();
            none(share_measure, share_goal, rows, why.clone());
            none(p99_measure, p99_goal, rows, why);
        }
    }
    for (script, label) in SCENARIOS {
        let ratio = |peer: System, c: u32| match (
            s.load(System::Dynaplay, script, c),
            s.load(peer, script, c),
        ) {
            (Some(d), Some(p)) if p.rate() > 0.0 => format!("{:.1}×", d.rate() / p.rate()),
            _ => "—".into(),
        };
        let measured = [System::Dynalite, System::Moto]
            .iter()
            .any(|&p| s.load(p, script, 16).is_some());
        let errors: u64 = s
            .measured
            .iter()
            .flat_map(|m| m.loads.iter())
            .filter(|(sc, _, _)| sc == script)
            .map(|(_, _, l)| l.errors)
            .sum();
        let value = format!(
            "dynalite {}; {} · moto {}; {}{}",
            ratio(System::Dynalite, 1),
            ratio(System::Dynalite, 16),
            ratio(System::Moto, 1),
            ratio(System::Moto, 16),
            if errors > 0 {
                format!(" ({errors} failed requests in the row)")
            } else {
                String::new()
            }
        );
        rows.push(row(
            "server",
            &format!("{label}: Dynaplay ÷ dynalite and ÷ moto, req/s (c1; c16)"),
            "reported",
            value,
            if measured {
                Verdict::Reported
            } else {
                Verdict::NotRun("no peer figures".into())
            },
        ));
    }
    scaling_rows(Some(s), "", rows);
}

fn errors_note(load: &Load) -> String {
    if load.errors > 0 {
        format!(", **{} failed requests**", load.errors)
    } else {
        String::new()
    }
}

fn scaling_rows(server: Option<&ServerFigures>, why: &str, rows: &mut Vec<Row>) {
    let flat = "GetItem and Query p50 flat from the smallest to the largest table (in-process)";
    let flat_goal = "largest ÷ smallest ≤ 2×";
    let linear = "full Scan time per item, largest ÷ smallest table";
    let linear_goal = "≤ 2× (no worse than linear)";
    let memory = "memory per 1 KB item (resident growth ÷ items), largest table";
    let scaling = server.map(|s| s.scaling.as_slice()).unwrap_or_default();
    let (Some(first), Some(last)) = (scaling.first(), scaling.last()) else {
        let why = if server.is_some() {
            "no scaling figures".to_string()
        } else {
            why.to_string()
        };
        for (m, g) in [
            (flat, flat_goal),
            (linear, linear_goal),
            (memory, "reported"),
        ] {
            rows.push(row(
                "scaling",
                m,
                g,
                "—".into(),
                Verdict::NotRun(why.clone()),
            ));
        }
        return;
    };
    let sizes = format!(
        "{} → {} items",
        thousands(first.items as f64),
        thousands(last.items as f64)
    );
    if scaling.len() < 2 {
        let why = "needs at least two sizes (BENCH_SCALING)".to_string();
        rows.push(row(
            "scaling",
            flat,
            flat_goal,
            "—".into(),
            Verdict::NotRun(why.clone()),
        ));
        rows.push(row(
            "scaling",
            linear,
            linear_goal,
            "—".into(),
            Verdict::NotRun(why),
        ));
    } else {
        let get = last.get_p50 / first.get_p50.max(f64::MIN_POSITIVE);
        let query = last.query_p50 / first.query_p50.max(f64::MIN_POSITIVE);
        rows.push(row(
            "scaling",
            flat,
            flat_goal,
            format!(
                "GetItem {get:.2}× ({:.1} → {:.1} µs), Query {query:.2}× ({:.1} → {:.1} µs); {sizes}",
                first.get_p50, last.get_p50, first.query_p50, last.query_p50
            ),
            Verdict::judged(get <= FLAT && query <= FLAT),
        ));
        let scan = last.scan_us_per_item / first.scan_us_per_item.max(f64::MIN_POSITIVE);
        rows.push(row(
            "scaling",
            linear,
            linear_goal,
            format!(
                "{scan:.2}× ({:.2} → {:.2} µs/item; {:.3} s → {:.3} s); {sizes}",
                first.scan_us_per_item,
                last.scan_us_per_item,
                first.scan_seconds,
                last.scan_seconds
            ),
            Verdict::judged(scan <= LINEAR),
        ));
    }
    rows.push(row(
        "scaling",
        memory,
        "reported",
        format!(
            "{} B at {} items (peak RSS {:.0} MB)",
            thousands(last.bytes_per_item),
            thousands(last.items as f64),
            last.peak_mb
        ),
        Verdict::Reported,
    ));
}

fn engine_rows(outcome: &Outcome<EngineFigures>, rows: &mut Vec<Row>) {
    let measure = "GetItem `Engine::dispatch` ÷ its JSON parse-and-write floor (criterion medians)";
    let goal = "≤ 3×";
    match outcome.figures().and_then(|e| e.op("get_item")) {
        Some(op) => {
            let ratio = op.dispatch_ns / op.floor_ns.max(f64::MIN_POSITIVE);
            rows.push(row(
                "engine",
                measure,
                goal,
                format!(
                    "{ratio:.1}× ({:.2} µs vs {:.2} µs)",
                    op.dispatch_ns / 1000.0,
                    op.floor_ns / 1000.0
                ),
                Verdict::judged(ratio <= ENGINE_RATIO),
            ));
        }
        None => rows.push(row(
            "engine",
            measure,
            goal,
            "—".into(),
            Verdict::NotRun(missing(outcome)),
        )),
    }
}

fn browser_rows(outcome: &Outcome<BrowserFigures>, rows: &mut Vec<Row>) {
    // The words: "engine calls in wasm vs the same calls native" — the loop inside wasm,
    // bodies already in its memory as the native loop's are, is judged. The synchronous
    // JavaScript entry adds the browser's text transcoding both ways, which native never pays;
    // it is reported beside it, not judged. Until session 5 it was judged against the same line,
    // but that line is out of any engine's reach: the crossing of one 1 KB GetItem alone
    // (`TextDecoder` of the answer, the request's encoding, the call glue) measured 1.2 µs in
    // Chromium's profiler, more than the 1.8 µs a whole call may take at half the native rate
    // of 0.9 µs (BENCHMARKS.md, session 5).
    let calls = "engine calls in wasm (loop inside wasm, `MemoryEngine.loopRate`) ÷ the same calls native, PutItem; GetItem";
    let calls_sync = "engine calls from JavaScript (sync `MemoryEngine.dispatch`: text in, text out) ÷ native, PutItem; GetItem";
    let bulk = "bulk load with persistence ÷ raw IndexedDB put (same durability hint)";
    let reopen = "reopening the bulk-loaded items ÷ a raw `getAll` of them";
    let reopen_rows =
        "reopening them after `compactLog()` (from the rows) ÷ a raw `getAll` of them";
    let block = "longest main-thread block during `compactLog()` of the bulk load";
    let download = "playground download, gzip -9";
    let console = "navigation start → console usable, cold cache, median";
    let Some(b) = outcome.figures() else {
        let why = missing(outcome);
        for (m, g) in [
            (calls, "≥ 0.5 each"),
            (calls_sync, CALLS_SYNC_GOAL),
            (bulk, "≥ 0.7"),
            (reopen, "≤ 2×"),
            (reopen_rows, "≤ 2×"),
            (block, "≤ 100 ms"),
            (download, "< 1 MB"),
            (console, "< 1 s"),
        ] {
            rows.push(row(
                "browser",
                m,
                g,
                "—".into(),
                Verdict::NotRun(why.clone()),
            ));
        }
        return;
    };
    let not = |why: &str| Verdict::NotRun(why.into());
    for (measure, way, goal, judged) in [
        (calls, b.in_wasm, "≥ 0.5 each", true),
        (calls_sync, b.sync, CALLS_SYNC_GOAL, false),
    ] {
        rows.push(match (way, b.native) {
            (Some(w), Some(n)) if n.put > 0.0 && n.get > 0.0 => {
                let (put, get) = (w.put / n.put, w.get / n.get);
                row(
                    "browser",
                    measure,
                    goal,
                    format!(
                        "{put:.2}; {get:.2} ({} vs {}; {} vs {} calls/s)",
                        thousands(w.put),
                        thousands(n.put),
                        thousands(w.get),
                        thousands(n.get)
                    ),
                    if judged {
                        Verdict::judged(put >= WASM_SHARE && get >= WASM_SHARE)
                    } else {
                        Verdict::Reported
                    },
                )
            }
            _ => row(
                "browser",
                measure,
                goal,
                "—".into(),
                not("calls not measured"),
            ),
        });
    }
    rows.push(match (b.bulk_sandbox, b.bulk_raw) {
        (Some(s), Some(r)) if r.rate > 0.0 => {
            let share = s.rate / r.rate;
            row(
                "browser",
                bulk,
                "≥ 0.7",
                format!(
                    "{share:.2} ({} vs {} items/s; {} items)",
                    thousands(s.rate),
                    thousands(r.rate),
                    thousands(b.bulk_items as f64)
                ),
                Verdict::judged(share >= BULK_SHARE),
            )
        }
        _ => row(
            "browser",
            bulk,
            "≥ 0.7",
            "—".into(),
            not("bulk load not measured"),
        ),
    });
    // From the log as the load left it, then from the rows after its `compactLog()`.
    for (measure, way) in [(reopen, b.reopen), (reopen_rows, b.reopen_compacted)] {
        rows.push(match way {
            Some(r) if r.raw_seconds > 0.0 => {
                let ratio = r.seconds / r.raw_seconds;
                // A reopen that brings back the wrong number of items is no reopen at all.
                let complete = r.items == b.bulk_items && r.raw_items == b.bulk_items;
                let note = if complete {
                    String::new()
                } else {
                    format!(
                        "; **reopened {} and {} raw items, not {}**",
                        r.items, r.raw_items, b.bulk_items
                    )
                };
                row(
                    "browser",
                    measure,
                    "≤ 2×",
                    format!(
                        "{ratio:.2}× ({:.2} s vs {:.2} s){note}",
                        r.seconds, r.raw_seconds
                    ),
                    Verdict::judged(ratio <= REOPEN_RATIO && complete),
                )
            }
            _ => row(
                "browser",
                measure,
                "≤ 2×",
                "—".into(),
                not("reopen not measured"),
            ),
        });
    }
    rows.push(match b.wide_compact_block {
        Some(k) => {
            let longest = k.longest_ms();
            let took = b
                .wide_compact_seconds
                .map(|s| format!("; compaction took {s:.1} s"))
                .unwrap_or_default();
            row(
                "browser",
                block,
                "≤ 100 ms",
                format!(
                    "{longest:.0} ms (longtask {:.0} ms, probe lag {:.0} ms{took})",
                    k.longest_task_ms, k.longest_lag_ms
                ),
                Verdict::judged(longest <= COMPACT_BLOCK_MS),
            )
        }
        None => row(
            "browser",
            block,
            "≤ 100 ms",
            "—".into(),
            not("compaction not measured"),
        ),
    });
    match &b.page {
        Some(p) => {
            let total = p.gzip_total();
            rows.push(row(
                "browser",
                download,
                "< 1 MB",
                format!("{} KB", thousands(total as f64 / 1000.0)),
                Verdict::judged(total < DOWNLOAD_BYTES),
            ));
            rows.push(match p.console_median() {
                Some(ms) => row(
                    "browser",
                    console,
                    "< 1 s",
                    format!("{} ms", thousands(ms)),
                    Verdict::judged(ms < CONSOLE_MS),
                ),
                None => row(
                    "browser",
                    console,
                    "< 1 s",
                    "—".into(),
                    not("no page load timed"),
                ),
            });
        }
        None => {
            rows.push(row(
                "browser",
                download,
                "< 1 MB",
                "—".into(),
                not("page not measured"),
            ));
            rows.push(row(
                "browser",
                console,
                "< 1 s",
                "—".into(),
                not("page not measured"),
            ));
        }
    }
}

/// A whole number with thousands separators (`73,412`).
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value);
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest.to_string()),
        None => ("", digits),
    };
    let mut out = String::from(sign);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::figures::{
        Block, Bulk, Calls, EngineOp, Measured, PageLoad, Reopen, Scaling,
    };
    use super::*;

    fn load(requests: u64, p99_us: u64) -> Load {
        Load {
            requests,
            duration_us: 1_000_000,
            p50_us: 100,
            p99_us,
            errors: 0,
        }
    }

    fn scaling(items: u64, get_p50: f64, scan_us_per_item: f64) -> Scaling {
        Scaling {
            items,
            load_per_second: 30_000.0,
            get_p50,
            get_p99: 10.0,
            query_p50: 30.0,
            query_p99: 100.0,
            scan_seconds: scan_us_per_item * items as f64 / 1e6,
            scan_us_per_item,
            bytes_per_item: 2150.0,
            peak_mb: 31.0,
        }
    }

    fn server() -> ServerFigures {
        let all = |get16: Load| {
            let mut loads = Vec::new();
            for (script, _) in SCENARIOS {
                loads.push((*script, 1, load(1000, 500)));
                loads.push((
                    *script,
                    16,
                    if *script == "get" {
                        get16
                    } else {
                        load(4000, 900)
                    },
                ));
            }
            loads
        };
        let system = |system, get16| Measured {
            system,
            loads: all(get16),
            peak_after_reads: 1,
            peak_at_end: 2,
        };
        ServerFigures {
            measured: vec![
                Measured {
                    system: System::Nginx,
                    loads: vec![
                        ("get", 1, load(30_000, 100)),
                        ("get", 16, load(50_000, 1000)),
                    ],
                    peak_after_reads: 1,
                    peak_at_end: 1,
                },
                // 41,000 of 50,000 (82%, met); p99 1.6 ms against 1 ms (1.6x, NOT met).
                system(System::Dynaplay, load(41_000, 1600)),
                system(System::Dynalite, load(10_000, 5000)),
                system(System::Moto, load(100, 90_000)),
            ],
            scaling: vec![scaling(10_000, 5.0, 8.0), scaling(1_000_000, 6.5, 7.0)],
            failures: Vec::new(),
        }
    }

    fn browser() -> BrowserFigures {
        BrowserFigures {
            native_profile: "wasm-speed".into(),
            native: Some(Calls {
                put: 100_000.0,
                get: 100_000.0,
            }),
            // Inside wasm both pass; from JavaScript PutItem is under the line, which is
            // reported, not judged.
            in_wasm: Some(Calls {
                put: 50_000.0,
                get: 60_000.0,
            }),
            sync: Some(Calls {
                put: 40_000.0,
                get: 60_000.0,
            }),
            bulk_items: 1000,
            bulk_sandbox: Some(Bulk {
                rate: 3500.0,
                seconds: 1.0,
            }),
            bulk_raw: Some(Bulk {
                rate: 5000.0,
                seconds: 1.0,
            }),
            reopen: Some(Reopen {
                items: 1000,
                raw_items: 1000,
                seconds: 1.5,
                raw_seconds: 1.0,
            }),
            // From the rows: over the line.
            reopen_compacted: Some(Reopen {
                items: 1000,
                raw_items: 1000,
                seconds: 2.3,
                raw_seconds: 1.0,
            }),
            wide_compact_seconds: Some(4.0),
            wide_compact_block: Some(Block {
                longest_task_ms: 62.0,
                long_tasks: 3,
                longest_lag_ms: 71.0,
            }),
            page: Some(PageLoad {
                gzip_by_kind: vec![("wasm".into(), 800_000), ("js".into(), 12_000)],
                console_ms: vec![2500.0, 640.0, 930.0],
            }),
            ..BrowserFigures::default()
        }
    }

    fn verdict<'a>(rows: &'a [Row], measure_starts: &str) -> &'a Verdict {
        &rows
            .iter()
            .find(|r| r.measure.starts_with(measure_starts))
            .unwrap_or_else(|| panic!("no row {measure_starts}"))
            .verdict
    }

    // Every threshold is judged from the numbers, on both sides of its line.
    #[test]
    fn judges_each_target_from_the_figures() {
        let figures = Figures {
            server: Outcome::Measured(server()),
            browser: Outcome::Measured(browser()),
            engine: Outcome::Measured(EngineFigures {
                ops: vec![EngineOp {
                    name: "get_item",
                    floor_ns: 1330.0,
                    dispatch_ns: 3150.0,
                }],
            }),
        };
        let rows = rows(&figures);
        assert_eq!(verdict(&rows, "GetItem at c16, requests/s"), &Verdict::Met);
        assert_eq!(verdict(&rows, "GetItem at c16, p99"), &Verdict::NotMet);
        assert_eq!(
            verdict(&rows, "GetItem 1 KB: Dynaplay ÷"),
            &Verdict::Reported
        );
        assert_eq!(verdict(&rows, "GetItem and Query p50 flat"), &Verdict::Met);
        assert_eq!(verdict(&rows, "full Scan"), &Verdict::Met);
        assert_eq!(verdict(&rows, "memory per 1 KB item"), &Verdict::Reported);
        assert_eq!(verdict(&rows, "GetItem `Engine::dispatch`"), &Verdict::Met);
        assert_eq!(verdict(&rows, "engine calls in wasm"), &Verdict::Met);
        assert_eq!(
            verdict(&rows, "engine calls from JavaScript"),
            &Verdict::Reported
        );
        assert_eq!(verdict(&rows, "bulk load"), &Verdict::Met);
        assert_eq!(verdict(&rows, "reopening the bulk"), &Verdict::Met);
        assert_eq!(verdict(&rows, "reopening them after"), &Verdict::NotMet);
        // The larger of the two measures (71 ms) is judged.
        assert_eq!(verdict(&rows, "longest main-thread block"), &Verdict::Met);
        assert_eq!(verdict(&rows, "playground download"), &Verdict::Met);
        // The median of 2500, 640 and 930 ms is 930: met, though one try was slow.
        assert_eq!(verdict(&rows, "navigation start"), &Verdict::Met);

        let text = render(&rows);
        assert!(text.contains("| server | GetItem at c16, requests/s as a share of the nginx ceiling | 82% (41,000 of 50,000 req/s) | ≥ 80% | **met** |"), "{text}");
        assert!(
            text.contains("| 1.6× (1.60 ms vs 1.00 ms) | ≤ 1.5× | **NOT met** |"),
            "{text}"
        );
        assert!(
            text.contains("dynalite 1.0×; 4.1× · moto 1.0×; 410.0×"),
            "{text}"
        );
        assert!(text.contains("| 0.40; 0.60 (40,000 vs 100,000; 60,000 vs 100,000 calls/s) | reported (adds the browser's text transcoding) | reported |"), "{text}");
        assert!(text.contains("| 812 KB | < 1 MB | **met** |"), "{text}");
    }

    // The calls in wasm need both operations at half the native rate or better.
    #[test]
    fn calls_in_wasm_need_both_operations_at_half_the_native_rate() {
        let mut b = browser();
        if let Some(w) = &mut b.in_wasm {
            w.get = 49_000.0;
        }
        let figures = Figures {
            server: Outcome::NotRun,
            browser: Outcome::Measured(b),
            engine: Outcome::NotRun,
        };
        let rows = rows(&figures);
        assert_eq!(verdict(&rows, "engine calls in wasm"), &Verdict::NotMet);
    }

    // Growth past a threshold fails the row; failed requests or missing items never pass one.
    #[test]
    fn growth_errors_and_missing_items_fail() {
        let mut s = server();
        s.scaling[1].get_p50 = 11.0; // 2.2x the smallest table's
        s.scaling[1].scan_us_per_item = 17.0; // 2.1x per item: not linear
        if let Some(m) = s.measured.iter_mut().find(|m| m.system == System::Dynaplay) {
            for (_, _, l) in &mut m.loads {
                l.errors = 3;
            }
        }
        let mut b = browser();
        b.reopen = b.reopen.map(|r| Reopen { items: 999, ..r });
        b.page = Some(PageLoad {
            gzip_by_kind: vec![("wasm".into(), 1_000_000)],
            console_ms: vec![1000.0],
        });
        let figures = Figures {
            server: Outcome::Measured(s),
            browser: Outcome::Measured(b),
            engine: Outcome::Measured(EngineFigures {
                ops: vec![EngineOp {
                    name: "get_item",
                    floor_ns: 1000.0,
                    dispatch_ns: 3100.0,
                }],
            }),
        };
        let rows = rows(&figures);
        assert_eq!(
            verdict(&rows, "GetItem at c16, requests/s"),
            &Verdict::NotMet
        );
        assert_eq!(
            verdict(&rows, "GetItem and Query p50 flat"),
            &Verdict::NotMet
        );
        assert_eq!(verdict(&rows, "full Scan"), &Verdict::NotMet);
        assert_eq!(
            verdict(&rows, "GetItem `Engine::dispatch`"),
            &Verdict::NotMet
        );
        assert_eq!(verdict(&rows, "reopening"), &Verdict::NotMet);
        assert_eq!(verdict(&rows, "playground download"), &Verdict::NotMet);
        assert_eq!(verdict(&rows, "navigation start"), &Verdict::NotMet);
        assert!(render(&rows).contains("reopened 999 and 1000 raw items, not 1000"));
    }

    // A part left out by --only or one that failed still has its rows, saying why they are empty.
    #[test]
    fn parts_not_run_keep_their_rows() {
        let figures = Figures {
            server: Outcome::NotRun,
            browser: Outcome::Failed("chromium crashed".into()),
            engine: Outcome::NotRun,
        };
        let rows = rows(&figures);
        // 2 ceiling rows, 4 peer ratio rows, 3 scaling, 1 engine, 8 browser.
        assert_eq!(rows.len(), 18);
        assert!(rows.iter().all(|r| matches!(r.verdict, Verdict::NotRun(_))));
        let text = render(&rows);
        assert!(text.contains("not measured: part not selected (`--only`)"));
        assert!(text.contains("| browser | playground download, gzip -9 | — | < 1 MB | not measured: the part failed (see below) |"));
    }

    #[test]
    fn groups_digits() {
        assert_eq!(thousands(73_412.4), "73,412");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_000_000.0), "1,000,000");
    }
}
