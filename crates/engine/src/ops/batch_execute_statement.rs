//! BatchExecuteStatement: up to 25 statements, all reads (each naming one item by its key) or
//! all writes. Each statement succeeds or fails on its own and answers in `Responses`, in order.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::partiql_exec::{self as exec, Prepared};
use super::shared;
use crate::capacity::{self, Detail};
use crate::error::{ApiError, Result};
use crate::request::{self, check, field, Field, Req, Rule, Ty};
use crate::value::wire;
use crate::Engine;

const STATEMENT: Ty = Ty::Struct(
    "BatchStatementRequest",
    &[
        request::PARTIQL_STATEMENT,
        request::PARTIQL_PARAMETERS,
        field("ConsistentRead", Ty::Boolean, &[]),
        shared::RETURN_VALUES_ON_FAILURE,
    ],
);

const FIELDS: &[Field] = &[
    field(
        "Statements",
        Ty::List(&STATEMENT),
        &[Rule::NotNull, Rule::MinLength(1), Rule::MaxLength(25)],
    ),
    request::RETURN_CONSUMED_CAPACITY,
];

fn error_entry(e: &ApiError) -> Value {
    let mut err = Map::new();
    err.insert("Code".into(), json!(exec::short_code(e.kind)));
    err.insert(
        "Message".into(),
        json!(e.message.clone().unwrap_or_default()),
    );
    if let Some(item) = &e.item {
        err.insert("Item".into(), wire::item_to_json(item));
    }
    json!({ "Error": Value::Object(err) })
}

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, FIELDS)?;
    let req = Req(request);
    let detail = Detail::parse(req.str("ReturnConsumedCapacity"));
    let members = req.members("Statements");
    // A statement that does not parse fails alone; the rest still run.
    let prepared: Vec<Result<Prepared>> = members.iter().map(exec::prepare).collect();
    let reads = prepared
        .iter()
        .flatten()
        .filter(|p| p.statement.is_read())
        .count();
    let parsed = prepared.iter().flatten().count();
    if reads > 0 && reads < parsed {
        return Err(ApiError::validation(
            "Read and write requests together in the same batch is not supported.",
        ));
    }
    let mut seen = BTreeSet::new();
    for p in prepared.iter().flatten() {
        if let Some(t) = exec::target(engine, p) {
            if !seen.insert(t) {
                return Err(ApiError::validation(
                    "Provided list of item keys contains duplicates",
                ));
            }
        }
    }

    let mut responses = Vec::with_capacity(members.len());
    let mut units: BTreeMap<String, f64> = BTreeMap::new();
    for (member, p) in members.iter().zip(prepared) {
        let p = match p {
            Ok(p) => p,
            Err(e) => {
                responses.push(error_entry(&e));
                continue;
            }
        };
        let table = p.statement.table().to_string();
        if p.statement.is_read() {
            match exec::get_one(engine, &p) {
                Ok((item, bytes)) => {
                    let consistent = member.bool("ConsistentRead").unwrap_or(false);
                    *units.entry(table.clone()).or_default() +=
                        capacity::read_units(bytes, consistent);
                    let mut entry = Map::new();
                    entry.insert("TableName".into(), json!(table));
                    if let Some(i) = item {
                        entry.insert("Item".into(), wire::item_to_json(&i));
                    }
                    responses.push(Value::Object(entry));
                }
                Err(e) => responses.push(error_entry(&e)),
            }
            continue;
        }
        let all_old = member.str("ReturnValuesOnConditionCheckFailure") == Some("ALL_OLD");
        let outcome = exec::plan_write(engine, &p, all_old).and_then(|plan| {
            if plan.writes {
                shared::commit_writes(engine, vec![(plan.table.clone(), plan.key, plan.new)])?;
            }
            Ok(plan.units)
        });
        match outcome {
            Ok(u) => {
                *units.entry(table.clone()).or_default() += u;
                responses.push(json!({ "TableName": table }));
            }
            Err(e) => responses.push(error_entry(&e)),
        }
    }
    let mut out = Map::new();
    out.insert("Responses".into(), Value::Array(responses));
    let consumed: Vec<Value> = units
        .iter()
        .filter_map(|(t, u)| capacity::consumed(detail, t, *u))
        .collect();
    if !consumed.is_empty() {
        out.insert("ConsumedCapacity".into(), Value::Array(consumed));
    }
    Ok(Value::Object(out))
}
