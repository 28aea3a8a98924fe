//! The durable write path on the simulated disk, in paused tokio time: the
//! fsync policies and group commit, shutdown draining, and credit.

mod support;

use persistence::storage::sim::{CrashMode, Fault, SimStorage};
use persistence::{FsyncPolicy, Storage};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use support::{sim_disk, start_on, words, Written};
use tokio::time::Instant;

fn lsn(written: &Written) -> u64 {
    match written {
        Written::Ok(_, Some(lsn)) => *lsn,
        other => panic!("not a write: {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_first_start_creates_the_files_redis_creates() {
    let sim = sim_disk(1);
    let node = start_on(&sim, FsyncPolicy::EverySec).await;
    let dir = sim.list_dir(Path::new("/data/appendonlydir")).unwrap();
    assert_eq!(
        dir,
        [
            "appendonly.aof.1.base.rdb",
            "appendonly.aof.1.incr.aof",
            "appendonly.aof.manifest"
        ]
    );
    assert_eq!(
        sim.read(Path::new("/data/appendonlydir/appendonly.aof.manifest"))
            .unwrap(),
        b"file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    let base = sim
        .read(Path::new("/data/appendonlydir/appendonly.aof.1.base.rdb"))
        .unwrap();
    assert!(
        base.starts_with(b"REDIS0010"),
        "an RDB, as aof-use-rdb-preamble yes writes"
    );
    node.durability.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn always_acknowledges_only_after_the_covering_fsync() {
    let sim = sim_disk(2);
    let node = start_on(&sim, FsyncPolicy::Always).await;
    let mut client = kv_engine::ClientState::new(1);
    for i in 0..20 {
        let written = node
            .write(&mut client, &words(&format!("SET k{i} v{i}")))
            .await;
        let lsn = lsn(&written);
        assert!(*node.durability.durable_lsn().borrow() >= lsn);
    }
    let fsyncs = sim.stats().fsyncs;
    // Nothing but what fsync made durable survives this crash.
    let sim = sim.crash(CrashMode::DropUnsynced);
    let again = start_on(&sim, FsyncPolicy::Always).await;
    assert_eq!(again.report.keys, 20);
    assert!(
        fsyncs >= 20,
        "one write at a time: an fsync each ({fsyncs})"
    );
}

#[tokio::test(start_paused = true)]
async fn group_commit_covers_concurrent_writers_with_few_fsyncs() {
    let sim = sim_disk(3);
    sim.set_slow_latency(Duration::from_millis(5));
    sim.set_probability(persistence::storage::sim::Fault::SlowDisk, 1.0);
    let node = Arc::new(start_on(&sim, FsyncPolicy::Always).await);
    let before = sim.stats();
    let mut writers = Vec::new();
    for w in 0..50 {
        let node = node.clone();
        writers.push(tokio::spawn(async move {
            let mut client = kv_engine::ClientState::new(w);
            for i in 0..20 {
                let line = format!("SET w{w}:{i} x");
                let written = node.write(&mut client, &words(&line)).await;
                let lsn = lsn(&written);
                assert!(*node.durability.durable_lsn().borrow() >= lsn);
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let fsyncs = sim.stats().fsyncs - before.fsyncs;
    let appends = sim.stats().appends - before.appends;
    assert!(
        fsyncs < 1000 / 5,
        "1000 writes by 50 clients share fsyncs: {fsyncs} fsyncs"
    );
    assert_eq!(
        appends, fsyncs,
        "each group is appended and fsynced in one call, no appends between"
    );
    node.durability.shutdown().await.unwrap();
    let sim = sim.crash(CrashMode::DropUnsynced);
    let again = start_on(&sim, FsyncPolicy::Always).await;
    assert_eq!(again.report.keys, 1000);
}

/// One write on its own client, in its own task: the result and when (on
/// tokio's paused clock) it ended.
fn spawn_write(
    node: &Arc<support::Node>,
    id: u64,
    line: &'static str,
) -> tokio::task::JoinHandle<(Written, Instant)> {
    let node = node.clone();
    tokio::spawn(async move {
        let mut client = kv_engine::ClientState::new(id);
        let written = node.write(&mut client, &words(line)).await;
        (written, Instant::now())
    })
}

/// Two `always` groups in flight, 9 ms in: the first appending and
/// fsyncing on a disk where each call takes `SLOW`, the second (two writes,
/// sent at 6 and 7 ms) waiting behind it, on a disk that takes 1 ms a call
/// from 6 ms on.
struct Overlap {
    sim: SimStorage,
    node: Arc<support::Node>,
    start: Instant,
    durable_at_start: u64,
    fsyncs_at_start: u64,
    first: tokio::task::JoinHandle<(Written, Instant)>,
    second: tokio::task::JoinHandle<(Written, Instant)>,
    third: tokio::task::JoinHandle<(Written, Instant)>,
}

const SLOW: Duration = Duration::from_millis(5);

/// An `always` node on `sim`, every disk call taking `SLOW` from now on.
async fn slow_always_node(sim: &SimStorage) -> Arc<support::Node> {
    sim.set_slow_latency(SLOW);
    sim.set_probability(Fault::SlowDisk, 1.0);
    Arc::new(start_on(sim, FsyncPolicy::Always).await)
}

async fn overlapping_groups(seed: u64) -> Overlap {
    let sim = sim_disk(seed);
    let node = slow_always_node(&sim).await;
    let (durable_at_start, fsyncs_at_start) =
        (*node.durability.durable_lsn().borrow(), sim.stats().fsyncs);
    let start = Instant::now();
    let first = spawn_write(&node, 1, "SET a 1");
    // The first group is appended at 5 ms; its fsync runs until 10 ms.
    tokio::time::sleep(SLOW + Duration::from_millis(1)).await;
    // The second group forms behind it, and the disk is quick now.
    sim.set_slow_latency(Duration::from_millis(1));
    let second = spawn_write(&node, 2, "SET b 2");
    tokio::time::sleep(Duration::from_millis(1)).await;
    let third = spawn_write(&node, 3, "SET c 3");
    tokio::time::sleep(Duration::from_millis(2)).await;
    Overlap {
        sim,
        node,
        start,
        durable_at_start,
        fsyncs_at_start,
        first,
        second,
        third,
    }
}

#[tokio::test(start_paused = true)]
async fn a_group_formed_during_an_fsync_starts_when_it_returns_and_is_acknowledged_in_order() {
    let run = overlapping_groups(6).await;
    assert_eq!(
        *run.node.durability.durable_lsn().borrow(),
        run.durable_at_start,
        "nothing is durable before the oldest group's fsync ends"
    );
    let (first, first_at) = run.first.await.unwrap();
    let (second, second_at) = run.second.await.unwrap();
    let (third, third_at) = run.third.await.unwrap();
    assert!(lsn(&first) < lsn(&second) && lsn(&second) < lsn(&third));
    assert_eq!(first_at - run.start, 2 * SLOW, "its own append and fsync");
    assert_eq!(
        second_at - first_at,
        Duration::from_millis(2),
        "the next group's append and fsync start as the first fsync returns"
    );
    assert_eq!(third_at, second_at, "both writes sent meanwhile, one group");
    assert_eq!(
        run.sim.stats().fsyncs - run.fsyncs_at_start,
        2,
        "three writes, two groups"
    );
    run.node.durability.shutdown().await.unwrap();
    let sim = run.sim.crash(CrashMode::DropUnsynced);
    assert_eq!(start_on(&sim, FsyncPolicy::Always).await.report.keys, 3);
}

#[tokio::test(start_paused = true)]
async fn a_newer_group_is_never_acknowledged_past_an_older_groups_failed_fsync() {
    let run = overlapping_groups(7).await;
    // The first group's fsync, at 10 ms, fails; the second waits behind it.
    run.sim.set_probability(Fault::FsyncError, 1.0);
    let (first, _) = run.first.await.unwrap();
    let (second, _) = run.second.await.unwrap();
    run.sim.set_probability(Fault::FsyncError, 0.0);
    assert!(
        matches!(first, Written::Unconfirmed(..)),
        "its fsync failed: {first:?}"
    );
    assert!(
        matches!(second, Written::Unconfirmed(..)),
        "an older group's fsync failed: {second:?}"
    );
    let _ = run.node.durability.shutdown().await;
}

/// After DST seed 206458 from 200000: a group behind one whose fsync
/// failed must not make the file's new length durable over the pages the
/// failure dropped (zeros), or the server refuses to start on the hole.
/// The writer never writes it at all.
#[tokio::test(start_paused = true)]
async fn a_group_behind_a_failed_fsync_is_never_written() {
    let sim = sim_disk(8);
    let node = slow_always_node(&sim).await;
    let appends_before = sim.stats().appends;
    // The first group appends until 5 ms and fsyncs until 10 ms (fails);
    // the second, sent at 6 ms, waits behind it.
    let first = spawn_write(&node, 1, "SET a 1");
    tokio::time::sleep(SLOW + Duration::from_millis(1)).await;
    let second = spawn_write(&node, 2, "SET b 2");
    sim.fail_next(Fault::FsyncError);
    let (first, _) = first.await.unwrap();
    let (second, _) = second.await.unwrap();
    assert!(matches!(first, Written::Unconfirmed(..)), "{first:?}");
    assert!(matches!(second, Written::Unconfirmed(..)), "{second:?}");
    tokio::time::sleep(Duration::from_millis(10)).await;
    let dir = Path::new("/data/appendonlydir");
    let incr = sim.read(&dir.join("appendonly.aof.1.incr.aof")).unwrap();
    assert!(
        !incr.windows(7).any(|w| w == b"$1\r\nb\r\n"),
        "the second group was never appended: {:?}",
        String::from_utf8_lossy(&incr)
    );
    assert_eq!(
        sim.stats().appends - appends_before,
        1,
        "the second group never reached the disk"
    );
    assert!(
        sim.read(&dir.join("appendonly.aof.manifest"))
            .unwrap()
            .ends_with(b"seq 1 type i\n"),
        "no recovery in place yet"
    );
    // The crash comes before the recovery's files are in place.
    let sim = sim.crash(CrashMode::KeepUnsynced);
    let again = start_on(&sim, FsyncPolicy::Always).await;
    assert_eq!(again.report.keys, 0, "the file ends where it was durable");
}

#[tokio::test(start_paused = true)]
async fn everysec_fsyncs_once_a_second_off_the_request_path() {
    let sim = sim_disk(4);
    let node = start_on(&sim, FsyncPolicy::EverySec).await;
    let mut client = kv_engine::ClientState::new(1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let first = lsn(&node.write(&mut client, &words("SET a 1")).await);
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(
        *node.durability.durable_lsn().borrow() >= first,
        "a second since the last fsync: this one goes at once"
    );
    let before = sim.stats().fsyncs;
    let mut last = 0;
    for i in 0..50 {
        last = lsn(&node
            .write(&mut client, &words(&format!("SET b{i} 1")))
            .await);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        *node.durability.durable_lsn().borrow() < last,
        "not yet a second"
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(*node.durability.durable_lsn().borrow() >= last);
    let fsyncs = sim.stats().fsyncs - before;
    assert!((1..=2).contains(&fsyncs), "{fsyncs} fsyncs in 1.7 s");
    node.durability.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn no_is_durable_once_written_and_shutdown_fsyncs() {
    let sim = sim_disk(5);
    let node = start_on(&sim, FsyncPolicy::No).await;
    let mut client = kv_engine::ClientState::new(1);
    let before = sim.stats().fsyncs;
    let mut last = 0;
    for i in 0..30 {
        last = lsn(&node
            .write(&mut client, &words(&format!("RPUSH l {i}")))
            .await);
    }
    node.durability.wait_durable(last).await.unwrap();
    assert_eq!(sim.stats().fsyncs, before, "the OS decides");
    node.durability.shutdown().await.unwrap();
    assert!(sim.stats().fsyncs > before, "shutdown fsyncs");
    let sim = sim.crash(CrashMode::DropUnsynced);
    let again = start_on(&sim, FsyncPolicy::No).await;
    assert_eq!(again.dump(), node.dump());
}

#[tokio::test(start_paused = true)]
async fn shutdown_drains_every_delta_and_later_calls_are_refused() {
    let sim = sim_disk(6);
    let node = start_on(&sim, FsyncPolicy::EverySec).await;
    let mut client = kv_engine::ClientState::new(1);
    for i in 0..500 {
        node.write(&mut client, &words(&format!("SADD s {i}")))
            .await;
    }
    node.durability.shutdown().await.unwrap();
    assert!(matches!(
        node.durability.reserve(1).await,
        Err(persistence::DurabilityError::Closed)
    ));
    node.durability.shutdown().await.unwrap();
    let sim = sim.crash(CrashMode::DropUnsynced);
    let again = start_on(&sim, FsyncPolicy::EverySec).await;
    assert_eq!(again.dump(), node.dump());
}

#[tokio::test(start_paused = true)]
async fn a_group_still_in_flight_on_a_file_a_recovery_replaced_leaves_the_new_file_alone() {
    let sim = sim_disk(8);
    let node = slow_always_node(&sim).await;
    let start = Instant::now();
    let first = spawn_write(&node, 1, "SET a 1");
    // The first group's fsync runs from 5 to 10 ms; the second group's
    // append, started at 6 ms, takes until 206 ms.
    tokio::time::sleep(SLOW + Duration::from_millis(1)).await;
    sim.set_slow_latency(Duration::from_millis(200));
    let second = spawn_write(&node, 2, "SET b 2");
    tokio::time::sleep(Duration::from_millis(1)).await;
    // The first group's fsync fails at 10 ms: the AOF fails, and a
    // recovery (a fresh base, a new incremental file) follows on quick
    // calls while the second group is still appending to the old file.
    sim.set_probability(Fault::FsyncError, 1.0);
    tokio::time::sleep(Duration::from_millis(4)).await;
    sim.set_probability(Fault::FsyncError, 0.0);
    sim.set_slow_latency(Duration::from_millis(1));
    assert!(matches!(first.await.unwrap().0, Written::Unconfirmed(..)));
    while node.durability.misconf().is_some() {
        assert!(
            Instant::now() - start < Duration::from_millis(190),
            "the recovery ends before the second group's append does"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // The second group's fsync, on the abandoned file, fails: that says
    // nothing about the new file, which stays healthy.
    sim.set_probability(Fault::FsyncError, 1.0);
    tokio::time::sleep_until(start + Duration::from_millis(220)).await;
    sim.set_probability(Fault::FsyncError, 0.0);
    let _ = second.await.unwrap();
    assert!(
        node.durability.misconf().is_none(),
        "an old file's fsync failed after the recovery: {:?}",
        node.durability.misconf()
    );
    let mut client = kv_engine::ClientState::new(3);
    let third = node.write(&mut client, &words("SET c 3")).await;
    assert!(matches!(third, Written::Ok(..)), "{third:?}");
    node.durability.shutdown().await.unwrap();
    // The base holds a and b, the new incremental file c, and nothing of
    // the old file's late append counts against it.
    let sim = sim.crash(CrashMode::DropUnsynced);
    assert_eq!(start_on(&sim, FsyncPolicy::Always).await.report.keys, 3);
}

#[tokio::test(start_paused = true)]
async fn an_everysec_fsync_still_in_flight_on_a_file_a_recovery_replaced_leaves_the_new_file_alone()
{
    let sim = sim_disk(9);
    let node = start_on(&sim, FsyncPolicy::EverySec).await;
    let start = Instant::now();
    sim.set_slow_latency(Duration::from_millis(1));
    sim.set_probability(Fault::SlowDisk, 1.0);
    let mut client = kv_engine::ClientState::new(1);
    let first = node.write(&mut client, &words("SET a 1")).await;
    assert!(matches!(first, Written::Ok(..)), "{first:?}");
    // The everysec fsync due at 1 s runs until 1.3 s; every other call
    // takes 1 ms.
    tokio::time::sleep_until(start + Duration::from_millis(950)).await;
    sim.set_slow_latency(Duration::from_millis(300));
    tokio::time::sleep_until(start + Duration::from_millis(1050)).await;
    sim.set_slow_latency(Duration::from_millis(1));
    // (INFO's fields are published at the actor's next wake-up, a tick.)
    tokio::time::sleep_until(start + Duration::from_millis(1150)).await;
    assert_eq!(node.durability.status().aof_pending_bio_fsync, 1);
    // An append fails meanwhile: a recovery (a fresh base, a new
    // incremental file) follows while the fsync still runs.
    sim.fail_next(Fault::WriteError);
    let second = node.write(&mut client, &words("SET b 2")).await;
    assert!(matches!(second, Written::Ok(..)), "everysec: {second:?}");
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(node.durability.misconf().is_some(), "the append failed");
    while node.durability.misconf().is_some() {
        assert!(
            Instant::now() - start < Duration::from_millis(1290),
            "the recovery ends before the old file's fsync does"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // That fsync, on the abandoned file, fails: it says nothing about the
    // new file, which stays healthy.
    tokio::time::sleep_until(start + Duration::from_millis(1290)).await;
    assert_eq!(node.durability.status().aof_pending_bio_fsync, 1);
    sim.set_probability(Fault::FsyncError, 1.0);
    tokio::time::sleep_until(start + Duration::from_millis(1360)).await;
    sim.set_probability(Fault::FsyncError, 0.0);
    assert_eq!(node.durability.status().aof_pending_bio_fsync, 0);
    assert!(
        node.durability.misconf().is_none(),
        "an old file's fsync failed after the recovery: {:?}",
        node.durability.misconf()
    );
    let third = node.write(&mut client, &words("SET c 3")).await;
    assert!(matches!(third, Written::Ok(..)), "{third:?}");
    node.durability.shutdown().await.unwrap();
    let sim = sim.crash(CrashMode::DropUnsynced);
    assert_eq!(start_on(&sim, FsyncPolicy::EverySec).await.report.keys, 3);
}
