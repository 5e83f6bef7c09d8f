//! BatchGetItem: up to 100 keys across tables; what does not fit in the 16 MB response comes back
//! as UnprocessedKeys.

use serde_json::{json, Map, Value};

use super::shared;
use crate::capacity::{self, Detail};
use crate::error::{constraint_errors, ApiError, Result};
use crate::expr::Projection;
use crate::request::{self, check, field, Field, Req, Rule, Ty};
use crate::throughput::{Charge, Op};
use crate::value::size::item_size;
use crate::value::wire;
use crate::Engine;

const KEYS_AND_ATTRIBUTES: Ty = Ty::Struct(
    "KeysAndAttributes",
    &[
        field(
            "Keys",
            Ty::List(&Ty::AttributeMap),
            &[Rule::NotNull, Rule::MinLength(1), Rule::MaxLength(100)],
        ),
        field(
            "AttributesToGet",
            Ty::List(&Ty::String),
            &[Rule::MinLength(1), Rule::MaxLength(255)],
        ),
        field("ConsistentRead", Ty::Boolean, &[]),
        field("ProjectionExpression", Ty::String, &[]),
        request::EXPRESSION_ATTRIBUTE_NAMES,
    ],
);

const FIELDS: &[Field] = &[
    request::RETURN_CONSUMED_CAPACITY,
    field(
        "RequestItems",
        Ty::StructMap("KeysAndAttributes", &KEYS_AND_ATTRIBUTES),
        &[Rule::NotNull, Rule::MinLength(1)],
    ),
];

/// DynamoDB's cap on the size of one BatchGetItem response.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
pub const MAX_KEYS: usize = 100;

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, FIELDS)?;
    let req = Req(request);
    let request_items = req.object("RequestItems").cloned().unwrap_or_default();
    let mut failures = Vec::new();
    for name in request_items.keys() {
        table_name_constraint(name, "requestItems", &mut failures);
    }
    if let Some(err) = constraint_errors(&failures) {
        return Err(err);
    }

    struct TableRead {
        name: String,
        keys: Vec<crate::value::Item>,
        projection: Option<Projection>,
        consistent: bool,
        spec: Map<String, Value>,
    }
    let mut reads = Vec::new();
    let mut total_keys = 0;
    for (name, spec) in &request_items {
        let spec = spec.as_object().cloned().unwrap_or_default();
        let treq = Req(&spec);
        let mut exprs =
            shared::expressions(&treq, &["ProjectionExpression"], &["AttributesToGet"])?;
        let attributes_to_get = shared::legacy_attributes_to_get(&treq)?;
        shared::attribute_names_and_values(&treq, &mut exprs)?;
        let projection = match treq.str("ProjectionExpression") {
            Some(text) => Some(exprs.projection(text)?),
            None => attributes_to_get,
        };
        exprs.check_unused()?;
        let mut keys: Vec<crate::value::Item> = Vec::new();
        for k in treq.array("Keys").map(Vec::as_slice).unwrap_or_default() {
            let key = wire::item_from_json(k)?;
            if keys.contains(&key) {
                return Err(ApiError::validation(
                    "Provided list of item keys contains duplicates",
                ));
            }
            keys.push(key);
            total_keys += 1;
            if total_keys > MAX_KEYS {
                return Err(ApiError::validation(
                    "Too many items requested for the BatchGetItem call",
                ));
            }
        }
        reads.push(TableRead {
            name: name.clone(),
            keys,
            projection,
            consistent: treq.bool("ConsistentRead").unwrap_or(false),
            spec: spec.clone(),
        });
    }

    // Check every table and key before reading anything.
    let mut resolved = Vec::new();
    for read in &reads {
        let table = shared::table(engine, &read.name)?;
        let keys = read
            .keys
            .iter()
            .map(|k| table.key_of_request(k))
            .collect::<Result<Vec<_>>>()?;
        resolved.push(keys);
    }

    let detail = Detail::parse(req.str("ReturnConsumedCapacity"));
    let mut responses = Map::new();
    let mut unprocessed = Map::new();
    let mut capacities = Vec::new();
    let mut response_bytes = 0usize;
    let mut throttled: Option<crate::error::ApiError> = None;
    let mut served = 0usize;
    for (read, keys) in reads.iter().zip(resolved) {
        // Read first (reading changes nothing), then charge each key on its own: a throttled
        // key is handed back under UnprocessedKeys.
        let mut looked_up = Vec::new();
        {
            let table = shared::table(engine, &read.name)?;
            for (key, key_item) in keys.iter().zip(&read.keys) {
                let item = table.get(key);
                let size = item.map_or(0, item_size);
                // Batch reads are rounded per item, not over the batch.
                let item_units = capacity::read_units(size, read.consistent);
                let shown = item.map(|item| match &read.projection {
                    Some(p) => wire::item_to_json(&p.apply(item)),
                    None => wire::item_to_json(item),
                });
                let charge = Charge::table(
                    table,
                    Op::Read,
                    key.partition.hash,
                    Some(key.clone()),
                    item_units,
                );
                looked_up.push((key_item, size, item_units, shown, charge));
            }
        }
        let mut found = Vec::new();
        let mut left = Vec::new();
        let mut units = 0.0;
        for (key_item, size, item_units, shown, charge) in looked_up {
            if response_bytes + size > MAX_RESPONSE_BYTES {
                left.push(wire::item_to_json(key_item));
                continue;
            }
            if let Err(e) = shared::admit(engine, &charge) {
                left.push(wire::item_to_json(key_item));
                throttled = Some(e);
                continue;
            }
            served += 1;
            response_bytes += size;
            units += item_units;
            if let Some(shown) = shown {
                found.push(shown);
            }
        }
        responses.insert(read.name.clone(), Value::Array(found));
        if !left.is_empty() {
            let mut spec = read.spec.clone();
            spec.insert("Keys".into(), Value::Array(left));
            unprocessed.insert(read.name.clone(), Value::Object(spec));
        }
        if let Some(c) = capacity::consumed(detail, &read.name, units) {
            capacities.push(c);
        }
    }
    // Only when every key was throttled does the whole call fail.
    if served == 0 {
        if let Some(e) = throttled {
            return Err(e);
        }
    }
    let mut out = Map::new();
    out.insert("Responses".into(), Value::Object(responses));
    out.insert("UnprocessedKeys".into(), Value::Object(unprocessed));
    if detail != Detail::None {
        out.insert("ConsumedCapacity".into(), json!(capacities));
    }
    Ok(Value::Object(out))
}

/// The constraints on a table name used as a map key (RequestItems).
pub(super) fn table_name_constraint(name: &str, path: &str, failures: &mut Vec<String>) {
    // A replica's internal name (`T@R`, in a request for region R) is checked as the user's `T`.
    let user_name = crate::global_tables::unscoped(name);
    let len = user_name.chars().count();
    let pattern_ok = !user_name.is_empty()
        && user_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
    if !(3..=255).contains(&len) || !pattern_ok {
        failures.push(format!(
            "Value '{name}' at '{path}' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]"
        ));
    }
}
