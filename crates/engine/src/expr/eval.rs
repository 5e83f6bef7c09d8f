//! Resolved conditions and their evaluation against an item, with DynamoDB's semantics:
//! comparisons only between values of one type (order only for S, N, B), and a missing
//! attribute makes every comparison false except `<>`.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::ast::Comparator;
use super::path::DocPath;
use crate::value::{AttributeValue, Item, Number};

/// An operand with placeholders resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Path(DocPath),
    Const(AttributeValue),
    Size(Box<Value>),
}

/// A condition with placeholders resolved and functions recognised.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Compare(Value, Comparator, Value),
    Between(Value, Value, Value),
    In(Value, Vec<Value>),
    Exists(DocPath),
    NotExists(DocPath),
    AttributeType(Value, Value),
    BeginsWith(Value, Value),
    Contains(Value, Value),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

impl Value {
    /// The operand's value for `item`; None when a path does not exist (or has no size).
    pub fn eval<'a>(&'a self, item: Option<&'a Item>) -> Option<Cow<'a, AttributeValue>> {
        match self {
            Value::Const(v) => Some(Cow::Borrowed(v)),
            Value::Path(p) => item.and_then(|i| p.lookup(i)).map(Cow::Borrowed),
            Value::Size(inner) => {
                let v = inner.eval(item)?;
                size_of(&v).map(|n| Cow::Owned(AttributeValue::N(Number::from_i64(n))))
            }
        }
    }
}

/// `size()`: string length (UTF-8 bytes, DynamoDB's measure of strings everywhere), binary
/// length, element count of sets, lists and maps; numbers, booleans and null have no size.
pub fn size_of(value: &AttributeValue) -> Option<i64> {
    let n = match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::B(b) => b.len(),
        AttributeValue::SS(s) => s.len(),
        AttributeValue::NS(s) => s.len(),
        AttributeValue::BS(s) => s.len(),
        AttributeValue::L(l) => l.len(),
        AttributeValue::M(m) => m.len(),
        AttributeValue::N(_) | AttributeValue::Bool(_) | AttributeValue::Null => return None,
    };
    i64::try_from(n).ok()
}

/// Order of two values of one orderable type (S and B bytewise, N numerically); None otherwise.
pub fn order(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::S(x), AttributeValue::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (AttributeValue::N(x), AttributeValue::N(y)) => Some(x.cmp(y)),
        (AttributeValue::B(x), AttributeValue::B(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

pub fn compare(a: Option<&AttributeValue>, op: Comparator, b: Option<&AttributeValue>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        // A missing operand equals nothing, so only "not equal" holds.
        return op == Comparator::Ne;
    };
    match op {
        Comparator::Eq => a == b,
        Comparator::Ne => a != b,
        Comparator::Lt => order(a, b) == Some(Ordering::Less),
        Comparator::Le => matches!(order(a, b), Some(Ordering::Less | Ordering::Equal)),
        Comparator::Gt => order(a, b) == Some(Ordering::Greater),
        Comparator::Ge => matches!(order(a, b), Some(Ordering::Greater | Ordering::Equal)),
    }
}

pub fn between(v: &AttributeValue, low: &AttributeValue, high: &AttributeValue) -> bool {
    matches!(order(v, low), Some(Ordering::Greater | Ordering::Equal))
        && matches!(order(v, high), Some(Ordering::Less | Ordering::Equal))
}

pub fn begins_with(v: &AttributeValue, prefix: &AttributeValue) -> bool {
    match (v, prefix) {
        (AttributeValue::S(s), AttributeValue::S(p)) => s.starts_with(p.as_str()),
        (AttributeValue::B(s), AttributeValue::B(p)) => s.starts_with(p),
        _ => false,
    }
}

/// `contains`: substring of a string, byte subsequence of a binary, member of a set of the
/// operand's type, or element of a list.
pub fn contains(v: &AttributeValue, operand: &AttributeValue) -> bool {
    match (v, operand) {
        (AttributeValue::S(s), AttributeValue::S(sub)) => s.contains(sub.as_str()),
        (AttributeValue::B(b), AttributeValue::B(sub)) => {
            sub.is_empty() || b.windows(sub.len()).any(|w| w == sub.as_slice())
        }
        (AttributeValue::SS(set), AttributeValue::S(e)) => set.contains(e),
        (AttributeValue::NS(set), AttributeValue::N(e)) => set.contains(e),
        (AttributeValue::BS(set), AttributeValue::B(e)) => set.contains(e),
        (AttributeValue::L(list), e) => list.contains(e),
        _ => false,
    }
}

impl Cond {
    pub fn eval(&self, item: Option<&Item>) -> bool {
        match self {
            Cond::And(a, b) => a.eval(item) && b.eval(item),
            Cond::Or(a, b) => a.eval(item) || b.eval(item),
            Cond::Not(c) => !c.eval(item),
            Cond::Exists(p) => item.and_then(|i| p.lookup(i)).is_some(),
            Cond::NotExists(p) => item.and_then(|i| p.lookup(i)).is_none(),
            Cond::Compare(a, op, b) => {
                compare(a.eval(item).as_deref(), *op, b.eval(item).as_deref())
            }
            Cond::Between(v, lo, hi) => match (v.eval(item), lo.eval(item), hi.eval(item)) {
                (Some(v), Some(lo), Some(hi)) => between(&v, &lo, &hi),
                _ => false,
            },
            Cond::In(v, list) => match v.eval(item) {
                Some(v) => list.iter().any(|e| e.eval(item).is_some_and(|e| *e == *v)),
                None => false,
            },
            Cond::AttributeType(v, t) => match (v.eval(item), t.eval(item)) {
                (Some(v), Some(t)) => {
                    matches!(&*t, AttributeValue::S(name) if name == v.type_name())
                }
                _ => false,
            },
            Cond::BeginsWith(v, p) => match (v.eval(item), p.eval(item)) {
                (Some(v), Some(p)) => begins_with(&v, &p),
                _ => false,
            },
            Cond::Contains(v, e) => match (v.eval(item), e.eval(item)) {
                (Some(v), Some(e)) => contains(&v, &e),
                _ => false,
            },
        }
    }
}

impl Value {
    fn collect_paths<'a>(&'a self, out: &mut Vec<&'a DocPath>) {
        match self {
            Value::Path(p) => out.push(p),
            Value::Size(inner) => inner.collect_paths(out),
            Value::Const(_) => {}
        }
    }
}

impl Cond {
    /// Every document path the condition reads, in order of appearance.
    pub fn paths(&self) -> Vec<&DocPath> {
        let mut out = Vec::new();
        self.collect_paths(&mut out);
        out
    }

    fn collect_paths<'a>(&'a self, out: &mut Vec<&'a DocPath>) {
        match self {
            Cond::Compare(a, _, b)
            | Cond::AttributeType(a, b)
            | Cond::BeginsWith(a, b)
            | Cond::Contains(a, b) => {
                a.collect_paths(out);
                b.collect_paths(out);
            }
            Cond::Between(a, b, c) => {
                for v in [a, b, c] {
                    v.collect_paths(out);
                }
            }
            Cond::In(a, list) => {
                a.collect_paths(out);
                for v in list {
                    v.collect_paths(out);
                }
            }
            Cond::Exists(p) | Cond::NotExists(p) => out.push(p),
            Cond::Not(inner) => inner.collect_paths(out),
            Cond::And(a, b) | Cond::Or(a, b) => {
                a.collect_paths(out);
                b.collect_paths(out);
            }
        }
    }
}
