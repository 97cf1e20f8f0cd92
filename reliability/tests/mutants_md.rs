//! `reliability/MUTANTS.md` records a `cargo mutants` run file by file; a
//! file renamed or removed since would leave it describing code that is not
//! there. This fails when it names a source file that does not exist.

use std::path::{Path, PathBuf};

/// Every `….rs` path in `text` (backquoted or bare), as written.
fn rust_paths(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '`' | '(' | ')' | ',' | '|' | '\''))
        .map(|word| word.trim_end_matches([':', '.', ';']))
        .map(|word| word.split(':').next().unwrap_or(word))
        .filter(|word| word.ends_with(".rs") && word.contains('/'))
        .collect()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("reliability/ is in the workspace")
        .to_owned()
}

#[test]
fn mutants_md_names_only_files_that_exist() {
    let root = workspace_root();
    let text = std::fs::read_to_string(root.join("reliability/MUTANTS.md")).unwrap();
    let paths = rust_paths(&text);
    assert!(
        paths.iter().any(|path| path.starts_with("events/src/")),
        "MUTANTS.md names no source file of the logger"
    );
    let missing: Vec<&str> = paths
        .into_iter()
        .filter(|path| !path.contains('*') && !root.join(path).is_file())
        .collect();
    assert!(
        missing.is_empty(),
        "MUTANTS.md names files that do not exist (renamed or removed since the run?): {missing:?}"
    );
}

#[test]
fn paths_are_found_with_their_line_numbers_cut_off() {
    let text = "`events/src/a.rs:12:5: replace x` and events/src/b.rs, (c/d.rs) e.rs";
    assert_eq!(
        rust_paths(text),
        ["events/src/a.rs", "events/src/b.rs", "c/d.rs"]
    );
}
