//! The global tables simulation (version 2019.11.21) on a manual clock: adding a replica copies
//! the items, writes reach the other region only after the replication delay, concurrent writes
//! converge to the later writer with a recorded conflict, deletes replicate, DescribeTable shows
//! Replicas in every region, replicas are removed, and the errors DynamoDB gives.

use std::sync::Arc;

use dynaplay_engine::{Engine, EngineConfig, ManualClock, NullStorage};
use serde_json::{json, Value};

#[path = "support/regions.rs"]
mod regions;

use regions::{add_replica, call, error, music_table, ok, put, read, EU, START, US};

fn engine_with(billing: Value) -> (Engine, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(START));
    let mut engine = Engine::open(
        EngineConfig::default(),
        Box::new(clock.clone()),
        Box::new(NullStorage),
    )
    .expect("an empty storage opens");
    call(&mut engine, US, "CreateTable", music_table(billing)).expect("table created");
    (engine, clock)
}

fn engine() -> (Engine, Arc<ManualClock>) {
    engine_with(json!({"BillingMode": "PAY_PER_REQUEST"}))
}

/// DescribeTable of `Music` in a region; its answer.
fn describe_music(engine: &mut Engine, region: &str) -> Value {
    ok(
        engine,
        region,
        "DescribeTable",
        json!({"TableName": "Music"}),
    )
}

/// `Music` is not found in `region` (no replica there, or not yet, or no more).
fn assert_no_music_in(engine: &mut Engine, region: &str) {
    let (kind, _) = error(
        engine,
        region,
        "GetItem",
        json!({"TableName": "Music", "Key": {"pk": {"S": "a"}}}),
    );
    assert!(kind.ends_with("ResourceNotFoundException"), "{kind}");
}

#[test]
fn a_new_replica_gets_the_existing_items_and_describes_itself() {
    let (mut engine, _clock) = engine();
    put(&mut engine, US, "a", "1");
    put(&mut engine, US, "b", "2");
    // No replica yet: the table does not exist in eu-west-1.
    let (kind, message) = error(
        &mut engine,
        EU,
        "DescribeTable",
        json!({"TableName": "Music"}),
    );
    assert!(kind.ends_with("ResourceNotFoundException"), "{kind}");
    assert_eq!(
        message,
        "Requested resource not found: Table: Music not found"
    );
    let answer = add_replica(&mut engine, EU);
    assert_eq!(answer["TableDescription"]["TableName"], "Music");
    assert_eq!(
        answer["TableDescription"]["Replicas"],
        json!([{"RegionName": EU, "ReplicaStatus": "ACTIVE"}])
    );
    // DynamoDB turns on the stream with new and old images for the replica.
    assert_eq!(
        answer["TableDescription"]["StreamSpecification"],
        json!({"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    );
    assert_eq!(read(&mut engine, EU, "a").as_deref(), Some("1"));
    assert_eq!(read(&mut engine, EU, "b").as_deref(), Some("2"));

    let home = describe_music(&mut engine, US);
    assert_eq!(home["Table"]["GlobalTableVersion"], "2019.11.21");
    assert_eq!(home["Table"]["Replicas"][0]["RegionName"], EU);
    let away = describe_music(&mut engine, EU);
    assert_eq!(away["Table"]["TableName"], "Music");
    assert_eq!(away["Table"]["GlobalTableVersion"], "2019.11.21");
    assert_eq!(
        away["Table"]["Replicas"],
        json!([{"RegionName": US, "ReplicaStatus": "ACTIVE"}])
    );
    assert_eq!(
        away["Table"]["TableArn"],
        "arn:aws:dynamodb:eu-west-1:000000000000:table/Music"
    );
    assert_eq!(away["Table"]["ItemCount"], 2);
    // Each region lists its own tables by their names; the internal name never shows.
    let listed = ok(&mut engine, EU, "ListTables", json!({}));
    assert_eq!(listed["TableNames"], json!(["Music"]));
    let listed = ok(&mut engine, US, "ListTables", json!({}));
    assert_eq!(listed["TableNames"], json!(["Music"]));
}

#[test]
fn writes_reach_the_other_region_only_after_the_delay() {
    let (mut engine, clock) = engine();
    add_replica(&mut engine, EU);
    put(&mut engine, US, "a", "from-us");
    assert_eq!(read(&mut engine, EU, "a"), None);
    clock.advance(999);
    assert_eq!(read(&mut engine, EU, "a"), None);
    clock.advance(1);
    assert_eq!(read(&mut engine, EU, "a").as_deref(), Some("from-us"));

    // And the other way, with a configured delay.
    ok(
        &mut engine,
        US,
        "GlobalTables.Configure",
        json!({"ReplicationDelayMillis": 5000}),
    );
    put(&mut engine, EU, "b", "from-eu");
    let described = ok(&mut engine, US, "GlobalTables.Describe", json!({}));
    assert_eq!(described["PendingReplications"][0]["FromRegion"], EU);
    assert_eq!(described["PendingReplications"][0]["ToRegion"], US);
    assert_eq!(
        described["PendingReplications"][0]["Key"],
        json!({"pk": {"S": "b"}})
    );
    clock.advance(4999);
    assert_eq!(read(&mut engine, US, "b"), None);
    clock.advance(1);
    assert_eq!(read(&mut engine, US, "b").as_deref(), Some("from-eu"));
    let described = ok(&mut engine, US, "GlobalTables.Describe", json!({}));
    assert_eq!(described["PendingReplications"], json!([]));
    assert_eq!(described["ReplicatedWrites"], 2);
    assert!(described["Simulation"].as_str().is_some());
}

#[test]
fn concurrent_writes_converge_to_the_later_writer_with_a_conflict_recorded() {
    let (mut engine, clock) = engine();
    add_replica(&mut engine, EU);
    put(&mut engine, US, "k", "first-us");
    clock.advance(100);
    put(&mut engine, EU, "k", "later-eu");
    clock.advance(2000);
    assert_eq!(read(&mut engine, US, "k").as_deref(), Some("later-eu"));
    assert_eq!(read(&mut engine, EU, "k").as_deref(), Some("later-eu"));
    let described = ok(&mut engine, US, "GlobalTables.Describe", json!({}));
    let conflicts = described["Conflicts"].as_array().expect("a list");
    assert_eq!(conflicts.len(), 1, "{described}");
    let c = &conflicts[0];
    assert_eq!(c["TableName"], "Music");
    assert_eq!(c["Key"], json!({"pk": {"S": "k"}}));
    assert_eq!(c["Winner"]["Region"], EU);
    assert_eq!(c["Winner"]["Item"]["v"]["S"], "later-eu");
    assert_eq!(c["Loser"]["Region"], US);
    assert_eq!(c["Loser"]["Item"]["v"]["S"], "first-us");
}

#[test]
fn same_millisecond_writes_break_the_tie_by_region() {
    let (mut engine, clock) = engine();
    add_replica(&mut engine, EU);
    put(&mut engine, US, "k", "us");
    put(&mut engine, EU, "k", "eu");
    clock.advance(1000);
    // Same time: the larger region name wins, in both regions alike.
    assert_eq!(read(&mut engine, US, "k").as_deref(), Some("us"));
    assert_eq!(read(&mut engine, EU, "k").as_deref(), Some("us"));
    let described = ok(&mut engine, US, "GlobalTables.Describe", json!({}));
    let conflicts = described["Conflicts"].as_array().expect("a list");
    assert_eq!(conflicts.len(), 1, "{described}");
    assert_eq!(conflicts[0]["Winner"]["Region"], US);
    assert_eq!(conflicts[0]["Loser"]["Item"]["v"]["S"], "eu");
}

#[test]
fn a_write_that_saw_the_other_one_is_no_conflict() {
    let (mut engine, clock) = engine();
    add_replica(&mut engine, EU);
    put(&mut engine, US, "k", "1");
    clock.advance(1000);
    assert_eq!(read(&mut engine, EU, "k").as_deref(), Some("1"));
    put(&mut engine, EU, "k", "2");
    clock.advance(1000);
    assert_eq!(read(&mut engine, US, "k").as_deref(), Some("2"));
    let described = ok(&mut engine, US, "GlobalTables.Describe", json!({}));
    assert_eq!(described["Conflicts"], json!([]));
}

#[test]
fn deletes_and_updates_replicate() {
    let (mut engine, clock) = engine();
    put(&mut engine, US, "a", "1");
    add_replica(&mut engine, EU);
    ok(
        &mut engine,
        EU,
        "DeleteItem",
        json!({"TableName": "Music", "Key": {"pk": {"S": "a"}}}),
    );
    ok(
        &mut engine,
        EU,
        "UpdateItem",
        json!({"TableName": "Music", "Key": {"pk": {"S": "c"}},
               "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": {"S": "3"}}}),
    );
    ok(
        &mut engine,
        EU,
        "BatchWriteItem",
        json!({"RequestItems": {"Music": [{"PutRequest": {"Item": {"pk": {"S": "d"}, "v": {"S": "4"}}}}]}}),
    );
    assert_eq!(read(&mut engine, US, "a").as_deref(), Some("1"));
    clock.advance(1000);
    assert_eq!(read(&mut engine, US, "a"), None);
    assert_eq!(read(&mut engine, US, "c").as_deref(), Some("3"));
    assert_eq!(read(&mut engine, US, "d").as_deref(), Some("4"));
    // BatchGetItem in the replica region answers under the user's table name.
    let got = ok(
        &mut engine,
        EU,
        "BatchGetItem",
        json!({"RequestItems": {"Music": {"Keys": [{"pk": {"S": "c"}}]}}}),
    );
    assert_eq!(got["Responses"]["Music"][0]["v"]["S"], "3");
}

#[test]
fn removing_a_replica_and_deleting_tables() {
    let (mut engine, clock) = engine();
    add_replica(&mut engine, EU);
    // The home table cannot go while it has replicas.
    let (kind, _) = error(
        &mut engine,
        US,
        "DeleteTable",
        json!({"TableName": "Music"}),
    );
    assert!(kind.ends_with("ValidationException"), "{kind}");
    put(&mut engine, US, "a", "1");
    let answer = ok(
        &mut engine,
        US,
        "UpdateTable",
        json!({"TableName": "Music", "ReplicaUpdates": [{"Delete": {"RegionName": EU}}]}),
    );
    assert!(answer["TableDescription"].get("Replicas").is_none());
    assert_no_music_in(&mut engine, EU);
    // The queued write to the removed replica is dropped, not delivered anywhere.
    clock.advance(1000);
    let described = ok(&mut engine, US, "GlobalTables.Describe", json!({}));
    assert_eq!(described["PendingReplications"], json!([]));
    assert_eq!(described["GlobalTables"], json!([]));

    // DeleteTable in a replica region removes that replica.
    add_replica(&mut engine, EU);
    add_replica(&mut engine, "ap-southeast-2");
    let gone = ok(
        &mut engine,
        EU,
        "DeleteTable",
        json!({"TableName": "Music"}),
    );
    assert_eq!(gone["TableDescription"]["TableStatus"], "DELETING");
    assert_eq!(gone["TableDescription"]["TableName"], "Music");
    let home = describe_music(&mut engine, US);
    assert_eq!(
        home["Table"]["Replicas"],
        json!([{"RegionName": "ap-southeast-2", "ReplicaStatus": "ACTIVE"}])
    );
    assert_eq!(
        read(&mut engine, "ap-southeast-2", "a").as_deref(),
        Some("1")
    );
}

#[test]
fn replica_status_follows_the_lifecycle_clock() {
    let clock = Arc::new(ManualClock::new(START));
    let mut engine = Engine::open(
        EngineConfig {
            lifecycle_millis: 10_000,
            ..EngineConfig::default()
        },
        Box::new(clock.clone()),
        Box::new(NullStorage),
    )
    .expect("opens");
    ok(
        &mut engine,
        US,
        "CreateTable",
        music_table(json!({"BillingMode": "PAY_PER_REQUEST"})),
    );
    clock.advance(10_000);
    let answer = add_replica(&mut engine, EU);
    assert_eq!(answer["TableDescription"]["TableStatus"], "UPDATING");
    assert_eq!(
        answer["TableDescription"]["Replicas"][0]["ReplicaStatus"],
        "CREATING"
    );
    // A replica being created is not found in its region yet.
    assert_no_music_in(&mut engine, EU);
    clock.advance(10_000);
    let home = describe_music(&mut engine, US);
    assert_eq!(home["Table"]["TableStatus"], "ACTIVE");
    assert_eq!(home["Table"]["Replicas"][0]["ReplicaStatus"], "ACTIVE");
    assert_eq!(read(&mut engine, EU, "a"), None);
}

#[test]
fn replica_updates_errors() {
    let (mut engine, _clock) = engine();
    let update = |updates: Value| json!({"TableName": "Music", "ReplicaUpdates": updates});
    let (kind, message) = error(
        &mut engine,
        US,
        "UpdateTable",
        update(json!([{"Create": {"RegionName": "Ireland"}}])),
    );
    assert!(kind.ends_with("ValidationException"), "{kind}");
    assert!(message.contains("Ireland"), "{message}");
    add_replica(&mut engine, EU);
    let (kind, message) = error(
        &mut engine,
        US,
        "UpdateTable",
        update(json!([{"Create": {"RegionName": EU}}])),
    );
    assert!(kind.ends_with("ValidationException"), "{kind}");
    assert!(
        message.contains("already exists in region eu-west-1"),
        "{message}"
    );
    let (kind, _) = error(
        &mut engine,
        US,
        "UpdateTable",
        update(
            json!([{"Create": {"RegionName": "ap-south-1"}}, {"Create": {"RegionName": "sa-east-1"}}]),
        ),
    );
    assert!(kind.ends_with("ValidationException"), "{kind}");
    let (kind, message) = error(
        &mut engine,
        US,
        "UpdateTable",
        update(json!([{"Delete": {"RegionName": "ap-south-1"}}])),
    );
    assert!(kind.ends_with("ValidationException"), "{kind}");
    assert!(
        message.contains("does not exist in region ap-south-1"),
        "{message}"
    );
    let (kind, _) = error(
        &mut engine,
        US,
        "UpdateTable",
        update(json!([{"Create": {}}])),
    );
    assert!(kind.ends_with("ValidationException"), "{kind}");
    let (kind, _) = error(&mut engine, US, "UpdateTable", update(json!("nope")));
    assert!(kind.ends_with("SerializationException"), "{kind}");
    for (region, action) in [(US, "Create"), (EU, "Delete")] {
        let (kind, message) = error(
            &mut engine,
            region,
            "UpdateTable",
            update(json!([{action: {"RegionName": region}}])),
        );
        assert!(kind.ends_with("ValidationException"), "{kind}");
        assert_eq!(message, "Cannot add, delete, or update the local region through ReplicaUpdates. Use CreateTable, DeleteTable, or UpdateTable as required.");
    }
    // From the replica's region, the home region already has the table.
    let (_, message) = error(
        &mut engine,
        EU,
        "UpdateTable",
        update(json!([{"Create": {"RegionName": US}}])),
    );
    assert!(
        message.contains("already exists in region us-east-1"),
        "{message}"
    );
    // Tables are created in the home region only, in this simulation.
    let (kind, message) = error(
        &mut engine,
        EU,
        "CreateTable",
        json!({"TableName": "Other", "BillingMode": "PAY_PER_REQUEST",
               "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
               "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}),
    );
    assert!(kind.ends_with("ValidationException"), "{kind}");
    assert!(message.starts_with("Simulation:"), "{message}");
    // The internal name is not a name a user can give.
    let (kind, _) = error(
        &mut engine,
        US,
        "DescribeTable",
        json!({"TableName": "Music@eu-west-1"}),
    );
    assert!(kind.ends_with("ValidationException"), "{kind}");

    // A provisioned table without auto scaling cannot get replicas.
    let (mut engine, _clock) = engine_with(json!({
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    }));
    let (kind, message) = error(
        &mut engine,
        US,
        "UpdateTable",
        update(json!([{"Create": {"RegionName": EU}}])),
    );
    assert!(kind.ends_with("ValidationException"), "{kind}");
    assert_eq!(
        message,
        "Table write capacity should either be Pay-Per-Request or AutoScaled."
    );
    // Nor a table whose stream shows keys only.
    let (mut engine, _clock) = engine_with(json!({
        "BillingMode": "PAY_PER_REQUEST",
        "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}
    }));
    let (kind, message) = error(
        &mut engine,
        US,
        "UpdateTable",
        update(json!([{"Create": {"RegionName": EU}}])),
    );
    assert!(kind.ends_with("ValidationException"), "{kind}");
    assert!(message.contains("NEW_AND_OLD_IMAGES"), "{message}");
}

#[test]
fn replicas_and_their_items_survive_a_reload() {
    let clock = Arc::new(ManualClock::new(START));
    let storage = Arc::new(std::sync::Mutex::new(dynaplay_engine::MemoryStorage::new()));
    let open = |storage: &Arc<std::sync::Mutex<dynaplay_engine::MemoryStorage>>| {
        Engine::open(
            EngineConfig::default(),
            Box::new(clock.clone()),
            Box::new(storage.clone()),
        )
        .expect("opens")
    };
    let mut engine = open(&storage);
    ok(
        &mut engine,
        US,
        "CreateTable",
        music_table(json!({"BillingMode": "PAY_PER_REQUEST"})),
    );
    put(&mut engine, US, "a", "1");
    add_replica(&mut engine, EU);
    put(&mut engine, EU, "b", "2");
    clock.advance(1000);
    assert_eq!(read(&mut engine, US, "b").as_deref(), Some("2"));
    // A write still on its way when the engine goes arrives after the reopen (the queue is
    // stored; `tests/global_tables_persistence.rs` covers the rest).
    put(&mut engine, US, "c", "3");
    drop(engine);
    let mut engine = open(&storage);
    let away = describe_music(&mut engine, EU);
    assert_eq!(away["Table"]["Replicas"][0]["RegionName"], US);
    assert_eq!(read(&mut engine, EU, "a").as_deref(), Some("1"));
    assert_eq!(read(&mut engine, EU, "b").as_deref(), Some("2"));
    assert_eq!(read(&mut engine, EU, "c"), None);
    clock.advance(1000);
    assert_eq!(read(&mut engine, EU, "c").as_deref(), Some("3"));
    // Replication goes on for new writes.
    put(&mut engine, US, "d", "4");
    clock.advance(1000);
    assert_eq!(read(&mut engine, EU, "d").as_deref(), Some("4"));
}

#[test]
fn each_region_lists_its_own_streams() {
    let (mut engine, _clock) = engine();
    add_replica(&mut engine, EU);
    let home = ok(&mut engine, US, "Streams.ListStreams", json!({}));
    let away = ok(&mut engine, EU, "Streams.ListStreams", json!({}));
    let streams = |v: &Value| v["Streams"].as_array().cloned().unwrap_or_default();
    assert_eq!(streams(&home).len(), 1, "{home}");
    assert_eq!(streams(&away).len(), 1, "{away}");
    assert_eq!(streams(&home)[0]["TableName"], "Music");
    assert_eq!(streams(&away)[0]["TableName"], "Music");
    assert!(streams(&away)[0]["StreamArn"]
        .as_str()
        .is_some_and(|a| a.starts_with("arn:aws:dynamodb:eu-west-1:")));
    // A write in eu-west-1 shows in that region's stream.
    put(&mut engine, EU, "a", "1");
    let arn = streams(&away)[0]["StreamArn"].clone();
    let described = ok(
        &mut engine,
        EU,
        "Streams.DescribeStream",
        json!({"StreamArn": arn}),
    );
    let shard = described["StreamDescription"]["Shards"][0]["ShardId"].clone();
    let iterator = ok(
        &mut engine,
        EU,
        "Streams.GetShardIterator",
        json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}),
    );
    let records = ok(
        &mut engine,
        EU,
        "Streams.GetRecords",
        json!({"ShardIterator": iterator["ShardIterator"]}),
    );
    assert_eq!(records["Records"][0]["eventName"], "INSERT", "{records}");
}

#[test]
fn shared_settings_of_a_global_table_are_not_changed_on_one_replica() {
    let (mut engine, _clock) = engine();
    add_replica(&mut engine, EU);
    for region in [US, EU] {
        let (kind, message) = error(
            &mut engine,
            region,
            "UpdateTable",
            json!({"TableName": "Music", "BillingMode": "PROVISIONED",
                   "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}),
        );
        assert!(kind.ends_with("ValidationException"), "{kind}");
        assert!(
            message.starts_with("Simulation:") && message.contains("table Music;"),
            "{message}"
        );
    }
    // Per-replica settings pass.
    let answer = ok(
        &mut engine,
        EU,
        "UpdateTable",
        json!({"TableName": "Music", "DeletionProtectionEnabled": true}),
    );
    assert_eq!(
        answer["TableDescription"]["DeletionProtectionEnabled"],
        true
    );
    let home = describe_music(&mut engine, US);
    assert_eq!(home["Table"]["DeletionProtectionEnabled"], false);
    // A protected replica is not deleted.
    let (kind, message) = error(
        &mut engine,
        EU,
        "DeleteTable",
        json!({"TableName": "Music"}),
    );
    assert!(kind.ends_with("ValidationException"), "{kind}");
    assert!(message.contains("protected against deletion"), "{message}");
}
