//! `cargo xtask bench-server`: the Dynaplay server against dynalite, moto's server and a
//! fixed-response nginx (the ceiling any HTTP server reaches here), all under the same wrk scripts
//! (`tests/bench/wrk/`) over loopback, then the engine's scaling with 10 thousand to 1 million
//! items (`crates/server/examples/scaling.rs`). Prints the tables and writes them into
//! BENCHMARKS.md between the bench-server markers. It measures; it asserts nothing but that every
//! system answered correctly before it was measured.

use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::{command, output, root, run};

/// Pinned so a rerun measures the same peers.
const DYNALITE_VERSION: &str = "4.0.0";
const MOTO_VERSION: &str = "5.2.5";
const TABLE: &str = "bench";
/// The preloaded table: this many partitions of 10 items of 1 KB (the wrk scripts read them).
const PARTITIONS: usize = 1000;
const PER_PARTITION: usize = 10;
/// pk + "p00000" (8), sk + "s00" (5), data (4) and the padding make 1,024 bytes.
const PADDING: usize = 1024 - 8 - 5 - 4;
/// Where the peers and the opt-level 3 server build live, out of the way of other targets.
const PEERS_DIR: &str = "target/bench-peers";
const SERVER_TARGET_DIR: &str = "target/bench-server";
const MARK_START: &str = "<!-- bench-server:start -->";
const MARK_END: &str = "<!-- bench-server:end -->";

/// A wrk scenario: its script and its name in the table.
const SCENARIOS: &[(&str, &str)] = &[
    ("get", "GetItem 1 KB"),
    ("query", "Query, 10 items"),
    ("mix", "80/20 GetItem/PutItem"),
    ("put", "PutItem 1 KB"),
];
/// (threads, connections): one client, then sixteen on the two cores' worth of wrk threads.
const CONCURRENCY: &[(u32, u32)] = &[(1, 1), (2, 16)];

#[derive(Clone, Copy, PartialEq)]
enum System {
    Dynaplay,
    Dynalite,
    Moto,
    Nginx,
}

impl System {
    fn name(self) -> &'static str {
        match self {
            System::Dynaplay => "Dynaplay",
            System::Dynalite => "dynalite",
            System::Moto => "moto",
            System::Nginx => "nginx ceiling",
        }
    }
}

/// One wrk run's summary (latencies in microseconds).
#[derive(Clone, Copy, Default)]
struct Load {
    requests: u64,
    duration_us: u64,
    p50_us: u64,
    p99_us: u64,
    errors: u64,
}

impl Load {
    fn rate(&self) -> f64 {
        self.requests as f64 * 1e6 / self.duration_us.max(1) as f64
    }
}

/// What one system gave: a load per (scenario, connections), and its peak memory.
struct Measured {
    system: System,
    loads: Vec<(&'static str, u32, Load)>,
    /// VmHWM after the preload and the read-only runs, and at the end (after the writes).
    peak_after_reads: u64,
    peak_at_end: u64,
}

impl Measured {
    fn load(&self, scenario: &str, connections: u32) -> Option<Load> {
        self.loads
            .iter()
            .find(|(s, c, _)| *s == scenario && *c == connections)
            .map(|(_, _, l)| *l)
    }
}

pub fn run_bench() -> Result<(), String> {
    let seconds: u64 = match std::env::var("BENCH_SECONDS") {
        Ok(s) => s
            .parse()
            .map_err(|_| format!("BENCH_SECONDS wants whole seconds, not {s:?}"))?,
        Err(_) => 10,
    };
    let sizes: Vec<usize> = std::env::var("BENCH_SCALING")
        .unwrap_or_else(|_| "10000,100000,1000000".into())
        .split(',')
        .map(|n| {
            n.trim()
                .parse()
                .map_err(|_| format!("BENCH_SCALING: {n:?}"))
        })
        .collect::<Result<_, _>>()?;
    install()?;
    build_server()?;
    let load_before = load_average();
    let started = chrono_free_date();

    let mut measured = Vec::new();
    for system in [
        System::Nginx,
        System::Dynaplay,
        System::Dynalite,
        System::Moto,
    ] {
        println!("\n== {} ==", system.name());
        measured.push(measure(system, seconds)?);
    }
    println!("\n== scaling (in-process) ==");
    let mut scaling = Vec::new();
    for n in &sizes {
        let bin = root()
            .join(SERVER_TARGET_DIR)
            .join("release/examples/scaling");
        let row = output(&bin.to_string_lossy(), &[&n.to_string()])
            .ok_or_else(|| format!("the scaling example failed for {n} items"))?;
        println!("{row}");
        scaling.push(row);
    }
    let load_after = load_average();

    let report = report(
        &measured,
        &scaling,
        seconds,
        &started,
        &load_before,
        &load_after,
    );
    println!("\n{report}");
    write_benchmarks(&report)
}

// ---------------------------------------------------------------------------------------------
// Installing the peers; each step skips itself when present.

fn install() -> Result<(), String> {
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
    let peers = root().join(PEERS_DIR);
    let dynalite = peers.join("dynalite");
    let installed = fs::read_to_string(dynalite.join("node_modules/dynalite/package.json"))
        .unwrap_or_default()
        .contains(&format!("\"version\": \"{DYNALITE_VERSION}\""));
    if installed {
        println!("ok: dynalite {DYNALITE_VERSION} already installed");
    } else {
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
        run(cmd)?;
    }
    let python = peers.join("moto-venv/bin/python");
    let have = output(
        &python.to_string_lossy(),
        &["-c", "import moto, flask; print(moto.__version__)"],
    );
    if have.as_deref() == Some(MOTO_VERSION) {
        println!("ok: moto {MOTO_VERSION} already installed");
    } else {
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
        ))?;
    }
    Ok(())
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

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// Today's date and time in UTC as `date` prints it (xtask has no date crate).
fn chrono_free_date() -> String {
    output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_else(|| "?".into())
}

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

fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn ratio(a: Option<Load>, b: Option<Load>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b.rate() > 0.0 => format!("{:.1}×", a.rate() / b.rate()),
        _ => "—".into(),
    }
}

fn report(
    measured: &[Measured],
    scaling: &[String],
    seconds: u64,
    date: &str,
    load_before: &str,
    load_after: &str,
) -> String {
    let find = |system: System| measured.iter().find(|m| m.system == system);
    let get = |system: System, script: &str, c: u32| find(system).and_then(|m| m.load(script, c));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Run on {date}: {} cores, shared and loaded (other engineers' builds and tests ran at the \
         same time; load average {load_before} at the start, {load_after} at the end), wrk {seconds} s \
         per cell after a 2 s warm-up. Reproduce: `cargo xtask bench-server` (`BENCH_SECONDS=N`).\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    out.push_str(
        "Each cell: requests/s (p50 / p99 latency in ms). wrk with 1 thread and 1 connection \
         (c1), or 2 threads and 16 connections (c16).\n\n",
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
    if let (Some(d), Some(n)) = (
        get(System::Dynaplay, "get", 16),
        get(System::Nginx, "get", 16),
    ) {
        let share = d.rate() / n.rate().max(1.0);
        let p99 = d.p99_us as f64 / (n.p99_us.max(1)) as f64;
        let _ = writeln!(
            out,
            "\nTargets, GetItem at c16: throughput {:.0}% of the ceiling (target ≥ 80%: **{}**); \
             p99 {:.2} ms = {:.1}× the ceiling's {:.2} ms (target ≤ 1.5×: **{}**).",
            share * 100.0,
            if share >= 0.8 { "met" } else { "NOT met" },
            d.p99_us as f64 / 1000.0,
            p99,
            n.p99_us as f64 / 1000.0,
            if p99 <= 1.5 { "met" } else { "NOT met" },
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
    for row in scaling {
        out.push_str(row);
        out.push('\n');
    }
    out
}

/// Replaces what is between the markers in BENCHMARKS.md (appending a section the first time).
fn write_benchmarks(report: &str) -> Result<(), String> {
    let path = root().join("BENCHMARKS.md");
    let text = fs::read_to_string(&path).map_err(|e| format!("cannot read BENCHMARKS.md: {e}"))?;
    let block = format!("{MARK_START}\n{report}{MARK_END}");
    let updated = match (text.find(MARK_START), text.find(MARK_END)) {
        (Some(start), Some(end)) if start < end => {
            format!("{}{block}{}", &text[..start], &text[end + MARK_END.len()..])
        }
        _ => format!(
            "{}\n## The server (`cargo xtask bench-server`)\n\n{block}\n",
            text.trim_end()
        ),
    };
    fs::write(&path, updated).map_err(|e| format!("cannot write BENCHMARKS.md: {e}"))?;
    println!("wrote the tables into BENCHMARKS.md");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{dechunk, number, thousands};

    // wrk's summary line is read by key; a missing key is 0, not an error or a neighbour's value.
    #[test]
    fn reads_numbers_from_the_summary_line() {
        let line = r#"{"requests":1234,"duration_us":10000123,"p50_us":87,"p99_us":1200}"#;
        assert_eq!(number(line, "requests"), 1234);
        assert_eq!(number(line, "p99_us"), 1200);
        assert_eq!(number(line, "timeouts"), 0);
    }

    #[test]
    fn dechunks_and_groups_digits() {
        assert_eq!(dechunk("4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n"), "{\"a\":1}");
        assert_eq!(thousands(73_412.4), "73,412");
        assert_eq!(thousands(999.0), "999");
    }
}
