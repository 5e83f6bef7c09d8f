//! The TableDescription object that CreateTable, DescribeTable, UpdateTable and DeleteTable
//! return, with every field DynamoDB fills for the table's settings at `now`.

use serde_json::{json, Map, Value};

use crate::index::{Index, IndexKind};
use crate::table::{BillingMode, Table};
use crate::time_format::utc_day;

pub fn seconds(millis: i64) -> Value {
    json!(millis as f64 / 1000.0)
}

/// The description at `now`; `status` overrides the table status (CreateTable answers
/// CREATING, DeleteTable DELETING, UpdateTable UPDATING, whatever the lifecycle delay), and
/// then index changes made by the same request are shown as just begun.
pub fn table_description(table: &Table, now: i64, status: Option<&str>) -> Value {
    let fresh = status.is_some();
    let def = &table.def;
    let settings = &def.settings;
    let status = status.unwrap_or_else(|| settings.status(now));
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
    d.insert("CreationDateTime".into(), seconds(def.created_millis));
    let mut throughput = Map::new();
    if let Some(t) = settings.last_increase_millis {
        throughput.insert("LastIncreaseDateTime".into(), seconds(t));
    }
    if let Some(t) = settings.last_decrease_millis {
        throughput.insert("LastDecreaseDateTime".into(), seconds(t));
    }
    let decreases = if settings.decreases_day == utc_day(now) {
        settings.decreases_today
    } else {
        0
    };
    throughput.insert("NumberOfDecreasesToday".into(), json!(decreases));
    throughput.insert("ReadCapacityUnits".into(), json!(def.throughput.0));
    throughput.insert("WriteCapacityUnits".into(), json!(def.throughput.1));
    d.insert("ProvisionedThroughput".into(), Value::Object(throughput));
    d.insert("TableSizeBytes".into(), json!(table.size_bytes));
    d.insert("ItemCount".into(), json!(table.item_count));
    d.insert("TableArn".into(), json!(def.arn));
    d.insert("TableId".into(), json!(def.table_id));
    match (def.billing_mode, settings.last_pay_per_request_millis) {
        (BillingMode::PayPerRequest, Some(t)) => {
            d.insert(
                "BillingModeSummary".into(),
                json!({"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": seconds(t)}),
            );
        }
        // A table switched back to provisioned keeps the time of its last on-demand switch.
        (BillingMode::Provisioned, Some(t)) => {
            d.insert(
                "BillingModeSummary".into(),
                json!({"BillingMode": "PROVISIONED", "LastUpdateToPayPerRequestDateTime": seconds(t)}),
            );
        }
        _ => {}
    }
    if let Some(restore) = &settings.restore {
        d.insert(
            "RestoreSummary".into(),
            restore.to_json(status == "CREATING"),
        );
    }
    let local: Vec<Value> = table
        .indexes
        .iter()
        .filter(|i| i.def.kind == IndexKind::Local)
        .map(|i| index_description(i, now, status, fresh))
        .collect();
    let global: Vec<Value> = table
        .indexes
        .iter()
        .filter(|i| i.def.kind == IndexKind::Global)
        .map(|i| index_description(i, now, status, fresh))
        .collect();
    if !local.is_empty() {
        d.insert("LocalSecondaryIndexes".into(), Value::Array(local));
    }
    if !global.is_empty() {
        d.insert("GlobalSecondaryIndexes".into(), Value::Array(global));
    }
    if let Some(stream) = &settings.stream {
        d.insert(
            "StreamSpecification".into(),
            if stream.enabled {
                json!({"StreamEnabled": true, "StreamViewType": stream.view_type})
            } else {
                json!({"StreamEnabled": false})
            },
        );
        d.insert("LatestStreamLabel".into(), json!(stream.label));
        d.insert(
            "LatestStreamArn".into(),
            json!(format!("{}/stream/{}", def.arn, stream.label)),
        );
    }
    if let Some(class) = &settings.table_class {
        d.insert("TableClassSummary".into(), json!({"TableClass": class}));
    }
    d.insert(
        "DeletionProtectionEnabled".into(),
        json!(def.deletion_protection),
    );
    Value::Object(d)
}

/// One index as DescribeTable shows it; a GSI also has a status and its own throughput.
fn index_description(index: &Index, now: i64, table_status: &str, fresh: bool) -> Value {
    let def = &index.def;
    let mut d = Map::new();
    d.insert("IndexName".into(), json!(def.name));
    d.insert("KeySchema".into(), def.key_schema.to_json());
    d.insert("Projection".into(), def.projection.to_json());
    if def.kind == IndexKind::Global {
        let (own, backfilling) = match &def.pending {
            // The answer to the request that began the change shows it begun, not finished.
            Some(p) if fresh && p.since_millis == now => (p.status.as_str(), false),
            _ => def.status(now),
        };
        let status = match (table_status, own) {
            ("CREATING", _) => "CREATING",
            ("DELETING", _) => "DELETING",
            (_, own) => own,
        };
        d.insert("IndexStatus".into(), json!(status));
        if status == "CREATING" && def.pending.is_some() {
            d.insert("Backfilling".into(), json!(backfilling));
        }
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
