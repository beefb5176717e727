//! Inline suppressions: `# linkplan: allow CODE[, CODE…] reason`.
//!
//! A comment on a line of its own applies to the next line that is not a comment; a comment
//! after a value applies to its own line. Codes may be written as codes (`AZ004`) or rule names
//! (`partial-az-overlap`). A `#` starts a comment when it begins the line or follows white
//! space, as in YAML, and is not inside a scalar (a quoted or block scalar may contain
//! `# linkplan: allow …` as text).

use linkplan_model::yaml::{Document, Node, NodeKind};
use linkplan_model::{LineIndex, Span};

use crate::finding::Finding;
use crate::rules::{self, suppression_without_reason, unused_suppression};

#[derive(Debug)]
pub(crate) struct Suppression {
    comment: Span,
    target_line: usize,
    codes: Vec<(String, Span)>,
    has_reason: bool,
}

/// The spans of the scalars (keys and values) of `document` that contain a `#`: text there is
/// not a comment.
pub(crate) fn scalars_with_hash(text: &str, document: &Document) -> Vec<Span> {
    fn walk(node: &Node, text: &str, out: &mut Vec<Span>) {
        let has_hash = |span: Span| text.get(span.range()).is_some_and(|t| t.contains('#'));
        match &node.kind {
            NodeKind::Str(_) if has_hash(node.span) => out.push(node.span),
            NodeKind::Seq(items) => items.iter().for_each(|item| walk(item, text, out)),
            NodeKind::Map(entries) => {
                for entry in entries {
                    if has_hash(entry.key_span) {
                        out.push(entry.key_span);
                    }
                    walk(&entry.value, text, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if text.contains("linkplan:") {
        walk(document.root(), text, &mut out);
    }
    out
}

/// Finds every suppression comment, skipping `#`s inside the `scalars`; cheap when the text has
/// none.
pub(crate) fn parse(text: &str, scalars: &[Span]) -> Vec<Suppression> {
    if !text.contains("linkplan:") {
        return Vec::new();
    }
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .scan(0, |offset, line| {
            let start = *offset;
            *offset += line.len();
            Some((start, line.trim_end_matches(['\n', '\r'])))
        })
        .collect();
    let mut found = Vec::new();
    for (idx, (start, line)) in lines.iter().enumerate() {
        let Some((hash, body)) = comment(line, |i| scalars.iter().any(|s| s.range().contains(&(start + i)))) else {
            continue;
        };
        let Some(rest) = body.trim_start().strip_prefix("linkplan:") else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix("allow") else {
            continue;
        };
        if !rest.is_empty() && !rest.starts_with([' ', '\t', ',']) {
            continue;
        }
        let rest_offset = start + line.len() - rest.len();
        let (codes, reason) = split_codes(rest, rest_offset);
        let full_line = line[..hash].trim().is_empty();
        let target_line = if full_line {
            lines[idx + 1..]
                .iter()
                .position(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .map_or(0, |p| idx + 1 + p + 1)
        } else {
            idx + 1
        };
        found.push(Suppression {
            comment: Span::new(start + hash, start + line.len()),
            target_line,
            codes,
            has_reason: !reason.is_empty(),
        });
    }
    found
}

/// Removes suppressed findings and returns the findings about the suppressions themselves.
pub(crate) fn apply(
    findings: &mut Vec<Finding>,
    suppressions: &[Suppression],
    lines: &LineIndex,
    text: &str,
    enabled: impl Fn(&str) -> bool,
) -> Vec<Finding> {
    let mut used = vec![Vec::new(); suppressions.len()];
    findings.retain(|finding| {
        let line = lines.line_col(text, finding.span.start).0;
        for (idx, suppression) in suppressions.iter().enumerate() {
            if suppression.target_line != line {
                continue;
            }
            if let Some(pos) = suppression.codes.iter().position(|(code, _)| matches(code, finding.code)) {
                used[idx].push(pos);
                return false;
            }
        }
        true
    });
    let mut out = Vec::new();
    for (idx, suppression) in suppressions.iter().enumerate() {
        if !suppression.has_reason {
            out.push(suppression_without_reason::finding(suppression.comment));
        }
        for (pos, (code, span)) in suppression.codes.iter().enumerate() {
            if used[idx].contains(&pos) {
                continue;
            }
            match rules::rule(code) {
                Some(rule) if enabled(rule.code) => out.push(unused_suppression::finding(*span, code, true)),
                Some(_) => {}
                None => out.push(unused_suppression::finding(*span, code, false)),
            }
        }
        if suppression.codes.is_empty() {
            out.push(unused_suppression::finding(suppression.comment, "", false));
        }
    }
    out
}

fn matches(written: &str, code: &str) -> bool {
    written.eq_ignore_ascii_case(code) || rules::rule(written).is_some_and(|r| r.code == code)
}

/// The byte index of a comment's `#` in `line` and the text after it; `in_scalar(i)` says that
/// byte `i` of the line is scalar text.
fn comment(line: &str, in_scalar: impl Fn(usize) -> bool) -> Option<(usize, &str)> {
    let bytes = line.as_bytes();
    (0..bytes.len())
        .find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t') && !in_scalar(i))
        .map(|i| (i, &line[i + 1..]))
}

/// Splits `CODE, CODE reason…` into the codes (with spans) and the reason.
fn split_codes(rest: &str, offset: usize) -> (Vec<(String, Span)>, &str) {
    let mut codes = Vec::new();
    let mut pos = 0;
    loop {
        let skipped = rest[pos..].len() - rest[pos..].trim_start_matches([' ', '\t', ',']).len();
        let start = pos + skipped;
        let token_len = rest[start..].find([' ', '\t', ',']).unwrap_or(rest.len() - start);
        let token = &rest[start..start + token_len];
        if token.is_empty() || !looks_like_code(token) {
            let reason = rest[start..].trim_start_matches(['-', ':', '—', ' ']).trim();
            return (codes, reason);
        }
        codes.push((token.to_owned(), Span::new(offset + start, offset + start + token_len)));
        pos = start + token_len;
    }
}

fn looks_like_code(token: &str) -> bool {
    let b = token.as_bytes();
    let is_code = b.len() == 5 && b[..2].iter().all(u8::is_ascii_uppercase) && b[2..].iter().all(u8::is_ascii_digit);
    is_code || rules::rule(token).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_reasons_and_targets() {
        let text = "a: 1\n# linkplan: allow AZ004, CL002 accepted by the team\n\nb: 2  # linkplan: allow partial-az-overlap\nc: #not\n";
        let found = parse(text, &[]);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].codes.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(), ["AZ004", "CL002"]);
        assert!(found[0].has_reason);
        assert_eq!(found[0].target_line, 4);
        assert_eq!(&text[found[0].codes[1].1.range()], "CL002");
        assert_eq!(found[1].target_line, 4);
        assert!(!found[1].has_reason);
    }

    #[test]
    fn hashes_inside_scalars_are_not_comments() {
        let text = "a: \"x # linkplan: allow AZ004 quoted\"\nb: |\n  # linkplan: allow AZ004 block\nc: 1 # linkplan: allow AZ004 real\n";
        let document = Document::parse(text).expect("valid YAML");
        let found = parse(text, &scalars_with_hash(text, &document));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].target_line, 4);
    }
}
