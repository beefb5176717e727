//! ## What it does
//! Flags a value of the wrong type, a missing required key, a value outside its allowed set or
//! of the wrong format, as `schemas/plan.schema.json` defines them.
//!
//! ## Why is this bad?
//! linkplan cannot tell what a malformed plan means, so it checks nothing further about that
//! value and will not plan or apply it. Unquoted IDs are a classic trap: YAML reads
//! `aws_account_id: 012345678901` as a number and drops the leading zero.
//!
//! ## Example
//! ```yaml
//! confluent:
//!   cluster:
//!     display_name: orders
//!     type: dedicated
//!     cku: two
//! ```
//!
//! Use instead:
//! ```yaml
//! confluent:
//!   cluster:
//!     display_name: orders
//!     type: dedicated
//!     cku: 2
//! ```
//!
//! ## Needs
//! Only the file.
//!
//! ## Known problems
//! Where a more specific rule reports the same value (for instance AZ001 for an AZ name in a
//! zone list), only that rule's finding is shown.
//!
//! ## References
//! - `schemas/plan.schema.json` (JSON Schema 2020-12; editors can use it through
//!   `# yaml-language-server: $schema=…`)

use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind;
use linkplan_model::{Document, NodeKind, Span};
use serde_json::Value;

use crate::finding::Finding;
use crate::rules::{builtin, unknown_key::did_you_mean};
use crate::schema::dotted;

/// PL004: the finding for one schema error at the instance `pointer`.
pub(crate) fn finding(
    document: &Document,
    pointer: &str,
    error: &ValidationError<'_>,
    description: Option<&str>,
) -> Finding {
    let rule = builtin("PL004");
    let target = document.locate(pointer);
    let value_span = target.map_or(Span::empty(0), |t| t.node.span);
    let key_span = target.and_then(|t| t.key_span);
    let path = dotted(pointer);
    let instance = error.instance();
    let new = |span: Span, message: String| Finding::new(rule.code, rule.severity, span, message);
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            let property = property.as_str().unwrap_or_default();
            let message = if pointer.is_empty() {
                format!("missing required top-level key `{property}`")
            } else {
                format!("missing required key `{property}` in `{path}`")
            };
            let finding = new(key_span.unwrap_or(Span::empty(0)), message).with_label(format!("needs `{property}`"));
            match description {
                Some(text) => finding.with_help(format!("add `{property}`. {text}")),
                None => finding,
            }
        }
        ValidationErrorKind::Type { kind } => {
            let found = target.map_or("nothing", |t| t.node.type_name());
            let expected = format!("{kind:?}").to_lowercase();
            let expected = expected.trim_start_matches("single(").trim_end_matches(')');
            if pointer.is_empty() && target.is_some_and(|t| t.node.kind == NodeKind::Null) {
                return new(Span::empty(0), "the file is empty".to_owned())
                    .with_help("a plan is a mapping with `version`, `name`, `tidb` and `confluent`; see `examples/`");
            }
            let finding = new(value_span, format!("`{path}` must be {}, found {found}", article(expected)))
                .with_label(format!("expected {expected}"));
            if expected == "string" && matches!(found, "integer" | "number" | "boolean") {
                finding.with_help("put the value in quotes: YAML reads unquoted digits as a number (losing leading zeros) and yes/true as a boolean")
            } else {
                finding
            }
        }
        ValidationErrorKind::Enum { options } => {
            let options: Vec<&str> =
                options.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            let listed = options.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", ");
            let finding = new(value_span, format!("`{path}` must be one of {listed}; found {}", show(instance)))
                .with_label("not an allowed value");
            match instance.as_str().and_then(|s| did_you_mean(s, options.iter().copied())) {
                Some(best) => finding.with_help(format!("did you mean `{best}`? (values are case-sensitive)")),
                None => finding,
            }
        }
        ValidationErrorKind::Constant { expected_value } => {
            new(value_span, format!("`{path}` must be {}; found {}", show(expected_value), show(instance)))
                .with_label("not the supported value")
        }
        ValidationErrorKind::Pattern { .. } => {
            let finding = new(value_span, format!("`{path}` has the wrong format: {}", show(instance)))
                .with_label("unexpected format");
            match description {
                Some(text) => finding.with_help(format!("expected: {text}")),
                None => finding,
            }
        }
        _ => {
            let finding = new(value_span, format!("`{path}`: {error}")).with_label("here");
            match description {
                Some(text) => finding.with_help(text.to_owned()),
                None => finding,
            }
        }
    }
}

fn article(kind: &str) -> String {
    match kind.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {kind}"),
        _ => format!("a {kind}"),
    }
}

/// A short rendering of a JSON value for messages.
fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        Value::Array(_) | Value::Object(_) => {
            let text = value.to_string();
            if text.len() > 60 { format!("{}…", &text[..text.floor_char_boundary(57)]) } else { text }
        }
        other => format!("`{other}`"),
    }
}
