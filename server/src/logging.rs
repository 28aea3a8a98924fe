//! Logs through `tracing`, in Redis's levels and line format:
//! `pid:M 01 Dec 2026 08:15:39.623 * Ready to accept connections tcp`.
//!
//! Redis's `loglevel` maps onto tracing's levels (debug = TRACE, verbose =
//! DEBUG, notice = INFO, warning = WARN) and can change at run time
//! (CONFIG SET loglevel); lines go to stdout or to `logfile`, appended.

use crate::config::settings::LogLevel;
use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The most verbose level shown, as a tracing level rank (0 = TRACE).
static MAX_RANK: AtomicU8 = AtomicU8::new(2);

fn rank(level: &Level) -> u8 {
    match *level {
        Level::TRACE => 0,
        Level::DEBUG => 1,
        Level::INFO => 2,
        Level::WARN => 3,
        Level::ERROR => 4,
    }
}

pub fn set_level(level: LogLevel) {
    let rank = match level {
        LogLevel::Debug => 0,
        LogLevel::Verbose => 1,
        LogLevel::Notice => 2,
        LogLevel::Warning => 3,
    };
    MAX_RANK.store(rank, Ordering::Relaxed);
}

/// Installs the subscriber (once per process; later calls do nothing).
pub fn init(level: LogLevel, logfile: Option<&std::path::Path>) -> anyhow::Result<()> {
    set_level(level);
    let filter = tracing_subscriber::filter::filter_fn(|meta| {
        rank(meta.level()) >= MAX_RANK.load(Ordering::Relaxed)
    });
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    let layer = match logfile {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| {
                    anyhow::anyhow!(
                        "Can't open the log file: {}",
                        crate::config::load::io_reason(&e)
                    )
                })?;
            tracing_subscriber::fmt::layer()
                .event_format(RedisFormat)
                .with_writer(std::sync::Mutex::new(file))
                .with_ansi(false)
                .boxed()
        }
        None => tracing_subscriber::fmt::layer()
            .event_format(RedisFormat)
            .with_writer(std::io::stdout)
            .with_ansi(false)
            .boxed(),
    };
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init();
    Ok(())
}

/// Redis's log line.
struct RedisFormat;

impl<S, N> FormatEvent<S, N> for RedisFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mark = match *event.metadata().level() {
            Level::TRACE => '.',
            Level::DEBUG => '-',
            Level::INFO => '*',
            _ => '#',
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        write!(
            writer,
            "{}:M {} {mark} ",
            std::process::id(),
            timestamp(now.as_millis() as i64)
        )?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// `01 Dec 2026 08:15:39.623` (UTC) for unix milliseconds.
pub fn timestamp(unix_ms: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix_ms.div_euclid(86_400_000);
    let ms_of_day = unix_ms.rem_euclid(86_400_000);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{day:02} {} {year} {:02}:{:02}:{:02}.{:03}",
        MONTHS[(month - 1) as usize],
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1000 % 60,
        ms_of_day % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_look_like_redis_ones() {
        assert_eq!(timestamp(0), "01 Jan 1970 00:00:00.000");
        assert_eq!(timestamp(1_796_113_653_623), "01 Dec 2026 08:27:33.623");
        assert_eq!(timestamp(951_782_400_000), "29 Feb 2000 00:00:00.000");
    }
}
