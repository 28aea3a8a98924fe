//! A connection at the raw RESP byte level, over `tokio::io::duplex`:
//! pipelining, protocol errors, HELLO/AUTH/QUIT/RESET, CLIENT REPLY,
//! limits (maxclients, protected mode, query buffer, idle timeout, output
//! buffer), MONITOR, and TTLs with paused time.

mod support;

use bytes::BytesMut;
use std::time::Duration;
use support::{local_peer, remote_peer, shared, Client};

#[tokio::test]
async fn a_pipeline_is_answered_in_order_in_one_go() {
    let server = shared("");
    let mut client = Client::direct(&server);
    client
        .check(
            b"PING\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
            b"+PONG\r\n+PONG\r\n$2\r\nhi\r\n+OK\r\n$1\r\nv\r\n",
        )
        .await;
}

#[tokio::test]
async fn a_command_split_across_writes_is_read_whole() {
    let server = shared("");
    let mut client = Client::direct(&server);
    for piece in [&b"*2\r\n$4\r"[..], b"\nECHO\r\n$5", b"\r\nhel", b"lo\r\n"] {
        client.send(piece).await;
        tokio::task::yield_now().await;
    }
    client.expect(b"$5\r\nhello\r\n").await;
}

#[tokio::test]
async fn protocol_errors_are_answered_then_the_connection_closes() {
    let cases: &[(&[u8], &[u8])] = &[
        (
            b"*1\r\n$4\r\nPING\r\n*abc\r\n",
            b"+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"*1\r\n$4294967296\r\n",
            b"-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\n:1\r\n",
            b"-ERR Protocol error: expected '$', got ':'\r\n",
        ),
        (
            b"SET a \"b\r\n",
            b"-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
    ];
    let server = shared("");
    for (request, reply) in cases {
        let mut client = Client::direct(&server);
        client.check(request, reply).await;
        assert!(
            client.closed().await,
            "{:?} must close",
            String::from_utf8_lossy(request)
        );
    }
    // A million-element header costs nothing until its elements arrive,
    // and the server keeps serving others.
    let mut greedy = Client::direct(&server);
    greedy.send(b"*1000000\r\n$1\r\na\r\n").await;
    let mut other = Client::direct(&server);
    other.check(b"PING\r\n", b"+PONG\r\n").await;
}

#[tokio::test]
async fn unknown_commands_and_arity_errors_keep_the_connection() {
    let server = shared("");
    let mut client = Client::direct(&server);
    client
        .check(
            b"FOO bar\r\nGET\r\nPING\r\n",
            b"-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n-ERR wrong number of arguments for 'get' command\r\n+PONG\r\n",
        )
        .await;
}

#[tokio::test]
async fn hello_switches_protocol_and_answers_redis_map() {
    let server = shared("");
    let mut client = Client::direct(&server);
    let id = client.call(&["CLIENT", "ID"]).await;
    let id = id.trim_start_matches(':').trim_end();
    let expected = format!(
        "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
    );
    client.check(b"HELLO 3\r\n", expected.as_bytes()).await;
    client
        .check(
            b"CONFIG GET port\r\n",
            b"%1\r\n$4\r\nport\r\n$4\r\n6379\r\n",
        )
        .await;
    client.check(b"GET nosuchkey\r\n", b"_\r\n").await;
    client
        .check(
            b"HELLO 4\r\nHELLO x\r\nHELLO 3 SETNAME a b\r\nHELLO 3 FOO\r\n",
            b"-NOPROTO unsupported protocol version\r\n-ERR Protocol version is not an integer or out of range\r\n-ERR Syntax error in HELLO option 'b'\r\n-ERR Syntax error in HELLO option 'FOO'\r\n",
        )
        .await;
    client
        .send(b"HELLO 2 SETNAME conn1\r\nCLIENT GETNAME\r\n")
        .await;
    let _hello = client.reply().await;
    client.expect(b"$5\r\nconn1\r\n").await;
}

#[tokio::test]
async fn requirepass_gates_commands_until_auth() {
    let server = shared("requirepass s3cret\n");
    let mut client = Client::direct(&server);
    client
        .check(
            b"PING\r\nFOO\r\nGET\r\nAUTH wrong\r\nAUTH default wrong\r\nMULTI\r\nEXEC\r\n",
            b"-NOAUTH Authentication required.\r\n-ERR unknown command 'FOO', with args beginning with: \r\n-ERR wrong number of arguments for 'get' command\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n-NOAUTH Authentication required.\r\n-EXECABORT Transaction discarded because of: NOAUTH Authentication required.\r\n",
        )
        .await;
    client.check(b"HELLO 3\r\n", b"-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n").await;
    client
        .check(b"AUTH s3cret\r\nPING\r\n", b"+OK\r\n+PONG\r\n")
        .await;
    // RESET forgets the authentication when a password is set.
    client
        .check(
            b"RESET\r\nPING\r\n",
            b"+RESET\r\n-NOAUTH Authentication required.\r\n",
        )
        .await;
    // Unauthenticated clients get Redis's smaller request limits.
    client
        .check(
            b"*11\r\n",
            b"-ERR Protocol error: unauthenticated multibulk length\r\n",
        )
        .await;
    assert!(client.closed().await);
}

#[tokio::test]
async fn auth_without_a_password_configured() {
    let server = shared("");
    let mut client = Client::direct(&server);
    client
        .check(
            b"AUTH x\r\nAUTH default anything\r\nAUTH other x\r\n",
            b"-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n+OK\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n",
        )
        .await;
}

#[tokio::test]
async fn quit_answers_then_closes_ignoring_the_rest() {
    let server = shared("");
    let mut client = Client::direct(&server);
    client
        .check(b"PING\r\nQUIT\r\nPING\r\n", b"+PONG\r\n+OK\r\n")
        .await;
    assert!(client.closed().await);
}

#[tokio::test]
async fn client_reply_off_skip_on() {
    let server = shared("");
    let mut client = Client::direct(&server);
    client
        .check(
            b"CLIENT REPLY SKIP\r\nPING 1\r\nPING 2\r\nCLIENT REPLY OFF\r\nPING 3\r\nCLIENT REPLY ON\r\nPING 4\r\nCLIENT REPLY maybe\r\n",
            b"$1\r\n2\r\n+OK\r\n$1\r\n4\r\n-ERR syntax error\r\n",
        )
        .await;
}

#[tokio::test]
async fn host_commands_queue_in_multi_and_run_in_exec() {
    let server = shared("");
    let mut client = Client::direct(&server);
    client
        .check(
            b"MULTI\r\nTIME\r\nCONFIG GET hz\r\nDBSIZE\r\n",
            b"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n",
        )
        .await;
    let exec = client.call(&["EXEC"]).await;
    assert!(exec.starts_with("*3\r\n*2\r\n$10\r\n"), "{exec:?}");
    assert!(
        exec.ends_with("*2\r\n$2\r\nhz\r\n$2\r\n10\r\n:0\r\n"),
        "{exec:?}"
    );
    client.check(b"MULTI\r\nCONFIG\r\nEXEC\r\n", b"+OK\r\n-ERR wrong number of arguments for 'config' command\r\n-EXECABORT Transaction discarded because of previous errors.\r\n").await;
    // DEBUG (enable-debug-command no) is refused when queued too.
    let refused = "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n";
    let reply =
        format!("+OK\r\n{refused}-EXECABORT Transaction discarded because of previous errors.\r\n");
    client
        .check(b"MULTI\r\nDEBUG RELOAD\r\nEXEC\r\n", reply.as_bytes())
        .await;
    // SAVE and SHUTDOWN are no-multi: refused when queued, as Redis 7.0.15.
    for command in ["SAVE", "SHUTDOWN NOSAVE"] {
        let request = format!("MULTI\r\nSET a 1\r\n{command}\r\nEXEC\r\nEXISTS a\r\n");
        let reply = "+OK\r\n+QUEUED\r\n-ERR Command not allowed inside a transaction\r\n-EXECABORT Transaction discarded because of previous errors.\r\n:0\r\n";
        client.check(request.as_bytes(), reply.as_bytes()).await;
    }
}

#[tokio::test]
async fn maxclients_refuses_the_one_too_many() {
    let server = shared("maxclients 1\n");
    let mut first = Client::connect(&server, local_peer());
    first.check(b"PING\r\n", b"+PONG\r\n").await;
    let mut second = Client::connect(&server, local_peer());
    second
        .expect(b"-ERR max number of clients reached\r\n")
        .await;
    assert!(second.closed().await);
    first.check(b"PING\r\n", b"+PONG\r\n").await;
}

#[tokio::test]
async fn protected_mode_denies_remote_clients_without_a_password() {
    let server = shared("");
    let mut remote = Client::connect(&server, remote_peer());
    let denied = include_str!("../src/denied.txt");
    remote.expect(format!("{denied}\r\n").as_bytes()).await;
    assert!(denied.starts_with("-DENIED Redis is running in protected mode"));
    assert!(remote.closed().await);
    let mut local = Client::connect(&server, local_peer());
    local.check(b"PING\r\n", b"+PONG\r\n").await;
    for config in ["protected-mode no\n", "requirepass x\n"] {
        let server = shared(config);
        let mut remote = Client::connect(&server, remote_peer());
        remote
            .check(
                b"ECHO in\r\n",
                if config.starts_with("requirepass") {
                    b"-NOAUTH Authentication required.\r\n"
                } else {
                    b"$2\r\nin\r\n"
                },
            )
            .await;
    }
}

#[tokio::test(start_paused = true)]
async fn idle_clients_are_closed_after_timeout() {
    let server = shared("timeout 2\n");
    let mut client = Client::direct(&server);
    client.check(b"PING\r\n", b"+PONG\r\n").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    client.check(b"PING\r\n", b"+PONG\r\n").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(client.closed().await);
}

#[tokio::test]
async fn the_query_buffer_limit_closes_a_client_that_overflows_it() {
    let server = shared("client-query-buffer-limit 1mb\n");
    let mut client = Client::direct(&server);
    client.send(b"*2\r\n$4\r\nECHO\r\n$5000000\r\n").await;
    let chunk = vec![b'x'; 64 * 1024];
    let mut refused = false;
    for _ in 0..80 {
        if !client.try_send(&chunk).await {
            refused = true;
            break;
        }
    }
    assert!(
        refused || client.closed().await,
        "a 5 MB argument past a 1 MB query buffer limit must close the client"
    );
    let mut other = Client::direct(&server);
    other.check(b"PING\r\n", b"+PONG\r\n").await;
}

/// A whole command larger than the limit closes the client too, however
/// its bytes were split into reads (Redis checks after every read).
#[tokio::test]
async fn a_whole_command_past_the_query_buffer_limit_closes_the_client() {
    let server = shared("client-query-buffer-limit 1mb\n");
    let mut client = Client::direct(&server);
    let mut request = b"*2\r\n$4\r\nECHO\r\n$1048576\r\n".to_vec();
    request.extend(std::iter::repeat_n(b'x', 1 << 20));
    request.extend_from_slice(b"\r\n");
    let _ = client.try_send(&request).await;
    assert!(
        client.closed().await,
        "a 1 MB argument makes a command past a 1 MB query buffer limit"
    );
}

#[tokio::test]
async fn client_list_kill_and_names() {
    let server = shared("");
    let mut a = Client::direct(&server);
    let mut b = Client::direct(&server);
    a.check(b"CLIENT SETNAME alpha\r\n", b"+OK\r\n").await;
    b.check(b"CLIENT SETNAME beta\r\n", b"+OK\r\n").await;
    let list = a.call(&["CLIENT", "LIST"]).await;
    assert!(
        list.contains("name=alpha") && list.contains("name=beta"),
        "{list}"
    );
    assert!(list.contains("cmd=client|list"), "{list}");
    let b_id = client_id(&mut b).await;
    a.check(b"CLIENT KILL ID 99999\r\nCLIENT KILL ID x\r\nCLIENT KILL TYPE foo\r\nCLIENT KILL 1.2.3.4:5\r\n", b":0\r\n-ERR client-id should be greater than 0\r\n-ERR Unknown client type 'foo'\r\n-ERR No such client\r\n").await;
    a.check(format!("CLIENT KILL ID {b_id}\r\n").as_bytes(), b":1\r\n")
        .await;
    assert!(b.closed().await);
    let list = a.call(&["CLIENT", "LIST"]).await;
    assert!(!list.contains("name=beta"), "{list}");
    a.check(
        b"CLIENT SETNAME \"a b\"\r\n",
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
    )
    .await;
    // Killing itself: the reply goes out, then the connection closes.
    a.check(b"CLIENT KILL SKIPME no TYPE normal\r\n", b":1\r\n")
        .await;
    assert!(a.closed().await);
}

#[tokio::test]
async fn monitor_sees_other_clients_commands() {
    let server = shared("");
    let mut watcher = Client::direct(&server);
    watcher.check(b"MONITOR\r\n", b"+OK\r\n").await;
    let mut worker = Client::direct(&server);
    worker.check(b"SET \"a b\" v\r\n", b"+OK\r\n").await;
    let line = watcher.line().await;
    assert!(line.starts_with('+'), "{line}");
    assert!(
        line.ends_with(" [0 127.0.0.1:40000] \"SET\" \"a b\" \"v\"\r\n"),
        "{line}"
    );
}

#[tokio::test]
async fn a_monitor_past_its_output_limit_is_disconnected() {
    let server = shared("client-output-buffer-limit normal 4kb 0 0\n");
    let mut watcher = Client::direct_with_pipe(&server, 512);
    watcher.check(b"MONITOR\r\n", b"+OK\r\n").await;
    // The watcher never reads: its pushes pile up past 4 KiB.
    let mut worker = Client::direct(&server);
    for _ in 0..200 {
        worker
            .check(
                b"PING some-payload-to-make-the-line-longer\r\n",
                b"$36\r\nsome-payload-to-make-the-line-longer\r\n",
            )
            .await;
    }
    let list = worker.call(&["CLIENT", "LIST"]).await;
    assert_eq!(list.matches("id=").count(), 1, "{list}");
}

#[tokio::test(start_paused = true)]
async fn ttls_follow_the_clock_and_the_active_cycle_deletes_unread_keys() {
    let server = shared("hz 100\n");
    tokio::spawn(server::cron::run(server.clone()));
    let mut client = Client::direct(&server);
    client
        .check(
            b"SET k v\r\nPEXPIRE k 1000\r\nSET other v\r\nPEXPIRE other 1000\r\nDBSIZE\r\n",
            b"+OK\r\n:1\r\n+OK\r\n:1\r\n:2\r\n",
        )
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    client.check(b"GET k\r\n", b"$1\r\nv\r\n").await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    // Nobody read them: the active cycle deleted them.
    client.check(b"DBSIZE\r\n", b":0\r\n").await;
    let info = client.call(&["INFO", "stats"]).await;
    assert!(info.contains("expired_keys:2\r\n"), "{info}");
}

#[tokio::test]
async fn config_set_reaches_the_engine_and_is_all_or_nothing() {
    let server = shared("");
    let mut client = Client::direct(&server);
    client.check(b"CONFIG SET hz 20 maxmemory 1x\r\n", b"-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n").await;
    client
        .check(b"CONFIG GET hz\r\n", b"*2\r\n$2\r\nhz\r\n$2\r\n10\r\n")
        .await;
    client
        .check(
            b"CONFIG SET zset-max-listpack-entries 1 hz 20\r\n",
            b"+OK\r\n",
        )
        .await;
    client
        .check(
            b"ZADD z 1 a 2 b\r\nOBJECT ENCODING z\r\n",
            b":2\r\n$8\r\nskiplist\r\n",
        )
        .await;
    client
        .check(b"CONFIG GET hz\r\n", b"*2\r\n$2\r\nhz\r\n$2\r\n20\r\n")
        .await;
    client.check(b"CONFIG SET\r\nCONFIG SET port 1 hz\r\nCONFIG FOO\r\n", b"-ERR wrong number of arguments for 'config|set' command\r\n-ERR syntax error\r\n-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n").await;
}

#[tokio::test]
async fn info_reports_sections_and_counts() {
    let server = shared("");
    let mut client = Client::direct(&server);
    client
        .check(
            b"SET a 1\r\nGET a\r\nGET nope\r\nFOO\r\n",
            b"+OK\r\n$1\r\n1\r\n$-1\r\n",
        )
        .await;
    let _unknown = client.reply().await;
    let info = client.call(&["INFO"]).await;
    for field in [
        "redis_version:7.0.15\r\n",
        "redis_rust_version:",
        "connected_clients:1\r\n",
        "used_memory:",
        "aof_enabled:0\r\n",
        "rdb_bgsave_in_progress:0\r\n",
        "role:master\r\n",
        "connected_slaves:0\r\n",
        "used_cpu_sys:",
        "keyspace_hits:1\r\n",
        "keyspace_misses:1\r\n",
        "errorstat_ERR:count=1\r\n",
        "db0:keys=1,expires=0,avg_ttl=0\r\n",
        "# Modules\r\n",
        "cluster_enabled:0\r\n",
    ] {
        assert!(info.contains(field), "INFO lacks {field:?}");
    }
    assert!(!info.contains("# Commandstats"));
    let commandstats = client.call(&["INFO", "commandstats"]).await;
    assert!(
        commandstats.contains("cmdstat_get:calls=2,"),
        "{commandstats}"
    );
    assert!(
        commandstats.contains("cmdstat_info:calls=1,"),
        "{commandstats}"
    );
    client.check(b"CONFIG RESETSTAT\r\n", b"+OK\r\n").await;
    let stats = client.call(&["INFO", "stats"]).await;
    assert!(stats.contains("keyspace_hits:0\r\n"), "{stats}");
}

#[tokio::test]
async fn shutdown_stops_the_server_without_a_reply() {
    let server = shared("");
    let mut client = Client::direct(&server);
    client
        .check(
            b"SHUTDOWN ABORT\r\nSHUTDOWN FOO\r\n",
            b"-ERR No shutdown in progress.\r\n-ERR syntax error\r\n",
        )
        .await;
    client.send(b"SHUTDOWN NOSAVE\r\n").await;
    assert!(client.closed().await);
    assert!(server.shutdown.is_cancelled());
}

#[tokio::test]
async fn slowlog_records_what_is_slow() {
    let server = shared("slowlog-log-slower-than 0\n");
    let mut client = Client::direct(&server);
    client
        .check(b"SET k v\r\nSLOWLOG LEN\r\n", b"+OK\r\n:1\r\n")
        .await;
    let get = client.call(&["SLOWLOG", "GET", "1"]).await;
    assert!(
        get.contains("$7\r\nSLOWLOG\r\n$3\r\nLEN\r\n$15\r\n127.0.0.1:40000\r\n$0\r\n"),
        "{get:?}"
    );
    client
        .check(
            b"SLOWLOG RESET\r\nSLOWLOG GET -2\r\n",
            b"+OK\r\n-ERR count should be greater than or equal to -1\r\n",
        )
        .await;
}

#[tokio::test]
async fn a_reply_larger_than_the_pipe_is_written_whole() {
    // 20 000 elements of 10 bytes: a 300 KB reply through a 4 KiB pipe,
    // so the first write is short and the rest follows in pieces.
    let server = shared("");
    let mut client = Client::direct_with_pipe(&server, 4096);
    let mut push = BytesMut::new();
    let values: Vec<String> = (0..20_000).map(|i| format!("value{i:05}")).collect();
    let mut words = vec!["RPUSH", "big"];
    words.extend(values.iter().map(String::as_str));
    resp_codec::encode_command(&words, &mut push);
    client.check(&push, b":20000\r\n").await;
    let mut expected = BytesMut::new();
    {
        let mut writer = resp_codec::ReplyWriter::new(&mut expected, resp_codec::Protocol::Resp2);
        writer.array(values.len());
        for value in &values {
            writer.bulk(value.as_bytes());
        }
    }
    // Twice in one pipeline, then a PING: the replies are whole and in order.
    client
        .send(b"LRANGE big 0 -1\r\nLRANGE big 0 -1\r\nPING\r\n")
        .await;
    client.expect(&expected).await;
    client.expect(&expected).await;
    client.expect(b"+PONG\r\n").await;
}

#[tokio::test]
async fn a_client_that_keeps_sending_is_still_killed() {
    let server = shared("");
    let mut admin = Client::direct(&server);
    let mut flood = Client::direct(&server);
    let id = client_id(&mut flood).await;
    let burst = b"PING\r\n".repeat(500);
    flood.send(&burst).await;
    admin
        .check(format!("CLIENT KILL ID {id}\r\n").as_bytes(), b":1\r\n")
        .await;
    // Whatever it sends after the kill, the connection closes: the kill is
    // seen between rounds. Bounded: 200 more bursts at most.
    let mut closed = false;
    for _ in 0..200 {
        if !flood.try_send(&burst).await {
            closed = true;
            break;
        }
        let mut chunk = [0u8; 65536];
        match tokio::time::timeout(
            Duration::from_secs(5),
            tokio::io::AsyncReadExt::read(&mut flood.stream, &mut chunk),
        )
        .await
        {
            Ok(Ok(0)) | Ok(Err(_)) => {
                closed = true;
                break;
            }
            Ok(Ok(_)) => {}
            Err(_) => panic!("neither replies nor a close"),
        }
    }
    assert!(closed, "the killed client's connection closed");
}

/// The connection's CLIENT ID, as text.
async fn client_id(client: &mut Client) -> String {
    client
        .call(&["CLIENT", "ID"])
        .await
        .trim_start_matches(':')
        .trim()
        .to_owned()
}
