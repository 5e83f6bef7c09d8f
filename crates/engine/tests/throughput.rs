//! Throttling through the API, on the manual clock: a hot partition on a provisioned table,
//! burst capacity running out, GSI back-pressure on table writes, batches handing back what was
//! throttled, the throttling switch, and the metrics view.

use std::sync::Arc;

use dynaplay_engine::{Engine, EngineConfig, ManualClock, NullStorage};
use serde_json::{json, Value};

const START: i64 = 1_700_000_000_000;
const TABLE_THROTTLED: &str = "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.";
const INDEX_THROTTLED: &str = "The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API";

fn engine(throttling: bool) -> (Engine, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(START));
    let config = EngineConfig {
        throttling,
        ..EngineConfig::default()
    };
    let engine = Engine::open(config, Box::new(clock.clone()), Box::new(NullStorage))
        .expect("an empty storage opens");
    (engine, clock)
}

fn call(engine: &mut Engine, op: &str, body: Value) -> (u16, Value) {
    let r = engine.dispatch(op, &body.to_string());
    (r.status, serde_json::from_str(&r.body).expect("JSON"))
}

/// A provisioned table keyed on `id`, with (read, write) units, and optionally a GSI on `g`.
fn create(engine: &mut Engine, units: (i64, i64), gsi_units: Option<(i64, i64)>) {
    let mut req = json!({
        "TableName": "Hot",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"},
                                 {"AttributeName": "g", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": units.0, "WriteCapacityUnits": units.1},
    });
    match gsi_units {
        Some((r, w)) => {
            req["GlobalSecondaryIndexes"] = json!([{
                "IndexName": "ByG",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                "ProvisionedThroughput": {"ReadCapacityUnits": r, "WriteCapacityUnits": w},
            }]);
        }
        None => {
            req["AttributeDefinitions"] = json!([{"AttributeName": "id", "AttributeType": "S"}]);
        }
    }
    let (status, body) = call(engine, "CreateTable", req);
    assert_eq!(status, 200, "{body}");
}

/// An item of about `kb` KB (so a write costs `kb` units, or `kb + 1` just over).
fn item(id: &str, kb: usize) -> Value {
    json!({"id": {"S": id}, "pad": {"S": "x".repeat(kb * 1024 - 10)}})
}

fn put(engine: &mut Engine, item: Value) -> (u16, Value) {
    call(engine, "PutItem", json!({"TableName": "Hot", "Item": item}))
}

fn is_throttled(body: &Value, message: &str) -> bool {
    body["__type"] == "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
        && body["message"] == message
}

#[test]
fn a_new_table_has_300_seconds_of_burst_then_its_provisioned_rate() {
    // Why: the first throttle must come exactly when the burst bucket (300 s of 1 WCU) is
    // spent, and after that the partition serves its provisioned rate and no more.
    let (mut e, clock) = engine(true);
    create(&mut e, (1, 1), None);
    // 10 KB items cost 10 WCU: 30 of them spend the 300 units of burst at once.
    for i in 0..30 {
        let (s, b) = put(&mut e, item(&format!("k{i}"), 10));
        assert_eq!(s, 200, "write {i}: {b}");
    }
    let (s, b) = put(&mut e, item("k30", 10));
    assert_eq!(s, 400);
    assert!(is_throttled(&b, TABLE_THROTTLED), "{b}");
    // Ten seconds at 1 WCU buy exactly one more 10 KB write.
    clock.advance(9_999);
    assert_eq!(put(&mut e, item("k30", 10)).0, 400);
    clock.advance(1);
    assert_eq!(put(&mut e, item("k30", 10)).0, 200);
    assert_eq!(put(&mut e, item("k31", 10)).0, 400);
    // Idle for longer than 300 s: only 300 s of unused capacity is kept.
    clock.advance(1_000_000);
    for i in 0..30 {
        assert_eq!(
            put(&mut e, item(&format!("b{i}"), 10)).0,
            200,
            "burst write {i}"
        );
    }
    assert_eq!(put(&mut e, item("b30", 10)).0, 400);
}

#[test]
fn a_hot_key_over_its_rate_drains_the_burst_then_is_throttled() {
    // Why: the throttling lesson: a load of 2 writes a second on a 1 WCU table runs on burst
    // capacity for about five minutes, then the first ProvisionedThroughputExceededException
    // comes, and from then on one write a second gets through.
    let (mut e, clock) = engine(true);
    create(&mut e, (1, 1), None);
    let mut first_throttle = None;
    for second in 0..310 {
        let mut served = 0;
        for n in 0..2 {
            let (s, b) = put(
                &mut e,
                json!({"id": {"S": "hot"}, "n": {"N": format!("{n}")}}),
            );
            if s == 200 {
                served += 1;
            } else {
                assert!(is_throttled(&b, TABLE_THROTTLED), "{b}");
                first_throttle.get_or_insert((second, n));
            }
        }
        // Before the burst is gone both writes pass; afterwards exactly one a second.
        if second < 299 {
            assert_eq!(served, 2, "second {second}");
        } else {
            assert_eq!(served, 1, "second {second}");
        }
        clock.advance(1_000);
    }
    // Balance at second t is 300 - t: at t = 299 one unit is left for the first write.
    assert_eq!(first_throttle, Some((299, 1)));
}

#[test]
fn a_throttled_write_changes_nothing_and_is_not_charged() {
    // Why: DynamoDB rejects a throttled request before doing anything, and does not bill it.
    let (mut e, _clock) = engine(true);
    create(&mut e, (1, 1), None);
    for i in 0..30 {
        put(&mut e, item(&format!("k{i}"), 10));
    }
    let (s, _) = put(&mut e, item("late", 10));
    assert_eq!(s, 400);
    let (_, got) = call(
        &mut e,
        "GetItem",
        json!({"TableName": "Hot", "Key": {"id": {"S": "late"}}}),
    );
    assert_eq!(got, json!({}));
    let m = e.metrics("Hot").expect("the table exists");
    let minute = &m["Table"]["Minutes"][0];
    assert_eq!(minute["ConsumedWriteCapacityUnits"], json!(300.0));
    assert_eq!(minute["ThrottledWriteCapacityUnits"], json!(10.0));
    assert_eq!(
        m["MostThrottledKeys"][0]["Key"],
        json!({"id": {"S": "late"}})
    );
}

#[test]
fn a_gsi_short_of_write_capacity_throttles_table_writes() {
    // Why: a table write must fit in every GSI it changes; otherwise DynamoDB throttles the
    // write with the GSI message, and the table write does not happen.
    let (mut e, _clock) = engine(true);
    create(&mut e, (100, 100), Some((1, 1)));
    for i in 0..30 {
        let mut it = item(&format!("k{i}"), 10);
        it["g"] = json!({"S": "x"});
        assert_eq!(put(&mut e, it).0, 200, "write {i}");
    }
    // An item without the GSI key does not touch the index, so it still fits.
    assert_eq!(put(&mut e, item("no-g", 10)).0, 200);
    let mut it = item("k30", 10);
    it["g"] = json!({"S": "x"});
    let (s, b) = put(&mut e, it);
    assert_eq!(s, 400);
    assert!(is_throttled(&b, INDEX_THROTTLED), "{b}");
    let (_, got) = call(
        &mut e,
        "GetItem",
        json!({"TableName": "Hot", "Key": {"id": {"S": "k30"}}}),
    );
    assert_eq!(got, json!({}));
}

#[test]
fn a_batch_hands_back_throttled_writes_and_fails_only_when_all_are() {
    // Why: BatchWriteItem returns throttled requests under UnprocessedItems; only when none
    // could be processed does it raise ProvisionedThroughputExceededException.
    let (mut e, _clock) = engine(true);
    create(&mut e, (1, 1), None);
    for i in 0..29 {
        put(&mut e, item(&format!("k{i}"), 10));
    }
    // 10 units left: the first 10 KB put fits, the second does not.
    let batch = json!({"RequestItems": {"Hot": [
        {"PutRequest": {"Item": item("a", 10)}},
        {"PutRequest": {"Item": item("b", 10)}},
    ]}});
    let (s, b) = call(&mut e, "BatchWriteItem", batch.clone());
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["UnprocessedItems"]["Hot"],
        json!([{"PutRequest": {"Item": item("b", 10)}}])
    );
    let (s, b) = call(&mut e, "BatchWriteItem", batch);
    assert_eq!(s, 400);
    assert!(is_throttled(&b, TABLE_THROTTLED), "{b}");
}

#[test]
fn reads_are_metered_apart_from_writes() {
    // Why: a table has separate read and write budgets; spending one leaves the other.
    let (mut e, _clock) = engine(true);
    create(&mut e, (1, 1), None);
    put(&mut e, item("big", 12));
    // A 12 KB item costs 3 RCU strongly consistent, 1.5 eventually: 300 units of burst buy
    // exactly 100 strongly consistent reads.
    let get = json!({"TableName": "Hot", "Key": {"id": {"S": "big"}}, "ConsistentRead": true});
    for i in 0..100 {
        assert_eq!(call(&mut e, "GetItem", get.clone()).0, 200, "read {i}");
    }
    let (s, b) = call(&mut e, "GetItem", get);
    assert_eq!(s, 400);
    assert!(is_throttled(&b, TABLE_THROTTLED), "{b}");
    assert_eq!(put(&mut e, item("small", 1)).0, 200);
    // Query and Scan draw on the same read budget.
    let (s, _) = call(&mut e, "Scan", json!({"TableName": "Hot"}));
    assert_eq!(s, 400);
}

#[test]
fn throttling_is_on_by_default_and_can_be_turned_off() {
    // Why: the default is pinned (a learner meets DynamoDB's limits), and the switch lets a
    // playground load data without limits while metrics still count every unit.
    assert!(EngineConfig::default().throttling);
    let (mut e, _clock) = engine(false);
    create(&mut e, (1, 1), None);
    for i in 0..40 {
        assert_eq!(put(&mut e, item(&format!("k{i}"), 10)).0, 200, "write {i}");
    }
    let m = e.metrics("Hot").expect("the table exists");
    assert_eq!(
        m["Table"]["Minutes"][0]["ConsumedWriteCapacityUnits"],
        json!(400.0)
    );
    assert_eq!(
        m["Table"]["Minutes"][0]["ThrottledWriteCapacityUnits"],
        json!(0.0)
    );
}

#[test]
fn metrics_keep_a_bounded_window_and_the_hottest_keys() {
    // Why: the metrics view must stay small however long the playground runs: 60 minutes of
    // history, ten hottest keys, and only the partitions that saw traffic.
    let (mut e, clock) = engine(true);
    create(&mut e, (100, 100), None);
    assert_eq!(
        e.metrics("Hot").expect("exists")["Table"]["Minutes"],
        json!([])
    );
    assert!(e.metrics("Missing").is_none());
    for minute in 0..70 {
        for k in 0..(minute % 20) {
            put(&mut e, json!({"id": {"S": format!("key{k}")}}));
        }
        put(&mut e, json!({"id": {"S": "always"}}));
        clock.advance(60_000);
    }
    let m = e.metrics("Hot").expect("exists");
    let minutes = m["Table"]["Minutes"].as_array().expect("a list");
    assert_eq!(minutes.len(), 60);
    assert_eq!(minutes[59]["Minute"], json!((START / 60_000 + 69) * 60_000));
    let top = m["MostAccessedKeys"].as_array().expect("a list");
    assert_eq!(top.len(), 10);
    assert_eq!(top[0], json!({"Key": {"id": {"S": "always"}}, "Count": 70}));
    assert_eq!(m["Table"]["PartitionCount"], json!(1));
    assert_eq!(m["Table"]["ItemCount"], json!(20));
    let partitions = m["Table"]["Partitions"].as_array().expect("a list");
    assert_eq!(partitions.len(), 1);
    assert_eq!(partitions[0]["ItemCount"], json!(20));
    assert_eq!(partitions[0]["Minutes"].as_array().map(Vec::len), Some(60));
}

#[test]
fn without_metrics_throttling_still_meters_and_answers_keep_their_capacity() {
    // Why: a host that never shows metrics (the server) turns them off. With throttling on the
    // meters must still decide it exactly as before; with throttling off they are skipped, and
    // ConsumedCapacity in answers must not change either way.
    for throttling in [true, false] {
        let clock = Arc::new(ManualClock::new(START));
        let config = EngineConfig {
            throttling,
            metrics: false,
            ..EngineConfig::default()
        };
        let mut e = Engine::open(config, Box::new(clock.clone()), Box::new(NullStorage))
            .expect("an empty storage opens");
        create(&mut e, (1, 1), None);
        put(&mut e, item("big", 12));
        let get = json!({"TableName": "Hot", "Key": {"id": {"S": "big"}},
                         "ConsistentRead": true, "ReturnConsumedCapacity": "TOTAL"});
        for i in 0..100 {
            let (s, b) = call(&mut e, "GetItem", get.clone());
            assert_eq!(s, 200, "read {i}: {b}");
            assert_eq!(b["ConsumedCapacity"]["CapacityUnits"], json!(3.0));
        }
        let (s, b) = call(&mut e, "GetItem", get);
        if throttling {
            assert_eq!(s, 400);
            assert!(is_throttled(&b, TABLE_THROTTLED), "{b}");
        } else {
            assert_eq!(s, 200, "{b}");
            let m = e.metrics("Hot").expect("the table exists");
            assert_eq!(m["Table"]["Minutes"], json!([]), "nothing metered: {m}");
        }
    }
}
