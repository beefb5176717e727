//! Parsing plan YAML through `Document::parse`: spans, core-schema scalars, duplicate keys, the
//! limits, and filling in live values.

use serde_json::Value;

use super::*;
use crate::span::Span;

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
