//! The table and request texts `calls.rs` and `calls_cpu.rs` share with `web/runtime/bench.js`:
//! 1,000 items of 1 KB keyed `pk` (S) + `sk` (S) in partitions of 10, an engine that does not
//! throttle on a fixed clock, and the PutItem and GetItem request texts built beforehand.

use dynaplay_engine::{Clock, Engine, EngineConfig, NullStorage};
use serde_json::json;

const TABLE: &str = "bench";
const KEYS: usize = 1000;
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

/// An engine holding the empty `bench` table, and the PutItem and GetItem texts for its keys.
pub fn engine_and_requests() -> (Engine, Vec<String>, Vec<String>) {
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
    let puts = (0..KEYS)
        .map(|i| {
            let mut item = key(i);
            item["data"] = json!({"S": "x".repeat(PADDING)});
            json!({"TableName": TABLE, "Item": item}).to_string()
        })
        .collect();
    let gets = (0..KEYS)
        .map(|i| json!({"TableName": TABLE, "Key": key(i)}).to_string())
        .collect();
    (engine, puts, gets)
}
