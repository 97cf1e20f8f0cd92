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
//! The run is read through the library reader (`basis_events::reader`), each
//! line checked by its `Checker` against the schema the run's own catalog
//! gives, so every event type of the catalog is exported, an engine's own
//! included. Each event's records are read twice: the first pass checks
//! every line (once, on every core), writes Parquet and the run's typed
//! digest (from which the summary and the report page are both computed),
//! and learns the CSV's map columns; the second converts the rows the first
//! accepted into CSV under those columns, without checking them again.
//!
//! A run whose manifest does not say `completed` is refused unless
//! `allow_running`: its files may still grow or rotate under the export.
//! A file under `events/` that the catalog does not name is an error unless
//! `skip_unknown`. The directory is built beside its final place and renamed
//! into it at the end (see `crate::target`), so a failed export never leaves
//! a half-written results directory.

pub mod parquet_out;
pub mod summary;

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use basis_events::reader::{
    Checker, EVENTS_DIR, Problem, RawRecord, ReadOptions, Run, check_in_order_then, map_in_order,
    parse_segment,
};
use basis_report::{LoadBuilder, LoadedRun};
use serde_json::Value;

use crate::columns::{Column, LayoutBuilder, csv_cell, record_shape};
use crate::ids::{check_plain_name, check_target_path};
use crate::{Error, Result};
use parquet_out::ParquetSink;
pub use summary::Summary;

/// What `basis-log export` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// `logs/{cid}/{pid}` or `logs/{cid}`.
    pub run_dir: PathBuf,
    /// The results directory itself; `{results_root}/{backtest_id}` when `None`.
    pub to: Option<PathBuf>,
    pub results_root: PathBuf,
    /// Replace a results directory written earlier by basis-log.
    pub force: bool,
    /// Export a run whose manifest does not say `completed` (still running,
    /// killed, failed), read as one snapshot
    /// ([`ReadOptions::snapshot`]): each file up to its last complete line
    /// when the run is opened.
    pub allow_running: bool,
    /// Export even when `events/` holds files the run's catalog does not
    /// name (they are copied, not exported, and listed in `skipped`).
    pub skip_unknown: bool,
    /// Threads that check and convert lines; 0 (the default) for every
    /// core. What is written is the same whatever the number.
    pub threads: usize,
}

/// What the export wrote.
#[derive(Debug, Clone)]
pub struct ExportOutcome {
    pub backtest_id: String,
    pub results_dir: PathBuf,
    pub copied_files: usize,
    pub csv_files: Vec<PathBuf>,
    pub parquet_files: Vec<PathBuf>,
    /// Lines and entries left out of CSV and Parquet, located.
    pub skipped: Vec<String>,
    /// What the reader wants known that left nothing out: a file rotated
    /// while a running run was opened, a line still being written.
    pub notices: Vec<String>,
    pub summary: Summary,
    /// The HTML report, `report.html`.
    pub report: PathBuf,
}

/// Runs the export.
pub fn export(options: &ExportOptions) -> Result<ExportOutcome> {
    // A run still being written is read as one snapshot, so the copied
    // logs, CSV, Parquet and summary all hold the same lines however the
    // files grow or rotate meanwhile.
    let read_options = if options.allow_running {
        ReadOptions::new().snapshot()
    } else {
        ReadOptions::new()
    };
    let run = Run::open_with(&options.run_dir, read_options).map_err(|err| Error::NotARun {
        path: options.run_dir.clone(),
        reason: err.to_string(),
    })?;
    let backtest_id = run.correlation_id().to_owned();
    check_plain_name("backtest id", &backtest_id)?;
    refuse_unfinished(&run, options)?;
    if !options.skip_unknown
        && let Some(Problem::UnknownFile { path, file }) = run
            .problems()
            .iter()
            .find(|p| matches!(p, Problem::UnknownFile { .. }))
    {
        return Err(Error::Usage(format!(
            "{}: `{file}` is not an event file of the run's catalog, so it cannot be exported; \
             pass --skip-unknown to export the rest (it is still copied)",
            path.display()
        )));
    }
    let target = match &options.to {
        Some(to) => to.clone(),
        None => {
            check_target_path("results root", &options.results_root)?;
            options.results_root.join(&backtest_id)
        }
    };
    let mut run_dirs = vec![options.run_dir.clone()];
    run_dirs.extend(run.processes().iter().map(|p| p.dir().to_owned()));
    let target = crate::target::results_dir(&target, &run_dirs, options.force)?;
    let staging = target.staging().to_owned();
    let mut outcome = match write_results(&run, &backtest_id, &staging, options.threads) {
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

/// Refuses a run that is not complete, unless asked to read it as it is.
fn refuse_unfinished(run: &Run, options: &ExportOptions) -> Result<()> {
    if options.allow_running {
        return Ok(());
    }
    for process in run.processes() {
        let status = match process.manifest() {
            Some(manifest) if manifest.status == basis_events::run_dir::RunStatus::Completed => {
                continue;
            }
            Some(manifest) => basis_report::status_name(manifest.status),
            None => "unknown (no readable metadata.json)",
        };
        return Err(Error::Usage(format!(
            "{}: the run is not complete (status: {status}); its files may still grow or \
             rotate, so an export now could mix or miss lines. Export it when it has \
             finished, or pass --allow-running to export each file up to its last complete line",
            process.dir().display()
        )));
    }
    Ok(())
}

fn write_results(
    run: &Run,
    backtest_id: &str,
    dir: &Path,
    threads: usize,
) -> Result<ExportOutcome> {
    let logs_dir = dir.join("logs");
    let csv_dir = dir.join("csv");
    let parquet_dir = dir.join("parquet");
    for d in [&logs_dir, &csv_dir, &parquet_dir] {
        std::fs::create_dir_all(d).map_err(Error::io(d))?;
    }
    let copied_files = copy_logs(run, &logs_dir)?;

    let mut loaded = LoadBuilder::new(run);
    let mut csv_files = Vec::new();
    let mut parquet_files = Vec::new();
    let mut skipped: Vec<String> = run.problems().iter().map(ToString::to_string).collect();
    let mut files = Vec::new();
    let mut events: Vec<(String, String, Value)> = Vec::new();
    let mut seen = BTreeSet::new();
    for process in run.processes() {
        for event in &process.catalog().events {
            if seen.insert(event.name.clone()) {
                let schema = Checker::current_schema(&event.name, event.version, &event.schema);
                events.push((event.name.clone(), event.file.clone(), schema));
            }
        }
    }
    let catalog_events: Vec<String> = events.iter().map(|(name, _, _)| name.clone()).collect();
    for (name, file, schema) in &events {
        let present = run
            .processes()
            .iter()
            .any(|p| p.files().iter().any(|f| f.event() == name));
        if !present {
            continue;
        }
        let stem = file.trim_end_matches(".jsonl");
        let csv_path = csv_dir.join(format!("{stem}.csv"));
        let parquet_path = parquet_dir.join(format!("{stem}.parquet"));
        let file_summary = export_event(
            &EventExport {
                run,
                name,
                file,
                schema,
                csv_path: &csv_path,
                parquet_path: &parquet_path,
                threads,
            },
            &mut loaded,
            &mut skipped,
        )?;
        files.push(file_summary);
        csv_files.push(csv_path);
        parquet_files.push(parquet_path);
    }
    let loaded: LoadedRun = loaded.finish()?;
    let summary = Summary::from_loaded(backtest_id, &loaded, &catalog_events, files);
    let json_path = dir.join("summary.json");
    write_summary_json(&json_path, &summary)?;
    let md_path = dir.join("summary.md");
    std::fs::write(&md_path, summary.to_markdown()).map_err(Error::io(&md_path))?;
    // The page is drawn from the same digest as the summary: one pass, one
    // definition of each figure.
    let report = dir.join(basis_report::REPORT_FILE);
    basis_report::write_loaded(&loaded, &report, &basis_report::ReportOptions::default())?;
    Ok(ExportOutcome {
        backtest_id: backtest_id.to_owned(),
        results_dir: dir.to_owned(),
        copied_files,
        csv_files,
        parquet_files,
        skipped,
        notices: run.notices().iter().map(ToString::to_string).collect(),
        summary,
        report,
    })
}

/// Writes `summary.json` straight from the summary: a run's summary lists
/// every failed attempt, and building it as a `Value` and then a `String`
/// first held it three times over (hundreds of MiB at 10 GiB).
fn write_summary_json(path: &Path, summary: &Summary) -> Result<()> {
    let file = File::create(path).map_err(Error::io(path))?;
    let mut out = BufWriter::new(file);
    serde_json::to_writer_pretty(&mut out, summary).map_err(|source| Error::Json {
        path: path.to_owned(),
        source,
    })?;
    out.write_all(b"\n")
        .and_then(|()| out.flush())
        .map_err(Error::io(path))
}

/// Copies every regular file of every process directory, `events/`
/// included, to `logs/{pid}/`. Links and special files are never followed
/// or opened (the reader has reported them by name).
fn copy_logs(run: &Run, logs_dir: &Path) -> Result<usize> {
    let mut copied = 0;
    for process in run.processes() {
        let to = logs_dir.join(process.pid().to_string());
        let event_files: BTreeSet<&str> = process.files().iter().map(|f| f.file()).collect();
        copied += copy_tree(process.dir(), &to, 0, &event_files)?;
        copied += copy_segments(process, &to.join(EVENTS_DIR))?;
    }
    Ok(copied)
}

/// Copies the event files' segments through the reader, so a snapshot's
/// copy holds exactly the lines it exports.
fn copy_segments(process: &basis_events::reader::Process, to: &Path) -> Result<usize> {
    let mut copied = 0;
    for file in process.files() {
        for segment in file.segments() {
            let name = segment.path().file_name().unwrap_or_default();
            let dest = to.join(name);
            let mut reader = segment
                .open()
                .map_err(|problem| Error::Usage(problem.to_string()))?;
            std::fs::create_dir_all(to).map_err(Error::io(to))?;
            let mut out = File::create(&dest).map_err(Error::io(&dest))?;
            std::io::copy(&mut reader, &mut out).map_err(Error::io(segment.path()))?;
            copied += 1;
        }
    }
    Ok(copied)
}

/// Copies the regular files under `from`, except the segments of the
/// `event_files` the reader reads (`copy_segments` copies those).
fn copy_tree(from: &Path, to: &Path, depth: usize, event_files: &BTreeSet<&str>) -> Result<usize> {
    std::fs::create_dir_all(to).map_err(Error::io(to))?;
    let in_events = from.file_name().is_some_and(|name| name == EVENTS_DIR) && depth == 1;
    let mut copied = 0;
    let entries = std::fs::read_dir(from).map_err(Error::io(from))?;
    for entry in entries {
        let entry = entry.map_err(Error::io(from))?;
        let kind = entry.file_type().map_err(Error::io(entry.path()))?;
        let dest = to.join(entry.file_name());
        if kind.is_file() {
            if in_events
                && let Some(name) = entry.file_name().to_str()
                && event_files.contains(parse_segment(name).0.as_str())
            {
                continue;
            }
            std::fs::copy(entry.path(), &dest).map_err(Error::io(entry.path()))?;
            copied += 1;
        } else if kind.is_dir() && depth < 4 {
            copied += copy_tree(&entry.path(), &dest, depth + 1, event_files)?;
        }
    }
    Ok(copied)
}

/// One event type to export.
struct EventExport<'a> {
    run: &'a Run,
    name: &'a str,
    file: &'a str,
    schema: &'a Value,
    csv_path: &'a Path,
    parquet_path: &'a Path,
    threads: usize,
}

/// The checked records of one event and the problems met, in the order
/// read; lines are checked and converted on every core. The problems of
/// the open are handed over too (every read repeats them). The first error
/// `each` returns ends the export.
fn for_each_record(
    job: &EventExport<'_>,
    mut each: impl FnMut(std::result::Result<(&RawRecord, Value), &Problem>) -> Result<()>,
) -> Result<()> {
    let mut failed = None;
    check_in_order_then(
        job.run,
        job.run.records_of(job.name),
        job.threads,
        // A line of an older version is exported as the current one.
        |checker, record, parsed| checker.current_from(record, parsed),
        |checked| {
            if failed.is_some() {
                return;
            }
            let done = match checked {
                Ok((record, value)) => each(Ok((&record, value))),
                Err(problem) => each(Err(&problem)),
            };
            if let Err(err) = done {
                failed = Some(err);
            }
        },
    );
    failed.map_or(Ok(()), Err)
}

fn export_event(
    job: &EventExport<'_>,
    loaded: &mut LoadBuilder,
    skipped: &mut Vec<String>,
) -> Result<summary::FileSummary> {
    // Pass 1 checks every line once: it learns the CSV's map columns and
    // free-form types, writes Parquet and the digest (neither needs the
    // columns), and remembers which records became rows.
    let shape = record_shape(job.schema);
    let mut layout = LayoutBuilder::new(shape.clone());
    let mut parquet = ParquetSink::create(job.parquet_path, &shape)?;
    let mut events = 0;
    let mut skipped_lines = 0;
    let mut torn_tails = 0;
    let mut segments = BTreeSet::new();
    let mut problems = Vec::new();
    let mut rows = RowMask::default();
    for_each_record(job, |checked| {
        let (record, value) = match checked {
            Ok(checked) => checked,
            Err(problem) => {
                rows.push(false);
                // Problems of the open come with every read; they are
                // reported once.
                if problem.position().is_some() {
                    problems.push(problem.clone());
                }
                return Ok(());
            }
        };
        layout.observe(&value);
        if let Err(bad) = parquet_out::check(&shape, &value) {
            rows.push(false);
            skipped_lines += 1;
            skipped.push(format!("{}: {bad}", record.position()));
            return Ok(());
        }
        rows.push(true);
        segments.insert(record.position().path().to_owned());
        loaded.record(record);
        events += 1;
        parquet.push(value)?.map_err(|bad| Error::BadLine {
            path: record.position().path().to_owned(),
            line: record.position().line(),
            reason: bad.to_string(),
        })
    })?;
    parquet.finish()?;
    for problem in &problems {
        match problem {
            Problem::TornTail { .. } => torn_tails += 1,
            _ => skipped_lines += 1,
        }
        skipped.push(problem.to_string());
        loaded.problem(problem);
    }
    write_csv(job, &layout.columns(), &rows)?;
    let segment_count = job
        .run
        .processes()
        .iter()
        .flat_map(|p| p.files())
        .filter(|f| f.event() == job.name)
        .map(|f| f.segments().len())
        .sum();
    Ok(summary::FileSummary {
        file: job.file.to_owned(),
        event: Some(job.name.to_owned()),
        events,
        segments: segment_count,
        skipped_lines,
        torn_tails,
    })
}

/// Which records of one event, in the order read, pass 1 made rows of: one
/// bit per record the reader handed over (about 1.4 million a gigabyte).
#[derive(Debug, Default)]
struct RowMask {
    bits: Vec<u64>,
    len: usize,
}

impl RowMask {
    fn push(&mut self, row: bool) {
        if self.len.is_multiple_of(64) {
            self.bits.push(0);
        }
        if row {
            self.bits[self.len / 64] |= 1 << (self.len % 64);
        }
        self.len += 1;
    }

    /// Whether record `index` became a row; `None` past the records pass 1
    /// saw.
    fn get(&self, index: usize) -> Option<bool> {
        (index < self.len).then(|| self.bits[index / 64] & (1 << (index % 64)) != 0)
    }
}

/// Pass 2: the CSV, from the records pass 1 made rows of, in the same order.
/// Pass 1 checked them, so each is only converted (on every core) into its
/// cells under the columns pass 1 learned.
fn write_csv(job: &EventExport<'_>, columns: &[Column], rows: &RowMask) -> Result<()> {
    let csv_file = File::create(job.csv_path).map_err(Error::io(job.csv_path))?;
    let mut csv = csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, csv_file));
    let csv_err = |source| Error::Csv {
        path: job.csv_path.to_owned(),
        source,
    };
    csv.write_record(columns.iter().map(|c| c.name.as_str()))
        .map_err(csv_err)?;
    let changed = |detail: String| {
        Error::Usage(format!(
            "{}: the event files of `{}` changed between the two passes of the export \
         ({detail}); a completed run must not change, and a running one is exported \
         with --allow-running",
            job.run.dir().display(),
            job.name
        ))
    };
    let mut failed = None;
    let mut index = 0;
    map_in_order(
        job.run.records_of(job.name).enumerate(),
        job.threads,
        Checker::new,
        |checker, (i, item)| match (rows.get(i), item) {
            (Some(false), _) => Ok(None),
            (Some(true), Ok(record)) => checker
                .current_value(&record)
                .map(|value| Some(columns.iter().map(|c| csv_cell(c.get(&value))).collect()))
                .map_err(|problem| changed(problem.to_string())),
            (Some(true), Err(problem)) => Err(changed(problem.to_string())),
            (None, _) => Err(changed(format!(
                "more than the {} records read first",
                rows.len
            ))),
        },
        |cells: Result<Option<Vec<String>>>| {
            index += 1;
            if failed.is_some() {
                return;
            }
            match cells {
                Ok(Some(cells)) => {
                    if let Err(err) = csv.write_record(&cells) {
                        failed = Some(csv_err(err));
                    }
                }
                Ok(None) => {}
                Err(err) => failed = Some(err),
            }
        },
    );
    if let Some(err) = failed {
        return Err(err);
    }
    if index != rows.len {
        return Err(changed(format!("{index} records, {} read first", rows.len)));
    }
    csv.flush().map_err(Error::io(job.csv_path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{self, DemoOptions};

    /// The CSV pass against a mask of `rows` records, on a one-day demo
    /// run's `OperationExecutionEvent`s.
    fn csv_pass(dir: &Path, rows: &RowMask) -> (Result<()>, usize) {
        let run = Run::open(&dir.join("logs/maskrun")).unwrap();
        let records = run.records_of("OperationExecutionEvent").count();
        let schema = Value::Bool(true);
        let job = EventExport {
            run: &run,
            name: "OperationExecutionEvent",
            file: "operation_executions.jsonl",
            schema: &schema,
            csv_path: &dir.join("ops.csv"),
            parquet_path: &dir.join("ops.parquet"),
            threads: 2,
        };
        (write_csv(&job, &[], rows), records)
    }

    fn demo_run(dir: &Path) {
        demo::run(
            &DemoOptions {
                seed: 3,
                days: 1,
                capital: 10_000.0,
                out: dir.join("logs"),
                results: dir.join("results"),
                correlation_id: Some("maskrun".to_owned()),
                force: false,
                max_file_bytes: None,
            },
            &mut |_| {},
        )
        .unwrap();
    }

    /// Pass 2 never writes a CSV from records pass 1 did not see: more
    /// records than pass 1 read, or fewer, is an error naming the run, the
    /// event and both counts. (Mutants: the count check after the pass
    /// removed; a record past the mask treated as a row.)
    #[test]
    fn the_csv_pass_refuses_records_that_changed_since_the_first_pass() {
        let dir = tempfile::tempdir().unwrap();
        demo_run(dir.path());
        let (_, records) = csv_pass(dir.path(), &RowMask::default());
        assert!(records > 2, "{records}");

        let mut all = RowMask::default();
        (0..records).for_each(|_| all.push(true));
        let (done, _) = csv_pass(dir.path(), &all);
        done.unwrap();
        let lines = std::fs::read_to_string(dir.path().join("ops.csv")).unwrap();
        // The header, and one (empty: no columns) row per record.
        assert_eq!(lines.lines().count(), 1 + records);

        let mut fewer = RowMask::default();
        (0..records - 1).for_each(|_| fewer.push(true));
        let err = csv_pass(dir.path(), &fewer).0.unwrap_err().to_string();
        assert!(
            err.contains("`OperationExecutionEvent` changed between the two passes"),
            "{err}"
        );
        assert!(
            err.contains(&format!("more than the {} records", records - 1)),
            "{err}"
        );

        let mut more = RowMask::default();
        (0..records + 1).for_each(|_| more.push(false));
        let err = csv_pass(dir.path(), &more).0.unwrap_err().to_string();
        assert!(
            err.contains(&format!("{records} records, {} read first", records + 1)),
            "{err}"
        );
    }

    /// Each record's bit is its own, across word boundaries, and nothing
    /// past the records pushed is a row.
    #[test]
    fn the_row_mask_remembers_each_record_and_knows_where_it_ends() {
        let mut mask = RowMask::default();
        let rows: Vec<bool> = (0..200)
            .map(|i| i % 3 == 0 || i == 64 || i == 127)
            .collect();
        for row in &rows {
            mask.push(*row);
        }
        let got: Vec<bool> = (0..200).map(|i| mask.get(i).unwrap()).collect();
        assert_eq!(got, rows);
        assert_eq!(mask.get(200), None);
        assert_eq!(RowMask::default().get(0), None);
    }
}
