//! Installing the tools the build and the tests need. Every step checks first and skips itself when
//! the right version is already there, so a second run costs a few seconds.

use std::fs;
use std::path::Path;

use crate::process::{command, output, root, run};

/// The Trunk release that works with this toolchain (0.22 needs a newer rustc).
pub const TRUNK_VERSION: &str = "0.21.14";
/// The Chromium binary the browser tests drive.
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub fn install_all() -> Result<(), String> {
    rust_components()?;
    wasm_target()?;
    chromium()?;
    wasm_bindgen_cli()?;
    trunk()?;
    node_modules()?;
    python_venv()?;
    Ok(())
}

/// rustfmt and clippy, which a minimal toolchain lacks.
fn rust_components() -> Result<(), String> {
    let fmt = output("cargo", &["fmt", "--version"]).is_some();
    let clippy = output("cargo", &["clippy", "--version"]).is_some();
    if fmt && clippy {
        return skip("rustfmt and clippy");
    }
    run(command(
        "rustup",
        &["component", "add", "rustfmt", "clippy"],
    ))
}

fn wasm_target() -> Result<(), String> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|t| t.trim() == "wasm32-unknown-unknown")
    {
        return skip("rustup target wasm32-unknown-unknown");
    }
    run(command(
        "rustup",
        &["target", "add", "wasm32-unknown-unknown"],
    ))
}

fn chromium() -> Result<(), String> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return skip("chromium and chromium-driver");
    }
    let sudo = output("id", &["-u"]).as_deref() != Some("0");
    let apt = |args: &[&str]| {
        let mut cmd = if sudo {
            let mut cmd = command("sudo", &["apt-get"]);
            cmd.args(args);
            cmd
        } else {
            command("apt-get", args)
        };
        cmd.env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run(apt(&["update"]))?;
    run(apt(&[
        "install",
        "-y",
        "--no-install-recommends",
        "chromium",
        "chromium-driver",
    ]))
}

/// The wasm-bindgen version Cargo.lock pins; the CLI must match it exactly.
pub fn locked_wasm_bindgen() -> Result<String, String> {
    let lock = fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    locked_version(&lock, "wasm-bindgen")
        .ok_or_else(|| "Cargo.lock has no wasm-bindgen package".to_string())
}

/// The version of `package` in a Cargo.lock text.
fn locked_version(lock: &str, package: &str) -> Option<String> {
    let wanted = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim();
            return Some(
                version
                    .strip_prefix("version = \"")?
                    .strip_suffix('"')?
                    .to_string(),
            );
        }
    }
    None
}

fn wasm_bindgen_cli() -> Result<(), String> {
    let version = locked_wasm_bindgen()?;
    let want = format!("wasm-bindgen {version}");
    let has_runner = output("wasm-bindgen-test-runner", &["--version"]).is_some();
    if output("wasm-bindgen", &["--version"]).as_deref() == Some(want.as_str()) && has_runner {
        return skip(&want);
    }
    run(command(
        "cargo",
        &[
            "install",
            "--locked",
            "wasm-bindgen-cli",
            "--version",
            &version,
        ],
    ))
}

fn trunk() -> Result<(), String> {
    let want = format!("trunk {TRUNK_VERSION}");
    if output("trunk", &["--version"]).as_deref() == Some(want.as_str()) {
        return skip(&want);
    }
    // Without LTO and with parallel codegen, Trunk builds in about 10 minutes instead of 14.
    let mut cmd = command(
        "cargo",
        &["install", "--locked", "trunk", "--version", TRUNK_VERSION],
    );
    cmd.env("CARGO_PROFILE_RELEASE_LTO", "off")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16");
    run(cmd)
}

/// `npm ci` unless node_modules was installed from exactly this package-lock.json.
fn node_modules() -> Result<(), String> {
    let lock = fs::read(root().join("package-lock.json"))
        .map_err(|e| format!("cannot read package-lock.json: {e}"))?;
    let stamp = root().join("node_modules").join(".dynaplay-package-lock");
    if fs::read(&stamp).ok().as_deref() == Some(lock.as_slice()) {
        return skip("node_modules (matches package-lock.json)");
    }
    run(command("npm", &["ci", "--no-audit", "--no-fund"]))?;
    fs::write(&stamp, &lock).map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

/// `.venv` with the pinned boto3, for the Python client tests.
fn python_venv() -> Result<(), String> {
    let requirements = "tests/clients/requirements.txt";
    let pinned = fs::read_to_string(root().join(requirements))
        .map_err(|e| format!("cannot read {requirements}: {e}"))?;
    let want = pinned
        .lines()
        .find_map(|l| l.trim().strip_prefix("boto3=="))
        .ok_or_else(|| format!("{requirements} pins no boto3 version"))?
        .to_string();
    let python = root()
        .join(".venv/bin/python")
        .to_string_lossy()
        .into_owned();
    let have = output(&python, &["-c", "import boto3; print(boto3.__version__)"]);
    if have.as_deref() == Some(want.as_str()) {
        return skip(&format!(".venv with boto3 {want}"));
    }
    if !root().join(".venv/bin/python").exists() {
        run(command("python3", &["-m", "venv", ".venv"]))?;
    }
    run(command(
        &python,
        &["-m", "pip", "install", "--quiet", "-r", requirements],
    ))
}

fn skip(what: &str) -> Result<(), String> {
    println!("ok: {what} already installed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::locked_version;

    // The CLI version is read from the lock file; the next package's version must not leak in.
    #[test]
    fn reads_a_locked_version() {
        let lock = "[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.129\"\n\n[[package]]\nname = \"wasm-bindgen-backend\"\nversion = \"0.2.7\"\n";
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.129")
        );
        assert_eq!(
            locked_version(lock, "wasm-bindgen-backend").as_deref(),
            Some("0.2.7")
        );
        assert_eq!(locked_version(lock, "trunk"), None);
    }
}
