//! On-demand backups: CreateBackup, DescribeBackup, ListBackups, DeleteBackup and
//! RestoreTableFromBackup, plus the restore itself (shared with RestoreTableToPointInTime): a new
//! table with the source's keys, indexes, billing and throughput (or the request's overrides),
//! but none of its streams, TTL, tags or PITR settings, as DynamoDB documents.

use super::shapes::PROVISIONED_THROUGHPUT as THROUGHPUT;
use serde_json::{json, Map, Value};

use super::describe::{seconds, table_description};
use super::index_spec;
use crate::backup::{Backup, RestoreSummary};
use crate::error::{ApiError, ErrorKind, Result};
use crate::index::{Index, IndexDefinition, IndexKind};
use crate::request::{check, field, Field, Req, Rule, Ty, REQUIRED_TABLE_NAME, TABLE_NAME_RULES};
use crate::storage::Mutation;
use crate::table::{BillingMode, Pending, Table, TableDefinition, TableSettings};
use crate::value::{wire, Item};
use crate::Engine;

const BACKUP_ARN: Field = field(
    "BackupArn",
    Ty::String,
    &[Rule::NotNull, Rule::MinLength(37), Rule::MaxLength(1024)],
);
const CREATE_FIELDS: &[Field] = &[
    REQUIRED_TABLE_NAME,
    field(
        "BackupName",
        Ty::String,
        &[
            Rule::NotNull,
            Rule::NamePattern,
            Rule::MinLength(3),
            Rule::MaxLength(255),
        ],
    ),
];
const ARN_FIELDS: &[Field] = &[BACKUP_ARN];
const LIST_FIELDS: &[Field] = &[
    field(
        "TableName",
        Ty::String,
        &[Rule::NamePattern, Rule::MinLength(3), Rule::MaxLength(255)],
    ),
    field("Limit", Ty::Integer, &[Rule::Min(1), Rule::Max(100)]),
    field("TimeRangeLowerBound", Ty::Long, &[]),
    field("TimeRangeUpperBound", Ty::Long, &[]),
    field(
        "ExclusiveStartBackupArn",
        Ty::String,
        &[Rule::MinLength(37), Rule::MaxLength(1024)],
    ),
    field(
        "BackupType",
        Ty::String,
        &[Rule::Enum(&["USER", "SYSTEM", "AWS_BACKUP", "ALL"])],
    ),
];

pub(super) const BILLING_MODE_OVERRIDE: Field = field(
    "BillingModeOverride",
    Ty::String,
    &[Rule::Enum(&["PROVISIONED", "PAY_PER_REQUEST"])],
);
pub(super) const GSI_OVERRIDE: Field = field(
    "GlobalSecondaryIndexOverride",
    Ty::List(&index_spec::GLOBAL_SECONDARY_INDEX),
    &[],
);
pub(super) const LSI_OVERRIDE: Field = field(
    "LocalSecondaryIndexOverride",
    Ty::List(&index_spec::LOCAL_SECONDARY_INDEX),
    &[],
);
pub(super) const THROUGHPUT_OVERRIDE: Field =
    field("ProvisionedThroughputOverride", THROUGHPUT, &[]);
pub(super) const SSE_OVERRIDE: Field = field(
    "SSESpecificationOverride",
    super::table_settings::SSE_SPECIFICATION,
    &[],
);
const RESTORE_FIELDS: &[Field] = &[
    field("TargetTableName", Ty::String, TABLE_NAME_RULES),
    BACKUP_ARN,
    BILLING_MODE_OVERRIDE,
    GSI_OVERRIDE,
    LSI_OVERRIDE,
    THROUGHPUT_OVERRIDE,
    SSE_OVERRIDE,
];

fn backup_in_use(arn: &str) -> ApiError {
    ApiError::new(
        ErrorKind::BackupInUseException,
        format!("Backup is being created: {arn}"),
    )
}

/// `Backups are being enabled for the table`: what DynamoDB answers for backup requests on a
/// table still being created.
pub(super) fn check_table_ready(table: &Table, now: i64) -> Result<()> {
    if table.def.settings.status(now) == "CREATING" {
        return Err(ApiError::new(
            ErrorKind::ContinuousBackupsUnavailableException,
            format!(
                "Backups are being enabled for the table: {}. Please retry later",
                table.def.name
            ),
        ));
    }
    Ok(())
}

/// A restore's target name must be free: TableInUseException while a table of that name is
/// being created or deleted, TableAlreadyExistsException otherwise.
pub(super) fn check_target_free(engine: &Engine, target: &str) -> Result<()> {
    let Some(table) = engine.tables.get(target) else {
        return Ok(());
    };
    let doing = match table.def.settings.status(engine.now_millis()) {
        "CREATING" => "created",
        "DELETING" => "deleted",
        _ => return Err(ApiError::table_already_exists(target)),
    };
    Err(ApiError::new(
        ErrorKind::TableInUseException,
        format!("Table is being {doing}: {target}"),
    ))
}

/// Eight hex digits that tell backups of the same millisecond apart, reproducibly.
fn arn_suffix(table: &str, name: &str, now: i64, count: usize) -> String {
    let mut h: u32 = 0x811c9dc5;
    for b in table
        .bytes()
        .chain([0])
        .chain(name.bytes())
        .chain(now.to_le_bytes())
        .chain((count as u64).to_le_bytes())
    {
        h ^= b as u32;
        h = h.wrapping_mul(0x01000193);
    }
    format!("{h:08x}")
}

fn details(backup: &Backup, status: &str) -> Value {
    let mut out = json!({
        "BackupArn": backup.arn,
        "BackupName": backup.name,
        "BackupSizeBytes": backup.size_bytes,
        "BackupStatus": status,
        "BackupType": backup.kind,
        "BackupCreationDateTime": seconds(backup.created_millis),
    });
    if let (Some(expires), Some(obj)) = (backup.expires_millis, out.as_object_mut()) {
        obj.insert("BackupExpiryDateTime".into(), seconds(expires));
    }
    out
}

/// A backup of `table` as it is at `now`.
fn take(engine: &Engine, table: &Table, name: &str, now: i64) -> Backup {
    let items = table
        .partitions
        .values()
        .flat_map(|p| p.values())
        .map(|item| {
            (
                table.storage_key(item),
                wire::item_to_json(item).to_string(),
            )
        })
        .collect();
    Backup {
        arn: format!(
            "{}/backup/{now:013}-{}",
            table.def.arn,
            arn_suffix(&table.def.name, name, now, engine.backups.backups.len())
        ),
        name: name.to_string(),
        table_name: table.def.name.clone(),
        table_arn: table.def.arn.clone(),
        table_id: table.def.table_id.clone(),
        created_millis: now,
        available_millis: now.saturating_add(engine.config.lifecycle_millis.max(0)),
        size_bytes: table.size_bytes,
        item_count: table.item_count,
        kind: "USER".into(),
        expires_millis: None,
        definition: table.definition_json().to_string(),
        items,
    }
}

/// The SYSTEM backup DynamoDB takes when a table with point-in-time recovery is deleted, so
/// the table can be restored as it was just before; kept 35 days, named `<table>$DeletedTableBackup`.
pub(super) fn deleted_table_backup(engine: &Engine, table: &Table, now: i64) -> Backup {
    let mut backup = take(
        engine,
        table,
        &format!("{}$DeletedTableBackup", table.def.name),
        now,
    );
    backup.kind = "SYSTEM".into();
    backup.expires_millis = Some(now.saturating_add(35 * crate::backup::DAY_MILLIS));
    backup
}

pub fn create(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, CREATE_FIELDS)?;
    let req = Req(request);
    let table_name = req.str("TableName").unwrap_or_default();
    let backup_name = req.str("BackupName").unwrap_or_default();
    let now = engine.now_millis();
    let table = engine
        .tables
        .get(table_name)
        .ok_or_else(|| ApiError::backup_table_not_found(table_name))?;
    check_table_ready(table, now)?;
    let backup = take(engine, table, backup_name, now);
    engine
        .storage
        .commit(&[Mutation::PutBackup {
            arn: backup.arn.clone(),
            backup: backup.to_record(),
        }])
        .map_err(|e| ApiError::internal(format!("The backup could not be made durable: {e}")))?;
    let out = json!({ "BackupDetails": details(&backup, "CREATING") });
    engine.backups.backups.insert(backup.arn.clone(), backup);
    Ok(out)
}

/// The source table's definition and indexes as the backup recorded them.
fn backup_table(backup: &Backup) -> Result<Table> {
    Table::restore(&backup.definition, &Default::default())
}

fn description(backup: &Backup, status: &str) -> Result<Value> {
    let source = backup_table(backup)?;
    let def = &source.def;
    let billing = match def.billing_mode {
        BillingMode::Provisioned => "PROVISIONED",
        BillingMode::PayPerRequest => "PAY_PER_REQUEST",
    };
    let mut features = Map::new();
    let lsis: Vec<Value> = source
        .indexes
        .iter()
        .filter(|i| i.def.kind == IndexKind::Local)
        .map(|i| {
            json!({"IndexName": i.def.name, "KeySchema": i.def.key_schema.to_json(),
                   "Projection": i.def.projection.to_json()})
        })
        .collect();
    let gsis: Vec<Value> = source
        .indexes
        .iter()
        .filter(|i| i.def.kind == IndexKind::Global)
        .map(|i| {
            json!({"IndexName": i.def.name, "KeySchema": i.def.key_schema.to_json(),
                   "Projection": i.def.projection.to_json(),
                   "ProvisionedThroughput": {"ReadCapacityUnits": i.def.throughput.0,
                                             "WriteCapacityUnits": i.def.throughput.1}})
        })
        .collect();
    if !lsis.is_empty() {
        features.insert("LocalSecondaryIndexes".into(), Value::Array(lsis));
    }
    if !gsis.is_empty() {
        features.insert("GlobalSecondaryIndexes".into(), Value::Array(gsis));
    }
    if let Some(stream) = def.settings.stream.as_ref().filter(|s| s.enabled) {
        features.insert(
            "StreamDescription".into(),
            json!({"StreamEnabled": true, "StreamViewType": stream.view_type}),
        );
    }
    Ok(json!({
        "BackupDetails": details(backup, status),
        "SourceTableDetails": {
            "TableName": backup.table_name,
            "TableId": backup.table_id,
            "TableArn": backup.table_arn,
            "TableSizeBytes": backup.size_bytes,
            "KeySchema": def.key_schema.to_json(),
            "TableCreationDateTime": seconds(def.created_millis),
            "ProvisionedThroughput": {
                "ReadCapacityUnits": def.throughput.0,
                "WriteCapacityUnits": def.throughput.1,
            },
            "ItemCount": backup.item_count,
            "BillingMode": billing,
        },
        "SourceTableFeatureDetails": features,
    }))
}

fn find<'a>(engine: &'a Engine, req: &Req) -> Result<&'a Backup> {
    let arn = req.str("BackupArn").unwrap_or_default();
    let now = engine.now_millis();
    engine
        .backups
        .backups
        .get(arn)
        .filter(|b| b.live(now))
        .ok_or_else(|| ApiError::backup_not_found(arn))
}

pub fn describe(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, ARN_FIELDS)?;
    let backup = find(engine, &Req(request))?;
    let status = backup.status(engine.now_millis());
    Ok(json!({ "BackupDescription": description(backup, status)? }))
}

pub fn delete(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, ARN_FIELDS)?;
    let backup = find(engine, &Req(request))?;
    if backup.status(engine.now_millis()) == "CREATING" {
        return Err(backup_in_use(&backup.arn));
    }
    let out = json!({ "BackupDescription": description(backup, "DELETED")? });
    let arn = backup.arn.clone();
    engine
        .storage
        .commit(&[Mutation::DeleteBackup { arn: arn.clone() }])
        .map_err(|e| ApiError::internal(format!("The backup could not be deleted durably: {e}")))?;
    engine.backups.backups.remove(&arn);
    Ok(out)
}

/// Epoch seconds (a JSON number, maybe with a fraction) as milliseconds.
pub(super) fn millis_of(v: &Value) -> Option<i64> {
    let seconds = v.as_f64()?;
    let millis = (seconds * 1000.0).round();
    (millis.is_finite() && millis.abs() < 9.0e15).then_some(millis as i64)
}

pub fn list(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, LIST_FIELDS)?;
    let req = Req(request);
    let now = engine.now_millis();
    let limit = req.int("Limit").unwrap_or(100).clamp(1, 100) as usize;
    let lower = req.get("TimeRangeLowerBound").and_then(millis_of);
    let upper = req.get("TimeRangeUpperBound").and_then(millis_of);
    // An empty range (lower after upper) simply lists nothing.
    let table = req.str("TableName");
    let start = req.str("ExclusiveStartBackupArn");
    // USER unless told otherwise; AWS_BACKUP backups never exist here.
    let kind = req.str("BackupType").unwrap_or("USER");
    let mut matching = engine.backups.backups.values().filter(|b| {
        (kind == "ALL" || b.kind == kind)
            && b.live(now)
            && table.is_none_or(|t| b.table_name == t)
            && lower.is_none_or(|l| b.created_millis >= l)
            && upper.is_none_or(|u| b.created_millis < u)
            && start.is_none_or(|s| b.arn.as_str() > s)
    });
    let page: Vec<&Backup> = matching.by_ref().take(limit).collect();
    let more = matching.next().is_some();
    let summaries: Vec<Value> = page
        .iter()
        .map(|b| {
            let mut summary = json!({
                "TableName": b.table_name,
                "TableId": b.table_id,
                "TableArn": b.table_arn,
                "BackupArn": b.arn,
                "BackupName": b.name,
                "BackupCreationDateTime": seconds(b.created_millis),
                "BackupStatus": b.status(now),
                "BackupType": b.kind,
                "BackupSizeBytes": b.size_bytes,
            });
            if let (Some(expires), Some(obj)) = (b.expires_millis, summary.as_object_mut()) {
                obj.insert("BackupExpiryDateTime".into(), seconds(expires));
            }
            summary
        })
        .collect();
    let mut out = Map::new();
    out.insert("BackupSummaries".into(), Value::Array(summaries));
    if more {
        if let Some(last) = page.last() {
            out.insert("LastEvaluatedBackupArn".into(), json!(last.arn));
        }
    }
    Ok(Value::Object(out))
}

pub fn restore(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, RESTORE_FIELDS)?;
    let req = Req(request);
    let target = req.str("TargetTableName").unwrap_or_default().to_string();
    let now = engine.now_millis();
    let backup = find(engine, &req)?;
    if backup.status(now) == "CREATING" {
        return Err(backup_in_use(&backup.arn));
    }
    check_target_free(engine, &target)?;
    let source = backup_table(backup)?;
    let items = backup
        .items
        .values()
        .map(|text| {
            serde_json::from_str::<Value>(text)
                .map_err(|_| ApiError::internal("stored item is unreadable"))
                .and_then(|v| wire::item_from_json(&v))
        })
        .collect::<Result<Vec<Item>>>()?;
    let summary = RestoreSummary {
        source_backup_arn: Some(backup.arn.clone()),
        source_table_arn: backup.table_arn.clone(),
        restore_millis: backup.created_millis,
    };
    let indexes: Vec<IndexDefinition> = source.indexes.iter().map(|i| i.def.clone()).collect();
    restore_into(engine, &req, &source.def, &indexes, items, &target, summary)
}

fn invalid(message: &str) -> ApiError {
    ApiError::validation(format!(
        "One or more parameter values were invalid: {message}"
    ))
}

/// Creates `target` from a source definition and items, applying the request's overrides,
/// durably (definition and items in one batch) before it becomes visible.
pub(super) fn restore_into(
    engine: &mut Engine,
    req: &Req,
    source: &TableDefinition,
    source_indexes: &[IndexDefinition],
    items: Vec<Item>,
    target: &str,
    summary: RestoreSummary,
) -> Result<Value> {
    let now = engine.now_millis();
    let pay_per_request = match req.str("BillingModeOverride") {
        Some(mode) => mode == "PAY_PER_REQUEST",
        None => source.billing_mode == BillingMode::PayPerRequest,
    };
    let override_units = req.object("ProvisionedThroughputOverride").map(|t| {
        (
            t.get("ReadCapacityUnits")
                .and_then(Value::as_i64)
                .unwrap_or(0),
            t.get("WriteCapacityUnits")
                .and_then(Value::as_i64)
                .unwrap_or(0),
        )
    });
    let throughput = if pay_per_request {
        if override_units.is_some() {
            return Err(invalid(
                "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
            ));
        }
        (0, 0)
    } else {
        match override_units.unwrap_or(source.throughput) {
            (0, _) | (_, 0) => {
                return Err(invalid(
                    "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
                ))
            }
            units => units,
        }
    };
    let arn = format!(
        "arn:aws:dynamodb:{}:{}:table/{target}",
        engine.config.region, engine.config.account_id
    );
    let context = index_spec::TableContext {
        arn: &arn,
        hash: &source.key_schema.hash.name,
        has_range: source.key_schema.range.is_some(),
        definitions: &source.attribute_definitions,
        pay_per_request,
    };
    let mut seen = Vec::new();
    let mut indexes = Vec::new();
    for (kind, member) in [
        (IndexKind::Local, "LocalSecondaryIndexOverride"),
        (IndexKind::Global, "GlobalSecondaryIndexOverride"),
    ] {
        match req.array(member) {
            // An override replaces the source's indexes of its kind; empty drops them all.
            Some(specs) if specs.is_empty() => {}
            Some(specs) => {
                indexes.extend(index_spec::parse_indexes(specs, kind, &context, &mut seen)?)
            }
            None => indexes.extend(source_indexes.iter().filter(|i| i.kind == kind).map(|i| {
                let mut def = i.clone();
                def.arn = format!("{arn}/index/{}", def.name);
                def.pending = None;
                def.throughput = match (kind, pay_per_request, def.throughput) {
                    (IndexKind::Local, _, _) | (_, true, _) => (0, 0),
                    // A GSI of an on-demand source gets the table's units when restored as provisioned.
                    (_, false, (0, _) | (_, 0)) => throughput,
                    (_, false, units) => units,
                };
                def
            })),
        }
    }
    let def = TableDefinition {
        name: target.to_string(),
        key_schema: source.key_schema.clone(),
        attribute_definitions: source.attribute_definitions.clone(),
        billing_mode: if pay_per_request {
            BillingMode::PayPerRequest
        } else {
            BillingMode::Provisioned
        },
        throughput,
        created_millis: now,
        table_id: super::create_table::table_id(target, now),
        arn,
        deletion_protection: false,
        settings: TableSettings {
            pending: Some(Pending::new(
                "CREATING",
                now,
                engine.config.lifecycle_millis,
            )),
            last_pay_per_request_millis: pay_per_request.then_some(now),
            table_class: source.settings.table_class.clone(),
            restore: Some(summary),
            ..TableSettings::default()
        },
    };
    let mut table = Table::new(def);
    table.indexes = indexes.into_iter().map(Index::new).collect();
    let mut mutations = vec![Mutation::PutTable {
        table: target.to_string(),
        definition: table.definition_json().to_string(),
    }];
    let persistent = engine.storage.persistent();
    for item in items {
        let key = table.key_of_item(&item)?;
        if persistent {
            mutations.push(Mutation::PutItem {
                table: target.to_string(),
                key: table.storage_key(&item),
                item: wire::item_to_json(&item).to_string(),
            });
        }
        table.insert(key, item);
    }
    engine
        .storage
        .commit(&mutations)
        .map_err(|e| ApiError::internal(format!("The table could not be restored durably: {e}")))?;
    let description = table_description(&table, now, Some("CREATING"));
    engine.tables.insert(target.to_string(), table);
    Ok(json!({ "TableDescription": description }))
}
