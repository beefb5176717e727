//! One module per [`StepKind`](crate::StepKind), plus what they share: the apply context, the
//! outcome, the error, and the glue between the single polling loop and progress reporting.
//!
//! Every step follows the same contract (each file's docs spell it out): look the resource up
//! by its natural key, create it only when absent (re-listing after an ambiguous failure), then
//! wait for its lifecycle through [`crate::wait::wait_for`].

pub mod api_key;
pub mod attach_domains;
pub mod changefeed;
pub mod cluster;
pub mod create_network;
pub mod private_link_access;
pub mod private_link_connection;
pub mod role_bindings;
pub mod service_account;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use linkplan_confluent::resources::Phase;

use crate::Engine;
use crate::desired::Desired;
use crate::destroy::{ReverseStep, Reverser};
use crate::diff::Planner;
use crate::journal::{Journal, JournalEvent};
use crate::observe::with_causes;
use crate::progress::{Event, Progress};
use crate::step::{Resolved, Step, StepId, StepKind, Vendor};
use crate::wait::{Acceptor, Transient, WaitError, WaitPolicy, wait_for};

/// A step's apply or delete, as the table holds it.
pub(crate) type StepFuture<'a> = Pin<Box<dyn Future<Output = Result<StepOutcome, StepError>> + Send + 'a>>;

/// Everything the engine knows about one kind of step, in one place (as `RULES` is for lint
/// rules): what it must come after, how it is planned, undone, applied and deleted. Each
/// function lives in `steps/<kind>.rs`.
pub(crate) struct StepDef {
    pub(crate) kind: StepKind,
    /// The kinds whose steps must succeed first; destroy runs these edges reversed (a delete
    /// waits for the deletes of the kinds that come after it).
    pub(crate) after: &'static [StepKind],
    /// The plan's step for this kind, if the plan needs one.
    pub(crate) plan: fn(&mut Planner<'_>, &Resolved, Vec<StepId>) -> Option<StepId>,
    /// The destroy plan's step for this kind: `-` or `=` with why; `None` when nothing is live.
    pub(crate) reverse: fn(&mut Reverser<'_>) -> Option<ReverseStep>,
    pub(crate) apply: for<'a, 'b> fn(&'a ApplyCtx<'b>, &'a Step) -> StepFuture<'a>,
    pub(crate) delete: for<'a, 'b> fn(&'a ApplyCtx<'b>, &'a Step) -> StepFuture<'a>,
}

/// Every step kind, in an order that lists each after the kinds it needs (destroy walks it
/// backwards). Adding a step: a `StepKind`, a `steps/<kind>.rs` with the four functions, one
/// entry here.
pub(crate) const STEPS: &[StepDef] = &[
    StepDef {
        kind: StepKind::CreateNetwork,
        after: &[],
        plan: create_network::plan,
        reverse: create_network::reverse,
        apply: |ctx, step| Box::pin(create_network::apply(ctx, step)),
        delete: |ctx, step| Box::pin(create_network::delete(ctx, step)),
    },
    StepDef {
        kind: StepKind::Cluster,
        after: &[StepKind::CreateNetwork],
        plan: cluster::plan,
        reverse: cluster::reverse,
        apply: |ctx, step| {
            if step.action == crate::step::Action::Replace {
                Box::pin(cluster::replace(ctx, step))
            } else {
                Box::pin(cluster::apply(ctx, step))
            }
        },
        delete: |ctx, step| Box::pin(cluster::delete(ctx, step)),
    },
    StepDef {
        kind: StepKind::PrivateLinkAccess,
        after: &[StepKind::CreateNetwork],
        plan: private_link_access::plan,
        reverse: private_link_access::reverse,
        apply: |ctx, step| Box::pin(private_link_access::apply(ctx, step)),
        delete: |ctx, step| Box::pin(private_link_access::delete(ctx, step)),
    },
    StepDef {
        kind: StepKind::PrivateLinkConnection,
        // Needs the network's endpoint service and a READY access for TiDB's account (AWS
        // refuses an account the service does not allow); not the Kafka cluster.
        after: &[StepKind::PrivateLinkAccess],
        plan: private_link_connection::plan,
        reverse: private_link_connection::reverse,
        apply: |ctx, step| {
            if step.action == crate::step::Action::Replace {
                Box::pin(private_link_connection::replace(ctx, step))
            } else {
                Box::pin(private_link_connection::apply(ctx, step))
            }
        },
        delete: |ctx, step| Box::pin(private_link_connection::delete(ctx, step)),
    },
    StepDef {
        kind: StepKind::AttachDomains,
        after: &[StepKind::PrivateLinkConnection],
        plan: attach_domains::plan,
        reverse: attach_domains::reverse,
        apply: |ctx, step| Box::pin(attach_domains::apply(ctx, step)),
        delete: |ctx, step| Box::pin(attach_domains::delete(ctx, step)),
    },
    StepDef {
        kind: StepKind::ServiceAccount,
        // Control plane only: it runs at once, beside the network.
        after: &[],
        plan: service_account::plan,
        reverse: service_account::reverse,
        apply: |ctx, step| Box::pin(service_account::apply(ctx, step)),
        delete: |ctx, step| Box::pin(service_account::delete(ctx, step)),
    },
    StepDef {
        kind: StepKind::ApiKey,
        after: &[StepKind::ServiceAccount, StepKind::Cluster],
        plan: api_key::plan,
        reverse: api_key::reverse,
        apply: |ctx, step| Box::pin(api_key::apply(ctx, step)),
        delete: |ctx, step| Box::pin(api_key::delete(ctx, step)),
    },
    StepDef {
        kind: StepKind::RoleBindings,
        after: &[StepKind::ServiceAccount, StepKind::Cluster],
        plan: role_bindings::plan,
        reverse: role_bindings::reverse,
        apply: |ctx, step| Box::pin(role_bindings::apply(ctx, step)),
        delete: |ctx, step| Box::pin(role_bindings::delete(ctx, step)),
    },
    StepDef {
        kind: StepKind::Changefeed,
        // The only step that needs the Kafka cluster and the link both.
        after: &[StepKind::AttachDomains, StepKind::Cluster, StepKind::ApiKey, StepKind::RoleBindings],
        plan: changefeed::plan,
        reverse: changefeed::reverse,
        apply: |ctx, step| Box::pin(changefeed::apply(ctx, step)),
        delete: |ctx, step| Box::pin(changefeed::delete(ctx, step)),
    },
];

/// The table's entry for `kind` (the match is exhaustive: a new kind needs its place here; a
/// test checks each place holds its kind).
pub(crate) fn def(kind: StepKind) -> &'static StepDef {
    &STEPS[match kind {
        StepKind::CreateNetwork => 0,
        StepKind::Cluster => 1,
        StepKind::PrivateLinkAccess => 2,
        StepKind::PrivateLinkConnection => 3,
        StepKind::AttachDomains => 4,
        StepKind::ServiceAccount => 5,
        StepKind::ApiKey => 6,
        StepKind::RoleBindings => 7,
        StepKind::Changefeed => 8,
    }]
}

// The step's error and outcome are plan types (progress reports them too): `crate::step`.
pub use crate::step::{StepError, StepOutcome};

/// What every step's `apply` gets.
pub struct ApplyCtx<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) desired: &'a Desired,
    pub(crate) resolved: Mutex<Resolved>,
    pub(crate) progress: &'a dyn Progress,
    pub(crate) journal: &'a Journal,
    /// The Kafka API key the key step made and its secret, from the create answer straight to
    /// the changefeed step: in memory only, taken once.
    pub(crate) kafka_key: Mutex<Option<(String, linkplan_tidbcloud::Secret)>>,
}

impl ApplyCtx<'_> {
    /// Keep a new key's secret for the changefeed step (see [`ApplyCtx::kafka_key`]).
    pub(crate) fn hand_over_key(&self, id: String, secret: linkplan_confluent::Secret) {
        let secret = linkplan_tidbcloud::Secret::new(secret.expose());
        *self.kafka_key.lock().unwrap_or_else(PoisonError::into_inner) = Some((id, secret));
    }

    /// The key the key step made in this run, and its secret (once).
    pub(crate) fn take_key(&self) -> Option<(String, linkplan_tidbcloud::Secret)> {
        self.kafka_key.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    /// A copy of the resolved values (the lock is never held across an `.await`).
    pub(crate) fn resolved(&self) -> Resolved {
        self.resolved.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub(crate) fn update(&self, f: impl FnOnce(&mut Resolved)) {
        f(&mut self.resolved.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// Journal that a create request for `step` is about to go out: from now on the resource
    /// may exist, and it is linkplan's ([`Journal::owned`]).
    pub(crate) fn create_sent(&self, step: &Step) -> Result<(), StepError> {
        let entry = self.engine.entry(step, JournalEvent::CreateSent, None, None);
        self.journal.record(&entry).map_err(|e| {
            StepError::new(
                step,
                "recording the create in the journal",
                e.to_string(),
                Some("check the journal's disk, then run apply again".to_owned()),
            )
        })
    }

    /// Wait through the single polling loop, reporting each pending state as progress.
    pub(crate) async fn wait<T, E, F, Fut>(
        &self,
        step: &Step,
        policy: WaitPolicy,
        poll: F,
        accept: impl Fn(&T) -> Acceptor,
    ) -> Result<T, WaitError<E>>
    where
        E: std::error::Error + Transient + 'static,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let clock = self.engine.clock.as_ref();
        let start = clock.now();
        let on_pending = |state: &str| {
            let elapsed = clock.now().saturating_sub(start);
            self.progress.event(&Event::Waiting { step: &step.id, state, elapsed });
        };
        let seed = crate::clock::seed_of(step.id.as_str());
        // The wait polls its vendor's API key: it takes its share of that key's budget.
        let budget = match step.kind.vendor() {
            Vendor::TidbCloud => self.engine.tidb.budget(),
            Vendor::Confluent => self.engine.confluent.budget(),
        };
        let poller = budget.poller();
        wait_for(clock, policy, seed, poll, accept, &on_pending, &|| poller.spacing()).await
    }
}

/// A [`WaitError`] as a [`StepError`]; `hint` says what to try for a failed state.
pub(crate) fn wait_failed<E: std::error::Error>(
    step: &Step,
    doing: &str,
    error: WaitError<E>,
    hint: impl FnOnce(&str) -> Option<String>,
) -> StepError {
    match error {
        WaitError::TimedOut { elapsed, last_state, .. } => StepError::new(
            step,
            doing,
            format!("still {last_state} after {}", minutes(elapsed)),
            hint(&last_state)
                .or_else(|| Some("run apply again to keep waiting; it resumes where it stopped".to_owned())),
        ),
        WaitError::FailedState { state, reason } => {
            StepError::new(step, doing, format!("{state}: {reason}"), hint(&state))
        }
        WaitError::Poll(e) => StepError::new(step, doing, with_causes(&e), retry_hint()),
    }
}

pub(crate) fn retry_hint() -> Option<String> {
    Some("run apply again: every step looks its resource up before creating it".to_owned())
}

fn minutes(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 120 { format!("{secs}s") } else { format!("{} min", secs / 60) }
}

/// Confluent's READY / PROVISIONING / FAILED lifecycle (networks, accesses) as an [`Acceptor`].
pub(crate) fn phase_acceptor(phase: Option<&Phase>, error: Option<&str>) -> Acceptor {
    match phase {
        Some(Phase::Ready) => Acceptor::Ready,
        Some(Phase::Failed) => failed(Phase::Failed.as_str(), error),
        Some(p) => Acceptor::Pending(p.to_string()),
        None => Acceptor::Pending("(no phase)".to_owned()),
    }
}

/// A terminal failure state and the vendor's reason, if it gave one.
pub(crate) fn failed(state: &str, reason: Option<&str>) -> Acceptor {
    Acceptor::Failed { state: state.to_owned(), reason: reason.unwrap_or("no reason given").to_owned() }
}

/// After a delete: poll until the resource is gone (`poll` answers `None`).
pub(crate) async fn wait_gone<T, E, F, Fut>(
    ctx: &ApplyCtx<'_>,
    step: &Step,
    policy: WaitPolicy,
    poll: F,
    state: impl Fn(&T) -> String,
) -> Result<(), StepError>
where
    E: std::error::Error + Transient + 'static,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, E>>,
{
    let accept = |found: &Option<T>| match found {
        None => Acceptor::Ready,
        Some(t) => Acceptor::Pending(state(t)),
    };
    ctx.wait(step, policy, poll, accept)
        .await
        .map(drop)
        .map_err(|e| wait_failed(step, "waiting for the deletion", e, |_| retry_hint()))
}

/// How many times a create is sent in all, when every ambiguous failure is followed by lookups
/// that still find nothing.
const CREATE_ATTEMPTS: u32 = 3;

/// How long to let a vendor's list catch up with a create that may have landed, before the
/// second lookup.
const SETTLE: Duration = Duration::from_secs(5);

/// Create a resource the natural-key lookup did not find. After a failure `settles` accepts
/// (an ambiguous one — a timeout, a dropped connection, a 5xx — or a 409), look it up again, at
/// once and after [`SETTLE`]: found → adopt it (ours, or a concurrent apply's); still absent →
/// the request never took effect, so send it again, up to [`CREATE_ATTEMPTS`] in all. Any other
/// error fails the step. Returns the resource and how many creates were sent (each may have
/// landed late: [`keep_oldest`] cleans up after them).
pub(crate) async fn create_unless_found<T, E, F, FindFut, C, CreateFut>(
    ctx: &ApplyCtx<'_>,
    step: &Step,
    find: F,
    create: C,
    settles: impl Fn(&E) -> bool,
    fail: impl Fn(E) -> StepError,
) -> Result<(T, u32), StepError>
where
    F: Fn() -> FindFut,
    FindFut: Future<Output = Result<Option<T>, StepError>>,
    C: Fn() -> CreateFut,
    CreateFut: Future<Output = Result<T, E>>,
{
    let clock = ctx.engine.clock.as_ref();
    let mut sent = 0;
    loop {
        sent += 1;
        ctx.create_sent(step)?;
        let error = match create().await {
            Ok(made) => return Ok((made, sent)),
            Err(e) if settles(&e) => e,
            Err(e) => return Err(fail(e)),
        };
        if let Some(found) = find().await? {
            return Ok((found, sent));
        }
        clock.sleep(SETTLE).await;
        if let Some(found) = find().await? {
            return Ok((found, sent));
        }
        if sent >= CREATE_ATTEMPTS {
            return Err(fail(error));
        }
    }
}

/// Two applies that share no lock (two machines, two journals) can both find nothing and both
/// create; a create that timed out can land after its retry. So once a resource this apply
/// created is ready (minutes later, when every such create is long visible), list the live
/// resources with the natural key: all racers sort them the same way (oldest first, then id;
/// FAILED ones left out) and keep the first. Ours (`ours`), if it is not the first, is deleted;
/// when this apply sent several creates (`sent`), every other duplicate is too, since any of
/// them may be ours and a racer keeps only the first anyway. Returns `Some(first)` when the
/// caller must adopt (and wait for) another resource than `ours`.
pub(crate) async fn keep_oldest<T, L, LFut, D, DFut>(
    ours: &str,
    sent: u32,
    id: fn(&T) -> &str,
    list: L,
    delete: D,
) -> Result<Option<T>, StepError>
where
    L: FnOnce() -> LFut,
    LFut: Future<Output = Result<Vec<T>, StepError>>,
    D: Fn(String) -> DFut,
    DFut: Future<Output = Result<(), StepError>>,
{
    let mut all = list().await?.into_iter();
    let Some(first) = all.next() else { return Ok(None) };
    for other in all {
        if id(&other) == ours || sent > 1 {
            delete(id(&other).to_owned()).await?;
        }
    }
    Ok((id(&first) != ours).then_some(first))
}

/// Wait for resource `id` (`wait` gets the id, polls through [`ApplyCtx::wait`] and maps its
/// error); then, when this step sent creates (`sent`), [`keep_oldest`]: if another resource is
/// kept, adopt it and wait for that one. A resource this step only found (`sent == 0`) is
/// checked the same way, deleting nothing: a racer that created at the same instant keeps the
/// oldest, so the found one may be a duplicate its creator is deleting, and the id this step
/// reports must be the one that survives. Returns the id kept, what its wait returned, and
/// whether it is one this step created.
pub(crate) async fn wait_keeping_oldest<T, R, W, WFut, L, LFut, D, DFut>(
    mut id: String,
    mut sent: u32,
    wait: W,
    id_of: fn(&T) -> &str,
    list: L,
    delete: D,
) -> Result<(String, R, bool), StepError>
where
    W: Fn(String) -> WFut,
    WFut: Future<Output = Result<R, StepError>>,
    L: Fn() -> LFut,
    LFut: Future<Output = Result<Vec<T>, StepError>>,
    D: Fn(String) -> DFut,
    DFut: Future<Output = Result<(), StepError>>,
{
    let mut created = sent > 0;
    // Each round adopts an older resource than the last; a few rounds settle any race.
    for _ in 0..ADOPT_ROUNDS {
        let ready = wait(id.clone()).await?;
        let first = if sent == 0 {
            list().await?.into_iter().next().filter(|first| id_of(first) != id)
        } else {
            keep_oldest(&id, sent, id_of, &list, &delete).await?
        };
        match first {
            Some(first) => (id, sent, created) = (id_of(&first).to_owned(), 0, false),
            None => return Ok((id, ready, created)),
        }
    }
    let ready = wait(id.clone()).await?;
    Ok((id, ready, created))
}

/// How many times [`wait_keeping_oldest`] adopts an older resource before it settles for the one
/// it has.
const ADOPT_ROUNDS: usize = 3;

/// A resource id the plan recorded, or an error naming what is missing.
pub(crate) fn recorded(step: &Step, doing: &str, id: Option<String>) -> Result<String, StepError> {
    id.ok_or_else(|| StepError::new(step, doing, "the plan recorded no id for it", retry_hint()))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// `keep_oldest` on a listing (oldest first); returns what it adopted and what it deleted.
    async fn keep(listing: &[&'static str], ours: &str, sent: u32) -> (Option<&'static str>, Vec<String>) {
        let deleted = Mutex::new(Vec::new());
        let delete = |id: String| {
            deleted.lock().unwrap_or_else(PoisonError::into_inner).push(id);
            async { Ok(()) }
        };
        let list = || async { Ok(listing.to_vec()) };
        let adopted =
            keep_oldest(ours, sent, |s: &&'static str| *s, list, delete).await.unwrap_or_else(|e| panic!("{e}"));
        (adopted, deleted.into_inner().unwrap_or_else(PoisonError::into_inner))
    }

    #[test]
    fn the_table_has_every_kind_once_each_after_what_it_needs() {
        let kinds: Vec<StepKind> = STEPS.iter().map(|d| d.kind).collect();
        assert_eq!(kinds.len(), StepKind::ALL.len());
        for kind in StepKind::ALL {
            assert_eq!(super::def(kind).kind, kind, "def({kind:?})");
        }
        for (i, def) in STEPS.iter().enumerate() {
            assert_eq!(kinds.iter().filter(|k| **k == def.kind).count(), 1, "{:?} listed once", def.kind);
            for needed in def.after {
                let at = kinds.iter().position(|k| k == needed);
                assert!(at.is_some_and(|at| at < i), "{:?} comes after {needed:?}", def.kind);
            }
        }
    }

    #[tokio::test]
    async fn the_oldest_is_kept_and_only_our_duplicates_go() {
        // Alone, or the oldest: kept, nothing deleted (a racer's newer one is the racer's to delete).
        assert_eq!(keep(&["ours"], "ours", 1).await, (None, vec![]));
        assert_eq!(keep(&["ours", "theirs"], "ours", 1).await, (None, vec![]));
        // A racer's is older: ours goes, theirs is adopted.
        assert_eq!(keep(&["theirs", "ours"], "ours", 1).await, (Some("theirs"), vec!["ours".to_owned()]));
        // Several creates sent (a timed-out one landed late): every duplicate but the oldest goes.
        assert_eq!(
            keep(&["early", "ours", "late"], "ours", 2).await,
            (Some("early"), vec!["ours".to_owned(), "late".to_owned()])
        );
        assert_eq!(keep(&["ours", "late"], "ours", 3).await, (None, vec!["late".to_owned()]));
        // Nothing listed (gone meanwhile): keep what we have.
        assert_eq!(keep(&[], "ours", 1).await, (None, vec![]));
    }

    /// [`wait_keeping_oldest`] over a world that lists `listing` (oldest first) after every
    /// wait; returns the id it reports, whether it says it created it, what it waited for and
    /// what it deleted.
    async fn settle(listing: &[&'static str], found: &str, sent: u32) -> (String, bool, Vec<String>, Vec<String>) {
        let (waited, deleted) = (Mutex::new(Vec::new()), Mutex::new(Vec::new()));
        let wait = |id: String| {
            waited.lock().unwrap_or_else(PoisonError::into_inner).push(id);
            async { Ok(()) }
        };
        let delete = |id: String| {
            deleted.lock().unwrap_or_else(PoisonError::into_inner).push(id);
            async { Ok(()) }
        };
        let list = || async { Ok(listing.to_vec()) };
        let (id, (), created) = wait_keeping_oldest(found.to_owned(), sent, wait, |s: &&'static str| *s, list, delete)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let inner = |m: Mutex<Vec<String>>| m.into_inner().unwrap_or_else(PoisonError::into_inner);
        (id, created, inner(waited), inner(deleted))
    }

    #[tokio::test]
    async fn a_found_resource_that_is_not_the_oldest_is_given_up_for_the_survivor() {
        // Found a racer's newer duplicate (its creator is deleting it): report the oldest,
        // delete nothing, and wait for the one reported.
        let (id, created, waited, deleted) = settle(&["oldest", "found"], "found", 0).await;
        assert_eq!((id.as_str(), created), ("oldest", false));
        assert_eq!(waited, ["found", "oldest"]);
        assert!(deleted.is_empty(), "{deleted:?}");
        // Found the oldest: one list, nothing else.
        assert_eq!(
            settle(&["found", "newer"], "found", 0).await,
            ("found".to_owned(), false, vec!["found".to_owned()], vec![])
        );
        // Created ours, and a racer's is older: ours is deleted, the racer's adopted.
        let (id, created, _, deleted) = settle(&["theirs", "ours"], "ours", 1).await;
        assert_eq!((id.as_str(), created, deleted), ("theirs", false, vec!["ours".to_owned()]));
    }
}
