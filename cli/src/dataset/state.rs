//! The dataset's state in its marker file `.basis-log-dataset`: what each
//! run's partitions were built from, so an update skips unchanged runs.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::runs_table::RunRow;
use crate::target::DATASET_MARKER;
use crate::{Error, Result};

/// The state's format; a state of another format is refused, not guessed.
const FORMAT: u32 = 1;

/// Every run of the dataset.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct State {
    pub format: u32,
    pub generated_by: String,
    pub runs: BTreeMap<String, RunState>,
}

/// One run: its `runs.parquet` row (with its content hash) and its events.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RunState {
    pub events: Vec<String>,
    pub row: RunRow,
}

impl State {
    /// Reads the state of the dataset `dir`; an empty state for a new one.
    pub(crate) fn read(dir: &Path) -> Result<State> {
        let path = dir.join(DATASET_MARKER);
        let text = match fs::read(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(State {
                    format: FORMAT,
                    generated_by: generator(),
                    runs: BTreeMap::new(),
                });
            }
            Err(err) => return Err(Error::io(&path)(err)),
        };
        let state: State = serde_json::from_slice(&text).map_err(|source| Error::Json {
            path: path.clone(),
            source,
        })?;
        if state.format != FORMAT {
            return Err(Error::Usage(format!(
                "{}: dataset state format {} is not {FORMAT}, the one this basis-log writes; \
                 build the dataset into a new directory",
                path.display(),
                state.format
            )));
        }
        Ok(state)
    }

    /// Writes the state atomically (a temporary file renamed into place).
    pub(crate) fn write(&self, dir: &Path) -> Result<()> {
        let path = dir.join(DATASET_MARKER);
        let temp = dir.join(format!("{DATASET_MARKER}.tmp-{}", std::process::id()));
        let mut text = serde_json::to_vec_pretty(self).map_err(|source| Error::Json {
            path: path.clone(),
            source,
        })?;
        text.push(b'\n');
        fs::write(&temp, text).map_err(Error::io(&temp))?;
        fs::rename(&temp, &path).map_err(Error::io(&path))
    }
}

fn generator() -> String {
    format!("basis-log {}", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_of_another_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(State::read(dir.path()).unwrap().runs.is_empty());
        fs::write(
            dir.path().join(DATASET_MARKER),
            r#"{"format": 99, "generated_by": "x", "runs": {}}"#,
        )
        .unwrap();
        let err = State::read(dir.path()).unwrap_err();
        assert!(err.to_string().contains("format 99"), "{err}");
        fs::write(dir.path().join(DATASET_MARKER), "not json").unwrap();
        let err = State::read(dir.path()).unwrap_err();
        assert!(err.to_string().contains(DATASET_MARKER), "{err}");
    }
}
