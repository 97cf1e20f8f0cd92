//! The handle side of the writer thread: the bounded queue callers push
//! events on, and what travels over it.
//!
//! Callers only ever push; the writer thread (see `worker.rs`) only ever
//! takes. This module knows nothing of files or of the thread itself, so
//! neither side imports the other through it.

use std::collections::VecDeque;
use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::error::LogError;

/// A line waiting in the queue, rendered by the writer thread.
pub(crate) trait Render: Send {
    /// The index of the line's file, from `Writer::slot`.
    fn slot(&self) -> usize;
    /// The event's name, for errors.
    fn name(&self) -> &'static str;
    /// Writes the whole line, `\n` included, into `line`; `tail` is the
    /// writer's envelope tail, and `seq`, when given, follows it. Returns
    /// where in `line` the `seq` field goes (just after `tail`), so a line
    /// rendered without one can get it later ([`insert_seq`]).
    fn render(&self, tail: &[u8], seq: Option<u64>, line: &mut Vec<u8>) -> Result<usize, LogError>;
}

/// Appends `,"seq":N`: the envelope's last field.
pub(crate) fn write_seq(line: &mut Vec<u8>, seq: u64) {
    // Writing into a Vec cannot fail.
    let _ = write!(line, ",\"seq\":{seq}");
}

/// Puts `,"seq":N` into `line` (rendered without one) at `at`, where
/// [`Render::render`] said it goes.
pub(crate) fn insert_seq(line: &mut Vec<u8>, at: usize, seq: u64) {
    let mut field = [0u8; 32];
    let mut cursor = &mut field[..];
    // `,"seq":` and at most 20 digits fit in 32 bytes.
    let _ = write!(cursor, ",\"seq\":{seq}");
    let len = 32 - cursor.len();
    line.splice(at..at, field[..len].iter().copied());
}

pub(super) enum Msg {
    /// An event for the writer thread to render, with the seq it got when
    /// it was queued.
    Line(u64, Box<dyn Render>),
    /// A line the caller serialized itself, without its seq, which goes at
    /// `seq_at`.
    Rendered {
        slot: usize,
        line: Vec<u8>,
        seq_at: usize,
        seq: u64,
    },
    Flush(mpsc::SyncSender<Result<(), LogError>>),
    Stop,
}

/// The bounded queue from callers to the writer thread.
///
/// The writer takes everything queued at once, so a caller that found the
/// queue full wakes up to a whole queue of room: under load, callers and
/// writer hand over batches instead of waking each other once per event.
/// A caller wakes a sleeping writer only for a flush or a stop, or once
/// [`WAKE_BACKLOG`] lines wait; otherwise the writer takes the queue on its
/// own every half flush interval. A wake-up is a system call: this keeps it
/// off all but a few emits.
/// How many lines wait before a caller wakes the writer thread.
const WAKE_BACKLOG: usize = 512;

pub(super) struct Queue {
    state: Mutex<QueueState>,
    pub(super) capacity: usize,
    /// How many messages wait, read without the lock.
    pub(super) backlog: AtomicUsize,
    /// Signalled when the writer took the queue.
    not_full: Condvar,
    /// Signalled when something arrives while the writer waits.
    not_empty: Condvar,
}

struct QueueState {
    items: VecDeque<Msg>,
    /// The seq the next queued event gets. Kept under the queue's lock, so
    /// queue order and seq order are one order: the writer thread renders
    /// in queue order, and each file's lines come out with increasing seqs.
    next_seq: u64,
    writer_waiting: bool,
    /// Set by `wake`: a direct caller filled a batch.
    woken: bool,
}

impl Queue {
    pub(super) fn new(capacity: usize) -> Self {
        Queue {
            state: Mutex::new(QueueState {
                items: VecDeque::with_capacity(capacity.min(1 << 16)),
                next_seq: 1,
                writer_waiting: false,
                woken: false,
            }),
            capacity,
            backlog: AtomicUsize::new(0),
            not_full: Condvar::new(),
            not_empty: Condvar::new(),
        }
    }

    /// Appends `msg`, waiting while the queue is full (at most `timeout`,
    /// if given; the message comes back if it did not fit in time).
    pub(super) fn push(&self, msg: Msg, timeout: Option<Duration>) -> Result<(), Msg> {
        let deadline = timeout.map(|timeout| Instant::now() + timeout);
        let mut state = self.state.lock();
        while state.items.len() >= self.capacity {
            match deadline {
                None => self.not_full.wait(&mut state),
                Some(deadline) => {
                    if self.not_full.wait_until(&mut state, deadline).timed_out() {
                        return Err(msg);
                    }
                }
            }
        }
        let urgent = matches!(msg, Msg::Flush(_) | Msg::Stop);
        let mut msg = msg;
        // Only an event that is queued takes a seq: a refused one leaves no
        // gap.
        if let Msg::Line(seq, _) | Msg::Rendered { seq, .. } = &mut msg {
            *seq = state.next_seq;
            state.next_seq += 1;
        }
        state.items.push_back(msg);
        self.backlog.store(state.items.len(), Ordering::Relaxed);
        if state.writer_waiting && (urgent || state.items.len() >= WAKE_BACKLOG.min(self.capacity))
        {
            state.writer_waiting = false;
            self.not_empty.notify_one();
        }
        Ok(())
    }

    /// Runs `write` with the next seq, under the queue's lock (no event can
    /// be queued meanwhile); the seq is used up only if `write` succeeds, so
    /// a refused event leaves no gap. For events written by their caller.
    pub(super) fn with_next_seq<R>(
        &self,
        write: impl FnOnce(u64) -> Result<R, LogError>,
    ) -> Result<R, LogError> {
        let mut state = self.state.lock();
        let result = write(state.next_seq);
        if result.is_ok() {
            state.next_seq += 1;
        }
        result
    }

    /// Makes `next` the seq of the next event (a logger resuming a
    /// directory written before).
    pub(super) fn set_next_seq(&self, next: u64) {
        self.state.lock().next_seq = next;
    }

    /// Tells a waiting writer to look at the files now.
    pub(super) fn wake(&self) {
        let mut state = self.state.lock();
        state.woken = true;
        if state.writer_waiting {
            state.writer_waiting = false;
            self.not_empty.notify_one();
        }
    }

    /// Takes everything queued into `into` (empty on entry), waiting up to
    /// `timeout` if nothing is.
    pub(super) fn take(&self, into: &mut VecDeque<Msg>, timeout: Duration) {
        let mut state = self.state.lock();
        if state.items.is_empty() && !state.woken {
            state.writer_waiting = true;
            self.not_empty.wait_for(&mut state, timeout);
            state.writer_waiting = false;
        }
        state.woken = false;
        let was_full = state.items.len() >= self.capacity;
        std::mem::swap(&mut state.items, into);
        self.backlog.store(0, Ordering::Relaxed);
        drop(state);
        if was_full {
            self.not_full.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A push into a full queue waits for room until its timeout, then
    /// gives the message back. Mutant seen to fail: the deadline as
    /// `Instant::now() - timeout` (a push that gives up at once).
    #[test]
    fn a_push_into_a_full_queue_waits_its_timeout_then_gives_the_message_back() {
        let queue = Queue::new(1);
        assert!(queue.push(Msg::Stop, None).is_ok());
        let timeout = Duration::from_millis(200);
        let started = Instant::now();
        let refused = queue.push(Msg::Stop, Some(timeout));
        let waited = started.elapsed();
        assert!(matches!(refused, Err(Msg::Stop)));
        assert!(waited >= timeout, "gave up after {waited:?}");
        assert!(waited < timeout * 10, "waited {waited:?}");
        let mut taken = VecDeque::new();
        queue.take(&mut taken, Duration::ZERO);
        assert_eq!(taken.len(), 1);
        assert!(queue.push(Msg::Stop, Some(timeout)).is_ok());
    }
}
