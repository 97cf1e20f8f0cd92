//! The forwarder's cursor: what of a process directory the server has
//! acknowledged, in `{pid}/forward.cursor.json`, replaced atomically.
//!
//! It moves only after an acknowledgement, so it can only be behind the
//! server, never ahead: a forwarder killed at any moment re-sends at most
//! what it sent since, with the same message ids, and the collector drops
//! the repeats. It is written without `fsync` (a rename is atomic against a
//! kill; after a power loss an older or unreadable cursor only re-sends).
//! Its `done` field is the retention marker of
//! [`basis_events::run_dir::ForwardMarker`]: until the run ended and all of
//! it was acknowledged, retention never removes the run.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use basis_events::run_dir::FORWARD_CURSOR_FILE;
use serde::{Deserialize, Serialize};

use crate::follow::Position;
use crate::ids::IdKind;

/// The cursor of one process directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The run ended and every file was acknowledged: retention may remove
    /// it once it is old.
    pub done: bool,
    /// The stream it was shipped to.
    pub stream: String,
    /// By path relative to the process directory.
    pub files: BTreeMap<String, FileCursor>,
}

/// How far one file was acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FileCursor {
    /// A line file: acknowledged up to `position` (its `lines` count every
    /// acknowledged line), the last id sent, and how ids are made.
    Lines {
        ids: IdKind,
        last_id: u64,
        position: Position,
    },
    /// A whole file: the version (modification time, ns) and CRC-32
    /// acknowledged.
    Snapshot { version: u64, crc32: u32 },
}

/// An error reading or writing a cursor.
#[derive(Debug, thiserror::Error)]
pub enum CursorError {
    #[error("cannot {op} the forward cursor `{path}`: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the forward cursor `{path}` is not a cursor: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

impl Cursor {
    /// The cursor's path in `dir`.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(FORWARD_CURSOR_FILE)
    }

    /// The cursor of `dir`, `None` if there is none yet.
    pub fn load(dir: &Path) -> Result<Option<Cursor>, CursorError> {
        let path = Cursor::path(dir);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|source| CursorError::Parse { path, source }),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(CursorError::Io {
                op: "read",
                path,
                source,
            }),
        }
    }

    /// Replaces the cursor of `dir`: a new file beside it, then a rename.
    pub fn store(&self, dir: &Path) -> Result<(), CursorError> {
        let path = Cursor::path(dir);
        let temp = dir.join(format!(".{FORWARD_CURSOR_FILE}.tmp"));
        let io = |op| {
            let path = temp.clone();
            move |source| CursorError::Io { op, path, source }
        };
        let text = serde_json::to_vec(self).expect("a cursor always serializes");
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temp)
            .map_err(io("create"))?;
        file.write_all(&text).map_err(io("write"))?;
        if self.done {
            // The marker that lets retention remove the run: make it last.
            file.sync_data().map_err(io("sync"))?;
        }
        fs::rename(&temp, &path).map_err(io("rename"))
    }
}

#[cfg(test)]
mod tests {
    use basis_events::run_dir::ForwardMarker;

    use super::*;

    #[test]
    fn a_cursor_round_trips_and_is_the_retention_marker() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Cursor::load(dir.path()).unwrap(), None);
        let mut cursor = Cursor {
            done: false,
            stream: "BASIS".into(),
            files: BTreeMap::new(),
        };
        cursor.files.insert(
            "events/positions.jsonl".into(),
            FileCursor::Lines {
                ids: IdKind::Seq,
                last_id: 9,
                position: Position {
                    inode: 3,
                    offset: 40,
                    lines: 4,
                },
            },
        );
        cursor.store(dir.path()).unwrap();
        assert_eq!(Cursor::load(dir.path()).unwrap().as_ref(), Some(&cursor));
        let marker: ForwardMarker =
            serde_json::from_slice(&fs::read(Cursor::path(dir.path())).unwrap()).unwrap();
        assert!(!marker.done);
        cursor.done = true;
        cursor.store(dir.path()).unwrap();
        let marker: ForwardMarker =
            serde_json::from_slice(&fs::read(Cursor::path(dir.path())).unwrap()).unwrap();
        assert!(marker.done);
        fs::write(Cursor::path(dir.path()), "{").unwrap();
        assert!(matches!(
            Cursor::load(dir.path()),
            Err(CursorError::Parse { .. })
        ));
    }
}
