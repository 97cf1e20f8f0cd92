//! Speed of shipping a run: forwarded and acknowledged lines per second on
//! loopback, collected lines per second, and `emit`'s p99 with and without a
//! forwarder shipping the same run; each against a baseline measured in the
//! same run.
//!
//! ```text
//! cargo bench -p basis-live --bench live
//! ```
//!
//! `BASIS_BENCH_LINES` sets the lines per run (200 000 by default). The
//! baselines: reading the same files with the forwarder's tail (no broker)
//! for forward and collect, and `emit` alone for `emit` with a forwarder.
//! If the server accepts `jetstream { sync_interval: always }` (nats-server
//! 2.10 and later), forwarding to such a server is measured too.

use std::fs;
use std::path::Path;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use basis_events::catalog::PositionSnapshot;
use basis_events::run_dir::{FORWARD_CURSOR_FILE, LogDirectoryManager, RunOptions};
use basis_events::{DomainEvent, EngineClock};
use basis_live::follow::Tail;
use basis_live::testing::NatsServer;
use basis_live::{CollectOptions, ForwardOptions, Status, StreamSettings, create_stream};
use criterion::{Criterion, Throughput};

fn lines_wanted() -> u64 {
    std::env::var("BASIS_BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000)
}

/// A finished process directory of `lines` position events, with seq,
/// rotated every 50 000 lines.
fn write_source(root: &Path, lines: u64) -> std::path::PathBuf {
    let dir = root.join("bench_run").join("1");
    fs::create_dir_all(dir.join("events")).unwrap();
    let manifest = serde_json::json!({
        "correlation_id": "bench_run", "pid": 1, "mode": "m", "strategy": "s",
        "initial_capital": 1.0, "start_time": "2025-01-15T10:30:00.000000",
        "log_directory": dir, "events_directory": dir.join("events"),
        "execution_mode": "backtest", "host": "bench-host", "crate_version": "0.1.0",
        "schema_versions": {}, "status": "completed",
        "end_time": "2025-01-15T10:31:00.000000", "event_counts": null,
    });
    fs::write(
        dir.join("metadata.json"),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
    let mut text = String::new();
    let mut segment = 0;
    for seq in 1..=lines {
        text.push_str(&format!(
            r#"{{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.123456","correlation_id":"bench_run","pid":1,"seq":{seq},"positions":{{"aave:aToken:aUSDT":{seq}.25}},"total_value_usd":10000.0,"position_type":"simulated","trigger_source":"execution_manager","metadata":{{}}}}"#
        ));
        text.push('\n');
        if seq % 50_000 == 0 || seq == lines {
            segment += 1;
            let name = if seq == lines {
                "positions.jsonl".to_owned()
            } else {
                format!("positions.{segment}.jsonl")
            };
            fs::write(dir.join("events").join(name), &text).unwrap();
            text.clear();
        }
    }
    dir
}

fn quiet(_: &Status) {}

/// Deletes the stream (so nothing is a duplicate) and creates it again.
fn reset_stream(url: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = async_nats::connect(url).await.unwrap();
        let _ = async_nats::jetstream::new(client)
            .delete_stream("BASIS")
            .await;
    });
    create_stream(url, &StreamSettings::new("BASIS")).unwrap();
}

fn forward_once(dir: &Path, url: &str) -> Duration {
    reset_stream(url);
    let _ = fs::remove_file(dir.join(FORWARD_CURSOR_FILE));
    let started = Instant::now();
    basis_live::forward(dir, &ForwardOptions::new(url), &quiet).unwrap();
    started.elapsed()
}

fn main() {
    if !NatsServer::available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let server = NatsServer::start(&tmp.path().join("nats")).unwrap();
    let url = server.url();
    let lines = lines_wanted();
    let dir = write_source(&tmp.path().join("logs"), lines);
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10))
        .configure_from_args();

    let mut group = c.benchmark_group("ship");
    group.throughput(Throughput::Elements(lines));
    group.bench_function("baseline: read with the tail", |b| {
        b.iter_custom(|iters| {
            let started = Instant::now();
            for _ in 0..iters {
                let mut tail = Tail::new(&dir.join("events"), "positions.jsonl");
                let mut n = 0;
                loop {
                    let chunk = tail.read(4096, 512 * 1024).unwrap();
                    if chunk.lines == 0 {
                        break;
                    }
                    n += chunk.lines;
                }
                assert_eq!(n, lines);
            }
            started.elapsed()
        });
    });
    group.bench_function("forward and acknowledge", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| forward_once(&dir, &url)).sum());
    });
    // The stream now holds one forwarded copy of the run.
    forward_once(&dir, &url);
    let round = Mutex::new(0u32);
    group.bench_function("collect", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let n = {
                    let mut round = round.lock().unwrap();
                    *round += 1;
                    *round
                };
                let out = tmp.path().join(format!("out-{n}"));
                let mut options = CollectOptions::new(url.clone(), &out);
                options.durable = format!("bench-{n}");
                options.idle_exit = Some(Duration::from_millis(300));
                options.retention = None;
                let last = Mutex::new(None);
                let started = Instant::now();
                let report = basis_live::collect(&options, &|status: &Status| {
                    if matches!(status, Status::Collected { .. }) {
                        *last.lock().unwrap() = Some(Instant::now());
                    }
                })
                .unwrap();
                assert_eq!(report.lines, lines);
                total += last.lock().unwrap().unwrap() - started;
                fs::remove_dir_all(&out).unwrap();
            }
            total
        });
    });
    group.finish();

    sync_always(tmp.path(), &dir, lines);
    emit_p99(tmp.path(), &url);
    c.final_summary();
}

/// Forwarding to a server that syncs every message to disk, if it can.
fn sync_always(tmp: &Path, dir: &Path, lines: u64) {
    let config = "jetstream { sync_interval: always }\n";
    match NatsServer::start_with(&tmp.join("nats-sync"), Some(config)) {
        Ok(server) => {
            let url = server.url();
            let runs: Vec<Duration> = (0..3).map(|_| forward_once(dir, &url)).collect();
            let best = runs.iter().min().unwrap();
            println!(
                "forward to a sync_interval: always server: {:.0} lines/s (best of 3)",
                lines as f64 / best.as_secs_f64()
            );
        }
        Err(err) => println!(
            "sync_interval: always: this nats-server refuses it ({err}); needs nats-server 2.10+"
        ),
    }
}

/// `emit` latency percentiles alone, then with a forwarder following the run.
fn emit_p99(tmp: &Path, url: &str) {
    let events = 200_000;
    let measure = |name: &str, forward: bool| -> (Duration, Duration) {
        let root = tmp.join(format!("emit-{name}"));
        let run = LogDirectoryManager::with_root(&root)
            .create_run_logs(RunOptions::new("m", "s", 1.0).correlation_id(name))
            .unwrap();
        let logger = run
            .event_logger()
            .clock(EngineClock::live())
            .build()
            .unwrap();
        let forwarder = forward.then(|| {
            reset_stream(url);
            let dir = run.dir().to_owned();
            let mut options = ForwardOptions::new(url);
            options.follow = true;
            thread::spawn(move || basis_live::forward(&dir, &options, &quiet).unwrap())
        });
        let event = PositionSnapshot::example().unwrap();
        let mut times = Vec::with_capacity(events);
        for _ in 0..events {
            let started = Instant::now();
            logger.emit(event.clone()).unwrap();
            times.push(started.elapsed());
        }
        run.shutdown(&logger).unwrap();
        if let Some(forwarder) = forwarder {
            let report = forwarder.join().unwrap();
            assert_eq!(report.lines, events as u64);
        }
        times.sort();
        (times[times.len() / 2], times[times.len() * 99 / 100])
    };
    let (p50, p99) = measure("alone", false);
    let (p50_f, p99_f) = measure("forwarded", true);
    println!(
        "emit p50 {:.2} us, p99 {:.2} us alone; p50 {:.2} us, p99 {:.2} us with a forwarder shipping the run (p99 ratio {:.2})",
        p50.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6,
        p50_f.as_secs_f64() * 1e6,
        p99_f.as_secs_f64() * 1e6,
        p99_f.as_secs_f64() / p99.as_secs_f64()
    );
}
