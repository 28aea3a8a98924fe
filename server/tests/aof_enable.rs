//! CONFIG SET appendonly yes checks the AOF directory (a mkdir and a
//! file created) off the engine lock: a hung disk must not stall every
//! client. In process, on the simulated disk behind a storage that
//! counts the calls made while the engine lock is held.

mod support;

use persistence::storage::sim::{Fault, SimStorage};
use persistence::{Storage, StorageError, StorageFile};
use server::clock::ServerClock;
use server::config::{load, Config};
use server::shared::Shared;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;
use support::Client;

/// The simulated disk, counting directory and file creations, and those
/// made while the engine lock is held (the runtime has one thread, so a
/// lock taken is one this call runs under).
struct LockWatch {
    disk: SimStorage,
    shared: OnceLock<Weak<Shared>>,
    creates: AtomicU64,
    under_lock: AtomicU64,
}

impl LockWatch {
    fn note(&self) {
        self.creates.fetch_add(1, Ordering::Relaxed);
        let held = self
            .shared
            .get()
            .and_then(Weak::upgrade)
            .is_some_and(|shared| shared.core.try_lock().is_none());
        if held {
            self.under_lock.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Storage for LockWatch {
    fn create(&self, path: &Path) -> Result<Arc<dyn StorageFile>, StorageError> {
        self.note();
        self.disk.create(path)
    }
    fn open_append(&self, path: &Path) -> Result<Arc<dyn StorageFile>, StorageError> {
        self.disk.open_append(path)
    }
    fn read(&self, path: &Path) -> Result<Vec<u8>, StorageError> {
        self.disk.read(path)
    }
    fn len(&self, path: &Path) -> Result<u64, StorageError> {
        self.disk.len(path)
    }
    fn truncate(&self, path: &Path, len: u64) -> Result<(), StorageError> {
        self.disk.truncate(path, len)
    }
    fn rename(&self, from: &Path, to: &Path) -> Result<(), StorageError> {
        self.disk.rename(from, to)
    }
    fn remove(&self, path: &Path) -> Result<(), StorageError> {
        self.disk.remove(path)
    }
    fn list_dir(&self, dir: &Path) -> Result<Vec<String>, StorageError> {
        self.disk.list_dir(dir)
    }
    fn create_dir_all(&self, dir: &Path) -> Result<(), StorageError> {
        self.note();
        self.disk.create_dir_all(dir)
    }
    fn sync_dir(&self, dir: &Path) -> Result<(), StorageError> {
        self.disk.sync_dir(dir)
    }
    fn is_inline(&self) -> bool {
        self.disk.is_inline()
    }
    fn delay(&self) -> Option<Duration> {
        self.disk.delay()
    }
}

/// A server with the AOF off on the watched disk, `/data` created.
async fn start() -> (Arc<Shared>, Arc<LockWatch>) {
    let disk = SimStorage::new(3);
    disk.create_dir_all(Path::new("/data")).unwrap();
    let watch = Arc::new(LockWatch {
        disk,
        shared: OnceLock::new(),
        creates: AtomicU64::new(0),
        under_lock: AtomicU64::new(0),
    });
    let mut config = Config::defaults();
    load::load_text(&mut config, "dir /data\nappendonly no\nsave \"\"\n").unwrap();
    let clock = Arc::new(ServerClock::simulated(1_700_000_000_000_000));
    let shared = server::sim::start(config, clock, 3, watch.clone())
        .await
        .unwrap();
    watch.shared.set(Arc::downgrade(&shared)).unwrap();
    (shared, watch)
}

/// CONFIG GET `name`'s value.
async fn config_get(client: &mut Client, name: &str) -> String {
    let reply = client.call(&["CONFIG", "GET", name]).await;
    reply
        .lines()
        .nth(4)
        .expect("a name and a value")
        .to_string()
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_directory_is_checked_off_the_engine_lock_and_others_are_served_meanwhile() {
    let (shared, watch) = start().await;
    let mut a = Client::direct(&shared);
    let mut b = Client::direct(&shared);
    assert_eq!(a.call(&["SET", "k", "1"]).await, "+OK\r\n");
    // The check's disk call takes a minute.
    let disk = &watch.disk;
    disk.set_slow_latency(Duration::from_secs(60));
    disk.fail_next(Fault::SlowDisk);
    let started = tokio::time::Instant::now();
    let mut request = bytes::BytesMut::new();
    let words = ["CONFIG", "SET", "appendonly", "yes", "maxmemory", "7mb"];
    resp_codec::encode_command(&words, &mut request);
    a.send(&request).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(b.call(&["GET", "k"]).await, "$1\r\n1\r\n");
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(a.line().await, "+OK\r\n", "answered once checked");
    assert!(
        took < Duration::from_secs(1),
        "served while checking: {took:?}"
    );
    assert!(watch.creates.load(Ordering::Relaxed) > 0, "checked");
    assert_eq!(
        watch.under_lock.load(Ordering::Relaxed),
        0,
        "no directory or file created under the engine lock"
    );
    assert_eq!(config_get(&mut b, "appendonly").await, "yes");
    assert_eq!(config_get(&mut b, "maxmemory").await, "7340032");
    assert!(shared.durability.aof().is_some(), "switched on");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_directory_that_takes_no_file_refuses_the_switch_and_every_pair_with_it() {
    let (shared, watch) = start().await;
    // A file holds the name of the AOF directory.
    persistence::storage::write_file(&watch.disk, Path::new("/data/appendonlydir"), b"").unwrap();
    let mut a = Client::direct(&shared);
    let words = ["CONFIG", "SET", "maxmemory", "7mb", "appendonly", "yes"];
    assert_eq!(
        a.call(&words).await,
        "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs.\r\n"
    );
    assert_eq!(config_get(&mut a, "appendonly").await, "no");
    assert_eq!(config_get(&mut a, "maxmemory").await, "0", "all or nothing");
    // Counted as Redis counts a CONFIG SET that fails.
    let info = a.call(&["INFO", "errorstats"]).await;
    assert!(info.contains("errorstat_ERR:count=1\r\n"), "{info}");
    let info = a.call(&["INFO", "commandstats"]).await;
    let stat = info
        .lines()
        .find(|l| l.starts_with("cmdstat_config|set:"))
        .expect("counted");
    assert!(stat.contains("failed_calls=1"), "{stat}");
    // Not answered under CLIENT REPLY OFF, as any other reply.
    let mut request = bytes::BytesMut::new();
    resp_codec::encode_command(&["CLIENT", "REPLY", "OFF"], &mut request);
    resp_codec::encode_command(&words, &mut request);
    resp_codec::encode_command(&["CLIENT", "REPLY", "ON"], &mut request);
    a.send(&request).await;
    assert_eq!(a.line().await, "+OK\r\n", "only CLIENT REPLY ON's");
    assert_eq!(a.call(&["PING"]).await, "+PONG\r\n");
    assert!(shared.durability.aof().is_none());
    assert_eq!(a.call(&["SET", "k", "1"]).await, "+OK\r\n");
    assert_eq!(watch.under_lock.load(Ordering::Relaxed), 0);
    // Inside EXEC nothing can wait: switched on unchecked, as behind a
    // BGSAVE; the switch's rewrite is what fails then, and writes go on.
    assert_eq!(a.call(&["MULTI"]).await, "+OK\r\n");
    let queued = a.call(&["CONFIG", "SET", "appendonly", "yes"]).await;
    assert_eq!(queued, "+QUEUED\r\n");
    assert_eq!(a.call(&["EXEC"]).await, "*1\r\n+OK\r\n");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(a.call(&["SET", "k", "2"]).await, "+OK\r\n");
    let status = shared.durability.aof().expect("switched on").status();
    assert!(
        status.aof_rewrite_scheduled && !status.aof_last_bgrewrite_ok,
        "{status:?}"
    );
    assert_eq!(watch.under_lock.load(Ordering::Relaxed), 0);
}

/// Sends `MULTI; BGREWRITEAOF; PING; EXEC` and expects BGREWRITEAOF's
/// `reply` in its place in EXEC's array.
async fn bgrewriteaof_in_exec(a: &mut Client, reply: &str) {
    let mut request = bytes::BytesMut::new();
    for words in [&["MULTI"][..], &["BGREWRITEAOF"], &["PING"], &["EXEC"]] {
        resp_codec::encode_command(words, &mut request);
    }
    a.send(&request).await;
    for expected in [
        "+OK\r\n",
        "+QUEUED\r\n",
        "+QUEUED\r\n",
        "*2\r\n",
        reply,
        "+PONG\r\n",
    ] {
        assert_eq!(a.line().await, expected);
    }
}

/// Inside EXEC a BGREWRITEAOF cannot wait for its rewrite to start: it is
/// scheduled, its reply in its place in EXEC's array (Redis 7.0.15
/// answers `*2 +Background append only file rewriting scheduled +PONG`),
/// and the rewrite runs (here with the AOF off: a base and a manifest).
/// A deferred reply under CLIENT REPLY SKIP is not written.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn deferred_replies_keep_their_place_and_their_reply_mode() {
    let (shared, watch) = start().await;
    let mut a = Client::direct(&shared);
    assert_eq!(a.call(&["SET", "k", "1"]).await, "+OK\r\n");
    bgrewriteaof_in_exec(
        &mut a,
        "+Background append only file rewriting scheduled\r\n",
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let manifest = "/data/appendonlydir/appendonly.aof.manifest";
    assert!(watch.disk.read(Path::new(manifest)).is_ok(), "rewritten");
    // SKIP silences the next command's reply, deferred (the directory
    // check) or not.
    let mut request = bytes::BytesMut::new();
    for words in [
        &["CLIENT", "REPLY", "SKIP"][..],
        &["CONFIG", "SET", "appendonly", "yes"],
        &["PING"],
    ] {
        resp_codec::encode_command(words, &mut request);
    }
    a.send(&request).await;
    assert_eq!(a.line().await, "+PONG\r\n", "only PING's reply");
}

/// Inside EXEC with the AOF off, a BGREWRITEAOF while one runs is refused
/// as Redis 7.0.15 refuses it there, not scheduled.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn bgrewriteaof_in_exec_while_one_runs_is_refused() {
    let (shared, watch) = start().await;
    let mut a = Client::direct(&shared);
    let mut b = Client::direct(&shared);
    assert_eq!(a.call(&["SET", "k", "1"]).await, "+OK\r\n");
    // Every disk call takes two seconds: the first rewrite stays in
    // progress for several of them once started.
    watch.disk.set_slow_latency(Duration::from_secs(2));
    watch.disk.set_probability(Fault::SlowDisk, 1.0);
    let mut request = bytes::BytesMut::new();
    resp_codec::encode_command(&["BGREWRITEAOF"], &mut request);
    b.send(&request).await;
    assert_eq!(
        b.line().await,
        "+Background append only file rewriting started\r\n"
    );
    bgrewriteaof_in_exec(
        &mut a,
        "-ERR Background append only file rewriting already in progress\r\n",
    )
    .await;
    watch.disk.set_probability(Fault::SlowDisk, 0.0);
}

/// `MULTI; CONFIG SET appendonly no; BGREWRITEAOF; EXEC`: the switch off
/// comes once EXEC ends, and the rewrite still runs, with the AOF off (a
/// base and a manifest naming only it), as Redis 7.0.15 runs it.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn bgrewriteaof_after_a_switch_off_in_the_same_exec_runs() {
    let (shared, watch) = start().await;
    let mut a = Client::direct(&shared);
    assert_eq!(a.call(&["SET", "k", "1"]).await, "+OK\r\n");
    let on = a.call(&["CONFIG", "SET", "appendonly", "yes"]).await;
    assert_eq!(on, "+OK\r\n");
    let manifest = Path::new("/data/appendonlydir/appendonly.aof.manifest");
    let read = |disk: &SimStorage| String::from_utf8(disk.read(manifest).unwrap_or_default());
    for _ in 0..100 {
        if read(&watch.disk).unwrap().contains("type i") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = read(&watch.disk).unwrap();
    assert!(before.contains("type i"), "switched on: {before}");
    let mut request = bytes::BytesMut::new();
    for words in [
        &["MULTI"][..],
        &["CONFIG", "SET", "appendonly", "no"],
        &["BGREWRITEAOF"],
        &["EXEC"],
    ] {
        resp_codec::encode_command(words, &mut request);
    }
    a.send(&request).await;
    for expected in [
        "+OK\r\n",
        "+QUEUED\r\n",
        "+QUEUED\r\n",
        "*2\r\n",
        "+OK\r\n",
        "+Background append only file rewriting scheduled\r\n",
    ] {
        assert_eq!(a.line().await, expected);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = read(&watch.disk).unwrap();
    assert!(
        after != before && !after.contains("type i") && after.contains("type b"),
        "rewritten with the AOF off: {after}"
    );
}

/// While the first base's check runs (a slow disk here), INFO shows that
/// base in progress, not scheduled, as Redis shows the switch's rewrite
/// once forked, and a BGREWRITEAOF is refused as one in progress.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_first_base_shows_in_progress_while_its_check_runs() {
    let (shared, watch) = start().await;
    let mut a = Client::direct(&shared);
    assert_eq!(a.call(&["SET", "k", "1"]).await, "+OK\r\n");
    watch.disk.set_slow_latency(Duration::from_millis(500));
    watch.disk.set_probability(Fault::SlowDisk, 1.0);
    let on = a.call(&["CONFIG", "SET", "appendonly", "yes"]).await;
    assert_eq!(on, "+OK\r\n");
    let field = |info: &str, name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name}"))
            .trim()
            .to_string()
    };
    let manifest = Path::new("/data/appendonlydir/appendonly.aof.manifest");
    let mut looked = 0;
    for _ in 0..200 {
        let info = a.call(&["INFO", "persistence"]).await;
        let based = watch
            .disk
            .read(manifest)
            .is_ok_and(|m| String::from_utf8_lossy(&m).contains("type i"));
        if based {
            break;
        }
        let (running, scheduled) = (
            field(&info, "aof_rewrite_in_progress"),
            field(&info, "aof_rewrite_scheduled"),
        );
        assert_eq!((running.as_str(), scheduled.as_str()), ("1", "0"), "{info}");
        if looked == 0 {
            assert_eq!(
                a.call(&["BGREWRITEAOF"]).await,
                "-ERR Background append only file rewriting already in progress\r\n"
            );
        }
        looked += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(looked > 0, "INFO was read before the base was in");
    watch.disk.set_probability(Fault::SlowDisk, 0.0);
}
