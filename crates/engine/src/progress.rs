//! Progress events apply emits; the CLI renders them (spinners on a TTY, lines in CI).

use std::time::Duration;

use crate::step::{Action, StepError, StepId, StepOutcome};

/// One thing that happened during apply.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Event<'a> {
    /// The step started (its dependencies are done).
    Started { step: &'a StepId, action: Action },
    /// The resource is not ready yet: its vendor state and the time spent waiting.
    Waiting { step: &'a StepId, state: &'a str, elapsed: Duration },
    /// Done.
    Succeeded { step: &'a StepId, outcome: &'a StepOutcome, elapsed: Duration },
    /// Already done (`=`): nothing to call.
    Skipped { step: &'a StepId },
    /// Failed; apply stops starting new steps.
    Failed { step: &'a StepId, error: &'a StepError },
}

/// Receives progress events (from several steps at once: implementations synchronize).
pub trait Progress: Send + Sync {
    fn event(&self, event: &Event<'_>);
}

/// Ignores every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn event(&self, _event: &Event<'_>) {}
}

impl<F: Fn(&Event<'_>) + Send + Sync> Progress for F {
    fn event(&self, event: &Event<'_>) {
        self(event);
    }
}
