//! Where in a world's text a problem is: the line and column of a syntax error (from
//! serde-saphyr's position), or of the value a validation problem names.

use crate::error::{SimError, WorldLocation};

/// A parse error with its position (the message without serde-saphyr's "at line…" suffix).
pub(super) fn syntax_error(text: &str, e: &serde_saphyr::Error) -> SimError {
    let plain = e.without_snippet().to_string();
    let loc = e.location().filter(|l| l.line() > 0);
    let message = match loc {
        Some(l) => {
            let suffix = format!(" at line {}, column {}", l.line(), l.column());
            plain.strip_suffix(&suffix).map_or_else(|| plain.clone(), str::to_owned)
        }
        None => plain,
    };
    let location = loc.and_then(|l| {
        let line = usize::try_from(l.line()).ok()?;
        let column = usize::try_from(l.column()).ok()?.max(1);
        let offset = offset_of(text, line, column)?;
        let len = l
            .span()
            .byte_len()
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n > 0 && offset + n <= text.len() && text.is_char_boundary(offset + n))
            .unwrap_or_else(|| token_len(text, offset));
        Some(WorldLocation { line, column, offset, len })
    });
    SimError::World { path: None, location, message: message.trim().to_owned() }
}

/// The byte offset of a 1-based line and character column, if inside the text.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let start = if line <= 1 { 0 } else { text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)? };
    let rest = text.get(start..)?;
    let line_text = rest.split('\n').next().unwrap_or_default();
    let within = line_text.char_indices().nth(column - 1).map_or(line_text.len(), |(i, _)| i);
    Some(start + within)
}

/// The length of the token at `offset` (up to whitespace, a comma or a bracket), at least one
/// character unless at the end of the text.
fn token_len(text: &str, offset: usize) -> usize {
    let rest = text.get(offset..).unwrap_or_default();
    let end = rest.find(|c: char| c.is_whitespace() || matches!(c, ',' | ']' | '}')).unwrap_or(rest.len());
    if end > 0 { end } else { rest.chars().next().map_or(0, char::len_utf8) }
}

/// The first place `needle` appears as a whole scalar (not inside a longer id).
pub(super) fn locate(text: &str, needle: &str) -> Option<WorldLocation> {
    if needle.is_empty() {
        return None;
    }
    let is_id_char = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.');
    let offset = text.match_indices(needle).map(|(i, _)| i).find(|&i| {
        let before = text[..i].chars().next_back();
        let after = text[i + needle.len()..].chars().next();
        !before.is_some_and(is_id_char) && !after.is_some_and(is_id_char)
    })?;
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..offset].matches('\n').count() + 1;
    let column = text[line_start..offset].chars().count() + 1;
    Some(WorldLocation { line, column, offset, len: needle.len() })
}
