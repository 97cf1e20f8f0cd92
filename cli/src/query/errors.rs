//! `basis-log errors RUN_DIR [--severity S] [--component C] [--code X]`.

use basis_events::{Component, Severity};
use serde::Serialize;
use serde_json::Value;

use super::scan::scan;
use super::warning;
use crate::Result;
use crate::run::Run;

/// The file errors are read from.
pub const FILE: &str = "system_errors.jsonl";

/// Which errors to show.
#[derive(Debug, Clone, Default)]
pub struct ErrorFilter {
    pub severity: Option<Severity>,
    pub component: Option<Component>,
    pub code: Option<String>,
}

/// One system error.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorRow {
    pub timestamp: String,
    pub severity: String,
    pub error_code: String,
    pub component: String,
    pub error_message: String,
    pub location: String,
}

/// The errors of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Errors {
    pub errors: Vec<ErrorRow>,
    #[serde(skip)]
    pub warnings: Vec<String>,
}

fn field(record: &Value, key: &str) -> String {
    match record.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// The run's system errors that pass `filter`, in file order.
pub fn errors(run: &Run, filter: &ErrorFilter) -> Result<Errors> {
    let mut out = Errors::default();
    let Some(file) = run.event_file(FILE)? else {
        return Ok(out);
    };
    let Some(info) = file.info else {
        return Ok(out);
    };
    for part in &file.parts {
        scan(&part.path, None, |line| {
            let parsed = std::str::from_utf8(line.bytes)
                .map_err(|err| err.to_string())
                .and_then(|text| {
                    info.parse_line(text).map_err(|err| err.to_string())?;
                    serde_json::from_str::<Value>(text).map_err(|err| err.to_string())
                });
            let record = match parsed {
                Ok(record) => record,
                Err(reason) => {
                    out.warnings.push(warning(
                        &part.path,
                        line.number,
                        line.torn && part.live,
                        &format!("not a valid SystemErrorEvent: {reason}"),
                    ));
                    return Ok(());
                }
            };
            let row = ErrorRow {
                timestamp: field(&record, "timestamp"),
                severity: field(&record, "severity"),
                error_code: field(&record, "error_code"),
                component: field(&record, "component"),
                error_message: field(&record, "error_message"),
                location: format!("{}:{}", part.path.display(), line.number),
            };
            let keep = filter.severity.is_none_or(|s| s.as_str() == row.severity)
                && filter.component.is_none_or(|c| c.name() == row.component)
                && filter
                    .code
                    .as_ref()
                    .is_none_or(|c| c.eq_ignore_ascii_case(&row.error_code));
            if keep {
                out.errors.push(row);
            }
            Ok(())
        })?;
    }
    Ok(out)
}
