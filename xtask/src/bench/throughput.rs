//! The throughput comparison: each test at each pipeline depth, run against
//! side A then side B, for several rounds; the table shows per side the
//! median rps, p50 and p99 over the rounds and the rps ratio A/B, then
//! each server's CPU per request and the cores redis-benchmark used
//! against it (`cpu.rs`): a client at about 1.0 core was the bottleneck.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::probe;
use super::redis_benchmark::{self, Load, Sample};
use super::server::RunningServer;
use super::BenchArgs;

/// Samples of one (test, pipeline) cell, per side: a failure is kept as text.
type Cell = [Vec<Result<Sample, String>>; 2];

pub fn compare(
    servers: &mut [RunningServer; 2],
    args: &BenchArgs,
    scratch: &Path,
) -> anyhow::Result<String> {
    let tests: Vec<&str> = args.tests.split(',').map(str::trim).collect();
    let mut cells: BTreeMap<(usize, u32), Cell> = BTreeMap::new();
    for round in 1..=args.rounds {
        for (test_idx, test) in tests.iter().enumerate() {
            for &pipeline in &args.pipelines {
                let cell = cells.entry((test_idx, pipeline)).or_default();
                for (side_idx, server) in servers.iter_mut().enumerate() {
                    server.check_alive()?;
                    // Each run starts from an empty keyspace; a server that
                    // lacks FLUSHALL just keeps its keys.
                    let _ = probe::request(server.port, &["FLUSHALL"]);
                    let load = Load {
                        clients: args.clients,
                        requests: args.requests,
                        pipeline,
                        test,
                        timeout: args.timeout(),
                    };
                    let sample =
                        redis_benchmark::measure(server.port, server.pid(), &load, scratch)
                            .map_err(|error| format!("{error:#}"));
                    print_progress(round, args.rounds, test, pipeline, &server.label, &sample);
                    cell[side_idx].push(sample);
                }
            }
        }
    }
    let labels = [servers[0].label.as_str(), servers[1].label.as_str()];
    Ok(render_table(&tests, &cells, labels, args))
}

fn print_progress(
    round: u32,
    rounds: u32,
    test: &str,
    pipeline: u32,
    label: &str,
    sample: &Result<Sample, String>,
) {
    match sample {
        Ok(sample) => println!(
            "bench: round {round}/{rounds} {test:<10} P={pipeline:<3} {label:<8} {:>12.0} rps",
            sample.rps
        ),
        Err(error) => println!(
            "bench: round {round}/{rounds} {test:<10} P={pipeline:<3} {label:<8} FAILED: {error}"
        ),
    }
}

fn render_table(
    tests: &[&str],
    cells: &BTreeMap<(usize, u32), Cell>,
    labels: [&str; 2],
    args: &BenchArgs,
) -> String {
    let [a, b] = labels;
    let mut table = String::new();
    let _ = writeln!(
        table,
        "redis-benchmark -c {} -n {} , median of {} rounds; latencies in ms",
        args.clients, args.requests, args.rounds
    );
    let _ = writeln!(
        table,
        "| test | P | {a} rps | {b} rps | {a}/{b} | {a} p50 | {b} p50 | {a} p99 | {b} p99 \
         | {a} us/req | {b} us/req | client cores ({a}) | client cores ({b}) |"
    );
    let _ = writeln!(
        table,
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    );
    for ((test_idx, pipeline), cell) in cells {
        let [side_a, side_b] = [summarize(&cell[0]), summarize(&cell[1])];
        let ratio = match (side_a.rps, side_b.rps) {
            (Some(rps_a), Some(rps_b)) if rps_b > 0.0 => format!("{:.2}", rps_a / rps_b),
            _ => "-".into(),
        };
        let _ = writeln!(
            table,
            "| {} | {pipeline} | {} | {} | {ratio} | {} | {} | {} | {} | {} | {} | {} | {} |",
            tests[*test_idx],
            side_a.rps_text(),
            side_b.rps_text(),
            latency_text(side_a.p50_ms),
            latency_text(side_b.p50_ms),
            latency_text(side_a.p99_ms),
            latency_text(side_b.p99_ms),
            number_text(side_a.server_us, 2),
            number_text(side_b.server_us, 2),
            number_text(side_a.client_cores, 2),
            number_text(side_b.client_cores, 2),
        );
    }
    let failures: Vec<String> = cells
        .iter()
        .flat_map(|((test_idx, pipeline), cell)| {
            cell.iter().zip(labels).flat_map(move |(samples, label)| {
                samples.iter().filter_map(move |sample| {
                    let error = sample.as_ref().err()?;
                    Some(format!(
                        "{} P={pipeline} {label}: {error}",
                        tests[*test_idx]
                    ))
                })
            })
        })
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(table, "\nfailed runs ({}):", failures.len());
        for failure in failures.iter().take(20) {
            let _ = writeln!(table, "  {failure}");
        }
    }
    table
}

/// Medians of one side's samples; `failed` counts runs that failed.
struct Summary {
    rps: Option<f64>,
    p50_ms: Option<f64>,
    p99_ms: Option<f64>,
    server_us: Option<f64>,
    client_cores: Option<f64>,
    failed: usize,
}

impl Summary {
    fn rps_text(&self) -> String {
        match (self.rps, self.failed) {
            (Some(rps), 0) => format!("{rps:.0}"),
            (Some(rps), failed) => format!("{rps:.0} ({failed} failed)"),
            (None, _) => "failed".into(),
        }
    }
}

fn summarize(samples: &[Result<Sample, String>]) -> Summary {
    let ok: Vec<&Sample> = samples.iter().filter_map(|s| s.as_ref().ok()).collect();
    Summary {
        rps: median(ok.iter().map(|s| s.rps)),
        p50_ms: median(ok.iter().filter_map(|s| s.p50_ms)),
        p99_ms: median(ok.iter().filter_map(|s| s.p99_ms)),
        server_us: median(ok.iter().filter_map(|s| s.server_us)),
        client_cores: median(ok.iter().filter_map(|s| s.client_cores)),
        failed: samples.len() - ok.len(),
    }
}

fn latency_text(ms: Option<f64>) -> String {
    number_text(ms, 3)
}

fn number_text(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "-".into(), |value| format!("{value:.decimals$}"))
}

/// The median (mean of the middle two for an even count).
pub fn median(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut values: Vec<f64> = values.collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        Some(values[middle])
    } else {
        Some((values[middle - 1] + values[middle]) / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median([3.0, 1.0, 2.0].into_iter()), Some(2.0));
        assert_eq!(median([4.0, 1.0, 3.0, 2.0].into_iter()), Some(2.5));
        assert_eq!(median(std::iter::empty()), None);
    }
}
