//! GetItem: one item by its full primary key.

use serde_json::{Map, Value};

use super::shared;
use crate::capacity::{self, Detail};
use crate::error::Result;
use crate::request::{self, check, field, Field, Req, Rule, Ty};
use crate::throughput::{Charge, Op};
use crate::value::size::item_size;
use crate::value::wire;
use crate::Engine;

const FIELDS: &[Field] = &[
    request::RETURN_CONSUMED_CAPACITY,
    field(
        "AttributesToGet",
        Ty::List(&Ty::String),
        &[Rule::MinLength(1), Rule::MaxLength(255)],
    ),
    field("TableName", Ty::String, request::TABLE_NAME_RULES),
    field("Key", Ty::AttributeMap, &[Rule::NotNull]),
    field("ConsistentRead", Ty::Boolean, &[]),
    field("ProjectionExpression", Ty::String, &[]),
    request::EXPRESSION_ATTRIBUTE_NAMES,
];

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<super::Output> {
    check(request, FIELDS)?;
    let req = Req(request);
    let mut exprs = shared::expressions(&req, &["ProjectionExpression"], &["AttributesToGet"])?;
    let key = shared::item(req.get("Key"))?;
    let attributes_to_get = shared::legacy_attributes_to_get(&req)?;
    shared::attribute_names_and_values(&req, &mut exprs)?;
    let projection = match req.str("ProjectionExpression") {
        Some(text) => Some(exprs.projection(text)?),
        None => attributes_to_get,
    };
    exprs.check_unused()?;

    let table_name = req.str("TableName").unwrap_or_default();
    let table = shared::table(engine, table_name)?;
    let key = table.key_of_request(&key)?;
    let item = table.get(&key);
    let consistent = req.bool("ConsistentRead").unwrap_or(false);
    let size = item.map_or(0, item_size);
    let units = capacity::read_units(size, consistent);
    let charge = Charge::table(
        table,
        Op::Read,
        key.partition.hash,
        Some(key.clone()),
        units,
    );

    // The answer is written as text directly (no `Value` copy of the item): GetItem is the
    // hottest read, and its item is most of its answer. The item's DynamoDB size is close to
    // the length of its text, so one allocation usually holds the whole answer. It is written
    // before `admit`, which needs the engine while `item` still borrows the table.
    let mut out = String::with_capacity(size + 160);
    out.push('{');
    let found = item.is_some();
    if let Some(item) = item {
        out.push_str("\"Item\":");
        match &projection {
            Some(p) => wire::write_item_json(&p.apply(item), &mut out),
            None => wire::write_item_json(item, &mut out),
        }
    }
    shared::admit(engine, &charge)?;
    let consumed = capacity::consumed(
        Detail::parse(req.str("ReturnConsumedCapacity")),
        table_name,
        units,
    );
    if let Some(c) = consumed {
        if found {
            out.push(',');
        }
        out.push_str("\"ConsumedCapacity\":");
        out.push_str(&c.to_string());
    }
    out.push('}');
    Ok(super::Output::Text(out))
}
