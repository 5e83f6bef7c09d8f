//! Scan: every item of a table in partition-hash order, optionally one segment of a parallel scan.

use serde_json::{Map, Value};

use super::query::start_key;
use std::ops::Bound;

use super::read_page::{check_select_for, read_page, IndexRead, PageOptions};
use super::shared;
use crate::error::{ApiError, Result};
use crate::index::{IndexKind, IndexSort, ProjectionType};
use crate::request::{self, check, field, Field, Req, Rule, Ty};
use crate::Engine;

const SELECT: &[&str] = &[
    "SPECIFIC_ATTRIBUTES",
    "COUNT",
    "ALL_ATTRIBUTES",
    "ALL_PROJECTED_ATTRIBUTES",
];

const FIELDS: &[Field] = &[
    field(
        "AttributesToGet",
        Ty::List(&Ty::String),
        &[Rule::MinLength(1), Rule::MaxLength(255)],
    ),
    field("ExclusiveStartKey", Ty::AttributeMap, &[]),
    field(
        "IndexName",
        Ty::String,
        &[Rule::NamePattern, Rule::MinLength(3), Rule::MaxLength(255)],
    ),
    field(
        "TotalSegments",
        Ty::Integer,
        &[Rule::Min(1), Rule::Max(1_000_000)],
    ),
    request::RETURN_CONSUMED_CAPACITY,
    field("Select", Ty::String, &[Rule::Enum(SELECT)]),
    request::TABLE_NAME,
    request::SCAN_FILTER,
    request::CONDITIONAL_OPERATOR,
    field("Segment", Ty::Integer, &[Rule::Min(0), Rule::Max(999_999)]),
    field("Limit", Ty::Integer, &[Rule::Min(1)]),
    field("ConsistentRead", Ty::Boolean, &[]),
    field("FilterExpression", Ty::String, &[]),
    field("ProjectionExpression", Ty::String, &[]),
    request::EXPRESSION_ATTRIBUTE_VALUES,
    request::EXPRESSION_ATTRIBUTE_NAMES,
];

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    // The page is read first (reading changes nothing), then charged or throttled.
    let (page, charge) = read(engine, request)?;
    shared::admit(engine, &charge)?;
    Ok(page)
}

fn read(
    engine: &mut Engine,
    request: &Map<String, Value>,
) -> Result<(Value, crate::throughput::Charge)> {
    check(request, FIELDS)?;
    let req = Req(request);
    let mut exprs = shared::expressions(
        &req,
        &["ProjectionExpression", "FilterExpression"],
        &["AttributesToGet", "ScanFilter", "ConditionalOperator"],
    )?;
    shared::conditional_operator(&req, "ScanFilter")?;
    let attributes_to_get = shared::legacy_attributes_to_get(&req)?;
    let scan_filter = shared::legacy_filter(&req, "ScanFilter")?;
    let start = start_key(&req)?;
    let segment = req.int("Segment");
    let total = req.int("TotalSegments");
    if segment.is_some() && total.is_none() {
        return Err(ApiError::validation(
            "The TotalSegments parameter is required but was not present in the request when Segment parameter is present",
        ));
    }
    if let Some(total) = total {
        let Some(segment) = segment else {
            return Err(ApiError::validation(
                "The Segment parameter is required but was not present in the request when parameter TotalSegments is present",
            ));
        };
        if segment >= total {
            return Err(ApiError::validation(format!(
                "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {segment} is not less than TotalSegments: {total}"
            )));
        }
    }
    shared::attribute_names_and_values(&req, &mut exprs)?;
    let filter = match req.str("FilterExpression") {
        Some(text) => Some(exprs.condition(text, "FilterExpression")?),
        None => scan_filter,
    };
    let (projection, projection_member) =
        shared::projection_or_legacy(&req, &mut exprs, attributes_to_get)?;
    exprs.check_unused()?;
    check_select_for(
        req.str("Select"),
        projection.is_some().then_some(projection_member),
        req.has("IndexName"),
        false,
    )?;

    let table_name = req.str("TableName").unwrap_or_default();
    let table = shared::table(engine, table_name)?;
    let index = match req.str("IndexName") {
        Some(name) => Some(table.index(name).ok_or_else(|| {
            ApiError::validation(format!(
                "The table does not have the specified index: {name}"
            ))
        })?),
        None => None,
    };
    let consistent = req.bool("ConsistentRead").unwrap_or(false);
    if let Some(index) = index {
        super::query_index::check_readable(index, engine.now_millis())?;
        if consistent && index.def.kind == IndexKind::Global {
            return Err(ApiError::validation(
                "Consistent reads are not supported on global secondary indexes",
            ));
        }
        if req.str("Select") == Some("ALL_ATTRIBUTES")
            && index.def.kind == IndexKind::Global
            && index.def.projection != ProjectionType::All
        {
            return Err(ApiError::validation(format!(
                "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index {} because its projection type is not ALL",
                index.def.name
            )));
        }
    }

    // A segment owns a contiguous slice of the partition-hash space.
    let (low, high) = match (segment, total) {
        (Some(s), Some(t)) if t > 1 => {
            let span = 1u128 << 64;
            let lo = span * s as u128 / t as u128;
            let hi = span * (s as u128 + 1) / t as u128;
            (lo, hi)
        }
        _ => (0, 1u128 << 64),
    };
    let opts = PageOptions::of_request(
        &req,
        filter.as_ref(),
        projection.as_ref(),
        consistent,
        index.map(|index| IndexRead {
            index,
            fetch_from_table: index.def.kind == IndexKind::Local
                && index.def.projection != ProjectionType::All
                && req.str("Select") == Some("ALL_ATTRIBUTES"),
        }),
    );
    let wrong_segment = || {
        ApiError::validation(format!(
            "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: {} Segment: {}",
            total.unwrap_or(1),
            segment.unwrap_or(0)
        ))
    };
    let in_segment = |hash: u64| (hash as u128) >= low && (hash as u128) < high;
    let table_start = match &start {
        Some(s) => Some(table.key_of_request(&table.key_item(s)).map_err(|e| {
            ApiError::validation(format!(
                "The provided starting key is invalid: {}",
                e.message.unwrap_or_default()
            ))
        })?),
        None => None,
    };

    if let Some(index) = index {
        // An index is scanned in its own partition-hash order.
        let start_key = match (&start, table_start) {
            (Some(s), Some(table_key)) => {
                let (partition, values) = index
                    .place(s)
                    .ok_or_else(|| ApiError::validation("The provided starting key is invalid"))?;
                if !in_segment(partition.hash) {
                    return Err(wrong_segment());
                }
                Some((partition, IndexSort { values, table_key }))
            }
            _ => None,
        };
        let items = index
            .entries
            .iter()
            .filter(|(p, _)| in_segment(p.hash))
            .flat_map(|(p, sorted)| sorted.iter().map(move |(sort, item)| (p, sort, item)))
            .filter(|(p, sort, _)| match &start_key {
                Some((sp, ss)) => (*p, *sort) > (sp, ss),
                None => true,
            })
            .map(|(_, _, item)| item);
        return Ok(read_page(table, items, &opts));
    }

    let start_key = match table_start {
        Some(k) => {
            if !in_segment(k.partition.hash) {
                return Err(wrong_segment());
            }
            Some(k)
        }
        None => None,
    };
    let from = match &start_key {
        Some(s) => Bound::Included(s.partition.clone()),
        None => Bound::Unbounded,
    };
    let items = table
        .partitions
        .range((from, Bound::Unbounded))
        .filter(|(p, _)| in_segment(p.hash))
        .flat_map(|(p, sorted)| sorted.iter().map(move |(sort, item)| (p, sort, item)))
        .filter(|(p, sort, _)| match &start_key {
            Some(s) => (*p, *sort) > (&s.partition, &s.sort),
            None => true,
        })
        .map(|(_, _, item)| item);
    Ok(read_page(table, items, &opts))
}
