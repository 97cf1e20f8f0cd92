//! How a logger buffers, rotates and syncs: [`LoggerConfig`] and [`Durability`].

use std::fmt;
use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::DomainEvent;
use crate::catalog::SystemErrorEvent;

/// What a logger writes, when, and what a crash can lose.
///
/// Every mode writes whole lines only: a line is never split between two
/// `write` calls of different events, so a reader sees either the line or
/// nothing of it, except for the one line being written when the process
/// dies (a *torn tail*, which [`crate::read`] reports as such).
///
/// | mode | when bytes reach the file | lost on a process crash (SIGKILL, abort) | lost on power loss / kernel crash |
/// |---|---|---|---|
/// | [`Buffered`](Durability::Buffered) | when a file's batch holds `batch_events` (100) events; by the writer thread at the latest `flush_interval` (5 s) after `emit`, even when idle; on `flush()`, `shutdown()` and drop | events not yet written: those still queued for the writer thread (at most `queue_events`) and those in a file's open batch (fewer than `batch_events` per file, none older than `flush_interval`) | the above, plus whatever the kernel had not yet written back |
/// | [`Line`](Durability::Line) | before `emit` returns, one `write` per event | nothing that `emit` returned `Ok` for | whatever the kernel had not yet written back |
/// | [`Durable`](Durability::Durable) | as `Buffered`, and every write is followed by `fdatasync` before it counts as done | as `Buffered` | nothing that was part of a completed flush: every event whose `flush()` (or `shutdown()`) returned `Ok` |
///
/// A write error (disk full, permission denied, the run directory removed)
/// costs the batch being written, in every mode: the file is cut back to its
/// last whole line, the lost events are counted and returned as
/// [`LogError::Lost`](crate::LogError::Lost) (by `emit` in line mode, else
/// by the next `flush`), and the file is reopened for the next batch, so
/// writing resumes once space is back.
///
/// A panic unwinds through the logger's `Drop`, which flushes, and
/// [`install_panic_hook`](crate::install_panic_hook) flushes every live
/// logger before unwinding starts; so a panic loses nothing in any mode. An
/// abort (`panic = "abort"`, `std::process::abort`) is a process crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// The guide's default: 100 events or 5 seconds per file.
    #[default]
    Buffered,
    /// Every event is written before `emit` returns.
    Line,
    /// Buffered, with `fdatasync` after every write (batch, timer, flush).
    Durable,
}

/// Opens (creating if needed) the log file at a path. The default refuses
/// symbolic links and creates files with mode 0640; tests replace it to
/// inject faults, such as a file on `/dev/full`.
pub type FileOpener = Arc<dyn Fn(&Path) -> io::Result<File> + Send + Sync>;

/// How a logger buffers, rotates and syncs. The defaults are the guide's.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use basis_events::{Durability, LoggerConfig};
///
/// let config = LoggerConfig::default()
///     .batch_events(100)
///     .flush_interval(Duration::from_secs(5))
///     .max_file_bytes(100 * 1024 * 1024)
///     .durability(Durability::Buffered);
/// assert_eq!(config.get_batch_events(), 100);
/// ```
#[derive(Clone)]
pub struct LoggerConfig {
    pub(crate) batch_events: usize,
    pub(crate) flush_interval: Duration,
    pub(crate) max_file_bytes: u64,
    pub(crate) max_buffered_bytes: usize,
    pub(crate) queue_events: usize,
    pub(crate) durability: Durability,
    pub(crate) opener: Option<FileOpener>,
    /// Names of the event types written before `emit` returns.
    pub(crate) immediate: Vec<&'static str>,
}

/// The event types written before `emit` returns by default: the errors,
/// the rarest lines and the ones a crash must not take first.
const DEFAULT_IMMEDIATE_EVENTS: [&str; 1] = [SystemErrorEvent::NAME];

/// The guide's rotation size: 100 MB (MiB) per file.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;

impl Default for LoggerConfig {
    fn default() -> Self {
        LoggerConfig {
            batch_events: 100,
            flush_interval: Duration::from_secs(5),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_buffered_bytes: 8 * 1024 * 1024,
            queue_events: 16 * 1024,
            durability: Durability::Buffered,
            opener: None,
            immediate: DEFAULT_IMMEDIATE_EVENTS.to_vec(),
        }
    }
}

impl LoggerConfig {
    /// A file's buffer is written when it holds this many events (at least 1;
    /// the guide's 100).
    pub fn batch_events(mut self, events: usize) -> Self {
        self.batch_events = events.max(1);
        self
    }

    /// A buffered event is written at the latest this long after it was
    /// emitted, even when the engine is idle (the guide's 5 seconds).
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.flush_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// A file is rotated before it would grow past this size (the guide's
    /// 100 MB). A single line longer than this gets a segment of its own.
    pub fn max_file_bytes(mut self, bytes: u64) -> Self {
        self.max_file_bytes = bytes.max(1);
        self
    }

    /// The most bytes of serialized lines one file may hold in memory before
    /// they are written; a caller that would exceed it waits for the writer
    /// (backpressure), so memory stays bounded and nothing is dropped.
    /// 8 MiB by default.
    pub fn max_buffered_bytes(mut self, bytes: usize) -> Self {
        self.max_buffered_bytes = bytes.max(1);
        self
    }

    /// How many emitted events may wait for the writer thread, which
    /// serializes and writes them; when the queue is full, `emit` waits
    /// (backpressure). 16384 by default: a few MiB for the guide's events.
    pub fn queue_events(mut self, events: usize) -> Self {
        self.queue_events = events.max(1);
        self
    }

    /// When bytes reach the file, and what a crash can lose.
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// Whether events of type `E` are written to the kernel (the `write(2)`
    /// done) before `emit` returns, whatever the [`Durability`]; in durable
    /// mode they are also synced. By default only
    /// [`SystemErrorEvent`] is: a crash under buffered mode then never loses
    /// an error that `emit` accepted, while the run's many snapshots keep
    /// their batches. Costs one `write` per such event.
    ///
    /// ```
    /// use basis_events::catalog::{PositionSnapshot, SystemErrorEvent};
    /// use basis_events::LoggerConfig;
    ///
    /// let config = LoggerConfig::default().write_immediately::<PositionSnapshot>(true);
    /// assert!(config.writes_immediately("PositionSnapshot"));
    /// assert!(config.writes_immediately("SystemErrorEvent"));
    /// let config = config.write_immediately::<SystemErrorEvent>(false);
    /// assert!(!config.writes_immediately("SystemErrorEvent"));
    /// ```
    pub fn write_immediately<E: DomainEvent>(mut self, immediately: bool) -> Self {
        self.immediate.retain(|name| *name != E::NAME);
        if immediately {
            self.immediate.push(E::NAME);
        }
        self
    }

    /// Whether events named `event` are written before `emit` returns
    /// ([`LoggerConfig::write_immediately`]); in line mode every event is.
    pub fn writes_immediately(&self, event: &str) -> bool {
        self.durability == Durability::Line || self.immediate.contains(&event)
    }

    /// Replaces how log files are opened. For fault-injection tests only
    /// (a file on `/dev/full`, a read-only file): the replacement bypasses
    /// the symlink refusal and the 0640 mode of the default opener.
    #[doc(hidden)]
    pub fn file_opener(mut self, opener: FileOpener) -> Self {
        self.opener = Some(opener);
        self
    }

    /// The configured batch size, in events.
    pub fn get_batch_events(&self) -> usize {
        self.batch_events
    }

    /// The configured flush interval.
    pub fn get_flush_interval(&self) -> Duration {
        self.flush_interval
    }

    /// The configured rotation size, in bytes.
    pub fn get_max_file_bytes(&self) -> u64 {
        self.max_file_bytes
    }

    /// The configured durability.
    pub fn get_durability(&self) -> Durability {
        self.durability
    }
}

impl fmt::Debug for LoggerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoggerConfig")
            .field("batch_events", &self.batch_events)
            .field("flush_interval", &self.flush_interval)
            .field("max_file_bytes", &self.max_file_bytes)
            .field("max_buffered_bytes", &self.max_buffered_bytes)
            .field("queue_events", &self.queue_events)
            .field("durability", &self.durability)
            .field("custom_opener", &self.opener.is_some())
            .field("immediate", &self.immediate)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The guide's rotation size is 100 MB, and the byte limit of a file's
    /// buffer is the one set (mutants from the logger mutation run:
    /// `DEFAULT_MAX_FILE_BYTES`'s `*` as `+`, `max_buffered_bytes` as the
    /// default).
    #[test]
    fn the_defaults_are_the_guides_and_a_setting_is_kept() {
        assert_eq!(LoggerConfig::default().get_max_file_bytes(), 104_857_600);
        let config = LoggerConfig::default().max_buffered_bytes(12_345);
        assert_eq!(config.max_buffered_bytes, 12_345);
        assert_eq!(
            LoggerConfig::default()
                .max_buffered_bytes(0)
                .max_buffered_bytes,
            1
        );
    }

    /// What is set is what the getters give, and `Debug` shows it
    /// (mutants: each getter returning a constant or the default, `Debug`
    /// writing nothing).
    #[test]
    fn the_getters_give_what_was_set() {
        let config = LoggerConfig::default()
            .batch_events(17)
            .flush_interval(Duration::from_millis(1234))
            .max_file_bytes(4321)
            .durability(Durability::Durable);
        assert_eq!(config.get_batch_events(), 17);
        assert_eq!(config.get_flush_interval(), Duration::from_millis(1234));
        assert_eq!(config.get_max_file_bytes(), 4321);
        assert_eq!(config.get_durability(), Durability::Durable);
        let debug = format!("{config:?}");
        assert!(
            debug.contains("4321") && debug.contains("Durable"),
            "{debug}"
        );
    }
}
