//! The scaling half of `cargo xtask bench-server`: one table of N items of 1 KB (partitions of 10)
//! loaded in-process through `Engine::dispatch`, then GetItem and Query latency (each call timed
//! alone), a full Scan (paged as a client pages it) and the memory the items took. Prints one
//! markdown table row, so the xtask runs one process per size and each size's memory is measured
//! from a fresh heap.
//!
//! `cargo run --release -p dynaplay-server --example scaling -- 1000000` (the xtask builds it
//! with opt-level 3, as the server it measures)

use std::time::Instant;

use dynaplay_engine::{Clock, Engine, EngineConfig, NullStorage};

const TABLE: &str = "bench";
/// pk + "p000000" (9), sk + "s00" (5), data (4) and the padding make 1,024 bytes.
const PADDING: usize = 1024 - 9 - 5 - 4;
const GETS: usize = 20_000;
const QUERIES: usize = 5_000;

struct Fixed;

impl Clock for Fixed {
    fn now_millis(&self) -> i64 {
        1_700_000_000_000
    }
}

/// A small deterministic generator: the same keys are read on every run, spread over the table.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn key(i: usize) -> String {
    format!(
        r#"{{"pk":{{"S":"p{:06}"}},"sk":{{"S":"s{:02}"}}}}"#,
        i / 10,
        i % 10
    )
}

/// The resident and peak memory of this process in bytes, from /proc/self/status.
fn memory(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}

fn call(engine: &mut Engine, operation: &str, body: &str) -> String {
    let answer = engine.dispatch(operation, body);
    assert_eq!(answer.status, 200, "{operation}: {}", answer.body);
    answer.body
}

/// p50 and p99 of one call of `operation` per request, in microseconds.
fn latencies(engine: &mut Engine, operation: &str, requests: &[String], check: &str) -> (f64, f64) {
    let mut times: Vec<f64> = requests
        .iter()
        .map(|request| {
            let started = Instant::now();
            let answer = engine.dispatch(operation, request);
            let took = started.elapsed().as_secs_f64() * 1e6;
            assert!(
                answer.status == 200 && answer.body.contains(check),
                "{operation}: {}",
                answer.body
            );
            took
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    (at(0.50), at(0.99))
}

fn main() {
    let items: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("usage: scaling ITEMS");
    let config = EngineConfig {
        throttling: false,
        ..EngineConfig::default()
    };
    let mut engine = Engine::open(config, Box::new(Fixed), Box::new(NullStorage)).expect("opens");
    call(
        &mut engine,
        "CreateTable",
        &format!(
            r#"{{"TableName":"{TABLE}","AttributeDefinitions":[{{"AttributeName":"pk","AttributeType":"S"}},{{"AttributeName":"sk","AttributeType":"S"}}],"KeySchema":[{{"AttributeName":"pk","KeyType":"HASH"}},{{"AttributeName":"sk","KeyType":"RANGE"}}],"BillingMode":"PAY_PER_REQUEST"}}"#
        ),
    );

    let padding = "x".repeat(PADDING);
    let before = memory("VmRSS:");
    let started = Instant::now();
    for i in 0..items {
        let key = key(i);
        // The key's closing brace is replaced by the data attribute: one 1 KB item.
        let item = format!(r#"{},"data":{{"S":"{padding}"}}}}"#, &key[..key.len() - 1]);
        call(
            &mut engine,
            "PutItem",
            &format!(r#"{{"TableName":"{TABLE}","Item":{item}}}"#),
        );
    }
    let load_secs = started.elapsed().as_secs_f64();
    let per_item = memory("VmRSS:").saturating_sub(before) as f64 / items as f64;

    let mut random = Lcg(42);
    let gets: Vec<String> = (0..GETS)
        .map(|_| {
            format!(
                r#"{{"TableName":"{TABLE}","Key":{}}}"#,
                key(random.below(items))
            )
        })
        .collect();
    let queries: Vec<String> = (0..QUERIES)
        .map(|_| {
            format!(
                r#"{{"TableName":"{TABLE}","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{{":p":{{"S":"p{:06}"}}}}}}"#,
                random.below(items.div_ceil(10))
            )
        })
        .collect();
    let (get_p50, get_p99) = latencies(&mut engine, "GetItem", &gets, "\"Item\"");
    let (query_p50, query_p99) = latencies(&mut engine, "Query", &queries, "\"Count\":10");

    // A full Scan as a client runs it: 1 MB pages, each resumed from LastEvaluatedKey.
    let started = Instant::now();
    let mut scanned = 0usize;
    let mut start_key: Option<serde_json::Value> = None;
    loop {
        let mut request = serde_json::json!({"TableName": TABLE, "Select": "COUNT"});
        if let Some(key) = start_key.take() {
            request["ExclusiveStartKey"] = key;
        }
        let page: serde_json::Value =
            serde_json::from_str(&call(&mut engine, "Scan", &request.to_string()))
                .expect("Scan answers JSON");
        scanned += page["ScannedCount"].as_u64().unwrap_or(0) as usize;
        match page.get("LastEvaluatedKey") {
            Some(key) => start_key = Some(key.clone()),
            None => break,
        }
    }
    let scan_secs = started.elapsed().as_secs_f64();
    assert_eq!(scanned, items, "the Scan saw every item once");

    println!(
        "| {items} | {load:.0} | {get_p50:.1} / {get_p99:.1} | {query_p50:.1} / {query_p99:.1} | {scan_secs:.3} s ({scan_per:.2} µs/item) | {per_item:.0} B | {peak:.0} MB |",
        load = items as f64 / load_secs,
        scan_per = scan_secs * 1e6 / items as f64,
        peak = memory("VmHWM:") as f64 / 1e6,
    );
}
