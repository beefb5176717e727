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
    for path in ["examples/orders-cdc.yaml", "fixtures/plans/changefeed.yaml"] {
        let text = std::fs::read_to_string(root().join(path)).expect("the file reads");
        let document = match linkplan_model::Document::parse(&text) {
            Ok(d) => d,
            Err(e) => panic!("{path}: {e}"),
        };
        let errors: Vec<String> = validator.iter_errors(&document.to_json()).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{path}: {errors:?}");
    }
}

/// What a value parser says of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Valid,
    /// Refused for its shape: the schema's pattern must refuse it too.
    Syntax,
    /// Well-formed but refused for a reason no pattern expresses (a 31 February, a reversed
    /// character range `[z-a]`): the schema may accept it; lint says why.
    Semantic,
}

fn verdict<T, E>(result: Result<T, E>) -> Verdict {
    if result.is_ok() { Verdict::Valid } else { Verdict::Syntax }
}

/// The schema's value patterns and the model's value parsers (`linkplan_model::values`) accept
/// the same strings: every sample, and every one-character edit of the valid ones, gets the same
/// verdict from both (so an editor, which only has the schema, and lint agree). A parser may
/// refuse more than the pattern only for a [`Verdict::Semantic`] reason.
#[test]
fn schema_patterns_agree_with_the_value_parsers() {
    use linkplan_model::values::{StartPositionError, TableFilterError};
    use linkplan_model::{
        AwsAccountId, AzId, DnsSubdomain, EnvVarName, Region, StartPosition, TableFilterRule, TopicAffix, TopicName,
        UniqueName, VpcEndpointServiceName,
    };
    let schema = schema();
    type Parser = fn(&str) -> Verdict;
    let long_topic = "t".repeat(249);
    let long_affix = "p".repeat(248);
    let cases: [(&str, Parser, Vec<&str>); 13] = [
        (
            "/$defs/Region",
            |v| verdict(Region::parse(v)),
            vec!["us-east-1", "ap-southeast-2", "us-gov-west-1", "eu-central-1"],
        ),
        ("/$defs/AzId", |v| verdict(AzId::parse(v)), vec!["use1-az1", "apse2-az3", "usw2-az4", "euc1-az2"]),
        ("/$defs/AwsAccountId", |v| verdict(AwsAccountId::parse(v)), vec!["123456789012", "000000000001"]),
        (
            "/$defs/Confluent/properties/vpc_service_endpoint",
            |v| verdict(VpcEndpointServiceName::parse(v)),
            vec![
                "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
                "com.amazonaws.vpce.eu-west-1.vpce-svc-01234567",
            ],
        ),
        (
            "/$defs/Network/properties/dns_subdomain",
            |v| verdict(DnsSubdomain::parse(v)),
            vec!["use1-az1.domnprzqrog.us-east-1.aws.confluent.cloud"],
        ),
        (
            "/$defs/PrivateLinkConnection/properties/domains/properties/unique_name",
            |v| verdict(UniqueName::parse(v)),
            vec!["domnprzqrog.us-east-1", "abc123.eu-west-2"],
        ),
        (
            "/$defs/TableFilterRule",
            |v| match TableFilterRule::parse(v) {
                Ok(_) => Verdict::Valid,
                Err(TableFilterError::ReversedRange { .. } | TableFilterError::PosixClass { .. }) => Verdict::Semantic,
                Err(_) => Verdict::Syntax,
            },
            vec![
                "orders.*",
                "!orders.tmp_*",
                "db[0-9].tbl[!a-f]",
                "\"db.with.dots\".`t``x`",
                "\"a\"\"b\".t",
                "my\\-db.t\\ x",
                "caf\u{e9}.t?",
                "$a_1.*",
                "a.[\\]-]",
            ],
        ),
        (
            "/$defs/Topics/properties/topic",
            |v| verdict(TopicName::parse(v)),
            vec!["orders-cdc", "a.b_C9", "...", &long_topic],
        ),
        (
            "/$defs/Topics/properties/prefix",
            |v| verdict(TopicAffix::parse_prefix(v)),
            vec!["tidb_", "a.b-", &long_affix],
        ),
        ("/$defs/Topics/properties/separator", |v| verdict(TopicAffix::parse(v)), vec!["_", "", "--"]),
        ("/$defs/Topics/properties/suffix", |v| verdict(TopicAffix::parse(v)), vec!["_cdc", &long_affix]),
        (
            "/$defs/Changefeed/properties/start_position/anyOf/2",
            |v| match StartPosition::parse(v) {
                Ok(StartPosition::Time { .. }) => Verdict::Valid,
                Ok(_) => Verdict::Syntax,
                Err(StartPositionError::NoSuchTime { .. } | StartPositionError::TimeOutOfRange { .. }) => {
                    Verdict::Semantic
                }
                Err(_) => Verdict::Syntax,
            },
            vec![
                "2024-05-01T00:00:00Z",
                "2024-02-29t23:59:59.123456+05:30",
                "2099-12-31T23:59:59-00:00",
                "2016-12-31T23:59:60Z",
            ],
        ),
        ("/$defs/EnvVarName", |v| verdict(EnvVarName::parse(v)), vec!["ORDERS_KAFKA_API_KEY", "_x1"]),
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
            assert_eq!(parses(v), Verdict::Valid, "{pointer}: the parser refuses the valid sample {v:?}");
            let chars: Vec<char> = v.chars().collect();
            for i in 0..chars.len() {
                for replacement in ['a', 'Z', '0', '9', '-', '.', '_', ' ', '!', '[', ']', '"', '\\', '*'] {
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
            samples.push(format!("{v} "));
            samples.push(v.to_uppercase());
        }
        samples.extend(["", "-", "a", ".", "..", "now"].map(str::to_owned));
        for sample in samples {
            let by_schema = validator.is_valid(&serde_json::json!(sample));
            let by_parser = parses(&sample);
            let agree = match by_parser {
                Verdict::Valid => by_schema,
                Verdict::Syntax => !by_schema,
                Verdict::Semantic => true,
            };
            if !agree {
                disagreements.push(format!("{pointer}: {sample:?} schema {by_schema}, parser {by_parser:?}"));
            }
        }
    }
    assert!(disagreements.is_empty(), "{} disagreements:\n{}", disagreements.len(), disagreements.join("\n"));
}

/// A TSO start position is an integer in the schema's bounds, which are the parser's.
#[test]
fn schema_tso_bounds_are_the_parsers() {
    use linkplan_model::StartPosition;
    let schema = schema();
    let tso = &schema["$defs"]["Changefeed"]["properties"]["start_position"]["anyOf"][1];
    assert_eq!(tso["type"], "integer");
    assert_eq!(tso["minimum"].as_u64(), Some(StartPosition::MIN_TSO));
    assert_eq!(tso["maximum"].as_u64(), Some(StartPosition::MAX_TSO));
    for (value, ok) in [
        (StartPosition::MIN_TSO, true),
        (StartPosition::MAX_TSO, true),
        (StartPosition::MIN_TSO - 1, false),
        (StartPosition::MAX_TSO + 1, false),
    ] {
        assert_eq!(StartPosition::from_tso(i128::from(value)).is_ok(), ok, "{value}");
    }
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
