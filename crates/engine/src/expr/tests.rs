//! Tests of the public expression API: parsing, every message, evaluation and updates.

use std::collections::BTreeMap;

use super::*;
use crate::value::Number;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: &str) -> AttributeValue {
    AttributeValue::N(Number::parse(v).unwrap_or_else(|e| panic!("{v}: {e:?}")))
}

fn b(v: &[u8]) -> AttributeValue {
    AttributeValue::B(v.to_vec())
}

fn ss(v: &[&str]) -> AttributeValue {
    let mut v: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    v.sort();
    AttributeValue::SS(v)
}

fn ns(v: &[&str]) -> AttributeValue {
    let mut v: Vec<Number> = v
        .iter()
        .map(|x| Number::parse(x).unwrap_or_else(|e| panic!("{x}: {e:?}")))
        .collect();
    v.sort();
    AttributeValue::NS(v)
}

fn l(v: Vec<AttributeValue>) -> AttributeValue {
    AttributeValue::L(v)
}

fn m(v: &[(&str, AttributeValue)]) -> AttributeValue {
    AttributeValue::M(v.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

fn item(v: &[(&str, AttributeValue)]) -> Item {
    v.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// An `Expressions` with the given names and values (None when the list is empty).
fn ex(names: &[(&str, &str)], values: &[(&str, AttributeValue)]) -> Expressions {
    let names: BTreeMap<String, String> = names
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let values = item(values);
    Expressions::new(
        (!names.is_empty()).then_some(names),
        (!values.is_empty()).then_some(values),
    )
}

fn message<T: std::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Err(e) => e.message.unwrap_or_default(),
        Ok(v) => format!("unexpected success: {v:?}"),
    }
}

fn cond_err(text: &str, names: &[(&str, &str)], values: &[(&str, AttributeValue)]) -> String {
    message(ex(names, values).condition(text, "ConditionExpression"))
}

fn update_err(text: &str, names: &[(&str, &str)], values: &[(&str, AttributeValue)]) -> String {
    message(ex(names, values).update(text))
}

/// Evaluates `text` (values `:a`, `:b`... as given) against `it`.
fn eval(text: &str, values: &[(&str, AttributeValue)], it: Option<&Item>) -> bool {
    match ex(&[], values).condition(text, "ConditionExpression") {
        Ok(c) => c.matches(it),
        Err(e) => panic!("{text}: {:?}", e.message),
    }
}

fn apply(text: &str, values: &[(&str, AttributeValue)], old: Option<&Item>) -> Result<Item> {
    let plan = ex(&[], values).update(text)?;
    plan.apply(old)
}

fn applied(text: &str, values: &[(&str, AttributeValue)], old: &Item) -> Item {
    apply(text, values, Some(old)).unwrap_or_else(|e| panic!("{text}: {:?}", e.message))
}

// ---------- condition parse errors ----------

// An empty expression has its own message, prefixed by the request member's name.
#[test]
fn empty_expression() {
    assert_eq!(
        cond_err("", &[], &[]),
        "Invalid ConditionExpression: The expression can not be empty;"
    );
    assert_eq!(
        message(ex(&[], &[]).condition("", "FilterExpression")),
        "Invalid FilterExpression: The expression can not be empty;"
    );
    assert_eq!(
        message(ex(&[], &[]).update("")),
        "Invalid UpdateExpression: The expression can not be empty;"
    );
    assert_eq!(
        message(ex(&[], &[]).projection("")),
        "Invalid ProjectionExpression: The expression can not be empty;"
    );
}

// Syntax errors carry the parameter prefix, the token and the nearby text.
#[test]
fn syntax_error_prefix() {
    assert_eq!(
        message(ex(&[], &[]).condition("a-b", "FilterExpression")),
        r#"Invalid FilterExpression: Syntax error; token: "-", near: "a-b""#
    );
    assert_eq!(
        message(ex(&[], &[]).key_condition("a-b", "a", None)),
        r#"Invalid KeyConditionExpression: Syntax error; token: "-", near: "a-b""#
    );
}

// Undefined #names and :values are named in the message.
#[test]
fn undefined_placeholders() {
    assert_eq!(
        cond_err("#x = :v", &[], &[(":v", s("a"))]),
        "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x"
    );
    assert_eq!(
        cond_err("a = :x", &[], &[]),
        "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :x"
    );
}

// Reserved words are rejected as bare names (reported as written), accepted through #names.
#[test]
fn reserved_words() {
    assert_eq!(
        cond_err("Name = :v", &[], &[(":v", s("a"))]),
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: Name"
    );
    assert_eq!(
        cond_err("a.status = :v", &[], &[(":v", s("a"))]),
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"
    );
    assert!(ex(&[("#n", "name")], &[(":v", s("a"))])
        .condition("#n = :v", "ConditionExpression")
        .is_ok());
}

// Function names, arity and operand types, each with DynamoDB's wording.
#[test]
fn function_errors() {
    let v = [(":s", s("x")), (":n", n("1"))];
    assert_eq!(
        cond_err("foo(a)", &[], &v),
        "Invalid ConditionExpression: Invalid function name; function: foo"
    );
    assert_eq!(
        cond_err("begins_with(a)", &[], &v),
        "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1"
    );
    assert_eq!(
        cond_err("attribute_exists(a, b)", &[], &v),
        "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2"
    );
    assert_eq!(
        cond_err("size(:n) > :n", &[], &v),
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N"
    );
    assert_eq!(
        cond_err("begins_with(a, :n)", &[], &v),
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"
    );
    assert_eq!(
        cond_err("attribute_exists(:s)", &[], &v),
        "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists"
    );
    assert_eq!(
        cond_err("attribute_type(a, :n)", &[], &v),
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"
    );
    assert_eq!(
        cond_err("attribute_type(a, b)", &[], &v),
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}"
    );
    assert_eq!(
        cond_err("attribute_type(a, :s)", &[], &v),
        "Invalid ConditionExpression: Invalid attribute type name found; type: x, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"
    );
}

// Functions other than size cannot be operands; size cannot be a condition by itself.
#[test]
fn misused_functions() {
    let v = [(":s", s("x")), (":n", n("1"))];
    assert_eq!(
        cond_err("size(a)", &[], &v),
        "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size"
    );
    assert_eq!(
        cond_err("begins_with(a, :s) = :n", &[], &v),
        "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: begins_with"
    );
    assert_eq!(
        cond_err("a IN (:n, contains(a, :s))", &[], &v),
        "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: contains"
    );
}

// A comparison of a path with itself is rejected, naming the operator and the path.
#[test]
fn distinct_operands() {
    assert_eq!(
        cond_err("a.b = a.b", &[], &[]),
        "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a, b]"
    );
    assert_eq!(
        cond_err("contains(#x[1], #x[1])", &[("#x", "q")], &[]),
        "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [q, [1]]"
    );
}

// BETWEEN bounds must share a type and be in order.
#[test]
fn between_bounds() {
    assert_eq!(
        cond_err("a BETWEEN :a AND :b", &[], &[(":a", n("1")), (":b", s("x"))]),
        "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:x}"
    );
    assert_eq!(
        cond_err("a BETWEEN :a AND :b", &[], &[(":a", n("10")), (":b", n("9"))]),
        "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:9}"
    );
}

// Doubled parentheses are rejected; single ones are fine.
#[test]
fn redundant_parentheses() {
    let v = [(":a", n("1"))];
    assert_eq!(
        cond_err("((a = :a))", &[], &v),
        "Invalid ConditionExpression: The expression has redundant parentheses;"
    );
    assert!(eval("(a = :a)", &v, Some(&item(&[("a", n("1"))]))));
}

// IN takes at most 100 operands.
#[test]
fn in_operand_limit() {
    let values: Vec<(String, AttributeValue)> = (0..101)
        .map(|i| (format!(":v{i}"), n(&i.to_string())))
        .collect();
    let refs: Vec<(&str, AttributeValue)> = values
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let list = |count: usize| {
        (0..count)
            .map(|i| format!(":v{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    assert_eq!(
        cond_err(&format!("a IN ({})", list(101)), &[], &refs),
        "Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 101"
    );
    assert!(ex(&[], &refs[..100])
        .condition(&format!("a IN ({})", list(100)), "ConditionExpression")
        .is_ok());
}

// The reported error is chosen by category, not by position: an unknown function written
// last still wins over an undefined name written first.
#[test]
fn error_priority() {
    assert_eq!(
        cond_err("#x = :y AND foo(a)", &[], &[]),
        "Invalid ConditionExpression: Invalid function name; function: foo"
    );
    assert_eq!(
        cond_err("begins_with(a, :n) AND #x = :n", &[], &[(":n", n("1"))]),
        "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x"
    );
}

// ---------- condition evaluation ----------

// Comparators order S and B bytewise and N numerically, and hold only between equal types.
#[test]
fn comparators_on_each_type() {
    let it = item(&[("s", s("b")), ("n", n("10")), ("bin", b(&[2]))]);
    let it = Some(&it);
    for (text, value, expect) in [
        ("s = :v", s("b"), true),
        ("s < :v", s("c"), true),
        ("s <= :v", s("b"), true),
        ("s > :v", s("B"), true),
        ("s >= :v", s("c"), false),
        ("s <> :v", s("b"), false),
        ("n > :v", n("9"), true),
        ("n < :v", n("9"), false),
        ("n = :v", n("10.0"), true),
        ("n >= :v", n("1E1"), true),
        ("bin < :v", b(&[3]), true),
        ("bin > :v", b(&[1, 9]), true),
        ("bin = :v", b(&[2]), true),
        // Different types: never equal, never ordered.
        ("n = :v", s("10"), false),
        ("n < :v", s("9"), false),
        ("n <> :v", s("10"), true),
    ] {
        assert_eq!(
            eval(text, &[(":v", value.clone())], it),
            expect,
            "{text} {value:?}"
        );
    }
}

// A missing attribute fails every comparison except <>, and no item behaves the same.
#[test]
fn missing_attribute_comparisons() {
    let it = item(&[("a", n("1"))]);
    let v = [(":v", n("1"))];
    assert!(!eval("x = :v", &v, Some(&it)));
    assert!(!eval("x < :v", &v, Some(&it)));
    assert!(eval("x <> :v", &v, Some(&it)));
    assert!(!eval("a = :v", &v, None));
    assert!(!eval("x BETWEEN :v AND :v", &v, Some(&it)));
    assert!(!eval("x IN (:v)", &v, Some(&it)));
}

// Lists, maps, sets, booleans and nulls support equality (sets whatever their order).
#[test]
fn equality_of_documents_and_sets() {
    let doc = m(&[("k", l(vec![n("1"), s("x")]))]);
    let it = item(&[
        ("d", doc.clone()),
        ("set", ss(&["b", "a"])),
        ("t", AttributeValue::Bool(true)),
        ("z", AttributeValue::Null),
    ]);
    let it = Some(&it);
    assert!(eval("d = :v", &[(":v", doc)], it));
    assert!(eval("t = :v", &[(":v", AttributeValue::Bool(true))], it));
    assert!(eval("z = :v", &[(":v", AttributeValue::Null)], it));
    assert!(!eval("t < :v", &[(":v", AttributeValue::Bool(true))], it));
    let set_ok = ex(&[("#s", "set")], &[(":v", ss(&["a", "b"]))])
        .condition("#s = :v", "ConditionExpression")
        .map(|c| c.matches(it));
    assert_eq!(set_ok.ok(), Some(true));
}

// BETWEEN is inclusive at both ends and needs one type throughout.
#[test]
fn between_evaluation() {
    let it = item(&[("n", n("5")), ("s", s("m"))]);
    let it = Some(&it);
    let v = |a, b| [(":lo", a), (":hi", b)];
    assert!(eval("n BETWEEN :lo AND :hi", &v(n("5"), n("6")), it));
    assert!(eval("n BETWEEN :lo AND :hi", &v(n("1"), n("5")), it));
    assert!(!eval("n BETWEEN :lo AND :hi", &v(n("6"), n("7")), it));
    assert!(eval("s BETWEEN :lo AND :hi", &v(s("a"), s("z")), it));
    assert!(!eval("s BETWEEN :lo AND :hi", &v(n("1"), n("7")), it));
}

// IN matches any operand of the same type and value.
#[test]
fn in_evaluation() {
    let it = item(&[("a", n("2"))]);
    let v = [(":x", n("1")), (":y", n("2")), (":z", s("2"))];
    assert!(eval("a IN (:x, :y)", &v, Some(&it)));
    assert!(!eval("a IN (:x, :z)", &v, Some(&it)));
}

// Existence checks follow nested paths, and no item means nothing exists.
#[test]
fn attribute_exists_and_not_exists() {
    let it = item(&[("m", m(&[("l", l(vec![n("0")]))]))]);
    let it = Some(&it);
    assert!(eval("attribute_exists(m.l[0])", &[], it));
    assert!(!eval("attribute_exists(m.l[1])", &[], it));
    assert!(eval("attribute_not_exists(m.x)", &[], it));
    assert!(eval("attribute_not_exists(a)", &[], None));
    assert!(!eval("attribute_exists(a)", &[], None));
}

// attribute_type knows all ten type names.
#[test]
fn attribute_type_each_type() {
    let values = [
        ("S", s("x")),
        ("N", n("1")),
        ("B", b(&[1])),
        ("BOOL", AttributeValue::Bool(false)),
        ("NULL", AttributeValue::Null),
        ("M", m(&[])),
        ("L", l(vec![])),
        ("SS", ss(&["a"])),
        ("NS", ns(&["1"])),
        ("BS", AttributeValue::BS(vec![vec![1]])),
    ];
    for (name, value) in &values {
        let it = item(&[("a", value.clone())]);
        assert!(
            eval("attribute_type(a, :t)", &[(":t", s(name))], Some(&it)),
            "{name}"
        );
        let other = if *name == "S" { "N" } else { "S" };
        assert!(
            !eval("attribute_type(a, :t)", &[(":t", s(other))], Some(&it)),
            "{name}"
        );
    }
}

// begins_with works on strings and binaries of the same type only.
#[test]
fn begins_with_evaluation() {
    let it = item(&[("s", s("hello")), ("b", b(&[1, 2, 3])), ("n", n("12"))]);
    let it = Some(&it);
    assert!(eval("begins_with(s, :p)", &[(":p", s("he"))], it));
    assert!(!eval("begins_with(s, :p)", &[(":p", s("lo"))], it));
    assert!(eval("begins_with(b, :p)", &[(":p", b(&[1, 2]))], it));
    assert!(!eval("begins_with(b, :p)", &[(":p", s("x"))], it));
    assert!(!eval("begins_with(n, :p)", &[(":p", s("1"))], it));
}

// contains: substring, set member, list element; never across types.
#[test]
fn contains_evaluation() {
    let it = item(&[
        ("s", s("hello")),
        ("b", b(&[1, 2, 3])),
        ("ss", ss(&["x", "y"])),
        ("ns", ns(&["1", "2"])),
        ("bs", AttributeValue::BS(vec![vec![7]])),
        ("l", l(vec![s("x"), m(&[("k", n("1"))])])),
    ]);
    let it = Some(&it);
    assert!(eval("contains(s, :v)", &[(":v", s("ell"))], it));
    assert!(!eval("contains(s, :v)", &[(":v", s("xyz"))], it));
    assert!(eval("contains(b, :v)", &[(":v", b(&[2, 3]))], it));
    assert!(eval("contains(ss, :v)", &[(":v", s("y"))], it));
    assert!(!eval("contains(ss, :v)", &[(":v", n("1"))], it));
    assert!(eval("contains(ns, :v)", &[(":v", n("2.0"))], it));
    assert!(eval("contains(bs, :v)", &[(":v", b(&[7]))], it));
    assert!(eval("contains(l, :v)", &[(":v", m(&[("k", n("1"))]))], it));
    assert!(!eval("contains(l, :v)", &[(":v", s("ell"))], it));
    assert!(!eval("contains(zz, :v)", &[(":v", s("x"))], it));
}

// size counts string bytes, binary bytes and elements; numbers have no size.
#[test]
fn size_evaluation() {
    let it = item(&[
        ("s", s("héllo")),
        ("b", b(&[1, 2, 3])),
        ("ss", ss(&["x", "y"])),
        ("l", l(vec![n("1"); 4])),
        ("m", m(&[("a", n("1"))])),
        ("n", n("12345")),
    ]);
    let it = Some(&it);
    let check = |text: &str, value: &str| eval(text, &[(":v", n(value))], it);
    assert!(check("size(s) = :v", "6"));
    assert!(check("size(b) = :v", "3"));
    assert!(check("size(ss) = :v", "2"));
    assert!(check("size(l) = :v", "4"));
    assert!(check("size(m) = :v", "1"));
    assert!(check(":v < size(l)", "3"));
    assert!(!check("size(n) = :v", "5"));
}

// NOT, AND and OR combine with the documented precedence.
#[test]
fn logical_operators() {
    let it = item(&[("a", n("1"))]);
    let it = Some(&it);
    let v = [(":one", n("1")), (":two", n("2"))];
    assert!(eval("a = :two OR a = :one AND NOT a = :two", &v, it));
    assert!(!eval("(a = :two OR a = :one) AND a = :two", &v, it));
    assert!(eval("NOT (a = :two)", &v, it));
    assert!(eval("not a = :two and a = :one", &v, it));
}

// ---------- updates ----------

// SET replaces or creates top-level and nested attributes.
#[test]
fn set_values() {
    let old = item(&[("a", n("1")), ("m", m(&[("x", n("1"))]))]);
    let new = applied(
        "SET a = :v, m.y = :w",
        &[(":v", s("v")), (":w", n("2"))],
        &old,
    );
    assert_eq!(new.get("a"), Some(&s("v")));
    assert_eq!(new.get("m"), Some(&m(&[("x", n("1")), ("y", n("2"))])));
    let with_name = ex(&[("#c", "c")], &[(":v", s("v"))])
        .update("SET #c = :v")
        .and_then(|p| p.apply(None));
    assert_eq!(with_name.ok(), Some(item(&[("c", s("v"))])));
}

// SET on a list index replaces; past the end appends.
#[test]
fn set_list_index() {
    let old = item(&[("l", l(vec![n("0"), n("1")]))]);
    let new = applied(
        "SET l[1] = :v, l[9] = :w",
        &[(":v", s("x")), (":w", s("y"))],
        &old,
    );
    assert_eq!(new.get("l"), Some(&l(vec![n("0"), s("x"), s("y")])));
}

// Several writes past the end of a list append in index order, not in written order.
#[test]
fn appends_in_index_order() {
    let old = item(&[("l", l(vec![n("0")]))]);
    let new = applied(
        "SET l[7] = :b, l[5] = :a",
        &[(":a", s("a")), (":b", s("b"))],
        &old,
    );
    assert_eq!(new.get("l"), Some(&l(vec![n("0"), s("a"), s("b")])));
}

// Arithmetic is exact; a missing operand path and a non-number are errors.
#[test]
fn set_arithmetic() {
    let old = item(&[("a", n("0.1")), ("s", s("x"))]);
    let new = applied("SET b = a + :n, c = a - :n", &[(":n", n("0.2"))], &old);
    assert_eq!(new.get("b"), Some(&n("0.3")));
    assert_eq!(new.get("c"), Some(&n("-0.1")));
    assert_eq!(
        message(apply("SET b = nope + :n", &[(":n", n("1"))], Some(&old))),
        "The provided expression refers to an attribute that does not exist in the item"
    );
    assert_eq!(
        message(apply("SET b = s + :n", &[(":n", n("1"))], Some(&old))),
        "An operand in the update expression has an incorrect data type"
    );
}

// list_append joins lists in order; if_not_exists falls back only when missing.
#[test]
fn set_functions() {
    let old = item(&[("l", l(vec![n("1")])), ("a", n("5"))]);
    let v = [(":l", l(vec![n("2")])), (":z", n("0"))];
    let new = applied(
        "SET l = list_append(l, :l), m = list_append(:l, l), a = if_not_exists(a, :z), b = if_not_exists(b, :z)",
        &v,
        &old,
    );
    assert_eq!(new.get("l"), Some(&l(vec![n("1"), n("2")])));
    assert_eq!(new.get("m"), Some(&l(vec![n("2"), n("1")])));
    assert_eq!(new.get("a"), Some(&n("5")));
    assert_eq!(new.get("b"), Some(&n("0")));
    assert_eq!(
        message(apply("SET x = list_append(a, :l)", &v, Some(&old))),
        "An operand in the update expression has an incorrect data type"
    );
    let counter = applied(
        "SET c = if_not_exists(c, :z) + :one",
        &[(":z", n("0")), (":one", n("1"))],
        &old,
    );
    assert_eq!(counter.get("c"), Some(&n("1")));
}

// All SET values are read from the item before the update, so a swap works.
#[test]
fn set_reads_old_item() {
    let old = item(&[("a", n("1")), ("b", n("2"))]);
    let new = applied("SET a = b, b = a", &[], &old);
    assert_eq!(new, item(&[("a", n("2")), ("b", n("1"))]));
}

// Paths through missing or non-container attributes are invalid for update.
#[test]
fn invalid_document_paths() {
    let old = item(&[("a", n("1")), ("l", l(vec![]))]);
    for text in [
        "SET x.y = :v",
        "SET a.y = :v",
        "SET a[0] = :v",
        "SET l.k = :v",
    ] {
        assert_eq!(
            message(apply(text, &[(":v", n("1"))], Some(&old))),
            "The document path provided in the update expression is invalid for update",
            "{text}"
        );
    }
}

// REMOVE deletes attributes and list elements by original index; missing ones are ignored.
#[test]
fn remove() {
    let old = item(&[
        ("a", n("1")),
        ("l", l(vec![n("0"), n("1"), n("2"), n("3")])),
        ("m", m(&[("x", n("1")), ("y", n("2"))])),
    ]);
    let new = applied("REMOVE a, l[0], l[2], m.x, nope", &[], &old);
    assert_eq!(
        new,
        item(&[("l", l(vec![n("1"), n("3")])), ("m", m(&[("y", n("2"))]))])
    );
}

// ADD adds to numbers (missing counts as 0) and unions sets; other types are errors.
#[test]
fn add() {
    let old = item(&[("n", n("5")), ("s", ss(&["a"])), ("str", s("x"))]);
    let new = applied(
        "ADD n :n, fresh :n, s :s",
        &[(":n", n("-2")), (":s", ss(&["b", "a"]))],
        &old,
    );
    assert_eq!(new.get("n"), Some(&n("3")));
    assert_eq!(new.get("fresh"), Some(&n("-2")));
    assert_eq!(new.get("s"), Some(&ss(&["a", "b"])));
    assert_eq!(
        message(apply("ADD str :n", &[(":n", n("1"))], Some(&old))),
        "An operand in the update expression has an incorrect data type"
    );
    assert_eq!(
        message(apply("ADD s :n", &[(":n", ns(&["1"]))], Some(&old))),
        "An operand in the update expression has an incorrect data type"
    );
}

// DELETE removes set elements, and the attribute when the set becomes empty.
#[test]
fn delete() {
    let old = item(&[("s", ss(&["a", "b"])), ("t", ns(&["1"])), ("n", n("1"))]);
    let new = applied(
        "DELETE s :s, t :t, nope :s",
        &[(":s", ss(&["a"])), (":t", ns(&["1"]))],
        &old,
    );
    assert_eq!(new, item(&[("s", ss(&["b"])), ("n", n("1"))]));
    assert_eq!(
        message(apply("DELETE n :t", &[(":t", ns(&["1"]))], Some(&old))),
        "An operand in the update expression has an incorrect data type"
    );
}

// ADD and DELETE reject operand types they cannot use at parse time.
#[test]
fn add_delete_operand_types() {
    assert_eq!(
        update_err("ADD a :v", &[], &[(":v", s("x"))]),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"
    );
    assert_eq!(
        update_err("DELETE a :v", &[], &[(":v", n("1"))]),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER"
    );
    assert_eq!(
        update_err("ADD a :v", &[], &[(":v", l(vec![]))]),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: LIST"
    );
}

// A clause keyword may appear only once.
#[test]
fn section_once() {
    assert_eq!(
        update_err("SET a = :v SET b = :v", &[], &[(":v", n("1"))]),
        "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;"
    );
    assert_eq!(
        update_err("REMOVE a remove b", &[], &[]),
        "Invalid UpdateExpression: The \"REMOVE\" section can only be used once in an update expression;"
    );
}

// Paths that overlap or conflict are rejected, across clauses too.
#[test]
fn overlapping_paths() {
    assert_eq!(
        update_err("SET a = :v REMOVE a.b", &[], &[(":v", n("1"))]),
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"
    );
    assert_eq!(
        update_err("SET a[0] = :v REMOVE a.b", &[], &[(":v", n("1"))]),
        "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [0]], path two: [a, b]"
    );
    assert_eq!(
        update_err("SET #a = :v, a = :v", &[("#a", "a")], &[(":v", n("1"))]),
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"
    );
}

// Update function names, arity and operand types.
#[test]
fn update_function_errors() {
    let v = [(":s", s("x")), (":n", n("1"))];
    assert_eq!(
        update_err("SET a = size(b)", &[], &v),
        "Invalid UpdateExpression: Invalid function name; function: size"
    );
    assert_eq!(
        update_err("SET a = list_append(b)", &[], &v),
        "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1"
    );
    assert_eq!(
        update_err("SET a = if_not_exists(:s, :n)", &[], &v),
        "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists"
    );
    assert_eq!(
        update_err("SET a = list_append(b, :s)", &[], &v),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S"
    );
    assert_eq!(
        update_err("SET a = b + :s", &[], &v),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"
    );
    assert_eq!(
        update_err("SET a = b - :s", &[], &v),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: -, operand type: S"
    );
}

// Reserved words and undefined placeholders are reported for updates too.
#[test]
fn update_names_and_values() {
    assert_eq!(
        update_err("SET size = :v", &[], &[(":v", n("1"))]),
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: size"
    );
    assert_eq!(
        update_err("SET a = :v", &[], &[]),
        "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :v"
    );
    assert_eq!(
        update_err("REMOVE #a", &[], &[]),
        "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #a"
    );
}

// updated() selects exactly the touched paths, nested parts included.
#[test]
fn updated_paths() {
    let v = [(":v", n("1"))];
    let plan = ex(&[], &v).update("SET m.x = :v, l[1] = :v REMOVE gone");
    let plan = plan.unwrap_or_else(|e| panic!("{:?}", e.message));
    let old = item(&[
        ("m", m(&[("x", n("0")), ("y", n("0"))])),
        ("l", l(vec![n("0"), n("0")])),
        ("gone", n("0")),
        ("other", n("0")),
    ]);
    let new = plan
        .apply(Some(&old))
        .unwrap_or_else(|e| panic!("{:?}", e.message));
    let touched = plan.updated();
    assert_eq!(
        touched.apply(&old),
        item(&[
            ("m", m(&[("x", n("0"))])),
            ("l", l(vec![n("0")])),
            ("gone", n("0"))
        ])
    );
    assert_eq!(
        touched.apply(&new),
        item(&[("m", m(&[("x", n("1"))])), ("l", l(vec![n("1")]))])
    );
}

// ---------- projections ----------

// Projection keeps named attributes, nested fields and list elements.
#[test]
fn projection_apply() {
    let p = ex(&[("#n", "name")], &[]).projection("#n, m.a, l[2], l[0], nope");
    let p = p.unwrap_or_else(|e| panic!("{:?}", e.message));
    let it = item(&[
        ("name", s("x")),
        ("m", m(&[("a", n("1")), ("b", n("2"))])),
        ("l", l(vec![n("0"), n("1"), n("2")])),
        ("other", n("3")),
    ]);
    assert_eq!(
        p.apply(&it),
        item(&[
            ("name", s("x")),
            ("m", m(&[("a", n("1"))])),
            ("l", l(vec![n("0"), n("2")])),
        ])
    );
    assert_eq!(p.attribute_names(), vec!["l", "m", "name", "nope"]);
}

// Projection errors: reserved words, undefined names, overlaps, syntax.
#[test]
fn projection_errors() {
    assert_eq!(
        message(ex(&[], &[]).projection("a, name")),
        "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name"
    );
    assert_eq!(
        message(ex(&[], &[]).projection("#a")),
        "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #a"
    );
    assert_eq!(
        message(ex(&[], &[]).projection("a, a.b")),
        "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"
    );
    assert_eq!(
        message(ex(&[], &[]).projection("a,")),
        r#"Invalid ProjectionExpression: Syntax error; token: "<EOF>", near: ",""#
    );
}

// ---------- key conditions ----------

fn key(text: &str, values: &[(&str, AttributeValue)], range: Option<&str>) -> Result<KeyCondition> {
    ex(&[], values).key_condition(text, "pk", range)
}

// The partition value and each kind of sort condition are extracted, flipping `:v < sk`.
#[test]
fn key_condition_split() {
    let v = [(":p", s("p")), (":a", n("1")), (":b", n("2"))];
    let kc = key("pk = :p AND sk BETWEEN :a AND :b", &v, Some("sk"));
    let kc = kc.unwrap_or_else(|e| panic!("{:?}", e.message));
    assert_eq!(kc.partition, s("p"));
    assert_eq!(kc.sort, Some(SortCondition::Between(n("1"), n("2"))));
    let kc =
        key(":a < sk AND :p = pk", &v, Some("sk")).unwrap_or_else(|e| panic!("{:?}", e.message));
    assert_eq!(kc.partition, s("p"));
    assert_eq!(kc.sort, Some(SortCondition::Gt(n("1"))));
    let kc = key("begins_with(sk, :p) and pk = :p", &v, Some("sk"));
    let kc = kc.unwrap_or_else(|e| panic!("{:?}", e.message));
    assert_eq!(kc.sort, Some(SortCondition::BeginsWith(s("p"))));
    let kc = key("pk = :p", &v, Some("sk")).unwrap_or_else(|e| panic!("{:?}", e.message));
    assert_eq!(kc.sort, None);
}

// Each key condition error, worded as DynamoDB does (these messages carry no prefix).
#[test]
fn key_condition_errors() {
    let v = [(":p", s("p")), (":a", n("1")), (":b", n("2"))];
    let err = |text: &str, range: Option<&str>| message(key(text, &v, range));
    assert_eq!(
        err("pk = :p OR sk = :a", Some("sk")),
        "Invalid operator used in KeyConditionExpression: OR"
    );
    assert_eq!(
        err("NOT pk = :p", None),
        "Invalid operator used in KeyConditionExpression: NOT"
    );
    assert_eq!(
        err("pk IN (:p)", None),
        "Invalid operator used in KeyConditionExpression: IN"
    );
    assert_eq!(
        err("pk <> :p", None),
        "Invalid operator used in KeyConditionExpression: <>"
    );
    assert_eq!(
        err("attribute_exists(pk)", None),
        "Invalid operator used in KeyConditionExpression: attribute_exists"
    );
    assert_eq!(
        err("contains(pk, :p)", None),
        "Invalid operator used in KeyConditionExpression: contains"
    );
    assert_eq!(
        err("size(pk) = :a", None),
        "KeyConditionExpressions cannot contain nested operations"
    );
    assert_eq!(
        err("pk.x = :p", None),
        "KeyConditionExpressions cannot have conditions on nested attributes"
    );
    assert_eq!(
        err("pk = sk", Some("sk")),
        "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"
    );
    assert_eq!(
        err(":a BETWEEN sk AND :b", Some("sk")),
        "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand"
    );
    assert_eq!(
        err("begins_with(:p, sk)", Some("sk")),
        "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand"
    );
    assert_eq!(
        err(":a = :b", None),
        "Invalid condition in KeyConditionExpression: No key attribute specified"
    );
    assert_eq!(
        err("pk = :p AND pk = :p", None),
        "KeyConditionExpressions must only contain one condition per key"
    );
    assert_eq!(
        err("pk = :p AND sk = :a AND x = :b", Some("sk")),
        "Conditions can be of length 1 or 2 only"
    );
    assert_eq!(
        err("sk = :a", Some("sk")),
        "Query condition missed key schema element: pk"
    );
    assert_eq!(
        err("pk = :p AND x = :a", Some("sk")),
        "Query condition missed key schema element: sk"
    );
    assert_eq!(
        err("pk = :p AND x = :a", None),
        "Query key condition not supported"
    );
    assert_eq!(err("pk > :p", None), "Query key condition not supported");
}

// Sort conditions order S and B bytewise and N numerically.
#[test]
fn sort_condition_matches() {
    assert!(SortCondition::Gt(n("9")).matches(&n("10")));
    assert!(!SortCondition::Gt(s("9")).matches(&s("10")));
    assert!(SortCondition::Le(b(&[1, 2])).matches(&b(&[1, 2])));
    assert!(SortCondition::Lt(b(&[2])).matches(&b(&[1, 255])));
    assert!(SortCondition::Eq(n("1.0")).matches(&n("1")));
    assert!(SortCondition::Ge(s("a")).matches(&s("a")));
    assert!(SortCondition::Between(n("1"), n("3")).matches(&n("3")));
    assert!(SortCondition::BeginsWith(s("ab")).matches(&s("abc")));
    assert!(!SortCondition::BeginsWith(s("ab")).matches(&n("1")));
    assert!(!SortCondition::Eq(s("1")).matches(&n("1")));
}

// ---------- unused names and values ----------

// Names and values count as used if any expression of the request used them.
#[test]
fn unused_names_and_values() {
    let mut e = ex(
        &[("#a", "a"), ("#b", "b"), ("#c", "c")],
        &[(":x", n("1")), (":y", n("2"))],
    );
    assert!(e.condition("#a = :x", "ConditionExpression").is_ok());
    assert_eq!(
        message(e.check_unused()),
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b, #c}"
    );
    assert!(e.projection("#b, #c").is_ok());
    assert_eq!(
        message(e.check_unused()),
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:y}"
    );
    assert!(e.update("SET z = :y").is_ok());
    assert!(e.check_unused().is_ok());
}

// ---------- robustness ----------

// Arbitrary junk must produce errors, never panics (a panic would kill the wasm page).
#[test]
fn junk_never_panics() {
    let inputs = [
        "",
        " ",
        "(",
        ")",
        "[",
        "]",
        "#",
        ":",
        "a[",
        "a[0",
        "a.",
        "a..b",
        "é",
        "a = é",
        "SET",
        "SET a",
        "SET a =",
        "SET a = b +",
        "REMOVE",
        "ADD a",
        "DELETE a :",
        ",",
        "a BETWEEN",
        "a BETWEEN :a",
        "a IN",
        "a IN (",
        "a IN ()",
        "f(",
        "f()",
        "NOT",
        "a = :a AND",
        "size(",
        "attribute_type(a",
        "\u{0}",
        "a[18446744073709551616]",
        "SET a[0] = :v",
        "list_append(",
        "if_not_exists(a, :v)",
        "a.b[1].#c = :v",
    ];
    for text in inputs {
        let mut e = ex(&[("#c", "c")], &[(":v", n("1")), (":a", n("1"))]);
        let _ = e.condition(text, "ConditionExpression");
        let _ = e.update(text);
        let _ = e.projection(text);
        let _ = e.key_condition(text, "pk", Some("sk"));
        if let Ok(plan) = e.update(text) {
            let _ = plan.apply(None);
        }
    }
}

// Expressions longer than 4 KB are rejected before parsing, with their size in bytes.
#[test]
fn expression_size_limit() {
    let long = format!("a = :a{}", " ".repeat(4091));
    assert_eq!(long.len(), 4097);
    assert_eq!(
        message(ex(&[], &[(":a", n("1"))]).condition(&long, "FilterExpression")),
        "Invalid FilterExpression: Expression size has exceeded the maximum allowed size; expression size: 4097"
    );
    assert!(ex(&[], &[(":a", n("1"))])
        .condition(&long[..4096], "FilterExpression")
        .is_ok());
}

// The operator limit reaches the caller with the parameter prefix.
#[test]
fn operator_limit_message() {
    let text = vec!["a < :a"; 301].join(" AND ");
    assert_eq!(
        message(ex(&[], &[(":a", n("1"))]).condition(&text, "ConditionExpression")),
        "Invalid ConditionExpression: The expression contains too many operators; operator count: 301"
    );
}

// Pseudo-random token soup through every entry point: errors are fine, panics are not.
#[test]
fn token_soup_never_panics() {
    const PIECES: [&str; 40] = [
        "a",
        "b.c",
        "#n",
        ":v",
        ":s",
        ":l",
        "[0]",
        "[1]",
        "(",
        ")",
        ",",
        "=",
        "<>",
        "<",
        ">=",
        "AND",
        "OR",
        "NOT",
        "BETWEEN",
        "IN",
        "size(",
        "contains(",
        "begins_with(",
        "attribute_exists(",
        "attribute_type(",
        "list_append(",
        "if_not_exists(",
        "+",
        "-",
        "SET",
        "REMOVE",
        "ADD",
        "DELETE",
        ".",
        "#",
        ":",
        "é",
        "0",
        "name",
        " ",
    ];
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let values = [(":v", n("1")), (":s", ss(&["x"])), (":l", l(vec![n("1")]))];
    let old = item(&[
        ("a", n("1")),
        ("b", m(&[("c", l(vec![n("1"), s("x")]))])),
        ("n", ss(&["x", "y"])),
    ]);
    for _ in 0..3000 {
        let len = (next() % 12 + 1) as usize;
        let text: Vec<&str> = (0..len)
            .map(|_| {
                PIECES
                    .get((next() % PIECES.len() as u64) as usize)
                    .copied()
                    .unwrap_or("a")
            })
            .collect();
        let text = text.join(" ");
        let mut e = ex(&[("#n", "n")], &values);
        if let Ok(c) = e.condition(&text, "ConditionExpression") {
            let _ = c.matches(Some(&old));
            let _ = c.matches(None);
        }
        if let Ok(plan) = e.update(&text) {
            let _ = plan.apply(Some(&old));
            let _ = plan.apply(None);
            let _ = plan.updated().apply(&old);
        }
        if let Ok(p) = e.projection(&text) {
            let _ = p.apply(&old);
        }
        let _ = e.key_condition(&text, "a", Some("b"));
        let _ = e.check_unused();
    }
}

// A projection path far deeper than any item is refused (32 elements at most) without deep
// recursion; the deepest accepted path applies to an item that is not that deep.
#[test]
fn very_deep_projection_path() {
    let text = format!("a{}", "[0]".repeat(1300));
    assert_eq!(
        message(ex(&[], &[]).projection(&text)),
        "Invalid ProjectionExpression: The document path has too many nesting levels; nesting levels: 1301"
    );
    let text = format!("a{}", "[0]".repeat(31));
    let p = ex(&[], &[]).projection(&text);
    let p = p.unwrap_or_else(|e| panic!("{:?}", e.message));
    assert_eq!(p.apply(&item(&[("a", l(vec![n("1")]))])), Item::new());
}

// The maps must not be empty and their keys must be well-formed placeholders.
#[test]
fn placeholder_keys() {
    assert!(ex(&[("#a", "a")], &[(":a_1", n("1"))]).check_keys().is_ok());
    assert!(ex(&[], &[]).check_keys().is_ok());
    assert_eq!(
        message(Expressions::new(Some(BTreeMap::new()), None).check_keys()),
        "ExpressionAttributeNames must not be empty"
    );
    assert_eq!(
        message(Expressions::new(None, Some(Item::new())).check_keys()),
        "ExpressionAttributeValues must not be empty"
    );
    assert_eq!(
        message(ex(&[("a", "a")], &[]).check_keys()),
        "ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\""
    );
    assert_eq!(
        message(ex(&[], &[(":a-b", n("1"))]).check_keys()),
        "ExpressionAttributeValues contains invalid key: Syntax error; key: \":a-b\""
    );
}
