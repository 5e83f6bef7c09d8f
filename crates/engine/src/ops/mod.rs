//! The operations, one module each, and the table that routes an operation name to its module.
//! Each module reads its request (types, constraints, then its own checks in DynamoDB's order)
//! and only then touches data.

mod account;
mod backups;
mod batch_execute_statement;
mod batch_get_item;
mod batch_write_item;
mod continuous_backups;
mod create_table;
mod delete_item;
mod delete_table;
mod describe;
mod describe_table;
mod execute_statement;
mod execute_transaction;
mod get_item;
mod idempotency;
mod index_spec;
mod list_tables;
mod partiql_exec;
mod put_item;
mod query;
mod query_index;
mod read_page;
mod scan;
mod shapes;
mod shared;
mod table_settings;
mod tags;
mod time_to_live;
mod transact_get_items;
mod transact_write_items;
mod update_item;
mod update_table;

use serde_json::{Map, Value};

use crate::error::{ApiError, Result};
use crate::Engine;

pub(crate) use describe::table_description;
pub(crate) use get_item::{run_plain as run_plain_get_item, Plain as PlainGetItem};
pub(crate) use idempotency::ClientTokens;
#[cfg(test)]
pub(crate) use shared::collection_metrics;
pub(crate) use shared::{check_not_changing, commit_writes_as, Write};
pub(crate) use table_settings::new_stream;

/// An operation's answer: usually JSON, or JSON text already written (the hot read paths write
/// items straight to text rather than copy them into a `Value` first).
pub(crate) enum Output {
    Json(Value),
    Text(String),
}

pub(crate) fn run(
    engine: &mut Engine,
    operation: &str,
    request: &Map<String, Value>,
) -> Result<Output> {
    if operation == "GetItem" {
        return get_item::run(engine, request);
    }
    run_json(engine, operation, request).map(Output::Json)
}

fn run_json(engine: &mut Engine, operation: &str, request: &Map<String, Value>) -> Result<Value> {
    match operation {
        "CreateTable" => create_table::run(engine, request),
        "DescribeTable" => describe_table::run(engine, request),
        "ListTables" => list_tables::run(engine, request),
        "DeleteTable" => delete_table::run(engine, request),
        "UpdateTable" => update_table::run(engine, request),
        "TagResource" => tags::tag(engine, request),
        "UntagResource" => tags::untag(engine, request),
        "ListTagsOfResource" => tags::list(engine, request),
        "DescribeLimits" => account::describe_limits(engine, request),
        "DescribeEndpoints" => account::describe_endpoints(engine, request),
        "PutItem" => put_item::run(engine, request),
        "UpdateItem" => update_item::run(engine, request),
        "DeleteItem" => delete_item::run(engine, request),
        "Query" => query::run(engine, request),
        "Scan" => scan::run(engine, request),
        "BatchGetItem" => batch_get_item::run(engine, request),
        "BatchWriteItem" => batch_write_item::run(engine, request),
        "CreateBackup" => backups::create(engine, request),
        "DescribeBackup" => backups::describe(engine, request),
        "ListBackups" => backups::list(engine, request),
        "DeleteBackup" => backups::delete(engine, request),
        "RestoreTableFromBackup" => backups::restore(engine, request),
        "UpdateContinuousBackups" => continuous_backups::update(engine, request),
        "DescribeContinuousBackups" => continuous_backups::describe(engine, request),
        "RestoreTableToPointInTime" => continuous_backups::restore(engine, request),
        "TransactWriteItems" => transact_write_items::run(engine, request),
        "TransactGetItems" => transact_get_items::run(engine, request),
        "UpdateTimeToLive" => time_to_live::update(engine, request),
        "DescribeTimeToLive" => time_to_live::describe(engine, request),
        "ExecuteStatement" => execute_statement::run(engine, request),
        "BatchExecuteStatement" => batch_execute_statement::run(engine, request),
        "ExecuteTransaction" => execute_transaction::run(engine, request),
        _ => Err(ApiError::unknown_operation()),
    }
}
