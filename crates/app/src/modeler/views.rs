//! The two ways NoSQL Workbench's visualizer shows a table: the facet view (one entity's items, with
//! its key patterns as column headers) and the aggregate view (every item, grouped by partition key,
//! for the table or one of its indexes).

use serde_json::Value;

use super::pattern;
use super::{display_text, scalar_text, Projection, TableModel};

/// A grid: column headers and rows of cell texts ("" where an item lacks the attribute).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Grid {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// One entity's items. An item belongs to the entity when it was given under it (a Workbench facet's
/// TableData), or, untagged, when its table key values match the entity's patterns.
pub fn facet(table: &TableModel, entity_name: &str) -> Result<Grid, String> {
    let entity = table
        .entities
        .iter()
        .find(|e| e.name == entity_name)
        .ok_or_else(|| format!("Table {} has no entity named {entity_name}.", table.name))?;
    let keys: Vec<&str> = std::iter::once(table.partition_key.name.as_str())
        .chain(table.sort_key.as_ref().map(|k| k.name.as_str()))
        .collect();
    let mut columns: Vec<String> = keys
        .iter()
        .map(|k| entity.key_pattern(k).unwrap_or(k).to_string())
        .collect();
    let mut attributes: Vec<&str> = entity
        .keys
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| !keys.contains(name))
        .collect();
    attributes.extend(
        entity
            .attributes
            .iter()
            .map(String::as_str)
            .filter(|a| !keys.contains(a) && !entity.keys.iter().any(|(k, _)| k == a)),
    );
    columns.extend(attributes.iter().map(|a| a.to_string()));

    let matches_patterns = |item: &Value| {
        // Untagged items need a pattern for every table key to be recognised.
        keys.iter().all(|key| match entity.key_pattern(key) {
            Some(p) => item
                .get(*key)
                .and_then(scalar_text)
                .is_some_and(|v| pattern::matches(p, &v)),
            None => false,
        })
    };
    let rows = table
        .items
        .iter()
        .filter(|sample| match &sample.entity {
            Some(name) => name == entity_name,
            None => matches_patterns(&sample.item),
        })
        .map(|sample| {
            keys.iter()
                .chain(attributes.iter())
                .map(|a| sample.item.get(*a).map(display_text).unwrap_or_default())
                .collect()
        })
        .collect();
    Ok(Grid { columns, rows })
}

/// One partition of the aggregate view.
#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    pub key: String,
    /// Each item's sort key text (empty without a sort key) and its other attributes as
    /// (name, text), in the item's order.
    pub items: Vec<(String, Vec<(String, String)>)>,
}

/// Orders key texts as DynamoDB orders the values: numbers numerically, the rest bytewise.
fn key_order(kind: &str, a: &str, b: &str) -> std::cmp::Ordering {
    if kind == "N" {
        if let (Ok(x), Ok(y)) = (a.parse::<f64>(), b.parse::<f64>()) {
            return x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal);
        }
    }
    a.as_bytes().cmp(b.as_bytes())
}

/// Every item of the table (or of an index: only items carrying its keys, with only its projected
/// attributes) grouped by partition key, partitions and items in key order.
pub fn aggregate(table: &TableModel, index: Option<&str>) -> Result<Vec<Partition>, String> {
    let (partition_key, sort_key) = table.keys_of(index)?;
    let projection = index
        .and_then(|name| table.index(name))
        .map(|i| &i.projection);
    let table_keys: Vec<&str> = std::iter::once(table.partition_key.name.as_str())
        .chain(table.sort_key.as_ref().map(|k| k.name.as_str()))
        .collect();
    let projected = |name: &str| match projection {
        None | Some(Projection::All) => true,
        Some(Projection::KeysOnly) => table_keys.contains(&name),
        Some(Projection::Include(names)) => {
            table_keys.contains(&name) || names.iter().any(|n| n == name)
        }
    };
    let mut partitions: Vec<Partition> = Vec::new();
    for sample in &table.items {
        let Some(object) = sample.item.as_object() else {
            continue;
        };
        let Some(key) = object.get(&partition_key.name).and_then(scalar_text) else {
            continue;
        };
        let sort = match sort_key {
            Some(sort_key) => match object.get(&sort_key.name).and_then(scalar_text) {
                Some(sort) => sort,
                None => continue,
            },
            None => String::new(),
        };
        let attributes = object
            .iter()
            .filter(|(name, _)| {
                **name != partition_key.name
                    && sort_key.is_none_or(|s| **name != s.name)
                    && projected(name)
            })
            .map(|(name, value)| (name.clone(), display_text(value)))
            .collect();
        match partitions.iter_mut().find(|p| p.key == key) {
            Some(partition) => partition.items.push((sort, attributes)),
            None => partitions.push(Partition {
                key,
                items: vec![(sort, attributes)],
            }),
        }
    }
    partitions.sort_by(|a, b| key_order(&partition_key.kind, &a.key, &b.key));
    let sort_kind = sort_key.map_or("S", |s| s.kind.as_str());
    for partition in &mut partitions {
        partition
            .items
            .sort_by(|a, b| key_order(sort_kind, &a.0, &b.0));
    }
    Ok(partitions)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::shop;
    use super::super::SampleItem;
    use super::*;
    use serde_json::json;

    #[test]
    fn the_facet_view_shows_one_entitys_items_under_its_patterns() {
        let table = shop();
        let users = facet(&table, "User").unwrap();
        assert_eq!(users.columns, vec!["USER#<userId>", "PROFILE", "name"]);
        assert_eq!(
            users.rows,
            vec![
                vec!["USER#u1", "PROFILE", "Ada"],
                vec!["USER#u2", "PROFILE", "Grace"]
            ]
        );
        let orders = facet(&table, "Order").unwrap();
        assert_eq!(
            orders.columns,
            vec![
                "USER#<userId>",
                "ORDER#<orderDate>#<orderId>",
                "GSI1PK",
                "GSI1SK",
                "total",
                "status"
            ]
        );
        assert_eq!(orders.rows.len(), 3);
        assert_eq!(orders.rows[1][4], "120");
        assert!(facet(&table, "Nobody").is_err());
    }

    #[test]
    fn a_tagged_item_belongs_to_its_facet_whatever_its_keys() {
        let mut table = shop();
        table.items.push(SampleItem {
            entity: Some("User".into()),
            item: json!({ "PK": { "S": "odd" }, "SK": { "S": "odd" } }),
        });
        assert_eq!(facet(&table, "User").unwrap().rows.len(), 3);
        assert_eq!(facet(&table, "Order").unwrap().rows.len(), 3);
    }

    #[test]
    fn the_aggregate_view_groups_by_partition_in_key_order() {
        let table = shop();
        let partitions = aggregate(&table, None).unwrap();
        assert_eq!(
            partitions
                .iter()
                .map(|p| p.key.as_str())
                .collect::<Vec<_>>(),
            vec!["USER#u1", "USER#u2"]
        );
        let sorts: Vec<&str> = partitions[0]
            .items
            .iter()
            .map(|(s, _)| s.as_str())
            .collect();
        assert_eq!(
            sorts,
            vec!["ORDER#2024-01-05#o1", "ORDER#2024-02-11#o2", "PROFILE"]
        );
        assert_eq!(
            partitions[0].items[2].1,
            vec![("name".into(), "Ada".into())]
        );
    }

    #[test]
    fn an_index_aggregate_is_sparse_and_projected() {
        let mut table = shop();
        let by_status = aggregate(&table, Some("ByStatus")).unwrap();
        assert_eq!(
            by_status.iter().map(|p| p.key.as_str()).collect::<Vec<_>>(),
            vec!["STATUS#PENDING", "STATUS#SHIPPED"]
        );
        assert_eq!(by_status[1].items.len(), 2);
        table.gsis[0].projection = Projection::KeysOnly;
        let keys_only = aggregate(&table, Some("ByStatus")).unwrap();
        let names: Vec<&str> = keys_only[0].items[0]
            .1
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(names, vec!["PK", "SK"]);
    }
}
