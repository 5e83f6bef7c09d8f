//! The operations, one module each, and the table that routes an operation name to its module.

use serde_json::{Map, Value};

use crate::error::{ApiError, Result};
use crate::Engine;

pub(crate) fn run(
    _engine: &mut Engine,
    _operation: &str,
    _request: &Map<String, Value>,
) -> Result<Value> {
    Err(ApiError::unknown_operation())
}
