//! Startup recovery on the simulated disk: which files load, in which
//! order, how truncation and corruption are handled, and the upgrade of a
//! pre-7.0 single-file AOF. File layouts follow what redis-server 7.0.15
//! writes (see the interop tests for the real thing).

mod support;

use persistence::recovery::{LoadedFile, RecoveryError, RecoverySource};
use persistence::storage::sim::SimStorage;
use persistence::{recover, PersistenceConfig, Storage};
use std::path::{Path, PathBuf};
use support::{aof_bytes, dump, new_engine, put, run_all};

const MANIFEST: &str = "/data/appendonlydir/appendonly.aof.manifest";

fn config(appendonly: bool) -> PersistenceConfig {
    PersistenceConfig {
        dir: PathBuf::from("/data"),
        appendonly,
        ..PersistenceConfig::default()
    }
}

fn disk() -> SimStorage {
    let sim = SimStorage::new(1);
    sim.create_dir_all(Path::new("/data/appendonlydir"))
        .unwrap();
    sim
}

fn aof_file(name: &str) -> PathBuf {
    Path::new("/data/appendonlydir").join(name)
}

fn standard_aof(sim: &SimStorage, base: &[&str], incr: &[&str]) {
    put(
        sim,
        Path::new(MANIFEST),
        b"file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
    );
    put(
        sim,
        &aof_file("appendonly.aof.1.base.aof"),
        &aof_bytes(base),
    );
    put(
        sim,
        &aof_file("appendonly.aof.1.incr.aof"),
        &aof_bytes(incr),
    );
}

#[test]
fn nothing_to_load_is_an_empty_start() {
    let sim = disk();
    for appendonly in [false, true] {
        let (mut engine, _, _) = new_engine();
        let report = recover(&config(appendonly), &sim, &mut engine).unwrap();
        assert_eq!(report.source, RecoverySource::Empty);
        assert_eq!(report.keys, 0);
    }
}

#[test]
fn appendonly_yes_ignores_dump_rdb_as_redis_does() {
    let sim = disk();
    put(&sim, Path::new("/data/dump.rdb"), b"REDIS0010garbage");
    let (mut engine, _, _) = new_engine();
    let report = recover(&config(true), &sim, &mut engine).unwrap();
    assert_eq!(report.source, RecoverySource::Empty);
}

/// An RDB as our engine writes it, of data built 10 s before NOW_MS (so
/// keys may carry expiries that have passed by NOW_MS).
fn rdb_of(commands: &[&str]) -> Vec<u8> {
    let (mut engine, _, clock) = new_engine();
    clock.set(support::NOW_MS - 10_000);
    run_all(&mut engine, commands);
    let (bytes, _) = persistence::rdb::save(&engine, Vec::new(), Default::default()).unwrap();
    bytes
}

#[test]
fn appendonly_no_loads_dump_rdb_skipping_expired_keys() {
    let sim = disk();
    let past = support::NOW_MS - 1000;
    let expired = format!("PEXPIREAT gone {past}");
    put(
        &sim,
        Path::new("/data/dump.rdb"),
        &rdb_of(&["SET a 1", "SET gone 2", &expired, "SELECT 2", "RPUSH l x"]),
    );
    let (mut engine, deltas, _) = new_engine();
    let report = recover(&config(false), &sim, &mut engine).unwrap();
    assert_eq!(report.source, RecoverySource::Rdb);
    assert_eq!(report.keys, 2);
    assert_eq!((report.rdb_keys_loaded, report.rdb_keys_expired), (2, 1));
    assert!(engine.db(2).contains(b"l"));
    assert!(deltas.take().is_empty());
}

#[test]
fn a_damaged_dump_rdb_stops_startup_naming_it() {
    let sim = disk();
    let mut data = rdb_of(&["SET a 1"]);
    let last = data.len() - 1;
    data[last] ^= 0xff;
    put(&sim, Path::new("/data/dump.rdb"), &data);
    let (mut engine, _, _) = new_engine();
    let error = recover(&config(false), &sim, &mut engine).unwrap_err();
    assert!(matches!(error, RecoveryError::Rdb { .. }), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("Bad RDB data in /data/dump.rdb: RDB error at byte"),
        "{error}"
    );
}

#[test]
fn an_rdb_base_then_incrementals_load() {
    let sim = disk();
    put(
        &sim,
        Path::new(MANIFEST),
        b"file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
    );
    // Expired keys in a base load (Redis loads an AOF's RDB whole).
    let past = format!("PEXPIREAT old {}", support::NOW_MS - 1000);
    put(
        &sim,
        &aof_file("appendonly.aof.1.base.rdb"),
        &rdb_of(&["SET a 1", "SET old 1", &past]),
    );
    put(
        &sim,
        &aof_file("appendonly.aof.1.incr.aof"),
        &aof_bytes(&["SELECT 0", "RPUSH a2 x"]),
    );
    let (mut engine, _, _) = new_engine();
    let report = recover(&config(true), &sim, &mut engine).unwrap();
    assert_eq!(report.rdb_keys_loaded, 2);
    assert_eq!(report.files[1].commands, 2);
    assert!(engine.db(0).contains(b"old"));
    assert!(engine.db(0).contains(b"a2"));
}

#[test]
fn an_old_aof_with_an_rdb_preamble_loads_both_parts() {
    let sim = SimStorage::new(1);
    let mut data = rdb_of(&["SET fromrdb 1"]);
    data.extend(aof_bytes(&["SELECT 0", "SET fromaof 1"]));
    put(&sim, Path::new("/data/appendonly.aof"), &data);
    let (mut engine, _, _) = new_engine();
    let report = recover(&config(true), &sim, &mut engine).unwrap();
    assert!(report.upgraded_legacy_aof);
    assert_eq!(report.keys, 2);
}

#[test]
fn base_then_incrementals_load_without_emitting_deltas() {
    let sim = disk();
    standard_aof(
        &sim,
        &[
            "SELECT 0",
            "SET a 1",
            "RPUSH l x y",
            "PEXPIREAT a 1800000000000",
        ],
        &[
            "SELECT 0",
            "SET b 2",
            "SELECT 5",
            "HSET h f v",
            "SELECT 0",
            "DEL l",
        ],
    );
    let (mut engine, deltas, _) = new_engine();
    let report = recover(&config(true), &sim, &mut engine).unwrap();
    assert_eq!(report.source, RecoverySource::Aof);
    assert_eq!(report.keys, 3);
    assert_eq!(
        report
            .files
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>(),
        ["appendonly.aof.1.base.aof", "appendonly.aof.1.incr.aof"]
    );
    assert!(deltas.take().is_empty(), "replay emits nothing");
    assert_eq!(engine.dirty(), 0);

    let (mut expected, _, _) = new_engine();
    run_all(
        &mut expected,
        &[
            "SET a 1",
            "PEXPIREAT a 1800000000000",
            "SET b 2",
            "SELECT 5",
            "HSET h f v",
        ],
    );
    assert_eq!(dump(&engine), dump(&expected));
    assert_eq!(engine.db(0).expire_at(b"a"), Some(1_800_000_000_000));

    run_all(&mut engine, &["SET after 1"]);
    assert_eq!(deltas.take().len(), 1, "the owner's sink is back");
}

#[test]
fn nothing_expires_mid_replay_as_in_redis() {
    // h got a TTL that has passed by the time we recover, and a field
    // written before that TTL came: the file's truth is one hash with both
    // fields, expired. Expiring mid-replay would resurrect a one-field
    // hash with no TTL.
    let sim = disk();
    let past = support::NOW_MS - 5000;
    let expire = format!("PEXPIREAT h {past}");
    standard_aof(&sim, &[], &["HSET h f v", &expire, "HSET h g w"]);
    let (mut engine, _, _) = new_engine();
    recover(&config(true), &sim, &mut engine).unwrap();
    let entries: Vec<_> = engine
        .db(0)
        .iter()
        .map(|(k, _, at)| (k.to_vec(), at))
        .collect();
    assert_eq!(entries, [(b"h".to_vec(), Some(past))]);
    let kv_engine::value::Value::Hash(h) = engine.db(0).get(b"h").unwrap() else {
        panic!("a hash");
    };
    assert_eq!(h.len(), 2);
    assert_eq!(engine.now_ms(), support::NOW_MS, "the real clock is back");
    run_all(&mut engine, &["RPUSH probe x"]);
    assert!(
        engine.db(0).is_expired(b"h", engine.now_ms()),
        "and h is expired now"
    );
}

#[test]
fn a_command_that_fails_on_replay_stops_startup() {
    let sim = disk();
    standard_aof(&sim, &[], &["SET a 1", "RPUSH a x"]);
    let (mut engine, _, _) = new_engine();
    let error = recover(&config(true), &sim, &mut engine).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Command failed replaying the append only file appendonly.aof.1.incr.aof at offset 27: \
         -WRONGTYPE Operation against a key holding the wrong kind of value"
    );
}

#[test]
fn a_truncated_last_command_is_dropped_and_the_file_repaired() {
    let sim = disk();
    standard_aof(&sim, &[], &["SET a 1"]);
    let incr = aof_file("appendonly.aof.1.incr.aof");
    let good = sim.len(&incr).unwrap();
    let cut = b"*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$3\r\n12";
    sim.open_append(&incr).unwrap().append(cut).unwrap();
    let (mut engine, _, _) = new_engine();
    let report = recover(&config(true), &sim, &mut engine).unwrap();
    assert_eq!(
        report.files[1],
        LoadedFile {
            name: "appendonly.aof.1.incr.aof".into(),
            bytes: good + cut.len() as u64,
            commands: 1,
            truncated_to: Some(good),
        }
    );
    assert_eq!(report.keys, 1);
    assert_eq!(
        sim.len(&incr).unwrap(),
        good,
        "file cut at the last whole command"
    );

    let (mut engine, _, _) = new_engine();
    let report = recover(&config(true), &sim, &mut engine).unwrap();
    assert_eq!(report.files[1].truncated_to, None, "repaired for good");
}

#[test]
fn an_unclosed_multi_at_the_end_is_reverted() {
    let sim = disk();
    standard_aof(&sim, &[], &["SET a 1", "MULTI", "SET b 2"]);
    let (mut engine, _, _) = new_engine();
    let report = recover(&config(true), &sim, &mut engine).unwrap();
    assert_eq!(report.keys, 1);
    assert_eq!(
        report.files[1].truncated_to,
        Some(aof_bytes(&["SET a 1"]).len() as u64)
    );
}

#[test]
fn truncation_is_fatal_when_not_allowed_or_not_in_the_last_file() {
    let sim = disk();
    standard_aof(&sim, &["SET a 1"], &["SET b 2"]);
    let base = aof_file("appendonly.aof.1.base.aof");
    sim.open_append(&base)
        .unwrap()
        .append(b"*2\r\n$3\r\nDEL")
        .unwrap();
    let (mut engine, _, _) = new_engine();
    let error = recover(&config(true), &sim, &mut engine).unwrap_err();
    assert!(
        matches!(&error, RecoveryError::TruncatedNotLast { file, offset: 27 } if file == "appendonly.aof.1.base.aof"),
        "{error}"
    );

    let sim = disk();
    standard_aof(&sim, &[], &["SET b 2"]);
    let incr = aof_file("appendonly.aof.1.incr.aof");
    sim.open_append(&incr).unwrap().append(b"*2\r\n").unwrap();
    let strict = PersistenceConfig {
        aof_load_truncated: false,
        ..config(true)
    };
    let (mut engine, _, _) = new_engine();
    let error = recover(&strict, &sim, &mut engine).unwrap_err();
    assert!(
        matches!(error, RecoveryError::Truncated { offset: 27, .. }),
        "{error}"
    );
    assert!(error
        .to_string()
        .contains("appendonly.aof.1.incr.aof at offset 27"));
    assert_eq!(sim.len(&incr).unwrap(), 31, "nothing cut when not allowed");
}

#[test]
fn corruption_names_the_file_and_offset() {
    let sim = disk();
    standard_aof(&sim, &[], &["SET a 1"]);
    let incr = aof_file("appendonly.aof.1.incr.aof");
    let file = sim.open_append(&incr).unwrap();
    file.append(b"garbage\r\n").unwrap();
    file.append(&aof_bytes(&["SET c 1"])).unwrap();
    let (mut engine, _, _) = new_engine();
    let error = recover(&config(true), &sim, &mut engine).unwrap_err();
    assert!(
        matches!(&error, RecoveryError::Corrupt { file, offset: 27, .. } if file == "appendonly.aof.1.incr.aof"),
        "{error}"
    );
    assert!(error.to_string().starts_with(
        "Bad file format reading the append only file appendonly.aof.1.incr.aof at offset 27"
    ));

    let sim = disk();
    standard_aof(&sim, &[], &["SET a 1", "FROB a"]);
    let (mut engine, _, _) = new_engine();
    let error = recover(&config(true), &sim, &mut engine).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Unknown command 'FROB' reading the append only file appendonly.aof.1.incr.aof at offset 27"
    );
}

#[test]
fn a_missing_file_or_a_bad_manifest_stops_startup() {
    let sim = disk();
    standard_aof(&sim, &[], &[]);
    sim.remove(&aof_file("appendonly.aof.1.incr.aof")).unwrap();
    let (mut engine, _, _) = new_engine();
    let error = recover(&config(true), &sim, &mut engine).unwrap_err();
    assert_eq!(
        error.to_string(),
        "The AOF file appendonly.aof.1.incr.aof listed in the manifest doesn't exist"
    );

    put(&sim, Path::new(MANIFEST), b"file x seq 1 type q\n");
    let error = recover(&config(true), &sim, &mut engine).unwrap_err();
    assert!(matches!(error, RecoveryError::Manifest(_)), "{error}");
    assert!(
        error.to_string().contains("unknown AOF file type 'q'"),
        "{error}"
    );
}

#[test]
fn a_pre_7_0_single_file_aof_is_upgraded_as_redis_does() {
    let sim = SimStorage::new(1);
    put(
        &sim,
        Path::new("/data/appendonly.aof"),
        &aof_bytes(&["SELECT 0", "SET old 1"]),
    );
    let (mut engine, _, _) = new_engine();
    let report = recover(&config(true), &sim, &mut engine).unwrap();
    assert!(report.upgraded_legacy_aof);
    assert_eq!(report.keys, 1);
    assert!(!sim.exists(Path::new("/data/appendonly.aof")).unwrap());
    assert!(sim.exists(&aof_file("appendonly.aof")).unwrap());
    // What redis-server 7.0.15 wrote when it upgraded the same file.
    assert_eq!(
        sim.read(Path::new(MANIFEST)).unwrap(),
        b"file appendonly.aof seq 1 type b\n"
    );

    // An upgrade cut between the move and the manifest is finished.
    let sim = SimStorage::new(1);
    put(
        &sim,
        &aof_file("appendonly.aof"),
        &aof_bytes(&["SET moved 1"]),
    );
    let (mut engine, _, _) = new_engine();
    let report = recover(&config(true), &sim, &mut engine).unwrap();
    assert!(report.upgraded_legacy_aof);
    assert_eq!(report.keys, 1);
}
