//! `basis-log positions RUN_DIR KEY`: the history of one position key.

use std::process::ExitCode;

use anyhow::Result;
use basis_log::output::{Table, num, write_json};
use basis_log::query::positions;
use clap::Args;

use super::{Context, RunArg, print_warnings};

#[derive(Debug, Args)]
pub(crate) struct PositionsArgs {
    #[command(flatten)]
    run: RunArg,
    /// The position key, e.g. aave:aToken:aUSDT.
    key: String,
}

pub(crate) fn exec(args: PositionsArgs, cx: &mut Context<'_>) -> Result<ExitCode> {
    let result = positions::positions(&args.run.read()?, &args.key)?;
    print_warnings(&result.warnings);
    if cx.json {
        write_json(cx.out, &result)?;
    } else {
        let mut table =
            Table::new(["timestamp", &args.key, "total value (USD)", "trigger"]).full(cx.full);
        for p in &result.history {
            table.row([
                p.timestamp.clone(),
                num(p.amount, 6),
                p.total_value_usd.map(|v| num(v, 6)).unwrap_or_default(),
                p.trigger_source.clone(),
            ]);
        }
        table.write(cx.out)?;
    }
    Ok(ExitCode::SUCCESS)
}
