//! `Limits`: the bounds a parser checks before it allocates or waits for
//! more input, with Redis's defaults.

/// Bounds on what a peer may send. A declared length over a limit is an
/// error at once, before any buffer is sized from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest bulk string (`proto-max-bulk-len`, 512 MiB by default).
    pub max_bulk_len: usize,
    /// Most elements in one aggregate. Redis accepts up to `INT_MAX`
    /// arguments and never preallocates for more than 1024 of them, so a
    /// huge header costs nothing until its elements arrive.
    pub max_multibulk_len: usize,
    /// Longest line without its terminator: an inline command, or the
    /// header of a multibulk or bulk (`PROTO_INLINE_MAX_SIZE`, 64 KiB).
    pub max_inline_len: usize,
    /// Deepest nesting of aggregates in a frame (requests are never
    /// nested).
    pub max_depth: usize,
}

impl Limits {
    /// Redis's `proto-max-bulk-len` default.
    pub const DEFAULT_MAX_BULK_LEN: usize = 512 * 1024 * 1024;
    /// Redis's `PROTO_INLINE_MAX_SIZE`.
    pub const DEFAULT_MAX_INLINE_LEN: usize = 64 * 1024;
    /// Elements preallocated for an aggregate, whatever its header says.
    pub const PREALLOCATE_MAX: usize = 1024;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk_len: Self::DEFAULT_MAX_BULK_LEN,
            max_multibulk_len: i32::MAX as usize,
            max_inline_len: Self::DEFAULT_MAX_INLINE_LEN,
            max_depth: 128,
        }
    }
}
