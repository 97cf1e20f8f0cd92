//! Shared fixtures: source runs written like the loggers write them (seq,
//! rotation, lines written in two parts), and the tree comparison.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use basis_events::read::{parse_segment, segment_name, segments_of};
use basis_events::real_utc_now;
use basis_events::run_dir::{ExecutionMode, MANIFEST_FILE, RunManifest, RunStatus};
use basis_live::testing::NatsServer;
use basis_live::{StreamSettings, create_stream};

/// A server in its own directory, or `None` (skipped) without nats-server.
pub fn server(dir: &Path) -> Option<NatsServer> {
    if !NatsServer::available() {
        return None;
    }
    Some(NatsServer::start(&dir.join("nats")).expect("nats-server starts"))
}

pub fn stream(server: &NatsServer, name: &str, window: Duration) {
    let mut settings = StreamSettings::new(name);
    settings.duplicate_window = window;
    create_stream(&server.url(), &settings).expect("stream created");
}

/// One process directory written like the runtime writes it.
pub struct Source {
    pub dir: PathBuf,
    manifest: RunManifest,
    seq: u64,
    rotate_every: u64,
    active_lines: BTreeMap<String, u64>,
    segments: BTreeMap<String, u64>,
}

impl Source {
    pub fn new(
        root: &Path,
        correlation_id: &str,
        pid: u32,
        host: &str,
        rotate_every: u64,
    ) -> Source {
        let dir = root.join(correlation_id).join(pid.to_string());
        fs::create_dir_all(dir.join("events")).unwrap();
        let manifest = RunManifest {
            correlation_id: correlation_id.to_owned(),
            pid,
            mode: "pure_lending_usdt".into(),
            strategy: "pure_lending".into(),
            initial_capital: 10000.0,
            start_time: real_utc_now(),
            log_directory: dir.clone(),
            events_directory: dir.join("events"),
            execution_mode: ExecutionMode::Live,
            host: host.to_owned(),
            crate_version: "0.1.0".into(),
            schema_versions: BTreeMap::new(),
            status: RunStatus::Running,
            end_time: None,
            event_counts: None,
            parameters: Default::default(),
        };
        let source = Source {
            dir,
            manifest,
            seq: 0,
            rotate_every,
            active_lines: BTreeMap::new(),
            segments: BTreeMap::new(),
        };
        source.write_manifest();
        source
    }

    fn write_manifest(&self) {
        let temp = self.dir.join(".metadata.json.tmp");
        fs::write(&temp, serde_json::to_vec_pretty(&self.manifest).unwrap()).unwrap();
        fs::rename(temp, self.dir.join(MANIFEST_FILE)).unwrap();
    }

    /// An event line with the next seq, in `file` of `events/`.
    pub fn event(&mut self, file: &str, body: &str) {
        self.seq += 1;
        let line = format!(
            r#"{{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.123456","correlation_id":"{}","pid":{},"seq":{},{body}}}"#,
            self.manifest.correlation_id, self.manifest.pid, self.seq
        );
        self.append(&format!("events/{file}"), &line);
    }

    /// A component log line (no seq).
    pub fn log(&mut self, file: &str, text: &str) {
        self.append(file, &format!(r#"{{"level":"INFO","message":"{text}"}}"#));
    }

    /// Appends a line in two writes (a reader can see the first half), and
    /// rotates the file every `rotate_every` lines.
    fn append(&mut self, relpath: &str, line: &str) {
        let path = self.dir.join(relpath);
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        let (a, b) = line.split_at(line.len() / 2);
        file.write_all(a.as_bytes()).unwrap();
        file.flush().unwrap();
        file.write_all(format!("{b}\n").as_bytes()).unwrap();
        let count = self.active_lines.entry(relpath.to_owned()).or_insert(0);
        *count += 1;
        if *count >= self.rotate_every {
            *count = 0;
            let number = self.segments.entry(relpath.to_owned()).or_insert(0);
            *number += 1;
            let dir = path.parent().unwrap();
            let name = path.file_name().unwrap().to_str().unwrap();
            fs::rename(&path, dir.join(segment_name(name, *number))).unwrap();
        }
    }

    /// Leaves a torn last line, as a crash mid-write would.
    pub fn torn(&mut self, relpath: &str, text: &str) {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(relpath))
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
    }

    pub fn finish(&mut self) {
        self.manifest.status = RunStatus::Completed;
        self.manifest.end_time = Some(real_utc_now());
        self.write_manifest();
    }
}

/// Every line file of a process directory, by relative path: the
/// concatenation of its segments, complete lines only.
pub fn line_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for (sub, ext) in [("", ".log"), ("events", ".jsonl")] {
        let at = if sub.is_empty() {
            dir.to_owned()
        } else {
            dir.join(sub)
        };
        let Ok(entries) = fs::read_dir(&at) else {
            continue;
        };
        for entry in entries {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if !name.ends_with(ext) {
                continue;
            }
            let (base, _) = parse_segment(&name);
            let key = if sub.is_empty() {
                base.clone()
            } else {
                format!("{sub}/{base}")
            };
            if out.contains_key(&key) {
                continue;
            }
            let mut bytes = Vec::new();
            for segment in segments_of(&at, &base).unwrap() {
                bytes.extend(fs::read(segment).unwrap());
            }
            let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            bytes.truncate(complete);
            out.insert(key, bytes);
        }
    }
    out
}

/// Asserts the collected process directory holds exactly the source's lines
/// and manifest.
pub fn assert_collected(source: &Path, out: &Path) {
    let pid = source.file_name().unwrap();
    let cid = source.parent().unwrap().file_name().unwrap();
    let collected = out.join(cid).join(pid);
    let want = line_files(source);
    let got = line_files(&collected);
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>(),
        "files of {}",
        collected.display()
    );
    for (file, bytes) in &want {
        let have = &got[file];
        if have != bytes {
            let want_lines = bytes.split(|&b| b == b'\n').count();
            let have_lines = have.split(|&b| b == b'\n').count();
            panic!(
                "{}/{file}: {have_lines} lines collected, {want_lines} in the source, or different bytes",
                collected.display()
            );
        }
    }
    assert_eq!(
        fs::read(source.join(MANIFEST_FILE)).unwrap(),
        fs::read(collected.join(MANIFEST_FILE)).unwrap(),
        "manifest of {}",
        collected.display()
    );
}
