//! DynamoDB Streams and TTL end to end on a manual clock: the records a sequence of writes
//! produces under each view type, iterator types, expiry and trimming, shard roll-over,
//! disabling, persistence across `Engine::open`, and the TTL sweeper.

use std::sync::{Arc, Mutex};

use dynaplay_engine::{Engine, EngineConfig, ManualClock, MemoryStorage, NullStorage};
use serde_json::{json, Value};

/// 2026-01-01T00:00:00Z, as in the golden cases.
const START: i64 = 1_767_225_600_000;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

struct Harness {
    engine: Engine,
    clock: Arc<ManualClock>,
}

impl Harness {
    fn new() -> Harness {
        Self::with_storage(Box::new(NullStorage), 0)
    }

    fn with_storage(storage: Box<dyn dynaplay_engine::Storage + Send>, lifecycle: i64) -> Harness {
        let clock = Arc::new(ManualClock::new(START));
        let config = EngineConfig {
            lifecycle_millis: lifecycle,
            ..EngineConfig::default()
        };
        let engine = Engine::open(config, Box::new(clock.clone()), storage).expect("opens");
        Harness { engine, clock }
    }

    fn ok(&mut self, op: &str, body: Value) -> Value {
        let r = self.engine.dispatch(op, &body.to_string());
        assert_eq!(r.status, 200, "{op} {body} -> {}", r.body);
        serde_json::from_str(&r.body).expect("json")
    }

    fn streams_ok(&mut self, op: &str, body: Value) -> Value {
        let r = self.engine.dispatch_streams(op, &body.to_string());
        assert_eq!(r.status, 200, "{op} {body} -> {}", r.body);
        serde_json::from_str(&r.body).expect("json")
    }

    fn streams_err(&mut self, op: &str, body: Value) -> (String, String) {
        let r = self.engine.dispatch_streams(op, &body.to_string());
        assert_eq!(r.status, 400, "{op} {body} -> {}", r.body);
        let v: Value = serde_json::from_str(&r.body).expect("json");
        (
            v["__type"].as_str().unwrap_or_default().to_string(),
            v["message"].as_str().unwrap_or_default().to_string(),
        )
    }

    fn create_table(&mut self, name: &str, view: Option<&str>) -> String {
        let mut body = json!({
            "TableName": name,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": [{"IndexName": "byG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}],
            "BillingMode": "PAY_PER_REQUEST"
        });
        if let Some(v) = view {
            body["StreamSpecification"] = json!({"StreamEnabled": true, "StreamViewType": v});
        }
        let out = self.ok("CreateTable", body);
        out["TableDescription"]["LatestStreamArn"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn shards(&mut self, arn: &str) -> Vec<Value> {
        let d = self.streams_ok("DescribeStream", json!({"StreamArn": arn}));
        d["StreamDescription"]["Shards"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn iterator(&mut self, arn: &str, shard: &str, kind: &str, seq: Option<&str>) -> String {
        let mut body = json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": kind});
        if let Some(s) = seq {
            body["SequenceNumber"] = json!(s);
        }
        self.streams_ok("GetShardIterator", body)["ShardIterator"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn records(&mut self, iterator: &str) -> (Vec<Value>, Option<String>) {
        let out = self.streams_ok("GetRecords", json!({"ShardIterator": iterator}));
        (
            out["Records"].as_array().cloned().unwrap_or_default(),
            out["NextShardIterator"].as_str().map(str::to_string),
        )
    }

    fn read(&mut self, arn: &str, shard: &str, kind: &str) -> (Vec<Value>, Option<String>) {
        let it = self.iterator(arn, shard, kind, None);
        self.records(&it)
    }

    /// The id of the stream's first (oldest) shard.
    fn first_shard(&mut self, arn: &str) -> String {
        self.shards(arn)[0]["ShardId"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Puts an item with only its key `pk` = `pk` into `table`.
    fn put_key(&mut self, table: &str, pk: &str) -> Value {
        self.ok(
            "PutItem",
            json!({"TableName": table, "Item": {"pk": {"S": pk}}}),
        )
    }

    fn first_shard_records(&mut self, arn: &str) -> Vec<Value> {
        let shard = self.first_shard(arn);
        let it = self.iterator(arn, &shard, "TRIM_HORIZON", None);
        self.records(&it).0
    }

    fn write_sequence(&mut self, table: &str) {
        let item = |v: &str| json!({"pk": {"S": "a"}, "g": {"S": "x"}, "v": {"S": v}});
        self.ok("PutItem", json!({"TableName": table, "Item": item("1")}));
        self.ok("PutItem", json!({"TableName": table, "Item": item("2")}));
        // Identical put: no record.
        self.ok("PutItem", json!({"TableName": table, "Item": item("2")}));
        self.ok("UpdateItem", json!({"TableName": table, "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET w = :w", "ExpressionAttributeValues": {":w": {"N": "5"}}}));
        self.ok(
            "DeleteItem",
            json!({"TableName": table, "Key": {"pk": {"S": "a"}}}),
        );
        // Delete of a missing item: no record.
        self.ok(
            "DeleteItem",
            json!({"TableName": table, "Key": {"pk": {"S": "a"}}}),
        );
        self.ok(
            "BatchWriteItem",
            json!({"RequestItems": {table: [
                {"PutRequest": {"Item": {"pk": {"S": "b"}}}},
                {"PutRequest": {"Item": {"pk": {"S": "c"}}}}
            ]}}),
        );
    }
}

#[test]
fn each_view_type_carries_its_images() {
    // Why: the four view types decide which images a record carries; no-op writes record nothing.
    for view in ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"] {
        let mut h = Harness::new();
        let arn = h.create_table("Tbl", Some(view));
        h.write_sequence("Tbl");
        let records = h.first_shard_records(&arn);
        let names: Vec<&str> = records
            .iter()
            .map(|r| r["eventName"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(
            names,
            ["INSERT", "MODIFY", "MODIFY", "REMOVE", "INSERT", "INSERT"],
            "{view}"
        );
        let mut last_seq = String::new();
        for r in &records {
            assert_eq!(r["eventVersion"], "1.1");
            assert_eq!(r["eventSource"], "aws:dynamodb");
            assert_eq!(r["awsRegion"], "us-east-1");
            assert_eq!(r["eventID"].as_str().map(str::len), Some(32));
            assert!(r.get("userIdentity").is_none());
            let d = &r["dynamodb"];
            assert_eq!(d["StreamViewType"], view);
            assert_eq!(d["ApproximateCreationDateTime"], json!(1_767_225_600.0));
            let seq = d["SequenceNumber"].as_str().unwrap_or_default().to_string();
            assert_eq!(seq.len(), 21);
            assert!(seq > last_seq, "sequence numbers increase");
            last_seq = seq;
            assert!(d["SizeBytes"].as_u64().is_some_and(|n| n > 0));
            let has_new = d.get("NewImage").is_some();
            let has_old = d.get("OldImage").is_some();
            let event = r["eventName"].as_str().unwrap_or_default();
            let want_new = matches!(view, "NEW_IMAGE" | "NEW_AND_OLD_IMAGES") && event != "REMOVE";
            let want_old = matches!(view, "OLD_IMAGE" | "NEW_AND_OLD_IMAGES") && event != "INSERT";
            assert_eq!((has_new, has_old), (want_new, want_old), "{view} {event}");
        }
        assert_eq!(records[0]["dynamodb"]["Keys"], json!({"pk": {"S": "a"}}));
        if view == "NEW_AND_OLD_IMAGES" {
            let modify = &records[2]["dynamodb"];
            assert_eq!(modify["OldImage"]["v"], json!({"S": "2"}));
            assert_eq!(modify["NewImage"]["w"], json!({"N": "5"}));
            assert_eq!(records[3]["dynamodb"]["OldImage"]["w"], json!({"N": "5"}));
        }
    }
}

#[test]
fn iterator_types_position_reads() {
    // Why: TRIM_HORIZON, LATEST, AT_ and AFTER_SEQUENCE_NUMBER each start at a different record.
    let mut h = Harness::new();
    let arn = h.create_table("Tbl", Some("KEYS_ONLY"));
    for k in ["a", "b", "c"] {
        h.ok(
            "PutItem",
            json!({"TableName": "Tbl", "Item": {"pk": {"S": k}}}),
        );
    }
    let shard = h.first_shard(&arn);
    let all = h.read(&arn, &shard, "TRIM_HORIZON").0;
    let seqs: Vec<String> = all
        .iter()
        .map(|r| {
            r["dynamodb"]["SequenceNumber"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(seqs.len(), 3);
    let at = h.iterator(&arn, &shard, "AT_SEQUENCE_NUMBER", Some(&seqs[1]));
    assert_eq!(h.records(&at).0.len(), 2);
    let after = h.iterator(&arn, &shard, "AFTER_SEQUENCE_NUMBER", Some(&seqs[1]));
    assert_eq!(h.records(&after).0.len(), 1);
    let latest = h.iterator(&arn, &shard, "LATEST", None);
    let (none, next) = h.records(&latest);
    assert!(none.is_empty());
    h.put_key("Tbl", "d");
    let (one, _) = h.records(&next.unwrap_or_default());
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["dynamodb"]["Keys"]["pk"], json!({"S": "d"}));
    // Limit pages through the shard.
    let it = h.iterator(&arn, &shard, "TRIM_HORIZON", None);
    let page = h.streams_ok("GetRecords", json!({"ShardIterator": it, "Limit": 2}));
    assert_eq!(page["Records"].as_array().map(Vec::len), Some(2));
    let (rest, _) = h.records(page["NextShardIterator"].as_str().unwrap_or_default());
    assert_eq!(rest.len(), 2);
    // A sequence number outside the shard is refused.
    let (kind, _) = h.streams_err(
        "GetShardIterator",
        json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "AT_SEQUENCE_NUMBER", "SequenceNumber": "999999999999999999999"}),
    );
    assert_eq!(kind, "com.amazon.coral.validate#ValidationException");
}

#[test]
fn iterators_expire_after_fifteen_minutes_and_forgeries_are_refused() {
    // Why: DynamoDB iterators live 15 minutes; iterators are client input and never trusted.
    let mut h = Harness::new();
    let arn = h.create_table("Tbl", Some("KEYS_ONLY"));
    let shard = h.first_shard(&arn);
    let it = h.iterator(&arn, &shard, "TRIM_HORIZON", None);
    h.clock.advance(15 * MINUTE);
    h.records(&it);
    h.clock.advance(1);
    let (kind, message) = h.streams_err("GetRecords", json!({"ShardIterator": it}));
    assert_eq!(
        kind,
        "com.amazonaws.dynamodb.v20120810#ExpiredIteratorException"
    );
    assert_eq!(
        message,
        "Iterator expired. The iterator was created at time Thu Jan 01 00:00:00 UTC 2026 while right now it is Thu Jan 01 00:15:00 UTC 2026 which is further in the future than the tolerated delay of 900000 milliseconds."
    );
    let forged = it.replace("|1|", "|1|x");
    for bad in [forged.as_str(), "nonsense", "a|1|b"] {
        let (kind, message) = h.streams_err("GetRecords", json!({"ShardIterator": bad}));
        assert_eq!(kind, "com.amazon.coral.validate#ValidationException");
        assert_eq!(message, "Invalid ShardIterator");
    }
}

#[test]
fn records_are_trimmed_after_24_hours_and_shards_roll_over() {
    // Why: 24-hour retention, TrimmedDataAccessException for stale positions, and shards that
    // close and get children every four hours.
    let mut h = Harness::new();
    let arn = h.create_table("Tbl", Some("KEYS_ONLY"));
    h.put_key("Tbl", "old");
    let first = h.first_shard(&arn);
    let old_seq = h.first_shard_records(&arn)[0]["dynamodb"]["SequenceNumber"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    h.clock.advance(4 * HOUR);
    h.put_key("Tbl", "new");
    let shards = h.shards(&arn);
    assert_eq!(shards.len(), 2);
    assert_eq!(shards[1]["ParentShardId"], json!(first));
    assert!(shards[0]["SequenceNumberRange"]
        .get("EndingSequenceNumber")
        .is_some());
    assert!(shards[1]["SequenceNumberRange"]
        .get("EndingSequenceNumber")
        .is_none());
    // The closed shard drains, then its NextShardIterator is gone.
    let it = h.iterator(&arn, &first, "TRIM_HORIZON", None);
    let (records, next) = h.records(&it);
    assert_eq!(records.len(), 1);
    assert_eq!(next, None);
    let child = shards[1]["ShardId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (records, next) = h.read(&arn, &child, "TRIM_HORIZON");
    assert_eq!(records[0]["dynamodb"]["Keys"]["pk"], json!({"S": "new"}));
    assert!(next.is_some());

    // 24 hours after the first record it is trimmed: reading at it is TrimmedDataAccess, and
    // TRIM_HORIZON on the closed shard now finds nothing and ends the shard.
    h.clock.advance(20 * HOUR + 1);
    h.ok("ListTables", json!({}));
    let (kind, message) = h.streams_err(
        "GetShardIterator",
        json!({"StreamArn": arn, "ShardId": first, "ShardIteratorType": "AT_SEQUENCE_NUMBER", "SequenceNumber": old_seq}),
    );
    assert_eq!(
        kind,
        "com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException"
    );
    assert_eq!(
        message,
        "The operation attempted to read past the oldest stream record in a shard."
    );
    assert_eq!(h.read(&arn, &first, "TRIM_HORIZON"), (vec![], None));
    // A closed shard is listed until 24 hours after it closed.
    h.clock.advance(4 * HOUR);
    // (The child closed at hour 24 and its own child at hour 28: shards roll every four hours.)
    let shards = h.shards(&arn);
    assert!(shards.iter().all(|s| s["ShardId"] != json!(first)));
    assert_eq!(shards[0]["ShardId"], json!(child));
    assert_eq!(shards[1]["ParentShardId"], json!(child));
    let (kind, _) = h.streams_err(
        "GetShardIterator",
        json!({"StreamArn": arn, "ShardId": first, "ShardIteratorType": "TRIM_HORIZON"}),
    );
    assert_eq!(
        kind,
        "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
    );
}

#[test]
fn an_iterator_overtaken_by_trimming_is_trimmed_data_access() {
    // Why: an iterator handed out before its records expired must fail once they are trimmed,
    // not skip them silently.
    let mut h = Harness::new();
    let arn = h.create_table("Tbl", Some("KEYS_ONLY"));
    let shard = h.first_shard(&arn);
    h.put_key("Tbl", "a");
    h.clock.advance(24 * HOUR - MINUTE);
    let it = h.iterator(&arn, &shard, "TRIM_HORIZON", None);
    h.clock.advance(2 * MINUTE);
    let (kind, message) = h.streams_err("GetRecords", json!({"ShardIterator": it}));
    assert_eq!(
        kind,
        "com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException"
    );
    assert_eq!(
        message,
        "The operation attempted to read past the oldest stream record in a shard."
    );
}

#[test]
fn disabling_closes_the_stream_and_reenabling_makes_a_new_one() {
    // Why: a disabled stream stays readable (DISABLED, shards closed) for 24 hours; a new
    // stream gets a new label and ARN.
    let mut h = Harness::new();
    let arn = h.create_table("Tbl", Some("NEW_IMAGE"));
    h.put_key("Tbl", "a");
    h.clock.advance(1000);
    h.ok(
        "UpdateTable",
        json!({"TableName": "Tbl", "StreamSpecification": {"StreamEnabled": false}}),
    );
    let d = h.streams_ok("DescribeStream", json!({"StreamArn": arn}));
    assert_eq!(d["StreamDescription"]["StreamStatus"], "DISABLED");
    let shards = h.shards(&arn);
    assert!(shards[0]["SequenceNumberRange"]
        .get("EndingSequenceNumber")
        .is_some());
    // Writes while disabled record nothing; the old records drain with a null next iterator.
    h.put_key("Tbl", "b");
    let shard = shards[0]["ShardId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (records, next) = h.read(&arn, &shard, "TRIM_HORIZON");
    assert_eq!(records.len(), 1);
    assert_eq!(next, None);

    h.clock.advance(1000);
    let out = h.ok("UpdateTable", json!({"TableName": "Tbl", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}));
    let new_arn = out["TableDescription"]["LatestStreamArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_ne!(new_arn, arn);
    let listed = h.streams_ok("ListStreams", json!({"TableName": "Tbl"}));
    assert_eq!(listed["Streams"].as_array().map(Vec::len), Some(2));
    let page = h.streams_ok("ListStreams", json!({"Limit": 1}));
    assert_eq!(page["LastEvaluatedStreamArn"], json!(arn));
    let page2 = h.streams_ok(
        "ListStreams",
        json!({"Limit": 1, "ExclusiveStartStreamArn": arn}),
    );
    assert_eq!(page2["Streams"][0]["StreamArn"], json!(new_arn));
    assert!(page2.get("LastEvaluatedStreamArn").is_none());

    // 24 hours after disabling, the old stream is gone.
    h.clock.advance(24 * HOUR);
    let (kind, message) = h.streams_err("DescribeStream", json!({"StreamArn": arn}));
    assert_eq!(
        kind,
        "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
    );
    assert_eq!(
        message,
        format!("Requested resource not found: Stream: {arn} not found")
    );
}

#[test]
fn streams_and_records_survive_reopening() {
    // Why: stream state is engine state a Storage persists; Engine::open must restore it, and
    // a failed commit must leave neither the item nor its record behind.
    let storage = Arc::new(Mutex::new(MemoryStorage::new()));
    let mut h = Harness::with_storage(Box::new(storage.clone()), 0);
    let arn = h.create_table("Tbl", Some("NEW_AND_OLD_IMAGES"));
    h.put_key("Tbl", "a");
    if let Ok(mut s) = storage.lock() {
        s.fail_next_commit();
    }
    let failed = h.engine.dispatch(
        "PutItem",
        &json!({"TableName": "Tbl", "Item": {"pk": {"S": "b"}}}).to_string(),
    );
    assert_eq!(failed.status, 500);
    let before = h.first_shard_records(&arn);
    assert_eq!(before.len(), 1);

    let clock = h.clock.clone();
    let mut reopened = Harness {
        engine: Engine::open(
            EngineConfig::default(),
            Box::new(clock),
            Box::new(storage.clone()),
        )
        .expect("reopens"),
        clock: h.clock.clone(),
    };
    assert_eq!(reopened.first_shard_records(&arn), before);
    reopened.ok(
        "PutItem",
        json!({"TableName": "Tbl", "Item": {"pk": {"S": "c"}}}),
    );
    let after = reopened.first_shard_records(&arn);
    assert_eq!(after.len(), 2);
    assert!(
        after[1]["dynamodb"]["SequenceNumber"].as_str()
            > after[0]["dynamodb"]["SequenceNumber"].as_str(),
        "the counter continues after a restart"
    );
}

#[test]
fn stream_errors_use_dynamodb_texts() {
    // Why: clients branch on these exception types and messages.
    let mut h = Harness::new();
    h.create_table("Tbl", Some("KEYS_ONLY"));
    let missing =
        "arn:aws:dynamodb:us-east-1:000000000000:table/Tbl/stream/2020-01-01T00:00:00.000";
    let (kind, message) = h.streams_err("DescribeStream", json!({"StreamArn": missing}));
    assert_eq!(
        kind,
        "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
    );
    assert_eq!(
        message,
        format!("Requested resource not found: Stream: {missing} not found")
    );
    let (kind, message) = h.streams_err("GetRecords", json!({}));
    assert_eq!(kind, "com.amazon.coral.validate#ValidationException");
    assert_eq!(
        message,
        "1 validation error detected: Value null at 'shardIterator' failed to satisfy constraint: Member must not be null"
    );
    let (_, message) = h.streams_err("GetRecords", json!({"ShardIterator": "x", "Limit": 1001}));
    assert_eq!(
        message,
        "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000"
    );
    let r = h
        .engine
        .dispatch_target("DynamoDBStreams_20120810.Nope", "{}");
    assert!(r.body.contains("UnknownOperationException"));
    let r = h
        .engine
        .dispatch_target("Kinesis_20131202.ListStreams", "{}");
    assert!(r.body.contains("UnknownOperationException"));
    let r = h
        .engine
        .dispatch_target("DynamoDBStreams_20120810.ListStreams", "{}");
    assert_eq!(r.status, 200);
    let r = h
        .engine
        .dispatch_target("DynamoDB_20120810.ListTables", "{}");
    assert_eq!(r.status, 200);
    let r = h.engine.dispatch("Streams.ListStreams", "{}");
    assert_eq!(r.status, 200);
}

#[test]
fn ttl_sweeps_expired_items_with_service_records_and_index_cleanup() {
    // Why: the TTL sweeper deletes only what DynamoDB's rules say, through the write path, so
    // REMOVE records carry the service identity and GSI entries go too.
    let mut h = Harness::new();
    let arn = h.create_table("Tbl", Some("OLD_IMAGE"));
    h.ok("UpdateTimeToLive", json!({"TableName": "Tbl", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "exp"}}));
    let now_s = START / 1000;
    let items = [
        ("past", json!({"N": (now_s + 30).to_string()})),
        ("future", json!({"N": (now_s + 3600).to_string()})),
        ("string", json!({"S": (now_s - 10).to_string()})),
        (
            "too-old",
            json!({"N": (now_s - 6 * 365 * 86_400).to_string()}),
        ),
        ("none", Value::Null),
    ];
    for (k, exp) in &items {
        let mut item = json!({"pk": {"S": k}, "g": {"S": "x"}});
        if !exp.is_null() {
            item["exp"] = exp.clone();
        }
        h.ok("PutItem", json!({"TableName": "Tbl", "Item": item}));
    }
    // 45 s later the first item has expired, but the lazy sweep (once a simulated minute) has
    // not come round again: expired items stay readable until swept.
    h.clock.advance(45_000);
    let got = h.ok(
        "GetItem",
        json!({"TableName": "Tbl", "Key": {"pk": {"S": "past"}}}),
    );
    assert!(got.get("Item").is_some());
    assert_eq!(h.engine.sweep_ttl(), 1);
    assert_eq!(h.engine.sweep_ttl(), 0);
    let got = h.ok(
        "GetItem",
        json!({"TableName": "Tbl", "Key": {"pk": {"S": "past"}}}),
    );
    assert!(got.get("Item").is_none());
    let q = h.ok("Query", json!({"TableName": "Tbl", "IndexName": "byG", "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "x"}}}));
    assert_eq!(q["Count"], json!(4));
    let records = h.first_shard_records(&arn);
    let remove = records.last().cloned().unwrap_or_default();
    assert_eq!(remove["eventName"], "REMOVE");
    assert_eq!(
        remove["userIdentity"],
        json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"})
    );
    assert_eq!(remove["dynamodb"]["OldImage"]["pk"], json!({"S": "past"}));
    // The lazy sweep at dispatch catches the next one once a simulated minute has passed.
    h.clock.advance(HOUR + MINUTE);
    let got = h.ok(
        "GetItem",
        json!({"TableName": "Tbl", "Key": {"pk": {"S": "future"}}}),
    );
    assert!(got.get("Item").is_none());
}

#[test]
fn ttl_settings_follow_dynamodb_rules() {
    // Why: UpdateTimeToLive is not idempotent, changes at most once an hour, and its status
    // moves ENABLING → ENABLED on the clock.
    let mut h = Harness::with_storage(Box::new(NullStorage), 5_000);
    h.create_table("Tbl", None);
    h.clock.advance(10_000);
    let d = h.ok("DescribeTimeToLive", json!({"TableName": "Tbl"}));
    assert_eq!(
        d,
        json!({"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}})
    );
    let out = h.ok("UpdateTimeToLive", json!({"TableName": "Tbl", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "exp"}}));
    assert_eq!(
        out,
        json!({"TimeToLiveSpecification": {"Enabled": true, "AttributeName": "exp"}})
    );
    let d = h.ok("DescribeTimeToLive", json!({"TableName": "Tbl"}));
    assert_eq!(
        d["TimeToLiveDescription"],
        json!({"TimeToLiveStatus": "ENABLING", "AttributeName": "exp"})
    );
    h.clock.advance(5_000);
    let d = h.ok("DescribeTimeToLive", json!({"TableName": "Tbl"}));
    assert_eq!(d["TimeToLiveDescription"]["TimeToLiveStatus"], "ENABLED");
    let again = h.engine.dispatch("UpdateTimeToLive", &json!({"TableName": "Tbl", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "exp"}}).to_string());
    assert!(
        again.body.contains("TimeToLive is already enabled"),
        "{}",
        again.body
    );
    let soon = h.engine.dispatch("UpdateTimeToLive", &json!({"TableName": "Tbl", "TimeToLiveSpecification": {"Enabled": false, "AttributeName": "exp"}}).to_string());
    assert!(
        soon.body
            .contains("Time to live has been modified multiple times within a fixed interval"),
        "{}",
        soon.body
    );
    h.clock.advance(HOUR);
    h.ok("UpdateTimeToLive", json!({"TableName": "Tbl", "TimeToLiveSpecification": {"Enabled": false, "AttributeName": "exp"}}));
    let d = h.ok("DescribeTimeToLive", json!({"TableName": "Tbl"}));
    assert_eq!(d["TimeToLiveDescription"]["TimeToLiveStatus"], "DISABLING");
    h.clock.advance(HOUR);
    let off = h.engine.dispatch("UpdateTimeToLive", &json!({"TableName": "Tbl", "TimeToLiveSpecification": {"Enabled": false, "AttributeName": "exp"}}).to_string());
    assert!(
        off.body.contains("TimeToLive is already disabled"),
        "{}",
        off.body
    );
}

#[test]
fn hostile_stream_and_ttl_requests_get_errors() {
    // Why: no request may panic the engine; stream and TTL inputs (ARNs, shard ids, iterators,
    // sequence numbers) all come from clients.
    let mut h = Harness::new();
    let arn = h.create_table("Tbl", Some("NEW_AND_OLD_IMAGES"));
    h.put_key("Tbl", "a");
    let shard = h.first_shard(&arn);
    let it = h.iterator(&arn, &shard, "TRIM_HORIZON", None);
    let huge = "9".repeat(40);
    let bodies = [
        "{".to_string(),
        "[]".into(),
        "null".into(),
        json!({"StreamArn": 5}).to_string(),
        json!({"StreamArn": arn, "Limit": -1}).to_string(),
        json!({"StreamArn": arn, "Limit": 1e300}).to_string(),
        json!({"StreamArn": arn, "ExclusiveStartShardId": "shardId-".repeat(5)}).to_string(),
        json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "AT_SEQUENCE_NUMBER", "SequenceNumber": huge}).to_string(),
        json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": "-00000000000000000000001"}).to_string(),
        json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "AT_SEQUENCE_NUMBER", "SequenceNumber": "1e30000000000000000000"}).to_string(),
        json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "LATEST", "SequenceNumber": "x".repeat(41)}).to_string(),
        json!({"ShardIterator": "|".repeat(2000)}).to_string(),
        json!({"ShardIterator": format!("{arn}|1|{}", "A".repeat(1500))}).to_string(),
        json!({"TableName": "Tbl", "TimeToLiveSpecification": {"Enabled": "maybe", "AttributeName": ""}}).to_string(),
        json!({"TableName": "Tbl", "TimeToLiveSpecification": []}).to_string(),
    ];
    let ops = [
        "ListStreams",
        "DescribeStream",
        "GetShardIterator",
        "GetRecords",
    ];
    for body in &bodies {
        for op in ops {
            let r = h.engine.dispatch_streams(op, body);
            let v: Value = serde_json::from_str(&r.body).expect("json");
            assert!(
                r.status == 200 || v["__type"].as_str().is_some(),
                "{op} {body}: {}",
                r.body
            );
            assert_ne!(r.status, 500, "{op} {body}: {}", r.body);
        }
        for op in ["UpdateTimeToLive", "DescribeTimeToLive"] {
            let r = h.engine.dispatch(op, body);
            assert_ne!(r.status, 500, "{op} {body}: {}", r.body);
        }
    }
    // Every one-character change to a real iterator is refused or harmless.
    let chars: Vec<char> = it.chars().collect();
    for i in 0..chars.len() {
        for replacement in ['A', '|', '0', '/'] {
            let mut mangled = chars.clone();
            mangled[i] = replacement;
            let mangled: String = mangled.into_iter().collect();
            let r = h
                .engine
                .dispatch_streams("GetRecords", &json!({"ShardIterator": mangled}).to_string());
            assert_ne!(r.status, 500, "{mangled}: {}", r.body);
        }
    }
}

#[test]
fn reenabling_in_the_same_millisecond_still_makes_a_new_stream() {
    // Why: on a manual clock a stream can be disabled and re-enabled without time passing; the
    // new stream must still get its own label, or its writes would have nowhere to go.
    let mut h = Harness::new();
    let arn = h.create_table("Tbl", Some("KEYS_ONLY"));
    h.ok(
        "UpdateTable",
        json!({"TableName": "Tbl", "StreamSpecification": {"StreamEnabled": false}}),
    );
    let out = h.ok("UpdateTable", json!({"TableName": "Tbl", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}));
    let new_arn = out["TableDescription"]["LatestStreamArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_ne!(new_arn, arn);
    h.put_key("Tbl", "a");
    assert_eq!(h.first_shard_records(&new_arn).len(), 1);
    assert!(h.first_shard_records(&arn).is_empty());
}

#[test]
fn a_table_recreated_in_the_same_millisecond_gets_its_own_stream() {
    // Why: the deleted table's stream stays readable for 24 hours under its ARN; the new
    // table's stream must not collide with it.
    let mut h = Harness::new();
    let old = h.create_table("Tbl", Some("KEYS_ONLY"));
    h.ok("DeleteTable", json!({"TableName": "Tbl"}));
    let new = h.create_table("Tbl", Some("KEYS_ONLY"));
    assert_ne!(new, old);
    h.put_key("Tbl", "a");
    assert_eq!(h.first_shard_records(&new).len(), 1);
    let d = h.streams_ok("DescribeStream", json!({"StreamArn": old}));
    assert_eq!(d["StreamDescription"]["StreamStatus"], "DISABLED");
}

#[test]
fn a_deleting_table_does_not_block_other_streams() {
    // Why: while one table is DELETING (its stream already disabled), writes to other streamed
    // tables must still be recorded.
    let mut h = Harness::with_storage(Box::new(NullStorage), 5_000);
    h.create_table("Old", Some("KEYS_ONLY"));
    let arn = h.create_table("New", Some("KEYS_ONLY"));
    h.clock.advance(5_000);
    h.ok("DeleteTable", json!({"TableName": "Old"}));
    h.put_key("New", "a");
    assert_eq!(h.first_shard_records(&arn).len(), 1);
}

#[test]
fn ttl_settings_survive_reopening() {
    // Why: the TTL setting is table state a Storage persists; after a restart the sweeper must
    // still know which attribute to watch and when it last changed.
    let storage = Arc::new(Mutex::new(MemoryStorage::new()));
    let mut h = Harness::with_storage(Box::new(storage.clone()), 0);
    h.create_table("Tbl", None);
    h.ok("UpdateTimeToLive", json!({"TableName": "Tbl", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "exp"}}));
    h.ok("PutItem", json!({"TableName": "Tbl", "Item": {"pk": {"S": "a"}, "exp": {"N": (START / 1000 + 10).to_string()}}}));
    let clock = h.clock.clone();
    let mut reopened = Harness {
        engine: Engine::open(
            EngineConfig::default(),
            Box::new(clock.clone()),
            Box::new(storage.clone()),
        )
        .expect("reopens"),
        clock,
    };
    let d = reopened.ok("DescribeTimeToLive", json!({"TableName": "Tbl"}));
    assert_eq!(
        d["TimeToLiveDescription"],
        json!({"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"})
    );
    let again = reopened.engine.dispatch("UpdateTimeToLive", &json!({"TableName": "Tbl", "TimeToLiveSpecification": {"Enabled": false, "AttributeName": "exp"}}).to_string());
    assert!(
        again.body.contains("modified multiple times"),
        "{}",
        again.body
    );
    reopened.clock.advance(MINUTE);
    assert_eq!(reopened.engine.sweep_ttl(), 1);
}
