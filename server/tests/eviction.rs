//! maxmemory through the server: the config reaches the engine, evictions
//! happen before commands and are published (`evicted`), counted in INFO
//! and propagated as DELs; noeviction refuses denyoom commands with -OOM;
//! and what the server holds for clients (a subscriber that never reads)
//! counts towards the limit, as in Redis.

mod support;

use server::shared::Shared;
use support::{capture_deltas, delta_lines, eventually, shared, Client};

fn info_field(info: &str, name: &str) -> u64 {
    support::info_value(info, name).parse().unwrap()
}

async fn used_memory(client: &mut Client) -> u64 {
    info_field(&client.call(&["INFO", "memory"]).await, "used_memory")
}

fn keys(server: &Shared) -> usize {
    server.core.lock().engine.db(0).len()
}

#[tokio::test]
async fn allkeys_lru_evicts_publishes_counts_and_propagates() {
    let server = shared("hz 100\nnotify-keyspace-events Ee\nmaxmemory-eviction-tenacity 100\n");
    let deltas = capture_deltas(&server);
    // The timer tells the engine what the server holds outside it.
    let cron = tokio::spawn(server::cron::run(server.clone()));
    let mut admin = Client::direct(&server);
    let mut subscriber = Client::direct(&server);
    subscriber
        .call(&["SUBSCRIBE", "__keyevent@0__:evicted"])
        .await;
    eventually("the timer tells the engine about client buffers", || {
        let core = server.core.lock();
        core.engine.used_memory() > core.engine.keyspace_memory()
    })
    .await;
    let limit = used_memory(&mut admin).await + 200_000;
    admin
        .check(
            format!("CONFIG SET maxmemory {limit} maxmemory-policy allkeys-lru\r\n").as_bytes(),
            b"+OK\r\n",
        )
        .await;
    let value = "v".repeat(1000);
    for i in 0..1000 {
        admin
            .check(format!("SET key:{i} {value}\r\n").as_bytes(), b"+OK\r\n")
            .await;
    }
    let info = admin.call(&["INFO"]).await;
    let evicted = info_field(&info, "evicted_keys");
    assert!(
        evicted > 500,
        "1 MB of values under a 200 KB margin: {evicted} evicted"
    );
    assert_eq!(keys(&server) as u64, 1000 - evicted);
    assert!(info.contains("maxmemory_policy:allkeys-lru\r\n"), "{info}");
    assert_eq!(info_field(&info, "maxmemory"), limit);
    assert!(
        info_field(&info, "used_memory") <= limit + 20_000,
        "used_memory {} stays about under maxmemory {limit}",
        info_field(&info, "used_memory")
    );
    let dels = delta_lines(&deltas)
        .iter()
        .filter(|l| l.starts_with("DEL key:"))
        .count() as u64;
    assert_eq!(dels, evicted, "each eviction propagates as a DEL");
    // One message per evicted key, naming it.
    for _ in 0..evicted {
        let message = String::from_utf8(subscriber.reply().await).unwrap();
        assert!(message.contains("__keyevent@0__:evicted"), "{message}");
        assert!(message.contains("key:"), "{message}");
    }
    server.shutdown.cancel();
    cron.await.unwrap();
}

#[tokio::test]
async fn noeviction_refuses_denyoom_commands_and_serves_reads() {
    let server = shared("");
    let mut client = Client::direct(&server);
    client
        .check(b"SET k v\r\nCONFIG SET maxmemory 1\r\n", b"+OK\r\n+OK\r\n")
        .await;
    client
        .check(
            b"SET k2 v\r\nGET k\r\nDEL k\r\n",
            b"-OOM command not allowed when used memory > 'maxmemory'.\r\n$1\r\nv\r\n:1\r\n",
        )
        .await;
    client
        .check(b"CONFIG SET maxmemory 0\r\nSET k2 v\r\n", b"+OK\r\n+OK\r\n")
        .await;
}

#[tokio::test]
async fn what_a_stuck_subscriber_holds_counts_towards_maxmemory() {
    // No time budget for an eviction pass: under a loaded machine a pass
    // would otherwise stop early and let the command through.
    let server = shared(
        "hz 100\nclient-output-buffer-limit pubsub 0 0 0\nmaxmemory-eviction-tenacity 100\n",
    );
    let mut admin = Client::direct(&server);
    for i in 0..100 {
        admin
            .check(format!("SET key:{i} value\r\n").as_bytes(), b"+OK\r\n")
            .await;
    }
    let limit = used_memory(&mut admin).await + 100_000;
    admin
        .check(
            format!("CONFIG SET maxmemory {limit} maxmemory-policy allkeys-random\r\n").as_bytes(),
            b"+OK\r\n",
        )
        .await;
    let mut subscriber = Client::direct_with_pipe(&server, 1024);
    subscriber.call(&["SUBSCRIBE", "c"]).await;
    let message = "m".repeat(10_000);
    for _ in 0..30 {
        admin.call(&["PUBLISH", "c", &message]).await;
    }
    // 300 KB wait for the subscriber: over the limit once the engine is
    // told (every tick). The next write evicts every key and, still over
    // it, is refused, as Redis does when client buffers fill maxmemory.
    assert_eq!(keys(&server), 100);
    let cron = tokio::spawn(server::cron::run(server.clone()));
    eventually("the timer tells the engine about client buffers", || {
        server.core.lock().engine.used_memory() as u64 > limit
    })
    .await;
    admin
        .check(
            b"SET one-more v\r\n",
            b"-OOM command not allowed when used memory > 'maxmemory'.\r\n",
        )
        .await;
    assert_eq!(keys(&server), 0, "every key evicted for client buffers");
    let info = admin.call(&["INFO"]).await;
    assert_eq!(info_field(&info, "evicted_keys"), 100);
    assert!(info_field(&info, "mem_clients_normal") > 250_000, "{info}");
    server.shutdown.cancel();
    cron.await.unwrap();
}
