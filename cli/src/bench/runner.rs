//! Running one test: `-c` connections opened first, then each one keeps a
//! request (or a `-P` pipeline, written with one write) in flight until
//! `-n` requests have been claimed. Every connection is its own tokio task
//! with its own histogram, merged at the end; the caller's task meanwhile
//! draws the live progress.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use resp_codec::Frame;
use tokio::task::JoinHandle;

use super::args::BenchConfig;
use super::report::{new_histogram, TestResult};
use super::workload::{Template, Test};
use crate::connection::{Connection, ReadError};
use crate::session::{self, OpenError};

/// How often the progress line is redrawn.
const PROGRESS_TICK: Duration = Duration::from_millis(250);

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{0}")]
    Open(#[from] OpenError),
    #[error("{0}")]
    Handshake(String),
    #[error("Error: {0}")]
    Read(#[from] ReadError),
    #[error("Error: a client task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("Unknown test name: '{0}'")]
    UnknownTest(String),
}

/// The requests of a test, handed out to the clients.
struct Budget {
    total: u64,
    claimed: AtomicU64,
    completed: AtomicU64,
}

impl Budget {
    /// Up to `batch` requests for one client; 0 when all are taken.
    fn claim(&self, batch: u64) -> u64 {
        let before = self.claimed.fetch_add(batch, Ordering::Relaxed);
        self.total.saturating_sub(before).min(batch)
    }
}

/// What one client saw.
struct ClientTally {
    latency: Histogram<u64>,
    errors: u64,
    first_error: Option<String>,
    finished: Instant,
}

/// Whether and how progress is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    Shown,
    Hidden,
}

pub async fn run_test(
    config: &BenchConfig,
    test: &Test,
    progress: Progress,
) -> Result<TestResult, BenchError> {
    let mut connections = Vec::with_capacity(config.clients);
    for _ in 0..config.clients {
        let opened = session::open(
            &config.connection,
            config.connection.db,
            config.connection.protocol,
        )
        .await?;
        if let Some(failure) = opened.failures.first() {
            return Err(BenchError::Handshake(failure.to_string()));
        }
        connections.push(opened.connection);
    }
    let budget = Arc::new(Budget {
        total: config.requests,
        claimed: AtomicU64::new(0),
        completed: AtomicU64::new(0),
    });
    let template = Arc::new(test.command.clone());
    let keyspace = config.keyspace.unwrap_or(1);
    let bar = progress_bar(test, config.requests, progress);
    let start = Instant::now();
    let handles: Vec<JoinHandle<Result<ClientTally, ReadError>>> = connections
        .into_iter()
        .enumerate()
        .map(|(i, connection)| {
            let client = Client {
                connection,
                template: Arc::clone(&template),
                budget: Arc::clone(&budget),
                pipeline: config.pipeline as u64,
                keyspace,
                rng: SmallRng::seed_from_u64(start.elapsed().as_nanos() as u64 ^ (i as u64) << 32),
            };
            tokio::spawn(client.run())
        })
        .collect();
    let mut last = (Instant::now(), 0u64);
    while !handles.iter().all(JoinHandle::is_finished) {
        tokio::time::sleep(PROGRESS_TICK).await;
        let done = budget.completed.load(Ordering::Relaxed);
        let now = Instant::now();
        let recent = (done - last.1) as f64 / now.duration_since(last.0).as_secs_f64();
        let overall = done as f64 / start.elapsed().as_secs_f64();
        bar.set_position(done);
        bar.set_message(format!(
            "{}: rps={recent:.1} (overall: {overall:.1})",
            test.title
        ));
        last = (now, done);
    }
    bar.finish_and_clear();
    let mut latency = new_histogram();
    let (mut errors, mut first_error, mut finished) = (0, None, start);
    for handle in handles {
        let tally = handle.await??;
        latency
            .add(&tally.latency)
            .expect("histograms share their bounds");
        errors += tally.errors;
        first_error = first_error.or(tally.first_error);
        finished = finished.max(tally.finished);
    }
    assert_eq!(
        latency.len(),
        config.requests,
        "every request has one latency"
    );
    Ok(TestResult {
        title: test.title.clone(),
        requests: config.requests,
        errors,
        first_error,
        elapsed: finished.duration_since(start),
        clients: config.clients,
        pipeline: config.pipeline,
        data_size: config.data_size,
        latency,
    })
}

fn progress_bar(test: &Test, requests: u64, progress: Progress) -> ProgressBar {
    let bar = ProgressBar::new(requests);
    if progress == Progress::Hidden {
        bar.set_draw_target(ProgressDrawTarget::hidden());
        return bar;
    }
    let style = ProgressStyle::with_template("{msg:<60} [{bar:25}] {percent:>3}%")
        .expect("valid progress template")
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(test.title.clone());
    bar
}

/// One connection's share of the test.
struct Client {
    connection: Connection,
    template: Arc<Template>,
    budget: Arc<Budget>,
    pipeline: u64,
    keyspace: u64,
    rng: SmallRng,
}

impl Client {
    async fn run(mut self) -> Result<ClientTally, ReadError> {
        let mut tally = ClientTally {
            latency: new_histogram(),
            errors: 0,
            first_error: None,
            finished: Instant::now(),
        };
        let mut batch = BytesMut::new();
        loop {
            let n = self.budget.claim(self.pipeline);
            if n == 0 {
                break;
            }
            batch.clear();
            for _ in 0..n {
                self.template
                    .write(&mut batch, &mut self.rng, self.keyspace);
            }
            self.connection.queue_raw(&batch);
            let sent = Instant::now();
            self.connection.flush().await?;
            for _ in 0..n {
                let reply = self.connection.read_frame().await?;
                let micros = sent.elapsed().as_micros().max(1) as u64;
                tally.latency.saturating_record(micros);
                if let Frame::Error(text) = reply {
                    tally.errors += 1;
                    tally
                        .first_error
                        .get_or_insert_with(|| String::from_utf8_lossy(&text).into_owned());
                }
            }
            self.budget.completed.fetch_add(n, Ordering::Relaxed);
        }
        tally.finished = Instant::now();
        Ok(tally)
    }
}
