//! persistence (under construction).
//!
//! - [`rdb`]: RDB v10 snapshots (read, write, DUMP/RESTORE payloads).

pub mod rdb;
