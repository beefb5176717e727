//! The benchmark floor: read every plan file under a directory and run the YAML parser over it
//! (events only, no tree, no schema, no rules), on as many threads as `linkplan lint` uses.
//!
//! `cargo run --release -p linkplan-lint --example parse_floor -- DIR` prints the file count.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: parse_floor DIR");
        std::process::exit(2);
    };
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
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
                    let count = saphyr_parser::Parser::new_from_str(&text).take_while(Result::is_ok).count();
                    events.fetch_add(count, Ordering::Relaxed);
                }
            });
        }
    });
    println!("{} files, {} events", files.len(), events.load(Ordering::Relaxed));
}
