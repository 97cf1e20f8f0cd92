//! Writes the report of one run: `cargo run -p basis-report --example render -- RUN_DIR [OUT]`.
//!
//! The same call `basis-log report RUN_DIR --to OUT` makes; here so a report
//! (and `docs/report.png`) can be made without the command line tool.

use std::path::PathBuf;
use std::process::ExitCode;

use basis_report::{REPORT_FILE, ReportOptions, write_report};

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(run_dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: render RUN_DIR [OUT]   (OUT defaults to ./{REPORT_FILE})");
        return ExitCode::from(2);
    };
    let out = args
        .next()
        .map_or_else(|| PathBuf::from(REPORT_FILE), PathBuf::from);
    match write_report(&run_dir, &out, &ReportOptions::default()) {
        Ok(summary) => {
            let drawn = summary.charts.iter().filter(|c| c.drawn).count();
            println!(
                "{}: {} bytes, {drawn} of {} charts drawn, {} gaps, final total value {:?}, total P&L {:?}",
                out.display(),
                summary.bytes,
                summary.charts.len(),
                summary.gaps.len(),
                summary.final_total_value,
                summary.total_pnl
            );
            for gap in &summary.gaps {
                println!("  gap: {gap}");
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
