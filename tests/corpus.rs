//! The corpus of lines written by every version of every event
//! (`tests/golden/<Event>/v<N>.jsonl`): each line is read into the event's
//! current type through the upcast chain, and the corpus only grows.
//!
//! `tests/golden/CORPUS.lock` records, for each corpus file, its length and
//! a hash of those bytes. A file may gain lines (the recorded prefix still
//! matches); a file edited or deleted fails here, because a line once
//! written under a released version must parse forever. A new file fails
//! until its lock line, printed by the failure, is added.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use basis_events::DomainEvent;
use basis_events::upcast::parse_record_at;
use basis_external_event::settlement::{FundingSettlement, Side};

const LOCK: &str = "CORPUS.lock";

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("golden")
}

/// Every `<Event>/v<N>.jsonl` file: (event, version, path).
fn corpus_files() -> Vec<(String, u32, PathBuf)> {
    let mut files = Vec::new();
    for dir in std::fs::read_dir(golden()).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let event = dir.file_name().unwrap().to_str().unwrap().to_owned();
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap();
            let version = name
                .strip_prefix('v')
                .and_then(|n| n.strip_suffix(".jsonl"))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{}: not named v<N>.jsonl", path.display()));
            files.push((event.clone(), version, path));
        }
    }
    files.sort();
    files
}

/// FNV-1a, 64 bits: a guard against accidental edits, not an adversary.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn relative(path: &Path) -> String {
    path.strip_prefix(golden()).unwrap().display().to_string()
}

#[test]
fn every_corpus_line_reads_into_the_current_type() {
    let mut read = 0;
    for (event, version, path) in corpus_files() {
        let info = basis_events::event_named(&event)
            .unwrap_or_else(|| panic!("{}: no registered event `{event}`", path.display()));
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let current = info
                .upcast_line(line, version)
                .unwrap_or_else(|err| panic!("{}:{}: {err}", path.display(), n + 1));
            // What the upcast gives is a line of the current version, which
            // reads back to itself.
            let again = info
                .upcast_line(&current.to_string(), info.version())
                .unwrap_or_else(|err| panic!("{}:{}: {err}", path.display(), n + 1));
            assert_eq!(again, current, "{}:{}", path.display(), n + 1);
            read += 1;
        }
    }
    assert!(read >= 17, "the corpus holds {read} lines");
}

#[test]
fn every_event_has_a_corpus_file_for_every_version() {
    let files: Vec<(String, u32)> = corpus_files().into_iter().map(|(e, v, _)| (e, v)).collect();
    for info in basis_events::registered_events().unwrap() {
        // This workspace's events, and the external crate's history.
        if !info.module_path().starts_with("basis_events") && info.name() != FundingSettlement::NAME
        {
            continue;
        }
        for version in 1..=info.version() {
            assert!(
                files.contains(&(info.name().to_owned(), version)),
                "tests/golden/{}/v{version}.jsonl is missing: add lines written by version {version}",
                info.name()
            );
        }
    }
}

#[test]
fn the_upcast_values_of_the_settlement_history() {
    let read = |version: u32, line: usize| {
        let path = golden().join(format!("FundingSettlement/v{version}.jsonl"));
        let text = std::fs::read_to_string(path).unwrap();
        let line = text.lines().nth(line).unwrap().to_owned();
        parse_record_at::<FundingSettlement>(&line, version)
            .unwrap()
            .event
    };
    let settlement = |instrument: &str, amount_usd, side, fee_usd| FundingSettlement {
        instrument: instrument.to_owned(),
        amount_usd,
        side,
        fee_usd,
    };
    assert_eq!(read(1, 0), settlement("BTC-PERP", -10.0, Side::Long, 0.0));
    assert_eq!(read(1, 1), settlement("BTC-PERP", 2.5, Side::Short, 0.0));
    assert_eq!(read(2, 0), settlement("ETH-PERP", -7.5, Side::Short, 0.0));
    assert_eq!(read(3, 0), settlement("ETH-PERP", 1.25, Side::Flat, 0.5));
    assert_eq!(read(3, 1), settlement("BTC-PERP", 3.0, Side::Long, 0.0));
}

#[test]
fn the_corpus_is_append_only() {
    let lock_path = golden().join(LOCK);
    let lock = std::fs::read_to_string(&lock_path).unwrap_or_default();
    let mut locked: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    for line in lock
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut parts = line.split_whitespace();
        let (Some(path), Some(len), Some(hash)) = (parts.next(), parts.next(), parts.next()) else {
            panic!("{LOCK}: bad line `{line}`");
        };
        locked.insert(
            path.to_owned(),
            (len.parse().unwrap(), u64::from_str_radix(hash, 16).unwrap()),
        );
    }
    let mut missing = Vec::new();
    for (_, _, path) in corpus_files() {
        let bytes = std::fs::read(&path).unwrap();
        let name = relative(&path);
        match locked.remove(&name) {
            Some((len, hash)) => assert!(
                bytes.len() >= len && fnv(&bytes[..len]) == hash,
                "{name} was edited: its first {len} bytes are released lines and must never \
                 change; append new lines after them instead"
            ),
            None => missing.push(format!("{name} {} {:016x}", bytes.len(), fnv(&bytes))),
        }
    }
    assert!(
        locked.is_empty(),
        "corpus files were deleted: {:?}; a released version's lines stay in the corpus forever",
        locked.keys().collect::<Vec<_>>()
    );
    assert!(
        missing.is_empty(),
        "new corpus files: add these lines to tests/golden/{LOCK}:\n{}",
        missing.join("\n")
    );
}
