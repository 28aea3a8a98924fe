//! db commands (being written; the table grows as they land).

use crate::command::CommandSpec;

pub const COMMANDS: &[CommandSpec] = &[];
