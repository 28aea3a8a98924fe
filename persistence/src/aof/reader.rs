//! Reading AOF commands: RESP multibulks (`*N` then `$len` bulks), as
//! Redis's loader accepts them, with the byte offset of every command so a
//! truncated tail can be cut and a corruption can be named exactly.
//!
//! A file may end in the middle of a command (a crash mid-write): that is
//! `Truncated`, which `aof-load-truncated` may forgive. Anything else that
//! is not a well-formed multibulk is `Corrupt`. Lines starting with `#`
//! between commands are annotations (Redis 7's `#TS:` timestamps), skipped.
//! Arguments are zero-copy slices of the file's bytes.

use bytes::Bytes;

/// Longest `*N` / `$len` line accepted (digits, sign, CRLF), as Redis reads
/// those lines into a small fixed buffer.
const MAX_HEADER_LINE: usize = 128;
/// Arguments preallocated per command at most, whatever `*N` claims.
const MAX_PREALLOCATED_ARGS: usize = 1024;

/// One command read from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AofCommand {
    /// Offset of its `*` in the file.
    pub offset: usize,
    /// Offset just past it.
    pub end: usize,
    pub argv: Vec<Bytes>,
}

/// Why reading stopped before the end of the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The file ends inside the command starting at `offset`.
    #[error("truncated command at offset {offset}")]
    Truncated { offset: usize },
    /// The command starting at `offset` is malformed at `at`.
    #[error("bad file format at offset {at} (command starting at offset {offset}): {what}")]
    Corrupt {
        offset: usize,
        at: usize,
        what: &'static str,
    },
}

/// Iterates over the commands of one AOF file (or of the AOF part after an
/// RDB preamble, from `start`).
pub struct CommandReader {
    data: Bytes,
    pos: usize,
}

impl CommandReader {
    pub fn new(data: Bytes, start: usize) -> Self {
        CommandReader { data, pos: start }
    }

    /// Offset of the next unread byte: after the last complete command.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next command, `Ok(None)` at a clean end of file.
    pub fn next_command(&mut self) -> Result<Option<AofCommand>, ReadError> {
        self.skip_annotations();
        let offset = self.pos;
        if offset >= self.data.len() {
            return Ok(None);
        }
        let mut at = offset;
        let argc = self.header(&mut at, b'*', offset)?;
        if argc < 1 {
            return Err(corrupt(offset, offset, "a command has no arguments"));
        }
        let mut argv = Vec::with_capacity((argc as usize).min(MAX_PREALLOCATED_ARGS));
        for _ in 0..argc {
            let len = self.header(&mut at, b'$', offset)?;
            if len < 0 {
                return Err(corrupt(offset, at, "negative bulk length"));
            }
            let len = len as usize;
            let end = at.checked_add(len).ok_or(ReadError::Truncated { offset })?;
            if end.saturating_add(2) > self.data.len() {
                return Err(ReadError::Truncated { offset });
            }
            if &self.data[end..end + 2] != b"\r\n" {
                return Err(corrupt(offset, end, "bulk not followed by CRLF"));
            }
            argv.push(self.data.slice(at..end));
            at = end + 2;
        }
        self.pos = at;
        Ok(Some(AofCommand {
            offset,
            end: at,
            argv,
        }))
    }

    fn skip_annotations(&mut self) {
        while self.data.get(self.pos) == Some(&b'#') {
            match self.data[self.pos..].iter().position(|&b| b == b'\n') {
                Some(newline) => self.pos += newline + 1,
                // An annotation cut by the end of the file: nothing follows.
                None => self.pos = self.data.len(),
            }
        }
    }

    /// Reads a `<prefix><integer>\r\n` line at `*at`.
    fn header(&self, at: &mut usize, prefix: u8, offset: usize) -> Result<i64, ReadError> {
        let rest = &self.data[*at..];
        let Some(&first) = rest.first() else {
            return Err(ReadError::Truncated { offset });
        };
        if first != prefix {
            let what = if prefix == b'*' {
                "expected '*'"
            } else {
                "expected '$'"
            };
            return Err(corrupt(offset, *at, what));
        }
        let window = &rest[..rest.len().min(MAX_HEADER_LINE)];
        let Some(newline) = window.iter().position(|&b| b == b'\n') else {
            if rest.len() < MAX_HEADER_LINE {
                return Err(ReadError::Truncated { offset });
            }
            return Err(corrupt(offset, *at, "header line too long"));
        };
        if newline < 2 || window[newline - 1] != b'\r' {
            return Err(corrupt(offset, *at, "header line not ended by CRLF"));
        }
        let value = parse_int(&window[1..newline - 1])
            .ok_or_else(|| corrupt(offset, *at, "invalid length"))?;
        *at += newline + 1;
        Ok(value)
    }
}

fn corrupt(offset: usize, at: usize, what: &'static str) -> ReadError {
    ReadError::Corrupt { offset, at, what }
}

fn parse_int(text: &[u8]) -> Option<i64> {
    std::str::from_utf8(text).ok()?.parse::<i64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(data: &[u8]) -> (Vec<Vec<String>>, Result<(), ReadError>) {
        let mut reader = CommandReader::new(Bytes::copy_from_slice(data), 0);
        let mut commands = Vec::new();
        loop {
            match reader.next_command() {
                Ok(Some(cmd)) => commands.push(
                    cmd.argv
                        .iter()
                        .map(|a| String::from_utf8_lossy(a).into_owned())
                        .collect(),
                ),
                Ok(None) => return (commands, Ok(())),
                Err(e) => return (commands, Err(e)),
            }
        }
    }

    #[test]
    fn reads_commands_with_offsets() {
        let data = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$1\r\na\r\n$1\r\n1\r\n";
        let mut reader = CommandReader::new(Bytes::from_static(data), 0);
        let first = reader.next_command().unwrap().unwrap();
        assert_eq!((first.offset, first.end), (0, 23));
        let second = reader.next_command().unwrap().unwrap();
        assert_eq!((second.offset, second.end), (23, data.len()));
        assert_eq!(second.argv, ["set", "a", "1"]);
        assert_eq!(reader.next_command(), Ok(None));
        assert_eq!(reader.position(), data.len());
    }

    #[test]
    fn a_cut_anywhere_inside_a_command_is_truncation_at_its_start() {
        let data = b"*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$3\r\n123\r\n";
        for cut in 15..data.len() {
            let (commands, end) = read_all(&data[..cut]);
            assert_eq!(commands.len(), 1, "cut at {cut}");
            assert_eq!(
                end,
                Err(ReadError::Truncated { offset: 14 }),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn malformed_bytes_are_corruption_with_offsets() {
        let (_, end) = read_all(b"*1\r\n$4\r\nPING\r\ngarbage\r\n");
        assert_eq!(
            end,
            Err(ReadError::Corrupt {
                offset: 14,
                at: 14,
                what: "expected '*'"
            })
        );
        let (_, end) = read_all(b"*1\r\n$4\r\nPINGxx");
        assert!(matches!(end, Err(ReadError::Corrupt { at: 12, .. })));
        let (_, end) = read_all(b"*1\r\n:4\r\n");
        assert!(matches!(
            end,
            Err(ReadError::Corrupt {
                what: "expected '$'",
                ..
            })
        ));
        let (_, end) = read_all(b"*x\r\n");
        assert!(matches!(
            end,
            Err(ReadError::Corrupt {
                what: "invalid length",
                ..
            })
        ));
        let (_, end) = read_all(b"*0\r\n");
        assert!(matches!(end, Err(ReadError::Corrupt { .. })));
        let (_, end) = read_all(b"*1\r\n$-1\r\n");
        assert!(matches!(end, Err(ReadError::Corrupt { .. })));
        let (_, end) = read_all(b"*1\n$1\r\na\r\n");
        assert!(matches!(end, Err(ReadError::Corrupt { .. })));
        let long = format!("*{}\r\n", "1".repeat(200));
        let (_, end) = read_all(long.as_bytes());
        assert!(matches!(
            end,
            Err(ReadError::Corrupt {
                what: "header line too long",
                ..
            })
        ));
    }

    #[test]
    fn huge_claimed_counts_and_lengths_do_not_allocate_and_read_as_truncated() {
        let (_, end) = read_all(b"*2147483647\r\n$1\r\na\r\n");
        assert_eq!(end, Err(ReadError::Truncated { offset: 0 }));
        let (_, end) = read_all(b"*1\r\n$9223372036854775807\r\n");
        assert_eq!(end, Err(ReadError::Truncated { offset: 0 }));
    }

    #[test]
    fn annotations_are_skipped() {
        let (commands, end) = read_all(b"#TS:1700000000\r\n*1\r\n$4\r\nPING\r\n#TS:1\r\n");
        assert_eq!(end, Ok(()));
        assert_eq!(commands, [["PING"]]);
    }
}
