//! A simple line reader for one log file, with a torn last line reported as
//! such. The run reader ([`super::Run`]) uses the bounded reader instead; this
//! one stays for tests and tools that read a single small file.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::open::{OpenFailure, open_regular};
use super::segments::segments_of;

/// One line of a log file.
///
/// ```
/// use basis_events::read::{Line, LineReader};
///
/// let line: Line = LineReader::new(&b"{}\n"[..]).next().unwrap()?;
/// assert_eq!((line.number, line.bytes.as_slice(), line.complete), (1, &b"{}"[..], true));
/// # Ok::<(), std::io::Error>(())
/// ```
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
    ///
    /// ```
    /// # use basis_events::read::LineReader;
    /// let line = LineReader::new(&b"abc"[..]).next().unwrap()?;
    /// assert_eq!(line.text().unwrap(), "abc");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn text(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(&self.bytes)
    }

    /// Whether this is a torn tail (the file's last line, cut short).
    ///
    /// ```
    /// # use basis_events::read::LineReader;
    /// let line = LineReader::new(&b"{\"a\":"[..]).next().unwrap()?;
    /// assert!(line.is_torn_tail());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_torn_tail(&self) -> bool {
        !self.complete
    }
}

/// Reads a log file line by line, reporting a torn last line distinctly.
///
/// ```
/// use basis_events::read::LineReader;
///
/// let numbers: Vec<u64> = LineReader::new(&b"a\nb\n"[..]).map(|l| l.unwrap().number).collect();
/// assert_eq!(numbers, [1, 2]);
/// ```
#[derive(Debug)]
pub struct LineReader<R> {
    reader: R,
    number: u64,
}

impl LineReader<BufReader<File>> {
    /// Opens `path` for reading, if it is a regular file: a link, FIFO or
    /// device is refused (with [`io::ErrorKind::InvalidInput`]) and never
    /// opened for reading, by the same rule as the run reader's.
    ///
    /// ```
    /// use basis_events::read::LineReader;
    ///
    /// let dir = tempfile::tempdir()?;
    /// std::fs::write(dir.path().join("a.jsonl"), "x\n")?;
    /// assert_eq!(LineReader::open(&dir.path().join("a.jsonl"))?.count(), 1);
    /// std::os::unix::fs::symlink(dir.path().join("a.jsonl"), dir.path().join("b.jsonl"))?;
    /// let err = LineReader::open(&dir.path().join("b.jsonl")).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = open_regular(path).map_err(|failure| match failure {
            OpenFailure::Refused(reason) => io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("refusing `{}`: {reason}", path.display()),
            ),
            OpenFailure::Missing => io::ErrorKind::NotFound.into(),
            OpenFailure::Io(err) => err,
        })?;
        Ok(LineReader::new(BufReader::with_capacity(64 * 1024, file)))
    }
}

impl<R: BufRead> LineReader<R> {
    /// Reads lines from `reader`.
    ///
    /// ```
    /// # use basis_events::read::LineReader;
    /// assert_eq!(LineReader::new(std::io::Cursor::new("a\nb")).count(), 2);
    /// ```
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
/// the path it came from. Holds the whole file: for tests and small files;
/// a run is read with [`super::Run`].
///
/// ```
/// use basis_events::read::read_all;
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("positions.1.jsonl"), "a\n")?;
/// std::fs::write(dir.path().join("positions.jsonl"), "b\n")?;
/// let lines = read_all(dir.path(), "positions.jsonl")?;
/// assert_eq!(lines[1].1.bytes, b"b");
/// # Ok::<(), std::io::Error>(())
/// ```
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

    /// Every segment, oldest first, then the active file, each line with
    /// its path (mutant: `read_all` returning nothing).
    #[test]
    fn read_all_reads_every_segment_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("positions.2.jsonl"), "b\n").unwrap();
        std::fs::write(dir.path().join("positions.1.jsonl"), "a\n").unwrap();
        std::fs::write(dir.path().join("positions.jsonl"), "c\nd").unwrap();
        let lines = read_all(dir.path(), "positions.jsonl").unwrap();
        let seen: Vec<(String, &[u8], bool)> = lines
            .iter()
            .map(|(path, line)| {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, &line.bytes[..], line.is_torn_tail())
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("positions.1.jsonl".to_owned(), &b"a"[..], false),
                ("positions.2.jsonl".to_owned(), &b"b"[..], false),
                ("positions.jsonl".to_owned(), &b"c"[..], false),
                ("positions.jsonl".to_owned(), &b"d"[..], true),
            ]
        );
    }

    #[test]
    fn a_torn_tail_is_reported_as_incomplete() {
        let lines: Vec<Line> = LineReader::new(&b"{\"a\":1}\n{\"a\":2}\n{\"a\""[..])
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].complete && lines[1].complete);
        assert!(!lines[0].is_torn_tail() && !lines[1].is_torn_tail());
        assert!(lines[2].is_torn_tail());
        assert_eq!(lines[2].number, 3);
        assert_eq!(lines[1].text().unwrap(), "{\"a\":2}");
    }
}
