//! The collector's side of the disk: the guide's tree under the output
//! directory, one file per shipped file, each holding exactly the source's
//! lines in order, once each.
//!
//! What was written is the state: on start, each file's last id is read
//! back from the file itself (its line count, or its last line's `seq`), and
//! a torn last line left by a collector killed mid-write is cut off. So a
//! message is de-duplicated by the ids of its lines, whatever the server's
//! de-duplication window, and a redelivered message whose first lines are
//! already written adds only the rest.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use basis_events::model::run_catalog::CATALOG_FILE;
use basis_events::run_dir::{MANIFEST_FILE, validate_id};

use crate::error::CollectError;
use crate::ids::{IdKind, seq_of};
use crate::message::{Body, LineBatch, Message};
use crate::subject::FileOrigin;

/// The file in each collected process directory naming the host it came
/// from: a second host with the same run and pid is refused.
pub const ORIGIN_FILE: &str = ".basis-origin";

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Lines appended (perhaps fewer than the message held: the rest were
    /// already written), or a snapshot replaced; `gap` is `(last written,
    /// the id before the first line)` when written over a gap.
    Written { lines: u64, gap: Option<(u64, u64)> },
    /// Everything in it was already written.
    Duplicate,
    /// Its first line does not follow the last written: an earlier message
    /// is missing. Nothing was written.
    Gap { after: u64, prev: u64 },
    /// Refused: nothing was written, and it must never be.
    Refused(String),
}

/// The collected tree.
#[derive(Debug)]
pub struct Sink {
    root: PathBuf,
    files: HashMap<FileOrigin, OutFile>,
    origins: HashMap<(String, u32), String>,
}

#[derive(Debug)]
struct OutFile {
    file: File,
    path: PathBuf,
    ids: Option<IdKind>,
    last_id: u64,
    dirty: bool,
}

impl Sink {
    /// The tree under `root` (created when the first message arrives).
    pub fn new(root: &Path) -> Sink {
        Sink {
            root: root.to_owned(),
            files: HashMap::new(),
            origins: HashMap::new(),
        }
    }

    /// Applies one message. With `fill_gap`, a gap is reported by the caller
    /// and the lines are written anyway (the missing ones are lost).
    pub fn apply(&mut self, message: &Message, fill_gap: bool) -> Result<Applied, CollectError> {
        let origin = &message.origin;
        if let Err(reason) = check_origin(origin) {
            return Ok(Applied::Refused(format!("{origin}: {reason}")));
        }
        if let Some(other) = self.host_of(origin)?
            && other != message.host
        {
            return Ok(Applied::Refused(format!(
                "{origin}: pid {} of run `{}` was first received from host `{other}`, \
                 and now from host `{}`; two processes never share a directory",
                origin.pid, origin.correlation_id, message.host
            )));
        }
        let applied = match &message.body {
            Body::Lines(batch) => self.lines(origin, batch, fill_gap)?,
            Body::Snapshot { version, bytes } => self.snapshot(origin, *version, bytes)?,
        };
        if matches!(applied, Applied::Written { .. }) {
            self.remember_host(origin, &message.host)?;
        }
        Ok(applied)
    }

    /// Makes every write since the last call durable: the collector
    /// acknowledges only after this.
    pub fn sync(&mut self) -> Result<(), CollectError> {
        for out in self.files.values_mut().filter(|out| out.dirty) {
            out.file.sync_data().map_err(io_error("sync", &out.path))?;
            out.dirty = false;
        }
        Ok(())
    }

    fn lines(
        &mut self,
        origin: &FileOrigin,
        batch: &LineBatch,
        fill_gap: bool,
    ) -> Result<Applied, CollectError> {
        let out = self.out_file(origin)?;
        if let Some(ids) = out.ids
            && ids != batch.ids
        {
            return Ok(Applied::Refused(format!(
                "{origin}: its lines are identified by {}, the message's by {}",
                ids.as_str(),
                batch.ids.as_str()
            )));
        }
        if batch.last <= out.last_id {
            return Ok(Applied::Duplicate);
        }
        if batch.prev > out.last_id && !fill_gap {
            return Ok(Applied::Gap {
                after: out.last_id,
                prev: batch.prev,
            });
        }
        // Skip the lines already written.
        let skip = batch
            .line_ids
            .iter()
            .take_while(|&&id| id <= out.last_id)
            .count();
        let mut start = 0;
        for _ in 0..skip {
            start += memchr::memchr(b'\n', &batch.payload[start..]).map_or(0, |i| i + 1);
        }
        let gap = (batch.prev > out.last_id).then_some((out.last_id, batch.prev));
        out.file
            .write_all(&batch.payload[start..])
            .map_err(io_error("write", &out.path))?;
        out.ids = Some(batch.ids);
        out.last_id = batch.last;
        out.dirty = true;
        Ok(Applied::Written {
            lines: (batch.line_ids.len() - skip) as u64,
            gap,
        })
    }

    /// Replaces a whole file if `version` is newer than what is there: a
    /// redelivered older manifest never overwrites a newer one.
    fn snapshot(
        &mut self,
        origin: &FileOrigin,
        version: u64,
        bytes: &[u8],
    ) -> Result<Applied, CollectError> {
        let path = self.path_of(origin);
        let current = fs::metadata(&path)
            .ok()
            .and_then(|meta| meta.modified().ok())
            .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
            .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        if current.is_some_and(|current| current >= version) {
            return Ok(Applied::Duplicate);
        }
        let dir = path.parent().expect("below the root");
        fs::create_dir_all(dir).map_err(io_error("create", dir))?;
        let temp = dir.join(format!(".{}.tmp", origin.file.replace('/', "_")));
        let mut file = File::create(&temp).map_err(io_error("create", &temp))?;
        file.write_all(bytes)
            .and_then(|()| file.set_modified(UNIX_EPOCH + Duration::from_nanos(version)))
            .and_then(|()| file.sync_data())
            .map_err(io_error("write", &temp))?;
        fs::rename(&temp, &path).map_err(io_error("rename", &temp))?;
        Ok(Applied::Written {
            lines: 0,
            gap: None,
        })
    }

    fn path_of(&self, origin: &FileOrigin) -> PathBuf {
        self.root
            .join(&origin.correlation_id)
            .join(origin.pid.to_string())
            .join(&origin.file)
    }

    /// The open output file of `origin`, read back on first use.
    fn out_file(&mut self, origin: &FileOrigin) -> Result<&mut OutFile, CollectError> {
        if !self.files.contains_key(origin) {
            let path = self.path_of(origin);
            let out = OutFile::open(path)?;
            self.files.insert(origin.clone(), out);
        }
        Ok(self.files.get_mut(origin).expect("inserted"))
    }

    fn host_of(&mut self, origin: &FileOrigin) -> Result<Option<String>, CollectError> {
        let key = (origin.correlation_id.clone(), origin.pid);
        if let Some(host) = self.origins.get(&key) {
            return Ok(Some(host.clone()));
        }
        let path = self.process_dir(origin).join(ORIGIN_FILE);
        match fs::read_to_string(&path) {
            Ok(host) => {
                let host = host.trim_end().to_owned();
                self.origins.insert(key, host.clone());
                Ok(Some(host))
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(io_error("read", &path)(err)),
        }
    }

    fn remember_host(&mut self, origin: &FileOrigin, host: &str) -> Result<(), CollectError> {
        let key = (origin.correlation_id.clone(), origin.pid);
        if self.origins.contains_key(&key) {
            return Ok(());
        }
        let path = self.process_dir(origin).join(ORIGIN_FILE);
        fs::write(&path, format!("{host}\n")).map_err(io_error("write", &path))?;
        self.origins.insert(key, host.to_owned());
        Ok(())
    }

    fn process_dir(&self, origin: &FileOrigin) -> PathBuf {
        self.root
            .join(&origin.correlation_id)
            .join(origin.pid.to_string())
    }
}

impl OutFile {
    /// Opens (creating) `path` for appending, cuts a torn last line, and
    /// reads back how its lines are identified and the last id.
    fn open(path: PathBuf) -> Result<OutFile, CollectError> {
        let dir = path.parent().expect("below the root");
        fs::create_dir_all(dir).map_err(io_error("create", dir))?;
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io_error("open", &path))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(io_error("read", &path))?;
        let complete = memchr::memrchr(b'\n', &bytes).map_or(0, |i| i + 1);
        if complete < bytes.len() {
            file.set_len(complete as u64)
                .map_err(io_error("cut the torn last line of", &path))?;
            bytes.truncate(complete);
        }
        file.seek(SeekFrom::End(0))
            .map_err(io_error("seek", &path))?;
        let mut lines = memchr::memchr_iter(b'\n', &bytes);
        let ids = lines.next().map(|end| IdKind::of_first_line(&bytes[..end]));
        let last_id = match ids {
            None => 0,
            Some(IdKind::Line) => memchr::memchr_iter(b'\n', &bytes).count() as u64,
            Some(IdKind::Seq) => {
                let body = &bytes[..bytes.len() - 1];
                let start = memchr::memrchr(b'\n', body).map_or(0, |i| i + 1);
                seq_of(&body[start..]).unwrap_or(0)
            }
        };
        Ok(OutFile {
            file,
            path,
            ids,
            last_id,
            dirty: false,
        })
    }
}

/// Refuses what a forwarder never sends: ids that are not plain names, and
/// files other than the manifest, the catalog, `*.log` and `events/*.jsonl`.
fn check_origin(origin: &FileOrigin) -> Result<(), String> {
    validate_id(&origin.correlation_id).map_err(|err| err.to_string())?;
    let file = origin.file.as_str();
    let plain = |name: &str| {
        !name.is_empty()
            && !name.starts_with('.')
            && !name.contains(['/', '\\'])
            && !name.chars().any(char::is_control)
    };
    let ok = file == MANIFEST_FILE
        || file == CATALOG_FILE
        || (file.ends_with(".log") && plain(file))
        || file
            .strip_prefix("events/")
            .is_some_and(|name| name.ends_with(".jsonl") && plain(name));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{file}` is not a file a run holds (metadata.json, catalog.json, *.log, events/*.jsonl)"
        ))
    }
}

fn io_error(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> CollectError + use<> {
    let path = path.to_owned();
    move |source| CollectError::Io { op, path, source }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::message::line_ids;

    fn batch(file: &str, host: &str, ids: IdKind, prev: u64, text: &str) -> Message {
        let line_ids = line_ids(text.as_bytes(), ids, prev).unwrap();
        Message {
            origin: FileOrigin {
                correlation_id: "run".into(),
                pid: 7,
                file: file.into(),
            },
            host: host.into(),
            body: Body::Lines(LineBatch {
                ids,
                prev,
                first: line_ids[0],
                last: *line_ids.last().unwrap(),
                payload: Bytes::from(text.to_owned()),
                line_ids,
            }),
        }
    }

    #[test]
    fn overlaps_duplicates_and_gaps_by_line_id() {
        let root = tempfile::tempdir().unwrap();
        let mut sink = Sink::new(root.path());
        let log = "engine.log";
        assert_eq!(
            sink.apply(&batch(log, "h", IdKind::Line, 0, "a\nb\n"), false)
                .unwrap(),
            Applied::Written {
                lines: 2,
                gap: None
            }
        );
        // The same lines again, then an overlap: only the new line is added.
        assert_eq!(
            sink.apply(&batch(log, "h", IdKind::Line, 0, "a\nb\n"), false)
                .unwrap(),
            Applied::Duplicate
        );
        assert_eq!(
            sink.apply(&batch(log, "h", IdKind::Line, 1, "b\nc\n"), false)
                .unwrap(),
            Applied::Written {
                lines: 1,
                gap: None
            }
        );
        // Lines 5.. while 4 is missing: a gap, nothing written.
        assert_eq!(
            sink.apply(&batch(log, "h", IdKind::Line, 4, "e\n"), false)
                .unwrap(),
            Applied::Gap { after: 3, prev: 4 }
        );
        sink.sync().unwrap();
        let path = root.path().join("run/7/engine.log");
        assert_eq!(fs::read_to_string(&path).unwrap(), "a\nb\nc\n");

        // A collector killed mid-write left a torn line; a new one cuts it
        // and reads the last id back from the file.
        OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"d-torn")
            .unwrap();
        let mut sink = Sink::new(root.path());
        assert_eq!(
            sink.apply(&batch(log, "h", IdKind::Line, 3, "d\n"), false)
                .unwrap(),
            Applied::Written {
                lines: 1,
                gap: None
            }
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "a\nb\nc\nd\n");
    }

    #[test]
    fn a_gap_is_written_over_only_when_asked_and_then_reported() {
        let root = tempfile::tempdir().unwrap();
        let mut sink = Sink::new(root.path());
        let log = "engine.log";
        sink.apply(&batch(log, "h", IdKind::Line, 0, "a\n"), false)
            .unwrap();
        let after_gap = batch(log, "h", IdKind::Line, 3, "d\n");
        assert_eq!(
            sink.apply(&after_gap, false).unwrap(),
            Applied::Gap { after: 1, prev: 3 }
        );
        assert_eq!(
            sink.apply(&after_gap, true).unwrap(),
            Applied::Written {
                lines: 1,
                gap: Some((1, 3))
            }
        );
        let text = fs::read_to_string(root.path().join("run/7/engine.log")).unwrap();
        assert_eq!(text, "a\nd\n");
    }

    #[test]
    fn seq_ids_are_read_back_after_a_restart() {
        let root = tempfile::tempdir().unwrap();
        let file = "events/positions.jsonl";
        let mut sink = Sink::new(root.path());
        let first = "{\"pid\":7,\"seq\":2}\n{\"pid\":7,\"seq\":5}\n";
        sink.apply(&batch(file, "h", IdKind::Seq, 0, first), false)
            .unwrap();
        let mut sink = Sink::new(root.path());
        // seq 5 already written: a repeat of it and 8 adds only 8.
        let next = "{\"pid\":7,\"seq\":5}\n{\"pid\":7,\"seq\":8}\n";
        assert_eq!(
            sink.apply(&batch(file, "h", IdKind::Seq, 2, next), false)
                .unwrap(),
            Applied::Written {
                lines: 1,
                gap: None
            }
        );
        let text = fs::read_to_string(root.path().join("run/7").join(file)).unwrap();
        assert_eq!(text.lines().count(), 3);
    }

    #[test]
    fn a_second_host_or_a_strange_path_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let mut sink = Sink::new(root.path());
        sink.apply(&batch("engine.log", "h1", IdKind::Line, 0, "a\n"), false)
            .unwrap();
        let refused = sink
            .apply(&batch("engine.log", "h2", IdKind::Line, 0, "x\n"), false)
            .unwrap();
        assert!(
            matches!(&refused, Applied::Refused(reason) if reason.contains("h2")),
            "{refused:?}"
        );
        // Also after a restart: the origin is on disk.
        let mut sink = Sink::new(root.path());
        let refused = sink
            .apply(&batch("other.log", "h2", IdKind::Line, 0, "x\n"), false)
            .unwrap();
        assert!(matches!(refused, Applied::Refused(_)));
        for file in [
            "../escape.log",
            "events/../../x.jsonl",
            "notes.txt",
            ".hidden.log",
        ] {
            let refused = sink
                .apply(&batch(file, "h1", IdKind::Line, 0, "x\n"), false)
                .unwrap();
            assert!(matches!(refused, Applied::Refused(_)), "{file}");
        }
        assert_eq!(
            fs::read_to_string(root.path().join("run/7/engine.log")).unwrap(),
            "a\n"
        );
        assert!(!root.path().join("run/7/other.log").exists());
    }
}
