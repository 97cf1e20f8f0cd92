//! A fast line scanner: big reads, a SIMD substring prefilter, and line numbers.
//!
//! The query commands look for a few lines among millions. Parsing every line
//! would make them as slow as jq; instead the scanner finds the needle with
//! `memchr::memmem` in cache-sized blocks and hands over only the lines that contain
//! it, with their line numbers, for a full typed parse.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use memchr::memmem::Finder;

use crate::{Error, Result};

// Small enough to stay in the CPU cache between the read and the scan.
const BLOCK: usize = 256 << 10;

/// One line handed to the caller.
#[derive(Debug, Clone, Copy)]
pub struct ScanLine<'a> {
    /// 1-based line number within the scanned range (within the file when the
    /// range starts at 0).
    pub number: u64,
    pub bytes: &'a [u8],
    /// The file ends inside this line.
    pub torn: bool,
}

/// Calls `f` for every line of `path` that contains `needle` (every line when
/// `needle` is `None`), in file order.
pub fn scan(
    path: &Path,
    needle: Option<&Finder<'_>>,
    f: impl FnMut(ScanLine<'_>) -> Result<()>,
) -> Result<()> {
    let len = std::fs::metadata(path).map_err(Error::io(path))?.len();
    scan_range(path, 0, len, needle, f).map(|_| ())
}

/// Like [`scan`], over the lines that start in `start..end`, where `start` is
/// the start of a line and `end` the start of a line or the end of the file.
/// Returns the number of lines in the range.
pub fn scan_range(
    path: &Path,
    start: u64,
    end: u64,
    needle: Option<&Finder<'_>>,
    mut f: impl FnMut(ScanLine<'_>) -> Result<()>,
) -> Result<u64> {
    let mut file = File::open(path).map_err(Error::io(path))?;
    let file_len = file.metadata().map_err(Error::io(path))?.len();
    file.seek(SeekFrom::Start(start)).map_err(Error::io(path))?;
    let mut file = file.take(end.saturating_sub(start));
    let mut buf: Vec<u8> = vec![0; BLOCK];
    let mut len = 0;
    // Lines before `buf[0]`.
    let mut lines_before: u64 = 0;
    let mut eof = false;
    while !eof || len > 0 {
        // Fill the buffer.
        while !eof && len < buf.len() {
            let n = file.read(&mut buf[len..]).map_err(Error::io(path))?;
            if n == 0 {
                eof = true;
            }
            len += n;
        }
        // Complete lines only, unless the range ends here.
        let cut = if eof {
            len
        } else {
            match memchr::memrchr(b'\n', &buf[..len]) {
                Some(i) => i + 1,
                None => {
                    // One line longer than the buffer: grow it and read on.
                    buf.resize(buf.len() * 2, 0);
                    continue;
                }
            }
        };
        let at_file_end = eof && end >= file_len;
        lines_before = scan_region(&buf[..cut], at_file_end, lines_before, needle, &mut f)?;
        buf.copy_within(cut..len, 0);
        len -= cut;
        if eof {
            break;
        }
    }
    Ok(lines_before)
}

/// Splits `path` into at most `parts` ranges of whole lines, for scanning in
/// parallel: the returned offsets start with 0 and end with the file length.
pub fn split_lines(path: &Path, parts: usize) -> Result<Vec<u64>> {
    let len = std::fs::metadata(path).map_err(Error::io(path))?.len();
    let mut bounds = vec![0];
    let mut file = File::open(path).map_err(Error::io(path))?;
    let mut window = vec![0; 64 << 10];
    for i in 1..parts.max(1) {
        let mut at = len / parts as u64 * i as u64;
        let last = *bounds.last().unwrap_or(&0);
        if at <= last {
            continue;
        }
        // The first line start at or after `at`: just after a newline at `at - 1` or later.
        at -= 1;
        let boundary = loop {
            file.seek(SeekFrom::Start(at)).map_err(Error::io(path))?;
            let n = file.read(&mut window).map_err(Error::io(path))?;
            if n == 0 {
                break len;
            }
            if let Some(i) = memchr::memchr(b'\n', &window[..n]) {
                break at + i as u64 + 1;
            }
            at += n as u64;
        };
        if boundary > last && boundary < len {
            bounds.push(boundary);
        }
    }
    bounds.push(len);
    Ok(bounds)
}

fn count_newlines(bytes: &[u8]) -> u64 {
    // A plain loop the compiler vectorizes: faster than a search per newline.
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

// Scans complete lines (and, at the end of the file, a torn last line);
// returns the number of lines before the next region.
fn scan_region(
    region: &[u8],
    at_eof: bool,
    lines_before: u64,
    needle: Option<&Finder<'_>>,
    f: &mut impl FnMut(ScanLine<'_>) -> Result<()>,
) -> Result<u64> {
    let mut counted_to = 0;
    let mut line = lines_before;
    let mut next_start = 0;
    let mut emit = |start: usize, counted_to: &mut usize, line: &mut u64| -> Result<usize> {
        *line += count_newlines(&region[*counted_to..start]);
        *counted_to = start;
        let end = memchr::memchr(b'\n', &region[start..]).map_or(region.len(), |i| start + i);
        let torn = at_eof && end == region.len();
        if start < region.len() {
            f(ScanLine {
                number: *line + 1,
                bytes: &region[start..end],
                torn,
            })?;
        }
        Ok(end + 1)
    };
    match needle {
        Some(finder) => {
            for hit in finder.find_iter(region) {
                if hit < next_start {
                    continue;
                }
                let start = memchr::memrchr(b'\n', &region[..hit]).map_or(0, |i| i + 1);
                next_start = emit(start, &mut counted_to, &mut line)?;
            }
        }
        None => {
            while next_start < region.len() {
                next_start = emit(next_start, &mut counted_to, &mut line)?;
            }
        }
    }
    line += count_newlines(&region[counted_to..]);
    Ok(line)
}

#[cfg(test)]
mod tests {
    use memchr::memmem::Finder;

    use super::*;

    fn collect(text: &str, needle: Option<&str>) -> Vec<(u64, String, bool)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.jsonl");
        std::fs::write(&path, text).unwrap();
        let finder = needle.map(Finder::new);
        let mut out = Vec::new();
        scan(&path, finder.as_ref(), |line| {
            out.push((
                line.number,
                String::from_utf8_lossy(line.bytes).into_owned(),
                line.torn,
            ));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn every_line() {
        assert_eq!(
            collect("a\nb\n\nc", None),
            vec![
                (1, "a".into(), false),
                (2, "b".into(), false),
                (3, "".into(), false),
                (4, "c".into(), true)
            ]
        );
        assert_eq!(collect("", None), vec![]);
        assert_eq!(collect("a\n", None), vec![(1, "a".into(), false)]);
    }

    #[test]
    fn ranges_split_on_line_starts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.jsonl");
        let text: String = (0..1000)
            .map(|i| format!("line {i} {}\n", "x".repeat(i % 37)))
            .collect();
        std::fs::write(&path, &text).unwrap();
        for parts in [1, 2, 3, 7] {
            let bounds = split_lines(&path, parts).unwrap();
            assert_eq!(bounds[0], 0);
            assert_eq!(*bounds.last().unwrap(), text.len() as u64);
            let mut seen = Vec::new();
            let mut offset = 0;
            for pair in bounds.windows(2) {
                assert!(pair[0] == 0 || text.as_bytes()[pair[0] as usize - 1] == b'\n');
                let lines = scan_range(&path, pair[0], pair[1], None, |line| {
                    seen.push((
                        offset + line.number,
                        String::from_utf8_lossy(line.bytes).into_owned(),
                    ));
                    Ok(())
                })
                .unwrap();
                offset += lines;
            }
            let expected: Vec<(u64, String)> = text
                .lines()
                .enumerate()
                .map(|(i, l)| (i as u64 + 1, l.to_owned()))
                .collect();
            assert_eq!(seen, expected, "{parts} parts");
        }
    }

    #[test]
    fn prefiltered_lines_keep_their_numbers() {
        let text = "x failed failed\ny\nz failed\nw\nfailed";
        assert_eq!(
            collect(text, Some("failed")),
            vec![
                (1, "x failed failed".into(), false),
                (3, "z failed".into(), false),
                (5, "failed".into(), true)
            ]
        );
    }
}
