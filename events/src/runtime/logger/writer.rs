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

use std::collections::VecDeque;
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, mpsc};
use std::thread::{self, JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex, RwLock};

use super::buffer::{Due, Pending, Pushed, Slot};
use super::config::{Durability, LoggerConfig};
use super::error::{ErrorCounts, ErrorKind, ErrorReporter, LogError};
use super::rotate::FileState;

/// A line waiting in the queue, rendered by the writer thread.
pub(crate) trait Render: Send {
    /// The index of the line's file, from [`Writer::slot`].
    fn slot(&self) -> usize;
    /// The event's name, for errors.
    fn name(&self) -> &'static str;
    /// Writes the whole line, `\n` included, into `line`; `tail` is the
    /// writer's envelope tail.
    fn render(&self, tail: &[u8], line: &mut Vec<u8>) -> Result<(), LogError>;
}

enum Msg {
    Line(Box<dyn Render>),
    /// A line the caller serialized itself, for the file of this index.
    Rendered(usize, Vec<u8>),
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

struct Queue {
    state: Mutex<QueueState>,
    capacity: usize,
    /// How many messages wait, read without the lock.
    backlog: AtomicUsize,
    /// Signalled when the writer took the queue.
    not_full: Condvar,
    /// Signalled when something arrives while the writer waits.
    not_empty: Condvar,
}

struct QueueState {
    items: VecDeque<Msg>,
    writer_waiting: bool,
    /// Set by `wake`: a direct caller filled a batch.
    woken: bool,
}

impl Queue {
    fn new(capacity: usize) -> Self {
        Queue {
            state: Mutex::new(QueueState {
                items: VecDeque::with_capacity(capacity.min(1 << 16)),
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
    fn push(&self, msg: Msg, timeout: Option<Duration>) -> Result<(), Msg> {
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
        state.items.push_back(msg);
        self.backlog.store(state.items.len(), Ordering::Relaxed);
        if state.writer_waiting && (urgent || state.items.len() >= WAKE_BACKLOG.min(self.capacity))
        {
            state.writer_waiting = false;
            self.not_empty.notify_one();
        }
        Ok(())
    }

    /// Tells a waiting writer to look at the files now.
    fn wake(&self) {
        let mut state = self.state.lock();
        state.woken = true;
        if state.writer_waiting {
            state.writer_waiting = false;
            self.not_empty.notify_one();
        }
    }

    /// Takes everything queued into `into` (empty on entry), waiting up to
    /// `timeout` if nothing is.
    fn take(&self, into: &mut VecDeque<Msg>, timeout: Duration) {
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

pub(crate) struct Writer {
    dir: PathBuf,
    pub(crate) config: LoggerConfig,
    slots: RwLock<Vec<Arc<Slot>>>,
    /// Set by `shutdown`: every later line is refused.
    closed: AtomicBool,
    /// Queued pushes under way; shutdown waits for them before stopping
    /// the writer, so a line is either refused or written.
    inflight: AtomicUsize,
    queue: Option<Queue>,
    thread: Mutex<Option<JoinHandle<()>>>,
    thread_id: OnceLock<ThreadId>,
    /// Bytes every queued line carries after its timestamps
    /// (`,"correlation_id":"…","pid":N` for events).
    envelope_tail: Box<[u8]>,
    /// Buffers of caller-serialized lines, handed back by the writer thread:
    /// allocating on one thread and freeing on another makes the allocator
    /// contend.
    line_pool: Mutex<Vec<Vec<u8>>>,
    pub(crate) errors: ErrorReporter,
}

/// How many spare line buffers the pool keeps.
const LINE_POOL: usize = 4096;

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
    /// Creates the directory if needed, and starts the writer thread (none
    /// in line mode, where callers write).
    pub(crate) fn start(
        dir: &Path,
        config: LoggerConfig,
        what: String,
        envelope_tail: Vec<u8>,
    ) -> Result<Arc<Writer>, LogError> {
        fs::create_dir_all(dir).map_err(|err| LogError::io("create directory", dir, err))?;
        let threaded = config.durability != Durability::Line;
        let queue = threaded.then(|| Queue::new(config.queue_events));
        let writer = Arc::new(Writer {
            dir: dir.to_owned(),
            config,
            slots: RwLock::new(Vec::new()),
            closed: AtomicBool::new(false),
            inflight: AtomicUsize::new(0),
            queue,
            thread: Mutex::new(None),
            thread_id: OnceLock::new(),
            envelope_tail: envelope_tail.into_boxed_slice(),
            line_pool: Mutex::new(Vec::new()),
            errors: ErrorReporter::new(what),
        });
        if threaded {
            let worker = writer.clone();
            let handle = thread::Builder::new()
                .name("basis-log-writer".to_owned())
                .spawn(move || run_worker(&worker))
                .map_err(|err| LogError::io("start the writer thread for", dir, err))?;
            let _ = writer.thread_id.set(handle.thread().id());
            *writer.thread.lock() = Some(handle);
        }
        super::live::register(&writer);
        Ok(writer)
    }

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

    fn slots(&self) -> Vec<Arc<Slot>> {
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
        self.enqueue_msg(Msg::Line(line), None)
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

    /// Hands a line the caller serialized to the writer thread, in queue
    /// order with the other lines; waits while the queue is full.
    pub(crate) fn enqueue_rendered(&self, slot: usize, line: Vec<u8>) -> Result<(), LogError> {
        self.enqueue_msg(Msg::Rendered(slot, line), None)
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
    fn flush_slots(&self) -> Result<(), LogError> {
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

    // === the writer thread's work ===

    /// Serializes one queued line into its file's batch; writes the batch
    /// when full.
    fn render_queued(&self, queued: &dyn Render, slot: &Slot, line: &mut Vec<u8>) {
        line.clear();
        // A panicking Serialize impl must not take the writer thread down.
        let rendered = catch_unwind(AssertUnwindSafe(|| {
            queued.render(&self.envelope_tail, line)
        }))
        .unwrap_or_else(|_| {
            Err(LogError::Serialize {
                event: queued.name(),
                source: <serde_json::Error as serde::ser::Error>::custom(
                    "its Serialize implementation panicked",
                ),
            })
        });
        if let Err(error) = rendered {
            slot.lost.fetch_add(1, Ordering::Relaxed);
            self.defer(slot, error);
            return;
        }
        self.append_rendered(slot, line);
    }

    /// Appends a whole line to its file's batch; writes the batch when full.
    fn append_rendered(&self, slot: &Slot, line: &[u8]) {
        let pushed = slot.pending.lock().push(line, self.config.batch_events);
        if let Pushed::BatchFull = pushed
            && let Err(error) = self.drain(slot, false)
        {
            self.defer(slot, error);
        }
    }

    /// Keeps an error of the writer thread for the next `flush`.
    fn defer(&self, slot: &Slot, error: LogError) {
        self.errors.report(&error);
        let mut deferred = slot.deferred.lock();
        *deferred = Some(LogError::combine(deferred.take(), error));
    }

    /// How old a batch may get before the writer thread writes it: the
    /// flush interval, or half of it when lines may also wait up to half an
    /// interval in the queue, so no line waits longer than the interval.
    fn batch_age_limit(&self) -> Duration {
        if self.is_queued() {
            self.config.flush_interval / 2
        } else {
            self.config.flush_interval
        }
    }

    /// Writes full batches and batches older than the age limit; returns
    /// how long until the next one is due (at most the age limit).
    fn run_timers(&self) -> Duration {
        let interval = self.batch_age_limit();
        let mut sleep = interval;
        let now = Instant::now();
        for slot in self.slots() {
            let due = slot.pending.lock().due(now, interval);
            match due {
                Due::Now { include_current } => {
                    if let Err(error) = self.drain(&slot, include_current) {
                        self.defer(&slot, error);
                    }
                    if !include_current {
                        // The current batch may be due too; look again soon.
                        sleep = Duration::ZERO;
                    }
                }
                Due::In(wait) => sleep = sleep.min(wait),
                Due::Idle => {}
            }
        }
        sleep
    }
}

/// The writer thread: renders queued lines, answers flushes, runs the
/// timers, until told to stop.
fn run_worker(writer: &Writer) {
    let Some(queue) = &writer.queue else {
        return;
    };
    // The writer's slots, refreshed when a line names one opened since.
    let mut slots = writer.slots();
    let mut slot = |index: usize| {
        if index >= slots.len() {
            slots = writer.slots();
        }
        slots.get(index).cloned()
    };
    let mut line = Vec::with_capacity(1024);
    let mut batch = VecDeque::new();
    let mut spare = Vec::new();
    let mut sleep = writer.batch_age_limit();
    loop {
        queue.take(&mut batch, sleep);
        for msg in batch.drain(..) {
            match msg {
                Msg::Line(queued) => {
                    if let Some(slot) = slot(queued.slot()) {
                        writer.render_queued(&*queued, &slot, &mut line);
                    }
                }
                Msg::Rendered(index, rendered) => {
                    if let Some(slot) = slot(index) {
                        writer.append_rendered(&slot, &rendered);
                    }
                    spare.push(rendered);
                }
                Msg::Flush(reply) => {
                    let _ = reply.send(writer.flush_slots());
                }
                // Everything queued before Stop was rendered; shutdown
                // writes the batches.
                Msg::Stop => return,
            }
        }
        if !spare.is_empty() {
            let mut pool = writer.line_pool.lock();
            for mut line in spare.drain(..) {
                if pool.len() >= LINE_POOL {
                    break;
                }
                // A huge line's buffer is not worth keeping.
                if line.capacity() <= 1 << 16 {
                    line.clear();
                    pool.push(line);
                }
            }
        }
        sleep = writer.run_timers().max(Duration::from_micros(100));
    }
}
