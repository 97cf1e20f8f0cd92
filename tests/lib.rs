//! Shared helpers of the workspace-level tests.

use std::path::{Path, PathBuf};

/// The workspace root, for reading committed files such as `schemas/`.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits inside the workspace")
        .to_path_buf()
}

/// The guide's example of `event`, verbatim as printed in the guide.
pub fn guide_example(event: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join(format!("{event}.json"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// Re-serializes JSON text compactly, keeping key order and normalising
/// numbers the way serde_json prints them (`0.80` becomes `0.8`).
pub fn compact(json: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
    serde_json::to_string(&value).expect("a value serializes")
}
