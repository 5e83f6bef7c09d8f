//! Native half of `tests/bench/calls-cpu.mjs`: the PutItem/GetItem loop of `calls.rs` (same table
//! and request texts), timed by this thread's CPU time instead of the wall clock, so that on a
//! shared, loaded machine it can be compared with the same loop in wasm measured minutes apart.
//! Runs `ROUNDS` (default 20) rounds of 1,000 PutItem then 1,000 GetItem and prints one JSON
//! line: each operation's CPU nanoseconds per call, median and fastest round.
//!
//! `cargo run --profile wasm-speed -p dynaplay-engine --example calls_cpu` (Linux only: it reads
//! `CLOCK_THREAD_CPUTIME_ID`).

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

#[repr(C)]
struct Timespec {
    seconds: i64,
    nanoseconds: i64,
}

extern "C" {
    fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
}

/// Linux's `CLOCK_THREAD_CPUTIME_ID`.
const THREAD_CPU_CLOCK: i32 = 3;

/// CPU time this thread has used, in nanoseconds.
fn thread_cpu_nanos() -> i64 {
    let mut time = Timespec {
        seconds: 0,
        nanoseconds: 0,
    };
    // SAFETY: `time` is a valid, writable timespec for the call's duration.
    let status = unsafe { clock_gettime(THREAD_CPU_CLOCK, &mut time) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    time.seconds * 1_000_000_000 + time.nanoseconds
}

fn key(i: usize) -> serde_json::Value {
    json!({"pk": {"S": format!("p{:03}", i / 10)}, "sk": {"S": format!("s{:03}", i % 10)}})
}

/// CPU nanoseconds per call of one pass of `operation` over `requests`.
fn round(engine: &mut Engine, operation: &str, requests: &[String]) -> f64 {
    let started = thread_cpu_nanos();
    for request in requests {
        let answer = engine.dispatch(operation, request);
        assert_eq!(answer.status, 200, "{operation}: {}", answer.body);
    }
    (thread_cpu_nanos() - started) as f64 / requests.len() as f64
}

/// `{"median":N,"fastest":N}` of a set of rounds.
fn summary(mut rounds: Vec<f64>) -> serde_json::Value {
    rounds.sort_by(f64::total_cmp);
    json!({"median": rounds[rounds.len() / 2].round(), "fastest": rounds[0].round()})
}

fn main() {
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20)
        .max(1);
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
    // Warm up and load the table, as the page does.
    for _ in 0..3 {
        round(&mut engine, "PutItem", &puts);
        round(&mut engine, "GetItem", &gets);
    }
    let (mut put, mut get) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        put.push(round(&mut engine, "PutItem", &puts));
        get.push(round(&mut engine, "GetItem", &gets));
    }
    println!("{}", json!({"put": summary(put), "get": summary(get)}));
}
