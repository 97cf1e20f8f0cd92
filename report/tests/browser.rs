//! The report in a real browser: Debian's headless Chromium, driven by
//! playwright-core through `tests/browser/check_report.mjs`.
//!
//! Needs `/usr/bin/chromium` (Debian's `chromium`, or `$CHROMIUM`), `node`,
//! and `npm ci` run in `report/tests/browser`. Without them the test says so
//! and passes, unless `BASIS_REQUIRE_BROWSER=1` (CI sets it), when it fails.
//! `BASIS_REPORT_SCREENSHOT=path.png` keeps the full-page screenshot.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use basis_report::{ReportOptions, write_report};
use common::*;

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("browser")
}

/// Why the browser test cannot run here, if it cannot.
fn missing_tools() -> Option<String> {
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.exists() {
        return Some(format!(
            "{} not found: `apt-get install -y chromium`",
            chromium.display()
        ));
    }
    if !browser_dir()
        .join("node_modules/playwright-core/package.json")
        .exists()
    {
        return Some("playwright-core not installed: `npm ci` in report/tests/browser".to_owned());
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("`node` is not on PATH".to_owned());
    }
    None
}

#[test]
fn the_report_opens_in_headless_chromium_with_every_chart_drawn() {
    if let Some(reason) = missing_tools() {
        let required = std::env::var("BASIS_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(!required, "BASIS_REQUIRE_BROWSER=1 but {reason}");
        // Straight to stderr, not through `eprintln!`, which the test
        // harness captures: a skip must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED the browser test: {reason} (set BASIS_REQUIRE_BROWSER=1 to make this an error)"
        );
        return;
    }
    let (run, process) = complete_run();
    let out = run
        .root
        .path()
        .join("results")
        .join("run")
        .join("report.html");
    write_report(&process, &out, &ReportOptions::default()).unwrap();
    let screenshot = std::env::var_os("BASIS_REPORT_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| run.root.path().join("report.png"));

    // The expected numbers by the rule, from the events written, not from
    // the page: total_value_usd and total_pnl_usd of the last events.
    let final_total_value = value_at(HOURS - 1);
    let total_pnl = pnl(HOURS - 1).total_pnl_usd;
    let output = Command::new("node")
        .current_dir(browser_dir())
        .arg("check_report.mjs")
        .arg("--report")
        .arg(&out)
        .args(["--charts", &CHARTS.join(",")])
        .args(["--expect-final-total-value", &final_total_value.to_string()])
        .args(["--expect-total-pnl", &total_pnl.to_string()])
        .arg("--screenshot")
        .arg(&screenshot)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains(": ok: 11 of 11 charts drawn"),
        "{stdout}{stderr}"
    );
    println!("{stdout}");

    let png = std::fs::read(&screenshot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG screenshot");
    assert!(
        png.len() > 50_000,
        "a full page, not an empty one: {} bytes",
        png.len()
    );
}
