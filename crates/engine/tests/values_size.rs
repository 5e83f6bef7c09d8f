//! Item and value sizes by DynamoDB's rules, including numbers measured byte-exact against the
//! 400 KB limit of real DynamoDB (the figures other emulators captured).

use dynaplay_engine::value::size::{
    item_size, number_size, number_value_size, value_size, MAX_ITEM_SIZE,
};
use dynaplay_engine::value::wire::item_from_json;
use dynaplay_engine::value::{AttributeValue, Item, Number};
use serde_json::json;

fn num(text: &str) -> Number {
    Number::parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"))
}

fn item(v: serde_json::Value) -> Item {
    item_from_json(&v).unwrap_or_else(|e| panic!("{e}"))
}

// The limit is 400 KB, and an item of exactly that size is accepted.
#[test]
fn max_item_size() {
    assert_eq!(MAX_ITEM_SIZE, 409_600);
}

// Number costs measured against real DynamoDB at the 400 KB gate (eu-west-2, 2026).
#[test]
fn captured_number_sizes() {
    let captured = [
        ("0", 1),
        ("1", 2),
        ("12", 2),
        ("123", 3),
        ("1234", 3),
        ("12345678901234567890123456789012345678", 20),
        ("0042", 2),
        ("100", 2),
        ("1010", 3),
        ("0.0000001", 2),
        ("1E125", 2),
        ("1E-100", 2),
        ("1.5", 3),
        ("15", 2),
        ("1.2", 3),
        ("1.200", 3),
        ("1.234", 4),
        ("3.14159", 5),
        ("123456", 4),
        ("100.5", 4),
        ("0.15", 2),
        ("-42", 3),
        ("-0", 1),
    ];
    for (text, bytes) in captured {
        assert_eq!(number_value_size(&num(text)), bytes, "{text}");
        assert_eq!(value_size(&AttributeValue::N(num(text))), bytes, "{text}");
    }
}

// Digits straddling a base-100 pair boundary cost a byte more (dynalite's formula agrees).
#[test]
fn number_pairs_align_on_the_decimal_point() {
    assert_eq!(number_value_size(&num("12000")), 3);
    assert_eq!(number_value_size(&num("1200")), 2);
    assert_eq!(number_value_size(&num("0.012")), 3);
    assert_eq!(number_value_size(&num("0.12")), 2);
    assert_eq!(
        number_value_size(&num("-9.9999999999999999999999999999999999999E+125")),
        21
    );
}

// The documented estimate: 1 byte per two significant digits, rounded up, plus 1.
#[test]
fn documented_number_estimate() {
    assert_eq!(number_size(1), 2);
    assert_eq!(number_size(2), 2);
    assert_eq!(number_size(3), 3);
    assert_eq!(number_size(38), 20);
}

// Strings count UTF-8 bytes; binaries count raw bytes, not base64 characters.
#[test]
fn strings_and_binaries() {
    assert_eq!(value_size(&AttributeValue::S("héllo".into())), 6);
    assert_eq!(value_size(&AttributeValue::S("😀".into())), 4);
    assert_eq!(value_size(&AttributeValue::B(vec![0; 3])), 3);
    assert_eq!(value_size(&AttributeValue::S(String::new())), 0);
}

// Booleans and nulls cost one byte.
#[test]
fn booleans_and_nulls() {
    assert_eq!(value_size(&AttributeValue::Bool(true)), 1);
    assert_eq!(value_size(&AttributeValue::Null), 1);
}

// Lists and maps: 3 bytes of overhead, 1 per element, map keys counted.
#[test]
fn lists_and_maps() {
    assert_eq!(value_size(&AttributeValue::L(vec![])), 3);
    assert_eq!(value_size(&AttributeValue::M(Item::new())), 3);
    let i = item(json!({
        "l": {"L": [{"S": "ab"}, {"N": "1"}]},
        "m": {"M": {"key": {"S": "abc"}, "b": {"BOOL": true}}}
    }));
    // l: 1 + (3 + (1 + 2) + (1 + 2)) = 10; m: 1 + (3 + (1 + 3 + 3) + (1 + 1 + 1)) = 14.
    assert_eq!(item_size(&i), 24);
}

// Sets sum their members, with no per-element overhead.
#[test]
fn sets() {
    let i = item(json!({
        "ss": {"SS": ["a", "bc"]},
        "ns": {"NS": ["1", "-1.5"]},
        "bs": {"BS": ["AAA=", "AA=="]}
    }));
    // ss: 2 + 3; ns: 2 + (2 + 2) = 2 + 6; bs: 2 + (2 + 1).
    assert_eq!(item_size(&i), 5 + 8 + 5);
}

// Attribute names count in UTF-8, as in the developer guide's examples.
#[test]
fn attribute_names_count() {
    let i = item(json!({"shirtColor": {"S": "R"}, "shirtSize": {"S": "M"}}));
    // The guide's example: 10 + 1 + 9 + 1 = 21 bytes.
    assert_eq!(item_size(&i), 21);
    let i = item(json!({"ñ": {"NULL": true}}));
    assert_eq!(item_size(&i), 3);
}
