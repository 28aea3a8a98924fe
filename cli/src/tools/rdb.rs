//! `--rdb FILE`: fetching a snapshot needs the replication handshake
//! (SYNC/PSYNC), which redis-rust does not speak yet; until it does the
//! option says so instead of writing a file that is not a snapshot.

use std::path::Path;

use super::ToolError;

pub fn run(path: &Path) -> Result<(), ToolError> {
    Err(ToolError::Reply(format!(
        "--rdb {} is not supported yet: redis-rust-cli cannot receive a snapshot until replication exists",
        path.display()
    )))
}
