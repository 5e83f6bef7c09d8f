//! Reading a request body: JSON parsing and the type checks Coral runs before DynamoDB sees a request.

use serde_json::{Map, Value};

use crate::error::{ApiError, Result};

/// Parses the body text into a JSON object; anything else is a SerializationException.
pub fn parse_body(body: &str) -> Result<Map<String, Value>> {
    let body = if body.trim().is_empty() { "{}" } else { body };
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::serialization(Some(
            "Start of structure or map found where not expected".into(),
        ))),
        Err(_) => Err(ApiError::serialization(None)),
    }
}
