//! Key attribute values (S, N or B) and their ordering: S and B bytewise, N numerically.

use super::{AttributeValue, Number};

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
}
