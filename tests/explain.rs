//! `linkplan explain`.

use crate::util::linkplan;

#[test]
fn explains_a_rule_by_code_or_name() {
    let by_code = linkplan(&["explain", "AZ001"]);
    assert_eq!(by_code.code, 0);
    assert!(by_code.stdout.starts_with("# AZ001 (az-name-instead-of-id)"), "{}", by_code.stdout);
    for section in ["## What it does", "## Why is this bad?", "## Example", "Use instead:", "## References"] {
        assert!(by_code.stdout.contains(section), "missing {section}");
    }
    let by_name = linkplan(&["explain", "az-name-instead-of-id"]);
    assert_eq!(by_name.stdout, by_code.stdout);
}

#[test]
fn lists_rules_and_suggests_on_typos() {
    let all = linkplan(&["explain", "--all"]);
    assert_eq!(all.code, 0);
    assert!(all.stdout.lines().count() >= 30);
    let typo = linkplan(&["explain", "az-name-instead"]);
    assert_eq!(typo.code, 2);
    assert!(typo.stderr.contains("did you mean `AZ001`"), "{}", typo.stderr);
}
