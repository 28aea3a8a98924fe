//! DEBUG RELOAD on the simulated disk: the RDB it saves through the
//! server's storage is the one it loads back (not a file std::fs finds),
//! alone and inside EXEC.

mod support;

use persistence::storage::sim::SimStorage;
use persistence::Storage;
use server::clock::ServerClock;
use server::config::{load, Config};
use std::path::Path;
use std::sync::Arc;
use support::Client;

/// A server on a simulated disk whose `/data` exists on no real one.
async fn start() -> (Arc<server::shared::Shared>, SimStorage) {
    let disk = SimStorage::new(5);
    disk.create_dir_all(Path::new("/data")).unwrap();
    let mut config = Config::defaults();
    let text = "dir /data\nappendonly no\nsave \"\"\nenable-debug-command yes\n";
    load::load_text(&mut config, text).unwrap();
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
