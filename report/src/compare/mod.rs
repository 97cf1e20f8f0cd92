//! The compare page (`basis-log compare --report FILE`): total value, total
//! P&L and drawdown of several runs overlaid on one engine-time axis, the
//! table of deltas against the baseline, and the warnings that say which
//! runs are not comparable. Self-contained like the run report: inline
//! styles and SVG, no script, no request.
//!
//! The caller computes every number ([`ComparePage`] is plain data); the
//! page only draws and lays them out, and puts each number's exact value in
//! a `data-value` attribute so a test can check it against `compare --json`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::chart::{Key, LegendItem, Series, TimeChart, css, palette, time_chart};
use crate::downsample::min_max_indices;
use crate::error::ReportError;
use crate::format;

/// The most points drawn per run and series.
const MAX_POINTS: usize = 600;

/// Everything the page shows.
#[derive(Debug, Clone, Default)]
pub struct ComparePage {
    /// The baseline's correlation id; the first of [`ComparePage::runs`].
    pub baseline: String,
    pub runs: Vec<PageRun>,
    pub metrics: Vec<PageMetric>,
    /// Sentences, one per way two runs are not comparable.
    pub warnings: Vec<String>,
}

/// One run's series over engine time.
#[derive(Debug, Clone, Default)]
pub struct PageRun {
    pub id: String,
    pub total_value: Vec<(DateTime<Utc>, f64)>,
    pub pnl: Vec<(DateTime<Utc>, f64)>,
    pub drawdown: Vec<(DateTime<Utc>, f64)>,
}

/// One row of the delta table.
#[derive(Debug, Clone, Default)]
pub struct PageMetric {
    pub name: String,
    /// The value of each run, in the order of [`ComparePage::runs`].
    pub values: Vec<Option<f64>>,
    /// The delta of each run but the baseline against the baseline.
    pub deltas: Vec<Option<f64>>,
}

/// Renders the page.
pub fn render_compare(page: &ComparePage) -> Result<String, ReportError> {
    let charts = [
        chart(
            page,
            "chart-total-value",
            "Total value over time",
            "USD",
            |r| &r.total_value,
        )?,
        chart(page, "chart-pnl", "Total P&L over time", "USD", |r| &r.pnl)?,
        chart(
            page,
            "chart-drawdown",
            "Drawdown from the running peak",
            "USD",
            |r| &r.drawdown,
        )?,
    ];
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                meta name="generator" content=(crate::GENERATOR);
                meta http-equiv="Content-Security-Policy"
                    content="default-src 'none'; style-src 'unsafe-inline'; img-src data:";
                title { "Run comparison against " (page.baseline) }
                style { (PreEscaped(CSS)) }
            }
            body {
                main {
                    h1 { "Run comparison" }
                    p.note { "Baseline " code { (page.baseline) } ", " (format::count(page.runs.len(), "run")) " compared." }
                    section #warnings aria-labelledby="warnings-h" {
                        h2 #warnings-h { "Comparability" }
                        @if page.warnings.is_empty() {
                            p.ok data-warnings="0" { "The runs are comparable: same binary version, catalog, strategy, capital and engine time range." }
                        } @else {
                            ul.warn data-warnings=(page.warnings.len()) {
                                @for warning in &page.warnings { li.warning { (warning) } }
                            }
                        }
                    }
                    section #series aria-labelledby="series-h" {
                        h2 #series-h { "Over engine time" }
                        @for chart in &charts { (chart) }
                    }
                    section #deltas aria-labelledby="deltas-h" {
                        h2 #deltas-h { "Deltas against the baseline" }
                        (delta_table(page))
                    }
                    footer { p.note { "Written by basis-report " (env!("CARGO_PKG_VERSION")) ". Times are the engine clock, in UTC." } }
                }
            }
        }
    };
    Ok(markup.into_string())
}

/// Renders the page and writes it to `out` atomically (a temporary file
/// beside it, renamed into place).
pub fn write_compare(page: &ComparePage, out: &Path) -> Result<(), ReportError> {
    let html = render_compare(page)?;
    let parent = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(ReportError::write(&parent))?;
    let name = out
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "compare.html".to_owned());
    let temp = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = fs::File::create(&temp)
        .and_then(|mut file| {
            file.write_all(html.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temp, out));
    if let Err(source) = written {
        // Best effort: the temporary file is ours and useless now.
        let _ = fs::remove_file(&temp);
        return Err(ReportError::Write {
            path: out.to_owned(),
            source,
        });
    }
    Ok(())
}

/// One chart with a line per run; the runs' extremes survive downsampling.
fn chart(
    page: &ComparePage,
    id: &str,
    title: &str,
    y_label: &str,
    points: impl Fn(&PageRun) -> &Vec<(DateTime<Utc>, f64)>,
) -> Result<Markup, ReportError> {
    let series: Vec<Series> = page
        .runs
        .iter()
        .enumerate()
        .map(|(i, run)| {
            let all = points(run);
            let values: Vec<f64> = all.iter().map(|p| p.1).collect();
            Series {
                name: run.id.clone(),
                color: palette::series(i),
                points: min_max_indices(&values, MAX_POINTS / 2)
                    .into_iter()
                    .map(|k| all[k])
                    .collect(),
                dashed: i == 0 && page.runs.len() > 1,
            }
        })
        .collect();
    let legend: Vec<LegendItem> = series
        .iter()
        .map(|s| LegendItem {
            name: s.name.clone(),
            color: s.color,
            key: if s.dashed { Key::Dashed } else { Key::Line },
        })
        .collect();
    let drawn = time_chart(&TimeChart {
        id,
        title,
        desc: format!(
            "{title} for {}, in {y_label}.",
            format::count(page.runs.len(), "run")
        ),
        y_label,
        series,
        markers: Vec::new(),
        y_range: None,
        zero_based: false,
        log_if_wide: false,
    })?;
    Ok(html! {
        figure.chart id=(id) data-chart=(id) data-drawn=(drawn.is_some()) {
            figcaption { h3 { (title) } }
            @match drawn {
                Some(svg) => {
                    (PreEscaped(svg))
                    ul.legend aria-label="Key" {
                        @for item in &legend {
                            li {
                                span class={ "key key-" (if item.key == Key::Dashed { "dashed" } else { "line" }) }
                                    style={ "--c:" (css(item.color)) } aria-hidden="true" {}
                                (item.name)
                            }
                        }
                    }
                }
                None => p.absent role="note" { "No run has these events." },
            }
        }
    })
}

/// Values of every run, then each run's delta, one row per metric.
fn delta_table(page: &ComparePage) -> Markup {
    let others = page.runs.get(1..).unwrap_or_default();
    let cell = |value: Option<f64>, run: &str, kind: &str, metric: &str| match value {
        Some(v) => html! {
            td.num data-metric=(metric) data-run=(run) data-kind=(kind) data-value=(format::exact(v)) {
                (display(v))
            }
        },
        None => html! { td.num data-metric=(metric) data-run=(run) data-kind=(kind) { "–" } },
    };
    html! {
        div.table-wrap {
            table #delta-table {
                caption { "Each run's value, then its delta (value − baseline)" }
                thead {
                    tr {
                        th scope="col" { "metric" }
                        @for run in &page.runs { th scope="col" { code { (run.id) } @if run.id == page.baseline { " (baseline)" } } }
                        @for run in others { th scope="col" { "Δ " code { (run.id) } } }
                    }
                }
                tbody {
                    @for metric in &page.metrics {
                        tr {
                            th scope="row" { code { (metric.name) } }
                            @for (run, value) in page.runs.iter().zip(&metric.values) {
                                (cell(*value, &run.id, "value", &metric.name))
                            }
                            @for (run, delta) in others.iter().zip(&metric.deltas) {
                                (cell(*delta, &run.id, "delta", &metric.name))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A number as a reader wants it: four decimals at most, no negative zero.
fn display(value: f64) -> String {
    let text = format::cell(value, 4);
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    if trimmed == "-0" {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// The page's styles: the run report's look, in a few rules.
const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1a1a1a;background:#f4f5f7}
main{max-width:1060px;margin:0 auto;padding:20px}
section{background:#fff;border:1px solid #dcdcdc;border-radius:8px;padding:14px 20px;margin:14px 0}
h1{font-size:1.7rem;margin:0}
h2{font-size:1.3rem;margin:0 0 10px}
h3{font-size:1.05rem;margin:0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
figure.chart{margin:18px 0 8px}
.chart-svg{display:block;width:100%;height:auto;border:1px solid #eee;border-radius:4px}
.note{color:#555;font-size:.9rem;margin:2px 0 8px}
.absent{padding:14px;border:1px dashed #aaa;border-radius:6px;background:#fafafa}
.ok{color:#1b5e20}
.warn{color:#8a4b00}
table{border-collapse:collapse;font-size:.88rem;width:100%}
caption{text-align:left;color:#555;padding:4px 0}
th,td{border-bottom:1px solid #dcdcdc;padding:3px 8px;text-align:left}
.num{text-align:right;font-variant-numeric:tabular-nums}
.table-wrap{overflow:auto}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 20px;padding:0;margin:6px 0;font-size:.9rem}
.key{display:inline-block;width:18px;margin-right:6px;vertical-align:middle}
.key-line{border-top:3px solid var(--c)}
.key-dashed{border-top:3px dashed var(--c)}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn time(hour: u32) -> DateTime<Utc> {
        chrono::NaiveDate::from_ymd_opt(2025, 1, 15)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
            .and_utc()
    }

    fn page() -> ComparePage {
        let run = |id: &str, end: f64| PageRun {
            id: id.to_owned(),
            total_value: vec![(time(1), 100.0), (time(2), end)],
            pnl: vec![(time(1), 0.0), (time(2), end - 100.0)],
            drawdown: vec![(time(1), 0.0), (time(2), 0.0)],
        };
        ComparePage {
            baseline: "a".to_owned(),
            runs: vec![run("a", 110.0), run("b<x>", 95.5)],
            metrics: vec![PageMetric {
                name: "final_total_value_usd".to_owned(),
                values: vec![Some(110.0), Some(95.5)],
                deltas: vec![Some(-14.5)],
            }],
            warnings: vec!["b<x> has a different strategy".to_owned()],
        }
    }

    #[test]
    fn the_page_carries_every_number_and_warning_escaped() {
        let html = render_compare(&page()).unwrap();
        assert!(
            html.contains(r#"data-kind="delta" data-value="-14.5""#),
            "{html}"
        );
        assert!(html.contains(r#"data-run="a" data-kind="value" data-value="110""#));
        assert!(html.contains("b&lt;x&gt; has a different strategy"));
        assert!(!html.contains("<x>"), "ids are escaped");
        assert_eq!(html.matches(r#"data-drawn="true""#).count(), 3);
        assert!(!html.contains("<script"));
        assert!(
            html.contains(r#"content="basis-log report""#),
            "--force recognises it"
        );
    }

    #[test]
    fn numbers_read_without_noise() {
        assert_eq!(display(-14.5), "-14.5");
        assert_eq!(display(-0.00001), "0");
        assert_eq!(display(3.0), "3");
        assert_eq!(display(0.12345), "0.1235");
    }
}
