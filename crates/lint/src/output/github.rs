//! `--format github`: GitHub Actions workflow commands, one annotation per finding.
//! <https://docs.github.com/actions/reference/workflow-commands-for-github-actions>

use super::Locator;
use crate::{FileReport, Severity, rule_of};

pub fn render(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for report in reports.iter().filter(|r| !r.findings.is_empty()) {
        let locator = Locator::new(report);
        for finding in &report.findings {
            let level = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let p = locator.position(finding.span);
            let title = format!("{} ({})", finding.code, rule_of(finding).name);
            let mut message = finding.message.clone();
            if let Some(help) = &finding.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            out.push_str(&format!(
                "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
                property(&report.path),
                p.line,
                p.column,
                p.end_line,
                p.end_column,
                property(&title),
                data(&message)
            ));
        }
    }
    out
}

fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(super::data("50%\nnext"), "50%25%0Anext");
        assert_eq!(super::property("a:b,c"), "a%3Ab%2Cc");
    }
}
