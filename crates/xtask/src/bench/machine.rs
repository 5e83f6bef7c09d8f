//! Facts about the machine and the tools a `cargo xtask bench` run used, written beside its figures
//! so a reader can tell a loaded laptop from a quiet server and reproduce the run.

use std::fs;
use std::process::Command;

use super::server::{DYNALITE_VERSION, MOTO_VERSION, PEERS_DIR};
use crate::process::{output, path_env, root};
use crate::setup::CHROMIUM;

/// What `uptime` prints, trimmed ("10:02:11 up 5:49, 0 users, load average: 1.08, 1.99, 2.28").
pub fn uptime() -> String {
    output("uptime", &[]).unwrap_or_else(|| {
        // No procps: the kernel's own figures say the same.
        fs::read_to_string("/proc/loadavg")
            .map(|l| format!("load average (/proc/loadavg): {}", l.trim()))
            .unwrap_or_else(|_| "?".into())
    })
}

/// Just the three load averages of an `uptime` line ("1.08, 1.99, 2.28").
pub fn load_averages(uptime: &str) -> &str {
    uptime
        .rsplit_once("load average:")
        .map_or(uptime, |(_, l)| l.trim())
}

/// The date and time in UTC as `date` prints it (xtask has no date crate).
pub fn now() -> String {
    output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_else(|| "?".into())
}

/// Cores, CPU model and memory, in one line.
pub fn description() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_string();
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or("? GB".to_string(), |kb| {
            format!("{:.1} GB", kb as f64 / 1024.0 / 1024.0)
        });
    format!("{cores} cores available to this process ({model}), {memory} of memory")
}

/// The commit measured, with "+ uncommitted changes" when the worktree differs from it.
/// BENCHMARKS.md does not count: every run rewrites it, so a second run on the same commit would
/// otherwise always look modified.
pub fn commit() -> String {
    let head = output("git", &["rev-parse", "--short=10", "HEAD"]).unwrap_or_else(|| "?".into());
    let dirty = output(
        "git",
        &[
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ".",
            ":(exclude)BENCHMARKS.md",
        ],
    )
    .is_some_and(|s| !s.is_empty());
    if dirty {
        format!("{head} + uncommitted changes")
    } else {
        head
    }
}

/// The first line a tool prints about its version, on stdout or stderr, whatever its exit status
/// (`wrk -v` exits 1, `nginx -v` writes to stderr); None when it cannot be started.
fn version_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(root())
        .env("PATH", path_env())
        .output()
        .ok()?;
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

/// A version line without the words around the version ("nginx version: nginx/1.22.1" and
/// "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer" say more than the version).
fn tidy_version(line: &str) -> String {
    let line = line.strip_prefix("nginx version: ").unwrap_or(line);
    let line = line.split(" Copyright").next().unwrap_or(line);
    line.trim().to_string()
}

/// `name version` pairs for every tool a part may use; "not installed" where a tool is missing.
pub fn tool_versions() -> Vec<(&'static str, String)> {
    let missing = || "not installed".to_string();
    let peers = root().join(PEERS_DIR);
    let dynalite = fs::read_to_string(peers.join("dynalite/node_modules/dynalite/package.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v.get("version")?.as_str().map(str::to_string))
        .map_or_else(missing, |v| format!("{v} (pinned {DYNALITE_VERSION})"));
    let moto = output(
        &peers.join("moto-venv/bin/python").to_string_lossy(),
        &["-c", "import moto; print(moto.__version__)"],
    )
    .map_or_else(missing, |v| format!("{v} (pinned {MOTO_VERSION})"));
    let line = |program: &str, args: &[&str]| {
        version_line(program, args).map_or_else(missing, |l| tidy_version(&l))
    };
    vec![
        ("wrk", line("wrk", &["-v"])),
        ("nginx", line("nginx", &["-v"])),
        ("dynalite", dynalite),
        ("moto", moto),
        ("node", line("node", &["--version"])),
        ("chromium", line(CHROMIUM, &["--version"])),
        ("rustc", line("rustc", &["--version"])),
    ]
}

#[cfg(test)]
mod tests {
    use super::{load_averages, tidy_version};

    #[test]
    fn keeps_only_the_version_words() {
        assert_eq!(tidy_version("nginx version: nginx/1.22.1"), "nginx/1.22.1");
        assert_eq!(
            tidy_version("wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer"),
            "wrk debian/4.1.0-3+b2 [epoll]"
        );
        assert_eq!(tidy_version("v20.20.2"), "v20.20.2");
    }

    #[test]
    fn takes_the_load_averages_from_uptime() {
        assert_eq!(
            load_averages(" 08:45:00 up  5:49,  0 user,  load average: 1.08, 1.99, 2.28"),
            "1.08, 1.99, 2.28"
        );
        assert_eq!(load_averages("?"), "?");
    }
}
