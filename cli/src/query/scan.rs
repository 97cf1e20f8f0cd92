//! A fast line scanner: big reads, a SIMD substring prefilter, and line numbers.
//!
//! The query commands look for a few lines among millions. Parsing every line
//! would make them as slow as jq; instead the scanner finds the needle with
//! `memchr::memmem` in 8 MiB blocks and hands over only the lines that contain
//! it, with their line numbers, for a full typed parse.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use memchr::memmem::Finder;

use crate::{Error, Result};

const BLOCK: usize = 8 << 20;

/// One line handed to the caller.
#[derive(Debug, Clone, Copy)]
pub struct ScanLine<'a> {
    /// 1-based line number within the file.
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
    mut f: impl FnMut(ScanLine<'_>) -> Result<()>,
) -> Result<()> {
    let mut file = File::open(path).map_err(Error::io(path))?;
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
        // Complete lines only, unless the file ends here.
        let end = if eof {
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
        let region = &buf[..end];
        lines_before = scan_region(region, eof, lines_before, needle, &mut f)?;
        buf.copy_within(end..len, 0);
        len -= end;
        if eof {
            break;
        }
    }
    Ok(())
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
        *line += memchr::memchr_iter(b'\n', &region[*counted_to..start]).count() as u64;
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
    line += memchr::memchr_iter(b'\n', &region[counted_to..]).count() as u64;
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
