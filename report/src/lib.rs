//! The run report: one self-contained HTML page that shows a backtest at a glance.
//!
//! [`write_report`] reads a run's event files (`logs/{correlation_id}/{pid}`,
//! or `logs/{correlation_id}` to merge all its processes) and writes one HTML
//! file with inline styles and SVG charts, no script and no external
//! reference: it opens from disk, offline, in any browser, and stays a few
//! MB even for a year of minute ticks, because long series are downsampled
//! keeping each bucket's extremes.
//!
//! The page shows the run header, total value and total P&L with its
//! attribution, exposures by asset, risk (health factor, LTV against the
//! liquidation threshold, breaches), operations (counts, durations, failures
//! and retries, atomic groups and rollbacks), errors by severity and by
//! component with a table of failures linked to the error-code docs, and
//! health over time. Every chart has its numbers in a table under it, and a
//! chart whose events are absent says why. Missing files, torn last lines
//! and invalid lines are listed as [`Gap`]s on the page.
//!
//! ```no_run
//! use std::path::Path;
//!
//! let summary = basis_report::write_report(
//!     Path::new("logs/abc123/12345"),
//!     Path::new("results/abc123/report.html"),
//!     &basis_report::ReportOptions::default(),
//! )?;
//! println!("final total value: {:?}", summary.final_total_value);
//! # Ok::<(), basis_report::ReportError>(())
//! ```

mod chart;
pub mod compare;
pub mod digest;
mod downsample;
mod error;
mod external_sort;
mod format;
mod gaps;
mod load;
mod page;

use std::fs;
use std::io::Write;
use std::path::{Component as PathComponent, Path, PathBuf};

pub use digest::RunDigest;
pub use error::ReportError;
pub use gaps::Gap;
pub use load::{LoadBuilder, LoadedRun, Source, load, status_name};

/// The report's file name in a results directory: `results/{backtest_id}/report.html`.
pub const REPORT_FILE: &str = "report.html";

/// The default target of error-code links, relative to the report.
///
/// The results store writes the report to `results/{backtest_id}/report.html`
/// under the repository root, and the generated docs live at
/// `docs/ERROR_CODES.md`, so two levels up reaches them: the link works when
/// the report is opened where the demo and `export` put it. A report written
/// elsewhere should pass its own base, for instance from
/// [`relative_link`] or a URL of the published docs.
pub const DEFAULT_ERROR_DOCS: &str = "../../docs/ERROR_CODES.md";

/// How the report is written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportOptions {
    /// Where each error code links to: `{error_docs}#{CODE}`, such as
    /// `../../docs/ERROR_CODES.md#EXEC-001`. Default [`DEFAULT_ERROR_DOCS`].
    pub error_docs: String,
    /// The most points a chart draws per series, which is also the most rows
    /// of a chart's table. Longer series keep each bucket's min and max.
    /// Default 1,000: about one point per pixel of a laptop-wide chart.
    pub max_points: usize,
    /// The most rows of a listing (failures, breaches, atomic groups). Default 1,000.
    pub max_rows: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            error_docs: DEFAULT_ERROR_DOCS.to_owned(),
            max_points: 1_000,
            max_rows: 1_000,
        }
    }
}

impl ReportOptions {
    /// Sets where error codes link to.
    pub fn error_docs(mut self, base: impl Into<String>) -> Self {
        self.error_docs = base.into();
        self
    }

    /// Sets the most points drawn per series (at least 4).
    pub fn max_points(mut self, points: usize) -> Self {
        self.max_points = points.max(4);
        self
    }

    /// Sets the most rows of a listing.
    pub fn max_rows(mut self, rows: usize) -> Self {
        self.max_rows = rows;
        self
    }
}

/// One chart of the page and whether it was drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartStatus {
    /// The figure's HTML id: `chart-total-value`.
    pub id: &'static str,
    pub title: &'static str,
    /// `false` when its events were absent and the page says so instead.
    pub drawn: bool,
}

/// What a report shows, for the caller to print or check.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReportSummary {
    pub correlation_id: String,
    /// The processes merged, in pid order.
    pub processes: Vec<String>,
    /// Whether every process's manifest says the run completed.
    pub complete: bool,
    /// `total_value_usd` of the last PositionSnapshot: the latest engine
    /// timestamp, ties broken by file order (processes by pid, rotated
    /// segments oldest first, lines in order). The page shows it in
    /// `#final-total-value`; `summary.json` must state the same number.
    pub final_total_value: Option<f64>,
    /// `total_pnl_usd` of the last PnLCalculation, by the same rule; shown
    /// in `#total-pnl`.
    pub total_pnl: Option<f64>,
    /// Events read, over every file.
    pub events: u64,
    /// Every chart of the page, in page order.
    pub charts: Vec<ChartStatus>,
    /// What could not be read; each is also stated on the page.
    pub gaps: Vec<Gap>,
    /// What was read from each event file of each process.
    pub sources: Vec<Source>,
    /// The report's size in bytes.
    pub bytes: usize,
}

/// A rendered report: the page and what it shows.
#[derive(Debug, Clone)]
pub struct Report {
    pub html: String,
    pub summary: ReportSummary,
}

/// Renders the report of the run at `run_dir` (`logs/{correlation_id}/{pid}`
/// or `logs/{correlation_id}`) as one HTML string.
pub fn render(run_dir: &Path, options: &ReportOptions) -> Result<Report, ReportError> {
    render_loaded(&load(run_dir)?, options)
}

/// Renders the report of a run already read, as the results store does
/// with the digest it built while exporting.
pub fn render_loaded(loaded: &LoadedRun, options: &ReportOptions) -> Result<Report, ReportError> {
    let page = page::Page { loaded, options };
    let (html, charts) = page::render(&page)?;
    let data = &loaded.digest;
    let summary = ReportSummary {
        correlation_id: page.header().correlation_id,
        processes: loaded.processes.clone(),
        complete: loaded.is_complete(),
        final_total_value: data.final_total_value(),
        total_pnl: data.total_pnl().map(|row| row.total_pnl_usd),
        events: data.total_events(),
        charts,
        gaps: loaded.gaps.clone(),
        sources: loaded.sources.clone(),
        bytes: html.len(),
    };
    Ok(Report { html, summary })
}

/// The `generator` of every report page: how `basis-log report --force`
/// recognises a file it wrote, the only kind it replaces.
pub const GENERATOR: &str = "basis-log report";

/// Renders the report of `run_dir` and writes it to `out`, creating the
/// parent directory if needed.
///
/// The file is written beside `out` under a temporary name and renamed into
/// place, so a reader never sees half a report.
pub fn write_report(
    run_dir: &Path,
    out: &Path,
    options: &ReportOptions,
) -> Result<ReportSummary, ReportError> {
    write_loaded(&load(run_dir)?, out, options)
}

/// Renders a run already read and writes it to `out`, as [`write_report`].
pub fn write_loaded(
    loaded: &LoadedRun,
    out: &Path,
    options: &ReportOptions,
) -> Result<ReportSummary, ReportError> {
    let report = render_loaded(loaded, options)?;
    let parent = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(ReportError::write(&parent))?;
    let name = out
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| REPORT_FILE.to_owned());
    let temp = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = fs::File::create(&temp)
        .and_then(|mut file| {
            file.write_all(report.html.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temp, out));
    if let Err(err) = written {
        // Best effort: the temporary file is ours and useless now.
        let _ = fs::remove_file(&temp);
        return Err(ReportError::Write {
            path: out.to_owned(),
            source: err,
        });
    }
    Ok(report.summary)
}

/// A relative link from a report written to `report` to the file `target`
/// (say `docs/ERROR_CODES.md`), for [`ReportOptions::error_docs`]; `None`
/// when the two paths cannot be resolved (one does not exist) or share no root.
///
/// Both are resolved against the file system, so `report` need not exist
/// yet but its directory must.
pub fn relative_link(report: &Path, target: &Path) -> Option<String> {
    let from = report
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let from = from.canonicalize().ok()?;
    let to = target.canonicalize().ok()?;
    let from: Vec<PathComponent<'_>> = from.components().collect();
    let to: Vec<PathComponent<'_>> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return None;
    }
    let ups = std::iter::repeat_n("..".to_owned(), from.len() - common);
    let downs = to[common..]
        .iter()
        .map(|part| part.as_os_str().to_string_lossy().into_owned());
    Some(ups.chain(downs).collect::<Vec<_>>().join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links_climb_to_the_common_directory() {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir_all(root.path().join("results/run1")).unwrap();
        fs::create_dir_all(root.path().join("docs")).unwrap();
        fs::write(root.path().join("docs/ERROR_CODES.md"), "").unwrap();
        let link = relative_link(
            &root.path().join("results/run1/report.html"),
            &root.path().join("docs/ERROR_CODES.md"),
        );
        assert_eq!(link.as_deref(), Some("../../docs/ERROR_CODES.md"));
        assert_eq!(
            relative_link(
                &root.path().join("results/run1/report.html"),
                &root.path().join("nope")
            ),
            None
        );
    }

    /// A year of minute ticks of every per-tick event, and an operation an
    /// hour, straight into the reduced data the page is drawn from (parsing
    /// 525,600 lines per file is tested at a smaller scale in tests/, since a
    /// debug build parses slowly).
    #[test]
    fn a_year_of_minute_ticks_fits_in_a_few_megabytes() {
        use basis_events::catalog::{HealthStatus, OperationStatus, OperationType, RiskLevel};
        use chrono::{Duration, TimeZone, Utc};

        use crate::digest::*;

        const TICKS: i64 = 525_600;
        let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let value_of = |minute: i64| match minute {
            100_000 => 50_000.0,
            400_000 => 1_000.0,
            _ => 10_000.0 + (minute as f64 / 10_000.0).sin() * 100.0,
        };
        let mut data = RunDigest::default();
        let (usdt, eth) = (data.asset("USDT"), data.asset("ETH"));
        for minute in 0..TICKS {
            let time = start + Duration::minutes(minute);
            let value = value_of(minute);
            let wave = (minute as f64 / 777.0).sin();
            data.positions.push(PositionRow {
                time,
                total_value_usd: value,
            });
            data.pnl.push(PnlRow {
                time,
                total_pnl_usd: value - 10_000.0,
                supply_yield: minute as f64 * 0.001,
                transaction_costs: -wave.abs(),
                funding_pnl: wave,
            });
            data.exposures.push(ExposureRow {
                time,
                net_delta_usd: wave,
                assets: vec![(usdt, value - 2_000.0), (eth, 2_000.0 + wave)],
            });
            data.risk.push(RiskRow {
                time,
                health_factor: 1.5 + wave * 0.2,
                ltv_ratio: 0.6 + wave * 0.05,
                liquidation_threshold: 0.8,
                margin_usage: 0.3,
                risk_level: RiskLevel::Low,
                breach_detected: minute % 50_000 == 0,
            });
            data.health.push(HealthRow {
                time,
                overall_status: HealthStatus::Healthy,
                health_score: 0.9 + wave * 0.05,
                not_healthy: Vec::new(),
            });
            if minute % 60 == 0 {
                data.operations.push(OperationRow {
                    time,
                    operation_id: format!("supply_{minute}"),
                    operation_type: OperationType::Supply,
                    status: OperationStatus::Confirmed,
                    venue: "aave_v3".to_owned(),
                    execution_duration_ms: 100.0 + wave * 10.0,
                    fee_amount: 0.0,
                    fee_currency: "USDT".to_owned(),
                    error_code: None,
                    error_message: None,
                });
            }
        }
        data.first = Some(start);
        data.last = Some(start + Duration::minutes(TICKS - 1));
        data.finish().unwrap();

        let loaded = LoadedRun {
            digest: data,
            gaps: Vec::new(),
            sources: Vec::new(),
            manifests: Vec::new(),
            correlation_id: "year".to_owned(),
            processes: Vec::new(),
        };
        let options = ReportOptions::default();
        let (html, charts) = page::render(&page::Page {
            loaded: &loaded,
            options: &options,
        })
        .unwrap();

        let mb = html.len() as f64 / 1e6;
        assert!(mb < 3.0, "a year of minute ticks gives {mb:.2} MB");
        let drawn = charts.iter().filter(|c| c.drawn).count();
        assert_eq!(drawn, 8, "all but atomic groups and errors: {charts:?}");
        let value = &html[html.find("id=\"chart-total-value\"").unwrap()..];
        let value = &value[..value.find("</figure>").unwrap()];
        assert!(value.contains("525,600 position snapshots;"));
        assert!(
            value.contains("<td class=\"num\">50000.00</td>"),
            "the spike up is kept"
        );
        assert!(
            value.contains("<td class=\"num\">1000.00</td>"),
            "the spike down is kept"
        );
        assert!(html.contains(&format!("data-value=\"{}\"", value_of(TICKS - 1))));
    }

    #[test]
    fn options_are_built_fluently() {
        let options = ReportOptions::default()
            .error_docs("x.md")
            .max_points(1)
            .max_rows(3);
        assert_eq!(options.error_docs, "x.md");
        assert_eq!(options.max_points, 4);
        assert_eq!(options.max_rows, 3);
    }
}
