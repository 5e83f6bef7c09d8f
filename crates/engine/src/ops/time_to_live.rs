//! UpdateTimeToLive and DescribeTimeToLive: a table's TTL attribute and its status on the clock,
//! with DynamoDB's rules (not idempotent; one change an hour).

use serde_json::{json, Map, Value};

use super::shared;
use crate::error::{ApiError, Result};
use crate::request::{check, field, Field, Req, Rule, Ty};
use crate::storage::Mutation;
use crate::ttl::{self, TtlSetting};
use crate::Engine;

const UPDATE: &[Field] = &[
    crate::request::TABLE_NAME,
    field(
        "TimeToLiveSpecification",
        Ty::FieldStruct(
            "TimeToLiveSpecification",
            &[
                field("Enabled", Ty::Boolean, &[Rule::NotNull]),
                field(
                    "AttributeName",
                    Ty::String,
                    &[Rule::NotNull, Rule::MinLength(1), Rule::MaxLength(255)],
                ),
            ],
        ),
        &[Rule::NotNull],
    ),
];

const DESCRIBE: &[Field] = &[crate::request::TABLE_NAME];

fn enabled_flag(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => matches!(s.to_ascii_uppercase().as_str(), "TRUE" | "1" | "YES"),
        _ => false,
    }
}

pub fn update(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, UPDATE)?;
    let req = Req(request);
    let name = req.str("TableName").unwrap_or_default().to_string();
    let spec = req.object("TimeToLiveSpecification");
    let enable = spec
        .and_then(|s| s.get("Enabled"))
        .is_some_and(enabled_flag);
    let attribute = spec
        .and_then(|s| s.get("AttributeName"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let now = engine.now_millis();
    let lifecycle = engine.config.lifecycle_millis;
    let table = shared::named_table(engine, &name)?;
    let current = table.def.settings.ttl.as_ref();
    let status = ttl::status(current, now);
    // The content checks come before the once-an-hour check, as DynamoDB orders them.
    let active = current.map(|c| c.attribute.as_str()).unwrap_or_default();
    match (enable, status) {
        (_, "ENABLED" | "ENABLING") if active != attribute => {
            return Err(ApiError::validation(format!(
                "TimeToLive is active on a different AttributeName: current AttributeName is {active}"
            )));
        }
        (true, "ENABLED" | "ENABLING") => {
            return Err(ApiError::validation("TimeToLive is already enabled"));
        }
        (false, "DISABLED" | "DISABLING") => {
            return Err(ApiError::validation("TimeToLive is already disabled"));
        }
        _ => {}
    }
    if current.is_some_and(|c| now.saturating_sub(c.changed_millis) < ttl::CHANGE_INTERVAL_MILLIS) {
        return Err(ApiError::validation(
            "Time to live has been modified multiple times within a fixed interval",
        ));
    }
    let mut updated = table.clone();
    updated.def.settings.ttl = Some(TtlSetting {
        attribute: attribute.clone(),
        enabled: enable,
        changed_millis: now,
        settles_millis: now.saturating_add(lifecycle.max(0)),
    });
    engine
        .storage
        .commit(&[Mutation::PutTable {
            table: name.clone(),
            definition: updated.definition_json().to_string(),
        }])
        .map_err(|e| ApiError::internal(format!("The table could not be updated durably: {e}")))?;
    engine.tables.insert(name, updated);
    Ok(json!({
        "TimeToLiveSpecification": {"Enabled": enable, "AttributeName": attribute}
    }))
}

pub fn describe(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, DESCRIBE)?;
    let name = Req(request).str("TableName").unwrap_or_default();
    let table = shared::named_table(engine, name)?;
    let now = engine.now_millis();
    let setting = table.def.settings.ttl.as_ref();
    let status = ttl::status(setting, now);
    let mut d = Map::new();
    d.insert("TimeToLiveStatus".into(), json!(status));
    if let Some(s) = setting.filter(|_| status != "DISABLED") {
        d.insert("AttributeName".into(), json!(s.attribute));
    }
    Ok(json!({ "TimeToLiveDescription": d }))
}
