//! One page of a Query or Scan: reads items in order until Limit or 1 MB, then filters and
//! projects them, and works out Count, ScannedCount, LastEvaluatedKey and capacity the way
//! DynamoDB does (the filter runs after the read, so it never reduces what is charged).

use serde_json::{json, Map, Value};

use crate::capacity::{self, Detail};
use crate::expr::{Condition, Projection};
use crate::index::Index;
use crate::request::Req;
use crate::table::Table;
use crate::throughput::{Charge, Op};
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

impl<'a> PageOptions<'a> {
    /// A Query's or Scan's page: its Limit, Select COUNT and ReturnConsumedCapacity, with the
    /// filter, projection and read consistency already worked out, on `index` (None: the table).
    pub fn of_request(
        req: &Req,
        filter: Option<&'a Condition>,
        projection: Option<&'a Projection>,
        consistent: bool,
        index: Option<IndexRead<'a>>,
    ) -> PageOptions<'a> {
        PageOptions {
            limit: req.int("Limit").map(|l| l.max(1) as usize),
            filter,
            projection,
            count_only: req.str("Select") == Some("COUNT"),
            consistent,
            detail: Detail::parse(req.str("ReturnConsumedCapacity")),
            index,
        }
    }
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
) -> (Value, Charge) {
    let mut scanned = 0usize;
    let mut bytes = 0usize;
    let mut fetched_bytes = 0usize;
    let mut last: Option<&Item> = None;
    let mut matched: Vec<Item> = Vec::new();
    let mut stopped = false;
    let mut first_hash = 0u64;
    for entry in items {
        if opts.limit.is_some_and(|l| scanned >= l) || bytes >= MAX_PAGE_BYTES {
            stopped = true;
            break;
        }
        if scanned == 0 {
            first_hash = page_hash(table, opts, entry);
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
    let (consumed, charge) = match &opts.index {
        None => (
            capacity::consumed(opts.detail, table.name(), units),
            Charge::table(table, Op::Read, first_hash, None, units),
        ),
        Some(read) => {
            let table_units = if fetched_bytes > 0 {
                capacity::read_units(fetched_bytes, opts.consistent)
            } else {
                0.0
            };
            let charge = Charge::index_read(table, read.index, first_hash, units, table_units);
            (
                capacity::consumed_with_index(
                    opts.detail,
                    table.name(),
                    table_units,
                    &read.index.def.name,
                    read.index.def.kind,
                    units,
                ),
                charge,
            )
        }
    };
    if let Some(c) = consumed {
        out.insert("ConsumedCapacity".into(), c);
    }
    (Value::Object(out), charge)
}

/// The partition a page is charged to: that of the first entry read (a Query reads one
/// partition; a Scan page is charged where it starts).
fn page_hash(table: &Table, opts: &PageOptions, entry: &Item) -> u64 {
    match &opts.index {
        Some(read) => read.index.place(entry).map_or(0, |(p, _)| p.hash),
        None => entry
            .get(&table.def.key_schema.hash.name)
            .and_then(crate::value::KeyValue::from_attribute)
            .map_or(0, |k| crate::table::partition_hash(&k)),
    }
}

/// The Select rules Query and Scan share, naming the projection member the request used (ProjectionExpression or
/// the legacy AttributesToGet) in the messages.
/// Query reports these as a one-item constraint list ("1 validation error detected: ..."), Scan
/// bare, so `query` picks the form.
pub fn check_select_for(
    select: Option<&str>,
    projection: Option<&str>,
    has_index: bool,
    query: bool,
) -> crate::error::Result<()> {
    use crate::error::ApiError;
    let message = match (select, projection) {
        (Some("SPECIFIC_ATTRIBUTES"), None) => "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES".to_string(),
        (Some("ALL_ATTRIBUTES"), Some(member)) => {
            format!("Cannot specify the {member} when choosing to get ALL_ATTRIBUTES")
        }
        (Some("COUNT"), Some(member)) => {
            format!("Cannot specify the {member} when choosing to get only the Count")
        }
        (Some("ALL_PROJECTED_ATTRIBUTES"), _) if !has_index => {
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName".to_string()
        }
        (Some("ALL_PROJECTED_ATTRIBUTES"), Some(member)) => {
            format!("Cannot specify the {member} when choosing to get ALL_PROJECTED_ATTRIBUTES")
        }
        _ => return Ok(()),
    };
    Err(ApiError::validation(if query {
        format!("1 validation error detected: {message}")
    } else {
        message
    }))
}
