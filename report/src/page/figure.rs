//! The parts every chart section is made of: a figure with its SVG, its key,
//! its numbers as a table, or the reason it has nothing to draw.

use maud::{Markup, PreEscaped, html};

use crate::ChartStatus;
use crate::chart::{Key, LegendItem, css};
use crate::load::Source;

/// A table: column headers and rows of cells, already formatted.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Says that only some rows are listed, and why.
    pub note: Option<String>,
}

impl Table {
    pub(crate) fn new<H: Into<String>>(
        caption: impl Into<String>,
        headers: impl IntoIterator<Item = H>,
    ) -> Table {
        Table {
            caption: caption.into(),
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            note: None,
        }
    }

    pub(crate) fn markup(&self) -> Markup {
        html! {
            div.table-wrap {
                table {
                    caption { (self.caption) }
                    thead { tr { @for header in &self.headers { th scope="col" { (header) } } } }
                    tbody {
                        @for row in &self.rows {
                            tr { @for cell in row { td class=[numeric(cell).then_some("num")] { (cell) } } }
                        }
                    }
                }
            }
            @if let Some(note) = &self.note { p.note { (note) } }
        }
    }
}

/// Whether a cell holds a plain number, to right-align it.
fn numeric(cell: &str) -> bool {
    !cell.is_empty() && cell.parse::<f64>().is_ok()
}

/// One chart of the page, drawn or not.
#[derive(Debug)]
pub(crate) struct Figure<'a> {
    pub id: &'static str,
    pub title: &'static str,
    /// What was drawn, in a sentence: how many events, how many points.
    pub note: Option<String>,
    /// The SVG, or `None` when there is nothing to draw.
    pub svg: Option<String>,
    pub legend: Vec<LegendItem>,
    pub table: Option<Table>,
    /// Why nothing is drawn, when `svg` is `None`.
    pub absent: String,
    pub statuses: &'a mut Vec<ChartStatus>,
}

impl Figure<'_> {
    pub(crate) fn markup(self) -> Markup {
        let drawn = self.svg.is_some();
        self.statuses.push(ChartStatus {
            id: self.id,
            title: self.title,
            drawn,
        });
        html! {
            figure.chart id=(self.id) data-chart=(self.id) data-drawn=(drawn) {
                figcaption {
                    h3 { (self.title) }
                    @if let (true, Some(note)) = (drawn, &self.note) { p.note { (note) } }
                }
                @match &self.svg {
                    Some(svg) => {
                        (PreEscaped(svg))
                        (legend(&self.legend))
                        @if let Some(table) = &self.table {
                            details {
                                summary { "Numbers as a table (" (table.rows.len()) " rows)" }
                                (table.markup())
                            }
                        }
                    }
                    None => p.absent role="note" { (self.absent) },
                }
            }
        }
    }
}

fn legend(items: &[LegendItem]) -> Markup {
    html! {
        @if !items.is_empty() {
            ul.legend aria-label="Key" {
                @for item in items {
                    li {
                        span class={ "key key-" (key_class(item.key)) }
                            style={ "--c:" (css(item.color)) } aria-hidden="true" {}
                        (item.name)
                    }
                }
            }
        }
    }
}

fn key_class(key: Key) -> &'static str {
    match key {
        Key::Line => "line",
        Key::Dashed => "dashed",
        Key::Dot => "dot",
        Key::Cross => "cross",
        Key::Triangle => "triangle",
        Key::Bar => "bar",
    }
}

/// Why a chart of `event`s (written to `file`) has nothing to draw, from what
/// the loader found in each process.
pub(crate) fn absence(sources: &[Source], event: &str, file: &str) -> String {
    let mine: Vec<&Source> = sources.iter().filter(|s| s.file == file).collect();
    if mine.is_empty() {
        return format!("No {event} events: no process of this run has an events/ directory.");
    }
    if mine.iter().all(|s| s.segments.is_empty()) {
        return format!("No {event} events: events/{file} is missing.");
    }
    if mine.iter().any(|s| s.skipped > 0) {
        return format!(
            "No {event} events: every line of events/{file} is torn or invalid (see Data notes)."
        );
    }
    format!("No {event} events: events/{file} is empty.")
}

/// "1,234 of 525,600 snapshots drawn: each bucket's lowest and highest kept."
pub(crate) fn sampling_note(kept: usize, total: usize, what: &str) -> String {
    let count = |n: usize| crate::format::grouped(&n.to_string());
    if kept == total {
        format!("{} {what}, all drawn.", count(total))
    } else {
        format!(
            "{} {what}; {} drawn and listed: the series is cut into equal buckets and each \
             keeps its lowest and highest value, so every extreme shows. All of them are in the \
             event file and the results store's CSV.",
            count(total),
            count(kept)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(pid: &str, segments: &[&str], events: u64, skipped: u64) -> Source {
        Source {
            event: "RiskAssessment".to_owned(),
            file: "risk_assessments.jsonl".to_owned(),
            pid: pid.to_owned(),
            segments: segments.iter().map(|s| (*s).to_owned()).collect(),
            events,
            skipped,
        }
    }

    #[test]
    fn absence_says_missing_empty_or_damaged() {
        let (event, file) = ("RiskAssessment", "risk_assessments.jsonl");
        assert!(absence(&[], event, file).contains("no process"));
        assert!(absence(&[source("1", &[], 0, 0)], event, file).contains("is missing"));
        assert!(
            absence(
                &[source("1", &["risk_assessments.jsonl"], 0, 0)],
                event,
                file
            )
            .contains("is empty")
        );
        assert!(
            absence(
                &[source("1", &["risk_assessments.jsonl"], 0, 1)],
                event,
                file
            )
            .contains("torn or invalid")
        );
    }

    #[test]
    fn tables_escape_their_cells() {
        let mut table = Table::new("Errors", vec!["message"]);
        table
            .rows
            .push(vec!["<script>alert(1)</script>".to_owned()]);
        let html = table.markup().into_string();
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("<th scope=\"col\">message</th>"), "{html}");
    }
}
