//! Faults at random moments, driving the real `basis-live` binary: the
//! forwarder SIGKILLed and restarted, the server killed and restarted (file
//! storage), the collector SIGKILLed and restarted, and an outage longer than
//! the de-duplication window. After all of them: every line exactly once, in
//! order, nothing torn.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::{Source, assert_collected, server, stream};

const BIN: &str = env!("CARGO_BIN_EXE_basis-live");
/// The stream's de-duplication window: short, so outages outlast it.
const WINDOW: Duration = Duration::from_secs(1);

/// A child process killed (SIGKILL) when dropped, so a failing test leaves
/// nothing running.
struct Proc(Option<Child>);

impl Proc {
    fn spawn(args: &[&str], log: &Path) -> Proc {
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let child = Command::new(BIN)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        Proc(Some(child))
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits for it to exit by itself; its stdout, or a panic after `limit`.
    fn wait(&mut self, limit: Duration) -> String {
        let started = Instant::now();
        let child = self.0.as_mut().expect("running");
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                let child = self.0.take().unwrap();
                let output = child.wait_with_output().unwrap();
                assert!(status.success(), "exited with {status}");
                return String::from_utf8(output.stdout).unwrap();
            }
            assert!(started.elapsed() < limit, "still running after {limit:?}");
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A small xorshift generator: the seed is printed, so a failure replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn write(mut source: Source, events: u64) -> PathBuf {
    for i in 0..events {
        if i % 2 == 0 {
            source.event("positions.jsonl", &format!(r#""i":{i}"#));
        } else {
            source.event("exposures.jsonl", &format!(r#""e":{i}"#));
        }
        if i % 4 == 0 {
            source.log("engine.log", &format!("tick {i}"));
        }
        // About 5 s of writing, so the faults land while it is shipped.
        if i % 20 == 0 {
            thread::sleep(Duration::from_millis(30));
        }
    }
    source.finish();
    source.dir
}

#[test]
fn test_every_line_exactly_once_through_kills_and_outages() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(mut server) = server(tmp.path()) else {
        return;
    };
    stream(&server, "BASIS", WINDOW);
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("fault seed {seed}");
    let mut rng = Rng(seed);
    let logs = tmp.path().join("logs");
    let out = tmp.path().join("out");
    let log = tmp.path().join("children.log");
    let url = server.url();
    let run = logs.join("chaos");
    let run_arg = run.to_str().unwrap().to_owned();
    let out_arg = out.to_str().unwrap().to_owned();
    let window_ms = WINDOW.as_millis().to_string();

    let sources = vec![
        Source::new(&logs, "chaos", 301, "host-1", 500),
        Source::new(&logs, "chaos", 302, "host-2", 700),
    ];
    let writers: Vec<_> = sources
        .into_iter()
        .map(|source| thread::spawn(move || write(source, 3000)))
        .collect();
    // An acknowledgement wait well under the long outage: a publish in
    // flight then always times out and is retried, so the outage is seen
    // (async-nats would otherwise hold it through a short outage silently).
    let forward_args = [
        "forward",
        "--nats",
        &url,
        "--follow",
        "--ack-timeout-ms",
        "400",
        &run_arg,
    ];
    let collect_args = [
        "collect",
        "--nats",
        &url,
        "--out",
        &out_arg,
        "--dedup-window-ms",
        &window_ms,
        "--ack-wait-ms",
        "1500",
    ];
    let mut forwarder = Proc::spawn(&forward_args, &log);
    let mut collector = Proc::spawn(&collect_args, &log);

    let mut faults = [0u32; 4];
    let mut long_outage_done = false;
    while !writers.iter().all(|w| w.is_finished()) || faults[..3].iter().any(|&n| n < 3) {
        thread::sleep(Duration::from_millis(150 + rng.below(350)));
        let fault = if long_outage_done { rng.below(3) } else { 3 };
        match fault {
            0 => {
                forwarder.kill();
                forwarder = Proc::spawn(&forward_args, &log);
            }
            1 => {
                server.kill();
                thread::sleep(Duration::from_millis(100 + rng.below(400)));
                server.restart().unwrap();
            }
            2 => {
                collector.kill();
                collector = Proc::spawn(&collect_args, &log);
            }
            _ => {
                // Longer than the window: a retry after it is not dropped
                // by the server, so only the collector's ids keep it once.
                server.kill();
                thread::sleep(WINDOW + Duration::from_millis(500));
                server.restart().unwrap();
                long_outage_done = true;
            }
        }
        faults[fault as usize] += 1;
    }
    eprintln!("faults (forwarder, server, collector, long outage): {faults:?}");
    let dirs: Vec<PathBuf> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    // The last forwarder finishes by itself once both runs ended.
    forwarder.wait(Duration::from_secs(60));

    // A forwarder that lost its cursors re-sends everything, long after the
    // window: the server stores it all again, the collector drops it all.
    thread::sleep(WINDOW);
    for dir in &dirs {
        std::fs::remove_file(dir.join(basis_events::run_dir::FORWARD_CURSOR_FILE)).unwrap();
    }
    let resent =
        Proc::spawn(&["forward", "--nats", &url, &run_arg], &log).wait(Duration::from_secs(60));
    assert!(
        resent.contains("duplicates: 0"),
        "the server de-duplicated: {resent}"
    );

    collector.kill();
    let mut last = collect_args.to_vec();
    last.extend(["--idle-exit-ms", "2500"]);
    let report = Proc::spawn(&last, &log).wait(Duration::from_secs(60));
    assert!(report.contains("refused: 0"), "{report}");
    for dir in &dirs {
        assert_collected(dir, &out);
    }
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert!(
        stderr.contains("waiting for the broker"),
        "no outage was seen:\n{stderr}"
    );
}
