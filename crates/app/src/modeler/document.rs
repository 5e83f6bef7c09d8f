//! The model as Dynaplay saves and shares it: `{"dynaplayModel": 1, "workbench": <Workbench 3.0
//! export>, "tables": [...]}`, where each entry of `tables` adds what Workbench has no place for: LSIs,
//! every key pattern of each entity (index keys too) and the access patterns. A shared document is
//! untrusted: it is size-capped and checked field by field like an imported Workbench file.

use serde_json::{json, Map, Value};

use super::workbench;
use super::{AccessPattern, Filter, IndexModel, KeyAttribute, Model, Projection, SortCondition};

pub const VERSION: u64 = 1;
/// Access patterns per table a document may carry.
pub const MAX_PATTERNS: usize = 200;
/// LSIs per table, as DynamoDB allows.
pub const MAX_LSIS: usize = 5;

fn sort_json(sort: &SortCondition) -> Value {
    match sort {
        SortCondition::Equals(p) => json!({ "Op": "=", "Value": p }),
        SortCondition::BeginsWith(p) => json!({ "Op": "begins_with", "Value": p }),
        SortCondition::Between(a, b) => json!({ "Op": "between", "Value": a, "To": b }),
    }
}

fn pattern_json(access: &AccessPattern) -> Value {
    let mut out = json!({ "Name": access.name, "Partition": access.partition });
    if let Some(index) = &access.index {
        out["IndexName"] = json!(index);
    }
    if let Some(sort) = &access.sort {
        out["Sort"] = sort_json(sort);
    }
    out["Filters"] = access
        .filters
        .iter()
        .map(|f| json!({ "Attribute": f.attribute, "Value": f.value }))
        .collect();
    out["Parameters"] = Value::Object(
        access
            .parameters
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect(),
    );
    out
}

/// The model as a Dynaplay document.
pub fn to_document(model: &Model) -> Value {
    let tables: Vec<Value> = model
        .tables
        .iter()
        .map(|table| {
            json!({
                "TableName": table.name,
                "LocalSecondaryIndexes": table.lsis.iter().map(|i| json!({
                    "IndexName": i.name,
                    "SortKey": { "AttributeName": i.sort_key.as_ref().map(|k| k.name.as_str()).unwrap_or_default(),
                                 "AttributeType": i.sort_key.as_ref().map(|k| k.kind.as_str()).unwrap_or("S") },
                    "Projection": match &i.projection {
                        Projection::All => json!({ "ProjectionType": "ALL" }),
                        Projection::KeysOnly => json!({ "ProjectionType": "KEYS_ONLY" }),
                        Projection::Include(n) => json!({ "ProjectionType": "INCLUDE", "NonKeyAttributes": n }),
                    },
                })).collect::<Vec<_>>(),
                "Entities": table.entities.iter().map(|e| json!({
                    "Name": e.name,
                    "Keys": Value::Object(e.keys.iter().map(|(k, p)| (k.clone(), json!(p))).collect()),
                })).collect::<Vec<_>>(),
                "AccessPatterns": table.access_patterns.iter().map(pattern_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "dynaplayModel": VERSION, "workbench": workbench::export(model), "tables": tables })
}

fn text(object: &Map<String, Value>, field: &str, path: &str) -> Result<String, String> {
    match object.get(field) {
        Some(Value::String(s)) if s.len() <= 1024 => Ok(s.clone()),
        Some(Value::String(_)) => Err(format!("{path}.{field}: longer than 1024 characters.")),
        _ => Err(format!("{path}.{field}: expected a string.")),
    }
}

fn list<'a>(
    object: &'a Map<String, Value>,
    field: &str,
    path: &str,
) -> Result<&'a [Value], String> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(format!("{path}.{field}: expected an array.")),
    }
}

fn as_object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, String> {
    value
        .as_object()
        .ok_or_else(|| format!("{path}: expected an object."))
}

fn read_pattern(value: &Value, path: &str) -> Result<AccessPattern, String> {
    let o = as_object(value, path)?;
    let mut access = AccessPattern {
        name: text(o, "Name", path)?,
        partition: text(o, "Partition", path)?,
        index: match o.get("IndexName") {
            None | Some(Value::Null) => None,
            Some(_) => Some(text(o, "IndexName", path)?),
        },
        ..AccessPattern::default()
    };
    if let Some(sort) = o.get("Sort").filter(|v| !v.is_null()) {
        let at = format!("{path}.Sort");
        let s = as_object(sort, &at)?;
        let value = text(s, "Value", &at)?;
        access.sort = Some(match text(s, "Op", &at)?.as_str() {
            "=" => SortCondition::Equals(value),
            "begins_with" => SortCondition::BeginsWith(value),
            "between" => SortCondition::Between(value, text(s, "To", &at)?),
            other => {
                return Err(format!(
                    "{at}.Op: {other} is not =, begins_with or between."
                ))
            }
        });
    }
    for (i, f) in list(o, "Filters", path)?.iter().enumerate() {
        let at = format!("{path}.Filters[{i}]");
        let f = as_object(f, &at)?;
        access.filters.push(Filter {
            attribute: text(f, "Attribute", &at)?,
            value: text(f, "Value", &at)?,
        });
    }
    if let Some(parameters) = o.get("Parameters").filter(|v| !v.is_null()) {
        let at = format!("{path}.Parameters");
        for (k, v) in as_object(parameters, &at)? {
            let v = v
                .as_str()
                .ok_or_else(|| format!("{at}.{k}: expected a string."))?;
            access.parameters.push((k.clone(), v.to_string()));
        }
    }
    Ok(access)
}

/// Reads a Dynaplay document (from a share link, a file, or the page's own storage).
pub fn from_document(value: &Value) -> Result<Model, String> {
    let root = as_object(value, "The document")?;
    match root.get("dynaplayModel").and_then(Value::as_u64) {
        Some(VERSION) => {}
        Some(other) => {
            return Err(format!(
                "dynaplayModel: version {other} is newer than this page knows."
            ))
        }
        None => {
            return Err("This is not a Dynaplay model document (no dynaplayModel version).".into())
        }
    }
    let size = value.to_string().len();
    if size > workbench::MAX_BYTES {
        return Err(format!(
            "The document is {size} bytes; at most {} are accepted.",
            workbench::MAX_BYTES
        ));
    }
    let mut model = workbench::import_value(root.get("workbench").unwrap_or(&Value::Null))
        .map_err(|e| format!("workbench: {e}"))?;
    for (i, extra) in list(root, "tables", "The document")?.iter().enumerate() {
        let path = format!("tables[{i}]");
        let o = as_object(extra, &path)?;
        let name = text(o, "TableName", &path)?;
        let table = model
            .tables
            .iter_mut()
            .find(|t| t.name == name)
            .ok_or_else(|| format!("{path}.TableName: the model has no table {name}."))?;
        let lsis = list(o, "LocalSecondaryIndexes", &path)?;
        if lsis.len() > MAX_LSIS {
            return Err(format!(
                "{path}.LocalSecondaryIndexes: a table has at most {MAX_LSIS}."
            ));
        }
        for (j, lsi) in lsis.iter().enumerate() {
            let at = format!("{path}.LocalSecondaryIndexes[{j}]");
            let l = as_object(lsi, &at)?;
            let sort = as_object(
                l.get("SortKey").unwrap_or(&Value::Null),
                &format!("{at}.SortKey"),
            )?;
            let kind = text(sort, "AttributeType", &at)?;
            if !matches!(kind.as_str(), "S" | "N" | "B") {
                return Err(format!(
                    "{at}.SortKey.AttributeType: {kind} is not S, N or B."
                ));
            }
            let projection = match l
                .get("Projection")
                .and_then(|p| p.get("ProjectionType"))
                .and_then(Value::as_str)
            {
                None | Some("ALL") => Projection::All,
                Some("KEYS_ONLY") => Projection::KeysOnly,
                Some("INCLUDE") => Projection::Include(
                    l["Projection"]["NonKeyAttributes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect(),
                ),
                Some(other) => {
                    return Err(format!(
                        "{at}.Projection.ProjectionType: {other} is not ALL, KEYS_ONLY or INCLUDE."
                    ))
                }
            };
            table.lsis.push(IndexModel {
                name: text(l, "IndexName", &at)?,
                partition_key: table.partition_key.clone(),
                sort_key: Some(KeyAttribute {
                    name: text(sort, "AttributeName", &at)?,
                    kind,
                }),
                projection,
            });
        }
        for (j, e) in list(o, "Entities", &path)?.iter().enumerate() {
            let at = format!("{path}.Entities[{j}]");
            let e = as_object(e, &at)?;
            let name = text(e, "Name", &at)?;
            let keys = as_object(e.get("Keys").unwrap_or(&Value::Null), &format!("{at}.Keys"))?;
            let Some(entity) = table.entities.iter_mut().find(|x| x.name == name) else {
                return Err(format!("{at}.Name: the table has no entity {name}."));
            };
            for (attribute, p) in keys {
                let p = p
                    .as_str()
                    .ok_or_else(|| format!("{at}.Keys.{attribute}: expected a string."))?;
                entity.set_key_pattern(attribute, p);
            }
        }
        let patterns = list(o, "AccessPatterns", &path)?;
        if patterns.len() > MAX_PATTERNS {
            return Err(format!("{path}.AccessPatterns: at most {MAX_PATTERNS}."));
        }
        for (j, p) in patterns.iter().enumerate() {
            table
                .access_patterns
                .push(read_pattern(p, &format!("{path}.AccessPatterns[{j}]"))?);
        }
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::shop;
    use super::*;

    fn model() -> Model {
        let mut table = shop();
        table.lsis.push(IndexModel {
            name: "ByTotal".into(),
            partition_key: table.partition_key.clone(),
            sort_key: Some(KeyAttribute::new("total", "N")),
            projection: Projection::KeysOnly,
        });
        Model {
            name: "Shop".into(),
            author: "me".into(),
            tables: vec![table],
            ..Model::default()
        }
    }

    #[test]
    fn the_document_carries_what_workbench_cannot() {
        let model = model();
        let document = to_document(&model);
        let text = document.to_string();
        let back = from_document(&serde_json::from_str(&text).unwrap()).unwrap();
        // Entity key order may change (table keys first from Workbench), so compare by lookups.
        let (a, b) = (&model.tables[0], &back.tables[0]);
        assert_eq!(a.access_patterns, b.access_patterns);
        assert_eq!(a.lsis, b.lsis);
        assert_eq!(a.items, b.items);
        for (x, y) in a.entities.iter().zip(&b.entities) {
            for (attribute, p) in &x.keys {
                assert_eq!(y.key_pattern(attribute), Some(p.as_str()));
            }
            assert_eq!(x.keys.len(), y.keys.len());
        }
    }

    #[test]
    fn hostile_documents_are_refused_with_a_reason() {
        let good = to_document(&model());
        let mut bad = good.clone();
        bad["dynaplayModel"] = json!(99);
        assert!(from_document(&bad).unwrap_err().contains("newer"));
        let mut bad = good.clone();
        bad["tables"][0]["AccessPatterns"][0]["Sort"]["Op"] = json!("<script>");
        assert!(from_document(&bad)
            .unwrap_err()
            .contains("is not =, begins_with or between"));
        let mut bad = good.clone();
        bad["tables"][0]["TableName"] = json!("Other");
        assert!(from_document(&bad).unwrap_err().contains("no table Other"));
        let mut bad = good;
        bad["workbench"]["DataModel"] = json!("x");
        assert!(from_document(&bad).unwrap_err().starts_with("workbench: "));
        assert!(from_document(&json!([])).is_err());
    }
}
