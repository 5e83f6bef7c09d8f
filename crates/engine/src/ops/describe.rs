//! The TableDescription object that CreateTable, DescribeTable and DeleteTable return.

use serde_json::{json, Map, Value};

use crate::table::{BillingMode, Table};

pub fn table_description(table: &Table, status: &str) -> Value {
    let def = &table.def;
    let mut d = Map::new();
    d.insert(
        "AttributeDefinitions".into(),
        def.attribute_definitions
            .iter()
            .map(|a| json!({"AttributeName": a.name, "AttributeType": a.ty.as_str()}))
            .collect(),
    );
    d.insert("TableName".into(), json!(def.name));
    d.insert("KeySchema".into(), def.key_schema.to_json());
    d.insert("TableStatus".into(), json!(status));
    d.insert(
        "CreationDateTime".into(),
        json!(def.created_millis as f64 / 1000.0),
    );
    d.insert(
        "ProvisionedThroughput".into(),
        json!({
            "NumberOfDecreasesToday": 0,
            "ReadCapacityUnits": def.throughput.0,
            "WriteCapacityUnits": def.throughput.1,
        }),
    );
    d.insert("TableSizeBytes".into(), json!(table.size_bytes));
    d.insert("ItemCount".into(), json!(table.item_count));
    d.insert("TableArn".into(), json!(def.arn));
    d.insert("TableId".into(), json!(def.table_id));
    if def.billing_mode == BillingMode::PayPerRequest {
        d.insert(
            "BillingModeSummary".into(),
            json!({
                "BillingMode": "PAY_PER_REQUEST",
                "LastUpdateToPayPerRequestDateTime": def.created_millis as f64 / 1000.0,
            }),
        );
    }
    d.insert(
        "DeletionProtectionEnabled".into(),
        json!(def.deletion_protection),
    );
    Value::Object(d)
}
