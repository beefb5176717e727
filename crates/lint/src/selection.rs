//! Rule selection as ruff does it: selectors (`ALL`, a prefix such as `AZ` or `AZ0`, a code or a
//! rule name) in layers (the project's configuration, then the command line), resolved to the
//! set of enabled codes.
//!
//! Within one layer the more specific selector wins (`ALL` < `AZ` < `AZ0` < `AZ00` < `AZ001` or
//! a name), whatever the order they are given in; at equal specificity `ignore` wins. A layer
//! with a `select` starts afresh; one without only adds its `extend-select` and removes its
//! `ignore` from what the layers before it enabled. So `--select AZ --ignore AZ003` is AZ001,
//! AZ002, AZ004 and AZ005; `--ignore AZ --select AZ003` is AZ003 alone; and `--select AZ003` on
//! the command line replaces the configuration's `select` and `ignore`, while `--extend-select`
//! and `--ignore` build on them.

use crate::rules::{RULES, Rule};

/// One selector, as given to `select`, `ignore`, `extend-select` or `extend-ignore`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// `ALL`: every rule.
    All,
    /// A code prefix (upper case): a category (`AZ`) and up to two digits (`AZ0`, `AZ00`).
    Prefix(String),
    /// One rule, by code or name.
    Rule(&'static str),
}

/// A selector that names no rule, with the closest known code, prefix or name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule or prefix `{given}`")]
pub struct UnknownSelector {
    /// What was given.
    pub given: String,
    /// The closest code, prefix or name (`AZ001`, `AZ`, `az-name-instead-of-id`).
    pub closest: Option<String>,
}

impl UnknownSelector {
    /// "did you mean `AZ001` (az-name-instead-of-id)?", or where the rules are listed.
    pub fn help(&self) -> String {
        match &self.closest {
            Some(closest) => match RULES.iter().find(|r| r.code == closest) {
                Some(rule) => {
                    format!("did you mean `{}` ({})? `linkplan explain --all` lists the rules", rule.code, rule.name)
                }
                None => format!("did you mean `{closest}`? `linkplan explain --all` lists the rules"),
            },
            None => "`linkplan explain --all` lists the rules".to_owned(),
        }
    }
}

impl Selector {
    /// Reads `ALL`, a code or a code prefix (any case), or a rule name.
    pub fn parse(text: &str) -> Result<Selector, UnknownSelector> {
        let given = text.trim();
        if given.eq_ignore_ascii_case("ALL") {
            return Ok(Selector::All);
        }
        if let Some(rule) = crate::rules::rule(given) {
            return Ok(Selector::Rule(rule.code));
        }
        let upper = given.to_ascii_uppercase();
        let letters = upper.chars().take_while(char::is_ascii_uppercase).count();
        let is_prefix = letters == 2 && upper[letters..].chars().all(|c| c.is_ascii_digit());
        if is_prefix && RULES.iter().any(|r| r.code.starts_with(&upper)) {
            return Ok(Selector::Prefix(upper));
        }
        Err(UnknownSelector { given: given.to_owned(), closest: closest(given) })
    }

    /// How specific the selector is: `ALL` 0, a prefix its length, a rule the most.
    pub fn specificity(&self) -> usize {
        match self {
            Selector::All => 0,
            Selector::Prefix(prefix) => prefix.len(),
            Selector::Rule(_) => usize::MAX,
        }
    }

    /// Whether the selector takes in the rule with this code.
    pub fn matches(&self, code: &str) -> bool {
        match self {
            Selector::All => true,
            Selector::Prefix(prefix) => code.starts_with(prefix.as_str()),
            Selector::Rule(rule) => *rule == code,
        }
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Selector::All => f.write_str("ALL"),
            Selector::Prefix(prefix) => f.write_str(prefix),
            Selector::Rule(code) => f.write_str(code),
        }
    }
}

/// One layer of selection: the configuration file's, or the command line's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleSelection {
    /// `select`: when given, the layer starts from nothing instead of the layers before it.
    pub select: Option<Vec<Selector>>,
    /// `extend-select`: added to what is enabled.
    pub extend_select: Vec<Selector>,
    /// `ignore` and `extend-ignore`: removed from what is enabled.
    pub ignore: Vec<Selector>,
}

/// The codes enabled by `layers`, applied in order over the default (every rule), in the
/// registry's order.
pub fn resolve(layers: &[RuleSelection]) -> Vec<&'static str> {
    let mut enabled: Vec<bool> = vec![true; RULES.len()];
    for layer in layers {
        // Each rule's verdict in this layer: the most specific selector that matches it, with
        // `ignore` winning a tie (it is applied after `select` at each specificity).
        let mut verdict: Vec<Option<(usize, bool)>> = vec![None; RULES.len()];
        let selects = layer.select.iter().flatten().chain(&layer.extend_select).map(|s| (s, true));
        for (selector, on) in selects.chain(layer.ignore.iter().map(|s| (s, false))) {
            let specificity = selector.specificity();
            for (rule, verdict) in RULES.iter().zip(verdict.iter_mut()) {
                if selector.matches(rule.code) && verdict.is_none_or(|(s, _)| specificity >= s) {
                    *verdict = Some((specificity, on));
                }
            }
        }
        let fresh = layer.select.is_some();
        for (enabled, verdict) in enabled.iter_mut().zip(verdict) {
            match verdict {
                Some((_, on)) => *enabled = on,
                None if fresh => *enabled = false,
                None => {}
            }
        }
    }
    RULES.iter().zip(enabled).filter(|(_, on)| *on).map(|(rule, _)| rule.code).collect()
}

/// The known code, prefix or name nearest to `given` (Levenshtein, ignoring case).
fn closest(given: &str) -> Option<String> {
    let query = given.to_ascii_lowercase();
    let mut prefixes: Vec<String> = RULES.iter().map(|r| r.code[..2].to_owned()).collect();
    prefixes.dedup();
    let candidates = RULES
        .iter()
        .flat_map(|r: &Rule| [r.code.to_owned(), r.name.to_owned()])
        .chain(prefixes)
        .map(|c| (strsim::levenshtein(&query, &c.to_ascii_lowercase()), c));
    candidates
        .min_by_key(|(distance, _)| *distance)
        .filter(|(distance, _)| *distance <= query.len().max(2))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(texts: &[&str]) -> Vec<Selector> {
        texts.iter().map(|t| Selector::parse(t).expect("a known selector")).collect()
    }

    fn layer(select: Option<&[&str]>, extend: &[&str], ignore: &[&str]) -> RuleSelection {
        RuleSelection { select: select.map(sel), extend_select: sel(extend), ignore: sel(ignore) }
    }

    #[test]
    fn selectors_read_all_prefixes_codes_and_names() {
        assert_eq!(Selector::parse("all"), Ok(Selector::All));
        assert_eq!(Selector::parse("az"), Ok(Selector::Prefix("AZ".to_owned())));
        assert_eq!(Selector::parse("AZ0"), Ok(Selector::Prefix("AZ0".to_owned())));
        assert_eq!(Selector::parse("az001"), Ok(Selector::Rule("AZ001")));
        assert_eq!(Selector::parse("az-name-instead-of-id"), Ok(Selector::Rule("AZ001")));
        for bad in ["A", "AZ9", "XX", "AZ0011", "AZ-", ""] {
            assert!(Selector::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_selectors_name_the_closest_code() {
        let error = Selector::parse("AZ01").expect_err("no AZ01x rule");
        assert_eq!(error.given, "AZ01");
        assert!(error.closest.as_deref().is_some_and(|c| c.starts_with("AZ0")), "{error:?}");
        let error = Selector::parse("az-name-instead-of").expect_err("not a name");
        assert_eq!(error.closest.as_deref(), Some("az-name-instead-of-id"));
        assert!(error.help().contains("did you mean"), "{}", error.help());
    }

    #[test]
    fn the_more_specific_selector_wins_within_a_layer() {
        let enabled = resolve(&[layer(Some(&["AZ"]), &[], &["AZ003"])]);
        assert_eq!(enabled, ["AZ001", "AZ002", "AZ004", "AZ005"]);
        let enabled = resolve(&[layer(Some(&["AZ003"]), &[], &["AZ"])]);
        assert_eq!(enabled, ["AZ003"]);
        let enabled = resolve(&[layer(Some(&["ALL"]), &[], &["AZ0", "CF", "PL", "CL", "ID", "NW", "RG"])]);
        assert_eq!(enabled, ["AC001", "AC002"]);
        // Equal specificity: ignore wins.
        assert_eq!(resolve(&[layer(Some(&["AZ001"]), &[], &["az-name-instead-of-id"])]), Vec::<&str>::new());
    }

    #[test]
    fn later_layers_replace_with_select_or_build_with_extend_and_ignore() {
        let config = layer(Some(&["AZ"]), &[], &["AZ004"]);
        // The command line's select replaces the configuration's select and ignore.
        assert_eq!(resolve(&[config.clone(), layer(Some(&["AZ004"]), &[], &[])]), ["AZ004"]);
        // extend-select adds to it, ignore removes from it.
        let enabled = resolve(&[config.clone(), layer(None, &["AC001"], &["AZ001"])]);
        assert_eq!(enabled, ["AC001", "AZ002", "AZ003", "AZ005"]);
        // A more general CLI ignore does not beat nothing: it removes what it matches.
        assert_eq!(resolve(&[config, layer(None, &[], &["AZ"])]), Vec::<&str>::new());
        // No layers: every rule.
        assert_eq!(resolve(&[]).len(), RULES.len());
    }
}
