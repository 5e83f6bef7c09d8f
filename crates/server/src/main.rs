//! `dynaplay-server`: the Dynaplay engine behind DynamoDB's HTTP endpoint, for the AWS CLI and SDKs.
//!
//! Why hyper 1 + tokio rather than tiny_http: the engine is one mutex, so throughput is bounded by
//! how cheaply the server gets requests to it and answers back. hyper keeps connections alive,
//! parses HTTP with a fuzzed parser (chunked bodies, `Expect: 100-continue` from SDKs) and
//! multiplexes thousands of idle SDK connections on a couple of worker threads, where tiny_http
//! spends a thread per connection. The cost is small: with only the `server`/`http1` features of
//! hyper and `rt-multi-thread`/`net`/`sync` of tokio there is no proc-macro and about 15 crates
//! (plus mimalloc's C source, compiled by `cc`); a clean build of the server takes about 20 s on
//! two cores.

use std::net::{TcpListener, ToSocketAddrs};

/// mimalloc rather than glibc's malloc: a GetItem makes about 50 small allocations (the request
/// as a JSON tree, header maps, the answer) and two of a kilobyte or more (the answer, hyper's
/// read buffer), and each of those large ones made glibc merge its fast bins first; under
/// `perf` glibc's malloc and free were a fifth of the server's CPU time, mimalloc's about half that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

use dynaplay_engine::{Engine, EngineConfig, NullStorage};
use dynaplay_server::file_storage::LogSync;
use dynaplay_server::file_storage::{self, FileStorage};
use dynaplay_server::{serve_with_sync, SystemClock};
use std::sync::Arc;

const HELP: &str = "\
dynaplay-server: a DynamoDB-compatible HTTP endpoint backed by the Dynaplay engine.

USAGE:
    dynaplay-server [--host HOST] [--port PORT] [--data-dir DIR] [--no-throttling]

OPTIONS:
    --host HOST        Address to listen on (default 127.0.0.1)
    --port PORT        Port to listen on (default 8000; 0 picks a free port)
    --data-dir DIR     Keep the data in DIR (created if missing) and load it at start. Every
                       write is synced to disk before it is acknowledged, so it survives kill -9
                       and power loss. One server per directory. Without it: memory only.
    --compact-after-bytes N
                       With --data-dir: fold the write-ahead log into the snapshot once it
                       holds N bytes (default 67108864)
    --no-throttling    Never answer ProvisionedThroughputExceededException (as DynamoDB Local and
                       dynalite never do); capacity is still counted. For load tests and
                       benchmarks: by default a table throttles past its capacity, as DynamoDB's does
    -h, --help         Print this help

Speaks DynamoDB's JSON 1.0 protocol (POST, X-Amz-Target: DynamoDB_20120810.<Operation>).
Requests must carry SigV4 credentials, as DynamoDB requires, but the signature is NOT verified:
any access key and secret work. Without --data-dir, data lives in memory and is gone when the
process exits.

EXAMPLE:
    AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_DEFAULT_REGION=us-east-1 \\
        aws dynamodb list-tables --endpoint-url http://127.0.0.1:8000
";

struct Options {
    host: String,
    port: u16,
    data_dir: Option<String>,
    storage: file_storage::Options,
    throttling: bool,
}

/// Parses the command line; `Err` carries the text to print and the exit code.
fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, (String, u8)> {
    let mut options = Options {
        host: "127.0.0.1".into(),
        port: 8000,
        data_dir: None,
        storage: file_storage::Options::default(),
        throttling: true,
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        // Accept both `--port 8000` and `--port=8000`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| (format!("error: {name} needs a value\n\n{HELP}"), 2))
        };
        match flag.as_str() {
            "-h" | "--help" => return Err((HELP.to_string(), 0)),
            "--host" => options.host = value("--host")?,
            "--port" => {
                let port = value("--port")?;
                options.port = port
                    .parse()
                    .map_err(|_| (format!("error: invalid port '{port}'\n"), 2))?;
            }
            "--no-throttling" => options.throttling = false,
            "--data-dir" => options.data_dir = Some(value("--data-dir")?),
            "--compact-after-bytes" => {
                let n = value("--compact-after-bytes")?;
                options.storage.compact_after_bytes = n
                    .parse()
                    .map_err(|_| (format!("error: invalid byte count '{n}'\n"), 2))?;
            }
            other => return Err((format!("error: unknown argument '{other}'\n\n{HELP}"), 2)),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err((text, 0)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Err((text, code)) => {
            eprint!("{text}");
            return ExitCode::from(code);
        }
    };
    // The data first: a directory that is locked or damaged must stop the server before it
    // listens, so nothing ever talks to a server that has not got its data.
    // No metrics: nothing in the server shows them (they are the playground's view), so with
    // --no-throttling the meters are skipped; with throttling they still run, deciding it.
    let config = EngineConfig {
        throttling: options.throttling,
        metrics: false,
        ..EngineConfig::default()
    };
    let (engine, sync) = match &options.data_dir {
        None => match Engine::open(config, Box::new(SystemClock), Box::new(NullStorage)) {
            Ok(engine) => (engine, None),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
        Some(dir) => match open_data_dir(dir, config, options.storage) {
            Ok((engine, sync)) => (engine, Some(sync)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let listener = (options.host.as_str(), options.port)
        .to_socket_addrs()
        .and_then(|addrs| TcpListener::bind(addrs.collect::<Vec<_>>().as_slice()));
    let listener = match listener {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!(
                "error: cannot listen on {}:{}: {e}",
                options.host, options.port
            );
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        // One line, so scripts and tests can wait for it and read the port (useful with --port 0).
        Ok(addr) => println!("Dynaplay DynamoDB endpoint listening on http://{addr}"),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    match serve_with_sync(listener, engine, sync) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The engine over a data directory (locked, recovered and compacted by `FileStorage::open_with`)
/// with group commit: requests share syncs, waited on outside the engine mutex.
fn open_data_dir(
    dir: &str,
    config: EngineConfig,
    options: file_storage::Options,
) -> Result<(Engine, Arc<LogSync>), String> {
    let options = file_storage::Options {
        group_commit: true,
        ..options
    };
    let storage = FileStorage::open_with(dir, options)
        .map_err(|e| format!("cannot open the data directory {dir}: {e}"))?;
    let sync = storage.log_sync();
    let engine = Engine::open(config, Box::new(SystemClock), Box::new(storage))
        .map_err(|e| format!("cannot load the data in {dir}: {e}"))?;
    Ok((engine, sync))
}
