//! PutItem: replaces an item whole, optionally under a condition.

use serde_json::{Map, Value};

use super::shared;
use crate::capacity::{self, Detail};
use crate::error::{msg, ApiError, Result};
use crate::request::{self, check, field, Field, Req, Rule, Ty};
use crate::throughput::Charge;
use crate::value::size::{item_size, MAX_ITEM_SIZE};
use crate::Engine;

pub(crate) const FIELDS: &[Field] = &[
    request::RETURN_CONSUMED_CAPACITY,
    request::TABLE_NAME,
    field("Item", Ty::AttributeMap, &[Rule::NotNull]),
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
    let item = shared::item(req.get("Item"))?;
    shared::only_old_return_values(&req)?;
    if item_size(&item) > MAX_ITEM_SIZE {
        return Err(ApiError::validation(msg::ITEM_TOO_LARGE));
    }
    let expected = shared::legacy_expected(&req)?;
    shared::attribute_names_and_values(&req, &mut exprs)?;
    let condition = shared::condition_or_legacy(&req, &mut exprs, expected)?;
    exprs.check_unused()?;

    let table_name = req.str("TableName").unwrap_or_default();
    let table = shared::table(engine, table_name)?;
    let key = table.key_of_item(&item)?;
    // The replaced item is read in place; it is copied only when an answer returns it.
    let current = table.get(&key);
    let passed = condition.as_ref().is_none_or(|c| c.matches(current));
    // A failed condition is still charged (the existing item's size), and throttling comes first.
    let consumed = if passed {
        capacity::write_consumed(table, current, Some(&item))
    } else {
        capacity::failed_write(current)
    };
    let charge = Charge::write(table, &key, current, Some(&item), &consumed);
    let failure = (!passed).then(|| shared::condition_failed(&req, current));
    let old = if req.str("ReturnValues") == Some("ALL_OLD") {
        current.cloned()
    } else {
        None
    };
    shared::admit(engine, &charge)?;
    if let Some(failure) = failure {
        return Err(failure);
    }
    let partition = key.partition.clone();
    shared::commit_writes(engine, vec![(table_name.to_string(), key, Some(item))])?;

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
