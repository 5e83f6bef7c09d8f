//! Capacity meters survive a reopen (headless Chromium): DynamoDB keeps consumed and throttled
//! capacity (CloudWatch) and the hottest keys (Contributor Insights) on its side, so a reloaded
//! sandbox shows the same metrics as before; `saveMeters` writes only when they changed.
#![cfg(target_arch = "wasm32")]

use dynaplay_wasm::sandbox::open_sandbox;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{call, unique};

fn metrics(db: &dynaplay_wasm::sandbox::Sandbox) -> serde_json::Value {
    serde_json::from_str(&db.metrics("Hot").expect("metrics")).expect("json")
}

#[wasm_bindgen_test]
async fn metrics_and_hot_keys_survive_a_reopen() {
    let name = unique("meters");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    let (created, _) = call(
        &db,
        "CreateTable",
        serde_json::json!({
            "TableName": "Hot",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        }),
    )
    .await;
    assert_eq!(created, 200);
    // 10 KB items cost 10 WCU each: 300 seconds of burst at 1 WCU is gone after 30 of them.
    let text = "x".repeat(10 * 1024 - 20);
    let mut throttled = 0;
    for i in 0..35 {
        let item = serde_json::json!({"TableName": "Hot",
            "Item": {"pk": {"S": format!("k{}", i % 2)}, "text": {"S": text}}});
        if call(&db, "PutItem", item).await.0 != 200 {
            throttled += 1;
        }
    }
    assert!(throttled > 0, "the table never throttled");
    let before = metrics(&db);
    assert!(!before["MostThrottledKeys"]
        .as_array()
        .expect("list")
        .is_empty());
    assert!(
        db.save_meters().await.expect("save"),
        "the first save writes"
    );
    assert!(
        !db.save_meters().await.expect("save"),
        "nothing changed, nothing written"
    );
    db.close();

    let again = open_sandbox(Some(name), true).await.expect("reopen");
    assert_eq!(metrics(&again), before);
    let minutes = &before["Table"]["Minutes"];
    let throttled_units: f64 = minutes
        .as_array()
        .expect("minutes")
        .iter()
        .filter_map(|m| m["ThrottledWriteCapacityUnits"].as_f64())
        .sum();
    assert!(throttled_units > 0.0, "{minutes}");
}
