//! Lines of one file with bounded memory: a large buffer, line ends found with
//! `memchr`, a line over the limit measured and skipped, never allocated.

use std::io::{self, Read};

use memchr::memmem::Finder;

/// The read size: large enough that a read is one system call per block,
/// small enough to stay in cache while it is scanned.
const BLOCK: usize = 256 << 10;

/// The default longest line, in bytes (without its `\n`): 16 MiB.
///
/// ```
/// use basis_events::reader::{DEFAULT_LINE_LIMIT, ReadOptions};
///
/// assert_eq!(ReadOptions::new().limit(), DEFAULT_LINE_LIMIT);
/// ```
pub const DEFAULT_LINE_LIMIT: usize = 16 << 20;

/// What the next step of a [`BoundedLines`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Next<'a> {
    /// A line of at most the limit, without its `\n`.
    Line {
        number: u64,
        bytes: &'a [u8],
        /// False for a torn tail: the file ended before the line's `\n`.
        complete: bool,
    },
    /// A line over the limit: its length was counted while it was skipped.
    TooLong {
        number: u64,
        len: u64,
        complete: bool,
    },
}

/// Reads `R` line by line in a buffer of at most `max(256 KiB, limit + 1)`
/// bytes, whatever the input.
#[derive(Debug)]
pub(crate) struct BoundedLines<R> {
    reader: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// Lines returned or skipped so far.
    number: u64,
    limit: usize,
    /// Bytes read from `reader` so far.
    read_total: u64,
}

impl<R: Read> BoundedLines<R> {
    pub(crate) fn new(reader: R, limit: usize) -> Self {
        BoundedLines {
            reader,
            buf: vec![0; BLOCK.min(limit.saturating_add(1)).max(4096)],
            start: 0,
            end: 0,
            eof: false,
            number: 0,
            limit,
            read_total: 0,
        }
    }

    /// Where the next line starts in the input: the bytes of every line
    /// returned or skipped so far, with their `\n`.
    pub(crate) fn offset(&self) -> u64 {
        self.read_total - (self.end - self.start) as u64
    }

    /// Lines returned or skipped so far: after the last, the input's count.
    pub(crate) fn lines_read(&self) -> u64 {
        self.number
    }

    /// The next line, or `None` at the end of the input.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<Next<'_>>> {
        self.next_matching(None)
    }

    /// The next line that may contain `needle` (every line when `None`).
    ///
    /// Lines without the needle are skipped in bulk, counted but never
    /// split. Torn tails and over-long lines are always returned, needle or
    /// not, since they are problems of the file.
    pub(crate) fn next_matching(
        &mut self,
        needle: Option<&Finder<'_>>,
    ) -> io::Result<Option<Next<'_>>> {
        loop {
            let window = &self.buf[self.start..self.end];
            if let Some(finder) = needle {
                // Search the complete lines at once; jump to the line of the
                // first hit, counting the newlines skipped.
                if let Some(last_nl) = memchr::memrchr(b'\n', window) {
                    let complete = &window[..=last_nl];
                    match finder.find(complete) {
                        Some(hit) => {
                            let line_start =
                                memchr::memrchr(b'\n', &complete[..hit]).map_or(0, |i| i + 1);
                            self.number +=
                                memchr::memchr_iter(b'\n', &complete[..line_start]).count() as u64;
                            self.start += line_start;
                        }
                        None => {
                            self.number += memchr::memchr_iter(b'\n', complete).count() as u64;
                            self.start += last_nl + 1;
                            continue;
                        }
                    }
                }
            }
            let window = &self.buf[self.start..self.end];
            if let Some(nl) = memchr::memchr(b'\n', window) {
                self.number += 1;
                let at = self.start;
                self.start += nl + 1;
                if nl > self.limit {
                    return Ok(Some(Next::TooLong {
                        number: self.number,
                        len: nl as u64,
                        complete: true,
                    }));
                }
                return Ok(Some(Next::Line {
                    number: self.number,
                    bytes: &self.buf[at..at + nl],
                    complete: true,
                }));
            }
            if window.len() > self.limit {
                return self.skip_long_line().map(Some);
            }
            if self.eof {
                if self.start == self.end {
                    return Ok(None);
                }
                self.number += 1;
                let at = self.start;
                self.start = self.end;
                return Ok(Some(Next::Line {
                    number: self.number,
                    bytes: &self.buf[at..self.end],
                    complete: false,
                }));
            }
            self.fill()?;
        }
    }

    /// Moves the unread bytes to the front, grows the buffer if a partial
    /// line fills it (up to `limit + 1`), and reads once.
    fn fill(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            let max = BLOCK.max(self.limit.saturating_add(1));
            let grown = (self.buf.len() * 2).min(max);
            self.buf.resize(grown, 0);
        }
        let n = read_retrying(&mut self.reader, &mut self.buf[self.end..])?;
        self.read_total += n as u64;
        if n == 0 {
            self.eof = true;
        }
        self.end += n;
        Ok(())
    }

    /// Skips the line in the buffer, which is over the limit and has no `\n`
    /// yet, reading on in place until its `\n` or the end of the input.
    fn skip_long_line(&mut self) -> io::Result<Next<'static>> {
        self.number += 1;
        let mut len = (self.end - self.start) as u64;
        self.start = 0;
        self.end = 0;
        loop {
            let n = read_retrying(&mut self.reader, &mut self.buf)?;
            self.read_total += n as u64;
            if n == 0 {
                self.eof = true;
                return Ok(Next::TooLong {
                    number: self.number,
                    len,
                    complete: false,
                });
            }
            match memchr::memchr(b'\n', &self.buf[..n]) {
                Some(nl) => {
                    len += nl as u64;
                    self.start = nl + 1;
                    self.end = n;
                    return Ok(Next::TooLong {
                        number: self.number,
                        len,
                        complete: true,
                    });
                }
                None => len += n as u64,
            }
        }
    }

    /// The bytes the buffer holds: what the memory bound is about.
    #[cfg(test)]
    fn capacity(&self) -> usize {
        self.buf.len()
    }
}

fn read_retrying(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8], limit: usize, needle: Option<&[u8]>) -> Vec<(u64, String, bool)> {
        let finder = needle.map(Finder::new);
        let mut lines = BoundedLines::new(input, limit);
        let mut out = Vec::new();
        while let Some(next) = lines.next_matching(finder.as_ref()).unwrap() {
            out.push(match next {
                Next::Line {
                    number,
                    bytes,
                    complete,
                } => (number, String::from_utf8(bytes.to_vec()).unwrap(), complete),
                Next::TooLong {
                    number,
                    len,
                    complete,
                } => (number, format!("<{len}>"), complete),
            });
        }
        out
    }

    #[test]
    fn lines_are_numbered_and_a_torn_tail_is_incomplete() {
        assert_eq!(
            collect(b"a\n\nbc\nd", 100, None),
            [
                (1, "a".into(), true),
                (2, "".into(), true),
                (3, "bc".into(), true),
                (4, "d".into(), false)
            ]
        );
        assert!(collect(b"", 100, None).is_empty());
    }

    #[test]
    fn a_line_over_the_limit_is_measured_not_returned() {
        assert_eq!(
            collect(b"abcdef\nxy\nabcdefgh", 4, None),
            [
                (1, "<6>".into(), true),
                (2, "xy".into(), true),
                (3, "<8>".into(), false)
            ]
        );
        // Exactly the limit is fine.
        assert_eq!(collect(b"abcd\n", 4, None), [(1, "abcd".into(), true)]);
    }

    /// `offset` is where the next line starts, after lines returned,
    /// skipped by the prefilter or measured as too long, across reads.
    #[test]
    fn the_offset_is_past_every_line_handed_over_or_skipped() {
        let offsets = |input: &[u8], limit, needle: Option<&[u8]>| {
            let finder = needle.map(Finder::new);
            // Reads of one byte, so lines span reads.
            let trickle = Trickle {
                bytes: input,
                fail_first: None,
                fail_always: false,
            };
            let mut lines = BoundedLines::new(trickle, limit);
            let mut out = vec![lines.offset()];
            while lines.next_matching(finder.as_ref()).unwrap().is_some() {
                out.push(lines.offset());
            }
            out
        };
        assert_eq!(offsets(b"abcdef\nxy\nabcdefgh", 4, None), [0, 7, 10, 18]);
        assert_eq!(
            offsets(b"one\ntwo needle\nthree\nfour", 100, Some(b"needle")),
            [0, 15, 25]
        );
        let long: Vec<u8> = std::iter::repeat_n(b'x', 10_000)
            .chain(*b"\nab\n")
            .collect();
        assert_eq!(offsets(&long, 100, None), [0, 10_001, 10_004]);
    }

    #[test]
    fn a_64_mib_line_with_a_1_mib_limit_stays_in_a_bounded_buffer() {
        let long = io::repeat(b'x').take(64 << 20);
        let input = long.chain(&b"\n{\"next\":1}\n"[..]);
        let mut lines = BoundedLines::new(input, 1 << 20);
        assert_eq!(
            lines.next_line().unwrap(),
            Some(Next::TooLong {
                number: 1,
                len: 64 << 20,
                complete: true
            })
        );
        assert_eq!(
            lines.next_line().unwrap(),
            Some(Next::Line {
                number: 2,
                bytes: b"{\"next\":1}",
                complete: true
            })
        );
        assert!(
            lines.capacity() <= (1 << 20) + 1 + BLOCK,
            "{}",
            lines.capacity()
        );
    }

    #[test]
    fn the_prefilter_skips_lines_without_the_needle_and_keeps_numbers() {
        let input = b"one\ntwo needle\nthree\nfour needle\nfive";
        assert_eq!(
            collect(input, 100, Some(b"needle")),
            [
                (2, "two needle".into(), true),
                (4, "four needle".into(), true),
                (5, "five".into(), false)
            ]
        );
    }

    /// Whole buffers without the needle are skipped, their lines counted,
    /// across many reads (mutants: the skip's `number +=` or `start +=`
    /// changed; the test above never skips a whole window).
    #[test]
    fn the_prefilter_counts_every_line_it_skips_across_reads() {
        let mut input = String::new();
        let mut expected = Vec::new();
        for number in 1..=60_000u64 {
            let line = if number % 997 == 0 {
                format!("line {number} needle")
            } else {
                format!("line {number}")
            };
            if number % 997 == 0 {
                expected.push((number, line.clone(), true));
            }
            input.push_str(&line);
            input.push('\n');
        }
        assert!(input.len() > 2 * BLOCK);
        assert_eq!(collect(input.as_bytes(), 100, Some(b"needle")), expected);
    }

    /// A reader that hands over one byte per read, and can fail first.
    struct Trickle<'a> {
        bytes: &'a [u8],
        fail_first: Option<io::ErrorKind>,
        fail_always: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if let Some(kind) = self
                .fail_first
                .take()
                .or(self.fail_always.then_some(io::ErrorKind::Other))
            {
                return Err(io::Error::new(kind, "trickle"));
            }
            let Some((first, rest)) = self.bytes.split_first() else {
                return Ok(0);
            };
            buf[0] = *first;
            self.bytes = rest;
            Ok(1)
        }
    }

    /// A line of exactly the limit is a line even when its `\n` has not
    /// been read yet; one byte more is too long (mutant: the partial-line
    /// test `window.len() > self.limit` as `>=`).
    #[test]
    fn a_line_of_exactly_the_limit_is_read_one_byte_at_a_time() {
        let input = format!("{}\n{}\n", "a".repeat(10), "b".repeat(11));
        let mut lines = BoundedLines::new(
            Trickle {
                bytes: input.as_bytes(),
                fail_first: None,
                fail_always: false,
            },
            10,
        );
        match lines.next_line().unwrap() {
            Some(Next::Line {
                number: 1,
                bytes,
                complete: true,
            }) => assert_eq!(bytes, b"aaaaaaaaaa"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            lines.next_line().unwrap(),
            Some(Next::TooLong {
                number: 2,
                len: 11,
                complete: true
            })
        ));
        assert!(lines.next_line().unwrap().is_none());
    }

    /// A read interrupted by a signal is retried; any other error is
    /// returned, never retried forever (mutants: the `Interrupted` guard as
    /// `true`, as `false`, or its `==` as `!=`).
    #[test]
    fn an_interrupted_read_is_retried_and_another_error_returned() {
        let interrupted = Trickle {
            bytes: b"x\n",
            fail_first: Some(io::ErrorKind::Interrupted),
            fail_always: false,
        };
        let mut lines = BoundedLines::new(interrupted, 10);
        assert!(matches!(
            lines.next_line().unwrap(),
            Some(Next::Line {
                number: 1,
                complete: true,
                ..
            })
        ));
        let broken = Trickle {
            bytes: b"x\n",
            fail_first: None,
            fail_always: true,
        };
        let err = BoundedLines::new(broken, 10).next_line().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Other);
    }

    #[test]
    fn lines_longer_than_a_block_grow_the_buffer_up_to_the_limit() {
        let line = "y".repeat(BLOCK * 3);
        let input = format!("{line}\nz\n");
        let out = collect(input.as_bytes(), BLOCK * 4, None);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].1.len(), BLOCK * 3);
        assert_eq!(out[1], (2, "z".into(), true));
    }
}
