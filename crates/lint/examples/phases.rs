//! Where lint time goes, per phase, on one plan linted many times on one thread.
//!
//! `cargo run --release -p linkplan-lint --example phases -- FILE [N]`

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Instant;

use linkplan_lint::{Linter, Options, Schema};
use linkplan_model::Document;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "examples/orders-cdc.yaml".to_owned());
    let n: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("cannot read {path}");
        std::process::exit(2);
    };
    // The best of five rounds, to see past noise from other processes.
    let time = |name: &str, f: &mut dyn FnMut()| {
        let best = (0..5)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..n {
                    f();
                }
                start.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min);
        println!("{name:<24} {:>8.2} µs/file", best * 1e6 / f64::from(n));
    };
    time("parser events (floor)", &mut || {
        std::hint::black_box(saphyr_parser::Parser::new_from_str(&text).take_while(Result::is_ok).count());
    });
    time("located document", &mut || {
        std::hint::black_box(Document::parse(&text).is_ok());
    });
    let Ok(document) = Document::parse(&text) else { return };
    time("to_json", &mut || {
        std::hint::black_box(document.to_json());
    });
    let Ok(schema) = Schema::plan() else { return };
    let json = document.to_json();
    let Ok(validator) = jsonschema::draft202012::new(schema.document()) else { return };
    time("schema is_valid", &mut || {
        std::hint::black_box(validator.is_valid(&json));
    });
    let Ok(no_rules) = Linter::new(Options { select: Some(vec!["PL001"]), ..Options::default() }) else { return };
    time("lint_text, no rules", &mut || {
        std::hint::black_box(no_rules.lint_text(&text));
    });
    let Ok(linter) = Linter::new(Options::default()) else { return };
    time("whole lint_text", &mut || {
        std::hint::black_box(linter.lint_text(&text));
    });
}
