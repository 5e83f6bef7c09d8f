//! DeleteItem: removes one item by key, optionally under a condition.

use serde_json::{Map, Value};

use super::shared;
use crate::capacity::{self, Detail};
use crate::error::Result;
use crate::request::{self, check, field, Field, Req, Rule, Ty};
use crate::throughput::Charge;
use crate::Engine;

const FIELDS: &[Field] = &[
    request::RETURN_CONSUMED_CAPACITY,
    request::TABLE_NAME,
    field("Key", Ty::AttributeMap, &[Rule::NotNull]),
    request::CONDITIONAL_OPERATOR,
    request::EXPECTED,
    request::RETURN_VALUES,
    request::RETURN_ITEM_COLLECTION_METRICS,
    field("ConditionExpression", Ty::String, &[]),
    request::EXPRESSION_ATTRIBUTE_VALUES,
    request::EXPRESSION_ATTRIBUTE_NAMES,
    shared::RETURN_VALUES_ON_FAILURE,
];

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, FIELDS)?;
    let req = Req(request);
    let mut exprs = shared::expressions(
        &req,
        &["ConditionExpression"],
        &["Expected", "ConditionalOperator"],
    )?;
    shared::conditional_operator(&req, "Expected")?;
    let key = shared::item(req.get("Key"))?;
    shared::only_old_return_values(&req)?;
    let expected = shared::legacy_expected(&req)?;
    shared::attribute_names_and_values(&req, &mut exprs)?;
    let condition = shared::condition_or_legacy(&req, &mut exprs, expected)?;
    exprs.check_unused()?;

    let table_name = req.str("TableName").unwrap_or_default();
    let table = shared::table(engine, table_name)?;
    let key = table.key_of_request(&key)?;
    let old = table.get(&key).cloned();
    let passed = condition.as_ref().is_none_or(|c| c.matches(old.as_ref()));
    // Deleting a missing item still costs one unit; a failed condition is charged too.
    let consumed = if passed {
        capacity::write_consumed(table, old.as_ref(), None)
    } else {
        capacity::failed_write(old.as_ref())
    };
    let charge = Charge::write(table, &key, old.as_ref(), None, &consumed);
    shared::admit(engine, &charge)?;
    if !passed {
        return Err(shared::condition_failed(&req, old.as_ref()));
    }
    let partition = key.partition.clone();
    if old.is_some() {
        shared::commit_writes(engine, vec![(table_name.to_string(), key, None)])?;
    }
    let mut out = Map::new();
    if req.str("ReturnValues") == Some("ALL_OLD") {
        shared::put_attributes(&mut out, old);
    }
    if let Some(c) = consumed.to_json(Detail::parse(req.str("ReturnConsumedCapacity")), table_name)
    {
        out.insert("ConsumedCapacity".into(), c);
    }
    shared::put_collection_metrics(engine, &req, &mut out, table_name, &partition);
    Ok(Value::Object(out))
}
