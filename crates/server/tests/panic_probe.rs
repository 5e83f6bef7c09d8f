//! A panic while serving one request costs that request only: it is answered with DynamoDB's
//! 500 InternalServerError and the same process goes on serving. The binary under test is the
//! one cargo built for this run, so `cargo test --release -p dynaplay-server --features
//! panic-probe --test panic_probe` checks the release profile: with `panic = "abort"` the first
//! request would kill the process instead (the failure this test exists to catch).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

mod support;
use support::Server;

/// The server on a free port, once it has said where it listens.
fn start() -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dynaplay-server"));
    command
        .args(["--host", "127.0.0.1", "--port", "0"])
        .stderr(Stdio::null());
    Server::spawn(command)
}

/// One request on its own connection (`Connection: close`); the status and body, or the I/O
/// error a dead server gives.
fn call(addr: SocketAddr, extra_header: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let body = "{}";
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=abc\r\n\
         X-Amz-Date: 20240101T000000Z\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n\
         Content-Type: application/x-amz-json-1.0\r\n{extra_header}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    let status = reply
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line in {reply:?}")))?;
    let body = reply.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    Ok((status, body))
}

// Why: the server's catch_unwind only works when panics unwind; this fails on a build whose
// profile aborts (the release profile did, for the wasm's size, until the wasm builds got
// profiles of their own).
#[test]
fn a_panicking_request_gets_500_and_the_server_keeps_serving() {
    let mut server = start();
    for round in 0..3 {
        let (status, body) = call(server.addr, "X-Dynaplay-Panic-Probe: 1\r\n")
            .unwrap_or_else(|e| panic!("round {round}: the server died on a panic: {e}"));
        assert_eq!(status, 500, "{body}");
        assert!(body.contains("InternalServerError"), "{body}");
        // The engine mutex was held when the panic came; the next request still gets it.
        let (status, body) = call(server.addr, "").expect("an ordinary request after the panic");
        assert_eq!((status, body.as_str()), (200, r#"{"TableNames":[]}"#));
    }
    assert!(
        server.child.try_wait().expect("try_wait").is_none(),
        "the process is still running"
    );
}
