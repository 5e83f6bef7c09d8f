//! What the sandbox tests share: fresh database names and DynamoDB calls through a `Sandbox`,
//! answered as (status, body). Each test file is its own crate and includes this with `mod support;`.

// Each test crate uses only some of these.
#![allow(dead_code)]

use dynaplay_wasm::sandbox::Sandbox;
use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// A database name no other test (or earlier run in the same profile) uses.
pub fn unique(name: &str) -> String {
    format!("{name}-{}-{}", js_sys::Date::now(), js_sys::Math::random())
}

/// A `{status, body}` answer as (status, body as serde_json); 0 and null where a member is missing.
pub fn read(response: JsValue) -> (u16, serde_json::Value) {
    let status = Reflect::get(&response, &"status".into())
        .ok()
        .and_then(|s| s.as_f64())
        .unwrap_or(0.0) as u16;
    let text = Reflect::get(&response, &"body".into())
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or_default())
}

/// The X-Amz-Target of a DynamoDB operation; a name with a dot is a whole target already.
pub fn target(op: &str) -> String {
    if op.contains('.') {
        op.to_string()
    } else {
        format!("DynamoDB_20120810.{op}")
    }
}

/// Runs one DynamoDB operation; (status, body as serde_json).
pub async fn call(db: &Sandbox, op: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    read(db.dispatch(target(op), body.to_string().into()).await)
}

/// Runs one DynamoDB operation that must succeed; its body.
pub async fn ok(db: &Sandbox, op: &str, body: serde_json::Value) -> serde_json::Value {
    let (status, out) = call(db, op, body).await;
    assert_eq!(status, 200, "{op} failed: {out}");
    out
}
