//! ## What it does
//! Flags a file that cannot be read as one YAML document: a syntax error, a second document,
//! text that is not UTF-8, a binary file, a file over 1 MiB, nesting deeper than 64 levels,
//! or aliases that expand past 10,000 nodes.
//!
//! ## Why is this bad?
//! Nothing else can be checked in a file that does not parse. The size, depth and alias limits
//! keep a hostile or corrupted file (a "billion laughs" alias bomb) from hanging the linter or
//! exhausting memory in a pre-commit hook or CI job.
//!
//! ## Example
//! ```yaml
//! tidb:
//!   cluster_id: "10140100115280519574
//!   region: us-east-1
//! ```
//!
//! Use instead:
//! ```yaml
//! tidb:
//!   cluster_id: "10140100115280519574"
//!   region: us-east-1
//! ```
//!
//! ## Needs
//! Only the file.
//!
//! ## References
//! - YAML 1.2.2 specification, <https://yaml.org/spec/1.2.2/>

use linkplan_model::ParseError;

use crate::finding::Finding;
use crate::rules::builtin;

/// PL001: the finding for a file that did not parse.
pub(crate) fn finding(error: &ParseError) -> Finding {
    let rule = builtin("PL001");
    let help = match error {
        ParseError::Syntax { message, .. } if message.contains("tab") => {
            "YAML indents with spaces only: replace the tab with spaces"
        }
        ParseError::Syntax { message, .. } if message.contains("quoted scalar") => {
            "a quoted value is missing its closing quote, or a quote inside it is not escaped"
        }
        ParseError::Syntax { .. } => "fix the YAML syntax; a plan file is one YAML mapping",
        ParseError::MultipleDocuments { .. } => "put each connection plan in its own file",
        ParseError::TooLarge { .. } => "a plan file is a few kilobytes; is this the right file?",
        ParseError::NotUtf8 { .. } => "save the file as UTF-8",
        ParseError::Binary { .. } => "only YAML text files can be linted",
        ParseError::TooDeep { .. } => "a plan file nests only a few levels deep: is this file generated or corrupted?",
        ParseError::TooManyNodes { .. } => "expand fewer aliases; a plan has a few dozen values",
        ParseError::UnknownAnchor { .. } => "define the anchor (`&name`) before the alias (`*name`) that uses it",
        ParseError::ComplexKey { .. } => "use plain text keys",
    };
    Finding::new(rule.code, rule.severity, error.span(), error.to_string()).with_label("here").with_help(help)
}
