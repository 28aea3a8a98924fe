//! Persistence commands on the simulated disk, alone and inside EXEC:
//! DEBUG RELOAD loads back the RDB it saved through the server's storage
//! (not a file std::fs finds); BGREWRITEAOF in the EXEC that switches the
//! AOF off while a rewrite runs is scheduled, as Redis 7.0.15 answers.

mod support;

use persistence::storage::sim::{Fault, SimStorage};
use persistence::Storage;
use server::clock::ServerClock;
use server::config::{load, Config};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use support::Client;

/// A server on a simulated disk whose `/data` exists on no real one.
async fn start() -> (Arc<server::shared::Shared>, SimStorage) {
    start_with("appendonly no").await
}

async fn start_with(directive: &str) -> (Arc<server::shared::Shared>, SimStorage) {
    let disk = SimStorage::new(5);
    disk.create_dir_all(Path::new("/data")).unwrap();
    let mut config = Config::defaults();
    let text = format!("dir /data\n{directive}\nsave \"\"\nenable-debug-command yes\n");
    load::load_text(&mut config, &text).unwrap();
    let clock = Arc::new(ServerClock::simulated(1_700_000_000_000_000));
    let shared = server::sim::start(config, clock, 5, Arc::new(disk.clone()))
        .await
        .unwrap();
    (shared, disk)
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn debug_reload_saves_and_loads_through_the_server_s_storage() {
    let (shared, disk) = start().await;
    let mut client = Client::direct(&shared);
    assert_eq!(client.call(&["SET", "k", "v"]).await, "+OK\r\n");
    assert_eq!(client.call(&["DEBUG", "RELOAD"]).await, "+OK\r\n");
    assert_eq!(client.call(&["GET", "k"]).await, "$1\r\nv\r\n");
    assert!(disk
        .read(Path::new("/data/dump.rdb"))
        .unwrap()
        .starts_with(b"REDIS"));
    let info = client.call(&["INFO", "persistence"]).await;
    assert!(info.contains("rdb_last_load_keys_loaded:1\r\n"), "{info}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn debug_reload_inside_exec_answers_in_the_array_and_reloads() {
    let (shared, _disk) = start().await;
    let mut client = Client::direct(&shared);
    assert_eq!(client.call(&["SET", "k", "v"]).await, "+OK\r\n");
    assert_eq!(client.call(&["MULTI"]).await, "+OK\r\n");
    for command in [&["SET", "j", "w"][..], &["DEBUG", "RELOAD"], &["GET", "j"]] {
        assert_eq!(client.call(command).await, "+QUEUED\r\n");
    }
    assert_eq!(
        client.call(&["EXEC"]).await,
        "*3\r\n+OK\r\n+OK\r\n$1\r\nw\r\n"
    );
    let info = client.call(&["INFO", "persistence"]).await;
    assert!(info.contains("rdb_last_load_keys_loaded:2\r\n"), "{info}");
    assert!(info.contains("rdb_changes_since_last_save:0\r\n"), "{info}");
    assert_eq!(client.call(&["DBSIZE"]).await, ":2\r\n");
}

/// `name:value` of INFO persistence, for each of `names`.
async fn fields(client: &mut Client, names: &[&str]) -> Vec<String> {
    let info = client.call(&["INFO", "persistence"]).await;
    fields_of(&info, names)
}

fn fields_of(info: &str, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|name| format!("{name}:{}", support::info_value(info, name)))
        .collect()
}

/// redis-server 7.0.15, asked (a rewrite slowed by `rdb-key-save-delay`):
/// `MULTI; CONFIG SET appendonly no; BGREWRITEAOF; INFO persistence;
/// EXEC` answers +OK, "+Background append only file rewriting
/// scheduled" and INFO with aof_enabled:0, aof_rewrite_in_progress:0 (the
/// running rewrite killed), aof_rewrite_scheduled:1; the AOF-off rewrite
/// then runs. We answered "-ERR Background append only file rewriting
/// already in progress".
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn bgrewriteaof_in_the_exec_that_switches_the_aof_off_is_scheduled_over_a_running_one() {
    let (shared, disk) = start_with("appendonly yes").await;
    let mut client = Client::direct(&shared);
    for key in ["a", "b", "c"] {
        assert_eq!(client.call(&["SET", key, "v"]).await, "+OK\r\n");
    }
    disk.set_slow_latency(Duration::from_secs(2));
    disk.set_probability(Fault::SlowDisk, 1.0);
    assert_eq!(
        client.call(&["BGREWRITEAOF"]).await,
        "+Background append only file rewriting started\r\n"
    );
    let names = [
        "aof_enabled",
        "aof_rewrite_in_progress",
        "aof_rewrite_scheduled",
    ];
    assert_eq!(
        fields(&mut client, &names).await,
        [
            "aof_enabled:1",
            "aof_rewrite_in_progress:1",
            "aof_rewrite_scheduled:0"
        ]
    );
    assert_eq!(client.call(&["MULTI"]).await, "+OK\r\n");
    for command in [
        &["CONFIG", "SET", "appendonly", "no"][..],
        &["BGREWRITEAOF"],
        &["INFO", "persistence"],
    ] {
        assert_eq!(client.call(command).await, "+QUEUED\r\n");
    }
    let exec = client.call(&["EXEC"]).await;
    assert!(
        exec.starts_with("*3\r\n+OK\r\n+Background append only file rewriting scheduled\r\n$"),
        "{exec}"
    );
    assert_eq!(
        fields_of(&exec, &names),
        [
            "aof_enabled:0",
            "aof_rewrite_in_progress:0",
            "aof_rewrite_scheduled:1"
        ]
    );
    disk.set_probability(Fault::SlowDisk, 0.0);
    let done = [
        "aof_enabled:0",
        "aof_rewrite_in_progress:0",
        "aof_rewrite_scheduled:0",
        "aof_last_bgrewrite_status:ok",
    ];
    let mut got = Vec::new();
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        got = fields(
            &mut client,
            &[&names[..], &["aof_last_bgrewrite_status"]].concat(),
        )
        .await;
        if got == done {
            break;
        }
    }
    assert_eq!(got, done);
    // The AOF-off kind ran: a manifest naming a base only.
    let manifest = disk
        .read(Path::new("/data/appendonlydir/appendonly.aof.manifest"))
        .unwrap();
    let manifest = String::from_utf8(manifest).unwrap();
    assert!(manifest.contains("type b"), "{manifest}");
    assert!(!manifest.contains("type i"), "{manifest}");
}
