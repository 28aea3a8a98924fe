//! One connection to a server: TCP or a unix socket, commands out as RESP
//! arrays, frames in through resp-codec's resumable parser.
//!
//! Writes are queued and flushed together, so a caller that queues many
//! commands (a pipeline, `--pipe`, the load generator) sends them with one
//! write. Connecting has a timeout; reads do not, because a reply may
//! rightly take forever (`BLPOP k 0`, `SUBSCRIBE`).

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use bytes::BytesMut;
use resp_codec::{encode_command, Frame, FrameParser, Limits, ProtocolError};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};

/// How long connecting may take before it counts as failed.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Bytes asked of the socket per read.
const READ_CHUNK: usize = 64 * 1024;

/// Where a server listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Tcp { host: String, port: u16 },
    Unix(PathBuf),
}

impl fmt::Display for Target {
    /// As redis-cli names a server in messages and prompts: `host:port`
    /// (`[v6]:port`), or the socket path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            Target::Tcp { host, port } => write!(f, "{host}:{port}"),
            Target::Unix(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Connecting failed; `Display` is redis-cli's line for it.
#[derive(Debug, thiserror::Error)]
#[error("Could not connect to Redis at {target}: {reason}")]
pub struct ConnectError {
    pub target: Target,
    pub reason: String,
}

/// Reading a reply failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("Server closed the connection")]
    Closed,
    #[error("Protocol error: {}", protocol_detail(.0))]
    Protocol(ProtocolError),
    #[error("{}", io_reason(.0))]
    Io(#[from] io::Error),
}

impl ReadError {
    /// Whether the connection is gone (so reconnecting may help), as
    /// opposed to the server having sent something unreadable.
    pub fn is_disconnect(&self) -> bool {
        match self {
            ReadError::Closed => true,
            ReadError::Io(_) => true,
            ReadError::Protocol(_) => false,
        }
    }
}

type Reader = Box<dyn AsyncRead + Unpin + Send>;
type Writer = Box<dyn AsyncWrite + Unpin + Send>;

/// A connected socket: its reading half parses frames, its writing half
/// sends what was queued.
pub struct Connection {
    target: Target,
    reader: FrameReader,
    writer: FrameWriter,
}

/// The reading half: bytes from the socket into frames.
pub struct FrameReader {
    socket: Reader,
    parser: FrameParser,
    buf: BytesMut,
}

/// The writing half: commands queued, then flushed with one write.
pub struct FrameWriter {
    socket: Writer,
    buf: BytesMut,
}

impl Connection {
    pub async fn connect(target: &Target) -> Result<Connection, ConnectError> {
        let failed = |reason: String| ConnectError {
            target: target.clone(),
            reason,
        };
        let connecting = async {
            let halves: (Reader, Writer) = match target {
                Target::Tcp { host, port } => {
                    let stream = TcpStream::connect((host.as_str(), *port)).await?;
                    stream.set_nodelay(true)?;
                    let (read, write) = stream.into_split();
                    (Box::new(read), Box::new(write))
                }
                Target::Unix(path) => {
                    let (read, write) = UnixStream::connect(path).await?.into_split();
                    (Box::new(read), Box::new(write))
                }
            };
            Ok::<_, io::Error>(halves)
        };
        let (read, write) = match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
            Err(_elapsed) => return Err(failed("Connection timed out".to_string())),
            Ok(Err(error)) => return Err(failed(io_reason(&error))),
            Ok(Ok(halves)) => halves,
        };
        Ok(Connection {
            target: target.clone(),
            reader: FrameReader {
                socket: read,
                parser: FrameParser::new(Limits::default()),
                buf: BytesMut::with_capacity(READ_CHUNK),
            },
            writer: FrameWriter {
                socket: write,
                buf: BytesMut::new(),
            },
        })
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Queues a command; nothing is sent before [`Connection::flush`].
    pub fn queue<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        self.writer.queue(args);
    }

    /// Queues bytes as they are (already RESP, or inline commands).
    pub fn queue_raw(&mut self, bytes: &[u8]) {
        self.writer.queue_raw(bytes);
    }

    /// Sends everything queued, with one write where the socket takes it.
    pub async fn flush(&mut self) -> io::Result<()> {
        self.writer.flush().await
    }

    /// The next reply (or push message) from the server.
    pub async fn read_frame(&mut self) -> Result<Frame, ReadError> {
        self.reader.read_frame().await
    }

    /// Sends one command and reads its reply.
    pub async fn request<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Frame, ReadError> {
        self.queue(args);
        self.flush().await?;
        self.read_frame().await
    }

    /// The two halves, to read and write at the same time.
    pub fn into_split(self) -> (FrameReader, FrameWriter) {
        (self.reader, self.writer)
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl FrameReader {
    /// The next frame, reading the socket as needed; EOF is `Closed`.
    pub async fn read_frame(&mut self) -> Result<Frame, ReadError> {
        loop {
            if let Some(frame) = self
                .parser
                .decode(&mut self.buf)
                .map_err(ReadError::Protocol)?
            {
                return Ok(frame);
            }
            self.buf.reserve(READ_CHUNK);
            if self.socket.read_buf(&mut self.buf).await? == 0 {
                return Err(ReadError::Closed);
            }
        }
    }
}

impl FrameWriter {
    /// Queues a command as a RESP array of bulk strings.
    pub fn queue<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        encode_command(args, &mut self.buf);
    }

    /// Queues bytes as they are (already RESP, or inline commands).
    pub fn queue_raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    pub async fn flush(&mut self) -> io::Result<()> {
        self.socket.write_all(&self.buf).await?;
        self.buf.clear();
        self.socket.flush().await
    }
}

/// An I/O error as a person reads it: the OS's words without Rust's
/// "(os error N)" or the resolver's preamble.
pub fn io_reason(error: &io::Error) -> String {
    let text = error.to_string();
    let text = text
        .strip_prefix("failed to lookup address information: ")
        .unwrap_or(&text);
    match text.find(" (os error") {
        Some(end) => text[..end].to_string(),
        None => text.to_string(),
    }
}

/// The parser's error without the "ERR Protocol error: " of a server reply.
fn protocol_detail(error: &ProtocolError) -> String {
    let text = error.to_string();
    text.strip_prefix("ERR Protocol error: ")
        .unwrap_or(&text)
        .to_string()
}
