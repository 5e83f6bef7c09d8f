//! Key attribute values (S, N or B) and their ordering: S and B bytewise, N numerically; plus an
//! order-preserving binary encoding so storage can sort composite keys by plain byte comparison.

use super::{number::MAX_ADJUSTED_EXPONENT, number::MIN_ADJUSTED_EXPONENT, AttributeValue, Number};

/// DynamoDB's limit on a partition key value: 2048 bytes.
pub const MAX_PARTITION_KEY_SIZE: usize = 2048;
/// DynamoDB's limit on a sort key value: 1024 bytes.
pub const MAX_SORT_KEY_SIZE: usize = 1024;

/// A key value. The derived `Ord` (S < N < B across types, which never meet in one table) is
/// the order [`key_to_bytes`] preserves.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyValue {
    S(String),
    N(Number),
    B(Vec<u8>),
}

impl KeyValue {
    pub fn from_attribute(value: &AttributeValue) -> Option<KeyValue> {
        match value {
            AttributeValue::S(s) => Some(KeyValue::S(s.clone())),
            AttributeValue::N(n) => Some(KeyValue::N(n.clone())),
            AttributeValue::B(b) => Some(KeyValue::B(b.clone())),
            _ => None,
        }
    }

    pub fn to_attribute(&self) -> AttributeValue {
        match self {
            KeyValue::S(s) => AttributeValue::S(s.clone()),
            KeyValue::N(n) => AttributeValue::N(n.clone()),
            KeyValue::B(b) => AttributeValue::B(b.clone()),
        }
    }

    /// Bytes that identify this key value, used for hashing a partition key.
    pub fn hash_bytes(&self) -> Vec<u8> {
        match self {
            KeyValue::S(s) => s.as_bytes().to_vec(),
            KeyValue::N(n) => n.to_string().into_bytes(),
            KeyValue::B(b) => b.clone(),
        }
    }

    /// The value's size as DynamoDB measures it against the key limits ([`MAX_PARTITION_KEY_SIZE`],
    /// [`MAX_SORT_KEY_SIZE`]): UTF-8 bytes for S, raw bytes for B, the stored size for N.
    pub fn size(&self) -> usize {
        match self {
            KeyValue::S(s) => s.len(),
            KeyValue::N(n) => super::size::number_value_size(n),
            KeyValue::B(b) => b.len(),
        }
    }
}

// Type tags, in the derived `Ord` order of the variants.
const TAG_S: u8 = 0x01;
const TAG_N: u8 = 0x02;
const TAG_B: u8 = 0x03;
// Number sign classes: negatives sort below zero, zero below positives.
const NUM_NEGATIVE: u8 = 0x01;
const NUM_ZERO: u8 = 0x02;
const NUM_POSITIVE: u8 = 0x03;
// A positive number's digits are stored as 1..=10 and end with 0, so a shorter digit string that
// is a prefix of a longer one (1.2 vs 1.25) sorts first. Negatives store 10 - d (inverted order)
// and end with 0xFF, so the shorter prefix (the smaller magnitude) sorts last.
const POSITIVE_END: u8 = 0x00;
const NEGATIVE_END: u8 = 0xFF;

/// Encodes key values so that comparing two encodings bytewise gives the same answer as
/// comparing the value lists element by element. Each value is self-delimiting (strings and
/// binaries escape 0x00 as 0x00 0xFF and end with 0x00 0x00), so encodings of composite keys
/// concatenate safely and a partition key's encoding is a prefix of its items' full keys.
pub fn key_to_bytes(values: &[&KeyValue]) -> Vec<u8> {
    let mut out = Vec::new();
    for value in values {
        match value {
            KeyValue::S(s) => {
                out.push(TAG_S);
                encode_bytes(s.as_bytes(), &mut out);
            }
            KeyValue::B(b) => {
                out.push(TAG_B);
                encode_bytes(b, &mut out);
            }
            KeyValue::N(n) => {
                out.push(TAG_N);
                encode_number(n, &mut out);
            }
        }
    }
    out
}

fn encode_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    for &b in bytes {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0x00, 0x00]);
}

fn encode_number(n: &Number, out: &mut Vec<u8>) {
    if n.is_zero() {
        out.push(NUM_ZERO);
        return;
    }
    // The leading digit's power is within -130..=125: biased, it fits one byte (0..=255).
    let biased = u8::try_from(n.adjusted_exponent() - MIN_ADJUSTED_EXPONENT).unwrap_or(u8::MAX);
    let digits = n.coefficient().to_string();
    if n.is_negative() {
        out.push(NUM_NEGATIVE);
        out.push(u8::MAX - biased);
        out.extend(digits.bytes().map(|d| 10 - (d - b'0')));
        out.push(NEGATIVE_END);
    } else {
        out.push(NUM_POSITIVE);
        out.push(biased);
        out.extend(digits.bytes().map(|d| d - b'0' + 1));
        out.push(POSITIVE_END);
    }
}

/// Decodes what [`key_to_bytes`] wrote. `None` for bytes it could not have written.
pub fn key_from_bytes(mut bytes: &[u8]) -> Option<Vec<KeyValue>> {
    let mut values = Vec::new();
    while let Some((&tag, rest)) = bytes.split_first() {
        let (value, rest) = match tag {
            TAG_S => {
                let (raw, rest) = decode_bytes(rest)?;
                (KeyValue::S(String::from_utf8(raw).ok()?), rest)
            }
            TAG_B => {
                let (raw, rest) = decode_bytes(rest)?;
                (KeyValue::B(raw), rest)
            }
            TAG_N => {
                let (n, rest) = decode_number(rest)?;
                (KeyValue::N(n), rest)
            }
            _ => return None,
        };
        values.push(value);
        bytes = rest;
    }
    Some(values)
}

fn decode_bytes(mut bytes: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let mut out = Vec::new();
    loop {
        let (&b, rest) = bytes.split_first()?;
        if b != 0 {
            out.push(b);
            bytes = rest;
            continue;
        }
        let (&next, rest) = rest.split_first()?;
        match next {
            0xFF => out.push(0),
            0x00 => return Some((out, rest)),
            _ => return None,
        }
        bytes = rest;
    }
}

fn decode_number(bytes: &[u8]) -> Option<(Number, &[u8])> {
    let (&class, rest) = bytes.split_first()?;
    if class == NUM_ZERO {
        return Some((Number::zero(), rest));
    }
    let negative = match class {
        NUM_NEGATIVE => true,
        NUM_POSITIVE => false,
        _ => return None,
    };
    let (&biased, mut rest) = rest.split_first()?;
    let biased = if negative { u8::MAX - biased } else { biased };
    let adjusted = i32::from(biased) + MIN_ADJUSTED_EXPONENT;
    if adjusted > MAX_ADJUSTED_EXPONENT {
        return None;
    }
    let end = if negative { NEGATIVE_END } else { POSITIVE_END };
    let mut text = String::with_capacity(48);
    if negative {
        text.push('-');
    }
    let mut count = 0usize;
    loop {
        let (&b, after) = rest.split_first()?;
        rest = after;
        if b == end {
            break;
        }
        let digit = if negative {
            10u8.checked_sub(b)?
        } else {
            b.checked_sub(1)?
        };
        if digit > 9 {
            return None;
        }
        text.push(char::from(b'0' + digit));
        count += 1;
    }
    if count == 0 {
        return None;
    }
    // The digits are d1 d2 ... dn with d1 at power `adjusted`: write them as d1.d2...E<adjusted>.
    let mut formatted = String::with_capacity(text.len() + 8);
    let (sign, digits) = text.split_at(usize::from(negative));
    formatted.push_str(sign);
    let (lead, tail) = digits.split_at(1.min(digits.len()));
    formatted.push_str(lead);
    if !tail.is_empty() {
        formatted.push('.');
        formatted.push_str(tail);
    }
    formatted.push_str(&format!("E{adjusted}"));
    let n = Number::parse(&formatted).ok()?;
    Some((n, rest))
}
