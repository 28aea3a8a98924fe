//! AOF rewrites on the simulated disk: BGREWRITEAOF and the automatic
//! trigger, the files and manifest they leave (as Redis 7.0 names them),
//! and writes that arrive while a rewrite runs landing exactly once.

mod support;

use kv_engine::ClientState;
use persistence::storage::sim::{CrashMode, Fault};
use persistence::{DurabilityOptions, FsyncPolicy, RewriteError, Storage};
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;
use support::{sim_disk, start_on, start_with, words, Written};

const DIR: &str = "/data/appendonlydir";

#[tokio::test(start_paused = true)]
async fn bgrewriteaof_switches_to_a_new_base_and_deletes_the_old_files() {
    let sim = sim_disk(1);
    sim.set_slow_latency(Duration::from_millis(20));
    // The AOF form of the base (aof-use-rdb-preamble no).
    let mut config = support::sim_config(FsyncPolicy::EverySec);
    config.aof_use_rdb_preamble = false;
    let node = support::start_config(&sim, &config, support::NOW_MS).await;
    let mut client = ClientState::new(1);
    for i in 0..50 {
        node.write(&mut client, &words(&format!("RPUSH list {i}")))
            .await;
        node.write(&mut client, &words(&format!("SET s{i} {i}")))
            .await;
    }
    node.write(&mut client, &words("SELECT 3")).await;
    node.write(&mut client, &words("HSET h a 1")).await;
    sim.set_probability(Fault::SlowDisk, 1.0);
    node.durability.rewrite().await.unwrap();
    assert_eq!(
        node.durability.rewrite().await,
        Err(RewriteError::InProgress),
        "one at a time, as Redis"
    );
    assert!(node.durability.status().aof_rewrite_in_progress);
    tokio::time::sleep(Duration::from_secs(2)).await;
    sim.set_probability(Fault::SlowDisk, 0.0);
    let status = node.durability.status();
    assert!(!status.aof_rewrite_in_progress);
    assert_eq!(status.aof_rewrites, 1);
    assert!(status.aof_last_bgrewrite_ok);
    assert_eq!(
        sim.read(&Path::new(DIR).join("appendonly.aof.manifest"))
            .unwrap(),
        b"file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
    assert_eq!(
        sim.list_dir(Path::new(DIR)).unwrap(),
        [
            "appendonly.aof.2.base.aof",
            "appendonly.aof.2.incr.aof",
            "appendonly.aof.manifest"
        ]
    );
    assert_eq!(status.aof_base_size, status.aof_current_size);
    node.write(&mut client, &words("RPUSH list after")).await;
    node.durability.shutdown().await.unwrap();
    let sim = sim.crash(CrashMode::DropUnsynced);
    let again = support::start_config(&sim, &config, support::NOW_MS).await;
    assert_eq!(again.dump(), node.dump());
}

#[tokio::test(start_paused = true)]
async fn writes_during_a_rewrite_land_exactly_once() {
    for seed in 0..10 {
        let sim = sim_disk(seed);
        sim.set_slow_latency(Duration::from_millis(3));
        sim.set_probability(Fault::SlowDisk, 0.5);
        let node = Rc::new(start_on(&sim, FsyncPolicy::Always).await);
        let local = tokio::task::LocalSet::new();
        for writer in 0..4u64 {
            let node = node.clone();
            local.spawn_local(async move {
                let mut client = ClientState::new(writer);
                for i in 0..100 {
                    // Not idempotent: a delta applied twice shows.
                    let line = format!("RPUSH log{writer} {i}");
                    let written = node.write(&mut client, &words(&line)).await;
                    assert!(matches!(written, Written::Ok(..)), "{written:?}");
                }
            });
        }
        let rewriter = node.clone();
        local.spawn_local(async move {
            for _ in 0..3 {
                tokio::time::sleep(Duration::from_millis(40)).await;
                let _ = rewriter.durability.rewrite().await;
            }
        });
        local.await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(node.durability.status().aof_rewrites >= 1, "seed {seed}");
        let sim = sim.crash(CrashMode::DropUnsynced);
        let again = start_on(&sim, FsyncPolicy::Always).await;
        assert_eq!(again.dump(), node.dump(), "seed {seed}");
    }
}

#[tokio::test(start_paused = true)]
async fn growth_past_the_minimum_size_rewrites_automatically() {
    let sim = sim_disk(3);
    let mut config = support::sim_config(FsyncPolicy::No);
    config.auto_aof_rewrite_min_size = 4096;
    config.auto_aof_rewrite_percentage = 100;
    let node = support::start_config(&sim, &config, support::NOW_MS).await;
    let mut client = ClientState::new(1);
    for i in 0..200 {
        // The same key over and over: the rewrite shrinks the AOF.
        node.write(&mut client, &words(&format!("SET k {i:040}")))
            .await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let status = node.durability.status();
    assert!(status.aof_rewrites >= 1, "{status:?}");
    assert!(status.aof_current_size < 4096 * 2, "{status:?}");
    node.durability.shutdown().await.unwrap();
    let again = start_with(&sim.reboot(), FsyncPolicy::No, DurabilityOptions::default()).await;
    assert_eq!(again.dump(), node.dump());
}

#[tokio::test(start_paused = true)]
async fn a_rewrite_waits_behind_a_snapshot_in_progress_as_redis_schedules_it() {
    let sim = sim_disk(4);
    let node = start_on(&sim, FsyncPolicy::EverySec).await;
    let mut client = ClientState::new(1);
    node.write(&mut client, &words("SET a 1")).await;
    // A BGSAVE's snapshot holds the engine.
    node.engine.lock().begin_snapshot().unwrap();
    node.durability.rewrite().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let status = node.durability.status();
    assert!(status.aof_rewrite_scheduled, "{status:?}");
    assert_eq!(status.aof_rewrites, 0);
    assert_eq!(
        status.info_fields()[2],
        ("aof_rewrite_scheduled", "1".to_string())
    );
    node.engine.lock().cancel_snapshot();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let status = node.durability.status();
    assert!(!status.aof_rewrite_scheduled);
    assert_eq!(status.aof_rewrites, 1);
    node.durability.shutdown().await.unwrap();
}

/// `config` moved to `/new`, where a file named `appendonlydir` keeps the
/// AOF directory from being created (Redis's mkdir then fails too).
fn moved_to_a_blocked_dir(
    sim: &persistence::storage::sim::SimStorage,
) -> persistence::PersistenceConfig {
    support::put(sim, Path::new("/new/appendonlydir"), b"");
    moved_to_new()
}

/// The everysec config moved to `/new` (CONFIG SET dir).
fn moved_to_new() -> persistence::PersistenceConfig {
    let mut moved = support::sim_config(FsyncPolicy::EverySec);
    moved.dir = "/new".into();
    moved
}

#[tokio::test(start_paused = true)]
async fn a_rewrite_into_a_directory_that_cannot_hold_the_aof_is_refused_and_writes_go_on() {
    let sim = sim_disk(5);
    let node = start_on(&sim, FsyncPolicy::EverySec).await;
    let mut client = ClientState::new(1);
    node.write(&mut client, &words("SET a 1")).await;
    let files = sim.list_dir(Path::new(DIR)).unwrap();
    node.durability.set_dir(&moved_to_a_blocked_dir(&sim));
    assert_eq!(
        node.durability.rewrite().await,
        Err(RewriteError::DirUnusable)
    );
    let written = node.write(&mut client, &words("SET b 2")).await;
    assert!(matches!(written, Written::Ok(..)), "{written:?}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let status = node.durability.status();
    // As Redis: failed, but no rewrite ran and none is counted as failed.
    assert!(!status.aof_last_bgrewrite_ok, "{status:?}");
    assert!(status.aof_last_write_ok, "{status:?}");
    assert_eq!(
        (
            status.aof_rewrites,
            status.aof_rewrites_consecutive_failures
        ),
        (0, 0)
    );
    assert!(!status.aof_rewrite_in_progress && !status.aof_rewrite_scheduled);
    assert_eq!(
        node.durability.rewrite().await,
        Err(RewriteError::DirUnusable),
        "still pending, tried again"
    );
    assert_eq!(sim.list_dir(Path::new(DIR)).unwrap(), files);
    // The way cleared, the same CONFIG SET dir works at the next try.
    sim.remove(Path::new("/new/appendonlydir")).unwrap();
    node.durability.rewrite().await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let status = node.durability.status();
    assert!(
        status.aof_last_bgrewrite_ok && status.aof_rewrites == 1,
        "{status:?}"
    );
    assert_eq!(
        sim.list_dir(Path::new("/new/appendonlydir")).unwrap().len(),
        3
    );
    node.durability.shutdown().await.unwrap();
    let moved = moved_to_new();
    let again = support::start_config(&sim.reboot(), &moved, support::NOW_MS).await;
    assert_eq!(again.dump(), node.dump());
}

#[tokio::test(start_paused = true)]
async fn an_automatic_rewrite_into_an_unusable_directory_fails_alone_and_tries_at_every_tick() {
    let sim = sim_disk(6);
    let mut config = support::sim_config(FsyncPolicy::No);
    config.auto_aof_rewrite_min_size = 4096;
    config.auto_aof_rewrite_percentage = 100;
    let node = support::start_config(&sim, &config, support::NOW_MS).await;
    let mut moved = moved_to_a_blocked_dir(&sim);
    moved.auto_aof_rewrite_min_size = 4096;
    node.durability.set_dir(&moved);
    let mut client = ClientState::new(1);
    for i in 0..200 {
        let written = node
            .write(&mut client, &words(&format!("SET k {i:040}")))
            .await;
        assert!(matches!(written, Written::Ok(..)), "{written:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let status = node.durability.status();
    assert!(
        !status.aof_last_bgrewrite_ok && status.aof_last_write_ok,
        "{status:?}"
    );
    assert_eq!(status.aof_rewrites, 0, "{status:?}");
    assert!(status.aof_current_size > 4096 * 2, "{status:?}");
    // Tried again at every tick, as Redis's cron does: it runs as soon as
    // the way is clear.
    sim.remove(Path::new("/new/appendonlydir")).unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(
        node.durability.status().aof_rewrite_in_progress
            || node.durability.status().aof_rewrites == 1
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let status = node.durability.status();
    assert!(
        status.aof_last_bgrewrite_ok && status.aof_rewrites == 1,
        "{status:?}"
    );
    assert!(sim.list_dir(Path::new("/new/appendonlydir")).is_ok());
    node.durability.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_recovery_writes_where_the_files_are_when_the_new_directory_is_unusable() {
    let sim = sim_disk(7);
    let node = start_on(&sim, FsyncPolicy::EverySec).await;
    let mut client = ClientState::new(1);
    node.write(&mut client, &words("SET a 1")).await;
    node.durability.set_dir(&moved_to_a_blocked_dir(&sim));
    sim.fail_next(Fault::WriteError);
    node.write(&mut client, &words("SET b 2")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Recovered in /data: a fresh base, writes accepted again.
    let status = node.durability.status();
    assert!(status.aof_last_write_ok, "{status:?}");
    let written = node.write(&mut client, &words("SET c 3")).await;
    assert!(matches!(written, Written::Ok(..)), "{written:?}");
    assert!(sim
        .read(&Path::new(DIR).join("appendonly.aof.manifest"))
        .unwrap()
        .starts_with(b"file appendonly.aof.2.base"));
    // The move is still pending: a BGREWRITEAOF tries it and is refused.
    assert_eq!(
        node.durability.rewrite().await,
        Err(RewriteError::DirUnusable)
    );
    node.durability.shutdown().await.unwrap();
    let again = start_on(&sim.reboot(), FsyncPolicy::EverySec).await;
    assert_eq!(again.dump(), node.dump());
}

#[tokio::test(start_paused = true)]
async fn a_recovery_goes_back_where_the_files_were_when_the_directory_moved_to_breaks() {
    let sim = sim_disk(8);
    sim.set_slow_latency(Duration::from_millis(20));
    let node = start_on(&sim, FsyncPolicy::EverySec).await;
    let mut client = ClientState::new(1);
    node.write(&mut client, &words("SET a 1")).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let moved = moved_to_new();
    node.durability.set_dir(&moved);
    sim.set_probability(Fault::SlowDisk, 1.0);
    node.durability.rewrite().await.unwrap();
    // Created for the rewrite with its new incremental file, then broken
    // before the switch to it: no manifest can be written there (nor a
    // recovery's, though the recovery's incremental file can be created).
    let new_dir = Path::new("/new/appendonlydir");
    assert_eq!(
        sim.list_dir(new_dir).unwrap(),
        vec!["appendonly.aof.2.incr.aof".to_string()]
    );
    sim.create_dir_all(&new_dir.join("temp-appendonly.aof.manifest"))
        .unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    sim.set_probability(Fault::SlowDisk, 0.0);
    let status = node.durability.status();
    assert!(status.aof_last_write_ok, "recovered: {status:?}");
    let written = node.write(&mut client, &words("SET b 2")).await;
    assert!(matches!(written, Written::Ok(..)), "{written:?}");
    node.durability.shutdown().await.unwrap();
    let again = start_on(&sim.reboot(), FsyncPolicy::EverySec).await;
    assert_eq!(again.dump(), node.dump());
}

/// A recovery that failed in the directory moved to went back where the
/// files were and failed there too: the directory moved to gets its turn
/// again, so once it is fixed the recovery gets through (it used to be
/// skipped for good, and MISCONF lasted while the old directory was bad).
#[tokio::test(start_paused = true)]
async fn a_recovery_that_failed_in_both_directories_tries_the_new_one_again() {
    let sim = sim_disk(19);
    let node = start_on(&sim, FsyncPolicy::EverySec).await;
    let mut client = ClientState::new(1);
    node.write(&mut client, &words("SET a 1")).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    node.durability.set_dir(&moved_to_new());
    // /data takes no new base at all.
    support::block_bases(&sim, DIR, 39);
    node.write(&mut client, &words("SET b 2")).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    // The everysec fsync fails; the first recovery (in /new) fails
    // writing its base, the next one (back in /data) fails creating it.
    sim.fail_next(Fault::FsyncError);
    sim.fail_next(Fault::WriteError);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(node.durability.misconf().is_some(), "the fsync failed");
    tokio::time::sleep(Duration::from_secs(150)).await;
    assert!(
        node.durability.misconf().is_none(),
        "recovered in /new once it was fixed"
    );
    assert!(sim
        .read(Path::new("/new/appendonlydir/appendonly.aof.manifest"))
        .is_ok());
    let written = node.write(&mut client, &words("SET c 3")).await;
    assert!(matches!(written, Written::Ok(..)), "{written:?}");
    node.durability.shutdown().await.unwrap();
}

/// `config` moved to `/new`, whose `appendonlydir` exists but where the
/// next incremental file cannot be created (a directory holds its name),
/// as an unwritable directory refuses it.
fn moved_to_a_dir_that_takes_no_file(
    sim: &persistence::storage::sim::SimStorage,
) -> persistence::PersistenceConfig {
    sim.create_dir_all(Path::new("/new/appendonlydir/appendonly.aof.2.incr.aof"))
        .unwrap();
    moved_to_new()
}

#[tokio::test(start_paused = true)]
async fn a_rewrite_that_cannot_create_its_incremental_file_is_refused_and_writes_go_on() {
    let sim = sim_disk(12);
    let node = start_on(&sim, FsyncPolicy::EverySec).await;
    let mut client = ClientState::new(1);
    node.write(&mut client, &words("SET a 1")).await;
    node.durability
        .set_dir(&moved_to_a_dir_that_takes_no_file(&sim));
    // As Redis, which opens the new incremental file before it forks.
    assert_eq!(
        node.durability.rewrite().await,
        Err(RewriteError::DirUnusable)
    );
    let written = node.write(&mut client, &words("SET b 2")).await;
    assert!(matches!(written, Written::Ok(..)), "{written:?}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let status = node.durability.status();
    assert!(
        status.aof_last_write_ok && !status.aof_last_bgrewrite_ok,
        "{status:?}"
    );
    assert_eq!(status.aof_rewrites, 0, "{status:?}");
    // The same in place: the directory the files are in takes no new file.
    sim.create_dir_all(&Path::new(DIR).join("appendonly.aof.2.incr.aof"))
        .unwrap();
    let mut config = support::sim_config(FsyncPolicy::EverySec);
    node.durability.set_dir(&config);
    assert_eq!(
        node.durability.rewrite().await,
        Err(RewriteError::DirUnusable)
    );
    let written = node.write(&mut client, &words("SET c 3")).await;
    assert!(matches!(written, Written::Ok(..)), "{written:?}");
    // Into a directory that takes files, the move works.
    config.dir = "/other".into();
    node.durability.set_dir(&config);
    node.durability.rewrite().await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let status = node.durability.status();
    assert!(
        status.aof_last_bgrewrite_ok && status.aof_rewrites == 1 && status.aof_last_write_ok,
        "{status:?}"
    );
    node.durability.shutdown().await.unwrap();
    let again = support::start_config(&sim.reboot(), &config, support::NOW_MS).await;
    assert_eq!(again.dump(), node.dump());
}

#[tokio::test(start_paused = true)]
async fn a_recovery_writes_where_the_files_are_when_the_new_directory_takes_no_file() {
    let sim = sim_disk(13);
    let node = start_on(&sim, FsyncPolicy::EverySec).await;
    let mut client = ClientState::new(1);
    node.write(&mut client, &words("SET a 1")).await;
    node.durability
        .set_dir(&moved_to_a_dir_that_takes_no_file(&sim));
    sim.fail_next(Fault::WriteError);
    node.write(&mut client, &words("SET b 2")).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let status = node.durability.status();
    assert!(status.aof_last_write_ok, "recovered in /data: {status:?}");
    let written = node.write(&mut client, &words("SET c 3")).await;
    assert!(matches!(written, Written::Ok(..)), "{written:?}");
    assert!(sim
        .read(&Path::new(DIR).join("appendonly.aof.manifest"))
        .unwrap()
        .starts_with(b"file appendonly.aof.2.base"));
    node.durability.shutdown().await.unwrap();
    let again = start_on(&sim.reboot(), FsyncPolicy::EverySec).await;
    assert_eq!(again.dump(), node.dump());
}

/// The incremental file a rewrite needs is created before it starts, on
/// a blocking thread: while that call hangs on the disk the writer still
/// appends and fsyncs (an `always` write is acknowledged at once), and
/// BGREWRITEAOF's answer comes once the file is there.
#[tokio::test(start_paused = true)]
async fn a_rewrite_whose_new_file_hangs_on_the_disk_does_not_hold_up_writes() {
    let sim = sim_disk(21);
    let node = start_on(&sim, FsyncPolicy::Always).await;
    let mut client = ClientState::new(1);
    node.write(&mut client, &words("SET a 1")).await;
    // The next disk call, the new incremental file's creation, takes a
    // minute.
    sim.set_slow_latency(Duration::from_secs(60));
    sim.fail_next(Fault::SlowDisk);
    let started = tokio::time::Instant::now();
    let (answered, written) = tokio::join!(node.durability.rewrite(), async {
        tokio::time::sleep(Duration::from_millis(1)).await;
        let mut client = ClientState::new(2);
        let written = tokio::time::timeout(
            Duration::from_secs(1),
            node.write(&mut client, &words("SET b 2")),
        )
        .await;
        (written, started.elapsed())
    });
    let (written, took) = written;
    assert!(
        matches!(written, Ok(Written::Ok(..))),
        "acknowledged while the file is created: {written:?} after {took:?}"
    );
    assert_eq!(answered, Ok(()));
    assert!(
        started.elapsed() >= Duration::from_secs(60),
        "the answer waited for the file"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let status = node.durability.status();
    assert!(
        status.aof_last_bgrewrite_ok && status.aof_rewrites == 1,
        "{status:?}"
    );
    node.durability.shutdown().await.unwrap();
    let again = start_on(&sim.reboot(), FsyncPolicy::Always).await;
    assert_eq!(again.dump(), node.dump());
}
