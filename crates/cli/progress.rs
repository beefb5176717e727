//! Apply and destroy progress on standard error: a spinner per step on a terminal, plain lines
//! elsewhere (CI, a pipe, `TERM=dumb`, or a `-v` log on standard error).
//!
//! [`Display`] receives [`Event`]s from every running step at once (it is the engine's
//! [`Progress`]). On a terminal each step gets a spinner line when it starts, in the order steps
//! start (the order the engine runs them, not all of the plan up front: a step that never
//! starts shows no line), with its vendor state and the time so far; a finished step becomes a
//! static `✓`/`✗`/`=` line with the duration the engine measured. Without a terminal,
//! [`Lines`] writes one line per event, but a step's `Waiting` line only when its state changes
//! or [`WAIT_LINE_EVERY`] of (engine) time passed since the last one.
//!
//! While spinners are drawn, [`suspend`] (used by every `printer` write) hides them around
//! other output so status lines do not garble the display.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use linkplan_engine::{Action, Event, Progress, StepId};

/// Without a terminal: at most one `Waiting` line per step per this much engine time, unless
/// the state changes.
pub(crate) const WAIT_LINE_EVERY: Duration = Duration::from_secs(30);

/// How often a spinner redraws (also refreshes the time shown).
const TICK: Duration = Duration::from_millis(100);

/// The display that is drawing spinners, if any: other output goes through its `suspend`.
static ACTIVE: Mutex<Option<MultiProgress>> = Mutex::new(None);

/// Runs `write` with the spinners (if any are drawn) hidden, then redraws them.
pub(crate) fn suspend<R>(write: impl FnOnce() -> R) -> R {
    // A clone (an `Arc`): the registry's lock is not held while writing.
    let active = ACTIVE.lock().unwrap_or_else(PoisonError::into_inner).clone();
    match active {
        Some(multi) => multi.suspend(write),
        None => write(),
    }
}

/// Whether to draw spinners: standard error is a terminal, `TERM` is not `dumb`, `CI` is unset,
/// and no `-v` log writes to standard error (its lines would tear through the spinners).
pub(crate) fn wants_spinners(
    stderr_is_terminal: bool,
    term: Option<&OsStr>,
    ci: Option<&OsStr>,
    logging: bool,
) -> bool {
    stderr_is_terminal && term.is_none_or(|t| t != "dumb") && ci.is_none() && !logging
}

/// The engine's [`Progress`] for apply and destroy: spinners or lines on standard error.
/// Call [`Display::finish`] before printing the summary (dropping it does the same).
pub(crate) struct Display {
    mode: Mode,
}

enum Mode {
    /// `--quiet`: nothing (the run's outcome is still printed).
    Silent,
    Spinners(Spinners),
    Lines(Mutex<Lines<std::io::Stderr>>),
}

impl Display {
    /// Spinners when [`wants_spinners`] says so, with colour unless `NO_COLOR` is set; else lines.
    pub(crate) fn new() -> Display {
        let term = std::env::var_os("TERM");
        let ci = std::env::var_os("CI");
        let logging = tracing::level_filters::LevelFilter::current() != tracing::level_filters::LevelFilter::OFF;
        let mode = if crate::printer::quiet() {
            Mode::Silent
        } else if wants_spinners(std::io::stderr().is_terminal(), term.as_deref(), ci.as_deref(), logging) {
            Mode::Spinners(Spinners::new(crate::printer::stderr_color()))
        } else {
            Mode::Lines(Mutex::new(Lines::new(std::io::stderr())))
        };
        Display { mode }
    }

    /// Leaves every step's last line on screen and stops drawing (idempotent).
    pub(crate) fn finish(&self) {
        if let Mode::Spinners(spinners) = &self.mode {
            spinners.finish();
        }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Progress for Display {
    fn event(&self, event: &Event<'_>) {
        self.event_in(None, event);
    }
}

impl Display {
    /// An event of one plan of several: its lines say which (`tenant-a.yaml: + confluent…`).
    pub(crate) fn event_in(&self, plan: Option<&str>, event: &Event<'_>) {
        let Some(step) = event_step(event) else { return };
        let name = match plan {
            Some(plan) => format!("{plan}: {step}"),
            None => step.to_string(),
        };
        match &self.mode {
            Mode::Silent => {}
            Mode::Spinners(spinners) => spinners.event(&name, event),
            Mode::Lines(lines) => lines.lock().unwrap_or_else(PoisonError::into_inner).event_named(&name, event),
        }
    }
}

/// The step an event is about.
fn event_step<'a>(event: &Event<'a>) -> Option<&'a StepId> {
    match event {
        Event::Started { step, .. }
        | Event::Waiting { step, .. }
        | Event::Succeeded { step, .. }
        | Event::Skipped { step }
        | Event::Failed { step, .. } => Some(step),
        _ => None,
    }
}

/// Plain progress lines (no terminal): one per event, `Waiting` lines throttled per step.
pub(crate) struct Lines<W> {
    out: W,
    /// Per step (by its name on the line), the last `Waiting` line written and the last
    /// `Waiting` event seen.
    shown: HashMap<String, Shown>,
}

struct Shown {
    /// The state and elapsed time of the last line written.
    state: String,
    at: Duration,
    /// The elapsed time of the last event, written or not.
    seen: Duration,
}

impl<W: Write> Lines<W> {
    pub(crate) fn new(out: W) -> Lines<W> {
        Lines { out, shown: HashMap::new() }
    }

    #[cfg(test)]
    pub(crate) fn into_inner(self) -> W {
        self.out
    }

    /// Writes the event's line, if it gets one; a closed stderr is not an error.
    #[cfg(test)]
    pub(crate) fn event(&mut self, event: &Event<'_>) {
        if let Some(step) = event_step(event) {
            self.event_named(&step.to_string(), event);
        }
    }

    /// Writes the event's line for the step called `step` on it.
    pub(crate) fn event_named(&mut self, step: &str, event: &Event<'_>) {
        if let Some(line) = self.line(step, event) {
            let _ = writeln!(self.out, "{line}");
        }
    }

    fn line(&mut self, step: &str, event: &Event<'_>) -> Option<String> {
        Some(match event {
            Event::Started { action, .. } => {
                self.shown.remove(step);
                format!("{} {step}: started", action.symbol())
            }
            Event::Waiting { state, elapsed, .. } => {
                let due = match self.shown.get_mut(step) {
                    None => true,
                    Some(shown) => {
                        // An earlier `elapsed` than the last event: the step began a new wait.
                        let due =
                            shown.state != *state || *elapsed < shown.seen || *elapsed >= shown.at + WAIT_LINE_EVERY;
                        shown.seen = *elapsed;
                        due
                    }
                };
                if !due {
                    return None;
                }
                let shown = Shown { state: (*state).to_owned(), at: *elapsed, seen: *elapsed };
                self.shown.insert(step.to_owned(), shown);
                format!("  {step}: {state} ({}s)", elapsed.as_secs())
            }
            Event::Succeeded { outcome, elapsed, .. } => {
                self.shown.remove(step);
                format!("  {step}: done, {} ({}s)", outcome.resource_id, elapsed.as_secs())
            }
            Event::Skipped { .. } => format!("= {step}: already done"),
            Event::Failed { .. } => {
                self.shown.remove(step);
                format!("! {step}: failed")
            }
            _ => return None,
        })
    }
}

/// One spinner line per started step under a [`MultiProgress`] on standard error.
struct Spinners {
    multi: MultiProgress,
    color: bool,
    /// Every step that got a line (by its name on the line), with what its line shows.
    steps: Mutex<HashMap<String, Step>>,
}

struct Step {
    bar: ProgressBar,
    /// Read by the bar's style on every tick; never locked while calling into the bar.
    live: Arc<Mutex<Live>>,
}

/// What a running step's line shows.
struct Live {
    action: Action,
    id: String,
    state: Option<String>,
    /// The `elapsed` of the last `Waiting` event (engine time).
    waited: Option<Duration>,
    /// The step's time at `since`: engine time from the last event when it is ahead of the
    /// terminal's clock (a simulated clock), counted on with the wall clock between events.
    base: Duration,
    since: Instant,
}

impl Live {
    fn elapsed(&self) -> Duration {
        self.base + self.since.elapsed()
    }
}

impl Spinners {
    fn new(color: bool) -> Spinners {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        *ACTIVE.lock().unwrap_or_else(PoisonError::into_inner) = Some(multi.clone());
        Spinners { multi, color, steps: Mutex::new(HashMap::new()) }
    }

    fn event(&self, name: &str, event: &Event<'_>) {
        let mut steps = self.steps.lock().unwrap_or_else(PoisonError::into_inner);
        match event {
            Event::Started { action, .. } => {
                let live = Arc::new(Mutex::new(Live {
                    action: *action,
                    id: name.to_owned(),
                    state: None,
                    waited: None,
                    base: Duration::ZERO,
                    since: Instant::now(),
                }));
                let bar = self.multi.add(ProgressBar::new_spinner().with_style(self.running_style(&live)));
                bar.enable_steady_tick(TICK);
                if let Some(old) = steps.insert(name.to_owned(), Step { bar, live }) {
                    old.bar.finish();
                }
            }
            Event::Waiting { state, elapsed, .. } => {
                if let Some(running) = steps.get(name) {
                    let mut live = running.live.lock().unwrap_or_else(PoisonError::into_inner);
                    live.base = live.elapsed().max(*elapsed);
                    live.since = Instant::now();
                    live.state = Some((*state).to_owned());
                    live.waited = Some(*elapsed);
                }
            }
            Event::Succeeded { outcome, elapsed, .. } => {
                let done = Finish::Done { resource_id: &outcome.resource_id, elapsed: *elapsed };
                self.finish_step(&mut steps, name, done);
            }
            Event::Skipped { .. } => self.finish_step(&mut steps, name, Finish::Skipped),
            Event::Failed { error, .. } => {
                let waited = steps.get(name).and_then(|s| s.live.lock().unwrap_or_else(PoisonError::into_inner).waited);
                self.finish_step(&mut steps, name, Finish::Failed { doing: &error.doing, waited });
            }
            _ => {}
        }
    }

    /// Turns the step's line (a new one for a skipped step) into its final, static line.
    fn finish_step(&self, steps: &mut HashMap<String, Step>, id: &str, finish: Finish<'_>) {
        let action = steps.get(id).map(|s| s.live.lock().unwrap_or_else(PoisonError::into_inner).action);
        let line = final_line(id, action, &finish, self.color);
        let bar = match steps.get(id) {
            Some(step) => step.bar.clone(),
            None => {
                let bar = self.multi.add(ProgressBar::new_spinner());
                let live = Live {
                    action: Action::Unchanged,
                    id: id.to_owned(),
                    state: None,
                    waited: None,
                    base: Duration::ZERO,
                    since: Instant::now(),
                };
                steps.insert(id.to_owned(), Step { bar: bar.clone(), live: Arc::new(Mutex::new(live)) });
                bar
            }
        };
        bar.set_style(static_style());
        bar.finish_with_message(line);
    }

    /// `{spinner} {line}`, the line rendered by [`spinner_line`] from `live` on every draw.
    fn running_style(&self, live: &Arc<Mutex<Live>>) -> ProgressStyle {
        let live = Arc::clone(live);
        let color = self.color;
        let line = move |_: &indicatif::ProgressState, out: &mut dyn std::fmt::Write| {
            let live = live.lock().unwrap_or_else(PoisonError::into_inner);
            let _ = out.write_str(&spinner_line(live.action, &live.id, live.state.as_deref(), live.elapsed(), color));
        };
        ProgressStyle::with_template("{spinner} {line}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
            .with_key("line", line)
    }

    /// Leaves the lines on screen: a step still running (apply stopped early) is marked as
    /// stopped, then spinners stop and other output goes straight to stderr again.
    fn finish(&self) {
        let steps = self.steps.lock().unwrap_or_else(PoisonError::into_inner);
        for step in steps.values().filter(|s| !s.bar.is_finished()) {
            let (action, id) = {
                let live = step.live.lock().unwrap_or_else(PoisonError::into_inner);
                (live.action, live.id.clone())
            };
            step.bar.set_style(static_style());
            step.bar.abandon_with_message(final_line(&id, Some(action), &Finish::Stopped, self.color));
        }
        drop(steps);
        *ACTIVE.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

fn static_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg}").unwrap_or_else(|_| ProgressStyle::default_spinner())
}

/// How a step's line ended.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Finish<'a> {
    /// `Succeeded`: the resource and the engine's time for the step.
    Done { resource_id: &'a str, elapsed: Duration },
    /// `Skipped`: already done.
    Skipped,
    /// `Failed`: what the step was doing, and the engine's time waiting when it last reported.
    Failed { doing: &'a str, waited: Option<Duration> },
    /// Still running when apply returned (an error that is not a step's).
    Stopped,
}

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// `text` in `code` when `color`.
fn paint(text: &str, code: &str, color: bool) -> String {
    if color { format!("{code}{text}{RESET}") } else { text.to_owned() }
}

/// A running step's line after the spinner: `+ confluent.cluster/env-1/lkc  PROVISIONING  2m05s`;
/// before the first vendor state, what the step is doing (`creating`).
pub(crate) fn spinner_line(action: Action, id: &str, state: Option<&str>, elapsed: Duration, color: bool) -> String {
    let state = match state {
        Some(state) => paint(state, YELLOW, color),
        None => action.doing().to_owned(),
    };
    format!("{} {id}  {state}  {}", action.symbol(), paint(&duration(elapsed), DIM, color))
}

/// A finished step's static line: `✓ + id  done, lkc-1 (2m05s)`, `= id  already done`,
/// `✗ + id  failed while creating the access (waited 1m00s)`.
pub(crate) fn final_line(id: &str, action: Option<Action>, finish: &Finish<'_>, color: bool) -> String {
    let symbol = action.map(|a| format!("{} ", a.symbol())).unwrap_or_default();
    match *finish {
        Finish::Done { resource_id, elapsed } => {
            let time = paint(&format!("({})", duration(elapsed)), DIM, color);
            format!("{} {symbol}{id}  done, {resource_id} {time}", paint("✓", GREEN, color))
        }
        Finish::Skipped => paint(&format!("= {id}  already done"), DIM, color),
        Finish::Failed { doing, waited } => {
            let mut line = format!("{} {symbol}{id}  failed while {doing}", paint("✗", RED, color));
            if let Some(waited) = waited {
                let _ = write!(line, " {}", paint(&format!("(waited {})", duration(waited)), DIM, color));
            }
            line
        }
        Finish::Stopped => format!("{} {symbol}{id}  stopped", paint("✗", RED, color)),
    }
}

/// `45s`, `2m05s`, `1h02m`.
pub(crate) fn duration(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m", secs / 3600, secs % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use linkplan_engine::{StepError, StepOutcome};

    use super::*;

    fn id(text: &str) -> StepId {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).unwrap_or_else(|e| panic!("{e}"))
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    /// Two steps waiting at once: a Waiting line only on a new state or every 30 s per step,
    /// and every other event as before.
    #[test]
    fn plain_lines_throttle_waiting_per_step() {
        let skipped = id("confluent.network/n-abc123");
        let access = id("confluent.private_link_access/n-abc123/123456789012");
        let cluster = id("confluent.cluster/env-1/orders");
        let connection = id("tidbcloud.private_link_connection/10140100115280519574/orders");
        let done = StepOutcome { resource_id: "pla-1".to_owned(), ..StepOutcome::default() };
        let lkc = StepOutcome { resource_id: "lkc-1".to_owned(), ..StepOutcome::default() };
        let error = StepError {
            step: connection.clone(),
            doing: "creating the private link connection".to_owned(),
            message: "quota exceeded".to_owned(),
            hint: None,
        };
        let waiting = |step, state, s| Event::Waiting { step, state, elapsed: secs(s) };
        let events = [
            Event::Skipped { step: &skipped },
            Event::Started { step: &access, action: Action::Create },
            Event::Started { step: &cluster, action: Action::Create },
            waiting(&access, "PROVISIONING", 0),
            waiting(&cluster, "PROVISIONING", 0),
            waiting(&access, "PROVISIONING", 2),
            waiting(&cluster, "PROVISIONING", 2),
            waiting(&access, "PROVISIONING", 29),
            // 30 s after the last line: shown.
            waiting(&access, "PROVISIONING", 30),
            waiting(&cluster, "PROVISIONING", 31),
            waiting(&access, "PROVISIONING", 45),
            // A new state: shown at once.
            waiting(&access, "READY_PENDING", 46),
            waiting(&access, "READY_PENDING", 50),
            Event::Succeeded { step: &access, outcome: &done, elapsed: secs(52) },
            waiting(&cluster, "PROVISIONING", 60),
            waiting(&cluster, "PROVISIONING", 61),
            waiting(&cluster, "PROVISIONING", 125),
            Event::Succeeded { step: &cluster, outcome: &lkc, elapsed: secs(130) },
            Event::Started { step: &connection, action: Action::Create },
            waiting(&connection, "PENDING_ACCEPTANCE", 0),
            // A second wait of the same step starts again from 0: shown.
            waiting(&connection, "PENDING_ACCEPTANCE", 12),
            waiting(&connection, "PENDING_ACCEPTANCE", 1),
            Event::Failed { step: &connection, error: &error },
        ];
        let mut lines = Lines::new(Vec::new());
        for event in &events {
            lines.event(event);
        }
        let out = String::from_utf8(lines.into_inner()).unwrap_or_else(|e| panic!("{e}"));
        insta::with_settings!({ prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("progress_plain_lines", out);
        });
    }

    /// A step started again (a second apply in one process) gets its first Waiting line again.
    #[test]
    fn plain_lines_restart_the_throttle_when_a_step_starts() {
        let step = id("confluent.cluster/env-1/orders");
        let mut lines = Lines::new(Vec::new());
        for _ in 0..2 {
            lines.event(&Event::Started { step: &step, action: Action::Wait });
            lines.event(&Event::Waiting { step: &step, state: "PROVISIONING", elapsed: secs(3) });
        }
        let out = String::from_utf8(lines.into_inner()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.matches("PROVISIONING").count(), 2, "{out}");
    }

    #[test]
    fn spinner_line_shows_symbol_id_state_and_elapsed() {
        let id = "confluent.cluster/env-1/orders";
        assert_eq!(
            spinner_line(Action::Create, id, Some("PROVISIONING"), secs(125), false),
            "+ confluent.cluster/env-1/orders  PROVISIONING  2m05s"
        );
        assert_eq!(
            spinner_line(Action::Create, id, None, secs(0), false),
            "+ confluent.cluster/env-1/orders  creating  0s"
        );
        assert_eq!(
            spinner_line(Action::Delete, id, Some("DEPROVISIONING"), secs(3725), false),
            "- confluent.cluster/env-1/orders  DEPROVISIONING  1h02m"
        );
        assert_eq!(
            spinner_line(Action::Attach, id, None, secs(59), false),
            "~ confluent.cluster/env-1/orders  attaching  59s"
        );
        assert_eq!(
            spinner_line(Action::Wait, id, Some("PROVISIONING"), secs(5), true),
            "~ confluent.cluster/env-1/orders  \x1b[33mPROVISIONING\x1b[0m  \x1b[2m5s\x1b[0m"
        );
    }

    #[test]
    fn final_lines_show_the_engine_duration() {
        let id = "confluent.cluster/env-1/orders";
        let done = Finish::Done { resource_id: "lkc-1", elapsed: secs(130) };
        assert_eq!(
            final_line(id, Some(Action::Create), &done, false),
            "✓ + confluent.cluster/env-1/orders  done, lkc-1 (2m10s)"
        );
        assert_eq!(final_line(id, None, &Finish::Skipped, false), "= confluent.cluster/env-1/orders  already done");
        let failed = Finish::Failed { doing: "creating the Kafka cluster", waited: Some(secs(61)) };
        assert_eq!(
            final_line(id, Some(Action::Create), &failed, false),
            "✗ + confluent.cluster/env-1/orders  failed while creating the Kafka cluster (waited 1m01s)"
        );
        let failed = Finish::Failed { doing: "creating the Kafka cluster", waited: None };
        assert_eq!(
            final_line(id, Some(Action::Create), &failed, false),
            "✗ + confluent.cluster/env-1/orders  failed while creating the Kafka cluster"
        );
        assert_eq!(
            final_line(id, Some(Action::Delete), &Finish::Stopped, false),
            "✗ - confluent.cluster/env-1/orders  stopped"
        );
        assert_eq!(
            final_line(id, Some(Action::Create), &done, true),
            "\x1b[32m✓\x1b[0m + confluent.cluster/env-1/orders  done, lkc-1 \x1b[2m(2m10s)\x1b[0m"
        );
    }

    #[test]
    fn durations() {
        let shown: Vec<String> = [0, 59, 60, 61, 3599, 3600, 3725, 90000].map(|s| duration(secs(s))).to_vec();
        assert_eq!(shown, ["0s", "59s", "1m00s", "1m01s", "59m59s", "1h00m", "1h02m", "25h00m"]);
    }

    #[test]
    fn spinners_only_on_a_terminal_outside_ci() {
        let dumb = Some(OsStr::new("dumb"));
        let xterm = Some(OsStr::new("xterm-256color"));
        let ci = Some(OsStr::new("true"));
        assert!(wants_spinners(true, xterm, None, false));
        assert!(wants_spinners(true, None, None, false));
        assert!(!wants_spinners(false, xterm, None, false));
        assert!(!wants_spinners(true, dumb, None, false));
        assert!(!wants_spinners(true, xterm, ci, false));
        assert!(!wants_spinners(true, xterm, Some(OsStr::new("")), false), "CI set, even empty");
        assert!(!wants_spinners(true, xterm, None, true), "-v logs to stderr");
    }
}
