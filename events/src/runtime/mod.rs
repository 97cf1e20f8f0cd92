//! The writing runtime: run directories, the event logger, component logs,
//! the engine clock and the execution guards.
//!
//! Everything that creates or appends to files under
//! `logs/{correlation_id}/{pid}/` lives here; what a line holds is the
//! [`model`](crate::model), how a run is read back is the
//! [`reader`](crate::reader).

pub(crate) mod clock;
pub(crate) mod guard;
pub(crate) mod logger;
pub mod run_dir;
pub mod structured;
