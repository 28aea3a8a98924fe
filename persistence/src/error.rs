//! The errors the server turns into replies, with Redis 7.0.15's texts
//! byte for byte (asked of a real redis-server: a full disk under the AOF,
//! a BGSAVE into a removed directory).

/// Persistence cannot keep writes: write commands are refused with this
/// (`Display` is the reply without the leading `-`); reads keep working.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Misconf {
    /// An AOF write or fsync failed; the reason is the OS's `strerror` text,
    /// e.g. "No space left on device".
    #[error("MISCONF Errors writing to the AOF file: {reason}")]
    Aof { reason: String },
    /// A background RDB save failed and `stop-writes-on-bgsave-error yes`.
    #[error("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.")]
    Rdb,
}

/// Why a durability call did not succeed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurabilityError {
    #[error(transparent)]
    Misconf(#[from] Misconf),
    /// Persistence has shut down (or its writer stopped): nothing more can
    /// be made durable.
    #[error("ERR persistence is shut down")]
    Closed,
}

/// Why BGREWRITEAOF did not start.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RewriteError {
    #[error("ERR Background append only file rewriting already in progress")]
    InProgress,
    /// appendonly is off: there is no AOF writer to rewrite with.
    #[error("ERR append only file is not enabled")]
    Disabled,
    #[error("ERR persistence is shut down")]
    Closed,
    /// The directory of a CONFIG SET dir cannot take the AOF (its
    /// `appendonlydir` could not be created); the reason is in the log.
    #[error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")]
    DirUnusable,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_redis_7_0s() {
        let full = Misconf::Aof {
            reason: "No space left on device".into(),
        };
        assert_eq!(
            full.to_string(),
            "MISCONF Errors writing to the AOF file: No space left on device"
        );
        assert!(Misconf::Rdb.to_string().starts_with(
            "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk."
        ));
        assert_eq!(
            RewriteError::InProgress.to_string(),
            "ERR Background append only file rewriting already in progress"
        );
    }
}
