//! What `plan`, `apply`, `destroy`, `status` and `lint --online` resolve from their arguments,
//! once: the plan file (read, linted and turned into the desired state), the clouds to talk to
//! (the real ones, URLs from flags over `LINKPLAN_*_URL`, or the in-process sandbox), the
//! journal (`--journal`, `--state`, `LINKPLAN_STATE` or the file beside the plan; a file or S3,
//! see [`journal_target`]) and its lock, and the confirmation prompt. Commands only sequence
//! these.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use linkplan_engine::{Clock, Desired, Engine, Journal, JournalError, Loaded, Observed, SetupError, SystemClock};
use linkplan_lint::{FileReport, Linter, Options, Severity};
use linkplan_model::{Document, PlanView};
use linkplan_sim::{RunningSim, Sim, SimConfig, World};
use linkplan_state::{Backend, S3Journal, S3Options, StateLocation};
use miette::{IntoDiagnostic, WrapErr, miette};

use crate::args::{CloudArgs, LocationArgs, PlanFormat};
use crate::printer;

pub(crate) fn runtime() -> miette::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().into_diagnostic()
}

/// A lint-clean plan file: its path, its text and its desired state, and the linter that
/// checked it (it checks the plan again once the live facts are known: [`PlanInput::lint_live`]).
pub(crate) struct PlanInput {
    pub(crate) path: PathBuf,
    pub(crate) text: String,
    pub(crate) desired: Desired,
    /// The plan file's `state:` (where its journal lives), if it says.
    pub(crate) state: Option<String>,
    linter: Linter,
    ignored: Ignored,
}

impl PlanInput {
    /// The second half of the lint gate: every rule on the plan merged with what the clouds
    /// report. The findings when that finds an error: the runbook's rules live in the linter
    /// alone, so this is what stops a cross-region network or one without a shared zone before
    /// anything is created.
    pub(crate) fn lint_live(&self, observed: &Observed) -> Result<(), GateFailure> {
        let report = self.live_report(observed);
        if report.max_severity() != Some(Severity::Error) {
            return Ok(());
        }
        Err(GateFailure { report, live: true })
    }

    /// Every rule on the plan merged with what the clouds report.
    pub(crate) fn live_report(&self, observed: &Observed) -> FileReport {
        let mut report =
            self.linter.lint_online(self.path.display().to_string(), self.text.clone(), &observed.live(&self.desired));
        self.ignored.retain_findings(&mut report);
        report
    }
}

/// The rules the project's configuration (`linkplan.toml`) ignores for one plan file, on top of
/// its selection: the gate of `plan` and `apply` checks what `lint` checks.
struct Ignored(Vec<linkplan_lint::selection::Selector>);

impl Ignored {
    fn retain_findings(&self, report: &mut FileReport) {
        if !self.0.is_empty() {
            report.findings.retain(|f| !self.0.iter().any(|s| s.matches(f.code)));
        }
    }
}

/// Why the lint gate stopped a plan: its findings, before (`live: false`) or after observing.
#[derive(Debug)]
pub(crate) struct GateFailure {
    pub(crate) report: FileReport,
    pub(crate) live: bool,
}

impl GateFailure {
    pub(crate) fn message(&self) -> &'static str {
        if self.live {
            "lint found errors in the plan merged with the live values: nothing was created"
        } else {
            "lint found errors: nothing was observed or created"
        }
    }

    /// The errors, one `CODE message` each, `; `-separated.
    pub(crate) fn errors(&self) -> String {
        let errors = self.report.findings.iter().filter(|f| f.severity == Severity::Error);
        errors.map(|f| format!("{} {}", f.code, f.message)).collect::<Vec<_>>().join("; ")
    }

    /// The findings on standard output and what it means on standard error; with JSON, one
    /// document (`kind: linkplan.lint-failed`, docs/json-output.md) on standard output instead,
    /// so a script always reads JSON.
    pub(crate) fn print(&self, format: PlanFormat) {
        match format {
            PlanFormat::Human => {
                printer::stdout(&printer::human(std::slice::from_ref(&self.report), printer::stdout_color()));
                printer::outcome(self.message());
            }
            PlanFormat::Json => {
                let lint: serde_json::Value =
                    serde_json::from_str(&linkplan_lint::output::json::render(std::slice::from_ref(&self.report)))
                        .unwrap_or(serde_json::Value::Null);
                let value = serde_json::json!({
                    "version": 1,
                    "kind": "linkplan.lint-failed",
                    "file": self.report.path,
                    "stage": if self.live { "live" } else { "offline" },
                    "message": self.message(),
                    "lint": lint,
                });
                let text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".to_owned());
                printer::stdout(&(text + "\n"));
            }
        }
    }
}

/// [`load_plan`] for a command of one plan: the gate's findings printed (as `format` says) and
/// `None` when it fails.
pub(crate) fn load_plan_or_print(path: &Path, format: PlanFormat) -> miette::Result<Option<PlanInput>> {
    Ok(load_plan(path)?.map_err(|gate| gate.print(format)).ok())
}

/// Read, lint and load the plan file: the linter's findings when it finds an error (nothing is
/// observed or created then). The project's rule selection applies (`lint`'s, from
/// `linkplan.toml`).
pub(crate) fn load_plan(path: &Path) -> miette::Result<Result<PlanInput, GateFailure>> {
    plan_from_bytes(path, read_file(path)?)
}

/// [`load_plan`] of bytes already read from `path`.
pub(crate) fn plan_from_bytes(path: &Path, bytes: Vec<u8>) -> miette::Result<Result<PlanInput, GateFailure>> {
    let project = crate::config::Project::load(&crate::args::ConfigArgs::default())?;
    let options = Options {
        select: Some(linkplan_lint::selection::resolve(&[project.selection().clone()])),
        ignore: Vec::new(),
        deny: match project.deny() {
            None => Severity::Error,
            Some(crate::args::DenyLevel::Warnings) => Severity::Warning,
            Some(crate::args::DenyLevel::Info) => Severity::Info,
        },
    };
    let ignored = Ignored(project.ignored_for(path).into_iter().cloned().collect());
    let linter = Linter::new(options).map_err(|e| failure(&e, None))?;
    let gate_failed = |mut report: FileReport| {
        ignored.retain_findings(&mut report);
        Ok(Err(GateFailure { report, live: false }))
    };
    // One parse: the linter checks the document the desired state is read from.
    let parsed = String::from_utf8(bytes).map(|text| {
        let document = Document::parse(&text);
        (text, document)
    });
    let (text, document) = match parsed {
        Ok((text, Ok(document))) => (text, document),
        // Not UTF-8, or not YAML: the linter says where.
        Ok((text, Err(_))) => return gate_failed(linter.lint_bytes(path.display().to_string(), text.into_bytes())),
        Err(e) => return gate_failed(linter.lint_bytes(path.display().to_string(), e.into_bytes())),
    };
    let mut findings = linter.lint_document(&text, &document);
    findings.retain(|f| !ignored.0.iter().any(|s| s.matches(f.code)));
    if findings.iter().any(|f| f.severity == Severity::Error) {
        return gate_failed(FileReport { path: path.display().to_string(), text, findings });
    }
    let view = PlanView::new(&document).ok_or_else(|| miette!("`{}` is not a plan", path.display()))?;
    let desired = Desired::from_plan(&view).map_err(|e| failure(&e, None))?;
    let state = view.state().map(|s| s.value.to_owned());
    Ok(Ok(PlanInput { path: path.to_owned(), text, desired, state, linter, ignored }))
}

/// The bytes of a plan file or saved plan. A FIFO would block the read forever (and a device
/// holds no plan): anything but a regular file is refused unopened.
pub(crate) fn read_file(path: &Path) -> miette::Result<Vec<u8>> {
    let cannot_read = || format!("cannot read `{}`", path.display());
    let meta = std::fs::metadata(path).into_diagnostic().wrap_err_with(cannot_read)?;
    if !meta.is_file() {
        return Err(crate::walk::not_regular(meta.file_type())).into_diagnostic().wrap_err_with(cannot_read);
    }
    std::fs::read(path).into_diagnostic().wrap_err_with(cannot_read)
}

/// The base URL variables `--confluent-url` and `--tidbcloud-url` override.
const CONFLUENT_URL_VAR: &str = "LINKPLAN_CONFLUENT_URL";
const TIDBCLOUD_URL_VAR: &str = "LINKPLAN_TIDBCLOUD_URL";

/// The engine and, with `--sandbox`, the in-process simulator it talks to.
pub(crate) struct Target {
    pub(crate) engine: Engine,
    _sim: Option<RunningSim>,
}

impl Target {
    pub(crate) async fn start(args: &CloudArgs) -> miette::Result<Target> {
        let clock = Arc::new(SystemClock::new());
        if !args.sandbox {
            // The flags win over LINKPLAN_*_URL (read here, not by clap: see `CloudArgs`).
            let lookup = |name: &str| match name {
                CONFLUENT_URL_VAR if args.confluent_url.is_some() => args.confluent_url.clone(),
                TIDBCLOUD_URL_VAR if args.tidbcloud_url.is_some() => args.tidbcloud_url.clone(),
                _ => std::env::var(name).ok(),
            };
            for (var, flag, given) in [
                (CONFLUENT_URL_VAR, "--confluent-url", &args.confluent_url),
                (TIDBCLOUD_URL_VAR, "--tidbcloud-url", &args.tidbcloud_url),
            ] {
                // Set but empty is a mistake to say, not a reason to fall back to production.
                if given.is_none() && lookup(var).is_some_and(|v| v.trim().is_empty()) {
                    return Err(miette!(
                        help = format!("unset {var} to use the vendor's API, or set it (or {flag}) to a URL"),
                        "{var} is set but empty"
                    ));
                }
            }
            let engine = Engine::from_env(&lookup, clock).map_err(|e| {
                let help = if e.is_missing_key() {
                    "set the API keys in the environment, or try it without keys: add --sandbox".to_owned()
                } else if e.is_bad_url() {
                    let (flag, var, given) = match &e {
                        SetupError::Confluent(_) => ("--confluent-url", CONFLUENT_URL_VAR, &args.confluent_url),
                        _ => ("--tidbcloud-url", TIDBCLOUD_URL_VAR, &args.tidbcloud_url),
                    };
                    let source =
                        if given.is_some() { flag.to_owned() } else { format!("{var} (or override it with {flag})") };
                    format!("fix {source}: an https:// URL, or http:// only to 127.0.0.1, [::1] or localhost")
                } else {
                    "check the API keys in the environment".to_owned()
                };
                miette!(help = help, "{e}")
            })?;
            return Ok(Target { engine, _sim: None });
        }
        let world = match &args.world {
            Some(path) => World::from_path(path).map_err(|e| failure(&e, None))?,
            None => World::example(),
        };
        let sim = Sim::start(world, SimConfig::default()).await.map_err(|e| failure(&e, None))?;
        let env = sim.env();
        let lookup = |name: &str| env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
        let engine = Engine::from_env(&lookup, clock).map_err(|e| failure(&e, None))?;
        printer::status(&format!("sandbox: simulated Confluent Cloud and TiDB Cloud on {}", sim.confluent_url()));
        Ok(Target { engine, _sim: Some(sim) })
    }
}

/// The variable `--state` overrides: where journals are kept when neither `--journal` nor
/// `--state` is given.
const STATE_VAR: &str = "LINKPLAN_STATE";

/// One run's journal: where it is ([`Backend`]), and the flags that name it again (for the
/// commands a message suggests).
pub(crate) struct JournalTarget {
    pub(crate) backend: Backend,
    plan: PathBuf,
    flags: String,
}

impl JournalTarget {
    /// `linkplan <command> <plan> <the flags that named this journal>`, for a message.
    pub(crate) fn command(&self, command: &str) -> String {
        format!("linkplan {command} {}{}", self.plan.display(), self.flags)
    }
}

/// Where this run's journal is, by precedence: `--journal FILE`; `--state LOCATION`;
/// `LINKPLAN_STATE`; the plan file's `state:` (`declared`), else the project's (`state` in
/// `linkplan.toml`, found from the current directory; none of these three for the
/// sandbox: its simulated ids must not land in a shared journal); else the file `.linkplan/<plan file name>.journal.jsonl` beside the plan (for the sandbox,
/// whose world lives only as long as the process, under the system's temp dir instead). An S3
/// location holds the journal as `<prefix>/<plan file name>.journal.jsonl`. With `create`, the
/// default file's directory is created.
pub(crate) fn journal_target(
    given: Option<&Path>,
    state: &LocationArgs,
    plan: &Path,
    declared: Option<&str>,
    sandbox: bool,
    create: bool,
) -> miette::Result<JournalTarget> {
    let mut flags = String::new();
    let location = match (given, &state.state) {
        (Some(path), _) => {
            flags = format!(" --journal {}", path.display());
            None
        }
        (None, Some(text)) => {
            flags = format!(" --state {text}");
            Some(
                StateLocation::parse(text).map_err(|e| {
                    miette!(help = "e.g. --state s3://my-bucket/linkplan, or --state file", "--state: {e}")
                })?,
            )
        }
        // The sandbox's resources are simulated: never recorded in a shared journal by accident.
        (None, None) if sandbox => None,
        (None, None) => match std::env::var(STATE_VAR) {
            Ok(text) if text.trim().is_empty() => {
                let help = format!("unset {STATE_VAR} to keep the journal beside the plan, or set it to s3://bucket/…");
                return Err(miette!(help = help, "{STATE_VAR} is set but empty"));
            }
            Ok(text) => Some(StateLocation::parse(&text).map_err(|e| {
                miette!(help = format!("fix {STATE_VAR} (or override it with --state)"), "{STATE_VAR}: {e}")
            })?),
            // The plan file's own `state:`, the team's choice for that plan.
            Err(_) => match declared {
                Some(text) => Some(StateLocation::parse(text).map_err(|e| {
                    miette!(
                        help = "e.g. `state: s3://my-bucket/linkplan`, or leave it out",
                        "`state` in {}: {e}",
                        plan.display()
                    )
                })?),
                // The project's default (`state` in linkplan.toml), when the plan names none.
                // A linkplan.toml that does not parse stops the run: its `state` may be S3, and a
                // journal written beside the plan instead would be one the team never sees.
                None => crate::config::Project::load(&crate::args::ConfigArgs::default())?.state().cloned(),
            },
        },
    };
    if let Some(endpoint) = &state.state_endpoint {
        flags.push_str(&format!(" --state-endpoint {endpoint}"));
    }
    let name = plan.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "plan".to_owned());
    let backend = match location.as_ref().and_then(|l| l.s3_object(&name)) {
        Some(object) => {
            let options = S3Options { endpoint: state.state_endpoint.clone(), ..S3Options::default() };
            Backend::S3(S3Journal::new(object, &options, &|name| std::env::var(name).ok()).map_err(journal_error)?)
        }
        None => {
            let path = journal_location(given, plan, sandbox);
            if create
                && given.is_none()
                && let Some(dir) = path.parent()
            {
                std::fs::create_dir_all(dir)
                    .into_diagnostic()
                    .wrap_err_with(|| format!("cannot create `{}`", dir.display()))?;
            }
            Backend::File(path)
        }
    };
    Ok(JournalTarget { backend, plan: plan.to_owned(), flags })
}

/// The default journal file, or `given`, without creating anything.
fn journal_location(given: Option<&Path>, plan: &Path, sandbox: bool) -> PathBuf {
    if let Some(path) = given {
        return path.to_owned();
    }
    let dir = if sandbox {
        std::env::temp_dir().join(format!("linkplan-sandbox-{}", std::process::id()))
    } else {
        plan.parent().unwrap_or_else(|| Path::new(".")).join(".linkplan")
    };
    let name = plan.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "plan".to_owned());
    dir.join(format!("{name}.journal.jsonl"))
}

/// Take the journal's lock for `operation` and open it, waiting up to `timeout` for another run
/// to finish; warns about a torn last line it recovered. A lock another run holds is reported
/// with its holder and age, and how to remove it if that run is gone.
pub(crate) async fn open_journal(
    target: &JournalTarget,
    operation: &str,
    timeout: std::time::Duration,
) -> miette::Result<Journal> {
    let waiting = |e: &JournalError| {
        let held = match e {
            JournalError::Locked { holder: Some(holder), .. } => format!(" ({holder})"),
            _ => String::new(),
        };
        printer::status(&format!(
            "waiting up to {} for another linkplan run on this plan to finish{held}",
            duration(timeout)
        ));
    };
    let clock = SystemClock::new();
    let env = |name: &str| std::env::var(name).ok();
    let journal = target.backend.open(operation, timeout, &clock, &env, waiting).await.map_err(|e| match e {
        JournalError::Locked { holder: Some(holder), .. } => {
            let waited = if timeout.is_zero() {
                "wait for it to finish (--lock-timeout 10m waits here)".to_owned()
            } else {
                format!("waited {}; pass a longer --lock-timeout (e.g. {})", duration(timeout), duration(timeout * 4))
            };
            miette!(
                help = format!(
                    "{waited}. If that run is gone (killed, its machine or CI runner lost), nothing else will remove \
                     its lock: `linkplan force-unlock {} {}{}`",
                    holder.info.id,
                    target.plan.display(),
                    target.flags
                ),
                "another linkplan run holds the journal {}: {holder}",
                target.backend.path().display()
            )
        }
        JournalError::Locked { .. } if !timeout.is_zero() => miette!(
            help = format!(
                "waited {}; wait for it to finish, or pass a longer --lock-timeout (e.g. {})",
                duration(timeout),
                duration(timeout * 4)
            ),
            "{e}"
        ),
        e => journal_error(e),
    })?;
    if let Some(recovered) = journal.recovered() {
        printer::warning(&format!("journal {}: {recovered}", target.backend.path().display()));
    }
    Ok(journal)
}

/// Let go of the journal's lock, warning when that fails (an S3 lock then stays: the warning
/// says how to remove it).
pub(crate) fn close_journal(journal: Journal, target: &JournalTarget) {
    if let Err(e) = journal.close() {
        printer::warning(&format!(
            "{e}; the lock may still be there: `linkplan state list` shows it, `{}` removes it",
            target.command("force-unlock LOCK_ID")
        ));
    }
}

/// Until dropped, a Ctrl-C or SIGTERM removes the S3 lock `journal` holds and ends the process
/// (130 / 143): between taking the lock and carrying the plan out (observing, the prompt), where
/// the default action would kill the process and leave the lock behind. Drop it before
/// `runner::run`, which handles the signals itself. Nothing for a file, whose OS lock dies with
/// the process.
pub(crate) struct LockGuard(Option<tokio::task::JoinHandle<()>>);

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

pub(crate) fn guard_lock(target: &JournalTarget, journal: &Journal) -> LockGuard {
    let (Backend::S3(s3), Some(id)) = (&target.backend, journal.lock_id()) else { return LockGuard(None) };
    let (s3, id) = (s3.clone(), id.to_owned());
    LockGuard(Some(tokio::spawn(async move {
        let signal = crate::runner::interrupted().await;
        let removed = s3.force_unlock(&id, SystemClock::new().unix_ms()).await;
        match removed {
            Ok(_) => printer::status(&format!("interrupted by {}; removed the lock {id}", signal.name)),
            Err(e) => printer::warning(&format!("interrupted by {}; the lock {id} may remain: {e}", signal.name)),
        }
        let code = match signal.status {
            crate::ExitStatus::Interrupted(code) => i32::from(code),
            _ => 130,
        };
        std::process::exit(code);
    })))
}

/// Read the journal without its lock (plan and status never write it): a torn last line is
/// reported, not repaired; no journal reads as empty. `--journal`, else `LINKPLAN_STATE`, else
/// the default file.
pub(crate) fn read_journal(given: Option<&Path>, input: &PlanInput, sandbox: bool) -> miette::Result<Loaded> {
    read_state(given, &LocationArgs::default(), input, sandbox)
}

/// [`read_journal`] with `--state` and `--state-endpoint`.
pub(crate) fn read_state(
    given: Option<&Path>,
    state: &LocationArgs,
    input: &PlanInput,
    sandbox: bool,
) -> miette::Result<Loaded> {
    let target = journal_target(given, state, &input.path, input.state.as_deref(), sandbox, false)?;
    let loaded = match &target.backend {
        Backend::File(path) => Journal::load(path),
        // Outside any runtime (plan and status read before they start theirs).
        backend => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .into_diagnostic()?
            .block_on(backend.load()),
    }
    .map_err(journal_error)?;
    if let Some(recovered) = &loaded.recovered {
        printer::warning(&format!("journal {}: {recovered}", target.backend.path().display()));
    }
    Ok(loaded)
}

/// The `state:` a plan file declares, for the commands that do not load the plan otherwise
/// (`state`, `force-unlock`): `None` when the file cannot be read or parsed (the command then
/// says what it can't find).
pub(crate) fn declared_state(plan: &Path) -> Option<String> {
    let text = std::fs::read_to_string(plan).ok()?;
    let document = Document::parse(&text).ok()?;
    let view = PlanView::new(&document)?;
    view.state().map(|s| s.value.to_owned())
}

/// A journal error with its way out as help.
pub(crate) fn journal_error(e: JournalError) -> miette::Report {
    failure(&e, e.help())
}

/// A library error for the edge: its message and every cause in its chain (each said once), and
/// the help, if any.
pub(crate) fn failure(error: &dyn std::error::Error, help: Option<String>) -> miette::Report {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    match help {
        Some(help) => miette!(help = help, "{message}"),
        None => miette!("{message}"),
    }
}

/// `30s`, `5m`, `1h` (the shortest exact form of a lock timeout).
fn duration(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0 => format!("{}ms", d.as_millis()),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// Ask on the terminal whether to go on (`question`, answered `yes`); without one, refuse and
/// say that `--auto-approve` is the way to say yes to `verb`.
pub(crate) fn confirmed(question: &str, verb: &str) -> miette::Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Err(miette!(
            help = format!("pass --auto-approve to {verb} without a prompt"),
            "cannot ask for confirmation: standard input is not a terminal"
        ));
    }
    let answer = printer::prompt(&format!("{question} Only `yes` is accepted: ")).into_diagnostic()?;
    Ok(answer.trim() == "yes")
}
