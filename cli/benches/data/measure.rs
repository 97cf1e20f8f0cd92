//! Timing one command: wall time and the command's own peak RSS.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One measurement: wall time, and peak RSS in KiB when known.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub time: Duration,
    pub rss_kib: Option<u64>,
}

/// Runs `program args…` once and measures it. Through Python when it is
/// there (wall time around the child, and the child's peak RSS), otherwise
/// directly (time only).
pub fn measure(name: &str, program: &Path, args: &[String]) -> Sample {
    const WRAPPER: &str = "import resource, subprocess, sys, time\n\
        start = time.perf_counter()\n\
        code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n\
        took = time.perf_counter() - start\n\
        print(code, took, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n";
    let wrapped = Command::new("python3")
        .arg("-c")
        .arg(WRAPPER)
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    if let Ok(output) = wrapped
        && output.status.success()
    {
        let text = String::from_utf8_lossy(&output.stdout);
        let fields: Vec<&str> = text.split_whitespace().collect();
        if let [code, took, rss] = fields[..] {
            assert_eq!(
                code,
                "0",
                "{name} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            return Sample {
                time: Duration::from_secs_f64(took.parse().expect("seconds")),
                rss_kib: rss.parse().ok(),
            };
        }
    }
    let started = Instant::now();
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|err| panic!("{name}: {err}"));
    assert!(
        output.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Sample {
        time: started.elapsed(),
        rss_kib: None,
    }
}

/// The median time and the median peak RSS of `samples`.
pub fn median(samples: &[Sample]) -> Sample {
    let mut times: Vec<Duration> = samples.iter().map(|s| s.time).collect();
    times.sort();
    let mut rss: Vec<u64> = samples.iter().filter_map(|s| s.rss_kib).collect();
    rss.sort();
    Sample {
        time: times[times.len() / 2],
        rss_kib: rss.get(rss.len() / 2).copied(),
    }
}
