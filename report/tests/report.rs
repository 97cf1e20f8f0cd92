//! The report of synthetic runs: complete, with absent events, damaged,
//! merged over processes, and a year of minute ticks.

mod common;

use basis_events::catalog::{PnLCalculation, PositionSnapshot, RiskAssessment};
use basis_events::{DomainEvent, Severity};
use basis_report::{Gap, ReportError, ReportOptions, render, write_report};
use common::*;

#[test]
fn every_chart_is_drawn_for_a_complete_run() {
    let (_run, process) = complete_run();
    let report = render(&process, &ReportOptions::default()).unwrap();
    let html = &report.html;
    let summary = &report.summary;

    assert_eq!(summary.gaps, Vec::<Gap>::new(), "a complete run has no gap");
    assert_eq!(summary.correlation_id, CORRELATION_ID);
    assert_eq!(summary.processes, [PID.to_string()]);
    let charts: Vec<&str> = summary.charts.iter().map(|c| c.id).collect();
    assert_eq!(charts, CHARTS);
    for chart in &summary.charts {
        assert!(chart.drawn, "{} is drawn", chart.id);
        let figure = figure(html, chart.id);
        assert!(
            figure.contains("<svg class=\"chart-svg\" role=\"img\""),
            "{}",
            chart.id
        );
        assert!(figure.contains(&format!("<title id=\"{}-title\">", chart.id)));
        assert!(
            figure.contains("<details>") && figure.contains("<th scope=\"col\">"),
            "{} has a table",
            chart.id
        );
        assert!(!figure.contains("class=\"absent\""), "{}", chart.id);
    }

    // The header's numbers, by the rule: the last event by engine time.
    let last = HOURS - 1;
    assert_eq!(summary.final_total_value, Some(value_at(last)));
    assert_eq!(summary.total_pnl, Some(pnl(last).total_pnl_usd));
    assert_eq!(data_value(html, "final-total-value"), Some(value_at(last)));
    assert_eq!(data_value(html, "total-pnl"), Some(pnl(last).total_pnl_usd));
    assert!(
        html.contains(">$10,058.75</dd>"),
        "final value shown in dollars"
    );
    assert_eq!(data_value(html, "capital"), Some(10_000.0));
    assert!(html.contains("<dd>pure_lending</dd>") && html.contains("<dd>pure_lending_usdt</dd>"));
    assert!(
        html.contains("2025-01-15 00:00:00</time> to <time"),
        "time range"
    );

    // Events per type: every file, with its count.
    let per_type = html.split("id=\"events-per-type\"").nth(1).unwrap();
    assert!(per_type.contains("<th scope=\"row\">PositionSnapshot</th><td><code>events/positions.jsonl</code></td><td class=\"num\">48</td>"));
    assert_eq!(summary.events, 48 * 5 + 8 + 4 + 2 + 4 + 3);

    // Risk: the breach is marked and listed.
    assert!(html.contains("1 of 48 risk assessments reported a breach."));
    // Operations: the failure and the retry are marked, the rollback counted.
    let durations = figure(html, "chart-durations");
    assert!(durations.contains("<td>retried</td>") && durations.contains("<td>failed</td>"));
    assert!(
        figure(html, "chart-atomic-groups")
            .contains("<td>rolled back</td><td class=\"num\">1</td>")
    );

    // Failures link their codes to the docs; hostile text is escaped.
    let high = code_of(Severity::High).code();
    assert!(
        html.contains(&format!("href=\"../../docs/ERROR_CODES.md#{high}\"")),
        "{high}"
    );
    assert!(
        !html.contains("<script"),
        "no script, and the message is escaped"
    );
    assert!(html.contains("venue said &lt;script&gt;alert(1)&lt;/script&gt; &amp; left"));
    assert!(
        html.contains("data-count=\"7\""),
        "2 failed + 1 rolled back + 4 errors"
    );
}

#[test]
fn the_error_docs_base_is_configurable() {
    let (_run, process) = complete_run();
    let options = ReportOptions::default().error_docs("/srv/docs/ERROR_CODES.html");
    let html = render(&process, &options).unwrap().html;
    let code = code_of(Severity::Critical).code();
    assert!(html.contains(&format!("href=\"/srv/docs/ERROR_CODES.html#{code}\"")));
}

#[test]
fn a_chart_without_events_says_so() {
    let run = RunDir::new();
    run.manifest(PID);
    run.events(
        PID,
        &(0..3)
            .map(|h| record(at(h, 0), PID, position(h, value_at(h))))
            .collect::<Vec<_>>(),
    );
    run.write(PID, PnLCalculation::FILE, "");
    let report = render(&run.process(PID), &ReportOptions::default()).unwrap();
    let html = &report.html;

    assert!(report.summary.charts[0].drawn);
    assert!(report.summary.charts[1..].iter().all(|c| !c.drawn));
    let risk = figure(html, "chart-health-factor");
    assert!(!risk.contains("<svg"), "no empty frame");
    assert!(risk.contains("No RiskAssessment events: events/risk_assessments.jsonl is missing."));
    assert!(
        figure(html, "chart-pnl")
            .contains("No PnLCalculation events: events/pnl_calculations.jsonl is empty.")
    );
    assert!(figure(html, "chart-errors-severity").contains("No SystemErrorEvent events"));
    assert!(
        html.contains("id=\"total-pnl\" data-value=\"\""),
        "no P&L, no number"
    );
    // Eleven files are missing and each is stated.
    let missing = report
        .summary
        .gaps
        .iter()
        .filter(|gap| matches!(gap, Gap::MissingFile { .. }))
        .count();
    assert_eq!(missing, 10, "{:?}", report.summary.gaps);
    assert!(html.contains(
        "events/risk_assessments.jsonl is missing (no active file and no rotated segment)"
    ));
}

#[test]
fn rotated_segments_a_torn_tail_and_a_missing_file_still_give_a_correct_report() {
    let (run, process) = complete_run();
    // Positions rotated twice: segments 1 and 2 are older, the active file
    // newest, and the active file ends in a line cut short by a crash.
    let all: Vec<_> = (0..HOURS)
        .map(|h| record(at(h, 0), PID, position(h, value_at(h))))
        .collect();
    run.write(PID, "positions.1.jsonl", &lines(&all[..10]));
    run.write(PID, "positions.2.jsonl", &lines(&all[10..30]));
    let torn_value = 99_999.0;
    let torn =
        serde_json::to_string(&record(at(HOURS, 0), PID, position(HOURS, torn_value))).unwrap();
    let torn = &torn[..torn.len() / 2];
    run.write(PID, PositionSnapshot::FILE, &(lines(&all[30..]) + torn));
    // A lost file, and one line of garbage in the middle of another.
    std::fs::remove_file(process.join("events").join(RiskAssessment::FILE)).unwrap();
    let pnl_all: Vec<_> = (0..HOURS).map(|h| record(at(h, 0), PID, pnl(h))).collect();
    run.write(
        PID,
        PnLCalculation::FILE,
        &(lines(&pnl_all[..5]) + "{\"not\":\"an event\"}\n" + &lines(&pnl_all[5..])),
    );

    let report = render(&process, &ReportOptions::default()).unwrap();
    let summary = &report.summary;
    let html = &report.html;

    // Every complete snapshot is read, in order, and the torn one is not.
    assert_eq!(summary.final_total_value, Some(value_at(HOURS - 1)));
    assert_eq!(summary.total_pnl, Some(pnl(HOURS - 1).total_pnl_usd));
    let positions = summary
        .sources
        .iter()
        .find(|s| s.file == PositionSnapshot::FILE)
        .unwrap();
    assert_eq!(
        positions.segments,
        ["positions.1.jsonl", "positions.2.jsonl", "positions.jsonl"]
    );
    assert_eq!((positions.events, positions.skipped), (HOURS as u64, 1));
    assert!(figure(html, "chart-total-value").contains("48 position snapshots, all drawn."));

    // The gaps, each stated on the page.
    assert!(
        summary.gaps.iter().any(
            |g| matches!(g, Gap::TornTail { segment, line: 19, .. } if segment == "positions.jsonl")
        ),
        "{:?}",
        summary.gaps
    );
    assert!(
        summary
            .gaps
            .iter()
            .any(|g| matches!(g, Gap::MissingFile { file, .. } if file == RiskAssessment::FILE))
    );
    assert!(summary.gaps.iter().any(|g| matches!(g, Gap::BadLine { segment, line: 6, .. } if segment == "pnl_calculations.jsonl")));
    assert_eq!(summary.gaps.len(), 3, "{:?}", summary.gaps);
    assert!(html.contains("<strong>3 gaps</strong>"));
    assert!(html.contains("events/positions.jsonl line 19 is a torn last line"));
    assert!(html.contains("events/risk_assessments.jsonl is missing"));
    assert!(html.contains("events/pnl_calculations.jsonl line 6 is not a valid event"));
    assert!(html.contains("positions.1.jsonl, positions.2.jsonl, positions.jsonl"));
    // The missing file's charts say so; the others are drawn.
    assert!(figure(html, "chart-ltv").contains("events/risk_assessments.jsonl is missing"));
    let drawn: Vec<&str> = summary
        .charts
        .iter()
        .filter(|c| c.drawn)
        .map(|c| c.id)
        .collect();
    assert_eq!(drawn.len(), CHARTS.len() - 2, "{drawn:?}");
}

#[test]
fn the_last_event_is_the_latest_timestamp_then_the_last_in_file_order() {
    let run = RunDir::new();
    // Segment 1 holds the latest time; the active file repeats that time
    // with another value, and ends with an older event.
    run.write(
        PID,
        "positions.1.jsonl",
        &lines(&[
            record(at(1, 0), PID, position(1, 1.0)),
            record(at(5, 0), PID, position(5, 2.0)),
        ]),
    );
    run.write(
        PID,
        PositionSnapshot::FILE,
        &lines(&[
            record(at(5, 0), PID, position(5, 3.0)),
            record(at(2, 0), PID, position(2, 4.0)),
        ]),
    );
    let summary = render(&run.process(PID), &ReportOptions::default())
        .unwrap()
        .summary;
    assert_eq!(summary.final_total_value, Some(3.0));
}

#[test]
fn the_processes_of_a_correlation_id_are_merged() {
    let run = RunDir::new();
    complete_process(&run, PID);
    // A second process that went on for two more hours.
    let later = PID + 1;
    run.manifest(later);
    run.events(
        later,
        &[
            record(at(HOURS, 0), later, position(HOURS, 12_345.5)),
            record(at(HOURS + 1, 0), later, position(HOURS + 1, 12_346.5)),
        ],
    );
    let report = render(&run.correlation_dir(), &ReportOptions::default()).unwrap();
    assert_eq!(
        report.summary.processes,
        [PID.to_string(), later.to_string()]
    );
    assert_eq!(report.summary.final_total_value, Some(12_346.5));
    assert!(report.html.contains("<dd>4242, 4243</dd>"));
    assert!(report.html.contains("49 h") || report.html.contains("2 days 1 h"));
    // The second process has only positions: its other files are gaps.
    assert!(
        report
            .summary
            .gaps
            .iter()
            .all(|g| matches!(g, Gap::MissingFile { pid, .. } if *pid == later.to_string()))
    );
}

#[test]
fn the_page_makes_no_request() {
    let (_run, process) = complete_run();
    let html = render(&process, &ReportOptions::default()).unwrap().html;
    let inert = "xmlns=\"http://www.w3.org/2000/svg\"";
    let stripped = html.replace(inert, "");
    assert!(
        html.matches(inert).count() >= CHARTS.len(),
        "the charts are inline SVG"
    );
    for needle in [
        "http://", "https://", "<script", "<link", "<img", "<iframe", "url(", "@import", "src=",
    ] {
        assert!(!stripped.contains(needle), "the page contains `{needle}`");
    }
}

#[test]
fn write_report_writes_the_file_and_refuses_what_is_not_a_run() {
    let (run, process) = complete_run();
    let out = run
        .root
        .path()
        .join("results")
        .join("r1")
        .join("report.html");
    let summary = write_report(&process, &out, &ReportOptions::default()).unwrap();
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written.len(), summary.bytes);
    assert!(written.starts_with("<!DOCTYPE html>"));
    let leftovers: Vec<_> = std::fs::read_dir(out.parent().unwrap()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");

    let err = write_report(run.root.path(), &out, &ReportOptions::default()).unwrap_err();
    assert!(matches!(err, ReportError::NotARun { .. }), "{err}");
    assert!(err.to_string().contains("is not a run directory"), "{err}");
}

#[test]
fn a_long_file_is_downsampled_keeping_its_extremes() {
    // A year of 20-minute ticks through the real reader (the size bound for
    // a year of minute ticks is a unit test in lib.rs, on the same code path
    // after parsing, which a debug build would spend 20 s on).
    const TICKS: i64 = 26_280;
    let value_of = |tick: i64| match tick {
        10_000 => 50_000.0,
        20_000 => 1_000.0,
        _ => 10_000.0 + (tick as f64 / 1_000.0).sin() * 100.0,
    };
    let records: Vec<_> = (0..TICKS)
        .map(|tick| record(at(0, 20 * tick), PID, position(tick, value_of(tick))))
        .collect();
    let run = RunDir::new();
    run.events(PID, &records);
    let report = render(&run.process(PID), &ReportOptions::default()).unwrap();
    assert_eq!(report.summary.final_total_value, Some(value_of(TICKS - 1)));
    let figure = figure(&report.html, "chart-total-value");
    assert!(
        figure.contains("26,280 position snapshots;"),
        "the note says how many"
    );
    let rows = figure.matches("<tr>").count() - 1;
    assert!(rows <= 1_002, "{rows} rows");
    // The extremes, the first and the last tick survive downsampling.
    assert!(figure.contains("<td class=\"num\">50000.00</td>"));
    assert!(figure.contains("<td class=\"num\">1000.00</td>"));
    assert!(figure.contains("2025-01-15 00:00:00") && figure.contains("2026-01-14 23:40:00"));
}
