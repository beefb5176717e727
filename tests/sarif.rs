//! The SARIF output is valid SARIF 2.1.0: checked against the OASIS schema in `../shared`.

use crate::util::{linkplan, root};

#[test]
fn sarif_output_validates_against_the_official_schema() {
    let schema_path = root().join("../shared/vendor-specs/sarif-schema-2.1.0.json");
    let schema_text = match std::fs::read_to_string(&schema_path) {
        Ok(text) => text,
        Err(e) => panic!("the SARIF schema is expected at {}: {e}", schema_path.display()),
    };
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap_or_default();
    let validator = match jsonschema::draft4::new(&schema) {
        Ok(v) => v,
        Err(e) => panic!("SARIF schema does not compile: {e}"),
    };
    let run = linkplan(&["lint", "--format", "sarif", "fixtures/lint", "examples"]);
    assert_eq!(run.code, 1);
    let log: serde_json::Value = match serde_json::from_str(&run.stdout) {
        Ok(log) => log,
        Err(e) => panic!("not JSON: {e}"),
    };
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
    let results = log["runs"][0]["results"].as_array().map_or(0, Vec::len);
    assert!(results > 30, "expected findings from every failing fixture, got {results}");
    let rules = &log["runs"][0]["tool"]["driver"]["rules"];
    assert!(
        rules.as_array().is_some_and(|r| r.iter().all(|r| r["helpUri"].as_str().is_some_and(|u| u.ends_with(".md"))))
    );
}
