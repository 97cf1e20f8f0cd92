//! File modes and planted symbolic links.
//!
//! - Every file a run creates (event files, rotated segments, the manifest)
//!   has mode 0640 whatever the umask: checked with `st_mode` in a child
//!   process run under umask 000 and 077.
//! - A symbolic link planted in place of a log file, pointing outside the
//!   root, is never followed: the logger refuses it (dangling or not, to a
//!   file or a directory), a link planted where rotation will put a segment
//!   is neither written through nor replaced, a link in place of the
//!   manifest is replaced without touching its target, and a link in place
//!   of `events/` itself is refused. The targets stay untouched.
//! - The readers (`validate`, the queries, `export`) never follow a link
//!   planted in a run: a secret it points to is neither read nor copied.
//!
//! Mutants seen to fail, in `open_log_file`
//! (`events/src/runtime/logger/rotate.rs`): the `set_permissions` after a
//! create removed (the umask test), and `O_NOFOLLOW` dropped from the open
//! flags (the planted-link test).

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use basis_events::catalog::TightLoopExecutionEvent;
use basis_events::run_dir::{LogDirectoryManager, RunOptions, RunStatus};
use basis_events::{DomainEvent, DomainEventLogger, ErrorKind, LogError, LoggerConfig};
use basis_reliability::{Emitter, SpawnOptions, tree};

const EMITTER: &str = env!("CARGO_BIN_EXE_emitter");

fn modes_under(root: &Path) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for (path, kind, _) in tree(root) {
        if kind == "file" {
            let mode = fs::symlink_metadata(root.join(&path))
                .unwrap()
                .permissions()
                .mode();
            out.push((path.display().to_string(), mode & 0o7777));
        }
    }
    out
}

#[test]
fn every_file_of_a_run_has_mode_0640_under_any_umask() {
    for umask in ["000", "022", "077"] {
        let root = tempfile::tempdir().unwrap();
        let ended = Emitter::spawn(
            Path::new(EMITTER),
            ["run", "buffered", "1", "600", root.path().to_str().unwrap()],
            &SpawnOptions {
                umask: Some(umask),
                ..SpawnOptions::default()
            },
        )
        .unwrap()
        .wait();
        assert!(ended.status.success(), "{ended:?}");
        let modes = modes_under(root.path());
        // Event files, several rotated segments, and the manifest.
        assert!(modes.iter().any(|(p, _)| p.ends_with("metadata.json")));
        assert!(
            modes.iter().any(|(p, _)| p.ends_with(".1.jsonl")),
            "no rotation: {modes:?}"
        );
        for (path, mode) in &modes {
            assert_eq!(*mode, 0o640, "umask {umask}: {path} has mode {mode:o}");
        }
    }
}

/// A logger on `dir` with batches of one event, so each emit is written by
/// the next flush.
fn logger(dir: &Path, config: LoggerConfig) -> Result<DomainEventLogger, LogError> {
    DomainEventLogger::builder(dir, "links", 1)
        .config(config.batch_events(1))
        .build()
}

fn event(id: &str) -> TightLoopExecutionEvent {
    TightLoopExecutionEvent {
        operation_id: id.to_owned(),
        ..TightLoopExecutionEvent::example().unwrap()
    }
}

#[test]
fn a_link_planted_in_place_of_a_log_file_is_refused_dangling_or_to_a_directory() {
    let sandbox = tempfile::tempdir().unwrap();
    let outside = sandbox.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let cases = [
        // A dangling link: following it would create the target.
        ("dangling", outside.join("created-through-link.jsonl")),
        // A link to a directory.
        ("to-dir", outside.clone()),
    ];
    for (name, target) in cases {
        let run = sandbox.path().join(name);
        let events = run.join("events");
        fs::create_dir_all(&events).unwrap();
        symlink(&target, events.join(TightLoopExecutionEvent::FILE)).unwrap();
        let before = tree(&outside);
        let err = logger(&run, LoggerConfig::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Symlink, "{name}: {err}");
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(tree(&outside), before, "{name}: the target changed");
        assert!(!outside.join("created-through-link.jsonl").exists());
    }
}

#[test]
fn a_link_planted_at_the_next_segment_name_is_neither_written_through_nor_replaced() {
    let sandbox = tempfile::tempdir().unwrap();
    let outside = sandbox.path().join("outside.txt");
    fs::write(&outside, "untouched").unwrap();
    let run = sandbox.path().join("run");
    let log = logger(&run, LoggerConfig::default().max_file_bytes(2048)).unwrap();
    let events = run.join("events");
    // Rotation will rename the full file to tight_loop.1.jsonl.
    let planted = events.join("tight_loop.1.jsonl");
    symlink(&outside, &planted).unwrap();
    for i in 0..40 {
        log.emit(event(&format!("e{i}"))).unwrap();
        log.flush().unwrap();
    }
    log.shutdown().unwrap();
    assert_eq!(fs::read_to_string(&outside).unwrap(), "untouched");
    assert!(
        fs::symlink_metadata(&planted)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // The events are all in regular files (the segments after the link).
    let mut ids = Vec::new();
    for (path, kind, _) in tree(&events) {
        if kind == "file" {
            let text = fs::read_to_string(events.join(path)).unwrap();
            ids.extend(text.lines().map(str::to_owned));
        }
    }
    assert_eq!(ids.len(), 40);
}

#[test]
fn a_link_in_place_of_the_manifest_is_replaced_not_followed() {
    let sandbox = tempfile::tempdir().unwrap();
    let outside = sandbox.path().join("outside.json");
    fs::write(&outside, "untouched").unwrap();
    let manager = LogDirectoryManager::with_root(sandbox.path().join("logs"));
    let run = manager
        .create_run_logs(RunOptions::new("m", "s", 1.0).correlation_id("links"))
        .unwrap();
    let manifest = run.dir().join("metadata.json");
    fs::remove_file(&manifest).unwrap();
    symlink(&outside, &manifest).unwrap();
    let log = run.event_logger().build().unwrap();
    let report = log.shutdown().unwrap();
    run.finish(RunStatus::Completed, &report).unwrap();
    assert_eq!(fs::read_to_string(&outside).unwrap(), "untouched");
    let meta = fs::symlink_metadata(&manifest).unwrap();
    assert!(meta.is_file(), "the manifest is a regular file again");
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
}

#[test]
fn a_link_planted_in_place_of_the_events_directory_is_refused() {
    let sandbox = tempfile::tempdir().unwrap();
    let outside = sandbox.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let run = sandbox.path().join("run");
    fs::create_dir(&run).unwrap();
    symlink(&outside, run.join("events")).unwrap();
    let result = logger(&run, LoggerConfig::default());
    assert_eq!(
        tree(&outside),
        Vec::new(),
        "the logger created files through the link"
    );
    let err = result.expect_err("a logger on a linked events/ directory");
    assert_eq!(err.kind(), ErrorKind::Symlink, "{err}");
}

#[test]
fn the_readers_never_follow_a_link_planted_in_a_run() {
    // A link in place of an event file, and one beside the component logs,
    // both to a secret outside the root: export copies neither target, and
    // validate and the queries do not read it.
    let sandbox = tempfile::tempdir().unwrap();
    let secret = sandbox.path().join("secret.txt");
    fs::write(&secret, "TOP-SECRET").unwrap();
    let run = sandbox.path().join("logs").join("links").join("7");
    let log = logger(&run, LoggerConfig::default()).unwrap();
    log.emit(event("real")).unwrap();
    log.shutdown().unwrap();
    let positions = run.join("events").join("positions.jsonl");
    fs::remove_file(&positions).unwrap();
    symlink(&secret, &positions).unwrap();
    symlink(&secret, run.join("api.log")).unwrap();

    let report = basis_log::validate::validate_paths(std::slice::from_ref(&run)).unwrap();
    assert!(
        report
            .files
            .iter()
            .all(|f| !f.path.ends_with("positions.jsonl")),
        "validate read the link: {report:?}"
    );
    let handle = basis_events::reader::Run::open(&run).unwrap();
    let stats = basis_log::query::stats::stats(&handle).unwrap();
    let files = format!("{:?}{:?}", stats.event_files, stats.log_files);
    assert!(files.contains("tight_loop.jsonl"));
    assert!(!files.contains("positions.jsonl"));
    assert!(!files.contains("api.log"));
    // The link is not read, and not hidden: it is a warning by name.
    assert!(
        stats
            .warnings
            .iter()
            .any(|w| w.contains("positions.jsonl") && w.contains("symbolic link")),
        "{:?}",
        stats.warnings
    );

    let results = sandbox.path().join("results");
    basis_log::export::export(&basis_log::export::ExportOptions {
        run_dir: run.clone(),
        to: Some(results.clone()),
        results_root: results.clone(),
        force: false,
        // A hand-made run: taken as it is.
        allow_running: true,
        ..basis_log::export::ExportOptions::default()
    })
    .unwrap();
    for (path, kind, _) in tree(&results) {
        let full = results.join(&path);
        assert_ne!(kind, "link", "export copied a link: {}", path.display());
        if kind == "file" {
            let bytes = fs::read(&full).unwrap();
            assert!(
                !bytes.windows(10).any(|w| w == b"TOP-SECRET"),
                "export copied the secret into {}",
                path.display()
            );
        }
    }
}
