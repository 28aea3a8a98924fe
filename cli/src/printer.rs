//! Writing replies where redis-cli writes them: stdout in the chosen
//! output mode, or, with `-e`, error replies to stderr.

use std::io::{self, Write};

use resp_codec::Frame;

use crate::commands::shows_raw;
use crate::format::{raw, Output, OutputMode};

/// The hint printed under a NOAUTH reply.
pub const NOAUTH_HINT: &str = "hint: the server wants a password: give it with -a, --user/--pass, -u redis://user:password@host:port or REDISCLI_AUTH";

/// How replies are shown.
#[derive(Clone, Debug)]
pub struct Printer {
    pub output: Output,
    /// `-e`: error replies go to stderr (and make the exit code 1).
    pub errors_to_stderr: bool,
    /// RESP3 push messages that are not replies are shown.
    pub show_pushes: bool,
}

/// What a printed reply was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Printed {
    Value,
    Error,
    /// An error saying the connection must authenticate first.
    NoAuth,
}

impl Printer {
    /// The bytes redis-cli writes for `frame`, the reply to `command`.
    pub fn reply_text(&self, command: &[Vec<u8>], frame: &Frame) -> Vec<u8> {
        if self.output.mode == OutputMode::Standard && shows_raw(command) {
            return raw::format(frame, &self.output.bulk_delimiter);
        }
        self.output.reply(frame)
    }

    /// Writes the reply to `command`; says whether it was an error.
    pub fn reply(
        &self,
        stdout: &mut impl Write,
        stderr: &mut impl Write,
        command: &[Vec<u8>],
        frame: &Frame,
    ) -> io::Result<Printed> {
        let printed = match frame {
            Frame::Error(text) if text.starts_with(b"NOAUTH") => Printed::NoAuth,
            Frame::Error(_) => Printed::Error,
            _ => Printed::Value,
        };
        match frame {
            Frame::Error(text) if self.errors_to_stderr => {
                stderr.write_all(text)?;
                stderr.write_all(b"\n")?;
            }
            _ => stdout.write_all(&self.reply_text(command, frame))?,
        }
        stdout.flush()?;
        Ok(printed)
    }

    /// Writes a push message that arrived while waiting for a reply.
    pub fn push(&self, stdout: &mut impl Write, frame: &Frame) -> io::Result<()> {
        if self.show_pushes {
            stdout.write_all(&self.output.reply(frame))?;
            stdout.flush()?;
        }
        Ok(())
    }
}
