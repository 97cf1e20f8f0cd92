//! Finding a run on disk: one process (`logs/{correlation_id}/{pid}`) or all
//! of a correlation id's processes (`logs/{correlation_id}`), and their manifests.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::ReportError;
use crate::gaps::Gap;

/// The run manifest in each process directory.
pub const MANIFEST: &str = "metadata.json";
/// The directory of domain event files in each process directory.
pub const EVENTS_DIR: &str = "events";

/// A run: a correlation id and the processes whose events are merged.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    /// The correlation directory's name, used when no manifest names the run.
    pub dir_name: String,
    /// In pid order: numeric pids numerically, any other name after them.
    pub processes: Vec<Process>,
}

/// One process of a run: `logs/{correlation_id}/{pid}/`.
#[derive(Debug, Clone)]
pub(crate) struct Process {
    pub pid: String,
    pub dir: PathBuf,
}

impl Process {
    pub(crate) fn events_dir(&self) -> PathBuf {
        self.dir.join(EVENTS_DIR)
    }

    /// The process's manifest; a missing or unreadable one is a gap, not an
    /// error, since every number on the page comes from the event files.
    pub(crate) fn manifest(&self, gaps: &mut Vec<Gap>) -> Option<Value> {
        let path = self.dir.join(MANIFEST);
        match fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(value @ Value::Object(_)) => Some(value),
                Ok(_) => {
                    gaps.push(Gap::BadManifest {
                        pid: self.pid.clone(),
                        reason: "it is not a JSON object".to_owned(),
                    });
                    None
                }
                Err(err) => {
                    gaps.push(Gap::BadManifest {
                        pid: self.pid.clone(),
                        reason: err.to_string(),
                    });
                    None
                }
            },
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                gaps.push(Gap::MissingManifest {
                    pid: self.pid.clone(),
                });
                None
            }
            Err(err) => {
                gaps.push(Gap::BadManifest {
                    pid: self.pid.clone(),
                    reason: err.to_string(),
                });
                None
            }
        }
    }
}

/// Whether `dir` is one process's directory: it has `events/` or a manifest.
/// A process whose `events/` was lost still counts, so the loss is reported.
fn is_process_dir(dir: &Path) -> bool {
    dir.join(EVENTS_DIR).is_dir() || dir.join(MANIFEST).is_file()
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl Run {
    /// Opens `path` as a run: a process directory, its `events/` directory, or
    /// a correlation directory whose subdirectories are process directories.
    pub(crate) fn open(path: &Path) -> Result<Run, ReportError> {
        let not_a_run = |reason: &str| ReportError::NotARun {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        let meta = fs::metadata(path).map_err(|err| match err.kind() {
            io::ErrorKind::NotFound => not_a_run("it does not exist"),
            _ => ReportError::Read {
                path: path.to_owned(),
                source: err,
            },
        })?;
        if !meta.is_dir() {
            return Err(not_a_run("it is not a directory"));
        }
        // Canonical, so that `.` and trailing slashes still give the names.
        let mut dir = path.canonicalize().map_err(ReportError::read(path))?;
        if name_of(&dir) == EVENTS_DIR
            && !is_process_dir(&dir)
            && let Some(parent) = dir.parent().filter(|parent| is_process_dir(parent))
        {
            dir = parent.to_path_buf();
        }

        if is_process_dir(&dir) {
            let dir_name = dir.parent().map(name_of).unwrap_or_default();
            return Ok(Run {
                dir_name,
                processes: vec![Process {
                    pid: name_of(&dir),
                    dir,
                }],
            });
        }

        let mut processes = Vec::new();
        for entry in fs::read_dir(&dir).map_err(ReportError::read(&dir))? {
            let entry = entry.map_err(ReportError::read(&dir))?;
            let child = entry.path();
            if child.is_dir() && is_process_dir(&child) {
                processes.push(Process {
                    pid: name_of(&child),
                    dir: child,
                });
            }
        }
        if processes.is_empty() {
            return Err(not_a_run(
                "it has no `events/` directory and no process directory with one",
            ));
        }
        processes.sort_by(|a, b| pid_key(&a.pid).cmp(&pid_key(&b.pid)));
        Ok(Run {
            dir_name: name_of(&dir),
            processes,
        })
    }
}

/// Numeric pids in numeric order, then any other name in name order.
fn pid_key(pid: &str) -> (bool, Option<u64>, &str) {
    let number = pid.parse::<u64>().ok();
    (number.is_none(), number, pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_correlation_directory_lists_its_processes_in_pid_order() {
        let root = tempfile::tempdir().unwrap();
        for pid in ["100", "20", "abc"] {
            fs::create_dir_all(root.path().join(pid).join(EVENTS_DIR)).unwrap();
        }
        fs::create_dir_all(root.path().join("not-a-process")).unwrap();
        let run = Run::open(root.path()).unwrap();
        let pids: Vec<&str> = run.processes.iter().map(|p| p.pid.as_str()).collect();
        assert_eq!(pids, ["20", "100", "abc"]);
    }

    #[test]
    fn a_process_directory_and_its_events_directory_are_the_same_run() {
        let root = tempfile::tempdir().unwrap();
        let process = root.path().join("cid").join("42");
        fs::create_dir_all(process.join(EVENTS_DIR)).unwrap();
        for path in [process.clone(), process.join(EVENTS_DIR)] {
            let run = Run::open(&path).unwrap();
            assert_eq!(run.dir_name, "cid");
            assert_eq!(run.processes.len(), 1);
            assert_eq!(run.processes[0].pid, "42");
        }
    }

    #[test]
    fn anything_else_is_refused_with_a_reason() {
        let root = tempfile::tempdir().unwrap();
        let err = Run::open(root.path()).unwrap_err();
        assert!(matches!(err, ReportError::NotARun { .. }), "{err}");
        let err = Run::open(&root.path().join("missing")).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
    }
}
