//! The data modeler: a single-table design as data. A model holds tables; each table has its key
//! attributes, secondary indexes, entities (each with a key pattern such as `USER#<userId>` per key
//! attribute), access patterns and sample items. Pure, so everything here is tested on the host,
//! including against the engine itself.
//!
//! - `pattern` — key patterns: fill `<name>` placeholders, match a value, take a prefix.
//! - `requests` — an access pattern as the Query (or the flagged Scan) the engine runs, and the
//!   CreateTable/PutItem requests that build a table and its sample data.
//! - `views` — NoSQL Workbench's facet view (one entity's items) and aggregate view (all items
//!   grouped by partition key).
//! - `workbench` — NoSQL Workbench model JSON (import 1.0–3.0, export 3.0).
//! - `document` — the model as Dynaplay stores and shares it: the Workbench export plus what
//!   Workbench has no place for (access patterns, index key patterns, LSIs).

pub mod document;
pub mod pattern;
pub mod requests;
pub mod views;
pub mod workbench;

use serde_json::{Map, Value};

/// A whole design: one or more tables.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    pub name: String,
    pub author: String,
    pub description: String,
    /// Workbench's `DateCreated` / `DateLastModified`, kept as written.
    pub created: String,
    pub modified: String,
    pub tables: Vec<TableModel>,
}

/// A key attribute: its name and scalar type (`S`, `N` or `B`).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyAttribute {
    pub name: String,
    pub kind: String,
}

impl KeyAttribute {
    pub fn new(name: &str, kind: &str) -> KeyAttribute {
        KeyAttribute {
            name: name.to_string(),
            kind: kind.to_string(),
        }
    }
}

/// What an index holds besides the keys.
#[derive(Debug, Clone, PartialEq)]
pub enum Projection {
    All,
    KeysOnly,
    Include(Vec<String>),
}

/// A GSI or LSI (an LSI's partition key is the table's).
#[derive(Debug, Clone, PartialEq)]
pub struct IndexModel {
    pub name: String,
    pub partition_key: KeyAttribute,
    pub sort_key: Option<KeyAttribute>,
    pub projection: Projection,
}

/// An entity type stored in the table (Workbench calls it a facet).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Entity {
    pub name: String,
    /// Key attribute name → pattern, for the table's keys and any index keys the entity fills.
    pub keys: Vec<(String, String)>,
    /// Its other attributes (their types are the table's `attributes`).
    pub attributes: Vec<String>,
}

impl Entity {
    /// The pattern this entity gives `attribute`, if any.
    pub fn key_pattern(&self, attribute: &str) -> Option<&str> {
        self.keys
            .iter()
            .find(|(name, _)| name == attribute)
            .map(|(_, p)| p.as_str())
    }

    /// A sample item of this entity from its attributes (DynamoDB JSON): every key attribute the
    /// entity has a pattern for is filled from the attributes' values (`USER#<userId>` with userId
    /// `u1` → `USER#u1`), typed as the table declares it; the attributes are kept beside the keys.
    pub fn sample_item(&self, table: &TableModel, attributes: &Value) -> Result<Value, String> {
        let given = attributes
            .as_object()
            .ok_or_else(|| "The attributes must be a DynamoDB JSON object.".to_string())?;
        let lookup = |name: &str| given.get(name).and_then(scalar_text);
        let mut item = serde_json::Map::new();
        for (attribute, key_pattern) in &self.keys {
            let value = pattern::fill(key_pattern, lookup)?;
            item.insert(
                attribute.clone(),
                requests::typed(table.type_of(attribute), &value),
            );
        }
        for (name, value) in given {
            item.entry(name.clone()).or_insert_with(|| value.clone());
        }
        Ok(Value::Object(item))
    }

    pub fn set_key_pattern(&mut self, attribute: &str, pattern: &str) {
        self.keys.retain(|(name, _)| name != attribute);
        if !pattern.is_empty() {
            self.keys.push((attribute.to_string(), pattern.to_string()));
        }
    }
}

/// How an access pattern's sort key is constrained.
#[derive(Debug, Clone, PartialEq)]
pub enum SortCondition {
    Equals(String),
    BeginsWith(String),
    Between(String, String),
}

/// A filter `attribute = value` applied after the read.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub attribute: String,
    /// A pattern, filled from the access pattern's parameters.
    pub value: String,
}

/// One way the application reads: which table or index, the key condition as patterns, filters,
/// and sample parameter values for the placeholders.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccessPattern {
    pub name: String,
    /// None reads the table; Some(index) an index of it.
    pub index: Option<String>,
    /// The partition key pattern; empty when no key condition serves the pattern (a Scan).
    pub partition: String,
    pub sort: Option<SortCondition>,
    pub filters: Vec<Filter>,
    /// Placeholder → sample value (`userId` → `u1`).
    pub parameters: Vec<(String, String)>,
}

/// How a table is billed.
#[derive(Debug, Clone, PartialEq)]
pub enum Billing {
    OnDemand,
    Provisioned { read: u64, write: u64 },
}

/// One sample item, and the entity (facet) it was given under, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleItem {
    pub entity: Option<String>,
    /// DynamoDB JSON (`{"PK": {"S": "..."}}`).
    pub item: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableModel {
    pub name: String,
    pub partition_key: KeyAttribute,
    pub sort_key: Option<KeyAttribute>,
    /// Non-key attributes and their types (`S`, `N`, `M`, `BOOL`, ...).
    pub attributes: Vec<KeyAttribute>,
    pub gsis: Vec<IndexModel>,
    pub lsis: Vec<IndexModel>,
    pub entities: Vec<Entity>,
    pub access_patterns: Vec<AccessPattern>,
    pub items: Vec<SampleItem>,
    pub billing: Billing,
    /// NoSQL Workbench's auto scaling settings of a provisioned table (`AutoScalingRead`,
    /// `AutoScalingWrite`), carried unchanged so an export writes back what was imported: the
    /// sandbox has no Application Auto Scaling to apply them to.
    pub auto_scaling: Map<String, Value>,
}

impl TableModel {
    pub fn new(name: &str, partition_key: KeyAttribute, sort_key: Option<KeyAttribute>) -> Self {
        TableModel {
            name: name.to_string(),
            partition_key,
            sort_key,
            attributes: Vec::new(),
            gsis: Vec::new(),
            lsis: Vec::new(),
            entities: Vec::new(),
            access_patterns: Vec::new(),
            items: Vec::new(),
            billing: Billing::OnDemand,
            auto_scaling: Map::new(),
        }
    }

    /// The index named `name` (GSI or LSI).
    pub fn index(&self, name: &str) -> Option<&IndexModel> {
        self.gsis.iter().chain(&self.lsis).find(|i| i.name == name)
    }

    /// The (partition, sort) key attributes of the table or one of its indexes.
    pub fn keys_of(
        &self,
        index: Option<&str>,
    ) -> Result<(&KeyAttribute, Option<&KeyAttribute>), String> {
        match index {
            None => Ok((&self.partition_key, self.sort_key.as_ref())),
            Some(name) => self
                .index(name)
                .map(|i| (&i.partition_key, i.sort_key.as_ref()))
                .ok_or_else(|| format!("Table {} has no index named {name}.", self.name)),
        }
    }

    /// Every key attribute of the table and its indexes, once each, in schema order.
    pub fn key_attributes(&self) -> Vec<&KeyAttribute> {
        let mut all: Vec<&KeyAttribute> = Vec::new();
        let indexes = self.gsis.iter().chain(&self.lsis);
        let candidates = std::iter::once(&self.partition_key)
            .chain(self.sort_key.as_ref())
            .chain(indexes.flat_map(|i| std::iter::once(&i.partition_key).chain(&i.sort_key)));
        for attribute in candidates {
            if !all.iter().any(|a| a.name == attribute.name) {
                all.push(attribute);
            }
        }
        all
    }

    /// The declared type of an attribute (key or not); `S` when the model does not say.
    pub fn type_of(&self, attribute: &str) -> &str {
        self.key_attributes()
            .into_iter()
            .chain(&self.attributes)
            .find(|a| a.name == attribute)
            .map_or("S", |a| a.kind.as_str())
    }
}

/// The text of a scalar DynamoDB JSON value (`{"S": "x"}` → `x`, `{"N": "1"}` → `1`).
pub fn scalar_text(value: &Value) -> Option<String> {
    let object = value.as_object()?;
    let (kind, inner) = object.iter().next()?;
    match kind.as_str() {
        "S" | "N" | "B" => inner.as_str().map(String::from),
        "BOOL" => inner.as_bool().map(|b| b.to_string()),
        "NULL" => Some("null".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entity_fills_its_key_patterns_from_sample_attributes() {
        let table = fixtures::shop();
        let order = &table.entities[1];
        let item = order
            .sample_item(
                &table,
                &serde_json::json!({
                    "userId": { "S": "u9" }, "orderDate": { "S": "2024-03-01" },
                    "orderId": { "S": "o7" }, "status": { "S": "PENDING" }, "total": { "N": "5" }
                }),
            )
            .unwrap();
        assert_eq!(item["PK"], serde_json::json!({ "S": "USER#u9" }));
        assert_eq!(
            item["SK"],
            serde_json::json!({ "S": "ORDER#2024-03-01#o7" })
        );
        assert_eq!(item["GSI1PK"], serde_json::json!({ "S": "STATUS#PENDING" }));
        assert_eq!(item["GSI1SK"], serde_json::json!({ "S": "2024-03-01" }));
        assert_eq!(item["total"], serde_json::json!({ "N": "5" }));
        assert_eq!(
            order.sample_item(&table, &serde_json::json!({ "userId": { "S": "u9" } })),
            Err("No value for <orderDate> in ORDER#<orderDate>#<orderId>.".into())
        );
        // A constant pattern needs no attributes.
        let user = table.entities[0]
            .sample_item(&table, &serde_json::json!({ "userId": { "N": "3" } }))
            .unwrap();
        assert_eq!(user["SK"], serde_json::json!({ "S": "PROFILE" }));
        assert_eq!(user["PK"], serde_json::json!({ "S": "USER#3" }));
    }

    #[test]
    fn pairs_read_and_write_back() {
        let pairs = parse_pairs(" userId = u1; month=2024-01 ,, flag");
        assert_eq!(
            pairs,
            vec![
                ("userId".to_string(), "u1".to_string()),
                ("month".to_string(), "2024-01".to_string()),
                ("flag".to_string(), String::new()),
            ]
        );
        assert_eq!(pairs_text(&pairs[..2]), "userId=u1, month=2024-01");
    }
}

/// A display text for any DynamoDB JSON value: scalars as text, the rest as compact JSON.
pub fn display_text(value: &Value) -> String {
    scalar_text(value).unwrap_or_else(|| value.to_string())
}

/// Reads `name=value` pairs separated by commas or semicolons (the page's one-line editors of
/// parameters and filters); blanks are skipped, a pair without `=` has an empty value.
pub fn parse_pairs(text: &str) -> Vec<(String, String)> {
    text.split([',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
            None => (p.to_string(), String::new()),
        })
        .collect()
}

/// The inverse of `parse_pairs`.
pub fn pairs_text(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The design the page starts from: users and their orders in one table, with a GSI by status.
pub fn example_model() -> Model {
    Model {
        name: "Shop".into(),
        author: "Dynaplay".into(),
        description: "Users and their orders in one table; a GSI lists orders by status.".into(),
        tables: vec![fixtures::shop()],
        ..Model::default()
    }
}

pub(crate) mod fixtures {
    //! A small single-table design: the page's starting example and the tests' fixture.
    use super::*;
    use serde_json::json;

    pub fn shop() -> TableModel {
        let mut table = TableModel::new(
            "Shop",
            KeyAttribute::new("PK", "S"),
            Some(KeyAttribute::new("SK", "S")),
        );
        table.attributes = vec![
            KeyAttribute::new("GSI1PK", "S"),
            KeyAttribute::new("GSI1SK", "S"),
            KeyAttribute::new("name", "S"),
            KeyAttribute::new("total", "N"),
            KeyAttribute::new("status", "S"),
        ];
        table.gsis.push(IndexModel {
            name: "ByStatus".into(),
            partition_key: KeyAttribute::new("GSI1PK", "S"),
            sort_key: Some(KeyAttribute::new("GSI1SK", "S")),
            projection: Projection::All,
        });
        table.entities = vec![
            Entity {
                name: "User".into(),
                keys: vec![
                    ("PK".into(), "USER#<userId>".into()),
                    ("SK".into(), "PROFILE".into()),
                ],
                attributes: vec!["name".into()],
            },
            Entity {
                name: "Order".into(),
                keys: vec![
                    ("PK".into(), "USER#<userId>".into()),
                    ("SK".into(), "ORDER#<orderDate>#<orderId>".into()),
                    ("GSI1PK".into(), "STATUS#<status>".into()),
                    ("GSI1SK".into(), "<orderDate>".into()),
                ],
                attributes: vec!["total".into(), "status".into()],
            },
        ];
        let user = |id: &str, name: &str| SampleItem {
            entity: None,
            item: json!({ "PK": { "S": format!("USER#{id}") }, "SK": { "S": "PROFILE" }, "name": { "S": name } }),
        };
        let order = |user: &str, date: &str, id: &str, total: u32, status: &str| SampleItem {
            entity: None,
            item: json!({
                "PK": { "S": format!("USER#{user}") },
                "SK": { "S": format!("ORDER#{date}#{id}") },
                "GSI1PK": { "S": format!("STATUS#{status}") },
                "GSI1SK": { "S": date },
                "total": { "N": total.to_string() },
                "status": { "S": status }
            }),
        };
        table.items = vec![
            user("u1", "Ada"),
            order("u1", "2024-01-05", "o1", 30, "SHIPPED"),
            order("u1", "2024-02-11", "o2", 120, "PENDING"),
            user("u2", "Grace"),
            order("u2", "2024-01-20", "o3", 75, "SHIPPED"),
        ];
        table.access_patterns = vec![
            AccessPattern {
                name: "A user's orders in January".into(),
                partition: "USER#<userId>".into(),
                sort: Some(SortCondition::BeginsWith("ORDER#<month>".into())),
                parameters: vec![
                    ("userId".into(), "u1".into()),
                    ("month".into(), "2024-01".into()),
                ],
                ..AccessPattern::default()
            },
            AccessPattern {
                name: "Shipped orders".into(),
                index: Some("ByStatus".into()),
                partition: "STATUS#<status>".into(),
                parameters: vec![("status".into(), "SHIPPED".into())],
                ..AccessPattern::default()
            },
            AccessPattern {
                name: "Orders by status, any user".into(),
                filters: vec![Filter {
                    attribute: "status".into(),
                    value: "<status>".into(),
                }],
                parameters: vec![("status".into(), "PENDING".into())],
                ..AccessPattern::default()
            },
        ];
        table
    }
}
