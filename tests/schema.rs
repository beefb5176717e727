//! `schemas/plan.schema.json` is the public contract: it must accept the example plans, agree
//! with the model's key tables, and be valid JSON Schema 2020-12.

use linkplan_model::keys::OBJECTS;
use serde_json::Value;

use crate::util::root;

fn schema() -> Value {
    let text = std::fs::read_to_string(root().join("schemas/plan.schema.json")).expect("the file reads");
    serde_json::from_str(&text).expect("the schema is JSON")
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
    let text = std::fs::read_to_string(root().join("examples/orders-cdc.yaml")).expect("the file reads");
    let document = match linkplan_model::Document::parse(&text) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let errors: Vec<String> = validator.iter_errors(&document.to_json()).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
}

/// The schema's value patterns and the model's value parsers (`linkplan_model::values`) accept
/// the same strings: every sample, and every one-character edit of the valid ones, gets the same
/// verdict from both (so an editor, which only has the schema, and lint agree).
#[test]
fn schema_patterns_agree_with_the_value_parsers() {
    use linkplan_model::{AwsAccountId, AzId, DnsSubdomain, Region, UniqueName, VpcEndpointServiceName};
    let schema = schema();
    type Parser = fn(&str) -> bool;
    let cases: [(&str, Parser, &[&str]); 6] = [
        (
            "/$defs/Region",
            |v| Region::parse(v).is_ok(),
            &["us-east-1", "ap-southeast-2", "us-gov-west-1", "eu-central-1"],
        ),
        ("/$defs/AzId", |v| AzId::parse(v).is_ok(), &["use1-az1", "apse2-az3", "usw2-az4", "euc1-az2"]),
        ("/$defs/AwsAccountId", |v| AwsAccountId::parse(v).is_ok(), &["123456789012", "000000000001"]),
        (
            "/$defs/Confluent/properties/vpc_service_endpoint",
            |v| VpcEndpointServiceName::parse(v).is_ok(),
            &[
                "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
                "com.amazonaws.vpce.eu-west-1.vpce-svc-01234567",
            ],
        ),
        (
            "/$defs/Network/properties/dns_subdomain",
            |v| DnsSubdomain::parse(v).is_ok(),
            &["use1-az1.domnprzqrog.us-east-1.aws.confluent.cloud"],
        ),
        (
            "/$defs/PrivateLinkConnection/properties/domains/properties/unique_name",
            |v| UniqueName::parse(v).is_ok(),
            &["domnprzqrog.us-east-1", "abc123.eu-west-2"],
        ),
    ];
    let mut disagreements = Vec::new();
    for (pointer, parses, valid) in cases {
        let Some(pattern) = find_pattern(&schema, pointer) else {
            disagreements.push(format!("{pointer}: no pattern in the schema"));
            continue;
        };
        let validator = jsonschema::validator_for(&serde_json::json!({ "type": "string", "pattern": pattern }))
            .unwrap_or_else(|e| panic!("{pointer}: {e}"));
        let mut samples: Vec<String> = valid.iter().map(|s| (*s).to_owned()).collect();
        for v in valid.iter() {
            assert!(parses(v), "{pointer}: the parser refuses the valid sample {v:?}");
            let chars: Vec<char> = v.chars().collect();
            for i in 0..chars.len() {
                for replacement in ['a', 'Z', '0', '9', '-', '.', '_', ' '] {
                    let mut edited = chars.clone();
                    edited[i] = replacement;
                    samples.push(edited.iter().collect());
                }
                let mut removed = chars.clone();
                removed.remove(i);
                samples.push(removed.iter().collect());
            }
            samples.push(format!("{v}x"));
            samples.push(format!(" {v}"));
            samples.push(v.to_uppercase());
        }
        samples.extend(["", "-", "a"].map(str::to_owned));
        for sample in samples {
            let by_schema = validator.is_valid(&serde_json::json!(sample));
            if by_schema != parses(&sample) {
                disagreements.push(format!("{pointer}: {sample:?} schema {by_schema}, parser {}", !by_schema));
            }
        }
    }
    assert!(disagreements.is_empty(), "{} disagreements:\n{}", disagreements.len(), disagreements.join("\n"));
}

/// The `pattern` at a schema pointer (following a `$ref` there, or looking one level into a
/// definition it names).
fn find_pattern(schema: &Value, pointer: &str) -> Option<String> {
    let mut node = schema.pointer(pointer)?;
    if let Some(target) = node["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        node = schema.pointer(target)?;
    }
    node["pattern"].as_str().map(str::to_owned)
}
