//! The FundingMonitor's run is written whole: its events, catalog, log and
//! manifest, readable by anyone who knows only the catalog.

use std::process::Command;

use basis_events::model::run_catalog::RunCatalog;

#[test]
fn the_binary_writes_a_run_with_the_custom_events_codes_and_log() {
    let root = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_write_funding_run"))
        .arg(root.path())
        .arg("funding-e2e")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let dir = std::path::PathBuf::from(String::from_utf8(output.stdout).unwrap().trim());
    assert!(dir.starts_with(root.path().join("funding-e2e")), "{dir:?}");

    let lines = |path: &str| -> Vec<serde_json::Value> {
        std::fs::read_to_string(dir.join(path))
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    };
    assert_eq!(lines("events/funding_rates.jsonl").len(), 300);
    let payments = lines("events/funding_payments.jsonl");
    assert_eq!(payments.len(), 200);
    assert_eq!(payments[1]["payment_number"], 2);
    assert_eq!(payments[0]["is_long"], true);
    assert_eq!(lines("events/positions.jsonl").len(), 3);
    let errors = lines("events/system_errors.jsonl");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["error_code"], "FUND-002");
    assert_eq!(errors[0]["component"], "FundingMonitor");
    assert_eq!(errors[0]["severity"], "CRITICAL");

    let log = lines("funding_monitor.log");
    assert!(
        log.iter()
            .any(|l| l["error_code"] == "FUND-002" && l["severity"] == "CRITICAL")
    );
    assert!(log.iter().all(|l| l["component"] == "FundingMonitor"));
    assert!(
        log.iter()
            .filter(|l| l["level"] == "INFO")
            .all(|l| l.get("severity").is_none())
    );

    let catalog = RunCatalog::from_json(&std::fs::read(dir.join("catalog.json")).unwrap()).unwrap();
    assert_eq!(
        catalog.component("FUND").unwrap().log_file,
        "funding_monitor.log"
    );
    assert_eq!(
        catalog
            .error_code("FUND-003")
            .unwrap()
            .retired_by
            .as_deref(),
        Some("FUND-001")
    );
    let rates = catalog.event_for_file("funding_rates.jsonl").unwrap();
    assert_eq!(rates.logged_by, "FundingMonitor");
    assert!(
        rates.schema["$defs"]["VenueRate"].is_object(),
        "{}",
        rates.schema
    );
    // The system error's schema knows the custom code and component.
    let system = catalog
        .event_named("SystemErrorEvent")
        .unwrap()
        .schema
        .to_string();
    assert!(system.contains("FUND-002") && system.contains("FundingMonitor"));

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("metadata.json")).unwrap()).unwrap();
    assert_eq!(manifest["status"], "completed");
}
