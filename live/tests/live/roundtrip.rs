//! Several processes and runs at once, forwarded and collected: the
//! collected tree equals the sources line for line.

use std::path::Path;
use std::thread;
use std::time::Duration;

use basis_live::{CollectOptions, ForwardOptions, StreamSettings, collect, forward};

use crate::support::{Source, assert_collected, server, stream};

fn write(mut source: Source, events: u64) -> std::path::PathBuf {
    for i in 0..events {
        match i % 3 {
            0 => source.event(
                "positions.jsonl",
                &format!(r#""position_key":"aave:aToken:aUSDT","i":{i}"#),
            ),
            1 => source.event("exposures.jsonl", &format!(r#""exposure":{i}.5"#)),
            _ => source.event(
                "system_errors.jsonl",
                &format!(r#""error_code":"EXEC-001","severity":"HIGH","i":{i}"#),
            ),
        }
        if i % 5 == 0 {
            source.log("position_monitor.log", &format!("tick {i}"));
        }
        if i % 200 == 0 {
            thread::sleep(Duration::from_millis(2));
        }
    }
    source.finish();
    source.dir
}

fn quiet(_: &basis_live::Status) {}

#[test]
fn test_three_processes_and_a_second_run_are_collected_line_for_line() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(server) = server(tmp.path()) else {
        return;
    };
    stream(&server, "BASIS", Duration::from_secs(120));
    let logs = tmp.path().join("logs");
    let out = tmp.path().join("out");

    let sources: Vec<Source> = vec![
        Source::new(&logs, "run_a", 101, "host-1", 400),
        Source::new(&logs, "run_a", 102, "host-2", 400),
        Source::new(&logs, "run_a", 103, "host-3", 10_000),
        Source::new(&logs, "run_b", 201, "host-1", 300),
    ];
    let writers: Vec<_> = sources
        .into_iter()
        .map(|source| thread::spawn(move || write(source, 1500)))
        .collect();
    let url = server.url();
    let forwarders: Vec<_> = [logs.join("run_a"), logs.join("run_b").join("201")]
        .into_iter()
        .map(|dir| {
            let mut options = ForwardOptions::new(url.clone());
            options.follow = true;
            // Small batches: many messages, and rotation between them.
            options.max_batch_lines = 97;
            thread::spawn(move || forward(&dir, &options, &quiet).unwrap())
        })
        .collect();
    let mut collect_options = CollectOptions::new(url.clone(), &out);
    collect_options.stream = StreamSettings::new("BASIS");
    collect_options.idle_exit = Some(Duration::from_secs(3));
    let collector = thread::spawn(move || collect(&collect_options, &quiet).unwrap());

    let dirs: Vec<_> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    let reports: Vec<_> = forwarders.into_iter().map(|f| f.join().unwrap()).collect();
    assert_eq!((reports[0].processes, reports[0].done), (3, 3));
    assert_eq!((reports[1].processes, reports[1].done), (1, 1));
    let report = collector.join().unwrap();
    assert_eq!(report.refused, 0);
    assert_eq!(report.gaps, 0);
    for dir in &dirs {
        assert_collected(dir, &out);
    }
    assert!(report.lines >= 4 * 1800, "{report:?}");
}

#[test]
fn test_a_torn_tail_is_shipped_only_once_completed() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(server) = server(tmp.path()) else {
        return;
    };
    stream(&server, "BASIS", Duration::from_secs(120));
    let logs = tmp.path().join("logs");
    let out = tmp.path().join("out");
    let mut source = Source::new(&logs, "torn", 7, "host-1", 1000);
    for i in 0..10 {
        source.event("positions.jsonl", &format!(r#""i":{i}"#));
    }
    source.torn(
        "events/positions.jsonl",
        r#"{"timestamp":"2025-01-15T10:30:00","seq":11,"i":"#,
    );
    let options = ForwardOptions::new(server.url());
    let dir = source.dir.clone();
    let once = |out: &Path| {
        forward(&dir, &options, &quiet).unwrap();
        let mut collect_options = CollectOptions::new(server.url(), out);
        collect_options.idle_exit = Some(Duration::from_millis(1500));
        collect(&collect_options, &quiet).unwrap()
    };
    once(&out);
    let collected = std::fs::read_to_string(out.join("torn/7/events/positions.jsonl")).unwrap();
    assert_eq!(collected.lines().count(), 10);
    assert!(
        collected.ends_with("\"i\":9}\n"),
        "the torn line was shipped"
    );

    source.torn("events/positions.jsonl", "10}\n");
    source.finish();
    once(&out);
    assert_collected(&source.dir, &out);
    let cursor = basis_live::cursor::Cursor::load(&source.dir)
        .unwrap()
        .unwrap();
    assert!(
        cursor.done,
        "an ended, fully acknowledged run is marked done"
    );
}

#[test]
fn test_the_collector_applies_retention_to_its_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(server) = server(tmp.path()) else {
        return;
    };
    stream(&server, "BASIS", Duration::from_secs(120));
    let out = tmp.path().join("out");
    // A collected live run last written 40 days ago, and one 10 days ago.
    let mut old = Source::new(&out, "old_run", 7, "host-1", 1000);
    let mut recent = Source::new(&out, "recent_run", 7, "host-1", 1000);
    for source in [&mut old, &mut recent] {
        source.event("positions.jsonl", r#""i":1"#);
        source.finish();
    }
    let age = |dir: &Path, days: u64| {
        let when = std::time::SystemTime::now() - Duration::from_secs(days * 24 * 3600);
        for file in ["metadata.json", "events/positions.jsonl"] {
            std::fs::File::options()
                .write(true)
                .open(dir.join(file))
                .unwrap()
                .set_modified(when)
                .unwrap();
        }
    };
    age(&old.dir, 40);
    age(&recent.dir, 10);
    let mut options = CollectOptions::new(server.url(), &out);
    options.idle_exit = Some(Duration::from_millis(500));
    let report = collect(&options, &quiet).unwrap();
    assert_eq!(report.removed_runs, 1);
    assert!(
        !out.join("old_run").exists(),
        "a 40-day-old live run was kept"
    );
    assert!(
        out.join("recent_run").exists(),
        "a 10-day-old live run was removed"
    );
}
