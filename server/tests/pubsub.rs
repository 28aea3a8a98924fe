//! Pub/Sub over `tokio::io::duplex`: replies in RESP2's subscribed mode
//! and RESP3, the publisher's own copy in its reply, CLIENT LIST and
//! KILL TYPE pubsub, RESET; a subscriber that never reads (cut off at its
//! hard limit, or at its soft limit after its seconds, while publishers
//! never wait); and 1,000 subscribers vanishing every way a connection
//! can end, after which the registry is empty.

mod support;

use server::client::ClientHandle;
use server::shared::Shared;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{eventually, shared, Client};
use tokio_util::sync::CancellationToken;

fn subscribers(server: &Shared) -> usize {
    server.core.lock().host.pubsub.n_clients()
}

#[tokio::test]
async fn resp2_subscribed_mode_allows_only_the_subscribe_family_ping_quit_reset() {
    let server = shared("");
    let mut a = Client::direct(&server);
    a.check(
        b"SUBSCRIBE c1 c2\r\n",
        b"*3\r\n$9\r\nsubscribe\r\n$2\r\nc1\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$2\r\nc2\r\n:2\r\n",
    )
    .await;
    let refused = |name: &str| {
        format!("-ERR Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n")
    };
    a.check(b"GET x\r\n", refused("get").as_bytes()).await;
    a.check(b"CLIENT LIST\r\n", refused("client|list").as_bytes())
        .await;
    a.check(b"MULTI\r\n", refused("multi").as_bytes()).await;
    // The engine's own errors come first, as in Redis.
    a.check(
        b"GET\r\nFOO\r\nCLIENT FOO\r\n",
        b"-ERR wrong number of arguments for 'get' command\r\n\
          -ERR unknown command 'FOO', with args beginning with: \r\n\
          -ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n",
    )
    .await;
    a.check(
        b"PING\r\nPING hi\r\n",
        b"*2\r\n$4\r\npong\r\n$0\r\n\r\n*2\r\n$4\r\npong\r\n$2\r\nhi\r\n",
    )
    .await;
    a.check(
        b"PSUBSCRIBE c*\r\nSSUBSCRIBE s1\r\n",
        b"*3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:3\r\n*3\r\n$10\r\nssubscribe\r\n$2\r\ns1\r\n:1\r\n",
    )
    .await;
    let mut b = Client::direct(&server);
    b.check(b"PUBLISH c1 m1\r\n", b":2\r\n").await;
    a.expect(
        b"*3\r\n$7\r\nmessage\r\n$2\r\nc1\r\n$2\r\nm1\r\n\
          *4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nc1\r\n$2\r\nm1\r\n",
    )
    .await;
    b.check(b"SPUBLISH s1 m2\r\nSPUBLISH c1 m3\r\n", b":1\r\n:0\r\n")
        .await;
    a.expect(b"*3\r\n$8\r\nsmessage\r\n$2\r\ns1\r\n$2\r\nm2\r\n")
        .await;
    a.check(
        b"UNSUBSCRIBE c1\r\nPUNSUBSCRIBE\r\nUNSUBSCRIBE\r\nUNSUBSCRIBE\r\n",
        b"*3\r\n$11\r\nunsubscribe\r\n$2\r\nc1\r\n:2\r\n\
          *3\r\n$12\r\npunsubscribe\r\n$2\r\nc*\r\n:1\r\n\
          *3\r\n$11\r\nunsubscribe\r\n$2\r\nc2\r\n:0\r\n\
          *3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n",
    )
    .await;
    // Still subscribed to a shard channel: still in subscribed mode.
    a.check(b"GET x\r\n", refused("get").as_bytes()).await;
    a.check(
        b"SUNSUBSCRIBE s1 s9\r\nGET x\r\n",
        b"*3\r\n$12\r\nsunsubscribe\r\n$2\r\ns1\r\n:0\r\n*3\r\n$12\r\nsunsubscribe\r\n$2\r\ns9\r\n:0\r\n$-1\r\n",
    )
    .await;
    assert_eq!(subscribers(&server), 0);
}

#[tokio::test]
async fn resp3_gets_push_frames_and_may_run_anything() {
    let server = shared("");
    let mut a = Client::direct(&server);
    a.call(&["HELLO", "3"]).await;
    a.check(
        b"SUBSCRIBE c1\r\nPSUBSCRIBE c*\r\nGET x\r\nPING\r\nPUBLISH c1 self\r\n",
        b">3\r\n$9\r\nsubscribe\r\n$2\r\nc1\r\n:1\r\n>3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:2\r\n\
          _\r\n+PONG\r\n\
          >3\r\n$7\r\nmessage\r\n$2\r\nc1\r\n$4\r\nself\r\n\
          >4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nc1\r\n$4\r\nself\r\n:2\r\n",
    )
    .await;
    a.check(
        b"UNSUBSCRIBE\r\nUNSUBSCRIBE\r\nPUNSUBSCRIBE\r\nSUNSUBSCRIBE\r\n",
        b">3\r\n$11\r\nunsubscribe\r\n$2\r\nc1\r\n:1\r\n>3\r\n$11\r\nunsubscribe\r\n_\r\n:1\r\n\
          >3\r\n$12\r\npunsubscribe\r\n$2\r\nc*\r\n:0\r\n>3\r\n$12\r\nsunsubscribe\r\n_\r\n:0\r\n",
    )
    .await;
    // Inside EXEC the confirmation and the own message sit among the
    // replies, exactly where Redis 7.0 puts them.
    a.check(
        b"MULTI\r\nSUBSCRIBE q\r\nPUBLISH q m\r\nEXEC\r\n",
        b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n>3\r\n$9\r\nsubscribe\r\n$1\r\nq\r\n:1\r\n\
          >3\r\n$7\r\nmessage\r\n$1\r\nq\r\n$1\r\nm\r\n:1\r\n",
    )
    .await;
    // HELLO 2 while subscribed: messages follow in RESP2, and the mode
    // applies.
    a.call(&["HELLO", "2"]).await;
    let mut b = Client::direct(&server);
    b.check(b"PUBLISH q m2\r\n", b":1\r\n").await;
    a.expect(b"*3\r\n$7\r\nmessage\r\n$1\r\nq\r\n$2\r\nm2\r\n")
        .await;
    a.check(b"RESET\r\nGET x\r\n", b"+RESET\r\n$-1\r\n").await;
    assert_eq!(subscribers(&server), 0, "RESET unsubscribes");
}

#[tokio::test]
async fn a_client_may_hold_ten_thousand_patterns() {
    let server = shared("");
    let mut client = Client::direct(&server);
    let mut words = vec!["PSUBSCRIBE".to_string()];
    words.extend((0..=10_000).map(|i| format!("p{i}*")));
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    assert_eq!(
        client.call(&words).await,
        "-ERR too many subscriptions of this kind for one client (the limit is 10000)\r\n"
    );
    assert_eq!(subscribers(&server), 0, "refused whole");
    // 9,999 patterns: one confirmation each.
    client.call(&words[..10_000]).await;
    for _ in 1..9_999 {
        client.reply().await;
    }
    assert_eq!(
        server
            .core
            .lock()
            .host
            .pubsub
            .n_names(server::pubsub::Kind::Pattern),
        9_999
    );
    let refused = client
        .call(&["PSUBSCRIBE", "p0*", "p9999*", "one-more"])
        .await;
    assert!(refused.starts_with("-ERR too many"), "{refused}");
    assert_eq!(
        client.call(&["PSUBSCRIBE", "p0*", "p9999*"]).await,
        "*3\r\n$10\r\npsubscribe\r\n$3\r\np0*\r\n:9999\r\n"
    );
    client.reply().await;
    // Channels are counted apart from patterns.
    assert!(client
        .call(&["SUBSCRIBE", "c"])
        .await
        .ends_with(":10001\r\n"));
}

#[tokio::test]
async fn pubsub_introspection_client_list_and_kill_type_pubsub() {
    let server = shared("");
    let mut a = Client::direct(&server);
    a.call(&["SUBSCRIBE", "news.uk", "news.fr"]).await;
    a.reply().await;
    a.call(&["PSUBSCRIBE", "news.*"]).await;
    a.call(&["SSUBSCRIBE", "orders"]).await;
    let mut b = Client::direct(&server);
    b.check(
        b"PSUBSCRIBE news.*\r\n",
        b"*3\r\n$10\r\npsubscribe\r\n$6\r\nnews.*\r\n:1\r\n",
    )
    .await;
    let mut admin = Client::direct(&server);
    admin
        .check(
            b"PUBSUB CHANNELS\r\nPUBSUB CHANNELS *.fr\r\nPUBSUB NUMSUB news.uk x\r\nPUBSUB NUMPAT\r\n\
              PUBSUB SHARDCHANNELS\r\nPUBSUB SHARDNUMSUB orders\r\n",
            b"*2\r\n$7\r\nnews.fr\r\n$7\r\nnews.uk\r\n*1\r\n$7\r\nnews.fr\r\n\
              *4\r\n$7\r\nnews.uk\r\n:1\r\n$1\r\nx\r\n:0\r\n:1\r\n*1\r\n$6\r\norders\r\n*2\r\n$6\r\norders\r\n:1\r\n",
        )
        .await;
    admin
        .check(
            b"PUBSUB CHANNELS a b\r\nPUBSUB NUMPAT x\r\nPUBSUB FOO\r\n",
            b"-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n\
              -ERR wrong number of arguments for 'pubsub|numpat' command\r\n\
              -ERR unknown subcommand 'FOO'. Try PUBSUB HELP.\r\n",
        )
        .await;
    let info = admin.call(&["INFO", "stats"]).await;
    for field in [
        "pubsub_channels:2",
        "pubsub_patterns:1",
        "pubsubshard_channels:1",
    ] {
        assert!(info.contains(field), "{field} in {info}");
    }
    let list = admin.call(&["CLIENT", "LIST", "TYPE", "pubsub"]).await;
    assert_eq!(list.matches("flags=P").count(), 2, "{list}");
    assert!(list.contains("sub=2 psub=1 ssub=1"), "{list}");
    admin.check(b"CLIENT KILL TYPE pubsub\r\n", b":2\r\n").await;
    assert!(a.closed().await && b.closed().await);
    eventually("the killed subscribers are forgotten", || {
        subscribers(&server) == 0
    })
    .await;
    admin
        .check(b"PUBLISH news.uk x\r\nPUBSUB NUMPAT\r\n", b":0\r\n:0\r\n")
        .await;
}

/// The first client, subscribed to `c` over a pipe of `pipe_bytes`, which
/// then never reads: the server's writes to it stall almost at once.
async fn stuck_subscriber(server: &Arc<Shared>, pipe_bytes: usize) -> (Client, Arc<ClientHandle>) {
    let mut subscriber = Client::direct_with_pipe(server, pipe_bytes);
    subscriber
        .check(
            b"SUBSCRIBE c\r\n",
            b"*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n",
        )
        .await;
    let handle = server.core.lock().host.clients.iter().next().cloned();
    (subscriber, handle.expect("the subscriber is registered"))
}

#[tokio::test]
async fn a_subscriber_that_never_reads_is_cut_off_at_its_hard_limit_while_publishers_never_wait() {
    const LIMIT: usize = 256 * 1024;
    let server = shared("client-output-buffer-limit pubsub 256kb 0 0\n");
    let (_subscriber, handle) = stuck_subscriber(&server, 4096).await;
    let mut publisher = Client::direct(&server);
    let message = "m".repeat(1000);
    let (mut delivered, mut max_held, mut slowest) = (0, 0, Duration::ZERO);
    for _ in 0..1000 {
        let began = Instant::now();
        let reply = publisher.call(&["PUBLISH", "c", &message]).await;
        slowest = slowest.max(began.elapsed());
        if reply == ":1\r\n" {
            delivered += 1;
        } else {
            assert_eq!(reply, ":0\r\n");
        }
        max_held = max_held.max(handle.outbox.held());
        assert!(
            handle.outbox.held() <= LIMIT + 2 * message.len(),
            "the server holds {} bytes for it",
            handle.outbox.held()
        );
    }
    eprintln!("{delivered} delivered before the cut, at most {max_held} bytes held, slowest PUBLISH {slowest:?}");
    assert!(
        (200..300).contains(&delivered),
        "cut off near 256 KiB of messages, after {delivered}"
    );
    assert!(handle.kill.is_cancelled());
    eventually("the cut-off subscriber is forgotten", || {
        subscribers(&server) == 0
    })
    .await;
    assert_eq!(handle.outbox.held(), 0, "its bytes are freed");
}

#[tokio::test(start_paused = true)]
async fn the_soft_limit_cuts_off_only_after_its_seconds() {
    let server = shared("client-output-buffer-limit pubsub 0 8kb 2\n");
    let (_subscriber, handle) = stuck_subscriber(&server, 1024).await;
    let mut publisher = Client::direct(&server);
    let message = "m".repeat(1000);
    for _ in 0..12 {
        assert_eq!(publisher.call(&["PUBLISH", "c", &message]).await, ":1\r\n");
    }
    assert!(handle.outbox.held() > 8 * 1024, "over the soft limit");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(publisher.call(&["PUBLISH", "c", &message]).await, ":1\r\n");
    assert!(!handle.kill.is_cancelled(), "over it for 1.5 s of 2");
    tokio::time::sleep(Duration::from_millis(600)).await;
    publisher.call(&["PUBLISH", "c", &message]).await;
    assert!(handle.kill.is_cancelled(), "over it for 2.1 s");
    eventually("forgotten", || subscribers(&server) == 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_subscribers_vanish_abruptly_and_the_registry_empties() {
    let server = shared("");
    let mut clients = Vec::new();
    for i in 0..1000 {
        let cancel = CancellationToken::new();
        let mut client = if i % 3 == 1 {
            Client::cancellable(&server, cancel.clone())
        } else {
            Client::direct(&server)
        };
        client
            .send(
                format!(
                    "SUBSCRIBE ch{} all\r\nPSUBSCRIBE p{}* *\r\nSSUBSCRIBE s{i}\r\n",
                    i % 10,
                    i % 7
                )
                .as_bytes(),
            )
            .await;
        for _ in 0..5 {
            client.reply().await;
        }
        clients.push((client, cancel));
    }
    {
        let core = server.core.lock();
        assert_eq!(core.host.pubsub.n_clients(), 1000);
        assert_eq!(
            core.host
                .pubsub
                .n_subscribers(server::pubsub::Kind::Channel, b"all"),
            1000
        );
    }
    let mut admin = Client::direct(&server);
    assert_eq!(admin.call(&["PUBLISH", "all", "x"]).await, ":2000\r\n");
    // A third close their end, a third have their connection future
    // dropped wherever it waits, a third are killed.
    let mut killed = Vec::new();
    for (i, (client, cancel)) in clients.into_iter().enumerate() {
        match i % 3 {
            0 => drop(client),
            1 => {
                cancel.cancel();
                drop(client);
            }
            _ => killed.push(client),
        }
    }
    let reply = admin.call(&["CLIENT", "KILL", "TYPE", "pubsub"]).await;
    assert!(reply.starts_with(':'), "{reply}");
    for mut client in killed {
        // What it was sent before the kill (its two messages at most: a
        // killed client's unsent output is dropped), then the end.
        assert!(client.drain_to_eof().await.len() <= 2);
    }
    eventually("every subscription is gone", || subscribers(&server) == 0).await;
    for kind in [
        server::pubsub::Kind::Channel,
        server::pubsub::Kind::Pattern,
        server::pubsub::Kind::Shard,
    ] {
        assert_eq!(server.core.lock().host.pubsub.n_names(kind), 0, "{kind:?}");
    }
    eventually("only the admin is connected", || {
        server.core.lock().host.clients.len() == 1
    })
    .await;
    admin
        .check(b"PUBLISH all x\r\nPUBSUB NUMPAT\r\n", b":0\r\n:0\r\n")
        .await;
}

#[tokio::test(start_paused = true)]
async fn subscribers_and_blocked_clients_are_never_idle() {
    let server = shared("timeout 2\n");
    let mut subscriber = Client::direct(&server);
    subscriber.call(&["SUBSCRIBE", "c"]).await;
    let mut waiter = Client::direct(&server);
    waiter.send(b"BLPOP q 0\r\n").await;
    let mut idle = Client::direct(&server);
    idle.check(b"PING\r\n", b"+PONG\r\n").await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(idle.closed().await, "a plain client is closed after 2 s");
    let mut publisher = Client::direct(&server);
    publisher
        .check(b"PUBLISH c m\r\nRPUSH q v\r\n", b":1\r\n:1\r\n")
        .await;
    subscriber
        .expect(b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n")
        .await;
    waiter.expect(b"*2\r\n$1\r\nq\r\n$1\r\nv\r\n").await;
}

#[tokio::test(start_paused = true)]
async fn keyspace_events_reach_subscribers_with_expired_from_the_timer() {
    let server = shared("hz 100\nnotify-keyspace-events Egx\n");
    tokio::spawn(server::cron::run(server.clone()));
    let mut subscriber = Client::direct(&server);
    subscriber.call(&["PSUBSCRIBE", "__keyevent@*__:*"]).await;
    let mut writer = Client::direct(&server);
    writer
        .check(
            b"SET k v PX 100\r\nSET j v\r\nDEL j\r\nSELECT 2\r\nSET other v\r\n",
            b"+OK\r\n+OK\r\n:1\r\n+OK\r\n+OK\r\n",
        )
        .await;
    let event = |db: u32, name: &str, key: &str| {
        let channel = format!("__keyevent@{db}__:{name}");
        format!(
            "*4\r\n$8\r\npmessage\r\n$16\r\n__keyevent@*__:*\r\n${}\r\n{channel}\r\n${}\r\n{key}\r\n",
            channel.len(),
            key.len()
        )
    };
    // E with g and x: SET's expire and DEL's del (generic), and expired;
    // not set (a string event).
    subscriber.expect(event(0, "expire", "k").as_bytes()).await;
    subscriber.expect(event(0, "del", "j").as_bytes()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Nobody read k: the active cycle expired it and said so.
    subscriber.expect(event(0, "expired", "k").as_bytes()).await;
    writer
        .check(
            b"CONFIG SET notify-keyspace-events KA\r\nDEL other\r\n",
            b"+OK\r\n:1\r\n",
        )
        .await;
    let mut keyspace = Client::direct(&server);
    keyspace.call(&["SUBSCRIBE", "__keyspace@2__:again"]).await;
    writer.check(b"SET again v\r\n", b"+OK\r\n").await;
    keyspace
        .expect(b"*3\r\n$7\r\nmessage\r\n$20\r\n__keyspace@2__:again\r\n$3\r\nset\r\n")
        .await;
    assert!(
        tokio::time::timeout(Duration::from_millis(100), subscriber.reply())
            .await
            .is_err(),
        "no keyevent messages without E"
    );
}

#[tokio::test]
async fn a_subscribers_own_replies_count_against_the_pubsub_limit() {
    let server = shared("client-output-buffer-limit pubsub 4kb 0 0\n");
    let mut client = Client::direct(&server);
    let names: Vec<String> = (0..2000).map(|i| format!("channel-{i:04}")).collect();
    let mut words = vec!["SUBSCRIBE"];
    words.extend(names.iter().map(String::as_str));
    // 2,000 confirmations of ~44 bytes, 88 KB in one batch's replies:
    // redis-server 7.0.15 cuts this client off too. (It does not count
    // its reply buffer, so a reply of a few tens of KB passes there.)
    client
        .send(&{
            let mut request = bytes::BytesMut::new();
            resp_codec::encode_command(&words, &mut request);
            request
        })
        .await;
    assert!(client.closed().await, "cut off at the pubsub class's 4 KiB");
    let mut plain = Client::direct(&server);
    let mut words = vec!["MSET"];
    for name in &names {
        words.push(name);
        words.push(name);
    }
    plain.call(&words).await;
    let mut get = vec!["MGET"];
    get.extend(names.iter().map(String::as_str));
    let reply = plain.call(&get).await;
    assert!(
        reply.starts_with("*2000\r\n"),
        "the normal class has no limit: {}",
        &reply[..reply.len().min(80)]
    );
}
