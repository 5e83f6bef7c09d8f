//! Consumed capacity: read and write units as DynamoDB charges them, and the
//! `ConsumedCapacity` member of responses.

use serde_json::{json, Value};

/// Reads are charged in 4 KB units; an eventually consistent read costs half.
pub const READ_UNIT_BYTES: usize = 4096;
/// Writes are charged in 1 KB units.
pub const WRITE_UNIT_BYTES: usize = 1024;

/// Units for reading `bytes` at once (one item, or a whole Query/Scan page: DynamoDB rounds the
/// page's total, not each item). At least one unit, even for nothing found.
pub fn read_units(bytes: usize, consistent: bool) -> f64 {
    let units = bytes.div_ceil(READ_UNIT_BYTES).max(1) as f64;
    if consistent {
        units
    } else {
        units / 2.0
    }
}

/// Units for a transactional read of `bytes` (TransactGetItems, and the reads in
/// TransactWriteItems): twice a strongly consistent read.
pub fn transactional_read_units(bytes: usize) -> f64 {
    2.0 * read_units(bytes, true)
}

/// Units for a transactional write: twice a standard write.
pub fn transactional_write_units(old_bytes: usize, new_bytes: usize) -> f64 {
    2.0 * write_units(old_bytes, new_bytes)
}

/// Units for writing an item: the larger of the old and new item, in 1 KB units, at least one.
pub fn write_units(old_bytes: usize, new_bytes: usize) -> f64 {
    old_bytes.max(new_bytes).div_ceil(WRITE_UNIT_BYTES).max(1) as f64
}

/// How much detail ReturnConsumedCapacity asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    None,
    Total,
    Indexes,
}

impl Detail {
    pub fn parse(s: Option<&str>) -> Detail {
        match s {
            Some("TOTAL") => Detail::Total,
            Some("INDEXES") => Detail::Indexes,
            _ => Detail::None,
        }
    }
}

/// The `ConsumedCapacity` object for one table, or None when not asked for.
pub fn consumed(detail: Detail, table: &str, units: f64) -> Option<Value> {
    match detail {
        Detail::None => None,
        Detail::Total => Some(json!({"TableName": table, "CapacityUnits": units})),
        Detail::Indexes => Some(
            json!({"TableName": table, "CapacityUnits": units, "Table": {"CapacityUnits": units}}),
        ),
    }
}

/// `ConsumedCapacity` for a read or write that touched an index: the total, and with INDEXES
/// the table's and the index's shares under `Table` and `GlobalSecondaryIndexes` /
/// `LocalSecondaryIndexes`.
pub fn consumed_with_index(
    detail: Detail,
    table: &str,
    table_units: f64,
    index: &str,
    kind: crate::index::IndexKind,
    index_units: f64,
) -> Option<Value> {
    match detail {
        Detail::None => None,
        Detail::Total => {
            Some(json!({"TableName": table, "CapacityUnits": table_units + index_units}))
        }
        Detail::Indexes => {
            let key = match kind {
                crate::index::IndexKind::Global => "GlobalSecondaryIndexes",
                crate::index::IndexKind::Local => "LocalSecondaryIndexes",
            };
            let mut v = json!({
                "TableName": table,
                "CapacityUnits": table_units + index_units,
                "Table": {"CapacityUnits": table_units},
            });
            if let Some(obj) = v.as_object_mut() {
                obj.insert(key.into(), json!({ index: {"CapacityUnits": index_units} }));
            }
            Some(v)
        }
    }
}

/// What one index is charged for a table write that moves `old` to `new` (None: absent).
/// DynamoDB writes an index only when the item's entry in it changes: putting an entry (the item
/// enters the index) or deleting one (it leaves) is one write of that entry's size; moving the
/// entry to another index key is two (delete the old entry, put the new); rewriting the entry in
/// place costs the larger of the two entries; an entry that stays the same costs nothing. The
/// size is the projected entry's (keys plus projected attributes).
pub fn index_write_units(
    index: &crate::index::Index,
    table_keys: &crate::table::KeySchema,
    old: Option<&crate::value::Item>,
    new: Option<&crate::value::Item>,
) -> f64 {
    use crate::value::size::item_size;
    let old_place = old.and_then(|o| index.place(o));
    let new_place = new.and_then(|n| index.place(n));
    let entry = |item: Option<&crate::value::Item>| item.map(|i| index.project(i, table_keys));
    match (old_place, new_place) {
        (None, None) => 0.0,
        (Some(_), None) => write_units(entry(old).map_or(0, |e| item_size(&e)), 0),
        (None, Some(_)) => write_units(0, entry(new).map_or(0, |e| item_size(&e))),
        (Some(a), Some(b)) => {
            let (before, after) = (
                entry(old).unwrap_or_default(),
                entry(new).unwrap_or_default(),
            );
            if a != b {
                write_units(item_size(&before), 0) + write_units(0, item_size(&after))
            } else if before == after {
                0.0
            } else {
                write_units(item_size(&before), item_size(&after))
            }
        }
    }
}

/// Capacity one request consumed on one table: the table's own units and each index's, in the
/// table's index order (only indexes that were charged).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Consumed {
    pub table: f64,
    pub indexes: Vec<(String, crate::index::IndexKind, f64)>,
}

impl Consumed {
    pub fn table_only(units: f64) -> Consumed {
        Consumed {
            table: units,
            indexes: Vec::new(),
        }
    }

    pub fn total(&self) -> f64 {
        self.table + self.indexes.iter().map(|(_, _, u)| u).sum::<f64>()
    }

    /// The same consumption at `factor` times the units: transactional reads and writes cost
    /// double, on the table and on every index alike.
    pub fn scaled(&self, factor: f64) -> Consumed {
        Consumed {
            table: self.table * factor,
            indexes: self
                .indexes
                .iter()
                .map(|(n, k, u)| (n.clone(), *k, u * factor))
                .collect(),
        }
    }

    /// Adds another request's consumption on the same table (BatchWriteItem sums per table).
    pub fn add(&mut self, other: &Consumed) {
        self.table += other.table;
        for (name, kind, units) in &other.indexes {
            match self.indexes.iter_mut().find(|(n, _, _)| n == name) {
                Some(entry) => entry.2 += units,
                None => self.indexes.push((name.clone(), *kind, *units)),
            }
        }
    }

    /// The `ConsumedCapacity` object: TOTAL gives the sum; INDEXES adds `Table` and one map per
    /// index kind, each present only when some index of that kind was charged.
    pub fn to_json(&self, detail: Detail, table: &str) -> Option<Value> {
        if detail == Detail::None {
            return None;
        }
        let mut v = json!({"TableName": table, "CapacityUnits": self.total()});
        if detail == Detail::Indexes {
            if let Some(obj) = v.as_object_mut() {
                obj.insert("Table".into(), json!({"CapacityUnits": self.table}));
                for (kind, key) in [
                    (crate::index::IndexKind::Global, "GlobalSecondaryIndexes"),
                    (crate::index::IndexKind::Local, "LocalSecondaryIndexes"),
                ] {
                    let map: serde_json::Map<String, Value> = self
                        .indexes
                        .iter()
                        .filter(|(_, k, _)| *k == kind)
                        .map(|(n, _, u)| (n.clone(), json!({"CapacityUnits": u})))
                        .collect();
                    if !map.is_empty() {
                        obj.insert(key.into(), Value::Object(map));
                    }
                }
            }
        }
        Some(v)
    }
}

/// The capacity of writing one item from `old` to `new` on `table`: the table's write units and
/// each index's. A write whose condition failed is charged `failed_write` instead.
pub fn write_consumed(
    table: &crate::table::Table,
    old: Option<&crate::value::Item>,
    new: Option<&crate::value::Item>,
) -> Consumed {
    use crate::value::size::item_size;
    let mut consumed = Consumed::table_only(write_units(
        old.map_or(0, item_size),
        new.map_or(0, item_size),
    ));
    for index in &table.indexes {
        let units = index_write_units(index, &table.def.key_schema, old, new);
        if units > 0.0 {
            consumed
                .indexes
                .push((index.def.name.clone(), index.def.kind, units));
        }
    }
    consumed
}

/// A write whose condition failed still consumes write capacity: the existing item's size in
/// 1 KB units, at least one; indexes are not touched.
pub fn failed_write(old: Option<&crate::value::Item>) -> Consumed {
    Consumed::table_only(write_units(old.map_or(0, crate::value::size::item_size), 0))
}

#[cfg(test)]
mod tests {
    //! The Developer Guide's worked examples ("Capacity unit consumption for read operations" and
    //! "... for write operations"), so the arithmetic is pinned to what DynamoDB publishes.
    use super::*;

    const KB: usize = 1024;

    #[test]
    fn get_item_rounds_up_to_4_kb() {
        // "reading a 3,500-byte item consumes the same throughput as reading a 4 KB item"
        assert_eq!(read_units(3500, true), 1.0);
        assert_eq!(read_units(3500, false), 0.5);
        // "If you read a 10 KB item, DynamoDB rounds the item size to 12 KB."
        assert_eq!(read_units(10 * KB, true), 3.0);
        assert_eq!(read_units(10 * KB, false), 1.5);
    }

    #[test]
    fn an_8_kb_item_costs_2_1_or_4() {
        // "if your item size is 8 KB, you require 2 read units to sustain one strongly
        // consistent read, 1 read unit if you choose eventually consistent reads, or 4 read
        // units for a transactional read request"
        assert_eq!(read_units(8 * KB, true), 2.0);
        assert_eq!(read_units(8 * KB, false), 1.0);
        assert_eq!(transactional_read_units(8 * KB), 4.0);
    }

    #[test]
    fn batch_get_rounds_each_item_query_rounds_the_total() {
        // BatchGetItem of a 1.5 KB and a 6.5 KB item: 4 KB + 8 KB = 12 KB, not 8 KB.
        let batch = read_units(1536, true) + read_units(6656, true);
        assert_eq!(batch, 3.0);
        // A Query over the same two items is rounded once: 8 KB.
        assert_eq!(read_units(1536 + 6656, true), 2.0);
        // Nothing read still costs the minimum.
        assert_eq!(read_units(0, false), 0.5);
    }

    #[test]
    fn writes_round_up_to_1_kb_on_the_larger_item() {
        // Item sizes for writes round up to the next 1 KB: 500 bytes is one unit, 1.5 KB two.
        assert_eq!(write_units(0, 500), 1.0);
        // Replacing a 3.5 KB item with a 500-byte one is charged on the larger (4 units), and
        // so is deleting it.
        assert_eq!(write_units(0, 1536), 2.0);
        assert_eq!(write_units(3584, 500), 4.0);
        assert_eq!(write_units(3584, 0), 4.0);
        assert_eq!(transactional_write_units(0, 1536), 4.0);
        // Deleting an item that is not there still costs one unit.
        assert_eq!(write_units(0, 0), 1.0);
    }

    #[test]
    fn consumed_shows_indexes_only_when_charged() {
        let c = Consumed {
            table: 1.0,
            indexes: vec![
                ("G".into(), crate::index::IndexKind::Global, 2.0),
                ("L".into(), crate::index::IndexKind::Local, 1.0),
            ],
        };
        assert_eq!(
            c.to_json(Detail::Indexes, "T"),
            Some(
                json!({"TableName": "T", "CapacityUnits": 4.0, "Table": {"CapacityUnits": 1.0},
                "GlobalSecondaryIndexes": {"G": {"CapacityUnits": 2.0}},
                "LocalSecondaryIndexes": {"L": {"CapacityUnits": 1.0}}})
            )
        );
        assert_eq!(
            c.to_json(Detail::Total, "T"),
            Some(json!({"TableName": "T", "CapacityUnits": 4.0}))
        );
        assert_eq!(c.to_json(Detail::None, "T"), None);
        // A transactional write of the same change costs double everywhere.
        assert_eq!(c.scaled(2.0).total(), 8.0);
        assert_eq!(c.scaled(2.0).indexes[0].2, 4.0);
    }
}
