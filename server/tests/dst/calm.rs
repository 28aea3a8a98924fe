//! The calm at the end of a run: faults stop, and then
//! - persistence recovers from MISCONF by itself;
//! - every live client gets every reply (a client still waiting is a hang);
//! - a fresh client's PING, SET and GET work, and its PUBLISH reaches
//!   every subscriber still connected;
//! - once everyone hangs up, nothing is left behind: every connection
//!   task ended, the client list, the blocked-client waiters, the pub/sub
//!   registry and the counters are empty, persistence credit is all back,
//!   only the tasks the server started with are alive, and every element a
//!   blocking pop took reached a client unless that client left first;
//! - the server shuts down cooperatively (`Running::serve`: its tasks stop
//!   by themselves, the AOF is drained and fsynced).

use super::{show, World};
use crate::node::{self, Node};
use crate::workload::{Kind, Unit};
use bytes::Bytes;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How long the calm waits for replies and recovery, in 100 ms rounds.
const CALM_ROUNDS: usize = 3000;
/// Scheduler turns per round while bytes still move.
const MAX_TURNS: usize = 100_000;

impl World {
    pub(super) async fn calm(&mut self, node: &Node) -> Result<(), String> {
        self.sched.dice.stop();
        self.set_disk_faults(false);
        self.trace.event("calm: faults stop".into());
        self.wait_for_health(node).await?;
        self.drain(node, "the calm").await?;
        self.check(node)?;
        self.fresh_client(node).await?;

        for client in &mut self.clients {
            client.hang_up();
        }
        self.clients.clear();
        self.trace.event("everyone hangs up".into());
        self.sched
            .run_until(tokio::time::sleep(Duration::from_secs(1)))
            .await;
        self.check(node)?;
        self.leaks(node)?;

        node.shared
            .request_shutdown(server::core::ShutdownRequest::default());
        let running = server::run::Running {
            shared: node.shared.clone(),
            port: None,
        };
        let stopped = tokio::time::timeout(Duration::from_secs(60), running.serve());
        match self.sched.run_until(stopped).await {
            Err(_) => {
                return Err(format!(
                    "shutdown: still stopping after 60 s ({} tasks running)",
                    node.shared.tracker.len()
                ))
            }
            Ok(Err(error)) => return Err(format!("shutdown failed with no fault on: {error}")),
            Ok(Ok(())) => {}
        }
        self.check(node)?;
        self.trace.event("shut down".into());
        Ok(())
    }

    /// MISCONF clears once the disk works again (the AOF writes a fresh
    /// base; a save point's BGSAVE is retried). A disk operation still in
    /// flight may yet fail on a fault that hit it before the calm (a slow
    /// disk holds it up to 300 ms), and a BGSAVE still running may too, so
    /// health is no save running and no MISCONF for a whole second.
    async fn wait_for_health(&mut self, node: &Node) -> Result<(), String> {
        let mut healthy_rounds = 0;
        for _ in 0..CALM_ROUNDS {
            let saving = node.shared.core.lock().host.disk.bgsave.is_some();
            if !saving && node.misconf().is_none() {
                healthy_rounds += 1;
                if healthy_rounds == 10 {
                    return Ok(());
                }
            } else {
                healthy_rounds = 0;
            }
            self.sched
                .run_until(tokio::time::sleep(Duration::from_millis(100)))
                .await;
        }
        Err(format!(
            "the disk works again but writes are still refused after {} s: {}",
            CALM_ROUNDS / 10,
            node.misconf().unwrap_or_default()
        ))
    }

    /// A client that connects once faults are over: PING, SET, GET.
    async fn fresh_client(&mut self, node: &Node) -> Result<(), String> {
        let max = self.max_clients;
        self.max_clients = self.clients.len() + 1;
        self.connect_as(node, false);
        self.max_clients = max;
        let i = self.clients.len() - 1;
        let token = self.workload.token();
        let ping = self.queue(i, read_unit(&["PING"]));
        let set = self.queue(i, tokened(Kind::Write, &["SET", "s:fresh"], &token));
        let get = self.queue(i, read_unit(&["GET", "s:fresh"]));
        let listening: Vec<usize> = self
            .clients
            .iter()
            .filter(|c| c.subscriber && c.is_connected() && c.awaited.is_empty() && !c.task.ended())
            .map(|c| c.name)
            .collect();
        let message = self.workload.token();
        let publish = self.queue(i, tokened(Kind::Publish, &["PUBLISH", "ch:0"], &message));
        self.clients[i].flush(usize::MAX);
        self.drain(node, "the fresh client").await?;
        let deaf: Vec<usize> = listening
            .iter()
            .copied()
            .filter(|&c| !self.ledger.heard(c, publish))
            .collect();
        if !deaf.is_empty() {
            return Err(format!(
                "after the faults, subscribers c{deaf:?} never received the fresh client's PUBLISH"
            ));
        }
        let mut expected_get = format!("${}\r\n", token.len()).into_bytes();
        expected_get.extend_from_slice(&token);
        expected_get.extend_from_slice(b"\r\n");
        for (id, expected) in [
            (ping, b"+PONG\r\n".to_vec()),
            (set, b"+OK\r\n".to_vec()),
            (get, expected_get),
            (publish, format!(":{}\r\n", listening.len()).into_bytes()),
        ] {
            let record = self.ledger.unit(id);
            if record.replies() != expected {
                return Err(format!(
                    "after the faults, the fresh client's {} got {} instead of {}",
                    record.unit.describe(),
                    show(record.replies()),
                    show(&expected)
                ));
            }
        }
        Ok(())
    }

    /// Waits until every live client has sent everything and got every
    /// reply (a client still waiting after the calm's time is a hang).
    async fn drain(&mut self, node: &Node, what: &str) -> Result<(), String> {
        for _ in 0..CALM_ROUNDS {
            // Move bytes while they move (a small pipe takes many turns),
            // then let time pass.
            for _ in 0..MAX_TURNS {
                let before: u64 = self.clients.iter().map(|c| c.traffic).sum();
                for i in 0..self.clients.len() {
                    self.clients[i].flush(usize::MAX);
                    self.read_client(node, i)?;
                }
                let after: u64 = self.clients.iter().map(|c| c.traffic).sum();
                if after == before {
                    break;
                }
                self.sched.run_until(tokio::task::yield_now()).await;
            }
            self.reap();
            if self
                .clients
                .iter()
                .all(|c| c.unsent.is_empty() && c.awaited.is_empty())
            {
                return Ok(());
            }
            self.sched
                .run_until(tokio::time::sleep(Duration::from_millis(100)))
                .await;
        }
        let core = node.shared.core.lock();
        let waiting: Vec<String> = self
            .clients
            .iter()
            .filter(|c| !c.unsent.is_empty() || !c.awaited.is_empty())
            .map(|c| {
                let first = c.awaited.front().map(|a| {
                    format!("u{} {}", a.unit, self.ledger.unit(a.unit).unit.describe())
                });
                let server_side = core
                    .host
                    .clients
                    .iter()
                    .find(|h| h.addr == node::addr(c.name))
                    .map(|h| format!("{:?}", h.info.lock()))
                    .unwrap_or_else(|| "not in the client list".into());
                format!(
                    "c{} ({} unsent bytes, {} replies awaited, first {first:?}; task ended {}; server side {server_side})",
                    c.name,
                    c.unsent.len(),
                    c.awaited.len(),
                    c.task.ended()
                )
            })
            .collect();
        drop(core);
        Err(format!(
            "{what}: clients still waiting after {} s: {}",
            CALM_ROUNDS / 10,
            waiting.join(", ")
        ))
    }

    /// Once every client is gone, nothing of theirs is left.
    fn leaks(&mut self, node: &Node) -> Result<(), String> {
        let running: Vec<usize> = self
            .tasks
            .0
            .iter()
            .filter(|(_, t)| !t.ended())
            .map(|(name, _)| *name)
            .collect();
        if !running.is_empty() || self.sched.live() != 0 {
            return Err(format!(
                "connection tasks of c{running:?} ({} in all) still run after their clients left",
                self.sched.live()
            ));
        }
        let shared = &node.shared;
        let (registered, waiting, subscribed) = {
            let core = shared.core.lock();
            (
                core.host.clients.len(),
                core.host.waiters.len(),
                core.host.pubsub.n_clients(),
            )
        };
        let connected = shared.connected.load(Ordering::Relaxed);
        let monitors = shared.monitors.load(Ordering::Relaxed);
        if registered + waiting + subscribed != 0 || connected != 0 || monitors != 0 {
            return Err(format!(
                "after every client left: {registered} in the client list, {waiting} blocked waiters, \
                 {subscribed} subscribers, connected = {connected}, monitors = {monitors}"
            ));
        }
        self.ledger.unclaimed_pops()?;
        if let Some(aof) = node.aof() {
            if aof.credit_available() != aof.max_reserve() {
                return Err(format!(
                    "persistence credit leaked: {} of {} slots free with no client and no delta in flight",
                    aof.credit_available(),
                    aof.max_reserve()
                ));
            }
        }
        let alive = tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks();
        let tracked = shared.tracker.len();
        // An AOF switched on since the start adds its writer, one switched
        // off takes it away.
        let expected = node.baseline_tasks + usize::from(node.aof().is_some())
            - usize::from(node.baseline_aof);
        if alive != expected || tracked != node.baseline_tracked {
            return Err(format!(
                "tasks: {alive} alive ({expected} expected, {} at start), {tracked} tracked ({} at start)",
                node.baseline_tasks, node.baseline_tracked
            ));
        }
        self.trace.event(format!(
            "no leaks: {alive} tasks, empty client list, {} units so far",
            self.ledger.records.len()
        ));
        Ok(())
    }
}

fn read_unit(words: &[&str]) -> Unit {
    Unit {
        kind: Kind::Read,
        commands: vec![words
            .iter()
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect()],
        tokens: Vec::new(),
    }
}

/// One command, `words` then `token`, which names it.
fn tokened(kind: Kind, words: &[&'static str], token: &Bytes) -> Unit {
    let mut argv: Vec<Bytes> = words
        .iter()
        .map(|w| Bytes::from_static(w.as_bytes()))
        .collect();
    argv.push(token.clone());
    Unit {
        kind,
        commands: vec![argv],
        tokens: vec![token.clone()],
    }
}
