//! The records of one event file of one process, across its segments in
//! order: each line checked (UTF-8, envelope, correlation id, pid) or
//! turned into a [`Problem`].

use std::sync::Arc;

use super::bounded::{BoundedLines, Next};
use super::position::{Place, Position};
use super::problem::{LineFault, Problem};
use super::record::RawRecord;
use super::run::{EventFile, Process, SegmentReader};
use crate::Envelope;

/// Reads one event file of one process; one buffered line at a time.
#[derive(Debug)]
pub(crate) struct FileStream<'r> {
    file: &'r EventFile,
    pid: u32,
    correlation_id: &'r str,
    sequenced: bool,
    limit: usize,
    next_segment: usize,
    current: Option<Current<'r>>,
}

#[derive(Debug)]
struct Current<'r> {
    lines: BoundedLines<SegmentReader>,
    place: &'r Arc<Place>,
}

impl<'r> FileStream<'r> {
    pub(crate) fn new(
        process: &'r Process,
        file: &'r EventFile,
        correlation_id: &'r str,
        limit: usize,
    ) -> Self {
        FileStream {
            file,
            pid: process.pid(),
            correlation_id,
            sequenced: process.catalog_from_run(),
            limit,
            next_segment: 0,
            current: None,
        }
    }

    /// Opens the next segment, or says why it cannot be read.
    fn open_next(&mut self) -> Option<Result<(), Problem>> {
        let segment = self.file.segments().get(self.next_segment)?;
        self.next_segment += 1;
        Some(segment.open().map(|reader| {
            self.current = Some(Current {
                lines: BoundedLines::new(reader, self.limit),
                place: segment.place(),
            });
        }))
    }
}

impl Iterator for FileStream<'_> {
    type Item = Result<RawRecord, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let Some(current) = self.current.as_mut() else {
                match self.open_next()? {
                    Ok(()) => continue,
                    Err(problem) => return Some(Err(problem)),
                }
            };
            let at = |line| Position::at(current.place, line);
            let item = match current.lines.next_line() {
                Ok(Some(Next::Line {
                    number,
                    bytes,
                    complete: true,
                })) => check(
                    self.file,
                    LineOwner {
                        pid: self.pid,
                        correlation_id: self.correlation_id,
                        sequenced: self.sequenced,
                    },
                    bytes,
                    at(number),
                ),
                Ok(Some(Next::Line {
                    number,
                    bytes,
                    complete: false,
                })) => Err(Problem::TornTail {
                    position: at(number),
                    len: bytes.len() as u64,
                }),
                Ok(Some(Next::TooLong { number, len, .. })) => Err(Problem::TooLong {
                    position: at(number),
                    len,
                    limit: self.limit,
                }),
                Ok(None) => {
                    self.current = None;
                    continue;
                }
                Err(err) => {
                    let problem = Problem::io(current.place.path.clone(), err);
                    self.current = None;
                    Err(problem)
                }
            };
            return Some(item);
        }
    }
}

/// Whose lines a file holds: what a line's envelope must say.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineOwner<'a> {
    pub(crate) pid: u32,
    pub(crate) correlation_id: &'a str,
    /// The process has a `catalog.json`, so every line has a `seq`.
    pub(crate) sequenced: bool,
}

/// One complete line as a record of `file` of `owner`, or why it is not
/// one: the reader's one rule for a line, for [`Run::records`] and
/// [`ScanLine::record`] alike.
///
/// [`Run::records`]: super::Run::records
/// [`ScanLine::record`]: super::ScanLine::record
pub(crate) fn check(
    file: &EventFile,
    owner: LineOwner<'_>,
    bytes: &[u8],
    position: Position,
) -> Result<RawRecord, Problem> {
    let LineOwner {
        pid,
        correlation_id,
        sequenced,
    } = owner;
    let bad = |reason| Problem::BadLine {
        position: position.clone(),
        reason,
    };
    let text = std::str::from_utf8(bytes).map_err(|err| {
        bad(LineFault::NotUtf8 {
            valid_up_to: err.valid_up_to(),
        })
    })?;
    // The derived `Deserialize` of the envelope skips the payload's keys
    // without building them: no tree of the line is made.
    let envelope: Envelope =
        serde_json::from_str(text).map_err(|err| bad(LineFault::NotJson(Arc::new(err))))?;
    if envelope.correlation_id != correlation_id {
        return Err(bad(LineFault::WrongCorrelationId {
            found: envelope.correlation_id,
            expected: correlation_id.to_owned(),
        }));
    }
    if envelope.pid != pid {
        return Err(bad(LineFault::WrongPid {
            found: envelope.pid,
            expected: pid,
        }));
    }
    if sequenced && envelope.seq.is_none() {
        return Err(bad(LineFault::NoSeq));
    }
    Ok(RawRecord::shared(
        text.to_owned(),
        file.shared_event(),
        file.version(),
        envelope,
        position,
    ))
}
