//! PartiQL statements as parsed: DynamoDB's subset (SELECT, INSERT, UPDATE, DELETE, and EXISTS
//! inside transactions), with `?` parameters still unbound.

use crate::expr::ast::Comparator;
use crate::value::AttributeValue;

/// One step of a path: `a`, `"a"`, `.b`, `[3]`.
#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    Name(String),
    Index(u64),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Path(Vec<Seg>),
    Value(AttributeValue),
    Missing,
    /// The n-th `?` of the statement (0-based).
    Param(usize),
    List(Vec<Expr>),
    /// `{'k': v, ...}`: keys are string literals.
    Tuple(Vec<(String, Expr)>),
    /// `<<v, ...>>`: a DynamoDB set.
    Bag(Vec<Expr>),
    Cmp(Box<Expr>, Comparator, Box<Expr>),
    Between(Box<Expr>, Box<Expr>, Box<Expr>),
    In(Box<Expr>, Vec<Expr>),
    /// `x IS [NOT] TYPE`, the type name upper-cased (MISSING, NULL, STRING...).
    Is(Box<Expr>, String, bool),
    /// A function call, its name lower-cased.
    Call(String, Vec<Expr>),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Plus(Box<Expr>, Box<Expr>),
    Minus(Box<Expr>, Box<Expr>),
    /// `EXISTS(SELECT ...)`, the condition-check statement of ExecuteTransaction.
    Exists(Box<Statement>),
}

/// What UPDATE's SET and REMOVE clauses do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Assignment {
    Set(Vec<Seg>, Expr),
    Remove(Vec<Seg>),
}

/// `RETURNING (ALL | MODIFIED) (OLD | NEW) *`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Returning {
    AllOld,
    ModifiedOld,
    AllNew,
    ModifiedNew,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Select {
        /// None for `*`.
        projection: Option<Vec<Vec<Seg>>>,
        table: String,
        index: Option<String>,
        filter: Option<Expr>,
        /// `ORDER BY <key attribute>`, checked against the key schema when the table is known.
        order_by: Option<Vec<Seg>>,
        /// `ORDER BY ... DESC`: reverse key order.
        descending: bool,
    },
    Insert {
        table: String,
        item: Expr,
    },
    Update {
        table: String,
        assignments: Vec<Assignment>,
        filter: Option<Expr>,
        returning: Option<Returning>,
    },
    Delete {
        table: String,
        filter: Option<Expr>,
        returning: Option<Returning>,
    },
    /// `EXISTS(SELECT * FROM T WHERE <key> AND <condition>)` on its own: a condition check.
    Exists(Box<Statement>),
}

impl Statement {
    pub fn table(&self) -> &str {
        match self {
            Statement::Select { table, .. }
            | Statement::Insert { table, .. }
            | Statement::Update { table, .. }
            | Statement::Delete { table, .. } => table,
            Statement::Exists(inner) => inner.table(),
        }
    }

    pub fn is_read(&self) -> bool {
        matches!(self, Statement::Select { .. })
    }
}
