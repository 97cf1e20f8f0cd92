//! A consistent snapshot of a run that is still being written
//! ([`ReadOptions::snapshot`](super::ReadOptions::snapshot)).
//!
//! Reading a live run path by path mixes moments: while the reader is on the
//! first segment, the writer may rotate the active file into a new numbered
//! segment, so the path listed as active now holds only later lines and the
//! rotated lines are never read; retention may delete a listed segment; and
//! every pass over a file (export reads each file more than once) may see a
//! different length.
//!
//! A snapshot of one event file therefore starts by opening its active file,
//! and only then looks for its segments. The open file is the snapshot's
//! end: it is held for the life of the read and read only up to its length
//! at the open, and an open file keeps its bytes through a rename or an
//! unlink. Every segment rotated before that file became active already
//! exists, is never written again, and is numbered below it; a segment that
//! turns out to be the held file itself (rotated since the open), or numbered
//! after it, holds only later lines and is left out.
//!
//! The directory listing is not trusted to be complete: a listing taken
//! while the writer renames files every few milliseconds may miss entries
//! (POSIX leaves it unspecified, and a missed segment would silently be a
//! hole in the snapshot). The listing only says where the numbers start;
//! the segments are then found by `stat`, number by number, since a writer
//! numbers them without gaps. A listed segment that is gone before it could
//! be looked at is a [`Problem`], named by path. A partial last line stays
//! in the snapshot, to be reported as a torn tail.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::open::{OpenFailure, open_regular};
use super::problem::Problem;
use super::run::Notice;
use super::segments::segment_name;

/// One segment as the snapshot saw it.
///
/// Only the active file is held open: it is the one a rotation renames, and
/// a run has one per event file, where rotated segments can number in the
/// thousands. A rotated segment is never written again, so it is opened by
/// path when read, and refused if it is no longer the file the snapshot saw.
#[derive(Debug, Clone)]
pub(crate) enum Frozen {
    /// The active file, held open.
    Open {
        file: Arc<File>,
        /// Its length at the time of the snapshot.
        len: u64,
    },
    /// A rotated segment: its inode and length when the run was opened.
    Closed { inode: u64, len: u64 },
}

impl Frozen {
    /// Reads the snapshot of the segment at `path` from its start; each
    /// reader has its own position.
    pub(crate) fn reader(&self, path: &Path) -> Result<FrozenReader, Problem> {
        match self {
            Frozen::Open { file, len } => Ok(FrozenReader {
                file: Arc::clone(file),
                pos: 0,
                len: *len,
            }),
            Frozen::Closed { inode, len } => match open_regular(path) {
                Ok(file) if file.metadata().is_ok_and(|m| m.ino() == *inode) => Ok(FrozenReader {
                    file: Arc::new(file),
                    pos: 0,
                    len: *len,
                }),
                Ok(_) => Err(removed(path, REMOVED_SINCE)),
                Err(failure) => Err(failure.into_problem(path, REMOVED_SINCE)),
            },
        }
    }
}

/// Why a rotated segment of a snapshot can no longer be read.
const REMOVED_SINCE: &str = "the segment was removed (by retention) after the run was opened; \
                             its lines are not in this read";

fn removed(path: &Path, why: &'static str) -> Problem {
    Problem::io(path, io::Error::new(io::ErrorKind::NotFound, why))
}

/// A [`Read`] over a [`Frozen`] segment, by positioned reads, so several
/// passes share the one open file.
#[derive(Debug)]
pub(crate) struct FrozenReader {
    file: Arc<File>,
    pos: u64,
    len: u64,
}

impl FrozenReader {
    /// The held file and the snapshot's length in it.
    pub(crate) fn file_and_len(&self) -> (&File, u64) {
        (&self.file, self.len)
    }
}

impl Read for FrozenReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len - self.pos;
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// A segment as listed when the run was opened.
#[derive(Debug)]
pub(crate) struct Listed {
    pub(crate) number: Option<u64>,
    pub(crate) path: PathBuf,
    pub(crate) inode: u64,
}

/// A segment of the snapshot: where it was read from, and its open file.
#[derive(Debug)]
pub(crate) struct Held {
    pub(crate) number: Option<u64>,
    pub(crate) path: PathBuf,
    pub(crate) frozen: Frozen,
}

/// Opens and freezes the segments of `file` in `events`; `listed` is what a
/// listing of the directory saw (oldest first, the active file last), used
/// only to know where the numbers start and whether the active file was
/// rotated since. Problems and notices are added to the open's.
pub(crate) fn freeze(
    events: &Path,
    file: &str,
    listed: Vec<Listed>,
    problems: &mut Vec<Problem>,
    notices: &mut Vec<Notice>,
) -> Vec<Held> {
    let active_path = events.join(file);
    let listed_active = listed
        .iter()
        .find(|segment| segment.number.is_none())
        .map(|segment| segment.inode);
    // The end of the snapshot first: everything found after this is either
    // older than the held file (kept) or newer (left out).
    let active = match open_active(&active_path) {
        Ok(active) => active,
        Err(failure) => {
            problems.push(failure.into_problem(&active_path, "the file disappeared"));
            None
        }
    };
    let active_inode = active
        .as_ref()
        .and_then(|opened| opened.metadata().ok())
        .map(|meta| meta.ino());
    let known: BTreeMap<u64, (PathBuf, u64)> = listed
        .into_iter()
        .filter_map(|segment| Some((segment.number?, (segment.path, segment.inode))))
        .collect();
    let segments = match segments_before(events, file, known, active_inode) {
        Ok(segments) => segments,
        Err(err) => {
            problems.push(Problem::io(events, err));
            Vec::new()
        }
    };
    // The active file listed was rotated between the listing and the open.
    if let Some(listed_inode) = listed_active
        && Some(listed_inode) != active_inode
    {
        match segments.iter().find(|(_, _, inode)| *inode == listed_inode) {
            Some((_, rotated_to, _)) => notices.push(Notice::Rotated {
                path: active_path.clone(),
                rotated_to: rotated_to.clone(),
            }),
            None => problems.push(removed(
                &active_path,
                "the file was rotated and its segment removed while the run was being opened; \
                 its lines are not in this snapshot",
            )),
        }
    }
    let mut held = Vec::with_capacity(segments.len() + 1);
    for (number, path, inode) in segments {
        close(&mut held, Some(number), path, inode, problems);
    }
    if let Some(opened) = active {
        hold(&mut held, None, active_path, opened, problems);
    }
    held
}

/// How often, and how long apart, [`open_active`] tries again when the active
/// file is missing: a rotation renames it away and creates the next one a
/// few microseconds later.
const OPEN_TRIES: usize = 20;
const OPEN_PAUSE: std::time::Duration = std::time::Duration::from_micros(500);

/// Opens the active file at `path`; `None` if there is none (a stream whose
/// writer stopped between a rotation and the next file, or a file that only
/// has segments), after a few tries.
fn open_active(path: &Path) -> Result<Option<File>, OpenFailure> {
    for _ in 1..OPEN_TRIES {
        match open_regular(path) {
            Ok(opened) => return Ok(Some(opened)),
            Err(OpenFailure::Missing) => std::thread::sleep(OPEN_PAUSE),
            Err(failure) => return Err(failure),
        }
    }
    match open_regular(path) {
        Ok(opened) => Ok(Some(opened)),
        Err(OpenFailure::Missing) => Ok(None),
        Err(failure) => Err(failure),
    }
}

/// The largest run of missing numbers between two listed segments that is
/// looked up one by one: a listing misses an entry or two, not thousands,
/// and a planted `file.18446744073709551615.jsonl` must not cost a lookup per
/// number.
const MAX_HOLE: u64 = 64;

/// `file`'s numbered segments that hold lines written before the active
/// file `active` (held open), oldest first with their inodes: found by
/// `stat` from the lowest number `known` from the listings, upward without
/// gaps, so no listing needs to be complete. Stops at the held
/// file itself (rotated since it was opened) or at the first missing number
/// past the listed ones.
fn segments_before(
    events: &Path,
    file: &str,
    known: BTreeMap<u64, (PathBuf, u64)>,
    active: Option<u64>,
) -> io::Result<Vec<(u64, PathBuf, u64)>> {
    let mut found = Vec::new();
    // A listing can miss its lowest entry too: look below it.
    let mut next = known.keys().next().copied().unwrap_or(1);
    while next > 1 && lookup(events, file, next - 1)?.is_some() {
        next -= 1;
    }
    for (number, (path, inode)) in known {
        if number < next {
            continue;
        }
        if number - next > MAX_HOLE {
            next = number;
        }
        // The numbers the listings skipped before this one.
        while next < number {
            match lookup(events, file, next)? {
                Some(seen) if Some(seen) == active => return Ok(found),
                Some(seen) => found.push((next, events.join(segment_name(file, next)), seen)),
                // Removed by retention or by hand: the reader reports the
                // gap its lines leave.
                None => {}
            }
            next += 1;
        }
        if Some(inode) == active {
            return Ok(found);
        }
        found.push((number, path, inode));
        let Some(after) = number.checked_add(1) else {
            return Ok(found);
        };
        next = after;
    }
    // Past the highest listed: segments rotated during the listings.
    while let Some(seen) = lookup(events, file, next)? {
        if Some(seen) == active {
            break;
        }
        found.push((next, events.join(segment_name(file, next)), seen));
        let Some(after) = next.checked_add(1) else {
            break;
        };
        next = after;
    }
    Ok(found)
}

/// The inode of segment `number` of `file`, if it exists as a regular file
/// (a planted link, FIFO or directory is reported by the run's listing and
/// never read).
fn lookup(events: &Path, file: &str, number: u64) -> io::Result<Option<u64>> {
    match fs::symlink_metadata(events.join(segment_name(file, number))) {
        Ok(meta) if meta.file_type().is_file() => Ok(Some(meta.ino())),
        Ok(_) => Ok(None),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

/// Keeps the rotated segment `path` if it is still the file listed.
fn close(
    held: &mut Vec<Held>,
    number: Option<u64>,
    path: PathBuf,
    inode: u64,
    problems: &mut Vec<Problem>,
) {
    match fs::symlink_metadata(&path) {
        Ok(meta) if meta.ino() == inode && meta.file_type().is_file() => held.push(Held {
            number,
            path,
            frozen: Frozen::Closed {
                inode,
                len: meta.len(),
            },
        }),
        Ok(_) => problems.push(removed(
            &path,
            "the segment was replaced while the run was being opened; \
             its lines are not in this snapshot",
        )),
        Err(err) if err.kind() == io::ErrorKind::NotFound => problems.push(removed(
            &path,
            "the segment was removed (by retention) while the run was being opened; \
             its lines are not in this snapshot",
        )),
        Err(err) => problems.push(Problem::io(&path, err)),
    }
}

/// Keeps the active file `opened`, frozen at its length now.
fn hold(
    held: &mut Vec<Held>,
    number: Option<u64>,
    path: PathBuf,
    opened: File,
    problems: &mut Vec<Problem>,
) {
    // The snapshot ends where the file ends: a line still being written (or
    // torn by a crash) is then a torn tail, reported as every reader does.
    match opened.metadata() {
        Ok(meta) => held.push(Held {
            number,
            path,
            frozen: Frozen::Open {
                file: Arc::new(opened),
                len: meta.len(),
            },
        }),
        Err(err) => problems.push(Problem::io(&path, err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::segments::parse_segment;

    fn listed(events: &Path, name: &str) -> Listed {
        let path = events.join(name);
        let inode = fs::symlink_metadata(&path).unwrap().ino();
        Listed {
            number: parse_segment(name).1,
            path,
            inode,
        }
    }

    fn read(held: &Held) -> String {
        let mut text = String::new();
        held.frozen
            .reader(&held.path)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    fn known(events: &Path, numbers: &[u64]) -> BTreeMap<u64, (PathBuf, u64)> {
        numbers
            .iter()
            .map(|&number| {
                let path = events.join(segment_name("a.jsonl", number));
                let inode = fs::symlink_metadata(&path).unwrap().ino();
                (number, (path, inode))
            })
            .collect()
    }

    fn numbers(found: &[(u64, PathBuf, u64)]) -> Vec<u64> {
        found.iter().map(|(number, _, _)| *number).collect()
    }

    /// Segments no listing showed are found by number: below the lowest
    /// listed, between two listed, and past the highest (mutants: each of
    /// the three lookups skipped; seen in `export_running.rs` as a whole
    /// segment missing from a snapshot when `readdir` trusted alone).
    #[test]
    fn segments_the_listings_missed_are_found_by_number() {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path();
        for number in 1..=6 {
            fs::write(events.join(segment_name("a.jsonl", number)), "x\n").unwrap();
        }
        fs::write(events.join("a.jsonl"), "y\n").unwrap();
        let active = fs::symlink_metadata(events.join("a.jsonl")).unwrap().ino();
        let found = segments_before(events, "a.jsonl", known(events, &[2, 4]), Some(active));
        assert_eq!(numbers(&found.unwrap()), [1, 2, 3, 4, 5, 6]);
        let found = segments_before(events, "a.jsonl", BTreeMap::new(), Some(active));
        assert_eq!(numbers(&found.unwrap()), [1, 2, 3, 4, 5, 6]);
    }

    /// Retention removed the first hundred segments, and the listing missed
    /// the lowest one left: it is found by looking below, one number at a
    /// time, too far above 1 for the holes to find it (mutants: the look
    /// below's `&&` as `||`, its `next - 1` as `next + 1`).
    #[test]
    fn the_lowest_segment_left_by_retention_is_found_below_the_listed_ones() {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path();
        for number in 101..=103 {
            fs::write(events.join(segment_name("a.jsonl", number)), "x\n").unwrap();
        }
        let found = segments_before(events, "a.jsonl", known(events, &[103]), None);
        assert_eq!(numbers(&found.unwrap()), [101, 102, 103]);
    }

    /// A planted directory or link at a segment's name is not a segment:
    /// the run's listing reports it, and looking up numbers passes it by
    /// (mutant: `lookup`'s `is_file()` guard as `true`).
    #[test]
    fn a_planted_entry_at_a_segment_name_is_not_looked_up_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path();
        fs::write(events.join("a.1.jsonl"), "x\n").unwrap();
        fs::create_dir(events.join("a.2.jsonl")).unwrap();
        std::os::unix::fs::symlink("a.1.jsonl", events.join("a.3.jsonl")).unwrap();
        fs::write(events.join("a.4.jsonl"), "x\n").unwrap();
        let found = segments_before(events, "a.jsonl", known(events, &[4]), None);
        assert_eq!(numbers(&found.unwrap()), [4]);
        let found = segments_before(events, "a.jsonl", known(events, &[1, 4]), None);
        assert_eq!(numbers(&found.unwrap()), [1, 4]);
    }

    /// Holes of up to `MAX_HOLE` numbers between listed segments are looked
    /// up one by one (mutant: the hole bound's `>` as `>=`), and a lookup
    /// that fails for another reason than absence is an error, never a
    /// missing segment (mutant: `lookup`'s `NotFound` guard as `true`).
    #[test]
    fn holes_up_to_the_bound_are_looked_up_and_a_failed_lookup_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path();
        let last = MAX_HOLE + 2;
        for number in 1..=last {
            fs::write(events.join(segment_name("a.jsonl", number)), "x\n").unwrap();
        }
        let found = segments_before(events, "a.jsonl", known(events, &[1, last]), None);
        assert_eq!(numbers(&found.unwrap()), (1..=last).collect::<Vec<_>>());
        // A name over the file system's limit: ENAMETOOLONG, not absence.
        let long = format!("{}.jsonl", "n".repeat(250));
        let failed = segments_before(events, &long, BTreeMap::new(), None);
        assert!(failed.is_err(), "{failed:?}");
    }

    /// The held active file, rotated since it was opened, ends the segments
    /// wherever it is found: listed, in a hole, or past the listed ones; what
    /// was rotated after it is later than the snapshot (mutants: each of the
    /// three `Some(_) == active` checks as `false`).
    #[test]
    fn the_held_file_rotated_since_the_open_ends_the_segments() {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path();
        for number in 1..=5 {
            fs::write(events.join(segment_name("a.jsonl", number)), "x\n").unwrap();
        }
        let held = fs::symlink_metadata(events.join("a.3.jsonl"))
            .unwrap()
            .ino();
        for listed in [&[1, 3, 5][..], &[1, 2, 4, 5], &[1, 2]] {
            let found = segments_before(events, "a.jsonl", known(events, listed), Some(held));
            assert_eq!(numbers(&found.unwrap()), [1, 2], "listed {listed:?}");
        }
    }

    /// A planted segment numbered near `u64::MAX` is taken as listed: no
    /// lookup per missing number, no overflow past it.
    #[test]
    fn a_planted_huge_segment_number_is_read_without_a_lookup_per_number() {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path();
        fs::write(events.join("a.1.jsonl"), "x\n").unwrap();
        fs::write(events.join(segment_name("a.jsonl", u64::MAX)), "z\n").unwrap();
        let found = segments_before(events, "a.jsonl", known(events, &[1, u64::MAX]), None);
        assert_eq!(numbers(&found.unwrap()), [1, u64::MAX]);
    }

    /// A file with no active file (its writer stopped between a rotation
    /// and the next file) is its segments, with no problem, including one
    /// the listing missed (mutant: `open_active` reporting a missing file).
    #[test]
    fn a_file_that_only_has_segments_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path();
        fs::write(events.join("a.1.jsonl"), "1\n").unwrap();
        fs::write(events.join("a.2.jsonl"), "2\n").unwrap();
        let list = vec![listed(events, "a.1.jsonl")];
        let (mut problems, mut notices) = (Vec::new(), Vec::new());
        let held = freeze(events, "a.jsonl", list, &mut problems, &mut notices);
        assert!(problems.is_empty() && notices.is_empty(), "{problems:?}");
        let read: Vec<String> = held.iter().map(read).collect();
        assert_eq!(read, ["1\n", "2\n"]);
    }

    #[test]
    fn a_snapshot_ends_at_the_last_complete_line_and_ignores_later_writes() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.jsonl"), "1\n2\n3-partial").unwrap();
        let (mut problems, mut notices) = (Vec::new(), Vec::new());
        let list = vec![listed(dir.path(), "a.jsonl")];
        let held = freeze(dir.path(), "a.jsonl", list, &mut problems, &mut notices);
        // The writer goes on after the snapshot.
        let mut append = fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("a.jsonl"))
            .unwrap();
        io::Write::write_all(&mut append, b"\n4\n").unwrap();
        assert!(problems.is_empty() && notices.is_empty());
        // The partial line stays, to be reported as a torn tail; what came
        // after the snapshot is not read.
        assert_eq!(read(&held[0]), "1\n2\n3-partial");
        // A second pass reads the same bytes.
        assert_eq!(read(&held[0]), "1\n2\n3-partial");
    }

    #[test]
    fn a_rotation_after_the_snapshot_changes_nothing_read_and_retention_is_said() {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path();
        fs::write(events.join("a.1.jsonl"), "1\n").unwrap();
        fs::write(events.join("a.jsonl"), "2\n").unwrap();
        let list = vec![listed(events, "a.1.jsonl"), listed(events, "a.jsonl")];
        let (mut problems, mut notices) = (Vec::new(), Vec::new());
        let held = freeze(events, "a.jsonl", list, &mut problems, &mut notices);
        // Rotation and retention after the snapshot.
        fs::remove_file(events.join("a.1.jsonl")).unwrap();
        fs::rename(events.join("a.jsonl"), events.join("a.2.jsonl")).unwrap();
        fs::write(events.join("a.jsonl"), "3\n").unwrap();
        assert!(problems.is_empty() && notices.is_empty());
        // The active file was held open: its lines are read as they were.
        assert_eq!(read(&held[1]), "2\n");
        // A rotated segment removed since is said by path, never read short.
        let gone = held[0].frozen.reader(&held[0].path).unwrap_err();
        assert!(gone.to_string().contains("a.1.jsonl") && gone.to_string().contains("retention"));
    }

    /// A rotated segment replaced by another file at its path after the
    /// snapshot is refused, never read as if it were the one listed
    /// (mutant: the inode check in `Frozen::reader` taken as `true`).
    #[test]
    fn a_segment_replaced_after_the_snapshot_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path();
        fs::write(events.join("a.1.jsonl"), "1\n").unwrap();
        fs::write(events.join("a.jsonl"), "2\n").unwrap();
        let list = vec![listed(events, "a.1.jsonl"), listed(events, "a.jsonl")];
        let (mut problems, mut notices) = (Vec::new(), Vec::new());
        let held = freeze(events, "a.jsonl", list, &mut problems, &mut notices);
        fs::write(events.join("other"), "9\n").unwrap();
        fs::rename(events.join("other"), events.join("a.1.jsonl")).unwrap();
        let refused = held[0].frozen.reader(&held[0].path).unwrap_err();
        assert!(refused.to_string().contains("a.1.jsonl"), "{refused}");
    }

    /// `close` keeps a segment only if it is still the regular file listed:
    /// another inode is "replaced", a missing one "removed", any other
    /// error an I/O problem (mutants: its first guard as `true` or its `&&`
    /// as `||`; the `NotFound` guard as `true`).
    #[test]
    fn close_keeps_only_the_segment_that_was_listed() {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path();
        fs::write(events.join("a.1.jsonl"), "1\n").unwrap();
        let inode = fs::symlink_metadata(events.join("a.1.jsonl"))
            .unwrap()
            .ino();
        let (mut held, mut problems) = (Vec::new(), Vec::new());
        close(
            &mut held,
            Some(1),
            events.join("a.1.jsonl"),
            inode,
            &mut problems,
        );
        assert_eq!((held.len(), problems.len()), (1, 0));
        close(
            &mut held,
            Some(1),
            events.join("a.1.jsonl"),
            inode + 1,
            &mut problems,
        );
        assert_eq!(held.len(), 1);
        assert!(
            problems[0].to_string().contains("replaced"),
            "{}",
            problems[0]
        );
        // The same inode seen through a directory entry that is not a file.
        fs::create_dir(events.join("a.2.jsonl")).unwrap();
        let dir_inode = fs::symlink_metadata(events.join("a.2.jsonl"))
            .unwrap()
            .ino();
        close(
            &mut held,
            Some(2),
            events.join("a.2.jsonl"),
            dir_inode,
            &mut problems,
        );
        assert_eq!(held.len(), 1);
        assert!(
            problems[1].to_string().contains("replaced"),
            "{}",
            problems[1]
        );
        close(
            &mut held,
            Some(3),
            events.join("a.3.jsonl"),
            1,
            &mut problems,
        );
        assert!(
            problems[2].to_string().contains("removed"),
            "{}",
            problems[2]
        );
        close(
            &mut held,
            Some(4),
            events.join("a.1.jsonl/x"),
            1,
            &mut problems,
        );
        assert!(
            !problems[3].to_string().contains("removed"),
            "{}",
            problems[3]
        );
        assert_eq!(held.len(), 1);
    }

    /// A listing that missed a segment rotated during it, but saw the new
    /// active file, still reads that segment, before the active file
    /// (mutant: `take_unlisted` doing nothing; seen as one missing seq in
    /// `export_running.rs` under release timing).
    #[test]
    fn a_segment_the_listing_missed_is_read_before_the_active_file() {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path();
        fs::write(events.join("a.1.jsonl"), "1\n").unwrap();
        fs::write(events.join("a.2.jsonl"), "2\n").unwrap();
        fs::write(events.join("a.jsonl"), "3\n").unwrap();
        // The listing saw segment 1 and the active file, not segment 2.
        let list = vec![listed(events, "a.1.jsonl"), listed(events, "a.jsonl")];
        let (mut problems, mut notices) = (Vec::new(), Vec::new());
        let held = freeze(events, "a.jsonl", list, &mut problems, &mut notices);
        assert!(problems.is_empty(), "{problems:?}");
        let read: Vec<String> = held.iter().map(read).collect();
        assert_eq!(read, ["1\n", "2\n", "3\n"]);
    }

    #[test]
    fn a_rotation_between_listing_and_opening_is_followed_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path();
        fs::write(events.join("a.1.jsonl"), "1\n").unwrap();
        fs::write(events.join("a.jsonl"), "2\n").unwrap();
        let list = vec![listed(events, "a.1.jsonl"), listed(events, "a.jsonl")];
        // Two rotations after the listing, before the open.
        fs::rename(events.join("a.jsonl"), events.join("a.2.jsonl")).unwrap();
        fs::write(events.join("a.3.jsonl"), "3\n").unwrap();
        fs::write(events.join("a.jsonl"), "4\n").unwrap();
        let (mut problems, mut notices) = (Vec::new(), Vec::new());
        let held = freeze(events, "a.jsonl", list, &mut problems, &mut notices);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            notices,
            [Notice::Rotated {
                path: events.join("a.jsonl"),
                rotated_to: events.join("a.2.jsonl"),
            }]
        );
        let read_back: Vec<(Option<u64>, String)> =
            held.iter().map(|h| (h.number, read(h))).collect();
        assert_eq!(
            read_back,
            [
                (Some(1), "1\n".to_owned()),
                (Some(2), "2\n".to_owned()),
                (Some(3), "3\n".to_owned()),
                (None, "4\n".to_owned()),
            ]
        );
    }

    #[test]
    fn a_segment_removed_before_it_was_opened_is_a_problem_by_path() {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path();
        fs::write(events.join("a.1.jsonl"), "1\n").unwrap();
        fs::write(events.join("a.jsonl"), "2\n").unwrap();
        let list = vec![listed(events, "a.1.jsonl"), listed(events, "a.jsonl")];
        fs::remove_file(events.join("a.1.jsonl")).unwrap();
        let (mut problems, mut notices) = (Vec::new(), Vec::new());
        let held = freeze(events, "a.jsonl", list, &mut problems, &mut notices);
        assert_eq!(held.len(), 1);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].to_string().contains("a.1.jsonl")
                && problems[0].to_string().contains("removed"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn an_active_file_rotated_and_removed_before_the_open_is_a_problem() {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path();
        fs::write(events.join("a.jsonl"), "1\n").unwrap();
        let list = vec![listed(events, "a.jsonl")];
        // Kept open, so the new file cannot be given the freed inode.
        let _old = File::open(events.join("a.jsonl")).unwrap();
        fs::remove_file(events.join("a.jsonl")).unwrap();
        fs::write(events.join("a.jsonl"), "2\n").unwrap();
        let (mut problems, mut notices) = (Vec::new(), Vec::new());
        let held = freeze(events, "a.jsonl", list, &mut problems, &mut notices);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].to_string().contains("rotated"));
        assert_eq!(held.len(), 1);
        assert_eq!(read(&held[0]), "2\n");
    }
}
