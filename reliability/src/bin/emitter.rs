//! The child process of the crash, panic, exit and permission tests.
//!
//! ```text
//! emitter MODE DURABILITY SEED COUNT DIR
//! ```
//!
//! Writes tagged events (stream 0, see the crate docs) with a logger on
//! `DIR/events/`, stamped with the correlation id and pid that `DIR` names
//! when it is `…/{correlation_id}/{pid}`. On stdout it prints `F n` each time a `flush()` covering
//! events `0..n` returned `Ok`, so the parent knows what must be on disk.
//!
//! Modes:
//! - `crash`: emits COUNT events (0: forever) at full speed, flushing after a
//!   random number of events (from SEED), rotating every 16 KiB for half the
//!   seeds; the parent kills it with SIGKILL.
//! - `panic-unwind`: an engine thread owns the only logger, emits COUNT
//!   events and panics; the main thread joins it and aborts, so only the
//!   logger's drop during unwinding can have written the events.
//! - `panic-hook`: the panic hook is installed and the main thread keeps a
//!   clone of the logger, so unwinding does not drop it; the engine thread
//!   emits COUNT events and panics; the main thread aborts. Only the hook
//!   can have written the events.
//! - `panic-hook-abort`: as `panic-hook`, but the hook installed before
//!   ours aborts the process as soon as ours returns (as `panic = "abort"`
//!   does after the hooks), so only what our hook wrote before it returned
//!   survives.
//! - `exit`: emits COUNT events, calls `shutdown()`, then `process::exit`.
//! - `abort`: emits COUNT events, flushing after the first half (`F n`),
//!   then `process::abort()`.
//! - `emit-and-wait`: emits exactly COUNT events, never flushing, prints
//!   `E n`, then sleeps until killed: what a crash loses is then only what
//!   the logger's own triggers (batch size, flush interval) had not written.
//! - `errors-first`: flush interval of one hour; emits COUNT events, then one
//!   `SystemErrorEvent` tagged `error-before-kill`, prints `E n`, and sleeps
//!   until killed.
//! - `exit-no-shutdown`: emits COUNT events, flushing after the first half
//!   (`F n`), then `process::exit(0)` without `shutdown()`.
//! - `repeat-errors`: emits COUNT events with a NaN, shuts down, emits COUNT
//!   more (each refused), prints `R refused`: stderr must name each kind
//!   once.
//! - `fill`: emits COUNT events, counting what `emit` accepted and refused,
//!   flushes and shuts down; prints `R accepted refused lost` and each error
//!   as `X message`. Run under a file-size limit (`ulimit -f`) it meets real
//!   short writes and `EFBIG`.
//! - `run`: creates a run with `LogDirectoryManager` under DIR (correlation
//!   id `run`), emits COUNT events rotating at 4 KiB, shuts down and
//!   finishes the run (for the file-mode tests, under any umask).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;

use basis_events::run_dir::{LogDirectoryManager, RunOptions, RunStatus};
use basis_events::{DomainEvent, DomainEventLogger, LoggerConfig};
use basis_reliability::{Rng, Templates, parse_durability};

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    // The parent may be gone (it killed us, or stopped reading): not an error.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, durability, seed, count, dir] = args.as_slice() else {
        eprintln!("usage: emitter MODE DURABILITY SEED COUNT DIR");
        return ExitCode::from(2);
    };
    let (Some(durability), Ok(seed), Ok(count)) = (
        parse_durability(durability),
        seed.parse::<u64>(),
        count.parse::<u64>(),
    ) else {
        eprintln!("emitter: bad DURABILITY, SEED or COUNT");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    let mut config = LoggerConfig::default().durability(durability);
    if mode == "errors-first" {
        config = config.flush_interval(std::time::Duration::from_secs(3600));
    }
    if mode == "crash" && seed % 4 >= 2 {
        // Half the crashes rotate every 16 KiB, so some kills land in the
        // middle of a rotation.
        config = config.max_file_bytes(16 << 10);
    }
    let templates = Templates::new();

    if mode == "run" {
        let manager = LogDirectoryManager::with_root(&dir);
        let run = manager
            .create_run_logs(RunOptions::new("emitter", "emitter", 1000.0).correlation_id("run"))
            .expect("create the run");
        let logger = run
            .event_logger()
            .config(config.max_file_bytes(4096))
            .build()
            .expect("start the logger");
        for seq in 0..count {
            templates.emit(&logger, 0, seq).expect("emit");
        }
        let report = logger.shutdown().expect("shutdown");
        run.finish(RunStatus::Completed, &report).expect("finish");
        say(&format!("F {count}"));
        return ExitCode::SUCCESS;
    }

    // `…/{correlation_id}/{pid}`, as a run directory: readers then check
    // the envelope against the directory names.
    let correlation_id = dir
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .map_or_else(|| format!("emitter-{seed}"), str::to_owned);
    let pid = dir
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(std::process::id);
    let logger = DomainEventLogger::builder(&dir, correlation_id, pid)
        .config(config)
        .build()
        .expect("start the logger");
    match mode.as_str() {
        "crash" => {
            let mut rng = Rng::new(seed);
            let mut next_flush = rng.range(1..400);
            let mut seq = 0;
            while count == 0 || seq < count {
                if let Err(err) = templates.emit(&logger, 0, seq) {
                    eprintln!("emitter: emit {seq}: {err}");
                    return ExitCode::FAILURE;
                }
                seq += 1;
                if seq == next_flush {
                    match logger.flush() {
                        Ok(()) => say(&format!("F {seq}")),
                        Err(err) => eprintln!("emitter: flush: {err}"),
                    }
                    next_flush = seq + rng.range(1..400);
                }
            }
            ExitCode::SUCCESS
        }
        "panic-unwind" => {
            let engine = thread::spawn(move || {
                for seq in 0..count {
                    templates.emit(&logger, 0, seq).expect("emit");
                }
                say(&format!("E {count}"));
                panic!("engine failure after {count} events");
            });
            let joined = engine.join();
            say(&format!("joined panicked={}", joined.is_err()));
            // No destructor runs from here on: what is on disk was written
            // while the engine thread unwound.
            std::process::abort();
        }
        "panic-hook" | "panic-hook-abort" => {
            if mode == "panic-hook-abort" {
                std::panic::set_hook(Box::new(|_| std::process::abort()));
            }
            basis_events::install_panic_hook();
            let engine_logger = logger.clone();
            let engine = thread::spawn(move || {
                for seq in 0..count {
                    templates.emit(&engine_logger, 0, seq).expect("emit");
                }
                say(&format!("E {count}"));
                panic!("engine failure after {count} events");
            });
            let joined = engine.join();
            say(&format!("joined panicked={}", joined.is_err()));
            // `logger` is still alive here: unwinding dropped only a clone,
            // so only the hook can have written the events.
            std::process::abort();
        }
        "emit-and-wait" | "errors-first" => {
            for seq in 0..count {
                if let Err(err) = templates.emit(&logger, 0, seq) {
                    eprintln!("emitter: emit {seq}: {err}");
                    return ExitCode::FAILURE;
                }
            }
            if mode == "errors-first" {
                let mut error =
                    basis_events::catalog::SystemErrorEvent::example().expect("example");
                error.error_message = "error-before-kill".to_owned();
                if let Err(err) = logger.emit(error) {
                    eprintln!("emitter: emit the error: {err}");
                    return ExitCode::FAILURE;
                }
            }
            say(&format!("E {count}"));
            loop {
                thread::sleep(std::time::Duration::from_secs(60));
            }
        }
        "exit-no-shutdown" => {
            let half = count / 2;
            for seq in 0..count {
                templates.emit(&logger, 0, seq).expect("emit");
                if seq + 1 == half {
                    logger.flush().expect("flush");
                    say(&format!("F {half}"));
                }
            }
            say(&format!("E {count}"));
            // No destructor runs: the logger is neither shut down nor dropped.
            std::process::exit(0);
        }
        "repeat-errors" => {
            let mut refused = 0;
            for _ in 0..count {
                let mut event =
                    basis_events::catalog::PositionSnapshot::example().expect("example");
                event.total_value_usd = f64::NAN;
                refused += u64::from(logger.emit(event).is_err());
            }
            logger.shutdown().expect("shutdown");
            for seq in 0..count {
                refused += u64::from(templates.emit(&logger, 0, seq).is_err());
            }
            say(&format!("R {refused}"));
            ExitCode::SUCCESS
        }
        "fill" => {
            let (mut accepted, mut refused) = (0u64, 0u64);
            for seq in 0..count {
                match templates.emit(&logger, 0, seq) {
                    Ok(()) => accepted += 1,
                    Err(err) => {
                        refused += 1;
                        say(&format!("X {:?} {err}", err.kind()));
                    }
                }
            }
            let mut lost = 0;
            let flushed = logger.flush().err();
            let shut = logger.shutdown().err();
            for err in [flushed, shut].into_iter().flatten() {
                lost += err.lost_events();
                say(&format!("X {:?} {err}", err.kind()));
            }
            say(&format!("R {accepted} {refused} {lost}"));
            ExitCode::SUCCESS
        }
        "exit" => {
            for seq in 0..count {
                templates.emit(&logger, 0, seq).expect("emit");
            }
            logger.shutdown().expect("shutdown");
            say(&format!("F {count}"));
            std::process::exit(0);
        }
        "abort" => {
            let half = count / 2;
            for seq in 0..count {
                templates.emit(&logger, 0, seq).expect("emit");
                if seq + 1 == half {
                    logger.flush().expect("flush");
                    say(&format!("F {half}"));
                }
            }
            say(&format!("E {count}"));
            std::process::abort();
        }
        other => {
            eprintln!("emitter: unknown mode `{other}`");
            ExitCode::from(2)
        }
    }
}
