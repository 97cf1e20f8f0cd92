//! `basis-log positions RUN_DIR KEY`: the history of one position key, the
//! guide's `jq '.positions["aave:aToken:aUSDT"]' positions.jsonl`.

use indexmap::IndexSet;
use memchr::memmem::Finder;
use serde::Serialize;
use serde_json::Value;

use super::scan::scan;
use super::warning;
use crate::run::Run;
use crate::{Error, Result};

/// The file positions are read from.
pub const FILE: &str = "positions.jsonl";

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
    pub warnings: Vec<String>,
}

/// Every snapshot that holds `key`, in file order. A key no snapshot holds is
/// an error that lists the keys the run has.
pub fn positions(run: &Run, key: &str) -> Result<PositionHistory> {
    let mut out = PositionHistory {
        key: key.to_owned(),
        ..PositionHistory::default()
    };
    let file = run
        .event_file(FILE)?
        .ok_or_else(|| Error::NotFound(format!("the run has no events/{FILE}")))?;
    let info = file
        .info
        .ok_or_else(|| Error::NotFound(format!("no registered event writes {FILE}")))?;
    // The key as a JSON string; every snapshot holding it contains this.
    let quoted = serde_json::to_string(key).unwrap_or_default();
    let finder = Finder::new(quoted.as_bytes());
    for part in &file.parts {
        scan(&part.path, Some(&finder), |line| {
            let parsed = std::str::from_utf8(line.bytes)
                .map_err(|err| err.to_string())
                .and_then(|text| {
                    info.parse_line(text).map_err(|err| err.to_string())?;
                    serde_json::from_str::<Value>(text).map_err(|err| err.to_string())
                });
            match parsed {
                Ok(record) => {
                    if let Some(amount) = record
                        .get("positions")
                        .and_then(|p| p.get(key))
                        .and_then(Value::as_f64)
                    {
                        out.history.push(PositionRow {
                            timestamp: record
                                .get("timestamp")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned(),
                            amount,
                            total_value_usd: record.get("total_value_usd").and_then(Value::as_f64),
                            trigger_source: record
                                .get("trigger_source")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned(),
                            location: format!("{}:{}", part.path.display(), line.number),
                        });
                    }
                }
                Err(reason) => out.warnings.push(warning(
                    &part.path,
                    line.number,
                    line.torn && part.live,
                    &format!("not a valid PositionSnapshot: {reason}"),
                )),
            }
            Ok(())
        })?;
    }
    if out.history.is_empty() {
        return Err(Error::NotFound(format!(
            "no position snapshot holds `{key}`; the run's keys are: {}",
            known_keys(run)?.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(out)
}

fn known_keys(run: &Run) -> Result<IndexSet<String>> {
    let mut keys = IndexSet::new();
    if let Some(file) = run.event_file(FILE)? {
        for part in &file.parts {
            scan(&part.path, None, |line| {
                if let Ok(Value::Object(record)) = serde_json::from_slice::<Value>(line.bytes)
                    && let Some(Value::Object(positions)) = record.get("positions")
                {
                    keys.extend(positions.keys().cloned());
                }
                Ok(())
            })?;
        }
    }
    Ok(keys)
}
