//! `Commands`: the commands `RequestDecoder::decode_batch` read, each an
//! `Argv` of ranges into the frozen pieces of the read buffer they came in
//! (one piece for all the commands the fast path read at once, one per
//! command the general reader read). Reused between batches, so decoding
//! allocates nothing once its vectors have grown.

use crate::argv::Argv;
use bytes::Bytes;
use std::ops::Range;

#[derive(Debug, Default)]
pub struct Commands {
    /// The frozen pieces of the read buffer.
    frames: Vec<Bytes>,
    /// Every command's arguments, in order, each a range of its frame.
    pub(crate) spans: Vec<Range<usize>>,
    commands: Vec<Command>,
}

#[derive(Debug)]
struct Command {
    /// Its frame in `frames`.
    frame: usize,
    /// The end (exclusive) of its arguments in `spans`.
    args_end: usize,
    /// Where its bytes are in its frame, when they are exactly its
    /// arguments' RESP encoding (`write_command`'s): every command the
    /// fast path read. The others (inline, partial, unusual lengths) have
    /// none.
    sent: Option<Range<usize>>,
}

impl Commands {
    /// Number of commands.
    #[inline]
    pub fn len(&self) -> usize {
        self.commands.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    /// Command `i`'s arguments.
    ///
    /// # Panics
    /// When there is no command `i`.
    #[inline]
    pub fn argv(&self, i: usize) -> Argv<'_> {
        let command = &self.commands[i];
        let start = i.checked_sub(1).map_or(0, |p| self.commands[p].args_end);
        let spans = &self.spans[start..command.args_end];
        Argv::framed_checked(&self.frames[command.frame], spans)
    }

    /// The bytes command `i` came in, if they are its arguments' encoding.
    #[inline]
    pub fn sent(&self, i: usize) -> Option<&[u8]> {
        let command = self.commands.get(i)?;
        let range = command.sent.clone()?;
        Some(&self.frames[command.frame][range])
    }

    /// Every command's arguments, in order.
    pub fn iter(&self) -> impl Iterator<Item = Argv<'_>> + '_ {
        (0..self.len()).map(|i| self.argv(i))
    }

    /// Forgets every command (and lets go of the read buffer's pieces).
    pub fn clear(&mut self) {
        self.frames.clear();
        self.spans.clear();
        self.commands.clear();
    }

    /// Ends a command: its arguments are the spans pushed since the one
    /// before, in the frame `push_frame` hands over next.
    pub(crate) fn end_command(&mut self, sent: Option<Range<usize>>) {
        self.commands.push(Command {
            frame: self.frames.len(),
            args_end: self.spans.len(),
            sent,
        });
    }

    /// The frame of the commands ended since the last one.
    pub(crate) fn push_frame(&mut self, frame: Bytes) {
        debug_assert!(self
            .commands
            .iter()
            .rev()
            .take_while(|c| c.frame == self.frames.len())
            .all(|c| c.sent.as_ref().is_none_or(|r| r.end <= frame.len())));
        self.frames.push(frame);
    }
}
