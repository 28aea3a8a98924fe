//! The AOF switched at run time, on the real binary and a real disk,
//! against Debian's redis-server 7.0.15:
//! - BGREWRITEAOF with appendonly no, CONFIG SET appendonly yes and no:
//!   the same replies, the same INFO persistence fields, the same files and
//!   manifests as Redis's, step by step;
//! - writers running while the AOF is switched on with `appendfsync
//!   always`, a SIGKILL at a seeded moment: after a restart every
//!   acknowledged write is there, and redis-check-aof accepts the files;
//! - CONFIG SET appendfsync from everysec to always takes effect at once:
//!   a SIGKILL then loses no acknowledged write;
//! - CONFIG SET dir with the AOF on: writes go on to the open incremental
//!   file in the old directory, the next rewrite puts its files and
//!   manifest in the new one and leaves the old one as it was; restarts
//!   on either directory find what Redis's find;
//! - CONFIG SET dir to a directory where the AOF cannot go: BGREWRITEAOF
//!   fails alone, with Redis's reply and INFO, and writes go on (with
//!   the AOF off too, where CONFIG SET appendonly yes is refused).

mod support;

use bytes::Bytes;
use rand::{Rng, SeedableRng};
use resp_codec::Frame;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::process::{redis_available, temp_dir, Conn, Process};

fn ok() -> Frame {
    Frame::Simple(Bytes::from_static(b"OK"))
}

fn info_value(conn: &mut Conn, name: &str) -> Option<String> {
    info_values(conn, &[name]).pop().flatten()
}

/// Fields of one INFO persistence reply: read together, they are of one
/// moment (two INFOs can straddle a scheduled rewrite's start).
fn info_values(conn: &mut Conn, names: &[&str]) -> Vec<Option<String>> {
    let Frame::Bulk(text) = conn.call(&["INFO", "persistence"]) else {
        panic!("INFO is a bulk string");
    };
    let text = String::from_utf8_lossy(&text);
    let value = |name: &str| {
        text.lines().find_map(|line| {
            line.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(':'))
                .map(|v| v.trim().to_string())
        })
    };
    names.iter().map(|name| value(name)).collect()
}

/// Waits until no AOF rewrite runs (or is scheduled).
fn rewrite_finished(conn: &mut Conn) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let running = info_values(conn, &["aof_rewrite_in_progress", "aof_rewrite_scheduled"])
            .iter()
            .any(|v| v.as_deref() == Some("1"));
        if !running {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the AOF rewrite did not finish");
}

/// BGREWRITEAOF, started and finished.
fn rewrite(conn: &mut Conn) {
    assert_eq!(
        conn.call(&["BGREWRITEAOF"]),
        Frame::Simple(Bytes::from_static(
            b"Background append only file rewriting started"
        ))
    );
    rewrite_finished(conn);
}

/// The AOF directory's file names and the manifest's text.
fn aof_files(dir: &Path) -> (Vec<String>, String) {
    let aof = dir.join("appendonlydir");
    let mut names: Vec<String> = std::fs::read_dir(&aof)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let manifest = std::fs::read_to_string(aof.join("appendonly.aof.manifest")).unwrap_or_default();
    (names, manifest)
}

/// The INFO persistence fields a switch changes, as both servers report
/// them once nothing runs (sizes and times differ by design).
const COMPARED: &[&str] = &[
    "aof_enabled",
    "aof_rewrite_in_progress",
    "aof_rewrite_scheduled",
    "aof_last_bgrewrite_status",
    "aof_rewrites",
    "aof_rewrites_consecutive_failures",
    "aof_last_write_status",
    "aof_pending_rewrite",
];

fn compared_fields(conn: &mut Conn) -> Vec<(String, Option<String>)> {
    let values = info_values(conn, COMPARED);
    COMPARED
        .iter()
        .map(|name| name.to_string())
        .zip(values)
        .collect()
}

/// redis-check-aof accepts the AOF in `dir` (`context` names the moment).
fn assert_redis_check_aof(dir: &Path, context: &str) {
    let check = std::process::Command::new("redis-check-aof")
        .arg(dir.join("appendonlydir/appendonly.aof.manifest"))
        .output()
        .expect("redis-check-aof runs");
    assert!(
        check.status.success(),
        "{context}: {}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn switching_the_aof_at_run_time_matches_redis() {
    if !redis_available() {
        return;
    }
    let (ours_dir, redis_dir) = (temp_dir("switch-ours"), temp_dir("switch-redis"));
    let ours = Process::ours_in(&ours_dir, &[]);
    let redis = Process::redis_in(&redis_dir, &[]);
    let mut a = Conn::open(ours.port).unwrap();
    let mut b = Conn::open(redis.port).unwrap();
    let mut both = |words: &[&str]| {
        let (x, y) = (a.call(words), b.call(words));
        assert_eq!(x, y, "{words:?}");
        x
    };
    both(&["SET", "a", "1"]);
    both(&["RPUSH", "list", "x", "y"]);
    let steps: &[&[&str]] = &[
        // The AOF off: a base and a manifest naming only it.
        &["BGREWRITEAOF"],
        &["SET", "b", "2"],
        &["BGREWRITEAOF"],
        // On: a new base, an incremental file, the older files gone.
        &["CONFIG", "SET", "appendonly", "yes"],
        &["SET", "c", "3"],
        &["CONFIG", "SET", "appendonly", "yes"],
        // Off: the files stay.
        &["CONFIG", "SET", "appendonly", "no"],
        &["SET", "d", "4"],
        &["BGREWRITEAOF"],
        // On again: the numbers go on from the files before.
        &["CONFIG", "SET", "appendonly", "yes"],
        &["CONFIG", "SET", "appendfsync", "always"],
        &["SET", "e", "5"],
        &["CONFIG", "SET", "appendfsync", "no"],
        &["CONFIG", "SET", "appendfsync", "sometimes"],
    ];
    for step in steps {
        both(step);
        let mut a = Conn::open(ours.port).unwrap();
        let mut b = Conn::open(redis.port).unwrap();
        if step[0] != "SET" {
            assert_eq!(
                info_value(&mut a, "aof_enabled"),
                info_value(&mut b, "aof_enabled"),
                "after {step:?}"
            );
        }
        rewrite_finished(&mut a);
        rewrite_finished(&mut b);
        assert_eq!(
            compared_fields(&mut a),
            compared_fields(&mut b),
            "after {step:?}"
        );
        assert_eq!(
            aof_files(&ours_dir),
            aof_files(&redis_dir),
            "after {step:?}"
        );
    }
    both(&["CONFIG", "GET", "appendfsync"]);
    assert_redis_check_aof(&ours_dir, "after the switches");
    drop((ours, redis));
    // Restarted on the files, both have every key.
    let ours = Process::ours_in(&ours_dir, &["--appendonly", "yes"]);
    let mut a = Conn::open(ours.port).unwrap();
    for (key, value) in [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5")] {
        assert_eq!(
            a.call(&["GET", key]),
            Frame::bulk(value.as_bytes()),
            "{key}"
        );
    }
    assert_eq!(a.call(&["LLEN", "list"]), Frame::Integer(2));
    drop(ours);
    let _ = std::fs::remove_dir_all(ours_dir);
    let _ = std::fs::remove_dir_all(redis_dir);
}

#[test]
fn config_set_dir_moves_the_aof_at_the_next_rewrite_as_redis_does() {
    if !redis_available() {
        return;
    }
    let dirs = |label: &str| {
        (
            temp_dir(&format!("{label}-old")),
            temp_dir(&format!("{label}-new")),
        )
    };
    let (ours_old, ours_new) = dirs("movedir-ours");
    let (redis_old, redis_new) = dirs("movedir-redis");
    let args = ["--appendonly", "yes", "--enable-protected-configs", "yes"];
    let ours = Process::ours_in(&ours_old, &args);
    let redis = Process::redis_in(&redis_old, &args);
    let mut a = Conn::open(ours.port).unwrap();
    let mut b = Conn::open(redis.port).unwrap();
    let same_files = |step: &str| {
        assert_eq!(
            aof_files(&ours_old),
            aof_files(&redis_old),
            "old dir after {step}"
        );
        assert_eq!(
            aof_files(&ours_new),
            aof_files(&redis_new),
            "new dir after {step}"
        );
    };
    assert_eq!(a.call(&["SET", "k1", "1"]), ok());
    assert_eq!(b.call(&["SET", "k1", "1"]), ok());
    let (new_a, new_b) = (
        ours_new.display().to_string(),
        redis_new.display().to_string(),
    );
    assert_eq!(a.call(&["CONFIG", "SET", "dir", &new_a]), ok());
    assert_eq!(b.call(&["CONFIG", "SET", "dir", &new_b]), ok());
    let dir_of = |conn: &mut Conn| match conn.call(&["CONFIG", "GET", "dir"]) {
        Frame::Array(items) => items[1].clone(),
        other => panic!("CONFIG GET dir: {other:?}"),
    };
    assert_eq!(dir_of(&mut a), Frame::bulk(new_a.as_bytes()));
    assert_eq!(dir_of(&mut b), Frame::bulk(new_b.as_bytes()));
    for conn in [&mut a, &mut b] {
        assert_eq!(conn.call(&["SET", "k2", "2"]), ok());
    }
    // Until a rewrite, the open incremental file in the old directory.
    same_files("SET k2");
    assert!(aof_files(&ours_new).0.is_empty());
    for conn in [&mut a, &mut b] {
        rewrite(conn);
        assert_eq!(conn.call(&["SET", "k3", "3"]), ok());
    }
    // A base, an incremental file and a manifest in the new directory,
    // numbered on from the old; the old directory untouched.
    same_files("BGREWRITEAOF and SET k3");
    let (names, manifest) = aof_files(&ours_new);
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(manifest.contains("seq 2 type b"), "{manifest}");
    assert_redis_check_aof(&ours_new, "the AOF moved");
    drop((a, b));
    drop((ours, redis));
    // Restarted on either directory, both find the same keys.
    for (ours_dir, redis_dir, present) in [
        (&ours_new, &redis_new, &["k1", "k2", "k3"][..]),
        (&ours_old, &redis_old, &["k1", "k2"][..]),
    ] {
        let ours = Process::ours_in(ours_dir, &["--appendonly", "yes"]);
        let redis = Process::redis_in(redis_dir, &["--appendonly", "yes"]);
        let mut a = Conn::open(ours.port).unwrap();
        let mut b = Conn::open(redis.port).unwrap();
        for key in ["k1", "k2", "k3"] {
            let found = a.call(&["GET", key]);
            assert_eq!(
                found,
                b.call(&["GET", key]),
                "{key} in {}",
                ours_dir.display()
            );
            assert_eq!(
                found == Frame::Null,
                !present.contains(&key),
                "{key}: {found:?}"
            );
        }
    }
    for dir in [ours_old, ours_new, redis_old, redis_new] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// BGREWRITEAOF after CONFIG SET dir to a directory where `appendonlydir`
/// cannot be created (a file of that name is in the way): Redis refuses
/// the rewrite, marks it failed in INFO without counting a rewrite or a
/// consecutive failure, and goes on appending to the old files. Back in a
/// good directory, the next rewrite works.
#[test]
fn a_rewrite_into_a_directory_that_cannot_hold_the_aof_fails_alone_as_redis_does() {
    if !redis_available() {
        return;
    }
    let dirs = |label: &str| {
        let blocked = temp_dir(&format!("{label}-blocked"));
        std::fs::write(blocked.join("appendonlydir"), b"").unwrap();
        (temp_dir(&format!("{label}-home")), blocked)
    };
    let (ours_home, ours_blocked) = dirs("baddir-ours");
    let (redis_home, redis_blocked) = dirs("baddir-redis");
    let args = ["--appendonly", "yes", "--enable-protected-configs", "yes"];
    let ours = Process::ours_in(&ours_home, &args);
    let redis = Process::redis_in(&redis_home, &args);
    let mut a = Conn::open(ours.port).unwrap();
    let mut b = Conn::open(redis.port).unwrap();
    let refused = Frame::Error(Bytes::from_static(
        b"ERR Can't execute an AOF background rewriting. Please check the server logs for more information.",
    ));
    for (conn, blocked) in [(&mut a, &ours_blocked), (&mut b, &redis_blocked)] {
        assert_eq!(conn.call(&["SET", "k1", "1"]), ok());
        let blocked = blocked.display().to_string();
        assert_eq!(conn.call(&["CONFIG", "SET", "dir", &blocked]), ok());
        assert_eq!(conn.call(&["BGREWRITEAOF"]), refused);
        assert_eq!(conn.call(&["SET", "k2", "2"]), ok(), "writes go on");
        assert_eq!(conn.call(&["BGREWRITEAOF"]), refused, "and again");
    }
    let last_rewrite = |conn: &mut Conn| info_value(conn, "aof_last_rewrite_time_sec");
    assert_eq!(compared_fields(&mut a), compared_fields(&mut b));
    assert_eq!(
        info_value(&mut a, "aof_last_bgrewrite_status").as_deref(),
        Some("err")
    );
    assert_eq!(last_rewrite(&mut a), last_rewrite(&mut b));
    // The old files took k2; nothing moved.
    assert_eq!(aof_files(&ours_home), aof_files(&redis_home));
    assert!(aof_files(&ours_home).1.contains("seq 1 type i"));
    assert_eq!(
        std::fs::read(ours_blocked.join("appendonlydir")).unwrap(),
        b""
    );
    // With the AOF off, the same refusal; and switching it on there is
    // refused too: it stays off, writes go on.
    for conn in [&mut a, &mut b] {
        assert_eq!(conn.call(&["CONFIG", "SET", "appendonly", "no"]), ok());
        assert_eq!(conn.call(&["BGREWRITEAOF"]), refused);
        assert_eq!(
            conn.call(&["CONFIG", "SET", "appendonly", "yes"]),
            Frame::Error(Bytes::from_static(
                b"ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs."
            )),
            "nor can the AOF be switched on there"
        );
        assert_eq!(
            conn.call(&["CONFIG", "GET", "appendonly"]),
            Frame::Array(vec![
                Frame::bulk(&b"appendonly"[..]),
                Frame::bulk(&b"no"[..])
            ])
        );
        assert_eq!(conn.call(&["SET", "k2", "2"]), ok());
    }
    assert_eq!(compared_fields(&mut a), compared_fields(&mut b));
    assert_eq!(info_value(&mut a, "aof_enabled").as_deref(), Some("0"));
    for (conn, home) in [(&mut a, &ours_home), (&mut b, &redis_home)] {
        let home = home.display().to_string();
        assert_eq!(conn.call(&["CONFIG", "SET", "dir", &home]), ok());
        assert_eq!(conn.call(&["CONFIG", "SET", "appendonly", "yes"]), ok());
        rewrite_finished(conn);
        rewrite(conn);
        assert_eq!(conn.call(&["SET", "k3", "3"]), ok());
    }
    assert_eq!(compared_fields(&mut a), compared_fields(&mut b));
    assert_eq!(
        info_value(&mut a, "aof_last_bgrewrite_status").as_deref(),
        Some("ok")
    );
    assert_eq!(aof_files(&ours_home), aof_files(&redis_home));
    assert_redis_check_aof(&ours_home, "rewritten at home");
    drop((a, b));
    drop((ours, redis));
    let ours = Process::ours_in(&ours_home, &["--appendonly", "yes"]);
    let mut a = Conn::open(ours.port).unwrap();
    for (key, value) in [("k1", "1"), ("k2", "2"), ("k3", "3")] {
        assert_eq!(
            a.call(&["GET", key]),
            Frame::bulk(value.as_bytes()),
            "{key}"
        );
    }
    drop(a);
    drop(ours);
    for dir in [ours_home, ours_blocked, redis_home, redis_blocked] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// A refused `CONFIG SET dir X appendonly yes` leaves the working
/// directory where it was (a later relative `dir` starts from there), and
/// while a BGSAVE runs the same switch is accepted and only scheduled, as
/// Redis checks the directory only when it can start the rewrite; then
/// the rewrite fails at every tick with writes going on (no MISCONF), and
/// runs once the directory is usable, with the same INFO fields.
#[test]
fn a_refused_switch_leaves_the_directory_and_one_behind_a_bgsave_is_scheduled_as_redis_does() {
    if !redis_available() {
        return;
    }
    let dirs = |label: &str| {
        let blocked = temp_dir(&format!("{label}-blocked"));
        std::fs::write(blocked.join("appendonlydir"), b"").unwrap();
        let home = temp_dir(&format!("{label}-home"));
        std::fs::create_dir_all(home.join("sub")).unwrap();
        (home, blocked)
    };
    let (ours_home, ours_blocked) = dirs("refdir-ours");
    let (redis_home, redis_blocked) = dirs("refdir-redis");
    let args = ["--appendonly", "no", "--enable-protected-configs", "yes"];
    let ours = Process::ours_in(&ours_home, &args);
    let redis = Process::redis_in(&redis_home, &args);
    let mut a = Conn::open(ours.port).unwrap();
    let mut b = Conn::open(redis.port).unwrap();
    let refused = Frame::Error(Bytes::from_static(
        b"ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs.",
    ));
    let dir_of = |conn: &mut Conn| match conn.call(&["CONFIG", "GET", "dir"]) {
        Frame::Array(items) => items[1].clone(),
        other => panic!("CONFIG GET dir: {other:?}"),
    };
    let (mut failing, mut switched) = (Vec::new(), Vec::new());
    let home_sub = |home: &Path| {
        let sub = home.join("sub").canonicalize().unwrap();
        Frame::bulk(sub.display().to_string().as_bytes())
    };
    for (conn, home, blocked) in [
        (&mut a, &ours_home, &ours_blocked),
        (&mut b, &redis_home, &redis_blocked),
    ] {
        let blocked_path = blocked;
        let blocked = blocked.display().to_string();
        let set = ["CONFIG", "SET", "dir", &blocked, "appendonly", "yes"];
        assert_eq!(conn.call(&set), refused);
        assert_eq!(conn.call(&["CONFIG", "SET", "dir", "sub"]), ok());
        assert_eq!(dir_of(conn), home_sub(home), "relative to the old dir");
        // Behind a BGSAVE (half a million keys take a while) it is accepted.
        let value = "v".repeat(100);
        for batch in 0..500 {
            let mut mset = vec!["MSET".to_string()];
            for i in 0..1000 {
                mset.push(format!("key:{batch}:{i}"));
                mset.push(value.clone());
            }
            let mset: Vec<&str> = mset.iter().map(String::as_str).collect();
            assert_eq!(conn.call(&mset), ok());
        }
        assert!(matches!(conn.call(&["BGSAVE"]), Frame::Simple(_)));
        assert_eq!(conn.call(&set), ok(), "scheduled behind the BGSAVE");
        assert_eq!(
            info_value(conn, "aof_enabled").as_deref(),
            Some("1"),
            "switched on"
        );
        // The BGSAVE done, the switch's rewrite fails at every tick (the
        // directory takes no file); writes go on.
        let deadline = Instant::now() + Duration::from_secs(30);
        while info_value(conn, "rdb_bgsave_in_progress").as_deref() != Some("0") {
            assert!(Instant::now() < deadline, "the BGSAVE did not finish");
            std::thread::sleep(Duration::from_millis(20));
        }
        // A small first base from here on.
        assert_eq!(conn.call(&["FLUSHALL"]), ok());
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(conn.call(&["SET", "after", "1"]), ok(), "no MISCONF");
        failing.push(compared_fields(conn));
        // The way cleared, the next try switches the AOF on.
        std::fs::remove_file(blocked_path.join("appendonlydir")).unwrap();
        rewrite_finished(conn);
        switched.push(compared_fields(conn));
        assert_eq!(conn.call(&["CONFIG", "SET", "appendonly", "no"]), ok());
    }
    assert_eq!(failing[0], failing[1], "while the switch's rewrite fails");
    assert_eq!(
        info_value(&mut a, "aof_last_write_status").as_deref(),
        Some("ok")
    );
    assert_eq!(switched[0], switched[1], "once it ran");
    drop((a, b));
    drop((ours, redis));
    for dir in [ours_home, ours_blocked, redis_home, redis_blocked] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// An `appendonlydir` that exists but takes no new file (`chattr +i`),
/// made mutable again when dropped; None where chattr is not allowed.
struct Immutable(std::path::PathBuf);

impl Immutable {
    fn make(dir: &Path) -> Option<Immutable> {
        std::fs::create_dir_all(dir).unwrap();
        let made = std::process::Command::new("chattr")
            .arg("+i")
            .arg(dir)
            .output()
            .is_ok_and(|out| out.status.success());
        made.then(|| Immutable(dir.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .output();
    }
}

/// CONFIG SET dir to a directory whose `appendonlydir` exists but cannot
/// take a file: Redis creates the new incremental file before it forks,
/// so BGREWRITEAOF is refused there and writes go on, and CONFIG SET
/// appendonly yes there is refused too.
#[test]
fn a_directory_that_exists_but_takes_no_file_fails_the_rewrite_alone_as_redis_does() {
    if !redis_available() {
        return;
    }
    let homes = [temp_dir("immutable-ours"), temp_dir("immutable-redis")];
    let blocked = [temp_dir("immutable-ours-b"), temp_dir("immutable-redis-b")];
    let guards: Vec<Immutable> = blocked
        .iter()
        .filter_map(|b| Immutable::make(&b.join("appendonlydir")))
        .collect();
    if guards.len() < 2 {
        eprintln!("chattr +i is not allowed here: skipped");
        return;
    }
    let args = ["--appendonly", "yes", "--enable-protected-configs", "yes"];
    let ours = Process::ours_in(&homes[0], &args);
    let redis = Process::redis_in(&homes[1], &args);
    let mut a = Conn::open(ours.port).unwrap();
    let mut b = Conn::open(redis.port).unwrap();
    let refused = Frame::Error(Bytes::from_static(
        b"ERR Can't execute an AOF background rewriting. Please check the server logs for more information.",
    ));
    let not_on = Frame::Error(Bytes::from_static(
        b"ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs.",
    ));
    for (conn, blocked) in [(&mut a, &blocked[0]), (&mut b, &blocked[1])] {
        assert_eq!(conn.call(&["SET", "k1", "1"]), ok());
        let blocked = blocked.display().to_string();
        assert_eq!(conn.call(&["CONFIG", "SET", "dir", &blocked]), ok());
        assert_eq!(conn.call(&["BGREWRITEAOF"]), refused);
        assert_eq!(conn.call(&["SET", "k2", "2"]), ok(), "writes go on");
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(conn.call(&["SET", "k3", "3"]), ok(), "still");
    }
    assert_eq!(compared_fields(&mut a), compared_fields(&mut b));
    assert_eq!(
        info_value(&mut a, "aof_last_write_status").as_deref(),
        Some("ok")
    );
    for conn in [&mut a, &mut b] {
        assert_eq!(conn.call(&["CONFIG", "SET", "appendonly", "no"]), ok());
        assert_eq!(conn.call(&["CONFIG", "SET", "appendonly", "yes"]), not_on);
        assert_eq!(conn.call(&["SET", "k4", "4"]), ok());
    }
    assert_eq!(compared_fields(&mut a), compared_fields(&mut b));
    drop((a, b));
    drop((ours, redis));
    drop(guards);
    for dir in homes.iter().chain(&blocked) {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// What one writer had acknowledged: SET `{prefix}:i` for i in 0..sets.
#[derive(Default)]
struct Acked {
    sets: u64,
    /// Acknowledged after the CONFIG SET appendonly yes reply.
    after_switch: u64,
}

/// Three writers `w0`..`w2` on `port`, each counting what it had acknowledged.
fn spawn_writers(port: u16, switched: &Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<Acked>> {
    (0..3)
        .map(|w| {
            let switched = switched.clone();
            std::thread::spawn(move || writer(port, format!("w{w}"), switched))
        })
        .collect()
}

fn writer(port: u16, prefix: String, switched: Arc<AtomicBool>) -> Acked {
    let mut acked = Acked::default();
    let Ok(mut conn) = Conn::open(port) else {
        return acked;
    };
    loop {
        let after = switched.load(Ordering::Acquire);
        let i = acked.sets.to_string();
        match conn.try_call(&["SET", &format!("{prefix}:{i}"), &i]) {
            Some(Frame::Simple(_)) => {
                acked.sets += 1;
                acked.after_switch += u64::from(after);
            }
            _ => return acked,
        }
    }
}

#[test]
fn writes_acknowledged_after_switching_on_survive_sigkill() {
    let seed: u64 = std::env::var("RRS_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(server::shared::random_seed);
    eprintln!("seed {seed} (RRS_CRASH_SEED={seed} repeats the kill times)");
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    for round in 0..3 {
        let dir = temp_dir("switch-kill");
        let mut server = Process::ours_in(&dir, &["--appendfsync", "always"]);
        let mut conn = Conn::open(server.port).unwrap();
        for i in 0..2000 {
            conn.call(&["SET", &format!("old:{i}"), "x"]);
        }
        let switched = Arc::new(AtomicBool::new(false));
        let writers = spawn_writers(server.port, &switched);
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..50)));
        assert_eq!(conn.call(&["CONFIG", "SET", "appendonly", "yes"]), ok());
        switched.store(true, Ordering::Release);
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..300)));
        server.kill();
        let acked: Vec<Acked> = writers.into_iter().map(|h| h.join().unwrap()).collect();
        let after: u64 = acked.iter().map(|a| a.after_switch).sum();
        if after == 0 {
            // Killed before anything was acknowledged under the AOF: with
            // no manifest yet, a restart rightly finds no AOF.
            eprintln!("round {round}: killed before the first acknowledged write");
            continue;
        }
        // An acknowledgement under `always` came after the first base was
        // installed: that base holds everything before the switch.
        assert_redis_check_aof(&dir, &format!("round {round}"));
        let server = Process::ours_in(&dir, &["--appendonly", "yes"]);
        let mut conn = Conn::open(server.port).unwrap();
        assert_eq!(conn.call(&["GET", "old:1999"]), Frame::bulk(b"x"));
        for (w, acked) in acked.iter().enumerate() {
            for i in (0..acked.sets).rev().take(200) {
                assert_eq!(
                    conn.call(&["GET", &format!("w{w}:{i}")]),
                    Frame::bulk(i.to_string().as_bytes()),
                    "round {round}: writer {w} lost acknowledged SET {i} of {}",
                    acked.sets
                );
            }
        }
        drop(server);
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn appendfsync_always_set_at_run_time_loses_nothing_acknowledged_to_sigkill() {
    let dir = temp_dir("switch-fsync");
    let mut server = Process::ours_in(&dir, &["--appendonly", "yes", "--appendfsync", "no"]);
    let mut conn = Conn::open(server.port).unwrap();
    assert_eq!(conn.call(&["CONFIG", "SET", "appendfsync", "always"]), ok());
    assert_eq!(
        conn.call(&["CONFIG", "GET", "appendfsync"]),
        Frame::Array(vec![Frame::bulk(b"appendfsync"), Frame::bulk(b"always")])
    );
    let switched = Arc::new(AtomicBool::new(true));
    let writers = spawn_writers(server.port, &switched);
    std::thread::sleep(Duration::from_millis(300));
    server.kill();
    let acked: Vec<Acked> = writers.into_iter().map(|h| h.join().unwrap()).collect();
    let server = Process::ours_in(&dir, &["--appendonly", "yes"]);
    let mut conn = Conn::open(server.port).unwrap();
    for (w, acked) in acked.iter().enumerate() {
        assert!(acked.sets > 0, "writer {w} got nothing acknowledged");
        let last = acked.sets - 1;
        assert_eq!(
            conn.call(&["GET", &format!("w{w}:{last}")]),
            Frame::bulk(last.to_string().as_bytes()),
            "writer {w}: its last acknowledged SET is lost"
        );
    }
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
