//! The engine and its injected storage: writes reach storage before they are visible, a failed
//! commit changes nothing, and an engine reopened over the same storage finds everything.

use std::sync::{Arc, Mutex};

use dynaplay_engine::{Engine, EngineConfig, ManualClock, MemoryStorage};
use serde_json::{json, Value};

fn open(storage: &Arc<Mutex<MemoryStorage>>) -> Engine {
    Engine::open(
        EngineConfig::default(),
        Box::new(ManualClock::new(1_000)),
        Box::new(storage.clone()),
    )
    .expect("storage loads")
}

fn call(engine: &mut Engine, op: &str, body: Value) -> (u16, Value) {
    let r = engine.dispatch(op, &body.to_string());
    (r.status, serde_json::from_str(&r.body).expect("JSON"))
}

fn create(engine: &mut Engine) {
    let (status, _) = call(
        engine,
        "CreateTable",
        json!({"TableName": "Notes", "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
               "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}),
    );
    assert_eq!(status, 200);
}

#[test]
fn reopened_engine_finds_tables_and_items() {
    // Why: the browser reopens a sandbox from IndexedDB through exactly this path.
    let storage = Arc::new(Mutex::new(MemoryStorage::new()));
    let mut engine = open(&storage);
    create(&mut engine);
    for i in 0..20 {
        let (s, _) = call(
            &mut engine,
            "PutItem",
            json!({"TableName": "Notes", "Item": {"id": {"S": format!("n{i}")}, "n": {"N": i.to_string()}}}),
        );
        assert_eq!(s, 200);
    }
    let (s, _) = call(
        &mut engine,
        "DeleteItem",
        json!({"TableName": "Notes", "Key": {"id": {"S": "n3"}}}),
    );
    assert_eq!(s, 200);
    drop(engine);

    let mut reopened = open(&storage);
    let (_, scan) = call(
        &mut reopened,
        "Scan",
        json!({"TableName": "Notes", "Select": "COUNT"}),
    );
    assert_eq!(scan["Count"], 19);
    let (_, got) = call(
        &mut reopened,
        "GetItem",
        json!({"TableName": "Notes", "Key": {"id": {"S": "n7"}}}),
    );
    assert_eq!(got["Item"]["n"], json!({"N": "7"}));
    let (_, described) = call(
        &mut reopened,
        "DescribeTable",
        json!({"TableName": "Notes"}),
    );
    assert_eq!(described["Table"]["ItemCount"], 19);
}

#[test]
fn failed_commit_changes_nothing() {
    // Why: "nothing already stored is lost or half-written" — a storage failure (quota, crash)
    // must leave the batch entirely unapplied, in memory as on disk.
    let storage = Arc::new(Mutex::new(MemoryStorage::new()));
    let mut engine = open(&storage);
    create(&mut engine);
    storage.lock().unwrap().fail_next_commit();
    let (status, error) = call(
        &mut engine,
        "BatchWriteItem",
        json!({"RequestItems": {"Notes": [
            {"PutRequest": {"Item": {"id": {"S": "a"}}}},
            {"PutRequest": {"Item": {"id": {"S": "b"}}}}
        ]}}),
    );
    assert_eq!(status, 500);
    assert_eq!(
        error["__type"],
        "com.amazonaws.dynamodb.v20120810#InternalServerError"
    );
    let (_, scan) = call(
        &mut engine,
        "Scan",
        json!({"TableName": "Notes", "Select": "COUNT"}),
    );
    assert_eq!(scan["Count"], 0);
    let mut reopened = open(&storage);
    let (_, scan) = call(
        &mut reopened,
        "Scan",
        json!({"TableName": "Notes", "Select": "COUNT"}),
    );
    assert_eq!(scan["Count"], 0);
}
