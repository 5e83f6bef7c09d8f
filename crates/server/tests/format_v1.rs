//! Backward compatibility of `--data-dir`: `tests/fixtures/data-v1` is a data directory that
//! format version 1 wrote (by the server, driven with the AWS CLI, killed with `kill -9` twice):
//! a snapshot and a log of later writes. Every later version must still open it to the same data.
//! If the format changes, keep this fixture, add a `data-v<N>` beside it, and an upgrade path.

use std::path::{Path, PathBuf};

use dynaplay_engine::{Engine, EngineConfig, ManualClock};
use dynaplay_server::file_format;
use dynaplay_server::file_storage::FileStorage;
use serde_json::{json, Value};

mod support;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/data-v1");
/// Shortly after the fixture was written (2026-11-22 06:02 UTC), so its stream records are within
/// their 24 hours and nothing depends on today's date.
const WRITTEN_AT_MILLIS: i64 = 1_795_327_400_000;

/// A copy of the fixture (opening recovers and compacts in place; the original stays as it is).
fn copy_fixture(name: &str) -> PathBuf {
    support::copy_dir(Path::new(FIXTURE), &format!("v1-{name}"))
}

fn open(dir: &Path) -> Engine {
    let storage = FileStorage::open(dir).expect("the v1 directory opens");
    Engine::open(
        EngineConfig::default(),
        Box::new(ManualClock::new(WRITTEN_AT_MILLIS)),
        Box::new(storage),
    )
    .expect("the engine loads it")
}

fn call(engine: &mut Engine, op: &str, body: Value) -> Value {
    engine
        .call(op, &body.to_string())
        .unwrap_or_else(|e| panic!("{op}: {e:?}"))
}

fn rows(engine: &mut Engine) -> Vec<(String, String, String)> {
    let scan = call(engine, "Scan", json!({"TableName": "Fixture"}));
    let mut rows: Vec<_> = scan["Items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["pk"]["S"].as_str().unwrap_or_default().to_string(),
                i["sk"]["N"].as_str().unwrap_or_default().to_string(),
                i["color"]["S"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn expected() -> Vec<(String, String, String)> {
    [
        ("a", "1", "blue"),
        ("a", "3", "red"),
        ("b", "4", "blue"),
        ("t", "1", ""),
        ("t", "2", ""),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect()
}

/// Why: data written by version 1 must load in every later version, with the log's writes
/// (an update, a delete, a two-item transaction) replayed over the snapshot.
#[test]
fn a_directory_written_by_format_1_loads() {
    let header = std::fs::read(Path::new(FIXTURE).join("snapshot")).expect("snapshot");
    assert_eq!(&header[..8], file_format::SNAPSHOT_MAGIC);
    assert_eq!(
        header[8..12],
        1u32.to_le_bytes(),
        "the fixture is version 1"
    );

    let dir = copy_fixture("load");
    let mut engine = open(&dir);
    assert_eq!(rows(&mut engine), expected());
    let described = call(
        &mut engine,
        "DescribeTable",
        json!({"TableName": "Fixture"}),
    );
    assert_eq!(
        described["Table"]["GlobalSecondaryIndexes"][0]["IndexName"],
        "ByColor"
    );
    let blue = call(
        &mut engine,
        "Query",
        json!({"TableName": "Fixture", "IndexName": "ByColor",
               "KeyConditionExpression": "color = :c", "ExpressionAttributeValues": {":c": {"S": "blue"}}}),
    );
    assert_eq!(blue["Count"], 2);
    let ttl = call(
        &mut engine,
        "DescribeTimeToLive",
        json!({"TableName": "Fixture"}),
    );
    assert_eq!(
        ttl["TimeToLiveDescription"]["AttributeName"],
        json!("expires")
    );
    // Three puts, a put, an update, a delete and two transactional puts: eight stream records.
    let arn = described["Table"]["LatestStreamArn"].clone();
    let stream = call(
        &mut engine,
        "Streams.DescribeStream",
        json!({"StreamArn": arn}),
    );
    let shard = stream["StreamDescription"]["Shards"][0]["ShardId"].clone();
    let iterator = call(
        &mut engine,
        "Streams.GetShardIterator",
        json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}),
    );
    let records = call(
        &mut engine,
        "Streams.GetRecords",
        json!({"ShardIterator": iterator["ShardIterator"]}),
    );
    assert_eq!(records["Records"].as_array().map(Vec::len), Some(8));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Why: the fixture's log plus half a record is what a kill in the middle of an append leaves;
/// the half record goes and the rest loads as before.
#[test]
fn a_format_1_log_with_a_torn_tail_loads_without_it() {
    let dir = copy_fixture("torn");
    let log = std::fs::read_dir(&dir)
        .expect("list")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().contains("wal-"))
        .expect("a log");
    let whole = std::fs::metadata(&log).expect("meta").len();
    let batch = [dynaplay_engine::Mutation::DeleteTable {
        table: "Fixture".into(),
    }];
    let record = file_format::frame(&file_format::encode_batch(&batch));
    let mut bytes = std::fs::read(&log).expect("read");
    bytes.extend_from_slice(&record[..record.len() - 3]);
    std::fs::write(&log, bytes).expect("write");
    {
        let mut engine = open(&dir);
        assert_eq!(rows(&mut engine), expected());
    }
    // The torn part was cut, and the compaction at open folded the log into a new snapshot.
    assert!(std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0) <= whole);
    let mut engine = open(&dir);
    assert_eq!(rows(&mut engine), expected());
    let _ = std::fs::remove_dir_all(&dir);
}
