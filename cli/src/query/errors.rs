//! `basis-log errors RUN_DIR [--severity S] [--component C] [--code X]`: the
//! run's `SystemErrorEvent`s, each code resolved from the catalog of the
//! process that wrote it, so a code declared in an engine's own crate
//! resolves as the built-in ones do.

use std::ops::ControlFlow;

use basis_events::catalog::SystemErrorEvent;
use basis_events::model::run_catalog::RunCatalog;
use basis_events::reader::{Checker, LineFault, Problem, Run, ScanLine};
use basis_events::{DomainEvent, Severity};
use serde::{Deserialize, Serialize};

use super::{Warnings, quoted, valid_record};
use crate::{Error, Result};

/// Which errors to show.
#[derive(Debug, Clone, Default)]
pub struct ErrorFilter {
    pub severity: Option<Severity>,
    /// A component's name (`ExecutionManager`) or code prefix (`EXEC`), as
    /// the run's catalog knows it.
    pub component: Option<String>,
    /// An error code of the run's catalog, in any case (`exec-001`).
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
    /// The code's one-line summary from the run's catalog.
    pub summary: String,
    pub location: String,
}

/// The errors of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Errors {
    pub errors: Vec<ErrorRow>,
    #[serde(skip)]
    pub warnings: Warnings,
}

/// The fields of a system error line the query shows, checked against the
/// run's catalog rather than this binary's registry.
#[derive(Deserialize)]
struct ErrorLine {
    error_code: String,
    error_message: String,
    component: String,
    severity: Severity,
}

/// The run's system errors that pass `filter`, processes by pid and each
/// file in emit order.
///
/// With a filter only the lines holding its literal (the code, the
/// component's name or the severity, as a JSON string) are read.
///
/// # Errors
///
/// [`Error::NotFound`] for a component or code that no catalog of the run
/// knows; in strict mode, the run's first problem.
pub fn errors(run: &Run, filter: &ErrorFilter) -> Result<Errors> {
    let component = filter
        .component
        .as_deref()
        .map(|name| {
            resolve(run, "component", name, |c, n| {
                c.component(n).map(|c| c.name.clone())
            })
        })
        .transpose()?;
    let code = filter
        .code
        .as_deref()
        .map(|code| {
            resolve(run, "error code", code, |c, n| {
                c.error_codes
                    .iter()
                    .find(|entry| entry.code.eq_ignore_ascii_case(n))
                    .map(|entry| entry.code.clone())
            })
        })
        .transpose()?;
    let needle = match (&code, &component, filter.severity) {
        (Some(code), _, _) => Some(quoted(code)),
        (None, Some(component), _) => Some(quoted(component)),
        (None, None, Some(severity)) => Some(quoted(severity.as_str())),
        (None, None, None) => None,
    };
    let mut out = Errors::default();
    let mut checker = Checker::new();
    run.scan_on(
        Some(SystemErrorEvent::NAME),
        needle.as_deref().map(str::as_bytes),
        0,
        |item| {
            match item.and_then(|line| error_row(run, &mut checker, &line)) {
                Ok(row) => {
                    let keep = filter.severity.is_none_or(|s| s.as_str() == row.severity)
                        && component.as_ref().is_none_or(|c| *c == row.component)
                        && code.as_ref().is_none_or(|c| *c == row.error_code);
                    if keep {
                        out.errors.push(row);
                    }
                }
                Err(problem) => out.warnings.push(&problem),
            }
            ControlFlow::Continue(())
        },
    )?;
    Ok(out)
}

/// `name` resolved by `find` in the first process catalog that knows it.
fn resolve(
    run: &Run,
    what: &str,
    name: &str,
    find: impl Fn(&RunCatalog, &str) -> Option<String>,
) -> Result<String> {
    run.processes()
        .iter()
        .find_map(|process| find(process.catalog(), name))
        .ok_or_else(|| {
            Error::NotFound(format!(
                "{what} `{}` is not in the run's catalog",
                name.escape_debug()
            ))
        })
}

/// A line as a row, once it passes the one rule for a valid line (the
/// [`Checker`], as `validate` and `export` apply it): its code must be in
/// its process's catalog, with the component and severity registered there.
fn error_row(run: &Run, checker: &mut Checker, line: &ScanLine<'_>) -> Result<ErrorRow, Problem> {
    let record = valid_record(run, checker, line)?;
    let bad = |error: serde_json::Error| Problem::BadLine {
        position: record.position().clone(),
        reason: LineFault::Typed {
            event: SystemErrorEvent::NAME,
            error: error.into(),
        },
    };
    let fields: ErrorLine = serde_json::from_str(record.line()).map_err(bad)?;
    let pid = record.position().pid();
    let catalog = run
        .processes()
        .iter()
        .find(|process| process.pid() == pid)
        .map(|process| process.catalog());
    let invalid = |message: String| bad(serde::de::Error::custom(message));
    let entry = catalog
        .and_then(|catalog| catalog.error_code(&fields.error_code))
        .ok_or_else(|| {
            invalid(format!(
                "error code `{}` is not in the catalog of process {pid}",
                fields.error_code.escape_debug()
            ))
        })?;
    if entry.component != fields.component || entry.severity != fields.severity {
        return Err(invalid(format!(
            "`{}` is registered for {} at {}, not {} at {}",
            entry.code,
            entry.component,
            entry.severity.as_str(),
            fields.component.escape_debug(),
            fields.severity.as_str()
        )));
    }
    Ok(ErrorRow {
        timestamp: record.envelope().timestamp.to_string(),
        severity: fields.severity.as_str().to_owned(),
        error_code: fields.error_code,
        component: fields.component,
        error_message: fields.error_message,
        summary: entry.message.clone(),
        location: record.position().to_string(),
    })
}
