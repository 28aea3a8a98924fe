//! The ledger: every unit sent, whether and when it began executing (a
//! delta carrying its tokens), what it was answered, and the checks that
//! tie the three together:
//! - a delta carries the tokens of exactly one unit, all of them (a
//!   command is never half applied; an EXEC is one delta), once;
//! - a client's units run in the order it sent them, and never after its
//!   connection task has ended;
//! - the model, fed the same unit at the same clock reading, emits the
//!   same delta and the same replies the client got;
//! - a write answered without running was refused with MISCONF, and
//!   nothing else.

use crate::model::{show_op, Model};
use crate::tap::Tapped;
use crate::trace::{show, Trace};
use crate::workload::{Kind, Unit};
use bytes::Bytes;
use std::collections::HashMap;

/// Where a unit's execution sits in the model's history.
#[derive(Clone, Copy, Debug)]
pub struct Executed {
    /// Its index in the model's history + 1: the shortest prefix that
    /// includes it.
    pub prefix: usize,
    /// A restart recovered a prefix without it: its effect is gone.
    pub lost: bool,
}

pub struct Record {
    pub client: usize,
    pub unit: Unit,
    pub executed: Option<Executed>,
    model_reply: Vec<u8>,
    replies: Vec<u8>,
    answered: usize,
    /// Simulated time (ms since the run began) when the last reply came.
    pub answered_at_ms: Option<u64>,
}

impl Record {
    pub fn is_answered(&self) -> bool {
        self.answered == self.unit.commands.len()
    }

    /// The replies received so far, concatenated.
    pub fn replies(&self) -> &[u8] {
        &self.replies
    }
}

#[derive(Default)]
pub struct Ledger {
    pub records: Vec<Record>,
    by_token: HashMap<Bytes, usize>,
    /// The last unit of each client that ran.
    last_run: HashMap<usize, usize>,
}

/// What the harness knows of each client's connection task.
pub trait TaskState {
    /// Whether it had ended before event `seq`.
    fn task_ended_before(&self, client: usize, seq: u64) -> bool;
}

impl Ledger {
    /// Records a unit about to be queued; returns its id.
    pub fn add(&mut self, client: usize, unit: Unit) -> usize {
        let id = self.records.len();
        for token in &unit.tokens {
            let previous = self.by_token.insert(token.clone(), id);
            assert!(previous.is_none(), "token {token:?} used twice");
        }
        self.records.push(Record {
            client,
            unit,
            executed: None,
            model_reply: Vec::new(),
            replies: Vec::new(),
            answered: 0,
            answered_at_ms: None,
        });
        id
    }

    /// Takes the deltas the tap saw, in order: each names the unit that
    /// ran (fed to the model) or is an expiry deletion.
    pub fn absorb(
        &mut self,
        tapped: Vec<Tapped>,
        model: &mut Model,
        tasks: &dyn TaskState,
        trace: &mut Trace,
    ) -> Result<(), String> {
        for Tapped { at_ms, seq, delta } in tapped {
            let mut unit_ids: Vec<usize> = delta
                .ops
                .iter()
                .flat_map(|op| op.argv.iter())
                .filter_map(|arg| self.by_token.get(arg).copied())
                .collect();
            let tokens_seen = unit_ids.len();
            unit_ids.sort_unstable();
            unit_ids.dedup();
            let ops: Vec<String> = delta.ops.iter().map(show_op).collect();
            let Some(&id) = unit_ids.first() else {
                trace.event(format!("delta {} (expiry) {}", delta.lsn, ops.join("; ")));
                model.apply_expiry(at_ms, &delta.ops)?;
                continue;
            };
            if unit_ids.len() > 1 {
                return Err(format!(
                    "delta {} mixes the tokens of units {unit_ids:?}: {}",
                    delta.lsn,
                    ops.join("; ")
                ));
            }
            let record = &self.records[id];
            let client = record.client;
            if tokens_seen != record.unit.tokens.len() {
                return Err(format!(
                    "delta {} holds {tokens_seen} of the {} tokens of u{id} ({}): half a unit applied: {}",
                    delta.lsn,
                    record.unit.tokens.len(),
                    record.unit.describe(),
                    ops.join("; ")
                ));
            }
            if record.executed.is_some() {
                return Err(format!(
                    "u{id} ({}) ran twice (again as delta {})",
                    record.unit.describe(),
                    delta.lsn
                ));
            }
            if let Some(&last) = self.last_run.get(&client) {
                if last > id {
                    return Err(format!(
                        "c{client} ran u{id} after its later u{last}: out of order"
                    ));
                }
            }
            if tasks.task_ended_before(client, seq) {
                return Err(format!(
                    "u{id} of c{client} ran after its connection task had ended"
                ));
            }
            trace.event(format!(
                "delta {} = u{id} of c{client} at {at_ms}: {}",
                delta.lsn,
                ops.join("; ")
            ));
            let (reply, model_deltas) = model.run_unit(at_ms, &record.unit.commands);
            let same = model_deltas.len() == 1
                && model_deltas[0].ops == delta.ops
                && model_deltas[0].transaction == delta.transaction;
            if !same {
                let theirs: Vec<Vec<String>> = model_deltas
                    .iter()
                    .map(|d| d.ops.iter().map(show_op).collect())
                    .collect();
                return Err(format!(
                    "u{id} ({}): the server's delta {} is {:?} (transaction {}), the model's {theirs:?}",
                    record.unit.describe(),
                    delta.lsn,
                    ops,
                    delta.transaction
                ));
            }
            let record = &mut self.records[id];
            record.executed = Some(Executed {
                prefix: model.history_len(),
                lost: false,
            });
            record.model_reply = reply;
            self.last_run.insert(client, id);
            // A reply that came before its delta was seen is checked now.
            if record.is_answered() {
                check_answer(id, record)?;
            }
        }
        Ok(())
    }

    /// One reply for command `index` of unit `id`.
    pub fn on_reply(
        &mut self,
        id: usize,
        index: usize,
        reply: &[u8],
        now_ms: u64,
    ) -> Result<(), String> {
        let record = &mut self.records[id];
        if index != record.answered {
            return Err(format!(
                "u{id}: reply for command {index} while {} were answered",
                record.answered
            ));
        }
        record.replies.extend_from_slice(reply);
        record.answered += 1;
        if record.is_answered() {
            record.answered_at_ms = Some(now_ms);
            check_answer(id, record)?;
        }
        Ok(())
    }

    /// A restart recovered the first `prefix` steps of the history: the
    /// units after it are lost.
    pub fn lose_after(&mut self, prefix: usize) -> usize {
        let mut lost = 0;
        for record in &mut self.records {
            if let Some(executed) = &mut record.executed {
                if !executed.lost && executed.prefix > prefix {
                    executed.lost = true;
                    lost += 1;
                }
            }
        }
        lost
    }

    pub fn unit(&self, id: usize) -> &Record {
        &self.records[id]
    }
}

/// The replies of a whole unit against what it did.
fn check_answer(id: usize, record: &Record) -> Result<(), String> {
    let refused = contains(&record.replies, b"MISCONF");
    match (record.unit.kind, record.executed.is_some()) {
        (Kind::Write, true) => {
            if record.replies != record.model_reply {
                return Err(format!(
                    "u{id} ({}) was answered {} but the model answers {}",
                    record.unit.describe(),
                    show(&record.replies),
                    show(&record.model_reply)
                ));
            }
        }
        (Kind::Write, false) => {
            if !refused {
                return Err(format!(
                    "u{id} ({}) was answered {} yet never ran",
                    record.unit.describe(),
                    show(&record.replies)
                ));
            }
        }
        (Kind::Read, _) => {
            if record.replies.first() == Some(&b'-') && !refused {
                return Err(format!(
                    "read u{id} ({}) failed: {}",
                    record.unit.describe(),
                    show(&record.replies)
                ));
            }
        }
    }
    Ok(())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
