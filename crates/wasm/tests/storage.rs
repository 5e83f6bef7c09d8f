//! The IndexedDB storage in a real browser (headless Chromium): what a sandbox writes comes back
//! after a reopen, data in format versions 1 to 4 (the fixtures `fixtures/idb-v<N>.json`, raw
//! dumps of the stores) still opens (an older version becoming version 4), a log compacted in
//! slices loses and repeats nothing, whether interrupted or written to meanwhile, a newer format is refused
//! rather than misread, a failed write is answered with InternalServerError and leaves neither
//! memory nor IndexedDB changed, and the global tables simulation's queue, stamps and conflicts
//! survive a reopen.
#![cfg(target_arch = "wasm32")]

use dynaplay_wasm::sandbox::{import_raw_dump, open_sandbox, raw_dump, Sandbox};
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{call, ok, unique};

fn export_without_clock(text: &str) -> serde_json::Value {
    let mut doc: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    doc["clockOffsetMillis"] = serde_json::json!(0);
    doc
}

async fn seed(db: &Sandbox) {
    ok(
        db,
        "CreateTable",
        serde_json::json!({
            "TableName": "Music",
            "AttributeDefinitions": [{"AttributeName": "Artist", "AttributeType": "S"},
                                     {"AttributeName": "Song", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"},
                          {"AttributeName": "Song", "KeyType": "RANGE"}],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        }),
    )
    .await;
    ok(
        db,
        "UpdateContinuousBackups",
        serde_json::json!({
            "TableName": "Music",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true},
        }),
    )
    .await;
    for (artist, song) in [("Ada", "One"), ("Ada", "Two"), ("Bo", "Three")] {
        ok(
            db,
            "PutItem",
            serde_json::json!({
                "TableName": "Music",
                "Item": {"Artist": {"S": artist}, "Song": {"S": song}, "Plays": {"N": "1"}},
            }),
        )
        .await;
    }
    ok(
        db,
        "DeleteItem",
        serde_json::json!({
            "TableName": "Music", "Key": {"Artist": {"S": "Ada"}, "Song": {"S": "Two"}},
        }),
    )
    .await;
    ok(
        db,
        "CreateBackup",
        serde_json::json!({"TableName": "Music", "BackupName": "first"}),
    )
    .await;
}

// Everything a sandbox holds (tables, items, stream records, backups, the PITR log) is written as
// it happens, so a fresh open of the same database sees exactly the same sandbox.
#[wasm_bindgen_test]
async fn a_reopened_sandbox_holds_what_was_written() {
    let name = unique("reopen");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    assert_eq!(db.persistence(), "indexeddb");
    seed(&db).await;
    let before = db.export_sandbox().await.expect("export");
    db.close();

    let again = open_sandbox(Some(name.clone()), true)
        .await
        .expect("reopen");
    let after = again.export_sandbox().await.expect("export");
    assert_eq!(export_without_clock(&before), export_without_clock(&after));
    let doc = export_without_clock(&after);
    assert_eq!(doc["items"]["Music"].as_array().map(Vec::len), Some(2));
    assert_eq!(doc["backups"].as_object().map(|b| b.len()), Some(1));
    let records: usize = doc["streamRecords"]
        .as_object()
        .map(|s| {
            s.values()
                .filter_map(|r| r.as_object())
                .map(|r| r.len())
                .sum()
        })
        .unwrap_or(0);
    assert_eq!(records, 4, "three INSERTs and a REMOVE");
    assert!(doc["changes"]["Music"]
        .as_array()
        .is_some_and(|c| c.len() == 4));

    // Compacted into the rows, the same sandbox.
    again.compact_log(None).await.expect("compact");
    again.close();
    let dump: serde_json::Value =
        serde_json::from_str(&raw_dump(name.clone()).await.expect("dump")).unwrap_or_default();
    assert_eq!(dump["stores"]["log"], serde_json::json!([]));
    assert_eq!(dump["stores"]["items"].as_array().map(Vec::len), Some(2));
    let again = open_sandbox(Some(name.clone()), true)
        .await
        .expect("reopen");
    let compacted = again.export_sandbox().await.expect("export");
    assert_eq!(
        export_without_clock(&before),
        export_without_clock(&compacted)
    );

    // DeleteTable is range deletes: no row of the table's items or change log is left behind.
    ok(
        &again,
        "DeleteTable",
        serde_json::json!({"TableName": "Music"}),
    )
    .await;
    again.compact_log(None).await.expect("compact");
    again.close();
    let dump: serde_json::Value =
        serde_json::from_str(&raw_dump(name).await.expect("dump")).unwrap_or_default();
    assert_eq!(dump["stores"]["items"], serde_json::json!([]));
    assert_eq!(dump["stores"]["changes"], serde_json::json!([]));
    assert_eq!(dump["stores"]["tables"], serde_json::json!([]));
    assert_eq!(dump["stores"]["log"], serde_json::json!([]));
}

// A log longer than the sandbox's bound is compacted by itself once the sandbox is idle; until
// then a reopen replays it.
#[wasm_bindgen_test]
async fn an_idle_sandbox_compacts_a_long_log() {
    let name = unique("idle");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    seed(&db).await;
    let before = db.export_sandbox().await.expect("export");
    let logged = |dump: &serde_json::Value| dump["stores"]["log"].as_array().map(Vec::len);
    let dump: serde_json::Value =
        serde_json::from_str(&raw_dump(name.clone()).await.expect("dump")).unwrap_or_default();
    assert!(
        logged(&dump).is_some_and(|n| n > 0),
        "written to the log first"
    );
    // Over the bound but not twice over: compacted only once idle (a second without writes).
    let logged_mutations = db.logged_mutations();
    assert!(logged_mutations >= 4, "{logged_mutations}");
    db.set_log_bound(logged_mutations - 1);
    let mut waited = 0;
    loop {
        sleep(250).await;
        waited += 250;
        let dump: serde_json::Value =
            serde_json::from_str(&raw_dump(name.clone()).await.expect("dump")).unwrap_or_default();
        if logged(&dump) == Some(0) {
            assert_eq!(dump["stores"]["items"].as_array().map(Vec::len), Some(2));
            break;
        }
        assert!(waited < 10_000, "the log was not compacted within 10 s");
    }
    db.close();
    let again = open_sandbox(Some(name), true).await.expect("reopen");
    let after = again.export_sandbox().await.expect("export");
    assert_eq!(export_without_clock(&before), export_without_clock(&after));
}

async fn sleep(millis: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = js_sys::global()
            .unchecked_into::<web_sys_timer::Global>()
            .set_timeout(&resolve, millis);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

// Data saved by format version 1 (a raw dump written by this version, planted store by store
// without the current writers) must open in every later version.
#[wasm_bindgen_test]
async fn format_version_1_data_still_opens() {
    let name = unique("fixture-v1");
    import_raw_dump(
        name.clone(),
        include_str!("fixtures/idb-v1.json").to_string(),
    )
    .await
    .expect("plant the fixture");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    assert_eq!(db.persistence(), "indexeddb");
    let scan = ok(&db, "Scan", serde_json::json!({"TableName": "Music"})).await;
    assert_eq!(scan["Count"], 2);
    let got = ok(
        &db,
        "GetItem",
        serde_json::json!({
            "TableName": "Music", "Key": {"Artist": {"S": "Bo"}, "Song": {"S": "Three"}},
        }),
    )
    .await;
    assert_eq!(got["Item"]["Plays"], serde_json::json!({"N": "1"}));
    let backups = ok(&db, "ListBackups", serde_json::json!({})).await;
    assert_eq!(backups["BackupSummaries"].as_array().map(Vec::len), Some(1));
    let streams = ok(
        &db,
        "DynamoDBStreams_20120810.ListStreams",
        serde_json::json!({}),
    )
    .await;
    assert_eq!(streams["Streams"].as_array().map(Vec::len), Some(1));
    // The loaded sandbox keeps working: a write goes to the same stores.
    ok(
        &db,
        "PutItem",
        serde_json::json!({
            "TableName": "Music", "Item": {"Artist": {"S": "Cy"}, "Song": {"S": "Four"}},
        }),
    )
    .await;
    let scan = ok(&db, "Scan", serde_json::json!({"TableName": "Music"})).await;
    assert_eq!(scan["Count"], 3);
    // Opening upgraded it: the version 2 stores exist (empty), the writes (the PutItem, and the
    // rotation of the fixture's old stream shard) went to the version 3 log, and the format says 4.
    db.close();
    let dump: serde_json::Value =
        serde_json::from_str(&raw_dump(name).await.expect("dump")).unwrap_or_default();
    assert_eq!(dump["stores"]["replications"], serde_json::json!([]));
    assert_eq!(dump["stores"]["conflicts"], serde_json::json!([]));
    assert!(rows(&dump, "log") >= 1, "{dump}");
    assert_eq!(stored_format(&dump), Some(serde_json::json!(4.0)));
}

/// The `compacting` row of a raw dump's `meta` store: `[write number, mutations in the rows]`.
fn compacting(dump: &serde_json::Value) -> Option<serde_json::Value> {
    dump["stores"]["meta"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r[0] == "compacting"))
        .map(|r| r[1].clone())
}

/// `n` (at most 25) Music items of `artist` in ONE BatchWriteItem, so one log record: with the
/// table's stream and PITR on, three mutations per item (the item, its stream record, its change).
async fn batch_of_songs(db: &Sandbox, artist: &str, n: usize) {
    let requests: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({"PutRequest": {"Item": {
                "Artist": {"S": artist}, "Song": {"S": format!("s{i:02}")}, "Plays": {"N": i.to_string()},
            }}})
        })
        .collect();
    ok(
        db,
        "BatchWriteItem",
        serde_json::json!({"RequestItems": {"Music": requests}}),
    )
    .await;
}

/// The `format` row of a raw dump's `meta` store.
fn stored_format(dump: &serde_json::Value) -> Option<serde_json::Value> {
    dump["stores"]["meta"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r[0] == "format"))
        .map(|r| r[1].clone())
}

// Data saved by format version 3: rows (seeded, then compacted) and two log records not yet
// compacted (a PutItem of Cy/Four, a DeleteItem of Ada/One), replayed over the rows on open.
#[wasm_bindgen_test]
async fn format_version_3_data_still_opens() {
    let name = unique("fixture-v3");
    import_raw_dump(
        name.clone(),
        include_str!("fixtures/idb-v3.json").to_string(),
    )
    .await
    .expect("plant the fixture");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    assert_eq!(db.persistence(), "indexeddb");
    let scan = ok(&db, "Scan", serde_json::json!({"TableName": "Music"})).await;
    let mut songs: Vec<&str> = scan["Items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["Song"]["S"].as_str())
        .collect();
    songs.sort_unstable();
    assert_eq!(songs, vec!["Four", "Three"]);
    let records = ok(
        &db,
        "DynamoDBStreams_20120810.ListStreams",
        serde_json::json!({}),
    )
    .await;
    assert_eq!(records["Streams"].as_array().map(Vec::len), Some(1));
    // Compacting the planted log leaves the same sandbox.
    let before = db.export_sandbox().await.expect("export");
    db.compact_log(None).await.expect("compact");
    db.close();
    let again = open_sandbox(Some(name), true).await.expect("reopen");
    let after = again.export_sandbox().await.expect("export");
    assert_eq!(export_without_clock(&before), export_without_clock(&after));
}

// A log record bigger than a compaction slice is compacted over several slices, each its own
// transaction; between them the `compacting` row says how far, so a reopen mid-way replays only
// the rest of the record (nothing lost, nothing applied twice) and the compaction resumes there.
#[wasm_bindgen_test]
async fn a_big_record_is_compacted_in_slices_and_a_reopen_resumes() {
    let name = unique("slices");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    seed(&db).await;
    db.compact_log(None).await.expect("compact the seed");
    assert_eq!(db.logged_mutations(), 0);
    batch_of_songs(&db, "Many", 20).await;
    let logged = db.logged_mutations();
    assert!(logged >= 40, "one record of the batch: {logged}");
    let before = export_without_clock(&db.export_sandbox().await.expect("export"));
    db.set_compaction_slice(7);
    db.compact_log(Some(2)).await.expect("two slices");
    assert_eq!(db.logged_mutations(), logged - 14);
    db.close();
    let dump: serde_json::Value =
        serde_json::from_str(&raw_dump(name.clone()).await.expect("dump")).unwrap_or_default();
    assert_eq!(
        rows(&dump, "log"),
        1,
        "the record stays until its last slice"
    );
    assert_eq!(
        compacting(&dump).map(|c| c[1].clone()),
        Some(serde_json::json!(14.0))
    );
    assert_eq!(stored_format(&dump), Some(serde_json::json!(4.0)));

    // Reopened mid-way: the same sandbox, and the same count still to compact.
    let again = open_sandbox(Some(name.clone()), true)
        .await
        .expect("reopen");
    assert_eq!(again.logged_mutations(), logged - 14);
    assert_eq!(
        export_without_clock(&again.export_sandbox().await.expect("export")),
        before
    );
    again.set_compaction_slice(5);
    again.compact_log(None).await.expect("the rest");
    assert_eq!(again.logged_mutations(), 0);
    again.close();
    let dump: serde_json::Value =
        serde_json::from_str(&raw_dump(name.clone()).await.expect("dump")).unwrap_or_default();
    assert_eq!(rows(&dump, "log"), 0);
    assert_eq!(compacting(&dump), None, "no marker once the record is gone");
    // Two seeded songs and the twenty, each a binary row (format 4).
    assert_eq!(rows(&dump, "items"), 22);
    assert!(dump["stores"]["items"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|r| r[1].get("hex").is_some()));
    let last = open_sandbox(Some(name), true).await.expect("reopen");
    assert_eq!(
        export_without_clock(&last.export_sandbox().await.expect("export")),
        before
    );
}

// Requests are served while a compaction runs: writes issued mid-way (to keys of the record being
// compacted, and a new one) are answered, and what a reopen finds is the state they left, the
// compacted rows overwritten by them and not the other way round.
#[wasm_bindgen_test]
async fn writes_during_a_compaction_are_kept_in_order() {
    let name = unique("during");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    seed(&db).await;
    batch_of_songs(&db, "Many", 25).await;
    db.set_compaction_slice(4);
    let db = std::rc::Rc::new(db);
    let compacting_db = db.clone();
    let compaction = wasm_bindgen_futures::future_to_promise(async move {
        compacting_db.compact_log(None).await?;
        Ok(JsValue::TRUE)
    });
    // Each write waits for at most the slice under way, then for its own transaction.
    yield_now().await;
    let logged_mid_way = db.logged_mutations();
    let mut statuses = Vec::new();
    for (artist, song) in [("Many", "s03"), ("Many", "s24"), ("Ed", "Five")] {
        let status = wasm_bindgen_futures::JsFuture::from(put_later(&db, artist, song))
            .await
            .ok()
            .and_then(|s| s.as_f64());
        statuses.push(status);
    }
    assert!(statuses.iter().all(|s| *s == Some(200.0)), "{statuses:?}");
    let (status, _) = call(
        &db,
        "DeleteItem",
        serde_json::json!({"TableName": "Music", "Key": {"Artist": {"S": "Many"}, "Song": {"S": "s10"}}}),
    )
    .await;
    assert_eq!(status, 200);
    wasm_bindgen_futures::JsFuture::from(compaction)
        .await
        .expect("the compaction finishes");
    assert!(
        logged_mid_way > 0,
        "the writes came while the log was being compacted"
    );
    let before = export_without_clock(&db.export_sandbox().await.expect("export"));
    // The overwritten items lost their Plays (put_later writes only the key); s10 is gone.
    // An export's item rows are `[key hex, item JSON text]`.
    let item = |doc: &serde_json::Value, song: &str| {
        doc["items"]["Music"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|row| serde_json::from_str::<serde_json::Value>(row[1].as_str()?).ok())
            .find(|i| i["Song"]["S"] == song)
    };
    assert!(item(&before, "s03").is_some_and(|i| i.get("Plays").is_none()));
    assert!(item(&before, "s01").is_some_and(|i| i.get("Plays").is_some()));
    assert!(item(&before, "s10").is_none());
    assert_eq!(db.logged_mutations(), 0);
    db.close();
    let again = open_sandbox(Some(name), true).await.expect("reopen");
    assert_eq!(again.logged_mutations(), 0);
    assert_eq!(
        export_without_clock(&again.export_sandbox().await.expect("export")),
        before
    );
}

// Data saved by format version 4: binary item rows (seeded, then compacted), a log record
// compacted part-way (its first two mutations in the rows, the `compacting` row saying so) and
// two records not yet compacted (a PutItem of Cy/Four, a DeleteItem of Ada/One).
#[wasm_bindgen_test]
async fn format_version_4_data_still_opens() {
    let name = unique("fixture-v4");
    import_raw_dump(
        name.clone(),
        include_str!("fixtures/idb-v4.json").to_string(),
    )
    .await
    .expect("plant the fixture");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    assert_eq!(db.persistence(), "indexeddb");
    let scan = ok(&db, "Scan", serde_json::json!({"TableName": "Music"})).await;
    let mut songs: Vec<String> = scan["Items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| {
            Some(format!(
                "{}/{}",
                i["Artist"]["S"].as_str()?,
                i["Song"]["S"].as_str()?
            ))
        })
        .collect();
    songs.sort_unstable();
    assert_eq!(
        songs,
        vec!["Bo/Three", "Cy/Four", "Di/s00", "Di/s01", "Di/s02"]
    );
    // What is left of the part-way record (its mutations less the two in the rows) and the two
    // later records.
    let left = db.logged_mutations();
    let before = db.export_sandbox().await.expect("export");
    db.compact_log(None).await.expect("compact");
    db.close();
    let dump: serde_json::Value =
        serde_json::from_str(&raw_dump(name.clone()).await.expect("dump")).unwrap_or_default();
    assert!(left > 2, "{left}");
    assert_eq!(rows(&dump, "log"), 0);
    assert_eq!(compacting(&dump), None);
    let again = open_sandbox(Some(name), true).await.expect("reopen");
    let after = again.export_sandbox().await.expect("export");
    assert_eq!(export_without_clock(&before), export_without_clock(&after));
}

// A database saved by a newer Dynaplay is not misread: the sandbox opens in memory and says why.
#[wasm_bindgen_test]
async fn a_newer_format_is_refused() {
    let name = unique("newer");
    import_raw_dump(
        name.clone(),
        r#"{"format": 5, "stores": {"meta": [["format", 5]]}}"#.to_string(),
    )
    .await
    .expect("plant");
    let db = open_sandbox(Some(name), true).await.expect("open");
    assert_eq!(db.persistence(), "memory");
    let reason = db.reason().unwrap_or_default();
    assert!(reason.contains("newer Dynaplay"), "{reason}");
}

// A write whose IndexedDB transaction aborts (as on a full disk) is answered with
// InternalServerError; memory is rebuilt from IndexedDB, so the item is in neither, and the
// sandbox keeps working.
#[wasm_bindgen_test]
async fn a_failed_write_changes_nothing() {
    let name = unique("failing");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    seed(&db).await;
    db.fail_next_write();
    let (status, body) = call(
        &db,
        "PutItem",
        serde_json::json!({
            "TableName": "Music", "Item": {"Artist": {"S": "Lost"}, "Song": {"S": "X"}},
        }),
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(
        body["__type"],
        "com.amazonaws.dynamodb.v20120810#InternalServerError"
    );
    assert!(body["message"]
        .as_str()
        .is_some_and(|m| m.contains("storage is full")));
    let key = serde_json::json!({"TableName": "Music", "Key": {"Artist": {"S": "Lost"}, "Song": {"S": "X"}}});
    assert_eq!(ok(&db, "GetItem", key.clone()).await.get("Item"), None);
    ok(
        &db,
        "PutItem",
        serde_json::json!({
            "TableName": "Music", "Item": {"Artist": {"S": "Kept"}, "Song": {"S": "Y"}},
        }),
    )
    .await;
    db.close();
    let again = open_sandbox(Some(name), true).await.expect("reopen");
    assert_eq!(ok(&again, "GetItem", key).await.get("Item"), None);
    let scan = ok(&again, "Scan", serde_json::json!({"TableName": "Music"})).await;
    assert_eq!(scan["Count"], 3);
}

// Concurrent requests share transactions and all resolve once durable (group commit).
#[wasm_bindgen_test]
async fn concurrent_writes_are_all_durable() {
    let name = unique("group");
    let db = open_sandbox(Some(name.clone()), false).await.expect("open");
    seed(&db).await;
    // Each request runs as its own promise, as 300 page scripts calling `dispatch` at once would.
    let db = std::rc::Rc::new(db);
    let array = js_sys::Array::new();
    for i in 0..300 {
        let db = db.clone();
        array.push(&wasm_bindgen_futures::future_to_promise(async move {
            let body = serde_json::json!({
                "TableName": "Music",
                "Item": {"Artist": {"S": "Many"}, "Song": {"S": format!("s{i}")}},
            });
            Ok::<JsValue, JsValue>(
                db.dispatch("DynamoDB_20120810.PutItem".into(), body.to_string().into())
                    .await,
            )
        }));
    }
    let all = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::all(&array))
        .await
        .expect("all resolve");
    let statuses: Vec<f64> = js_sys::Array::from(&all)
        .iter()
        .map(|r| {
            Reflect::get(&r, &"status".into())
                .ok()
                .and_then(|s| s.as_f64())
                .unwrap_or(0.0)
        })
        .collect();
    assert!(statuses.iter().all(|s| *s == 200.0), "{statuses:?}");
    // Grouped: far fewer transactions than requests.
    assert!(
        db.transactions() < 100,
        "{} transactions",
        db.transactions()
    );
    db.close();
    let again = open_sandbox(Some(name), false).await.expect("reopen");
    let count = ok(
        &again,
        "Query",
        serde_json::json!({
            "TableName": "Music", "KeyConditionExpression": "Artist = :a",
            "ExpressionAttributeValues": {":a": {"S": "Many"}}, "Select": "COUNT",
        }),
    )
    .await;
    assert_eq!(count["Count"], 300);
}

/// Starts `PutItem` of Music item (`artist`, `song`) as a promise of its status, without waiting.
fn put_later(db: &std::rc::Rc<Sandbox>, artist: &str, song: &str) -> js_sys::Promise {
    let db = db.clone();
    let body = serde_json::json!({
        "TableName": "Music", "Item": {"Artist": {"S": artist}, "Song": {"S": song}},
    });
    wasm_bindgen_futures::future_to_promise(async move {
        let response = db
            .dispatch("DynamoDB_20120810.PutItem".into(), body.to_string().into())
            .await;
        Reflect::get(&response, &"status".into())
    })
}

/// Lets spawned tasks run up to their first wait (a macrotask: every microtask runs before it).
async fn yield_now() {
    sleep(0).await;
}

mod web_sys_timer {
    use wasm_bindgen::prelude::*;
    #[wasm_bindgen]
    extern "C" {
        pub type Global;
        #[wasm_bindgen(method, js_name = setTimeout)]
        pub fn set_timeout(this: &Global, handler: &js_sys::Function, millis: i32) -> f64;
    }
}

// With a second transaction started while the first commits, a failure of the second fails its
// own requests and the ones queued after it (built on it in memory), while the first still lands:
// what stays is exactly a prefix of what was answered 200.
#[wasm_bindgen_test]
async fn a_failed_transaction_behind_another_fails_only_itself_and_later_writes() {
    let name = unique("chained");
    let db = std::rc::Rc::new(open_sandbox(Some(name.clone()), true).await.expect("open"));
    seed(&db).await;
    let before = db.transactions();
    let first = put_later(&db, "Chain", "first");
    yield_now().await;
    db.fail_next_write();
    let second = put_later(&db, "Chain", "second");
    let third = put_later(&db, "Chain", "third");
    let mut statuses = Vec::new();
    for p in [first, second, third] {
        let status = wasm_bindgen_futures::JsFuture::from(p).await;
        statuses.push(status.ok().and_then(|s| s.as_f64()).unwrap_or(0.0));
    }
    assert_eq!(statuses, vec![200.0, 500.0, 500.0]);
    assert!(db.transactions() > before);
    // Memory went back to what IndexedDB holds, and a later write works again.
    let after = ok(&db, "Query", chain_query()).await;
    assert_eq!(after["Count"], 1);
    ok(
        &db,
        "PutItem",
        serde_json::json!({"TableName": "Music", "Item": {"Artist": {"S": "Chain"}, "Song": {"S": "fourth"}}}),
    )
    .await;
    db.close();
    let again = open_sandbox(Some(name), true).await.expect("reopen");
    let songs = ok(&again, "Query", chain_query()).await;
    let songs: Vec<&str> = songs["Items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["Song"]["S"].as_str())
        .collect();
    assert_eq!(songs, vec!["first", "fourth"]);
}

fn chain_query() -> serde_json::Value {
    serde_json::json!({
        "TableName": "Music", "KeyConditionExpression": "Artist = :a",
        "ExpressionAttributeValues": {":a": {"S": "Chain"}},
    })
}

// The raw dump names every store of the current layout, so a layout change is noticed here first.
// It also logs the dump (`FIXTURE {...}`): run with `--nocapture` to write a new format's fixture.
#[wasm_bindgen_test]
async fn the_raw_dump_lists_every_store() {
    let name = unique("dump");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    seed(&db).await;
    // Part compacted into the rows, one record compacted part-way (two of its mutations), part
    // still in the log: a fixture of all three.
    db.compact_log(None).await.expect("compact");
    batch_of_songs(&db, "Di", 3).await;
    db.set_compaction_slice(2);
    db.compact_log(Some(1)).await.expect("one slice");
    ok(
        &db,
        "PutItem",
        serde_json::json!({
            "TableName": "Music",
            "Item": {"Artist": {"S": "Cy"}, "Song": {"S": "Four"}, "Plays": {"N": "4"}},
        }),
    )
    .await;
    ok(
        &db,
        "DeleteItem",
        serde_json::json!({
            "TableName": "Music", "Key": {"Artist": {"S": "Ada"}, "Song": {"S": "One"}},
        }),
    )
    .await;
    db.close();
    let text = raw_dump(name).await.expect("dump");
    let dump: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(dump["format"], 4);
    assert_eq!(dump["stores"]["log"].as_array().map(Vec::len), Some(3));
    // The record compacted part-way is named with how far: 2 of its mutations are in the rows.
    assert_eq!(
        compacting(&dump).map(|c| c[1].clone()),
        Some(serde_json::json!(2.0))
    );
    let stores: Vec<&str> = dump["stores"]
        .as_object()
        .map(|s| s.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        stores,
        [
            "meta",
            "tables",
            "items",
            "streams",
            "stream_records",
            "backups",
            "continuous_backups",
            "changes",
            "replications",
            "replica_stamps",
            "conflicts",
            "log"
        ]
    );
    web_sys_log(&text);
}

fn web_sys_log(text: &str) {
    let console = Reflect::get(&js_sys::global(), &"console".into()).unwrap_or(JsValue::NULL);
    let log = Reflect::get(&console, &"log".into()).unwrap_or(JsValue::NULL);
    if let Some(f) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Function>(&log) {
        let _ = f.call1(&console, &format!("FIXTURE {text}").into());
    }
}

// importSandbox replaces a persisted sandbox whole: what it held before is gone, the import is
// what a reopen finds, and an invalid document changes nothing.
#[wasm_bindgen_test]
async fn an_import_replaces_everything_and_persists() {
    let source = open_sandbox(None, true).await.expect("memory sandbox");
    seed(&source).await;
    let exported = source.export_sandbox().await.expect("export");

    let name = unique("import");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    ok(
        &db,
        "CreateTable",
        serde_json::json!({
            "TableName": "Old",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        }),
    )
    .await;
    assert!(db
        .import_sandbox(r#"{"format": "dynaplay-sandbox", "version": 99}"#.into())
        .await
        .is_err());
    db.import_sandbox(exported.clone()).await.expect("import");
    let tables = ok(&db, "ListTables", serde_json::json!({})).await;
    assert_eq!(tables["TableNames"], serde_json::json!(["Music"]));
    db.close();

    let again = open_sandbox(Some(name), true).await.expect("reopen");
    let after = again.export_sandbox().await.expect("export");
    assert_eq!(
        export_without_clock(&exported),
        export_without_clock(&after)
    );
}

const GLOBAL_TABLES: &str = "DynaplayGlobalTablesSimulation";

fn rows(dump: &serde_json::Value, store: &str) -> usize {
    dump["stores"][store].as_array().map_or(0, Vec::len)
}

// The issue this layout change fixes: a write still inside its replication delay when the tab
// closes is a row of its own (`replications`), written in the same transaction as the item, so
// the reopened sandbox delivers it once the clock passes its due time, and the delivery takes the
// row away again. The key's last-writer stamp and the delay setting are rows too.
#[wasm_bindgen_test]
async fn a_pending_replication_survives_a_reopen() {
    let name = unique("replication");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    ok(
        &db,
        "CreateTable",
        serde_json::json!({
            "TableName": "Music",
            "AttributeDefinitions": [{"AttributeName": "Artist", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        }),
    )
    .await;
    ok(
        &db,
        "UpdateTable",
        serde_json::json!({"TableName": "Music",
                           "ReplicaUpdates": [{"Create": {"RegionName": "eu-west-1"}}]}),
    )
    .await;
    ok(
        &db,
        &format!("{GLOBAL_TABLES}.Configure"),
        serde_json::json!({"ReplicationDelayMillis": 60000}),
    )
    .await;
    ok(
        &db,
        "PutItem",
        serde_json::json!({"TableName": "Music", "Item": {"Artist": {"S": "Ada"}}}),
    )
    .await;
    db.close();
    // Each write transaction is one log record so far (format 3): the rows are still empty and
    // the reopen replays the queue, the stamp and the settings from the log.
    let dump: serde_json::Value =
        serde_json::from_str(&raw_dump(name.clone()).await.expect("dump")).unwrap_or_default();
    assert!(rows(&dump, "log") > 0, "{dump}");
    assert_eq!(rows(&dump, "replications"), 0, "{dump}");
    let from_log = open_sandbox(Some(name.clone()), true)
        .await
        .expect("reopen");
    let described = ok(
        &from_log,
        &format!("{GLOBAL_TABLES}.Describe"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(described["ReplicationDelayMillis"], 60000);
    assert_eq!(
        described["PendingReplications"].as_array().map(Vec::len),
        Some(1),
        "{described}"
    );
    // Compaction applies them to their own stores.
    from_log.compact_log(None).await.expect("compact");
    from_log.close();
    let dump: serde_json::Value =
        serde_json::from_str(&raw_dump(name.clone()).await.expect("dump")).unwrap_or_default();
    assert_eq!(rows(&dump, "log"), 0, "{dump}");
    assert_eq!(rows(&dump, "replications"), 1, "{dump}");
    assert_eq!(rows(&dump, "replica_stamps"), 1, "{dump}");
    let settings = dump["stores"]["meta"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r[0] == "globalTables"))
        .and_then(|r| r[1].as_str())
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok());
    assert_eq!(
        settings.map(|s| s["ReplicationDelayMillis"].clone()),
        Some(serde_json::json!(60000)),
        "{dump}"
    );

    let again = open_sandbox(Some(name.clone()), true)
        .await
        .expect("reopen");
    let described = ok(
        &again,
        &format!("{GLOBAL_TABLES}.Describe"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(described["ReplicationDelayMillis"], 60000);
    let pending = described["PendingReplications"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(pending.len(), 1, "{described}");
    assert_eq!(
        pending[0]["Key"],
        serde_json::json!({"Artist": {"S": "Ada"}})
    );
    assert_eq!(pending[0]["ToRegion"], "eu-west-1");
    again.advance_clock(60000.0).await.expect("advance");
    let described = ok(
        &again,
        &format!("{GLOBAL_TABLES}.Describe"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(described["PendingReplications"], serde_json::json!([]));
    assert_eq!(described["ReplicatedWrites"], 1);
    let doc = export_without_clock(&again.export_sandbox().await.expect("export"));
    assert_eq!(
        doc["items"]["Music@eu-west-1"].as_array().map(Vec::len),
        Some(1)
    );
    again.compact_log(None).await.expect("compact");
    again.close();

    let dump: serde_json::Value =
        serde_json::from_str(&raw_dump(name.clone()).await.expect("dump")).unwrap_or_default();
    assert_eq!(rows(&dump, "replications"), 0, "{dump}");
    assert_eq!(
        rows(&dump, "replica_stamps"),
        2,
        "a stamp in each region: {dump}"
    );
    let third = open_sandbox(Some(name), true).await.expect("reopen");
    let described = ok(
        &third,
        &format!("{GLOBAL_TABLES}.Describe"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(described["PendingReplications"], serde_json::json!([]));
    assert_eq!(described["ReplicatedWrites"], 1);
}

// A conflict needs writes in two regions, which a sandbox page cannot send yet; the engine makes
// one here, its export is imported into an IndexedDB sandbox (`replace`), and a reopen must list
// the same conflict and go on delivering the write that was still on its way.
#[wasm_bindgen_test]
async fn imported_conflicts_and_queue_survive_a_reopen() {
    use dynaplay_engine::{sandbox_document, Engine, EngineConfig, ManualClock, MemoryStorage};
    use std::sync::{Arc, Mutex};

    let storage = Arc::new(Mutex::new(MemoryStorage::new()));
    let clock = Arc::new(ManualClock::new(js_sys::Date::now() as i64));
    let mut engine = Engine::open(
        EngineConfig::default(),
        Box::new(clock.clone()),
        Box::new(storage.clone()),
    )
    .expect("opens");
    let call = |engine: &mut Engine, region: &str, op: &str, body: serde_json::Value| {
        let response = engine.dispatch_in_region(region, op, &body.to_string());
        assert_eq!(response.status, 200, "{op}: {}", response.body);
        serde_json::from_str::<serde_json::Value>(&response.body).unwrap_or_default()
    };
    call(
        &mut engine,
        "us-east-1",
        "CreateTable",
        serde_json::json!({"TableName": "Music", "BillingMode": "PAY_PER_REQUEST",
               "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
               "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}),
    );
    call(
        &mut engine,
        "us-east-1",
        "UpdateTable",
        serde_json::json!({"TableName": "Music", "ReplicaUpdates": [{"Create": {"RegionName": "eu-west-1"}}]}),
    );
    let put = |engine: &mut Engine, region: &str, pk: &str, v: &str| {
        call(
            engine,
            region,
            "PutItem",
            serde_json::json!({"TableName": "Music", "Item": {"pk": {"S": pk}, "v": {"S": v}}}),
        );
    };
    put(&mut engine, "us-east-1", "k", "first-us");
    clock.advance(100);
    put(&mut engine, "eu-west-1", "k", "later-eu");
    clock.advance(1000);
    call(
        &mut engine,
        "us-east-1",
        "GlobalTables.Describe",
        serde_json::json!({}),
    );
    put(&mut engine, "us-east-1", "p", "pending");
    let before = call(
        &mut engine,
        "us-east-1",
        "GlobalTables.Describe",
        serde_json::json!({}),
    );
    assert_eq!(before["Conflicts"].as_array().map(Vec::len), Some(1));
    let snapshot = dynaplay_engine::Storage::load(&storage).expect("loads");
    let doc = sandbox_document::export(&snapshot, 0).to_string();

    let name = unique("conflicts");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    db.import_sandbox(doc).await.expect("import");
    db.close();
    let again = open_sandbox(Some(name), true).await.expect("reopen");
    let described = ok(
        &again,
        &format!("{GLOBAL_TABLES}.Describe"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(described["Conflicts"], before["Conflicts"]);
    assert_eq!(
        described["PendingReplications"].as_array().map(Vec::len),
        Some(1)
    );
    // The engine above ran 1.1 s ahead of the browser's clock; this passes the write's due time.
    again.advance_clock(5000.0).await.expect("advance");
    let described = ok(
        &again,
        &format!("{GLOBAL_TABLES}.Describe"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(described["PendingReplications"], serde_json::json!([]));
    assert_eq!(described["Conflicts"], before["Conflicts"]);
    let doc = export_without_clock(&again.export_sandbox().await.expect("export"));
    let replica_items = doc["items"]["Music@eu-west-1"].as_array().map(Vec::len);
    assert_eq!(replica_items, Some(2), "k and p in eu-west-1: {doc}");
}

// Data saved by format version 2 (a raw dump: a global table whose replica in eu-west-1 holds a
// settled conflict, two writes queued under a one-day delay, one imported and one written by the
// page, their stamps and the settings row) must open in every later version, list the conflict,
// keep the delay, and deliver the queued writes once their time has passed.
#[wasm_bindgen_test]
async fn format_version_2_data_still_opens() {
    let name = unique("fixture-v2");
    import_raw_dump(
        name.clone(),
        include_str!("fixtures/idb-v2.json").to_string(),
    )
    .await
    .expect("plant the fixture");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    assert_eq!(db.persistence(), "indexeddb");
    let describe = format!("{GLOBAL_TABLES}.Describe");
    let described = ok(&db, &describe, serde_json::json!({})).await;
    assert_eq!(described["ReplicationDelayMillis"], 86_400_000);
    let conflicts = described["Conflicts"].clone();
    assert_eq!(conflicts.as_array().map(Vec::len), Some(1), "{described}");
    assert_eq!(conflicts[0]["Key"], serde_json::json!({"pk": {"S": "k"}}));
    assert_eq!(conflicts[0]["Winner"]["Item"]["v"]["S"], "later-eu");
    // Two days on, whenever this runs, both queued writes are due.
    db.advance_clock(2.0 * 86_400_000.0).await.expect("advance");
    let described = ok(&db, &describe, serde_json::json!({})).await;
    assert_eq!(described["PendingReplications"], serde_json::json!([]));
    assert_eq!(described["ReplicatedWrites"], 3);
    assert_eq!(described["Conflicts"], conflicts);
    let doc = export_without_clock(&db.export_sandbox().await.expect("export"));
    let mut replica: Vec<String> = doc["items"]["Music@eu-west-1"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|row| row[1].as_str())
        .filter_map(|item| serde_json::from_str::<serde_json::Value>(item).ok())
        .filter_map(|item| item["v"]["S"].as_str().map(str::to_string))
        .collect();
    replica.sort();
    assert_eq!(replica, ["from-the-page", "later-eu", "pending"]);
    // Opening upgraded it to format 4 (the `log` store added); the deliveries were logged, and
    // compacting them takes the queue's rows away.
    db.compact_log(None).await.expect("compact");
    db.close();
    let dump: serde_json::Value =
        serde_json::from_str(&raw_dump(name).await.expect("dump")).unwrap_or_default();
    assert_eq!(rows(&dump, "replications"), 0, "{dump}");
    assert_eq!(rows(&dump, "log"), 0, "{dump}");
    assert_eq!(stored_format(&dump), Some(serde_json::json!(4.0)));
}

// One write of more mutations than a log record holds (a restore of 1,050 items) is stored as
// several records of at most `RECORD_MUTATIONS` each, numbered on, so that no compaction slice
// has to read a record of megabytes; a reopen replays every one of them.
#[wasm_bindgen_test]
async fn a_write_of_many_mutations_is_several_log_records() {
    use dynaplay_wasm::idb::RECORD_MUTATIONS;
    use dynaplay_wasm::sandbox::from_hex;

    /// The number of mutations in each log record of a raw dump, in key order.
    fn record_sizes(dump: &serde_json::Value) -> Vec<usize> {
        dump["stores"]["log"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                let bytes = from_hex(r[1]["hex"].as_str().unwrap_or_default()).expect("hex");
                dynaplay_wasm::log_record::decode(&bytes)
                    .expect("a log record")
                    .len()
            })
            .collect()
    }

    let name = unique("records");
    let db = open_sandbox(Some(name.clone()), true).await.expect("open");
    seed(&db).await;
    for b in 0..42 {
        batch_of_songs(&db, &format!("a{b:02}"), 25).await;
    }
    let backup = ok(
        &db,
        "CreateBackup",
        serde_json::json!({"TableName": "Music", "BackupName": "many"}),
    )
    .await;
    db.compact_log(None).await.expect("compact the load");
    assert_eq!(db.logged_mutations(), 0);

    ok(
        &db,
        "RestoreTableFromBackup",
        serde_json::json!({
            "TargetTableName": "Copy",
            "BackupArn": backup["BackupDetails"]["BackupArn"],
        }),
    )
    .await;
    let logged = db.logged_mutations() as usize;
    assert!(
        logged > RECORD_MUTATIONS,
        "one write of the restore: {logged}"
    );
    let before = export_without_clock(&db.export_sandbox().await.expect("export"));
    db.close();

    let dump: serde_json::Value =
        serde_json::from_str(&raw_dump(name.clone()).await.expect("dump")).unwrap_or_default();
    let sizes = record_sizes(&dump);
    assert!(sizes.len() >= 2, "{sizes:?}");
    assert!(sizes.iter().all(|&n| n <= RECORD_MUTATIONS), "{sizes:?}");
    assert_eq!(sizes.iter().sum::<usize>(), logged);

    let again = open_sandbox(Some(name), true).await.expect("reopen");
    assert_eq!(again.logged_mutations() as usize, logged);
    assert_eq!(
        export_without_clock(&again.export_sandbox().await.expect("export")),
        before
    );
    let count = ok(
        &again,
        "Scan",
        serde_json::json!({"TableName": "Copy", "Select": "COUNT"}),
    )
    .await;
    let seeded = ok(
        &again,
        "Scan",
        serde_json::json!({"TableName": "Music", "Select": "COUNT"}),
    )
    .await;
    assert_eq!(count["Count"], seeded["Count"]);
    assert!(count["Count"].as_u64().unwrap_or(0) >= 1_050, "{count}");
}
