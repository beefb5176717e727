//! One request budget per API key, shared by every call of a client (and so by every plan a
//! fleet run applies with it): requests wait for room instead of meeting a 429.
//!
//! Two limits, both honoured:
//! - the vendor's documented one, when it has one (TiDB Cloud: 100 requests a minute per key),
//!   kept as a sliding log: no [`BudgetLimit::window`] ever holds more than
//!   [`BudgetLimit::requests`] sends, so no fixed window of the server's does either, wherever
//!   its minute starts;
//! - what the server says: `X-RateLimit-Remaining` (less the requests still in flight, which it
//!   has not counted yet) until `X-RateLimit-Reset` seconds from that answer, and a 429's wait.
//!   That covers a vendor that publishes no number (Confluent: "read the road signs") and
//!   another process using the same key.
//!
//! Time is the client's [`Timer`], so a simulated clock runs the budget in simulated time.
//!
//! Waits that poll through the budget register as [`Poller`]s, and [`Budget::poll_spacing`]
//! gives each its fair share of the documented limit: with many resources waited on at once
//! (a fleet's connections), each polls less often instead of all of them queueing for room —
//! which would delay every poll, the one that would see a resource ready included, and leave no
//! room for creates.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::retry::seconds_header;
use crate::timer::Timer;

/// A documented request limit: at most `requests` in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetLimit {
    pub requests: u32,
    pub window: Duration,
}

/// The headers a vendor reports its window in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetHeaders {
    /// Requests left in the current window (`x-ratelimit-remaining`).
    pub remaining: &'static str,
    /// Seconds until the window resets (`x-ratelimit-reset`, relative).
    pub reset: &'static str,
}

/// Added to every wait the log computes: the server stamps a request when it arrives, a little
/// after we send it, and its minute boundaries are not ours.
const MARGIN: Duration = Duration::from_millis(250);

/// A client's shared request budget (see the module documentation).
#[derive(Debug)]
pub struct Budget {
    limit: Option<BudgetLimit>,
    headers: BudgetHeaders,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// When each of the last `limit.requests` requests was sent (timer time), oldest first.
    sent: VecDeque<Duration>,
    /// Requests sent whose answer has not arrived.
    in_flight: u32,
    /// The server's word: this many requests left (counting from the answer that said so)
    /// until this time.
    server: Option<(u32, Duration)>,
    /// No request before this time (a 429's wait, or a spent window).
    paused_until: Option<Duration>,
    /// Requests that waited for room, and 429s seen (for reports and tests).
    waited: u64,
    refused: u64,
    /// Waits polling through this budget now ([`Budget::poller`]).
    pollers: u32,
}

/// The share of a documented limit polling may take, in percent: the rest stays free for
/// creates, lookups and another process using the key.
const POLL_SHARE: u32 = 75;

/// A request's hold on the budget: counts it in flight until [`Budget::answered`] or drop.
#[derive(Debug)]
pub struct Ticket<'a> {
    budget: &'a Budget,
    answered: bool,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if !self.answered {
            self.budget.finish();
        }
    }
}

/// A wait's registration as a poller of a budget, until dropped ([`Budget::poller`]).
#[derive(Debug)]
pub struct Poller<'a> {
    budget: &'a Budget,
}

impl Poller<'_> {
    /// The least time between two of this wait's polls: see [`Budget::poll_spacing`].
    pub fn spacing(&self) -> Duration {
        self.budget.poll_spacing()
    }
}

impl Drop for Poller<'_> {
    fn drop(&mut self) {
        let mut state = self.budget.lock();
        state.pollers = state.pollers.saturating_sub(1);
    }
}

impl Budget {
    /// A budget with the vendor's documented `limit` (if any), reading `headers`.
    pub fn new(limit: Option<BudgetLimit>, headers: BudgetHeaders) -> Budget {
        Budget { limit, headers, state: Mutex::new(State::default()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wait until a request fits, then count it as sent.
    pub async fn acquire<'a>(&'a self, timer: &dyn Timer) -> Ticket<'a> {
        let mut waited = false;
        loop {
            let wait = {
                let mut state = self.lock();
                let now = timer.now();
                match self.room(&mut state, now) {
                    None => {
                        if let Some(limit) = self.limit {
                            while state.sent.len() >= limit.requests as usize {
                                state.sent.pop_front();
                            }
                            state.sent.push_back(now);
                        }
                        if let Some((left, until)) = &mut state.server
                            && now < *until
                        {
                            *left = left.saturating_sub(1);
                        }
                        state.in_flight = state.in_flight.saturating_add(1);
                        if waited {
                            state.waited = state.waited.saturating_add(1);
                        }
                        return Ticket { budget: self, answered: false };
                    }
                    Some(wait) => wait,
                }
            };
            waited = true;
            tracing::debug!(target: "linkplan::http", wait_ms = wait.as_millis() as u64, "request budget: waiting");
            timer.sleep(wait).await;
        }
    }

    /// `None` when a request may go now; otherwise how long to wait before asking again.
    fn room(&self, state: &mut State, now: Duration) -> Option<Duration> {
        if let Some(until) = state.paused_until {
            if now < until {
                return Some(until - now);
            }
            state.paused_until = None;
        }
        if let Some((left, until)) = state.server {
            if now >= until {
                state.server = None;
            } else if left == 0 {
                return Some(until - now + MARGIN);
            }
        }
        let limit = self.limit?;
        if state.sent.len() < limit.requests as usize {
            return None;
        }
        // The oldest of the last `requests` sends leaves the window at `oldest + window`.
        let oldest = state.sent.get(state.sent.len() - limit.requests as usize).copied()?;
        let free_at = oldest + limit.window + MARGIN;
        (now < free_at).then(|| free_at - now)
    }

    /// The answer to a request arrived: learn what the server says about the window.
    pub fn answered(&self, mut ticket: Ticket<'_>, status: StatusCode, headers: &HeaderMap, timer: &dyn Timer) {
        ticket.answered = true;
        let now = timer.now();
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        let remaining = headers.get(self.headers.remaining).and_then(|v| v.to_str().ok()?.trim().parse::<u32>().ok());
        let reset = seconds_header(headers, self.headers.reset);
        if let (Some(remaining), Some(reset)) = (remaining, reset) {
            // What the server has not counted yet is still to come out of what it says is left.
            let left = remaining.saturating_sub(state.in_flight);
            state.server = Some((left, now + reset));
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            state.refused = state.refused.saturating_add(1);
            let wait = crate::retry::retry_after(status, headers, self.headers.reset).unwrap_or(Duration::from_secs(1));
            let until = now + wait;
            state.paused_until = Some(state.paused_until.map_or(until, |p| p.max(until)));
        }
    }

    fn finish(&self) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
    }

    /// Register a wait that polls through this budget, for as long as the guard lives.
    pub fn poller(&self) -> Poller<'_> {
        let mut state = self.lock();
        state.pollers = state.pollers.saturating_add(1);
        Poller { budget: self }
    }

    /// The least time between two polls of each registered wait, so that together they take at
    /// most three quarters of the documented limit (`pollers × window / (¾ × requests)`; 0.8 s
    /// per poller under TiDB Cloud's 100 a minute). Zero without a documented limit: a vendor
    /// that publishes none is paced by its headers alone.
    pub fn poll_spacing(&self) -> Duration {
        let Some(limit) = self.limit else { return Duration::ZERO };
        let share = (limit.requests * POLL_SHARE / 100).max(1);
        limit.window * self.lock().pollers / share
    }

    /// Requests that had to wait for room, and answers that were 429s, so far.
    pub fn counts(&self) -> (u64, u64) {
        let state = self.lock();
        (state.waited, state.refused)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use reqwest::header::HeaderValue;

    use super::*;
    use crate::timer::Stepped;

    const HEADERS: BudgetHeaders = BudgetHeaders { remaining: "x-ratelimit-remaining", reset: "x-ratelimit-reset" };

    fn at(timer: &Stepped) -> Duration {
        timer.now()
    }

    /// Runs a test body (the stepped timer's sleeps are ready at once).
    fn run(body: impl std::future::Future<Output = ()>) {
        let runtime = tokio::runtime::Builder::new_current_thread().build();
        runtime.expect("a runtime").block_on(body);
    }

    #[test]
    fn no_window_holds_more_than_the_limit() {
        run(async {
            let timer = Stepped::default();
            let budget = Budget::new(Some(BudgetLimit { requests: 3, window: Duration::from_secs(60) }), HEADERS);
            let mut sent = Vec::new();
            for _ in 0..7 {
                let ticket = budget.acquire(&timer).await;
                sent.push(at(&timer));
                budget.answered(ticket, StatusCode::OK, &HeaderMap::new(), &timer);
                timer.0.fetch_add(1000, Ordering::SeqCst);
            }
            for (i, t) in sent.iter().enumerate() {
                let in_window = sent.iter().filter(|s| **s >= *t && **s < *t + Duration::from_secs(60)).count();
                assert!(in_window <= 3, "request {i} at {t:?} opens a window of {in_window}: {sent:?}");
            }
            // The fourth waited for the first to leave the window, and no longer than that.
            assert_eq!(sent[3], Duration::from_secs(60) + MARGIN);
            assert_eq!(budget.counts(), (2, 0));
        });
    }

    #[test]
    fn pollers_share_three_quarters_of_the_limit() {
        let budget = Budget::new(Some(BudgetLimit { requests: 100, window: Duration::from_secs(60) }), HEADERS);
        assert_eq!(budget.poll_spacing(), Duration::ZERO);
        let first = budget.poller();
        assert_eq!(first.spacing(), Duration::from_millis(800));
        let others: Vec<_> = (0..49).map(|_| budget.poller()).collect();
        // 50 waits polling every 40 s: 75 polls a minute of the 100.
        assert_eq!(first.spacing(), Duration::from_secs(40));
        drop(others);
        assert_eq!(first.spacing(), Duration::from_millis(800));
        drop(first);
        assert_eq!(budget.poll_spacing(), Duration::ZERO);
        assert_eq!(Budget::new(None, HEADERS).poller().spacing(), Duration::ZERO);
    }

    #[test]
    fn a_spent_window_the_server_reports_is_waited_out() {
        run(async {
            let timer = Stepped::default();
            let budget = Budget::new(None, HEADERS);
            let ticket = budget.acquire(&timer).await;
            let mut headers = HeaderMap::new();
            headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
            headers.insert("x-ratelimit-reset", HeaderValue::from_static("20"));
            budget.answered(ticket, StatusCode::OK, &headers, &timer);
            let _next = budget.acquire(&timer).await;
            assert_eq!(at(&timer), Duration::from_secs(20) + MARGIN);
        });
    }

    #[test]
    fn requests_in_flight_come_out_of_what_the_server_says_is_left() {
        run(async {
            let timer = Stepped::default();
            let budget = Budget::new(None, HEADERS);
            let first = budget.acquire(&timer).await;
            let _second = budget.acquire(&timer).await;
            let mut headers = HeaderMap::new();
            headers.insert("x-ratelimit-remaining", HeaderValue::from_static("1"));
            headers.insert("x-ratelimit-reset", HeaderValue::from_static("30"));
            // One left, but the second request (in flight) will take it.
            budget.answered(first, StatusCode::OK, &headers, &timer);
            let _third = budget.acquire(&timer).await;
            assert_eq!(at(&timer), Duration::from_secs(30) + MARGIN);
        });
    }

    #[test]
    fn a_429_pauses_every_request_for_its_wait() {
        run(async {
            let timer = Stepped::default();
            let budget = Budget::new(None, HEADERS);
            let ticket = budget.acquire(&timer).await;
            let mut headers = HeaderMap::new();
            headers.insert("retry-after", HeaderValue::from_static("7"));
            budget.answered(ticket, StatusCode::TOO_MANY_REQUESTS, &headers, &timer);
            let _next = budget.acquire(&timer).await;
            assert_eq!(at(&timer), Duration::from_secs(7));
            assert_eq!(budget.counts(), (1, 1));
        });
    }
}
