//! Test support for the RDB interop tests: a redis-server on a free
//! loopback port in a directory the test owns (killed on drop), a tiny
//! synchronous RESP client, a temp dir, and snapshots of a keyspace — from
//! a live Redis over RESP or from our engine's values — to compare.
#![allow(dead_code)]

pub mod dataset;

use kv_engine::value::Value;
use kv_engine::Engine;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const SERVER: &str = "/usr/bin/redis-server";
pub const CHECK_RDB: &str = "/usr/bin/redis-check-rdb";

/// True when redis-server is installed. When it is not: a failure under
/// CI=true, else a loud skip (the caller returns).
pub fn redis_available() -> bool {
    if Path::new(SERVER).exists() && Path::new(CHECK_RDB).exists() {
        return true;
    }
    let msg =
        format!("*** {SERVER} or {CHECK_RDB} not found: this RDB interop test is SKIPPED ***");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg} (CI=true requires it)");
    }
    eprintln!("\n{msg}\n");
    false
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("rdb-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running redis-server; killed on drop (its directory is the caller's).
pub struct RedisServer {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
}

impl RedisServer {
    /// Starts redis-server in `dir` (loading `dbfilename` there if present),
    /// with `extra` options; waits until it answers PING (loading done).
    /// Free ports are only free until someone takes them (tests, and other
    /// servers on the machine, start in parallel): a start that finds
    /// another process on its port (PING answered with another
    /// `process_id`, or ours exits unable to bind) is tried again on a new
    /// one, or the test would read someone else's keys.
    pub fn start(dir: &Path, dbfilename: &str, extra: &[&str]) -> RedisServer {
        const ATTEMPTS: u32 = 5;
        for attempt in 1..=ATTEMPTS {
            if let Some(server) = RedisServer::try_start(dir, dbfilename, extra) {
                return server;
            }
            eprintln!("redis-server found its port taken (attempt {attempt} of {ATTEMPTS})");
        }
        panic!("redis-server found its port taken {ATTEMPTS} times");
    }

    fn try_start(dir: &Path, dbfilename: &str, extra: &[&str]) -> Option<RedisServer> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let log = dir.join(format!("redis-{port}.log"));
        let child = Command::new(SERVER)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--dbfilename", dbfilename])
            .arg("--dir")
            .arg(dir)
            .arg("--logfile")
            .arg(&log)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        let mut server = RedisServer { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                let log = server.log_text();
                if log.contains("Address already in use") {
                    return None;
                }
                panic!("redis-server exited ({status}) on start:\n{log}");
            }
            if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) {
                let mut client = RedisClient::from_stream(stream);
                if client.run(&["PING"]) == Frame::simple("PONG") {
                    let info = client.run(&["INFO", "server"]).bulk();
                    let pid = String::from_utf8_lossy(&info)
                        .lines()
                        .find_map(|line| line.strip_prefix("process_id:"))
                        .map(|pid| pid.trim().to_string());
                    // Someone else's otherwise (ours is killed on drop).
                    return (pid == Some(server.child.id().to_string())).then_some(server);
                }
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not start on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn client(&self) -> RedisClient {
        RedisClient::connect(self.port)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub use resp_codec::Frame;

/// Reading replies in the shapes the tests expect.
pub trait Reply {
    fn bulk(&self) -> Vec<u8>;
    fn int(&self) -> i64;
    fn items(&self) -> Vec<Frame>;
}

impl Reply for Frame {
    fn bulk(&self) -> Vec<u8> {
        match self {
            Frame::Bulk(b) | Frame::Simple(b) => b.to_vec(),
            other => panic!("expected a bulk string, got {other:?}"),
        }
    }

    fn int(&self) -> i64 {
        match self {
            Frame::Integer(n) => *n,
            other => panic!("expected an integer, got {other:?}"),
        }
    }

    fn items(&self) -> Vec<Frame> {
        match self {
            Frame::Array(items) => items.clone(),
            other => panic!("expected an array, got {other:?}"),
        }
    }
}

pub struct RedisClient {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl RedisClient {
    pub fn connect(port: u16) -> RedisClient {
        RedisClient::from_stream(
            TcpStream::connect(("127.0.0.1", port)).expect("connect redis-server"),
        )
    }

    fn from_stream(stream: TcpStream) -> RedisClient {
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        stream.set_nodelay(true).expect("nodelay");
        RedisClient {
            stream,
            buf: Vec::new(),
        }
    }

    pub fn run<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> Frame {
        self.send(argv);
        self.read()
    }

    /// Sends without reading the reply (pipelining; read with `read`).
    pub fn send<A: AsRef<[u8]>>(&mut self, argv: &[A]) {
        let mut msg = bytes::BytesMut::new();
        resp_codec::encode_command(argv, &mut msg);
        self.stream.write_all(&msg).expect("send to redis");
    }

    pub fn read(&mut self) -> Frame {
        let mut chunk = [0u8; 64 * 1024];
        loop {
            let buf = bytes::Bytes::copy_from_slice(&self.buf);
            let parsed = resp_codec::parse_frame(&buf, &resp_codec::Limits::default())
                .expect("redis sent valid RESP");
            if let Some((frame, used)) = parsed {
                self.buf.drain(..used);
                return frame;
            }
            let n = self.stream.read(&mut chunk).expect("read from redis");
            assert!(n > 0, "redis closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Runs `argv` and panics unless the reply is not an error.
    pub fn ok<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> Frame {
        let reply = self.run(argv);
        if let Frame::Error(e) = &reply {
            panic!(
                "redis refused {:?}: {}",
                argv.iter()
                    .map(|a| String::from_utf8_lossy(a.as_ref()).into_owned())
                    .collect::<Vec<_>>(),
                String::from_utf8_lossy(e)
            );
        }
        reply
    }
}

/// A value as both sides can report it, in a comparable form.
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    Str(Vec<u8>),
    List(Vec<Vec<u8>>),
    Hash(BTreeMap<Vec<u8>, Vec<u8>>),
    Set(BTreeSet<Vec<u8>>),
    /// (member, score) in rank order.
    ZSet(Vec<(Vec<u8>, f64)>),
}

/// (db, key) -> (content, absolute expiry in ms).
pub type Snapshot = BTreeMap<(usize, Vec<u8>), (Content, Option<i64>)>;

pub fn content_of(value: &Value) -> Content {
    match value {
        Value::Str(s) => Content::Str(s.to_vec()),
        Value::List(l) => Content::List(l.iter().map(<[u8]>::to_vec).collect()),
        Value::Hash(h) => Content::Hash(h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect()),
        Value::Set(s) => Content::Set(s.iter().map(|m| m.into_owned()).collect()),
        Value::ZSet(z) => Content::ZSet(z.iter().map(|(m, s)| (m.to_vec(), s)).collect()),
    }
}

/// Every key of the engine, leaving out keys expired at `now_ms`.
pub fn snapshot_of_engine(engine: &Engine, now_ms: i64) -> Snapshot {
    let mut snapshot = Snapshot::new();
    for db in 0..engine.databases() {
        for (key, value, expiry) in engine.db(db).iter() {
            if expiry.is_some_and(|at| at <= now_ms) {
                continue;
            }
            snapshot.insert((db, key.to_vec()), (content_of(value), expiry));
        }
    }
    snapshot
}

fn score(text: &[u8]) -> f64 {
    std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad score {:?}", String::from_utf8_lossy(text)))
}

/// Every key of a live Redis, read over RESP.
pub fn snapshot_of_redis(client: &mut RedisClient, databases: usize) -> Snapshot {
    let mut snapshot = Snapshot::new();
    for db in 0..databases {
        client.ok(&["SELECT".to_string(), db.to_string()]);
        let mut keys = BTreeSet::new();
        let mut cursor = b"0".to_vec();
        loop {
            let reply = client
                .ok(&[&b"SCAN"[..], &cursor, b"COUNT", b"1000"])
                .items();
            cursor = reply[0].bulk();
            keys.extend(reply[1].items().iter().map(Reply::bulk));
            if cursor == b"0" {
                break;
            }
        }
        for key in keys {
            let kind = client.ok(&[&b"TYPE"[..], &key]).bulk();
            let content = match kind.as_slice() {
                b"string" => Content::Str(client.ok(&[&b"GET"[..], &key]).bulk()),
                b"list" => Content::List(
                    client
                        .ok(&[&b"LRANGE"[..], &key, b"0", b"-1"])
                        .items()
                        .iter()
                        .map(Reply::bulk)
                        .collect(),
                ),
                b"hash" => {
                    let flat = client.ok(&[&b"HGETALL"[..], &key]).items();
                    Content::Hash(flat.chunks(2).map(|p| (p[0].bulk(), p[1].bulk())).collect())
                }
                b"set" => Content::Set(
                    client
                        .ok(&[&b"SMEMBERS"[..], &key])
                        .items()
                        .iter()
                        .map(Reply::bulk)
                        .collect(),
                ),
                b"zset" => {
                    let flat = client
                        .ok(&[&b"ZRANGE"[..], &key, b"0", b"-1", b"WITHSCORES"])
                        .items();
                    Content::ZSet(
                        flat.chunks(2)
                            .map(|p| (p[0].bulk(), score(&p[1].bulk())))
                            .collect(),
                    )
                }
                other => panic!("unexpected type {:?}", String::from_utf8_lossy(other)),
            };
            let at = client.ok(&[&b"PEXPIRETIME"[..], &key]).int();
            snapshot.insert((db, key), (content, (at >= 0).then_some(at)));
        }
    }
    client.ok(&["SELECT", "0"]);
    snapshot
}

/// Panics with the first differences when the snapshots differ.
pub fn assert_same(ours: &Snapshot, redis: &Snapshot, what: &str) {
    if ours == redis {
        return;
    }
    let mut report = Vec::new();
    for (k, v) in redis {
        match ours.get(k) {
            None => report.push(format!(
                "missing on our side: db {} {:?}",
                k.0,
                String::from_utf8_lossy(&k.1)
            )),
            Some(o) if o != v => report.push(format!(
                "differs: db {} {:?}\n  ours:  expiry {:?}, {:.300}\n  redis: expiry {:?}, {:.300}",
                k.0,
                String::from_utf8_lossy(&k.1),
                o.1,
                format!("{:?}", o.0),
                v.1,
                format!("{:?}", v.0)
            )),
            _ => {}
        }
    }
    for k in ours.keys().filter(|k| !redis.contains_key(*k)) {
        report.push(format!(
            "only on our side: db {} {:?}",
            k.0,
            String::from_utf8_lossy(&k.1)
        ));
    }
    report.truncate(20);
    panic!(
        "{what}: {} keys ours, {} redis\n{}",
        ours.len(),
        redis.len(),
        report.join("\n")
    );
}

/// A small seeded generator (xorshift64*), so data sets replay exactly.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}
