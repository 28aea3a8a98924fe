//! Writing an engine snapshot (`kv_engine::snapshot`) as RDB, slice by
//! slice: `SnapshotWriter` is the `SnapshotVisitor` that feeds an
//! `RdbWriter`, writing SELECTDB (and, the first time, RESIZEDB with the
//! sizes at the start) whenever the database changes, since a snapshot's
//! entries may arrive from several databases in turn. The owner calls
//! `Engine::snapshot_step` between commands and drains the writer's sink
//! off the engine lock.

use super::save::{RdbWriter, SaveReport};
use kv_engine::access::SavedAccess;
use kv_engine::snapshot::{SnapshotEntry, SnapshotStart, SnapshotVisitor};
use kv_engine::Engine;
use std::io::Write;

pub struct SnapshotWriter<W: Write> {
    writer: RdbWriter<W>,
    /// The database of the last entry written.
    db: Option<usize>,
    /// (db, keys, expires) at the start, for the first SELECTDB of each.
    sizes: Vec<(usize, u64, u64)>,
    selected: Vec<usize>,
    /// The first write error; later entries are dropped.
    error: Option<std::io::Error>,
    /// How the entries' access fields become IDLE/FREQ records.
    access: SavedAccess,
}

impl<W: Write> SnapshotWriter<W> {
    pub fn new(writer: RdbWriter<W>, start: &SnapshotStart) -> Self {
        SnapshotWriter {
            writer,
            db: None,
            sizes: start.databases.clone(),
            selected: Vec::new(),
            error: None,
            access: start.access,
        }
    }

    /// Hands what the last steps wrote to the sink and returns the sink
    /// (to drain an in-memory buffer off the engine lock).
    pub fn flush(&mut self) -> std::io::Result<&mut W> {
        self.writer.flush()?;
        Ok(self.writer.sink_mut())
    }

    /// True once a write failed (the owner should cancel the snapshot).
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }

    /// Ends the file (EOF, checksum), or returns the first error.
    pub fn finish(self) -> std::io::Result<(W, SaveReport)> {
        match self.error {
            Some(error) => Err(error),
            None => self.writer.finish(),
        }
    }

    fn write(&mut self, entry: SnapshotEntry<'_>) -> std::io::Result<()> {
        let db = entry.db;
        if self.db != Some(db) {
            let (keys, expires) = if self.selected.contains(&db) {
                (0, 0)
            } else {
                self.selected.push(db);
                self.sizes
                    .iter()
                    .find(|s| s.0 == db)
                    .map_or((0, 0), |s| (s.1, s.2))
            };
            self.writer.select_db(db as u32, keys, expires)?;
            self.db = Some(db);
        }
        let record = self.access.record(entry.access);
        self.writer
            .entry(entry.key, entry.value, entry.expire_at_ms, record)
    }
}

impl<W: Write> SnapshotVisitor for SnapshotWriter<W> {
    fn entry(&mut self, entry: SnapshotEntry<'_>) {
        if self.error.is_none() {
            if let Err(error) = self.write(entry) {
                self.error = Some(error);
            }
        }
    }
}

/// Begins a snapshot of `engine` and writes it whole through `writer`, in
/// steps of `max_entries`, calling `between` after each step (where the
/// owner would run commands). For tests and tools; a server interleaves
/// the steps with its commands itself.
pub fn save_in_steps<W: Write>(
    engine: &mut Engine,
    writer: RdbWriter<W>,
    max_entries: usize,
    mut between: impl FnMut(&mut Engine),
) -> std::io::Result<(W, SaveReport)> {
    let start = engine
        .begin_snapshot()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut sink = SnapshotWriter::new(writer, &start);
    loop {
        let step = engine.snapshot_step(max_entries, &mut sink);
        if sink.failed() {
            engine.cancel_snapshot_if(start.id);
            break;
        }
        if step.done {
            break;
        }
        between(engine);
    }
    sink.finish()
}
