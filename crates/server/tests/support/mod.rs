//! What the server's process-level tests share: a temporary data directory and the real
//! server binary started on it (killed with SIGKILL when dropped). Each test file that uses it
//! declares `mod support;`.
#![allow(dead_code)] // each test binary uses its own part of this

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A fresh directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("dynaplay-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
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
