//! Log capture for the "no secret ever shows" tests: a process-wide tracing subscriber that
//! writes every span and event, all levels, into one string, and helpers to look for secrets in
//! it and in errors.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Everything logged in this process since [`LogCapture::global`] was first called.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<String>>);

impl LogCapture {
    /// The process-wide capture, installed as the global default subscriber on first use. Not
    /// a scoped one: tracing caches per-callsite interest globally, and other tests of the same
    /// binary run on other threads — so every test's logs are captured (and searched).
    pub fn global() -> &'static LogCapture {
        static CAPTURE: OnceLock<LogCapture> = OnceLock::new();
        CAPTURE.get_or_init(|| {
            let capture = LogCapture::default();
            let _ = tracing::subscriber::set_global_default(capture.clone());
            capture
        })
    }

    /// What was logged so far: one line per span, record and event
    /// (`LEVEL target field=value …`).
    pub fn text(&self) -> String {
        lock(&self.0).clone()
    }
}

fn lock(m: &Mutex<String>) -> std::sync::MutexGuard<'_, String> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Line<'a>(&'a mut String);

impl Visit for Line<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl Subscriber for LogCapture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut out = lock(&self.0);
        let _ = write!(out, "span {}", span.metadata().name());
        span.record(&mut Line(&mut out));
        out.push('\n');
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut out = lock(&self.0);
        values.record(&mut Line(&mut out));
        out.push('\n');
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut out = lock(&self.0);
        let _ = write!(out, "{} {}", event.metadata().level(), event.metadata().target());
        event.record(&mut Line(&mut out));
        out.push('\n');
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// An error, its `Debug` and every cause (message and `Debug`), one per line.
pub fn describe(err: &dyn std::error::Error) -> String {
    let mut out = format!("{err}\n{err:?}\n");
    let mut source = err.source();
    while let Some(s) = source {
        let _ = writeln!(out, "caused by: {s} / {s:?}");
        source = s.source();
    }
    out
}

/// [`describe`] of every error, one after the other.
pub fn describe_each<'a, E: std::error::Error + 'a>(errors: impl IntoIterator<Item = &'a E>) -> String {
    errors.into_iter().map(|e| describe(e)).collect()
}

/// Panics naming the first of `needles` that any of `texts` contains, ignoring case.
pub fn assert_none_shown(texts: &[&str], needles: &[&str]) {
    for text in texts {
        let lower = text.to_lowercase();
        for needle in needles {
            assert!(!lower.contains(&needle.to_lowercase()), "`{needle}` leaked:\n{text}");
        }
    }
}
