//! A **simulation** of DynamoDB global tables, version 2019.11.21: replicas of a table in other
//! regions inside the one sandbox, asynchronous replication with a configurable delay on the
//! engine clock, and last-writer-wins conflict resolution the learner can provoke and inspect.
//!
//! A replica of table `T` in region `R` is an ordinary engine table stored as `T@R` (no user
//! table can have that name: table names allow only `[A-Za-z0-9_.-]`), with its own ARN in `R`,
//! so it persists through the existing storage like any table. The home table keeps the list
//! of its replicas in its settings (`TableSettings::replicas`). Requests for another region go
//! through [`Engine::dispatch_in_region`], which maps table names in the request to the
//! internal name and back in the answer.
//!
//! The replication queue, the per-key last-writer stamps, the conflict log and the delay are
//! durable too (`global_tables_state`): each rides as records of its own in the storage batch
//! of the write that changes it, so a reload or a restart delivers what was still on its way.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::error::{ApiError, Result};
use crate::global_tables_state::{Conflict, Delivery, Replication, ReplicationBatch, Stamp};
pub use crate::global_tables_state::{GlobalTables, DEFAULT_DELAY_MILLIS};
use crate::request::{check, field, Field, Req, Rule, Ty};
use crate::storage::Mutation;
use crate::table::{BillingMode, Pending, PrimaryKey};
use crate::value::{wire, Item};
use crate::Engine;

pub const GLOBAL_TABLE_VERSION: &str = "2019.11.21";
/// The simulation's own target prefix (not an AWS one); its operations are [`OPERATIONS`].
pub const SIMULATION_TARGET: &str = "DynaplayGlobalTablesSimulation";
pub const OPERATIONS: &[&str] = &["Configure", "Describe"];
const SIMULATION_NOTE: &str =
    "Simulation: Dynaplay replicates between regions inside one sandbox; \
real global tables replicate between AWS Regions, usually within a second.";

/// One replica as the home table's settings record it (persisted with the table definition).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaSetting {
    pub region: String,
    pub created_millis: i64,
    /// CREATING until then, ACTIVE after.
    pub active_millis: i64,
}

impl ReplicaSetting {
    pub fn status(&self, now: i64) -> &'static str {
        if now < self.active_millis {
            "CREATING"
        } else {
            "ACTIVE"
        }
    }
}

thread_local! {
    /// The region a request being dispatched is for, when it is not the home region: request
    /// validation then reads `T@R` table names as the user's `T` (see [`unscoped`]).
    static SCOPE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The region scope of one request; leaving it (even by unwinding, which the server catches)
/// puts the thread back in the home region.
struct Scope;

impl Scope {
    fn enter(region: &str) -> Scope {
        SCOPE.with(|s| *s.borrow_mut() = Some(region.to_string()));
        Scope
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        SCOPE.with(|s| *s.borrow_mut() = None);
    }
}

/// A table name as the user wrote it: `T@R` read as `T` while a request for region `R` runs.
pub fn unscoped(name: &str) -> &str {
    SCOPE.with(|s| match &*s.borrow() {
        Some(region) => name
            .strip_suffix(region.as_str())
            .and_then(|n| n.strip_suffix('@'))
            .unwrap_or(name),
        None => name,
    })
}

pub fn internal_name(table: &str, region: &str) -> String {
    format!("{table}@{region}")
}

/// (user table name, region) of an internal name; the region is None for a home table.
pub fn split(name: &str) -> (&str, Option<&str>) {
    match name.split_once('@') {
        Some((t, r)) => (t, Some(r)),
        None => (name, None),
    }
}

/// Whether a region name looks like an AWS one (`eu-west-1`, `us-gov-west-1`).
pub fn valid_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && region.len() <= 32
}

/// Operations served in a region other than the home one.
const REGIONAL_OPERATIONS: &[&str] = &[
    "DescribeTable",
    "ListTables",
    "UpdateTable",
    "DeleteTable",
    "PutItem",
    "GetItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "TransactGetItems",
    "DescribeTimeToLive",
    "DescribeLimits",
    "DescribeEndpoints",
    "Streams.ListStreams",
    "Streams.DescribeStream",
    "Streams.GetShardIterator",
    "Streams.GetRecords",
];

/// Members of request JSON that hold item data, never table names: not searched.
const DATA_MEMBERS: &[&str] = &[
    "Item",
    "Key",
    "Keys",
    "ExpressionAttributeValues",
    "ExclusiveStartKey",
    "ExpressionAttributeNames",
    "Items",
    "Attributes",
    "LastEvaluatedKey",
    "Records",
    "CancellationReasons",
];

impl Engine {
    /// Runs one operation as a request for `region`. The home region (`EngineConfig::region`)
    /// is plain [`Engine::dispatch`]; in another region table names address the replicas there.
    pub fn dispatch_in_region(&mut self, region: &str, operation: &str, body: &str) -> Response {
        if body.len() > crate::MAX_REQUEST_BYTES {
            return Response {
                status: 413,
                body: String::new(),
            };
        }
        if region == self.config.region || operation.starts_with("GlobalTables.") {
            return self.dispatch(operation, body);
        }
        if let Err(e) = self.regional_operation(region, operation) {
            return Response {
                status: e.status(),
                body: e.to_json().to_string(),
            };
        }
        let mut request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        if request.is_object() && operation != "ListTables" {
            map_request(&mut request, region);
        }
        let mapped = if request.is_object() {
            request.to_string()
        } else {
            body.to_string()
        };
        let response = {
            let _scope = Scope::enter(region);
            self.dispatch(operation, &mapped)
        };
        match serde_json::from_str::<Value>(&response.body) {
            Ok(mut value) => {
                map_back(&mut value, region);
                Response {
                    status: response.status,
                    body: value.to_string(),
                }
            }
            Err(_) => response,
        }
    }

    /// Whether `operation` is served in `region` (not the home region) in this simulation.
    fn regional_operation(&self, region: &str, operation: &str) -> Result<()> {
        if !valid_region(region) {
            return Err(ApiError::validation(format!(
                "Simulation: {region} is not a region name Dynaplay can simulate (names look like eu-west-1)"
            )));
        }
        if operation == "CreateTable" {
            return Err(ApiError::validation(format!(
                "Simulation: Dynaplay creates tables in the home region {} only; add a replica in {region} with UpdateTable ReplicaUpdates",
                self.config.region
            )));
        }
        if !REGIONAL_OPERATIONS.contains(&operation) {
            return Err(ApiError::validation(format!(
                "Simulation: Dynaplay serves {operation} in the home region {} only; in {region} it serves {}",
                self.config.region,
                REGIONAL_OPERATIONS.join(", ")
            )));
        }
        Ok(())
    }

    /// The home region (`EngineConfig::region`).
    pub fn config_region(&self) -> &str {
        &self.config.region
    }

    /// Sets how long a write takes to reach the other replicas from now on (durably: the
    /// setting survives a reload). Writes already queued keep their due times.
    pub fn set_replication_delay_millis(&mut self, millis: i64) -> Result<()> {
        let millis = millis.max(0);
        if self.storage.persistent() {
            let row = self
                .global
                .settings_mutation(millis, self.global.replicated);
            self.storage.commit(&[row]).map_err(|e| {
                ApiError::internal(format!("The setting could not be saved durably: {e}"))
            })?;
        }
        self.global.delay_millis = millis;
        Ok(())
    }

    /// The simulation's own operations (`GlobalTables.<op>`): Configure, Describe.
    pub fn call_global_tables(&mut self, operation: &str, body: &str) -> Result<Value> {
        let request = crate::request::parse_body(body)?;
        self.settle();
        match operation {
            "Configure" => {
                const FIELDS: &[Field] = &[field(
                    "ReplicationDelayMillis",
                    Ty::Long,
                    &[Rule::Min(0), Rule::Max(86_400_000)],
                )];
                check(&request, FIELDS)?;
                if let Some(ms) = Req(&request).int("ReplicationDelayMillis") {
                    self.set_replication_delay_millis(ms)?;
                }
                Ok(self.global_tables_describe())
            }
            "Describe" => Ok(self.global_tables_describe()),
            _ => Err(ApiError::unknown_operation()),
        }
    }

    fn global_tables_describe(&self) -> Value {
        let now = self.now_millis();
        let tables: Vec<Value> =
            self.tables
                .values()
                .filter(|t| !t.def.settings.replicas.is_empty())
                .map(|t| {
                    let mut regions =
                        vec![json!({"RegionName": self.config.region, "ReplicaStatus": "ACTIVE"})];
                    regions.extend(
                        t.def.settings.replicas.iter().map(
                            |r| json!({"RegionName": r.region, "ReplicaStatus": r.status(now)}),
                        ),
                    );
                    json!({"TableName": t.def.name, "Replicas": regions})
                })
                .collect();
        let mut queue: Vec<&Replication> = self.global.queue.iter().collect();
        queue.sort_by_key(|r| (r.due, r.seq));
        let pending: Vec<Value> = queue
            .iter()
            .map(|r| {
                let (table, region) = split(&r.target);
                json!({
                    "TableName": table,
                    "FromRegion": r.stamp.1,
                    "ToRegion": region.unwrap_or(&self.config.region),
                    "Key": self.key_json(&r.target, &r.key, r.item.as_ref()),
                    "Write": if r.item.is_some() { "PUT" } else { "DELETE" },
                    "WrittenAt": crate::time_format::iso_millis(r.stamp.0),
                    "DueAt": crate::time_format::iso_millis(r.due),
                })
            })
            .collect();
        let version = |(stamp, item): &(Stamp, Option<Item>)| {
            json!({
                "Region": stamp.1,
                "WrittenAt": crate::time_format::iso_millis(stamp.0),
                "Item": item.as_ref().map(wire::item_to_json),
            })
        };
        let conflicts: Vec<Value> = self
            .global
            .conflicts
            .iter()
            .map(|c| {
                json!({
                    "TableName": c.table,
                    "DetectedInRegion": c.region,
                    "DetectedAt": crate::time_format::iso_millis(c.at),
                    "Key": wire::item_to_json(&c.key),
                    "Winner": version(&c.kept),
                    "Loser": version(&c.discarded),
                })
            })
            .collect();
        json!({
            "Simulation": SIMULATION_NOTE,
            "HomeRegion": self.config.region,
            "ReplicationDelayMillis": self.global.delay_millis,
            "GlobalTables": tables,
            "PendingReplications": pending,
            "ReplicatedWrites": self.global.replicated,
            "Conflicts": conflicts,
        })
    }

    fn key_json(&self, table: &str, key: &PrimaryKey, item: Option<&Item>) -> Value {
        let Some(t) = self.tables.get(table) else {
            return Value::Null;
        };
        match item {
            Some(i) => wire::item_to_json(&t.key_item(i)),
            None => {
                let mut k = Item::new();
                k.insert(
                    t.def.key_schema.hash.name.clone(),
                    key.partition.value.to_attribute(),
                );
                if let (Some(range), Some(v)) = (&t.def.key_schema.range, &key.sort) {
                    k.insert(range.name.clone(), v.to_attribute());
                }
                wire::item_to_json(&k)
            }
        }
    }

    /// The region an internal table name is in.
    fn region_of(&self, name: &str) -> String {
        split(name)
            .1
            .map_or_else(|| self.config.region.clone(), str::to_string)
    }

    /// Every replica (internal name) of the global table `name` belongs to, `name` included;
    /// empty for a table without replicas.
    pub(crate) fn replica_group(&self, name: &str) -> Vec<String> {
        let home = split(name).0;
        let Some(table) = self.tables.get(home) else {
            return Vec::new();
        };
        if table.def.settings.replicas.is_empty() {
            return Vec::new();
        }
        let mut group = vec![home.to_string()];
        for r in &table.def.settings.replicas {
            let internal = internal_name(home, &r.region);
            if self.tables.contains_key(&internal) {
                group.push(internal);
            }
        }
        group
    }

    /// Called by `commit_writes_as` before it commits a batch: what the batch changes in the
    /// simulation. A user's write to a global table is stamped (time, region) and queued for
    /// the table's other replicas; a replicated write being delivered leaves the queue and
    /// stamps its key instead (it is not replicated again). The rows go into the same storage
    /// batch as the items; `ReplicationBatch::apply` follows once it is durable.
    pub(crate) fn plan_replication(&self, writes: &[crate::ops::Write]) -> ReplicationBatch {
        let mut batch = ReplicationBatch::default();
        if let Some(d) = &self.global.delivering {
            batch.stamp(d.target.clone(), d.key.clone(), d.stamp.clone());
            batch.dequeue(d.seq, Some(self.global.replicated.saturating_add(1)));
            batch.record(&self.global, d.conflict.clone());
            return batch;
        }
        let now = self.now_millis();
        let mut seq = self.global.next_seq;
        for (name, key, item) in writes {
            let group = self.replica_group(name);
            if group.is_empty() {
                continue;
            }
            let stamp = (now, self.region_of(name));
            batch.stamp(name.clone(), key.clone(), stamp.clone());
            for target in group.into_iter().filter(|t| t != name) {
                batch.queue(Replication {
                    seq,
                    due: now.saturating_add(self.global.delay_millis),
                    target,
                    key: key.clone(),
                    item: item.clone(),
                    stamp: stamp.clone(),
                });
                seq = seq.saturating_add(1);
            }
        }
        batch
    }

    /// Delivers every replicated write whose time has come, oldest first, last writer winning.
    pub(crate) fn replicate_due(&mut self) {
        if self.global.queue.is_empty() {
            return;
        }
        let now = self.now_millis();
        // Delivered one at a time, each leaving the queue in its own batch, so a delivery sees
        // which writes are still on their way (that is how it tells a concurrent version from
        // an older one). A delivery storage refused stays queued and is tried at the next call.
        let mut due: Vec<Replication> = self
            .global
            .queue
            .iter()
            .filter(|r| r.due <= now)
            .cloned()
            .collect();
        due.sort_by_key(|r| (r.due, r.seq));
        for r in due {
            self.deliver(r, now);
        }
    }

    /// Applies one replicated write, or drops it (last writer winning, or its replica gone).
    fn deliver(&mut self, r: Replication, now: i64) {
        let Some(table) = self.tables.get(&r.target) else {
            // A write for a replica removed meanwhile is simply dropped.
            self.drop_replication(&r, None);
            return;
        };
        // A queued write read back from an imported document is checked like any stored item:
        // one whose item is not stored under its own key would corrupt the replica, so it goes.
        if let Some(item) = &r.item {
            if table.key_of_request(&table.key_item(item)).ok().as_ref() != Some(&r.key) {
                self.drop_replication(&r, None);
                return;
            }
        }
        let held = table.get(&r.key).cloned();
        let current = self
            .global
            .stamps
            .get(&r.target)
            .and_then(|s| s.get(&r.key))
            .cloned();
        let mut settled = None;
        if let Some(cur) = &current {
            let key = wire::item_from_json(&self.key_json(
                &r.target,
                &r.key,
                r.item.as_ref().or(held.as_ref()),
            ))
            .unwrap_or_default();
            let conflict = |kept, discarded| Conflict {
                seq: 0,
                at: now,
                table: split(&r.target).0.to_string(),
                region: self.region_of(&r.target),
                key,
                kept,
                discarded,
            };
            if *cur > r.stamp {
                // An older write arriving after a newer one: it loses.
                let c = conflict((cur.clone(), held), (r.stamp.clone(), r.item.clone()));
                self.drop_replication(&r, Some(c));
                return;
            }
            // The version held here was written concurrently (its own replication to the
            // writer's region is still on the way): the arriving, later write wins.
            let source = self.internal_in(split(&r.target).0, &r.stamp.1);
            let concurrent = cur.1 != r.stamp.1
                && self
                    .global
                    .queue
                    .iter()
                    .any(|q| q.target == source && q.key == r.key && q.stamp == *cur);
            if concurrent {
                settled = Some(conflict(
                    (r.stamp.clone(), r.item.clone()),
                    (cur.clone(), held),
                ));
            }
        }
        self.global.delivering = Some(Delivery {
            seq: r.seq,
            target: r.target.clone(),
            key: r.key.clone(),
            stamp: r.stamp.clone(),
            conflict: settled,
        });
        // On failure the write stays queued (its batch, dequeue included, was not committed).
        let _ = crate::ops::commit_writes_as(
            self,
            vec![(r.target.clone(), r.key.clone(), r.item.clone())],
            crate::streams::Origin::User,
        );
        self.global.delivering = None;
    }

    /// Takes a replicated write off the queue without applying it, logging the conflict that
    /// made it lose, in one storage batch; a refused batch leaves it queued for the next call.
    fn drop_replication(&mut self, r: &Replication, conflict: Option<Conflict>) {
        let mut batch = ReplicationBatch::default();
        batch.dequeue(r.seq, None);
        batch.record(&self.global, conflict);
        if self.storage.persistent() && self.storage.commit(&batch.mutations(&self.global)).is_err()
        {
            return;
        }
        batch.apply(&mut self.global);
    }

    fn internal_in(&self, table: &str, region: &str) -> String {
        if region == self.config.region {
            table.to_string()
        } else {
            internal_name(table, region)
        }
    }

    /// Adds `Replicas` and `GlobalTableVersion` to a table description of a global table.
    pub(crate) fn decorate_description(&self, response: &mut Value) {
        let now = self.now_millis();
        for member in ["Table", "TableDescription"] {
            let Some(d) = response.get_mut(member).and_then(Value::as_object_mut) else {
                continue;
            };
            let Some(name) = d.get("TableName").and_then(Value::as_str) else {
                continue;
            };
            let (home, here) = split(name);
            let Some(table) = self.tables.get(home) else {
                continue;
            };
            let replicas = &table.def.settings.replicas;
            if replicas.is_empty() {
                continue;
            }
            let here = here.unwrap_or(&self.config.region).to_string();
            let mut list = Vec::new();
            if here != self.config.region {
                list.push(json!({"RegionName": self.config.region, "ReplicaStatus": "ACTIVE"}));
            }
            for r in replicas.iter().filter(|r| r.region != here) {
                list.push(json!({"RegionName": r.region, "ReplicaStatus": r.status(now)}));
            }
            d.insert("Replicas".into(), Value::Array(list));
            d.insert("GlobalTableVersion".into(), json!(GLOBAL_TABLE_VERSION));
        }
    }
}

use crate::Response;

/// Table names in a request for `region` become internal names.
fn map_request(value: &mut Value, region: &str) {
    let Some(obj) = value.as_object_mut() else {
        if let Some(list) = value.as_array_mut() {
            list.iter_mut().for_each(|v| map_request(v, region));
        }
        return;
    };
    let mut renamed = Map::new();
    for (k, mut v) in std::mem::take(obj) {
        match k.as_str() {
            "TableName" => {
                if let Value::String(s) = &v {
                    v = Value::String(internal_name(s, region));
                }
            }
            "RequestItems" => {
                if let Some(items) = v.as_object_mut() {
                    *items = std::mem::take(items)
                        .into_iter()
                        .map(|(t, x)| (internal_name(&t, region), x))
                        .collect();
                }
            }
            m if DATA_MEMBERS.contains(&m) => {}
            _ => map_request(&mut v, region),
        }
        renamed.insert(k, v);
    }
    *obj = renamed;
}

/// Internal names in an answer for `region` become the user's names again.
fn map_back(value: &mut Value, region: &str) {
    let suffix = format!("@{region}");
    map_back_with(value, &suffix);
}

fn map_back_with(value: &mut Value, suffix: &str) {
    match value {
        Value::Array(list) => list.iter_mut().for_each(|v| map_back_with(v, suffix)),
        Value::Object(obj) => {
            let mut renamed = Map::new();
            for (k, mut v) in std::mem::take(obj) {
                match k.as_str() {
                    "TableName" | "message" | "Message" => {
                        if let Value::String(s) = &v {
                            v = Value::String(s.replace(suffix, ""));
                        }
                    }
                    "TableNames" => {
                        if let Some(list) = v.as_array_mut() {
                            for n in list.iter_mut() {
                                if let Value::String(s) = n {
                                    *s = s.replace(suffix, "");
                                }
                            }
                        }
                    }
                    m if DATA_MEMBERS.contains(&m) => {}
                    _ => map_back_with(&mut v, suffix),
                }
                let key = match k.strip_suffix(suffix) {
                    Some(base) => base.to_string(),
                    None => k,
                };
                renamed.insert(key, v);
            }
            *obj = renamed;
        }
        _ => {}
    }
}

const REPLICA_ACTION: &[Field] = &[field("RegionName", Ty::String, &[Rule::Required])];
const REPLICA_UPDATE: Ty = Ty::Struct(
    "ReplicationGroupUpdate",
    &[
        field(
            "Create",
            Ty::FieldStruct("CreateReplicationGroupMemberAction", REPLICA_ACTION),
            &[],
        ),
        field(
            "Update",
            Ty::FieldStruct("UpdateReplicationGroupMemberAction", REPLICA_ACTION),
            &[],
        ),
        field(
            "Delete",
            Ty::FieldStruct("DeleteReplicationGroupMemberAction", REPLICA_ACTION),
            &[],
        ),
    ],
);
const FIELDS: &[Field] = &[
    crate::request::REQUIRED_TABLE_NAME,
    field(
        "ReplicaUpdates",
        Ty::List(&REPLICA_UPDATE),
        &[Rule::MinLength(1)],
    ),
];

/// UpdateTable with `ReplicaUpdates`: one replica created or deleted per call.
pub(crate) fn update_replicas(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, FIELDS)?;
    let req = Req(request);
    let name = req.str("TableName").unwrap_or_default().to_string();
    let others = [
        "ProvisionedThroughput",
        "BillingMode",
        "GlobalSecondaryIndexUpdates",
        "StreamSpecification",
        "SSESpecification",
        "TableClass",
        "DeletionProtectionEnabled",
    ];
    if others.iter().any(|m| req.has(m)) {
        return Err(ApiError::validation(
            "Simulation: Dynaplay applies ReplicaUpdates in an UpdateTable call of their own; send the other changes separately",
        ));
    }
    let updates = req.array("ReplicaUpdates").cloned().unwrap_or_default();
    if updates.len() != 1 {
        return Err(ApiError::validation(
            "One or more parameter values were invalid: Only one replica update can be made per UpdateTable request",
        ));
    }
    let update = updates[0].as_object().cloned().unwrap_or_default();
    if update.len() != 1 {
        return Err(ApiError::validation(
            "One or more parameter values were invalid: Exactly one of Create, Update or Delete must be given in a ReplicationGroupUpdate",
        ));
    }
    let (action, body) = update
        .iter()
        .next()
        .map(|(k, v)| (k.clone(), v.clone()))
        .unwrap_or_default();
    let region = body
        .get("RegionName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let table = engine
        .tables
        .get(&name)
        .ok_or_else(|| ApiError::table_not_found(unscoped(&name)))?;
    let now = engine.now_millis();
    crate::ops::check_not_changing(table, now)?;
    let home = split(&name).0.to_string();
    if !valid_region(&region) {
        return Err(ApiError::validation(format!(
            "One or more parameter values were invalid: Invalid region name: {region}"
        )));
    }
    if region == engine.region_of(&name) {
        // DynamoDB's words when a request names the region it is sent to.
        return Err(ApiError::validation(
            "Cannot add, delete, or update the local region through ReplicaUpdates. Use CreateTable, DeleteTable, or UpdateTable as required.",
        ));
    }
    match action.as_str() {
        "Create" => create_replica(engine, &home, &region, now)?,
        "Delete" => delete_replica(engine, &home, &region)?,
        _ => return Err(ApiError::validation(
            "Simulation: Dynaplay does not simulate per-replica settings (ReplicaUpdates Update)",
        )),
    }
    let table = engine
        .tables
        .get(&name)
        .ok_or_else(|| ApiError::table_not_found(unscoped(&name)))?;
    let mut out =
        json!({"TableDescription": crate::ops::table_description(table, now, Some("UPDATING"))});
    engine.decorate_description(&mut out);
    Ok(out)
}

fn create_replica(engine: &mut Engine, home: &str, region: &str, now: i64) -> Result<()> {
    let table = engine
        .tables
        .get(home)
        .ok_or_else(|| ApiError::table_not_found(home))?;
    if region == engine.config.region || table.def.settings.has_replica(region) {
        return Err(ApiError::validation(format!(
            "One or more parameter values were invalid: Cannot add replica. Table {home} already exists in region {region}"
        )));
    }
    if table.def.billing_mode == BillingMode::Provisioned {
        // DynamoDB requires on-demand or write auto scaling; the sandbox has no auto scaling.
        return Err(ApiError::validation(
            "Table write capacity should either be Pay-Per-Request or AutoScaled.",
        ));
    }
    let mut settings = table.def.settings.clone();
    match &settings.stream {
        Some(s) if s.enabled && s.view_type != "NEW_AND_OLD_IMAGES" => {
            return Err(ApiError::validation(
                "One or more parameter values were invalid: Table must have DynamoDB Streams enabled with StreamViewType NEW_AND_OLD_IMAGES to add replicas",
            ))
        }
        Some(s) if s.enabled => {}
        // DynamoDB turns the stream on with new and old images for a 2019.11.21 replica.
        _ => {
            settings.stream = Some(crate::ops::new_stream("NEW_AND_OLD_IMAGES".into(), now));
        }
    }
    let lifecycle = engine.config.lifecycle_millis;
    settings.replicas.push(ReplicaSetting {
        region: region.to_string(),
        created_millis: now,
        active_millis: now.saturating_add(lifecycle.max(0)),
    });
    if lifecycle > 0 {
        settings.pending = Some(Pending::new("UPDATING", now, lifecycle));
    }
    // The replica: same keys, indexes and items, its own name, ARN and stream.
    let mut replica = table.clone();
    let internal = internal_name(home, region);
    let arn = format!(
        "arn:aws:dynamodb:{region}:{}:table/{home}",
        engine.config.account_id
    );
    for index in &mut replica.indexes {
        index.def.arn = index.def.arn.replacen(&replica.def.arn, &arn, 1);
    }
    replica.def.name = internal.clone();
    replica.def.arn = arn;
    replica.def.created_millis = now;
    let mut replica_settings = settings.clone();
    replica_settings.replicas.clear();
    replica_settings.tags.clear();
    replica_settings.stream = Some(crate::ops::new_stream("NEW_AND_OLD_IMAGES".into(), now));
    replica_settings.pending = (lifecycle > 0).then(|| Pending::new("CREATING", now, lifecycle));
    replica.def.settings = replica_settings;
    let mut home_def = table.clone();
    home_def.def.settings = settings;
    let mut batch = vec![
        Mutation::PutTable {
            table: home.to_string(),
            definition: home_def.definition_json().to_string(),
        },
        Mutation::PutTable {
            table: internal.clone(),
            definition: replica.definition_json().to_string(),
        },
    ];
    for partition in replica.partitions.values() {
        for item in partition.values() {
            batch.push(Mutation::PutItem {
                table: internal.clone(),
                key: replica.storage_key(item),
                item: wire::item_to_json(item).to_string(),
            });
        }
    }
    engine.storage.commit(&batch).map_err(|e| {
        ApiError::internal(format!("The replica could not be created durably: {e}"))
    })?;
    if let Some(t) = engine.tables.get_mut(home) {
        t.def.settings = home_def.def.settings;
    }
    engine.tables.insert(internal, replica);
    Ok(())
}

fn delete_replica(engine: &mut Engine, home: &str, region: &str) -> Result<()> {
    if region == engine.config.region {
        return Err(ApiError::validation(format!(
            "Simulation: the table in the home region {region} is deleted with DeleteTable once its replicas are removed"
        )));
    }
    let table = engine
        .tables
        .get(home)
        .ok_or_else(|| ApiError::table_not_found(home))?;
    if !table.def.settings.has_replica(region) {
        return Err(ApiError::validation(format!(
            "One or more parameter values were invalid: Cannot remove replica. Table {home} does not exist in region {region}"
        )));
    }
    let internal = internal_name(home, region);
    let mut home_table = table.clone();
    home_table
        .def
        .settings
        .replicas
        .retain(|r| r.region != region);
    let mut batch = vec![
        Mutation::PutTable {
            table: home.to_string(),
            definition: home_table.definition_json().to_string(),
        },
        // The replica's stamps go with its table.
        Mutation::DeleteTable {
            table: internal.clone(),
        },
    ];
    // Writes still on their way to it go too.
    batch.extend(
        engine
            .global
            .queue
            .iter()
            .filter(|q| q.target == internal)
            .map(|q| Mutation::DeleteReplication { seq: q.seq }),
    );
    engine.storage.commit(&batch).map_err(|e| {
        ApiError::internal(format!("The replica could not be deleted durably: {e}"))
    })?;
    if let Some(t) = engine.tables.get_mut(home) {
        t.def.settings = home_table.def.settings;
    }
    engine.tables.remove(&internal);
    engine.global.forget_table(&internal);
    engine.global.queue.retain(|q| q.target != internal);
    Ok(())
}

/// DeleteTable of a global table: in a replica region it removes that replica; in the home
/// region it is refused while replicas remain. None: not a global table, delete as usual.
pub(crate) fn delete_table(engine: &mut Engine, name: &str) -> Option<Result<Value>> {
    let (home, region) = split(name);
    let table = engine.tables.get(home)?;
    if table.def.settings.replicas.is_empty() {
        return None;
    }
    let now = engine.now_millis();
    match region {
        Some(region) => {
            let replica = engine.tables.get(name)?;
            let mut out = json!({"TableDescription": crate::ops::table_description(replica, now, Some("DELETING"))});
            if let Err(e) = delete_replica(engine, home, region) {
                return Some(Err(e));
            }
            engine.decorate_description(&mut out);
            Some(Ok(out))
        }
        None => Some(Err(ApiError::validation(format!(
            "Simulation: table {home} has replicas in {}; remove them first with UpdateTable ReplicaUpdates Delete",
            table
                .def
                .settings
                .replicas
                .iter()
                .map(|r| r.region.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )))),
    }
}

/// A table name as ListTables shows it: in the home region, home tables only; in region `R`
/// (while a request for it runs), the replicas there, by their user names.
pub fn listed_name(name: &str) -> Option<&str> {
    SCOPE.with(|s| match (&*s.borrow(), split(name)) {
        (None, (n, None)) => Some(n),
        (Some(scope), (n, Some(r))) if r == scope => Some(n),
        _ => None,
    })
}

/// Drops from a ListStreams answer the streams of tables in other simulated regions. (A page
/// cut by Limit may then hold fewer streams than asked for; LastEvaluatedStreamArn still
/// continues correctly.)
pub(crate) fn keep_regional_streams(answer: &mut Value) {
    if let Some(list) = answer.get_mut("Streams").and_then(Value::as_array_mut) {
        list.retain(|s| {
            s.get("TableName")
                .and_then(Value::as_str)
                .is_some_and(|t| listed_name(t).is_some())
        });
    }
}

/// UpdateTable without ReplicaUpdates on a global table: DynamoDB carries index, stream,
/// billing and throughput changes to every replica; this simulation does not, so it refuses
/// them rather than let the replicas silently differ. Table class, deletion protection and
/// encryption are per replica in DynamoDB too, and pass.
pub(crate) fn check_plain_update(engine: &Engine, req: &Req) -> Result<()> {
    let name = req.str("TableName").unwrap_or_default();
    if engine.replica_group(name).is_empty() {
        return Ok(());
    }
    let shared = [
        "GlobalSecondaryIndexUpdates",
        "StreamSpecification",
        "BillingMode",
        "ProvisionedThroughput",
    ];
    match shared.iter().find(|m| req.has(m)) {
        Some(member) => Err(ApiError::validation(format!(
            "Simulation: Dynaplay does not carry {member} changes to the replicas of global table {}; remove its replicas first",
            unscoped(name)
        ))),
        None => Ok(()),
    }
}
