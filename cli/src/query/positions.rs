//! `basis-log positions RUN_DIR KEY`: the history of one position key, the
//! guide's `jq '.positions["aave:aToken:aUSDT"]' positions.jsonl`.
//!
//! Only the snapshots holding the key as a JSON string are read.

use std::ops::ControlFlow;

use basis_events::DomainEvent;
use basis_events::catalog::PositionSnapshot;
use basis_events::reader::{Checker, Problem, Run, ScanLine};
use indexmap::IndexSet;
use serde::Serialize;

use super::{Warnings, not_found, quoted, valid_record};
use crate::Result;

/// One snapshot of the key.
#[derive(Debug, Clone, Serialize)]
pub struct PositionRow {
    pub timestamp: String,
    pub amount: f64,
    pub total_value_usd: Option<f64>,
    pub trigger_source: String,
    pub location: String,
}

/// The history of one key.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PositionHistory {
    pub key: String,
    pub history: Vec<PositionRow>,
    #[serde(skip)]
    pub warnings: Warnings,
}

/// Every snapshot that holds `key`, processes by pid and segments oldest
/// first.
///
/// # Errors
///
/// [`Error::NotFound`](crate::Error::NotFound) for a key no snapshot holds, listing the keys the
/// run has; in strict mode, the run's first problem.
pub fn positions(run: &Run, key: &str) -> Result<PositionHistory> {
    let mut out = PositionHistory {
        key: key.to_owned(),
        ..PositionHistory::default()
    };
    let needle = quoted(key);
    let mut checker = Checker::new();
    run.scan_on(
        Some(PositionSnapshot::NAME),
        Some(needle.as_bytes()),
        0,
        |item| {
            match item.and_then(|line| Ok((snapshot(run, &mut checker, &line)?, line.position()))) {
                Ok((record, position)) => {
                    if let Some(&amount) = record.event.positions.get(key) {
                        out.history.push(PositionRow {
                            timestamp: record.envelope.timestamp.to_string(),
                            amount,
                            total_value_usd: Some(record.event.total_value_usd),
                            trigger_source: record.event.trigger_source.clone(),
                            location: position.to_string(),
                        });
                    }
                }
                Err(problem) => out.warnings.push(&problem),
            }
            ControlFlow::Continue(())
        },
    )?;
    if out.history.is_empty() {
        let message = format!(
            "no position snapshot holds `{}`; the run's keys are: {}",
            key.escape_debug(),
            known_keys(run)?.into_iter().collect::<Vec<_>>().join(", ")
        );
        return Err(not_found(message, &out.warnings));
    }
    Ok(out)
}

fn snapshot(
    run: &Run,
    checker: &mut Checker,
    line: &ScanLine<'_>,
) -> Result<basis_events::EventRecord<PositionSnapshot>, Problem> {
    valid_record(run, checker, line)?.parse::<PositionSnapshot>()
}

/// Every key of every valid snapshot: only read to explain a key not found.
fn known_keys(run: &Run) -> Result<IndexSet<String>> {
    let mut keys = IndexSet::new();
    let mut checker = Checker::new();
    run.scan(Some(PositionSnapshot::NAME), None, |item| {
        if let Ok(record) = item.and_then(|line| snapshot(run, &mut checker, &line)) {
            keys.extend(record.event.positions.into_keys());
        }
        ControlFlow::Continue(())
    })?;
    Ok(keys)
}
