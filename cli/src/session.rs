//! A connection made ready for commands, as redis-cli prepares one: AUTH
//! with the password (and user), SELECT the database, HELLO 3 for RESP3.
//!
//! A failing step does not close the connection: like redis-cli, the
//! failure is reported and the commands still run (a server without a
//! password refuses AUTH, yet serves them).

use bytes::Bytes;
use resp_codec::{Frame, Protocol};

use crate::args::ConnectionConfig;
use crate::commands::replies_with_push;
use crate::connection::{ConnectError, Connection, ReadError, Target};

/// A step of the handshake that the server refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeFailure {
    #[error("AUTH failed: {}", String::from_utf8_lossy(.0))]
    Auth(Bytes),
    #[error("SELECT {db} failed: {}", String::from_utf8_lossy(.error))]
    Select { db: i64, error: Bytes },
    #[error("HELLO 3 failed: {}", String::from_utf8_lossy(.0))]
    Hello(Bytes),
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("Error: {0}")]
    Read(#[from] ReadError),
}

/// What is true of a connection once the handshake is over.
#[derive(Debug)]
pub struct Opened {
    pub connection: Connection,
    /// The database now selected (0 when SELECT failed).
    pub db: i64,
    /// The protocol the server now speaks.
    pub protocol: Protocol,
    pub failures: Vec<HandshakeFailure>,
}

/// Where `config` points.
pub fn target_of(config: &ConnectionConfig) -> Target {
    match &config.socket {
        Some(path) => Target::Unix(path.clone()),
        None => Target::Tcp {
            host: config.host.clone(),
            port: config.port,
        },
    }
}

/// Connects and runs the handshake for database `db` and `protocol`
/// (which may differ from `config`'s after SELECT or HELLO at the prompt).
pub async fn open(
    config: &ConnectionConfig,
    db: i64,
    protocol: Protocol,
) -> Result<Opened, OpenError> {
    let mut connection = Connection::connect(&target_of(config)).await?;
    let mut failures = Vec::new();
    if let Some(password) = &config.password {
        let reply = match &config.user {
            Some(user) => connection.request(&[&b"AUTH"[..], user, password]).await?,
            None => connection.request(&[&b"AUTH"[..], password]).await?,
        };
        if let Frame::Error(text) = reply {
            failures.push(HandshakeFailure::Auth(text));
        }
    }
    let mut selected = 0;
    if db != 0 {
        match connection.request(&["SELECT", &db.to_string()]).await? {
            Frame::Error(error) => failures.push(HandshakeFailure::Select { db, error }),
            _ => selected = db,
        }
    }
    let mut spoken = Protocol::Resp2;
    if protocol == Protocol::Resp3 {
        match connection.request(&["HELLO", "3"]).await? {
            Frame::Error(text) => failures.push(HandshakeFailure::Hello(text)),
            _ => spoken = Protocol::Resp3,
        }
    }
    Ok(Opened {
        connection,
        db: selected,
        protocol: spoken,
        failures,
    })
}

/// Opens the connection a run mode works on with `config`'s database and
/// protocol, printing the handshake's failures on stderr (the connection
/// stays usable, as with redis-cli).
pub async fn open_reported(config: &ConnectionConfig) -> Result<Opened, OpenError> {
    let opened = open(config, config.db, config.protocol).await?;
    for failure in &opened.failures {
        eprintln!("{failure}");
    }
    Ok(opened)
}

/// Reads the reply to `command`, handing the push messages that arrive
/// before it (client-side caching invalidations, ...) to `on_push`.
pub async fn read_reply(
    connection: &mut Connection,
    command: &[Vec<u8>],
    mut on_push: impl FnMut(&Frame),
) -> Result<Frame, ReadError> {
    loop {
        let frame = connection.read_frame().await?;
        match frame {
            Frame::Push(_) if !replies_with_push(command) => on_push(&frame),
            frame => return Ok(frame),
        }
    }
}
