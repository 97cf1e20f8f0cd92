//! A simple line reader for one log file, with a torn last line reported as
//! such. The run reader ([`super::Run`]) uses the bounded reader instead; this
//! one stays for tests and tools that read a single small file.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::segments::segments_of;

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
