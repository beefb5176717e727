//! Errors from starting or configuring the simulator (request errors are HTTP responses instead).

use std::path::PathBuf;

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
    #[error("invalid world{}: {message}", path.as_ref().map(|p| format!(" file {}", p.display())).unwrap_or_default())]
    World {
        /// The file, when read from disk.
        path: Option<PathBuf>,
        /// What is wrong.
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
