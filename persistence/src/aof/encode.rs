//! Deltas to AOF bytes: each op as a RESP multibulk command, a SELECT
//! whenever the database differs from the one last written to this file,
//! and a transaction delta wrapped in MULTI ... EXEC (its SELECT first, as
//! Redis propagates it).

use kv_engine::Delta;

/// Encodes deltas for one AOF file; remembers the selected database.
#[derive(Debug, Default)]
pub struct AofEncoder {
    /// The database the file's reader is in; None at the start of a file.
    selected_db: Option<u32>,
}

impl AofEncoder {
    /// A fresh file: the first command is preceded by a SELECT.
    pub fn new() -> Self {
        AofEncoder { selected_db: None }
    }

    /// Appends `delta` to `out`.
    pub fn encode(&mut self, delta: &Delta, out: &mut Vec<u8>) {
        let Some(first) = delta.ops.first() else {
            return;
        };
        if delta.transaction {
            self.select(first.db, out);
            write_command(out, &[b"MULTI"]);
        }
        for op in &delta.ops {
            self.select(op.db, out);
            write_command(out, &op.argv);
        }
        if delta.transaction {
            write_command(out, &[b"EXEC"]);
        }
    }

    fn select(&mut self, db: u32, out: &mut Vec<u8>) {
        if self.selected_db != Some(db) {
            let mut digits = [0u8; 20];
            let db_text = resp_codec::encode::format_i64(&mut digits, i64::from(db));
            write_command(out, &[b"SELECT".as_slice(), db_text]);
            self.selected_db = Some(db);
        }
    }
}

/// Appends one command as a RESP multibulk: `*N\r\n` then `$len\r\narg\r\n`.
/// Room for all of it is reserved once.
pub fn write_command<A: AsRef<[u8]>>(out: &mut Vec<u8>, argv: &[A]) {
    let payload: usize = argv.iter().map(|arg| arg.as_ref().len()).sum();
    // A header is at most 1 + 20 digits + 2 bytes; each argument ends in 2.
    out.reserve(payload + (argv.len() + 1) * 25);
    write_header(out, b'*', argv.len());
    for arg in argv {
        let arg = arg.as_ref();
        write_header(out, b'$', arg.len());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// `<kind><n>\r\n`, with the common one- and two-digit counts written
/// directly.
fn write_header(out: &mut Vec<u8>, kind: u8, n: usize) {
    match n {
        0..=9 => out.extend_from_slice(&[kind, b'0' + n as u8, b'\r', b'\n']),
        10..=99 => out.extend_from_slice(&[
            kind,
            b'0' + (n / 10) as u8,
            b'0' + (n % 10) as u8,
            b'\r',
            b'\n',
        ]),
        _ => {
            let mut digits = [0u8; 20];
            out.push(kind);
            out.extend_from_slice(resp_codec::encode::format_i64(&mut digits, n as i64));
            out.extend_from_slice(b"\r\n");
        }
    }
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

    fn delta(transaction: bool, ops: Vec<DeltaOp>) -> Delta {
        Delta {
            lsn: 1,
            transaction,
            ops,
        }
    }

    fn check(deltas: &[Delta], expect: &str) {
        let mut encoder = AofEncoder::new();
        let mut out = Vec::new();
        for d in deltas {
            encoder.encode(d, &mut out);
        }
        let shown = String::from_utf8(out).unwrap().replace("\r\n", " ");
        assert_eq!(shown.trim_end(), expect);
    }

    #[test]
    fn select_only_when_the_database_changes() {
        check(
            &[
                delta(false, vec![op(0, "set a 1")]),
                delta(false, vec![op(0, "set b 2")]),
                delta(false, vec![op(3, "del c")]),
            ],
            "*2 $6 SELECT $1 0 *3 $3 set $1 a $1 1 *3 $3 set $1 b $1 2 \
             *2 $6 SELECT $1 3 *2 $3 del $1 c",
        );
    }

    #[test]
    fn transactions_are_wrapped_as_redis_propagates_them() {
        // Byte for byte what redis-server 7.0.15 appended for
        // `SELECT 0; MULTI; SET x 1; INCR x; EXEC`.
        check(
            &[delta(true, vec![op(0, "SET x 1"), op(0, "INCR x")])],
            "*2 $6 SELECT $1 0 *1 $5 MULTI *3 $3 SET $1 x $1 1 *2 $4 INCR $1 x *1 $4 EXEC",
        );
        check(
            &[delta(true, vec![op(2, "SET x 1"), op(5, "DEL y")])],
            "*2 $6 SELECT $1 2 *1 $5 MULTI *3 $3 SET $1 x $1 1 *2 $6 SELECT $1 5 \
             *2 $3 DEL $1 y *1 $4 EXEC",
        );
    }

    #[test]
    fn binary_arguments_are_length_prefixed() {
        let mut out = Vec::new();
        write_command(&mut out, &[b"SET".as_slice(), b"k\r\n", b""]);
        assert_eq!(out, b"*3\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$0\r\n\r\n");
    }

    #[test]
    fn lengths_of_every_width_are_written_in_decimal() {
        for len in [0usize, 9, 10, 99, 100, 12345] {
            let arg = vec![b'x'; len];
            let mut out = Vec::new();
            write_command(&mut out, &[arg.as_slice()]);
            let mut expect = format!("*1\r\n${len}\r\n").into_bytes();
            expect.extend_from_slice(&arg);
            expect.extend_from_slice(b"\r\n");
            assert_eq!(out, expect, "length {len}");
        }
        let many: Vec<&[u8]> = vec![b"a"; 123];
        let mut out = Vec::new();
        write_command(&mut out, &many);
        assert!(out.starts_with(b"*123\r\n$1\r\na\r\n"));
    }
}
