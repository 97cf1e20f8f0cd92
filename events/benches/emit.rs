//! Speed of the domain event logger against its ceiling and against tracing.
//!
//! `cargo bench -p basis-events` runs criterion on the three writers, then
//! prints the figures the runtime issue asks for: events/s of (1) the logger
//! end to end (1, 2 and 4 threads), (2) the ceiling, serde_json::to_writer into
//! a BufWriter<File> with pre-formatted timestamps, (3) tracing's JSON
//! formatter behind tracing-appender's non-blocking writer; the ratios 1/2
//! and 1/3; the caller-side cost of one emit (median, p99); and the memory
//! growth under a burst of 10 million events. All on the guide's
//! PositionSnapshot example.

use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use basis_events::catalog::{Metadata, PositionSnapshot, PositionType};
use basis_events::prelude::IndexMap;
use basis_events::{DomainEvent, DomainEventLogger, EngineTime, RealUtcTime};
use criterion::{Criterion, Throughput};
use serde::Serialize;

fn snapshot() -> PositionSnapshot {
    PositionSnapshot::example().expect("the guide's example")
}

/// The same line as the logger writes, with timestamps already formatted.
#[derive(Serialize)]
struct PositionLine<'a> {
    timestamp: &'a str,
    real_utc_time: &'a str,
    correlation_id: &'a str,
    pid: u32,
    positions: &'a IndexMap<String, f64>,
    total_value_usd: f64,
    position_type: PositionType,
    trigger_source: &'a str,
    metadata: &'a Metadata,
}

// === the three writers, each N events end to end ===

fn run_logger(dir: &Path, threads: usize, events: usize) -> Duration {
    let logger = DomainEventLogger::new(dir, "bench", 1).expect("logger");
    // Events are built before the clock starts: the figure is the logger's.
    let mut batches: Vec<Vec<PositionSnapshot>> = (0..threads)
        .map(|_| vec![snapshot(); events / threads])
        .collect();
    let start = Instant::now();
    thread::scope(|scope| {
        for batch in batches.iter_mut() {
            let logger = logger.clone();
            let batch = std::mem::take(batch);
            scope.spawn(move || {
                for event in batch {
                    logger.emit(event).expect("emit");
                }
            });
        }
    });
    logger.shutdown().expect("shutdown");
    start.elapsed()
}

fn run_ceiling(dir: &Path, events: usize) -> Duration {
    let event = snapshot();
    let timestamp = EngineTime::parse("2025-01-15T10:30:00")
        .unwrap()
        .to_string();
    let real = RealUtcTime::parse("2025-01-15T10:30:00.123456")
        .unwrap()
        .to_string();
    let start = Instant::now();
    let mut out = BufWriter::new(File::create(dir.join("ceiling.jsonl")).expect("file"));
    for _ in 0..events {
        let line = PositionLine {
            timestamp: &timestamp,
            real_utc_time: &real,
            correlation_id: "bench",
            pid: 1,
            positions: &event.positions,
            total_value_usd: event.total_value_usd,
            position_type: event.position_type,
            trigger_source: &event.trigger_source,
            metadata: &event.metadata,
        };
        serde_json::to_writer(&mut out, &line).expect("write");
        out.write_all(b"\n").expect("write");
    }
    out.flush().expect("flush");
    start.elapsed()
}

fn run_tracing(dir: &Path, events: usize) -> Duration {
    let event = snapshot();
    let start = Instant::now();
    let file = File::create(dir.join("tracing.jsonl")).expect("file");
    // Not lossy: like the logger, the caller waits rather than drop events.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(file);
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(writer)
        .with_current_span(false)
        .with_span_list(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..events {
            let aave = event.positions["aave:aToken:aUSDT"];
            let wallet = event.positions["wallet:BaseToken:USDT"];
            tracing::info!(
                correlation_id = "bench",
                pid = 1u32,
                aave_a_token_a_usdt = aave,
                wallet_base_token_usdt = wallet,
                total_value_usd = event.total_value_usd,
                position_type = event.position_type.as_str(),
                trigger_source = event.trigger_source.as_str(),
                metadata = "{}",
                "PositionSnapshot"
            );
        }
    });
    drop(guard);
    start.elapsed()
}

// === criterion ===

fn criterion_benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    const BATCH: usize = 20_000;
    let mut group = c.benchmark_group("position_snapshot");
    group
        .throughput(Throughput::Elements(BATCH as u64))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let mut run = 0;
    let mut fresh = || {
        run += 1;
        dir.path().join(run.to_string())
    };
    group.bench_function("1_logger_1_thread", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run_logger(&fresh(), 1, BATCH)).sum())
    });
    group.bench_function("1_logger_2_threads", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run_logger(&fresh(), 2, BATCH)).sum())
    });
    group.bench_function("1_logger_4_threads", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run_logger(&fresh(), 4, BATCH)).sum())
    });
    group.bench_function("2_ceiling_serde_json_bufwriter", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let path = fresh();
                    std::fs::create_dir_all(&path).unwrap();
                    run_ceiling(&path, BATCH)
                })
                .sum()
        })
    });
    group.bench_function("3_tracing_json_non_blocking", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let path = fresh();
                    std::fs::create_dir_all(&path).unwrap();
                    run_tracing(&path, BATCH)
                })
                .sum()
        })
    });
    group.finish();
}

// === the summary the issue asks for ===

fn rate(events: usize, time: Duration) -> f64 {
    events as f64 / time.as_secs_f64()
}

/// Rounds of the throughput comparison.
const ROUNDS: usize = 5;

/// The caller's cost of one `emit`, median and p99, in two regimes:
/// unsaturated (bursts that fit the logger's queue, then a pause while the
/// writer catches up, as an engine that does work between events), and
/// saturated (a tight loop, where every emit waits for the writer thread:
/// the cost is then the writer's per-event time).
fn caller_cost(dir: &Path) -> ((Duration, Duration), (Duration, Duration), Duration) {
    const SAMPLES: usize = 1_000_000;
    const BURST: usize = 1_024;
    let logger = DomainEventLogger::new(dir, "bench", 1).expect("logger");
    let mut unsaturated = Vec::with_capacity(SAMPLES);
    while unsaturated.len() < SAMPLES {
        let burst = vec![snapshot(); BURST];
        for event in burst {
            let start = Instant::now();
            logger.emit(black_box(event)).expect("emit");
            unsaturated.push(start.elapsed());
        }
        logger.flush().expect("flush");
    }
    let mut saturated = Vec::with_capacity(SAMPLES);
    for event in vec![snapshot(); SAMPLES] {
        let start = Instant::now();
        logger.emit(black_box(event)).expect("emit");
        saturated.push(start.elapsed());
    }
    logger.shutdown().expect("shutdown");
    // What two clock reads cost, to say how much of a sample is the timer.
    let timer = {
        let mut timer: Vec<Duration> = (0..100_000)
            .map(|_| {
                let start = Instant::now();
                black_box(());
                start.elapsed()
            })
            .collect();
        timer.sort();
        timer[timer.len() / 2]
    };
    let quantiles = |mut samples: Vec<Duration>| {
        samples.sort();
        let n = samples.len();
        (samples[n / 2], samples[n * 99 / 100])
    };
    (quantiles(unsaturated), quantiles(saturated), timer)
}

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Peak resident memory growth while 10 million events are built and
/// emitted as fast as one thread can, written to a real file (with
/// rotation) until shutdown.
fn burst_growth(dir: &Path) -> Option<(u64, Duration)> {
    const EVENTS: usize = 10_000_000;
    let logger = DomainEventLogger::new(dir, "bench", 1).expect("logger");
    let event = snapshot();
    // Warm the per-thread buffers, then reset the peak (Linux: clear_refs 5).
    logger.emit(event.clone()).expect("emit");
    logger.flush().expect("flush");
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    let before = status_kib("VmRSS:")?;
    let start = Instant::now();
    for _ in 0..EVENTS {
        logger.emit(event.clone()).expect("emit");
    }
    logger.shutdown().expect("shutdown");
    let took = start.elapsed();
    let peak = status_kib("VmHWM:")?;
    Some((peak.saturating_sub(before), took))
}

fn summary(burst: Option<(u64, Duration)>) {
    const EVENTS: usize = 1_000_000;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut run = 0;
    let mut fresh = || {
        run += 1;
        let path = dir.path().join(format!("summary{run}"));
        std::fs::create_dir_all(&path).unwrap();
        path
    };
    // Rounds interleave the writers, so a busy neighbour slows each of them
    // alike; each figure is its best round.
    let (mut logger_1, mut logger_2, mut logger_4, mut ceiling, mut tracing) = (
        Duration::MAX,
        Duration::MAX,
        Duration::MAX,
        Duration::MAX,
        Duration::MAX,
    );
    for _ in 0..ROUNDS {
        logger_1 = logger_1.min(run_logger(&fresh(), 1, EVENTS));
        logger_2 = logger_2.min(run_logger(&fresh(), 2, EVENTS));
        logger_4 = logger_4.min(run_logger(&fresh(), 4, EVENTS));
        ceiling = ceiling.min(run_ceiling(&fresh(), EVENTS));
        tracing = tracing.min(run_tracing(&fresh(), EVENTS));
    }
    let ((median, p99), (saturated_median, saturated_p99), timer) = caller_cost(&fresh());
    let line_bytes = std::fs::metadata(dir.path().join("summary4/ceiling.jsonl"))
        .map(|m| m.len() / EVENTS as u64)
        .unwrap_or(0);

    println!();
    println!(
        "== basis-events emit benchmark: PositionSnapshot (guide example, {line_bytes} bytes a line), {EVENTS} events a run, best of {ROUNDS} interleaved rounds =="
    );
    println!(
        "cores: {}",
        thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "(1)  logger, buffered, 1 thread     {:>12.0} events/s",
        rate(EVENTS, logger_1)
    );
    println!(
        "(1)  logger, buffered, 2 threads    {:>12.0} events/s",
        rate(EVENTS, logger_2)
    );
    println!(
        "(1)  logger, buffered, 4 threads    {:>12.0} events/s",
        rate(EVENTS, logger_4)
    );
    println!(
        "(2)  serde_json -> BufWriter<File>  {:>12.0} events/s",
        rate(EVENTS, ceiling)
    );
    println!(
        "(3)  tracing JSON + non_blocking    {:>12.0} events/s",
        rate(EVENTS, tracing)
    );
    println!(
        "ratio 1/2 (1 thread)  {:.2}   target >= 1.5 (issue 15)",
        ceiling.as_secs_f64() / logger_1.as_secs_f64()
    );
    println!(
        "2 threads / 1 thread  {:.2}   target >= 1.0",
        logger_1.as_secs_f64() / logger_2.as_secs_f64()
    );
    println!(
        "4 threads / 1 thread  {:.2}   target >= 1.0",
        logger_1.as_secs_f64() / logger_4.as_secs_f64()
    );
    println!(
        "ratio 1/3 (1 thread)  {:.2}   target >= 3",
        tracing.as_secs_f64() / logger_1.as_secs_f64()
    );
    println!(
        "caller cost of one emit, unsaturated (bursts of 1024, then flush): median {} ns, p99 {} ns (targets 150 ns, 1000 ns; each sample includes ~{} ns of timer)",
        median.as_nanos(),
        p99.as_nanos(),
        timer.as_nanos()
    );
    println!(
        "caller cost of one emit, saturated (tight loop, waits for the writer): median {} ns, p99 {} ns",
        saturated_median.as_nanos(),
        saturated_p99.as_nanos()
    );
    match burst {
        Some((kib, took)) => println!(
            "burst of 10,000,000 events: peak RSS grew {:.1} MiB (target <= 64 MiB), {:.0} events/s",
            kib as f64 / 1024.0,
            rate(10_000_000, took)
        ),
        None => println!("burst of 10,000,000 events: /proc/self/status unavailable, not measured"),
    }
}

fn main() {
    // The burst runs first, in a process that has not yet grown its heap
    // for the other runs, so the growth it reports is the logger's.
    let burst_dir = tempfile::tempdir().expect("temp dir");
    let burst = burst_growth(burst_dir.path());
    drop(burst_dir);
    let mut criterion = Criterion::default().configure_from_args();
    criterion_benches(&mut criterion);
    criterion.final_summary();
    summary(burst);
}
