//! `basis-log validate PATH…`: every line against its schema and typed event.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use basis_log::output::{warn, write_json};
use basis_log::validate::{self, ProblemKind};
use clap::Args;

use super::Context;

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Run directories, events/ directories or event files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Fail on a torn last line too (by default it is reported, not failed).
    #[arg(long)]
    strict: bool,
    /// Threads that check lines (0: every core). The report is the same
    /// whatever the number.
    #[arg(long, default_value_t = 0, value_name = "N")]
    threads: usize,
}

pub(crate) fn exec(args: ValidateArgs, cx: &mut Context<'_>) -> Result<ExitCode> {
    let report = validate::validate_paths_on(&args.paths, args.threads)?;
    let failed = report.failed(args.strict);
    if cx.json {
        write_json(cx.out, &report)?;
    } else {
        for notice in &report.notices {
            warn(format_args!("note: {notice}"));
        }
        for problem in &report.problems {
            warn(problem);
        }
        for (path, more) in &report.more {
            warn(format_args!(
                "{}: and {more} more problem(s) like these (first {} shown)",
                path.display(),
                validate::PROBLEMS_PER_FILE
            ));
        }
        let torn = report
            .problems
            .iter()
            .filter(|p| p.kind == ProblemKind::TornTail)
            .count() as u64;
        writeln!(
            cx.out,
            "{} file(s), {} line(s) checked: {} problem(s), {} torn tail(s)",
            report.files.len(),
            report.lines(),
            report.problem_count() - torn,
            torn,
        )?;
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
