//! Share links and files: a sandbox export (format `dynaplay-sandbox`) with the saved requests and
//! the current lesson, as a compressed, versioned URL fragment (`#/shared/<base64url>`) or, when that
//! would be too long for a link, a `.dynaplay.json` file. Whatever comes back in is untrusted: sizes
//! are capped before anything expands, the shape is checked here, and the sandbox document itself
//! is checked by the runtime's `import_document` before a sandbox is made from it. Nothing in a
//! share is ever rendered as HTML or run.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Map, Value};

/// Where a share link's payload starts in the page's URL.
pub const FRAGMENT_PREFIX: &str = "#/shared/";
/// The first byte of every link payload; a later format gets a new number, and this one stays readable.
pub const LINK_VERSION: u8 = 1;
/// The share envelope's format name and version (the file, and a link once decompressed).
pub const SHARE_FORMAT: &str = "dynaplay-share";
pub const SHARE_VERSION: u64 = 1;
/// The sandbox document's format name (the runtime's `exportSandbox`).
pub const SANDBOX_FORMAT: &str = "dynaplay-sandbox";

/// The longest link fragment Share makes. Browsers take far longer URLs (Chromium about 2 MB), but
/// links travel through chat, mail and issue trackers, several of which cut or refuse URLs beyond a
/// few tens of kilobytes; 32 KB holds a sample design of a hundred items, and anything bigger is a
/// file, which has no such limit.
pub const MAX_LINK_CHARS: usize = 32 * 1024;
/// The most JSON a share may expand to, link or file: 16 MiB, well above any sandbox a link can
/// carry and the most a file may be. Decompression stops at this size, so a small "zip bomb" payload
/// is refused after writing at most this much, never expanded in full.
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;
/// Saved requests kept in a share (the Code page keeps as many) and the largest one.
pub const MAX_REQUESTS: usize = 100;
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;
/// File name extension Share downloads and Open accepts.
pub const FILE_EXTENSION: &str = ".dynaplay.json";

/// A request saved with the sandbox, to be run again after opening it.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedRequest {
    /// The operation (`PutItem`) or `Streams.<op>`.
    pub operation: String,
    /// The request's JSON text, as typed.
    pub body: String,
    /// The HTTP status it got when it was run, if it was.
    pub status: Option<u16>,
}

/// Everything a share carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Shared {
    /// The sandbox as the runtime exports it (format `dynaplay-sandbox`): tables, indexes, items,
    /// streams, TTL, backups and the clock offset.
    pub sandbox: Value,
    /// Newest first, as the history lists them.
    pub requests: Vec<SavedRequest>,
    /// The lesson the sharer was on, by id.
    pub lesson: Option<String>,
    /// The data modeler's design (its own document, checked by the modeler when opened).
    pub model: Option<Value>,
}

/// What Share produces: a link when the sandbox fits in one, else a file to download.
#[derive(Debug, Clone, PartialEq)]
pub enum ShareOutput {
    /// The fragment, starting with `#/shared/`; append it to the page's address.
    Link(String),
    /// The file's suggested name and its JSON text, with how long the link would have been.
    File {
        name: String,
        text: String,
        link_chars: usize,
    },
}

/// Why a share could not be read. Every message says what was wrong in words a learner can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum ShareError {
    /// The link is longer than Share ever makes.
    LinkTooLong(usize),
    /// The file is larger than a share may be.
    FileTooLarge(usize),
    /// Not base64url text: the link was cut or changed.
    NotBase64,
    /// The payload's version byte is one this Dynaplay does not read.
    UnknownVersion(u8),
    /// The compressed data is damaged.
    Corrupt,
    /// The data expands past `MAX_DOCUMENT_BYTES`.
    TooLargeExpanded,
    /// The JSON is malformed (with the parser's words).
    NotJson(String),
    /// The JSON is not a share: what is wrong with it.
    Invalid(String),
}

impl std::fmt::Display for ShareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShareError::LinkTooLong(n) => write!(
                f,
                "This share link is {n} characters long; Dynaplay makes links of at most {MAX_LINK_CHARS}, so it was not opened."
            ),
            ShareError::FileTooLarge(n) => write!(
                f,
                "This file is {n} bytes; a shared sandbox may be at most {MAX_DOCUMENT_BYTES} bytes, so it was not opened."
            ),
            ShareError::NotBase64 => f.write_str(
                "This share link is damaged (it is not base64url text): it may have been cut short or edited.",
            ),
            ShareError::UnknownVersion(v) => write!(
                f,
                "This share link has format version {v}; this Dynaplay reads version {LINK_VERSION}."
            ),
            ShareError::Corrupt => f.write_str(
                "This share link is damaged (its compressed data does not decompress): it may have been cut short or edited.",
            ),
            ShareError::TooLargeExpanded => write!(
                f,
                "This share expands to more than {MAX_DOCUMENT_BYTES} bytes, so it was refused."
            ),
            ShareError::NotJson(e) => write!(f, "This share is not valid JSON ({e})."),
            ShareError::Invalid(e) => write!(f, "This is not a Dynaplay share: {e}."),
        }
    }
}

/// The share as one JSON document (what a file holds and a link compresses).
pub fn to_json(shared: &Shared) -> Value {
    let requests: Vec<Value> = shared
        .requests
        .iter()
        .map(|r| {
            let mut request = json!({ "operation": r.operation, "body": r.body });
            if let Some(status) = r.status {
                request["status"] = json!(status);
            }
            request
        })
        .collect();
    let mut doc = json!({
        "format": SHARE_FORMAT,
        "version": SHARE_VERSION,
        "sandbox": shared.sandbox,
        "requests": requests,
    });
    if let Some(lesson) = &shared.lesson {
        doc["lesson"] = Value::String(lesson.clone());
    }
    if let Some(model) = &shared.model {
        doc["model"] = model.clone();
    }
    doc
}

/// Reads a share document, or a bare sandbox export (what `exportSandbox` writes) as a share with no
/// requests. Checks the shape only; the sandbox's contents are `import_document`'s to check.
pub fn from_json(doc: &Value) -> Result<Shared, ShareError> {
    let object = doc
        .as_object()
        .ok_or_else(|| ShareError::Invalid("the document is not a JSON object".into()))?;
    match object.get("format").and_then(Value::as_str) {
        Some(SANDBOX_FORMAT) => {
            return Ok(Shared {
                sandbox: check_sandbox(doc)?,
                requests: Vec::new(),
                lesson: None,
                model: None,
            })
        }
        Some(SHARE_FORMAT) => {}
        _ => {
            return Err(ShareError::Invalid(format!(
                "its \"format\" must be \"{SHARE_FORMAT}\" or \"{SANDBOX_FORMAT}\""
            )))
        }
    }
    match object.get("version").and_then(Value::as_u64) {
        Some(SHARE_VERSION) => {}
        _ => {
            return Err(ShareError::Invalid(format!(
                "its \"version\" must be {SHARE_VERSION}"
            )))
        }
    }
    let sandbox = check_sandbox(
        object
            .get("sandbox")
            .ok_or_else(|| ShareError::Invalid("it has no \"sandbox\"".into()))?,
    )?;
    let requests = match object.get("requests") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => read_requests(list)?,
        Some(_) => return Err(ShareError::Invalid("\"requests\" must be a list".into())),
    };
    let lesson = match object.get("lesson") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) if is_lesson_id(id) => Some(id.clone()),
        Some(_) => {
            return Err(ShareError::Invalid(
                "\"lesson\" must be a lesson id (letters, digits, - and _, at most 64)".into(),
            ))
        }
    };
    // The design's contents are the modeler's to check when it is opened; here only its shape.
    let model = match object.get("model") {
        None | Some(Value::Null) => None,
        Some(m @ Value::Object(_)) => Some(m.clone()),
        Some(_) => {
            return Err(ShareError::Invalid(
                "\"model\" must be a data model document (a JSON object)".into(),
            ))
        }
    };
    Ok(Shared {
        sandbox,
        requests,
        lesson,
        model,
    })
}

/// The lesson a share opens on: its lesson if this Dynaplay bundles one by that id. A share from
/// a newer Dynaplay may name a lesson this one lacks; it then opens as a sandbox alone.
pub fn lesson_to_open(shared: &Shared) -> Option<&str> {
    shared
        .lesson
        .as_deref()
        .filter(|id| matches!(crate::lessons::find(id), Some(Ok(_))))
}

/// The sandbox document's outer shape: an object of the right format whose parts are objects.
fn check_sandbox(sandbox: &Value) -> Result<Value, ShareError> {
    let object = sandbox
        .as_object()
        .ok_or_else(|| ShareError::Invalid("its \"sandbox\" is not a JSON object".into()))?;
    if object.get("format").and_then(Value::as_str) != Some(SANDBOX_FORMAT) {
        return Err(ShareError::Invalid(format!(
            "its sandbox's \"format\" must be \"{SANDBOX_FORMAT}\""
        )));
    }
    for part in ["tables", "items"] {
        if !matches!(object.get(part), Some(Value::Object(_)) | None) {
            return Err(ShareError::Invalid(format!(
                "its sandbox's \"{part}\" must be an object"
            )));
        }
    }
    Ok(sandbox.clone())
}

fn read_requests(list: &[Value]) -> Result<Vec<SavedRequest>, ShareError> {
    if list.len() > MAX_REQUESTS {
        return Err(ShareError::Invalid(format!(
            "it saves {} requests; at most {MAX_REQUESTS} are kept",
            list.len()
        )));
    }
    list.iter()
        .enumerate()
        .map(|(i, r)| {
            let operation = r.get("operation").and_then(Value::as_str);
            let body = r.get("body").and_then(Value::as_str);
            let status = match r.get("status") {
                None | Some(Value::Null) => Some(None),
                Some(s) => s
                    .as_u64()
                    .filter(|s| (100..600).contains(s))
                    .map(|s| Some(s as u16)),
            };
            match (operation, body, status) {
                (Some(op), Some(body), Some(status))
                    if is_operation_name(op) && body.len() <= MAX_REQUEST_BYTES =>
                {
                    Ok(SavedRequest {
                        operation: op.to_string(),
                        body: body.to_string(),
                        status,
                    })
                }
                _ => Err(ShareError::Invalid(format!(
                    "saved request {} needs an operation name and a JSON text body of at most {MAX_REQUEST_BYTES} bytes",
                    i + 1
                ))),
            }
        })
        .collect()
}

/// An operation name as the console sends it: `PutItem` or `Streams.GetRecords`.
fn is_operation_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
}

fn is_lesson_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The link payload: the version byte, then the share's JSON text deflated (raw, no zlib header),
/// all base64url without padding, so it needs no escaping in a URL.
pub fn encode_payload(shared: &Shared) -> String {
    let text = to_json(shared).to_string();
    let mut bytes = vec![LINK_VERSION];
    bytes.extend(miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 9));
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Share: a link fragment when it fits in `MAX_LINK_CHARS`, else a file named after `title`.
pub fn share(shared: &Shared, title: &str) -> ShareOutput {
    let fragment = format!("{FRAGMENT_PREFIX}{}", encode_payload(shared));
    if fragment.len() <= MAX_LINK_CHARS {
        return ShareOutput::Link(fragment);
    }
    ShareOutput::File {
        name: file_name(title),
        text: serde_json::to_string_pretty(&to_json(shared)).unwrap_or_default(),
        link_chars: fragment.len(),
    }
}

/// `title` made safe as a file name, with the share extension.
pub fn file_name(title: &str) -> String {
    let stem: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(60)
        .collect();
    let stem = stem.trim_matches('-');
    format!(
        "{}{FILE_EXTENSION}",
        if stem.is_empty() { "sandbox" } else { stem }
    )
}

/// Reads a link payload (what follows `#/shared/`), refusing anything too long, damaged, of an
/// unknown version or expanding past `MAX_DOCUMENT_BYTES` before it has expanded further.
pub fn decode_payload(payload: &str) -> Result<Shared, ShareError> {
    let chars = payload.len() + FRAGMENT_PREFIX.len();
    if chars > MAX_LINK_CHARS {
        return Err(ShareError::LinkTooLong(chars));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim())
        .map_err(|_| ShareError::NotBase64)?;
    let (&version, compressed) = bytes.split_first().ok_or(ShareError::NotBase64)?;
    if version != LINK_VERSION {
        return Err(ShareError::UnknownVersion(version));
    }
    let text = miniz_oxide::inflate::decompress_to_vec_with_limit(compressed, MAX_DOCUMENT_BYTES)
        .map_err(|e| match e.status {
        miniz_oxide::inflate::TINFLStatus::HasMoreOutput => ShareError::TooLargeExpanded,
        _ => ShareError::Corrupt,
    })?;
    parse(&text)
}

/// Reads a `.dynaplay.json` file's text (a share, or a bare sandbox export).
pub fn decode_file(text: &str) -> Result<Shared, ShareError> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(ShareError::FileTooLarge(text.len()));
    }
    parse(text.as_bytes())
}

fn parse(bytes: &[u8]) -> Result<Shared, ShareError> {
    // serde_json refuses nesting deeper than 128 levels, so a hostile document cannot exhaust the
    // stack; the engine's own limits apply to the items once the sandbox is imported.
    let doc: Value =
        serde_json::from_slice(bytes).map_err(|e| ShareError::NotJson(e.to_string()))?;
    from_json(&doc)
}

/// The table names a sandbox document holds, to say what a share contains before it is opened.
pub fn table_names(sandbox: &Value) -> Vec<String> {
    sandbox
        .get("tables")
        .and_then(Value::as_object)
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default()
}

/// How many items each table of a sandbox document holds.
pub fn item_counts(sandbox: &Value) -> Map<String, Value> {
    sandbox
        .get("items")
        .and_then(Value::as_object)
        .map(|items| {
            items
                .iter()
                .map(|(t, rows)| (t.clone(), json!(rows.as_array().map_or(0, Vec::len))))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sandbox document shaped as the runtime exports it (one table, two items); its contents are
    /// opaque here, since `import_document` is what checks them.
    fn sandbox(items: usize) -> Value {
        let rows: Vec<Value> = (0..items)
            .map(|i| {
                json!([
                    format!("{i:04x}"),
                    format!("{{\"pk\":{{\"S\":\"item-{i}\"}}}}")
                ])
            })
            .collect();
        json!({
            "format": SANDBOX_FORMAT,
            "version": 1,
            "clockOffsetMillis": 3_600_000,
            "tables": { "Music": "{\"name\":\"Music\"}" },
            "items": { "Music": rows },
            "streams": {},
            "streamRecords": {},
            "backups": {},
            "continuousBackups": {},
            "changes": {},
        })
    }

    fn shared(items: usize) -> Shared {
        Shared {
            sandbox: sandbox(items),
            requests: vec![SavedRequest {
                operation: "GetItem".into(),
                body: r#"{"TableName":"Music","Key":{"pk":{"S":"item-1"}}}"#.into(),
                status: Some(200),
            }],
            lesson: Some("single-table-1".into()),
            model: Some(json!({"entities": [], "note": "a design travels as it is"})),
        }
    }

    fn payload_of(link: &ShareOutput) -> &str {
        match link {
            ShareOutput::Link(fragment) => fragment
                .strip_prefix(FRAGMENT_PREFIX)
                .unwrap_or_else(|| panic!("not a share fragment: {fragment}")),
            other => panic!("expected a link, got {other:?}"),
        }
    }

    // The round trip is the feature: what is shared is exactly what is opened.
    #[test]
    fn a_link_round_trips_sandbox_requests_and_lesson() {
        let original = shared(20);
        let link = share(&original, "Music");
        let payload = payload_of(&link);
        assert!(payload
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(decode_payload(payload), Ok(original));
    }

    // The sharer's lesson comes back out of the link, and the link opens on it only if it is a
    // lesson this Dynaplay has.
    #[test]
    fn a_link_opens_on_the_sharers_lesson_when_it_exists() {
        let mut original = shared(3);
        original.lesson = Some("ttl".into());
        let opened = decode_payload(payload_of(&share(&original, "Music"))).expect("decodes");
        assert_eq!(lesson_to_open(&opened), Some("ttl"));
        original.lesson = Some("a-lesson-from-the-future".into());
        let opened = decode_payload(payload_of(&share(&original, "Music"))).expect("decodes");
        assert_eq!(opened.lesson.as_deref(), Some("a-lesson-from-the-future"));
        assert_eq!(lesson_to_open(&opened), None);
        original.lesson = None;
        let opened = decode_payload(payload_of(&share(&original, "Music"))).expect("decodes");
        assert_eq!(lesson_to_open(&opened), None);
    }

    // Compression is what makes links useful: repetitive items must shrink a lot.
    #[test]
    fn links_are_compressed() {
        let original = shared(200);
        let plain = to_json(&original).to_string().len();
        let link = share(&original, "Music");
        assert!(
            payload_of(&link).len() * 4 < plain,
            "{} vs {plain}",
            payload_of(&link).len()
        );
    }

    // Too big for a link: a file that opens the same way, named for the sandbox.
    #[test]
    fn a_sandbox_too_large_for_a_link_becomes_a_file_that_opens() {
        let mut original = shared(0);
        // Random-looking item texts do not compress, so the link would pass 32 KB.
        let mut seed: u64 = 7;
        let rows: Vec<Value> = (0..1000)
            .map(|i| {
                let noise: String = (0..40)
                    .map(|_| {
                        seed = seed
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1_442_695_040_888_963_407);
                        char::from(b'a' + ((seed >> 33) % 26) as u8)
                    })
                    .collect();
                json!([format!("{i:04x}"), noise])
            })
            .collect();
        original.sandbox["items"]["Music"] = Value::Array(rows);
        match share(&original, "My sandbox!") {
            ShareOutput::File {
                name,
                text,
                link_chars,
            } => {
                assert_eq!(name, "My-sandbox.dynaplay.json");
                assert!(link_chars > MAX_LINK_CHARS);
                assert_eq!(decode_file(&text), Ok(original));
            }
            other => panic!("expected a file, got a link of {} chars", {
                payload_of(&other).len()
            }),
        }
    }

    // A bare `exportSandbox` file is a share with no requests.
    #[test]
    fn a_bare_sandbox_export_opens_as_a_share() {
        let text = sandbox(3).to_string();
        let opened = decode_file(&text).map_err(|e| e.to_string());
        assert_eq!(
            opened,
            Ok(Shared {
                sandbox: sandbox(3),
                requests: vec![],
                lesson: None,
                model: None
            })
        );
    }

    // A zip bomb: a few KB that would expand to far more than the cap; refused at the cap.
    #[test]
    fn a_payload_expanding_past_the_cap_is_refused() {
        let huge = vec![b' '; MAX_DOCUMENT_BYTES + 1024];
        let mut bytes = vec![LINK_VERSION];
        bytes.extend(miniz_oxide::deflate::compress_to_vec(&huge, 9));
        let payload = URL_SAFE_NO_PAD.encode(&bytes);
        assert!(payload.len() < MAX_LINK_CHARS, "{}", payload.len());
        assert_eq!(decode_payload(&payload), Err(ShareError::TooLargeExpanded));
    }

    // Tampering anywhere must give a clear refusal, never a panic or a half-read share.
    #[test]
    fn damaged_links_are_refused_with_reasons() {
        let good = share(&shared(5), "x");
        let payload = payload_of(&good).to_string();
        assert_eq!(decode_payload("not*base64"), Err(ShareError::NotBase64));
        assert_eq!(decode_payload(""), Err(ShareError::NotBase64));
        let mut bytes = URL_SAFE_NO_PAD.decode(&payload).unwrap_or_default();
        bytes[0] = 9;
        assert_eq!(
            decode_payload(&URL_SAFE_NO_PAD.encode(&bytes)),
            Err(ShareError::UnknownVersion(9))
        );
        // Cut short: the deflate stream ends early.
        let cut = &payload[..payload.len() / 2];
        assert!(matches!(
            decode_payload(cut),
            Err(ShareError::Corrupt | ShareError::NotBase64)
        ));
        // Every single-character change is either refused or still a well-formed share.
        for i in (0..payload.len()).step_by(7) {
            let mut chars: Vec<char> = payload.chars().collect();
            chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
            let tampered: String = chars.into_iter().collect();
            if let Ok(opened) = decode_payload(&tampered) {
                assert!(opened.sandbox.is_object());
            }
        }
        let long = "A".repeat(MAX_LINK_CHARS);
        assert!(matches!(
            decode_payload(&long),
            Err(ShareError::LinkTooLong(_))
        ));
    }

    // Valid JSON that is not a share: each wrong part is named.
    #[test]
    fn documents_of_the_wrong_shape_are_refused() {
        let cases = [
            (json!([1, 2]), "not a JSON object"),
            (json!({ "format": "other" }), "\"format\" must be"),
            (
                json!({ "format": SHARE_FORMAT, "version": 2, "sandbox": sandbox(1) }),
                "\"version\" must be 1",
            ),
            (
                json!({ "format": SHARE_FORMAT, "version": 1 }),
                "no \"sandbox\"",
            ),
            (
                json!({ "format": SHARE_FORMAT, "version": 1, "sandbox": { "format": "x" } }),
                "sandbox's \"format\"",
            ),
            (
                json!({ "format": SHARE_FORMAT, "version": 1, "sandbox": sandbox(1), "requests": {} }),
                "must be a list",
            ),
            (
                json!({ "format": SHARE_FORMAT, "version": 1, "sandbox": sandbox(1),
                        "requests": [{ "operation": "<script>", "body": "{}" }] }),
                "saved request 1",
            ),
            (
                json!({ "format": SHARE_FORMAT, "version": 1, "sandbox": sandbox(1),
                        "requests": [{ "operation": "GetItem", "body": "{}", "status": 99_999 }] }),
                "saved request 1",
            ),
            (
                json!({ "format": SHARE_FORMAT, "version": 1, "sandbox": sandbox(1), "lesson": "a b" }),
                "\"lesson\" must be",
            ),
        ];
        for (doc, expected) in cases {
            match decode_file(&doc.to_string()) {
                Err(e) => assert!(e.to_string().contains(expected), "{e} lacks {expected}"),
                Ok(s) => panic!("{doc} was accepted as {s:?}"),
            }
        }
        assert!(matches!(decode_file("{"), Err(ShareError::NotJson(_))));
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(decode_file(&deep), Err(ShareError::NotJson(_))));
    }

    #[test]
    fn the_summary_names_tables_and_counts_items() {
        let doc = sandbox(4);
        assert_eq!(table_names(&doc), vec!["Music".to_string()]);
        assert_eq!(item_counts(&doc)["Music"], json!(4));
    }
}
