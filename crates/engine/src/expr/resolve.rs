//! Semantic checks and resolution: replaces `#names` and `:values`, recognises functions,
//! checks operand counts and types, reserved words and path overlaps, and records which
//! names and values were used.
//!
//! DynamoDB reports at most one error per expression, chosen by category rather than by
//! position (an undefined name anywhere beats a wrong operand type anywhere). So errors are
//! collected by category, first one per category kept, and the highest-ranked one reported.

use std::collections::{BTreeMap, BTreeSet};

use super::ast::{
    Call, ConditionAst, Operand, Path, PathElement, SetValue, UpdateAst, UpdateClause,
};
use super::eval::{order, Cond, Value};
use super::path::{clash, Clash, DocPath, Step};
use super::reserved::is_reserved;
use super::update::{Action, UpdateValue};
use crate::value::{AttributeValue, Item};

/// Error categories, in the order DynamoDB prefers them (lower wins). Conditions, updates and
/// projections rank some categories differently, so each grammar has its own table.
#[derive(Clone, Copy)]
pub struct Ranks {
    parens: u8,
    unknown_function: u8,
    misused_function: u8,
    reserved: u8,
    section: u8,
    name: u8,
    value: u8,
    overlap: u8,
    conflict: u8,
    operand: u8,
    distinct: u8,
    function: u8,
}

impl Ranks {
    pub const CONDITION: Ranks = Ranks {
        parens: 0,
        unknown_function: 1,
        misused_function: 2,
        reserved: 3,
        name: 4,
        value: 4,
        operand: 5,
        distinct: 6,
        function: 7,
        // Not produced by conditions.
        section: 8,
        overlap: 8,
        conflict: 8,
    };
    pub const UPDATE: Ranks = Ranks {
        reserved: 0,
        unknown_function: 1,
        section: 2,
        name: 3,
        value: 4,
        overlap: 5,
        conflict: 6,
        operand: 7,
        function: 8,
        // Not produced by updates.
        parens: 9,
        misused_function: 9,
        distinct: 9,
    };
    pub const PROJECTION: Ranks = Ranks {
        reserved: 0,
        name: 1,
        value: 1,
        overlap: 2,
        conflict: 3,
        parens: 4,
        unknown_function: 4,
        misused_function: 4,
        section: 4,
        operand: 4,
        distinct: 4,
        function: 4,
    };
}

/// Most operands DynamoDB accepts in one IN list.
pub const MAX_IN_OPERANDS: usize = 100;

const VALID_TYPES: [&str; 10] = ["S", "N", "B", "NULL", "SS", "BOOL", "L", "BS", "NS", "M"];

pub struct Resolver<'a> {
    names: Option<&'a BTreeMap<String, String>>,
    values: Option<&'a Item>,
    ranks: Ranks,
    errors: Vec<(u8, String)>,
    pub used_names: BTreeSet<String>,
    pub used_values: BTreeSet<String>,
    paths: Vec<DocPath>,
}

/// A resolved operand and, when known before evaluation, its type.
type Typed = (Value, Option<&'static str>);

/// `{N:1}`, as DynamoDB prints a value inside BETWEEN messages.
fn brief(value: &AttributeValue) -> String {
    use base64::Engine as _;
    let inner = match value {
        AttributeValue::S(s) => s.clone(),
        AttributeValue::N(n) => n.to_string(),
        AttributeValue::B(b) => base64::engine::general_purpose::STANDARD.encode(b),
        AttributeValue::Bool(b) => b.to_string(),
        AttributeValue::Null => "true".into(),
        other => format!("{other:?}"),
    };
    format!("{{{}:{inner}}}", value.type_name())
}

impl<'a> Resolver<'a> {
    pub fn new(
        names: Option<&'a BTreeMap<String, String>>,
        values: Option<&'a Item>,
        ranks: Ranks,
    ) -> Self {
        Resolver {
            names,
            values,
            ranks,
            errors: Vec::new(),
            used_names: BTreeSet::new(),
            used_values: BTreeSet::new(),
            paths: Vec::new(),
        }
    }

    /// Records an error unless its category already has one.
    fn fail(&mut self, rank: u8, message: String) {
        if !self.errors.iter().any(|(r, _)| *r == rank) {
            self.errors.push((rank, message));
        }
    }

    /// The error DynamoDB would report, if any.
    pub fn error(&self) -> Option<&str> {
        self.errors
            .iter()
            .min_by_key(|(r, _)| *r)
            .map(|(_, m)| m.as_str())
    }

    pub fn path(&mut self, path: &Path) -> DocPath {
        let mut steps = Vec::with_capacity(path.elements.len());
        for element in &path.elements {
            steps.push(match element {
                PathElement::Name(n) => {
                    if is_reserved(n) {
                        self.fail(
                            self.ranks.reserved,
                            format!("Attribute name is a reserved keyword; reserved keyword: {n}"),
                        );
                    }
                    Step::Key(n.clone())
                }
                PathElement::Placeholder(p) => match self.names.and_then(|m| m.get(p)) {
                    Some(real) => {
                        self.used_names.insert(p.clone());
                        Step::Key(real.clone())
                    }
                    None => {
                        self.fail(
                            self.ranks.name,
                            format!("An expression attribute name used in the document path is not defined; attribute name: {p}"),
                        );
                        Step::Key(p.clone())
                    }
                },
                PathElement::Index(i) => Step::Index(*i),
            });
        }
        DocPath(steps)
    }

    /// The value of a `:placeholder`; None (with an error recorded) when it is not defined.
    pub fn value(&mut self, name: &str) -> Option<AttributeValue> {
        match self.values.and_then(|m| m.get(name)) {
            Some(v) => {
                self.used_values.insert(name.to_string());
                Some(v.clone())
            }
            None => {
                self.fail(
                    self.ranks.value,
                    format!("An expression attribute value used in expression is not defined; attribute value: {name}"),
                );
                None
            }
        }
    }

    /// Records the overlap / conflict of a path with the paths already seen in this expression.
    fn check_overlap(&mut self, path: &DocPath) {
        let mut found = None;
        for previous in &self.paths {
            match clash(previous, path) {
                Some(Clash::Overlap) => {
                    found = Some((self.ranks.overlap, "overlap", previous.clone()));
                    break;
                }
                Some(Clash::Conflict) if found.is_none() => {
                    found = Some((self.ranks.conflict, "conflict", previous.clone()));
                }
                _ => {}
            }
        }
        if let Some((rank, word, previous)) = found {
            self.fail(
                rank,
                format!("Two document paths {word} with each other; must remove or rewrite one of these paths; path one: {previous}, path two: {path}"),
            );
        }
        self.paths.push(path.clone());
    }

    // ---- conditions ----

    pub fn condition(&mut self, ast: &ConditionAst) -> Cond {
        match ast {
            ConditionAst::Paren(inner) => {
                if matches!(**inner, ConditionAst::Paren(_)) {
                    self.fail(
                        self.ranks.parens,
                        "The expression has redundant parentheses;".into(),
                    );
                }
                self.condition(inner)
            }
            ConditionAst::Not(c) => Cond::Not(Box::new(self.condition(c))),
            ConditionAst::And(a, b) => {
                Cond::And(Box::new(self.condition(a)), Box::new(self.condition(b)))
            }
            ConditionAst::Or(a, b) => {
                Cond::Or(Box::new(self.condition(a)), Box::new(self.condition(b)))
            }
            ConditionAst::Compare(a, op, b) => {
                let (a, _) = self.operand(a);
                let (b, _) = self.operand(b);
                self.check_distinct(op.symbol(), &a, &b);
                Cond::Compare(a, *op, b)
            }
            ConditionAst::Between(v, lo, hi) => {
                let (v, _) = self.operand(v);
                let (lo, _) = self.operand(lo);
                let (hi, _) = self.operand(hi);
                if let (Value::Const(l), Value::Const(h)) = (&lo, &hi) {
                    let bounds = format!(
                        "lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                        brief(l),
                        brief(h)
                    );
                    if l.type_name() != h.type_name() {
                        self.fail(self.ranks.function, format!("The BETWEEN operator requires same data type for lower and upper bounds; {bounds}"));
                    } else if order(l, h) == Some(std::cmp::Ordering::Greater) {
                        self.fail(self.ranks.function, format!("The BETWEEN operator requires upper bound to be greater than or equal to lower bound; {bounds}"));
                    }
                }
                Cond::Between(v, lo, hi)
            }
            ConditionAst::In(v, list) => {
                let (v, _) = self.operand(v);
                let list: Vec<Value> = list.iter().map(|o| self.operand(o).0).collect();
                if list.len() > MAX_IN_OPERANDS {
                    self.fail(
                        self.ranks.operand,
                        format!(
                            "The IN operator is provided with too many operands; number of operands: {}",
                            list.len()
                        ),
                    );
                }
                Cond::In(v, list)
            }
            ConditionAst::Call(call) => self.function_condition(call),
        }
    }

    fn check_distinct(&mut self, operator: &str, a: &Value, b: &Value) {
        if let (Value::Path(x), Value::Path(y)) = (a, b) {
            if x == y {
                self.fail(
                    self.ranks.distinct,
                    format!("The first operand must be distinct from the remaining operands for this operator or function; operator: {operator}, first operand: {x}"),
                );
            }
        }
    }

    /// An operand of a comparison, IN, BETWEEN or function. Of the functions only `size` may
    /// be an operand.
    fn operand(&mut self, operand: &Operand) -> Typed {
        match operand {
            Operand::Path(p) => (Value::Path(self.path(p)), None),
            Operand::Value(v) => match self.value(v) {
                Some(av) => {
                    let t = av.type_name();
                    (Value::Const(av), Some(t))
                }
                None => (Value::Const(AttributeValue::Null), None),
            },
            Operand::Call(call) => {
                let args = self.call(call);
                if call.name == "size" {
                    let arg = args.into_iter().next().map(|(v, _)| v);
                    let arg = arg.unwrap_or(Value::Const(AttributeValue::Null));
                    (Value::Size(Box::new(arg)), Some("N"))
                } else {
                    self.misused(&call.name);
                    (Value::Const(AttributeValue::Null), None)
                }
            }
        }
    }

    fn misused(&mut self, name: &str) {
        self.fail(
            self.ranks.misused_function,
            format!("The function is not allowed to be used this way in an expression; function: {name}"),
        );
    }

    /// Resolves a condition function's arguments and checks its name, arity and operand types.
    fn call(&mut self, call: &Call) -> Vec<Typed> {
        let args: Vec<Typed> = call.args.iter().map(|a| self.operand(a)).collect();
        let name = call.name.as_str();
        let arity = match name {
            "attribute_exists" | "attribute_not_exists" | "size" => 1,
            "attribute_type" | "begins_with" | "contains" => 2,
            _ => {
                self.fail(
                    self.ranks.unknown_function,
                    format!("Invalid function name; function: {name}"),
                );
                return args;
            }
        };
        if args.len() != arity {
            self.fail(
                self.ranks.operand,
                format!("Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {}", args.len()),
            );
            return args;
        }
        if let [(a, _), (b, _)] = args.as_slice() {
            self.check_distinct(name, a, b);
        }
        let operand_type = |t: &str| {
            format!("Incorrect operand type for operator or function; operator or function: {name}, operand type: {t}")
        };
        match name {
            "attribute_exists" | "attribute_not_exists"
                if !matches!(call.args.first(), Some(Operand::Path(_))) =>
            {
                self.fail(
                    self.ranks.function,
                    format!("Operator or function requires a document path; operator or function: {name}"),
                );
            }
            "begins_with" => {
                if let Some(t) = args
                    .iter()
                    .filter_map(|(_, t)| *t)
                    .find(|t| *t != "S" && *t != "B")
                {
                    self.fail(self.ranks.function, operand_type(t));
                }
            }
            "attribute_type" => match args.get(1) {
                Some((Value::Const(AttributeValue::S(s)), _))
                    if !VALID_TYPES.contains(&s.as_str()) =>
                {
                    let message = format!("Invalid attribute type name found; type: {s}, valid types: {{B,NULL,SS,BOOL,L,BS,N,NS,S,M}}");
                    self.fail(self.ranks.function, message);
                }
                Some((Value::Const(AttributeValue::S(_)), _)) => {}
                Some((_, t)) => {
                    let t = t.unwrap_or("{NS,SS,L,BS,N,M,B,BOOL,NULL,S}");
                    self.fail(self.ranks.function, operand_type(t));
                }
                None => {}
            },
            "size" => {
                if let Some((_, Some(t @ ("N" | "BOOL" | "NULL")))) = args.first() {
                    self.fail(self.ranks.function, operand_type(t));
                }
            }
            _ => {}
        }
        args
    }

    fn function_condition(&mut self, call: &Call) -> Cond {
        let args = self.call(call);
        let mut args = args.into_iter().map(|(v, _)| v);
        let null = || Value::Const(AttributeValue::Null);
        let a = args.next().unwrap_or_else(null);
        let b = args.next().unwrap_or_else(null);
        let path = |v: Value| match v {
            Value::Path(p) => p,
            _ => DocPath(Vec::new()),
        };
        match call.name.as_str() {
            "attribute_exists" => Cond::Exists(path(a)),
            "attribute_not_exists" => Cond::NotExists(path(a)),
            "attribute_type" => Cond::AttributeType(a, b),
            "begins_with" => Cond::BeginsWith(a, b),
            "contains" => Cond::Contains(a, b),
            other => {
                // `size` alone is not a condition; unknown names already have their error.
                if other == "size" {
                    self.misused(other);
                }
                Cond::Exists(DocPath(Vec::new()))
            }
        }
    }

    // ---- updates ----

    pub fn update(&mut self, ast: &UpdateAst) -> Vec<Action> {
        let mut seen: Vec<&'static str> = Vec::new();
        let mut actions = Vec::new();
        for clause in &ast.clauses {
            let keyword = clause.keyword();
            if seen.contains(&keyword) {
                self.fail(
                    self.ranks.section,
                    format!(
                        "The \"{keyword}\" section can only be used once in an update expression;"
                    ),
                );
            }
            seen.push(keyword);
            match clause {
                UpdateClause::Set(list) => {
                    for (path, value) in list {
                        let path = self.path(path);
                        self.check_overlap(&path);
                        let value = self.set_value(value);
                        actions.push(Action::Set(path, value));
                    }
                }
                UpdateClause::Remove(list) => {
                    for path in list {
                        let path = self.path(path);
                        self.check_overlap(&path);
                        actions.push(Action::Remove(path));
                    }
                }
                UpdateClause::Add(list) | UpdateClause::Delete(list) => {
                    for (path, value) in list {
                        let path = self.path(path);
                        self.check_overlap(&path);
                        let value = self.value(value).unwrap_or(AttributeValue::Null);
                        self.check_add_delete(keyword, &value);
                        actions.push(if keyword == "ADD" {
                            Action::Add(path, value)
                        } else {
                            Action::Delete(path, value)
                        });
                    }
                }
            }
        }
        actions
    }

    /// ADD takes a number or a set, DELETE a set.
    fn check_add_delete(&mut self, keyword: &str, value: &AttributeValue) {
        let word = match value {
            AttributeValue::S(_) => "STRING",
            AttributeValue::N(_) if keyword == "ADD" => return,
            AttributeValue::N(_) => "NUMBER",
            AttributeValue::B(_) => "BINARY",
            AttributeValue::Null => "NULL",
            AttributeValue::Bool(_) => "BOOLEAN",
            AttributeValue::L(_) => "LIST",
            AttributeValue::M(_) => "MAP",
            AttributeValue::SS(_) | AttributeValue::NS(_) | AttributeValue::BS(_) => return,
        };
        self.fail(
            self.ranks.operand,
            format!("Incorrect operand type for operator or function; operator: {keyword}, operand type: {word}"),
        );
    }

    fn set_value(&mut self, value: &SetValue) -> UpdateValue {
        match value {
            SetValue::Operand(o) => self.update_operand(o),
            SetValue::Plus(a, b) | SetValue::Minus(a, b) => {
                let plus = matches!(value, SetValue::Plus(..));
                let a = self.update_operand(a);
                let b = self.update_operand(b);
                for v in [&a, &b] {
                    if let UpdateValue::Const(c) = v {
                        if !matches!(c, AttributeValue::N(_)) {
                            let op = if plus { "+" } else { "-" };
                            self.fail(
                                self.ranks.function,
                                format!("Incorrect operand type for operator or function; operator or function: {op}, operand type: {}", c.type_name()),
                            );
                        }
                    }
                }
                if plus {
                    UpdateValue::Plus(Box::new(a), Box::new(b))
                } else {
                    UpdateValue::Minus(Box::new(a), Box::new(b))
                }
            }
        }
    }

    fn update_operand(&mut self, operand: &Operand) -> UpdateValue {
        match operand {
            Operand::Path(p) => UpdateValue::Path(self.path(p)),
            Operand::Value(v) => UpdateValue::Const(self.value(v).unwrap_or(AttributeValue::Null)),
            Operand::Call(call) => {
                let args: Vec<UpdateValue> =
                    call.args.iter().map(|a| self.update_operand(a)).collect();
                let name = call.name.as_str();
                if name != "if_not_exists" && name != "list_append" {
                    self.fail(
                        self.ranks.unknown_function,
                        format!("Invalid function name; function: {name}"),
                    );
                    return UpdateValue::Const(AttributeValue::Null);
                }
                let mut it = args.into_iter();
                let (Some(a), Some(b), None) = (it.next(), it.next(), it.next()) else {
                    self.fail(
                        self.ranks.function,
                        format!("Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {}", call.args.len()),
                    );
                    return UpdateValue::Const(AttributeValue::Null);
                };
                if name == "if_not_exists" {
                    match a {
                        UpdateValue::Path(p) => UpdateValue::IfNotExists(p, Box::new(b)),
                        _ => {
                            self.fail(
                                self.ranks.function,
                                format!("Operator or function requires a document path; operator or function: {name}"),
                            );
                            UpdateValue::Const(AttributeValue::Null)
                        }
                    }
                } else {
                    for v in [&a, &b] {
                        if let UpdateValue::Const(c) = v {
                            if !matches!(c, AttributeValue::L(_)) {
                                self.fail(
                                    self.ranks.function,
                                    format!("Incorrect operand type for operator or function; operator or function: {name}, operand type: {}", c.type_name()),
                                );
                            }
                        }
                    }
                    UpdateValue::ListAppend(Box::new(a), Box::new(b))
                }
            }
        }
    }

    // ---- projections ----

    pub fn projection(&mut self, paths: &[Path]) -> Vec<DocPath> {
        paths
            .iter()
            .map(|p| {
                let path = self.path(p);
                self.check_overlap(&path);
                path
            })
            .collect()
    }
}
