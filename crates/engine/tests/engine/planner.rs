//! Planner scenarios: `fixtures/engine/<scenario>/observed.json` (+ `plan.yaml`, default the
//! example plan) → the rendered plan, snapshotted per scenario.

use linkplan_engine::{Observed, plan};

use crate::util::{desired_from, example_plan, root};

#[test]
fn scenarios() {
    let dir = root().join("fixtures/engine");
    let mut scenarios: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/engine exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("observed.json").exists())
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 6, "scenarios: {scenarios:?}");
    for path in scenarios {
        let name = path.file_name().and_then(|n| n.to_str()).expect("a UTF-8 scenario name").to_owned();
        let plan_text = std::fs::read_to_string(path.join("plan.yaml")).unwrap_or_else(|_| example_plan());
        let desired = desired_from(&plan_text);
        let observed: Observed =
            serde_json::from_str(&std::fs::read_to_string(path.join("observed.json")).expect("observed.json reads"))
                .unwrap_or_else(|e| panic!("{name}/observed.json: {e}"));
        let planned = plan(&desired, &observed);
        assert_eq!(planned, plan(&desired, &observed), "{name}: the planner is deterministic");
        insta::assert_snapshot!(name, planned.to_string());
    }
}
