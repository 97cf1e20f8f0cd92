//! Reads every event file of every process of a run into [`RunData`], through
//! `basis_events::read` (rotated segments oldest first, torn tails told apart),
//! turning damage into [`Gap`]s instead of failing.

use std::path::Path;

use basis_events::EventRecord;
use basis_events::catalog::{
    AtomicOperationGroupEvent, ExecutionDeltaEvent, ExposureSnapshot, HealthStatusEvent,
    OperationExecutionEvent, PnLCalculation, PositionSnapshot, ReconciliationEvent, RiskAssessment,
    StrategyDecision, SystemErrorEvent, TightLoopExecutionEvent,
};
use basis_events::read::{LineReader, segments_of};
use serde_json::Value;

use crate::data::{Ingest, RunData};
use crate::error::ReportError;
use crate::gaps::Gap;
use crate::run::{Process, Run};

/// Invalid lines listed one by one per segment; the rest are counted.
const BAD_LINES_LISTED: u64 = 5;

/// What was read from one event file of one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The event's name: `PositionSnapshot`.
    pub event: &'static str,
    /// The file under `events/`: `positions.jsonl`.
    pub file: &'static str,
    pub pid: String,
    /// The segments read, oldest first (`positions.1.jsonl`, …, `positions.jsonl`).
    pub segments: Vec<String>,
    /// Events read and shown.
    pub events: u64,
    /// Lines skipped: torn or invalid.
    pub skipped: u64,
}

/// A run, read.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub data: RunData,
    pub gaps: Vec<Gap>,
    pub sources: Vec<Source>,
    /// Each process's manifest, in pid order, for those that have one.
    pub manifests: Vec<(String, Value)>,
}

/// Reads `run`: every guide event file of every process, in pid order.
pub(crate) fn load(run: &Run) -> Result<Loaded, ReportError> {
    let mut loaded = Loaded {
        data: RunData::default(),
        gaps: Vec::new(),
        sources: Vec::new(),
        manifests: Vec::new(),
    };
    for process in &run.processes {
        if let Some(manifest) = process.manifest(&mut loaded.gaps) {
            loaded.manifests.push((process.pid.clone(), manifest));
        }
        if !process.events_dir().is_dir() {
            loaded.gaps.push(Gap::MissingEventsDir {
                pid: process.pid.clone(),
            });
            continue;
        }
        // The guide's order, so the sources table reads like the catalog.
        load_file::<PositionSnapshot>(process, &mut loaded)?;
        load_file::<OperationExecutionEvent>(process, &mut loaded)?;
        load_file::<TightLoopExecutionEvent>(process, &mut loaded)?;
        load_file::<ExposureSnapshot>(process, &mut loaded)?;
        load_file::<RiskAssessment>(process, &mut loaded)?;
        load_file::<PnLCalculation>(process, &mut loaded)?;
        load_file::<StrategyDecision>(process, &mut loaded)?;
        load_file::<AtomicOperationGroupEvent>(process, &mut loaded)?;
        load_file::<ReconciliationEvent>(process, &mut loaded)?;
        load_file::<ExecutionDeltaEvent>(process, &mut loaded)?;
        load_file::<HealthStatusEvent>(process, &mut loaded)?;
        load_file::<SystemErrorEvent>(process, &mut loaded)?;
    }
    loaded.data.finish();
    Ok(loaded)
}

fn segment_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads every segment of `E::FILE` in one process, oldest first.
fn load_file<E: Ingest>(process: &Process, loaded: &mut Loaded) -> Result<(), ReportError> {
    let dir = process.events_dir();
    let segments = segments_of(&dir, E::FILE).map_err(ReportError::read(&dir))?;
    let mut source = Source {
        event: E::NAME,
        file: E::FILE,
        pid: process.pid.clone(),
        segments: segments.iter().map(|path| segment_name(path)).collect(),
        events: 0,
        skipped: 0,
    };
    if segments.is_empty() {
        loaded.gaps.push(Gap::MissingFile {
            pid: process.pid.clone(),
            file: E::FILE.to_owned(),
        });
    }
    for path in &segments {
        read_segment::<E>(process, path, &mut source, loaded);
    }
    loaded.sources.push(source);
    Ok(())
}

fn read_segment<E: Ingest>(
    process: &Process,
    path: &Path,
    source: &mut Source,
    loaded: &mut Loaded,
) {
    let segment = segment_name(path);
    let unreadable = |err: std::io::Error| Gap::UnreadableFile {
        pid: process.pid.clone(),
        segment: segment.clone(),
        reason: err.to_string(),
    };
    let reader = match LineReader::open(path) {
        Ok(reader) => reader,
        Err(err) => {
            loaded.gaps.push(unreadable(err));
            return;
        }
    };
    let mut bad = 0u64;
    for line in reader {
        let line = match line {
            Ok(line) => line,
            Err(err) => {
                loaded.gaps.push(unreadable(err));
                break;
            }
        };
        if !line.complete {
            source.skipped += 1;
            loaded.gaps.push(Gap::TornTail {
                pid: process.pid.clone(),
                segment: segment.clone(),
                line: line.number,
                bytes: line.bytes.len(),
            });
            continue;
        }
        match serde_json::from_slice::<EventRecord<E>>(&line.bytes) {
            Ok(record) => {
                source.events += 1;
                E::ingest(record, &mut loaded.data);
            }
            Err(err) => {
                source.skipped += 1;
                bad += 1;
                if bad <= BAD_LINES_LISTED {
                    loaded.gaps.push(Gap::BadLine {
                        pid: process.pid.clone(),
                        segment: segment.clone(),
                        line: line.number,
                        reason: err.to_string(),
                    });
                }
            }
        }
    }
    if bad > BAD_LINES_LISTED {
        loaded.gaps.push(Gap::MoreBadLines {
            pid: process.pid.clone(),
            segment,
            count: bad - BAD_LINES_LISTED,
        });
    }
}
