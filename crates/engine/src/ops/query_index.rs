//! Query on a secondary index: the key condition is on the index's key (one or more partition
//! and sort key attributes), entries come in index order, and what can be returned depends on
//! the index's projection (an LSI can fetch the rest from the table; a GSI cannot).

use serde_json::Value;

use super::query::{check_sort_condition, type_mismatch};
use super::read_page::{check_select_for, read_page, IndexRead, PageOptions};
use crate::error::{ApiError, Result};
use crate::expr::key_condition::MultiKeyCondition;
use crate::expr::legacy::{self, KeyPart};
use crate::expr::{Condition, Expressions, Projection, SortCondition};
use crate::index::{Index, IndexKind, IndexSort, ProjectionType};
use crate::request::Req;
use crate::table::Table;
use crate::value::{Item, KeyValue};

/// The legacy members of a Query, already checked, for an index query to use.
pub struct Legacy<'a> {
    pub key_conditions: Option<&'a [legacy::Checked]>,
    pub filter: Option<Condition>,
    pub projection: Option<Projection>,
}

pub fn run(
    table: &Table,
    index: &Index,
    req: &Req,
    exprs: &mut Expressions,
    start: Option<&Item>,
    now: i64,
    legacy_parts: Legacy,
) -> Result<(Value, crate::throughput::Charge)> {
    let schema = &index.def.key_schema;
    let hash: Vec<&str> = schema.hash.iter().map(|a| a.name.as_str()).collect();
    let range: Vec<&str> = schema.range.iter().map(|a| a.name.as_str()).collect();
    let key_text = req.str("KeyConditionExpression").unwrap_or_default();
    let condition = match (legacy_parts.key_conditions, schema.simple()) {
        (Some(checked), Some((h, r))) => {
            let single = legacy::key_conditions(
                checked,
                KeyPart {
                    name: &h.name,
                    ty: h.ty.as_str(),
                },
                r.map(|r| KeyPart {
                    name: &r.name,
                    ty: r.ty.as_str(),
                }),
            )?;
            let (sort_equal, sort_last) = match single.sort {
                Some(SortCondition::Eq(v)) => (vec![v], None),
                other => (Vec::new(), other),
            };
            MultiKeyCondition {
                partition: vec![single.partition],
                sort_equal,
                sort_last,
            }
        }
        (Some(_), None) => return Err(ApiError::validation(
            "KeyConditions can't be used with a multi-attribute key; use KeyConditionExpression",
        )),
        (None, _) => exprs.key_condition_multi(key_text, &hash, &range)?,
    };
    let filter = match req.str("FilterExpression") {
        Some(text) => Some(exprs.condition(text, "FilterExpression")?),
        None => legacy_parts.filter,
    };
    let (projection, projection_member) =
        super::shared::projection_or_legacy(req, exprs, legacy_parts.projection)?;
    exprs.check_unused()?;
    check_select_for(
        req.str("Select"),
        projection.is_some().then_some(projection_member),
        true,
        true,
    )?;

    let global = index.def.kind == IndexKind::Global;
    check_readable(index, now)?;
    let consistent = req.bool("ConsistentRead").unwrap_or(false);
    if consistent && global {
        return Err(ApiError::validation(
            "Consistent reads are not supported on global secondary indexes",
        ));
    }
    if let Some(f) = &filter {
        if let Some(key) = f.attribute_names().into_iter().find(|n| schema.is_key(n)) {
            return Err(ApiError::validation(format!(
                "Filter Expression can only contain non-primary key attributes: Primary key attribute: {key}"
            )));
        }
    }
    // Asking for more than the index holds: a GSI refuses, an LSI reads the table too.
    let holds_everything = index.def.projection == ProjectionType::All;
    let wants_all = req.str("Select") == Some("ALL_ATTRIBUTES");
    if wants_all && !holds_everything && global {
        return Err(ApiError::validation(format!(
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index {} because its projection type is not ALL",
            index.def.name
        )));
    }
    let projected = |name: &str| {
        schema.is_key(name)
            || table.def.key_schema.is_key(name)
            || match &index.def.projection {
                ProjectionType::All => true,
                ProjectionType::KeysOnly => false,
                ProjectionType::Include(names) => names.iter().any(|n| n == name),
            }
    };
    let needs_more = projection
        .as_ref()
        .is_some_and(|p| p.attribute_names().iter().any(|n| !projected(n)))
        || filter
            .as_ref()
            .is_some_and(|f| f.attribute_names().iter().any(|n| !projected(n)));
    let fetch_from_table = !global && !holds_everything && (wants_all || needs_more);

    // The condition's values must have the index key attributes' types.
    for (value, attr) in condition.partition.iter().zip(&schema.hash) {
        if value.type_name() != attr.ty.as_str() {
            return Err(type_mismatch());
        }
    }
    for (value, attr) in condition.sort_equal.iter().zip(&schema.range) {
        if value.type_name() != attr.ty.as_str() {
            return Err(type_mismatch());
        }
    }
    if let Some(last) = &condition.sort_last {
        if let Some(attr) = schema.range.get(condition.sort_equal.len()) {
            check_sort_condition(last, attr.ty)?;
        }
    }
    let partition_values: Vec<KeyValue> = condition
        .partition
        .iter()
        .map(KeyValue::from_attribute)
        .collect::<Option<_>>()
        .ok_or_else(type_mismatch)?;
    let partition_key = crate::index::IndexPartition {
        hash: crate::table::partition_hash_of(&partition_values),
        values: partition_values,
    };

    let start_sort = match start {
        Some(s) => {
            let invalid = || ApiError::validation("The provided starting key is invalid");
            let table_key = table.key_of_request(&table.key_item(s)).map_err(|e| {
                ApiError::validation(format!(
                    "The provided starting key is invalid: {}",
                    e.message.unwrap_or_default()
                ))
            })?;
            let (partition, values) = index.place(s).ok_or_else(invalid)?;
            if partition != partition_key {
                return Err(ApiError::validation(
                    "The provided starting key is outside query boundaries based on provided conditions",
                ));
            }
            Some(IndexSort { values, table_key })
        }
        None => None,
    };

    let forward = req.bool("ScanIndexForward").unwrap_or(true);
    let empty = Default::default();
    let entries = index.entries.get(&partition_key).unwrap_or(&empty);
    let iter: Box<dyn Iterator<Item = (&IndexSort, &Item)>> = if forward {
        Box::new(entries.iter())
    } else {
        Box::new(entries.iter().rev())
    };
    let items = iter
        .filter(|(k, _)| condition.sort_matches(&k.values))
        .filter(|(k, _)| match &start_sort {
            None => true,
            Some(s) if forward => *k > s,
            Some(s) => *k < s,
        })
        .map(|(_, v)| v);
    let opts = PageOptions::of_request(
        req,
        filter.as_ref(),
        projection.as_ref(),
        consistent,
        Some(IndexRead {
            index,
            fetch_from_table,
        }),
    );
    Ok(read_page(table, items, &opts))
}

/// A GSI being created can't be read until its backfill is done.
pub(super) fn check_readable(index: &Index, now: i64) -> Result<()> {
    match &index.def.pending {
        Some(p) if p.status == "CREATING" && p.active_at(now) => {
            Err(ApiError::validation(format!(
                "Cannot read from backfilling global secondary index: {}",
                index.def.name
            )))
        }
        _ => Ok(()),
    }
}
