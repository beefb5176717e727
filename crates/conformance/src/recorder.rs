//! A client observer for tests and the conformance check: records every HTTP attempt a vendor
//! client makes and checks each request body against the vendor's document for its operation,
//! so a client test fails on a request the real API would refuse (the same check the
//! simulator's conformance run applies to responses).
//!
//! Without the vendor documents there is nothing to check against, and that is a failure, not a
//! pass: [`Recorder::new`] panics with [`SpecError::Missing`]'s message, which names the
//! directory it looked in and `$LINKPLAN_VENDOR_SPECS`; [`Recorder::try_new`] returns it.

use std::sync::{Arc, Mutex, PoisonError};

use linkplan_http::Exchange;

use crate::{SpecError, Specs, Vendor};

/// One HTTP attempt as the client's observer saw it.
#[derive(Debug, Clone)]
pub struct Record {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path and query.
    pub target: String,
    /// 1 for a call's first attempt, 2 for its first repeat (a retry or the Digest challenge's
    /// answer), …
    pub attempt: u32,
    /// The status, when a response arrived.
    pub status: Option<u16>,
    /// The request body, when it was JSON.
    pub request_body: Option<serde_json::Value>,
    /// The response body, when one arrived and it was JSON.
    pub response_body: Option<serde_json::Value>,
    /// Why a non-empty response body is not JSON.
    pub response_not_json: Option<String>,
    /// The vendor's request or trace id.
    pub request_id: Option<String>,
    /// The transport error, when no response arrived.
    pub error: Option<String>,
}

/// Collects every attempt, and the requests the vendor's document rejects. Cheap to clone (the
/// clones share what they collect): give [`Recorder::observer`] to the client and keep one to
/// ask.
#[derive(Debug, Clone)]
pub struct Recorder {
    vendor: Vendor,
    specs: &'static Specs,
    records: Arc<Mutex<Vec<Record>>>,
    violations: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    /// A recorder for one vendor's client, checking against [`Specs::shared`].
    ///
    /// # Panics
    ///
    /// When the vendor documents cannot be loaded: a recorder that checks nothing would let
    /// every test that relies on it pass without checking. The message says where it looked.
    pub fn new(vendor: Vendor) -> Recorder {
        match Recorder::try_new(vendor) {
            Ok(recorder) => recorder,
            Err(e) => panic!("the request recorder checks every request against the vendor documents: {e}"),
        }
    }

    /// [`Recorder::new`], or why the documents could not be loaded.
    pub fn try_new(vendor: Vendor) -> Result<Recorder, &'static SpecError> {
        Ok(Recorder::with_specs(vendor, Specs::shared()?))
    }

    /// A recorder checking against `specs`.
    pub fn with_specs(vendor: Vendor, specs: &'static Specs) -> Recorder {
        Recorder { vendor, specs, records: Arc::default(), violations: Arc::default() }
    }

    /// The vendor whose document requests are checked against.
    pub fn vendor(&self) -> Vendor {
        self.vendor
    }

    /// The documents requests are checked against.
    pub fn specs(&self) -> &'static Specs {
        self.specs
    }

    /// An observer for a client builder (`.observer(recorder.observer())`) that records into
    /// this recorder.
    pub fn observer(&self) -> impl Fn(&Exchange<'_>) + Send + Sync + 'static {
        let recorder = self.clone();
        move |e| recorder.observe(e)
    }

    /// The observer: record `e` and check its request.
    pub fn observe(&self, e: &Exchange<'_>) {
        self.check_request(e);
        let (response_body, response_not_json) = match e.response_body.filter(|b| !b.is_empty()) {
            None => (None, None),
            Some(bytes) => match serde_json::from_slice(bytes) {
                Ok(body) => (Some(body), None),
                Err(error) => (None, Some(format!("{error}: {}", String::from_utf8_lossy(bytes)))),
            },
        };
        let record = Record {
            method: e.method.to_string(),
            target: e.target.to_owned(),
            attempt: e.attempt,
            status: e.status.map(|s| s.as_u16()),
            request_body: e.request_body.and_then(|b| serde_json::from_slice(b).ok()),
            response_body,
            response_not_json,
            request_id: e.request_id.map(str::to_owned),
            error: e.error.map(ToString::to_string),
        };
        lock(&self.records).push(record);
    }

    fn check_request(&self, e: &Exchange<'_>) {
        let body: Option<serde_json::Value> = match e.request_body.map(serde_json::from_slice).transpose() {
            Ok(body) => body,
            Err(error) => {
                lock(&self.violations).push(format!("{} {}: body is not JSON: {error}", e.method, e.target));
                return;
            }
        };
        let violations = self.specs.validate_request(self.vendor, e.method.as_str(), e.target, body.as_ref());
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

    /// Every attempt so far (kept).
    pub fn records(&self) -> Vec<Record> {
        lock(&self.records).clone()
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
