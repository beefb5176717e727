//! The builder: `saphyr-parser` events to the located tree, within bounds. The limits stop hostile
//! input (a size limit before parsing, a node budget that counts alias expansions, a depth
//! limit), and every failure is a [`ParseError`] with a span, never a panic. Duplicate keys are
//! kept out of the tree and recorded as [`Problem`]s.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScanError};

use super::scalar::resolve_scalar;
use super::tree::{Document, Entry, Node, NodeKind, Problem};
use crate::span::Span;

/// Plan files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// A document may hold at most this many nodes once aliases are expanded.
pub const MAX_NODES: usize = 10_000;
/// Collections may nest at most this deep.
pub const MAX_DEPTH: usize = 64;

/// Why a file could not be read as a YAML document.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    #[error("{message}")]
    Syntax { message: String, span: Span },
    #[error("file is larger than {limit} bytes, the limit for plan files")]
    TooLarge { size: usize, limit: usize },
    #[error("file is not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 { offset: usize },
    #[error("file contains a NUL byte at offset {offset}: it looks binary, not YAML")]
    Binary { offset: usize },
    #[error("collections nest deeper than {limit} levels")]
    TooDeep { span: Span, limit: usize },
    #[error("the document expands to more than {limit} nodes (an alias bomb?)")]
    TooManyNodes { span: Span, limit: usize },
    #[error("alias refers to an anchor that is not defined before it")]
    UnknownAnchor { span: Span },
    #[error("mapping keys must be plain scalars, not collections or aliases")]
    ComplexKey { span: Span },
    #[error("a plan file holds one YAML document, but a second one starts here")]
    MultipleDocuments { span: Span },
}

impl ParseError {
    /// Where the problem is; empty at the start of the file when it concerns the whole file.
    pub fn span(&self) -> Span {
        match self {
            ParseError::Syntax { span, .. }
            | ParseError::TooDeep { span, .. }
            | ParseError::TooManyNodes { span, .. }
            | ParseError::UnknownAnchor { span }
            | ParseError::ComplexKey { span }
            | ParseError::MultipleDocuments { span } => *span,
            ParseError::NotUtf8 { offset } | ParseError::Binary { offset } => Span::new(*offset, *offset + 1),
            ParseError::TooLarge { .. } => Span::empty(0),
        }
    }
}

/// Checks raw bytes (size, NUL bytes, UTF-8) and returns the text.
pub fn text_from_bytes(bytes: &[u8]) -> Result<&str, ParseError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ParseError::TooLarge { size: bytes.len(), limit: MAX_FILE_BYTES });
    }
    if let Some(offset) = bytes.iter().position(|b| *b == 0) {
        return Err(ParseError::Binary { offset });
    }
    std::str::from_utf8(bytes).map_err(|e| ParseError::NotUtf8 { offset: e.valid_up_to() })
}

impl Document {
    /// Parses one YAML document. An empty file gives a `Null` root.
    pub fn parse(text: &str) -> Result<Document, ParseError> {
        if text.len() > MAX_FILE_BYTES {
            return Err(ParseError::TooLarge { size: text.len(), limit: MAX_FILE_BYTES });
        }
        Builder::new(text).run()
    }
}

/// Converts saphyr's character offsets to byte offsets.
enum Offsets {
    Ascii,
    Table(Vec<usize>),
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        if text.is_ascii() {
            return Offsets::Ascii;
        }
        let mut table: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        table.push(text.len());
        Offsets::Table(table)
    }

    fn byte(&self, char_index: usize) -> usize {
        match self {
            Offsets::Ascii => char_index,
            Offsets::Table(table) => table.get(char_index).or(table.last()).copied().unwrap_or(0),
        }
    }

    fn span(&self, span: &saphyr_parser::Span) -> Span {
        let start = self.byte(span.start.index());
        Span::new(start, self.byte(span.end.index()).max(start))
    }
}

enum Frame {
    Seq { span: Span, anchor: usize, items: Vec<Node> },
    Map { span: Span, anchor: usize, entries: Vec<Entry>, key: Option<(String, Span)> },
}

struct Builder<'t> {
    text: &'t str,
    parser: Parser<'t, saphyr_parser::StrInput<'t>>,
    offsets: Offsets,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    problems: Vec<Problem>,
    root: Option<Node>,
    documents: usize,
}

impl<'t> Builder<'t> {
    fn new(text: &'t str) -> Builder<'t> {
        Builder {
            text,
            parser: Parser::new_from_str(text),
            offsets: Offsets::new(text),
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            problems: Vec::new(),
            root: None,
            documents: 0,
        }
    }

    fn run(mut self) -> Result<Document, ParseError> {
        while let Some(next) = self.parser.next_event() {
            let (event, span) = next.map_err(|e| self.scan_error(&e))?;
            let span = self.offsets.span(&span);
            match event {
                Event::StreamStart | Event::Nothing | Event::DocumentEnd => {}
                Event::StreamEnd => break,
                Event::DocumentStart(_) => {
                    self.documents += 1;
                    if self.documents > 1 {
                        return Err(ParseError::MultipleDocuments { span });
                    }
                }
                Event::Scalar(text, style, anchor, tag) => {
                    let kind = resolve_scalar(text, style, tag.as_deref());
                    self.push(Node { span, kind }, anchor)?;
                }
                Event::Alias(id) => {
                    if matches!(self.stack.last(), Some(Frame::Map { key: None, .. })) {
                        return Err(ParseError::ComplexKey { span });
                    }
                    let node = self.anchors.get(&id).ok_or(ParseError::UnknownAnchor { span })?;
                    let extra = node.count();
                    if self.nodes + extra > MAX_NODES {
                        return Err(ParseError::TooManyNodes { span, limit: MAX_NODES });
                    }
                    let mut node = node.clone();
                    node.span = span;
                    self.nodes += extra - 1;
                    self.push(node, 0)?;
                }
                Event::SequenceStart(anchor, _) => {
                    self.open(span)?;
                    self.stack.push(Frame::Seq { span, anchor, items: Vec::with_capacity(4) });
                }
                Event::MappingStart(anchor, _) => {
                    self.open(span)?;
                    self.stack.push(Frame::Map { span, anchor, entries: Vec::with_capacity(8), key: None });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let (node, anchor) = match self.stack.pop() {
                        Some(Frame::Seq { span: start, anchor, items }) => {
                            let end = items.last().map_or(span.end, |n| n.span.end);
                            (
                                Node { span: Span::new(start.start, end.max(start.start)), kind: NodeKind::Seq(items) },
                                anchor,
                            )
                        }
                        Some(Frame::Map { span: start, anchor, entries, .. }) => {
                            let end = entries.last().map_or(span.end, |e| e.value.span.end);
                            (
                                Node {
                                    span: Span::new(start.start, end.max(start.start)),
                                    kind: NodeKind::Map(entries),
                                },
                                anchor,
                            )
                        }
                        None => {
                            return Err(ParseError::Syntax { message: "unbalanced collection end".into(), span });
                        }
                    };
                    self.nodes -= 1; // counted in `open`, counted again by `push`
                    self.push(node, anchor)?;
                }
            }
        }
        let root = self.root.unwrap_or(Node { span: Span::empty(0), kind: NodeKind::Null });
        Ok(Document { root, problems: self.problems })
    }

    /// Checks the limits before a collection opens.
    fn open(&mut self, span: Span) -> Result<(), ParseError> {
        if matches!(self.stack.last(), Some(Frame::Map { key: None, .. })) {
            return Err(ParseError::ComplexKey { span });
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(ParseError::TooDeep { span, limit: MAX_DEPTH });
        }
        self.count_node(span)
    }

    fn count_node(&mut self, span: Span) -> Result<(), ParseError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(ParseError::TooManyNodes { span, limit: MAX_NODES });
        }
        Ok(())
    }

    /// Adds a finished node to the collection being built (or makes it the root).
    fn push(&mut self, node: Node, anchor: usize) -> Result<(), ParseError> {
        if !matches!(node.kind, NodeKind::Seq(_) | NodeKind::Map(_)) {
            self.count_node(node.span)?;
        }
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => {
                    let text = match node.kind {
                        NodeKind::Str(s) => s,
                        NodeKind::Null => String::new(),
                        NodeKind::Bool(b) => b.to_string(),
                        NodeKind::Int(n) => n.to_string(),
                        NodeKind::Float(f) => f.to_string(),
                        NodeKind::Seq(_) | NodeKind::Map(_) => {
                            return Err(ParseError::ComplexKey { span: node.span });
                        }
                    };
                    *key = Some((text, node.span));
                }
                Some((name, key_span)) => match entries.iter().find(|e| e.key == name) {
                    Some(first) => self.problems.push(Problem::DuplicateKey {
                        key: name,
                        first: first.key_span,
                        duplicate: key_span,
                    }),
                    None => entries.push(Entry { key: name, key_span, value: node }),
                },
            },
        }
        Ok(())
    }

    fn scan_error(&self, error: &ScanError) -> ParseError {
        let mut at = self.offsets.byte(error.marker().index());
        let info = error.info();
        if info.contains("unknown anchor") {
            return ParseError::UnknownAnchor { span: Span::new(at, at) };
        }
        if info.contains("tab") {
            // The scanner stops after the tab; point at the tab itself.
            let line_start = self.text[..at.min(self.text.len())].rfind('\n').map_or(0, |i| i + 1);
            if let Some(tab) = self.text[line_start..at.min(self.text.len())].rfind('\t') {
                at = line_start + tab;
                return ParseError::Syntax { message: info.to_owned(), span: Span::new(at, at + 1) };
            }
        }
        ParseError::Syntax { message: info.to_owned(), span: Span::new(at, at) }
    }
}
