//! UpdateTable: billing mode and throughput (with DynamoDB's rules on decreases), creating or
//! deleting one GSI per call (which then backfills on the clock), updating a GSI's throughput,
//! streams, table class and deletion protection.

use super::shapes::{ATTRIBUTE_DEFINITION, INDEX_NAME, PROVISIONED_THROUGHPUT as THROUGHPUT};
use serde_json::{json, Map, Value};

use super::describe::table_description;
use super::index_spec::{self, MAX_GSIS};
use super::shared;
use super::table_settings;
use crate::error::{ApiError, Result};
use crate::index::{Index, IndexKind};
use crate::request::{check, field, Field, Req, Rule, Ty};
use crate::storage::Mutation;
use crate::table::{BillingMode, KeyAttribute, Pending, ScalarType, Table};
use crate::time_format::utc_day;
use crate::Engine;

const GSI_UPDATE: Ty = Ty::Struct(
    "GlobalSecondaryIndexUpdate",
    &[
        field(
            "Update",
            Ty::FieldStruct(
                "UpdateGlobalSecondaryIndexAction",
                &[
                    field("IndexName", Ty::String, INDEX_NAME),
                    field("ProvisionedThroughput", THROUGHPUT, &[Rule::NotNull]),
                ],
            ),
            &[],
        ),
        field(
            "Create",
            Ty::FieldStruct(
                "CreateGlobalSecondaryIndexAction",
                &[
                    field("IndexName", Ty::String, INDEX_NAME),
                    field(
                        "KeySchema",
                        Ty::List(&Ty::Struct("KeySchemaElement", &[])),
                        &[Rule::NotNull, Rule::MinLength(1)],
                    ),
                    field(
                        "Projection",
                        Ty::FieldStruct("Projection", &[]),
                        &[Rule::NotNull],
                    ),
                    field("ProvisionedThroughput", THROUGHPUT, &[]),
                ],
            ),
            &[],
        ),
        field(
            "Delete",
            Ty::FieldStruct(
                "DeleteGlobalSecondaryIndexAction",
                &[field("IndexName", Ty::String, INDEX_NAME)],
            ),
            &[],
        ),
    ],
);

const FIELDS: &[Field] = &[
    field("AttributeDefinitions", Ty::List(&ATTRIBUTE_DEFINITION), &[]),
    crate::request::REQUIRED_TABLE_NAME,
    field(
        "BillingMode",
        Ty::String,
        &[Rule::Enum(&["PROVISIONED", "PAY_PER_REQUEST"])],
    ),
    field("ProvisionedThroughput", THROUGHPUT, &[]),
    field("GlobalSecondaryIndexUpdates", Ty::List(&GSI_UPDATE), &[]),
    field(
        "StreamSpecification",
        table_settings::STREAM_SPECIFICATION,
        &[],
    ),
    field("SSESpecification", table_settings::SSE_SPECIFICATION, &[]),
    field(
        "TableClass",
        Ty::String,
        &[Rule::Enum(table_settings::TABLE_CLASSES)],
    ),
    field("DeletionProtectionEnabled", Ty::Boolean, &[]),
];

/// DynamoDB's upper bound on provisioned units.
const MAX_UNITS: i64 = 1_000_000_000_000;
/// Decreases beyond this many in a UTC day must be an hour apart.
const FREE_DECREASES_PER_DAY: u32 = 4;
const HOUR_MILLIS: i64 = 3_600_000;

fn invalid(message: impl std::fmt::Display) -> ApiError {
    ApiError::validation(format!(
        "One or more parameter values were invalid: {message}"
    ))
}

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    if request.get("ReplicaUpdates").is_some_and(|v| !v.is_null()) {
        return crate::global_tables::update_replicas(engine, request);
    }
    check(request, FIELDS)?;
    let req = Req(request);
    crate::global_tables::check_plain_update(engine, &req)?;
    let gsi_updates: Vec<Value> = req
        .array("GlobalSecondaryIndexUpdates")
        .cloned()
        .unwrap_or_default();
    let anything = req.has("ProvisionedThroughput")
        || req.has("BillingMode")
        || req.has("StreamSpecification")
        || !gsi_updates.is_empty()
        || req.has("SSESpecification")
        || req.has("TableClass")
        || req.has("DeletionProtectionEnabled");
    if !anything {
        return Err(ApiError::validation(
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required",
        ));
    }
    let throughput = req.object("ProvisionedThroughput");
    let units = |t: Option<&Map<String, Value>>, k: &str| {
        t.and_then(|t| t.get(k))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    if req.str("BillingMode") == Some("PROVISIONED") && throughput.is_none() {
        return Err(invalid(
            "ProvisionedThroughput must be specified when BillingMode is PROVISIONED",
        ));
    }
    for (name, value) in [
        ("ReadCapacityUnits", units(throughput, "ReadCapacityUnits")),
        (
            "WriteCapacityUnits",
            units(throughput, "WriteCapacityUnits"),
        ),
    ] {
        if value > MAX_UNITS {
            return Err(ApiError::validation(format!(
                "Given value {value} for {name} is out of bounds"
            )));
        }
    }
    let mut names_seen: Vec<String> = Vec::new();
    for update in &gsi_updates {
        let actions: Vec<&str> = ["Update", "Create", "Delete"]
            .into_iter()
            .filter(|a| update.get(*a).is_some_and(|v| !v.is_null()))
            .collect();
        if actions.len() != 1 {
            return Err(invalid(
                "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null",
            ));
        }
        let name = update[actions[0]]["IndexName"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if names_seen.contains(&name) {
            return Err(invalid(format!(
                "Only one global secondary index update per index is allowed simultaneously. Index: {name}"
            )));
        }
        names_seen.push(name);
    }
    let stream_request = table_settings::stream_request(req.get("StreamSpecification"))?;

    let table_name = req.str("TableName").unwrap_or_default().to_string();
    let now = engine.now_millis();
    let lifecycle = engine.config.lifecycle_millis;
    let table = shared::named_table(engine, &table_name)?;
    shared::check_not_changing(table, now)?;
    let mut updated = table.clone();
    let def = &mut updated.def;

    // Billing mode and throughput.
    let target_mode = match req.str("BillingMode") {
        Some("PAY_PER_REQUEST") => BillingMode::PayPerRequest,
        Some("PROVISIONED") => BillingMode::Provisioned,
        _ => def.billing_mode,
    };
    if throughput.is_some() && target_mode == BillingMode::PayPerRequest {
        return Err(invalid(
            "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
        ));
    }
    let mut changes_capacity = false;
    if let Some(t) = throughput {
        let (read, write) = (
            units(Some(t), "ReadCapacityUnits"),
            units(Some(t), "WriteCapacityUnits"),
        );
        let (cur_read, cur_write) = def.throughput;
        let switching = def.billing_mode != BillingMode::Provisioned;
        if !switching && read == cur_read && write == cur_write {
            return Err(ApiError::validation(format!(
                "The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: {cur_read}. Requested ReadCapacityUnits: {read}. Current WriteCapacityUnits provisioned for the table: {cur_write}. Requested WriteCapacityUnits: {write}. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits."
            )));
        }
        if !switching && (read < cur_read || write < cur_write) {
            let settings = &mut def.settings;
            if settings.decreases_day != utc_day(now) {
                settings.decreases_day = utc_day(now);
                settings.decreases_today = 0;
            }
            let last = settings.last_decrease_millis.unwrap_or(i64::MIN);
            if settings.decreases_today >= FREE_DECREASES_PER_DAY && now - last < HOUR_MILLIS {
                return Err(ApiError::limit_exceeded(format!(
                    "Subscriber limit exceeded: Provisioned throughput decreases are limited within a given UTC day. After the first {FREE_DECREASES_PER_DAY} decreases, each subsequent decrease in the same UTC day can be performed at most once every 3600 seconds. Number of decreases today: {}. Last decrease at {}. Next decrease can be made at {}",
                    settings.decreases_today,
                    crate::time_format::iso_millis(last),
                    crate::time_format::iso_millis(last + HOUR_MILLIS)
                )));
            }
            settings.decreases_today += 1;
            settings.last_decrease_millis = Some(now);
        }
        if read > cur_read || write > cur_write {
            def.settings.last_increase_millis = Some(now);
        }
        def.throughput = (read, write);
        changes_capacity = true;
    }
    if target_mode != def.billing_mode {
        match target_mode {
            BillingMode::PayPerRequest => {
                def.throughput = (0, 0);
                def.settings.last_pay_per_request_millis = Some(now);
                for index in &mut updated.indexes {
                    index.def.throughput = (0, 0);
                }
            }
            BillingMode::Provisioned => {
                def.settings.last_provisioned_millis = Some(now);
                let missing: Vec<&str> = updated
                    .indexes
                    .iter()
                    .filter(|i| i.def.kind == IndexKind::Global)
                    .filter(|i| {
                        !gsi_updates
                            .iter()
                            .any(|u| u["Update"]["IndexName"].as_str() == Some(i.def.name.as_str()))
                    })
                    .map(|i| i.def.name.as_str())
                    .collect();
                if !missing.is_empty() {
                    return Err(invalid(format!(
                        "ProvisionedThroughput must be specified for index: {}",
                        missing.join(",")
                    )));
                }
            }
        }
        updated.def.billing_mode = target_mode;
        changes_capacity = true;
    }
    let def = &mut updated.def;

    // Streams.
    match (stream_request, &def.settings.stream) {
        (Some(Some(_)), Some(s)) if s.enabled => {
            return Err(ApiError::validation(format!(
                "Table already has an enabled stream: TableName: {table_name}"
            )))
        }
        (Some(Some(view)), previous) => {
            // A new stream needs a new label (and so ARN), even when re-enabled within the
            // millisecond its predecessor was made.
            let at = match previous {
                Some(p) if p.label >= crate::time_format::iso_millis(now) => {
                    crate::time_format::parse_iso_millis(&p.label).map_or(now, |t| t + 1)
                }
                _ => now,
            };
            def.settings.stream = Some(table_settings::new_stream(view, at))
        }
        (Some(None), Some(s)) if s.enabled => {
            if let Some(s) = def.settings.stream.as_mut() {
                s.enabled = false;
            }
        }
        (Some(None), _) => {
            return Err(ApiError::validation(format!(
                "Table does not have an enabled stream: TableName: {table_name}"
            )))
        }
        (None, _) => {}
    }
    if let Some(class) = req.str("TableClass") {
        def.settings.table_class = Some(class.to_string());
    }
    if let Some(protect) = req.bool("DeletionProtectionEnabled") {
        def.deletion_protection = protect;
    }

    // Global secondary indexes.
    let creates_or_deletes = gsi_updates
        .iter()
        .filter(|u| {
            u.get("Create").is_some_and(|v| !v.is_null())
                || u.get("Delete").is_some_and(|v| !v.is_null())
        })
        .count();
    if creates_or_deletes > 1 {
        return Err(ApiError::limit_exceeded(
            "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table",
        ));
    }
    let mut definitions = updated.def.attribute_definitions.clone();
    for d in req
        .array("AttributeDefinitions")
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let name = d["AttributeName"].as_str().unwrap_or_default().to_string();
        let Some(ty) = d["AttributeType"].as_str().and_then(ScalarType::parse) else {
            continue;
        };
        match definitions.iter().find(|a| a.name == name) {
            Some(existing) if existing.ty != ty => {
                return Err(invalid(format!(
                    "Cannot change the type of attribute {name} from {} to {}",
                    existing.ty.as_str(),
                    ty.as_str()
                )))
            }
            Some(_) => {}
            None => definitions.push(KeyAttribute { name, ty }),
        }
    }
    for update in &gsi_updates {
        if let Some(create) = update.get("Create").filter(|v| !v.is_null()) {
            let name = create["IndexName"].as_str().unwrap_or_default();
            if updated.index(name).is_some() {
                return Err(invalid(format!("Index already exists: {name}")));
            }
            if updated
                .indexes
                .iter()
                .filter(|i| i.def.kind == IndexKind::Global)
                .count()
                >= MAX_GSIS
            {
                return Err(ApiError::limit_exceeded(format!(
                    "Subscriber limit exceeded: The maximum number of global secondary indexes per table ({MAX_GSIS}) has been reached"
                )));
            }
            let context = index_spec::TableContext {
                arn: &updated.def.arn,
                hash: &updated.def.key_schema.hash.name,
                has_range: updated.def.key_schema.range.is_some(),
                definitions: &definitions,
                pay_per_request: updated.def.billing_mode == BillingMode::PayPerRequest,
            };
            let mut seen: Vec<String> =
                updated.indexes.iter().map(|i| i.def.name.clone()).collect();
            let mut parsed = index_spec::parse_indexes(
                std::slice::from_ref(create),
                IndexKind::Global,
                &context,
                &mut seen,
            )?;
            let Some(mut def) = parsed.pop() else {
                continue;
            };
            def.pending = Some(Pending::new("CREATING", now, lifecycle));
            let mut index = Index::new(def);
            // Backfill from the table's items now; the index answers queries once ACTIVE.
            let keys = updated.def.key_schema.clone();
            for (partition, sorted) in &updated.partitions {
                for (sort, item) in sorted {
                    let key = crate::table::PrimaryKey {
                        partition: partition.clone(),
                        sort: sort.clone(),
                    };
                    index.apply(&key, None, Some(item), &keys);
                }
            }
            updated.indexes.push(index);
            for a in updated
                .indexes
                .iter()
                .flat_map(|i| i.def.key_schema.attributes())
            {
                if !updated
                    .def
                    .attribute_definitions
                    .iter()
                    .any(|d| d.name == a.name)
                {
                    updated.def.attribute_definitions.push(a.clone());
                }
            }
        }
        if let Some(delete) = update.get("Delete").filter(|v| !v.is_null()) {
            let name = delete["IndexName"].as_str().unwrap_or_default();
            let index = global_index_mut(&mut updated, name)?;
            if lifecycle > 0 {
                index.def.pending = Some(Pending::new("DELETING", now, lifecycle));
            } else {
                updated.indexes.retain(|i| i.def.name != name);
            }
        }
        if let Some(change) = update.get("Update").filter(|v| !v.is_null()) {
            let name = change["IndexName"].as_str().unwrap_or_default();
            let index = global_index_mut(&mut updated, name)?;
            let t = change["ProvisionedThroughput"].as_object();
            index.def.throughput = (
                units(t, "ReadCapacityUnits"),
                units(t, "WriteCapacityUnits"),
            );
            index.def.pending = Some(Pending::new("UPDATING", now, lifecycle));
        }
    }
    // Drop definitions no longer used by any key (a deleted index's attributes).
    let used: Vec<String> = updated
        .def
        .key_schema
        .attributes()
        .chain(
            updated
                .indexes
                .iter()
                .flat_map(|i| i.def.key_schema.attributes()),
        )
        .map(|a| a.name.clone())
        .collect();
    updated
        .def
        .attribute_definitions
        .retain(|a| used.contains(&a.name));

    let updating = changes_capacity
        || creates_or_deletes > 0
        || req.has("StreamSpecification")
        || !gsi_updates.is_empty();
    if updating {
        updated.def.settings.pending = Some(Pending::new("UPDATING", now, lifecycle));
    }
    engine
        .storage
        .commit(&[Mutation::PutTable {
            table: table_name.clone(),
            definition: updated.definition_json().to_string(),
        }])
        .map_err(|e| ApiError::internal(format!("The table could not be updated durably: {e}")))?;
    let status = if updating { "UPDATING" } else { "ACTIVE" };
    let description = table_description(&updated, now, Some(status));
    engine.tables.insert(table_name, updated);
    Ok(json!({ "TableDescription": description }))
}

/// The table's GSI `name`, for a Delete or Update of it (an LSI is not found).
fn global_index_mut<'t>(table: &'t mut Table, name: &str) -> Result<&'t mut Index> {
    table
        .indexes
        .iter_mut()
        .find(|i| i.def.name == name && i.def.kind == IndexKind::Global)
        .ok_or_else(|| index_not_found(name))
}

fn index_not_found(name: &str) -> ApiError {
    ApiError::new(
        crate::ErrorKind::ResourceNotFoundException,
        format!("Requested resource not found: Index: {name} not found"),
    )
}
