//! Where a logger started on a directory that already holds events takes up
//! the numbering: after the highest `seq` in its files.
//!
//! A process directory is `logs/{correlation_id}/{pid}`, so a second logger
//! on the same directory is the same process id (a restart within one
//! process, or a pid reused). Its events continue the first logger's `seq`
//! instead of starting again at 1, so the directory's seqs never repeat and
//! a reader sorting by `seq` keeps the earlier events first. Only the last
//! whole lines of each file's newest segment are read: lines are appended in
//! seq order, so the highest seq of a file is at its end.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;

use serde::Deserialize;

use crate::read::segments_of;

/// How many whole lines from a file's end are looked at for a seq (lines
/// that do not parse, such as a torn line a restart ended, are passed over).
const LOOK_BACK_LINES: usize = 16;

/// The chunk read at a time while looking for line ends from the end.
const CHUNK: u64 = 64 * 1024;

/// The seq the next event of a logger on `events_dir` gets: one past the
/// highest seq at the end of any of `files` (their newest segment), or 1.
pub(crate) fn next_seq<'a>(
    events_dir: &Path,
    files: impl IntoIterator<Item = &'a str>,
) -> io::Result<u64> {
    let mut highest = 0;
    for file in files {
        let segments = match segments_of(events_dir, file) {
            Ok(segments) => segments,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(1),
            Err(err) => return Err(err),
        };
        // The active file may be empty (just rotated): then the newest
        // segment before it has the file's last line.
        for path in segments.iter().rev() {
            if let Some(seq) = last_seq(path)? {
                highest = highest.max(seq);
                break;
            }
        }
    }
    Ok(highest + 1)
}

#[derive(Deserialize)]
struct SeqOnly {
    seq: Option<u64>,
}

/// The seq of the last whole line of `path` that has one, among its last
/// [`LOOK_BACK_LINES`] lines. A torn last line (no newline) is skipped.
/// Memory stays bounded by [`CHUNK`] whatever the lines' length: line ends
/// are found chunk by chunk, and each line is parsed from the file.
fn last_seq(path: &Path) -> io::Result<Option<u64>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Ok(None);
    }
    // The newline ending the line looked at.
    let Some(mut newline) = newline_before(&file, meta.len())? else {
        return Ok(None);
    };
    for _ in 0..LOOK_BACK_LINES {
        let start = newline_before(&file, newline)?.map_or(0, |at| at + 1);
        let line = BufReader::new(RangeReader {
            file: &file,
            offset: start,
            left: newline - start,
        });
        if let Ok(SeqOnly { seq: Some(seq) }) = serde_json::from_reader(line) {
            return Ok(Some(seq));
        }
        if start == 0 {
            break;
        }
        newline = start - 1;
    }
    Ok(None)
}

/// The offset of the last `\n` before `end` in `file`.
fn newline_before(file: &File, end: u64) -> io::Result<Option<u64>> {
    let mut chunk = vec![0; CHUNK as usize];
    let mut end = end;
    while end > 0 {
        let start = end.saturating_sub(CHUNK);
        let buf = &mut chunk[..usize::try_from(end - start).unwrap_or(0)];
        file.read_exact_at(buf, start)?;
        if let Some(at) = buf.iter().rposition(|&b| b == b'\n') {
            return Ok(Some(start + at as u64));
        }
        end = start;
    }
    Ok(None)
}

/// `len` bytes of `file` from `offset`, read without moving its cursor.
struct RangeReader<'a> {
    file: &'a File,
    offset: u64,
    left: u64,
}

impl Read for RangeReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..want], self.offset)?;
        self.offset += n as u64;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn continues_after_the_highest_seq_of_any_file() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.jsonl", "{\"seq\":1}\n{\"seq\":4}\n");
        write(dir.path(), "b.jsonl", "{\"seq\":2}\n{\"seq\":3}\n");
        assert_eq!(next_seq(dir.path(), ["a.jsonl", "b.jsonl"]).unwrap(), 5);
    }

    /// Mutant seen to fail: the line's length `newline - start` as `+`
    /// (the line read on into the next one, whose bytes are then trailing
    /// characters).
    #[test]
    fn skips_a_torn_tail_and_lines_without_seq() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.jsonl", "{\"seq\":7}\n{\"x\":1}\n{\"seq\":9");
        assert_eq!(next_seq(dir.path(), ["a.jsonl"]).unwrap(), 8);
        write(dir.path(), "b.jsonl", "{\"x\":0}\n{\"seq\":7}\n{\"x\":1}\n");
        assert_eq!(next_seq(dir.path(), ["b.jsonl"]).unwrap(), 8);
    }

    /// A file rotated away whose active file is not created yet: the
    /// newest segment has the last seq.
    #[test]
    fn a_missing_active_file_looks_at_the_newest_segment() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.1.jsonl", "{\"seq\":3}\n");
        assert_eq!(next_seq(dir.path(), ["a.jsonl"]).unwrap(), 4);
    }

    /// A segment that retention removed between the listing and the open
    /// is passed over, not an error. Mutant seen to fail: `last_seq`'s
    /// `NotFound` guard as `false` (a race `next_seq` cannot be timed into,
    /// so `last_seq` is handed the missing path).
    #[test]
    fn a_segment_removed_after_the_listing_is_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(last_seq(&dir.path().join("a.1.jsonl")).unwrap(), None);
        write(dir.path(), "a.1.jsonl", "{\"seq\":3}\n");
        assert_eq!(last_seq(&dir.path().join("a.1.jsonl")).unwrap(), Some(3));
    }

    /// A segment that cannot be opened for another reason is an error: the
    /// seqs in it would otherwise be given again. Mutant seen to fail:
    /// `last_seq`'s `NotFound` guard as `true`.
    #[test]
    fn a_segment_that_cannot_be_opened_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let looped = dir.path().join("a.1.jsonl");
        std::os::unix::fs::symlink(&looped, &looped).unwrap();
        let err = last_seq(&looped).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(40), "{err}"); // ELOOP
    }

    #[test]
    fn an_empty_active_file_looks_at_the_newest_segment() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.1.jsonl", "{\"seq\":3}\n");
        write(dir.path(), "a.2.jsonl", "{\"seq\":11}\n");
        write(dir.path(), "a.jsonl", "");
        assert_eq!(next_seq(dir.path(), ["a.jsonl"]).unwrap(), 12);
    }

    #[test]
    fn nothing_written_yet_starts_at_one() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(next_seq(dir.path(), ["a.jsonl"]).unwrap(), 1);
        assert_eq!(
            next_seq(&dir.path().join("missing"), ["a.jsonl"]).unwrap(),
            1
        );
    }

    #[test]
    fn lines_longer_than_a_chunk_are_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let filler = "x".repeat(3 * CHUNK as usize);
        let text = format!("{{\"seq\":5,\"f\":\"{filler}\"}}\n{{\"seq\":6,\"f\":\"{filler}\"}}\n");
        write(dir.path(), "a.jsonl", &text);
        assert_eq!(next_seq(dir.path(), ["a.jsonl"]).unwrap(), 7);
    }

    /// A directory that cannot be listed is an error, not a fresh start at
    /// 1 (which would repeat the seqs already there). Mutant seen to fail:
    /// the `NotFound` guard of `next_seq` as `true`.
    #[test]
    fn a_directory_that_cannot_be_listed_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "events", "a file, not a directory");
        let err = next_seq(&dir.path().join("events"), ["a.jsonl"]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotADirectory, "{err}");
    }
}
