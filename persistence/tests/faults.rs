//! Disk faults on the simulated disk: MISCONF with Redis's texts, reads
//! that keep working, recovery through a fresh base (never an fsync retry
//! on the failed file), and crashes at seeded moments that lose nothing
//! `appendfsync` promised to keep.

mod support;

use kv_engine::ClientState;
use persistence::storage::sim::{CrashMode, Fault, SimStorage};
use persistence::{DurabilityError, FsyncPolicy, Misconf, RewriteError, Storage};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;
use support::{sim_disk, start_on, words, Node, Written};

const DIR: &str = "/data/appendonlydir";

fn manifest(sim: &SimStorage) -> String {
    String::from_utf8(
        sim.read(&Path::new(DIR).join("appendonly.aof.manifest"))
            .unwrap(),
    )
    .unwrap()
}

fn misconf(reason: &str) -> DurabilityError {
    DurabilityError::Misconf(Misconf::Aof {
        reason: reason.into(),
    })
}

#[tokio::test(start_paused = true)]
async fn a_write_error_is_misconf_until_a_fresh_base_recovers() {
    let sim = sim_disk(1);
    let node = start_on(&sim, FsyncPolicy::Always).await;
    let mut client = ClientState::new(1);
    assert!(matches!(
        node.write(&mut client, &words("SET a 1")).await,
        Written::Ok(..)
    ));
    sim.fail_next(Fault::WriteError);
    assert!(
        matches!(
            node.write(&mut client, &words("SET b 2")).await,
            Written::Unconfirmed(_, e) if e == misconf("Input/output error")
        ),
        "run, but not acknowledged: its write failed"
    );
    assert_eq!(
        node.durability.misconf().map(|m| m.to_string()),
        Some("MISCONF Errors writing to the AOF file: Input/output error".into())
    );
    let status = node.durability.status();
    assert!(!status.aof_last_write_ok);
    assert_eq!(status.info_fields()[8].1, "err");
    assert_eq!(
        node.write(&mut client, &words("SET c 3")).await,
        Written::Refused(misconf("Input/output error")),
        "writes are refused"
    );
    assert_eq!(
        node.read(&mut client, &words("GET a")).await,
        b"$1\r\n1\r\n",
        "reads keep working"
    );

    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(node.durability.misconf(), None, "recovered");
    assert!(node.durability.status().aof_last_write_ok);
    assert_eq!(
        manifest(&sim),
        "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
    assert_eq!(
        sim.list_dir(Path::new(DIR)).unwrap(),
        [
            "appendonly.aof.2.base.rdb",
            "appendonly.aof.2.incr.aof",
            "appendonly.aof.manifest"
        ],
        "the failed files are gone"
    );
    assert!(matches!(
        node.write(&mut client, &words("SET d 4")).await,
        Written::Ok(..)
    ));

    let sim = sim.crash(CrashMode::DropUnsynced);
    let again = start_on(&sim, FsyncPolicy::Always).await;
    assert_eq!(
        again.dump(),
        node.dump(),
        "b was in memory: the base has it"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_fsync_is_never_durable_and_never_retried_on_that_file() {
    let sim = sim_disk(2);
    let node = start_on(&sim, FsyncPolicy::Always).await;
    let mut client = ClientState::new(1);
    node.write(&mut client, &words("SET a 1")).await;
    let incr = Path::new(DIR).join("appendonly.aof.1.incr.aof");
    sim.fail_next(Fault::FsyncError);
    let before = *node.durability.durable_lsn().borrow();
    let fsyncs_before = sim.fsyncs_of(&incr);
    let durable_before = sim.durable_contents(&incr).unwrap();
    let written = node.write(&mut client, &words("SET b 2")).await;
    assert!(
        matches!(&written, Written::Unconfirmed(_, e) if *e == misconf("Input/output error")),
        "{written:?}"
    );
    assert_eq!(
        *node.durability.durable_lsn().borrow(),
        before,
        "the LSN its fsync failed to cover is not durable"
    );
    // Before the recovery (at the next tick) the file is cut back to what
    // its last good fsync covered, and that cut is made durable.
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(sim.read(&incr).unwrap(), durable_before, "cut back");
    assert_eq!(sim.durable_contents(&incr).unwrap(), durable_before);
    let fsyncs_then = sim.fsyncs_of(&incr);
    assert_eq!(
        fsyncs_then,
        fsyncs_before + 2,
        "the failed fsync and the cut's"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        sim.fsyncs_of(&incr),
        fsyncs_then,
        "no fsync on the failed file again"
    );
    assert_eq!(node.durability.misconf(), None, "recovered by a fresh base");
    let after = *node.durability.durable_lsn().borrow();
    assert!(after > before, "b is durable now, through the base");
    let sim = sim.crash(CrashMode::DropUnsynced);
    let again = start_on(&sim, FsyncPolicy::Always).await;
    assert_eq!(again.dump(), node.dump());
}

/// Deltas still on their way to the writer when a recovery takes its
/// snapshot are in the fresh base already: they must not be written after
/// it too, or replaying the AOF applies them twice (found by the server's
/// simulation, `server/tests/dst.rs`; the `based_lsn` guard in
/// `aof/actor/mod.rs`). The moment, step by step: with `appendfsync no`
/// the writer takes the queue once a millisecond; B and C are queued just
/// after it took A, whose append is slow and will fail; a BGREWRITEAOF
/// takes its snapshot (holding B and C) while they wait, so it drains for
/// them; A's append fails before the next take, the recovery starts from
/// that snapshot and, the disk fast again, writes and installs its base at
/// once; only then are B and C taken. Without the guard they land in the
/// new incremental file after a base that has them.
#[tokio::test(start_paused = true)]
async fn deltas_in_flight_during_a_recovery_are_not_written_after_its_base() {
    let sim = sim_disk(3);
    let node = start_on(&sim, FsyncPolicy::No).await;
    let mut client = ClientState::new(1);
    node.write(&mut client, &words("INCRBY c 1")).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    sim.set_slow_latency(Duration::from_millis(1));
    sim.set_probability(Fault::SlowDisk, 1.0);
    sim.fail_next(Fault::WriteError);
    node.write(&mut client, &words("INCRBY c 1")).await; // A
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    for _ in 0..2 {
        // B and C, accepted: the disk has not failed yet.
        let written = node.write(&mut client, &words("INCRBY c 1")).await;
        assert!(matches!(written, Written::Ok(..)), "{written:?}");
    }
    node.durability.rewrite().await.expect("a rewrite starts");
    // A's append fails at 1 ms; undoing it takes another: the disk is
    // fast again by then, for the recovery's base.
    tokio::time::sleep(Duration::from_micros(1500)).await;
    sim.set_probability(Fault::SlowDisk, 0.0);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(node.durability.misconf(), None, "recovered by a fresh base");
    assert_eq!(
        node.read(&mut client, &words("GET c")).await,
        b"$1\r\n4\r\n"
    );
    node.durability.shutdown().await.expect("a clean shutdown");
    let again = start_on(&sim.reboot(), FsyncPolicy::No).await;
    assert_eq!(
        again.read(&mut client, &words("GET c")).await,
        b"$1\r\n4\r\n",
        "each INCRBY once in the AOF"
    );
}

#[tokio::test(start_paused = true)]
async fn a_full_disk_refuses_writes_until_space_returns() {
    let sim = sim_disk(3);
    let node = start_on(&sim, FsyncPolicy::EverySec).await;
    let mut client = ClientState::new(1);
    let used: u64 = sim
        .list_dir(Path::new(DIR))
        .unwrap()
        .iter()
        .map(|n| sim.len(&Path::new(DIR).join(n)).unwrap())
        .sum();
    sim.set_capacity(Some(used + 2000));
    let mut refused = None;
    // Values that do not compress, so a fresh base of the keys is about
    // as large as their commands and cannot fit in what is left however
    // many commands an append carried.
    let mut rng = SmallRng::seed_from_u64(3);
    for i in 0..100 {
        let value: String = (0..100).map(|_| rng.gen_range('a'..='z')).collect();
        let line = format!("SET key{i} {value}");
        let written = node.write(&mut client, &words(&line)).await;
        if let Some(error) = written.error() {
            refused = Some(error);
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(
        refused.as_deref(),
        Some("MISCONF Errors writing to the AOF file: No space left on device")
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(
        node.durability.misconf().is_some(),
        "a fresh base does not fit either: still refusing"
    );
    assert!(
        node.durability.status().aof_rewrites_consecutive_failures >= 2,
        "retried"
    );
    assert!(node
        .read(&mut client, &words("GET key0"))
        .await
        .starts_with(b"$100"));

    sim.set_capacity(None);
    tokio::time::sleep(Duration::from_secs(70)).await;
    assert_eq!(node.durability.misconf(), None);
    assert!(matches!(
        node.write(&mut client, &words("SET after 1")).await,
        Written::Ok(..)
    ));
    node.durability.shutdown().await.unwrap();
    let sim = sim.crash(CrashMode::DropUnsynced);
    let again = start_on(&sim, FsyncPolicy::EverySec).await;
    assert_eq!(again.dump(), node.dump());
}

/// What the writers of a crash run did.
#[derive(Default)]
struct Run {
    /// (key, LSN) of every write that ran, acknowledged or not, in LSN order.
    executed: Vec<(u64, u64)>,
    /// (key, virtual ms) of every acknowledged write.
    acked: Vec<(u64, u64)>,
    /// Rewrites finished before the crash.
    rewrites: u64,
}

fn key_of(argv: &[u8]) -> u64 {
    std::str::from_utf8(&argv[1..]).unwrap().parse().unwrap()
}

/// Seeded writers of unique keys over a slow (and, with `faults`, failing)
/// disk; a crash at a seeded moment; a restart from what survived.
async fn crash_run(
    seed: u64,
    policy: FsyncPolicy,
    faults: bool,
    rewrites: bool,
) -> (Run, Node, u64) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let sim = sim_disk(seed);
    sim.set_slow_latency(Duration::from_millis(rng.gen_range(1..5)));
    sim.set_probability(Fault::SlowDisk, 0.3);
    let node = Rc::new(start_on(&sim, policy).await);
    if faults {
        for fault in [
            Fault::WriteError,
            Fault::TornWrite,
            Fault::FsyncError,
            Fault::DiskFull,
        ] {
            sim.set_probability(fault, 0.01);
        }
    }
    let run = Rc::new(RefCell::new(Run::default()));
    let start = tokio::time::Instant::now();
    let next_key = Rc::new(RefCell::new(0u64));
    let local = tokio::task::LocalSet::new();
    for writer in 0..4 {
        let (node, run, next_key) = (node.clone(), run.clone(), next_key.clone());
        local.spawn_local(async move {
            let mut client = ClientState::new(writer);
            loop {
                let key = {
                    let mut next = next_key.borrow_mut();
                    *next += 1;
                    *next
                };
                // A list of one element: replayed twice it would hold two.
                let line = format!("RPUSH k{key} {key}");
                let written = node.write(&mut client, &words(&line)).await;
                if let Written::Ok(..) = written {
                    let ms = start.elapsed().as_millis() as u64;
                    run.borrow_mut().acked.push((key, ms));
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        });
    }
    if rewrites {
        let node = node.clone();
        let every = Duration::from_millis(rng.gen_range(100..600));
        local.spawn_local(async move {
            loop {
                tokio::time::sleep(every).await;
                let _ = node.durability.rewrite().await;
            }
        });
    }
    let crash_after = Duration::from_millis(rng.gen_range(50..2500));
    local.run_until(tokio::time::sleep(crash_after)).await;
    let crash_ms = start.elapsed().as_millis() as u64;
    let rewrites = node.durability.status().aof_rewrites;
    let sim = sim.crash(CrashMode::Seeded);
    drop(local); // the crashed process's tasks end with it
    let again = start_on(&sim, policy).await;
    let mut run = std::mem::take(&mut *run.borrow_mut());
    run.rewrites = rewrites;
    run.executed = node
        .executed
        .lock()
        .iter()
        .map(|(argv, lsn)| (key_of(&argv[1]), *lsn))
        .collect();
    (run, again, crash_ms)
}

/// Checks the restart holds a prefix of the writes in LSN order, and
/// returns the keys it holds.
fn check_prefix(seed: u64, run: &Run, again: &Node) -> Vec<u64> {
    let mut present: Vec<u64> = again.dump().iter().map(|(_, k, _, _)| key_of(k)).collect();
    present.sort_unstable();
    let kept = run
        .executed
        .iter()
        .take_while(|(key, _)| present.binary_search(key).is_ok())
        .count();
    assert_eq!(
        kept,
        present.len(),
        "seed {seed}: the restart is not a prefix of the writes in LSN order"
    );
    present
}

#[tokio::test(start_paused = true)]
async fn always_loses_no_acknowledged_write_in_crashes_at_random_moments() {
    let mut rewrites = 0;
    for seed in 0..24 {
        let faults = seed % 2 == 1;
        let (run, again, crash_ms) =
            crash_run(seed, FsyncPolicy::Always, faults, seed % 4 >= 2).await;
        let present = check_prefix(seed, &run, &again);
        for (key, _) in &run.acked {
            assert!(
                present.binary_search(key).is_ok(),
                "seed {seed}: acknowledged k{key} lost in a crash at {crash_ms} ms"
            );
        }
        assert!(!run.acked.is_empty(), "seed {seed}: nothing acknowledged");
        rewrites += run.rewrites;
    }
    assert!(
        rewrites >= 10,
        "crashes met finished rewrites too ({rewrites})"
    );
}

#[tokio::test(start_paused = true)]
async fn everysec_loses_at_most_about_a_second() {
    for seed in 100..116 {
        let (run, again, crash_ms) =
            crash_run(seed, FsyncPolicy::EverySec, false, seed % 2 == 0).await;
        let present = check_prefix(seed, &run, &again);
        for (key, ms) in &run.acked {
            // Acknowledged more than a second (plus a tick and a slow
            // fsync) before the crash: on the disk.
            if *ms + 1200 < crash_ms {
                assert!(
                    present.binary_search(key).is_ok(),
                    "seed {seed}: k{key} acknowledged at {ms} ms lost in a crash at {crash_ms} ms"
                );
            }
        }
    }
}

/// The cut after a failed fsync runs on the disk that just failed: while
/// it hangs there the writer still answers (here a BGREWRITEAOF, which
/// asks for the recovery at once), and it recovers.
#[tokio::test(start_paused = true)]
async fn the_cut_after_a_failed_fsync_does_not_hold_up_the_writer() {
    let sim = sim_disk(14);
    let node = start_on(&sim, FsyncPolicy::Always).await;
    let mut client = ClientState::new(1);
    node.write(&mut client, &words("SET a 1")).await;
    // Every call takes a minute from now on: the append, the failing
    // fsync, then the cut.
    sim.set_slow_latency(Duration::from_secs(60));
    sim.set_probability(Fault::SlowDisk, 1.0);
    sim.fail_next(Fault::FsyncError);
    let written = node.write(&mut client, &words("SET b 2")).await;
    assert!(matches!(written, Written::Unconfirmed(..)), "{written:?}");
    let answered = tokio::time::timeout(Duration::from_secs(10), node.durability.rewrite()).await;
    // Ok, or InProgress once the recovery has begun alongside the cut.
    assert!(
        matches!(answered, Ok(Ok(()) | Err(RewriteError::InProgress))),
        "answered while the cut runs: {answered:?}"
    );
    sim.set_probability(Fault::SlowDisk, 0.0);
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(node.durability.misconf(), None, "recovered");
    node.durability.shutdown().await.unwrap();
    let again = start_on(&sim.reboot(), FsyncPolicy::Always).await;
    assert_eq!(again.dump(), node.dump());
}

/// On the simulated disk: an older group's fsync fails while a newer
/// one's hangs (scripted fsync latencies), and the recovery's files take
/// over meanwhile. A write after it is acknowledged once the new file's
/// fsync covers it, not after the old file's minute.
#[tokio::test(start_paused = true)]
async fn a_hung_fsync_on_the_replaced_file_holds_up_nothing_on_the_new_one() {
    let sim = sim_disk(20);
    let node = start_on(&sim, FsyncPolicy::Always).await;
    let written = node
        .write(&mut ClientState::new(1), &words("SET a 1"))
        .await;
    assert!(matches!(written, Written::Ok(..)), "{written:?}");
    // The next group's fsync takes 10 ms and fails; the one after it, a
    // minute.
    sim.delay_next_fsyncs(&[Duration::from_millis(10), Duration::from_secs(60)]);
    sim.fail_next(Fault::FsyncError);
    let (b, c) = (words("SET b 2"), words("SET c 3"));
    let (mut client_b, mut client_c) = (ClientState::new(2), ClientState::new(3));
    let started = tokio::time::Instant::now();
    let (first, second) = tokio::join!(node.write(&mut client_b, &b), async {
        // While the first group fsyncs: a group of its own.
        tokio::time::sleep(Duration::from_millis(1)).await;
        node.write(&mut client_c, &c).await
    });
    assert!(
        first.error().is_some() && second.error().is_some(),
        "{first:?} {second:?}"
    );
    while node.durability.misconf().is_some() {
        assert!(started.elapsed() < Duration::from_secs(5), "recovered");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let written = tokio::time::timeout(
        Duration::from_secs(1),
        node.write(&mut ClientState::new(4), &words("SET d 4")),
    )
    .await;
    assert!(
        matches!(written, Ok(Written::Ok(..))),
        "acknowledged while the old file's fsync hangs: {written:?} at {:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "before that fsync ended"
    );
    node.durability.shutdown().await.unwrap();
    let again = start_on(&sim.reboot(), FsyncPolicy::Always).await;
    assert_eq!(again.dump(), node.dump());
}

/// On the simulated disk: an older group's fsync fails while a newer
/// group's append takes a minute, a third group waiting behind it. Once
/// the recovery's files take over, writes on them are acknowledged within
/// that minute: a group on the new file appends beside the old file's
/// (appends are ordered per file), and the old file's waiting group is
/// dropped unwritten. A rewrite's switch does not wait for it either.
#[tokio::test(start_paused = true)]
async fn a_hung_append_on_the_replaced_file_holds_up_nothing_on_the_new_one() {
    let sim = sim_disk(21);
    let node = start_on(&sim, FsyncPolicy::Always).await;
    let written = node
        .write(&mut ClientState::new(1), &words("SET a 1"))
        .await;
    assert!(matches!(written, Written::Ok(..)), "{written:?}");
    // The next group's fsync takes 10 ms and fails.
    sim.delay_next_fsyncs(&[Duration::from_millis(10)]);
    sim.fail_next(Fault::FsyncError);
    let (b, c, e) = (words("SET b 2"), words("SET c 3"), words("SET e 5"));
    let mut clients = [2, 3, 5].map(ClientState::new);
    let [client_b, client_c, client_e] = &mut clients;
    let started = tokio::time::Instant::now();
    let (first, second, third) = tokio::join!(
        node.write(client_b, &b),
        async {
            // While the first group fsyncs, its append done: a group of
            // its own, whose append (the next call) takes a minute.
            tokio::time::sleep(Duration::from_millis(1)).await;
            sim.set_slow_latency(Duration::from_secs(60));
            sim.fail_next(Fault::SlowDisk);
            node.write(client_c, &c).await
        },
        async {
            // Behind that append, on the same file: it waits.
            tokio::time::sleep(Duration::from_millis(2)).await;
            node.write(client_e, &e).await
        },
    );
    for written in [first, second, third] {
        assert!(written.error().is_some(), "{written:?}");
    }
    while node.durability.misconf().is_some() {
        assert!(started.elapsed() < Duration::from_secs(5), "recovered");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for (id, line) in [(10, "SET d 4"), (11, "INCR d")] {
        let written = tokio::time::timeout(
            Duration::from_secs(1),
            node.write(&mut ClientState::new(id), &words(line)),
        )
        .await;
        assert!(
            matches!(written, Ok(Written::Ok(..))),
            "{line} acknowledged while the old file's append hangs: {written:?} at {:?}",
            started.elapsed()
        );
    }
    let rewrites = node.durability.status().aof_rewrites;
    node.durability.rewrite().await.unwrap();
    while node.durability.status().aof_rewrites == rewrites
        || node.durability.status().aof_rewrite_in_progress
    {
        assert!(started.elapsed() < Duration::from_secs(10), "rewritten");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(node.durability.status().aof_last_bgrewrite_ok);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "before that append ended"
    );
    node.durability.shutdown().await.unwrap();
    let again = start_on(&sim.reboot(), FsyncPolicy::Always).await;
    assert_eq!(again.dump(), node.dump());
}

/// The cut after a short write (undoing the torn tail so the file ends on
/// a whole command, as Redis does) runs in the same slot: while it hangs
/// on the disk that just failed, the writer still answers, and the file
/// ends where the last whole write did.
#[tokio::test(start_paused = true)]
async fn the_cut_after_a_torn_write_does_not_hold_up_the_writer() {
    let incr = Path::new(DIR).join("appendonly.aof.1.incr.aof");
    let sim = sim_disk(19);
    let node = start_on(&sim, FsyncPolicy::Always).await;
    let mut client = ClientState::new(1);
    node.write(&mut client, &words("SET a 1")).await;
    let whole = sim.read(&incr).unwrap();
    // No recovery can write its base: the old file stays to be looked at.
    support::block_bases(&sim, DIR, 19);
    // Every call takes a minute from now on: the torn append, then the cut.
    sim.set_slow_latency(Duration::from_secs(60));
    sim.set_probability(Fault::SlowDisk, 1.0);
    sim.fail_next(Fault::TornWrite);
    let started = tokio::time::Instant::now();
    let written = node.write(&mut client, &words("SET b 2")).await;
    assert!(matches!(written, Written::Unconfirmed(..)), "{written:?}");
    // The append's minute, not the cut's too: the loop did not wait for it.
    assert!(
        started.elapsed() < Duration::from_secs(90),
        "{:?}",
        started.elapsed()
    );
    assert!(
        sim.read(&incr).unwrap().len() > whole.len(),
        "a torn tail, not cut yet"
    );
    let answered = tokio::time::timeout(Duration::from_secs(10), node.durability.rewrite()).await;
    assert!(
        matches!(answered, Ok(Ok(()) | Err(RewriteError::InProgress))),
        "answered while the cut runs: {answered:?}"
    );
    sim.set_probability(Fault::SlowDisk, 0.0);
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert!(
        node.durability.misconf().is_some(),
        "no recovery could finish"
    );
    assert_eq!(sim.read(&incr).unwrap(), whole, "the torn tail is cut away");
    let _ = node.durability.shutdown().await;
    let again = start_on(&sim.reboot(), FsyncPolicy::Always).await;
    assert_eq!(again.dump().len(), 1, "SET a, whole");
}

/// Under `appendfsync no` the kernel writes back when it likes, so how
/// much of the file is on the disk is unknown; a failed fsync after a
/// switch to everysec must not cut the file back to its length at start,
/// throwing away every write the kernel may well have kept.
#[tokio::test(start_paused = true)]
async fn a_failed_fsync_after_appendfsync_no_cuts_nothing_the_kernel_may_have_kept() {
    let sim = sim_disk(15);
    let node = start_on(&sim, FsyncPolicy::No).await;
    let mut client = ClientState::new(1);
    for i in 0..100 {
        node.write(&mut client, &words(&format!("SET k{i} {i}")))
            .await;
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    node.durability.set_fsync(FsyncPolicy::EverySec);
    sim.fail_next(Fault::FsyncError);
    node.write(&mut client, &words("SET last 1")).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    // No recovery can create its base (directories hold the names).
    support::block_bases(&sim, DIR, 19);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(node.durability.misconf().is_some(), "the fsync failed");
    let _ = node.durability.shutdown().await;
    let again = start_on(&sim.reboot(), FsyncPolicy::No).await;
    assert_eq!(
        again.dump(),
        node.dump(),
        "every write is still in the file: none was cut away"
    );
}

/// As above, when the everysec fsync was still running as the policy went
/// to `no` and writes ended meanwhile: the fsync does not cover them, so
/// it must not make the durable length known again (a later failed fsync
/// would cut them away).
#[tokio::test(start_paused = true)]
async fn an_fsync_running_across_a_switch_to_no_does_not_make_the_length_known() {
    let sim = sim_disk(18);
    let node = start_on(&sim, FsyncPolicy::EverySec).await;
    let mut client = ClientState::new(1);
    node.write(&mut client, &words("SET first 1")).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    // The next disk call is the everysec fsync: it takes 2 s.
    sim.set_slow_latency(Duration::from_secs(2));
    sim.fail_next(Fault::SlowDisk);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    node.durability.set_fsync(FsyncPolicy::No);
    for i in 0..100 {
        node.write(&mut client, &words(&format!("SET k{i} {i}")))
            .await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await; // the slow fsync ends
    support::block_bases(&sim, DIR, 19);
    // Back to everysec: its first fsync (due at once) fails.
    sim.fail_next(Fault::FsyncError);
    node.durability.set_fsync(FsyncPolicy::EverySec);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(node.durability.misconf().is_some(), "the fsync failed");
    let _ = node.durability.shutdown().await;
    let again = start_on(&sim.reboot(), FsyncPolicy::No).await;
    assert_eq!(
        again.dump(),
        node.dump(),
        "the writes under `no` are still in the file: none was cut away"
    );
}

/// The fsyncs outside the usual path (the last one at shutdown, the old
/// file's last one when a rewrite switches files) cut the file back too
/// when they fail, as any failed fsync does.
#[tokio::test(start_paused = true)]
async fn a_failed_last_fsync_cuts_the_file_back_as_any_failed_fsync() {
    let incr = Path::new(DIR).join("appendonly.aof.1.incr.aof");
    // At shutdown.
    let sim = sim_disk(16);
    let node = start_on(&sim, FsyncPolicy::EverySec).await;
    let mut client = ClientState::new(1);
    node.write(&mut client, &words("SET a 1")).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let durable = sim.durable_contents(&incr).unwrap();
    assert!(!durable.is_empty(), "everysec fsynced SET a");
    node.write(&mut client, &words("SET b 2")).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(sim.read(&incr).unwrap().len() > durable.len());
    sim.fail_next(Fault::FsyncError);
    assert!(node.durability.shutdown().await.is_err());
    assert_eq!(sim.read(&incr).unwrap(), durable, "cut back at shutdown");
    assert_eq!(sim.durable_contents(&incr).unwrap(), durable);
    // When a rewrite switches files.
    let sim = sim_disk(17);
    let node = start_on(&sim, FsyncPolicy::EverySec).await;
    node.write(&mut client, &words("SET a 1")).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let durable = sim.durable_contents(&incr).unwrap();
    node.write(&mut client, &words("SET b 2")).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    // Every recovery fails (directories hold its bases' names): the old
    // file stays as the cut left it.
    support::block_bases(&sim, DIR, 19);
    sim.fail_next(Fault::FsyncError);
    node.durability.rewrite().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(node.durability.misconf().is_some());
    assert_eq!(sim.read(&incr).unwrap(), durable, "cut back at the switch");
    assert_eq!(sim.durable_contents(&incr).unwrap(), durable);
    let _ = node.durability.shutdown().await;
}

/// While an `always` fsync hangs, the group forming behind it grows no
/// further than the actor's bound on pending bytes: then the actor stops
/// taking deltas, the queue fills and credit runs out, so the clients feel
/// the stall instead of the server's memory growing with every write.
#[tokio::test(start_paused = true)]
async fn behind_a_hung_always_fsync_the_next_group_is_bounded_and_credit_runs_out() {
    let sim = sim_disk(16);
    let options = persistence::DurabilityOptions {
        delta_capacity: 16,
        ..Default::default()
    };
    let node = support::start_with(&sim, FsyncPolicy::Always, options).await;
    sim.set_slow_latency(Duration::from_secs(3600));
    sim.set_probability(Fault::SlowDisk, 1.0);
    let value = "v".repeat(1 << 20);
    let mut client = ClientState::new(1);
    // One group running, one forming up to its bound (8 MiB), 64 MiB
    // pending, and the queue: about 90 writes of 1 MiB.
    let mut taken = 0;
    while taken < 200 {
        let reserved =
            tokio::time::timeout(Duration::from_secs(1), node.durability.reserve(1)).await;
        let Ok(permit) = reserved else { break };
        let mut permit = permit.expect("credit");
        let line = format!("SET k{taken} {value}");
        let (_, outcome) = support::run(&mut node.engine.lock(), &mut client, &words(&line));
        assert!(outcome.lsn.is_some());
        permit.spent(1);
        taken += 1;
    }
    assert!(
        (80..120).contains(&taken),
        "credit ran out after {taken} writes of 1 MiB"
    );
    sim.set_probability(Fault::SlowDisk, 0.0);
    tokio::time::sleep(Duration::from_secs(3 * 3600)).await;
    node.durability.shutdown().await.expect("a clean shutdown");
    let again = start_on(&sim.reboot(), FsyncPolicy::Always).await;
    assert_eq!(
        again.dump(),
        node.dump(),
        "every write written once the disk woke"
    );
}
