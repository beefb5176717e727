//! Text helpers shared by the zone and region rules (not a rule itself).

/// `a`, `b` and `c`, each in backticks.
pub(crate) fn listing(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
