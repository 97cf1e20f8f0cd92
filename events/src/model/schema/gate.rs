//! The breaking-change gate: each event's current schema against the
//! versions committed under `schemas/events/<Event>/v<N>.schema.json`.
//!
//! A committed version is released: runs were written under it and must
//! stay readable forever, so
//! - a change to the current version's schema that [`compat`]
//!   calls breaking must come with a version bump (and so an upcast);
//! - a bump goes up by exactly one, and a bump without a breaking change is
//!   a warning (it costs readers an upcast for nothing, but is not wrong);
//! - a past version's committed schema never changes: the type kept for it
//!   (`#[past_event]`) must still generate exactly what was committed.
//!
//! Pure: it reads the committed files and writes nothing.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::compat;
use crate::EventInfo;

/// What the gate found. Errors fail `cargo xtask schemas` in both modes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GateReport {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

/// `schemas/events/PositionSnapshot/v1.schema.json`, from the workspace root.
pub fn version_path(event: &str, version: u32) -> PathBuf {
    PathBuf::from(format!("schemas/events/{event}/v{version}.schema.json"))
}

/// Checks every event of `events` against the versions committed under
/// `root`.
///
/// # Errors
///
/// An I/O error reading a committed file (a missing one is not an error).
pub fn check_versions(root: &Path, events: &[&EventInfo]) -> io::Result<GateReport> {
    let mut report = GateReport::default();
    for event in events {
        check_event(root, event, &mut report)?;
    }
    Ok(report)
}

fn check_event(root: &Path, event: &EventInfo, report: &mut GateReport) -> io::Result<()> {
    let name = event.name();
    let current = event.version();
    let committed = committed_versions(&root.join("schemas/events").join(name))?;
    let Some(&latest) = committed.last() else {
        // A new event: its files are simply missing.
        return Ok(());
    };
    if current < latest {
        report.errors.push(format!(
            "{name}: version {current} is below the committed version {latest}; \
             versions never go down (lines were written under v{latest})"
        ));
        return Ok(());
    }
    if current > latest + 1 {
        report.errors.push(format!(
            "{name}: version jumps from the committed v{latest} to v{current}; \
             a bump goes up by exactly one"
        ));
        return Ok(());
    }
    let mut schemas = Vec::with_capacity(committed.len());
    for &version in &committed {
        schemas.push((version, read_schema(root, name, version)?));
    }
    // Every released version other than the current one is frozen.
    for (version, old) in schemas.iter().filter(|(v, _)| *v < current) {
        let version = *version;
        match event.schema_at(version) {
            Some(new) if same_ignoring_stamp(old, &new) => {}
            Some(new) => {
                let changes: Vec<String> = compat::compare(old, &new)
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                report.errors.push(format!(
                    "{name}: released version {version} changed ({}); the type kept for v{version} \
                     must generate exactly the committed {}: restore it",
                    if changes.is_empty() {
                        "its schema text differs".to_owned()
                    } else {
                        changes.join("; ")
                    },
                    version_path(name, version).display()
                ));
            }
            None => report.errors.push(format!(
                "{name}: released version {version} has no type in the version chain"
            )),
        }
    }
    let new = event.schema();
    let (_, old) = schemas.last().expect("a latest version was committed");
    let changes = compat::compare(old, &new);
    let breaking: Vec<String> = changes
        .iter()
        .filter(|change| change.rule.is_breaking())
        .map(ToString::to_string)
        .collect();
    if current == latest && !breaking.is_empty() {
        report.errors.push(format!(
            "{name}: breaking change without a version bump (v{latest} is committed):\n    {}\n  \
             bump to `version = {}` with `previous = v{latest}::{name}` (see README, \"Changing an event\")",
            breaking.join("\n    "),
            latest + 1
        ));
    }
    if current == latest + 1 && breaking.is_empty() {
        report.warnings.push(format!(
            "{name}: bumped to v{current} without a breaking change from v{latest}; \
             readers pay an upcast for nothing"
        ));
    }
    Ok(())
}

/// The versions committed in `dir` (`v1.schema.json`, …), sorted.
fn committed_versions(dir: &Path) -> io::Result<Vec<u32>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    let mut versions = Vec::new();
    for entry in entries {
        let name = entry?.file_name();
        if let Some(version) = name
            .to_str()
            .and_then(|n| n.strip_prefix('v'))
            .and_then(|n| n.strip_suffix(".schema.json"))
            .and_then(|n| n.parse::<u32>().ok())
        {
            versions.push(version);
        }
    }
    versions.sort_unstable();
    Ok(versions)
}

fn read_schema(root: &Path, name: &str, version: u32) -> io::Result<Value> {
    let path = root.join(version_path(name, version));
    let text = fs::read_to_string(&path)?;
    serde_json::from_str(&text).map_err(|err| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: not JSON: {err}", path.display()),
        )
    })
}

/// Equal but for the generator's `$comment` stamp.
fn same_ignoring_stamp(a: &Value, b: &Value) -> bool {
    let strip = |value: &Value| {
        let mut value = value.clone();
        if let Some(object) = value.as_object_mut() {
            object.remove("$comment");
        }
        value
    };
    strip(a) == strip(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A workspace root with `event`'s current schema committed as
    /// `version`, after `edit`.
    fn committed(
        event: &EventInfo,
        version: u32,
        edit: impl FnOnce(&mut Value),
    ) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join(version_path(event.name(), version));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut schema = event.schema();
        edit(&mut schema);
        fs::write(&path, super::super::pretty_json(&schema)).unwrap();
        root
    }

    fn positions() -> &'static EventInfo {
        crate::event_named("PositionSnapshot").unwrap()
    }

    #[test]
    fn the_committed_current_version_passes() {
        let root = committed(positions(), 1, |_| {});
        assert_eq!(
            check_versions(root.path(), &[positions()]).unwrap(),
            GateReport::default()
        );
    }

    #[test]
    fn a_new_event_with_nothing_committed_passes() {
        let root = tempfile::tempdir().unwrap();
        assert_eq!(
            check_versions(root.path(), &[positions()]).unwrap(),
            GateReport::default()
        );
    }

    #[test]
    fn a_breaking_change_without_a_bump_names_the_event_the_path_and_the_rule() {
        // Committed with a field the current type no longer has: removed.
        let root = committed(positions(), 1, |schema| {
            schema["properties"]["venue"] = json!({"type": "string"});
            schema["required"]
                .as_array_mut()
                .unwrap()
                .push(json!("venue"));
        });
        let report = check_versions(root.path(), &[positions()]).unwrap();
        assert_eq!(report.errors.len(), 1, "{report:?}");
        let error = &report.errors[0];
        assert!(
            error.starts_with("PositionSnapshot: breaking change without a version bump"),
            "{error}"
        );
        assert!(error.contains("$.venue: field-removed"), "{error}");
        assert!(error.contains("`version = 2`"), "{error}");
    }

    #[test]
    fn a_compatible_change_passes_the_gate() {
        // Committed without `metadata`: the current schema only added an
        // optional field.
        let root = committed(positions(), 1, |schema| {
            schema["properties"]
                .as_object_mut()
                .unwrap()
                .shift_remove("metadata");
        });
        let report = check_versions(root.path(), &[positions()]).unwrap();
        assert_eq!(report, GateReport::default());
    }

    #[test]
    fn a_version_below_the_committed_one_is_an_error() {
        let root = committed(positions(), 2, |_| {});
        let report = check_versions(root.path(), &[positions()]).unwrap();
        assert_eq!(
            report.errors,
            [
                "PositionSnapshot: version 1 is below the committed version 2; versions never go down (lines were written under v2)"
            ]
        );
    }
}
