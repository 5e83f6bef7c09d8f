//! DeleteTable: removes a table and its items; answers with the table as DELETING.

use serde_json::{json, Map, Value};

use super::describe::table_description;
use super::shared;
use crate::error::{ApiError, Result};
use crate::request::{check, Field, Req, REQUIRED_TABLE_NAME};
use crate::storage::Mutation;
use crate::table::Pending;
use crate::Engine;

const FIELDS: &[Field] = &[REQUIRED_TABLE_NAME];

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, FIELDS)?;
    let name = Req(request).str("TableName").unwrap_or_default();
    let table = shared::named_table(engine, name)?;
    if table.def.deletion_protection {
        return Err(ApiError::validation(
            "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
        ));
    }
    // A global table's replicas go by the global tables simulation's rules.
    if let Some(result) = crate::global_tables::delete_table(engine, name) {
        return result;
    }
    let table = shared::named_table(engine, name)?;
    let now = engine.now_millis();
    super::shared::check_not_changing(table, now)?;
    let description = table_description(table, now, Some("DELETING"));
    // A table with point-in-time recovery leaves a SYSTEM backup behind, in the same batch.
    let system_backup = engine
        .backups
        .pitr_of(table)
        .map(|_| super::backups::deleted_table_backup(engine, table, now));
    let backup_mutations: Vec<Mutation> = system_backup
        .iter()
        .map(|b| Mutation::PutBackup {
            arn: b.arn.clone(),
            backup: b.to_record(),
        })
        .collect();
    if engine.config.lifecycle_millis > 0 {
        // The table answers DELETING for a while, then goes (see Engine::settle).
        let mut def = table.definition_json();
        let mut settings = table.def.settings.clone();
        settings.pending = Some(Pending::new(
            "DELETING",
            now,
            engine.config.lifecycle_millis,
        ));
        if let Some(obj) = def.as_object_mut() {
            obj.insert(
                "Settings".into(),
                serde_json::to_value(&settings).unwrap_or_default(),
            );
        }
        // Point-in-time recovery ends with the table (its log goes in the same batch).
        let mut batch = vec![Mutation::PutTable {
            table: name.to_string(),
            definition: def.to_string(),
        }];
        batch.extend(crate::backup::BackupState::disable_mutations(name));
        batch.extend(backup_mutations);
        engine.storage.commit(&batch).map_err(|e| {
            ApiError::internal(format!("The table could not be deleted durably: {e}"))
        })?;
        if let Some(t) = engine.tables.get_mut(name) {
            t.def.settings = settings;
        }
        engine.backups.pitr.remove(name);
    } else {
        let mut batch = vec![Mutation::DeleteTable {
            table: name.to_string(),
        }];
        batch.extend(backup_mutations);
        engine.storage.commit(&batch).map_err(|e| {
            ApiError::internal(format!("The table could not be deleted durably: {e}"))
        })?;
        engine.tables.remove(name);
        engine.backups.pitr.remove(name);
        // Storage dropped the table's replication stamps with it.
        engine.global.forget_table(name);
    }
    if let Some(b) = system_backup {
        engine.backups.backups.insert(b.arn.clone(), b);
    }
    Ok(json!({ "TableDescription": description }))
}
