//! The plan's JSON Schema (`schemas/plan.schema.json`, embedded), compiled once and applied to
//! each document; its errors become PL003 and PL004 findings that point at the key or value.

use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use linkplan_model::Document;
use serde_json::Value;

use crate::finding::Finding;
use crate::rules::{schema_violation, unknown_key};

/// The schema text, as shipped in `schemas/plan.schema.json`.
pub const PLAN_SCHEMA: &str = include_str!("../../../schemas/plan.schema.json");

/// The compiled plan schema.
pub struct Schema {
    validator: Validator,
    document: Value,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Schema")
    }
}

impl Schema {
    /// Compiles the embedded schema. It is fixed at build time, and a test compiles it, so this
    /// cannot fail on user input.
    pub fn plan() -> Result<Schema, String> {
        let document: Value = serde_json::from_str(PLAN_SCHEMA).map_err(|e| format!("plan schema is not JSON: {e}"))?;
        let validator =
            jsonschema::draft202012::new(&document).map_err(|e| format!("plan schema does not compile: {e}"))?;
        Ok(Schema { validator, document })
    }

    /// The schema as JSON.
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// Validates `instance` (the document as JSON) and returns findings located in `document`.
    pub(crate) fn check(&self, document: &Document, instance: &Value) -> Vec<Finding> {
        if self.validator.is_valid(instance) {
            return Vec::new();
        }
        let mut findings = Vec::new();
        for error in self.validator.iter_errors(instance) {
            self.convert(document, &error, &mut findings);
        }
        findings
    }

    fn convert(&self, document: &Document, error: &ValidationError<'_>, out: &mut Vec<Finding>) {
        let pointer = error.instance_path().as_str();
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for key in unexpected {
                    out.push(unknown_key::finding(document, pointer, key));
                }
            }
            ValidationErrorKind::Required { property } => {
                let schema_pointer = error.schema_path().as_str();
                let description = property.as_str().and_then(|p| self.property_description(schema_pointer, p));
                out.push(schema_violation::finding(document, pointer, error, description));
            }
            _ => {
                let schema_pointer = error.schema_path().as_str();
                let description = self.description_near(schema_pointer);
                out.push(schema_violation::finding(document, pointer, error, description));
            }
        }
    }

    /// The `description` of `property` in the object schema that holds the failing `required`.
    fn property_description(&self, required_pointer: &str, property: &str) -> Option<&str> {
        let parent = required_pointer.rsplit_once('/').map_or("", |(p, _)| p);
        let schema = self.document.pointer(parent)?.get("properties")?.get(property)?;
        if let Some(text) = schema.get("description").and_then(Value::as_str) {
            return Some(text);
        }
        let target = schema.get("$ref")?.as_str()?.strip_prefix('#')?;
        self.document.pointer(target)?.get("description")?.as_str()
    }

    /// The `description` of the schema object that holds the failing keyword, following a
    /// `$ref` sibling when the object itself has none.
    fn description_near(&self, keyword_pointer: &str) -> Option<&str> {
        let parent = keyword_pointer.rsplit_once('/').map_or("", |(p, _)| p);
        let object = self.document.pointer(parent)?;
        if let Some(text) = object.get("description").and_then(Value::as_str) {
            return Some(text);
        }
        let target = object.get("$ref")?.as_str()?.strip_prefix('#')?;
        self.document.pointer(target)?.get("description")?.as_str()
    }
}

/// `/confluent/network/zones/1` → `confluent.network.zones[1]`; the root is `the plan`.
pub(crate) fn dotted(pointer: &str) -> String {
    if pointer.is_empty() {
        return "the plan".to_owned();
    }
    let mut out = String::new();
    for segment in pointer.trim_start_matches('/').split('/') {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_schema_compiles_and_is_2020_12() {
        let schema = Schema::plan();
        assert!(schema.is_ok(), "{:?}", schema.err());
        let doc: Value = serde_json::from_str(PLAN_SCHEMA).unwrap_or_default();
        assert_eq!(doc["$schema"], "https://json-schema.org/draft/2020-12/schema");
    }

    #[test]
    fn dotted_paths() {
        assert_eq!(dotted(""), "the plan");
        assert_eq!(dotted("/confluent/network/zones/1"), "confluent.network.zones[1]");
    }
}
