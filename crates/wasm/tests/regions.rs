//! The global tables simulation through the sandbox (headless Chromium): `dispatchInRegion`
//! reaches a table's replica in another region, and `dispatchOnceInRegion` — what the owner tab
//! runs for a follower's regional call — writes in that region once, answering a resent call (even
//! to a sandbox reopened from IndexedDB, as a new owner would be) from its receipt.
#![cfg(target_arch = "wasm32")]

use dynaplay_wasm::sandbox::{open_sandbox, Sandbox};
use js_sys::Reflect;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const EU: &str = "eu-west-1";

fn unique(name: &str) -> String {
    format!("{name}-{}-{}", js_sys::Date::now(), js_sys::Math::random())
}

fn read(response: wasm_bindgen::JsValue) -> (u16, serde_json::Value) {
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

/// One request in `region` (None: home); asserts it succeeded.
async fn call(
    db: &Sandbox,
    region: Option<&str>,
    op: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let target = format!("DynamoDB_20120810.{op}");
    let answer = match region {
        Some(region) => {
            db.dispatch_in_region(region.to_string(), target, body.to_string().into())
                .await
        }
        None => db.dispatch(target, body.to_string().into()).await,
    };
    let (status, out) = read(answer);
    assert_eq!(status, 200, "{op} in {region:?} failed: {out}");
    out
}

/// A global table `Globe` with a replica in eu-west-1; nothing replicates for an hour.
async fn global_table(db: &Sandbox) {
    call(
        db,
        None,
        "CreateTable",
        serde_json::json!({
            "TableName": "Globe",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        }),
    )
    .await;
    call(
        db,
        None,
        "UpdateTable",
        serde_json::json!({"TableName": "Globe", "ReplicaUpdates": [{"Create": {"RegionName": EU}}]}),
    )
    .await;
    let configure = db
        .dispatch(
            "DynaplayGlobalTablesSimulation.Configure".into(),
            r#"{"ReplicationDelayMillis": 3600000}"#.into(),
        )
        .await;
    assert_eq!(read(configure).0, 200);
}

async fn counter(db: &Sandbox, region: Option<&str>) -> serde_json::Value {
    let key = serde_json::json!({"TableName": "Globe", "Key": {"id": {"S": "n"}}, "ConsistentRead": true});
    call(db, region, "GetItem", key).await["Item"]["n"]["N"].clone()
}

async fn increment_once(db: &Sandbox, id: &str) -> (u16, serde_json::Value) {
    let body = serde_json::json!({
        "TableName": "Globe", "Key": {"id": {"S": "n"}},
        "UpdateExpression": "ADD n :one",
        "ExpressionAttributeValues": {":one": {"N": "1"}},
        "ReturnValues": "UPDATED_NEW",
    });
    read(
        db.dispatch_once_in_region(
            id.to_string(),
            EU.to_string(),
            "DynamoDB_20120810.UpdateItem".into(),
            body.to_string(),
        )
        .await,
    )
}

#[wasm_bindgen_test]
async fn a_request_in_a_region_reaches_that_regions_replica() {
    let db = open_sandbox(Some(unique("regions")), true)
        .await
        .expect("open");
    global_table(&db).await;
    let item = serde_json::json!({"TableName": "Globe", "Item": {"id": {"S": "a"}}});
    call(&db, Some(EU), "PutItem", item).await;
    let get = serde_json::json!({"TableName": "Globe", "Key": {"id": {"S": "a"}}, "ConsistentRead": true});
    assert_eq!(
        call(&db, Some(EU), "GetItem", get.clone()).await["Item"]["id"]["S"],
        "a"
    );
    assert!(call(&db, None, "GetItem", get).await.get("Item").is_none());
    let described = call(
        &db,
        Some(EU),
        "DescribeTable",
        serde_json::json!({"TableName": "Globe"}),
    )
    .await;
    let arn = described["Table"]["TableArn"].as_str().unwrap_or_default();
    assert!(arn.contains(":eu-west-1:"), "{arn}");
}

#[wasm_bindgen_test]
async fn a_resent_regional_write_is_answered_from_its_receipt_after_a_reopen() {
    let name = unique("regions-once");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    global_table(&db).await;
    let first = increment_once(&db, "call-eu").await;
    assert_eq!(first.0, 200, "{}", first.1);
    assert_eq!(first.1["Attributes"]["n"]["N"], "1");
    assert_eq!(increment_once(&db, "call-eu").await, first);
    db.close();

    let again = open_sandbox(Some(name), true).await.expect("reopen");
    assert_eq!(increment_once(&again, "call-eu").await, first);
    assert_eq!(
        counter(&again, Some(EU)).await,
        "1",
        "ran once, in eu-west-1"
    );
    assert!(
        counter(&again, None).await.is_null(),
        "never ran in the home region"
    );
}
