//! Reads a run through the library reader (`basis_events::reader`) into a
//! [`LoadedRun`]: its typed digest and everything that could not be read,
//! stated as [`Gap`]s instead of failing.
//!
//! The results store builds the same [`LoadedRun`] with a [`LoadBuilder`]
//! while it exports, so the summary and the page are computed from one
//! digest of one pass over the run.

use std::collections::BTreeMap;
use std::path::Path;

use basis_events::catalog::GUIDE_EVENTS;
use basis_events::reader::{Notice, Problem, RawRecord, Run};
use basis_events::run_dir::{RunManifest, RunStatus};

use crate::digest::RunDigest;
use crate::error::ReportError;
use crate::gaps::Gap;

/// Invalid lines listed one by one per segment; the rest are counted.
const BAD_LINES_LISTED: u64 = 5;

/// What was read from one event file of one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The event's name: `PositionSnapshot`.
    pub event: String,
    /// The file under `events/`: `positions.jsonl`.
    pub file: String,
    pub pid: String,
    /// The segments read, oldest first (`positions.1.jsonl`, …, `positions.jsonl`).
    pub segments: Vec<String>,
    /// Events read and shown.
    pub events: u64,
    /// Lines skipped: torn or invalid.
    pub skipped: u64,
}

/// A run, read: the digest of its records and what could not be read.
#[derive(Debug)]
pub struct LoadedRun {
    /// Every figure of the run.
    pub digest: RunDigest,
    /// What could not be read, in the order met.
    pub gaps: Vec<Gap>,
    /// What was read from each event file of each process.
    pub sources: Vec<Source>,
    /// Each process's manifest, in pid order, for those that have one.
    pub manifests: Vec<(String, RunManifest)>,
    /// The run's correlation id.
    pub correlation_id: String,
    /// The processes read, in pid order.
    pub processes: Vec<String>,
}

impl LoadedRun {
    /// Whether every process's manifest says the run completed. A run that
    /// is still running, failed, was killed before finishing or has no
    /// manifest is not complete, and is shown as such everywhere.
    pub fn is_complete(&self) -> bool {
        self.manifests.len() == self.processes.len()
            && self
                .manifests
                .iter()
                .all(|(_, manifest)| manifest.status == RunStatus::Completed)
    }
}

/// Builds a [`LoadedRun`] one record (or problem) at a time.
#[derive(Debug)]
pub struct LoadBuilder {
    loaded: LoadedRun,
    /// Bad lines met per segment path, to list the first few only.
    bad_per_segment: BTreeMap<String, (String, String, u64)>,
    /// What opening the run found: every read of the run yields these
    /// first, and each is stated once however many reads there are.
    opened: Vec<String>,
    opened_seen: Vec<String>,
    counts: BTreeMap<(String, String), (u64, u64)>,
}

impl LoadBuilder {
    /// Starts from what opening `run` found: its processes, manifests,
    /// files, and the problems and notices of the open.
    pub fn new(run: &Run) -> Self {
        let mut loaded = LoadedRun {
            digest: RunDigest::default(),
            gaps: Vec::new(),
            sources: Vec::new(),
            manifests: Vec::new(),
            correlation_id: run.correlation_id().to_owned(),
            processes: run
                .processes()
                .iter()
                .map(|p| p.pid().to_string())
                .collect(),
        };
        for process in run.processes() {
            let pid = process.pid().to_string();
            match process.manifest() {
                Some(manifest) => {
                    if manifest.status != RunStatus::Completed {
                        loaded.gaps.push(Gap::Unfinished {
                            pid: pid.clone(),
                            status: status_name(manifest.status).to_owned(),
                        });
                    }
                    loaded.manifests.push((pid.clone(), manifest.clone()));
                }
                None => loaded.gaps.push(Gap::Unfinished {
                    pid: pid.clone(),
                    status: "unknown (no readable metadata.json)".to_owned(),
                }),
            }
            for file in process.files() {
                loaded.sources.push(Source {
                    event: file.event().to_owned(),
                    file: file.file().to_owned(),
                    pid: pid.clone(),
                    segments: file
                        .segments()
                        .iter()
                        .filter_map(|s| s.path().file_name())
                        .map(|name| name.to_string_lossy().into_owned())
                        .collect(),
                    events: 0,
                    skipped: 0,
                });
            }
            for event in GUIDE_EVENTS {
                if !process.files().iter().any(|f| f.event() == event) {
                    let file = process
                        .catalog()
                        .event_named(event)
                        .map_or_else(|| event.to_owned(), |e| e.file.clone());
                    loaded.sources.push(Source {
                        event: event.to_owned(),
                        file: file.clone(),
                        pid: pid.clone(),
                        segments: Vec::new(),
                        events: 0,
                        skipped: 0,
                    });
                    loaded.gaps.push(Gap::MissingFile {
                        pid: pid.clone(),
                        file,
                    });
                }
            }
        }
        for notice in run.notices() {
            // A run written before catalogs existed is read with this
            // binary's catalog: nothing of it is left out, so no gap.
            if let Notice::NoManifest { dir } = notice {
                loaded.gaps.push(Gap::MissingManifest {
                    pid: dir
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                });
            }
        }
        LoadBuilder {
            loaded,
            bad_per_segment: BTreeMap::new(),
            opened: run.problems().iter().map(ToString::to_string).collect(),
            opened_seen: Vec::new(),
            counts: BTreeMap::new(),
        }
    }

    /// Takes one record into account; a guide event that does not parse as
    /// its type is a bad line.
    pub fn record(&mut self, record: &RawRecord) {
        let position = record.position();
        let key = (position.pid().to_string(), position.file().to_owned());
        match self.loaded.digest.ingest(record) {
            Ok(()) => self.counts.entry(key).or_default().0 += 1,
            Err(problem) => self.problem(&problem),
        }
    }

    /// Takes one problem of the read into account, as a gap on the page.
    pub fn problem(&mut self, problem: &Problem) {
        let text = problem.to_string();
        if self.opened.contains(&text) {
            if self.opened_seen.contains(&text) {
                return;
            }
            self.opened_seen.push(text);
        }
        let gap = match problem {
            Problem::TornTail { position, len } => {
                self.skipped(position.pid(), position.file());
                Gap::TornTail {
                    pid: position.pid().to_string(),
                    segment: segment_of(position.path()),
                    line: position.line(),
                    bytes: usize::try_from(*len).unwrap_or(usize::MAX),
                }
            }
            Problem::BadLine { position, .. } | Problem::TooLong { position, .. } => {
                self.skipped(position.pid(), position.file());
                let segment = segment_of(position.path());
                let entry = self
                    .bad_per_segment
                    .entry(position.path().display().to_string())
                    .or_insert((position.pid().to_string(), segment.clone(), 0));
                entry.2 += 1;
                if entry.2 > BAD_LINES_LISTED {
                    return;
                }
                let reason = problem.to_string();
                let reason = reason
                    .strip_prefix(&format!("{position}: "))
                    .map_or(reason.clone(), str::to_owned);
                Gap::BadLine {
                    pid: position.pid().to_string(),
                    segment,
                    line: position.line(),
                    reason,
                }
            }
            Problem::BadManifest { path, reason } => Gap::BadManifest {
                pid: path
                    .parent()
                    .and_then(Path::file_name)
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                reason: reason.clone(),
            },
            other => Gap::Unread {
                what: other.to_string(),
            },
        };
        self.loaded.gaps.push(gap);
    }

    fn skipped(&mut self, pid: u32, file: &str) {
        self.counts
            .entry((pid.to_string(), file.to_owned()))
            .or_default()
            .1 += 1;
    }

    /// The loaded run, its digest finished.
    ///
    /// # Errors
    ///
    /// [`ReportError::Spill`] when the digest's temporary files failed.
    pub fn finish(mut self) -> Result<LoadedRun, ReportError> {
        for (_, (pid, segment, count)) in std::mem::take(&mut self.bad_per_segment) {
            if count > BAD_LINES_LISTED {
                self.loaded.gaps.push(Gap::MoreBadLines {
                    pid,
                    segment,
                    count: count - BAD_LINES_LISTED,
                });
            }
        }
        for source in &mut self.loaded.sources {
            if let Some((events, skipped)) =
                self.counts.get(&(source.pid.clone(), source.file.clone()))
            {
                source.events = *events;
                source.skipped = *skipped;
            }
        }
        self.loaded.digest.finish()?;
        Ok(self.loaded)
    }
}

/// Reads the run at `run_dir` (`logs/{correlation_id}/{pid}` or
/// `logs/{correlation_id}`): every record of every process, in emit order.
///
/// # Errors
///
/// [`ReportError::NotARun`] when `run_dir` is not a run.
pub fn load(run_dir: &Path) -> Result<LoadedRun, ReportError> {
    let run = Run::open(run_dir).map_err(|err| ReportError::NotARun {
        path: run_dir.to_owned(),
        reason: err.to_string(),
    })?;
    let mut builder = LoadBuilder::new(&run);
    for item in run.records() {
        match item {
            Ok(record) => builder.record(&record),
            Err(problem) => builder.problem(&problem),
        }
    }
    builder.finish()
}

fn segment_of(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The manifest's word for a status.
pub fn status_name(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Running => "running",
        RunStatus::Completed => "completed",
        RunStatus::Failed => "failed",
        RunStatus::Aborted => "aborted",
    }
}
