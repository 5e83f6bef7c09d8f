//! The server part of `cargo xtask bench` (also `cargo xtask bench-server`): the Dynaplay server
//! against dynalite, moto's server and a fixed-response nginx (the ceiling any HTTP server reaches
//! here), all under the same wrk scripts (`tests/bench/wrk/`) over loopback, then the engine's
//! scaling with 10 thousand to 1 million items (`crates/server/examples/scaling.rs`). It measures;
//! it asserts nothing but that every system answered correctly before it was measured.

use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::figures::{Load, Measured, Scaling, ServerFigures, System, CONCURRENCY, SCENARIOS};
use super::table::thousands;
use crate::process::{command, output, root, run};

/// Pinned so a rerun measures the same peers.
pub const DYNALITE_VERSION: &str = "4.0.0";
pub const MOTO_VERSION: &str = "5.2.5";
const TABLE: &str = "bench";
/// The preloaded table: this many partitions of 10 items of 1 KB (the wrk scripts read them).
const PARTITIONS: usize = 1000;
const PER_PARTITION: usize = 10;
/// pk + "p00000" (8), sk + "s00" (5), data (4) and the padding make 1,024 bytes.
const PADDING: usize = 1024 - 8 - 5 - 4;
/// Where the peers and the opt-level 3 server build live, out of the way of other targets.
pub const PEERS_DIR: &str = "target/bench-peers";
const SERVER_TARGET_DIR: &str = "target/bench-server";

/// Installs the peers, builds the server, measures every system under wrk for `seconds` per cell,
/// then the in-process scaling at each of `sizes`.
pub fn run_part(seconds: u64, sizes: &[usize]) -> Result<ServerFigures, String> {
    install_tools()?;
    build_server()?;
    let mut figures = ServerFigures::default();
    // A peer that cannot be installed or measured is recorded and the others still run: its
    // cells stay empty and the section names what went wrong.
    for system in [
        System::Nginx,
        System::Dynaplay,
        System::Dynalite,
        System::Moto,
    ] {
        println!("\n== {} ==", system.name());
        match install_peer(system).and_then(|()| measure(system, seconds)) {
            Ok(measured) => figures.measured.push(measured),
            Err(e) => {
                eprintln!("xtask: {} not measured: {e}", system.name());
                figures.failures.push((system, e));
            }
        }
    }
    println!("\n== scaling (in-process) ==");
    for n in sizes {
        let bin = root()
            .join(SERVER_TARGET_DIR)
            .join("release/examples/scaling");
        let row = output(&bin.to_string_lossy(), &[&n.to_string()])
            .ok_or_else(|| format!("the scaling example failed for {n} items"))?;
        println!("{row}");
        figures.scaling.push(parse_scaling(&row)?);
    }
    Ok(figures)
}

/// A row the scaling example prints: `| 10000 | 36155 | 5.6 / 10.2 | 39.1 / 5840.7 |
/// 0.082 s (8.19 µs/item) | 2177 B | 31 MB |`.
fn parse_scaling(row: &str) -> Result<Scaling, String> {
    let numbers: Vec<f64> = row
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|t| !t.is_empty() && *t != ".")
        .map(|t| t.parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("the scaling example printed {row:?}"))?;
    match numbers[..] {
        [items, load, gp50, gp99, qp50, qp99, scan, per, bytes, peak] => Ok(Scaling {
            items: items as u64,
            load_per_second: load,
            get_p50: gp50,
            get_p99: gp99,
            query_p50: qp50,
            query_p99: qp99,
            scan_seconds: scan,
            scan_us_per_item: per,
            bytes_per_item: bytes,
            peak_mb: peak,
        }),
        _ => Err(format!(
            "the scaling example printed {row:?}, not the 10 figures of a row"
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Installing the peers; each step skips itself when present.

/// wrk and nginx, without which nothing here can be measured.
fn install_tools() -> Result<(), String> {
    if output("wrk", &["-v"]).is_some() || Path::new("/usr/bin/wrk").exists() {
        println!("ok: wrk already installed");
    } else {
        apt(&["wrk"])?;
    }
    if Path::new("/usr/sbin/nginx").exists() {
        println!("ok: nginx already installed");
    } else {
        apt(&["nginx-light"])?;
    }
    Ok(())
}

/// A peer emulator, installed under `target/bench-peers/` unless the pinned version is there.
fn install_peer(system: System) -> Result<(), String> {
    let peers = root().join(PEERS_DIR);
    match system {
        System::Dynalite => {
            let dynalite = peers.join("dynalite");
            let installed = fs::read_to_string(dynalite.join("node_modules/dynalite/package.json"))
                .unwrap_or_default()
                .contains(&format!("\"version\": \"{DYNALITE_VERSION}\""));
            if installed {
                println!("ok: dynalite {DYNALITE_VERSION} already installed");
                return Ok(());
            }
            fs::create_dir_all(&dynalite).map_err(|e| format!("{}: {e}", dynalite.display()))?;
            fs::write(dynalite.join("package.json"), "{\"private\":true}\n")
                .map_err(|e| format!("cannot write dynalite's package.json: {e}"))?;
            let mut cmd = command(
                "npm",
                &[
                    "install",
                    "--no-audit",
                    "--no-fund",
                    &format!("dynalite@{DYNALITE_VERSION}"),
                ],
            );
            cmd.current_dir(&dynalite);
            run(cmd)
        }
        System::Moto => {
            let python = peers.join("moto-venv/bin/python");
            let have = output(
                &python.to_string_lossy(),
                &["-c", "import moto, flask; print(moto.__version__)"],
            );
            if have.as_deref() == Some(MOTO_VERSION) {
                println!("ok: moto {MOTO_VERSION} already installed");
                return Ok(());
            }
            if !python.exists() {
                let venv = peers.join("moto-venv").to_string_lossy().into_owned();
                run(command("python3", &["-m", "venv", &venv]))?;
            }
            run(command(
                &python.to_string_lossy(),
                &[
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    &format!("moto[server]=={MOTO_VERSION}"),
                ],
            ))
        }
        System::Dynaplay | System::Nginx => Ok(()),
    }
}

fn apt(packages: &[&str]) -> Result<(), String> {
    let root_user = output("id", &["-u"]).as_deref() == Some("0");
    let apt_get = |args: &[&str]| {
        let mut cmd = if root_user {
            command("apt-get", args)
        } else {
            let mut cmd = command("sudo", &["apt-get"]);
            cmd.args(args);
            cmd
        };
        cmd.env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run(apt_get(&["update"]))?;
    let mut args = vec!["install", "-y", "--no-install-recommends"];
    args.extend_from_slice(packages);
    run(apt_get(&args))
}

/// The server and the scaling example with the workspace's `release` profile, the native one
/// (opt-level 3, fat LTO, unwinding), in a target directory of their own.
fn build_server() -> Result<(), String> {
    run(command(
        "cargo",
        &[
            "build",
            "--release",
            "-p",
            "dynaplay-server",
            "--bin",
            "dynaplay-server",
            "--example",
            "scaling",
            "--target-dir",
            SERVER_TARGET_DIR,
        ],
    ))
}

// ---------------------------------------------------------------------------------------------
// Running one system.

/// A started server, stopped (TERM, then KILL) when dropped, even when the bench fails midway.
struct Server {
    child: Child,
    port: u16,
    _dir: TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory removed when dropped (nginx's config and logs, each server's output).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free loopback port: {e}"))
}

fn start(system: System) -> Result<Server, String> {
    let port = free_port()?;
    let dir = std::env::temp_dir().join(format!(
        "dynaplay-bench-{}-{}",
        system.name().replace(' ', "-"),
        std::process::id()
    ));
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let dir = TempDir(dir);
    let peers = root().join(PEERS_DIR);
    let port_text = port.to_string();
    let mut cmd = match system {
        System::Dynaplay => {
            let bin = root()
                .join(SERVER_TARGET_DIR)
                .join("release/dynaplay-server");
            // dynalite and moto never throttle; without this flag Dynaplay answers a load past an
            // on-demand table's capacity with ProvisionedThroughputExceededException, as DynamoDB.
            let mut cmd = Command::new(bin);
            cmd.args(["--port", &port_text, "--no-throttling"]);
            cmd
        }
        System::Dynalite => {
            // In memory (no --path); tables active at once, as Dynaplay's are.
            let mut cmd = Command::new("node");
            cmd.arg(peers.join("dynalite/node_modules/dynalite/cli.js"))
                .args(["--host", "127.0.0.1", "--port", &port_text])
                .args(["--createTableMs", "0", "--deleteTableMs", "0"]);
            cmd
        }
        System::Moto => {
            let mut cmd = Command::new(peers.join("moto-venv/bin/moto_server"));
            cmd.args(["-H", "127.0.0.1", "-p", &port_text]);
            cmd
        }
        System::Nginx => {
            let config = nginx_config(&dir.0, port);
            let path = dir.0.join("nginx.conf");
            fs::write(&path, config).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut cmd = Command::new("nginx");
            cmd.arg("-p")
                .arg(&dir.0)
                .arg("-c")
                .arg(&path)
                .args(["-e", "stderr"]);
            cmd
        }
    };
    let log = fs::File::create(dir.0.join("server.log"))
        .map_err(|e| format!("cannot create the server log: {e}"))?;
    let log_err = log
        .try_clone()
        .map_err(|e| format!("cannot share the server log: {e}"))?;
    cmd.current_dir(root())
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err);
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", system.name()))?;
    let server = Server {
        child,
        port,
        _dir: dir,
    };
    // Up when it accepts a connection; moto takes a few seconds to import.
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let log = fs::read_to_string(server._dir.0.join("server.log")).unwrap_or_default();
            return Err(format!(
                "{} did not listen on {port} within 60 s:\n{log}",
                system.name()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(server)
}

/// The body nginx answers every request with: what a GetItem of one preloaded item returns.
fn get_item_answer() -> String {
    format!(
        r#"{{"Item":{{"pk":{{"S":"p00042"}},"sk":{{"S":"s03"}},"data":{{"S":"{}"}}}}}}"#,
        "x".repeat(PADDING)
    )
}

/// A foreground nginx with two workers (one per core) answering a fixed GetItem-sized body, with
/// every path it writes under `dir` and no access log (the other servers keep none either).
fn nginx_config(dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        "daemon off;\n\
         worker_processes 2;\n\
         pid {d}/nginx.pid;\n\
         error_log stderr error;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n\
         \x20 access_log off;\n\
         \x20 client_body_temp_path {d}/body;\n\
         \x20 proxy_temp_path {d}/proxy;\n\
         \x20 fastcgi_temp_path {d}/fastcgi;\n\
         \x20 uwsgi_temp_path {d}/uwsgi;\n\
         \x20 scgi_temp_path {d}/scgi;\n\
         \x20 keepalive_requests 1000000;\n\
         \x20 server {{\n\
         \x20   listen 127.0.0.1:{port};\n\
         \x20   location / {{\n\
         \x20     default_type application/x-amz-json-1.0;\n\
         \x20     return 200 '{}';\n\
         \x20   }}\n\
         \x20 }}\n\
         }}\n",
        get_item_answer()
    )
}

fn measure(system: System, seconds: u64) -> Result<Measured, String> {
    let server = start(system)?;
    let port = server.port;
    let scenarios: Vec<(&str, &str)> = if system == System::Nginx {
        vec![SCENARIOS[0]]
    } else {
        prepare(port)?;
        SCENARIOS.to_vec()
    };
    // A short unmeasured run first, so a JIT (node) or lazy allocation is warm for every system.
    wrk(port, "get", 2, 16, 2, "warmup")?;
    let mut loads = Vec::new();
    let mut peak_after_reads = 0;
    for (script, _) in &scenarios {
        if *script == "mix" {
            peak_after_reads = peak_memory(server.child.id());
        }
        for &(threads, connections) in CONCURRENCY {
            let tag = format!("{script}{connections}");
            let load = wrk(port, script, threads, connections, seconds, &tag)?;
            println!(
                "{:>13} {script:>5} c{connections:<2}: {:>9.0} req/s  p50 {:>7.3} ms  p99 {:>7.3} ms  errors {}",
                system.name(),
                load.rate(),
                load.p50_us as f64 / 1000.0,
                load.p99_us as f64 / 1000.0,
                load.errors
            );
            loads.push((*script, connections, load));
        }
    }
    let peak_at_end = peak_memory(server.child.id());
    if peak_after_reads == 0 {
        peak_after_reads = peak_at_end;
    }
    drop(server);
    Ok(Measured {
        system,
        loads,
        peak_after_reads,
        peak_at_end,
    })
}

/// Creates the table, loads it with BatchWriteItem and checks the answers the wrk scripts rely on.
fn prepare(port: u16) -> Result<(), String> {
    let create = format!(
        r#"{{"TableName":"{TABLE}","AttributeDefinitions":[{{"AttributeName":"pk","AttributeType":"S"}},{{"AttributeName":"sk","AttributeType":"S"}}],"KeySchema":[{{"AttributeName":"pk","KeyType":"HASH"}},{{"AttributeName":"sk","KeyType":"RANGE"}}],"BillingMode":"PAY_PER_REQUEST"}}"#
    );
    expect_ok(port, "CreateTable", &create)?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body = expect_ok(
            port,
            "DescribeTable",
            &format!(r#"{{"TableName":"{TABLE}"}}"#),
        )?;
        if compact(&body).contains(r#""TableStatus":"ACTIVE""#) {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("table never became ACTIVE: {body}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let started = Instant::now();
    let padding = "x".repeat(PADDING);
    let keys: Vec<(usize, usize)> = (0..PARTITIONS)
        .flat_map(|p| (0..PER_PARTITION).map(move |s| (p, s)))
        .collect();
    for chunk in keys.chunks(25) {
        let puts: Vec<String> = chunk
            .iter()
            .map(|&(p, s)| {
                format!(
                    r#"{{"PutRequest":{{"Item":{{"pk":{{"S":"p{p:05}"}},"sk":{{"S":"s{s:02}"}},"data":{{"S":"{padding}"}}}}}}}}"#
                )
            })
            .collect();
        let body = format!(r#"{{"RequestItems":{{"{TABLE}":[{}]}}}}"#, puts.join(","));
        let answer = expect_ok(port, "BatchWriteItem", &body)?;
        if !compact(&answer).contains(r#""UnprocessedItems":{}"#) {
            return Err(format!("BatchWriteItem left items unprocessed: {answer}"));
        }
    }
    println!(
        "preloaded {} items of 1 KB in {:.1} s",
        keys.len(),
        started.elapsed().as_secs_f64()
    );
    // What the scripts read must be there: an item, and a partition of exactly 10.
    let item = compact(&expect_ok(
        port,
        "GetItem",
        &format!(r#"{{"TableName":"{TABLE}","Key":{{"pk":{{"S":"p00042"}},"sk":{{"S":"s03"}}}}}}"#),
    )?);
    if !(item.contains(r#""pk":{"S":"p00042"}"#)
        && item.contains(r#""sk":{"S":"s03"}"#)
        && item.contains(&padding))
    {
        return Err(format!("GetItem did not return the preloaded item: {item}"));
    }
    let page = compact(&expect_ok(
        port,
        "Query",
        &format!(
            r#"{{"TableName":"{TABLE}","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{{":p":{{"S":"p00999"}}}}}}"#
        ),
    )?);
    if !page.contains(r#""Count":10"#) || page.matches(r#""pk":{"S":"p00999"}"#).count() != 10 {
        return Err(format!(
            "Query did not return the 10 items of p00999: {page}"
        ));
    }
    Ok(())
}

/// The body with JSON whitespace removed (moto answers with spaces after colons), for checks.
fn compact(body: &str) -> String {
    body.chars().filter(|c| !c.is_whitespace()).collect()
}

fn expect_ok(port: u16, operation: &str, body: &str) -> Result<String, String> {
    let (status, answer) = post(port, operation, body)?;
    if status == 200 {
        Ok(answer)
    } else {
        Err(format!("{operation} answered {status}: {answer}"))
    }
}

/// One DynamoDB JSON 1.0 request on its own connection (the preload is not what is measured).
fn post(port: u16, operation: &str, body: &str) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .map_err(|e| format!("{operation}: cannot connect to {port}: {e}"))?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Amz-Target: DynamoDB_20120810.{operation}\r\n\
         Content-Type: application/x-amz-json-1.0\r\nX-Amz-Date: 20261122T000000Z\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=bench/20261122/us-east-1/dynamodb/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        "0".repeat(64),
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("{operation}: cannot send: {e}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| format!("{operation}: cannot read the answer: {e}"))?;
    let text = String::from_utf8_lossy(&raw);
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("{operation}: not an HTTP answer: {text}"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{operation}: no status in {head:?}"))?;
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    Ok((status, body))
}

/// A chunked body's data (the connection was closed, so the whole body is here).
fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
        else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        body.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    body
}

fn wrk(
    port: u16,
    script: &str,
    threads: u32,
    connections: u32,
    seconds: u64,
    tag: &str,
) -> Result<Load, String> {
    let mut cmd = command(
        "wrk",
        &[
            "-t",
            &threads.to_string(),
            "-c",
            &connections.to_string(),
            "-d",
            &format!("{seconds}s"),
            "--timeout",
            "10s",
            "-s",
            &format!("tests/bench/wrk/{script}.lua"),
            &format!("http://127.0.0.1:{port}/"),
        ],
    );
    cmd.env("BENCH_RUN", tag)
        .env("BENCH_TABLE", TABLE)
        .env("BENCH_PARTITIONS", PARTITIONS.to_string());
    let out = cmd.output().map_err(|e| format!("cannot run wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("BENCH "))
        .ok_or_else(|| {
            format!(
                "wrk {script} printed no summary:\n{text}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    let field = |name: &str| number(line, name);
    Ok(Load {
        requests: field("requests"),
        duration_us: field("duration_us"),
        p50_us: field("p50_us"),
        p99_us: field("p99_us"),
        errors: [
            "status_errors",
            "connect_errors",
            "read_errors",
            "write_errors",
            "timeouts",
        ]
        .iter()
        .map(|f| field(f))
        .sum(),
    })
}

/// The whole-number value of `"name":` in a flat JSON line (0 when absent).
fn number(line: &str, name: &str) -> u64 {
    let key = format!("\"{name}\":");
    line.find(&key)
        .map(|at| &line[at + key.len()..])
        .map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|digits| digits.parse().ok())
        .unwrap_or(0)
}

/// VmHWM (peak resident memory) of a process plus its children (nginx's workers), in bytes.
fn peak_memory(pid: u32) -> u64 {
    let mut pids = vec![pid];
    if let Ok(entries) = fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let stat = fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            // The parent id is the second field after the command name, which may hold spaces.
            let parent = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if parent == Some(pid) {
                pids.push(child);
            }
        }
    }
    pids.iter()
        .map(|p| {
            let status = fs::read_to_string(format!("/proc/{p}/status")).unwrap_or_default();
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
                .map_or(0, |kb| kb * 1024)
        })
        .sum()
}

// ---------------------------------------------------------------------------------------------
// The report.

fn cell(load: Option<Load>) -> String {
    match load {
        None => "—".into(),
        Some(l) => {
            let mut text = format!(
                "{} ({:.2} / {:.2})",
                thousands(l.rate()),
                l.p50_us as f64 / 1000.0,
                l.p99_us as f64 / 1000.0
            );
            if l.errors > 0 {
                let _ = write!(text, " **{} errors**", l.errors);
            }
            text
        }
    }
}

fn ratio(a: Option<Load>, b: Option<Load>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b.rate() > 0.0 => format!("{:.1}×", a.rate() / b.rate()),
        _ => "—".into(),
    }
}

/// The server part's detailed tables: every cell of the wrk runs, peak memory, the scaling rows.
pub fn detail(figures: &ServerFigures, seconds: u64) -> String {
    let measured = &figures.measured;
    let get = |system: System, script: &str, c: u32| figures.load(system, script, c);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Each cell: requests/s (p50 / p99 latency in ms), wrk {seconds} s per cell after a 2 s \
         GetItem warm-up, with 1 thread and 1 connection (c1), or 2 threads and 16 connections \
         (c16).\n"
    );
    out.push_str(
        "| operation | conc. | Dynaplay | dynalite | moto | nginx ceiling | Dynaplay ÷ dynalite | Dynaplay ÷ moto |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for (script, label) in SCENARIOS {
        for &(_, c) in CONCURRENCY {
            let d = get(System::Dynaplay, script, c);
            let _ = writeln!(
                out,
                "| {label} | c{c} | {} | {} | {} | {} | {} | {} |",
                cell(d),
                cell(get(System::Dynalite, script, c)),
                cell(get(System::Moto, script, c)),
                cell(get(System::Nginx, script, c)),
                ratio(d, get(System::Dynalite, script, c)),
                ratio(d, get(System::Moto, script, c)),
            );
        }
    }
    out.push_str("\nPeak resident memory (VmHWM; nginx: master and workers):\n\n");
    out.push_str(
        "| system | after the preload (10,000 items) and the read runs | at the end (after the write runs) | items held at the end |\n\
         | --- | --- | --- | --- |\n",
    );
    for m in measured {
        // Every PutItem request wrote a new item; a fifth of the mix's requests were PutItems
        // (drawn at random, so this count is approximate).
        let requests = |script: &str| -> u64 {
            CONCURRENCY
                .iter()
                .filter_map(|&(_, c)| m.load(script, c))
                .map(|l| l.requests)
                .sum()
        };
        let held = if m.system == System::Nginx {
            "—".to_string()
        } else {
            format!(
                "≈ {}",
                thousands(
                    (PARTITIONS * PER_PARTITION) as f64
                        + (requests("put") + requests("mix") / 5) as f64
                )
            )
        };
        let _ = writeln!(
            out,
            "| {} | {:.0} MB | {:.0} MB | {held} |",
            m.system.name(),
            m.peak_after_reads as f64 / 1e6,
            m.peak_at_end as f64 / 1e6
        );
    }
    out.push_str(
        "\nScaling, in-process (`Engine::dispatch`, no HTTP): one table of N 1 KB items in \
         partitions of 10; latency of 20,000 GetItem and 5,000 Query (10 items) calls each timed \
         alone, µs; a full Scan paged by 1 MB with `Select: COUNT`; memory is the growth of the \
         process's resident size while loading, divided by N.\n\n\
         | items | load (PutItem/s) | GetItem p50 / p99 (µs) | Query p50 / p99 (µs) | full Scan | memory per item | peak RSS |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for r in &figures.scaling {
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} / {:.1} | {:.1} / {:.1} | {:.3} s ({:.2} µs/item) | {} B | {:.0} MB |",
            thousands(r.items as f64),
            thousands(r.load_per_second),
            r.get_p50,
            r.get_p99,
            r.query_p50,
            r.query_p99,
            r.scan_seconds,
            r.scan_us_per_item,
            thousands(r.bytes_per_item),
            r.peak_mb
        );
    }
    for (system, why) in &figures.failures {
        let _ = writeln!(
            out,
            "\n**{} was not measured**: {}",
            system.name(),
            why.replace('\n', " ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{dechunk, number, parse_scaling};

    // wrk's summary line is read by key; a missing key is 0, not an error or a neighbour's value.
    #[test]
    fn reads_numbers_from_the_summary_line() {
        let line = r#"{"requests":1234,"duration_us":10000123,"p50_us":87,"p99_us":1200}"#;
        assert_eq!(number(line, "requests"), 1234);
        assert_eq!(number(line, "p99_us"), 1200);
        assert_eq!(number(line, "timeouts"), 0);
    }

    #[test]
    fn dechunks() {
        assert_eq!(dechunk("4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n"), "{\"a\":1}");
    }

    // The scaling example's row is read back into numbers; a row of another shape is an error.
    #[test]
    fn reads_a_scaling_row() {
        let row = "| 10000 | 36155 | 5.6 / 10.2 | 39.1 / 5840.7 | 0.082 s (8.19 µs/item) | 2177 B | 31 MB |";
        let s = parse_scaling(row).expect("a row");
        assert_eq!(s.items, 10_000);
        assert_eq!(s.get_p50, 5.6);
        assert_eq!(s.query_p99, 5840.7);
        assert_eq!(s.scan_us_per_item, 8.19);
        assert_eq!(s.bytes_per_item, 2177.0);
        assert_eq!(s.peak_mb, 31.0);
        assert!(parse_scaling("| 10000 | 36155 |").is_err());
    }
}
