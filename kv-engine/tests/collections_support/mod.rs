//! Replays command scripts recorded from a real redis-server 7.0.15
//! (`tests/coll_data/*.txt`, written by `tests/coll_data/record.py`) against
//! the engine and compares every reply byte for byte.

// Each test file uses a part of this module.
#![allow(dead_code)]

use kv_engine::harness::Session;
use resp_codec::Protocol;

/// Runs the recorded script `name` (`tests/coll_data/<name>.txt`); panics
/// listing every reply that differs from Redis's.
pub fn replay(name: &str) {
    let path = format!("{}/tests/coll_data/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut s = Session::new();
    let mut failures = Vec::new();
    let mut lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("!redis "));
    let mut n_commands = 0;
    while let Some(line) = lines.next() {
        match line {
            "!resp3" => {
                s.client.protocol = Protocol::Resp3;
                continue;
            }
            "!resp2" => {
                s.client.protocol = Protocol::Resp2;
                continue;
            }
            _ => {}
        }
        let command = line.strip_prefix("> ").expect("a command line");
        let expected = lines.next().expect("a reply line");
        let (mode, command) = if let Some(rest) = command.strip_prefix("~2 ") {
            (2, rest)
        } else if let Some(rest) = command.strip_prefix("~ ") {
            (1, rest)
        } else {
            (0, command)
        };
        let argv = words(command);
        let argv: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
        let got = escape(&s.run(&argv));
        n_commands += 1;
        let same = match mode {
            0 => got == expected,
            chunk => unordered(&got, chunk) == unordered(expected, chunk),
        };
        if !same {
            failures.push(format!("{command}\n   redis: {expected}\n   ours:  {got}"));
        }
    }
    assert!(n_commands > 0, "empty script {name}");
    assert!(
        failures.is_empty(),
        "{} of {n_commands} replies differ from redis:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The ops propagated since the last call, each as its words joined by
/// spaces.
pub fn propagated(s: &mut Session) -> Vec<String> {
    s.deltas
        .take()
        .iter()
        .flat_map(|d| d.ops.iter())
        .map(|op| String::from_utf8_lossy(&op.argv.join(&b' ')).into_owned())
        .collect()
}

/// Splits a script line into arguments (see record.py for the quoting).
pub fn words(line: &str) -> Vec<Vec<u8>> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b' ' {
            i += 1;
            continue;
        }
        let mut word = Vec::new();
        if bytes[i] == b'"' {
            i += 1;
            while bytes[i] != b'"' {
                if bytes[i] == b'\\' {
                    match bytes[i + 1] {
                        b'x' => {
                            let hex = std::str::from_utf8(&bytes[i + 2..i + 4]).expect("hex");
                            word.push(u8::from_str_radix(hex, 16).expect("hex escape"));
                            i += 4;
                            continue;
                        }
                        b'r' => word.push(b'\r'),
                        b'n' => word.push(b'\n'),
                        other => word.push(other),
                    }
                    i += 2;
                } else {
                    word.push(bytes[i]);
                    i += 1;
                }
            }
            i += 1;
        } else {
            while i < bytes.len() && bytes[i] != b' ' {
                word.push(bytes[i]);
                i += 1;
            }
        }
        out.push(word);
    }
    out
}

/// The reply as text, escaped as record.py escapes it.
pub fn escape(data: &[u8]) -> String {
    let mut out = String::new();
    for &b in data {
        match b {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\\' => out.push_str("\\\\"),
            32..=126 => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

/// A flat aggregate reply as (header, sorted groups of `chunk` elements).
pub fn unordered(escaped: &str, chunk: usize) -> (String, Vec<String>) {
    let parts: Vec<&str> = escaped.split("\\r\\n").collect();
    let header = parts[0].to_string();
    let mut elements = Vec::new();
    let mut i = 1;
    while i < parts.len() {
        let part = parts[i];
        if part.starts_with('$') && part != "$-1" {
            elements.push(format!("{part} {}", parts.get(i + 1).unwrap_or(&"")));
            i += 2;
        } else {
            if !part.is_empty() {
                elements.push(part.to_string());
            }
            i += 1;
        }
    }
    let mut groups: Vec<String> = elements.chunks(chunk).map(|c| c.join("|")).collect();
    groups.sort();
    (header, groups)
}
