//! Running one PartiQL statement, shared by ExecuteStatement, BatchExecuteStatement and
//! ExecuteTransaction: parse and bind parameters, read a page (a Query when the partition key is
//! fixed by equality, else a Scan), or plan a write without committing it, so each operation
//! decides how writes land (one by one, or all through one `commit_writes` batch).

use std::ops::Bound;

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::read_page::{read_page, IndexRead, PageOptions};
use super::shared;
use crate::capacity::{self, Detail};
use crate::error::{msg, ApiError, ErrorKind, Result};
use crate::expr::eval::Cond;
use crate::expr::path::DocPath;
use crate::expr::path::Step;
use crate::expr::update::{self, Action};
use crate::expr::{Condition, Projection};
use crate::index::{IndexKind, IndexSort, ProjectionType};
use crate::partiql::ast::{Assignment, Returning, Seg, Statement};
use crate::partiql::parser::parse;
use crate::partiql::{plan, validation};
use crate::request::Req;
use crate::table::{partition_hash, PartitionKey, PrimaryKey, Table};
use crate::value::size::{item_size, MAX_ITEM_SIZE};
use crate::value::{wire, AttributeValue, Item, KeyValue};
use crate::Engine;

/// A parsed statement with its parameters bound.
pub struct Prepared {
    pub statement: Statement,
    pub params: Vec<AttributeValue>,
    /// Identifies the statement and parameters, so a NextToken can only continue its own read.
    fingerprint: u64,
}

/// Parses a request's (or a batch or transaction member's) `Statement` and reads its
/// `Parameters`, checking that the counts agree.
pub fn prepare(member: &Req) -> Result<Prepared> {
    let text = member.str("Statement").unwrap_or_default();
    // DynamoDB checks the parameter values before it reads the statement.
    let mut params = Vec::new();
    for p in member.array("Parameters").into_iter().flatten() {
        params.push(wire::value_from_json(p)?);
    }
    let parsed = parse(text)?;
    if params.len() != parsed.parameters {
        return Err(validation(
            "Number of parameters in request and statement don't match.",
        ));
    }
    let mut fingerprint: u64 = 0xcbf29ce484222325;
    let params_json: Vec<Value> = params.iter().map(wire::value_to_json).collect();
    for b in text
        .bytes()
        .chain(Value::Array(params_json).to_string().into_bytes())
    {
        fingerprint ^= b as u64;
        fingerprint = fingerprint.wrapping_mul(0x100000001b3);
    }
    Ok(Prepared {
        statement: parsed.statement,
        params,
        fingerprint,
    })
}

pub struct ReadOptions<'a> {
    pub limit: Option<usize>,
    pub consistent: bool,
    pub next_token: Option<&'a str>,
    pub detail: Detail,
}

fn invalid_token() -> ApiError {
    validation("Invalid NextToken")
}

/// The token is the page's last key and the statement's fingerprint, base64 over JSON.
fn encode_token(fingerprint: u64, key: &Value) -> String {
    let body = json!({"f": fingerprint.to_string(), "k": key});
    base64::engine::general_purpose::STANDARD.encode(body.to_string())
}

fn decode_token(fingerprint: u64, token: &str) -> Result<Item> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token)
        .map_err(|_| invalid_token())?;
    let body: Value = serde_json::from_slice(&bytes).map_err(|_| invalid_token())?;
    if body["f"].as_str() != Some(fingerprint.to_string().as_str()) {
        return Err(validation("NextToken does not match request"));
    }
    wire::item_from_json(&body["k"]).map_err(|_| invalid_token())
}

/// The table a statement names, as item operations find it.
fn table_of<'a>(engine: &'a Engine, name: &str) -> Result<&'a Table> {
    shared::table(engine, name)
}

/// SELECT for ExecuteStatement: one page, with `Items`, `NextToken`, `LastEvaluatedKey`.
pub fn select(engine: &Engine, prepared: &Prepared, opts: &ReadOptions) -> Result<Value> {
    let Statement::Select {
        projection,
        table: table_name,
        index,
        filter,
        order_by,
        descending,
    } = &prepared.statement
    else {
        return Err(validation("Unsupported operation: not a SELECT"));
    };
    let params = &prepared.params;
    if order_by.is_some() && filter.is_none() {
        return Err(validation(
            "Must have WHERE clause in the statement when using ORDER BY clause.",
        ));
    }
    let cond = match filter {
        Some(f) => Some(plan::condition(f, params)?),
        None => None,
    };
    let projection = match projection {
        Some(paths) => Some(projected_paths(paths)?),
        None => None,
    };
    let table = table_of(engine, table_name)?;
    if let Some(path) = order_by {
        let name = match path.as_slice() {
            [crate::partiql::ast::Seg::Name(n)] => n.as_str(),
            _ => "",
        };
        let is_key = match index {
            Some(i) => table
                .index(i)
                .is_some_and(|i| i.def.key_schema.is_key(name)),
            None => table.def.key_schema.is_key(name),
        };
        if !is_key {
            return Err(validation(format!(
                "Variable reference {name} in ORDER BY clause must be part of the primary key"
            )));
        }
    }
    let start = match opts.next_token {
        Some(t) => Some(decode_token(prepared.fingerprint, t)?),
        None => None,
    };
    let filter = cond.map(Condition::from_cond);
    let mut page_opts = PageOptions {
        limit: opts.limit,
        filter: filter.as_ref(),
        projection: None,
        count_only: false,
        consistent: opts.consistent,
        detail: opts.detail,
        index: None,
    };
    let page = if let Some(index_name) = index {
        let index = table.index(index_name).ok_or_else(|| {
            validation(format!(
                "The table does not have the specified index: {index_name}"
            ))
        })?;
        if opts.consistent && index.def.kind == IndexKind::Global {
            return Err(validation(
                "Strongly consistent read is not supported on Global Secondary Indexes",
            ));
        }
        page_opts.index = Some(IndexRead {
            index,
            fetch_from_table: index.def.kind == IndexKind::Local
                && index.def.projection != ProjectionType::All,
        });
        let start_key = match &start {
            Some(s) => {
                let table_key = table
                    .key_of_request(&table.key_item(s))
                    .map_err(|_| invalid_token())?;
                let (partition, values) = index.place(s).ok_or_else(invalid_token)?;
                Some((partition, IndexSort { values, table_key }))
            }
            None => None,
        };
        // With every index partition-key attribute fixed by equality this is an index Query:
        // only that partition's entries (within the sort-key terms) are read.
        let mut fixed: Vec<(&str, AttributeValue)> = Vec::new();
        let mut sort_conditions = Vec::new();
        if let Some(f) = filter_expr(&prepared.statement) {
            for term in plan::conjuncts(f) {
                for attr in &index.def.key_schema.hash {
                    if let Some(v) = plan::equality_on(term, &attr.name, params)? {
                        fixed.push((&attr.name, v));
                    }
                }
                if let [range] = index.def.key_schema.range.as_slice() {
                    sort_conditions.extend(plan::sort_condition(term, &range.name, params));
                }
            }
        }
        let query = index
            .def
            .key_schema
            .hash
            .iter()
            .all(|a| fixed.iter().any(|(n, _)| *n == a.name));
        if query && index.def.kind == IndexKind::Global {
            if let ProjectionType::KeysOnly | ProjectionType::Include(_) = &index.def.projection {
                let projected = |name: &str| {
                    index.def.key_schema.is_key(name)
                        || table.def.key_schema.is_key(name)
                        || matches!(&index.def.projection, ProjectionType::Include(list) if list.iter().any(|a| a == name))
                };
                let missing: Vec<String> = filter
                    .as_ref()
                    .map(|c| c.attribute_names())
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|n| !projected(n))
                    .map(str::to_string)
                    .collect();
                if !missing.is_empty() {
                    return Err(validation(format!(
                        "One or more parameter values were invalid: Secondary index {} does not project one or more filter attributes: [{}]",
                        index.def.name,
                        java_hash_set_order(missing).join(", ")
                    )));
                }
            }
        }
        let in_query = |item: &Item| {
            if !query {
                return true;
            }
            let hash_ok = fixed.iter().all(|(n, v)| item.get(*n) == Some(v));
            let sort_ok = match index.def.key_schema.range.as_slice() {
                [range] => item
                    .get(&range.name)
                    .is_some_and(|v| sort_conditions.iter().all(|c| c.matches(v))),
                _ => true,
            };
            hash_ok && sort_ok
        };
        let items = index
            .entries
            .iter()
            .flat_map(|(p, sorted)| sorted.iter().map(move |(sort, item)| (p, sort, item)))
            .filter(|(_, _, item)| in_query(item))
            .filter(|(p, sort, _)| match &start_key {
                Some((sp, ss)) => (*p, *sort) > (sp, ss),
                None => true,
            })
            .map(|(_, _, item)| item);
        read_page(table, items, &page_opts)
    } else {
        let hash = &table.def.key_schema.hash.name;
        let mut fixed = None;
        let mut sort_conditions = Vec::new();
        if let Some(f) = filter_expr(&prepared.statement) {
            for term in plan::conjuncts(f) {
                if fixed.is_none() {
                    if let Some(v) = plan::equality_on(term, hash, params)? {
                        fixed = Some(v);
                        continue;
                    }
                }
                if let Some(range) = &table.def.key_schema.range {
                    sort_conditions.extend(plan::sort_condition(term, &range.name, params));
                }
            }
        }
        // The sort-key terms stay in the filter too (they hold for every key they let through).
        let in_range = |sort: &Option<KeyValue>| match sort {
            Some(k) => {
                let v = k.to_attribute();
                sort_conditions.iter().all(|c| c.matches(&v))
            }
            None => true,
        };
        let start_key = match &start {
            Some(s) => Some(table.key_of_request(s).map_err(|_| invalid_token())?),
            None => None,
        };
        match fixed {
            Some(value) => {
                // A Query: only the one partition is read, in sort-key order.
                let empty = Default::default();
                let partition = KeyValue::from_attribute(&value)
                    .and_then(|pk| {
                        table.partitions.get(&PartitionKey {
                            hash: partition_hash(&pk),
                            value: pk,
                        })
                    })
                    .unwrap_or(&empty);
                let after = match &start_key {
                    Some(k) => Bound::Excluded(k.sort.clone()),
                    None => Bound::Unbounded,
                };
                let items: Box<dyn Iterator<Item = &Item>> = if *descending {
                    Box::new(
                        partition
                            .range((Bound::Unbounded, after))
                            .rev()
                            .filter(|(k, _)| in_range(k))
                            .map(|(_, v)| v),
                    )
                } else {
                    Box::new(
                        partition
                            .range((after, Bound::Unbounded))
                            .filter(|(k, _)| in_range(k))
                            .map(|(_, v)| v),
                    )
                };
                read_page(table, items, &page_opts)
            }
            None => {
                let from = match &start_key {
                    Some(s) => Bound::Included(s.partition.clone()),
                    None => Bound::Unbounded,
                };
                let items = table
                    .partitions
                    .range((from, Bound::Unbounded))
                    .flat_map(|(p, sorted)| sorted.iter().map(move |(sort, item)| (p, sort, item)))
                    .filter(|(p, sort, _)| match &start_key {
                        Some(s) => (*p, *sort) > (&s.partition, &s.sort),
                        None => true,
                    })
                    .map(|(_, _, item)| item);
                read_page(table, items, &page_opts)
            }
        }
    };
    // PartiQL reads are not metered by the throughput model yet (the charge is dropped).
    let (page, _charge) = page;
    let mut page = match page {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let mut items = page.remove("Items").unwrap_or_else(|| json!([]));
    if let (Some(paths), Value::Array(list)) = (&projection, &mut items) {
        for entry in list.iter_mut() {
            if let Ok(item) = wire::item_from_json(entry) {
                *entry = wire::item_to_json(&project(&item, paths));
            }
        }
    }
    let mut out = Map::new();
    out.insert("Items".into(), items);
    if let Some(last) = page.remove("LastEvaluatedKey") {
        out.insert(
            "NextToken".into(),
            json!(encode_token(prepared.fingerprint, &last)),
        );
        out.insert("LastEvaluatedKey".into(), last);
    }
    if let Some(c) = page.remove("ConsumedCapacity") {
        out.insert("ConsumedCapacity".into(), c);
    }
    Ok(Value::Object(out))
}

/// The order in which Java's `HashSet<String>` iterates names added in this order: DynamoDB lists
/// unprojected filter attributes that way (captured: `[a, b]` for b then a, `[zz, aa, mm]` as
/// written, since those three share a bucket).
fn java_hash_set_order(names: Vec<String>) -> Vec<String> {
    let mut capacity: usize = 16;
    while names.len() * 4 > capacity * 3 {
        capacity *= 2;
    }
    let bucket = |name: &str| {
        let h = name
            .encode_utf16()
            .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32)) as u32;
        ((h ^ (h >> 16)) as usize) & (capacity - 1)
    };
    let mut keyed: Vec<(usize, usize, String)> = names
        .into_iter()
        .enumerate()
        .map(|(i, n)| (bucket(&n), i, n))
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, _, n)| n).collect()
}

fn filter_expr(statement: &Statement) -> Option<&crate::partiql::ast::Expr> {
    match statement {
        Statement::Select { filter, .. }
        | Statement::Update { filter, .. }
        | Statement::Delete { filter, .. } => filter.as_ref(),
        Statement::Insert { .. } => None,
        Statement::Exists(inner) => filter_expr(inner),
    }
}

/// A SELECT that names one item by its full primary key (batches and transactions): the item,
/// if any, projected, and the bytes read for capacity.
pub fn get_one(engine: &Engine, prepared: &Prepared) -> Result<(Option<Item>, usize)> {
    let Statement::Select {
        projection,
        table: table_name,
        filter,
        ..
    } = &prepared.statement
    else {
        return Err(validation("Unsupported operation: not a SELECT"));
    };
    let table = table_of(engine, table_name)?;
    let (key_item, cond) =
        plan::key_and_condition(filter.as_ref(), &table.def.key_schema, &prepared.params)?;
    let key = table.key_of_request(&key_item)?;
    let item = table.get(&key);
    let bytes = item.map_or(0, item_size);
    let item = item.filter(|i| cond.as_ref().is_none_or(|c| c.eval(Some(i))));
    let shown = match (item, projection) {
        (Some(i), Some(paths)) => Some(project(i, &projected_paths(paths)?)),
        (Some(i), None) => Some(i.clone()),
        (None, _) => None,
    };
    Ok((shown, bytes))
}

/// A SELECT list: each path with the name its value is returned under. DynamoDB returns a
/// nested path's value as a top-level attribute named by the path's text (`l[0]`, `a.b`).
fn projected_paths(paths: &[Vec<Seg>]) -> Result<Vec<(String, DocPath)>> {
    let mut out = Vec::with_capacity(paths.len());
    for p in paths {
        let mut name = String::new();
        for seg in p {
            match seg {
                Seg::Name(n) => {
                    if !name.is_empty() {
                        name.push('.');
                    }
                    name.push_str(n);
                }
                Seg::Index(i) => name.push_str(&format!("[{i}]")),
            }
        }
        out.push((name, plan::doc_path(p)?));
    }
    Ok(out)
}

fn project(item: &Item, paths: &[(String, DocPath)]) -> Item {
    paths
        .iter()
        .filter_map(|(name, path)| Some((name.clone(), path.lookup(item)?.clone())))
        .collect()
}

/// A write, planned against the current items but not yet committed.
pub struct WritePlan {
    pub table: String,
    pub key: PrimaryKey,
    /// The item after the write; None deletes it.
    pub new: Option<Item>,
    /// Whether anything is written at all (a DELETE of a missing item, or a condition check, is not).
    pub writes: bool,
    /// What RETURNING hands back.
    pub returned: Option<Item>,
    pub units: f64,
}

/// How a planned write failed a condition: the error, and the old item for ALL_OLD.
pub fn condition_failed(old: Option<&Item>, all_old: bool) -> ApiError {
    ApiError::conditional_check_failed(if all_old { old.cloned() } else { None })
}

/// Plans INSERT, UPDATE, DELETE or an EXISTS condition check. `all_old` is
/// ReturnValuesOnConditionCheckFailure = ALL_OLD.
pub fn plan_write(engine: &Engine, prepared: &Prepared, all_old: bool) -> Result<WritePlan> {
    let params = &prepared.params;
    match &prepared.statement {
        Statement::Select { .. } => Err(validation("Unsupported operation: not a write")),
        Statement::Insert { table: name, item } => {
            let value = plan::constant(item, params)?;
            let Some(AttributeValue::M(item)) = value else {
                return Err(validation(
                    "Unsupported format in item expression. Please use struct format {...} to express item values for insert statement.",
                ));
            };
            let table = table_of(engine, name)?;
            if item_size(&item) > MAX_ITEM_SIZE {
                return Err(validation(msg::ITEM_TOO_LARGE));
            }
            let key = table.key_of_item(&item)?;
            if table.get(&key).is_some() {
                return Err(ApiError::new(
                    ErrorKind::DuplicateItemException,
                    "Duplicate primary key exists in table",
                ));
            }
            let units = capacity::write_units(0, item_size(&item));
            Ok(WritePlan {
                table: name.clone(),
                key,
                new: Some(item),
                writes: true,
                returned: None,
                units,
            })
        }
        Statement::Update {
            table: name,
            assignments,
            filter,
            returning,
        } => {
            let table = table_of(engine, name)?;
            let schema = &table.def.key_schema;
            let (key_item, cond) = plan::key_and_condition(filter.as_ref(), schema, params)?;
            let mut actions: Vec<Action> = Vec::with_capacity(assignments.len());
            for a in assignments {
                let action = match a {
                    Assignment::Set(path, value) => {
                        plan::assignment(plan::doc_path(path)?, value, params)?
                    }
                    Assignment::Remove(path) => Action::Remove(plan::doc_path(path)?),
                };
                if let Some(Step::Key(head)) = action.path().0.first() {
                    if schema.is_key(head) {
                        return Err(validation(if action.path().0.len() > 1 {
                            format!("Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key {head}")
                        } else {
                            format!("One or more parameter values were invalid: Cannot update attribute {head}. This attribute is part of the key")
                        }));
                    }
                }
                actions.push(action);
            }
            let key = table.key_of_request(&key_item)?;
            // PartiQL's UPDATE changes an existing item; it never creates one.
            let Some(old) = table.get(&key) else {
                return Err(condition_failed(None, all_old));
            };
            if cond.as_ref().is_some_and(|c| !c.eval(Some(old))) {
                return Err(condition_failed(Some(old), all_old));
            }
            let new = update::apply(&actions, Some(old))?;
            table.check_index_keys(&new)?;
            let new_size = item_size(&new);
            if new_size > MAX_ITEM_SIZE {
                return Err(validation(
                    "Item size to update has exceeded the maximum allowed size",
                ));
            }
            let touched =
                Projection::from_doc_paths(actions.iter().map(|a| a.path().clone()).collect());
            let returned = match returning {
                Some(Returning::AllOld) => Some(old.clone()),
                Some(Returning::AllNew) => Some(new.clone()),
                Some(Returning::ModifiedOld) => Some(touched.apply(old)),
                Some(Returning::ModifiedNew) => Some(touched.apply(&new)),
                None => None,
            };
            Ok(WritePlan {
                table: name.clone(),
                key,
                units: capacity::write_units(item_size(old), new_size),
                new: Some(new),
                writes: true,
                returned,
            })
        }
        Statement::Delete {
            table: name,
            filter,
            returning,
        } => {
            if let Some(r) = returning {
                if *r != Returning::AllOld {
                    let text = match r {
                        Returning::ModifiedOld => "MODIFIED OLD *",
                        Returning::AllNew => "ALL NEW *",
                        _ => "MODIFIED NEW *",
                    };
                    return Err(validation(format!(
                        "Invalid returning clause: RETURNING {text}. Only RETURNING ALL OLD * is allowed in DELETE statements."
                    )));
                }
            }
            let table = table_of(engine, name)?;
            let (key_item, cond) =
                plan::key_and_condition(filter.as_ref(), &table.def.key_schema, params)?;
            let key = table.key_of_request(&key_item)?;
            let old = table.get(&key);
            if let (Some(o), Some(c)) = (old, &cond) {
                if !c.eval(Some(o)) {
                    return Err(condition_failed(Some(o), all_old));
                }
            }
            Ok(WritePlan {
                table: name.clone(),
                key,
                new: None,
                writes: old.is_some(),
                returned: if returning.is_some() {
                    old.cloned()
                } else {
                    None
                },
                units: capacity::write_units(old.map_or(0, item_size), 0),
            })
        }
        Statement::Exists(inner) => {
            let Statement::Select {
                table: name,
                index,
                filter,
                ..
            } = &**inner
            else {
                return Err(validation(
                    "EXISTS() must contain a single item read with additional condition",
                ));
            };
            if index.is_some() {
                return Err(validation(
                    "Operations on indices are not supported in transactions",
                ));
            }
            let table = table_of(engine, name)?;
            let (key_item, cond) = plan::key_and_condition(
                filter.as_ref(),
                &table.def.key_schema,
                params,
            )
            .map_err(|_| {
                validation("EXISTS() must contain a single item read with additional condition")
            })?;
            let key = table.key_of_request(&key_item)?;
            let old = table.get(&key);
            let holds = old.is_some_and(|o| cond.as_ref().is_none_or(|c: &Cond| c.eval(Some(o))));
            if !holds {
                return Err(condition_failed(old, all_old));
            }
            Ok(WritePlan {
                table: name.clone(),
                key,
                new: None,
                writes: false,
                returned: None,
                units: capacity::write_units(old.map_or(0, item_size), 0),
            })
        }
    }
}

/// The key item a statement targets, when it names one item (for duplicate checks).
pub fn target(engine: &Engine, prepared: &Prepared) -> Option<(String, PrimaryKey)> {
    let name = prepared.statement.table();
    let table = engine.tables.get(name)?;
    let key = match &prepared.statement {
        Statement::Insert { item, .. } => match plan::constant(item, &prepared.params).ok()?? {
            AttributeValue::M(m) => table.key_of_request(&table.key_item(&m)).ok()?,
            _ => return None,
        },
        other => {
            let (key_item, _) = plan::key_and_condition(
                filter_expr(other),
                &table.def.key_schema,
                &prepared.params,
            )
            .ok()?;
            table.key_of_request(&key_item).ok()?
        }
    };
    Some((name.to_string(), key))
}

/// The short code a batch response or cancellation reason gives for an error.
pub fn short_code(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::ConditionalCheckFailedException => "ConditionalCheckFailed",
        ErrorKind::DuplicateItemException => "DuplicateItem",
        ErrorKind::ResourceNotFoundException => "ResourceNotFound",
        ErrorKind::ItemCollectionSizeLimitExceededException => "ItemCollectionSizeLimitExceeded",
        ErrorKind::ProvisionedThroughputExceededException => "ProvisionedThroughputExceeded",
        ErrorKind::TransactionConflictException => "TransactionConflict",
        ErrorKind::InternalServerError => "InternalServerError",
        ErrorKind::AccessDeniedException => "AccessDenied",
        _ => "ValidationError",
    }
}

/// The response of a write for ExecuteStatement: what RETURNING asked for, as `Items`.
pub fn write_response(returned: Option<Item>) -> Map<String, Value> {
    let mut out = Map::new();
    let items: Vec<Value> = returned
        .filter(|i| !i.is_empty())
        .iter()
        .map(wire::item_to_json)
        .collect();
    out.insert("Items".into(), Value::Array(items));
    out
}
