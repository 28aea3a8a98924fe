//! The multi-part AOF manifest, exactly as Redis 7.0 writes it: one line
//! per file, `file <name> seq <n> type <b|h|i>`, the base first, then
//! history files, then incremental files in order. A name that needs it is
//! quoted the way Redis quotes (`"my \"a of.1.incr.aof"`); reading splits
//! arguments the way redis.conf lines are split, accepts the keys in any
//! order and ignores unknown ones, as Redis does for forward compatibility.

use std::fmt::Write as _;

/// Longest manifest line Redis reads.
const MAX_LINE: usize = 1024;
/// Most files a manifest may list (a bound on a hostile or broken file).
const MAX_FILES: usize = 1 << 16;

/// What a listed file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Base,
    History,
    Incr,
}

impl FileKind {
    fn letter(self) -> char {
        match self {
            FileKind::Base => 'b',
            FileKind::History => 'h',
            FileKind::Incr => 'i',
        }
    }
}

/// One file of the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AofFileInfo {
    pub name: String,
    pub seq: u64,
    pub kind: FileKind,
}

/// The files making up the AOF.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub base: Option<AofFileInfo>,
    /// Files of a finished rewrite waiting to be deleted.
    pub history: Vec<AofFileInfo>,
    /// Incremental files, oldest first.
    pub incrs: Vec<AofFileInfo>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("line {line}: the AOF manifest file contains too long line")]
    LineTooLong { line: usize },
    #[error("line {line}: invalid AOF manifest file format")]
    InvalidFormat { line: usize },
    #[error("line {line}: unknown AOF file type '{kind}'")]
    UnknownType { line: usize, kind: String },
    #[error("line {line}: invalid AOF file sequence number")]
    InvalidSeq { line: usize },
    #[error("line {line}: invalid AOF file name '{name}'")]
    InvalidName { line: usize, name: String },
    #[error("line {line}: found duplicate base file information")]
    DuplicateBase { line: usize },
    #[error("line {line}: found a non-monotonic sequence number")]
    NonMonotonicSeq { line: usize },
    #[error("the AOF manifest lists too many files")]
    TooManyFiles,
    #[error("found an empty AOF manifest")]
    Empty,
}

impl Manifest {
    /// Parses a manifest's bytes.
    pub fn parse(data: &[u8]) -> Result<Manifest, ManifestError> {
        let mut manifest = Manifest::default();
        let mut count = 0usize;
        let mut rest = data;
        let mut line_no = 0;
        while !rest.is_empty() {
            line_no += 1;
            let (line, next) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                // Redis requires every line, the last too, to end in '\n'.
                None => return Err(ManifestError::LineTooLong { line: line_no }),
            };
            rest = next;
            if line.len() >= MAX_LINE {
                return Err(ManifestError::LineTooLong { line: line_no });
            }
            if line.first() == Some(&b'#') {
                continue;
            }
            let info = parse_line(line, line_no)?;
            count += 1;
            if count > MAX_FILES {
                return Err(ManifestError::TooManyFiles);
            }
            match info.kind {
                FileKind::Base => {
                    if manifest.base.is_some() {
                        return Err(ManifestError::DuplicateBase { line: line_no });
                    }
                    manifest.base = Some(info);
                }
                FileKind::History => manifest.history.push(info),
                FileKind::Incr => {
                    if manifest
                        .incrs
                        .last()
                        .is_some_and(|last| last.seq >= info.seq)
                    {
                        return Err(ManifestError::NonMonotonicSeq { line: line_no });
                    }
                    manifest.incrs.push(info);
                }
            }
        }
        if manifest.base.is_none() && manifest.incrs.is_empty() {
            return Err(ManifestError::Empty);
        }
        Ok(manifest)
    }

    /// The manifest's bytes, as Redis writes them.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut text = String::new();
        let files = self.base.iter().chain(&self.history).chain(&self.incrs);
        for info in files {
            let _ = writeln!(
                text,
                "file {} seq {} type {}",
                quote_if_needed(&info.name),
                info.seq,
                info.kind.letter()
            );
        }
        text.into_bytes()
    }

    /// The files to load, in order: the base, then the incrementals.
    pub fn load_order(&self) -> impl Iterator<Item = &AofFileInfo> {
        self.base.iter().chain(&self.incrs)
    }

    /// Every file the manifest names.
    pub fn all_files(&self) -> impl Iterator<Item = &AofFileInfo> {
        self.base.iter().chain(&self.history).chain(&self.incrs)
    }

    /// The highest incremental sequence number (0 if none).
    pub fn last_incr_seq(&self) -> u64 {
        self.incrs.last().map_or(0, |i| i.seq)
    }

    /// The base's sequence number (0 if none).
    pub fn base_seq(&self) -> u64 {
        self.base.as_ref().map_or(0, |b| b.seq)
    }
}

fn parse_line(line: &[u8], line_no: usize) -> Result<AofFileInfo, ManifestError> {
    let args = split_args(line).ok_or(ManifestError::InvalidFormat { line: line_no })?;
    if args.len() < 6 || args.len() % 2 != 0 {
        return Err(ManifestError::InvalidFormat { line: line_no });
    }
    let (mut name, mut seq, mut kind) = (None, None, None);
    for pair in args.chunks(2) {
        match pair[0].as_slice() {
            b"file" => name = Some(pair[1].clone()),
            b"seq" => seq = Some(pair[1].clone()),
            b"type" => kind = Some(pair[1].clone()),
            _ => {} // a key from a newer Redis
        }
    }
    let (Some(name), Some(seq), Some(kind)) = (name, seq, kind) else {
        return Err(ManifestError::InvalidFormat { line: line_no });
    };
    let name = String::from_utf8(name).map_err(|e| ManifestError::InvalidName {
        line: line_no,
        name: String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })?;
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        // A manifest names files inside its own directory only.
        return Err(ManifestError::InvalidName {
            line: line_no,
            name,
        });
    }
    let seq = std::str::from_utf8(&seq)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|&s| s > 0)
        .ok_or(ManifestError::InvalidSeq { line: line_no })?;
    let kind = match kind.as_slice() {
        b"b" => FileKind::Base,
        b"h" => FileKind::History,
        b"i" => FileKind::Incr,
        other => {
            return Err(ManifestError::UnknownType {
                line: line_no,
                kind: String::from_utf8_lossy(other).into_owned(),
            })
        }
    };
    Ok(AofFileInfo { name, seq, kind })
}

/// Does `name` need quoting (Redis's rule: backslash, double quote,
/// whitespace or a byte that is not printable)?
fn needs_quoting(name: &str) -> bool {
    name.bytes()
        .any(|b| b == b'\\' || b == b'"' || !b.is_ascii_graphic())
}

fn quote_if_needed(name: &str) -> String {
    if !needs_quoting(name) {
        return name.to_string();
    }
    let mut out = String::from("\"");
    for b in name.bytes() {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            b if b.is_ascii_graphic() || b == b' ' => out.push(b as char),
            b => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push('"');
    out
}

/// Splits a line into arguments as redis.conf lines are split: blanks
/// separate, `"..."` allows escapes (`\n \r \t \b \a \\ \" \xHH`), `'...'`
/// only `\'`. None on an unbalanced quote or a quote not followed by a
/// blank.
fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut args = Vec::new();
    let mut i = 0;
    let blank = |b: u8| b == b' ' || b == b'\t' || b == b'\r' || b == b'\n';
    loop {
        while i < line.len() && blank(line[i]) {
            i += 1;
        }
        if i >= line.len() {
            return Some(args);
        }
        let mut arg = Vec::new();
        match line[i] {
            b'"' => {
                i += 1;
                loop {
                    let b = *line.get(i)?;
                    if b == b'"' {
                        i += 1;
                        break;
                    }
                    if b == b'\\' {
                        let e = *line.get(i + 1)?;
                        let hex = |c: u8| (c as char).to_digit(16);
                        if e == b'x' {
                            let (h, l) = (hex(*line.get(i + 2)?), hex(*line.get(i + 3)?));
                            if let (Some(h), Some(l)) = (h, l) {
                                arg.push((h * 16 + l) as u8);
                                i += 4;
                                continue;
                            }
                        }
                        arg.push(match e {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 0x08,
                            b'a' => 0x07,
                            other => other,
                        });
                        i += 2;
                    } else {
                        arg.push(b);
                        i += 1;
                    }
                }
                if i < line.len() && !blank(line[i]) {
                    return None;
                }
            }
            b'\'' => {
                i += 1;
                loop {
                    let b = *line.get(i)?;
                    if b == b'\'' {
                        i += 1;
                        break;
                    }
                    if b == b'\\' && line.get(i + 1) == Some(&b'\'') {
                        arg.push(b'\'');
                        i += 2;
                    } else {
                        arg.push(b);
                        i += 1;
                    }
                }
                if i < line.len() && !blank(line[i]) {
                    return None;
                }
            }
            _ => {
                while i < line.len() && !blank(line[i]) {
                    arg.push(line[i]);
                    i += 1;
                }
            }
        }
        args.push(arg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, seq: u64, kind: FileKind) -> AofFileInfo {
        AofFileInfo {
            name: name.to_string(),
            seq,
            kind,
        }
    }

    #[test]
    fn writes_what_redis_7_0_writes() {
        // Byte for byte the manifest redis-server 7.0.15 wrote after one
        // BGREWRITEAOF (aof-use-rdb-preamble no).
        let manifest = Manifest {
            base: Some(info("appendonly.aof.2.base.aof", 2, FileKind::Base)),
            history: vec![],
            incrs: vec![info("appendonly.aof.2.incr.aof", 2, FileKind::Incr)],
        };
        let expect = "file appendonly.aof.2.base.aof seq 2 type b\n\
                      file appendonly.aof.2.incr.aof seq 2 type i\n";
        assert_eq!(String::from_utf8(manifest.to_bytes()).unwrap(), expect);
        assert_eq!(Manifest::parse(expect.as_bytes()).unwrap(), manifest);
    }

    #[test]
    fn quotes_names_as_redis_does() {
        // What redis-server 7.0.15 wrote for `--appendfilename 'my "a of'`.
        let expect = "file \"my \\\"a of.1.base.rdb\" seq 1 type b\n\
                      file \"my \\\"a of.1.incr.aof\" seq 1 type i\n";
        let manifest = Manifest::parse(expect.as_bytes()).unwrap();
        assert_eq!(manifest.base.as_ref().unwrap().name, "my \"a of.1.base.rdb");
        assert_eq!(String::from_utf8(manifest.to_bytes()).unwrap(), expect);
        let odd = Manifest {
            base: None,
            history: vec![],
            incrs: vec![info("a\tb\x01.aof", 1, FileKind::Incr)],
        };
        assert_eq!(Manifest::parse(&odd.to_bytes()).unwrap(), odd);
    }

    #[test]
    fn keys_in_any_order_comments_history_and_unknown_keys() {
        let text = "# written by hand\n\
                    type b seq 1 file base.rdb\n\
                    file old.aof seq 1 type h\n\
                    file a.incr.aof seq 1 type i future x\n\
                    file b.incr.aof seq 3 type i\n";
        let manifest = Manifest::parse(text.as_bytes()).unwrap();
        assert_eq!(manifest.base, Some(info("base.rdb", 1, FileKind::Base)));
        assert_eq!(manifest.history, [info("old.aof", 1, FileKind::History)]);
        let names: Vec<&str> = manifest.load_order().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["base.rdb", "a.incr.aof", "b.incr.aof"]);
        assert_eq!(manifest.last_incr_seq(), 3);
    }

    #[test]
    fn rejects_what_redis_rejects() {
        let check = |text: &str, expect: ManifestError| {
            assert_eq!(Manifest::parse(text.as_bytes()), Err(expect), "{text:?}");
        };
        check("", ManifestError::Empty);
        check("# only a comment\n", ManifestError::Empty);
        check(
            "file a seq 1 type b",
            ManifestError::LineTooLong { line: 1 },
        );
        check("file a seq 1\n", ManifestError::InvalidFormat { line: 1 });
        check("\n", ManifestError::InvalidFormat { line: 1 });
        check(
            "file \"a seq 1 type b\n",
            ManifestError::InvalidFormat { line: 1 },
        );
        check(
            "file a seq 1 type x\n",
            ManifestError::UnknownType {
                line: 1,
                kind: "x".into(),
            },
        );
        check(
            "file a seq zero type b\n",
            ManifestError::InvalidSeq { line: 1 },
        );
        check(
            "file a seq 0 type b\n",
            ManifestError::InvalidSeq { line: 1 },
        );
        check(
            "file a seq 1 type b\nfile b seq 2 type b\n",
            ManifestError::DuplicateBase { line: 2 },
        );
        check(
            "file a seq 2 type i\nfile b seq 2 type i\n",
            ManifestError::NonMonotonicSeq { line: 2 },
        );
        check(
            "file ../etc/passwd seq 1 type b\n",
            ManifestError::InvalidName {
                line: 1,
                name: "../etc/passwd".into(),
            },
        );
        let long = format!("file {} seq 1 type b\n", "a".repeat(MAX_LINE));
        check(&long, ManifestError::LineTooLong { line: 1 });
    }
}
