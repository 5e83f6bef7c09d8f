//! The crossing of a call's text (crates/wasm/src/crossing.rs), in headless Chromium: request
//! text into wasm by `TextEncoder.encodeInto` into a buffer kept between calls, answers out by
//! address and length (short ASCII ones by `String.fromCharCode`, the rest by `TextDecoder`).
#![cfg(target_arch = "wasm32")]

use dynaplay_engine::Response;
use dynaplay_wasm::crossing::{response_object, text_of, with_text};
use dynaplay_wasm::sandbox::MemoryEngine;
use js_sys::{JsString, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn field(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// `body` through `response_object`, back as (status, the JavaScript string's code units).
fn answered(status: u16, body: &str) -> (u16, Vec<u16>) {
    let object = response_object(&Response {
        status,
        body: body.to_string(),
    });
    let status = field(&object, "status").as_f64().unwrap_or(-1.0) as u16;
    let text: JsString = field(&object, "body").dyn_into().expect("body is a string");
    (
        status,
        (0..text.length())
            .map(|i| text.char_code_at(i) as u16)
            .collect(),
    )
}

fn units(text: &str) -> Vec<u16> {
    text.encode_utf16().collect()
}

// Answers of every length around the short-ASCII cut (24 bytes) and of every kind of character
// arrive as the same text: ASCII, two-, three- and four-byte UTF-8 (a surrogate pair in JS), in a
// short answer (the `fromCharCode` path falls back to the decoder) and a long one.
#[wasm_bindgen_test]
fn answers_arrive_as_the_same_text() {
    let mut bodies = vec![
        String::new(),
        "{}".to_string(),
        "é".to_string(),
        "😀".to_string(),
    ];
    for len in 20..30 {
        bodies.push("x".repeat(len));
        bodies.push(format!("{}é", "x".repeat(len - 2)));
        bodies.push(format!("€{}", "x".repeat(len - 3)));
    }
    bodies.push(format!("{{\"a\":\"{}😀€é\"}}", "y".repeat(5000)));
    for body in &bodies {
        assert_eq!(answered(400, body), (400, units(body)), "{body:?}");
    }
}

// Request text reaches Rust as its UTF-8: ASCII, non-ASCII, a lone surrogate (as U+FFFD, which
// is what `encodeInto` writes), texts growing past the kept buffer and shrinking again (no bytes
// of the longer one remain), and a value that is not a string reads as empty.
#[wasm_bindgen_test]
fn request_text_arrives_as_utf8() {
    assert_eq!(text_of(&"{}".into()), "{}");
    assert_eq!(text_of(&"é😀€".into()), "é😀€");
    let lone = JsString::from_char_code(&[0x61, 0xD800, 0x62]);
    assert_eq!(text_of(&lone), "a\u{FFFD}b");
    for len in [0, 1, 10, 1000, 100_000, 3, 70_000] {
        let ascii = "a".repeat(len);
        assert_eq!(text_of(&ascii.as_str().into()), ascii);
        let wide = "€".repeat(len);
        assert_eq!(text_of(&wide.as_str().into()), wide);
        // ASCII up to a late non-ASCII character: the short-text loop gives way to the encoder.
        let mixed = format!("{ascii}é");
        assert_eq!(text_of(&mixed.as_str().into()), mixed);
    }
    let number: JsString = JsValue::from(42).unchecked_into();
    assert_eq!(text_of(&number), "");
    // The borrowed form sees the same text.
    assert_eq!(with_text(&"abc€".into(), str::len), 6);
}

// wasm memory grows between calls (the kept view of it is then detached): texts still cross
// both ways.
#[wasm_bindgen_test]
fn texts_cross_after_memory_grows() {
    assert_eq!(text_of(&"before".into()), "before");
    let before = wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length();
    let big = vec![7u8; before as usize + (8 << 20)];
    assert_eq!(text_of(&"after".into()), "after");
    assert_eq!(
        answered(200, "{\"after\":1}"),
        (200, units("{\"after\":1}"))
    );
    assert_eq!(big[big.len() - 1], 7);
}

// Through the engine: a non-ASCII item written and read back, a non-string body answered as
// DynamoDB answers text that is not JSON, and a short answer (PutItem's `{}`).
#[wasm_bindgen_test]
fn engine_calls_cross_non_ascii_text() {
    let mut engine = MemoryEngine::new(false).expect("opens");
    let create = r#"{"TableName":"Tbl","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}"#;
    let created = engine.dispatch(&"DynamoDB_20120810.CreateTable".into(), &create.into());
    assert_eq!(
        field(&created, "status").as_f64(),
        Some(200.0),
        "{:?}",
        field(&created, "body").as_string()
    );
    let put = r#"{"TableName":"Tbl","Item":{"pk":{"S":"ключ"},"v":{"S":"é😀"}}}"#;
    let done = engine.dispatch(&"DynamoDB_20120810.PutItem".into(), &put.into());
    assert_eq!(field(&done, "body").as_string().as_deref(), Some("{}"));
    let got = engine.dispatch(
        &"DynamoDB_20120810.GetItem".into(),
        &r#"{"TableName":"Tbl","Key":{"pk":{"S":"ключ"}}}"#.into(),
    );
    let body = field(&got, "body").as_string().unwrap_or_default();
    let item: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    assert_eq!(item["Item"]["v"]["S"], "é😀");
    let odd = engine.dispatch(
        &"DynamoDB_20120810.GetItem".into(),
        &JsValue::from(7).unchecked_into(),
    );
    assert_eq!(field(&odd, "status").as_f64(), Some(400.0));
    let body = field(&odd, "body").as_string().unwrap_or_default();
    assert!(body.contains("SerializationException"), "{body}");
}
