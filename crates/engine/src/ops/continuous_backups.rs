//! Point-in-time recovery: UpdateContinuousBackups, DescribeContinuousBackups and
//! RestoreTableToPointInTime. Continuous backups are always ENABLED; PITR is turned on per table,
//! and while it is on every item write is logged (see `backup.rs`) so a restore can rebuild the
//! table at any second between EarliestRestorableDateTime and LatestRestorableDateTime.

use serde_json::{json, Map, Value};

use super::backups::{
    check_table_ready, millis_of, restore_into, BILLING_MODE_OVERRIDE, GSI_OVERRIDE, LSI_OVERRIDE,
    SSE_OVERRIDE, THROUGHPUT_OVERRIDE,
};
use super::describe::seconds;
use crate::backup::{BackupState, Pitr, RestoreSummary, DEFAULT_RECOVERY_DAYS};
use crate::error::{ApiError, ErrorKind, Result};
use crate::index::IndexDefinition;
use crate::request::{check, field, Field, Req, Rule, Ty, REQUIRED_TABLE_NAME, TABLE_NAME_RULES};
use crate::table::Table;
use crate::Engine;

const DESCRIBE_FIELDS: &[Field] = &[REQUIRED_TABLE_NAME];
const UPDATE_FIELDS: &[Field] = &[
    REQUIRED_TABLE_NAME,
    field(
        "PointInTimeRecoverySpecification",
        Ty::FieldStruct(
            "PointInTimeRecoverySpecification",
            &[
                field("PointInTimeRecoveryEnabled", Ty::Boolean, &[Rule::NotNull]),
                field(
                    "RecoveryPeriodInDays",
                    Ty::Integer,
                    &[Rule::Min(1), Rule::Max(35)],
                ),
            ],
        ),
        &[Rule::NotNull],
    ),
];
const RESTORE_FIELDS: &[Field] = &[
    field(
        "SourceTableArn",
        Ty::String,
        &[Rule::MinLength(1), Rule::MaxLength(1024)],
    ),
    field(
        "SourceTableName",
        Ty::String,
        &[Rule::NamePattern, Rule::MinLength(3), Rule::MaxLength(255)],
    ),
    field("TargetTableName", Ty::String, TABLE_NAME_RULES),
    field("UseLatestRestorableTime", Ty::Boolean, &[]),
    field("RestoreDateTime", Ty::Long, &[]),
    BILLING_MODE_OVERRIDE,
    GSI_OVERRIDE,
    LSI_OVERRIDE,
    THROUGHPUT_OVERRIDE,
    SSE_OVERRIDE,
];

fn table<'a>(engine: &'a Engine, name: &str) -> Result<&'a Table> {
    engine
        .tables
        .get(name)
        .ok_or_else(|| ApiError::backup_table_not_found(name))
}

/// ContinuousBackupsDescription for a table at `now`.
fn description(pitr: Option<&Pitr>, now: i64) -> Value {
    let recovery = match pitr {
        Some(p) => json!({
            "PointInTimeRecoveryStatus": "ENABLED",
            "RecoveryPeriodInDays": p.recovery_days,
            "EarliestRestorableDateTime": seconds(p.earliest_millis(now)),
            "LatestRestorableDateTime": seconds(p.latest_millis(now)),
        }),
        None => json!({"PointInTimeRecoveryStatus": "DISABLED"}),
    };
    json!({
        "ContinuousBackupsDescription": {
            "ContinuousBackupsStatus": "ENABLED",
            "PointInTimeRecoveryDescription": recovery,
        }
    })
}

pub fn describe(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, DESCRIBE_FIELDS)?;
    let name = Req(request).str("TableName").unwrap_or_default();
    let table = table(engine, name)?;
    let now = engine.now_millis();
    Ok(description(engine.backups.pitr_of(table), now))
}

pub fn update(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, UPDATE_FIELDS)?;
    let req = Req(request);
    let name = req.str("TableName").unwrap_or_default().to_string();
    let spec = req
        .object("PointInTimeRecoverySpecification")
        .cloned()
        .unwrap_or_default();
    let spec = Req(&spec);
    let enable = spec.bool("PointInTimeRecoveryEnabled").unwrap_or(false);
    let days = spec.int("RecoveryPeriodInDays");
    let now = engine.now_millis();
    let table = table(engine, &name)?;
    check_table_ready(table, now)?;
    if !enable {
        engine
            .storage
            .commit(&BackupState::disable_mutations(&name))
            .map_err(durability)?;
        engine.backups.pitr.remove(&name);
        return Ok(description(None, now));
    }
    // The settings to store; the log itself (possibly long) is not copied.
    let current = engine.backups.pitr_of(table);
    let fresh = current.is_none();
    let settings = Pitr {
        table_id: table.def.table_id.clone(),
        enabled_millis: current.map_or(now, |p| p.enabled_millis),
        complete_since_millis: current.map_or(now, |p| p.complete_since_millis),
        recovery_days: days
            .or(current.map(|p| p.recovery_days))
            .unwrap_or(DEFAULT_RECOVERY_DAYS),
        next_seq: current.map_or(0, |p| p.next_seq),
        log: Default::default(),
    };
    let mut mutations = BackupState::enable_mutations(&name, &settings);
    if fresh {
        // A log left by an earlier table of the same name, or an earlier PITR period, goes.
        mutations.push(crate::storage::Mutation::TrimChanges {
            table: name.clone(),
            below_seq: u64::MAX,
        });
    }
    engine.storage.commit(&mutations).map_err(durability)?;
    let out = description(Some(&settings), now);
    match engine.backups.pitr.get_mut(&name).filter(|_| !fresh) {
        Some(p) => p.recovery_days = settings.recovery_days,
        None => {
            engine.backups.pitr.insert(name, settings);
        }
    }
    Ok(out)
}

fn durability(e: crate::storage::StorageError) -> ApiError {
    ApiError::internal(format!(
        "The point in time recovery setting could not be made durable: {e}"
    ))
}

/// The table a SourceTableArn names (`arn:aws:dynamodb:<region>:<account>:table/<name>`).
fn name_from_arn(arn: &str) -> &str {
    arn.split_once(":table/").map_or(arn, |(_, name)| name)
}

pub fn restore(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, RESTORE_FIELDS)?;
    let req = Req(request);
    let source_name = match (req.str("SourceTableName"), req.str("SourceTableArn")) {
        (Some(_), Some(_)) => {
            return Err(ApiError::validation(
                "Only one of SourceTableArn or SourceTableName must be specified",
            ))
        }
        (None, None) => {
            return Err(ApiError::validation(
                "Either SourceTableArn or SourceTableName must be specified",
            ))
        }
        (Some(name), None) => name.to_string(),
        (None, Some(arn)) => name_from_arn(arn).to_string(),
    };
    let use_latest = req.bool("UseLatestRestorableTime").unwrap_or(false);
    let requested = match (use_latest, req.get("RestoreDateTime")) {
        (true, Some(_)) => {
            return Err(ApiError::validation(
                "Only one of RestoreDateTime or UseLatestRestorableTime can be specified",
            ))
        }
        (false, None) => {
            return Err(ApiError::validation(
                "Either RestoreDateTime or UseLatestRestorableTime must be specified",
            ))
        }
        (true, None) => None,
        (false, Some(v)) => Some(millis_of(v)),
    };
    let target = req.str("TargetTableName").unwrap_or_default().to_string();
    let now = engine.now_millis();
    let source = table(engine, &source_name)?;
    let pitr = engine.backups.pitr_of(source).ok_or_else(|| {
        ApiError::new(
            ErrorKind::PointInTimeRecoveryUnavailableException,
            format!("Point in time recovery is not enabled for table '{source_name}'"),
        )
    })?;
    let (earliest, latest) = (pitr.earliest_millis(now), pitr.latest_millis(now));
    let at = match requested {
        None => latest,
        Some(Some(at)) if (earliest..=latest).contains(&at) => at,
        Some(_) => {
            return Err(ApiError::new(
                ErrorKind::InvalidRestoreTimeException,
                "Invalid Restore Time. RestoreDateTime must be between EarliestRestorableDateTime and LatestRestorableDateTime",
            ))
        }
    };
    super::backups::check_target_free(engine, &target)?;
    let items = pitr.items_at(source, at);
    let def = source.def.clone();
    let indexes: Vec<IndexDefinition> = source.indexes.iter().map(|i| i.def.clone()).collect();
    let summary = RestoreSummary {
        source_backup_arn: None,
        source_table_arn: def.arn.clone(),
        restore_millis: at,
    };
    restore_into(engine, &req, &def, &indexes, items, &target, summary)
}
