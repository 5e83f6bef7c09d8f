//! GetItem: one item by its full primary key.

use serde_json::{Map, Value};

use super::shared;
use crate::capacity::{self, Detail};
use crate::error::Result;
use crate::request::{self, check, field, Field, Req, Rule, Ty};
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

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, FIELDS)?;
    let req = Req(request);
    let mut exprs = shared::expressions(&req, &["ProjectionExpression"], &["AttributesToGet"])?;
    let key = shared::item(req.get("Key"))?;
    shared::reject_legacy(&req, &["AttributesToGet"])?;
    shared::attribute_names_and_values(&req, &mut exprs)?;
    let projection = match req.str("ProjectionExpression") {
        Some(text) => Some(exprs.projection(text)?),
        None => None,
    };
    exprs.check_unused()?;

    let table_name = req.str("TableName").unwrap_or_default();
    let table = shared::table(engine, table_name)?;
    let key = table.key_of_request(&key)?;
    let item = table.get(&key);
    let consistent = req.bool("ConsistentRead").unwrap_or(false);
    let units = capacity::read_units(item.map_or(0, item_size), consistent);

    let mut out = Map::new();
    if let Some(item) = item {
        let shown = match &projection {
            Some(p) => p.apply(item),
            None => item.clone(),
        };
        out.insert("Item".into(), wire::item_to_json(&shown));
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
