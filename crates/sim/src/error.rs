//! Errors from starting or configuring the simulator (request errors are HTTP responses instead).

use std::fmt;
use std::path::PathBuf;

/// Where in a world file a problem is: 1-based line and column, and the byte range to underline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorldLocation {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// Byte offset of the offending text in the file.
    pub offset: usize,
    /// Byte length of the offending text (at least 1 unless the file is empty).
    pub len: usize,
}

impl fmt::Display for WorldLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// What can go wrong outside a request.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A world file could not be read.
    #[error("cannot read world file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// A world file is not valid.
    #[error(
        "invalid world{}{}: {message}",
        path.as_ref().map(|p| format!(" file {}", p.display())).unwrap_or_default(),
        location.map(|l| format!(" at {l}")).unwrap_or_default(),
    )]
    World {
        /// The file, when read from disk.
        path: Option<PathBuf>,
        /// Where in the text, when known.
        location: Option<WorldLocation>,
        /// What is wrong (without the location).
        message: String,
    },
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The requested address.
        addr: std::net::SocketAddr,
        /// The IO error.
        source: std::io::Error,
    },
}
