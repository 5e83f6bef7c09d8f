//! Native half of `cargo xtask bench-browser`: PutItem and GetItem calls per second through
//! `Engine::dispatch` on 1 KB items, the same loop `web/runtime/bench.js` runs in wasm (same table,
//! same request texts, built beforehand and cycled). Prints one JSON line: `{"put":N,"get":N}`.
//!
//! `cargo run --profile wasm-speed -p dynaplay-engine --example calls`: xtask builds it with the
//! runtime wasm's own profile (opt-level 3, fat LTO, one codegen unit), so the two differ only in
//! the target.

use std::time::{Duration, Instant};

use dynaplay_engine::{Clock, Engine, EngineConfig, NullStorage};
use serde_json::json;

const TABLE: &str = "bench";
const KEYS: usize = 1000;
const WINDOWS: usize = 5;
/// `pk` + "p000" (6), `sk` + "s000" (6), `data` (4) and the padding make 1,024 bytes.
const PADDING: usize = 1024 - 6 - 6 - 4;

struct Fixed;

impl Clock for Fixed {
    fn now_millis(&self) -> i64 {
        1_700_000_000_000
    }
}

fn key(i: usize) -> serde_json::Value {
    json!({"pk": {"S": format!("p{:03}", i / 10)}, "sk": {"S": format!("s{:03}", i % 10)}})
}

/// Calls per second of `operation` over `requests`, cycled, for about `time`.
fn rate(engine: &mut Engine, operation: &str, requests: &[String], time: Duration) -> f64 {
    let started = Instant::now();
    let mut calls = 0usize;
    while started.elapsed() < time {
        for request in requests {
            let answer = engine.dispatch(operation, request);
            assert_eq!(answer.status, 200, "{operation}: {}", answer.body);
        }
        calls += requests.len();
    }
    calls as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let config = EngineConfig {
        throttling: false,
        ..EngineConfig::default()
    };
    let mut engine = Engine::open(config, Box::new(Fixed), Box::new(NullStorage)).expect("opens");
    let create = json!({
        "TableName": TABLE,
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    });
    assert_eq!(
        engine.dispatch("CreateTable", &create.to_string()).status,
        200
    );
    let puts: Vec<String> = (0..KEYS)
        .map(|i| {
            let mut item = key(i);
            item["data"] = json!({"S": "x".repeat(PADDING)});
            json!({"TableName": TABLE, "Item": item}).to_string()
        })
        .collect();
    let gets: Vec<String> = (0..KEYS)
        .map(|i| json!({"TableName": TABLE, "Key": key(i)}).to_string())
        .collect();
    // Warm up (and load the table), then measure each for two seconds: the best of five windows
    // of 0.4 s, the one least disturbed by other processes on a shared machine (as bench.js).
    rate(&mut engine, "PutItem", &puts, Duration::from_millis(300));
    let best = |engine: &mut Engine, operation: &str, requests: &[String]| {
        (0..WINDOWS)
            .map(|_| rate(engine, operation, requests, Duration::from_millis(400)))
            .fold(0.0, f64::max)
    };
    let put = best(&mut engine, "PutItem", &puts);
    let get = best(&mut engine, "GetItem", &gets);
    println!("{{\"put\":{put:.0},\"get\":{get:.0}}}");
}
