//! The fast raw path: the lines of a run's event files as bytes, with an
//! optional substring prefilter, for queries that look for a few lines
//! among millions without parsing the others.

use std::ops::ControlFlow;

use memchr::memmem::Finder;

use super::bounded::{BoundedLines, Next};
use super::file_stream::{LineOwner, check};
use super::position::{Place, Position};
use super::problem::Problem;
use super::record::RawRecord;
use super::run::{EventFile, Mode, Run};

/// One line handed over by [`Run::scan`]: bytes borrowed from the read
/// buffer, nothing parsed or allocated.
///
/// ```
/// # use basis_events::reader::Run;
/// # let root = tempfile::tempdir()?;
/// # let events = root.path().join("abc123/7/events");
/// # std::fs::create_dir_all(&events)?;
/// std::fs::write(events.join("positions.jsonl"), "a\n")?;
/// let mut seen = 0;
/// Run::open(&root.path().join("abc123"))?.scan(Some("PositionSnapshot"), None, |line| {
///     seen += line.unwrap().bytes().len();
///     std::ops::ControlFlow::Break(())
/// })?;
/// assert_eq!(seen, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ScanLine<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) file: &'a EventFile,
    pub(super) owner: LineOwner<'a>,
    pub(super) place: &'a std::sync::Arc<Place>,
    pub(super) line: u64,
}

impl<'a> ScanLine<'a> {
    /// The line without its `\n`, unchecked: it may not be UTF-8 or JSON.
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # let events = root.path().join("abc123/7/events");
    /// # std::fs::create_dir_all(&events)?;
    /// std::fs::write(events.join("positions.jsonl"), "a\nb\n")?;
    /// let mut lines = Vec::new();
    /// Run::open(&root.path().join("abc123"))?.scan(None, None, |line| {
    ///     lines.push(line.unwrap().bytes().to_vec());
    ///     std::ops::ControlFlow::Continue(())
    /// })?;
    /// assert_eq!(lines, [b"a", b"b"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The event the line's file holds, by the run's catalog.
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # let events = root.path().join("abc123/7/events");
    /// # std::fs::create_dir_all(&events)?;
    /// std::fs::write(events.join("positions.jsonl"), "a\n")?;
    /// Run::open(&root.path().join("abc123"))?.scan(None, None, |line| {
    ///     assert_eq!(line.unwrap().event(), "PositionSnapshot");
    ///     std::ops::ControlFlow::Continue(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn event(&self) -> &'a str {
        self.file.event()
    }

    /// The line as a record of its run, by the reader's one rule for a line
    /// (the rule [`Run::records`] applies): UTF-8, a JSON object with a valid
    /// envelope, the run's correlation id, its directory's pid, and a `seq`
    /// in a process with a catalog.
    ///
    /// # Errors
    ///
    /// [`Problem::BadLine`] at the line's position, saying what is wrong.
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # let events = root.path().join("abc123/7/events");
    /// # std::fs::create_dir_all(&events)?;
    /// std::fs::write(events.join("positions.jsonl"), "{\"pid\":7}\n")?;
    /// Run::open(&root.path().join("abc123"))?.scan(None, None, |line| {
    ///     let problem = line.unwrap().record().unwrap_err();
    ///     assert!(problem.to_string().contains("positions.jsonl:1"), "{problem}");
    ///     std::ops::ControlFlow::Continue(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record(&self) -> Result<RawRecord, Problem> {
        check(self.file, self.owner, self.bytes, self.position())
    }

    /// Where the line is (a shared pointer and a number: no allocation).
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # let events = root.path().join("abc123/7/events");
    /// # std::fs::create_dir_all(&events)?;
    /// std::fs::write(events.join("positions.jsonl"), "a\nb\n")?;
    /// let mut numbers = Vec::new();
    /// Run::open(&root.path().join("abc123"))?.scan(None, Some(b"b"), |line| {
    ///     numbers.push(line.unwrap().position().line());
    ///     std::ops::ControlFlow::Continue(())
    /// })?;
    /// assert_eq!(numbers, [2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn position(&self) -> Position {
        Position::at(self.place, self.line)
    }
}

impl Run {
    /// Calls `visit` with every complete line of the event files (of the
    /// event named `event`, or all), process by process and segment by
    /// segment in file order (not emit order: use [`Run::records`] for
    /// that), with the run's problems and each torn tail, over-long line and
    /// unreadable segment as an `Err`. With `needle`, lines that do not
    /// contain it are skipped in bulk (a SIMD search over the read buffer);
    /// a line handed over may still need its own check.
    ///
    /// `visit` returns [`ControlFlow::Break`] to stop early.
    ///
    /// # Errors
    ///
    /// In strict mode, the first problem ends the scan and is returned.
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// use basis_events::reader::{ReadOptions, Run};
    ///
    /// let root = tempfile::tempdir()?;
    /// let events = root.path().join("abc123/7/events");
    /// std::fs::create_dir_all(&events)?;
    /// std::fs::write(events.join("system_errors.jsonl"), "{\"x\":\"EXEC-001\"}\n{\"x\":\"POS-005\"}\n{\"x\":")?;
    /// let run = Run::open_with(&root.path().join("abc123"), ReadOptions::new().strict())?;
    /// let mut hits = 0;
    /// let result = run.scan(Some("SystemErrorEvent"), Some(b"POS-"), |line| {
    ///     hits += usize::from(line.is_ok());
    ///     ControlFlow::Continue(())
    /// });
    /// assert_eq!(hits, 1);
    /// assert!(result.unwrap_err().to_string().contains("torn tail"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scan(
        &self,
        event: Option<&str>,
        needle: Option<&[u8]>,
        mut visit: impl FnMut(Result<ScanLine<'_>, Problem>) -> ControlFlow<()>,
    ) -> Result<(), Problem> {
        let strict = self.options().mode() == Mode::Strict;
        let finder = needle.map(Finder::new);
        // Returns whether to stop.
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
                    let mut lines = BoundedLines::new(opened, limit);
                    let mut broken = false;
                    while !broken {
                        let place = segment.place();
                        let item = match lines.next_matching(finder.as_ref()) {
                            Ok(None) => break,
                            Ok(Some(Next::Line {
                                number,
                                bytes,
                                complete: true,
                            })) => Ok(ScanLine {
                                bytes,
                                file,
                                owner,
                                place,
                                line: number,
                            }),
                            Ok(Some(Next::Line {
                                number,
                                bytes,
                                complete: false,
                            })) => Err(Problem::TornTail {
                                position: Position::at(place, number),
                                len: bytes.len() as u64,
                            }),
                            Ok(Some(Next::TooLong { number, len, .. })) => Err(Problem::TooLong {
                                position: Position::at(place, number),
                                len,
                                limit,
                            }),
                            Err(err) => {
                                // A failed read leaves the segment's position unknown.
                                broken = true;
                                Err(Problem::io(segment.path(), err))
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
                }
            }
        }
        Ok(())
    }
}
