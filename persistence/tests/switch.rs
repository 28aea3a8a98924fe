//! The AOF switched at run time (`AofDir`), on the simulated disk in
//! paused time: switched on, its first base and manifest come before any
//! write counts as durable, and a crash at any moment after an
//! acknowledged `always` write loses nothing; switched off, what was
//! queued is still written and the files stay; BGREWRITEAOF with the AOF
//! off leaves a manifest naming only a fresh base.

mod support;

use kv_engine::ClientState;
use persistence::storage::sim::{CrashMode, SimStorage};
use persistence::{AofDir, Durability, DurabilityOptions, FsyncPolicy, Storage};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use support::{run, sim_config, sim_disk, words};

const MANIFEST: &str = "/data/appendonlydir/appendonly.aof.manifest";

fn manifest(sim: &SimStorage) -> String {
    String::from_utf8(sim.read(Path::new(MANIFEST)).unwrap_or_default()).unwrap()
}

/// Shuts the pipeline down cleanly; a restart on its files finds the
/// engine's data.
async fn shut_down_and_recover(
    engine: &parking_lot::Mutex<kv_engine::Engine>,
    aof: &Durability,
    sim: &SimStorage,
) {
    aof.shutdown().await.expect("a clean shutdown");
    assert_eq!(recovered(sim), support::dump(&engine.lock()));
}

/// The configuration of a BGREWRITEAOF with the AOF off.
fn offline_config() -> persistence::PersistenceConfig {
    persistence::PersistenceConfig {
        appendonly: false,
        ..sim_config(FsyncPolicy::EverySec)
    }
}

/// The next disk call on `sim` takes `latency`.
fn slow_next_call(sim: &SimStorage, latency: Duration) {
    sim.set_slow_latency(latency);
    sim.fail_next(persistence::storage::sim::Fault::SlowDisk);
}

/// An engine with the AOF off, on `sim`, and its AOF directory.
fn engine_off(sim: &SimStorage) -> (Arc<parking_lot::Mutex<kv_engine::Engine>>, AofDir) {
    let (engine, _, _) = support::new_engine();
    let engine = Arc::new(parking_lot::Mutex::new(engine));
    engine
        .lock()
        .set_delta_sink(Box::new(kv_engine::delta::NoDeltas));
    let storage: Arc<dyn Storage> = Arc::new(sim.clone());
    let dir = AofDir::new(storage, engine.clone(), DurabilityOptions::default());
    (engine, dir)
}

/// Switches the AOF on as the server does: under the engine lock.
fn switch_on(
    engine: &parking_lot::Mutex<kv_engine::Engine>,
    dir: &AofDir,
    policy: FsyncPolicy,
) -> Durability {
    let mut engine = engine.lock();
    let aof = dir.enable(&sim_config(policy), engine.next_lsn() - 1);
    engine.set_delta_sink(aof.delta_sink());
    aof
}

/// A write with credit first and, for `always`, its fsync waited for.
async fn write(
    engine: &parking_lot::Mutex<kv_engine::Engine>,
    aof: &Durability,
    line: &str,
) -> Option<u64> {
    let lsn = taken(engine, aof, line).await?;
    aof.wait_durable(lsn).await.expect("durable");
    Some(lsn)
}

/// A write with credit first, its fsync not waited for; its LSN.
async fn taken(
    engine: &parking_lot::Mutex<kv_engine::Engine>,
    aof: &Durability,
    line: &str,
) -> Option<u64> {
    let mut permit = aof.reserve(1).await.expect("credit");
    let mut client = ClientState::new(1);
    let (_, outcome) = run(&mut engine.lock(), &mut client, &words(line));
    if outcome.lsn.is_some() {
        permit.spent(1);
    }
    outcome.lsn
}

fn recovered(sim: &SimStorage) -> Vec<(usize, Vec<u8>, support::Content, Option<i64>)> {
    let (mut engine, _, _) = support::new_engine();
    persistence::recover(&sim_config(FsyncPolicy::Always), sim, &mut engine).expect("recovery");
    support::dump(&engine)
}

#[tokio::test(start_paused = true)]
async fn switched_on_nothing_is_durable_before_its_manifest_and_nothing_acknowledged_is_lost() {
    let sim = sim_disk(7);
    let (engine, dir) = engine_off(&sim);
    support::run_all(&mut engine.lock(), &["SET before 1", "RPUSH list a b"]);
    sim.set_slow_latency(Duration::from_millis(50));
    sim.set_probability(persistence::storage::sim::Fault::SlowDisk, 1.0);
    let aof = switch_on(&engine, &dir, FsyncPolicy::Always);
    assert!(aof.status().aof_rewrite_in_progress);
    // The first write after the switch waits for the base and the manifest.
    let lsn = write(&engine, &aof, "SET after 1").await.unwrap();
    assert!(
        manifest(&sim).contains("type b") && manifest(&sim).contains("type i"),
        "acknowledged only once the manifest names a base and an incr file: {}",
        manifest(&sim)
    );
    assert!(*aof.durable_lsn().borrow() >= lsn);
    for i in 0..20 {
        write(&engine, &aof, &format!("INCR counter{}", i % 3)).await;
    }
    let expected = support::dump(&engine.lock());
    sim.set_probability(persistence::storage::sim::Fault::SlowDisk, 0.0);
    let crashed = sim.crash(CrashMode::DropUnsynced);
    assert_eq!(recovered(&crashed), expected, "every acknowledged write");
    let status = aof.status();
    assert!(status.aof_enabled && !status.aof_rewrite_in_progress);
    assert_eq!(status.aof_rewrites, 1, "the switch's rewrite counts");
}

/// Switched on and off at once, before its first base began: INFO does
/// not go on showing a rewrite in progress (a BGREWRITEAOF with the AOF
/// off would be refused as one until a restart).
#[tokio::test(start_paused = true)]
async fn switched_on_and_off_at_once_no_rewrite_stays_in_progress() {
    let sim = sim_disk(9);
    let (engine, dir) = engine_off(&sim);
    // The first disk call of the switch's check takes ten seconds: the
    // switch off comes while it runs.
    slow_next_call(&sim, Duration::from_secs(10));
    let aof = switch_on(&engine, &dir, FsyncPolicy::EverySec);
    assert!(dir.status().aof_rewrite_in_progress, "shown at once");
    tokio::time::sleep(Duration::from_secs(1)).await;
    engine
        .lock()
        .set_delta_sink(Box::new(kv_engine::delta::NoDeltas));
    dir.disabled();
    aof.stop().await.expect("a clean stop");
    assert!(!dir.status().aof_rewrite_in_progress);
}

#[tokio::test(start_paused = true)]
async fn switched_off_what_was_queued_is_written_and_the_files_stay() {
    let sim = sim_disk(8);
    let (engine, dir) = engine_off(&sim);
    let aof = switch_on(&engine, &dir, FsyncPolicy::EverySec);
    for i in 0..50 {
        write(&engine, &aof, &format!("RPUSH log {i}")).await;
    }
    let expected = support::dump(&engine.lock());
    // Off, as the server does it: the sink discards from now on.
    engine
        .lock()
        .set_delta_sink(Box::new(kv_engine::delta::NoDeltas));
    dir.disabled();
    aof.stop().await.expect("a clean stop");
    assert!(!dir.status().aof_enabled);
    support::run_all(&mut engine.lock(), &["SET later 1"]);
    let files = sim.list_dir(Path::new("/data/appendonlydir")).unwrap();
    assert_eq!(files.len(), 3, "base, incr and manifest stay: {files:?}");
    assert_eq!(
        recovered(&sim.crash(CrashMode::DropUnsynced)),
        expected,
        "everything before the switch, fsynced by the stop; nothing after"
    );
}

#[tokio::test(start_paused = true)]
async fn switched_on_again_the_file_numbers_go_on_and_the_older_files_go() {
    let sim = sim_disk(10);
    let (engine, dir) = engine_off(&sim);
    let aof = switch_on(&engine, &dir, FsyncPolicy::EverySec);
    write(&engine, &aof, "SET first 1").await;
    engine
        .lock()
        .set_delta_sink(Box::new(kv_engine::delta::NoDeltas));
    dir.disabled();
    aof.stop().await.expect("a clean stop");
    support::run_all(&mut engine.lock(), &["SET while-off 1"]);
    let again = switch_on(&engine, &dir, FsyncPolicy::Always);
    write(&engine, &again, "SET last 1").await;
    let text = manifest(&sim);
    assert!(
        text.contains("appendonly.aof.2.base") && text.contains("appendonly.aof.2.incr.aof"),
        "{text}"
    );
    again.shutdown().await.unwrap();
    assert_eq!(recovered(&sim), support::dump(&engine.lock()));
}

/// Switched on while a BGSAVE's snapshot runs, the first base waits for
/// it; a shutdown meanwhile does not wait for a base that nothing will
/// start any more (Redis 7.0.15 exits there too).
#[tokio::test(start_paused = true)]
async fn switched_on_behind_a_bgsave_it_still_shuts_down() {
    let sim = sim_disk(12);
    let (engine, dir) = engine_off(&sim);
    support::run_all(&mut engine.lock(), &["SET a 1"]);
    engine.lock().begin_snapshot().unwrap();
    let aof = switch_on(&engine, &dir, FsyncPolicy::EverySec);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        aof.status().aof_rewrite_scheduled,
        "waits behind the snapshot"
    );
    let stopped = tokio::time::timeout(Duration::from_secs(10), aof.shutdown()).await;
    assert!(stopped.is_ok(), "the shutdown hung");
    engine.lock().cancel_snapshot();
}

/// The AOF switched on (everysec) where a file holds the name of its
/// directory, with `SET a 1` before, after three ticks.
async fn switched_on_into_a_file() -> (
    SimStorage,
    Arc<parking_lot::Mutex<kv_engine::Engine>>,
    Durability,
) {
    let sim = sim_disk(11);
    let (engine, dir) = engine_off(&sim);
    support::run_all(&mut engine.lock(), &["SET a 1"]);
    support::put(&sim, Path::new("/data/appendonlydir"), b"");
    let aof = switch_on(&engine, &dir, FsyncPolicy::EverySec);
    tokio::time::sleep(Duration::from_millis(300)).await;
    (sim, engine, aof)
}

/// Switched on into a directory that takes no file (as when CONFIG SET
/// appendonly yes came during a BGSAVE and nothing was checked): as in
/// Redis 7.0.15, writes go on (no MISCONF), INFO shows the switch's
/// rewrite scheduled and failed (none counted), it is tried at every tick
/// and switches the AOF on once the directory is usable; shut down
/// meanwhile, it stops.
#[tokio::test(start_paused = true)]
async fn switched_on_into_an_unusable_directory_writes_go_on_and_it_retries() {
    let (sim, engine, aof) = switched_on_into_a_file().await;
    assert_eq!(aof.misconf(), None, "writes are not refused");
    // Taken; durable once the first base is in.
    taken(&engine, &aof, "SET b 2").await;
    let status = aof.status();
    assert!(status.aof_enabled && status.aof_last_write_ok, "{status:?}");
    assert!(
        status.aof_rewrite_scheduled && !status.aof_rewrite_in_progress,
        "{status:?}"
    );
    assert!(!status.aof_last_bgrewrite_ok, "{status:?}");
    assert_eq!(
        (
            status.aof_rewrites,
            status.aof_rewrites_consecutive_failures
        ),
        (0, 0),
        "refused before it started, as Redis's"
    );
    assert_eq!(manifest(&sim), "", "nothing written");
    // The way cleared, the next tick switches the AOF on.
    sim.remove(Path::new("/data/appendonlydir")).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = aof.status();
    assert!(status.aof_last_bgrewrite_ok, "{status:?}");
    assert!(!status.aof_rewrite_scheduled, "{status:?}");
    assert_eq!(status.aof_rewrites, 1);
    write(&engine, &aof, "SET c 3").await;
    shut_down_and_recover(&engine, &aof, &sim).await;
}

#[tokio::test(start_paused = true)]
async fn switched_on_into_an_unusable_directory_it_still_shuts_down() {
    let (_sim, _engine, aof) = switched_on_into_a_file().await;
    let stopped = tokio::time::timeout(Duration::from_secs(10), aof.shutdown()).await;
    assert!(matches!(stopped, Ok(Ok(()))), "{stopped:?}");
}

/// Under `appendfsync always` a reply waits for the fsync covering its
/// write, and with no first base no file can cover it: the failure is a
/// disk error there (MISCONF, the waiting write released with it, then
/// recoveries), not a switch tried again while every write waits. Also
/// when `always` comes while a failed first base waits for its next try.
#[tokio::test(start_paused = true)]
async fn under_always_a_first_base_that_cannot_be_written_refuses_writes() {
    for switched_later in [false, true] {
        let sim = sim_disk(17);
        let (engine, dir) = engine_off(&sim);
        support::run_all(&mut engine.lock(), &["SET a 1"]);
        support::put(&sim, Path::new("/data/appendonlydir"), b"");
        let first = if switched_later {
            FsyncPolicy::EverySec
        } else {
            FsyncPolicy::Always
        };
        let aof = switch_on(&engine, &dir, first);
        tokio::time::sleep(Duration::from_millis(300)).await;
        if switched_later {
            assert_eq!(aof.misconf(), None, "everysec: writes go on");
            aof.set_fsync(FsyncPolicy::Always);
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        assert!(aof.misconf().is_some(), "MISCONF ({switched_later})");
        // A write taken before the refusal reached it is released, not
        // left waiting for a base that no tick may bring soon.
        let lsn = taken(&engine, &aof, "SET b 2").await.expect("a write");
        let waited = tokio::time::timeout(Duration::from_millis(100), aof.wait_durable(lsn)).await;
        assert!(
            matches!(waited, Ok(Err(_))),
            "{waited:?} ({switched_later})"
        );
        // The way cleared, a recovery writes the base.
        sim.remove(Path::new("/data/appendonlydir")).unwrap();
        tokio::time::sleep(Duration::from_secs(70)).await;
        assert_eq!(aof.misconf(), None, "recovered ({switched_later})");
        write(&engine, &aof, "SET c 3").await;
        shut_down_and_recover(&engine, &aof, &sim).await;
    }
}

/// The manifest already in the directory (whose numbers the switch's
/// files continue) is read in the check before the first base, off the
/// actor's loop: while that read hangs on the disk the actor still
/// answers (a BGREWRITEAOF: in progress, the first base's check being the
/// switch's rewrite, as Redis answers once it forked), and the numbers
/// still go on.
#[tokio::test(start_paused = true)]
async fn switched_on_while_the_manifest_read_hangs_the_writer_answers() {
    let sim = sim_disk(31);
    let (engine, dir) = engine_off(&sim);
    support::run_all(&mut engine.lock(), &["SET a 1"]);
    support::put(
        &sim,
        Path::new(MANIFEST),
        b"file appendonly.aof.4.base.rdb seq 4 type b\nfile appendonly.aof.6.incr.aof seq 6 type i\n",
    );
    // The first disk call of the switch, the manifest's read, takes a minute.
    slow_next_call(&sim, Duration::from_secs(60));
    let aof = switch_on(&engine, &dir, FsyncPolicy::EverySec);
    let answered = tokio::time::timeout(Duration::from_secs(1), aof.rewrite()).await;
    assert!(
        matches!(answered, Ok(Err(persistence::RewriteError::InProgress))),
        "answered: {answered:?}"
    );
    tokio::time::sleep(Duration::from_secs(61)).await;
    // The first base took 5 and 7.
    assert_eq!(
        manifest(&sim),
        "file appendonly.aof.5.base.rdb seq 5 type b\nfile appendonly.aof.7.incr.aof seq 7 type i\n"
    );
    assert_eq!(aof.status().aof_rewrites, 1);
    write(&engine, &aof, "SET b 2").await;
    shut_down_and_recover(&engine, &aof, &sim).await;
}

/// Under `always` a first base that fails is MISCONF, but INFO's rewrite
/// fields count its tries as under everysec (and as Redis, which has no
/// such MISCONF, counts them): refused while its directory takes no file
/// (none counted, no failure in a row), tried at every tick; failed once
/// begun (the disk full), three tries at the ticks, then the limit.
#[tokio::test(start_paused = true)]
async fn under_always_the_first_base_tries_count_as_rewrites() {
    for full in [false, true] {
        let sim = sim_disk(29);
        let (engine, dir) = engine_off(&sim);
        support::run_all(&mut engine.lock(), &["SET a 1"]);
        if full {
            // Room for the empty incremental file, not for a base.
            sim.set_capacity(Some(8));
        } else {
            support::put(&sim, Path::new("/data/appendonlydir"), b"");
        }
        let aof = switch_on(&engine, &dir, FsyncPolicy::Always);
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(aof.misconf().is_some(), "always: MISCONF ({full})");
        let status = aof.status();
        assert!(
            status.aof_rewrite_scheduled && !status.aof_last_bgrewrite_ok,
            "{status:?}"
        );
        let counted = (
            status.aof_rewrites,
            status.aof_rewrites_consecutive_failures,
        );
        let expected = if full { (3, 3) } else { (0, 0) };
        assert_eq!(counted, expected, "{full}: {status:?}");
        if full {
            sim.set_capacity(None);
            tokio::time::sleep(Duration::from_secs(60 * 5)).await;
        } else {
            sim.remove(Path::new("/data/appendonlydir")).unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        assert_eq!(aof.misconf(), None, "{full}");
        let status = aof.status();
        assert!(
            status.aof_last_bgrewrite_ok && !status.aof_rewrite_scheduled,
            "{status:?}"
        );
        assert_eq!(status.aof_rewrites, expected.0 + 1, "{status:?}");
        assert_eq!(status.aof_rewrites_consecutive_failures, 0);
        write(&engine, &aof, "SET c 3").await;
        shut_down_and_recover(&engine, &aof, &sim).await;
    }
}

/// Leaving `always` for everysec while its first base is in MISCONF: as
/// for a switch under everysec, at once, the failed base is a failed
/// rewrite tried again at the ticks while writes go on (not MISCONF until
/// a recovery succeeds, here never while the way is blocked).
#[tokio::test(start_paused = true)]
async fn leaving_always_a_first_base_in_misconf_is_a_rewrite_retried_with_writes_going_on() {
    let sim = sim_disk(23);
    let (engine, dir) = engine_off(&sim);
    support::run_all(&mut engine.lock(), &["SET a 1"]);
    support::put(&sim, Path::new("/data/appendonlydir"), b"");
    let aof = switch_on(&engine, &dir, FsyncPolicy::Always);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(aof.misconf().is_some(), "always: MISCONF");
    aof.set_fsync(FsyncPolicy::EverySec);
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(aof.misconf(), None, "everysec: writes go on at once");
    taken(&engine, &aof, "SET b 2").await.expect("a write");
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(aof.misconf(), None, "and stay going on");
    let status = aof.status();
    assert!(status.aof_last_write_ok, "{status:?}");
    assert!(
        status.aof_rewrite_scheduled && !status.aof_last_bgrewrite_ok,
        "{status:?}"
    );
    // The way cleared, a tick writes the base.
    sim.remove(Path::new("/data/appendonlydir")).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = aof.status();
    assert!(
        status.aof_last_bgrewrite_ok && !status.aof_rewrite_scheduled,
        "{status:?}"
    );
    write(&engine, &aof, "SET c 3").await;
    shut_down_and_recover(&engine, &aof, &sim).await;
}

/// A first base that fails once it has begun (here the disk is full) is, as in Redis, a failed rewrite and not a disk error:
/// writes go on, it is tried again at the next ticks until three have
/// failed in a row, then at the automatic rewrites' backoff.
#[tokio::test(start_paused = true)]
async fn a_first_base_that_fails_is_tried_again_and_writes_go_on() {
    let sim = sim_disk(13);
    let (engine, dir) = engine_off(&sim);
    support::run_all(&mut engine.lock(), &["SET a 1"]);
    // Room for the empty incremental file, not for a base.
    sim.set_capacity(Some(8));
    let aof = switch_on(&engine, &dir, FsyncPolicy::EverySec);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(aof.misconf(), None, "writes are not refused");
    // Taken; durable once the first base is in.
    taken(&engine, &aof, "SET b 2").await;
    let status = aof.status();
    assert!(status.aof_rewrite_scheduled && !status.aof_last_bgrewrite_ok);
    assert_eq!(
        (
            status.aof_rewrites,
            status.aof_rewrites_consecutive_failures
        ),
        (3, 3),
        "three tries at the ticks, then the limit: {status:?}"
    );
    sim.set_capacity(None);
    tokio::time::sleep(Duration::from_secs(60 * 5)).await;
    let status = aof.status();
    assert!(
        status.aof_last_bgrewrite_ok && !status.aof_rewrite_scheduled,
        "{status:?}"
    );
    assert_eq!(status.aof_rewrites_consecutive_failures, 0);
    write(&engine, &aof, "SET c 3").await;
    shut_down_and_recover(&engine, &aof, &sim).await;
}

/// A BGREWRITEAOF while the first base waits out its backoff is that
/// base, tried at the next tick (Redis runs a requested rewrite at its
/// next cron), not after the backoff.
#[tokio::test(start_paused = true)]
async fn a_bgrewriteaof_tries_a_limited_first_base_at_once() {
    let sim = sim_disk(19);
    let (engine, dir) = engine_off(&sim);
    support::run_all(&mut engine.lock(), &["SET a 1"]);
    sim.set_capacity(Some(8));
    let aof = switch_on(&engine, &dir, FsyncPolicy::EverySec);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(aof.status().aof_rewrites_consecutive_failures, 3, "limited");
    sim.set_capacity(None);
    aof.rewrite().await.expect("asked for");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let status = aof.status();
    assert!(
        status.aof_last_bgrewrite_ok && !status.aof_rewrite_scheduled,
        "{status:?}"
    );
    write(&engine, &aof, "SET c 3").await;
    shut_down_and_recover(&engine, &aof, &sim).await;
}

#[tokio::test(start_paused = true)]
async fn bgrewriteaof_with_the_aof_off_into_an_unusable_directory_starts_nothing() {
    let sim = sim_disk(10);
    let (engine, dir) = engine_off(&sim);
    support::run_all(&mut engine.lock(), &["SET a 1"]);
    // A file where the AOF directory should go, as Redis's mkdir meets it.
    support::put(&sim, Path::new("/data/appendonlydir"), b"");
    let config = offline_config();
    assert_eq!(
        dir.rewrite_offline(&config).await,
        Err(persistence::RewriteError::DirUnusable)
    );
    let status = dir.status();
    assert!(!status.aof_last_bgrewrite_ok && !status.aof_rewrite_in_progress);
    assert_eq!(
        (
            status.aof_rewrites,
            status.aof_rewrites_consecutive_failures
        ),
        (0, 0),
        "as Redis: refused before it started"
    );
    // The way cleared, the next one runs.
    sim.remove(Path::new("/data/appendonlydir")).unwrap();
    dir.rewrite_offline(&config).await.expect("started");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        manifest(&sim),
        "file appendonly.aof.1.base.rdb seq 1 type b\n"
    );
    assert!(dir.status().aof_last_bgrewrite_ok);
}

#[tokio::test(start_paused = true)]
async fn bgrewriteaof_with_the_aof_off_writes_a_base_and_a_manifest_naming_only_it() {
    let sim = sim_disk(9);
    let (engine, dir) = engine_off(&sim);
    support::run_all(&mut engine.lock(), &["SET a 1", "SADD s x y", "HSET h f v"]);
    let config = offline_config();
    dir.rewrite_offline(&config).await.expect("started");
    assert_eq!(
        dir.rewrite_offline(&config).await,
        Err(persistence::RewriteError::InProgress)
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        manifest(&sim),
        "file appendonly.aof.1.base.rdb seq 1 type b\n"
    );
    let status = dir.status();
    assert!(!status.aof_rewrite_in_progress && status.aof_last_bgrewrite_ok);
    assert_eq!(status.aof_rewrites, 1);
    // Behind a BGSAVE's snapshot it waits, as Redis schedules it.
    engine.lock().begin_snapshot().unwrap();
    dir.rewrite_offline(&config).await.expect("started");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(dir.status().aof_rewrite_scheduled);
    engine.lock().cancel_snapshot();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        manifest(&sim),
        "file appendonly.aof.2.base.rdb seq 2 type b\n"
    );
    assert_eq!(
        sim.list_dir(Path::new("/data/appendonlydir"))
            .unwrap()
            .len(),
        2,
        "the older base is gone"
    );
    assert_eq!(recovered(&sim), support::dump(&engine.lock()));
    dir.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test(start_paused = true)]
async fn bgrewriteaof_with_the_aof_off_dropped_before_it_started_leaves_nothing_claimed() {
    let sim = sim_disk(12);
    let (engine, dir) = engine_off(&sim);
    support::run_all(&mut engine.lock(), &["SET a 1"]);
    let config = offline_config();
    // Its mkdir takes a second; the caller gives up after a millisecond
    // (a client killed, a cancelled task).
    slow_next_call(&sim, Duration::from_secs(1));
    tokio::select! {
        _ = dir.rewrite_offline(&config) => panic!("the slow mkdir finished first"),
        _ = tokio::time::sleep(Duration::from_millis(1)) => {}
    }
    assert!(!dir.status().aof_rewrite_in_progress);
    dir.rewrite_offline(&config)
        .await
        .expect("not \"already in progress\"");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        manifest(&sim),
        "file appendonly.aof.1.base.rdb seq 1 type b\n"
    );
}

/// An offline rewrite overtaken by the switch on that ends while the
/// switch's first base runs writes nothing of its own in INFO: the first
/// base is the rewrite in progress there, as the switch's is in Redis.
#[tokio::test(start_paused = true)]
async fn an_offline_rewrite_overtaken_by_the_switch_on_leaves_info_to_it() {
    let sim = sim_disk(18);
    let (engine, dir) = engine_off(&sim);
    support::run_all(&mut engine.lock(), &["SET a 1"]);
    let config = offline_config();
    // The offline rewrite's mkdir takes 2 s; the switch comes at 100 ms,
    // and every call of its first base takes 1 s: it starts at about 1.1 s
    // (once its check has read the manifest and created the incremental
    // file) and ends at about 3.1 s.
    slow_next_call(&sim, Duration::from_secs(2));
    let (started, aof) = tokio::join!(dir.rewrite_offline(&config), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        sim.set_slow_latency(Duration::from_secs(1));
        sim.set_probability(persistence::storage::sim::Fault::SlowDisk, 1.0);
        switch_on(&engine, &dir, FsyncPolicy::EverySec)
    });
    started.expect("started");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let status = aof.status();
    assert!(
        status.aof_rewrite_in_progress && status.aof_current_rewrite_time_sec >= 1,
        "the first base runs: {status:?}"
    );
    sim.set_probability(persistence::storage::sim::Fault::SlowDisk, 0.0);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let status = aof.status();
    assert!(
        !status.aof_rewrite_in_progress && status.aof_last_bgrewrite_ok,
        "{status:?}"
    );
    assert_eq!(status.aof_rewrites, 1, "the switch's own");
    aof.shutdown().await.expect("a clean shutdown");
    dir.shutdown(Duration::from_secs(60)).await;
    assert_eq!(recovered(&sim), support::dump(&engine.lock()));
}

/// BGREWRITEAOF with the AOF off, and the AOF switched on before that
/// rewrite holds the directory: the pipeline holds it for its whole life,
/// so the offline rewrite gives up (as Redis kills its rewrite child to
/// start the switch's) instead of waiting, in progress in INFO, forever.
#[tokio::test(start_paused = true)]
async fn an_offline_rewrite_overtaken_by_the_switch_on_gives_up() {
    let sim = sim_disk(16);
    let (engine, dir) = engine_off(&sim);
    support::run_all(&mut engine.lock(), &["SET a 1"]);
    let config = offline_config();
    // Asked for with the AOF off; the switch comes while its mkdir runs.
    slow_next_call(&sim, Duration::from_millis(500));
    let (started, aof) = tokio::join!(dir.rewrite_offline(&config), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        switch_on(&engine, &dir, FsyncPolicy::EverySec)
    });
    started.expect("started");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let status = aof.status();
    assert!(
        !status.aof_rewrite_in_progress && status.aof_last_bgrewrite_ok,
        "{status:?}"
    );
    assert_eq!(status.aof_rewrites, 1, "the switch's own");
    write(&engine, &aof, "SET b 2").await;
    aof.shutdown().await.expect("a clean shutdown");
    let stopped = tokio::time::timeout(
        Duration::from_secs(1),
        dir.shutdown(Duration::from_secs(60)),
    )
    .await;
    assert!(stopped.is_ok(), "nothing left writing the directory");
    assert_eq!(recovered(&sim), support::dump(&engine.lock()));
}

/// A reply waiting under `always` for a first base still being written is
/// let go once the policy leaves `always` (under everysec it would not
/// have waited), instead of waiting for that base however long it takes.
#[tokio::test(start_paused = true)]
async fn leaving_always_releases_the_replies_waiting_for_the_first_base() {
    let sim = sim_disk(19);
    let (engine, dir) = engine_off(&sim);
    support::run_all(&mut engine.lock(), &["SET a 1"]);
    // Every disk call of the first base takes a minute.
    sim.set_slow_latency(Duration::from_secs(60));
    sim.set_probability(persistence::storage::sim::Fault::SlowDisk, 1.0);
    let aof = switch_on(&engine, &dir, FsyncPolicy::Always);
    let lsn = taken(&engine, &aof, "SET b 2").await.expect("a write");
    let (waited, ()) = tokio::join!(
        tokio::time::timeout(Duration::from_secs(5), aof.wait_durable(lsn)),
        async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            aof.set_fsync(FsyncPolicy::EverySec);
        }
    );
    assert!(matches!(waited, Ok(Ok(()))), "let go: {waited:?}");
    sim.set_probability(persistence::storage::sim::Fault::SlowDisk, 0.0);
    // The base's calls already begun end in their minute; then it is in.
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert!(!aof.first_base_pending(), "the first base is in");
    shut_down_and_recover(&engine, &aof, &sim).await;
}
