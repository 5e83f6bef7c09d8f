//! The TableDescription object that CreateTable, DescribeTable and DeleteTable return.

use serde_json::{json, Map, Value};

use crate::index::{Index, IndexKind};
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
    let local: Vec<Value> = table
        .indexes
        .iter()
        .filter(|i| i.def.kind == IndexKind::Local)
        .map(|i| index_description(i, status))
        .collect();
    let global: Vec<Value> = table
        .indexes
        .iter()
        .filter(|i| i.def.kind == IndexKind::Global)
        .map(|i| index_description(i, status))
        .collect();
    if !local.is_empty() {
        d.insert("LocalSecondaryIndexes".into(), Value::Array(local));
    }
    if !global.is_empty() {
        d.insert("GlobalSecondaryIndexes".into(), Value::Array(global));
    }
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

/// One index as DescribeTable shows it; a GSI also has a status and its own throughput.
fn index_description(index: &Index, table_status: &str) -> Value {
    let def = &index.def;
    let mut d = Map::new();
    d.insert("IndexName".into(), json!(def.name));
    d.insert("KeySchema".into(), def.key_schema.to_json());
    d.insert("Projection".into(), def.projection.to_json());
    if def.kind == IndexKind::Global {
        let status = match table_status {
            "CREATING" => "CREATING",
            "DELETING" => "DELETING",
            _ => "ACTIVE",
        };
        d.insert("IndexStatus".into(), json!(status));
        d.insert(
            "ProvisionedThroughput".into(),
            json!({
                "NumberOfDecreasesToday": 0,
                "ReadCapacityUnits": def.throughput.0,
                "WriteCapacityUnits": def.throughput.1,
            }),
        );
    }
    d.insert("IndexSizeBytes".into(), json!(index.size_bytes));
    d.insert("ItemCount".into(), json!(index.item_count));
    d.insert("IndexArn".into(), json!(def.arn));
    Value::Object(d)
}
