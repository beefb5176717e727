//! The linkplan plan file: YAML with spans, the typed plan v1 and the value types it uses.
//!
//! Public API: [`Document`] (YAML → located tree), [`PlanView`] (typed, lenient access to a
//! plan v1 document), the value types [`Region`], [`AzId`], [`AwsAccountId`],
//! [`VpcEndpointServiceName`], [`UniqueName`], [`DnsSubdomain`] and, for the changefeed,
//! [`TableFilterRule`], [`TopicName`], [`TopicAffix`], [`StartPosition`], [`EnvVarName`];
//! [`keys`] (the plan's keys, shared with the schema); [`Live`] (what the engine observed, for
//! the linter). Nothing here does IO.

pub mod keys;
pub mod live;
pub mod plan;
pub mod span;
pub mod values;
pub mod yaml;

pub use live::{Live, LiveChangefeeds, LiveFact, LiveValue};
pub use plan::PlanView;
pub use span::{LineIndex, Located, Span};
pub use values::{
    AwsAccountId, AzId, AzIdError, DnsSubdomain, EnvVarName, Region, StartPosition, TableFilterRule, TopicAffix,
    TopicName, UniqueName, VpcEndpointServiceName,
};
pub use yaml::{Document, Node, NodeKind, ParseError, Problem};
