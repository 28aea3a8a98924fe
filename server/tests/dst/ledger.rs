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
//!   nothing else;
//! - a blocking pop answered with an element got one that a pop delta
//!   took (each element once), and every such pop's element reaches a
//!   reply unless its client went away first;
//! - a subscriber receives only what was published to its channels, each
//!   message once, each publisher's messages in the order it published.

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
        self.answered == self.unit.replies()
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
    /// Elements the blocking pops' deltas took.
    pops: HashMap<Bytes, Pop>,
    /// What each subscriber received: (subscriber, token) seen, and the
    /// last publish unit of each publisher it heard from.
    heard: std::collections::HashSet<(usize, Bytes)>,
    last_heard: HashMap<(usize, usize), usize>,
}

/// An element a pop delta took.
struct Pop {
    key: Bytes,
    /// A reply handed it to a client.
    claimed: bool,
    /// The prefix of the model's history that includes the pop.
    prefix: usize,
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
                trace.event(format!(
                    "delta {} (untokened) {}",
                    delta.lsn,
                    ops.join("; ")
                ));
                let pops = model.apply_untokened(at_ms, &delta.ops)?;
                for (key, element, prefix) in pops {
                    let pop = Pop {
                        key,
                        claimed: false,
                        prefix,
                    };
                    if self.pops.insert(element.clone(), pop).is_some() {
                        return Err(format!("{} was popped twice", show(&element)));
                    }
                }
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
                self.check_answer(id)?;
            }
        }
        Ok(())
    }

    /// Reply number `index` of unit `id`.
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
            self.check_answer(id)?;
        }
        Ok(())
    }

    /// A message pushed to subscriber `client`.
    pub fn on_message(
        &mut self,
        client: usize,
        channel: &[u8],
        payload: &Bytes,
    ) -> Result<(), String> {
        let published = self.by_token.get(payload).map(|&id| &self.records[id]);
        let Some(record) = published.filter(|r| r.unit.kind == Kind::Publish) else {
            return Err(format!(
                "c{client} received {} on {} that nobody published",
                show(payload),
                show(channel)
            ));
        };
        let id = self.by_token[payload];
        if record.unit.commands[0][1] != channel {
            return Err(format!(
                "c{client} received u{id}'s message on {} but it went to {}",
                show(channel),
                show(&record.unit.commands[0][1])
            ));
        }
        if !self.heard.insert((client, payload.clone())) {
            return Err(format!("c{client} received u{id}'s message twice"));
        }
        let publisher = record.client;
        if let Some(&last) = self.last_heard.get(&(client, publisher)) {
            if last > id {
                return Err(format!(
                    "c{client} received c{publisher}'s u{id} after its later u{last}"
                ));
            }
        }
        self.last_heard.insert((client, publisher), id);
        Ok(())
    }

    /// Whether subscriber `client` received the message of unit `id`.
    pub fn heard(&self, client: usize, id: usize) -> bool {
        self.records[id]
            .unit
            .tokens
            .first()
            .is_some_and(|t| self.heard.contains(&(client, t.clone())))
    }

    /// The shortest prefix holding every pop a client was handed (an
    /// acknowledged write too), with the element's name.
    pub fn claimed_pops(&self) -> Option<(usize, Bytes)> {
        self.pops
            .iter()
            .filter(|(_, pop)| pop.claimed)
            .map(|(element, pop)| (pop.prefix, element.clone()))
            .max()
    }

    /// Pops no reply claimed, against blocking pops never answered (a
    /// served client may leave before its reply is written, nothing else
    /// loses an element).
    pub fn unclaimed_pops(&self) -> Result<(), String> {
        let unclaimed: Vec<&Bytes> = self
            .pops
            .iter()
            .filter(|(_, pop)| !pop.claimed)
            .map(|(element, _)| element)
            .collect();
        let unanswered = self
            .records
            .iter()
            .filter(|r| r.unit.kind == Kind::Block && !r.is_answered())
            .count();
        if unclaimed.len() > unanswered {
            return Err(format!(
                "{} popped elements reached no client ({unanswered} blocking pops were never answered): {:?}",
                unclaimed.len(),
                unclaimed.iter().take(5).collect::<Vec<_>>()
            ));
        }
        Ok(())
    }

    /// A restart recovered the first `prefix` steps of the history: the
    /// units after it are lost.
    pub fn lose_after(&mut self, prefix: usize) -> usize {
        // Elements popped in the lost steps are back in their lists.
        self.pops.retain(|_, pop| pop.prefix <= prefix);
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

    /// The replies of a whole unit against what it did.
    fn check_answer(&mut self, id: usize) -> Result<(), String> {
        let record = &self.records[id];
        let replies = &record.replies;
        let refused = contains(replies, b"MISCONF");
        let fail = |what: &str| {
            Err(format!(
                "u{id} ({}) {what}: {}",
                record.unit.describe(),
                show(replies)
            ))
        };
        match (record.unit.kind, record.executed.is_some()) {
            (Kind::Write, true) if *replies != record.model_reply => {
                return fail(&format!(
                    "was not answered as the model answers ({})",
                    show(&record.model_reply)
                ))
            }
            (Kind::Write, true) => {}
            (Kind::Write, false) if !refused => return fail("was answered yet never ran"),
            (Kind::Write, false) => {}
            (Kind::Read, _) if replies.first() == Some(&b'-') && !refused => return fail("failed"),
            (Kind::Read, _) => {}
            (Kind::Admin, _) => {
                let accepted: [&[u8]; 5] = [
                    // BGREWRITEAOF after CHANNEL_CLOSE stopped the AOF.
                    b"-ERR persistence is shut down\r\n",
                    b"+OK\r\n",
                    b"+Background append only file rewriting started\r\n",
                    b"+Background append only file rewriting scheduled\r\n",
                    b"-ERR Background append only file rewriting already in progress\r\n",
                ];
                if !accepted.contains(&&replies[..]) {
                    return fail("was refused");
                }
            }
            (Kind::Publish, _) if replies.first() != Some(&b':') => return fail("failed"),
            (Kind::Publish, _) => {}
            (Kind::Subscribe, _) => {
                let mut expected = Vec::new();
                for (i, channel) in record.unit.commands[0][1..].iter().enumerate() {
                    expected.extend_from_slice(
                        format!(
                            "*3\r\n$9\r\nsubscribe\r\n${}\r\n{}\r\n:{}\r\n",
                            channel.len(),
                            String::from_utf8_lossy(channel),
                            i + 1
                        )
                        .as_bytes(),
                    );
                }
                if *replies != expected {
                    return fail("was not confirmed channel by channel");
                }
            }
            (Kind::Block, _) if refused || &replies[..] == b"*-1\r\n" => {}
            (Kind::Block, _) => {
                let popped = resp_codec::parse_frame(
                    &Bytes::copy_from_slice(replies),
                    &Default::default(),
                )
                .ok()
                .flatten()
                .and_then(|(frame, _)| match frame {
                    resp_codec::Frame::Array(items) => match &items[..] {
                        [resp_codec::Frame::Bulk(key), resp_codec::Frame::Bulk(element)] => {
                            Some((key.clone(), element.clone()))
                        }
                        _ => None,
                    },
                    _ => None,
                });
                let Some((key, element)) = popped else {
                    return fail("is no [key, element] nor a timeout");
                };
                match self.pops.get_mut(&element) {
                    Some(pop) if pop.key == key && !pop.claimed => pop.claimed = true,
                    Some(pop) if pop.claimed => {
                        return Err(format!(
                            "u{id}: the element {} was handed to two clients",
                            show(&element)
                        ))
                    }
                    _ => {
                        return Err(format!(
                            "u{id} ({}) got {} from {} but no delta popped it there",
                            self.records[id].unit.describe(),
                            show(&element),
                            show(&key)
                        ))
                    }
                }
            }
        }
        Ok(())
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
