//! The data model: DynamoDB's ten attribute value types, items, and key values.

pub mod key;
pub mod number;
pub mod size;
pub mod wire;

use std::collections::BTreeMap;

pub use key::KeyValue;
pub use number::Number;

/// An item: attribute names to values. Ordered, so output is deterministic.
pub type Item = BTreeMap<String, AttributeValue>;

/// One attribute value. Sets are kept sorted and free of duplicates (S and B bytewise, N
/// numerically), so two equal sets compare equal whatever order they were written in.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    S(String),
    N(Number),
    B(Vec<u8>),
    Bool(bool),
    Null,
    M(BTreeMap<String, AttributeValue>),
    L(Vec<AttributeValue>),
    SS(Vec<String>),
    NS(Vec<Number>),
    BS(Vec<Vec<u8>>),
}

impl AttributeValue {
    /// The type descriptor as DynamoDB writes it on the wire (`S`, `BOOL`, `NULL`...).
    pub fn type_name(&self) -> &'static str {
        match self {
            AttributeValue::S(_) => "S",
            AttributeValue::N(_) => "N",
            AttributeValue::B(_) => "B",
            AttributeValue::Bool(_) => "BOOL",
            AttributeValue::Null => "NULL",
            AttributeValue::M(_) => "M",
            AttributeValue::L(_) => "L",
            AttributeValue::SS(_) => "SS",
            AttributeValue::NS(_) => "NS",
            AttributeValue::BS(_) => "BS",
        }
    }
}
