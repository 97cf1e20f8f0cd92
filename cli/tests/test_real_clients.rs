//! Runs `real_clients.py`: jq, grep, pandas, DuckDB, pyarrow and Python's
//! jsonschema over a fresh demo run. Skipped with a message when a tool is
//! missing, unless `BASIS_REQUIRE_REAL_CLIENTS=1` (CI), which makes it fail.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `schemas/` of the repository, or, when it has not been generated, the same
/// files rendered from the registered events into `dir`.
fn schemas_dir(dir: &Path) -> PathBuf {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    if committed.join("index.json").is_file() {
        return committed;
    }
    let events = basis_events::registered_events().expect("registered events are unique");
    for file in basis_events::schema::generated_files(&events) {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("generated files are in a directory"))
            .expect("temp dir is writable");
        std::fs::write(&path, &file.contents).expect("temp dir is writable");
    }
    dir.join("schemas")
}

#[test]
fn test_real_clients_read_what_basis_log_writes() {
    let required = std::env::var("BASIS_REQUIRE_REAL_CLIENTS").as_deref() == Ok("1");
    if Command::new("python3").arg("--version").output().is_err() {
        assert!(
            !required,
            "python3 is missing and BASIS_REQUIRE_REAL_CLIENTS=1"
        );
        eprintln!("skipped: python3 not found");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let schemas = schemas_dir(dir.path());
    // A run of an engine's own events (tests/external, linked into this test
    // and not into basis-log), for the clients to read through its export.
    let custom_run =
        basis_external_event::write_funding_run(&dir.path().join("custom-logs"), "customrun")
            .expect("the custom run is written");
    let output = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real_clients.py"))
        .arg("--bin")
        .arg(env!("CARGO_BIN_EXE_basis-log"))
        .arg("--schemas")
        .arg(&schemas)
        .arg("--workdir")
        .arg(dir.path().join("work"))
        .arg("--custom-run")
        .arg(&custom_run)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => assert!(stdout.contains(" passed, 0 failed"), "{stdout}"),
        Some(77) if !required => eprintln!("skipped: {stderr}"),
        _ => panic!("real clients failed:\n{stdout}\n{stderr}"),
    }
}
