//! Expressions: condition, key condition, filter, projection and update expressions.
//! Pipeline: parse text → resolve `#names`/`:values` (recording which were used) → evaluate.
//!
//! INTERFACE CONTRACT (used by the operations; the implementation lives in the submodules):
//! - `Expressions::new(names, values)`, built once per request from ExpressionAttributeNames/Values.
//! - `condition(text, parameter)` for ConditionExpression / FilterExpression (`parameter` is the
//!   request member's name, used in messages such as "Invalid ConditionExpression: ...").
//! - `key_condition(text, hash_key, range_key)` for Query's KeyConditionExpression.
//! - `projection(text)` for ProjectionExpression, `update(text)` for UpdateExpression.
//! - `check_unused()` after all expressions of a request are parsed: DynamoDB rejects unused names/values.
//!
//! Submodules: `lexer` → `parser` (syntax, into `ast`) → `resolve` (names, values, functions,
//! types, reserved words) → `eval` (conditions), `update` (updates), `path` (paths, projection),
//! `key_condition` (Query's key condition), `legacy` (the pre-expression parameters, converted
//! into the same structures).

pub mod ast;
pub mod eval;
pub mod key_condition;
pub mod legacy;
pub mod lexer;
pub mod parser;
pub mod path;
pub mod reserved;
pub mod resolve;
pub mod substitution_limits;
pub mod update;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{ApiError, Result};
use crate::value::{AttributeValue, Item};

use eval::Cond;
use parser::Parser;
use path::{DocPath, Selection};
use resolve::{Ranks, Resolver};
use update::Action;

/// The names and values of one request, and which of them the request's expressions used.
pub struct Expressions {
    pub names: Option<BTreeMap<String, String>>,
    pub values: Option<Item>,
    used_names: BTreeSet<String>,
    used_values: BTreeSet<String>,
}

/// A parsed, resolved condition (ConditionExpression, FilterExpression).
#[derive(Debug, Clone)]
pub struct Condition {
    cond: Cond,
}

/// A parsed, resolved ProjectionExpression.
#[derive(Debug, Clone)]
pub struct Projection {
    paths: Vec<DocPath>,
    selection: Selection,
}

/// A parsed, resolved UpdateExpression (or legacy AttributeUpdates).
#[derive(Debug, Clone)]
pub struct UpdatePlan {
    actions: Vec<Action>,
    /// From AttributeUpdates: ADD may append to lists, and type clashes get the legacy message.
    legacy: bool,
}

/// Query's key condition split into the partition key value and an optional sort key condition.
#[derive(Debug, Clone)]
pub struct KeyCondition {
    pub partition: AttributeValue,
    pub sort: Option<SortCondition>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SortCondition {
    Eq(AttributeValue),
    Lt(AttributeValue),
    Le(AttributeValue),
    Gt(AttributeValue),
    Ge(AttributeValue),
    Between(AttributeValue, AttributeValue),
    BeginsWith(AttributeValue),
}

/// Longest expression DynamoDB accepts, in bytes of the text as sent.
pub const MAX_EXPRESSION_SIZE: usize = 4096;

/// The checks every expression text gets before parsing: not empty, not too long.
fn check_text(text: &str, parameter: &str) -> Result<()> {
    if text.is_empty() {
        return Err(invalid(parameter, "The expression can not be empty;"));
    }
    if text.len() > MAX_EXPRESSION_SIZE {
        return Err(invalid(
            parameter,
            &format!(
                "Expression size has exceeded the maximum allowed size; expression size: {}",
                text.len()
            ),
        ));
    }
    Ok(())
}

fn invalid(parameter: &str, message: &str) -> ApiError {
    ApiError::validation(format!("Invalid {parameter}: {message}"))
}

/// "{#a, #b}" from the keys not used.
fn unused_keys<'a>(
    all: impl Iterator<Item = &'a String>,
    used: &BTreeSet<String>,
) -> Option<String> {
    let unused: Vec<&str> = all
        .filter(|k| !used.contains(*k))
        .map(String::as_str)
        .collect();
    (!unused.is_empty()).then(|| format!("keys: {{{}}}", unused.join(", ")))
}

impl Expressions {
    pub fn new(names: Option<BTreeMap<String, String>>, values: Option<Item>) -> Self {
        Expressions {
            names,
            values,
            used_names: BTreeSet::new(),
            used_values: BTreeSet::new(),
        }
    }

    /// Runs `resolve` with a resolver over this request's names and values; on success the
    /// names and values it used count as used.
    fn resolve<T>(
        &mut self,
        parameter: &str,
        ranks: Ranks,
        resolve: impl FnOnce(&mut Resolver) -> T,
    ) -> Result<T> {
        let mut resolver = Resolver::new(self.names.as_ref(), self.values.as_ref(), ranks);
        let out = resolve(&mut resolver);
        if let Some(message) = resolver.error() {
            return Err(invalid(parameter, message));
        }
        self.used_names.append(&mut resolver.used_names);
        self.used_values.append(&mut resolver.used_values);
        Ok(out)
    }

    fn parse_condition(&mut self, text: &str, parameter: &str) -> Result<Cond> {
        check_text(text, parameter)?;
        let ast = Parser::new(text)
            .parse_condition_expression()
            .map_err(|e| invalid(parameter, &e.message()))?;
        self.resolve(parameter, Ranks::CONDITION, |r| r.condition(&ast))
    }

    pub fn condition(&mut self, text: &str, parameter: &str) -> Result<Condition> {
        Ok(Condition {
            cond: self.parse_condition(text, parameter)?,
        })
    }

    pub fn key_condition(
        &mut self,
        text: &str,
        hash_key: &str,
        range_key: Option<&str>,
    ) -> Result<KeyCondition> {
        let cond = self.parse_condition(text, "KeyConditionExpression")?;
        key_condition::split(&cond, hash_key, range_key).map_err(ApiError::validation)
    }

    /// A key condition on a key schema of one or more partition and sort key attributes.
    pub fn key_condition_multi(
        &mut self,
        text: &str,
        hash_keys: &[&str],
        range_keys: &[&str],
    ) -> Result<key_condition::MultiKeyCondition> {
        let cond = self.parse_condition(text, "KeyConditionExpression")?;
        key_condition::split_multi(&cond, hash_keys, range_keys).map_err(ApiError::validation)
    }

    pub fn projection(&mut self, text: &str) -> Result<Projection> {
        const PARAMETER: &str = "ProjectionExpression";
        check_text(text, PARAMETER)?;
        let ast = Parser::new(text)
            .parse_projection_expression()
            .map_err(|e| invalid(PARAMETER, &e.message()))?;
        let paths = self.resolve(PARAMETER, Ranks::PROJECTION, |r| r.projection(&ast.paths))?;
        Ok(Projection::from_paths(paths))
    }

    pub fn update(&mut self, text: &str) -> Result<UpdatePlan> {
        const PARAMETER: &str = "UpdateExpression";
        check_text(text, PARAMETER)?;
        let ast = Parser::new(text)
            .parse_update_expression()
            .map_err(|e| invalid(PARAMETER, &e.message()))?;
        let actions = self.resolve(PARAMETER, Ranks::UPDATE, |r| r.update(&ast))?;
        // A name an update would write (through `#name`) is held to the 64 KB limit too.
        for action in &actions {
            for step in &action.path().0 {
                if let path::Step::Key(name) = step {
                    crate::value::wire::check_attribute_name(name)?;
                }
            }
        }
        Ok(UpdatePlan {
            actions,
            legacy: false,
        })
    }

    /// Request-level checks of the maps themselves, before any expression is parsed: neither
    /// may be empty, and every key must be a well-formed placeholder (`#word` / `:word`) of at
    /// most 255 bytes.
    pub fn check_keys(&self) -> Result<()> {
        fn well_formed(key: &str, sigil: char) -> bool {
            key.strip_prefix(sigil).is_some_and(|rest| {
                !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        }
        let maps = [
            (
                "ExpressionAttributeNames",
                '#',
                self.names.as_ref().map(|m| m.keys().collect::<Vec<_>>()),
            ),
            (
                "ExpressionAttributeValues",
                ':',
                self.values.as_ref().map(|m| m.keys().collect::<Vec<_>>()),
            ),
        ];
        for (member, sigil, keys) in maps {
            let Some(keys) = keys else { continue };
            if keys.is_empty() {
                return Err(ApiError::validation(format!("{member} must not be empty")));
            }
            for key in &keys {
                substitution_limits::check_placeholder(member, key)?;
            }
            if let Some(bad) = keys.iter().find(|k| !well_formed(k, sigil)) {
                return Err(ApiError::validation(format!(
                    "{member} contains invalid key: Syntax error; key: \"{bad}\""
                )));
            }
        }
        Ok(())
    }

    pub fn check_unused(&self) -> Result<()> {
        if let Some(names) = &self.names {
            if let Some(keys) = unused_keys(names.keys(), &self.used_names) {
                return Err(ApiError::validation(format!(
                    "Value provided in ExpressionAttributeNames unused in expressions: {keys}"
                )));
            }
        }
        if let Some(values) = &self.values {
            if let Some(keys) = unused_keys(values.keys(), &self.used_values) {
                return Err(ApiError::validation(format!(
                    "Value provided in ExpressionAttributeValues unused in expressions: {keys}"
                )));
            }
        }
        Ok(())
    }
}

impl Condition {
    /// The top-level attribute names the condition reads (Query refuses filters on key attributes).
    pub fn attribute_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for path in self.cond.paths() {
            if let Some(path::Step::Key(name)) = path.0.first() {
                if !names.contains(&name.as_str()) {
                    names.push(name);
                }
            }
        }
        names
    }

    /// A condition built elsewhere (PartiQL's WHERE clause) from resolved parts.
    pub fn from_cond(cond: Cond) -> Condition {
        Condition { cond }
    }

    /// Whether `item` (None: no item) satisfies the condition.
    pub fn matches(&self, item: Option<&Item>) -> bool {
        self.cond.eval(item)
    }
}

impl Projection {
    /// A projection of resolved paths (PartiQL's SELECT list).
    pub fn from_doc_paths(paths: Vec<DocPath>) -> Projection {
        Projection::from_paths(paths)
    }

    fn from_paths(paths: Vec<DocPath>) -> Projection {
        let mut selection = Selection::new();
        for p in &paths {
            selection.add(p);
        }
        Projection { paths, selection }
    }

    /// The attributes of `item` the projection names (nested paths and list elements included).
    pub fn apply(&self, item: &Item) -> Item {
        self.selection.apply(item)
    }

    /// The resolved paths, in the order written.
    pub fn paths(&self) -> &[DocPath] {
        &self.paths
    }

    /// The distinct top-level attribute names the projection reads.
    pub fn attribute_names(&self) -> Vec<String> {
        self.selection
            .attribute_names()
            .map(str::to_string)
            .collect()
    }
}

impl UpdatePlan {
    /// The new item after the update, from the old one (None: no item yet; the caller adds the key).
    pub fn apply(&self, old: Option<&Item>) -> Result<Item> {
        update::apply_with(&self.actions, old, self.legacy)
    }

    /// The paths the update touches, for ReturnValues UPDATED_OLD / UPDATED_NEW.
    pub fn updated(&self) -> Projection {
        Projection::from_paths(self.actions.iter().map(|a| a.path().clone()).collect())
    }

    /// The resolved actions, in the order written (e.g. to check key attributes are not updated).
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }
}

impl SortCondition {
    pub fn matches(&self, value: &AttributeValue) -> bool {
        use std::cmp::Ordering::*;
        let ord = |bound: &AttributeValue| eval::order(value, bound);
        match self {
            SortCondition::Eq(v) => ord(v) == Some(Equal),
            SortCondition::Lt(v) => ord(v) == Some(Less),
            SortCondition::Le(v) => matches!(ord(v), Some(Less | Equal)),
            SortCondition::Gt(v) => ord(v) == Some(Greater),
            SortCondition::Ge(v) => matches!(ord(v), Some(Greater | Equal)),
            SortCondition::Between(lo, hi) => eval::between(value, lo, hi),
            SortCondition::BeginsWith(p) => eval::begins_with(value, p),
        }
    }
}
