//! Path templates (`/v1beta1/clusters/{clusterId}/privateLinkConnections:getAvailabilityZones`)
//! and matching concrete request paths against them.

/// One piece of a path segment: literal text or a `{name}` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Param(String),
}

/// A parsed path template. A parameter matches one or more characters inside one segment (never
/// a `/`), so `{plcId}:attachDomains` matches `plc-1:attachDomains` with `plcId = plc-1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathTemplate {
    text: String,
    segments: Vec<Vec<Part>>,
    /// Number of literal characters: when several templates match, the most literal one wins
    /// (OpenAPI: "concrete paths are matched before their templated counterparts").
    literal_len: usize,
}

impl PathTemplate {
    /// Parse a template; an unterminated `{` is kept as literal text.
    pub(crate) fn parse(text: &str) -> PathTemplate {
        let mut segments = Vec::new();
        let mut literal_len = 0;
        for segment in text.split('/').skip(1) {
            let mut parts = Vec::new();
            let mut rest = segment;
            while !rest.is_empty() {
                match rest.find('{').and_then(|open| rest[open..].find('}').map(|close| (open, open + close))) {
                    Some((open, close)) => {
                        if open > 0 {
                            parts.push(Part::Literal(rest[..open].to_owned()));
                        }
                        parts.push(Part::Param(rest[open + 1..close].to_owned()));
                        rest = &rest[close + 1..];
                    }
                    None => {
                        parts.push(Part::Literal(rest.to_owned()));
                        rest = "";
                    }
                }
            }
            literal_len += parts.iter().map(|p| if let Part::Literal(l) = p { l.len() } else { 0 }).sum::<usize>();
            segments.push(parts);
        }
        PathTemplate { text: text.to_owned(), segments, literal_len }
    }

    /// The template as written (base path included).
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    pub(crate) fn literal_len(&self) -> usize {
        self.literal_len
    }

    /// The parameters when `path` (no query string) matches, in template order.
    pub(crate) fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let rest = path.strip_prefix('/')?;
        let concrete: Vec<&str> = rest.split('/').collect();
        if concrete.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (parts, segment) in self.segments.iter().zip(concrete) {
            if !match_segment(parts, segment, &mut params) {
                return None;
            }
        }
        Some(params)
    }
}

/// Match one segment; on success the segment's parameters are appended to `out` in order.
fn match_segment(parts: &[Part], s: &str, out: &mut Vec<(String, String)>) -> bool {
    match parts.split_first() {
        None => s.is_empty(),
        Some((Part::Literal(lit), rest)) => s.strip_prefix(lit.as_str()).is_some_and(|r| match_segment(rest, r, out)),
        Some((Part::Param(name), rest)) => {
            // A parameter takes at least one character; try the shortest value first.
            let ends = s.char_indices().skip(1).map(|(i, _)| i).chain(std::iter::once(s.len()));
            for end in ends.filter(|&e| e > 0) {
                let mark = out.len();
                out.push((name.clone(), s[..end].to_owned()));
                if match_segment(rest, &s[end..], out) {
                    return true;
                }
                out.truncate(mark);
            }
            false
        }
    }
}

/// Join a base path (`/v1beta1`, or the path of a server URL) and a template path.
pub(crate) fn join(base: &str, path: &str) -> String {
    let base = base.trim_end_matches('/');
    if path.starts_with('/') { format!("{base}{path}") } else { format!("{base}/{path}") }
}

/// The path part of a server URL: `https://api.confluent.cloud/x` → `/x`, no path → ``.
pub(crate) fn url_path(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    match after_scheme.find('/') {
        Some(i) if url.contains("://") => &after_scheme[i..],
        Some(_) => after_scheme,
        None => "",
    }
}
