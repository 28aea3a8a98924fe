//! `redis-rust-cli`: a redis-cli-compatible client and load generator.
//!
//! The binary only reads its options and hands them to the library's run
//! modes; see `cli/src/lib.rs` for the parts.

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run(std::env::args_os().collect()).into()
}
