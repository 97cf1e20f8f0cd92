//! Reading what the loggers wrote: a file's rotated segments in order, and its
//! lines, with a torn last line reported as such.
//!
//! # Segment naming
//!
//! The active file always keeps its guide name (`events/positions.jsonl`,
//! `position_monitor.log`), so `jq … events/positions.jsonl` works on a run
//! that never rotated. When it reaches the rotation size it is renamed to the
//! next numbered segment, the number going before the extension, and a new
//! active file begins:
//!
//! ```text
//! positions.1.jsonl   oldest
//! positions.2.jsonl
//! positions.jsonl     newest (active)
//! ```
//!
//! So a file's events in order are: its segments by increasing number, then
//! the active file. [`segments_of`] lists them in that order; every reader in
//! the workspace goes through it. A segment never holds part of a line: the
//! writer cuts only between lines.
//!
//! # Torn tails
//!
//! Every line the loggers write ends in `\n`. A process killed in the middle
//! of a `write` can leave the last line of a file without it: a *torn tail*.
//! [`LineReader`] returns such a line with [`Line::complete`] false, so a
//! validator can say "torn tail" rather than "corrupt line".
//!
//! # Examples
//!
//! ```
//! use basis_events::read::{LineReader, segments_of};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("positions.1.jsonl"), "{\"a\":1}\n")?;
//! std::fs::write(dir.path().join("positions.jsonl"), "{\"a\":2}\n{\"a\":")?;
//! let segments = segments_of(dir.path(), "positions.jsonl")?;
//! assert_eq!(segments.len(), 2);
//! let lines: Vec<_> = LineReader::open(&segments[1])?.collect::<Result<_, _>>()?;
//! assert!(lines[0].complete && !lines[1].complete);
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

/// The name of segment `number` of `file`: `segment_name("positions.jsonl", 2)`
/// is `"positions.2.jsonl"`.
pub fn segment_name(file: &str, number: u64) -> String {
    let (stem, ext) = split_ext(file);
    format!("{stem}.{number}{ext}")
}

/// What a file name in a log directory is: the base file it belongs to, and
/// its segment number (`None` for the active file).
///
/// `"positions.2.jsonl"` is `("positions.jsonl", Some(2))`,
/// `"positions.jsonl"` is `("positions.jsonl", None)`.
pub fn parse_segment(name: &str) -> (String, Option<u64>) {
    let (stem, ext) = split_ext(name);
    if let Some((base, number)) = stem.rsplit_once('.')
        && !base.is_empty()
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && let Ok(number) = number.parse::<u64>()
    {
        return (format!("{base}{ext}"), Some(number));
    }
    (name.to_owned(), None)
}

/// The files holding `file`'s lines in `dir`, oldest first: every segment by
/// increasing number, then the active file if it exists.
pub fn segments_of(dir: &Path, file: &str) -> io::Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = numbered_segments(dir, file)?
        .into_iter()
        .map(|(_, path)| path)
        .collect();
    let active = dir.join(file);
    if fs::symlink_metadata(&active).is_ok() {
        paths.push(active);
    }
    Ok(paths)
}

/// The highest segment number of `file` in `dir`, if any.
pub(crate) fn last_segment(dir: &Path, file: &str) -> io::Result<Option<u64>> {
    Ok(numbered_segments(dir, file)?
        .last()
        .map(|(number, _)| *number))
}

/// `file`'s numbered segments in `dir`, by increasing number.
fn numbered_segments(dir: &Path, file: &str) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut numbered = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if let Some(name) = entry.file_name().to_str()
            && let (base, Some(number)) = parse_segment(name)
            && base == file
        {
            numbered.push((number, entry.path()));
        }
    }
    numbered.sort();
    Ok(numbered)
}

fn split_ext(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name, ""),
    }
}

/// One line of a log file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number in its file.
    pub number: u64,
    /// The line's bytes, without the trailing `\n`.
    pub bytes: Vec<u8>,
    /// Whether the line ended in `\n`. Only the last line of a file can be
    /// incomplete: a torn tail left by a crash in the middle of a write.
    pub complete: bool,
}

impl Line {
    /// The line as text.
    pub fn text(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(&self.bytes)
    }

    /// Whether this is a torn tail (the file's last line, cut short).
    pub fn is_torn_tail(&self) -> bool {
        !self.complete
    }
}

/// Reads a log file line by line, reporting a torn last line distinctly.
#[derive(Debug)]
pub struct LineReader<R> {
    reader: R,
    number: u64,
}

impl LineReader<BufReader<File>> {
    /// Opens `path` for reading.
    pub fn open(path: &Path) -> io::Result<Self> {
        Ok(LineReader::new(BufReader::with_capacity(
            64 * 1024,
            File::open(path)?,
        )))
    }
}

impl<R: BufRead> LineReader<R> {
    /// Reads lines from `reader`.
    pub fn new(reader: R) -> Self {
        LineReader { reader, number: 0 }
    }
}

impl<R: BufRead> Iterator for LineReader<R> {
    type Item = io::Result<Line>;

    fn next(&mut self) -> Option<io::Result<Line>> {
        let mut bytes = Vec::new();
        match self.reader.read_until(b'\n', &mut bytes) {
            Ok(0) => None,
            Ok(_) => {
                self.number += 1;
                let complete = bytes.last() == Some(&b'\n');
                if complete {
                    bytes.pop();
                }
                Some(Ok(Line {
                    number: self.number,
                    bytes,
                    complete,
                }))
            }
            Err(err) => Some(Err(err)),
        }
    }
}

/// Every line of `file` in `dir`, across its segments in order, each with
/// the path it came from.
pub fn read_all(dir: &Path, file: &str) -> io::Result<Vec<(PathBuf, Line)>> {
    let mut lines = Vec::new();
    for path in segments_of(dir, file)? {
        for line in LineReader::open(&path)? {
            lines.push((path.clone(), line?));
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_names_round_trip() {
        assert_eq!(segment_name("positions.jsonl", 3), "positions.3.jsonl");
        assert_eq!(segment_name("api.log", 1), "api.1.log");
        assert_eq!(
            parse_segment("positions.3.jsonl"),
            ("positions.jsonl".to_owned(), Some(3))
        );
        assert_eq!(
            parse_segment("positions.jsonl"),
            ("positions.jsonl".to_owned(), None)
        );
        assert_eq!(
            parse_segment("engine.12.log"),
            ("engine.log".to_owned(), Some(12))
        );
        assert_eq!(parse_segment(".1.jsonl"), (".1.jsonl".to_owned(), None));
        assert_eq!(parse_segment("a.b.jsonl"), ("a.b.jsonl".to_owned(), None));
    }

    #[test]
    fn segments_are_listed_numerically_then_the_active_file() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "positions.jsonl",
            "positions.10.jsonl",
            "positions.2.jsonl",
            "positions.1.jsonl",
            "exposures.1.jsonl",
        ] {
            fs::write(dir.path().join(name), "").unwrap();
        }
        let names: Vec<String> = segments_of(dir.path(), "positions.jsonl")
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "positions.1.jsonl",
                "positions.2.jsonl",
                "positions.10.jsonl",
                "positions.jsonl"
            ]
        );
        assert_eq!(
            last_segment(dir.path(), "positions.jsonl").unwrap(),
            Some(10)
        );
    }

    #[test]
    fn a_torn_tail_is_reported_as_incomplete() {
        let lines: Vec<Line> = LineReader::new(&b"{\"a\":1}\n{\"a\":2}\n{\"a\""[..])
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].complete && lines[1].complete);
        assert!(lines[2].is_torn_tail());
        assert_eq!(lines[2].number, 3);
        assert_eq!(lines[1].text().unwrap(), "{\"a\":2}");
    }
}
