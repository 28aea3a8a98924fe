//! The shadow model: a second kv-engine fed, in the server's execution
//! order and at the server's clock readings, exactly the units whose
//! execution began (and the expiry deletions the server made). Its
//! keyspace must equal the server's after every step, its deltas the
//! server's delta for the same unit, its replies the replies the client
//! got.
//!
//! It also keeps what it applied since the run began (its history), so a
//! recovered keyspace can be matched against the model after each prefix
//! of the executed writes. The history is a lineage of segments: each
//! restart cuts it where the recovered keyspace matched, and a new segment
//! starts from the recovered keyspace itself, as loaded (the same content,
//! but the load skipped keys already expired, which matters once the clock
//! steps back; and before the timer's first expiry cycle, whose deletions
//! are the new segment's first steps). A prefix is a global step count
//! along that lineage. A lineage a restart cut short is kept too: a
//! dump.rdb saved on it before the cut may be loaded later
//! (`recovery.rs`).

use bytes::{Bytes, BytesMut};
use kv_engine::harness::{content, Content, SharedDeltas};
use kv_engine::value::Value;
use kv_engine::{ClientState, Delta, DeltaOp, Engine, EngineConfig, ManualClock, NoHost};
use resp_codec::{Protocol, ReplyWriter};
use std::sync::Arc;

/// One key as stored: db, key, value, expiry.
pub type Entry = (usize, Bytes, Value, Option<i64>);

/// Every key of every db as stored (expired ones too), sorted.
pub fn entries(engine: &Engine) -> Vec<Entry> {
    let mut all = Vec::new();
    for db in 0..engine.databases() {
        for (key, value, expire) in engine.db(db).iter() {
            all.push((db, Bytes::copy_from_slice(key), value.clone(), expire));
        }
    }
    all.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    all
}

/// A keyspace by content: the keys that exist at some moment.
pub type Logical = Vec<(usize, Bytes, Content, Option<i64>)>;

/// The keys that exist at `now_ms` (not expired), by content.
pub fn logical(entries: &[Entry], now_ms: i64) -> Logical {
    entries
        .iter()
        .filter(|(_, _, _, expire)| expire.is_none_or(|at| at > now_ms))
        .map(|(db, key, value, expire)| (*db, key.clone(), content(value), *expire))
        .collect()
}

/// What the model applied, in order.
#[derive(Clone, Debug)]
pub enum Applied {
    /// A unit's commands, run at `at_ms`.
    Unit {
        at_ms: i64,
        commands: Vec<Vec<Bytes>>,
    },
    /// A delta with no unit behind it (expiry deletions), replayed as is.
    Raw { at_ms: i64, ops: Vec<DeltaOp> },
}

/// Part of the history: steps applied to a base keyspace.
#[derive(Clone)]
struct Segment {
    /// The global step count its base stands for.
    first: usize,
    base: Vec<Entry>,
    config: EngineConfig,
    steps: Vec<Applied>,
}

/// A lineage a restart cut short: what files written along it (a
/// dump.rdb saved before the cut) may still hold.
struct Abandoned {
    segments: Vec<Segment>,
    /// The steps it shared with the lineage that replaced it.
    cut: usize,
}

pub struct Model {
    engine: Engine,
    clock: Arc<ManualClock>,
    deltas: SharedDeltas,
    /// The lineage, oldest first; the last one is being extended.
    segments: Vec<Segment>,
    /// Lineages cut short by restarts, oldest first.
    abandoned: Vec<Abandoned>,
}

impl Model {
    /// An empty model with the server engine's configuration (same hash
    /// seed, same limits).
    pub fn new(config: EngineConfig, now_ms: i64) -> Model {
        let (engine, clock, deltas) = fresh(&config, now_ms, &[]);
        Model {
            engine,
            clock,
            deltas,
            segments: vec![Segment {
                first: 0,
                base: Vec::new(),
                config,
                steps: Vec::new(),
            }],
            abandoned: Vec::new(),
        }
    }

    /// A restart recovered the model after `prefix` steps: what came
    /// after is lost, and the model now holds exactly `recovered` (the
    /// server's keyspace, cloned), on the server's new configuration.
    pub fn restart(
        &mut self,
        config: EngineConfig,
        now_ms: i64,
        prefix: usize,
        recovered: &[Entry],
    ) {
        if prefix < self.history_len() {
            self.abandoned.push(Abandoned {
                segments: self.segments.clone(),
                cut: prefix,
            });
        }
        while self.segments.len() > 1 && self.segments.last().is_some_and(|s| s.first > prefix) {
            self.segments.pop();
        }
        if let Some(last) = self.segments.last_mut() {
            last.steps.truncate(prefix - last.first);
        }
        self.segments.push(Segment {
            first: prefix,
            base: recovered.to_vec(),
            config: config.clone(),
            steps: Vec::new(),
        });
        let (engine, clock, deltas) = fresh(&config, now_ms, recovered);
        self.engine = engine;
        self.clock = clock;
        self.deltas = deltas;
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Steps applied along the lineage so far.
    pub fn history_len(&self) -> usize {
        let last = self.segments.last().expect("a segment");
        last.first + last.steps.len()
    }

    fn push(&mut self, applied: Applied) {
        self.segments
            .last_mut()
            .expect("a segment")
            .steps
            .push(applied);
    }

    /// Runs a unit at `at_ms`; returns its replies (concatenated) and the
    /// deltas it emitted.
    pub fn run_unit(&mut self, at_ms: i64, commands: &[Vec<Bytes>]) -> (Vec<u8>, Vec<Delta>) {
        self.clock.set(at_ms);
        let reply = run_commands(&mut self.engine, commands);
        self.push(Applied::Unit {
            at_ms,
            commands: commands.to_vec(),
        });
        (reply, self.deltas.take())
    }

    /// Applies a delta that no unit's token explains, op by op. Only two
    /// kinds are legitimate: the server's expiry deletions (a `DEL` of a
    /// key expired at `at_ms` in the model, or already gone from it) and
    /// a blocking pop's plain pop (which must find an element). Each op
    /// is a step of its own: nothing wraps them in MULTI in the AOF, so a
    /// torn tail may keep one expiry DEL of a cycle and lose the next.
    /// Returns the pops, (key, element, the history's length with it),
    /// for the replies to claim.
    pub fn apply_untokened(
        &mut self,
        at_ms: i64,
        ops: &[DeltaOp],
    ) -> Result<Vec<(Bytes, Bytes, usize)>, String> {
        self.clock.set(at_ms);
        let mut pops = Vec::new();
        let mut client = ClientState::new(u64::MAX - 1);
        for op in ops {
            let name = op.argv.first().map(|a| a.to_ascii_uppercase());
            let (Some(name), Some(key)) = (name, op.argv.get(1)) else {
                return Err(format!("an empty delta op: {}", show_op(op)));
            };
            match (&name[..], op.argv.len()) {
                (b"DEL", 2) => {
                    let keyspace = self.engine.db(op.db as usize);
                    if keyspace.contains(key) {
                        match keyspace.expire_at(key) {
                            Some(at) if at <= at_ms => {}
                            expire => {
                                return Err(format!(
                                    "the server deleted {:?} as expired at {at_ms} but it expires at {expire:?}",
                                    String::from_utf8_lossy(key)
                                ))
                            }
                        }
                    }
                    run_op(&mut self.engine, &mut client, op);
                }
                (b"LPOP" | b"RPOP", 2) => {
                    let reply = run_op(&mut self.engine, &mut client, op);
                    match bulk(&reply) {
                        Some(element) => pops.push((key.clone(), element, self.history_len() + 1)),
                        None => {
                            return Err(format!(
                            "the server's {} found an element the model does not have (model: {})",
                            show_op(op),
                            crate::trace::show(&reply)
                        ))
                        }
                    }
                }
                _ => {
                    return Err(format!(
                        "a delta without a token that is neither an expiry DEL nor a pop: {}",
                        show_op(op)
                    ))
                }
            }
            self.push(Applied::Raw {
                at_ms,
                ops: vec![op.clone()],
            });
        }
        self.deltas.take();
        Ok(pops)
    }

    /// The keyspace after each prefix of the lineage, by content as of
    /// `now_ms`: (global step count, state), oldest first, every segment
    /// replayed from its own base (where two segments meet, both give the
    /// same content).
    pub fn prefix_states(&self, now_ms: i64) -> Vec<(usize, Logical)> {
        lineage_states(&self.segments, now_ms)
    }

    /// Lineages cut short so far (an index for `abandoned_states`).
    pub fn abandoned_count(&self) -> usize {
        self.abandoned.len()
    }

    /// `prefix_states` of abandoned lineage `i`, and how many of its
    /// steps the lineage now extended still shares (its cut and every
    /// later one bound that).
    pub fn abandoned_states(&self, i: usize, now_ms: i64) -> (Vec<(usize, Logical)>, usize) {
        let shared = self.abandoned[i..]
            .iter()
            .map(|a| a.cut)
            .min()
            .expect("lineage i was abandoned");
        (lineage_states(&self.abandoned[i].segments, now_ms), shared)
    }
}

/// The keyspace after each prefix of a lineage (`Model::prefix_states`).
fn lineage_states(segments: &[Segment], now_ms: i64) -> Vec<(usize, Logical)> {
    let mut states = Vec::new();
    for segment in segments {
        let (mut engine, clock, deltas) = fresh(&segment.config, now_ms, &segment.base);
        states.push((segment.first, logical(&entries(&engine), now_ms)));
        for (i, applied) in segment.steps.iter().enumerate() {
            match applied {
                Applied::Unit { at_ms, commands } => {
                    clock.set(*at_ms);
                    run_commands(&mut engine, commands);
                }
                Applied::Raw { at_ms, ops } => {
                    clock.set(*at_ms);
                    replay_ops(&mut engine, ops);
                }
            }
            deltas.take();
            states.push((segment.first + i + 1, logical(&entries(&engine), now_ms)));
        }
    }
    states
}

fn fresh(
    config: &EngineConfig,
    now_ms: i64,
    base: &[Entry],
) -> (Engine, Arc<ManualClock>, SharedDeltas) {
    let clock = ManualClock::new(now_ms);
    let deltas = SharedDeltas::default();
    let mut engine = Engine::new(config.clone(), clock.clone(), Box::new(deltas.clone()));
    for (db, key, value, expire) in base {
        engine.restore_entry(*db, key, value.clone(), *expire);
    }
    (engine, clock, deltas)
}

/// Runs commands on one fresh client; their replies, concatenated (RESP2).
fn run_commands(engine: &mut Engine, commands: &[Vec<Bytes>]) -> Vec<u8> {
    let mut client = ClientState::new(u64::MAX);
    let mut buf = BytesMut::new();
    for argv in commands {
        let mut out = ReplyWriter::new(&mut buf, Protocol::Resp2);
        engine.execute(&mut client, argv, &mut out, &mut NoHost);
    }
    buf.to_vec()
}

/// Replays delta ops as the AOF would (each in its db).
fn replay_ops(engine: &mut Engine, ops: &[DeltaOp]) {
    let mut client = ClientState::new(u64::MAX - 1);
    for op in ops {
        run_op(engine, &mut client, op);
    }
}

/// One delta op on `client` (selecting its db first); its reply.
fn run_op(engine: &mut Engine, client: &mut ClientState, op: &DeltaOp) -> Vec<u8> {
    let mut buf = BytesMut::new();
    if client.db != op.db as usize {
        let select = [
            Bytes::from_static(b"SELECT"),
            Bytes::from(op.db.to_string()),
        ];
        let mut out = ReplyWriter::new(&mut buf, Protocol::Resp2);
        engine.execute(client, &select, &mut out, &mut NoHost);
        buf.clear();
    }
    let mut out = ReplyWriter::new(&mut buf, Protocol::Resp2);
    engine.execute(client, &op.argv, &mut out, &mut NoHost);
    buf.to_vec()
}

/// The payload of a RESP2 bulk reply, if it is one.
fn bulk(reply: &[u8]) -> Option<Bytes> {
    let parsed = resp_codec::parse_frame(&Bytes::copy_from_slice(reply), &Default::default());
    match parsed {
        Ok(Some((resp_codec::Frame::Bulk(bytes), _))) => Some(bytes),
        _ => None,
    }
}

pub fn show_op(op: &DeltaOp) -> String {
    format!("[db{}] {}", op.db, crate::trace::words(&op.argv))
}
