//! A recovery while a call on the file it replaces still hangs, on the
//! real disk (its writer threads run beside the actor, as in production):
//! nothing on the new file waits for the old file's calls.

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

/// The real disk, the first incremental file gated.
fn gated_disk(gate: &Arc<Gate>) -> Arc<dyn Storage> {
    let gate = gate.clone();
    Arc::new(WrappedReal::new(move |file| {
        if file.path().ends_with("appendonly.aof.1.incr.aof") {
            let gate = gate.clone();
            Arc::new(GatedFile { inner: file, gate }) as Arc<dyn StorageFile>
        } else {
            file
        }
    }))
}

/// An older group's fsync fails while a newer one's hangs; the recovery
/// writes a fresh base into new files meanwhile. A write after it is
/// acknowledged once the new file's fsync covers it, while the old
/// file's fsync still hangs (it was published only after that fsync
/// ended, and never if it hung for good), and a shutdown does not wait
/// for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_fsync_on_the_replaced_file_holds_up_nothing_on_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let config = PersistenceConfig {
        dir: dir.path().to_path_buf(),
        appendonly: true,
        appendfsync: FsyncPolicy::Always,
        ..PersistenceConfig::default()
    };
    let gate = Arc::new(Gate::default());
    let disk = gated_disk(&gate);
    let options = persistence::DurabilityOptions::default();
    let node = Node::start(&config, disk, options, support::NOW_MS).await;
    let written = node
        .write(&mut ClientState::new(1), &words("SET a 1"))
        .await;
    assert!(matches!(written, Written::Ok(..)), "{written:?}");

    gate.update(|s| s.armed = true);
    let (b, c) = (words("SET b 2"), words("SET c 3"));
    let (mut client_b, mut client_c) = (ClientState::new(2), ClientState::new(3));
    let (first, second) = tokio::join!(node.write(&mut client_b, &b), async {
        // Once the first group is appending, so the second is a group
        // of its own.
        while gate.state.lock().appends == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        node.write(&mut client_c, &c).await
    });
    assert!(first.error().is_some(), "{first:?}");
    assert!(second.error().is_some(), "{second:?}");
    // The second group's fsync hangs (its thread may still be between
    // its append and its fsync when the failure is published).
    let second_sync = tokio::time::timeout(PATIENCE, async {
        while gate.state.lock().syncs < 2 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
    assert!(second_sync.is_ok(), "the second group's fsync began");

    let recovered = tokio::time::timeout(PATIENCE, async {
        while node.durability.misconf().is_some() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(recovered.is_ok(), "recovered while the old fsync hangs");
    let written = tokio::time::timeout(
        Duration::from_secs(5),
        node.write(&mut ClientState::new(4), &words("SET d 4")),
    )
    .await;
    assert!(
        matches!(written, Ok(Written::Ok(..))),
        "acknowledged on the new file while the old file's fsync hangs: {written:?}"
    );
    assert!(!gate.state.lock().released, "it still hangs");

    // A shutdown does not wait for the call hung on the replaced file.
    // (Well before the gate gives up on its own, after PATIENCE.)
    let stopped = tokio::time::timeout(Duration::from_secs(5), node.durability.shutdown()).await;
    assert!(
        matches!(stopped, Ok(Ok(()))),
        "shut down while the old fsync hangs: {stopped:?}"
    );
    assert!(!gate.state.lock().released, "it still hangs");
    gate.update(|s| s.released = true);
    let storage: Arc<dyn Storage> = Arc::new(RealStorage);
    let options = persistence::DurabilityOptions::default();
    let again = Node::start(&config, storage, options, support::NOW_MS).await;
    assert_eq!(again.dump(), node.dump());
    again.durability.shutdown().await.unwrap();
}
