//! The `Dynaplay` class in a real browser (headless Chromium): the JavaScript-facing answers of
//! `dispatch` and `send`, checked through the same JS values a page script would see.
#![cfg(target_arch = "wasm32")]

use dynaplay_wasm::Dynaplay;
use js_sys::{Error, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).expect("property read")
}

/// `dispatch` result → (status, parsed body).
fn dispatch(db: &mut Dynaplay, target: &str, body: &str) -> (f64, JsValue) {
    let response = db.dispatch_js(target, body);
    let status = get(&response, "status").as_f64().expect("numeric status");
    let text = get(&response, "body").as_string().expect("string body");
    (status, JSON::parse(&text).expect("body is JSON"))
}

fn json(text: &str) -> JsValue {
    JSON::parse(text).expect("test input is JSON")
}

// An operation DynamoDB does not have is a 400 with Coral's UnknownOperationException and no message.
#[wasm_bindgen_test]
fn unknown_operation_is_reported_like_dynamodb() {
    let mut db = Dynaplay::new();
    let (status, body) = dispatch(&mut db, "DynamoDB_20120810.MakeCoffee", "{}");
    assert_eq!(status, 400.0);
    assert_eq!(
        get(&body, "__type").as_string().as_deref(),
        Some("com.amazon.coral.service#UnknownOperationException")
    );
    assert!(get(&body, "message").is_undefined());
}

// A target outside DynamoDB's two APIs never reaches an operation, and neither does a Streams
// operation asked for under the DynamoDB prefix.
#[wasm_bindgen_test]
fn foreign_target_prefix_is_an_unknown_operation() {
    let mut db = Dynaplay::new();
    for target in [
        "DynamoDBWhatever_20120810.ListTables",
        "DynamoDB_20120810.Streams.ListStreams",
    ] {
        let (status, body) = dispatch(&mut db, target, "{}");
        assert_eq!(status, 400.0, "{target}");
        assert_eq!(
            get(&body, "__type").as_string().as_deref(),
            Some("com.amazon.coral.service#UnknownOperationException")
        );
    }
}

// The DynamoDB Streams API is served under its own prefix.
#[wasm_bindgen_test]
fn streams_prefix_reaches_the_streams_api() {
    let mut db = Dynaplay::new();
    let (status, body) = dispatch(&mut db, "DynamoDBStreams_20120810.ListStreams", "{}");
    assert_eq!(status, 200.0);
    let streams = JSON::stringify(&get(&body, "Streams")).expect("stringify");
    assert_eq!(streams.as_string().as_deref(), Some("[]"));
}

// A body that is not JSON is a SerializationException, whatever the operation.
#[wasm_bindgen_test]
fn malformed_body_is_a_serialization_exception() {
    let mut db = Dynaplay::new();
    let (status, body) = dispatch(&mut db, "DynamoDB_20120810.ListTables", "{\"Limit\": ");
    assert_eq!(status, 400.0);
    assert_eq!(
        get(&body, "__type").as_string().as_deref(),
        Some("com.amazon.coral.service#SerializationException")
    );
}

// `send` rejects with a real Error named after the exception, as SDK errors are.
#[wasm_bindgen_test]
async fn send_rejects_with_an_error_named_after_the_exception() {
    let mut db = Dynaplay::new();
    let rejected = JsFuture::from(db.send("MakeCoffee", json("{}")))
        .await
        .expect_err("an unknown operation must reject");
    let error: Error = rejected.dyn_into().expect("rejection is an Error");
    assert_eq!(String::from(error.name()), "UnknownOperationException");
    assert_eq!(String::from(error.message()), "UnknownOperationException");
}

// The clock is the browser's: within a minute of Date.now().
#[wasm_bindgen_test]
fn now_millis_follows_the_browser_clock() {
    let db = Dynaplay::new();
    assert!((db.now_millis() - js_sys::Date::now()).abs() < 60_000.0);
}

// The real round trip: CreateTable, PutItem, then GetItem answers the item as it was put.
#[wasm_bindgen_test]
async fn put_then_get_returns_the_item() {
    let mut db = Dynaplay::new();
    JsFuture::from(db.send(
        "CreateTable",
        json(
            r#"{"TableName":"Music","BillingMode":"PAY_PER_REQUEST",
                "AttributeDefinitions":[{"AttributeName":"Artist","AttributeType":"S"},
                                        {"AttributeName":"SongTitle","AttributeType":"S"}],
                "KeySchema":[{"AttributeName":"Artist","KeyType":"HASH"},
                             {"AttributeName":"SongTitle","KeyType":"RANGE"}]}"#,
        ),
    ))
    .await
    .expect("CreateTable succeeds");
    let item = r#"{"Artist":{"S":"No One You Know"},"SongTitle":{"S":"Call Me Today"},"Year":{"N":"2015"}}"#;
    JsFuture::from(db.send(
        "PutItem",
        json(&format!(r#"{{"TableName":"Music","Item":{item}}}"#)),
    ))
    .await
    .expect("PutItem succeeds");
    let output = JsFuture::from(db.send(
        "GetItem",
        json(
            r#"{"TableName":"Music","Key":{"Artist":{"S":"No One You Know"},"SongTitle":{"S":"Call Me Today"}}}"#,
        ),
    ))
    .await
    .expect("GetItem succeeds");
    let got = JSON::stringify(&get(&output, "Item")).expect("item serializes");
    let want = JSON::stringify(&json(item)).expect("item serializes");
    assert_eq!(String::from(got), String::from(want));
}

// A conditional put on an existing key rejects with ConditionalCheckFailedException and its message.
#[wasm_bindgen_test]
async fn failed_condition_rejects_with_conditional_check_failed() {
    let mut db = Dynaplay::new();
    let create = r#"{"TableName":"Users","BillingMode":"PAY_PER_REQUEST",
        "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
        "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]}"#;
    JsFuture::from(db.send("CreateTable", json(create)))
        .await
        .expect("CreateTable succeeds");
    let put = r#"{"TableName":"Users","Item":{"id":{"S":"a"}},"ConditionExpression":"attribute_not_exists(id)"}"#;
    JsFuture::from(db.send("PutItem", json(put)))
        .await
        .expect("first put succeeds");
    let rejected = JsFuture::from(db.send("PutItem", json(put)))
        .await
        .expect_err("second put must fail its condition");
    let error: Error = rejected.dyn_into().expect("rejection is an Error");
    assert_eq!(
        String::from(error.name()),
        "ConditionalCheckFailedException"
    );
    assert_eq!(
        String::from(error.message()),
        "The conditional request failed"
    );
}
