//! TransactGetItems: up to 100 Gets (with ProjectionExpression) answered from one consistent
//! view of the tables. The engine runs one request at a time, so every Get sees the same state.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::shared;
use super::transact_write_items::{length_failure, MAX_ACTIONS, MAX_TRANSACTION_BYTES};
use crate::capacity::{self, Detail};
use crate::error::{msg, ApiError, Result};
use crate::expr::Projection;
use crate::request::{self, check_with, field, Field, Req, Rule, Ty};
use crate::table::PrimaryKey;
use crate::value::size::item_size;
use crate::value::{wire, Item};
use crate::Engine;

const GET: Ty = Ty::FieldStruct(
    "Get",
    &[
        field("Key", Ty::AttributeMap, &[Rule::NotNull]),
        request::TABLE_NAME,
        field("ProjectionExpression", Ty::String, &[]),
        request::EXPRESSION_ATTRIBUTE_NAMES,
    ],
);
const TRANSACT_GET_ITEM: Ty = Ty::Struct("TransactGetItem", &[field("Get", GET, &[Rule::NotNull])]);
const FIELDS: &[Field] = &[
    field(
        "TransactItems",
        Ty::List(&TRANSACT_GET_ITEM),
        &[Rule::NotNull],
    ),
    request::RETURN_CONSUMED_CAPACITY,
];

/// One Get as read from the request.
struct Get<'a> {
    table: &'a str,
    key: Item,
    projection: Option<Projection>,
}

/// GetItem's checks for one Get, in its order.
fn read_get(body: &Map<String, Value>) -> Result<Get<'_>> {
    let req = Req(body);
    let mut exprs = shared::expressions(&req, &["ProjectionExpression"], &[])?;
    let key = shared::item(req.get("Key"))?;
    shared::attribute_names_and_values(&req, &mut exprs)?;
    let projection = match req.str("ProjectionExpression") {
        Some(text) => Some(exprs.projection(text)?),
        None => None,
    };
    exprs.check_unused()?;
    Ok(Get {
        table: req.str("TableName").unwrap_or_default(),
        key,
        projection,
    })
}

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check_with(
        request,
        FIELDS,
        length_failure(request.get("TransactItems"), MAX_ACTIONS),
    )?;
    let req = Req(request);
    let entries = req
        .array("TransactItems")
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut gets = Vec::with_capacity(entries.len());
    for entry in entries {
        // `Get` is declared not null, so the constraint pass refused entries without it.
        let body = entry.get("Get").and_then(Value::as_object);
        match body {
            Some(b) => gets.push(read_get(b)?),
            None => {
                return Err(ApiError::validation(
                    "1 validation error detected: Value null at 'transactItems.member.get' failed to satisfy constraint: Member must not be null",
                ))
            }
        }
    }

    let mut seen: BTreeSet<(&str, PrimaryKey)> = BTreeSet::new();
    let mut responses = Vec::with_capacity(gets.len());
    let mut units: Vec<(&str, f64)> = Vec::new();
    // "The aggregate size of the items in the transaction cannot exceed 4 MB" (API reference),
    // counted as the items read, whole. The exception is not documented: TransactionCanceled-
    // Exception's list of causes for TransactGetItems leaves size out, so this answers like the
    // write side, a ValidationException with the same text.
    let mut read_bytes = 0usize;
    for get in &gets {
        let table = shared::table(engine, get.table)?;
        let key = table.key_of_request(&get.key)?;
        let item = table.get(&key);
        if !seen.insert((get.table, key)) {
            return Err(ApiError::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        let size = item.map_or(0, item_size);
        read_bytes = read_bytes.saturating_add(size);
        if read_bytes > MAX_TRANSACTION_BYTES {
            return Err(ApiError::validation(msg::TRANSACTION_TOO_LARGE));
        }
        // Transactional reads cost two strongly consistent reads: 2 units per 4 KB.
        let cost = 2.0 * capacity::read_units(size, true);
        match units.iter_mut().find(|(t, _)| *t == get.table) {
            Some(entry) => entry.1 += cost,
            None => units.push((get.table, cost)),
        }
        let mut response = Map::new();
        if let Some(item) = item {
            let shown = match &get.projection {
                Some(p) => p.apply(item),
                None => item.clone(),
            };
            response.insert("Item".into(), wire::item_to_json(&shown));
        }
        responses.push(Value::Object(response));
    }

    let mut out = Map::new();
    let detail = Detail::parse(req.str("ReturnConsumedCapacity"));
    if detail != Detail::None {
        let list: Vec<Value> = units
            .iter()
            .filter_map(|(t, u)| capacity::consumed(detail, t, *u))
            .collect();
        out.insert("ConsumedCapacity".into(), json!(list));
    }
    out.insert("Responses".into(), Value::Array(responses));
    Ok(Value::Object(out))
}
