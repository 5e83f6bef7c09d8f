//! On-demand backups and point-in-time recovery end to end: restored tables hold exactly the
//! items the source held at the chosen second, the change log survives a reopen through
//! `Storage`, a failed commit logs nothing, and the log is trimmed past the recovery period.

use std::sync::{Arc, Mutex};

use dynaplay_engine::{Clock, Engine, EngineConfig, ManualClock, MemoryStorage, Storage};
use serde_json::{json, Value};

/// 2026-01-01T00:00:00Z, as in the golden cases.
const START: i64 = 1_767_225_600_000;

fn open(clock: &Arc<ManualClock>, storage: &Arc<Mutex<MemoryStorage>>) -> Engine {
    Engine::open(
        EngineConfig::default(),
        Box::new(clock.clone()),
        Box::new(storage.clone()),
    )
    .expect("storage loads")
}

fn call(engine: &mut Engine, op: &str, body: Value) -> Value {
    let r = engine.dispatch(op, &body.to_string());
    let v: Value = serde_json::from_str(&r.body).expect("JSON");
    assert_eq!(r.status, 200, "{op} {body} answered {v}");
    v
}

fn error(engine: &mut Engine, op: &str, body: Value) -> Value {
    let r = engine.dispatch(op, &body.to_string());
    assert_eq!(
        r.status, 400,
        "{op} {body} should fail, answered {}",
        r.body
    );
    serde_json::from_str(&r.body).expect("JSON")
}

fn create(engine: &mut Engine) {
    call(
        engine,
        "CreateTable",
        json!({"TableName": "Orders",
               "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"},
                                        {"AttributeName": "status", "AttributeType": "S"}],
               "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
               "GlobalSecondaryIndexes": [{"IndexName": "by_status",
                   "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                   "Projection": {"ProjectionType": "ALL"}}],
               "BillingMode": "PAY_PER_REQUEST"}),
    );
}

/// A fresh clock and storage, and an engine over them holding the empty `Orders` table.
fn orders() -> (Arc<ManualClock>, Arc<Mutex<MemoryStorage>>, Engine) {
    let clock = Arc::new(ManualClock::new(START));
    let storage = Arc::new(Mutex::new(MemoryStorage::new()));
    let mut engine = open(&clock, &storage);
    create(&mut engine);
    (clock, storage, engine)
}

/// Turns on point-in-time recovery for `Orders` (the default recovery period).
fn pitr_on(engine: &mut Engine) {
    call(
        engine,
        "UpdateContinuousBackups",
        json!({"TableName": "Orders", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}),
    );
}

fn put(engine: &mut Engine, id: &str, status: &str, n: i64) {
    call(
        engine,
        "PutItem",
        json!({"TableName": "Orders", "Item": {"id": {"S": id}, "status": {"S": status}, "n": {"N": n.to_string()}}}),
    );
}

fn delete(engine: &mut Engine, id: &str) {
    call(
        engine,
        "DeleteItem",
        json!({"TableName": "Orders", "Key": {"id": {"S": id}}}),
    );
}

fn scan(engine: &mut Engine, table: &str) -> Value {
    call(engine, "Scan", json!({"TableName": table}))["Items"].clone()
}

fn seconds(millis: i64) -> f64 {
    millis as f64 / 1000.0
}

fn restore_at(engine: &mut Engine, target: &str, at_millis: i64) -> Value {
    call(
        engine,
        "RestoreTableToPointInTime",
        json!({"SourceTableName": "Orders", "TargetTableName": target, "RestoreDateTime": seconds(at_millis)}),
    )
}

#[test]
fn point_in_time_restores_match_the_table_at_three_seconds() {
    // Why: the promise of PITR is that a restore to second T holds exactly what the table held
    // at T — including items deleted by mistake afterwards.
    let (clock, storage, mut engine) = orders();
    put(&mut engine, "before", "old", 0); // written before PITR, must still be restored
    pitr_on(&mut engine);

    clock.advance(10_000);
    for (i, id) in ["a", "b", "c"].iter().enumerate() {
        put(&mut engine, id, "new", i as i64);
    }
    clock.advance(1_000);
    let first = clock.now_millis();
    let at_first = scan(&mut engine, "Orders");

    clock.advance(10_000);
    put(&mut engine, "b", "shipped", 10);
    delete(&mut engine, "a");
    put(&mut engine, "d", "new", 4);
    call(
        &mut engine,
        "UpdateItem",
        json!({"TableName": "Orders", "Key": {"id": {"S": "c"}}, "UpdateExpression": "SET n = n + :one",
               "ExpressionAttributeValues": {":one": {"N": "1"}}}),
    );
    clock.advance(1_000);
    let second = clock.now_millis();
    let at_second = scan(&mut engine, "Orders");

    // The accidental delete: everything goes, one second later.
    clock.advance(1_000);
    for id in ["before", "b", "c", "d"] {
        delete(&mut engine, id);
    }
    clock.advance(1_000);
    let third = clock.now_millis();
    let at_third = scan(&mut engine, "Orders");
    assert_eq!(at_third, json!([]));

    // LatestRestorableDateTime trails the clock by five minutes.
    let error_body = error(
        &mut engine,
        "RestoreTableToPointInTime",
        json!({"SourceTableName": "Orders", "TargetTableName": "Early", "RestoreDateTime": seconds(third)}),
    );
    assert_eq!(
        error_body["__type"],
        "com.amazonaws.dynamodb.v20120810#InvalidRestoreTimeException"
    );
    clock.advance(6 * 60_000);

    for (target, at, expected) in [
        ("AtFirst", first, &at_first),
        ("AtSecond", second, &at_second),
        ("AtThird", third, &at_third),
    ] {
        let out = restore_at(&mut engine, target, at);
        assert_eq!(
            out["TableDescription"]["RestoreSummary"]["RestoreDateTime"],
            json!(seconds(at))
        );
        assert_eq!(&scan(&mut engine, target), expected, "restore to {target}");
    }
    assert_eq!(
        at_second.as_array().map(Vec::len),
        Some(4),
        "the second before the delete"
    );
    // The restored GSI is rebuilt from the restored items.
    let shipped = call(
        &mut engine,
        "Query",
        json!({"TableName": "AtSecond", "IndexName": "by_status", "KeyConditionExpression": "#s = :s",
               "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "shipped"}}}),
    );
    assert_eq!(shipped["Count"], 1);

    // The same restores after a reopen: the change log came back from storage.
    drop(engine);
    let mut reopened = open(&clock, &storage);
    let out = restore_at(&mut reopened, "AfterReopen", second);
    assert_eq!(out["TableDescription"]["TableStatus"], "CREATING");
    assert_eq!(scan(&mut reopened, "AfterReopen"), at_second);
    let described = call(
        &mut reopened,
        "DescribeContinuousBackups",
        json!({"TableName": "Orders"}),
    );
    assert_eq!(
        described["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
            ["EarliestRestorableDateTime"],
        json!(seconds(START))
    );
}

#[test]
fn backups_survive_a_reopen_and_restore_their_items() {
    // Why: backups live in `Storage` like tables do; a sandbox reopened in the browser must
    // still list and restore them, and a deleted backup must stay deleted.
    let (clock, storage, mut engine) = orders();
    put(&mut engine, "a", "new", 1);
    put(&mut engine, "b", "new", 2);
    let kept = call(
        &mut engine,
        "CreateBackup",
        json!({"TableName": "Orders", "BackupName": "kept"}),
    )["BackupDetails"]["BackupArn"]
        .clone();
    let dropped = call(
        &mut engine,
        "CreateBackup",
        json!({"TableName": "Orders", "BackupName": "dropped"}),
    )["BackupDetails"]["BackupArn"]
        .clone();
    call(&mut engine, "DeleteBackup", json!({"BackupArn": dropped}));
    let expected = scan(&mut engine, "Orders");
    delete(&mut engine, "a");
    drop(engine);

    let mut reopened = open(&clock, &storage);
    let listed = call(&mut reopened, "ListBackups", json!({}));
    assert_eq!(listed["BackupSummaries"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed["BackupSummaries"][0]["BackupArn"], kept);
    call(
        &mut reopened,
        "RestoreTableFromBackup",
        json!({"TargetTableName": "Restored", "BackupArn": kept}),
    );
    assert_eq!(scan(&mut reopened, "Restored"), expected);
    drop(reopened);
    let mut again = open(&clock, &storage);
    assert_eq!(scan(&mut again, "Restored"), expected);
}

#[test]
fn a_failed_write_logs_nothing() {
    // Why: the change log rides in the write's storage batch; a write that did not happen must
    // not appear in a restore, in memory or after a reopen.
    let (clock, storage, mut engine) = orders();
    pitr_on(&mut engine);
    clock.advance(1_000);
    put(&mut engine, "a", "new", 1);
    let at = clock.now_millis();
    clock.advance(1_000);
    storage.lock().expect("lock").fail_next_commit();
    let r = engine.dispatch(
        "DeleteItem",
        &json!({"TableName": "Orders", "Key": {"id": {"S": "a"}}}).to_string(),
    );
    assert_eq!(r.status, 500);
    assert_eq!(
        storage.lock().expect("lock").load().expect("load").changes["Orders"].len(),
        1
    );
    clock.advance(10 * 60_000);
    let expected = scan(&mut engine, "Orders");
    restore_at(&mut engine, "Latest", clock.now_millis() - 5 * 60_000);
    assert_eq!(scan(&mut engine, "Latest"), expected);
    restore_at(&mut engine, "AtPut", at);
    assert_eq!(scan(&mut engine, "AtPut"), expected);
}

#[test]
fn the_log_is_trimmed_past_the_recovery_period() {
    // Why: the change log must not grow without bound; entries older than the recovery period
    // can never be needed and leave memory and storage, and the window starts there.
    let (clock, storage, mut engine) = orders();
    call(
        &mut engine,
        "UpdateContinuousBackups",
        json!({"TableName": "Orders", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true, "RecoveryPeriodInDays": 1}}),
    );
    for i in 0..5 {
        put(&mut engine, &format!("old{i}"), "new", i);
    }
    clock.advance(2 * 86_400_000);
    put(&mut engine, "fresh", "new", 9);
    let changes = storage.lock().expect("lock").load().expect("load").changes;
    assert_eq!(changes["Orders"].len(), 1, "only the fresh write is kept");
    let described = call(
        &mut engine,
        "DescribeContinuousBackups",
        json!({"TableName": "Orders"}),
    );
    let recovery = &described["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"];
    assert_eq!(
        recovery["EarliestRestorableDateTime"],
        json!(seconds(clock.now_millis() - 86_400_000))
    );
    assert_eq!(recovery["RecoveryPeriodInDays"], 1);
    let too_early = error(
        &mut engine,
        "RestoreTableToPointInTime",
        json!({"SourceTableName": "Orders", "TargetTableName": "TooEarly",
               "RestoreDateTime": seconds(clock.now_millis() - 86_400_000 - 1_000)}),
    );
    assert_eq!(
        too_early["__type"],
        "com.amazonaws.dynamodb.v20120810#InvalidRestoreTimeException"
    );
    // Restoring to the start of the window still sees the old items (only their log went).
    let window_start = clock.now_millis() - 86_400_000;
    restore_at(&mut engine, "WindowStart", window_start);
    assert_eq!(
        scan(&mut engine, "WindowStart").as_array().map(Vec::len),
        Some(5)
    );
    // A longer period later cannot reach back past what was trimmed, even after a reopen.
    drop(engine);
    let mut engine = open(&clock, &storage);
    let described = call(
        &mut engine,
        "UpdateContinuousBackups",
        json!({"TableName": "Orders", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true, "RecoveryPeriodInDays": 35}}),
    );
    let recovery = &described["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"];
    assert_eq!(recovery["RecoveryPeriodInDays"], 35);
    assert_eq!(
        recovery["EarliestRestorableDateTime"],
        json!(seconds(window_start))
    );
}

#[test]
fn failed_commits_leave_backups_and_pitr_as_they_were() {
    // Why: "never leave half-written state" — each backup operation is one storage batch, and
    // a storage failure must leave memory and storage exactly as before.
    let (clock, storage, mut engine) = orders();
    put(&mut engine, "a", "new", 1);
    let fail = |engine: &mut Engine, op: &str, body: Value| {
        storage.lock().expect("lock").fail_next_commit();
        let r = engine.dispatch(op, &body.to_string());
        assert_eq!(
            r.status, 500,
            "{op} should fail on storage, answered {}",
            r.body
        );
    };
    let pitr_on = json!({"TableName": "Orders", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}});
    fail(&mut engine, "UpdateContinuousBackups", pitr_on.clone());
    let described = call(
        &mut engine,
        "DescribeContinuousBackups",
        json!({"TableName": "Orders"}),
    );
    assert_eq!(
        described["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
            ["PointInTimeRecoveryStatus"],
        "DISABLED"
    );
    fail(
        &mut engine,
        "CreateBackup",
        json!({"TableName": "Orders", "BackupName": "bak"}),
    );
    assert_eq!(
        call(&mut engine, "ListBackups", json!({}))["BackupSummaries"],
        json!([])
    );

    call(&mut engine, "UpdateContinuousBackups", pitr_on);
    let arn = call(
        &mut engine,
        "CreateBackup",
        json!({"TableName": "Orders", "BackupName": "bak"}),
    )["BackupDetails"]["BackupArn"]
        .clone();
    fail(
        &mut engine,
        "RestoreTableFromBackup",
        json!({"TargetTableName": "Copy", "BackupArn": arn}),
    );
    let missing = error(&mut engine, "DescribeTable", json!({"TableName": "Copy"}));
    assert_eq!(
        missing["__type"],
        "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
    );
    fail(&mut engine, "DeleteBackup", json!({"BackupArn": arn}));
    call(&mut engine, "DescribeBackup", json!({"BackupArn": arn}));
    fail(&mut engine, "DeleteTable", json!({"TableName": "Orders"}));
    assert_eq!(
        scan(&mut engine, "Orders").as_array().map(Vec::len),
        Some(1)
    );
    let listed = call(&mut engine, "ListBackups", json!({"BackupType": "ALL"}));
    assert_eq!(
        listed["BackupSummaries"].as_array().map(Vec::len),
        Some(1),
        "no SYSTEM backup"
    );

    // What storage holds matches: a reopened engine sees the same.
    drop(engine);
    let mut reopened = open(&clock, &storage);
    let described = call(
        &mut reopened,
        "DescribeContinuousBackups",
        json!({"TableName": "Orders"}),
    );
    assert_eq!(
        described["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
            ["PointInTimeRecoveryStatus"],
        "ENABLED"
    );
    let listed = call(&mut reopened, "ListBackups", json!({"BackupType": "ALL"}));
    assert_eq!(listed["BackupSummaries"].as_array().map(Vec::len), Some(1));
    error(&mut reopened, "DescribeTable", json!({"TableName": "Copy"}));
}

#[test]
fn expired_system_backups_leave_storage() {
    // Why: SYSTEM backups are kept 35 days; after that they must not linger in a browser store.
    let (clock, storage, mut engine) = orders();
    pitr_on(&mut engine);
    put(&mut engine, "a", "new", 1);
    call(&mut engine, "DeleteTable", json!({"TableName": "Orders"}));
    let stored = || storage.lock().expect("lock").load().expect("load");
    assert_eq!(stored().backups.len(), 1);
    assert!(stored().changes.is_empty(), "the log went with the table");
    clock.advance(35 * 86_400_000 - 1);
    let listed = call(&mut engine, "ListBackups", json!({"BackupType": "SYSTEM"}));
    assert_eq!(listed["BackupSummaries"].as_array().map(Vec::len), Some(1));
    clock.advance(1);
    let listed = call(&mut engine, "ListBackups", json!({"BackupType": "SYSTEM"}));
    assert_eq!(listed["BackupSummaries"], json!([]));
    assert!(stored().backups.is_empty());
}

#[test]
fn transactions_are_logged_like_any_write() {
    // Why: every item write path goes through `commit_writes`, so a transaction's writes must
    // be undone together by a restore to a second before it.
    let (clock, _storage, mut engine) = orders();
    pitr_on(&mut engine);
    put(&mut engine, "a", "new", 1);
    put(&mut engine, "b", "new", 2);
    clock.advance(1_000);
    let before = clock.now_millis();
    let expected = scan(&mut engine, "Orders");
    clock.advance(1_000);
    call(
        &mut engine,
        "TransactWriteItems",
        json!({"TransactItems": [
            {"Delete": {"TableName": "Orders", "Key": {"id": {"S": "a"}}}},
            {"Put": {"TableName": "Orders", "Item": {"id": {"S": "c"}, "status": {"S": "new"}}}},
            {"Update": {"TableName": "Orders", "Key": {"id": {"S": "b"}}, "UpdateExpression": "SET n = :n",
                        "ExpressionAttributeValues": {":n": {"N": "20"}}}}]}),
    );
    assert_ne!(scan(&mut engine, "Orders"), expected);
    clock.advance(6 * 60_000);
    restore_at(&mut engine, "BeforeTransaction", before);
    assert_eq!(scan(&mut engine, "BeforeTransaction"), expected);
}
