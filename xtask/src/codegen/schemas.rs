//! `cargo xtask schemas`: the JSON Schemas under `schemas/` and the generated
//! markdown under `docs/`, from `basis_events::schema::generated_files`.

use std::path::{Path, PathBuf};
use std::{fs, io};

use basis_events::schema::{GENERATED_BY, generated_files};

use super::{Error, Mode, project_root, sync};

pub(crate) fn generate(mode: Mode) -> Result<String, Error> {
    let root = project_root();
    // Only this workspace's own events: xtask links basis-events alone, so a
    // test crate's example event never lands in the committed schemas.
    let events = basis_events::registered_events().map_err(|err| {
        Error::Io(
            PathBuf::from("(event registry)"),
            io::Error::other(err.to_string()),
        )
    })?;
    let expected: Vec<(PathBuf, String)> = generated_files(&events)
        .into_iter()
        .map(|file| (file.path, file.contents))
        .collect();
    let owned = owned_files(&root)?;
    // The gate first: a breaking change without a bump is refused in both
    // modes, so writing can never paper over it.
    let gate = basis_events::schema::gate::check_versions(&root, &events)
        .map_err(|err| Error::Io(root.join("schemas/events"), err))?;
    let mut warnings = String::new();
    for warning in &gate.warnings {
        warnings.push_str(&format!("warning: {warning}\n"));
    }
    if !gate.errors.is_empty() {
        return Err(Error::Gate(gate.errors, warnings));
    }
    sync(&root, &expected, &owned, mode).map(|report| warnings + &report)
}

/// Every file under `schemas/`, and every file under `docs/` that carries the
/// generator's stamp: hand-written docs and images there are left alone.
fn owned_files(root: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut owned = Vec::new();
    for dir in ["schemas", "docs"] {
        walk(root, &root.join(dir), &mut owned)?;
    }
    owned.retain(|relative| {
        relative.starts_with("schemas")
            || fs::read_to_string(root.join(relative)).is_ok_and(|text| text.contains(GENERATED_BY))
    });
    owned.sort();
    Ok(owned)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(Error::Io(dir.to_path_buf(), err)),
    };
    for entry in entries {
        let entry = entry.map_err(|err| Error::Io(dir.to_path_buf(), err))?;
        let path = entry.path();
        let file_type = entry
            .file_type()
            .map_err(|err| Error::Io(path.clone(), err))?;
        if file_type.is_dir() {
            walk(root, &path, out)?;
        } else if file_type.is_file() {
            let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            out.push(relative);
        }
    }
    Ok(())
}

#[test]
fn schemas_are_fresh() {
    if let Err(err) = generate(Mode::Check) {
        panic!("{err}");
    }
}
