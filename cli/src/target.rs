//! Where a command may write, one rule for every command that writes
//! (`report`, `export`, `demo`, `dataset`, `compare --report`):
//!
//! - the target is judged after resolving the symbolic links of every
//!   ancestor that exists, so `--to link/…` is judged where it really lands;
//! - nothing is written inside a run directory, over a file of a run, or
//!   over a directory that holds a run;
//! - an existing target is replaced only with `--force`, and `--force`
//!   replaces only what this tool wrote earlier: a results directory carrying
//!   [`RESULTS_MARKER`], or a report page whose `generator` is ours. Any other
//!   file or directory is refused, with or without `--force`. A dataset is
//!   updated in place without `--force`, but only a directory carrying
//!   [`DATASET_MARKER`] (or a new or empty one);
//! - one writer per target at a time: the target is claimed with a lock on
//!   `.{name}.lock` beside it, so of two exports into one target exactly one
//!   wins and the other fails at once, naming the target. The lock dies with
//!   its process, so a crash never leaves a target claimed, and the lock
//!   file is removed when the writer is done.
//!
//! Results are built in a staging directory beside the target and renamed
//! into place; staging directories of earlier, dead exports are removed when
//! the target is next claimed.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use crate::{Error, Result};

/// The file every results directory holds, naming the tool that wrote it:
/// the only kind of directory `--force` removes.
pub const RESULTS_MARKER: &str = ".basis-log-results";

/// The file every dataset directory holds (`basis-log dataset`): a dataset
/// is updated in place, so a directory with this file is ours to update and
/// any other non-empty directory is refused. It also holds the dataset's
/// state (what each run's partitions were built from).
pub const DATASET_MARKER: &str = ".basis-log-dataset";

/// The manifest and event directory that make a directory a run's.
const RUN_MARKERS: [&str; 2] = ["metadata.json", "events"];

/// A claimed report file: checked, locked, and written by
/// [`ReportTarget::write_with`].
#[derive(Debug)]
pub struct ReportTarget {
    path: PathBuf,
    lock: Claim,
}

impl ReportTarget {
    /// Writes the report through `write`, which must write `path` atomically
    /// (as `basis_report::write_report` does), while the target is claimed.
    pub fn write_with<T, E>(self, write: impl FnOnce(&Path) -> Result<T, E>) -> Result<T, E> {
        let written = write(&self.path);
        self.lock.release();
        written
    }
}

/// Checks and claims `to` as the report file of the run whose process
/// directories are `run_dirs`.
pub fn report_file(to: &Path, run_dirs: &[PathBuf], force: bool) -> Result<ReportTarget> {
    crate::ids::check_target_path("report file", to)?;
    let resolved = resolve(to)?;
    refuse_run_paths("report file", to, &resolved, run_dirs)?;
    match fs::symlink_metadata(&resolved) {
        Ok(meta) if meta.is_dir() => {
            return Err(refused(
                "report file",
                to,
                "it is a directory; name the .html file to write",
            ));
        }
        Ok(_) if !force => return Err(Error::ResultsExist { path: to.into() }),
        Ok(meta) if !meta.is_file() || !is_our_report(&resolved) => {
            return Err(refused(
                "report file",
                to,
                "it exists and is not a report written by basis-log; --force replaces only those",
            ));
        }
        _ => {}
    }
    let lock = claim(to)?;
    Ok(ReportTarget {
        path: to.to_owned(),
        lock,
    })
}

/// A claimed results directory: results are written into [`staging`] and
/// moved into place by [`commit`].
///
/// [`staging`]: ResultsTarget::staging
/// [`commit`]: ResultsTarget::commit
#[derive(Debug)]
pub struct ResultsTarget {
    path: PathBuf,
    staging: PathBuf,
    lock: Claim,
}

/// Checks `to` as the results directory of the run whose process directories
/// are `run_dirs`, without claiming it: what `demo` does before it
/// simulates, so a bad target fails in a second, not after the run.
pub fn check_results_dir(to: &Path, run_dirs: &[PathBuf], force: bool) -> Result<()> {
    crate::ids::check_target_path("results directory", to)?;
    let resolved = resolve(to)?;
    refuse_run_paths("results directory", to, &resolved, run_dirs)?;
    match fs::symlink_metadata(&resolved) {
        Err(err) if err.kind() == ErrorKind::NotFound => Ok(()),
        Err(err) => Err(Error::io(to)(err)),
        Ok(_) if !force => Err(Error::ResultsExist { path: to.into() }),
        Ok(meta) if meta.is_dir() && resolved.join(RESULTS_MARKER).is_file() => Ok(()),
        Ok(_) => Err(refused(
            "results directory",
            to,
            "it exists and was not written by basis-log export (it has no .basis-log-results); \
             --force replaces only those",
        )),
    }
}

/// Checks and claims `to` as a results directory, and prepares a fresh
/// staging directory beside it.
pub fn results_dir(to: &Path, run_dirs: &[PathBuf], force: bool) -> Result<ResultsTarget> {
    check_results_dir(to, run_dirs, force)?;
    let lock = claim(to)?;
    let (parent, name) = parent_and_name(to)?;
    // Holding the lock, no other export of this target is alive: whatever
    // staging it left is debris of a crash.
    remove_debris(&parent, &name)?;
    let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
    fs::create_dir(&staging).map_err(Error::io(&staging))?;
    fs::write(staging.join(RESULTS_MARKER), "basis-log export\n")
        .map_err(Error::io(staging.join(RESULTS_MARKER)))?;
    Ok(ResultsTarget {
        path: to.to_owned(),
        staging,
        lock,
    })
}

impl ResultsTarget {
    /// The directory to write the results into.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// The results directory as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Moves the staged results into place, replacing an earlier results
    /// directory (checked to be ours when the target was claimed).
    pub fn commit(self) -> Result<PathBuf> {
        let (parent, name) = parent_and_name(&self.path)?;
        if fs::symlink_metadata(&self.path).is_ok() {
            let old = parent.join(format!(".{name}.replaced-{}", std::process::id()));
            fs::rename(&self.path, &old).map_err(Error::io(&self.path))?;
            fs::rename(&self.staging, &self.path).map_err(Error::io(&self.path))?;
            fs::remove_dir_all(&old).map_err(Error::io(&old))?;
        } else {
            fs::rename(&self.staging, &self.path).map_err(Error::io(&self.path))?;
        }
        self.lock.release();
        Ok(self.path)
    }

    /// Removes the staging directory after a failed export.
    pub fn abandon(self) {
        // Best effort: the export's own error is what the user needs, and a
        // leftover is removed when the target is next claimed.
        let _ = fs::remove_dir_all(&self.staging);
        self.lock.release();
    }
}

/// A claimed dataset directory, updated in place while the claim is held.
#[derive(Debug)]
pub struct DatasetTarget {
    path: PathBuf,
    lock: Claim,
}

impl DatasetTarget {
    /// The dataset directory as given; it exists once claimed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Ends the claim.
    pub fn release(self) {
        self.lock.release();
    }
}

/// Checks `to` as a dataset directory without claiming it: not inside a run
/// or a run's results, and either absent, empty, or a dataset written by
/// basis-log (it has [`DATASET_MARKER`]).
pub fn check_dataset_dir(to: &Path) -> Result<()> {
    crate::ids::check_target_path("dataset directory", to)?;
    let resolved = resolve(to)?;
    refuse_run_paths("dataset directory", to, &resolved, &[])?;
    let mut dir = Some(resolved.as_path());
    while let Some(at) = dir {
        if at.join(RESULTS_MARKER).is_file() {
            return Err(refused(
                "dataset directory",
                to,
                "it is inside a run's results directory (one with .basis-log-results)",
            ));
        }
        dir = at.parent();
    }
    match fs::symlink_metadata(&resolved) {
        Err(err) if err.kind() == ErrorKind::NotFound => Ok(()),
        Err(err) => Err(Error::io(to)(err)),
        Ok(meta) if !meta.is_dir() => Err(refused(
            "dataset directory",
            to,
            "it exists and is not a directory",
        )),
        Ok(_) if resolved.join(DATASET_MARKER).is_file() => Ok(()),
        Ok(_) => {
            let mut entries = fs::read_dir(&resolved).map_err(Error::io(to))?;
            if entries.next().is_none() {
                Ok(())
            } else {
                Err(refused(
                    "dataset directory",
                    to,
                    "it exists and is not a dataset written by basis-log dataset \
                     (it has no .basis-log-dataset); name a new or empty directory",
                ))
            }
        }
    }
}

/// Checks and claims `to` as a dataset directory, creating it if needed.
pub fn dataset_dir(to: &Path) -> Result<DatasetTarget> {
    check_dataset_dir(to)?;
    let lock = claim(to)?;
    fs::create_dir_all(to).map_err(Error::io(to))?;
    Ok(DatasetTarget {
        path: to.to_owned(),
        lock,
    })
}

/// Checks and claims `to` as a compare page: the same rules as a run's
/// report page, with no run to protect beyond those [`report_file`] finds.
pub fn compare_file(to: &Path, force: bool) -> Result<ReportTarget> {
    report_file(to, &[], force)
}

/// A held lock on `.{name}.lock`.
#[derive(Debug)]
struct Claim {
    file: File,
    path: PathBuf,
}

impl Claim {
    /// Removes the lock file, then unlocks by closing it. A process that
    /// opened the old file in between finds it gone when it checks (see
    /// [`claim`]) and fails as if the target were busy.
    fn release(self) {
        let _ = fs::remove_file(&self.path);
        drop(self.file);
    }
}

/// `path` made absolute with every existing ancestor's links resolved; the
/// components that do not exist yet are appended as they are.
fn resolve(path: &Path) -> Result<PathBuf> {
    let absolute = std::path::absolute(path).map_err(Error::io(path))?;
    let mut existing = absolute.as_path();
    let mut missing = Vec::new();
    loop {
        match fs::symlink_metadata(existing) {
            Ok(_) => break,
            Err(err) if err.kind() == ErrorKind::NotFound => {
                let Some(parent) = existing.parent() else {
                    break;
                };
                missing.push(existing.file_name().unwrap_or_default().to_owned());
                existing = parent;
            }
            Err(err) => return Err(Error::io(existing)(err)),
        }
    }
    let mut resolved = match fs::canonicalize(existing) {
        Ok(resolved) => resolved,
        // A dangling link: judge where the link itself is.
        Err(err) if err.kind() == ErrorKind::NotFound => existing.to_owned(),
        Err(err) => return Err(Error::io(existing)(err)),
    };
    for name in missing.iter().rev() {
        resolved.push(name);
    }
    Ok(resolved)
}

/// Refuses a target inside a run (the one being read, or any directory that
/// is a run's), or one that holds the run.
fn refuse_run_paths(
    what: &'static str,
    given: &Path,
    resolved: &Path,
    run_dirs: &[PathBuf],
) -> Result<()> {
    for run_dir in run_dirs {
        let run_dir = fs::canonicalize(run_dir).unwrap_or_else(|_| run_dir.clone());
        if resolved.starts_with(&run_dir) {
            return Err(refused(what, given, "it is inside the run directory"));
        }
        if run_dir.starts_with(resolved) {
            return Err(refused(what, given, "it holds the run directory"));
        }
    }
    let mut dir = Some(resolved);
    while let Some(at) = dir {
        if RUN_MARKERS.iter().all(|marker| at.join(marker).exists()) {
            return Err(refused(
                what,
                given,
                "it is inside a run directory (one with metadata.json and events/)",
            ));
        }
        dir = at.parent();
    }
    if resolved
        .components()
        .any(|c| c == Component::Normal("events".as_ref()))
        && resolved.extension().is_some_and(|ext| ext == "jsonl")
    {
        return Err(refused(what, given, "it is an event file"));
    }
    Ok(())
}

/// Whether `path` starts like a page `basis-log report` wrote.
fn is_our_report(path: &Path) -> bool {
    let mut head = vec![0; 4096];
    let Ok(mut file) = File::open(path) else {
        return false;
    };
    let Ok(read) = file.read(&mut head) else {
        return false;
    };
    let head = String::from_utf8_lossy(&head[..read]);
    head.contains(&format!(
        r#"<meta name="generator" content="{}">"#,
        basis_report::GENERATOR
    ))
}

/// Takes the lock `.{name}.lock` beside `target`, failing at once if another
/// process holds it (or held it and removed the file while we opened it).
fn claim(target: &Path) -> Result<Claim> {
    let (parent, name) = parent_and_name(target)?;
    fs::create_dir_all(&parent).map_err(Error::io(&parent))?;
    let lock_path = parent.join(format!(".{name}.lock"));
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(Error::io(&lock_path))?;
    let busy = || Error::Busy {
        path: target.to_owned(),
        lock: lock_path.clone(),
    };
    match lock.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => return Err(busy()),
        Err(fs::TryLockError::Error(err)) => return Err(Error::io(&lock_path)(err)),
    }
    // The lock is ours only if the file we locked is still the one at the
    // path: its last holder removes it before unlocking.
    let held = lock.metadata().map_err(Error::io(&lock_path))?;
    match fs::metadata(&lock_path) {
        Ok(now) if now.ino() == held.ino() && now.dev() == held.dev() => Ok(Claim {
            file: lock,
            path: lock_path,
        }),
        _ => Err(busy()),
    }
}

/// Removes `.{name}.partial-*` and `.{name}.replaced-*` left by exports that
/// died; called only while holding the target's lock.
fn remove_debris(parent: &Path, name: &str) -> Result<()> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    let partial = format!(".{name}.partial-");
    let replaced = format!(".{name}.replaced-");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let ours = entry.path().join(RESULTS_MARKER).is_file();
        if ours && (file_name.starts_with(&partial) || file_name.starts_with(&replaced)) {
            fs::remove_dir_all(entry.path()).map_err(Error::io(entry.path()))?;
        }
    }
    Ok(())
}

fn parent_and_name(target: &Path) -> Result<(PathBuf, String)> {
    let parent = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| Error::BadName {
            what: "target",
            value: target.display().to_string(),
            reason: "it has no final name",
        })?;
    Ok((parent, name.to_owned()))
}

fn refused(what: &'static str, path: &Path, reason: &'static str) -> Error {
    Error::BadName {
        what,
        value: path.display().to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_in(root: &Path) -> PathBuf {
        let run = root.join("logs/abc/1");
        fs::create_dir_all(run.join("events")).unwrap();
        fs::write(run.join("metadata.json"), "{}").unwrap();
        fs::write(run.join("events/positions.jsonl"), "{}\n").unwrap();
        run
    }

    /// Mutant seen to fail: `refuse_run_paths` letting a target inside the
    /// run directory through (`resolved.starts_with(&run_dir)` as `false`).
    #[test]
    fn nothing_is_written_inside_a_run_even_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let run = run_in(dir.path());
        let runs = [run.clone()];
        for to in [
            run.join("events/positions.jsonl"),
            run.join("metadata.json"),
            run.join("new.html"),
        ] {
            let err = report_file(&to, &runs, true).unwrap_err();
            assert!(
                err.to_string().contains("run directory") || err.to_string().contains("event file"),
                "{err}"
            );
        }
        std::os::unix::fs::symlink(&run, dir.path().join("link")).unwrap();
        let err = report_file(&dir.path().join("link/r.html"), &runs, true).unwrap_err();
        assert!(err.to_string().contains("inside the run"), "{err}");
        // Another run, not the one being read, is protected too.
        let other = dir.path().join("logs/other/2");
        fs::create_dir_all(other.join("events")).unwrap();
        fs::write(other.join("metadata.json"), "{}").unwrap();
        assert!(report_file(&other.join("r.html"), &runs, false).is_err());
        assert!(results_dir(&dir.path().join("logs"), &runs, true).is_err());
    }

    /// Mutant seen to fail: `is_our_report` answering `true` for any file.
    #[test]
    fn force_replaces_only_what_we_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("page.html");
        fs::write(&page, "<html>someone else's</html>").unwrap();
        assert!(matches!(
            report_file(&page, &[], false).unwrap_err(),
            Error::ResultsExist { .. }
        ));
        let err = report_file(&page, &[], true).unwrap_err();
        assert!(
            err.to_string()
                .contains("not a report written by basis-log"),
            "{err}"
        );
        fs::write(
            &page,
            r#"<!DOCTYPE html><html><head><meta name="generator" content="basis-log report">"#,
        )
        .unwrap();
        assert!(report_file(&page, &[], true).is_ok());

        let results = dir.path().join("results");
        fs::create_dir(&results).unwrap();
        fs::write(results.join("precious.txt"), "x").unwrap();
        let err = results_dir(&results, &[], true).unwrap_err();
        assert!(err.to_string().contains("no .basis-log-results"), "{err}");
        assert!(results.join("precious.txt").exists());
    }

    #[test]
    fn one_writer_per_target_and_debris_is_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let to = dir.path().join("results");
        let debris = dir.path().join(".results.partial-999999");
        fs::create_dir(&debris).unwrap();
        fs::write(debris.join(RESULTS_MARKER), "").unwrap();
        let first = results_dir(&to, &[], false).unwrap();
        assert!(!debris.exists(), "a dead export's staging is removed");
        let second = results_dir(&to, &[], false).unwrap_err();
        assert!(matches!(second, Error::Busy { .. }), "{second}");
        fs::write(first.staging().join("summary.json"), "{}").unwrap();
        let written = first.commit().unwrap();
        assert!(written.join("summary.json").is_file());
        assert!(written.join(RESULTS_MARKER).is_file());
        // The lock died with the first claim; a forced export replaces it.
        let again = results_dir(&to, &[], true).unwrap();
        again.commit().unwrap();
        assert!(!to.join("summary.json").exists());
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["results"], "no lock or staging is left behind");
    }

    #[test]
    fn a_dataset_goes_only_where_a_dataset_may_be() {
        let dir = tempfile::tempdir().unwrap();
        let run = run_in(dir.path());
        let err = dataset_dir(&run.join("ds")).unwrap_err();
        assert!(err.to_string().contains("run directory"), "{err}");
        let results = dir.path().join("results/abc");
        fs::create_dir_all(&results).unwrap();
        fs::write(results.join(RESULTS_MARKER), "").unwrap();
        let err = dataset_dir(&results.join("ds")).unwrap_err();
        assert!(err.to_string().contains("results directory"), "{err}");
        let other = dir.path().join("other");
        fs::create_dir(&other).unwrap();
        fs::write(other.join("precious.txt"), "x").unwrap();
        let err = dataset_dir(&other).unwrap_err();
        assert!(err.to_string().contains("no .basis-log-dataset"), "{err}");
        assert!(other.join("precious.txt").exists());
        let file = dir.path().join("file");
        fs::write(&file, "x").unwrap();
        assert!(dataset_dir(&file).is_err());
        // New, empty, or ours: accepted, one writer at a time.
        let fresh = dir.path().join("fresh");
        let first = dataset_dir(&fresh).unwrap();
        assert!(fresh.is_dir());
        assert!(matches!(
            dataset_dir(&fresh).unwrap_err(),
            Error::Busy { .. }
        ));
        fs::write(fresh.join(DATASET_MARKER), "{}").unwrap();
        fs::write(fresh.join("runs.parquet"), "x").unwrap();
        first.release();
        dataset_dir(&fresh).unwrap().release();
    }
}
