//! The default format: every finding with its source snippet (miette's graphical report), then a
//! one-line summary. A finding whose snippet would show a very long line is printed as plain
//! lines instead (`path:line:col: severity CODE: message`, its labels and help), so no input can
//! make the renderer panic or flood a terminal.
//!
//! Locations are the same as in every other format: 1-based lines, columns in Unicode code
//! points (see [`super::Locator`]).

use linkplan_model::Span;
use miette::{GraphicalReportHandler, GraphicalTheme};

use super::{Locator, Summary};
use crate::{FileReport, Finding};

/// Lines longer than this (in bytes) are not drawn. miette pads each underline with a
/// `{:width$}` format argument, which panics past 65,535 columns; a byte is at most four
/// columns wide (a tab), so 4,096 bytes stays far below that, and a longer line is unreadable in
/// a terminal anyway.
pub const MAX_DRAWN_LINE_BYTES: usize = 4096;

/// Whether a byte is a control a terminal would act on (tabs and line ends excepted; a `\r`
/// only before `\n`).
fn is_control(text: &str, at: usize, c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        '\r' => text.as_bytes().get(at + 1) != Some(&b'\n'),
        c => c.is_ascii_control() || ('\u{80}'..='\u{9f}').contains(&c),
    }
}

fn dirty(text: &str) -> bool {
    text.char_indices().any(|(at, c)| is_control(text, at, c))
}

/// Each control character as `?` repeated over its bytes, so every offset stays where it was.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        if is_control(text, at, c) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

fn has_controls(report: &FileReport, finding: &Finding) -> bool {
    dirty(&report.text)
        || dirty(&finding.message)
        || finding.label.as_deref().is_some_and(dirty)
        || finding.help.as_deref().is_some_and(dirty)
        || finding.related.iter().any(|(_, label)| dirty(label))
}

fn clean_report(report: &FileReport) -> FileReport {
    FileReport { path: clean(&report.path), text: clean(&report.text), findings: Vec::new() }
}

fn clean_finding(finding: &Finding) -> Finding {
    Finding {
        message: clean(&finding.message),
        label: finding.label.as_deref().map(clean),
        help: finding.help.as_deref().map(clean),
        related: finding.related.iter().map(|(span, label)| (*span, clean(label))).collect(),
        ..finding.clone()
    }
}

/// Lines of context around each snippet (miette's default, set explicitly because the plain
/// fallback checks those lines too).
const CONTEXT_LINES: usize = 1;

/// How the text looks: colour (ANSI escapes) and the width help text is wrapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

impl Default for Style {
    /// No colour, 100 columns.
    fn default() -> Style {
        Style { color: false, width: 100 }
    }
}

/// Every finding with its snippet and a blank line after it, then the summary line.
pub fn render(reports: &[FileReport], style: Style) -> String {
    let renderer = Renderer::new(style);
    let mut out = String::new();
    for report in reports {
        for finding in &report.findings {
            renderer.finding(&mut out, report, finding);
            out.push('\n');
        }
    }
    out.push_str(&summary_line(&Summary::of(reports)));
    out.push('\n');
    out
}

/// Renders findings one at a time (the handler is built once).
pub struct Renderer {
    handler: GraphicalReportHandler,
    width: usize,
}

impl Renderer {
    pub fn new(style: Style) -> Renderer {
        let theme = if style.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(style.width)
            .with_links(false)
            .with_context_lines(CONTEXT_LINES)
            .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
        Renderer { handler, width: style.width }
    }

    /// Appends one finding of `report`: its snippet, or plain lines when a line it would show is
    /// longer than [`MAX_DRAWN_LINE_BYTES`] (or miette cannot render it).
    pub fn finding(&self, out: &mut String, report: &FileReport, finding: &Finding) {
        // A file (or a message quoting it) can hold terminal control bytes — an escape sequence
        // that recolours, moves the cursor or retitles the terminal: they are drawn as `?`.
        let cleaned;
        let (report, finding) = if has_controls(report, finding) {
            cleaned = (clean_report(report), clean_finding(finding));
            (&cleaned.0, &cleaned.1)
        } else {
            (report, finding)
        };
        let spans = std::iter::once(finding.span).chain(finding.related.iter().map(|(span, _)| *span));
        let mut long_line = None;
        for span in spans {
            if let Some(line) = longest_line(&report.text, span).filter(|len| *len > MAX_DRAWN_LINE_BYTES) {
                long_line = Some(line.max(long_line.unwrap_or(0)));
            }
        }
        if long_line.is_none() {
            let diagnostic = crate::FileDiagnostic { finding, source: report.source(), url: None };
            let mut drawn = String::new();
            if self.handler.render_report(&mut drawn, &diagnostic).is_ok() {
                out.push_str(&drawn);
                return;
            }
        }
        self.plain(out, report, finding, long_line);
    }

    /// `path:line:col: severity CODE: message`, then the label, the related places with their
    /// locations and the help, indented.
    fn plain(&self, out: &mut String, report: &FileReport, finding: &Finding, long_line: Option<usize>) {
        let locator = Locator::new(report);
        let at = |span: Span| {
            let p = locator.position(span);
            format!("{}:{}:{}", report.path, p.line, p.column)
        };
        out.push_str(&format!("{}: {} {}: {}\n", at(finding.span), finding.severity, finding.code, finding.message));
        if let Some(label) = &finding.label {
            out.push_str(&self.wrap("  = ", label));
        }
        for (span, label) in &finding.related {
            out.push_str(&self.wrap("  = ", &format!("{}: {label}", at(*span))));
        }
        if let Some(help) = &finding.help {
            out.push_str(&self.wrap("  help: ", help));
        }
        if let Some(bytes) = long_line {
            out.push_str(&self.wrap(
                "  note: ",
                &format!("source not shown: a line is {bytes} bytes long (more than {MAX_DRAWN_LINE_BYTES})"),
            ));
        }
    }

    fn wrap(&self, prefix: &str, text: &str) -> String {
        let indent = " ".repeat(prefix.chars().count());
        let options = textwrap::Options::new(self.width.max(20))
            .initial_indent(prefix)
            .subsequent_indent(&indent)
            .word_splitter(textwrap::WordSplitter::NoHyphenation);
        let mut wrapped = textwrap::fill(text, options);
        wrapped.push('\n');
        wrapped
    }
}

/// The length in bytes of the longest line a snippet of `span` shows: the lines it covers and
/// [`CONTEXT_LINES`] around them (lines end at `\n`; a span outside the text shows nothing).
fn longest_line(text: &str, span: Span) -> Option<usize> {
    let bytes = text.as_bytes();
    if span.start > bytes.len() {
        return None;
    }
    let end = span.end.clamp(span.start, bytes.len());
    let line_start = |at: usize| bytes[..at].iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let line_end = |at: usize| bytes[at..].iter().position(|b| *b == b'\n').map_or(bytes.len(), |i| at + i);
    let mut from = line_start(span.start);
    let mut to = line_end(end);
    for _ in 0..CONTEXT_LINES {
        if from > 0 {
            from = line_start(from - 1);
        }
        if to < bytes.len() {
            to = line_end(to + 1);
        }
    }
    bytes[from..to].split(|b| *b == b'\n').map(<[u8]>::len).max()
}

/// `All checks passed (N files).` or `Found 1 error and 2 warnings in 1 of 3 files.`
pub fn summary_line(summary: &Summary) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let files = plural(summary.files, "file");
    if summary.errors + summary.warnings + summary.infos == 0 {
        return format!("All checks passed ({files}).");
    }
    let mut parts = Vec::new();
    if summary.errors > 0 {
        parts.push(plural(summary.errors, "error"));
    }
    if summary.warnings > 0 {
        parts.push(plural(summary.warnings, "warning"));
    }
    if summary.infos > 0 {
        parts.push(plural(summary.infos, "note"));
    }
    let listed = match parts.as_slice() {
        [init @ .., last] if !init.is_empty() => format!("{} and {last}", init.join(", ")),
        _ => parts.join(""),
    };
    format!("Found {listed} in {} of {files}.", summary.files_with_findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_line_covers_the_span_and_one_line_around_it() {
        let text = "aaaa\nbb\nc\ndddddd\neeeeeeeeeeeeeeeeeeee\n";
        // `c`: the lines before and after it are shown, not the one two lines down.
        let c = text.find('c').unwrap_or_default();
        assert_eq!(longest_line(text, Span::new(c, c + 1)), Some(6));
        // From `bb` to `c`: `aaaa` above, `dddddd` below.
        let b = text.find('b').unwrap_or_default();
        assert_eq!(longest_line(text, Span::new(b, c + 1)), Some(6));
        assert_eq!(longest_line(text, Span::empty(0)), Some(4));
        assert_eq!(longest_line(text, Span::empty(text.len())), Some(20));
        assert_eq!(longest_line(text, Span::empty(text.len() + 1)), None);
    }

    #[test]
    fn a_finding_on_a_long_line_is_printed_plain() {
        let text = format!("a: 日本🦀{}x\nb: 1\n", " ".repeat(MAX_DRAWN_LINE_BYTES));
        let x = text.find('x').unwrap_or_default();
        let finding = Finding::new("PL003", crate::Severity::Error, Span::new(x, x + 1), "unknown `x`")
            .with_label("not a key")
            .with_related(Span::new(0, 1), "in this mapping")
            .with_help("remove it");
        let report = FileReport { path: "p.yaml".to_owned(), text, findings: vec![finding] };
        let mut out = String::new();
        Renderer::new(Style::default()).finding(&mut out, &report, &report.findings[0]);
        let column = 7 + MAX_DRAWN_LINE_BYTES;
        let expected = format!(
            "p.yaml:1:{column}: error PL003: unknown `x`\n  = not a key\n  = p.yaml:1:1: in this mapping\n  help: remove it\n  \
             note: source not shown: a line is {} bytes long (more than {MAX_DRAWN_LINE_BYTES})\n",
            report.text.find('\n').unwrap_or_default()
        );
        assert_eq!(out, expected);
        // The line below it is short, but the long one is its context.
        let b = report.text.find('b').unwrap_or_default();
        let below = Finding::new("PL003", crate::Severity::Error, Span::new(b, b + 1), "unknown `b`");
        let report = FileReport { findings: vec![below], ..report };
        let mut out = String::new();
        Renderer::new(Style::default()).finding(&mut out, &report, &report.findings[0]);
        assert!(out.starts_with("p.yaml:2:1: error PL003: unknown `b`\n"), "{out}");
    }

    #[test]
    fn control_characters_in_the_file_or_a_message_are_drawn_as_question_marks() {
        let text = "name: a\u{1b}]0;pwned\u{7}\u{1b}[31mred\r\nb: 1\r\nc: \u{9b}x\n".to_owned();
        let at = text.find('r').unwrap_or_default();
        let finding = Finding::new("PL001", crate::Severity::Error, Span::new(at, at + 3), "bad \u{1b}[2J value")
            .with_label("here\u{1b}[0m");
        let report = FileReport { path: "p.yaml".to_owned(), text, findings: vec![finding.clone()] };
        for color in [false, true] {
            let mut out = String::new();
            Renderer::new(Style { color, width: 100 }).finding(&mut out, &report, &finding);
            let text = if color { out.replace("\u{1b}[", "") } else { out.clone() };
            assert!(!text.contains(['\u{1b}', '\u{7}', '\u{9b}']), "{out:?}");
            assert!(out.contains("a?]0;pwned??[31mred"), "{out}");
            assert!(out.contains("bad ?[2J value"), "{out}");
        }
        assert_eq!(clean("a\r\nb\rc\u{9b}"), "a\r\nb?c??");
    }

    #[test]
    fn summary_lines() {
        let summary = |errors, warnings, infos| Summary { files: 3, files_with_findings: 1, errors, warnings, infos };
        assert_eq!(summary_line(&summary(0, 0, 0)), "All checks passed (3 files).");
        assert_eq!(summary_line(&summary(1, 2, 0)), "Found 1 error and 2 warnings in 1 of 3 files.");
        assert_eq!(summary_line(&summary(2, 1, 1)), "Found 2 errors, 1 warning and 1 note in 1 of 3 files.");
    }
}
