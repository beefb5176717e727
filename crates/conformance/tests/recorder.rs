//! The recorder fails, instead of quietly checking nothing, when the vendor documents are
//! missing. The documents are loaded once per process, so the failing case runs in a child
//! process of this test binary, with `$LINKPLAN_VENDOR_SPECS` pointing at nowhere.

use std::process::Command;

use linkplan_conformance::recorder::Recorder;
use linkplan_conformance::{SPECS_ENV, Vendor};

/// Set in the child: [`in_the_child_a_recorder_is_made`] does its work only there.
const CHILD: &str = "LINKPLAN_RECORDER_TEST_CHILD";

#[test]
fn without_the_vendor_documents_the_recorder_fails_naming_where_it_looked() {
    let missing = std::env::temp_dir().join(format!("linkplan-no-vendor-specs-{}", std::process::id()));
    assert!(!missing.exists(), "{} must not exist", missing.display());
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(exe)
        .args(["--exact", "in_the_child_a_recorder_is_made", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env(SPECS_ENV, &missing)
        .output()
        .expect("the test binary runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success(), "the recorder must fail without the documents:\n{text}");
    assert!(text.contains("1 failed"), "the child ran the one test and it failed:\n{text}");
    let message = format!("vendor specs not found at {}: set {SPECS_ENV}", missing.display());
    assert!(text.contains("the request recorder checks every request against the vendor documents"), "{text}");
    assert!(text.contains(&message), "the message names the directory and the variable:\n{text}");
}

/// With the documents present (every run but the child's), the recorder is made.
#[test]
fn with_the_vendor_documents_the_recorder_is_made() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let recorder = Recorder::try_new(Vendor::Tidbcloud).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((recorder.vendor(), recorder.count()), (Vendor::Tidbcloud, 0));
}

/// The child's half of the first test; a no-op in a normal run.
#[test]
fn in_the_child_a_recorder_is_made() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let _ = Recorder::new(Vendor::Confluent);
}
