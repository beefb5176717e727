//! ## What it does
//! Flags a key the plan format does not define, and suggests the key you probably meant.
//!
//! ## Why is this bad?
//! A misspelled key is otherwise ignored: `availabilty_zones` would silently leave the zones
//! unchecked, and `dispaly_name` would leave a default name in place. Plan files are reviewed
//! contracts, so every key must mean something.
//!
//! ## Example
//! ```yaml
//! tidb:
//!   cluster_id: "10140100115280519574"
//!   regoin: us-east-1
//! ```
//!
//! Use instead:
//! ```yaml
//! tidb:
//!   cluster_id: "10140100115280519574"
//!   region: us-east-1
//! ```
//!
//! ## Needs
//! Only the file.
//!
//! ## Known problems
//! YAML merge keys (`<<: *base`) are not applied (the plan format is YAML 1.2) and are reported
//! as unknown keys.
//!
//! ## References
//! - `schemas/plan.schema.json` (`additionalProperties: false` on every object)
//! - linkplan product contract, "Plan file (v1)"

use linkplan_model::{Document, Span, keys};

use crate::finding::Finding;
use crate::rules::builtin;
use crate::schema::dotted;

/// PL003: the finding for `key`, found in the object at `parent`.
pub(crate) fn finding(document: &Document, parent: &str, key: &str) -> Finding {
    let escaped = key.replace('~', "~0").replace('/', "~1");
    let span = document.locate(&format!("{parent}/{escaped}")).and_then(|t| t.key_span).unwrap_or(Span::empty(0));
    let rule = builtin("PL003");
    let message = if parent.is_empty() {
        format!("unknown top-level key `{key}`")
    } else {
        format!("unknown key `{key}` in `{}`", dotted(parent))
    };
    let allowed = keys::keys_at(parent).map(|o| o.keys).unwrap_or_default();
    let help = if key == "<<" {
        "YAML merge keys are not supported in plan files (YAML 1.2): write the keys out".to_owned()
    } else if let Some(help) = not_a_knob(parent, key) {
        help.to_owned()
    } else if let Some(best) = did_you_mean(key, allowed.iter().copied()) {
        format!("did you mean `{best}`?")
    } else {
        format!("expected one of: {}", allowed.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "))
    };
    Finding::new(rule.code, rule.severity, span, message).with_label("not a plan key").with_help(help)
}

/// Keys a changefeed user may expect that linkplan deliberately does not have: the help says
/// why, instead of suggesting a key that merely looks alike.
fn not_a_knob(parent: &str, key: &str) -> Option<&'static str> {
    if !parent.starts_with("/changefeed") {
        return None;
    }
    let key = key.to_ascii_lowercase();
    let tls = ["enable_tls", "tls", "enabletls", "server_name", "servername", "sni", "sni_server_name", "ssl"];
    let link = ["auth_type", "authtype", "authentication", "sasl", "sasl_mechanism", "port", "network_type", "network"];
    let secret = ["api_key", "api_secret", "key", "secret", "password", "username", "user_name", "apikey", "apisecret"];
    if tls.contains(&key.as_str()) {
        Some(
            "linkplan always turns TLS on and sets the SNI server name itself, from the Kafka cluster's private bootstrap endpoint: remove this key",
        )
    } else if link.contains(&key.as_str()) {
        Some(
            "linkplan sets the connection itself (the plan's private link connection, port 9092, SASL/PLAIN with the changefeed's Kafka API key): remove this key",
        )
    } else if secret.contains(&key.as_str()) {
        Some(
            "never write a key or secret in the plan: put them in environment variables and name those in `credentials` with `api_key_env` and `api_secret_env` (or use `create: true`)",
        )
    } else {
        None
    }
}

/// The candidate closest to `input`, when it is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(input: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let input_lower = input.to_ascii_lowercase();
    candidates
        .map(|c| {
            let lower = c.to_ascii_lowercase();
            let score = if lower == input_lower { 2.0 } else { strsim::jaro_winkler(&input_lower, &lower) };
            (score, c)
        })
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggestions() {
        let keys = ["region", "cluster_id", "availability_zones"];
        assert_eq!(did_you_mean("regoin", keys.into_iter()), Some("region"));
        assert_eq!(did_you_mean("availabilty_zones", keys.into_iter()), Some("availability_zones"));
        assert_eq!(did_you_mean("foo", keys.into_iter()), None);
        assert_eq!(did_you_mean("privatelink", ["PRIVATELINK", "PEERING"].into_iter()), Some("PRIVATELINK"));
    }

    #[test]
    fn changefeed_knobs_linkplan_sets_itself() {
        assert!(super::not_a_knob("/changefeed", "enable_tls").is_some_and(|h| h.contains("TLS")));
        assert!(
            super::not_a_knob("/changefeed/credentials", "api_secret").is_some_and(|h| h.contains("api_secret_env"))
        );
        assert_eq!(super::not_a_knob("/tidb", "tls"), None);
        assert_eq!(super::not_a_knob("/changefeed", "tabels"), None);
    }
}
