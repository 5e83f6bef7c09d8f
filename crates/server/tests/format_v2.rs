//! Backward compatibility of `--data-dir`, format version 2: `tests/fixtures/data-v2` is a data
//! directory the server wrote (driven over HTTP, signed for two regions, killed with `kill -9`
//! twice). Its snapshot holds a global table with a replica in eu-west-1, the simulation's stamps,
//! a recorded conflict and its settings; its log holds three writes still inside a one-day
//! replication delay (a put each way and a replicated delete) and the delay change. Every later
//! version must open it to the same state and deliver those writes when their time comes.

use std::path::{Path, PathBuf};

use dynaplay_engine::{Engine, EngineConfig, ManualClock};
use dynaplay_server::file_storage::FileStorage;
use serde_json::{json, Value};

mod support;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/data-v2");
/// Ten seconds after the log's writes (2026-11-22 09:11:40 UTC): inside their one-day delay.
const WRITTEN_AT_MILLIS: i64 = 1_795_338_710_000;
const DAY_MILLIS: i64 = 86_400_000;
const US: &str = "us-east-1";
const EU: &str = "eu-west-1";

/// A copy of the fixture (opening recovers and compacts in place; the original stays as it is).
fn copy_fixture(name: &str) -> PathBuf {
    support::copy_dir(Path::new(FIXTURE), &format!("v2-{name}"))
}

fn ok(engine: &mut Engine, region: &str, op: &str, body: Value) -> Value {
    let response = engine.dispatch_in_region(region, op, &body.to_string());
    let value: Value = serde_json::from_str(&response.body).expect("JSON");
    assert_eq!(response.status, 200, "{op} in {region}: {value}");
    value
}

fn read(engine: &mut Engine, region: &str, pk: &str, sk: &str) -> Option<String> {
    let answer = ok(
        engine,
        region,
        "GetItem",
        json!({"TableName": "Music", "Key": {"pk": {"S": pk}, "sk": {"N": sk}},
               "ConsistentRead": true}),
    );
    answer["Item"]["v"]["S"].as_str().map(str::to_string)
}

fn open(dir: &Path, clock: &std::sync::Arc<ManualClock>) -> Engine {
    let storage = FileStorage::open(dir).expect("the v2 directory opens");
    Engine::open(
        EngineConfig::default(),
        Box::new(clock.clone()),
        Box::new(storage),
    )
    .expect("the engine loads it")
}

/// Why: the global tables simulation's records (queued writes, stamps, conflicts, settings), in
/// a snapshot and in a log, must load in every later version, and the queued writes must still
/// be delivered.
#[test]
fn a_directory_written_by_format_2_loads_and_delivers_its_queue() {
    let header = std::fs::read(Path::new(FIXTURE).join("snapshot")).expect("snapshot");
    assert_eq!(
        header[8..12],
        2u32.to_le_bytes(),
        "the fixture is version 2"
    );

    let dir = copy_fixture("load");
    let clock = std::sync::Arc::new(ManualClock::new(WRITTEN_AT_MILLIS));
    let mut engine = open(&dir, &clock);
    let described = ok(&mut engine, US, "GlobalTables.Describe", json!({}));
    assert_eq!(described["ReplicationDelayMillis"], DAY_MILLIS);
    assert_eq!(described["ReplicatedWrites"], 2);
    let pending: Vec<(String, String, String)> = described["PendingReplications"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| {
            (
                p["Key"]["pk"]["S"].as_str().unwrap_or_default().to_string(),
                p["ToRegion"].as_str().unwrap_or_default().to_string(),
                p["Write"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> =
        [("p", EU, "PUT"), ("q", US, "PUT"), ("a", EU, "DELETE")]
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
    assert_eq!(pending, expected);
    let conflicts = described["Conflicts"].clone();
    assert_eq!(conflicts.as_array().map(Vec::len), Some(1));
    assert_eq!(
        conflicts[0]["Key"],
        json!({"pk": {"S": "c"}, "sk": {"N": "2"}})
    );
    assert_eq!(conflicts[0]["Winner"]["Item"]["v"]["S"], "eu");
    assert_eq!(conflicts[0]["Loser"]["Region"], US);
    assert_eq!(read(&mut engine, EU, "c", "2").as_deref(), Some("eu"));
    assert_eq!(read(&mut engine, US, "c", "2").as_deref(), Some("eu"));
    assert_eq!(
        read(&mut engine, EU, "a", "1").as_deref(),
        Some("delivered")
    );
    assert_eq!(read(&mut engine, US, "a", "1"), None);
    assert_eq!(read(&mut engine, EU, "p", "3"), None);

    clock.advance(DAY_MILLIS);
    assert_eq!(
        read(&mut engine, EU, "p", "3").as_deref(),
        Some("pending-to-eu")
    );
    assert_eq!(
        read(&mut engine, US, "q", "4").as_deref(),
        Some("pending-to-us")
    );
    assert_eq!(read(&mut engine, EU, "a", "1"), None);
    let described = ok(&mut engine, US, "GlobalTables.Describe", json!({}));
    assert_eq!(described["PendingReplications"], json!([]));
    assert_eq!(described["ReplicatedWrites"], 5);
    assert_eq!(described["Conflicts"], conflicts);
    drop(engine);
    let _ = std::fs::remove_dir_all(&dir);
}
