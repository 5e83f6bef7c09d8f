//! Dynaplay's engine: DynamoDB as a library. One entry point, [`Engine::dispatch`], takes an
//! operation name and a DynamoDB JSON request and returns the JSON response or a DynamoDB error.
//! The engine does no I/O: time comes from a [`Clock`], durability from a [`Storage`].

pub mod backup;
pub mod capacity;
pub mod clock;
pub mod dax;
pub mod error;
pub mod expr;
pub mod global_tables;
pub mod global_tables_state;
pub mod index;
mod ops;
pub mod partiql;
pub mod request;
pub mod sandbox_document;
pub mod storage;
pub mod streams;
pub mod table;
pub mod throughput;
pub mod time_format;
pub mod ttl;
pub mod value;

use std::collections::BTreeMap;

use serde_json::Value;

pub use clock::{Clock, ManualClock};
pub use error::{ApiError, ErrorKind};
pub use storage::{MemoryStorage, Mutation, NullStorage, Storage};

use table::Table;

/// The account id and region the engine reports in ARNs.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub region: String,
    pub account_id: String,
    /// How long CREATING, UPDATING and DELETING last, and how long a new GSI backfills.
    /// Zero (the default) makes every transition instant.
    pub lifecycle_millis: i64,
    /// Whether requests over a table's throughput fail with ProvisionedThroughputExceededException.
    /// On by default: a learner comes to see DynamoDB as it is, and since a new table starts with
    /// its 300 seconds of burst capacity, requests made by hand never hit the limit; only a load
    /// (a loop, a hot key) does, which is the lesson. Off, capacity is still counted in metrics.
    pub throttling: bool,
    /// Whether capacity is metered for [`Engine::metrics`] and [`Engine::meters`] (per-minute
    /// units, hottest keys, partitions) when throttling is off. On by default: the playground
    /// shows them. A host that never reads them (the server) turns it off, and then, with
    /// throttling off too, requests skip the meters altogether: nothing could observe them.
    /// With throttling on the meters always run, since they decide what is throttled.
    /// `ConsumedCapacity` in answers does not depend on it.
    pub metrics: bool,
    /// The most bytes an item collection (a partition key's items plus their local secondary
    /// index entries) may hold: DynamoDB's 10 GB. A write that would grow a collection past it
    /// fails with ItemCollectionSizeLimitExceededException; tests lower it to provoke that.
    pub item_collection_limit_bytes: u64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            lifecycle_millis: 0,
            throttling: true,
            metrics: true,
            item_collection_limit_bytes: 10 * 1024 * 1024 * 1024,
        }
    }
}

/// What DynamoDB answers over HTTP: a status and a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

/// A DynamoDB instance: its tables and items, its clock and its storage.
pub struct Engine {
    pub(crate) config: EngineConfig,
    pub(crate) clock: Box<dyn Clock + Send>,
    pub(crate) storage: Box<dyn Storage + Send>,
    pub(crate) tables: BTreeMap<String, Table>,
    /// On-demand backups and point-in-time-recovery change logs.
    pub(crate) backups: backup::BackupState,
    /// TransactWriteItems' ClientRequestTokens of the last 10 minutes (kept in memory only).
    pub(crate) client_tokens: ops::ClientTokens,
    /// Every readable DynamoDB stream and its records (see `streams`).
    pub(crate) streams: streams::Streams,
    /// When the TTL sweeper last ran on its own (it runs at most once a simulated minute).
    pub(crate) last_ttl_sweep: Option<i64>,
    pub(crate) throughput: throughput::Throughput,
    /// The simulated DAX cluster's caches (memory only; see `dax`).
    pub(crate) dax: dax::Dax,
    /// The global-tables simulation's replication queue, stamps and conflicts (persisted; see
    /// `global_tables_state`).
    pub(crate) global: global_tables::GlobalTables,
}

/// The `X-Amz-Target` prefixes the engine serves.
pub const DYNAMODB_TARGET: &str = "DynamoDB_20120810";

/// The largest request body DynamoDB takes (16 MB, the BatchWriteItem limit, which no other
/// operation's limits can reach). Over it the service answers HTTP 413 with an empty body before
/// reading the request; the server does that at its socket, and the engine's text entry points do
/// the same for hosts without one (the browser), so an oversized batch is refused there too.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;
pub const STREAMS_TARGET: &str = "DynamoDBStreams_20120810";
/// The simulated DAX cluster's target prefix (Dynaplay's own: real DAX clients speak another
/// protocol); its operations are [`dax::OPERATIONS`].
pub const DAX_SIMULATION_TARGET: &str = "DynaplayDaxSimulation";

impl Engine {
    /// Opens an engine over a storage, loading whatever it already holds.
    pub fn open(
        config: EngineConfig,
        clock: Box<dyn Clock + Send>,
        storage: Box<dyn Storage + Send>,
    ) -> Result<Engine, storage::StorageError> {
        let snapshot = storage.load()?;
        let mut tables = BTreeMap::new();
        for (name, definition) in &snapshot.tables {
            let empty = BTreeMap::new();
            let items = snapshot.items.get(name).unwrap_or(&empty);
            let table = Table::restore(definition, items)
                .map_err(|e| storage::StorageError(e.to_string()))?;
            tables.insert(name.clone(), table);
        }
        let streams = streams::Streams::restore(&snapshot.streams, &snapshot.stream_records)
            .ok_or_else(|| storage::StorageError("stored stream is unreadable".into()))?;
        let backups = backup::BackupState::load(&snapshot, &tables)?;
        let global = global_tables::GlobalTables::restore(&snapshot)?;
        Ok(Engine {
            config,
            clock,
            storage,
            tables,
            backups,
            client_tokens: ops::ClientTokens::default(),
            streams,
            last_ttl_sweep: None,
            throughput: throughput::Throughput::default(),
            dax: dax::Dax::default(),
            global,
        })
    }

    /// An engine in memory with the given clock.
    pub fn in_memory(clock: Box<dyn Clock + Send>) -> Engine {
        Engine {
            config: EngineConfig::default(),
            clock,
            storage: Box::new(NullStorage),
            tables: BTreeMap::new(),
            backups: backup::BackupState::default(),
            client_tokens: ops::ClientTokens::default(),
            streams: streams::Streams::default(),
            last_ttl_sweep: None,
            throughput: throughput::Throughput::default(),
            dax: dax::Dax::default(),
            global: global_tables::GlobalTables::default(),
        }
    }

    /// Runs one operation. `operation` is the part of `X-Amz-Target` after `DynamoDB_20120810.`;
    /// `body` is the request JSON text. Never panics on any input.
    pub fn dispatch(&mut self, operation: &str, body: &str) -> Response {
        if let Some(refused) = Self::oversized(body) {
            return refused;
        }
        if operation.starts_with("Streams.")
            || operation.starts_with("Dax.")
            || operation.starts_with("GlobalTables.")
        {
            return Self::respond(self.call(operation, body));
        }
        match self.call_output(operation, body) {
            Ok(ops::Output::Text(text)) => Response {
                status: 200,
                body: text,
            },
            Ok(ops::Output::Json(value)) => Self::respond(Ok(value)),
            Err(e) => Self::respond(Err(e)),
        }
    }

    /// Like [`Engine::dispatch`], with the response as JSON or the error as a value.
    pub fn call(&mut self, operation: &str, body: &str) -> Result<Value, ApiError> {
        if let Some(op) = operation.strip_prefix("Streams.") {
            return self.call_streams(op, body);
        }
        if let Some(op) = operation.strip_prefix("Dax.") {
            return self.call_dax(op, body);
        }
        if let Some(op) = operation.strip_prefix("GlobalTables.") {
            return self.call_global_tables(op, body);
        }
        match self.call_output(operation, body)? {
            ops::Output::Json(value) => Ok(value),
            ops::Output::Text(text) => serde_json::from_str(&text)
                .map_err(|e| ApiError::internal(format!("answer was not JSON: {e}"))),
        }
    }

    fn call_output(&mut self, operation: &str, body: &str) -> Result<ops::Output, ApiError> {
        // A plain GetItem is read straight from the text (see `ops::get_item`); any other
        // request, or one the plain reader leaves, is parsed into a tree and read from there.
        let plain = match operation {
            "GetItem" => ops::PlainGetItem::read(body),
            _ => None,
        };
        let request = match plain {
            Some(_) => None,
            None => Some(request::parse_body(body)?),
        };
        self.settle();
        let answered = plain.and_then(|plain| ops::run_plain_get_item(self, &plain));
        let mut result = match (answered, request) {
            (Some(result), _) => result,
            (None, Some(request)) => ops::run(self, operation, &request),
            // The plain reader read the body, so it is a JSON object and parses.
            (None, None) => request::parse_body(body).and_then(|r| ops::run(self, operation, &r)),
        };
        if let (
            "DescribeTable" | "UpdateTable" | "DeleteTable" | "CreateTable",
            Ok(ops::Output::Json(value)),
        ) = (operation, &mut result)
        {
            self.decorate_description(value);
        }
        // A stream enabled by this call exists from now on, with its first shard.
        self.maintain_streams();
        result
    }

    /// HTTP 413 with an empty body for a request over [`MAX_REQUEST_BYTES`], as the service.
    fn oversized(body: &str) -> Option<Response> {
        (body.len() > MAX_REQUEST_BYTES).then(|| Response {
            status: 413,
            body: String::new(),
        })
    }

    /// Runs one DynamoDB Streams operation (`X-Amz-Target: DynamoDBStreams_20120810.<op>`).
    pub fn dispatch_streams(&mut self, operation: &str, body: &str) -> Response {
        if let Some(refused) = Self::oversized(body) {
            return refused;
        }
        let result = self.call_streams(operation, body);
        Self::respond(result)
    }

    /// Like [`Engine::dispatch_streams`], with the response as JSON or the error as a value.
    pub fn call_streams(&mut self, operation: &str, body: &str) -> Result<Value, ApiError> {
        let request = request::parse_body(body)?;
        self.settle();
        let mut result = streams::api::run(self, operation, &request);
        if let ("ListStreams", Ok(value)) = (operation, &mut result) {
            // Each simulated region lists the streams of its own tables only.
            global_tables::keep_regional_streams(value);
        }
        result
    }

    /// Routes a whole `X-Amz-Target` value: `DynamoDB_20120810.<op>` or
    /// `DynamoDBStreams_20120810.<op>` or `DynaplayDaxSimulation.<op>`; anything else is UnknownOperationException.
    pub fn dispatch_target(&mut self, target: &str, body: &str) -> Response {
        if let Some(refused) = Self::oversized(body) {
            return refused;
        }
        match target.split_once('.') {
            Some((DYNAMODB_TARGET, op)) if !op.contains('.') && !op.is_empty() => {
                self.dispatch(op, body)
            }
            Some((STREAMS_TARGET, op)) if !op.contains('.') && !op.is_empty() => {
                self.dispatch_streams(op, body)
            }
            Some((DAX_SIMULATION_TARGET, op)) if dax::OPERATIONS.contains(&op) => {
                Self::respond(self.call_dax(op, body))
            }
            Some((global_tables::SIMULATION_TARGET, op))
                if global_tables::OPERATIONS.contains(&op) =>
            {
                Self::respond(self.call_global_tables(op, body))
            }
            _ => Self::respond(Err(ApiError::unknown_operation())),
        }
    }

    /// [`Engine::dispatch_target`] for a request addressed to `region` (the global tables
    /// simulation; the browser runtime's `dispatchInRegion`). The home region, or a target the
    /// engine does not serve, is answered exactly as `dispatch_target` answers it.
    pub fn dispatch_target_in_region(
        &mut self,
        region: &str,
        target: &str,
        body: &str,
    ) -> Response {
        if region == self.config.region {
            return self.dispatch_target(target, body);
        }
        let operation = match target.split_once('.') {
            Some((DYNAMODB_TARGET, op)) if !op.contains('.') && !op.is_empty() => op.to_string(),
            Some((STREAMS_TARGET, op)) if !op.contains('.') && !op.is_empty() => {
                format!("Streams.{op}")
            }
            Some((DAX_SIMULATION_TARGET, op)) if dax::OPERATIONS.contains(&op) => {
                format!("Dax.{op}")
            }
            Some((global_tables::SIMULATION_TARGET, op))
                if global_tables::OPERATIONS.contains(&op) =>
            {
                format!("GlobalTables.{op}")
            }
            _ => return self.dispatch_target(target, body),
        };
        self.dispatch_in_region(region, &operation, body)
    }

    fn respond(result: Result<Value, ApiError>) -> Response {
        match result {
            Ok(value) => {
                let mut body = String::new();
                value::wire::write_json(&value, &mut body);
                Response { status: 200, body }
            }
            Err(err) => Response {
                status: err.status(),
                body: err.to_json().to_string(),
            },
        }
    }

    /// Brings streams in line with table settings and the clock (new streams, disabled ones,
    /// shard roll-over, 24-hour trimming), durably first. A failed commit changes nothing and
    /// is retried at the next call.
    pub(crate) fn maintain_streams(&mut self) {
        let now = self.clock.now_millis();
        let plan = self.streams.plan_maintenance(&self.tables, now);
        if plan.is_empty() {
            return;
        }
        if self.storage.persistent() && self.storage.commit(&plan.mutations()).is_err() {
            return;
        }
        self.streams.apply_maintenance(plan);
    }

    /// How long CREATING, UPDATING, DELETING and a GSI backfill last from now on
    /// (`EngineConfig::lifecycle_millis`); the playground lets a learner pick instant or slow
    /// transitions while it runs. Changes already under way keep their times.
    pub fn set_lifecycle_millis(&mut self, millis: i64) {
        self.config.lifecycle_millis = millis.max(0);
    }

    pub fn lifecycle_millis(&self) -> i64 {
        self.config.lifecycle_millis
    }

    /// Deletes every item whose TTL has passed (tables with TTL ENABLED; a Number of epoch
    /// seconds in the past, at most five years), through the same path as DeleteItem so indexes
    /// and streams follow; stream records carry the DynamoDB service identity. Returns how many
    /// items went. Hosts call this to force a sweep; `dispatch` also runs it once a simulated
    /// minute.
    pub fn sweep_ttl(&mut self) -> usize {
        let now = self.clock.now_millis();
        self.last_ttl_sweep = Some(now);
        self.maintain_streams();
        let mut deleted = 0;
        let names: Vec<String> = self.tables.keys().cloned().collect();
        for name in names {
            let Some(table) = self.tables.get(&name) else {
                continue;
            };
            let keys = ttl::due(table, now);
            if keys.is_empty() {
                continue;
            }
            let count = keys.len();
            let writes = keys.into_iter().map(|k| (name.clone(), k, None)).collect();
            if ops::commit_writes_as(self, writes, streams::Origin::TimeToLive).is_ok() {
                deleted += count;
            }
        }
        deleted
    }

    fn sweep_ttl_if_due(&mut self) {
        let now = self.clock.now_millis();
        if self
            .last_ttl_sweep
            .is_none_or(|t| now.saturating_sub(t) >= ttl::SWEEP_INTERVAL_MILLIS)
        {
            self.sweep_ttl();
        }
    }

    /// Catches up with the clock before a call: tables and indexes whose DELETING ended go away
    /// (other statuses are read off the clock where they are shown), streams follow table
    /// settings and time (shard roll-over, 24-hour trimming), and the TTL sweeper runs if a
    /// simulated minute has passed since it last did. Expired SYSTEM backups go too.
    pub fn settle(&mut self) {
        self.settle_tables();
        self.replicate_due();
        backup::purge_expired(self);
        self.maintain_streams();
        self.sweep_ttl_if_due();
    }

    fn settle_tables(&mut self) {
        let now = self.clock.now_millis();
        let gone: Vec<String> = self
            .tables
            .iter()
            .filter(|(_, t)| {
                t.def
                    .settings
                    .pending
                    .as_ref()
                    .is_some_and(|p| p.status == "DELETING" && !p.active_at(now))
            })
            .map(|(n, _)| n.clone())
            .collect();
        for name in gone {
            if self
                .storage
                .commit(&[Mutation::DeleteTable {
                    table: name.clone(),
                }])
                .is_ok()
            {
                self.tables.remove(&name);
                self.global.forget_table(&name);
            }
        }
        for table in self.tables.values_mut() {
            let before = table.indexes.len();
            let kept: Vec<bool> = table
                .indexes
                .iter()
                .map(|i| {
                    !i.def
                        .pending
                        .as_ref()
                        .is_some_and(|p| p.status == "DELETING" && !p.active_at(now))
                })
                .collect();
            if kept.iter().all(|k| *k) {
                continue;
            }
            let mut remaining = std::mem::take(&mut table.indexes);
            let mut flags = kept.into_iter();
            remaining.retain(|_| flags.next().unwrap_or(true));
            let previous = std::mem::replace(&mut table.indexes, remaining);
            let definition = table.definition_json().to_string();
            if self
                .storage
                .commit(&[Mutation::PutTable {
                    table: table.def.name.clone(),
                    definition,
                }])
                .is_err()
            {
                table.indexes = previous;
            }
            debug_assert!(table.indexes.len() <= before);
        }
    }

    /// The throughput state (per-minute metrics, hottest keys, partition counts, on-demand peaks
    /// and token buckets) as a JSON document, for a host that keeps it across a restart: DynamoDB
    /// keeps all of it on its side, so a reopened sandbox should not start afresh. Not DynamoDB
    /// data and not in `Storage`: the browser sandbox saves it beside its data now and then.
    pub fn meters(&self) -> Value {
        self.throughput.to_json()
    }

    /// Puts back a `meters` document (replacing the current state); meters of a table whose id
    /// no longer matches are ignored as they always are, and a damaged document starts afresh.
    pub fn restore_meters(&mut self, doc: &Value) {
        self.throughput = throughput::Throughput::from_json(doc);
    }

    /// The playground's read-only metrics view of one table (not part of the DynamoDB API):
    /// consumed and throttled units per minute for the table, each GSI and each partition, item
    /// count and size, and the most accessed and most throttled keys. None for an unknown table;
    /// a table without traffic yet shows its counts and no minutes.
    pub fn metrics(&self, table: &str) -> Option<Value> {
        let t = self.tables.get(table)?;
        Some(self.throughput.metrics(t).unwrap_or_else(|| {
            serde_json::json!({
                "TableName": t.name(),
                "Table": {"PartitionCount": 0, "ItemCount": t.item_count, "SizeBytes": t.size_bytes,
                          "Minutes": [], "Partitions": []},
                "GlobalSecondaryIndexes": {},
                "MostAccessedKeys": [],
                "MostThrottledKeys": [],
            })
        }))
    }

    pub fn now_millis(&self) -> i64 {
        self.clock.now_millis()
    }

    /// Whether a request's capacity must go through the meters: they decide throttling, or
    /// the host may read them (`EngineConfig::metrics`).
    pub(crate) fn meters_observed(&self) -> bool {
        self.config.throttling || self.config.metrics
    }
}
