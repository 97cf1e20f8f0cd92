//! Finding a run on disk: `logs/{correlation_id}/{pid}` (one process) or
//! `logs/{correlation_id}` (all its processes), and the files of each.

use std::path::{Path, PathBuf};

use basis_events::EventInfo;
use serde_json::Value;

use crate::ids::check_plain_name;
use crate::read;
use crate::{Error, Result};

/// The name of the run manifest in each process directory.
pub const MANIFEST: &str = "metadata.json";
/// The directory of domain event files in each process directory.
pub const EVENTS_DIR: &str = "events";

/// A run: one correlation id and one or more of its processes.
#[derive(Debug, Clone)]
pub struct Run {
    /// The path as given on the command line.
    pub path: PathBuf,
    pub correlation_id: String,
    /// Sorted by pid.
    pub processes: Vec<Process>,
}

/// One process of a run: `logs/{correlation_id}/{pid}/`.
#[derive(Debug, Clone)]
pub struct Process {
    pub pid: String,
    pub dir: PathBuf,
}

/// One event file of a run, with its segments across every process.
#[derive(Debug, Clone)]
pub struct EventFile {
    /// `positions.jsonl`.
    pub file: String,
    /// The registered event that writes the file, if any.
    pub info: Option<&'static EventInfo>,
    /// Segments in reading order: per process (by pid), oldest first.
    pub parts: Vec<Part>,
}

/// One segment of an event file.
#[derive(Debug, Clone)]
pub struct Part {
    pub path: PathBuf,
    pub pid: String,
    /// The live file of its process: the only segment whose last line may be
    /// torn by a crash (rotated segments were complete when renamed).
    pub live: bool,
}

impl Run {
    /// The run's directories as given and of each process: what no command
    /// may write into.
    pub fn dirs(&self) -> Vec<PathBuf> {
        std::iter::once(self.path.clone())
            .chain(self.processes.iter().map(|p| p.dir.clone()))
            .collect()
    }
}

impl Process {
    /// `logs/{cid}/{pid}/events`.
    pub fn events_dir(&self) -> PathBuf {
        self.dir.join(EVENTS_DIR)
    }

    /// The run manifest, if the process has one.
    pub fn manifest(&self) -> Result<Option<Value>> {
        let path = self.dir.join(MANIFEST);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|source| Error::Json { path, source }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Io { path, source }),
        }
    }
}

fn is_process_dir(dir: &Path) -> bool {
    dir.join(EVENTS_DIR).is_dir()
}

fn dir_name(path: &Path) -> Option<String> {
    path.file_name().and_then(|n| n.to_str()).map(str::to_owned)
}

impl Run {
    /// Opens `path` as a run: a process directory (it has `events/`), its
    /// `events/` directory, or a correlation directory whose subdirectories
    /// are process directories. Anything else is refused.
    pub fn open(path: &Path) -> Result<Run> {
        let not_a_run = |reason: &str| Error::NotARun {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        let meta = std::fs::metadata(path).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => not_a_run("it does not exist"),
            _ => Error::Io {
                path: path.to_owned(),
                source: err,
            },
        })?;
        if !meta.is_dir() {
            return Err(not_a_run("it is not a directory"));
        }
        // Canonical so that `.` and trailing slashes still give the names.
        let dir = path.canonicalize().map_err(Error::io(path))?;
        let dir = if dir_name(&dir).as_deref() == Some(EVENTS_DIR)
            && !is_process_dir(&dir)
            && dir.parent().is_some_and(is_process_dir)
        {
            dir.parent().map(Path::to_path_buf).unwrap_or(dir)
        } else {
            dir
        };

        if is_process_dir(&dir) {
            let pid = dir_name(&dir).ok_or_else(|| not_a_run("it has no name"))?;
            let correlation_id = dir
                .parent()
                .and_then(dir_name)
                .ok_or_else(|| not_a_run("it has no correlation directory above it"))?;
            check_plain_name("correlation id", &correlation_id)?;
            return Ok(Run {
                path: path.to_owned(),
                correlation_id,
                processes: vec![Process { pid, dir }],
            });
        }

        let mut processes = Vec::new();
        let entries = std::fs::read_dir(&dir).map_err(Error::io(&dir))?;
        for entry in entries {
            let entry = entry.map_err(Error::io(&dir))?;
            let child = entry.path();
            if entry.file_type().map_err(Error::io(&child))?.is_dir() && is_process_dir(&child) {
                let Some(pid) = dir_name(&child) else {
                    continue;
                };
                processes.push(Process { pid, dir: child });
            }
        }
        if processes.is_empty() {
            return Err(not_a_run(
                "it has no `events/` directory and no process directory with one",
            ));
        }
        // Numeric pids in numeric order; anything else after, by name.
        processes.sort_by(|a, b| {
            (
                a.pid.parse::<u64>().ok().is_none(),
                a.pid.parse::<u64>().ok(),
                &a.pid,
            )
                .cmp(&(
                    b.pid.parse::<u64>().ok().is_none(),
                    b.pid.parse::<u64>().ok(),
                    &b.pid,
                ))
        });
        let correlation_id = dir_name(&dir).ok_or_else(|| not_a_run("it has no name"))?;
        check_plain_name("correlation id", &correlation_id)?;
        Ok(Run {
            path: path.to_owned(),
            correlation_id,
            processes,
        })
    }

    /// Every event file of the run, sorted by file name, each with its
    /// segments across every process.
    pub fn event_files(&self) -> Result<Vec<EventFile>> {
        let mut files: Vec<EventFile> = Vec::new();
        for process in &self.processes {
            let events_dir = process.events_dir();
            for (file, paths) in read::event_files(&events_dir)? {
                let count = paths.len();
                let parts = paths.into_iter().enumerate().map(|(i, path)| Part {
                    path,
                    pid: process.pid.clone(),
                    live: i + 1 == count,
                });
                match files.iter_mut().find(|f| f.file == file) {
                    Some(existing) => existing.parts.extend(parts),
                    None => files.push(EventFile {
                        info: basis_events::event_for_file(&file),
                        file,
                        parts: parts.collect(),
                    }),
                }
            }
        }
        files.sort_by(|a, b| a.file.cmp(&b.file));
        Ok(files)
    }

    /// The event file named `file`, if the run has it.
    pub fn event_file(&self, file: &str) -> Result<Option<EventFile>> {
        Ok(self.event_files()?.into_iter().find(|f| f.file == file))
    }

    /// Every file of every process directory outside `events/` (component
    /// logs, their rotated segments, the manifest), with its pid, sorted.
    pub fn other_files(&self) -> Result<Vec<(String, PathBuf)>> {
        let mut files = Vec::new();
        for process in &self.processes {
            let entries = std::fs::read_dir(&process.dir).map_err(Error::io(&process.dir))?;
            for entry in entries {
                let entry = entry.map_err(Error::io(&process.dir))?;
                if entry
                    .file_type()
                    .map_err(Error::io(entry.path()))?
                    .is_file()
                {
                    files.push((process.pid.clone(), entry.path()));
                }
            }
        }
        files.sort();
        Ok(files)
    }
}

/// A line's typed check: the registered event's full parse.
pub fn check_line(info: &EventInfo, text: &str) -> std::result::Result<(), String> {
    info.parse_line(text)
        .map(|_| ())
        .map_err(|err| err.to_string())
}
