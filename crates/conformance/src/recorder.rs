//! A client observer for tests: records every HTTP attempt a vendor client makes and checks each
//! request body against the vendor's document for its operation, so a client test fails on a
//! request the real API would refuse (the same check the simulator's conformance run applies to
//! responses).

use std::sync::{Arc, Mutex, PoisonError};

use linkplan_http::Exchange;

use crate::{Specs, Vendor};

/// One HTTP attempt as the client's observer saw it.
#[derive(Debug, Clone)]
pub struct Record {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path and query.
    pub target: String,
    /// The status, when a response arrived.
    pub status: Option<u16>,
    /// The request body, when it was JSON.
    pub request_body: Option<serde_json::Value>,
    /// The vendor's request or trace id.
    pub request_id: Option<String>,
    /// The transport error, when no response arrived.
    pub error: Option<String>,
}

/// Collects every attempt, and the requests the vendor's document rejects. Cheap to clone (the
/// clones share what they collect): give one to the client's `observer` and keep one to ask.
#[derive(Debug, Clone)]
pub struct Recorder {
    vendor: Vendor,
    records: Arc<Mutex<Vec<Record>>>,
    violations: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    /// A recorder for one vendor's client.
    pub fn new(vendor: Vendor) -> Recorder {
        Recorder { vendor, records: Arc::default(), violations: Arc::default() }
    }

    /// The observer: record `e` and check its request.
    pub fn observe(&self, e: &Exchange<'_>) {
        self.check_request(e);
        let record = Record {
            method: e.method.to_string(),
            target: e.target.to_owned(),
            status: e.status.map(|s| s.as_u16()),
            request_body: e.request_body.and_then(|b| serde_json::from_slice(b).ok()),
            request_id: e.request_id.map(str::to_owned),
            error: e.error.map(ToString::to_string),
        };
        lock(&self.records).push(record);
    }

    fn check_request(&self, e: &Exchange<'_>) {
        let Ok(specs) = Specs::shared() else {
            return; // No vendor documents here (CI always has them): nothing to check against.
        };
        let body: Option<serde_json::Value> = match e.request_body.map(serde_json::from_slice).transpose() {
            Ok(body) => body,
            Err(error) => {
                lock(&self.violations).push(format!("{} {}: body is not JSON: {error}", e.method, e.target));
                return;
            }
        };
        let violations = specs.validate_request(self.vendor, e.method.as_str(), e.target, body.as_ref());
        lock(&self.violations)
            .extend(violations.into_iter().map(|v| format!("{} {}: {}: {}", e.method, e.target, v.pointer, v.message)));
    }

    /// Requests the vendor's document does not accept, so far.
    pub fn violations(&self) -> Vec<String> {
        lock(&self.violations).clone()
    }

    /// The violations so far, forgotten: for a test that sends a bad request on purpose.
    pub fn take_violations(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.violations))
    }

    /// Every attempt so far, and forget them.
    pub fn take(&self) -> Vec<Record> {
        std::mem::take(&mut *lock(&self.records))
    }

    /// How many attempts so far.
    pub fn count(&self) -> usize {
        lock(&self.records).len()
    }

    /// The status of every attempt so far (`None`: no response).
    pub fn statuses(&self) -> Vec<Option<u16>> {
        lock(&self.records).iter().map(|r| r.status).collect()
    }
}

/// A poisoned lock only means another test thread panicked; what it guards is still a list.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
