//! Loads exactly N keys for a benchmark, named as `redis-benchmark -r N`
//! names them (`key:` and 12 digits, 0 to N-1), so a load run afterwards
//! with the same `-r` overwrites them and the key count stays N. Plain SETs
//! pipelined over a few connections: both servers take them the same way.
//! DEBUG POPULATE (Redis's, and ours as Redis 7.0's) names its keys
//! `key:N`, not redis-benchmark's 12 digits, so the load would add keys
//! beside them; and random `-r` SETs reach only about 1 - 1/e of the
//! keyspace per N writes.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::ops::Range;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// Connections loading at once (each a range of the keys).
const CONNECTIONS: u64 = 4;
/// SETs written before their replies are read.
const BATCH: u64 = 1000;
/// The longest a batch's replies may take.
const REPLY_TIMEOUT: Duration = Duration::from_secs(60);
/// The value of every key (redis-benchmark's `-d 10`).
const VALUE: &str = "xxxxxxxxxx";

/// SETs keys 0 to `n_keys - 1` on 127.0.0.1:`port`; fails if any reply is
/// not `+OK` or it takes longer than `timeout`.
pub fn load(port: u16, n_keys: u64, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    let loaders: Vec<_> = (0..CONNECTIONS)
        .map(|c| {
            let keys = n_keys * c / CONNECTIONS..n_keys * (c + 1) / CONNECTIONS;
            std::thread::spawn(move || load_range(port, keys, deadline))
        })
        .collect();
    for loader in loaders {
        match loader.join() {
            Ok(result) => result?,
            Err(_) => bail!("a loader thread panicked"),
        }
    }
    Ok(())
}

fn load_range(port: u16, keys: Range<u64>, deadline: Instant) -> anyhow::Result<()> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let stream = TcpStream::connect_timeout(&address, Duration::from_secs(1))
        .with_context(|| format!("connecting the loader to {address}"))?;
    stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
    stream.set_write_timeout(Some(REPLY_TIMEOUT))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::with_capacity(1 << 16, stream);
    let mut batch = Vec::with_capacity(BATCH as usize * 48);
    let mut line = Vec::new();
    let mut at = keys.start;
    while at < keys.end {
        if Instant::now() > deadline {
            bail!("loading key {at} of {keys:?}: out of time");
        }
        let end = (at + BATCH).min(keys.end);
        batch.clear();
        encode_sets(&mut batch, at..end);
        writer.write_all(&batch).context("writing SETs")?;
        for key in at..end {
            line.clear();
            reader
                .read_until(b'\n', &mut line)
                .with_context(|| format!("the reply to SET key {key}"))?;
            if line != b"+OK\r\n" {
                bail!("SET key {key} got {:?}", String::from_utf8_lossy(&line));
            }
        }
        at = end;
    }
    Ok(())
}

/// `SET key:<12 digits> VALUE` for each key of `keys`, in RESP.
fn encode_sets(out: &mut Vec<u8>, keys: Range<u64>) {
    for key in keys {
        let name = format!("key:{key:012}");
        let _ = write!(
            out,
            "*3\r\n$3\r\nSET\r\n${}\r\n{name}\r\n${}\r\n{VALUE}\r\n",
            name.len(),
            VALUE.len()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::io::Read;
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};

    /// A server that answers each SET with `reply` and records the keys.
    fn fake_server(reply: &'static [u8]) -> (u16, Arc<Mutex<Vec<u64>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let keys = Arc::new(Mutex::new(Vec::new()));
        let seen = keys.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let seen = seen.clone();
                std::thread::spawn(move || {
                    let mut one = Vec::new();
                    encode_sets(&mut one, 0..1);
                    let mut command = vec![0u8; one.len()];
                    while stream.read_exact(&mut command).is_ok() {
                        let text = String::from_utf8_lossy(&command).into_owned();
                        let digits = &text[text.find("key:").unwrap() + 4..][..12];
                        seen.lock().unwrap().push(digits.parse().unwrap());
                        if stream.write_all(reply).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (port, keys)
    }

    #[test]
    fn every_key_is_set_once() {
        let (port, keys) = fake_server(b"+OK\r\n");
        load(port, 10_007, Duration::from_secs(60)).unwrap();
        let keys = keys.lock().unwrap();
        assert_eq!(keys.len(), 10_007);
        let distinct: BTreeSet<u64> = keys.iter().copied().collect();
        assert_eq!(distinct, (0..10_007).collect());
    }

    #[test]
    fn a_refused_set_fails_the_load() {
        let (port, _) = fake_server(b"-OOM command not allowed\r\n");
        let error = load(port, 10, Duration::from_secs(60)).unwrap_err();
        assert!(error.to_string().contains("OOM"), "{error}");
    }

    #[test]
    fn keys_are_named_as_redis_benchmark_names_them() {
        let mut out = Vec::new();
        encode_sets(&mut out, 7..9);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000007\r\n$10\r\nxxxxxxxxxx\r\n\
             *3\r\n$3\r\nSET\r\n$16\r\nkey:000000000008\r\n$10\r\nxxxxxxxxxx\r\n"
        );
    }
}
