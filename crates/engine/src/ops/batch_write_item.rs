//! BatchWriteItem: up to 25 puts and deletes across tables, each applied as its own write.
//! Every request is validated before any is applied, so a bad request changes nothing.

use serde_json::{json, Map, Value};

use super::batch_get_item::table_name_constraint;
use super::shared;
use crate::capacity::{self, Detail};
use crate::error::{constraint_errors, msg, ApiError, Result};
use crate::request::{self, check, field, Field, Rule, Ty};
use crate::table::PrimaryKey;
use crate::value::size::{item_size, MAX_ITEM_SIZE};
use crate::value::{wire, Item};
use crate::Engine;

const WRITE_REQUEST: Ty = Ty::Struct(
    "WriteRequest",
    &[
        field(
            "DeleteRequest",
            Ty::FieldStruct(
                "DeleteRequest",
                &[field("Key", Ty::AttributeMap, &[Rule::NotNull])],
            ),
            &[],
        ),
        field(
            "PutRequest",
            Ty::FieldStruct(
                "PutRequest",
                &[field("Item", Ty::AttributeMap, &[Rule::NotNull])],
            ),
            &[],
        ),
    ],
);

const FIELDS: &[Field] = &[
    request::RETURN_CONSUMED_CAPACITY,
    field(
        "ReturnItemCollectionMetrics",
        Ty::String,
        &[Rule::Enum(&["SIZE", "NONE"])],
    ),
    field(
        "RequestItems",
        Ty::StructMap("WriteRequest", &Ty::List(&WRITE_REQUEST)),
        &[Rule::NotNull, Rule::MinLength(1)],
    ),
];

pub const MAX_REQUESTS: usize = 25;

/// One table's share of a batch: its name, its keyed writes (None deletes) and their units.
type TablePlan = (String, Vec<(PrimaryKey, Option<Item>)>, f64);

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, FIELDS)?;
    let request_items = request
        .get("RequestItems")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut failures = Vec::new();
    for (name, writes) in &request_items {
        table_name_constraint(name, "requestItems", &mut failures);
        let n = writes.as_array().map_or(0, Vec::len);
        if n == 0 || n > MAX_REQUESTS {
            failures.push(format!(
                "Value '{{{name}=[...]}}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"
            ));
        }
    }
    if let Some(err) = constraint_errors(&failures) {
        return Err(err);
    }

    // Read every request (values, sizes) before looking at tables, as DynamoDB does.
    let mut parsed: Vec<(String, Vec<Option<Item>>, Vec<Item>)> = Vec::new();
    for (name, writes) in &request_items {
        let mut puts_or_deletes = Vec::new();
        let mut keys = Vec::new();
        for w in writes.as_array().map(Vec::as_slice).unwrap_or_default() {
            let put = w.get("PutRequest").filter(|v| !v.is_null());
            let delete = w.get("DeleteRequest").filter(|v| !v.is_null());
            match (put, delete) {
                (Some(p), None) => {
                    let item = wire::item_from_json(p.get("Item").unwrap_or(&Value::Null))?;
                    if item_size(&item) > MAX_ITEM_SIZE {
                        return Err(ApiError::validation(msg::ITEM_TOO_LARGE));
                    }
                    puts_or_deletes.push(Some(item));
                    keys.push(Item::new());
                }
                (None, Some(d)) => {
                    let key = wire::item_from_json(d.get("Key").unwrap_or(&Value::Null))?;
                    puts_or_deletes.push(None);
                    keys.push(key);
                }
                _ => {
                    return Err(ApiError::validation(
                        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
                    ))
                }
            }
        }
        parsed.push((name.clone(), puts_or_deletes, keys));
    }

    // Resolve tables and keys; duplicates within a table are an error.
    let mut plans: Vec<TablePlan> = Vec::new();
    for (name, writes, keys) in parsed {
        let table = shared::table(engine, &name)?;
        let mut planned: Vec<(PrimaryKey, Option<Item>)> = Vec::new();
        let mut units = 0.0;
        for (write, key_item) in writes.into_iter().zip(keys) {
            let key = match &write {
                Some(item) => table.key_of_item(item)?,
                None => table.key_of_request(&key_item)?,
            };
            if planned.iter().any(|(k, _)| *k == key) {
                return Err(ApiError::validation(
                    "Provided list of item keys contains duplicates",
                ));
            }
            let old_size = table.get(&key).map_or(0, item_size);
            units += capacity::write_units(old_size, write.as_ref().map_or(0, item_size));
            planned.push((key, write));
        }
        plans.push((name, planned, units));
    }

    let detail = Detail::parse(
        request
            .get("ReturnConsumedCapacity")
            .and_then(Value::as_str),
    );
    let mut capacities = Vec::new();
    let mut writes = Vec::new();
    for (name, planned, units) in plans {
        if let Some(c) = capacity::consumed(detail, &name, units) {
            capacities.push(c);
        }
        writes.extend(
            planned
                .into_iter()
                .map(|(key, item)| (name.clone(), key, item)),
        );
    }
    shared::commit_writes(engine, writes)?;
    let mut out = Map::new();
    // Nothing is throttled in this engine yet, so every request is processed.
    out.insert("UnprocessedItems".into(), json!({}));
    if detail != Detail::None {
        out.insert("ConsumedCapacity".into(), json!(capacities));
    }
    Ok(Value::Object(out))
}
