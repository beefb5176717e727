//! No configured secret ever shows: not in debug logs, not in `Debug` of the configuration or
//! the client, not in any error (message, `Debug` or source chain).

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use linkplan_confluent::resources::networks::NetworkFilter;
use linkplan_confluent::resources::private_link_accesses::CreatePrivateLinkAccess;
use linkplan_confluent::{ClientBuilder, Credentials};
use linkplan_sim::FaultAction;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

use crate::util::{ACCOUNT, ENV, Harness, NETWORK};

/// A tracing subscriber that writes every event, all levels, into a string.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<String>>);

struct Line<'a>(&'a mut String);

impl Visit for Line<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut out = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = write!(out, "span {}", span.metadata().name());
        span.record(&mut Line(&mut out));
        out.push('\n');
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut out = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        values.record(&mut Line(&mut out));
        out.push('\n');
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut out = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = write!(out, "{} {}", event.metadata().level(), event.metadata().target());
        event.record(&mut Line(&mut out));
        out.push('\n');
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// An error, its `Debug` and every cause.
fn describe(err: &dyn std::error::Error) -> String {
    let mut out = format!("{err}\n{err:?}\n");
    let mut source = err.source();
    while let Some(s) = source {
        let _ = writeln!(out, "caused by: {s} / {s:?}");
        source = s.source();
    }
    out
}

#[tokio::test]
async fn secrets_never_show() {
    // The process-wide subscriber, not a scoped one: tracing caches per-callsite interest
    // globally, and other tests of this binary run on other threads. It also means every test's
    // logs are searched for the secrets below.
    static CAPTURE: std::sync::OnceLock<Capture> = std::sync::OnceLock::new();
    let capture = CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        let _ = tracing::subscriber::set_global_default(capture.clone());
        capture
    });
    let h = Harness::new().await;
    let key = h.env["CONFLUENT_CLOUD_API_KEY"].clone();
    let secret = h.env["CONFLUENT_CLOUD_API_SECRET"].clone();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{key}:{secret}"));
    let mut shown = String::new();

    // Configuration and client, as `Debug`.
    let builder = h.builder();
    let _ = writeln!(shown, "{builder:?}\n{:?}\n{:#?}", h.client, Credentials::new(key.as_str(), secret.as_str()));

    // A tour of successes and failures, logged at debug level.
    let access = CreatePrivateLinkAccess {
        environment: ENV.to_owned(),
        network: NETWORK.to_owned(),
        aws_account: ACCOUNT.to_owned(),
        display_name: None,
    };
    h.client.networks().list(ENV, &NetworkFilter::default()).await.expect("list");
    h.client.private_link_accesses().create(&access).await.expect("create");
    let mut errors = vec![
        h.client.private_link_accesses().create(&access).await.expect_err("409"),
        h.client.networks().get(ENV, "n-nope").await.expect_err("404"),
    ];
    h.fault("GET", "/org", Some(1), FaultAction::Drop);
    h.fault("GET", "/org", None, FaultAction::ServerError { status: 500 });
    errors.push(h.client.environments().get(ENV).await.expect_err("500 after a drop"));
    h.sim.clear_faults();
    let wrong = ClientBuilder::new(Credentials::new(key.as_str(), format!("{secret}-wrong")))
        .base_url(h.sim.confluent_url())
        .build()
        .expect("builds");
    errors.push(wrong.environments().get(ENV).await.expect_err("401"));
    let bad_url = ClientBuilder::new(Credentials::new(key.as_str(), secret.as_str()))
        .base_url(format!("https://{key}:{secret}@api.confluent.cloud"))
        .build()
        .expect_err("credentials in the URL");
    let _ = writeln!(shown, "{}", describe(&bad_url));
    for err in &errors {
        let _ = writeln!(shown, "{}", describe(err));
    }

    let logs = capture.0.lock().unwrap_or_else(PoisonError::into_inner).clone();
    assert!(logs.contains("GET /networking/v1/networks 200"), "requests are logged:\n{logs}");
    assert!(logs.contains("request_id=") && logs.contains("elapsed_ms="), "{logs}");
    assert!(logs.contains("POST /networking/v1/private-link-accesses 20"), "{logs}");
    for text in [&logs, &shown] {
        for needle in [key.as_str(), secret.as_str(), basic.as_str(), "Basic ", "authorization"] {
            assert!(!text.to_lowercase().contains(&needle.to_lowercase()), "`{needle}` leaked:\n{text}");
        }
    }
}
