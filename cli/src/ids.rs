//! Checks names that reach the file system: correlation ids, backtest ids and
//! export targets. Nothing outside the intended root is ever created.

use std::path::{Component, Path};

use crate::{Error, Result};

/// The longest id accepted, in bytes.
pub const MAX_ID_LEN: usize = 128;

/// Checks that `value` is a plain directory name: not empty, not `.` or `..`,
/// no separator, no control character, at most [`MAX_ID_LEN`] bytes.
pub fn check_plain_name(what: &'static str, value: &str) -> Result<()> {
    let reason = if value.is_empty() {
        Some("it is empty")
    } else if value == "." || value == ".." {
        Some("it names the current or the parent directory")
    } else if value.len() > MAX_ID_LEN {
        Some("it is longer than 128 bytes")
    } else if value.contains(['/', '\\']) {
        Some("it contains a path separator")
    } else if value.chars().any(char::is_control) {
        Some("it contains a control character")
    } else if value.starts_with('-') {
        Some("it starts with `-`, which reads as an option")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::BadName {
            what,
            value: value.escape_debug().to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Checks an output path given on the command line: no `..` component and no
/// control character, so a target cannot climb out of where it appears to be.
pub fn check_target_path(what: &'static str, path: &Path) -> Result<()> {
    let text = path.to_string_lossy();
    let reason = if text.is_empty() {
        Some("it is empty")
    } else if text.chars().any(char::is_control) {
        Some("it contains a control character")
    } else if path.components().any(|c| matches!(c, Component::ParentDir)) {
        Some("it contains a `..` component")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::BadName {
            what,
            value: text.escape_debug().to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names() {
        assert!(check_plain_name("id", "0123abcdef").is_ok());
        for bad in ["", ".", "..", "a/b", "a\\b", "a\nb", "a\0b", "-rf"] {
            assert!(check_plain_name("id", bad).is_err(), "{bad:?} accepted");
        }
        assert!(check_plain_name("id", &"x".repeat(129)).is_err());
        assert!(check_plain_name("id", &"x".repeat(128)).is_ok());
    }

    #[test]
    fn target_paths() {
        assert!(check_target_path("target", Path::new("results/abc")).is_ok());
        assert!(check_target_path("target", Path::new("/tmp/results/abc")).is_ok());
        assert!(check_target_path("target", Path::new("results/../etc")).is_err());
        assert!(check_target_path("target", Path::new("results/a\tb")).is_err());
    }
}
