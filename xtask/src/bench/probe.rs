//! A minimal RESP client for the harness's own questions to a server
//! (PING, FLUSHALL, INFO, DBSIZE): one command, one reply, with timeouts.
//! Only the reply kinds those commands use are read: simple strings,
//! errors, integers and bulk strings.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{bail, Context};

const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest bulk reply accepted (INFO is a few KiB).
const BULK_LEN_MAX: usize = 1 << 20;

/// A reply: `Ok(text)` for `+`, `:` and `$`, `Err` text for `-ERR ...`.
pub type Reply = Result<String, String>;

/// Sends `args` as one command to 127.0.0.1:`port` and reads the reply.
pub fn request(port: u16, args: &[&str]) -> anyhow::Result<Reply> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&address, CONNECT_TIMEOUT)
        .with_context(|| format!("connecting to {address}"))?;
    stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
    stream.set_write_timeout(Some(REPLY_TIMEOUT))?;
    stream.write_all(&encode(args))?;
    read_reply(&mut BufReader::new(stream))
}

fn encode(args: &[&str]) -> Vec<u8> {
    let mut bytes = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        bytes.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
    }
    bytes
}

fn read_reply(reader: &mut impl BufRead) -> anyhow::Result<Reply> {
    let mut line = String::new();
    reader.read_line(&mut line).context("reading a reply")?;
    let line = line.trim_end_matches(['\r', '\n']);
    let (kind, rest) = line.split_at(line.len().min(1));
    match kind {
        "+" | ":" => Ok(Ok(rest.to_owned())),
        "-" => Ok(Err(rest.to_owned())),
        "$" => {
            let len: i64 = rest.parse().context("bulk length")?;
            let Ok(len) = usize::try_from(len) else {
                return Ok(Ok(String::new()));
            };
            if len > BULK_LEN_MAX {
                bail!("bulk reply of {len} bytes is larger than expected");
            }
            let mut body = vec![0u8; len + 2];
            reader.read_exact(&mut body)?;
            body.truncate(len);
            Ok(Ok(String::from_utf8_lossy(&body).into_owned()))
        }
        "" => bail!("the server closed the connection without a reply"),
        _ => bail!("unexpected reply line {line:?}"),
    }
}

/// The value of `field` in an INFO reply (`field:value` lines).
pub fn info_field(info: &str, field: &str) -> Option<String> {
    info.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        (name == field).then(|| value.trim().to_owned())
    })
}
