//! `basis-log stats RUN_DIR`: what a run holds, per event file and log file.

use serde::Serialize;
use serde_json::Value;

use super::scan::scan;
use crate::Result;
use crate::run::Run;

/// One file of the run.
#[derive(Debug, Clone, Serialize)]
pub struct FileStats {
    pub file: String,
    pub event: Option<String>,
    pub segments: usize,
    pub lines: u64,
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
    pub total_events: u64,
    pub first_timestamp: Option<String>,
    pub last_timestamp: Option<String>,
}

fn timestamp_of(bytes: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    value.get("timestamp")?.as_str().map(str::to_owned)
}

fn file_stats(
    file: &str,
    event: Option<&str>,
    parts: &[(std::path::PathBuf, bool)],
) -> Result<FileStats> {
    let mut stats = FileStats {
        file: file.to_owned(),
        event: event.map(str::to_owned),
        segments: parts.len(),
        lines: 0,
        bytes: 0,
        first_timestamp: None,
        last_timestamp: None,
        torn_tails: 0,
    };
    for (path, live) in parts {
        stats.bytes += std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let mut last: Option<Vec<u8>> = None;
        scan(path, None, |line| {
            if line.torn && *live {
                stats.torn_tails += 1;
                return Ok(());
            }
            stats.lines += 1;
            if stats.first_timestamp.is_none() {
                stats.first_timestamp = timestamp_of(line.bytes);
            }
            last = Some(line.bytes.to_vec());
            Ok(())
        })?;
        if let Some(ts) = last.as_deref().and_then(timestamp_of) {
            stats.last_timestamp = Some(ts);
        }
    }
    Ok(stats)
}

/// Counts the lines of every event and log file of the run.
pub fn stats(run: &Run) -> Result<Stats> {
    let mut event_files = Vec::new();
    for event_file in run.event_files()? {
        let parts: Vec<_> = event_file
            .parts
            .iter()
            .map(|p| (p.path.clone(), p.live))
            .collect();
        event_files.push(file_stats(
            &event_file.file,
            event_file.info.map(|i| i.name()),
            &parts,
        )?);
    }
    let mut log_files: Vec<FileStats> = Vec::new();
    for (_, path) in run.other_files()? {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if !name.contains(".log") {
            continue;
        }
        let stats = file_stats(&name, None, &[(path.clone(), true)])?;
        match log_files.iter_mut().find(|f| f.file == name) {
            Some(existing) => {
                existing.lines += stats.lines;
                existing.bytes += stats.bytes;
                existing.segments += 1;
            }
            None => log_files.push(stats),
        }
    }
    let total_events = event_files.iter().map(|f| f.lines).sum();
    let first_timestamp = event_files
        .iter()
        .filter_map(|f| f.first_timestamp.clone())
        .min();
    let last_timestamp = event_files
        .iter()
        .filter_map(|f| f.last_timestamp.clone())
        .max();
    Ok(Stats {
        correlation_id: run.correlation_id.clone(),
        processes: run.processes.iter().map(|p| p.pid.clone()).collect(),
        event_files,
        log_files,
        total_events,
        first_timestamp,
        last_timestamp,
    })
}
