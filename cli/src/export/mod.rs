//! The results store: `basis-log export RUN_DIR` finalizes a run into
//! `results/{backtest_id}/`, the three steps of the guide's "Integration with
//! Results Store" plus Parquet:
//!
//! ```text
//! results/{backtest_id}/
//!   logs/{pid}/...            every log file of every process, rotated segments too
//!   csv/{file}.csv            one per event file: one row per event
//!   parquet/{file}.parquet    one per event file: typed columns
//!   summary.json, summary.md
//!   report.html               the run at a glance (crate basis-report)
//! ```
//!
//! The directory is built beside its final place and renamed into it at the
//! end, so a failed export never leaves a half-written results directory, and
//! an existing one is replaced only with `force`.

pub mod parquet_out;
pub mod summary;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::columns::{LayoutBuilder, csv_cell, record_shape};
use crate::ids::{check_plain_name, check_target_path};
use crate::read;
use crate::run::{EventFile, Run};
use crate::{Error, Result};
use parquet_out::ParquetSink;
pub use summary::{Summary, SummaryBuilder};

/// What `basis-log export` is asked to do.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// `logs/{cid}/{pid}` or `logs/{cid}`.
    pub run_dir: PathBuf,
    /// The results directory itself; `{results_root}/{backtest_id}` when `None`.
    pub to: Option<PathBuf>,
    pub results_root: PathBuf,
    /// Replace an existing results directory.
    pub force: bool,
}

/// What the export wrote.
#[derive(Debug, Clone)]
pub struct ExportOutcome {
    pub backtest_id: String,
    pub results_dir: PathBuf,
    pub copied_files: usize,
    pub csv_files: Vec<PathBuf>,
    pub parquet_files: Vec<PathBuf>,
    /// Lines left out of CSV and Parquet because they are not valid events.
    pub skipped: Vec<String>,
    pub summary: Summary,
    /// The HTML report, `report.html`.
    pub report: PathBuf,
}

/// A line that is not a valid event, located, for the skipped list.
fn bad_line(path: &Path, line: u64, reason: &str) -> String {
    format!("{}:{line}: {reason}", path.display())
}

/// Runs the export.
pub fn export(options: &ExportOptions) -> Result<ExportOutcome> {
    let run = Run::open(&options.run_dir)?;
    let backtest_id = run.correlation_id.clone();
    check_plain_name("backtest id", &backtest_id)?;
    let target = match &options.to {
        Some(to) => to.clone(),
        None => {
            check_target_path("results root", &options.results_root)?;
            options.results_root.join(&backtest_id)
        }
    };
    let target = crate::target::results_dir(&target, &run.dirs(), options.force)?;
    let staging = target.staging().to_owned();
    let mut outcome = match write_results(&run, &backtest_id, &staging) {
        Ok(outcome) => outcome,
        Err(err) => {
            target.abandon();
            return Err(err);
        }
    };
    let target = target.commit()?;
    let relocate = |p: &PathBuf| target.join(p.strip_prefix(&staging).unwrap_or(p));
    outcome.csv_files = outcome.csv_files.iter().map(relocate).collect();
    outcome.parquet_files = outcome.parquet_files.iter().map(relocate).collect();
    outcome.report = relocate(&outcome.report);
    outcome.results_dir = target;
    Ok(outcome)
}

fn write_results(run: &Run, backtest_id: &str, dir: &Path) -> Result<ExportOutcome> {
    let logs_dir = dir.join("logs");
    let csv_dir = dir.join("csv");
    let parquet_dir = dir.join("parquet");
    for d in [&logs_dir, &csv_dir, &parquet_dir] {
        std::fs::create_dir_all(d).map_err(Error::io(d))?;
    }
    let copied_files = copy_logs(run, &logs_dir)?;

    let mut manifest = BTreeMap::new();
    for process in &run.processes {
        if let Some(m) = process.manifest()? {
            manifest.insert(process.pid.clone(), m);
        }
    }
    let mut summary = SummaryBuilder::new(backtest_id, &run.correlation_id, manifest);
    let mut csv_files = Vec::new();
    let mut parquet_files = Vec::new();
    let mut skipped = Vec::new();
    for event_file in run.event_files()? {
        let Some(info) = event_file.info else {
            skipped.push(format!(
                "{}: no registered event writes this file; copied, not exported",
                event_file.file
            ));
            continue;
        };
        let stem = event_file.file.trim_end_matches(".jsonl");
        let csv_path = csv_dir.join(format!("{stem}.csv"));
        let parquet_path = parquet_dir.join(format!("{stem}.parquet"));
        let file_summary = export_file(
            &event_file,
            info,
            &csv_path,
            &parquet_path,
            &mut summary,
            &mut skipped,
        )?;
        summary.file(file_summary);
        csv_files.push(csv_path);
        parquet_files.push(parquet_path);
    }
    let summary = summary.finish();
    let json_path = dir.join("summary.json");
    let mut json =
        serde_json::to_string_pretty(&summary.to_json()).map_err(|source| Error::Json {
            path: json_path.clone(),
            source,
        })?;
    json.push('\n');
    std::fs::write(&json_path, json).map_err(Error::io(&json_path))?;
    let md_path = dir.join("summary.md");
    std::fs::write(&md_path, summary.to_markdown()).map_err(Error::io(&md_path))?;
    // The report reads the run itself, so its gaps (missing files, torn
    // tails) are stated on the page; its headline numbers follow the same
    // last-event rule as the summary.
    let report = dir.join(basis_report::REPORT_FILE);
    basis_report::write_report(&run.path, &report, &basis_report::ReportOptions::default())?;
    Ok(ExportOutcome {
        backtest_id: backtest_id.to_owned(),
        results_dir: dir.to_owned(),
        copied_files,
        csv_files,
        parquet_files,
        skipped,
        summary,
        report,
    })
}

/// Copies every file of every process directory, `events/` included, to
/// `logs/{pid}/`. Symbolic links are not followed: a log file is a file.
fn copy_logs(run: &Run, logs_dir: &Path) -> Result<usize> {
    let mut copied = 0;
    for process in &run.processes {
        copied += copy_tree(&process.dir, &logs_dir.join(&process.pid), 0)?;
    }
    Ok(copied)
}

fn copy_tree(from: &Path, to: &Path, depth: usize) -> Result<usize> {
    std::fs::create_dir_all(to).map_err(Error::io(to))?;
    let mut copied = 0;
    let entries = std::fs::read_dir(from).map_err(Error::io(from))?;
    for entry in entries {
        let entry = entry.map_err(Error::io(from))?;
        let kind = entry.file_type().map_err(Error::io(entry.path()))?;
        let dest = to.join(entry.file_name());
        if kind.is_file() {
            std::fs::copy(entry.path(), &dest).map_err(Error::io(entry.path()))?;
            copied += 1;
        } else if kind.is_dir() && depth < 4 {
            copied += copy_tree(&entry.path(), &dest, depth + 1)?;
        }
    }
    Ok(copied)
}

/// The valid records of an event file, in order, with every bad line reported
/// to `bad` (torn tails of live files reported as such).
pub fn for_each_record(
    event_file: &EventFile,
    info: &'static basis_events::EventInfo,
    mut bad: impl FnMut(&Path, u64, String, bool),
    mut each: impl FnMut(&Path, u64, Value) -> Result<()>,
) -> Result<()> {
    for part in &event_file.parts {
        read::for_each_line(&part.path, |line| {
            let verdict = line.text().and_then(|text| {
                info.parse_line(text)
                    .map_err(|err| format!("not a valid {}: {err}", info.name()))?;
                serde_json::from_str::<Value>(text).map_err(|err| format!("invalid JSON: {err}"))
            });
            match verdict {
                Ok(record) => each(&part.path, line.number, record),
                Err(reason) => {
                    bad(&part.path, line.number, reason, line.torn && part.live);
                    Ok(())
                }
            }
        })?;
    }
    Ok(())
}

fn export_file(
    event_file: &EventFile,
    info: &'static basis_events::EventInfo,
    csv_path: &Path,
    parquet_path: &Path,
    summary: &mut SummaryBuilder,
    skipped: &mut Vec<String>,
) -> Result<summary::FileSummary> {
    // Pass 1: learn the map keys and free-form types; count the bad lines.
    let shape = record_shape(&info.schema());
    let mut layout = LayoutBuilder::new(shape.clone());
    let mut skipped_lines = 0;
    let mut torn_tails = 0;
    for_each_record(
        event_file,
        info,
        |path, line, reason, torn| {
            if torn {
                torn_tails += 1;
                skipped.push(bad_line(
                    path,
                    line,
                    &format!("torn last line skipped ({reason})"),
                ));
            } else {
                skipped_lines += 1;
                skipped.push(bad_line(path, line, &reason));
            }
        },
        |_, _, record| {
            layout.observe(&record);
            Ok(())
        },
    )?;
    let columns = layout.columns();

    // Pass 2: write the rows.
    let csv_file = File::create(csv_path).map_err(Error::io(csv_path))?;
    let mut csv = csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, csv_file));
    let csv_err = |source| Error::Csv {
        path: csv_path.to_owned(),
        source,
    };
    csv.write_record(columns.iter().map(|c| c.name.as_str()))
        .map_err(csv_err)?;
    let mut parquet = ParquetSink::create(parquet_path, &shape)?;
    let mut events = 0;
    let mut row = Vec::with_capacity(columns.len());
    for_each_record(
        event_file,
        info,
        |_, _, _, _| {},
        |path, line, record| {
            if let Err(bad) = parquet_out::check(&shape, &record) {
                skipped_lines += 1;
                skipped.push(bad_line(path, line, &bad.to_string()));
                return Ok(());
            }
            row.clear();
            row.extend(columns.iter().map(|c| csv_cell(c.get(&record))));
            csv.write_record(&row).map_err(csv_err)?;
            summary.observe(&event_file.file, &record);
            events += 1;
            parquet.push(record)?.map_err(|bad| Error::BadLine {
                path: path.to_owned(),
                line,
                reason: bad.to_string(),
            })
        },
    )?;
    csv.flush().map_err(Error::io(csv_path))?;
    parquet.finish()?;
    Ok(summary::FileSummary {
        file: event_file.file.clone(),
        event: Some(info.name().to_owned()),
        events,
        segments: event_file.parts.len(),
        skipped_lines,
        torn_tails,
    })
}
