//! `RdbError`: why an RDB file (or a DUMP payload) could not be read, with
//! the byte offset where reading stopped and, inside a value, the key.

/// What went wrong; the `Display` text says what was expected.
#[derive(Debug, thiserror::Error)]
pub enum RdbErrorKind {
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("the data ends where {0} was expected")]
    Truncated(&'static str),
    #[error("not an RDB file: it does not start with \"REDIS\"")]
    BadMagic,
    #[error("the version field {0:?} is not four digits")]
    BadVersion(String),
    #[error("RDB version {0} is newer than 10, the newest this server can read")]
    UnsupportedVersion(u32),
    #[error("corrupt data: {0}")]
    Corrupt(String),
    #[error("wrong checksum: the file says {stored:#018x}, its contents hash to {computed:#018x}")]
    Checksum { stored: u64, computed: u64 },
    #[error("{0} is not supported")]
    Unsupported(String),
    #[error("the key appears twice in db {0}")]
    DuplicateKey(u32),
    #[error("the data uses db {db} but the server has {databases} databases")]
    DbOutOfRange { db: u64, databases: usize },
}

/// A failure to read RDB data: what, where, and in which key.
#[derive(Debug, thiserror::Error)]
#[error("RDB error at byte {offset}{}: {kind}", key_context(.key))]
pub struct RdbError {
    /// Bytes read from the start of the data when the error was found.
    pub offset: u64,
    pub kind: RdbErrorKind,
    /// The db and key being loaded, when the error is inside a value.
    pub key: Option<(u32, Vec<u8>)>,
}

fn key_context(key: &Option<(u32, Vec<u8>)>) -> String {
    match key {
        Some((db, key)) => {
            let shown: Vec<u8> = key.iter().take(64).copied().collect();
            format!(
                " (key {:?}{} in db {db})",
                String::from_utf8_lossy(&shown),
                if key.len() > 64 { "..." } else { "" }
            )
        }
        None => String::new(),
    }
}

impl RdbError {
    pub fn new(offset: u64, kind: RdbErrorKind) -> Self {
        RdbError {
            offset,
            kind,
            key: None,
        }
    }

    /// Names the key the error happened in.
    pub fn in_key(mut self, db: u32, key: &[u8]) -> Self {
        self.key.get_or_insert_with(|| (db, key.to_vec()));
        self
    }

    pub fn is_checksum(&self) -> bool {
        matches!(self.kind, RdbErrorKind::Checksum { .. })
    }
}

pub type RdbResult<T> = Result<T, RdbError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_offset_key_and_expectation() {
        let err = RdbError::new(42, RdbErrorKind::Truncated("a length")).in_key(3, b"user:1");
        assert_eq!(
            err.to_string(),
            "RDB error at byte 42 (key \"user:1\" in db 3): the data ends where a length was expected"
        );
        let plain = RdbError::new(0, RdbErrorKind::BadMagic);
        assert_eq!(
            plain.to_string(),
            "RDB error at byte 0: not an RDB file: it does not start with \"REDIS\""
        );
    }
}
