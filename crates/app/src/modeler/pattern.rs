//! Key patterns: text with `<name>` placeholders, such as `ORDER#<orderDate>#<orderId>`. A pattern
//! without placeholders is a constant (`PROFILE`), as single-table designs use for one-per-partition
//! items.

/// One piece of a pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Literal(String),
    Placeholder(String),
}

/// Splits a pattern into literal text and placeholders. A `<` without its `>` is literal text.
pub fn parse(pattern: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        match rest.find('<').and_then(|open| {
            rest[open + 1..]
                .find('>')
                .map(|close| (open, open + 1 + close))
        }) {
            Some((open, close)) => {
                if open > 0 {
                    parts.push(Part::Literal(rest[..open].to_string()));
                }
                parts.push(Part::Placeholder(rest[open + 1..close].to_string()));
                rest = &rest[close + 1..];
            }
            None => {
                parts.push(Part::Literal(rest.to_string()));
                rest = "";
            }
        }
    }
    parts
}

/// The placeholders of a pattern, in order, each once.
pub fn placeholders(pattern: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for part in parse(pattern) {
        if let Part::Placeholder(name) = part {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// Fills every placeholder from `lookup`; the first missing one is the error.
pub fn fill(pattern: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    for part in parse(pattern) {
        match part {
            Part::Literal(text) => out.push_str(&text),
            Part::Placeholder(name) => match lookup(&name) {
                Some(value) => out.push_str(&value),
                None => return Err(format!("No value for <{name}> in {pattern}.")),
            },
        }
    }
    Ok(out)
}

/// Fills placeholders until the first one `lookup` has no value for, and stops there: the prefix a
/// `begins_with` condition uses (`ORDER#<date>` with no date → `ORDER#`).
pub fn prefix(pattern: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    for part in parse(pattern) {
        match part {
            Part::Literal(text) => out.push_str(&text),
            Part::Placeholder(name) => match lookup(&name) {
                Some(value) => out.push_str(&value),
                None => break,
            },
        }
    }
    out
}

/// Whether `value` has the pattern's shape: literals in place, each placeholder at least one
/// character. A placeholder matches as little as it can, so `A#<x>#<y>` reads `A#1#2#3` as x = 1.
pub fn matches(pattern: &str, value: &str) -> bool {
    fn go(parts: &[Part], value: &str) -> bool {
        match parts.split_first() {
            None => value.is_empty(),
            Some((Part::Literal(text), rest)) => value
                .strip_prefix(text.as_str())
                .is_some_and(|after| go(rest, after)),
            Some((Part::Placeholder(_), rest)) => {
                // Try every split point; patterns and key values are short.
                value
                    .char_indices()
                    .skip(1)
                    .map(|(i, _)| i)
                    .chain(std::iter::once(value.len()))
                    .filter(|&i| i > 0)
                    .any(|i| go(rest, &value[i..]))
            }
        }
    }
    go(&parse(pattern), value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn parses_literals_and_placeholders() {
        assert_eq!(
            parse("ORDER#<date>#<id>"),
            vec![
                Part::Literal("ORDER#".into()),
                Part::Placeholder("date".into()),
                Part::Literal("#".into()),
                Part::Placeholder("id".into()),
            ]
        );
        assert_eq!(parse("PROFILE"), vec![Part::Literal("PROFILE".into())]);
        assert_eq!(parse("a<b"), vec![Part::Literal("a<b".into())]);
        assert_eq!(placeholders("<a>#<b>#<a>"), vec!["a", "b"]);
    }

    #[test]
    fn fills_from_values_and_names_the_missing_one() {
        let values = [("orderDate", "2024-01-05"), ("orderId", "o1")];
        assert_eq!(
            fill("ORDER#<orderDate>#<orderId>", from(&values)).as_deref(),
            Ok("ORDER#2024-01-05#o1")
        );
        assert_eq!(
            fill("USER#<userId>", from(&values)),
            Err("No value for <userId> in USER#<userId>.".to_string())
        );
        assert_eq!(fill("PROFILE", from(&[])).as_deref(), Ok("PROFILE"));
    }

    #[test]
    fn prefix_stops_at_the_first_unknown_placeholder() {
        let values = [("orderDate", "2024-01")];
        assert_eq!(
            prefix("ORDER#<orderDate>#<orderId>", from(&values)),
            "ORDER#2024-01#"
        );
        assert_eq!(prefix("ORDER#<orderDate>", from(&[])), "ORDER#");
    }

    #[test]
    fn matches_values_of_the_pattern_shape() {
        assert!(matches("USER#<id>", "USER#u1"));
        assert!(!matches("USER#<id>", "USER#"));
        assert!(!matches("USER#<id>", "ORDER#1"));
        assert!(matches("ORDER#<d>#<id>", "ORDER#2024-01-05#o1"));
        assert!(!matches("ORDER#<d>#<id>", "ORDER#2024"));
        assert!(matches("PROFILE", "PROFILE"));
        assert!(!matches("PROFILE", "PROFILE2"));
        assert!(matches("<x>", "anything"));
        assert!(matches("é<x>ü", "éñü"));
    }
}
