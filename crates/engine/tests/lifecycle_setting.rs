//! `Engine::set_lifecycle_millis`: the playground's "status changes take" setting, changed while
//! the engine runs. New changes take the new time; a GSI created under it is CREATING, then
//! backfilling in its second half, then ACTIVE; zero makes the next change instant again.

use std::sync::Arc;

use dynaplay_engine::{Engine, ManualClock};
use serde_json::{json, Value};

const START: i64 = 1_767_225_600_000;

fn ok(engine: &mut Engine, op: &str, body: Value) -> Value {
    let r = engine.dispatch(op, &body.to_string());
    assert_eq!(r.status, 200, "{op} {body} -> {}", r.body);
    serde_json::from_str(&r.body).expect("json")
}

fn table(name: &str) -> Value {
    json!({
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    })
}

fn index_state(engine: &mut Engine) -> (String, Option<bool>) {
    let d = ok(engine, "DescribeTable", json!({"TableName": "Tab"}));
    let index = &d["Table"]["GlobalSecondaryIndexes"][0];
    (
        index["IndexStatus"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        index["Backfilling"].as_bool(),
    )
}

#[test]
fn the_setting_times_the_changes_made_after_it() {
    let clock = Arc::new(ManualClock::new(START));
    let mut engine = Engine::in_memory(Box::new(clock.clone()));
    assert_eq!(engine.lifecycle_millis(), 0);
    ok(&mut engine, "CreateTable", table("Tab"));
    ok(
        &mut engine,
        "PutItem",
        json!({"TableName": "Tab", "Item": {"id": {"S": "a"}, "g": {"S": "x"}}}),
    );

    engine.set_lifecycle_millis(10_000);
    assert_eq!(engine.lifecycle_millis(), 10_000);
    ok(
        &mut engine,
        "UpdateTable",
        json!({
            "TableName": "Tab",
            "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "ByG",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}}}],
        }),
    );
    clock.advance(1_000);
    assert_eq!(index_state(&mut engine), ("CREATING".into(), Some(false)));
    clock.advance(5_000);
    assert_eq!(index_state(&mut engine), ("CREATING".into(), Some(true)));
    clock.advance(4_000);
    assert_eq!(index_state(&mut engine), ("ACTIVE".into(), None));

    // Back to instant (and a negative value is read as instant too).
    engine.set_lifecycle_millis(-5);
    assert_eq!(engine.lifecycle_millis(), 0);
    // CreateTable's own answer always says CREATING; the next DescribeTable, at the same instant,
    // finds it ACTIVE.
    ok(&mut engine, "CreateTable", table("Two"));
    let described = ok(&mut engine, "DescribeTable", json!({"TableName": "Two"}));
    assert_eq!(described["Table"]["TableStatus"], "ACTIVE");
}
