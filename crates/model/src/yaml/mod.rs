//! YAML text to a located document: a tree that keeps a byte span for every key and value.
//!
//! Parsing uses `saphyr-parser`'s event stream and builds the tree itself, so that hostile input
//! is bounded: a node budget stops alias bombs, a depth limit stops runaway nesting, and every
//! failure is a [`ParseError`] with a span, never a panic. Scalars resolve with the YAML 1.2 core
//! schema (`no` and `on` stay strings). Duplicate keys are kept out of the tree and reported as
//! [`Problem`]s, so the rest of the file can still be checked.
//!
//! One job a file: `tree` is the located tree and what readers ask of it, `builder` turns
//! parser events into it within the limits, `scalar` resolves scalars.

mod builder;
mod scalar;
#[cfg(test)]
mod tests;
mod tree;

pub use builder::{MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, ParseError, text_from_bytes};
pub use tree::{Document, Entry, Node, NodeKind, Problem, Target};
