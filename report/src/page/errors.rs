//! Errors (SystemErrorEvent) by severity and by component, and every failure
//! with its error code linked to the error-code docs.

use std::collections::{HashMap, HashSet};

use basis_events::catalog::{OperationStatus, SystemErrorEvent};
use basis_events::{Component, DomainEvent, Severity};
use maud::{Markup, html};
use plotters::style::RGBColor;

use super::Page;
use super::figure::{Figure, Table, absence};
use crate::ChartStatus;
use crate::chart::{BarChart, Stack, bar_chart, palette};
use crate::digest::Time;
use crate::error::ReportError;
use crate::format;

pub(crate) fn section(
    page: &Page<'_>,
    statuses: &mut Vec<ChartStatus>,
) -> Result<Markup, ReportError> {
    let by_severity = by_severity(page, statuses)?;
    let by_component = by_component(page, statuses)?;
    let failures = failures(page);
    Ok(html! {
        section #errors aria-labelledby="errors-h" {
            h2 #errors-h { "Errors and failures" }
            (by_severity)
            (by_component)
            (failures)
        }
    })
}

fn severity_color(severity: Severity) -> RGBColor {
    match severity {
        Severity::Critical => palette::DARK_RED,
        Severity::High => palette::VERMILLION,
        Severity::Medium => palette::ORANGE,
        Severity::Low => palette::SKY,
    }
}

fn by_severity(page: &Page<'_>, statuses: &mut Vec<ChartStatus>) -> Result<Markup, ReportError> {
    let errors = &page.data().errors;
    let count = |s: Severity| errors.iter().filter(|e| e.severity == s).count();
    // One layer per severity, non-zero only on its own bar, so each bar has
    // its severity's colour.
    let stacks = Severity::ALL
        .iter()
        .map(|&s| Stack {
            name: s.to_string(),
            color: severity_color(s),
            values: Severity::ALL
                .iter()
                .map(|&other| if other == s { count(s) as f64 } else { 0.0 })
                .collect(),
        })
        .collect();
    let chart = BarChart {
        id: "chart-errors-severity",
        title: "Errors by severity",
        desc: format!(
            "{} errors: {}.",
            errors.len(),
            Severity::ALL
                .iter()
                .map(|&s| format!("{} {s}", count(s)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        value_label: "errors",
        categories: Severity::ALL.iter().map(ToString::to_string).collect(),
        stacks,
    };
    let mut table = Table::new(
        "Errors per severity (SystemErrorEvent)",
        ["severity", "meaning", "errors"],
    );
    table.rows = Severity::ALL
        .iter()
        .map(|&s| vec![s.to_string(), s.meaning().to_owned(), count(s).to_string()])
        .collect();
    Ok(Figure {
        id: chart.id,
        title: chart.title,
        note: None,
        svg: bar_chart(&chart)?,
        legend: Vec::new(),
        table: Some(table),
        absent: absence(
            page.sources(),
            SystemErrorEvent::NAME,
            SystemErrorEvent::FILE,
        ),
        statuses,
    }
    .markup())
}

fn by_component(page: &Page<'_>, statuses: &mut Vec<ChartStatus>) -> Result<Markup, ReportError> {
    let errors = &page.data().errors;
    // Built-in components in their order, then an engine's own by name.
    let mut components: Vec<&str> = Component::ALL.iter().map(|c| c.name()).collect();
    for error in errors {
        if !components.contains(&error.component.as_str()) {
            components.push(&error.component);
        }
    }
    let components: Vec<&str> = components
        .iter()
        .copied()
        .filter(|c| errors.iter().any(|e| e.component == *c))
        .collect();
    let count = |c: &str, s: Severity| {
        errors
            .iter()
            .filter(|e| e.component == c && e.severity == s)
            .count()
    };
    let chart = BarChart {
        id: "chart-errors-component",
        title: "Errors by component",
        desc: format!(
            "Errors per component, each bar split by severity: {}.",
            components
                .iter()
                .map(|&c| format!("{c} {}", errors.iter().filter(|e| e.component == c).count()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        value_label: "errors",
        categories: components.iter().map(ToString::to_string).collect(),
        stacks: Severity::ALL
            .iter()
            .map(|&s| Stack {
                name: s.to_string(),
                color: severity_color(s),
                values: components.iter().map(|&c| count(c, s) as f64).collect(),
            })
            .collect(),
    };
    let mut table = Table::new(
        "Errors per component and severity (SystemErrorEvent)",
        ["component".to_owned()]
            .into_iter()
            .chain(Severity::ALL.iter().map(ToString::to_string))
            .chain(["total".to_owned()]),
    );
    table.rows = components
        .iter()
        .map(|&c| {
            let mut row = vec![c.to_string()];
            row.extend(Severity::ALL.iter().map(|&s| count(c, s).to_string()));
            row.push(
                errors
                    .iter()
                    .filter(|e| e.component == c)
                    .count()
                    .to_string(),
            );
            row
        })
        .collect();
    Ok(Figure {
        id: chart.id,
        title: chart.title,
        note: None,
        svg: bar_chart(&chart)?,
        legend: chart.legend(),
        table: Some(table),
        absent: absence(
            page.sources(),
            SystemErrorEvent::NAME,
            SystemErrorEvent::FILE,
        ),
        statuses,
    }
    .markup())
}

/// One row of the failures table.
struct Failure<'a> {
    time: Time,
    kind: &'static str,
    place: String,
    severity: Option<Severity>,
    code: Option<&'a str>,
    message: &'a str,
}

/// Whether `code` can go into a URL fragment as it is: registry codes are
/// `EXEC-001`, and anything else is shown as text rather than linked.
fn linkable(code: &str) -> bool {
    !code.is_empty()
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn failures(page: &Page<'_>) -> Markup {
    let data = page.data();
    // One row per incident: a failed or rolled-back attempt, with the system
    // error it raised folded into it (same operation, same code), or a system
    // error of its own. Nothing is counted twice.
    let mut raised: HashMap<(&str, &str), &crate::digest::ErrorRow> = HashMap::new();
    for error in &data.errors {
        if let Some(operation) = error.operation_id.as_deref() {
            raised
                .entry((operation, error.error_code.as_str()))
                .or_insert(error);
        }
    }
    let mut folded: HashSet<(&str, &str)> = HashSet::new();
    let mut rows: Vec<Failure<'_>> = data
        .operations
        .incidents()
        .iter()
        .map(|incident| {
            let op = &incident.row;
            let error = op
                .error_code
                .as_deref()
                .and_then(|code| raised.get(&(op.operation_id.as_str(), code)).copied());
            if let Some(error) = error {
                folded.insert((op.operation_id.as_str(), error.error_code.as_str()));
            }
            Failure {
                time: op.time,
                kind: match (op.status, incident.outcome) {
                    (OperationStatus::RolledBack, _) => "operation rolled back",
                    (_, OperationStatus::Confirmed) => "attempt failed, retry confirmed",
                    _ => "operation failed",
                },
                place: format!("{} {} at {}", op.operation_type, op.operation_id, op.venue),
                severity: error.map(|e| e.severity),
                code: op.error_code.as_deref(),
                message: op.error_message.as_deref().unwrap_or(""),
            }
        })
        .collect();
    rows.extend(
        data.errors
            .iter()
            .filter(|error| {
                !error
                    .operation_id
                    .as_deref()
                    .is_some_and(|op| folded.contains(&(op, error.error_code.as_str())))
            })
            .map(|error| Failure {
                time: error.time,
                kind: "system error",
                place: error.component.to_string(),
                severity: Some(error.severity),
                code: Some(error.error_code.as_str()),
                message: &error.error_message,
            }),
    );
    rows.sort_by_key(|row| row.time);
    let total = rows.len();
    rows.truncate(page.options.max_rows);
    let docs = &page.options.error_docs;
    html! {
        h4 #failures-h { "Failures with their error codes" }
        @if rows.is_empty() {
            p #failures data-count="0" {
                "No failed or rolled-back operation and no system error in this run."
            }
        } @else {
            p #failures.note data-count=(total) {
                (total) " incidents: failed and rolled-back attempts (with the system error each raised) "
                "and the other system errors, by engine time. "
                "Each code links to its entry in the error-code docs."
                @if rows.len() < total { " The first " (rows.len()) " are listed." }
            }
            div.table-wrap {
                table #failures-table aria-labelledby="failures-h" {
                    thead { tr {
                        th scope="col" { "engine time (UTC)" } th scope="col" { "what" }
                        th scope="col" { "where" } th scope="col" { "severity" }
                        th scope="col" { "error code" } th scope="col" { "message" }
                    } }
                    tbody {
                        @for row in &rows {
                            tr {
                                td { (format::time(row.time)) }
                                td { (row.kind) }
                                td { (row.place) }
                                td { @if let Some(s) = row.severity { (s) } }
                                td {
                                    @match row.code {
                                        Some(code) if linkable(code) => a.error-code href={ (docs) "#" (code) } { code { (code) } },
                                        Some(code) => code { (code) },
                                        None => "",
                                    }
                                }
                                td { (row.message) }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_codes_are_linked() {
        assert!(linkable("EXEC-001"));
        assert!(linkable("POS_5"));
        assert!(!linkable(""));
        assert!(!linkable("EXEC 001"));
        assert!(!linkable("x\"onclick=\""));
    }
}
