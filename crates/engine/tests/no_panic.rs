//! No request can panic the engine (a panic in wasm kills the user's playground): hostile and
//! mangled requests must all come back as DynamoDB-shaped errors, and stored data must survive.

use dynaplay_engine::{Engine, ManualClock};
use serde_json::{json, Value};

fn engine_with_table() -> Engine {
    let mut engine = Engine::in_memory(Box::new(ManualClock::new(0)));
    let create = json!({
        "TableName": "Tbl",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "BillingMode": "PAY_PER_REQUEST"
    });
    assert_eq!(
        engine.dispatch("CreateTable", &create.to_string()).status,
        200
    );
    let put = json!({"TableName": "Tbl", "Item": {"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "kept"}}});
    assert_eq!(engine.dispatch("PutItem", &put.to_string()).status, 200);
    engine
}

/// Every answer is either a success or an error body with a `__type`; never a 500.
fn assert_dynamodb_shaped(op: &str, body: &str, engine: &mut Engine) {
    let response = engine.dispatch(op, body);
    let parsed: Value = serde_json::from_str(&response.body).expect("response is JSON");
    if response.status != 200 {
        assert_eq!(response.status, 400, "{op} {body} gave {}", response.body);
        assert!(
            parsed["__type"].as_str().is_some_and(|t| t.contains('#')),
            "{}",
            response.body
        );
    }
}

fn still_there(engine: &mut Engine) {
    let get = json!({"TableName": "Tbl", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}});
    let response = engine.dispatch("GetItem", &get.to_string());
    assert!(
        response.body.contains("kept"),
        "stored item lost: {}",
        response.body
    );
}

fn nested(depth: usize) -> Value {
    let mut v = json!({"S": "leaf"});
    for _ in 0..depth {
        v = json!({"M": {"m": v}});
    }
    v
}

#[test]
fn hostile_requests_get_errors() {
    // Why: the classic ways to break a parser or an allocator, each aimed at a real operation.
    let mut engine = engine_with_table();
    let huge = "x".repeat(410 * 1024);
    let long_expr = format!(
        "attribute_exists(a) {}",
        "AND attribute_exists(a) ".repeat(220)
    );
    let deep_parens = format!("{}a = :v{}", "(".repeat(5000), ")".repeat(5000));
    let cases: Vec<(&str, String)> = vec![
        ("PutItem", "{".into()),
        ("PutItem", "[]".into()),
        ("PutItem", "null".into()),
        ("PutItem", "\"x\"".into()),
        ("PutItem", json!({"TableName": "Tbl", "Item": {"pk": {"S": "b"}, "sk": {"N": "2"}, "big": {"S": huge}}}).to_string()),
        ("PutItem", json!({"TableName": "Tbl", "Item": {"pk": {"S": "b"}, "sk": {"N": "2"}, "deep": nested(33)}}).to_string()),
        // Built as text: a 10,000-deep serde_json::Value would overflow the test's own stack.
        ("PutItem", format!(r#"{{"TableName": "Tbl", "Item": {{"pk": {{"S": "b"}}, "sk": {{"N": "2"}}, "deep": {}{{"S": "x"}}{}}}}}"#, r#"{"M": {"m": "#.repeat(10_000), "}}".repeat(10_000))),
        ("PutItem", json!({"TableName": "Tbl", "Item": {"pk": {"S": "b"}, "sk": {"N": "1e999999999999"}}}).to_string()),
        ("PutItem", json!({"TableName": "Tbl", "Item": {"pk": {"S": "b"}, "sk": {"N": "--1"}}}).to_string()),
        ("PutItem", json!({"TableName": "Tbl", "Item": {"pk": {"S": "b"}, "sk": {"N": "2"}}, "ConditionExpression": long_expr}).to_string()),
        ("PutItem", json!({"TableName": "Tbl", "Item": {"pk": {"S": "b"}, "sk": {"N": "2"}}, "ConditionExpression": deep_parens, "ExpressionAttributeValues": {":v": {"N": "1"}}}).to_string()),
        ("UpdateItem", json!({"TableName": "Tbl", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "UpdateExpression": "SET v[99999999999999999999] = :v", "ExpressionAttributeValues": {":v": {"N": "1"}}}).to_string()),
        ("UpdateItem", json!({"TableName": "Tbl", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "UpdateExpression": "SET n = :a + :b", "ExpressionAttributeValues": {":a": {"N": "9.9999999999999999999999999999999999999E+125"}, ":b": {"N": "9.9999999999999999999999999999999999999E+125"}}}).to_string()),
        ("Query", json!({"TableName": "Tbl", "KeyConditionExpression": "pk = :a AND sk BETWEEN :z AND :y", "ExpressionAttributeValues": {":a": {"S": "a"}, ":z": {"N": "9"}, ":y": {"N": "1"}}}).to_string()),
        ("Query", json!({"TableName": "Tbl", "KeyConditionExpression": "pk = :a", "ExpressionAttributeValues": {":a": {"S": "a"}}, "Limit": -5}).to_string()),
        ("Scan", json!({"TableName": "Tbl", "Segment": 999_999_999_999i64, "TotalSegments": 1_000_000_000_000i64}).to_string()),
        ("Scan", json!({"TableName": "Tbl", "Limit": 1e300}).to_string()),
        ("Scan", json!({"TableName": "Tbl", "ExclusiveStartKey": {"pk": {"S": "zzz"}}}).to_string()),
        ("BatchWriteItem", json!({"RequestItems": {"Tbl": [{}]}}).to_string()),
        ("BatchWriteItem", json!({"RequestItems": {"Tbl": [{"PutRequest": {}}]}}).to_string()),
        ("BatchGetItem", json!({"RequestItems": {"Tbl": {"Keys": [{}]}}}).to_string()),
        ("CreateTable", json!({"TableName": "U", "KeySchema": [{"AttributeName": "a", "KeyType": "RANGE"}], "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}]}).to_string()),
        ("CreateTable", json!({"TableName": "U", "KeySchema": [], "AttributeDefinitions": []}).to_string()),
        ("ListTables", json!({"Limit": 1e20}).to_string()),
        ("NoSuchOperation", "{}".into()),
        ("", "".into()),
    ];
    for (op, body) in &cases {
        assert_dynamodb_shaped(op, body, &mut engine);
    }
    still_there(&mut engine);
}

/// A small deterministic generator, so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// Sends `rounds` mangled copies of every seed request, each of which must get a DynamoDB-shaped
/// answer.
fn mangle(engine: &mut Engine, seeds: &[(&str, Value)], mut rng: Rng, rounds: usize) {
    for _ in 0..rounds {
        for (op, seed) in seeds {
            let body = mutate(seed, &mut rng, 0).to_string();
            assert_dynamodb_shaped(op, &body, engine);
        }
    }
}

fn mutate(v: &Value, rng: &mut Rng, depth: usize) -> Value {
    let replacements = [
        json!(null),
        json!(1),
        json!(-1.5),
        json!("x"),
        json!(""),
        json!([]),
        json!({}),
        json!(true),
        json!({"S": "a"}),
        json!({"N": "1"}),
    ];
    if depth > 0 && rng.next().is_multiple_of(7) {
        return rng.pick(&replacements).clone();
    }
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), mutate(x, rng, depth + 1)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| mutate(x, rng, depth + 1)).collect()),
        Value::String(s) if rng.next().is_multiple_of(5) => {
            let cut = (rng.next() as usize) % (s.len() + 1);
            json!(s.get(..cut).unwrap_or(s))
        }
        other => other.clone(),
    }
}

#[test]
fn mangled_valid_requests_get_errors() {
    // Why: random damage to valid requests reaches the corners hand-written cases miss.
    let seeds: Vec<(&str, Value)> = vec![
        (
            "PutItem",
            json!({"TableName": "Tbl", "Item": {"pk": {"S": "c"}, "sk": {"N": "3"}, "l": {"L": [{"N": "1"}, {"SS": ["a"]}]}}, "ConditionExpression": "attribute_not_exists(pk) OR size(l) > :n", "ExpressionAttributeValues": {":n": {"N": "1"}}, "ReturnValues": "ALL_OLD"}),
        ),
        (
            "UpdateItem",
            json!({"TableName": "Tbl", "Key": {"pk": {"S": "c"}, "sk": {"N": "3"}}, "UpdateExpression": "SET #a = if_not_exists(#a, :z) + :one, l = list_append(l, :l) REMOVE x ADD s :s", "ExpressionAttributeNames": {"#a": "count"}, "ExpressionAttributeValues": {":z": {"N": "0"}, ":one": {"N": "1"}, ":l": {"L": []}, ":s": {"SS": ["q"]}}, "ReturnValues": "UPDATED_NEW"}),
        ),
        (
            "Query",
            json!({"TableName": "Tbl", "KeyConditionExpression": "pk = :p AND sk > :s", "FilterExpression": "contains(l, :v) AND NOT v IN (:v, :p)", "ProjectionExpression": "pk, l[0], v", "ExpressionAttributeValues": {":p": {"S": "a"}, ":s": {"N": "0"}, ":v": {"S": "kept"}}, "Limit": 3, "ScanIndexForward": false}),
        ),
        (
            "Scan",
            json!({"TableName": "Tbl", "Segment": 1, "TotalSegments": 4, "FilterExpression": "attribute_type(v, :t)", "ExpressionAttributeValues": {":t": {"S": "S"}}, "Select": "COUNT"}),
        ),
        (
            "BatchWriteItem",
            json!({"RequestItems": {"Tbl": [{"PutRequest": {"Item": {"pk": {"S": "d"}, "sk": {"N": "4"}}}}, {"DeleteRequest": {"Key": {"pk": {"S": "c"}, "sk": {"N": "3"}}}}]}}),
        ),
        (
            "BatchGetItem",
            json!({"RequestItems": {"Tbl": {"Keys": [{"pk": {"S": "a"}, "sk": {"N": "1"}}], "ProjectionExpression": "v"}}}),
        ),
    ];
    let mut engine = engine_with_table();
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut runs = 0;
    for _ in 0..300 {
        for (op, seed) in &seeds {
            let body = mutate(seed, &mut rng, 0).to_string();
            assert_dynamodb_shaped(op, &body, &mut engine);
            runs += 1;
        }
    }
    assert_eq!(runs, 1800);
    still_there(&mut engine);
}

#[test]
fn mangled_legacy_requests_get_errors() {
    // Why: the legacy parameters (Expected, KeyConditions, filters, AttributeUpdates,
    // AttributesToGet) have their own shapes and conversions; damage to them must not panic.
    let seeds: Vec<(&str, Value)> = vec![
        (
            "PutItem",
            json!({"TableName": "Tbl", "Item": {"pk": {"S": "c"}, "sk": {"N": "3"}, "n": {"N": "1"}}, "Expected": {"pk": {"Exists": false}, "n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "0"}, {"N": "2"}]}, "v": {"Value": {"S": "x"}}}, "ConditionalOperator": "OR"}),
        ),
        (
            "UpdateItem",
            json!({"TableName": "Tbl", "Key": {"pk": {"S": "c"}, "sk": {"N": "3"}}, "AttributeUpdates": {"n": {"Action": "ADD", "Value": {"N": "-5.5"}}, "s": {"Action": "DELETE", "Value": {"SS": ["a"]}}, "l": {"Action": "ADD", "Value": {"L": [{"N": "1"}]}}, "x": {"Action": "DELETE"}, "p": {"Value": {"M": {}}}}, "Expected": {"n": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "1"}, {"N": "2"}]}}, "ReturnValues": "UPDATED_OLD"}),
        ),
        (
            "DeleteItem",
            json!({"TableName": "Tbl", "Key": {"pk": {"S": "c"}, "sk": {"N": "3"}}, "Expected": {"l": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"B": "AQ=="}]}}}),
        ),
        (
            "Query",
            json!({"TableName": "Tbl", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}, "sk": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "0"}, {"N": "9"}]}}, "QueryFilter": {"v": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "k"}]}}, "AttributesToGet": ["v", "pk"], "Select": "SPECIFIC_ATTRIBUTES"}),
        ),
        (
            "Scan",
            json!({"TableName": "Tbl", "ScanFilter": {"v": {"ComparisonOperator": "NE", "AttributeValueList": [{"SS": ["a"]}]}, "w": {"ComparisonOperator": "NULL"}}, "ConditionalOperator": "AND", "AttributesToGet": ["v"]}),
        ),
        (
            "GetItem",
            json!({"TableName": "Tbl", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "AttributesToGet": ["v", "a.b"]}),
        ),
    ];
    let mut engine = engine_with_table();
    mangle(&mut engine, &seeds, Rng(0x2545f4914f6cdd1d), 300);
    still_there(&mut engine);
}

#[test]
fn mangled_backup_requests_get_errors() {
    // Why: backups and point-in-time restores read timestamps, ARNs and index overrides, and
    // restores build whole tables; damage to any of them must not panic or lose data.
    let mut engine = engine_with_table();
    let pitr = json!({"TableName": "Tbl", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true, "RecoveryPeriodInDays": 7}});
    assert_eq!(
        engine
            .dispatch("UpdateContinuousBackups", &pitr.to_string())
            .status,
        200
    );
    let created = engine.dispatch(
        "CreateBackup",
        &json!({"TableName": "Tbl", "BackupName": "b1"}).to_string(),
    );
    let arn = serde_json::from_str::<Value>(&created.body).expect("JSON")["BackupDetails"]
        ["BackupArn"]
        .clone();
    let seeds: Vec<(&str, Value)> = vec![
        ("UpdateContinuousBackups", pitr),
        ("DescribeContinuousBackups", json!({"TableName": "Tbl"})),
        (
            "CreateBackup",
            json!({"TableName": "Tbl", "BackupName": "b2"}),
        ),
        ("DescribeBackup", json!({"BackupArn": arn})),
        (
            "ListBackups",
            json!({"TableName": "Tbl", "Limit": 2, "TimeRangeLowerBound": 0, "TimeRangeUpperBound": 1.5e9, "BackupType": "ALL", "ExclusiveStartBackupArn": arn}),
        ),
        (
            "RestoreTableFromBackup",
            json!({"TargetTableName": "R1", "BackupArn": arn, "BillingModeOverride": "PROVISIONED",
                   "ProvisionedThroughputOverride": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
                   "GlobalSecondaryIndexOverride": [{"IndexName": "g", "KeySchema": [{"AttributeName": "sk", "KeyType": "HASH"}],
                       "Projection": {"ProjectionType": "KEYS_ONLY"}, "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}],
                   "LocalSecondaryIndexOverride": [], "SSESpecificationOverride": {"Enabled": true, "SSEType": "KMS"}}),
        ),
        (
            "RestoreTableToPointInTime",
            json!({"SourceTableName": "Tbl", "TargetTableName": "R2", "RestoreDateTime": 0.5, "BillingModeOverride": "PAY_PER_REQUEST"}),
        ),
        (
            "RestoreTableToPointInTime",
            json!({"SourceTableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Tbl", "TargetTableName": "R3", "UseLatestRestorableTime": true}),
        ),
        ("DeleteBackup", json!({"BackupArn": arn})),
    ];
    mangle(&mut engine, &seeds, Rng(0x2545f4914f6cdd1d), 150);
    still_there(&mut engine);
}

#[test]
fn hostile_partiql_statements_get_errors() {
    // Why: PartiQL statements are free text parsed by our own recursive descent; deep nesting,
    // odd tokens, huge numbers and damaged statements must come back as DynamoDB errors.
    let deep = |open: &str, close: &str| {
        format!(
            "SELECT * FROM Tbl WHERE {}pk = 'a'{}",
            open.repeat(5000),
            close.repeat(5000)
        )
    };
    let statements: Vec<String> = vec![
        deep("(", ")"),
        deep("NOT ", ""),
        format!("INSERT INTO Tbl VALUE {}", "[".repeat(5000)),
        format!("INSERT INTO Tbl VALUE {}", "{'a': ".repeat(5000)),
        format!("INSERT INTO Tbl VALUE {}", "<<".repeat(5000)),
        "SELECT a[99999999999999999999999] FROM Tbl".into(),
        "UPDATE Tbl SET v[18446744073709551615] = 1 WHERE pk = 'a' AND sk = 1".into(),
        "UPDATE Tbl SET n = n + 9.9999999999999999999999999999999999999E+125 WHERE pk = 'a' AND sk = 1".into(),
        "INSERT INTO Tbl VALUE {'pk': 'z', 'sk': 1e999999999999}".into(),
        "SELECT * FROM Tbl WHERE pk = 'a' AND sk = 'not a number'".into(),
        "DELETE FROM Tbl WHERE pk = <<1>> AND sk = 1".into(),
        "SELECT * FROM \"Tbl\".\"nope\".\"x\"".into(),
        "\u{0}\u{ffff}'".into(),
        "EXISTS(".into(),
        "SELECT * FROM Tbl ORDER BY".into(),
    ];
    let mut engine = engine_with_table();
    for s in &statements {
        for op in [
            "ExecuteStatement",
            "BatchExecuteStatement",
            "ExecuteTransaction",
        ] {
            let body = match op {
                "ExecuteStatement" => json!({"Statement": s}),
                "BatchExecuteStatement" => json!({"Statements": [{"Statement": s}]}),
                _ => json!({"TransactStatements": [{"Statement": s}]}),
            };
            assert_dynamodb_shaped(op, &body.to_string(), &mut engine);
        }
    }
    // Random damage to the text of valid statements: cut, duplicated and swapped characters.
    let seeds = [
        "SELECT pk, l[0], m.\"x\" FROM Tbl WHERE pk = ? AND sk BETWEEN 0 AND 9 AND v IN ['a', 'b'] OR v IS MISSING",
        "INSERT INTO Tbl VALUE {'pk': 'q', 'sk': 7, 'l': [1, 'a', TRUE, NULL], 's': <<'x'>>, 'm': {'k': -1.5}}",
        "UPDATE Tbl SET n = n + 1, l = list_append(l, [2]) SET s = set_add(s, <<'y'>>) REMOVE x WHERE pk = 'a' AND sk = 1 AND attribute_type(v, 'S') RETURNING ALL NEW *",
        "DELETE FROM Tbl WHERE pk = 'a' AND sk = 1 AND begins_with(v, 'zz') RETURNING ALL OLD *",
    ];
    let mut rng = Rng(0x853c49e6748fea9b);
    for _ in 0..200 {
        for seed in seeds {
            let mut chars: Vec<char> = seed.chars().collect();
            for _ in 0..3 {
                let i = (rng.next() as usize) % chars.len().max(1);
                match rng.next() % 3 {
                    0 if !chars.is_empty() => {
                        chars.remove(i);
                    }
                    1 => {
                        let c = chars.get(i).copied().unwrap_or('(');
                        chars.insert(i, c);
                    }
                    _ => {
                        let j = (rng.next() as usize) % chars.len().max(1);
                        if i < chars.len() && j < chars.len() {
                            chars.swap(i, j);
                        }
                    }
                }
            }
            let text: String = chars.into_iter().collect();
            let body = json!({"Statement": text, "Parameters": [{"S": "a"}]}).to_string();
            assert_dynamodb_shaped("ExecuteStatement", &body, &mut engine);
            let body = json!({"TransactStatements": [{"Statement": text}]}).to_string();
            assert_dynamodb_shaped("ExecuteTransaction", &body, &mut engine);
        }
    }
    still_there(&mut engine);
}

#[test]
fn mangled_dax_requests_get_errors() {
    // Why: the DAX simulation reads keys, batches and transactions itself (to key its caches and
    // refresh them after writes) before and after the table does; damage must not panic it.
    let seeds: Vec<(&str, Value)> = vec![
        (
            "Dax.GetItem",
            json!({"TableName": "Tbl", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "ProjectionExpression": "#v", "ExpressionAttributeNames": {"#v": "v"}}),
        ),
        (
            "Dax.BatchGetItem",
            json!({"RequestItems": {"Tbl": {"Keys": [{"pk": {"S": "a"}, "sk": {"N": "1"}}, {"pk": {"S": "b"}, "sk": {"N": "2"}}], "AttributesToGet": ["v"]}}}),
        ),
        (
            "Dax.Query",
            json!({"TableName": "Tbl", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "a"}}, "Limit": 2}),
        ),
        (
            "Dax.BatchWriteItem",
            json!({"RequestItems": {"Tbl": [{"PutRequest": {"Item": {"pk": {"S": "z"}, "sk": {"N": "9"}}}}, {"DeleteRequest": {"Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}}}]}}),
        ),
        (
            "Dax.TransactWriteItems",
            json!({"TransactItems": [{"Put": {"TableName": "Tbl", "Item": {"pk": {"S": "y"}, "sk": {"N": "8"}}}}, {"Update": {"TableName": "Tbl", "Key": {"pk": {"S": "b"}, "sk": {"N": "2"}}, "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": {"S": "k"}}}}]}),
        ),
        (
            "Dax.Configure",
            json!({"ItemCacheTtlMillis": 5, "QueryCacheTtlMillis": 0}),
        ),
    ];
    let mut engine = engine_with_table();
    mangle(&mut engine, &seeds, Rng(0x9e3779b97f4a7c15), 300);
}

#[test]
fn mangled_global_tables_requests_get_errors() {
    // Why: ReplicaUpdates is read by the global tables simulation itself, and requests for
    // another region have their table names rewritten before and after the operation runs;
    // damage to either, or a strange region, must not panic the engine.
    let seeds: Vec<(&str, Value)> = vec![
        (
            "UpdateTable",
            json!({"TableName": "Tbl", "ReplicaUpdates": [{"Create": {"RegionName": "eu-west-1"}}]}),
        ),
        (
            "UpdateTable",
            json!({"TableName": "Tbl", "ReplicaUpdates": [{"Delete": {"RegionName": "eu-west-1"}}]}),
        ),
        (
            "PutItem",
            json!({"TableName": "Tbl", "Item": {"pk": {"S": "r"}, "sk": {"N": "3"}, "TableName": {"S": "x@eu-west-1"}}}),
        ),
        (
            "BatchWriteItem",
            json!({"RequestItems": {"Tbl": [{"PutRequest": {"Item": {"pk": {"S": "q"}, "sk": {"N": "9"}}}}]}}),
        ),
        (
            "TransactWriteItems",
            json!({"TransactItems": [{"Put": {"TableName": "Tbl", "Item": {"pk": {"S": "y"}, "sk": {"N": "8"}}}}]}),
        ),
        (
            "ListTables",
            json!({"ExclusiveStartTableName": "Tbl", "Limit": 1}),
        ),
        (
            "GlobalTables.Configure",
            json!({"ReplicationDelayMillis": 3}),
        ),
    ];
    let regions = [
        "us-east-1",
        "eu-west-1",
        "ap-south-1",
        "local",
        "",
        "eu@west-1",
        "x-y-",
    ];
    let clock = std::sync::Arc::new(ManualClock::new(0));
    let mut engine = Engine::in_memory(Box::new(clock.clone()));
    let create = json!({
        "TableName": "Tbl",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "BillingMode": "PAY_PER_REQUEST"
    });
    assert_eq!(
        engine.dispatch("CreateTable", &create.to_string()).status,
        200
    );
    let mut rng = Rng(0x2545f4914f6cdd1d);
    for round in 0..200 {
        for (i, (op, seed)) in seeds.iter().enumerate() {
            let body = mutate(seed, &mut rng, 0).to_string();
            let region = regions[(round + i) % regions.len()];
            let response = engine.dispatch_in_region(region, op, &body);
            let parsed: Value = serde_json::from_str(&response.body).expect("response is JSON");
            if response.status != 200 {
                assert_eq!(
                    response.status, 400,
                    "{op} in {region}: {body} gave {}",
                    response.body
                );
                assert!(parsed["__type"].as_str().is_some_and(|t| t.contains('#')));
            }
        }
        clock.advance(1);
    }
}
