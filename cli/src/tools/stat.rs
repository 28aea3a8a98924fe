//! `--stat`: one line per interval (1 s by default) from INFO: keys,
//! memory, clients, blocked clients, requests (with the change since the
//! last line), connections and the background child at work; the column
//! headers again every 20 lines. Columns as redis-cli lays them out.

use std::io::Write;
use std::time::Duration;

use crate::args::Settings;

use super::{connect, info_field, info_text, request, ToolError};

/// Lines between two headers.
const HEADER_EVERY: u64 = 20;
/// Databases whose keys are counted.
const DATABASES: u32 = 16;

pub async fn run(settings: &Settings) -> Result<(), ToolError> {
    let mut connection = connect(settings).await?;
    let interval = settings.interval.unwrap_or(Duration::from_secs(1));
    let mut previous_requests = None;
    let mut line = 0u64;
    loop {
        let info = info_text(&request(&mut connection, &["INFO"]).await?);
        let mut stdout = std::io::stdout().lock();
        if line.is_multiple_of(HEADER_EVERY) {
            let _ = writeln!(
                stdout,
                "------- data ------ --------------------- load -------------------- - child -"
            );
            let _ = writeln!(
                stdout,
                "keys       mem      clients blocked requests            connections          "
            );
        }
        let requests = number(&info, "total_commands_processed");
        let _ = writeln!(stdout, "{}", stat_line(&info, previous_requests));
        let _ = stdout.flush();
        previous_requests = Some(requests);
        line += 1;
        drop(stdout);
        tokio::time::sleep(interval).await;
    }
}

/// One line of `--stat` from an INFO text; `previous_requests` is the
/// request count of the line before, if any.
pub fn stat_line(info: &str, previous_requests: Option<i64>) -> String {
    let keys: i64 = (0..DATABASES)
        .filter_map(|db| info_field(info, &format!("db{db}")))
        .filter_map(|value| value.split(',').find_map(|kv| kv.strip_prefix("keys=")))
        .filter_map(|n| n.parse::<i64>().ok())
        .sum();
    let requests = number(info, "total_commands_processed");
    let delta = previous_requests.map_or(0, |before| requests - before);
    let child = match (
        number(info, "rdb_bgsave_in_progress") == 1,
        number(info, "aof_rewrite_in_progress") == 1,
        number(info, "loading") == 1,
    ) {
        (_, _, true) => "LOAD",
        (true, true, _) => "SAVE+AOF",
        (true, false, _) => "SAVE",
        (false, true, _) => "AOF",
        _ => "",
    };
    format!(
        "{:<11}{:<8} {:<8}{:<8}{:<19} {:<12}{child}",
        keys,
        human_bytes(number(info, "used_memory")),
        number(info, "connected_clients"),
        number(info, "blocked_clients"),
        format!("{requests} (+{delta})"),
        number(info, "total_connections_received"),
    )
}

fn number(info: &str, field: &str) -> i64 {
    info_field(info, field)
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

/// `1023B`, `1.50K`, `1.68M`, `2.00G`, ...
pub fn human_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["K", "M", "G", "T", "P"];
    if bytes < 1024 {
        return format!("{bytes}B");
    }
    let mut value = bytes as f64 / 1024.0;
    for unit in &UNITS[..UNITS.len() - 1] {
        if value < 1024.0 {
            return format!("{value:.2}{unit}");
        }
        value /= 1024.0;
    }
    format!("{value:.2}{}", UNITS[UNITS.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::{human_bytes, stat_line};

    #[test]
    fn memory_reads_like_redis_cli() {
        assert_eq!(human_bytes(1023), "1023B");
        assert_eq!(human_bytes(1536), "1.50K");
        assert_eq!(human_bytes(1_761_607), "1.68M");
        assert_eq!(human_bytes(3 << 30), "3.00G");
    }

    #[test]
    fn a_line_has_redis_clis_columns() {
        // The line redis-cli 7.0.15 printed for these INFO fields:
        // "9          1.68M    1       0       963 (+0)            188         "
        let info = "used_memory:1761607\r\nconnected_clients:1\r\nblocked_clients:0\r\n\
                    total_commands_processed:963\r\ntotal_connections_received:188\r\n\
                    rdb_bgsave_in_progress:0\r\naof_rewrite_in_progress:0\r\nloading:0\r\n\
                    db0:keys=9,expires=0,avg_ttl=0\r\n";
        assert_eq!(
            stat_line(info, None),
            "9          1.68M    1       0       963 (+0)            188         "
        );
        assert!(stat_line(info, Some(960)).contains("963 (+3)"));
    }
}
