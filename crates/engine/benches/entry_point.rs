//! Criterion benchmarks of `Engine::dispatch`, the engine's one entry point: PutItem, GetItem and a
//! 10-item Query on 1 KB items in a pk (S) + sk (S) table of 1,000 items, each next to its floor,
//! the bare cost of parsing the same request JSON and serializing the same response JSON. The
//! ratio (operation time / floor time) is what the engine adds on top of unavoidable JSON work.
//!
//! Kept short (20 samples, 1 s measurement) so `cargo bench -p dynaplay-engine` ends within a minute.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use dynaplay_engine::Engine;
use serde_json::{json, Value};

// The table and request texts of the `calls` examples (and so of `web/runtime/bench.js`).
#[path = "../examples/support/calls_fixture.rs"]
mod calls_fixture;

use calls_fixture::{get_request, item, put_request, PARTITIONS, PER_PARTITION, TABLE};

fn query_request(p: usize) -> String {
    json!({
        "TableName": TABLE,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": format!("p{p:03}")}},
    })
    .to_string()
}

/// What DynamoDB answers to the requests above, for the floor benchmarks (they must not depend on
/// the engine, so they run even while its operations are incomplete).
fn get_response(p: usize, s: usize) -> Value {
    json!({"Item": item(p, s)})
}

fn query_response(p: usize) -> Value {
    let items: Vec<Value> = (0..PER_PARTITION).map(|s| item(p, s)).collect();
    json!({"Items": items, "Count": PER_PARTITION, "ScannedCount": PER_PARTITION})
}

/// The unavoidable work: parse the request text, serialize the response value.
fn floor(request: &str, response: &Value) -> String {
    let parsed: Value = serde_json::from_str(request).expect("request JSON");
    black_box(parsed);
    serde_json::to_string(response).expect("response JSON")
}

fn floors(c: &mut Criterion) {
    let mut group = c.benchmark_group("floor");
    let (put, get, query) = (put_request(7, 3), get_request(7, 3), query_request(7));
    let (empty, got, queried) = (json!({}), get_response(7, 3), query_response(7));
    group.bench_function("put_item", |b| b.iter(|| floor(black_box(&put), &empty)));
    group.bench_function("get_item", |b| b.iter(|| floor(black_box(&get), &got)));
    group.bench_function("query_10", |b| {
        b.iter(|| floor(black_box(&query), &queried))
    });
    group.finish();
}

/// An engine holding the 1,000-item table, with every setup answer checked once, here, outside
/// the timed loops: a benchmark of error answers would measure nothing useful.
fn loaded_engine() -> Engine {
    let mut engine = calls_fixture::engine();
    for p in 0..PARTITIONS {
        for s in 0..PER_PARTITION {
            let answer = engine.dispatch("PutItem", &put_request(p, s));
            assert_eq!(answer.status, 200, "PutItem: {}", answer.body);
        }
    }
    engine
}

/// Checks, once and untimed, that an operation really answers (status 200 and the expected
/// member), so each benchmark measures real work; checked per operation so those that work are
/// measured even while a later one is still missing from the engine.
fn assert_answers(
    engine: &mut Engine,
    operation: &str,
    request: &str,
    check: impl Fn(&Value) -> bool,
) {
    let answer = engine.dispatch(operation, request);
    assert_eq!(answer.status, 200, "{operation}: {}", answer.body);
    let body: Value = serde_json::from_str(&answer.body).expect("answer JSON");
    assert!(check(&body), "{operation} answered {}", answer.body);
}

fn dispatch(c: &mut Criterion) {
    let mut engine = loaded_engine();
    // Requests are built beforehand and cycled, so the loops time only `dispatch`; puts overwrite
    // existing keys, keeping the table at 1,000 items however long criterion runs.
    let puts: Vec<String> = (0..PARTITIONS).map(|p| put_request(p, p % 10)).collect();
    let gets: Vec<String> = (0..PARTITIONS).map(|p| get_request(p, p % 10)).collect();
    let queries: Vec<String> = (0..PARTITIONS).map(query_request).collect();

    let mut group = c.benchmark_group("dispatch");
    let mut i = 0;
    assert_answers(&mut engine, "PutItem", &puts[0], Value::is_object);
    group.bench_function("put_item", |b| {
        b.iter(|| {
            i = (i + 1) % PARTITIONS;
            engine.dispatch("PutItem", black_box(&puts[i]))
        })
    });
    assert_answers(&mut engine, "GetItem", &gets[0], |b| b["Item"].is_object());
    group.bench_function("get_item", |b| {
        b.iter(|| {
            i = (i + 1) % PARTITIONS;
            engine.dispatch("GetItem", black_box(&gets[i]))
        })
    });
    assert_answers(&mut engine, "Query", &queries[0], |b| {
        b["Count"] == json!(PER_PARTITION)
    });
    group.bench_function("query_10", |b| {
        b.iter(|| {
            i = (i + 1) % PARTITIONS;
            engine.dispatch("Query", black_box(&queries[i]))
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1))
}

// Floors first: they run even while the engine's operations are still missing (the dispatch
// group then stops at its setup assertion).
criterion_group! {
    name = benches;
    config = config();
    targets = floors, dispatch
}
criterion_main!(benches);
