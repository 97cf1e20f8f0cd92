//! `basis-log dataset RESULTS_ROOT --to DIR`: one Parquet dataset over every
//! run of a results root, laid out hive-style and updated incrementally.
//!
//! ```text
//! DIR/.basis-log-dataset                              marker and state (JSON)
//! DIR/runs.parquet                                    one row per run
//! DIR/events/event=<EventName>/run=<correlation_id>/part-0.parquet
//! ```
//!
//! Each partition is the run's exported Parquet file of that event, so its
//! columns are export's (typed from the event's schema). Partition values
//! are safe path components: event names are identifiers and correlation
//! ids are checked plain names. DuckDB reads it as
//! `read_parquet('DIR/events/event=PositionSnapshot/*/*.parquet',
//! hive_partitioning = true)`, or every event at once with
//! `read_parquet('DIR/events/**/*.parquet', hive_partitioning = true,
//! union_by_name = true)`; `runs.parquet` sits outside `events/` so that
//! glob never matches it.
//!
//! A run whose content hash (summary, catalogs, Parquet files) equals the
//! one in the state is skipped. A new or changed run's partitions are
//! written into `.run=<id>.tmp-<pid>` directories (hidden from Spark and
//! from `run=*` globs) and renamed into place, so no reader ever sees a
//! half-written partition. Runs that disappeared from the results root are
//! kept: the dataset never deletes data it cannot rebuild.

pub mod figures;
pub mod runs_table;
pub mod source;
mod state;

use std::fs;
use std::path::{Path, PathBuf};

use runs_table::{RUNS_FILE, RunRow};
use serde::Serialize;
use source::RunSource;
use state::{RunState, State};

use crate::target::RESULTS_MARKER;
use crate::{Error, Result};

/// The directory of the event partitions inside the dataset.
pub const EVENTS_DIR: &str = "events";

/// What `basis-log dataset` is asked to do.
#[derive(Debug, Clone)]
pub struct DatasetOptions {
    /// The results root: every `{results_root}/{correlation_id}/` with
    /// `.basis-log-results` and `summary.json` is a run.
    pub results_root: PathBuf,
    /// The dataset directory, created or updated in place.
    pub to: PathBuf,
}

/// What happened to one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunChange {
    /// New in the dataset: its partitions were written.
    Added,
    /// Its content changed: its partitions were replaced.
    Replaced,
    /// Unchanged since the last update: skipped.
    Unchanged,
}

/// One run of the update.
#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    pub correlation_id: String,
    pub status: String,
    pub change: RunChange,
    /// The events it has partitions of.
    pub events: Vec<String>,
}

/// What the update did.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetOutcome {
    pub dir: PathBuf,
    /// Every run found under the results root, in id order.
    pub runs: Vec<RunOutcome>,
    /// Runs kept from earlier updates that the results root no longer has.
    pub kept: Vec<String>,
    /// Rows of `runs.parquet`.
    pub rows: usize,
    /// Directories and files that were passed over, and why.
    pub skipped: Vec<String>,
}

impl DatasetOutcome {
    /// How many runs had `change`.
    pub fn count(&self, change: RunChange) -> usize {
        self.runs.iter().filter(|r| r.change == change).count()
    }
}

/// Builds or updates the dataset of `options.results_root` in `options.to`.
pub fn build(options: &DatasetOptions) -> Result<DatasetOutcome> {
    let root = &options.results_root;
    if !root.is_dir() {
        return Err(Error::Usage(format!(
            "`{}` is not a results root: it is not a directory",
            root.display()
        )));
    }
    let target = crate::target::dataset_dir(&options.to)?;
    let built = update(root, target.path());
    target.release();
    built
}

/// The update itself, run while the dataset is claimed.
fn update(root: &Path, dir: &Path) -> Result<DatasetOutcome> {
    let mut state = State::read(dir)?;
    let events_dir = dir.join(EVENTS_DIR);
    fs::create_dir_all(&events_dir).map_err(Error::io(&events_dir))?;
    // Holding the claim, any staging directory is a dead writer's.
    remove_staging(&events_dir)?;

    let mut skipped = Vec::new();
    let mut runs = Vec::new();
    for results in results_dirs(root, dir, &mut skipped)? {
        let run = match RunSource::open(&results) {
            Ok(run) => run,
            Err(err) => {
                skipped.push(format!("{}: {err}", results.display()));
                continue;
            }
        };
        let before = state.runs.get(&run.correlation_id);
        let (tables, unknown) = run.tables();
        for path in unknown {
            skipped.push(format!(
                "{}: no event named for it in summary.json",
                path.display()
            ));
        }
        let events: Vec<String> = tables.iter().map(|t| t.event.clone()).collect();
        let unchanged = before.is_some_and(|b| {
            b.row.content_hash == run.content_hash
                && b.events
                    .iter()
                    .all(|e| partition(&events_dir, e, &run.correlation_id).is_dir())
        });
        let change = match before {
            _ if unchanged => RunChange::Unchanged,
            Some(_) => RunChange::Replaced,
            None => RunChange::Added,
        };
        if change != RunChange::Unchanged {
            let stale: Vec<String> = before
                .map(|b| b.events.clone())
                .unwrap_or_default()
                .into_iter()
                .filter(|e| !events.contains(e))
                .collect();
            write_partitions(&events_dir, &run.correlation_id, &tables, &stale)?;
            state.runs.insert(
                run.correlation_id.clone(),
                RunState {
                    events: events.clone(),
                    row: RunRow::of(&run),
                },
            );
            // Saved after each run, so a crash loses at most the run in hand.
            state.write(dir)?;
        }
        runs.push(RunOutcome {
            correlation_id: run.correlation_id.clone(),
            status: run.figures.status().to_owned(),
            change,
            events,
        });
    }
    let kept = state
        .runs
        .keys()
        .filter(|id| !runs.iter().any(|r| &r.correlation_id == *id))
        .cloned()
        .collect();
    let rows: Vec<RunRow> = state.runs.values().map(|r| r.row.clone()).collect();
    let runs_file = dir.join(RUNS_FILE);
    let temp = dir.join(format!(".{RUNS_FILE}.tmp-{}", std::process::id()));
    runs_table::write(&temp, &rows)?;
    fs::rename(&temp, &runs_file).map_err(Error::io(&runs_file))?;
    state.write(dir)?;
    Ok(DatasetOutcome {
        dir: dir.to_owned(),
        runs,
        kept,
        rows: rows.len(),
        skipped,
    })
}

/// `events/event={event}/run={id}`.
pub fn partition(events_dir: &Path, event: &str, correlation_id: &str) -> PathBuf {
    events_dir
        .join(format!("event={event}"))
        .join(format!("run={correlation_id}"))
}

/// The results directories under `root`, sorted; the dataset itself and
/// directories that are not results are passed over.
fn results_dirs(root: &Path, dataset: &Path, skipped: &mut Vec<String>) -> Result<Vec<PathBuf>> {
    let dataset = fs::canonicalize(dataset).unwrap_or_else(|_| dataset.to_owned());
    let mut dirs = Vec::new();
    for entry in fs::read_dir(root).map_err(Error::io(root))? {
        let entry = entry.map_err(Error::io(root))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || !path.is_dir() {
            continue;
        }
        if fs::canonicalize(&path).is_ok_and(|p| p == dataset) {
            continue;
        }
        if !path.join(RESULTS_MARKER).is_file() {
            if !path.join(crate::target::DATASET_MARKER).is_file() {
                skipped.push(format!(
                    "{}: not a results directory (no {RESULTS_MARKER})",
                    path.display()
                ));
            }
            continue;
        }
        dirs.push(path);
    }
    dirs.sort();
    Ok(dirs)
}

/// Writes the run's partitions into staging directories, then renames each
/// into place, and removes its partitions of `stale` events.
fn write_partitions(
    events_dir: &Path,
    correlation_id: &str,
    tables: &[source::EventTable],
    stale: &[String],
) -> Result<()> {
    let pid = std::process::id();
    let mut staged = Vec::new();
    for table in tables {
        let event_dir = events_dir.join(format!("event={}", table.event));
        let staging = event_dir.join(format!(".run={correlation_id}.tmp-{pid}"));
        if !staged
            .iter()
            .any(|(s, _): &(PathBuf, String)| s == &staging)
        {
            fs::create_dir_all(&staging).map_err(Error::io(&staging))?;
            staged.push((staging.clone(), table.event.clone()));
        }
        let part = (0..)
            .map(|n| staging.join(format!("part-{n}.parquet")))
            .find(|p| !p.exists())
            .unwrap_or_else(|| staging.join("part-0.parquet"));
        fs::copy(&table.parquet, &part).map_err(Error::io(&table.parquet))?;
    }
    for (staging, event) in &staged {
        replace(&partition(events_dir, event, correlation_id), staging)?;
    }
    for event in stale {
        let old = partition(events_dir, event, correlation_id);
        if old.exists() {
            fs::remove_dir_all(&old).map_err(Error::io(&old))?;
        }
    }
    Ok(())
}

/// Puts `staging` at `target`: an old partition is first moved aside under
/// a hidden name, so `target` holds either the old or the new files whole.
fn replace(target: &Path, staging: &Path) -> Result<()> {
    if target.exists() {
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        let old = target.with_file_name(format!(".{name}.old-{}", std::process::id()));
        fs::rename(target, &old).map_err(Error::io(target))?;
        fs::rename(staging, target).map_err(Error::io(target))?;
        fs::remove_dir_all(&old).map_err(Error::io(&old))?;
    } else {
        fs::rename(staging, target).map_err(Error::io(target))?;
    }
    Ok(())
}

/// Removes `.run=*.tmp-*` and `.run=*.old-*` left by writers that died.
fn remove_staging(events_dir: &Path) -> Result<()> {
    for event in fs::read_dir(events_dir).map_err(Error::io(events_dir))? {
        let event = event.map_err(Error::io(events_dir))?.path();
        if !event.is_dir() {
            continue;
        }
        for entry in fs::read_dir(&event).map_err(Error::io(&event))? {
            let entry = entry.map_err(Error::io(&event))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".run=") && (name.contains(".tmp-") || name.contains(".old-")) {
                fs::remove_dir_all(entry.path()).map_err(Error::io(entry.path()))?;
            }
        }
    }
    Ok(())
}
