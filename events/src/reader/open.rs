//! Opening a file of a run: only ever a regular file, never through a link,
//! and never in a way that can block.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Why an entry of a run was not read. Each is reported by path as a
/// [`Problem::Skipped`](super::Problem::Skipped).
///
/// ```
/// use basis_events::reader::SkipReason;
///
/// assert_eq!(SkipReason::Special("FIFO").to_string(), "a FIFO, not a regular file; never opened");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// A symbolic link: links inside a run are never followed.
    Symlink,
    /// A FIFO, socket or device: opening one for reading can block forever
    /// or never end.
    Special(&'static str),
    /// A directory where a file belongs, or a file where a directory belongs.
    WrongKind(&'static str),
    /// A name that is not UTF-8, so no event file or pid can be named by it.
    NotUtf8Name,
    /// A name that is not a valid id or pid, or a file no rule reads.
    Unexpected(&'static str),
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::Symlink => {
                f.write_str("a symbolic link; links inside a run are never followed")
            }
            SkipReason::Special(kind) => write!(f, "a {kind}, not a regular file; never opened"),
            SkipReason::WrongKind(what) => f.write_str(what),
            SkipReason::NotUtf8Name => f.write_str("its name is not UTF-8"),
            SkipReason::Unexpected(what) => f.write_str(what),
        }
    }
}

/// Why [`open_regular`] refused or failed.
#[derive(Debug)]
pub(crate) enum OpenFailure {
    /// The entry is there but is not a regular file.
    Refused(SkipReason),
    /// The entry is absent.
    Missing,
    Io(io::Error),
}

impl OpenFailure {
    /// The [`Problem`](super::Problem) a reader reports for `path`; `missing`
    /// says why an absent entry matters where it was expected.
    pub(crate) fn into_problem(self, path: &Path, missing: &'static str) -> super::Problem {
        match self {
            OpenFailure::Refused(reason) => super::Problem::Skipped {
                path: path.to_owned(),
                reason,
            },
            OpenFailure::Missing => {
                super::Problem::io(path, io::Error::new(io::ErrorKind::NotFound, missing))
            }
            OpenFailure::Io(err) => super::Problem::io(path, err),
        }
    }
}

/// What kind of non-regular entry `file_type` is, if it is not a regular file.
pub(crate) fn refuse(file_type: std::fs::FileType) -> Option<SkipReason> {
    if file_type.is_symlink() {
        Some(SkipReason::Symlink)
    } else if file_type.is_fifo() {
        Some(SkipReason::Special("FIFO"))
    } else if file_type.is_socket() {
        Some(SkipReason::Special("socket"))
    } else if file_type.is_char_device() {
        Some(SkipReason::Special("character device"))
    } else if file_type.is_block_device() {
        Some(SkipReason::Special("block device"))
    } else if file_type.is_dir() {
        Some(SkipReason::WrongKind("a directory, not a file"))
    } else {
        None
    }
}

/// Opens `path` for reading only if it is a regular file.
///
/// The entry is checked with `symlink_metadata` before the open, opened with
/// `O_NOFOLLOW | O_NONBLOCK` (so a link swapped in fails, and a FIFO swapped
/// in cannot block), and checked again with the open file's own metadata.
pub(crate) fn open_regular(path: &Path) -> Result<File, OpenFailure> {
    let before = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Err(OpenFailure::Missing),
        Err(err) => return Err(OpenFailure::Io(err)),
    };
    if let Some(reason) = refuse(before.file_type()) {
        return Err(OpenFailure::Refused(reason));
    }
    open_checked(path)
}

/// The open and the check after it: what protects [`open_regular`] from an
/// entry swapped in after its first check. Apart so that a test can hand it
/// the swapped-in entry (a link, a FIFO) directly.
fn open_checked(path: &Path) -> Result<File, OpenFailure> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|err| match err.raw_os_error() {
            // O_NOFOLLOW on a link that replaced the file after the check.
            Some(libc::ELOOP) => OpenFailure::Refused(SkipReason::Symlink),
            _ if err.kind() == io::ErrorKind::NotFound => OpenFailure::Missing,
            _ => OpenFailure::Io(err),
        })?;
    let after = file.metadata().map_err(OpenFailure::Io)?;
    if let Some(reason) = refuse(after.file_type()) {
        return Err(OpenFailure::Refused(reason));
    }
    Ok(file)
}

/// Reads a small regular file (a manifest, a catalog) whole, refusing one
/// over `limit` bytes rather than allocating it.
pub(crate) fn read_small(path: &Path, limit: usize) -> Result<Vec<u8>, OpenFailure> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(OpenFailure::Io)?;
    if bytes.len() > limit {
        return Err(OpenFailure::Io(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than the {limit}-byte limit"),
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_opens_and_a_symlink_or_directory_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.jsonl");
        std::fs::write(&file, "x\n").unwrap();
        assert!(open_regular(&file).is_ok());
        let link = dir.path().join("b.jsonl");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(matches!(
            open_regular(&link),
            Err(OpenFailure::Refused(SkipReason::Symlink))
        ));
        assert!(matches!(
            open_regular(dir.path()),
            Err(OpenFailure::Refused(SkipReason::WrongKind(_)))
        ));
        assert!(matches!(
            open_regular(&dir.path().join("none")),
            Err(OpenFailure::Missing)
        ));
        // Only a missing entry is `Missing`: a path through a file fails
        // with the error itself (mutant: the `NotFound` guard as `true`).
        match open_regular(&file.join("child")) {
            Err(OpenFailure::Io(err)) => assert_eq!(err.kind(), io::ErrorKind::NotADirectory),
            other => panic!("{other:?}"),
        }
    }

    /// What a link, a FIFO or a missing entry swapped in after the first
    /// check gets from the open itself: refused without following the link
    /// or blocking on the FIFO, or missing (mutants: the open flags `|` as
    /// `&`, the `ELOOP` arm deleted, the `NotFound` guard as `true`, `false`
    /// or `!=`; `|` as `^` is equivalent, the flags being distinct bits).
    #[test]
    fn an_entry_swapped_in_after_the_check_is_refused_by_the_open() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.jsonl");
        std::fs::write(&file, "x\n").unwrap();
        assert!(open_checked(&file).is_ok());
        let link = dir.path().join("b.jsonl");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(matches!(
            open_checked(&link),
            Err(OpenFailure::Refused(SkipReason::Symlink))
        ));
        let fifo = dir.path().join("c.jsonl");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|status| status.success()) {
            // Without O_NONBLOCK this open waits for a writer forever.
            assert!(matches!(
                open_checked(&fifo),
                Err(OpenFailure::Refused(SkipReason::Special("FIFO")))
            ));
        }
        assert!(matches!(
            open_checked(&dir.path().join("none")),
            Err(OpenFailure::Missing)
        ));
        match open_checked(&file.join("child")) {
            Err(OpenFailure::Io(err)) => assert_eq!(err.kind(), io::ErrorKind::NotADirectory),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_small_file_over_its_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("metadata.json");
        std::fs::write(&file, "0123456789").unwrap();
        assert_eq!(read_small(&file, 10).unwrap().len(), 10);
        assert!(matches!(read_small(&file, 9), Err(OpenFailure::Io(_))));
    }
}
