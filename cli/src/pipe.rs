//! `--pipe`: mass insertion. Stdin (raw RESP, or inline commands) is
//! streamed to the server while its replies are read and counted; once
//! stdin ends, an `ECHO <random marker>` follows, and its echo tells that
//! every earlier reply has arrived, as redis-cli does it.

use std::cell::Cell;
use std::io::Write;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use resp_codec::Frame;
use tokio::io::AsyncReadExt;

use crate::args::Settings;
use crate::connection::{FrameReader, FrameWriter, ReadError};
use crate::exit::ExitStatus;
use crate::session;

/// Bytes of stdin sent per write.
const CHUNK: usize = 64 * 1024;
/// Characters of the end marker.
const MARKER_LEN: usize = 20;

#[derive(Debug, thiserror::Error)]
enum PipeError {
    #[error("Error reading stdin: {0}")]
    Stdin(std::io::Error),
    #[error("Error writing to the server: {}", crate::connection::io_reason(.0))]
    Write(std::io::Error),
    #[error("Error reading from the server: {0}")]
    Read(#[from] ReadError),
    #[error("No replies for {} seconds: exiting.", .0.as_secs())]
    Timeout(Duration),
}

/// What came back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub replies: u64,
    pub errors: u64,
}

pub async fn run(settings: &Settings, timeout: Option<Duration>) -> ExitStatus {
    let opened = match session::open_reported(&settings.connection).await {
        Ok(opened) => opened,
        Err(error) => {
            eprintln!("{error}");
            return ExitStatus::Failure;
        }
    };
    let (reader, writer) = opened.connection.into_split();
    let marker = random_marker();
    let sent = Cell::new(false);
    let result = tokio::try_join!(
        send(writer, &marker, &sent),
        receive(reader, &marker, &sent, timeout)
    );
    match result {
        Ok(((), tally)) => {
            println!("Last reply received from server.");
            println!("errors: {}, replies: {}", tally.errors, tally.replies);
            if tally.errors > 0 {
                ExitStatus::Failure
            } else {
                ExitStatus::Success
            }
        }
        Err(error) => {
            eprintln!("{error}");
            ExitStatus::Failure
        }
    }
}

/// Streams stdin, then the marker.
async fn send(mut writer: FrameWriter, marker: &[u8], sent: &Cell<bool>) -> Result<(), PipeError> {
    let mut stdin = tokio::io::stdin();
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = stdin.read(&mut chunk).await.map_err(PipeError::Stdin)?;
        if n == 0 {
            break;
        }
        writer.queue_raw(&chunk[..n]);
        writer.flush().await.map_err(PipeError::Write)?;
    }
    writer.queue(&[&b"ECHO"[..], marker]);
    writer.flush().await.map_err(PipeError::Write)?;
    println!("All data transferred. Waiting for the last reply...");
    let _ = std::io::stdout().flush();
    sent.set(true);
    Ok(())
}

/// Counts replies until the marker comes back; errors are printed. Once
/// everything is sent, a silence longer than `timeout` gives up.
async fn receive(
    mut reader: FrameReader,
    marker: &[u8],
    sent: &Cell<bool>,
    timeout: Option<Duration>,
) -> Result<Tally, PipeError> {
    let mut tally = Tally::default();
    loop {
        let frame = match timeout {
            None => reader.read_frame().await?,
            Some(limit) => match tokio::time::timeout(limit, reader.read_frame()).await {
                Ok(frame) => frame?,
                // Still sending: silence is the server working.
                Err(_elapsed) if !sent.get() => continue,
                Err(_elapsed) => return Err(PipeError::Timeout(limit)),
            },
        };
        match frame {
            Frame::Bulk(echo) if sent.get() && echo == marker => return Ok(tally),
            Frame::Error(text) => {
                tally.errors += 1;
                tally.replies += 1;
                eprintln!("{}", String::from_utf8_lossy(&text));
            }
            _ => tally.replies += 1,
        }
    }
}

fn random_marker() -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut rng = SmallRng::from_entropy();
    (0..MARKER_LEN).map(|_| HEX[rng.gen_range(0..16)]).collect()
}
