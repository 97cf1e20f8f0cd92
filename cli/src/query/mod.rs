//! The guide's "Debugging Workflows" as commands: failed operations, one
//! operation's trace, a position's history, errors, and run statistics.
//!
//! Every query reads every rotated segment of every process of the run, and
//! skips a torn last line (reported as a warning). Lines that are not valid
//! events are reported as `file:line: reason` warnings and left out.

pub mod errors;
pub mod failures;
pub mod positions;
pub mod scan;
pub mod stats;
pub mod trace;

use std::path::Path;

/// A line a query had to leave out, located.
pub fn warning(path: &Path, line: u64, torn: bool, reason: &str) -> String {
    if torn {
        format!(
            "{}:{line}: torn last line skipped (the file ends mid-line, as after a crash)",
            path.display()
        )
    } else {
        format!("{}:{line}: skipped: {reason}", path.display())
    }
}
