//! How replies are shown: the three output modes of redis-cli.
//!
//! - [`tty`]: the labelled, numbered, quoted form (terminal, `--no-raw`);
//! - [`raw`]: payloads as they are (`--raw`, default when stdout is a pipe);
//! - [`csv`]: one comma-separated line per reply (`--csv`).
//!
//! [`repr`] quotes binary strings and [`double`] rebuilds the server's text
//! of a RESP3 double.

pub mod csv;
pub mod raw;
pub mod repr;
pub mod tty;

use resp_codec::Frame;

/// Which of redis-cli's output formats replies are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMode {
    Standard,
    Raw,
    Csv,
}

/// An output mode with its delimiters: everything needed to turn a reply
/// into the bytes written to stdout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    pub mode: OutputMode,
    /// `-d`: between the elements of an aggregate in raw mode (default `\n`).
    pub bulk_delimiter: Vec<u8>,
    /// `-D`: after each reply in raw mode (default `\n`).
    pub reply_delimiter: Vec<u8>,
}

impl Output {
    pub fn new(mode: OutputMode) -> Self {
        Output {
            mode,
            bulk_delimiter: b"\n".to_vec(),
            reply_delimiter: b"\n".to_vec(),
        }
    }

    /// The bytes for one complete reply, terminator included.
    pub fn reply(&self, frame: &Frame) -> Vec<u8> {
        match self.mode {
            OutputMode::Standard => tty::format(frame),
            OutputMode::Raw => {
                let mut out = raw::format(frame, &self.bulk_delimiter);
                out.extend_from_slice(&self.reply_delimiter);
                out
            }
            OutputMode::Csv => {
                let mut out = csv::format(frame);
                out.push(b'\n');
                out
            }
        }
    }
}

#[cfg(test)]
mod tests;
