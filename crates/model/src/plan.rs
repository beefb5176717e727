//! The typed plan v1, as a lenient view over a located [`Document`].
//!
//! Accessors return `None` when a key is missing *or* has the wrong type: the schema reports
//! type errors, so rules only ever see well-typed values, each with its span. This keeps every
//! rule running on a partly broken file, the way an editor needs it.

use crate::span::{Located, Span};
use crate::yaml::{Document, Entry, Node, NodeKind};

/// A mapping of the plan and the span of the key that introduces it.
#[derive(Debug, Clone, Copy)]
pub struct Section<'d> {
    node: &'d Node,
    key_span: Span,
}

impl<'d> Section<'d> {
    pub fn node(&self) -> &'d Node {
        self.node
    }

    /// The key naming this section (empty at the start of the file for the root).
    pub fn key_span(&self) -> Span {
        self.key_span
    }

    pub fn entry(&self, key: &str) -> Option<&'d Entry> {
        self.node.entry(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    /// The span of `key` itself, when present.
    pub fn key_span_of(&self, key: &str) -> Option<Span> {
        self.entry(key).map(|e| e.key_span)
    }

    pub fn str(&self, key: &str) -> Option<Located<&'d str>> {
        let node = self.node.get(key)?;
        node.as_str().map(|s| Located::new(s, node.span))
    }

    pub fn bool(&self, key: &str) -> Option<Located<bool>> {
        let node = self.node.get(key)?;
        node.as_bool().map(|b| Located::new(b, node.span))
    }

    pub fn int(&self, key: &str) -> Option<Located<i128>> {
        let node = self.node.get(key)?;
        node.as_int().map(|n| Located::new(n, node.span))
    }

    pub fn list(&self, key: &str) -> Option<List<'d>> {
        let entry = self.entry(key)?;
        entry.value.as_seq().map(|_| List { node: &entry.value, key_span: entry.key_span })
    }

    pub fn section(&self, key: &str) -> Option<Section<'d>> {
        let entry = self.entry(key)?;
        matches!(entry.value.kind, NodeKind::Map(_)).then_some(Section { node: &entry.value, key_span: entry.key_span })
    }
}

/// A sequence of strings; items of other types are skipped (the schema reports them).
#[derive(Debug, Clone, Copy)]
pub struct List<'d> {
    node: &'d Node,
    key_span: Span,
}

impl<'d> List<'d> {
    pub fn span(&self) -> Span {
        self.node.span
    }

    pub fn key_span(&self) -> Span {
        self.key_span
    }

    pub fn items(&self) -> impl Iterator<Item = Located<&'d str>> + 'd {
        self.node.as_seq().unwrap_or_default().iter().filter_map(|n| n.as_str().map(|s| Located::new(s, n.span)))
    }

    pub fn len(&self) -> usize {
        self.node.as_seq().map_or(0, <[Node]>::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

macro_rules! section_type {
    ($(#[$doc:meta])* $name:ident { $($kind:ident $field:ident),* $(,)? } $( sections { $($sub:ident: $sub_ty:ident),* } )?) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name<'d>(pub Section<'d>);

        impl<'d> $name<'d> {
            $(
                pub fn $field(&self) -> section_type!(@ret $kind) {
                    section_type!(@get self, $kind, stringify!($field).trim_start_matches("r#"))
                }
            )*
            $($(
                pub fn $sub(&self) -> Option<$sub_ty<'d>> {
                    self.0.section(stringify!($sub)).map($sub_ty)
                }
            )*)?
        }

        impl<'d> std::ops::Deref for $name<'d> {
            type Target = Section<'d>;
            fn deref(&self) -> &Section<'d> {
                &self.0
            }
        }
    };
    (@ret str) => { Option<Located<&'d str>> };
    (@ret bool) => { Option<Located<bool>> };
    (@ret int) => { Option<Located<i128>> };
    (@ret list) => { Option<List<'d>> };
    (@get $s:ident, str, $k:expr) => { $s.0.str($k) };
    (@get $s:ident, bool, $k:expr) => { $s.0.bool($k) };
    (@get $s:ident, int, $k:expr) => { $s.0.int($k) };
    (@get $s:ident, list, $k:expr) => { $s.0.list($k) };
}

section_type!(
    /// The whole plan file.
    PlanView { int version, str name, str state }
    sections { tidb: Tidb, confluent: Confluent, private_link_connection: PrivateLinkConnection, changefeed: Changefeed }
);
section_type!(
    /// `tidb:` — the TiDB Cloud Essential cluster.
    Tidb { str cluster_id, str cloud, str region, str aws_account_id, list availability_zones }
);
section_type!(
    /// `confluent:` — the Confluent Cloud side.
    Confluent { str environment, str vpc_service_endpoint }
    sections { network: Network, private_link_access: PrivateLinkAccess, cluster: Cluster }
);
section_type!(
    /// `confluent.network:` — an existing network (`id`) or one to create (`create: true`).
    Network {
        str id, bool create, str display_name, str dns_resolution, str cloud,
        list connection_types, str region, list zones, str dns_subdomain,
    }
);
section_type!(
    /// `confluent.private_link_access:` — access for TiDB Cloud's AWS account.
    PrivateLinkAccess { str display_name, str account }
);
section_type!(
    /// `confluent.cluster:` — the Kafka cluster.
    Cluster { str id, str display_name, str r#type, str availability, int cku }
);
section_type!(
    /// `private_link_connection:` — the TiDB private link connection.
    PrivateLinkConnection { str display_name }
    sections { domains: Domains }
);
section_type!(
    /// `private_link_connection.domains:` — the domains to attach.
    Domains { str r#type, str unique_name }
);

section_type!(
    /// `changefeed:` — TiDB's changes into the Kafka cluster (optional). `start_position` is a
    /// string or an integer: read it with [`Changefeed::start_position`].
    Changefeed { str display_name, list tables, str table_mode, bool case_sensitive, str protocol }
    sections { topics: Topics, credentials: Credentials }
);
section_type!(
    /// `changefeed.topics:` — which topics the changefeed writes.
    Topics { str dispatch, str topic, str prefix, str separator, str suffix, int partitions, int replication_factor }
);
section_type!(
    /// `changefeed.credentials:` — `create: true` (and `service_account`), or the names of the
    /// environment variables holding a Kafka API key (`api_key_env`, `api_secret_env`).
    Credentials { bool create, str service_account, str api_key_env, str api_secret_env }
);

impl<'d> PlanView<'d> {
    /// A view of the document; `None` when the root is not a mapping.
    pub fn new(document: &'d Document) -> Option<PlanView<'d>> {
        let root = document.root();
        matches!(root.kind, NodeKind::Map(_)).then_some(PlanView(Section { node: root, key_span: Span::empty(0) }))
    }
}

impl Network<'_> {
    /// `create: true` was given.
    pub fn creates(&self) -> bool {
        self.create().is_some_and(|c| c.value)
    }
}

impl<'d> Changefeed<'d> {
    /// The `start_position` value node, whatever its type (`now` and times are strings, a TSO
    /// an integer; see [`crate::values::StartPosition::from_node`]).
    pub fn start_position(&self) -> Option<&'d Node> {
        self.0.node().get("start_position")
    }

    /// `table_mode: FORCE_SYNC` was given.
    pub fn force_sync(&self) -> bool {
        self.table_mode().is_some_and(|m| m.value == "FORCE_SYNC")
    }
}

impl Credentials<'_> {
    /// `create: true` was given.
    pub fn creates(&self) -> bool {
        self.create().is_some_and(|c| c.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_access_with_spans() {
        let text = "version: 1\nname: x\ntidb:\n  region: us-east-1\n  availability_zones: [use1-az1, 7, use1-az2]\nconfluent:\n  cluster: {type: dedicated, cku: 2}\n";
        let Ok(doc) = Document::parse(text) else { panic!("parse") };
        let Some(plan) = PlanView::new(&doc) else { panic!("view") };
        assert_eq!(plan.version().map(|v| v.value), Some(1));
        let tidb = plan.tidb();
        assert_eq!(tidb.and_then(|t| t.region()).map(|r| &text[r.span.range()]), Some("us-east-1"));
        let zones: Vec<&str> =
            tidb.and_then(|t| t.availability_zones()).map(|l| l.items().map(|i| i.value).collect()).unwrap_or_default();
        assert_eq!(zones, ["use1-az1", "use1-az2"]);
        let cluster = plan.confluent().and_then(|c| c.cluster());
        assert_eq!(cluster.and_then(|c| c.r#type()).map(|t| t.value), Some("dedicated"));
        assert_eq!(cluster.and_then(|c| c.cku()).map(|t| t.value), Some(2));
        assert!(plan.private_link_connection().is_none());
        assert!(plan.changefeed().is_none());
    }

    #[test]
    fn changefeed_view() {
        let text = "changefeed:\n  tables: [\"orders.*\"]\n  start_position: 449451550310400000\n  topics: {dispatch: ONE_TOPIC, topic: t, partitions: 6}\n  credentials: {create: true}\n";
        let Ok(doc) = Document::parse(text) else { panic!("parse") };
        let Some(plan) = PlanView::new(&doc) else { panic!("view") };
        let Some(cf) = plan.changefeed() else { panic!("changefeed") };
        assert_eq!(cf.tables().map(|t| t.items().map(|i| i.value).collect::<Vec<_>>()), Some(vec!["orders.*"]));
        assert_eq!(cf.start_position().and_then(Node::as_int), Some(449_451_550_310_400_000));
        assert_eq!(cf.topics().and_then(|t| t.topic()).map(|t| t.value), Some("t"));
        assert_eq!(cf.topics().and_then(|t| t.partitions()).map(|p| p.value), Some(6));
        assert!(cf.credentials().is_some_and(|c| c.creates()));
        assert!(!cf.force_sync());
    }
}
