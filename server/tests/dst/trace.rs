//! The trace of a run: every event hashed (FNV-1a, stable across runs,
//! processes and platforms) and the last few kept as text, for the report
//! of a failing seed. Two runs of one seed must hash alike.

use std::collections::VecDeque;
use std::fmt::Write;

/// Events kept for printing.
const KEPT: usize = 80;
/// Longest event text kept (replies can be long).
const EVENT_MAX: usize = 200;

pub struct Trace {
    hash: u64,
    events: u64,
    tail: VecDeque<String>,
    /// `DST_TRACE=1`: every event to stderr as it happens.
    echo: bool,
}

impl Default for Trace {
    fn default() -> Self {
        Trace {
            hash: 0xcbf2_9ce4_8422_2325,
            events: 0,
            tail: VecDeque::with_capacity(KEPT),
            echo: std::env::var_os("DST_TRACE").is_some(),
        }
    }
}

impl Trace {
    /// Records one event (hashed whole, kept shortened).
    pub fn event(&mut self, text: String) {
        for byte in text.bytes().chain([b'\n']) {
            self.hash ^= u64::from(byte);
            self.hash = self.hash.wrapping_mul(0x0100_0000_01b3);
        }
        if self.echo {
            eprintln!("  #{:<6} {text}", self.events);
        }
        self.events += 1;
        if self.tail.len() == KEPT {
            self.tail.pop_front();
        }
        let mut kept = text;
        if kept.len() > EVENT_MAX {
            let mut cut = EVENT_MAX;
            while !kept.is_char_boundary(cut) {
                cut -= 1;
            }
            kept.truncate(cut);
            kept.push_str("...");
        }
        self.tail.push_back(kept);
    }

    pub fn hash(&self) -> u64 {
        self.hash
    }

    pub fn len(&self) -> u64 {
        self.events
    }

    /// The last events, numbered.
    pub fn tail(&self) -> String {
        let mut out = String::new();
        let first = self.events - self.tail.len() as u64;
        for (i, event) in self.tail.iter().enumerate() {
            let _ = writeln!(out, "  #{:<6} {event}", first + i as u64);
        }
        out
    }
}

/// Bytes as a short printable string (RESP shown with \r\n escaped).
pub fn show(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes.iter().take(120) {
        match b {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    if bytes.len() > 120 {
        let _ = write!(out, "...({} bytes)", bytes.len());
    }
    out
}

/// A command's arguments as words (long ones by their length), for traces.
pub fn words(argv: &[bytes::Bytes]) -> String {
    let words: Vec<String> = argv
        .iter()
        .map(|a| {
            if a.len() > 24 {
                format!("<{} bytes>", a.len())
            } else {
                String::from_utf8_lossy(a).into_owned()
            }
        })
        .collect();
    words.join(" ")
}
