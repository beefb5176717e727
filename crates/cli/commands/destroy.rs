//! `linkplan destroy`: the runbook in reverse (detach, delete the connection, then the Confluent
//! resources linkplan created, by the ids its journal recorded); referenced resources are kept,
//! the Kafka cluster only with `--delete-kafka-cluster`, and a resource found only by name only
//! with `--adopt`.

use linkplan_engine::{Action, DestroyOptions, Journal, destroy_plan};

use crate::args::DestroyArgs;
use crate::runner::{self, Verb};
use crate::session::{self, Target, failure};
use crate::{ExitStatus, printer};

pub(crate) fn run(args: &DestroyArgs) -> miette::Result<ExitStatus> {
    if crate::fleet::is_fleet(&args.target.paths)
        || args.format == crate::args::PlanFormat::Json
        || !args.only.is_empty()
    {
        if args.journal.is_some() || args.adopt {
            return Err(miette::miette!("--journal and --adopt take one plan file, not several"));
        }
        let fleet = crate::fleet::FleetArgs {
            paths: &args.target.paths,
            cloud: &args.target.cloud,
            state: &args.state,
            format: args.format,
            parallelism: usize::from(args.parallelism),
            auto_approve: args.auto_approve,
            lock_timeout: args.lock_timeout,
        };
        let options = DestroyOptions {
            delete_kafka_cluster: args.delete_kafka_cluster,
            delete_access: args.delete_access,
            ..DestroyOptions::default()
        };
        return crate::fleet::apply(&fleet, Some((&options, &args.only)));
    }
    let Some(input) = session::load_plan_or_print(args.target.file(), crate::args::PlanFormat::Human)? else {
        return Ok(ExitStatus::Failure);
    };
    let journal_target = session::journal_target(
        args.journal.as_deref(),
        &args.state,
        &input.path,
        input.state.as_deref(),
        args.target.cloud.sandbox,
        true,
    )?;
    session::runtime()?.block_on(async {
        let journal = session::open_journal(&journal_target, "destroy", args.lock_timeout).await?;
        let guard = session::guard_lock(&journal_target, &journal);
        let destroyed = destroy_locked(args, &input, &journal, guard).await;
        session::close_journal(journal, &journal_target);
        destroyed
    })
}

/// Observe, plan the deletes, confirm and carry them out, holding the journal's lock.
async fn destroy_locked(
    args: &DestroyArgs,
    input: &session::PlanInput,
    journal: &Journal,
    guard: session::LockGuard,
) -> miette::Result<ExitStatus> {
    let target = Target::start(&args.target.cloud).await?;
    let observed = target.engine.observe(&input.desired).await.map_err(|e| failure(&e, None))?;
    let options = DestroyOptions {
        delete_kafka_cluster: args.delete_kafka_cluster,
        delete_access: args.delete_access,
        owned: Journal::owned(&journal.entries()),
        adopt: args.adopt,
    };
    let plan = destroy_plan(&input.desired, &observed, &options);
    printer::plan(&plan.to_string());
    if plan.steps.iter().all(|s| s.action != Action::Delete) {
        printer::status("nothing to delete");
        return Ok(ExitStatus::Success);
    }
    if !args.auto_approve && !session::confirmed("Delete these resources?", "destroy")? {
        printer::status("destroy cancelled");
        return Ok(ExitStatus::Failure);
    }
    drop(guard);
    runner::run(&target, &input.desired, &plan, journal, Verb::Destroy).await
}
