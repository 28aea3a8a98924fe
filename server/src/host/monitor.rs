//! MONITOR: the client receives every command others run, as
//! `+<unix>.<micros> [<db> <addr>] "arg" ...`, through its outbox (so a
//! slow monitor never slows the commands it watches; past its output
//! buffer limit it is disconnected).

use super::ConnHost;
use crate::config::settings::ClientClass;
use crate::connection::session::Session;
use crate::core::Core;
use kv_engine::context::Ctx;
use kv_engine::CommandResult;
use resp_codec::Argv;
use std::sync::atomic::Ordering;

pub fn monitor(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    if !host.conn.monitor {
        host.conn.monitor = true;
        host.state.clients.add_monitor(host.conn.handle.id);
        host.shared.monitors.fetch_add(1, Ordering::Relaxed);
    }
    ctx.out.ok();
    Ok(())
}

/// Sends `argv`, just run by `session`, to every monitor, its secrets
/// redacted (`redact`). The caller leaves out what monitors never see
/// (`redact::monitored`).
pub fn feed(core: &mut Core, session: &Session, argv: Argv<'_>, now_us: i64) {
    let monitors = core.host.clients.monitors();
    if monitors.is_empty() {
        return;
    }
    let mut line = format!(
        "+{}.{:06} [{} {}]",
        now_us / 1_000_000,
        now_us % 1_000_000,
        session.client.db,
        session.conn.handle.addr
    );
    for i in 0..argv.len() {
        line.push(' ');
        line.push_str(&crate::config::load::quote(super::redact::shown(argv, i)));
    }
    line.push_str("\r\n");
    let limit = core.host.settings.output_limit(ClientClass::Normal);
    let now_ms = now_us / 1000;
    for monitor in monitors {
        monitor.push(line.as_bytes(), limit, now_ms);
    }
}
