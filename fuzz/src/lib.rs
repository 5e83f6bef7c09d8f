//! What the fuzz targets share: an engine pre-populated like the golden cases' tables (so seed
//! requests reach real tables, indexes, a stream and TTL), the input format, and the one property
//! every target checks: an answer is DynamoDB-shaped JSON, never a panic, a hang or a 500.
//!
//! Input format (the seeds from `cargo xtask fuzz` follow it): a request is `Operation\nbody`; a
//! session is requests separated by NUL bytes (a JSON body never holds a raw NUL), where
//! `@advance\nMILLIS` moves the clock instead.

use std::sync::Arc;

use dynaplay_engine::{Engine, EngineConfig, ManualClock, NullStorage, Response};
use serde_json::Value;

/// 2026-01-01T00:00:00Z, as in the golden cases.
pub const START_MILLIS: i64 = 1_767_225_600_000;

/// Tables named and shaped like the golden cases' most common ones: `Accounts` (hash key, TTL on
/// `expires`), `Music` (hash and range, an LSI, a GSI, a stream, provisioned) and `Users`.
const SETUP: &[(&str, &str)] = &[
    (
        "CreateTable",
        r#"{"TableName":"Accounts","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
            "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}"#,
    ),
    (
        "UpdateTimeToLive",
        r#"{"TableName":"Accounts","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"expires"}}"#,
    ),
    (
        "CreateTable",
        r#"{"TableName":"Music",
            "AttributeDefinitions":[{"AttributeName":"Artist","AttributeType":"S"},{"AttributeName":"SongTitle","AttributeType":"S"},
              {"AttributeName":"Year","AttributeType":"N"},{"AttributeName":"Genre","AttributeType":"S"}],
            "KeySchema":[{"AttributeName":"Artist","KeyType":"HASH"},{"AttributeName":"SongTitle","KeyType":"RANGE"}],
            "LocalSecondaryIndexes":[{"IndexName":"by_year","KeySchema":[{"AttributeName":"Artist","KeyType":"HASH"},{"AttributeName":"Year","KeyType":"RANGE"}],
              "Projection":{"ProjectionType":"KEYS_ONLY"}}],
            "GlobalSecondaryIndexes":[{"IndexName":"by_genre","KeySchema":[{"AttributeName":"Genre","KeyType":"HASH"},{"AttributeName":"Year","KeyType":"RANGE"}],
              "Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["Plays"]},
              "ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5}}],
            "StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"},
            "ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5}}"#,
    ),
    (
        "CreateTable",
        r#"{"TableName":"Users","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
            "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}"#,
    ),
    (
        "BatchWriteItem",
        r#"{"RequestItems":{
            "Accounts":[
              {"PutRequest":{"Item":{"id":{"S":"a1"},"balance":{"N":"100"},"owner":{"S":"ann"},"expires":{"N":"1767225000"}}}},
              {"PutRequest":{"Item":{"id":{"S":"a2"},"balance":{"N":"-3.5"},"tags":{"SS":["x","y"]},"expires":{"N":"1999999999"}}}},
              {"PutRequest":{"Item":{"id":{"S":"a3"},"doc":{"M":{"list":{"L":[{"N":"1"},{"S":"two"},{"BOOL":true},{"NULL":true}]},"bin":{"B":"AAEC"}}}}}}
            ],
            "Music":[
              {"PutRequest":{"Item":{"Artist":{"S":"Acme"},"SongTitle":{"S":"Alpha"},"Year":{"N":"1999"},"Genre":{"S":"Rock"},"Plays":{"N":"10"}}}},
              {"PutRequest":{"Item":{"Artist":{"S":"Acme"},"SongTitle":{"S":"Beta"},"Year":{"N":"2005"},"Genre":{"S":"Jazz"},"NS":{"NS":["1","2.5"]}}}},
              {"PutRequest":{"Item":{"Artist":{"S":"Bolt"},"SongTitle":{"S":"Gamma"},"Year":{"N":"2005"},"Genre":{"S":"Rock"},"BS":{"BS":["AQ==","Ag=="]}}}}
            ],
            "Users":[
              {"PutRequest":{"Item":{"id":{"S":"u1"},"name":{"S":"Ann"},"friends":{"L":[{"S":"u2"}]}}}}
            ]}}"#,
    ),
];

/// A fresh engine over the fixture tables and its clock. Each input starts from the same state, so
/// a crash reproduces from its input alone.
pub fn fixture() -> (Engine, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(START_MILLIS));
    let config = EngineConfig {
        // Throttling depends on how many requests came before; off keeps runs reproducible.
        throttling: false,
        ..EngineConfig::default()
    };
    let mut engine = Engine::open(config, Box::new(clock.clone()), Box::new(NullStorage))
        .expect("an engine opens over empty storage");
    for (op, body) in SETUP {
        let response = engine.dispatch(op, body);
        assert_eq!(response.status, 200, "fixture {op}: {}", response.body);
    }
    (engine, clock)
}

/// Splits `Operation\nbody`; without a newline the whole input is the body of `default_op`.
pub fn split_request<'a>(text: &'a str, default_op: &'a str) -> (&'a str, &'a str) {
    text.split_once('\n').unwrap_or((default_op, text))
}

/// Sends one request the way the server would: a dotted operation is a whole `X-Amz-Target`.
pub fn send(engine: &mut Engine, op: &str, body: &str) -> Response {
    let response = if op.contains('.') {
        engine.dispatch_target(op, body)
    } else {
        engine.dispatch(op, body)
    };
    check(op, body, &response);
    response
}

/// The property: a 200 with a JSON body, or a 400 whose body names a DynamoDB exception.
pub fn check(op: &str, body: &str, response: &Response) {
    let parsed: Value = serde_json::from_str(&response.body)
        .unwrap_or_else(|e| panic!("{op} {body:?}: answer is not JSON ({e}): {}", response.body));
    match response.status {
        200 => assert!(parsed.is_object(), "{op}: a success is an object"),
        400 => assert!(
            parsed["__type"].as_str().is_some_and(|t| t.contains('#')),
            "{op} {body:?}: error without __type: {}",
            response.body
        ),
        status => panic!("{op} {body:?}: status {status}: {}", response.body),
    }
}
