//! TransactWriteItems: up to 100 Put, Update, Delete and ConditionCheck actions, all or nothing.
//! Every action is read and checked first (in request order, with the single-item operations'
//! messages), then every condition and update is evaluated against the current items; only if
//! all would succeed do the writes go to storage, as one `commit_writes` batch.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::idempotency;
use super::shared;
use super::update_item::check_key_untouched;
use crate::capacity::{self, Detail};
use crate::error::{msg, ApiError, CancellationReason, Result};
use crate::expr::{Condition, UpdatePlan};
use crate::request::{self, check_with, field, Field, Req, Rule, Ty};
use crate::table::PrimaryKey;
use crate::value::size::{item_size, MAX_ITEM_SIZE};
use crate::value::Item;
use crate::Engine;

/// Most actions in one transaction.
pub const MAX_ACTIONS: usize = 100;
/// Most bytes of items one transaction may write.
pub const MAX_TRANSACTION_BYTES: usize = 4 * 1024 * 1024;

const TABLE_NAME: Field = request::TABLE_NAME;
const CONDITION_EXPRESSION: Field = field("ConditionExpression", Ty::String, &[]);

const CONDITION_CHECK: Ty = Ty::FieldStruct(
    "ConditionCheck",
    &[
        field("Key", Ty::AttributeMap, &[Rule::NotNull]),
        TABLE_NAME,
        field("ConditionExpression", Ty::String, &[Rule::NotNull]),
        request::EXPRESSION_ATTRIBUTE_NAMES,
        request::EXPRESSION_ATTRIBUTE_VALUES,
        shared::RETURN_VALUES_ON_FAILURE,
    ],
);
const PUT: Ty = Ty::FieldStruct(
    "Put",
    &[
        field("Item", Ty::AttributeMap, &[Rule::NotNull]),
        TABLE_NAME,
        CONDITION_EXPRESSION,
        request::EXPRESSION_ATTRIBUTE_NAMES,
        request::EXPRESSION_ATTRIBUTE_VALUES,
        shared::RETURN_VALUES_ON_FAILURE,
    ],
);
const DELETE: Ty = Ty::FieldStruct(
    "Delete",
    &[
        field("Key", Ty::AttributeMap, &[Rule::NotNull]),
        TABLE_NAME,
        CONDITION_EXPRESSION,
        request::EXPRESSION_ATTRIBUTE_NAMES,
        request::EXPRESSION_ATTRIBUTE_VALUES,
        shared::RETURN_VALUES_ON_FAILURE,
    ],
);
const UPDATE: Ty = Ty::FieldStruct(
    "Update",
    &[
        field("Key", Ty::AttributeMap, &[Rule::NotNull]),
        field("UpdateExpression", Ty::String, &[Rule::NotNull]),
        TABLE_NAME,
        CONDITION_EXPRESSION,
        request::EXPRESSION_ATTRIBUTE_NAMES,
        request::EXPRESSION_ATTRIBUTE_VALUES,
        shared::RETURN_VALUES_ON_FAILURE,
    ],
);
const TRANSACT_WRITE_ITEM: Ty = Ty::Struct(
    "TransactWriteItem",
    &[
        field("ConditionCheck", CONDITION_CHECK, &[]),
        field("Put", PUT, &[]),
        field("Delete", DELETE, &[]),
        field("Update", UPDATE, &[]),
    ],
);

const FIELDS: &[Field] = &[
    field(
        "TransactItems",
        Ty::List(&TRANSACT_WRITE_ITEM),
        &[Rule::NotNull],
    ),
    request::RETURN_CONSUMED_CAPACITY,
    request::RETURN_ITEM_COLLECTION_METRICS,
    field(
        "ClientRequestToken",
        Ty::String,
        &[Rule::MinLength(1), Rule::MaxLength(36)],
    ),
];

/// The length constraint on a transaction's list, which Coral reports with the list printed as
/// Java objects; like the batch operations, the dump is shown as `[...]`.
pub fn length_failure(list: Option<&Value>, max: usize) -> Vec<String> {
    let n = match list.and_then(Value::as_array) {
        Some(a) => a.len(),
        None => return Vec::new(),
    };
    let (shown, rule) = if n == 0 {
        (
            "[]",
            "Member must have length greater than or equal to 1".to_string(),
        )
    } else if n > max {
        (
            "[...]",
            format!("Member must have length less than or equal to {max}"),
        )
    } else {
        return Vec::new();
    };
    vec![format!(
        "Value '{shown}' at 'transactItems' failed to satisfy constraint: {rule}"
    )]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    ConditionCheck,
    Put,
    Delete,
    Update,
}

/// One action as read from the request, before its table is looked at.
struct Action<'a> {
    kind: Kind,
    table: &'a str,
    /// Put's item, or the other actions' Key.
    item: Item,
    condition: Option<Condition>,
    update: Option<UpdatePlan>,
    all_old: bool,
}

/// Each TransactWriteItem holds exactly one action (none, or two, is refused alike).
fn one_action_only() -> ApiError {
    ApiError::validation("TransactItems can only contain one of Check, Put, Update or Delete")
}

/// The action's own checks, in the order the single-item operation runs them.
fn read_action(entry: &Map<String, Value>) -> Result<Action<'_>> {
    let present: Vec<(Kind, &Map<String, Value>)> = [
        ("ConditionCheck", Kind::ConditionCheck),
        ("Put", Kind::Put),
        ("Delete", Kind::Delete),
        ("Update", Kind::Update),
    ]
    .into_iter()
    .filter_map(|(name, kind)| {
        entry
            .get(name)
            .and_then(Value::as_object)
            .map(|m| (kind, m))
    })
    .collect();
    let [(kind, body)] = present.as_slice() else {
        return Err(one_action_only());
    };
    let (kind, req) = (*kind, Req(body));
    let expression_members: &[&str] = match kind {
        Kind::Update => &["UpdateExpression", "ConditionExpression"],
        _ => &["ConditionExpression"],
    };
    let mut exprs = shared::expressions(&req, expression_members, &[])?;
    let item = shared::item(req.get(if kind == Kind::Put { "Item" } else { "Key" }))?;
    if kind == Kind::Put && item_size(&item) > MAX_ITEM_SIZE {
        return Err(ApiError::validation(msg::ITEM_TOO_LARGE));
    }
    shared::attribute_names_and_values(&req, &mut exprs)?;
    let update = match req.str("UpdateExpression") {
        Some(text) if kind == Kind::Update => Some(exprs.update(text)?),
        _ => None,
    };
    let condition = shared::condition_or_legacy(&req, &mut exprs, None)?;
    exprs.check_unused()?;
    Ok(Action {
        kind,
        table: req.str("TableName").unwrap_or_default(),
        item,
        condition,
        update,
        all_old: req.str("ReturnValuesOnConditionCheckFailure") == Some("ALL_OLD"),
    })
}

/// What a successful transaction will do to one item, and what it costs.
struct Planned {
    table: String,
    key: PrimaryKey,
    /// None for a ConditionCheck (nothing written); Some(None) deletes.
    write: Option<Option<Item>>,
    units: f64,
    /// Bytes of the item after the transaction, for a replay's read units.
    after_bytes: usize,
}

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check_with(
        request,
        FIELDS,
        length_failure(request.get("TransactItems"), MAX_ACTIONS),
    )?;
    let req = Req(request);
    let detail = Detail::parse(req.str("ReturnConsumedCapacity"));

    let now = engine.now_millis();
    engine.client_tokens.forget_expired(now);
    let token = req.str("ClientRequestToken");
    let fingerprint = idempotency::fingerprint(request);
    if let Some(token) = token {
        if let Some(replay) = engine.client_tokens.replay(token, &fingerprint)? {
            let mut out = replay.response.as_object().cloned().unwrap_or_default();
            if detail != Detail::None {
                let list: Vec<Value> = replay
                    .replay_units
                    .iter()
                    .filter_map(|(t, u)| capacity::consumed(detail, t, *u))
                    .collect();
                out.insert("ConsumedCapacity".into(), json!(list));
            }
            return Ok(Value::Object(out));
        }
    }

    let entries = req
        .array("TransactItems")
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut actions = Vec::with_capacity(entries.len());
    let mut put_bytes = 0usize;
    for entry in entries {
        let action = match entry.as_object() {
            Some(m) => read_action(m)?,
            None => return Err(one_action_only()),
        };
        if action.kind == Kind::Put {
            put_bytes += item_size(&action.item);
        }
        actions.push(action);
    }
    if put_bytes > MAX_TRANSACTION_BYTES {
        return Err(ApiError::validation(msg::TRANSACTION_TOO_LARGE));
    }

    // Tables and keys, in request order; then every condition and update on today's items.
    let mut seen: BTreeSet<(String, PrimaryKey)> = BTreeSet::new();
    let mut keys = Vec::with_capacity(actions.len());
    for action in &actions {
        let table = shared::table(engine, action.table)?;
        let key = match action.kind {
            Kind::Put => table.key_of_item(&action.item)?,
            _ => table.key_of_request(&action.item)?,
        };
        if let Some(plan) = &action.update {
            check_key_untouched(table, plan)?;
        }
        if !seen.insert((action.table.to_string(), key.clone())) {
            return Err(ApiError::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        keys.push(key);
    }

    let mut reasons = Vec::with_capacity(actions.len());
    let mut planned = Vec::with_capacity(actions.len());
    for (action, key) in actions.iter().zip(keys) {
        let table = shared::table(engine, action.table)?;
        let old = table.get(&key);
        match evaluate(table, action, old) {
            Ok((write, after_bytes)) => {
                let old_bytes = old.map_or(0, item_size);
                // Transactions charge twice: a prepare and a commit for every item.
                let units = 2.0 * capacity::write_units(old_bytes, after_bytes);
                reasons.push(CancellationReason::none());
                planned.push(Planned {
                    table: action.table.to_string(),
                    key,
                    write,
                    units,
                    after_bytes: match action.kind {
                        Kind::ConditionCheck => old_bytes,
                        _ => after_bytes,
                    },
                });
            }
            Err(reason) => reasons.push(reason),
        }
    }
    if reasons.iter().any(|r| r.code != "None") {
        return Err(ApiError::transaction_canceled(reasons));
    }

    // Per table, in the order tables first appear: write units, and a replay's read units.
    let mut units: Vec<(String, f64, f64)> = Vec::new();
    for p in &planned {
        let read = capacity::read_units(p.after_bytes, true);
        match units.iter_mut().find(|(t, _, _)| *t == p.table) {
            Some(entry) => {
                entry.1 += p.units;
                entry.2 += read;
            }
            None => units.push((p.table.clone(), p.units, read)),
        }
    }
    // What each action writes to, for the item collection limit and metrics.
    let targets: Vec<Option<(String, crate::table::PartitionKey)>> = planned
        .iter()
        .map(|p| {
            p.write
                .is_some()
                .then(|| (p.table.clone(), p.key.partition.clone()))
        })
        .collect();
    // A Delete never grows a collection, so it is never to blame for one.
    let deletes: Vec<bool> = planned
        .iter()
        .map(|p| matches!(p.write, Some(None)))
        .collect();
    let writes: Vec<shared::Write> = planned
        .into_iter()
        .filter_map(|p| match p.write {
            // Deleting an item that is not there writes nothing.
            Some(None)
                if engine
                    .tables
                    .get(&p.table)
                    .and_then(|t| t.get(&p.key))
                    .is_none() =>
            {
                None
            }
            Some(item) => Some((p.table, p.key, item)),
            None => None,
        })
        .collect();
    // An action that would grow an item collection past its limit cancels the transaction.
    let oversized = shared::oversized_collections(engine, &writes);
    if !oversized.is_empty() {
        let reasons = targets
            .iter()
            .zip(&deletes)
            .map(|(t, delete)| match t {
                Some((table, partition))
                    if !delete && oversized.contains(&(table.as_str(), partition)) =>
                {
                    CancellationReason::item_collection_size_limit_exceeded()
                }
                _ => CancellationReason::none(),
            })
            .collect();
        return Err(ApiError::transaction_canceled(reasons));
    }
    drop(oversized);
    shared::commit_writes(engine, writes)?;

    if let Some(token) = token {
        let replay_units = units.iter().map(|(t, _, r)| (t.clone(), *r)).collect();
        engine
            .client_tokens
            .remember(token, fingerprint, json!({}), replay_units, now);
    }
    let mut out = Map::new();
    if detail != Detail::None {
        let list: Vec<Value> = units
            .iter()
            .filter_map(|(t, u, _)| capacity::consumed(detail, t, *u))
            .collect();
        out.insert("ConsumedCapacity".into(), json!(list));
    }
    if shared::wants_collection_metrics(&req) {
        let written: Vec<_> = targets.into_iter().flatten().collect();
        let metrics = shared::collection_metrics_by_table(engine, &written);
        if !metrics.is_empty() {
            out.insert("ItemCollectionMetrics".into(), Value::Object(metrics));
        }
    }
    Ok(Value::Object(out))
}

/// One action against the item as it is: the write it would make (None for a ConditionCheck)
/// and the size of the item afterwards, or why the transaction must be cancelled.
fn evaluate(
    table: &crate::table::Table,
    action: &Action,
    old: Option<&Item>,
) -> Result<(Option<Option<Item>>, usize), CancellationReason> {
    if let Some(c) = &action.condition {
        if !c.matches(old) {
            let item = if action.all_old { old.cloned() } else { None };
            return Err(CancellationReason::condition_failed(item));
        }
    }
    match action.kind {
        Kind::ConditionCheck => Ok((None, old.map_or(0, item_size))),
        Kind::Delete => Ok((Some(None), 0)),
        Kind::Put => {
            let size = item_size(&action.item);
            Ok((Some(Some(action.item.clone())), size))
        }
        Kind::Update => {
            let base = old.cloned().unwrap_or_else(|| action.item.clone());
            let new = match &action.update {
                Some(p) => p.apply(Some(&base)).map_err(reason_from)?,
                None => base,
            };
            table.check_index_keys(&new).map_err(reason_from)?;
            let size = item_size(&new);
            if size > MAX_ITEM_SIZE {
                return Err(CancellationReason::validation(
                    "Item size to update has exceeded the maximum allowed size",
                ));
            }
            Ok((Some(Some(new)), size))
        }
    }
}

/// A problem found while applying an action becomes that action's ValidationError reason, with
/// the message UpdateItem would have sent.
fn reason_from(e: ApiError) -> CancellationReason {
    CancellationReason::validation(e.message.unwrap_or_default())
}
