//! A blocking RESP3 client for asking a redis-server about its commands:
//! one call, one reply, with timeouts and a bound on the reply's size.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{bail, Context};
use bytes::{Bytes, BytesMut};
use resp_codec::{Frame, Limits};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest reply accepted (COMMAND DOCS of one command is a few KiB).
const REPLY_LEN_MAX: usize = 16 << 20;

pub struct Client {
    stream: TcpStream,
    pending: Vec<u8>,
}

impl Client {
    /// Connects to 127.0.0.1:`port` and switches to RESP3.
    pub fn connect(port: u16) -> anyhow::Result<Client> {
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let stream = TcpStream::connect_timeout(&address, CONNECT_TIMEOUT)
            .with_context(|| format!("connecting to {address}"))?;
        stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
        stream.set_write_timeout(Some(REPLY_TIMEOUT))?;
        let mut client = Client {
            stream,
            pending: Vec::new(),
        };
        client.call(&["HELLO", "3"])?;
        Ok(client)
    }

    /// Sends one command and reads its reply; an error reply is an error.
    pub fn call(&mut self, args: &[&str]) -> anyhow::Result<Frame> {
        let mut buf = BytesMut::new();
        resp_codec::encode_command(args, &mut buf);
        self.stream.write_all(&buf)?;
        let frame = self.read().with_context(|| format!("{args:?}"))?;
        if let Frame::Error(text) = &frame {
            bail!("{args:?}: {}", String::from_utf8_lossy(text));
        }
        Ok(frame)
    }

    fn read(&mut self) -> anyhow::Result<Frame> {
        loop {
            let bytes = Bytes::copy_from_slice(&self.pending);
            if let Some((frame, used)) = resp_codec::parse_frame(&bytes, &Limits::default())? {
                self.pending.drain(..used);
                return Ok(frame);
            }
            if self.pending.len() > REPLY_LEN_MAX {
                bail!("a reply larger than {REPLY_LEN_MAX} bytes");
            }
            let mut chunk = [0u8; 16384];
            match self.stream.read(&mut chunk).context("reading a reply")? {
                0 => bail!("the server closed the connection"),
                n => self.pending.extend_from_slice(&chunk[..n]),
            }
        }
    }
}
