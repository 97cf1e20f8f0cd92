//! Panics, `process::exit` and `process::abort`, each in a child process.
//!
//! - A panic in the engine thread unwinds through the logger, whose drop
//!   flushes: every event emitted before the panic is on disk, even though
//!   the process then aborts (no other destructor runs).
//! - With `install_panic_hook`, a logger that unwinding does not drop (a
//!   clone held elsewhere) is flushed by the hook.
//! - `process::exit` after `shutdown()` loses nothing.
//! - `process::abort` (or `panic = "abort"` without the hook) is a crash:
//!   events covered by a returned `flush()` are on disk; in line mode every
//!   event `emit` accepted is; buffered events since the last flush may be
//!   lost, and what is there is a prefix of each file's events.
//!
//! Mutants seen to fail, each its own test: `<impl Drop for Inner>::drop` in
//! `events/src/runtime/logger/mod.rs` not shutting the writer down (the
//! unwinding test); `install_panic_hook` in
//! `events/src/runtime/logger/live.rs` not calling `flush_live_loggers` (the
//! hook test); `DomainEventLogger::shutdown` returning its report without
//! shutting the writer down (the `process::exit` test).

use std::path::Path;

use basis_reliability::{Emitter, SpawnOptions, check_emitter_output};

const EMITTER: &str = env!("CARGO_BIN_EXE_emitter");
const MODES: [&str; 3] = ["buffered", "line", "durable"];
/// Not a multiple of the batch size: the last batch of each file is partial
/// and only a flush writes it.
const COUNT: u64 = 1_234;
const SIGABRT: i32 = 6;

fn run(mode: &str, durability: &str, dir: &Path) -> basis_reliability::Ended {
    let count = COUNT.to_string();
    Emitter::spawn(
        Path::new(EMITTER),
        [mode, durability, "1", &count, dir.to_str().unwrap()],
        &SpawnOptions::default(),
    )
    .unwrap()
    .wait()
}

#[test]
fn a_panic_in_the_engine_thread_loses_nothing_the_logger_drop_flushes_on_unwind() {
    let root = tempfile::tempdir().unwrap();
    for durability in MODES {
        let dir = root.path().join(durability).join("1");
        let ended = run("panic-unwind", durability, &dir);
        assert_eq!(ended.signal(), Some(SIGABRT), "{}", ended.stderr);
        assert!(ended.stdout.contains(&format!("E {COUNT}")), "{ended:?}");
        assert!(ended.stdout.contains(&"joined panicked=true".to_owned()));
        assert!(ended.stderr.contains("engine failure"), "{}", ended.stderr);
        let back = check_emitter_output(&dir.join("events"), COUNT);
        assert_eq!(back.len() as u64, COUNT, "{durability}");
        assert!(back.torn.is_empty(), "{durability}: {:?}", back.torn);
    }
}

#[test]
fn the_panic_hook_flushes_a_logger_that_unwinding_does_not_drop() {
    let root = tempfile::tempdir().unwrap();
    for durability in MODES {
        let dir = root.path().join(durability).join("1");
        let ended = run("panic-hook", durability, &dir);
        assert_eq!(ended.signal(), Some(SIGABRT), "{}", ended.stderr);
        assert!(ended.stdout.contains(&"joined panicked=true".to_owned()));
        // The previous hook still ran: the panic message is printed.
        assert!(ended.stderr.contains("engine failure"), "{}", ended.stderr);
        let back = check_emitter_output(&dir.join("events"), COUNT);
        assert_eq!(back.len() as u64, COUNT, "{durability}");
        assert!(back.torn.is_empty(), "{durability}: {:?}", back.torn);
    }
}

/// The hook's flush is done when the hook returns: the next hook may end
/// the process at once (here it aborts, as `panic = "abort"` does after the
/// hooks), and every event is still in its file. Mutant seen to fail:
/// `Writer::flush_for_panic` returning once the flush is queued, without
/// waiting for its answer (its `&&` as `||`,
/// `events/src/runtime/logger/writer.rs`).
#[test]
fn the_panic_hook_has_written_everything_when_it_returns() {
    let root = tempfile::tempdir().unwrap();
    for durability in MODES {
        let dir = root.path().join(durability).join("1");
        let ended = run("panic-hook-abort", durability, &dir);
        assert_eq!(ended.signal(), Some(SIGABRT), "{}", ended.stderr);
        let back = check_emitter_output(&dir.join("events"), COUNT);
        assert_eq!(back.len() as u64, COUNT, "{durability}");
        assert!(back.torn.is_empty(), "{durability}: {:?}", back.torn);
    }
}

#[test]
fn process_exit_after_shutdown_loses_nothing() {
    let root = tempfile::tempdir().unwrap();
    for durability in MODES {
        let dir = root.path().join(durability).join("1");
        let ended = run("exit", durability, &dir);
        assert!(ended.status.success(), "{ended:?}");
        let back = check_emitter_output(&dir.join("events"), COUNT);
        assert_eq!(back.len() as u64, COUNT, "{durability}");
        assert!(back.torn.is_empty(), "{durability}: {:?}", back.torn);
    }
}

#[test]
fn process_abort_keeps_what_was_flushed_and_in_line_mode_everything_emitted() {
    let root = tempfile::tempdir().unwrap();
    for durability in MODES {
        let dir = root.path().join(durability).join("1");
        let ended = run("abort", durability, &dir);
        assert_eq!(ended.signal(), Some(SIGABRT), "{ended:?}");
        assert!(ended.stdout.contains(&format!("E {COUNT}")), "{ended:?}");
        let flushed = ended.flushed();
        assert_eq!(flushed, COUNT / 2);
        // The documented guarantee: everything flushed, a prefix per file,
        // at most everything emitted; in line mode, everything emitted.
        let must_have = if durability == "line" { COUNT } else { flushed };
        let back = check_emitter_output(&dir.join("events"), must_have);
        assert!(back.len() as u64 <= COUNT);
        eprintln!(
            "abort in {durability} mode: {} of {COUNT} events on disk, {flushed} flushed",
            back.len()
        );
    }
}
