//! The check before a rewrite or a recovery starts, off the actor's loop:
//! where the next incremental file goes (the directory a CONFIG SET dir
//! moves to, the current one, or back where the files were) and that file
//! created there, as Redis opens its next incremental file before it
//! forks. The check runs in a slot (`AofActor::preparing`) like the fsync
//! and the cut: on a disk that hangs, the actor still appends, fsyncs,
//! takes control messages and ticks, and whatever waited for the check (a
//! BGREWRITEAOF's reply, an automatic rewrite, a recovery, the first base
//! of an AOF switched on) goes on once it ends. For the first base the
//! same call first reads the manifest already in the directory, whose
//! numbers the new files continue, as Redis's do.

use super::{AofActor, PreparedIncr};
use crate::aof::layout::AofLayout;
use crate::error::RewriteError;
use crate::io::{self, IoFuture};
use crate::storage::{Storage, StorageError, StorageFile};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::time::Instant;

/// What waits for the check.
pub(super) enum PrepareFor {
    /// A routine rewrite: BGREWRITEAOF (its reply waits here) or one the
    /// actor starts itself (by growth, or asked for earlier).
    Rewrite {
        reply: Option<oneshot::Sender<Result<(), RewriteError>>>,
    },
    /// A recovery from a disk error, or the first base of an AOF switched
    /// on.
    Recovery,
}

/// The check in flight.
pub(super) struct Preparing {
    purpose: PrepareFor,
    /// Where the file is tried, in order, until one takes it.
    steps: Vec<(Step, AofLayout)>,
    /// The pending CONFIG SET dir taken for the `MoveTo` step: the layout
    /// moves there if it wins, else it is pending again.
    taken: Option<AofLayout>,
    task: IoFuture<Outcome>,
}

/// The next file numbers, as the manifest in a directory continues them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Numbers {
    pub base: u64,
    pub incr: u64,
}

/// One place the next incremental file may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// The directory a pending CONFIG SET dir names.
    MoveTo,
    /// Where the layout is now.
    Current,
    /// Back where the files were before a move that no rewrite has
    /// finished in. Taken whether or not its file could be created, once
    /// the steps before it failed: a recovery must not retry a directory
    /// that cannot take it forever.
    Back,
}

/// What the blocking call found.
pub(super) struct Outcome {
    /// The step whose layout takes the file, and the file it created
    /// (None: the one prepared there before is still good).
    won: Option<(Step, Option<Arc<dyn StorageFile>>)>,
    /// A file was tried in a layout other than that of the one prepared
    /// before, which is then given up.
    discarded: bool,
    /// The number the created file took.
    seq: u64,
    /// For a first base: the numbers the directory's manifest continues,
    /// read before the file was created.
    continued: Option<Numbers>,
}

impl AofActor {
    /// Starts the check for `purpose`; a recovery with no CONFIG SET dir
    /// in play makes no call of its own before its snapshot (it creates
    /// its files itself, on the disk that just failed) and starts now.
    pub(super) fn prepare(&mut self, purpose: PrepareFor) {
        debug_assert!(self.preparing.is_none() && self.rewrite.is_none());
        let (steps, taken) = match &purpose {
            PrepareFor::Rewrite { .. } => {
                let (step, taken) = self.rewrite_step();
                (vec![step], taken)
            }
            PrepareFor::Recovery => self.recovery_steps(),
        };
        if steps.is_empty() {
            self.recovery_checked(true);
            return;
        }
        let prepared_in = self.prepared_incr.as_ref().map(|p| p.layout.clone());
        let next = Numbers {
            base: self.next_base_seq,
            incr: self.next_incr_seq,
        };
        // The first base of an AOF switched on names its files after those
        // already in the directory (and after the numbers pipelines before
        // this one used: `last_incr_seq`).
        let continue_in = (matches!(purpose, PrepareFor::Recovery) && self.incr.is_none())
            .then(|| (self.layout.clone(), self.last_incr_seq.clone()));
        let tries = steps.clone();
        let task = io::run(&self.storage, move |s| {
            let continued =
                continue_in.map(|(layout, used)| continue_numbers(s, &layout, &used, next));
            let seq = continued.map_or(next.incr, |n| n.incr);
            Ok(try_steps(s, &tries, seq, prepared_in).with(seq, continued))
        });
        self.preparing = Some(Preparing {
            purpose,
            steps,
            taken,
            task,
        });
    }

    /// The check before the first try of the first base of an AOF
    /// switched on runs: INFO shows that base in progress, as Redis shows
    /// the switch's rewrite once it forked, and a BGREWRITEAOF meanwhile
    /// is refused as one in progress. Not a retry's check after a failure
    /// (MISCONF under `always`, `first_base_retrying` otherwise): Redis
    /// shows its retried rewrite scheduled until a fork succeeds.
    pub(super) fn preparing_first_base(&self) -> bool {
        self.incr.is_none()
            && self.preparing.is_some()
            && !self.abandoned
            && !self.first_base_retrying
            && self.failed.is_none()
    }

    /// Whether a check for a routine rewrite is in flight (BGREWRITEAOF
    /// then answers that a rewrite is in progress).
    pub(super) fn preparing_rewrite(&self) -> bool {
        matches!(
            self.preparing,
            Some(Preparing {
                purpose: PrepareFor::Rewrite { .. },
                ..
            })
        )
    }

    /// The check ended: the layout moves (or goes back) as it found, the
    /// file it created is kept for the switch or the recovery that takes
    /// it (`take_prepared_incr`), and what waited for it goes on.
    pub(super) fn prepared(&mut self, preparing: Preparing, result: Result<Outcome, StorageError>) {
        let Preparing {
            purpose,
            steps,
            taken,
            task: _,
        } = preparing;
        let outcome = result.unwrap_or_else(|error| {
            tracing::warn!("Preparing the next AOF file: {error}");
            Outcome {
                won: None,
                discarded: true,
                seq: self.next_incr_seq,
                continued: None,
            }
        });
        if let Some(next) = outcome.continued {
            // Numbers only go forward: none is ever used twice.
            self.next_base_seq = self.next_base_seq.max(next.base);
            self.next_incr_seq = self.next_incr_seq.max(next.incr);
        }
        let seq = outcome.seq;
        if outcome.discarded {
            self.prepared_incr = None;
        }
        let won = outcome.won.as_ref().map(|(step, _)| *step);
        if let Some(next) = taken {
            if won == Some(Step::MoveTo) {
                let from = std::mem::replace(&mut self.layout, next);
                // Where the files are: not a directory moved to earlier
                // that no rewrite has finished in.
                self.moved_from.get_or_insert(from);
            } else {
                // Unless a newer CONFIG SET dir came meanwhile.
                self.published.next_layout.lock().get_or_insert(next);
            }
        }
        let back = steps.iter().find(|(step, _)| *step == Step::Back);
        if let (Some((_, from)), None | Some(Step::Back)) = (back, won) {
            tracing::warn!(
                "The recovery writes the AOF in {} again",
                from.dir().display()
            );
            let moved = std::mem::replace(&mut self.layout, from.clone());
            self.moved_from = None;
            self.published.next_layout.lock().get_or_insert(moved);
        }
        if let Some((_, Some(file))) = outcome.won {
            let taken_seq = self.take_incr_seq();
            assert_eq!(taken_seq, seq, "no file was numbered while the check ran");
            self.prepared_incr = Some(PreparedIncr {
                layout: self.layout.clone(),
                info: self.layout.incr_info(seq),
                file,
            });
        }
        let usable = won.is_some();
        match purpose {
            PrepareFor::Rewrite { reply } => self.rewrite_checked(usable, reply),
            PrepareFor::Recovery => self.recovery_checked(usable),
        }
    }

    /// A routine rewrite starts once its file is in place; refused if it
    /// could not be, as Redis refuses to fork then.
    fn rewrite_checked(
        &mut self,
        usable: bool,
        reply: Option<oneshot::Sender<Result<(), RewriteError>>>,
    ) {
        let answer = if !usable {
            self.rewrite_refused();
            Err(RewriteError::DirUnusable)
        } else if self.closing {
            Err(RewriteError::Closed)
        } else {
            Ok(())
        };
        let asked = reply.is_some();
        if let Some(reply) = reply {
            let _ = reply.send(answer.clone());
        }
        if answer.is_err() {
            return;
        }
        if let Some(failure) = &mut self.failed {
            // A disk error came meanwhile: BGREWRITEAOF asks for the
            // recovery at once, which takes the file prepared here.
            if asked {
                failure.retry_at = Instant::now();
                self.on_tick();
            }
        } else if !self.abandoned {
            self.start_rewrite(false);
        }
    }

    /// A recovery starts whatever the check found (it creates its files
    /// itself if it must, and backs off if it cannot); the first base of
    /// an AOF switched on starts once its file is in place, and is
    /// refused and tried again at the next tick if not, as Redis's cron
    /// tries the switch's rewrite again (writes go on meanwhile; under
    /// `always`, in MISCONF, the same refusal and the same ticks).
    fn recovery_checked(&mut self, usable: bool) {
        if self.abandoned {
            return;
        }
        let first_base = self.incr.is_none();
        if self.failed.is_some() && (usable || !first_base) {
            self.final_recovery_tried |= self.closing;
            self.start_rewrite(true);
        } else if self.failed.is_some() {
            // A first base in MISCONF under `always` whose directory takes
            // no file: refused before it starts, as under the other
            // policies (and Redis's), tried again at the next tick.
            self.final_recovery_tried |= self.closing;
            self.rewrite_refused();
            self.published.status.lock().aof_rewrite_in_progress = false;
        } else if self.closing {
            // A first base not started yet is not started now (see
            // `quiescent`).
        } else if usable {
            self.start_rewrite(true);
        } else {
            self.rewrite_refused();
            // Scheduled, not running (`publish_status`), as Redis shows it.
            self.published.status.lock().aof_rewrite_in_progress = false;
            self.first_base_failed("its directory cannot take the files");
        }
    }

    /// Where a routine rewrite puts its files: a pending CONFIG SET dir
    /// (Redis's chdir takes effect at the next rewrite), else here.
    fn rewrite_step(&mut self) -> ((Step, AofLayout), Option<AofLayout>) {
        let next = self.published.next_layout.lock().take();
        match next.filter(|next| *next != self.layout) {
            Some(next) => ((Step::MoveTo, next.clone()), Some(next)),
            None => ((Step::Current, self.layout.clone()), None),
        }
    }

    /// Where a recovery (or the first base of an AOF switched on) writes
    /// its files: a pending CONFIG SET dir if its files can be created
    /// there; the directory moved to if they still can be; else back where
    /// the files were, the move pending again (a directory that exists
    /// but takes no file is as unusable as a missing one). With no move in
    /// play, a recovery makes no call on the disk that just failed before
    /// its own; a first base checks its directory.
    fn recovery_steps(&mut self) -> (Vec<(Step, AofLayout)>, Option<AofLayout>) {
        let next = self.published.next_layout.lock().clone();
        let moving = self.moved_from.is_some() || next.as_ref().is_some_and(|n| *n != self.layout);
        if !moving {
            let steps = if self.incr.is_none() {
                vec![(Step::Current, self.layout.clone())]
            } else {
                Vec::new()
            };
            return (steps, None);
        }
        let failed_in = self.recovery_failed_in.clone();
        let pending_failed = failed_in.is_some() && next == failed_in;
        let here_failed = failed_in.as_ref() == Some(&self.layout);
        let mut steps = Vec::with_capacity(3);
        let mut taken = None;
        if !pending_failed && !here_failed {
            let (step, moved) = self.rewrite_step();
            steps.push(step);
            taken = moved;
        }
        if let Some(from) = self.moved_from.clone() {
            // A pending move that fails leaves the layout moved to earlier.
            let tried_here = steps.iter().any(|(step, _)| *step == Step::Current);
            if !here_failed && !tried_here {
                steps.push((Step::Current, self.layout.clone()));
            }
            steps.push((Step::Back, from));
        }
        (steps, taken)
    }

    /// A rewrite refused before it started (its file could not be
    /// created): failed in INFO as Redis reports it (no rewrite counted,
    /// no consecutive failure). An automatic one, and the first base of
    /// an AOF switched on, is tried again at the next tick, as Redis's
    /// cron does (logging the refusal each time, as Redis's), so it runs
    /// within a tick of the directory becoming usable.
    fn rewrite_refused(&mut self) {
        self.published.status.lock().aof_last_bgrewrite_ok = false;
    }
}

/// The numbers after those of the manifest in `layout`'s directory, if it
/// has one, and after `used` (never below `next`).
fn continue_numbers(
    storage: &dyn Storage,
    layout: &AofLayout,
    used: &AtomicU64,
    next: Numbers,
) -> Numbers {
    let mut numbers = next;
    match layout.read_manifest(storage) {
        Ok(Some(manifest)) => {
            numbers.base = numbers.base.max(manifest.base_seq() + 1);
            numbers.incr = numbers.incr.max(manifest.last_incr_seq() + 1);
        }
        Ok(None) => {}
        Err(error) => tracing::warn!(
            "The AOF manifest in use is unreadable ({error}); the new one replaces it"
        ),
    }
    numbers.incr = numbers.incr.max(used.load(Ordering::Acquire) + 1);
    numbers
}

impl Outcome {
    fn with(mut self, seq: u64, continued: Option<Numbers>) -> Outcome {
        self.seq = seq;
        self.continued = continued;
        self
    }
}

/// The blocking work of the check: the file tried at each step until one
/// takes it. A step in the layout of the file prepared before takes that
/// one, unless a file was tried elsewhere first.
fn try_steps(
    storage: &dyn Storage,
    steps: &[(Step, AofLayout)],
    seq: u64,
    mut prepared_in: Option<AofLayout>,
) -> Outcome {
    let mut discarded = false;
    for (step, layout) in steps {
        if prepared_in.as_ref() == Some(layout) {
            return Outcome {
                won: Some((*step, None)),
                discarded,
                seq,
                continued: None,
            };
        }
        prepared_in = None;
        discarded = true;
        if let Ok(file) = layout.create_in_dir(storage, &layout.incr_info(seq).name) {
            return Outcome {
                won: Some((*step, Some(file))),
                discarded,
                seq,
                continued: None,
            };
        }
    }
    Outcome {
        won: None,
        discarded,
        seq,
        continued: None,
    }
}

/// Polls the check in `slot`, handing it back once it ended; pending
/// while there is none. Dropping this future leaves it in the slot.
pub(super) async fn poll_preparing(
    slot: &mut Option<Preparing>,
) -> (Preparing, Result<Outcome, StorageError>) {
    let Some(preparing) = slot else {
        return std::future::pending().await;
    };
    let result = preparing.task.as_mut().await;
    (slot.take().expect("polled above"), result)
}
