//! `schemas/plan.schema.json` is the public contract: it must accept the example plans, agree
//! with the model's key tables, and be valid JSON Schema 2020-12.

use linkplan_model::keys::OBJECTS;
use serde_json::Value;

use crate::util::root;

fn schema() -> Value {
    let text = std::fs::read_to_string(root().join("schemas/plan.schema.json")).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or_default()
}

/// The schema object at a plan pointer, following `properties` and `$ref`.
fn object_at<'a>(schema: &'a Value, pointer: &str) -> &'a Value {
    let mut node = schema;
    for segment in pointer.split('/').filter(|s| !s.is_empty()) {
        node = &node["properties"][segment];
        if let Some(target) = node["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
            node = schema.pointer(target).unwrap_or(&Value::Null);
        }
    }
    node
}

fn strings(value: &Value) -> Vec<String> {
    let mut out: Vec<String> = match value {
        Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        Value::Object(map) => map.keys().cloned().collect(),
        _ => Vec::new(),
    };
    out.sort();
    out
}

#[test]
fn schema_objects_match_the_model_keys() {
    let schema = schema();
    for object in OBJECTS {
        let node = object_at(&schema, object.pointer);
        let mut keys: Vec<String> = object.keys.iter().map(|k| k.to_string()).collect();
        keys.sort();
        let mut required: Vec<String> = object.required.iter().map(|k| k.to_string()).collect();
        required.sort();
        assert_eq!(strings(&node["properties"]), keys, "properties of `{}`", object.pointer);
        assert_eq!(strings(&node["required"]), required, "required keys of `{}`", object.pointer);
        assert_eq!(node["additionalProperties"], false, "`{}` must refuse unknown keys", object.pointer);
    }
}

#[test]
fn schema_is_valid_2020_12_and_accepts_the_examples() {
    let schema = schema();
    assert!(jsonschema::meta::is_valid(&schema));
    let validator = match jsonschema::draft202012::new(&schema) {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    };
    let text = std::fs::read_to_string(root().join("examples/orders-cdc.yaml")).unwrap_or_default();
    let document = match linkplan_model::Document::parse(&text) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let errors: Vec<String> = validator.iter_errors(&document.to_json()).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
}
