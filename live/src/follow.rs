//! Following a file as its logger writes and rotates it: complete lines only,
//! every segment finished before the next, positions that survive a rename.
//!
//! A file's lines are its numbered segments, then the active file
//! ([`basis_events::read::segments_of`]). The tail holds the segment it reads
//! open and knows it by inode, so a rename under it changes nothing: when the
//! reader is at the end of its file and the file is no longer the last in the
//! list, it was rotated, is finished, and the next file in the list follows.
//! Bytes after the last `\n` are a line being written (or a torn tail left by
//! a crash) and are never returned.

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

use basis_events::read::segments_of;
use serde::{Deserialize, Serialize};

/// Where a tail stands: the inode of the segment, the offset after the last
/// line returned, and how many lines were returned across segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Position {
    pub inode: u64,
    pub offset: u64,
    pub lines: u64,
}

/// Complete lines read from a tail.
#[derive(Debug, Default)]
pub struct Chunk {
    /// The lines, each with its `\n`.
    pub bytes: Vec<u8>,
    pub lines: u64,
}

/// An error following a file.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The segment being read disappeared: removed, not renamed.
    #[error(
        "`{base}` in `{dir}`: the segment being read (inode {inode}) was removed before it was read to its end"
    )]
    Vanished {
        dir: PathBuf,
        base: String,
        inode: u64,
    },
    /// A line longer than the longest the forwarder ships.
    #[error("`{path}`: a line at byte {offset} is longer than {limit} bytes")]
    LineTooLong {
        path: PathBuf,
        offset: u64,
        limit: usize,
    },
}

/// The longest line the tail returns (the server's payload limit is smaller
/// by default; this only bounds memory).
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// Follows one file (`positions.jsonl`) in one directory.
#[derive(Debug)]
pub struct Tail {
    dir: PathBuf,
    base: String,
    open: Option<Open>,
    lines: u64,
    /// Lines still to skip before returning any (resuming by count).
    skip: u64,
    buf: Vec<u8>,
}

#[derive(Debug)]
struct Open {
    file: File,
    path: PathBuf,
    inode: u64,
    offset: u64,
}

impl Tail {
    /// A tail from the first line of the file's first segment.
    pub fn new(dir: &Path, base: &str) -> Tail {
        Tail {
            dir: dir.to_owned(),
            base: base.to_owned(),
            open: None,
            lines: 0,
            skip: 0,
            buf: Vec::new(),
        }
    }

    /// A tail after `position`: at its inode and offset if that segment is
    /// still there and long enough, else after the same number of lines
    /// counted from the start (the count survives any renaming).
    pub fn resume(dir: &Path, base: &str, position: Position) -> Result<Tail, FollowError> {
        let mut tail = Tail::new(dir, base);
        for path in tail.segments()? {
            let Ok(meta) = fs::metadata(&path) else {
                continue;
            };
            if meta.ino() == position.inode && meta.len() >= position.offset {
                let file = File::open(&path).map_err(io_error(&path))?;
                tail.open = Some(Open {
                    file,
                    path,
                    inode: position.inode,
                    offset: position.offset,
                });
                tail.lines = position.lines;
                return Ok(tail);
            }
        }
        tail.skip = position.lines;
        Ok(tail)
    }

    /// The position after the last line returned.
    pub fn position(&self) -> Position {
        Position {
            inode: self.open.as_ref().map_or(0, |open| open.inode),
            offset: self.open.as_ref().map_or(0, |open| open.offset),
            lines: self.lines,
        }
    }

    /// Bytes after the last complete line of the segment being read: a line
    /// being written, or a torn tail if its writer is gone.
    pub fn pending_bytes(&self) -> u64 {
        self.open
            .as_ref()
            .and_then(|open| {
                let len = open.file.metadata().ok()?.len();
                Some(len.saturating_sub(open.offset))
            })
            .unwrap_or(0)
    }

    /// The next complete lines, at most `max_lines` and about `max_bytes`
    /// (one longer line is returned alone); empty at the end for now.
    pub fn read(&mut self, max_lines: usize, max_bytes: usize) -> Result<Chunk, FollowError> {
        loop {
            if self.open.is_none() && !self.open_next(None)? {
                return Ok(Chunk::default());
            }
            let chunk = self.read_open(max_lines, max_bytes)?;
            if chunk.lines > 0 {
                return Ok(chunk);
            }
            // At the end of the open segment: finished if a later one exists.
            let inode = self.open.as_ref().map_or(0, |open| open.inode);
            if !self.is_finished(inode)? {
                return Ok(chunk);
            }
            // Rotated: its writer has moved on, so one more read drains it.
            let chunk = self.read_open(max_lines, max_bytes)?;
            if chunk.lines > 0 {
                return Ok(chunk);
            }
            if !self.open_next(Some(inode))? {
                return Ok(chunk);
            }
        }
    }

    /// Reads complete lines from the open segment, skipping first what a
    /// resume by count asked to skip.
    fn read_open(&mut self, max_lines: usize, max_bytes: usize) -> Result<Chunk, FollowError> {
        let max_bytes = max_bytes.max(1);
        loop {
            let chunk = self.read_lines(max_lines, max_bytes)?;
            if self.skip == 0 || chunk.lines == 0 {
                return Ok(chunk);
            }
            // Skipped lines were counted as returned already; go on reading.
            let dropped = chunk.lines.min(self.skip);
            self.skip -= dropped;
            if dropped < chunk.lines {
                // Keep the lines after the skipped ones.
                let mut start = 0;
                for _ in 0..dropped {
                    start += memchr::memchr(b'\n', &chunk.bytes[start..]).map_or(0, |i| i + 1);
                }
                return Ok(Chunk {
                    bytes: chunk.bytes[start..].to_vec(),
                    lines: chunk.lines - dropped,
                });
            }
        }
    }

    fn read_lines(&mut self, max_lines: usize, max_bytes: usize) -> Result<Chunk, FollowError> {
        let Some(open) = self.open.as_mut() else {
            return Ok(Chunk::default());
        };
        let mut want = max_bytes;
        loop {
            self.buf.resize(want, 0);
            let mut filled = 0;
            while filled < want {
                match open
                    .file
                    .read_at(&mut self.buf[filled..], open.offset + filled as u64)
                {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(err) => return Err(io_error(&open.path)(err)),
                }
            }
            let data = &self.buf[..filled];
            let mut end = 0;
            let mut lines = 0u64;
            for newline in memchr::memchr_iter(b'\n', data) {
                end = newline + 1;
                lines += 1;
                // A buffer grown for one long line returns that line alone.
                if lines as usize >= max_lines || want > max_bytes {
                    break;
                }
            }
            if lines == 0 {
                if filled < want {
                    return Ok(Chunk::default());
                }
                // One line longer than the buffer: grow it, up to the limit.
                if want >= MAX_LINE_BYTES {
                    return Err(FollowError::LineTooLong {
                        path: open.path.clone(),
                        offset: open.offset,
                        limit: MAX_LINE_BYTES,
                    });
                }
                want = (want * 2).min(MAX_LINE_BYTES);
                continue;
            }
            open.offset += end as u64;
            self.lines += lines;
            return Ok(Chunk {
                bytes: data[..end].to_vec(),
                lines,
            });
        }
    }

    /// Whether the segment `inode` is no longer the last of the file.
    fn is_finished(&self, inode: u64) -> Result<bool, FollowError> {
        let inodes = self.inodes()?;
        match inodes.iter().position(|&i| i == inode) {
            Some(at) => Ok(at + 1 < inodes.len()),
            // Renamed between two listings, or removed: the open handle still
            // reads it, and only a listing without it after a re-list counts.
            None => {
                let again = self.inodes()?;
                if again.contains(&inode) {
                    Ok(again.last() != Some(&inode))
                } else {
                    Err(FollowError::Vanished {
                        dir: self.dir.clone(),
                        base: self.base.clone(),
                        inode,
                    })
                }
            }
        }
    }

    /// Opens the segment after `inode` (the first if `None`); false if there
    /// is none yet. The open file is checked against a fresh listing, so a
    /// rename between listing and opening never skips a segment.
    fn open_next(&mut self, after: Option<u64>) -> Result<bool, FollowError> {
        loop {
            let segments = self.segments()?;
            let inodes: Vec<u64> = segments
                .iter()
                .map(|path| fs::metadata(path).map_or(0, |m| m.ino()))
                .collect();
            let at = match after {
                None => 0,
                Some(inode) => match inodes.iter().position(|&i| i == inode) {
                    Some(at) => at + 1,
                    None => {
                        return Err(FollowError::Vanished {
                            dir: self.dir.clone(),
                            base: self.base.clone(),
                            inode,
                        });
                    }
                },
            };
            let Some(path) = segments.get(at) else {
                return Ok(false);
            };
            let file = match File::open(path) {
                Ok(file) => file,
                // Renamed since the listing: list again.
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => return Err(io_error(path)(err)),
            };
            let inode = file.metadata().map_err(io_error(path))?.ino();
            if inodes.get(at) != Some(&inode) {
                continue;
            }
            self.open = Some(Open {
                file,
                path: path.clone(),
                inode,
                offset: 0,
            });
            return Ok(true);
        }
    }

    fn segments(&self) -> Result<Vec<PathBuf>, FollowError> {
        segments_of(&self.dir, &self.base).map_err(io_error(&self.dir))
    }

    fn inodes(&self) -> Result<Vec<u64>, FollowError> {
        Ok(self
            .segments()?
            .iter()
            .filter_map(|path| fs::metadata(path).ok().map(|m| m.ino()))
            .collect())
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> FollowError + use<> {
    let path = path.to_owned();
    move |source| FollowError::Io { path, source }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn append(path: &Path, text: &str) {
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }

    fn drain(tail: &mut Tail) -> String {
        let mut out = Vec::new();
        loop {
            let chunk = tail.read(2, 1024).unwrap();
            if chunk.lines == 0 {
                return String::from_utf8(out).unwrap();
            }
            out.extend_from_slice(&chunk.bytes);
        }
    }

    #[test]
    fn a_torn_tail_is_held_back_until_completed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("positions.jsonl");
        append(&file, "a\nb\nc");
        let mut tail = Tail::new(dir.path(), "positions.jsonl");
        assert_eq!(drain(&mut tail), "a\nb\n");
        assert_eq!(tail.pending_bytes(), 1);
        append(&file, "c\n");
        assert_eq!(drain(&mut tail), "cc\n");
        assert_eq!(tail.position().lines, 3);
    }

    #[test]
    fn rotation_under_the_reader_finishes_the_segment_first() {
        let dir = tempfile::tempdir().unwrap();
        let active = dir.path().join("positions.jsonl");
        append(&active, "1\n2\n");
        let mut tail = Tail::new(dir.path(), "positions.jsonl");
        assert_eq!(tail.read(1, 1024).unwrap().bytes, b"1\n");
        // The writer appends, rotates, and starts a new active file.
        append(&active, "3\n");
        fs::rename(&active, dir.path().join("positions.1.jsonl")).unwrap();
        append(&active, "4\n");
        assert_eq!(drain(&mut tail), "2\n3\n4\n");
        // Twice more, while the tail is at the end.
        fs::rename(&active, dir.path().join("positions.2.jsonl")).unwrap();
        append(&active, "5\n");
        fs::rename(&active, dir.path().join("positions.3.jsonl")).unwrap();
        append(&active, "6\n");
        assert_eq!(drain(&mut tail), "5\n6\n");
        assert_eq!(tail.position().lines, 6);
    }

    #[test]
    fn resume_by_inode_or_by_count() {
        let dir = tempfile::tempdir().unwrap();
        let active = dir.path().join("positions.jsonl");
        append(&active, "1\n2\n3\n");
        let mut tail = Tail::new(dir.path(), "positions.jsonl");
        assert_eq!(tail.read(2, 1024).unwrap().lines, 2);
        let position = tail.position();
        // Renamed since: the inode still finds it.
        fs::rename(&active, dir.path().join("positions.1.jsonl")).unwrap();
        append(&active, "4\n");
        let mut resumed = Tail::resume(dir.path(), "positions.jsonl", position).unwrap();
        assert_eq!(drain(&mut resumed), "3\n4\n");
        // A different inode (copied elsewhere): counted from the start.
        let stale = Position {
            inode: 1,
            ..position
        };
        let mut counted = Tail::resume(dir.path(), "positions.jsonl", stale).unwrap();
        assert_eq!(drain(&mut counted), "3\n4\n");
        assert_eq!(counted.position().lines, 4);
    }

    #[test]
    fn a_line_longer_than_a_batch_is_returned_alone() {
        let dir = tempfile::tempdir().unwrap();
        let long = "x".repeat(5000);
        append(&dir.path().join("a.log"), &format!("{long}\nshort\n"));
        let mut tail = Tail::new(dir.path(), "a.log");
        let chunk = tail.read(10, 100).unwrap();
        assert_eq!(chunk.lines, 1);
        assert_eq!(chunk.bytes.len(), 5001);
        assert_eq!(tail.read(10, 100).unwrap().bytes, b"short\n");
    }
}
