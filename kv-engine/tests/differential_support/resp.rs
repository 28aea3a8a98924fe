//! A minimal RESP2 reply reader (frames) and the comparison rules of the
//! differential harness: exact, except where Redis leaves the order or the
//! choice unspecified.

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Frame {
    Simple(Vec<u8>),
    Error(Vec<u8>),
    Integer(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Frame>>),
}

/// Parses one frame from `buf`; `None` when more bytes are needed.
pub fn parse(buf: &[u8]) -> Option<(Frame, usize)> {
    let end = buf.windows(2).position(|w| w == b"\r\n")?;
    let line = &buf[1..end];
    let next = end + 2;
    let number = || -> i64 {
        std::str::from_utf8(line)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad RESP number {:?}", String::from_utf8_lossy(line)))
    };
    match *buf.first()? {
        b'+' => Some((Frame::Simple(line.to_vec()), next)),
        b'-' => Some((Frame::Error(line.to_vec()), next)),
        b':' => Some((Frame::Integer(number()), next)),
        b'$' => {
            let n = number();
            if n < 0 {
                return Some((Frame::Bulk(None), next));
            }
            let n = n as usize;
            if buf.len() < next + n + 2 {
                return None;
            }
            Some((
                Frame::Bulk(Some(buf[next..next + n].to_vec())),
                next + n + 2,
            ))
        }
        b'*' => {
            let n = number();
            if n < 0 {
                return Some((Frame::Array(None), next));
            }
            let mut at = next;
            let mut items = Vec::with_capacity(n as usize);
            for _ in 0..n {
                let (f, used) = parse(&buf[at..])?;
                items.push(f);
                at += used;
            }
            Some((Frame::Array(Some(items)), at))
        }
        other => panic!("unexpected RESP type byte {other:?}"),
    }
}

/// Parses a complete reply (our engine's output).
pub fn parse_all(buf: &[u8]) -> Frame {
    match parse(buf) {
        Some((f, used)) if used == buf.len() => f,
        _ => panic!(
            "incomplete or trailing reply {:?}",
            String::from_utf8_lossy(buf)
        ),
    }
}

/// How a command's reply is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Exact,
    /// An array whose order is unspecified, in chunks of `n` elements.
    Unordered(usize),
    /// Random choice: same shape and cardinality only.
    Shape,
    /// An integer that may differ by up to this much (TTLs).
    Tolerance(i64),
    /// SCAN: [cursor, keys]; compare the key set only.
    ScanKeys,
}

pub fn rule_for(argv: &[Vec<u8>]) -> Rule {
    let name = String::from_utf8_lossy(&argv[0]).to_ascii_uppercase();
    match name.as_str() {
        "SMEMBERS" | "SINTER" | "SUNION" | "SDIFF" | "HKEYS" | "HVALS" | "KEYS" => {
            Rule::Unordered(1)
        }
        "HGETALL" => Rule::Unordered(2),
        "SPOP" | "SRANDMEMBER" | "HRANDFIELD" | "ZRANDMEMBER" | "RANDOMKEY" => Rule::Shape,
        "TTL" | "EXPIRETIME" => Rule::Tolerance(1),
        "PTTL" | "PEXPIRETIME" => Rule::Tolerance(1000),
        "SCAN" => Rule::ScanKeys,
        "SORT" | "SORT_RO" if argv.iter().any(|a| a.eq_ignore_ascii_case(b"NOSORT")) => {
            Rule::Unordered(1)
        }
        _ => Rule::Exact,
    }
}

fn sorted_chunks(items: &[Frame], n: usize) -> Vec<Vec<Frame>> {
    let mut chunks: Vec<Vec<Frame>> = items.chunks(n.max(1)).map(<[Frame]>::to_vec).collect();
    chunks.sort();
    chunks
}

fn shape(f: &Frame) -> (u8, Option<usize>) {
    match f {
        Frame::Simple(_) => (0, None),
        Frame::Error(e) => (1, Some(e.len())),
        Frame::Integer(_) => (2, None),
        Frame::Bulk(b) => (3, b.as_ref().map(|_| 0)),
        Frame::Array(a) => (4, a.as_ref().map(Vec::len)),
    }
}

/// Whether our reply matches Redis's under `rule`.
pub fn matches(rule: Rule, ours: &Frame, theirs: &Frame) -> bool {
    if ours == theirs {
        return true;
    }
    match (rule, ours, theirs) {
        (Rule::Unordered(n), Frame::Array(Some(a)), Frame::Array(Some(b))) => {
            sorted_chunks(a, n) == sorted_chunks(b, n)
        }
        (Rule::Shape, a, b) => shape(a) == shape(b),
        (Rule::Tolerance(t), Frame::Integer(a), Frame::Integer(b)) => {
            *a >= 0 && *b >= 0 && (a - b).abs() <= t
        }
        (Rule::ScanKeys, Frame::Array(Some(a)), Frame::Array(Some(b))) if a.len() == 2 => {
            b.len() == 2 && matches(Rule::Unordered(1), &a[1], &b[1])
        }
        _ => false,
    }
}

/// A frame as readable text for failure reports.
pub fn show(f: &Frame) -> String {
    match f {
        Frame::Simple(s) => format!("+{}", String::from_utf8_lossy(s)),
        Frame::Error(s) => format!("-{}", String::from_utf8_lossy(s)),
        Frame::Integer(i) => format!(":{i}"),
        Frame::Bulk(None) | Frame::Array(None) => "(nil)".into(),
        Frame::Bulk(Some(b)) => format!("{:?}", String::from_utf8_lossy(b)),
        Frame::Array(Some(items)) => {
            let inner: Vec<String> = items.iter().map(show).collect();
            format!("[{}]", inner.join(", "))
        }
    }
}
