//! Sorting more records than memory should hold, for the figures that need
//! every record of a run at once: an operation's outcome is known only when
//! all its attempts are grouped, and an exact median only when every
//! duration is ordered.
//!
//! Records are byte strings compared byte by byte, so each figure chooses
//! its order by how it encodes its records (big-endian integers, floats
//! flipped into [`total_order_key`]). They gather in one arena; when the
//! arena is full it is sorted and written as a *run* to an unnamed
//! temporary file (removed by the OS even if the process dies), and
//! [`ExternalSort::merge`] merges the runs. Records that compare equal are
//! the same bytes, so the order among them cannot show; a figure that needs
//! push order among equal keys puts a sequence number into its records.
//!
//! Memory stays at about `arena_limit` (records and their spans counted
//! together) whatever the number of records: a 10 GiB run and a 10 MB one
//! hold the same. Kept here rather than taken from a crate: the external-sort crates
//! on the registry sort typed values through serde with a file per run and
//! no stability promise, for what is one arena and one heap.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// Memory a sort holds before it writes a run, records and their 8-byte
/// spans together: 8 MiB.
pub(crate) const DEFAULT_ARENA_LIMIT: usize = 8 << 20;

/// What each record costs beside its bytes: its span in the arena.
const SPAN_BYTES: usize = size_of::<(u32, u32)>();

/// Byte records sorted in bounded memory (see the module docs).
pub(crate) struct ExternalSort {
    arena: Vec<u8>,
    /// `(start, len)` of each record in `arena`.
    spans: Vec<(u32, u32)>,
    arena_limit: usize,
    /// Sorted runs already written, oldest first.
    runs: Vec<File>,
    records: u64,
    /// Where runs go instead of the system's temporary directory (tests).
    #[cfg(test)]
    dir: Option<std::path::PathBuf>,
}

impl Default for ExternalSort {
    fn default() -> Self {
        ExternalSort::with_arena_limit(DEFAULT_ARENA_LIMIT)
    }
}

impl fmt::Debug for ExternalSort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalSort")
            .field("records", &self.records)
            .field("runs_written", &self.runs.len())
            .field("arena_bytes", &self.arena.len())
            .finish()
    }
}

impl ExternalSort {
    /// A sort that writes a run each time its records and their spans
    /// would pass `arena_limit` bytes (at least one record is always held).
    pub(crate) fn with_arena_limit(arena_limit: usize) -> Self {
        ExternalSort {
            arena: Vec::new(),
            spans: Vec::new(),
            // Offsets into the arena are u32.
            arena_limit: arena_limit.min(u32::MAX as usize / 2),
            runs: Vec::new(),
            records: 0,
            #[cfg(test)]
            dir: None,
        }
    }

    /// Writes runs into `dir` rather than the system's temporary directory.
    #[cfg(test)]
    pub(crate) fn in_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    fn temporary_file(&self) -> io::Result<File> {
        #[cfg(test)]
        if let Some(dir) = &self.dir {
            return tempfile::tempfile_in(dir);
        }
        tempfile::tempfile()
    }

    /// Records pushed so far.
    #[cfg(test)]
    pub(crate) fn len(&self) -> u64 {
        self.records
    }

    /// Adds one record.
    ///
    /// # Errors
    ///
    /// A temporary file that cannot be created or written when the arena
    /// is full; the records of that run are lost, so the sort is unusable.
    pub(crate) fn push(&mut self, record: &[u8]) -> io::Result<()> {
        let held = self.arena.len() + SPAN_BYTES * self.spans.len();
        if !self.arena.is_empty() && held + record.len() + SPAN_BYTES > self.arena_limit {
            self.spill()?;
        }
        let too_long = || io::Error::other("a record longer than 2 GiB cannot be sorted");
        let start = u32::try_from(self.arena.len()).map_err(|_| too_long())?;
        let len = u32::try_from(record.len()).map_err(|_| too_long())?;
        self.arena.extend_from_slice(record);
        self.spans.push((start, len));
        self.records += 1;
        Ok(())
    }

    /// Sorts the arena stably and writes it as a run: each record as its
    /// length (u32, little-endian) and its bytes.
    fn spill(&mut self) -> io::Result<()> {
        self.sort_arena();
        let mut file = BufWriter::with_capacity(1 << 16, self.temporary_file()?);
        for &(start, len) in &self.spans {
            file.write_all(&len.to_le_bytes())?;
            file.write_all(&self.arena[start as usize..(start + len) as usize])?;
        }
        let mut file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.seek(SeekFrom::Start(0))?;
        self.runs.push(file);
        self.arena.clear();
        self.spans.clear();
        Ok(())
    }

    fn sort_arena(&mut self) {
        let arena = &self.arena;
        let bytes = |&(start, len): &(u32, u32)| &arena[start as usize..(start + len) as usize];
        self.spans.sort_unstable_by(|a, b| bytes(a).cmp(bytes(b)));
    }

    /// Calls `each` with every record, in byte order.
    ///
    /// # Errors
    ///
    /// A run that cannot be read back, or the first error `each` returns.
    pub(crate) fn merge<E: From<io::Error>>(
        mut self,
        mut each: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        self.sort_arena();
        if self.runs.is_empty() {
            // Everything fits in memory: no file was ever written.
            for &(start, len) in &self.spans {
                each(&self.arena[start as usize..(start + len) as usize])?;
            }
            return Ok(());
        }
        let mut sources: Vec<Source> = self
            .runs
            .into_iter()
            .map(|file| Source::File(BufReader::with_capacity(1 << 16, file)))
            .collect();
        sources.push(Source::Arena {
            arena: self.arena,
            spans: self.spans.into_iter(),
        });
        // The heap holds each source's current record, smallest on top.
        let mut heap = BinaryHeap::with_capacity(sources.len());
        for (index, source) in sources.iter_mut().enumerate() {
            let mut record = Vec::new();
            if source.next_into(&mut record)? {
                heap.push(Reverse((record, index)));
            }
        }
        while let Some(Reverse((mut record, index))) = heap.pop() {
            each(&record)?;
            if sources[index].next_into(&mut record)? {
                heap.push(Reverse((record, index)));
            }
        }
        Ok(())
    }
}

/// One sorted run being merged.
enum Source {
    File(BufReader<File>),
    Arena {
        arena: Vec<u8>,
        spans: std::vec::IntoIter<(u32, u32)>,
    },
}

impl Source {
    /// Reads the next record into `record`; `false` at the end.
    fn next_into(&mut self, record: &mut Vec<u8>) -> io::Result<bool> {
        record.clear();
        match self {
            Source::Arena { arena, spans } => match spans.next() {
                Some((start, len)) => {
                    record.extend_from_slice(&arena[start as usize..(start + len) as usize]);
                    Ok(true)
                }
                None => Ok(false),
            },
            Source::File(file) => {
                let mut len = [0u8; 4];
                match file.read_exact(&mut len) {
                    Ok(()) => {}
                    Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => return Ok(false),
                    Err(err) => return Err(err),
                }
                let len = u32::from_le_bytes(len) as usize;
                record.resize(len, 0);
                file.read_exact(record)?;
                Ok(true)
            }
        }
    }
}

/// A float's bits, turned so that comparing the big-endian bytes orders the
/// floats as [`f64::total_cmp`] does (negatives below positives, `-0.0`
/// below `0.0`).
pub(crate) fn total_order_key(value: f64) -> [u8; 8] {
    let bits = value.to_bits();
    let key = if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    };
    key.to_be_bytes()
}

/// The float [`total_order_key`] was made from.
pub(crate) fn from_total_order_key(key: [u8; 8]) -> f64 {
    let key = u64::from_be_bytes(key);
    let bits = if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    };
    f64::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(sort: ExternalSort) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        sort.merge::<io::Error>(|record| {
            out.push(record.to_vec());
            Ok(())
        })
        .unwrap();
        out
    }

    /// Records of a few keys, many of them repeated, of different lengths.
    fn records(n: u32) -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| {
                let key = (i.wrapping_mul(2_654_435_761) % 7) as u8;
                let mut record = vec![key];
                record.extend_from_slice(&i.to_be_bytes());
                // A variable tail, so records differ in length.
                record.extend(std::iter::repeat_n(b'x', (i % 3) as usize));
                record
            })
            .collect()
    }

    fn expected(records: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let mut expected = records.to_vec();
        expected.sort();
        expected
    }

    #[test]
    fn records_that_fit_in_memory_are_sorted_without_a_file() {
        let mut sort = ExternalSort::default();
        let input = records(1000);
        for record in &input {
            sort.push(record).unwrap();
        }
        assert!(sort.runs.is_empty());
        assert_eq!(sort.len(), 1000);
        assert_eq!(sorted(sort), expected(&input));
    }

    #[test]
    fn records_spilled_to_many_runs_merge_into_one_order() {
        let mut sort = ExternalSort::with_arena_limit(64);
        let input = records(1000);
        for record in &input {
            sort.push(record).unwrap();
        }
        assert!(sort.runs.len() > 50, "{} runs", sort.runs.len());
        assert_eq!(sorted(sort), expected(&input));
    }

    #[test]
    fn repeated_records_all_come_out() {
        let mut sort = ExternalSort::with_arena_limit(3);
        for key in [2u8, 1, 2, 1, 2, 1, 2] {
            sort.push(&[key]).unwrap();
        }
        assert!(sort.runs.len() >= 2);
        assert_eq!(
            sorted(sort),
            vec![
                vec![1],
                vec![1],
                vec![1],
                vec![2],
                vec![2],
                vec![2],
                vec![2]
            ]
        );
    }

    #[test]
    fn a_run_is_written_when_records_and_spans_would_pass_the_limit() {
        // A 2-byte record costs 2 + 8 (its span): ten fill 100 bytes
        // exactly, the eleventh would pass them.
        let mut sort = ExternalSort::with_arena_limit(100);
        for i in 0..30u16 {
            sort.push(&i.to_be_bytes()).unwrap();
            let runs = usize::from(i / 10);
            assert_eq!(
                (sort.runs.len(), sort.spans.len()),
                (runs, usize::from(i % 10) + 1)
            );
        }
        assert_eq!(
            sorted(sort),
            (0..30u16)
                .map(|i| i.to_be_bytes().to_vec())
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_long_record_spills_what_is_held_and_is_held_alone() {
        let mut sort = ExternalSort::with_arena_limit(20);
        sort.push(b"ab").unwrap();
        sort.push(&[b'z'; 40]).unwrap();
        assert_eq!((sort.runs.len(), sort.arena.len()), (1, 40));
    }

    #[test]
    fn the_arena_limit_keeps_offsets_within_u32() {
        let sort = ExternalSort::with_arena_limit(usize::MAX);
        assert_eq!(sort.arena_limit, u32::MAX as usize / 2);
        assert_eq!(ExternalSort::default().arena_limit, DEFAULT_ARENA_LIMIT);
    }

    #[test]
    fn debug_shows_the_records_and_runs() {
        let mut sort = ExternalSort::with_arena_limit(10);
        for i in 0..3u8 {
            sort.push(&[i; 4]).unwrap();
        }
        assert_eq!(
            format!("{sort:?}"),
            "ExternalSort { records: 3, runs_written: 2, arena_bytes: 4 }"
        );
    }

    #[test]
    fn a_run_that_cannot_be_read_is_an_error_not_its_end() {
        let dir = tempfile::tempdir().unwrap();
        // Opened for writing only: every read fails (EBADF), which is not
        // the clean end of a run.
        let file = File::create(dir.path().join("run")).unwrap();
        let mut source = Source::File(BufReader::new(file));
        assert!(source.next_into(&mut Vec::new()).is_err());
    }

    #[test]
    fn an_empty_sort_merges_to_nothing() {
        assert!(sorted(ExternalSort::default()).is_empty());
    }

    #[test]
    fn an_error_of_the_callback_stops_the_merge() {
        let mut sort = ExternalSort::with_arena_limit(2);
        for i in 0..10u8 {
            sort.push(&[i]).unwrap();
        }
        let mut seen = 0;
        let result = sort.merge(|_| {
            seen += 1;
            if seen == 3 {
                Err(io::Error::other("stop"))
            } else {
                Ok(())
            }
        });
        assert_eq!(result.unwrap_err().to_string(), "stop");
        assert_eq!(seen, 3);
    }

    #[test]
    fn the_float_key_orders_as_total_cmp_and_round_trips() {
        let mut values = vec![
            -f64::INFINITY,
            -1e300,
            -2.5,
            -0.0,
            0.0,
            1e-300,
            0.1,
            2.5,
            1e300,
            f64::INFINITY,
        ];
        let mut by_key = values.clone();
        by_key.sort_by_key(|v| total_order_key(*v));
        values.sort_by(f64::total_cmp);
        assert_eq!(
            by_key.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            values.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        for value in values {
            assert_eq!(
                from_total_order_key(total_order_key(value)).to_bits(),
                value.to_bits()
            );
        }
    }
}
