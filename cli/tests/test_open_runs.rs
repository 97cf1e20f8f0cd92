//! Open runs (issue 11): a run written with an engine's own component, codes
//! and events (declared in `tests/external`, linked into this test but not
//! into the `basis-log` binary) is read in full by the binary through the
//! run's `catalog.json`; and a run of the previous layout, without
//! `catalog.json`, still validates and exports.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Output};

use arrow_schema::DataType;
use basis_external_event::{PAYMENTS, SNAPSHOTS, write_funding_run};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

fn basis_log(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_basis-log"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("basis-log runs")
}

/// A one-day demo run written by the `basis-log` binary itself, whose
/// catalog holds the guide's events only (this test binary links more).
fn binary_demo(dir: &Path, correlation_id: &str) -> std::path::PathBuf {
    let out = basis_log(
        dir,
        &[
            "demo",
            "--days",
            "1",
            "--correlation-id",
            correlation_id,
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    dir.join(outcome["run_dir"].as_str().unwrap())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn parquet_types(path: &Path) -> (usize, std::collections::HashMap<String, DataType>) {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    let rows = builder.metadata().file_metadata().num_rows() as usize;
    let types = builder
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect();
    (rows, types)
}

#[test]
fn a_run_of_an_engines_own_events_is_read_in_full_by_a_binary_without_them() {
    let dir = tempfile::tempdir().unwrap();
    let run = write_funding_run(&dir.path().join("logs"), "fundrun").unwrap();
    let run_arg = run.to_str().unwrap();
    let catalog: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("catalog.json")).unwrap()).unwrap();
    assert!(
        catalog["components"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "FundingMonitor" && c["prefix"] == "FUND")
    );

    // validate: every line passes, custom ones checked against the run's schemas.
    let out = basis_log(dir.path(), &["validate", run_arg, "--json"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["problems"].as_array().unwrap().len(), 0, "{report}");
    let checked = |file: &str| {
        report["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(file))
            .map(|f| (f["lines"].as_u64().unwrap(), f["valid"].as_u64().unwrap()))
    };
    assert_eq!(checked("funding_rates.jsonl"), Some((SNAPSHOTS, SNAPSHOTS)));
    assert_eq!(
        checked("funding_payments.jsonl"),
        Some((PAYMENTS, PAYMENTS))
    );

    // A custom line that breaks its (catalog) schema is caught by name.
    let rates = run.join("events/funding_rates.jsonl");
    let original = std::fs::read_to_string(&rates).unwrap();
    let broken = original.replacen(r#""rate":"#, r#""rate":"high","was":"#, 1);
    std::fs::write(&rates, &broken).unwrap();
    let out = basis_log(dir.path(), &["validate", run_arg]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr)
            .contains("funding_rates.jsonl:1: breaks the schema of FundingRateSnapshot"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(&rates, &original).unwrap();

    // export: CSV and typed Parquet for the custom events, counted in the summary.
    let out = basis_log(dir.path(), &["export", run_arg, "--to", "res", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let res = dir.path().join("res");
    let csv_rows = |stem: &str| {
        csv::Reader::from_path(res.join(format!("csv/{stem}.csv")))
            .unwrap()
            .records()
            .count() as u64
    };
    assert_eq!(csv_rows("funding_rates"), SNAPSHOTS);
    assert_eq!(csv_rows("funding_payments"), PAYMENTS);
    let (rows, rates_types) = parquet_types(&res.join("parquet/funding_rates.parquet"));
    assert_eq!(rows as u64, SNAPSHOTS);
    assert!(
        matches!(rates_types["best"], DataType::Struct(_)),
        "a nested struct stays a struct: {:?}",
        rates_types["best"]
    );
    assert!(
        matches!(rates_types["rates"], DataType::Map(..)),
        "{:?}",
        rates_types["rates"]
    );
    let (rows, payment_types) = parquet_types(&res.join("parquet/funding_payments.parquet"));
    assert_eq!(rows as u64, PAYMENTS);
    assert_eq!(payment_types["payment_number"], DataType::Int64);
    assert_eq!(payment_types["is_long"], DataType::Boolean);
    assert_eq!(payment_types["amount_usd"], DataType::Float64);

    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(res.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["events_per_type"]["FundingRateSnapshot"], SNAPSHOTS);
    assert_eq!(summary["events_per_type"]["FundingPayment"], PAYMENTS);
    assert_eq!(summary["complete"], true);
    // The time range covers every type: the last funding sample is later
    // than the last guide event.
    let last_minute = SNAPSHOTS.max(PAYMENTS) - 1;
    assert_eq!(
        summary["time_range"]["end"],
        format!(
            "2025-01-15T{:02}:{:02}:00",
            last_minute / 60,
            last_minute % 60
        )
    );
    assert!(
        summary["total_events"].as_u64().unwrap() > SNAPSHOTS + PAYMENTS,
        "{}",
        summary["total_events"]
    );

    // The report lists every event type with its count.
    let page = std::fs::read_to_string(res.join("report.html")).unwrap();
    for (event, count) in [
        ("FundingRateSnapshot", SNAPSHOTS),
        ("FundingPayment", PAYMENTS),
    ] {
        assert!(
            page.contains(&format!(r#"data-event="{event}" data-events="{count}""#)),
            "the report lists {event}"
        );
    }

    // errors: the custom code resolves from the run's catalog.
    let out = basis_log(dir.path(), &["errors", run_arg, "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("FUND-002"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_run_without_a_catalog_still_validates_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let run = binary_demo(dir.path(), "oldlayout");
    std::fs::remove_file(run.join("catalog.json")).unwrap();
    let run_arg = run.to_str().unwrap();
    let out = basis_log(dir.path(), &["validate", run_arg]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no catalog.json"),
        "validate says it used the compiled-in schemas: {}",
        text(&out.stderr)
    );
    let out = basis_log(dir.path(), &["export", run_arg, "--to", "old-results"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        dir.path()
            .join("old-results/parquet/positions.parquet")
            .is_file()
    );
}

/// Mutant seen to fail: the `!options.skip_unknown` guard of `export`
/// (`cli/src/export/mod.rs`) as `false`, an unknown file always skipped.
#[test]
fn an_event_file_the_catalog_does_not_name_fails_export_unless_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let run = binary_demo(dir.path(), "unknownfile");
    std::fs::write(run.join("events/mystery.jsonl"), "{}\n").unwrap();
    std::fs::write(run.join("events/mystery.1.jsonl"), "{}\n").unwrap();
    let run_arg = run.to_str().unwrap();
    let out = basis_log(dir.path(), &["validate", run_arg]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr.lines().filter(|l| l.contains("mystery")).count(),
        1,
        "once per file: {stderr}"
    );
    assert!(
        !text(&out.stdout).contains(": 0 problem(s)"),
        "an unknown file is a problem: {}",
        text(&out.stdout)
    );
    let out = basis_log(dir.path(), &["export", run_arg, "--to", "r1"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--skip-unknown"),
        "{}",
        text(&out.stderr)
    );
    let out = basis_log(
        dir.path(),
        &["export", run_arg, "--to", "r2", "--skip-unknown"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.path().join("r2/logs").is_dir());
}

/// Mutant seen to fail: `refuse_unfinished` (`cli/src/export/mod.rs`)
/// letting every run through.
#[test]
fn an_unfinished_run_is_refused_and_shown_as_not_complete() {
    let dir = tempfile::tempdir().unwrap();
    let run = binary_demo(dir.path(), "unfinished");
    let manifest_path = run.join("metadata.json");
    let mut manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    manifest["status"] = "running".into();
    manifest["end_time"] = Value::Null;
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    let run_arg = run.to_str().unwrap();
    let out = basis_log(dir.path(), &["export", run_arg, "--to", "r1"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not complete"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.path().join("r1").exists());
    let out = basis_log(
        dir.path(),
        &["export", run_arg, "--to", "r2", "--allow-running"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r2/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["complete"], false);
    assert!(summary["status"].as_str().unwrap().contains("running"));
    let md = std::fs::read_to_string(dir.path().join("r2/summary.md")).unwrap();
    assert!(md.contains("not complete"), "{md}");
    let page = std::fs::read_to_string(dir.path().join("r2/report.html")).unwrap();
    assert!(page.contains(r#"data-complete="false""#));
    assert!(!page.contains("Complete: the run completed"));
}
