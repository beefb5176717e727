//! Fault injection: 429 with Retry-After, 5xx bursts, slow responses and dropped connections
//! (before or after the request is carried out).

use serde::{Deserialize, Serialize};

/// Which API a fault (or a request) belongs to.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Vendor {
    /// `api.confluent.cloud` paths.
    Confluent,
    /// `/v1beta1/...` paths.
    Tidbcloud,
}

/// What an armed fault does to a matching request.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultAction {
    /// Answer the vendor's 429: its error body and rate-limit headers (the limit, 0 remaining,
    /// the reset in `seconds`), and at Confluent `Retry-After: seconds` (TiDB Cloud documents none).
    RateLimit {
        /// Seconds to put in the reset header (and Confluent's `Retry-After`).
        #[serde(default = "one")]
        retry_after: u64,
    },
    /// Answer this 5xx status with the vendor's error body.
    ServerError {
        /// The status (500..=599).
        #[serde(default = "five_hundred_three")]
        status: u16,
    },
    /// Answer 503 with `Retry-After: seconds` (a maintenance window; clients should wait).
    Unavailable {
        /// Seconds to put in `Retry-After`.
        #[serde(default = "one")]
        retry_after: u64,
    },
    /// Wait this long (real time) before handling the request normally.
    Slow {
        /// Milliseconds.
        millis: u64,
    },
    /// Close the connection without a response.
    Drop,
    /// Carry the request out, then close the connection without a response: the ambiguous
    /// failure (a create that happened, though the client never heard) clients must survive.
    DropAfterApply,
    /// Hold the request without answering for up to `millis` (real time; then answer
    /// normally), carrying it out first when `after_apply`. While it is held the client sits
    /// between two API calls: tests kill the client process there ([`crate::RunningSim::held`]).
    Hang {
        /// How long to hold it at most.
        #[serde(default = "a_minute")]
        millis: u64,
        /// Carry the request out before holding the answer back.
        #[serde(default)]
        after_apply: bool,
    },
}

fn a_minute() -> u64 {
    60_000
}

fn one() -> u64 {
    1
}
fn five_hundred_three() -> u16 {
    503
}

/// A fault: which requests it matches, what it does, and how many times.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Only this vendor's requests (both when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<Vendor>,
    /// Only this HTTP method (any when absent), e.g. `POST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only paths starting with this (any when absent), e.g. `/networking/v1/networks`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Let this many matching requests through first.
    #[serde(default)]
    pub after: u32,
    /// Fire this many times, then disarm (forever when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// What to do.
    pub action: FaultAction,
}

/// The armed faults, with their counters.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    armed: Vec<Armed>,
}

#[derive(Debug)]
struct Armed {
    fault: Fault,
    seen: u32,
    fired: u32,
}

impl Faults {
    pub(crate) fn add(&mut self, fault: Fault) {
        self.armed.push(Armed { fault, seen: 0, fired: 0 });
    }

    pub(crate) fn clear(&mut self) {
        self.armed.clear();
    }

    pub(crate) fn list(&self) -> Vec<Fault> {
        self.armed.iter().map(|a| a.fault.clone()).collect()
    }

    /// The action for this request, if an armed fault matches (counting it).
    pub(crate) fn check(&mut self, vendor: Vendor, method: &str, path: &str) -> Option<FaultAction> {
        let mut hit = None;
        for armed in &mut self.armed {
            let f = &armed.fault;
            let matches = f.vendor.is_none_or(|v| v == vendor)
                && f.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
                && f.path.as_deref().is_none_or(|p| path.starts_with(p));
            if !matches || f.times.is_some_and(|t| armed.fired >= t) {
                continue;
            }
            armed.seen = armed.seen.saturating_add(1);
            if armed.seen <= f.after {
                continue;
            }
            armed.fired = armed.fired.saturating_add(1);
            hit = Some(f.action);
            break;
        }
        self.armed.retain(|a| a.fault.times.is_none_or(|t| a.fired < t));
        hit
    }
}
