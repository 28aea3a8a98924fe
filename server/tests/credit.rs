//! Credit for the AOF's delta queue is held only while a batch runs: a
//! client that never reads its replies keeps none of it, so the other
//! writers and the timer (save points, the expiry cycle) go on. In
//! process, on the simulated disk, with a queue of a few slots.

use persistence::storage::sim::SimStorage;
use persistence::DurabilityOptions;
use server::clock::ServerClock;
use server::config::{load, Config};
use server::connection::{self, Peer};
use server::shared::Shared;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

const SLOTS: usize = 8;

fn connect(shared: &Arc<Shared>, name: u16, pipe_bytes: usize) -> DuplexStream {
    let (ours, theirs) = tokio::io::duplex(pipe_bytes);
    let peer = Peer {
        addr: format!("127.0.0.1:{}", 10_000 + name),
        laddr: "127.0.0.1:6379".into(),
        fd: -1,
        local: true,
    };
    shared.connected.fetch_add(1, Ordering::Relaxed);
    tokio::spawn(connection::serve(theirs, peer, shared.clone()));
    ours
}

/// A server on the simulated disk with `appendonly yes`, everysec, a
/// queue of `SLOTS` and the `save` line given.
async fn start(save: &str) -> Arc<Shared> {
    let mut config = Config::defaults();
    let text = format!("dir /data\nappendonly yes\nappendfsync everysec\n{save}");
    load::load_text(&mut config, &text).unwrap();
    let clock = Arc::new(ServerClock::simulated(1_700_000_000_000_000));
    let options = DurabilityOptions {
        delta_capacity: SLOTS,
        ..DurabilityOptions::default()
    };
    server::sim::start_with(config, clock, 1, Arc::new(SimStorage::new(1)), options)
        .await
        .unwrap()
}

/// Sends `command` and reads until the reply `expected` arrived.
async fn call(stream: &mut DuplexStream, command: &[u8], expected: &[u8]) {
    stream.write_all(command).await.unwrap();
    let mut got = Vec::new();
    while got.len() < expected.len() {
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "the server closed the connection");
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, expected);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_client_that_never_reads_its_replies_holds_no_credit() {
    let shared = start("save \"\"\n").await;
    let aof = shared.durability.aof().expect("appendonly yes");

    let mut writer = connect(&shared, 1, 64 * 1024);
    let value = "v".repeat(4096);
    let set_big = format!("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$4096\r\n{value}\r\n");
    call(&mut writer, set_big.as_bytes(), b"+OK\r\n").await;

    // A whole queue's worth of GETs in one write, replies far bigger than
    // the pipe, never read: its batch takes every slot and then waits to
    // write.
    let mut stuck = connect(&shared, 2, 256);
    stuck
        .write_all(&b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n".repeat(SLOTS))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        aof.credit_available(),
        SLOTS,
        "a reads-only batch that ran gives its credit back before writing its replies"
    );

    let set = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n";
    tokio::time::timeout(Duration::from_secs(10), call(&mut writer, set, b"+OK\r\n"))
        .await
        .expect("another client's write is answered while one client does not read");
    drop(stuck);
}

/// With every slot of the queue held, the timer's work that needs no
/// credit goes on (a save point saves) and the expiry cycle, which does,
/// deletes nothing; once credit is free again the cycle gets its turn.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_timer_goes_on_without_credit_and_expires_once_it_is_free() {
    let shared = start("save \"1 1\"\n").await;
    let aof = shared.durability.aof().expect("appendonly yes");
    let mut writer = connect(&shared, 1, 64 * 1024);
    let set = b"*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n$2\r\nPX\r\n$3\r\n500\r\n";
    call(&mut writer, set, b"+OK\r\n").await;

    // Every slot held, as by writers queued behind a slow disk.
    let held = shared.durability.reserve(SLOTS).await.unwrap();
    assert_eq!(aof.credit_available(), 0);
    tokio::time::sleep(Duration::from_secs(3)).await;
    {
        let core = shared.core.lock();
        assert_eq!(
            core.host.disk.saves, 1,
            "the save point ran while the queue was full"
        );
        assert!(
            core.engine.db(0).contains(b"k"),
            "no expiry cycle (whose deletions need credit) ran without it"
        );
    }
    drop(held);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        !shared.core.lock().engine.db(0).contains(b"k"),
        "the expiry cycle ran once credit was free"
    );
}
