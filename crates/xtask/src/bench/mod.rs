//! `cargo xtask bench [--only engine,server,browser]`: every benchmark in one run, and one section of
//! BENCHMARKS.md written from it: the combined table (one row per target, judged from the figures in
//! `table.rs`), each part's detailed tables, the machine, the tools, the load before and after each
//! part, and the exact command that reproduces it. Not a `cargo xtask test` stage: it measures and
//! asserts no target. `bench-server` and `bench-browser` are this command with one part.

mod browser;
mod engine;
mod figures;
mod machine;
mod server;
mod table;

use std::fmt::Write as _;
use std::fs;
use std::time::Instant;

use figures::{Figures, Outcome};

use crate::process::root;

const MARK_START: &str = "<!-- bench:start -->";
const MARK_END: &str = "<!-- bench:end -->";

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Part {
    Engine,
    Server,
    Browser,
}

/// In the order a run measures them: the short in-process one first.
const PARTS: [Part; 3] = [Part::Engine, Part::Server, Part::Browser];

impl Part {
    fn name(self) -> &'static str {
        match self {
            Part::Engine => "engine",
            Part::Server => "server",
            Part::Browser => "browser",
        }
    }
}

/// The sizes a run uses, from the environment; the defaults are the full run's.
#[derive(Debug, PartialEq)]
struct Knobs {
    /// wrk seconds per cell (`BENCH_SECONDS`).
    seconds: u64,
    /// Items per in-process scaling table (`BENCH_SCALING`).
    scaling: Vec<usize>,
    /// Items of the browser's bulk load and reopen (`BENCH_ITEMS`).
    items: u64,
}

const FULL_SECONDS: u64 = 10;
const FULL_SCALING: &[usize] = &[10_000, 100_000, 1_000_000];
const FULL_ITEMS: u64 = 100_000;

impl Knobs {
    fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Knobs, String> {
        let whole = |name: &str, default: u64| -> Result<u64, String> {
            match get(name) {
                Some(v) => v
                    .trim()
                    .parse()
                    .map_err(|_| format!("{name} wants a whole number, not {v:?}")),
                None => Ok(default),
            }
        };
        let scaling = match get("BENCH_SCALING") {
            Some(list) => list
                .split(',')
                .map(|n| {
                    n.trim().parse().map_err(|_| {
                        format!("BENCH_SCALING wants item counts like 10000,100000, not {list:?}")
                    })
                })
                .collect::<Result<Vec<usize>, _>>()?,
            None => FULL_SCALING.to_vec(),
        };
        Ok(Knobs {
            seconds: whole("BENCH_SECONDS", FULL_SECONDS)?,
            scaling,
            items: whole("BENCH_ITEMS", FULL_ITEMS)?,
        })
    }

    /// The knobs that differ from the full run's, as `NAME=value` with the full value.
    fn reductions(&self, parts: &[Part]) -> Vec<String> {
        let mut out = Vec::new();
        let list = |v: &[usize]| v.iter().map(usize::to_string).collect::<Vec<_>>().join(",");
        if parts.contains(&Part::Server) && self.seconds != FULL_SECONDS {
            out.push(format!(
                "`BENCH_SECONDS={}` (full: {FULL_SECONDS})",
                self.seconds
            ));
        }
        if parts.contains(&Part::Server) && self.scaling != FULL_SCALING {
            out.push(format!(
                "`BENCH_SCALING={}` (full: {})",
                list(&self.scaling),
                list(FULL_SCALING)
            ));
        }
        if parts.contains(&Part::Browser) && self.items != FULL_ITEMS {
            out.push(format!("`BENCH_ITEMS={}` (full: {FULL_ITEMS})", self.items));
        }
        out
    }

    /// The command line that makes this run again.
    fn command(&self, parts: &[Part]) -> String {
        let mut env = Vec::new();
        if self.seconds != FULL_SECONDS {
            env.push(format!("BENCH_SECONDS={}", self.seconds));
        }
        if self.scaling != FULL_SCALING {
            let list: Vec<String> = self.scaling.iter().map(usize::to_string).collect();
            env.push(format!("BENCH_SCALING={}", list.join(",")));
        }
        if self.items != FULL_ITEMS {
            env.push(format!("BENCH_ITEMS={}", self.items));
        }
        let mut line = env.join(" ");
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str("cargo xtask bench");
        if parts != PARTS {
            let names: Vec<&str> = parts.iter().map(|p| p.name()).collect();
            let _ = write!(line, " --only {}", names.join(","));
        }
        line
    }
}

/// `bench` arguments: nothing (every part) or `--only a,b`.
pub fn command_line(args: &[String]) -> Result<(), String> {
    let parts = parse_only(args)?;
    run(&parts)
}

fn parse_only(args: &[String]) -> Result<Vec<Part>, String> {
    match args {
        [] => Ok(PARTS.to_vec()),
        [flag, list] if flag == "--only" => {
            let mut wanted = Vec::new();
            for name in list.split(',').map(str::trim) {
                let part = PARTS
                    .into_iter()
                    .find(|p| p.name() == name)
                    .ok_or_else(|| {
                        format!("--only takes engine, server and browser, not {name:?}")
                    })?;
                wanted.push(part);
            }
            // Always in the run's own order, whatever order they were named in.
            Ok(PARTS.into_iter().filter(|p| wanted.contains(p)).collect())
        }
        _ => Err(format!(
            "bench takes only --only engine,server,browser, not {args:?}"
        )),
    }
}

/// One part's timing and the load around it.
struct PartRun {
    part: Part,
    seconds: f64,
    uptime_before: String,
    uptime_after: String,
}

/// Runs the chosen parts (a failing part is recorded and the others still run), writes the
/// section into BENCHMARKS.md, and fails at the end if any part failed.
pub fn run(parts: &[Part]) -> Result<(), String> {
    let knobs = Knobs::from_env(|name| std::env::var(name).ok())?;
    let date = machine::now();
    let mut figures = Figures {
        server: Outcome::NotRun,
        browser: Outcome::NotRun,
        engine: Outcome::NotRun,
    };
    let mut runs = Vec::new();
    for &part in parts {
        println!("\n==== bench part: {} ====", part.name());
        let uptime_before = machine::uptime();
        let started = Instant::now();
        match part {
            Part::Engine => figures.engine = outcome(part, engine::run_part()),
            Part::Server => {
                figures.server = outcome(part, server::run_part(knobs.seconds, &knobs.scaling))
            }
            Part::Browser => figures.browser = outcome(part, browser::run_part(knobs.items)),
        }
        runs.push(PartRun {
            part,
            seconds: started.elapsed().as_secs_f64(),
            uptime_before,
            uptime_after: machine::uptime(),
        });
    }
    let section = section(&figures, &knobs, parts, &runs, &date);
    println!("\n{section}");
    write_benchmarks(&section)?;
    let server_failed = match &figures.server {
        Outcome::Failed(_) => true,
        Outcome::Measured(s) => !s.failures.is_empty(),
        Outcome::NotRun => false,
    };
    let failed: Vec<&str> = [
        (Part::Engine, matches!(figures.engine, Outcome::Failed(_))),
        (Part::Server, server_failed),
        (Part::Browser, matches!(figures.browser, Outcome::Failed(_))),
    ]
    .iter()
    .filter(|(_, failed)| *failed)
    .map(|(p, _)| p.name())
    .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the {} part(s) failed; BENCHMARKS.md says so in their place",
            failed.join(", ")
        ))
    }
}

/// A part's result as an outcome; a failure is reported now and recorded for the section.
fn outcome<T>(part: Part, result: Result<T, String>) -> Outcome<T> {
    match result {
        Ok(figures) => Outcome::Measured(figures),
        Err(e) => {
            eprintln!("xtask: the {} part failed: {e}", part.name());
            Outcome::Failed(e)
        }
    }
}

/// The whole generated section (without the markers).
fn section(
    figures: &Figures,
    knobs: &Knobs,
    parts: &[Part],
    runs: &[PartRun],
    date: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "_Written by `cargo xtask bench` from its run on {date}; everything between these markers \
         is replaced by the next run._\n"
    );
    let reductions = knobs.reductions(parts);
    let skipped: Vec<&str> = PARTS
        .iter()
        .filter(|p| !parts.contains(p))
        .map(|p| p.name())
        .collect();
    if !reductions.is_empty() {
        let _ = writeln!(
            out,
            "**REDUCED RUN** — smaller than the full benchmark: {}. It shows the command works end \
             to end; its figures are not the ones the targets are to be judged on. The full run is \
             `cargo xtask bench` with no `BENCH_*` variables set.\n",
            reductions.join(", ")
        );
    }
    if !skipped.is_empty() {
        let _ = writeln!(
            out,
            "**PARTIAL RUN** — not run: {} (their rows say so).\n",
            skipped.join(", ")
        );
    }
    let _ = writeln!(out, "- Reproduce: `{}`", knobs.command(parts));
    let _ = writeln!(out, "- Commit: {}", machine::commit());
    let _ = writeln!(out, "- Machine: {}", machine::description());
    let tools: Vec<String> = machine::tool_versions()
        .into_iter()
        .map(|(name, version)| format!("{name}: {version}"))
        .collect();
    let _ = writeln!(out, "- Tools: {}", tools.join("; "));
    out.push_str(
        "\n| part | took | load average before (1, 5, 15 min) | after |\n| --- | --- | --- | --- |\n",
    );
    for r in runs {
        let _ = writeln!(
            out,
            "| {} | {:.0} s | {} | {} |",
            r.part.name(),
            r.seconds,
            machine::load_averages(&r.uptime_before),
            machine::load_averages(&r.uptime_after)
        );
    }
    out.push_str("\n### Targets\n\n");
    out.push_str(&table::render(&table::rows(figures)));
    out.push_str(
        "\n### Server: Dynaplay, dynalite, moto and the nginx ceiling under wrk; scaling\n\n",
    );
    part_detail(&mut out, &figures.server, |s| {
        server::detail(s, knobs.seconds)
    });
    out.push_str("\n### Browser: engine calls, bulk load, reopen, page load\n\n");
    part_detail(&mut out, &figures.browser, browser::detail);
    out.push_str("\n### Engine: `Engine::dispatch` against its JSON floor (criterion)\n\n");
    part_detail(&mut out, &figures.engine, engine::detail);
    out
}

fn part_detail<T>(out: &mut String, outcome: &Outcome<T>, detail: impl Fn(&T) -> String) {
    match outcome {
        Outcome::Measured(f) => out.push_str(&detail(f)),
        Outcome::Failed(why) => {
            let _ = writeln!(out, "**Failed**: {}", why.replace('\n', " "));
        }
        Outcome::NotRun => out.push_str("Not run (`--only`).\n"),
    }
}

/// BENCHMARKS.md with what is between the markers replaced by `section` (the markers are added
/// after the first paragraph the first time).
fn replace_section(text: &str, section: &str) -> String {
    let block = format!("{MARK_START}\n{section}{MARK_END}");
    match (text.find(MARK_START), text.find(MARK_END)) {
        (Some(start), Some(end)) if start < end => {
            format!("{}{block}{}", &text[..start], &text[end + MARK_END.len()..])
        }
        _ => match text.find("\n## ") {
            Some(at) => format!(
                "{}## The last run\n\n{block}\n{}",
                &text[..at + 1],
                &text[at..]
            ),
            None => format!("{}\n\n## The last run\n\n{block}\n", text.trim_end()),
        },
    }
}

fn write_benchmarks(section: &str) -> Result<(), String> {
    let path = root().join("BENCHMARKS.md");
    let text = fs::read_to_string(&path).map_err(|e| format!("cannot read BENCHMARKS.md: {e}"))?;
    fs::write(&path, replace_section(&text, section))
        .map_err(|e| format!("cannot write BENCHMARKS.md: {e}"))?;
    println!("wrote the run into BENCHMARKS.md");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knobs(vars: &[(&str, &str)]) -> Result<Knobs, String> {
        Knobs::from_env(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    // A run with smaller sizes says so, and the reproduce line carries exactly those sizes.
    #[test]
    fn a_reduced_run_is_labelled_and_reproducible() {
        let full = knobs(&[]).expect("defaults");
        assert!(full.reductions(&PARTS).is_empty());
        assert_eq!(full.command(&PARTS), "cargo xtask bench");

        let small =
            knobs(&[("BENCH_SECONDS", "2"), ("BENCH_SCALING", "10000, 100000")]).expect("knobs");
        assert_eq!(small.reductions(&PARTS).len(), 2);
        // Knobs of a part that did not run reduce nothing.
        assert!(small.reductions(&[Part::Browser]).is_empty());
        assert_eq!(
            small.command(&[Part::Server, Part::Browser]),
            "BENCH_SECONDS=2 BENCH_SCALING=10000,100000 cargo xtask bench --only server,browser"
        );
        assert!(knobs(&[("BENCH_ITEMS", "many")]).is_err());
    }

    #[test]
    fn only_picks_parts_in_run_order() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(parse_only(&[]), Ok(PARTS.to_vec()));
        assert_eq!(
            parse_only(&args(&["--only", "browser,engine"])),
            Ok(vec![Part::Engine, Part::Browser])
        );
        assert!(parse_only(&args(&["--only", "wasm"])).is_err());
        assert!(parse_only(&args(&["server"])).is_err());
    }

    // The section between the markers is replaced and the hand-written text around it kept.
    #[test]
    fn replaces_only_the_marked_section() {
        let text = format!("# B\n\nintro\n\n{MARK_START}\nold\n{MARK_END}\n\n## Notes\nkept\n");
        let new = replace_section(&text, "new\n");
        assert_eq!(
            new,
            format!("# B\n\nintro\n\n{MARK_START}\nnew\n{MARK_END}\n\n## Notes\nkept\n")
        );
        let first = replace_section("# B\n\nintro\n\n## Notes\nkept\n", "new\n");
        assert!(first.contains(&format!(
            "intro\n\n## The last run\n\n{MARK_START}\nnew\n{MARK_END}\n\n## Notes"
        )));
    }
}
