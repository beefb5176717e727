//! OpenAPI 3.0 / Swagger 2.0 schema objects → JSON Schema 2020-12 for the `jsonschema` crate.
//!
//! One schema is converted at a time, for one [`Direction`]; every definition it reaches through
//! `$ref` is converted too and put under `$defs`, so a compiled validator holds only what that
//! body needs. The rules (and why each one is no laxer than the vendor document) are in the
//! crate docs.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::{Dialect, SpecError};

/// Which way a body travels: `readOnly` properties only exist in responses, `writeOnly` ones
/// only in requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Client → server.
    Request,
    /// Server → client.
    Response,
}

/// Keywords copied unchanged: they mean the same in OpenAPI 3.0, Swagger 2.0 and JSON Schema.
const PLAIN: &[&str] = &[
    "type",
    "enum",
    "format",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
];

/// Deep enough for any real document; a guard against self-referencing `allOf` loops.
const MAX_DEPTH: usize = 128;

pub(crate) struct Converter<'a> {
    doc: &'a Value,
    dialect: Dialect,
    direction: Direction,
    /// Where this document keeps named schemas (`#/components/schemas/`, `#/definitions/`).
    prefix: &'static str,
    /// Converted definitions by name; `Value::Null` while one is being converted.
    defs: BTreeMap<String, Value>,
    pending: Vec<String>,
}

impl<'a> Converter<'a> {
    pub(crate) fn new(doc: &'a Value, dialect: Dialect, direction: Direction) -> Converter<'a> {
        let prefix = match dialect {
            Dialect::OpenApi3 => "#/components/schemas/",
            Dialect::Swagger2 => "#/definitions/",
        };
        Converter { doc, dialect, direction, prefix, defs: BTreeMap::new(), pending: Vec::new() }
    }

    /// The JSON Schema document for `schema` (a schema object of this spec).
    pub(crate) fn document(mut self, schema: &Value) -> Result<Value, SpecError> {
        let root = self.convert(schema, &BTreeSet::new(), 0)?;
        while let Some(name) = self.pending.pop() {
            if self.defs.contains_key(&name) {
                continue;
            }
            self.defs.insert(name.clone(), Value::Null);
            let source = self.definition(&name)?;
            let converted = self.convert(source, &BTreeSet::new(), 0)?;
            self.defs.insert(name, converted);
        }
        let mut out = match root {
            Value::Object(map) => map,
            other => {
                let mut map = Map::new();
                map.insert("allOf".to_owned(), json!([other]));
                map
            }
        };
        out.insert("$schema".to_owned(), json!("https://json-schema.org/draft/2020-12/schema"));
        if !self.defs.is_empty() {
            out.insert("$defs".to_owned(), Value::Object(self.defs.into_iter().collect()));
        }
        Ok(Value::Object(out))
    }

    fn definition(&self, name: &str) -> Result<&'a Value, SpecError> {
        let table = match self.dialect {
            Dialect::OpenApi3 => self.doc.get("components").and_then(|c| c.get("schemas")),
            Dialect::Swagger2 => self.doc.get("definitions"),
        };
        table
            .and_then(|t| t.get(name))
            .ok_or_else(|| SpecError::Reference { reference: format!("{}{name}", self.prefix) })
    }

    /// The definition name of a `$ref`, or an error for references this crate does not follow
    /// (other documents, other sections).
    fn ref_name(&self, reference: &Value) -> Result<String, SpecError> {
        let text = reference.as_str().ok_or_else(|| SpecError::Reference { reference: reference.to_string() })?;
        let name = text.strip_prefix(self.prefix).ok_or_else(|| SpecError::Reference { reference: text.to_owned() })?;
        Ok(name.replace("~1", "/").replace("~0", "~"))
    }

    /// `{"$ref": "#/$defs/<name>"}`, queueing the definition.
    fn reference(&mut self, reference: &Value) -> Result<Value, SpecError> {
        let name = self.ref_name(reference)?;
        self.definition(&name)?;
        let target = format!("#/$defs/{}", fragment_escape(&name));
        if !self.defs.contains_key(&name) {
            self.pending.push(name);
        }
        Ok(json!({ "$ref": target }))
    }

    /// The keyword that hides a property in this direction.
    fn hiding_keyword(&self) -> &'static str {
        match self.direction {
            Direction::Request => "readOnly",
            Direction::Response => "writeOnly",
        }
    }

    /// Whether a property schema is `readOnly` (requests) / `writeOnly` (responses): on itself,
    /// on the schema it references, or on any `allOf` member (the value must satisfy all).
    fn is_hidden(&self, schema: &Value, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let Some(obj) = schema.as_object() else { return false };
        if let Some(reference) = obj.get("$ref") {
            return self
                .ref_name(reference)
                .ok()
                .and_then(|name| self.definition(&name).ok())
                .is_some_and(|target| self.is_hidden(target, depth + 1));
        }
        obj.get(self.hiding_keyword()).and_then(Value::as_bool) == Some(true)
            || obj
                .get("allOf")
                .and_then(Value::as_array)
                .is_some_and(|members| members.iter().any(|m| self.is_hidden(m, depth + 1)))
    }

    /// Names of the hidden properties a schema declares, through `$ref` and `allOf`.
    fn hidden_properties(&self, schema: &Value, depth: usize, out: &mut BTreeSet<String>) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some(obj) = schema.as_object() else { return };
        if let Some(reference) = obj.get("$ref") {
            if let Some(target) = self.ref_name(reference).ok().and_then(|n| self.definition(&n).ok()) {
                self.hidden_properties(target, depth + 1, out);
            }
            return;
        }
        if let Some(props) = obj.get("properties").and_then(Value::as_object) {
            for (name, p) in props {
                if self.is_hidden(p, 0) {
                    out.insert(name.clone());
                }
            }
        }
        for member in obj.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            self.hidden_properties(member, depth + 1, out);
        }
    }

    /// Convert one schema object. `hidden_above` holds hidden property names declared by the
    /// schemas this one is combined with (`allOf` siblings and parents describing the same
    /// value), which must not stay in this schema's `required`.
    fn convert(&mut self, schema: &Value, hidden_above: &BTreeSet<String>, depth: usize) -> Result<Value, SpecError> {
        if depth > MAX_DEPTH {
            return Err(SpecError::TooDeep);
        }
        let obj = match schema {
            Value::Object(obj) => obj,
            Value::Bool(_) => return Ok(schema.clone()),
            other => return Err(SpecError::NotASchema { found: other.to_string() }),
        };
        // OpenAPI 3.0 / Swagger 2.0: a `$ref` object's siblings are ignored.
        if let Some(reference) = obj.get("$ref") {
            return self.reference(reference);
        }
        let mut out = Map::new();
        for &key in PLAIN {
            if let Some(v) = obj.get(key) {
                out.insert(key.to_owned(), v.clone());
            }
        }
        // Swagger's `file` type has no JSON meaning (multipart only).
        if out.get("type").and_then(Value::as_str) == Some("file") {
            out.remove("type");
        }
        let mut all_of = Vec::new();
        exclusive_bounds(obj, &mut out);
        integer_formats(obj, &mut out, &mut all_of);

        // The hidden properties of this value: its own and those of its allOf members.
        let mut hidden = hidden_above.clone();
        self.hidden_properties(schema, 0, &mut hidden);

        if let Some(props) = obj.get("properties").and_then(Value::as_object) {
            let mut converted = Map::new();
            for (name, p) in props {
                let v = if self.is_hidden(p, 0) {
                    Value::Bool(false)
                } else {
                    self.convert(p, &BTreeSet::new(), depth + 1)?
                };
                converted.insert(name.clone(), v);
            }
            out.insert("properties".to_owned(), Value::Object(converted));
        }
        if let Some(required) = obj.get("required").and_then(Value::as_array) {
            let kept: Vec<Value> =
                required.iter().filter(|r| r.as_str().is_none_or(|name| !hidden.contains(name))).cloned().collect();
            if !kept.is_empty() {
                out.insert("required".to_owned(), Value::Array(kept));
            }
        }
        if let Some(extra) = obj.get("additionalProperties") {
            out.insert("additionalProperties".to_owned(), self.convert(extra, &BTreeSet::new(), depth + 1)?);
        }
        if let Some(items) = obj.get("items") {
            out.insert("items".to_owned(), self.convert(items, &BTreeSet::new(), depth + 1)?);
        }
        if let Some(not) = obj.get("not") {
            out.insert("not".to_owned(), self.convert(not, &BTreeSet::new(), depth + 1)?);
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(members) = obj.get(key).and_then(Value::as_array) {
                let mut converted = Vec::with_capacity(members.len());
                for m in members {
                    converted.push(self.convert(m, &hidden, depth + 1)?);
                }
                if key == "allOf" {
                    all_of.splice(0..0, converted);
                } else {
                    out.insert(key.to_owned(), Value::Array(converted));
                }
            }
        }
        if self.dialect == Dialect::OpenApi3
            && let Some(discriminator) = obj.get("discriminator").and_then(Value::as_object)
        {
            self.discriminator(obj, discriminator, &mut all_of)?;
        }
        if !all_of.is_empty() {
            out.insert("allOf".to_owned(), Value::Array(all_of));
        }
        let nullable = match self.dialect {
            Dialect::OpenApi3 => obj.get("nullable"),
            Dialect::Swagger2 => obj.get("x-nullable"),
        };
        if nullable.and_then(Value::as_bool) == Some(true) {
            return Ok(allow_null(out));
        }
        Ok(Value::Object(out))
    }

    /// `discriminator` + `oneOf`/`anyOf`: the property is required, its value must name one of
    /// the alternatives (explicit `mapping` or the implicit schema name), and the alternative it
    /// names must validate. The `oneOf` itself is kept too.
    fn discriminator(
        &mut self,
        obj: &Map<String, Value>,
        discriminator: &Map<String, Value>,
        all_of: &mut Vec<Value>,
    ) -> Result<(), SpecError> {
        let Some(property) = discriminator.get("propertyName").and_then(Value::as_str) else {
            return Err(SpecError::NotASchema { found: "discriminator without propertyName".to_owned() });
        };
        let members = obj.get("oneOf").or_else(|| obj.get("anyOf")).and_then(Value::as_array);
        let mut targets: Vec<(String, Value)> = Vec::new();
        if let Some(mapping) = discriminator.get("mapping").and_then(Value::as_object) {
            for (value, reference) in mapping {
                targets.push((value.clone(), reference.clone()));
            }
        }
        for member in members.into_iter().flatten() {
            let Some(reference) = member.get("$ref") else { continue };
            if targets.iter().any(|(_, r)| r == reference) {
                continue;
            }
            let name = self.ref_name(reference)?;
            let implicit = name.rsplit('/').next().unwrap_or(&name).to_owned();
            targets.push((implicit, reference.clone()));
        }
        if targets.is_empty() {
            return Ok(());
        }
        let values: Vec<&str> = targets.iter().map(|(v, _)| v.as_str()).collect();
        all_of.push(json!({ "required": [property], "properties": { property: { "enum": values } } }));
        for (value, reference) in &targets {
            let then = self.reference(reference)?;
            all_of.push(json!({
                "if": { "required": [property], "properties": { property: { "const": value } } },
                "then": then,
            }));
        }
        Ok(())
    }
}

/// `nullable: true` / `x-nullable: true`: also accept `null`.
fn allow_null(mut out: Map<String, Value>) -> Value {
    let simple = ["allOf", "anyOf", "oneOf", "not", "$ref"].iter().all(|k| !out.contains_key(*k));
    if simple && let Some(Value::String(t)) = out.get("type").cloned() {
        out.insert("type".to_owned(), json!([t, "null"]));
        if let Some(Value::Array(values)) = out.get_mut("enum")
            && !values.contains(&Value::Null)
        {
            values.push(Value::Null);
        }
        return Value::Object(out);
    }
    json!({ "anyOf": [{ "type": "null" }, Value::Object(out)] })
}

/// OpenAPI 3.0 / Swagger 2.0 (draft-04 style) boolean `exclusiveMinimum`/`exclusiveMaximum`.
fn exclusive_bounds(obj: &Map<String, Value>, out: &mut Map<String, Value>) {
    for (flag, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        match obj.get(flag) {
            Some(Value::Bool(true)) => {
                if let Some(v) = out.remove(bound) {
                    out.insert(flag.to_owned(), v);
                }
            }
            Some(v @ Value::Number(_)) => {
                out.insert(flag.to_owned(), v.clone());
            }
            _ => {}
        }
    }
}

/// `format: int32|int64|uint64` on integers is a range; on strings (protobuf JSON for 64-bit
/// integers) it is checked by the formats registered in `lib.rs`.
fn integer_formats(obj: &Map<String, Value>, out: &mut Map<String, Value>, all_of: &mut Vec<Value>) {
    let is_integer = obj.get("type").and_then(Value::as_str) == Some("integer");
    let range = match obj.get("format").and_then(Value::as_str) {
        Some("int32") => json!({ "minimum": i32::MIN, "maximum": i32::MAX }),
        Some("int64") => json!({ "minimum": i64::MIN, "maximum": i64::MAX }),
        Some("uint64") => json!({ "minimum": 0, "maximum": u64::MAX }),
        _ => return,
    };
    if is_integer {
        out.remove("format");
        all_of.push(range);
    }
}

/// A definition name as a JSON pointer token inside a URI fragment.
fn fragment_escape(name: &str) -> String {
    let token = name.replace('~', "~0").replace('/', "~1");
    let mut out = String::with_capacity(token.len());
    for b in token.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
