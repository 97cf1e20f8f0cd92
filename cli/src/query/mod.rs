//! The guide's "Debugging Workflows" as commands: failed operations, one
//! operation's trace, a position's history, errors, run statistics and the
//! state at a time, all read through the library reader
//! ([`basis_events::reader`]), which decides what a valid line and a valid
//! run are.
//!
//! Each query reads every rotated segment of every process of the run. The
//! fast ones ([`failures`], [`errors`] with a filter, [`trace`],
//! [`positions`]) use [`Run::scan`](basis_events::reader::Run::scan) with a substring prefilter: only the
//! lines that contain the literal they look for are read and parsed, the
//! others are skipped in bulk, as `rg` does. Every line a query reads that
//! is not a valid record of the run (see [`ScanLine::record`](basis_events::reader::ScanLine::record)), every torn tail and
//! every entry the reader refused (a link, a FIFO, an unknown file) becomes
//! one warning in [`Warnings`], which keeps the first
//! [`WARNINGS_PER_FILE`] per file and only counts the rest, so a flood of
//! bad lines keeps memory flat.

pub mod at;
pub mod errors;
pub mod failures;
pub mod positions;
pub mod stats;
pub mod trace;

use std::ops::Deref;

use basis_events::reader::{Checker, Problem, RawRecord, Run, ScanLine};
use indexmap::IndexMap;

pub use crate::output::WARNINGS_PER_FILE;

/// The warnings of one query: the first [`WARNINGS_PER_FILE`] about each
/// file, in the order met, and a count of the rest.
///
/// Derefs to the kept messages (`file:line: reason`).
///
/// ```
/// use basis_events::reader::{Position, Problem};
/// use basis_log::query::Warnings;
///
/// let mut warnings = Warnings::default();
/// for line in 1..=25 {
///     warnings.push(&Problem::TornTail { position: Position::new("events/a.jsonl", "a.jsonl", 7, None, line), len: 1 });
/// }
/// assert_eq!((warnings.len(), warnings.total()), (20, 25));
/// assert_eq!(warnings.lines().last().unwrap(), "events/a.jsonl: and 5 more like these (first 20 shown)");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Warnings {
    kept: Vec<String>,
    // Warnings met per file (or per message, for a problem about no line).
    per_file: IndexMap<String, u64>,
    total: u64,
}

impl Warnings {
    /// Counts `problem` and keeps its message if it is among the first
    /// [`WARNINGS_PER_FILE`] about its file.
    pub fn push(&mut self, problem: &Problem) {
        let message = problem.to_string();
        let file = match problem.position() {
            Some(position) => position.path().display().to_string(),
            None => message.clone(),
        };
        self.total += 1;
        let seen = self.per_file.entry(file).or_insert(0);
        *seen += 1;
        if *seen <= WARNINGS_PER_FILE as u64 {
            self.kept.push(message);
        }
    }

    /// Every warning met, kept or not.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// What to print: the kept messages, then one `FILE: and K more` line
    /// per file whose warnings were cut.
    pub fn lines(&self) -> impl Iterator<Item = String> + '_ {
        let cut = self.per_file.iter().filter_map(|(file, &seen)| {
            let more = seen
                .checked_sub(WARNINGS_PER_FILE as u64)
                .filter(|&m| m > 0)?;
            Some(format!(
                "{file}: and {more} more like these (first {WARNINGS_PER_FILE} shown)"
            ))
        });
        self.kept.iter().cloned().chain(cut)
    }
}

impl Deref for Warnings {
    type Target = [String];

    fn deref(&self) -> &[String] {
        &self.kept
    }
}

/// A scanned line as a valid record of its event, by the one rule every
/// tool applies: the reader's for a line ([`ScanLine::record`]) and the
/// event's ([`Checker`]: its catalog schema and typed parse), as
/// `validate` and `export` apply them. Every query checks each line it
/// reads here, so a line they refuse is a warning, never a row.
///
/// # Errors
///
/// [`Problem::BadLine`] at the line's position, saying what is wrong.
pub(crate) fn valid_record(
    run: &Run,
    checker: &mut Checker,
    line: &ScanLine<'_>,
) -> Result<RawRecord, Problem> {
    let record = line.record()?;
    checker.check(run, &record)?;
    Ok(record)
}

/// [`Error::NotFound`] with `message`, followed by every warning the query
/// met: a line that could not be read may be the one that held what was
/// asked for, so "not found" never hides it.
pub(crate) fn not_found(message: String, warnings: &Warnings) -> crate::Error {
    if warnings.total() == 0 {
        return crate::Error::NotFound(message);
    }
    let mut message = format!(
        "{message}; {} line(s) that may hold it could not be read:",
        warnings.total()
    );
    for line in warnings.lines() {
        message.push_str("\n  ");
        message.push_str(&line);
    }
    crate::Error::NotFound(message)
}

/// `text` as a JSON string literal, quotes included: what every line holding
/// the value `text` contains, whatever its key and spacing.
pub(crate) fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}
