//! DynamoDB JSON for attribute values: `{"S": "x"}`, `{"N": "1"}`, `{"B": "<base64>"}`...
//!
//! Reading happens in DynamoDB's two stages. First the Coral framework deserializes the request
//! and rejects members of the wrong JSON type (SerializationException, whole value first); then
//! DynamoDB validates the values in document order (ValidationException: nesting, empty values,
//! numbers, NULL:false, empty sets, duplicates, several types). Callers that read several request
//! members should run [`check_item_types`]/[`check_value_types`] on all of them before reading any,
//! so a serialization error anywhere wins over a validation error, as in DynamoDB.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::{AttributeValue, Item, Number};
use crate::error::{ApiError, Result};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// DynamoDB allows 32 levels of nested values, the top-level attribute value being level 1:
/// 31 lists or maps around a scalar are accepted, 32 are refused.
pub const MAX_NESTING: usize = 32;

/// DynamoDB's full message for a value nested too deeply. (Some operations wrap it, e.g.
/// "ExpressionAttributeValues contains invalid value: ... for key :v"; that is the caller's job.)
pub const NESTING_EXCEEDED: &str = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit";

const EMPTY_VALUE: &str =
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
const SEVERAL_TYPES: &str = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes";

// Coral's serialization messages, word for word as DynamoDB sends them.
const UNEXPECTED_FIELD: &str = "Unexpected field type";
const UNEXPECTED_VALUE: &str = "Unexpected value type in payload";
const UNEXPECTED_STRUCTURE: &str = "Start of structure or map found where not expected";
const MAP_COLLECTION: &str = "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>";
const VALUE_COLLECTION: &str =
    "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue";
const NOT_BASE64: &str = "only base-64-encoded strings are convertible to bytes";
const BAD_LAST_BASE64: &str = "Invalid last non-pad Base64 character dectected";

/// A depth no parsed request reaches (serde_json stops at 128 JSON levels, two per attribute
/// level); it only bounds recursion for values built in code.
const TYPE_CHECK_DEPTH_GUARD: usize = 100;

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

/// Reads a map of attribute values (an item, a key, ExpressionAttributeValues): type checks on
/// the whole map first, then validation in document order. JSON `null` reads as an empty map,
/// since Coral treats a null member as absent.
pub fn item_from_json(value: &Value) -> Result<Item> {
    check_item_types(value)?;
    check_attribute_names(value)?;
    match value {
        Value::Object(object) => read_map(object, 0),
        _ => Ok(Item::new()),
    }
}

/// Reads one attribute value: type checks first, then validation.
pub fn value_from_json(value: &Value) -> Result<AttributeValue> {
    check_value_types(value)?;
    check_names_in_value(value)?;
    read_value(value, 0)
}

/// One scalar value from its type tag and text, validated as [`item_from_json`] validates an
/// `S`, `N` or `B` member; `None` for any other tag. For a reader that took the JSON apart itself
/// (GetItem's plain request, whose key values are nothing else).
pub fn scalar_from_text(tag: &str, text: &str) -> Option<Result<AttributeValue>> {
    Some(match tag {
        "S" => Ok(AttributeValue::S(text.to_string())),
        "N" => parse_number(text).map(AttributeValue::N),
        // `check_blob`'s length check first, as `item_from_json` runs it (in bytes).
        "B" if !text.len().is_multiple_of(4) => Err(serialization(&format!(
            "Base64 encoded length is expected a multiple of 4 bytes but found: {}",
            text.len()
        ))),
        "B" => decode_base64(text).map(AttributeValue::B),
        _ => return None,
    })
}

/// Attribute names are under 64 KB: 65,535 bytes is the longest DynamoDB accepts.
pub const MAX_ATTRIBUTE_NAME_BYTES: usize = 65_535;

/// Coral's length check on every attribute name in a map of attribute values, map keys nested
/// in `M` values included; it runs after the type checks and before any value is validated.
/// (Recursion is bounded: serde_json parses at most 128 levels.)
fn check_attribute_names(value: &Value) -> Result<()> {
    let Value::Object(map) = value else {
        return Ok(());
    };
    for (name, attribute) in map {
        check_attribute_name(name)?;
        check_names_in_value(attribute)?;
    }
    Ok(())
}

/// One attribute name against the 64 KB limit, in Coral's words.
pub fn check_attribute_name(name: &str) -> Result<()> {
    if name.len() > MAX_ATTRIBUTE_NAME_BYTES {
        return Err(ApiError::validation(
            "1 validation error detected: Attribute name is too large, must be less than 65536 bytes",
        ));
    }
    Ok(())
}

/// The names inside one attribute value: an `M`'s keys, and those of maps inside an `L`.
pub fn check_names_in_value(value: &Value) -> Result<()> {
    let Value::Object(fields) = value else {
        return Ok(());
    };
    if let Some(m) = fields.get("M") {
        check_attribute_names(m)?;
    }
    if let Some(Value::Array(list)) = fields.get("L") {
        list.iter().try_for_each(check_names_in_value)?;
    }
    Ok(())
}

/// The SerializationException checks Coral applies to a map of attribute values.
pub fn check_item_types(value: &Value) -> Result<()> {
    check_map_types(value, 0)
}

/// The SerializationException checks Coral applies to one attribute value.
pub fn check_value_types(value: &Value) -> Result<()> {
    check_value_types_at(value, 0)
}

fn serialization(message: &str) -> ApiError {
    ApiError::serialization(Some(message.to_string()))
}

/// A JSON scalar where a string or boolean was expected, described as Coral does.
fn scalar_mismatch(value: &Value, target: &str) -> ApiError {
    let what = match value {
        Value::Bool(true) => "TRUE_VALUE",
        Value::Bool(false) => "FALSE_VALUE",
        Value::Number(n) if n.is_f64() => "DECIMAL_VALUE",
        _ => "NUMBER_VALUE",
    };
    serialization(&format!("{what} cannot be converted to {target}"))
}

fn check_map_types(value: &Value, depth: usize) -> Result<()> {
    match value {
        Value::Null => Ok(()),
        Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            Err(serialization(UNEXPECTED_FIELD))
        }
        Value::Array(_) => Err(serialization(MAP_COLLECTION)),
        Value::Object(object) => object
            .values()
            .try_for_each(|v| check_value_types_at(v, depth)),
    }
}

fn check_value_types_at(value: &Value, depth: usize) -> Result<()> {
    if depth > TYPE_CHECK_DEPTH_GUARD {
        return Err(ApiError::validation(NESTING_EXCEEDED));
    }
    let object = match value {
        Value::Null => return Ok(()),
        Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            return Err(serialization(UNEXPECTED_VALUE))
        }
        Value::Array(_) => return Err(serialization(VALUE_COLLECTION)),
        Value::Object(object) => object,
    };
    for (tag, field) in object {
        if field.is_null() {
            continue;
        }
        match tag.as_str() {
            "S" | "N" => check_string(field)?,
            "B" => check_blob(field)?,
            "BOOL" | "NULL" => {
                read_boolean(field)?;
            }
            "SS" | "NS" => list_items(field)?.iter().try_for_each(check_string)?,
            "BS" => list_items(field)?.iter().try_for_each(check_blob)?,
            "L" => list_items(field)?
                .iter()
                .try_for_each(|v| check_value_types_at(v, depth + 1))?,
            "M" => check_map_types(field, depth + 1)?,
            // Coral ignores members it does not know.
            _ => {}
        }
    }
    Ok(())
}

fn check_string(value: &Value) -> Result<()> {
    match value {
        Value::String(_) => Ok(()),
        // A null inside a set has no string to read; DynamoDB's answer is unverified.
        Value::Null => Err(serialization(UNEXPECTED_FIELD)),
        Value::Bool(_) | Value::Number(_) => Err(scalar_mismatch(value, "String")),
        Value::Array(_) => Err(serialization(
            "Unrecognized collection type class java.lang.String",
        )),
        Value::Object(_) => Err(serialization(UNEXPECTED_STRUCTURE)),
    }
}

fn check_blob(value: &Value) -> Result<()> {
    match value {
        Value::String(text) => decode_base64(text).map(|_| ()),
        Value::Null => Err(serialization(UNEXPECTED_FIELD)),
        Value::Bool(_) | Value::Number(_) => Err(serialization(NOT_BASE64)),
        Value::Array(_) => Err(serialization(
            "Unrecognized collection type class java.nio.ByteBuffer",
        )),
        Value::Object(_) => Err(serialization(UNEXPECTED_STRUCTURE)),
    }
}

/// Decodes standard, padded base64, refusing what DynamoDB refuses: a length that is not a
/// multiple of 4 (counted in UTF-16 units, as Java counts), and anything else that does not
/// decode canonically.
fn decode_base64(text: &str) -> Result<Vec<u8>> {
    let units = text.encode_utf16().count();
    if !units.is_multiple_of(4) {
        return Err(serialization(&format!(
            "Base64 encoded length is expected a multiple of 4 bytes but found: {units}"
        )));
    }
    B64.decode(text.as_bytes())
        .map_err(|_| serialization(BAD_LAST_BASE64))
}

/// Coral's Boolean reading: JSON booleans, and the strings true/1/yes and false/0/no in any case.
fn read_boolean(value: &Value) -> Result<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) => {
            let upper = s.to_ascii_uppercase();
            match upper.as_str() {
                "TRUE" | "1" | "YES" => Ok(true),
                "FALSE" | "0" | "NO" => Ok(false),
                _ => Err(serialization("Unexpected token received from parser")),
            }
        }
        Value::Number(_) => Err(scalar_mismatch(value, "Boolean")),
        Value::Array(_) => Err(serialization(
            "Unrecognized collection type class java.lang.Boolean",
        )),
        Value::Object(_) => Err(serialization(UNEXPECTED_STRUCTURE)),
        Value::Null => Err(serialization(UNEXPECTED_FIELD)),
    }
}

fn list_items(value: &Value) -> Result<&Vec<Value>> {
    match value {
        Value::Array(items) => Ok(items),
        Value::Object(_) => Err(serialization(UNEXPECTED_STRUCTURE)),
        _ => Err(serialization(UNEXPECTED_FIELD)),
    }
}

fn invalid(message: impl std::fmt::Display) -> ApiError {
    ApiError::validation(format!(
        "One or more parameter values were invalid: {message}"
    ))
}

fn parse_number(text: &str) -> Result<Number> {
    Number::parse(text).map_err(|e| ApiError::validation(e.message_for(text)))
}

fn as_str(value: &Value) -> Result<&str> {
    value
        .as_str()
        .ok_or_else(|| serialization(UNEXPECTED_FIELD))
}

fn strings(value: &Value) -> Result<Vec<&str>> {
    list_items(value)?.iter().map(as_str).collect()
}

fn read_map(object: &Map<String, Value>, depth: usize) -> Result<BTreeMap<String, AttributeValue>> {
    let mut item = BTreeMap::new();
    for (name, v) in object {
        item.insert(name.clone(), read_value(v, depth)?);
    }
    Ok(item)
}

/// Validates and builds one value at `depth` (0 for a top-level attribute), checking each
/// present type in document order before the one-type rule, as DynamoDB does: `{"S": "a",
/// "N": "x"}` is refused for its number, not for having two types.
fn read_value(value: &Value, depth: usize) -> Result<AttributeValue> {
    if depth >= MAX_NESTING {
        return Err(ApiError::validation(NESTING_EXCEEDED));
    }
    let Value::Object(object) = value else {
        return Err(ApiError::validation(EMPTY_VALUE));
    };
    let mut found: Option<AttributeValue> = None;
    let mut count = 0usize;
    for (tag, field) in object {
        if field.is_null() {
            continue;
        }
        let parsed = match tag.as_str() {
            "S" => AttributeValue::S(as_str(field)?.to_string()),
            "N" => AttributeValue::N(parse_number(as_str(field)?)?),
            "B" => AttributeValue::B(decode_base64(as_str(field)?)?),
            "BOOL" => AttributeValue::Bool(read_boolean(field)?),
            "NULL" => {
                if !read_boolean(field)? {
                    return Err(invalid(
                        "Null attribute value types must have the value of true",
                    ));
                }
                AttributeValue::Null
            }
            "SS" => read_string_set(field)?,
            "NS" => read_number_set(field)?,
            "BS" => read_binary_set(field)?,
            "M" => match field {
                Value::Object(m) => AttributeValue::M(read_map(m, depth + 1)?),
                _ => return Err(serialization(UNEXPECTED_FIELD)),
            },
            "L" => AttributeValue::L(
                list_items(field)?
                    .iter()
                    .map(|e| read_value(e, depth + 1))
                    .collect::<Result<_>>()?,
            ),
            _ => continue,
        };
        count += 1;
        if found.is_none() {
            found = Some(parsed);
        }
    }
    match (found, count) {
        (Some(value), 1) => Ok(value),
        (None, _) => Err(ApiError::validation(EMPTY_VALUE)),
        (Some(_), _) => Err(ApiError::validation(SEVERAL_TYPES)),
    }
}

fn read_string_set(field: &Value) -> Result<AttributeValue> {
    let items = strings(field)?;
    if items.is_empty() {
        return Err(invalid("An string set  may not be empty"));
    }
    let mut out: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    out.sort();
    if has_adjacent_duplicates(&out) {
        return Err(invalid(format!(
            "Input collection [{}] contains duplicates.",
            items.join(", ")
        )));
    }
    Ok(AttributeValue::SS(out))
}

fn read_number_set(field: &Value) -> Result<AttributeValue> {
    let items = strings(field)?;
    if items.is_empty() {
        return Err(invalid("An number set  may not be empty"));
    }
    let mut out = items
        .iter()
        .map(|s| parse_number(s))
        .collect::<Result<Vec<_>>>()?;
    out.sort();
    // Duplicates are numeric (`1` and `1.0` collide), and DynamoDB's message for them has
    // neither the usual prefix nor the list.
    if has_adjacent_duplicates(&out) {
        return Err(ApiError::validation("Input collection contains duplicates"));
    }
    Ok(AttributeValue::NS(out))
}

fn read_binary_set(field: &Value) -> Result<AttributeValue> {
    let items = strings(field)?;
    if items.is_empty() {
        return Err(invalid("Binary sets should not be empty"));
    }
    let mut out = items
        .iter()
        .map(|s| decode_base64(s))
        .collect::<Result<Vec<_>>>()?;
    out.sort();
    // DynamoDB's text really has no space before "of type BS".
    if has_adjacent_duplicates(&out) {
        return Err(invalid(format!(
            "Input collection [{}]of type BS contains duplicates.",
            items.join(", ")
        )));
    }
    Ok(AttributeValue::BS(out))
}

fn has_adjacent_duplicates<T: PartialEq>(sorted: &[T]) -> bool {
    sorted.windows(2).any(|w| matches!(w, [a, b] if a == b))
}

/// Appends an item's JSON text to `out`, byte for byte what `item_to_json(item).to_string()`
/// gives, without building a `serde_json::Value` first: the read path's answer (GetItem's item)
/// is mostly this. Written by hand rather than through serde because serde_json escapes strings
/// one byte at a time, which was a sixth of a GetItem's instructions for a 1 KB item;
/// [`push_json_string`] checks 16 bytes at a time.
pub fn write_item_json(item: &Item, out: &mut String) {
    out.push('{');
    for (i, (name, value)) in item.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_string(out, name);
        out.push(':');
        write_value_json(value, out);
    }
    out.push('}');
}

/// Appends `value.to_string()` to `out`, byte for byte, with strings escaped by
/// [`push_json_string`]: `Value`'s `Display` goes through a `fmt::Formatter` per token and
/// escapes a byte at a time, which was over half of a 10-item Query's instructions.
pub fn write_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // `Number`'s `Display` is what serde_json writes for it (itoa, ryu).
        Value::Number(n) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{n}");
        }
        Value::String(s) => push_json_string(out, s),
        Value::Array(elements) => push_json_array(out, elements, write_json),
        Value::Object(members) => {
            out.push('{');
            for (i, (name, member)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_string(out, name);
                out.push(':');
                write_json(member, out);
            }
            out.push('}');
        }
    }
}

fn write_value_json(value: &AttributeValue, out: &mut String) {
    out.push_str("{\"");
    out.push_str(value.type_name());
    out.push_str("\":");
    match value {
        AttributeValue::S(s) => push_json_string(out, s),
        AttributeValue::N(n) => push_json_string(out, &n.to_string()),
        AttributeValue::B(b) => push_json_string(out, &B64.encode(b)),
        AttributeValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        AttributeValue::Null => out.push_str("true"),
        AttributeValue::M(m) => write_item_json(m, out),
        AttributeValue::L(l) => push_json_array(out, l, write_value_json),
        AttributeValue::SS(ss) => push_json_array(out, ss, |s, out| push_json_string(out, s)),
        AttributeValue::NS(ns) => {
            push_json_array(out, ns, |n, out| push_json_string(out, &n.to_string()))
        }
        AttributeValue::BS(bs) => {
            push_json_array(out, bs, |b, out| push_json_string(out, &B64.encode(b)))
        }
    }
    out.push('}');
}

fn push_json_array<T>(out: &mut String, elements: &[T], write: impl Fn(&T, &mut String)) {
    out.push('[');
    for (i, element) in elements.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write(element, out);
    }
    out.push(']');
}

/// The bytes [`push_json_string`] checks at a time: 32 rather than 16, as the loop's own steps
/// were most of its cost.
const BLOCK: usize = 32;

// Which block test the writer uses: by lanes wherever the compiler has vectors for it, by
// words in wasm without SIMD.
#[cfg(not(all(target_arch = "wasm32", not(target_feature = "simd128"))))]
use self::needs_escape_by_lanes as needs_escape;
#[cfg(all(target_arch = "wasm32", not(target_feature = "simd128")))]
use self::needs_escape_by_words as needs_escape;

/// Whether a block holds a byte JSON escapes (a control character, `"` or `\`). A string
/// attribute's text is most of a typical item's answer, so this runs over nearly every byte an
/// answer holds. The test has no early exit and ORs one byte per position, which LLVM turns into
/// vector compares and an OR across lanes (SSE2 natively, 128-bit SIMD in the runtime's wasm):
/// 8-13 times faster in wasm than the OR of `bool`s it replaced, which LLVM compiled there to a
/// scalar bit-mask of the lanes (BENCHMARKS.md, session 5).
#[cfg(any(
    test,
    not(all(target_arch = "wasm32", not(target_feature = "simd128")))
))]
fn needs_escape_by_lanes(block: &[u8; BLOCK]) -> bool {
    let mut any = 0u8;
    for &b in block {
        any |= u8::from(b < 0x20) | u8::from(b == b'"') | u8::from(b == b'\\');
    }
    any != 0
}

/// [`needs_escape`] for wasm without SIMD (the playground's build), where the lanes above
/// become scalar code: eight bytes at a time in a 64-bit word, about 5 times faster there.
/// `(w - 0x20 in every byte) & !w` has a byte's high bit set only if some byte is below 0x20 (a
/// borrow starts only at such a byte), and `(x - 1 in every byte) & !x` likewise finds a zero
/// byte of `x = w ^ "` or `x = w ^ \\`; the OR of the three is exact as a yes/no.
#[cfg(any(test, all(target_arch = "wasm32", not(target_feature = "simd128"))))]
fn needs_escape_by_words(block: &[u8; BLOCK]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut any = 0u64;
    for word in block.chunks_exact(8) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let w = u64::from_le_bytes(bytes);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        any |= (w.wrapping_sub(ONES * 0x20) & !w)
            | (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash);
    }
    any & HIGH != 0
}

/// A JSON string literal with serde_json's escapes: `\"`, `\\`, the short forms `\b \t \n \f
/// \r`, and `\u00XX` for the other control characters; everything else (`/`, DEL, non-ASCII)
/// as it is. Runs of 32 bytes with nothing to escape are copied whole ([`needs_escape`]).
pub fn push_json_string(out: &mut String, text: &str) {
    // Non-short-circuit `|`, so the check stays branch-free.
    fn escaped(b: u8) -> bool {
        (b < 0x20) | (b == b'"') | (b == b'\\')
    }
    out.push('"');
    let bytes = text.as_bytes();
    // Most texts have nothing to escape: the whole blocks before the first that may are skipped
    // by a loop that does nothing else (in wasm, the loop below's bookkeeping per block cost
    // about as much as the block test itself).
    let (blocks, _) = bytes.as_chunks::<BLOCK>();
    let start = blocks.iter().take_while(|b| !needs_escape(b)).count() * BLOCK;
    // `copied` is where the text not yet written starts; every cut is at an ASCII byte, so
    // each slice is on a character boundary.
    let mut copied = 0;
    for (n, chunk) in bytes[start..].chunks(BLOCK).enumerate() {
        let clean = match <&[u8; BLOCK]>::try_from(chunk) {
            Ok(block) => !needs_escape(block),
            Err(_) => !chunk.iter().any(|&b| escaped(b)),
        };
        if clean {
            continue;
        }
        for (offset, &b) in chunk.iter().enumerate() {
            if !escaped(b) {
                continue;
            }
            let here = start + n * BLOCK + offset;
            out.push_str(&text[copied..here]);
            match b {
                b'"' => out.push_str("\\\""),
                b'\\' => out.push_str("\\\\"),
                0x08 => out.push_str("\\b"),
                b'\t' => out.push_str("\\t"),
                b'\n' => out.push_str("\\n"),
                0x0c => out.push_str("\\f"),
                b'\r' => out.push_str("\\r"),
                _ => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.push_str("\\u00");
                    out.push(char::from(HEX[usize::from(b >> 4)]));
                    out.push(char::from(HEX[usize::from(b & 0xf)]));
                }
            }
            copied = here + 1;
        }
    }
    out.push_str(&text[copied..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both block tests agree with the byte-by-byte rule for every byte value at every position
    /// of a block, alone and next to the values around the rule's edges (borrows between bytes).
    #[test]
    fn the_block_tests_find_exactly_the_bytes_to_escape() {
        let rule = |block: &[u8; BLOCK]| block.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
        let fillers = [
            b'x',
            0x20,
            0x21,
            0x7f,
            0x80,
            0xa0,
            0xff,
            b'"' + 1,
            b'\\' + 1,
        ];
        for filler in fillers {
            for position in 0..BLOCK {
                for value in 0..=255u8 {
                    let mut block = [filler; BLOCK];
                    block[position] = value;
                    let expected = rule(&block);
                    assert_eq!(needs_escape_by_lanes(&block), expected, "{block:?}");
                    assert_eq!(needs_escape_by_words(&block), expected, "{block:?}");
                }
            }
        }
    }

    /// Each escaped byte at each position of a text longer than two blocks: the writer's output
    /// is serde_json's.
    #[test]
    fn an_escape_anywhere_in_a_long_text_is_written_as_serde_json_writes_it() {
        for special in [b'"', b'\\', b'\n', 0x01, 0x1f, 0x08, 0x0c, b'\r', b'\t'] {
            for position in 0..70 {
                let mut bytes = vec![b'a'; 70];
                bytes[position] = special;
                let text = String::from_utf8(bytes).expect("ASCII");
                let mut out = String::new();
                push_json_string(&mut out, &text);
                assert_eq!(out, Value::String(text.clone()).to_string(), "{text:?}");
            }
        }
    }

    // The hand-written writer replaced serde_json on GetItem's answer; every byte must stay what
    // the Value path (and so every other operation) writes.
    #[test]
    fn item_text_matches_the_value_path() {
        let every_ascii: String = (0u8..=0x7f).map(char::from).collect();
        let long = format!(
            "{}\u{e9}\u{1F600}{}\"{}",
            "x".repeat(40),
            "y".repeat(17),
            "z".repeat(33)
        );
        let mut inner = Item::new();
        inner.insert("n\"ested\n".into(), AttributeValue::Null);
        inner.insert(
            "list".into(),
            AttributeValue::L(vec![
                AttributeValue::Bool(true),
                AttributeValue::Bool(false),
                AttributeValue::S(String::new()),
                AttributeValue::L(vec![]),
                AttributeValue::M(Item::new()),
            ]),
        );
        let mut item = Item::new();
        item.insert("ascii".into(), AttributeValue::S(every_ascii.clone()));
        item.insert(every_ascii, AttributeValue::S(long.clone()));
        item.insert("long".into(), AttributeValue::S(long));
        item.insert(
            "n".into(),
            AttributeValue::N(parse_number("-12.50e3").unwrap()),
        );
        item.insert("b".into(), AttributeValue::B(vec![0, 1, 2, 250, 255]));
        item.insert(
            "ss".into(),
            AttributeValue::SS(vec!["a".into(), "\\b".into()]),
        );
        item.insert(
            "ns".into(),
            AttributeValue::NS(vec![
                parse_number("1").unwrap(),
                parse_number("0.001").unwrap(),
            ]),
        );
        item.insert("bs".into(), AttributeValue::BS(vec![vec![1], vec![2, 3]]));
        item.insert("m".into(), AttributeValue::M(inner));
        for item in [Item::new(), item] {
            let mut text = String::new();
            write_item_json(&item, &mut text);
            assert_eq!(text, item_to_json(&item).to_string());
        }
    }

    #[test]
    fn strings_escape_as_serde_json_does_at_every_offset() {
        // Escapes before, across and after the 32-byte block boundaries.
        for len in 0..70 {
            for at in 0..len {
                for special in ['"', '\\', '\n', '\u{1}', '\u{1f}', '\u{7f}', '/', '\u{e9}'] {
                    let text: String = (0..len)
                        .map(|i| if i == at { special } else { 'a' })
                        .collect();
                    let mut out = String::new();
                    push_json_string(&mut out, &text);
                    assert_eq!(out, Value::String(text.clone()).to_string(), "{text:?}");
                }
            }
        }
    }

    // Every operation but GetItem answers through `write_json`; it must write what `Value`'s
    // `Display` writes, byte for byte.
    #[test]
    fn json_text_matches_display() {
        let values = [
            json!(null),
            json!(true),
            json!([]),
            json!({}),
            json!({"b": 1, "a": [0, -1, u64::MAX, i64::MIN, 0.5, -2.5e-7, 1e300, 3.0, 123456789.125]}),
            json!({"Items": [{"pk": {"S": "x\"y\\z\n\u{1}\u{e9}\u{1F600}"}}], "Count": 1, "ScannedCount": 1,
                   "ConsumedCapacity": {"TableName": "T", "CapacityUnits": 0.5}, "LastEvaluatedKey": null}),
            json!([[[[{"deep": [true, false, null, "", "/"]}]]]]),
            Value::String((0u8..=0x7f).map(char::from).collect()),
        ];
        for value in values {
            let mut out = String::new();
            write_json(&value, &mut out);
            assert_eq!(out, value.to_string());
        }
    }
}
