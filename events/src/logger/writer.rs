//! The writer shared by the event logger and the component logs: per-file
//! buffers, the background thread that writes them, flush and shutdown.
//!
//! Callers append whole lines to a file's [`Slot`]. A full batch (the
//! guide's 100 events) wakes the writer thread, which writes it with one
//! `write`; the same thread writes any batch older than the flush interval
//! (the guide's 5 seconds), so an idle engine's events still reach the disk.
//! `flush` and `shutdown` write everything on the caller's thread. When the
//! writer falls behind, a caller waits (`max_buffered_bytes` per file): memory
//! stays bounded and nothing is dropped.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex, RwLock};

use super::buffer::{Due, Pending, Pushed, Slot};
use super::config::{Durability, LoggerConfig};
use super::error::{ErrorCounts, ErrorKind, ErrorReporter, LogError};
use super::rotate::FileState;

pub(crate) struct Writer {
    dir: PathBuf,
    pub(crate) config: LoggerConfig,
    slots: RwLock<Vec<Arc<Slot>>>,
    /// Set by `shutdown`: every later push is refused.
    closed: AtomicBool,
    /// Tells the writer thread to exit.
    stop: AtomicBool,
    thread: Mutex<Option<JoinHandle<()>>>,
    thread_handle: OnceLock<Thread>,
    pub(crate) errors: ErrorReporter,
}

/// Lines written and lost per file, at shutdown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileCounts {
    /// Lines written to the file (all segments).
    pub written: u64,
    /// Lines accepted by `emit` and then lost to a write error (each loss
    /// was also returned as [`LogError::Lost`]).
    pub lost: u64,
}

// === impl Writer ===

impl Writer {
    /// Creates the directory if needed, and starts the writer thread.
    pub(crate) fn start(
        dir: &Path,
        config: LoggerConfig,
        what: String,
    ) -> Result<Arc<Writer>, LogError> {
        fs::create_dir_all(dir).map_err(|err| LogError::io("create directory", dir, err))?;
        let writer = Arc::new(Writer {
            dir: dir.to_owned(),
            config,
            slots: RwLock::new(Vec::new()),
            closed: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            thread: Mutex::new(None),
            thread_handle: OnceLock::new(),
            errors: ErrorReporter::new(what),
        });
        if writer.config.durability != Durability::Line {
            let worker = Arc::downgrade(&writer);
            let handle = thread::Builder::new()
                .name("basis-log-writer".to_owned())
                .spawn(move || run_worker(worker))
                .map_err(|err| LogError::io("start the writer thread for", dir, err))?;
            let _ = writer.thread_handle.set(handle.thread().clone());
            *writer.thread.lock() = Some(handle);
        }
        super::live::register(&writer);
        Ok(writer)
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The slot of `name` (a plain file name in the directory), opening the
    /// file if it is new.
    pub(crate) fn slot(&self, name: &str) -> Result<Arc<Slot>, LogError> {
        if let Some(slot) = self.slots.read().iter().find(|s| s.name == name) {
            return Ok(slot.clone());
        }
        let mut slots = self.slots.write();
        if let Some(slot) = slots.iter().find(|s| s.name == name) {
            return Ok(slot.clone());
        }
        let file = FileState::open(&self.dir, name, &self.config)?;
        let slot = Arc::new(Slot {
            name: name.to_owned(),
            path: file.path().to_owned(),
            pending: Mutex::new(Pending::new()),
            space: Condvar::new(),
            file: Mutex::new(file),
            written: AtomicU64::new(0),
            lost: AtomicU64::new(0),
            deferred: Mutex::new(None),
        });
        slots.push(slot.clone());
        Ok(slot)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Appends one line (ending in `\n`) to `slot`'s file: buffered, or
    /// written now in line mode. Errors are returned, not reported; the
    /// caller reports them.
    pub(crate) fn push(&self, slot: &Slot, line: &[u8]) -> Result<(), LogError> {
        if self.config.durability == Durability::Line {
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
            slot.space.wait(&mut pending);
        }
        let pushed = pending.push(line, self.config.batch_events);
        drop(pending);
        if let Pushed::BatchFull = pushed {
            self.wake_worker();
        }
        Ok(())
    }

    fn wake_worker(&self) {
        if let Some(thread) = self.thread_handle.get() {
            thread.unpark();
        }
    }

    /// Writes `slot`'s ready batches in order, and `fdatasync`s in durable
    /// mode. Returns the first error; every error is reported.
    fn drain(&self, slot: &Slot, include_current: bool) -> Result<(), LogError> {
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
            let result = file.write_lines(&batch.bytes, &self.config);
            let len = batch.bytes.len();
            match result {
                Ok(outcome) => {
                    wrote = true;
                    slot.written.fetch_add(batch.events, Ordering::Relaxed);
                    if outcome.reopened {
                        self.report_reopened(slot);
                    }
                }
                Err((done, cause)) => {
                    let written = batch.bytes[..done].iter().filter(|&&b| b == b'\n').count();
                    let lost = batch.events - written as u64;
                    slot.written.fetch_add(written as u64, Ordering::Relaxed);
                    slot.lost.fetch_add(lost, Ordering::Relaxed);
                    let error = LogError::Lost {
                        path: slot.path.clone(),
                        events: lost,
                        cause: Box::new(cause),
                    };
                    self.errors.report(&error);
                    first_error.get_or_insert(error);
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

    fn slots(&self) -> Vec<Arc<Slot>> {
        self.slots.read().clone()
    }

    /// Writes every buffered line of every file; returns the first error met
    /// since the last flush (by this call or by the writer thread).
    pub(crate) fn flush(&self) -> Result<(), LogError> {
        let mut first_error = None;
        for slot in self.slots() {
            let result = self.drain(&slot, true);
            let deferred = slot.deferred.lock().take();
            if let Some(error) = deferred.or(result.err()) {
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Like `flush`, for the panic hook: gives up on a file whose lock is
    /// held for long (by the panicking thread, perhaps) instead of waiting.
    pub(crate) fn flush_for_panic(&self) {
        for slot in self.slots() {
            if let Some(mut file) = slot.file.try_lock_for(Duration::from_millis(200)) {
                let _ = self.drain_locked(&slot, &mut file, true);
            }
        }
    }

    /// Refuses every later push, writes everything, and stops the writer
    /// thread. A second call only reports the counts again.
    pub(crate) fn shutdown(&self) -> Result<(), LogError> {
        let first = !self.closed.swap(true, Ordering::AcqRel);
        if first {
            self.stop.store(true, Ordering::Release);
            self.wake_worker();
            if let Some(handle) = self.thread.lock().take() {
                let _ = handle.join();
            }
        }
        // Wake callers waiting on backpressure: they see `closed` and return.
        for slot in self.slots() {
            slot.space.notify_all();
        }
        let result = self.flush();
        if first {
            super::live::unregister(self);
        }
        result
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
}

// === the writer thread ===

/// Writes full batches as they come, and batches older than the flush
/// interval, until told to stop. Holds the writer weakly, so a logger that
/// is dropped without `shutdown` is still freed (its `Drop` shuts down).
fn run_worker(writer: Weak<Writer>) {
    loop {
        let Some(writer) = writer.upgrade() else {
            return;
        };
        if writer.stop.load(Ordering::Acquire) {
            return;
        }
        let interval = writer.config.flush_interval;
        let mut sleep = interval;
        let now = Instant::now();
        for slot in writer.slots() {
            let due = slot.pending.lock().due(now, interval);
            match due {
                Due::Now { include_current } => {
                    if let Err(error) = writer.drain(&slot, include_current) {
                        let mut deferred = slot.deferred.lock();
                        if deferred.is_none() {
                            *deferred = Some(error);
                        }
                    }
                    // More may be due already; look again soon.
                    sleep = Duration::ZERO;
                }
                Due::In(wait) => sleep = sleep.min(wait),
                Due::Idle => {}
            }
        }
        drop(writer);
        if !sleep.is_zero() {
            thread::park_timeout(sleep);
        }
    }
}
