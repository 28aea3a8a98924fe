//! SAVE, BGSAVE, LASTSAVE, DEBUG RELOAD, DUMP and RESTORE over a
//! connection task, on a real temp directory: the file is written
//! atomically, INFO persistence follows, the data comes back.

mod support;

use std::time::Duration;
use support::{shared, Client};

fn info_field(info: &str, name: &str) -> String {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in {info}"))
        .trim()
        .to_string()
}

#[tokio::test]
async fn save_bgsave_and_debug_reload_write_and_read_dump_rdb() {
    let dir = support::process::temp_dir("saves");
    let shared = shared(&format!(
        "dir {}\nenable-debug-command yes\nsave \"\"\n",
        dir.display()
    ));
    let mut client = Client::direct(&shared);
    client.call(&["SET", "a", "1"]).await;
    client.call(&["RPUSH", "l", "x", "y"]).await;
    let info = client.call(&["INFO", "persistence"]).await;
    assert_ne!(info_field(&info, "rdb_changes_since_last_save"), "0");
    assert_eq!(client.call(&["SAVE"]).await, "+OK\r\n");
    assert!(dir.join("dump.rdb").exists(), "SAVE wrote dump.rdb");
    let temps: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("temp-"))
        .collect();
    assert!(temps.is_empty(), "no temp file left");
    let info = client.call(&["INFO", "persistence"]).await;
    assert_eq!(info_field(&info, "rdb_changes_since_last_save"), "0");
    assert_eq!(info_field(&info, "rdb_saves"), "1");

    client.call(&["SET", "b", "2"]).await;
    assert_eq!(
        client.call(&["BGSAVE"]).await,
        "+Background saving started\r\n"
    );
    for _ in 0..200 {
        let info = client.call(&["INFO", "persistence"]).await;
        if info_field(&info, "rdb_saves") == "2" {
            assert_eq!(info_field(&info, "rdb_bgsave_in_progress"), "0");
            assert_eq!(info_field(&info, "rdb_last_bgsave_status"), "ok");
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let info = client.call(&["INFO", "persistence"]).await;
    assert_eq!(info_field(&info, "rdb_saves"), "2", "the BGSAVE finished");

    // DEBUG RELOAD: a value written after the BGSAVE survives (it saves
    // first), and what was there is read back from the file.
    client.call(&["SET", "c", "3"]).await;
    assert_eq!(client.call(&["DEBUG", "RELOAD"]).await, "+OK\r\n");
    assert_eq!(client.call(&["DBSIZE"]).await, ":4\r\n");
    assert_eq!(client.call(&["GET", "c"]).await, "$1\r\n3\r\n");
    assert_eq!(
        client.call(&["LRANGE", "l", "0", "-1"]).await,
        "*2\r\n$1\r\nx\r\n$1\r\ny\r\n"
    );

    // DUMP then RESTORE under another name: the same value.
    let mut request = bytes::BytesMut::new();
    resp_codec::encode_command(&["DUMP", "l"], &mut request);
    client.send(&request).await;
    let dumped = client.reply().await;
    let frame = resp_codec::parse_frame(&bytes::Bytes::from(dumped), &Default::default())
        .unwrap()
        .unwrap()
        .0;
    let payload = frame.as_bytes().unwrap().clone();
    let mut restore = bytes::BytesMut::new();
    let argv: [&[u8]; 4] = [b"RESTORE", b"l2", b"0", &payload];
    resp_codec::encode_command(&argv, &mut restore);
    client.send(&restore).await;
    assert_eq!(client.reply().await, b"+OK\r\n");
    assert_eq!(
        client.call(&["LRANGE", "l2", "0", "-1"]).await,
        "*2\r\n$1\r\nx\r\n$1\r\ny\r\n"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// DEBUG RELOAD while another client writes: every INCR acknowledged
/// before, during or after the reload is in the counter. The save and the
/// load are one stop of the server, as in Redis; a write run between them
/// would be acknowledged and then dropped by the load.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_reload_keeps_every_acknowledged_write() {
    let dir = support::process::temp_dir("reload-writes");
    let shared = shared(&format!(
        "dir {}\nenable-debug-command yes\nsave \"\"\n",
        dir.display()
    ));
    let mut admin = Client::direct(&shared);
    // Enough keys for the save to take a while.
    for batch in 0..100 {
        let keys: Vec<String> = (0..1000).map(|i| format!("key:{batch}:{i}")).collect();
        let mut words = vec!["MSET"];
        for key in &keys {
            words.extend([key.as_str(), "some value"]);
        }
        assert_eq!(admin.call(&words).await, "+OK\r\n");
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (shared, stop) = (shared.clone(), stop.clone());
        tokio::spawn(async move {
            let mut client = Client::direct(&shared);
            let mut acknowledged = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                assert!(client.call(&["INCR", "n"]).await.starts_with(':'));
                acknowledged += 1;
            }
            acknowledged
        })
    };
    // Let the writer get going, so that writes surround the reload.
    while admin.call(&["GET", "n"]).await == "$-1\r\n" {
        tokio::task::yield_now().await;
    }
    for _ in 0..2 {
        assert_eq!(admin.call(&["DEBUG", "RELOAD"]).await, "+OK\r\n");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let acknowledged = writer.await.unwrap();
    assert!(acknowledged > 0);
    assert_eq!(
        admin.call(&["GET", "n"]).await,
        format!("${}\r\n{acknowledged}\r\n", acknowledged.to_string().len())
    );
}
