//! Replaying one AOF file into the engine: each command runs through
//! `Engine::execute` with a fresh loading client per file (so the database
//! starts at 0, as in Redis), replies discarded. The caller has swapped the
//! engine's delta sink out, so nothing is emitted again.
//!
//! A MULTI left open at the end of the file is reverted: its queued
//! commands never ran, and the file counts as truncated where MULTI began,
//! as Redis treats it.

use super::reader::{CommandReader, ReadError};
use bytes::{Bytes, BytesMut};
use kv_engine::{ClientState, Engine};
use resp_codec::{Protocol, ReplyWriter};

/// The client id recovery runs commands as (never a real connection's).
const LOADING_CLIENT: u64 = u64::MAX;

/// What replaying a file did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replayed {
    /// Commands executed (MULTI, EXEC and SELECT included).
    pub commands: u64,
    /// Offset where an incomplete command (or open MULTI) starts: the file
    /// is valid up to here. None when it ends cleanly.
    pub truncated_at: Option<usize>,
}

/// Why a file could not be replayed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayError {
    /// Malformed bytes (not at the end of the file).
    Corrupt { offset: usize, what: String },
    /// A command the engine does not know.
    UnknownCommand { offset: usize, name: String },
    /// A command that replied with an error: a file of propagated writes
    /// never holds one that fails, so the data would silently diverge.
    CommandFailed { offset: usize, reply: String },
}

/// Replays the commands of `data` from `start` (past any RDB preamble).
pub fn replay(engine: &mut Engine, data: Bytes, start: usize) -> Result<Replayed, ReplayError> {
    let mut reader = CommandReader::new(data, start);
    let mut client = ClientState::new(LOADING_CLIENT);
    let mut reply = BytesMut::new();
    let mut replayed = Replayed::default();
    let mut multi_offset = None;
    loop {
        let command = match reader.next_command() {
            Ok(Some(command)) => command,
            Ok(None) => break,
            Err(ReadError::Truncated { offset }) => {
                replayed.truncated_at = Some(offset);
                break;
            }
            Err(ReadError::Corrupt { at, what, .. }) => {
                return Err(ReplayError::Corrupt {
                    offset: at,
                    what: what.to_string(),
                })
            }
        };
        if !client.in_multi() && command.argv[0].eq_ignore_ascii_case(b"MULTI") {
            multi_offset = Some(command.offset);
        }
        reply.clear();
        let mut out = ReplyWriter::new(&mut reply, Protocol::Resp2);
        let outcome = engine.execute(
            &mut client,
            &command.argv,
            &mut out,
            &mut crate::rdb::restore::ReplayHost,
        );
        replayed.commands += 1;
        if outcome.failed {
            let name = String::from_utf8_lossy(&command.argv[0]).into_owned();
            let reply = String::from_utf8_lossy(&reply).trim_end().to_string();
            return Err(match (outcome.rejected, outcome.command) {
                (true, None) => ReplayError::UnknownCommand {
                    offset: command.offset,
                    name,
                },
                (true, Some(_)) => ReplayError::Corrupt {
                    offset: command.offset,
                    what: reply,
                },
                (false, _) => ReplayError::CommandFailed {
                    offset: command.offset,
                    reply,
                },
            });
        }
    }
    if client.in_multi() {
        let began = multi_offset.expect("an open MULTI was seen starting");
        replayed.truncated_at = Some(replayed.truncated_at.map_or(began, |t| t.min(began)));
    }
    engine.forget_client(&mut client);
    Ok(replayed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aof::encode::write_command;
    use kv_engine::harness::SharedDeltas;
    use kv_engine::{EngineConfig, ManualClock};

    fn new_engine() -> (Engine, SharedDeltas) {
        let deltas = SharedDeltas::default();
        let engine = Engine::new(
            EngineConfig::default(),
            ManualClock::new(1_000),
            Box::new(deltas.clone()),
        );
        (engine, deltas)
    }

    fn file(commands: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        for c in commands {
            let argv: Vec<&str> = c.split(' ').collect();
            write_command(&mut out, &argv);
        }
        out
    }

    fn get(engine: &Engine, db: usize, key: &str) -> Option<kv_engine::value::Value> {
        engine.db(db).get(key.as_bytes()).cloned()
    }

    #[test]
    fn replays_commands_with_select_and_transactions() {
        let (mut engine, _) = new_engine();
        let data = file(&[
            "SELECT 0",
            "SET a 1",
            "SELECT 3",
            "MULTI",
            "SET x 1",
            "RPUSH l a b",
            "EXEC",
        ]);
        let replayed = replay(&mut engine, Bytes::from(data), 0).unwrap();
        assert_eq!(replayed.commands, 7);
        assert_eq!(replayed.truncated_at, None);
        assert!(get(&engine, 0, "a").is_some());
        assert!(get(&engine, 3, "x").is_some());
        assert!(get(&engine, 3, "l").is_some());
        assert!(get(&engine, 0, "x").is_none());
    }

    #[test]
    fn an_open_multi_at_the_end_is_reverted_as_truncation() {
        let (mut engine, _) = new_engine();
        let mut data = file(&["SET b 2"]);
        let multi_at = data.len();
        data.extend(file(&["MULTI", "SET c 3"]));
        let replayed = replay(&mut engine, Bytes::from(data.clone()), 0).unwrap();
        assert_eq!(replayed.truncated_at, Some(multi_at));
        assert!(get(&engine, 0, "c").is_none(), "queued commands never ran");
        data.extend_from_slice(b"*3\r\n$3\r\nSET");
        let (mut engine, _) = new_engine();
        let replayed = replay(&mut engine, Bytes::from(data), 0).unwrap();
        assert_eq!(
            replayed.truncated_at,
            Some(multi_at),
            "the earlier cut wins"
        );
    }

    #[test]
    fn unknown_commands_and_corruption_stop_with_offsets() {
        let (mut engine, _) = new_engine();
        let data = file(&["SET a 1", "NOSUCH x"]);
        let at = file(&["SET a 1"]).len();
        assert_eq!(
            replay(&mut engine, Bytes::from(data), 0),
            Err(ReplayError::UnknownCommand {
                offset: at,
                name: "NOSUCH".into()
            })
        );
        let data = file(&["SET a 1", "RPUSH a x"]);
        assert_eq!(
            replay(&mut engine, Bytes::from(data), 0),
            Err(ReplayError::CommandFailed {
                offset: at,
                reply: "-WRONGTYPE Operation against a key holding the wrong kind of value".into()
            }),
            "a failing command is not skipped"
        );
        let data = file(&["SET a"]);
        assert_eq!(
            replay(&mut engine, Bytes::from(data), 0),
            Err(ReplayError::Corrupt {
                offset: 0,
                what: "-ERR wrong number of arguments for 'set' command".into()
            })
        );
        let mut data = file(&["SET a 1"]);
        data.extend_from_slice(b"junk\r\n");
        assert!(matches!(
            replay(&mut engine, Bytes::from(data), 0),
            Err(ReplayError::Corrupt { offset, .. }) if offset == at
        ));
    }
}
