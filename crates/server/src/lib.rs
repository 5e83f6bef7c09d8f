//! The native DynamoDB endpoint as a library: [`serve`] runs the HTTP server around an engine,
//! [`protocol`] holds the wire rules, [`SystemClock`] gives the engine real time, and
//! [`file_storage`] (with its byte layout in [`file_format`]) keeps data in a `--data-dir`.

pub mod file_format;
pub mod file_storage;
pub mod protocol;

use std::cell::Cell;
use std::convert::Infallible;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use dynaplay_engine::{Clock, Engine};
use file_storage::LogSync;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderName, HeaderValue, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{HeaderMap, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::mpsc;

use protocol::{Headers, Request, MAX_REQUEST_BYTES};

/// Wall-clock time for the engine, which never reads the system clock itself. While this thread
/// runs a request ([`RequestInstant`]) it is the instant the request took the engine: the engine
/// asks for the time several times per call (table status, stream upkeep, TTL, the meters),
/// which was five system clock reads per GetItem, and one instant per request is also what a
/// request sees in DynamoDB.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl SystemClock {
    fn read() -> i64 {
        // A clock before 1970 is a broken machine; 0 keeps the engine going rather than panicking.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        REQUEST_INSTANT
            .with(Cell::get)
            .unwrap_or_else(SystemClock::read)
    }
}

thread_local! {
    /// The instant of the request this thread is running, if any.
    static REQUEST_INSTANT: Cell<Option<i64>> = const { Cell::new(None) };
}

/// While alive, [`SystemClock`] on this thread answers the instant it was made (dropping it goes
/// back to the system clock, also when the engine call unwinds).
pub struct RequestInstant(());

impl RequestInstant {
    pub fn begin() -> RequestInstant {
        REQUEST_INSTANT.with(|t| t.set(Some(SystemClock::read())));
        RequestInstant(())
    }
}

impl Drop for RequestInstant {
    fn drop(&mut self) {
        REQUEST_INSTANT.with(|t| t.set(None));
    }
}

/// The region named in the health answer; the engine's default config reports the same one.
pub const REGION: &str = "us-east-1";

/// The request headers the protocol reads, found in one pass over the request's headers. Looking
/// each up in the `HeaderMap` by a `&str` name parsed and hashed the name again every time, and
/// the Authorization value was checked for visible ASCII once per look-up.
struct RequestHeaders<'a> {
    values: [Option<&'a str>; READ_HEADERS.len()],
    /// For a name the protocol asks for that is not in [`READ_HEADERS`].
    all: &'a HeaderMap,
}

/// Every header name `protocol` looks up, lowercase as hyper keeps them.
const READ_HEADERS: [&str; 8] = [
    "authorization",
    "x-amz-target",
    "content-type",
    "x-amz-date",
    "date",
    "origin",
    "access-control-request-headers",
    "access-control-request-method",
];

impl<'a> RequestHeaders<'a> {
    fn read(all: &'a HeaderMap) -> RequestHeaders<'a> {
        let mut values = [None; READ_HEADERS.len()];
        let mut seen = [false; READ_HEADERS.len()];
        for (name, value) in all {
            if let Some(i) = READ_HEADERS.iter().position(|n| *n == name.as_str()) {
                // The first value of a repeated header, as `HeaderMap::get` gives.
                if !seen[i] {
                    seen[i] = true;
                    values[i] = value.to_str().ok();
                }
            }
        }
        RequestHeaders { values, all }
    }
}

impl Headers for RequestHeaders<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        match READ_HEADERS.iter().position(|n| *n == name) {
            Some(i) => self.values[i],
            None => self.all.get(name).and_then(|v| v.to_str().ok()),
        }
    }
}

/// Serves the engine on an already bound listener until the process ends. Blocks the caller.
/// One worker thread per core, each running its own single-threaded tokio runtime that serves
/// the connections handed to it, as nginx runs a worker per core; the calling thread accepts and
/// deals connections out in turn. The engine, which is `Send` but not `Sync`, sits behind one
/// mutex held only for the `dispatch` call.
///
/// Why not tokio's multi-threaded runtime: measured under `cargo xtask bench-server` it spent
/// 50-56 µs of CPU per GetItem with one client against 30-45 µs here (a task woken on one worker
/// is often run or stolen by the other, a cross-thread wake-up per request), and no less at 16
/// clients (29-33 µs against 23-35 µs).
///
/// Why one acceptor dealing connections out rather than every worker accepting from the shared
/// listener: the first worker woken took them all (wrk's 16 connections all landed on one
/// thread), so one core served while the other idled. Dealing in turn splits them evenly
/// without SO_REUSEPORT, which the already bound listener a caller passes in cannot have.
pub fn serve(listener: TcpListener, engine: Engine) -> std::io::Result<()> {
    serve_with_sync(listener, engine, None)
}

/// [`serve`] for an engine over a `FileStorage` opened with `Options::group_commit`: every answer
/// waits on `sync` (outside the engine mutex) until what it may depend on is on disk.
pub fn serve_with_sync(
    listener: TcpListener,
    engine: Engine,
    sync: Option<Arc<LogSync>>,
) -> std::io::Result<()> {
    let engine = Arc::new(Mutex::new(engine));
    // Accepting blocks this thread; the workers' runtimes own the connections' non-blocking I/O.
    listener.set_nonblocking(false)?;
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut workers = Vec::with_capacity(threads);
    for _ in 0..threads {
        let (connections, incoming) = mpsc::unbounded_channel();
        let engine = Arc::clone(&engine);
        let sync = sync.clone();
        // A worker that fails to start drops its receiver; the acceptor then skips it.
        std::thread::spawn(move || serve_on_this_thread(incoming, engine, sync));
        workers.push(connections);
    }
    let mut next = 0;
    loop {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            // Out of file descriptors or a connection reset before accept: drop it and go on; a
            // server that exits here would take every other client down with it. The pause
            // keeps a lasting failure (no descriptors) from spinning a core.
            Err(_) => {
                std::thread::sleep(std::time::Duration::from_millis(1));
                continue;
            }
        };
        let mut stream = Some(stream);
        for _ in 0..workers.len() {
            next = (next + 1) % workers.len();
            match stream.take().map(|s| workers[next].send(s)) {
                Some(Err(mpsc::error::SendError(back))) => stream = Some(back),
                _ => break,
            }
        }
        if stream.is_some() {
            return Err(std::io::Error::other("no server worker thread is running"));
        }
    }
}

fn serve_on_this_thread(
    incoming: mpsc::UnboundedReceiver<std::net::TcpStream>,
    engine: Arc<Mutex<Engine>>,
    sync: Option<Arc<LogSync>>,
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    runtime.block_on(serve_connections(incoming, engine, sync));
    Ok(())
}

/// Serves each connection the acceptor hands this worker, on this worker's runtime.
async fn serve_connections(
    mut incoming: mpsc::UnboundedReceiver<std::net::TcpStream>,
    engine: Arc<Mutex<Engine>>,
    sync: Option<Arc<LogSync>>,
) {
    while let Some(stream) = incoming.recv().await {
        // A connection that cannot join the runtime is dropped (closed); the others go on.
        let Ok(stream) = stream
            .set_nonblocking(true)
            .and_then(|()| tokio::net::TcpStream::from_std(stream))
        else {
            continue;
        };
        // Answers are small and written in one go; Nagle would only add latency.
        let _ = stream.set_nodelay(true);
        let engine = Arc::clone(&engine);
        let sync = sync.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let engine = Arc::clone(&engine);
                let sync = sync.clone();
                async move { Ok::<_, Infallible>(handle(&engine, sync, req).await) }
            });
            // A client that hangs up mid-request is its own problem; nothing to report.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Reads the body (up to the limit), runs the protocol and turns its answer into a response.
async fn handle(
    engine: &Mutex<Engine>,
    sync: Option<Arc<LogSync>>,
    req: hyper::Request<Incoming>,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    // A declared length over the limit is refused without reading a byte of it.
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = if declared.is_some_and(|n| n > MAX_REQUEST_BYTES as u64) {
        None
    } else {
        match read_body(body).await {
            Ok(body) => body,
            // The client broke the framing or went away; there is no DynamoDB answer for that.
            Err(_) => return build(protocol_error()),
        }
    };
    let headers = RequestHeaders::read(&parts.headers);
    let request = Request {
        method: parts.method.as_str(),
        query: parts.uri.query(),
        headers: &headers,
        body: body.as_deref(),
    };
    let answer = protocol::respond(engine, REGION, &request);
    if let Some(sync) = sync {
        wait_durable(sync).await;
    }
    build(answer)
}

/// Group commit's barrier: nothing is answered before the log records it may depend on are on
/// disk. The sync blocks, so it runs on tokio's blocking pool and this worker's other
/// connections go on meanwhile (each worker is a single-threaded runtime).
async fn wait_durable(sync: Arc<LogSync>) {
    if sync.is_durable() {
        return;
    }
    let outcome = tokio::task::spawn_blocking(move || sync.wait()).await;
    let failure = match outcome {
        Ok(Ok(())) => return,
        Ok(Err(e)) => e.to_string(),
        Err(e) => format!("the sync task failed: {e}"),
    };
    // The engine already shows writes the disk may not hold, and after a failed fsync the kernel
    // may have dropped them: no answer from this memory can be trusted. Stop, like a database
    // does on a failed fsync; the next start recovers exactly what is on disk.
    eprintln!("error: {failure}; stopping so that a restart recovers what is on disk");
    std::process::exit(70);
}

/// A 400 with an empty body and a closed connection, for bodies that could not be read.
fn protocol_error() -> protocol::Answer {
    protocol::Answer {
        status: 400,
        ..protocol::too_large()
    }
}

/// The whole body, or `None` when it is longer than [`MAX_REQUEST_BYTES`] (read up to there).
/// A body that came in one frame, as a small request does, is kept as that frame's bytes, with
/// no list of frames built to hold it (`http_body_util`'s `collect` allocates one per request).
async fn read_body(mut body: Incoming) -> Result<Option<Bytes>, hyper::Error> {
    let mut first = Bytes::new();
    let mut joined: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        // Trailers carry nothing DynamoDB reads.
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        if first.len() + joined.len() + data.len() > MAX_REQUEST_BYTES {
            return Ok(None);
        }
        if first.is_empty() && joined.is_empty() {
            first = data;
        } else {
            if joined.is_empty() {
                joined.extend_from_slice(&std::mem::take(&mut first));
            }
            joined.extend_from_slice(&data);
        }
    }
    Ok(Some(if joined.is_empty() {
        first
    } else {
        Bytes::from(joined)
    }))
}

const X_AMZN_REQUESTID: HeaderName = HeaderName::from_static("x-amzn-requestid");
const X_AMZ_CRC32: HeaderName = HeaderName::from_static("x-amz-crc32");

/// Adds the headers every DynamoDB answer carries: a fresh request id and the CRC32 of the body.
fn build(answer: protocol::Answer) -> Response<Full<Bytes>> {
    let crc = crc32fast::hash(answer.body.as_bytes());
    let mut response = Response::new(Full::new(Bytes::from(answer.body)));
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    if let Ok(id) = HeaderValue::from_bytes(&protocol::request_id_bytes()) {
        headers.insert(X_AMZN_REQUESTID, id);
    }
    headers.insert(X_AMZ_CRC32, HeaderValue::from(crc));
    if let Some(content_type) = answer.content_type {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    for (name, value) in answer.headers {
        // Echoed request headers were valid on the way in; skip one that is not, never fail.
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    if answer.close {
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_reads_one_instant_then_the_system_clock_again() {
        let instant = RequestInstant::begin();
        let first = SystemClock.now_millis();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(SystemClock.now_millis(), first);
        drop(instant);
        assert!(SystemClock.now_millis() >= first + 5);
    }
}
