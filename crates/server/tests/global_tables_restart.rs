//! The global tables simulation under `--data-dir`: a write made in us-east-1 and still inside
//! its replication delay when the server is killed (`kill -9`) reaches eu-west-1 after a
//! restart, and the configured delay, the delivered-write count and the conflict log come back
//! with the directory. The real server binary, the system clock, raw HTTP signed per region.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod support;
use support::{call_signed, Server, TempDir};

/// How long a write takes to reach the other region here: long enough for a kill and a restart
/// to happen inside it on a loaded machine, short enough for the test to wait it out.
const DELAY_MILLIS: u64 = 4000;

fn ok(addr: SocketAddr, region: &str, target: &str, body: Value) -> Value {
    let (status, value) = call_signed(addr, region, target, &body);
    assert_eq!(status, 200, "{target} in {region}: {value}");
    value
}

const US: &str = "us-east-1";
const EU: &str = "eu-west-1";

fn op(name: &str) -> String {
    format!("DynamoDB_20120810.{name}")
}

fn describe(addr: SocketAddr) -> Value {
    ok(
        addr,
        US,
        "DynaplayGlobalTablesSimulation.Describe",
        json!({}),
    )
}

fn read(addr: SocketAddr, region: &str, pk: &str) -> Option<String> {
    let answer = ok(
        addr,
        region,
        &op("GetItem"),
        json!({"TableName": "Music", "Key": {"pk": {"S": pk}}, "ConsistentRead": true}),
    );
    answer["Item"]["v"]["S"].as_str().map(str::to_string)
}

fn put(addr: SocketAddr, region: &str, pk: &str, v: &str) {
    ok(
        addr,
        region,
        &op("PutItem"),
        json!({"TableName": "Music", "Item": {"pk": {"S": pk}, "v": {"S": v}}}),
    );
}

/// Reads `pk` in `region` until it holds `want` or the deadline passes.
fn wait_for(addr: SocketAddr, region: &str, pk: &str, want: &str, deadline: Instant) -> bool {
    loop {
        if read(addr, region, pk).as_deref() == Some(want) {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Why: before, the replication queue lived in memory, so a restart dropped every write still
/// on its way and the replicas differed for good. Now the write is in the directory with the
/// item, and the restarted server delivers it when its time comes.
#[test]
fn a_pending_replication_survives_kill_9_and_a_restart() {
    let dir = TempDir::new("pending");
    let server = Server::start(&dir.0, &[]);
    let addr = server.addr;
    ok(
        addr,
        US,
        &op("CreateTable"),
        json!({"TableName": "Music", "BillingMode": "PAY_PER_REQUEST",
               "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
               "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}),
    );
    ok(
        addr,
        US,
        &op("UpdateTable"),
        json!({"TableName": "Music", "ReplicaUpdates": [{"Create": {"RegionName": EU}}]}),
    );
    ok(
        addr,
        US,
        "DynaplayGlobalTablesSimulation.Configure",
        json!({"ReplicationDelayMillis": 1}),
    );
    // One write delivered before the restart: the count of delivered writes must come back.
    put(addr, US, "delivered", "yes");
    let deadline = Instant::now() + Duration::from_secs(10);
    assert!(wait_for(addr, EU, "delivered", "yes", deadline));

    ok(
        addr,
        US,
        "DynaplayGlobalTablesSimulation.Configure",
        json!({"ReplicationDelayMillis": DELAY_MILLIS}),
    );
    let written = Instant::now();
    put(addr, US, "pending", "from-us");
    // Two concurrent versions of `c`, each still on its way to the other region: after the
    // restart, last writer wins must settle them the same way in both regions (by the stored
    // stamps) and log one conflict.
    put(addr, US, "c", "us");
    put(addr, EU, "c", "eu");
    assert_eq!(read(addr, EU, "pending"), None);
    drop(server); // SIGKILL

    let server = Server::start(&dir.0, &[]);
    let addr = server.addr;
    let described = describe(addr);
    assert_eq!(described["ReplicationDelayMillis"], DELAY_MILLIS);
    assert_eq!(described["ReplicatedWrites"], 1);
    if written.elapsed() < Duration::from_millis(DELAY_MILLIS) {
        // Still inside the delay (a restart takes far less on any machine this runs on).
        let pending = described["PendingReplications"].as_array().expect("a list");
        assert_eq!(pending.len(), 3, "{described}");
        assert_eq!(pending[0]["Key"], json!({"pk": {"S": "pending"}}));
        assert_eq!(pending[0]["ToRegion"], EU);
    }
    let deadline = written + Duration::from_millis(DELAY_MILLIS) + Duration::from_secs(10);
    assert!(
        wait_for(addr, EU, "pending", "from-us", deadline),
        "the write queued before the restart never reached eu-west-1"
    );
    // The later `c` (eu-west-1's, or us-east-1's if both fell in one millisecond) in both.
    let winner = read(addr, EU, "c").expect("c is in eu-west-1");
    assert!(
        wait_for(addr, US, "c", &winner, deadline),
        "the regions differ"
    );
    let described = describe(addr);
    assert_eq!(described["PendingReplications"], json!([]));
    // `delivered`, `pending` and the winning `c`; the losing `c` was dropped.
    assert_eq!(described["ReplicatedWrites"], 3);
    let conflicts = described["Conflicts"].clone();
    assert_eq!(conflicts.as_array().map(Vec::len), Some(1), "{described}");
    assert_eq!(conflicts[0]["Key"], json!({"pk": {"S": "c"}}));
    assert_eq!(conflicts[0]["Winner"]["Item"]["v"]["S"], winner.as_str());
    drop(server);

    // And once more: delivered writes are not delivered again, the count stays.
    let server = Server::start(&dir.0, &[]);
    let described = describe(server.addr);
    assert_eq!(described["PendingReplications"], json!([]));
    assert_eq!(described["ReplicatedWrites"], 3);
    assert_eq!(described["Conflicts"], conflicts);
}
