//! The writer shared by the event logger and the component logs: per-file
//! buffers, the background thread that fills and writes them, flush and
//! shutdown.
//!
//! Two ways in, one way out:
//!
//! - **Queued** (domain events, buffered and durable modes): `emit` reads the
//!   clocks, checks the event, and pushes it on a bounded queue. The writer
//!   thread serializes each event into its file's batch and writes a batch
//!   when it holds `batch_events` events. The caller's cost is a clock read
//!   and a queue push; when the queue is full the caller waits
//!   (backpressure).
//! - **Direct** (component logs, and line mode): the caller serializes the
//!   line and appends it to the file's batch itself (or, in line mode, writes
//!   it); a full batch wakes the writer thread.
//!
//! Either way the writer thread also writes what has waited for half the
//! flush interval (so no line waits longer than the guide's 5 seconds), so
//! an idle engine's events still reach the disk, and `flush`/`shutdown`
//! write everything. One queue per logger
//! keeps each thread's events in order; batches of one file are written in
//! the order they were formed (see [`Slot`]).
//!
//! This module holds what both sides share (the files, flush, shutdown);
//! `queue.rs` is how callers hand lines over, `worker.rs` the thread's loop.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, mpsc};
use std::thread::{self, JoinHandle, ThreadId};
use std::time::Duration;

use parking_lot::{Condvar, Mutex, RwLock};

use super::buffer::{Pending, Pushed, Slot};
use super::config::{Durability, LoggerConfig};
use super::error::{ErrorCounts, ErrorKind, ErrorReporter, LogError};
use super::live::Flushable;
use super::queue::{Msg, Queue, Render, insert_seq};
use super::rotate::FileState;

pub(crate) struct Writer {
    pub(super) dir: PathBuf,
    pub(crate) config: LoggerConfig,
    pub(super) slots: RwLock<Vec<Arc<Slot>>>,
    /// Set by `shutdown`: every later line is refused.
    pub(super) closed: AtomicBool,
    /// Queued pushes under way; shutdown waits for them before stopping
    /// the writer, so a line is either refused or written.
    pub(super) inflight: AtomicUsize,
    pub(super) queue: Option<Queue>,
    /// The next seq in line mode, where there is no queue to keep it; held
    /// while an event is written.
    pub(super) line_seq: Mutex<u64>,
    pub(super) thread: Mutex<Option<JoinHandle<()>>>,
    pub(super) thread_id: OnceLock<ThreadId>,
    /// Bytes every queued line carries after its timestamps
    /// (`,"correlation_id":"…","pid":N` for events).
    pub(super) envelope_tail: Box<[u8]>,
    /// Buffers of caller-serialized lines, handed back by the writer thread:
    /// allocating on one thread and freeing on another makes the allocator
    /// contend.
    pub(super) line_pool: Mutex<Vec<Vec<u8>>>,
    pub(crate) errors: ErrorReporter,
}

/// How many spare line buffers the pool keeps.
pub(super) const LINE_POOL: usize = 4096;

/// Lines written and lost per file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileCounts {
    /// Lines written to the file (all segments).
    pub written: u64,
    /// Lines accepted and then lost to a write error (each loss was also
    /// returned as [`LogError::Lost`] or, for an event the writer thread
    /// could not serialize, as [`LogError::Serialize`]).
    pub lost: u64,
}

// === impl Writer ===

impl Writer {
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The index of `name`'s slot (a plain file name in the directory),
    /// opening the file if it is new.
    pub(crate) fn slot(&self, name: &str) -> Result<usize, LogError> {
        if let Some(index) = self.slots.read().iter().position(|s| s.name == name) {
            return Ok(index);
        }
        let mut slots = self.slots.write();
        if let Some(index) = slots.iter().position(|s| s.name == name) {
            return Ok(index);
        }
        let file = FileState::open(&self.dir, name, &self.config)?;
        slots.push(Arc::new(Slot {
            name: name.to_owned(),
            path: file.path().to_owned(),
            pending: Mutex::new(Pending::new()),
            space: Condvar::new(),
            file: Mutex::new(file),
            written: AtomicU64::new(0),
            lost: AtomicU64::new(0),
            deferred: Mutex::new(None),
        }));
        Ok(slots.len() - 1)
    }

    pub(crate) fn slot_at(&self, index: usize) -> Option<Arc<Slot>> {
        self.slots.read().get(index).cloned()
    }

    pub(super) fn slots(&self) -> Vec<Arc<Slot>> {
        self.slots.read().clone()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Whether lines go through the queue and the writer thread.
    pub(crate) fn is_queued(&self) -> bool {
        self.queue.is_some()
    }

    /// Hands a line to the writer thread; waits while the queue is full.
    pub(crate) fn enqueue(&self, line: Box<dyn Render>) -> Result<(), LogError> {
        self.enqueue_msg(Msg::Line(0, line), None)
    }

    /// Queues `msg` unless the writer is shut down; waits while the queue
    /// is full (at most `timeout`, if given).
    fn enqueue_msg(&self, msg: Msg, timeout: Option<Duration>) -> Result<(), LogError> {
        let Some(queue) = &self.queue else {
            return Err(LogError::Shutdown);
        };
        // Counted before `closed` is read: shutdown sets `closed`, then waits
        // for this count to drop to zero, then stops the writer.
        self.inflight.fetch_add(1, Ordering::SeqCst);
        let result = if self.is_closed() {
            Err(LogError::Shutdown)
        } else {
            queue.push(msg, timeout).map_err(|_| LogError::Shutdown)
        };
        self.inflight.fetch_sub(1, Ordering::SeqCst);
        result
    }

    /// Whether the writer thread is behind: more than a quarter of the queue
    /// waits. A caller then serializes its line itself
    /// ([`Writer::enqueue_rendered`]), so the work spreads over the cores
    /// instead of piling up on the writer.
    pub(crate) fn is_behind(&self) -> bool {
        self.queue
            .as_ref()
            .is_some_and(|queue| queue.backlog.load(Ordering::Relaxed) > queue.capacity / 4)
    }

    /// An empty buffer for a line the caller serializes itself.
    pub(crate) fn line_buffer(&self) -> Vec<u8> {
        self.line_pool
            .lock()
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(512))
    }

    /// Hands a line the caller serialized (without its seq, which goes at
    /// `seq_at`) to the writer thread, in queue order with the other lines;
    /// waits while the queue is full. The seq is taken as it is queued.
    pub(crate) fn enqueue_rendered(
        &self,
        slot: usize,
        line: Vec<u8>,
        seq_at: usize,
    ) -> Result<(), LogError> {
        let msg = Msg::Rendered {
            slot,
            line,
            seq_at,
            seq: 0,
        };
        self.enqueue_msg(msg, None)
    }

    /// Runs `write` with the next seq, under the lock that orders events
    /// (the queue's, or in line mode the writer's own); the seq is used up
    /// only if `write` succeeds.
    fn with_next_seq(
        &self,
        write: impl FnOnce(u64) -> Result<(), LogError>,
    ) -> Result<(), LogError> {
        match &self.queue {
            Some(queue) => queue.with_next_seq(write),
            None => {
                let mut next = self.line_seq.lock();
                write(*next)?;
                *next += 1;
                Ok(())
            }
        }
    }

    /// Makes `next` the seq of the next event: a logger started on a
    /// directory that already has events continues their numbering.
    pub(crate) fn set_next_seq(&self, next: u64) {
        match &self.queue {
            Some(queue) => queue.set_next_seq(next),
            None => *self.line_seq.lock() = next,
        }
    }

    /// Writes one event's line (rendered without its seq, which goes at
    /// `seq_at`) before returning, whatever the mode: line mode, and the
    /// event types written immediately (`LoggerConfig::immediate`). The
    /// file's buffered lines, if any, are written first, and the seq is
    /// taken under the file's lock, so the file's seqs keep increasing; it
    /// is used up only if the write succeeds (a refused event leaves no
    /// gap). In durable mode the line is also synced.
    pub(crate) fn write_event_now(
        &self,
        slot: &Slot,
        line: &mut Vec<u8>,
        seq_at: usize,
    ) -> Result<(), LogError> {
        let mut file = slot.file.lock();
        // Checked under the file lock: shutdown takes it after closing.
        if self.is_closed() {
            return Err(LogError::Shutdown);
        }
        if slot.pending.lock().ready(true) > 0
            && let Err(error) = self.drain_locked(slot, &mut file, true)
        {
            self.defer(slot, error);
        }
        self.with_next_seq(|seq| {
            insert_seq(line, seq_at, seq);
            // A failed write leaves no partial line (the file is cut back),
            // so the seq is free for the next event.
            let outcome = file
                .write_lines(line, &self.config)
                .map_err(|(_, err)| err)?;
            slot.written.fetch_add(1, Ordering::Relaxed);
            if outcome.reopened {
                self.report_reopened(slot);
            }
            Ok(())
        })?;
        // After the seq is used up: the line is in the file even if the sync
        // fails, and its seq must not be given again.
        if self.config.durability == Durability::Durable {
            file.sync()?;
        }
        Ok(())
    }

    /// Appends one line (ending in `\n`) serialized by the caller: buffered,
    /// or written now in line mode. Errors are returned, not reported.
    pub(crate) fn push(&self, slot: &Slot, line: &[u8]) -> Result<(), LogError> {
        if !self.is_queued() {
            let mut file = slot.file.lock();
            // Checked under the file lock: shutdown takes it after closing.
            if self.is_closed() {
                return Err(LogError::Shutdown);
            }
            return match file.write_lines(line, &self.config) {
                Ok(outcome) => {
                    slot.written.fetch_add(1, Ordering::Relaxed);
                    if outcome.reopened {
                        self.report_reopened(slot);
                    }
                    Ok(())
                }
                Err((_, err)) => Err(err),
            };
        }
        let mut pending = slot.pending.lock();
        loop {
            // Checked under the buffer lock: shutdown's last drain takes it
            // after closing, so an accepted line is always drained.
            if self.is_closed() {
                return Err(LogError::Shutdown);
            }
            if pending.held_bytes < self.config.max_buffered_bytes {
                break;
            }
            pending.seal();
            self.wake_worker();
            slot.space
                .wait_for(&mut pending, Duration::from_millis(100));
        }
        let pushed = pending.push(line, self.config.batch_events);
        drop(pending);
        if let Pushed::BatchFull = pushed {
            self.wake_worker();
        }
        Ok(())
    }

    fn wake_worker(&self) {
        if let Some(queue) = &self.queue {
            queue.wake();
        }
    }

    fn on_writer_thread(&self) -> bool {
        self.thread_id.get() == Some(&thread::current().id())
    }

    /// Writes `slot`'s ready batches in order, and `fdatasync`s in durable
    /// mode. Returns the errors met, combined; every error is reported.
    pub(super) fn drain(&self, slot: &Slot, include_current: bool) -> Result<(), LogError> {
        self.drain_locked(slot, &mut slot.file.lock(), include_current)
    }

    fn drain_locked(
        &self,
        slot: &Slot,
        file: &mut FileState,
        include_current: bool,
    ) -> Result<(), LogError> {
        // Pop only what is ready now, so a flush ends while others emit.
        let mut budget = slot.pending.lock().ready(include_current);
        let mut first_error = None;
        let mut wrote = false;
        while budget > 0 {
            budget -= 1;
            let Some(batch) = slot.pending.lock().pop(include_current) else {
                break;
            };
            let len = batch.bytes.len();
            match file.write_lines(&batch.bytes, &self.config) {
                Ok(outcome) => {
                    wrote = true;
                    slot.written.fetch_add(batch.events, Ordering::Relaxed);
                    if outcome.reopened {
                        self.report_reopened(slot);
                    }
                }
                Err((done, cause)) => {
                    let written =
                        batch.bytes[..done].iter().filter(|&&b| b == b'\n').count() as u64;
                    let lost = batch.events - written;
                    slot.written.fetch_add(written, Ordering::Relaxed);
                    slot.lost.fetch_add(lost, Ordering::Relaxed);
                    let error = LogError::Lost {
                        path: slot.path.clone(),
                        events: lost,
                        cause: Box::new(cause),
                    };
                    self.errors.report(&error);
                    first_error = Some(LogError::combine(first_error, error));
                }
            }
            slot.pending.lock().recycle(batch.bytes, len);
            slot.space.notify_all();
        }
        if wrote
            && first_error.is_none()
            && self.config.durability == Durability::Durable
            && let Err(error) = file.sync()
        {
            self.errors.report(&error);
            first_error = Some(error);
        }
        first_error.map_or(Ok(()), Err)
    }

    fn report_reopened(&self, slot: &Slot) {
        self.errors.report_kind(
            ErrorKind::FileReplaced,
            &format_args!(
                "`{}` was removed or replaced while open; a new file was started",
                slot.path.display()
            ),
        );
    }

    /// Writes every batch of every file now, on this thread, and returns the
    /// errors met since the last flush (including the writer thread's),
    /// combined so that together they name every event lost.
    pub(super) fn flush_slots(&self) -> Result<(), LogError> {
        let mut errors = None;
        for slot in self.slots() {
            let result = self.drain(&slot, true);
            if let Some(deferred) = slot.deferred.lock().take() {
                errors = Some(LogError::combine(errors, deferred));
            }
            if let Err(error) = result {
                errors = Some(LogError::combine(errors, error));
            }
        }
        errors.map_or(Ok(()), Err)
    }

    /// Writes every line accepted before the call, of every file.
    pub(crate) fn flush(&self) -> Result<(), LogError> {
        if self.is_queued() && !self.on_writer_thread() {
            // Queued lines are ahead of the request; the writer answers once
            // it has rendered and written them. Queued like a line, so a
            // racing shutdown either refuses it or stops the writer after it.
            let (reply, answer) = mpsc::sync_channel(1);
            if self.enqueue_msg(Msg::Flush(reply), None).is_ok()
                && let Ok(result) = answer.recv()
            {
                return result;
            }
        }
        // Line mode, or the writer has stopped: nothing is queued.
        self.flush_slots()
    }

    /// Like `flush`, for the panic hook: never waits long on a lock or on
    /// the writer thread, and gives up on what it cannot reach.
    pub(crate) fn flush_for_panic(&self) {
        if self.is_queued() && !self.on_writer_thread() {
            let (reply, answer) = mpsc::sync_channel(1);
            if self
                .enqueue_msg(Msg::Flush(reply), Some(Duration::from_millis(500)))
                .is_ok()
                && answer.recv_timeout(Duration::from_secs(2)).is_ok()
            {
                return;
            }
        }
        for slot in self.slots() {
            if let Some(mut file) = slot.file.try_lock_for(Duration::from_millis(200)) {
                let _ = self.drain_locked(&slot, &mut file, true);
            }
        }
    }

    /// Refuses every later line, writes everything, and stops the writer
    /// thread. A second call only flushes again (nothing is left).
    pub(crate) fn shutdown(&self) -> Result<(), LogError> {
        let first = !self.closed.swap(true, Ordering::SeqCst);
        if first {
            while self.inflight.load(Ordering::SeqCst) != 0 {
                thread::yield_now();
            }
            if let Some(queue) = &self.queue {
                let _ = queue.push(Msg::Stop, None);
            }
            let handle = self.thread.lock().take();
            if let Some(handle) = handle
                && handle.thread().id() != thread::current().id()
            {
                let _ = handle.join();
            }
            // Wake callers waiting on backpressure: they see `closed`.
            for slot in self.slots() {
                slot.space.notify_all();
            }
            super::live::unregister(self);
        }
        self.flush_slots()
    }

    pub(crate) fn counts(&self) -> Vec<(String, FileCounts)> {
        self.slots()
            .iter()
            .map(|slot| {
                (
                    slot.name.clone(),
                    FileCounts {
                        written: slot.written.load(Ordering::Relaxed),
                        lost: slot.lost.load(Ordering::Relaxed),
                    },
                )
            })
            .collect()
    }

    pub(crate) fn error_counts(&self) -> ErrorCounts {
        self.errors.counts()
    }

    /// Keeps an error of the writer thread for the next `flush`.
    pub(super) fn defer(&self, slot: &Slot, error: LogError) {
        self.errors.report(&error);
        let mut deferred = slot.deferred.lock();
        *deferred = Some(LogError::combine(deferred.take(), error));
    }
}

impl Flushable for Writer {
    fn flush_for_panic(&self) {
        Writer::flush_for_panic(self);
    }
}
