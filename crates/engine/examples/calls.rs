//! Native half of `cargo xtask bench-browser`: PutItem and GetItem calls per second through
//! `Engine::dispatch` on 1 KB items, the same loop `web/runtime/bench.js` runs in wasm (same table,
//! same request texts, built beforehand and cycled). Prints one JSON line: `{"put":N,"get":N}`.
//!
//! `cargo run --profile wasm-speed -p dynaplay-engine --example calls`: xtask builds it with the
//! runtime wasm's own profile (opt-level 3, fat LTO, one codegen unit), so the two differ only in
//! the target.

use std::time::{Duration, Instant};

use dynaplay_engine::Engine;

#[path = "support/calls_fixture.rs"]
mod calls_fixture;

const WINDOWS: usize = 5;

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
    let (mut engine, puts, gets) = calls_fixture::engine_and_requests();
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
