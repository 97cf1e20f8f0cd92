//! Rotated segments: how a file's numbered segments are named, and listed
//! oldest first.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The name of segment `number` of `file`: `segment_name("positions.jsonl", 2)`
/// is `"positions.2.jsonl"`.
///
/// ```
/// assert_eq!(basis_events::read::segment_name("api.log", 3), "api.3.log");
/// ```
pub fn segment_name(file: &str, number: u64) -> String {
    let (stem, ext) = split_ext(file);
    format!("{stem}.{number}{ext}")
}

/// What a file name in a log directory is: the base file it belongs to, and
/// its segment number (`None` for the active file).
///
/// `"positions.2.jsonl"` is `("positions.jsonl", Some(2))`,
/// `"positions.jsonl"` is `("positions.jsonl", None)`.
///
/// ```
/// use basis_events::read::parse_segment;
///
/// assert_eq!(parse_segment("positions.2.jsonl"), ("positions.jsonl".to_owned(), Some(2)));
/// assert_eq!(parse_segment("positions.jsonl"), ("positions.jsonl".to_owned(), None));
/// ```
pub fn parse_segment(name: &str) -> (String, Option<u64>) {
    let (stem, ext) = split_ext(name);
    if let Some((base, number)) = stem.rsplit_once('.')
        && !base.is_empty()
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && let Ok(number) = number.parse::<u64>()
    {
        return (format!("{base}{ext}"), Some(number));
    }
    (name.to_owned(), None)
}

/// The files holding `file`'s lines in `dir`, oldest first: every segment by
/// increasing number, then the active file if it exists.
///
/// ```
/// use basis_events::read::segments_of;
///
/// let dir = tempfile::tempdir()?;
/// for name in ["positions.jsonl", "positions.2.jsonl", "positions.1.jsonl"] {
///     std::fs::write(dir.path().join(name), "")?;
/// }
/// let names: Vec<_> = segments_of(dir.path(), "positions.jsonl")?
///     .into_iter()
///     .map(|path| path.file_name().unwrap().to_owned())
///     .collect();
/// assert_eq!(names, ["positions.1.jsonl", "positions.2.jsonl", "positions.jsonl"]);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn segments_of(dir: &Path, file: &str) -> io::Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = numbered_segments(dir, file)?
        .into_iter()
        .map(|(_, path)| path)
        .collect();
    let active = dir.join(file);
    if fs::symlink_metadata(&active).is_ok() {
        paths.push(active);
    }
    Ok(paths)
}

/// The highest segment number of `file` in `dir`, if any.
pub(crate) fn last_segment(dir: &Path, file: &str) -> io::Result<Option<u64>> {
    Ok(numbered_segments(dir, file)?
        .last()
        .map(|(number, _)| *number))
}

/// `file`'s numbered segments in `dir`, by increasing number.
fn numbered_segments(dir: &Path, file: &str) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut numbered = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if let Some(name) = entry.file_name().to_str()
            && let (base, Some(number)) = parse_segment(name)
            && base == file
        {
            numbered.push((number, entry.path()));
        }
    }
    numbered.sort();
    Ok(numbered)
}

fn split_ext(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A leading dot starts no extension (mutants: `dot > 0` as `true` or
    /// `>=`).
    #[test]
    fn a_name_splits_at_its_last_dot_but_not_a_leading_one() {
        assert_eq!(split_ext("positions.jsonl"), ("positions", ".jsonl"));
        assert_eq!(split_ext(".jsonl"), (".jsonl", ""));
        assert_eq!(split_ext("positions"), ("positions", ""));
    }

    #[test]
    fn segment_names_round_trip() {
        assert_eq!(segment_name("positions.jsonl", 3), "positions.3.jsonl");
        assert_eq!(segment_name("api.log", 1), "api.1.log");
        assert_eq!(
            parse_segment("positions.3.jsonl"),
            ("positions.jsonl".to_owned(), Some(3))
        );
        assert_eq!(
            parse_segment("positions.jsonl"),
            ("positions.jsonl".to_owned(), None)
        );
        assert_eq!(
            parse_segment("engine.12.log"),
            ("engine.log".to_owned(), Some(12))
        );
        assert_eq!(parse_segment(".1.jsonl"), (".1.jsonl".to_owned(), None));
        assert_eq!(parse_segment("a.b.jsonl"), ("a.b.jsonl".to_owned(), None));
    }

    #[test]
    fn segments_are_listed_numerically_then_the_active_file() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "positions.jsonl",
            "positions.10.jsonl",
            "positions.2.jsonl",
            "positions.1.jsonl",
            "exposures.1.jsonl",
        ] {
            fs::write(dir.path().join(name), "").unwrap();
        }
        let names: Vec<String> = segments_of(dir.path(), "positions.jsonl")
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "positions.1.jsonl",
                "positions.2.jsonl",
                "positions.10.jsonl",
                "positions.jsonl"
            ]
        );
        assert_eq!(
            last_segment(dir.path(), "positions.jsonl").unwrap(),
            Some(10)
        );
    }
}
