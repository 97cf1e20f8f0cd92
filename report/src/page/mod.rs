//! The page: header, data notes, then one section per part of the run.
//!
//! Everything is inline (styles, SVG charts, tables) and there is no script,
//! so the file opens from disk in any browser, offline, and cannot make a
//! request. Every string from the run goes through maud's escaping.

mod errors;
mod exposure;
mod figure;
mod health;
mod operations;
mod risk;
mod value;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::digest::RunDigest;
use crate::error::ReportError;
use crate::format;
use crate::load::{LoadedRun, Source, status_name};
use crate::{ChartStatus, ReportOptions};

/// What the sections are rendered from.
#[derive(Debug)]
pub(crate) struct Page<'a> {
    pub loaded: &'a LoadedRun,
    pub options: &'a ReportOptions,
}

/// The run's identity, from the manifest when there is one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Header {
    pub correlation_id: String,
    pub strategy: Option<String>,
    pub mode: Option<String>,
    pub capital: Option<f64>,
}

impl Page<'_> {
    pub(crate) fn data(&self) -> &RunDigest {
        &self.loaded.digest
    }

    pub(crate) fn sources(&self) -> &[Source] {
        &self.loaded.sources
    }

    /// Buckets per series: two points each, at most `max_points` in all.
    pub(crate) fn buckets(&self) -> usize {
        (self.options.max_points / 2).max(1)
    }

    /// Strategy, mode and capital from the first manifest; the correlation
    /// id from a manifest, else an event, else the directory.
    pub(crate) fn header(&self) -> Header {
        let manifest = self.loaded.manifests.first().map(|(_, m)| m);
        let non_empty = |text: &str| (!text.is_empty()).then(|| text.to_owned());
        Header {
            correlation_id: manifest
                .map(|m| m.correlation_id.clone())
                .or_else(|| self.data().correlation_id.clone())
                .unwrap_or_else(|| self.loaded.correlation_id.clone()),
            strategy: manifest
                .and_then(|m| non_empty(&m.strategy))
                .or_else(|| self.data().strategy_name.clone()),
            mode: manifest.and_then(|m| non_empty(&m.mode)),
            capital: manifest.map(|m| m.initial_capital),
        }
    }

    /// The run's status as the page states it: `completed` only when every
    /// process's manifest says so.
    pub(crate) fn status(&self) -> String {
        if self.loaded.is_complete() {
            return "completed".to_owned();
        }
        let statuses: Vec<String> = self
            .loaded
            .processes
            .iter()
            .map(|pid| {
                let status = self
                    .loaded
                    .manifests
                    .iter()
                    .find(|(p, _)| p == pid)
                    .map_or("unknown (no metadata.json)", |(_, m)| status_name(m.status));
                format!("process {pid}: {status}")
            })
            .collect();
        format!("not complete ({})", statuses.join("; "))
    }
}

/// Renders the whole page, and which charts were drawn.
pub(crate) fn render(page: &Page<'_>) -> Result<(String, Vec<ChartStatus>), ReportError> {
    let header = page.header();
    let mut statuses = Vec::new();
    let value = value::section(page, &mut statuses)?;
    let exposure = exposure::section(page, &mut statuses)?;
    let risk = risk::section(page, &mut statuses)?;
    let operations = operations::section(page, &mut statuses)?;
    let errors = errors::section(page, &mut statuses)?;
    let health = health::section(page, &mut statuses)?;
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // No referrer and no request of any kind, should a link be followed.
                meta name="referrer" content="no-referrer";
                // How `--force` recognises a page it may replace.
                meta name="generator" content=(crate::GENERATOR);
                meta http-equiv="Content-Security-Policy"
                    content="default-src 'none'; style-src 'unsafe-inline'; img-src data:";
                title { "Run report: " (header.correlation_id) }
                style { (PreEscaped(CSS)) }
            }
            body {
                main {
                    (run_header(page, &header))
                    (contents())
                    (data_notes(page))
                    (value)
                    (exposure)
                    (risk)
                    (operations)
                    (errors)
                    (health)
                    footer {
                        p.note {
                            "Written by basis-report " (env!("CARGO_PKG_VERSION"))
                            " from the run's event files alone. Times are the engine clock, in UTC."
                        }
                    }
                }
            }
        }
    };
    Ok((markup.into_string(), statuses))
}

fn run_header(page: &Page<'_>, header: &Header) -> Markup {
    let data = page.data();
    let unknown = "unknown";
    let pids: Vec<&str> = page.loaded.processes.iter().map(String::as_str).collect();
    let complete = page.loaded.is_complete();
    html! {
        header #run {
            h1 { "Run report" }
            p.note { "Correlation id " code { (header.correlation_id) } }
            section aria-labelledby="run-h" {
                h2 #run-h { "Run" }
                dl.facts {
                    dt { "Correlation id" } dd { code { (header.correlation_id) } }
                    dt { "Strategy" } dd { (header.strategy.as_deref().unwrap_or(unknown)) }
                    dt { "Mode" } dd { (header.mode.as_deref().unwrap_or(unknown)) }
                    dt { "Capital" } dd {
                        @match header.capital {
                            Some(capital) => span #capital data-value=(format::exact(capital)) { (format::usd(capital)) },
                            None => (unknown),
                        }
                    }
                    dt { "Status" }
                    dd #run-status data-complete=(complete) {
                        @if complete { (page.status()) } @else { strong.bad { (page.status()) } }
                    }
                    dt { @if pids.len() == 1 { "Process" } @else { "Processes" } }
                    dd { (pids.join(", ")) }
                    dt { "Engine time" }
                    dd {
                        @match (data.first, data.last) {
                            (Some(first), Some(last)) => {
                                time datetime=(first.to_rfc3339()) { (format::time(first)) }
                                " to "
                                time datetime=(last.to_rfc3339()) { (format::time(last)) }
                                " UTC (" (format::duration((last - first).num_seconds())) ")"
                            }
                            _ => "no events",
                        }
                    }
                }
                (key_figures(data))
                (events_per_type(data, page.sources()))
            }
        }
    }
}

fn key_figures(data: &RunDigest) -> Markup {
    let operations = data.operations.figures();
    let failed = data.failures().len();
    html! {
        dl.kpis {
            div.kpi {
                dt { "Final total value" }
                @match data.final_total_value() {
                    Some(value) => dd #final-total-value data-value=(format::exact(value)) { (format::usd(value)) },
                    None => dd #final-total-value data-value="" { "unknown (no PositionSnapshot)" },
                }
            }
            div.kpi {
                dt { "Total P&L" }
                @match data.total_pnl() {
                    Some(pnl) => dd #total-pnl data-value=(format::exact(pnl.total_pnl_usd)) { (format::usd(pnl.total_pnl_usd)) },
                    None => dd #total-pnl data-value="" { "unknown (no PnLCalculation)" },
                }
            }
            div.kpi {
                dt { "Failed attempts" }
                dd #operations-failed data-value=(failed) {
                    (failed) " of " (operations.attempts) " attempts ("
                    (operations.operations) " operations)"
                }
            }
            div.kpi {
                dt { "Errors" }
                dd #errors-total data-value=(data.errors.len()) { (data.errors.len()) }
            }
        }
        p.note {
            "Final total value is " code { "total_value_usd" } " of the last PositionSnapshot and total P&L is "
            code { "total_pnl_usd" } " of the last PnLCalculation: last by engine timestamp, then by "
            "emit order. An operation is one operation id, each of its events an attempt; a failed "
            "attempt is counted once, not again for the error it raised. The results store's "
            code { "summary.json" } " uses the same definitions."
        }
    }
}

fn events_per_type(data: &RunDigest, sources: &[Source]) -> Markup {
    // One row per event type of the run's catalogs, custom ones included,
    // summed over processes; its count and time range from the digest.
    let mut rows: Vec<(&str, &str, u64, usize)> = Vec::new();
    for source in sources {
        match rows.iter_mut().find(|row| row.1 == source.file) {
            Some(row) => {
                row.2 += source.skipped;
                row.3 += source.segments.len();
            }
            None => rows.push((
                &source.event,
                &source.file,
                source.skipped,
                source.segments.len(),
            )),
        }
    }
    html! {
        details open {
            summary { "Events per type" }
            div.table-wrap {
                table #events-per-type {
                    caption { "Events read per type, over every process and rotated segment" }
                    thead { tr {
                        th scope="col" { "event" } th scope="col" { "file" }
                        th.num scope="col" { "events" } th scope="col" { "first" } th scope="col" { "last" }
                        th.num scope="col" { "lines skipped" } th.num scope="col" { "files read" }
                    } }
                    tbody {
                        @for (event, file, skipped, segments) in &rows {
                            @let count = data.events_per_type().get(*event);
                            tr data-event=(event) data-events=(count.map_or(0, |c| c.events)) {
                                th scope="row" { (event) } td { code { "events/" (file) } }
                                td.num { (count.map_or(0, |c| c.events)) }
                                td { @if let Some(c) = count { (format::time(c.first)) } }
                                td { @if let Some(c) = count { (format::time(c.last)) } }
                                td.num { (skipped) } td.num { (segments) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn contents() -> Markup {
    let links = [
        ("data-notes", "Data notes"),
        ("value", "Value and P&L"),
        ("exposure", "Exposure"),
        ("risk", "Risk"),
        ("operations", "Operations"),
        ("errors", "Errors"),
        ("health", "Health"),
    ];
    html! {
        nav aria-label="Contents" {
            ul { @for (id, name) in links { li { a href={ "#" (id) } { (name) } } } }
        }
    }
}

fn data_notes(page: &Page<'_>) -> Markup {
    let gaps = &page.loaded.gaps;
    let segments: usize = page.sources().iter().map(|s| s.segments.len()).sum();
    html! {
        section #data-notes aria-labelledby="data-notes-h" {
            h2 #data-notes-h { "Data notes" }
            @if gaps.is_empty() {
                p.ok { "Complete: the run completed, every event file of the guide's catalog was found in every process, and every line was read." }
            } @else {
                p.warn {
                    strong { (gaps.len()) @if gaps.len() == 1 { " gap" } @else { " gaps" } }
                    " in this run's files. The charts show everything that could be read; what is listed here is left out."
                }
                ul #gaps.gaps { @for gap in gaps { li { (gap.to_string()) } } }
            }
            details {
                summary { "Files read (" (segments) ", rotated segments oldest first)" }
                div.table-wrap {
                    table #files-read {
                        caption { "Each event file of each process and the segments it was read from" }
                        thead { tr {
                            th scope="col" { "process" } th scope="col" { "file" }
                            th scope="col" { "segments read" }
                            th.num scope="col" { "events" } th.num scope="col" { "lines skipped" }
                        } }
                        tbody {
                            @for source in page.sources() {
                                tr {
                                    td { (source.pid) } td { code { (source.file) } }
                                    td { @if source.segments.is_empty() { "missing" } @else { (source.segments.join(", ")) } }
                                    td.num { (source.events) } td.num { (source.skipped) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The page's styles: readable on a laptop, prints cleanly, no web fonts.
const CSS: &str = r#"
:root{--fg:#1a1a1a;--muted:#555;--line:#dcdcdc;--warn:#8a4b00;--bad:#a40000;--link:#0b5394}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:#f4f5f7}
main{max-width:1060px;margin:0 auto;padding:20px}
header#run>h1{font-size:1.7rem;margin:0}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 20px;margin:14px 0}
h2{font-size:1.3rem;margin:0 0 10px}
h3{font-size:1.05rem;margin:0}
h4{font-size:1rem;margin:14px 0 4px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
a{color:var(--link)}
nav ul{display:flex;flex-wrap:wrap;gap:4px 18px;list-style:none;padding:0;margin:8px 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 18px;margin:0 0 10px}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:12px;margin:12px 0 4px}
.kpi{border:1px solid var(--line);border-radius:6px;padding:8px 12px}
.kpi dt{color:var(--muted);font-size:.85rem}
.kpi dd{margin:0;font-size:1.4rem;font-weight:600;font-variant-numeric:tabular-nums}
figure.chart{margin:18px 0 8px}
.chart-svg{display:block;width:100%;height:auto;border:1px solid #eee;border-radius:4px}
.note{color:var(--muted);font-size:.9rem;margin:2px 0 8px}
.absent{padding:14px;border:1px dashed #aaa;border-radius:6px;color:#444;background:#fafafa;margin:8px 0}
.ok{color:#1b5e20}
.warn{color:var(--warn)}
.gaps li{margin:2px 0}
table{border-collapse:collapse;font-size:.88rem;width:100%}
caption{text-align:left;color:var(--muted);padding:4px 0}
td:first-child,a.error-code{white-space:nowrap}
th,td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
thead th{position:sticky;top:0;background:#f7f7f7}
.num{text-align:right;font-variant-numeric:tabular-nums}
.table-wrap{max-height:420px;overflow:auto;border:1px solid #eee;border-radius:4px}
details{margin:6px 0}
summary{cursor:pointer;color:var(--link)}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 20px;padding:0;margin:6px 0;font-size:.9rem}
.key{display:inline-block;width:18px;margin-right:6px;vertical-align:middle;color:var(--c)}
.key-line{border-top:3px solid var(--c)}
.key-dashed{border-top:3px dashed var(--c)}
.key-dot{width:9px;height:9px;border-radius:50%;background:var(--c)}
.key-bar{width:12px;height:12px;background:var(--c)}
.key-cross::before{content:"\2715";font-weight:700}
.key-triangle::before{content:"\25B2"}
tr.bad td{color:var(--bad)}
@media print{body{background:#fff}section{break-inside:avoid}.table-wrap{max-height:none}}
"#;
