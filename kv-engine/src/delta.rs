//! Deltas: the deterministic effect of each write, in Redis propagation form.
//!
//! Every write command produces one `Delta` with the next LSN. The AOF,
//! future replicas and anything else that follows changes consume this one
//! stream (invariant 4). A delta's operations are what replays the change
//! exactly: relative expiries are absolute (`PXAT`), random choices are the
//! chosen members, INCRBYFLOAT is a SET, an expired key is a DEL, and a whole
//! EXEC is one delta, marked `transaction` (written as MULTI ... EXEC) when
//! it holds more than one op, as Redis 7.0 wraps only those.
//!
//! The sink says which form it takes (`DeltaSink::form`): structured ops
//! (`Delta`), the same ops already encoded as RESP commands
//! (`EncodedDelta`, what an AOF writes: the engine encodes each op once,
//! into a buffer it reuses, with no per-write allocation or argument
//! clone; a command propagated exactly as sent is handed over as its
//! arguments, `AsSent`, for the sink to encode once straight into its own
//! buffer), just the LSN, or nothing at all.

use bytes::Bytes;
use resp_codec::Argv;

/// One command to replay, in the database it applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeltaOp {
    pub db: u32,
    pub argv: Vec<Bytes>,
}

/// The effect of one command (or one EXEC, or one expiry batch).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delta {
    /// Log sequence number: strictly increasing, without gaps, per engine.
    pub lsn: u64,
    /// Replay the ops inside MULTI/EXEC so they apply atomically: an EXEC
    /// that propagates more than one op (one op is atomic as it is).
    pub transaction: bool,
    pub ops: Vec<DeltaOp>,
}

/// What the engine builds for each delta, as its sink asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeltaForm {
    /// Only the LSN: `emit` gets deltas with no ops.
    Lsn,
    /// Structured ops: `emit` gets `Delta::ops`.
    Ops,
    /// Ops encoded as RESP commands: `emit_encoded`.
    Encoded,
    /// Nothing: nobody follows the changes, `emit` is never called (the
    /// engine still counts LSNs and reports each write's).
    Nothing,
}

/// The ops of one delta, each a RESP multibulk command with its database,
/// back to back in one buffer. The engine keeps one and clears it after
/// every delta, so encoding allocates only while it grows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncodedOps {
    bytes: Vec<u8>,
    /// Per op: its database and where its command ends in `bytes`.
    ends: Vec<(u32, usize)>,
}

/// Capacity `EncodedOps::clear` keeps: one huge command (a 512 MB value)
/// must not pin its buffer for the life of the engine.
const KEPT_CAPACITY: usize = 64 << 10;

impl EncodedOps {
    /// Appends `argv` as one command to replay in database `db`.
    pub fn push<I>(&mut self, db: u32, argv: I)
    where
        I: IntoIterator,
        I::IntoIter: ExactSizeIterator + Clone,
        I::Item: AsRef<[u8]>,
    {
        resp_codec::encode::write_command(&mut self.bytes, argv);
        self.ends.push((db, self.bytes.len()));
    }

    /// Number of ops.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The database of every op, when they share one (None when there
    /// are none, or several).
    pub fn single_db(&self) -> Option<u32> {
        let (first, _) = *self.ends.first()?;
        self.ends
            .iter()
            .all(|&(db, _)| db == first)
            .then_some(first)
    }

    /// Every op's command, in order, without SELECTs.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// (database, encoded command) per op, in order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &[u8])> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&(db, end)| {
            let command = &self.bytes[start..end];
            start = end;
            (db, command)
        })
    }

    /// Empties it for the next delta, keeping a bounded capacity.
    pub fn clear(&mut self) {
        if self.bytes.capacity() > KEPT_CAPACITY {
            self.bytes = Vec::new();
        }
        if self.ends.capacity() > KEPT_CAPACITY / 16 {
            self.ends = Vec::new();
        }
        self.bytes.clear();
        self.ends.clear();
    }

    /// The structured ops, decoded back from the commands.
    pub fn to_ops(&self) -> Vec<DeltaOp> {
        self.iter()
            .map(|(db, command)| DeltaOp {
                db,
                argv: decode_command(command),
            })
            .collect()
    }
}

/// Reads back one command `EncodedOps::push` wrote.
fn decode_command(mut command: &[u8]) -> Vec<Bytes> {
    fn header(input: &mut &[u8], kind: u8) -> usize {
        assert_eq!(input[0], kind, "an encoded op starts with {}", kind as char);
        let line = input.iter().position(|&b| b == b'\r').expect("a CRLF");
        let n = std::str::from_utf8(&input[1..line])
            .ok()
            .and_then(|text| text.parse().ok())
            .expect("a decimal length");
        *input = &input[line + 2..];
        n
    }
    let argc = header(&mut command, b'*');
    let mut argv = Vec::with_capacity(argc);
    for _ in 0..argc {
        let len = header(&mut command, b'$');
        argv.push(Bytes::copy_from_slice(&command[..len]));
        command = &command[len + 2..];
    }
    assert!(command.is_empty(), "one command per op");
    argv
}

/// The command being run, propagated exactly as the client sent it (SET,
/// INCR, LPUSH...): left as its arguments, for the sink to encode once,
/// straight into the buffer it keeps, rather than encoded by the engine
/// and copied.
#[derive(Clone, Copy, Debug)]
pub struct AsSent<'a> {
    pub db: u32,
    /// Its place among the delta's ops: before `EncodedDelta::ops`' op
    /// number `at` (after all of them when `at` is their count).
    pub at: usize,
    pub argv: Argv<'a>,
    /// The bytes the command came in, when the owner knows them to be
    /// exactly `argv`'s RESP encoding (`resp_codec::Commands::sent`): copied
    /// rather than encoded again.
    pub sent: Option<&'a [u8]>,
}

/// One op of an `EncodedDelta`.
#[derive(Clone, Copy, Debug)]
pub enum EncodedOp<'a> {
    /// Encoded by the engine: a RESP multibulk command.
    Encoded(&'a [u8]),
    /// The command as sent, still to encode (or copy, `AsSent::sent`).
    AsSent(AsSent<'a>),
}

impl EncodedOp<'_> {
    /// Appends the op as a RESP multibulk command.
    #[inline]
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match self {
            EncodedOp::Encoded(command) => out.extend_from_slice(command),
            EncodedOp::AsSent(as_sent) => as_sent.write_to(out),
        }
    }
}

impl AsSent<'_> {
    /// Appends the command as a RESP multibulk command.
    #[inline]
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match self.sent {
            Some(bytes) => {
                debug_assert!(
                    {
                        let mut encoded = Vec::new();
                        resp_codec::encode::write_command(&mut encoded, self.argv);
                        encoded == bytes
                    },
                    "the bytes sent are the arguments' encoding"
                );
                out.extend_from_slice(bytes);
            }
            None => resp_codec::encode::write_command(out, self.argv),
        }
    }
}

/// A delta whose ops are encoded (`DeltaForm::Encoded`), borrowed from the
/// engine for the length of `emit_encoded`: `ops`, with `as_sent` among
/// them when the command propagated as sent.
#[derive(Clone, Copy, Debug)]
pub struct EncodedDelta<'a> {
    pub lsn: u64,
    pub transaction: bool,
    pub ops: &'a EncodedOps,
    pub as_sent: Option<AsSent<'a>>,
}

impl<'a> EncodedDelta<'a> {
    /// A delta of encoded ops only.
    pub fn of(lsn: u64, transaction: bool, ops: &'a EncodedOps) -> Self {
        EncodedDelta {
            lsn,
            transaction,
            ops,
            as_sent: None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty() && self.as_sent.is_none()
    }

    /// (database, op) per op, in order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, EncodedOp<'a>)> + 'a {
        let encoded = |(db, command)| (db, EncodedOp::Encoded(command));
        let at = self.as_sent.map_or(usize::MAX, |a| a.at);
        let as_sent = self.as_sent.map(|a| (a.db, EncodedOp::AsSent(a)));
        self.ops
            .iter()
            .take(at)
            .map(encoded)
            .chain(as_sent)
            .chain(self.ops.iter().skip(at).map(encoded))
    }

    /// The database of every op, when they share one (None when there
    /// are none, or several).
    pub fn single_db(&self) -> Option<u32> {
        match self.as_sent {
            None => self.ops.single_db(),
            Some(a) if self.ops.is_empty() => Some(a.db),
            Some(a) => self.ops.single_db().filter(|&db| db == a.db),
        }
    }

    /// The same delta in structured form.
    pub fn to_delta(&self) -> Delta {
        let mut ops = self.ops.to_ops();
        if let Some(a) = self.as_sent {
            let op = DeltaOp {
                db: a.db,
                argv: a.argv.to_vec(),
            };
            ops.insert(a.at, op);
        }
        Delta {
            lsn: self.lsn,
            transaction: self.transaction,
            ops,
        }
    }
}

/// Where the engine hands deltas. It must never block: the owner reserves
/// capacity before taking the engine lock (invariant 2), so an `emit` always
/// has room.
pub trait DeltaSink: Send {
    fn emit(&mut self, delta: Delta);

    /// The form the sink takes deltas in. `Lsn`: the engine still counts
    /// LSNs and emits a delta per write, with no ops, skipping building
    /// them (an allocation and a clone of every argument per write).
    /// `Encoded`: the engine calls `emit_encoded` instead of `emit`.
    fn form(&self) -> DeltaForm {
        DeltaForm::Ops
    }

    /// A delta in encoded form, for a sink whose `form` is `Encoded`. The
    /// default decodes it and hands it to `emit`.
    fn emit_encoded(&mut self, delta: EncodedDelta<'_>) {
        self.emit(delta.to_delta());
    }
}

/// Keeps deltas in memory: for tests and for embedding without persistence.
#[derive(Debug, Default)]
pub struct DeltaLog {
    pub deltas: Vec<Delta>,
}

impl DeltaSink for DeltaLog {
    fn emit(&mut self, delta: Delta) {
        self.deltas.push(delta);
    }
}

/// Discards deltas: an engine with no persistence and no followers.
#[derive(Debug, Default)]
pub struct NoDeltas;

impl DeltaSink for NoDeltas {
    fn emit(&mut self, _delta: Delta) {}

    fn form(&self) -> DeltaForm {
        DeltaForm::Nothing
    }
}

/// A bounded crossbeam channel as a sink. `try_send` never blocks; capacity
/// is reserved by the caller before the lock, so `Full` means the reservation
/// protocol was broken, which is a bug worth stopping for.
impl DeltaSink for crossbeam_channel::Sender<Delta> {
    fn emit(&mut self, delta: Delta) {
        match self.try_send(delta) {
            Ok(()) => {}
            Err(crossbeam_channel::TrySendError::Disconnected(_)) => {
                // The consumer is gone (shutdown or a persistence failure the
                // owner already reports as MISCONF); nothing to deliver to.
            }
            Err(crossbeam_channel::TrySendError::Full(_)) => {
                panic!("delta channel full: capacity must be reserved before the engine lock")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_ops_read_back_as_the_ops_they_encode() {
        let mut ops = EncodedOps::default();
        ops.push(3, &[b"SET".as_slice(), b"k\r\n", b""]);
        let long = vec![b'v'; 300];
        ops.push(0, &[b"RPUSH".as_slice(), b"list", &long]);
        assert_eq!(ops.len(), 2);
        assert_eq!(ops.single_db(), None, "two databases");
        let commands: Vec<(u32, &[u8])> = ops.iter().collect();
        assert_eq!(
            commands[0],
            (
                3,
                b"*3\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$0\r\n\r\n".as_slice()
            )
        );
        assert_eq!(commands[1].0, 0);
        let decoded = ops.to_ops();
        assert_eq!(decoded[0].db, 3);
        assert_eq!(decoded[0].argv, [&b"SET"[..], b"k\r\n", b""]);
        assert_eq!(decoded[1].argv, [&b"RPUSH"[..], b"list", &long]);
        ops.clear();
        assert!(ops.is_empty() && ops.bytes().is_empty());
    }

    #[test]
    fn a_command_as_sent_takes_its_place_among_the_encoded_ops() {
        let mut ops = EncodedOps::default();
        ops.push(1, &[b"DEL".as_slice(), b"a"]);
        ops.push(1, &[b"DEL".as_slice(), b"b"]);
        let argv = [&b"SET"[..], b"k", b"v"].map(Bytes::from_static);
        let delta = |at, db| EncodedDelta {
            lsn: 7,
            transaction: false,
            ops: &ops,
            as_sent: Some(AsSent {
                db,
                at,
                argv: Argv::from(&argv),
                sent: (at == 1).then_some(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n".as_slice()),
            }),
        };
        for at in 0..=2 {
            let structured = delta(at, 1).to_delta();
            assert_eq!(structured.ops.len(), 3);
            assert_eq!(structured.ops[at].argv, argv, "at {at}");
            let mut written = Vec::new();
            let mut dbs = Vec::new();
            for (db, op) in delta(at, 1).iter() {
                op.write_to(&mut written);
                dbs.push(db);
            }
            let mut expected = EncodedOps::default();
            for op in &structured.ops {
                expected.push(op.db, &op.argv);
            }
            assert_eq!(written, expected.bytes(), "at {at}");
            assert_eq!(dbs, [1, 1, 1]);
        }
        assert_eq!(delta(1, 1).single_db(), Some(1));
        assert_eq!(delta(1, 2).single_db(), None, "two databases");
        let none = EncodedOps::default();
        let alone = EncodedDelta {
            ops: &none,
            ..delta(0, 4)
        };
        assert_eq!(alone.single_db(), Some(4));
        assert!(!alone.is_empty() && EncodedDelta::of(1, false, &none).is_empty());
    }

    #[test]
    fn clearing_gives_back_a_huge_buffer() {
        let mut ops = EncodedOps::default();
        ops.push(0, &[vec![b'x'; 4 * KEPT_CAPACITY]]);
        ops.clear();
        assert!(ops.bytes.capacity() <= KEPT_CAPACITY);
        ops.push(0, &[b"PING"]);
        ops.clear();
        assert!(ops.bytes.capacity() > 0, "a small buffer is kept for reuse");
    }
}
