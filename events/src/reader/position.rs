//! Where a line is: its segment's path, its file, its process, its line number.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The place of one line in a run: the segment it was read from, the event
/// file it belongs to, the process, and its 1-based line number in the
/// segment. Cheap to clone: the paths are shared.
///
/// ```
/// use basis_events::reader::Position;
///
/// let position = Position::new("logs/abc123/7/events/positions.1.jsonl", "positions.jsonl", 7, Some(1), 42);
/// assert_eq!(position.to_string(), "logs/abc123/7/events/positions.1.jsonl:42");
/// assert_eq!((position.pid(), position.segment(), position.line()), (7, Some(1), 42));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Position {
    place: Arc<Place>,
    line: u64,
}

/// What every line of one segment shares: kept once per segment, so a
/// position is a pointer and a line number.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Place {
    pub(crate) path: PathBuf,
    pub(crate) file: String,
    pub(crate) pid: u32,
    pub(crate) segment: Option<u64>,
}

impl Position {
    /// A position: `path` is the segment, `file` its event file
    /// (`positions.jsonl`), `segment` its number (`None` for the active file).
    pub fn new(
        path: impl AsRef<Path>,
        file: &str,
        pid: u32,
        segment: Option<u64>,
        line: u64,
    ) -> Position {
        let place = Place {
            path: path.as_ref().to_owned(),
            file: file.to_owned(),
            pid,
            segment,
        };
        Position {
            place: Arc::new(place),
            line,
        }
    }

    pub(crate) fn at(place: &Arc<Place>, line: u64) -> Position {
        Position {
            place: Arc::clone(place),
            line,
        }
    }

    /// The segment's path.
    ///
    /// ```
    /// # use basis_events::reader::Position;
    /// let position = Position::new("events/positions.jsonl", "positions.jsonl", 1, None, 1);
    /// assert!(position.path().ends_with("positions.jsonl"));
    /// ```
    pub fn path(&self) -> &Path {
        &self.place.path
    }

    /// The event file the segment belongs to: `positions.jsonl`.
    ///
    /// ```
    /// # use basis_events::reader::Position;
    /// let position = Position::new("events/positions.3.jsonl", "positions.jsonl", 1, Some(3), 1);
    /// assert_eq!(position.file(), "positions.jsonl");
    /// ```
    pub fn file(&self) -> &str {
        &self.place.file
    }

    /// The process the line was read from (its directory's name).
    ///
    /// ```
    /// # use basis_events::reader::Position;
    /// assert_eq!(Position::new("p", "f.jsonl", 9, None, 1).pid(), 9);
    /// ```
    pub fn pid(&self) -> u32 {
        self.place.pid
    }

    /// The segment number, `None` for the active (unnumbered) file.
    ///
    /// ```
    /// # use basis_events::reader::Position;
    /// assert_eq!(Position::new("p", "f.jsonl", 9, None, 1).segment(), None);
    /// ```
    pub fn segment(&self) -> Option<u64> {
        self.place.segment
    }

    /// The 1-based line number in the segment.
    ///
    /// ```
    /// # use basis_events::reader::Position;
    /// assert_eq!(Position::new("p", "f.jsonl", 9, None, 5).line(), 5);
    /// ```
    pub fn line(&self) -> u64 {
        self.line
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.place.path.display(), self.line)
    }
}
