//! The rule registry: one line per rule, one file per rule.
//!
//! To add a rule: write `rules/<name>.rs` (module docs in the fixed sections, then
//! `pub(crate) fn check`), add one `rule!` line below, add `fixtures/lint/<CODE>/fail_*.yaml`
//! and `pass_*.yaml`, run `cargo insta test --accept -p linkplan-lint` (or
//! `INSTA_UPDATE=always cargo test -p linkplan-lint`), then `cargo xtask codegen` for
//! `docs/rules/<CODE>.md`.
//!
//! Online rules (CF1xx) read [`Facts::changefeeds`], what the engine observed of the cluster's
//! changefeeds; they run only when it is there ([`crate::Linter::lint_online`] with
//! `Live::changefeeds`). Their fixtures carry that observation in the file itself, as JSON on
//! one or more `# Live:` comment lines (joined with spaces), with the fields of
//! [`linkplan_model::LiveChangefeeds`] (each optional, unknown ones refused):
//!
//! ```yaml
//! # Should emit: CF103 on lines 40
//! # Live: {"others": ["legacy"], "gc_safe_point_ms": 1714521600000,
//! # Live:  "handle_key_tables": ["orders.customers"], "non_handle_key_tables": ["orders.events"]}
//! ```
//!
//! The registry test lints such a fixture online (no live facts for plan keys, only that), and
//! every other fixture offline; snapshots and line checks are the same for both.

use crate::context::Context;
use crate::facts::Facts;
use crate::finding::Severity;

mod access_account_mismatch;
mod avro_needs_schema_registry;
mod az_id_outside_region;
mod az_name_instead_of_id;
mod changefeed_credentials_mode;
mod cloud_not_aws;
mod cluster_not_dedicated;
pub(crate) mod duplicate_key;
pub(crate) mod fact_not_declared;
mod filter_matches_no_table;
mod invalid_aws_account_id;
mod invalid_credential_env_var;
mod invalid_dns_subdomain;
mod invalid_network_zone_count;
mod invalid_start_position;
mod invalid_table_filter_rule;
mod invalid_topic_name;
mod invalid_unique_name;
mod invalid_vpc_endpoint_service_name;
pub(crate) mod invalid_yaml;
mod legacy_vpc_endpoint_service_id;
mod multi_zone_cluster_single_cku;
mod network_id_and_create;
mod network_key_not_applicable;
mod network_not_privatelink;
mod network_source_missing;
mod no_shared_availability_zone;
mod partial_az_overlap;
mod region_mismatch;
mod replication_factor_not_3;
pub(crate) mod schema_violation;
mod single_zone_cluster_zone_not_shared;
mod start_position_before_gc_safe_point;
pub(crate) mod suppression_without_reason;
mod table_filter_exclusion_overridden;
mod table_filter_only_exclusions;
mod tables_without_handle_key;
mod too_many_changefeeds;
mod topic_dispatch_mismatch;
mod unconventional_resource_id;
mod unique_name_mismatch;
pub(crate) mod unknown_key;
mod unknown_region;
pub(crate) mod unused_suppression;
mod zones;

/// A rule's check: reads the plan, reports through the context.
pub type Check = fn(&mut Context, &Facts<'_>);

/// One rule: its stable code, its name, its default severity and its documentation.
#[derive(Debug)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// The rule file's text; its leading `//!` lines are the documentation.
    source: &'static str,
    /// `None` for rules the driver applies itself (YAML, schema, suppressions).
    pub(crate) check: Option<Check>,
}

macro_rules! rule {
    ($code:literal, $name:literal, $severity:ident, $module:ident) => {
        Rule {
            code: $code,
            name: $name,
            severity: Severity::$severity,
            source: include_str!(concat!(stringify!($module), ".rs")),
            check: Some($module::check),
        }
    };
    ($code:literal, $name:literal, $severity:ident, $module:ident, builtin) => {
        Rule {
            code: $code,
            name: $name,
            severity: Severity::$severity,
            source: include_str!(concat!(stringify!($module), ".rs")),
            check: None,
        }
    };
}

/// Every rule, ordered by code. Codes are never reused.
pub static RULES: &[Rule] = &[
    rule!("AC001", "invalid-aws-account-id", Error, invalid_aws_account_id),
    rule!("AC002", "access-account-mismatch", Error, access_account_mismatch),
    rule!("AZ001", "az-name-instead-of-id", Error, az_name_instead_of_id),
    rule!("AZ002", "az-id-outside-region", Error, az_id_outside_region),
    rule!("AZ003", "no-shared-availability-zone", Error, no_shared_availability_zone),
    rule!("AZ004", "partial-az-overlap", Warning, partial_az_overlap),
    rule!("AZ005", "invalid-network-zone-count", Error, invalid_network_zone_count),
    rule!("CF001", "invalid-table-filter-rule", Error, invalid_table_filter_rule),
    rule!("CF002", "invalid-topic-name", Error, invalid_topic_name),
    rule!("CF003", "topic-dispatch-mismatch", Error, topic_dispatch_mismatch),
    rule!("CF004", "invalid-start-position", Error, invalid_start_position),
    rule!("CF005", "avro-needs-schema-registry", Error, avro_needs_schema_registry),
    rule!("CF006", "changefeed-credentials-mode", Error, changefeed_credentials_mode),
    rule!("CF007", "replication-factor-not-3", Error, replication_factor_not_3),
    rule!("CF008", "invalid-credential-env-var", Error, invalid_credential_env_var),
    rule!("CF009", "table-filter-only-exclusions", Error, table_filter_only_exclusions),
    rule!("CF010", "table-filter-exclusion-overridden", Error, table_filter_exclusion_overridden),
    rule!("CF101", "too-many-changefeeds", Error, too_many_changefeeds),
    rule!("CF102", "start-position-before-gc-safe-point", Error, start_position_before_gc_safe_point),
    rule!("CF103", "tables-without-handle-key", Warning, tables_without_handle_key),
    rule!("CF104", "filter-matches-no-table", Warning, filter_matches_no_table),
    rule!("CL001", "cluster-not-dedicated", Error, cluster_not_dedicated),
    rule!("CL002", "single-zone-cluster-zone-not-shared", Warning, single_zone_cluster_zone_not_shared),
    rule!("CL003", "multi-zone-cluster-single-cku", Error, multi_zone_cluster_single_cku),
    rule!("ID001", "unconventional-resource-id", Warning, unconventional_resource_id),
    rule!("NW001", "network-not-privatelink", Error, network_not_privatelink),
    rule!("NW002", "invalid-vpc-endpoint-service-name", Error, invalid_vpc_endpoint_service_name),
    rule!("NW003", "legacy-vpc-endpoint-service-id", Warning, legacy_vpc_endpoint_service_id),
    rule!("NW004", "unique-name-mismatch", Error, unique_name_mismatch),
    rule!("NW005", "invalid-unique-name", Error, invalid_unique_name),
    rule!("NW006", "invalid-dns-subdomain", Error, invalid_dns_subdomain),
    rule!("NW007", "network-id-and-create", Error, network_id_and_create),
    rule!("NW008", "network-source-missing", Error, network_source_missing),
    rule!("NW009", "network-key-not-applicable", Error, network_key_not_applicable),
    rule!("PL001", "invalid-yaml", Error, invalid_yaml, builtin),
    rule!("PL002", "duplicate-key", Error, duplicate_key, builtin),
    rule!("PL003", "unknown-key", Error, unknown_key, builtin),
    rule!("PL004", "schema-violation", Error, schema_violation, builtin),
    rule!("PL005", "unused-suppression", Warning, unused_suppression, builtin),
    rule!("PL006", "suppression-without-reason", Warning, suppression_without_reason, builtin),
    rule!("PL007", "fact-not-declared", Info, fact_not_declared, builtin),
    rule!("RG001", "cloud-not-aws", Error, cloud_not_aws),
    rule!("RG002", "region-mismatch", Error, region_mismatch),
    rule!("RG003", "unknown-region", Warning, unknown_region),
];

/// Base of the rule documentation links (SARIF `helpUri`, miette `url`).
pub const DOCS_URL: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/rules/");

/// Finds a rule by code (`AZ001`, any case) or name (`az-name-instead-of-id`).
pub fn rule(code_or_name: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

/// The registry entry for a code the linter itself emits.
pub(crate) fn builtin(code: &str) -> &'static Rule {
    match RULES.iter().find(|r| r.code == code) {
        Some(rule) => rule,
        None => &RULES[0], // unreachable: the registry test checks every built-in code
    }
}

impl Rule {
    /// The documentation: the rule file's leading `//!` lines, Markdown.
    pub fn doc(&self) -> String {
        let mut doc = String::new();
        for line in self.source.lines() {
            let Some(text) = line.strip_prefix("//!") else {
                break;
            };
            doc.push_str(text.strip_prefix(' ').unwrap_or(text));
            doc.push('\n');
        }
        doc
    }

    /// The first sentence of "What it does".
    pub fn summary(&self) -> String {
        let doc = self.doc();
        let body = doc.split("## What it does").nth(1).unwrap_or(&doc);
        let paragraph: Vec<&str> =
            body.lines().map(str::trim).skip_while(|l| l.is_empty()).take_while(|l| !l.is_empty()).collect();
        let text = paragraph.join(" ");
        match text.find(". ") {
            Some(end) => text[..=end].to_owned(),
            None => text,
        }
    }

    pub fn url(&self) -> String {
        format!("{DOCS_URL}{}.md", self.code)
    }

    /// The page `linkplan explain` prints and `docs/rules/<CODE>.md` holds.
    pub fn markdown(&self) -> String {
        format!("# {} ({})\n\nDefault severity: {}.\n\n{}", self.code, self.name, self.severity, self.doc())
    }
}

#[cfg(test)]
mod tests;

/// Every generated rule page: `(file name, contents)` for `docs/rules/`, plus the index.
pub fn generated_docs() -> Vec<(String, String)> {
    let mut docs: Vec<(String, String)> = RULES.iter().map(|r| (format!("{}.md", r.code), r.markdown())).collect();
    let mut index = String::from(
        "# linkplan rules\n\nGenerated by `cargo xtask codegen` from the rules' docs; `linkplan explain CODE` prints the same pages.\n\n| code | name | default | what it does |\n|---|---|---|---|\n",
    );
    for rule in RULES {
        index.push_str(&format!(
            "| [{code}]({code}.md) | {} | {} | {} |\n",
            rule.name,
            rule.severity,
            rule.summary().replace('|', "\\|"),
            code = rule.code
        ));
    }
    docs.push(("README.md".to_owned(), index));
    docs
}
