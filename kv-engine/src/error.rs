//! Command errors, each carrying the exact text Redis replies with.

use std::borrow::Cow;

/// A command failed; `Display` is the reply text after the `-`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("WRONGTYPE Operation against a key holding the wrong kind of value")]
    WrongType,
    #[error("ERR syntax error")]
    Syntax,
    #[error("ERR value is not an integer or out of range")]
    NotInteger,
    #[error("ERR value is not a valid float")]
    NotFloat,
    #[error("ERR increment or decrement would overflow")]
    Overflow,
    #[error("ERR no such key")]
    NoSuchKey,
    #[error("ERR index out of range")]
    IndexOutOfRange,
    #[error("ERR DB index is out of range")]
    DbIndexOutOfRange,
    #[error("ERR wrong number of arguments for '{0}' command")]
    WrongArity(Cow<'static, str>),
    #[error("ERR unknown command '{name}', with args beginning with: {args}")]
    UnknownCommand { name: String, args: String },
    #[error("OOM command not allowed when used memory > 'maxmemory'.")]
    OutOfMemory,
    /// Any other error; the text includes its code (`ERR ...`, `EXECABORT ...`).
    #[error("{0}")]
    Other(Cow<'static, str>),
}

impl CommandError {
    /// A fixed error text such as `"ERR invalid expire time in 'set' command"`.
    pub const fn text(text: &'static str) -> CommandError {
        CommandError::Other(Cow::Borrowed(text))
    }

    /// An error text built at run time.
    pub fn owned(text: String) -> CommandError {
        CommandError::Other(Cow::Owned(text))
    }

    /// The error code: the first word (`ERR`, `WRONGTYPE`, ...), as INFO
    /// errorstats counts it.
    pub fn code(&self) -> String {
        let text = self.to_string();
        text.split(' ').next().unwrap_or("ERR").to_string()
    }
}

pub type CommandResult<T = ()> = Result<T, CommandError>;
