//! The console's example requests, one per operation. They all use one table, `Music`, keyed by
//! `Artist` (S) and `SongTitle` (S), and are listed in an order in which running each once works.

/// One operation the console offers, with a request that works against the `Music` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example {
    /// The operation name, the part of `X-Amz-Target` after `DynamoDB_20120810.`.
    pub operation: &'static str,
    /// One line for the picker's hint.
    pub summary: &'static str,
    /// The request body, as pretty JSON ready to edit.
    pub request: &'static str,
}

/// The `X-Amz-Target` header value for an operation.
pub fn target(operation: &str) -> String {
    // The app names the Streams API's operations `Streams.<op>`, and the engine's DAX simulation's
    // `Dax.<op>`; each has its own prefix.
    if let Some(op) = operation.strip_prefix("Dax.") {
        return format!("{}.{op}", dynaplay_engine::DAX_SIMULATION_TARGET);
    }
    if let Some(op) = operation.strip_prefix("GlobalTables.") {
        return format!("{}.{op}", dynaplay_engine::global_tables::SIMULATION_TARGET);
    }
    match operation.strip_prefix("Streams.") {
        Some(op) => format!("DynamoDBStreams_20120810.{op}"),
        None => format!("DynamoDB_20120810.{operation}"),
    }
}

/// The app's name for the operation of an `X-Amz-Target` (`target` read backwards): the request
/// log and the lessons' checks name requests this way.
pub fn operation_of(target: &str) -> String {
    let prefixes = [
        ("DynamoDBStreams_20120810.", "Streams."),
        (dynaplay_engine::DAX_SIMULATION_TARGET, "Dax."),
        (
            dynaplay_engine::global_tables::SIMULATION_TARGET,
            "GlobalTables.",
        ),
        ("DynamoDB_20120810.", ""),
    ];
    for (prefix, name) in prefixes {
        if let Some(op) = target.strip_prefix(prefix) {
            let op = op.strip_prefix('.').unwrap_or(op);
            return format!("{name}{op}");
        }
    }
    target.to_string()
}

/// The example for an operation name.
pub fn find(operation: &str) -> Option<&'static Example> {
    OPERATIONS.iter().find(|e| e.operation == operation)
}

pub const OPERATIONS: &[Example] = &[
    Example {
        operation: "CreateTable",
        summary: "Create the Music table, keyed by Artist and SongTitle.",
        request: r#"{
  "TableName": "Music",
  "AttributeDefinitions": [
    { "AttributeName": "Artist", "AttributeType": "S" },
    { "AttributeName": "SongTitle", "AttributeType": "S" }
  ],
  "KeySchema": [
    { "AttributeName": "Artist", "KeyType": "HASH" },
    { "AttributeName": "SongTitle", "KeyType": "RANGE" }
  ],
  "BillingMode": "PAY_PER_REQUEST"
}"#,
    },
    Example {
        operation: "DescribeTable",
        summary: "Show the table's key schema, status and item count.",
        request: r#"{
  "TableName": "Music"
}"#,
    },
    Example {
        operation: "ListTables",
        summary: "List the names of all tables.",
        request: r#"{
  "Limit": 10
}"#,
    },
    Example {
        operation: "PutItem",
        summary: "Write one song, replacing any song with the same key.",
        request: r#"{
  "TableName": "Music",
  "Item": {
    "Artist": { "S": "No One You Know" },
    "SongTitle": { "S": "Call Me Today" },
    "AlbumTitle": { "S": "Somewhat Famous" },
    "Awards": { "N": "1" }
  }
}"#,
    },
    Example {
        operation: "GetItem",
        summary: "Read one song by its full key.",
        request: r#"{
  "TableName": "Music",
  "Key": {
    "Artist": { "S": "No One You Know" },
    "SongTitle": { "S": "Call Me Today" }
  }
}"#,
    },
    Example {
        operation: "UpdateItem",
        summary: "Change the album and add to the award count, returning the new item.",
        request: r#"{
  "TableName": "Music",
  "Key": {
    "Artist": { "S": "No One You Know" },
    "SongTitle": { "S": "Call Me Today" }
  },
  "UpdateExpression": "SET AlbumTitle = :album ADD Awards :one",
  "ExpressionAttributeValues": {
    ":album": { "S": "Louder Than Ever" },
    ":one": { "N": "1" }
  },
  "ReturnValues": "ALL_NEW"
}"#,
    },
    Example {
        operation: "Query",
        summary: "All songs by one artist whose title starts with \"Call\".",
        request: r#"{
  "TableName": "Music",
  "KeyConditionExpression": "Artist = :artist AND begins_with(SongTitle, :prefix)",
  "ExpressionAttributeValues": {
    ":artist": { "S": "No One You Know" },
    ":prefix": { "S": "Call" }
  }
}"#,
    },
    Example {
        operation: "Scan",
        summary: "Read every song, keeping those with at least one award.",
        request: r#"{
  "TableName": "Music",
  "FilterExpression": "Awards >= :min",
  "ExpressionAttributeValues": {
    ":min": { "N": "1" }
  }
}"#,
    },
    Example {
        operation: "BatchWriteItem",
        summary: "Put two more songs in one call.",
        request: r#"{
  "RequestItems": {
    "Music": [
      {
        "PutRequest": {
          "Item": {
            "Artist": { "S": "Acme Band" },
            "SongTitle": { "S": "Happy Day" },
            "AlbumTitle": { "S": "Songs About Life" }
          }
        }
      },
      {
        "PutRequest": {
          "Item": {
            "Artist": { "S": "Acme Band" },
            "SongTitle": { "S": "PartiQL Rocks" },
            "AlbumTitle": { "S": "Another Album Title" }
          }
        }
      }
    ]
  }
}"#,
    },
    Example {
        operation: "BatchGetItem",
        summary: "Read several songs by key in one call.",
        request: r#"{
  "RequestItems": {
    "Music": {
      "Keys": [
        { "Artist": { "S": "Acme Band" }, "SongTitle": { "S": "Happy Day" } },
        { "Artist": { "S": "No One You Know" }, "SongTitle": { "S": "Call Me Today" } }
      ],
      "ProjectionExpression": "Artist, SongTitle, AlbumTitle"
    }
  }
}"#,
    },
    Example {
        operation: "DeleteItem",
        summary: "Delete one song, only if it exists, returning what it was.",
        request: r#"{
  "TableName": "Music",
  "Key": {
    "Artist": { "S": "Acme Band" },
    "SongTitle": { "S": "Happy Day" }
  },
  "ConditionExpression": "attribute_exists(Artist)",
  "ReturnValues": "ALL_OLD"
}"#,
    },
    Example {
        operation: "DeleteTable",
        summary: "Delete the Music table and everything in it.",
        request: r#"{
  "TableName": "Music"
}"#,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use dynaplay_engine::{Engine, ManualClock};
    use serde_json::Value;

    fn body(response: &dynaplay_engine::Response) -> Value {
        serde_json::from_str(&response.body).expect("the engine answers JSON")
    }

    // The picker offers exactly the twelve operations the console promises, each once.
    #[test]
    fn every_console_operation_has_one_example() {
        let mut names: Vec<&str> = OPERATIONS.iter().map(|e| e.operation).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "BatchGetItem",
                "BatchWriteItem",
                "CreateTable",
                "DeleteItem",
                "DeleteTable",
                "DescribeTable",
                "GetItem",
                "ListTables",
                "PutItem",
                "Query",
                "Scan",
                "UpdateItem"
            ]
        );
        assert_eq!(
            find("Scan").map(|e| target(e.operation)).as_deref(),
            Some("DynamoDB_20120810.Scan")
        );
        // The lessons send the Streams API and the DAX simulation through the same page engine.
        assert_eq!(
            target("Streams.GetRecords"),
            "DynamoDBStreams_20120810.GetRecords"
        );
        assert_eq!(target("Dax.GetItem"), "DynaplayDaxSimulation.GetItem");
        for operation in [
            "PutItem",
            "Streams.GetRecords",
            "Dax.Query",
            "GlobalTables.Describe",
        ] {
            assert_eq!(operation_of(&target(operation)), operation);
        }
        assert_eq!(
            target("GlobalTables.Configure"),
            "DynaplayGlobalTablesSimulation.Configure"
        );
    }

    // An example that is not a JSON object would greet the user with a SerializationException.
    #[test]
    fn every_example_is_a_json_object() {
        for example in OPERATIONS {
            let value: Value = serde_json::from_str(example.request)
                .unwrap_or_else(|e| panic!("{}: {e}", example.operation));
            assert!(value.is_object(), "{}", example.operation);
        }
    }

    // The promise the console makes: running the examples top to bottom works, and reads see the writes.
    #[test]
    fn examples_run_in_order_against_the_engine() {
        let mut engine = Engine::in_memory(Box::new(ManualClock::new(1_700_000_000_000)));
        for example in OPERATIONS {
            let response = engine.dispatch(example.operation, example.request);
            assert_eq!(
                response.status, 200,
                "{}: {}",
                example.operation, response.body
            );
            let body = body(&response);
            match example.operation {
                "GetItem" => assert_eq!(body["Item"]["AlbumTitle"]["S"], "Somewhat Famous"),
                "UpdateItem" => {
                    assert_eq!(body["Attributes"]["AlbumTitle"]["S"], "Louder Than Ever");
                    assert_eq!(body["Attributes"]["Awards"]["N"], "2");
                }
                "Query" => assert_eq!(body["Count"], 1),
                "Scan" => assert_eq!(body["Count"], 1),
                "BatchGetItem" => {
                    assert_eq!(body["Responses"]["Music"].as_array().map(Vec::len), Some(2))
                }
                "DeleteItem" => assert_eq!(body["Attributes"]["SongTitle"]["S"], "Happy Day"),
                "ListTables" => assert_eq!(body["TableNames"], serde_json::json!(["Music"])),
                _ => {}
            }
        }
    }
}
