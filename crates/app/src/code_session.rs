//! A session of requests covering the playground's operations, written out as AWS CLI, boto3 and
//! JavaScript SDK scripts by `dynaplay-app emit-code DIR ENDPOINT`. `cargo xtask test` runs those
//! scripts against `dynaplay-server`, so the code the playground shows is known to run.

use serde_json::{json, Value};

use crate::codegen::{generate, Language, Target};

/// The requests, in order, on a table of their own (one per language, so runs do not collide).
pub fn session(table: &str) -> Vec<(&'static str, Value)> {
    vec![
        (
            "CreateTable",
            json!({
                "TableName": table,
                "AttributeDefinitions": [
                    { "AttributeName": "PK", "AttributeType": "S" },
                    { "AttributeName": "SK", "AttributeType": "S" },
                    { "AttributeName": "Status", "AttributeType": "S" }
                ],
                "KeySchema": [
                    { "AttributeName": "PK", "KeyType": "HASH" },
                    { "AttributeName": "SK", "KeyType": "RANGE" }
                ],
                "GlobalSecondaryIndexes": [{
                    "IndexName": "ByStatus",
                    "KeySchema": [{ "AttributeName": "Status", "KeyType": "HASH" }],
                    "Projection": { "ProjectionType": "ALL" }
                }],
                "BillingMode": "PAY_PER_REQUEST"
            }),
        ),
        ("DescribeTable", json!({ "TableName": table })),
        (
            "PutItem",
            json!({
                "TableName": table,
                "Item": {
                    "PK": { "S": "CUSTOMER#1" }, "SK": { "S": "ORDER#1" }, "Status": { "S": "SHIPPED" },
                    "Total": { "N": "49.99" }, "Tags": { "SS": ["gift", "it's new"] },
                    "Photo": { "B": "AAECAw==" }, "Gift": { "BOOL": true }, "Note": { "NULL": true },
                    "Lines": { "L": [{ "M": { "Product": { "S": "Keyboard" }, "Quantity": { "N": "1" } } }] }
                }
            }),
        ),
        (
            "BatchWriteItem",
            json!({ "RequestItems": { table: [
                { "PutRequest": { "Item": { "PK": { "S": "CUSTOMER#1" }, "SK": { "S": "ORDER#2" }, "Status": { "S": "PENDING" }, "Total": { "N": "7.5" } } } },
                { "PutRequest": { "Item": { "PK": { "S": "CUSTOMER#1" }, "SK": { "S": "ORDER#3" }, "Status": { "S": "SHIPPED" }, "Total": { "N": "189" } } } }
            ] } }),
        ),
        (
            "GetItem",
            json!({
                "TableName": table,
                "Key": { "PK": { "S": "CUSTOMER#1" }, "SK": { "S": "ORDER#1" } },
                "ConsistentRead": true
            }),
        ),
        (
            "UpdateItem",
            json!({
                "TableName": table,
                "Key": { "PK": { "S": "CUSTOMER#1" }, "SK": { "S": "ORDER#2" } },
                "UpdateExpression": "SET #s = :s ADD Revisions :one",
                "ConditionExpression": "attribute_exists(PK)",
                "ExpressionAttributeNames": { "#s": "Status" },
                "ExpressionAttributeValues": { ":s": { "S": "SHIPPED" }, ":one": { "N": "1" } },
                "ReturnValues": "ALL_NEW"
            }),
        ),
        (
            "Query",
            json!({
                "TableName": table,
                "KeyConditionExpression": "PK = :pk AND begins_with(SK, :order)",
                "FilterExpression": "#total > :min",
                "ExpressionAttributeNames": { "#total": "Total" },
                "ExpressionAttributeValues": { ":pk": { "S": "CUSTOMER#1" }, ":order": { "S": "ORDER#" }, ":min": { "N": "10" } },
                "ScanIndexForward": false,
                "Limit": 2,
                "ReturnConsumedCapacity": "TOTAL"
            }),
        ),
        (
            "Query",
            json!({
                "TableName": table,
                "IndexName": "ByStatus",
                "KeyConditionExpression": "#s = :s",
                "ExpressionAttributeNames": { "#s": "Status" },
                "ExpressionAttributeValues": { ":s": { "S": "SHIPPED" } },
                "ProjectionExpression": "SK, #s"
            }),
        ),
        (
            "Scan",
            json!({ "TableName": table, "Limit": 10, "ConsistentRead": false }),
        ),
        (
            "DeleteItem",
            json!({ "TableName": table, "Key": { "PK": { "S": "CUSTOMER#1" }, "SK": { "S": "ORDER#3" } }, "ReturnValues": "ALL_OLD" }),
        ),
        ("ListTables", json!({ "Limit": 100 })),
        ("DeleteTable", json!({ "TableName": table })),
    ]
}

/// The file extension scripts in `language` get.
pub fn extension(language: Language) -> &'static str {
    match language {
        Language::Cli => "sh",
        Language::JavaScript => "mjs",
        Language::Python => "py",
    }
}

/// Every script of the session for `language`: `(file name, code)`, in run order.
pub fn scripts(language: Language, endpoint: &str) -> Vec<(String, String)> {
    let table = format!("Generated{}", language.id());
    let target = Target {
        endpoint: Some(endpoint.to_string()),
        ..Target::default()
    };
    session(&table)
        .into_iter()
        .enumerate()
        .map(|(i, (operation, body))| {
            let code = generate(language, operation, &body.to_string(), &target)
                .unwrap_or_else(|_| String::from("exit 1"));
            let code = if language == Language::Cli {
                format!("set -euo pipefail\n{code}\n")
            } else {
                code
            };
            (
                format!("{:02}-{operation}.{}", i + 1, extension(language)),
                code,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dynaplay_engine::{clock::ManualClock, Engine};

    // The session itself is right: every request succeeds on the engine, in order.
    #[test]
    fn the_session_runs_on_the_engine() {
        let mut engine = Engine::in_memory(Box::new(ManualClock::new(1_700_000_000_000)));
        for (operation, body) in session("Orders") {
            let response = engine.dispatch(operation, &body.to_string());
            assert_eq!(response.status, 200, "{operation}: {}", response.body);
        }
    }

    #[test]
    fn scripts_are_numbered_and_point_at_the_endpoint() {
        let scripts = scripts(Language::Python, "http://127.0.0.1:1");
        assert_eq!(scripts[0].0, "01-CreateTable.py");
        assert!(scripts[0].1.contains("endpoint_url=\"http://127.0.0.1:1\""));
    }
}
