//! `redis-rust-cli`: a redis-cli-compatible client and load generator.

fn main() {}
