//! DescribeTable: a table's definition and live counts.

use serde_json::{json, Map, Value};

use super::describe::table_description;
use crate::error::{ApiError, Result};
use crate::request::{check, Field, Req, REQUIRED_TABLE_NAME};
use crate::Engine;

const FIELDS: &[Field] = &[REQUIRED_TABLE_NAME];

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, FIELDS)?;
    let name = Req(request).str("TableName").unwrap_or_default();
    let table = engine
        .tables
        .get(name)
        .ok_or_else(|| ApiError::table_not_found(name))?;
    Ok(json!({ "Table": table_description(table, engine.now_millis(), None) }))
}
