//! The sandbox export document (`exportSandbox` / `importSandbox` in the browser, share files and
//! links): everything a `Storage` holds as one versioned JSON document, format
//! `dynaplay-sandbox`. Pure, so the round trip is tested natively; the browser runtime
//! (`crates/wasm/src/sandbox.rs`) only adds its clock offset and a probe open.
//!
//! Versions: 1 holds tables, items, streams, stream records, backups, PITR settings and change
//! logs. 2 adds the global tables simulation's state: `replications` (writes still on their
//! way, `[[queue number, record], ...]`), `replicaStamps` (`{table: [[hex key, stamp], ...]}`),
//! `conflicts` (`[[number, record], ...]`) and `globalTables` (the settings record, when there
//! is one). A version 1 document reads as one with none of them.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::storage::Snapshot;

pub const FORMAT: &str = "dynaplay-sandbox";
pub const VERSION: u32 = 2;

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

fn map_json(rows: &BTreeMap<String, String>) -> Value {
    Value::Object(
        rows.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// `{name: [[hex key, text], ...]}` (items, replication stamps).
fn keyed_rows(rows: &BTreeMap<String, BTreeMap<Vec<u8>, String>>) -> Value {
    Value::Object(
        rows.iter()
            .map(|(t, rows)| {
                let rows = rows.iter().map(|(k, v)| json!([to_hex(k), v])).collect();
                (t.clone(), Value::Array(rows))
            })
            .collect(),
    )
}

/// `[[number, text], ...]` (change-log entries, queued replications, conflicts).
fn numbered_rows(rows: &BTreeMap<u64, String>) -> Value {
    Value::Array(rows.iter().map(|(k, v)| json!([k, v])).collect())
}

/// The sandbox as one JSON document, at the current version.
pub fn export(snapshot: &Snapshot, clock_offset_millis: i64) -> Value {
    let changes: Map<_, _> = snapshot
        .changes
        .iter()
        .map(|(t, rows)| (t.clone(), numbered_rows(rows)))
        .collect();
    let records: Map<_, _> = snapshot
        .stream_records
        .iter()
        .map(|(s, rows)| (s.clone(), map_json(rows)))
        .collect();
    let mut doc = json!({
        "format": FORMAT,
        "version": VERSION,
        "clockOffsetMillis": clock_offset_millis,
        "tables": map_json(&snapshot.tables),
        "items": keyed_rows(&snapshot.items),
        "streams": map_json(&snapshot.streams),
        "streamRecords": records,
        "backups": map_json(&snapshot.backups),
        "continuousBackups": map_json(&snapshot.continuous_backups),
        "changes": changes,
        "replications": numbered_rows(&snapshot.replications),
        "replicaStamps": keyed_rows(&snapshot.replica_stamps),
        "conflicts": numbered_rows(&snapshot.conflicts),
    });
    if let (Some(settings), Some(obj)) = (&snapshot.global_tables, doc.as_object_mut()) {
        obj.insert("globalTables".into(), Value::String(settings.clone()));
    }
    doc
}

/// Reads a document of any version up to [`VERSION`]; every error names what is wrong. Whether
/// the engine can open what it holds is the caller's to check (`Engine::open`).
pub fn import(doc: &Value) -> Result<(Snapshot, i64), String> {
    if doc.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(format!(
            "not a Dynaplay sandbox export (format must be \"{FORMAT}\")"
        ));
    }
    match doc.get("version").and_then(Value::as_u64) {
        Some(v) if (1..=u64::from(VERSION)).contains(&v) => {}
        _ => {
            return Err(format!(
                "unsupported sandbox export version (this Dynaplay reads 1 to {VERSION})"
            ))
        }
    }
    let object = |field: &str| {
        doc.get(field)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
    };
    let strings = |field: &str| -> Result<BTreeMap<String, String>, String> {
        let mut out = BTreeMap::new();
        for (k, v) in object(field) {
            let v = v
                .as_str()
                .ok_or_else(|| format!("{field}.{k} must be a string"))?;
            out.insert(k.clone(), v.to_string());
        }
        Ok(out)
    };
    let keyed = |field: &str| -> Result<BTreeMap<String, BTreeMap<Vec<u8>, String>>, String> {
        let mut out: BTreeMap<String, BTreeMap<Vec<u8>, String>> = BTreeMap::new();
        for (name, rows) in object(field) {
            let entry = out.entry(name.clone()).or_default();
            for row in rows.as_array().into_iter().flatten() {
                let key = row[0].as_str().and_then(from_hex);
                match (key, row[1].as_str()) {
                    (Some(k), Some(v)) => {
                        entry.insert(k, v.to_string());
                    }
                    _ => return Err(format!("{field}.{name} has a malformed row")),
                }
            }
        }
        Ok(out)
    };
    let numbered = |rows: &Value, what: &str| -> Result<BTreeMap<u64, String>, String> {
        let mut out = BTreeMap::new();
        for row in rows.as_array().into_iter().flatten() {
            match (row[0].as_u64(), row[1].as_str()) {
                (Some(k), Some(v)) => {
                    out.insert(k, v.to_string());
                }
                _ => return Err(format!("{what} has a malformed row")),
            }
        }
        Ok(out)
    };
    let mut snapshot = Snapshot {
        tables: strings("tables")?,
        items: keyed("items")?,
        streams: strings("streams")?,
        backups: strings("backups")?,
        continuous_backups: strings("continuousBackups")?,
        replica_stamps: keyed("replicaStamps")?,
        ..Snapshot::default()
    };
    for (stream, rows) in object("streamRecords") {
        let entry = snapshot.stream_records.entry(stream.clone()).or_default();
        for (k, v) in rows.as_object().into_iter().flatten() {
            let v = v
                .as_str()
                .ok_or_else(|| format!("streamRecords.{stream} has a malformed row"))?;
            entry.insert(k.clone(), v.to_string());
        }
    }
    for (table, rows) in object("changes") {
        snapshot
            .changes
            .insert(table.clone(), numbered(rows, &format!("changes.{table}"))?);
    }
    snapshot.replications = numbered(&doc["replications"], "replications")?;
    snapshot.conflicts = numbered(&doc["conflicts"], "conflicts")?;
    snapshot.global_tables = match doc.get("globalTables") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("globalTables must be a string".into()),
    };
    let offset = doc
        .get("clockOffsetMillis")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    Ok((snapshot, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_odd_or_foreign_text() {
        assert_eq!(
            from_hex(&to_hex(&[0, 1, 254, 255])),
            Some(vec![0, 1, 254, 255])
        );
        assert_eq!(from_hex("abc"), None);
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_hex("é1"), None);
    }

    /// Why: a newer document than this code reads must be refused with words, not half read.
    #[test]
    fn other_formats_and_versions_are_refused() {
        let refused = |doc: Value| import(&doc).expect_err("refused");
        assert!(refused(json!({"format": "x", "version": 1})).contains("not a Dynaplay"));
        assert!(refused(json!({"format": FORMAT, "version": VERSION + 1})).contains("1 to 2"));
        assert!(refused(json!({"format": FORMAT, "version": 0})).contains("unsupported"));
        assert!(
            refused(json!({"format": FORMAT, "version": 2, "conflicts": [["x", "y"]]}))
                .contains("conflicts has a malformed row")
        );
        assert!(refused(
            json!({"format": FORMAT, "version": 2, "replicaStamps": {"T": [["0g", "{}"]]}})
        )
        .contains("replicaStamps.T"));
    }
}
