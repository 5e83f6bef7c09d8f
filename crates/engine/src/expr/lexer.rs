//! Tokenizer shared by all expression grammars. It never fails: a character no grammar accepts
//! becomes an `Unknown` token, so the parser reports it as DynamoDB does ("Syntax error; token").

/// What a token is. Keywords are not distinguished here: they are identifiers the parser
/// recognises case-insensitively, because the same word may be a keyword in one grammar
/// (`SET` in an update) and an ordinary (if reserved) name in another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// `[A-Za-z_][A-Za-z0-9_]*`
    Ident(String),
    /// `#` followed by `[A-Za-z0-9_]+`, kept with its `#`.
    NamePlaceholder(String),
    /// `:` followed by `[A-Za-z0-9_]+`, kept with its `:`.
    ValuePlaceholder(String),
    /// A run of digits (list indexes).
    Digits(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    /// Any other character (a lone `#` or `:` included).
    Unknown(char),
    Eof,
}

/// A token and the byte range of the source it came from (for the "near" part of messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// The token as DynamoDB quotes it in a syntax error.
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        if self.kind == TokenKind::Eof {
            "<EOF>"
        } else {
            source.get(self.start..self.end).unwrap_or("")
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `source[start..end]` without a way to panic (the offsets come from `char_indices`, so they
/// are boundaries, but the lexer must not rely on that to stay panic-free).
fn slice(source: &str, start: usize, end: usize) -> String {
    source.get(start..end).unwrap_or_default().to_string()
}

/// Splits `source` into tokens; the last one is always `Eof`.
pub fn tokenize(source: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = source.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            continue;
        }
        // Consumes the rest of a word after its first character, returning its end offset.
        let word_end = |chars: &mut std::iter::Peekable<std::str::CharIndices>| {
            let mut end = start + c.len_utf8();
            while let Some(&(i, next)) = chars.peek() {
                if !is_word_char(next) {
                    break;
                }
                end = i + next.len_utf8();
                chars.next();
            }
            end
        };
        let kind = match c {
            'a'..='z' | 'A'..='Z' | '_' => {
                let end = word_end(&mut chars);
                tokens.push(Token {
                    kind: TokenKind::Ident(slice(source, start, end)),
                    start,
                    end,
                });
                continue;
            }
            '0'..='9' => {
                let mut end = start + 1;
                while let Some(&(i, next)) = chars.peek() {
                    if !next.is_ascii_digit() {
                        break;
                    }
                    end = i + 1;
                    chars.next();
                }
                tokens.push(Token {
                    kind: TokenKind::Digits(slice(source, start, end)),
                    start,
                    end,
                });
                continue;
            }
            '#' | ':' if chars.peek().is_some_and(|&(_, n)| is_word_char(n)) => {
                let end = word_end(&mut chars);
                let text = slice(source, start, end);
                let kind = if c == '#' {
                    TokenKind::NamePlaceholder(text)
                } else {
                    TokenKind::ValuePlaceholder(text)
                };
                tokens.push(Token { kind, start, end });
                continue;
            }
            '(' => TokenKind::LParen,
            ')' => TokenKind::RParen,
            '[' => TokenKind::LBracket,
            ']' => TokenKind::RBracket,
            ',' => TokenKind::Comma,
            '.' => TokenKind::Dot,
            '=' => TokenKind::Eq,
            '+' => TokenKind::Plus,
            '-' => TokenKind::Minus,
            '<' | '>' => {
                let next = chars.peek().map(|&(_, n)| n);
                let (kind, two) = match (c, next) {
                    ('<', Some('>')) => (TokenKind::Ne, true),
                    ('<', Some('=')) => (TokenKind::Le, true),
                    ('>', Some('=')) => (TokenKind::Ge, true),
                    ('<', _) => (TokenKind::Lt, false),
                    _ => (TokenKind::Gt, false),
                };
                if two {
                    chars.next();
                }
                tokens.push(Token {
                    kind,
                    start,
                    end: start + if two { 2 } else { 1 },
                });
                continue;
            }
            other => TokenKind::Unknown(other),
        };
        tokens.push(Token {
            kind,
            start,
            end: start + c.len_utf8(),
        });
    }
    tokens.push(Token {
        kind: TokenKind::Eof,
        start: source.len(),
        end: source.len(),
    });
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<TokenKind> {
        tokenize(s).into_iter().map(|t| t.kind).collect()
    }

    // Two-character comparators must not be split into two tokens.
    #[test]
    fn comparators() {
        use TokenKind::*;
        assert_eq!(
            kinds("<><=>=<>= < >"),
            vec![Ne, Le, Ge, Ne, Eq, Lt, Gt, Eof]
        );
    }

    // Placeholders keep their sigil; a lone sigil is an unknown character for the parser to reject.
    #[test]
    fn placeholders_and_lone_sigils() {
        use TokenKind::*;
        assert_eq!(
            kinds("#a1 :v_2 # :"),
            vec![
                NamePlaceholder("#a1".into()),
                ValuePlaceholder(":v_2".into()),
                Unknown('#'),
                Unknown(':'),
                Eof
            ]
        );
    }

    // Non-ASCII input must produce tokens with valid char boundaries, never a panic.
    #[test]
    fn non_ascii_is_unknown() {
        let toks = tokenize("aé b");
        assert_eq!(toks[0].kind, TokenKind::Ident("a".into()));
        assert_eq!(toks[1].kind, TokenKind::Unknown('é'));
        assert_eq!(toks[1].text("aé b"), "é");
    }

    // Digits end at the first non-digit, so `0a` is two tokens and a syntax error later.
    #[test]
    fn digits_and_words() {
        use TokenKind::*;
        assert_eq!(
            kinds("a[10]x_1"),
            vec![
                Ident("a".into()),
                LBracket,
                Digits("10".into()),
                RBracket,
                Ident("x_1".into()),
                Eof
            ]
        );
    }
}
