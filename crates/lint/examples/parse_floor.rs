//! The benchmark floors: read every plan file under a directory and parse it, on as many threads
//! as `linkplan lint` uses, with no schema and no rules.
//!
//! - `parse_floor DIR`: the YAML parser's event stream only, nothing built (the strictest floor:
//!   the same parser linkplan uses, doing the least a parser can do);
//! - `parse_floor --tree DIR`: a bare parse into an in-memory YAML document with `saphyr`'s
//!   loader (what "parse the file" means to most programs).
//!
//! `cargo run --release -p linkplan-lint --example parse_floor -- [--tree] DIR` prints the file
//! count.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tree = args.iter().any(|a| a == "--tree");
    let Some(dir) = args.iter().find(|a| *a != "--tree") else {
        eprintln!("usage: parse_floor [--tree] DIR");
        std::process::exit(2);
    };
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            eprintln!("cannot read {dir}: {e}");
            std::process::exit(2);
        }
    };
    files.sort();
    let next = AtomicUsize::new(0);
    let events = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let idx = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(idx) else { break };
                    let Ok(text) = std::fs::read_to_string(path) else { continue };
                    let count = if tree {
                        use saphyr::LoadableYamlNode;
                        saphyr::Yaml::load_from_str(&text).map_or(0, |docs| docs.len())
                    } else {
                        saphyr_parser::Parser::new_from_str(&text).take_while(Result::is_ok).count()
                    };
                    events.fetch_add(count, Ordering::Relaxed);
                }
            });
        }
    });
    let unit = if tree { "documents" } else { "events" };
    println!("{} files, {} {unit}", files.len(), events.load(Ordering::Relaxed));
}
