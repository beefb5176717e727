//! The man pages in `docs/man/` (clap_mangen, written by `cargo xtask codegen`): up to date with
//! the command line, one per subcommand, and each renders with groff without a warning.

use crate::util::{have_tool, root, run_program};

fn pages() -> Vec<linkplan::ManPage> {
    match linkplan::man_pages() {
        Ok(pages) => pages,
        Err(e) => panic!("cannot render the man pages: {e}"),
    }
}

#[test]
fn the_committed_man_pages_are_up_to_date() {
    let dir = root().join("docs/man");
    let pages = pages();
    for page in &pages {
        assert!(page.roff.is_ascii(), "{} is not ASCII (troff without preconv warns)", page.file_name);
        let on_disk = std::fs::read_to_string(dir.join(&page.file_name)).ok();
        assert!(
            on_disk.as_deref() == Some(page.roff.as_str()),
            "docs/man/{} is not up to date: run `cargo xtask codegen`",
            page.file_name
        );
    }
    // A page left behind by a subcommand that is gone.
    let entries = std::fs::read_dir(&dir).expect("docs/man exists");
    for entry in entries {
        let name = entry.expect("docs/man is readable").file_name().to_string_lossy().into_owned();
        if name.ends_with(".1") {
            assert!(
                pages.iter().any(|p| p.file_name == name),
                "docs/man/{name} is no subcommand's page: run `cargo xtask codegen`"
            );
        }
    }
}

#[test]
fn every_subcommand_has_a_page() {
    let names: Vec<String> = pages().into_iter().map(|p| p.file_name).collect();
    assert_eq!(names.first().map(String::as_str), Some("linkplan.1"), "{names:?}");
    for command in linkplan::command().get_subcommands() {
        let page = format!("linkplan-{}.1", command.get_name());
        assert!(names.contains(&page), "no {page} in {names:?}");
        for nested in command.get_subcommands() {
            let page = format!("linkplan-{}-{}.1", command.get_name(), nested.get_name());
            assert!(names.contains(&page), "no {page} in {names:?}");
        }
    }
    assert!(!names.iter().any(|n| n.contains("help")), "clap's `help` has no page: {names:?}");
}

/// What `man` does to show a page, with every warning on (and plain text out: no overstriking
/// for bold): it must say nothing on standard error, and show the subcommands (on linkplan.1)
/// and the options.
#[test]
fn the_pages_render_with_groff_without_warnings() {
    if !have_tool("groff", "the_pages_render_with_groff_without_warnings") {
        return;
    }
    for page in pages() {
        let file = format!("docs/man/{}", page.file_name);
        let run = run_program("groff", &["-man", "-Tutf8", "-ww", "-rLL=100n", "-P-cbou", &file]);
        assert_eq!(run.code, 0, "{file}: {}", run.transcript());
        assert!(run.stderr.is_empty(), "{file}: {}", run.transcript());
        assert!(run.stdout.contains("SYNOPSIS"), "{file}: {}", run.stdout);
        assert!(run.stdout.contains("--help"), "{file}: {}", run.stdout);
        if page.file_name == "linkplan.1" {
            for command in linkplan::command().get_subcommands() {
                let reference = format!("linkplan-{}(1)", command.get_name());
                assert!(run.stdout.contains(&reference), "{file} does not name {reference}:\n{}", run.stdout);
            }
        }
    }
}

/// `man -l`, where man-db is installed: a page as a user opens it from a checkout.
#[test]
fn man_shows_a_page() {
    if !have_tool("man", "man_shows_a_page") {
        return;
    }
    let run = run_program("man", &["--warnings", "-P", "cat", "-l", "docs/man/linkplan-lint.1"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stderr.is_empty(), "{}", run.transcript());
    assert!(run.stdout.contains("linkplan-lint"), "{}", run.stdout);
    assert!(run.stdout.contains("--select"), "{}", run.stdout);
}
