//! DynamoDB JSON for attribute values: `{"S": "x"}`, `{"N": "1"}`, `{"B": "<base64>"}`...
//! Reading checks what DynamoDB checks (one type per value, numbers, empty sets, duplicates, nesting).

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::{AttributeValue, Item, Number};
use crate::error::{ApiError, Result};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// DynamoDB allows 32 levels of nested lists and maps.
pub const MAX_NESTING: usize = 32;

pub fn item_to_json(item: &Item) -> Value {
    Value::Object(
        item.iter()
            .map(|(k, v)| (k.clone(), value_to_json(v)))
            .collect(),
    )
}

pub fn value_to_json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n.to_string() }),
        AttributeValue::B(b) => json!({ "B": B64.encode(b) }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null => json!({ "NULL": true }),
        AttributeValue::M(m) => json!({ "M": item_to_json(m) }),
        AttributeValue::L(l) => json!({ "L": l.iter().map(value_to_json).collect::<Vec<_>>() }),
        AttributeValue::SS(ss) => json!({ "SS": ss }),
        AttributeValue::NS(ns) => {
            json!({ "NS": ns.iter().map(|n| n.to_string()).collect::<Vec<_>>() })
        }
        AttributeValue::BS(bs) => {
            json!({ "BS": bs.iter().map(|b| B64.encode(b)).collect::<Vec<_>>() })
        }
    }
}

/// Reads a map of attribute values (an item, a key, ExpressionAttributeValues).
pub fn item_from_json(value: &Value) -> Result<Item> {
    let object = value.as_object().ok_or_else(|| {
        ApiError::serialization(Some(
            "Start of structure or map found where not expected".into(),
        ))
    })?;
    map_from_json(object, 0)
}

fn map_from_json(
    object: &Map<String, Value>,
    depth: usize,
) -> Result<BTreeMap<String, AttributeValue>> {
    let mut item = BTreeMap::new();
    for (name, v) in object {
        item.insert(name.clone(), value_from_json_at(v, depth)?);
    }
    Ok(item)
}

pub fn value_from_json(value: &Value) -> Result<AttributeValue> {
    value_from_json_at(value, 0)
}

fn invalid(message: impl std::fmt::Display) -> ApiError {
    ApiError::validation(format!(
        "One or more parameter values were invalid: {message}"
    ))
}

fn parse_number(text: &str) -> Result<Number> {
    Number::parse(text).map_err(|e| ApiError::validation(e.message()))
}

fn parse_binary(text: &str) -> Result<Vec<u8>> {
    B64.decode(text.as_bytes()).map_err(|_| {
        ApiError::serialization(Some(
            "Base64 encoded length is expected a multiple of 4 bytes but found: ".to_string()
                + &text.len().to_string(),
        ))
    })
}

fn strings(v: &Value) -> Result<Vec<&str>> {
    let arr = v
        .as_array()
        .ok_or_else(|| ApiError::serialization(Some("Unexpected field type".into())))?;
    arr.iter()
        .map(|e| {
            e.as_str()
                .ok_or_else(|| ApiError::serialization(Some("Unexpected field type".into())))
        })
        .collect()
}

fn value_from_json_at(value: &Value, depth: usize) -> Result<AttributeValue> {
    if depth > MAX_NESTING {
        return Err(ApiError::validation(crate::error::msg::NESTING_TOO_DEEP));
    }
    let object = value
        .as_object()
        .ok_or_else(|| ApiError::serialization(Some("Unexpected value type in payload".into())))?;
    let set: Vec<(&String, &Value)> = object.iter().filter(|(_, v)| !v.is_null()).collect();
    if set.is_empty() {
        return Err(ApiError::validation(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
        ));
    }
    if set.len() > 1 {
        return Err(ApiError::validation(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
        ));
    }
    let (tag, v) = set[0];
    let type_err = || ApiError::serialization(Some("Unexpected field type".into()));
    Ok(match tag.as_str() {
        "S" => AttributeValue::S(v.as_str().ok_or_else(type_err)?.to_string()),
        "N" => AttributeValue::N(parse_number(v.as_str().ok_or_else(type_err)?)?),
        "B" => AttributeValue::B(parse_binary(v.as_str().ok_or_else(type_err)?)?),
        "BOOL" => AttributeValue::Bool(v.as_bool().ok_or_else(type_err)?),
        "NULL" => {
            if v.as_bool() != Some(true) {
                return Err(invalid(
                    "Null attribute value types must have the value of true",
                ));
            }
            AttributeValue::Null
        }
        "M" => AttributeValue::M(map_from_json(
            v.as_object().ok_or_else(type_err)?,
            depth + 1,
        )?),
        "L" => AttributeValue::L(
            v.as_array()
                .ok_or_else(type_err)?
                .iter()
                .map(|e| value_from_json_at(e, depth + 1))
                .collect::<Result<_>>()?,
        ),
        "SS" => {
            let items = strings(v)?;
            if items.is_empty() {
                return Err(invalid("An string set  may not be empty"));
            }
            let mut out: Vec<String> = items.iter().map(|s| s.to_string()).collect();
            out.sort();
            check_duplicates(&out, &items)?;
            AttributeValue::SS(out)
        }
        "NS" => {
            let items = strings(v)?;
            if items.is_empty() {
                return Err(invalid("An number set  may not be empty"));
            }
            let mut out = items
                .iter()
                .map(|s| parse_number(s))
                .collect::<Result<Vec<_>>>()?;
            out.sort();
            check_duplicates(&out, &items)?;
            AttributeValue::NS(out)
        }
        "BS" => {
            let items = strings(v)?;
            if items.is_empty() {
                return Err(invalid("Binary sets should not be empty"));
            }
            let mut out = items
                .iter()
                .map(|s| parse_binary(s))
                .collect::<Result<Vec<_>>>()?;
            out.sort();
            check_duplicates(&out, &items)?;
            AttributeValue::BS(out)
        }
        _ => return Err(ApiError::validation(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
        )),
    })
}

fn check_duplicates<T: PartialEq>(sorted: &[T], original: &[&str]) -> Result<()> {
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return Err(invalid(format!(
            "Input collection [{}] contains duplicates.",
            original.join(", ")
        )));
    }
    Ok(())
}
