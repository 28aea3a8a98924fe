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
