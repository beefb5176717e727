//! The GitHub Action (`action.yml`), the workflows and the release metadata agree, and the
//! Action's download step does what it says: it takes the release archive for the runner from
//! the action's own tag, refuses one whose checksum does not match, and falls back to compiling
//! when there is nothing to download. The download step runs here as a real bash script against
//! a local HTTP server standing in for GitHub's release downloads.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::util::{Run, TempDir, finish, have_tool, root};

/// The targets the release workflow builds, as `linkplan-<target>.tar.gz`.
const TARGETS: &[&str] =
    &["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl", "x86_64-apple-darwin", "aarch64-apple-darwin"];

fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let document = linkplan_model::Document::parse(&text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"));
    assert!(document.problems().is_empty(), "{path}: {:?}", document.problems());
    document.to_json()
}

fn workflows() -> Vec<String> {
    let dir = root().join(".github/workflows");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect(".github/workflows exists")
        .map(|e| e.expect("readable").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
        .collect();
    names.sort();
    names.into_iter().map(|n| format!(".github/workflows/{n}")).collect()
}

/// Every step (of the action, or of every job of a workflow), with where it is.
fn steps(path: &str, document: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut add = |place: String, steps: Option<&Vec<Value>>| {
        for (i, step) in steps.into_iter().flatten().enumerate() {
            out.push((format!("{path} {place} step {}", i + 1), step.clone()));
        }
    };
    add("runs".to_owned(), document.pointer("/runs/steps").and_then(Value::as_array));
    for (job, body) in document.get("jobs").and_then(Value::as_object).into_iter().flatten() {
        add(format!("job {job}"), body.get("steps").and_then(Value::as_array));
    }
    out
}

#[test]
fn no_script_interpolates_an_expression() {
    let mut files = vec!["action.yml".to_owned()];
    files.extend(workflows());
    assert!(files.len() >= 3, "action.yml, ci.yml and release.yml: {files:?}");
    let mut scripts = 0;
    for file in &files {
        for (place, step) in steps(file, &yaml(file)) {
            let Some(script) = step.get("run").and_then(Value::as_str) else { continue };
            scripts += 1;
            assert!(!script.contains("${{"), "{place}: `${{{{ }}}}` in a script (pass it through `env:`):\n{script}");
        }
    }
    assert!(scripts >= 8, "only {scripts} scripts found");
}

#[test]
fn the_action_is_a_composite_whose_inputs_are_declared() {
    let action = yaml("action.yml");
    assert_eq!(action.pointer("/runs/using").and_then(Value::as_str), Some("composite"));
    let inputs = action.get("inputs").and_then(Value::as_object).expect("inputs");
    for input in ["paths", "deny", "sarif-file", "upload-sarif", "version"] {
        assert!(inputs.contains_key(input), "no input {input}");
    }
    let text = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
    for used in text.split("inputs.").skip(1) {
        let name: String = used.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
        assert!(inputs.contains_key(&name), "inputs.{name} is used but not declared");
    }
    let mut uploads = false;
    for (place, step) in steps("action.yml", &action) {
        if step.get("run").is_some() {
            assert_eq!(
                step.get("shell").and_then(Value::as_str),
                Some("bash"),
                "{place}: a composite run step needs a shell"
            );
        }
        uploads |= step
            .get("uses")
            .and_then(Value::as_str)
            .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"));
    }
    assert!(uploads, "the action does not upload SARIF");
}

/// The release builds what the action downloads and what `cargo binstall` looks for.
#[test]
fn the_release_the_action_and_binstall_name_the_same_archives() {
    let release = yaml(".github/workflows/release.yml");
    let built: Vec<&str> = release
        .pointer("/jobs/build/strategy/matrix/include")
        .and_then(Value::as_array)
        .expect("a build matrix")
        .iter()
        .filter_map(|entry| entry.get("target").and_then(Value::as_str))
        .collect();
    assert_eq!(built, TARGETS);
    let download = resolve_script();
    for target in TARGETS {
        assert!(download.contains(&format!(") target={target} ;;")), "the action never downloads {target}");
    }
    let manifest: toml::Table =
        std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml").parse().expect("TOML");
    let binstall = manifest
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("binstall"))
        .and_then(toml::Value::as_table)
        .expect("[package.metadata.binstall]");
    let field = |name: &str| binstall.get(name).and_then(toml::Value::as_str).unwrap_or_else(|| panic!("no {name}"));
    assert_eq!(field("pkg-url"), "{ repo }/releases/download/v{ version }/linkplan-{ target }.tar.gz");
    assert_eq!(field("bin-dir"), "linkplan-{ target }/{ bin }{ binary-ext }");
    assert_eq!(field("pkg-fmt"), "tgz");
    let hooks = yaml(".pre-commit-hooks.yaml");
    assert_eq!(hooks.pointer("/0/language").and_then(Value::as_str), Some("python"), "{hooks}");
}

/// The scripts pass shellcheck, where it is installed (`.ci/run` installs it; actionlint runs it
/// on the workflows' scripts, not on a composite action's).
#[test]
fn the_action_scripts_pass_shellcheck() {
    if !have_tool("shellcheck", "the_action_scripts_pass_shellcheck") {
        return;
    }
    let dir = TempDir::new("action-shellcheck");
    for (place, step) in steps("action.yml", &yaml("action.yml")) {
        let Some(script) = step.get("run").and_then(Value::as_str) else { continue };
        let file = dir.write("step.sh", format!("#!/usr/bin/env bash\n{script}"));
        let run = crate::util::run_program("shellcheck", &["--shell=bash", &file.display().to_string()]);
        assert_eq!(run.code, 0, "{place}: {}", run.transcript());
    }
}

fn resolve_script() -> String {
    let action = yaml("action.yml");
    let step = steps("action.yml", &action)
        .into_iter()
        .map(|(_, step)| step)
        .find(|step| step.get("id").and_then(Value::as_str) == Some("resolve"))
        .expect("a step with id `resolve`");
    step.get("run").and_then(Value::as_str).expect("a script").to_owned()
}

/// A stand-in for GitHub's release downloads: the files it has, 404 for the rest, and every path
/// asked for.
struct Server {
    url: String,
    asked: Arc<Mutex<Vec<String>>>,
}

fn serve(files: HashMap<String, Vec<u8>>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&asked);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(&stream);
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let path = request.split(' ').nth(1).unwrap_or("/").to_owned();
            log.lock().expect("not poisoned").push(path.clone());
            let (status, body) = match files.get(&path) {
                Some(body) => ("200 OK", body.clone()),
                None => ("404 Not Found", b"Not Found".to_vec()),
            };
            let head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
        }
    });
    Server { url, asked }
}

/// `linkplan-<target>.tar.gz` of the linkplan under test, and its `.sha256` line.
fn release_archive(dir: &TempDir, target: &str) -> (Vec<u8>, String) {
    let stage = dir.path().join("stage");
    let folder = stage.join(format!("linkplan-{target}"));
    std::fs::create_dir_all(&folder).expect("a staging folder");
    std::fs::copy(env!("CARGO_BIN_EXE_linkplan"), folder.join("linkplan")).expect("the binary copies");
    let archive = dir.path().join("archive.tar.gz");
    let tar = std::process::Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(&stage)
        .arg(format!("linkplan-{target}"))
        .status()
        .expect("tar runs");
    assert!(tar.success());
    let bytes = std::fs::read(&archive).expect("the archive");
    let sum = std::process::Command::new("sha256sum").arg(&archive).output().expect("sha256sum runs");
    let digest = String::from_utf8_lossy(&sum.stdout).split(' ').next().expect("a digest").to_owned();
    (bytes, format!("{digest}  linkplan-{target}.tar.gz\n"))
}

/// Where the runner checks out `uses: linkplan/linkplan@<action_ref>`.
fn remote(dir: &TempDir, action_ref: &str) -> std::path::PathBuf {
    dir.path().join("_actions/linkplan/linkplan").join(action_ref)
}

/// Runs the download step as GitHub would (`bash --noprofile --norc -eo pipefail`), for the
/// action at `action_path`.
fn download(dir: &TempDir, server: &Server, os: &str, arch: &str, action_path: &Path, version: &str) -> (Run, String) {
    let script = dir.write("resolve.sh", resolve_script());
    let temp = dir.path().join("runner-temp");
    std::fs::create_dir_all(&temp).expect("RUNNER_TEMP");
    let output = dir.path().join("github-output");
    let _ = std::fs::remove_file(&output);
    let run = std::process::Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script)
        .env("RUNNER_OS", os)
        .env("RUNNER_ARCH", arch)
        .env("RUNNER_TEMP", &temp)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_ACTION_PATH", action_path)
        .env("GITHUB_SERVER_URL", &server.url)
        .env("LINKPLAN_VERSION", version)
        .env("LINKPLAN_ACTION_REF", "")
        .env("LINKPLAN_ACTION_REPOSITORY", "")
        .output()
        .expect("bash runs");
    // No file: the script wrote no output before it stopped.
    let outputs = match std::fs::read_to_string(&output) {
        Ok(outputs) => outputs,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => panic!("cannot read {}: {e}", output.display()),
    };
    (finish(run), outputs)
}

fn output_value<'a>(outputs: &'a str, name: &str) -> Option<&'a str> {
    outputs.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
}

#[test]
fn the_action_downloads_the_release_of_its_own_tag_and_checks_it() {
    let dir = TempDir::new("action-download");
    let target = "x86_64-unknown-linux-musl";
    let (archive, sum) = release_archive(&dir, target);
    let base = "/linkplan/linkplan/releases/download/v0.1.0";
    let server = serve(HashMap::from([
        (format!("{base}/linkplan-{target}.tar.gz"), archive),
        (format!("{base}/linkplan-{target}.tar.gz.sha256"), sum.into_bytes()),
    ]));
    let (run, outputs) = download(&dir, &server, "Linux", "X64", &remote(&dir, "v0.1.0"), "");
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(output_value(&outputs, "source"), Some("release"), "{outputs}");
    let bin = output_value(&outputs, "bin").expect("the binary's path");
    assert!(Path::new(bin).ends_with(format!("linkplan-{target}/linkplan")), "{bin}");
    let version = std::process::Command::new(bin).arg("--version").output().expect("the downloaded linkplan runs");
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("linkplan "), "{version:?}");
    assert_eq!(
        *server.asked.lock().expect("not poisoned"),
        [format!("{base}/linkplan-{target}.tar.gz"), format!("{base}/linkplan-{target}.tar.gz.sha256")]
    );
}

#[test]
fn an_archive_that_does_not_match_its_checksum_fails_the_step() {
    let dir = TempDir::new("action-checksum");
    let target = "aarch64-apple-darwin";
    let (archive, _) = release_archive(&dir, target);
    let base = "/linkplan/linkplan/releases/download/v0.1.0";
    let wrong = format!("{}  linkplan-{target}.tar.gz\n", "0".repeat(64));
    let server = serve(HashMap::from([
        (format!("{base}/linkplan-{target}.tar.gz"), archive),
        (format!("{base}/linkplan-{target}.tar.gz.sha256"), wrong.into_bytes()),
    ]));
    let (run, outputs) = download(&dir, &server, "macOS", "ARM64", &remote(&dir, "v0.1.0"), "");
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stdout.contains("::error title=linkplan::") && run.stdout.contains("checksum"), "{}", run.transcript());
    assert!(output_value(&outputs, "bin").is_none(), "{outputs}");
    assert!(output_value(&outputs, "source").is_none(), "no compile either: {outputs}");
    assert!(!dir.path().join("runner-temp/linkplan-release").join(format!("linkplan-{target}")).exists(), "unpacked");
}

#[test]
fn without_a_release_to_download_the_action_compiles() {
    let dir = TempDir::new("action-fallback");
    let server = serve(HashMap::new());
    // The `version` input names a release that has no archive.
    let (run, outputs) = download(&dir, &server, "Linux", "ARM64", &remote(&dir, "v0.1.0"), "0.2.0");
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(output_value(&outputs, "source"), Some("cargo"), "{outputs}");
    assert!(run.stdout.contains("no linkplan-aarch64-unknown-linux-musl.tar.gz in release v0.2.0"), "{}", run.stdout);
    assert_eq!(
        *server.asked.lock().expect("not poisoned"),
        ["/linkplan/linkplan/releases/download/v0.2.0/linkplan-aarch64-unknown-linux-musl.tar.gz"]
    );
    // Pinned to a commit, or run on Windows: nothing to ask for.
    for (os, arch, action_ref) in
        [("Linux", "X64", "0123456789abcdef0123456789abcdef01234567"), ("Windows", "X64", "v0.1.0")]
    {
        let server = serve(HashMap::new());
        let (run, outputs) = download(&dir, &server, os, arch, &remote(&dir, action_ref), "");
        assert_eq!(run.code, 0, "{}", run.transcript());
        assert_eq!(output_value(&outputs, "source"), Some("cargo"), "{os} {action_ref}: {outputs}");
        assert!(server.asked.lock().expect("not poisoned").is_empty(), "{os} {action_ref}");
    }
}

/// `uses: ./` (the action in the repository itself): no tag in its path, so only the `version`
/// input names a release, of linkplan/linkplan.
#[test]
fn a_local_action_downloads_only_the_version_it_is_given() {
    let dir = TempDir::new("action-local");
    let target = "x86_64-apple-darwin";
    let (archive, sum) = release_archive(&dir, target);
    let base = "/linkplan/linkplan/releases/download/v0.3.1";
    let server = serve(HashMap::from([
        (format!("{base}/linkplan-{target}.tar.gz"), archive),
        (format!("{base}/linkplan-{target}.tar.gz.sha256"), sum.into_bytes()),
    ]));
    let workspace = dir.path().join("work/repository");
    let (run, outputs) = download(&dir, &server, "macOS", "X64", &workspace, "");
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(output_value(&outputs, "source"), Some("cargo"), "{outputs}");
    assert!(server.asked.lock().expect("not poisoned").is_empty());
    let (run, outputs) = download(&dir, &server, "macOS", "X64", &workspace, "v0.3.1");
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(output_value(&outputs, "source"), Some("release"), "{outputs}");
}
