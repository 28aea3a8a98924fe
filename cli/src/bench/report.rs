//! What a test measured, and the ways of writing it: the full block, one
//! line (`-q`), CSV and JSON.

use std::time::Duration;

use hdrhistogram::Histogram;

use super::args::ReportFormat;

/// Latencies are recorded in microseconds, from 1 µs to 60 s, with three
/// significant digits.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

/// One finished test.
#[derive(Clone, Debug)]
pub struct TestResult {
    pub title: String,
    pub requests: u64,
    pub errors: u64,
    /// The first error reply, to show what went wrong.
    pub first_error: Option<String>,
    pub elapsed: Duration,
    pub clients: usize,
    pub pipeline: usize,
    pub data_size: usize,
    pub latency: Histogram<u64>,
}

/// Latency figures in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatencySummary {
    pub avg: f64,
    pub min: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl TestResult {
    pub fn requests_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.requests as f64 / seconds
        } else {
            0.0
        }
    }

    pub fn latency_ms(&self) -> LatencySummary {
        let h = &self.latency;
        let ms = |us: u64| us as f64 / 1000.0;
        let at = |q: f64| ms(h.value_at_quantile(q));
        LatencySummary {
            avg: h.mean() / 1000.0,
            min: ms(h.min()),
            p50: at(0.50),
            p90: at(0.90),
            p95: at(0.95),
            p99: at(0.99),
            p999: at(0.999),
            max: ms(h.max()),
        }
    }
}

/// The CSV header, redis-benchmark's columns first.
pub const CSV_HEADER: &str = "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\",\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\",\"p90_latency_ms\",\"p99_9_latency_ms\",\"errors\"";

/// The text for one result (JSON results are gathered by the caller).
pub fn render(result: &TestResult, format: ReportFormat, precision: usize) -> String {
    let l = result.latency_ms();
    let rps = result.requests_per_second();
    let p = precision;
    match format {
        ReportFormat::Quiet => format!("{}: {rps:.2} requests per second, p50={:.p$} msec\n", result.title, l.p50),
        ReportFormat::Csv => format!(
            "\"{}\",\"{rps:.2}\",\"{:.3}\",\"{:.3}\",\"{:.3}\",\"{:.3}\",\"{:.3}\",\"{:.3}\",\"{:.3}\",\"{:.3}\",\"{}\"\n",
            result.title, l.avg, l.min, l.p50, l.p95, l.p99, l.max, l.p90, l.p999, result.errors
        ),
        ReportFormat::Json => json(result),
        ReportFormat::Full => {
            let mut out = format!(
                "====== {} ======\n  {} requests completed in {:.2} seconds\n  {} parallel clients, pipeline {}, {} bytes payload\n",
                result.title,
                result.requests,
                result.elapsed.as_secs_f64(),
                result.clients,
                result.pipeline,
                result.data_size,
            );
            if result.errors > 0 {
                out.push_str(&format!(
                    "  {} error replies, the first: {}\n",
                    result.errors,
                    result.first_error.as_deref().unwrap_or("")
                ));
            }
            out.push_str(&format!("\n  throughput: {rps:.2} requests per second\n"));
            out.push_str("  latency (msec):");
            let columns = [("avg", l.avg), ("min", l.min), ("p50", l.p50), ("p90", l.p90), ("p99", l.p99), ("p99.9", l.p999), ("max", l.max)];
            let width = p + 6;
            for (name, _) in columns {
                out.push_str(&format!(" {name:>width$}"));
            }
            out.push_str("\n                 ");
            for (_, value) in columns {
                out.push_str(&format!(" {value:>width$.p$}"));
            }
            out.push_str("\n\n");
            out
        }
    }
}

/// One result as a JSON object.
fn json(result: &TestResult) -> String {
    let l = result.latency_ms();
    format!(
        "{{\"test\":{},\"requests\":{},\"errors\":{},\"seconds\":{:.6},\"rps\":{:.2},\"clients\":{},\"pipeline\":{},\"data_size\":{},\
         \"latency_ms\":{{\"avg\":{:.3},\"min\":{:.3},\"p50\":{:.3},\"p90\":{:.3},\"p95\":{:.3},\"p99\":{:.3},\"p99.9\":{:.3},\"max\":{:.3}}}}}",
        json_string(&result.title),
        result.requests,
        result.errors,
        result.elapsed.as_secs_f64(),
        result.requests_per_second(),
        result.clients,
        result.pipeline,
        result.data_size,
        l.avg,
        l.min,
        l.p50,
        l.p90,
        l.p95,
        l.p99,
        l.p999,
        l.max
    )
}

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{new_histogram, render, ReportFormat, TestResult};

    fn result() -> TestResult {
        let mut latency = new_histogram();
        for us in 1..=1000u64 {
            latency.record(us * 10).unwrap(); // 10 µs .. 10 ms, evenly
        }
        TestResult {
            title: "SET".into(),
            requests: 1000,
            errors: 0,
            first_error: None,
            elapsed: Duration::from_millis(500),
            clients: 4,
            pipeline: 1,
            data_size: 3,
            latency,
        }
    }

    #[test]
    fn percentiles_and_throughput() {
        let r = result();
        assert_eq!(r.requests_per_second(), 2000.0);
        let l = r.latency_ms();
        assert!((l.p50 - 5.0).abs() < 0.01, "{l:?}");
        assert!((l.p90 - 9.0).abs() < 0.01, "{l:?}");
        assert!((l.p99 - 9.9).abs() < 0.01, "{l:?}");
        assert!((l.max - 10.0).abs() < 0.01, "{l:?}");
        assert!((l.min - 0.01).abs() < 0.001, "{l:?}");
    }

    #[test]
    fn formats() {
        let r = result();
        let quiet = render(&r, ReportFormat::Quiet, 3);
        assert!(
            quiet.starts_with("SET: 2000.00 requests per second, p50=5.0"),
            "{quiet}"
        );
        let csv = render(&r, ReportFormat::Csv, 3);
        assert!(csv.starts_with("\"SET\",\"2000.00\",\"5.0"), "{csv}");
        assert_eq!(
            csv.trim_end().split(',').count(),
            super::CSV_HEADER.split(',').count()
        );
        let json = render(&r, ReportFormat::Json, 3);
        assert!(
            json.starts_with("{\"test\":\"SET\",\"requests\":1000,\"errors\":0,"),
            "{json}"
        );
        let full = render(&r, ReportFormat::Full, 3);
        assert!(
            full.contains("throughput: 2000.00 requests per second"),
            "{full}"
        );
        assert!(full.contains("p99.9"), "{full}");
    }
}
