//! One page of a Query or Scan: reads items in order until Limit or 1 MB, then filters and
//! projects them, and works out Count, ScannedCount, LastEvaluatedKey and capacity the way
//! DynamoDB does (the filter runs after the read, so it never reduces what is charged).

use serde_json::{json, Map, Value};

use crate::capacity::{self, Detail};
use crate::expr::{Condition, Projection};
use crate::table::Table;
use crate::value::size::item_size;
use crate::value::{wire, Item};

/// DynamoDB stops a Query or Scan page after reading 1 MB.
pub const MAX_PAGE_BYTES: usize = 1024 * 1024;

pub struct PageOptions<'a> {
    pub limit: Option<usize>,
    pub filter: Option<&'a Condition>,
    pub projection: Option<&'a Projection>,
    pub count_only: bool,
    pub consistent: bool,
    pub detail: Detail,
}

/// Builds the response from items in read order.
pub fn read_page<'i>(
    table: &Table,
    items: impl Iterator<Item = &'i Item>,
    opts: &PageOptions,
) -> Value {
    let mut scanned = 0usize;
    let mut bytes = 0usize;
    let mut last: Option<&Item> = None;
    let mut matched: Vec<Item> = Vec::new();
    let mut stopped = false;
    for item in items {
        if opts.limit.is_some_and(|l| scanned >= l) || bytes >= MAX_PAGE_BYTES {
            stopped = true;
            break;
        }
        scanned += 1;
        bytes += item_size(item);
        last = Some(item);
        if opts.filter.is_none_or(|f| f.matches(Some(item))) {
            matched.push(match opts.projection {
                Some(p) => p.apply(item),
                None => item.clone(),
            });
        }
    }
    // DynamoDB hands back a LastEvaluatedKey whenever the page ended on Limit or size, even if
    // nothing follows; it is absent only when the read ran out of items.
    let ended_on_limit = opts.limit.is_some_and(|l| scanned >= l) || bytes >= MAX_PAGE_BYTES;
    let mut out = Map::new();
    if !opts.count_only {
        out.insert(
            "Items".into(),
            Value::Array(matched.iter().map(wire::item_to_json).collect()),
        );
    }
    out.insert("Count".into(), json!(matched.len()));
    out.insert("ScannedCount".into(), json!(scanned));
    if stopped || ended_on_limit {
        if let Some(l) = last {
            out.insert(
                "LastEvaluatedKey".into(),
                wire::item_to_json(&table.key_item(l)),
            );
        }
    }
    let units = capacity::read_units(bytes, opts.consistent);
    if let Some(c) = capacity::consumed(opts.detail, table.name(), units) {
        out.insert("ConsumedCapacity".into(), c);
    }
    Value::Object(out)
}

/// The Select rules Query and Scan share.
pub fn check_select(
    select: Option<&str>,
    has_projection: bool,
    has_index: bool,
) -> crate::error::Result<()> {
    use crate::error::ApiError;
    match select {
        Some("SPECIFIC_ATTRIBUTES") if !has_projection => Err(ApiError::validation(
            "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
        )),
        Some("ALL_ATTRIBUTES") if has_projection => Err(ApiError::validation(
            "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES",
        )),
        Some("COUNT") if has_projection => Err(ApiError::validation(
            "Cannot specify the ProjectionExpression when choosing to get only the Count",
        )),
        Some("ALL_PROJECTED_ATTRIBUTES") if !has_index => Err(ApiError::validation(
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
        )),
        _ => Ok(()),
    }
}
