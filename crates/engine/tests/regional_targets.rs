//! `Engine::dispatch_target_in_region`, the entry the browser runtime uses for a request addressed
//! to a simulated region: whole `X-Amz-Target`s of every API reach the replica of that region, the
//! home region is plain `dispatch_target`, and an unknown target is refused as it is at home.

use std::sync::Arc;

use dynaplay_engine::{Engine, EngineConfig, ManualClock, NullStorage};
use serde_json::{json, Value};

const EU: &str = "eu-west-1";
const US: &str = "us-east-1";

fn answer(engine: &mut Engine, region: &str, target: &str, body: Value) -> (u16, Value) {
    let response = engine.dispatch_target_in_region(region, target, &body.to_string());
    let value = serde_json::from_str(&response.body).expect("answers are JSON");
    (response.status, value)
}

fn global_table() -> (Engine, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(1_767_225_600_000));
    let mut engine = Engine::open(
        EngineConfig::default(),
        Box::new(clock.clone()),
        Box::new(NullStorage),
    )
    .expect("an empty storage opens");
    let create = json!({
        "TableName": "Music",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    });
    let (status, _) = answer(&mut engine, US, "DynamoDB_20120810.CreateTable", create);
    assert_eq!(status, 200);
    let replica = json!({"TableName": "Music", "ReplicaUpdates": [{"Create": {"RegionName": EU}}]});
    let (status, body) = answer(&mut engine, US, "DynamoDB_20120810.UpdateTable", replica);
    assert_eq!(status, 200, "{body}");
    (engine, clock)
}

// A write addressed to eu-west-1 by its whole target lands in the replica there, and reaches the
// home table only after the replication delay: the target picked the region, not the home table.
#[test]
fn a_dynamodb_target_reaches_the_replica_of_its_region() {
    let (mut engine, clock) = global_table();
    let item = json!({"TableName": "Music", "Item": {"pk": {"S": "a"}, "v": {"S": "eu"}}});
    let (status, _) = answer(&mut engine, EU, "DynamoDB_20120810.PutItem", item);
    assert_eq!(status, 200);
    let get = json!({"TableName": "Music", "Key": {"pk": {"S": "a"}}, "ConsistentRead": true});
    let (_, in_eu) = answer(&mut engine, EU, "DynamoDB_20120810.GetItem", get.clone());
    assert_eq!(in_eu["Item"]["v"]["S"], "eu");
    let (_, at_home) = answer(&mut engine, US, "DynamoDB_20120810.GetItem", get.clone());
    assert!(
        at_home.get("Item").is_none(),
        "not replicated yet: {at_home}"
    );
    clock.advance(1000);
    let (_, at_home) = answer(&mut engine, US, "DynamoDB_20120810.GetItem", get);
    assert_eq!(at_home["Item"]["v"]["S"], "eu");
}

// The Streams API and the simulation's own target work in a region too; DescribeTable there
// names the replica's region in its ARN.
#[test]
fn streams_and_simulation_targets_are_served_in_a_region() {
    let (mut engine, _) = global_table();
    let (status, streams) = answer(
        &mut engine,
        EU,
        "DynamoDBStreams_20120810.ListStreams",
        json!({}),
    );
    assert_eq!(status, 200);
    let arn = streams["Streams"][0]["StreamArn"]
        .as_str()
        .unwrap_or_default();
    assert!(arn.contains(":eu-west-1:"), "{streams}");
    assert_eq!(streams["Streams"][0]["TableName"], "Music");
    let (status, described) = answer(
        &mut engine,
        EU,
        "DynaplayGlobalTablesSimulation.Describe",
        json!({}),
    );
    assert_eq!(status, 200);
    assert_eq!(described["HomeRegion"], US);
    let (_, table) = answer(
        &mut engine,
        EU,
        "DynamoDB_20120810.DescribeTable",
        json!({"TableName": "Music"}),
    );
    let arn = table["Table"]["TableArn"].as_str().unwrap_or_default();
    assert!(arn.contains(":eu-west-1:"), "{table}");
}

// An unknown target is UnknownOperationException in any region, as at home; the home region by
// name is the home table.
#[test]
fn unknown_targets_and_the_home_region_answer_as_at_home() {
    let (mut engine, _) = global_table();
    for target in [
        "DynamoDB_20120810.",
        "Nope.PutItem",
        "DynamoDB_20120810.A.B",
        "",
    ] {
        let (status, body) = answer(&mut engine, EU, target, json!({}));
        assert_eq!(status, 400);
        assert_eq!(
            body["__type"], "com.amazon.coral.service#UnknownOperationException",
            "{target}"
        );
    }
    let (status, tables) = answer(&mut engine, US, "DynamoDB_20120810.ListTables", json!({}));
    assert_eq!(status, 200);
    assert_eq!(tables["TableNames"], json!(["Music"]));
}
