//! What the server's process-level tests share: a temporary data directory and the real
//! server binary started on it (killed with SIGKILL when dropped). Each test file that uses it
//! declares `mod support;`.
#![allow(dead_code)] // each test binary uses its own part of this

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// A fresh directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("dynaplay-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

/// A copy of directory `from` (a fixture) in `dynaplay-<label>-<pid>` under the temporary
/// directory, replacing any earlier one.
pub fn copy_dir(from: &Path, label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dynaplay-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("fixture") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy");
    }
    dir
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running server; killed with SIGKILL when dropped, so a failed assertion leaves none behind.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Server {
    pub fn start(dir: &Path, extra: &[&str]) -> Server {
        Self::start_with(
            Command::new(env!("CARGO_BIN_EXE_dynaplay-server")),
            dir,
            extra,
        )
    }

    /// Starts `command` (the server binary, or a shell that execs it) on `dir` and waits for the
    /// line that names its address.
    pub fn start_with(mut command: Command, dir: &Path, extra: &[&str]) -> Server {
        command
            .args(["--port", "0", "--data-dir"])
            .arg(dir)
            .args(extra)
            .stderr(Stdio::inherit());
        Self::spawn(command)
    }

    /// Starts `command`, fully configured but for stdout, and waits for the line that names its
    /// address.
    pub fn spawn(mut command: Command) -> Server {
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the first line");
        let addr = line
            .trim()
            .rsplit("http://")
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Server { child, addr }
    }

    /// `kill -9`: no chance to flush or close anything.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request on its own connection, signed (by shape: the server checks presence, not the
/// signature) for `region`; answers (status, JSON body).
pub fn call_signed(addr: SocketAddr, region: &str, target: &str, body: &Value) -> (u16, Value) {
    let body = body.to_string();
    let raw = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\n\
         X-Amz-Target: {target}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/{region}/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=abc\r\n\
         X-Amz-Date: 20260101T000000Z\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    stream.write_all(raw.as_bytes()).expect("write");
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).expect("status line");
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).expect("header");
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().expect("a length");
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    (status, serde_json::from_slice(&body).expect("JSON"))
}
