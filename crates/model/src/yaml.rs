//! YAML text to a located document: a tree that keeps a byte span for every key and value.
//!
//! Parsing uses `saphyr-parser`'s event stream and builds the tree itself, so that hostile input
//! is bounded: a node budget stops alias bombs, a depth limit stops runaway nesting, and every
//! failure is a [`ParseError`] with a span, never a panic. Scalars resolve with the YAML 1.2 core
//! schema (`no` and `on` stay strings). Duplicate keys are kept out of the tree and reported as
//! [`Problem`]s, so the rest of the file can still be checked.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Tag};
use serde_json::{Map, Number, Value};

use crate::span::Span;

/// Plan files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// A document may hold at most this many nodes once aliases are expanded.
pub const MAX_NODES: usize = 10_000;
/// Collections may nest at most this deep.
pub const MAX_DEPTH: usize = 64;

/// A parsed plan file: the root node plus non-fatal problems found on the way.
#[derive(Debug, Clone)]
pub struct Document {
    root: Node,
    problems: Vec<Problem>,
}

/// One YAML node and the span of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A mapping entry: the key, the key's span and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

/// A problem that does not stop the rest of the file from being read.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The key appears twice in one mapping; the first value is kept.
    DuplicateKey { key: String, first: Span, duplicate: Span },
}

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

    pub fn root(&self) -> &Node {
        &self.root
    }

    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Adds `value` at the mapping path `path` unless a value is already there, creating missing
    /// mappings on the way; the new nodes carry `span` (where the fact came from, e.g. the key
    /// whose live lookup produced it). Returns whether it added anything: a declared value always
    /// wins, and a path through a non-mapping is left alone. Used to merge live facts into a
    /// plan before the lint rules run (`lint --online`).
    pub fn fill(&mut self, path: &[&str], value: NodeKind, span: Span) -> bool {
        let Some((last, parents)) = path.split_last() else { return false };
        let mut node = &mut self.root;
        for key in parents {
            let NodeKind::Map(entries) = &mut node.kind else { return false };
            let idx = match entries.iter().position(|e| e.key == *key) {
                Some(idx) => idx,
                None => {
                    let map = Node { span, kind: NodeKind::Map(Vec::new()) };
                    entries.push(Entry { key: (*key).to_owned(), key_span: span, value: map });
                    entries.len() - 1
                }
            };
            node = &mut entries[idx].value;
        }
        let NodeKind::Map(entries) = &mut node.kind else { return false };
        if entries.iter().any(|e| e.key == *last) {
            return false;
        }
        entries.push(Entry { key: (*last).to_owned(), key_span: span, value: Node { span, kind: value } });
        true
    }

    /// The document as JSON, for schema validation.
    pub fn to_json(&self) -> Value {
        self.root.to_json()
    }

    /// Finds the node at an RFC 6901 JSON pointer, with the span of its key when it is a
    /// mapping value.
    pub fn locate(&self, pointer: &str) -> Option<Target<'_>> {
        let mut target = Target { node: &self.root, key_span: None };
        if pointer.is_empty() {
            return Some(target);
        }
        for raw in pointer.strip_prefix('/')?.split('/') {
            let segment = raw.replace("~1", "/").replace("~0", "~");
            target = match &target.node.kind {
                NodeKind::Map(entries) => {
                    let entry = entries.iter().find(|e| e.key == segment)?;
                    Target { node: &entry.value, key_span: Some(entry.key_span) }
                }
                NodeKind::Seq(items) => {
                    let idx: usize = segment.parse().ok()?;
                    Target { node: items.get(idx)?, key_span: None }
                }
                _ => return None,
            };
        }
        Some(target)
    }
}

/// A node found by [`Document::locate`].
#[derive(Debug, Clone, Copy)]
pub struct Target<'d> {
    pub node: &'d Node,
    pub key_span: Option<Span>,
}

impl Node {
    /// The value of `key` when this node is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.kind {
            NodeKind::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            NodeKind::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i128> {
        match self.kind {
            NodeKind::Int(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// A short name of the node's type, as JSON Schema calls it.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "boolean",
            NodeKind::Int(_) => "integer",
            NodeKind::Float(_) => "number",
            NodeKind::Str(_) => "string",
            NodeKind::Seq(_) => "array",
            NodeKind::Map(_) => "object",
        }
    }

    pub fn to_json(&self) -> Value {
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Int(n) => i64::try_from(*n)
                .map(Number::from)
                .or_else(|_| u64::try_from(*n).map(Number::from))
                .ok()
                .or_else(|| Number::from_f64(*n as f64))
                .map_or(Value::Null, Value::Number),
            NodeKind::Float(f) => Number::from_f64(*f).map_or_else(|| Value::String(f.to_string()), Value::Number),
            NodeKind::Str(s) => Value::String(s.clone()),
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for entry in entries {
                    map.insert(entry.key.clone(), entry.value.to_json());
                }
                Value::Object(map)
            }
        }
    }

    fn count(&self) -> usize {
        1 + match &self.kind {
            NodeKind::Seq(items) => items.iter().map(Node::count).sum(),
            NodeKind::Map(entries) => entries.iter().map(|e| e.value.count()).sum(),
            _ => 0,
        }
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

/// Resolves a scalar with the YAML 1.2 core schema.
fn resolve_scalar(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> NodeKind {
    let is_str_tag = tag.is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
    if is_str_tag || style != ScalarStyle::Plain {
        return NodeKind::Str(text.into_owned());
    }
    match text.as_ref() {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "true" | "True" | "TRUE" => return NodeKind::Bool(true),
        "false" | "False" | "FALSE" => return NodeKind::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return NodeKind::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return NodeKind::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return NodeKind::Float(f64::NAN),
        _ => {}
    }
    if let Some(n) = parse_int(&text) {
        return NodeKind::Int(n);
    }
    if is_float(&text)
        && let Ok(f) = text.parse::<f64>()
    {
        return NodeKind::Float(f);
    }
    NodeKind::Str(text.into_owned())
}

fn parse_int(text: &str) -> Option<i128> {
    if let Some(oct) = text.strip_prefix("0o") {
        return i128::from_str_radix(oct, 8)
            .ok()
            .filter(|_| !oct.is_empty() && oct.bytes().all(|b| b.is_ascii_digit()));
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return i128::from_str_radix(hex, 16)
            .ok()
            .filter(|_| !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Out-of-range integers stay strings rather than silently losing digits.
    text.parse::<i128>().ok()
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_float(text: &str) -> bool {
    let s = text.strip_prefix(['-', '+']).unwrap_or(text).as_bytes();
    let mut i = 0;
    let int_digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp_digits = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exp_digits == 0 {
            return false;
        }
        i += exp_digits;
    }
    i == s.len()
}

#[cfg(test)]
mod fill_tests {
    use super::*;

    #[test]
    fn fill_adds_only_what_is_missing() {
        let mut doc =
            Document::parse("tidb:\n  cluster_id: \"1\"\n  region: us-east-1\n").unwrap_or_else(|e| panic!("{e}"));
        let at = Span::new(8, 19);
        assert!(!doc.fill(&["tidb", "region"], NodeKind::Str("us-west-2".into()), at), "declared wins");
        assert!(doc.fill(&["tidb", "availability_zones"], NodeKind::Seq(vec![]), at));
        assert!(doc.fill(&["confluent", "network", "region"], NodeKind::Str("us-east-1".into()), at));
        assert!(!doc.fill(&["tidb", "cluster_id", "x"], NodeKind::Null, at), "not through a scalar");
        let json = doc.to_json();
        assert_eq!(json["tidb"]["region"], "us-east-1");
        assert_eq!(json["confluent"]["network"]["region"], "us-east-1");
        assert!(json["tidb"]["availability_zones"].is_array());
        assert_eq!(doc.locate("/confluent/network/region").map(|t| t.node.span), Some(at));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Document {
        match Document::parse(text) {
            Ok(doc) => doc,
            Err(e) => panic!("parse failed: {e}"),
        }
    }

    #[test]
    fn spans_point_at_keys_and_values() {
        let text = "a:\n  b: [x, \"y\"]\n  c: é\n  d: 1\n";
        let doc = parse(text);
        let y = doc.locate("/a/b/1").map(|t| t.node.span);
        assert_eq!(y.map(|s| &text[s.range()]), Some("\"y\""));
        let c = doc.locate("/a/c");
        assert_eq!(c.and_then(|t| t.key_span).map(|s| &text[s.range()]), Some("c"));
        assert_eq!(c.map(|t| &text[t.node.span.range()]), Some("é"));
        let d = doc.locate("/a/d");
        assert_eq!(d.map(|t| &text[t.node.span.range()]), Some("1"));
    }

    #[test]
    fn core_schema_scalars() {
        let doc = parse(
            "a: no\nb: on\nc: true\nd: 012\ne: 1.5\nf: ~\ng: '12'\nh: 0x1F\ni: 99999999999999999999999999999999999999999\n",
        );
        let json = doc.to_json();
        assert_eq!(json["a"], "no");
        assert_eq!(json["b"], "on");
        assert_eq!(json["c"], true);
        assert_eq!(json["d"], 12);
        assert_eq!(json["e"], 1.5);
        assert_eq!(json["f"], Value::Null);
        assert_eq!(json["g"], "12");
        assert_eq!(json["h"], 31);
        assert!(json["i"].is_number());
    }

    #[test]
    fn duplicate_keys_are_problems() {
        let doc = parse("a: 1\nb: 2\na: 3\n");
        assert_eq!(doc.to_json()["a"], 1);
        assert!(matches!(&doc.problems()[0], Problem::DuplicateKey { key, .. } if key == "a"));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
        }
        assert!(matches!(Document::parse(&text), Err(ParseError::TooManyNodes { .. })));
    }

    #[test]
    fn small_aliases_expand() {
        let doc = parse("z: &z [use1-az1, use1-az2]\nw: *z\n");
        assert_eq!(doc.to_json()["w"][1], "use1-az2");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(Document::parse(&text).is_err());
        let block: String = (0..200).map(|i| format!("{}k{i}:\n", "  ".repeat(i))).collect();
        assert!(matches!(Document::parse(&block), Err(ParseError::TooDeep { .. })));
    }

    #[test]
    fn one_document_per_file() {
        assert!(matches!(Document::parse("a: 1\n---\nb: 2\n"), Err(ParseError::MultipleDocuments { .. })));
    }

    #[test]
    fn complex_keys_are_refused() {
        assert!(matches!(Document::parse("? [a, b]\n: c\n"), Err(ParseError::ComplexKey { .. })));
    }

    #[test]
    fn bytes_are_checked() {
        assert!(matches!(text_from_bytes(b"a: \0"), Err(ParseError::Binary { offset: 3 })));
        assert!(matches!(text_from_bytes(b"a: \xff"), Err(ParseError::NotUtf8 { offset: 3 })));
    }

    #[test]
    fn empty_file_is_null() {
        assert_eq!(parse("# only a comment\n").to_json(), Value::Null);
    }
}
