//! NoSQL Workbench data model JSON. Import reads the versions Workbench has written (1.0, 2.0 and
//! 3.0: sample items either in the table's `TableData` or in each facet's), checks every field it
//! uses and answers a message naming the path of the first problem; export writes version 3.0 as
//! Workbench does (facets with `KeyAttributeAlias`, `DataAccess`, `BillingMode`, and items given
//! under a facet kept in that facet's `TableData`).
//!
//! A provisioned table's auto scaling settings (`ProvisionedCapacitySettings.AutoScalingRead` and
//! `AutoScalingWrite`) are carried through unchanged: the sandbox cannot apply them.
//!
//! Workbench has no place for LSIs, index key patterns of an entity, or access patterns; those travel
//! in Dynaplay's own document (`document.rs`).

use serde_json::{json, Map, Value};

use super::{Billing, Entity, IndexModel, KeyAttribute, Model, Projection, SampleItem, TableModel};

/// Larger files are refused before parsing: a model file is a design, not a data set.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;
pub const MAX_TABLES: usize = 256;
pub const MAX_ITEMS: usize = 10_000;
/// GSIs per table, as DynamoDB allows.
pub const MAX_GSIS: usize = 20;

/// Where Workbench 3.0 keeps a provisioned table's auto scaling, in its `ProvisionedCapacitySettings`.
const AUTO_SCALING_FIELDS: [&str; 2] = ["AutoScalingRead", "AutoScalingWrite"];
const SCALAR_TYPES: &[&str] = &["S", "N", "B"];
const ANY_TYPES: &[&str] = &["S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"];

fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, String> {
    value
        .as_object()
        .ok_or_else(|| format!("{path}: expected an object."))
}

fn string(value: &Value, path: &str) -> Result<String, String> {
    value
        .as_str()
        .map(String::from)
        .ok_or_else(|| format!("{path}: expected a string."))
}

fn optional_string(object: &Map<String, Value>, field: &str, path: &str) -> Result<String, String> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(v) => string(v, &format!("{path}.{field}")),
    }
}

fn array<'a>(
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

fn attribute(value: &Value, path: &str, types: &[&str]) -> Result<KeyAttribute, String> {
    let object = object(value, path)?;
    let name = string(
        object.get("AttributeName").unwrap_or(&Value::Null),
        &format!("{path}.AttributeName"),
    )?;
    if name.is_empty() || name.len() > 255 {
        return Err(format!(
            "{path}.AttributeName: must be 1 to 255 characters long."
        ));
    }
    let kind = string(
        object.get("AttributeType").unwrap_or(&Value::Null),
        &format!("{path}.AttributeType"),
    )?;
    if !types.contains(&kind.as_str()) {
        return Err(format!(
            "{path}.AttributeType: {kind} is not one of {}.",
            types.join(", ")
        ));
    }
    Ok(KeyAttribute { name, kind })
}

/// `KeyAttributes` → (partition key, sort key).
fn key_attributes(
    value: Option<&Value>,
    path: &str,
) -> Result<(KeyAttribute, Option<KeyAttribute>), String> {
    let path = format!("{path}.KeyAttributes");
    let keys = object(value.unwrap_or(&Value::Null), &path)?;
    let partition = attribute(
        keys.get("PartitionKey").unwrap_or(&Value::Null),
        &format!("{path}.PartitionKey"),
        SCALAR_TYPES,
    )?;
    let sort = match keys.get("SortKey") {
        None | Some(Value::Null) => None,
        Some(v) => Some(attribute(v, &format!("{path}.SortKey"), SCALAR_TYPES)?),
    };
    Ok((partition, sort))
}

fn table_name(name: &str, path: &str) -> Result<(), String> {
    let ok = (3..=255).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{path}: \"{name}\" is not a DynamoDB table or index name (3 to 255 of a-z, A-Z, 0-9, _, -, .)."
        ))
    }
}

fn projection(value: Option<&Value>, path: &str) -> Result<Projection, String> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(Projection::All);
    };
    let path = format!("{path}.Projection");
    let object = object(value, &path)?;
    let kind = optional_string(object, "ProjectionType", &path)?;
    match kind.as_str() {
        "" | "ALL" => Ok(Projection::All),
        "KEYS_ONLY" => Ok(Projection::KeysOnly),
        "INCLUDE" => array(object, "NonKeyAttributes", &path)?
            .iter()
            .enumerate()
            .map(|(i, v)| string(v, &format!("{path}.NonKeyAttributes[{i}]")))
            .collect::<Result<Vec<_>, _>>()
            .map(Projection::Include),
        other => Err(format!(
            "{path}.ProjectionType: {other} is not ALL, KEYS_ONLY or INCLUDE."
        )),
    }
}

/// Checks a sample item with the engine's own reader of DynamoDB JSON.
fn sample_item(value: &Value, path: &str) -> Result<Value, String> {
    object(value, path)?;
    dynaplay_engine::value::wire::item_from_json(value).map_err(|e| {
        format!(
            "{path}: not a DynamoDB JSON item: {}",
            e.message.unwrap_or_else(|| e.kind.name().to_string())
        )
    })?;
    Ok(value.clone())
}

fn items(
    list: &[Value],
    entity: Option<&str>,
    path: &str,
    count: &mut usize,
) -> Result<Vec<SampleItem>, String> {
    let mut out = Vec::new();
    for (i, value) in list.iter().enumerate() {
        *count += 1;
        if *count > MAX_ITEMS {
            return Err(format!(
                "{path}: the model has more than {MAX_ITEMS} sample items."
            ));
        }
        out.push(SampleItem {
            entity: entity.map(String::from),
            item: sample_item(value, &format!("{path}[{i}]"))?,
        });
    }
    Ok(out)
}

fn table(value: &Value, path: &str, count: &mut usize) -> Result<TableModel, String> {
    let object = object(value, path)?;
    let name = string(
        object.get("TableName").unwrap_or(&Value::Null),
        &format!("{path}.TableName"),
    )?;
    table_name(&name, &format!("{path}.TableName"))?;
    let (partition, sort) = key_attributes(object.get("KeyAttributes"), path)?;
    let mut table = TableModel::new(&name, partition, sort);

    for (i, v) in array(object, "NonKeyAttributes", path)?.iter().enumerate() {
        table.attributes.push(attribute(
            v,
            &format!("{path}.NonKeyAttributes[{i}]"),
            ANY_TYPES,
        )?);
    }

    let gsis = array(object, "GlobalSecondaryIndexes", path)?;
    if gsis.len() > MAX_GSIS {
        return Err(format!(
            "{path}.GlobalSecondaryIndexes: a table has at most {MAX_GSIS}."
        ));
    }
    for (i, v) in gsis.iter().enumerate() {
        let at = format!("{path}.GlobalSecondaryIndexes[{i}]");
        let index = self::object(v, &at)?;
        let name = string(
            index.get("IndexName").unwrap_or(&Value::Null),
            &format!("{at}.IndexName"),
        )?;
        table_name(&name, &format!("{at}.IndexName"))?;
        let (partition_key, sort_key) = key_attributes(index.get("KeyAttributes"), &at)?;
        table.gsis.push(IndexModel {
            name,
            partition_key,
            sort_key,
            projection: projection(index.get("Projection"), &at)?,
        });
    }

    table.items = items(
        array(object, "TableData", path)?,
        None,
        &format!("{path}.TableData"),
        count,
    )?;

    for (i, v) in array(object, "TableFacets", path)?.iter().enumerate() {
        let at = format!("{path}.TableFacets[{i}]");
        let facet = self::object(v, &at)?;
        let name = string(
            facet.get("FacetName").unwrap_or(&Value::Null),
            &format!("{at}.FacetName"),
        )?;
        if name.is_empty() {
            return Err(format!("{at}.FacetName: must not be empty."));
        }
        let mut entity = Entity {
            name: name.clone(),
            ..Entity::default()
        };
        if let Some(alias) = facet.get("KeyAttributeAlias").filter(|v| !v.is_null()) {
            let alias_path = format!("{at}.KeyAttributeAlias");
            let alias = self::object(alias, &alias_path)?;
            let partition = optional_string(alias, "PartitionKeyAlias", &alias_path)?;
            entity.set_key_pattern(&table.partition_key.name.clone(), &partition);
            if let Some(sort_key) = table.sort_key.clone() {
                let sort = optional_string(alias, "SortKeyAlias", &alias_path)?;
                entity.set_key_pattern(&sort_key.name, &sort);
            }
        }
        for (j, a) in array(facet, "NonKeyAttributes", &at)?.iter().enumerate() {
            entity
                .attributes
                .push(string(a, &format!("{at}.NonKeyAttributes[{j}]"))?);
        }
        let data = array(facet, "TableData", &at)?;
        table
            .items
            .extend(items(data, Some(&name), &format!("{at}.TableData"), count)?);
        table.entities.push(entity);
    }

    match object.get("BillingMode").and_then(Value::as_str) {
        Some("PROVISIONED") => {
            let throughput = object
                .get("ProvisionedCapacitySettings")
                .and_then(|s| s.get("ProvisionedThroughput"));
            let units = |field: &str| {
                throughput
                    .and_then(|t| t.get(field))
                    .and_then(Value::as_u64)
                    .filter(|n| *n >= 1)
                    .unwrap_or(5)
            };
            table.billing = Billing::Provisioned {
                read: units("ReadCapacityUnits"),
                write: units("WriteCapacityUnits"),
            };
            table.auto_scaling = auto_scaling(object, path)?;
        }
        // Older files say nothing; Workbench then commits on-demand tables.
        None | Some("PAY_PER_REQUEST") => table.billing = Billing::OnDemand,
        Some(other) => {
            return Err(format!(
                "{path}.BillingMode: {other} is not PROVISIONED or PAY_PER_REQUEST."
            ))
        }
    }
    Ok(table)
}

/// Workbench 3.0's auto scaling settings of a provisioned table, kept as written: each of
/// `ProvisionedCapacitySettings.AutoScalingRead` / `AutoScalingWrite` that is present (Workbench
/// writes a `ScalableTargetRequest` and a `ScalingPolicyConfiguration` in each).
fn auto_scaling(table: &Map<String, Value>, path: &str) -> Result<Map<String, Value>, String> {
    let mut kept = Map::new();
    let Some(settings) = table
        .get("ProvisionedCapacitySettings")
        .filter(|v| !v.is_null())
    else {
        return Ok(kept);
    };
    let at = format!("{path}.ProvisionedCapacitySettings");
    let settings = object(settings, &at)?;
    for field in AUTO_SCALING_FIELDS {
        if let Some(value) = settings.get(field).filter(|v| !v.is_null()) {
            object(value, &format!("{at}.{field}"))?;
            kept.insert(field.to_string(), value.clone());
        }
    }
    Ok(kept)
}

/// Reads a NoSQL Workbench model file.
pub fn import(text: &str) -> Result<Model, String> {
    if text.len() > MAX_BYTES {
        return Err(format!(
            "The file is {} bytes; a model file may be at most {MAX_BYTES}.",
            text.len()
        ));
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("The file is not JSON: {e}."))?;
    import_value(&value)
}

/// Reads a parsed NoSQL Workbench model.
pub fn import_value(value: &Value) -> Result<Model, String> {
    let root = object(value, "The model")?;
    if !root.contains_key("DataModel") {
        return Err(
            "This is not a NoSQL Workbench model: it has no DataModel (export one from Workbench's \
             data modeler)."
                .into(),
        );
    }
    let mut model = Model {
        name: optional_string(root, "ModelName", "ModelName")?,
        ..Model::default()
    };
    if let Some(metadata) = root.get("ModelMetadata").filter(|v| !v.is_null()) {
        let metadata = object(metadata, "ModelMetadata")?;
        model.author = optional_string(metadata, "Author", "ModelMetadata")?;
        model.description = optional_string(metadata, "Description", "ModelMetadata")?;
        model.created = optional_string(metadata, "DateCreated", "ModelMetadata")?;
        model.modified = optional_string(metadata, "DateLastModified", "ModelMetadata")?;
        let version = optional_string(metadata, "Version", "ModelMetadata")?;
        if !matches!(version.as_str(), "" | "1.0" | "2.0" | "3.0") {
            return Err(format!(
                "ModelMetadata.Version: {version} is not a model version this importer knows (1.0, 2.0, 3.0)."
            ));
        }
    }
    let tables = array(root, "DataModel", "The model")?;
    if tables.is_empty() {
        return Err("DataModel: the model has no tables.".into());
    }
    if tables.len() > MAX_TABLES {
        return Err(format!("DataModel: more than {MAX_TABLES} tables."));
    }
    let mut count = 0;
    for (i, t) in tables.iter().enumerate() {
        let table = table(t, &format!("DataModel[{i}]"), &mut count)?;
        if model.tables.iter().any(|other| other.name == table.name) {
            return Err(format!(
                "DataModel[{i}].TableName: {} appears twice.",
                table.name
            ));
        }
        model.tables.push(table);
    }
    Ok(model)
}

fn key_attributes_json(partition: &KeyAttribute, sort: Option<&KeyAttribute>) -> Value {
    let mut keys = json!({
        "PartitionKey": { "AttributeName": partition.name, "AttributeType": partition.kind }
    });
    if let Some(sort) = sort {
        keys["SortKey"] = json!({ "AttributeName": sort.name, "AttributeType": sort.kind });
    }
    keys
}

fn projection_json(projection: &Projection) -> Value {
    match projection {
        Projection::All => json!({ "ProjectionType": "ALL" }),
        Projection::KeysOnly => json!({ "ProjectionType": "KEYS_ONLY" }),
        Projection::Include(names) => {
            json!({ "ProjectionType": "INCLUDE", "NonKeyAttributes": names })
        }
    }
}

fn table_json(table: &TableModel) -> Value {
    let facets: Vec<Value> = table
        .entities
        .iter()
        .map(|entity| {
            let mut alias = json!({
                "PartitionKeyAlias": entity
                    .key_pattern(&table.partition_key.name)
                    .unwrap_or(&table.partition_key.name)
            });
            if let Some(sort) = &table.sort_key {
                alias["SortKeyAlias"] = json!(entity.key_pattern(&sort.name).unwrap_or(&sort.name));
            }
            let data: Vec<&Value> = table
                .items
                .iter()
                .filter(|s| s.entity.as_deref() == Some(entity.name.as_str()))
                .map(|s| &s.item)
                .collect();
            json!({
                "FacetName": entity.name,
                "KeyAttributeAlias": alias,
                "TableData": data,
                "NonKeyAttributes": entity.attributes,
                "DataAccess": { "MySql": {} }
            })
        })
        .collect();
    let data: Vec<&Value> = table
        .items
        .iter()
        .filter(|s| s.entity.is_none())
        .map(|s| &s.item)
        .collect();
    let mut out = json!({
        "TableName": table.name,
        "KeyAttributes": key_attributes_json(&table.partition_key, table.sort_key.as_ref()),
        "NonKeyAttributes": table.attributes.iter()
            .map(|a| json!({ "AttributeName": a.name, "AttributeType": a.kind }))
            .collect::<Vec<_>>(),
        "TableFacets": facets,
    });
    if !table.gsis.is_empty() {
        out["GlobalSecondaryIndexes"] = table
            .gsis
            .iter()
            .map(|i| {
                json!({
                    "IndexName": i.name,
                    "KeyAttributes": key_attributes_json(&i.partition_key, i.sort_key.as_ref()),
                    "Projection": projection_json(&i.projection),
                })
            })
            .collect();
    }
    out["TableData"] = json!(data);
    out["DataAccess"] = json!({ "MySql": {} });
    match &table.billing {
        Billing::OnDemand => out["BillingMode"] = json!("PAY_PER_REQUEST"),
        Billing::Provisioned { read, write } => {
            out["BillingMode"] = json!("PROVISIONED");
            let mut settings = json!({
                "ProvisionedThroughput": { "ReadCapacityUnits": read, "WriteCapacityUnits": write },
            });
            for field in AUTO_SCALING_FIELDS {
                if let Some(value) = table.auto_scaling.get(field) {
                    settings[field] = value.clone();
                }
            }
            out["ProvisionedCapacitySettings"] = settings;
        }
    }
    out
}

/// Writes the model as a NoSQL Workbench 3.0 model file.
pub fn export(model: &Model) -> Value {
    json!({
        "ModelName": model.name,
        "ModelMetadata": {
            "Author": model.author,
            "DateCreated": model.created,
            "DateLastModified": model.modified,
            "Description": model.description,
            "AWSService": "Amazon DynamoDB",
            "Version": "3.0"
        },
        "DataModel": model.tables.iter().map(table_json).collect::<Vec<_>>()
    })
}

#[cfg(test)]
mod tests {
    use super::super::{requests, views};
    use super::*;

    const DEVICE_STATE_LOG: &str =
        include_str!("../../tests/fixtures/workbench/DeviceStateLog_5.json");
    const MUSIC_30: &str = include_str!("../../tests/fixtures/workbench/music-library-3.0.json");
    // Two models NoSQL Workbench 3.0 wrote, published by AWS (sources in the fixtures' README).
    const SESSIONS_30: &str =
        include_str!("../../tests/fixtures/workbench/SessionManagementSchema.json");
    const PAYMENTS_30: &str =
        include_str!("../../tests/fixtures/workbench/RecurringPaymentsSchema.json");

    fn round_trip(text: &str) -> (Model, Model, Value) {
        let first = import(text).unwrap();
        let exported = export(&first);
        let second = import(&exported.to_string()).unwrap();
        (first, second, exported)
    }

    #[test]
    fn a_real_1_0_sample_imports_with_its_gsi_and_items() {
        let model = import(DEVICE_STATE_LOG).unwrap();
        assert_eq!(model.name, "DeviceStateLog");
        assert_eq!(model.author, "Samaneh Utter");
        let table = &model.tables[0];
        assert_eq!(table.partition_key, KeyAttribute::new("DeviceID", "S"));
        assert_eq!(table.sort_key, Some(KeyAttribute::new("State#Date", "S")));
        assert_eq!(table.gsis[0].name, "GSI1");
        assert_eq!(table.gsis[0].partition_key.name, "Operator");
        assert_eq!(table.items.len(), 11);
        assert_eq!(table.billing, Billing::OnDemand);
        // Its GSI, as the aggregate view shows it: Liz's and Sue's records.
        let operators = views::aggregate(table, Some("GSI1")).unwrap();
        assert_eq!(
            operators.iter().map(|p| p.key.as_str()).collect::<Vec<_>>(),
            vec!["Liz", "Sue"]
        );
    }

    #[test]
    fn the_real_sample_round_trips_through_3_0() {
        let (first, second, exported) = round_trip(DEVICE_STATE_LOG);
        assert_eq!(first, second);
        assert_eq!(exported["ModelMetadata"]["Version"], "3.0");
        assert_eq!(exported["ModelMetadata"]["AWSService"], "Amazon DynamoDB");
        let table = &exported["DataModel"][0];
        for field in [
            "TableName",
            "KeyAttributes",
            "NonKeyAttributes",
            "TableFacets",
            "GlobalSecondaryIndexes",
            "TableData",
            "DataAccess",
            "BillingMode",
        ] {
            assert!(table.get(field).is_some(), "{field} missing");
        }
        assert_eq!(table["TableData"].as_array().unwrap().len(), 11);
    }

    #[test]
    fn a_3_0_model_with_facet_data_keeps_its_facets_and_billing() {
        let (first, second, exported) = round_trip(MUSIC_30);
        assert_eq!(first, second);
        let table = &first.tables[0];
        assert_eq!(table.billing, Billing::Provisioned { read: 5, write: 5 });
        assert_eq!(
            table
                .entities
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>(),
            vec!["Song", "Download"]
        );
        assert_eq!(table.entities[0].key_pattern("Id"), Some("SONG#<songId>"));
        assert_eq!(table.entities[0].key_pattern("Metadata"), Some("DETAILS"));
        // Items given under a facet come back in that facet's TableData.
        let facet = &exported["DataModel"][0]["TableFacets"][1];
        assert_eq!(facet["FacetName"], "Download");
        assert_eq!(facet["TableData"].as_array().unwrap().len(), 3);
        let original: Value = serde_json::from_str(MUSIC_30).unwrap();
        assert_eq!(
            exported["DataModel"][0]["ProvisionedCapacitySettings"],
            original["DataModel"][0]["ProvisionedCapacitySettings"]
        );
        let downloads = views::facet(table, "Download").unwrap();
        assert_eq!(downloads.columns[..2], ["SONG#<songId>", "DL#<timestamp>"]);
        assert_eq!(downloads.rows.len(), 3);
        // And the imported design loads into the engine as CreateTable and puts.
        let mut engine = dynaplay_engine::Engine::in_memory(Box::new(
            dynaplay_engine::clock::ManualClock::new(1_700_000_000_000),
        ));
        for (operation, body) in requests::build_table(table) {
            let response = engine.dispatch(operation, &body.to_string());
            assert_eq!(response.status, 200, "{operation}: {}", response.body);
        }
    }

    /// Every item a Workbench table holds (its own TableData and each facet's), as JSON text,
    /// sorted: where an item sits may change on the way through, the items may not.
    fn all_items(table: &Value) -> Vec<String> {
        let facets = table["TableFacets"].as_array().into_iter().flatten();
        let mut items: Vec<String> = table["TableData"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(facets.flat_map(|f| f["TableData"].as_array().into_iter().flatten()))
            .map(Value::to_string)
            .collect();
        items.sort();
        items
    }

    /// Imports a real 3.0 model, exports it and imports that again; the two imports agree, and
    /// the export keeps what Workbench wrote of each table: keys, attributes, indexes, facets
    /// (name, key aliases, attributes), every item, billing and throughput.
    fn real_model_round_trips(text: &str) -> Model {
        let original: Value = serde_json::from_str(text).unwrap();
        let (first, second, exported) = round_trip(text);
        assert_eq!(first, second);
        assert_eq!(exported["ModelMetadata"]["Version"], "3.0");
        assert_eq!(exported["ModelName"], original["ModelName"]);
        let tables = original["DataModel"].as_array().unwrap();
        assert_eq!(
            exported["DataModel"].as_array().unwrap().len(),
            tables.len()
        );
        for (before, after) in tables.iter().zip(exported["DataModel"].as_array().unwrap()) {
            for field in [
                "TableName",
                "KeyAttributes",
                "NonKeyAttributes",
                "GlobalSecondaryIndexes",
                "BillingMode",
            ] {
                assert_eq!(after[field], before[field], "{field}");
            }
            // Throughput and the auto scaling targets (AutoScalingRead/AutoScalingWrite, each a
            // ScalableTargetRequest and a ScalingPolicyConfiguration) come back as Workbench wrote them.
            assert!(before["ProvisionedCapacitySettings"]["AutoScalingRead"].is_object());
            assert!(before["ProvisionedCapacitySettings"]["AutoScalingWrite"].is_object());
            assert_eq!(
                after["ProvisionedCapacitySettings"],
                before["ProvisionedCapacitySettings"]
            );
            let facets = |t: &Value| -> Vec<Value> {
                t["TableFacets"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|f| {
                        json!([
                            f["FacetName"],
                            f["KeyAttributeAlias"],
                            f["NonKeyAttributes"]
                        ])
                    })
                    .collect()
            };
            assert_eq!(facets(after), facets(before));
            assert_eq!(all_items(after), all_items(before));
        }
        // The design loads into the engine as CreateTable and puts, as the modeler loads it.
        let mut engine = dynaplay_engine::Engine::in_memory(Box::new(
            dynaplay_engine::clock::ManualClock::new(1_700_000_000_000),
        ));
        for table in &first.tables {
            for (operation, body) in requests::build_table(table) {
                let response = engine.dispatch(operation, &body.to_string());
                assert_eq!(response.status, 200, "{operation}: {}", response.body);
            }
            let scan = engine.dispatch(
                "Scan",
                &json!({"TableName": table.name, "Select": "COUNT"}).to_string(),
            );
            let count: Value = serde_json::from_str(&scan.body).unwrap();
            assert_eq!(count["Count"], table.items.len(), "{}", table.name);
        }
        first
    }

    #[test]
    fn a_real_3_0_model_with_an_inverted_gsi_round_trips_and_loads() {
        let model = real_model_round_trips(SESSIONS_30);
        let table = &model.tables[0];
        assert_eq!(table.name, "session_store");
        assert_eq!(table.billing, Billing::Provisioned { read: 5, write: 5 });
        let gsi = &table.gsis[0];
        assert_eq!(gsi.name, "GSI1_inverse");
        assert_eq!(
            (
                gsi.partition_key.name.as_str(),
                gsi.sort_key.as_ref().map(|k| k.name.as_str())
            ),
            ("SK", Some("PK"))
        );
        assert_eq!(table.items.len(), 6);
        // The inverted index groups sessions by what they point at: two sessions of customer ABC.
        let by_sort_key = views::aggregate(table, Some("GSI1_inverse")).unwrap();
        let abc = by_sort_key.iter().find(|p| p.key == "c#ABC").unwrap();
        assert_eq!(abc.items.len(), 2);
    }

    #[test]
    fn a_real_3_0_model_with_facets_and_include_projections_round_trips_and_loads() {
        let model = real_model_round_trips(PAYMENTS_30);
        let table = &model.tables[0];
        assert_eq!(
            table
                .entities
                .iter()
                .map(|e| (e.name.as_str(), e.key_pattern("PK"), e.key_pattern("SK")))
                .collect::<Vec<_>>(),
            vec![
                ("Subscription", Some("AccountId"), Some("SubId#SKU")),
                ("Receipts", Some("AccountId"), Some("ProcessedDate#SKU")),
            ]
        );
        assert_eq!(
            table.gsis[0].projection,
            Projection::Include(
                ["SK", "PK", "SKU", "Email", "NextPaymentDate"]
                    .map(String::from)
                    .to_vec()
            )
        );
        // Each facet's item stays with its facet.
        let receipts = views::facet(table, "Receipts").unwrap();
        assert_eq!(receipts.rows.len(), 1);
    }

    // The modeler keeps its design as Dynaplay's own document (saved in the browser, shared) and
    // exports Workbench files from that: auto scaling imported from a real 3.0 export survives the
    // trip through the document too, then comes back out exactly as Workbench wrote it.
    #[test]
    fn auto_scaling_survives_the_modelers_own_document() {
        let original: Value = serde_json::from_str(SESSIONS_30).unwrap();
        let imported = import(SESSIONS_30).unwrap();
        let table = &imported.tables[0];
        assert_eq!(
            table.auto_scaling["AutoScalingRead"]["ScalableTargetRequest"]["MaxCapacity"],
            10
        );
        assert_eq!(
            table.auto_scaling["AutoScalingWrite"]["ScalingPolicyConfiguration"]["TargetValue"],
            70
        );
        let saved = super::super::document::to_document(&imported);
        let reopened = super::super::document::from_document(&saved).unwrap();
        assert_eq!(reopened.tables[0].auto_scaling, table.auto_scaling);
        assert_eq!(
            export(&reopened)["DataModel"][0]["ProvisionedCapacitySettings"],
            original["DataModel"][0]["ProvisionedCapacitySettings"]
        );
        // A table switched to on-demand has no provisioned settings, so none are written.
        let mut on_demand = reopened.clone();
        on_demand.tables[0].billing = Billing::OnDemand;
        let exported = export(&on_demand);
        assert_eq!(exported["DataModel"][0]["BillingMode"], "PAY_PER_REQUEST");
        assert!(exported["DataModel"][0]
            .get("ProvisionedCapacitySettings")
            .is_none());
    }

    #[test]
    fn bad_files_get_clear_errors() {
        let cases: &[(&str, &str)] = &[
            ("[1]", "The model: expected an object."),
            ("{}", "This is not a NoSQL Workbench model"),
            ("{\"DataModel\": []}", "DataModel: the model has no tables."),
            ("not json", "The file is not JSON"),
            (
                r#"{"DataModel": [{"TableName": "Tab1", "KeyAttributes": {"PartitionKey": {"AttributeName": "pk", "AttributeType": "BOOL"}}}]}"#,
                "DataModel[0].KeyAttributes.PartitionKey.AttributeType: BOOL is not one of S, N, B.",
            ),
            (
                r#"{"DataModel": [{"TableName": "x", "KeyAttributes": {}}]}"#,
                "DataModel[0].TableName: \"x\" is not a DynamoDB table or index name",
            ),
            (
                r#"{"DataModel": [{"TableName": "Tab1", "KeyAttributes": {"PartitionKey": {"AttributeName": "pk", "AttributeType": "S"}}, "TableData": [{"pk": {"Q": "1"}}]}]}"#,
                "DataModel[0].TableData[0]: not a DynamoDB JSON item",
            ),
            (
                r#"{"DataModel": [{"TableName": "Tab1", "KeyAttributes": {"PartitionKey": {"AttributeName": "pk", "AttributeType": "S"}}, "BillingMode": "PROVISIONED", "ProvisionedCapacitySettings": {"AutoScalingRead": 70}}]}"#,
                "DataModel[0].ProvisionedCapacitySettings.AutoScalingRead: expected an object.",
            ),
            (
                r#"{"ModelMetadata": {"Version": "9.0"}, "DataModel": [{}]}"#,
                "ModelMetadata.Version: 9.0",
            ),
        ];
        for (text, expected) in cases {
            let error = import(text).unwrap_err();
            assert!(error.starts_with(expected), "{text}: {error}");
        }
        let huge = " ".repeat(MAX_BYTES + 1);
        assert!(import(&huge).unwrap_err().contains("at most"));
    }
}
