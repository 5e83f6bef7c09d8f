//! Native half of `tests/bench/calls-cpu.mjs`: the PutItem/GetItem loop of `calls.rs` (same table
//! and request texts), timed by this thread's CPU time instead of the wall clock, so that on a
//! shared, loaded machine it can be compared with the same loop in wasm measured minutes apart.
//! Runs `ROUNDS` (default 20) rounds of 1,000 PutItem then 1,000 GetItem and prints one JSON
//! line: each operation's CPU nanoseconds per call, median and fastest round.
//!
//! `cargo run --profile wasm-speed -p dynaplay-engine --example calls_cpu` (Linux only: it reads
//! `CLOCK_THREAD_CPUTIME_ID`).

use dynaplay_engine::Engine;
use serde_json::json;

#[path = "support/calls_fixture.rs"]
mod calls_fixture;

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
    let (mut engine, puts, gets) = calls_fixture::engine_and_requests();
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
