//! A custom component at run time: its log takes only its own codes, error
//! lines reach the file at once, `emit_as` enforces `logged_by`, the tracing
//! layer reads codes however they are recorded, and a run carries its catalog.

use std::os::unix::fs::PermissionsExt;

use basis_events::catalog::PositionSnapshot;
use basis_events::model::run_catalog::RunCatalog;
use basis_events::prelude::*;
use basis_events::run_dir::write_catalog;
use basis_events::structured::StructuredLayer;
use basis_events::{LogDirectoryManager, RunOptions};
use basis_external_event::{FundingMonitor, codes, payment_example};
use tracing_subscriber::layer::SubscriberExt;

fn read_lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn a_components_log_refuses_another_components_code_and_writes_errors_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let logs = ComponentLogs::new(dir.path(), "abc", 1).unwrap();
    let data = logs.logger(Component::DataProvider).unwrap();
    let err = data
        .try_log(
            basis_events::structured::Level::Error,
            Some(codes::FUND_001),
            "stale",
            (),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            LogError::WrongComponent {
                owner: "FundingMonitor",
                ..
            }
        ),
        "{err}"
    );
    let funding = logs.logger(FundingMonitor).unwrap();
    funding.info("sampled", ());
    funding.error_code(codes::FUND_002, "mismatch", ());
    // No flush: a CRITICAL line is in the file when the call returns.
    let lines = read_lines(&dir.path().join("funding_monitor.log"));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].get("severity").is_none(), "{}", lines[0]);
    assert_eq!(lines[1]["severity"], "CRITICAL");
    assert_eq!(lines[1]["error_code"], "FUND-002");
    logs.shutdown().unwrap();
    assert!(read_lines(&dir.path().join("data_provider.log")).is_empty());
}

#[test]
fn emit_as_refuses_an_event_of_another_component() {
    let root = tempfile::tempdir().unwrap();
    let run = LogDirectoryManager::with_root(root.path())
        .create_run_logs(RunOptions::new("m", "s", 1.0).correlation_id("emit-as"))
        .unwrap();
    let events = run.event_logger().build().unwrap();
    let err = events
        .emit_as(Component::RiskMonitor, payment_example())
        .unwrap_err();
    assert!(matches!(err, LogError::WrongComponent { .. }), "{err}");
    events.emit_as(FundingMonitor, payment_example()).unwrap();
    let snapshot = PositionSnapshot {
        positions: IndexMap::new(),
        total_value_usd: 0.0,
        position_type: PositionType::Simulated,
        trigger_source: "t".into(),
        metadata: Metadata::new(),
    };
    assert!(events.emit_as(FundingMonitor, snapshot).is_err());
    run.shutdown(&events).unwrap();
    assert_eq!(
        read_lines(&run.events_dir().join("funding_payments.jsonl")).len(),
        1
    );
    assert!(read_lines(&run.events_dir().join("positions.jsonl")).is_empty());
}

#[test]
fn the_layer_reads_codes_as_display_debug_or_string_and_reports_unknown_components() {
    let dir = tempfile::tempdir().unwrap();
    let logs = ComponentLogs::new(dir.path(), "abc", 1).unwrap();
    let subscriber = tracing_subscriber::registry().with(StructuredLayer::new(logs.clone()));
    tracing::subscriber::with_default(subscriber, || {
        let code = codes::FUND_001;
        tracing::warn!(component = "FundingMonitor", error_code = %code, "display");
        tracing::warn!(component = "FUND", error_code = ?code, "debug");
        tracing::warn!(
            component = "funding_monitor",
            error_code = "FUND-001",
            "string"
        );
        tracing::info!(component = "FundingMontor", "typo");
    });
    logs.flush().unwrap();
    let lines = read_lines(&dir.path().join("funding_monitor.log"));
    assert_eq!(lines.len(), 3, "{lines:?}");
    for line in &lines {
        assert_eq!(line["error_code"], "FUND-001", "{line}");
        assert_eq!(line["severity"], "HIGH", "{line}");
    }
    let engine = read_lines(&dir.path().join("engine.log"));
    assert_eq!(engine.len(), 1, "{engine:?}");
    assert_eq!(engine[0]["unknown_component"], "FundingMontor");
}

#[test]
fn a_run_carries_the_catalog_of_its_binary_0640_and_never_through_a_link() {
    let root = tempfile::tempdir().unwrap();
    let run = LogDirectoryManager::with_root(root.path())
        .create_run_logs(RunOptions::new("m", "s", 1.0).correlation_id("catalog"))
        .unwrap();
    let path = run.dir().join("catalog.json");
    let written = RunCatalog::from_json(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(written, RunCatalog::of_this_binary().unwrap());
    assert!(written.component("FundingMonitor").is_some());
    assert!(written.error_code("FUND-002").is_some());
    assert!(written.event_named("FundingPayment").is_some());
    let mode = std::fs::symlink_metadata(&path)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);

    // A link planted at the path (and at the temp path) is replaced, its
    // target untouched.
    let secret = root.path().join("secret");
    std::fs::write(&secret, "keep").unwrap();
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink(&secret, &path).unwrap();
    std::os::unix::fs::symlink(&secret, run.dir().join(".catalog.json.tmp")).unwrap();
    write_catalog(run.dir(), &written).unwrap();
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), "keep");
    assert!(
        !std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        RunCatalog::from_json(&std::fs::read(&path).unwrap()).unwrap(),
        written
    );
}

#[test]
fn an_engine_writes_its_own_schemas_and_docs_stamped_with_the_function() {
    use basis_events::schema::{ENGINE_GENERATED_BY, WriteMode, write_generated_files};
    let dir = tempfile::tempdir().unwrap();
    let written = write_generated_files(dir.path(), WriteMode::Write).unwrap();
    assert!(
        written
            .iter()
            .any(|p| p.ends_with("schemas/events/FundingPayment/v1.schema.json"))
    );
    let events = std::fs::read_to_string(dir.path().join("docs/EVENTS.md")).unwrap();
    assert!(
        events.starts_with(&format!("<!-- {ENGINE_GENERATED_BY} -->")),
        "{events}"
    );
    assert!(events.contains("## FundingRateSnapshot"));
    let codes = std::fs::read_to_string(dir.path().join("docs/ERROR_CODES.md")).unwrap();
    assert!(codes.contains("## FundingMonitor") && codes.contains("`FUND-002`"));
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            dir.path()
                .join("schemas/events/FundingPayment/v1.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(schema["$comment"], ENGINE_GENERATED_BY);
    // Check mode finds a stale file and writes nothing.
    std::fs::write(dir.path().join("docs/EVENTS.md"), "stale").unwrap();
    let err = write_generated_files(dir.path(), WriteMode::Check).unwrap_err();
    assert!(err.to_string().contains("docs/EVENTS.md"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("docs/EVENTS.md")).unwrap(),
        "stale"
    );
}
