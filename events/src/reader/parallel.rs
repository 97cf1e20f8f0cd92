//! Checking a run's records on every core, handed back in the order read.
//!
//! Reading and merging a run is cheap; checking each line against its
//! schema and typed event is four fifths of `validate`'s time. So one thread
//! reads and merges, workers check batches of records, and the caller gets
//! every verdict in exactly the order the records came, as a sequential
//! check would give them: the same problems, in the same order, counted the
//! same. Memory stays bounded: only a few batches are in flight at once,
//! however far one worker falls behind.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

use super::check::Checker;
use super::problem::Problem;
use super::record::RawRecord;
use super::run::Run;

/// Records per batch: large enough that the channel hand-offs (a few
/// microseconds) cost nothing next to the checks (a few microseconds a
/// line), small enough that a batch in flight is under a hundred kilobytes
/// and that an event file of a short run still spreads over the workers.
const BATCH: usize = 256;

/// Batches in flight per worker, read but not yet handed to the caller.
const IN_FLIGHT_PER_WORKER: usize = 4;

/// The number of threads [`check_in_order`] uses when asked for 0: the
/// cores this process may run on.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Checks every record of `records` (read from `run`) with a [`Checker`],
/// on `threads` workers, and calls `each` with each verdict in the order the
/// records came: the record if it is valid, the problem otherwise (a problem
/// the reader reported is passed on as it is). `threads` 0 means
/// [`default_threads`]; 1 checks on the calling thread.
///
/// ```
/// use basis_events::reader::{Run, check_in_order};
///
/// # let root = tempfile::tempdir()?;
/// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
/// let run = Run::open(&root.path().join("abc123"))?;
/// let mut valid = 0;
/// check_in_order(&run, run.records(), 0, |verdict| valid += u64::from(verdict.is_ok()));
/// assert_eq!(valid, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_in_order<I, F>(run: &Run, records: I, threads: usize, mut each: F)
where
    I: Iterator<Item = Result<RawRecord, Problem>> + Send,
    F: FnMut(Result<RawRecord, Problem>),
{
    check_in_order_then(
        run,
        records,
        threads,
        |_, _, _| Ok(()),
        |verdict| each(verdict.map(|(record, ())| record)),
    );
}

/// [`check_in_order`], and `then` applied on the workers to each valid
/// record with its line as the check parsed it, so that work on a record
/// that needs no order (converting it into a row, say) is spread over the
/// cores too, without parsing the line again. A problem `then` returns is
/// handed over in the record's place.
pub fn check_in_order_then<I, U, T, F>(run: &Run, records: I, threads: usize, then: T, each: F)
where
    I: Iterator<Item = Result<RawRecord, Problem>> + Send,
    U: Send,
    T: Fn(&Checker, &RawRecord, serde_json::Value) -> Result<U, Problem> + Sync,
    F: FnMut(Result<(RawRecord, U), Problem>),
{
    let threads = if threads == 0 {
        default_threads()
    } else {
        threads
    };
    map_in_order(
        records,
        threads,
        Checker::new,
        |checker, item| {
            let record = item?;
            let parsed = checker.check_parsed(run, &record)?;
            let done = then(checker, &record, parsed)?;
            Ok((record, done))
        },
        each,
    );
}

/// `work` applied to every item of `items` on `threads` workers (0 for
/// [`default_threads`], 1 on the calling thread), each worker with its own
/// state from `init`, and `each` called with the results in the order of
/// `items`. What [`check_in_order`] is built on, for work on records that
/// needs no check (a second pass over records checked before, say).
///
/// ```
/// use basis_events::reader::map_in_order;
///
/// let mut squares = Vec::new();
/// map_in_order(1..=1000u64, 0, || (), |(), n| n * n, |square| squares.push(square));
/// assert_eq!(squares, (1..=1000u64).map(|n| n * n).collect::<Vec<_>>());
/// ```
pub fn map_in_order<T, U, S, I, N, W, F>(items: I, threads: usize, init: N, work: W, mut each: F)
where
    T: Send,
    U: Send,
    I: Iterator<Item = T> + Send,
    N: Fn() -> S + Sync,
    W: Fn(&mut S, T) -> U + Sync,
    F: FnMut(U),
{
    let threads = if threads == 0 {
        default_threads()
    } else {
        threads
    };
    if threads == 1 {
        let mut state = init();
        for item in items {
            each(work(&mut state, item));
        }
        return;
    }
    let in_flight = threads * IN_FLIGHT_PER_WORKER;
    // The reader takes a permit per batch and the caller gives it back once
    // the batch is handed over: the bound on batches read but not handed.
    let (permit_tx, permit_rx) = sync_channel::<()>(in_flight);
    let (work_tx, work_rx) = sync_channel::<(usize, Vec<T>)>(in_flight);
    let (done_tx, done_rx) = sync_channel::<(usize, Vec<U>)>(in_flight);
    let work_rx = Arc::new(Mutex::new(work_rx));
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut items = items;
            for index in 0.. {
                let batch: Vec<T> = items.by_ref().take(BATCH).collect();
                // Either fails only when the caller's side has stopped.
                if batch.is_empty() || permit_tx.send(()).is_err() {
                    break;
                }
                if work_tx.send((index, batch)).is_err() {
                    break;
                }
            }
        });
        for _ in 0..threads {
            let (work_rx, done_tx) = (Arc::clone(&work_rx), done_tx.clone());
            let (init, work) = (&init, &work);
            scope.spawn(move || {
                let mut state = init();
                while let Some((index, batch)) = next_batch(&work_rx) {
                    let done: Vec<U> = batch
                        .into_iter()
                        .map(|item| work(&mut state, item))
                        .collect();
                    if done_tx.send((index, done)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let mut waiting: BTreeMap<usize, Vec<U>> = BTreeMap::new();
        let mut next = 0;
        for (index, done) in done_rx.iter() {
            waiting.insert(index, done);
            while let Some(done) = waiting.remove(&next) {
                done.into_iter().for_each(&mut each);
                next += 1;
                // The reader has stopped when this fails; nothing is lost.
                let _ = permit_rx.recv();
            }
        }
    });
}

fn next_batch<T>(work: &Mutex<Receiver<(usize, Vec<T>)>>) -> Option<(usize, Vec<T>)> {
    // A worker that panicked poisons the lock; the panic reaches the caller
    // when the scope ends, and the others stop here.
    work.lock().ok()?.recv().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Results come back in the order of the items whatever the threads
    /// and however uneven the work (mutants: the reorder buffer bypassed,
    /// results handed over as they finish).
    #[test]
    fn results_come_back_in_the_order_of_the_items() {
        let items = 0..(BATCH as u64 * 37 + 11);
        let expected: Vec<u64> = items.clone().map(|i| i * 3).collect();
        for threads in [1, 2, 3, 8] {
            let mut got = Vec::new();
            map_in_order(
                items.clone(),
                threads,
                || (),
                |(), i| {
                    // Uneven work, so batches finish out of order.
                    if i % (BATCH as u64 * 5) == 0 {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                    i * 3
                },
                |r| got.push(r),
            );
            assert_eq!(got, expected, "{threads} threads");
        }
    }

    /// Each worker builds its state once, not once per item or batch
    /// (mutant: `init` called per batch).
    #[test]
    fn each_worker_builds_its_state_once() {
        let built = std::sync::atomic::AtomicUsize::new(0);
        let mut count = 0;
        map_in_order(
            0..(BATCH * 20),
            2,
            || built.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
            |_, i| i,
            |_| count += 1,
        );
        assert_eq!(count, BATCH * 20);
        assert_eq!(built.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    /// No more than the bound of batches is read ahead of what was handed
    /// over, however slow the caller (mutant: the permit not taken).
    #[test]
    fn the_reader_stays_a_bounded_distance_ahead() {
        let read = std::sync::atomic::AtomicUsize::new(0);
        let items = (0..BATCH * 100).inspect(|_| {
            read.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        });
        let mut handed = 0;
        let mut worst = 0;
        map_in_order(
            items,
            2,
            || (),
            |(), i| i,
            |_| {
                handed += 1;
                if handed % BATCH == 1 {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                let ahead = read.load(std::sync::atomic::Ordering::SeqCst) - handed;
                worst = worst.max(ahead);
            },
        );
        assert_eq!(handed, BATCH * 100);
        // Batches in flight, plus one being collected by the reader.
        assert!(
            worst <= (2 * IN_FLIGHT_PER_WORKER + 2) * BATCH,
            "read {worst} items ahead"
        );
    }
}
