//! Reading event files: rotated segments in order, and lines that tell a torn
//! last line (a crash mid-write) from a complete one.
//!
//! Segment naming is the runtime's (`basis_events::read`): the live file is
//! `events/{file}` (`positions.jsonl`); a rotated segment is
//! `{stem}.{n}.jsonl` (`positions.1.jsonl`), numbered from 1 in the order
//! they were rotated. A file's segments are read oldest first, the live file
//! last.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// What a directory entry of `events/` is: a segment of which event file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentName {
    /// The event file it belongs to: `positions.jsonl`.
    pub file: String,
    /// The rotation number, or `None` for the live file.
    pub index: Option<u64>,
}

/// Parses a file name of `events/` into the event file it belongs to and its
/// rotation number; `None` for a file that is no event file at all.
pub fn parse_segment_name(name: &str) -> Option<SegmentName> {
    let (file, index) = basis_events::read::parse_segment(name);
    let stem = file.strip_suffix(".jsonl")?;
    (!stem.is_empty()).then_some(SegmentName { file, index })
}

/// Every event file in `events_dir`, each with its segments oldest first and
/// the live file last, sorted by file name.
pub fn event_files(events_dir: &Path) -> Result<Vec<(String, Vec<PathBuf>)>> {
    let mut found: Vec<(SegmentName, PathBuf)> = Vec::new();
    let entries = std::fs::read_dir(events_dir).map_err(Error::io(events_dir))?;
    for entry in entries {
        let entry = entry.map_err(Error::io(events_dir))?;
        let file_type = entry.file_type().map_err(Error::io(entry.path()))?;
        if !file_type.is_file() {
            continue;
        }
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if let Some(segment) = parse_segment_name(&name) {
            found.push((segment, entry.path()));
        }
    }
    // Rotated segments by number, the live file (no number) after them.
    found.sort_by(|(a, _), (b, _)| {
        (a.file.as_str(), a.index.is_none(), a.index).cmp(&(
            b.file.as_str(),
            b.index.is_none(),
            b.index,
        ))
    });
    let mut files: Vec<(String, Vec<PathBuf>)> = Vec::new();
    for (segment, path) in found {
        match files.last_mut() {
            Some((file, paths)) if *file == segment.file => paths.push(path),
            _ => files.push((segment.file, vec![path])),
        }
    }
    Ok(files)
}

/// One line of a file, without its newline.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    /// 1-based line number within its file.
    pub number: u64,
    pub bytes: &'a [u8],
    /// The file ends inside this line: no newline was ever written after it.
    pub torn: bool,
}

impl<'a> Line<'a> {
    /// The line as text, or why it is not UTF-8.
    pub fn text(&self) -> std::result::Result<&'a str, String> {
        std::str::from_utf8(self.bytes).map_err(|err| format!("not valid UTF-8 ({err})"))
    }
}

/// Calls `f` for every line of `path`, in order, reusing one buffer.
pub fn for_each_line(path: &Path, mut f: impl FnMut(Line<'_>) -> Result<()>) -> Result<()> {
    let file = File::open(path).map_err(Error::io(path))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut buf = Vec::with_capacity(1024);
    let mut number = 0;
    loop {
        buf.clear();
        let read = reader
            .read_until(b'\n', &mut buf)
            .map_err(Error::io(path))?;
        if read == 0 {
            return Ok(());
        }
        number += 1;
        let torn = buf.last() != Some(&b'\n');
        let bytes = if torn {
            &buf[..]
        } else {
            &buf[..buf.len() - 1]
        };
        f(Line {
            number,
            bytes,
            torn,
        })?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_names() {
        let live = parse_segment_name("positions.jsonl").unwrap();
        assert_eq!(live.file, "positions.jsonl");
        assert_eq!(live.index, None);
        let rotated = parse_segment_name("positions.3.jsonl").unwrap();
        assert_eq!(rotated.file, "positions.jsonl");
        assert_eq!(rotated.index, Some(3));
        assert_eq!(parse_segment_name("notes.txt"), None);
        assert_eq!(parse_segment_name(".jsonl"), None);
        assert_eq!(parse_segment_name("positions.jsonl.bak"), None);
    }

    #[test]
    fn lines_and_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        std::fs::write(&path, "{\"a\":1}\n{\"a\":2}\n{\"a\":").unwrap();
        let mut seen = Vec::new();
        for_each_line(&path, |line| {
            seen.push((line.number, line.text().unwrap().to_owned(), line.torn));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            vec![
                (1, "{\"a\":1}".to_owned(), false),
                (2, "{\"a\":2}".to_owned(), false),
                (3, "{\"a\":".to_owned(), true),
            ]
        );
    }

    #[test]
    fn segments_in_rotation_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "positions.jsonl",
            "positions.10.jsonl",
            "positions.2.jsonl",
            "exposures.jsonl",
            "README",
        ] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let files = event_files(dir.path()).unwrap();
        let names: Vec<(String, Vec<String>)> = files
            .into_iter()
            .map(|(file, paths)| {
                let names = paths
                    .iter()
                    .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                    .collect();
                (file, names)
            })
            .collect();
        assert_eq!(
            names,
            vec![
                (
                    "exposures.jsonl".to_owned(),
                    vec!["exposures.jsonl".to_owned()]
                ),
                (
                    "positions.jsonl".to_owned(),
                    vec![
                        "positions.2.jsonl".to_owned(),
                        "positions.10.jsonl".to_owned(),
                        "positions.jsonl".to_owned()
                    ]
                ),
            ]
        );
    }
}
