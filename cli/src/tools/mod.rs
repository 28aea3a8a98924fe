//! The tools redis-cli offers besides commands, one file each:
//! [`scan`] (`--scan`), [`bigkeys`] (`--bigkeys`, `--memkeys`),
//! [`latency`] (`--latency`, `--latency-history`), [`stat`] (`--stat`)
//! and [`rdb`] (`--rdb`).

pub mod bigkeys;
pub mod latency;
pub mod rdb;
pub mod scan;
pub mod stat;

use resp_codec::Frame;

use crate::args::Settings;
use crate::connection::{Connection, ReadError};
use crate::session;

/// Why a tool stopped.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("{0}")]
    Open(#[from] session::OpenError),
    #[error("Error: {0}")]
    Read(#[from] ReadError),
    #[error("{0}")]
    Reply(String),
}

/// A connection ready for the tool (handshake failures reported).
pub async fn connect(settings: &Settings) -> Result<Connection, ToolError> {
    Ok(session::open_reported(&settings.connection)
        .await?
        .connection)
}

/// Sends a command; an error reply becomes a `ToolError` naming it.
pub async fn request<A: AsRef<[u8]>>(
    connection: &mut Connection,
    args: &[A],
) -> Result<Frame, ToolError> {
    match connection.request(args).await? {
        Frame::Error(text) => {
            let name = String::from_utf8_lossy(args[0].as_ref()).to_uppercase();
            Err(ToolError::Reply(format!(
                "{name} failed: {}",
                String::from_utf8_lossy(&text)
            )))
        }
        reply => Ok(reply),
    }
}

/// One page of SCAN: the next cursor and the keys.
pub async fn scan_page(
    connection: &mut Connection,
    cursor: &[u8],
    pattern: Option<&[u8]>,
) -> Result<(Vec<u8>, Vec<Vec<u8>>), ToolError> {
    let mut args: Vec<&[u8]> = vec![b"SCAN", cursor];
    if let Some(pattern) = pattern {
        args.extend_from_slice(&[b"MATCH", pattern]);
    }
    let reply = request(connection, &args).await?;
    let malformed =
        || ToolError::Reply("SCAN replied with something that is not [cursor, keys]".into());
    let Frame::Array(parts) = reply else {
        return Err(malformed());
    };
    let [Frame::Bulk(next), Frame::Array(keys)] = parts.as_slice() else {
        return Err(malformed());
    };
    let keys = keys
        .iter()
        .filter_map(|key| key.as_bytes().map(|bytes| bytes.to_vec()))
        .collect();
    Ok((next.to_vec(), keys))
}

/// The value of `field` in an INFO reply (`field:value` lines).
pub fn info_field<'a>(info: &'a str, field: &str) -> Option<&'a str> {
    info.lines().find_map(|line| {
        line.strip_prefix(field)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(str::trim_end)
    })
}

/// INFO's text, from a bulk or verbatim reply.
pub fn info_text(reply: &Frame) -> String {
    reply
        .as_bytes()
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::info_field;

    #[test]
    fn info_fields_are_found_by_whole_name() {
        let info =
            "# Clients\r\nconnected_clients:3\r\nblocked_clients:0\r\ndb0:keys=5,expires=0\r\n";
        assert_eq!(info_field(info, "connected_clients"), Some("3"));
        assert_eq!(info_field(info, "blocked_clients"), Some("0"));
        assert_eq!(info_field(info, "clients"), None);
        assert_eq!(info_field(info, "db0"), Some("keys=5,expires=0"));
    }
}
