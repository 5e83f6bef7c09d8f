//! What the global tables tests share (`global_tables.rs`, `global_tables_persistence.rs`):
//! requests in a region on a table `Music` keyed `pk` (S) whose items carry one string `v`, with
//! its home in us-east-1 and a manual clock starting at `START`.

// Each test file uses only some of these.
#![allow(dead_code)]

use dynaplay_engine::Engine;
use serde_json::{json, Value};

pub const START: i64 = 1_767_225_600_000;
pub const EU: &str = "eu-west-1";
pub const US: &str = "us-east-1";

/// The CreateTable request for `Music`, with `extra` members (billing, stream) added.
pub fn music_table(extra: Value) -> Value {
    let mut request = json!({
        "TableName": "Music",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    });
    if let (Some(r), Some(e)) = (request.as_object_mut(), extra.as_object()) {
        r.extend(e.clone());
    }
    request
}

/// One request for a region: Ok(answer) or Err((status, error JSON)).
pub fn call(
    engine: &mut Engine,
    region: &str,
    op: &str,
    body: Value,
) -> Result<Value, (u16, Value)> {
    let response = engine.dispatch_in_region(region, op, &body.to_string());
    let value: Value = serde_json::from_str(&response.body).expect("answers are JSON");
    if response.status == 200 {
        Ok(value)
    } else {
        Err((response.status, value))
    }
}

pub fn ok(engine: &mut Engine, region: &str, op: &str, body: Value) -> Value {
    call(engine, region, op, body.clone())
        .unwrap_or_else(|e| panic!("{op} in {region} failed: {e:?} for {body}"))
}

/// The error's (`__type`, message) of a request that must fail.
pub fn error(engine: &mut Engine, region: &str, op: &str, body: Value) -> (String, String) {
    let (_, e) = call(engine, region, op, body).expect_err("the request fails");
    (
        e["__type"].as_str().unwrap_or_default().to_string(),
        e["message"].as_str().unwrap_or_default().to_string(),
    )
}

pub fn put(engine: &mut Engine, region: &str, pk: &str, v: &str) {
    ok(
        engine,
        region,
        "PutItem",
        json!({"TableName": "Music", "Item": {"pk": {"S": pk}, "v": {"S": v}}}),
    );
}

/// The item's `v` in a region (strongly consistent read), None when absent.
pub fn read(engine: &mut Engine, region: &str, pk: &str) -> Option<String> {
    let answer = ok(
        engine,
        region,
        "GetItem",
        json!({"TableName": "Music", "Key": {"pk": {"S": pk}}, "ConsistentRead": true}),
    );
    answer["Item"]["v"]["S"].as_str().map(str::to_string)
}

/// Adds a replica of `Music` in `region` (asked of the home region); UpdateTable's answer.
pub fn add_replica(engine: &mut Engine, region: &str) -> Value {
    ok(
        engine,
        US,
        "UpdateTable",
        json!({"TableName": "Music", "ReplicaUpdates": [{"Create": {"RegionName": region}}]}),
    )
}
