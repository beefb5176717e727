//! The `linkplan` binary: everything lives in the library (`crates/cli/lib.rs`).

fn main() -> std::process::ExitCode {
    linkplan::main()
}
