//! Reading the table settings CreateTable and UpdateTable share: StreamSpecification, Tags and
//! TableClass, with DynamoDB's rules.

use serde_json::Value;

use crate::error::{ApiError, Result};
use crate::request::{field, Rule, Ty};
use crate::table::StreamSetting;
use crate::time_format::iso_millis;

pub const STREAM_VIEW_TYPES: &[&str] =
    &["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"];

pub const STREAM_SPECIFICATION: Ty = Ty::FieldStruct(
    "StreamSpecification",
    &[
        field("StreamEnabled", Ty::Boolean, &[Rule::NotNull]),
        field(
            "StreamViewType",
            Ty::String,
            &[Rule::Enum(STREAM_VIEW_TYPES)],
        ),
    ],
);

pub const TAG: Ty = Ty::Struct(
    "Tag",
    &[
        field(
            "Key",
            Ty::String,
            &[Rule::NotNull, Rule::MinLength(1), Rule::MaxLength(128)],
        ),
        field("Value", Ty::String, &[Rule::NotNull, Rule::MaxLength(256)]),
    ],
);

pub const TABLE_CLASSES: &[&str] = &["STANDARD", "STANDARD_INFREQUENT_ACCESS"];

pub const SSE_SPECIFICATION: Ty = Ty::FieldStruct(
    "SSESpecification",
    &[
        field("Enabled", Ty::Boolean, &[]),
        field("SSEType", Ty::String, &[Rule::Enum(&["AES256", "KMS"])]),
        field("KMSMasterKeyId", Ty::String, &[]),
    ],
);

/// DynamoDB allows 50 tags per resource.
pub const MAX_TAGS: usize = 50;

/// What a StreamSpecification asks for: `None` when absent, `Some(None)` to disable,
/// `Some(Some(view))` to enable with a view type.
pub fn stream_request(spec: Option<&Value>) -> Result<Option<Option<String>>> {
    let Some(spec) = spec.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let enabled = match &spec["StreamEnabled"] {
        Value::Bool(b) => *b,
        Value::String(s) => matches!(s.to_ascii_uppercase().as_str(), "TRUE" | "1" | "YES"),
        _ => false,
    };
    let view = spec["StreamViewType"].as_str();
    match (enabled, view) {
        (true, None) => Err(ApiError::validation(
            "One or more parameter values were invalid: You must specify a StreamViewType when enabling a DynamoDB Stream",
        )),
        (false, Some(_)) => Err(ApiError::validation(
            "One or more parameter values were invalid: You cannot modify the stream view type or ARN while the stream is disabled",
        )),
        (true, Some(v)) => Ok(Some(Some(v.to_string()))),
        (false, None) => Ok(Some(None)),
    }
}

/// A new stream, labelled by its creation time as DynamoDB labels streams.
pub fn new_stream(view_type: String, now: i64) -> StreamSetting {
    StreamSetting {
        view_type,
        label: iso_millis(now),
    }
}

/// Tags as given (Key/Value pairs), with the duplicate-key and count checks.
pub fn tags(list: Option<&Vec<Value>>) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for tag in list.map(Vec::as_slice).unwrap_or_default() {
        let key = tag["Key"].as_str().unwrap_or_default().to_string();
        let value = tag["Value"].as_str().unwrap_or_default().to_string();
        if out.iter().any(|(k, _)| *k == key) {
            return Err(ApiError::validation(format!(
                "One or more parameter values were invalid: Duplicate tag keys found: {key}"
            )));
        }
        out.push((key, value));
    }
    if out.len() > MAX_TAGS {
        return Err(ApiError::limit_exceeded(format!(
            "The number of tags exceeds the limit of {MAX_TAGS}"
        )));
    }
    Ok(out)
}
