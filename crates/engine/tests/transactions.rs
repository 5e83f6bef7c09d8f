//! TransactWriteItems and TransactGetItems beyond the golden cases: storage failure leaves
//! nothing changed, every transaction reaches storage as one batch, the 4 MB limit (too big for
//! a golden file), and damaged transaction requests never panic the engine.

use std::sync::{Arc, Mutex};

use dynaplay_engine::storage::{Snapshot, StorageError};
use dynaplay_engine::{Engine, EngineConfig, ManualClock, MemoryStorage, Mutation, Storage};
use serde_json::{json, Value};

fn open(storage: Box<dyn Storage + Send>) -> Engine {
    Engine::open(
        EngineConfig::default(),
        Box::new(ManualClock::new(1_000)),
        storage,
    )
    .expect("storage loads")
}

fn call(engine: &mut Engine, op: &str, body: &Value) -> (u16, Value) {
    let r = engine.dispatch(op, &body.to_string());
    (r.status, serde_json::from_str(&r.body).expect("JSON"))
}

fn create(engine: &mut Engine, name: &str) {
    let (status, _) = call(
        engine,
        "CreateTable",
        &json!({"TableName": name, "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
               "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}),
    );
    assert_eq!(status, 200);
}

fn put(engine: &mut Engine, table: &str, id: &str, n: i64) {
    let (status, _) = call(
        engine,
        "PutItem",
        &json!({"TableName": table, "Item": {"id": {"S": id}, "n": {"N": n.to_string()}}}),
    );
    assert_eq!(status, 200);
}

/// Every item of both tables, as the engine shows them.
fn everything(engine: &mut Engine) -> Vec<Value> {
    ["Alpha", "Beta"]
        .iter()
        .map(|t| call(engine, "Scan", &json!({"TableName": t})).1["Items"].clone())
        .collect()
}

fn transfer() -> Value {
    json!({"TransactItems": [
        {"Update": {"TableName": "Alpha", "Key": {"id": {"S": "x"}}, "UpdateExpression": "SET n = n - :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"Put": {"TableName": "Beta", "Item": {"id": {"S": "new"}, "n": {"N": "1"}}}},
        {"Delete": {"TableName": "Beta", "Key": {"id": {"S": "old"}}}},
        {"ConditionCheck": {"TableName": "Alpha", "Key": {"id": {"S": "y"}}, "ConditionExpression": "attribute_exists(id)"}}
    ]})
}

#[test]
fn failed_storage_commit_leaves_memory_and_storage_unchanged() {
    // Why: a transaction is all or nothing also when storage fails while committing it: the
    // engine must not have applied any of its writes in memory, and storage must hold none.
    let storage = Arc::new(Mutex::new(MemoryStorage::new()));
    let mut engine = open(Box::new(storage.clone()));
    create(&mut engine, "Alpha");
    create(&mut engine, "Beta");
    put(&mut engine, "Alpha", "x", 10);
    put(&mut engine, "Alpha", "y", 0);
    put(&mut engine, "Beta", "old", 5);
    let before = everything(&mut engine);
    let stored_before = storage.lock().unwrap().load().unwrap();

    storage.lock().unwrap().fail_next_commit();
    let (status, error) = call(&mut engine, "TransactWriteItems", &transfer());
    assert_eq!(status, 500);
    assert_eq!(
        error["__type"],
        "com.amazonaws.dynamodb.v20120810#InternalServerError"
    );
    assert_eq!(everything(&mut engine), before);
    assert_eq!(storage.lock().unwrap().load().unwrap(), stored_before);
    let mut reopened = open(Box::new(storage.clone()));
    assert_eq!(everything(&mut reopened), before);

    // The same transaction succeeds once storage works again, and survives a reopen.
    let (status, _) = call(&mut engine, "TransactWriteItems", &transfer());
    assert_eq!(status, 200);
    let after = everything(&mut engine);
    assert_ne!(after, before);
    let mut reopened = open(Box::new(storage.clone()));
    assert_eq!(everything(&mut reopened), after);
}

/// A storage that records each batch it is given, to see how a transaction reaches storage.
struct Recording {
    inner: MemoryStorage,
    batches: Arc<Mutex<Vec<Vec<Mutation>>>>,
}

impl Storage for Recording {
    fn load(&self) -> Result<Snapshot, StorageError> {
        self.inner.load()
    }
    fn commit(&mut self, batch: &[Mutation]) -> Result<(), StorageError> {
        self.batches.lock().unwrap().push(batch.to_vec());
        self.inner.commit(batch)
    }
}

/// An engine over a `Recording` storage holding the tables Alpha and Beta, and its batches.
fn recording_alpha_and_beta() -> (Engine, Arc<Mutex<Vec<Vec<Mutation>>>>) {
    let batches = Arc::new(Mutex::new(Vec::new()));
    let mut engine = open(Box::new(Recording {
        inner: MemoryStorage::new(),
        batches: batches.clone(),
    }));
    create(&mut engine, "Alpha");
    create(&mut engine, "Beta");
    (engine, batches)
}

#[test]
fn a_transaction_is_one_storage_batch() {
    // Why: storage applies one batch all or nothing; a transaction split over several batches
    // could be left half-written by a crash between them.
    let (mut engine, batches) = recording_alpha_and_beta();
    put(&mut engine, "Alpha", "x", 10);
    put(&mut engine, "Alpha", "y", 0);
    put(&mut engine, "Beta", "old", 5);
    batches.lock().unwrap().clear();
    let (status, _) = call(&mut engine, "TransactWriteItems", &transfer());
    assert_eq!(status, 200);
    let batches = batches.lock().unwrap();
    assert_eq!(batches.len(), 1, "one batch for the whole transaction");
    // Update, Put and Delete write; the ConditionCheck does not.
    assert_eq!(batches[0].len(), 3);
}

#[test]
fn cancelled_transaction_touches_no_storage() {
    // Why: a cancelled transaction must not send anything to storage at all.
    let (mut engine, batches) = recording_alpha_and_beta();
    put(&mut engine, "Alpha", "x", 10);
    batches.lock().unwrap().clear();
    // "y" does not exist, so the ConditionCheck fails.
    let (status, error) = call(&mut engine, "TransactWriteItems", &transfer());
    assert_eq!(status, 400);
    assert_eq!(
        error["Message"],
        "Transaction cancelled, please refer cancellation reasons for specific reasons [None, None, None, ConditionalCheckFailed]"
    );
    assert!(batches.lock().unwrap().is_empty());
}

#[test]
fn more_than_4_mb_of_items_is_refused() {
    // Why: the aggregate size of a transaction's items is limited to 4 MB; eleven items of
    // 390 KB exceed it although each is under the 400 KB item limit.
    let mut engine = Engine::in_memory(Box::new(ManualClock::new(0)));
    create(&mut engine, "Alpha");
    let body = "x".repeat(390 * 1024);
    let items = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| json!({"Put": {"TableName": "Alpha", "Item": {"id": {"S": format!("i{i}")}, "body": {"S": body}}}}))
            .collect()
    };
    let (status, error) = call(
        &mut engine,
        "TransactWriteItems",
        &json!({"TransactItems": items(11)}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        error["message"],
        "The aggregate size of the items in the transaction cannot exceed 4 MB"
    );
    let (_, count) = call(
        &mut engine,
        "Scan",
        &json!({"TableName": "Alpha", "Select": "COUNT"}),
    );
    assert_eq!(count["Count"], 0);
    let (status, _) = call(
        &mut engine,
        "TransactWriteItems",
        &json!({"TransactItems": items(10)}),
    );
    assert_eq!(status, 200);
}

#[test]
fn transact_get_items_sees_one_state() {
    // Why: TransactGetItems reads a consistent snapshot; after a transaction that moves a unit
    // from one item to another, a read of both always sums to the same total.
    let mut engine = Engine::in_memory(Box::new(ManualClock::new(0)));
    create(&mut engine, "Alpha");
    put(&mut engine, "Alpha", "x", 10);
    put(&mut engine, "Alpha", "y", 0);
    for _ in 0..5 {
        let (status, _) = call(
            &mut engine,
            "TransactWriteItems",
            &json!({"TransactItems": [
                {"Update": {"TableName": "Alpha", "Key": {"id": {"S": "x"}}, "UpdateExpression": "SET n = n - :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
                {"Update": {"TableName": "Alpha", "Key": {"id": {"S": "y"}}, "UpdateExpression": "SET n = n + :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}
            ]}),
        );
        assert_eq!(status, 200);
        let (_, got) = call(
            &mut engine,
            "TransactGetItems",
            &json!({"TransactItems": [
                {"Get": {"TableName": "Alpha", "Key": {"id": {"S": "x"}}}},
                {"Get": {"TableName": "Alpha", "Key": {"id": {"S": "y"}}}}
            ]}),
        );
        let n = |i: usize| -> i64 {
            got["Responses"][i]["Item"]["n"]["N"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .expect("a number")
        };
        assert_eq!(n(0) + n(1), 10);
    }
}

/// Random damage to a value, deterministic so failures reproduce.
fn mangle(v: &Value, seed: &mut u64, depth: usize, rarity: u64) -> Value {
    let mut next = || {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    };
    let replacements = [
        json!(null),
        json!(1),
        json!("x"),
        json!([]),
        json!({}),
        json!(true),
        json!({"S": "a"}),
    ];
    if depth > 0 && next() % rarity == 0 {
        return replacements[(next() % replacements.len() as u64) as usize].clone();
    }
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), mangle(x, seed, depth + 1, rarity)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| mangle(x, seed, depth + 1, rarity))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn mangled_transactions_never_panic() {
    // Why: transactions nest four action shapes inside a list; damage anywhere in them must
    // give a DynamoDB-shaped answer, never a panic or half-applied state.
    let mut engine = Engine::in_memory(Box::new(ManualClock::new(0)));
    create(&mut engine, "Alpha");
    create(&mut engine, "Beta");
    put(&mut engine, "Alpha", "x", 10);
    put(&mut engine, "Alpha", "y", 0);
    let mut write = transfer();
    write["ClientRequestToken"] = json!("tok");
    write["ReturnConsumedCapacity"] = json!("INDEXES");
    let get = json!({"TransactItems": [
        {"Get": {"TableName": "Alpha", "Key": {"id": {"S": "x"}}, "ProjectionExpression": "#n", "ExpressionAttributeNames": {"#n": "n"}}},
        {"Get": {"TableName": "Beta", "Key": {"id": {"S": "z"}}}}
    ], "ReturnConsumedCapacity": "TOTAL"});
    let mut seed = 0x2545f4914f6cdd1d_u64;
    let mut succeeded = 0;
    for round in 0..400 {
        for (op, seed_body) in [("TransactWriteItems", &write), ("TransactGetItems", &get)] {
            // Alternate heavy and light damage: light damage gets past the constraint pass and
            // reaches the per-action checks and the evaluation.
            let rarity = if round % 2 == 0 { 6 } else { 60 };
            let body = mangle(seed_body, &mut seed, 0, rarity);
            let r = engine.dispatch(op, &body.to_string());
            let answer: Value = serde_json::from_str(&r.body).expect("JSON answer");
            if r.status == 200 {
                succeeded += 1;
            } else {
                assert!(
                    answer["__type"].as_str().is_some_and(|t| t.contains('#')),
                    "round {round}: {op} {body} gave {answer}"
                );
            }
        }
    }
    assert!(succeeded > 0, "some lightly damaged requests still succeed");
}
