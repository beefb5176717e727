//! `--format junit`: one test suite per file; a failing test case per error or warning, and a
//! passing "lint" case for a file without any.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::Locator;
use crate::{FileReport, Severity, rule_of};

pub fn render(reports: &[FileReport]) -> String {
    let mut report = Report::new("linkplan lint");
    for file in reports {
        let mut suite = TestSuite::new(file.path.as_str());
        let locator = Locator::new(file);
        let mut failed = false;
        for finding in file.findings.iter().filter(|f| f.severity >= Severity::Warning) {
            failed = true;
            let p = locator.position(finding.span);
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(finding.message.as_str()).set_type(finding.severity.as_str()).set_description(format!(
                "{}:{}:{}: {} {}\n{}",
                file.path,
                p.line,
                p.column,
                finding.code,
                finding.message,
                finding.help.as_deref().map(|h| format!("help: {h}")).unwrap_or_default()
            ));
            let mut case =
                TestCase::new(format!("{} {} at {}:{}", finding.code, rule_of(finding).name, p.line, p.column), status);
            case.set_classname(file.path.as_str());
            suite.add_test_case(case);
        }
        if !failed {
            let mut case = TestCase::new("lint", TestCaseStatus::success());
            case.set_classname(file.path.as_str());
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report.to_string().unwrap_or_else(|e| format!("<!-- junit serialisation failed: {e} -->\n"))
}
