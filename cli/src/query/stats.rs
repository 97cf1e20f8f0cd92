//! `basis-log stats RUN_DIR`: what a run holds, per event file and log file.
//!
//! Every line of every event file is read and checked (its envelope parsed),
//! so the counts and time ranges are of valid records, and each bad line is
//! one warning.

use std::ops::ControlFlow;
use std::path::Path;

use basis_events::EngineTime;
use basis_events::reader::{LineReader, Problem, Run, segments_of};
use indexmap::IndexMap;
use serde::Serialize;

use super::Warnings;
use crate::Result;

/// One file of the run, over all its segments and processes.
#[derive(Debug, Clone, Serialize)]
pub struct FileStats {
    pub file: String,
    pub event: Option<String>,
    pub segments: usize,
    /// Complete lines, valid or not.
    pub lines: u64,
    /// Complete lines that are not valid records (each one warning).
    pub bad_lines: u64,
    pub bytes: u64,
    pub first_timestamp: Option<String>,
    pub last_timestamp: Option<String>,
    pub torn_tails: u64,
}

/// The statistics of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub correlation_id: String,
    pub processes: Vec<String>,
    pub event_files: Vec<FileStats>,
    pub log_files: Vec<FileStats>,
    /// Valid records in all event files.
    pub total_events: u64,
    pub first_timestamp: Option<String>,
    pub last_timestamp: Option<String>,
    #[serde(skip)]
    pub warnings: Warnings,
}

impl FileStats {
    fn new(file: &str, event: Option<&str>) -> FileStats {
        FileStats {
            file: file.to_owned(),
            event: event.map(str::to_owned),
            segments: 0,
            lines: 0,
            bad_lines: 0,
            bytes: 0,
            first_timestamp: None,
            last_timestamp: None,
            torn_tails: 0,
        }
    }
}

/// Counts the lines of every event and log file of the run.
///
/// # Errors
///
/// In strict mode, the run's first problem.
pub fn stats(run: &Run) -> Result<Stats> {
    let mut files: IndexMap<String, FileStats> = IndexMap::new();
    for process in run.processes() {
        for file in process.files() {
            let stats = files
                .entry(file.file().to_owned())
                .or_insert_with(|| FileStats::new(file.file(), Some(file.event())));
            stats.segments += file.segments().len();
            stats.bytes += file.segments().iter().map(|s| size(s.path())).sum::<u64>();
        }
    }
    // The engine-time range of each file's valid records, by index in `files`.
    let mut ranges: Vec<Option<(EngineTime, EngineTime)>> = vec![None; files.len()];
    let mut warnings = Warnings::default();
    run.scan(None, None, |item| {
        match item {
            Ok(line) => {
                let Some((index, _, stats)) = files.get_full_mut(line.position().file()) else {
                    return ControlFlow::Continue(());
                };
                stats.lines += 1;
                match line.record() {
                    Ok(record) => {
                        let time = record.envelope().timestamp;
                        let range = &mut ranges[index];
                        *range = Some(range.map_or((time, time), |(first, last)| {
                            (first.min(time), last.max(time))
                        }));
                    }
                    Err(problem) => {
                        stats.bad_lines += 1;
                        warnings.push(&problem);
                    }
                }
            }
            Err(problem) => {
                let file = problem.position().map(|p| p.file().to_owned());
                if let Some(stats) = file.and_then(|f| files.get_mut(&f)) {
                    match problem {
                        Problem::TornTail { .. } => stats.torn_tails += 1,
                        Problem::TooLong { .. } => {
                            stats.lines += 1;
                            stats.bad_lines += 1;
                        }
                        _ => {}
                    }
                }
                warnings.push(&problem);
            }
        }
        ControlFlow::Continue(())
    })?;
    for (stats, range) in files.values_mut().zip(&ranges) {
        if let Some((first, last)) = range {
            stats.first_timestamp = Some(first.to_string());
            stats.last_timestamp = Some(last.to_string());
        }
    }
    let event_files: Vec<FileStats> = files.into_values().collect();
    let total_events = event_files.iter().map(|f| f.lines - f.bad_lines).sum();
    let first_timestamp = ranges
        .iter()
        .flatten()
        .map(|r| r.0)
        .min()
        .map(|t| t.to_string());
    let last_timestamp = ranges
        .iter()
        .flatten()
        .map(|r| r.1)
        .max()
        .map(|t| t.to_string());
    Ok(Stats {
        correlation_id: run.correlation_id().to_owned(),
        processes: run
            .processes()
            .iter()
            .map(|p| p.pid().to_string())
            .collect(),
        log_files: log_files(run, &mut warnings),
        event_files,
        total_events,
        first_timestamp,
        last_timestamp,
        warnings,
    })
}

fn size(path: &Path) -> u64 {
    std::fs::symlink_metadata(path).map_or(0, |m| m.len())
}

/// The component logs each process's catalog names, through the reader's
/// line reader (regular files only). Their times are those of the first and
/// last line that carries one.
fn log_files(run: &Run, warnings: &mut Warnings) -> Vec<FileStats> {
    let mut logs: IndexMap<String, FileStats> = IndexMap::new();
    for process in run.processes() {
        for component in &process.catalog().components {
            let file = component.log_file.as_str();
            let Ok(segments) = segments_of(process.dir(), file) else {
                continue;
            };
            for path in segments {
                let reader = match LineReader::open(&path) {
                    Ok(reader) => reader,
                    Err(err) => {
                        warnings.push(&Problem::Io {
                            path,
                            source: err.into(),
                        });
                        continue;
                    }
                };
                let stats = logs
                    .entry(file.to_owned())
                    .or_insert_with(|| FileStats::new(file, None));
                stats.segments += 1;
                stats.bytes += size(&path);
                for line in reader {
                    let Ok(line) = line else { break };
                    if line.is_torn_tail() {
                        stats.torn_tails += 1;
                        continue;
                    }
                    stats.lines += 1;
                    if let Some(time) = log_time(&line.bytes) {
                        if stats.first_timestamp.is_none() {
                            stats.first_timestamp = Some(time.clone());
                        }
                        stats.last_timestamp = Some(time);
                    }
                }
            }
        }
    }
    logs.into_values().collect()
}

fn log_time(bytes: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Stamp {
        timestamp: String,
    }
    serde_json::from_slice::<Stamp>(bytes)
        .ok()
        .map(|s| s.timestamp)
}
