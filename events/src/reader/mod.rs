//! Reading a run back: the one reader every tool uses.
//!
//! [`Run::open`] takes `logs/{correlation_id}/{pid}` (one process) or
//! `logs/{correlation_id}` (all of them, by pid) and finds each process's
//! manifest, catalog and event files. From there:
//!
//! - [`Run::records`]: every record of the run in emit order ([`RawRecord`]:
//!   event name, parsed envelope, payload as raw JSON, position);
//! - [`Run::events`]: the records of one event type, typed ([`TypedRecord`]);
//! - [`Replay`]: every record in emit order handed to a handler per event
//!   type, how an engine or a notebook rebuilds state (see
//!   `examples/replay.rs`, which rebuilds the position book);
//! - [`state_at`]: the last snapshot of each kind and the open operations at
//!   an engine time;
//! - [`Run::scan`]: the raw lines as bytes with a substring prefilter, for
//!   queries that must not parse what they skip.
//!
//! # One rule for what is read
//!
//! Only regular files are opened: a symbolic link anywhere inside a run is
//! never followed, a FIFO, socket or device is never opened for reading
//! (checked before the open, opened `O_NONBLOCK | O_NOFOLLOW`, checked again
//! after), and a name that is not UTF-8 is not guessed at. Each such entry,
//! and each file under `events/` that the run's catalog does not name
//! (once per file, not per segment), is a [`Problem::Skipped`] or
//! [`Problem::UnknownFile`], never silently dropped.
//!
//! A line is a record when it is UTF-8, a JSON object with a valid envelope,
//! carries the run's correlation id and its directory's pid, and is at most
//! the line limit long (16 MiB by default; a longer line is measured while
//! skipped and never allocated). Anything else is a [`Problem`] with its
//! [`Position`]. In [`Mode::Lenient`] problems are `Err` items and the read
//! goes on; in [`Mode::Strict`] the first one ends it. Problems are yielded
//! as they are met, never collected: a flood of bad lines keeps memory flat.
//!
//! # Emit order
//!
//! Within a process, lines are merged by `seq` (one buffered line per file);
//! a missing range is a [`Problem::Gap`] (a line lost mid-file or a deleted
//! rotated segment), a `seq` not above the last a [`Problem::Repeat`].
//! Across processes, by engine time, then pid, then `seq`. Lines without
//! `seq` (runs written before it, the guide's examples) are merged by
//! `(timestamp, real_utc_time)` with the file order breaking ties, and
//! [`Records::approximate`] says so. A process with a `catalog.json` was
//! written by a binary that puts `seq` on every line, so there a line
//! without one is a bad line ([`LineFault::NoSeq`]), not a line to order by
//! time among lines ordered by `seq`.
//!
//! # Segment naming
//!
//! The active file always keeps its guide name (`events/positions.jsonl`,
//! `position_monitor.log`), so `jq … events/positions.jsonl` works on a run
//! that never rotated. When it reaches the rotation size it is renamed to the
//! next numbered segment, the number going before the extension, and a new
//! active file begins:
//!
//! ```text
//! positions.1.jsonl   oldest
//! positions.2.jsonl
//! positions.jsonl     newest (active)
//! ```
//!
//! [`segments_of`] lists them in that order. A segment never holds part of a
//! line: the writer cuts only between lines. A process killed in the middle
//! of a `write` can leave the last line of a file without its `\n`: a
//! [`Problem::TornTail`].
//!
//! # Examples
//!
//! ```
//! use basis_events::catalog::PositionSnapshot;
//! use basis_events::reader::{Problem, ReadOptions, Run};
//! use basis_events::{DomainEvent, Envelope};
//!
//! // A run of one process, pid 7, with a torn last line.
//! let root = tempfile::tempdir()?;
//! let events = root.path().join("abc123/7/events");
//! std::fs::create_dir_all(&events)?;
//! let snapshot = PositionSnapshot::example().expect("the guide's example");
//! let mut text = String::new();
//! for seq in 1..=2 {
//!     let envelope = Envelope { correlation_id: "abc123".into(), pid: 7, seq: Some(seq), ..Envelope::example() };
//!     text += &(serde_json::to_string(&snapshot.clone().stamp(envelope))? + "\n");
//! }
//! text += "{\"timestamp\":";
//! std::fs::write(events.join("positions.jsonl"), text)?;
//!
//! // Lenient: two records, then the torn tail as an item.
//! let run = Run::open(&root.path().join("abc123"))?;
//! let items: Vec<_> = run.events::<PositionSnapshot>().collect();
//! assert_eq!(items.len(), 3);
//! assert_eq!(items[1].as_ref().unwrap().envelope.seq, Some(2));
//! assert!(matches!(items[2], Err(Problem::TornTail { .. })));
//!
//! // Strict: the torn tail is the error that ends the read.
//! let run = Run::open_with(&root.path().join("abc123"), ReadOptions::new().strict())?;
//! let all: Result<Vec<_>, Problem> = run.records().collect();
//! assert!(all.unwrap_err().to_string().contains("torn tail"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// `pub` only what the API needs: the compiler finds the rest.
#![warn(unreachable_pub)]

mod bounded;
mod check;
mod file_stream;
mod lines;
mod merge;
mod open;
mod parallel;
mod position;
mod problem;
mod record;
mod records;
mod replay;
mod run;
mod scan;
mod scan_parallel;
mod segments;
mod snapshot;
mod state;

pub use bounded::DEFAULT_LINE_LIMIT;
pub use check::Checker;
pub use lines::{Line, LineReader, read_all};
pub use open::SkipReason;
pub use parallel::{check_in_order, check_in_order_then, default_threads, map_in_order};
pub use position::Position;
pub use problem::{LineFault, Problem};
pub use record::{RawRecord, TypedRecord};
pub use records::{Events, ReadCounts, Records};
pub use replay::{Replay, ReplayReport};
pub use run::{
    EVENTS_DIR, EventFile, Mode, Notice, OpenError, Process, ReadOptions, Run, Segment,
    SegmentReader,
};
pub use scan::ScanLine;
pub(crate) use segments::last_segment;
pub use segments::{parse_segment, segment_name, segments_of};
pub use state::{KEPT_PROBLEMS, SNAPSHOT_EVENTS, StateAt, state_at, state_at_on};
