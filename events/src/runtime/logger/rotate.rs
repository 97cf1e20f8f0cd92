//! One open log file: safe opening, whole-line writes, rotation into numbered
//! segments, and recovery after a failed write.
//!
//! See [`crate::read`] for the segment naming.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::config::LoggerConfig;
use super::error::LogError;
use crate::read::{last_segment, segment_name};

/// The mode of every log file the loggers create.
pub const LOG_FILE_MODE: u32 = 0o640;

/// Opens `path` for appending, creating it with mode 0640 if needed, and
/// refuses a symbolic link (`O_NOFOLLOW`) or anything but a regular file.
/// The file is also readable, so the writer can see whether it ends
/// mid-line.
pub fn open_log_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options
        .read(true)
        .append(true)
        .mode(LOG_FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW);
    let file = match options.clone().create_new(true).open(path) {
        Ok(file) => {
            // The umask may have taken bits away; the mode is a promise.
            file.set_permissions(fs::Permissions::from_mode(LOG_FILE_MODE))?;
            file
        }
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => options.open(path)?,
        Err(err) => return Err(err),
    };
    if !file.metadata()?.file_type().is_file() {
        return Err(io::Error::from_raw_os_error(libc::ELOOP));
    }
    Ok(file)
}

/// Whether the last byte of a file of `size` bytes is not a newline. A file
/// that cannot be read (a fault-injection opener's) counts as whole.
fn ends_mid_line(file: &File, size: u64) -> bool {
    let mut last = [0u8];
    size > 0 && file.read_at(&mut last, size - 1).is_ok_and(|n| n == 1) && last[0] != b'\n'
}

/// The writer side of one log file.
pub(crate) struct FileState {
    dir: PathBuf,
    name: String,
    path: PathBuf,
    /// `None` after a failed write: the next write reopens the file.
    file: Option<OpenFile>,
    next_segment: u64,
}

struct OpenFile {
    file: File,
    /// Bytes in the file, as this writer knows them.
    size: u64,
    /// The file's identity, to notice it being removed or replaced.
    dev: u64,
    ino: u64,
    /// Whether the directory entry of this file has been synced since it was
    /// opened: a durable flush must survive power loss with the file's name
    /// too, not only its data, when the file was just created.
    entry_synced: bool,
}

/// What a write did, beyond success or failure.
#[derive(Debug, Default)]
pub(crate) struct WriteOutcome {
    /// The file had been removed or replaced while open, and was reopened.
    pub(crate) reopened: bool,
}

impl FileState {
    /// Opens (creating) `dir/name` and finds the next segment number.
    pub(crate) fn open(dir: &Path, name: &str, config: &LoggerConfig) -> Result<Self, LogError> {
        let path = dir.join(name);
        let last = last_segment(dir, name).map_err(|err| LogError::io("list", dir, err))?;
        let mut state = FileState {
            dir: dir.to_owned(),
            name: name.to_owned(),
            path,
            file: None,
            next_segment: last.map_or(1, |n| n + 1),
        };
        state.reopen(config)?;
        Ok(state)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn reopen(&mut self, config: &LoggerConfig) -> Result<(), LogError> {
        self.file = None;
        let file = match &config.opener {
            Some(opener) => opener(&self.path),
            None => open_log_file(&self.path),
        }
        .map_err(|err| LogError::io("open", &self.path, err))?;
        let meta = file
            .metadata()
            .map_err(|err| LogError::io("stat", &self.path, err))?;
        let mut size = meta.len();
        // A file that ends mid-line (a crash during a write, then a restart
        // on the same directory) gets its newline first: the torn bytes stay
        // a line of their own, which readers report, and the next event
        // starts a line instead of being glued onto them and lost as well.
        if ends_mid_line(&file, size) {
            (&file)
                .write_all(b"\n")
                .map_err(|err| LogError::io("write", &self.path, err))?;
            size += 1;
        }
        self.file = Some(OpenFile {
            file,
            size,
            dev: meta.dev(),
            ino: meta.ino(),
            entry_synced: false,
        });
        Ok(())
    }

    /// Reopens the file if a previous write failed, or if the file on disk is
    /// no longer the one open (removed, or replaced by something else).
    fn ensure_open(&mut self, config: &LoggerConfig) -> Result<WriteOutcome, LogError> {
        let mut outcome = WriteOutcome::default();
        if let Some(open) = &self.file {
            if config.opener.is_some() {
                return Ok(outcome);
            }
            match fs::symlink_metadata(&self.path) {
                Ok(meta) if meta.dev() == open.dev && meta.ino() == open.ino => return Ok(outcome),
                _ => outcome.reopened = true,
            }
        }
        self.reopen(config)?;
        Ok(outcome)
    }

    /// Writes whole lines, rotating between lines when the file would grow
    /// past the configured size. On failure nothing partial is left behind
    /// (the file is cut back to its last whole line) and `Err` carries how
    /// many bytes of `bytes` did reach the file.
    pub(crate) fn write_lines(
        &mut self,
        bytes: &[u8],
        config: &LoggerConfig,
    ) -> Result<WriteOutcome, (usize, LogError)> {
        let outcome = self.ensure_open(config).map_err(|err| (0, err))?;
        let max = config.max_file_bytes;
        let mut done = 0;
        while done < bytes.len() {
            let rest = &bytes[done..];
            let size = self.file.as_ref().map_or(0, |open| open.size);
            let room = usize::try_from(max.saturating_sub(size)).unwrap_or(usize::MAX);
            let chunk = if rest.len() <= room {
                rest.len()
            } else if let Some(last) = rest[..room].iter().rposition(|&b| b == b'\n') {
                last + 1
            } else if size > 0 {
                self.rotate(config).map_err(|err| (done, err))?;
                continue;
            } else {
                // One line longer than a whole segment: it gets one to itself.
                rest.iter()
                    .position(|&b| b == b'\n')
                    .map_or(rest.len(), |i| i + 1)
            };
            // The next line, if any, did not fit: the next round rotates.
            self.append(&rest[..chunk]).map_err(|err| (done, err))?;
            done += chunk;
        }
        Ok(outcome)
    }

    fn append(&mut self, chunk: &[u8]) -> Result<(), LogError> {
        let Some(open) = self.file.as_mut() else {
            return Err(LogError::io(
                "write",
                &self.path,
                io::Error::other("the file could not be reopened"),
            ));
        };
        match open.file.write_all(chunk) {
            Ok(()) => {
                open.size += chunk.len() as u64;
                Ok(())
            }
            Err(err) => {
                // A short write (disk full) may have left part of a line; cut
                // it off so the file ends on a whole line. Best effort: if
                // this fails too, the reader reports a torn tail.
                let _ = open.file.set_len(open.size);
                self.file = None;
                Err(LogError::io("write", &self.path, err))
            }
        }
    }

    /// Renames the full active file to the next segment and starts a new one.
    fn rotate(&mut self, config: &LoggerConfig) -> Result<(), LogError> {
        if let Some(open) = self.file.take()
            && config.durability == super::Durability::Durable
        {
            sync_data(&open.file, &self.path)?;
        }
        let mut target = self.dir.join(segment_name(&self.name, self.next_segment));
        // Never overwrite a segment someone else left behind.
        while fs::symlink_metadata(&target).is_ok() {
            self.next_segment += 1;
            target = self.dir.join(segment_name(&self.name, self.next_segment));
        }
        fs::rename(&self.path, &target).map_err(|err| LogError::io("rotate", &self.path, err))?;
        self.next_segment += 1;
        if config.durability == super::Durability::Durable {
            sync_dir(&self.dir)?;
        }
        self.reopen(config)
    }

    /// `fdatasync`s the open file and, the first time after it was opened,
    /// its directory, so a file created since the last sync keeps its name
    /// after a power loss.
    pub(crate) fn sync(&mut self) -> Result<(), LogError> {
        let Some(open) = &mut self.file else {
            return Ok(());
        };
        sync_data(&open.file, &self.path)?;
        if !open.entry_synced {
            sync_dir(&self.dir)?;
            open.entry_synced = true;
        }
        Ok(())
    }
}

/// `fdatasync`s a log file's data.
fn sync_data(file: &File, path: &Path) -> Result<(), LogError> {
    #[cfg(test)]
    tests::record_sync(path);
    file.sync_data()
        .map_err(|err| LogError::io("sync", path, err))
}

/// `fsync`s a directory, so the names created or renamed in it survive a
/// power loss.
fn sync_dir(dir: &Path) -> Result<(), LogError> {
    #[cfg(test)]
    tests::record_sync(dir);
    File::open(dir)
        .and_then(|dir| dir.sync_all())
        .map_err(|err| LogError::io("sync", dir, err))
}

#[cfg(test)]
mod tests {
    //! Each test names the mutant of this file it was seen to fail on
    //! (`reliability/MUTANTS.md`). The syncs are recorded per thread, so the
    //! durable tests see exactly the calls of their own `FileState`.

    use std::cell::RefCell;

    use super::*;
    use crate::Durability;

    thread_local! {
        static SYNCED: RefCell<Vec<PathBuf>> = const { RefCell::new(Vec::new()) };
    }

    pub(super) fn record_sync(path: &Path) {
        SYNCED.with(|synced| synced.borrow_mut().push(path.to_owned()));
    }

    /// The paths synced on this thread since the last call.
    fn take_syncs() -> Vec<PathBuf> {
        SYNCED.with(|synced| std::mem::take(&mut *synced.borrow_mut()))
    }

    fn config(max_file_bytes: u64) -> LoggerConfig {
        LoggerConfig::default().max_file_bytes(max_file_bytes)
    }

    /// `name`'s active file and segments, oldest first, as text.
    fn files(dir: &Path) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                let text = fs::read_to_string(entry.path()).unwrap();
                (entry.file_name().into_string().unwrap(), text)
            })
            .collect();
        files.sort();
        files
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
            .collect()
    }

    /// Mutants of `ends_mid_line`: returning `false`, `size > 0` as
    /// `size < 0`, `size - 1` as `size + 1` or `size / 1`, and `!=` as `==`.
    #[test]
    fn a_file_ends_mid_line_when_its_last_byte_is_not_a_newline() {
        let dir = tempfile::tempdir().unwrap();
        for (text, mid_line) in [
            ("", false),
            ("a", true),
            ("\n", false),
            ("{\"a\":1}\n{\"b\"", true),
            ("{\"a\":1}\n", false),
        ] {
            let path = dir.path().join("f.jsonl");
            fs::write(&path, text).unwrap();
            let file = File::open(&path).unwrap();
            assert_eq!(
                ends_mid_line(&file, text.len() as u64),
                mid_line,
                "{text:?}"
            );
        }
    }

    /// Mutants: `reopen`'s `size += 1` as `-=` or `*=` (the newline added
    /// after a torn tail not counted, so the file grows past its limit).
    #[test]
    fn a_torn_tail_gets_its_newline_and_the_newline_counts_toward_the_size() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.jsonl"), "torn").unwrap();
        let config = config(10);
        let mut state = FileState::open(dir.path(), "a.jsonl", &config).unwrap();
        // "torn\n" is 5 bytes; 6 more would make 11.
        state.write_lines(b"abcde\n", &config).unwrap();
        assert_eq!(
            files(dir.path()),
            pairs(&[("a.1.jsonl", "torn\n"), ("a.jsonl", "abcde\n")])
        );
    }

    /// Mutants of `write_lines`: `size > 0` as `== 0` (a line too long for
    /// the rest of a non-empty file written into it), and, for a line longer
    /// than a whole segment, `b == b'\n'` as `!=` and `i + 1` as `i - 1` or
    /// `i * 1` (the line cut, or its newline left for the next segment).
    #[test]
    fn lines_fill_a_file_up_to_its_limit_and_a_longer_line_gets_a_segment_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(10);
        let mut state = FileState::open(dir.path(), "a.jsonl", &config).unwrap();
        // Exactly 10 bytes: one file, no rotation yet.
        state.write_lines(b"aaaa\nbbbb\n", &config).unwrap();
        assert_eq!(files(dir.path()), pairs(&[("a.jsonl", "aaaa\nbbbb\n")]));
        // Two lines that cross two limits, and one longer than a segment.
        state.write_lines(b"cc\n", &config).unwrap();
        state
            .write_lines(b"0123456789abc\nd\neeeeeee\nff\n", &config)
            .unwrap();
        state.write_lines(b"g\n", &config).unwrap();
        assert_eq!(
            files(dir.path()),
            pairs(&[
                ("a.1.jsonl", "aaaa\nbbbb\n"),
                ("a.2.jsonl", "cc\n"),
                ("a.3.jsonl", "0123456789abc\n"),
                ("a.4.jsonl", "d\neeeeeee\n"),
                ("a.jsonl", "ff\ng\n"),
            ])
        );
    }

    /// A segment longer than the limit is only ever one line, even when the
    /// long line comes first in an empty file. Mutant: `size > 0` as
    /// `>= 0` (an empty file rotated forever: this test times out).
    #[test]
    fn a_line_longer_than_a_segment_in_an_empty_file_is_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(4);
        let mut state = FileState::open(dir.path(), "a.jsonl", &config).unwrap();
        state.write_lines(b"abcdefgh\nij\n", &config).unwrap();
        assert_eq!(
            files(dir.path()),
            pairs(&[("a.1.jsonl", "abcdefgh\n"), ("a.jsonl", "ij\n")])
        );
    }

    /// Mutants: `FileState::open`'s `n + 1` as `n - 1` (a hole left by
    /// someone below the last segment filled with the newest lines), and
    /// `rotate`'s skip loop `+= 1` as `-=` (a planted segment's number
    /// taken by going down).
    #[test]
    fn rotation_numbers_past_every_segment_already_there() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.1.jsonl"), "one\n").unwrap();
        fs::write(dir.path().join("a.3.jsonl"), "three\n").unwrap();
        let config = config(4);
        let mut state = FileState::open(dir.path(), "a.jsonl", &config).unwrap();
        state.write_lines(b"new\n", &config).unwrap();
        // Someone plants the number the next rotation would take.
        fs::write(dir.path().join("a.5.jsonl"), "planted\n").unwrap();
        state.write_lines(b"newer\n", &config).unwrap();
        state.write_lines(b"z\n", &config).unwrap();
        assert_eq!(
            files(dir.path()),
            pairs(&[
                ("a.1.jsonl", "one\n"),
                ("a.3.jsonl", "three\n"),
                ("a.4.jsonl", "new\n"),
                ("a.5.jsonl", "planted\n"),
                ("a.6.jsonl", "newer\n"),
                ("a.jsonl", "z\n"),
            ])
        );
    }

    /// Mutants: `rotate`'s two `Durability::Durable` checks as `!=` (a
    /// durable rotation that syncs neither the full file nor the rename, a
    /// buffered one that syncs both).
    #[test]
    fn a_durable_rotation_syncs_the_full_file_then_the_directory_and_others_do_not() {
        for durability in [Durability::Durable, Durability::Buffered, Durability::Line] {
            let dir = tempfile::tempdir().unwrap();
            let config = config(4).durability(durability);
            let mut state = FileState::open(dir.path(), "a.jsonl", &config).unwrap();
            state.write_lines(b"abc\n", &config).unwrap();
            take_syncs();
            state.write_lines(b"de\n", &config).unwrap();
            let expected = if durability == Durability::Durable {
                vec![dir.path().join("a.jsonl"), dir.path().to_owned()]
            } else {
                Vec::new()
            };
            assert_eq!(take_syncs(), expected, "{durability:?}");
        }
    }

    /// Mutants: `sync` returning `Ok(())` (nothing synced) and its
    /// `!entry_synced` negated (the new file's directory never synced, or
    /// synced on every call).
    #[test]
    fn sync_syncs_the_data_every_time_and_the_directory_once_per_opened_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(1024);
        let mut state = FileState::open(dir.path(), "a.jsonl", &config).unwrap();
        let file = dir.path().join("a.jsonl");
        state.sync().unwrap();
        assert_eq!(take_syncs(), [file.clone(), dir.path().to_owned()]);
        state.sync().unwrap();
        state.sync().unwrap();
        assert_eq!(take_syncs(), [file.clone(), file]);
    }

    /// Opening an existing log file appends to it. Mutant: the
    /// `AlreadyExists` guard of `open_log_file` as `true` (a creation
    /// refused for another reason retried as a plain open, which reports
    /// "not found" instead of the refusal).
    #[test]
    fn a_refused_creation_is_reported_as_refused_and_an_existing_file_is_appended_to() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        fs::write(&path, "kept\n").unwrap();
        open_log_file(&path).unwrap().write_all(b"more\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "kept\nmore\n");

        // A directory no one may write to, or, for root (who may), sysfs,
        // which refuses every new file.
        let locked = dir.path().join("locked");
        fs::create_dir(&locked).unwrap();
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
        let refused = open_log_file(&locked.join("a.jsonl")).err().or_else(|| {
            let sysfs = Path::new("/sys/kernel").is_dir();
            sysfs
                .then(|| open_log_file(Path::new("/sys/basis-events-test.jsonl")).err())
                .flatten()
        });
        match refused {
            Some(err) => assert!(
                matches!(
                    err.kind(),
                    io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
                ),
                "a refused creation reported as: {err}"
            ),
            None => eprintln!("nothing refuses new files here; the refusal is not checked"),
        }
    }
}
