//! `basis-log compare`: zero deltas for one seed, deltas equal to the
//! summaries' differences for two, a warning naming each difference that
//! makes runs not comparable, and the page checked in headless Chromium.

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use basis_log::compare::{self, CompareOptions, Comparison};
use basis_log::demo::{self, DemoOptions};
use common::demo_in;
use serde_json::Value;

fn compare_dirs(runs: &[&Path], keep_series: bool) -> Comparison {
    compare::compare(&CompareOptions {
        runs: runs.iter().map(|p| p.to_path_buf()).collect(),
        baseline: None,
        keep_series,
    })
    .expect("compare runs")
}

fn summary(results: &Path) -> Value {
    serde_json::from_slice(&fs::read(results.join("summary.json")).unwrap()).unwrap()
}

fn delta(c: &Comparison, metric: &str) -> Option<f64> {
    c.deltas[0].deltas[metric]
}

/// The largest fall of total value from its running peak, from the JSONL
/// copy of the positions: an independent path to the figure compare reads
/// from Parquet.
fn max_drawdown_from_jsonl(results: &Path) -> f64 {
    let mut values = Vec::new();
    for process in fs::read_dir(results.join("logs")).unwrap() {
        let file = process.unwrap().path().join("events/positions.jsonl");
        for line in fs::read_to_string(file).unwrap().lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            values.push((
                v["timestamp"].as_str().unwrap().to_owned(),
                v["total_value_usd"].as_f64().unwrap(),
            ));
        }
    }
    values.sort_by(|a, b| a.0.cmp(&b.0));
    let mut peak = f64::NEG_INFINITY;
    let mut max = 0.0f64;
    for (_, v) in values {
        peak = peak.max(v);
        max = max.max(peak - v);
    }
    max
}

#[test]
fn test_two_runs_of_one_seed_have_zero_deltas_and_no_warning() {
    let dir = tempfile::tempdir().unwrap();
    let a = demo_in(dir.path(), 5, 7, "seed7a").export.results_dir;
    let b = demo_in(dir.path(), 5, 7, "seed7b").export.results_dir;
    let c = compare_dirs(&[&a, &b], false);
    assert_eq!(c.baseline, "seed7a");
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert!(c.metrics.len() > 10, "{:?}", c.metrics);
    for (metric, delta) in &c.deltas[0].deltas {
        assert_eq!(*delta, Some(0.0), "{metric}");
    }
    assert!(c.runs[0].values["max_drawdown_usd"].unwrap() > 0.0);
}

#[test]
fn test_deltas_of_two_seeds_equal_the_differences_of_their_summaries() {
    let dir = tempfile::tempdir().unwrap();
    let a = demo_in(dir.path(), 10, 1, "seed1").export.results_dir;
    let b = demo_in(dir.path(), 10, 2, "seed2").export.results_dir;
    let c = compare_dirs(&[&a, &b], false);
    let (sa, sb) = (summary(&a), summary(&b));
    let diff = |key: &str| sb[key].as_f64().unwrap() - sa[key].as_f64().unwrap();
    assert_eq!(
        delta(&c, "final_total_value_usd"),
        Some(diff("final_total_value_usd"))
    );
    assert_ne!(
        delta(&c, "final_total_value_usd"),
        Some(0.0),
        "seeds differ"
    );
    assert_eq!(delta(&c, "total_return"), Some(diff("total_return")));
    for (name, value) in sa["pnl"]["attribution"].as_object().unwrap() {
        let expected = sb["pnl"]["attribution"][name].as_f64().unwrap() - value.as_f64().unwrap();
        assert_eq!(
            delta(&c, &format!("pnl_attribution.{name}")),
            Some(expected),
            "{name}"
        );
    }
    for severity in ["CRITICAL", "HIGH", "MEDIUM", "LOW"] {
        let expected = sb["errors"]["by_severity"][severity]
            .as_f64()
            .unwrap_or(0.0)
            - sa["errors"]["by_severity"][severity]
                .as_f64()
                .unwrap_or(0.0);
        assert_eq!(
            delta(&c, &format!("errors.{severity}")),
            Some(expected),
            "{severity}"
        );
    }
    assert_eq!(
        c.runs[0].values["max_drawdown_usd"],
        Some(max_drawdown_from_jsonl(&a))
    );
    assert_eq!(
        delta(&c, "max_drawdown_usd"),
        Some(max_drawdown_from_jsonl(&b) - max_drawdown_from_jsonl(&a))
    );
}

#[test]
fn test_each_difference_that_makes_runs_not_comparable_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let base = demo_in(dir.path(), 3, 1, "base").export.results_dir;
    let rich = demo::run(
        &DemoOptions {
            seed: 1,
            days: 4,
            capital: 20_000.0,
            out: dir.path().join("logs"),
            results: dir.path().join("results"),
            correlation_id: Some("rich".to_owned()),
            force: false,
            max_file_bytes: None,
        },
        &mut |_| {},
    )
    .unwrap()
    .export
    .results_dir;
    let odd = demo_in(dir.path(), 3, 1, "odd").export.results_dir;
    let mut s = summary(&odd);
    s["strategy"] = "another_strategy".into();
    for manifest in s["manifest"].as_object_mut().unwrap().values_mut() {
        manifest["crate_version"] = "9.9.9".into();
        manifest["schema_versions"]["PositionSnapshot"] = 2.into();
        manifest["status"] = "running".into();
    }
    fs::write(odd.join("summary.json"), s.to_string()).unwrap();
    // The run carries its catalog (logs/{pid}/catalog.json): a bumped event
    // version makes it another catalog.
    for process in fs::read_dir(odd.join("logs")).unwrap() {
        let path = process.unwrap().path().join("catalog.json");
        let mut catalog: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        for event in catalog["events"].as_array_mut().unwrap() {
            if event["name"] == "PositionSnapshot" {
                event["version"] = 2.into();
            }
        }
        fs::write(&path, catalog.to_string()).unwrap();
    }

    let c = compare_dirs(&[&base, &rich, &odd], false);
    let named = |run: &str| -> Vec<String> {
        c.warnings
            .iter()
            .filter(|w| w.run == run)
            .map(|w| w.what.clone())
            .collect()
    };
    assert_eq!(named("base"), Vec::<String>::new());
    assert_eq!(named("rich"), ["initial capital", "engine time range"]);
    assert_eq!(
        named("odd"),
        ["status", "binary version", "catalog", "strategy"]
    );
    let text: Vec<String> = c.warnings.iter().map(ToString::to_string).collect();
    assert!(
        text.contains(&"rich has a different initial capital: 20000 (baseline 10000)".to_owned()),
        "{text:?}"
    );
}

#[test]
fn test_bad_inputs_get_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 2, 1, "only");
    let results = outcome.export.results_dir;
    let err = |runs: Vec<PathBuf>, baseline: Option<PathBuf>| {
        compare::compare(&CompareOptions {
            runs,
            baseline,
            keep_series: false,
        })
        .unwrap_err()
        .to_string()
    };
    let e = err(vec![results.clone()], None);
    assert!(e.contains("at least two"), "{e}");
    let e = err(vec![results.clone(), outcome.run_dir.clone()], None);
    assert!(
        e.contains("no summary.json") && e.contains("export it first"),
        "{e}"
    );
    let e = err(
        vec![results.clone(), results.clone()],
        Some(dir.path().join("elsewhere")),
    );
    assert!(e.contains("--baseline"), "{e}");
    let e = err(vec![results.clone(), results.clone()], None);
    assert!(e.contains("given twice"), "{e}");
}

#[test]
fn test_the_command_prints_json_and_writes_a_page_only_where_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let a = demo_in(dir.path(), 3, 1, "cmda").export.results_dir;
    let b = demo_in(dir.path(), 3, 2, "cmdb").export.results_dir;
    let page = dir.path().join("compare.html");
    let output = Command::cargo_bin("basis-log")
        .unwrap()
        .args(["--json", "compare"])
        .arg(&a)
        .arg(&b)
        .arg("--baseline")
        .arg(&b)
        .arg("--report")
        .arg(&page)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["baseline"], "cmdb");
    assert_eq!(json["deltas"][0]["correlation_id"], "cmda");
    let html = fs::read_to_string(&page).unwrap();
    assert!(html.contains("data-kind=\"delta\""));
    // Someone else's file is never replaced, with or without --force.
    let theirs = dir.path().join("theirs.html");
    fs::write(&theirs, "<html>mine</html>").unwrap();
    for force in [false, true] {
        let mut cmd = Command::cargo_bin("basis-log").unwrap();
        cmd.arg("compare")
            .arg(&a)
            .arg(&b)
            .arg("--report")
            .arg(&theirs);
        if force {
            cmd.arg("--force");
        }
        cmd.assert().failure();
    }
    assert_eq!(fs::read_to_string(&theirs).unwrap(), "<html>mine</html>");
    // Our own page is replaced with --force.
    Command::cargo_bin("basis-log")
        .unwrap()
        .arg("compare")
        .arg(&a)
        .arg(&b)
        .arg("--report")
        .arg(&page)
        .arg("--force")
        .assert()
        .success();
}

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
    if Process::new("node").arg("--version").output().is_err() {
        return Some("`node` is not on PATH".into());
    }
    None
}

#[test]
fn test_the_compare_page_in_headless_chromium_shows_the_json_numbers() {
    if let Some(reason) = missing_tools() {
        let required = std::env::var("BASIS_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(!required, "BASIS_REQUIRE_BROWSER=1 but {reason}");
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED the compare page browser test: {reason}"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let a = demo_in(dir.path(), 10, 1, "pagea").export.results_dir;
    let b = demo_in(dir.path(), 10, 2, "pageb").export.results_dir;
    let c = demo_in(dir.path(), 10, 3, "pagec").export.results_dir;
    let page = dir.path().join("compare.html");
    let json = dir.path().join("compare.json");
    let output = Command::cargo_bin("basis-log")
        .unwrap()
        .args(["--json", "compare"])
        .args([&a, &b, &c])
        .arg("--report")
        .arg(&page)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    fs::write(&json, &output.stdout).unwrap();
    let output = Process::new("node")
        .current_dir(browser_dir())
        .arg("check_compare.mjs")
        .arg("--page")
        .arg(&page)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("3 of 3 charts drawn"), "{stdout}{stderr}");
}
