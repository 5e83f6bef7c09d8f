//! Recursive descent over PartiQL tokens, with a nesting limit so that no statement can
//! exhaust the stack. Errors are DynamoDB's "Statement wasn't well formed" family.

use super::ast::{Assignment, Expr, Returning, Seg, Statement};
use super::lexer::{lex, Tok};
use super::{syntax_error, validation};
use crate::error::Result;
use crate::expr::ast::Comparator;
use crate::value::{AttributeValue, Number};

/// How deeply expressions may nest (parentheses, lists, maps, NOT chains).
pub const MAX_DEPTH: usize = 64;

/// A statement and how many `?` it holds.
pub struct Parsed {
    pub statement: Statement,
    pub parameters: usize,
}

pub fn parse(text: &str) -> Result<Parsed> {
    let tokens = lex(text)?;
    let mut p = Parser {
        toks: tokens,
        pos: 0,
        params: 0,
        depth: 0,
    };
    let statement = p.statement()?;
    // One trailing `;` is allowed, as DynamoDB does.
    p.eat_sym(";");
    if p.pos < p.toks.len() {
        return Err(syntax_error("Unexpected token after expression"));
    }
    Ok(Parsed {
        statement,
        parameters: p.params,
    })
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    params: usize,
    depth: usize,
}

/// Words that PartiQL reserves; one where a name or value belongs is "Unexpected keyword".
const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "INSERT",
    "INTO",
    "VALUE",
    "VALUES",
    "UPDATE",
    "SET",
    "REMOVE",
    "DELETE",
    "AND",
    "OR",
    "NOT",
    "BETWEEN",
    "IN",
    "IS",
    "ORDER",
    "BY",
    "RETURNING",
    "EXISTS",
    "ASC",
    "DESC",
    "LIMIT",
    "AS",
    "AT",
];

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn word_is(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn eat_word(&mut self, kw: &str) -> bool {
        if self.word_is(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, kw: &str) -> Result<()> {
        if self.eat_word(kw) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn sym_is(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(x)) if *x == s)
    }

    fn eat_sym(&mut self, s: &str) -> bool {
        if self.sym_is(s) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_sym(&mut self, s: &str) -> Result<()> {
        if self.eat_sym(s) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// The error for the token at the cursor, in DynamoDB's words.
    fn unexpected(&self) -> crate::error::ApiError {
        match self.peek() {
            None => syntax_error("Unexpected end of statement"),
            Some(Tok::Word(w)) if is_keyword(w) => syntax_error("Unexpected keyword"),
            Some(_) => syntax_error("Unexpected term"),
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(syntax_error("Expression nesting is too deep"));
        }
        Ok(())
    }

    fn statement(&mut self) -> Result<Statement> {
        if self.eat_word("SELECT") {
            return self.select();
        }
        if self.eat_word("INSERT") {
            return self.insert();
        }
        if self.eat_word("UPDATE") {
            return self.update();
        }
        if self.eat_word("DELETE") {
            return self.delete();
        }
        if self.eat_word("EXISTS") {
            self.expect_sym("(")?;
            self.expect_word("SELECT")?;
            let inner = self.select()?;
            self.expect_sym(")")?;
            return Ok(Statement::Exists(Box::new(inner)));
        }
        Err(syntax_error("Expected data manipulation"))
    }

    /// A table or attribute name: bare or "quoted".
    fn name(&mut self) -> Result<String> {
        match self.peek().cloned() {
            Some(Tok::Quoted(s)) => {
                self.pos += 1;
                Ok(s)
            }
            Some(Tok::Word(w)) if !is_keyword(&w) => {
                self.pos += 1;
                Ok(w)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn select(&mut self) -> Result<Statement> {
        let projection = if self.eat_sym("*") {
            if self.sym_is(",") {
                return Err(validation(
                    "Other attributes should not be present in the projection when '*' is used.",
                ));
            }
            None
        } else {
            let mut paths = vec![self.path()?];
            while self.eat_sym(",") {
                if self.sym_is("*") {
                    return Err(validation(
                        "Other attributes should not be present in the projection when '*' is used.",
                    ));
                }
                paths.push(self.path()?);
            }
            Some(paths)
        };
        self.expect_word("FROM")?;
        let table = self.name()?;
        let index = if self.eat_sym(".") {
            Some(self.name()?)
        } else {
            None
        };
        if self.sym_is(".") {
            return Err(validation(
                "A path may contain at most 2 components in the FROM clause",
            ));
        }
        let filter = if self.eat_word("WHERE") {
            Some(self.expr()?)
        } else {
            None
        };
        let mut descending = false;
        let mut order_by = None;
        if self.eat_word("ORDER") {
            self.expect_word("BY")?;
            order_by = Some(self.path()?);
            if self.eat_word("DESC") {
                descending = true;
            } else {
                self.eat_word("ASC");
            }
        }
        Ok(Statement::Select {
            projection,
            table,
            index,
            filter,
            order_by,
            descending,
        })
    }

    fn insert(&mut self) -> Result<Statement> {
        self.expect_word("INTO")?;
        let table = self.name()?;
        if self.word_is("VALUES") {
            return Err(validation(
                "Unsupported operation: Inserting multiple items in a single statement is not supported, use \"INSERT INTO tableName VALUE item\" instead",
            ));
        }
        self.expect_word("VALUE")?;
        let item = self.operand()?;
        Ok(Statement::Insert { table, item })
    }

    fn update(&mut self) -> Result<Statement> {
        let table = self.name()?;
        let mut assignments = Vec::new();
        loop {
            if self.eat_word("SET") {
                loop {
                    let path = self.path()?;
                    self.expect_sym("=")?;
                    let value = self.additive()?;
                    assignments.push(Assignment::Set(path, value));
                    if !self.eat_sym(",") {
                        break;
                    }
                }
            } else if self.eat_word("REMOVE") {
                loop {
                    assignments.push(Assignment::Remove(self.path()?));
                    if !self.eat_sym(",") {
                        break;
                    }
                }
            } else {
                break;
            }
        }
        if assignments.is_empty() {
            return Err(self.unexpected());
        }
        let filter = if self.eat_word("WHERE") {
            Some(self.expr()?)
        } else {
            None
        };
        let returning = self.returning()?;
        Ok(Statement::Update {
            table,
            assignments,
            filter,
            returning,
        })
    }

    fn delete(&mut self) -> Result<Statement> {
        self.expect_word("FROM")?;
        let table = self.name()?;
        let filter = if self.eat_word("WHERE") {
            Some(self.expr()?)
        } else {
            None
        };
        let returning = self.returning()?;
        Ok(Statement::Delete {
            table,
            filter,
            returning,
        })
    }

    fn returning(&mut self) -> Result<Option<Returning>> {
        if !self.eat_word("RETURNING") {
            return Ok(None);
        }
        let all = if self.eat_word("ALL") {
            true
        } else {
            self.expect_word("MODIFIED")?;
            false
        };
        let old = if self.eat_word("OLD") {
            true
        } else {
            self.expect_word("NEW")?;
            false
        };
        if !self.eat_sym("*") {
            return Err(validation(
                "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause",
            ));
        }
        Ok(Some(match (all, old) {
            (true, true) => Returning::AllOld,
            (false, true) => Returning::ModifiedOld,
            (true, false) => Returning::AllNew,
            (false, false) => Returning::ModifiedNew,
        }))
    }

    fn path(&mut self) -> Result<Vec<Seg>> {
        let mut segs = vec![Seg::Name(self.name()?)];
        loop {
            if self.eat_sym(".") {
                segs.push(Seg::Name(self.name()?));
            } else if self.eat_sym("[") {
                // `[-0]` is index 0; any other negative index is out of range.
                let negative = self.eat_sym("-");
                match self.peek().cloned() {
                    Some(Tok::Num(n)) if negative && n.chars().all(|c| c.is_ascii_digit()) => {
                        self.pos += 1;
                        if n.chars().any(|c| c != '0') {
                            return Err(validation(format!(
                                "List index is not within the allowable range; index: [-{n}]"
                            )));
                        }
                        segs.push(Seg::Index(0));
                    }
                    Some(Tok::Num(n)) if n.chars().all(|c| c.is_ascii_digit()) => {
                        self.pos += 1;
                        let ix = n.parse::<u64>().map_err(|_| {
                            validation(format!(
                                "List index is not within the allowable range; index: [{n}]"
                            ))
                        })?;
                        segs.push(Seg::Index(ix));
                    }
                    _ => return Err(self.unexpected()),
                }
                self.expect_sym("]")?;
            } else {
                return Ok(segs);
            }
        }
    }

    fn expr(&mut self) -> Result<Expr> {
        self.enter()?;
        let mut left = self.and_expr()?;
        while self.eat_word("OR") {
            let right = self.and_expr()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr> {
        let mut left = self.not_expr()?;
        while self.eat_word("AND") {
            let right = self.not_expr()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not_expr(&mut self) -> Result<Expr> {
        if self.eat_word("NOT") {
            self.enter()?;
            let inner = self.not_expr()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Expr> {
        let left = self.additive()?;
        let cmp = match self.peek() {
            Some(Tok::Sym("=")) => Some(Comparator::Eq),
            Some(Tok::Sym("<>")) | Some(Tok::Sym("!=")) => Some(Comparator::Ne),
            Some(Tok::Sym("<")) => Some(Comparator::Lt),
            Some(Tok::Sym("<=")) => Some(Comparator::Le),
            Some(Tok::Sym(">")) => Some(Comparator::Gt),
            Some(Tok::Sym(">=")) => Some(Comparator::Ge),
            _ => None,
        };
        if let Some(op) = cmp {
            self.pos += 1;
            let right = self.additive()?;
            return Ok(Expr::Cmp(Box::new(left), op, Box::new(right)));
        }
        let negated = self.word_is("NOT")
            && matches!(self.toks.get(self.pos + 1), Some(Tok::Word(w)) if w.eq_ignore_ascii_case("BETWEEN") || w.eq_ignore_ascii_case("IN"));
        if negated {
            self.pos += 1;
        }
        let wrap = |e: Expr| {
            if negated {
                Expr::Not(Box::new(e))
            } else {
                e
            }
        };
        if self.eat_word("BETWEEN") {
            let low = self.additive()?;
            self.expect_word("AND")?;
            let high = self.additive()?;
            return Ok(wrap(Expr::Between(
                Box::new(left),
                Box::new(low),
                Box::new(high),
            )));
        }
        if self.eat_word("IN") {
            let close = if self.eat_sym("[") {
                "]"
            } else {
                self.expect_sym("(")?;
                ")"
            };
            let mut items = Vec::new();
            if !self.sym_is(close) {
                loop {
                    items.push(self.additive()?);
                    if !self.eat_sym(",") {
                        break;
                    }
                }
            }
            self.expect_sym(close)?;
            return Ok(wrap(Expr::In(Box::new(left), items)));
        }
        if self.eat_word("IS") {
            let not = self.eat_word("NOT");
            let ty = match self.peek().cloned() {
                Some(Tok::Word(w)) => {
                    self.pos += 1;
                    w.to_ascii_uppercase()
                }
                _ => return Err(self.unexpected()),
            };
            return Ok(Expr::Is(Box::new(left), ty, not));
        }
        Ok(left)
    }

    fn additive(&mut self) -> Result<Expr> {
        let mut left = self.operand()?;
        loop {
            if self.eat_sym("+") {
                let right = self.operand()?;
                left = Expr::Plus(Box::new(left), Box::new(right));
            } else if self.sym_is("-") {
                self.pos += 1;
                let right = self.operand()?;
                left = Expr::Minus(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn operand(&mut self) -> Result<Expr> {
        self.enter()?;
        let e = self.operand_inner()?;
        self.depth -= 1;
        Ok(e)
    }

    fn operand_inner(&mut self) -> Result<Expr> {
        let Some(tok) = self.peek().cloned() else {
            return Err(self.unexpected());
        };
        match tok {
            Tok::Param => {
                self.pos += 1;
                self.params += 1;
                Ok(Expr::Param(self.params - 1))
            }
            Tok::Str(s) => {
                self.pos += 1;
                Ok(Expr::Value(AttributeValue::S(s)))
            }
            Tok::Num(n) => {
                self.pos += 1;
                number(&n)
            }
            Tok::Sym("-") if matches!(self.toks.get(self.pos + 1), Some(Tok::Num(_))) => {
                self.pos += 1;
                let Some(Tok::Num(n)) = self.peek().cloned() else {
                    return Err(self.unexpected());
                };
                self.pos += 1;
                number(&format!("-{n}"))
            }
            Tok::Sym("(") => {
                self.pos += 1;
                let e = self.expr()?;
                self.expect_sym(")")?;
                Ok(e)
            }
            Tok::Sym("[") => {
                self.pos += 1;
                let items = self.items("]")?;
                Ok(Expr::List(items))
            }
            Tok::Sym("<<") => {
                self.pos += 1;
                let items = self.items(">>")?;
                Ok(Expr::Bag(items))
            }
            Tok::Sym("{") => {
                self.pos += 1;
                let mut fields = Vec::new();
                if !self.eat_sym("}") {
                    loop {
                        let key = match self.peek().cloned() {
                            Some(Tok::Str(k)) => {
                                self.pos += 1;
                                k
                            }
                            _ => return Err(self.unexpected()),
                        };
                        self.expect_sym(":")?;
                        let value = self.operand()?;
                        fields.push((key, value));
                        if !self.eat_sym(",") {
                            break;
                        }
                    }
                    self.expect_sym("}")?;
                }
                Ok(Expr::Tuple(fields))
            }
            Tok::Word(w) => {
                let upper = w.to_ascii_uppercase();
                match upper.as_str() {
                    "TRUE" | "FALSE" => {
                        self.pos += 1;
                        Ok(Expr::Value(AttributeValue::Bool(upper == "TRUE")))
                    }
                    "NULL" => {
                        self.pos += 1;
                        Ok(Expr::Value(AttributeValue::Null))
                    }
                    "MISSING" => {
                        self.pos += 1;
                        Ok(Expr::Missing)
                    }
                    _ if matches!(self.toks.get(self.pos + 1), Some(Tok::Sym("("))) => {
                        self.pos += 2;
                        let args = self.items(")")?;
                        Ok(Expr::Call(w.to_ascii_lowercase(), args))
                    }
                    _ => Ok(Expr::Path(self.path()?)),
                }
            }
            Tok::Quoted(_) => Ok(Expr::Path(self.path()?)),
            Tok::Sym(_) => Err(self.unexpected()),
        }
    }

    /// Comma-separated operands up to `close`.
    fn items(&mut self, close: &str) -> Result<Vec<Expr>> {
        let mut items = Vec::new();
        if self.eat_sym(close) {
            return Ok(items);
        }
        loop {
            items.push(self.additive()?);
            if !self.eat_sym(",") {
                break;
            }
        }
        self.expect_sym(close)?;
        Ok(items)
    }
}

fn is_keyword(w: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(w))
}

fn number(text: &str) -> Result<Expr> {
    Number::parse(text)
        .map(|n| Expr::Value(AttributeValue::N(n)))
        .map_err(|e| validation(e.message_for(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parses(text: &str) -> bool {
        parse(text).is_ok()
    }

    // The four statement kinds and EXISTS parse; anything else is "Expected data manipulation".
    #[test]
    fn statement_kinds() {
        assert!(parses(
            r#"SELECT a, b.c[1] FROM "T" WHERE pk = ? AND sk BETWEEN 1 AND 5"#
        ));
        assert!(parses(
            r#"SELECT * FROM "T"."I" WHERE a IN ['x', 'y'] OR NOT b IS MISSING"#
        ));
        assert!(parses(
            r#"INSERT INTO "T" VALUE {'pk': 'a', 'l': [1, -2.5, TRUE, NULL], 's': <<'x'>>}"#
        ));
        assert!(parses(
            r#"UPDATE "T" SET a = a + 1, l = list_append(l, [1]) REMOVE c WHERE pk = 'a' RETURNING ALL NEW *"#
        ));
        assert!(parses(
            r#"DELETE FROM "T" WHERE pk = 'a' AND attribute_type(x, 'S')"#
        ));
        assert!(parses(
            r#"EXISTS(SELECT * FROM "T" WHERE pk = 'a' AND n > 3)"#
        ));
        let err = parse("CREATE TABLE x").err().and_then(|e| e.message);
        assert_eq!(
            err.as_deref(),
            Some("Statement wasn't well formed, can't be processed: Expected data manipulation")
        );
    }

    // One trailing `;` is fine; anything else after a whole statement is DynamoDB's
    // "Unexpected token after expression" (captured from the real service).
    #[test]
    fn trailing_tokens() {
        assert!(parses("SELECT * FROM T WHERE a > -5;"));
        let err = parse("SELECT * FROM T WHERE a = 1 garbage")
            .err()
            .and_then(|e| e.message);
        assert_eq!(
            err.as_deref(),
            Some("Statement wasn't well formed, can't be processed: Unexpected token after expression")
        );
    }

    // `?` are counted in order of appearance.
    #[test]
    fn parameters_counted() {
        let p = parse(r#"SELECT * FROM T WHERE a = ? AND b IN (?, ?)"#);
        assert_eq!(p.map(|p| p.parameters).ok(), Some(3));
    }

    // Deep nesting is refused by the depth limit rather than overflowing the stack.
    #[test]
    fn depth_limit() {
        let deep = format!(
            "SELECT * FROM T WHERE {}a = 1{}",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        assert!(parse(&deep).is_err());
        let nots = format!("SELECT * FROM T WHERE {} a = 1", "NOT ".repeat(5000));
        assert!(parse(&nots).is_err());
        let lists = format!("INSERT INTO T VALUE {}", "[".repeat(5000));
        assert!(parse(&lists).is_err());
    }
}
