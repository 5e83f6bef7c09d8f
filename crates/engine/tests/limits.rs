//! DynamoDB's documented limits, held exactly: for each, a request at the limit succeeds and one
//! byte (or one unit) over it fails with DynamoDB's exception and message. Sources: the
//! "Constraints in Amazon DynamoDB" page (item 400 KB = 409,600 bytes counting names and values,
//! partition key 2048 bytes, sort key 1024 bytes, attribute names under 64 KB and key attribute
//! names 255, numbers of 38 digits between 1E-130 and 9.99…E+125, 32 levels of nesting, 4 KB
//! expressions, IN with 100 operands, 300 operators, BatchWriteItem 25, BatchGetItem 100,
//! TransactWriteItems 100, 1 MB pages, table names of 3–255 of `[a-zA-Z0-9_.-]`, placeholders
//! of 255 bytes, 2 MB of ExpressionAttributeNames/Values, 4 MB per transaction, 16 MB per
//! BatchGetItem answer, document paths of 32 elements, 20 GSIs, 5 LSIs, 100 projected attributes,
//! 50 tags, PartiQL statements of 8192 characters, 25 per batch and 100 per transaction), and,
//! for the message texts, the golden cases, answers captured from DynamoDB and, where no
//! capture was found, DynamoDB Local's texts (each test says which).

use std::sync::Arc;

use dynaplay_engine::{Engine, EngineConfig, ManualClock, NullStorage};
use serde_json::{json, Value};

const VALIDATION: &str = "com.amazon.coral.validate#ValidationException";
const ITEM_TOO_LARGE: &str = "Item size has exceeded the maximum allowed size";

fn engine() -> Engine {
    // Throttling off: a few 400 KB writes in the same simulated second would exceed a new
    // on-demand table's capacity, which is not what these tests are about.
    let config = EngineConfig {
        throttling: false,
        ..EngineConfig::default()
    };
    let clock = Arc::new(ManualClock::new(1_767_225_600_000));
    let mut engine =
        Engine::open(config, Box::new(clock), Box::new(NullStorage)).expect("an engine opens");
    for create in [
        json!({"TableName": "Hash", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}),
        json!({"TableName": "Range", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]}),
    ] {
        ok(&mut engine, "CreateTable", create);
    }
    engine
}

fn call(engine: &mut Engine, op: &str, request: &Value) -> (u16, Value) {
    let response = engine.dispatch(op, &request.to_string());
    (
        response.status,
        serde_json::from_str(&response.body).expect("answers are JSON"),
    )
}

fn ok(engine: &mut Engine, op: &str, request: Value) -> Value {
    let (status, body) = call(engine, op, &request);
    assert_eq!(status, 200, "{op} at the limit was refused: {body}");
    body
}

fn refused(engine: &mut Engine, op: &str, request: Value, message: &str) {
    let (status, body) = call(engine, op, &request);
    assert_eq!(status, 400, "{op} over the limit was accepted");
    assert_eq!(body["__type"], VALIDATION, "{body}");
    assert_eq!(body["message"], message, "{op}");
}

/// A Hash-table item of exactly `size` bytes: "pk" + "k" (3 bytes) and "v" + a string (1 + n).
fn item_of_size(key: &str, size: usize) -> Value {
    let base = "pk".len() + key.len() + "v".len();
    json!({"pk": {"S": key}, "v": {"S": "x".repeat(size - base)}})
}

// Why: 400 KB is 409,600 bytes of names and values; the byte after it is refused on every write
// path (PutItem, BatchWriteItem, TransactWriteItems) and UpdateItem says "to update".
#[test]
fn item_size_400_kb() {
    let mut e = engine();
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": item_of_size("k", 409_600)}),
    );
    refused(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": item_of_size("k", 409_601)}),
        ITEM_TOO_LARGE,
    );
    refused(
        &mut e,
        "BatchWriteItem",
        json!({"RequestItems": {"Hash": [{"PutRequest": {"Item": item_of_size("b", 409_601)}}]}}),
        ITEM_TOO_LARGE,
    );
    ok(
        &mut e,
        "BatchWriteItem",
        json!({"RequestItems": {"Hash": [{"PutRequest": {"Item": item_of_size("b", 409_600)}}]}}),
    );
    ok(
        &mut e,
        "TransactWriteItems",
        json!({"TransactItems": [{"Put": {"TableName": "Hash", "Item": item_of_size("t", 409_600)}}]}),
    );
    let (status, body) = call(
        &mut e,
        "TransactWriteItems",
        &json!({"TransactItems": [{"Put": {"TableName": "Hash", "Item": item_of_size("t", 409_601)}}]}),
    );
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some(VALIDATION)),
        "{body}"
    );
    assert_eq!(body["message"], ITEM_TOO_LARGE);

    // UpdateItem: an item of 409,590 bytes grows by "w" + 9 bytes to exactly 409,600, then by one more.
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": item_of_size("u", 409_590)}),
    );
    let update = |s: &str| {
        json!({"TableName": "Hash", "Key": {"pk": {"S": "u"}}, "UpdateExpression": "SET w = :w",
            "ExpressionAttributeValues": {":w": {"S": s}}})
    };
    ok(&mut e, "UpdateItem", update(&"y".repeat(9)));
    refused(
        &mut e,
        "UpdateItem",
        update(&"y".repeat(10)),
        "Item size to update has exceeded the maximum allowed size",
    );
    // The refused update left the item as it was.
    let got = ok(
        &mut e,
        "GetItem",
        json!({"TableName": "Hash", "Key": {"pk": {"S": "u"}}}),
    );
    assert_eq!(got["Item"]["w"]["S"].as_str().map(str::len), Some(9));
}

// Why: partition keys hold at most 2048 bytes and sort keys 1024; DynamoDB's message for the
// partition key really lacks the space in "of2048".
#[test]
fn key_sizes() {
    let mut e = engine();
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": {"pk": {"S": "p".repeat(2048)}}}),
    );
    refused(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": {"pk": {"S": "p".repeat(2049)}}}),
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes",
    );
    // Multi-byte characters count in UTF-8 bytes: 1024 two-byte characters are 2048 bytes.
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": {"pk": {"S": "é".repeat(1024)}}}),
    );
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Range", "Item": {"pk": {"S": "p"}, "sk": {"S": "s".repeat(1024)}}}),
    );
    refused(
        &mut e,
        "PutItem",
        json!({"TableName": "Range", "Item": {"pk": {"S": "p"}, "sk": {"S": "s".repeat(1025)}}}),
        "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
    );
    refused(
        &mut e,
        "GetItem",
        json!({"TableName": "Range", "Key": {"pk": {"S": "p"}, "sk": {"S": "s".repeat(1025)}}}),
        "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
    );
}

// Why: attribute names are under 64 KB: 65,535 bytes is the longest accepted, at the top level
// and as a map key inside a value; DynamoDB's message names 65536.
#[test]
fn attribute_name_length() {
    let mut e = engine();
    let longest = "n".repeat(65_535);
    let over = "n".repeat(65_536);
    let message =
        "1 validation error detected: Attribute name is too large, must be less than 65536 bytes";
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": {"pk": {"S": "a"}, longest.clone(): {"S": "v"}}}),
    );
    refused(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": {"pk": {"S": "a"}, over.clone(): {"S": "v"}}}),
        message,
    );
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": {"pk": {"S": "b"}, "m": {"M": {longest.clone(): {"N": "1"}}}}}),
    );
    refused(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": {"pk": {"S": "b"}, "m": {"M": {"x": {"L": [{"M": {over.clone(): {"N": "1"}}}]}}}}}),
        message,
    );
    refused(
        &mut e,
        "UpdateItem",
        json!({"TableName": "Hash", "Key": {"pk": {"S": "b"}}, "UpdateExpression": "SET m = :m",
            "ExpressionAttributeValues": {":m": {"M": {over.clone(): {"N": "1"}}}}}),
        message,
    );
    // A name written through an ExpressionAttributeNames placeholder is held to the same limit.
    let set_name = |name: &str| {
        json!({"TableName": "Hash", "Key": {"pk": {"S": "c"}}, "UpdateExpression": "SET #n = :v",
            "ExpressionAttributeNames": {"#n": name}, "ExpressionAttributeValues": {":v": {"N": "1"}}})
    };
    ok(&mut e, "UpdateItem", set_name(&longest));
    refused(&mut e, "UpdateItem", set_name(&over), message);
    // The stored item kept its 65,535-byte name.
    let got = ok(
        &mut e,
        "GetItem",
        json!({"TableName": "Hash", "Key": {"pk": {"S": "a"}}}),
    );
    assert!(got["Item"].get(&longest).is_some());
}

// Why: key attribute names (table and index key schemas) are at most 255 characters.
#[test]
fn key_attribute_name_length() {
    let mut e = engine();
    let create = |table: &str, name: &str| {
        json!({"TableName": table, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": name, "KeyType": "HASH"}]})
    };
    let at = "k".repeat(255);
    let over = "k".repeat(256);
    ok(&mut e, "CreateTable", create("Long", &at));
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Long", "Item": {at.clone(): {"S": "v"}}}),
    );
    refused(
        &mut e,
        "CreateTable",
        create("TooLong", &over),
        &format!(
            "2 validation errors detected: Value '{over}' at 'attributeDefinitions.1.member.attributeName' failed to satisfy constraint: Member must have length less than or equal to 255; Value '{over}' at 'keySchema.1.member.attributeName' failed to satisfy constraint: Member must have length less than or equal to 255"
        ),
    );
}

// Why: Numbers carry at most 38 significant digits, with magnitudes from 1E-130 to
// 9.9999999999999999999999999999999999999E+125, positive or negative.
#[test]
fn number_precision_and_range() {
    let mut e = engine();
    let put = |n: &str| json!({"TableName": "Hash", "Item": {"pk": {"S": "n"}, "v": {"N": n}}});
    ok(&mut e, "PutItem", put(&"9".repeat(38)));
    ok(&mut e, "PutItem", put(&format!("0.{}", "1".repeat(38))));
    refused(
        &mut e,
        "PutItem",
        put(&"9".repeat(39)),
        "Attempting to store more than 38 significant digits in a Number",
    );
    // Trailing zeros are not significant digits.
    ok(
        &mut e,
        "PutItem",
        put(&format!("{}{}", "9".repeat(38), "0".repeat(10))),
    );
    for at in [
        "9.9999999999999999999999999999999999999E+125",
        "-9.9999999999999999999999999999999999999E+125",
        "1E-130",
        "-1E-130",
    ] {
        ok(&mut e, "PutItem", put(at));
    }
    let overflow =
        "Number overflow. Attempting to store a number with magnitude larger than supported range";
    let underflow = "Number underflow. Attempting to store a number with magnitude smaller than supported range";
    refused(&mut e, "PutItem", put("1E+126"), overflow);
    refused(&mut e, "PutItem", put("-1E+126"), overflow);
    refused(&mut e, "PutItem", put("1E-131"), underflow);
    refused(&mut e, "PutItem", put("-1E-131"), underflow);
    // Arithmetic that leaves the range is refused too, and stores nothing.
    ok(
        &mut e,
        "PutItem",
        put("9.9999999999999999999999999999999999999E+125"),
    );
    refused(
        &mut e,
        "UpdateItem",
        json!({"TableName": "Hash", "Key": {"pk": {"S": "n"}}, "UpdateExpression": "SET v = v + :d",
            "ExpressionAttributeValues": {":d": {"N": "1E+125"}}}),
        overflow,
    );
}

fn nested(levels: usize) -> Value {
    // `levels` lists and maps around a scalar; the attribute value itself is level 1.
    let mut v = json!({"S": "leaf"});
    for i in 0..levels {
        v = if i % 2 == 0 {
            json!({"M": {"m": v}})
        } else {
            json!({"L": [v]})
        };
    }
    v
}

// Why: DynamoDB supports 32 levels of nesting: 31 documents around a scalar are fine, 32 are not.
#[test]
fn nesting_depth_32() {
    let mut e = engine();
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": {"pk": {"S": "d"}, "deep": nested(31)}}),
    );
    refused(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": {"pk": {"S": "d"}, "deep": nested(32)}}),
        "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit",
    );
}

// Why: a document path in an expression has at most 32 elements, enough to reach the deepest
// scalar an item may hold (an attribute and 31 documents around it); one more is refused.
#[test]
fn document_path_depth_32() {
    let mut e = engine();
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": {"pk": {"S": "d"}, "deep": nested(31)}}),
    );
    // `nested` wraps from the inside out, so the outermost document is the last one it made.
    let mut path = String::from("deep");
    for i in (0..31).rev() {
        path.push_str(if i % 2 == 0 { ".m" } else { "[0]" });
    }
    let get = |projection: &str| json!({"TableName": "Hash", "Key": {"pk": {"S": "d"}}, "ProjectionExpression": projection});
    let got = ok(&mut e, "GetItem", get(&path));
    assert_eq!(got["Item"], json!({"deep": nested(31)}));
    refused(
        &mut e,
        "GetItem",
        get(&format!("{path}.x")),
        "Invalid ProjectionExpression: The document path has too many nesting levels; nesting levels: 33",
    );
    // Conditions and updates read paths the same way.
    refused(
        &mut e,
        "UpdateItem",
        json!({"TableName": "Hash", "Key": {"pk": {"S": "d"}}, "UpdateExpression": format!("REMOVE {path}[0]")}),
        "Invalid UpdateExpression: The document path has too many nesting levels; nesting levels: 33",
    );
    refused(
        &mut e,
        "Scan",
        json!({"TableName": "Hash", "FilterExpression": format!("attribute_exists({path}.x)")}),
        "Invalid FilterExpression: The document path has too many nesting levels; nesting levels: 33",
    );
}

/// A request built around one expression text.
type RequestWith = Box<dyn Fn(String) -> Value>;

// Why: every expression string is at most 4 KB (4096 bytes, counted as sent), and each kind says
// which parameter it was.
#[test]
fn expression_length_4_kb() {
    let mut e = engine();
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": {"pk": {"S": "x"}, "a": {"N": "1"}}}),
    );
    let padded = |text: &str, size: usize| format!("{text}{}", " ".repeat(size - text.len()));
    let cases: [(&str, &str, RequestWith); 4] = [
        (
            "PutItem",
            "ConditionExpression",
            Box::new(
                |t| json!({"TableName": "Hash", "Item": {"pk": {"S": "x"}, "a": {"N": "1"}}, "ConditionExpression": t}),
            ),
        ),
        (
            "UpdateItem",
            "UpdateExpression",
            Box::new(
                |t| json!({"TableName": "Hash", "Key": {"pk": {"S": "x"}}, "UpdateExpression": t}),
            ),
        ),
        (
            "GetItem",
            "ProjectionExpression",
            Box::new(
                |t| json!({"TableName": "Hash", "Key": {"pk": {"S": "x"}}, "ProjectionExpression": t}),
            ),
        ),
        (
            "Scan",
            "FilterExpression",
            Box::new(|t| json!({"TableName": "Hash", "FilterExpression": t})),
        ),
    ];
    let texts = [
        "attribute_exists(pk)",
        "SET a = a",
        "pk, a",
        "attribute_exists(a)",
    ];
    for ((op, parameter, request), text) in cases.iter().zip(texts) {
        ok(&mut e, op, request(padded(text, 4096)));
        refused(
            &mut e,
            op,
            request(padded(text, 4097)),
            &format!("Invalid {parameter}: Expression size has exceeded the maximum allowed size; expression size: 4097"),
        );
    }
    let query = |t: String| json!({"TableName": "Hash", "KeyConditionExpression": t, "ExpressionAttributeValues": {":p": {"S": "x"}}});
    ok(&mut e, "Query", query(padded("pk = :p", 4096)));
    refused(
        &mut e,
        "Query",
        query(padded("pk = :p", 4097)),
        "Invalid KeyConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 4097",
    );
}

// Why: IN takes at most 100 operands and one expression at most 300 operators or functions.
#[test]
fn in_operands_and_operator_count() {
    let mut e = engine();
    let scan_in = |n: usize| {
        let names: Vec<String> = (0..n).map(|i| format!(":v{i}")).collect();
        let values: serde_json::Map<String, Value> = names
            .iter()
            .map(|k| (k.clone(), json!({"N": "1"})))
            .collect();
        json!({"TableName": "Hash", "FilterExpression": format!("a IN ({})", names.join(", ")),
            "ExpressionAttributeValues": values})
    };
    ok(&mut e, "Scan", scan_in(100));
    refused(
        &mut e,
        "Scan",
        scan_in(101),
        "Invalid FilterExpression: The IN operator is provided with too many operands; number of operands: 101",
    );
    let scan_ops = |n: usize| {
        json!({"TableName": "Hash", "FilterExpression": vec!["a = :a"; n].join(" AND "),
            "ExpressionAttributeValues": {":a": {"N": "1"}}})
    };
    // Comparators, functions and arithmetic count; AND, OR and NOT do not.
    ok(&mut e, "Scan", scan_ops(300));
    refused(
        &mut e,
        "Scan",
        scan_ops(301),
        "Invalid FilterExpression: The expression contains too many operators; operator count: 301",
    );
}

// Why: the Developer Guide states the 300 for UpdateExpression; the `=` of SET is not an
// operator, each `+` is. (A SET value takes one `+` or `-`, so 300 take 300 actions.)
#[test]
fn update_expression_operator_count() {
    let mut e = engine();
    let update = |operators: usize| {
        let actions: Vec<String> = (0..operators).map(|i| format!("a{i}=:v+:v")).collect();
        json!({"TableName": "Hash", "Key": {"pk": {"S": "o"}},
            "UpdateExpression": format!("SET {}", actions.join(",")),
            "ExpressionAttributeValues": {":v": {"N": "1"}}})
    };
    ok(&mut e, "UpdateItem", update(300));
    let got = ok(
        &mut e,
        "GetItem",
        json!({"TableName": "Hash", "Key": {"pk": {"S": "o"}}}),
    );
    assert_eq!(got["Item"]["a299"], json!({"N": "2"}));
    refused(
        &mut e,
        "UpdateItem",
        update(301),
        "Invalid UpdateExpression: The expression contains too many operators; operator count: 301",
    );
}

// Why: BatchWriteItem takes 25 requests, BatchGetItem 100 keys, TransactWriteItems and
// TransactGetItems 100 actions.
#[test]
fn batch_and_transaction_sizes() {
    let mut e = engine();
    let puts = |n: usize| json!({"RequestItems": {"Hash": (0..n).map(|i| json!({"PutRequest": {"Item": {"pk": {"S": format!("b{i}")}}}})).collect::<Vec<_>>()}});
    ok(&mut e, "BatchWriteItem", puts(25));
    refused(
        &mut e,
        "BatchWriteItem",
        puts(26),
        "1 validation error detected: Value '{Hash=[...]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]",
    );
    let gets = |n: usize| json!({"RequestItems": {"Hash": {"Keys": (0..n).map(|i| json!({"pk": {"S": format!("b{i}")}})).collect::<Vec<_>>()}}});
    let got = ok(&mut e, "BatchGetItem", gets(100));
    assert_eq!(got["Responses"]["Hash"].as_array().map(Vec::len), Some(25));
    // 101 keys for one table break the model's constraint on that table's Keys; 101 keys over
    // two tables are the service's "too many items".
    let keys: Vec<String> = (0..101)
        .map(|i| format!("{{\"pk\":{{\"S\":\"b{i}\"}}}}"))
        .collect();
    refused(
        &mut e,
        "BatchGetItem",
        gets(101),
        &format!(
            "1 validation error detected: Value '[{}]' at 'requestItems.Hash.member.keys' failed to satisfy constraint: Member must have length less than or equal to 100",
            keys.join(", ")
        ),
    );
    ok(
        &mut e,
        "CreateTable",
        json!({"TableName": "Other", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}),
    );
    let two = |n: usize| {
        let mut request = gets(n - 50);
        request["RequestItems"]["Other"] = gets(50)["RequestItems"]["Hash"].clone();
        request
    };
    ok(&mut e, "BatchGetItem", two(100));
    refused(
        &mut e,
        "BatchGetItem",
        two(101),
        "Too many items requested for the BatchGetItem call",
    );
    let writes = |n: usize| json!({"TransactItems": (0..n).map(|i| json!({"Put": {"TableName": "Hash", "Item": {"pk": {"S": format!("t{i}")}}}})).collect::<Vec<_>>()});
    ok(&mut e, "TransactWriteItems", writes(100));
    refused(
        &mut e,
        "TransactWriteItems",
        writes(101),
        "1 validation error detected: Value '[...]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100",
    );
    let reads = |n: usize| json!({"TransactItems": (0..n).map(|i| json!({"Get": {"TableName": "Hash", "Key": {"pk": {"S": format!("t{i}")}}}})).collect::<Vec<_>>()});
    let got = ok(&mut e, "TransactGetItems", reads(100));
    assert_eq!(got["Responses"].as_array().map(Vec::len), Some(100));
    refused(
        &mut e,
        "TransactGetItems",
        reads(101),
        "1 validation error detected: Value '[...]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100",
    );
}

// Why: one Query or Scan page reads at most 1 MB (1,048,576 bytes): the page ends at the item
// that reaches it, says LastEvaluatedKey, and the next page goes on from there.
#[test]
fn one_megabyte_pages() {
    let mut e = engine();
    const QUARTER: usize = 262_144;
    // Three quarter-megabyte items and a 1-byte smaller one: 1,048,575 bytes fit one page.
    for (i, size) in [QUARTER, QUARTER, QUARTER, QUARTER - 1].iter().enumerate() {
        let item = json!({"pk": {"S": "p"}, "sk": {"S": format!("{i}")}, "v": {"S": "x".repeat(size - 7)}});
        ok(
            &mut e,
            "PutItem",
            json!({"TableName": "Range", "Item": item}),
        );
    }
    let query = json!({"TableName": "Range", "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "p"}}, "Select": "COUNT"});
    let page = ok(&mut e, "Query", query.clone());
    assert_eq!(
        (page["Count"].as_u64(), page.get("LastEvaluatedKey")),
        (Some(4), None),
        "{page}"
    );
    // One byte more (the last item grows to a full quarter) and the 1 MB is reached at the
    // fourth item: the page stops there and says where to go on, though nothing follows.
    let item = json!({"pk": {"S": "p"}, "sk": {"S": "3"}, "v": {"S": "x".repeat(QUARTER - 7)}});
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Range", "Item": item}),
    );
    let page = ok(&mut e, "Query", query.clone());
    assert_eq!(page["Count"].as_u64(), Some(4), "{page}");
    assert_eq!(page["LastEvaluatedKey"]["sk"]["S"], "3", "{page}");
    // A fifth item lands on the second page, for Query and Scan alike.
    let item = json!({"pk": {"S": "p"}, "sk": {"S": "4"}, "v": {"S": "small"}});
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Range", "Item": item}),
    );
    for (op, request) in [
        ("Query", query),
        ("Scan", json!({"TableName": "Range", "Select": "COUNT"})),
    ] {
        let first = ok(&mut e, op, request.clone());
        assert_eq!(first["Count"].as_u64(), Some(4), "{op}: {first}");
        let mut next = request;
        next["ExclusiveStartKey"] = first["LastEvaluatedKey"].clone();
        let second = ok(&mut e, op, next);
        assert_eq!(
            (second["Count"].as_u64(), second.get("LastEvaluatedKey")),
            (Some(1), None),
            "{op}: {second}"
        );
    }
}

// Why: table names are 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'.
#[test]
fn table_names() {
    let mut e = engine();
    let create = |name: &str| {
        json!({"TableName": name, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]})
    };
    for name in ["abc", "A-z_0.9", &"t".repeat(255)] {
        ok(&mut e, "CreateTable", create(name));
    }
    // The length is checked before Coral's constraints, with the service's own message (as the
    // golden case create_table/name_too_short records).
    let length = "TableName must be at least 3 characters long and at most 255 characters long";
    refused(&mut e, "CreateTable", create("ab"), length);
    refused(&mut e, "CreateTable", create(&"t".repeat(256)), length);
    refused(
        &mut e,
        "CreateTable",
        create("a/b"),
        "1 validation error detected: Value 'a/b' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    );
    // GetItem's model constrains the name itself (the engine's choice, kept as it is).
    refused(
        &mut e,
        "GetItem",
        json!({"TableName": "ab", "Key": {"id": {"S": "x"}}}),
        "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
    );
    let (status, body) = call(
        &mut e,
        "GetItem",
        &json!({"TableName": "t".repeat(255), "Key": {"id": {"S": "x"}}}),
    );
    assert_eq!((status, body), (200, json!({})));
}

// Why: a placeholder (`#name`, `:value`, prefix included) is at most 255 bytes, checked before
// its syntax; DynamoDB Local's message names the size for names only (see
// expr/substitution_limits.rs for where the texts come from).
#[test]
fn placeholder_length_255() {
    let mut e = engine();
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": {"pk": {"S": "p"}, "a": {"N": "1"}}}),
    );
    let name_at = format!("#{}", "n".repeat(254));
    let name_over = format!("#{}", "n".repeat(255));
    let get = |placeholder: &str| {
        json!({"TableName": "Hash", "Key": {"pk": {"S": "p"}}, "ProjectionExpression": placeholder,
            "ExpressionAttributeNames": {placeholder: "a"}})
    };
    let got = ok(&mut e, "GetItem", get(&name_at));
    assert_eq!(got["Item"], json!({"a": {"N": "1"}}));
    refused(
        &mut e,
        "GetItem",
        get(&name_over),
        "ExpressionAttributeNames contains invalid key: The expression attribute map contains a key that is too long; size of key: 256",
    );
    // Bytes, not characters: 128 two-byte characters after '#' are 257 bytes, and the length
    // is reported before the syntax error the 'é's would be.
    refused(
        &mut e,
        "GetItem",
        get(&format!("#{}", "é".repeat(128))),
        "ExpressionAttributeNames contains invalid key: The expression attribute map contains a key that is too long; size of key: 257",
    );
    let value_at = format!(":{}", "v".repeat(254));
    let value_over = format!(":{}", "v".repeat(255));
    let scan = |placeholder: &str| {
        json!({"TableName": "Hash", "FilterExpression": format!("a = {placeholder}"),
            "ExpressionAttributeValues": {placeholder: {"N": "1"}}})
    };
    let got = ok(&mut e, "Scan", scan(&value_at));
    assert_eq!(got["Count"], 1);
    refused(
        &mut e,
        "Scan",
        scan(&value_over),
        "ExpressionAttributeValues contains invalid key: The expression attribute map contains a key that is too long;",
    );
    // The same check guards every operation that reads the maps, TransactWriteItems included.
    let (status, body) = call(
        &mut e,
        "TransactWriteItems",
        &json!({"TransactItems": [{"ConditionCheck": {"TableName": "Hash", "Key": {"pk": {"S": "p"}},
            "ConditionExpression": format!("a = {value_over}"),
            "ExpressionAttributeValues": {value_over.clone(): {"N": "1"}}}}]}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "ExpressionAttributeValues contains invalid key: The expression attribute map contains a key that is too long;"
    );
}

/// `count` ExpressionAttributeNames (`#a0`, `#a1`, ...) whose keys and names add up to exactly
/// `total` bytes, each name at most 65,535 bytes, and a projection that uses them all.
fn names_of_total(total: usize, count: usize) -> (serde_json::Map<String, Value>, String) {
    let keys: Vec<String> = (0..count).map(|i| format!("#a{i}")).collect();
    let mut left = total - keys.iter().map(String::len).sum::<usize>();
    let mut names = serde_json::Map::new();
    for (i, key) in keys.iter().enumerate() {
        // Spread what is left so that no name passes the attribute-name limit.
        let len = left.div_ceil(count - i);
        assert!((1..=65_535).contains(&len), "{len}");
        names.insert(
            key.clone(),
            json!(format!("{i}{}", "x".repeat(len - i.to_string().len()))),
        );
        left -= len;
    }
    (names, keys.join(", "))
}

// Why: ExpressionAttributeNames and ExpressionAttributeValues hold at most 2 MB (2,097,152
// bytes) each and together, keys included; a value counts by the item-size rules.
#[test]
fn substitution_maps_2_mb() {
    const LIMIT: usize = 2 * 1024 * 1024;
    let mut e = engine();
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": {"pk": {"S": "p"}, "a": {"S": "x"}}}),
    );
    let get = |names: serde_json::Map<String, Value>, projection: String| {
        json!({"TableName": "Hash", "Key": {"pk": {"S": "p"}}, "ProjectionExpression": projection,
            "ExpressionAttributeNames": names})
    };
    let (names, projection) = names_of_total(LIMIT, 40);
    ok(&mut e, "GetItem", get(names, projection));
    let (names, projection) = names_of_total(LIMIT + 1, 40);
    refused(
        &mut e,
        "GetItem",
        get(names, projection),
        "ExpressionAttributeNames exceeds max size",
    );

    // One value: ":v" (2 bytes) and a string of the rest.
    let scan = |bytes: usize| {
        json!({"TableName": "Hash", "FilterExpression": "a = :v",
            "ExpressionAttributeValues": {":v": {"S": "x".repeat(bytes - 2)}}})
    };
    let got = ok(&mut e, "Scan", scan(LIMIT));
    assert_eq!(got["Count"], 0);
    refused(
        &mut e,
        "Scan",
        scan(LIMIT + 1),
        "ExpressionAttributeValues exceeds max size",
    );

    // Each map under 2 MB, both together at and over it.
    let both = |bytes: usize| {
        let (names, projection) = names_of_total(LIMIT / 2, 20);
        json!({"TableName": "Hash", "FilterExpression": "a = :v", "ProjectionExpression": projection,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {":v": {"S": "x".repeat(bytes - LIMIT / 2 - 2)}}})
    };
    ok(&mut e, "Scan", both(LIMIT));
    refused(
        &mut e,
        "Scan",
        both(LIMIT + 1),
        "Combined size of ExpressionAttributeNames and ExpressionAttributeValues exceeds max size",
    );
}

// Why: the items of one transaction add up to at most 4 MB (4,194,304 bytes): ten 400 KB items
// and one of 98,304 bytes fit; one byte more is refused before anything is written, and
// TransactGetItems reading those items is held to the same sum.
#[test]
fn transactions_4_mb() {
    const LIMIT: usize = 4 * 1024 * 1024;
    const TOO_LARGE: &str = "The aggregate size of the items in the transaction cannot exceed 4 MB";
    let mut e = engine();
    let last = LIMIT - 10 * 409_600;
    let puts = |last_size: usize| {
        let items: Vec<Value> = (0..11)
            .map(|i| {
                let size = if i == 10 { last_size } else { 409_600 };
                json!({"Put": {"TableName": "Hash", "Item": item_of_size(&format!("t{i:02}"), size)}})
            })
            .collect();
        json!({"TransactItems": items})
    };
    refused(&mut e, "TransactWriteItems", puts(last + 1), TOO_LARGE);
    let (status, body) = call(
        &mut e,
        "Scan",
        &json!({"TableName": "Hash", "Select": "COUNT"}),
    );
    assert_eq!(
        (status, body["Count"].as_u64()),
        (200, Some(0)),
        "nothing written"
    );
    ok(&mut e, "TransactWriteItems", puts(last));

    let gets = json!({"TransactItems": (0..11).map(|i| json!({"Get": {"TableName": "Hash",
        "Key": {"pk": {"S": format!("t{i:02}")}}}})).collect::<Vec<_>>()});
    let got = ok(&mut e, "TransactGetItems", gets.clone());
    assert_eq!(got["Responses"].as_array().map(Vec::len), Some(11));
    // The last item grows by a byte: the same reads now add up to one byte over.
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": item_of_size("t10", last + 1)}),
    );
    refused(&mut e, "TransactGetItems", gets, TOO_LARGE);
}

// Why: one BatchGetItem answers at most 16 MB (16,777,216 bytes) of items; the keys whose items
// do not fit come back under UnprocessedKeys, to be asked for again.
#[test]
fn batch_get_16_mb() {
    const LIMIT: usize = 16 * 1024 * 1024;
    let mut e = engine();
    // Forty 400 KB items and a forty-first of the rest make exactly 16 MB.
    let last = LIMIT - 40 * 409_600;
    for i in 0..41 {
        let size = if i == 40 { last } else { 409_600 };
        ok(
            &mut e,
            "PutItem",
            json!({"TableName": "Hash", "Item": item_of_size(&format!("g{i:02}"), size)}),
        );
    }
    let request = json!({"RequestItems": {"Hash": {"Keys": (0..41).map(|i| json!({"pk": {"S": format!("g{i:02}")}})).collect::<Vec<_>>()}}});
    let got = ok(&mut e, "BatchGetItem", request.clone());
    assert_eq!(got["Responses"]["Hash"].as_array().map(Vec::len), Some(41));
    assert_eq!(got["UnprocessedKeys"], json!({}));
    ok(
        &mut e,
        "PutItem",
        json!({"TableName": "Hash", "Item": item_of_size("g40", last + 1)}),
    );
    let got = ok(&mut e, "BatchGetItem", request);
    assert_eq!(got["Responses"]["Hash"].as_array().map(Vec::len), Some(40));
    assert_eq!(
        got["UnprocessedKeys"],
        json!({"Hash": {"Keys": [{"pk": {"S": "g40"}}]}})
    );
}

/// A CreateTable of `Wide` (keys pk, sk) with the given secondary indexes and tags.
fn wide_table(gsis: Vec<Value>, lsis: Vec<Value>, tags: usize) -> Value {
    let mut request = json!({"TableName": "Wide", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]});
    if !gsis.is_empty() {
        request["GlobalSecondaryIndexes"] = json!(gsis);
    }
    if !lsis.is_empty() {
        request["LocalSecondaryIndexes"] = json!(lsis);
    }
    if tags > 0 {
        request["Tags"] = json!((0..tags)
            .map(|i| json!({"Key": format!("k{i}"), "Value": "v"}))
            .collect::<Vec<_>>());
    }
    request
}

/// `n` indexes named `{prefix}00`.. keyed (pk, sk), each projecting `include` non-key attributes
/// of its own (KEYS_ONLY when 0).
fn indexes(prefix: &str, n: usize, include: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let projection = if include == 0 {
                json!({"ProjectionType": "KEYS_ONLY"})
            } else {
                json!({"ProjectionType": "INCLUDE",
                    "NonKeyAttributes": (0..include).map(|j| format!("{prefix}{i}a{j}")).collect::<Vec<_>>()})
            };
            json!({"IndexName": format!("{prefix}{i:02}"), "Projection": projection,
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]})
        })
        .collect()
}

/// The exception's name (`__type` after the `#`) and message of a refused request.
fn refused_with(engine: &mut Engine, op: &str, request: Value) -> (String, String) {
    let (status, body) = call(engine, op, &request);
    assert_eq!(status, 400, "{op} over the limit was accepted");
    let kind = body["__type"].as_str().unwrap_or_default();
    (
        kind.rsplit('#').next().unwrap_or_default().to_string(),
        body["message"].as_str().unwrap_or_default().to_string(),
    )
}

// Why: a table has at most 20 global and 5 local secondary indexes, 100 projected non-key
// attributes across all of them, and 50 tags; each limit is accepted and one more is refused.
#[test]
fn indexes_projections_and_tags() {
    let mut e = engine();
    let create = |e: &mut Engine, request: Value| {
        ok(e, "CreateTable", request);
        ok(e, "DeleteTable", json!({"TableName": "Wide"}));
    };
    create(&mut e, wide_table(indexes("g", 20, 0), vec![], 0));
    assert_eq!(
        refused_with(&mut e, "CreateTable", wide_table(indexes("g", 21, 0), vec![], 0)),
        (
            "ValidationException".into(),
            "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20".into()
        )
    );
    create(&mut e, wide_table(vec![], indexes("l", 5, 0), 0));
    assert_eq!(
        refused_with(&mut e, "CreateTable", wide_table(vec![], indexes("l", 6, 0), 0)),
        (
            "ValidationException".into(),
            "One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5".into()
        )
    );
    // 100 projected attributes over two indexes (a GSI and an LSI count alike), then 101.
    create(
        &mut e,
        wide_table(indexes("g", 1, 50), indexes("l", 1, 50), 0),
    );
    assert_eq!(
        refused_with(
            &mut e,
            "CreateTable",
            wide_table(indexes("g", 1, 51), indexes("l", 1, 50), 0)
        ),
        (
            "LimitExceededException".into(),
            "One or more parameter values were invalid: Number of projected attributes in all indexes exceeds limit of 100, provided: 101".into()
        )
    );
    let too_many_tags = (
        "LimitExceededException".to_string(),
        "The number of tags exceeds the limit of 50".to_string(),
    );
    assert_eq!(
        refused_with(&mut e, "CreateTable", wide_table(vec![], vec![], 51)),
        too_many_tags
    );
    let created = ok(&mut e, "CreateTable", wide_table(vec![], vec![], 49));
    let arn = created["TableDescription"]["TableArn"].clone();
    let tag = |key: &str| json!({"ResourceArn": arn, "Tags": [{"Key": key, "Value": "v"}]});
    ok(&mut e, "TagResource", tag("k49"));
    assert_eq!(
        refused_with(&mut e, "TagResource", tag("k50")),
        too_many_tags
    );
    // Re-tagging an existing key adds no tag.
    ok(&mut e, "TagResource", tag("k0"));
}

// Why: a PartiQL statement is at most 8192 characters, BatchExecuteStatement takes 25
// statements and ExecuteTransaction 100 (the API reference's constraints, which Coral reports).
#[test]
fn partiql_statement_and_batch_sizes() {
    let mut e = engine();
    let select = |size: usize| {
        let text = r#"SELECT * FROM "Hash" WHERE pk = 'x'"#;
        format!("{text}{}", " ".repeat(size - text.len()))
    };
    ok(
        &mut e,
        "ExecuteStatement",
        json!({"Statement": select(8192)}),
    );
    let over = select(8193);
    refused(
        &mut e,
        "ExecuteStatement",
        json!({"Statement": over}),
        &format!("1 validation error detected: Value '{over}' at 'statement' failed to satisfy constraint: Member must have length less than or equal to 8192"),
    );
    let inserts = |n: usize| {
        (0..n)
            .map(|i| json!({"Statement": format!(r#"INSERT INTO "Hash" VALUE {{'pk': 's{i}'}}"#)}))
            .collect::<Vec<_>>()
    };
    let got = ok(
        &mut e,
        "BatchExecuteStatement",
        json!({"Statements": inserts(25)}),
    );
    assert_eq!(got["Responses"].as_array().map(Vec::len), Some(25));
    let (status, body) = call(
        &mut e,
        "BatchExecuteStatement",
        &json!({"Statements": inserts(26)}),
    );
    assert_eq!((status, body["__type"].as_str()), (400, Some(VALIDATION)));
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("1 validation error detected: Value '")
            && message.ends_with("' at 'statements' failed to satisfy constraint: Member must have length less than or equal to 25"),
        "{message}"
    );
    let transaction = |n: usize| {
        json!({"TransactStatements": (0..n)
            .map(|i| json!({"Statement": format!(r#"INSERT INTO "Hash" VALUE {{'pk': 't{i}'}}"#)}))
            .collect::<Vec<_>>()})
    };
    ok(&mut e, "ExecuteTransaction", transaction(100));
    let (status, body) = call(&mut e, "ExecuteTransaction", &transaction(101));
    assert_eq!((status, body["__type"].as_str()), (400, Some(VALIDATION)));
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("1 validation error detected: Value '")
            && message.ends_with("' at 'transactStatements' failed to satisfy constraint: Member must have length less than or equal to 100"),
        "{message}"
    );
}
