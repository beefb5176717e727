//! Readers shared by the zone and region rules (not a rule itself).

use linkplan_model::plan::List;
use linkplan_model::{AzId, Located, PlanView, Region};

/// A zone list and the entries of it that are well-formed AZ IDs.
pub(crate) struct Zones<'d> {
    pub(crate) list: List<'d>,
    pub(crate) ids: Vec<Located<AzId>>,
}

impl Zones<'_> {
    fn read(list: List<'_>) -> Zones<'_> {
        let ids = list
            .items()
            .filter_map(|item| AzId::parse(item.value).ok().map(|id| Located::new(id, item.span)))
            .collect();
        Zones { list, ids }
    }

    pub(crate) fn contains(&self, id: &AzId) -> bool {
        self.ids.iter().any(|z| z.value == *id)
    }

    /// Ordered, distinct zone IDs as text.
    pub(crate) fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.ids.iter().map(|z| z.value.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

pub(crate) fn tidb_zones<'d>(plan: &PlanView<'d>) -> Option<Zones<'d>> {
    plan.tidb()?.availability_zones().map(Zones::read)
}

pub(crate) fn network_zones<'d>(plan: &PlanView<'d>) -> Option<Zones<'d>> {
    plan.confluent()?.network()?.zones().map(Zones::read)
}

pub(crate) fn tidb_region(plan: &PlanView<'_>) -> Option<Located<Region>> {
    let region = plan.tidb()?.region()?;
    Region::parse(region.value).ok().map(|r| Located::new(r, region.span))
}

pub(crate) fn network_region(plan: &PlanView<'_>) -> Option<Located<Region>> {
    let region = plan.confluent()?.network()?.region()?;
    Region::parse(region.value).ok().map(|r| Located::new(r, region.span))
}

/// `a`, `b` and `c`, each in backticks.
pub(crate) fn listing(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
