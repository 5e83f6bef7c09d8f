//! GetItem: one item by its full primary key.
//!
//! Two readers share one answer. [`run`] reads any request from its `serde_json` tree with the
//! declared checks, in DynamoDB's order, and is the only one that answers an error. [`Plain`]
//! reads the request most calls send (`TableName`, `Key` of string, number or binary values,
//! optionally `ConsistentRead` and `ReturnConsumedCapacity`) straight from the body text,
//! borrowing from it: building the tree (an `IndexMap` per object, a hashed key per member) and
//! dropping it cost more than the rest of a GetItem. A request it cannot read, or that `run`
//! would refuse, is left to `run`, so both give the same answer to every request.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::shared;
use crate::capacity::{self, Detail};
use crate::error::{ApiError, Result};
use crate::expr::Projection;
use crate::request::{self, check, field, Field, Req, Rule, Ty};
use crate::table::PrimaryKey;
use crate::throughput::{Charge, Op};
use crate::value::size::item_size;
use crate::value::{wire, AttributeValue};
use crate::Engine;

const FIELDS: &[Field] = &[
    request::RETURN_CONSUMED_CAPACITY,
    field(
        "AttributesToGet",
        Ty::List(&Ty::String),
        &[Rule::MinLength(1), Rule::MaxLength(255)],
    ),
    request::TABLE_NAME,
    field("Key", Ty::AttributeMap, &[Rule::NotNull]),
    field("ConsistentRead", Ty::Boolean, &[]),
    field("ProjectionExpression", Ty::String, &[]),
    request::EXPRESSION_ATTRIBUTE_NAMES,
];

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<super::Output> {
    check(request, FIELDS)?;
    let req = Req(request);
    let mut exprs = shared::expressions(&req, &["ProjectionExpression"], &["AttributesToGet"])?;
    let key = shared::item(req.get("Key"))?;
    let attributes_to_get = shared::legacy_attributes_to_get(&req)?;
    shared::attribute_names_and_values(&req, &mut exprs)?;
    let projection = match req.str("ProjectionExpression") {
        Some(text) => Some(exprs.projection(text)?),
        None => attributes_to_get,
    };
    exprs.check_unused()?;

    let table_name = req.str("TableName").unwrap_or_default();
    let key = shared::table(engine, table_name)?.key_of_request(&key)?;
    answer(
        engine,
        table_name,
        &key,
        req.bool("ConsistentRead").unwrap_or(false),
        projection.as_ref(),
        Detail::parse(req.str("ReturnConsumedCapacity")),
    )
}

/// Answers a plain GetItem read by [`Plain::read`], or `None` when `run` must answer it: the
/// table is missing (or still being created) or the key does not fit its schema. Nothing has
/// changed when it returns `None`.
pub fn run_plain(engine: &mut Engine, plain: &Plain<'_>) -> Option<Result<super::Output>> {
    let key = {
        let table = shared::table(engine, plain.table_name).ok()?;
        let [(first_name, first), (second_name, second)] = &plain.key.attributes;
        let values = [
            first.as_ref().map(|v| (*first_name, v)),
            second.as_ref().map(|v| (*second_name, v)),
        ];
        table
            .key_of(plain.key.len, |name| {
                values
                    .iter()
                    .flatten()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| *v)
            })
            .ok()?
    };
    Some(answer(
        engine,
        plain.table_name,
        &key,
        plain.consistent_read.unwrap_or(false),
        None,
        plain.detail,
    ))
}

/// Reads the item and writes the answer; the part both readers share.
fn answer(
    engine: &mut Engine,
    table_name: &str,
    key: &PrimaryKey,
    consistent: bool,
    projection: Option<&Projection>,
    detail: Detail,
) -> Result<super::Output> {
    let table = engine
        .tables
        .get(table_name)
        .ok_or_else(ApiError::resource_not_found)?;
    let item = table.get(key);
    let size = item.map_or(0, item_size);
    let units = capacity::read_units(size, consistent);
    // Only when something reads the meters (throttling, or a host that shows them): otherwise
    // the charge (copies of the table's name, id and the key) is built for nobody.
    let charge = engine.meters_observed().then(|| {
        Charge::table(
            table,
            Op::Read,
            key.partition.hash,
            Some(key.clone()),
            units,
        )
    });

    // The answer is written as text directly (no `Value` copy of the item): GetItem is the
    // hottest read, and its item is most of its answer. The item's DynamoDB size is close to
    // the length of its text, so one allocation usually holds the whole answer. It is written
    // before `admit`, which needs the engine while `item` still borrows the table.
    let mut out = String::with_capacity(size + 160);
    out.push('{');
    let found = item.is_some();
    if let Some(item) = item {
        out.push_str("\"Item\":");
        match projection {
            Some(p) => wire::write_item_json(&p.apply(item), &mut out),
            None => wire::write_item_json(item, &mut out),
        }
    }
    if let Some(charge) = charge {
        shared::admit(engine, &charge)?;
    }
    if let Some(c) = capacity::consumed(detail, table_name, units) {
        if found {
            out.push(',');
        }
        out.push_str("\"ConsumedCapacity\":");
        out.push_str(&c.to_string());
    }
    out.push('}');
    Ok(super::Output::Text(out))
}

/// A GetItem request of the plain shape, borrowed from the body text. Reading fails (and `run`
/// reads the request instead) on any other member, a repeated member, a `null` where `run`
/// would refuse one, an escaped string (it cannot be borrowed), a key value other than one
/// `S`, `N` or `B` string, more than two key attributes, or a value `run` would refuse.
pub struct Plain<'a> {
    table_name: &'a str,
    key: PlainKey<'a>,
    consistent_read: Option<bool>,
    detail: Detail,
}

impl<'a> Plain<'a> {
    /// The request in `body`, if it is plain and passes every check `run` makes before it looks
    /// for the table.
    pub fn read(body: &'a str) -> Option<Plain<'a>> {
        let wire: PlainWire<'a> = serde_json::from_str(body).ok()?;
        // TABLE_NAME_RULES: 3 to 255 characters of [a-zA-Z0-9_.-] (all ASCII, so bytes are
        // characters). A name `run` would accept otherwise (a global table's scoped name) is
        // read by `run`.
        let name = wire.table_name.as_bytes();
        if !(3..=255).contains(&name.len())
            || !name
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        {
            return None;
        }
        let detail = match wire.return_consumed_capacity {
            None | Some("NONE") => Detail::None,
            Some("TOTAL") => Detail::Total,
            Some("INDEXES") => Detail::Indexes,
            Some(_) => return None,
        };
        Some(Plain {
            table_name: wire.table_name,
            key: wire.key,
            consistent_read: wire.consistent_read,
            detail,
        })
    }
}

/// The members as they appear in the text; `deny_unknown_fields` sends any other member to `run`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainWire<'a> {
    #[serde(rename = "TableName")]
    table_name: &'a str,
    #[serde(rename = "Key", borrow)]
    key: PlainKey<'a>,
    /// `null` reads as absent, as `run` reads it.
    #[serde(rename = "ConsistentRead", default)]
    consistent_read: Option<bool>,
    #[serde(rename = "ReturnConsumedCapacity", default, borrow)]
    return_consumed_capacity: Option<&'a str>,
}

/// `Key`: at most two attributes (a primary key has no more), each validated as `run`'s
/// `wire::item_from_json` validates it.
struct PlainKey<'a> {
    attributes: [(&'a str, Option<AttributeValue>); 2],
    len: usize,
}

impl<'de: 'a, 'a> Deserialize<'de> for PlainKey<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_map(KeyVisitor(std::marker::PhantomData))
    }
}

struct KeyVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for KeyVisitor<'a> {
    type Value = PlainKey<'a>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key of at most two attributes")
    }

    fn visit_map<M: MapAccess<'de>>(
        self,
        mut map: M,
    ) -> std::result::Result<Self::Value, M::Error> {
        let mut key = PlainKey {
            attributes: [("", None), ("", None)],
            len: 0,
        };
        while let Some(name) = map.next_key::<&'de str>()? {
            let value = map.next_value::<PlainScalar>()?.0;
            // A repeated name is one attribute in `run`'s reading (the last value wins).
            if key.attributes[..key.len].iter().any(|(n, _)| *n == name) {
                return Err(de::Error::custom("a repeated key attribute"));
            }
            let slot = key
                .attributes
                .get_mut(key.len)
                .ok_or_else(|| de::Error::custom("more than two key attributes"))?;
            *slot = (name, Some(value));
            key.len += 1;
        }
        Ok(key)
    }
}

/// One key value: `{"S": text}`, `{"N": text}` or `{"B": base64}`, validated.
struct PlainScalar(AttributeValue);

impl<'de> Deserialize<'de> for PlainScalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_map(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = PlainScalar;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("one S, N or B string")
    }

    fn visit_map<M: MapAccess<'de>>(
        self,
        mut map: M,
    ) -> std::result::Result<Self::Value, M::Error> {
        let tag = map
            .next_key::<&'de str>()?
            .ok_or_else(|| de::Error::custom("an empty attribute value"))?;
        let text = map.next_value::<&'de str>()?;
        if map.next_key::<IgnoredAny>()?.is_some() {
            return Err(de::Error::custom("more than one member"));
        }
        match wire::scalar_from_text(tag, text) {
            Some(Ok(value)) => Ok(PlainScalar(value)),
            _ => Err(de::Error::custom("not a valid key value")),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The plain reader against `run`: every request it answers must get `run`'s answer, and it
    //! must answer the plain shapes (else the fast path silently never runs).
    use super::*;
    use crate::{ManualClock, Response};

    fn engine() -> Engine {
        let mut engine = Engine::in_memory(Box::new(ManualClock::new(1_767_225_600_000)));
        let tables = [
            ("Pair", "pk", "S", Some(("sk", "S"))),
            ("Numbers", "n", "N", None),
            ("Blobs", "b", "B", Some(("s", "N"))),
        ];
        for (name, hash, hash_ty, range) in tables {
            let mut defs =
                vec![serde_json::json!({"AttributeName": hash, "AttributeType": hash_ty})];
            let mut schema = vec![serde_json::json!({"AttributeName": hash, "KeyType": "HASH"})];
            if let Some((r, ty)) = range {
                defs.push(serde_json::json!({"AttributeName": r, "AttributeType": ty}));
                schema.push(serde_json::json!({"AttributeName": r, "KeyType": "RANGE"}));
            }
            let create = serde_json::json!({"TableName": name, "AttributeDefinitions": defs,
                "KeySchema": schema, "BillingMode": "PAY_PER_REQUEST"});
            assert_eq!(
                engine.dispatch("CreateTable", &create.to_string()).status,
                200
            );
        }
        for item in [
            r#"{"TableName":"Pair","Item":{"pk":{"S":"a"},"sk":{"S":"b"},"n":{"N":"1.50"},"l":{"L":[{"S":"q\"x"}]}}}"#,
            r#"{"TableName":"Pair","Item":{"pk":{"S":"a\u00e9"},"sk":{"S":"c"}}}"#,
            r#"{"TableName":"Numbers","Item":{"n":{"N":"10"},"v":{"BOOL":true}}}"#,
            r#"{"TableName":"Blobs","Item":{"b":{"B":"AAEC"},"s":{"N":"-3"},"x":{"NULL":true}}}"#,
        ] {
            let put = engine.dispatch("PutItem", item);
            assert_eq!(put.status, 200, "{}", put.body);
        }
        engine
    }

    fn text(result: Result<super::super::Output>) -> Response {
        match result {
            Ok(super::super::Output::Text(body)) => Response { status: 200, body },
            Ok(super::super::Output::Json(value)) => Response {
                status: 200,
                body: value.to_string(),
            },
            Err(e) => Response {
                status: e.status(),
                body: e.to_json().to_string(),
            },
        }
    }

    #[test]
    fn the_plain_reader_answers_as_run_does() {
        // (request, whether the plain reader answers it)
        let cases = [
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":"a"},"sk":{"S":"b"}}}"#,
                true,
            ),
            (
                r#"{"Key":{"sk":{"S":"b"},"pk":{"S":"a"}},"TableName":"Pair"}"#,
                true,
            ),
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":"a"},"sk":{"S":"zz"}}}"#,
                true,
            ),
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":"a"},"sk":{"S":"b"}},"ConsistentRead":true,"ReturnConsumedCapacity":"TOTAL"}"#,
                true,
            ),
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":"a"},"sk":{"S":"nope"}},"ReturnConsumedCapacity":"INDEXES"}"#,
                true,
            ),
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":"a"},"sk":{"S":"b"}},"ConsistentRead":null,"ReturnConsumedCapacity":null}"#,
                true,
            ),
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":"a"},"sk":{"S":"b"}},"ReturnConsumedCapacity":"NONE","ConsistentRead":false}"#,
                true,
            ),
            (r#"{"TableName":"Numbers","Key":{"n":{"N":"1E1"}}}"#, true),
            (
                r#"{"TableName":"Numbers","Key":{"n":{"N":"010.00"}},"ReturnConsumedCapacity":"TOTAL"}"#,
                true,
            ),
            (
                r#"{"TableName":"Blobs","Key":{"b":{"B":"AAEC"},"s":{"N":"-3"}}}"#,
                true,
            ),
            // Left to `run`: its answers are errors, or need what the plain reader skips.
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":"a\u00e9"},"sk":{"S":"c"}}}"#,
                false,
            ),
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":"a"},"sk":{"S":"b"}},"ConsistentRead":"true"}"#,
                false,
            ),
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":"a"},"sk":{"S":"b"}},"ReturnConsumedCapacity":"ALL"}"#,
                false,
            ),
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":"a"},"sk":{"S":"b"}},"ProjectionExpression":"n"}"#,
                false,
            ),
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":"a"},"sk":{"S":"b"}},"Other":1}"#,
                false,
            ),
            (
                r#"{"TableName":"Pair","TableName":"Pair","Key":{"pk":{"S":"a"},"sk":{"S":"b"}}}"#,
                false,
            ),
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":"a"},"pk":{"S":"b"}}}"#,
                false,
            ),
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":"a"},"sk":{"S":"b"},"x":{"S":"c"}}}"#,
                false,
            ),
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":"a"},"sk":{"N":"1"}}}"#,
                false,
            ),
            (r#"{"TableName":"Pair","Key":{"pk":{"S":"a"}}}"#, false),
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":""},"sk":{"S":"b"}}}"#,
                false,
            ),
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":"a","N":"1"},"sk":{"S":"b"}}}"#,
                false,
            ),
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":"a"},"sk":{"S":null}}}"#,
                false,
            ),
            (
                r#"{"TableName":"Pair","Key":{"pk":{"SS":["a"]},"sk":{"S":"b"}}}"#,
                false,
            ),
            (r#"{"TableName":"Pair","Key":{}}"#, false),
            (r#"{"TableName":"Pair","Key":null}"#, false),
            (r#"{"TableName":"Pair"}"#, false),
            (r#"{"TableName":"Missing","Key":{"pk":{"S":"a"}}}"#, false),
            (r#"{"TableName":"ab","Key":{"pk":{"S":"a"}}}"#, false),
            (r#"{"TableName":"Pa ir","Key":{"pk":{"S":"a"}}}"#, false),
            (r#"{"TableName":null,"Key":{"pk":{"S":"a"}}}"#, false),
            (r#"{"TableName":7,"Key":{"pk":{"S":"a"}}}"#, false),
            (r#"{"TableName":"Numbers","Key":{"n":{"N":"abc"}}}"#, false),
            (
                r#"{"TableName":"Numbers","Key":{"n":{"N":"1e126"}}}"#,
                false,
            ),
            (
                r#"{"TableName":"Blobs","Key":{"b":{"B":"AAE"},"s":{"N":"-3"}}}"#,
                false,
            ),
            (
                r#"{"TableName":"Blobs","Key":{"b":{"B":"AA=C"},"s":{"N":"-3"}}}"#,
                false,
            ),
            (
                r#"{"TableName":"Blobs","Key":{"b":{"B":""},"s":{"N":"-3"}}}"#,
                false,
            ),
            (
                r#"{"TableName":"Pair","Key":{"pk":{"S":"a"},"sk":{"S":"b"}}} x"#,
                false,
            ),
            (r#"[]"#, false),
            ("", false),
        ];
        let mut engine = engine();
        for (request, plain) in cases {
            let general =
                text(crate::request::parse_body(request).and_then(|map| run(&mut engine, &map)));
            let answered = Plain::read(request)
                .and_then(|p| run_plain(&mut engine, &p))
                .map(text);
            assert_eq!(answered.is_some(), plain, "{request}");
            if let Some(answer) = answered {
                assert_eq!(answer, general, "{request}");
            }
        }
    }

    #[test]
    fn dispatch_takes_the_plain_reader_and_falls_back_unchanged() {
        let mut engine = engine();
        let found = engine.dispatch(
            "GetItem",
            r#"{"TableName":"Pair","Key":{"pk":{"S":"a"},"sk":{"S":"b"}},"ReturnConsumedCapacity":"TOTAL"}"#,
        );
        assert_eq!(found.status, 200);
        let found: Value = serde_json::from_str(&found.body).expect("JSON");
        assert_eq!(found["Item"]["l"]["L"][0]["S"], "q\"x");
        assert_eq!(found["ConsumedCapacity"]["CapacityUnits"], 0.5);
        let missing = engine.dispatch(
            "GetItem",
            r#"{"TableName":"Missing","Key":{"pk":{"S":"a"}}}"#,
        );
        assert_eq!(missing.status, 400);
        assert!(
            missing.body.contains("ResourceNotFoundException"),
            "{}",
            missing.body
        );
    }
}
