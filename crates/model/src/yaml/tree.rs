//! The located tree: a document's nodes, each with the byte span of its text, mapping entries
//! with the span of their key, and what a reader asks of them (typed accessors, JSON, a JSON
//! pointer lookup, filling in live values).

use serde_json::{Map, Number, Value};

use crate::span::Span;

/// A parsed plan file: the root node plus non-fatal problems found on the way.
#[derive(Debug, Clone)]
pub struct Document {
    pub(super) root: Node,
    pub(super) problems: Vec<Problem>,
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

impl Document {
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

    /// How many nodes this one is, its descendants included.
    pub(super) fn count(&self) -> usize {
        1 + match &self.kind {
            NodeKind::Seq(items) => items.iter().map(Node::count).sum(),
            NodeKind::Map(entries) => entries.iter().map(|e| e.value.count()).sum(),
            _ => 0,
        }
    }
}
