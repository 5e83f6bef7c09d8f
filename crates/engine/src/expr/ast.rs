//! Syntax trees of the three expression grammars, exactly as written (placeholders unresolved),
//! and their `Display`, which prints text that parses back to the same tree.

use std::fmt;

/// One element of a document path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathElement {
    /// A bare attribute name (`a`).
    Name(String),
    /// An expression attribute name (`#a`), with its `#`.
    Placeholder(String),
    /// A list index (`[3]`).
    Index(usize),
}

/// A document path: a name or placeholder, then `.name` / `[index]` steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub elements: Vec<PathElement>,
}

/// A function call (`begins_with(a, :v)`, `size(a)`, `if_not_exists(a, :v)`...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub name: String,
    pub args: Vec<Operand>,
}

/// Something that yields a value: a path, a `:value` placeholder, or a function call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    Path(Path),
    Value(String),
    Call(Call),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparator {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::Eq => "=",
            Comparator::Ne => "<>",
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
        }
    }
}

/// A condition (ConditionExpression, FilterExpression, KeyConditionExpression).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConditionAst {
    Compare(Operand, Comparator, Operand),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    /// A function used as a condition (`attribute_exists(a)`).
    Call(Call),
    Not(Box<ConditionAst>),
    And(Box<ConditionAst>, Box<ConditionAst>),
    Or(Box<ConditionAst>, Box<ConditionAst>),
    /// Kept so that redundant parentheses can be reported and `Display` reproduces the text.
    Paren(Box<ConditionAst>),
}

/// The right-hand side of a SET action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetValue {
    Operand(Operand),
    Plus(Operand, Operand),
    Minus(Operand, Operand),
}

/// One clause of an update expression, with its comma-separated actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateClause {
    Set(Vec<(Path, SetValue)>),
    Remove(Vec<Path>),
    /// `ADD path :value`: the operand is always a value placeholder.
    Add(Vec<(Path, String)>),
    Delete(Vec<(Path, String)>),
}

impl UpdateClause {
    pub fn keyword(&self) -> &'static str {
        match self {
            UpdateClause::Set(_) => "SET",
            UpdateClause::Remove(_) => "REMOVE",
            UpdateClause::Add(_) => "ADD",
            UpdateClause::Delete(_) => "DELETE",
        }
    }
}

/// An update expression: its clauses in the order written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateAst {
    pub clauses: Vec<UpdateClause>,
}

/// A projection expression: comma-separated paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectionAst {
    pub paths: Vec<Path>,
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, element) in self.elements.iter().enumerate() {
            match element {
                PathElement::Name(n) | PathElement::Placeholder(n) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(n)?;
                }
                PathElement::Index(ix) => write!(f, "[{ix}]")?,
            }
        }
        Ok(())
    }
}

fn write_list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.name)?;
        write_list(f, &self.args)?;
        f.write_str(")")
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Path(p) => write!(f, "{p}"),
            Operand::Value(v) => f.write_str(v),
            Operand::Call(c) => write!(f, "{c}"),
        }
    }
}

impl fmt::Display for ConditionAst {
    /// Parentheses come only from `Paren` nodes: the parser builds `And`/`Or`/`Not` by
    /// precedence, so printing them bare re-parses to the same tree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConditionAst::Compare(a, op, b) => write!(f, "{a} {} {b}", op.symbol()),
            ConditionAst::Between(a, lo, hi) => write!(f, "{a} BETWEEN {lo} AND {hi}"),
            ConditionAst::In(a, list) => {
                write!(f, "{a} IN (")?;
                write_list(f, list)?;
                f.write_str(")")
            }
            ConditionAst::Call(c) => write!(f, "{c}"),
            ConditionAst::Not(c) => write!(f, "NOT {c}"),
            ConditionAst::And(a, b) => write!(f, "{a} AND {b}"),
            ConditionAst::Or(a, b) => write!(f, "{a} OR {b}"),
            ConditionAst::Paren(c) => write!(f, "({c})"),
        }
    }
}

impl fmt::Display for SetValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetValue::Operand(o) => write!(f, "{o}"),
            SetValue::Plus(a, b) => write!(f, "{a} + {b}"),
            SetValue::Minus(a, b) => write!(f, "{a} - {b}"),
        }
    }
}

impl fmt::Display for UpdateClause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.keyword())?;
        match self {
            UpdateClause::Set(actions) => {
                let parts: Vec<String> =
                    actions.iter().map(|(p, v)| format!("{p} = {v}")).collect();
                f.write_str(&parts.join(", "))
            }
            UpdateClause::Remove(paths) => write_list(f, paths),
            UpdateClause::Add(actions) | UpdateClause::Delete(actions) => {
                let parts: Vec<String> = actions.iter().map(|(p, v)| format!("{p} {v}")).collect();
                f.write_str(&parts.join(", "))
            }
        }
    }
}

impl fmt::Display for UpdateAst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, clause) in self.clauses.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{clause}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ProjectionAst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_list(f, &self.paths)
    }
}
