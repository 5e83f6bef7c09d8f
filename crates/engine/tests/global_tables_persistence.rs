//! The global tables simulation's state survives a reopen of the engine over the same storage
//! and an export/import of the sandbox document: writes still on their way are delivered after
//! the reopen, last writer wins still compares the stored stamps, the conflicts stay listed, the
//! delay stays configured; a failed delivery stays queued durably; a version 1 document (written
//! before this state existed) still loads.

use std::sync::{Arc, Mutex};

use dynaplay_engine::storage::Storage;
use dynaplay_engine::{sandbox_document, Engine, EngineConfig, ManualClock, MemoryStorage};
use serde_json::{json, Value};

#[path = "support/regions.rs"]
mod regions;

use regions::{add_replica, music_table, ok, put, read, EU, START, US};

type Shared = Arc<Mutex<MemoryStorage>>;

/// An engine over `storage`: opening it again is what a reload (browser) or a restart
/// (`--data-dir`) does.
fn open(storage: &Shared, clock: &Arc<ManualClock>) -> Engine {
    Engine::open(
        EngineConfig::default(),
        Box::new(clock.clone()),
        Box::new(storage.clone()),
    )
    .expect("the stored sandbox opens")
}

fn describe(engine: &mut Engine) -> Value {
    ok(engine, US, "GlobalTables.Describe", json!({}))
}

/// A global table `Music` in us-east-1 with a replica in eu-west-1, over a fresh storage.
fn global_table() -> (Shared, Arc<ManualClock>, Engine) {
    let storage: Shared = Arc::new(Mutex::new(MemoryStorage::new()));
    let clock = Arc::new(ManualClock::new(START));
    let mut engine = open(&storage, &clock);
    ok(
        &mut engine,
        US,
        "CreateTable",
        music_table(json!({"BillingMode": "PAY_PER_REQUEST"})),
    );
    add_replica(&mut engine, EU);
    (storage, clock, engine)
}

/// Why: the issue this fixes. A write in us-east-1 still inside its replication delay when the
/// sandbox reloads must still reach eu-west-1 when its time comes, and the configured delay and
/// the count of delivered writes must survive too.
#[test]
fn a_write_on_its_way_is_delivered_after_a_reopen() {
    let (storage, clock, mut engine) = global_table();
    ok(
        &mut engine,
        US,
        "GlobalTables.Configure",
        json!({"ReplicationDelayMillis": 5000}),
    );
    put(&mut engine, US, "a", "from-us");
    clock.advance(1000);
    assert_eq!(read(&mut engine, EU, "a"), None);
    drop(engine);

    let mut engine = open(&storage, &clock);
    let described = describe(&mut engine);
    assert_eq!(described["ReplicationDelayMillis"], 5000);
    let pending = described["PendingReplications"].as_array().expect("a list");
    assert_eq!(pending.len(), 1, "{described}");
    assert_eq!(pending[0]["Key"], json!({"pk": {"S": "a"}}));
    assert_eq!(pending[0]["FromRegion"], US);
    assert_eq!(pending[0]["ToRegion"], EU);
    assert_eq!(pending[0]["Write"], "PUT");
    clock.advance(3999);
    assert_eq!(read(&mut engine, EU, "a"), None);
    clock.advance(1);
    assert_eq!(read(&mut engine, EU, "a").as_deref(), Some("from-us"));
    assert_eq!(describe(&mut engine)["ReplicatedWrites"], 1);
    drop(engine);

    // Delivered means gone from the stored queue, counted, and not delivered twice.
    let mut engine = open(&storage, &clock);
    let described = describe(&mut engine);
    assert_eq!(described["PendingReplications"], json!([]));
    assert_eq!(described["ReplicatedWrites"], 1);
    assert_eq!(described["ReplicationDelayMillis"], 5000);
    // New writes use the stored delay.
    put(&mut engine, EU, "b", "from-eu");
    clock.advance(4999);
    assert_eq!(read(&mut engine, US, "b"), None);
    clock.advance(1);
    assert_eq!(read(&mut engine, US, "b").as_deref(), Some("from-eu"));
}

/// Why: last writer wins compares stamps. Both writes are pending when the engine reopens; the
/// older us-east-1 write then arrives in eu-west-1 and must lose to the stamp eu-west-1 stored
/// for its own later write (with no stored stamp it would overwrite it and the regions would
/// diverge). The conflict is listed, and still listed after another reopen.
#[test]
fn stamps_and_conflicts_survive_a_reopen() {
    let (storage, clock, mut engine) = global_table();
    put(&mut engine, US, "k", "first-us");
    clock.advance(100);
    put(&mut engine, EU, "k", "later-eu");
    assert_eq!(
        describe(&mut engine)["PendingReplications"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    drop(engine);

    let mut engine = open(&storage, &clock);
    clock.advance(2000);
    assert_eq!(read(&mut engine, EU, "k").as_deref(), Some("later-eu"));
    assert_eq!(read(&mut engine, US, "k").as_deref(), Some("later-eu"));
    let conflicts = describe(&mut engine)["Conflicts"].clone();
    assert_eq!(conflicts.as_array().map(Vec::len), Some(1), "{conflicts}");
    assert_eq!(conflicts[0]["Key"], json!({"pk": {"S": "k"}}));
    assert_eq!(conflicts[0]["DetectedInRegion"], EU);
    assert_eq!(conflicts[0]["Winner"]["Region"], EU);
    assert_eq!(conflicts[0]["Winner"]["Item"]["v"]["S"], "later-eu");
    assert_eq!(conflicts[0]["Loser"]["Region"], US);
    assert_eq!(conflicts[0]["Loser"]["Item"]["v"]["S"], "first-us");
    drop(engine);

    let mut engine = open(&storage, &clock);
    let described = describe(&mut engine);
    assert_eq!(described["Conflicts"], conflicts);
    assert_eq!(described["PendingReplications"], json!([]));
    // The stamps are there too: a write that has seen the winner is no conflict.
    put(&mut engine, US, "k", "after");
    clock.advance(1000);
    assert_eq!(read(&mut engine, EU, "k").as_deref(), Some("after"));
    assert_eq!(describe(&mut engine)["Conflicts"], conflicts);
}

/// Why: a delivery and its removal from the queue are one storage batch. When storage refuses
/// it, nothing is delivered and the write stays queued, in memory and in storage alike.
#[test]
fn a_refused_delivery_stays_queued_durably() {
    let (storage, clock, mut engine) = global_table();
    put(&mut engine, US, "a", "1");
    clock.advance(1000);
    storage.lock().expect("lock").fail_next_commit();
    // This call's settle tries the delivery, and storage refuses it.
    let described = describe(&mut engine);
    assert_eq!(
        described["PendingReplications"].as_array().map(Vec::len),
        Some(1),
        "{described}"
    );
    let stored = |storage: &Shared| storage.lock().expect("lock").load().expect("loads");
    assert_eq!(stored(&storage).replications.len(), 1);
    assert!(stored(&storage)
        .items
        .get("Music@eu-west-1")
        .is_none_or(|rows| rows.is_empty()));
    drop(engine);
    // The reopened engine delivers it at its first call, and storage then agrees.
    let mut engine = open(&storage, &clock);
    assert_eq!(read(&mut engine, EU, "a").as_deref(), Some("1"));
    assert!(stored(&storage).replications.is_empty());
    assert_eq!(stored(&storage).items["Music@eu-west-1"].len(), 1);
    drop(engine);
    let mut engine = open(&storage, &clock);
    assert_eq!(describe(&mut engine)["PendingReplications"], json!([]));
    assert_eq!(describe(&mut engine)["ReplicatedWrites"], 1);
}

/// Why: removing a replica drops the writes still on their way to it in the same batch, so a
/// reopen does not bring them back for a replica that no longer exists.
#[test]
fn removing_a_replica_drops_its_queued_writes_durably() {
    let (storage, clock, mut engine) = global_table();
    put(&mut engine, US, "a", "1");
    ok(
        &mut engine,
        US,
        "UpdateTable",
        json!({"TableName": "Music", "ReplicaUpdates": [{"Delete": {"RegionName": EU}}]}),
    );
    assert_eq!(describe(&mut engine)["PendingReplications"], json!([]));
    drop(engine);
    let mut engine = open(&storage, &clock);
    assert_eq!(describe(&mut engine)["PendingReplications"], json!([]));
    let snapshot = storage.lock().expect("lock").load().expect("loads");
    assert!(snapshot.replications.is_empty());
    assert!(!snapshot.replica_stamps.contains_key("Music@eu-west-1"));
}

/// The storage's contents through the export document and back, as `exportSandbox` and
/// `importSandbox` do: to JSON text, parsed, and committed into an empty storage.
fn export_import(storage: &Shared) -> Shared {
    let snapshot = storage.lock().expect("lock").load().expect("loads");
    let text = sandbox_document::export(&snapshot, 0).to_string();
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(doc["version"], sandbox_document::VERSION);
    let (imported, offset) = sandbox_document::import(&doc).expect("imports");
    assert_eq!(offset, 0);
    assert_eq!(imported, snapshot);
    let mut copy = MemoryStorage::new();
    copy.commit(&imported.rows().collect::<Vec<_>>())
        .expect("commits");
    assert_eq!(copy.load().expect("loads"), snapshot);
    Arc::new(Mutex::new(copy))
}

/// Why: a sandbox exported while a write is on its way and after a conflict must import with
/// both, and the imported sandbox must go on replicating as the original would.
#[test]
fn an_export_import_round_trip_keeps_the_queue_stamps_and_conflicts() {
    let (storage, clock, mut engine) = global_table();
    ok(
        &mut engine,
        US,
        "GlobalTables.Configure",
        json!({"ReplicationDelayMillis": 3000}),
    );
    put(&mut engine, US, "k", "first-us");
    clock.advance(100);
    put(&mut engine, EU, "k", "later-eu");
    clock.advance(3000);
    assert_eq!(read(&mut engine, US, "k").as_deref(), Some("later-eu"));
    put(&mut engine, US, "p", "pending");
    let before = describe(&mut engine);
    assert_eq!(before["Conflicts"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        before["PendingReplications"].as_array().map(Vec::len),
        Some(1)
    );
    drop(engine);

    let copy = export_import(&storage);
    let mut engine = open(&copy, &clock);
    assert_eq!(describe(&mut engine), before);
    clock.advance(3000);
    assert_eq!(read(&mut engine, EU, "p").as_deref(), Some("pending"));
    // The stamps came along: an older version of `k` arriving now still loses.
    assert_eq!(read(&mut engine, EU, "k").as_deref(), Some("later-eu"));
    let after = describe(&mut engine);
    assert_eq!(after["PendingReplications"], json!([]));
    assert_eq!(after["Conflicts"], before["Conflicts"]);
    // `later-eu` to us-east-1 and `p` to eu-west-1; `first-us` lost in eu-west-1.
    assert_eq!(after["ReplicatedWrites"], 2);
}

/// Why: version 1 documents (share links and files made before this state was exported) must
/// keep opening. The fixture is the sandbox of `web/docs-shop.dynaplay.json`, written by the
/// version 1 exporter.
#[test]
fn a_version_1_document_still_loads() {
    let text = include_str!("fixtures/sandbox-v1.json");
    let doc: Value = serde_json::from_str(text).expect("JSON");
    assert_eq!(doc["version"], 1, "the fixture is version 1");
    let (snapshot, _) = sandbox_document::import(&doc).expect("a v1 document imports");
    assert_eq!(snapshot.items["Shop"].len(), 27);
    assert!(snapshot.replications.is_empty() && snapshot.conflicts.is_empty());
    assert_eq!(snapshot.global_tables, None);
    let mut storage = MemoryStorage::new();
    storage
        .commit(&snapshot.rows().collect::<Vec<_>>())
        .expect("commits");
    // After the fixture's table finished CREATING (it was written on 2026-11-22).
    let clock = Arc::new(ManualClock::new(1_795_400_000_000));
    let mut engine =
        Engine::open(EngineConfig::default(), Box::new(clock), Box::new(storage)).expect("opens");
    let scan = ok(&mut engine, US, "Scan", json!({"TableName": "Shop"}));
    assert_eq!(scan["Count"], 27);
    let described = describe(&mut engine);
    assert_eq!(described["ReplicationDelayMillis"], 1000);
    assert_eq!(described["PendingReplications"], json!([]));
    // Exported again, it is a current-version document with the same rows.
    let again = sandbox_document::export(&snapshot, 0);
    assert_eq!(again["version"], sandbox_document::VERSION);
    assert_eq!(again["items"], doc["items"]);
    assert_eq!(again["tables"], doc["tables"]);
    let reread = sandbox_document::import(&again).expect("re-imports").0;
    assert_eq!(reread, snapshot);
}

/// Why: a sandbox document is untrusted (share links, files). A queued write whose item does not
/// match its key would store an item under another item's key; it is dropped at delivery instead,
/// and one that is not a record at all refuses the whole document at open.
#[test]
fn a_tampered_queued_write_is_dropped_or_refused() {
    let (storage, clock, mut engine) = global_table();
    put(&mut engine, US, "a", "1");
    drop(engine);
    let snapshot = storage.lock().expect("lock").load().expect("loads");
    let mut doc = sandbox_document::export(&snapshot, 0);
    let record = doc["replications"][0][1]
        .as_str()
        .expect("a record")
        .to_string();
    let mut tampered: Value = serde_json::from_str(&record).expect("JSON");
    tampered["item"] = json!({"pk": {"S": "not-a"}, "v": {"S": "evil"}});
    doc["replications"][0][1] = Value::String(tampered.to_string());
    let (imported, _) = sandbox_document::import(&doc).expect("the document's shape is fine");
    let mut copy = MemoryStorage::new();
    copy.commit(&imported.rows().collect::<Vec<_>>())
        .expect("commits");
    let copy = Arc::new(Mutex::new(copy));
    let mut engine = open(&copy, &clock);
    clock.advance(1000);
    assert_eq!(read(&mut engine, EU, "a"), None);
    assert_eq!(read(&mut engine, EU, "not-a"), None);
    assert_eq!(describe(&mut engine)["PendingReplications"], json!([]));
    assert!(copy
        .lock()
        .expect("lock")
        .load()
        .expect("loads")
        .replications
        .is_empty());

    doc["replications"][0][1] = Value::String("{\"due\": \"soon\"}".into());
    let (imported, _) = sandbox_document::import(&doc).expect("the document's shape is fine");
    let mut bad = MemoryStorage::new();
    bad.commit(&imported.rows().collect::<Vec<_>>())
        .expect("commits");
    let refused = Engine::open(
        EngineConfig::default(),
        Box::new(clock.clone()),
        Box::new(bad),
    )
    .err()
    .map(|e| e.to_string());
    assert_eq!(
        refused.as_deref(),
        Some("stored replicated write 0 is unreadable")
    );
}
