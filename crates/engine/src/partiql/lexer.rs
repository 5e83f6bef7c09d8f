//! PartiQL tokens: identifiers (bare or "double-quoted"), 'single-quoted' strings, numbers,
//! `?` parameters and punctuation. Keywords are bare identifiers compared without case, as
//! PartiQL does; a "quoted" name is never a keyword.

use super::syntax_error;
use crate::error::Result;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A bare identifier or keyword, as written.
    Word(String),
    /// A "double-quoted" identifier, unescaped.
    Quoted(String),
    /// A 'single-quoted' string, unescaped.
    Str(String),
    /// A number literal's text (checked when it becomes a value).
    Num(String),
    Param,
    /// Punctuation and operators: `, . [ ] ( ) { } : << >> = <> != < <= > >= + - * ;`.
    Sym(&'static str),
}

const SYMBOLS: &[&str] = &[
    "<<", ">>", "<>", "!=", "<=", ">=", ",", ".", "[", "]", "(", ")", "{", "}", ":", "=", "<", ">",
    "+", "-", "*", "?", ";",
];

/// Splits a statement into tokens. Comments (`--` to end of line) are skipped.
pub fn lex(text: &str) -> Result<Vec<Tok>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            loop {
                if i + 1 >= chars.len() {
                    return Err(syntax_error("Unterminated comment"));
                }
                if chars[i] == '*' && chars[i + 1] == '/' {
                    i += 2;
                    break;
                }
                i += 1;
            }
            continue;
        }
        if c == '\'' || c == '"' {
            // A quote inside is written twice ('it''s'), as in SQL.
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(syntax_error("Unterminated string or quoted identifier")),
                    Some(&q) if q == c => {
                        if chars.get(i + 1) == Some(&c) {
                            s.push(c);
                            i += 2;
                        } else {
                            i += 1;
                            break;
                        }
                    }
                    Some(&other) => {
                        s.push(other);
                        i += 1;
                    }
                }
            }
            out.push(if c == '\'' {
                Tok::Str(s)
            } else {
                Tok::Quoted(s)
            });
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            out.push(Tok::Num(chars[start..i].iter().collect()));
            continue;
        }
        if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        match SYMBOLS.iter().find(|s| rest.starts_with(**s)) {
            Some(&"?") => {
                out.push(Tok::Param);
                i += 1;
            }
            Some(sym) => {
                out.push(Tok::Sym(sym));
                i += sym.chars().count();
            }
            None => return Err(syntax_error(&format!("Unexpected character: {c}"))),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Quotes are doubled to escape them, and `<<`/`>>` are single tokens (bags).
    #[test]
    fn strings_and_bags() {
        let toks = lex("'it''s' \"a\"\"b\" <<1.5e3>> ?").unwrap_or_default();
        assert_eq!(
            toks,
            vec![
                Tok::Str("it's".into()),
                Tok::Quoted("a\"b".into()),
                Tok::Sym("<<"),
                Tok::Num("1.5e3".into()),
                Tok::Sym(">>"),
                Tok::Param,
            ]
        );
    }

    // An unterminated string or block comment is a syntax error, not a panic; comments vanish.
    #[test]
    fn unterminated() {
        assert!(lex("SELECT * FROM 'abc").is_err());
        assert!(lex("SELECT * /* open").is_err());
        assert_eq!(lex("a/**/-- rest").ok(), Some(vec![Tok::Word("a".into())]));
    }
}
