//! The command line as the user typed it (clap derive). No logic here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Lint, plan and apply an AWS PrivateLink connection from TiDB Cloud Essential to Confluent
/// Cloud Dedicated.
#[derive(Debug, Parser)]
#[command(name = "linkplan", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log more on standard error: -v retried requests, -vv every HTTP request (method, path,
    /// status, request id, attempt, duration; never a key or an Authorization header), -vvv
    /// everything.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Print only results (diagnostics, the plan, the status, errors and warnings): no progress,
    /// no summary lines, no notes.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// When to use colour: diagnostics and plans on standard output, progress and errors on
    /// standard error (`auto`: on a terminal, unless NO_COLOR is set).
    #[arg(long, value_enum, global = true, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check plan files against the schema and the runbook's rules.
    ///
    /// Exit status: 0 when no finding reaches the deny level, 1 when one does, 2 on a usage or
    /// I/O error.
    Lint(LintArgs),
    /// Show a rule's documentation: what it checks, why, an example and the fix.
    Explain(ExplainArgs),
    /// Observe both clouds and print the steps apply would take (+ create, ~ wait/attach,
    /// = unchanged).
    ///
    /// Lints the file first: nothing is observed when lint finds an error. Exit status (as
    /// Terraform's): 0 success; 1 an error of any kind (lint errors, a blocked plan, a missing
    /// file, no network, a refused key); with --detailed-exitcode 2 when there are changes.
    Plan(PlanArgs),
    /// Carry out the plan: create what is missing and wait until the two sides are connected.
    ///
    /// Asks for confirmation unless --auto-approve. Re-running after a failure, a kill or Ctrl-C
    /// resumes (every resource is looked up by its natural key first). Exit status: 0 converged
    /// (or nothing to do), 1 an error of any kind (a failed step, a stale or edited saved plan, no
    /// network, a cancelled prompt), 130 interrupted by Ctrl-C.
    Apply(ApplyArgs),
    /// Undo the plan in reverse: detach the domains, delete the connection, then the Confluent
    /// resources linkplan created.
    ///
    /// Only a resource whose id the journal recorded as created by an apply of this plan is
    /// deleted (without the journal, nothing, unless --adopt); what the plan only references
    /// (`network.id`, `cluster.id`) never; the Kafka cluster, which holds data, only with
    /// --delete-kafka-cluster; the PrivateLink access only with the network or --delete-access.
    /// Exit status: 0 done (or nothing to delete), 1 an error of any kind, 130 interrupted.
    Destroy(DestroyArgs),
    /// Show every step's live state and any drift (the plan, read as a status).
    ///
    /// Exit status: 0 success; 1 an error of any kind (lint errors, drift, a blocked plan, no
    /// network); with --detailed-exitcode 2 when steps remain.
    Status(StatusArgs),
    /// Explain why a connection (or its changefeed) does not work: every known cause checked
    /// against the live state, each found with its fix and the lint rule that catches it.
    ///
    /// Exit status (as `lint`): 0 no cause found, 1 causes found, 2 an error (no network, a bad
    /// file).
    Doctor(DoctorArgs),
    /// Write a plan file from what exists: observe a TiDB cluster and a Confluent environment,
    /// choose the network (PRIVATELINK, TiDB's region, READY, the most zones shared with TiDB;
    /// or one to create), and adopt the access, Kafka cluster, connection and domains that exist.
    ///
    /// The plan goes to standard output (or --output FILE), the explanation — every network and
    /// why it fits or not, what is adopted, the zones — to standard error. Missing ids are asked
    /// for on a terminal. Exit status: 0 written; 1 an error reaching the clouds (no network, a
    /// refused key, a cluster or environment not found); 2 a usage error (a missing flag
    /// without a terminal, an --output file that exists without --force).
    Init(InitArgs),
    /// Remove the lock a run left on a shared (S3) journal when it was killed or its machine
    /// was lost, given the lock's id (printed by the run it refused, and by `state list`).
    ///
    /// Asks for confirmation unless --force (without a terminal, --force is needed). Exit
    /// status: 0 removed, 1 an error (no such lock, another lock id, a file journal, whose OS
    /// lock never outlives its run).
    ForceUnlock(ForceUnlockArgs),
    /// Read a journal (what linkplan owns), or move one between a file and S3.
    State(StateArgs),
    /// Serve a simulator of the Confluent Cloud and TiDB Cloud APIs on 127.0.0.1.
    ///
    /// Prints `export NAME=value` lines (the URLs and the simulator's fake API keys) on standard
    /// output, then serves until interrupted: `linkplan sim > sim.env &` then `. ./sim.env`.
    /// Exit status: 0 after Ctrl-C or SIGTERM, 2 on a bad world file or a port in use.
    Sim(SimArgs),
    /// Print a shell completion script on standard output.
    ///
    /// bash: `linkplan completions bash > ~/.local/share/bash-completion/completions/linkplan`;
    /// zsh: `linkplan completions zsh > ~/.zfunc/_linkplan` (with `fpath+=~/.zfunc` before
    /// `compinit`); fish: `linkplan completions fish > ~/.config/fish/completions/linkplan.fish`.
    /// Exit status: 0, or 2 on an unknown shell.
    Completions(CompletionsArgs),
}

impl Command {
    /// The subcommand's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Lint(_) => "lint",
            Command::Explain(_) => "explain",
            Command::Plan(_) => "plan",
            Command::Apply(_) => "apply",
            Command::Destroy(_) => "destroy",
            Command::Status(_) => "status",
            Command::Doctor(_) => "doctor",
            Command::Init(_) => "init",
            Command::ForceUnlock(_) => "force-unlock",
            Command::State(_) => "state",
            Command::Sim(_) => "sim",
            Command::Completions(_) => "completions",
        }
    }
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print the completion script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Which plan file, and which clouds to talk to.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// The plan file.
    pub file: PathBuf,
    #[command(flatten)]
    pub cloud: CloudArgs,
}

/// Which plan files, and which clouds to talk to.
#[derive(Debug, Args)]
pub struct PlansArgs {
    /// Plan files, or directories searched for them (as `lint` does). Several plans run as one
    /// fleet: the resources they share (a network, the PrivateLink access, a Kafka cluster) are
    /// observed, created and waited for once, output is grouped per plan and a summary ends it.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub cloud: CloudArgs,
}

impl PlansArgs {
    /// The plan file, when one file is named.
    pub fn file(&self) -> &std::path::Path {
        self.paths.first().map_or(std::path::Path::new(""), PathBuf::as_path)
    }
}

/// Which plan files (or saved plan), and which clouds to talk to.
#[derive(Debug, Args)]
pub struct ApplyTargetArgs {
    /// Plan files or directories (see `plan`), or one plan saved by `plan --out` (applied
    /// without a prompt while it is current).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub cloud: CloudArgs,
}

impl ApplyTargetArgs {
    /// The plan file (or saved plan), when one file is named.
    pub fn file(&self) -> &std::path::Path {
        self.paths.first().map_or(std::path::Path::new(""), PathBuf::as_path)
    }
}

/// Which clouds to talk to: the real ones (keys from `CONFLUENT_CLOUD_API_KEY`/`_SECRET` and
/// `TIDBCLOUD_PUBLIC_KEY`/`_PRIVATE_KEY`) or the built-in simulator.
#[derive(Debug, Clone, Args)]
pub struct CloudArgs {
    /// Use the built-in simulator (started in-process) instead of the real clouds; needs no keys.
    #[arg(long)]
    pub sandbox: bool,
    /// With --sandbox: seed the simulator from this world file instead of the example world.
    #[arg(long, value_name = "FILE", requires = "sandbox")]
    pub world: Option<PathBuf>,
    // The URL variables are read in `Target::start`, not by clap: clap counts a value from the
    // environment as the flag given, so `conflicts_with` would refuse `--sandbox` whenever
    // `LINKPLAN_*_URL` is exported (as after `. ./sim.env`).
    /// The Confluent Cloud API base URL (HTTPS, or HTTP on a loopback address)
    /// [env: LINKPLAN_CONFLUENT_URL; default: https://api.confluent.cloud].
    #[arg(long, value_name = "URL", conflicts_with = "sandbox")]
    pub confluent_url: Option<String>,
    /// The TiDB Cloud API base URL (HTTPS, or HTTP on a loopback address)
    /// [env: LINKPLAN_TIDBCLOUD_URL; default: https://serverless.tidbapi.com].
    #[arg(long, value_name = "URL", conflicts_with = "sandbox")]
    pub tidbcloud_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub target: PlansArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// Exit 2 when there are changes to make (0 when none, 1 on errors).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Allow replacing (deleting and creating again) this step's resource when a change cannot
    /// be made in place, e.g. `--replace confluent.cluster/n-abc123/orders` (repeatable; the
    /// step ids are the ones `plan` prints).
    #[arg(long, value_name = "STEP_ID")]
    pub replace: Vec<String>,
    /// Also save the plan (JSON, version 2) to this file, for `linkplan apply FILE` later.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The journal to read what linkplan created from (never written: a resource it recorded
    /// under an earlier name is shown as a change, not planned again); default
    /// `.linkplan/<plan file>.journal.jsonl` beside the plan.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    #[command(flatten)]
    pub state: LocationArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// The steps with + / ~ / = and their details.
    Human,
    /// The plan as JSON (version 1).
    Json,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub target: PlansArgs,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// Also delete the Kafka cluster linkplan created, and with it all its data.
    #[arg(long)]
    pub delete_kafka_cluster: bool,
    /// Also delete the PrivateLink access linkplan created, though the network stays (other TiDB
    /// clusters on the same AWS account may connect through it).
    #[arg(long)]
    pub delete_access: bool,
    /// Claim every resource of this plan found by its natural key as linkplan's, even without a
    /// journal record of creating it (after a lost journal); the other flags still apply.
    #[arg(long)]
    pub adopt: bool,
    /// The journal (and its lock); default `.linkplan/<plan file>.journal.jsonl` beside the plan
    /// (with --sandbox: under the temp directory).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    #[command(flatten)]
    pub state: LocationArgs,
    /// How many steps may run at once, over all the plans (Terraform's `-parallelism`).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
    /// Output format (JSON: the whole run, one document, on standard output).
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// Of the plans named, destroy only these (repeatable); the others are observed so that
    /// nothing they still use is deleted.
    #[arg(long, value_name = "FILE")]
    pub only: Vec<PathBuf>,
    /// How long to wait for another apply or destroy of this plan to finish (it holds the
    /// journal's lock), e.g. `30s`, `5m`; by default fail at once.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// The journal to read what linkplan created from (never written); default
    /// `.linkplan/<plan file>.journal.jsonl` beside the plan.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The TiDB Cloud cluster id (asked for on a terminal when missing).
    #[arg(long, value_name = "ID")]
    pub tidb_cluster: Option<String>,
    /// The Confluent Cloud environment id, `env-…` (asked for on a terminal when missing).
    #[arg(long, value_name = "ENV")]
    pub environment: Option<String>,
    /// The plan's `name` (display names derive from it) [default: the TiDB cluster's name].
    #[arg(long)]
    pub name: Option<String>,
    /// Write the plan to this file instead of standard output (never over an existing file
    /// without --force).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace the --output file if it exists.
    #[arg(long, requires = "output")]
    pub force: bool,
    /// Output format (JSON: candidates, choice, adopted resources and the plan's text, on
    /// standard output; docs/json-output.md).
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    #[command(flatten)]
    pub cloud: CloudArgs,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub target: PlansArgs,
    /// Output format (JSON: the observed state and the plan).
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// Exit 2 when steps remain or a step is not healthy — a changefeed not RUNNING, or (with
    /// --max-lag) lagging — (0 when connected and healthy, 1 on errors).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// A changefeed further behind than this (e.g. `5m`) counts as unhealthy (see
    /// --detailed-exitcode).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_lag: Option<std::time::Duration>,
    /// The journal to read what linkplan owns from (never written); default
    /// `.linkplan/<plan file>.journal.jsonl` beside the plan.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    #[command(flatten)]
    pub state: LocationArgs,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub target: ApplyTargetArgs,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// Allow replacing (deleting and creating again) this step's resource when a change cannot
    /// be made in place (repeatable; see `plan --replace`). A saved plan carries its own.
    #[arg(long, value_name = "STEP_ID")]
    pub replace: Vec<String>,
    /// The journal (and its lock); default `.linkplan/<plan file>.journal.jsonl` beside the plan
    /// (with --sandbox: under the temp directory).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    #[command(flatten)]
    pub state: LocationArgs,
    /// How many steps may run at once, over all the plans (Terraform's `-parallelism`).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
    /// Output format (JSON: the whole run, one document, on standard output).
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// How long to wait for another apply or destroy of this plan to finish (it holds the
    /// journal's lock), e.g. `30s`, `5m`; by default fail at once.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,
}

/// Where the journal and its lock are kept, when not in the file `--journal` names.
#[derive(Debug, Clone, Default, Args)]
pub struct LocationArgs {
    /// Where the journal and its lock are kept: `s3://bucket/prefix` (the journal is the object
    /// `<prefix>/<plan file>.journal.jsonl`, shared by every machine that names it; a prefix
    /// ending in `.jsonl` is the object itself) or `file` (beside the plan)
    /// [env: LINKPLAN_STATE, ignored with --sandbox; default: the plan's `state:`, else `state`
    /// in linkplan.toml, else file].
    #[arg(long, value_name = "LOCATION", conflicts_with = "journal")]
    pub state: Option<String>,
    /// The S3 endpoint, for an S3-compatible store (MinIO, Ceph, moto)
    /// [env: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL; default: AWS's, for AWS_REGION].
    #[arg(long, value_name = "URL")]
    pub state_endpoint: Option<String>,
}

#[derive(Debug, Args)]
pub struct ForceUnlockArgs {
    /// The id of the lock to remove (`linkplan state list` shows the lock held, if any).
    pub lock_id: String,
    /// The plan file whose journal is locked.
    pub file: PathBuf,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub force: bool,
    /// A journal file (its lock is the OS's: there is never one to force).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    #[command(flatten)]
    pub state: LocationArgs,
}

#[derive(Debug, Args)]
pub struct StateArgs {
    #[command(subcommand)]
    pub command: StateCommand,
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// Every resource the journal says linkplan created and still owns: the step id and the
    /// resource's id, one a line (and the lock, if a run holds it, on standard error).
    List(StateListArgs),
    /// One step's record: the resource linkplan owns for it, and every journal entry of it.
    Show(StateShowArgs),
    /// Print the journal as stored (JSON lines), e.g. to keep a copy or to move it elsewhere.
    Pull(StatePullArgs),
    /// Replace the journal with a journal file (checked first), under the journal's lock;
    /// e.g. `linkplan state push plan.yaml .linkplan/plan.yaml.journal.jsonl --state s3://…`
    /// moves a local journal to S3.
    Push(StatePushArgs),
}

/// Which plan's journal, and where it is.
#[derive(Debug, Args)]
pub struct JournalArgs {
    /// The plan file (only its name is used, to name its journal).
    pub file: PathBuf,
    /// The journal file; default `.linkplan/<plan file>.journal.jsonl` beside the plan.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    #[command(flatten)]
    pub state: LocationArgs,
}

#[derive(Debug, Args)]
pub struct StateListArgs {
    #[command(flatten)]
    pub target: JournalArgs,
    /// Output format (JSON: version 1, `resources` with `step` and `id`, and `lock`).
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
}

#[derive(Debug, Args)]
pub struct StateShowArgs {
    #[command(flatten)]
    pub target: JournalArgs,
    /// The step, as `state list` and `plan` print it (e.g. `confluent.cluster/n-abc123/orders`).
    pub step_id: String,
}

#[derive(Debug, Args)]
pub struct StatePullArgs {
    #[command(flatten)]
    pub target: JournalArgs,
    /// Write it to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StatePushArgs {
    #[command(flatten)]
    pub target: JournalArgs,
    /// The journal file to push.
    pub source: PathBuf,
    /// Replace a journal that holds records the pushed one does not begin with (they are lost).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// A world file (YAML: credentials, clusters, networks, delays, faults); default: the
    /// built-in example world, which matches examples/orders-cdc.yaml.
    #[arg(long, value_name = "FILE")]
    pub world: Option<PathBuf>,
    /// The port to listen on (127.0.0.1 only); 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// How simulated time passes.
    #[arg(long, value_enum, default_value_t = SimClock::Auto)]
    pub clock: SimClock,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimClock {
    /// Lifecycles advance with the wall clock, after the world's delays.
    Auto,
    /// Time stands still until `POST /_sim/clock/advance {"seconds": N}`.
    Explicit,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Plan files, or directories searched for plans: *.yaml and *.yml files with a top-level
    /// `version` and `tidb` or `confluent` (others are skipped; -v says which), minus hidden
    /// files and what .gitignore, .ignore and the configuration's `exclude` leave out. A file
    /// named here is always linted; `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format (`--output-format`, ruff's name, also works) [default: the
    /// configuration's `format`, else human].
    #[arg(long, alias = "output-format", value_enum, env = "LINKPLAN_FORMAT")]
    pub format: Option<Format>,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Treat findings of this severity and above as errors [default: the configuration's
    /// `deny`].
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub deny: Option<DenyLevel>,
    /// Run only these rules: codes (`AZ001`), prefixes (`AZ`, `AZ0`), names or `ALL`,
    /// comma-separated; replaces the configuration's `select` and `ignore`.
    ///
    /// As ruff: the more specific selector wins whatever the order (`--select AZ --ignore
    /// AZ003` runs AZ001, AZ002, AZ004, AZ005; `--ignore AZ --select AZ003` runs AZ003), and
    /// `--ignore` wins a tie.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Also run these rules (codes, prefixes, names or `ALL`), on top of `--select` or the
    /// configuration.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub extend_select: Vec<String>,
    /// Skip these rules (codes, prefixes, names or `ALL`, comma-separated), on top of the
    /// configuration's.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// The same as --ignore (ruff's name).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub extend_ignore: Vec<String>,
    /// Lint the files .gitignore and .ignore leave out too.
    #[arg(long)]
    pub no_respect_gitignore: bool,
    /// Apply `exclude` to files named on the command line too (for pre-commit, which names
    /// every changed file).
    #[arg(long)]
    pub force_exclude: bool,
    /// The file name to report for `-` (standard input).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Also look up what the plan leaves out (TiDB's region, zones and account, the network's
    /// region, zones, type and endpoint service, the cluster's type) from the live APIs, and run
    /// every rule on the plan merged with those values. Files with errors are not looked up.
    #[arg(long)]
    pub online: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub cloud: CloudArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code (`AZ001`) or name (`az-name-instead-of-id`); omit to list every rule.
    pub rule: Option<String>,
    /// List every rule.
    #[arg(long, conflicts_with = "rule")]
    pub all: bool,
    /// Output format: the rule's page (or the list) as text, or JSON, version 1
    /// (docs/json-output.md).
    #[arg(long, alias = "output-format", value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
}

/// Which project configuration to read: `linkplan.toml`, `.linkplan.toml` or a `pyproject.toml`
/// with `[tool.linkplan]`, found walking up from the current directory (ruff's rules).
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// Read this configuration file instead of looking for one.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Read no configuration file at all.
    #[arg(long)]
    pub isolated: bool,
}

/// `explain --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// Markdown: the rule's page, or one line per rule.
    Text,
    /// Stable JSON, version 1 (docs/json-output.md).
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source snippets with labels and help (colour on a terminal).
    Human,
    /// Stable JSON, version 1 (docs/json-output.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions annotations.
    Github,
    /// JUnit XML.
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DenyLevel {
    /// Warnings fail the run too.
    Warnings,
    /// Warnings and informational findings fail the run.
    Info,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

/// `90`, `90s`, `5m`, `1h` → a duration (whole units; seconds when no unit).
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| format!("`{text}` is not a duration like 30s, 5m or 1h"))?;
    let seconds = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        other => return Err(format!("unknown unit `{other}` in `{text}`: use s, m or h")),
    };
    Ok(std::time::Duration::from_secs(number.saturating_mul(seconds)))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_take_seconds_minutes_and_hours() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("5 minutes").is_err());
        assert!(parse_duration("m").is_err());
    }
}
