//! The global tables simulation over HTTP: the region a request is signed for (the SigV4
//! credential scope) picks the replica it addresses; unsigned-for-a-region requests and the
//! home region behave as before.

use std::net::{SocketAddr, TcpListener};

use dynaplay_engine::Engine;
use dynaplay_server::{serve, SystemClock};
use serde_json::{json, Value};

mod support;
use support::call_signed;

fn start() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let engine = Engine::in_memory(Box::new(SystemClock));
    std::thread::spawn(move || serve(listener, engine));
    addr
}

/// One request signed for `region` (`None`: a credential scope naming no simulated region);
/// answers (status, JSON body).
fn call(addr: SocketAddr, region: Option<&str>, target: &str, body: Value) -> (u16, Value) {
    call_signed(addr, region.unwrap_or("local"), target, &body)
}

const DDB: &str = "DynamoDB_20120810";

#[test]
fn requests_signed_for_two_regions_reach_two_replicas() {
    let addr = start();
    let us = Some("us-east-1");
    let eu = Some("eu-west-1");
    let op = |name: &str| format!("{DDB}.{name}");
    let (status, _) = call(
        addr,
        us,
        &op("CreateTable"),
        json!({"TableName": "Music", "BillingMode": "PAY_PER_REQUEST",
               "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
               "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}),
    );
    assert_eq!(status, 200);
    // Not yet a global table: unknown in eu-west-1.
    let (status, body) = call(
        addr,
        eu,
        &op("DescribeTable"),
        json!({"TableName": "Music"}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        body["__type"],
        "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
    );
    let (status, body) = call(
        addr,
        us,
        &op("UpdateTable"),
        json!({"TableName": "Music", "ReplicaUpdates": [{"Create": {"RegionName": "eu-west-1"}}]}),
    );
    assert_eq!(status, 200, "{body}");
    // Replicate at the next request, whatever the wall clock does.
    let (status, _) = call(
        addr,
        us,
        "DynaplayGlobalTablesSimulation.Configure",
        json!({"ReplicationDelayMillis": 0}),
    );
    assert_eq!(status, 200);
    let (status, _) = call(
        addr,
        eu,
        &op("PutItem"),
        json!({"TableName": "Music", "Item": {"pk": {"S": "a"}, "v": {"S": "from-eu"}}}),
    );
    assert_eq!(status, 200);
    let (status, body) = call(
        addr,
        us,
        &op("GetItem"),
        json!({"TableName": "Music", "Key": {"pk": {"S": "a"}}}),
    );
    assert_eq!(status, 200);
    assert_eq!(body["Item"]["v"]["S"], "from-eu");
    let (_, body) = call(
        addr,
        eu,
        &op("DescribeTable"),
        json!({"TableName": "Music"}),
    );
    assert_eq!(
        body["Table"]["TableArn"],
        "arn:aws:dynamodb:eu-west-1:000000000000:table/Music"
    );
    assert_eq!(body["Table"]["Replicas"][0]["RegionName"], "us-east-1");
    // A credential scope that names no region is the home region, as before.
    let (status, body) = call(addr, None, &op("ListTables"), json!({}));
    assert_eq!(status, 200);
    assert_eq!(body["TableNames"], json!(["Music"]));
    let (_, body) = call(
        addr,
        us,
        "DynaplayGlobalTablesSimulation.Describe",
        json!({}),
    );
    assert_eq!(body["ReplicatedWrites"], 1, "{body}");
}
