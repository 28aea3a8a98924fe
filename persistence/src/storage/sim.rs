//! `SimStorage`: a simulated disk for tests and the deterministic
//! simulation, honest about what survives a crash.
//!
//! Each file keeps its *live* bytes (what reads see: the page cache) apart
//! from its *durable* bytes (what an fsync put on the platter). Directory
//! entries work the same way: a create, rename or remove is live at once and
//! durable only after the directory is fsynced. A crash keeps the durable
//! state plus a seeded choice of the rest: for each file all, none or a torn
//! prefix of its unsynced bytes, and for each directory a prefix of its
//! unsynced entry changes in order (a journal replays in order, so a rename
//! is never half done).
//!
//! Faults are named points, each with a probability and a queue of scripted
//! "fail the next one" requests, all decided by one seeded generator:
//! - `DISK_WRITE_ERROR`: an append fails with EIO, nothing written.
//! - `DISK_FSYNC_ERROR`: an fsync fails with EIO and, as on Linux, the dirty
//!   pages are dropped: they stay readable but are no longer dirty, so a
//!   later fsync "succeeds" while the disk holds zeros where they were. As
//!   Linux's errseq does, the failure is reported once to every open handle
//!   of the file that was open before it (each `SimFile` is one open file
//!   description); a handle that has reported it fsyncs "successfully" over
//!   the hole, unless its `SyncLatch` remembers (as every handle's does).
//! - `DISK_FULL`: an append fails with ENOSPC (also whenever a capacity is
//!   set and the append does not fit: what fits is written first).
//! - `TORN_WRITE`: an append writes a seeded prefix, then fails with EIO.
//! - `SLOW_DISK`: an operation waits a latency first (on tokio's clock, see
//!   `Storage::delay`).
//!
//! A test may also script how long the next fsyncs take
//! (`delay_next_fsyncs`, `Storage::sync_delay`): an fsync that hangs on
//! one file while the calls around it do not, as a real disk's can.
//!
//! Deliberately simple: directories are durable once created, and a crash
//! tears at byte granularity (harsher than sectors).

use super::{errno, Storage, StorageError, StorageFile, SyncLatch};
use parking_lot::Mutex;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub const DISK_WRITE_ERROR: &str = "DISK_WRITE_ERROR";
pub const DISK_FSYNC_ERROR: &str = "DISK_FSYNC_ERROR";
pub const DISK_FULL: &str = "DISK_FULL";
pub const TORN_WRITE: &str = "TORN_WRITE";
pub const SLOW_DISK: &str = "SLOW_DISK";

/// A named fault-injection point of the simulated disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    WriteError,
    FsyncError,
    DiskFull,
    TornWrite,
    SlowDisk,
}

impl Fault {
    pub const ALL: [Fault; 5] = [
        Fault::WriteError,
        Fault::FsyncError,
        Fault::DiskFull,
        Fault::TornWrite,
        Fault::SlowDisk,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::WriteError => DISK_WRITE_ERROR,
            Fault::FsyncError => DISK_FSYNC_ERROR,
            Fault::DiskFull => DISK_FULL,
            Fault::TornWrite => TORN_WRITE,
            Fault::SlowDisk => SLOW_DISK,
        }
    }

    pub fn from_name(name: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.name() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What a crash keeps of the data that was not made durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrashMode {
    /// A seeded choice per file (all, none or a torn prefix) and per
    /// directory (a prefix of its unsynced entry changes).
    Seeded,
    /// Everything written survives (the OS flushed it all in time).
    KeepUnsynced,
    /// Only what was fsynced survives.
    DropUnsynced,
}

/// Counters, for tests and traces.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    pub appends: u64,
    pub bytes_appended: u64,
    pub fsyncs: u64,
    pub dir_fsyncs: u64,
    pub crashes: u64,
    /// Faults injected, by `Fault as usize`.
    pub injected: [u64; 5],
}

impl SimStats {
    pub fn injected(&self, fault: Fault) -> u64 {
        self.injected[fault.index()]
    }
}

/// The simulated disk; clones share it. A handle belongs to the "process"
/// that was running when it was made: after a crash every call through an
/// older handle fails with EIO (that process is dead), and `reboot` gives
/// the next process its handle.
#[derive(Clone)]
pub struct SimStorage {
    disk: Arc<Mutex<Disk>>,
    generation: u64,
}

struct Inode {
    live: Vec<u8>,
    durable: Vec<u8>,
    /// `durable` is no longer a prefix of `live` (truncated below it).
    rewritten: bool,
    /// Pages a failed fsync dropped: `[from, to)` of `live` will never
    /// reach the disk; a later fsync writes zeros there.
    lost: Option<(usize, usize)>,
    /// Linux's errseq for the file: its writeback failures so far. Each
    /// handle reports those after the count it was opened at (every
    /// failure here is an fsync's, reported by that fsync's handle: the
    /// simulator has no background writeback whose failure nobody heard).
    wb_errors: u64,
}

impl Inode {
    fn new() -> Self {
        Inode {
            live: Vec::new(),
            durable: Vec::new(),
            rewritten: false,
            lost: None,
            wb_errors: 0,
        }
    }

    fn is_dirty(&self) -> bool {
        self.rewritten || self.live.len() != self.durable.len()
    }

    fn sync(&mut self) {
        if self.rewritten {
            self.durable.clone_from(&self.live);
        } else if let Some((_, to)) = self.lost.take() {
            let to = to.min(self.live.len());
            self.durable.resize(to, 0);
            self.durable.extend_from_slice(&self.live[to..]);
        } else {
            let start = self.durable.len().min(self.live.len());
            self.durable.extend_from_slice(&self.live[start..]);
        }
        self.rewritten = false;
        self.lost = None;
    }
}

#[derive(Clone, Debug)]
enum DirOp {
    Link(PathBuf, u64),
    Unlink(PathBuf),
    Rename(PathBuf, PathBuf),
}

struct Disk {
    rng: SmallRng,
    probability: [f64; 5],
    scripted: [u32; 5],
    slow: Duration,
    /// Latencies of the next fsyncs, scripted (`delay_next_fsyncs`).
    fsync_latencies: std::collections::VecDeque<Duration>,
    capacity: Option<u64>,
    generation: u64,
    dirs: BTreeSet<PathBuf>,
    inodes: HashMap<u64, Inode>,
    next_inode: u64,
    names: BTreeMap<PathBuf, u64>,
    durable_names: BTreeMap<PathBuf, u64>,
    /// Entry changes not yet made durable, by directory, in order.
    pending: BTreeMap<PathBuf, Vec<DirOp>>,
    stats: SimStats,
    fsyncs_by_path: BTreeMap<PathBuf, u64>,
}

fn os_error(op: &'static str, path: &Path, code: i32) -> StorageError {
    StorageError::new(op, path, io::Error::from_raw_os_error(code))
}

fn not_found(op: &'static str, path: &Path) -> StorageError {
    StorageError::new(op, path, io::Error::from(io::ErrorKind::NotFound))
}

fn parent(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

impl Disk {
    /// Decides whether `fault` fires now: a scripted request first, else
    /// its probability. The generator is consulted only for a non-zero
    /// probability, so unrelated settings do not shift the random stream.
    fn fires(&mut self, fault: Fault) -> bool {
        let i = fault.index();
        let fire = if self.scripted[i] > 0 {
            self.scripted[i] -= 1;
            true
        } else {
            self.probability[i] > 0.0 && self.rng.gen_bool(self.probability[i])
        };
        if fire {
            self.stats.injected[i] += 1;
        }
        fire
    }

    fn live_bytes(&self) -> u64 {
        self.inodes.values().map(|i| i.live.len() as u64).sum()
    }

    fn check_dir(&self, op: &'static str, path: &Path) -> Result<PathBuf, StorageError> {
        let dir = parent(path);
        if self.dirs.contains(&dir) {
            Ok(dir)
        } else {
            Err(not_found(op, path))
        }
    }

    fn append(&mut self, inode: u64, path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
        self.stats.appends += 1;
        if self.fires(Fault::DiskFull) {
            return Err(os_error("write", path, errno::ENOSPC));
        }
        if self.fires(Fault::WriteError) {
            return Err(os_error("write", path, errno::EIO));
        }
        let mut take = bytes.len();
        let mut error = None;
        if self.fires(Fault::TornWrite) {
            take = self.rng.gen_range(0..bytes.len().max(1));
            error = Some(errno::EIO);
        }
        if let Some(capacity) = self.capacity {
            let room = capacity.saturating_sub(self.live_bytes()) as usize;
            if take > room {
                take = room;
                error = Some(errno::ENOSPC);
            }
        }
        let Some(node) = self.inodes.get_mut(&inode) else {
            return Err(os_error("write", path, errno::EBADF));
        };
        node.live.extend_from_slice(&bytes[..take]);
        self.stats.bytes_appended += take as u64;
        match error {
            Some(code) => Err(os_error("write", path, code)),
            None => Ok(()),
        }
    }

    /// An fsync through a handle that has reported writeback failures up
    /// to `seen` (its errseq), which it advances.
    fn sync_file(&mut self, inode: u64, path: &Path, seen: &mut u64) -> Result<(), StorageError> {
        self.stats.fsyncs += 1;
        *self.fsyncs_by_path.entry(path.to_path_buf()).or_default() += 1;
        let fail = self.fires(Fault::FsyncError);
        let Some(node) = self.inodes.get_mut(&inode) else {
            return Err(os_error("fsync", path, errno::EBADF));
        };
        if fail {
            // Linux marks the pages clean after a failed writeback: they
            // are lost to the disk though still readable.
            if node.is_dirty() && !node.rewritten {
                let from = node.durable.len();
                let to = node.live.len();
                node.lost = Some(node.lost.map_or((from, to), |(f, _)| (f, to)));
            }
            node.wb_errors += 1;
        }
        if *seen != node.wb_errors {
            // Reported once to this handle, whoever's fsync failed.
            *seen = node.wb_errors;
            return Err(os_error("fsync", path, errno::EIO));
        }
        node.sync();
        Ok(())
    }

    fn truncate_inode(&mut self, inode: u64, path: &Path, len: u64) -> Result<(), StorageError> {
        let Some(node) = self.inodes.get_mut(&inode) else {
            return Err(os_error("truncate", path, errno::EBADF));
        };
        let len = len as usize;
        if len < node.live.len() {
            node.live.truncate(len);
        } else {
            node.live.resize(len, 0);
        }
        if len < node.durable.len() {
            node.rewritten = true;
        }
        if let Some((from, to)) = node.lost {
            node.lost = (from < len).then_some((from, to.min(len)));
        }
        Ok(())
    }

    fn push_dir_op(&mut self, dir: PathBuf, op: DirOp) {
        self.pending.entry(dir).or_default().push(op);
    }

    fn apply(names: &mut BTreeMap<PathBuf, u64>, op: &DirOp) {
        match op {
            DirOp::Link(path, inode) => {
                names.insert(path.clone(), *inode);
            }
            DirOp::Unlink(path) => {
                names.remove(path);
            }
            DirOp::Rename(from, to) => {
                if let Some(inode) = names.remove(from) {
                    names.insert(to.clone(), inode);
                }
            }
        }
    }

    fn crash(&mut self, mode: CrashMode) {
        let pending = std::mem::take(&mut self.pending);
        for ops in pending.values() {
            let keep = match mode {
                CrashMode::Seeded => self.rng.gen_range(0..=ops.len()),
                CrashMode::KeepUnsynced => ops.len(),
                CrashMode::DropUnsynced => 0,
            };
            for op in &ops[..keep] {
                Disk::apply(&mut self.durable_names, op);
            }
        }
        self.names = self.durable_names.clone();
        let alive: BTreeSet<u64> = self.names.values().copied().collect();
        self.inodes.retain(|id, _| alive.contains(id));
        let mut ids: Vec<u64> = alive.into_iter().collect();
        ids.sort_unstable();
        for id in ids {
            let Some(node) = self.inodes.get_mut(&id) else {
                continue;
            };
            let content = if node.rewritten {
                let keep_live = match mode {
                    CrashMode::Seeded => self.rng.gen_bool(0.5),
                    CrashMode::KeepUnsynced => true,
                    CrashMode::DropUnsynced => false,
                };
                if keep_live {
                    node.live.clone()
                } else {
                    node.durable.clone()
                }
            } else if node.lost.is_some() {
                node.durable.clone()
            } else {
                let tail = &node.live[node.durable.len()..];
                let keep = match mode {
                    CrashMode::KeepUnsynced => tail.len(),
                    CrashMode::DropUnsynced => 0,
                    CrashMode::Seeded => match self.rng.gen_range(0..3) {
                        0 => 0,
                        1 => tail.len(),
                        _ => self.rng.gen_range(0..=tail.len()),
                    },
                };
                let mut content = node.durable.clone();
                content.extend_from_slice(&tail[..keep]);
                content
            };
            node.live.clone_from(&content);
            node.durable = content;
            node.rewritten = false;
            node.lost = None;
            node.wb_errors = 0;
        }
        self.generation += 1;
        self.stats.crashes += 1;
    }
}

/// One open file description.
struct SimFile {
    disk: Arc<Mutex<Disk>>,
    inode: u64,
    generation: u64,
    path: PathBuf,
    /// The file's writeback failures this handle has reported (errseq).
    seen_wb_errors: AtomicU64,
    latch: SyncLatch,
}

impl SimFile {
    fn with_disk<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&mut Disk) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let mut disk = self.disk.lock();
        if disk.generation != self.generation {
            // Opened before a crash: the process that held it is gone.
            return Err(os_error(op, &self.path, errno::EBADF));
        }
        f(&mut disk)
    }
}

impl StorageFile for SimFile {
    fn append(&self, bytes: &[u8]) -> Result<(), StorageError> {
        self.with_disk("write", |d| d.append(self.inode, &self.path, bytes))
    }

    fn sync(&self) -> Result<(), StorageError> {
        self.latch.sync(&self.path, || {
            self.with_disk("fsync", |d| {
                let mut seen = self.seen_wb_errors.load(Ordering::Relaxed);
                let result = d.sync_file(self.inode, &self.path, &mut seen);
                self.seen_wb_errors.store(seen, Ordering::Relaxed);
                result
            })
        })
    }

    fn truncate(&self, len: u64) -> Result<(), StorageError> {
        self.with_disk("truncate", |d| {
            d.truncate_inode(self.inode, &self.path, len)
        })
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

impl SimStorage {
    /// An empty disk (with `/` as its only directory) whose every random
    /// choice comes from `seed`.
    pub fn new(seed: u64) -> Self {
        let mut dirs = BTreeSet::new();
        dirs.insert(PathBuf::from("/"));
        SimStorage {
            disk: Arc::new(Mutex::new(Disk {
                rng: SmallRng::seed_from_u64(seed),
                probability: [0.0; 5],
                scripted: [0; 5],
                slow: Duration::from_millis(100),
                fsync_latencies: std::collections::VecDeque::new(),
                capacity: None,
                generation: 0,
                dirs,
                inodes: HashMap::new(),
                next_inode: 1,
                names: BTreeMap::new(),
                durable_names: BTreeMap::new(),
                pending: BTreeMap::new(),
                stats: SimStats::default(),
                fsyncs_by_path: BTreeMap::new(),
            })),
            generation: 0,
        }
    }

    /// The handle of the process that starts after a crash.
    pub fn reboot(&self) -> SimStorage {
        SimStorage {
            disk: self.disk.clone(),
            generation: self.disk.lock().generation,
        }
    }

    /// Fsyncs ever asked of the file opened as `path`, failed ones too.
    pub fn fsyncs_of(&self, path: &Path) -> u64 {
        self.disk
            .lock()
            .fsyncs_by_path
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// Locks the disk for a call of this handle's process.
    fn alive(
        &self,
        op: &'static str,
        path: &Path,
    ) -> Result<parking_lot::MutexGuard<'_, Disk>, StorageError> {
        let disk = self.disk.lock();
        if disk.generation != self.generation {
            return Err(os_error(op, path, errno::EIO));
        }
        Ok(disk)
    }

    /// Sets the probability (0.0 ..= 1.0) that `fault` fires at each
    /// operation it applies to.
    pub fn set_probability(&self, fault: Fault, probability: f64) {
        assert!(
            (0.0..=1.0).contains(&probability),
            "probability {probability} out of range"
        );
        self.disk.lock().probability[fault.index()] = probability;
    }

    /// Makes the next operation `fault` applies to fail (queued: calling
    /// it twice fails the next two).
    pub fn fail_next(&self, fault: Fault) {
        self.disk.lock().scripted[fault.index()] += 1;
    }

    /// Turns every fault off: probabilities and scripted requests.
    pub fn clear_faults(&self) {
        let mut disk = self.disk.lock();
        disk.probability = [0.0; 5];
        disk.scripted = [0; 5];
    }

    /// The next fsyncs made through `io::sync` (the AOF's) take these
    /// latencies, in order, instead of SLOW_DISK's chance: e.g. a short
    /// one that fails (`fail_next`) and a long one behind it, to make an
    /// fsync outlive what the writer does meanwhile.
    pub fn delay_next_fsyncs(&self, latencies: &[Duration]) {
        self.disk.lock().fsync_latencies.extend(latencies);
    }

    /// The latency of a SLOW_DISK operation.
    pub fn set_slow_latency(&self, latency: Duration) {
        self.disk.lock().slow = latency;
    }

    /// Limits the live bytes of all files together (None: unlimited).
    pub fn set_capacity(&self, bytes: Option<u64>) {
        self.disk.lock().capacity = bytes;
    }

    /// Crashes the machine (see the module comment) and returns the handle
    /// of the process that starts next. Files opened before fail with
    /// EBADF afterwards, and every call through an older handle with EIO.
    #[must_use = "the old handle belongs to the crashed process"]
    pub fn crash(&self, mode: CrashMode) -> SimStorage {
        self.disk.lock().crash(mode);
        self.reboot()
    }

    pub fn stats(&self) -> SimStats {
        self.disk.lock().stats.clone()
    }

    /// The bytes of `path` that are certain to survive a crash: the
    /// durable contents under the durable name, if any.
    pub fn durable_contents(&self, path: &Path) -> Option<Vec<u8>> {
        let disk = self.disk.lock();
        let inode = disk.durable_names.get(path)?;
        disk.inodes.get(inode).map(|i| i.durable.clone())
    }

    fn file(&self, disk: &Disk, inode: u64, path: &Path) -> Arc<dyn StorageFile> {
        Arc::new(SimFile {
            disk: self.disk.clone(),
            inode,
            generation: disk.generation,
            path: path.to_path_buf(),
            seen_wb_errors: AtomicU64::new(disk.inodes[&inode].wb_errors),
            latch: SyncLatch::default(),
        })
    }
}

impl Storage for SimStorage {
    fn create(&self, path: &Path) -> Result<Arc<dyn StorageFile>, StorageError> {
        let mut disk = self.alive("create", path)?;
        let dir = disk.check_dir("create", path)?;
        if disk.dirs.contains(path) {
            return Err(os_error("create", path, errno::EISDIR));
        }
        let inode = match disk.names.get(path) {
            Some(&inode) => {
                disk.truncate_inode(inode, path, 0)?;
                inode
            }
            None => {
                let inode = disk.next_inode;
                disk.next_inode += 1;
                disk.inodes.insert(inode, Inode::new());
                disk.names.insert(path.to_path_buf(), inode);
                disk.push_dir_op(dir, DirOp::Link(path.to_path_buf(), inode));
                inode
            }
        };
        Ok(self.file(&disk, inode, path))
    }

    fn open_append(&self, path: &Path) -> Result<Arc<dyn StorageFile>, StorageError> {
        let disk = self.alive("open", path)?;
        let inode = *disk
            .names
            .get(path)
            .ok_or_else(|| not_found("open", path))?;
        Ok(self.file(&disk, inode, path))
    }

    fn read(&self, path: &Path) -> Result<Vec<u8>, StorageError> {
        let disk = self.alive("read", path)?;
        let inode = disk
            .names
            .get(path)
            .ok_or_else(|| not_found("read", path))?;
        Ok(disk.inodes[inode].live.clone())
    }

    fn len(&self, path: &Path) -> Result<u64, StorageError> {
        let disk = self.alive("stat", path)?;
        if disk.dirs.contains(path) {
            return Ok(0);
        }
        let inode = disk
            .names
            .get(path)
            .ok_or_else(|| not_found("stat", path))?;
        Ok(disk.inodes[inode].live.len() as u64)
    }

    fn truncate(&self, path: &Path, len: u64) -> Result<(), StorageError> {
        let mut disk = self.alive("truncate", path)?;
        let inode = *disk
            .names
            .get(path)
            .ok_or_else(|| not_found("truncate", path))?;
        disk.truncate_inode(inode, path, len)
    }

    fn rename(&self, from: &Path, to: &Path) -> Result<(), StorageError> {
        let mut disk = self.alive("rename", from)?;
        // A rename across directories is one journaled change, recorded
        // (and made durable) with the destination directory.
        let dir = disk.check_dir("rename", to)?;
        let inode = disk
            .names
            .remove(from)
            .ok_or_else(|| not_found("rename", from))?;
        disk.names.insert(to.to_path_buf(), inode);
        disk.push_dir_op(dir, DirOp::Rename(from.to_path_buf(), to.to_path_buf()));
        Ok(())
    }

    fn remove(&self, path: &Path) -> Result<(), StorageError> {
        let mut disk = self.alive("remove", path)?;
        if disk.names.remove(path).is_none() {
            return Err(not_found("remove", path));
        }
        disk.push_dir_op(parent(path), DirOp::Unlink(path.to_path_buf()));
        Ok(())
    }

    fn list_dir(&self, dir: &Path) -> Result<Vec<String>, StorageError> {
        let disk = self.alive("list", dir)?;
        if !disk.dirs.contains(dir) {
            return Err(not_found("list", dir));
        }
        let mut names: Vec<String> = disk
            .names
            .keys()
            .filter(|p| p.parent() == Some(dir))
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        names.sort();
        Ok(names)
    }

    fn create_dir_all(&self, dir: &Path) -> Result<(), StorageError> {
        let mut disk = self.alive("mkdir", dir)?;
        for ancestor in dir.ancestors() {
            if disk.names.contains_key(ancestor) {
                return Err(os_error("mkdir", dir, 17 /* EEXIST */));
            }
            if !ancestor.as_os_str().is_empty() {
                disk.dirs.insert(ancestor.to_path_buf());
            }
        }
        Ok(())
    }

    fn sync_dir(&self, dir: &Path) -> Result<(), StorageError> {
        let mut disk = self.alive("fsync dir", dir)?;
        if !disk.dirs.contains(dir) {
            return Err(not_found("fsync dir", dir));
        }
        disk.stats.dir_fsyncs += 1;
        if disk.fires(Fault::FsyncError) {
            return Err(os_error("fsync dir", dir, errno::EIO));
        }
        let ops = disk.pending.remove(dir).unwrap_or_default();
        for op in &ops {
            Disk::apply(&mut disk.durable_names, op);
        }
        Ok(())
    }

    fn is_inline(&self) -> bool {
        true
    }

    fn delay(&self) -> Option<Duration> {
        let mut disk = self.disk.lock();
        disk.fires(Fault::SlowDisk).then_some(disk.slow)
    }

    fn sync_delay(&self) -> Option<Duration> {
        let scripted = self.disk.lock().fsync_latencies.pop_front();
        scripted.or_else(|| self.delay())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PathBuf {
        PathBuf::from(s)
    }

    fn disk_with_dir(seed: u64) -> SimStorage {
        let sim = SimStorage::new(seed);
        sim.create_dir_all(&p("/d")).unwrap();
        sim
    }

    #[test]
    fn unsynced_bytes_are_kept_apart_from_durable_ones() {
        let sim = disk_with_dir(1);
        let file = sim.create(&p("/d/a")).unwrap();
        file.append(b"hello ").unwrap();
        file.sync().unwrap();
        sim.sync_dir(&p("/d")).unwrap();
        file.append(b"world").unwrap();
        assert_eq!(sim.read(&p("/d/a")).unwrap(), b"hello world");
        assert_eq!(sim.durable_contents(&p("/d/a")).unwrap(), b"hello ");
        let sim = sim.crash(CrashMode::DropUnsynced);
        assert_eq!(sim.read(&p("/d/a")).unwrap(), b"hello ");
    }

    #[test]
    fn crash_can_keep_everything_written() {
        let sim = disk_with_dir(1);
        let file = sim.create(&p("/d/a")).unwrap();
        file.append(b"abc").unwrap();
        let sim = sim.crash(CrashMode::KeepUnsynced);
        assert_eq!(sim.read(&p("/d/a")).unwrap(), b"abc");
    }

    #[test]
    fn a_file_never_made_durable_in_its_directory_vanishes() {
        let sim = disk_with_dir(1);
        let file = sim.create(&p("/d/a")).unwrap();
        file.append(b"abc").unwrap();
        file.sync().unwrap();
        let sim = sim.crash(CrashMode::DropUnsynced);
        assert!(!sim.exists(&p("/d/a")).unwrap());
    }

    #[test]
    fn seeded_crashes_tear_prefixes_and_replay_the_same() {
        let outcomes = |seed: u64| -> Vec<Vec<u8>> {
            let mut sim = disk_with_dir(seed);
            let file = sim.create(&p("/d/a")).unwrap();
            sim.sync_dir(&p("/d")).unwrap();
            let mut seen = Vec::new();
            for _ in 0..20 {
                let file = sim.open_append(&p("/d/a")).unwrap();
                file.append(b"0123456789").unwrap();
                sim = sim.crash(CrashMode::Seeded);
                seen.push(sim.read(&p("/d/a")).unwrap());
            }
            drop(file);
            seen
        };
        let first = outcomes(7);
        assert_eq!(first, outcomes(7), "same seed, same crashes");
        let lens: BTreeSet<usize> = first.windows(2).map(|w| w[1].len() - w[0].len()).collect();
        assert!(lens.contains(&0), "some crash dropped the tail: {lens:?}");
        assert!(lens.contains(&10), "some crash kept the tail: {lens:?}");
        assert!(
            lens.iter().any(|&n| n > 0 && n < 10),
            "some crash tore the tail: {lens:?}"
        );
        for w in first.windows(2) {
            assert!(w[1].starts_with(&w[0]), "durable bytes never change");
        }
    }

    #[test]
    fn rename_is_atomic_and_durable_after_the_directory_fsync() {
        let renamed = |seed: u64| {
            let sim = disk_with_dir(seed);
            for (name, text) in [("/d/m", b"old"), ("/d/m.tmp", b"new")] {
                let file = sim.create(&p(name)).unwrap();
                file.append(text).unwrap();
                file.sync().unwrap();
            }
            sim.sync_dir(&p("/d")).unwrap();
            sim.rename(&p("/d/m.tmp"), &p("/d/m")).unwrap();
            assert_eq!(sim.read(&p("/d/m")).unwrap(), b"new");
            sim
        };
        for seed in 0..20 {
            let sim = renamed(seed);
            let sim = sim.crash(CrashMode::Seeded);
            let m = sim.read(&p("/d/m")).unwrap();
            let tmp = sim.exists(&p("/d/m.tmp")).unwrap();
            assert!(
                (m == b"old" && tmp) || (m == b"new" && !tmp),
                "a rename is all or nothing"
            );
        }
        let sim = renamed(0);
        sim.sync_dir(&p("/d")).unwrap();
        let sim = sim.crash(CrashMode::DropUnsynced);
        assert_eq!(sim.read(&p("/d/m")).unwrap(), b"new");
        assert!(!sim.exists(&p("/d/m.tmp")).unwrap());
    }

    #[test]
    fn a_failed_fsync_drops_the_dirty_pages_and_a_later_fsync_lies() {
        let sim = disk_with_dir(1);
        let file = sim.create(&p("/d/a")).unwrap();
        sim.sync_dir(&p("/d")).unwrap();
        file.append(b"safe").unwrap();
        file.sync().unwrap();
        file.append(b"LOST").unwrap();
        sim.fail_next(Fault::FsyncError);
        let error = file.sync().unwrap_err();
        assert_eq!(error.reason(), "Input/output error");
        assert_eq!(sim.read(&p("/d/a")).unwrap(), b"safeLOST", "still cached");
        file.append(b"more").unwrap();
        assert!(file.sync().is_err(), "the handle's latch remembers");
        let reopened = sim.open_append(&p("/d/a")).unwrap();
        reopened
            .sync()
            .expect("a handle opened since reports success");
        assert_eq!(
            sim.durable_contents(&p("/d/a")).unwrap(),
            b"safe\0\0\0\0more",
            "over zeros where the dropped pages were"
        );
        assert_eq!(sim.stats().injected(Fault::FsyncError), 1);
    }

    #[test]
    fn a_writeback_failure_is_reported_once_to_every_handle_open_before_it() {
        let sim = disk_with_dir(1);
        let first = sim.create(&p("/d/a")).unwrap();
        let second = sim.open_append(&p("/d/a")).unwrap();
        first.append(b"LOST").unwrap();
        sim.fail_next(Fault::FsyncError);
        assert!(first.sync().is_err(), "its own fsync failed");
        assert_eq!(
            second.sync().unwrap_err().reason(),
            "Input/output error",
            "fdatasync flushes the inode: another handle's failure is its too"
        );
        assert!(second.sync().is_err(), "and its latch keeps it");
        assert_eq!(sim.stats().injected(Fault::FsyncError), 1);
        let later = sim.open_append(&p("/d/a")).unwrap();
        later
            .sync()
            .expect("reported already when this handle was opened");
    }

    #[test]
    fn write_faults_fail_as_the_os_does() {
        let sim = disk_with_dir(5);
        let file = sim.create(&p("/d/a")).unwrap();
        sim.fail_next(Fault::WriteError);
        assert_eq!(
            file.append(b"x").unwrap_err().reason(),
            "Input/output error"
        );
        sim.fail_next(Fault::DiskFull);
        assert_eq!(
            file.append(b"x").unwrap_err().reason(),
            "No space left on device"
        );
        assert_eq!(sim.read(&p("/d/a")).unwrap(), b"");
        sim.fail_next(Fault::TornWrite);
        assert!(file.append(b"0123456789").is_err());
        let torn = sim.read(&p("/d/a")).unwrap();
        assert!(torn.len() < 10 && b"0123456789".starts_with(&torn));
        file.truncate(0).unwrap();
        sim.set_capacity(Some(4));
        let error = file.append(b"abcdef").unwrap_err();
        assert_eq!(error.reason(), "No space left on device");
        assert_eq!(
            sim.read(&p("/d/a")).unwrap(),
            b"abcd",
            "what fits is written"
        );
    }

    #[test]
    fn handles_from_before_a_crash_are_dead() {
        let sim = disk_with_dir(1);
        let file = sim.create(&p("/d/a")).unwrap();
        sim.sync_dir(&p("/d")).unwrap();
        let rebooted = sim.crash(CrashMode::KeepUnsynced);
        assert_eq!(
            sim.read(&p("/d/a")).unwrap_err().source.raw_os_error(),
            Some(errno::EIO),
            "the crashed process can do nothing"
        );
        assert!(rebooted.read(&p("/d/a")).is_ok());
        assert_eq!(
            file.append(b"x").unwrap_err().source.raw_os_error(),
            Some(errno::EBADF)
        );
    }

    #[test]
    fn slow_disk_asks_for_a_delay_and_probabilities_are_seeded() {
        let sim = SimStorage::new(9);
        assert_eq!(sim.delay(), None);
        sim.set_slow_latency(Duration::from_millis(30));
        sim.fail_next(Fault::SlowDisk);
        assert_eq!(sim.delay(), Some(Duration::from_millis(30)));
        let fired = |seed| {
            let sim = SimStorage::new(seed);
            sim.set_probability(Fault::SlowDisk, 0.5);
            (0..64).map(|_| sim.delay().is_some()).collect::<Vec<_>>()
        };
        assert_eq!(fired(4), fired(4));
        assert_ne!(fired(4), fired(5));
        assert_eq!(Fault::from_name("TORN_WRITE"), Some(Fault::TornWrite));
    }

    #[test]
    fn missing_parents_and_files_are_not_found() {
        let sim = SimStorage::new(1);
        assert_eq!(
            sim.create(&p("/nope/a")).err().map(|e| e.kind()),
            Some(io::ErrorKind::NotFound)
        );
        assert!(!sim.exists(&p("/a")).unwrap());
        assert_eq!(
            sim.read(&p("/a")).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }
}
