//! DynamoDB's legacy (pre-expression) parameters — `Expected`, `QueryFilter`/`ScanFilter`,
//! `KeyConditions`, `AttributesToGet`, `AttributeUpdates` — checked with DynamoDB's messages and
//! converted into the same resolved structures the expression path builds, so evaluation and
//! updates are shared.

use serde_json::{Map, Value as Json};

use super::ast::Comparator;
use super::eval::{self, Cond, Value};
use super::path::{DocPath, Step};
use super::update::{Action, UpdateValue};
use super::{Condition, KeyCondition, Projection, SortCondition, UpdatePlan};
use crate::error::{ApiError, Result};
use crate::value::{wire, AttributeValue};

const INVALID: &str = "One or more parameter values were invalid: ";

fn invalid(message: impl std::fmt::Display) -> ApiError {
    ApiError::validation(format!("{INVALID}{message}"))
}

fn between_error() -> ApiError {
    ApiError::validation(
        "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound",
    )
}

fn top(name: &str) -> DocPath {
    DocPath(vec![Step::Key(name.to_string())])
}

/// How many values an operator takes: exactly `n`, or (IN) at least one.
fn arity_ok(operator: &str, count: usize) -> bool {
    match operator {
        "NULL" | "NOT_NULL" => count == 0,
        "EQ" | "NE" | "LE" | "LT" | "GE" | "GT" | "CONTAINS" | "NOT_CONTAINS" | "BEGINS_WITH" => {
            count == 1
        }
        "IN" => count >= 1,
        "BETWEEN" => count == 2,
        _ => false,
    }
}

/// The AttributeValue types an operator accepts in a QueryFilter/ScanFilter/KeyConditions list.
fn types_for(operator: &str) -> &'static [&'static str] {
    match operator {
        "EQ" | "NE" => &["S", "N", "B", "SS", "NS", "BS"],
        "BEGINS_WITH" => &["S", "B"],
        _ => &["S", "N", "B"],
    }
}

fn number_of_arguments(operator: &str) -> ApiError {
    invalid(format!(
        "Invalid number of argument(s) for the {operator} ComparisonOperator"
    ))
}

/// DynamoDB's checks of an operator's values, shared by Expected and the Conditions maps: the
/// count; then, value by value, a type the operator takes and the first value's type; then
/// BETWEEN's bounds.
fn check_arguments(operator: &str, values: &[AttributeValue]) -> Result<()> {
    if !arity_ok(operator, values.len()) {
        return Err(number_of_arguments(operator));
    }
    let allowed = types_for(operator);
    if let Some(first) = values.first() {
        for v in values {
            if !allowed.contains(&v.type_name()) {
                return Err(invalid(format!(
                    "ComparisonOperator {operator} is not valid for {} AttributeValue type",
                    v.type_name()
                )));
            }
            if v.type_name() != first.type_name() {
                return Err(invalid(
                    "AttributeValues inside AttributeValueList must be of same type",
                ));
            }
        }
    }
    check_bounds(operator, values)
}

/// BETWEEN's bounds must not be reversed (only same-type bounds can be, and those were checked).
fn check_bounds(operator: &str, values: &[AttributeValue]) -> Result<()> {
    if operator == "BETWEEN" {
        if let [low, high] = values {
            if eval::order(low, high) == Some(std::cmp::Ordering::Greater) {
                return Err(between_error());
            }
        }
    }
    Ok(())
}

fn values(list: Option<&Json>) -> Result<Vec<AttributeValue>> {
    match list.and_then(Json::as_array) {
        Some(items) => items.iter().map(wire::value_from_json).collect(),
        None => Ok(Vec::new()),
    }
}

/// The condition one legacy operator states about the top-level attribute `name`.
/// `values` has the operator's arity (checked before).
fn cond_for(name: &str, operator: &str, values: Vec<AttributeValue>) -> Cond {
    let path = || Value::Path(top(name));
    let mut consts: Vec<Value> = values.into_iter().map(Value::Const).collect();
    if operator == "IN" {
        return Cond::In(path(), consts);
    }
    consts.reverse();
    let mut next = || consts.pop().unwrap_or(Value::Const(AttributeValue::Null));
    match operator {
        "EQ" => Cond::Compare(path(), Comparator::Eq, next()),
        // A missing attribute is "not equal" to anything, as with `<>`.
        "NE" => Cond::Compare(path(), Comparator::Ne, next()),
        "LE" => Cond::Compare(path(), Comparator::Le, next()),
        "LT" => Cond::Compare(path(), Comparator::Lt, next()),
        "GE" => Cond::Compare(path(), Comparator::Ge, next()),
        "GT" => Cond::Compare(path(), Comparator::Gt, next()),
        "NOT_NULL" => Cond::Exists(top(name)),
        "NULL" => Cond::NotExists(top(name)),
        "CONTAINS" => Cond::Contains(path(), next()),
        // Unlike `NOT contains(...)`, legacy NOT_CONTAINS needs the attribute to exist (AWS's DAX
        // client rewrites it as `attribute_exists(a) AND NOT contains(a, v)` for that reason).
        "NOT_CONTAINS" => Cond::And(
            Box::new(Cond::Exists(top(name))),
            Box::new(Cond::Not(Box::new(Cond::Contains(path(), next())))),
        ),
        "BEGINS_WITH" => Cond::BeginsWith(path(), next()),
        _ => {
            // BETWEEN: the enum constraint lets no other operator through.
            let low = next();
            Cond::Between(path(), low, next())
        }
    }
}

/// Joins per-attribute conditions with ConditionalOperator (AND unless OR); None when empty.
fn join(conds: Vec<Cond>, operator: Option<&str>) -> Option<Condition> {
    let or = operator == Some("OR");
    conds
        .into_iter()
        .reduce(|a, b| {
            if or {
                Cond::Or(Box::new(a), Box::new(b))
            } else {
                Cond::And(Box::new(a), Box::new(b))
            }
        })
        .map(|cond| Condition { cond })
}

/// Reads `Exists` the way Coral reads a Boolean member (true/false or their string forms).
fn exists_flag(v: Option<&Json>) -> Option<bool> {
    match v? {
        Json::Bool(b) => Some(*b),
        Json::String(s) => Some(matches!(
            s.to_ascii_uppercase().as_str(),
            "TRUE" | "1" | "YES"
        )),
        _ => None,
    }
}

/// `Expected` (PutItem, UpdateItem, DeleteItem) with `ConditionalOperator`: DynamoDB's checks
/// per attribute, in request order, then the condition. None when the map is empty.
pub fn expected(expected: &Map<String, Json>, operator: Option<&str>) -> Result<Option<Condition>> {
    let mut conds = Vec::new();
    for (name, spec) in expected {
        let empty = Map::new();
        let spec = spec.as_object().unwrap_or(&empty);
        let get = |k: &str| spec.get(k).filter(|v| !v.is_null());
        let list = get("AttributeValueList");
        let value = get("Value");
        let exists = get("Exists");
        let operator = get("ComparisonOperator").and_then(Json::as_str);
        if exists.is_some() && operator.is_some() {
            return Err(invalid(format!(
                "Exists and ComparisonOperator cannot be used together for Attribute: {name}"
            )));
        }
        if list.is_some() && value.is_some() {
            return Err(invalid(format!(
                "Value and AttributeValueList cannot be used together for Attribute: {name}"
            )));
        }
        if let Some(op) = operator {
            if op != "NULL" && op != "NOT_NULL" && list.is_none() && value.is_none() {
                return Err(invalid(format!(
                    "Value or AttributeValueList must be used with ComparisonOperator: {op} for Attribute: {name}"
                )));
            }
            let args = match value {
                Some(v) => vec![wire::value_from_json(v)?],
                None => values(list)?,
            };
            check_arguments(op, &args)?;
            conds.push(cond_for(name, op, args));
        } else if list.is_some() {
            return Err(invalid(format!(
                "AttributeValueList can only be used with a ComparisonOperator for Attribute: {name}"
            )));
        } else {
            let flag = exists_flag(exists);
            match (flag.unwrap_or(true), value) {
                (true, None) => {
                    let shown = match flag {
                        None => "null",
                        Some(_) => "true",
                    };
                    return Err(invalid(format!(
                        "Value must be provided when Exists is {shown} for Attribute: {name}"
                    )));
                }
                (false, Some(_)) => {
                    return Err(invalid(format!(
                        "Value cannot be used when Exists is false for Attribute: {name}"
                    )));
                }
                (true, Some(v)) => {
                    let v = wire::value_from_json(v)?;
                    conds.push(cond_for(name, "EQ", vec![v]));
                }
                (false, None) => conds.push(Cond::NotExists(top(name))),
            }
        }
    }
    Ok(join(conds, operator))
}

/// One checked entry of a QueryFilter, ScanFilter or KeyConditions map.
#[derive(Debug, Clone)]
pub struct Checked {
    pub name: String,
    pub operator: String,
    pub values: Vec<AttributeValue>,
}

/// DynamoDB's checks of a map of Conditions (QueryFilter, ScanFilter, KeyConditions), per
/// attribute in request order: the values themselves, then `check_arguments`.
pub fn check_conditions(conditions: &Map<String, Json>) -> Result<Vec<Checked>> {
    let mut out = Vec::new();
    for (name, spec) in conditions {
        let empty = Map::new();
        let spec = spec.as_object().unwrap_or(&empty);
        let operator = spec
            .get("ComparisonOperator")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let values = values(spec.get("AttributeValueList"))?;
        check_arguments(operator, &values)?;
        out.push(Checked {
            name: name.clone(),
            operator: operator.to_string(),
            values,
        });
    }
    Ok(out)
}

/// QueryFilter / ScanFilter with ConditionalOperator. None when the map is empty.
pub fn filter(conditions: &Map<String, Json>, operator: Option<&str>) -> Result<Option<Condition>> {
    let checked = check_conditions(conditions)?;
    Ok(join(
        checked
            .into_iter()
            .map(|c| cond_for(&c.name, &c.operator, c.values))
            .collect(),
        operator,
    ))
}

/// KeyConditions' request-level checks (before the table is looked up).
pub fn check_key_conditions(conditions: &Map<String, Json>) -> Result<Vec<Checked>> {
    let checked = check_conditions(conditions)?;
    if !(1..=2).contains(&checked.len()) {
        return Err(ApiError::validation(
            "Conditions can be of length 1 or 2 only",
        ));
    }
    Ok(checked)
}

/// A key attribute's name and type (`S`, `N`, `B`).
pub struct KeyPart<'a> {
    pub name: &'a str,
    pub ty: &'a str,
}

/// KeyConditions against the table's key schema, in DynamoDB's order: hash key first, then
/// range key; for each, a missing condition, a non-indexable operator, a value of the wrong type,
/// and (hash key) an operator other than EQ.
pub fn key_conditions(
    checked: &[Checked],
    hash: KeyPart,
    range: Option<KeyPart>,
) -> Result<KeyCondition> {
    let find = |name: &str| checked.iter().find(|c| c.name == name);
    let not_supported = || ApiError::validation("Query key condition not supported");
    let mut partition = None;
    let mut sort = None;
    for (part, is_hash) in std::iter::once((&hash, true)).chain(range.iter().map(|r| (r, false))) {
        if is_hash && range.is_none() && checked.len() > 1 {
            return Err(not_supported());
        }
        let Some(c) = find(part.name) else {
            if is_hash || checked.len() > 1 {
                return Err(ApiError::validation(format!(
                    "Query condition missed key schema element: {}",
                    part.name
                )));
            }
            continue;
        };
        if matches!(
            c.operator.as_str(),
            "NULL" | "NOT_NULL" | "NE" | "CONTAINS" | "NOT_CONTAINS" | "IN"
        ) {
            return Err(ApiError::validation(
                "Attempted conditional constraint is not an indexable operation",
            ));
        }
        if c.values.iter().any(|v| v.type_name() != part.ty) {
            return Err(invalid(
                "Condition parameter type does not match schema type",
            ));
        }
        let first = c.values.first().cloned();
        if is_hash {
            if c.operator != "EQ" {
                return Err(not_supported());
            }
            partition = first;
        } else {
            let Some(v) = first else { continue };
            sort = Some(match c.operator.as_str() {
                "EQ" => SortCondition::Eq(v),
                "LT" => SortCondition::Lt(v),
                "LE" => SortCondition::Le(v),
                "GT" => SortCondition::Gt(v),
                "GE" => SortCondition::Ge(v),
                "BEGINS_WITH" => SortCondition::BeginsWith(v),
                _ => {
                    let high = c.values.get(1).cloned().ok_or_else(not_supported)?;
                    SortCondition::Between(v, high)
                }
            });
        }
    }
    let partition = partition.ok_or_else(not_supported)?;
    Ok(KeyCondition { partition, sort })
}

/// `AttributesToGet`: top-level names (a dot is part of the name), duplicates refused.
pub fn attributes_to_get(names: &[Json]) -> Result<Projection> {
    let mut seen: Vec<&str> = Vec::new();
    for name in names {
        let name = name.as_str().unwrap_or_default();
        if seen.contains(&name) {
            return Err(invalid(format!(
                "Duplicate value in attribute name: {name}"
            )));
        }
        seen.push(name);
    }
    Ok(Projection::from_paths(seen.into_iter().map(top).collect()))
}

/// `AttributeUpdates` (UpdateItem): DynamoDB's checks per attribute in request order, then the
/// plan. PUT (the default action) sets; DELETE without a value removes the attribute, with a set
/// removes those elements; ADD adds to a number, unions a set, appends to a list, or creates the
/// attribute when it is missing.
pub fn attribute_updates(updates: &Map<String, Json>) -> Result<UpdatePlan> {
    let mut actions = Vec::new();
    for (name, spec) in updates {
        let empty = Map::new();
        let spec = spec.as_object().unwrap_or(&empty);
        let action = spec.get("Action").and_then(Json::as_str).unwrap_or("PUT");
        let value = match spec.get("Value").filter(|v| !v.is_null()) {
            Some(v) => Some(wire::value_from_json(v)?),
            None => None,
        };
        let path = top(name);
        actions.push(match (action, value) {
            ("DELETE", None) => Action::Remove(path),
            (_, None) => {
                return Err(invalid(
                    "Only DELETE action is allowed when no attribute value is specified",
                ))
            }
            ("DELETE", Some(v)) => {
                if !matches!(v.type_name(), "SS" | "NS" | "BS") {
                    return Err(invalid(format!(
                        "DELETE action with value is not supported for the type {}",
                        v.type_name()
                    )));
                }
                Action::Delete(path, v)
            }
            ("ADD", Some(v)) => {
                if !matches!(v.type_name(), "N" | "SS" | "NS" | "BS" | "L") {
                    return Err(invalid(format!(
                        "ADD action is not supported for the type {}",
                        v.type_name()
                    )));
                }
                Action::Add(path, v)
            }
            (_, Some(v)) => Action::Set(path, UpdateValue::Const(v)),
        });
    }
    Ok(UpdatePlan {
        actions,
        legacy: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Item;
    use serde_json::json;

    fn obj(v: Json) -> Map<String, Json> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn item(v: Json) -> Item {
        wire::item_from_json(&v).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn message<T: std::fmt::Debug>(r: Result<T>) -> String {
        match r {
            Ok(v) => panic!("expected an error, got {v:?}"),
            Err(e) => e.message.unwrap_or_default(),
        }
    }

    /// Whether `Expected` holds for `on` (None: no item).
    fn expect(spec: Json, operator: Option<&str>, on: Option<Json>) -> bool {
        let cond = expected(&obj(spec), operator).unwrap_or_else(|e| panic!("{e:?}"));
        let on = on.map(item);
        cond.is_none_or(|c| c.matches(on.as_ref()))
    }

    fn scan_filter(spec: Json, on: Json) -> bool {
        let cond = filter(&obj(spec), None).unwrap_or_else(|e| panic!("{e:?}"));
        cond.is_none_or(|c| c.matches(Some(&item(on))))
    }

    // Legacy NE, like `<>`, holds for a missing attribute and across types ({"S":"6"} is not {"N":"6"}).
    #[test]
    fn ne_on_missing_and_other_types() {
        let ne = json!({"a": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "6"}]}});
        assert!(expect(ne.clone(), None, Some(json!({}))));
        assert!(expect(ne.clone(), None, None));
        assert!(expect(ne.clone(), None, Some(json!({"a": {"N": "6"}}))));
        assert!(!expect(ne, None, Some(json!({"a": {"S": "6"}}))));
    }

    // On a missing attribute neither CONTAINS nor legacy NOT_CONTAINS holds (NOT_CONTAINS is
    // not the plain negation of CONTAINS), while NOT_CONTAINS does hold on other types.
    #[test]
    fn contains_on_missing() {
        let nc = json!({"a": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "x"}]}});
        let c =
            json!({"a": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"S": "x"}]}});
        assert!(!scan_filter(nc.clone(), json!({})));
        assert!(!scan_filter(c, json!({})));
        assert!(scan_filter(nc.clone(), json!({"a": {"N": "1"}})));
        assert!(!scan_filter(nc, json!({"a": {"S": "xyz"}})));
    }

    // CONTAINS is a substring test on strings and a membership test on sets and lists.
    #[test]
    fn contains_strings_sets_lists() {
        let c =
            |v: Json| json!({"a": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [v]}});
        assert!(scan_filter(
            c(json!({"S": "ell"})),
            json!({"a": {"S": "hello"}})
        ));
        assert!(scan_filter(
            c(json!({"S": "x"})),
            json!({"a": {"SS": ["x", "y"]}})
        ));
        assert!(!scan_filter(
            c(json!({"S": "xy"})),
            json!({"a": {"SS": ["x", "y"]}})
        ));
        assert!(scan_filter(
            c(json!({"N": "2"})),
            json!({"a": {"NS": ["1", "2"]}})
        ));
        assert!(!scan_filter(
            c(json!({"N": "2"})),
            json!({"a": {"SS": ["2"]}})
        ));
        assert!(scan_filter(
            c(json!({"N": "2"})),
            json!({"a": {"L": [{"N": "2"}]}})
        ));
    }

    // Exists false means "absent"; a Value alone (Exists omitted or true) means EQ.
    #[test]
    fn exists_forms() {
        assert!(expect(json!({"a": {"Exists": false}}), None, None));
        assert!(!expect(
            json!({"a": {"Exists": false}}),
            None,
            Some(json!({"a": {"S": "x"}}))
        ));
        assert!(expect(
            json!({"a": {"Value": {"S": "x"}}}),
            None,
            Some(json!({"a": {"S": "x"}}))
        ));
        assert!(expect(
            json!({"a": {"Exists": true, "Value": {"N": "1"}}}),
            None,
            Some(json!({"a": {"N": "1.0"}}))
        ));
        assert!(!expect(json!({"a": {"Value": {"S": "x"}}}), None, None));
    }

    // Several entries are ANDed unless ConditionalOperator is OR.
    #[test]
    fn conditional_operator() {
        let spec = json!({"a": {"Exists": false}, "b": {"Exists": false}});
        let on = Some(json!({"a": {"S": "x"}}));
        assert!(!expect(spec.clone(), None, on.clone()));
        assert!(!expect(spec.clone(), Some("AND"), on.clone()));
        assert!(expect(spec, Some("OR"), on));
    }

    // An empty Expected map states no condition at all.
    #[test]
    fn empty_expected() {
        assert!(expected(&Map::new(), Some("OR")).ok().flatten().is_none());
    }

    // Every operator of the filter form, on one item.
    #[test]
    fn every_operator() {
        let on = json!({"n": {"N": "5"}, "s": {"S": "abc"}, "b": {"B": "AQID"}});
        let f = |name: &str, op: &str, vals: Json| {
            scan_filter(
                json!({name: {"ComparisonOperator": op, "AttributeValueList": vals}}),
                on.clone(),
            )
        };
        assert!(f("n", "EQ", json!([{"N": "5"}])));
        assert!(f("n", "LE", json!([{"N": "5"}])));
        assert!(!f("n", "LT", json!([{"N": "5"}])));
        assert!(f("n", "GE", json!([{"N": "5"}])));
        assert!(f("n", "GT", json!([{"N": "4.99"}])));
        assert!(!f("n", "GT", json!([{"S": "4"}])));
        assert!(f("n", "NOT_NULL", json!([])));
        assert!(f("zz", "NULL", json!([])));
        assert!(f("s", "BEGINS_WITH", json!([{"S": "ab"}])));
        assert!(f("b", "BEGINS_WITH", json!([{"B": "AQ=="}])));
        assert!(f("n", "IN", json!([{"N": "1"}, {"N": "5"}])));
        assert!(!f("n", "IN", json!([{"N": "1"}, {"N": "2"}])));
        assert!(f("n", "BETWEEN", json!([{"N": "5"}, {"N": "6"}])));
        assert!(!f("s", "BETWEEN", json!([{"S": "b"}, {"S": "c"}])));
    }

    // The checks of a Conditions map, each with DynamoDB's message.
    #[test]
    fn condition_messages() {
        let check = |v: Json| message(check_conditions(&obj(v)));
        assert_eq!(
            check(json!({"a": {"ComparisonOperator": "EQ", "AttributeValueList": []}})),
            "One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator"
        );
        assert_eq!(
            check(json!({"a": {"ComparisonOperator": "IN", "AttributeValueList": [{"S": "a"}, {"N": "1"}]}})),
            "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type"
        );
        assert_eq!(
            check(json!({"a": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"N": "1"}]}})),
            "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"
        );
        assert_eq!(
            check(json!({"a": {"ComparisonOperator": "GT", "AttributeValueList": [{"SS": ["x"]}]}})),
            "One or more parameter values were invalid: ComparisonOperator GT is not valid for SS AttributeValue type"
        );
        assert_eq!(
            check(json!({"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "10"}, {"N": "9"}]}})),
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"
        );
        assert_eq!(
            check(json!({"a": {"ComparisonOperator": "NULL", "AttributeValueList": [{"N": "1"}]}})),
            "One or more parameter values were invalid: Invalid number of argument(s) for the NULL ComparisonOperator"
        );
        // Value by value, an unsupported type is reported before a type differing from the first.
        assert_eq!(
            check(json!({"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"S": "a"}, {"SS": ["a"]}]}})),
            "One or more parameter values were invalid: ComparisonOperator BETWEEN is not valid for SS AttributeValue type"
        );
    }

    // The checks of an Expected map, each with DynamoDB's message.
    #[test]
    fn expected_messages() {
        let check = |v: Json| message(expected(&obj(v), None));
        assert_eq!(
            check(json!({"x": {"Value": {"S": "a"}, "AttributeValueList": [{"S": "a"}]}})),
            "One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: x"
        );
        assert_eq!(
            check(json!({"x": {"Exists": true, "ComparisonOperator": "NULL"}})),
            "One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: x"
        );
        assert_eq!(
            check(json!({"x": {"ComparisonOperator": "EQ"}})),
            "One or more parameter values were invalid: Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: x"
        );
        assert_eq!(
            check(json!({"x": {"ComparisonOperator": "BETWEEN", "Value": {"N": "1"}}})),
            "One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator"
        );
        assert_eq!(
            check(json!({"x": {"AttributeValueList": [{"S": "a"}]}})),
            "One or more parameter values were invalid: AttributeValueList can only be used with a ComparisonOperator for Attribute: x"
        );
        assert_eq!(
            check(json!({"x": {}})),
            "One or more parameter values were invalid: Value must be provided when Exists is null for Attribute: x"
        );
        assert_eq!(
            check(json!({"x": {"Exists": true}})),
            "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: x"
        );
        assert_eq!(
            check(json!({"x": {"Exists": false, "Value": {"S": "a"}}})),
            "One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: x"
        );
        // Expected's values get the same type checks as the filters'.
        assert_eq!(
            check(json!({"x": {"ComparisonOperator": "GT", "Value": {"BOOL": true}}})),
            "One or more parameter values were invalid: ComparisonOperator GT is not valid for BOOL AttributeValue type"
        );
        // The first failing attribute, in request order, answers.
        assert_eq!(
            check(json!({"b": {"Exists": true}, "a": {}})),
            "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: b"
        );
    }

    fn keys(v: Json, range: bool) -> Result<KeyCondition> {
        let checked = check_key_conditions(&obj(v))?;
        key_conditions(
            &checked,
            KeyPart { name: "h", ty: "S" },
            range.then_some(KeyPart { name: "r", ty: "N" }),
        )
    }

    // KeyConditions: each table-time rule in DynamoDB's order, and the conversion itself.
    #[test]
    fn key_condition_rules() {
        let eq = json!({"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]});
        assert_eq!(
            message(keys(json!({}), true)),
            "Conditions can be of length 1 or 2 only"
        );
        assert_eq!(
            message(keys(json!({"h": eq, "x": eq}), false)),
            "Query key condition not supported"
        );
        assert_eq!(
            message(keys(
                json!({"r": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}}),
                true
            )),
            "Query condition missed key schema element: h"
        );
        assert_eq!(
            message(keys(json!({"h": eq, "x": eq}), true)),
            "Query condition missed key schema element: r"
        );
        assert_eq!(
            message(keys(
                json!({"h": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "p"}]}}),
                true
            )),
            "Attempted conditional constraint is not an indexable operation"
        );
        assert_eq!(
            message(keys(json!({"h": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}}), true)),
            "One or more parameter values were invalid: Condition parameter type does not match schema type"
        );
        assert_eq!(
            message(keys(
                json!({"h": {"ComparisonOperator": "GT", "AttributeValueList": [{"S": "p"}]}}),
                true
            )),
            "Query key condition not supported"
        );
        let kc = keys(
            json!({"h": eq, "r": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"N": "3"}]}}),
            true,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(kc.partition, AttributeValue::S("p".into()));
        assert!(matches!(kc.sort, Some(SortCondition::Between(..))));
        // A hash-key-only condition on a table with a range key queries the whole partition.
        let kc = keys(json!({"h": eq}), true).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(kc.sort.is_none());
    }

    // AttributesToGet names are whole top-level names (dots included); duplicates are refused.
    #[test]
    fn attributes_to_get_names() {
        let p = attributes_to_get(&[json!("a.b"), json!("c")]).unwrap_or_else(|e| panic!("{e:?}"));
        let on = item(
            json!({"a.b": {"S": "x"}, "a": {"M": {"b": {"S": "y"}}}, "c": {"N": "1"}, "d": {"N": "2"}}),
        );
        assert_eq!(
            p.apply(&on),
            item(json!({"a.b": {"S": "x"}, "c": {"N": "1"}}))
        );
        assert_eq!(
            message(attributes_to_get(&[json!("a"), json!("b"), json!("a")])),
            "One or more parameter values were invalid: Duplicate value in attribute name: a"
        );
    }

    fn update(spec: Json, on: Option<Json>) -> Result<Item> {
        let plan = attribute_updates(&obj(spec))?;
        plan.apply(on.map(item).as_ref())
    }

    // PUT (also the default action), DELETE without and with a value, ADD to numbers, sets, lists.
    #[test]
    fn attribute_update_actions() {
        let old = Some(
            json!({"n": {"N": "1"}, "s": {"SS": ["a", "b"]}, "l": {"L": [{"S": "x"}]}, "gone": {"S": "x"}}),
        );
        let new = update(
            json!({
                "p": {"Value": {"S": "v"}},
                "gone": {"Action": "DELETE"},
                "s": {"Action": "DELETE", "Value": {"SS": ["a", "z"]}},
                "n": {"Action": "ADD", "Value": {"N": "-1.5"}},
                "l": {"Action": "ADD", "Value": {"L": [{"S": "y"}]}},
                "fresh": {"Action": "ADD", "Value": {"NS": ["3"]}}
            }),
            old,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            new,
            item(json!({
                "p": {"S": "v"},
                "s": {"SS": ["b"]},
                "n": {"N": "-0.5"},
                "l": {"L": [{"S": "x"}, {"S": "y"}]},
                "fresh": {"NS": ["3"]}
            }))
        );
    }

    // On a missing item, ADD creates the attribute and DELETE does nothing; deleting every
    // element of a set removes the attribute.
    #[test]
    fn attribute_updates_on_missing() {
        let new = update(
            json!({"c": {"Action": "ADD", "Value": {"N": "5"}}, "d": {"Action": "DELETE", "Value": {"SS": ["q"]}}}),
            None,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(new, item(json!({"c": {"N": "5"}})));
        let new = update(
            json!({"s": {"Action": "DELETE", "Value": {"SS": ["a"]}}}),
            Some(json!({"s": {"SS": ["a"]}})),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(new, Item::new());
    }

    // The AttributeUpdates messages: request-time checks and the type clash at apply time.
    #[test]
    fn attribute_update_messages() {
        assert_eq!(
            message(update(json!({"a": {"Action": "PUT"}}), None)),
            "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified"
        );
        assert_eq!(
            message(update(json!({"a": {}}), None)),
            "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified"
        );
        assert_eq!(
            message(update(json!({"a": {"Action": "DELETE", "Value": {"S": "x"}}}), None)),
            "One or more parameter values were invalid: DELETE action with value is not supported for the type S"
        );
        assert_eq!(
            message(update(
                json!({"a": {"Action": "ADD", "Value": {"S": "x"}}}),
                None
            )),
            "One or more parameter values were invalid: ADD action is not supported for the type S"
        );
        assert_eq!(
            message(update(
                json!({"a": {"Action": "ADD", "Value": {"N": "1"}}}),
                Some(json!({"a": {"S": "x"}}))
            )),
            "Type mismatch for attribute to update"
        );
        assert_eq!(
            message(update(
                json!({"a": {"Action": "DELETE", "Value": {"NS": ["1"]}}}),
                Some(json!({"a": {"SS": ["1"]}}))
            )),
            "Type mismatch for attribute to update"
        );
    }
}
