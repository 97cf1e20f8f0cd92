//! One file's buffer: the batch being filled, full batches waiting for the
//! writer, and the backpressure that bounds both.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::error::LogError;
use super::rotate::FileState;

/// Everything the loggers keep for one file.
///
/// Lock order: `file` before `pending`. Batches are popped from `pending`
/// only while `file` is held, and written before `file` is released, so
/// batches reach the file in the order they were formed whoever writes them
/// (the writer thread, or a caller's `flush`).
pub(crate) struct Slot {
    pub(crate) name: String,
    pub(crate) path: PathBuf,
    pub(crate) pending: Mutex<Pending>,
    /// Signalled when buffered bytes were written, for callers waiting on
    /// backpressure.
    pub(crate) space: Condvar,
    pub(crate) file: Mutex<FileState>,
    /// Lines written to the file.
    pub(crate) written: AtomicU64,
    /// Lines accepted and then lost to a write error.
    pub(crate) lost: AtomicU64,
    /// An error the writer thread met, returned by the next `flush`.
    pub(crate) deferred: Mutex<Option<LogError>>,
}

/// A run of whole lines, written with one `write`.
pub(crate) struct Batch {
    pub(crate) bytes: Vec<u8>,
    pub(crate) events: u64,
}

pub(crate) struct Pending {
    current: Vec<u8>,
    current_events: u64,
    /// When the first event of `current` was accepted.
    first_at: Option<Instant>,
    full: VecDeque<Batch>,
    /// Bytes held in `current` and `full` and not yet written.
    pub(crate) held_bytes: usize,
    /// Emptied batch buffers, reused so a steady run does not allocate.
    spare: Vec<Vec<u8>>,
}

/// What [`Pending::push`] asks of the caller afterwards.
pub(crate) enum Pushed {
    /// Buffered; nothing to do.
    Buffered,
    /// A batch is full: wake the writer.
    BatchFull,
}

impl Pending {
    pub(crate) fn new() -> Self {
        Pending {
            current: Vec::new(),
            current_events: 0,
            first_at: None,
            full: VecDeque::new(),
            held_bytes: 0,
            spare: Vec::new(),
        }
    }

    /// Appends one line (with its `\n`).
    pub(crate) fn push(&mut self, line: &[u8], batch_events: usize) -> Pushed {
        if self.current_events == 0 {
            self.first_at = Some(Instant::now());
            if self.current.capacity() == 0
                && let Some(spare) = self.spare.pop()
            {
                self.current = spare;
            }
        }
        self.current.extend_from_slice(line);
        self.current_events += 1;
        self.held_bytes += line.len();
        // A batch also closes at 1 MiB, so one file of huge events cannot
        // hold an unbounded batch.
        if self.current_events >= batch_events as u64 || self.current.len() >= 1 << 20 {
            self.close_current();
            Pushed::BatchFull
        } else {
            Pushed::Buffered
        }
    }

    /// Closes the batch being filled, if any, so the writer takes it now:
    /// a caller waiting for space would otherwise wait for the timer.
    pub(crate) fn seal(&mut self) {
        if self.current_events > 0 {
            self.close_current();
        }
    }

    fn close_current(&mut self) {
        let bytes = std::mem::take(&mut self.current);
        self.full.push_back(Batch {
            bytes,
            events: self.current_events,
        });
        self.current_events = 0;
        self.first_at = None;
    }

    /// How many batches a drain may pop now: every full one, plus the one
    /// being filled if `include_current`.
    pub(crate) fn ready(&self, include_current: bool) -> usize {
        self.full.len() + usize::from(include_current && self.current_events > 0)
    }

    /// The oldest batch to write: a full one, else (if `include_current`) the
    /// one being filled.
    pub(crate) fn pop(&mut self, include_current: bool) -> Option<Batch> {
        if self.full.is_empty() && include_current && self.current_events > 0 {
            self.close_current();
        }
        self.full.pop_front()
    }

    /// Gives a written batch's buffer back.
    pub(crate) fn recycle(&mut self, mut bytes: Vec<u8>, len: usize) {
        self.held_bytes -= len;
        if self.spare.len() < 4 {
            bytes.clear();
            self.spare.push(bytes);
        }
    }

    /// Whether something waits for the writer thread: a full batch, or a
    /// batch older than `interval`. Otherwise, when the current batch is due.
    pub(crate) fn due(&self, now: Instant, interval: Duration) -> Due {
        if !self.full.is_empty() {
            return Due::Now {
                include_current: false,
            };
        }
        match self.first_at {
            Some(first) if now.duration_since(first) >= interval => Due::Now {
                include_current: true,
            },
            Some(first) => Due::In(interval - now.duration_since(first)),
            None => Due::Idle,
        }
    }
}

/// When a slot next needs the writer thread.
pub(crate) enum Due {
    Now { include_current: bool },
    In(Duration),
    Idle,
}
