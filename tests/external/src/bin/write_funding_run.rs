//! Writes a real run with the FundingMonitor's own events, codes and log,
//! for end-to-end tests of readers built without this crate.
//!
//! `write_funding_run LOG_ROOT CORRELATION_ID` writes
//! `LOG_ROOT/CORRELATION_ID/{pid}/` (see [`write_funding_run`]), shuts it
//! down and prints the run directory.

use std::process::ExitCode;

use basis_external_event::write_funding_run;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [root, correlation_id] = args.as_slice() else {
        eprintln!("usage: write_funding_run LOG_ROOT CORRELATION_ID");
        return ExitCode::from(2);
    };
    match write_funding_run(std::path::Path::new(root), correlation_id) {
        Ok(dir) => {
            println!("{}", dir.display());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
