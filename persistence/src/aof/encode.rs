//! Deltas to AOF bytes. `DeltaChunk`: deltas in LSN order, already in the bytes an incremental
//! AOF file takes (RESP commands, a SELECT where the database changes, a
//! transaction wrapped in MULTI ... EXEC), with a mark at the end of each
//! delta.
//!
//! The engine's sink frames each delta into the queue's chunk under the
//! engine lock (`push`); the AOF actor appends whole chunks, or the parts a
//! rewrite splits them into at an LSN (`part`), to its files. A SELECT is
//! written only when the database changes, so a part's bytes are right
//! only after the database its first delta expects: every part carries it
//! (`Part::db_before`), and whoever appends a part where another database
//! is selected (a new file, after a gap) writes that SELECT first
//! (`Selected::append`).

use kv_engine::{EncodedDelta, EncodedOps};

/// One command as a RESP multibulk (base files in AOF form use it too).
pub use resp_codec::encode::write_command;

/// Where one delta ends in its chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Mark {
    pub lsn: u64,
    /// Its last byte's offset + 1.
    pub end: usize,
    /// The database selected after it (None: nothing selected yet).
    pub db: Option<u32>,
}

/// Encoded deltas in LSN order.
#[derive(Debug, Default)]
pub(crate) struct DeltaChunk {
    /// The database selected before the first delta. None: nothing is, and
    /// the first delta's bytes begin with a SELECT.
    start_db: Option<u32>,
    bytes: Vec<u8>,
    marks: Vec<Mark>,
}

/// A run of whole deltas of a chunk.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Part<'a> {
    /// The database its bytes expect to be selected (None: they select).
    pub db_before: Option<u32>,
    pub bytes: &'a [u8],
    /// Offsets in `marks` are the chunk's: `bytes` begins at `start`.
    pub start: usize,
    pub marks: &'a [Mark],
}

impl Part<'_> {
    pub fn last_lsn(&self) -> Option<u64> {
        self.marks.last().map(|m| m.lsn)
    }

    /// The database selected after it.
    pub fn db_after(&self) -> Option<u32> {
        self.marks.last().map_or(self.db_before, |m| m.db)
    }
}

impl DeltaChunk {
    /// Frames `delta` onto the end: a SELECT when its database is not the
    /// selected one, MULTI ... EXEC around a transaction.
    #[inline]
    pub fn push(&mut self, delta: EncodedDelta<'_>) {
        let last = self.marks.last();
        if let Some(last) = last {
            assert!(
                delta.lsn > last.lsn,
                "deltas out of order: {} after {}",
                delta.lsn,
                last.lsn
            );
        }
        let selected = last.map_or(self.start_db, |m| m.db);
        let db = match delta.as_sent {
            // The common write: one command as sent, in the selected
            // database, copied (or encoded) straight in.
            Some(as_sent)
                if !delta.transaction && delta.ops.is_empty() && selected == Some(as_sent.db) =>
            {
                as_sent.write_to(&mut self.bytes);
                selected
            }
            _ => self.frame(delta, selected),
        };
        self.marks.push(Mark {
            lsn: delta.lsn,
            end: self.bytes.len(),
            db,
        });
    }

    /// `push`'s bytes for any other delta; the database selected after it.
    #[inline(never)]
    fn frame(&mut self, delta: EncodedDelta<'_>, mut selected: Option<u32>) -> Option<u32> {
        let out = &mut self.bytes;
        if !delta.transaction && delta.single_db().is_some_and(|db| selected == Some(db)) {
            // Ops in the selected database: as they are, encoded or copied.
            match delta.as_sent {
                Some(_) => delta.iter().for_each(|(_, op)| op.write_to(out)),
                None => out.extend_from_slice(delta.ops.bytes()),
            }
        } else if !delta.is_empty() {
            out.reserve(delta.ops.bytes().len() + 32);
            let mut ops = delta.iter().peekable();
            if delta.transaction {
                if let Some(&(first_db, _)) = ops.peek() {
                    select(&mut selected, first_db, out);
                }
                out.extend_from_slice(MULTI);
            }
            for (db, op) in ops {
                select(&mut selected, db, out);
                op.write_to(out);
            }
            if delta.transaction {
                out.extend_from_slice(EXEC);
            }
        }
        selected
    }

    /// Number of deltas.
    pub fn len(&self) -> usize {
        self.marks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.marks.is_empty()
    }

    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// Room in bytes, for recycling the larger buffer.
    pub fn capacity(&self) -> usize {
        self.bytes.capacity()
    }

    /// An empty chunk gets room for `bytes` (a fresh buffer, nothing to
    /// copy) if it has less.
    pub fn make_room(&mut self, bytes: usize) {
        debug_assert!(self.is_empty());
        if self.bytes.capacity() < bytes {
            self.bytes = Vec::with_capacity(bytes);
        }
    }

    pub fn marks(&self) -> &[Mark] {
        &self.marks
    }

    /// The database selected after the last delta.
    pub fn db_after(&self) -> Option<u32> {
        self.marks.last().map_or(self.start_db, |m| m.db)
    }

    /// How many deltas, from the first, have an LSN of at most `lsn`.
    pub fn count_through(&self, lsn: u64) -> usize {
        self.marks.partition_point(|m| m.lsn <= lsn)
    }

    /// Deltas `range` (indices into `marks`).
    pub fn part(&self, range: std::ops::Range<usize>) -> Part<'_> {
        let start = range.start;
        let db_before = match start {
            0 => self.start_db,
            i => self.marks[i - 1].db,
        };
        let from = if start == 0 {
            0
        } else {
            self.marks[start - 1].end
        };
        let to = match range.end {
            0 => 0,
            i => self.marks[i - 1].end,
        };
        Part {
            db_before,
            bytes: &self.bytes[from.min(to)..to],
            start: from.min(to),
            marks: &self.marks[range],
        }
    }

    pub fn all(&self) -> Part<'_> {
        self.part(0..self.marks.len())
    }

    /// Appends `part` (deltas after the last one here), with the SELECT
    /// its bytes need first.
    pub fn append(&mut self, part: Part<'_>) {
        if part.marks.is_empty() {
            return;
        }
        if self.is_empty() {
            self.bytes.clear();
            self.start_db = part.db_before;
        }
        let mut selected = self.db_after();
        Selected::write_before(&mut selected, part, &mut self.bytes);
        if let Some(last) = self.marks.last() {
            assert!(part.marks[0].lsn > last.lsn, "parts out of order");
        }
        let base = self.bytes.len();
        self.bytes.extend_from_slice(part.bytes);
        self.marks.extend(part.marks.iter().map(|m| Mark {
            lsn: m.lsn,
            end: base + (m.end - part.start),
            db: m.db,
        }));
    }

    /// Hands every byte over to `out` (empty) by swapping buffers, so the
    /// bytes are not copied; the chunk is left empty with `out`'s room.
    pub fn move_bytes_into(&mut self, out: &mut Vec<u8>) {
        debug_assert!(out.is_empty());
        std::mem::swap(&mut self.bytes, out);
        let after = self.db_after();
        self.clear_after(after);
    }

    /// Empties it as the continuation of the stream it ends: the next delta
    /// pushed expects the database this one left selected.
    pub fn clear_after(&mut self, previous_db: Option<u32>) {
        self.bytes.clear();
        self.marks.clear();
        self.start_db = previous_db;
    }

    /// Splits off the first `n` deltas (the rest stay): for batches within
    /// limits, and rarely needed (a batch usually takes a whole chunk).
    pub fn split_front(&mut self, n: usize) -> DeltaChunk {
        let mut front = DeltaChunk::default();
        front.append(self.part(0..n));
        let rest_db = self.part(0..n).db_after();
        let cut = if n == 0 { 0 } else { self.marks[n - 1].end };
        self.bytes.drain(..cut);
        self.marks.drain(..n);
        for mark in &mut self.marks {
            mark.end -= cut;
        }
        self.start_db = rest_db;
        front
    }
}

/// The database a file (or any stream of parts) has selected.
#[derive(Debug, Default)]
pub(crate) struct Selected(pub Option<u32>);

impl Selected {
    /// A fresh file: nothing selected.
    pub fn new() -> Self {
        Selected(None)
    }

    /// Appends `part` to `out`, with the SELECT its bytes need first.
    pub fn append(&mut self, part: Part<'_>, out: &mut Vec<u8>) {
        if part.marks.is_empty() {
            return;
        }
        Selected::write_before(&mut self.0, part, out);
        out.extend_from_slice(part.bytes);
        self.0 = part.db_after().or(self.0);
    }

    /// Whether `part`'s bytes can go here as they are (no SELECT first).
    pub fn fits(&self, part: Part<'_>) -> bool {
        part.db_before.is_none_or(|db| self.0 == Some(db))
    }

    fn write_before(selected: &mut Option<u32>, part: Part<'_>, out: &mut Vec<u8>) {
        if let Some(db) = part.db_before {
            select(selected, db, out);
        }
    }
}

const MULTI: &[u8] = b"*1\r\n$5\r\nMULTI\r\n";
const EXEC: &[u8] = b"*1\r\n$4\r\nEXEC\r\n";

/// Writes `SELECT db` unless `db` is selected already.
fn select(selected: &mut Option<u32>, db: u32, out: &mut Vec<u8>) {
    if *selected != Some(db) {
        let mut digits = [0u8; 20];
        let db_text = resp_codec::encode::format_i64(&mut digits, i64::from(db));
        resp_codec::encode::write_command(out, &[b"SELECT".as_slice(), db_text]);
        *selected = Some(db);
    }
}

/// Encodes structured ops the way the engine does, for callers that hold
/// them that way (tests, a sink handed a structured delta).
pub(crate) fn encode_ops(ops: &[kv_engine::DeltaOp]) -> EncodedOps {
    let mut encoded = EncodedOps::default();
    for op in ops {
        encoded.push(op.db, &op.argv);
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use kv_engine::DeltaOp;

    fn op(db: u32, words: &str) -> DeltaOp {
        DeltaOp {
            db,
            argv: words
                .split(' ')
                .map(|w| Bytes::copy_from_slice(w.as_bytes()))
                .collect(),
        }
    }

    /// Pushes a delta of `ops` with `lsn`.
    fn push(chunk: &mut DeltaChunk, lsn: u64, transaction: bool, ops: Vec<DeltaOp>) {
        let ops = encode_ops(&ops);
        chunk.push(EncodedDelta::of(lsn, transaction, &ops));
    }

    /// Pushes a delta whose op number `at` is `command` as sent (its
    /// bytes known for odd LSNs, encoded for even ones).
    fn push_as_sent(
        chunk: &mut DeltaChunk,
        lsn: u64,
        ops: Vec<DeltaOp>,
        at: usize,
        command: DeltaOp,
    ) {
        let ops = encode_ops(&ops);
        let sent = encode_ops(std::slice::from_ref(&command));
        chunk.push(EncodedDelta {
            as_sent: Some(kv_engine::AsSent {
                db: command.db,
                at,
                argv: (&command.argv).into(),
                sent: (lsn % 2 == 1).then_some(sent.bytes()),
            }),
            ..EncodedDelta::of(lsn, false, &ops)
        });
    }

    fn shown(bytes: &[u8]) -> String {
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .replace("\r\n", " ")
            .trim_end()
            .to_string()
    }

    #[test]
    fn select_only_when_the_database_changes() {
        let mut chunk = DeltaChunk::default();
        push(&mut chunk, 1, false, vec![op(0, "set a 1")]);
        push(&mut chunk, 2, false, vec![op(0, "set b 2")]);
        push(&mut chunk, 3, false, vec![op(3, "del c")]);
        assert_eq!(
            shown(chunk.all().bytes),
            "*2 $6 SELECT $1 0 *3 $3 set $1 a $1 1 *3 $3 set $1 b $1 2 \
             *2 $6 SELECT $1 3 *2 $3 del $1 c"
        );
        let lsns: Vec<_> = chunk.marks().iter().map(|m| (m.lsn, m.db)).collect();
        assert_eq!(lsns, [(1, Some(0)), (2, Some(0)), (3, Some(3))]);
    }

    #[test]
    fn a_command_as_sent_is_framed_like_an_encoded_one() {
        let mut sent = DeltaChunk::default();
        let mut encoded = DeltaChunk::default();
        let cases = [
            (vec![], 0, op(0, "set a 1")),
            (vec![], 0, op(0, "set b 2")),
            (vec![op(0, "del c")], 1, op(0, "set c 3")),
            (vec![op(0, "del d")], 0, op(2, "set d 4")),
            (vec![], 0, op(2, "incr n")),
        ];
        for (lsn, (ops, at, command)) in cases.into_iter().enumerate() {
            let lsn = lsn as u64 + 1;
            let mut all = ops.clone();
            all.insert(at, command.clone());
            push(&mut encoded, lsn, false, all);
            push_as_sent(&mut sent, lsn, ops, at, command);
        }
        assert_eq!(shown(sent.all().bytes), shown(encoded.all().bytes));
        assert_eq!(sent.marks(), encoded.marks());
        assert_eq!(
            shown(sent.all().bytes),
            "*2 $6 SELECT $1 0 *3 $3 set $1 a $1 1 *3 $3 set $1 b $1 2 \
             *2 $3 del $1 c *3 $3 set $1 c $1 3 *2 $6 SELECT $1 2 *3 $3 set $1 d $1 4 \
             *2 $6 SELECT $1 0 *2 $3 del $1 d *2 $6 SELECT $1 2 *2 $4 incr $1 n"
        );
    }

    #[test]
    fn transactions_are_wrapped_as_redis_propagates_them() {
        // Byte for byte what redis-server 7.0.15 appended for
        // `SELECT 0; MULTI; SET x 1; INCR x; EXEC`.
        let mut chunk = DeltaChunk::default();
        push(&mut chunk, 1, true, vec![op(0, "SET x 1"), op(0, "INCR x")]);
        assert_eq!(
            shown(chunk.all().bytes),
            "*2 $6 SELECT $1 0 *1 $5 MULTI *3 $3 SET $1 x $1 1 *2 $4 INCR $1 x *1 $4 EXEC"
        );
        let mut chunk = DeltaChunk::default();
        push(&mut chunk, 1, true, vec![op(2, "SET x 1"), op(5, "DEL y")]);
        assert_eq!(
            shown(chunk.all().bytes),
            "*2 $6 SELECT $1 2 *1 $5 MULTI *3 $3 SET $1 x $1 1 *2 $6 SELECT $1 5 \
             *2 $3 DEL $1 y *1 $4 EXEC"
        );
    }

    #[test]
    fn a_part_selects_its_database_wherever_it_is_appended() {
        let mut chunk = DeltaChunk::default();
        push(&mut chunk, 1, false, vec![op(2, "set a 1")]);
        push(&mut chunk, 2, false, vec![op(2, "set b 2")]);
        push(&mut chunk, 3, false, vec![op(2, "set c 3")]);
        // A new file from LSN 2 on: its first command needs SELECT 2,
        // which the chunk wrote only before LSN 1.
        let mut file = Vec::new();
        let mut selected = Selected::new();
        selected.append(chunk.part(1..3), &mut file);
        assert_eq!(
            shown(&file),
            "*2 $6 SELECT $1 2 *3 $3 set $1 b $1 2 *3 $3 set $1 c $1 3"
        );
        // Where that database is selected already, the bytes go as they are.
        let mut file = Vec::new();
        let mut selected = Selected(Some(2));
        selected.append(chunk.part(2..3), &mut file);
        assert_eq!(shown(&file), "*3 $3 set $1 c $1 3");
        assert_eq!(selected.0, Some(2));
    }

    #[test]
    fn splitting_and_appending_keep_every_delta_and_its_database() {
        let mut chunk = DeltaChunk::default();
        push(&mut chunk, 1, false, vec![op(1, "set a 1")]);
        push(&mut chunk, 2, false, vec![op(1, "set b 2")]);
        push(&mut chunk, 3, true, vec![op(4, "set c 3"), op(1, "del a")]);
        push(&mut chunk, 4, false, vec![op(1, "set d 4")]);
        let whole = {
            let mut file = Vec::new();
            Selected::new().append(chunk.all(), &mut file);
            file
        };
        let front = chunk.split_front(2);
        assert_eq!(front.len(), 2);
        assert_eq!(chunk.marks()[0].lsn, 3);
        // The rest went on in database 1, and says so.
        assert_eq!(chunk.all().db_before, Some(1));
        let mut joined = DeltaChunk::default();
        joined.append(front.all());
        joined.append(chunk.all());
        let mut file = Vec::new();
        Selected::new().append(joined.all(), &mut file);
        assert_eq!(
            shown(&file),
            shown(&whole),
            "split and joined: the same bytes"
        );
        assert_eq!(joined.count_through(3), 3);
        assert_eq!(joined.db_after(), Some(1));
        // Parts that skip deltas (dropped by a snapshot) still select.
        let mut gapped = DeltaChunk::default();
        gapped.append(joined.part(0..1));
        gapped.append(joined.part(3..4));
        assert_eq!(
            shown(gapped.all().bytes),
            "*2 $6 SELECT $1 1 *3 $3 set $1 a $1 1 *3 $3 set $1 d $1 4"
        );
    }

    #[test]
    #[should_panic(expected = "deltas out of order")]
    fn deltas_arrive_in_lsn_order() {
        let mut chunk = DeltaChunk::default();
        push(&mut chunk, 2, false, vec![op(0, "set a 1")]);
        push(&mut chunk, 2, false, vec![op(0, "set a 1")]);
    }
}
