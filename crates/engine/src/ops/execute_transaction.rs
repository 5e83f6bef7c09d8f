//! ExecuteTransaction: up to 100 statements run all-or-nothing. Reads each name one item by its
//! key; writes (INSERT, UPDATE, DELETE, EXISTS condition checks) are all planned against the
//! items as they stand and then land through one `commit_writes` batch, or none do and the
//! answer is TransactionCanceledException with one reason per statement.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::partiql_exec::{self as exec, Prepared, WritePlan};
use super::shared;
use crate::capacity::{self, Detail};
use crate::error::{msg, ApiError, ErrorKind, Result};
use crate::partiql::ast::Statement;
use crate::partiql::plan;
use crate::request::{self, check, field, Field, Req, Rule, Ty};
use crate::value::wire;
use crate::Engine;

const STATEMENT: Ty = Ty::Struct(
    "ParameterizedStatement",
    &[
        request::PARTIQL_STATEMENT,
        request::PARTIQL_PARAMETERS,
        shared::RETURN_VALUES_ON_FAILURE,
    ],
);

const FIELDS: &[Field] = &[
    field(
        "TransactStatements",
        Ty::List(&STATEMENT),
        &[Rule::NotNull, Rule::MinLength(1), Rule::MaxLength(100)],
    ),
    field(
        "ClientRequestToken",
        Ty::String,
        &[Rule::MinLength(1), Rule::MaxLength(36)],
    ),
    request::RETURN_CONSUMED_CAPACITY,
];

/// Transactions cost twice the units of the same reads and writes outside one.
const TRANSACTION_FACTOR: f64 = 2.0;

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, FIELDS)?;
    let req = Req(request);
    let detail = Detail::parse(req.str("ReturnConsumedCapacity"));
    let members = req.members("TransactStatements");
    let mut prepared: Vec<Prepared> = Vec::with_capacity(members.len());
    for m in &members {
        prepared.push(exec::prepare(m)?);
    }
    let reads = prepared.iter().filter(|p| p.statement.is_read()).count();
    if reads > 0 && reads < prepared.len() {
        return Err(ApiError::validation(
            "Read and write requests together in the same transaction is not supported.",
        ));
    }
    // First the checks that need no item: reads must name one item by its key alone, and a key
    // that does not fit the schema cancels the transaction with a ValidationError reason.
    let mut reasons: Vec<Value> = vec![json!({ "Code": "None" }); prepared.len()];
    let mut failed = false;
    let mut targets = Vec::with_capacity(prepared.len());
    for (i, p) in prepared.iter().enumerate() {
        if let Statement::Select { index, filter, .. } = &p.statement {
            if index.is_some() {
                return Err(ApiError::validation(
                    "Reads on indices are not supported within transactions.",
                ));
            }
            let table = shared::table(engine, p.statement.table())?;
            let keyed_only =
                plan::key_and_condition(filter.as_ref(), &table.def.key_schema, &p.params)
                    .is_ok_and(|(_, cond)| cond.is_none());
            if !keyed_only {
                return Err(in_statement(
                    i,
                    "Select statements within ExecuteTransaction must specify the primary key in the where clause.",
                ));
            }
        }
        match exec::target(engine, p) {
            Some(t) => targets.push(t),
            None => {
                // Find out why the key could not be read: a bad key is a cancellation reason,
                // anything else rejects the request.
                let err = if p.statement.is_read() {
                    exec::get_one(engine, p).err()
                } else {
                    exec::plan_write(engine, p, false).err()
                };
                let Some(e) = err else { continue };
                if e.kind != ErrorKind::ValidationException {
                    return Err(e);
                }
                let message = e.message.clone().unwrap_or_default();
                if !is_key_error(&message) {
                    return Err(in_statement(i, &message));
                }
                failed = true;
                reasons[i] = json!({ "Code": "ValidationError", "Message": message });
            }
        }
    }
    if failed {
        return Err(cancelled(reasons));
    }
    let mut seen = BTreeSet::new();
    for t in targets {
        if !seen.insert(t) {
            return Err(ApiError::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
    }
    let mut units: BTreeMap<String, f64> = BTreeMap::new();
    if reads > 0 {
        let mut responses = Vec::with_capacity(prepared.len());
        for (i, p) in prepared.iter().enumerate() {
            let (item, bytes) = exec::get_one(engine, p).map_err(|e| annotate(i, e))?;
            *units.entry(p.statement.table().to_string()).or_default() +=
                capacity::read_units(bytes, true) * TRANSACTION_FACTOR;
            responses.push(match item {
                Some(i) => json!({ "Item": wire::item_to_json(&i) }),
                None => json!({}),
            });
        }
        let mut out = Map::new();
        out.insert("Responses".into(), Value::Array(responses));
        put_capacity(&mut out, detail, &units);
        return Ok(Value::Object(out));
    }

    let mut plans: Vec<WritePlan> = Vec::with_capacity(prepared.len());
    for (i, (m, p)) in members.iter().zip(&prepared).enumerate() {
        let all_old = m.str("ReturnValuesOnConditionCheckFailure") == Some("ALL_OLD");
        match exec::plan_write(engine, p, all_old) {
            Ok(plan) => plans.push(plan),
            Err(e)
                if matches!(
                    e.kind,
                    ErrorKind::ConditionalCheckFailedException | ErrorKind::DuplicateItemException
                ) =>
            {
                failed = true;
                let mut reason = Map::new();
                reason.insert("Code".into(), json!(exec::short_code(e.kind)));
                reason.insert(
                    "Message".into(),
                    json!(e.message.clone().unwrap_or_default()),
                );
                if let Some(item) = &e.item {
                    reason.insert("Item".into(), wire::item_to_json(item));
                }
                reasons[i] = Value::Object(reason);
            }
            // Anything else (a bad value, a missing table) rejects the request as a whole.
            Err(e) => return Err(annotate(i, e)),
        }
    }
    if failed {
        return Err(cancelled(reasons));
    }
    let mut writes = Vec::with_capacity(plans.len());
    for plan in plans {
        *units.entry(plan.table.clone()).or_default() += plan.units * TRANSACTION_FACTOR;
        if plan.writes {
            writes.push((plan.table, plan.key, plan.new));
        }
    }
    shared::commit_writes(engine, writes)?;
    let mut out = Map::new();
    put_capacity(&mut out, detail, &units);
    Ok(Value::Object(out))
}

/// DynamoDB names the statement a validation error came from.
fn in_statement(index: usize, message: &str) -> ApiError {
    ApiError::validation(format!(
        "Validation failed in TransactStatements[{index}]: {message}"
    ))
}

fn annotate(index: usize, e: ApiError) -> ApiError {
    if e.kind == ErrorKind::ValidationException {
        in_statement(index, e.message.as_deref().unwrap_or_default())
    } else {
        e
    }
}

/// The key-shape errors that cancel a transaction (reason ValidationError) rather than reject it.
fn is_key_error(message: &str) -> bool {
    message == msg::KEY_SCHEMA_MISMATCH
        || message.starts_with("One or more parameter values were invalid: Type mismatch for key")
        || message.starts_with("One or more parameter values were invalid: Missing the key")
        || message.starts_with(
            "One or more parameter values are not valid. The AttributeValue for a key attribute",
        )
}

fn cancelled(reasons: Vec<Value>) -> ApiError {
    let reasons = reasons
        .iter()
        .map(|r| crate::error::CancellationReason {
            code: r["Code"].as_str().unwrap_or("None").to_string(),
            message: r["Message"].as_str().map(str::to_string),
            item: r
                .get("Item")
                .and_then(|i| crate::value::wire::item_from_json(i).ok()),
        })
        .collect();
    ApiError::transaction_canceled(reasons)
}

fn put_capacity(out: &mut Map<String, Value>, detail: Detail, units: &BTreeMap<String, f64>) {
    let consumed: Vec<Value> = units
        .iter()
        .filter_map(|(t, u)| capacity::consumed(detail, t, *u))
        .collect();
    if !consumed.is_empty() {
        out.insert("ConsumedCapacity".into(), Value::Array(consumed));
    }
}
