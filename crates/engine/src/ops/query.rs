//! Query: the items of one partition, in sort-key order, narrowed by a sort-key condition.

use serde_json::{Map, Value};

use super::read_page::{check_select_for, read_page, PageOptions};
use super::shared;
use crate::error::{ApiError, Result};
use crate::expr::legacy::{self, KeyPart};
use crate::expr::SortCondition;
use crate::request::{self, check, field, Field, Req, Rule, Ty};
use crate::table::{partition_hash, PartitionKey};
use crate::value::{AttributeValue, KeyValue};
use crate::Engine;

const SELECT: &[&str] = &[
    "SPECIFIC_ATTRIBUTES",
    "COUNT",
    "ALL_ATTRIBUTES",
    "ALL_PROJECTED_ATTRIBUTES",
];

const FIELDS: &[Field] = &[
    field("Select", Ty::String, &[Rule::Enum(SELECT)]),
    field(
        "IndexName",
        Ty::String,
        &[Rule::NamePattern, Rule::MinLength(3), Rule::MaxLength(255)],
    ),
    request::RETURN_CONSUMED_CAPACITY,
    request::QUERY_FILTER,
    request::TABLE_NAME,
    request::CONDITIONAL_OPERATOR,
    field(
        "AttributesToGet",
        Ty::List(&Ty::String),
        &[Rule::MinLength(1), Rule::MaxLength(255)],
    ),
    field("Limit", Ty::Integer, &[Rule::Min(1)]),
    request::KEY_CONDITIONS,
    field("ExclusiveStartKey", Ty::AttributeMap, &[]),
    field("ConsistentRead", Ty::Boolean, &[]),
    field("ScanIndexForward", Ty::Boolean, &[]),
    field("KeyConditionExpression", Ty::String, &[]),
    field("FilterExpression", Ty::String, &[]),
    field("ProjectionExpression", Ty::String, &[]),
    request::EXPRESSION_ATTRIBUTE_VALUES,
    request::EXPRESSION_ATTRIBUTE_NAMES,
];

/// The ExclusiveStartKey as an item (None: absent), its value errors worded as DynamoDB words them.
pub(super) fn start_key(req: &Req) -> Result<Option<crate::value::Item>> {
    match req.get("ExclusiveStartKey") {
        Some(v) => Ok(Some(shared::item(Some(v)).map_err(start_key_error)?)),
        None => Ok(None),
    }
}

/// ExclusiveStartKey value errors get a prefix, except the number and set ones (as DynamoDB does).
fn start_key_error(e: ApiError) -> ApiError {
    let text = e.message.clone().unwrap_or_default();
    let bare = [
        "contains duplicates",
        "number set",
        "numeric value",
        "significant digits",
        "number with magnitude",
    ];
    if e.kind != crate::ErrorKind::ValidationException || bare.iter().any(|b| text.contains(b)) {
        e
    } else {
        ApiError::validation(format!("The provided starting key is invalid: {text}"))
    }
}

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
    // DynamoDB lets KeyConditions go with the other expressions when KeyConditionExpression is absent.
    let legacy_members: &[&str] = if req.has("KeyConditionExpression") {
        &[
            "AttributesToGet",
            "QueryFilter",
            "ConditionalOperator",
            "KeyConditions",
        ]
    } else {
        &["AttributesToGet", "QueryFilter", "ConditionalOperator"]
    };
    let mut exprs = shared::expressions(
        &req,
        &[
            "ProjectionExpression",
            "FilterExpression",
            "KeyConditionExpression",
        ],
        legacy_members,
    )?;
    shared::conditional_operator(&req, "QueryFilter")?;
    let query_filter = shared::legacy_filter(&req, "QueryFilter")?;
    let attributes_to_get = shared::legacy_attributes_to_get(&req)?;
    let start = start_key(&req)?;
    if !req.has("KeyConditions") && !req.has("KeyConditionExpression") {
        return Err(ApiError::validation(
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
        ));
    }
    shared::attribute_names_and_values(&req, &mut exprs)?;
    let key_conditions = match req.object("KeyConditions") {
        Some(k) if !req.has("KeyConditionExpression") => Some(legacy::check_key_conditions(k)?),
        _ => None,
    };

    let table_name = req.str("TableName").unwrap_or_default();
    let key_text = req.str("KeyConditionExpression").unwrap_or_default();
    let now = engine.now_millis();
    let Some(table) = engine
        .tables
        .get(table_name)
        .filter(|t| t.def.settings.status(now) != "CREATING")
    else {
        // Syntax errors still come before the missing table, as in DynamoDB.
        if key_conditions.is_none() {
            exprs.condition(key_text, "KeyConditionExpression")?;
        }
        return Err(ApiError::resource_not_found());
    };
    if let Some(index_name) = req.str("IndexName") {
        let index = table.index(index_name).ok_or_else(|| {
            ApiError::validation(format!(
                "The table does not have the specified index: {index_name}"
            ))
        })?;
        let legacy_parts = super::query_index::Legacy {
            key_conditions: key_conditions.as_deref(),
            filter: query_filter,
            projection: attributes_to_get,
        };
        return super::query_index::run(
            table,
            index,
            &req,
            &mut exprs,
            start.as_ref(),
            now,
            legacy_parts,
        );
    }
    let schema = &table.def.key_schema;
    let key_condition = match &key_conditions {
        Some(checked) => legacy::key_conditions(
            checked,
            KeyPart {
                name: &schema.hash.name,
                ty: schema.hash.ty.as_str(),
            },
            schema.range.as_ref().map(|r| KeyPart {
                name: &r.name,
                ty: r.ty.as_str(),
            }),
        )?,
        None => exprs.key_condition(
            key_text,
            &schema.hash.name,
            schema.range.as_ref().map(|r| r.name.as_str()),
        )?,
    };
    let filter_member = if query_filter.is_some() {
        "QueryFilter"
    } else {
        "Filter Expression"
    };
    let filter = match req.str("FilterExpression") {
        Some(text) => Some(exprs.condition(text, "FilterExpression")?),
        None => query_filter,
    };
    let (projection, projection_member) =
        shared::projection_or_legacy(&req, &mut exprs, attributes_to_get)?;
    exprs.check_unused()?;
    check_select_for(
        req.str("Select"),
        projection.is_some().then_some(projection_member),
        false,
        true,
    )?;

    if let Some(f) = &filter {
        if let Some(key) = f.attribute_names().into_iter().find(|n| schema.is_key(n)) {
            return Err(ApiError::validation(format!(
                "{filter_member} can only contain non-primary key attributes: Primary key attribute: {key}"
            )));
        }
    }
    // The key condition's values must have the key attributes' types.
    if key_condition.partition.type_name() != schema.hash.ty.as_str() {
        return Err(type_mismatch());
    }
    if let (Some(sort), Some(range)) = (&key_condition.sort, &schema.range) {
        check_sort_condition(sort, range.ty)?;
    }

    let start_sort = match &start {
        Some(s) => {
            let k = table.key_of_request(s).map_err(|e| {
                ApiError::validation(format!(
                    "The provided starting key is invalid: {}",
                    e.message.unwrap_or_default()
                ))
            })?;
            if KeyValue::from_attribute(&key_condition.partition).as_ref()
                != Some(&k.partition.value)
            {
                return Err(ApiError::validation(
                    "The provided starting key is outside query boundaries based on provided conditions",
                ));
            }
            Some(k.sort)
        }
        None => None,
    };

    let forward = req.bool("ScanIndexForward").unwrap_or(true);
    let pk = KeyValue::from_attribute(&key_condition.partition).ok_or_else(type_mismatch)?;
    let partition = table.partitions.get(&PartitionKey {
        hash: partition_hash(&pk),
        value: pk,
    });
    let empty = Default::default();
    let partition = partition.unwrap_or(&empty);
    let in_range = |sort: &Option<KeyValue>| match (&key_condition.sort, sort) {
        (None, _) => true,
        (Some(cond), Some(k)) => cond.matches(&k.to_attribute()),
        (Some(_), None) => false,
    };
    // Seek to the sort-key range rather than walk the whole partition.
    let bounds = sort_bounds(key_condition.sort.as_ref());
    let after_start = |sort: &Option<KeyValue>| match &start_sort {
        None => true,
        Some(s) => {
            if forward {
                sort > s
            } else {
                sort < s
            }
        }
    };
    let iter: Box<dyn Iterator<Item = (&Option<KeyValue>, &crate::value::Item)>> = if forward {
        Box::new(partition.range(bounds))
    } else {
        Box::new(partition.range(bounds).rev())
    };
    let items = iter
        .filter(|(k, _)| in_range(k) && after_start(k))
        .map(|(_, v)| v);
    let opts = PageOptions::of_request(
        &req,
        filter.as_ref(),
        projection.as_ref(),
        req.bool("ConsistentRead").unwrap_or(false),
        None,
    );
    Ok(read_page(table, items, &opts))
}

pub(super) fn type_mismatch() -> ApiError {
    ApiError::validation(
        "One or more parameter values were invalid: Condition parameter type does not match schema type",
    )
}

/// The checks on a sort-key condition's operands: the key's type, begins_with only on S and B,
/// and BETWEEN bounds in order.
pub(super) fn check_sort_condition(
    sort: &SortCondition,
    ty: crate::table::ScalarType,
) -> Result<()> {
    let values: Vec<&AttributeValue> = match sort {
        SortCondition::Between(a, b) => vec![a, b],
        SortCondition::Eq(v)
        | SortCondition::Lt(v)
        | SortCondition::Le(v)
        | SortCondition::Gt(v)
        | SortCondition::Ge(v)
        | SortCondition::BeginsWith(v) => vec![v],
    };
    if values.iter().any(|v| v.type_name() != ty.as_str()) {
        return Err(type_mismatch());
    }
    if matches!(sort, SortCondition::BeginsWith(AttributeValue::N(_))) {
        return Err(ApiError::validation(
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
        ));
    }
    if let SortCondition::Between(a, b) = sort {
        if KeyValue::from_attribute(a) > KeyValue::from_attribute(b) {
            return Err(ApiError::validation(format!(
                "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                operand_text(a),
                operand_text(b)
            )));
        }
    }
    Ok(())
}

/// How DynamoDB prints a key operand in messages: `{S:abc}`.
fn operand_text(v: &AttributeValue) -> String {
    let text = match v {
        AttributeValue::S(s) => s.clone(),
        AttributeValue::N(n) => n.to_string(),
        other => crate::value::wire::value_to_json(other).to_string(),
    };
    format!("{{{}:{}}}", v.type_name(), text)
}

type SortBound = std::ops::Bound<Option<KeyValue>>;

/// The slice of a partition's sort keys a sort condition can match (the condition itself is still
/// applied to each key, so these bounds only need to be wide enough).
fn sort_bounds(cond: Option<&SortCondition>) -> (SortBound, SortBound) {
    use std::ops::Bound::{Excluded, Included, Unbounded};
    let key = |v: &AttributeValue| KeyValue::from_attribute(v);
    match cond {
        Some(SortCondition::Eq(v)) => (Included(key(v)), Included(key(v))),
        Some(SortCondition::Lt(v)) => (Unbounded, Excluded(key(v))),
        Some(SortCondition::Le(v)) => (Unbounded, Included(key(v))),
        Some(SortCondition::Gt(v)) => (Excluded(key(v)), Unbounded),
        Some(SortCondition::Ge(v)) | Some(SortCondition::BeginsWith(v)) => {
            (Included(key(v)), Unbounded)
        }
        Some(SortCondition::Between(a, b)) if key(a) <= key(b) => {
            (Included(key(a)), Included(key(b)))
        }
        _ => (Unbounded, Unbounded),
    }
}
