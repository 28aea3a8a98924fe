//! SLOWLOG (GET, LEN, RESET, HELP) and LATENCY (LATEST, HISTORY, RESET,
//! DOCTOR, HISTOGRAM, HELP): reading the slow log, the latency monitor and
//! the per-command latency histograms.

use super::{arg_i64, check_arity, unknown_subcommand, ConnHost};
use crate::latency_histogram::LatencyHistogram;
use kv_engine::context::Ctx;
use kv_engine::{CommandError, CommandResult};
use std::fmt::Write as _;

pub fn slowlog(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    match ctx.arg(1).to_ascii_lowercase().as_slice() {
        b"get" => {
            check_arity(ctx, -2)?;
            if ctx.argc() > 3 {
                return Err(super::subcommand_syntax(ctx));
            }
            let count = if ctx.argc() == 3 {
                // Redis's one text for a count that is no integer or < -1.
                let bad = || CommandError::text("ERR count should be greater than or equal to -1");
                let n = arg_i64(ctx, 2).map_err(|_| bad())?;
                if n < -1 {
                    return Err(bad());
                }
                if n == -1 {
                    usize::MAX
                } else {
                    n as usize
                }
            } else {
                10
            };
            let entries: Vec<_> = host.state.slowlog.newest(count).cloned().collect();
            ctx.out.array(entries.len());
            for entry in entries {
                ctx.out.array(6);
                ctx.out.integer(entry.id as i64);
                ctx.out.integer(entry.unix_secs);
                ctx.out.integer(entry.duration_us as i64);
                ctx.out.array(entry.argv.len());
                for arg in &entry.argv {
                    ctx.out.bulk(arg);
                }
                ctx.out.bulk(entry.addr.as_bytes());
                ctx.out.bulk(entry.name.as_bytes());
            }
        }
        b"len" => {
            check_arity(ctx, 2)?;
            ctx.out.integer(host.state.slowlog.len() as i64);
        }
        b"reset" => {
            check_arity(ctx, 2)?;
            host.state.slowlog.reset();
            ctx.out.ok();
        }
        b"help" => {
            check_arity(ctx, 2)?;
            super::help(
                ctx,
                &[
                    "GET [<count>]",
                    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                    "    Entries are made of:",
                    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                    "    client name",
                    "LEN",
                    "    Return the length of the slowlog.",
                    "RESET",
                    "    Reset the slowlog.",
                ],
            )?;
        }
        _ => return Err(unknown_subcommand(ctx)),
    }
    Ok(())
}

pub fn latency(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    match ctx.arg(1).to_ascii_lowercase().as_slice() {
        b"latest" => {
            check_arity(ctx, 2)?;
            let events: Vec<(&str, i64, u64, u64)> = host
                .state
                .latency
                .events()
                .filter_map(|(name, series)| {
                    let last = series.samples.back()?;
                    Some((name, last.unix_secs, last.latency_ms, series.max_ms))
                })
                .collect();
            ctx.out.array(events.len());
            for (name, at, latest, max) in events {
                ctx.out.array(4);
                ctx.out.bulk(name.as_bytes());
                ctx.out.integer(at);
                ctx.out.integer(latest as i64);
                ctx.out.integer(max as i64);
            }
        }
        b"history" => {
            check_arity(ctx, 3)?;
            let samples: Vec<_> = host
                .state
                .latency
                .series(ctx.arg(2))
                .map(|s| s.samples.iter().copied().collect())
                .unwrap_or_default();
            ctx.out.array(samples.len());
            for sample in samples {
                ctx.out.array(2);
                ctx.out.integer(sample.unix_secs);
                ctx.out.integer(sample.latency_ms as i64);
            }
        }
        b"reset" => {
            let names: Vec<&[u8]> = (2..ctx.argc()).map(|i| ctx.arg(i)).collect();
            let n = host.state.latency.reset(&names);
            ctx.out.integer(n as i64);
        }
        b"histogram" => histogram(host, ctx),
        b"doctor" => {
            check_arity(ctx, 2)?;
            let text = doctor(host);
            ctx.out.verbatim(*b"txt", text.as_bytes());
        }
        b"help" => {
            check_arity(ctx, 2)?;
            super::help(
                ctx,
                &[
                    "DOCTOR",
                    "    Return a human readable latency analysis report.",
                    "HISTORY <event>",
                    "    Return time-latency samples for the <event> class.",
                    "LATEST",
                    "    Return the latest latency samples for all events.",
                    "RESET [<event> ...]",
                    "    Reset latency data of one or more <event> classes.",
                    "    (default: reset all data for all event classes)",
                    "HISTOGRAM [COMMAND ...]",
                    "    Return the latency histograms (cumulative, by power of two) of the",
                    "    named commands, or of every command that has one.",
                ],
            )?;
        }
        _ => return Err(unknown_subcommand(ctx)),
    }
    Ok(())
}

/// LATENCY HISTOGRAM [command ...]: a map from each command's name to
/// its calls and its cumulative buckets (`histogram_usec`), for the named
/// ones (a container also gives its subcommands; a name without a
/// histogram, known or not, is skipped, one named twice comes twice), or
/// for all.
fn histogram(host: &ConnHost<'_>, ctx: &mut Ctx<'_, '_>) {
    let commands = &host.state.stats.commands;
    let mut shown: Vec<(&str, &LatencyHistogram)> = Vec::new();
    if ctx.argc() == 2 {
        shown.extend(commands.latencies());
    }
    for i in 2..ctx.argc() {
        let name = String::from_utf8_lossy(ctx.arg(i)).to_ascii_lowercase();
        let container = format!("{name}|");
        shown.extend(
            commands
                .latencies()
                .filter(|(counted, _)| *counted == name || counted.starts_with(&container)),
        );
    }
    ctx.out.map(shown.len());
    for (name, histogram) in shown {
        let buckets = histogram.cumulative_buckets();
        ctx.out.bulk(name.as_bytes());
        ctx.out.map(2);
        ctx.out.bulk(b"calls");
        ctx.out.integer(histogram.total() as i64);
        ctx.out.bulk(b"histogram_usec");
        ctx.out.map(buckets.len());
        for (usec, count) in buckets {
            ctx.out.integer(usec as i64);
            ctx.out.integer(count as i64);
        }
    }
}

/// A plain report of what the monitor saw (our words, not Redis's).
fn doctor(host: &ConnHost<'_>) -> String {
    let threshold = host.state.settings.latency_monitor_threshold_ms;
    if threshold == 0 {
        return "Latency monitoring is disabled. Enable it with CONFIG SET latency-monitor-threshold <milliseconds>.\n".into();
    }
    let mut text = String::new();
    let mut any = false;
    for (name, series) in host.state.latency.events() {
        any = true;
        let samples = series.samples.len();
        let avg = series.samples.iter().map(|s| s.latency_ms).sum::<u64>() / samples.max(1) as u64;
        let _ = writeln!(text, "{name}: {samples} latency spikes (average {avg}ms, worst {}ms) over the threshold of {threshold}ms.", series.max_ms);
    }
    if !any {
        let _ = writeln!(
            text,
            "No latency spike over {threshold}ms was observed since the monitor was last reset."
        );
    }
    text
}
