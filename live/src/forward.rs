//! The forwarder: ships a run's files to a JetStream stream, complete lines
//! in batches, resuming from its cursor, until the run ended and the server
//! acknowledged all of it.
//!
//! Memory is bounded: one batch per file is in flight at a time, and nothing
//! is published while the client is disconnected (async-nats would buffer
//! it silently), so an outage costs retries, not memory. The engine's `emit`
//! path is not involved: the forwarder only reads the files.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, UNIX_EPOCH};

use async_nats::jetstream::{self, publish::PublishAck};
use async_nats::{Client, connection::State};
use basis_events::model::run_catalog::CATALOG_FILE;
use basis_events::read::parse_segment;
use basis_events::run_dir::{MANIFEST_FILE, RunManifest, RunStatus};
use bytes::Bytes;

use crate::cursor::{Cursor, CursorError, FileCursor};
use crate::error::{ForwardError, NatsError};
use crate::follow::Tail;
use crate::ids::IdKind;
use crate::message::{Body, LineBatch, MAX_BATCH_BYTES, MAX_BATCH_LINES, Message, line_ids};
use crate::nats::{self, DEFAULT_STREAM, Retry};
use crate::status::{Status, StatusFn};
use crate::subject::FileOrigin;

/// How to forward.
#[derive(Debug, Clone)]
pub struct ForwardOptions {
    /// `nats://127.0.0.1:4222`.
    pub url: String,
    pub stream: String,
    /// Keep shipping until the run ended and all of it is acknowledged.
    pub follow: bool,
    pub max_batch_lines: usize,
    pub max_batch_bytes: usize,
    /// How often a followed run is looked at when nothing is new.
    pub poll: Duration,
    /// How long one publish waits for its acknowledgement.
    pub ack_timeout: Duration,
    pub retry: Retry,
}

impl ForwardOptions {
    /// Defaults: stream `BASIS`, batches of 4096 lines or 512 KiB, poll 50 ms.
    pub fn new(url: impl Into<String>) -> Self {
        ForwardOptions {
            url: url.into(),
            stream: DEFAULT_STREAM.to_owned(),
            follow: false,
            max_batch_lines: MAX_BATCH_LINES,
            max_batch_bytes: MAX_BATCH_BYTES,
            poll: Duration::from_millis(50),
            ack_timeout: Duration::from_secs(5),
            retry: Retry::default(),
        }
    }
}

/// What a forwarder shipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForwardReport {
    pub processes: usize,
    /// Messages acknowledged (duplicates included).
    pub messages: u64,
    /// Lines in acknowledged messages.
    pub lines: u64,
    /// Acknowledged as duplicates: sent before, by this or an earlier run of
    /// the forwarder.
    pub duplicates: u64,
    /// Process directories completely acknowledged, with the run ended.
    pub done: usize,
}

/// Ships `run_dir` (a process directory, or a run directory holding
/// several) to the stream, and returns what was acknowledged.
///
/// Without `follow`, it ships what is there and returns. With it, it keeps
/// going until every process directory's manifest says the run ended (or its
/// process is gone) and everything is acknowledged.
pub fn forward(
    run_dir: &Path,
    options: &ForwardOptions,
    status: StatusFn<'_>,
) -> Result<ForwardReport, ForwardError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ForwardError::Runtime)?;
    runtime.block_on(forward_async(run_dir, options, status))
}

async fn forward_async(
    run_dir: &Path,
    options: &ForwardOptions,
    status: StatusFn<'_>,
) -> Result<ForwardReport, ForwardError> {
    let mut processes: BTreeMap<PathBuf, Process> = BTreeMap::new();
    for dir in process_dirs(run_dir)? {
        processes.insert(dir.clone(), Process::open(&dir, options, status)?);
    }
    let client = nats::connect(&options.url, &options.retry, status).await?;
    let js = jetstream::new(client.clone());
    nats::existing_stream(&js, &options.stream, &options.url).await?;
    let publisher = Publisher {
        client,
        js,
        options,
        status,
    };
    let mut report = ForwardReport::default();
    loop {
        if options.follow {
            for dir in process_dirs(run_dir)? {
                if !processes.contains_key(&dir) {
                    processes.insert(dir.clone(), Process::open(&dir, options, status)?);
                }
            }
        }
        let mut progress = false;
        for process in processes.values_mut() {
            if process.cursor.done {
                continue;
            }
            let before = report.messages;
            process.pump(&publisher, &mut report).await?;
            progress |= report.messages > before;
            if process.cursor.done {
                status(&Status::Done {
                    dir: process.dir.clone(),
                });
            }
        }
        let all_done = processes.values().all(|p| p.cursor.done);
        if !options.follow || all_done {
            break;
        }
        if !progress {
            tokio::time::sleep(options.poll).await;
        }
    }
    report.processes = processes.len();
    report.done = processes.values().filter(|p| p.cursor.done).count();
    for process in processes.values() {
        status(&Status::Shipped {
            dir: process.dir.clone(),
            lines: process.lines,
            messages: process.messages,
        });
    }
    Ok(report)
}

/// `run_dir` itself if it is a process directory, else its children that are.
fn process_dirs(run_dir: &Path) -> Result<Vec<PathBuf>, ForwardError> {
    if run_dir.join(MANIFEST_FILE).is_file() {
        return Ok(vec![run_dir.to_owned()]);
    }
    let entries = fs::read_dir(run_dir).map_err(|source| ForwardError::Io {
        op: "list",
        path: run_dir.to_owned(),
        source,
    })?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .map(|entry| entry.path())
        .filter(|path| path.join(MANIFEST_FILE).is_file())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(ForwardError::NotARun(run_dir.to_owned()));
    }
    Ok(dirs)
}

struct Publisher<'a> {
    client: Client,
    js: jetstream::Context,
    options: &'a ForwardOptions,
    status: StatusFn<'a>,
}

impl Publisher<'_> {
    /// Publishes `message` until the server acknowledges it, with backoff,
    /// never while disconnected, for at most `retry.give_up_after`.
    async fn publish(&self, message: &Message) -> Result<PublishAck, NatsError> {
        let (headers, payload) = message.encode();
        let msg_id = message.msg_id();
        let max = self.client.server_info().max_payload;
        if max > 0 && payload.len() + 1024 > max {
            return Err(NatsError::TooLarge {
                msg_id,
                bytes: payload.len(),
                max,
            });
        }
        let subject = message.origin.subject();
        let retry = &self.options.retry;
        let started = Instant::now();
        let mut delay = retry.initial;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let reason = if self.client.connection_state() == State::Connected {
                let publish = async {
                    self.js
                        .publish_with_headers(subject.clone(), headers.clone(), payload.clone())
                        .await?
                        .await
                };
                match tokio::time::timeout(self.options.ack_timeout, publish).await {
                    Ok(Ok(ack)) => return Ok(ack),
                    Ok(Err(err)) => err.to_string(),
                    Err(_) => format!(
                        "no acknowledgement within {:.1}s",
                        self.options.ack_timeout.as_secs_f64()
                    ),
                }
            } else {
                "disconnected".to_owned()
            };
            if started.elapsed() + delay > retry.give_up_after {
                return Err(NatsError::GaveUp {
                    msg_id,
                    attempts: attempt,
                    secs: started.elapsed().as_secs_f64(),
                    reason,
                });
            }
            (self.status)(&Status::Retrying {
                what: msg_id.clone(),
                attempt,
                reason,
                retry_in: delay,
            });
            tokio::time::sleep(delay).await;
            delay = retry.next(delay);
        }
    }
}

/// One process directory being shipped.
struct Process {
    dir: PathBuf,
    correlation_id: String,
    pid: u32,
    host: String,
    cursor: Cursor,
    files: BTreeMap<String, LineFile>,
    lines: u64,
    messages: u64,
}

struct LineFile {
    tail: Tail,
    ids: Option<IdKind>,
    last_id: u64,
}

impl Process {
    fn open(
        dir: &Path,
        options: &ForwardOptions,
        status: StatusFn<'_>,
    ) -> Result<Process, ForwardError> {
        let manifest = read_manifest(dir)?;
        let cursor = match Cursor::load(dir) {
            Ok(Some(cursor)) if cursor.stream == options.stream => cursor,
            Ok(Some(cursor)) => {
                status(&Status::CursorReset {
                    dir: dir.to_owned(),
                    reason: format!(
                        "the cursor is for stream `{}`, not `{}`",
                        cursor.stream, options.stream
                    ),
                });
                Cursor::default()
            }
            Ok(None) => Cursor::default(),
            Err(err @ CursorError::Parse { .. }) => {
                status(&Status::CursorReset {
                    dir: dir.to_owned(),
                    reason: err.to_string(),
                });
                Cursor::default()
            }
            Err(err) => return Err(err.into()),
        };
        let process = Process {
            dir: dir.to_owned(),
            correlation_id: manifest.correlation_id,
            pid: manifest.pid,
            host: manifest.host,
            cursor: Cursor {
                stream: options.stream.clone(),
                ..cursor
            },
            files: BTreeMap::new(),
            lines: 0,
            messages: 0,
        };
        // Written at once, so retention knows the run is being forwarded
        // before the first acknowledgement.
        if !process.cursor.done {
            process.cursor.store(dir)?;
        }
        Ok(process)
    }

    /// Ships everything complete now; marks the cursor done when the run had
    /// ended before this pass and all of it is acknowledged.
    async fn pump(
        &mut self,
        publisher: &Publisher<'_>,
        report: &mut ForwardReport,
    ) -> Result<(), ForwardError> {
        // Read first: lines written before the run ended are all there now.
        let manifest = read_manifest(&self.dir)?;
        let gone = manifest.status == RunStatus::Running && process_gone(&manifest);
        let ended = manifest.status != RunStatus::Running || gone;
        self.discover()?;
        let options = publisher.options;
        let relpaths: Vec<String> = self.files.keys().cloned().collect();
        for relpath in relpaths {
            let origin = self.origin(&relpath);
            loop {
                let file = self.files.get_mut(&relpath).expect("discovered");
                let chunk = file
                    .tail
                    .read(options.max_batch_lines, options.max_batch_bytes)?;
                if chunk.lines == 0 {
                    break;
                }
                let path = self.dir.join(&relpath);
                let ids = *file
                    .ids
                    .get_or_insert_with(|| IdKind::of_first_line(&chunk.bytes));
                let line_ids = line_ids(&chunk.bytes, ids, file.last_id).map_err(|reason| {
                    ForwardError::BadIds {
                        path: path.clone(),
                        line: file.tail.position().lines - chunk.lines + 1,
                        reason,
                    }
                })?;
                let (first, last) = (line_ids[0], *line_ids.last().expect("not empty"));
                let message = Message {
                    origin: origin.clone(),
                    host: self.host.clone(),
                    body: Body::Lines(LineBatch {
                        ids,
                        prev: file.last_id,
                        first,
                        last,
                        payload: Bytes::from(chunk.bytes),
                        line_ids,
                    }),
                };
                let ack = publisher.publish(&message).await?;
                let file = self.files.get_mut(&relpath).expect("discovered");
                file.last_id = last;
                self.cursor.files.insert(
                    relpath.clone(),
                    FileCursor::Lines {
                        ids,
                        last_id: last,
                        position: file.tail.position(),
                    },
                );
                self.cursor.store(&self.dir)?;
                self.count(report, chunk.lines, ack.duplicate);
            }
        }
        // The manifest last, so a collector sees a run end after its lines.
        for name in [CATALOG_FILE, MANIFEST_FILE] {
            self.ship_snapshot(name, publisher, report).await?;
        }
        if ended {
            if gone {
                (publisher.status)(&Status::ProcessGone {
                    dir: self.dir.clone(),
                    pid: self.pid,
                });
            }
            for (relpath, file) in &self.files {
                let bytes = file.tail.pending_bytes();
                if bytes > 0 {
                    (publisher.status)(&Status::TornTail {
                        path: self.dir.join(relpath),
                        bytes,
                    });
                }
            }
            self.cursor.done = true;
            self.cursor.store(&self.dir)?;
        }
        Ok(())
    }

    async fn ship_snapshot(
        &mut self,
        name: &str,
        publisher: &Publisher<'_>,
        report: &mut ForwardReport,
    ) -> Result<(), ForwardError> {
        let path = self.dir.join(name);
        let (bytes, version) = match read_snapshot(&path) {
            Ok(Some(snapshot)) => snapshot,
            Ok(None) => return Ok(()),
            Err(source) => {
                return Err(ForwardError::Io {
                    op: "read",
                    path,
                    source,
                });
            }
        };
        let crc32 = crc32fast::hash(&bytes);
        let shipped = FileCursor::Snapshot { version, crc32 };
        if self.cursor.files.get(name) == Some(&shipped) {
            return Ok(());
        }
        let message = Message {
            origin: self.origin(name),
            host: self.host.clone(),
            body: Body::Snapshot {
                version,
                bytes: Bytes::from(bytes),
            },
        };
        let ack = publisher.publish(&message).await?;
        self.cursor.files.insert(name.to_owned(), shipped);
        self.cursor.store(&self.dir)?;
        self.count(report, 0, ack.duplicate);
        Ok(())
    }

    fn count(&mut self, report: &mut ForwardReport, lines: u64, duplicate: bool) {
        self.lines += lines;
        self.messages += 1;
        report.lines += lines;
        report.messages += 1;
        report.duplicates += u64::from(duplicate);
    }

    fn origin(&self, relpath: &str) -> FileOrigin {
        FileOrigin {
            correlation_id: self.correlation_id.clone(),
            pid: self.pid,
            file: relpath.to_owned(),
        }
    }

    /// Finds the component logs (`*.log`) and event files (`events/*.jsonl`)
    /// not yet followed, resuming each from the cursor.
    fn discover(&mut self) -> Result<(), ForwardError> {
        let mut found = Vec::new();
        for (sub, ext) in [("", ".log"), ("events", ".jsonl")] {
            let dir = if sub.is_empty() {
                self.dir.clone()
            } else {
                self.dir.join(sub)
            };
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => {
                    return Err(ForwardError::Io {
                        op: "list",
                        path: dir,
                        source,
                    });
                }
            };
            for entry in entries.filter_map(Result::ok) {
                if !entry.file_type().is_ok_and(|t| t.is_file()) {
                    continue;
                }
                let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                    continue;
                };
                if !name.ends_with(ext) || name.starts_with('.') {
                    continue;
                }
                let (base, _) = parse_segment(&name);
                let relpath = if sub.is_empty() {
                    base.clone()
                } else {
                    format!("{sub}/{base}")
                };
                found.push((dir.clone(), base, relpath));
            }
        }
        for (dir, base, relpath) in found {
            if self.files.contains_key(&relpath) {
                continue;
            }
            let file = match self.cursor.files.get(&relpath) {
                Some(FileCursor::Lines {
                    ids,
                    last_id,
                    position,
                }) => LineFile {
                    tail: Tail::resume(&dir, &base, *position)?,
                    ids: Some(*ids),
                    last_id: *last_id,
                },
                _ => LineFile {
                    tail: Tail::new(&dir, &base),
                    ids: None,
                    last_id: 0,
                },
            };
            self.files.insert(relpath, file);
        }
        Ok(())
    }
}

fn read_manifest(dir: &Path) -> Result<RunManifest, ForwardError> {
    let path = dir.join(MANIFEST_FILE);
    let bytes = fs::read(&path).map_err(|err| ForwardError::Manifest {
        path: path.clone(),
        reason: err.to_string(),
    })?;
    serde_json::from_slice(&bytes).map_err(|err| ForwardError::Manifest {
        path,
        reason: err.to_string(),
    })
}

/// A whole file and its modification time in ns; `None` if it does not exist.
fn read_snapshot(path: &Path) -> std::io::Result<Option<(Vec<u8>, u64)>> {
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    let bytes = fs::read(path)?;
    let version = meta
        .modified()?
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    Ok(Some((bytes, version)))
}

/// Whether the run's process is known to be gone: it ran on this host and
/// `/proc/<pid>` is absent. On another host nothing is known.
fn process_gone(manifest: &RunManifest) -> bool {
    let here = gethostname::gethostname();
    here.to_string_lossy() == manifest.host
        && !Path::new("/proc").join(manifest.pid.to_string()).exists()
}
