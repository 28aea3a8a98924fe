//! A recovery while a call on the file it replaces still hangs (an fsync,
//! an append), on the real disk (its writer threads run beside the actor,
//! as in production): nothing on the new file waits for the old file's
//! calls.

mod support;

use kv_engine::ClientState;
use parking_lot::{Condvar, Mutex};
use persistence::storage::wrapped::WrappedReal;
use persistence::storage::{StorageError, StorageFile};
use persistence::{FsyncPolicy, PersistenceConfig, RealStorage, Storage};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use support::{words, Node, Written};

/// How long any wait of the test may take before it counts as hung.
const PATIENCE: Duration = Duration::from_secs(20);

/// What the gated file has seen since the test armed it.
#[derive(Default)]
struct GateState {
    armed: bool,
    appends: u32,
    /// Each writer thread's last append, numbered (a group appends and
    /// fsyncs on one thread).
    appended_by: Vec<(std::thread::ThreadId, u32)>,
    syncs: u32,
    released: bool,
    /// `HungAppendFile`: its second append hangs now.
    hanging: bool,
    /// `HungAppendFile`: its first fsync may fail now.
    fail_now: bool,
}

#[derive(Default)]
struct Gate {
    state: Mutex<GateState>,
    changed: Condvar,
}

impl Gate {
    fn update(&self, change: impl FnOnce(&mut GateState)) {
        change(&mut self.state.lock());
        self.changed.notify_all();
    }

    /// Waits (on the writer's thread) until `ready`; false after `PATIENCE`.
    fn wait_for(&self, ready: impl Fn(&GateState) -> bool) -> bool {
        let mut state = self.state.lock();
        let deadline = std::time::Instant::now() + PATIENCE;
        while !ready(&state) {
            if self.changed.wait_until(&mut state, deadline).timed_out() {
                return false;
            }
        }
        true
    }
}

/// The first incremental file, once armed: the fsync of its first group
/// waits for a second append (a second group in flight), then fails; the
/// second group's hangs until the test lets it go.
struct GatedFile {
    inner: Arc<dyn StorageFile>,
    gate: Arc<Gate>,
}

impl StorageFile for GatedFile {
    fn append(&self, bytes: &[u8]) -> Result<(), StorageError> {
        self.inner.append(bytes)?;
        self.gate.update(|s| {
            if s.armed {
                s.appends += 1;
                let me = std::thread::current().id();
                s.appended_by.retain(|(thread, _)| *thread != me);
                s.appended_by.push((me, s.appends));
            }
        });
        Ok(())
    }

    fn sync(&self) -> Result<(), StorageError> {
        let mut nth = 0;
        self.gate.update(|s| {
            if s.armed {
                s.syncs += 1;
                let me = std::thread::current().id();
                nth = s
                    .appended_by
                    .iter()
                    .find(|(t, _)| *t == me)
                    .map_or(0, |(_, n)| *n);
            }
        });
        let eio = || StorageError::new("fsync", self.path(), std::io::Error::from_raw_os_error(5));
        match nth {
            1 => {
                assert!(
                    self.gate.wait_for(|s| s.appends >= 2),
                    "a second group appended"
                );
                Err(eio())
            }
            2 => {
                self.gate.wait_for(|s| s.released);
                Err(eio())
            }
            _ => self.inner.sync(),
        }
    }

    fn truncate(&self, len: u64) -> Result<(), StorageError> {
        self.inner.truncate(len)
    }

    fn path(&self) -> &Path {
        self.inner.path()
    }
}

/// The first incremental file, once armed: the second group's append
/// hangs until the test lets it go (a third group waits behind it); the
/// first group's fsync fails once the test says so.
struct HungAppendFile {
    inner: Arc<dyn StorageFile>,
    gate: Arc<Gate>,
}

impl StorageFile for HungAppendFile {
    fn append(&self, bytes: &[u8]) -> Result<(), StorageError> {
        let mut nth = 0;
        self.gate.update(|s| {
            if s.armed {
                s.appends += 1;
                nth = s.appends;
                s.hanging |= nth == 2;
            }
        });
        if nth == 2 {
            self.gate.wait_for(|s| s.released);
        }
        self.inner.append(bytes)
    }

    fn sync(&self) -> Result<(), StorageError> {
        let mut nth = 0;
        self.gate.update(|s| {
            if s.armed {
                s.syncs += 1;
                nth = s.syncs;
            }
        });
        if nth == 1 {
            assert!(self.gate.wait_for(|s| s.fail_now), "told to fail");
            let eio = std::io::Error::from_raw_os_error(5);
            return Err(StorageError::new("fsync", self.path(), eio));
        }
        self.inner.sync()
    }

    fn truncate(&self, len: u64) -> Result<(), StorageError> {
        self.inner.truncate(len)
    }

    fn path(&self) -> &Path {
        self.inner.path()
    }
}

/// Wraps the first incremental file in a gated one.
type Gated = fn(Arc<dyn StorageFile>, Arc<Gate>) -> Arc<dyn StorageFile>;

/// The real disk, the first incremental file gated by `gated`.
fn gated_disk(gate: &Arc<Gate>, gated: Gated) -> Arc<dyn Storage> {
    let gate = gate.clone();
    Arc::new(WrappedReal::new(move |file| {
        if file.path().ends_with("appendonly.aof.1.incr.aof") {
            gated(file, gate.clone())
        } else {
            file
        }
    }))
}

/// A node under `always` on the real disk, its first incremental file
/// gated, with `SET a 1` written before the gate is armed.
struct GatedNode {
    _dir: tempfile::TempDir,
    config: PersistenceConfig,
    gate: Arc<Gate>,
    node: Node,
}

impl GatedNode {
    async fn start(gated: Gated) -> GatedNode {
        let dir = tempfile::tempdir().unwrap();
        let config = PersistenceConfig {
            dir: dir.path().to_path_buf(),
            appendonly: true,
            appendfsync: FsyncPolicy::Always,
            ..PersistenceConfig::default()
        };
        let gate = Arc::new(Gate::default());
        let disk = gated_disk(&gate, gated);
        let options = persistence::DurabilityOptions::default();
        let node = Node::start(&config, disk, options, support::NOW_MS).await;
        let written = node
            .write(&mut ClientState::new(1), &words("SET a 1"))
            .await;
        assert!(matches!(written, Written::Ok(..)), "{written:?}");
        gate.update(|s| s.armed = true);
        GatedNode {
            _dir: dir,
            config,
            gate,
            node,
        }
    }

    /// Waits until the gate's state is `ready`.
    async fn until(&self, ready: fn(&GateState) -> bool) {
        let waited = tokio::time::timeout(PATIENCE, async {
            while !ready(&self.gate.state.lock()) {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await;
        assert!(waited.is_ok(), "the gate got there");
    }

    /// Waits until the recovery lifted MISCONF (the gated call still
    /// hangs).
    async fn recovered(&self) {
        let recovered = tokio::time::timeout(PATIENCE, async {
            while self.node.durability.misconf().is_some() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        assert!(recovered.is_ok(), "recovered while the old call hangs");
        assert!(!self.gate.state.lock().released, "it still hangs");
    }

    /// `line` is acknowledged within seconds.
    async fn acknowledged(&self, id: u64, line: &str) {
        let written = tokio::time::timeout(
            Duration::from_secs(5),
            self.node.write(&mut ClientState::new(id), &words(line)),
        )
        .await;
        assert!(
            matches!(written, Ok(Written::Ok(..))),
            "{line} acknowledged on the new file while the old call hangs: {written:?}"
        );
    }

    /// A shutdown that does not wait for the call hung on the replaced
    /// file (well before the gate gives up on its own, after PATIENCE),
    /// then a restart on the plain disk that loads what the node holds.
    async fn shut_down_and_reload(self) {
        let stopped =
            tokio::time::timeout(Duration::from_secs(5), self.node.durability.shutdown()).await;
        assert!(
            matches!(stopped, Ok(Ok(()))),
            "shut down while the old call hangs: {stopped:?}"
        );
        assert!(!self.gate.state.lock().released, "it still hangs");
        self.gate.update(|s| s.released = true);
        let storage: Arc<dyn Storage> = Arc::new(RealStorage);
        let options = persistence::DurabilityOptions::default();
        let again = Node::start(&self.config, storage, options, support::NOW_MS).await;
        assert_eq!(again.dump(), self.node.dump());
        again.durability.shutdown().await.unwrap();
    }
}

/// An older group's fsync fails while a newer one's hangs; the recovery
/// writes a fresh base into new files meanwhile. A write after it is
/// acknowledged once the new file's fsync covers it, while the old
/// file's fsync still hangs (it was published only after that fsync
/// ended, and never if it hung for good), and a shutdown does not wait
/// for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_fsync_on_the_replaced_file_holds_up_nothing_on_the_new_one() {
    let gated = GatedNode::start(|inner, gate| Arc::new(GatedFile { inner, gate })).await;
    let node = &gated.node;
    let (b, c) = (words("SET b 2"), words("SET c 3"));
    let (mut client_b, mut client_c) = (ClientState::new(2), ClientState::new(3));
    let (first, second) = tokio::join!(node.write(&mut client_b, &b), async {
        // Once the first group is appending, so the second is a group
        // of its own.
        gated.until(|s| s.appends >= 1).await;
        node.write(&mut client_c, &c).await
    });
    assert!(first.error().is_some(), "{first:?}");
    assert!(second.error().is_some(), "{second:?}");
    // The second group's fsync hangs (its thread may still be between
    // its append and its fsync when the failure is published).
    gated.until(|s| s.syncs >= 2).await;
    gated.recovered().await;
    gated.acknowledged(4, "SET d 4").await;
    gated.shut_down_and_reload().await;
}

/// Recovers a node from a failed fsync of its first file while the
/// append of a later group on that file hangs, with a third group
/// waiting behind it.
async fn hang_an_old_append() -> GatedNode {
    let gated = GatedNode::start(|inner, gate| Arc::new(HungAppendFile { inner, gate })).await;
    let node = &gated.node;
    let (b, c, e) = (words("SET b 2"), words("SET c 3"), words("SET e 5"));
    let mut clients = [2, 3, 5].map(ClientState::new);
    let [client_b, client_c, client_e] = &mut clients;
    let (first, second, third, ()) = tokio::join!(
        node.write(client_b, &b),
        async {
            // Once the first group is appending: a group of its own.
            gated.until(|s| s.appends >= 1).await;
            node.write(client_c, &c).await
        },
        async {
            // Once the second hangs in its append: it waits behind.
            gated.until(|s| s.hanging).await;
            node.write(client_e, &e).await
        },
        async {
            gated.until(|s| s.hanging).await;
            // The third group is handed over meanwhile.
            tokio::time::sleep(Duration::from_millis(200)).await;
            gated.gate.update(|s| s.fail_now = true);
        },
    );
    for written in [first, second, third] {
        assert!(written.error().is_some(), "{written:?}");
    }
    gated.recovered().await;
    gated
}

/// A group's append hangs on the file a recovery replaced, another group
/// waiting behind it: writes on the new file are acknowledged meanwhile
/// (a thread appends to the new file while the other hangs on the old
/// one, and the old file's waiting group is dropped unwritten).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_append_on_the_replaced_file_holds_up_nothing_on_the_new_one() {
    let hung = hang_an_old_append().await;
    for (id, line) in [(10, "SET d 4"), (11, "SET f 6"), (12, "INCR d")] {
        hung.acknowledged(id, line).await;
    }
    assert!(!hung.gate.state.lock().released, "it still hangs");
    hung.shut_down_and_reload().await;
}

/// A rewrite after that recovery switches files while the old append
/// still hangs, a write on the new file in flight as it asks: the switch
/// waits for no call on the replaced file (`switch_incr`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rewrite_switches_files_while_an_append_on_a_replaced_file_hangs() {
    let hung = hang_an_old_append().await;
    let rewrites = hung.node.durability.status().aof_rewrites;
    let (mut client, line) = (ClientState::new(10), words("SET d 4"));
    let (written, rewritten) = tokio::join!(
        tokio::time::timeout(Duration::from_secs(5), hung.node.write(&mut client, &line)),
        tokio::time::timeout(Duration::from_secs(5), async {
            hung.node.durability.rewrite().await.unwrap();
            loop {
                let status = hung.node.durability.status();
                if status.aof_rewrites > rewrites && !status.aof_rewrite_in_progress {
                    break status.aof_last_bgrewrite_ok;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }),
    );
    assert!(
        matches!(rewritten, Ok(true)),
        "rewritten while the old append hangs: {rewritten:?}"
    );
    assert!(matches!(written, Ok(Written::Ok(..))), "{written:?}");
    hung.acknowledged(11, "SET f 6").await;
    assert!(!hung.gate.state.lock().released, "it still hangs");
    hung.shut_down_and_reload().await;
}
