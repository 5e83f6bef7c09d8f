//! `dynaplay-server`: the Dynaplay engine behind DynamoDB's HTTP endpoint, for the AWS CLI and SDKs.
//!
//! Why hyper 1 + tokio rather than tiny_http: the engine is one mutex, so throughput is bounded by
//! how cheaply the server gets requests to it and answers back. hyper keeps connections alive,
//! parses HTTP with a fuzzed parser (chunked bodies, `Expect: 100-continue` from SDKs) and
//! multiplexes thousands of idle SDK connections on a couple of worker threads, where tiny_http
//! spends a thread per connection. The cost is small: with only the `server`/`http1` features of
//! hyper and `rt-multi-thread`/`net` of tokio there is no proc-macro and about 15 crates; a clean
//! build of the server takes about 20 s on two cores.

use std::net::{TcpListener, ToSocketAddrs};
use std::process::ExitCode;

use dynaplay_engine::{Engine, EngineConfig, NullStorage};
use dynaplay_server::{serve, SystemClock};

const HELP: &str = "\
dynaplay-server: a DynamoDB-compatible HTTP endpoint backed by the Dynaplay engine (in memory).

USAGE:
    dynaplay-server [--host HOST] [--port PORT] [--no-throttling]

OPTIONS:
    --host HOST    Address to listen on (default 127.0.0.1)
    --port PORT    Port to listen on (default 8000; 0 picks a free port)
    --no-throttling
                   Never answer ProvisionedThroughputExceededException (as DynamoDB Local and
                   dynalite never do); capacity is still counted. For load tests and benchmarks:
                   by default a table throttles past its capacity, as DynamoDB's does
    -h, --help     Print this help

Speaks DynamoDB's JSON 1.0 protocol (POST, X-Amz-Target: DynamoDB_20120810.<Operation>).
Requests must carry SigV4 credentials, as DynamoDB requires, but the signature is NOT verified:
any access key and secret work. Data lives in memory and is gone when the process exits.

EXAMPLE:
    AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_DEFAULT_REGION=us-east-1 \\
        aws dynamodb list-tables --endpoint-url http://127.0.0.1:8000
";

struct Options {
    host: String,
    port: u16,
    throttling: bool,
}

/// Parses the command line; `Err` carries the text to print and the exit code.
fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, (String, u8)> {
    let mut options = Options {
        host: "127.0.0.1".into(),
        port: 8000,
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
            "--no-throttling" => options.throttling = false,
            "--port" => {
                let port = value("--port")?;
                options.port = port
                    .parse()
                    .map_err(|_| (format!("error: invalid port '{port}'\n"), 2))?;
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
    let config = EngineConfig {
        throttling: options.throttling,
        ..EngineConfig::default()
    };
    let engine = match Engine::open(config, Box::new(SystemClock), Box::new(NullStorage)) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match serve(listener, engine) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
