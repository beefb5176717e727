//! One HTTP attempt: the reqwest client, per-request timeouts, debug logging and the observer.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};

use crate::config::{BaseUrl, ConfigError};

/// Called once per HTTP attempt (401 challenges and retries included), after it ends. It sees
/// what a conformance check or a request counter needs, and never a credential.
pub type Observer = Arc<dyn Fn(&Exchange<'_>) + Send + Sync>;

/// One finished HTTP attempt, as an [`Observer`] sees it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Exchange<'a> {
    /// `"confluent"` or `"tidbcloud"`.
    pub vendor: &'static str,
    /// The HTTP method.
    pub method: &'a Method,
    /// Path and query as sent, e.g. `/networking/v1/networks?environment=env-1&page_size=1000`.
    pub target: &'a str,
    /// The JSON request body, if any.
    pub request_body: Option<&'a [u8]>,
    /// 1 for the first attempt of a call, 2 for its first repeat (retry or Digest challenge), …
    pub attempt: u32,
    /// The response status, when one arrived.
    pub status: Option<StatusCode>,
    /// The response body, when one arrived.
    pub response_body: Option<&'a [u8]>,
    /// The vendor's request or trace id header, when present.
    pub request_id: Option<&'a str>,
    /// Why no response arrived.
    pub error: Option<&'a TransportError>,
    /// How long the attempt took.
    pub elapsed: Duration,
}

impl Exchange<'_> {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(self.target, |(p, _)| p)
    }
}

/// How to build a [`Transport`].
#[derive(Clone)]
pub struct TransportConfig {
    /// Names the vendor in logs and [`Exchange::vendor`].
    pub vendor: &'static str,
    /// The response header carrying the vendor's request id (`x-request-id`, `x-debug-trace-id`).
    pub request_id_header: &'static str,
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Sees every attempt (tests count and validate requests with it).
    pub observer: Option<Observer>,
}

impl fmt::Debug for TransportConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportConfig")
            .field("vendor", &self.vendor)
            .field("request_id_header", &self.request_id_header)
            .field("connect_timeout", &self.connect_timeout)
            .field("observer", &self.observer.as_ref().map(|_| "Fn(&Exchange)"))
            .finish()
    }
}

/// Why an attempt got no response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No connection was made, so the request was not sent: safe to repeat.
    #[error("could not connect to {host} for {method} {path}: {cause}")]
    Connect {
        /// The host (and port) the request was for.
        host: String,
        /// Why, in a few words: DNS, refused, timeout, TLS, or the innermost error.
        cause: String,
        /// The method.
        method: Method,
        /// The path (no query).
        path: String,
        /// What failed.
        #[source]
        source: reqwest::Error,
    },
    /// The per-request timeout passed; the server may have acted on the request.
    #[error("{method} {path} to {host} timed out after {timeout:?}")]
    Timeout {
        /// The host (and port) the request was for.
        host: String,
        /// The method.
        method: Method,
        /// The path (no query).
        path: String,
        /// The timeout that passed.
        timeout: Duration,
        /// What failed.
        #[source]
        source: reqwest::Error,
    },
    /// The connection failed after the request was (perhaps) sent: reset, closed early, or a
    /// broken body. The server may have acted on the request.
    #[error("connection to {host} failed during {method} {path}: {cause}")]
    Connection {
        /// The host (and port) the request was for.
        host: String,
        /// Why, in a few words.
        cause: String,
        /// The method.
        method: Method,
        /// The path (no query).
        path: String,
        /// What failed.
        #[source]
        source: reqwest::Error,
    },
    /// The request could not be built (a bad URL); nothing was sent.
    #[error("could not build the request {method} {target}")]
    Build {
        /// The method.
        method: Method,
        /// Path and query.
        target: String,
        /// Why.
        reason: String,
    },
}

impl TransportError {
    /// Whether the request may have reached the server (a timeout or a broken connection):
    /// repeating a create after this could make a second one.
    pub fn maybe_sent(&self) -> bool {
        matches!(self, TransportError::Timeout { .. } | TransportError::Connection { .. })
    }

    /// Whether the failure is transient (a connection or timeout problem, not a bad request).
    pub fn is_transient(&self) -> bool {
        !matches!(self, TransportError::Build { .. })
    }
}

/// A request for one attempt.
#[derive(Debug)]
pub struct Outgoing<'a> {
    /// The method.
    pub method: Method,
    /// The absolute URL, from [`Transport::url`].
    pub url: &'a Url,
    /// A JSON body, buffered so that a retry or a Digest re-challenge can send it again.
    pub body: Option<&'a [u8]>,
    /// The `Authorization` header (marked sensitive before use, so it is never logged).
    pub authorization: Option<HeaderValue>,
    /// Which attempt of the call this is (1-based), for logs and the observer.
    pub attempt: u32,
    /// The timeout for this attempt, connection to last body byte.
    pub timeout: Duration,
}

/// A response, body read.
#[derive(Debug)]
pub struct Incoming {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
    /// The vendor's request or trace id.
    pub request_id: Option<String>,
}

/// The HTTP transport of one client: a pooled reqwest client bound to a [`BaseUrl`].
#[derive(Clone)]
pub struct Transport {
    client: reqwest::Client,
    base: BaseUrl,
    vendor: &'static str,
    request_id_header: &'static str,
    observer: Option<Observer>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("base", &self.base.as_str())
            .field("vendor", &self.vendor)
            .field("observer", &self.observer.as_ref().map(|_| "Fn(&Exchange)"))
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// Build the client: rustls TLS (aws-lc-rs, the platform's certificate verifier), HTTPS
    /// only unless the base URL is loopback (then no proxy either), at most 5 redirects.
    pub fn new(base: BaseUrl, config: TransportConfig) -> Result<Transport, ConfigError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("linkplan/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(5));
        builder = if base.is_loopback() { builder.no_proxy() } else { builder.https_only(true) };
        let client = builder.build().map_err(ConfigError::Client)?;
        Ok(Transport {
            client,
            base,
            vendor: config.vendor,
            request_id_header: config.request_id_header,
            observer: config.observer,
        })
    }

    /// The base URL.
    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    /// The absolute URL for a path and query (appended to the base as a string).
    pub fn url(&self, method: &Method, path_and_query: &str) -> Result<Url, TransportError> {
        Url::parse(&self.base.join(path_and_query)).map_err(|e| TransportError::Build {
            method: method.clone(),
            target: path_and_query.to_owned(),
            reason: e.to_string(),
        })
    }

    /// Send one attempt and read the whole response. Logs at debug level (method, path,
    /// status, request id, duration; never headers or bodies) and tells the observer.
    pub async fn send(&self, out: Outgoing<'_>) -> Result<Incoming, TransportError> {
        let target = request_target(out.url);
        let path = target.split_once('?').map_or(target.as_str(), |(p, _)| p).to_owned();
        let started = Instant::now();
        let mut request = self
            .client
            .request(out.method.clone(), out.url.clone())
            .timeout(out.timeout)
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(mut auth) = out.authorization {
            auth.set_sensitive(true);
            request = request.header(AUTHORIZATION, auth);
        }
        if let Some(body) = out.body {
            request = request.header(CONTENT_TYPE, HeaderValue::from_static("application/json")).body(body.to_vec());
        }
        let result = async {
            let response = request.send().await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        }
        .await;
        let elapsed = started.elapsed();
        let elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        match result {
            Ok((status, headers, body)) => {
                let request_id = headers.get(self.request_id_header).and_then(|v| v.to_str().ok()).map(str::to_owned);
                tracing::debug!(
                    target: "linkplan::http",
                    vendor = self.vendor,
                    request_id = request_id.as_deref().unwrap_or("-"),
                    elapsed_ms,
                    attempt = out.attempt,
                    "{} {} {}",
                    out.method,
                    path,
                    status.as_u16(),
                );
                if let Some(observer) = &self.observer {
                    observer(&Exchange {
                        vendor: self.vendor,
                        method: &out.method,
                        target: &target,
                        request_body: out.body,
                        attempt: out.attempt,
                        status: Some(status),
                        response_body: Some(&body),
                        request_id: request_id.as_deref(),
                        error: None,
                        elapsed,
                    });
                }
                Ok(Incoming { status, headers, body, request_id })
            }
            Err(source) => {
                let error = classify(source, out.url, &out.method, path.clone(), out.timeout);
                tracing::debug!(
                    target: "linkplan::http",
                    vendor = self.vendor,
                    error = %error,
                    elapsed_ms,
                    attempt = out.attempt,
                    "{} {} failed",
                    out.method,
                    path,
                );
                if let Some(observer) = &self.observer {
                    observer(&Exchange {
                        vendor: self.vendor,
                        method: &out.method,
                        target: &target,
                        request_body: out.body,
                        attempt: out.attempt,
                        status: None,
                        response_body: None,
                        request_id: None,
                        error: Some(&error),
                        elapsed,
                    });
                }
                Err(error)
            }
        }
    }
}

/// Path and query of a URL: the HTTP request target (and the Digest `uri`).
pub fn request_target(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

fn classify(source: reqwest::Error, url: &Url, method: &Method, path: String, timeout: Duration) -> TransportError {
    let method = method.clone();
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => url.as_str().to_owned(),
    };
    if source.is_timeout() {
        TransportError::Timeout { host, method, path, timeout, source }
    } else if source.is_connect() {
        let cause = cause(&source);
        TransportError::Connect { host, cause, method, path, source }
    } else {
        let cause = cause(&source);
        TransportError::Connection { host, cause, method, path, source }
    }
}

/// Why a connection failed, in the words a user looks for: `DNS lookup failed (…)`,
/// `connection refused`, `timed out`, `TLS handshake failed (…)`, else the innermost error.
fn cause(error: &reqwest::Error) -> String {
    let mut chain: Vec<String> = Vec::new();
    let mut io_kind = None;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            io_kind.get_or_insert(io.kind());
        }
        chain.push(e.to_string());
        source = e.source();
    }
    let innermost = chain.last().cloned().unwrap_or_else(|| error.to_string());
    let all = chain.join(": ").to_ascii_lowercase();
    if all.contains("dns error")
        || all.contains("failed to lookup address")
        || all.contains("name or service not known")
    {
        format!("DNS lookup failed ({innermost})")
    } else if io_kind == Some(std::io::ErrorKind::ConnectionRefused) || all.contains("connection refused") {
        "connection refused".to_owned()
    } else if io_kind == Some(std::io::ErrorKind::TimedOut) || all.contains("timed out") {
        "timed out".to_owned()
    } else if all.contains("certificate") || all.contains("tls") || all.contains("handshake") {
        format!("TLS handshake failed ({innermost})")
    } else {
        innermost
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::sync::{Arc, Mutex, PoisonError};

    use super::*;

    /// A `MakeWriter` into a shared string.
    #[derive(Clone, Default)]
    struct Logs(Arc<Mutex<Vec<u8>>>);

    impl Write for Logs {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
        type Writer = Logs;
        fn make_writer(&'a self) -> Logs {
            self.clone()
        }
    }

    /// A one-shot HTTP server on 127.0.0.1: reads one request, answers `response`, returns the
    /// request's bytes.
    fn serve_once(response: &'static str) -> (String, std::thread::JoinHandle<String>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().expect("accept");
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut buf).expect("read");
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
            }
            stream.write_all(response.as_bytes()).expect("write");
            String::from_utf8_lossy(&request).into_owned()
        });
        (url, server)
    }

    /// The debug line of an attempt, as the CLI's `-vv` formats it: method, path (no query),
    /// status, vendor, request id, attempt and duration — and not the `Authorization` header
    /// the request carried, nor the query.
    #[test]
    fn an_attempt_is_logged_without_headers_or_query() {
        let (url, server) = serve_once(concat!(
            "HTTP/1.1 503 Service Unavailable\r\n",
            "x-request-id: rid-42\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        ));
        let transport = Transport::new(
            BaseUrl::parse(&url).expect("a loopback URL"),
            TransportConfig {
                vendor: "confluent",
                request_id_header: "x-request-id",
                connect_timeout: Duration::from_secs(5),
                observer: None,
            },
        )
        .expect("a transport");
        let logs = Logs::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(logs.clone())
            .finish();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        let response = tracing::subscriber::with_default(subscriber, || {
            runtime.block_on(async {
                let url = transport.url(&Method::POST, "/networking/v1/things?page_token=tok-123").expect("a URL");
                transport
                    .send(Outgoing {
                        method: Method::POST,
                        url: &url,
                        body: Some(br#"{"a":1}"#),
                        authorization: Some(HeaderValue::from_static("Basic S0VZOlNFQ1JFVA==")),
                        attempt: 3,
                        timeout: Duration::from_secs(5),
                    })
                    .await
            })
        });
        let request = server.join().expect("the server thread");
        assert!(request.contains("Basic S0VZOlNFQ1JFVA=="), "the header was sent: {request}");
        let response = response.expect("a response");
        assert_eq!((response.status.as_u16(), response.request_id.as_deref()), (503, Some("rid-42")));

        let logs = String::from_utf8_lossy(&logs.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned();
        let line = logs.lines().find(|l| l.contains("linkplan::http")).unwrap_or_else(|| panic!("no line: {logs}"));
        for part in [
            "DEBUG",
            "POST /networking/v1/things 503",
            "vendor=\"confluent\"",
            "request_id=\"rid-42\"",
            "attempt=3",
            "elapsed_ms=",
        ] {
            assert!(line.contains(part), "`{part}` missing: {line}");
        }
        for secret in ["S0VZOlNFQ1JFVA", "Basic", "uthorization", "tok-123", "{\"a\""] {
            assert!(!logs.contains(secret), "`{secret}` logged: {logs}");
        }
    }
}
