//! The Developer Guide's limits on ExpressionAttributeNames/Values ("Constraints", Expression
//! parameters, Lengths): "The maximum length of any single expression attribute name or
//! expression attribute value is 255 bytes. For example, `#name` is 5 bytes; `:val` is 4 bytes"
//! (the placeholder, prefix included), and "The maximum length of all substitution variables in
//! an expression is 2 MB. This is the sum of the lengths of all ExpressionAttributeNames and
//! ExpressionAttributeValues."
//!
//! Messages. The guide gives none. The texts and the order of the checks are DynamoDB Local's
//! (AWS's own emulator: `DbValidationError.PARAMETER_MAP_KEY_SIZE_EXCEEDED`,
//! `ErrorFactory.EXPR_ATTR_*_SIZE_EXCEEDED`, and `InputConverter`, which checks a map's keys for
//! length before syntax, converts the values, then measures names, values and both together):
//! - a name key over 255 bytes: "ExpressionAttributeNames contains invalid key: The expression
//!   attribute map contains a key that is too long; size of key: 256"; a value key gets the
//!   same text without the size (DynamoDB Local passes no detail for values). ExtendDB
//!   (github.com/ExtendDB/extenddb, PR 181) reports both forms captured from the service;
//! - the 2 MB sums: "ExpressionAttributeNames exceeds max size", "ExpressionAttributeValues
//!   exceeds max size" and "Combined size of ExpressionAttributeNames and
//!   ExpressionAttributeValues exceeds max size". No capture from the service was found.
//!
//! Sizes, as DynamoDB Local counts them: a name entry is its key's UTF-8 bytes plus the
//! attribute name's; a value entry is its key's bytes plus the value's size by the item-size
//! rules (`value::size`).

use std::collections::BTreeMap;

use crate::error::{ApiError, Result};
use crate::value::size::value_size;
use crate::value::Item;

/// Longest placeholder (`#name` or `:value`, prefix included), in bytes.
pub const MAX_PLACEHOLDER_BYTES: usize = 255;
/// Most bytes ExpressionAttributeNames and ExpressionAttributeValues may hold together.
pub const MAX_SUBSTITUTION_BYTES: usize = 2 * 1024 * 1024;

/// The length check on one key of ExpressionAttributeNames or ExpressionAttributeValues
/// (`member` says which), made before its syntax is looked at.
pub fn check_placeholder(member: &str, key: &str) -> Result<()> {
    if key.len() <= MAX_PLACEHOLDER_BYTES {
        return Ok(());
    }
    let detail = if member == "ExpressionAttributeNames" {
        format!(" size of key: {}", key.len())
    } else {
        String::new()
    };
    Err(ApiError::validation(format!(
        "{member} contains invalid key: The expression attribute map contains a key that is too long;{detail}"
    )))
}

/// The 2 MB limit on the substitution maps, once both have been read.
pub fn check_sizes(names: Option<&BTreeMap<String, String>>, values: Option<&Item>) -> Result<()> {
    let names_bytes = names.map_or(0, |m| {
        m.iter().fold(0usize, |sum, (k, v)| {
            sum.saturating_add(k.len()).saturating_add(v.len())
        })
    });
    if names_bytes > MAX_SUBSTITUTION_BYTES {
        return Err(ApiError::validation(
            "ExpressionAttributeNames exceeds max size",
        ));
    }
    let values_bytes = values.map_or(0, |m| {
        m.iter().fold(0usize, |sum, (k, v)| {
            sum.saturating_add(k.len()).saturating_add(value_size(v))
        })
    });
    if values_bytes > MAX_SUBSTITUTION_BYTES {
        return Err(ApiError::validation(
            "ExpressionAttributeValues exceeds max size",
        ));
    }
    if names_bytes.saturating_add(values_bytes) > MAX_SUBSTITUTION_BYTES {
        return Err(ApiError::validation(
            "Combined size of ExpressionAttributeNames and ExpressionAttributeValues exceeds max size",
        ));
    }
    Ok(())
}
