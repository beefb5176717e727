//! The facts rules compare, read and parsed once per document: regions, zone lists, the VPC
//! endpoint service name, the DNS subdomain and the unique name; online, what the engine saw of
//! the cluster's changefeeds (live values for plan keys are merged into the document itself, so
//! rules do not change).

use linkplan_model::plan::List;
use linkplan_model::values::ValueError;
use linkplan_model::{
    AzId, DnsSubdomain, LiveChangefeeds, Located, PlanView, Region, UniqueName, VpcEndpointServiceName,
};

/// A zone list and the entries of it that are well-formed AZ IDs.
pub struct Zones<'d> {
    pub list: List<'d>,
    pub ids: Vec<Located<AzId>>,
}

impl Zones<'_> {
    fn read(list: List<'_>) -> Zones<'_> {
        let ids = list
            .items()
            .filter_map(|item| AzId::parse(item.value).ok().map(|id| Located::new(id, item.span)))
            .collect();
        Zones { list, ids }
    }

    pub fn contains(&self, id: &AzId) -> bool {
        self.ids.iter().any(|z| z.value == *id)
    }

    /// Ordered, distinct zone IDs as text.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.ids.iter().map(|z| z.value.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// A declared value and the result of parsing it.
pub type Parsed<T> = Located<Result<T, ValueError>>;

/// Everything the rules read, for one document.
pub struct Facts<'d> {
    pub plan: PlanView<'d>,
    pub tidb_region: Option<Located<Region>>,
    pub network_region: Option<Located<Region>>,
    pub tidb_zones: Option<Zones<'d>>,
    pub network_zones: Option<Zones<'d>>,
    pub service_name: Option<Parsed<VpcEndpointServiceName>>,
    pub dns_subdomain: Option<Parsed<DnsSubdomain>>,
    pub unique_name: Option<Parsed<UniqueName>>,
    /// Online only: the cluster's changefeeds and the tables the plan's filter matches (the
    /// CF1xx rules run only when it is there).
    pub changefeeds: Option<&'d LiveChangefeeds>,
}

impl<'d> Facts<'d> {
    pub fn new(plan: PlanView<'d>) -> Facts<'d> {
        let tidb = plan.tidb();
        let confluent = plan.confluent();
        let network = confluent.and_then(|c| c.network());
        let region = |value: Option<Located<&str>>| {
            value.and_then(|r| Region::parse(r.value).ok().map(|region| Located::new(region, r.span)))
        };
        Facts {
            tidb_region: region(tidb.and_then(|t| t.region())),
            network_region: region(network.and_then(|n| n.region())),
            tidb_zones: tidb.and_then(|t| t.availability_zones()).map(Zones::read),
            network_zones: network.and_then(|n| n.zones()).map(Zones::read),
            service_name: confluent
                .and_then(|c| c.vpc_service_endpoint())
                .map(|s| s.map(VpcEndpointServiceName::parse)),
            dns_subdomain: network.and_then(|n| n.dns_subdomain()).map(|s| s.map(DnsSubdomain::parse)),
            unique_name: plan
                .private_link_connection()
                .and_then(|p| p.domains())
                .and_then(|d| d.unique_name())
                .map(|u| u.map(UniqueName::parse)),
            plan,
            changefeeds: None,
        }
    }

    /// The same facts with what was observed of the cluster's changefeeds.
    pub fn with_changefeeds(self, changefeeds: Option<&'d LiveChangefeeds>) -> Facts<'d> {
        Facts { changefeeds, ..self }
    }
}
