//! Recursive-descent parsers for condition, update and projection expressions. They check
//! syntax only; names, values, functions and types are checked by `resolve`.
//!
//! Condition precedence (AWS docs, highest first): comparators, IN, BETWEEN, functions,
//! parentheses, NOT, AND, OR. Comparisons, IN and BETWEEN take operands, not conditions, so
//! they bind tighter than the logical operators by construction.

use super::ast::{
    Call, Comparator, ConditionAst, Operand, Path, PathElement, ProjectionAst, SetValue, UpdateAst,
    UpdateClause,
};
use super::lexer::{tokenize, Token, TokenKind};

/// Deepest nesting (parentheses, NOT, function arguments) accepted. Keeps recursion far from
/// the stack limit (wasm's is small) whatever the input; real expressions never come close.
pub const MAX_DEPTH: usize = 100;

/// Most operators and functions DynamoDB accepts in one expression.
pub const MAX_OPERATORS: usize = 300;
/// Most elements (names and list indexes) in one document path: DynamoDB supports 32 levels of
/// nesting. The message ("...; nesting levels: 33") is DynamoDB Local's `DOC_PATH_TOO_DEEP`
/// with the count other emulators report; no capture from the service was found.
pub const MAX_PATH_DEPTH: usize = 32;

/// Why an expression did not parse, worded as DynamoDB words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyntaxError {
    /// The offending token and the text around it.
    Syntax { token: String, near: String },
    /// More than [`MAX_OPERATORS`] comparators, functions and arithmetic operators.
    TooManyOperators(usize),
    /// A document path of more than [`MAX_PATH_DEPTH`] elements.
    PathTooDeep(usize),
}

impl SyntaxError {
    pub fn message(&self) -> String {
        match self {
            SyntaxError::Syntax { token, near } => {
                format!("Syntax error; token: \"{token}\", near: \"{near}\"")
            }
            SyntaxError::TooManyOperators(count) => {
                format!("The expression contains too many operators; operator count: {count}")
            }
            SyntaxError::PathTooDeep(levels) => {
                format!("The document path has too many nesting levels; nesting levels: {levels}")
            }
        }
    }
}

type PResult<T> = Result<T, SyntaxError>;

pub struct Parser<'a> {
    source: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    operators: usize,
}

impl<'a> Parser<'a> {
    pub fn new(source: &'a str) -> Self {
        Parser {
            source,
            tokens: tokenize(source),
            pos: 0,
            operators: 0,
        }
    }

    fn peek(&self) -> &TokenKind {
        self.peek_at(0)
    }

    fn peek_at(&self, ahead: usize) -> &TokenKind {
        // The token list always ends with Eof; past the end we keep answering Eof.
        self.tokens
            .get(self.pos + ahead)
            .or_else(|| self.tokens.last())
            .map(|t| &t.kind)
            .unwrap_or(&TokenKind::Eof)
    }

    fn advance(&mut self) {
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
    }

    /// The one place syntax errors are made: the current token, and as "near" the source from
    /// the previous token to the next one (what DynamoDB shows).
    fn error(&self) -> SyntaxError {
        let current = self.tokens.get(self.pos);
        let token = current.map(|t| t.text(self.source)).unwrap_or("<EOF>");
        let start = self
            .pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .or(current)
            .map(|t| t.start)
            .unwrap_or(0);
        let end = match self.tokens.get(self.pos + 1) {
            Some(next) if next.kind != TokenKind::Eof => next.end,
            _ => self.source.len(),
        };
        let near = self.source.get(start..end).unwrap_or("").trim_end();
        SyntaxError::Syntax {
            token: token.to_string(),
            near: near.to_string(),
        }
    }

    fn is_keyword(&self, word: &str) -> bool {
        matches!(self.peek(), TokenKind::Ident(w) if w.eq_ignore_ascii_case(word))
    }

    fn expect(&mut self, kind: TokenKind) -> PResult<()> {
        if *self.peek() == kind {
            self.advance();
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn expect_keyword(&mut self, word: &str) -> PResult<()> {
        if self.is_keyword(word) {
            self.advance();
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn expect_end(&self) -> PResult<()> {
        if *self.peek() == TokenKind::Eof {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    /// Counts one operator or function against DynamoDB's limit.
    fn count_operator(&mut self) -> PResult<()> {
        self.operators += 1;
        if self.operators > MAX_OPERATORS {
            Err(SyntaxError::TooManyOperators(self.operators))
        } else {
            Ok(())
        }
    }

    fn check_depth(&self, depth: usize) -> PResult<()> {
        if depth > MAX_DEPTH {
            Err(self.error())
        } else {
            Ok(())
        }
    }

    // ---- conditions ----

    pub fn parse_condition_expression(mut self) -> PResult<ConditionAst> {
        let condition = self.parse_or(0)?;
        self.expect_end()?;
        Ok(condition)
    }

    fn parse_or(&mut self, depth: usize) -> PResult<ConditionAst> {
        let mut left = self.parse_and(depth)?;
        while self.is_keyword("OR") {
            self.advance();
            let right = self.parse_and(depth)?;
            left = ConditionAst::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self, depth: usize) -> PResult<ConditionAst> {
        let mut left = self.parse_not(depth)?;
        while self.is_keyword("AND") {
            self.advance();
            let right = self.parse_not(depth)?;
            left = ConditionAst::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_not(&mut self, depth: usize) -> PResult<ConditionAst> {
        self.check_depth(depth)?;
        if self.is_keyword("NOT") {
            self.advance();
            let inner = self.parse_not(depth + 1)?;
            return Ok(ConditionAst::Not(Box::new(inner)));
        }
        self.parse_primary(depth)
    }

    fn parse_primary(&mut self, depth: usize) -> PResult<ConditionAst> {
        if *self.peek() == TokenKind::LParen {
            self.advance();
            let inner = self.parse_or(depth + 1)?;
            self.expect(TokenKind::RParen)?;
            return Ok(ConditionAst::Paren(Box::new(inner)));
        }
        self.parse_predicate(depth)
    }

    fn parse_comparator(&self) -> Option<Comparator> {
        Some(match self.peek() {
            TokenKind::Eq => Comparator::Eq,
            TokenKind::Ne => Comparator::Ne,
            TokenKind::Lt => Comparator::Lt,
            TokenKind::Le => Comparator::Le,
            TokenKind::Gt => Comparator::Gt,
            TokenKind::Ge => Comparator::Ge,
            _ => return None,
        })
    }

    fn parse_predicate(&mut self, depth: usize) -> PResult<ConditionAst> {
        let left = self.parse_operand(depth)?;
        if let Some(op) = self.parse_comparator() {
            self.count_operator()?;
            self.advance();
            let right = self.parse_operand(depth)?;
            return Ok(ConditionAst::Compare(left, op, right));
        }
        if self.is_keyword("BETWEEN") {
            self.count_operator()?;
            self.advance();
            let low = self.parse_operand(depth)?;
            self.expect_keyword("AND")?;
            let high = self.parse_operand(depth)?;
            return Ok(ConditionAst::Between(left, low, high));
        }
        if self.is_keyword("IN") {
            self.count_operator()?;
            self.advance();
            self.expect(TokenKind::LParen)?;
            let list = self.parse_operand_list(depth)?;
            self.expect(TokenKind::RParen)?;
            return Ok(ConditionAst::In(left, list));
        }
        match left {
            Operand::Call(call) => Ok(ConditionAst::Call(call)),
            _ => Err(self.error()),
        }
    }

    fn parse_operand_list(&mut self, depth: usize) -> PResult<Vec<Operand>> {
        let mut list = vec![self.parse_operand(depth)?];
        while *self.peek() == TokenKind::Comma {
            self.advance();
            list.push(self.parse_operand(depth)?);
        }
        Ok(list)
    }

    /// A path, a `:value`, or a function call.
    fn parse_operand(&mut self, depth: usize) -> PResult<Operand> {
        match self.peek().clone() {
            TokenKind::ValuePlaceholder(v) => {
                self.advance();
                Ok(Operand::Value(v))
            }
            TokenKind::Ident(name) if *self.peek_at(1) == TokenKind::LParen => {
                self.check_depth(depth + 1)?;
                self.count_operator()?;
                self.advance();
                self.advance();
                let args = self.parse_operand_list(depth + 1)?;
                self.expect(TokenKind::RParen)?;
                Ok(Operand::Call(Call { name, args }))
            }
            _ => Ok(Operand::Path(self.parse_path()?)),
        }
    }

    /// `name` or `#name`, then any number of `.name`, `.#name`, `[digits]`.
    pub fn parse_path(&mut self) -> PResult<Path> {
        let mut elements = vec![self.parse_path_name()?];
        loop {
            match self.peek() {
                TokenKind::Dot => {
                    self.advance();
                    elements.push(self.parse_path_name()?);
                }
                TokenKind::LBracket => {
                    self.advance();
                    let index = match self.peek() {
                        TokenKind::Digits(d) => d.parse::<usize>().map_err(|_| self.error())?,
                        _ => return Err(self.error()),
                    };
                    self.advance();
                    self.expect(TokenKind::RBracket)?;
                    elements.push(PathElement::Index(index));
                }
                _ if elements.len() > MAX_PATH_DEPTH => {
                    return Err(SyntaxError::PathTooDeep(elements.len()))
                }
                _ => return Ok(Path { elements }),
            }
        }
    }

    fn parse_path_name(&mut self) -> PResult<PathElement> {
        let element = match self.peek() {
            TokenKind::Ident(n) => PathElement::Name(n.clone()),
            TokenKind::NamePlaceholder(n) => PathElement::Placeholder(n.clone()),
            _ => return Err(self.error()),
        };
        self.advance();
        Ok(element)
    }

    // ---- projections ----

    pub fn parse_projection_expression(mut self) -> PResult<ProjectionAst> {
        let mut paths = vec![self.parse_path()?];
        while *self.peek() == TokenKind::Comma {
            self.advance();
            paths.push(self.parse_path()?);
        }
        self.expect_end()?;
        Ok(ProjectionAst { paths })
    }

    // ---- updates ----

    pub fn parse_update_expression(mut self) -> PResult<UpdateAst> {
        let mut clauses = vec![self.parse_update_clause()?];
        while *self.peek() != TokenKind::Eof {
            clauses.push(self.parse_update_clause()?);
        }
        Ok(UpdateAst { clauses })
    }

    fn parse_update_clause(&mut self) -> PResult<UpdateClause> {
        let keyword = match self.peek() {
            TokenKind::Ident(w) => w.to_ascii_uppercase(),
            _ => return Err(self.error()),
        };
        let clause = match keyword.as_str() {
            "SET" => {
                self.advance();
                UpdateClause::Set(self.parse_comma_list(Self::parse_set_action)?)
            }
            "REMOVE" => {
                self.advance();
                UpdateClause::Remove(self.parse_comma_list(Self::parse_path)?)
            }
            "ADD" => {
                self.advance();
                UpdateClause::Add(self.parse_comma_list(Self::parse_path_and_value)?)
            }
            "DELETE" => {
                self.advance();
                UpdateClause::Delete(self.parse_comma_list(Self::parse_path_and_value)?)
            }
            _ => return Err(self.error()),
        };
        Ok(clause)
    }

    fn parse_comma_list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> PResult<T>,
    ) -> PResult<Vec<T>> {
        let mut items = vec![item(self)?];
        while *self.peek() == TokenKind::Comma {
            self.advance();
            items.push(item(self)?);
        }
        Ok(items)
    }

    fn parse_set_action(&mut self) -> PResult<(Path, SetValue)> {
        let path = self.parse_path()?;
        self.expect(TokenKind::Eq)?;
        let left = self.parse_operand(0)?;
        let value = match self.peek() {
            TokenKind::Plus => {
                self.count_operator()?;
                self.advance();
                SetValue::Plus(left, self.parse_operand(0)?)
            }
            TokenKind::Minus => {
                self.count_operator()?;
                self.advance();
                SetValue::Minus(left, self.parse_operand(0)?)
            }
            _ => SetValue::Operand(left),
        };
        Ok((path, value))
    }

    fn parse_path_and_value(&mut self) -> PResult<(Path, String)> {
        let path = self.parse_path()?;
        match self.peek().clone() {
            TokenKind::ValuePlaceholder(v) => {
                self.advance();
                Ok((path, v))
            }
            _ => Err(self.error()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(s: &str) -> PResult<ConditionAst> {
        Parser::new(s).parse_condition_expression()
    }

    fn update(s: &str) -> PResult<UpdateAst> {
        Parser::new(s).parse_update_expression()
    }

    fn err(r: PResult<impl std::fmt::Debug>) -> String {
        match r {
            Err(e) => e.message(),
            Ok(v) => format!("parsed: {v:?}"),
        }
    }

    // AND binds tighter than OR, as the AWS precedence table says.
    #[test]
    fn and_binds_tighter_than_or() {
        let c = cond("a = :a OR b = :b AND c = :c").unwrap_or_else(|e| panic!("{e:?}"));
        assert!(matches!(c, ConditionAst::Or(_, ref r) if matches!(**r, ConditionAst::And(..))));
    }

    // NOT applies to the nearest condition, not to the whole AND.
    #[test]
    fn not_binds_tighter_than_and() {
        let c = cond("NOT a = :a AND b = :b").unwrap_or_else(|e| panic!("{e:?}"));
        assert!(matches!(c, ConditionAst::And(ref l, _) if matches!(**l, ConditionAst::Not(_))));
    }

    // Keywords are case-insensitive.
    #[test]
    fn keywords_any_case() {
        assert!(cond("a between :a aNd :b or NOT b In (:c)").is_ok());
    }

    // The four real-DynamoDB messages seen in the wild: token, then text from previous to next token.
    #[test]
    fn syntax_error_token_and_near() {
        assert_eq!(err(cond("a-b")), r#"Syntax error; token: "-", near: "a-b""#);
        assert_eq!(
            err(update("hits : incr")),
            r#"Syntax error; token: "hits", near: "hits :""#
        );
        assert_eq!(
            err(update("SET hits : incr")),
            r#"Syntax error; token: ":", near: "hits : incr""#
        );
        assert_eq!(
            err(update("INVALID SYNTAX HERE")),
            r#"Syntax error; token: "INVALID", near: "INVALID SYNTAX""#
        );
        assert_eq!(err(cond("()")), r#"Syntax error; token: ")", near: "()""#);
        assert_eq!(
            err(Parser::new("!!").parse_projection_expression()),
            r#"Syntax error; token: "!", near: "!!""#
        );
    }

    // Running out of input reports <EOF>.
    #[test]
    fn syntax_error_at_end() {
        assert_eq!(
            err(cond("a =")),
            r#"Syntax error; token: "<EOF>", near: "=""#
        );
    }

    // A bare path is not a condition.
    #[test]
    fn bare_path_is_not_a_condition() {
        assert_eq!(err(cond("a")), r#"Syntax error; token: "<EOF>", near: "a""#);
    }

    // Deep nesting must give an error rather than overflow the stack.
    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{}a = :a{}", "(".repeat(5000), ")".repeat(5000));
        assert!(cond(&deep).is_err());
        let nots = format!("{}a = :a", "NOT ".repeat(5000));
        assert!(cond(&nots).is_err());
        let calls = format!("{}a{}", "size(".repeat(5000), ")".repeat(5000));
        assert!(cond(&format!("{calls} = :a")).is_err());
        let ok = format!("{}a = :a{}", "(".repeat(50), ")".repeat(50));
        assert!(cond(&ok).is_ok());
    }

    // The 301st operator or function is rejected with DynamoDB's count message.
    #[test]
    fn operator_limit() {
        let within = vec!["a = :a"; 300].join(" AND ");
        assert!(cond(&within).is_ok());
        let beyond = vec!["a = :a"; 301].join(" AND ");
        assert_eq!(
            err(cond(&beyond)),
            "The expression contains too many operators; operator count: 301"
        );
    }

    // A list index too big for usize is a syntax error, not a panic.
    #[test]
    fn huge_index() {
        assert!(cond("a[99999999999999999999999999] = :a").is_err());
    }

    // Clauses may come in any order and keywords in any case.
    #[test]
    fn update_clauses_any_order() {
        let u = update("remove a, b[1] set c = d + :n add e :v delete f :s")
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(u.clauses.len(), 4);
    }

    // ADD needs a value placeholder, not a path.
    #[test]
    fn add_needs_value() {
        assert!(update("ADD a b").is_err());
    }

    // Display reproduces text that parses to the same tree.
    #[test]
    fn display_round_trips() {
        for text in [
            "a = :a",
            "#n.b[2].c <> :v AND (NOT attribute_exists(x) OR size(y) > :s)",
            "a BETWEEN :lo AND :hi OR b IN (:x, :y, :z)",
            "NOT NOT (a < :a)",
            "((a <= :a))",
            "begins_with(a, :p) AND contains(#s, :e) AND attribute_type(q, :t)",
        ] {
            let ast = cond(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            let again = cond(&ast.to_string()).unwrap_or_else(|e| panic!("{ast}: {e:?}"));
            assert_eq!(ast, again, "{text}");
        }
        for text in [
            "SET a = :a, b = b + :n, c = list_append(c, :l) REMOVE d[1], e.f ADD g :g DELETE h :h",
            "set x = if_not_exists(x, :z) - :one",
        ] {
            let ast = update(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert_eq!(update(&ast.to_string()), Ok(ast), "{text}");
        }
        let p = Parser::new("a, b.c[1], #d").parse_projection_expression();
        let p = p.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(p.to_string(), "a, b.c[1], #d");
    }
}
