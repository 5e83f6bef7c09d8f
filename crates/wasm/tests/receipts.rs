//! Forwarded writes run at most once (headless Chromium): `dispatchOnce` stores a receipt in the
//! write's own IndexedDB transaction, so the same id sent again — even to a sandbox reopened from
//! IndexedDB, as a new owner tab would — is answered from the receipt; a write whose transaction
//! failed leaves no receipt and runs when sent again; and only the newest receipts are kept.
#![cfg(target_arch = "wasm32")]

use dynaplay_wasm::sandbox::{open_sandbox, raw_dump, Sandbox};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{ok, read, unique};

async fn once(
    db: &Sandbox,
    id: &str,
    op: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    read(
        db.dispatch_once(
            id.to_string(),
            format!("DynamoDB_20120810.{op}"),
            body.to_string(),
        )
        .await,
    )
}

async fn counter_table(db: &Sandbox) {
    ok(
        db,
        "CreateTable",
        serde_json::json!({
            "TableName": "Counters",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        }),
    )
    .await;
}

fn increment() -> serde_json::Value {
    serde_json::json!({
        "TableName": "Counters", "Key": {"id": {"S": "n"}},
        "UpdateExpression": "ADD n :one",
        "ExpressionAttributeValues": {":one": {"N": "1"}},
        "ReturnValues": "UPDATED_NEW",
    })
}

async fn count(db: &Sandbox) -> serde_json::Value {
    ok(
        db,
        "GetItem",
        serde_json::json!({"TableName": "Counters", "Key": {"id": {"S": "n"}}}),
    )
    .await["Item"]["n"]["N"]
        .clone()
}

#[wasm_bindgen_test]
async fn a_resent_write_is_answered_from_its_receipt_after_a_reopen() {
    let name = unique("receipts");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    counter_table(&db).await;
    let first = once(&db, "call-1", "UpdateItem", increment()).await;
    assert_eq!(first.0, 200);
    assert_eq!(first.1["Attributes"]["n"]["N"], "1");
    // The same owner, the same id: the first answer, nothing run.
    assert_eq!(once(&db, "call-1", "UpdateItem", increment()).await, first);
    db.close();

    // A new owner opens the sandbox from IndexedDB and gets the call again.
    let again = open_sandbox(Some(name), true).await.expect("reopen");
    assert_eq!(
        once(&again, "call-1", "UpdateItem", increment()).await,
        first
    );
    assert_eq!(count(&again).await, "1");
    // Another id is another call.
    let second = once(&again, "call-2", "UpdateItem", increment()).await;
    assert_eq!(second.1["Attributes"]["n"]["N"], "2");
}

#[wasm_bindgen_test]
async fn a_write_that_was_not_stored_runs_when_sent_again() {
    let name = unique("receipts-failed");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    counter_table(&db).await;
    db.fail_next_write();
    let (status, _) = once(&db, "lost", "UpdateItem", increment()).await;
    assert_eq!(status, 500);
    let (status, out) = once(&db, "lost", "UpdateItem", increment()).await;
    assert_eq!(status, 200);
    assert_eq!(out["Attributes"]["n"]["N"], "1");
    db.close();
    let again = open_sandbox(Some(name), true).await.expect("reopen");
    assert_eq!(count(&again).await, "1");
}

#[wasm_bindgen_test]
async fn reads_leave_no_receipt_and_old_receipts_are_forgotten() {
    let name = unique("receipts-bounded");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    counter_table(&db).await;
    let get = serde_json::json!({"TableName": "Counters", "Key": {"id": {"S": "n"}}});
    assert_eq!(once(&db, "read", "GetItem", get).await.0, 200);
    for i in 0..300 {
        assert_eq!(
            once(&db, &format!("w{i}"), "UpdateItem", increment())
                .await
                .0,
            200
        );
    }
    db.close();
    let dump: serde_json::Value =
        serde_json::from_str(&raw_dump(name).await.expect("dump")).expect("json");
    let receipts: Vec<String> = dump["stores"]["meta"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|row| row[0].as_str())
        .filter_map(|k| k.strip_prefix("request:").map(String::from))
        .collect();
    assert!(
        !receipts.contains(&"read".to_string()),
        "a read stores no receipt"
    );
    assert!(receipts.contains(&"w299".to_string()), "the newest is kept");
    assert!(!receipts.contains(&"w0".to_string()), "the oldest went");
    // 256 kept; the forget of the newest eviction rides with the next write, so one more stays.
    assert!(receipts.len() <= 257, "{} receipts kept", receipts.len());
}

// The other forwarded calls that change a sandbox are at most once per id too, also for a new
// owner that reopens it: a clock move, a TTL sweep (its count is the answer) and an import.
#[wasm_bindgen_test]
async fn clock_moves_sweeps_and_imports_run_once_per_id() {
    let name = unique("receipts-others");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    let hour = 3_600_000.0;
    let offset = |db: &Sandbox| db.now() - js_sys::Date::now();
    db.advance_clock_once("clock-1".into(), hour)
        .await
        .expect("advance");
    db.advance_clock_once("clock-1".into(), hour)
        .await
        .expect("advance again");
    assert!((offset(&db) - hour).abs() < 60_000.0, "{}", offset(&db));

    counter_table(&db).await;
    ok(
        &db,
        "UpdateTimeToLive",
        serde_json::json!({"TableName": "Counters",
            "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "expires"}}),
    )
    .await;
    let past = (db.now() / 1000.0) as i64 - 60;
    for id in ["a", "b"] {
        ok(
            &db,
            "PutItem",
            serde_json::json!({"TableName": "Counters",
                "Item": {"id": {"S": id}, "expires": {"N": past.to_string()}}}),
        )
        .await;
    }
    assert_eq!(db.sweep_ttl_once("sweep-1".into()).await.expect("sweep"), 2);
    let doc = db.export_sandbox().await.expect("export");
    db.close();

    let again = open_sandbox(Some(name), true).await.expect("reopen");
    // The new owner gets the same ids again: nothing runs a second time.
    again
        .advance_clock_once("clock-1".into(), hour)
        .await
        .expect("advance");
    assert!(
        (offset(&again) - hour).abs() < 60_000.0,
        "{}",
        offset(&again)
    );
    assert_eq!(
        again.sweep_ttl_once("sweep-1".into()).await.expect("sweep"),
        2
    );
    again
        .import_sandbox_once("import-1".into(), doc.clone())
        .await
        .expect("import");
    imported_table_is_there(&again).await;
    ok(
        &again,
        "PutItem",
        serde_json::json!({"TableName": "Counters", "Item": {"id": {"S": "after"}}}),
    )
    .await;
    // The same import again would erase the write made after it.
    again
        .import_sandbox_once("import-1".into(), doc)
        .await
        .expect("import again");
    let got = ok(
        &again,
        "GetItem",
        serde_json::json!({"TableName": "Counters", "Key": {"id": {"S": "after"}}}),
    )
    .await;
    assert_eq!(got["Item"]["id"]["S"], "after");
}

/// The imported document has the Counters table: DescribeTable finds it.
async fn imported_table_is_there(db: &Sandbox) {
    ok(
        db,
        "DescribeTable",
        serde_json::json!({"TableName": "Counters"}),
    )
    .await;
}
