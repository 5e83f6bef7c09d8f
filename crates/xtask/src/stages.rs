//! What `serve` and `test` run. `test` runs its stages in CI's order, times each, stops at the first
//! failure and ends with one summary line.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::{command, root, run};
use crate::setup::{self, CHROMEDRIVER};

/// Trunk, offline and without asking crates.io for a newer version.
pub fn trunk(args: &[&str]) -> Command {
    let mut cmd = command("trunk", args);
    cmd.env("TRUNK_SKIP_VERSION_CHECK", "true")
        .env("TRUNK_OFFLINE", "true");
    cmd
}

fn fetch() -> Result<(), String> {
    run(command("cargo", &["fetch", "--locked"]))
}

pub fn serve(port: u16) -> Result<(), String> {
    setup::install_all()?;
    fetch()?;
    let port = port.to_string();
    println!("\nDynaplay playground: http://127.0.0.1:{port}/  (Ctrl+C stops it)\n");
    run(trunk(&[
        "serve",
        "--offline",
        "--release",
        "--address",
        "127.0.0.1",
        "--port",
        &port,
    ]))
}

type Stage = (&'static str, fn() -> Result<(), String>);

const STAGES: &[Stage] = &[
    ("cargo fmt --check", || {
        run(command("cargo", &["fmt", "--all", "--check"]))
    }),
    ("clippy (native)", || {
        run(command(
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                // The server's test-only panic-probe is linted too.
                "--all-features",
                "--",
                "-D",
                "warnings",
            ],
        ))
    }),
    ("native tests", || {
        run(command("cargo", &["test", "--workspace", "--no-fail-fast"]))
    }),
    ("release server survives a panic", || {
        // The release profile is the native server's: a panicking request must get a 500 from
        // the process built with it, not kill it (tests/panic_probe.rs).
        run(command(
            "cargo",
            &[
                "test",
                "--release",
                "-p",
                "dynaplay-server",
                "--features",
                "panic-probe",
                "--test",
                "panic_probe",
            ],
        ))
    }),
    ("fuzz targets, briefly (cargo-fuzz)", || {
        crate::fuzz::fuzz_all(crate::fuzz::TEST_SECONDS)
    }),
    ("engine builds for wasm32", || {
        run(command(
            "cargo",
            &[
                "build",
                "-p",
                "dynaplay-engine",
                "--target",
                "wasm32-unknown-unknown",
            ],
        ))
    }),
    ("clippy (wasm32)", || {
        run(command(
            "cargo",
            &[
                "clippy",
                // The engine is linted by the native stage; here only the web crates.
                "--no-deps",
                "-p",
                "dynaplay-wasm",
                "-p",
                "dynaplay-app",
                "--all-targets",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ],
        ))
    }),
    ("wasm tests in headless Chromium", wasm_browser_tests),
    ("trunk build", || {
        run(trunk(&["build", "--offline", "--release"]))
    }),
    ("runtime build (dist/runtime)", runtime_build),
    ("e2e tests (Playwright)", || {
        run(command("node", &["--test", "tests/e2e/"]))
    }),
    ("real clients against the server", client_tests),
];

/// Runs every stage in order. Stops at the first failure unless `keep_going`, which runs the rest
/// too (useful while another part of the project is still landing); installs always stop the run.
pub fn test(keep_going: bool) -> Result<(), String> {
    let started = Instant::now();
    let mut timings: Vec<(&str, Duration, bool)> = Vec::new();
    let mut failures = Vec::new();
    for &(name, stage) in [
        ("install tools", setup::install_all as fn() -> _),
        ("cargo fetch", fetch),
    ]
    .iter()
    .chain(STAGES)
    {
        println!("\n==> {name}");
        let stage_started = Instant::now();
        let result = stage();
        timings.push((name, stage_started.elapsed(), result.is_ok()));
        if let Err(message) = result {
            eprintln!("\nxtask: stage `{name}` failed: {message}");
            failures.push(format!("stage `{name}` failed: {message}"));
            let setting_up = timings.len() <= 2;
            if !keep_going || setting_up {
                break;
            }
        }
    }

    println!("\n==> timings");
    for (name, took, ok) in &timings {
        let mark = if *ok { "ok  " } else { "FAIL" };
        println!("  {mark} {:>7.1} s  {name}", took.as_secs_f64());
    }
    let total = STAGES.len() + 2;
    let passed = timings.iter().filter(|t| t.2).count();
    let failed = timings.len() - passed;
    println!(
        "{passed} passed, {failed} failed, {} not run ({:.0} s)",
        total - timings.len(),
        started.elapsed().as_secs_f64()
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n       "))
    }
}

fn wasm_browser_tests() -> Result<(), String> {
    let mut cmd = command(
        "cargo",
        &[
            "test",
            "-p",
            "dynaplay-wasm",
            "--target",
            "wasm32-unknown-unknown",
        ],
    );
    cmd.env(
        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
        "wasm-bindgen-test-runner",
    )
    .env("CHROMEDRIVER", CHROMEDRIVER);
    run(cmd)
}

/// The cargo profile of the runtime's wasm (Cargo.toml): opt-level 3, where the playground's is
/// "z". The engine runs 2-3x faster in wasm at opt-level 3 for a larger module (BENCHMARKS.md).
pub const RUNTIME_PROFILE: &str = "wasm-speed";

/// The environment variable and flags the runtime's wasm is built with (see [`runtime_build`]).
const RUNTIME_RUSTFLAGS: (&str, &str) = (
    "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
    "-C target-feature=+simd128",
);

/// Builds the JavaScript runtime into `dist/runtime/` (after Trunk, which empties `dist/`): the
/// `dynaplay-wasm` cdylib through wasm-bindgen (`--target web`, an ES module) and wasm-opt, the wrapper module
/// `crates/wasm/js/dynaplay.js`, the AWS SDK bundled for the browser by esbuild from npm, and the
/// pages in `web/runtime/`.
pub fn runtime_build() -> Result<(), String> {
    let mut build = command(
        "cargo",
        &[
            "build",
            "-p",
            "dynaplay-wasm",
            "--profile",
            RUNTIME_PROFILE,
            "--target",
            "wasm32-unknown-unknown",
        ],
    );
    // 128-bit SIMD (Chrome 91, Firefox 89, Safari 16.4 and later): LLVM turns the engine's
    // byte-scanning loops (JSON string escaping above all, a quarter of a GetItem's time in wasm
    // without it) into 16-byte vector steps, as it does natively. Only this build sets it: the
    // profile's target directory is the runtime's alone, so no other build is invalidated.
    build.env(RUNTIME_RUSTFLAGS.0, RUNTIME_RUSTFLAGS.1);
    run(build)?;
    let out = root().join("dist/runtime");
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    run(command(
        "wasm-bindgen",
        &[
            "--target",
            "web",
            "--out-dir",
            "dist/runtime",
            &format!("target/wasm32-unknown-unknown/{RUNTIME_PROFILE}/dynaplay_wasm.wasm"),
        ],
    ))?;
    // npm's wasm-opt (the one Trunk uses). -O3, not -Oz: on this opt-level 3 module they give the
    // same size within 1%, and -O3 about 5% less CPU per engine call (BENCHMARKS.md), though it
    // runs longer. The features are the ones rustc's wasm32 target emits (and SIMD, set above), so
    // wasm-opt accepts its output.
    run(command(
        "wasm-opt",
        &[
            "-O3",
            "--enable-simd",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
            "dist/runtime/dynaplay_wasm_bg.wasm",
            "-o",
            "dist/runtime/dynaplay_wasm_bg.wasm",
        ],
    ))?;
    run(command(
        "esbuild",
        &[
            "web/runtime/aws-sdk.js",
            "--bundle",
            "--format=esm",
            "--platform=browser",
            "--minify",
            "--log-level=warning",
            "--outfile=dist/runtime/aws-sdk.js",
        ],
    ))?;
    let copies = [
        ("crates/wasm/js/dynaplay.js", "dynaplay.js"),
        ("crates/wasm/js/database.js", "database.js"),
        ("web/runtime/index.html", "index.html"),
        ("web/runtime/sdk-example.html", "sdk-example.html"),
        ("web/runtime/bench.html", "bench.html"),
        ("web/runtime/bench.js", "bench.js"),
    ];
    for (from, to) in copies {
        std::fs::copy(root().join(from), out.join(to))
            .map_err(|e| format!("cannot copy {from}: {e}"))?;
    }
    Ok(())
}

/// A server process that is killed when this value goes away, on success, error or panic alike.
struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free local port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// Starts the DynamoDB endpoint on a free port and waits until it accepts connections.
fn start_server() -> Result<(ServerProcess, u16), String> {
    run(command("cargo", &["build", "-p", "dynaplay-server"]))?;
    let port = free_port()?;
    let binary = root().join("target/debug/dynaplay-server");
    let child = Command::new(&binary)
        .args(["--port", &port.to_string(), "--host", "127.0.0.1"])
        .current_dir(root())
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let mut server = ServerProcess(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            println!("server up on 127.0.0.1:{port}");
            return Ok((server, port));
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            return Err(format!(
                "dynaplay-server exited ({status}) before listening on port {port}"
            ));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "dynaplay-server did not listen on port {port} within 30 s"
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn client_tests() -> Result<(), String> {
    let (_server, port) = start_server()?;
    let endpoint = format!("http://127.0.0.1:{port}");
    let python = root().join(".venv/bin/python");
    let clients: [(&str, Command); 3] = [
        ("AWS CLI", command("bash", &["tests/clients/aws_cli.sh"])),
        (
            "boto3",
            command(&python.to_string_lossy(), &["tests/clients/boto3_test.py"]),
        ),
        (
            "@aws-sdk/client-dynamodb",
            command("node", &["--test", "tests/clients/sdk.test.mjs"]),
        ),
    ];
    // The clients are independent, so all run and the stage reports each one's result.
    let mut failed = Vec::new();
    for (name, mut cmd) in clients {
        println!("\n--> {name}");
        client_env(&mut cmd, &endpoint);
        if let Err(e) = run(cmd) {
            eprintln!("{name} tests failed: {e}");
            failed.push(name);
        }
    }
    println!("\n--> the playground's generated code");
    if let Err(e) = generated_code(&endpoint) {
        eprintln!("generated code failed: {e}");
        failed.push("generated code");
    }
    println!("\n--> the playground's export to DynamoDB (AWS CLI)");
    if let Err(e) = exported_tables(&endpoint) {
        eprintln!("export failed: {e}");
        failed.push("export");
    }
    let total = 5;
    println!(
        "clients: {} passed, {} failed",
        total - failed.len(),
        failed.len()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("client tests failed: {}", failed.join(", ")))
    }
}

/// Runs the code the playground shows (AWS CLI, boto3, JavaScript SDK v3) for a session of requests:
/// `dynaplay-app emit-code` writes one script per request and language, run here in order.
fn generated_code(endpoint: &str) -> Result<(), String> {
    let dir = root().join("target/generated-code");
    run(command(
        "cargo",
        &[
            "run",
            "--quiet",
            "-p",
            "dynaplay-app",
            "--",
            "emit-code",
            &dir.to_string_lossy(),
            endpoint,
        ],
    ))?;
    let python = root().join(".venv/bin/python");
    let python = python.to_string_lossy();
    for (language, program) in [("cli", "bash"), ("python", &*python), ("js", "node")] {
        let mut scripts: Vec<_> = std::fs::read_dir(dir.join(language))
            .map_err(|e| format!("cannot read the {language} scripts: {e}"))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .collect();
        scripts.sort();
        for script in &scripts {
            let mut cmd = Command::new(program);
            cmd.arg(script)
                .current_dir(root())
                .stdout(Stdio::null())
                .stdin(Stdio::null());
            client_env(&mut cmd, endpoint);
            let status = cmd
                .status()
                .map_err(|e| format!("cannot run {program}: {e}"))?;
            if !status.success() {
                return Err(format!("{} failed ({status})", script.display()));
            }
        }
        println!("ok {} {language} scripts", scripts.len());
    }
    Ok(())
}

/// Runs the playground's "Export to DynamoDB" AWS CLI script for a sample sandbox against the server,
/// reads every table back with the CLI and has `dynaplay-app check-export` compare it with the
/// sandbox it came from (keys, indexes, billing, stream, TTL, PITR, tags, every item).
fn exported_tables(endpoint: &str) -> Result<(), String> {
    let dir = root().join("target/export");
    let app = |args: &[&str]| {
        let mut all = vec!["run", "--quiet", "-p", "dynaplay-app", "--"];
        all.extend_from_slice(args);
        run(command("cargo", &all))
    };
    app(&["emit-export", &dir.to_string_lossy()])?;
    let mut script = command("bash", &[&dir.join("create-tables.sh").to_string_lossy()]);
    client_env(&mut script, endpoint);
    run(script)?;
    let names = std::fs::read_to_string(dir.join("tables.txt"))
        .map_err(|e| format!("cannot read the exported table names: {e}"))?;
    std::fs::create_dir_all(dir.join("actual")).map_err(|e| e.to_string())?;
    let aws = |args: &[&str]| -> Result<Vec<u8>, String> {
        let mut cmd = Command::new("aws");
        cmd.args(["dynamodb", "--endpoint-url", endpoint, "--output", "json"])
            .args(args)
            .stdin(Stdio::null());
        client_env(&mut cmd, endpoint);
        let out = cmd.output().map_err(|e| format!("cannot run aws: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "aws dynamodb {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(out.stdout)
    };
    for table in names.lines().filter(|l| !l.is_empty()) {
        let arn = aws(&[
            "describe-table",
            "--table-name",
            table,
            "--query",
            "Table.TableArn",
            "--output",
            "text",
        ])?;
        let arn = String::from_utf8_lossy(&arn).trim().to_string();
        for (what, args) in [
            ("describe", vec!["describe-table", "--table-name", table]),
            ("ttl", vec!["describe-time-to-live", "--table-name", table]),
            (
                "backups",
                vec!["describe-continuous-backups", "--table-name", table],
            ),
            (
                "tags",
                vec!["list-tags-of-resource", "--resource-arn", &arn],
            ),
            ("scan", vec!["scan", "--table-name", table]),
        ] {
            let out = aws(&args)?;
            std::fs::write(dir.join(format!("actual/{table}.{what}.json")), out)
                .map_err(|e| e.to_string())?;
        }
    }
    app(&["check-export", &dir.to_string_lossy()])
}

/// The environment every client runs in: the server's endpoint and throwaway credentials.
fn client_env(cmd: &mut Command, endpoint: &str) {
    cmd.env("DYNAMODB_ENDPOINT", endpoint)
        .env("AWS_ACCESS_KEY_ID", "dynaplay")
        .env("AWS_SECRET_ACCESS_KEY", "dynaplay")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_PAGER", "")
        .env("AWS_MAX_ATTEMPTS", "1")
        // A developer's own AWS profile must not leak into the tests.
        .env("AWS_CONFIG_FILE", Path::new("/dev/null"))
        .env("AWS_SHARED_CREDENTIALS_FILE", Path::new("/dev/null"))
        // The SDK's note about future Node versions is not a test failure.
        .env("AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE", "1");
}
