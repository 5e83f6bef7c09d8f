//! Secondary indexes: a global or local index's definition and its entries, kept up to date on
//! every write to the table. An item appears in an index only when it has every index key
//! attribute with the right type (a sparse index), and carries only the projected attributes.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::table::{partition_hash_of, KeyAttribute, KeySchema, Pending, PrimaryKey, ScalarType};
use crate::value::size::item_size;
use crate::value::{Item, KeyValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    Global,
    Local,
}

/// Which attributes an index stores besides the keys.
#[derive(Debug, Clone, PartialEq)]
pub enum ProjectionType {
    All,
    KeysOnly,
    Include(Vec<String>),
}

impl ProjectionType {
    pub fn to_json(&self) -> Value {
        match self {
            ProjectionType::All => json!({"ProjectionType": "ALL"}),
            ProjectionType::KeysOnly => json!({"ProjectionType": "KEYS_ONLY"}),
            ProjectionType::Include(names) => {
                json!({"ProjectionType": "INCLUDE", "NonKeyAttributes": names})
            }
        }
    }

    pub fn from_json(v: &Value) -> Option<ProjectionType> {
        Some(match v["ProjectionType"].as_str()? {
            "ALL" => ProjectionType::All,
            "KEYS_ONLY" => ProjectionType::KeysOnly,
            _ => ProjectionType::Include(
                v["NonKeyAttributes"]
                    .as_array()?
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_string))
                    .collect(),
            ),
        })
    }
}

/// An index key schema: one or more partition key attributes (several only for GSIs with
/// multi-attribute keys) and zero or more sort key attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexKeySchema {
    pub hash: Vec<KeyAttribute>,
    pub range: Vec<KeyAttribute>,
}

impl IndexKeySchema {
    pub fn attributes(&self) -> impl Iterator<Item = &KeyAttribute> {
        self.hash.iter().chain(self.range.iter())
    }

    pub fn is_key(&self, name: &str) -> bool {
        self.attributes().any(|k| k.name == name)
    }

    pub fn to_json(&self) -> Value {
        let hash = self
            .hash
            .iter()
            .map(|k| json!({"AttributeName": k.name, "KeyType": "HASH"}));
        let range = self
            .range
            .iter()
            .map(|k| json!({"AttributeName": k.name, "KeyType": "RANGE"}));
        Value::Array(hash.chain(range).collect())
    }

    /// The single-attribute form, when the schema has one (what Query's key condition expects).
    pub fn simple(&self) -> Option<(&KeyAttribute, Option<&KeyAttribute>)> {
        match (self.hash.as_slice(), self.range.as_slice()) {
            ([h], []) => Some((h, None)),
            ([h], [r]) => Some((h, Some(r))),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct IndexDefinition {
    pub name: String,
    pub kind: IndexKind,
    pub key_schema: IndexKeySchema,
    pub projection: ProjectionType,
    /// (read, write) units; zero for on-demand tables and for LSIs (which share the table's).
    pub throughput: (i64, i64),
    pub arn: String,
    /// CREATING (backfilling in its second half), UPDATING or DELETING, until it ends.
    pub pending: Option<Pending>,
}

impl IndexDefinition {
    /// IndexStatus at `now`, and whether a CREATING index is backfilling.
    pub fn status(&self, now: i64) -> (&str, bool) {
        match &self.pending {
            Some(p) if p.active_at(now) => {
                let backfilling = p.status == "CREATING"
                    && now >= p.since_millis + (p.until_millis - p.since_millis) / 2;
                (&p.status, backfilling)
            }
            _ => ("ACTIVE", false),
        }
    }
}

impl IndexDefinition {
    pub fn to_json(&self) -> Value {
        json!({
            "IndexName": self.name,
            "Kind": match self.kind { IndexKind::Global => "GLOBAL", IndexKind::Local => "LOCAL" },
            "KeySchema": self.key_schema.to_json(),
            "Projection": self.projection.to_json(),
            "ReadCapacityUnits": self.throughput.0,
            "WriteCapacityUnits": self.throughput.1,
            "IndexArn": self.arn,
            "Pending": serde_json::to_value(&self.pending).unwrap_or_default(),
        })
    }

    pub fn from_json(v: &Value, attrs: &[KeyAttribute]) -> Option<IndexDefinition> {
        let ty_of = |name: &str| attrs.iter().find(|a| a.name == name).map(|a| a.ty);
        let mut hash = Vec::new();
        let mut range = Vec::new();
        for k in v["KeySchema"].as_array()? {
            let name = k["AttributeName"].as_str()?.to_string();
            let attr = KeyAttribute {
                ty: ty_of(&name)?,
                name,
            };
            match k["KeyType"].as_str()? {
                "HASH" => hash.push(attr),
                _ => range.push(attr),
            }
        }
        Some(IndexDefinition {
            name: v["IndexName"].as_str()?.to_string(),
            kind: if v["Kind"] == "LOCAL" {
                IndexKind::Local
            } else {
                IndexKind::Global
            },
            key_schema: IndexKeySchema { hash, range },
            projection: ProjectionType::from_json(&v["Projection"])?,
            throughput: (
                v["ReadCapacityUnits"].as_i64()?,
                v["WriteCapacityUnits"].as_i64()?,
            ),
            arn: v["IndexArn"].as_str()?.to_string(),
            pending: serde_json::from_value(v["Pending"].clone()).unwrap_or_default(),
        })
    }
}

/// An index partition: the hash of its partition key values, then the values.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IndexPartition {
    pub hash: u64,
    pub values: Vec<KeyValue>,
}

/// Where an entry sits inside its index partition: the index sort key, then the table's primary
/// key (several items may share an index key; the table key keeps them apart and ordered).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IndexSort {
    pub values: Vec<KeyValue>,
    pub table_key: PrimaryKey,
}

#[derive(Debug, Clone)]
pub struct Index {
    pub def: IndexDefinition,
    pub entries: BTreeMap<IndexPartition, BTreeMap<IndexSort, Item>>,
    pub item_count: u64,
    pub size_bytes: u64,
}

impl Index {
    pub fn new(def: IndexDefinition) -> Index {
        Index {
            def,
            entries: BTreeMap::new(),
            item_count: 0,
            size_bytes: 0,
        }
    }

    /// The item's place in this index, or None when it lacks a key attribute or has one of
    /// another type (a sparse index leaves it out).
    pub fn place(&self, item: &Item) -> Option<(IndexPartition, Vec<KeyValue>)> {
        let values = |attrs: &[KeyAttribute]| -> Option<Vec<KeyValue>> {
            attrs
                .iter()
                .map(|a| {
                    let v = item.get(&a.name)?;
                    (v.type_name() == a.ty.as_str())
                        .then(|| KeyValue::from_attribute(v))
                        .flatten()
                })
                .collect()
        };
        let hash_values = values(&self.def.key_schema.hash)?;
        let sort_values = values(&self.def.key_schema.range)?;
        Some((
            IndexPartition {
                hash: partition_hash_of(&hash_values),
                values: hash_values,
            },
            sort_values,
        ))
    }

    /// Whether the index stores attribute `name`: its keys, the table's keys, and the projection.
    fn stores(&self, name: &str, table_keys: &KeySchema) -> bool {
        self.def.key_schema.is_key(name)
            || table_keys.is_key(name)
            || match &self.def.projection {
                ProjectionType::All => true,
                ProjectionType::KeysOnly => false,
                ProjectionType::Include(names) => names.iter().any(|n| n == name),
            }
    }

    /// The attributes the index stores for `item`: its keys, the table's keys, and the projection.
    pub fn project(&self, item: &Item, table_keys: &KeySchema) -> Item {
        item.iter()
            .filter(|(name, _)| self.stores(name, table_keys))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The size of the entry `project` would store for `item`, without building it.
    pub fn projected_size(&self, item: &Item, table_keys: &KeySchema) -> usize {
        item.iter()
            .filter(|(name, _)| self.stores(name, table_keys))
            .fold(0usize, |sum, (name, value)| {
                sum.saturating_add(name.len())
                    .saturating_add(crate::value::size::value_size(value))
            })
    }

    /// Moves the index entry of one table item from its old state to its new one.
    pub fn apply(
        &mut self,
        table_key: &PrimaryKey,
        old: Option<&Item>,
        new: Option<&Item>,
        table_keys: &KeySchema,
    ) {
        if let Some((partition, values)) = old.and_then(|o| self.place(o)) {
            let sort = IndexSort {
                values,
                table_key: table_key.clone(),
            };
            if let Some(entries) = self.entries.get_mut(&partition) {
                if let Some(removed) = entries.remove(&sort) {
                    self.item_count -= 1;
                    self.size_bytes = self.size_bytes.saturating_sub(item_size(&removed) as u64);
                }
                if entries.is_empty() {
                    self.entries.remove(&partition);
                }
            }
        }
        if let Some(item) = new {
            if let Some((partition, values)) = self.place(item) {
                let projected = self.project(item, table_keys);
                self.size_bytes += item_size(&projected) as u64;
                self.item_count += 1;
                let sort = IndexSort {
                    values,
                    table_key: table_key.clone(),
                };
                self.entries
                    .entry(partition)
                    .or_default()
                    .insert(sort, projected);
            }
        }
    }

    /// The scalar type of an index key attribute, if `name` is one.
    pub fn key_type(&self, name: &str) -> Option<ScalarType> {
        self.def
            .key_schema
            .attributes()
            .find(|a| a.name == name)
            .map(|a| a.ty)
    }
}
