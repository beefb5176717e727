//! `linkplan sim`: serve the Confluent Cloud + TiDB Cloud simulator until interrupted.
//!
//! Standard output carries only `export NAME=value` lines (so `linkplan sim > sim.env &` then
//! `. ./sim.env` works); the human status goes to standard error and never shows the keys.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use linkplan_sim::{ClockMode, Sim, SimConfig, SimError, World};
use miette::{IntoDiagnostic, LabeledSpan, NamedSource, WrapErr, miette};

use crate::args::{SimArgs, SimClock};
use crate::{ExitStatus, printer};

/// How long in-flight requests get to finish after a signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

pub(crate) fn run(args: &SimArgs) -> miette::Result<ExitStatus> {
    let (world, world_name) = match &args.world {
        Some(path) => (load_world(path)?, path.display().to_string()),
        None => (World::example(), "built-in example".to_owned()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("linkplan-sim")
        .build()
        .into_diagnostic()
        .wrap_err("cannot start the simulator's runtime")?;
    runtime.block_on(serve(world, &world_name, args))
}

async fn serve(world: World, world_name: &str, args: &SimArgs) -> miette::Result<ExitStatus> {
    let clock = match args.clock {
        SimClock::Auto => ClockMode::Auto,
        SimClock::Explicit => ClockMode::Explicit,
    };
    let config = SimConfig { addr: SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)), clock, ..SimConfig::default() };
    // Listen for signals before announcing the address, so a client that reads the exports and
    // stops us at once gets a graceful stop, not the default action.
    let mut signals = Signals::new().into_diagnostic().wrap_err("cannot install signal handlers")?;
    let sim = Sim::start(world, config).await.map_err(|e| match e {
        SimError::Bind { addr, source } => {
            miette!(help = "pick another --port, or --port 0 for any free one", "cannot listen on {addr}: {source}")
        }
        other => miette!("{other}"),
    })?;
    printer::stdout(&exports(&sim.env()));
    let url = sim.confluent_url().to_owned();
    let clock_note = match args.clock {
        SimClock::Auto => "auto clock".to_owned(),
        SimClock::Explicit => format!("explicit clock: POST {url}/_sim/clock/advance {{\"seconds\": N}}"),
    };
    printer::status(&format!(
        "serving Confluent Cloud and TiDB Cloud on {url} (world: {world_name}; {clock_note}); Ctrl-C to stop"
    ));
    let signal = signals.recv().await;
    printer::status(&format!("{signal}: stopping"));
    if tokio::time::timeout(SHUTDOWN_GRACE, sim.shutdown()).await.is_err() {
        printer::warning("requests still running after the grace period were cut off");
    }
    Ok(ExitStatus::Success)
}

/// Read and check a world file; a bad one is a diagnostic pointing at the line.
fn load_world(path: &Path) -> miette::Result<World> {
    let text = std::fs::read_to_string(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot read the world file `{}`", path.display()))?;
    World::from_yaml(&text).map_err(|e| match e {
        SimError::World { location: Some(at), message, .. } => miette!(
            labels = vec![LabeledSpan::at(at.offset..at.offset + at.len, "here")],
            help = "fixtures/sim/README.md describes every key of a world file",
            "invalid world file `{}` at line {}, column {}: {message}",
            path.display(),
            at.line,
            at.column
        )
        .with_source_code(NamedSource::new(path.display().to_string(), text)),
        SimError::World { message, .. } => miette!(
            help = "fixtures/sim/README.md describes every key of a world file",
            "invalid world file `{}`: {message}",
            path.display()
        ),
        other => miette!("{other}"),
    })
}

/// `export NAME=value` lines, values quoted for any POSIX shell.
fn exports(env: &[(&str, String)]) -> String {
    env.iter().map(|(name, value)| format!("export {name}={}\n", shell_quote(value))).collect()
}

/// The value as one shell word: bare when it is made of safe characters, else single-quoted.
fn shell_quote(value: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-.,:/@%+=".contains(c);
    if !value.is_empty() && value.chars().all(safe) {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// SIGINT and SIGTERM (Ctrl-C elsewhere).
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals { interrupt: signal(SignalKind::interrupt())?, terminate: signal(SignalKind::terminate())? })
    }

    #[cfg(not(unix))]
    fn new() -> std::io::Result<Signals> {
        Ok(Signals {})
    }

    /// Wait for the first signal; its name.
    #[cfg(unix)]
    async fn recv(&mut self) -> &'static str {
        std::future::poll_fn(|cx| {
            if self.interrupt.poll_recv(cx).is_ready() {
                return std::task::Poll::Ready("interrupted");
            }
            if self.terminate.poll_recv(cx).is_ready() {
                return std::task::Poll::Ready("terminated");
            }
            std::task::Poll::Pending
        })
        .await
    }

    #[cfg(not(unix))]
    async fn recv(&mut self) -> &'static str {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "interrupted",
            Err(_) => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{exports, shell_quote};

    #[test]
    fn values_are_quoted_for_the_shell() {
        assert_eq!(shell_quote("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(shell_quote("sim-secret_0123"), "sim-secret_0123");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's $HOME `x`"), r"'it'\''s $HOME `x`'");
        assert_eq!(exports(&[("A", "1".to_owned()), ("B", "x y".to_owned())]), "export A=1\nexport B='x y'\n");
    }
}
