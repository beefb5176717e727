//! `linkplan plan` and `linkplan status`: lint the plan file, observe both clouds, print the steps
//! apply would take (status: the same, as the live state of every step).
//! Also the setup `apply` shares: lint gate, desired state, the engine (real or `--sandbox`).

use std::path::Path;
use std::sync::Arc;

use linkplan_engine::{Desired, Engine, Observed, SavedPlan, SetupError, StepPlan, SystemClock};
use linkplan_lint::{Linter, Options, Severity};
use linkplan_model::{Document, PlanView};
use linkplan_sim::{RunningSim, Sim, SimConfig, World};
use miette::{IntoDiagnostic, WrapErr, miette};

use crate::args::{CloudArgs, PlanArgs, PlanFormat, StatusArgs};
use crate::{ExitStatus, printer};

pub(crate) fn run(args: &PlanArgs) -> miette::Result<ExitStatus> {
    let Some((desired, plan_text)) = desired(&args.target.file)? else { return Ok(ExitStatus::Failure) };
    runtime()?.block_on(async {
        let target = Target::start(&args.target.cloud).await?;
        let (_, plan) = observe_and_plan(&target.engine, &desired).await?;
        let text = match args.format {
            PlanFormat::Human => plan.to_string(),
            PlanFormat::Json => serde_json::to_string_pretty(&plan).into_diagnostic()? + "\n",
        };
        printer::stdout(&text);
        if let Some(out) = &args.out {
            let saved = SavedPlan::new(&args.target.file.display().to_string(), &plan_text, plan.clone());
            let json = serde_json::to_string_pretty(&saved).into_diagnostic()?;
            std::fs::write(out, json + "\n")
                .into_diagnostic()
                .wrap_err_with(|| format!("cannot write the plan to `{}`", out.display()))?;
        }
        Ok(if !plan.can_apply() {
            ExitStatus::Failure
        } else if args.detailed_exitcode && !plan.is_converged() {
            ExitStatus::Changes
        } else {
            ExitStatus::Success
        })
    })
}

/// The desired state of a lint-clean plan file, and the file's text; `None` (after printing the
/// findings) when lint finds an error: nothing is observed or created then.
pub(crate) fn desired(path: &Path) -> miette::Result<Option<(Desired, String)>> {
    let bytes = std::fs::read(path).into_diagnostic().wrap_err_with(|| format!("cannot read `{}`", path.display()))?;
    let linter = Linter::new(Options::default()).map_err(|e| miette!("{e}"))?;
    let report = linter.lint_bytes(path.display().to_string(), bytes.clone());
    if report.max_severity() == Some(Severity::Error) {
        printer::stdout(&printer::human(&[report], false));
        printer::status("lint found errors: nothing was observed or created");
        return Ok(None);
    }
    let text = String::from_utf8(bytes).into_diagnostic()?;
    let document = Document::parse(&text).map_err(|e| miette!("{e}"))?;
    let view = PlanView::new(&document).ok_or_else(|| miette!("`{}` is not a plan", path.display()))?;
    let desired = Desired::from_plan(&view).map_err(|e| miette!("{e}"))?;
    Ok(Some((desired, text)))
}

pub(crate) fn runtime() -> miette::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().into_diagnostic()
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
            let engine = Engine::from_env(&lookup, clock).map_err(|e| {
                let help = if e.is_missing_key() {
                    "set the API keys in the environment, or try it without keys: add --sandbox".to_owned()
                } else if e.is_bad_url() {
                    let (flag, var, given) = match &e {
                        SetupError::Confluent(_) => ("--confluent-url", CONFLUENT_URL_VAR, &args.confluent_url),
                        SetupError::Tidb(_) => ("--tidbcloud-url", TIDBCLOUD_URL_VAR, &args.tidbcloud_url),
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
            Some(path) => World::from_path(path).map_err(|e| miette!("{e}"))?,
            None => World::example(),
        };
        let sim = Sim::start(world, SimConfig::default()).await.map_err(|e| miette!("{e}"))?;
        let env = sim.env();
        let lookup = |name: &str| env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
        let engine = Engine::from_env(&lookup, clock).map_err(|e| miette!("{e}"))?;
        printer::status(&format!("sandbox: simulated Confluent Cloud and TiDB Cloud on {}", sim.confluent_url()));
        Ok(Target { engine, _sim: Some(sim) })
    }
}

pub(crate) async fn observe_and_plan(engine: &Engine, desired: &Desired) -> miette::Result<(Observed, StepPlan)> {
    let observed = engine.observe(desired).await.map_err(|e| miette!("{e}"))?;
    let plan = linkplan_engine::plan(desired, &observed);
    Ok((observed, plan))
}

/// `linkplan status`: every step's live state and any drift; exit 0 when converged, 1 when
/// blocked, 2 when steps remain.
pub(crate) fn status(args: &StatusArgs) -> miette::Result<ExitStatus> {
    let Some((desired, _)) = desired(&args.target.file)? else { return Ok(ExitStatus::Failure) };
    runtime()?.block_on(async {
        let target = Target::start(&args.target.cloud).await?;
        let (observed, plan) = observe_and_plan(&target.engine, &desired).await?;
        let text = match args.format {
            PlanFormat::Human => plan.to_string(),
            PlanFormat::Json => {
                let value = serde_json::json!({ "version": 1, "observed": observed, "plan": plan });
                serde_json::to_string_pretty(&value).into_diagnostic()? + "\n"
            }
        };
        printer::stdout(&text);
        Ok(if !plan.can_apply() {
            ExitStatus::Failure
        } else if plan.is_converged() {
            ExitStatus::Success
        } else {
            ExitStatus::Changes
        })
    })
}
