//! `basis-log dataset`: the hive layout, runs.parquet, incremental updates,
//! a killed run listed with its status, and where a dataset may be written.

mod common;

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use assert_cmd::Command;
use basis_log::dataset::{self, DatasetOptions, DatasetOutcome, RunChange, partition};
use common::demo_in;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn build(root: &Path, to: &Path) -> DatasetOutcome {
    dataset::build(&DatasetOptions {
        results_root: root.to_owned(),
        to: to.to_owned(),
    })
    .expect("dataset builds")
}

fn read(path: &Path) -> RecordBatch {
    let file = fs::File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    assert_eq!(batches.len(), 1, "a small file is one batch");
    batches.remove(0)
}

fn rows(path: &Path) -> usize {
    let file = fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    usize::try_from(builder.metadata().file_metadata().num_rows()).unwrap()
}

fn strings(batch: &RecordBatch, column: &str) -> Vec<String> {
    let array = batch.column_by_name(column).unwrap().as_string::<i32>();
    array.iter().map(|v| v.unwrap_or("").to_owned()).collect()
}

fn summary(results: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(results.join("summary.json")).unwrap()).unwrap()
}

fn ino(path: &Path) -> u64 {
    fs::metadata(path).unwrap().ino()
}

fn part(ds: &Path, event: &str, id: &str) -> PathBuf {
    partition(&ds.join("events"), event, id).join("part-0.parquet")
}

#[test]
fn test_every_event_of_every_run_is_one_partition_with_the_jsonl_row_count() {
    let dir = tempfile::tempdir().unwrap();
    for (seed, id) in [(1, "runa"), (2, "runb")] {
        demo_in(dir.path(), 3, seed, id);
    }
    let root = dir.path().join("results");
    let ds = dir.path().join("ds");
    let outcome = build(&root, &ds);
    assert_eq!(outcome.count(RunChange::Added), 2, "{outcome:?}");
    assert!(outcome.skipped.is_empty(), "{:?}", outcome.skipped);
    for id in ["runa", "runb"] {
        let s = summary(&root.join(id));
        for file in s["files"].as_array().unwrap() {
            let event = file["event"].as_str().unwrap();
            let events = file["events"].as_u64().unwrap() as usize;
            assert_eq!(rows(&part(&ds, event, id)), events, "{event} of {id}");
        }
    }
    let runs = read(&ds.join("runs.parquet"));
    assert_eq!(runs.num_rows(), 2);
    assert_eq!(strings(&runs, "correlation_id"), ["runa", "runb"]);
    assert_eq!(strings(&runs, "status"), ["completed", "completed"]);
    let seeds = runs
        .column_by_name("seed")
        .unwrap()
        .as_primitive::<Int64Type>();
    assert_eq!(seeds.values().to_vec(), [1, 2], "the demo records its seed");
    let finals = runs
        .column_by_name("final_total_value_usd")
        .unwrap()
        .as_primitive::<Float64Type>();
    assert_eq!(
        finals.value(0),
        summary(&root.join("runa"))["final_total_value_usd"]
            .as_f64()
            .unwrap()
    );
    let hashes = strings(&runs, "catalog_hash");
    assert_eq!(hashes[0], hashes[1], "one binary, one catalog");
    assert_eq!(hashes[0].len(), 16);
}

#[test]
fn test_an_update_adds_new_runs_replaces_changed_ones_and_skips_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    demo_in(dir.path(), 3, 1, "same");
    demo_in(dir.path(), 3, 2, "changed");
    let root = dir.path().join("results");
    let ds = dir.path().join("ds");
    build(&root, &ds);
    let same_before = ino(&part(&ds, "PositionSnapshot", "same"));
    let changed_before = rows(&part(&ds, "PositionSnapshot", "changed"));

    demo_in(dir.path(), 5, 3, "added");
    // The changed run's results now hold more positions (as a re-export
    // after the run was extended would).
    fs::copy(
        root.join("added/parquet/positions.parquet"),
        root.join("changed/parquet/positions.parquet"),
    )
    .unwrap();
    // Debris of a writer that died mid-partition: removed, never read.
    let debris = ds.join("events/event=PositionSnapshot/.run=added.tmp-999999");
    fs::create_dir_all(&debris).unwrap();
    fs::write(debris.join("part-0.parquet"), "half").unwrap();

    let outcome = build(&root, &ds);
    let change = |id: &str| {
        outcome
            .runs
            .iter()
            .find(|r| r.correlation_id == id)
            .unwrap()
            .change
    };
    assert_eq!(change("same"), RunChange::Unchanged);
    assert_eq!(change("changed"), RunChange::Replaced);
    assert_eq!(change("added"), RunChange::Added);
    assert_eq!(
        ino(&part(&ds, "PositionSnapshot", "same")),
        same_before,
        "an unchanged run's partition is not rewritten"
    );
    let changed_after = rows(&part(&ds, "PositionSnapshot", "changed"));
    assert_ne!(changed_after, changed_before);
    assert_eq!(
        changed_after,
        rows(&root.join("added/parquet/positions.parquet"))
    );
    assert!(!debris.exists());
    let runs = read(&ds.join("runs.parquet"));
    assert_eq!(
        strings(&runs, "correlation_id"),
        ["added", "changed", "same"]
    );
    // Nothing but partitions is left in the event directories.
    for event in fs::read_dir(ds.join("events")).unwrap() {
        for entry in fs::read_dir(event.unwrap().path()).unwrap() {
            let name = entry.unwrap().file_name();
            assert!(name.to_string_lossy().starts_with("run="), "{name:?}");
        }
    }
}

#[test]
fn test_a_run_killed_mid_write_is_listed_with_its_status() {
    let dir = tempfile::tempdir().unwrap();
    demo_in(dir.path(), 2, 1, "finished");
    let killed = demo_in(dir.path(), 2, 2, "killed");
    // What export writes for a run whose process died: the manifest still
    // says running and has no end time.
    let results = killed.export.results_dir;
    let mut s = summary(&results);
    for manifest in s["manifest"].as_object_mut().unwrap().values_mut() {
        manifest["status"] = "running".into();
        manifest["end_time"] = serde_json::Value::Null;
    }
    fs::write(results.join("summary.json"), s.to_string()).unwrap();
    let ds = dir.path().join("ds");
    let outcome = build(&dir.path().join("results"), &ds);
    let statuses: Vec<_> = outcome.runs.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["completed", "running"]);
    let runs = read(&ds.join("runs.parquet"));
    assert_eq!(strings(&runs, "status"), ["completed", "running"]);
    assert!(part(&ds, "PositionSnapshot", "killed").is_file());
}

#[test]
fn test_the_dataset_command_refuses_a_directory_that_is_not_a_dataset() {
    let dir = tempfile::tempdir().unwrap();
    demo_in(dir.path(), 2, 1, "one");
    let other = dir.path().join("other");
    fs::create_dir(&other).unwrap();
    fs::write(other.join("precious.txt"), "x").unwrap();
    let assert = Command::cargo_bin("basis-log")
        .unwrap()
        .arg("dataset")
        .arg(dir.path().join("results"))
        .arg("--to")
        .arg(&other)
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("no .basis-log-dataset"), "{stderr}");
    assert_eq!(fs::read_dir(&other).unwrap().count(), 1);
    // Inside a run's results: refused too.
    Command::cargo_bin("basis-log")
        .unwrap()
        .arg("dataset")
        .arg(dir.path().join("results"))
        .arg("--to")
        .arg(dir.path().join("results/one/ds"))
        .assert()
        .failure();
}

#[test]
fn test_a_demo_sweep_writes_its_runs_and_their_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("basis-log")
        .unwrap()
        .args([
            "--json",
            "demo",
            "--runs",
            "3",
            "--seed-from",
            "5",
            "--days",
            "2",
        ])
        .arg("--out")
        .arg(dir.path().join("logs"))
        .arg("--results")
        .arg(dir.path().join("results"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let seeds: Vec<u64> = json["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seed"].as_u64().unwrap())
        .collect();
    assert_eq!(seeds, [5, 6, 7]);
    let ds = dir.path().join("results/dataset");
    let runs = read(&ds.join("runs.parquet"));
    let mut seeds: Vec<i64> = runs
        .column_by_name("seed")
        .unwrap()
        .as_primitive::<Int64Type>()
        .values()
        .to_vec();
    seeds.sort_unstable();
    assert_eq!(seeds, [5, 6, 7]);
    for run in json["runs"].as_array().unwrap() {
        let dir = PathBuf::from(run["run_dir"].as_str().unwrap());
        let manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join("metadata.json")).unwrap()).unwrap();
        assert_eq!(manifest["parameters"]["seed"], run["seed"].to_string());
        assert_eq!(manifest["parameters"]["days"], "2");
    }
    // A second dataset run over the same root changes nothing.
    let again = Command::cargo_bin("basis-log")
        .unwrap()
        .args(["--json", "dataset"])
        .arg(dir.path().join("results"))
        .output()
        .unwrap();
    assert!(again.status.success(), "{again:?}");
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    let changes: Vec<_> = again["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["change"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(changes, ["unchanged"; 3]);
}
