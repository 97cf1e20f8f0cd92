//! Shared helpers of the reliability and security suite (issue 7).
//!
//! Events are *tagged*: every event the suite emits carries a tag
//! `"{stream}:{seq}"` in one of its free-text fields, so that reading the
//! files back can say exactly which events are there, in which order, and
//! which are missing or duplicated. A stream is one emitting thread (or one
//! child process); `seq` counts that stream's events from 0.
//!
//! The suite mixes six event types of the catalog, one per file, so the load
//! and crash tests exercise several files at once.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use basis_events::catalog::{
    OperationExecutionEvent, PositionSnapshot, ReconciliationEvent, StrategyDecision,
    SystemErrorEvent, TightLoopExecutionEvent,
};
use basis_events::read::{LineReader, segments_of};
use basis_events::{DomainEvent, DomainEventLogger, EventRecord, LogError};

/// The files of the six tagged event types, in kind order.
pub const TAGGED_FILES: [&str; 6] = [
    TightLoopExecutionEvent::FILE,
    OperationExecutionEvent::FILE,
    PositionSnapshot::FILE,
    StrategyDecision::FILE,
    ReconciliationEvent::FILE,
    SystemErrorEvent::FILE,
];

/// Parses one line of tagged file `kind` into its typed record (the same
/// parse as the registered `parse_line`) and returns its tag.
fn typed_tag(kind: usize, text: &str) -> Result<String, serde_json::Error> {
    fn parse<E: DomainEvent>(text: &str) -> Result<E, serde_json::Error> {
        serde_json::from_str::<EventRecord<E>>(text).map(|record| record.event)
    }
    Ok(match kind {
        0 => parse::<TightLoopExecutionEvent>(text)?.operation_id,
        1 => parse::<OperationExecutionEvent>(text)?.operation_id,
        2 => parse::<PositionSnapshot>(text)?.trigger_source,
        3 => parse::<StrategyDecision>(text)?.decision_reason,
        4 => parse::<ReconciliationEvent>(text)?.trigger_source,
        _ => parse::<SystemErrorEvent>(text)?.error_message,
    })
}

/// The tag of event `seq` of `stream`.
pub fn tag(stream: u32, seq: u64) -> String {
    format!("{stream}:{seq}")
}

/// Parses a tag back into its stream and sequence number.
pub fn parse_tag(tag: &str) -> Option<(u32, u64)> {
    let (stream, seq) = tag.split_once(':')?;
    Some((stream.parse().ok()?, seq.parse().ok()?))
}

/// The kind (index into [`TAGGED_FILES`]) event `seq` of `stream` has: the
/// types rotate, offset by stream, so every file gets every stream's events.
pub fn kind_of(stream: u32, seq: u64) -> usize {
    ((u64::from(stream) + seq) % TAGGED_FILES.len() as u64) as usize
}

/// One canonical instance of each tagged type, cloned and tagged per emit.
#[derive(Debug, Clone)]
pub struct Templates {
    tight_loop: TightLoopExecutionEvent,
    operation: OperationExecutionEvent,
    position: PositionSnapshot,
    decision: StrategyDecision,
    reconciliation: ReconciliationEvent,
    error: SystemErrorEvent,
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new()
    }
}

impl Templates {
    /// The catalog's canonical examples.
    pub fn new() -> Self {
        Templates {
            tight_loop: TightLoopExecutionEvent::example().expect("example"),
            operation: OperationExecutionEvent::example().expect("example"),
            position: PositionSnapshot::example().expect("example"),
            decision: StrategyDecision::example().expect("example"),
            reconciliation: ReconciliationEvent::example().expect("example"),
            error: SystemErrorEvent::example().expect("example"),
        }
    }

    /// Emits event `seq` of `stream`, of type [`kind_of`]`(stream, seq)`.
    pub fn emit(&self, logger: &DomainEventLogger, stream: u32, seq: u64) -> Result<(), LogError> {
        self.emit_kind(logger, kind_of(stream, seq), &tag(stream, seq))
    }

    /// Emits one event of `kind` carrying `tag`.
    pub fn emit_kind(
        &self,
        logger: &DomainEventLogger,
        kind: usize,
        tag: &str,
    ) -> Result<(), LogError> {
        match kind {
            0 => logger.emit(TightLoopExecutionEvent {
                operation_id: tag.to_owned(),
                ..self.tight_loop.clone()
            }),
            1 => logger.emit(OperationExecutionEvent {
                operation_id: tag.to_owned(),
                ..self.operation.clone()
            }),
            2 => logger.emit(PositionSnapshot {
                trigger_source: tag.to_owned(),
                ..self.position.clone()
            }),
            3 => logger.emit(StrategyDecision {
                decision_reason: tag.to_owned(),
                ..self.decision.clone()
            }),
            4 => logger.emit(ReconciliationEvent {
                trigger_source: tag.to_owned(),
                ..self.reconciliation.clone()
            }),
            _ => {
                let mut event = self.error.clone();
                event.error_message = tag.to_owned();
                logger.emit(event)
            }
        }
    }
}

/// A line that is not a whole, valid event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub path: PathBuf,
    pub line: u64,
    pub reason: String,
}

/// What the tagged files of an `events/` directory hold.
#[derive(Debug, Clone, Default)]
pub struct ReadBack {
    /// Tags per file name, in file order (segments oldest first).
    pub tags: BTreeMap<String, Vec<String>>,
    /// Torn last lines (no trailing newline), by physical file.
    pub torn: Vec<BadLine>,
    /// Complete lines that do not parse into their typed event, or a torn
    /// line that is not the last of its file.
    pub bad: Vec<BadLine>,
    /// Physical files read, with their sizes.
    pub files: Vec<(PathBuf, u64)>,
}

impl ReadBack {
    /// Every tag across files.
    pub fn all_tags(&self) -> impl Iterator<Item = &String> {
        self.tags.values().flatten()
    }

    /// Number of events read.
    pub fn len(&self) -> usize {
        self.tags.values().map(Vec::len).sum()
    }

    /// Whether no event was read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sequence numbers of `stream` in `file`, in file order.
    pub fn seqs(&self, file: &str, stream: u32) -> Vec<u64> {
        self.tags
            .get(file)
            .into_iter()
            .flatten()
            .filter_map(|tag| parse_tag(tag))
            .filter(|(s, _)| *s == stream)
            .map(|(_, seq)| seq)
            .collect()
    }
}

/// Reads every tagged file of `events_dir` through the crate's own readers
/// ([`segments_of`], [`LineReader`]): each complete line must parse into its
/// typed event (the registered `parse_line`), and its tag is collected.
pub fn read_back(events_dir: &Path) -> ReadBack {
    let mut out = ReadBack::default();
    for (kind, file) in TAGGED_FILES.iter().enumerate() {
        let info = basis_events::event_for_file(file).expect("registered");
        let mut tags = Vec::new();
        let segments = segments_of(events_dir, file)
            .unwrap_or_else(|err| panic!("cannot list {}: {err}", events_dir.display()));
        for path in segments {
            let size = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            out.files.push((path.clone(), size));
            let lines: Vec<_> = LineReader::open(&path)
                .unwrap_or_else(|err| panic!("cannot open {}: {err}", path.display()))
                .map(|line| line.expect("readable"))
                .collect();
            let count = lines.len();
            for (index, line) in lines.into_iter().enumerate() {
                let bad = |reason: String| BadLine {
                    path: path.clone(),
                    line: line.number,
                    reason,
                };
                if !line.complete {
                    if index + 1 == count {
                        out.torn.push(bad("torn tail".to_owned()));
                    } else {
                        out.bad
                            .push(bad("incomplete line before the end".to_owned()));
                    }
                    continue;
                }
                let Ok(text) = line.text() else {
                    out.bad.push(bad("not UTF-8".to_owned()));
                    continue;
                };
                match typed_tag(kind, text) {
                    Ok(tag) => tags.push(tag),
                    Err(err) => out
                        .bad
                        .push(bad(format!("not a valid {}: {err}", info.name()))),
                }
            }
        }
        out.tags.insert((*file).to_owned(), tags);
    }
    out
}

/// A small deterministic generator (SplitMix64): seeds are printed by the
/// tests, so a failure can be replayed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `range` (half-open, not empty).
    pub fn range(&mut self, range: std::ops::Range<u64>) -> u64 {
        range.start + self.next_u64() % (range.end - range.start)
    }
}

/// One entry of a directory tree: relative path, kind, and size of files.
pub type TreeEntry = (PathBuf, &'static str, u64);

/// Everything under `root`, without following links, sorted: compare before
/// and after to prove nothing was created, removed or changed in size.
pub fn tree(root: &Path) -> Vec<TreeEntry> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<TreeEntry>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            let rel = path.strip_prefix(root).unwrap_or(&path).to_owned();
            if meta.file_type().is_symlink() {
                out.push((rel, "link", 0));
            } else if meta.is_dir() {
                out.push((rel, "dir", 0));
                walk(root, &path, out);
            } else {
                out.push((rel, "file", meta.len()));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// Whether the long variants were asked for (`BASIS_LONG_TESTS=1`).
pub fn long_tests() -> bool {
    std::env::var_os("BASIS_LONG_TESTS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Parses a durability name as the emitter takes it.
pub fn parse_durability(name: &str) -> Option<basis_events::Durability> {
    match name {
        "buffered" => Some(basis_events::Durability::Buffered),
        "line" => Some(basis_events::Durability::Line),
        "durable" => Some(basis_events::Durability::Durable),
        _ => None,
    }
}

/// A running emitter child process (see `src/bin/emitter.rs`), with its
/// stdout collected line by line on a thread.
#[derive(Debug)]
pub struct Emitter {
    child: std::process::Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<JoinHandle<()>>,
}

/// What an emitter said and how it ended.
#[derive(Debug)]
pub struct Ended {
    pub status: ExitStatus,
    pub stdout: Vec<String>,
    pub stderr: String,
}

impl Ended {
    /// The largest `n` of every `F n` line: events `0..n` were covered by a
    /// `flush()` (or `shutdown()`) that returned `Ok`.
    pub fn flushed(&self) -> u64 {
        flushed(&self.stdout)
    }

    /// The signal that ended the process, if one did.
    pub fn signal(&self) -> Option<i32> {
        std::os::unix::process::ExitStatusExt::signal(&self.status)
    }
}

fn flushed(lines: &[String]) -> u64 {
    lines
        .iter()
        .filter_map(|line| line.strip_prefix("F ")?.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
}

/// Options of [`Emitter::spawn`] beyond the emitter's arguments.
#[derive(Debug, Clone, Default)]
pub struct SpawnOptions {
    /// The umask to run under, in octal (`"077"`).
    pub umask: Option<&'static str>,
    /// A file-size limit (`ulimit -f`, `RLIMIT_FSIZE`) in 512-byte blocks,
    /// with `SIGXFSZ` ignored, so a write past it is cut short and the next
    /// fails with `EFBIG`: a full disk, without mounting anything.
    pub file_size_blocks: Option<u64>,
    /// Runs the child under `strace -f -e trace=fdatasync,fsync -o PATH`.
    pub strace_to: Option<PathBuf>,
}

impl Emitter {
    /// Starts `exe MODE DURABILITY SEED COUNT DIR` with core dumps off (an
    /// abort must not leave a core file or take long writing one).
    pub fn spawn(exe: &Path, args: [&str; 5], options: &SpawnOptions) -> std::io::Result<Emitter> {
        let mut script = String::from("ulimit -c 0; ");
        if let Some(umask) = options.umask {
            script.push_str(&format!("umask {umask}; "));
        }
        if let Some(blocks) = options.file_size_blocks {
            // Ignored here, ignored in the child: exec keeps an ignored signal.
            script.push_str(&format!("trap '' XFSZ; ulimit -f {blocks}; "));
        }
        match &options.strace_to {
            Some(out) => script.push_str(&format!(
                "exec strace -f -e trace=fdatasync,fsync -o '{}' \"$0\" \"$@\"",
                out.display()
            )),
            None => script.push_str("exec \"$0\" \"$@\""),
        }
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(exe)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().expect("piped");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        Ok(Emitter {
            child,
            lines,
            reader: Some(reader),
        })
    }

    /// The largest flushed count reported so far.
    pub fn flushed_so_far(&self) -> u64 {
        flushed(&self.lines.lock().unwrap())
    }

    /// Whether the child printed a line starting with `prefix` so far.
    pub fn said(&self, prefix: &str) -> bool {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .any(|line| line.starts_with(prefix))
    }

    /// Waits until the child reported a flush, or `limit` passed (which is
    /// not a failure: the caller's assertions hold either way).
    pub fn wait_for_first_flush(&self, limit: Duration) {
        let start = Instant::now();
        while self.flushed_so_far() == 0 && start.elapsed() < limit {
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Kills the child with SIGKILL and collects what it said.
    pub fn kill(mut self) -> Ended {
        let _ = self.child.kill();
        self.finish()
    }

    /// Waits for the child to end by itself.
    pub fn wait(self) -> Ended {
        self.finish()
    }

    fn finish(mut self) -> Ended {
        let mut stderr = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut err, &mut stderr);
        }
        let status = self.child.wait().expect("wait for the emitter");
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        let stdout = std::mem::take(&mut *self.lines.lock().unwrap());
        Ended {
            status,
            stdout,
            stderr,
        }
    }
}

/// Checks what a crashed or ended emitter (stream 0) left in `events_dir`:
/// every complete line parses, at most the last line of a file is torn, each
/// file holds a prefix of the events of its type (nothing missing in the
/// middle, no duplicate), and every event below `must_have` is present.
/// Returns what was read.
pub fn check_emitter_output(events_dir: &Path, must_have: u64) -> ReadBack {
    if !events_dir.exists() {
        assert_eq!(
            must_have, 0,
            "no events/ but {must_have} events were flushed"
        );
        return ReadBack::default();
    }
    let back = read_back(events_dir);
    assert!(back.bad.is_empty(), "bad lines: {:?}", back.bad);
    let mut torn_files: Vec<&PathBuf> = back.torn.iter().map(|t| &t.path).collect();
    torn_files.dedup();
    assert_eq!(
        torn_files.len(),
        back.torn.len(),
        "two torn lines in one file"
    );
    for (kind, file) in TAGGED_FILES.iter().enumerate() {
        let seqs = back.seqs(file, 0);
        let expected: Vec<u64> = (0..)
            .filter(|seq| kind_of(0, *seq) == kind)
            .take(seqs.len())
            .collect();
        assert_eq!(seqs, expected, "{file} is not a prefix of its events");
        let needed = (0..must_have)
            .filter(|seq| kind_of(0, *seq) == kind)
            .count();
        assert!(
            seqs.len() >= needed,
            "{file}: {} events present, but {needed} were flushed",
            seqs.len()
        );
    }
    back
}
