//! Pieces several operations share: finding tables, reading expression parameters, committing
//! writes to storage, and shaping ReturnValues.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use crate::error::{ApiError, Result};
use crate::expr::{legacy, substitution_limits, Condition, Expressions, Projection};
use crate::request::Req;
use crate::storage::Mutation;
use crate::table::{PartitionKey, PrimaryKey, Table};
use crate::value::{wire, Item};
use crate::Engine;

/// The table an item operation addresses; one still being created is not found yet.
pub fn table<'a>(engine: &'a Engine, name: &str) -> Result<&'a Table> {
    let table = engine
        .tables
        .get(name)
        .ok_or_else(ApiError::resource_not_found)?;
    if table.def.settings.status(engine.now_millis()) == "CREATING" {
        return Err(ApiError::resource_not_found());
    }
    Ok(table)
}

/// The table `name` in whatever status it is (the table-level operations see CREATING tables too),
/// or ResourceNotFound naming it.
pub fn named_table<'a>(engine: &'a Engine, name: &str) -> Result<&'a Table> {
    engine
        .tables
        .get(name)
        .ok_or_else(|| ApiError::table_not_found(name))
}

/// Table-level changes (UpdateTable, DeleteTable) wait for the previous change to finish.
pub fn check_not_changing(table: &Table, now: i64) -> Result<()> {
    let what = match table.def.settings.status(now) {
        "CREATING" => "created",
        "UPDATING" => "updated",
        "DELETING" => "deleted",
        _ => return Ok(()),
    };
    Err(ApiError::resource_in_use(format!(
        "Attempt to change a resource which is still in use: Table is being {what}: {}",
        table.def.name
    )))
}

/// DynamoDB's rules for mixing expression and legacy parameters, then the checks on
/// ExpressionAttributeNames/Values themselves. `expressions` are the request's expression
/// members, `legacy` its legacy members, in the order DynamoDB lists them in messages.
pub fn expressions(req: &Req, expressions: &[&str], legacy: &[&str]) -> Result<Expressions> {
    let used: Vec<&str> = expressions.iter().copied().filter(|e| req.has(e)).collect();
    if !used.is_empty() {
        let mixed: Vec<&str> = legacy.iter().copied().filter(|e| req.has(e)).collect();
        if !mixed.is_empty() {
            return Err(ApiError::validation(format!(
                "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
                mixed.join(", "),
                used.join(", ")
            )));
        }
    }
    if req.has("ExpressionAttributeNames") && used.is_empty() {
        return Err(ApiError::validation(
            "ExpressionAttributeNames can only be specified when using expressions",
        ));
    }
    let value_exprs: Vec<&str> = expressions
        .iter()
        .copied()
        .filter(|e| *e != "ProjectionExpression")
        .collect();
    if !value_exprs.is_empty()
        && req.has("ExpressionAttributeValues")
        && value_exprs.iter().all(|e| !req.has(e))
    {
        return Err(ApiError::validation(format!(
            "ExpressionAttributeValues can only be specified when using expressions: {} {} null",
            value_exprs.join(" and "),
            if value_exprs.len() > 1 { "are" } else { "is" }
        )));
    }
    Ok(Expressions::new(None, None))
}

/// Reads ExpressionAttributeNames/Values after the per-operation value checks, as DynamoDB does
/// just before parsing expressions: each map's keys (length, then syntax), the values, then the
/// maps' 2 MB limit (`expr::substitution_limits`).
pub fn attribute_names_and_values(req: &Req, exprs: &mut Expressions) -> Result<()> {
    if let Some(names) = req.object("ExpressionAttributeNames") {
        if names.is_empty() {
            return Err(ApiError::validation(
                "ExpressionAttributeNames must not be empty",
            ));
        }
        let mut out = BTreeMap::new();
        for (k, v) in names {
            substitution_limits::check_placeholder("ExpressionAttributeNames", k)?;
            if !placeholder_ok(k, '#') {
                return Err(ApiError::validation(format!(
                    "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{k}\""
                )));
            }
            out.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
        }
        exprs.names = Some(out);
    }
    if let Some(values) = req.object("ExpressionAttributeValues") {
        if values.is_empty() {
            return Err(ApiError::validation(
                "ExpressionAttributeValues must not be empty",
            ));
        }
        for k in values.keys() {
            substitution_limits::check_placeholder("ExpressionAttributeValues", k)?;
            if !placeholder_ok(k, ':') {
                return Err(ApiError::validation(format!(
                    "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{k}\""
                )));
            }
        }
        let mut out = Item::new();
        for (k, v) in values {
            // Coral's own checks answer unwrapped, before the service's value validation.
            wire::check_value_types(v)?;
            wire::check_names_in_value(v)?;
            let value = wire::value_from_json(v).map_err(|e| {
                if e.kind == crate::ErrorKind::ValidationException {
                    ApiError::validation(format!(
                        "ExpressionAttributeValues contains invalid value: {} for key {k}",
                        e.message.unwrap_or_default()
                    ))
                } else {
                    e
                }
            })?;
            out.insert(k.clone(), value);
        }
        exprs.values = Some(out);
    }
    substitution_limits::check_sizes(exprs.names.as_ref(), exprs.values.as_ref())
}

fn placeholder_ok(key: &str, sigil: char) -> bool {
    let mut chars = key.chars();
    chars.next() == Some(sigil)
        && key.len() > 1
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Reads a map of attribute values (Item, Key), reporting DynamoDB's validation messages.
pub fn item(value: Option<&Value>) -> Result<Item> {
    match value {
        Some(v) => wire::item_from_json(v),
        None => Ok(Item::new()),
    }
}

/// A write to one item: None deletes it.
pub type Write = (String, PrimaryKey, Option<Item>);

/// Makes writes durable, then visible: all of them go to storage as one batch first, so a
/// failed commit changes nothing (a BatchWriteItem lands whole or not at all). Every item write
/// passes here, so this is also where stream records are made, in the same batch.
pub fn commit_writes(engine: &mut Engine, writes: Vec<Write>) -> Result<()> {
    commit_writes_as(engine, writes, crate::streams::Origin::User)
}

/// `commit_writes` on behalf of a caller (`Origin::User`) or of DynamoDB itself (TTL deletes,
/// whose stream records carry the service identity).
pub fn commit_writes_as(
    engine: &mut Engine,
    writes: Vec<Write>,
    origin: crate::streams::Origin,
) -> Result<()> {
    if !oversized_collections(engine, &writes).is_empty() {
        return Err(ApiError::item_collection_size_limit_exceeded());
    }
    let records = stream_records(engine, &writes, origin)?;
    // Point-in-time recovery logs each write with the item it replaces, in the same batch.
    let changes = crate::backup::ChangeBatch::prepare(
        &engine.backups,
        &engine.tables,
        &writes,
        engine.clock.now_millis(),
    );
    // A write to a global table goes to its other replicas later (see `global_tables`): the
    // queued copies and the key's stamp are stored in the same batch.
    let replication = engine.plan_replication(&writes);
    if engine.storage.persistent() {
        let mut mutations = Vec::with_capacity(writes.len() + records.len());
        for (table_name, key, item) in &writes {
            let table = engine
                .tables
                .get(table_name)
                .ok_or_else(ApiError::resource_not_found)?;
            let stored_key = match item {
                Some(i) => table.storage_key(i),
                None => table
                    .get(key)
                    .map(|i| table.storage_key(i))
                    .unwrap_or_default(),
            };
            mutations.push(match item {
                Some(i) => Mutation::PutItem {
                    table: table_name.clone(),
                    key: stored_key,
                    item: wire::item_to_json(i).to_string(),
                },
                None => Mutation::DeleteItem {
                    table: table_name.clone(),
                    key: stored_key,
                },
            });
        }
        for (arn, record) in &records {
            mutations.push(Mutation::PutStreamRecord {
                stream: arn.clone(),
                sequence: crate::streams::sequence_text(record.sequence),
                record: record.to_storage(),
            });
        }
        mutations.extend(changes.mutations());
        mutations.extend(replication.mutations(&engine.global));
        engine
            .storage
            .commit(&mutations)
            .map_err(|e| ApiError::internal(format!("The write could not be made durable: {e}")))?;
    }
    replication.apply(&mut engine.global);
    for (table_name, key, item) in writes {
        let table = engine
            .tables
            .get_mut(&table_name)
            .ok_or_else(ApiError::resource_not_found)?;
        match item {
            Some(i) => {
                table.insert(key, i);
            }
            None => {
                table.remove(&key);
            }
        }
    }
    engine.streams.apply_records(records);
    changes.apply(&mut engine.backups);
    Ok(())
}

/// The item collections (table, partition key) a batch of writes would grow past
/// `EngineConfig::item_collection_limit_bytes`. Only tables with local secondary indexes have
/// a limit; a write that shrinks a collection already over it is allowed, as in DynamoDB.
pub fn oversized_collections<'a>(
    engine: &Engine,
    writes: &'a [Write],
) -> BTreeSet<(&'a str, &'a PartitionKey)> {
    let limit = engine.config.item_collection_limit_bytes;
    let mut sizes: BTreeMap<(&str, &PartitionKey), (u64, u64)> = BTreeMap::new();
    for (name, key, item) in writes {
        let Some(table) = engine.tables.get(name) else {
            continue;
        };
        if !table.has_local_indexes() {
            continue;
        }
        let (_, after) = sizes
            .entry((name.as_str(), &key.partition))
            .or_insert_with(|| {
                let size = table.collection_size(&key.partition);
                (size, size)
            });
        let old = table.get(key).map_or(0, |o| table.collection_share(o));
        let new = item.as_ref().map_or(0, |i| table.collection_share(i));
        *after = after.saturating_sub(old).saturating_add(new);
    }
    sizes
        .into_iter()
        .filter(|(_, (before, after))| after > before && *after > limit)
        .map(|(id, _)| id)
        .collect()
}

/// Whether a request asked for ItemCollectionMetrics.
pub fn wants_collection_metrics(req: &Req) -> bool {
    req.str("ReturnItemCollectionMetrics") == Some("SIZE")
}

/// One `ItemCollectionMetrics` member for a partition key of a table with local secondary
/// indexes (None without): the key, and the collection's size as a range of whole gigabytes
/// (the lower bound rounded down, the upper one gigabyte above it).
pub fn collection_metrics(table: &Table, partition: &PartitionKey) -> Option<Value> {
    if !table.has_local_indexes() {
        return None;
    }
    let gigabytes = (table.collection_size(partition) / (1 << 30)) as f64;
    let mut key = Item::new();
    key.insert(
        table.def.key_schema.hash.name.clone(),
        partition.value.to_attribute(),
    );
    Some(json!({
        "ItemCollectionKey": wire::item_to_json(&key),
        "SizeEstimateRangeGB": [gigabytes, gigabytes + 1.0],
    }))
}

/// A single-item write's `ItemCollectionMetrics`, when asked for and the table has LSIs.
pub fn put_collection_metrics(
    engine: &Engine,
    req: &Req,
    out: &mut Map<String, Value>,
    table: &str,
    partition: &PartitionKey,
) {
    if !wants_collection_metrics(req) {
        return;
    }
    if let Some(m) = engine
        .tables
        .get(table)
        .and_then(|t| collection_metrics(t, partition))
    {
        out.insert("ItemCollectionMetrics".into(), m);
    }
}

/// BatchWriteItem's and TransactWriteItems' `ItemCollectionMetrics`: per table with local
/// secondary indexes, one entry per partition key written, in the order first written.
pub fn collection_metrics_by_table(
    engine: &Engine,
    written: &[(String, PartitionKey)],
) -> Map<String, Value> {
    let mut out = Map::new();
    let mut seen: BTreeSet<(&str, &PartitionKey)> = BTreeSet::new();
    for (name, partition) in written {
        if !seen.insert((name, partition)) {
            continue;
        }
        let Some(metrics) = engine
            .tables
            .get(name)
            .and_then(|t| collection_metrics(t, partition))
        else {
            continue;
        };
        if let Some(list) = out
            .entry(name.clone())
            .or_insert_with(|| Value::Array(Vec::new()))
            .as_array_mut()
        {
            list.push(metrics);
        }
    }
    out
}

/// The stream records a batch of writes produces (none for tables without an enabled stream,
/// and none for writes that change nothing).
fn stream_records(
    engine: &mut Engine,
    writes: &[Write],
    origin: crate::streams::Origin,
) -> Result<Vec<(String, crate::streams::StreamRecord)>> {
    let streamed = |engine: &Engine, name: &str| {
        engine
            .tables
            .get(name)
            .and_then(|t| t.def.settings.stream.as_ref())
            .is_some_and(|s| s.enabled)
    };
    if !writes.iter().any(|(t, _, _)| streamed(engine, t)) {
        return Ok(Vec::new());
    }
    let written: Vec<&str> = writes.iter().map(|(t, _, _)| t.as_str()).collect();
    let now = engine.now_millis();
    if !engine.streams.covers(&engine.tables, &written, now) {
        engine.maintain_streams();
        if !engine.streams.covers(&engine.tables, &written, now) {
            // The stream could not be set up durably: refuse the write rather than lose its record.
            return Err(ApiError::internal(
                "The write could not be made durable: the table's stream is unavailable",
            ));
        }
    }
    let changes: Vec<(String, Option<Item>, Option<Item>)> = writes
        .iter()
        .filter(|(t, _, _)| streamed(engine, t))
        .map(|(t, key, new)| {
            let old = engine
                .tables
                .get(t)
                .and_then(|table| table.get(key))
                .cloned();
            (t.clone(), old, new.clone())
        })
        .collect();
    Ok(engine
        .streams
        .plan_records(&engine.tables, &changes, origin, engine.now_millis()))
}

/// Draws a request's capacity from its table's meters, or throttles it (the request must then
/// change nothing: call this before committing). Nothing to do when no one observes the
/// meters (`Engine::meters_observed`).
pub fn admit(engine: &mut Engine, charge: &crate::throughput::Charge) -> Result<()> {
    if !engine.meters_observed() {
        return Ok(());
    }
    let now = engine.clock.now_millis();
    engine
        .throughput
        .admit(now, engine.config.throttling, charge)
}

/// Puts `Attributes` into a response when there is something to return.
pub fn put_attributes(out: &mut Map<String, Value>, attributes: Option<Item>) {
    if let Some(a) = attributes.filter(|a| !a.is_empty()) {
        out.insert("Attributes".into(), wire::item_to_json(&a));
    }
}

/// The ReturnValuesOnConditionCheckFailure rule: with ALL_OLD, the failing item rides on the error.
pub fn condition_failed(req: &Req, old: Option<&Item>) -> ApiError {
    let item = if req.str("ReturnValuesOnConditionCheckFailure") == Some("ALL_OLD") {
        old.cloned()
    } else {
        None
    };
    ApiError::conditional_check_failed(item)
}

pub const RETURN_VALUES_ON_FAILURE: crate::request::Field = crate::request::field(
    "ReturnValuesOnConditionCheckFailure",
    crate::request::Ty::String,
    &[crate::request::Rule::Enum(&["ALL_OLD", "NONE"])],
);

/// ConditionalOperator joins the conditions of a legacy map (`Expected`, `QueryFilter`,
/// `ScanFilter`), so DynamoDB refuses it unless that map has two or more of them.
pub fn conditional_operator(req: &Req, conditions: &str) -> Result<()> {
    if !req.has("ConditionalOperator") {
        return Ok(());
    }
    match req.object(conditions).map_or(0, Map::len) {
        0 => Err(ApiError::validation(
            "ConditionalOperator cannot be used without Filter or Expected",
        )),
        1 => Err(ApiError::validation(
            "ConditionalOperator can only be used when Filter or Expected has two or more elements",
        )),
        _ => Ok(()),
    }
}

/// The legacy `Expected` map with `ConditionalOperator`, checked and converted (None: absent or empty).
pub fn legacy_expected(req: &Req) -> Result<Option<Condition>> {
    match req.object("Expected") {
        Some(e) => legacy::expected(e, req.str("ConditionalOperator")),
        None => Ok(None),
    }
}

/// The ConditionExpression, or else the legacy condition already read (`Expected`; None for
/// operations that have no legacy form).
pub fn condition_or_legacy(
    req: &Req,
    exprs: &mut Expressions,
    legacy: Option<Condition>,
) -> Result<Option<Condition>> {
    match req.str("ConditionExpression") {
        Some(text) => Ok(Some(exprs.condition(text, "ConditionExpression")?)),
        None => Ok(legacy),
    }
}

/// PutItem and DeleteItem return only the item as it was: their ReturnValues field accepts all
/// five values, and this narrows it to ALL_OLD or NONE.
pub fn only_old_return_values(req: &Req) -> Result<()> {
    match req.str("ReturnValues") {
        None | Some("ALL_OLD") | Some("NONE") => Ok(()),
        Some(_) => Err(ApiError::validation(
            "ReturnValues can only be ALL_OLD or NONE",
        )),
    }
}

/// A legacy filter map (`QueryFilter`, `ScanFilter`) with `ConditionalOperator`, checked and
/// converted (None: absent or empty).
pub fn legacy_filter(req: &Req, member: &str) -> Result<Option<Condition>> {
    match req.object(member) {
        Some(f) => legacy::filter(f, req.str("ConditionalOperator")),
        None => Ok(None),
    }
}

/// The legacy `AttributesToGet` list, checked and converted (None: absent).
pub fn legacy_attributes_to_get(req: &Req) -> Result<Option<Projection>> {
    match req.array("AttributesToGet") {
        Some(names) => legacy::attributes_to_get(names).map(Some),
        None => Ok(None),
    }
}

/// The ProjectionExpression, or else the legacy AttributesToGet already read, with the member
/// name DynamoDB uses for it in Select errors (Query and Scan, on tables and indexes).
pub fn projection_or_legacy(
    req: &Req,
    exprs: &mut Expressions,
    legacy: Option<crate::expr::Projection>,
) -> Result<(Option<crate::expr::Projection>, &'static str)> {
    match req.str("ProjectionExpression") {
        Some(text) => Ok((Some(exprs.projection(text)?), "ProjectionExpression")),
        None if legacy.is_some() => Ok((legacy, "AttributesToGet")),
        None => Ok((None, "ProjectionExpression")),
    }
}
