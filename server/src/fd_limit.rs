//! The open-files limit `maxclients` needs, as Redis adjusts it: each
//! client is a descriptor, and the server keeps `RESERVED_FDS` for its
//! own files and listeners. The soft limit is raised (the hard one too,
//! where the process may) to `maxclients + RESERVED_FDS`; where the OS
//! allows less, `maxclients` is what fits. Without this a stock machine's
//! soft limit of 1024 would refuse the thousandth client with an accept
//! error, under Redis's default `maxclients 10000`.

use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};

/// Descriptors kept for the server itself (Redis's CONFIG_MIN_RESERVED_FDS).
pub const RESERVED_FDS: u64 = 32;

/// Raises the open-files limit for `maxclients` clients if it can; the
/// number of clients the limit allows (at most `maxclients`).
pub fn fit(maxclients: u64) -> u64 {
    let needed = maxclients.saturating_add(RESERVED_FDS);
    let now = getrlimit(Resource::Nofile);
    // None is unlimited.
    let current = now.current.unwrap_or(u64::MAX);
    if current >= needed {
        return maxclients;
    }
    let hard = now.maximum.unwrap_or(u64::MAX);
    // Both limits up to what is needed (only a privileged process may
    // raise the hard one); else the soft one up to the hard one. Never
    // lowered: a hard limit given up cannot be taken back.
    let raised = setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(needed),
            maximum: Some(hard.max(needed)),
        },
    )
    .or_else(|_| {
        setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(hard.min(needed)),
                maximum: now.maximum,
            },
        )
    });
    if let Err(error) = raised {
        tracing::warn!(
            "Server can't set maximum open files to {needed} because of OS error: {error}."
        );
    }
    let got = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
    maxclients.min(got.saturating_sub(RESERVED_FDS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_fits_is_at_most_the_limit_less_the_reserve() {
        let limit = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
        // Within the limit: granted as asked, nothing changed.
        let small = limit.saturating_sub(RESERVED_FDS).min(100);
        assert_eq!(fit(small), small);
        // Past any limit the OS allows: what it allows.
        let allowed = fit(u64::MAX / 2);
        let after = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
        assert!(allowed < u64::MAX / 2);
        assert_eq!(allowed, after.saturating_sub(RESERVED_FDS));
        assert!(after >= limit, "never lowered");
    }
}
