//! A minimal RESP2/RESP3 reply reader (frames) and the comparison rules of
//! the differential harness: exact, except where Redis leaves the order or
//! the choice unspecified.

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Frame {
    Simple(Vec<u8>),
    Error(Vec<u8>),
    Integer(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Frame>>),
    /// RESP3 `_`.
    Null,
    /// RESP3 `,`, as its text.
    Double(Vec<u8>),
    /// RESP3 `#`.
    Boolean(bool),
    /// RESP3 `(`, as its digits.
    BigNumber(Vec<u8>),
    /// RESP3 `=`, format prefix included.
    Verbatim(Vec<u8>),
    /// RESP3 `%`: keys and values, flattened.
    Map(Vec<Frame>),
    /// RESP3 `~`.
    Set(Vec<Frame>),
    /// RESP3 `>`.
    Push(Vec<Frame>),
}

/// Parses `n` frames from `buf`; the frames and the bytes used.
fn parse_many(buf: &[u8], n: i64) -> Option<(Vec<Frame>, usize)> {
    let mut at = 0;
    let mut items = Vec::with_capacity(n.clamp(0, 1024) as usize);
    for _ in 0..n {
        let (f, used) = parse(&buf[at..])?;
        items.push(f);
        at += used;
    }
    Some((items, at))
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
            let (items, used) = parse_many(&buf[next..], n)?;
            Some((Frame::Array(Some(items)), next + used))
        }
        b'_' => Some((Frame::Null, next)),
        b',' => Some((Frame::Double(line.to_vec()), next)),
        b'#' => Some((Frame::Boolean(line == b"t"), next)),
        b'(' => Some((Frame::BigNumber(line.to_vec()), next)),
        b'=' => {
            let n = number() as usize;
            if buf.len() < next + n + 2 {
                return None;
            }
            Some((Frame::Verbatim(buf[next..next + n].to_vec()), next + n + 2))
        }
        b'%' | b'~' | b'>' => {
            let kind = buf[0];
            let n = number() * if kind == b'%' { 2 } else { 1 };
            let (items, used) = parse_many(&buf[next..], n)?;
            let frame = match kind {
                b'%' => Frame::Map(items),
                b'~' => Frame::Set(items),
                _ => Frame::Push(items),
            };
            Some((frame, next + used))
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
    /// SCAN and friends: [cursor, items]; compare the items (in chunks of
    /// n: HSCAN and ZSCAN give pairs) as a multiset only.
    ScanItems(usize),
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
        "SCAN" | "SSCAN" => Rule::ScanItems(1),
        "HSCAN" | "ZSCAN" => Rule::ScanItems(2),
        "SORT" | "SORT_RO" if argv.iter().any(|a| a.eq_ignore_ascii_case(b"NOSORT")) => {
            Rule::Unordered(1)
        }
        // ALPHA by weights: elements whose weights are equal (or missing)
        // keep the source's order, which for a set or sorted set is its
        // hash table's (Redis sorts those from their dict); with LIMIT,
        // which of them are picked is as unspecified.
        "SORT" | "SORT_RO"
            if argv.iter().any(|a| a.eq_ignore_ascii_case(b"BY"))
                && argv.iter().any(|a| a.eq_ignore_ascii_case(b"ALPHA")) =>
        {
            if argv.iter().any(|a| a.eq_ignore_ascii_case(b"LIMIT")) {
                Rule::Shape
            } else {
                Rule::Unordered(1)
            }
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
        Frame::Null => (5, None),
        Frame::Double(_) => (6, None),
        Frame::Boolean(_) => (7, None),
        Frame::BigNumber(_) => (8, None),
        Frame::Verbatim(_) => (9, None),
        Frame::Map(items) => (10, Some(items.len())),
        Frame::Set(items) => (11, Some(items.len())),
        Frame::Push(items) => (12, Some(items.len())),
    }
}

/// The elements of an aggregate reply, whatever its RESP type.
fn elements(f: &Frame) -> Option<(u8, &[Frame])> {
    match f {
        Frame::Array(Some(items)) => Some((0, items)),
        Frame::Map(items) => Some((1, items)),
        Frame::Set(items) => Some((2, items)),
        _ => None,
    }
}

/// Whether our reply matches Redis's under `rule`.
pub fn matches(rule: Rule, ours: &Frame, theirs: &Frame) -> bool {
    if ours == theirs {
        return true;
    }
    match (rule, ours, theirs) {
        (Rule::Unordered(n), a, b) => match (elements(a), elements(b)) {
            (Some((kind_a, a)), Some((kind_b, b))) => {
                kind_a == kind_b && sorted_chunks(a, n) == sorted_chunks(b, n)
            }
            _ => false,
        },
        (Rule::Shape, a, b) => shape(a) == shape(b),
        (Rule::Tolerance(t), Frame::Integer(a), Frame::Integer(b)) => {
            *a >= 0 && *b >= 0 && (a - b).abs() <= t
        }
        (Rule::ScanItems(n), Frame::Array(Some(a)), Frame::Array(Some(b))) if a.len() == 2 => {
            b.len() == 2 && matches(Rule::Unordered(n), &a[1], &b[1])
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
        Frame::Array(Some(items)) | Frame::Push(items) => {
            let inner: Vec<String> = items.iter().map(show).collect();
            format!("[{}]", inner.join(", "))
        }
        Frame::Null => "_".into(),
        Frame::Double(d) => format!(",{}", String::from_utf8_lossy(d)),
        Frame::Boolean(b) => format!("#{b}"),
        Frame::BigNumber(n) => format!("({}", String::from_utf8_lossy(n)),
        Frame::Verbatim(v) => format!("={:?}", String::from_utf8_lossy(v)),
        Frame::Map(items) => {
            let inner: Vec<String> = items.iter().map(show).collect();
            format!("%{{{}}}", inner.join(", "))
        }
        Frame::Set(items) => {
            let inner: Vec<String> = items.iter().map(show).collect();
            format!("~{{{}}}", inner.join(", "))
        }
    }
}
