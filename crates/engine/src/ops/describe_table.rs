//! DescribeTable: a table's definition and live counts.

use serde_json::{json, Map, Value};

use super::describe::table_description;
use super::shared;
use crate::error::Result;
use crate::request::{check, Field, Req, REQUIRED_TABLE_NAME};
use crate::Engine;

const FIELDS: &[Field] = &[REQUIRED_TABLE_NAME];

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, FIELDS)?;
    let name = Req(request).str("TableName").unwrap_or_default();
    let table = shared::named_table(engine, name)?;
    Ok(json!({ "Table": table_description(table, engine.now_millis(), None) }))
}
