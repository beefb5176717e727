//! `linkplan lint` end to end.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::util::{Run, TempDir, example, finish, linkplan, linkplan_command, linkplan_stdin, run_command};

#[test]
fn the_example_plan_is_clean() {
    let run = linkplan(&["lint", "examples/orders-cdc.yaml"]);
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 0
    --- stdout
    All checks passed (1 file).
    --- stderr
    ");
}

#[test]
fn a_broken_plan_points_at_the_line() {
    let dir = TempDir::new("broken");
    let text =
        example().replace("[use1-az1, use1-az2, use1-az4]\nconfluent", "[us-east-1a, use1-az2, use1-az4]\nconfluent");
    dir.write("plan.yaml", text);
    let run = linkplan(&["lint", &dir.path().join("plan.yaml").display().to_string()]);
    let transcript = run.transcript().replace(&dir.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!(transcript);
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = TempDir::new("deny");
    let text = example().replace("vpce-svc-0123456789abcdef0", "vpce-svc-0123abcd");
    let path = dir.write("plan.yaml", text).display().to_string();
    let run = linkplan(&["lint", &path]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("NW003"), "{}", run.stdout);
    let run = linkplan(&["lint", "--deny", "warnings", &path]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let run = linkplan(&["lint", "--deny", "warnings", "--ignore", "legacy-vpc-endpoint-service-id", &path]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn exit_code_2_for_missing_paths_and_unknown_rules() {
    let run = linkplan(&["lint", "does/not/exist.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read `does/not/exist.yaml`"), "{}", run.stderr);
    let run = linkplan(&["lint", "--select", "XX999", "examples"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--select: unknown rule or prefix `XX999`"), "{}", run.stderr);
    let run = linkplan(&["lint", "--format", "yaml", "examples"]);
    assert_eq!(run.code, 2);
}

#[test]
fn directories_are_searched_for_yaml() {
    let dir = TempDir::new("walk");
    dir.write("a/one.yaml", example());
    dir.write("a/b/two.yml", example().replace("type: dedicated", "type: standard"));
    dir.write("a/notes.txt", "not yaml");
    dir.write(".hidden/three.yaml", "garbage: [");
    dir.write("target/four.yaml", "garbage: [");
    let run = linkplan(&["lint", "--format", "json", &dir.path().display().to_string()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_default();
    let paths: Vec<String> = json["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .filter_map(|f| f["path"].as_str())
                .map(|p| p.replace(&dir.path().display().to_string(), ""))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(paths, ["/a/b/two.yml", "/a/one.yaml"]);
    assert_eq!(json["summary"]["errors"], 1);
    assert_eq!(json["files"][0]["findings"][0]["code"], "CL001");
}

#[test]
fn many_files_in_one_call_keep_their_order() {
    let dir = TempDir::new("many");
    for i in 0..100 {
        let text = if i % 10 == 3 { example().replace("cku: 2", "cku: 1") } else { example() };
        dir.write(&format!("plan-{i:03}.yaml"), text);
    }
    let run = linkplan(&["lint", "--format", "json", &dir.path().display().to_string()]);
    assert_eq!(run.code, 1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_default();
    assert_eq!(json["summary"]["files"], 100);
    assert_eq!(json["summary"]["errors"], 10);
    let failing: Vec<usize> = json["files"]
        .as_array()
        .map(|f| {
            f.iter()
                .enumerate()
                .filter(|(_, f)| f["findings"].as_array().is_some_and(|a| !a.is_empty()))
                .map(|(i, _)| i)
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(failing, [3, 13, 23, 33, 43, 53, 63, 73, 83, 93]);
}

#[test]
fn standard_input_is_linted_under_its_given_name() {
    let run = linkplan_stdin(&["lint", "--format", "github", "--stdin-filename", "plans/x.yaml", "-"], b"version: 2\n");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn hostile_files_are_findings_not_crashes() {
    let dir = TempDir::new("hostile");
    dir.write("binary.yaml", [0u8, 159, 146, 150, 0, 1, 2]);
    dir.write("latin1.yaml", b"name: caf\xe9\n");
    dir.write("huge.yaml", "a: b\n".repeat(300_000));
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 10].join(", ")));
    }
    dir.write("bomb.yaml", bomb);
    dir.write("deep.yaml", format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)));
    dir.write("empty.yaml", "");
    dir.write("list.yaml", "- a\n- b\n");
    dir.write("long.yaml", format!("{{version: 1, name: a{}, bogus: 1}}", " ".repeat(70_000)));
    // Named one by one: none of them looks like a plan, so a directory walk would skip them all.
    let names = ["binary", "bomb", "deep", "empty", "huge", "latin1", "list", "long"];
    let paths: Vec<String> = names.iter().map(|n| dir.path().join(format!("{n}.yaml")).display().to_string()).collect();
    let args = |format: &'static str| -> Vec<&str> {
        ["lint", "--format", format].into_iter().chain(paths.iter().map(String::as_str)).collect()
    };
    for format in ["human", "sarif", "github", "junit"] {
        let run = linkplan(&args(format));
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(run.stderr.is_empty() && run.stdout.contains("PL003"), "{format}: {}", run.stderr);
    }
    let run = linkplan(&args("json"));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_default();
    let codes: Vec<String> = json["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .map(|f| {
                    let name = f["path"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_owned();
                    format!("{name}: {}", f["findings"][0]["code"].as_str().unwrap_or("-"))
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        codes,
        [
            "binary.yaml: PL001",
            "bomb.yaml: PL001",
            "deep.yaml: PL001",
            "empty.yaml: PL004",
            "huge.yaml: PL001",
            "latin1.yaml: PL001",
            "list.yaml: PL004",
            "long.yaml: PL004"
        ]
    );
}

#[test]
fn suppressions_need_a_reason_and_must_be_used() {
    let dir = TempDir::new("suppress");
    let text = example()
        .replace("    cku: 2\n", "    cku: 1  # linkplan: allow CL003\n")
        .replace("  cluster_id:", "  # linkplan: allow AZ004 zones were reviewed\n  cluster_id:");
    let path = dir.write("plan.yaml", text).display().to_string();
    let run = linkplan(&["lint", "--format", "json", &path]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_default();
    let codes: Vec<&str> = json["files"][0]["findings"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["code"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(codes, ["PL005", "PL006"], "{}", run.stdout);
    assert_eq!(run.code, 0, "warnings only");
}

#[test]
fn junit_and_output_file() {
    let dir = TempDir::new("junit");
    let out = dir.path().join("report.xml").display().to_string();
    let run = linkplan(&["lint", "--format", "junit", "-o", &out, "fixtures/lint/CL001"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    let xml = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(xml.contains("<failure") && xml.contains("CL001 cluster-not-dedicated"), "{xml}");
    assert!(xml.contains("name=\"lint\""), "pass fixtures are passing test cases: {xml}");
}

/// A finding far along a very long line (miette's snippet panicked past column 65,535, and the
/// whole batch was lost) is reported in every format, next to the other files' findings.
#[test]
fn a_very_long_line_is_reported_in_every_format() {
    let dir = TempDir::new("long-line");
    dir.write("a-long.yaml", format!("{{version: 1, name: a{}, bogus: 1}}", " ".repeat(70_000)));
    dir.write("b-plain.yaml", example().replace("cku: 2", "cku: 1"));
    let path = dir.path().display().to_string();
    // Named: a flow mapping on one line has no top-level key lines, so a walk would skip it.
    let (long, plain) = (format!("{path}/a-long.yaml"), format!("{path}/b-plain.yaml"));
    for format in ["human", "json", "sarif", "github", "junit"] {
        let run = linkplan(&["lint", "--format", format, &long, &plain]);
        assert_eq!(run.code, 1, "{format}: {}", run.transcript());
        assert!(run.stdout.contains("PL003") && run.stdout.contains("CL003"), "{format}: {}", run.stdout);
        assert!(run.stderr.is_empty(), "{format}: {}", run.stderr);
    }
    let human = linkplan(&["lint", &long, &plain]);
    // `bogus` is after 20 characters, 70,000 spaces and `, `.
    let plain = format!("{path}/a-long.yaml:1:70023: error PL003: unknown top-level key `bogus`");
    assert!(human.stdout.contains(&plain), "{}", human.stdout);
    assert!(human.stdout.contains(&format!("╭─[{path}/b-plain.yaml:")), "the other file keeps its snippet");
    assert!(human.stdout.lines().all(|line| line.len() < 1000), "no long line is printed");
}

/// The human header and the JSON location count the same columns (code points) on a line
/// with multi-byte characters before the finding.
#[test]
fn human_and_json_columns_agree() {
    let dir = TempDir::new("columns");
    let path =
        dir.write("plan.yaml", "version: 1\nname: a\ntidb: {cloud: \"日本🦀\", bogus: 1}\n").display().to_string();
    let human = linkplan(&["lint", "--select", "PL003", &path]);
    assert!(human.stdout.contains(&format!("╭─[{path}:3:22]")), "{}", human.stdout);
    let json = linkplan(&["lint", "--select", "PL003", "--format", "json", &path]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap_or_default();
    let location = &json["files"][0]["findings"][0]["location"];
    assert_eq!((location["line"].as_u64(), location["column"].as_u64()), (Some(3), Some(22)), "{json}");
}

/// Runs `linkplan ARGS…`, failing (not hanging) if it has not finished within 30 seconds.
pub(crate) fn linkplan_within_30s(args: &[&str]) -> Run {
    let mut child = match linkplan_command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(child) => child,
        Err(e) => panic!("cannot run linkplan: {e}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while matches!(child.try_wait(), Ok(None)) {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("linkplan {args:?} did not finish in 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    match child.wait_with_output() {
        Ok(output) => finish(output),
        Err(e) => panic!("linkplan did not finish: {e}"),
    }
}

/// A FIFO given by name blocked `lint` forever (opening it waits for a writer): files that are
/// not regular are refused by name and kind, without being opened, and the rest is linted.
/// Directory searches skip them silently.
#[cfg(unix)]
#[test]
fn files_that_are_not_regular_are_refused_by_kind() {
    let dir = TempDir::new("special");
    let plan = dir.write("plan.yaml", example()).display().to_string();
    let fifo = dir.path().join("pipe.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", fifo.display());
    let socket = dir.path().join("socket.yaml");
    let _listener = match std::os::unix::net::UnixListener::bind(&socket) {
        Ok(listener) => listener,
        Err(e) => panic!("cannot bind {}: {e}", socket.display()),
    };
    let (fifo, socket) = (fifo.display().to_string(), socket.display().to_string());
    let run = linkplan_within_30s(&["lint", &fifo, &socket, "/dev/null", &plan]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    for (path, kind) in
        [(&fifo, "a named pipe (FIFO)"), (&socket, "a socket"), (&"/dev/null".to_owned(), "a character device")]
    {
        let line = format!("linkplan: error: cannot read `{path}`: it is {kind}, not a regular file");
        assert!(run.stderr.contains(&line), "{line}\n{}", run.stderr);
    }
    assert_eq!(run.stdout, "3 paths could not be read; 1 file checked, no findings.\n", "{}", run.stdout);

    let searched = linkplan_within_30s(&["lint", &dir.path().display().to_string()]);
    assert_eq!(searched.code, 0, "{}", searched.transcript());
    assert!(searched.stdout.contains("All checks passed (1 file)."), "{}", searched.stdout);
}

/// Every path error says what the operating system said.
#[test]
fn path_errors_keep_the_os_reason() {
    let dir = TempDir::new("path-errors");
    let file = dir.write("plan.yaml", example()).display().to_string();
    let under_a_file = format!("{file}/x.yaml");
    let run = linkplan(&["lint", &under_a_file, "does/not/exist.yaml"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains(&format!("cannot read `{under_a_file}`: Not a directory")), "{}", run.stderr);
    assert!(run.stderr.contains("cannot read `does/not/exist.yaml`: No such file or directory"), "{}", run.stderr);

    let report = dir.path().display().to_string();
    let run = linkplan(&["lint", "-o", &report, &file]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("cannot write the report") && run.stderr.contains("Is a directory"), "{}", run.stderr);

    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::PermissionsExt;
        // A name that is not UTF-8 is shown lossily, with the reason.
        let missing = dir.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9.yaml"));
        let mut command = linkplan_command(&["lint"]);
        command.arg(&missing);
        let run = run_command(command);
        assert_eq!(run.code, 2, "{}", run.transcript());
        assert!(run.stderr.contains("caf\u{fffd}.yaml`: No such file or directory"), "{}", run.stderr);

        let locked = dir.write("locked.yaml", example());
        let _ = std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000));
        // Root reads it anyway.
        if std::fs::read(&locked).is_err() {
            let run = linkplan(&["lint", &locked.display().to_string()]);
            assert_eq!(run.code, 2, "{}", run.transcript());
            assert!(run.stderr.contains("Permission denied"), "{}", run.stderr);
        }
    }
}

/// A path that could not be read is not a pass: the summary says how many paths could not be
/// read and how many files were checked (ruff-like), never "All checks passed", and lint exits 2.
#[test]
fn the_summary_does_not_claim_success_after_a_path_error() {
    let run = linkplan(&["lint", "nope.yaml"]);
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 2
    --- stdout
    1 path could not be read; 0 files checked.
    --- stderr
    linkplan: error: cannot read `nope.yaml`: No such file or directory (os error 2)
    ");

    let run = linkplan(&["lint", "nope.yaml", "examples/orders-cdc.yaml", "also/missing.yaml"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert_eq!(run.stdout, "2 paths could not be read; 1 file checked, no findings.\n", "{}", run.transcript());

    let dir = TempDir::new("path-error-and-finding");
    let broken = dir.write("plan.yaml", example().replace("cku: 2", "cku: 1")).display().to_string();
    let run = linkplan(&["lint", "nope.yaml", &broken]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stdout.contains("CL003"), "{}", run.stdout);
    assert!(
        run.stdout.ends_with("\n1 path could not be read; found 1 error in 1 of 1 file checked.\n"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("All checks passed"), "{}", run.stdout);
}

/// Nor is a failed online lookup a pass (here: no API keys): the offline report is printed and
/// the summary says which files were checked offline only.
#[test]
fn the_summary_says_when_the_online_lookup_failed() {
    let mut command = linkplan_command(&["lint", "--online", "examples/orders-cdc.yaml"]);
    for name in
        ["CONFLUENT_CLOUD_API_KEY", "CONFLUENT_CLOUD_API_SECRET", "TIDBCLOUD_PUBLIC_KEY", "TIDBCLOUD_PRIVATE_KEY"]
    {
        command.env_remove(name);
    }
    let run = run_command(command);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("API key variables not set"), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "1 file could not be looked up online (offline checks only); 1 file checked, no findings.\n",
        "{}",
        run.transcript()
    );
}
