//! Resolved document paths (placeholders replaced by real names): lookup in an item, and the
//! tree of selected paths that projections and ReturnValues UPDATED_* apply to an item.

use std::collections::BTreeMap;
use std::fmt;

use crate::value::{AttributeValue, Item};

/// One step of a resolved path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// A resolved document path; never empty, and its first step is always a `Key`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DocPath(pub Vec<Step>);

impl fmt::Display for DocPath {
    /// DynamoDB's rendering in path-overlap messages: `[a, b, [0]]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, step) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match step {
                Step::Key(k) => f.write_str(k)?,
                Step::Index(ix) => write!(f, "[{ix}]")?,
            }
        }
        f.write_str("]")
    }
}

impl DocPath {
    /// The value at this path, if every step exists with the right container type.
    pub fn lookup<'a>(&self, item: &'a Item) -> Option<&'a AttributeValue> {
        let (first, rest) = self.0.split_first()?;
        let mut current = match first {
            Step::Key(k) => item.get(k)?,
            Step::Index(_) => return None,
        };
        for step in rest {
            current = step_into(current, step)?;
        }
        Some(current)
    }
}

pub fn step_into<'a>(value: &'a AttributeValue, step: &Step) -> Option<&'a AttributeValue> {
    match (value, step) {
        (AttributeValue::M(m), Step::Key(k)) => m.get(k),
        (AttributeValue::L(l), Step::Index(i)) => l.get(*i),
        _ => None,
    }
}

/// How two paths of one expression relate, for the overlap / conflict checks.
pub enum Clash {
    /// One path is the other or a prefix of it.
    Overlap,
    /// At some depth one path has a name where the other has an index.
    Conflict,
}

pub fn clash(a: &DocPath, b: &DocPath) -> Option<Clash> {
    for (x, y) in a.0.iter().zip(b.0.iter()) {
        match (x, y) {
            (Step::Key(p), Step::Key(q)) if p != q => return None,
            (Step::Index(p), Step::Index(q)) if p != q => return None,
            (Step::Key(_), Step::Index(_)) | (Step::Index(_), Step::Key(_)) => {
                return Some(Clash::Conflict)
            }
            _ => {}
        }
    }
    Some(Clash::Overlap)
}

/// The parts of an item a set of paths selects.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    top: BTreeMap<String, Node>,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Whole,
    Fields(BTreeMap<String, Node>),
    Elements(BTreeMap<usize, Node>),
}

impl Node {
    /// The chain of nodes for `steps`, built from the leaf up. Iterative, like `add`, because a
    /// path may be far deeper than any item: recursion here would follow the text, not the data.
    fn from_steps(steps: &[Step]) -> Node {
        let mut node = Node::Whole;
        for step in steps.iter().rev() {
            node = match step {
                Step::Key(k) => Node::Fields(BTreeMap::from([(k.clone(), node)])),
                Step::Index(i) => Node::Elements(BTreeMap::from([(*i, node)])),
            };
        }
        node
    }

    /// Adds `steps` below this node. Selecting a whole value absorbs any selection inside it;
    /// a name/index clash (which parsing rejects anyway) keeps the first.
    fn add(&mut self, steps: &[Step]) {
        let mut node = self;
        let mut rest = steps;
        loop {
            let Some((first, tail)) = rest.split_first() else {
                *node = Node::Whole;
                return;
            };
            let child = match (node, first) {
                (Node::Fields(m), Step::Key(k)) => {
                    if !m.contains_key(k) {
                        m.insert(k.clone(), Node::from_steps(tail));
                        return;
                    }
                    m.get_mut(k)
                }
                (Node::Elements(m), Step::Index(i)) => {
                    if !m.contains_key(i) {
                        m.insert(*i, Node::from_steps(tail));
                        return;
                    }
                    m.get_mut(i)
                }
                _ => None,
            };
            match child {
                Some(c) => {
                    node = c;
                    rest = tail;
                }
                None => return,
            }
        }
    }

    /// The selected part of `value`, or None when nothing selected exists. List elements are
    /// compacted in index order, as DynamoDB returns them.
    fn apply(&self, value: &AttributeValue) -> Option<AttributeValue> {
        match (self, value) {
            (Node::Whole, v) => Some(v.clone()),
            (Node::Fields(sel), AttributeValue::M(m)) => {
                let out: BTreeMap<String, AttributeValue> = sel
                    .iter()
                    .filter_map(|(k, n)| Some((k.clone(), n.apply(m.get(k)?)?)))
                    .collect();
                (!out.is_empty()).then_some(AttributeValue::M(out))
            }
            (Node::Elements(sel), AttributeValue::L(l)) => {
                let out: Vec<AttributeValue> = sel
                    .iter()
                    .filter_map(|(i, n)| n.apply(l.get(*i)?))
                    .collect();
                (!out.is_empty()).then_some(AttributeValue::L(out))
            }
            _ => None,
        }
    }
}

impl Selection {
    pub fn new() -> Self {
        Selection::default()
    }

    pub fn add(&mut self, path: &DocPath) {
        let Some((Step::Key(first), rest)) = path.0.split_first() else {
            return;
        };
        match self.top.get_mut(first) {
            Some(node) => node.add(rest),
            None => {
                self.top.insert(first.clone(), Node::from_steps(rest));
            }
        }
    }

    pub fn apply(&self, item: &Item) -> Item {
        self.top
            .iter()
            .filter_map(|(k, n)| Some((k.clone(), n.apply(item.get(k)?)?)))
            .collect()
    }

    /// The top-level attribute names selected (e.g. to know which attributes a read touches).
    pub fn attribute_names(&self) -> impl Iterator<Item = &str> {
        self.top.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(steps: &[&str]) -> DocPath {
        DocPath(
            steps
                .iter()
                .map(|s| match s.parse::<usize>() {
                    Ok(i) => Step::Index(i),
                    Err(_) => Step::Key(s.to_string()),
                })
                .collect(),
        )
    }

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }

    fn sample() -> Item {
        Item::from([
            ("a".into(), s("x")),
            (
                "m".into(),
                AttributeValue::M(BTreeMap::from([
                    ("b".into(), s("y")),
                    ("c".into(), AttributeValue::L(vec![s("0"), s("1"), s("2")])),
                ])),
            ),
            (
                "l".into(),
                AttributeValue::L(vec![
                    AttributeValue::M(BTreeMap::from([
                        ("k".into(), s("k0")),
                        ("j".into(), s("j0")),
                    ])),
                    s("e1"),
                    AttributeValue::M(BTreeMap::from([("k".into(), s("k2"))])),
                ]),
            ),
        ])
    }

    // Lookup follows maps by name and lists by index, and fails on type mismatch.
    #[test]
    fn lookup() {
        let item = sample();
        assert_eq!(p(&["m", "c", "1"]).lookup(&item), Some(&s("1")));
        assert_eq!(p(&["a", "b"]).lookup(&item), None);
        assert_eq!(p(&["m", "0"]).lookup(&item), None);
        assert_eq!(p(&["l", "9"]).lookup(&item), None);
    }

    // Projection keeps structure, compacts selected list elements and merges sibling selections.
    #[test]
    fn selection_keeps_structure() {
        let mut sel = Selection::new();
        for path in [
            p(&["m", "c", "2"]),
            p(&["m", "c", "0"]),
            p(&["l", "2", "k"]),
            p(&["l", "0", "k"]),
            p(&["nope"]),
        ] {
            sel.add(&path);
        }
        let out = sel.apply(&sample());
        let expected = Item::from([
            (
                "m".into(),
                AttributeValue::M(BTreeMap::from([(
                    "c".into(),
                    AttributeValue::L(vec![s("0"), s("2")]),
                )])),
            ),
            (
                "l".into(),
                AttributeValue::L(vec![
                    AttributeValue::M(BTreeMap::from([("k".into(), s("k0"))])),
                    AttributeValue::M(BTreeMap::from([("k".into(), s("k2"))])),
                ]),
            ),
        ]);
        assert_eq!(out, expected);
    }

    // A whole attribute absorbs nested selections of the same attribute.
    #[test]
    fn whole_absorbs_nested() {
        let mut sel = Selection::new();
        sel.add(&p(&["m", "b"]));
        sel.add(&p(&["m"]));
        assert_eq!(sel.apply(&sample()).get("m"), sample().get("m"));
    }

    // Overlap when one path is a prefix of the other, conflict on name/index mismatch.
    #[test]
    fn clashes() {
        assert!(matches!(
            clash(&p(&["a"]), &p(&["a", "b"])),
            Some(Clash::Overlap)
        ));
        assert!(matches!(
            clash(&p(&["a", "0"]), &p(&["a", "b"])),
            Some(Clash::Conflict)
        ));
        assert!(clash(&p(&["a", "c"]), &p(&["a", "b"])).is_none());
        assert_eq!(p(&["a", "b", "0"]).to_string(), "[a, b, [0]]");
    }
}
