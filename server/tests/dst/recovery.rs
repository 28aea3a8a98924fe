//! What a restarted process must find on disk, and the check that it did.
//!
//! After a crash (or an exit) the recovered keyspace must equal the model
//! after some prefix of the writes executed since the run began, and the
//! prefix must hold every write the policy promised to keep:
//! - `appendfsync always`: every acknowledged write;
//! - `appendfsync everysec` on a disk without write or fsync faults:
//!   every write acknowledged more than about two seconds before the crash;
//! - whatever an earlier start found after a power loss (it was on the
//!   platter; the page cache a mere exit leaves is not);
//! - after a clean shutdown: everything (when the AOF or save points are
//!   on; nothing otherwise).
//!
//! The model then goes on from the recovered keyspace itself.
//!
//! Two restarts may find files from a lineage a restart since cut short
//! (Redis leaves and loads the same files), when nothing promised is
//! missing from them:
//! - the AOF switched on without its first base yet: the older AOF
//!   files of an earlier pipeline (`Expect::stale_allowed`);
//! - a restart from dump.rdb (appendonly no) when no save completed since
//!   a restart cut the lineage the dump was saved on (an AOF restart that
//!   lost steps, the AOF switched off after it): the dump must hold a
//!   state of that lineage, and the promised steps must be ones it shares
//!   with the lineage extended now (`off_lineage_dump`).

use super::World;
use crate::faults::Fault;
use crate::model::{logical, Entry, Logical, Model};
use crate::node::Node;
use crate::workload::Kind;
use persistence::FsyncPolicy;

/// How stale an everysec crash may leave the disk, beyond the disk's own
/// latency (Redis: about one second; two fsync rounds of slack).
const EVERYSEC_BOUND_MS: u64 = 2_000;

/// Which lineage the dump.rdb on disk was written on, as far as the world
/// saw (`World::check` notes every completed save).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DumpOrigin {
    /// The lineage extended now: a save completed on it, or the last
    /// restart loaded the dump (or none was written yet).
    Lineage,
    /// Abandoned lineage `i` (`Model::abandoned_states`): an AOF restart
    /// cut it short after the dump was saved, and no save since.
    Abandoned(usize),
}

/// An RDB restart that found no prefix of the lineage extended now, with
/// the dump saved on an abandoned lineage (`states`, of which `shared`
/// steps are common with the lineage extended now): the latest step of
/// that lineage the dump holds. Refused when the promise (`at_least`)
/// reaches past the shared steps (the old dump cannot hold a write made
/// since the cut) or when the dump matches no state of that lineage.
fn off_lineage_dump(
    found: &Logical,
    states: &[(usize, Logical)],
    shared: usize,
    at_least: usize,
) -> Result<usize, String> {
    if at_least > shared {
        return Err(format!(
            "dump.rdb was saved on a lineage cut short at step {shared}, but {at_least} steps are promised"
        ));
    }
    states
        .iter()
        .filter(|(k, state)| *k >= at_least && state == found)
        .map(|(k, _)| *k)
        .max()
        .ok_or_else(|| {
            format!("dump.rdb holds no state of the lineage it was saved on (cut short at step {shared}) either")
        })
}

/// What the next process must recover.
#[derive(Clone, Debug)]
pub struct Expect {
    /// The shortest acceptable prefix of the model's history.
    pub at_least: usize,
    /// Exactly the whole history (a clean shutdown that kept data), or
    /// nothing at all (a clean shutdown that keeps nothing).
    pub exact: Option<usize>,
    pub why: String,
    /// What is found then was on the platter (it survived a power loss).
    pub after_power_loss: bool,
    /// The AOF had been switched on without its first base yet: the
    /// restart may read files an earlier pipeline left (from before the
    /// AOF was switched off, on a lineage a restart since has cut short),
    /// which no prefix of the model's history holds. Redis leaves the same.
    pub stale_allowed: bool,
}

impl World {
    /// After the process ended (power lost, or an exit), now.
    pub(super) fn expect_after_crash(&self, power_lost: bool) -> Expect {
        let model_len = self.model.as_ref().map_or(0, Model::history_len);
        let now = self.sim_ms();
        let disk_faulty = [
            Fault::DiskWriteError,
            Fault::DiskFsyncError,
            Fault::DiskFull,
            Fault::TornWrite,
            Fault::ChannelClose,
        ]
        .iter()
        .any(|&f| self.faults.get(f) > 0.0);
        let everysec_cutoff =
            (self.setup.appendonly && self.setup.fsync == FsyncPolicy::EverySec && !disk_faulty)
                .then(|| {
                    let slack = 4 * self.setup.slow_disk.as_millis() as u64;
                    now.saturating_sub(EVERYSEC_BOUND_MS + slack)
                });
        let mut at_least = self.durable_floor;
        let mut why = if at_least > 0 {
            format!("a start after a power loss found {at_least} steps on the platter")
        } else {
            String::from("no acknowledged write is promised")
        };
        for (id, record) in self.ledger.records.iter().enumerate() {
            let Some(executed) = record.executed else {
                continue;
            };
            if record.unit.kind != Kind::Write
                || id < self.promise_from
                || executed.lost
                || !record.is_answered()
                || executed.prefix <= at_least
            {
                continue;
            }
            let promised = if self.setup.acks_are_durable() {
                Some("acknowledged under appendfsync always")
            } else {
                // After a switch the AOF's first base may take a while on
                // a slow disk: everysec promises resume well after it.
                let settled = self
                    .switched_at_ms
                    .map_or(0, |at| at + 10 * EVERYSEC_BOUND_MS);
                match (everysec_cutoff, record.answered_at_ms) {
                    (Some(cutoff), Some(at)) if at < cutoff && at > settled => {
                        Some("acknowledged under everysec more than 2 s before the crash")
                    }
                    _ => None,
                }
            };
            if let Some(promise) = promised {
                at_least = executed.prefix;
                why = format!("u{id} ({}) was {promise}", record.unit.describe());
            }
        }
        if self.setup.acks_are_durable() && self.switched_at_ms.is_none() {
            if let Some((prefix, element)) = self.ledger.claimed_pops() {
                if prefix > at_least {
                    at_least = prefix;
                    why = format!(
                        "a blocking pop handed out {} under appendfsync always",
                        crate::trace::show(&element)
                    );
                }
            }
        }
        debug_assert!(at_least <= model_len);
        Expect {
            at_least,
            exact: None,
            why,
            after_power_loss: power_lost,
            stale_allowed: self.first_base_pending,
        }
    }

    /// After the calm's clean shutdown.
    pub(super) fn expect_after_shutdown(&self) -> Expect {
        let model_len = self.model.as_ref().map_or(0, Model::history_len);
        if self.setup.keeps_data() {
            Expect {
                at_least: model_len,
                exact: Some(model_len),
                why: "a clean shutdown keeps everything".into(),
                after_power_loss: false,
                stale_allowed: false,
            }
        } else {
            Expect {
                at_least: 0,
                exact: Some(0),
                why: "appendonly no without save points keeps nothing".into(),
                after_power_loss: false,
                stale_allowed: false,
            }
        }
    }

    /// The recovered keyspace against the model's prefixes; then the
    /// model goes on from what was recovered.
    pub(super) fn check_recovery(&mut self, node: &Node, expect: Expect) -> Result<(), String> {
        let now = node.now_ms();
        // As loaded, not as the timer's first expiry cycle left it: its
        // deletions are steps after the prefix (`Node::loaded`).
        let recovered = node.loaded.clone();
        let found = logical(&recovered, now);
        let model = self.model.as_ref().expect("a model before a restart");
        let states = model.prefix_states(now);
        let n = model.history_len();
        let acceptable = |k: usize| match expect.exact {
            Some(exact) => k == exact,
            None => k >= expect.at_least,
        };
        // Neighbouring prefixes can look alike (an expiry deletion changes
        // nothing visible once its key is expired): the model goes on from
        // the latest, but what is certain to be on the platter is only the
        // earliest.
        let matching: Vec<usize> = states
            .iter()
            .filter(|(k, state)| acceptable(*k) && *state == found)
            .map(|(k, _)| *k)
            .collect();
        if matching.is_empty() && expect.stale_allowed && expect.at_least == 0 {
            // Older files, nothing promised since: the model starts over
            // from them, every unit so far counted as lost.
            self.start_over(
                node,
                &recovered,
                found.len(),
                "files older than the AOF switched on (no base of its own yet)",
            );
            return Ok(());
        }
        // The setup the process started with (it changes only at the
        // next check): appendonly no loads dump.rdb.
        let from_dump = !self.setup.appendonly;
        let mut refused = None;
        if let (true, true, None, DumpOrigin::Abandoned(i)) =
            (matching.is_empty(), from_dump, expect.exact, self.dump)
        {
            let (old, shared) = model.abandoned_states(i, now);
            match off_lineage_dump(&found, &old, shared, expect.at_least) {
                Ok(step) => {
                    self.start_over(
                        node,
                        &recovered,
                        found.len(),
                        &format!(
                            "a dump.rdb saved on a lineage a restart cut short at step {shared} (its state after {step} steps; no save since)"
                        ),
                    );
                    return Ok(());
                }
                Err(why) => refused = Some(why),
            }
        }
        let (Some(&earliest), Some(&k)) = (matching.iter().min(), matching.iter().max()) else {
            let nearest = states
                .iter()
                .rev()
                .find(|(_, state)| *state == found)
                .map_or("none".to_string(), |(k, _)| k.to_string());
            let text = |v: &crate::model::Logical| {
                v.iter()
                    .map(|(db, key, content, expire)| {
                        (*db, key.clone(), format!("{content:?} expire {expire:?}"))
                    })
                    .collect::<Vec<_>>()
            };
            let wanted = expect.exact.unwrap_or(n);
            let wanted_state = states
                .iter()
                .rev()
                .find(|(k, _)| *k == wanted)
                .map(|(_, s)| text(s))
                .unwrap_or_default();
            return Err(format!(
                "recovery: the keyspace on disk is not the model after any acceptable prefix \
                 (at least {} of {n}: {}; the prefix it matches: {nearest}{}); against prefix {wanted}: {}; the disk: {}",
                expect.at_least,
                expect.why,
                refused.map_or(String::new(), |why| format!("; {why}")),
                super::diff(&text(&found), &wanted_state),
                self.disk_listing()
            ));
        };
        let lost = self.ledger.lose_after(k);
        self.trace.event(format!(
            "recovered {} keys: the model after {k} of {n} steps, {lost} units lost (at least {}: {})",
            found.len(),
            expect.at_least,
            expect.why
        ));
        if expect.after_power_loss {
            self.durable_floor = earliest;
        }
        let config = node.shared.core.lock().engine.config().clone();
        if let Some(model) = self.model.as_mut() {
            let cut = k < model.history_len();
            model.restart(config, now, k, &recovered);
            self.note_restart(from_dump, cut);
        }
        Ok(())
    }

    /// Recovered files no prefix of the lineage holds, with nothing
    /// promised missing: the model starts over from them, every unit so
    /// far counted as lost.
    fn start_over(&mut self, node: &Node, recovered: &[Entry], keys: usize, what: &str) {
        let lost = self.ledger.lose_after(0);
        let from_dump = !self.setup.appendonly;
        self.trace.event(format!(
            "recovered {keys} keys from {what}: the model starts over from them, {lost} units lost"
        ));
        self.durable_floor = 0;
        let config = node.shared.core.lock().engine.config().clone();
        let now = node.now_ms();
        if let Some(model) = self.model.as_mut() {
            let cut = model.history_len() > 0;
            model.restart(config, now, 0, recovered);
            self.note_restart(from_dump, cut);
        }
    }

    /// Where dump.rdb stands after a restart: the base of the new lineage
    /// when it was loaded; else, if the restart cut the lineage short,
    /// saved on the lineage just abandoned (unless it already was on an
    /// older one).
    fn note_restart(&mut self, from_dump: bool, cut: bool) {
        let abandoned = self.model.as_ref().map_or(0, Model::abandoned_count);
        self.dump = match self.dump {
            _ if from_dump => DumpOrigin::Lineage,
            DumpOrigin::Lineage if cut => DumpOrigin::Abandoned(abandoned - 1),
            origin => origin,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kv_engine::harness::Content;

    /// A keyspace of one string key `s` holding `value`.
    fn state(value: &str) -> Logical {
        vec![(
            0,
            bytes::Bytes::from_static(b"s"),
            Content::Str(value.as_bytes().to_vec()),
            None,
        )]
    }

    /// An abandoned lineage whose step k set `s` to "k".
    fn lineage(steps: usize) -> Vec<(usize, Logical)> {
        (0..=steps).map(|k| (k, state(&k.to_string()))).collect()
    }

    #[test]
    fn an_old_lineages_dump_is_accepted_when_the_promise_is_shared() {
        // Cut at 5, the dump saved at 7: nothing or only shared steps promised.
        assert_eq!(off_lineage_dump(&state("7"), &lineage(9), 5, 0), Ok(7));
        assert_eq!(off_lineage_dump(&state("7"), &lineage(9), 5, 5), Ok(7));
    }

    #[test]
    fn a_promise_past_the_cut_refuses_an_old_lineages_dump() {
        // A write promised since the cut (step 6 of the lineage extended
        // now) cannot be in a dump saved before it.
        let refused = off_lineage_dump(&state("7"), &lineage(9), 5, 6);
        assert!(refused.unwrap_err().contains("6 steps are promised"));
    }

    #[test]
    fn a_dump_from_no_state_of_its_lineage_is_refused() {
        assert!(off_lineage_dump(&state("x"), &lineage(9), 5, 0).is_err());
        // Nor an old state older than what is promised.
        assert!(off_lineage_dump(&state("2"), &lineage(9), 5, 3).is_err());
    }
}
