//! `PersistenceStatus`: what INFO persistence reports about the AOF, with
//! Redis's field names and in Redis 7.0.15's order.

use crate::config::FsyncPolicy;

/// The AOF side of INFO persistence, as the writer last published it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersistenceStatus {
    pub aof_enabled: bool,
    pub appendfsync: FsyncPolicy,
    pub aof_rewrite_in_progress: bool,
    /// A BGREWRITEAOF waits to start.
    pub aof_rewrite_scheduled: bool,
    /// Seconds the last rewrite took, -1 if none yet.
    pub aof_last_rewrite_time_sec: i64,
    /// Seconds the running rewrite has taken, -1 if none is running.
    pub aof_current_rewrite_time_sec: i64,
    pub aof_last_bgrewrite_ok: bool,
    pub aof_rewrites: u64,
    pub aof_rewrites_consecutive_failures: u64,
    /// The last write and fsync succeeded (`aof_last_write_status:ok`).
    pub aof_last_write_ok: bool,
    /// The OS's text for the last write error, if writes are failing.
    pub aof_last_write_error: Option<String>,
    /// Bytes in the AOF's files (base and incrementals).
    pub aof_current_size: u64,
    /// `aof_current_size` after the last rewrite or at startup: automatic
    /// rewrites measure growth from it.
    pub aof_base_size: u64,
    /// Encoded bytes not yet written.
    pub aof_buffer_length: u64,
    /// An fsync is running.
    pub aof_pending_bio_fsync: u64,
    pub aof_delayed_fsync: u64,
    /// Every delta up to this LSN is written (to the page cache).
    pub written_lsn: u64,
    /// Every delta up to this LSN is durable as the fsync policy defines.
    pub durable_lsn: u64,
}

impl PersistenceStatus {
    pub(crate) fn new(aof_enabled: bool, appendfsync: FsyncPolicy) -> Self {
        PersistenceStatus {
            aof_enabled,
            appendfsync,
            aof_rewrite_in_progress: false,
            aof_rewrite_scheduled: false,
            aof_last_rewrite_time_sec: -1,
            aof_current_rewrite_time_sec: -1,
            aof_last_bgrewrite_ok: true,
            aof_rewrites: 0,
            aof_rewrites_consecutive_failures: 0,
            aof_last_write_ok: true,
            aof_last_write_error: None,
            aof_current_size: 0,
            aof_base_size: 0,
            aof_buffer_length: 0,
            aof_pending_bio_fsync: 0,
            aof_delayed_fsync: 0,
            written_lsn: 0,
            durable_lsn: 0,
        }
    }

    /// The `aof_*` lines of INFO persistence (and the two `module_fork_*`
    /// lines Redis puts among them) as `(name, value)`, in Redis's order;
    /// the size lines only when the AOF is on, as Redis prints them. The
    /// server writes the `loading` and `rdb_*` lines before these.
    pub fn info_fields(&self) -> Vec<(&'static str, String)> {
        let status = |ok: bool| if ok { "ok" } else { "err" }.to_string();
        let flag = |b: bool| u8::from(b).to_string();
        let mut fields = vec![
            ("aof_enabled", flag(self.aof_enabled)),
            (
                "aof_rewrite_in_progress",
                flag(self.aof_rewrite_in_progress),
            ),
            ("aof_rewrite_scheduled", flag(self.aof_rewrite_scheduled)),
            (
                "aof_last_rewrite_time_sec",
                self.aof_last_rewrite_time_sec.to_string(),
            ),
            (
                "aof_current_rewrite_time_sec",
                self.aof_current_rewrite_time_sec.to_string(),
            ),
            (
                "aof_last_bgrewrite_status",
                status(self.aof_last_bgrewrite_ok),
            ),
            ("aof_rewrites", self.aof_rewrites.to_string()),
            (
                "aof_rewrites_consecutive_failures",
                self.aof_rewrites_consecutive_failures.to_string(),
            ),
            ("aof_last_write_status", status(self.aof_last_write_ok)),
            ("aof_last_cow_size", "0".to_string()),
            ("module_fork_in_progress", "0".to_string()),
            ("module_fork_last_cow_size", "0".to_string()),
        ];
        if self.aof_enabled {
            fields.extend([
                ("aof_current_size", self.aof_current_size.to_string()),
                ("aof_base_size", self.aof_base_size.to_string()),
                ("aof_pending_rewrite", flag(self.aof_rewrite_scheduled)),
                ("aof_buffer_length", self.aof_buffer_length.to_string()),
                (
                    "aof_pending_bio_fsync",
                    self.aof_pending_bio_fsync.to_string(),
                ),
                ("aof_delayed_fsync", self.aof_delayed_fsync.to_string()),
            ]);
        }
        fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_in_redis_order() {
        let names = |enabled| {
            PersistenceStatus::new(enabled, FsyncPolicy::EverySec)
                .info_fields()
                .into_iter()
                .map(|(n, _)| n)
                .collect::<Vec<_>>()
        };
        // The tail of `INFO persistence` of redis-server 7.0.15, appendonly yes.
        assert_eq!(
            names(true),
            [
                "aof_enabled",
                "aof_rewrite_in_progress",
                "aof_rewrite_scheduled",
                "aof_last_rewrite_time_sec",
                "aof_current_rewrite_time_sec",
                "aof_last_bgrewrite_status",
                "aof_rewrites",
                "aof_rewrites_consecutive_failures",
                "aof_last_write_status",
                "aof_last_cow_size",
                "module_fork_in_progress",
                "module_fork_last_cow_size",
                "aof_current_size",
                "aof_base_size",
                "aof_pending_rewrite",
                "aof_buffer_length",
                "aof_pending_bio_fsync",
                "aof_delayed_fsync",
            ]
        );
        assert_eq!(names(false).len(), 12);
        let fields = PersistenceStatus::new(false, FsyncPolicy::No).info_fields();
        assert_eq!(fields[0], ("aof_enabled", "0".to_string()));
        assert_eq!(fields[5], ("aof_last_bgrewrite_status", "ok".to_string()));
    }
}
