//! Cancellation: `reserve` and `wait_durable` futures dropped at any await
//! point hold nothing afterwards. Credit is the thing that could leak, so
//! every run ends by checking all of it is back.

mod support;

use kv_engine::ClientState;
use persistence::storage::sim::{Fault, SimStorage};
use persistence::{DurabilityOptions, FsyncPolicy, Storage};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;
use support::{words, Node, Written};

const CAPACITY: usize = 8;

fn tight() -> DurabilityOptions {
    DurabilityOptions {
        delta_capacity: CAPACITY,
        batch_max_deltas: 2,
        batch_max_bytes: 1 << 20,
        ..DurabilityOptions::default()
    }
}

async fn start_on(sim: &SimStorage, policy: FsyncPolicy) -> Node {
    sim.create_dir_all(Path::new("/data")).unwrap();
    support::start_with(sim, policy, tight()).await
}

#[tokio::test(start_paused = true)]
async fn a_reserve_dropped_while_waiting_holds_nothing() {
    let sim = SimStorage::new(1);
    let node = start_on(&sim, FsyncPolicy::Always).await;
    let all = node.durability.reserve(CAPACITY).await.unwrap();
    assert_eq!(node.durability.credit_available(), 0);
    let waiting = tokio::time::timeout(Duration::from_millis(10), node.durability.reserve(3)).await;
    assert!(waiting.is_err(), "no credit: it waits");
    drop(all);
    assert_eq!(node.durability.credit_available(), CAPACITY);
    let permit = node.durability.reserve(CAPACITY).await.unwrap();
    assert_eq!(permit.remaining(), CAPACITY);
}

#[tokio::test(start_paused = true)]
async fn try_reserve_takes_only_free_credit_and_never_waits() {
    let sim = SimStorage::new(3);
    let node = start_on(&sim, FsyncPolicy::Always).await;
    let some = node.durability.try_reserve(CAPACITY - 2).unwrap();
    assert_eq!(node.durability.credit_available(), 2);
    assert!(node.durability.try_reserve(3).is_none(), "only 2 free");
    let rest = node.durability.try_reserve(2).unwrap();
    assert!(node.durability.try_reserve(1).is_none());
    drop(some);
    drop(rest);
    assert_eq!(node.durability.credit_available(), CAPACITY);
    assert!(node.durability.try_reserve(CAPACITY + 1).is_none());
    node.durability.shutdown().await.unwrap();
    assert!(node.durability.try_reserve(1).is_none(), "closed");
    assert!(persistence::Durability::disabled().try_reserve(5).is_some());
}

#[tokio::test(start_paused = true)]
async fn credit_follows_deltas_through_the_queue() {
    let sim = SimStorage::new(2);
    sim.set_slow_latency(Duration::from_millis(50));
    sim.set_probability(Fault::SlowDisk, 1.0);
    let node = start_on(&sim, FsyncPolicy::EverySec).await;
    let mut client = ClientState::new(1);
    for i in 0..40 {
        // A slow disk fills the actor queue and then the channel: writers
        // wait for credit instead of the engine finding the channel full.
        let written = node
            .write(&mut client, &words(&format!("SET k{i} v")))
            .await;
        assert!(matches!(written, Written::Ok(..)));
        assert!(node.durability.credit_available() <= CAPACITY);
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(node.durability.credit_available(), CAPACITY);
    node.durability.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn writes_cancelled_at_random_await_points_leak_no_credit() {
    for seed in 0..30 {
        let mut rng = SmallRng::seed_from_u64(seed);
        let sim = SimStorage::new(seed);
        sim.set_slow_latency(Duration::from_millis(rng.gen_range(1..20)));
        sim.set_probability(Fault::SlowDisk, 0.5);
        let policy =
            [FsyncPolicy::Always, FsyncPolicy::EverySec, FsyncPolicy::No][seed as usize % 3];
        let node = Rc::new(start_on(&sim, policy).await);
        let local = tokio::task::LocalSet::new();
        for writer in 0..16u64 {
            let node = node.clone();
            let mut rng = SmallRng::seed_from_u64(seed * 100 + writer);
            local.spawn_local(async move {
                let mut client = ClientState::new(writer);
                for i in 0..30 {
                    let line = format!("RPUSH l{writer} {i}");
                    let patience = Duration::from_micros(rng.gen_range(0..20_000));
                    // Dropped wherever it is when patience runs out:
                    // waiting for credit or waiting for its fsync.
                    let _ = tokio::time::timeout(patience, node.write(&mut client, &words(&line)))
                        .await;
                    if rng.gen_bool(0.3) {
                        let lsn = node.engine.lock().next_lsn();
                        let wait = node.durability.wait_durable(lsn);
                        let _ = tokio::time::timeout(Duration::from_micros(500), wait).await;
                    }
                }
            });
        }
        local.await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(
            node.durability.credit_available(),
            CAPACITY,
            "seed {seed}: credit leaked"
        );
        let mut client = ClientState::new(99);
        assert!(matches!(
            node.write(&mut client, &words("SET still works")).await,
            Written::Ok(..)
        ));
        node.durability.shutdown().await.unwrap();
    }
}
