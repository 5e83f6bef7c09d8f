//! UpdateItem: edits attributes of one item (creating it if needed), optionally under a condition.

use serde_json::{Map, Value};

use super::shared;
use crate::capacity::{self, Detail};
use crate::error::{ApiError, Result};
use crate::expr::path::Step;
use crate::expr::{legacy, UpdatePlan};
use crate::request::{self, check, field, Field, Req, Rule, Ty};
use crate::table::Table;
use crate::throughput::Charge;
use crate::value::size::{item_size, MAX_ITEM_SIZE};
use crate::Engine;

const FIELDS: &[Field] = &[
    request::RETURN_CONSUMED_CAPACITY,
    request::TABLE_NAME,
    field("Key", Ty::AttributeMap, &[Rule::NotNull]),
    request::ATTRIBUTE_UPDATES,
    request::CONDITIONAL_OPERATOR,
    request::EXPECTED,
    request::RETURN_VALUES,
    request::RETURN_ITEM_COLLECTION_METRICS,
    field("UpdateExpression", Ty::String, &[]),
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
        &["UpdateExpression", "ConditionExpression"],
        &["AttributeUpdates", "Expected", "ConditionalOperator"],
    )?;
    shared::conditional_operator(&req, "Expected")?;
    let key_item = shared::item(req.get("Key"))?;
    let updates = match req.object("AttributeUpdates") {
        Some(u) => Some(legacy::attribute_updates(u)?),
        None => None,
    };
    let expected = shared::legacy_expected(&req)?;
    shared::attribute_names_and_values(&req, &mut exprs)?;
    let plan = match req.str("UpdateExpression") {
        Some(text) => Some(exprs.update(text)?),
        None => updates,
    };
    let condition = shared::condition_or_legacy(&req, &mut exprs, expected)?;
    exprs.check_unused()?;

    let table_name = req.str("TableName").unwrap_or_default();
    let table = shared::table(engine, table_name)?;
    let key = table.key_of_request(&key_item)?;
    if let Some(plan) = &plan {
        check_key_untouched(table, plan)?;
    }
    let old = table.get(&key).cloned();
    if let Some(c) = &condition {
        if !c.matches(old.as_ref()) {
            // Still charged (the existing item's size), unless throttled first.
            let consumed = capacity::failed_write(old.as_ref());
            shared::admit(
                engine,
                &Charge::write(table, &key, old.as_ref(), None, &consumed),
            )?;
            return Err(shared::condition_failed(&req, old.as_ref()));
        }
    }
    let base = old.clone().unwrap_or_else(|| key_item.clone());
    let new = match &plan {
        Some(p) => p.apply(Some(&base))?,
        None => base,
    };
    table.check_index_keys(&new)?;
    let new_size = item_size(&new);
    if new_size > MAX_ITEM_SIZE {
        return Err(ApiError::validation(
            "Item size to update has exceeded the maximum allowed size",
        ));
    }
    let consumed = capacity::write_consumed(table, old.as_ref(), Some(&new));
    let charge = Charge::write(table, &key, old.as_ref(), Some(&new), &consumed);

    let mut out = Map::new();
    let attributes = match req.str("ReturnValues") {
        Some("ALL_OLD") => old.clone(),
        Some("ALL_NEW") => Some(new.clone()),
        Some("UPDATED_OLD") => match (&plan, &old) {
            (Some(p), Some(o)) => Some(p.updated().apply(o)),
            _ => None,
        },
        Some("UPDATED_NEW") => plan.as_ref().map(|p| p.updated().apply(&new)),
        _ => None,
    };
    // An update that changes nothing still writes (and is charged) in DynamoDB.
    shared::admit(engine, &charge)?;
    let partition = key.partition.clone();
    shared::commit_writes(engine, vec![(table_name.to_string(), key, Some(new))])?;
    shared::put_attributes(&mut out, attributes);
    if let Some(c) = consumed.to_json(Detail::parse(req.str("ReturnConsumedCapacity")), table_name)
    {
        out.insert("ConsumedCapacity".into(), c);
    }
    shared::put_collection_metrics(engine, &req, &mut out, table_name, &partition);
    Ok(Value::Object(out))
}

/// Key attributes can't be touched by an update at all, whatever the value (UpdateItem and a
/// transaction's Update share this rule).
pub(crate) fn check_key_untouched(table: &Table, plan: &UpdatePlan) -> Result<()> {
    for action in plan.actions() {
        let path = action.path();
        let Some(Step::Key(head)) = path.0.first() else {
            continue;
        };
        if table.def.key_schema.is_key(head) {
            return Err(ApiError::validation(if path.0.len() > 1 {
                format!(
                    "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: {head}"
                )
            } else {
                format!(
                    "One or more parameter values were invalid: Cannot update attribute {head}. This attribute is part of the key"
                )
            }));
        }
    }
    Ok(())
}
