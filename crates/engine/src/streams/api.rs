//! The DynamoDB Streams API (`DynamoDBStreams_20120810`): ListStreams, DescribeStream,
//! GetShardIterator and GetRecords, with the same request checking as the DynamoDB API.

use serde_json::{json, Map, Value};

use super::iterator::ShardIterator;
use super::{sequence_text, StreamMeta, ITERATOR_LIFETIME_MILLIS};
use crate::error::{ApiError, ErrorKind, Result};
use crate::request::{check, field, Field, Req, Rule, Ty};
use crate::Engine;

/// GetRecords answers at most 1 MB of records.
const MAX_RECORDS_BYTES: usize = 1024 * 1024;

const ITERATOR_TYPES: &[&str] = &[
    "TRIM_HORIZON",
    "LATEST",
    "AT_SEQUENCE_NUMBER",
    "AFTER_SEQUENCE_NUMBER",
];

const LIST_STREAMS: &[Field] = &[
    field(
        "TableName",
        Ty::String,
        &[Rule::MinLength(3), Rule::MaxLength(255), Rule::NamePattern],
    ),
    field("Limit", Ty::Integer, &[Rule::Min(1), Rule::Max(100)]),
    field(
        "ExclusiveStartStreamArn",
        Ty::String,
        &[Rule::MinLength(37), Rule::MaxLength(1024)],
    ),
];

const DESCRIBE_STREAM: &[Field] = &[
    field(
        "StreamArn",
        Ty::String,
        &[Rule::NotNull, Rule::MinLength(37), Rule::MaxLength(1024)],
    ),
    field("Limit", Ty::Integer, &[Rule::Min(1), Rule::Max(100)]),
    field(
        "ExclusiveStartShardId",
        Ty::String,
        &[Rule::MinLength(28), Rule::MaxLength(65)],
    ),
];

const GET_SHARD_ITERATOR: &[Field] = &[
    field(
        "StreamArn",
        Ty::String,
        &[Rule::NotNull, Rule::MinLength(37), Rule::MaxLength(1024)],
    ),
    field(
        "ShardId",
        Ty::String,
        &[Rule::NotNull, Rule::MinLength(28), Rule::MaxLength(65)],
    ),
    field(
        "ShardIteratorType",
        Ty::String,
        &[Rule::NotNull, Rule::Enum(ITERATOR_TYPES)],
    ),
    field(
        "SequenceNumber",
        Ty::String,
        &[Rule::MinLength(21), Rule::MaxLength(40)],
    ),
];

const GET_RECORDS: &[Field] = &[
    field(
        "ShardIterator",
        Ty::String,
        &[Rule::NotNull, Rule::MinLength(1), Rule::MaxLength(2048)],
    ),
    field("Limit", Ty::Integer, &[Rule::Min(1), Rule::Max(1000)]),
];

pub(crate) fn run(
    engine: &mut Engine,
    operation: &str,
    request: &Map<String, Value>,
) -> Result<Value> {
    match operation {
        "ListStreams" => list_streams(engine, request),
        "DescribeStream" => describe_stream(engine, request),
        "GetShardIterator" => get_shard_iterator(engine, request),
        "GetRecords" => get_records(engine, request),
        _ => Err(ApiError::unknown_operation()),
    }
}

fn stream_not_found(arn: &str) -> ApiError {
    ApiError::new(
        ErrorKind::ResourceNotFoundException,
        format!("Requested resource not found: Stream: {arn} not found"),
    )
}

fn trimmed() -> ApiError {
    ApiError::new(
        ErrorKind::TrimmedDataAccessException,
        "The operation attempted to read past the oldest stream record in a shard.",
    )
}

fn stream<'a>(engine: &'a Engine, arn: &str) -> Result<&'a StreamMeta> {
    engine
        .streams
        .by_arn
        .get(arn)
        .ok_or_else(|| stream_not_found(arn))
}

fn list_streams(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, LIST_STREAMS)?;
    let req = Req(request);
    let table = req.str("TableName");
    if let Some(name) = table {
        let known = engine.tables.contains_key(name)
            || engine.streams.by_arn.values().any(|m| m.table == name);
        if !known {
            return Err(ApiError::table_not_found(name));
        }
    }
    let limit = req.int("Limit").unwrap_or(100).clamp(1, 100) as usize;
    let start = req.str("ExclusiveStartStreamArn");
    let matching: Vec<&StreamMeta> = engine
        .streams
        .by_arn
        .values()
        .filter(|m| table.is_none_or(|t| m.table == t))
        .filter(|m| start.is_none_or(|s| m.arn.as_str() > s))
        .collect();
    let page = &matching[..matching.len().min(limit)];
    let mut out = Map::new();
    out.insert(
        "Streams".into(),
        page.iter()
            .map(|m| json!({"StreamArn": m.arn, "TableName": m.table, "StreamLabel": m.label}))
            .collect(),
    );
    if matching.len() > limit {
        if let Some(last) = page.last() {
            out.insert("LastEvaluatedStreamArn".into(), json!(last.arn));
        }
    }
    Ok(Value::Object(out))
}

fn describe_stream(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, DESCRIBE_STREAM)?;
    let req = Req(request);
    let arn = req.str("StreamArn").unwrap_or_default();
    let meta = stream(engine, arn)?;
    let limit = req.int("Limit").unwrap_or(100).clamp(1, 100) as usize;
    let start = req.str("ExclusiveStartShardId");
    let skip = match start {
        Some(id) => meta
            .shards
            .iter()
            .position(|s| s.id == id)
            .map_or(meta.shards.len(), |p| p + 1),
        None => 0,
    };
    let rest = &meta.shards[skip.min(meta.shards.len())..];
    let page = &rest[..rest.len().min(limit)];
    let shards: Vec<Value> = page
        .iter()
        .map(|s| {
            let mut range = Map::new();
            range.insert(
                "StartingSequenceNumber".into(),
                json!(sequence_text(s.start)),
            );
            if let Some(end) = s.end {
                range.insert("EndingSequenceNumber".into(), json!(sequence_text(end)));
            }
            let mut shard = Map::new();
            shard.insert("ShardId".into(), json!(s.id));
            shard.insert("SequenceNumberRange".into(), Value::Object(range));
            if let Some(p) = &s.parent {
                shard.insert("ParentShardId".into(), json!(p));
            }
            Value::Object(shard)
        })
        .collect();
    let mut d = Map::new();
    d.insert("StreamArn".into(), json!(meta.arn));
    d.insert("StreamLabel".into(), json!(meta.label));
    // A stream made with its table is ENABLING while the table is CREATING.
    let creating = engine.tables.get(&meta.table).is_some_and(|t| {
        t.def.settings.status(engine.now_millis()) == "CREATING"
            && t.def
                .settings
                .stream
                .as_ref()
                .is_some_and(|s| s.label == meta.label)
    });
    let status = match (meta.enabled(), creating) {
        (true, true) => "ENABLING",
        (true, false) => "ENABLED",
        _ => "DISABLED",
    };
    d.insert("StreamStatus".into(), json!(status));
    d.insert("StreamViewType".into(), json!(meta.view_type));
    d.insert(
        "CreationRequestDateTime".into(),
        json!(meta.created_millis as f64 / 1000.0),
    );
    d.insert("TableName".into(), json!(meta.table));
    d.insert("KeySchema".into(), meta.key_schema.clone());
    d.insert("Shards".into(), Value::Array(shards));
    if rest.len() > limit {
        if let Some(last) = page.last() {
            d.insert("LastEvaluatedShardId".into(), json!(last.id));
        }
    }
    Ok(json!({ "StreamDescription": d }))
}

fn get_shard_iterator(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, GET_SHARD_ITERATOR)?;
    let req = Req(request);
    let arn = req.str("StreamArn").unwrap_or_default();
    let shard_id = req.str("ShardId").unwrap_or_default();
    let kind = req.str("ShardIteratorType").unwrap_or_default();
    let sequence = match (kind, req.str("SequenceNumber")) {
        ("AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER", None) => {
            return Err(ApiError::validation(format!(
                "Must specify a SequenceNumber for ShardIteratorType {kind}"
            )))
        }
        (_, Some(text)) => Some(
            text.parse::<u128>()
                .ok()
                .filter(|_| text.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| ApiError::validation(format!("Invalid SequenceNumber: {text}")))?,
        ),
        (_, None) => None,
    };
    let now = engine.now_millis();
    let meta = stream(engine, arn)?;
    let shard = meta.shard(shard_id).ok_or_else(|| {
        ApiError::new(
            ErrorKind::ResourceNotFoundException,
            format!("Requested resource not found: Shard: {shard_id} in Stream: {arn} not found"),
        )
    })?;
    let latest = match shard.end {
        Some(end) => end.saturating_add(1),
        None => engine.streams.peek_sequence(),
    };
    let position = match (kind, sequence) {
        ("TRIM_HORIZON", _) => shard.start.max(meta.trimmed_through.saturating_add(1)),
        ("LATEST", _) => latest,
        (_, Some(n)) => {
            let last = shard.end.unwrap_or(latest.saturating_sub(1));
            if n < shard.start || n > last {
                return Err(ApiError::validation(format!(
                    "Invalid SequenceNumber {n} for shard {shard_id}"
                )));
            }
            if n <= meta.trimmed_through {
                return Err(trimmed());
            }
            if kind == "AFTER_SEQUENCE_NUMBER" {
                n.saturating_add(1)
            } else {
                n
            }
        }
        _ => shard.start,
    };
    let iterator = ShardIterator {
        stream_arn: meta.arn.clone(),
        shard_id: shard.id.clone(),
        position,
        created_millis: now,
    };
    Ok(json!({ "ShardIterator": iterator.encode() }))
}

fn get_records(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, GET_RECORDS)?;
    let req = Req(request);
    let text = req.str("ShardIterator").unwrap_or_default();
    let iterator =
        ShardIterator::decode(text).ok_or_else(|| ApiError::validation("Invalid ShardIterator"))?;
    let now = engine.now_millis();
    if now.saturating_sub(iterator.created_millis) > ITERATOR_LIFETIME_MILLIS {
        return Err(ApiError::new(
            ErrorKind::ExpiredIteratorException,
            format!(
                "Iterator expired. The iterator was created at time {} while right now it is {} which is further in the future than the tolerated delay of {ITERATOR_LIFETIME_MILLIS} milliseconds.",
                crate::time_format::java_date(iterator.created_millis),
                crate::time_format::java_date(now)
            ),
        ));
    }
    let meta = stream(engine, &iterator.stream_arn)?;
    let shard = meta.shard(&iterator.shard_id).ok_or_else(|| {
        ApiError::new(
            ErrorKind::ResourceNotFoundException,
            "Invalid ShardId in ShardIterator",
        )
    })?;
    if iterator.position <= meta.trimmed_through {
        return Err(trimmed());
    }
    let limit = req.int("Limit").unwrap_or(1000).clamp(1, 1000) as usize;
    let empty = std::collections::VecDeque::new();
    let all = engine.streams.records.get(&meta.arn).unwrap_or(&empty);
    let from = all.partition_point(|r| r.sequence < iterator.position);
    let mut remaining = all
        .range(from..)
        .filter(|r| r.shard_id == shard.id)
        .peekable();
    let mut records = Vec::new();
    let mut bytes = 0usize;
    let mut next_position = iterator.position;
    while let Some(r) = remaining.peek() {
        let size = r.size_bytes(&meta.view_type);
        if records.len() >= limit || (!records.is_empty() && bytes + size > MAX_RECORDS_BYTES) {
            break;
        }
        bytes += size;
        records.push(r.to_json(&meta.view_type, &engine.config.region));
        next_position = r.sequence.saturating_add(1);
        remaining.next();
    }
    let drained = shard.end.is_some() && remaining.peek().is_none();
    let mut out = Map::new();
    out.insert("Records".into(), Value::Array(records));
    if !drained {
        let next = ShardIterator {
            stream_arn: meta.arn.clone(),
            shard_id: shard.id.clone(),
            position: next_position,
            created_millis: now,
        };
        out.insert("NextShardIterator".into(), json!(next.encode()));
    }
    Ok(Value::Object(out))
}
