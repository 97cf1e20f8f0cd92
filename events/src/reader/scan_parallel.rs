//! [`Run::scan_on`]: the raw scan of [`Run::scan`] with each large segment
//! cut into line-aligned chunks searched on several threads.
//!
//! A selective scan (`trace`'s id, `failures`' literal) spends its time
//! copying the file out of the page cache and searching it, one core's
//! work; two cores do it in half the time. Each chunk is read with
//! positional reads of the one file the scan opened (so a rotation between
//! two chunks cannot swap the file under it), its matching lines are kept
//! with their line numbers within the chunk, and the caller gets every line
//! and problem in exactly the order and with exactly the numbers the
//! sequential scan gives. Memory stays bounded: a chunk copies at most
//! [`HIT_BUDGET`] bytes of matching lines (the rest of a chunk that matches
//! more is read on the calling thread), and at most `threads` chunks are in
//! flight.

use std::fs::File;
use std::io::{self, Read};
use std::ops::ControlFlow;
use std::os::unix::fs::FileExt;

use memchr::memmem::Finder;

use super::bounded::{BoundedLines, Next};
use super::file_stream::LineOwner;
use super::parallel::default_threads;
use super::position::Position;
use super::problem::Problem;
use super::run::{Mode, Run};
use super::scan::ScanLine;

/// The size a segment is cut at: large enough that a thread's start-up and
/// the wait for the slower chunk of a wave are nothing beside it (on the
/// 256 MiB bench file, `trace` took 51 ms with 16 MiB chunks, 36 ms with
/// 64 MiB); the memory a chunk holds is bounded by [`HIT_BUDGET`] instead.
const CHUNK: u64 = 64 << 20;

/// How far to look past a cut for the end of its line, per read.
const PROBE: usize = 64 << 10;

/// The matching bytes a chunk copies before it stops and leaves the rest
/// of the chunk to be read on the calling thread: a needle that matches
/// every line must not hold whole chunks in memory.
const HIT_BUDGET: usize = 4 << 20;

impl Run {
    /// [`Run::scan`] on `threads` threads (0: every core, 1: exactly
    /// [`Run::scan`]): each segment larger than a chunk (64 MiB) is cut at
    /// line ends and the chunks searched at once. `visit` is called on the
    /// calling thread with the same lines, problems and line numbers, in
    /// the same order, as [`Run::scan`] gives. Meant for selective scans:
    /// the lines a chunk matches are copied until `visit` has seen them,
    /// at most 4 MiB a chunk; past that, the rest of the chunk is read on
    /// the calling thread.
    ///
    /// # Errors
    ///
    /// In strict mode, the first problem ends the scan and is returned.
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// use basis_events::reader::Run;
    ///
    /// let root = tempfile::tempdir()?;
    /// let events = root.path().join("abc123/7/events");
    /// std::fs::create_dir_all(&events)?;
    /// std::fs::write(events.join("system_errors.jsonl"), "{\"x\":\"EXEC-001\"}\n{\"x\":\"POS-005\"}\n")?;
    /// let run = Run::open(&root.path().join("abc123"))?;
    /// let mut lines = Vec::new();
    /// run.scan_on(None, Some(b"POS-"), 0, |line| {
    ///     lines.push(line.unwrap().position().line());
    ///     ControlFlow::Continue(())
    /// })?;
    /// assert_eq!(lines, [2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scan_on(
        &self,
        event: Option<&str>,
        needle: Option<&[u8]>,
        threads: usize,
        visit: impl FnMut(Result<ScanLine<'_>, Problem>) -> ControlFlow<()>,
    ) -> Result<(), Problem> {
        self.scan_kept_on(event, needle, &|_| true, threads, visit)
    }

    /// [`Run::scan_on`], handing over only the complete lines `keep`
    /// accepts (problems are all handed over). `keep` runs on the searching
    /// threads, so a scan that must look at every line, because no needle
    /// can say which it wants, still spreads that look over the cores.
    ///
    /// # Errors
    ///
    /// In strict mode, the first problem ends the scan and is returned.
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// use basis_events::reader::Run;
    ///
    /// let root = tempfile::tempdir()?;
    /// let events = root.path().join("abc123/7/events");
    /// std::fs::create_dir_all(&events)?;
    /// std::fs::write(events.join("positions.jsonl"), "a\nbb\nccc\n")?;
    /// let run = Run::open(&root.path().join("abc123"))?;
    /// let mut lines = Vec::new();
    /// run.scan_kept_on(None, None, &|line: &[u8]| line.len() != 2, 0, |line| {
    ///     lines.push(line.unwrap().position().line());
    ///     ControlFlow::Continue(())
    /// })?;
    /// assert_eq!(lines, [1, 3]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scan_kept_on(
        &self,
        event: Option<&str>,
        needle: Option<&[u8]>,
        keep: &(dyn Fn(&[u8]) -> bool + Sync),
        threads: usize,
        mut visit: impl FnMut(Result<ScanLine<'_>, Problem>) -> ControlFlow<()>,
    ) -> Result<(), Problem> {
        let threads = if threads == 0 {
            default_threads()
        } else {
            threads
        };
        if threads == 1 {
            return self.scan(event, needle, |item| match item {
                Ok(line) if !keep(line.bytes()) => ControlFlow::Continue(()),
                item => visit(item),
            });
        }
        self.scan_chunked(event, needle, keep, threads, (CHUNK, HIT_BUDGET), visit)
    }

    /// [`Run::scan_on`] with chunks of `chunk` bytes that copy at most
    /// `budget` bytes of matching lines (tests make both small).
    pub(crate) fn scan_chunked(
        &self,
        event: Option<&str>,
        needle: Option<&[u8]>,
        keep: &(dyn Fn(&[u8]) -> bool + Sync),
        threads: usize,
        (chunk, budget): (u64, usize),
        mut visit: impl FnMut(Result<ScanLine<'_>, Problem>) -> ControlFlow<()>,
    ) -> Result<(), Problem> {
        let strict = self.options().mode() == Mode::Strict;
        let finder = needle.map(Finder::new);
        // Returns whether to stop, as `Run::scan` does.
        let report =
            |problem: Problem,
             visit: &mut dyn FnMut(Result<ScanLine<'_>, Problem>) -> ControlFlow<()>| {
                if strict {
                    return Err(problem);
                }
                Ok(visit(Err(problem)).is_break())
            };
        for problem in self.problems() {
            if report(problem.clone(), &mut visit)? {
                return Ok(());
            }
        }
        let limit = self.options().limit();
        for process in self.processes() {
            let owner = LineOwner {
                pid: process.pid(),
                correlation_id: self.correlation_id(),
                sequenced: process.catalog_from_run(),
            };
            for file in process
                .files()
                .iter()
                .filter(|f| event.is_none_or(|e| f.event() == e))
            {
                for segment in file.segments() {
                    let opened = match segment.open() {
                        Ok(opened) => opened,
                        Err(problem) => {
                            if report(problem, &mut visit)? {
                                return Ok(());
                            }
                            continue;
                        }
                    };
                    let (handle, snapshot_len) = opened.file_and_limit();
                    let parts = match cut(handle, snapshot_len, chunk) {
                        Ok(parts) => parts,
                        Err(err) => {
                            if report(Problem::io(segment.path(), err), &mut visit)? {
                                return Ok(());
                            }
                            continue;
                        }
                    };
                    let place = segment.place();
                    // Lines before the chunk being handed over.
                    let mut before = 0u64;
                    'segment: for wave in parts.chunks(threads) {
                        let founds =
                            search_wave(handle, wave, limit, (finder.as_ref(), keep), budget);
                        for (part, found) in wave.iter().zip(founds) {
                            for (number, hit) in found.hits {
                                let number = before + number;
                                let problem = match hit {
                                    Hit::Line(bytes) => {
                                        let line = ScanLine {
                                            bytes: &bytes,
                                            file,
                                            owner,
                                            place,
                                            line: number,
                                        };
                                        if visit(Ok(line)).is_break() {
                                            return Ok(());
                                        }
                                        continue;
                                    }
                                    Hit::Torn(len) => Problem::TornTail {
                                        position: Position::at(place, number),
                                        len,
                                    },
                                    Hit::TooLong(len) => Problem::TooLong {
                                        position: Position::at(place, number),
                                        len,
                                        limit,
                                    },
                                    Hit::Failed(err) => Problem::io(segment.path(), err),
                                };
                                if report(problem, &mut visit)? {
                                    return Ok(());
                                }
                            }
                            if found.broken {
                                // A failed read leaves the segment's
                                // position unknown: on to the next segment.
                                break 'segment;
                            }
                            let Some(resume) = found.resume else {
                                before += found.lines;
                                continue;
                            };
                            // The chunk's matches filled the budget: the
                            // rest of it is read here and handed over line
                            // by line, as the sequential scan does.
                            let reader = PartReader {
                                file: handle,
                                pos: part.start + resume.offset,
                                end: part.end,
                            };
                            let mut rest = BoundedLines::new(reader, limit);
                            let first = before + resume.lines;
                            loop {
                                let item = match rest.next_matching(finder.as_ref()) {
                                    Ok(None) => break,
                                    Ok(Some(Next::Line {
                                        bytes,
                                        complete: true,
                                        ..
                                    })) if !keep(bytes) => continue,
                                    Ok(Some(Next::Line {
                                        number,
                                        bytes,
                                        complete: true,
                                    })) => Ok(ScanLine {
                                        bytes,
                                        file,
                                        owner,
                                        place,
                                        line: first + number,
                                    }),
                                    Ok(Some(Next::Line {
                                        number,
                                        bytes,
                                        complete: false,
                                    })) => Err(Problem::TornTail {
                                        position: Position::at(place, first + number),
                                        len: bytes.len() as u64,
                                    }),
                                    Ok(Some(Next::TooLong { number, len, .. })) => {
                                        Err(Problem::TooLong {
                                            position: Position::at(place, first + number),
                                            len,
                                            limit,
                                        })
                                    }
                                    Err(err) => {
                                        if report(Problem::io(segment.path(), err), &mut visit)? {
                                            return Ok(());
                                        }
                                        break 'segment;
                                    }
                                };
                                let stop = match item {
                                    Ok(line) => visit(Ok(line)).is_break(),
                                    Err(problem) => report(problem, &mut visit)?,
                                };
                                if stop {
                                    return Ok(());
                                }
                            }
                            before = first + rest.lines_read();
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// One chunk of a segment: `[start, end)`, or from `start` to the end of
/// the file (`end` `None`) for the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Part {
    start: u64,
    end: Option<u64>,
}

/// What a chunk's search found, by line number within the chunk.
struct Found {
    hits: Vec<(u64, Hit)>,
    /// Lines in the chunk, matching or not.
    lines: u64,
    /// A read failed: the rest of the segment is unknown.
    broken: bool,
    /// The hits filled [`HIT_BUDGET`]: where the search stopped.
    resume: Option<Resume>,
}

/// Where a chunk's search stopped: the offset of the next line within the
/// chunk, and the lines before it.
#[derive(Debug, Clone, Copy)]
struct Resume {
    offset: u64,
    lines: u64,
}

enum Hit {
    Line(Vec<u8>),
    Torn(u64),
    TooLong(u64),
    Failed(io::Error),
}

/// Cuts the file into chunks of about `chunk` bytes that each start at a
/// line's first byte; the last runs to the end of the file (or of the
/// snapshot), as the sequential scan reads it.
fn cut(file: &File, snapshot_len: Option<u64>, chunk: u64) -> io::Result<Vec<Part>> {
    let len = match snapshot_len {
        Some(len) => len,
        None => file.metadata()?.len(),
    };
    let mut starts = vec![0u64];
    let mut at = chunk.max(1);
    let mut probe = vec![0u8; PROBE];
    while at < len {
        // The first line that starts at or after `at`: just past the first
        // `\n` at or after `at - 1`.
        let mut from = at - 1;
        let next = loop {
            let want = usize::try_from(len - from).unwrap_or(usize::MAX).min(PROBE);
            let n = read_at_retrying(file, &mut probe[..want], from)?;
            if n == 0 {
                break None;
            }
            if let Some(i) = memchr::memchr(b'\n', &probe[..n]) {
                break Some(from + i as u64 + 1);
            }
            from += n as u64;
        };
        match next {
            Some(start) if start < len => {
                starts.push(start);
                at = start.saturating_add(chunk).max(at + 1);
            }
            _ => break,
        }
    }
    let mut parts: Vec<Part> = starts
        .windows(2)
        .map(|pair| Part {
            start: pair[0],
            end: Some(pair[1]),
        })
        .collect();
    parts.push(Part {
        start: *starts.last().expect("starts at 0"),
        end: snapshot_len,
    });
    Ok(parts)
}

fn read_at_retrying(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    loop {
        match file.read_at(buf, offset) {
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

/// Searches the chunks of one wave, the first on the calling thread and
/// each other on a thread of its own, and gives their findings in order.
fn search_wave(
    file: &File,
    wave: &[Part],
    limit: usize,
    wanted: Wanted<'_>,
    budget: usize,
) -> Vec<Found> {
    let (first, rest) = wave.split_first().expect("a wave has a chunk");
    std::thread::scope(|scope| {
        let others: Vec<_> = rest
            .iter()
            .map(|part| scope.spawn(move || search(file, *part, limit, wanted, budget)))
            .collect();
        let mut found = vec![search(file, *first, limit, wanted, budget)];
        for other in others {
            found.push(other.join().unwrap_or_else(|_| Found {
                hits: vec![(0, Hit::Failed(io::Error::other("a scan thread panicked")))],
                lines: 0,
                broken: true,
                resume: None,
            }));
        }
        found
    })
}

/// The lines of one chunk that may hold the needle (all with none), and
/// its problems, numbered from 1 within the chunk.
/// Which lines a search hands back: those holding the needle (all with
/// none) that `keep` accepts.
type Wanted<'a> = (Option<&'a Finder<'a>>, &'a (dyn Fn(&[u8]) -> bool + Sync));

fn search(file: &File, part: Part, limit: usize, wanted: Wanted<'_>, budget: usize) -> Found {
    let (finder, keep) = wanted;
    let reader = PartReader {
        file,
        pos: part.start,
        end: part.end,
    };
    let mut lines = BoundedLines::new(reader, limit);
    let mut hits = Vec::new();
    let mut broken = false;
    let mut copied = 0;
    let mut resume = None;
    loop {
        if copied >= budget {
            resume = Some(Resume {
                offset: lines.offset(),
                lines: lines.lines_read(),
            });
            break;
        }
        match lines.next_matching(finder) {
            Ok(None) => break,
            Ok(Some(Next::Line {
                bytes,
                complete: true,
                ..
            })) if !keep(bytes) => {}
            Ok(Some(Next::Line {
                number,
                bytes,
                complete: true,
            })) => {
                copied += bytes.len().max(1);
                hits.push((number, Hit::Line(bytes.to_vec())));
            }
            Ok(Some(Next::Line {
                number,
                bytes,
                complete: false,
            })) => hits.push((number, Hit::Torn(bytes.len() as u64))),
            Ok(Some(Next::TooLong { number, len, .. })) => hits.push((number, Hit::TooLong(len))),
            Err(err) => {
                hits.push((lines.lines_read(), Hit::Failed(err)));
                broken = true;
                break;
            }
        }
    }
    Found {
        hits,
        lines: lines.lines_read(),
        broken,
        resume,
    }
}

/// A chunk of a file read with positional reads, so several threads read
/// one open file at once.
struct PartReader<'a> {
    file: &'a File,
    pos: u64,
    end: Option<u64>,
}

impl Read for PartReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = match self.end {
            Some(end) => buf
                .len()
                .min(usize::try_from(end.saturating_sub(self.pos)).unwrap_or(usize::MAX)),
            None => buf.len(),
        };
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::run::ReadOptions;
    use super::*;

    /// Everything a scan hands over, as comparable text: each line's
    /// position and bytes, each problem as printed.
    fn seen(
        run: &Run,
        needle: Option<&[u8]>,
        keep: &(dyn Fn(&[u8]) -> bool + Sync),
        threads: usize,
        cut: (u64, usize),
    ) -> Vec<String> {
        let mut out = Vec::new();
        let visit = |item: Result<ScanLine<'_>, Problem>| {
            out.push(match item {
                Ok(line) => format!(
                    "{} {} {}",
                    line.position(),
                    line.event(),
                    String::from_utf8_lossy(line.bytes())
                ),
                Err(problem) => format!("problem: {problem}"),
            });
            ControlFlow::Continue(())
        };
        let result = if threads == 1 {
            run.scan_kept_on(None, needle, keep, 1, visit)
        } else {
            run.scan_chunked(None, needle, keep, threads, cut, visit)
        };
        out.push(format!("{:?}", result.map_err(|p| p.to_string())));
        out
    }

    /// A run of one process with `files`, each a list of segments' bytes
    /// (the last is the active file).
    fn run_of(files: &[(&str, Vec<Vec<u8>>)], options: ReadOptions) -> (tempfile::TempDir, Run) {
        let root = tempfile::tempdir().unwrap();
        let events = root.path().join("abc123/7/events");
        std::fs::create_dir_all(&events).unwrap();
        for (name, segments) in files {
            let stem = name.trim_end_matches(".jsonl");
            let (active, rotated) = segments.split_last().unwrap();
            for (i, bytes) in rotated.iter().enumerate() {
                std::fs::write(events.join(format!("{stem}.{}.jsonl", i + 1)), bytes).unwrap();
            }
            std::fs::write(events.join(name), active).unwrap();
        }
        let run = Run::open_with(&root.path().join("abc123"), options).unwrap();
        (root, run)
    }

    /// Lines of a few words, some with the needle `"xx"`, some long, the
    /// file ending with or without its last `\n`.
    fn text() -> impl Strategy<Value = Vec<u8>> {
        (
            proptest::collection::vec((0u8..4, 0usize..40), 0..40),
            any::<bool>(),
        )
            .prop_map(|(lines, torn)| {
                let mut bytes = Vec::new();
                for (kind, len) in lines {
                    match kind {
                        0 => bytes.extend_from_slice(b"{\"id\":\"xx\"}"),
                        1 => bytes.extend(std::iter::repeat_n(b'a', len)),
                        2 => bytes.extend(std::iter::repeat_n(b'b', len * 3)),
                        _ => {}
                    }
                    bytes.push(b'\n');
                }
                if torn {
                    bytes.extend_from_slice(b"{\"id\":\"x");
                }
                bytes
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Cut anywhere, on any number of threads, the chunked scan hands
        /// over what the sequential scan does: the same lines with the same
        /// numbers, torn tails and over-long lines, in the same order.
        #[test]
        fn the_chunked_scan_is_the_sequential_scan(
            positions in proptest::collection::vec(text(), 1..3),
            errors in text(),
            chunk in 1u64..64,
            budget in prop_oneof![Just(1usize), 1usize..100, Just(usize::MAX)],
            threads in 2usize..4,
            needle in prop_oneof![Just(None), Just(Some(b"\"xx\"".as_slice())), Just(Some(b"bbb".as_slice()))],
            strict in any::<bool>(),
            odd_only in any::<bool>(),
        ) {
            let options = if strict { ReadOptions::new().strict() } else { ReadOptions::new() };
            let (_root, run) = run_of(
                &[("positions.jsonl", positions), ("system_errors.jsonl", vec![errors])],
                options.line_limit(50),
            );
            let odd = |line: &[u8]| line.len() % 2 == 1;
            let all = |_: &[u8]| true;
            let keep: &(dyn Fn(&[u8]) -> bool + Sync) = if odd_only { &odd } else { &all };
            prop_assert_eq!(
                seen(&run, needle, keep, threads, (chunk, budget)),
                seen(&run, needle, keep, 1, (chunk, budget))
            );
        }
    }

    /// A snapshot is read up to its length when opened, chunked or not:
    /// lines appended since are in neither.
    #[test]
    fn a_snapshot_is_cut_at_its_frozen_length() {
        let lines: Vec<u8> = (0..50)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let (root, run) = run_of(
            &[("positions.jsonl", vec![lines])],
            ReadOptions::new().snapshot(),
        );
        let active = root.path().join("abc123/7/events/positions.jsonl");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(active)
            .unwrap();
        io::Write::write_all(&mut file, b"line 50\nline 51\n").unwrap();
        let chunked = seen(&run, None, &|_| true, 2, (16, 8));
        assert_eq!(chunked, seen(&run, None, &|_| true, 1, (16, 8)));
        assert_eq!(chunked.len(), 50 + 1, "{chunked:?}");
    }

    #[test]
    fn a_visitor_that_breaks_stops_the_chunked_scan() {
        let lines: Vec<u8> = (0..100)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let (_root, run) = run_of(&[("positions.jsonl", vec![lines])], ReadOptions::new());
        let mut seen = Vec::new();
        run.scan_chunked(None, None, &|_| true, 2, (10, 1), |line| {
            seen.push(line.unwrap().position().line());
            if seen.len() == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
        assert_eq!(seen, [1, 2, 3]);
    }

    fn file_of(bytes: &[u8]) -> (tempfile::NamedTempFile, File) {
        let mut named = tempfile::NamedTempFile::new().unwrap();
        io::Write::write_all(&mut named, bytes).unwrap();
        let file = File::open(named.path()).unwrap();
        (named, file)
    }

    #[test]
    fn chunks_start_at_line_starts_and_the_last_runs_to_the_end() {
        let (_keep, file) = file_of(b"aaaa\nbb\ncccccccc\nd\n");
        let parts = cut(&file, None, 4).unwrap();
        assert_eq!(
            parts,
            [
                Part {
                    start: 0,
                    end: Some(5)
                },
                Part {
                    start: 5,
                    end: Some(17)
                },
                Part {
                    start: 17,
                    end: None
                },
            ]
        );
        // A snapshot's length bounds the last chunk.
        let parts = cut(&file, Some(8), 100).unwrap();
        assert_eq!(
            parts,
            [Part {
                start: 0,
                end: Some(8)
            }]
        );
    }
}
