//! Emit order: the files of a process merged by `seq` (with gaps and
//! repeats found on the way), and the processes of a run merged by engine
//! time, then pid, then `seq`. One buffered record per file and per
//! process: memory is bounded by the largest line, not the run.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::file_stream::FileStream;
use super::position::Position;
use super::problem::Problem;
use super::record::RawRecord;

/// A buffered record and the index of the stream it came from.
#[derive(Debug)]
struct Head {
    record: RawRecord,
    source: usize,
}

impl Head {
    /// The order within a process: by `seq` when both lines have one; by
    /// engine time, then wall-clock time, when one lacks it (an older run:
    /// approximate), and the file's place as the tie-break. A process
    /// mixing both kinds of line (never written by one binary) gets an order
    /// that is not total; the heap stays sound, the order is only as good as
    /// the times, and `approximate` says so.
    fn within_process(&self, other: &Head) -> Ordering {
        let (a, b) = (self.record.envelope(), other.record.envelope());
        match (a.seq, b.seq) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => (a.timestamp, a.real_utc_time).cmp(&(b.timestamp, b.real_utc_time)),
        }
        .then(self.source.cmp(&other.source))
    }

    /// The order across processes: engine time, then pid, then `seq`.
    fn across_processes(&self, other: &Head) -> Ordering {
        let (a, b) = (self.record.envelope(), other.record.envelope());
        (a.timestamp, a.pid, a.seq, self.source).cmp(&(b.timestamp, b.pid, b.seq, other.source))
    }
}

/// A [`Head`] ordered by one of its two orders, for the heap.
#[derive(Debug)]
struct Ordered<const ACROSS: bool>(Head);

impl<const ACROSS: bool> Ord for Ordered<ACROSS> {
    fn cmp(&self, other: &Self) -> Ordering {
        if ACROSS {
            self.0.across_processes(&other.0)
        } else {
            self.0.within_process(&other.0)
        }
    }
}

impl<const ACROSS: bool> PartialOrd for Ordered<ACROSS> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<const ACROSS: bool> PartialEq for Ordered<ACROSS> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<const ACROSS: bool> Eq for Ordered<ACROSS> {}

/// A k-way merge of record streams: problems pass through as soon as they
/// are read, one at a time (a flood of bad lines is never queued), records
/// come out in the heap's order.
#[derive(Debug)]
struct Merge<S, const ACROSS: bool> {
    sources: Vec<S>,
    heap: BinaryHeap<Reverse<Ordered<ACROSS>>>,
    /// Sources whose head is not in the heap yet, last first.
    to_refill: Vec<usize>,
    started: bool,
}

impl<S, const ACROSS: bool> Merge<S, ACROSS> {
    fn new(sources: Vec<S>) -> Self {
        Merge {
            sources,
            heap: BinaryHeap::new(),
            to_refill: Vec::new(),
            started: false,
        }
    }
}

impl<S: Iterator<Item = Result<RawRecord, Problem>>, const ACROSS: bool> Iterator
    for Merge<S, ACROSS>
{
    type Item = Result<RawRecord, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        if !self.started {
            self.started = true;
            self.to_refill = (0..self.sources.len()).rev().collect();
        }
        // Every source must have its head in the heap (or be done) before
        // the smallest head is known.
        while let Some(&source) = self.to_refill.last() {
            match self.sources[source].next() {
                Some(Ok(record)) => {
                    self.heap.push(Reverse(Ordered(Head { record, source })));
                    self.to_refill.pop();
                }
                // The source stays to be refilled: its next item is read
                // on the next call, so only one problem is held at a time.
                Some(Err(problem)) => return Some(Err(problem)),
                None => {
                    self.to_refill.pop();
                }
            }
        }
        let Reverse(Ordered(head)) = self.heap.pop()?;
        // What follows this record in its source comes after it.
        self.to_refill.push(head.source);
        Some(Ok(head.record))
    }
}

/// Every selected file of one process in emit order, with `seq` checked.
#[derive(Debug)]
pub(crate) struct ProcessStream<'r> {
    merge: Merge<FileStream<'r>, false>,
    pid: u32,
    /// Whether every file of the process is read, so a missing `seq` is a
    /// gap and not a line of a file not selected.
    check_gaps: bool,
    last: Option<(u64, Position)>,
    ready: Option<RawRecord>,
    unsequenced: bool,
}

impl<'r> ProcessStream<'r> {
    pub(crate) fn new(pid: u32, files: Vec<FileStream<'r>>, check_gaps: bool) -> Self {
        ProcessStream {
            merge: Merge::new(files),
            pid,
            check_gaps,
            last: None,
            ready: None,
            unsequenced: false,
        }
    }

    /// Whether a line without `seq` was read: the order is then approximate.
    pub(crate) fn unsequenced(&self) -> bool {
        self.unsequenced
    }
}

impl Iterator for ProcessStream<'_> {
    type Item = Result<RawRecord, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(record) = self.ready.take() {
            return Some(Ok(record));
        }
        let record = match self.merge.next()? {
            Ok(record) => record,
            Err(problem) => return Some(Err(problem)),
        };
        let Some(seq) = record.envelope().seq else {
            self.unsequenced = true;
            return Some(Ok(record));
        };
        let previous = self.last.as_ref().map_or(0, |(seq, _)| *seq);
        if seq <= previous {
            return Some(Err(Problem::Repeat {
                pid: self.pid,
                seq,
                previous,
                at: record.position().clone(),
            }));
        }
        let after = self
            .last
            .replace((seq, record.position().clone()))
            .map(|(_, position)| position);
        if self.check_gaps && seq > previous + 1 {
            let gap = Problem::Gap {
                pid: self.pid,
                first: previous + 1,
                last: seq - 1,
                at: record.position().clone(),
                after,
            };
            self.ready = Some(record);
            return Some(Err(gap));
        }
        Some(Ok(record))
    }
}

/// Every process of a run merged by engine time, then pid, then `seq`.
#[derive(Debug)]
pub(crate) struct RunStream<'r> {
    merge: Merge<ProcessStream<'r>, true>,
}

impl<'r> RunStream<'r> {
    pub(crate) fn new(processes: Vec<ProcessStream<'r>>) -> Self {
        RunStream {
            merge: Merge::new(processes),
        }
    }

    /// Whether any line read so far had no `seq`.
    pub(crate) fn unsequenced(&self) -> bool {
        self.merge.sources.iter().any(ProcessStream::unsequenced)
    }
}

impl Iterator for RunStream<'_> {
    type Item = Result<RawRecord, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        self.merge.next()
    }
}
