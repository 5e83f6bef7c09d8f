//! ListTables: table names in order, paged by Limit and ExclusiveStartTableName.

use serde_json::{json, Map, Value};

use crate::error::Result;
use crate::request::{check, field, Req, Rule, Ty};
use crate::Engine;

const FIELDS: &[crate::request::Field] = &[
    field("Limit", Ty::Integer, &[Rule::Min(1), Rule::Max(100)]),
    field(
        "ExclusiveStartTableName",
        Ty::String,
        &[Rule::NamePattern, Rule::MinLength(3), Rule::MaxLength(255)],
    ),
];

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, FIELDS)?;
    let req = Req(request);
    let limit = req.int("Limit").unwrap_or(100) as usize;
    let start = req.str("ExclusiveStartTableName");
    let names: Vec<&str> = engine
        .tables
        .keys()
        .filter_map(|n| crate::global_tables::listed_name(n))
        .filter(|n| start.is_none_or(|s| *n > s))
        .take(limit + 1)
        .collect();
    let mut out = Map::new();
    let more = names.len() > limit;
    let page: Vec<&str> = names.into_iter().take(limit).collect();
    out.insert("TableNames".into(), json!(page));
    if more {
        if let Some(last) = page.last() {
            out.insert("LastEvaluatedTableName".into(), json!(last));
        }
    }
    Ok(Value::Object(out))
}
