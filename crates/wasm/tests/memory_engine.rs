//! The synchronous `MemoryEngine` (what `cargo xtask bench-browser` measures against the native
//! engine) and the memory sandbox's immediate write path, in headless Chromium.
#![cfg(target_arch = "wasm32")]

use dynaplay_wasm::sandbox::{open_sandbox, MemoryEngine};
use js_sys::Reflect;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn field(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn answer(response: &JsValue) -> (u16, serde_json::Value) {
    let status = field(response, "status").as_f64().unwrap_or(0.0) as u16;
    let body = field(response, "body").as_string().unwrap_or_default();
    (status, serde_json::from_str(&body).unwrap_or_default())
}

/// A table of 1 read and 1 write capacity unit: a few hundred 4 KB writes are far past its burst.
fn small_table() -> String {
    serde_json::json!({
        "TableName": "Tbl",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    })
    .to_string()
}

fn put(i: usize) -> String {
    serde_json::json!({
        "TableName": "Tbl",
        "Item": {"pk": {"S": format!("k{i}")}, "data": {"S": "x".repeat(4000)}},
    })
    .to_string()
}

/// The statuses of 400 writes of 4 KB (1,600 write units) into the small table.
fn statuses(throttling: bool) -> Vec<u16> {
    let mut engine = MemoryEngine::new(throttling).expect("an empty engine opens");
    let created = engine.dispatch(
        &"DynamoDB_20120810.CreateTable".into(),
        &small_table().into(),
    );
    assert_eq!(answer(&created).0, 200, "{:?}", answer(&created).1);
    (0..400)
        .map(|i| answer(&engine.dispatch(&"DynamoDB_20120810.PutItem".into(), &put(i).into())).0)
        .collect()
}

// With throttling on, the small table refuses writes past its burst capacity; with it off, the
// same writes all succeed (capacity is still counted), which is what the bench relies on.
#[wasm_bindgen_test]
fn throttling_can_be_turned_off() {
    assert!(statuses(true).contains(&400));
    assert!(statuses(false).iter().all(|s| *s == 200));
}

// Answers carry DynamoDB's body text; a GetItem reads back what PutItem wrote.
#[wasm_bindgen_test]
fn dispatch_answers_status_and_body() {
    let mut engine = MemoryEngine::new(false).expect("opens");
    engine.dispatch(
        &"DynamoDB_20120810.CreateTable".into(),
        &small_table().into(),
    );
    engine.dispatch(&"DynamoDB_20120810.PutItem".into(), &put(7).into());
    let got = engine.dispatch(
        &"DynamoDB_20120810.GetItem".into(),
        &r#"{"TableName":"Tbl","Key":{"pk":{"S":"k7"}}}"#.into(),
    );
    let (status, body) = answer(&got);
    assert_eq!(status, 200);
    assert_eq!(body["Item"]["data"]["S"].as_str().map(str::len), Some(4000));
    let missing = engine.dispatch(
        &"DynamoDB_20120810.GetItem".into(),
        &r#"{"TableName":"Nope","Key":{}}"#.into(),
    );
    let (status, body) = answer(&missing);
    assert_eq!(status, 400);
    assert_eq!(
        body["__type"],
        "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
    );
}

// The in-wasm loop counts calls and stops at the first answer that is not 200.
#[wasm_bindgen_test]
fn loop_rate_counts_and_refuses_failures() {
    let mut engine = MemoryEngine::new(false).expect("opens");
    engine.dispatch(
        &"DynamoDB_20120810.CreateTable".into(),
        &small_table().into(),
    );
    let rate = engine
        .loop_rate("DynamoDB_20120810.PutItem", vec![put(1), put(2)], 20.0)
        .expect("every put succeeds");
    assert!(rate > 0.0);
    let failing = engine.loop_rate(
        "DynamoDB_20120810.PutItem",
        vec![r#"{"TableName":"Nope","Item":{"pk":{"S":"a"}}}"#.to_string()],
        20.0,
    );
    assert!(failing.is_err());
}

// A memory sandbox answers a write at once (its mirror is its durability), and the mirror has it:
// the export lists it. A failure injected with failNextWrite still goes the flusher's way: the
// write is answered InternalServerError and is not kept.
#[wasm_bindgen_test]
async fn a_memory_sandbox_mirrors_each_write() {
    let db = open_sandbox(None, false).await.expect("memory sandbox");
    let call = |op: &str, body: String| db.dispatch(format!("DynamoDB_20120810.{op}"), body.into());
    assert_eq!(answer(&call("CreateTable", small_table()).await).0, 200);
    assert_eq!(answer(&call("PutItem", put(1)).await).0, 200);
    db.fail_next_write();
    let (status, body) = answer(&call("PutItem", put(2)).await);
    assert_eq!(status, 500, "{body}");
    assert_eq!(answer(&call("PutItem", put(3)).await).0, 200);
    let export = db.export_sandbox().await.expect("export");
    let doc: serde_json::Value = serde_json::from_str(&export).expect("export is JSON");
    let rows = doc["items"]["Tbl"].as_array().map(Vec::len);
    assert_eq!(rows, Some(2), "{}", doc["items"]);
}
