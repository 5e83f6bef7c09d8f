//! Checked lessons: the lesson files under `web/lessons/` (bundled at compile time), read into
//! `Lesson`s with readable errors, and their checks evaluated against a snapshot of the engine's
//! state and the learner's recent requests. Pure: the page makes the engine calls the checks need
//! (`probes`), hands the answers back as a `Snapshot`, and `evaluate` decides; the host tests do
//! the same against `Engine::in_memory`, so the page and the tests judge a lesson alike.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

/// Every lesson file, in the order the list shows them. A file added to `web/lessons/` must be
/// listed here too; a host test fails when one is missing.
pub const FILES: &[(&str, &str)] = &[
    (
        "tables-and-types",
        include_str!("../../../web/lessons/tables-and-types.json"),
    ),
    (
        "primary-keys",
        include_str!("../../../web/lessons/primary-keys.json"),
    ),
    (
        "writing-items",
        include_str!("../../../web/lessons/writing-items.json"),
    ),
    (
        "query-and-scan",
        include_str!("../../../web/lessons/query-and-scan.json"),
    ),
    (
        "consistency-and-capacity",
        include_str!("../../../web/lessons/consistency-and-capacity.json"),
    ),
    (
        "secondary-indexes",
        include_str!("../../../web/lessons/secondary-indexes.json"),
    ),
    (
        "single-table-design",
        include_str!("../../../web/lessons/single-table-design.json"),
    ),
    ("ttl", include_str!("../../../web/lessons/ttl.json")),
    ("streams", include_str!("../../../web/lessons/streams.json")),
    (
        "transactions",
        include_str!("../../../web/lessons/transactions.json"),
    ),
    ("partiql", include_str!("../../../web/lessons/partiql.json")),
    (
        "capacity-modes",
        include_str!("../../../web/lessons/capacity-modes.json"),
    ),
    (
        "backups-and-pitr",
        include_str!("../../../web/lessons/backups-and-pitr.json"),
    ),
    ("dax", include_str!("../../../web/lessons/dax.json")),
    (
        "global-tables",
        include_str!("../../../web/lessons/global-tables.json"),
    ),
];

/// One lesson: text in steps, each with a request to try, and the checks that say it is done.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    /// One or two sentences for the list of lessons.
    pub summary: String,
    pub steps: Vec<Step>,
    pub checks: Vec<Check>,
}

/// A step: an explanation (light markdown, see `lesson_text`) and, usually, a request to load, or
/// instead a move of the sandbox clock (to let replication, TTL or caches play out).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub text: String,
    pub request: Option<SuggestedRequest>,
    /// Milliseconds the learner moves the sandbox clock ahead at this step (one click).
    pub advance_clock_millis: Option<u64>,
}

/// The longest clock move a step may ask for: a day.
pub const MAX_CLOCK_STEP_MILLIS: u64 = 86_400_000;

/// A request the learner loads into the console with one click.
#[derive(Debug, Clone, PartialEq)]
pub struct SuggestedRequest {
    /// As the console names it: `PutItem`, or `Streams.GetRecords` for the Streams API.
    pub operation: String,
    pub body: Value,
    /// The region of the global tables simulation it is sent to; None: the home region.
    pub region: Option<String>,
    /// Values the request takes from the answer before it (an ARN, a shard iterator), which no
    /// lesson file can know in advance.
    pub fill: Vec<Fill>,
    /// When the step asks the learner to change the request: the request after that change.
    pub solution: Option<Value>,
    /// The error this request is meant to meet (a failed condition, say): the lesson's point.
    pub expect_error: Option<String>,
    /// Run it again and again until this error comes back (at most `max_runs` times).
    pub repeat_until: Option<String>,
    pub max_runs: u32,
}

/// Copies the value at `from` (a JSON pointer into the previous answer) to `into` (a JSON
/// pointer into this request's body).
#[derive(Debug, Clone, PartialEq)]
pub struct Fill {
    pub into: String,
    pub from: String,
}

/// One check: what it tests, what it says, and the hint shown while it fails.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub kind: CheckKind,
    pub label: String,
    pub hint: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CheckKind {
    /// The table exists, optionally with this key schema (DynamoDB's `KeySchema` list) and billing mode.
    TableExists {
        table: String,
        key_schema: Option<Value>,
        billing_mode: Option<String>,
    },
    /// A global (or local) secondary index exists, optionally with this key schema and projection type.
    IndexExists {
        local: bool,
        table: String,
        index: String,
        key_schema: Option<Value>,
        projection_type: Option<String>,
    },
    /// The item exists (read strongly consistent) and holds at least these attributes (DynamoDB JSON);
    /// with a region, in that region's replica.
    ItemExists {
        table: String,
        key: Value,
        attributes: Option<Value>,
        region: Option<String>,
    },
    /// No item has this key (in the region's replica, with a region).
    ItemMissing {
        table: String,
        key: Value,
        region: Option<String>,
    },
    /// The table holds at least this many items.
    ItemCount { table: String, at_least: u64 },
    /// Time to Live is on (ENABLED or ENABLING), optionally on this attribute.
    TtlEnabled {
        table: String,
        attribute: Option<String>,
    },
    /// The table's stream is on, optionally with this view type.
    StreamEnabled {
        table: String,
        view_type: Option<String>,
    },
    /// A request of this operation was made, its body containing `with`, answered with `status`,
    /// sent to `region` (a region of the global tables simulation; the home region's name matches
    /// requests sent to no particular region).
    RequestMade {
        operation: String,
        with: Option<Value>,
        status: Option<u16>,
        region: Option<String>,
    },
    /// Some request was answered with this exception.
    ErrorSeen {
        name: String,
        operation: Option<String>,
    },
    /// A PartiQL statement ran successfully, its text containing `contains` (any case).
    PartiqlRun { contains: Option<String> },
    /// An on-demand backup of the table exists.
    BackupExists { table: String },
    /// Point-in-time recovery is on for the table.
    PitrEnabled { table: String },
    /// The table has an ACTIVE replica in this region (DescribeTable's `Replicas`).
    ReplicaExists { table: String, region: String },
    /// The global tables simulation logged a last-writer-wins conflict on this table.
    ConflictLogged { table: String },
}

/// A lesson file that cannot be used, and why, in words for whoever wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonError(pub String);

impl std::fmt::Display for LessonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads every bundled lesson, in order; the files that fail come back as errors beside them.
pub fn all() -> Vec<Result<Lesson, LessonError>> {
    FILES.iter().map(|(id, text)| parse(id, text)).collect()
}

/// The bundled lesson with this id, if it reads.
pub fn find(id: &str) -> Option<Result<Lesson, LessonError>> {
    FILES
        .iter()
        .find(|(file_id, _)| *file_id == id)
        .map(|(id, text)| parse(id, text))
}

/// Reads one lesson file; `file_id` is its name without `.json`, which must equal its `id`.
pub fn parse(file_id: &str, text: &str) -> Result<Lesson, LessonError> {
    let root: Value = serde_json::from_str(text)
        .map_err(|e| LessonError(format!("lesson {file_id}: not JSON: {e}")))?;
    let at =
        |path: &str, problem: String| LessonError(format!("lesson {file_id}: {path}: {problem}"));
    let obj = object(&root).map_err(|p| at("the file", p))?;
    let id = text_field(obj, "id").map_err(|p| at("id", p))?;
    if id != file_id {
        return Err(at(
            "id",
            format!("is {id:?}, but the file is named {file_id}.json"),
        ));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(at(
            "id",
            "use lowercase letters, digits and '-' only".into(),
        ));
    }
    let title = text_field(obj, "title").map_err(|p| at("title", p))?;
    let summary = text_field(obj, "summary").map_err(|p| at("summary", p))?;
    let steps = list(obj, "steps").map_err(|p| at("steps", p))?;
    let steps = steps
        .iter()
        .enumerate()
        .map(|(i, step)| parse_step(step).map_err(|p| at(&format!("steps[{i}]"), p)))
        .collect::<Result<Vec<_>, _>>()?;
    let checks = list(obj, "checks").map_err(|p| at("checks", p))?;
    let checks = checks
        .iter()
        .enumerate()
        .map(|(i, check)| parse_check(check).map_err(|p| at(&format!("checks[{i}]"), p)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Lesson {
        id,
        title,
        summary,
        steps,
        checks,
    })
}

fn object(value: &Value) -> Result<&Map<String, Value>, String> {
    value
        .as_object()
        .ok_or_else(|| "expected an object".to_string())
}

fn text_field(obj: &Map<String, Value>, name: &str) -> Result<String, String> {
    match obj.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err("must not be empty".into()),
        Some(_) => Err("expected a string".into()),
        None => Err("missing".into()),
    }
}

fn optional_text(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match obj.get(name) {
        None => Ok(None),
        Some(_) => text_field(obj, name)
            .map(Some)
            .map_err(|p| format!("{name}: {p}")),
    }
}

fn list<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<&'a Vec<Value>, String> {
    match obj.get(name) {
        Some(Value::Array(items)) if !items.is_empty() => Ok(items),
        Some(Value::Array(_)) => Err("must not be empty".into()),
        Some(_) => Err("expected a list".into()),
        None => Err("missing".into()),
    }
}

/// Refuses members the format does not know, so a typo in a lesson is an error, not a check skipped.
fn only(obj: &Map<String, Value>, known: &[&str]) -> Result<(), String> {
    match obj.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(format!(
            "unknown member {unknown:?} (known: {})",
            known.join(", ")
        )),
        None => Ok(()),
    }
}

fn parse_step(value: &Value) -> Result<Step, String> {
    let obj = object(value)?;
    only(obj, &["text", "request", "advance_clock_millis"])?;
    let text = text_field(obj, "text").map_err(|p| format!("text: {p}"))?;
    let request = match obj.get("request") {
        None => None,
        Some(r) => Some(parse_request(r).map_err(|p| format!("request: {p}"))?),
    };
    let advance_clock_millis = match obj.get("advance_clock_millis") {
        None => None,
        Some(n) => match n.as_u64() {
            Some(n @ 1..=MAX_CLOCK_STEP_MILLIS) => Some(n),
            _ => {
                return Err(format!(
                "advance_clock_millis: expected a whole number from 1 to {MAX_CLOCK_STEP_MILLIS}"
            ))
            }
        },
    };
    if request.is_some() && advance_clock_millis.is_some() {
        return Err("a step has a request or advance_clock_millis, not both".into());
    }
    Ok(Step {
        text,
        request,
        advance_clock_millis,
    })
}

/// A region member: an AWS-style region name (`eu-west-1`), as the simulation takes them.
fn optional_region(obj: &Map<String, Value>) -> Result<Option<String>, String> {
    let region = optional_text(obj, "region")?;
    match region {
        Some(r) if !dynaplay_engine::global_tables::valid_region(&r) => Err(format!(
            "region: {r:?} is not a region name (they look like eu-west-1)"
        )),
        other => Ok(other),
    }
}

fn parse_request(value: &Value) -> Result<SuggestedRequest, String> {
    let obj = object(value)?;
    only(
        obj,
        &[
            "operation",
            "body",
            "fill",
            "solution",
            "expect_error",
            "repeat_until",
            "max_runs",
            "region",
        ],
    )?;
    let operation = text_field(obj, "operation").map_err(|p| format!("operation: {p}"))?;
    if !operation
        .chars()
        .all(|c| c.is_ascii_alphabetic() || c == '.')
    {
        return Err(format!("operation: {operation:?} is not an operation name"));
    }
    let body = match obj.get("body") {
        Some(b @ Value::Object(_)) => b.clone(),
        Some(_) => return Err("body: expected an object".into()),
        None => return Err("body: missing".into()),
    };
    let fill = match obj.get("fill") {
        None => Vec::new(),
        Some(Value::Array(fills)) => fills
            .iter()
            .map(|f| {
                let f = object(f)?;
                only(f, &["into", "from"])?;
                let into = text_field(f, "into")?;
                let from = text_field(f, "from")?;
                if !into.starts_with('/') || !from.starts_with('/') {
                    return Err("fill: into and from are JSON pointers, starting with '/'".into());
                }
                Ok(Fill { into, from })
            })
            .collect::<Result<Vec<_>, String>>()?,
        Some(_) => return Err("fill: expected a list".into()),
    };
    let solution = match obj.get("solution") {
        None => None,
        Some(s @ Value::Object(_)) => Some(s.clone()),
        Some(_) => return Err("solution: expected an object".into()),
    };
    let expect_error = optional_text(obj, "expect_error")?;
    let repeat_until = optional_text(obj, "repeat_until")?;
    let max_runs = match obj.get("max_runs") {
        None => 1,
        Some(n) => match n.as_u64() {
            Some(n @ 1..=50) => n as u32,
            _ => return Err("max_runs: expected a whole number from 1 to 50".into()),
        },
    };
    if repeat_until.is_some() && max_runs < 2 {
        return Err("repeat_until needs max_runs of 2 or more".into());
    }
    Ok(SuggestedRequest {
        operation,
        body,
        region: optional_region(obj)?,
        fill,
        solution,
        expect_error,
        repeat_until,
        max_runs,
    })
}

fn parse_check(value: &Value) -> Result<Check, String> {
    let obj = object(value)?;
    let kind_name = text_field(obj, "check").map_err(|p| format!("check: {p}"))?;
    let hint = text_field(obj, "hint").map_err(|p| format!("hint: {p}"))?;
    let label = optional_text(obj, "label")?;
    let common = ["check", "hint", "label"];
    let allow = |extra: &[&str]| {
        let mut known: Vec<&str> = common.to_vec();
        known.extend_from_slice(extra);
        only(obj, &known)
    };
    let table = || text_field(obj, "table").map_err(|p| format!("table: {p}"));
    let key = || match obj.get("key") {
        Some(k @ Value::Object(m)) if !m.is_empty() => Ok(k.clone()),
        _ => Err("key: expected the item's key in DynamoDB JSON".to_string()),
    };
    let optional_value = |name: &str| obj.get(name).cloned();
    let kind = match kind_name.as_str() {
        "table_exists" => {
            allow(&["table", "key_schema", "billing_mode"])?;
            CheckKind::TableExists {
                table: table()?,
                key_schema: optional_value("key_schema"),
                billing_mode: optional_text(obj, "billing_mode")?,
            }
        }
        "gsi_exists" | "lsi_exists" => {
            allow(&["table", "index", "key_schema", "projection_type"])?;
            CheckKind::IndexExists {
                local: kind_name == "lsi_exists",
                table: table()?,
                index: text_field(obj, "index").map_err(|p| format!("index: {p}"))?,
                key_schema: optional_value("key_schema"),
                projection_type: optional_text(obj, "projection_type")?,
            }
        }
        "item_exists" => {
            allow(&["table", "key", "attributes", "region"])?;
            CheckKind::ItemExists {
                table: table()?,
                key: key()?,
                attributes: optional_value("attributes"),
                region: optional_region(obj)?,
            }
        }
        "item_missing" => {
            allow(&["table", "key", "region"])?;
            CheckKind::ItemMissing {
                table: table()?,
                key: key()?,
                region: optional_region(obj)?,
            }
        }
        "item_count" => {
            allow(&["table", "at_least"])?;
            CheckKind::ItemCount {
                table: table()?,
                at_least: obj
                    .get("at_least")
                    .and_then(Value::as_u64)
                    .ok_or("at_least: expected a whole number")?,
            }
        }
        "ttl_enabled" => {
            allow(&["table", "attribute"])?;
            CheckKind::TtlEnabled {
                table: table()?,
                attribute: optional_text(obj, "attribute")?,
            }
        }
        "stream_enabled" => {
            allow(&["table", "view_type"])?;
            CheckKind::StreamEnabled {
                table: table()?,
                view_type: optional_text(obj, "view_type")?,
            }
        }
        "request_made" => {
            allow(&["operation", "with", "status", "region"])?;
            CheckKind::RequestMade {
                operation: text_field(obj, "operation").map_err(|p| format!("operation: {p}"))?,
                with: optional_value("with"),
                status: match obj.get("status") {
                    None => None,
                    Some(s) => Some(
                        s.as_u64()
                            .and_then(|s| u16::try_from(s).ok())
                            .ok_or("status: expected an HTTP status")?,
                    ),
                },
                region: optional_region(obj)?,
            }
        }
        "error_seen" => {
            allow(&["name", "operation"])?;
            CheckKind::ErrorSeen {
                name: text_field(obj, "name").map_err(|p| format!("name: {p}"))?,
                operation: optional_text(obj, "operation")?,
            }
        }
        "partiql_run" => {
            allow(&["contains"])?;
            CheckKind::PartiqlRun {
                contains: optional_text(obj, "contains")?,
            }
        }
        "backup_exists" => {
            allow(&["table"])?;
            CheckKind::BackupExists { table: table()? }
        }
        "pitr_enabled" => {
            allow(&["table"])?;
            CheckKind::PitrEnabled { table: table()? }
        }
        "replica_exists" => {
            allow(&["table", "region"])?;
            CheckKind::ReplicaExists {
                table: table()?,
                region: optional_region(obj)?.ok_or("region: missing")?,
            }
        }
        "conflict_logged" => {
            allow(&["table"])?;
            CheckKind::ConflictLogged { table: table()? }
        }
        other => return Err(format!("check: unknown kind {other:?}")),
    };
    let label = label.unwrap_or_else(|| describe(&kind));
    Ok(Check { kind, label, hint })
}

/// What a check tests, in words, when the lesson gives no label.
fn describe(kind: &CheckKind) -> String {
    match kind {
        CheckKind::TableExists { table, .. } => format!("Table {table} exists"),
        CheckKind::IndexExists {
            local,
            table,
            index,
            ..
        } => format!(
            "{} {index} exists on {table}",
            if *local { "LSI" } else { "GSI" }
        ),
        CheckKind::ItemExists {
            table, key, region, ..
        } => format!("Item {key} is in {table}{}", in_region(region)),
        CheckKind::ItemMissing { table, key, region } => {
            format!("Item {key} is not in {table}{}", in_region(region))
        }
        CheckKind::ItemCount { table, at_least } => {
            format!("{table} holds at least {at_least} items")
        }
        CheckKind::TtlEnabled { table, .. } => format!("TTL is on for {table}"),
        CheckKind::StreamEnabled { table, .. } => format!("{table} has a stream"),
        CheckKind::RequestMade { operation, .. } => format!("You ran {operation}"),
        CheckKind::ErrorSeen { name, .. } => format!("You met {name}"),
        CheckKind::PartiqlRun { .. } => "You ran a PartiQL statement".into(),
        CheckKind::BackupExists { table } => format!("A backup of {table} exists"),
        CheckKind::PitrEnabled { table } => format!("Point-in-time recovery is on for {table}"),
        CheckKind::ReplicaExists { table, region } => {
            format!("{table} has a replica in {region}")
        }
        CheckKind::ConflictLogged { table } => {
            format!("A last-writer-wins conflict on {table} was logged")
        }
    }
}

fn in_region(region: &Option<String>) -> String {
    region
        .as_ref()
        .map(|r| format!(" in {r}"))
        .unwrap_or_default()
}

/// A read the checks need from the engine (never logged: checking is not the learner's request).
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub operation: &'static str,
    pub body: Value,
    /// The region of the global tables simulation it reads in; None: the home region.
    pub region: Option<String>,
}

/// The reads a check needs: `probe_of`'s, plus for `conflict_logged` the table's description
/// (a conflict counts only when detected since the table was created: the engine's conflict log
/// outlives a deleted table, and a lesson started over must not pass on the old one).
fn probes_of(kind: &CheckKind) -> Vec<Probe> {
    let mut out: Vec<Probe> = probe_of(kind).into_iter().collect();
    if let CheckKind::ConflictLogged { table } = kind {
        out.push(Probe {
            operation: "DescribeTable",
            body: json!({ "TableName": table }),
            region: None,
        });
    }
    out
}

fn probe_of(kind: &CheckKind) -> Option<Probe> {
    let probe = |operation, body| {
        Some(Probe {
            operation,
            body,
            region: None,
        })
    };
    match kind {
        CheckKind::TableExists { table, .. }
        | CheckKind::IndexExists { table, .. }
        | CheckKind::StreamEnabled { table, .. }
        | CheckKind::ReplicaExists { table, .. } => {
            probe("DescribeTable", json!({ "TableName": table }))
        }
        CheckKind::ItemExists {
            table, key, region, ..
        }
        | CheckKind::ItemMissing { table, key, region } => Some(Probe {
            operation: "GetItem",
            body: json!({ "TableName": table, "Key": key, "ConsistentRead": true }),
            region: region.clone(),
        }),
        CheckKind::ConflictLogged { .. } => probe("GlobalTables.Describe", json!({})),
        CheckKind::ItemCount { table, .. } => probe(
            "Scan",
            json!({ "TableName": table, "Select": "COUNT", "ConsistentRead": true }),
        ),
        CheckKind::TtlEnabled { table, .. } => {
            probe("DescribeTimeToLive", json!({ "TableName": table }))
        }
        CheckKind::BackupExists { table } => probe("ListBackups", json!({ "TableName": table })),
        CheckKind::PitrEnabled { table } => {
            probe("DescribeContinuousBackups", json!({ "TableName": table }))
        }
        CheckKind::RequestMade { .. }
        | CheckKind::ErrorSeen { .. }
        | CheckKind::PartiqlRun { .. } => None,
    }
}

/// The engine reads these checks need, each once.
pub fn probes(checks: &[Check]) -> Vec<Probe> {
    let mut out: Vec<Probe> = Vec::new();
    for probe in checks.iter().flat_map(|c| probes_of(&c.kind)) {
        if !out.contains(&probe) {
            out.push(probe);
        }
    }
    out
}

/// The engine's answers to the probes: the output, or the exception's name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    answers: Vec<(Probe, Result<Value, String>)>,
}

impl Snapshot {
    pub fn record(&mut self, probe: Probe, answer: Result<Value, String>) {
        self.answers.push((probe, answer));
    }

    fn answer(&self, probe: &Probe) -> Option<&Result<Value, String>> {
        self.answers
            .iter()
            .find(|(p, _)| p == probe)
            .map(|(_, a)| a)
    }
}

/// One request the learner made (from the request log), newest first in the lists given here.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub operation: String,
    /// The request body; `Null` when it was not JSON.
    pub body: Value,
    pub status: u16,
    /// The exception's name when it failed.
    pub error: Option<String>,
    /// The simulated region it was sent to; None: the home region.
    pub region: Option<String>,
}

/// Whether a check passed, and what was found, for the learner.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub passed: bool,
    pub detail: String,
}

fn pass(detail: impl Into<String>) -> Outcome {
    Outcome {
        passed: true,
        detail: detail.into(),
    }
}

fn fail(detail: impl Into<String>) -> Outcome {
    Outcome {
        passed: false,
        detail: detail.into(),
    }
}

/// Judges every check; one outcome per check, in order.
pub fn evaluate(checks: &[Check], snapshot: &Snapshot, attempts: &[Attempt]) -> Vec<Outcome> {
    checks
        .iter()
        .map(|check| evaluate_one(&check.kind, snapshot, attempts))
        .collect()
}

fn evaluate_one(kind: &CheckKind, snapshot: &Snapshot, attempts: &[Attempt]) -> Outcome {
    let mut answers = Vec::new();
    for probe in probes_of(kind) {
        match snapshot.answer(&probe) {
            Some(Ok(value)) => answers.push(value),
            Some(Err(name)) => {
                return fail(match name.as_str() {
                    "ResourceNotFoundException" => {
                        "No such table (ResourceNotFoundException).".to_string()
                    }
                    _ => format!("Checking it failed with {name}."),
                })
            }
            None => return fail("Not checked yet."),
        }
    }
    let answer = answers.first().copied().unwrap_or(&Value::Null);
    match kind {
        CheckKind::TableExists {
            key_schema,
            billing_mode,
            ..
        } => {
            let table = &answer["Table"];
            if let Some(expected) = key_schema {
                if !same_key_schema(&table["KeySchema"], expected) {
                    return fail(format!("Its key schema is {}.", table["KeySchema"]));
                }
            }
            let mode = table["BillingModeSummary"]["BillingMode"]
                .as_str()
                .unwrap_or("PROVISIONED");
            match billing_mode {
                Some(expected) if expected != mode => fail(format!("Its billing mode is {mode}.")),
                _ => pass(format!("Status {}, {mode}.", text(&table["TableStatus"]))),
            }
        }
        CheckKind::IndexExists {
            local,
            index,
            key_schema,
            projection_type,
            ..
        } => {
            let member = if *local {
                "LocalSecondaryIndexes"
            } else {
                "GlobalSecondaryIndexes"
            };
            let found = answer["Table"][member]
                .as_array()
                .into_iter()
                .flatten()
                .find(|i| i["IndexName"] == index.as_str());
            let Some(found) = found else {
                return fail(format!("The table has no {member} entry named {index}."));
            };
            if let Some(expected) = key_schema {
                if !same_key_schema(&found["KeySchema"], expected) {
                    return fail(format!("Its key schema is {}.", found["KeySchema"]));
                }
            }
            let projection = text(&found["Projection"]["ProjectionType"]);
            match projection_type {
                Some(expected) if *expected != projection => {
                    fail(format!("It projects {projection}."))
                }
                _ => pass(format!("Projection {projection}.")),
            }
        }
        CheckKind::ItemExists { attributes, .. } => match answer.get("Item") {
            None => fail("No item has that key."),
            Some(item) => match attributes {
                Some(expected) if !contains(item, expected) => fail(format!("The item is {item}.")),
                _ => pass("Found it."),
            },
        },
        CheckKind::ItemMissing { .. } => match answer.get("Item") {
            None => pass("It is gone."),
            Some(item) => fail(format!("It is still there: {item}.")),
        },
        CheckKind::ItemCount { at_least, .. } => {
            let count = answer["Count"].as_u64().unwrap_or(0);
            if count >= *at_least {
                pass(format!("{count} items."))
            } else {
                fail(format!("{count} items so far."))
            }
        }
        CheckKind::TtlEnabled { attribute, .. } => {
            let description = &answer["TimeToLiveDescription"];
            let status = text(&description["TimeToLiveStatus"]);
            let name = text(&description["AttributeName"]);
            if status != "ENABLED" && status != "ENABLING" {
                return fail(format!("TTL status is {status}."));
            }
            match attribute {
                Some(expected) if *expected != name => {
                    fail(format!("TTL reads the attribute {name}."))
                }
                _ => pass(format!("{status} on {name}.")),
            }
        }
        CheckKind::StreamEnabled { view_type, .. } => {
            let spec = &answer["Table"]["StreamSpecification"];
            if spec["StreamEnabled"] != true {
                return fail("The table has no stream.");
            }
            let view = text(&spec["StreamViewType"]);
            match view_type {
                Some(expected) if *expected != view => {
                    fail(format!("The stream's view type is {view}."))
                }
                _ => pass(format!("Stream on, {view}.")),
            }
        }
        CheckKind::RequestMade {
            operation,
            with,
            status,
            region,
        } => {
            let found = attempts.iter().find(|a| {
                a.operation == *operation
                    && status.is_none_or(|s| s == a.status)
                    && with.as_ref().is_none_or(|w| contains(&a.body, w))
                    && region.as_ref().is_none_or(|r| {
                        a.region.as_deref().unwrap_or(crate::regions::DEFAULT_HOME) == r
                    })
            });
            match found {
                Some(a) => pass(format!("Answered {}.", a.status)),
                None => fail(format!(
                    "None of your last {} requests matches.",
                    attempts.len()
                )),
            }
        }
        CheckKind::ErrorSeen { name, operation } => {
            let found = attempts.iter().any(|a| {
                a.error.as_deref() == Some(name.as_str())
                    && operation.as_ref().is_none_or(|o| *o == a.operation)
            });
            if found {
                pass("Seen.")
            } else {
                fail("Not seen in your recent requests.")
            }
        }
        CheckKind::PartiqlRun { contains: needle } => {
            let found = attempts.iter().any(|a| {
                a.status == 200
                    && partiql_statements(a).iter().any(|s| {
                        needle
                            .as_ref()
                            .is_none_or(|n| s.to_lowercase().contains(&n.to_lowercase()))
                    })
            });
            if found {
                pass("Ran.")
            } else {
                fail("No matching statement has run successfully.")
            }
        }
        CheckKind::BackupExists { .. } => {
            let count = answer["BackupSummaries"]
                .as_array()
                .map(|b| b.len())
                .unwrap_or(0);
            if count > 0 {
                pass(format!("{count} backup(s)."))
            } else {
                fail("No backups of this table.")
            }
        }
        CheckKind::PitrEnabled { .. } => {
            let status = text(
                &answer["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
                    ["PointInTimeRecoveryStatus"],
            );
            if status == "ENABLED" {
                pass("ENABLED.")
            } else {
                fail(format!("Point-in-time recovery is {status}."))
            }
        }
        CheckKind::ReplicaExists { region, .. } => {
            let replica = answer["Table"]["Replicas"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["RegionName"] == region.as_str());
            match replica.map(|r| text(&r["ReplicaStatus"])) {
                Some(status) if status == "ACTIVE" => pass("ACTIVE."),
                Some(status) => fail(format!("The replica is {status}.")),
                None => fail(format!("The table has no replica in {region}.")),
            }
        }
        CheckKind::ConflictLogged { table } => {
            // DescribeTable's CreationDateTime is epoch seconds (with a fraction).
            let created = answers
                .get(1)
                .and_then(|d| d["Table"]["CreationDateTime"].as_f64())
                .map_or(i64::MIN, |seconds| (seconds * 1000.0) as i64);
            let conflict = answer["Conflicts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["TableName"] == table.as_str())
                .find(|c| {
                    c["DetectedAt"]
                        .as_str()
                        .and_then(dynaplay_engine::time_format::parse_iso_millis)
                        .is_some_and(|at| at >= created)
                });
            match conflict {
                Some(c) => pass(format!(
                    "The write from {} won over the one from {}.",
                    text(&c["Winner"]["Region"]),
                    text(&c["Loser"]["Region"])
                )),
                None => fail("No conflict logged on this table yet."),
            }
        }
    }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or("absent").to_string()
}

/// The statements a PartiQL request ran: one, or each of a batch or transaction.
fn partiql_statements(attempt: &Attempt) -> Vec<&str> {
    match attempt.operation.as_str() {
        "ExecuteStatement" => attempt.body["Statement"].as_str().into_iter().collect(),
        "BatchExecuteStatement" | "ExecuteTransaction" => {
            let member = if attempt.operation == "ExecuteTransaction" {
                "TransactStatements"
            } else {
                "Statements"
            };
            attempt.body[member]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["Statement"].as_str())
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Key schemas compare as lists of (name, HASH or RANGE), in order.
fn same_key_schema(actual: &Value, expected: &Value) -> bool {
    let pairs = |v: &Value| -> Vec<(String, String)> {
        v.as_array()
            .into_iter()
            .flatten()
            .map(|k| (text(&k["AttributeName"]), text(&k["KeyType"])))
            .collect()
    };
    pairs(actual) == pairs(expected)
}

/// Whether `actual` holds `pattern`: every member of a pattern object is in the actual object and
/// holds its pattern in turn; lists match element by element; anything else must be equal.
pub fn contains(actual: &Value, pattern: &Value) -> bool {
    match (actual, pattern) {
        (Value::Object(a), Value::Object(p)) => p
            .iter()
            .all(|(k, pv)| a.get(k).is_some_and(|av| contains(av, pv))),
        (Value::Array(a), Value::Array(p)) => {
            a.len() == p.len() && a.iter().zip(p).all(|(av, pv)| contains(av, pv))
        }
        _ => actual == pattern,
    }
}

/// The request a step loads: its body with the `fill`s taken from the previous answer. When the
/// previous answer lacks one, the body keeps the lesson's placeholder and the reason is returned.
pub fn prepare(request: &SuggestedRequest, previous: Option<&Value>) -> (Value, Option<String>) {
    let mut body = request.body.clone();
    let mut missing = None;
    for fill in &request.fill {
        let found = previous.and_then(|p| p.pointer(&fill.from)).cloned();
        match (found, body.pointer_mut(&fill.into)) {
            (Some(value), Some(slot)) => *slot = value,
            _ => {
                missing = Some(format!(
                    "This request takes {} from the answer of the step before it: run that step first, then load this one again.",
                    fill.from
                ))
            }
        }
    }
    (body, missing)
}

/// The request after the change a step asks for: the solution, with the same fills.
pub fn prepare_solution(
    request: &SuggestedRequest,
    previous: Option<&Value>,
) -> Option<(Value, Option<String>)> {
    let solution = request.solution.as_ref()?;
    let edited = SuggestedRequest {
        body: solution.clone(),
        ..request.clone()
    };
    Some(prepare(&edited, previous))
}

/// The replicas a lesson adds (`UpdateTable` with a `ReplicaUpdates` Create), as (table, region):
/// "Start over" removes them before it deletes the tables (DynamoDB refuses to delete a table
/// that still has replicas).
pub fn replicas(lesson: &Lesson) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    for request in lesson.steps.iter().filter_map(|s| s.request.as_ref()) {
        if request.operation != "UpdateTable" {
            continue;
        }
        let Some(table) = request.body["TableName"].as_str() else {
            continue;
        };
        let creates = request.body["ReplicaUpdates"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| u["Create"]["RegionName"].as_str());
        for region in creates {
            let pair = (table.to_string(), region.to_string());
            if !found.contains(&pair) {
                found.push(pair);
            }
        }
    }
    found
}

/// The tables a lesson makes (created or restored into), in order: what "Start over" deletes.
pub fn tables(lesson: &Lesson) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for request in lesson.steps.iter().filter_map(|s| s.request.as_ref()) {
        let member = match request.operation.as_str() {
            "CreateTable" => "TableName",
            "RestoreTableFromBackup" | "RestoreTableToPointInTime" => "TargetTableName",
            _ => continue,
        };
        if let Some(name) = request.body[member].as_str() {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// The learner's progress: which checks of each lesson passed at their last check, and which
/// lessons are done, and the lesson the learner is on (the last one opened: a share link carries
/// it). Kept in localStorage as JSON; anything unreadable there is a fresh start.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    pub lessons: BTreeMap<String, LessonProgress>,
    /// The lesson last opened, if it is one this Dynaplay bundles.
    pub current: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LessonProgress {
    /// Indices of the checks that passed.
    pub passed: Vec<usize>,
    /// Every check passed once: the lesson stays done.
    pub done: bool,
}

/// The localStorage key the progress lives under.
pub const PROGRESS_KEY: &str = "dynaplay.lessons.progress";

impl Progress {
    pub fn from_json(text: &str) -> Progress {
        let Ok(Value::Object(root)) = serde_json::from_str::<Value>(text) else {
            return Progress::default();
        };
        let mut progress = Progress::default();
        if root.get("version") != Some(&json!(1)) {
            return progress;
        }
        for (id, entry) in root
            .get("lessons")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let passed = entry["passed"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n.as_u64().and_then(|n| usize::try_from(n).ok()))
                .collect();
            progress.lessons.insert(
                id.clone(),
                LessonProgress {
                    passed,
                    done: entry["done"] == true,
                },
            );
        }
        if let Some(id) = root.get("current").and_then(Value::as_str) {
            progress.set_current(id);
        }
        progress
    }

    pub fn to_json(&self) -> String {
        let lessons: Map<String, Value> = self
            .lessons
            .iter()
            .map(|(id, p)| (id.clone(), json!({ "passed": p.passed, "done": p.done })))
            .collect();
        let mut doc = json!({ "version": 1, "lessons": lessons });
        if let Some(current) = &self.current {
            doc["current"] = json!(current);
        }
        doc.to_string()
    }

    /// Notes that the learner is on lesson `id`; an id no bundled lesson has (one removed since,
    /// or from a newer Dynaplay's share) is not kept. Returns whether it was.
    pub fn set_current(&mut self, id: &str) -> bool {
        let known = matches!(find(id), Some(Ok(_)));
        if known {
            self.current = Some(id.to_string());
        }
        known
    }

    /// Records one Check of a lesson.
    pub fn record(&mut self, lesson: &str, outcomes: &[Outcome]) {
        let entry = self.lessons.entry(lesson.to_string()).or_default();
        entry.passed = outcomes
            .iter()
            .enumerate()
            .filter(|(_, o)| o.passed)
            .map(|(i, _)| i)
            .collect();
        if !outcomes.is_empty() && outcomes.iter().all(|o| o.passed) {
            entry.done = true;
        }
    }

    pub fn of(&self, lesson: &str) -> LessonProgress {
        self.lessons.get(lesson).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
