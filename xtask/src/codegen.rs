//! Writing generated files, or checking that the committed ones are fresh.
//!
//! Both modes go through [`sync`], so every generated file is checked, and
//! check mode never writes (rust-analyzer's `ensure_file_contents`, minus its
//! early return for docs).

pub(crate) mod schemas;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{fmt, fs, io};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Write,
    Check,
}

/// The workspace root, found from this crate's manifest.
pub(crate) fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ sits inside the workspace")
        .to_path_buf()
}

/// What differs between the generated files and the tree.
#[derive(Debug, Default)]
pub(crate) struct Drift {
    pub(crate) changed: Vec<(PathBuf, String)>,
    pub(crate) missing: Vec<PathBuf>,
    pub(crate) stale: Vec<PathBuf>,
}

impl Drift {
    pub(crate) fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.stale.is_empty()
    }
}

/// An error of the task, printed as is.
#[derive(Debug)]
pub(crate) enum Error {
    Io(PathBuf, io::Error),
    Stale(Drift),
    /// Breaking changes without a version bump, and other version errors;
    /// then the warnings.
    Gate(Vec<String>, String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(path, err) => writeln!(f, "error: {}: {err}", path.display()),
            Error::Gate(errors, warnings) => {
                f.write_str(warnings)?;
                for error in errors {
                    writeln!(f, "error: {error}")?;
                }
                writeln!(
                    f,
                    "\nNOTE: nothing was written; see README, \"Changing an event\""
                )
            }
            Error::Stale(drift) => {
                for (path, diff) in &drift.changed {
                    writeln!(f, "error: {} is not up to date:\n{diff}", path.display())?;
                }
                for path in &drift.missing {
                    writeln!(f, "error: {} is missing", path.display())?;
                }
                for path in &drift.stale {
                    writeln!(
                        f,
                        "error: {} is no longer generated and should be deleted",
                        path.display()
                    )?;
                }
                writeln!(
                    f,
                    "\nNOTE: run `cargo xtask schemas` locally and commit the updated files"
                )
            }
        }
    }
}

/// Brings `expected` (paths relative to `root`) onto disk, or compares.
///
/// `owned` says which existing files the generator owns: an owned file that is
/// not in `expected` is stale, and is deleted in write mode.
pub(crate) fn sync(
    root: &Path,
    expected: &[(PathBuf, String)],
    owned: &[PathBuf],
    mode: Mode,
) -> Result<String, Error> {
    let mut drift = Drift::default();
    let mut report = String::new();
    for (relative, contents) in expected {
        let path = root.join(relative);
        match fs::read_to_string(&path) {
            Ok(old) if normalize_newlines(&old) == *contents => continue,
            Ok(old) => drift
                .changed
                .push((relative.clone(), unified_diff(&old, contents))),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                drift.missing.push(relative.clone())
            }
            Err(err) => return Err(Error::Io(path, err)),
        }
        if mode == Mode::Write {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|err| Error::Io(parent.to_path_buf(), err))?;
            }
            fs::write(&path, contents).map_err(|err| Error::Io(path.clone(), err))?;
            let _ = writeln!(report, "updated {}", relative.display());
        }
    }
    for relative in owned {
        if expected.iter().any(|(path, _)| path == relative) {
            continue;
        }
        drift.stale.push(relative.clone());
        if mode == Mode::Write {
            let path = root.join(relative);
            fs::remove_file(&path).map_err(|err| Error::Io(path.clone(), err))?;
            let _ = writeln!(report, "deleted {}", relative.display());
        }
    }
    match mode {
        Mode::Check if !drift.is_empty() => Err(Error::Stale(drift)),
        Mode::Check => Ok(format!(
            "{} generated files are up to date\n",
            expected.len()
        )),
        Mode::Write if report.is_empty() => Ok(format!(
            "{} generated files are up to date\n",
            expected.len()
        )),
        Mode::Write => Ok(report),
    }
}

fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

fn unified_diff(old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header("committed", "generated")
        .to_string()
}
