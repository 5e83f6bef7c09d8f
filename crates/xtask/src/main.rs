//! `cargo xtask serve`, `cargo xtask test` and `cargo xtask bench`: install what is missing, then
//! build and serve the playground, run every check CI runs, in order, stopping at the first
//! failure, or measure the engine, the server and the browser runtime into BENCHMARKS.md.

mod bench;
mod fuzz;
mod process;
mod setup;
mod stages;
#[cfg(test)]
mod tidy;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  serve [--port N]   install missing tools, build the playground and serve it on http://127.0.0.1:N (default 8080)
  test               install missing tools, then run every check CI runs (fmt, clippy, native, wasm,
                     browser, e2e and real-client tests), stopping at the first failure
  test --keep-going  the same, but run every stage and report all failures at the end
  bench [--only engine,server,browser]
                     every benchmark in one run (or the parts named), written into BENCHMARKS.md as
                     one table of targets judged from the figures plus each part's tables; installs
                     its peers (wrk, nginx, dynalite, moto, chromium). Smaller runs, labelled as
                     reduced: BENCH_SECONDS (wrk s per cell, default 10), BENCH_SCALING (default
                     10000,100000,1000000), BENCH_ITEMS (browser bulk load, default 100000)
  bench-server       the same as bench --only server (Dynaplay, dynalite, moto, nginx under wrk; scaling)
  bench-browser      the same as bench --only browser (wasm vs native, IndexedDB, page load)
  runtime            build only the JavaScript runtime into dist/runtime (wasm-bindgen, esbuild)
  fuzz [SECONDS]     run every cargo-fuzz target in fuzz/ for SECONDS each (default 60), seeded from the golden cases
  setup              only install missing tools";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => parse_port(&args[1..]).and_then(stages::serve),
        Some("test") if args.len() == 1 => stages::test(false),
        Some("test") if args[1..] == ["--keep-going"] => stages::test(true),
        Some("setup") if args.len() == 1 => setup::install_all(),
        Some("bench") => bench::command_line(&args[1..]),
        Some("bench-browser") if args.len() == 1 => bench::run(&[bench::Part::Browser]),
        Some("bench-server") if args.len() == 1 => bench::run(&[bench::Part::Server]),
        Some("runtime") if args.len() == 1 => stages::runtime_build(),
        Some("fuzz") => fuzz::command_line(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(format!("unknown arguments {args:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_port(args: &[String]) -> Result<u16, String> {
    match args {
        [] => Ok(8080),
        [flag, port] if flag == "--port" => port
            .parse()
            .map_err(|_| format!("--port wants a number from 1 to 65535, not {port:?}")),
        _ => Err(format!("serve takes only --port N, not {args:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_port;

    // The default port is the one README promises; a bad port is an error, not a silent default.
    #[test]
    fn serve_port_parsing() {
        assert_eq!(parse_port(&[]), Ok(8080));
        assert_eq!(parse_port(&["--port".into(), "9000".into()]), Ok(9000));
        assert!(parse_port(&["--port".into(), "http".into()]).is_err());
        assert!(parse_port(&["9000".into()]).is_err());
    }
}
