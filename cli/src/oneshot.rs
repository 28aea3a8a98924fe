//! One-shot mode: `redis-rust-cli SET a b` runs the command given on the
//! command line (`-r` times, `-i` apart), prints each reply and exits;
//! SUBSCRIBE and MONITOR stream until interrupted.

use std::io::{self, Read, Write};

use resp_codec::Frame;

use crate::args::Settings;
use crate::commands::{streaming, Streaming};
use crate::connection::{Connection, ReadError};
use crate::exit::ExitStatus;
use crate::printer::{Printed, Printer, NOAUTH_HINT};
use crate::session::{self, read_reply, HandshakeFailure};

pub async fn run(settings: &Settings, printer: &Printer, mut command: Vec<Vec<u8>>) -> ExitStatus {
    if let Err(error) = read_stdin_argument(settings, &mut command) {
        eprintln!("Error reading stdin: {error}");
        return ExitStatus::Failure;
    }
    let opened = match session::open_reported(&settings.connection).await {
        Ok(opened) => opened,
        Err(error) => {
            eprintln!("{error}");
            return ExitStatus::Failure;
        }
    };
    // After a refused AUTH, a NOAUTH reply needs no further hint.
    let auth_refused = opened
        .failures
        .iter()
        .any(|failure| matches!(failure, HandshakeFailure::Auth(_)));
    let mut connection = opened.connection;
    match repeat(settings, printer, &mut connection, &command, auth_refused).await {
        Ok(status) => status,
        Err(error) => {
            eprintln!("Error: {error}");
            ExitStatus::Failure
        }
    }
}

/// `-x` appends stdin as the last argument; `-X TAG` puts it where TAG is.
fn read_stdin_argument(settings: &Settings, command: &mut Vec<Vec<u8>>) -> io::Result<()> {
    if !settings.stdin_last_arg && settings.stdin_tag.is_none() {
        return Ok(());
    }
    let mut input = Vec::new();
    io::stdin().lock().read_to_end(&mut input)?;
    match &settings.stdin_tag {
        Some(tag) => {
            if let Some(arg) = command.iter_mut().find(|arg| *arg == tag) {
                *arg = input;
            }
        }
        None => command.push(input),
    }
    Ok(())
}

async fn repeat(
    settings: &Settings,
    printer: &Printer,
    connection: &mut Connection,
    command: &[Vec<u8>],
    auth_refused: bool,
) -> Result<ExitStatus, ReadError> {
    let mut status = ExitStatus::Success;
    let mut remaining = settings.repeat;
    while remaining != 0 {
        remaining = remaining.saturating_sub(1).max(-1);
        connection.queue(command);
        connection.flush().await?;
        if let Some(kind) = streaming(command) {
            return stream(printer, connection, command, kind).await;
        }
        let frame = read_reply(connection, command, |push| {
            let _ = printer.push(&mut io::stdout().lock(), push);
        })
        .await?;
        match print(printer, command, &frame) {
            Printed::Value => {}
            Printed::Error if settings.exit_on_error => status = ExitStatus::Failure,
            Printed::Error => {}
            Printed::NoAuth => {
                if !auth_refused {
                    eprintln!("{NOAUTH_HINT}");
                }
                status = ExitStatus::Failure;
            }
        }
        if let Some(interval) = settings.interval {
            tokio::time::sleep(interval).await;
        }
    }
    Ok(status)
}

fn print(printer: &Printer, command: &[Vec<u8>], frame: &Frame) -> Printed {
    let stdout = &mut io::stdout().lock();
    let stderr = &mut io::stderr().lock();
    // A closed stdout (`| head`) ends the output, not the run's verdict.
    printer
        .reply(stdout, stderr, command, frame)
        .unwrap_or(Printed::Value)
}

/// SUBSCRIBE and MONITOR: print everything the server sends, until the
/// connection ends (Ctrl-C ends the process, as with redis-cli).
async fn stream(
    printer: &Printer,
    connection: &mut Connection,
    command: &[Vec<u8>],
    kind: Streaming,
) -> Result<ExitStatus, ReadError> {
    if kind == Streaming::Subscribe && printer.output.mode == crate::format::OutputMode::Standard {
        let mut stdout = io::stdout().lock();
        let _ = writeln!(stdout, "Reading messages... (press Ctrl-C to quit)");
    }
    loop {
        let frame = connection.read_frame().await?;
        print(printer, command, &frame);
    }
}
