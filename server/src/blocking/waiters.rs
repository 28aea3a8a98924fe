//! `Waiters`: the clients blocked on keys, FIFO per key, and serving them
//! from the keys the engine reports ready.
//!
//! Under the engine lock with the rest of the host state. After every
//! command that ran (an EXEC counts as one, so pushes inside a transaction
//! serve waiters only once it completed) the connection calls `wake`,
//! which drains the engine's ready keys (and SWAPDB's swapped databases)
//! and, for each key, serves its waiters in the order they blocked, while
//! the key has something for them. Serving runs the waiter's command on
//! that key alone as one engine step: the pop, its delta (in the form
//! Redis propagates) and the waiter's reply happen together, under the
//! lock, only for a waiter still registered and not being killed. A
//! served BLMOVE's push makes its destination ready in turn; `wake` loops
//! until nothing is ready.
//!
//! Each served command emits a delta, so each takes one slot of delta
//! credit without waiting (`Durability::try_reserve`); when there is none
//! (persistence is backed up) the key is kept and retried at the next
//! `wake` (the next command or `hz` tick) instead of blocking under the
//! lock.

use super::blocked::{Blocked, Slot};
use super::request::{found_nothing, BlockRequest, Served};
use super::Wake;
use crate::client::{ClientHandle, ClientId};
use crate::durability::Durability;
use crate::shared::Shared;
use crate::stats::ServerStats;
use bytes::{Bytes, BytesMut};
use kv_engine::value::Value;
use kv_engine::{ClientState, Engine, NoHost};
use resp_codec::{Protocol, ReplyWriter};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

#[derive(Debug, Default)]
pub struct Waiters {
    /// (db, key) -> the clients waiting on it, by the order they blocked.
    by_key: HashMap<(usize, Bytes), BTreeMap<u64, ClientId>>,
    by_client: HashMap<ClientId, Waiter>,
    /// Order of blocking, across all keys.
    next_seq: u64,
    /// Ready keys that could not be served for lack of delta credit.
    deferred: Vec<(usize, Bytes)>,
    /// Waiters served whose connection ended (its future dropped) before
    /// it wrote the reply: the only way a served element goes unseen.
    pub n_replies_dropped: u64,
}

#[derive(Debug)]
struct Waiter {
    seq: u64,
    db: usize,
    protocol: Protocol,
    request: BlockRequest,
    handle: Arc<ClientHandle>,
    slot: Arc<Slot>,
    /// The command's name in the stats and the time of its first run,
    /// counted in its latency histogram if it is served or unblocked.
    timed: Option<(&'static str, u64)>,
}

impl Waiters {
    /// Registers `handle`'s client as waiting on `request`'s keys in `db`.
    /// The returned guard unregisters it when dropped.
    pub fn block(
        &mut self,
        shared: &Arc<Shared>,
        handle: &Arc<ClientHandle>,
        db: usize,
        protocol: Protocol,
        request: BlockRequest,
    ) -> Blocked {
        let id = handle.id;
        assert!(
            !self.by_client.contains_key(&id),
            "a client blocks on one command at a time"
        );
        let seq = self.next_seq;
        self.next_seq += 1;
        for key in &request.keys {
            let queue = self.by_key.entry((db, key.clone())).or_default();
            queue.insert(seq, id);
        }
        let deadline = request
            .timeout
            .and_then(|t| tokio::time::Instant::now().checked_add(t));
        let slot = Arc::new(Slot::default());
        handle.info.lock().blocked = true;
        self.by_client.insert(
            id,
            Waiter {
                seq,
                db,
                protocol,
                request,
                handle: handle.clone(),
                slot: slot.clone(),
                timed: None,
            },
        );
        Blocked::new(shared.clone(), id, slot, deadline, protocol)
    }

    /// Times `id`'s wait, once served, as `name` taking `usec` (its first
    /// run's time; `ServerStats::forget_latency` took that back).
    pub fn time_when_served(&mut self, id: ClientId, name: &'static str, usec: u64) {
        if let Some(waiter) = self.by_client.get_mut(&id) {
            waiter.timed = Some((name, usec));
        }
    }

    /// Unregisters a client; false if it was not waiting.
    pub fn remove(&mut self, id: ClientId) -> bool {
        let Some(waiter) = self.by_client.remove(&id) else {
            return false;
        };
        for key in &waiter.request.keys {
            let entry = (waiter.db, key.clone());
            if let Some(queue) = self.by_key.get_mut(&entry) {
                queue.remove(&waiter.seq);
                if queue.is_empty() {
                    self.by_key.remove(&entry);
                }
            }
        }
        waiter.handle.info.lock().blocked = false;
        true
    }

    /// CLIENT UNBLOCK: ends a client's wait with `wake` (a timeout or the
    /// UNBLOCKED error), timing it as a served one (Redis 7.0 does; only a
    /// wait whose own timeout passes is not timed); false if it was not
    /// waiting.
    pub fn unblock(&mut self, id: ClientId, wake: Wake, stats: &mut ServerStats) -> bool {
        let Some(waiter) = self.by_client.get(&id) else {
            return false;
        };
        let slot = waiter.slot.clone();
        if let Some((name, usec)) = waiter.timed {
            stats.record_latency(name, usec);
        }
        self.remove(id);
        slot.fill(wake);
        true
    }

    /// Blocked clients (INFO blocked_clients).
    pub fn len(&self) -> usize {
        self.by_client.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_client.is_empty()
    }

    /// The blocked clients' ids (each connection's registration must go
    /// with it: the simulation checks that).
    pub fn client_ids(&self) -> impl Iterator<Item = ClientId> + '_ {
        self.by_client.keys().copied()
    }

    /// Blocked clients with a timeout (INFO clients_in_timeout_table).
    pub fn n_with_timeout(&self) -> usize {
        self.by_client
            .values()
            .filter(|w| w.request.timeout.is_some())
            .count()
    }

    /// Keys with at least one waiter.
    pub fn n_keys(&self) -> usize {
        self.by_key.len()
    }

    /// Serves waiters from whatever became ready. Called with the engine
    /// lock held after each command (when anyone waits), after each batch
    /// and each `hz` tick (always: it also drains the engine's lists).
    pub fn wake(&mut self, engine: &mut Engine, durability: &Durability, stats: &mut ServerStats) {
        if self.by_client.is_empty() {
            // Nobody waits (after almost every batch): what became ready
            // is forgotten, and nothing is taken when nothing did.
            if engine.has_ready_keys() {
                drop((engine.take_ready_keys(), engine.take_swapped_dbs()));
            }
            self.deferred.clear();
            return;
        }
        let mut ready = engine.take_ready_keys();
        let mut swapped = engine.take_swapped_dbs();
        ready.append(&mut self.deferred);
        // Each round serves at least one waiter or ends: a round's new
        // ready keys come only from the serving commands' own writes.
        let max_rounds = self.by_client.len() + 1;
        for round in 0.. {
            assert!(round <= max_rounds, "serving waiters does not converge");
            for db in swapped.drain(..) {
                ready.extend(self.keys_in(db));
            }
            if ready.is_empty() {
                break;
            }
            for (db, key) in ready.drain(..) {
                if !self.serve_key(engine, durability, stats, db, &key) {
                    self.deferred.push((db, key));
                }
            }
            ready = engine.take_ready_keys();
            swapped = engine.take_swapped_dbs();
            if !self.deferred.is_empty() {
                // Out of credit: what is left waits for the next wake.
                self.deferred.append(&mut ready);
                break;
            }
        }
        self.deferred.sort();
        self.deferred.dedup();
    }

    /// Keys of `db` someone waits on (after SWAPDB every one of them must
    /// be looked at again).
    fn keys_in(&self, db: usize) -> Vec<(usize, Bytes)> {
        let mut keys: Vec<(usize, Bytes)> = self
            .by_key
            .keys()
            .filter(|(d, _)| *d == db)
            .cloned()
            .collect();
        keys.sort();
        keys
    }

    /// Serves `key`'s waiters in order while it has something for them.
    /// False when delta credit ran out before it was done.
    fn serve_key(
        &mut self,
        engine: &mut Engine,
        durability: &Durability,
        stats: &mut ServerStats,
        db: usize,
        key: &Bytes,
    ) -> bool {
        let Some(queue) = self.by_key.get(&(db, key.clone())) else {
            return true;
        };
        let in_order: Vec<ClientId> = queue.values().copied().collect();
        for id in in_order {
            let waiter = &self.by_client[&id];
            if waiter.handle.kill.is_cancelled() {
                // Being disconnected: it is not there to receive anything.
                continue;
            }
            match engine.db(db).get(key) {
                None => return true,
                Some(value) if !serves(value, waiter.request.served) => continue,
                Some(_) => {}
            }
            let Some(mut permit) = durability.try_reserve(1) else {
                return false;
            };
            let argv = waiter.request.served_argv(key);
            let mut client = ClientState::new(id);
            client.db = db;
            client.protocol = waiter.protocol;
            let mut reply = BytesMut::new();
            let raised = engine.notifications_raised();
            let outcome = engine.execute(
                &mut client,
                &argv,
                &mut ReplyWriter::new(&mut reply, waiter.protocol),
                &mut NoHost,
            );
            // Its events follow the replies of the command that woke it.
            engine.follow_replies(raised);
            permit.spent(usize::from(outcome.lsn.is_some()));
            if found_nothing(&reply) {
                // Gone on a closer look (it had expired): nothing to serve.
                return true;
            }
            // Served: its element, or an error that ends its wait (a
            // BLMOVE whose destination holds another type, as in Redis).
            let slot = waiter.slot.clone();
            if let Some((name, usec)) = waiter.timed {
                stats.record_latency(name, usec);
            }
            self.remove(id);
            slot.fill(Wake::Served {
                reply: reply.freeze(),
                lsn: outcome.lsn,
            });
        }
        true
    }
}

/// Whether a key of this value serves a waiter of that kind.
fn serves(value: &Value, served: Served) -> bool {
    matches!(
        (value, served),
        (Value::List(_), Served::List) | (Value::ZSet(_), Served::ZSet)
    )
}
