//! `linkplan sim`: the export lines, Basic and Digest requests against the running binary, a
//! graceful stop on SIGTERM, and located errors for a broken world file.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use md5::{Digest as _, Md5};

use crate::util::{TempDir, linkplan, root};

/// The running simulator; killed if a test fails before stopping it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `linkplan sim ARGS… --port 0` and reads its six `export` lines.
fn start(args: &[&str]) -> (Running, Vec<(String, String)>) {
    let child = Command::new(env!("CARGO_BIN_EXE_linkplan"))
        .arg("sim")
        .args(args)
        .args(["--port", "0"])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut running = match child {
        Ok(child) => Running(child),
        Err(e) => panic!("cannot run linkplan sim: {e}"),
    };
    let stdout = running.0.stdout.take().expect("piped stdout");
    let mut exports = Vec::new();
    for line in BufReader::new(stdout).lines().take(6) {
        let line = line.expect("a line of output");
        let (name, value) = line
            .strip_prefix("export ")
            .and_then(|rest| rest.split_once('='))
            .unwrap_or_else(|| panic!("not an export line: {line:?}"));
        exports.push((name.to_owned(), value.to_owned()));
    }
    (running, exports)
}

fn var<'e>(exports: &'e [(String, String)], name: &str) -> &'e str {
    exports.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("no {name}"))
}

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Vec<&str> {
        self.head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .collect()
    }
}

/// One HTTP/1.1 request on a fresh connection.
fn get(base: &str, path: &str, authorization: Option<&str>) -> Reply {
    let host = base.strip_prefix("http://").expect("an http URL");
    let mut stream = TcpStream::connect(host).expect("connects");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let auth = authorization.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("request sent");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("response read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a complete response");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    Reply { status, head: head.to_owned(), body: body.to_owned() }
}

fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A value of `key="…"` (or bare) in a Digest challenge.
fn param(challenge: &str, key: &str) -> String {
    challenge
        .split(", ")
        .find_map(|p| p.trim_start_matches("Digest ").strip_prefix(&format!("{key}=")))
        .map(|v| v.trim_matches('"').to_owned())
        .unwrap_or_else(|| panic!("no {key} in {challenge}"))
}

#[test]
fn serves_both_vendors_with_the_printed_credentials_and_stops_on_sigterm() {
    let (mut sim, exports) = start(&[]);
    let names: Vec<&str> = exports.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "LINKPLAN_CONFLUENT_URL",
            "LINKPLAN_TIDBCLOUD_URL",
            "CONFLUENT_CLOUD_API_KEY",
            "CONFLUENT_CLOUD_API_SECRET",
            "TIDBCLOUD_PUBLIC_KEY",
            "TIDBCLOUD_PRIVATE_KEY",
        ]
    );

    // Confluent: HTTP Basic.
    let cf = var(&exports, "LINKPLAN_CONFLUENT_URL");
    assert!(cf.starts_with("http://127.0.0.1:"), "{cf}");
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            var(&exports, "CONFLUENT_CLOUD_API_KEY"),
            var(&exports, "CONFLUENT_CLOUD_API_SECRET")
        ))
    );
    let envs = get(cf, "/org/v2/environments", Some(&basic));
    assert_eq!(envs.status, 200, "{}", envs.body);
    assert!(!envs.header("x-request-id").is_empty());
    let json: serde_json::Value = serde_json::from_str(&envs.body).expect("JSON");
    assert_eq!(json["data"][0]["id"], "env-abc123");
    assert_eq!(get(cf, "/org/v2/environments", None).status, 401);

    // TiDB Cloud: HTTP Digest, answered by hand with MD5.
    let ti = var(&exports, "LINKPLAN_TIDBCLOUD_URL");
    let path = "/v1beta1/clusters/10140100115280519574";
    let challenge = get(ti, path, None);
    assert_eq!(challenge.status, 401);
    let md5 = challenge
        .header("www-authenticate")
        .into_iter()
        .find(|c| c.contains("algorithm=MD5"))
        .expect("an MD5 challenge")
        .to_owned();
    assert!(md5.starts_with("Digest ") && md5.contains("qop=\"auth\""), "{md5}");
    let (realm, nonce) = (param(&md5, "realm"), param(&md5, "nonce"));
    let (user, pass) = (var(&exports, "TIDBCLOUD_PUBLIC_KEY"), var(&exports, "TIDBCLOUD_PRIVATE_KEY"));
    let ha1 = md5_hex(&format!("{user}:{realm}:{pass}"));
    let ha2 = md5_hex(&format!("GET:{path}"));
    let response = md5_hex(&format!("{ha1}:{nonce}:00000001:c0ffee:auth:{ha2}"));
    let digest = format!(
        "Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{path}\", algorithm=MD5, \
         qop=auth, nc=00000001, cnonce=\"c0ffee\", response=\"{response}\", opaque=\"{}\"",
        param(&md5, "opaque")
    );
    let cluster = get(ti, path, Some(&digest));
    assert_eq!(cluster.status, 200, "{}", cluster.body);
    let json: serde_json::Value = serde_json::from_str(&cluster.body).expect("JSON");
    assert_eq!(json["state"], "ACTIVE");
    assert_eq!(cluster.header("x-ratelimit-limit-minute"), ["100"]);

    // SIGTERM: a graceful stop with status 0; the keys never reach standard error.
    #[cfg(unix)]
    {
        let pid = sim.0.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
        assert!(killed.success());
        let status = sim.0.wait().expect("exits");
        assert_eq!(status.code(), Some(0));
        let mut stderr = String::new();
        sim.0.stderr.take().expect("piped stderr").read_to_string(&mut stderr).expect("stderr");
        assert!(stderr.contains("serving Confluent Cloud and TiDB Cloud on http://127.0.0.1:"), "{stderr}");
        assert!(stderr.contains("stopping"), "{stderr}");
        assert!(!stderr.contains(var(&exports, "CONFLUENT_CLOUD_API_SECRET")), "{stderr}");
        assert!(!stderr.contains(pass), "{stderr}");
    }
}

#[test]
fn the_exports_can_be_sourced_by_a_shell() {
    let (_sim, exports) = start(&["--clock", "explicit", "--world", "fixtures/sim/worlds/example.yaml"]);
    let script: String = exports.iter().map(|(n, v)| format!("export {n}={v}\n")).collect();
    let out = Command::new("sh")
        .args(["-c", &format!("{script}printf '%s|%s' \"$CONFLUENT_CLOUD_API_KEY\" \"$LINKPLAN_TIDBCLOUD_URL\"")])
        .output()
        .expect("sh runs");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert_eq!(printed, format!("SIMCONFLUENTKEY1|{}", var(&exports, "LINKPLAN_TIDBCLOUD_URL")));
}

#[test]
fn a_broken_world_file_is_a_located_error() {
    let dir = TempDir::new("sim-world");
    let example = std::fs::read_to_string(root().join("fixtures/sim/worlds/example.yaml")).expect("example world");
    let typo = dir.write("typo.yaml", example.replace("  environments:", "  environmentz:"));
    let run = linkplan(&["sim", "--world", typo.to_str().expect("utf-8 path")]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stdout.is_empty(), "nothing to source on failure: {}", run.stdout);
    let line = example.lines().position(|l| l == "  environments:").expect("the example lists environments") + 1;
    assert!(run.stderr.contains(&format!("typo.yaml:{line}:3")), "{}", run.stderr);
    assert!(run.stderr.contains("unknown field") && run.stderr.contains("environmentz"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);

    let unknown = dir.write("unknown.yaml", example.replace("environment: env-abc123", "environment: env-nope"));
    let run = linkplan(&["sim", "--world", unknown.to_str().expect("utf-8 path")]);
    assert_eq!(run.code, 2);
    let line =
        example.lines().position(|l| l.ends_with("environment: env-abc123")).expect("a network's environment") + 1;
    let at = format!("unknown.yaml:{line}:20");
    assert!(run.stderr.contains(&at) && run.stderr.contains("env-nope"), "{}", run.stderr);

    let missing = linkplan(&["sim", "--world", "no/such/world.yaml"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("no/such/world.yaml"), "{}", missing.stderr);
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = taken.local_addr().expect("address").port().to_string();
    let run = linkplan(&["sim", "--port", &port]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}
