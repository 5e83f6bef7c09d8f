//! The throughput state as a JSON document, so a host can keep it across a restart: a persisted
//! browser sandbox saves it beside its data and gives it back when it reopens. Nothing here is
//! DynamoDB data; it is what DynamoDB keeps on its side and a reload must not reset: the per-minute
//! metrics (CloudWatch keeps them), the hottest keys (Contributor Insights), the partition count
//! (partitions never merge), the on-demand peak and the token buckets (a reload must not hand a
//! throttled table a fresh burst).
//!
//! The document comes back from storage, so reading it is defensive: anything malformed is
//! skipped, lists are cut to the sizes the live state keeps, and nothing panics.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{
    Bucket, Meter, Minute, Minutes, Partition, TableMeters, Throughput, TopKeys, METRIC_MINUTES,
    TRACKED_KEYS,
};
use crate::table::{partition_hash, PartitionKey, PrimaryKey};
use crate::value::key::KeyValue;
use crate::value::wire;

/// The document's version; a document of another version is ignored (meters start afresh).
const VERSION: u64 = 1;
/// At most this many partitions per meter are read back (the live state only holds the ones
/// requests touched; this only bounds a damaged document).
const MAX_PARTITIONS: usize = 4096;

fn bucket_json(b: &Bucket) -> Value {
    if b.started {
        json!([b.balance, b.at])
    } else {
        Value::Null
    }
}

fn bucket_from(v: &Value) -> Bucket {
    match (
        v.get(0).and_then(Value::as_i64),
        v.get(1).and_then(Value::as_i64),
    ) {
        (Some(balance), Some(at)) => Bucket {
            balance,
            at,
            started: true,
        },
        _ => Bucket::default(),
    }
}

fn pair(v: &Value) -> [i64; 2] {
    [
        v.get(0).and_then(Value::as_i64).unwrap_or(0),
        v.get(1).and_then(Value::as_i64).unwrap_or(0),
    ]
}

fn minutes_json(m: &Minutes) -> Value {
    Value::Array(
        m.0.iter()
            .map(|m| {
                json!([
                    m.minute,
                    m.consumed[0],
                    m.consumed[1],
                    m.throttled[0],
                    m.throttled[1]
                ])
            })
            .collect(),
    )
}

fn minutes_from(v: &Value) -> Minutes {
    let mut out = Minutes::default();
    for row in v.as_array().into_iter().flatten() {
        let n = |i: usize| row.get(i).and_then(Value::as_i64);
        if let (Some(minute), Some(cr), Some(cw), Some(tr), Some(tw)) =
            (n(0), n(1), n(2), n(3), n(4))
        {
            // Oldest first and one entry per minute, as `Minutes::record` keeps them.
            if out.0.back().is_none_or(|last| last.minute < minute) {
                out.0.push_back(Minute {
                    minute,
                    consumed: [cr, cw],
                    throttled: [tr, tw],
                });
            }
        }
    }
    while out.0.len() > METRIC_MINUTES {
        out.0.pop_front();
    }
    out
}

fn key_json(k: &PrimaryKey) -> Value {
    json!([
        wire::value_to_json(&k.partition.value.to_attribute()),
        k.sort
            .as_ref()
            .map_or(Value::Null, |s| wire::value_to_json(&s.to_attribute())),
    ])
}

fn key_value(v: &Value) -> Option<KeyValue> {
    KeyValue::from_attribute(&wire::value_from_json(v).ok()?)
}

fn key_from(v: &Value) -> Option<PrimaryKey> {
    let value = key_value(v.get(0)?)?;
    let sort = match v.get(1) {
        None | Some(Value::Null) => None,
        Some(s) => Some(key_value(s)?),
    };
    Some(PrimaryKey {
        partition: PartitionKey {
            hash: partition_hash(&value),
            value,
        },
        sort,
    })
}

fn top_json(t: &TopKeys) -> Value {
    Value::Array(
        t.keys
            .iter()
            .map(|(k, count)| json!([key_json(k), count]))
            .collect(),
    )
}

fn top_from(v: &Value) -> TopKeys {
    TopKeys::from_counts(
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|row| Some((key_from(row.get(0)?)?, row.get(1)?.as_u64()?)))
            .take(TRACKED_KEYS)
            .collect(),
    )
}

fn meter_json(m: &Meter) -> Value {
    let partitions: Vec<Value> = m
        .partitions
        .iter()
        .map(|(i, p)| {
            json!([i, {
                "share": [bucket_json(&p.share[0]), bucket_json(&p.share[1])],
                "ceiling": [bucket_json(&p.ceiling[0]), bucket_json(&p.ceiling[1])],
                "minutes": minutes_json(&p.minutes),
            }])
        })
        .collect();
    json!({
        "partitionCount": m.partition_count,
        "partitions": partitions,
        "whole": [bucket_json(&m.whole[0]), bucket_json(&m.whole[1])],
        "peak": m.peak,
        "second": m.second,
        "thisSecond": m.this_second,
        "minutes": minutes_json(&m.minutes),
        "itemCount": m.item_count,
        "sizeBytes": m.size_bytes,
    })
}

fn buckets(v: &Value) -> [Bucket; 2] {
    [
        bucket_from(v.get(0).unwrap_or(&Value::Null)),
        bucket_from(v.get(1).unwrap_or(&Value::Null)),
    ]
}

fn meter_from(v: &Value) -> Meter {
    let mut partitions = BTreeMap::new();
    for row in v["partitions"]
        .as_array()
        .into_iter()
        .flatten()
        .take(MAX_PARTITIONS)
    {
        let (Some(i), Some(p)) = (row.get(0).and_then(Value::as_u64), row.get(1)) else {
            continue;
        };
        partitions.insert(
            i,
            Partition {
                share: buckets(&p["share"]),
                ceiling: buckets(&p["ceiling"]),
                minutes: minutes_from(&p["minutes"]),
            },
        );
    }
    Meter {
        partition_count: v["partitionCount"].as_u64().unwrap_or(0),
        partitions,
        whole: buckets(&v["whole"]),
        peak: pair(&v["peak"]),
        second: v["second"].as_i64().unwrap_or(0),
        this_second: pair(&v["thisSecond"]),
        minutes: minutes_from(&v["minutes"]),
        item_count: v["itemCount"].as_u64().unwrap_or(0),
        size_bytes: v["sizeBytes"].as_u64().unwrap_or(0),
    }
}

impl Throughput {
    /// Every table's meters as one JSON document (see the module comment).
    pub fn to_json(&self) -> Value {
        let tables: serde_json::Map<String, Value> = self
            .tables
            .iter()
            .map(|(name, m)| {
                let gsis: serde_json::Map<String, Value> = m
                    .gsis
                    .iter()
                    .map(|(g, meter)| (g.clone(), meter_json(meter)))
                    .collect();
                (
                    name.clone(),
                    json!({
                        "tableId": m.table_id,
                        "table": meter_json(&m.table),
                        "gsis": gsis,
                        "accessed": top_json(&m.accessed),
                        "throttled": top_json(&m.throttled),
                    }),
                )
            })
            .collect();
        json!({ "version": VERSION, "tables": tables })
    }

    /// The state a `to_json` document describes; a document of another version, or not a
    /// document at all, gives the empty state (every meter starts afresh, as before).
    pub fn from_json(doc: &Value) -> Throughput {
        let mut out = Throughput::default();
        if doc["version"].as_u64() != Some(VERSION) {
            return out;
        }
        for (name, t) in doc["tables"].as_object().into_iter().flatten() {
            let Some(table_id) = t["tableId"].as_str() else {
                continue;
            };
            let gsis = t["gsis"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(g, m)| (g.clone(), meter_from(m)))
                .collect();
            out.tables.insert(
                name.clone(),
                TableMeters {
                    table_id: table_id.to_string(),
                    table: meter_from(&t["table"]),
                    gsis,
                    accessed: top_from(&t["accessed"]),
                    throttled: top_from(&t["throttled"]),
                },
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::clock::{Clock, ManualClock};
    use crate::Engine;
    use serde_json::{json, Value};
    use std::sync::Arc;

    fn call(engine: &mut Engine, op: &str, body: Value) -> (u16, Value) {
        let r = engine.dispatch(op, &body.to_string());
        (r.status, serde_json::from_str(&r.body).unwrap_or_default())
    }

    /// A provisioned table at 1 WCU with a GSI, driven until it throttles.
    fn busy_engine() -> (Engine, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let mut engine = Engine::in_memory(Box::new(clock.clone()));
        let (status, out) = call(
            &mut engine,
            "CreateTable",
            json!({
                "TableName": "Hot",
                "AttributeDefinitions": [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "g", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "GlobalSecondaryIndexes": [{"IndexName": "ByG",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                    "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}],
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            }),
        );
        assert_eq!(status, 200, "{out}");
        // 300 seconds of burst at 1 WCU: the 301st write in the same instant is throttled.
        let mut throttled = 0;
        for i in 0..310 {
            let (status, _) = call(
                &mut engine,
                "PutItem",
                json!({"TableName": "Hot", "Item": {"pk": {"S": format!("k{}", i % 3)}, "g": {"S": "x"}}}),
            );
            if status != 200 {
                throttled += 1;
            }
        }
        assert!(throttled > 0, "the table never throttled");
        (engine, clock)
    }

    // The document carries everything the metrics view shows, and the buckets: an engine given it
    // shows the same view and is still throttled (a reload hands out no fresh burst).
    #[test]
    fn meters_survive_a_round_trip_through_json() {
        let (engine, time) = busy_engine();
        let doc = engine.meters();
        let text = doc.to_string();
        let before = engine.metrics("Hot").unwrap();
        assert!(!before["MostThrottledKeys"].as_array().unwrap().is_empty());

        let clock = ManualClock::new(time.now_millis());
        let mut reopened = Engine::in_memory(Box::new(clock));
        // Same table, same id: as `Engine::open` would load it from storage.
        reopened.tables = engine.tables.clone();
        reopened.restore_meters(&serde_json::from_str(&text).unwrap());
        assert_eq!(reopened.metrics("Hot").unwrap(), before);
        assert_eq!(reopened.meters(), doc);
        let (status, out) = call(
            &mut reopened,
            "PutItem",
            json!({"TableName": "Hot", "Item": {"pk": {"S": "k1"}, "g": {"S": "x"}}}),
        );
        assert_eq!(
            status, 400,
            "a reopened engine must not refill the burst: {out}"
        );
        assert_eq!(
            out["__type"],
            "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
        );
    }

    // Stored data may be damaged or from another version: it is skipped, never a panic.
    #[test]
    fn damaged_documents_start_afresh() {
        for doc in [
            json!(null),
            json!({"version": 2, "tables": {}}),
            json!({"version": 1, "tables": {"T": {"tableId": 5}}}),
            json!({"version": 1, "tables": {"T": {"tableId": "x", "table": {"partitions": [[1, {"share": [[1]]}], "bad"],
                "minutes": [[3, 1, 1, 1, 1], [2, 1, 1, 1, 1], "z"]}, "accessed": [[[{"Q": "1"}, null], 4], [[{"S": "a"}, {"N": "1"}], 2]]}}}),
        ] {
            let t = super::Throughput::from_json(&doc);
            let again = super::Throughput::from_json(&t.to_json());
            assert_eq!(again.to_json(), t.to_json());
        }
        let t =
            super::Throughput::from_json(&json!({"version": 1, "tables": {"T": {"tableId": "x",
            "table": {"minutes": [[3, 1, 1, 1, 1], [2, 9, 9, 9, 9]]},
            "accessed": [[[{"Q": "1"}, null], 4], [[{"S": "a"}, {"N": "1"}], 2]]}}}));
        let doc = t.to_json();
        // The minute out of order and the key that is not a key value are dropped.
        assert_eq!(
            doc["tables"]["T"]["table"]["minutes"],
            json!([[3, 1, 1, 1, 1]])
        );
        assert_eq!(
            doc["tables"]["T"]["accessed"],
            json!([[[{"S": "a"}, {"N": "1"}], 2]])
        );
    }
}
