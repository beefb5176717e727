//! No configured secret ever shows: not in debug logs, not in `Debug` of the configuration or
//! the client, not in any error (message, `Debug` or source chain).

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

use linkplan_sim::FaultAction;
use linkplan_tidbcloud::resources::private_link_connections::CreatePrivateLinkConnection;
use linkplan_tidbcloud::{ClientBuilder, Credentials};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

use crate::util::{CLUSTER, Harness, SERVICE};

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
    let public = h.env["TIDBCLOUD_PUBLIC_KEY"].clone();
    let private = h.env["TIDBCLOUD_PRIVATE_KEY"].clone();
    let mut shown = String::new();

    let builder = h.builder();
    let _ = writeln!(shown, "{builder:?}\n{:?}\n{:#?}", h.client, Credentials::new(public.as_str(), private.as_str()));

    // A tour of successes and failures (challenge, stale nonce, refusals), logged at debug level.
    h.client.clusters().get(CLUSTER).await.expect("get");
    h.sim.advance(std::time::Duration::from_secs(301));
    h.client.private_link_connections().list(CLUSTER, None).await.expect("list after a stale nonce");
    let create = CreatePrivateLinkConnection {
        cluster_id: CLUSTER.to_owned(),
        display_name: "to-confluent".to_owned(),
        aws_endpoint_service: SERVICE.to_owned(),
        aws_region: None,
    };
    h.client.private_link_connections().create(&create).await.expect("create");
    let mut errors = vec![h.client.clusters().get("404").await.expect_err("404")];
    h.fault("GET", "/v1beta1", Some(1), FaultAction::Drop);
    h.fault("GET", "/v1beta1", None, FaultAction::ServerError { status: 500 });
    errors.push(h.client.clusters().get(CLUSTER).await.expect_err("500 after a drop"));
    h.sim.clear_faults();
    let wrong = ClientBuilder::new(Credentials::new(public.as_str(), format!("{private}-wrong")))
        .base_url(h.sim.tidbcloud_url())
        .build()
        .expect("builds");
    errors.push(wrong.clusters().get(CLUSTER).await.expect_err("401"));
    let _ = writeln!(shown, "{wrong:?}");
    let bad_url = ClientBuilder::new(Credentials::new(public.as_str(), private.as_str()))
        .base_url(format!("https://{public}:{private}@serverless.tidbapi.com"))
        .build()
        .expect_err("credentials in the URL");
    let _ = writeln!(shown, "{}", describe(&bad_url));
    for err in &errors {
        let _ = writeln!(shown, "{}", describe(err));
    }

    let logs = capture.0.lock().unwrap_or_else(PoisonError::into_inner).clone();
    assert!(logs.contains(" 401 ") && logs.contains(" 200 "), "requests are logged:\n{logs}");
    assert!(logs.contains("request_id=") && logs.contains("GET /v1beta1/clusters/"), "{logs}");
    for text in [&logs, &shown] {
        for needle in [public.as_str(), private.as_str(), "Digest ", "response=", "cnonce", "authorization"] {
            assert!(!text.to_lowercase().contains(&needle.to_lowercase()), "`{needle}` leaked:\n{text}");
        }
    }
}
