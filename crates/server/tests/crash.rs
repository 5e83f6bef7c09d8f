//! `--data-dir` under `kill -9`: the real server binary over a temporary directory, a client that
//! streams writes and records which ones were acknowledged, a SIGKILL at an arbitrary moment, and
//! a restart that must find exactly the acknowledged writes (plus, at most, the one in flight,
//! whole). Also: every kind of persisted state comes back after a restart, and a failing disk
//! fails the write with DynamoDB's 500 and changes nothing.
//!
//! The client is raw HTTP/1.1 over a std `TcpStream`, as in `http.rs`, so nothing between the test
//! and the server retries or hides a dropped connection.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dynaplay_engine::{Engine, EngineConfig};
use dynaplay_server::file_storage::{FileStorage, Options};
use dynaplay_server::{serve_with_sync, SystemClock};
use serde_json::{json, Value};

mod support;
use support::{Server, TempDir};

const AUTH: &str = "Authorization: AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=abc\r\nX-Amz-Date: 20240101T000000Z\r\n";

/// A keep-alive connection. Errors are values: the server dies under it on purpose.
struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        Client {
            reader: BufReader::new(stream),
        }
    }

    /// One request, retried while the table throttles it (a throttled write changes nothing, and
    /// a fast disk can outrun on-demand capacity), as every SDK does.
    fn call(&mut self, op: &str, body: &Value) -> std::io::Result<(u16, Value)> {
        loop {
            let (status, reply) = self.call_once(op, body)?;
            let throttled = reply["__type"]
                .as_str()
                .is_some_and(|t| t.ends_with("#ProvisionedThroughputExceededException"));
            if status != 400 || !throttled {
                return Ok((status, reply));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn call_once(&mut self, op: &str, body: &Value) -> std::io::Result<(u16, Value)> {
        let body = body.to_string();
        let raw = format!(
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.{op}\r\n{AUTH}Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.reader.get_mut().write_all(raw.as_bytes())?;
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or(std::io::ErrorKind::InvalidData)?;
        let mut len = 0;
        loop {
            let mut header = String::new();
            if self.reader.read_line(&mut header)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v
                        .trim()
                        .parse()
                        .map_err(|_| std::io::ErrorKind::InvalidData)?;
                }
            }
        }
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body)?;
        let value = serde_json::from_slice(&body).map_err(|_| std::io::ErrorKind::InvalidData)?;
        Ok((status, value))
    }

    /// A call that must succeed (setup and checks, never under a kill).
    fn ok(&mut self, op: &str, body: Value) -> Value {
        let (status, value) = self.call(op, &body).expect("the server answers");
        assert_eq!(status, 200, "{op} {body} -> {value}");
        value
    }
}

/// Some variety between runs and rounds without a random-number crate.
fn jitter(bound: u64) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64);
    (nanos ^ (nanos >> 7) ^ u64::from(std::process::id())) % bound.max(1)
}

/// The write stream's table: `pk` (S) only, `v` a number.
const TABLE: &str = "Crash";

/// The `n`th write of the stream. Each kind the brief names appears, and the batch and the
/// transaction each touch several items that must land together.
fn write_request(n: u64) -> (&'static str, Value) {
    let item = |pk: String| json!({"pk": {"S": pk}, "v": {"N": n.to_string()}});
    match n % 4 {
        0 => (
            "PutItem",
            json!({"TableName": TABLE, "Item": item(format!("p#{n}"))}),
        ),
        1 => (
            "UpdateItem",
            json!({
                "TableName": TABLE,
                "Key": {"pk": {"S": "counter"}},
                "UpdateExpression": "ADD v :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }),
        ),
        2 => {
            // Three puts and a delete of the PutItem two writes back.
            let mut requests: Vec<Value> = (0..3)
                .map(|j| json!({"PutRequest": {"Item": item(format!("b#{n}#{j}"))}}))
                .collect();
            requests.push(json!({"DeleteRequest": {"Key": {"pk": {"S": format!("p#{}", n - 2)}}}}));
            ("BatchWriteItem", json!({"RequestItems": {TABLE: requests}}))
        }
        _ => {
            let mut items: Vec<Value> = (0..3)
                .map(|j| json!({"Put": {"TableName": TABLE, "Item": item(format!("t#{n}#{j}"))}}))
                .collect();
            items.push(json!({"Update": {
                "TableName": TABLE,
                "Key": {"pk": {"S": "txcount"}},
                "UpdateExpression": "ADD v :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }}));
            ("TransactWriteItems", json!({"TransactItems": items}))
        }
    }
}

/// What the `n`th write does to the table, modelled as `pk -> v`.
fn apply(model: &mut BTreeMap<String, i64>, n: u64) {
    let n_v = n as i64;
    match n % 4 {
        0 => {
            model.insert(format!("p#{n}"), n_v);
        }
        1 => *model.entry("counter".into()).or_insert(0) += 1,
        2 => {
            for j in 0..3 {
                model.insert(format!("b#{n}#{j}"), n_v);
            }
            model.remove(&format!("p#{}", n - 2));
        }
        _ => {
            for j in 0..3 {
                model.insert(format!("t#{n}#{j}"), n_v);
            }
            *model.entry("txcount".into()).or_insert(0) += 1;
        }
    }
}

/// The whole table as `pk -> v`, with a strongly consistent paginated Scan.
fn scan(client: &mut Client) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    let mut start: Option<Value> = None;
    loop {
        let mut body = json!({"TableName": TABLE, "ConsistentRead": true});
        if let Some(key) = start.take() {
            body["ExclusiveStartKey"] = key;
        }
        let page = client.ok("Scan", body);
        for item in page["Items"].as_array().expect("items") {
            let pk = item["pk"]["S"].as_str().expect("pk").to_string();
            let v = item["v"]["N"].as_str().expect("v").parse().expect("number");
            assert!(out.insert(pk, v).is_none(), "a key scanned twice");
        }
        match page.get("LastEvaluatedKey") {
            Some(key) => start = Some(key.clone()),
            None => return out,
        }
    }
}

fn create_table(client: &mut Client, body: Value) {
    client.ok("CreateTable", body);
}

/// Why: the promise. Acknowledged means durable, and a batch or transaction is one
/// record, so after any SIGKILL the table is the acknowledged prefix of the stream, plus at most
/// the one write that was in flight, whole. Small logs (`--compact-after-bytes`) make the kills
/// land during log switches and background compactions too.
#[test]
fn kill_9_mid_stream_keeps_exactly_the_acknowledged_prefix() {
    let dir = TempDir::new("stream");
    let options = ["--compact-after-bytes", "4096"];
    let server = Server::start(&dir.0, &options);
    create_table(
        &mut Client::connect(server.addr),
        json!({
            "TableName": TABLE,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        }),
    );
    let mut server = Some(server);
    let mut model = BTreeMap::new();
    let mut next = 0u64;
    let mut total_acked = 0;
    let mut in_flight_landed = 0;
    for round in 0..6 {
        let running = server.take().expect("a server");
        let addr = running.addr;
        let acked = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        // The writer reports where it got: how many writes were acknowledged, and whether one
        // was sent and never answered.
        let outcome = Arc::new(Mutex::new((next, None::<u64>)));
        let writer = {
            let (acked, stop, outcome) = (acked.clone(), stop.clone(), outcome.clone());
            std::thread::spawn(move || {
                let mut client = Client::connect(addr);
                let mut n = next;
                while !stop.load(Ordering::Relaxed) {
                    let (op, body) = write_request(n);
                    outcome.lock().expect("lock").1 = Some(n);
                    match client.call(op, &body) {
                        Ok((200, _)) => {
                            n += 1;
                            *outcome.lock().expect("lock") = (n, None);
                            acked.fetch_add(1, Ordering::Relaxed);
                        }
                        // Anything else before the kill is a bug: no write here may fail.
                        Ok((status, body)) => panic!("{op} #{n} failed: {status} {body}"),
                        Err(_) => return,
                    }
                }
            })
        };
        // Let some writes through, then kill at an arbitrary moment.
        let at_least = 20 + jitter(60) as usize;
        let deadline = Instant::now() + Duration::from_secs(10);
        while acked.load(Ordering::Relaxed) < at_least && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_micros(jitter(30_000)));
        running.kill();
        stop.store(true, Ordering::Relaxed);
        writer.join().expect("writer");
        let (acked_through, in_flight) = *outcome.lock().expect("lock");
        assert!(
            acked_through > next,
            "round {round}: nothing was acknowledged"
        );
        total_acked += acked_through - next;

        for n in next..acked_through {
            apply(&mut model, n);
        }
        let restarted = Server::start(&dir.0, &options);
        let found = scan(&mut Client::connect(restarted.addr));
        if found != model {
            // Only the unanswered write may be there on top, and then all of it.
            let n = in_flight
                .unwrap_or_else(|| panic!("round {round}: data differs and nothing was in flight"));
            let mut with_it = model.clone();
            apply(&mut with_it, n);
            assert_eq!(
                found, with_it,
                "round {round}: the data is neither the acknowledged prefix nor that plus write #{n}"
            );
            model = with_it;
            next = n + 1;
            in_flight_landed += 1;
        } else {
            next = acked_through.max(in_flight.map_or(0, |n| n + 1));
        }
        server = Some(restarted);
    }
    eprintln!("{total_acked} acknowledged writes over 6 kills; {in_flight_landed} in-flight writes landed");
}

/// Why: a restart rebuilds the engine from the snapshot and log alone, so every kind of row in
/// the layout (tables with their indexes, items, stream metadata and records, TTL settings,
/// backups, point-in-time-recovery settings and change log) must come back as it was.
#[test]
fn every_kind_of_state_survives_a_restart() {
    let dir = TempDir::new("state");
    let server = Server::start(&dir.0, &[]);
    let mut c = Client::connect(server.addr);
    create_table(
        &mut c,
        json!({
            "TableName": "Orders",
            "AttributeDefinitions": [
                {"AttributeName": "customer", "AttributeType": "S"},
                {"AttributeName": "order", "AttributeType": "S"},
                {"AttributeName": "placed", "AttributeType": "S"},
                {"AttributeName": "status", "AttributeType": "S"},
            ],
            "KeySchema": [
                {"AttributeName": "customer", "KeyType": "HASH"},
                {"AttributeName": "order", "KeyType": "RANGE"},
            ],
            "LocalSecondaryIndexes": [{
                "IndexName": "ByPlaced",
                "KeySchema": [
                    {"AttributeName": "customer", "KeyType": "HASH"},
                    {"AttributeName": "placed", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }],
            "GlobalSecondaryIndexes": [{
                "IndexName": "ByStatus",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        }),
    );
    c.ok(
        "UpdateTimeToLive",
        json!({"TableName": "Orders", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "expires"}}),
    );
    for (i, status) in ["open", "shipped", "open", "closed"].iter().enumerate() {
        // Point-in-time recovery starts between the second and third put, so restoring to its
        // earliest time has to undo the later writes from the change log.
        if i == 2 {
            c.ok(
                "UpdateContinuousBackups",
                json!({"TableName": "Orders", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}),
            );
            // A restore to the earliest time keeps writes of that very millisecond; the next put
            // must land after it (on a fast run it could share the millisecond of the enable).
            std::thread::sleep(std::time::Duration::from_millis(3));
        }
        c.ok(
            "PutItem",
            json!({"TableName": "Orders", "Item": {
                "customer": {"S": format!("c{}", i % 2)},
                "order": {"S": format!("o{i}")},
                "placed": {"S": format!("2026-11-2{i}")},
                "status": {"S": status},
                "expires": {"N": "4102444800"},
            }}),
        );
    }
    c.ok(
        "UpdateItem",
        json!({"TableName": "Orders", "Key": {"customer": {"S": "c0"}, "order": {"S": "o0"}},
               "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"},
               "ExpressionAttributeValues": {":s": {"S": "shipped"}}}),
    );
    let backup = c.ok(
        "CreateBackup",
        json!({"TableName": "Orders", "BackupName": "before"}),
    );
    let backup_arn = backup["BackupDetails"]["BackupArn"].clone();
    c.ok(
        "DeleteItem",
        json!({"TableName": "Orders", "Key": {"customer": {"S": "c1"}, "order": {"S": "o3"}}}),
    );

    // Everything a client can read about that state, asked the same way before and after.
    let look = |c: &mut Client| -> Vec<Value> {
        let described = c.ok("DescribeTable", json!({"TableName": "Orders"}));
        let stream_arn = described["Table"]["LatestStreamArn"].clone();
        let stream = c.call_streams("DescribeStream", json!({"StreamArn": stream_arn}));
        let shard = stream["StreamDescription"]["Shards"][0]["ShardId"].clone();
        let iterator = c.call_streams(
            "GetShardIterator",
            json!({"StreamArn": stream_arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}),
        );
        let records = c.call_streams(
            "GetRecords",
            json!({"ShardIterator": iterator["ShardIterator"]}),
        );
        let pitr = c.ok("DescribeContinuousBackups", json!({"TableName": "Orders"}));
        vec![
            described,
            c.ok(
                "Query",
                json!({"TableName": "Orders", "IndexName": "ByPlaced",
                       "KeyConditionExpression": "customer = :c", "ExpressionAttributeValues": {":c": {"S": "c0"}}}),
            ),
            c.ok(
                "Query",
                json!({"TableName": "Orders", "IndexName": "ByStatus",
                       "KeyConditionExpression": "#s = :s", "ExpressionAttributeNames": {"#s": "status"},
                       "ExpressionAttributeValues": {":s": {"S": "shipped"}}}),
            ),
            c.ok("Scan", json!({"TableName": "Orders"})),
            c.ok("DescribeTimeToLive", json!({"TableName": "Orders"})),
            c.ok("ListBackups", json!({})),
            c.ok("DescribeBackup", json!({"BackupArn": backup_arn})),
            pitr["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
                ["PointInTimeRecoveryStatus"]
                .clone(),
            pitr["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
                ["EarliestRestorableDateTime"]
                .clone(),
            stream,
            records["Records"].clone(),
        ]
    };
    let before = look(&mut c);
    assert_eq!(
        before[10].as_array().map(Vec::len),
        Some(6),
        "six stream records"
    );
    server.kill();

    let server = Server::start(&dir.0, &[]);
    let mut c = Client::connect(server.addr);
    let after = look(&mut c);
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a, b);
    }
    // The backup and the change log are usable, not just listed: restore from both.
    c.ok(
        "RestoreTableFromBackup",
        json!({"TargetTableName": "FromBackup", "BackupArn": backup_arn}),
    );
    c.ok(
        "RestoreTableToPointInTime",
        json!({"SourceTableName": "Orders", "TargetTableName": "FromPitr", "UseLatestRestorableTime": true}),
    );
    let count = |c: &mut Client, table: &str| {
        c.ok("Scan", json!({"TableName": table, "Select": "COUNT"}))["Count"].clone()
    };
    assert_eq!(count(&mut c, "FromBackup"), json!(4));
    // The latest restorable time trails by five minutes and so is still the moment PITR began:
    // the first two orders as they were then, o0 not yet shipped.
    let restored = c.ok("Scan", json!({"TableName": "FromPitr"}));
    let mut orders: Vec<(String, String)> = restored["Items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let text = |name: &str| i[name]["S"].as_str().unwrap_or_default().to_string();
            (text("order"), text("status"))
        })
        .collect();
    orders.sort();
    assert_eq!(
        orders,
        [
            ("o0".into(), "open".into()),
            ("o1".into(), "shipped".into())
        ]
    );
    server.kill();

    // The restored tables were written too, and survive the next restart.
    let server = Server::start(&dir.0, &[]);
    let mut c = Client::connect(server.addr);
    assert_eq!(count(&mut c, "FromBackup"), json!(4));
    assert_eq!(count(&mut c, "FromPitr"), json!(2));
}

impl Client {
    fn call_streams(&mut self, op: &str, body: Value) -> Value {
        // The Streams API shares the endpoint under its own target prefix.
        let body_text = body.to_string();
        let raw = format!(
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDBStreams_20120810.{op}\r\n{AUTH}Content-Length: {}\r\n\r\n{body_text}",
            body_text.len()
        );
        self.reader
            .get_mut()
            .write_all(raw.as_bytes())
            .expect("write");
        let mut status = String::new();
        self.reader.read_line(&mut status).expect("status");
        assert!(status.contains(" 200 "), "{op} {body}: {status}");
        let mut len = 0;
        loop {
            let mut header = String::new();
            self.reader.read_line(&mut header).expect("header");
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().expect("length");
                }
            }
        }
        let mut reply = vec![0; len];
        self.reader.read_exact(&mut reply).expect("body");
        serde_json::from_slice(&reply).expect("JSON")
    }
}

/// Why: a full disk must fail the one write with DynamoDB's 500 InternalServerError and leave
/// nothing of it visible, keep the server up for reads, and lose nothing acknowledged. A file-size
/// limit (`ulimit -f`, with SIGXFSZ ignored so the write fails with EFBIG instead of killing the
/// process) makes appends fail exactly as ENOSPC would.
#[test]
fn a_failing_disk_fails_the_write_with_500_and_changes_nothing() {
    let dir = TempDir::new("full");
    let mut command = Command::new("bash");
    command.args([
        "-c",
        "trap '' XFSZ; ulimit -f 48; exec \"$0\" \"$@\"",
        env!("CARGO_BIN_EXE_dynaplay-server"),
    ]);
    let server = Server::start_with(command, &dir.0, &[]);
    let mut c = Client::connect(server.addr);
    create_table(
        &mut c,
        json!({
            "TableName": TABLE,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        }),
    );
    let padding = "x".repeat(1000);
    let mut acknowledged = Vec::new();
    let failed = (0..200)
        .find_map(|i| {
            let pk = format!("k{i}");
            let body = json!({"TableName": TABLE, "Item": {"pk": {"S": pk}, "v": {"N": "1"}, "pad": {"S": padding}}});
            let (status, reply) = c.call("PutItem", &body).expect("the server answers");
            if status == 200 {
                acknowledged.push(pk);
                None
            } else {
                Some((pk, status, reply))
            }
        })
        .expect("the 48 KiB limit is reached within 200 KB of writes");
    let (lost, status, reply) = failed;
    assert_eq!(status, 500, "{reply}");
    assert_eq!(
        reply["__type"],
        "com.amazonaws.dynamodb.v20120810#InternalServerError"
    );
    assert!(acknowledged.len() > 10, "{} writes fit", acknowledged.len());
    // Nothing of the failed write is visible, and reads still work.
    let got = c.ok(
        "GetItem",
        json!({"TableName": TABLE, "Key": {"pk": {"S": lost}}, "ConsistentRead": true}),
    );
    assert_eq!(got.get("Item"), None);
    assert_eq!(scan(&mut c).len(), acknowledged.len());
    server.kill();

    // Room again: every acknowledged write is there, the failed one is not, writes go on.
    let server = Server::start(&dir.0, &[]);
    let mut c = Client::connect(server.addr);
    let found = scan(&mut c);
    let mut expected: Vec<&String> = acknowledged.iter().collect();
    expected.sort();
    assert_eq!(found.keys().collect::<Vec<_>>(), expected);
    c.ok(
        "PutItem",
        json!({"TableName": TABLE, "Item": {"pk": {"S": lost}, "v": {"N": "2"}}}),
    );
}

/// Why: two servers on one directory would interleave their logs; the second must refuse to
/// start, say why, and never listen.
#[test]
fn a_second_server_on_the_same_directory_is_refused() {
    let dir = TempDir::new("lock");
    let _first = Server::start(&dir.0, &[]);
    let second = Command::new(env!("CARGO_BIN_EXE_dynaplay-server"))
        .args(["--port", "0", "--data-dir"])
        .arg(&dir.0)
        .output()
        .expect("run");
    assert!(!second.status.success());
    assert!(second.stdout.is_empty(), "it must not listen");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("in use by another dynaplay-server"),
        "{stderr}"
    );
}

/// Why: group commit is the reason concurrent writers do not pay one fsync each. Eight clients
/// writing at once through the real request path must share syncs, and every write is answered
/// only after a sync that covers it (the kill test checks that part end to end).
#[test]
fn concurrent_writers_share_syncs() {
    let dir = TempDir::new("group");
    let storage = FileStorage::open_with(
        &dir.0,
        Options {
            group_commit: true,
            ..Options::default()
        },
    )
    .expect("open");
    let sync = storage.log_sync();
    let engine = Engine::open(
        EngineConfig::default(),
        Box::new(SystemClock),
        Box::new(storage),
    )
    .expect("engine");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let served = sync.clone();
    std::thread::spawn(move || serve_with_sync(listener, engine, Some(served)));
    create_table(
        &mut Client::connect(addr),
        json!({
            "TableName": TABLE,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        }),
    );
    let before = sync.syncs();
    let (clients, each) = (8, 40);
    let writers: Vec<_> = (0..clients)
        .map(|t| {
            std::thread::spawn(move || {
                let mut client = Client::connect(addr);
                for i in 0..each {
                    client.ok(
                        "PutItem",
                        json!({"TableName": TABLE, "Item": {"pk": {"S": format!("{t}-{i}")}, "v": {"N": "1"}}}),
                    );
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    let syncs = sync.syncs() - before;
    let writes = (clients * each) as u64;
    eprintln!("{writes} concurrent writes took {syncs} syncs");
    assert!(
        syncs > 0 && syncs < writes,
        "{syncs} syncs for {writes} writes"
    );
    assert!(sync.is_durable());
    assert_eq!(scan(&mut Client::connect(addr)).len(), writes as usize);
}
