//! `basis-log validate`: every line of every event file of a run, read
//! through the library reader and checked by its
//! [`Checker`](basis_events::reader::Checker), on every core, against the
//! schema the run's own catalog gives for its event.
//!
//! A last line with no newline after it, in the live file of a process, is a
//! torn tail (what a crash mid-write leaves) and is reported as such; it fails
//! the check only with `--strict`. Every other problem fails it: a bad line
//! (`file:line: reason`), a gap or a repeat in `seq`, a file under `events/`
//! that the run's catalog does not name (once per file, not per segment, and
//! not counted as a line), a planted link or special file, a corrupt
//! manifest or catalog. A run without `catalog.json` (written before
//! catalogs existed) is checked against this binary's compiled-in schemas,
//! and the report says so.
//!
//! Memory stays flat however many lines are bad: the first
//! [`PROBLEMS_PER_FILE`] problems of each file are kept, the rest counted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use basis_events::reader::{Notice, Problem as ReadProblem, Run, check_in_order, parse_segment};
use serde::Serialize;

use crate::{Error, Result};

/// Problems kept per file; the rest are counted in [`Report::more`]. A torn
/// tail is always kept.
pub const PROBLEMS_PER_FILE: usize = 20;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The last line of a live file ends without a newline: a crash mid-write.
    TornTail,
    /// A line that is not a valid event (or is over the line limit).
    BadLine,
    /// A missing range of `seq`: lines lost in the middle, or a deleted segment.
    Gap,
    /// A `seq` that is not above the previous one of its process.
    Repeat,
    /// A file under `events/` that the run's catalog does not name.
    UnknownFile,
    /// An entry that was not read: a link, a special file, a name that is not UTF-8.
    Skipped,
    /// A manifest or catalog that cannot be read, or a read that failed.
    Unreadable,
}

/// One problem, located.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub path: PathBuf,
    /// 1-based; 0 for a problem with the whole file.
    pub line: u64,
    pub kind: ProblemKind,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.reason)
        } else {
            write!(f, "{}:{}: {}", self.path.display(), self.line, self.reason)
        }
    }
}

/// What was checked in one event file of one process, over its segments.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// `…/{pid}/events/{file}`: the active file's path, segments included.
    pub path: PathBuf,
    /// The event the run's catalog says the file holds.
    pub event: Option<String>,
    pub lines: u64,
    pub valid: u64,
}

/// The result of a validation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub files: Vec<FileReport>,
    /// The first [`PROBLEMS_PER_FILE`] problems of each file, in the order met.
    pub problems: Vec<Problem>,
    /// Problems beyond those, counted per file.
    pub more: BTreeMap<PathBuf, u64>,
    /// What the reader wants said: a process without a manifest, or
    /// without a catalog (checked against this binary's schemas).
    pub notices: Vec<String>,
}

impl Report {
    /// Whether the check fails: any problem other than a torn tail, or any
    /// problem at all when `strict`.
    pub fn failed(&self, strict: bool) -> bool {
        !self.more.is_empty()
            || self
                .problems
                .iter()
                .any(|p| strict || p.kind != ProblemKind::TornTail)
    }

    /// Lines checked in total.
    pub fn lines(&self) -> u64 {
        self.files.iter().map(|f| f.lines).sum()
    }

    /// Problems found in total, kept or counted.
    pub fn problem_count(&self) -> u64 {
        self.problems.len() as u64 + self.more.values().sum::<u64>()
    }

    fn push(&mut self, problem: Problem, kept: &mut BTreeMap<PathBuf, usize>) {
        // A torn tail (at most one per file, and the crash artefact people
        // look for) is always kept, however many problems came before it.
        if problem.kind == ProblemKind::TornTail {
            self.problems.push(problem);
            return;
        }
        let count = kept.entry(problem.path.clone()).or_default();
        *count += 1;
        if *count > PROBLEMS_PER_FILE {
            *self.more.entry(problem.path).or_default() += 1;
        } else {
            self.problems.push(problem);
        }
    }
}

/// Validates every event file under `paths`: run directories (a process, a
/// correlation id, or an `events/` directory) or single event files, with
/// lines checked on every core.
pub fn validate_paths(paths: &[PathBuf]) -> Result<Report> {
    validate_paths_on(paths, 0)
}

/// [`validate_paths`] with lines checked on `threads` threads (0: every
/// core). The report is the same whatever the number: problems in the order
/// the lines were read, counted the same.
pub fn validate_paths_on(paths: &[PathBuf], threads: usize) -> Result<Report> {
    let mut report = Report::default();
    for path in paths {
        validate_path(path, threads, &mut report)?;
    }
    Ok(report)
}

fn validate_path(path: &Path, threads: usize, report: &mut Report) -> Result<()> {
    let meta = std::fs::symlink_metadata(path).map_err(Error::io(path))?;
    // A single event file: read its process, keep its lines only.
    let (run_dir, only) = if meta.is_file() {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let process = path
            .parent()
            .and_then(Path::parent)
            .ok_or_else(|| Error::NotARun {
                path: path.to_owned(),
                reason: "an event file lives in `{pid}/events/`".to_owned(),
            })?;
        (process.to_owned(), Some(parse_segment(name).0))
    } else {
        (path.to_owned(), None)
    };
    let run = Run::open(&run_dir).map_err(|err| Error::NotARun {
        path: path.to_owned(),
        reason: err.to_string(),
    })?;
    for notice in run.notices() {
        report.notices.push(match notice {
            Notice::CatalogFallback { dir } => format!(
                "{}: no catalog.json (a run written before catalogs); checked against this \
                 binary's compiled-in schemas",
                dir.display()
            ),
            other => other.to_string(),
        });
    }
    // Lines and valid lines per (pid, file), in the order files are met.
    let mut files: BTreeMap<(u32, String), FileReport> = BTreeMap::new();
    for process in run.processes() {
        for file in process.files() {
            if only.as_ref().is_some_and(|only| only != file.file()) {
                continue;
            }
            files.insert(
                (process.pid(), file.file().to_owned()),
                FileReport {
                    path: process.dir().join("events").join(file.file()),
                    event: Some(file.event().to_owned()),
                    lines: 0,
                    valid: 0,
                },
            );
        }
    }
    let mut kept = BTreeMap::new();
    let records = match &only {
        Some(_) => {
            let event = files.values().next().and_then(|f| f.event.clone());
            match event {
                Some(event) => run.records_of(&event),
                None => run.records(),
            }
        }
        None => run.records(),
    };
    check_in_order(&run, records, threads, |verdict| match verdict {
        Ok(record) => {
            let position = record.position();
            if let Some(file) = files.get_mut(&(position.pid(), position.file().to_owned())) {
                file.lines += 1;
                file.valid += 1;
            }
        }
        Err(problem) => {
            if let (Some(only), Some(position)) = (&only, problem.position())
                && position.file() != only
            {
                return;
            }
            if let Some(position) = problem.position()
                && counts_as_line(&problem)
                && let Some(file) = files.get_mut(&(position.pid(), position.file().to_owned()))
            {
                file.lines += 1;
            }
            report.push(located(&problem), &mut kept);
        }
    });
    report.files.extend(files.into_values());
    Ok(())
}

/// Whether a problem is about one line of a file (and so counts as a line checked).
fn counts_as_line(problem: &ReadProblem) -> bool {
    matches!(
        problem,
        ReadProblem::TornTail { .. }
            | ReadProblem::BadLine { .. }
            | ReadProblem::TooLong { .. }
            | ReadProblem::Repeat { .. }
    )
}

/// The reader's problem as validate reports it: where, what kind, why.
fn located(problem: &ReadProblem) -> Problem {
    let text = problem.to_string();
    let (path, line) = match problem.position() {
        Some(position) => (position.path().to_owned(), position.line()),
        None => (path_of(problem), 0),
    };
    let prefix = if line == 0 {
        format!("{}: ", path.display())
    } else {
        format!("{}:{line}: ", path.display())
    };
    let reason = text
        .strip_prefix(&prefix)
        .map_or(text.clone(), str::to_owned);
    let kind = match problem {
        // A rotated segment was renamed after a whole line: one that ends
        // mid-line was cut afterwards, which is corruption, not a crash.
        ReadProblem::TornTail { position, .. } if position.segment().is_some() => {
            return Problem {
                path,
                line,
                kind: ProblemKind::BadLine,
                reason: format!("rotated segment ends mid-line: {reason}"),
            };
        }
        ReadProblem::TornTail { .. } => ProblemKind::TornTail,
        ReadProblem::BadLine { .. } | ReadProblem::TooLong { .. } => ProblemKind::BadLine,
        ReadProblem::Gap { .. } => ProblemKind::Gap,
        ReadProblem::Repeat { .. } => ProblemKind::Repeat,
        ReadProblem::UnknownFile { .. } => ProblemKind::UnknownFile,
        ReadProblem::Skipped { .. } => ProblemKind::Skipped,
        _ => ProblemKind::Unreadable,
    };
    let reason = match kind {
        ProblemKind::TornTail => format!(
            "torn last line: the file ends mid-line, as a crash mid-write leaves it ({reason})"
        ),
        _ => reason,
    };
    Problem {
        path,
        line,
        kind,
        reason,
    }
}

fn path_of(problem: &ReadProblem) -> PathBuf {
    match problem {
        ReadProblem::Skipped { path, .. }
        | ReadProblem::UnknownFile { path, .. }
        | ReadProblem::BadManifest { path, .. }
        | ReadProblem::BadCatalog { path, .. }
        | ReadProblem::Io { path, .. } => path.clone(),
        _ => PathBuf::new(),
    }
}
