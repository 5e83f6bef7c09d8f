//! Item size by DynamoDB's published rules: names and values in UTF-8 bytes, numbers by
//! significant digits, 3 bytes of overhead per list or map plus 1 per element.

use super::{AttributeValue, Item};

/// DynamoDB's maximum item size: 400 KB.
pub const MAX_ITEM_SIZE: usize = 400 * 1024;

pub fn item_size(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

pub fn number_size(significant_digits: usize) -> usize {
    significant_digits.div_ceil(2) + 1
}

pub fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n.significant_digits()),
        AttributeValue::B(b) => b.len(),
        AttributeValue::Bool(_) | AttributeValue::Null => 1,
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, v)| 1 + k.len() + value_size(v))
                .sum::<usize>()
        }
        AttributeValue::L(l) => 3 + l.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::SS(ss) => ss.iter().map(|s| s.len()).sum(),
        AttributeValue::NS(ns) => ns.iter().map(|n| number_size(n.significant_digits())).sum(),
        AttributeValue::BS(bs) => bs.iter().map(|b| b.len()).sum(),
    }
}
