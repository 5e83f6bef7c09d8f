//! Items in the two notations the item editor offers: DynamoDB JSON (`{"Artist": {"S": "Acme"}}`, what
//! the API sends) and plain JSON (`{"Artist": "Acme"}`, what the SDKs' marshallers take), plus the
//! byte-by-byte size of an item against DynamoDB's 400 KB limit, by the engine's own rules.

use dynaplay_engine::value::size::{value_size, MAX_ITEM_SIZE};
use dynaplay_engine::value::wire::value_from_json;
use serde_json::{Map, Value};

/// Plain JSON → DynamoDB JSON: strings S, numbers N, booleans BOOL, null NULL, arrays L, objects M.
pub fn marshall(plain: &Value) -> Value {
    let typed = match plain {
        Value::String(s) => ("S", Value::from(s.as_str())),
        Value::Number(n) => ("N", Value::from(n.to_string())),
        Value::Bool(b) => ("BOOL", Value::from(*b)),
        Value::Null => ("NULL", Value::from(true)),
        Value::Array(items) => ("L", Value::Array(items.iter().map(marshall).collect())),
        Value::Object(map) => ("M", Value::Object(marshall_map(map))),
    };
    let mut out = Map::new();
    out.insert(typed.0.to_string(), typed.1);
    Value::Object(out)
}

pub fn marshall_map(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter().map(|(k, v)| (k.clone(), marshall(v))).collect()
}

/// DynamoDB JSON → plain JSON. Returns the plain value and whether anything was lost on the way: sets
/// become arrays, binaries their base64 text, and numbers JSON cannot hold exactly stay as text.
pub fn unmarshall(typed: &Value) -> (Value, bool) {
    let Some((tag, inner)) = typed.as_object().and_then(|m| m.iter().next()) else {
        return (typed.clone(), true);
    };
    match (tag.as_str(), inner) {
        ("S", v) => (v.clone(), false),
        ("N", Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Number(n)) if n.to_string() == text.as_str() => (Value::Number(n), false),
            _ => (Value::from(text.as_str()), true),
        },
        ("BOOL", v) => (v.clone(), false),
        ("NULL", _) => (Value::Null, false),
        ("L", Value::Array(items)) => {
            let mut lossy = false;
            let out = items
                .iter()
                .map(|i| {
                    let (v, l) = unmarshall(i);
                    lossy |= l;
                    v
                })
                .collect();
            (Value::Array(out), lossy)
        }
        ("M", Value::Object(map)) => {
            let (out, lossy) = unmarshall_map(map);
            (Value::Object(out), lossy)
        }
        (_, v) => (v.clone(), true),
    }
}

pub fn unmarshall_map(map: &Map<String, Value>) -> (Map<String, Value>, bool) {
    let mut lossy = false;
    let out = map
        .iter()
        .map(|(k, v)| {
            let (v, l) = unmarshall(v);
            lossy |= l;
            (k.clone(), v)
        })
        .collect();
    (out, lossy)
}

/// The attribute type of a DynamoDB JSON value (`S`, `N`, `M`, ...), for the grid's type badges.
pub fn type_of(typed: &Value) -> &str {
    typed
        .as_object()
        .and_then(|m| m.keys().next())
        .map(String::as_str)
        .unwrap_or("?")
}

/// A short text for a grid cell.
pub fn cell_text(typed: &Value) -> String {
    let (plain, _) = unmarshall(typed);
    let text = match (&plain, typed.as_object().and_then(|m| m.values().next())) {
        (Value::String(s), _) => s.clone(),
        (_, Some(inner)) if matches!(type_of(typed), "SS" | "NS" | "BS" | "B") => inner.to_string(),
        _ => plain.to_string(),
    };
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// One attribute's share of an item's size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeSize {
    pub name: String,
    pub type_name: String,
    pub name_bytes: usize,
    pub value_bytes: usize,
}

/// An item's size, attribute by attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeBreakdown {
    pub attributes: Vec<AttributeSize>,
    pub total: usize,
    pub limit: usize,
}

/// The size breakdown of an item in DynamoDB JSON, or the engine's reason it is not a valid item.
pub fn size_breakdown(item: &Map<String, Value>) -> Result<SizeBreakdown, String> {
    let mut attributes = Vec::with_capacity(item.len());
    for (name, typed) in item {
        let value = value_from_json(typed)
            .map_err(|e| format!("{name}: {}", e.message.as_deref().unwrap_or(e.kind.name())))?;
        attributes.push(AttributeSize {
            name: name.clone(),
            type_name: type_of(typed).to_string(),
            name_bytes: name.len(),
            value_bytes: value_size(&value),
        });
    }
    let total = attributes
        .iter()
        .map(|a| a.name_bytes + a.value_bytes)
        .sum();
    Ok(SizeBreakdown {
        attributes,
        total,
        limit: MAX_ITEM_SIZE,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn marshall_and_back() {
        let plain = json!({"name": "Ann", "age": 42, "vip": true, "none": null, "tags": ["a", 1], "addr": {"zip": "123"}});
        let typed = marshall(&plain);
        assert_eq!(typed["M"]["tags"], json!({"L": [{"S": "a"}, {"N": "1"}]}));
        assert_eq!(typed["M"]["none"], json!({"NULL": true}));
        assert_eq!(unmarshall(&typed), (plain, false));
    }

    // Sets and binaries have no plain-JSON form: the editor warns before it would drop the type.
    #[test]
    fn sets_are_lossy() {
        assert_eq!(
            unmarshall(&json!({"SS": ["a", "b"]})),
            (json!(["a", "b"]), true)
        );
        assert_eq!(
            unmarshall(&json!({"N": "12345678901234567890123"})),
            (json!("12345678901234567890123"), true)
        );
    }

    // The breakdown adds up to the engine's item size: names, plus values by DynamoDB's rules.
    #[test]
    fn size_breakdown_by_attribute() {
        let item =
            json!({"pk": {"S": "abc"}, "n": {"N": "1.5"}, "m": {"M": {"a": {"BOOL": true}}}});
        let breakdown = size_breakdown(item.as_object().unwrap()).unwrap();
        let sizes: Vec<(usize, usize)> = breakdown
            .attributes
            .iter()
            .map(|a| (a.name_bytes, a.value_bytes))
            .collect();
        // m: 3 bytes of map overhead + 1 per element + "a" + 1 for the boolean.
        assert_eq!(sizes, vec![(2, 3), (1, 3), (1, 6)]);
        assert_eq!(breakdown.total, 16);
        assert_eq!(breakdown.limit, 409_600);
    }

    #[test]
    fn an_invalid_value_is_reported_by_name() {
        let item = json!({"n": {"N": "abc"}});
        let err = size_breakdown(item.as_object().unwrap()).unwrap_err();
        assert!(err.starts_with("n: "), "{err}");
    }

    #[test]
    fn cells() {
        assert_eq!(cell_text(&json!({"S": "x"})), "x");
        assert_eq!(cell_text(&json!({"N": "7"})), "7");
        assert_eq!(cell_text(&json!({"SS": ["a"]})), "[\"a\"]");
        assert_eq!(type_of(&json!({"BOOL": true})), "BOOL");
    }
}
