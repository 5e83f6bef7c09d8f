//! Item size by DynamoDB's rules: names and values in UTF-8 bytes, binaries by raw length,
//! numbers by their stored base-100 form, 3 bytes of overhead per list or map plus 1 per element.
//!
//! The developer guide's "1 byte per two significant digits, plus 1 byte" is only approximate.
//! What DynamoDB charges (measured byte-exact at the 400 KB limit by other emulators, and the
//! formula dynalite derived earlier) is one byte per *pair of decimal places* the significant
//! digits touch, pairs being aligned on the decimal point, plus one byte, plus one more for a
//! negative number: `1.5` costs 3 where `15` costs 2, `-42` costs 3, and zero costs 1.

use super::{AttributeValue, Item, Number};

/// DynamoDB's maximum item size: 400 KB. An item of exactly this size is accepted.
pub const MAX_ITEM_SIZE: usize = 400 * 1024;

pub fn item_size(item: &Item) -> usize {
    item.iter().fold(0usize, |sum, (name, value)| {
        sum.saturating_add(name.len())
            .saturating_add(value_size(value))
    })
}

/// The documented estimate for a number of `significant_digits` digits, exact when the digits
/// do not straddle a pair boundary (integers with an even digit count, for example). Prefer
/// [`number_value_size`], which is exact for every number.
pub fn number_size(significant_digits: usize) -> usize {
    significant_digits.div_ceil(2).saturating_add(1)
}

/// The bytes DynamoDB charges for a number: 1, plus the base-100 digit pairs the significant
/// digits occupy (pairs aligned on the decimal point), plus 1 when negative. Zero costs 1.
pub fn number_value_size(n: &Number) -> usize {
    if n.is_zero() {
        return 1;
    }
    // A digit at power p sits in pair floor(p / 2); count the pairs from the leading digit's to
    // the last digit's.
    let top = i64::from(n.adjusted_exponent()).div_euclid(2);
    let bottom = i64::from(n.exponent()).div_euclid(2);
    let pairs = usize::try_from(top - bottom + 1).unwrap_or(0);
    1 + pairs + usize::from(n.is_negative())
}

pub fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_value_size(n),
        AttributeValue::B(b) => b.len(),
        AttributeValue::Bool(_) | AttributeValue::Null => 1,
        AttributeValue::M(m) => m.iter().fold(3usize, |sum, (k, v)| {
            sum.saturating_add(1)
                .saturating_add(k.len())
                .saturating_add(value_size(v))
        }),
        AttributeValue::L(l) => l.iter().fold(3usize, |sum, v| {
            sum.saturating_add(1).saturating_add(value_size(v))
        }),
        AttributeValue::SS(ss) => ss.iter().fold(0usize, |sum, s| sum.saturating_add(s.len())),
        AttributeValue::NS(ns) => ns
            .iter()
            .fold(0usize, |sum, n| sum.saturating_add(number_value_size(n))),
        AttributeValue::BS(bs) => bs.iter().fold(0usize, |sum, b| sum.saturating_add(b.len())),
    }
}
