//! ExecuteStatement: one PartiQL statement. A SELECT reads one page (Limit, NextToken); INSERT,
//! UPDATE and DELETE write one item, committed before the answer.

use serde_json::{Map, Value};

use super::partiql_exec::{self as exec, ReadOptions};
use super::shared;
use crate::capacity::{self, Detail};
use crate::error::Result;
use crate::partiql::ast::Statement;
use crate::partiql::validation;
use crate::request::{self, check, field, Field, Req, Rule, Ty};
use crate::Engine;

const FIELDS: &[Field] = &[
    request::PARTIQL_STATEMENT,
    request::PARTIQL_PARAMETERS,
    field("ConsistentRead", Ty::Boolean, &[]),
    field(
        "NextToken",
        Ty::String,
        &[Rule::MinLength(1), Rule::MaxLength(32768)],
    ),
    request::RETURN_CONSUMED_CAPACITY,
    field("Limit", Ty::Integer, &[Rule::Min(1)]),
    shared::RETURN_VALUES_ON_FAILURE,
];

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, FIELDS)?;
    let req = Req(request);
    let prepared = exec::prepare(&req)?;
    let detail = Detail::parse(req.str("ReturnConsumedCapacity"));
    if matches!(prepared.statement, Statement::Exists(_)) {
        return Err(validation(
            "EXISTS can only be used in ExecuteTransaction write requests.",
        ));
    }
    if prepared.statement.is_read() {
        let opts = ReadOptions {
            limit: req.int("Limit").map(|l| l.max(1) as usize),
            consistent: req.bool("ConsistentRead").unwrap_or(false),
            next_token: req.str("NextToken"),
            detail,
        };
        return exec::select(engine, &prepared, &opts);
    }
    let all_old = req.str("ReturnValuesOnConditionCheckFailure") == Some("ALL_OLD");
    let plan = exec::plan_write(engine, &prepared, all_old)?;
    if plan.writes {
        shared::commit_writes(engine, vec![(plan.table.clone(), plan.key, plan.new)])?;
    }
    let mut out = exec::write_response(plan.returned);
    if let Some(c) = capacity::consumed(detail, &plan.table, plan.units) {
        out.insert("ConsumedCapacity".into(), c);
    }
    Ok(Value::Object(out))
}
