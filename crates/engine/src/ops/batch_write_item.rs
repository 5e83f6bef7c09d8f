//! BatchWriteItem: up to 25 puts and deletes across tables, each applied as its own write.
//! Every request is validated before any is applied, so a bad request changes nothing.

use serde_json::{json, Map, Value};

use super::batch_get_item::table_name_constraint;
use super::shared;
use crate::capacity::{self, Consumed, Detail};
use crate::error::{constraint_errors, msg, ApiError, Result};
use crate::request::{self, check, field, Field, Rule, Ty};
use crate::table::PrimaryKey;
use crate::throughput::Charge;
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
    request::RETURN_ITEM_COLLECTION_METRICS,
    field(
        "RequestItems",
        Ty::StructMap("WriteRequest", &Ty::List(&WRITE_REQUEST)),
        &[Rule::NotNull, Rule::MinLength(1)],
    ),
];

pub const MAX_REQUESTS: usize = 25;

/// One table's requests as read: name, puts (None for deletes), delete keys, requests as sent.
type ParsedTable = (String, Vec<Option<Item>>, Vec<Item>, Vec<Value>);

/// One planned write: its key, the new item (None deletes), its charge, and the request as sent
/// (handed back under UnprocessedItems if throttled).
type PlannedWrite = (PrimaryKey, Option<Item>, Charge, Value);
/// One table's share of a batch: its name, its writes and what each consumes.
type TablePlan = (String, Vec<(PlannedWrite, Consumed)>);

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
    let mut parsed: Vec<ParsedTable> = Vec::new();
    for (name, writes) in &request_items {
        let mut puts_or_deletes = Vec::new();
        let mut keys = Vec::new();
        let mut raw = Vec::new();
        for w in writes.as_array().map(Vec::as_slice).unwrap_or_default() {
            let put = w.get("PutRequest").filter(|v| !v.is_null());
            let delete = w.get("DeleteRequest").filter(|v| !v.is_null());
            raw.push(w.clone());
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
        parsed.push((name.clone(), puts_or_deletes, keys, raw));
    }

    // Resolve tables and keys; duplicates within a table are an error.
    let mut plans: Vec<TablePlan> = Vec::new();
    for (name, writes, keys, raw) in parsed {
        let table = shared::table(engine, &name)?;
        let mut planned: Vec<(PlannedWrite, Consumed)> = Vec::new();
        for ((write, key_item), sent) in writes.into_iter().zip(keys).zip(raw) {
            let key = match &write {
                Some(item) => table.key_of_item(item)?,
                None => table.key_of_request(&key_item)?,
            };
            if planned.iter().any(|((k, ..), _)| *k == key) {
                return Err(ApiError::validation(
                    "Provided list of item keys contains duplicates",
                ));
            }
            let old = table.get(&key);
            let consumed = capacity::write_consumed(table, old, write.as_ref());
            let charge = Charge::write(table, &key, old, write.as_ref(), &consumed);
            planned.push(((key, write, charge, sent), consumed));
        }
        plans.push((name, planned));
    }

    let detail = Detail::parse(
        request
            .get("ReturnConsumedCapacity")
            .and_then(Value::as_str),
    );
    // Each write draws on its table's throughput on its own: a throttled one is handed back
    // under UnprocessedItems; only when every one is throttled does the whole call fail.
    let mut capacities = Vec::new();
    let mut writes = Vec::new();
    let mut unprocessed = Map::new();
    let mut throttled: Option<ApiError> = None;
    for (name, planned) in plans {
        let mut total = Consumed::default();
        for ((key, item, charge, sent), consumed) in planned {
            match shared::admit(engine, &charge) {
                Ok(()) => {
                    total.add(&consumed);
                    writes.push((name.clone(), key, item));
                }
                Err(e) => {
                    if let Some(list) = unprocessed
                        .entry(name.clone())
                        .or_insert_with(|| Value::Array(Vec::new()))
                        .as_array_mut()
                    {
                        list.push(sent);
                    }
                    throttled = Some(e);
                }
            }
        }
        if let Some(c) = total.to_json(detail, &name) {
            capacities.push(c);
        }
    }
    if writes.is_empty() {
        if let Some(e) = throttled {
            return Err(e);
        }
    }
    let written: Vec<_> = writes
        .iter()
        .map(|(name, key, _)| (name.clone(), key.partition.clone()))
        .collect();
    shared::commit_writes(engine, writes)?;
    let mut out = Map::new();
    out.insert("UnprocessedItems".into(), Value::Object(unprocessed));
    if detail != Detail::None {
        out.insert("ConsumedCapacity".into(), json!(capacities));
    }
    if request
        .get("ReturnItemCollectionMetrics")
        .and_then(Value::as_str)
        == Some("SIZE")
    {
        let metrics = shared::collection_metrics_by_table(engine, &written);
        if !metrics.is_empty() {
            out.insert("ItemCollectionMetrics".into(), Value::Object(metrics));
        }
    }
    Ok(Value::Object(out))
}
