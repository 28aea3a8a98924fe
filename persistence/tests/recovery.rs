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

#[test]
fn a_dump_rdb_is_not_skipped_silently_before_the_rdb_codec_lands() {
    let sim = disk();
    put(&sim, Path::new("/data/dump.rdb"), b"REDIS0010");
    let (mut engine, _, _) = new_engine();
    let error = recover(&config(false), &sim, &mut engine).unwrap_err();
    assert!(
        matches!(error, RecoveryError::RdbUnsupported { .. }),
        "{error}"
    );
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
