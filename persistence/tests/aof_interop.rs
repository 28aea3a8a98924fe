//! AOF interop with redis-server 7.0 on the real disk: Redis writes a
//! multi-part appendonlydir (base in AOF form and with the RDB preamble,
//! after a BGREWRITEAOF, with more writes in the incremental file) and we
//! recover every key, value and TTL; we write one (through the real
//! bridge thread and AOF actor, with a rewrite midway) and Redis starts on
//! it with every key, value and TTL; redis-check-aof accepts ours.

#[path = "rdb_support/mod.rs"]
mod rdb_support;
mod support;

use kv_engine::ClientState;
use persistence::{DurabilityOptions, FsyncPolicy, PersistenceConfig, RealStorage, Storage};
use rdb_support::dataset::{commands, Commands};
use rdb_support::*;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const DATABASES: usize = 16;
const CHECK_AOF: &str = "/usr/bin/redis-check-aof";

fn aof_tools_available() -> bool {
    if !redis_available() {
        return false;
    }
    if Path::new(CHECK_AOF).exists() {
        return true;
    }
    let msg = format!("*** {CHECK_AOF} not found: this AOF interop test is SKIPPED ***");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg} (CI=true requires it)");
    }
    eprintln!("\n{msg}\n");
    false
}

fn config(dir: &Path, preamble: bool) -> PersistenceConfig {
    PersistenceConfig {
        dir: dir.to_path_buf(),
        appendonly: true,
        appendfsync: FsyncPolicy::EverySec,
        aof_use_rdb_preamble: preamble,
        ..PersistenceConfig::default()
    }
}

fn preamble_arg(preamble: bool) -> &'static str {
    if preamble {
        "yes"
    } else {
        "no"
    }
}

/// Sends `commands` to Redis, pipelined, each after a SELECT of its db.
fn populate_redis(client: &mut RedisClient, commands: &Commands) {
    let mut sent = 0;
    for (db, argv) in commands {
        client.send(&["SELECT".to_string(), db.to_string()]);
        client.send(argv);
        sent += 2;
    }
    for _ in 0..sent {
        if let Frame::Error(e) = client.read() {
            panic!("redis refused: {}", String::from_utf8_lossy(&e));
        }
    }
}

fn check_aof(manifest: &Path) {
    let output = std::process::Command::new(CHECK_AOF)
        .arg(manifest)
        .output()
        .expect("run redis-check-aof");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && text.contains("All AOF files and manifest are valid"),
        "redis-check-aof refused {}:\n{text}{}",
        manifest.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Later writes, so the incremental file holds propagated commands of
/// several kinds, a transaction and SELECTs, not just the rewrite's forms.
fn more_writes(expire_at_ms: i64) -> Commands {
    let at = expire_at_ms.to_string();
    let lines: [(usize, &[&str]); 10] = [
        (0, &["SET", "late:str", "v"]),
        (0, &["PEXPIREAT", "late:str", &at]),
        (0, &["RPUSH", "late:list", "a", "b", "c"]),
        (1, &["HSET", "late:hash", "f", "1", "g", "2"]),
        (2, &["SADD", "late:set", "x", "y"]),
        (2, &["ZADD", "late:zset", "1.5", "m", "-2", "n"]),
        (0, &["LPOP", "late:list"]),
        (3, &["PEXPIREAT", "late:none", &at]),
        (0, &["DEL", "late:gone"]),
        (4, &["SET", "late:k", "1"]),
    ];
    lines
        .iter()
        .map(|(db, argv)| (*db, argv.iter().map(|a| a.as_bytes().to_vec()).collect()))
        .collect()
}

#[test]
fn an_appendonlydir_redis_wrote_recovers_key_for_key() {
    if !aof_tools_available() {
        return;
    }
    for preamble in [false, true] {
        let dir = TempDir::new("aof-from-redis");
        let args = [
            "--appendonly",
            "yes",
            "--aof-use-rdb-preamble",
            preamble_arg(preamble),
            "--appendfsync",
            "always",
        ];
        let server = RedisServer::start(dir.path(), "dump.rdb", &args);
        let mut client = server.client();
        let expire_at = now_ms() + 3_600_000;
        populate_redis(&mut client, &commands(3, expire_at));
        client.ok(&["BGREWRITEAOF"]);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while client
            .ok(&["INFO", "persistence"])
            .bulk()
            .windows(25)
            .any(|w| w == b"aof_rewrite_in_progress:1")
        {
            assert!(std::time::Instant::now() < deadline, "rewrite never ended");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(200));
        populate_redis(&mut client, &more_writes(expire_at));
        client.send(&["MULTI"]);
        client.send(&["SET", "tx:a", "1"]);
        client.send(&["RPUSH", "tx:l", "z"]);
        client.send(&["EXEC"]);
        for _ in 0..4 {
            client.read();
        }
        let redis = snapshot_of_redis(&mut client, DATABASES);
        assert!(redis.len() > 80, "{} keys", redis.len());
        drop(client);
        drop(server);

        let aof_dir = dir.path().join("appendonlydir");
        let names = std::fs::read_dir(&aof_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect::<Vec<_>>();
        let base = if preamble {
            "appendonly.aof.2.base.rdb"
        } else {
            "appendonly.aof.2.base.aof"
        };
        assert!(names.iter().any(|n| n == base), "{names:?}");

        let (mut engine, _, clock) = support::new_engine();
        clock.set(now_ms());
        let report = persistence::recover(&config(dir.path(), preamble), &RealStorage, &mut engine)
            .unwrap_or_else(|e| panic!("recovering Redis's AOF: {e}"));
        assert_eq!(report.files.len(), 2, "{report:?}");
        assert!(report.files[1].commands > 10, "{report:?}");
        assert_same(
            &snapshot_of_engine(&engine, now_ms()),
            &redis,
            &format!(
                "Redis's appendonlydir, aof-use-rdb-preamble {}",
                preamble_arg(preamble)
            ),
        );
    }
}

/// Runs `commands` through a node as the server would: credit, lock,
/// execute, durability.
async fn populate_ours(node: &support::Node, commands: &Commands) {
    let mut client = ClientState::new(1);
    for (db, argv) in commands {
        node.write(&mut client, &[b"SELECT", db.to_string().as_bytes()])
            .await;
        let words: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        let written = node.write(&mut client, &words).await;
        assert_eq!(
            written.error(),
            None,
            "{:?}",
            String::from_utf8_lossy(&argv[0])
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_appendonlydir_we_wrote_starts_redis_with_every_key() {
    if !aof_tools_available() {
        return;
    }
    for preamble in [false, true] {
        let dir = TempDir::new("aof-from-us");
        let config = config(dir.path(), preamble);
        let storage: Arc<dyn Storage> = Arc::new(RealStorage);
        let node =
            support::Node::start(&config, storage, DurabilityOptions::default(), now_ms()).await;
        let expire_at = now_ms() + 3_600_000;
        populate_ours(&node, &commands(4, expire_at)).await;
        node.durability.rewrite().await.unwrap();
        // The actor answers before it publishes the rewrite's start, and
        // this runtime has two threads: `aof_rewrite_in_progress` may not
        // be set yet. Wait for the rewrite counted (at its snapshot) and
        // then ended (a loaded machine's fsyncs can take seconds each).
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while {
            let status = node.durability.status();
            status.aof_rewrites == 0 || status.aof_rewrite_in_progress
        } {
            assert!(std::time::Instant::now() < deadline, "rewrite never ended");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(node.durability.status().aof_rewrites, 1);
        populate_ours(&node, &more_writes(expire_at)).await;
        let mut client = ClientState::new(2);
        for line in ["MULTI", "SET tx:a 1", "RPUSH tx:l z", "EXEC"] {
            node.write(&mut client, &support::words(line)).await;
        }
        node.durability.shutdown().await.unwrap();
        let ours = snapshot_of_engine(&node.engine.lock(), now_ms());
        assert!(ours.len() > 80, "{} keys", ours.len());

        let manifest = dir.path().join("appendonlydir/appendonly.aof.manifest");
        check_aof(&manifest);
        let server = RedisServer::start(
            dir.path(),
            "dump.rdb",
            &[
                "--appendonly",
                "yes",
                "--aof-use-rdb-preamble",
                preamble_arg(preamble),
            ],
        );
        let redis = snapshot_of_redis(&mut server.client(), DATABASES);
        let log = server.log_text();
        assert!(log.contains("DB loaded from append only file"), "{log}");
        assert_same(
            &ours,
            &redis,
            &format!(
                "our appendonlydir, aof-use-rdb-preamble {}",
                preamble_arg(preamble)
            ),
        );
    }
}
