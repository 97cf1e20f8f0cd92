//! The results store over a real demo run: copies, CSV, Parquet, summary, and
//! the refusals.

mod common;

use std::fs::File;

use arrow_schema::{DataType, TimeUnit};
use basis_log::Error;
use basis_log::export::{ExportOptions, export};
use common::{demo_in, event_path, lines};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

#[test]
fn test_export_row_counts_types_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 2, 7, "exportrun");
    let results = &outcome.export.results_dir;
    assert_eq!(results, &dir.path().join("results").join("exportrun"));
    assert!(
        outcome.export.skipped.is_empty(),
        "{:?}",
        outcome.export.skipped
    );

    // Every log file is copied, events and component logs alike.
    let pid = outcome.run_dir.file_name().unwrap();
    let copied = results.join("logs").join(pid);
    assert!(copied.join("events/operation_executions.jsonl").is_file());
    assert!(copied.join("execution_manager.log").is_file());
    assert!(copied.join("metadata.json").is_file());

    // One CSV and one Parquet file per event file, with as many rows as lines.
    assert_eq!(outcome.export.csv_files.len(), 12);
    assert_eq!(outcome.export.parquet_files.len(), 12);
    for csv_path in &outcome.export.csv_files {
        let stem = csv_path.file_stem().unwrap().to_str().unwrap();
        let jsonl = lines(&event_path(&outcome.run_dir, &format!("{stem}.jsonl")));
        let mut reader = csv::Reader::from_path(csv_path).unwrap();
        let rows = reader.records().filter(|r| r.is_ok()).count();
        assert_eq!(rows, jsonl.len(), "{stem}.csv");

        let parquet_path = results.join("parquet").join(format!("{stem}.parquet"));
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(File::open(&parquet_path).unwrap()).unwrap();
        assert_eq!(
            builder.metadata().file_metadata().num_rows() as usize,
            jsonl.len()
        );
        let reader = builder.build().unwrap();
        let parquet_rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
        assert_eq!(parquet_rows, jsonl.len(), "{stem}.parquet");
    }

    // Columns in schema order, maps flattened, lists JSON-encoded.
    let mut reader = csv::Reader::from_path(results.join("csv/positions.csv")).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "timestamp",
            "real_utc_time",
            "correlation_id",
            "pid",
            "seq",
            "positions.aave:aToken:aUSDT",
            "positions.wallet:BaseToken:USDT",
            "positions.aave:debtToken:debtUSDT",
            "total_value_usd",
            "position_type",
            "trigger_source",
            "metadata.operation_id",
            "metadata.atomic_group_id",
        ]
    );
    let first_line: Value =
        serde_json::from_str(&lines(&event_path(&outcome.run_dir, "positions.jsonl"))[0]).unwrap();
    let first_row = reader.records().next().unwrap().unwrap();
    assert_eq!(
        first_row[5].parse::<f64>().unwrap(),
        first_line["positions"]["aave:aToken:aUSDT"]
            .as_f64()
            .unwrap()
    );
    let mut groups = csv::Reader::from_path(results.join("csv/atomic_groups.csv")).unwrap();
    let ids_column = groups
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "operation_ids")
        .unwrap();
    let ids: Vec<String> =
        serde_json::from_str(&groups.records().next().unwrap().unwrap()[ids_column]).unwrap();
    assert_eq!(ids.len(), 2);

    // Parquet columns are typed from the schemas.
    let types = |stem: &str| {
        let file = File::open(results.join("parquet").join(format!("{stem}.parquet"))).unwrap();
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        builder
            .schema()
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone()))
            .collect::<std::collections::HashMap<_, _>>()
    };
    let utc = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let positions = types("positions");
    assert_eq!(positions["timestamp"], utc);
    assert_eq!(positions["pid"], DataType::Int64);
    assert_eq!(positions["seq"], DataType::Int64);
    // A map is a Parquet map of the schema's value type, not dotted columns.
    match &positions["positions"] {
        DataType::Map(entries, false) => match entries.data_type() {
            DataType::Struct(kv) => {
                assert_eq!(kv[0].data_type(), &DataType::Utf8);
                assert_eq!(kv[1].data_type(), &DataType::Float64);
            }
            other => panic!("map entries are {other:?}"),
        },
        other => panic!("positions is {other:?}"),
    }
    assert!(!positions.contains_key("positions.aave:aToken:aUSDT"));
    assert_eq!(positions["position_type"], DataType::Utf8);
    let groups = types("atomic_groups");
    assert!(
        matches!(&groups["operation_ids"], DataType::List(item) if item.data_type() == &DataType::Utf8)
    );
    assert_eq!(groups["rollback_occurred"], DataType::Boolean);
    let pnl = types("pnl_calculations");
    // A nested struct is a Parquet struct.
    match &pnl["pnl_attribution"] {
        DataType::Struct(fields) => {
            assert_eq!(fields[0].name(), "supply_yield");
            assert_eq!(fields[0].data_type(), &DataType::Float64);
        }
        other => panic!("pnl_attribution is {other:?}"),
    }
    assert_eq!(pnl["period_end"], utc);
    let ops = types("operation_executions");
    match &ops["expected_deltas"] {
        DataType::List(item) => match item.data_type() {
            DataType::Struct(fields) => {
                assert_eq!(fields[0].name(), "position_key");
                assert_eq!(fields[1].data_type(), &DataType::Float64);
            }
            other => panic!("expected_deltas items are {other:?}"),
        },
        other => panic!("expected_deltas is {other:?}"),
    }
    assert_eq!(ops["error_code"], DataType::Utf8);

    // The summary: numbers are numbers, and they agree with the events.
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(results.join("summary.json")).unwrap())
            .unwrap();
    let last_position: Value = serde_json::from_str(
        lines(&event_path(&outcome.run_dir, "positions.jsonl"))
            .last()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        summary["final_total_value_usd"],
        last_position["total_value_usd"]
    );
    let last_pnl: Value = serde_json::from_str(
        lines(&event_path(&outcome.run_dir, "pnl_calculations.jsonl"))
            .last()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(summary["pnl"]["total_pnl_usd"], last_pnl["total_pnl_usd"]);
    assert_eq!(summary["pnl"]["attribution"], last_pnl["pnl_attribution"]);
    assert!(summary["initial_capital"].is_number());
    assert!(summary["total_return"].is_number());
    assert_eq!(
        summary["events_per_type"]["PositionSnapshot"]
            .as_u64()
            .unwrap() as usize,
        lines(&event_path(&outcome.run_dir, "positions.jsonl")).len()
    );
    for severity in ["CRITICAL", "HIGH", "MEDIUM", "LOW"] {
        assert!(
            summary["errors"]["by_severity"][severity].as_u64().unwrap() >= 1,
            "{severity}"
        );
    }
    let failures = summary["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 2);
    assert!(failures.iter().all(|f| f["error_code"].is_string()));
    // Failures are failed attempts; operations count by their outcome, so
    // the attempt a retry recovered is a failure of a confirmed operation.
    assert_eq!(summary["operations"]["attempts_by_status"]["failed"], 2);
    let still_failed = failures.iter().filter(|f| f["outcome"] == "failed").count();
    assert_eq!(
        summary["operations"]["by_status"]["failed"],
        still_failed as u64
    );
    assert!(
        failures
            .iter()
            .any(|f| f["outcome"] == "confirmed" && f["attempts"].as_u64().unwrap() > 1),
        "the retried failure says its operation was confirmed: {failures:?}"
    );
    assert_eq!(summary["operations"]["by_type"]["supply"]["rolled_back"], 1);
    assert_eq!(summary["atomic_groups"]["rolled_back"], 1);
    assert!(
        !summary["reconciliation_failures"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(summary["time_range"]["start"], "2025-01-15T10:30:00");
    assert_eq!(summary["manifest"].as_object().unwrap().len(), 1);
    let markdown = std::fs::read_to_string(results.join("summary.md")).unwrap();
    assert!(markdown.contains("| CRITICAL | 1 |"));
    assert!(markdown.contains("EXEC-001"));
}

#[test]
fn test_export_refuses_without_force_and_replaces_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 1, 1, "forcerun");
    let options = ExportOptions {
        run_dir: outcome.run_dir.clone(),
        to: None,
        results_root: dir.path().join("results"),
        force: false,
        ..ExportOptions::default()
    };
    let marker = outcome.export.results_dir.join("marker");
    std::fs::write(&marker, "old").unwrap();
    match export(&options) {
        Err(Error::ResultsExist { path }) => assert_eq!(path, outcome.export.results_dir),
        other => panic!("expected ResultsExist, got {other:?}"),
    }
    assert!(
        marker.exists(),
        "a refused export must not touch the results"
    );
    let again = export(&ExportOptions {
        force: true,
        ..options
    })
    .unwrap();
    assert!(!marker.exists(), "--force replaces the whole directory");
    assert!(again.results_dir.join("summary.json").is_file());
}

#[test]
fn test_export_refuses_what_is_not_a_run_and_bad_targets() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_run = dir.path().join("empty");
    std::fs::create_dir(&not_a_run).unwrap();
    let options = |run_dir, to| ExportOptions {
        run_dir,
        to,
        results_root: dir.path().join("results"),
        force: false,
        ..ExportOptions::default()
    };
    let err = export(&options(not_a_run.clone(), None)).unwrap_err();
    assert!(matches!(err, Error::NotARun { .. }), "{err}");
    assert!(err.to_string().contains("not a run directory"));
    let err = export(&options(dir.path().join("missing"), None)).unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");

    let outcome = demo_in(dir.path(), 1, 1, "targets");
    let err = export(&options(
        outcome.run_dir.clone(),
        Some(dir.path().join("results/../escape")),
    ))
    .unwrap_err();
    assert!(matches!(err, Error::BadName { .. }), "{err}");
    let err = export(&options(
        outcome.run_dir.clone(),
        Some(dir.path().join("results/a\u{7}b")),
    ))
    .unwrap_err();
    assert!(matches!(err, Error::BadName { .. }), "{err}");
    // Results inside the run would copy themselves.
    let err = export(&options(
        outcome.run_dir.clone(),
        Some(outcome.run_dir.join("results")),
    ))
    .unwrap_err();
    assert!(
        err.to_string().contains("inside the run directory"),
        "{err}"
    );
    assert!(!dir.path().join("escape").exists());

    // A run whose correlation directory is not a plain name is refused.
    let odd = dir.path().join("logs").join("-rf").join("1");
    std::fs::create_dir_all(odd.join("events")).unwrap();
    let err = export(&options(odd, None)).unwrap_err();
    assert!(
        err.to_string().contains("correlation id") || err.to_string().contains("backtest id"),
        "{err}"
    );
}

#[test]
fn test_export_of_a_correlation_dir_merges_its_processes() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 1, 3, "multi");
    // A second process of the same run: a copy under another pid.
    let cid_dir = outcome.run_dir.parent().unwrap().to_path_buf();
    let second = cid_dir.join("999999");
    std::fs::create_dir_all(second.join("events")).unwrap();
    let original = event_path(&outcome.run_dir, "positions.jsonl");
    let text = std::fs::read_to_string(&original).unwrap().replace(
        &format!(
            "\"pid\":{}",
            outcome.run_dir.file_name().unwrap().to_str().unwrap()
        ),
        "\"pid\":999999",
    );
    std::fs::write(second.join("events/positions.jsonl"), text).unwrap();
    let mut manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(outcome.run_dir.join("metadata.json")).unwrap(),
    )
    .unwrap();
    manifest["pid"] = 999_999.into();
    std::fs::write(second.join("metadata.json"), manifest.to_string()).unwrap();
    let merged = export(&ExportOptions {
        run_dir: cid_dir,
        to: Some(dir.path().join("merged")),
        results_root: dir.path().join("results"),
        force: false,
        ..ExportOptions::default()
    })
    .unwrap();
    let mut reader = csv::Reader::from_path(merged.results_dir.join("csv/positions.csv")).unwrap();
    assert_eq!(reader.records().count(), 2 * lines(&original).len());
    assert!(
        merged
            .results_dir
            .join("logs/999999/events/positions.jsonl")
            .is_file()
    );
}

#[test]
fn test_export_writes_the_report_with_the_summarys_headline_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 2, 11, "reportrun");
    let report = &outcome.export.report;
    assert_eq!(report, &outcome.export.results_dir.join("report.html"));
    let html = std::fs::read_to_string(report).unwrap();
    let summary: Value = serde_json::from_str(
        &std::fs::read_to_string(outcome.export.results_dir.join("summary.json")).unwrap(),
    )
    .unwrap();
    for (id, key) in [
        ("final-total-value", &summary["final_total_value_usd"]),
        ("total-pnl", &summary["pnl"]["total_pnl_usd"]),
    ] {
        let expected = key.as_f64().unwrap();
        let marker = format!(r#"id="{id}""#);
        let at = html
            .find(&marker)
            .unwrap_or_else(|| panic!("no #{id} in the report"));
        let tail = &html[at..];
        let value_at = tail.find("data-value=\"").unwrap() + "data-value=\"".len();
        let shown: f64 = tail[value_at..].split('"').next().unwrap().parse().unwrap();
        assert_eq!(shown, expected, "#{id}");
    }
}

/// An export on several threads writes byte for byte what one thread
/// writes: every CSV and Parquet file, the summary and the report, bad
/// lines included (floats bit for bit, rows in the same order; mutant:
/// `map_in_order` handing rows over as they finish).
#[test]
fn test_export_on_any_number_of_threads_writes_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 40, 3, "threadsexport");
    // A few bad lines, so that skipped lines are in the comparison too.
    let positions = event_path(&outcome.run_dir, "positions.jsonl");
    let mut all = lines(&positions);
    for index in (5..all.len()).step_by(301) {
        all[index] = "{\"timestamp\": not JSON".to_owned();
    }
    std::fs::write(
        &positions,
        all.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
    let written: Vec<Vec<(String, Vec<u8>)>> = [1, 3]
        .into_iter()
        .map(|threads| {
            let to = dir.path().join(format!("results-{threads}"));
            let outcome = export(&ExportOptions {
                run_dir: outcome.run_dir.clone(),
                to: Some(to.clone()),
                results_root: dir.path().join("results"),
                threads,
                ..ExportOptions::default()
            })
            .unwrap();
            assert!(!outcome.skipped.is_empty());
            let mut files = Vec::new();
            for sub in ["csv", "parquet"] {
                let mut names: Vec<_> = std::fs::read_dir(to.join(sub))
                    .unwrap()
                    .map(|e| e.unwrap().file_name().into_string().unwrap())
                    .collect();
                names.sort();
                for name in names {
                    files.push((
                        format!("{sub}/{name}"),
                        std::fs::read(to.join(sub).join(&name)).unwrap(),
                    ));
                }
            }
            for name in ["summary.json", "summary.md", "report.html"] {
                let text = std::fs::read_to_string(to.join(name)).unwrap();
                let text = text.replace(to.to_str().unwrap(), "RESULTS");
                files.push((name.to_owned(), text.into_bytes()));
            }
            files
        })
        .collect();
    assert!(written[0].len() > 20, "{} files", written[0].len());
    for ((name, one), (_, three)) in written[0].iter().zip(&written[1]) {
        assert!(one == three, "{name}: 3 threads wrote other bytes than 1");
    }
    assert_eq!(written[0].len(), written[1].len());
}
