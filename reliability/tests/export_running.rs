//! `export --allow-running` of a run that is being written and rotated as it
//! is exported: each export is one consistent snapshot.
//!
//! The emitter writes at full speed in line mode, rotating every 16 KiB, so
//! rotations land during every export. For each export, the copied logs must
//! hold every `seq` between the latest first and the earliest last line of
//! its files exactly once (a segment rotated away during the read would be a
//! hole; a file read twice at two lengths, a repeat), and the summary must
//! count exactly the lines that were copied.
//!
//! Mutants this catches: opening segments lazily by path instead of holding
//! them from the open (`Segment::open` ignoring `frozen`: the rotated active
//! file is missed, a hole); copying the logs with `fs::copy` instead of
//! through the snapshot (`copy_segments`: the copy holds lines the export did
//! not read, counts differ).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use basis_events::read::parse_segment;
use basis_log::export::{ExportOptions, export};
use basis_reliability::{Emitter, SpawnOptions};

const EMITTER: &str = env!("CARGO_BIN_EXE_emitter");

/// The `seq` of every line of each event file under `events`, file by file
/// in segment order.
fn seqs_by_file(events: &Path) -> BTreeMap<String, Vec<u64>> {
    let mut segments: BTreeMap<String, Vec<(Option<u64>, PathBuf)>> = BTreeMap::new();
    for entry in std::fs::read_dir(events).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let (file, number) = parse_segment(&name);
        segments
            .entry(file)
            .or_default()
            .push((number, entry.path()));
    }
    let mut seqs = BTreeMap::new();
    for (file, mut list) in segments {
        list.sort_by_key(|(number, _)| (number.is_none(), *number));
        let mut file_seqs = Vec::new();
        for (_, path) in list {
            let text = std::fs::read_to_string(&path).unwrap();
            // A line being written when the snapshot was taken is a torn
            // tail: copied, reported, never exported.
            let complete = &text[..text.rfind('\n').map_or(0, |at| at + 1)];
            for line in complete.lines() {
                let value: serde_json::Value = serde_json::from_str(line)
                    .unwrap_or_else(|err| panic!("{}: {err}: {line}", path.display()));
                file_seqs.push(value["seq"].as_u64().expect("every line has a seq"));
            }
        }
        seqs.insert(file, file_seqs);
    }
    seqs
}

/// Whether `skipped` reports a torn tail of an active file
/// (`…/events/NAME.jsonl:LINE: torn tail: …`), not of a rotated segment.
fn is_active_torn_tail(skipped: &str) -> bool {
    let Some((location, _)) = skipped.split_once(": torn tail:") else {
        return false;
    };
    let file = location
        .rsplit_once(':')
        .map_or(location, |(path, _)| path)
        .rsplit('/')
        .next()
        .unwrap_or_default();
    parse_segment(file).1.is_none()
}

#[test]
fn exports_of_a_run_rotating_under_them_are_each_one_snapshot() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("live-run").join("4242");
    let dir_text = dir.to_str().unwrap().to_owned();
    // Seed 2: the crash mode rotates every 16 KiB for seeds 2 and 3 mod 4.
    let child = Emitter::spawn(
        Path::new(EMITTER),
        ["crash", "line", "2", "60000", &dir_text],
        &SpawnOptions::default(),
    )
    .unwrap();
    child.wait_for_first_flush(Duration::from_secs(30));
    // 60 000 events of about 300 bytes, rotated every 16 KiB: the writer is
    // still writing and rotating during the first exports.
    let mut rotations_seen = 0;
    for round in 0..6 {
        std::thread::sleep(Duration::from_millis(20));
        let outcome = export(&ExportOptions {
            run_dir: root.path().join("live-run"),
            to: Some(root.path().join(format!("results-{round}"))),
            results_root: root.path().to_owned(),
            allow_running: true,
            ..ExportOptions::default()
        })
        .unwrap_or_else(|err| panic!("round {round}: {err}"));
        rotations_seen += outcome
            .notices
            .iter()
            .filter(|n| n.contains("rotated"))
            .count();
        // A line being written at the snapshot is a torn tail of its active
        // file (a write crossing a page boundary grows the file in two
        // steps, so even whole-line writes can be seen half done): reported,
        // never exported. Nothing else is skipped.
        assert!(
            outcome.skipped.iter().all(|s| is_active_torn_tail(s)),
            "round {round}: {:?}",
            outcome.skipped
        );
        let events = outcome.results_dir.join("logs/4242/events");
        let by_file = seqs_by_file(&events);
        assert!(by_file.len() >= 3, "round {round}: {by_file:?}");
        let mut all: Vec<u64> = Vec::new();
        for (file, seqs) in &by_file {
            assert!(
                seqs.windows(2).all(|w| w[0] < w[1]),
                "round {round}: {file}: seqs out of order or repeated"
            );
            let exported = outcome
                .summary
                .files
                .iter()
                .find(|f| &f.file == file)
                .unwrap_or_else(|| panic!("round {round}: {file} not in the summary"));
            assert_eq!(
                exported.events,
                seqs.len() as u64,
                "round {round}: {file}: the summary counts other lines than the copy holds"
            );
            assert_eq!(exported.skipped_lines, 0, "round {round}: {file}");
            assert!(exported.torn_tails <= 1, "round {round}: {file}");
            all.extend(seqs);
        }
        all.sort_unstable();
        let from = by_file.values().filter_map(|s| s.first()).max().unwrap();
        let to = by_file.values().filter_map(|s| s.last()).min().unwrap();
        let window: Vec<u64> = all
            .iter()
            .copied()
            .filter(|s| (*from..=*to).contains(s))
            .collect();
        let expected: Vec<u64> = (*from..=*to).collect();
        assert_eq!(
            window.len(),
            expected.len(),
            "round {round}: seqs {from}..={to} are not each present once"
        );
        assert_eq!(window, expected, "round {round}");
        eprintln!(
            "round {round}: {} lines, seqs {from}..={to} whole",
            all.len()
        );
        if all.len() == 60_000 {
            // The writer has finished: later rounds would read a still run.
            break;
        }
    }
    let ended = child.kill();
    assert!(ended.stderr.is_empty(), "{}", ended.stderr);
    eprintln!("rotations followed during the open: {rotations_seen}");
}
