//! DEBUG SLEEP, OBJECT, RELOAD, SET-ACTIVE-EXPIRE, HELP, refused unless
//! `enable-debug-command` allows it, as Redis 7 does.
//!
//! DEBUG SLEEP stalls every client as Redis's whole-server stall does,
//! without blocking a runtime thread (which this server never does): the
//! calling connection sleeps before its reply, and every other client is
//! stalled for as long (`HostState::stall_until_ms`); the command's time, in
//! commandstats, the slowlog and the latency monitor, is the sleep's.

use super::{check_arity, ConnHost};
use crate::config::settings::Access;
use kv_engine::context::Ctx;
use kv_engine::{CommandError, CommandResult};
use std::time::Duration;

/// Why this connection may not run DEBUG at all, if it may not: checked
/// before the command runs or is queued (`Host::refuses`), as Redis
/// checks its protected commands.
pub fn refused(host: &ConnHost<'_>) -> Option<CommandError> {
    let allowed = match host.state.settings.enable_debug_command {
        Access::Yes => true,
        Access::Local => host.conn.handle.local,
        Access::No => false,
    };
    (!allowed).then(|| CommandError::text(
        "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
    ))
}

pub fn debug(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    // Inside EXEC too: `enable-debug-command` cannot change meanwhile,
    // but the check costs nothing.
    if let Some(error) = refused(host) {
        return Err(error);
    }
    let unknown = || {
        CommandError::owned(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
            String::from_utf8_lossy(ctx.arg(1))
        ))
    };
    match ctx.arg(1).to_ascii_lowercase().as_slice() {
        b"sleep" if ctx.argc() == 3 => {
            // Read as C's atof reads it, as Redis does: the longest number
            // at the start, 0 without one ("abc" sleeps 0 and says OK).
            // Looked for in the first 64 bytes: each prefix is a parse.
            let arg = ctx.arg(2);
            let text = String::from_utf8_lossy(&arg[..arg.len().min(64)]);
            let seconds = (0..=text.len())
                .rev()
                .filter(|&end| text.is_char_boundary(end))
                .find_map(|end| text[..end].trim_start().parse::<f64>().ok())
                .filter(|s| s.is_finite())
                .unwrap_or(0.0);
            let sleep = Duration::from_secs_f64(seconds.clamp(0.0, 3600.0));
            // Two in one EXEC sleep both.
            let sleep = host.conn.sleep.unwrap_or_default() + sleep;
            host.conn.sleep = Some(sleep);
            // Every other client waits the sleep out (a stall of its own,
            // apart from CLIENT PAUSE: neither merged into one nor ended by
            // CLIENT UNPAUSE).
            let until_ms =
                (host.shared.clock.now_us() / 1000).saturating_add(sleep.as_millis() as i64);
            let stall = &mut host.state.stall_until_ms;
            *stall = Some(stall.map_or(until_ms, |old| old.max(until_ms)));
            ctx.out.ok();
        }
        b"object" if ctx.argc() == 3 => {
            let now_ms = ctx.db.now_ms;
            let key = ctx.arg(2);
            let options = persistence::rdb::ValueOptions {
                compression: host.state.config.value("rdbcompression") == "yes",
                list_max_listpack_size: ctx.db.config().list_max_listpack_size,
            };
            let field = ctx.db.keyspace().access_of(key).unwrap_or(0);
            // A look that leaves the key's access time and the keyspace
            // hits alone, as Redis's.
            let value = (ctx.db)
                .lookup_with(key, kv_engine::context::Lookup::PEEK)
                .ok_or(CommandError::NoSuchKey)?;
            let encoding = kv_engine::commands::keys::encoding(value);
            // The value's RDB form (Redis's rdbSavedObjectLen): its DUMP
            // payload without the type byte and the 10-byte footer.
            let serialized = persistence::rdb::dump::dump_value_with(value, options)
                .len()
                .saturating_sub(11);
            let idle_secs = kv_engine::access::idle_ms(field, now_ms) / 1000;
            let lru_clock = ((now_ms / 1000) as u64).saturating_sub(idle_secs);
            let mut text = format!(
                "Value at:0x0 refcount:1 encoding:{encoding} serializedlength:{serialized} lru:{} lru_seconds_idle:{idle_secs}",
                lru_clock & ((1 << 24) - 1)
            );
            if let kv_engine::value::Value::List(list) = value {
                let compressed = host.state.config.value("list-compress-depth") != "0";
                text.push_str(&quicklist_fields(
                    list,
                    options.list_max_listpack_size,
                    compressed,
                ));
            }
            ctx.out.simple(text.as_bytes());
        }
        b"protocol" if ctx.argc() == 3 => protocol(ctx)?,
        b"reload" => super::persistence::debug_reload(host, ctx)?,
        b"populate" if (3..=5).contains(&ctx.argc()) => populate(ctx)?,
        b"set-active-expire" if ctx.argc() == 3 => {
            let on = super::arg_i64(ctx, 2)?;
            host.state.active_expire = on != 0;
            ctx.out.ok();
        }
        b"help" => {
            check_arity(ctx, 2)?;
            super::help(
                ctx,
                &[
                    "POPULATE <count> [<prefix>] [<size>]",
                    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
                    "    it is used instead of the 'key' prefix. These are not propagated to",
                    "    replicas. Cluster slots are not respected so keys not belonging to the",
                    "    current node can be created in cluster mode.",
                    "PROTOCOL <type>",
                    "    Reply with a test value of the specified type. <type> can be: string,",
                    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
                    "    true, false.",
                    "RELOAD [option ...]",
                    "    Save the RDB on disk and reload it back to memory. Options:",
                    "    * MERGE: a key of the RDB replaces the one in memory.",
                    "    * NOFLUSH: keep the dataset in memory and load the RDB into it.",
                    "    * NOSAVE: load the RDB file on disk as it is, without saving first.",
                    "OBJECT <key>",
                    "    Show low level info about `key` and associated value.",
                    "SET-ACTIVE-EXPIRE <0|1>",
                    "    Setting it to 0 disables expiring keys in background when they are not",
                    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
                    "    default.",
                    "SLEEP <seconds>",
                    "    Stop the server for <seconds>. Decimals allowed.",
                ],
            )?;
        }
        _ => return Err(unknown()),
    }
    Ok(())
}

/// More keys than any table here could take: refused as Redis refuses
/// a table it cannot allocate, rather than a loop under the engine lock
/// that never ends.
const POPULATE_MAX: u64 = 1 << 32;
/// The longest value, as the longest string a client may send (the
/// default proto-max-bulk-len); Redis would try and abort out of memory.
const POPULATE_MAX_SIZE: u64 = 512 << 20;
/// The longest key name, as Redis's 128-byte name buffer allows.
const POPULATE_MAX_NAME: usize = 127;

/// What DEBUG OBJECT adds for a list in Redis 7.0: its quicklist's node
/// count, elements per node, fill (clamped as `quicklistSetFill` does),
/// whether nodes are compressed (`list-compress-depth`) and the nodes'
/// bytes. The nodes are the ones the RDB writes (the list as pushes at
/// its tail build it, at today's fill): Redis's own nodes also keep the
/// shape of past inserts and removals, and the fill the list was created
/// with.
fn quicklist_fields(list: &kv_engine::value::ListValue, fill: i64, compressed: bool) -> String {
    let nodes = persistence::rdb::encode::quicklist_nodes(list, fill);
    let bytes: usize = nodes.iter().map(|(_, node)| node.len()).sum();
    let average = list.len() as f64 / nodes.len().max(1) as f64;
    format!(
        " ql_nodes:{} ql_avg_node:{average:.2} ql_listpack_max:{} ql_compressed:{} ql_uncompressed_size:{bytes}",
        nodes.len(),
        fill.clamp(-5, (1 << 15) - 1),
        u8::from(compressed),
    )
}

/// DEBUG POPULATE count [prefix] [size]: string keys `<prefix>:<n>`
/// (`key` by default) for n in 0..count holding `value:<n>`, cut or padded
/// with zero bytes to `size` when one is given; a key that exists is left
/// as it is. As in Redis, nothing is propagated (no AOF, no replica) and
/// nothing counts as a change to save, but WATCHes see it.
fn populate(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let positive = |arg: &[u8]| {
        kv_engine::parse::parse_i64(arg)
            .ok()
            .and_then(|n| u64::try_from(n).ok())
            .ok_or(CommandError::text(
                "ERR value is out of range, must be positive",
            ))
    };
    let count = positive(ctx.arg(2))?;
    if count > POPULATE_MAX {
        return Err(CommandError::text("ERR OOM in dictTryExpand"));
    }
    let size = match ctx.argc() {
        5 => Some(positive(ctx.arg(4))?).filter(|&size| size > 0),
        _ => None,
    };
    if size.is_some_and(|size| size > POPULATE_MAX_SIZE) {
        return Err(CommandError::text(
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
        ));
    }
    // Redis formats the name as a C string into 128 bytes: the prefix
    // ends at its first NUL and the name at 127 bytes (so a long prefix
    // makes one key, and no prefix can make keys of any size).
    let prefix = if ctx.argc() >= 4 {
        kv_engine::parse::c_str(ctx.arg(3))
    } else {
        b"key"
    };
    let mut key = Vec::with_capacity(POPULATE_MAX_NAME + 21);
    let mut value = Vec::new();
    for n in 0..count {
        key.clear();
        key.extend_from_slice(prefix);
        key.extend_from_slice(format!(":{n}").as_bytes());
        key.truncate(POPULATE_MAX_NAME);
        if ctx.db.lookup(&key).is_some() {
            continue;
        }
        value.clear();
        value.extend_from_slice(format!("value:{n}").as_bytes());
        if let Some(size) = size {
            value.resize(size as usize, 0); // at most POPULATE_MAX_SIZE
        }
        ctx.db.create(
            &key,
            kv_engine::value::Value::Str(kv_engine::value::StrValue::from_bytes(&value)),
        );
        let db = ctx.db.index;
        ctx.db.signal_modified_at(db, &key);
    }
    ctx.out.ok();
    Ok(())
}

/// DEBUG PROTOCOL <type>: a test value of each RESP type, as Redis sends
/// it in the connection's protocol (what client libraries test their
/// parsers with). RESP2 has no push, and shows the rest in its types.
fn protocol(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let resp3 = ctx.client.protocol == resp_codec::Protocol::Resp3;
    let pick =
        |resp2: &'static [u8], resp3_form: &'static [u8]| if resp3 { resp3_form } else { resp2 };
    let reply: &[u8] = match ctx.arg(2).to_ascii_lowercase().as_slice() {
        b"string" => b"$11\r\nHello World\r\n",
        b"integer" => b":12345\r\n",
        b"double" => pick(b"$5\r\n3.141\r\n", b",3.141\r\n"),
        b"bignum" => pick(
            b"$37\r\n1234567999999999999999999999999999999\r\n",
            b"(1234567999999999999999999999999999999\r\n",
        ),
        b"null" => pick(b"$-1\r\n", b"_\r\n"),
        b"array" => b"*3\r\n:0\r\n:1\r\n:2\r\n",
        b"set" => pick(b"*3\r\n:0\r\n:1\r\n:2\r\n", b"~3\r\n:0\r\n:1\r\n:2\r\n"),
        b"map" => pick(
            b"*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n",
            b"%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n",
        ),
        b"attrib" => pick(
            b"$39\r\nSome real reply following the attribute\r\n",
            b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n",
        ),
        b"push" if !resp3 => {
            return Err(CommandError::text("ERR RESP2 is not supported by this command"));
        }
        b"push" => b">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n",
        b"verbatim" => pick(
            b"$25\r\nThis is a verbatim\nstring\r\n",
            b"=29\r\ntxt:This is a verbatim\nstring\r\n",
        ),
        b"true" => pick(b":1\r\n", b"#t\r\n"),
        b"false" => pick(b":0\r\n", b"#f\r\n"),
        _ => {
            return Err(CommandError::text(
                "ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
            ));
        }
    };
    ctx.out.buffer().extend_from_slice(reply);
    Ok(())
}
