//! Dynaplay's engine: DynamoDB as a library. One entry point, [`Engine::dispatch`], takes an
//! operation name and a DynamoDB JSON request and returns the JSON response or a DynamoDB error.
//! The engine does no I/O: time comes from a [`Clock`], durability from a [`Storage`].

pub mod capacity;
pub mod clock;
pub mod error;
pub mod expr;
pub mod index;
mod ops;
pub mod partiql;
pub mod request;
pub mod storage;
pub mod table;
pub mod time_format;
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
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            lifecycle_millis: 0,
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
}

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
        Ok(Engine {
            config,
            clock,
            storage,
            tables,
        })
    }

    /// An engine in memory with the given clock.
    pub fn in_memory(clock: Box<dyn Clock + Send>) -> Engine {
        Engine {
            config: EngineConfig::default(),
            clock,
            storage: Box::new(NullStorage),
            tables: BTreeMap::new(),
        }
    }

    /// Runs one operation. `operation` is the part of `X-Amz-Target` after `DynamoDB_20120810.`;
    /// `body` is the request JSON text. Never panics on any input.
    pub fn dispatch(&mut self, operation: &str, body: &str) -> Response {
        match self.call(operation, body) {
            Ok(value) => Response {
                status: 200,
                body: value.to_string(),
            },
            Err(err) => Response {
                status: err.status(),
                body: err.to_json().to_string(),
            },
        }
    }

    /// Like [`Engine::dispatch`], with the response as JSON or the error as a value.
    pub fn call(&mut self, operation: &str, body: &str) -> Result<Value, ApiError> {
        let request = request::parse_body(body)?;
        self.settle();
        ops::run(self, operation, &request)
    }

    /// Finishes the lifecycle changes whose time has come: tables and indexes whose DELETING
    /// ended go away. (Other statuses are read off the clock where they are shown.)
    pub fn settle(&mut self) {
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

    pub fn now_millis(&self) -> i64 {
        self.clock.now_millis()
    }
}
