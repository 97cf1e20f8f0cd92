//! Two crates declaring components with one error prefix are refused at
//! start-up: no run is created. A test binary of its own, since the
//! duplicate poisons the registry of the whole binary.

use basis_events::run_dir::RunDirError;
use basis_events::{Component, LogDirectoryManager, RunOptions};

// Each module stands for another crate: within one `component!` invocation
// the duplicate would not compile.
mod engine_a {
    basis_events::component! {
        /// One engine's funding monitor.
        pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
    }
}

mod engine_b {
    basis_events::component! {
        /// Another engine's component, with the same prefix.
        pub FundingWatcher { prefix: "FUND", log_file: "funding_watcher.log" }
    }
}

#[test]
fn a_prefix_claimed_by_two_crates_refuses_to_create_a_run() {
    let err = Component::registered().unwrap_err();
    assert_eq!((err.what, err.value.as_str()), ("error prefix", "FUND"));
    assert!(
        err.to_string().contains("engine_a::FundingMonitor"),
        "{err}"
    );
    assert!(
        err.to_string().contains("engine_b::FundingWatcher"),
        "{err}"
    );

    let root = tempfile::tempdir().unwrap();
    let err = LogDirectoryManager::with_root(root.path().join("logs"))
        .create_run_logs(RunOptions::new("m", "s", 1.0).correlation_id("dup"))
        .unwrap_err();
    assert!(matches!(err, RunDirError::Duplicate(_)), "{err}");
    assert!(!root.path().join("logs").exists(), "nothing is created");
    let _ = (engine_a::FundingMonitor, engine_b::FundingWatcher);
}
