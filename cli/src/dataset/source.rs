//! One run of a results root as the dataset sees it: its figures, its
//! event tables, and the hashes that tell whether it changed.
//!
//! [`RunSource::tables`] is the one place a run's columns are produced for
//! the dataset. Today every table is the run's exported Parquet file as it
//! is (the typed columns of `export`). When events gain versions, the upcast
//! step of the schema-evolution work goes here: a table written under an
//! older event version is read, upcast to the current one, and written to
//! the partition, so every run of one event shares one set of columns.

use std::fs::{self, File};
use std::hash::Hasher;
use std::io::Read;
use std::path::{Path, PathBuf};

use twox_hash::XxHash64;

use super::figures::Figures;
use crate::{Error, Result};

/// The catalog file of a process, written by export beside its manifest.
pub const CATALOG_FILE: &str = "catalog.json";

/// One event table of a run: the file a partition is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTable {
    /// The event's name: the `event=` partition value.
    pub event: String,
    /// The Parquet file of export holding its rows.
    pub parquet: PathBuf,
}

/// A run's results directory, read for the dataset.
#[derive(Debug, Clone)]
pub struct RunSource {
    pub dir: PathBuf,
    pub correlation_id: String,
    pub figures: Figures,
    /// Hash of summary.json, each process's catalog.json and every Parquet
    /// file: equal hashes mean the run's partitions need no rewrite.
    pub content_hash: String,
    /// Hash of the run's event catalog: its `catalog.json` files, or the
    /// manifests' schema versions for a run exported before those existed.
    pub catalog_hash: String,
    parquet_files: Vec<PathBuf>,
}

impl RunSource {
    /// Reads the results directory `dir`, named by its correlation id.
    pub fn open(dir: &Path) -> Result<RunSource> {
        let correlation_id = dir
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default()
            .to_owned();
        crate::ids::check_plain_name("correlation id", &correlation_id)?;
        let figures = Figures::read(dir)?;
        let parquet_files = sorted_files(&dir.join("parquet"), |name| name.ends_with(".parquet"))?;
        let catalogs = catalog_files(dir)?;

        let mut content = Digest::new();
        content.file(dir, &dir.join(super::figures::SUMMARY_FILE))?;
        for path in catalogs.iter().chain(&parquet_files) {
            content.file(dir, path)?;
        }
        let catalog_hash = catalog_hash_of(dir, &figures, &catalogs)?;
        Ok(RunSource {
            dir: dir.to_owned(),
            correlation_id,
            figures,
            content_hash: content.hex(),
            catalog_hash,
            parquet_files,
        })
    }

    /// The run's event tables, one per exported Parquet file whose event
    /// the summary names. A file the summary does not explain is returned
    /// in the second list, to be reported, not guessed at.
    pub fn tables(&self) -> (Vec<EventTable>, Vec<PathBuf>) {
        let mut tables = Vec::new();
        let mut unknown = Vec::new();
        for path in &self.parquet_files {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            let event = self
                .figures
                .event_of_file(&format!("{stem}.jsonl"))
                .filter(|event| is_identifier(event));
            match event {
                Some(event) => tables.push(EventTable {
                    event: event.to_owned(),
                    parquet: path.clone(),
                }),
                None => unknown.push(path.clone()),
            }
        }
        (tables, unknown)
    }
}

/// The hash of the event catalog of the run in the results directory `dir`:
/// equal for runs written by binaries with the same events.
pub fn catalog_hash(dir: &Path, figures: &Figures) -> Result<String> {
    catalog_hash_of(dir, figures, &catalog_files(dir)?)
}

fn catalog_hash_of(dir: &Path, figures: &Figures, catalogs: &[PathBuf]) -> Result<String> {
    let mut catalog = Digest::new();
    if catalogs.is_empty() {
        let versions =
            serde_json::to_vec(&figures.schema_versions()).map_err(|source| Error::Json {
                path: dir.join(super::figures::SUMMARY_FILE),
                source,
            })?;
        catalog.bytes(b"schema_versions");
        catalog.bytes(&versions);
    } else {
        // Processes of one run share the catalog; hash each distinct one
        // once so a run of two processes hashes like a run of one.
        let mut seen = Vec::new();
        for path in catalogs {
            let text = fs::read(path).map_err(Error::io(path))?;
            if !seen.contains(&text) {
                catalog.bytes(&text);
                seen.push(text);
            }
        }
    }
    Ok(catalog.hex())
}

/// Whether `name` is a Rust identifier: what every event name is, and what
/// makes it safe as a path component and a hive partition value.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `logs/{pid}/catalog.json` of every process, sorted.
fn catalog_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let logs = dir.join("logs");
    let mut catalogs = Vec::new();
    for process in sorted_files(&logs, |_| true)? {
        let catalog = process.join(CATALOG_FILE);
        if catalog.is_file() {
            catalogs.push(catalog);
        }
    }
    Ok(catalogs)
}

/// The entries of `dir` whose names pass `keep`, sorted by name; none when
/// `dir` does not exist.
fn sorted_files(dir: &Path, keep: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(Error::io(dir)(err)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(Error::io(dir))?;
        let name = entry.file_name();
        if name.to_str().is_some_and(&keep) {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// A streaming xxHash64 of files and their names. A change detector, not a
/// security check: nobody gains by forging a collision with their own run.
struct Digest(XxHash64);

impl Digest {
    fn new() -> Digest {
        Digest(XxHash64::with_seed(0))
    }

    /// Hashes `bytes` with its length, so two inputs never run together.
    fn bytes(&mut self, bytes: &[u8]) {
        self.0.write_u64(bytes.len() as u64);
        self.0.write(bytes);
    }

    /// Hashes the file's path below `root` and its content, in chunks.
    fn file(&mut self, root: &Path, path: &Path) -> Result<()> {
        let name = path.strip_prefix(root).unwrap_or(path);
        self.bytes(name.to_string_lossy().as_bytes());
        let mut file = File::open(path).map_err(Error::io(path))?;
        let mut buffer = vec![0; 1 << 16];
        let mut length = 0u64;
        loop {
            let read = file.read(&mut buffer).map_err(Error::io(path))?;
            if read == 0 {
                break;
            }
            self.0.write(&buffer[..read]);
            length += read as u64;
        }
        self.0.write_u64(length);
        Ok(())
    }

    fn hex(&self) -> String {
        format!("{:016x}", self.0.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(is_identifier("PositionSnapshot"));
        assert!(is_identifier("_x1"));
        for bad in ["", "1a", "a-b", "a/b", "a=b", ".a", "é"] {
            assert!(!is_identifier(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_hash_changes_with_content_and_name() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        fs::write(&a, "one").unwrap();
        let hash = |path: &Path| {
            let mut d = Digest::new();
            d.file(dir.path(), path).unwrap();
            d.hex()
        };
        let first = hash(&a);
        assert_eq!(first, hash(&a));
        fs::write(&a, "two").unwrap();
        assert_ne!(first, hash(&a));
        let b = dir.path().join("b");
        fs::write(&b, "one").unwrap();
        assert_ne!(first, hash(&b), "the name is hashed too");
    }
}
