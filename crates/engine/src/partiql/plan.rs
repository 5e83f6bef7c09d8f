//! From a parsed PartiQL statement to what the engine runs: parameters bound, literals turned
//! into attribute values, WHERE clauses into `Cond`, the primary key picked out of equalities,
//! and UPDATE's SET/REMOVE into update actions.

use super::ast::{Expr, Seg};
use super::validation;
use crate::error::{ApiError, Result};
use crate::expr::ast::Comparator;
use crate::expr::eval::{Cond, Value};
use crate::expr::path::{DocPath, Step};
use crate::expr::update::{Action, UpdateValue};
use crate::expr::SortCondition;
use crate::table::KeySchema;
use crate::value::{AttributeValue, Item, Number};

/// A path as the engine resolves it.
pub fn doc_path(segs: &[Seg]) -> Result<DocPath> {
    let mut steps = Vec::with_capacity(segs.len());
    for (i, seg) in segs.iter().enumerate() {
        match seg {
            Seg::Name(n) if n.is_empty() => {
                return Err(validation("Path component cannot be an empty string"))
            }
            Seg::Name(n) => steps.push(Step::Key(n.clone())),
            Seg::Index(_) if i == 0 => {
                return Err(validation("A path cannot start with a list index"))
            }
            Seg::Index(ix) => {
                let ix = usize::try_from(*ix).map_err(|_| {
                    validation(format!(
                        "List index is not within the allowable range; index: [{ix}]"
                    ))
                })?;
                steps.push(Step::Index(ix));
            }
        }
    }
    Ok(DocPath(steps))
}

/// The value of a constant expression (literal, parameter, list, tuple, bag) with the request's
/// parameters; None for MISSING. Paths and operators are not constants.
pub fn constant(expr: &Expr, params: &[AttributeValue]) -> Result<Option<AttributeValue>> {
    Ok(Some(match expr {
        Expr::Value(v) => v.clone(),
        Expr::Missing => return Ok(None),
        Expr::Param(i) => params.get(*i).cloned().ok_or_else(|| {
            validation("Number of parameters in request and statement don't match.")
        })?,
        Expr::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for e in items {
                match constant(e, params)? {
                    Some(v) => out.push(v),
                    None => return Err(missing_not_allowed()),
                }
            }
            AttributeValue::L(out)
        }
        Expr::Tuple(fields) => {
            let mut out = Item::new();
            for (k, e) in fields {
                let v = constant(e, params)?.ok_or_else(missing_not_allowed)?;
                if out.insert(k.clone(), v).is_some() {
                    return Err(validation(format!(
                        "Duplicate keys in tuple. Key: {k} under tuple"
                    )));
                }
            }
            AttributeValue::M(out)
        }
        Expr::Bag(items) => bag(items, params)?,
        _ => return Err(not_a_value()),
    }))
}

fn missing_not_allowed() -> ApiError {
    validation("MISSING must be compared using IS operator")
}

fn not_a_value() -> ApiError {
    super::syntax_error("Unexpected term")
}

/// `<<...>>`: a string, number or binary set, all members of one type and at least one.
fn bag(items: &[Expr], params: &[AttributeValue]) -> Result<AttributeValue> {
    let mut values = Vec::with_capacity(items.len());
    for e in items {
        values.push(constant(e, params)?.ok_or_else(missing_not_allowed)?);
    }
    // A bag with a repeated member is refused, not collapsed into a set.
    let duplicated = |shown: Vec<String>, numbers: bool| {
        validation(format!(
            "One or more parameter values were invalid: Input collection [{}] contains duplicates{}",
            shown.join(", "),
            if numbers { "! under root" } else { "." }
        ))
    };
    let wrong = || {
        validation("Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags")
    };
    let set = match values.first() {
        None => return Err(validation("Empty bags are not supported")),
        Some(AttributeValue::S(_)) => {
            let mut out: Vec<String> = Vec::new();
            for v in values {
                let AttributeValue::S(s) = v else {
                    return Err(wrong());
                };
                out.push(s);
            }
            let shown = out.clone();
            out.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.dedup();
            if out.len() != shown.len() {
                return Err(duplicated(shown, false));
            }
            AttributeValue::SS(out)
        }
        Some(AttributeValue::N(_)) => {
            let mut out: Vec<Number> = Vec::new();
            for v in values {
                let AttributeValue::N(n) = v else {
                    return Err(wrong());
                };
                out.push(n);
            }
            let shown: Vec<String> = out.iter().map(|n| n.to_string()).collect();
            out.sort();
            out.dedup();
            if out.len() != shown.len() {
                return Err(duplicated(shown, true));
            }
            AttributeValue::NS(out)
        }
        Some(AttributeValue::B(_)) => {
            let mut out: Vec<Vec<u8>> = Vec::new();
            for v in values {
                let AttributeValue::B(b) = v else {
                    return Err(wrong());
                };
                out.push(b);
            }
            let count = out.len();
            out.sort();
            out.dedup();
            if out.len() != count {
                return Err(validation(
                    "One or more parameter values were invalid: Input collection contains duplicates",
                ));
            }
            AttributeValue::BS(out)
        }
        Some(_) => return Err(wrong()),
    };
    Ok(set)
}

/// An operand of a condition.
fn operand(expr: &Expr, params: &[AttributeValue]) -> Result<Value> {
    match expr {
        Expr::Path(segs) => Ok(Value::Path(doc_path(segs)?)),
        Expr::Call(name, args) if name == "size" => match args.as_slice() {
            [Expr::Path(segs)] => Ok(Value::Size(Box::new(Value::Path(doc_path(segs)?)))),
            _ => Err(validation("Incorrect arguments to function: size")),
        },
        Expr::Missing => Err(missing_not_allowed()),
        other => match constant(other, params)? {
            Some(v) => Ok(Value::Const(v)),
            None => Err(missing_not_allowed()),
        },
    }
}

/// The type a PartiQL `IS` names, as DynamoDB's type descriptor.
fn is_type(name: &str) -> Result<&'static str> {
    Ok(match name {
        "NULL" => "NULL",
        "BOOLEAN" | "BOOL" => "BOOL",
        "STRING" => "S",
        "NUMERIC" | "NUMBER" | "DECIMAL" | "INT" | "INTEGER" | "FLOAT" => "N",
        "BLOB" => "B",
        "STRUCT" | "TUPLE" => "M",
        "LIST" => "L",
        other => {
            return Err(validation(format!(
                "Unsupported data type for IS operator: {other}. Supported data types are [MISSING, NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]"
            )))
        }
    })
}

/// A WHERE clause (or the part of it that is not the key) as a condition.
pub fn condition(expr: &Expr, params: &[AttributeValue]) -> Result<Cond> {
    Ok(match expr {
        Expr::And(a, b) => Cond::And(
            Box::new(condition(a, params)?),
            Box::new(condition(b, params)?),
        ),
        Expr::Or(a, b) => Cond::Or(
            Box::new(condition(a, params)?),
            Box::new(condition(b, params)?),
        ),
        Expr::Not(a) => Cond::Not(Box::new(condition(a, params)?)),
        Expr::Cmp(a, op, b) => {
            if matches!(**a, Expr::Missing) || matches!(**b, Expr::Missing) {
                return Err(missing_not_allowed());
            }
            Cond::Compare(operand(a, params)?, *op, operand(b, params)?)
        }
        Expr::Between(v, lo, hi) => Cond::Between(
            operand(v, params)?,
            operand(lo, params)?,
            operand(hi, params)?,
        ),
        Expr::In(v, list) => {
            if list.is_empty() || !matches!(**v, Expr::Path(_)) {
                return Err(validation(
                    "IN operator must have a left hand argument of type Variable Reference and right hand argument of type Seq with at least one member",
                ));
            }
            let mut items = Vec::with_capacity(list.len());
            for e in list {
                items.push(operand(e, params)?);
            }
            Cond::In(operand(v, params)?, items)
        }
        Expr::Is(v, ty, negated) => {
            let Expr::Path(segs) = &**v else {
                return Err(validation(
                    "The left hand side argument to IS must be a Variable Reference, Literal, or Path",
                ));
            };
            let path = doc_path(segs)?;
            let cond = if ty == "MISSING" {
                Cond::NotExists(path)
            } else {
                Cond::AttributeType(
                    Value::Path(path),
                    Value::Const(AttributeValue::S(is_type(ty)?.to_string())),
                )
            };
            if *negated {
                Cond::Not(Box::new(cond))
            } else {
                cond
            }
        }
        Expr::Call(name, args) => {
            let two = |what: &str| -> Result<(Value, Value)> {
                match args.as_slice() {
                    [a, b] => Ok((operand(a, params)?, operand(b, params)?)),
                    _ => Err(validation(format!(
                        "Incorrect number of arguments to function: {what}"
                    ))),
                }
            };
            match name.as_str() {
                "begins_with" => {
                    let (a, b) = two(name)?;
                    Cond::BeginsWith(a, b)
                }
                "contains" => {
                    let (a, b) = two(name)?;
                    Cond::Contains(a, b)
                }
                "attribute_type" => {
                    let (a, b) = two(name)?;
                    if let Value::Const(t) = &b {
                        if !matches!(t, AttributeValue::S(_)) {
                            return Err(validation(format!(
                                "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {}",
                                t.type_name()
                            )));
                        }
                    }
                    Cond::AttributeType(a, b)
                }
                "missing" | "exists" => {
                    return Err(validation(format!("Unsupported operation: {name}")))
                }
                other => return Err(validation(format!("Unrecognized function: {other}"))),
            }
        }
        _ => {
            return Err(validation(
                "WHERE clause must contain an expression that resolves to a boolean",
            ))
        }
    })
}

/// The top-level AND terms of a WHERE clause.
pub fn conjuncts(expr: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![expr];
    while let Some(e) = stack.pop() {
        match e {
            Expr::And(a, b) => {
                stack.push(b);
                stack.push(a);
            }
            other => out.push(other),
        }
    }
    out
}

/// If `term` is `name = constant` (either way round), the constant.
pub fn equality_on(
    term: &Expr,
    name: &str,
    params: &[AttributeValue],
) -> Result<Option<AttributeValue>> {
    let Expr::Cmp(a, Comparator::Eq, b) = term else {
        return Ok(None);
    };
    let is_name = |e: &Expr| matches!(e, Expr::Path(s) if s.len() == 1 && s[0] == Seg::Name(name.to_string()));
    let other = if is_name(a) {
        b
    } else if is_name(b) {
        a
    } else {
        return Ok(None);
    };
    if matches!(**other, Expr::Path(_) | Expr::Call(..)) {
        return Ok(None);
    }
    constant(other, params)
}

/// If `term` is a key condition on the sort key `name` (a comparison other than `<>` with a
/// constant, BETWEEN, or begins_with), that condition: a SELECT reads only the keys it allows,
/// as DynamoDB's Query does, so they neither count against Limit nor cost capacity.
pub fn sort_condition(term: &Expr, name: &str, params: &[AttributeValue]) -> Option<SortCondition> {
    let is_name = |e: &Expr| matches!(e, Expr::Path(s) if s.len() == 1 && s[0] == Seg::Name(name.to_string()));
    let value = |e: &Expr| match e {
        Expr::Path(_) | Expr::Call(..) => None,
        other => constant(other, params).ok().flatten(),
    };
    match term {
        Expr::Cmp(a, op, b) => {
            let (v, op) = if is_name(a) {
                (value(b)?, *op)
            } else if is_name(b) {
                let flipped = match op {
                    Comparator::Lt => Comparator::Gt,
                    Comparator::Le => Comparator::Ge,
                    Comparator::Gt => Comparator::Lt,
                    Comparator::Ge => Comparator::Le,
                    other => *other,
                };
                (value(a)?, flipped)
            } else {
                return None;
            };
            Some(match op {
                Comparator::Eq => SortCondition::Eq(v),
                Comparator::Lt => SortCondition::Lt(v),
                Comparator::Le => SortCondition::Le(v),
                Comparator::Gt => SortCondition::Gt(v),
                Comparator::Ge => SortCondition::Ge(v),
                Comparator::Ne => return None,
            })
        }
        Expr::Between(v, lo, hi) if is_name(v) => {
            Some(SortCondition::Between(value(lo)?, value(hi)?))
        }
        Expr::Call(f, args) if f == "begins_with" => match args.as_slice() {
            [a, b] if is_name(a) => Some(SortCondition::BeginsWith(value(b)?)),
            _ => None,
        },
        _ => None,
    }
}

/// The full primary key of a DML statement's WHERE clause, and what is left as its condition.
/// Each key attribute needs exactly one equality among the top-level AND terms.
pub fn key_and_condition(
    filter: Option<&Expr>,
    schema: &KeySchema,
    params: &[AttributeValue],
) -> Result<(Item, Option<Cond>)> {
    let incomplete =
        || validation("Where clause does not contain a mandatory equality on all key attributes");
    let Some(filter) = filter else {
        return Err(incomplete());
    };
    let terms = conjuncts(filter);
    let mut key = Item::new();
    let mut rest: Vec<&Expr> = Vec::new();
    'terms: for term in terms {
        for attr in schema.attributes() {
            if let Some(v) = equality_on(term, &attr.name, params)? {
                if key.get(&attr.name) == Some(&v) {
                    continue 'terms;
                }
                if key.contains_key(&attr.name) {
                    return Err(validation(format!(
                        "Multiple conditions on same key {}. Only single item Update/Insert/Delete are supported",
                        attr.name
                    )));
                }
                key.insert(attr.name.clone(), v);
                continue 'terms;
            }
        }
        rest.push(term);
    }
    if schema.attributes().any(|a| !key.contains_key(&a.name)) {
        return Err(incomplete());
    }
    for attr in schema.attributes() {
        if let Some(v) = key.get(&attr.name) {
            if !matches!(
                v,
                AttributeValue::S(_) | AttributeValue::N(_) | AttributeValue::B(_)
            ) {
                return Err(validation(format!(
                    "Key value must be of type S, N, or B. Key name: {}, Key type: {}",
                    attr.name,
                    v.type_name()
                )));
            }
        }
    }
    let mut cond: Option<Cond> = None;
    for term in rest {
        let c = condition(term, params)?;
        cond = Some(match cond {
            Some(prev) => Cond::And(Box::new(prev), Box::new(c)),
            None => c,
        });
    }
    Ok((key, cond))
}

/// UPDATE's SET value as an update value: constants, paths, `+`/`-`, list_append,
/// if_not_exists; set_add / set_delete become ADD / DELETE actions.
pub fn assignment(path: DocPath, value: &Expr, params: &[AttributeValue]) -> Result<Action> {
    if let Expr::Call(name, args) = value {
        if name == "set_add" || name == "set_delete" {
            let upper = if name == "set_add" { "ADD" } else { "DELETE" };
            let [first, second] = args.as_slice() else {
                return Err(validation(format!(
                    "SET_{upper} must have exactly two arguments"
                )));
            };
            let same = matches!(first, Expr::Path(s) if doc_path(s).ok().as_ref() == Some(&path));
            if !same {
                return Err(validation(format!(
                    "The first argument to SET_{upper} must equal the assignment value"
                )));
            }
            let set = constant(second, params)?.ok_or_else(missing_not_allowed)?;
            if !matches!(
                set,
                AttributeValue::SS(_) | AttributeValue::NS(_) | AttributeValue::BS(_)
            ) {
                return Err(validation(format!(
                    "The second argument to SET_{upper} must be a value with type SET"
                )));
            }
            return Ok(if name == "set_add" {
                Action::Add(path, set)
            } else {
                Action::Delete(path, set)
            });
        }
    }
    Ok(Action::Set(path, update_value(value, params)?))
}

fn update_value(expr: &Expr, params: &[AttributeValue]) -> Result<UpdateValue> {
    Ok(match expr {
        Expr::Path(segs) => UpdateValue::Path(doc_path(segs)?),
        Expr::Plus(a, b) => UpdateValue::Plus(
            Box::new(update_value(a, params)?),
            Box::new(update_value(b, params)?),
        ),
        Expr::Minus(a, b) => UpdateValue::Minus(
            Box::new(update_value(a, params)?),
            Box::new(update_value(b, params)?),
        ),
        Expr::Call(name, args) if name == "list_append" => match args.as_slice() {
            [a, b] => UpdateValue::ListAppend(
                Box::new(update_value(a, params)?),
                Box::new(update_value(b, params)?),
            ),
            _ => {
                return Err(validation(
                    "Incorrect number of arguments to function: list_append",
                ))
            }
        },
        Expr::Call(name, args) if name == "if_not_exists" => match args.as_slice() {
            [Expr::Path(p), b] => {
                UpdateValue::IfNotExists(doc_path(p)?, Box::new(update_value(b, params)?))
            }
            _ => return Err(validation("Incorrect arguments to function: if_not_exists")),
        },
        Expr::Call(name, _) => return Err(validation(format!("Unrecognized function: {name}"))),
        Expr::Is(..) => {
            return Err(validation(
                "IS operator is not supported in update expressions",
            ))
        }
        Expr::Cmp(_, op, _) => {
            return Err(validation(format!(
                "Unsupported operator in Update Expression. Operator: {}",
                op.symbol()
            )))
        }
        other => match constant(other, params)? {
            Some(v) => UpdateValue::Const(v),
            None => return Err(missing_not_allowed()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::super::parser::parse;
    use super::*;
    use crate::table::{KeyAttribute, ScalarType};

    fn schema() -> KeySchema {
        KeySchema {
            hash: KeyAttribute {
                name: "pk".into(),
                ty: ScalarType::S,
            },
            range: Some(KeyAttribute {
                name: "sk".into(),
                ty: ScalarType::N,
            }),
        }
    }

    fn filter_of(text: &str) -> Option<Expr> {
        match parse(text).ok()?.statement {
            super::super::ast::Statement::Delete { filter, .. } => filter,
            _ => None,
        }
    }

    // The key comes out of top-level equalities in any order; the rest is the condition.
    #[test]
    fn key_split() {
        let f = filter_of(r#"DELETE FROM T WHERE 3 = sk AND a > 1 AND pk = ?"#);
        let params = [AttributeValue::S("x".into())];
        let (key, cond) = key_and_condition(f.as_ref(), &schema(), &params)
            .unwrap_or_else(|_| (Item::new(), None));
        assert_eq!(key.len(), 2);
        assert!(cond.is_some());
    }

    // A key under OR is not a key: the statement does not name one item.
    #[test]
    fn key_under_or_is_incomplete() {
        let f = filter_of(r#"DELETE FROM T WHERE pk = 'a' OR sk = 1"#);
        let err = key_and_condition(f.as_ref(), &schema(), &[]).err();
        assert_eq!(
            err.and_then(|e| e.message).as_deref(),
            Some("Where clause does not contain a mandatory equality on all key attributes")
        );
    }

    // Sort-key terms become key conditions whichever side the key is on; `<>` and non-key
    // terms do not narrow the read.
    #[test]
    fn sort_conditions() {
        let f =
            filter_of(r#"DELETE FROM T WHERE 5 > sk AND sk <> 3 AND x = 1 AND sk BETWEEN 1 AND 9"#);
        let terms = f.as_ref().map(conjuncts).unwrap_or_default();
        let found: Vec<SortCondition> = terms
            .iter()
            .filter_map(|t| sort_condition(t, "sk", &[]))
            .collect();
        let n = |i| AttributeValue::N(Number::from_i64(i));
        assert_eq!(
            found,
            vec![SortCondition::Lt(n(5)), SortCondition::Between(n(1), n(9))]
        );
    }

    // Bags become sorted sets; repeated members, mixed types and empty bags are refused.
    #[test]
    fn bags() {
        let one = Expr::Value(AttributeValue::N(Number::from_i64(1)));
        let two = Expr::Value(AttributeValue::N(Number::from_i64(2)));
        assert!(constant(&Expr::Bag(vec![two.clone(), two.clone()]), &[]).is_err());
        let set = constant(&Expr::Bag(vec![two, one.clone()]), &[]);
        assert_eq!(
            set.ok().flatten(),
            Some(AttributeValue::NS(vec![
                Number::from_i64(1),
                Number::from_i64(2)
            ]))
        );
        assert!(constant(&Expr::Bag(vec![]), &[]).is_err());
        let s = Expr::Value(AttributeValue::S("a".into()));
        assert!(constant(&Expr::Bag(vec![s, one]), &[]).is_err());
    }
}
