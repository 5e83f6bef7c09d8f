//! Expressions: condition, key condition, filter, projection and update expressions.
//! Pipeline: parse text → resolve `#names`/`:values` (recording which were used) → evaluate.
//!
//! INTERFACE CONTRACT (used by the operations; the implementation lives in the submodules):
//! - `Expressions::new(names, values)`, built once per request from ExpressionAttributeNames/Values.
//! - `condition(text, parameter)` for ConditionExpression / FilterExpression (`parameter` is the
//!   request member's name, used in messages such as "Invalid ConditionExpression: ...").
//! - `key_condition(text, hash_key, range_key)` for Query's KeyConditionExpression.
//! - `projection(text)` for ProjectionExpression, `update(text)` for UpdateExpression.
//! - `check_unused()` after all expressions of a request are parsed: DynamoDB rejects unused names/values.

use std::collections::BTreeMap;

use crate::error::{ApiError, Result};
use crate::value::{AttributeValue, Item};

/// The names and values of one request, and which of them the request's expressions used.
pub struct Expressions {
    pub names: Option<BTreeMap<String, String>>,
    pub values: Option<Item>,
}

/// A parsed, resolved condition (ConditionExpression, FilterExpression).
#[derive(Debug, Clone)]
pub struct Condition;

/// A parsed, resolved ProjectionExpression.
#[derive(Debug, Clone)]
pub struct Projection;

/// A parsed, resolved UpdateExpression.
#[derive(Debug, Clone)]
pub struct UpdatePlan;

/// Query's key condition split into the partition key value and an optional sort key condition.
#[derive(Debug, Clone)]
pub struct KeyCondition {
    pub partition: AttributeValue,
    pub sort: Option<SortCondition>,
}

#[derive(Debug, Clone)]
pub enum SortCondition {
    Eq(AttributeValue),
    Lt(AttributeValue),
    Le(AttributeValue),
    Gt(AttributeValue),
    Ge(AttributeValue),
    Between(AttributeValue, AttributeValue),
    BeginsWith(AttributeValue),
}

impl Expressions {
    pub fn new(names: Option<BTreeMap<String, String>>, values: Option<Item>) -> Self {
        Expressions { names, values }
    }

    pub fn condition(&mut self, _text: &str, parameter: &str) -> Result<Condition> {
        Err(ApiError::validation(format!(
            "Invalid {parameter}: not implemented yet"
        )))
    }

    pub fn key_condition(
        &mut self,
        _text: &str,
        _hash_key: &str,
        _range_key: Option<&str>,
    ) -> Result<KeyCondition> {
        Err(ApiError::validation(
            "Invalid KeyConditionExpression: not implemented yet",
        ))
    }

    pub fn projection(&mut self, _text: &str) -> Result<Projection> {
        Err(ApiError::validation(
            "Invalid ProjectionExpression: not implemented yet",
        ))
    }

    pub fn update(&mut self, _text: &str) -> Result<UpdatePlan> {
        Err(ApiError::validation(
            "Invalid UpdateExpression: not implemented yet",
        ))
    }

    pub fn check_unused(&self) -> Result<()> {
        Ok(())
    }
}

impl Condition {
    /// Whether `item` (None: no item) satisfies the condition.
    pub fn matches(&self, _item: Option<&Item>) -> bool {
        false
    }
}

impl Projection {
    /// The attributes of `item` the projection names (nested paths and list elements included).
    pub fn apply(&self, item: &Item) -> Item {
        item.clone()
    }
}

impl UpdatePlan {
    /// The new item after the update, from the old one (None: no item yet; the caller adds the key).
    pub fn apply(&self, old: Option<&Item>) -> Result<Item> {
        Ok(old.cloned().unwrap_or_default())
    }

    /// The paths the update touches, for ReturnValues UPDATED_OLD / UPDATED_NEW.
    pub fn updated(&self) -> Projection {
        Projection
    }
}

impl SortCondition {
    pub fn matches(&self, _value: &AttributeValue) -> bool {
        false
    }
}
