//! Reading LocalSecondaryIndexes / GlobalSecondaryIndexes as CreateTable (and later UpdateTable)
//! receive them: their request shapes, and DynamoDB's checks in DynamoDB's order.

use super::shapes::{INDEX_NAME as INDEX_NAME_RULES, PROVISIONED_THROUGHPUT as THROUGHPUT};
use serde_json::Value;

use crate::error::{ApiError, Result};
use crate::index::{IndexDefinition, IndexKeySchema, IndexKind, ProjectionType};
use crate::request::{field, Rule, Ty};
use crate::table::KeyAttribute;

const INDEX_KEY_ELEMENT: Ty = Ty::Struct(
    "KeySchemaElement",
    &[
        field(
            "AttributeName",
            Ty::String,
            super::shapes::KEY_ATTRIBUTE_NAME,
        ),
        field("KeyType", Ty::String, &[Rule::NotNull]),
    ],
);
const PROJECTION: Ty = Ty::FieldStruct(
    "Projection",
    &[
        field(
            "ProjectionType",
            Ty::String,
            &[Rule::Enum(&["ALL", "INCLUDE", "KEYS_ONLY"])],
        ),
        field(
            "NonKeyAttributes",
            Ty::List(&Ty::String),
            &[Rule::MinLength(1)],
        ),
    ],
);

pub const LOCAL_SECONDARY_INDEX: Ty = Ty::Struct(
    "LocalSecondaryIndex",
    &[
        field("IndexName", Ty::String, INDEX_NAME_RULES),
        field(
            "KeySchema",
            Ty::List(&INDEX_KEY_ELEMENT),
            &[Rule::NotNull, Rule::MinLength(1), Rule::MaxLength(2)],
        ),
        field("Projection", PROJECTION, &[Rule::NotNull]),
    ],
);

pub const GLOBAL_SECONDARY_INDEX: Ty = Ty::Struct(
    "GlobalSecondaryIndex",
    &[
        field("IndexName", Ty::String, INDEX_NAME_RULES),
        // Multi-attribute keys (Nov 2025) allow up to 4 HASH and 4 RANGE elements.
        field(
            "KeySchema",
            Ty::List(&INDEX_KEY_ELEMENT),
            &[Rule::NotNull, Rule::MinLength(1), Rule::MaxLength(8)],
        ),
        field("Projection", PROJECTION, &[Rule::NotNull]),
        field("ProvisionedThroughput", THROUGHPUT, &[]),
    ],
);

/// DynamoDB's per-table limits on indexes and projections.
pub const MAX_LSIS: usize = 5;
pub const MAX_GSIS: usize = 20;
pub const MAX_PROJECTED_NON_KEY: usize = 100;
pub const MAX_MULTI_KEY_ATTRIBUTES: usize = 4;

fn invalid(message: impl std::fmt::Display) -> ApiError {
    ApiError::validation(format!(
        "One or more parameter values were invalid: {message}"
    ))
}

/// What the table-level checks need to know about the table being created.
pub struct TableContext<'a> {
    pub arn: &'a str,
    pub hash: &'a str,
    pub has_range: bool,
    pub definitions: &'a [KeyAttribute],
    pub pay_per_request: bool,
}

fn key_elements(spec: &Value) -> Vec<(String, String)> {
    name_pairs(spec["KeySchema"].as_array(), "KeyType")
}

/// A checked list of AttributeDefinitions or KeySchema elements as (AttributeName, `second`)
/// pairs; a member the types left out reads as "".
pub(super) fn name_pairs(list: Option<&Vec<Value>>, second: &str) -> Vec<(String, String)> {
    list.into_iter()
        .flatten()
        .map(|e| {
            (
                e["AttributeName"].as_str().unwrap_or_default().to_string(),
                e[second].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Parses and checks a list of LSIs or GSIs. `seen` carries index names across both lists,
/// since names must be unique over all of a table's indexes.
pub fn parse_indexes(
    specs: &[Value],
    kind: IndexKind,
    table: &TableContext,
    seen: &mut Vec<String>,
) -> Result<Vec<IndexDefinition>> {
    let list_name = match kind {
        IndexKind::Local => "LocalSecondaryIndexes",
        IndexKind::Global => "GlobalSecondaryIndexes",
    };
    if specs.is_empty() {
        return Err(invalid(format!("List of {list_name} is empty")));
    }
    if kind == IndexKind::Local && !table.has_range {
        return Err(invalid(
            "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
        ));
    }
    let defined: Vec<&str> = table.definitions.iter().map(|d| d.name.as_str()).collect();
    let mut out = Vec::new();
    for spec in specs {
        let name = spec["IndexName"].as_str().unwrap_or_default().to_string();
        let elements = key_elements(spec);
        let names: Vec<&str> = elements.iter().map(|e| e.0.as_str()).collect();
        if names.iter().any(|k| !defined.contains(k)) {
            return Err(invalid(format!(
                "Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
                names.join(", "),
                defined.join(", ")
            )));
        }
        let hash: Vec<&(String, String)> = elements.iter().filter(|e| e.1 == "HASH").collect();
        let range: Vec<&(String, String)> = elements.iter().filter(|e| e.1 == "RANGE").collect();
        if names.len() == 2 && names[0] == names[1] {
            return Err(ApiError::validation(
                "Both the Hash Key and the Range Key element in the KeySchema have the same name",
            ));
        }
        if elements.first().map(|e| e.1.as_str()) != Some("HASH") {
            return Err(ApiError::validation(
                "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
            ));
        }
        if let Some(bad) = elements.iter().find(|e| e.1 != "HASH" && e.1 != "RANGE") {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{}' at 'keySchema.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]",
                bad.1
            )));
        }
        // HASH elements come first, then RANGE elements.
        let ordered = elements
            .iter()
            .skip_while(|e| e.1 == "HASH")
            .all(|e| e.1 == "RANGE");
        if !ordered {
            return Err(ApiError::validation(
                "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type",
            ));
        }
        match kind {
            IndexKind::Local => {
                if hash.len() != 1 || range.len() != 1 {
                    return Err(invalid(format!(
                        "Index KeySchema does not have a range key for index: {name}"
                    )));
                }
                if hash[0].0 != table.hash {
                    return Err(invalid(format!(
                        "Index KeySchema does not have the same leading hash key as table KeySchema for index: {name}. index hash key: {}, table hash key: {}",
                        hash[0].0, table.hash
                    )));
                }
            }
            IndexKind::Global => {
                if hash.len() > MAX_MULTI_KEY_ATTRIBUTES || range.len() > MAX_MULTI_KEY_ATTRIBUTES {
                    return Err(invalid(format!(
                        "A global secondary index key schema can have at most {MAX_MULTI_KEY_ATTRIBUTES} partition key and {MAX_MULTI_KEY_ATTRIBUTES} sort key attributes; index: {name}"
                    )));
                }
                let mut all = names.clone();
                all.sort_unstable();
                if all.windows(2).any(|w| w[0] == w[1]) {
                    return Err(ApiError::validation(
                        "Both the Hash Key and the Range Key element in the KeySchema have the same name",
                    ));
                }
            }
        }
        let projection_type = spec["Projection"]["ProjectionType"].as_str();
        let non_key = spec["Projection"]["NonKeyAttributes"].as_array();
        let Some(projection_type) = projection_type else {
            return Err(invalid("Unknown ProjectionType: null"));
        };
        if non_key.is_some() && projection_type != "INCLUDE" {
            return Err(invalid(format!(
                "ProjectionType is {projection_type}, but NonKeyAttributes is specified"
            )));
        }
        let projection = match projection_type {
            "ALL" => ProjectionType::All,
            "KEYS_ONLY" => ProjectionType::KeysOnly,
            _ => {
                let attrs: Vec<String> = non_key
                    .map(|a| {
                        a.iter()
                            .filter_map(|n| n.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                if attrs.is_empty() {
                    return Err(invalid(
                        "NonKeyAttributes must be specified when ProjectionType is INCLUDE",
                    ));
                }
                ProjectionType::Include(attrs)
            }
        };
        let throughput = spec["ProvisionedThroughput"].as_object();
        if kind == IndexKind::Global {
            if table.pay_per_request && throughput.is_some() {
                return Err(invalid(format!(
                    "ProvisionedThroughput should not be specified for index: {name} when BillingMode is PAY_PER_REQUEST"
                )));
            }
            if !table.pay_per_request && throughput.is_none() {
                return Err(invalid(format!(
                    "ProvisionedThroughput must be specified for index: {name}"
                )));
            }
        }
        if seen.contains(&name) {
            return Err(invalid(format!("Duplicate index name: {name}")));
        }
        seen.push(name.clone());
        let attr = |n: &str| table.definitions.iter().find(|d| d.name == n).cloned();
        let units = |k: &str| {
            throughput
                .and_then(|t| t.get(k))
                .and_then(Value::as_i64)
                .unwrap_or(0)
        };
        out.push(IndexDefinition {
            arn: format!("{}/index/{name}", table.arn),
            name,
            kind,
            key_schema: IndexKeySchema {
                hash: hash.iter().filter_map(|e| attr(&e.0)).collect(),
                range: range.iter().filter_map(|e| attr(&e.0)).collect(),
            },
            projection,
            throughput: (units("ReadCapacityUnits"), units("WriteCapacityUnits")),
            pending: None,
        });
    }
    match kind {
        IndexKind::Local if out.len() > MAX_LSIS => Err(invalid(format!(
            "Number of LocalSecondaryIndexes exceeds per-table limit of {MAX_LSIS}"
        ))),
        IndexKind::Global if out.len() > MAX_GSIS => Err(invalid(format!(
            "GlobalSecondaryIndex count exceeds the per-table limit of {MAX_GSIS}"
        ))),
        _ => Ok(out),
    }
}

/// The table-wide checks once every index is read: every attribute definition is used by some
/// key, and at most 100 projected non-key attributes across all indexes.
pub fn check_table_wide(
    definitions: &[KeyAttribute],
    table_keys: &[&str],
    indexes: &[IndexDefinition],
) -> Result<()> {
    let mut used: Vec<&str> = table_keys.to_vec();
    for index in indexes {
        for a in index.key_schema.attributes() {
            if !used.contains(&a.name.as_str()) {
                used.push(&a.name);
            }
        }
    }
    if definitions.iter().any(|d| !used.contains(&d.name.as_str())) {
        let defined: Vec<&str> = definitions.iter().map(|d| d.name.as_str()).collect();
        return Err(invalid(format!(
            "Some AttributeDefinitions are not used. AttributeDefinitions: [{}], keys used: [{}]",
            defined.join(", "),
            used.join(", ")
        )));
    }
    let projected: usize = indexes
        .iter()
        .map(|i| match &i.projection {
            ProjectionType::Include(names) => names.len(),
            _ => 0,
        })
        .sum();
    if projected > MAX_PROJECTED_NON_KEY {
        return Err(ApiError::limit_exceeded(format!(
            "One or more parameter values were invalid: Number of projected attributes in all indexes exceeds limit of {MAX_PROJECTED_NON_KEY}, provided: {projected}"
        )));
    }
    Ok(())
}
