//! `Argv`: one command's arguments (the name first), borrowed.
//!
//! What a server decoded is a frozen piece of its read buffer and, per
//! argument, where it lies there: `Argv::framed` reads arguments straight
//! out of it, so running a command costs no reference count per argument.
//! Arguments kept by whoever holds them (a MULTI queue, a replayed file,
//! a test) are owned `Bytes`: `Argv::from(&[Bytes])` reads those. Either
//! way an argument is a `&[u8]`, and `Argv::bytes` makes an owned one
//! (a slice of the same buffer, no copy) only for a command that keeps it.

use bytes::Bytes;
use std::ops::{Bound, Index, Range, RangeBounds};

/// Whether every span lies in `frame`.
fn within(frame: &Bytes, spans: &[Range<usize>]) -> bool {
    spans
        .iter()
        .all(|span| span.start <= span.end && span.end <= frame.len())
}

/// A command's arguments: `argv[0]` is its name.
#[derive(Clone, Copy)]
pub struct Argv<'a>(Repr<'a>);

#[derive(Clone, Copy)]
enum Repr<'a> {
    /// Ranges of one frozen buffer.
    Framed {
        frame: &'a Bytes,
        spans: &'a [Range<usize>],
    },
    /// Arguments of their own.
    Owned(&'a [Bytes]),
}

impl<'a> Argv<'a> {
    /// The arguments at `spans` in `frame`.
    ///
    /// # Panics
    /// When a span is not within `frame`.
    pub fn framed(frame: &'a Bytes, spans: &'a [Range<usize>]) -> Self {
        assert!(within(frame, spans), "an argument outside its frame");
        Argv(Repr::Framed { frame, spans })
    }

    /// As `framed`, for spans the decoder has just checked against the
    /// frame (in debug builds only, again).
    pub(crate) fn framed_checked(frame: &'a Bytes, spans: &'a [Range<usize>]) -> Self {
        debug_assert!(within(frame, spans));
        Argv(Repr::Framed { frame, spans })
    }

    /// Number of arguments, the name included.
    #[inline]
    pub fn len(&self) -> usize {
        match self.0 {
            Repr::Framed { spans, .. } => spans.len(),
            Repr::Owned(args) => args.len(),
        }
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Argument `i`, if there is one.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        match self.0 {
            Repr::Framed { frame, spans } => spans.get(i).map(|span| &frame[span.clone()]),
            Repr::Owned(args) => args.get(i).map(|arg| &arg[..]),
        }
    }

    /// Argument `i`, for as long as the arguments are there (where
    /// `argv[i]` is only for as long as this `Argv` is).
    ///
    /// # Panics
    /// When there is no argument `i`.
    #[inline]
    pub fn arg(&self, i: usize) -> &'a [u8] {
        match self.0 {
            Repr::Framed { frame, spans } => &frame[spans[i].clone()],
            Repr::Owned(args) => &args[i],
        }
    }

    /// The command's name, if there is one.
    #[inline]
    pub fn first(&self) -> Option<&'a [u8]> {
        self.get(0)
    }

    /// Argument `i`, kept: a `Bytes` of the same memory (no copy).
    ///
    /// # Panics
    /// When there is no argument `i`.
    pub fn bytes(&self, i: usize) -> Bytes {
        match self.0 {
            Repr::Framed { frame, spans } => frame.slice(spans[i].clone()),
            Repr::Owned(args) => args[i].clone(),
        }
    }

    /// Every argument, kept (see `bytes`).
    pub fn to_vec(&self) -> Vec<Bytes> {
        (0..self.len()).map(|i| self.bytes(i)).collect()
    }

    /// The arguments in `range` (by index), as an `Argv` of their own.
    ///
    /// # Panics
    /// As slicing does, when `range` is not within the arguments.
    #[inline]
    pub fn slice(&self, range: impl RangeBounds<usize>) -> Argv<'a> {
        let start = match range.start_bound() {
            Bound::Included(&i) => i,
            Bound::Excluded(&i) => i + 1,
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(&i) => i + 1,
            Bound::Excluded(&i) => i,
            Bound::Unbounded => self.len(),
        };
        match self.0 {
            Repr::Framed { frame, spans } => Argv(Repr::Framed {
                frame,
                spans: &spans[start..end],
            }),
            Repr::Owned(args) => Argv(Repr::Owned(&args[start..end])),
        }
    }

    /// The arguments two at a time (field and value, key and value): a
    /// last one without a partner is left out.
    #[inline]
    pub fn pairs(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        let argv = *self;
        (0..self.len() / 2).map(move |i| (argv.arg(2 * i), argv.arg(2 * i + 1)))
    }

    /// The arguments in order.
    #[inline]
    pub fn iter(&self) -> Iter<'a> {
        Iter {
            argv: *self,
            front: 0,
            back: self.len(),
        }
    }
}

impl Index<usize> for Argv<'_> {
    type Output = [u8];

    #[inline]
    fn index(&self, i: usize) -> &[u8] {
        self.arg(i)
    }
}

/// No arguments.
impl Default for Argv<'_> {
    fn default() -> Self {
        Argv(Repr::Owned(&[]))
    }
}

impl<'a> From<&'a [Bytes]> for Argv<'a> {
    fn from(args: &'a [Bytes]) -> Self {
        Argv(Repr::Owned(args))
    }
}

impl<'a> From<&'a Vec<Bytes>> for Argv<'a> {
    fn from(args: &'a Vec<Bytes>) -> Self {
        Argv(Repr::Owned(args))
    }
}

impl<'a, const N: usize> From<&'a [Bytes; N]> for Argv<'a> {
    fn from(args: &'a [Bytes; N]) -> Self {
        Argv(Repr::Owned(args))
    }
}

impl std::fmt::Debug for Argv<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|arg| String::from_utf8_lossy(arg)))
            .finish()
    }
}

/// Equal when the arguments are, however each is held.
impl PartialEq for Argv<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Argv<'_> {}

impl<'a> IntoIterator for Argv<'a> {
    type Item = &'a [u8];
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &Argv<'a> {
    type Item = &'a [u8];
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The arguments of an `Argv`, each a `&[u8]`.
#[derive(Clone)]
pub struct Iter<'a> {
    argv: Argv<'a>,
    front: usize,
    back: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.front == self.back {
            return None;
        }
        self.front += 1;
        self.argv.get(self.front - 1)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front == self.back {
            return None;
        }
        self.back -= 1;
        self.argv.get(self.back)
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl std::iter::FusedIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed_abc() -> (Bytes, Vec<Range<usize>>) {
        (Bytes::from_static(b"SETkeyvalue"), vec![0..3, 3..6, 6..11])
    }

    #[test]
    fn framed_and_owned_read_alike() {
        let (frame, spans) = framed_abc();
        let framed = Argv::framed(&frame, &spans);
        let owned_args = [b"SET".as_slice(), b"key", b"value"].map(Bytes::copy_from_slice);
        let owned = Argv::from(&owned_args);
        for argv in [framed, owned] {
            assert_eq!(argv.len(), 3);
            assert_eq!(&argv[1], b"key");
            assert_eq!(argv.get(2), Some(&b"value"[..]));
            assert_eq!(argv.get(3), None);
            assert_eq!(argv.first(), Some(&b"SET"[..]));
            assert_eq!(argv.slice(1..).len(), 2);
            assert_eq!(&argv.slice(1..)[0], b"key");
            assert_eq!(argv.slice(..=1).iter().last(), Some(&b"key"[..]));
            assert_eq!(argv.slice(3..).len(), 0);
            assert!(argv.slice(3..).is_empty());
            assert_eq!(
                argv.iter().rev().collect::<Vec<_>>(),
                [&b"value"[..], b"key", b"SET"]
            );
            assert_eq!(argv.to_vec(), owned_args);
            let pairs: Vec<_> = argv.pairs().collect();
            assert_eq!(
                pairs,
                [(&b"SET"[..], &b"key"[..])],
                "the odd one out is left"
            );
            assert_eq!(argv.slice(1..).pairs().count(), 1);
            assert_eq!(argv.bytes(2), "value");
        }
        assert_eq!(framed, owned);
        assert_ne!(framed, owned.slice(1..));
    }

    #[test]
    fn a_kept_framed_argument_is_the_frames_memory() {
        let (frame, spans) = framed_abc();
        let kept = Argv::framed(&frame, &spans).bytes(1);
        assert_eq!(kept.as_ptr(), frame[3..].as_ptr());
    }

    #[test]
    #[should_panic(expected = "an argument outside its frame")]
    fn a_span_past_the_frame_is_refused() {
        let frame = Bytes::from_static(b"GET");
        let _ = Argv::framed(&frame, &[0..1, 0..4]);
    }

    #[test]
    #[should_panic]
    fn slicing_past_the_end_panics() {
        let (frame, spans) = framed_abc();
        let _ = Argv::framed(&frame, &spans).slice(2..4);
    }
}
