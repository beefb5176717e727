//! `init`'s choice against the simulator's init worlds: the survey read over HTTP, then
//! [`propose`]: which network, why the others are rejected, what is adopted.

use linkplan_engine::init::{InitOptions, Proposal, propose};

use crate::util::{Harness, world_file};

const CLUSTER: &str = "10140100115280519574";
const ENV: &str = "env-abc123";

async fn proposal(world: &str) -> Proposal {
    let world = world_file(world).expect("the init world exists");
    let h = Harness::new(world, "init").await;
    let survey = h.engine.survey(CLUSTER, ENV).await.expect("the survey reads both clouds");
    propose(&survey, &InitOptions::default()).expect("a proposal")
}

fn reasons<'a>(p: &'a Proposal, id: &str) -> &'a [String] {
    &p.candidates.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("{id} is a candidate")).reasons
}

#[tokio::test]
async fn of_several_networks_the_one_that_fits_is_chosen() {
    let p = proposal("init-several-networks").await;
    assert!(!p.chosen.create);
    assert_eq!(p.chosen.network_id.as_deref(), Some("n-fit01"));
    assert_eq!(p.chosen.shared_zones, ["use1-az1", "use1-az2"]);
    assert_eq!(p.candidates.iter().filter(|c| c.fits).count(), 1, "{:#?}", p.candidates);
    assert_eq!(p.candidates[0].id, "n-fit01", "the fitting network comes first");
    assert_eq!(reasons(&p, "n-peer01"), ["not PRIVATELINK (PEERING)"]);
    assert_eq!(
        reasons(&p, "n-west01"),
        [
            "in us-west-2, not TiDB's us-east-1",
            "shares no zone with TiDB (usw2-az1, usw2-az2, usw2-az3 against use1-az1, use1-az2, use1-az4)"
        ]
    );
    assert_eq!(
        reasons(&p, "n-far01"),
        ["shares no zone with TiDB (use1-az3, use1-az5, use1-az6 against use1-az1, use1-az2, use1-az4)"]
    );
    assert!(p.adopted.is_empty(), "nothing exists on n-fit01 yet: {:?}", p.adopted);
    assert!(p.plan.contains("    id: n-fit01\n"), "{}", p.plan);
    assert!(p.plan.contains("    unique_name: fitdomain01.us-east-1\n"), "{}", p.plan);
}

#[tokio::test]
async fn when_none_fits_a_network_with_tidbs_zones_is_proposed() {
    let p = proposal("init-none-fits").await;
    assert!(p.chosen.create);
    assert_eq!(p.chosen.network_id, None);
    assert_eq!(p.chosen.zones, ["use1-az1", "use1-az2", "use1-az4"]);
    assert_eq!(p.chosen.display_name.as_deref(), Some("orders-us-east-1"));
    assert_eq!(p.candidates.len(), 3);
    assert!(p.candidates.iter().all(|c| !c.fits), "{:#?}", p.candidates);
    assert!(p.plan.contains("    create: true\n"), "{}", p.plan);
    assert!(p.adopted.is_empty());
}

#[tokio::test]
async fn what_was_built_by_hand_is_adopted_by_natural_key() {
    let p = proposal("init-half-built").await;
    assert_eq!(p.chosen.network_id.as_deref(), Some("n-hand01"));
    let adopted: Vec<(&str, &str)> = p.adopted.iter().map(|a| (a.step.as_str(), a.id.as_str())).collect();
    assert_eq!(
        adopted,
        [
            ("confluent.private_link_access/n-hand01/123456789012", "pla-hand01"),
            ("confluent.cluster/n-hand01/events", "lkc-hand01"),
            ("tidbcloud.private_link_connection/10140100115280519574/kafka-by-hand", "plc-hand8m2q9x4k7w1r3z6"),
            ("tidbcloud.domains/10140100115280519574/kafka-by-hand/CONFLUENT", "7294617405182936402"),
        ]
    );
    // The other cluster on the network is named, not chosen.
    assert!(p.notes.iter().any(|n| n.contains("lkc-hand02 \"orders-by-hand\"")), "{:?}", p.notes);
    assert!(p.plan.contains("    display_name: allow-tidb\n"), "{}", p.plan);
    assert!(p.plan.contains("    cku: 3\n"), "the live CKUs: {}", p.plan);
}
