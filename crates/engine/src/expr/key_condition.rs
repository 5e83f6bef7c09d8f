//! Query's KeyConditionExpression: a resolved condition checked against the key schema and
//! split into the partition key value and the sort key condition, with DynamoDB's messages.

use super::ast::Comparator;
use super::eval::{Cond, Value};
use super::path::Step;
use super::KeyCondition;
use super::SortCondition;
use crate::value::AttributeValue;

/// One condition on one attribute, as collected from the AND-ed conditions.
type Conditions = Vec<(String, SortCondition)>;

fn bad_operator(op: &str) -> Result<(), String> {
    Err(format!(
        "Invalid operator used in KeyConditionExpression: {op}"
    ))
}

/// The single attribute name among `args`, its position, and the constant operands.
fn key_argument(args: &[&Value]) -> Result<(String, usize, Vec<AttributeValue>), String> {
    let mut name: Option<(String, usize)> = None;
    let mut constants = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        match arg {
            Value::Path(p) => {
                if name.is_some() {
                    return Err("Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition".into());
                }
                match p.0.as_slice() {
                    [Step::Key(k)] => name = Some((k.clone(), i)),
                    _ => {
                        return Err(
                            "KeyConditionExpressions cannot have conditions on nested attributes"
                                .into(),
                        )
                    }
                }
            }
            Value::Size(_) => {
                return Err("KeyConditionExpressions cannot contain nested operations".into())
            }
            Value::Const(v) => constants.push(v.clone()),
        }
    }
    match name {
        Some((n, i)) => Ok((n, i, constants)),
        None => {
            Err("Invalid condition in KeyConditionExpression: No key attribute specified".into())
        }
    }
}

fn first_operand_error(op: &str) -> String {
    format!("Invalid condition in KeyConditionExpression: {op} operator must have the key attribute as its first operand")
}

fn collect(cond: &Cond, out: &mut Conditions) -> Result<(), String> {
    let (name, sort) = match cond {
        Cond::And(a, b) => {
            collect(a, out)?;
            return collect(b, out);
        }
        Cond::Or(..) => return bad_operator("OR"),
        Cond::Not(_) => return bad_operator("NOT"),
        Cond::In(..) => return bad_operator("IN"),
        Cond::Compare(_, Comparator::Ne, _) => return bad_operator("<>"),
        Cond::Exists(_) => return bad_operator("attribute_exists"),
        Cond::NotExists(_) => return bad_operator("attribute_not_exists"),
        Cond::AttributeType(..) => return bad_operator("attribute_type"),
        Cond::Contains(..) => return bad_operator("contains"),
        Cond::Compare(a, op, b) => {
            let (name, position, mut values) = key_argument(&[a, b])?;
            let value = values.pop().unwrap_or(AttributeValue::Null);
            // `:v < k` is `k > :v`.
            let op = if position == 0 { *op } else { flip(*op) };
            let sort = match op {
                Comparator::Lt => SortCondition::Lt(value),
                Comparator::Le => SortCondition::Le(value),
                Comparator::Gt => SortCondition::Gt(value),
                Comparator::Ge => SortCondition::Ge(value),
                Comparator::Eq | Comparator::Ne => SortCondition::Eq(value),
            };
            (name, sort)
        }
        Cond::Between(v, lo, hi) => {
            if !matches!(v, Value::Path(_)) {
                return Err(first_operand_error("BETWEEN"));
            }
            let (name, _, values) = key_argument(&[v, lo, hi])?;
            let mut values = values.into_iter();
            let lo = values.next().unwrap_or(AttributeValue::Null);
            let hi = values.next().unwrap_or(AttributeValue::Null);
            (name, SortCondition::Between(lo, hi))
        }
        Cond::BeginsWith(v, prefix) => {
            if !matches!(v, Value::Path(_)) {
                return Err(first_operand_error("begins_with"));
            }
            let (name, _, values) = key_argument(&[v, prefix])?;
            let prefix = values.into_iter().next().unwrap_or(AttributeValue::Null);
            (name, SortCondition::BeginsWith(prefix))
        }
    };
    if out.iter().any(|(n, _)| *n == name) {
        return Err("KeyConditionExpressions must only contain one condition per key".into());
    }
    out.push((name, sort));
    Ok(())
}

fn flip(op: Comparator) -> Comparator {
    match op {
        Comparator::Lt => Comparator::Gt,
        Comparator::Le => Comparator::Ge,
        Comparator::Gt => Comparator::Lt,
        Comparator::Ge => Comparator::Le,
        other => other,
    }
}

/// Checks `cond` as a key condition for the key schema `hash_key` / `range_key`.
pub fn split(cond: &Cond, hash_key: &str, range_key: Option<&str>) -> Result<KeyCondition, String> {
    let mut conditions = Conditions::new();
    collect(cond, &mut conditions)?;
    let count = conditions.len();
    if count != 1 && count != 2 {
        return Err("Conditions can be of length 1 or 2 only".into());
    }
    let find = |key: &str| {
        conditions
            .iter()
            .find(|(n, _)| n == key)
            .map(|(_, c)| c.clone())
    };
    if range_key.is_none() && count > 1 {
        return Err("Query key condition not supported".into());
    }
    let partition = match find(hash_key) {
        None => {
            return Err(format!(
                "Query condition missed key schema element: {hash_key}"
            ))
        }
        Some(SortCondition::Eq(v)) => v,
        Some(_) => return Err("Query key condition not supported".into()),
    };
    let sort = match range_key {
        Some(range) => match find(range) {
            Some(c) => Some(c),
            None if count > 1 => {
                return Err(format!(
                    "Query condition missed key schema element: {range}"
                ))
            }
            None => None,
        },
        None => None,
    };
    Ok(KeyCondition { partition, sort })
}

/// A key condition on a key schema of several attributes (multi-attribute GSI keys): every
/// partition key attribute by equality, then sort key attributes from the left, each by
/// equality except the last one given, which may use any sort-key condition.
pub fn split_multi(
    cond: &Cond,
    hash_keys: &[&str],
    range_keys: &[&str],
) -> Result<MultiKeyCondition, String> {
    if let ([hash], [] | [_]) = (hash_keys, range_keys) {
        let single = split(cond, hash, range_keys.first().copied())?;
        let (sort_equal, sort_last) = match single.sort {
            Some(SortCondition::Eq(v)) => (vec![v], None),
            other => (Vec::new(), other),
        };
        return Ok(MultiKeyCondition {
            partition: vec![single.partition],
            sort_equal,
            sort_last,
        });
    }
    let mut conditions = Conditions::new();
    collect(cond, &mut conditions)?;
    let mut take = |key: &str| {
        conditions
            .iter()
            .position(|(n, _)| n == key)
            .map(|i| conditions.remove(i).1)
    };
    let mut partition = Vec::new();
    for hash in hash_keys {
        match take(hash) {
            Some(SortCondition::Eq(v)) => partition.push(v),
            Some(_) => return Err("Query key condition not supported".into()),
            None => return Err(format!("Query condition missed key schema element: {hash}")),
        }
    }
    let mut sort_equal = Vec::new();
    let mut sort_last = None;
    for range in range_keys {
        let Some(c) = take(range) else { break };
        if sort_last.is_some() {
            // A condition after a non-equality one: only the last given may be a range.
            return Err("Query key condition not supported".into());
        }
        match c {
            SortCondition::Eq(v) => sort_equal.push(v),
            other => sort_last = Some(other),
        }
    }
    if let Some((name, _)) = conditions.first() {
        let known = hash_keys.contains(&name.as_str()) || range_keys.contains(&name.as_str());
        return Err(if known {
            // A sort key attribute given while one to its left was skipped.
            format!(
                "Query condition missed key schema element: {}",
                range_keys
                    .iter()
                    .find(|r| !conditions.iter().any(|(n, _)| n == *r))
                    .unwrap_or(&"")
            )
        } else {
            "Query key condition not supported".into()
        });
    }
    Ok(MultiKeyCondition {
        partition,
        sort_equal,
        sort_last,
    })
}

/// A key condition over possibly several key attributes; see [`split_multi`].
#[derive(Debug, Clone, PartialEq)]
pub struct MultiKeyCondition {
    pub partition: Vec<AttributeValue>,
    pub sort_equal: Vec<AttributeValue>,
    pub sort_last: Option<SortCondition>,
}

impl MultiKeyCondition {
    /// Whether an entry's sort key values satisfy the sort part of the condition.
    pub fn sort_matches(&self, values: &[crate::value::KeyValue]) -> bool {
        let n = self.sort_equal.len();
        if values.len() < n {
            return false;
        }
        let prefix_ok = self.sort_equal.iter().zip(values).all(|(want, have)| {
            crate::value::KeyValue::from_attribute(want).as_ref() == Some(have)
        });
        prefix_ok
            && match &self.sort_last {
                None => true,
                Some(c) => values.get(n).is_some_and(|v| c.matches(&v.to_attribute())),
            }
    }
}
