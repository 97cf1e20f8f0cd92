//! Runs written under every version of an event with a real history
//! (`FundingSettlement` v1 → v2 → v3, in the external test crate) are read
//! as v3: by the typed reader, by `validate` (each line against the schema
//! of the version that wrote it) and by `export` (v3 columns and values).
//! This test binary links the external crate, as an engine's own build of
//! the tools would; the plain `basis-log` binary reads each run by its own
//! catalog, which is checked too.

use std::process::Command;

use basis_events::reader::Run;
use basis_external_event::settlement::{
    FundingSettlement, SETTLEMENTS, Side, settlement_amount, write_settlement_run,
};
use basis_log::export::{ExportOptions, export};
use basis_log::validate::validate_paths;

fn side_of(version: u32, i: u64) -> Side {
    match version {
        1 | 2 if i.is_multiple_of(2) => Side::Long,
        1 | 2 => Side::Short,
        _ => [Side::Long, Side::Short, Side::Flat][(i % 3) as usize].clone(),
    }
}

#[test]
fn a_run_of_every_version_reads_as_the_current_one() {
    let root = tempfile::tempdir().unwrap();
    for version in 1..=3 {
        let cid = format!("settle-v{version}");
        let dir = write_settlement_run(root.path(), &cid, version).unwrap();

        // The typed reader: every line as v3, values carried forward.
        let run = Run::open(&dir).unwrap();
        let read: Vec<FundingSettlement> = run
            .events::<FundingSettlement>()
            .map(|record| record.unwrap().record.event)
            .collect();
        assert_eq!(read.len() as u64, SETTLEMENTS, "v{version}");
        for (i, event) in read.iter().enumerate() {
            let i = i as u64;
            assert_eq!(
                event.amount_usd,
                settlement_amount(i),
                "v{version} line {i}"
            );
            assert_eq!(event.side, side_of(version, i), "v{version} line {i}");
            let fee = if version == 3 { 0.5 } else { 0.0 };
            assert_eq!(event.fee_usd, fee, "v{version} line {i}");
        }

        // validate: each line against its own version's schema, then typed.
        let report = validate_paths(std::slice::from_ref(&dir)).unwrap();
        assert!(!report.failed(true), "v{version}: {:?}", report.problems);
        let file = report
            .files
            .iter()
            .find(|f| f.event.as_deref() == Some("FundingSettlement"))
            .unwrap();
        assert_eq!(
            (file.lines, file.valid),
            (SETTLEMENTS, SETTLEMENTS),
            "v{version}"
        );

        // export: v3 columns and values, whatever version wrote the run.
        let outcome = export(&ExportOptions {
            run_dir: dir.clone(),
            to: Some(root.path().join(format!("results-v{version}"))),
            results_root: root.path().to_owned(),
            ..ExportOptions::default()
        })
        .unwrap();
        assert!(
            outcome.skipped.is_empty(),
            "v{version}: {:?}",
            outcome.skipped
        );
        let csv = outcome.results_dir.join("csv/funding_settlements.csv");
        let mut reader = csv::Reader::from_path(&csv).unwrap();
        let headers = reader.headers().unwrap().clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("v{version}: no `{name}` column in {headers:?}"))
        };
        assert!(
            !headers.iter().any(|h| h == "amount"),
            "v{version}: {headers:?}"
        );
        let (amount, fee, side) = (column("amount_usd"), column("fee_usd"), column("side"));
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len() as u64, SETTLEMENTS, "v{version}");
        for (i, row) in rows.iter().enumerate() {
            let i = i as u64;
            assert_eq!(row[amount].parse::<f64>().unwrap(), settlement_amount(i));
            assert_eq!(
                row[fee].parse::<f64>().unwrap(),
                if version == 3 { 0.5 } else { 0.0 }
            );
            let expected_side = serde_json::to_value(side_of(version, i)).unwrap();
            assert_eq!(
                row[side],
                *expected_side.as_str().unwrap(),
                "v{version} line {i}"
            );
        }
    }
}

#[test]
fn the_plain_binary_validates_each_run_by_its_own_catalog() {
    let root = tempfile::tempdir().unwrap();
    for version in 1..=3 {
        let dir = write_settlement_run(root.path(), &format!("plain-v{version}"), version).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_basis-log"))
            .args(["validate", "--strict"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "v{version}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_line_of_a_version_the_binary_does_not_have_is_a_bad_line_by_position() {
    let root = tempfile::tempdir().unwrap();
    let dir = write_settlement_run(root.path(), "settle-v9", 3).unwrap();
    let catalog = dir.join("catalog.json");
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&catalog).unwrap()).unwrap();
    for event in value["events"].as_array_mut().unwrap() {
        if event["name"] == "FundingSettlement" {
            event["version"] = 9.into();
        }
    }
    std::fs::write(&catalog, serde_json::to_vec(&value).unwrap()).unwrap();
    let run = Run::open(&dir).unwrap();
    let first = run
        .events::<FundingSettlement>()
        .next()
        .unwrap()
        .unwrap_err();
    let text = first.to_string();
    assert!(
        text.contains("funding_settlements.jsonl:1") && text.contains("no version 9"),
        "{text}"
    );
}
