//! DeleteItem: removes one item by key, optionally under a condition.

use serde_json::{Map, Value};

use super::shared;
use crate::capacity::{self, Detail};
use crate::error::{ApiError, Result};
use crate::request::{self, check, field, Field, Req, Rule, Ty};
use crate::value::size::item_size;
use crate::Engine;

const FIELDS: &[Field] = &[
    request::RETURN_CONSUMED_CAPACITY,
    field("TableName", Ty::String, request::TABLE_NAME_RULES),
    field("Key", Ty::AttributeMap, &[Rule::NotNull]),
    field(
        "ConditionalOperator",
        Ty::String,
        &[Rule::Enum(&["OR", "AND"])],
    ),
    field(
        "Expected",
        Ty::StructMap(
            "ExpectedAttributeValue",
            &Ty::Struct("ExpectedAttributeValue", &[]),
        ),
        &[],
    ),
    field(
        "ReturnValues",
        Ty::String,
        &[Rule::Enum(&[
            "ALL_NEW",
            "UPDATED_OLD",
            "ALL_OLD",
            "NONE",
            "UPDATED_NEW",
        ])],
    ),
    field(
        "ReturnItemCollectionMetrics",
        Ty::String,
        &[Rule::Enum(&["SIZE", "NONE"])],
    ),
    field("ConditionExpression", Ty::String, &[]),
    request::EXPRESSION_ATTRIBUTE_VALUES,
    request::EXPRESSION_ATTRIBUTE_NAMES,
    shared::RETURN_VALUES_ON_FAILURE,
];

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, FIELDS)?;
    let req = Req(request);
    let mut exprs = shared::expressions(&req, &["ConditionExpression"], &["Expected"])?;
    let key = shared::item(req.get("Key"))?;
    if !matches!(
        req.str("ReturnValues"),
        None | Some("ALL_OLD") | Some("NONE")
    ) {
        return Err(ApiError::validation(
            "ReturnValues can only be ALL_OLD or NONE",
        ));
    }
    shared::reject_legacy(&req, &["Expected", "ConditionalOperator"])?;
    shared::attribute_names_and_values(&req, &mut exprs)?;
    let condition = match req.str("ConditionExpression") {
        Some(text) => Some(exprs.condition(text, "ConditionExpression")?),
        None => None,
    };
    exprs.check_unused()?;

    let table_name = req.str("TableName").unwrap_or_default();
    let table = shared::table(engine, table_name)?;
    let key = table.key_of_request(&key)?;
    let old = table.get(&key).cloned();
    if let Some(c) = &condition {
        if !c.matches(old.as_ref()) {
            return Err(shared::condition_failed(&req, old.as_ref()));
        }
    }
    let units = capacity::write_units(old.as_ref().map_or(0, item_size), 0);
    if old.is_some() {
        shared::commit_writes(engine, vec![(table_name.to_string(), key, None)])?;
    }
    let mut out = Map::new();
    if req.str("ReturnValues") == Some("ALL_OLD") {
        shared::put_attributes(&mut out, old);
    }
    if let Some(c) = capacity::consumed(
        Detail::parse(req.str("ReturnConsumedCapacity")),
        table_name,
        units,
    ) {
        out.insert("ConsumedCapacity".into(), c);
    }
    Ok(Value::Object(out))
}
