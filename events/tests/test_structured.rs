//! Component logs: JSON lines with the guide's fields, and the tracing layer.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use basis_events::structured::{ComponentLogs, Fields, StructuredLayer};
use basis_events::{
    Component, Durability, EngineClock, EngineTime, ErrorKind, LogError, LoggerConfig,
    StructuredLogger,
};
use basis_registry::codes;
use serde_json::{Value, json};
use tracing_subscriber::layer::SubscriberExt;

fn lines(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect()
}

fn keys(line: &Value) -> Vec<&str> {
    line.as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn test_lines_are_json_with_the_guides_fields_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let clock = EngineClock::backtest(EngineTime::parse("2025-01-15T10:30:00").unwrap());
    let logs = ComponentLogs::builder(dir.path(), "abc123", 12345)
        .clock(clock)
        .build()
        .unwrap();
    let logger = logs.logger(Component::PositionMonitor).unwrap();
    logger.info(
        "Position updated",
        Fields::new()
            .with("trigger_source", "execution_manager")
            .with("positions_count", 2),
    );
    logs.flush().unwrap();
    let path = dir.path().join("position_monitor.log");
    let read = lines(&path);
    assert_eq!(read.len(), 1);
    assert_eq!(
        keys(&read[0]),
        [
            "timestamp",
            "real_utc_time",
            "level",
            "component",
            "correlation_id",
            "pid",
            "message",
            "trigger_source",
            "positions_count"
        ]
    );
    assert_eq!(read[0]["timestamp"], "2025-01-15T10:30:00");
    assert_eq!(read[0]["level"], "INFO");
    // A severity belongs to an error code: an INFO line has none.
    assert!(read[0].get("severity").is_none());
    assert_eq!(read[0]["component"], "PositionMonitor");
    assert_eq!(read[0]["correlation_id"], "abc123");
    assert_eq!(read[0]["pid"], 12345);
    assert_eq!(read[0]["positions_count"], 2);
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn test_error_codes_carry_their_registered_severity_and_grep_finds_critical() {
    let dir = tempfile::tempdir().unwrap();
    let logs = ComponentLogs::new(dir.path(), "abc123", 1).unwrap();
    let position = logs.logger(Component::PositionMonitor).unwrap();
    let execution = logs.logger(Component::ExecutionManager).unwrap();
    position.error_code(codes::POS_005, "Position reconciliation mismatch", ());
    execution.error_code(
        codes::EXEC_001,
        "Order execution failed",
        json!({"venue": "aave_v3"}),
    );
    // The guide's own style: the code as a field.
    execution.error(
        "Order execution failed again",
        json!({"error_code": "EXEC-001", "stack_trace": "..."}),
    );
    execution.warn("Slow venue", ());
    logs.flush().unwrap();

    let text = fs::read_to_string(dir.path().join("position_monitor.log")).unwrap();
    let critical: Vec<&str> = text
        .lines()
        .filter(|line| line.contains(r#""severity":"CRITICAL""#))
        .collect();
    assert_eq!(critical.len(), 1);
    let line: Value = serde_json::from_str(critical[0]).unwrap();
    assert_eq!(line["error_code"], "POS-005");
    assert_eq!(line["level"], "CRITICAL");

    let read = lines(&dir.path().join("execution_manager.log"));
    assert_eq!(read.len(), 3);
    assert_eq!(read[0]["error_code"], "EXEC-001");
    assert_eq!(read[0]["severity"], "HIGH");
    assert_eq!(read[0]["level"], "ERROR");
    assert_eq!(read[0]["venue"], "aave_v3");
    assert_eq!(read[1]["error_code"], "EXEC-001");
    assert_eq!(read[1]["severity"], "HIGH");
    assert_eq!(read[1]["stack_trace"], "...");
    assert_eq!(read[2]["level"], "WARNING");
    assert!(read[2].get("severity").is_none());
    assert!(read[2].get("error_code").is_none());
}

#[test]
fn test_fields_named_like_line_keys_are_prefixed_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let logger = StructuredLogger::new(Component::Api, dir.path(), "abc123", 1).unwrap();
    logger.info(
        "request",
        json!({"message": "from the caller", "pid": 7, "error_code": "NOT-A-CODE", "path": "/x"}),
    );
    logger.info("nan", Fields::new().with("ratio", f64::NAN));
    logger.flush().unwrap();
    let read = lines(&dir.path().join("api.log"));
    assert_eq!(read[0]["message"], "request");
    assert_eq!(read[0]["extra.message"], "from the caller");
    assert_eq!(read[0]["pid"], 1);
    assert_eq!(read[0]["extra.pid"], 7);
    assert_eq!(read[0]["extra.error_code"], "NOT-A-CODE");
    assert_eq!(read[0]["path"], "/x");
    assert_eq!(read[1]["ratio"], "NaN");
}

#[test]
fn test_logging_after_shutdown_is_counted_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let logs = ComponentLogs::new(dir.path(), "abc123", 1).unwrap();
    let logger = logs.logger(Component::RiskMonitor).unwrap();
    logger.info("before", ());
    logs.shutdown().unwrap();
    logger.info("after", ());
    let err = logger
        .try_log(basis_events::structured::Level::Info, None, "after", ())
        .unwrap_err();
    assert!(matches!(err, LogError::Shutdown));
    assert_eq!(logs.error_counts().get(ErrorKind::Shutdown), 2);
    assert_eq!(lines(&dir.path().join("risk_monitor.log")).len(), 1);
}

mod my_engine {
    pub mod risk {
        pub fn check() {
            tracing::warn!(ltv = 0.7, "LTV high");
        }
    }
}

#[test]
fn test_the_tracing_layer_routes_each_event_to_its_components_file() {
    let dir = tempfile::tempdir().unwrap();
    let logs = ComponentLogs::new(dir.path(), "abc123", 1).unwrap();
    let layer = StructuredLayer::new(logs.clone()).route_target(
        concat!(module_path!(), "::my_engine::risk"),
        Component::RiskMonitor,
    );
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        // A field on the event.
        tracing::info!(
            component = "ExecutionManager",
            operation_id = "supply_001",
            "Supplied"
        );
        // A field on an enclosing span.
        let span = tracing::info_span!("update", component = "PositionMonitor");
        span.in_scope(|| {
            tracing::info!(positions_count = 2, "Position updated");
            tracing::error!(error_code = "POS-005", "Mismatch");
        });
        // A target route.
        my_engine::risk::check();
        // Nothing at all: the engine's log.
        tracing::debug!(tick = 1u64, "Tick");
    });
    logs.flush().unwrap();

    let execution = lines(&dir.path().join("execution_manager.log"));
    assert_eq!(execution.len(), 1);
    assert_eq!(execution[0]["message"], "Supplied");
    assert_eq!(execution[0]["operation_id"], "supply_001");
    assert_eq!(execution[0]["component"], "ExecutionManager");

    let position = lines(&dir.path().join("position_monitor.log"));
    assert_eq!(position.len(), 2);
    assert_eq!(position[0]["positions_count"], 2);
    assert_eq!(position[1]["error_code"], "POS-005");
    assert_eq!(position[1]["severity"], "CRITICAL");

    let risk = lines(&dir.path().join("risk_monitor.log"));
    assert_eq!(risk.len(), 1);
    assert_eq!(risk[0]["level"], "WARNING");
    assert_eq!(risk[0]["ltv"], 0.7);

    let engine = lines(&dir.path().join("engine.log"));
    assert_eq!(engine.len(), 1);
    assert_eq!(engine[0]["level"], "DEBUG");
    assert_eq!(engine[0]["tick"], 1);
}

/// In line mode there is no writer thread: each `.log` line is in its file
/// when the call returns, an INFO line as much as an error. Mutant seen to
/// fail: `Writer::is_queued` as `true` (`events/src/runtime/logger/writer.rs`:
/// the line waits in a batch no thread writes).
#[test]
fn test_line_mode_writes_each_log_line_before_the_call_returns() {
    let dir = tempfile::tempdir().unwrap();
    let logs = ComponentLogs::builder(dir.path(), "abc123", 1)
        .config(LoggerConfig::default().durability(Durability::Line))
        .build()
        .unwrap();
    let logger = logs.logger(Component::PositionMonitor).unwrap();
    let path = dir.path().join("position_monitor.log");
    for count in 1..=3 {
        logger.info("Position updated", Fields::new().with("count", count));
        assert_eq!(lines(&path).len(), count);
    }
    logs.shutdown().unwrap();
}
