//! The writer thread: starting it, and its loop, which takes the queue,
//! renders each event into its file's batch, answers flushes, and writes
//! batches that are full or old (tracing-appender's `worker.rs` is the
//! model).

use std::collections::VecDeque;
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};

use super::buffer::{Due, Pushed, Slot};
use super::config::{Durability, LoggerConfig};
use super::error::{ErrorReporter, LogError};
use super::queue::{Msg, Queue, Render, insert_seq};
use super::writer::{LINE_POOL, Writer};

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
            line_seq: Mutex::new(1),
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

    /// Serializes one queued line into its file's batch; writes the batch
    /// when full.
    ///
    /// An event whose `Serialize` fails here was accepted by `emit` and got
    /// its seq; it is counted as lost, and readers see the gap it leaves.
    fn render_queued(&self, queued: &dyn Render, seq: u64, slot: &Slot, line: &mut Vec<u8>) {
        line.clear();
        // A panicking Serialize impl must not take the writer thread down.
        let rendered = catch_unwind(AssertUnwindSafe(|| {
            queued.render(&self.envelope_tail, Some(seq), line)
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
                Msg::Line(seq, queued) => {
                    if let Some(slot) = slot(queued.slot()) {
                        writer.render_queued(&*queued, seq, &slot, &mut line);
                    }
                }
                Msg::Rendered {
                    slot: index,
                    line: mut rendered,
                    seq_at,
                    seq,
                } => {
                    insert_seq(&mut rendered, seq_at, seq);
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

#[cfg(test)]
mod tests {
    use super::super::queue::write_seq;
    use super::*;

    /// A line of `{"x":1,"seq":N}` for the file at `slot`.
    struct Fixed(usize);

    impl Render for Fixed {
        fn slot(&self) -> usize {
            self.0
        }

        fn name(&self) -> &'static str {
            "Fixed"
        }

        fn render(
            &self,
            _tail: &[u8],
            seq: Option<u64>,
            line: &mut Vec<u8>,
        ) -> Result<usize, LogError> {
            line.extend_from_slice(b"{\"x\":1");
            let at = line.len();
            if let Some(seq) = seq {
                write_seq(line, seq);
            }
            line.extend_from_slice(b"}\n");
            Ok(at)
        }
    }

    /// The writer thread looks at the files again when a line names one
    /// opened after its last look: a logger opens its files after the
    /// thread starts. Mutant seen to fail: `run_worker`'s
    /// `index >= slots.len()` as `<` (the line silently dropped).
    #[test]
    fn a_file_opened_after_the_writer_thread_started_gets_its_lines() {
        let dir = tempfile::tempdir().unwrap();
        let writer = Writer::start(
            dir.path(),
            LoggerConfig::default(),
            "test writer".to_owned(),
            Vec::new(),
        )
        .unwrap();
        // A flush answered: the thread has looked at the files, none open.
        writer.flush().unwrap();
        let slot = writer.slot("late.jsonl").unwrap();
        writer.enqueue(Box::new(Fixed(slot))).unwrap();
        writer.flush().unwrap();
        let text = fs::read_to_string(dir.path().join("late.jsonl")).unwrap();
        assert_eq!(text, "{\"x\":1,\"seq\":1}\n");
        writer.shutdown().unwrap();
    }

    /// The buffers of lines callers serialized come back to the pool once
    /// written (up to `LINE_POOL`), so a caller serializing its own lines
    /// reuses them instead of allocating one per event, and the writer keeps
    /// none.
    /// Mutants seen to fail: `run_worker`'s `!spare.is_empty()` with the `!`
    /// deleted (every buffer kept by the writer, memory growing without
    /// bound) and `pool.len() >= LINE_POOL` as `<` (none returned).
    #[test]
    fn the_buffers_of_caller_serialized_lines_return_to_the_pool() {
        let dir = tempfile::tempdir().unwrap();
        let writer = Writer::start(
            dir.path(),
            LoggerConfig::default(),
            "test writer".to_owned(),
            Vec::new(),
        )
        .unwrap();
        let slot = writer.slot("mine.jsonl").unwrap();
        let lines = 10;
        for _ in 0..lines {
            let mut line = writer.line_buffer();
            line.extend_from_slice(b"{\"x\":1");
            let at = line.len();
            line.extend_from_slice(b"}\n");
            writer.enqueue_rendered(slot, line, at).unwrap();
            // One at a time, so each buffer is back before the next is taken.
            writer.flush().unwrap();
        }
        // Each line's buffer came back; the next caller may have taken a
        // new one before it did, so one or two are pooled.
        let pooled = writer.line_pool.lock().len();
        assert!((1..=2).contains(&pooled), "{pooled} buffers pooled");
        let text = fs::read_to_string(dir.path().join("mine.jsonl")).unwrap();
        assert_eq!(text.lines().count(), lines);
        writer.shutdown().unwrap();
    }
}
