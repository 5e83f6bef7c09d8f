//! Scan: every item of a table in partition-hash order, optionally one segment of a parallel scan.

use serde_json::{Map, Value};

use super::query::start_key_error;
use super::read_page::{check_select, read_page, PageOptions};
use super::shared;
use crate::capacity::Detail;
use crate::error::{ApiError, Result};
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
    field("TableName", Ty::String, request::TABLE_NAME_RULES),
    field(
        "ScanFilter",
        Ty::StructMap("Condition", &Ty::Struct("Condition", &[])),
        &[],
    ),
    field(
        "ConditionalOperator",
        Ty::String,
        &[Rule::Enum(&["OR", "AND"])],
    ),
    field("Segment", Ty::Integer, &[Rule::Min(0), Rule::Max(999_999)]),
    field("Limit", Ty::Integer, &[Rule::Min(1)]),
    field("ConsistentRead", Ty::Boolean, &[]),
    field("FilterExpression", Ty::String, &[]),
    field("ProjectionExpression", Ty::String, &[]),
    request::EXPRESSION_ATTRIBUTE_VALUES,
    request::EXPRESSION_ATTRIBUTE_NAMES,
];

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, FIELDS)?;
    let req = Req(request);
    let mut exprs = shared::expressions(
        &req,
        &["ProjectionExpression", "FilterExpression"],
        &["AttributesToGet", "ScanFilter", "ConditionalOperator"],
    )?;
    let start = match req.get("ExclusiveStartKey") {
        Some(v) => Some(shared::item(Some(v)).map_err(start_key_error)?),
        None => None,
    };
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
    shared::reject_legacy(
        &req,
        &["AttributesToGet", "ScanFilter", "ConditionalOperator"],
    )?;
    shared::attribute_names_and_values(&req, &mut exprs)?;
    let filter = match req.str("FilterExpression") {
        Some(text) => Some(exprs.condition(text, "FilterExpression")?),
        None => None,
    };
    let projection = match req.str("ProjectionExpression") {
        Some(text) => Some(exprs.projection(text)?),
        None => None,
    };
    exprs.check_unused()?;
    check_select(
        req.str("Select"),
        projection.is_some(),
        req.has("IndexName"),
    )?;

    let table_name = req.str("TableName").unwrap_or_default();
    let table = shared::table(engine, table_name)?;
    if let Some(index) = req.str("IndexName") {
        return Err(ApiError::validation(format!(
            "The table does not have the specified index: {index}"
        )));
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
    let start_key = match &start {
        Some(s) => {
            let k = table.key_of_request(s).map_err(|e| {
                ApiError::validation(format!(
                    "The provided starting key is invalid: {}",
                    e.message.unwrap_or_default()
                ))
            })?;
            let h = k.partition.hash as u128;
            if h < low || h >= high {
                return Err(ApiError::validation(format!(
                    "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: {} Segment: {}",
                    total.unwrap_or(1),
                    segment.unwrap_or(0)
                )));
            }
            Some(k)
        }
        None => None,
    };
    let items = table
        .partitions
        .iter()
        .filter(|(p, _)| (p.hash as u128) >= low && (p.hash as u128) < high)
        .filter(|(p, _)| start_key.as_ref().is_none_or(|s| **p >= s.partition))
        .flat_map(|(p, sorted)| sorted.iter().map(move |(sort, item)| (p, sort, item)))
        .filter(|(p, sort, _)| match &start_key {
            Some(s) => (*p, *sort) > (&s.partition, &s.sort),
            None => true,
        })
        .map(|(_, _, item)| item);
    let opts = PageOptions {
        limit: req.int("Limit").map(|l| l.max(1) as usize),
        filter: filter.as_ref(),
        projection: projection.as_ref(),
        count_only: req.str("Select") == Some("COUNT"),
        consistent: req.bool("ConsistentRead").unwrap_or(false),
        detail: Detail::parse(req.str("ReturnConsumedCapacity")),
    };
    Ok(read_page(table, items, &opts))
}
