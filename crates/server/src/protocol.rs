//! DynamoDB's JSON 1.0 protocol at the HTTP level, independent of any HTTP library: one request in,
//! one answer out. The checks run in the order the real service runs them (as recorded by
//! dynalite's tests against DynamoDB): CORS, health, method/content type, JSON syntax, target, auth.

use std::borrow::Cow;
use std::hash::{BuildHasher, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use dynaplay_engine::{ApiError, Engine, ErrorKind};

/// DynamoDB's request size limit: "The total request size exceeds 16 MB" is one of BatchWriteItem's
/// documented rejections, and DynamoDB counts 1 MB as 1024 KB. A body of exactly this many bytes
/// is still accepted; one byte more is answered with [`too_large`].
pub use dynaplay_engine::MAX_REQUEST_BYTES;

/// The JSON 1.0 content type; requests sent with it get it back, everything else gets
/// `application/json` (what DynamoDB does for `application/json` requests).
pub const AMZ_JSON: &str = "application/x-amz-json-1.0";

/// DynamoDB's answer to a non-POST request or a body in a content type it does not speak: an XML
/// fragment with a 404, not a JSON error.
pub const UNKNOWN_OPERATION_XML: &str = "<UnknownOperationException/>\n";

/// One API version the endpoint serves: its `X-Amz-Target` prefix, the operations that exist in
/// it, and the prefix the engine expects on the operation name.
struct Route {
    api: &'static str,
    operations: &'static [&'static str],
    engine_prefix: &'static str,
}

/// Every `X-Amz-Target` prefix the endpoint routes. The server must know which operations exist
/// (not only which the engine implements yet) because DynamoDB answers UnknownOperationException
/// for an unknown operation *before* it checks authentication, and MissingAuthenticationToken for
/// a real operation sent without credentials.
const ROUTES: &[Route] = &[
    Route {
        api: "DynamoDB_20120810",
        operations: DYNAMODB_OPERATIONS,
        engine_prefix: "",
    },
    Route {
        api: "DynamoDBStreams_20120810",
        operations: STREAMS_OPERATIONS,
        engine_prefix: "Streams.",
    },
    // Dynaplay's DAX simulation (see crates/engine/src/dax.rs), for learners and tests.
    Route {
        api: dynaplay_engine::DAX_SIMULATION_TARGET,
        operations: dynaplay_engine::dax::OPERATIONS,
        engine_prefix: "Dax.",
    },
    // Dynaplay's global tables simulation (see crates/engine/src/global_tables.rs).
    Route {
        api: dynaplay_engine::global_tables::SIMULATION_TARGET,
        operations: dynaplay_engine::global_tables::OPERATIONS,
        engine_prefix: "GlobalTables.",
    },
];

/// The operations of the DynamoDB_20120810 API. Those the engine does not implement yet reach it
/// anyway and get its UnknownOperationException.
const DYNAMODB_OPERATIONS: &[&str] = &[
    "BatchExecuteStatement",
    "BatchGetItem",
    "BatchWriteItem",
    "CreateBackup",
    "CreateGlobalTable",
    "CreateTable",
    "DeleteBackup",
    "DeleteItem",
    "DeleteResourcePolicy",
    "DeleteTable",
    "DescribeBackup",
    "DescribeContinuousBackups",
    "DescribeContributorInsights",
    "DescribeEndpoints",
    "DescribeExport",
    "DescribeGlobalTable",
    "DescribeGlobalTableSettings",
    "DescribeImport",
    "DescribeKinesisStreamingDestination",
    "DescribeLimits",
    "DescribeTable",
    "DescribeTableReplicaAutoScaling",
    "DescribeTimeToLive",
    "DisableKinesisStreamingDestination",
    "EnableKinesisStreamingDestination",
    "ExecuteStatement",
    "ExecuteTransaction",
    "ExportTableToPointInTime",
    "GetItem",
    "GetResourcePolicy",
    "ImportTable",
    "ListBackups",
    "ListContributorInsights",
    "ListExports",
    "ListGlobalTables",
    "ListImports",
    "ListTables",
    "ListTagsOfResource",
    "PutItem",
    "PutResourcePolicy",
    "Query",
    "RestoreTableFromBackup",
    "RestoreTableToPointInTime",
    "Scan",
    "TagResource",
    "TransactGetItems",
    "TransactWriteItems",
    "UntagResource",
    "UpdateContinuousBackups",
    "UpdateContributorInsights",
    "UpdateGlobalTable",
    "UpdateGlobalTableSettings",
    "UpdateItem",
    "UpdateKinesisStreamingDestination",
    "UpdateTable",
    "UpdateTableReplicaAutoScaling",
    "UpdateTimeToLive",
];

/// The operations of DynamoDBStreams_20120810.
const STREAMS_OPERATIONS: &[&str] = &[
    "DescribeStream",
    "GetRecords",
    "GetShardIterator",
    "ListStreams",
];

/// Read access to request headers (case-insensitive names), so this module needs no HTTP library.
pub trait Headers {
    /// The header's value, if present and readable as text.
    fn get(&self, name: &str) -> Option<&str>;
}

/// The parts of an HTTP request the protocol looks at.
pub struct Request<'a, H: Headers> {
    pub method: &'a str,
    /// The query string, without the `?`.
    pub query: Option<&'a str>,
    pub headers: &'a H,
    /// The body, or `None` when it was larger than [`MAX_REQUEST_BYTES`] and was not read.
    pub body: Option<&'a [u8]>,
}

/// What to send back. The transport adds `x-amzn-RequestId`, `x-amz-crc32`, `Content-Length`.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<&'static str>,
    /// Further headers (CORS); values may echo request headers.
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    /// Whether the connection must be closed after this answer (its body was left unread).
    pub close: bool,
}

impl Answer {
    fn new(status: u16, content_type: Option<&'static str>, body: impl Into<String>) -> Answer {
        Answer {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into(),
            close: false,
        }
    }

    fn error(content_type: &'static str, error: &ApiError) -> Answer {
        Answer::new(
            error.status(),
            Some(content_type),
            error.to_json().to_string(),
        )
    }
}

/// The answer DynamoDB gives a body over the size limit: 413 with an empty body (dynalite's
/// recording of the service). The unread body makes the connection unusable, so it is closed.
pub fn too_large() -> Answer {
    Answer {
        close: true,
        ..Answer::new(413, None, "")
    }
}

/// Answers one request, calling the engine when the request gets that far.
pub fn respond<H: Headers>(engine: &Mutex<Engine>, region: &str, req: &Request<'_, H>) -> Answer {
    let mut answer = respond_inner(engine, region, req);
    add_cors(req, &mut answer);
    answer
}

/// CORS, so a page on another origin (the playground, a local test page) can call the endpoint:
/// DynamoDB answers any `Origin` with `*`, and a preflight by echoing what was asked for.
fn add_cors<H: Headers>(req: &Request<'_, H>, answer: &mut Answer) {
    if req.headers.get("origin").is_none() {
        return;
    }
    answer
        .headers
        .push(("access-control-allow-origin", "*".into()));
    // Without this a browser script cannot read the request id or checksum of an answer.
    answer.headers.push((
        "access-control-expose-headers",
        "x-amzn-RequestId,x-amzn-ErrorType,x-amz-crc32,Date".into(),
    ));
}

fn respond_inner<H: Headers>(engine: &Mutex<Engine>, region: &str, req: &Request<'_, H>) -> Answer {
    let Some(body) = req.body else {
        return too_large();
    };

    if req.method == "OPTIONS" && req.headers.get("origin").is_some() {
        let mut answer = Answer::new(200, None, "");
        if let Some(h) = req.headers.get("access-control-request-headers") {
            answer
                .headers
                .push(("access-control-allow-headers", h.to_string()));
        }
        if let Some(m) = req.headers.get("access-control-request-method") {
            answer
                .headers
                .push(("access-control-allow-methods", m.to_string()));
        }
        // Two days, DynamoDB's value: browsers cap it lower anyway.
        answer
            .headers
            .push(("access-control-max-age", "172800".into()));
        return answer;
    }

    // Load balancers probe DynamoDB with GET; its answer has a trailing space, kept on purpose.
    if req.method == "GET" {
        return Answer::new(
            200,
            None,
            format!("healthy: dynamodb.{region}.amazonaws.com "),
        );
    }

    let content_type = req.headers.get("content-type").unwrap_or("");
    let content_type = find_byte(content_type.as_bytes(), |b| b == b';')
        .and_then(|at| content_type.get(..at))
        .unwrap_or(content_type)
        .trim();
    // An empty body passes with any content type; the service only rejects bodies it cannot read.
    if req.method != "POST"
        || (!body.is_empty() && content_type != AMZ_JSON && content_type != "application/json")
    {
        return Answer::new(404, None, UNKNOWN_OPERATION_XML);
    }
    let reply_type = if content_type == AMZ_JSON {
        AMZ_JSON
    } else {
        "application/json"
    };

    // Node-style lossy decoding: invalid UTF-8 becomes U+FFFD and then fails JSON parsing (or
    // lands in a string), rather than being a transport error DynamoDB does not have.
    // Valid UTF-8 (every SDK's body) is checked a word at a time; only a body that is not
    // pays for the lossy copy.
    let text = match std::str::from_utf8(body) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(body),
    };

    // DynamoDB rejects unparseable JSON before it looks at the target or credentials. Checking it
    // here only when a later check fails keeps the happy path at one parse (the engine's).
    let reject = |error: ApiError| -> Answer {
        if !text.is_empty() && serde_json::from_str::<serde_json::Value>(&text).is_err() {
            return Answer::error(reply_type, &ApiError::serialization(None));
        }
        Answer::error(reply_type, &error)
    };

    let Some(operation) = route(req.headers.get("x-amz-target").unwrap_or("")) else {
        return reject(ApiError::unknown_operation());
    };
    let auth = req.headers.get("authorization").map(AuthHeader::read);
    if let Err(error) = check_auth(req, auth.as_ref()) {
        return reject(error);
    }
    let scope = credential_scope(req, auth.as_ref());

    let response = {
        let mut engine = engine.lock().unwrap_or_else(PoisonError::into_inner);
        // One clock read for the whole call, taken with the engine (see `SystemClock`).
        let _instant = crate::RequestInstant::begin();
        // The region the request was signed for picks the replica it addresses (the global
        // tables simulation); an unsigned or oddly named region is the home region, which is
        // plain `dispatch` (what `dispatch_in_region` does for it).
        let region = scope
            .as_deref()
            .and_then(scope_region)
            .filter(|r| *r != engine.config_region())
            .filter(|r| dynaplay_engine::global_tables::valid_region(r));
        // The engine promises not to panic; if it ever does, the client gets DynamoDB's 500 rather
        // than a dropped connection, and the next request still finds the engine.
        catch_unwind(AssertUnwindSafe(|| {
            // Built only for tests/panic_probe.rs: a way to panic where the engine would.
            #[cfg(feature = "panic-probe")]
            if req.headers.get("x-dynaplay-panic-probe").is_some() {
                panic!("panic probe");
            }
            match region {
                Some(region) => engine.dispatch_in_region(region, &operation, &text),
                None => engine.dispatch(&operation, &text),
            }
        }))
    };
    match response {
        Ok(response) => Answer::new(response.status, Some(reply_type), response.body),
        Err(_) => Answer::error(
            reply_type,
            &ApiError::internal(
                "The server encountered an internal error trying to fulfill the request.",
            ),
        ),
    }
}

/// The third `/`-separated part of a credential scope (`AKID/20260101/eu-west-1/...`): its
/// region. `scope.split('/').nth(2)`, found by comparing bytes rather than decoding chars.
fn scope_region(scope: &str) -> Option<&str> {
    let slash = |b| b == b'/';
    let after_key = scope.get(find_byte(scope.as_bytes(), slash)? + 1..)?;
    let region = after_key.get(find_byte(after_key.as_bytes(), slash)? + 1..)?;
    Some(match find_byte(region.as_bytes(), slash) {
        Some(end) => region.get(..end)?,
        None => region,
    })
}

/// The engine's operation name for an `X-Amz-Target`, or `None` for UnknownOperationException.
fn route(target: &str) -> Option<Cow<'static, str>> {
    // `api.op` with exactly one dot (as `split('.')` giving two parts).
    let dot = |b| b == b'.';
    let at = find_byte(target.as_bytes(), dot)?;
    let (api, op) = (target.get(..at)?, target.get(at + 1..)?);
    if find_byte(op.as_bytes(), dot).is_some() {
        return None;
    }
    let route = ROUTES.iter().find(|r| r.api == api)?;
    // DynamoDB's list is sorted (a test checks), so its lookup is a few comparisons, not
    // fifty; a binary search in an unsorted list can miss but never mistakes, hence the scan.
    let at = route
        .operations
        .binary_search(&op)
        .ok()
        .or_else(|| route.operations.iter().position(|o| *o == op))?;
    let op: &'static str = route.operations[at];
    Some(if route.engine_prefix.is_empty() {
        Cow::Borrowed(op)
    } else {
        Cow::Owned(format!("{}{op}", route.engine_prefix))
    })
}

/// The SigV4 credential (`AKID/20260101/eu-west-1/dynamodb/aws4_request`) from the
/// Authorization header or, without one, the `X-Amz-Credential` query parameter. Its third
/// part is the region the global tables simulation addresses.
fn credential_scope<'a, H: Headers>(
    req: &Request<'a, H>,
    auth: Option<&AuthHeader<'a>>,
) -> Option<Cow<'a, str>> {
    match auth {
        Some(auth) => auth.credential.map(Cow::Borrowed),
        None => parse_query(req.query.unwrap_or(""))
            .into_iter()
            .find(|(k, _)| k == "X-Amz-Credential")
            .map(|(_, v)| Cow::Owned(v)),
    }
}

/// An Authorization header (`AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`:
/// the first word is the algorithm, the rest `key=value` pairs separated by commas and/or
/// spaces), read in one pass over its bytes: every request pays for this, and splitting it on
/// a set of chars twice (the checks, then the region) cost as much as parsing the HTTP request.
struct AuthHeader<'a> {
    header: &'a str,
    /// `Credential`, `Signature` and `SignedHeaders`: the text between a pair's first `=` and
    /// the next one (or its end), the last occurrence winning; `None` for a key without `=`.
    params: [Option<&'a str>; 3],
    /// All that follows `Credential=` in the last piece that starts so (after trimming).
    credential: Option<&'a str>,
}

impl<'a> AuthHeader<'a> {
    fn read(header: &'a str) -> AuthHeader<'a> {
        let mut params = [None; 3];
        let mut credential = None;
        for (i, piece) in pieces(header).enumerate() {
            // `piece.trim().strip_prefix(..)`, with the end trimmed only on a match: the
            // prefix ends in `=`, so trimming the end first could not change whether it matches.
            if let Some(rest) = piece.trim_start().strip_prefix("Credential=") {
                credential = Some(rest.trim_end());
            }
            // The first word is the algorithm, never a parameter.
            if i == 0 || piece.is_empty() {
                continue;
            }
            // `piece.split('=')`'s first two parts, found without decoding chars.
            let (key, value) = match find_byte(piece.as_bytes(), |b| b == b'=') {
                Some(at) => {
                    let value = piece.get(at + 1..).unwrap_or("");
                    let end = find_byte(value.as_bytes(), |b| b == b'=').unwrap_or(value.len());
                    (piece.get(..at).unwrap_or(""), value.get(..end))
                }
                None => (piece, None),
            };
            let slot = match key {
                "Credential" => 0,
                "Signature" => 1,
                "SignedHeaders" => 2,
                _ => continue,
            };
            params[slot] = value;
        }
        AuthHeader {
            header,
            params,
            credential,
        }
    }
}

/// The pieces of `text` between commas and spaces, as `text.split([',', ' '])` gives them, found
/// by comparing bytes rather than decoding chars. Both separators are ASCII, so every cut is on a
/// char boundary.
fn pieces(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match find_byte(current.as_bytes(), |b| b == b',' || b == b' ') {
            Some(at) => {
                rest = current.get(at + 1..);
                current.get(..at)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// The first position of a byte that `hit` picks, looking at 16 bytes at a time: the check of a
/// whole block has no early exit, so it compiles to vector compares (the header's 64-digit
/// signature and long credential are crossed in a few steps rather than byte by byte).
fn find_byte(bytes: &[u8], hit: impl Fn(u8) -> bool) -> Option<usize> {
    for (n, chunk) in bytes.chunks(16).enumerate() {
        if let Ok(block) = <&[u8; 16]>::try_from(chunk) {
            if !block.iter().fold(false, |any, &b| any | hit(b)) {
                continue;
            }
        }
        if let Some(at) = chunk.iter().position(|&b| hit(b)) {
            return Some(n * 16 + at);
        }
    }
    None
}

/// DynamoDB's checks that SigV4 credentials are present and complete, with its texts. The
/// signature itself is not verified: a local endpoint accepts any key and secret.
fn check_auth<H: Headers>(
    req: &Request<'_, H>,
    auth: Option<&AuthHeader<'_>>,
) -> Result<(), ApiError> {
    let auth = auth.filter(|a| !a.header.is_empty());
    let query = parse_query(req.query.unwrap_or(""));
    let query_value = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let query_auth = query_value("X-Amz-Algorithm").is_some();

    if auth.is_some() && query_auth {
        return Err(ApiError::new(
            ErrorKind::InvalidSignatureException,
            "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
        ));
    }
    let signed_v4 = auth.is_some_and(|a| a.header.trim().starts_with("AWS4-"));
    if !(signed_v4 || auth.is_none() && query_auth) {
        return Err(ApiError::new(
            ErrorKind::MissingAuthenticationTokenException,
            "Request is missing Authentication Token",
        ));
    }

    let mut message = String::new();
    if let Some(auth) = auth {
        for (param, value) in ["Credential", "Signature", "SignedHeaders"]
            .iter()
            .zip(auth.params)
        {
            // An empty value counts as missing.
            if value.is_none_or(str::is_empty) {
                message.push_str(&format!(
                    "Authorization header requires '{param}' parameter. "
                ));
            }
        }
        let has_date = |name| req.headers.get(name).is_some_and(|v| !v.is_empty());
        if !has_date("x-amz-date") && !has_date("date") {
            message.push_str(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
            );
        }
        if !message.is_empty() {
            message.push_str("Authorization=");
            message.push_str(auth.header);
        }
    } else {
        for param in [
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Signature",
            "X-Amz-SignedHeaders",
            "X-Amz-Date",
        ] {
            if query_value(param).is_none_or(str::is_empty) {
                message.push_str(&format!(
                    "AWS query-string parameters must include '{param}'. "
                ));
            }
        }
        if !message.is_empty() {
            message.push_str("Re-examine the query-string parameters.");
        }
    }
    if message.is_empty() {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorKind::IncompleteSignatureException,
            message,
        ))
    }
}

/// Splits a query string into decoded `(key, value)` pairs (`+` is a space, `%XX` a byte).
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 2;
                }
                // A stray `%` stays as it is, as Node's query parser leaves it.
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// A fresh request id in DynamoDB's shape: 52 characters from `A-Z0-9`. Unique per process (a
/// counter) and unpredictable across processes (std's randomly seeded hasher), with no RNG crate.
pub fn request_id_bytes() -> [u8; 52] {
    const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static SEED: OnceLock<std::collections::hash_map::RandomState> = OnceLock::new();
    let seed = SEED.get_or_init(Default::default);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    // One keyed hash of the counter, then splitmix64 steps for the further blocks: an id is on
    // every answer, and five SipHash rounds were a visible share of a GetItem's server time.
    let mut hasher = seed.build_hasher();
    hasher.write_u64(n);
    let mut state = hasher.finish();
    let mut id = [0u8; 52];
    for block in id.chunks_mut(12) {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut bits = state;
        bits = (bits ^ (bits >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        bits = (bits ^ (bits >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        bits ^= bits >> 31;
        // 36^12 < 2^64, so 12 characters per block are all uniformly drawn.
        for c in block {
            *c = ALPHABET[(bits % 36) as usize];
            bits /= 36;
        }
    }
    id
}

/// [`request_id_bytes`] as text.
pub fn request_id() -> String {
    request_id_bytes().iter().map(|&c| char::from(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_only_known_operations() {
        assert_eq!(
            route("DynamoDB_20120810.ListTables").as_deref(),
            Some("ListTables")
        );
        assert_eq!(route("DynamoDB_20120810.Nope"), None);
        assert_eq!(route("DynamoDB_20120810.ListTables.x"), None);
        assert_eq!(
            route("DynamoDBStreams_20120810.ListStreams").as_deref(),
            Some("Streams.ListStreams")
        );
        assert_eq!(route("DynamoDBStreams_20120810.PutItem"), None);
        assert_eq!(
            route("DynaplayDaxSimulation.GetItem").as_deref(),
            Some("Dax.GetItem")
        );
        assert_eq!(route("DynaplayDaxSimulation.CreateTable"), None);
        assert_eq!(route(""), None);
    }

    #[test]
    fn operation_lists_are_sorted_for_binary_search() {
        for operations in [DYNAMODB_OPERATIONS, STREAMS_OPERATIONS] {
            assert!(operations.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn scope_regions_are_the_third_part() {
        for scope in [
            "AKID/20260101/eu-west-1/dynamodb/aws4_request",
            "a/b/c",
            "a/b/",
            "a/b",
            "a",
            "",
            "//x/",
            "é/ü/ap-south-1",
        ] {
            assert_eq!(scope_region(scope), scope.split('/').nth(2), "{scope}");
        }
    }

    #[test]
    fn byte_search_finds_the_first_hit_in_every_block() {
        let text = "x".repeat(50);
        for at in 0..50 {
            let mut bytes = text.clone().into_bytes();
            bytes[at] = b',';
            if at + 5 < 50 {
                bytes[at + 5] = b' ';
            }
            assert_eq!(find_byte(&bytes, |b| b == b',' || b == b' '), Some(at));
        }
        assert_eq!(find_byte(text.as_bytes(), |b| b == b','), None);
        assert_eq!(find_byte(b"", |b| b == b','), None);
    }

    #[test]
    fn decodes_query_strings() {
        assert_eq!(
            parse_query("X-Amz-Algorithm=AWS4%2dHMAC&a=b+c&flag"),
            vec![
                ("X-Amz-Algorithm".to_string(), "AWS4-HMAC".to_string()),
                ("a".to_string(), "b c".to_string()),
                ("flag".to_string(), String::new()),
            ]
        );
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[test]
    fn auth_params_take_the_last_value_between_equals_signs() {
        let params = |h| AuthHeader::read(h).params;
        let h = "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host,Signature=1=2 Credential=c";
        assert_eq!(params(h), [Some("c"), Some("1"), Some("host")]);
        assert_eq!(
            params("AWS4-HMAC-SHA256 Credential= Signature"),
            [Some(""), None, None]
        );
        // The first word is the algorithm, never a parameter.
        assert_eq!(params("Credential=x"), [None, None, None]);
    }

    #[test]
    fn one_pass_reads_what_splitting_on_chars_read() {
        // The byte scan replaced `split([',', ' '])` (twice: the checks kept the value between
        // `=` signs, the region the last `Credential=` piece trimmed); it must read the same.
        let headers = [
            "AWS4-HMAC-SHA256 Credential=k/20240101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
            "AWS4-HMAC-SHA256 Credential=a/b/c=d/e,,Credential=\tCredential=x/y/us-west-2 ",
            "AWS4-HMAC-SHA256,Credential=é/ü/ap-south-1,Signature",
            "Credential=first/2024/eu-north-1 AWS4",
            "AWS4-X Credential Credential=",
            "",
            " , ,",
        ];
        for header in headers {
            assert_eq!(
                pieces(header).collect::<Vec<_>>(),
                header.split([',', ' ']).collect::<Vec<_>>()
            );
            let plain_credential = header
                .split([',', ' '])
                .rev()
                .find_map(|p| p.trim().strip_prefix("Credential="));
            assert_eq!(
                AuthHeader::read(header).credential,
                plain_credential,
                "{header}"
            );
        }
    }

    #[test]
    fn request_ids_are_fresh_and_well_formed() {
        let (a, b) = (request_id(), request_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 52);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
    }
}
