//! Pretty-printing JSON for reading DynamoDB answers: one entry per line like `serde_json`'s pretty
//! form, except that small values stay on one line, so `{ "S": "Call Me Today" }` reads as one value.

use serde_json::Value;

/// Lines are kept to about this width when a value is put on one line.
const WIDTH: usize = 80;
/// A value is put on one line only when it nests at most this deep (`{ "SS": ["a"] }` is 2).
const INLINE_DEPTH: usize = 2;

/// The JSON text re-indented for reading; text that is not JSON comes back unchanged.
pub fn pretty_text(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => pretty(&value),
        Err(_) => text.to_string(),
    }
}

pub fn pretty(value: &Value) -> String {
    let mut out = String::new();
    write(value, 0, 0, &mut out);
    out
}

fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn one_line(value: &Value) -> String {
    match value {
        Value::Array(items) if !items.is_empty() => {
            let parts: Vec<String> = items.iter().map(one_line).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) if !map.is_empty() => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", Value::from(k.as_str()), one_line(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

/// Writes `value` whose first line already holds `used` characters, at `indent` levels.
fn write(value: &Value, indent: usize, used: usize, out: &mut String) {
    let inline = one_line(value);
    if depth(value) <= INLINE_DEPTH && used + inline.len() <= WIDTH {
        out.push_str(&inline);
        return;
    }
    let pad = "  ".repeat(indent + 1);
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad);
                write(item, indent + 1, pad.len(), out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
        }
        Value::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            for (i, (key, item)) in map.iter().enumerate() {
                let key = format!("{pad}{}: ", Value::from(key.as_str()));
                out.push_str(&key);
                write(item, indent + 1, key.len(), out);
                out.push_str(if i + 1 < map.len() { ",\n" } else { "\n" });
            }
        }
        // Scalars and empty containers have only one form, however long.
        _ => {
            out.push_str(&inline);
            return;
        }
    }
    out.push_str(&"  ".repeat(indent));
    out.push(if value.is_array() { ']' } else { '}' });
}

#[cfg(test)]
mod tests {
    use super::*;

    // The point of this printer: attribute values stay whole, larger structures open up.
    #[test]
    fn attribute_values_stay_on_one_line() {
        let text = r#"{"Item":{"Artist":{"S":"No One You Know"},"SongTitle":{"S":"Call Me Today"},"Awards":{"N":"1"},"Tags":{"SS":["a","b"]}}}"#;
        assert_eq!(
            pretty_text(text),
            r#"{
  "Item": {
    "Artist": { "S": "No One You Know" },
    "SongTitle": { "S": "Call Me Today" },
    "Awards": { "N": "1" },
    "Tags": { "SS": ["a", "b"] }
  }
}"#
        );
    }

    // Whatever the layout, the text must still be the same JSON.
    #[test]
    fn output_parses_back_to_the_same_value() {
        let text = r#"{"TableDescription":{"KeySchema":[{"AttributeName":"Artist","KeyType":"HASH"},{"AttributeName":"SongTitle","KeyType":"RANGE"}],"ItemCount":0,"Deep":{"M":{"a":{"L":[{"M":{"b":{"S":"c"}}}]}}},"Empty":{},"None":[],"Escaped":"a \"quoted\" \\ line\n"}}"#;
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&pretty(&value)).unwrap(),
            value
        );
    }

    // A string longer than a line, or an empty list deep inside, is written whole (and never panics).
    #[test]
    fn long_scalars_and_empty_containers_are_written_whole() {
        let long = "x".repeat(200);
        let value =
            serde_json::json!({ "a": { "b": { "c": { "S": long.clone() }, "d": [], "e": {} } } });
        let text = pretty(&value);
        assert!(text.contains(&format!("\"S\": \"{long}\"")), "{text}");
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
    }

    // An error body or a typo is shown as it is rather than hidden.
    #[test]
    fn text_that_is_not_json_is_unchanged() {
        assert_eq!(pretty_text("{ \"Limit\": "), "{ \"Limit\": ");
        assert_eq!(pretty_text("{}"), "{}");
    }
}
