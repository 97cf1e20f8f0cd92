//! The report of a fresh demo run, opened in Debian's headless Chromium: no
//! console error, no network request, every chart drawn, and the headline
//! numbers equal to summary.json's.
//!
//! Uses `report/tests/browser/check_report.mjs` (playwright-core, `npm ci` in
//! that directory). Without Chromium or the node modules the test says so and
//! passes, unless `BASIS_REQUIRE_BROWSER=1` (CI sets it). Set
//! `BASIS_REPORT_SCREENSHOT=docs/report.png` to keep the screenshot.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::demo_in;

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../report/tests/browser")
}

fn missing_tools() -> Option<String> {
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.exists() {
        return Some(format!("{} not found", chromium.display()));
    }
    if !browser_dir()
        .join("node_modules/playwright-core/package.json")
        .exists()
    {
        return Some("playwright-core not installed: `npm ci` in report/tests/browser".into());
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("`node` is not on PATH".into());
    }
    None
}

#[test]
fn test_demo_report_in_headless_chromium_matches_the_summary() {
    if let Some(reason) = missing_tools() {
        let required = std::env::var("BASIS_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(!required, "BASIS_REQUIRE_BROWSER=1 but {reason}");
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED the demo report browser test: {reason}"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 30, 42, "browserdemo");
    let results = &outcome.export.results_dir;
    let screenshot = std::env::var_os("BASIS_REPORT_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.path().join("report.png"));
    let output = Command::new("node")
        .current_dir(browser_dir())
        .arg("check_report.mjs")
        .arg("--report")
        .arg(results.join("report.html"))
        .arg("--summary")
        .arg(results.join("summary.json"))
        .arg("--screenshot")
        .arg(&screenshot)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("11 of 11 charts drawn"), "{stdout}{stderr}");
    let png = std::fs::read(&screenshot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
}
