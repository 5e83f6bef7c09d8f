//! The table and request texts `calls.rs`, `calls_cpu.rs` and `benches/entry_point.rs` share with
//! `web/runtime/bench.js`: 1,000 items of 1 KB keyed `pk` (S) + `sk` (S) in 100 partitions of 10,
//! an engine that does not throttle on a fixed clock, and the PutItem and GetItem request texts.
//! One file, included by `#[path]`, so the native, wasm and criterion numbers in BENCHMARKS.md
//! measure the same requests.

// Each includer uses part of it (the examples the prepared texts, the bench the single requests).
#![allow(dead_code)]

use dynaplay_engine::{Clock, Engine, EngineConfig, NullStorage};
use serde_json::{json, Value};

pub const TABLE: &str = "bench";
/// 100 partitions of 10 items: 1,000 items, and a Query on one partition returns exactly 10.
pub const PARTITIONS: usize = 100;
pub const PER_PARTITION: usize = 10;
const KEYS: usize = PARTITIONS * PER_PARTITION;
/// DynamoDB's item size is the sum of attribute name and value lengths: `pk` + "p000" (6),
/// `sk` + "s000" (6), `data` (4) and the padding make 1,024 bytes.
const PADDING: usize = 1024 - 6 - 6 - 4;

struct Fixed;

impl Clock for Fixed {
    fn now_millis(&self) -> i64 {
        1_700_000_000_000
    }
}

pub fn key(p: usize, s: usize) -> Value {
    json!({"pk": {"S": format!("p{p:03}")}, "sk": {"S": format!("s{s:03}")}})
}

pub fn item(p: usize, s: usize) -> Value {
    let mut item = key(p, s);
    item["data"] = json!({"S": "x".repeat(PADDING)});
    item
}

pub fn put_request(p: usize, s: usize) -> String {
    json!({"TableName": TABLE, "Item": item(p, s)}).to_string()
}

pub fn get_request(p: usize, s: usize) -> String {
    json!({"TableName": TABLE, "Key": key(p, s)}).to_string()
}

/// An engine holding the empty `bench` table. The clock stands still in the timed loops, so with
/// throttling on every request after the first second's worth would be throttled; off, each
/// request is still metered and counted. Tables are ACTIVE at once (the default lifecycle).
pub fn engine() -> Engine {
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
    let answer = engine.dispatch("CreateTable", &create.to_string());
    assert_eq!(answer.status, 200, "CreateTable: {}", answer.body);
    engine
}

/// The empty table's engine, and the PutItem and GetItem texts for all its keys in key order.
pub fn engine_and_requests() -> (Engine, Vec<String>, Vec<String>) {
    let puts = (0..KEYS)
        .map(|i| put_request(i / PER_PARTITION, i % PER_PARTITION))
        .collect();
    let gets = (0..KEYS)
        .map(|i| get_request(i / PER_PARTITION, i % PER_PARTITION))
        .collect();
    (engine(), puts, gets)
}
