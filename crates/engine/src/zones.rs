//! The zone picture: TiDB's AZ IDs against the network's zones and the Kafka cluster's, one row
//! per zone, so an overlap — or its absence — is seen, not read. `plan` and `init` both print it
//! with [`ZonePicture::render`] (the one rendering).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::desired::{Desired, NetworkSource};
use crate::diff::choose_zones;
use crate::observe::Observed;

/// The three zone lists side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZonePicture {
    /// TiDB's AZ IDs (`getAvailabilityZones`, else declared).
    pub tidb: Vec<String>,
    /// The network's zones (live, else declared, else the ones linkplan would create it with).
    pub network: Vec<String>,
    /// The Kafka cluster's zones, when it reports them (`spec.config.zones`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kafka: Option<Vec<String>>,
}

impl ZonePicture {
    /// `None` when TiDB's zones or the network's are unknown (nothing to compare).
    pub fn new(tidb: Vec<String>, network: Vec<String>, kafka: Option<Vec<String>>) -> Option<ZonePicture> {
        if tidb.is_empty() || network.is_empty() {
            return None;
        }
        Some(ZonePicture { tidb, network, kafka: kafka.filter(|k| !k.is_empty()) })
    }

    /// The picture of a plan against what was observed.
    pub fn of(desired: &Desired, observed: &Observed) -> Option<ZonePicture> {
        let tidb: Vec<String> = match &observed.tidb {
            Some(t) if !t.az_ids.is_empty() => t.az_ids.clone(),
            _ => desired.tidb.availability_zones.iter().flatten().map(|z| z.as_str().to_owned()).collect(),
        };
        let declared = || desired.confluent.network.zones.iter().flatten().map(|z| z.as_str().to_owned()).collect();
        let network = match (&observed.network, &desired.confluent.network.source) {
            (Some(n), _) if !n.zones.is_empty() => n.zones.clone(),
            (_, NetworkSource::Create { .. }) => choose_zones(desired, &tidb),
            _ => declared(),
        };
        let kafka = observed.cluster.as_ref().map(|c| c.zones.clone());
        ZonePicture::new(tidb, network, kafka)
    }

    /// TiDB's zones the network has too, sorted.
    pub fn shared(&self) -> Vec<&str> {
        let network: BTreeSet<&str> = self.network.iter().map(String::as_str).collect();
        let tidb: BTreeSet<&str> = self.tidb.iter().map(String::as_str).collect();
        tidb.intersection(&network).copied().collect()
    }

    /// A table, one row per zone (sorted), columns TiDB / network / Kafka (when known): `✓` where
    /// the side has the zone (`x` when `unicode` is false: a pipe, a file, CI logs), blank where
    /// it has not; then one line that sums the overlap up.
    pub fn render(&self, unicode: bool) -> String {
        let mark = if unicode { "✓" } else { "x" };
        let zones: BTreeSet<&str> =
            self.tidb.iter().chain(&self.network).chain(self.kafka.iter().flatten()).map(String::as_str).collect();
        let width = zones.iter().map(|z| z.chars().count()).max().unwrap_or(0).max("zone".len()) + 3;
        let mut columns: Vec<(&str, &[String])> = vec![("TiDB", &self.tidb), ("network", &self.network)];
        if let Some(kafka) = &self.kafka {
            columns.push(("Kafka", kafka));
        }
        let mut out = String::new();
        let mut header = format!("{:<width$}", "zone");
        for (name, _) in &columns {
            header.push_str(&format!("{name:<10}"));
        }
        out.push_str(header.trim_end());
        out.push('\n');
        for zone in &zones {
            let mut row = format!("{zone:<width$}");
            for (_, list) in &columns {
                let has = list.iter().any(|z| z == zone);
                row.push_str(&format!("{:<10}", if has { mark } else { "" }));
            }
            out.push_str(row.trim_end());
            out.push('\n');
        }
        let shared = self.shared();
        let tidb_count = self.tidb.iter().collect::<BTreeSet<_>>().len();
        if shared.is_empty() {
            let none = if tidb_count == 1 {
                "TiDB's zone is not".to_owned()
            } else {
                format!("none of TiDB's {tidb_count} zones is")
            };
            out.push_str(&format!("no zone shared: {none} one of the network's\n"));
        } else {
            out.push_str(&format!(
                "shared: {} of TiDB's {tidb_count} zone{} ({})\n",
                shared.len(),
                if tidb_count == 1 { "" } else { "s" },
                shared.join(", ")
            ));
        }
        if let Some(kafka) = &self.kafka {
            let reachable = kafka.iter().filter(|z| shared.contains(&z.as_str())).count();
            if reachable == 0 {
                out.push_str("the Kafka cluster is in no zone TiDB shares with the network: it cannot be reached\n");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(zones: &[&str]) -> Vec<String> {
        zones.iter().map(|z| (*z).to_owned()).collect()
    }

    #[test]
    fn rows_are_zones_and_columns_the_sides() {
        let picture = ZonePicture::new(
            list(&["use1-az1", "use1-az2", "use1-az4"]),
            list(&["use1-az1", "use1-az4", "use1-az6"]),
            Some(list(&["use1-az6"])),
        )
        .expect("both sides are known");
        let expected = "\
zone       TiDB      network   Kafka
use1-az1   x         x
use1-az2   x
use1-az4   x         x
use1-az6             x         x
shared: 2 of TiDB's 3 zones (use1-az1, use1-az4)
the Kafka cluster is in no zone TiDB shares with the network: it cannot be reached
";
        assert_eq!(picture.render(false), expected);
        assert!(picture.render(true).contains("use1-az1   ✓         ✓\n"), "{}", picture.render(true));
    }

    #[test]
    fn no_overlap_is_said_and_unknown_sides_draw_nothing() {
        let picture = ZonePicture::new(list(&["use1-az1"]), list(&["use1-az3", "use1-az5", "use1-az6"]), None)
            .expect("both sides are known");
        let text = picture.render(false);
        assert!(text.ends_with("no zone shared: TiDB's zone is not one of the network's\n"), "{text}");
        assert!(!text.contains("Kafka"), "{text}");
        assert_eq!(ZonePicture::new(Vec::new(), list(&["use1-az1"]), None), None);
    }
}
