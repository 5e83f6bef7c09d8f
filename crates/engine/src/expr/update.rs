//! Applying a resolved update expression to an item: SET (with `+`, `-`, `list_append`,
//! `if_not_exists`), REMOVE, ADD and DELETE, and exact decimal arithmetic for numbers.
//!
//! As in DynamoDB, every SET value is computed from the item as it was before the update,
//! and list indexes in REMOVE refer to the original list (so `REMOVE a[1], a[2]` removes two
//! original elements, not one and then its new neighbour).

use std::cmp::Ordering;

use super::path::{DocPath, Step};
use crate::error::{ApiError, Result};
use crate::value::{AttributeValue, Item, Number};

/// The value of a SET action, placeholders resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateValue {
    Path(DocPath),
    Const(AttributeValue),
    IfNotExists(DocPath, Box<UpdateValue>),
    ListAppend(Box<UpdateValue>, Box<UpdateValue>),
    Plus(Box<UpdateValue>, Box<UpdateValue>),
    Minus(Box<UpdateValue>, Box<UpdateValue>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Set(DocPath, UpdateValue),
    Remove(DocPath),
    Add(DocPath, AttributeValue),
    Delete(DocPath, AttributeValue),
}

impl Action {
    pub fn path(&self) -> &DocPath {
        match self {
            Action::Set(p, _) | Action::Remove(p) | Action::Add(p, _) | Action::Delete(p, _) => p,
        }
    }
}

const MISSING: &str =
    "The provided expression refers to an attribute that does not exist in the item";
const WRONG_TYPE: &str = "An operand in the update expression has an incorrect data type";
const BAD_PATH: &str = "The document path provided in the update expression is invalid for update";

impl UpdateValue {
    fn eval(&self, item: &Item) -> Result<AttributeValue> {
        match self {
            UpdateValue::Const(v) => Ok(v.clone()),
            UpdateValue::Path(p) => p
                .lookup(item)
                .cloned()
                .ok_or_else(|| ApiError::validation(MISSING)),
            UpdateValue::IfNotExists(p, fallback) => match p.lookup(item) {
                Some(v) => Ok(v.clone()),
                None => fallback.eval(item),
            },
            UpdateValue::ListAppend(a, b) => {
                let a = a.eval(item)?;
                let AttributeValue::L(mut a) = a else {
                    return Err(ApiError::validation(WRONG_TYPE));
                };
                let AttributeValue::L(b) = b.eval(item)? else {
                    return Err(ApiError::validation(WRONG_TYPE));
                };
                a.extend(b);
                Ok(AttributeValue::L(a))
            }
            UpdateValue::Plus(a, b) | UpdateValue::Minus(a, b) => {
                let AttributeValue::N(x) = a.eval(item)? else {
                    return Err(ApiError::validation(WRONG_TYPE));
                };
                let AttributeValue::N(y) = b.eval(item)? else {
                    return Err(ApiError::validation(WRONG_TYPE));
                };
                let subtract = matches!(self, UpdateValue::Minus(..));
                add_numbers(&x, &y, subtract).map(AttributeValue::N)
            }
        }
    }
}

/// The container a path's last step lives in, or the item itself for a top-level name.
enum Parent<'a> {
    Item(&'a mut Item),
    Value(&'a mut AttributeValue),
}

fn parent_of<'a>(item: &'a mut Item, path: &DocPath) -> Result<(Parent<'a>, Step)> {
    let bad = || ApiError::validation(BAD_PATH);
    let (last, init) = path.0.split_last().ok_or_else(bad)?;
    let Some((Step::Key(first), rest)) = init.split_first() else {
        return match last {
            Step::Key(_) => Ok((Parent::Item(item), last.clone())),
            Step::Index(_) => Err(bad()),
        };
    };
    let mut current = item.get_mut(first).ok_or_else(bad)?;
    for step in rest {
        current = match (current, step) {
            (AttributeValue::M(m), Step::Key(k)) => m.get_mut(k).ok_or_else(bad)?,
            (AttributeValue::L(l), Step::Index(i)) => l.get_mut(*i).ok_or_else(bad)?,
            _ => return Err(bad()),
        };
    }
    match (&*current, last) {
        (AttributeValue::M(_), Step::Key(_)) | (AttributeValue::L(_), Step::Index(_)) => {
            Ok((Parent::Value(current), last.clone()))
        }
        _ => Err(bad()),
    }
}

impl Parent<'_> {
    fn get(&self, step: &Step) -> Option<&AttributeValue> {
        match (self, step) {
            (Parent::Item(i), Step::Key(k)) => i.get(k),
            (Parent::Value(AttributeValue::M(m)), Step::Key(k)) => m.get(k),
            (Parent::Value(AttributeValue::L(l)), Step::Index(i)) => l.get(*i),
            _ => None,
        }
    }

    /// Sets the child; an index past the end of a list appends.
    fn set(&mut self, step: &Step, value: AttributeValue) {
        match (self, step) {
            (Parent::Item(i), Step::Key(k)) => {
                i.insert(k.clone(), value);
            }
            (Parent::Value(AttributeValue::M(m)), Step::Key(k)) => {
                m.insert(k.clone(), value);
            }
            (Parent::Value(AttributeValue::L(l)), Step::Index(i)) => match l.get_mut(*i) {
                Some(slot) => *slot = value,
                None => l.push(value),
            },
            _ => {}
        }
    }

    fn remove(&mut self, step: &Step) {
        match (self, step) {
            (Parent::Item(i), Step::Key(k)) => {
                i.remove(k);
            }
            (Parent::Value(AttributeValue::M(m)), Step::Key(k)) => {
                m.remove(k);
            }
            (Parent::Value(AttributeValue::L(l)), Step::Index(i)) if *i < l.len() => {
                l.remove(*i);
            }
            _ => {}
        }
    }
}

/// Sorted, duplicate-free union of two sets, keeping the engine's canonical set order.
fn union<T: Ord + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    let mut out: Vec<T> = a.iter().chain(b.iter()).cloned().collect();
    out.sort();
    out.dedup();
    out
}

fn difference<T: PartialEq + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

fn add_value(existing: Option<&AttributeValue>, value: &AttributeValue) -> Result<AttributeValue> {
    use AttributeValue::*;
    let wrong = || ApiError::validation(WRONG_TYPE);
    Ok(match (existing, value) {
        (None, v) => v.clone(),
        (Some(N(a)), N(b)) => N(add_numbers(a, b, false)?),
        (Some(SS(a)), SS(b)) => SS(union(a, b)),
        (Some(NS(a)), NS(b)) => NS(union(a, b)),
        (Some(BS(a)), BS(b)) => BS(union(a, b)),
        _ => return Err(wrong()),
    })
}

/// The set left after DELETE, or None when it became empty (DynamoDB then removes it).
fn delete_value(
    existing: &AttributeValue,
    value: &AttributeValue,
) -> Result<Option<AttributeValue>> {
    use AttributeValue::*;
    let out = match (existing, value) {
        (SS(a), SS(b)) => SS(difference(a, b)),
        (NS(a), NS(b)) => NS(difference(a, b)),
        (BS(a), BS(b)) => BS(difference(a, b)),
        _ => return Err(ApiError::validation(WRONG_TYPE)),
    };
    let empty = match &out {
        SS(s) => s.is_empty(),
        NS(s) => s.is_empty(),
        BS(s) => s.is_empty(),
        _ => false,
    };
    Ok((!empty).then_some(out))
}

/// A SET (value already computed), ADD or DELETE waiting to be applied.
enum Write<'a> {
    Set(AttributeValue),
    Add(&'a AttributeValue),
    Delete(&'a AttributeValue),
}

/// Applies `actions` to a copy of `old` (empty when there is no item).
pub fn apply(actions: &[Action], old: Option<&Item>) -> Result<Item> {
    let empty = Item::new();
    let before = old.unwrap_or(&empty);
    // SET values come from the item as it was before the update.
    let mut values = Vec::new();
    for action in actions {
        if let Action::Set(_, v) = action {
            values.push(v.eval(before)?);
        }
    }
    let mut item = before.clone();
    let mut values = values.into_iter();
    let mut writes: Vec<(&DocPath, Write)> = Vec::new();
    let mut removes: Vec<&DocPath> = Vec::new();
    for action in actions {
        match action {
            Action::Set(path, _) => {
                let value = values
                    .next()
                    .ok_or_else(|| ApiError::internal("update value missing"))?;
                writes.push((path, Write::Set(value)));
            }
            Action::Add(path, value) => writes.push((path, Write::Add(value))),
            Action::Delete(path, value) => writes.push((path, Write::Delete(value))),
            Action::Remove(path) => removes.push(path),
        }
    }
    // Paths never overlap, so order only matters for writes past the end of one list: they
    // append in index order, whatever order they were written in.
    writes.sort_by(|a, b| a.0.cmp(b.0));
    for (path, write) in writes {
        let (mut parent, step) = parent_of(&mut item, path)?;
        match write {
            Write::Set(value) => parent.set(&step, value),
            Write::Add(value) => {
                let new = add_value(parent.get(&step), value)?;
                parent.set(&step, new);
            }
            Write::Delete(value) => {
                if let Some(existing) = parent.get(&step) {
                    match delete_value(existing, value)? {
                        Some(rest) => parent.set(&step, rest),
                        None => parent.remove(&step),
                    }
                }
            }
        }
    }
    // Removing later list elements first keeps earlier indexes pointing at the original elements.
    removes.sort_by(|a, b| b.cmp(a));
    for path in removes {
        let (mut parent, step) = parent_of(&mut item, path)?;
        parent.remove(&step);
    }
    Ok(item)
}

// ---- exact decimal arithmetic over Number's public API (its plain decimal text) ----

/// A decimal as sign, digits and the count of those digits after the point.
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    scale: usize,
}

impl Decimal {
    fn from_number(n: &Number) -> Decimal {
        let text = n.to_string();
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let digits = int
            .bytes()
            .chain(frac.bytes())
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .collect();
        Decimal {
            negative,
            digits,
            scale: frac.len(),
        }
    }

    /// Digits padded to `scale` fractional and `width` total digits.
    fn aligned(&self, scale: usize, width: usize) -> Vec<u8> {
        let mut d = self.digits.clone();
        d.resize(d.len() + (scale - self.scale.min(scale)), 0);
        let mut out = vec![0; width.saturating_sub(d.len())];
        out.extend(d);
        out
    }
}

fn add_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; a.len() + 1];
    let mut carry = 0;
    for i in (0..a.len()).rev() {
        let s = a.get(i).copied().unwrap_or(0) + b.get(i).copied().unwrap_or(0) + carry;
        if let Some(slot) = out.get_mut(i + 1) {
            *slot = s % 10;
        }
        carry = s / 10;
    }
    if let Some(first) = out.first_mut() {
        *first = carry;
    }
    out
}

/// `a - b` for magnitudes with `a >= b`, equal lengths.
fn sub_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; a.len()];
    let mut borrow = 0i8;
    for i in (0..a.len()).rev() {
        let mut d =
            a.get(i).copied().unwrap_or(0) as i8 - b.get(i).copied().unwrap_or(0) as i8 - borrow;
        borrow = 0;
        if d < 0 {
            d += 10;
            borrow = 1;
        }
        if let Some(slot) = out.get_mut(i) {
            *slot = d as u8;
        }
    }
    out
}

/// `a + b` (or `a - b`), exactly, then checked against DynamoDB's number limits.
pub fn add_numbers(a: &Number, b: &Number, subtract: bool) -> Result<Number> {
    let x = Decimal::from_number(a);
    let mut y = Decimal::from_number(b);
    if subtract && !b.is_zero() {
        y.negative = !y.negative;
    }
    let scale = x.scale.max(y.scale);
    let width = (x.digits.len() + scale - x.scale).max(y.digits.len() + scale - y.scale);
    let (xd, yd) = (x.aligned(scale, width), y.aligned(scale, width));
    let (negative, digits) = if x.negative == y.negative {
        (x.negative, add_digits(&xd, &yd))
    } else {
        match xd.cmp(&yd) {
            Ordering::Less => (y.negative, sub_digits(&yd, &xd)),
            _ => (x.negative, sub_digits(&xd, &yd)),
        }
    };
    let split = digits.len().saturating_sub(scale);
    let mut text = String::with_capacity(digits.len() + 3);
    if negative {
        text.push('-');
    }
    let int: String = digits
        .iter()
        .take(split)
        .map(|d| char::from(b'0' + d))
        .collect();
    let frac: String = digits
        .iter()
        .skip(split)
        .map(|d| char::from(b'0' + d))
        .collect();
    text.push_str(if int.is_empty() { "0" } else { &int });
    if !frac.is_empty() {
        text.push('.');
        text.push_str(&frac);
    }
    Number::parse(&text).map_err(|e| ApiError::validation(e.message()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    fn sum(a: &str, b: &str, sub: bool) -> String {
        match add_numbers(&n(a), &n(b), sub) {
            Ok(v) => v.to_string(),
            Err(e) => e.message.unwrap_or_default(),
        }
    }

    // Exact decimal arithmetic: no float rounding, signs and scales handled.
    #[test]
    fn arithmetic() {
        assert_eq!(sum("0.1", "0.2", false), "0.3");
        assert_eq!(sum("1", "2", false), "3");
        assert_eq!(sum("5", "7", true), "-2");
        assert_eq!(sum("-5", "-7", false), "-12");
        assert_eq!(sum("-5", "7", false), "2");
        assert_eq!(sum("999", "1", false), "1000");
        assert_eq!(sum("1.005", "-1.005", false), "0");
        assert_eq!(sum("0", "0", true), "0");
        assert_eq!(
            sum("1E+20", "1E-10", false),
            "100000000000000000000.0000000001"
        );
        assert_eq!(
            sum("12345678901234567890123456789012345678", "1", false),
            "12345678901234567890123456789012345679"
        );
    }

    // Results beyond DynamoDB's limits are rejected with the number message, never wrapped.
    #[test]
    fn arithmetic_limits() {
        assert_eq!(
            sum("99999999999999999999999999999999999999", "0.1", false),
            "Attempting to store more than 38 significant digits in a Number"
        );
        assert_eq!(
            sum("9E+125", "9E+125", false),
            "Number overflow. Attempting to store a number with magnitude larger than supported range"
        );
    }
}
