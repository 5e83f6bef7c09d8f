//! DynamoDB JSON reading and writing: every check, its exception kind and exact message, the
//! order DynamoDB applies them in, and round trips.

use dynaplay_engine::value::wire::{
    check_item_types, item_from_json, item_to_json, value_from_json, value_to_json, MAX_NESTING,
    NESTING_EXCEEDED,
};
use dynaplay_engine::value::{AttributeValue, Number};
use dynaplay_engine::ErrorKind;
use serde_json::{json, Value};

fn read(v: Value) -> AttributeValue {
    match value_from_json(&v) {
        Ok(x) => x,
        Err(e) => panic!("{v} should read, got {e}"),
    }
}

/// The exception kind and message a value is refused with.
fn refusal(v: Value) -> (ErrorKind, String) {
    match value_from_json(&v) {
        Ok(x) => panic!("{v} should be refused, got {x:?}"),
        Err(e) => (e.kind, e.message.unwrap_or_default()),
    }
}

fn validation(v: Value) -> String {
    let (kind, message) = refusal(v.clone());
    assert_eq!(kind, ErrorKind::ValidationException, "{v}: {message}");
    message
}

fn serialization(v: Value) -> String {
    let (kind, message) = refusal(v.clone());
    assert_eq!(kind, ErrorKind::SerializationException, "{v}: {message}");
    message
}

const EMPTY: &str =
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
const SEVERAL: &str = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes";

// Every type reads into its variant; sets come out sorted.
#[test]
fn reads_every_type() {
    assert_eq!(read(json!({"S": "x"})), AttributeValue::S("x".into()));
    assert_eq!(
        read(json!({"N": "1.50"})),
        AttributeValue::N(Number::parse("1.5").unwrap_or_else(|e| panic!("{e:?}")))
    );
    assert_eq!(read(json!({"B": "YQ=="})), AttributeValue::B(b"a".to_vec()));
    assert_eq!(read(json!({"BOOL": false})), AttributeValue::Bool(false));
    assert_eq!(read(json!({"NULL": true})), AttributeValue::Null);
    assert_eq!(
        read(json!({"SS": ["b", "a"]})),
        AttributeValue::SS(vec!["a".into(), "b".into()])
    );
    assert_eq!(
        read(json!({"NS": ["10", "9", "-1"]})),
        AttributeValue::NS(vec![
            Number::from_i64(-1),
            Number::from_i64(9),
            Number::from_i64(10)
        ])
    );
    assert_eq!(
        read(json!({"BS": ["Yg==", "YQ=="]})),
        AttributeValue::BS(vec![b"a".to_vec(), b"b".to_vec()])
    );
    assert_eq!(
        read(json!({"L": [{"S": "a"}, {"N": "1"}]})),
        AttributeValue::L(vec![
            AttributeValue::S("a".into()),
            AttributeValue::N(Number::from_i64(1))
        ])
    );
    let AttributeValue::M(m) = read(json!({"M": {"k": {"BOOL": true}}})) else {
        panic!("not a map")
    };
    assert_eq!(m.get("k"), Some(&AttributeValue::Bool(true)));
}

// Empty strings and binaries are legal for non-key attributes since 2020.
#[test]
fn empty_string_and_binary_are_allowed() {
    assert_eq!(read(json!({"S": ""})), AttributeValue::S(String::new()));
    assert_eq!(read(json!({"B": ""})), AttributeValue::B(Vec::new()));
    assert_eq!(
        read(json!({"SS": [""]})),
        AttributeValue::SS(vec![String::new()])
    );
}

// Writing back: numbers canonical, binaries standard base64, sets as arrays.
#[test]
fn writes_dynamodb_json() {
    let cases = [
        json!({"S": "x"}),
        json!({"N": "-0.5"}),
        json!({"B": "AP8="}),
        json!({"BOOL": true}),
        json!({"NULL": true}),
        json!({"SS": ["a", "b"]}),
        json!({"NS": ["-1", "2.5"]}),
        json!({"BS": ["AA==", "AP8="]}),
        json!({"L": [{"S": "a"}, {"L": []}]}),
        json!({"M": {"a": {"M": {}}, "b": {"NULL": true}}}),
    ];
    for case in cases {
        assert_eq!(value_to_json(&read(case.clone())), case);
    }
    assert_eq!(
        value_to_json(&read(json!({"N": "1E+2"}))),
        json!({"N": "100"})
    );
    assert_eq!(value_to_json(&read(json!({"N": "-0"}))), json!({"N": "0"}));
}

// Items read and write as maps of values.
#[test]
fn item_round_trip() {
    let v = json!({"id": {"S": "1"}, "n": {"N": "2"}});
    let item = match item_from_json(&v) {
        Ok(i) => i,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(item.len(), 2);
    assert_eq!(item_to_json(&item), v);
    assert_eq!(item_from_json(&Value::Null).map(|i| i.len()), Ok(0));
}

// `{}` and objects with only unknown or null members are empty.
#[test]
fn empty_value() {
    assert_eq!(validation(json!({})), EMPTY);
    assert_eq!(validation(json!({"a": ""})), EMPTY);
    assert_eq!(validation(json!({"S": null})), EMPTY);
    assert_eq!(validation(json!({"M": {"a": {}}})), EMPTY);
    assert_eq!(validation(json!({"L": [{}]})), EMPTY);
    assert_eq!(validation(json!({"L": [{"a": {}}]})), EMPTY);
}

// Two types set is refused, but only after each type's own checks (dynalite's tests).
#[test]
fn several_types() {
    assert_eq!(validation(json!({"S": "a", "N": "1"})), SEVERAL);
    assert_eq!(validation(json!({"S": "a", "BOOL": true})), SEVERAL);
    // A null member does not count as set.
    assert_eq!(
        read(json!({"S": "a", "N": null})),
        AttributeValue::S("a".into())
    );
    assert_eq!(
        validation(json!({"S": "a", "N": "b"})),
        "The parameter cannot be converted to a numeric value: b"
    );
    assert_eq!(
        validation(json!({"S": "", "N": ""})),
        "The parameter cannot be converted to a numeric value"
    );
}

// Number errors carry no "One or more parameter values were invalid" prefix.
#[test]
fn number_errors() {
    let cases = [
        (json!({"N": ""}), "The parameter cannot be converted to a numeric value"),
        (json!({"N": "b"}), "The parameter cannot be converted to a numeric value: b"),
        (json!({"N": " 1"}), "The parameter cannot be converted to a numeric value:  1"),
        (json!({"NS": ["1", ""]}), "The parameter cannot be converted to a numeric value"),
        (json!({"NS": ["1", "b"]}), "The parameter cannot be converted to a numeric value: b"),
        (json!({"N": "123456789012345678901234567890123456789"}), "Attempting to store more than 38 significant digits in a Number"),
        (json!({"N": "-1.23456789012345678901234567890123456789"}), "Attempting to store more than 38 significant digits in a Number"),
        (json!({"N": "1e126"}), "Number overflow. Attempting to store a number with magnitude larger than supported range"),
        (json!({"N": "-1e126"}), "Number overflow. Attempting to store a number with magnitude larger than supported range"),
        (json!({"N": "1e-131"}), "Number underflow. Attempting to store a number with magnitude smaller than supported range"),
        (json!({"N": "-1e-131"}), "Number underflow. Attempting to store a number with magnitude smaller than supported range"),
    ];
    for (v, message) in cases {
        assert_eq!(validation(v), message);
    }
}

// NULL must be true; the boolean strings Coral converts count ("no" is false).
#[test]
fn null_false() {
    let message =
        "One or more parameter values were invalid: Null attribute value types must have the value of true";
    assert_eq!(validation(json!({"NULL": false})), message);
    assert_eq!(validation(json!({"NULL": "no"})), message);
    assert_eq!(read(json!({"NULL": "TRUE"})), AttributeValue::Null);
    assert_eq!(read(json!({"BOOL": "yes"})), AttributeValue::Bool(true));
    assert_eq!(read(json!({"BOOL": "0"})), AttributeValue::Bool(false));
}

// Empty sets, each with DynamoDB's own wording (double spaces included).
#[test]
fn empty_sets() {
    assert_eq!(
        validation(json!({"SS": []})),
        "One or more parameter values were invalid: An string set  may not be empty"
    );
    assert_eq!(
        validation(json!({"NS": []})),
        "One or more parameter values were invalid: An number set  may not be empty"
    );
    assert_eq!(
        validation(json!({"BS": []})),
        "One or more parameter values were invalid: Binary sets should not be empty"
    );
}

// Duplicates: SS lists the input, NS has a bare message, BS lacks a space before "of type".
#[test]
fn duplicates_in_sets() {
    assert_eq!(
        validation(json!({"SS": ["a", "a"]})),
        "One or more parameter values were invalid: Input collection [a, a] contains duplicates."
    );
    assert_eq!(
        validation(json!({"SS": ["b", "a", "b"]})),
        "One or more parameter values were invalid: Input collection [b, a, b] contains duplicates."
    );
    assert_eq!(
        validation(json!({"NS": ["1", "1"]})),
        "Input collection contains duplicates"
    );
    // Numeric equality, not textual.
    assert_eq!(
        validation(json!({"NS": ["1", "1.0"]})),
        "Input collection contains duplicates"
    );
    assert_eq!(
        validation(json!({"BS": ["Yg==", "Yg=="]})),
        "One or more parameter values were invalid: Input collection [Yg==, Yg==]of type BS contains duplicates."
    );
}

// Invalid numbers in an NS are reported before duplicates.
#[test]
fn number_set_checks_numbers_before_duplicates() {
    assert_eq!(
        validation(json!({"NS": ["1", "1", "x"]})),
        "The parameter cannot be converted to a numeric value: x"
    );
}

// Wrong JSON types are SerializationExceptions with Coral's texts.
#[test]
fn wrong_json_types() {
    let cases = [
        (json!("x"), "Unexpected value type in payload"),
        (json!(1), "Unexpected value type in payload"),
        (json!(true), "Unexpected value type in payload"),
        (json!([]), "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue"),
        (json!({"S": 1}), "NUMBER_VALUE cannot be converted to String"),
        (json!({"S": 1.5}), "DECIMAL_VALUE cannot be converted to String"),
        (json!({"S": true}), "TRUE_VALUE cannot be converted to String"),
        (json!({"S": false}), "FALSE_VALUE cannot be converted to String"),
        (json!({"S": []}), "Unrecognized collection type class java.lang.String"),
        (json!({"S": {}}), "Start of structure or map found where not expected"),
        (json!({"N": 123}), "NUMBER_VALUE cannot be converted to String"),
        (json!({"B": 1}), "only base-64-encoded strings are convertible to bytes"),
        (json!({"B": true}), "only base-64-encoded strings are convertible to bytes"),
        (json!({"B": []}), "Unrecognized collection type class java.nio.ByteBuffer"),
        (json!({"B": {}}), "Start of structure or map found where not expected"),
        (json!({"BOOL": 1}), "NUMBER_VALUE cannot be converted to Boolean"),
        (json!({"BOOL": "maybe"}), "Unexpected token received from parser"),
        (json!({"BOOL": []}), "Unrecognized collection type class java.lang.Boolean"),
        (json!({"NULL": {}}), "Start of structure or map found where not expected"),
        (json!({"SS": "a"}), "Unexpected field type"),
        (json!({"SS": {}}), "Start of structure or map found where not expected"),
        (json!({"SS": [1]}), "NUMBER_VALUE cannot be converted to String"),
        (json!({"NS": [true]}), "TRUE_VALUE cannot be converted to String"),
        (json!({"BS": [1]}), "only base-64-encoded strings are convertible to bytes"),
        (json!({"L": "a"}), "Unexpected field type"),
        (json!({"L": {}}), "Start of structure or map found where not expected"),
        (json!({"L": ["a"]}), "Unexpected value type in payload"),
        (json!({"M": 1}), "Unexpected field type"),
        (json!({"M": []}), "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>"),
        (json!({"M": {"a": 1}}), "Unexpected value type in payload"),
    ];
    for (v, message) in cases {
        assert_eq!(serialization(v), message);
    }
}

// Serialization errors anywhere win over validation errors earlier in the document.
#[test]
fn serialization_before_validation() {
    assert_eq!(
        serialization(json!({"L": [{}, {"S": 1}]})),
        "NUMBER_VALUE cannot be converted to String"
    );
    let item = json!({"a": {"N": "bad"}, "b": {"S": 1}});
    let e = item_from_json(&item).err();
    assert_eq!(e.map(|e| e.kind), Some(ErrorKind::SerializationException));
}

// A map of attribute values that is not an object is a serialization error.
#[test]
fn item_wrong_json_types() {
    let message = |v: Value| check_item_types(&v).err().and_then(|e| e.message);
    assert_eq!(message(json!("x")), Some("Unexpected field type".into()));
    assert_eq!(
        message(json!([])),
        Some("Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>".into())
    );
    assert_eq!(
        message(json!({"a": "x"})),
        Some("Unexpected value type in payload".into())
    );
}

// Base64 is checked as DynamoDB does: length first, then canonical decoding.
#[test]
fn base64_errors() {
    assert_eq!(
        serialization(json!({"B": "abc"})),
        "Base64 encoded length is expected a multiple of 4 bytes but found: 3"
    );
    assert_eq!(
        serialization(json!({"BS": ["YQ==", "a"]})),
        "Base64 encoded length is expected a multiple of 4 bytes but found: 1"
    );
    // Non-zero bits after the last character, bad characters, stray padding.
    for bad in ["YR==", "!!!!", "====", "YQ=a", "Y Q="] {
        assert_eq!(
            serialization(json!({ "B": bad })),
            "Invalid last non-pad Base64 character dectected",
            "{bad}"
        );
    }
}

/// `wraps` maps around a leaf.
fn nested(wraps: usize, leaf: Value) -> Value {
    (0..wraps).fold(leaf, |v, _| json!({"M": {"n": v}}))
}

// 31 wraps (32 levels) are accepted; 32 are refused with DynamoDB's message.
#[test]
fn nesting_limit() {
    assert_eq!(MAX_NESTING, 32);
    read(nested(31, json!({"S": "leaf"})));
    assert_eq!(
        validation(nested(32, json!({"S": "leaf"}))),
        NESTING_EXCEEDED
    );
    let lists = (0..32).fold(json!({"N": "1"}), |v, _| json!({ "L": [v] }));
    assert_eq!(validation(lists), NESTING_EXCEEDED);
    let lists = (0..31).fold(json!({"N": "1"}), |v, _| json!({ "L": [v] }));
    read(lists);
}

// The first problem in document order wins between nesting and other validation errors.
#[test]
fn nesting_in_document_order() {
    assert_eq!(
        validation(nested(40, json!({"N": "abc"}))),
        NESTING_EXCEEDED
    );
    assert_eq!(
        validation(json!({"M": {"d": nested(40, json!({"S": "x"})), "bad": {"N": "abc"}}})),
        NESTING_EXCEEDED
    );
    assert_eq!(
        validation(json!({"M": {"bad": {"N": "abc"}, "d": nested(40, json!({"S": "x"}))}})),
        "The parameter cannot be converted to a numeric value: abc"
    );
}

// Values built in code far deeper than any parsed request are refused, not a stack overflow.
#[test]
fn absurd_depth_does_not_overflow_the_stack() {
    // Built by hand: `json!` would re-serialize (recursively) each interpolated value.
    let deep = (0..100_000).fold(json!({"S": "x"}), |v, _| {
        let mut m = serde_json::Map::new();
        m.insert("L".into(), Value::Array(vec![v]));
        Value::Object(m)
    });
    let result = value_from_json(&deep);
    assert!(result.is_err());
    // Dropping a 100k-deep serde_json Value recurses too; forget it to keep the test about us.
    std::mem::forget(deep);
}

// Within an item, validation runs attribute by attribute in document order.
#[test]
fn item_validation_in_document_order() {
    let first = |v: Value| item_from_json(&v).err().and_then(|e| e.message);
    assert_eq!(
        first(json!({"a": {"N": "x"}, "b": {}})),
        Some("The parameter cannot be converted to a numeric value: x".into())
    );
    assert_eq!(first(json!({"b": {}, "a": {"N": "x"}})), Some(EMPTY.into()));
}

/// xorshift64*: deterministic, dependency-free randomness.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// A random JSON value biased towards attribute-value shapes, valid or not.
fn random_json(rng: &mut Rng, depth: u32) -> Value {
    let tags = [
        "S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M", "X",
    ];
    let scalars = [
        json!("1"),
        json!(""),
        json!("YQ=="),
        json!("abc"),
        json!("1e200"),
        json!(true),
        json!(false),
        json!(1),
        json!(1.5),
        Value::Null,
    ];
    let pick = rng.below(if depth > 4 { 2 } else { 4 });
    match pick {
        0 => scalars[rng.below(scalars.len() as u64) as usize].clone(),
        1 => {
            let mut m = serde_json::Map::new();
            m.insert(
                tags[rng.below(tags.len() as u64) as usize].into(),
                scalars[rng.below(scalars.len() as u64) as usize].clone(),
            );
            Value::Object(m)
        }
        2 => Value::Array(
            (0..rng.below(3))
                .map(|_| random_json(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut m = serde_json::Map::new();
            for _ in 0..1 + rng.below(2) {
                let tag = tags[rng.below(tags.len() as u64) as usize];
                m.insert(tag.into(), random_json(rng, depth + 1));
            }
            Value::Object(m)
        }
    }
}

// Random shapes never panic, and whatever reads successfully writes back and reads the same.
#[test]
fn property_random_json_never_panics_and_round_trips() {
    let mut rng = Rng(11);
    for _ in 0..50_000 {
        let v = random_json(&mut rng, 0);
        if let Ok(value) = value_from_json(&v) {
            assert_eq!(value_from_json(&value_to_json(&value)), Ok(value));
        }
        let _ = item_from_json(&v);
    }
}
