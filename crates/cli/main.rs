//! The `linkplan` binary: everything lives in the library (`crates/cli/lib.rs`).

// Linting many files allocates many small trees on two threads; mimalloc's per-thread heaps
// make that about a third cheaper than the system allocator (see bench/lint.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    linkplan::main()
}
