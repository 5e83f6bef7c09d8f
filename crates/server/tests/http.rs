//! The endpoint over real sockets: a server on a free port, spoken to in raw HTTP/1.1 by a tiny
//! std-only client, so the tests see exactly the bytes an SDK would (no HTTP library in between
//! that could paper over a wrong header or framing).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use dynaplay_engine::{Engine, ManualClock};
use dynaplay_server::{serve, SystemClock};

/// Valid-looking SigV4 headers (the signature is not verified, only its presence and shape).
const AUTH: &str = "Authorization: AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=abc\r\nX-Amz-Date: 20240101T000000Z\r\n";

/// One server for the whole test binary: starting a runtime per test would only cost time.
fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let engine = Engine::in_memory(Box::new(SystemClock));
        std::thread::spawn(move || serve(listener, engine));
        addr
    })
}

struct Reply {
    status: u16,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A keep-alive connection that sends raw requests and reads `Content-Length`-framed replies.
struct Conn {
    reader: BufReader<TcpStream>,
}

impl Conn {
    fn open() -> Conn {
        let stream = TcpStream::connect(server()).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        Conn {
            reader: BufReader::new(stream),
        }
    }

    fn send(&mut self, raw: &[u8]) -> Reply {
        self.reader.get_mut().write_all(raw).expect("write");
        self.read_reply()
    }

    fn read_reply(&mut self) -> Reply {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("status line");
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {line:?}"));
        let mut headers = HashMap::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).expect("header");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (k, v) = line.split_once(':').expect("header colon");
            headers.insert(k.to_ascii_lowercase(), v.trim().to_string());
        }
        let len: usize = headers
            .get("content-length")
            .map(|v| v.parse().expect("length"))
            .unwrap_or(0);
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body).expect("body");
        Reply {
            status,
            headers,
            body,
        }
    }
}

fn request(raw: &str) -> Reply {
    Conn::open().send(raw.as_bytes())
}

/// A POST with the given extra header lines (each ending in `\r\n`) and body.
fn post(headers: &str, body: &str) -> Reply {
    request(&post_raw(headers, body))
}

fn post_raw(headers: &str, body: &str) -> String {
    format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn target(op: &str) -> String {
    format!("X-Amz-Target: DynamoDB_20120810.{op}\r\n")
}

fn json(reply: &Reply) -> serde_json::Value {
    serde_json::from_slice(&reply.body).unwrap_or_else(|_| panic!("not JSON: {:?}", reply.text()))
}

/// Load balancers and `aws` health probes GET the root; DynamoDB's exact text (trailing space
/// included) and checksum are what clients that probe it compare against.
#[test]
fn health_check() {
    let reply = request("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text(), "healthy: dynamodb.us-east-1.amazonaws.com ");
    assert_eq!(reply.header("x-amz-crc32"), Some("3128867991"));
}

/// SDKs send credentials on every call; a request without any must fail the way DynamoDB fails
/// it (400, coral namespace, exact message), not reach the engine.
#[test]
fn missing_auth() {
    let reply = post(&target("ListTables"), "{}");
    assert_eq!(reply.status, 400);
    assert_eq!(
        json(&reply),
        serde_json::json!({
            "__type": "com.amazon.coral.service#MissingAuthenticationTokenException",
            "message": "Request is missing Authentication Token",
        })
    );
    // A non-SigV4 scheme counts as no token at all.
    let reply = post(
        &format!("{}Authorization: Basic eDp4\r\n", target("ListTables")),
        "{}",
    );
    assert_eq!(
        json(&reply)["__type"],
        "com.amazon.coral.service#MissingAuthenticationTokenException"
    );
}

/// A SigV4 header without its parts gets DynamoDB's itemised IncompleteSignatureException text,
/// which names each missing piece and echoes the header.
#[test]
fn incomplete_signature_header() {
    let reply = post(
        &format!(
            "{}Authorization: AWS4-HMAC-SHA256 Credential=x\r\n",
            target("ListTables")
        ),
        "{}",
    );
    assert_eq!(reply.status, 400);
    assert_eq!(
        json(&reply),
        serde_json::json!({
            "__type": "com.amazon.coral.service#IncompleteSignatureException",
            "message": "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=x",
        })
    );
}

/// Presigned (query-string) auth is accepted as an alternative to the header, with its own
/// incomplete-signature text, and having both is an InvalidSignatureException.
#[test]
fn query_string_auth() {
    let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x%2F20240101%2Fus-east-1%2Fdynamodb%2Faws4_request&X-Amz-Signature=abc&X-Amz-SignedHeaders=host&X-Amz-Date=20240101T000000Z";
    let full = |q: &str, extra: &str| {
        request(
            &post_raw(&format!("{}{extra}", target("ListTables")), "{}").replacen(
                "POST / ",
                &format!("POST /?{q} "),
                1,
            ),
        )
    };
    let direct = post(&format!("{}{AUTH}", target("ListTables")), "{}");
    let reply = full(query, "");
    assert_eq!((reply.status, reply.text()), (direct.status, direct.text()));

    let reply = full("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=", "");
    assert_eq!(
        json(&reply)["message"],
        "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."
    );

    let reply = full(query, AUTH);
    assert_eq!(
        json(&reply),
        serde_json::json!({
            "__type": "com.amazon.coral.service#InvalidSignatureException",
            "message": "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
        })
    );
}

/// A well-formed, authenticated request must reach the engine and come back byte for byte as the
/// engine answered it (whatever ListTables currently does there), with the JSON 1.0 content type.
#[test]
fn reaches_engine() {
    let mut engine = Engine::in_memory(Box::new(ManualClock::new(0)));
    let expected = engine.dispatch("ListTables", "{}");
    let reply = post(&format!("{}{AUTH}", target("ListTables")), "{}");
    assert_eq!(reply.status, expected.status);
    assert_eq!(reply.text(), expected.body);
    assert_eq!(
        reply.header("content-type"),
        Some("application/x-amz-json-1.0")
    );
}

/// Clients that send `application/json` (older SDKs, curl users) get `application/json` back.
#[test]
fn content_type_follows_request() {
    let raw = post_raw(&format!("{}{AUTH}", target("ListTables")), "{}").replace(
        "application/x-amz-json-1.0",
        "application/json; charset=utf-8",
    );
    let reply = request(&raw);
    assert_eq!(reply.header("content-type"), Some("application/json"));
}

/// Unknown operations, other API versions, a missing target and a DynamoDB operation under the
/// Streams prefix all get the bare UnknownOperationException; it is checked before auth, as
/// DynamoDB does.
#[test]
fn unknown_operation() {
    for headers in [
        format!("{}{AUTH}", target("DropDatabase")),
        target("DropDatabase"),
        AUTH.to_string(),
        format!("X-Amz-Target: DynamoDBStreams_20120810.PutItem\r\n{AUTH}"),
        format!("X-Amz-Target: DynamoDB_20120810.ListTables.x\r\n{AUTH}"),
    ] {
        let reply = post(&headers, "{}");
        assert_eq!(reply.status, 400, "{headers}");
        assert_eq!(
            json(&reply),
            serde_json::json!({"__type": "com.amazon.coral.service#UnknownOperationException"}),
            "{headers}"
        );
    }
}

/// A body that is not JSON is a SerializationException, and DynamoDB reports it even before an
/// unknown target or missing credentials.
#[test]
fn malformed_json() {
    for headers in [
        format!("{}{AUTH}", target("ListTables")),
        target("ListTables"),
        target("DropDatabase"),
    ] {
        let reply = post(&headers, "{not json");
        assert_eq!(reply.status, 400, "{headers}");
        assert_eq!(
            json(&reply),
            serde_json::json!({"__type": "com.amazon.coral.service#SerializationException"}),
            "{headers}"
        );
    }
    // Invalid UTF-8 is just more malformed JSON, not a transport failure.
    let raw = [
        post_raw(&format!("{}{AUTH}", target("ListTables")), "")
            .replace("Content-Length: 0", "Content-Length: 3")
            .into_bytes(),
        b"{\xff}".to_vec(),
    ]
    .concat();
    let reply = Conn::open().send(&raw);
    assert_eq!(reply.status, 400);
    assert_eq!(
        json(&reply)["__type"],
        "com.amazon.coral.service#SerializationException"
    );
}

/// Other methods, and bodies in content types DynamoDB does not read, get its 404 XML answer.
#[test]
fn wrong_method_or_content_type() {
    let reply = request("PUT / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.text(), "<UnknownOperationException/>\n");
    assert_eq!(reply.header("x-amz-crc32"), Some("3552371480"));
    let raw = post_raw(&format!("{}{AUTH}", target("ListTables")), "{}")
        .replace("application/x-amz-json-1.0", "text/plain");
    assert_eq!(request(&raw).status, 404);
}

/// DynamoDB caps requests at 16 MB and answers 413 beyond; a body of exactly 16 MiB still reaches
/// the protocol checks. The over-limit body is refused from its declared length, unread.
#[test]
fn oversized_body() {
    let limit = 16 * 1024 * 1024;
    let reply = request(&format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\n{}{AUTH}Content-Length: {}\r\n\r\n",
        target("PutItem"),
        limit + 1
    ));
    assert_eq!(reply.status, 413);
    assert!(reply.body.is_empty());
    assert!(reply.header("x-amzn-requestid").is_some());

    let filler = "x".repeat(limit - "{\"a\":\"\"}".len());
    let reply = post(&target("PutItem"), &format!("{{\"a\":\"{filler}\"}}"));
    assert_eq!(
        json(&reply)["__type"],
        "com.amazon.coral.service#MissingAuthenticationTokenException"
    );
}

/// A chunked body arrives as several frames, which the server joins in order: the engine must see
/// `{"Limit":0}` (and refuse the 0) from three chunks that are not JSON on their own.
#[test]
fn chunked_body_is_joined() {
    let reply = request(&format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\n{}{AUTH}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{{\"Lim\r\n4\r\nit\":\r\n2\r\n0}}\r\n0\r\n\r\n",
        target("ListTables")
    ));
    let body = json(&reply);
    assert_eq!(reply.status, 400, "{body}");
    assert_eq!(
        body["__type"],
        "com.amazon.coral.validate#ValidationException"
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("'limit'")),
        "{body}"
    );
}

/// SDKs (botocore, the v2 JS SDK) verify `x-amz-crc32` and retry on mismatch; it must be the CRC32
/// of the exact body bytes on every kind of answer.
#[test]
fn crc32_header_correct() {
    let replies = [
        request("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        post(&target("ListTables"), "{}"),
        post(&format!("{}{AUTH}", target("ListTables")), "{}"),
        post(&target("Nope"), "{}"),
        request("OPTIONS / HTTP/1.1\r\nHost: localhost\r\nOrigin: http://a\r\n\r\n"),
    ];
    for reply in replies {
        let crc: u32 = reply
            .header("x-amz-crc32")
            .expect("x-amz-crc32")
            .parse()
            .expect("decimal");
        assert_eq!(crc, crc32fast::hash(&reply.body), "{}", reply.text());
    }
}

/// Every answer carries a request id in DynamoDB's shape, fresh each time, since users quote it
/// and SDKs log it.
#[test]
fn request_id_present() {
    let ids: Vec<String> = (0..5)
        .map(|_| {
            let reply = post(&target("ListTables"), "{}");
            reply.header("x-amzn-requestid").expect("id").to_string()
        })
        .collect();
    for id in &ids {
        assert_eq!(id.len(), 52);
        assert!(id
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
}

/// A browser page (the playground, or a page using the JS SDK) preflights with OPTIONS; it must
/// be allowed, and real answers must carry the CORS headers too or the browser hides them.
#[test]
fn cors_preflight() {
    let reply = request(
        "OPTIONS / HTTP/1.1\r\nHost: localhost\r\nOrigin: http://localhost:3000\r\n\
         Access-Control-Request-Method: POST\r\n\
         Access-Control-Request-Headers: content-type,x-amz-target,authorization,x-amz-date\r\n\r\n",
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    assert_eq!(reply.header("access-control-allow-methods"), Some("POST"));
    assert_eq!(
        reply.header("access-control-allow-headers"),
        Some("content-type,x-amz-target,authorization,x-amz-date")
    );
    assert_eq!(reply.header("access-control-max-age"), Some("172800"));
    assert!(reply.body.is_empty());

    let reply = post(
        &format!(
            "Origin: http://localhost:3000\r\n{}{AUTH}",
            target("ListTables")
        ),
        "{}",
    );
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    assert!(reply
        .header("access-control-expose-headers")
        .is_some_and(|h| h.contains("x-amzn-RequestId")));
}

/// The engine sits behind a mutex shared by all connections: many clients at once, each reusing
/// its connection (as SDKs do), must all get complete, correct answers and never deadlock.
#[test]
fn concurrency() {
    let threads: Vec<_> = (0..8)
        .map(|t| {
            std::thread::spawn(move || {
                let mut conn = Conn::open();
                for i in 0..50 {
                    // Alternate between answers made by the server and by the engine.
                    let headers = if (t + i) % 2 == 0 {
                        format!("{}{AUTH}", target("ListTables"))
                    } else {
                        target("ListTables")
                    };
                    let reply = conn.send(post_raw(&headers, "{}").as_bytes());
                    assert!(reply.status == 200 || reply.status == 400);
                    assert_eq!(
                        reply.header("x-amz-crc32").and_then(|c| c.parse().ok()),
                        Some(crc32fast::hash(&reply.body))
                    );
                    json(&reply);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("client thread");
    }
}

/// "Never panic on any input": garbage requests may get errors or closed connections, but the
/// server must keep answering afterwards.
#[test]
fn survives_garbage() {
    let garbage: [&[u8]; 6] = [
        b"\x00\x01\x02\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET /\xff HTTP/1.1\r\n\r\n",
        b"POST /?%%%&&== HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4-\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\nContent-Length: 1\r\n\r\n[",
        b"POST / HTTP/1.1\r\nAuthorization: AWS4- ,,, = == Credential= Signature=a=b\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\nContent-Length: 0\r\n\r\n",
    ];
    for raw in garbage {
        let mut stream = TcpStream::connect(server()).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .expect("timeout");
        let _ = stream.write_all(raw);
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink);
    }
    assert_eq!(
        request("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").status,
        200
    );
}

/// The binary itself: `--help` documents that signatures are not checked, and `--port 0` prints
/// one line with the URL it actually listens on, which then answers.
#[test]
fn binary_prints_url_and_serves() {
    let exe = env!("CARGO_BIN_EXE_dynaplay-server");
    let help = Command::new(exe).arg("--help").output().expect("help");
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("NOT verified"));

    let (mut child, addr) = spawn_binary(&[]);
    let result = (|| {
        let mut stream = TcpStream::connect(&addr).ok()?;
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .ok()?;
        let mut out = String::new();
        stream.read_to_string(&mut out).ok()?;
        Some(out)
    })();
    // Stop the child we started (by its handle) before asserting, so a failure leaks nothing.
    let _ = child.kill();
    let _ = child.wait();
    let out = result.expect("answer from child");
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.ends_with("healthy: dynamodb.us-east-1.amazonaws.com "));
}

/// The Streams API is served under its own target prefix, on the same endpoint.
#[test]
fn streams_api_is_routed() {
    let reply = post(
        &format!("X-Amz-Target: DynamoDBStreams_20120810.ListStreams\r\n{AUTH}"),
        "{}",
    );
    assert_eq!(reply.status, 200);
    assert_eq!(json(&reply), serde_json::json!({"Streams": []}));
}

/// Starts the binary with `args` on a free port and returns the child and its address.
fn spawn_binary(args: &[&str]) -> (std::process::Child, String) {
    let exe = env!("CARGO_BIN_EXE_dynaplay-server");
    let mut child = Command::new(exe)
        .args(["--port", "0", "--host", "127.0.0.1"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("line");
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .unwrap_or("")
        .to_string();
    (child, addr)
}

/// The statuses of a CreateTable of 1 WCU and then 40 PutItems of about 10 KB (10 write units
/// each), each on its own connection: 400 units, more than the table's 300 s of burst capacity.
fn write_past_capacity(addr: &str) -> Vec<u16> {
    let call = |op: &str, body: &str| -> Option<u16> {
        let mut stream = TcpStream::connect(addr).ok()?;
        let raw = post_raw(&format!("{}{AUTH}Connection: close\r\n", target(op)), body);
        stream.write_all(raw.as_bytes()).ok()?;
        let mut out = String::new();
        stream.read_to_string(&mut out).ok()?;
        out.split(' ').nth(1)?.parse().ok()
    };
    let create = r#"{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],"KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}"#;
    let mut statuses = vec![call("CreateTable", create).unwrap_or(0)];
    let padding = "x".repeat(10_000);
    for i in 0..40 {
        let put = format!(
            r#"{{"TableName":"tbl","Item":{{"k":{{"S":"{i}"}},"d":{{"S":"{padding}"}}}}}}"#
        );
        statuses.push(call("PutItem", &put).unwrap_or(0));
    }
    statuses
}

/// `--no-throttling` is what `cargo xtask bench-server` relies on: the same writes past a table's
/// capacity are throttled by default (as DynamoDB does) and all accepted with the flag.
#[test]
fn no_throttling_flag_accepts_writes_past_capacity() {
    let (mut default, addr) = spawn_binary(&[]);
    let throttled = write_past_capacity(&addr);
    let _ = default.kill();
    let _ = default.wait();
    let (mut unthrottled, addr) = spawn_binary(&["--no-throttling"]);
    let accepted = write_past_capacity(&addr);
    let _ = unthrottled.kill();
    let _ = unthrottled.wait();

    assert_eq!(throttled[0], 200, "CreateTable");
    assert!(
        throttled.contains(&400),
        "some writes are throttled by default"
    );
    assert!(throttled.iter().all(|s| *s == 200 || *s == 400));
    assert!(accepted.iter().all(|s| *s == 200), "{accepted:?}");
}
