//! TagResource, UntagResource and ListTagsOfResource: key/value tags on a table, addressed by
//! its ARN, with DynamoDB's checks of the ARN and the tags.

use serde_json::{json, Map, Value};

use super::table_settings::{self, MAX_TAGS};
use crate::error::{ApiError, ErrorKind, Result};
use crate::request::{check, field, Field, Req, Rule, Ty};
use crate::storage::Mutation;
use crate::Engine;

const TAG_FIELDS: &[Field] = &[
    field(
        "ResourceArn",
        Ty::String,
        &[Rule::MinLength(1), Rule::MaxLength(1283)],
    ),
    field("Tags", Ty::List(&table_settings::TAG), &[]),
];
const UNTAG_FIELDS: &[Field] = &[
    field(
        "ResourceArn",
        Ty::String,
        &[Rule::MinLength(1), Rule::MaxLength(1283)],
    ),
    field("TagKeys", Ty::List(&Ty::String), &[]),
];
const LIST_FIELDS: &[Field] = &[
    field(
        "ResourceArn",
        Ty::String,
        &[Rule::MinLength(1), Rule::MaxLength(1283)],
    ),
    field("NextToken", Ty::String, &[]),
];

/// The table an ARN names, after DynamoDB's checks of the ARN's shape.
fn table_name<'a>(engine: &Engine, arn: Option<&'a str>, action: &str) -> Result<&'a str> {
    let arn = arn.ok_or_else(|| ApiError::validation("Invalid TableArn"))?;
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 || !parts[5].contains('/') {
        return Err(ApiError::new(
            ErrorKind::AccessDeniedException,
            format!(
                "User: arn:aws:iam::{}:user/dynaplay is not authorized to perform: dynamodb:{action} on resource: {arn}",
                engine.config.account_id
            ),
        ));
    }
    let name = parts[5]
        .strip_prefix("table/")
        .filter(|n| n.len() >= 3 && !n.contains('/'));
    match (parts[0], parts[2], name) {
        ("arn", "dynamodb", Some(name)) if parts[4].bytes().all(|b| b.is_ascii_digit()) => Ok(name),
        _ => Err(ApiError::validation(format!(
            "Invalid TableArn: Invalid ResourceArn provided as input {arn}"
        ))),
    }
}

fn not_found(arn: &str) -> ApiError {
    ApiError::new(
        ErrorKind::ResourceNotFoundException,
        format!("Requested resource not found: ResourcArn: {arn} not found"),
    )
}

fn save(engine: &mut Engine, name: &str, tags: Vec<(String, String)>) -> Result<()> {
    let table = engine
        .tables
        .get_mut(name)
        .ok_or_else(ApiError::resource_not_found)?;
    let previous = std::mem::replace(&mut table.def.settings.tags, tags);
    let definition = table.definition_json().to_string();
    if let Err(e) = engine.storage.commit(&[Mutation::PutTable {
        table: name.to_string(),
        definition,
    }]) {
        if let Some(t) = engine.tables.get_mut(name) {
            t.def.settings.tags = previous;
        }
        return Err(ApiError::internal(format!(
            "The tags could not be saved durably: {e}"
        )));
    }
    Ok(())
}

pub fn tag(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, TAG_FIELDS)?;
    let req = Req(request);
    let name = table_name(engine, req.str("ResourceArn"), "TagResource")?.to_string();
    let arn = req.str("ResourceArn").unwrap_or_default();
    let Some(list) = req.array("Tags") else {
        return Err(ApiError::validation(
            "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
        ));
    };
    if list.is_empty() {
        return Err(ApiError::validation(
            "Atleast one Tag needs to be provided as Input.",
        ));
    }
    let new_tags = table_settings::tags(Some(list))?;
    let table = engine.tables.get(&name).ok_or_else(|| not_found(arn))?;
    let mut tags = table.def.settings.tags.clone();
    for (k, v) in new_tags {
        match tags.iter_mut().find(|(key, _)| *key == k) {
            Some(existing) => existing.1 = v,
            None => tags.push((k, v)),
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(ApiError::limit_exceeded(format!(
            "The number of tags exceeds the limit of {MAX_TAGS}"
        )));
    }
    save(engine, &name, tags)?;
    Ok(json!({}))
}

pub fn untag(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, UNTAG_FIELDS)?;
    let req = Req(request);
    let name = table_name(engine, req.str("ResourceArn"), "UntagResource")?.to_string();
    let arn = req.str("ResourceArn").unwrap_or_default();
    let Some(keys) = req.array("TagKeys") else {
        return Err(ApiError::validation(
            "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
        ));
    };
    if keys.is_empty() {
        return Err(ApiError::validation(
            "Atleast one Tag Key needs to be provided as Input.",
        ));
    }
    let table = engine.tables.get(&name).ok_or_else(|| not_found(arn))?;
    let remove: Vec<&str> = keys.iter().filter_map(Value::as_str).collect();
    let tags: Vec<(String, String)> = table
        .def
        .settings
        .tags
        .iter()
        .filter(|(k, _)| !remove.contains(&k.as_str()))
        .cloned()
        .collect();
    save(engine, &name, tags)?;
    Ok(json!({}))
}

pub fn list(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, LIST_FIELDS)?;
    let req = Req(request);
    let name = table_name(engine, req.str("ResourceArn"), "ListTagsOfResource")?;
    let arn = req.str("ResourceArn").unwrap_or_default();
    let table = engine.tables.get(name).ok_or_else(|| not_found(arn))?;
    let tags: Vec<Value> = table
        .def
        .settings
        .tags
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    Ok(json!({ "Tags": tags }))
}
