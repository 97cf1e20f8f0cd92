//! Live across machines: ship every run to NATS JetStream, collect many hosts
//! into one trail, and watch the fleet's errors as they happen.
//!
//! A run's files are already a durable, ordered spool, so the forwarder ships
//! them rather than a copy: it follows each file (complete lines only, across
//! rotation), sends batches with ids that stay the same on every retry, and
//! moves its on-disk cursor only after the server acknowledged. The collector
//! writes what it consumes back into the guide's tree, de-duplicating by line
//! id itself, and acknowledges only what is on disk.
//!
//! | module | job |
//! | --- | --- |
//! | [`subject`] | `basis.<correlation_id>.<pid>.<file>`, escaped |
//! | [`ids`] | line ids: `seq`, or the line number across segments |
//! | [`message`] | the batch format and its headers |
//! | [`follow`] | following a file through rotation |
//! | [`cursor`] | the forwarder's cursor, and the retention marker |
//! | [`forward`] | the forwarder |
//! | [`sink`] | the collector's tree on disk |
//! | [`collect`] | the collector |
//! | [`watch`] | live alerts |
//! | [`testing`] | a `nats-server` for tests and benchmarks |
//!
//! tokio and async-nats stay in this crate: every entry point is a blocking
//! function that runs its own single-threaded runtime, so nothing async
//! reaches `basis-events` or the engine's `emit` path.

pub mod collect;
pub mod cursor;
pub mod error;
pub mod follow;
pub mod forward;
pub mod ids;
pub mod message;
pub mod nats;
pub mod sink;
pub mod status;
pub mod subject;
pub mod testing;
pub mod watch;

pub use collect::{CollectOptions, CollectReport, collect};
pub use error::{CollectError, ForwardError, MessageError, NatsError};
pub use forward::{ForwardOptions, ForwardReport, forward};
pub use nats::{DEFAULT_STREAM, Retry, StreamSettings, create_stream};
pub use status::Status;
pub use watch::{Alert, WatchOptions, watch};
