//! The DAX simulation (`Dax.<op>`): item-cache hits and misses, negative caching, write-through,
//! the query cache's stale reads, TTLs on the engine clock, pass-through of strongly consistent
//! reads, and BatchGetItem split between cache and table.

use std::sync::Arc;

use dynaplay_engine::{Engine, EngineConfig, ManualClock, NullStorage};
use serde_json::{json, Value};

const START: i64 = 1_767_225_600_000;
const MINUTE: i64 = 60_000;

fn engine() -> (Engine, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(START));
    let mut engine = Engine::open(
        EngineConfig::default(),
        Box::new(clock.clone()),
        Box::new(NullStorage),
    )
    .expect("an empty storage opens");
    ok(
        &mut engine,
        "CreateTable",
        json!({
            "TableName": "Games",
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"}
            ],
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"}
            ],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    );
    (engine, clock)
}

fn ok(engine: &mut Engine, op: &str, body: Value) -> Value {
    match engine.call(op, &body.to_string()) {
        Ok(v) => v,
        Err(e) => panic!("{op} failed: {}", e.to_json()),
    }
}

fn key(pk: &str, sk: u32) -> Value {
    json!({"pk": {"S": pk}, "sk": {"N": sk.to_string()}})
}

fn put(engine: &mut Engine, op: &str, pk: &str, sk: u32, score: u32) {
    ok(
        engine,
        op,
        json!({"TableName": "Games", "Item": {"pk": {"S": pk}, "sk": {"N": sk.to_string()}, "score": {"N": score.to_string()}}}),
    );
}

fn score_via_dax(engine: &mut Engine, pk: &str, sk: u32) -> Option<String> {
    let answer = ok(
        engine,
        "Dax.GetItem",
        json!({"TableName": "Games", "Key": key(pk, sk)}),
    );
    answer["Item"]["score"]["N"].as_str().map(String::from)
}

fn stats(engine: &mut Engine) -> Value {
    ok(engine, "Dax.Describe", json!({}))
}

#[test]
fn item_cache_hits_cost_nothing_and_misses_are_charged() {
    let (mut engine, _) = engine();
    put(&mut engine, "PutItem", "alice", 1, 10);
    let request =
        json!({"TableName": "Games", "Key": key("alice", 1), "ReturnConsumedCapacity": "TOTAL"});
    let miss = ok(&mut engine, "Dax.GetItem", request.clone());
    assert_eq!(miss["Item"]["score"]["N"], "10");
    assert_eq!(miss["ConsumedCapacity"]["CapacityUnits"], 0.5);
    let hit = ok(&mut engine, "Dax.GetItem", request);
    assert_eq!(hit["Item"]["score"]["N"], "10");
    assert!(
        hit.get("ConsumedCapacity").is_none(),
        "a hit reads no table"
    );
    let s = stats(&mut engine);
    assert_eq!(s["ItemCache"]["Hits"], 1);
    assert_eq!(s["ItemCache"]["Misses"], 1);
    assert_eq!(s["ItemCache"]["HitRatio"], 0.5);
}

#[test]
fn writes_straight_to_the_table_leave_the_item_cache_stale_until_its_ttl() {
    let (mut engine, clock) = engine();
    put(&mut engine, "PutItem", "bob", 1, 10);
    assert_eq!(score_via_dax(&mut engine, "bob", 1).as_deref(), Some("10"));
    put(&mut engine, "PutItem", "bob", 1, 99); // bypasses DAX
    assert_eq!(score_via_dax(&mut engine, "bob", 1).as_deref(), Some("10"));
    clock.advance(5 * MINUTE);
    assert_eq!(score_via_dax(&mut engine, "bob", 1).as_deref(), Some("99"));
}

#[test]
fn write_through_refreshes_the_item_cache() {
    let (mut engine, _) = engine();
    put(&mut engine, "Dax.PutItem", "carol", 1, 1);
    assert_eq!(score_via_dax(&mut engine, "carol", 1).as_deref(), Some("1"));
    ok(
        &mut engine,
        "Dax.UpdateItem",
        json!({"TableName": "Games", "Key": key("carol", 1),
               "UpdateExpression": "ADD score :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}),
    );
    assert_eq!(score_via_dax(&mut engine, "carol", 1).as_deref(), Some("2"));
    ok(
        &mut engine,
        "Dax.DeleteItem",
        json!({"TableName": "Games", "Key": key("carol", 1)}),
    );
    assert_eq!(score_via_dax(&mut engine, "carol", 1), None);
    let s = stats(&mut engine);
    assert_eq!(
        s["ItemCache"]["Misses"], 0,
        "every read after a write-through hits"
    );
    assert_eq!(s["WriteThroughs"], 3);
}

#[test]
fn absent_items_are_cached_too() {
    let (mut engine, _) = engine();
    assert_eq!(score_via_dax(&mut engine, "dave", 1), None);
    put(&mut engine, "PutItem", "dave", 1, 5);
    assert_eq!(
        score_via_dax(&mut engine, "dave", 1),
        None,
        "the negative entry answers until it expires"
    );
}

#[test]
fn the_query_cache_is_not_updated_by_writes() {
    let (mut engine, clock) = engine();
    for sk in 1..=3 {
        put(&mut engine, "Dax.PutItem", "erin", sk, sk);
    }
    let query = json!({"TableName": "Games", "KeyConditionExpression": "pk = :p",
                       "ExpressionAttributeValues": {":p": {"S": "erin"}}});
    assert_eq!(ok(&mut engine, "Dax.Query", query.clone())["Count"], 3);
    put(&mut engine, "Dax.PutItem", "erin", 4, 4); // write-through, yet...
    assert_eq!(
        ok(&mut engine, "Dax.Query", query.clone())["Count"],
        3,
        "the cached result is stale"
    );
    assert_eq!(ok(&mut engine, "Query", query.clone())["Count"], 4);
    let consistent = {
        let mut q = query.clone();
        q["ConsistentRead"] = json!(true);
        q
    };
    assert_eq!(ok(&mut engine, "Dax.Query", consistent)["Count"], 4);
    clock.advance(5 * MINUTE);
    assert_eq!(ok(&mut engine, "Dax.Query", query)["Count"], 4);
    let s = stats(&mut engine);
    assert_eq!(s["QueryCache"]["Hits"], 1);
    assert_eq!(s["QueryCache"]["Misses"], 2);
    assert_eq!(s["PassThroughs"], 1);
}

#[test]
fn strongly_consistent_reads_pass_through() {
    let (mut engine, _) = engine();
    put(&mut engine, "PutItem", "fay", 1, 1);
    assert_eq!(score_via_dax(&mut engine, "fay", 1).as_deref(), Some("1"));
    put(&mut engine, "PutItem", "fay", 1, 2);
    let answer = ok(
        &mut engine,
        "Dax.GetItem",
        json!({"TableName": "Games", "Key": key("fay", 1), "ConsistentRead": true}),
    );
    assert_eq!(answer["Item"]["score"]["N"], "2");
}

#[test]
fn batch_get_mixes_cached_and_fresh_keys() {
    let (mut engine, _) = engine();
    for sk in 1..=3 {
        put(&mut engine, "PutItem", "gus", sk, sk * 10);
    }
    assert_eq!(score_via_dax(&mut engine, "gus", 1).as_deref(), Some("10"));
    let batch =
        json!({"RequestItems": {"Games": {"Keys": [key("gus", 1), key("gus", 2), key("gus", 9)]}}});
    let answer = ok(&mut engine, "Dax.BatchGetItem", batch.clone());
    let mut scores: Vec<&str> = answer["Responses"]["Games"]
        .as_array()
        .expect("responses")
        .iter()
        .filter_map(|i| i["score"]["N"].as_str())
        .collect();
    scores.sort();
    assert_eq!(scores, ["10", "20"]);
    let s = stats(&mut engine);
    assert_eq!(s["ItemCache"]["Hits"], 1);
    assert_eq!(s["ItemCache"]["Misses"], 3);
    // Now all three keys (one of them absent) are cached.
    ok(&mut engine, "Dax.BatchGetItem", batch);
    assert_eq!(stats(&mut engine)["ItemCache"]["Hits"], 4);
}

#[test]
fn configure_flush_and_unsupported_operations() {
    let (mut engine, clock) = engine();
    let s = ok(
        &mut engine,
        "Dax.Configure",
        json!({"ItemCacheTtlMillis": 1000}),
    );
    assert_eq!(s["ItemCacheTtlMillis"], 1000);
    assert_eq!(s["QueryCacheTtlMillis"], 300_000);
    put(&mut engine, "PutItem", "hal", 1, 1);
    score_via_dax(&mut engine, "hal", 1);
    put(&mut engine, "PutItem", "hal", 1, 2);
    clock.advance(1000);
    assert_eq!(score_via_dax(&mut engine, "hal", 1).as_deref(), Some("2"));
    let flushed = ok(&mut engine, "Dax.Flush", json!({}));
    assert_eq!(flushed["ItemCache"]["Entries"], 0);

    let bad = engine
        .call(
            "Dax.Configure",
            &json!({"ItemCacheTtlMillis": -1}).to_string(),
        )
        .expect_err("a negative TTL is refused");
    assert_eq!(
        bad.to_json()["__type"],
        "com.amazon.coral.validate#ValidationException"
    );
    let refused = engine.dispatch("Dax.CreateTable", "{}");
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("send CreateTable to DynamoDB itself"));
    // Errors from the table come back unchanged.
    let missing = engine.dispatch(
        "Dax.GetItem",
        &json!({"TableName": "Nope", "Key": key("a", 1)}).to_string(),
    );
    assert!(missing.body.contains("ResourceNotFoundException"));
}

#[test]
fn reached_by_its_target_prefix() {
    let (mut engine, _) = engine();
    let answer = engine.dispatch_target("DynaplayDaxSimulation.Describe", "{}");
    assert_eq!(answer.status, 200);
    assert!(answer.body.contains("\"Simulation\""));
    let unknown = engine.dispatch_target("DynaplayDaxSimulation.CreateTable", "{}");
    assert!(unknown.body.contains("UnknownOperationException"));
}
