//! One page of a Query or Scan: reads items in order until Limit or 1 MB, then filters and
//! projects them, and works out Count, ScannedCount, LastEvaluatedKey and capacity the way
//! DynamoDB does (the filter runs after the read, so it never reduces what is charged).

use serde_json::{json, Map, Value};

use crate::capacity::{self, Detail};
use crate::expr::{Condition, Projection};
use crate::index::Index;
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
    /// Set when the page reads a secondary index rather than the table.
    pub index: Option<IndexRead<'a>>,
}

/// Reading an index: its entries carry only projected attributes; an LSI read that asks for
/// more fetches each item from the table too (and pays for that read).
pub struct IndexRead<'a> {
    pub index: &'a Index,
    pub fetch_from_table: bool,
}

/// Builds the response from entries (table items, or index entries) in read order.
pub fn read_page<'i>(
    table: &Table,
    items: impl Iterator<Item = &'i Item>,
    opts: &PageOptions,
) -> Value {
    let mut scanned = 0usize;
    let mut bytes = 0usize;
    let mut fetched_bytes = 0usize;
    let mut last: Option<&Item> = None;
    let mut matched: Vec<Item> = Vec::new();
    let mut stopped = false;
    for entry in items {
        if opts.limit.is_some_and(|l| scanned >= l) || bytes >= MAX_PAGE_BYTES {
            stopped = true;
            break;
        }
        scanned += 1;
        bytes += item_size(entry);
        last = Some(entry);
        let fetched = match &opts.index {
            Some(read) if read.fetch_from_table => table
                .key_of_request(&table.key_item(entry))
                .ok()
                .and_then(|k| table.get(&k)),
            _ => None,
        };
        if let Some(f) = fetched {
            fetched_bytes += item_size(f);
        }
        let item = fetched.unwrap_or(entry);
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
            // An index page restarts from the index key and the table key together.
            let mut key = table.key_item(l);
            if let Some(read) = &opts.index {
                for attr in read.index.def.key_schema.attributes() {
                    if let Some(v) = l.get(&attr.name) {
                        key.insert(attr.name.clone(), v.clone());
                    }
                }
            }
            out.insert("LastEvaluatedKey".into(), wire::item_to_json(&key));
        }
    }
    let units = capacity::read_units(bytes, opts.consistent);
    let consumed = match &opts.index {
        None => capacity::consumed(opts.detail, table.name(), units),
        Some(read) => {
            let table_units = if fetched_bytes > 0 {
                capacity::read_units(fetched_bytes, opts.consistent)
            } else {
                0.0
            };
            capacity::consumed_with_index(
                opts.detail,
                table.name(),
                table_units,
                &read.index.def.name,
                read.index.def.kind,
                units,
            )
        }
    };
    if let Some(c) = consumed {
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
