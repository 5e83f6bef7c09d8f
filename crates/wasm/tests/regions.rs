//! The global tables simulation through the sandbox (headless Chromium): `dispatchInRegion`
//! reaches a table's replica in another region, and `dispatchOnceInRegion` — what the owner tab
//! runs for a follower's regional call — writes in that region once, answering a resent call (even
//! to a sandbox reopened from IndexedDB, as a new owner would be) from its receipt. The synchronous
//! `Dynaplay` class serves regions the same way (`dispatchInRegion`, `send(op, input, {region})`),
//! with the sandbox's answers for names that are not regions.
#![cfg(target_arch = "wasm32")]

use dynaplay_wasm::sandbox::{open_sandbox, Sandbox};
use dynaplay_wasm::Dynaplay;
use js_sys::JSON;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{read, unique};

const EU: &str = "eu-west-1";

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

/// The requests (target, body) that make a global table `Globe` with a replica in eu-west-1, where
/// nothing replicates for an hour: the same set-up for the sandbox and the synchronous class.
fn global_table_requests() -> [(&'static str, serde_json::Value); 3] {
    [
        (
            "DynamoDB_20120810.CreateTable",
            serde_json::json!({
                "TableName": "Globe",
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST",
            }),
        ),
        (
            "DynamoDB_20120810.UpdateTable",
            serde_json::json!({"TableName": "Globe", "ReplicaUpdates": [{"Create": {"RegionName": EU}}]}),
        ),
        (
            "DynaplayGlobalTablesSimulation.Configure",
            serde_json::json!({"ReplicationDelayMillis": 3600000}),
        ),
    ]
}

async fn global_table(db: &Sandbox) {
    for (target, body) in global_table_requests() {
        let (status, out) = read(db.dispatch(target.into(), body.to_string().into()).await);
        assert_eq!(status, 200, "{target}: {out}");
    }
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

/// The synchronous class with the same global table as `global_table`.
fn global_table_in_memory() -> Dynaplay {
    let mut db = Dynaplay::new();
    for (target, body) in global_table_requests() {
        let (status, out) = read(db.dispatch_js(target, &body.to_string()));
        assert_eq!(status, 200, "{target}: {out}");
    }
    db
}

/// `dispatchInRegion` on the synchronous class, as JavaScript calls it.
fn sync_call(
    db: &mut Dynaplay,
    region: JsValue,
    op: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    read(db.dispatch_in_region_js(
        region,
        &format!("DynamoDB_20120810.{op}"),
        &body.to_string(),
    ))
}

/// `send(op, input, options)` on the synchronous class: the output, or the Error's name and message.
async fn sync_send(
    db: &mut Dynaplay,
    op: &str,
    input: &serde_json::Value,
    options: JsValue,
) -> Result<serde_json::Value, (String, String)> {
    let input = JSON::parse(&input.to_string()).expect("JSON");
    match JsFuture::from(db.send_with_options(op, input, options)).await {
        Ok(output) => Ok(JSON::stringify(&output)
            .ok()
            .and_then(|t| t.as_string())
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()),
        Err(error) => {
            let error: js_sys::Error = error.dyn_into().expect("an Error");
            Err((error.name().into(), error.message().into()))
        }
    }
}

fn options(region: &str) -> JsValue {
    JSON::parse(&serde_json::json!({ "region": region }).to_string()).expect("JSON")
}

// The synchronous class addresses a replica as the sandbox does: a write in eu-west-1 is read back
// there and not (yet) at home, the table's ARN names the region, and no region, an empty one or
// the home region's name are all the home table.
#[wasm_bindgen_test]
fn the_synchronous_class_reaches_a_regions_replica() {
    let mut db = global_table_in_memory();
    let item =
        serde_json::json!({"TableName": "Globe", "Item": {"id": {"S": "a"}, "at": {"S": "eu"}}});
    assert_eq!(sync_call(&mut db, EU.into(), "PutItem", &item).0, 200);
    let get = serde_json::json!({"TableName": "Globe", "Key": {"id": {"S": "a"}}, "ConsistentRead": true});
    let (status, there) = sync_call(&mut db, EU.into(), "GetItem", &get);
    assert_eq!(status, 200, "{there}");
    assert_eq!(there["Item"]["at"]["S"], "eu");
    for home in [
        JsValue::NULL,
        JsValue::UNDEFINED,
        "".into(),
        "us-east-1".into(),
    ] {
        let (status, here) = sync_call(&mut db, home.clone(), "GetItem", &get);
        assert_eq!(status, 200, "{home:?}: {here}");
        assert!(
            here.get("Item").is_none(),
            "{home:?} read the replica: {here}"
        );
    }
    let (_, described) = sync_call(
        &mut db,
        EU.into(),
        "DescribeTable",
        &serde_json::json!({"TableName": "Globe"}),
    );
    let arn = described["Table"]["TableArn"].as_str().unwrap_or_default();
    assert!(arn.contains(":eu-west-1:"), "{arn}");
    // The Rust side (what the embed console calls) is the same path.
    let answer = db.dispatch_in_region(Some(EU), "DynamoDB_20120810.GetItem", &get.to_string());
    assert_eq!(answer.status, 200);
    assert!(answer.body.contains("\"eu\""), "{}", answer.body);
}

// send's third argument picks the region as the sandbox's send does; without it the call is the
// home region's, as before.
#[wasm_bindgen_test]
async fn send_with_a_region_option_reads_that_replica() {
    let mut db = global_table_in_memory();
    let item =
        serde_json::json!({"TableName": "Globe", "Item": {"id": {"S": "b"}, "at": {"S": "eu"}}});
    sync_send(&mut db, "PutItem", &item, options(EU))
        .await
        .expect("put in eu-west-1");
    let get = serde_json::json!({"TableName": "Globe", "Key": {"id": {"S": "b"}}, "ConsistentRead": true});
    let there = sync_send(&mut db, "GetItem", &get, options(EU))
        .await
        .expect("get in eu-west-1");
    assert_eq!(there["Item"]["at"]["S"], "eu");
    let home = sync_send(&mut db, "GetItem", &get, JsValue::UNDEFINED)
        .await
        .expect("get at home");
    assert!(home.get("Item").is_none(), "{home}");
    let home = sync_send(&mut db, "GetItem", &get, options("us-east-1"))
        .await
        .expect("get at home");
    assert!(home.get("Item").is_none(), "{home}");
}

// Names that are not AWS regions, and operations the simulation keeps at home, get the very answer
// the sandbox gives (exception and message), from both dispatchInRegion and send.
#[wasm_bindgen_test]
async fn region_mistakes_get_the_sandboxs_answers() {
    let sandbox = open_sandbox(Some(unique("regions-sync")), false)
        .await
        .expect("open");
    global_table(&sandbox).await;
    let mut db = global_table_in_memory();
    let get = serde_json::json!({"TableName": "Globe", "Key": {"id": {"S": "a"}}});
    let create = global_table_requests()[0].1.clone();
    for (region, op, body) in [
        ("Ireland", "GetItem", &get),
        ("eu_west_1", "GetItem", &get),
        ("EU-WEST-1", "GetItem", &get),
        ("eu-west-1", "CreateTable", &create),
    ] {
        let target = format!("DynamoDB_20120810.{op}");
        let expected = read(
            sandbox
                .dispatch_in_region(region.into(), target, body.to_string().into())
                .await,
        );
        assert_eq!(expected.0, 400, "{region} {op}: {}", expected.1);
        assert_eq!(
            sync_call(&mut db, region.into(), op, body),
            expected,
            "{region} {op}"
        );
        let (name, message) = sync_send(&mut db, op, body, options(region))
            .await
            .expect_err("refused");
        assert_eq!(name, "ValidationException");
        assert_eq!(
            Some(message.as_str()),
            expected.1["message"].as_str(),
            "{region} {op}"
        );
    }
    sandbox.close();
}
