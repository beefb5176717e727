//! `plan`, `apply`, `status` and `destroy` over several plans at once (files and directories,
//! as `lint` takes them): one engine, so one request budget per API key; observation's shared
//! lists asked once; steps the plans share carried out once ([`linkplan_engine::fleet`]).
//! Output is grouped per plan, progress lines name their plan, and a summary table (or, with
//! `--format json`, one JSON document for the whole run) ends it. One plan failing stops none of
//! the others; the exit status is 1 when any failed.

use std::collections::{BTreeMap, BTreeSet};
use std::future::{Future, poll_fn};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::Poll;
use std::time::{Duration, Instant};

use linkplan_engine::{
    Action, ApplyError, ApplyReport, DestroyOptions, Engine, Event, Fleet, Journal, Known, Member, ObserveError,
    Observed, PlanOptions, Progress, StepPlan, destroy_plan,
};
use miette::IntoDiagnostic;

use crate::args::{CloudArgs, LocationArgs, PlanFormat};
use crate::session::{self, PlanInput, Target};
use crate::{ExitStatus, printer};

/// What the fleet commands share from their arguments.
pub(crate) struct FleetArgs<'a> {
    pub(crate) paths: &'a [PathBuf],
    pub(crate) cloud: &'a CloudArgs,
    pub(crate) state: &'a LocationArgs,
    pub(crate) format: PlanFormat,
    pub(crate) parallelism: usize,
    pub(crate) auto_approve: bool,
    pub(crate) lock_timeout: Duration,
}

/// Whether the paths name more than one plan file (or a directory): the fleet commands then.
pub(crate) fn is_fleet(paths: &[PathBuf]) -> bool {
    paths.len() != 1 || paths.iter().any(|p| p.is_dir())
}

/// One plan of the run and how it went.
struct Row {
    file: String,
    input: Option<PlanInput>,
    /// Set when the plan cannot go on (lint errors, a read error, a blocked plan, a conflict).
    error: Option<String>,
    observed: Option<Observed>,
    plan: Option<StepPlan>,
    done: usize,
    unchanged: usize,
    failed: usize,
    seconds: f64,
}

impl Row {
    fn status(&self) -> &'static str {
        match (&self.error, &self.plan) {
            (Some(_), _) => "failed",
            (None, Some(plan)) if plan.is_converged() => "converged",
            (None, Some(_)) if self.done > 0 => "done",
            (None, Some(_)) => "changes",
            (None, None) => "failed",
        }
    }
}

/// Read and lint every plan the paths name (directories searched as `lint` does).
fn load(paths: &[PathBuf], format: PlanFormat) -> miette::Result<Vec<Row>> {
    let project = crate::config::Project::load(&crate::args::ConfigArgs::default())?;
    let (files, errors) = crate::walk::collect(paths, project.discovery());
    let mut rows: Vec<Row> = errors
        .into_iter()
        .map(|e| Row::failed(e.path.display().to_string(), format!("cannot read it: {}", e.error)))
        .collect();
    for file in files.into_iter().filter(|f| f.as_os_str() != "-") {
        let label = file.display().to_string();
        let row = match session::load_plan(&file) {
            Ok(Ok(input)) => Row { input: Some(input), ..Row::failed(label, String::new()) }.ok(),
            Ok(Err(gate)) => gate_failed(label, &gate, format),
            Err(report) => Row::failed(label, report.to_string()),
        };
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(miette::miette!("no plan files found in {}", list(paths)));
    }
    Ok(rows)
}

/// A plan the lint gate stopped: its findings printed (human output only: JSON carries them in
/// the plan's `error`).
fn gate_failed(label: String, gate: &session::GateFailure, format: PlanFormat) -> Row {
    if format == PlanFormat::Human {
        printer::stdout(&printer::human(std::slice::from_ref(&gate.report), printer::stdout_color()));
    }
    Row::failed(label, format!("{}: {}", gate.message(), gate.errors()))
}

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ")
}

impl Row {
    fn failed(file: String, error: String) -> Row {
        Row {
            file,
            input: None,
            error: Some(error),
            observed: None,
            plan: None,
            done: 0,
            unchanged: 0,
            failed: 0,
            seconds: 0.0,
        }
    }

    fn ok(mut self) -> Row {
        self.error = None;
        self
    }
}

/// A future of one plan's part of the run.
type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Run `futures` concurrently; their outputs in order.
async fn join_all<T>(futures: Vec<Boxed<'_, T>>) -> Vec<T> {
    let mut running: Vec<(usize, Boxed<'_, T>)> = futures.into_iter().enumerate().collect();
    let mut out: Vec<Option<T>> = running.iter().map(|_| None).collect();
    while !running.is_empty() {
        let (i, value) = poll_fn(|cx| {
            for idx in 0..running.len() {
                if let Poll::Ready(value) = running[idx].1.as_mut().poll(cx) {
                    let (i, _) = running.swap_remove(idx);
                    return Poll::Ready((i, value));
                }
            }
            Poll::Pending
        })
        .await;
        out[i] = Some(value);
    }
    out.into_iter().flatten().collect()
}

/// Observe every loadable plan (shared reads), lint it with the live facts, and plan it (or its
/// destroy, with `destroy`).
async fn observe_all(
    engine: &Engine,
    rows: &mut [Row],
    known: &[Known],
    destroy: Option<&DestroyRun<'_>>,
    format: PlanFormat,
) {
    let shared = engine.with_shared_reads();
    type Observing<'a> = Pin<Box<dyn Future<Output = Option<Result<Observed, ObserveError>>> + Send + 'a>>;
    let futures: Vec<Observing<'_>> = rows
        .iter()
        .zip(known)
        .map(|(row, known)| {
            let shared = &shared;
            Box::pin(async move {
                let input = row.input.as_ref()?;
                Some(shared.observe_with(&input.desired, known).await)
            }) as Observing<'_>
        })
        .collect();
    let observed = join_all(futures).await;
    for (i, (row, observed)) in rows.iter_mut().zip(observed).enumerate() {
        let (Some(input), Some(observed)) = (&row.input, observed) else { continue };
        match observed {
            Err(e) => row.error = Some(e.to_string()),
            Ok(observed) => {
                if let Err(gate) = input.lint_live(&observed) {
                    *row = gate_failed(std::mem::take(&mut row.file), &gate, format);
                    continue;
                }
                let plan = match destroy {
                    Some(d) => destroy_plan(&input.desired, &observed, &d.options(i)),
                    None => linkplan_engine::plan_with(&input.desired, &observed, &PlanOptions::default()),
                };
                if !plan.can_apply() {
                    let reasons: Vec<String> = plan.blockers.iter().map(|b| b.message.clone()).collect();
                    row.error = Some(format!("the plan cannot be applied: {}", reasons.join("; ")));
                }
                row.observed = Some(observed);
                row.plan = Some(plan);
            }
        }
    }
}

/// Plans that describe a shared step differently: both fail, before anything is applied.
fn fail_conflicts(rows: &mut [Row]) {
    let plans: Vec<(&str, &StepPlan)> =
        rows.iter().filter_map(|r| Some((r.file.as_str(), r.plan.as_ref()?))).filter(|_| true).collect();
    let conflicts = linkplan_engine::conflicts(plans);
    for conflict in conflicts {
        for row in rows.iter_mut().filter(|r| conflict.plans.contains(&r.file)) {
            row.error.get_or_insert_with(|| conflict.to_string());
        }
    }
}

/// The steps several plans share, by step id, with the plans.
fn shared_steps(rows: &[Row]) -> BTreeMap<linkplan_engine::StepId, Vec<String>> {
    linkplan_engine::sharing(rows.iter().filter_map(|r| Some((r.file.as_str(), r.plan.as_ref()?))))
}

/// Every plan's steps under its file name, then what is shared.
fn print_plans(rows: &[Row]) {
    let mut out = String::new();
    for row in rows {
        out.push_str(&format!("── {} ──\n", row.file));
        if let Some(plan) = &row.plan {
            out.push_str(&plan.to_string());
        }
        if let Some(error) = &row.error {
            out.push_str(&format!("error: {error}\n"));
        }
        out.push('\n');
    }
    let shared = shared_steps(rows);
    if !shared.is_empty() {
        out.push_str("Shared by several plans (observed, created and waited for once):\n");
        for (step, plans) in shared {
            out.push_str(&format!("  {step}: {}\n", plans.join(", ")));
        }
        out.push('\n');
    }
    printer::plan(&out);
}

/// The summary table: plan, status, steps done / unchanged / failed, time.
fn summary(rows: &[Row]) -> String {
    let width = rows.iter().map(|r| r.file.len()).max().unwrap_or(4).max(4);
    let mut out = format!(
        "{:<width$}  {:<9}  {:>4}  {:>9}  {:>6}  {:>7}\n",
        "plan", "status", "done", "unchanged", "failed", "time"
    );
    for row in rows {
        out.push_str(&format!(
            "{:<width$}  {:<9}  {:>4}  {:>9}  {:>6}  {:>6.1}s\n",
            row.file,
            row.status(),
            row.done,
            row.unchanged,
            row.failed,
            row.seconds
        ));
    }
    let failed = rows.iter().filter(|r| r.error.is_some()).count();
    out.push_str(&format!("{} plan(s), {failed} failed\n", rows.len()));
    out
}

fn json(rows: &[Row], command: &str) -> miette::Result<String> {
    let plans: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "file": r.file,
                "status": r.status(),
                "error": r.error,
                "steps": { "done": r.done, "unchanged": r.unchanged, "failed": r.failed },
                "seconds": r.seconds,
                "plan": r.plan,
            })
        })
        .collect();
    let shared: serde_json::Map<String, serde_json::Value> =
        shared_steps(rows).into_iter().map(|(id, plans)| (id.to_string(), serde_json::json!(plans))).collect();
    let value = serde_json::json!({
        "version": 1,
        "kind": "linkplan.fleet",
        "command": command,
        "plans": plans,
        "shared": shared,
        "failed": rows.iter().filter(|r| r.error.is_some()).count(),
    });
    Ok(serde_json::to_string_pretty(&value).into_diagnostic()? + "\n")
}

/// Each plan's journal, read without its lock (plan, status).
fn read_known(rows: &[Row], args: &FleetArgs<'_>) -> Vec<Known> {
    rows.iter()
        .map(|row| {
            let Some(input) = &row.input else { return Known::default() };
            match session::read_state(None, args.state, input, args.cloud.sandbox) {
                Ok(loaded) => Known::from_owned(&Journal::owned(&loaded.entries)),
                Err(_) => Known::default(),
            }
        })
        .collect()
}

/// `linkplan plan` / `status` over several plans.
pub(crate) fn plan(args: &FleetArgs<'_>, detailed: bool, command: &str) -> miette::Result<ExitStatus> {
    let mut rows = load(args.paths, args.format)?;
    let known = read_known(&rows, args);
    session::runtime()?.block_on(async {
        let target = Target::start(args.cloud).await?;
        observe_all(&target.engine, &mut rows, &known, None, args.format).await;
        fail_conflicts(&mut rows);
        for row in &mut rows {
            if let Some(plan) = &row.plan {
                row.unchanged = plan.steps.iter().filter(|s| s.action == Action::Unchanged).count();
            }
        }
        finish(&rows, args.format, command, false);
        let changes = rows.iter().any(|r| r.plan.as_ref().is_some_and(|p| !p.is_converged()));
        Ok(exit(&rows, detailed && changes))
    })
}

fn exit(rows: &[Row], changes: bool) -> ExitStatus {
    if rows.iter().any(|r| r.error.is_some()) {
        ExitStatus::Failure
    } else if changes {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    }
}

/// Print the run: grouped plans (human, when `plans`) and the summary, or the JSON.
fn finish(rows: &[Row], format: PlanFormat, command: &str, ran: bool) {
    match format {
        PlanFormat::Json => match json(rows, command) {
            Ok(text) => printer::stdout(&text),
            Err(e) => printer::error(&e),
        },
        PlanFormat::Human => {
            if !ran {
                print_plans(rows);
            }
            printer::stdout(&summary(rows));
        }
    }
}

/// What a destroy of part of a set keeps: the plans not destroyed, and the options.
pub(crate) struct DestroyRun<'a> {
    /// Per row: destroy it (false: it only holds what it uses).
    pub(crate) destroy: Vec<bool>,
    pub(crate) owned: Vec<BTreeMap<linkplan_engine::StepId, linkplan_engine::Owned>>,
    pub(crate) template: &'a DestroyOptions,
}

impl DestroyRun<'_> {
    fn options(&self, i: usize) -> DestroyOptions {
        DestroyOptions { owned: self.owned.get(i).cloned().unwrap_or_default(), ..self.template.clone() }
    }
}

/// `linkplan apply` (or, with `destroy`, `linkplan destroy`) over several plans.
pub(crate) fn apply(
    args: &FleetArgs<'_>,
    destroy: Option<(&DestroyOptions, &[PathBuf])>,
) -> miette::Result<ExitStatus> {
    let mut rows = load(args.paths, args.format)?;
    let verb = if destroy.is_some() { "destroy" } else { "apply" };
    // Which plans are destroyed (`--only`), the others only holding what they use.
    let only: Option<BTreeSet<PathBuf>> = destroy.and_then(|(_, only)| {
        (!only.is_empty()).then(|| only.iter().map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone())).collect())
    });
    // A mistyped `--only` must not read as "nothing to destroy".
    if let Some(only) = &only {
        let loaded: BTreeSet<PathBuf> =
            rows.iter().map(|r| PathBuf::from(&r.file)).map(|p| std::path::absolute(&p).unwrap_or(p)).collect();
        if let Some(stray) = only.iter().find(|p| !loaded.contains(*p)) {
            return Err(miette::miette!(
                help = "name a plan file that is one of the paths given (or under one of the directories)",
                "--only {}: not one of the plans given ({})",
                stray.display(),
                list(args.paths)
            ));
        }
    }
    let acts = |row: &Row| match &only {
        None => true,
        Some(only) => {
            let path = PathBuf::from(&row.file);
            only.contains(&std::path::absolute(&path).unwrap_or(path))
        }
    };
    session::runtime()?.block_on(async {
        // Every acting plan's journal, locked for the run.
        let mut journals: Vec<Option<(Journal, session::JournalTarget)>> = Vec::new();
        for row in &mut rows {
            let Some(input) = row.input.as_ref().filter(|_| acts(row)) else {
                journals.push(None);
                continue;
            };
            let opened = match session::journal_target(
                None,
                args.state,
                &input.path,
                input.state.as_deref(),
                args.cloud.sandbox,
                true,
            ) {
                Ok(target) => match session::open_journal(&target, verb, args.lock_timeout).await {
                    Ok(journal) => Some((journal, target)),
                    Err(e) => {
                        row.error = Some(e.to_string());
                        None
                    }
                },
                Err(e) => {
                    row.error = Some(e.to_string());
                    None
                }
            };
            journals.push(opened);
        }
        let result = run_locked(args, &mut rows, &journals, destroy.map(|(o, _)| o), &acts, verb).await;
        for (journal, target) in journals.into_iter().flatten() {
            session::close_journal(journal, &target);
        }
        result
    })
}

async fn run_locked(
    args: &FleetArgs<'_>,
    rows: &mut [Row],
    journals: &[Option<(Journal, session::JournalTarget)>],
    destroy: Option<&DestroyOptions>,
    acts: &dyn Fn(&Row) -> bool,
    verb: &str,
) -> miette::Result<ExitStatus> {
    let target = Target::start(args.cloud).await?;
    let known: Vec<Known> = journals
        .iter()
        .map(|j| j.as_ref().map(|(j, _)| Known::from_owned(&Journal::owned(&j.entries()))).unwrap_or_default())
        .collect();
    let destroy_run = destroy.map(|template| DestroyRun {
        destroy: rows.iter().map(acts).collect(),
        owned: journals
            .iter()
            .map(|j| j.as_ref().map(|(j, _)| Journal::owned(&j.entries())).unwrap_or_default())
            .collect(),
        template,
    });
    observe_all(&target.engine, rows, &known, destroy_run.as_ref(), args.format).await;
    let mut later: Vec<(usize, linkplan_engine::Step)> = Vec::new();
    if let Some(run) = &destroy_run {
        // Keep what the plans not destroyed still use; what several destroyed plans share goes
        // last, once all of them are done.
        let holders: Vec<(String, BTreeSet<String>)> = rows
            .iter()
            .zip(&run.destroy)
            .filter(|(_, d)| !**d)
            .filter_map(|(r, _)| Some((r.file.clone(), r.observed.as_ref()?.uses(&r.input.as_ref()?.desired))))
            .collect();
        let uses: Vec<BTreeSet<String>> = rows
            .iter()
            .zip(&run.destroy)
            .map(|(r, d)| match (d, &r.observed, &r.input) {
                (true, Some(o), Some(i)) => o.uses(&i.desired),
                _ => BTreeSet::new(),
            })
            .collect();
        for (row, destroyed) in rows.iter_mut().zip(&run.destroy) {
            match (&mut row.plan, destroyed) {
                (Some(plan), true) => {
                    linkplan_engine::keep_for(plan, &holders);
                }
                // Not destroyed: shown for what it holds, never run.
                (plan @ Some(_), false) => *plan = None,
                _ => (),
            }
        }
        let mut plans: Vec<StepPlan> = rows.iter().map(|r| r.plan.clone().unwrap_or_else(empty_plan)).collect();
        later = linkplan_engine::split_shared(&mut plans, &uses);
        for (row, plan) in rows.iter_mut().zip(plans) {
            if row.plan.is_some() {
                row.plan = Some(plan);
            }
        }
    } else {
        fail_conflicts(rows);
    }
    rows.iter_mut().filter(|r| !acts(r)).for_each(|r| r.input = None);
    if args.format == PlanFormat::Human {
        print_plans(rows);
    }
    let to_do = rows.iter().any(|r| r.error.is_none() && r.plan.as_ref().is_some_and(|p| !p.is_converged()))
        || !later.is_empty();
    if !to_do {
        for row in rows.iter_mut() {
            if let Some(plan) = &row.plan {
                row.unchanged = plan.steps.len();
            }
        }
        if args.format == PlanFormat::Human {
            printer::status(&format!("nothing to {verb}"));
        }
        finish(rows, args.format, verb, true);
        return Ok(exit(rows, false));
    }
    if !args.auto_approve {
        let question = if destroy.is_some() { "Delete these resources?" } else { "Apply these changes?" };
        if !session::confirmed(question, verb)? {
            printer::status(&format!("{verb} cancelled"));
            return Ok(ExitStatus::Failure);
        }
    }
    let display = crate::progress::Display::new();
    let fleet = Fleet::new(args.parallelism);
    let started = Instant::now();
    let trackers: Vec<Tracker<'_>> = rows
        .iter()
        .map(|r| Tracker { display: &display, label: r.file.clone(), running: Mutex::new(BTreeMap::new()) })
        .collect();
    let runnable: Vec<usize> = (0..rows.len())
        .filter(|&i| {
            rows[i].error.is_none() && rows[i].input.is_some() && rows[i].plan.is_some() && journals[i].is_some()
        })
        .collect();
    let members: Vec<Member<'_>> = runnable
        .iter()
        .filter_map(|&i| {
            let row = &rows[i];
            Some(Member {
                label: &row.file,
                desired: &row.input.as_ref()?.desired,
                plan: row.plan.as_ref()?,
                journal: &journals[i].as_ref()?.0,
                progress: &trackers[i],
            })
        })
        .collect();
    let results = tokio::select! {
        results = target.engine.apply_all(&members, &fleet) => Some(results),
        signal = crate::runner::interrupted() => {
            display.finish();
            printer::outcome(&format!("{verb} interrupted by {}; run `linkplan {verb}` again to resume", signal.name));
            return Ok(signal.status);
        }
    };
    let results = results.unwrap_or_default();
    let elapsed = started.elapsed().as_secs_f64();
    drop(members);
    let mut outcomes: Vec<(usize, Result<ApplyReport, ApplyError>)> = runnable.into_iter().zip(results).collect();
    // The deletes several destroyed plans share, once all of those plans' own deletes are done.
    if !later.is_empty() {
        let all_ok = outcomes.iter().all(|(_, r)| r.is_ok());
        if all_ok {
            let mut by_owner: BTreeMap<usize, Vec<linkplan_engine::Step>> = BTreeMap::new();
            for (i, step) in later {
                by_owner.entry(i).or_default().push(step);
            }
            for (i, steps) in by_owner {
                let (Some(input), Some((journal, _)), Some(base)) = (&rows[i].input, &journals[i], &rows[i].plan)
                else {
                    continue;
                };
                let plan = StepPlan { steps, ..base.clone() };
                let result =
                    target.engine.apply_in(&input.desired, &plan, journal, &trackers[i], &fleet, &rows[i].file).await;
                if let Some((_, r)) = outcomes.iter_mut().find(|(j, _)| *j == i) {
                    match (r, result) {
                        (Ok(report), Ok(more)) => report.completed.extend(more.completed),
                        (r, Err(e)) => *r = Err(e),
                        _ => (),
                    }
                }
            }
        } else {
            printer::warning("what several destroyed plans share was kept: not every plan's destroy succeeded");
        }
    }
    display.finish();
    for (i, result) in outcomes {
        let row = &mut rows[i];
        row.seconds = elapsed;
        match result {
            Ok(report) => {
                row.done = report.completed.len();
                row.unchanged = report.skipped.len();
            }
            Err(e) => {
                row.failed = 1;
                row.unchanged = 0;
                row.error = Some(e.to_string());
            }
        }
    }
    finish(rows, args.format, verb, true);
    if fleet.queued() > 0 {
        // Terraform's -parallelism semantics: a step waiting for its resource keeps its slot.
        printer::status(&format!(
            "{} step(s) waited for a free slot (--parallelism {}, and a step keeps its slot while it waits for \
             its resource); a larger --parallelism runs more side by side, and the request budget keeps to \
             the vendors' rate limits either way",
            fleet.queued(),
            args.parallelism
        ));
    }
    let (confluent, tidb) = target.engine.budget_counts();
    if confluent.1 + tidb.1 > 0 {
        printer::warning(&format!("{} request(s) met a 429 (rate limited) and were retried", confluent.1 + tidb.1));
    }
    Ok(exit(rows, false))
}

fn empty_plan() -> StepPlan {
    StepPlan {
        version: linkplan_engine::step::PLAN_VERSION,
        context: Vec::new(),
        steps: Vec::new(),
        blockers: Vec::new(),
        drift: Vec::new(),
        resolved: Default::default(),
        observed_fingerprint: String::new(),
        destroy: true,
    }
}

/// One plan's progress: its events on the shared display, named by the plan.
struct Tracker<'a> {
    display: &'a crate::progress::Display,
    label: String,
    running: Mutex<BTreeMap<linkplan_engine::StepId, String>>,
}

impl Progress for Tracker<'_> {
    fn event(&self, event: &Event<'_>) {
        {
            let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
            match event {
                Event::Started { step, action } => {
                    running.insert((*step).clone(), action.doing().to_owned());
                }
                Event::Succeeded { step, .. } | Event::Failed { step, .. } => {
                    running.remove(*step);
                }
                _ => (),
            }
        }
        self.display.event_in(Some(&self.label), event);
    }
}
