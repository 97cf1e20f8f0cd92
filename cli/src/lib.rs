//! The `basis-log` command as a library: the demo backtest, the results store and
//! the logging guide's debugging workflows, callable from the binary, the
//! integration tests and the benchmarks alike.
//!
//! - [`demo`] simulates the guide's `pure_lending_usdt` strategy and writes the
//!   guide's log tree.
//! - [`export`] finalizes a run into `results/{backtest_id}/`: the logs, one CSV
//!   and one Parquet file per event file, and `summary.json` / `summary.md`.
//! - [`query`] answers the guide's debugging questions (failures, one
//!   operation's trace, a position's history, errors, stats, the state at a
//!   time).
//! - [`dataset`] lays every run of a results root out as one hive-style
//!   Parquet dataset; [`compare`] puts runs side by side against a baseline.
//! - [`validate`] checks every line of every event file against its schema and
//!   its typed event.
//!
//! Every command reads a run through the one library reader,
//! `basis_events::reader`, and checks its lines with the reader's
//! `Checker`; every command that writes goes through [`target`].

pub mod columns;
pub mod compare;
pub mod dataset;
pub mod demo;
pub mod error;
pub mod export;
pub mod ids;
pub mod output;
pub mod query;
pub mod target;
pub mod validate;

pub use error::{Error, Result};
