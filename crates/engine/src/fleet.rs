//! Many plans at once: a team keeps one plan per TiDB cluster, all on one Confluent network and
//! often one Kafka cluster. What they share (the network, the PrivateLink access for TiDB's AWS
//! account, the Kafka cluster: the same [`StepId`], since a step id is its natural key) is
//! observed, created and waited for once.
//!
//! - [`Fleet`]: what the applies of one run share — a bound on the steps running at once (the
//!   `--parallelism` of Terraform) and, per step id, who is carrying it out. The first plan to
//!   reach a shared step runs it; the others wait for it, then run theirs, which finds the
//!   resource by its natural key, READY, in a request or two, and records it as found (the
//!   plan that created it owns it). A shared step that failed fails the others' too, with the
//!   first plan's error, without a second attempt.
//! - [`Reads`]: observation's shared list requests (the environment, the networks, their
//!   accesses and Kafka clusters), each made once for all the plans of a run
//!   ([`crate::Engine::with_shared_reads`]).
//! - [`conflicts`]: plans that describe a shared step differently (another CKU count, another
//!   CIDR) cannot both be applied: neither is.
//! - [`Observed::uses`] and [`keep_for`]: destroy of some plans of a set keeps what the others
//!   still use, saying which plan holds it; [`split_shared`] puts the deletes of what several
//!   destroyed plans share after all of them.
//!
//! The request budget per API key that keeps a fleet under the vendors' rate limits is the
//! clients' own ([`linkplan_http::budget`]): one engine, one client per key, one budget.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use tokio::sync::{Notify, OnceCell, Semaphore, SemaphorePermit};

use crate::Engine;
use crate::apply::{ApplyError, ApplyReport};
use crate::desired::Desired;
use crate::journal::Journal;
use crate::observe::Observed;
use crate::progress::Progress;
use crate::step::{Action, Step, StepError, StepId, StepPlan};

/// Terraform's default `-parallelism`.
pub const DEFAULT_PARALLELISM: usize = 10;

/// What the applies of one run share (see the module documentation). One per run; a single
/// plan's apply gets its own.
#[derive(Debug)]
pub struct Fleet {
    permits: Semaphore,
    /// Steps that waited for a free slot ([`Fleet::queued`]).
    queued: AtomicUsize,
    slots: Mutex<HashMap<StepId, Arc<Slot>>>,
}

#[derive(Debug, Default)]
struct Slot {
    state: Mutex<SlotState>,
    changed: Notify,
}

#[derive(Debug, Clone, Default)]
enum SlotState {
    #[default]
    Open,
    Running {
        plan: String,
    },
    Done,
    Failed {
        plan: String,
        error: String,
    },
}

/// A plan's turn at a step (see [`Fleet::turn`]).
pub(crate) enum Turn<'a> {
    /// Run it: nobody has, or someone did and this plan's run will find the resource.
    Run(Lead<'a>),
    /// Another plan ran it and failed: fail with this.
    Failed { plan: String, error: String },
}

/// The right to run a step; settles the step's slot when done (back to open when dropped
/// unsettled: a run stopped by Ctrl-C or a kill lets the next plan try).
pub(crate) struct Lead<'a> {
    slot: Option<Arc<Slot>>,
    plan: String,
    _permit: Option<SemaphorePermit<'a>>,
}

impl Lead<'_> {
    /// The step ended: later plans run theirs (after a success) or fail with this error.
    pub(crate) fn settle(mut self, result: &Result<crate::steps::StepOutcome, StepError>) {
        if let Some(slot) = self.slot.take() {
            let mut state = slot.state.lock().unwrap_or_else(PoisonError::into_inner);
            // A follower's result does not replace the leader's record.
            if matches!(*state, SlotState::Running { .. }) {
                *state = match result {
                    Ok(_) => SlotState::Done,
                    Err(e) => SlotState::Failed { plan: self.plan.clone(), error: e.to_string() },
                };
            }
            drop(state);
            slot.changed.notify_waiters();
        }
    }
}

impl Drop for Lead<'_> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            let mut state = slot.state.lock().unwrap_or_else(PoisonError::into_inner);
            if matches!(*state, SlotState::Running { .. }) {
                *state = SlotState::Open;
            }
            drop(state);
            slot.changed.notify_waiters();
        }
    }
}

impl Fleet {
    /// At most `parallelism` steps running at once (at least one).
    pub fn new(parallelism: usize) -> Fleet {
        Fleet {
            permits: Semaphore::new(parallelism.max(1)),
            slots: Mutex::new(HashMap::new()),
            queued: AtomicUsize::new(0),
        }
    }

    /// How many steps so far found every slot taken and waited for one: when it is more than
    /// none, a larger `--parallelism` would have started them sooner.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Wait for `plan`'s turn at `step`: while another plan runs it, `waiting(that plan)` is
    /// called once and this waits; then a permit is taken. Deletes are never shared (destroy
    /// puts a shared delete in one plan: [`split_shared`]), only bounded.
    pub(crate) async fn turn(&self, plan: &str, step: &Step, waiting: impl FnOnce(&str)) -> Turn<'_> {
        let mut waiting = Some(waiting);
        let slot = if step.action == Action::Delete {
            None
        } else {
            let slot = {
                let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
                Arc::clone(slots.entry(step.id.clone()).or_default())
            };
            let ran_before = loop {
                let changed = slot.changed.notified();
                {
                    let mut state = slot.state.lock().unwrap_or_else(PoisonError::into_inner);
                    match &*state {
                        SlotState::Open => {
                            *state = SlotState::Running { plan: plan.to_owned() };
                            break false;
                        }
                        SlotState::Done => break true,
                        SlotState::Failed { plan, error } => {
                            return Turn::Failed { plan: plan.clone(), error: error.clone() };
                        }
                        SlotState::Running { plan: other } => {
                            if let Some(waiting) = waiting.take() {
                                waiting(other);
                            }
                        }
                    }
                }
                changed.await;
            };
            // Only the first runner settles the slot.
            (!ran_before).then_some(slot)
        };
        if self.permits.available_permits() == 0 {
            self.queued.fetch_add(1, Ordering::Relaxed);
        }
        let permit = self.permits.acquire().await.ok();
        Turn::Run(Lead { slot, plan: plan.to_owned(), _permit: permit })
    }
}

impl Default for Fleet {
    fn default() -> Fleet {
        Fleet::new(DEFAULT_PARALLELISM)
    }
}

/// Observation's list requests, made once per run for every plan that asks the same.
#[derive(Debug, Default)]
pub struct Reads {
    pub(crate) environments: Memo<bool>,
    pub(crate) networks: Memo<Vec<linkplan_confluent::resources::networks::Network>>,
    pub(crate) accesses: Memo<Vec<linkplan_confluent::resources::private_link_accesses::PrivateLinkAccess>>,
    pub(crate) clusters: Memo<Vec<linkplan_confluent::resources::clusters::Cluster>>,
}

/// One kind of read, by its request: the first caller makes it, concurrent callers wait for its
/// answer. A failed read is not kept (the next caller asks again).
#[derive(Debug)]
pub(crate) struct Memo<T> {
    cells: Mutex<HashMap<String, Arc<OnceCell<T>>>>,
}

impl<T> Default for Memo<T> {
    fn default() -> Memo<T> {
        Memo { cells: Mutex::new(HashMap::new()) }
    }
}

impl<T: Clone> Memo<T> {
    pub(crate) async fn get<E, F>(&self, key: String, read: F) -> Result<T, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(cells.entry(key).or_default())
        };
        cell.get_or_try_init(|| read).await.cloned()
    }
}

/// A shared step two plans describe differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub step: StepId,
    /// The plans (their labels) whose steps differ.
    pub plans: Vec<String>,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} describe {} differently (another value for the same resource): make them agree, or give one \
             its own resource",
            self.plans.join(" and "),
            self.step
        )
    }
}

/// Shared steps (the same id in several plans) whose action, changes or request differ.
pub fn conflicts<'a>(plans: impl IntoIterator<Item = (&'a str, &'a StepPlan)>) -> Vec<Conflict> {
    let mut by_id: BTreeMap<&StepId, Vec<(&str, &Step)>> = BTreeMap::new();
    for (label, plan) in plans {
        for step in &plan.steps {
            by_id.entry(&step.id).or_default().push((label, step));
        }
    }
    by_id
        .into_iter()
        .filter_map(|(id, steps)| {
            let (_, first) = steps.first()?;
            let differ = steps
                .iter()
                .any(|(_, s)| s.action != first.action || s.changes != first.changes || s.details != first.details);
            differ.then(|| Conflict { step: id.clone(), plans: steps.iter().map(|(l, _)| (*l).to_owned()).collect() })
        })
        .collect()
}

/// How many plans of a set have each step (2 or more: it is shared).
pub fn sharing<'a>(plans: impl IntoIterator<Item = (&'a str, &'a StepPlan)>) -> BTreeMap<StepId, Vec<String>> {
    let mut by_id: BTreeMap<StepId, Vec<String>> = BTreeMap::new();
    for (label, plan) in plans {
        for step in &plan.steps {
            by_id.entry(step.id.clone()).or_default().push(label.to_owned());
        }
    }
    by_id.retain(|_, plans| plans.len() > 1);
    by_id
}

impl Observed {
    /// The ids of the live resources this plan stands on (the network, TiDB's access to it, the
    /// Kafka cluster, the connection, the changefeed's service account): what destroying another
    /// plan must not take away.
    pub fn uses(&self, desired: &Desired) -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        if let Some(network) = &self.network {
            ids.insert(network.id.clone());
        }
        if let Some(access) = self.account(desired).and_then(|a| self.access_for(a)) {
            ids.insert(access.id.clone());
        }
        if let Some(cluster) = &self.cluster {
            ids.insert(cluster.id.clone());
        }
        if let Some(connection) = &self.connection {
            ids.insert(connection.id.clone());
        }
        if let Some(sa) = self.cdc.as_ref().and_then(|c| c.service_account.as_ref()) {
            ids.insert(sa.id.clone());
        }
        ids
    }
}

/// The live id a destroy step deletes (its `id` detail).
fn deletes(step: &Step) -> Option<&str> {
    (step.action == Action::Delete).then(|| step.details.iter().find(|(k, _)| k == "id").map(|(_, v)| v.as_str()))?
}

/// Destroy of some plans of a set: every delete of a resource another plan of the set (not
/// destroyed) still uses becomes `=`, kept, naming that plan. `holders` are the other plans'
/// labels and [`Observed::uses`]. Returns the steps kept.
pub fn keep_for(plan: &mut StepPlan, holders: &[(String, BTreeSet<String>)]) -> Vec<StepId> {
    let mut kept = Vec::new();
    for step in &mut plan.steps {
        let Some(id) = deletes(step).map(str::to_owned) else { continue };
        let users: Vec<&str> = holders.iter().filter(|(_, ids)| ids.contains(&id)).map(|(l, _)| l.as_str()).collect();
        if users.is_empty() {
            continue;
        }
        step.action = Action::Unchanged;
        step.summary = format!("kept: {} still use{} it", users.join(", "), if users.len() == 1 { "s" } else { "" });
        step.depends_on.clear();
        kept.push(step.id.clone());
    }
    // A step that waited for a delete that no longer happens waits for nothing.
    let kept_ids: BTreeSet<&StepId> = kept.iter().collect();
    for step in &mut plan.steps {
        step.depends_on.retain(|d| !kept_ids.contains(d));
    }
    kept
}

/// Destroy of several plans together: the deletes of a resource more than one of them uses
/// (`uses`, by plan index) are taken out of each plan and returned, one step per resource (in
/// the order destroy deletes, with the index of the plan whose journal owns it), to run once
/// every plan's own deletes are done.
pub fn split_shared(plans: &mut [StepPlan], uses: &[BTreeSet<String>]) -> Vec<(usize, Step)> {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for ids in uses {
        for id in ids {
            *count.entry(id.as_str()).or_default() += 1;
        }
    }
    let shared: BTreeSet<String> = count.into_iter().filter(|(_, n)| *n > 1).map(|(id, _)| id.to_owned()).collect();
    let mut later: Vec<(usize, Step)> = Vec::new();
    for (index, plan) in plans.iter_mut().enumerate() {
        let mut moved = BTreeSet::new();
        plan.steps.retain(|step| match deletes(step) {
            Some(id) if shared.contains(id) => {
                if !later.iter().any(|(_, s)| deletes(s) == Some(id)) {
                    later.push((index, step.clone()));
                }
                moved.insert(step.id.clone());
                false
            }
            _ => true,
        });
        for step in &mut plan.steps {
            step.depends_on.retain(|d| !moved.contains(d));
        }
    }
    // Destroy order: the step table walked backwards (the plans list deletes in that order).
    let order = |s: &Step| crate::steps::STEPS.iter().rposition(|d| d.kind == s.kind).unwrap_or(0);
    later.sort_by_key(|(_, s)| std::cmp::Reverse(order(s)));
    let ids: Vec<StepId> = later.iter().map(|(_, s)| s.id.clone()).collect();
    for (_, step) in &mut later {
        step.depends_on.retain(|d| ids.contains(d));
    }
    later
}

/// One plan of a run that applies several ([`Engine::apply_all`]).
pub struct Member<'a> {
    /// The plan's name in messages and progress (its file).
    pub label: &'a str,
    pub desired: &'a Desired,
    pub plan: &'a StepPlan,
    pub journal: &'a Journal,
    pub progress: &'a dyn Progress,
}

impl Engine {
    /// Apply every member at once, sharing `fleet`: each plan's result, in the members' order.
    /// One plan failing stops none of the others (except through a step they share).
    pub async fn apply_all(&self, members: &[Member<'_>], fleet: &Fleet) -> Vec<Result<ApplyReport, ApplyError>> {
        type Running<'a> = Pin<Box<dyn Future<Output = (usize, Result<ApplyReport, ApplyError>)> + Send + 'a>>;
        let mut running: Vec<Running<'_>> = members
            .iter()
            .enumerate()
            .map(|(i, m)| {
                Box::pin(
                    async move { (i, self.apply_in(m.desired, m.plan, m.journal, m.progress, fleet, m.label).await) },
                ) as Running<'_>
            })
            .collect();
        let mut results: Vec<Option<Result<ApplyReport, ApplyError>>> = members.iter().map(|_| None).collect();
        while !running.is_empty() {
            let (i, result) = poll_fn(|cx| {
                for idx in 0..running.len() {
                    if let Poll::Ready(out) = running[idx].as_mut().poll(cx) {
                        drop(running.swap_remove(idx));
                        return Poll::Ready(out);
                    }
                }
                Poll::Pending
            })
            .await;
            if let Some(slot) = results.get_mut(i) {
                *slot = Some(result);
            }
        }
        results.into_iter().map(|r| r.unwrap_or_else(|| Err(ApplyError::Blocked { reasons: Vec::new() }))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::StepKind;

    fn step(id: &str, kind: StepKind, action: Action, live: &str) -> Step {
        Step {
            id: StepId::parse(id).unwrap_or_else(|| panic!("{id} is a step id")),
            kind,
            action,
            depends_on: Vec::new(),
            summary: String::new(),
            details: vec![("id".to_owned(), live.to_owned())],
            changes: Vec::new(),
        }
    }

    fn plan(steps: Vec<Step>) -> StepPlan {
        StepPlan {
            version: crate::step::PLAN_VERSION,
            context: Vec::new(),
            steps,
            blockers: Vec::new(),
            drift: Vec::new(),
            resolved: crate::step::Resolved::default(),
            observed_fingerprint: String::new(),
            destroy: true,
        }
    }

    #[test]
    fn a_delete_another_plan_needs_is_kept_and_names_that_plan() {
        let network = step("confluent.network/env-1/shared", StepKind::CreateNetwork, Action::Delete, "n-1");
        let mut connection =
            step("tidbcloud.private_link_connection/c-1/n-1", StepKind::PrivateLinkConnection, Action::Delete, "plc-1");
        connection.depends_on = Vec::new();
        let mut network_after = network.clone();
        network_after.depends_on = vec![connection.id.clone()];
        let mut p = plan(vec![connection, network_after]);
        let holders = vec![("b.yaml".to_owned(), BTreeSet::from(["n-1".to_owned()]))];
        let kept = keep_for(&mut p, &holders);
        assert_eq!(kept, vec![network.id.clone()]);
        let kept_step = &p.steps[1];
        assert_eq!(kept_step.action, Action::Unchanged);
        assert_eq!(kept_step.summary, "kept: b.yaml still uses it");
        assert_eq!(p.steps[0].action, Action::Delete);
    }

    #[test]
    fn what_destroyed_plans_share_is_deleted_once_after_them() {
        let connection = |c: &str| {
            step(
                &format!("tidbcloud.private_link_connection/{c}/n-1"),
                StepKind::PrivateLinkConnection,
                Action::Delete,
                &format!("plc-{c}"),
            )
        };
        let mut network = step("confluent.network/env-1/shared", StepKind::CreateNetwork, Action::Delete, "n-1");
        let access =
            step("confluent.private_link_access/n-1/123", StepKind::PrivateLinkAccess, Action::Delete, "pla-1");
        network.depends_on = vec![access.id.clone()];
        let mut a = plan(vec![connection("a"), access.clone(), network.clone()]);
        let b = plan(vec![connection("b")]);
        let uses = vec![
            BTreeSet::from(["n-1".to_owned(), "pla-1".to_owned(), "plc-a".to_owned()]),
            BTreeSet::from(["n-1".to_owned(), "pla-1".to_owned(), "plc-b".to_owned()]),
        ];
        let mut plans = vec![a.clone(), b];
        let later = split_shared(&mut plans, &uses);
        a.steps.truncate(1);
        assert_eq!(plans[0].steps, a.steps);
        let order: Vec<(usize, &str)> = later.iter().map(|(i, s)| (*i, s.id.as_str())).collect();
        assert_eq!(order, vec![(0, access.id.as_str()), (0, network.id.as_str())]);
        assert_eq!(later[1].1.depends_on, vec![access.id.clone()]);
    }

    #[test]
    fn plans_that_describe_a_shared_step_differently_conflict() {
        let a = plan(vec![step("confluent.cluster/n-1/orders", StepKind::Cluster, Action::Unchanged, "lkc-1")]);
        let mut changed = step("confluent.cluster/n-1/orders", StepKind::Cluster, Action::Update, "lkc-1");
        changed.changes = vec![crate::step::Change {
            key: "cku".to_owned(),
            from: "1".to_owned(),
            to: "2".to_owned(),
            forces_replacement: false,
        }];
        let b = plan(vec![changed]);
        let same = a.clone();
        assert_eq!(conflicts([("a.yaml", &a), ("c.yaml", &same)]), Vec::new());
        let found = conflicts([("a.yaml", &a), ("b.yaml", &b)]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].plans, vec!["a.yaml", "b.yaml"]);
    }
}
