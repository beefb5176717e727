//! TiDB changefeeds at run time: what one holds and how it moves, lazily, on each tick.
//!
//! CREATING ends after the `changefeed` delay: RUNNING when [`State::sink_link`] accepts its sink
//! for the topics its filter selects, else CREATE_FAILED with the rule's message (or a world's
//! forced failure). While RUNNING the checkpoint follows simulated time, `changefeed_lag`
//! behind. A RUNNING changefeed whose sink breaks (its key deleted, its connection or domains
//! gone, a role binding removed…) turns WARNING at the first tick that sees it — TiCDC keeps
//! retrying — with the rule's message and a frozen checkpoint; it is RUNNING again once the sink
//! works, or RUNNING_FAILED after `changefeed_warning` seconds of WARNING. PAUSED
//! (`:stop`), RUNNING_FAILED and CREATE_FAILED do not move on their own.

use std::time::Duration;

use serde_json::Value;

use super::sink::{KafkaSink, SinkProblem, TableSelection};
use super::{CREATING, Meta, State, secs};
use crate::world::ResourceKind;

/// `ChangefeedState.Enum` values the simulator produces (and CREATING).
pub(crate) const RUNNING: &str = "RUNNING";
pub(crate) const CREATE_FAILED: &str = "CREATE_FAILED";
pub(crate) const RUNNING_FAILED: &str = "RUNNING_FAILED";
pub(crate) const WARNING: &str = "WARNING";
pub(crate) const PAUSED: &str = "PAUSED";
pub(crate) const DELETED: &str = "DELETED";

/// The most changefeeds a cluster may have (TiDB Cloud's documented limit).
pub(crate) const MAX_CHANGEFEEDS: usize = 10;

/// A changefeed to Kafka.
#[derive(Debug, Clone)]
pub(crate) struct Changefeed {
    pub(crate) id: String,
    pub(crate) cluster_id: String,
    pub(crate) display_name: String,
    /// `sink` as the request gave it, without the SASL password (echoed in responses).
    pub(crate) sink_json: Value,
    /// The same sink, typed, with the password: what the link rule judges.
    pub(crate) sink: KafkaSink,
    /// `filter` as the request gave it.
    pub(crate) filter_json: Value,
    pub(crate) tables: TableSelection,
    /// `startPosition.mode`.
    pub(crate) start_mode: String,
    /// The start position, in Unix milliseconds.
    pub(crate) start_ms: u64,
    pub(crate) state: &'static str,
    pub(crate) error: Option<String>,
    /// The checkpoint, in Unix milliseconds.
    pub(crate) checkpoint_ms: u64,
    /// When the current WARNING began.
    pub(crate) warned_at: Option<Duration>,
    pub(crate) meta: Meta,
}

enum Update {
    /// CREATING ended: RUNNING or CREATE_FAILED with this message.
    Created(Result<(), String>),
    /// A RUNNING or WARNING changefeed's sink, judged again.
    Judged(Result<(), String>),
}

impl State {
    /// What the link rule says of a changefeed's sink now, for the topics it writes.
    pub(crate) fn judge(&self, cf: &Changefeed) -> Result<(), SinkProblem> {
        let topics = self.topics(&cf.cluster_id, &cf.sink, Some(&cf.tables));
        self.sink_link(&cf.cluster_id, &cf.sink, &topics)
    }

    /// Apply what is due to every changefeed (see the module docs).
    pub(super) fn tick_changefeeds(&mut self, now: Duration) {
        let now_ms = self.clock.unix_millis(now);
        let lag = u64::try_from(secs(self.delays.changefeed_lag).as_millis()).unwrap_or(u64::MAX);
        let follow = now_ms.saturating_sub(lag);
        let warning_for = secs(self.delays.changefeed_warning);
        let mut updates = Vec::new();
        for (i, cf) in self.changefeeds.iter().enumerate() {
            let judged = || self.judge(cf).map_err(|p| p.to_string());
            match cf.state {
                CREATING if cf.meta.due.is_some_and(|d| d <= now) => {
                    let outcome = match self.forced_failure(ResourceKind::Changefeed, Some(&cf.display_name)) {
                        Some(message) => Err(message),
                        None => judged(),
                    };
                    updates.push((i, Update::Created(outcome)));
                }
                RUNNING | WARNING => updates.push((i, Update::Judged(judged()))),
                _ => {}
            }
        }
        for (i, update) in updates {
            let Some(cf) = self.changefeeds.get_mut(i) else { continue };
            match update {
                Update::Created(Ok(())) => {
                    cf.state = RUNNING;
                    cf.error = None;
                    cf.checkpoint_ms = cf.checkpoint_ms.max(follow);
                    cf.meta.due = None;
                    cf.meta.updated = now;
                }
                Update::Created(Err(message)) => {
                    cf.state = CREATE_FAILED;
                    cf.error = Some(message);
                    cf.meta.due = None;
                    cf.meta.updated = now;
                }
                Update::Judged(Ok(())) => {
                    if cf.state == WARNING {
                        cf.state = RUNNING;
                        cf.error = None;
                        cf.warned_at = None;
                        cf.meta.updated = now;
                    }
                    cf.checkpoint_ms = cf.checkpoint_ms.max(follow);
                }
                Update::Judged(Err(message)) => {
                    if cf.state == RUNNING {
                        // It ran until now: the checkpoint got this far before the sink broke.
                        cf.checkpoint_ms = cf.checkpoint_ms.max(follow);
                        cf.state = WARNING;
                        cf.warned_at = Some(now);
                        cf.meta.updated = now;
                    } else if cf.warned_at.is_some_and(|since| now.saturating_sub(since) >= warning_for) {
                        cf.state = RUNNING_FAILED;
                        cf.warned_at = None;
                        cf.meta.updated = now;
                    }
                    cf.error = Some(message);
                }
            }
        }
    }
}
