//! Blocking commands over `tokio::io::duplex`: FIFO serving, what a
//! served client propagates, MULTI/EXEC, timeouts with paused time,
//! CLIENT UNBLOCK and KILL, SWAPDB, deleted and retyped keys, BLMOVE
//! chains; then the accounting under load (100 waiters, pushes, random
//! disconnects and timeouts: every element received once or still in the
//! list) and under cancellation (connection futures dropped at random
//! await points: nothing is popped for them afterwards, nothing twice).

mod support;

use bytes::Bytes;
use rand::{Rng, SeedableRng};
use resp_codec::Frame;
use server::shared::Shared;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use support::{capture_deltas, delta_lines, eventually, shared, Client};
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

fn blocked(server: &Shared) -> usize {
    server.core.lock().host.waiters.len()
}

async fn until_blocked(server: &Arc<Shared>, n: usize) {
    eventually(&format!("{n} clients blocked"), || blocked(server) == n).await;
}

#[tokio::test]
async fn a_push_serves_waiters_in_the_order_they_blocked_and_propagates_their_pops() {
    let server = shared("");
    let deltas = capture_deltas(&server);
    let mut clients = Vec::new();
    for i in 0..3 {
        let mut client = Client::direct(&server);
        client.send(b"BLPOP q 0\r\n").await;
        until_blocked(&server, i + 1).await;
        clients.push(client);
    }
    let mut pusher = Client::direct(&server);
    pusher.check(b"RPUSH q 1 2\r\n", b":2\r\n").await;
    clients[0].expect(b"*2\r\n$1\r\nq\r\n$1\r\n1\r\n").await;
    clients[1].expect(b"*2\r\n$1\r\nq\r\n$1\r\n2\r\n").await;
    assert_eq!(blocked(&server), 1, "the third still waits");
    assert_eq!(delta_lines(&deltas), ["RPUSH q 1 2", "LPOP q", "LPOP q"]);
    pusher.check(b"LLEN q\r\n", b":0\r\n").await;
    let info = pusher.call(&["INFO", "clients"]).await;
    assert!(info.contains("blocked_clients:1\r\n"), "{info}");
    let list = pusher.call(&["CLIENT", "LIST"]).await;
    assert_eq!(list.matches("flags=b").count(), 1, "{list}");
}

#[tokio::test]
async fn every_blocking_command_is_served_in_its_own_form() {
    let server = shared("");
    let deltas = capture_deltas(&server);
    // (the blocking command, the push, the served reply, the deltas)
    type Case<'a> = (&'a [u8], &'a [u8], &'a [u8], &'a [&'a str]);
    let cases: &[Case] = &[
        (
            b"BRPOP l 0\r\n",
            b"RPUSH l a b\r\n",
            b"*2\r\n$1\r\nl\r\n$1\r\nb\r\n",
            &["RPUSH l a b", "RPOP l"],
        ),
        (
            b"BRPOPLPUSH m d 0\r\n",
            b"RPUSH m x\r\n",
            b"$1\r\nx\r\n",
            &["RPUSH m x", "RPOPLPUSH m d"],
        ),
        (
            b"BLMOVE n d RIGHT LEFT 0\r\n",
            b"RPUSH n y\r\n",
            b"$1\r\ny\r\n",
            &["RPUSH n y", "LMOVE n d RIGHT LEFT"],
        ),
        (
            b"BLMPOP 0 2 o1 o2 RIGHT COUNT 5\r\n",
            b"RPUSH o2 1 2 3\r\n",
            b"*2\r\n$2\r\no2\r\n*3\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n",
            &["RPUSH o2 1 2 3", "RPOP o2 3"],
        ),
        (
            b"BZPOPMIN z1 z2 0\r\n",
            b"ZADD z2 1 a 2 b\r\n",
            b"*3\r\n$2\r\nz2\r\n$1\r\na\r\n$1\r\n1\r\n",
            &["ZADD z2 1 a 2 b", "ZPOPMIN z2"],
        ),
        (
            b"BZMPOP 0 1 y MAX COUNT 2\r\n",
            b"ZADD y 1 a 2 b 3 c\r\n",
            b"*2\r\n$1\r\ny\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
            &["ZADD y 1 a 2 b 3 c", "ZPOPMAX y 2"],
        ),
    ];
    let mut pusher = Client::direct(&server);
    for (block, push, served, propagated) in cases {
        let mut waiter = Client::direct(&server);
        waiter.send(block).await;
        until_blocked(&server, 1).await;
        pusher.send(push).await;
        pusher.reply().await;
        waiter.expect(served).await;
        assert_eq!(delta_lines(&deltas), *propagated);
    }
}

#[tokio::test]
async fn pushes_in_a_transaction_serve_after_exec_from_the_first_ready_key() {
    let server = shared("");
    let mut waiter = Client::direct(&server);
    waiter.send(b"BLPOP k1 k2 0\r\n").await;
    until_blocked(&server, 1).await;
    let mut pusher = Client::direct(&server);
    pusher
        .check(
            b"MULTI\r\nRPUSH k2 x\r\nRPUSH k1 y\r\nEXEC\r\n",
            b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:1\r\n:1\r\n",
        )
        .await;
    waiter.expect(b"*2\r\n$2\r\nk2\r\n$1\r\nx\r\n").await;
    // A push and a pop in one pipeline: the waiter is served between them.
    waiter.send(b"BLPOP k3 0\r\n").await;
    until_blocked(&server, 1).await;
    pusher
        .check(b"RPUSH k3 z\r\nLPOP k3\r\n", b":1\r\n$-1\r\n")
        .await;
    waiter.expect(b"*2\r\n$2\r\nk3\r\n$1\r\nz\r\n").await;
    // A push then a delete inside EXEC: nothing left to serve.
    waiter.send(b"BLPOP k4 0\r\n").await;
    until_blocked(&server, 1).await;
    pusher
        .check(
            b"MULTI\r\nRPUSH k4 1\r\nDEL k4\r\nEXEC\r\n",
            b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:1\r\n:1\r\n",
        )
        .await;
    pusher.check(b"RPUSH k4 2\r\n", b":1\r\n").await;
    waiter.expect(b"*2\r\n$2\r\nk4\r\n$1\r\n2\r\n").await;
}

#[tokio::test]
async fn inside_multi_a_blocking_command_answers_at_once() {
    let server = shared("");
    let mut client = Client::direct(&server);
    client
        .check(
            b"MULTI\r\nBLPOP q 0\r\nBRPOPLPUSH q d 0\r\nBZPOPMIN z 0\r\nEXEC\r\n",
            b"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n*-1\r\n$-1\r\n*-1\r\n",
        )
        .await;
    assert_eq!(blocked(&server), 0);
}

#[tokio::test]
async fn the_rest_of_a_pipeline_waits_for_the_blocked_command() {
    let server = shared("");
    let mut waiter = Client::direct(&server);
    waiter.send(b"BLPOP q 0\r\nPING\r\nRPUSH mine 1\r\n").await;
    until_blocked(&server, 1).await;
    let mut other = Client::direct(&server);
    other.check(b"EXISTS mine\r\n", b":0\r\n").await;
    other.check(b"RPUSH q v\r\n", b":1\r\n").await;
    waiter
        .expect(b"*2\r\n$1\r\nq\r\n$1\r\nv\r\n+PONG\r\n:1\r\n")
        .await;
}

#[tokio::test(start_paused = true)]
async fn timeouts_are_float_seconds_and_reply_a_null_array() {
    let server = shared("");
    let mut client = Client::direct(&server);
    client.send(b"BLPOP q 1.5\r\n").await;
    until_blocked(&server, 1).await;
    assert!(
        tokio::time::timeout(Duration::from_millis(1400), client.reply())
            .await
            .is_err(),
        "still waiting at 1.4 s"
    );
    client.expect(b"*-1\r\n").await;
    assert_eq!(blocked(&server), 0);
    // BLMOVE's timeout is a null array too (its MULTI answer is a null bulk).
    client
        .check(b"BLMOVE q d LEFT LEFT 0.01\r\n", b"*-1\r\n")
        .await;
    client.check(b"HELLO 3\r\n", b"").await;
    client.reply().await;
    client.check(b"BZMPOP 0.2 1 z MIN\r\n", b"_\r\n").await;
    for (timeout, error) in [
        ("-1", "-ERR timeout is negative\r\n"),
        ("x", "-ERR timeout is not a float or out of range\r\n"),
        ("inf", "-ERR timeout is negative\r\n"),
    ] {
        client
            .check(
                format!("BLPOP q {timeout}\r\n").as_bytes(),
                error.as_bytes(),
            )
            .await;
    }
    // 0 is forever: a day later it still waits.
    client.send(b"BRPOP q 0\r\n").await;
    until_blocked(&server, 1).await;
    tokio::time::sleep(Duration::from_secs(86_400)).await;
    assert_eq!(blocked(&server), 1);
    let info = Client::direct(&server).call(&["INFO", "clients"]).await;
    assert!(info.contains("clients_in_timeout_table:0\r\n"), "{info}");
}

#[tokio::test]
async fn client_unblock_and_kill_end_a_wait() {
    let server = shared("");
    let mut waiter = Client::direct(&server);
    let id = waiter.call(&["CLIENT", "ID"]).await;
    let id = id.trim_start_matches(':').trim_end();
    let mut admin = Client::direct(&server);
    let unblock = |reason: &str| format!("CLIENT UNBLOCK {id} {reason}\r\n");
    for (reason, reply) in [
        ("", &b"*-1\r\n"[..]),
        ("TIMEOUT", b"*-1\r\n"),
        (
            "error",
            b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n",
        ),
    ] {
        waiter.send(b"BZPOPMAX z 0\r\n").await;
        until_blocked(&server, 1).await;
        admin.check(unblock(reason).as_bytes(), b":1\r\n").await;
        waiter.expect(reply).await;
    }
    admin.check(unblock("").as_bytes(), b":0\r\n").await;
    admin
        .check(
            format!("CLIENT UNBLOCK {id} FOO\r\n").as_bytes(),
            b"-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n",
        )
        .await;
    waiter.send(b"BLPOP q 0\r\n").await;
    until_blocked(&server, 1).await;
    // Killed, then a push in the same batch: the kill is noticed by its
    // connection later, but it is not served meanwhile.
    admin
        .check(
            format!("CLIENT KILL ID {id}\r\nRPUSH q v\r\nLLEN q\r\n").as_bytes(),
            b":1\r\n:1\r\n:1\r\n",
        )
        .await;
    assert!(waiter.closed().await);
    eventually("the killed waiter unregistered", || blocked(&server) == 0).await;
}

#[tokio::test]
async fn swapdb_rechecks_while_deleted_or_retyped_keys_keep_waiting() {
    let server = shared("");
    let mut waiter = Client::direct(&server);
    waiter.check(b"SELECT 1\r\n", b"+OK\r\n").await;
    waiter.send(b"BLPOP k 0\r\n").await;
    until_blocked(&server, 1).await;
    let mut other = Client::direct(&server);
    other
        .check(b"RPUSH k v0\r\nSWAPDB 0 1\r\n", b":1\r\n+OK\r\n")
        .await;
    waiter.expect(b"*2\r\n$1\r\nk\r\n$2\r\nv0\r\n").await;
    waiter.check(b"SELECT 0\r\n", b"+OK\r\n").await;
    // Retyped: a sorted set does not serve a list waiter (Redis 7.0).
    waiter.send(b"BLPOP t 0\r\n").await;
    until_blocked(&server, 1).await;
    other.check(b"ZADD t 1 m\r\n", b":1\r\n").await;
    other
        .check(b"DEL t\r\nRPUSH t v\r\n", b":1\r\n:1\r\n")
        .await;
    waiter.expect(b"*2\r\n$1\r\nt\r\n$1\r\nv\r\n").await;
    // A destination of another type: the wait ends with WRONGTYPE and the
    // source keeps its element.
    waiter.send(b"BLMOVE src dst RIGHT LEFT 0\r\n").await;
    until_blocked(&server, 1).await;
    other
        .check(b"SET dst str\r\nRPUSH src 1\r\n", b"+OK\r\n:1\r\n")
        .await;
    waiter
        .expect(b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
        .await;
    other.check(b"LLEN src\r\n", b":1\r\n").await;
}

#[tokio::test]
async fn a_served_blmove_serves_the_destinations_waiter_in_turn() {
    let server = shared("");
    let deltas = capture_deltas(&server);
    let mut last = Client::direct(&server);
    last.send(b"BLPOP dst 0\r\n").await;
    until_blocked(&server, 1).await;
    let mut mover = Client::direct(&server);
    mover.send(b"BLMOVE src dst LEFT RIGHT 0\r\n").await;
    until_blocked(&server, 2).await;
    Client::direct(&server)
        .check(b"RPUSH src e\r\n", b":1\r\n")
        .await;
    mover.expect(b"$1\r\ne\r\n").await;
    last.expect(b"*2\r\n$3\r\ndst\r\n$1\r\ne\r\n").await;
    assert_eq!(
        delta_lines(&deltas),
        ["RPUSH src e", "LMOVE src dst LEFT RIGHT", "LPOP dst"]
    );
}

#[tokio::test]
async fn a_waiter_that_disconnects_is_never_served() {
    let server = shared("");
    let mut waiters = Vec::new();
    for i in 0..10 {
        let mut waiter = Client::direct(&server);
        waiter.send(b"BLPOP q 0\r\n").await;
        until_blocked(&server, i + 1).await;
        waiters.push(waiter);
    }
    for (i, mut waiter) in waiters.into_iter().enumerate() {
        if i % 2 == 0 {
            drop(waiter);
        } else {
            waiter.stream.shutdown().await.unwrap();
            assert!(waiter.drain_to_eof().await.is_empty());
        }
    }
    eventually("every waiter unregistered", || blocked(&server) == 0).await;
    let mut pusher = Client::direct(&server);
    pusher
        .check(b"RPUSH q 1 2 3\r\nLLEN q\r\n", b":3\r\n:3\r\n")
        .await;
    assert_eq!(server.core.lock().host.waiters.n_keys(), 0);
}

/// An element from a served BLPOP reply.
fn served_element(frame: &Frame) -> Option<Bytes> {
    match frame {
        Frame::Array(parts) => match parts.as_slice() {
            [Frame::Bulk(_), Frame::Bulk(element)] => Some(element.clone()),
            other => panic!("unexpected BLPOP reply {other:?}"),
        },
        Frame::NullArray => None,
        other => panic!("unexpected BLPOP reply {other:?}"),
    }
}

fn list_contents(server: &Shared) -> Vec<Bytes> {
    let core = server.core.lock();
    match core.engine.db(0).get(b"q") {
        None => Vec::new(),
        Some(kv_engine::value::Value::List(list)) => list
            .range(0, list.len())
            .map(Bytes::copy_from_slice)
            .collect(),
        Some(_) => panic!("q is not a list"),
    }
}

/// What one waiter received before it stopped.
struct Received {
    elements: Vec<Bytes>,
    timeouts: usize,
    disconnects: usize,
}

/// A waiter that blocks again and again (some waits with a short
/// timeout), sometimes disconnects (half-closes, then reads what it was
/// sent) and comes back as a new client, until `stop`.
async fn waiter(server: Arc<Shared>, seed: u64, stop: CancellationToken) -> Received {
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    let mut received = Received {
        elements: Vec::new(),
        timeouts: 0,
        disconnects: 0,
    };
    let mut client = Client::direct(&server);
    loop {
        let timeout = if rng.gen_bool(0.3) {
            format!("0.0{}", rng.gen_range(1..10))
        } else {
            "0".to_string()
        };
        client
            .send(format!("BLPOP q {timeout}\r\n").as_bytes())
            .await;
        let leave = rng.gen_bool(0.05);
        let reply = if leave {
            tokio::time::sleep(Duration::from_micros(rng.gen_range(0..2000))).await;
            None
        } else {
            tokio::select! {
                reply = client.reply() => Some(reply),
                _ = stop.cancelled() => None,
            }
        };
        match reply {
            Some(bytes) => {
                let limits = resp_codec::Limits::default();
                let (frame, _) = resp_codec::parse_frame(&Bytes::from(bytes), &limits)
                    .unwrap()
                    .unwrap();
                match served_element(&frame) {
                    Some(element) => received.elements.push(element),
                    None => received.timeouts += 1,
                }
            }
            None => {
                // Leave: whatever the server sent before it saw us go
                // is still ours to read.
                client.stream.shutdown().await.unwrap();
                for frame in client.drain_to_eof().await {
                    received.elements.extend(served_element(&frame));
                }
                received.disconnects += 1;
                if stop.is_cancelled() {
                    return received;
                }
                client = Client::direct(&server);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_waiters_with_disconnects_and_timeouts_receive_every_element_once() {
    const WAITERS: u64 = 100;
    const ELEMENTS: usize = 3000;
    let server = shared("");
    let stop = CancellationToken::new();
    let waiters: Vec<_> = (0..WAITERS)
        .map(|seed| tokio::spawn(waiter(server.clone(), seed, stop.clone())))
        .collect();
    let mut pushers = Vec::new();
    for p in 0..4usize {
        let server = server.clone();
        pushers.push(tokio::spawn(async move {
            let mut rng = rand::rngs::SmallRng::seed_from_u64(1000 + p as u64);
            let mut client = Client::direct(&server);
            let mut next = p;
            while next < ELEMENTS {
                let mut command = vec!["RPUSH".to_string(), "q".to_string()];
                for _ in 0..rng.gen_range(1..8) {
                    if next < ELEMENTS {
                        command.push(format!("e{next}"));
                        next += 4;
                    }
                }
                let words: Vec<&str> = command.iter().map(String::as_str).collect();
                let reply = client.call(&words).await;
                assert!(reply.starts_with(':'), "{reply}");
                if rng.gen_bool(0.2) {
                    tokio::time::sleep(Duration::from_micros(rng.gen_range(0..500))).await;
                }
            }
        }));
    }
    for pusher in pushers {
        pusher.await.unwrap();
    }
    eventually("the waiters take what they can", || {
        list_contents(&server).is_empty()
    })
    .await;
    // Let the short timeouts run out on an empty list, then stop.
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.cancel();
    let mut received: Vec<Bytes> = Vec::new();
    let (mut timeouts, mut disconnects) = (0, 0);
    for waiter in waiters {
        let r = waiter.await.unwrap();
        received.extend(r.elements);
        timeouts += r.timeouts;
        disconnects += r.disconnects;
    }
    received.extend(list_contents(&server));
    let unique: BTreeSet<Bytes> = received.iter().cloned().collect();
    assert_eq!(unique.len(), received.len(), "an element delivered twice");
    let pushed: BTreeSet<Bytes> = (0..ELEMENTS)
        .map(|i| Bytes::from(format!("e{i}")))
        .collect();
    assert_eq!(
        unique, pushed,
        "every element received once or still listed"
    );
    eprintln!(
        "{ELEMENTS} elements, {} received, {timeouts} timeouts, {disconnects} disconnects",
        received.len()
    );
    assert!(
        timeouts > 0 && disconnects > WAITERS as usize,
        "timeouts {timeouts}, disconnects {disconnects}"
    );
    eventually("no waiter left", || blocked(&server) == 0).await;
    assert_eq!(server.core.lock().host.waiters.n_replies_dropped, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_futures_dropped_at_random_points_take_nothing_with_them() {
    let server = shared("");
    let deltas = capture_deltas(&server);
    let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
    let mut pusher = Client::direct(&server);
    let mut received: Vec<Bytes> = Vec::new();
    let (mut pushed, mut dropped) = (0usize, 0usize);
    for round in 0..40 {
        let mut clients = Vec::new();
        for _ in 0..10 {
            let cancel = CancellationToken::new();
            let mut client = Client::cancellable(&server, cancel.clone());
            client.send(b"BLPOP q 0\r\n").await;
            clients.push((client, cancel));
        }
        // Push a few and drop some futures meanwhile, at whatever await
        // point the race finds them: not yet registered, blocked, or
        // served and about to write.
        let n = rng.gen_range(1..12);
        let elements: Vec<String> = (0..n).map(|i| format!("r{round}e{i}")).collect();
        pusher
            .send(format!("RPUSH q {}\r\n", elements.join(" ")).as_bytes())
            .await;
        for (_, cancel) in &clients {
            if rng.gen_bool(0.4) {
                if rng.gen_bool(0.5) {
                    tokio::task::yield_now().await;
                }
                cancel.cancel();
            }
        }
        pusher.reply().await;
        pushed += n;
        // The others are served soon or dropped too.
        for (mut client, cancel) in clients {
            if !cancel.is_cancelled() {
                tokio::select! {
                    reply = client.reply() => {
                        let (frame, _) = resp_codec::parse_frame(&Bytes::from(reply), &Default::default())
                            .unwrap()
                            .unwrap();
                        received.extend(served_element(&frame));
                        continue;
                    }
                    _ = tokio::time::sleep(Duration::from_millis(20)) => cancel.cancel(),
                }
            }
            dropped += 1;
            // What the dropped connection wrote before it went is ours.
            for frame in client.drain_to_eof().await {
                received.extend(served_element(&frame));
            }
        }
        eventually("dropped futures unregistered", || blocked(&server) == 0).await;
    }
    // Nobody waits now: a push stays in the list, whatever was dropped.
    assert_eq!(
        pusher.call(&["RPUSH", "q", "last"]).await.chars().next(),
        Some(':')
    );
    pushed += 1;
    let listed = list_contents(&server);
    assert_eq!(listed.last(), Some(&Bytes::from_static(b"last")));
    let pops = delta_lines(&deltas)
        .iter()
        .filter(|line| *line == "LPOP q")
        .count();
    let lost = server.core.lock().host.waiters.n_replies_dropped as usize;
    eprintln!(
        "{pushed} pushed, {pops} popped, {} received, {lost} lost with {dropped} dropped futures",
        received.len()
    );
    let unique: BTreeSet<&Bytes> = received.iter().collect();
    assert_eq!(unique.len(), received.len(), "an element delivered twice");
    assert_eq!(pushed, listed.len() + pops, "the engine lost nothing");
    assert_eq!(
        pops,
        received.len() + lost,
        "every pop reached its client, or the client's future was dropped after it was served"
    );
    assert!(dropped > 40, "the test dropped futures ({dropped})");
    assert!(lost <= dropped);
    eventually("no client left but the pusher", || {
        server.core.lock().host.clients.len() == 1
    })
    .await;
}

#[test]
fn served_pops_reach_the_aof_before_their_replies() {
    use support::process::{temp_dir, Conn, Process};
    let dir = temp_dir("blocking-aof");
    let args = ["--appendonly", "yes", "--appendfsync", "always"];
    let mut server = Process::ours_in(&dir, &args);
    let mut waiters: Vec<Conn> = (0..3).map(|_| Conn::open(server.port).unwrap()).collect();
    for (i, waiter) in waiters.iter_mut().enumerate() {
        waiter.send(&["BLMOVE", "q", "moved", "LEFT", "RIGHT", "0"]);
        let mut admin = Conn::open(server.port).unwrap();
        let wanted = format!("blocked_clients:{}\r\n", i + 1);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !matches!(admin.call(&["INFO", "clients"]), Frame::Bulk(t) if String::from_utf8_lossy(&t).contains(&wanted))
        {
            assert!(std::time::Instant::now() < deadline, "never {wanted}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let mut pusher = Conn::open(server.port).unwrap();
    assert_eq!(
        pusher.call(&["RPUSH", "q", "a", "b", "c", "d"]),
        Frame::Integer(4)
    );
    for (waiter, element) in waiters.iter_mut().zip(["a", "b", "c"]) {
        assert_eq!(
            waiter.read(),
            Some(Frame::Bulk(Bytes::from_static(element.as_bytes())))
        );
    }
    // Every reply was sent after its pop was fsynced: a kill loses none.
    server.kill();
    let server = Process::ours_in(&dir, &args);
    let mut conn = Conn::open(server.port).unwrap();
    let range = |conn: &mut Conn, key: &str| match conn.call(&["LRANGE", key, "0", "-1"]) {
        Frame::Array(items) => items,
        other => panic!("LRANGE replied {other:?}"),
    };
    let bulk = |s: &'static str| Frame::Bulk(Bytes::from_static(s.as_bytes()));
    assert_eq!(range(&mut conn, "q"), vec![bulk("d")]);
    assert_eq!(
        range(&mut conn, "moved"),
        vec![bulk("a"), bulk("b"), bulk("c")]
    );
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
