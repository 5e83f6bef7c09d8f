//! Consumed capacity: read and write units as DynamoDB charges them, and the
//! `ConsumedCapacity` member of responses.

use serde_json::{json, Value};

/// Reads are charged in 4 KB units; an eventually consistent read costs half.
pub const READ_UNIT_BYTES: usize = 4096;
/// Writes are charged in 1 KB units.
pub const WRITE_UNIT_BYTES: usize = 1024;

/// Units for reading `bytes` at once (one item, or a whole Query/Scan page: DynamoDB rounds the
/// page's total, not each item). At least one unit, even for nothing found.
pub fn read_units(bytes: usize, consistent: bool) -> f64 {
    let units = bytes.div_ceil(READ_UNIT_BYTES).max(1) as f64;
    if consistent {
        units
    } else {
        units / 2.0
    }
}

/// Units for writing an item: the larger of the old and new item, in 1 KB units, at least one.
pub fn write_units(old_bytes: usize, new_bytes: usize) -> f64 {
    old_bytes.max(new_bytes).div_ceil(WRITE_UNIT_BYTES).max(1) as f64
}

/// How much detail ReturnConsumedCapacity asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    None,
    Total,
    Indexes,
}

impl Detail {
    pub fn parse(s: Option<&str>) -> Detail {
        match s {
            Some("TOTAL") => Detail::Total,
            Some("INDEXES") => Detail::Indexes,
            _ => Detail::None,
        }
    }
}

/// The `ConsumedCapacity` object for one table, or None when not asked for.
pub fn consumed(detail: Detail, table: &str, units: f64) -> Option<Value> {
    match detail {
        Detail::None => None,
        Detail::Total => Some(json!({"TableName": table, "CapacityUnits": units})),
        Detail::Indexes => Some(
            json!({"TableName": table, "CapacityUnits": units, "Table": {"CapacityUnits": units}}),
        ),
    }
}

/// `ConsumedCapacity` for a read or write that touched an index: the total, and with INDEXES
/// the table's and the index's shares under `Table` and `GlobalSecondaryIndexes` /
/// `LocalSecondaryIndexes`.
pub fn consumed_with_index(
    detail: Detail,
    table: &str,
    table_units: f64,
    index: &str,
    kind: crate::index::IndexKind,
    index_units: f64,
) -> Option<Value> {
    match detail {
        Detail::None => None,
        Detail::Total => {
            Some(json!({"TableName": table, "CapacityUnits": table_units + index_units}))
        }
        Detail::Indexes => {
            let key = match kind {
                crate::index::IndexKind::Global => "GlobalSecondaryIndexes",
                crate::index::IndexKind::Local => "LocalSecondaryIndexes",
            };
            let mut v = json!({
                "TableName": table,
                "CapacityUnits": table_units + index_units,
                "Table": {"CapacityUnits": table_units},
            });
            if let Some(obj) = v.as_object_mut() {
                obj.insert(key.into(), json!({ index: {"CapacityUnits": index_units} }));
            }
            Some(v)
        }
    }
}
