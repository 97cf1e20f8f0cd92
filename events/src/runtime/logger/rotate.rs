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
            self.append(&rest[..chunk]).map_err(|err| (done, err))?;
            done += chunk;
            if done < bytes.len() {
                self.rotate(config).map_err(|err| (done, err))?;
            }
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
            open.file
                .sync_data()
                .map_err(|err| LogError::io("sync", &self.path, err))?;
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
            File::open(&self.dir)
                .and_then(|dir| dir.sync_all())
                .map_err(|err| LogError::io("sync", &self.dir, err))?;
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
        open.file
            .sync_data()
            .map_err(|err| LogError::io("sync", &self.path, err))?;
        if !open.entry_synced {
            File::open(&self.dir)
                .and_then(|dir| dir.sync_all())
                .map_err(|err| LogError::io("sync", &self.dir, err))?;
            open.entry_synced = true;
        }
        Ok(())
    }
}
