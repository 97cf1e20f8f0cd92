//! Bad input that reaches the file system or the files.
//!
//! - Correlation ids (`LogDirectoryManager`), backtest ids (a run directory's
//!   name, in `basis-log export`) and export targets with `..`, absolute
//!   paths, separators, NUL and control characters or over-long names are
//!   refused with a clear error, and nothing is created anywhere: the whole
//!   sandbox tree is compared before and after.
//! - Non-finite floats in any event of the catalog, at any depth, are refused
//!   by `emit` with the field's path, in every durability mode, and never
//!   written as `null`; the events around them are written. `metadata`
//!   included: a NaN inserted there (a float, a list, a nested map, through
//!   `with_metadata`) is refused as `metadata.{key}`.
//!
//! Event file names are checked in `bad_event_file.rs` (an event with a
//! hostile file name has to be registered in its own test binary).

use std::fs;
use std::path::{Path, PathBuf};

use basis_events::catalog::*;
use basis_events::prelude::IndexMap;
use basis_events::run_dir::{LogDirectoryManager, RunDirError, RunOptions};
use basis_events::{DomainEvent, DomainEventLogger, Durability, ErrorKind, LogError, LoggerConfig};
use basis_log::export::{ExportOptions, export};
use basis_reliability::tree;

/// Ids that must never become a path.
fn hostile_ids(sandbox: &Path) -> Vec<String> {
    let mut ids: Vec<String> = [
        "",
        ".",
        "..",
        "../escape",
        "..\\escape",
        "a/../../escape",
        "/",
        "a/b",
        "a\\b",
        "./a",
        "a\0b",
        "\0",
        "a\nb",
        "a\rb",
        "tab\there",
        "\u{1b}[31mred",
        "del\u{7f}",
        "nel\u{85}",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    ids.push(sandbox.join("absolute").to_str().unwrap().to_owned());
    ids.push("/tmp/basis-absolute-escape".to_owned());
    ids.push("x".repeat(129));
    // 130 bytes in 65 characters: the limit is in bytes.
    ids.push("é".repeat(65));
    ids.push("x".repeat(5000));
    ids
}

#[test]
fn hostile_correlation_ids_are_refused_and_nothing_is_created() {
    let sandbox = tempfile::tempdir().unwrap();
    let root = sandbox.path().join("logs");
    let manager = LogDirectoryManager::with_root(&root);
    let before = tree(sandbox.path());
    for id in hostile_ids(sandbox.path()) {
        let err = manager
            .create_run_logs(RunOptions::new("m", "s", 1.0).correlation_id(id.clone()))
            .map(|run| run.dir().to_owned())
            .expect_err(&format!("{id:?} was accepted"));
        assert!(
            matches!(err, RunDirError::InvalidId { .. }),
            "{id:?}: {err}"
        );
        let text = err.to_string();
        assert!(text.starts_with("invalid id `"), "{id:?}: {text}");
        // The message is printable: control characters are escaped.
        assert!(!text.chars().any(char::is_control), "{id:?}: {text:?}");
        assert_eq!(tree(sandbox.path()), before, "{id:?} created something");
    }
    assert!(!Path::new("/tmp/basis-absolute-escape").exists());
    // The limit is a limit, not a ban: plain names up to 128 bytes work.
    for id in [
        "x".repeat(128),
        "run-1.2_x".to_owned(),
        "日本語".to_owned(),
        "...".to_owned(),
    ] {
        let run = manager
            .create_run_logs(RunOptions::new("m", "s", 1.0).correlation_id(id.clone()))
            .unwrap_or_else(|err| panic!("{id:?}: {err}"));
        assert_eq!(run.dir().parent().unwrap(), root.join(&id));
    }
}

/// A run directory `logs/{name}/123/` holding one valid event.
fn make_run(logs: &Path, name: &str) -> PathBuf {
    let dir = logs.join(name).join("123");
    let logger = DomainEventLogger::new(&dir, "x", 123).unwrap();
    logger
        .emit(TightLoopExecutionEvent::example().unwrap())
        .unwrap();
    logger.shutdown().unwrap();
    dir
}

#[test]
fn export_refuses_a_backtest_id_that_is_not_a_plain_name() {
    let sandbox = tempfile::tempdir().unwrap();
    let logs = sandbox.path().join("logs");
    // Names a directory can have on disk but a backtest id must not.
    for name in ["a\nb", "-rf", "esc\u{1b}[2J", &"y".repeat(200)] {
        let run_dir = make_run(&logs, name);
        let results = sandbox.path().join("results");
        let before = tree(sandbox.path());
        for run in [run_dir.clone(), run_dir.parent().unwrap().to_owned()] {
            let err = export(&ExportOptions {
                run_dir: run.clone(),
                to: None,
                results_root: results.clone(),
                force: false,
                allow_running: true,
                ..ExportOptions::default()
            })
            .expect_err(&format!("{name:?} exported"));
            let text = err.to_string();
            assert!(
                text.contains("invalid correlation id")
                    || text.contains("invalid backtest id")
                    || text.contains("invalid id"),
                "{name:?}: {text}"
            );
            assert!(!text.contains('\n'), "{name:?}: {text:?}");
            assert_eq!(tree(sandbox.path()), before, "{name:?} created something");
        }
        fs::remove_dir_all(logs.join(name)).unwrap();
    }
}

#[test]
fn export_refuses_targets_that_climb_out_and_creates_nothing() {
    let sandbox = tempfile::tempdir().unwrap();
    let run_dir = make_run(&sandbox.path().join("logs"), "run1");
    let outside = sandbox.path().parent().unwrap().to_owned();
    let escape_name = format!("escape-{}", std::process::id());
    let before = tree(sandbox.path());
    let results = sandbox.path().join("results");
    let cases: Vec<(Option<PathBuf>, PathBuf)> = vec![
        // --to with `..`
        (
            Some(results.join("..").join("..").join(&escape_name)),
            results.clone(),
        ),
        (
            Some(PathBuf::from(format!("../{escape_name}"))),
            results.clone(),
        ),
        // --to with control characters
        (Some(results.join("a\nb")), results.clone()),
        (Some(results.join("a\0b")), results.clone()),
        // an empty --to
        (Some(PathBuf::new()), results.clone()),
        // a results root with `..`
        (None, results.join("..").join("..").join(&escape_name)),
        // a target overlapping the run
        (Some(run_dir.join("events")), results.clone()),
        (Some(sandbox.path().join("logs")), results.clone()),
    ];
    for (to, results_root) in cases {
        let result = export(&ExportOptions {
            run_dir: run_dir.clone(),
            to: to.clone(),
            results_root: results_root.clone(),
            force: true,
            allow_running: true,
            ..ExportOptions::default()
        });
        let err = result.expect_err(&format!("{to:?} {results_root:?} accepted"));
        let text = err.to_string();
        assert!(text.starts_with("invalid "), "{to:?}: {text}");
        assert_eq!(tree(sandbox.path()), before, "{to:?} changed the sandbox");
        assert!(!outside.join(&escape_name).exists(), "{to:?} escaped");
    }
    // An absolute target is the user's explicit choice and works.
    let to = sandbox.path().join("chosen");
    let outcome = export(&ExportOptions {
        run_dir: run_dir.clone(),
        to: Some(to.clone()),
        results_root: results,
        force: false,
        allow_running: true,
        ..ExportOptions::default()
    })
    .unwrap();
    assert_eq!(outcome.results_dir, to);
}

#[test]
fn export_with_force_replaces_a_planted_symlink_not_what_it_points_to() {
    let sandbox = tempfile::tempdir().unwrap();
    let run_dir = make_run(&sandbox.path().join("logs"), "run1");
    let victim = sandbox.path().join("victim");
    fs::create_dir(&victim).unwrap();
    fs::write(victim.join("precious"), "keep me").unwrap();
    let to = sandbox.path().join("results");
    std::os::unix::fs::symlink(&victim, &to).unwrap();
    // Without --force: refused, as an existing results directory.
    let err = export(&ExportOptions {
        run_dir: run_dir.clone(),
        to: Some(to.clone()),
        results_root: sandbox.path().join("unused"),
        force: false,
        allow_running: true,
        ..ExportOptions::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    // With --force the link is replaced; the directory it named is intact.
    let _ = export(&ExportOptions {
        run_dir,
        to: Some(to.clone()),
        results_root: sandbox.path().join("unused"),
        force: true,
        allow_running: true,
        ..ExportOptions::default()
    });
    assert_eq!(
        fs::read_to_string(victim.join("precious")).unwrap(),
        "keep me"
    );
    assert_eq!(fs::read_dir(&victim).unwrap().count(), 1);
}

// === non-finite floats ===

/// Emits one event through a logger.
type Emit = Box<dyn Fn(&DomainEventLogger) -> Result<(), LogError>>;

/// One event with a non-finite float planted at `path`.
struct Planted {
    path: &'static str,
    emit: Emit,
    good: Emit,
    file: &'static str,
}

fn plant<E: DomainEvent>(
    path: &'static str,
    value: f64,
    set: impl Fn(&mut E, f64) + 'static,
) -> Planted {
    Planted {
        path,
        emit: Box::new(move |logger| {
            let mut event = E::example().unwrap();
            set(&mut event, value);
            logger.emit(event)
        }),
        good: Box::new(|logger| logger.emit(E::example().unwrap())),
        file: E::FILE,
    }
}

fn planted() -> Vec<Planted> {
    let (nan, inf, ninf) = (f64::NAN, f64::INFINITY, f64::NEG_INFINITY);
    vec![
        plant::<PositionSnapshot>("total_value_usd", nan, |e, v| e.total_value_usd = v),
        plant::<OperationExecutionEvent>("fee_amount", inf, |e, v| e.fee_amount = v),
        plant::<OperationExecutionEvent>("expected_deltas[0].delta_amount", nan, |e, v| {
            e.expected_deltas[0].delta_amount = v;
        }),
        plant::<OperationExecutionEvent>("actual_deltas.k", inf, |e, v| {
            e.actual_deltas = IndexMap::from([("k".to_owned(), v)]);
        }),
        plant::<TightLoopExecutionEvent>("total_duration_ms", nan, |e, v| e.total_duration_ms = v),
        plant::<ExposureSnapshot>("net_delta_usd", ninf, |e, v| e.net_delta_usd = v),
        plant::<ExposureSnapshot>("asset_exposures.USDT.percentage", nan, |e, v| {
            let first = e.asset_exposures.values().next().unwrap().clone();
            e.asset_exposures.insert(
                "USDT".to_owned(),
                AssetExposure {
                    percentage: v,
                    ..first
                },
            );
        }),
        plant::<RiskAssessment>("health_factor", inf, |e, v| e.health_factor = v),
        plant::<PnLCalculation>("pnl_attribution.supply_yield", nan, |e, v| {
            e.pnl_attribution.supply_yield = v;
        }),
        plant::<StrategyDecision>("total_order_value_usd", ninf, |e, v| {
            e.total_order_value_usd = v
        }),
        plant::<AtomicOperationGroupEvent>("total_duration_ms", nan, |e, v| {
            e.total_duration_ms = v
        }),
        plant::<ReconciliationEvent>("reconciliation_duration_ms", inf, |e, v| {
            e.reconciliation_duration_ms = v;
        }),
        plant::<ExecutionDeltaEvent>("total_delta_value_usd", nan, |e, v| {
            e.total_delta_value_usd = v
        }),
        plant::<HealthStatusEvent>("health_score", nan, |e, v| e.health_score = v),
        // `metadata`, on 9 of the 12 events: a float through the system
        // error's builder, a list of floats, a nested map. Each is refused
        // with the metadata key; without `Metadata::insert`'s check it was
        // written as `"metadata":{"x":null}`.
        plant::<SystemErrorEvent>("metadata.x", nan, |e, v| {
            *e = e.clone().with_metadata("x", v);
        }),
        plant::<PositionSnapshot>("metadata.ratios", inf, |e, v| {
            e.metadata.insert("ratios", vec![1.0, v]);
        }),
        plant::<RiskAssessment>("metadata.nested", ninf, |e, v| {
            let inner = std::collections::BTreeMap::from([("deep", vec![v])]);
            e.metadata
                .insert("nested", std::collections::BTreeMap::from([("map", inner)]));
        }),
        // Last: a map key that JSON escapes is named as it is, unescaped.
        plant::<PositionSnapshot>("positions.weird \"key\"", ninf, |e, v| {
            e.positions.insert("weird \"key\"".to_owned(), v);
        }),
    ]
}

/// Mutants caught: `Metadata`'s `Serialize` writing the stored `null`
/// instead of the non-finite float (applied: fails on `metadata.x`), and
/// `check_finite` skipping map values.
#[test]
fn non_finite_floats_anywhere_in_any_event_are_refused_in_every_mode() {
    for durability in [Durability::Buffered, Durability::Line, Durability::Durable] {
        let dir = tempfile::tempdir().unwrap();
        let logger = DomainEventLogger::builder(dir.path(), "nan", 1)
            .config(LoggerConfig::default().durability(durability))
            .build()
            .unwrap();
        let cases = planted();
        let mut goods = std::collections::BTreeMap::<&str, usize>::new();
        for case in &cases {
            (case.good)(&logger).unwrap();
            let err = (case.emit)(&logger).expect_err(case.path);
            assert_eq!(err.kind(), ErrorKind::NonFinite, "{}: {err}", case.path);
            match &err {
                LogError::NonFinite { field, value, .. } => {
                    assert_eq!(field, case.path, "{durability:?}");
                    assert!(!value.is_finite());
                }
                other => panic!("{}: {other}", case.path),
            }
            let text = err.to_string();
            assert!(text.contains(case.path), "{text}");
            (case.good)(&logger).unwrap();
            *goods.entry(case.file).or_default() += 2;
        }
        logger.shutdown().unwrap();
        for (file, count) in goods {
            let text = fs::read_to_string(dir.path().join("events").join(file)).unwrap();
            assert_eq!(text.lines().count(), count, "{durability:?} {file}");
            let info = basis_events::event_for_file(file).unwrap();
            // Every line parses into its typed event: a float written as
            // `null` would not.
            for line in text.lines() {
                info.parse_line(line)
                    .unwrap_or_else(|err| panic!("{durability:?} {file}: {err}: {line}"));
            }
        }
    }
}
