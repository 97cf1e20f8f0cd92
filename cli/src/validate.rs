//! `basis-log validate`: every line of every event file against its JSON Schema
//! and its typed event.
//!
//! A last line with no newline after it, in the live file of a process, is a
//! torn tail (what a crash mid-write leaves) and is reported as such; it fails
//! the check only with `--strict`. Every other bad line is reported as
//! `file:line: reason` and fails the check.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use basis_events::EventInfo;
use serde::Serialize;
use serde_json::Value;

use crate::read::{self, parse_segment_name};
use crate::run::{EVENTS_DIR, Run};
use crate::{Error, Result};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The last line of a live file ends without a newline: a crash mid-write.
    TornTail,
    /// A line that is not a valid event.
    BadLine,
    /// A file no registered event writes.
    UnknownFile,
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

/// What was checked in one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub path: PathBuf,
    /// The event the file holds, when known.
    pub event: Option<&'static str>,
    pub lines: u64,
    pub valid: u64,
}

/// The result of a validation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub files: Vec<FileReport>,
    pub problems: Vec<Problem>,
}

impl Report {
    /// Whether the check fails: any problem other than a torn tail, or any
    /// problem at all when `strict`.
    pub fn failed(&self, strict: bool) -> bool {
        self.problems
            .iter()
            .any(|p| strict || p.kind != ProblemKind::TornTail)
    }

    /// Lines checked in total.
    pub fn lines(&self) -> u64 {
        self.files.iter().map(|f| f.lines).sum()
    }
}

/// One file to check, and what its envelope must say.
#[derive(Debug, Clone)]
struct Target {
    path: PathBuf,
    file: String,
    /// The live file of its process, whose last line may be torn.
    live: bool,
    expect: Option<(String, String)>,
}

/// Compiled schemas, one per event, compiled on first use.
#[derive(Default)]
pub struct Schemas {
    compiled: HashMap<&'static str, jsonschema::Validator>,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schemas")
            .field("events", &self.compiled.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Schemas {
    /// The validator of `info`'s schema.
    pub fn get(&mut self, info: &'static EventInfo) -> Result<&jsonschema::Validator> {
        if !self.compiled.contains_key(info.name()) {
            let validator =
                jsonschema::validator_for(&info.schema()).map_err(|err| Error::Schema {
                    event: info.name().to_owned(),
                    reason: err.to_string(),
                })?;
            self.compiled.insert(info.name(), validator);
        }
        Ok(&self.compiled[info.name()])
    }
}

/// Checks one line of `info`'s file: JSON, schema, typed parse, envelope.
/// Returns the reason it is bad.
pub fn check_line(
    schemas: &mut Schemas,
    info: &'static EventInfo,
    text: &str,
    expect: Option<&(String, String)>,
) -> Result<std::result::Result<(), String>> {
    if text.trim().is_empty() {
        return Ok(Err("empty line".to_owned()));
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(err) => return Ok(Err(format!("invalid JSON: {err}"))),
    };
    let validator = schemas.get(info)?;
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .take(3)
        .map(|err| {
            let at = err.instance_path().to_string();
            if at.is_empty() {
                format!("{err}")
            } else {
                format!("at `{at}`: {err}")
            }
        })
        .collect();
    if !errors.is_empty() {
        return Ok(Err(format!(
            "does not match the {} schema: {}",
            info.name(),
            errors.join("; ")
        )));
    }
    let envelope = match info.parse_line(text) {
        Ok(envelope) => envelope,
        Err(err) => return Ok(Err(format!("not a valid {}: {err}", info.name()))),
    };
    if let Some((correlation_id, pid)) = expect {
        if envelope.correlation_id != *correlation_id {
            return Ok(Err(format!(
                "correlation_id `{}` is not the run's `{correlation_id}`",
                envelope.correlation_id
            )));
        }
        if pid.parse::<u32>().is_ok_and(|pid| pid != envelope.pid) {
            return Ok(Err(format!(
                "pid {} is not the process directory's {pid}",
                envelope.pid
            )));
        }
    }
    Ok(Ok(()))
}

/// Validates every event file under `paths`: run directories (a process, a
/// correlation id, or an `events/` directory) or single event files.
pub fn validate_paths(paths: &[PathBuf]) -> Result<Report> {
    let mut targets = Vec::new();
    for path in paths {
        targets.extend(targets_of(path)?);
    }
    let mut schemas = Schemas::default();
    let mut report = Report::default();
    for target in targets {
        validate_target(&mut schemas, &target, &mut report)?;
    }
    Ok(report)
}

fn targets_of(path: &Path) -> Result<Vec<Target>> {
    let meta = std::fs::metadata(path).map_err(Error::io(path))?;
    if meta.is_file() {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let file = parse_segment_name(name).map_or_else(|| name.to_owned(), |s| s.file);
        let live = parse_segment_name(name).is_some_and(|s| s.index.is_none());
        return Ok(vec![Target {
            path: path.to_owned(),
            file,
            live,
            expect: expected_envelope(path),
        }]);
    }
    let run = Run::open(path)?;
    let mut targets = Vec::new();
    for event_file in run.event_files()? {
        for part in event_file.parts {
            targets.push(Target {
                path: part.path,
                file: event_file.file.clone(),
                live: part.live,
                expect: Some((run.correlation_id.clone(), part.pid)),
            });
        }
    }
    Ok(targets)
}

// `…/{cid}/{pid}/events/{file}`: the envelope must name that run.
fn expected_envelope(path: &Path) -> Option<(String, String)> {
    let events = path.parent()?;
    if events.file_name()? != EVENTS_DIR {
        return None;
    }
    let process = events.parent()?;
    let pid = process.file_name()?.to_str()?;
    pid.parse::<u32>().ok()?;
    let correlation_id = process.parent()?.file_name()?.to_str()?;
    Some((correlation_id.to_owned(), pid.to_owned()))
}

fn validate_target(schemas: &mut Schemas, target: &Target, report: &mut Report) -> Result<()> {
    let Some(info) = basis_events::event_for_file(&target.file) else {
        report.problems.push(Problem {
            path: target.path.clone(),
            line: 0,
            kind: ProblemKind::UnknownFile,
            reason: format!("no registered event writes `{}`", target.file),
        });
        report.files.push(FileReport {
            path: target.path.clone(),
            event: None,
            lines: 0,
            valid: 0,
        });
        return Ok(());
    };
    let mut lines = 0;
    let mut valid = 0;
    read::for_each_line(&target.path, |line| {
        lines += 1;
        let verdict = match line.text() {
            Ok(text) => check_line(schemas, info, text, target.expect.as_ref())?,
            Err(reason) => Err(reason),
        };
        match verdict {
            Ok(()) => valid += 1,
            Err(reason) if line.torn && target.live => report.problems.push(Problem {
                path: target.path.clone(),
                line: line.number,
                kind: ProblemKind::TornTail,
                reason: format!(
                    "torn last line: the file ends mid-line, as a crash mid-write leaves it ({reason})"
                ),
            }),
            Err(reason) => {
                let reason = if line.torn {
                    format!("rotated segment ends mid-line: {reason}")
                } else {
                    reason
                };
                report.problems.push(Problem {
                    path: target.path.clone(),
                    line: line.number,
                    kind: ProblemKind::BadLine,
                    reason,
                });
            }
        }
        Ok(())
    })?;
    report.files.push(FileReport {
        path: target.path.clone(),
        event: Some(info.name()),
        lines,
        valid,
    });
    Ok(())
}
