//! DeleteTable: removes a table and its items; answers with the table as DELETING.

use serde_json::{json, Map, Value};

use super::describe::table_description;
use crate::error::{ApiError, Result};
use crate::request::{check, field, Req, Rule, Ty};
use crate::storage::Mutation;
use crate::Engine;

const FIELDS: &[crate::request::Field] = &[field(
    "TableName",
    Ty::String,
    &[Rule::Required, Rule::TableNameLength, Rule::NamePattern],
)];

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, FIELDS)?;
    let name = Req(request).str("TableName").unwrap_or_default();
    let table = engine
        .tables
        .get(name)
        .ok_or_else(|| ApiError::table_not_found(name))?;
    if table.def.deletion_protection {
        return Err(ApiError::validation(
            "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
        ));
    }
    let description = table_description(table, "DELETING");
    engine
        .storage
        .commit(&[Mutation::DeleteTable {
            table: name.to_string(),
        }])
        .map_err(|e| ApiError::internal(format!("The table could not be deleted durably: {e}")))?;
    engine.tables.remove(name);
    Ok(json!({ "TableDescription": description }))
}
