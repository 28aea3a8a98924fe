//! LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the longest
//! common subsequence of two strings (missing keys are empty strings).
//!
//! The classic dynamic-programming table, walked back from the end with
//! Redis's tie rule (step in the first string only when that keeps a
//! strictly longer subsequence), so the subsequence and the match ranges
//! are the ones Redis reports, in its order (last match first).

use super::command;
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::Ctx;
use crate::error::{CommandError, CommandResult};
use crate::parse::{is_word, parse_i64};
use crate::value::Value;

const TWO_KEYS: KeySpec = KeySpec {
    first: 1,
    last: 2,
    step: 1,
};

pub const COMMANDS: &[CommandSpec] = &[
    command!("lcs", -3, lcs, flags: F::READONLY, keys: TWO_KEYS, acl: C::of(&[C::READ, C::STRING, C::SLOW])),
];

/// One common run: inclusive byte ranges in each string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Match {
    a: (usize, usize),
    b: (usize, usize),
}

impl Match {
    fn len(&self) -> usize {
        self.a.1 - self.a.0 + 1
    }
}

fn lcs(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    // Both keys are read before either's type is judged (as Redis does:
    // a missing second key still raises `keymiss`).
    let (a, b) = (string_or_empty(ctx, 1), string_or_empty(ctx, 2));
    let (a, b) = (a?, b?);
    let (mut want_len, mut want_idx, mut with_match_len) = (false, false, false);
    let mut min_match_len: i64 = 0;
    let mut i = 3;
    while i < ctx.argc() {
        let arg = ctx.arg(i);
        if is_word(arg, "idx") {
            want_idx = true;
        } else if is_word(arg, "len") {
            want_len = true;
        } else if is_word(arg, "withmatchlen") {
            with_match_len = true;
        } else if is_word(arg, "minmatchlen") && i + 1 < ctx.argc() {
            min_match_len = parse_i64(ctx.arg(i + 1))?.max(0);
            i += 1;
        } else {
            return Err(CommandError::Syntax);
        }
        i += 1;
    }
    if want_idx && want_len {
        return Err(CommandError::text(
            "ERR If you want both the length and indexes, please just use IDX.",
        ));
    }
    // The table (4 bytes a cell) may not outgrow proto-max-bulk-len.
    let table_bytes = (a.len() as u64 + 1) * (b.len() as u64 + 1) * 4;
    if table_bytes > ctx.db.state.config.proto_max_bulk_len {
        return Err(CommandError::text(
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ));
    }
    let table = Table::build(&a, &b);
    if want_len {
        ctx.out.integer(table.len() as i64);
        return Ok(());
    }
    let (subsequence, matches) = table.walk_back(&a, &b);
    if !want_idx {
        ctx.out.bulk(&subsequence);
        return Ok(());
    }
    let shown: Vec<&Match> = matches
        .iter()
        .filter(|m| min_match_len == 0 || m.len() as i64 >= min_match_len)
        .collect();
    ctx.out.map(2);
    ctx.out.bulk(b"matches");
    ctx.out.array(shown.len());
    for m in shown {
        ctx.out.array(2 + usize::from(with_match_len));
        for (start, end) in [m.a, m.b] {
            ctx.out.array(2);
            ctx.out.integer(start as i64);
            ctx.out.integer(end as i64);
        }
        if with_match_len {
            ctx.out.integer(m.len() as i64);
        }
    }
    ctx.out.bulk(b"len");
    ctx.out.integer(table.len() as i64);
    Ok(())
}

/// The string under argument `i`'s key; "" for a missing key.
fn string_or_empty(ctx: &mut Ctx<'_, '_>, i: usize) -> CommandResult<Vec<u8>> {
    match ctx.db.lookup_read(ctx.arg(i)) {
        None => Ok(Vec::new()),
        Some(Value::Str(s)) => Ok(s.to_vec()),
        Some(_) => Err(CommandError::text(
            "ERR The specified keys must contain string values",
        )),
    }
}

/// `cell(i, j)`: the LCS length of the first i bytes of a and j of b.
struct Table {
    cells: Vec<u32>,
    width: usize,
    rows: usize,
}

impl Table {
    fn build(a: &[u8], b: &[u8]) -> Table {
        let width = b.len() + 1;
        let mut cells = vec![0u32; (a.len() + 1) * width];
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                cells[i * width + j] = if a[i - 1] == b[j - 1] {
                    cells[(i - 1) * width + j - 1] + 1
                } else {
                    cells[(i - 1) * width + j].max(cells[i * width + j - 1])
                };
            }
        }
        Table {
            cells,
            width,
            rows: a.len() + 1,
        }
    }

    fn cell(&self, i: usize, j: usize) -> u32 {
        self.cells[i * self.width + j]
    }

    fn len(&self) -> u32 {
        self.cell(self.rows - 1, self.width - 1)
    }

    /// The subsequence and the runs of contiguous matches, from the end.
    fn walk_back(&self, a: &[u8], b: &[u8]) -> (Vec<u8>, Vec<Match>) {
        let mut subsequence = vec![0u8; self.len() as usize];
        let mut filled = subsequence.len();
        let mut matches = Vec::new();
        let mut run: Option<Match> = None;
        let (mut i, mut j) = (a.len(), b.len());
        while i > 0 && j > 0 {
            let mut ends_run = false;
            if a[i - 1] == b[j - 1] {
                filled -= 1;
                subsequence[filled] = a[i - 1];
                match &mut run {
                    None => {
                        run = Some(Match {
                            a: (i - 1, i - 1),
                            b: (j - 1, j - 1),
                        })
                    }
                    Some(m) if m.a.0 == i && m.b.0 == j => {
                        m.a.0 -= 1;
                        m.b.0 -= 1;
                    }
                    Some(_) => ends_run = true,
                }
                if run.is_some_and(|m| m.a.0 == 0 || m.b.0 == 0) {
                    ends_run = true;
                }
                i -= 1;
                j -= 1;
            } else {
                if self.cell(i - 1, j) > self.cell(i, j - 1) {
                    i -= 1;
                } else {
                    j -= 1;
                }
                ends_run = run.is_some();
            }
            if ends_run {
                matches.extend(run.take());
            }
        }
        (subsequence, matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example() {
        let (a, b) = (b"ohmytext".as_slice(), b"mynewtext".as_slice());
        let table = Table::build(a, b);
        assert_eq!(table.len(), 6);
        let (subsequence, matches) = table.walk_back(a, b);
        assert_eq!(subsequence, b"mytext");
        assert_eq!(
            matches,
            vec![
                Match {
                    a: (4, 7),
                    b: (5, 8)
                },
                Match {
                    a: (2, 3),
                    b: (0, 1)
                }
            ]
        );
    }

    #[test]
    fn empty_strings_have_an_empty_lcs() {
        let table = Table::build(b"", b"abc");
        assert_eq!(table.len(), 0);
        assert_eq!(table.walk_back(b"", b"abc"), (Vec::new(), Vec::new()));
    }
}
