//! Bad input: truncation at every offset of a small file, every single-bit
//! flip with the checksum on (always an error) and off (never a panic),
//! the same for DUMP payloads, and the refusals with their texts (magic,
//! version, duplicate key, db out of range, modules, streams).

use kv_engine::harness::Session;
use kv_engine::value::{HashValue, ListValue, SetValue, StrValue, Value, ZSetValue};
use kv_engine::EngineConfig;
use persistence::rdb::{self, crc64, LoadOptions, RdbErrorKind, SaveOptions, ValueOptions};

/// A small engine holding one value of every encoding we write.
fn sample() -> Session {
    let mut session = Session::new();
    let engine = &mut session.engine;
    engine.restore_entry(0, b"int", Value::Str(StrValue::Int(-70_000)), None);
    engine.restore_entry(
        0,
        b"text",
        Value::Str(StrValue::from_bytes(&b"xyz".repeat(20))),
        Some(5_000_000),
    );
    let mut list = ListValue::new();
    for i in 0..30 {
        list.push_back(format!("e{i}").as_bytes());
    }
    engine.restore_entry(0, b"list", Value::List(Box::new(list)), None);
    let mut hash = HashValue::new();
    hash.insert(b"f", b"v");
    hash.insert(b"n", b"12");
    engine.restore_entry(1, b"hash", Value::Hash(Box::new(hash)), None);
    let mut ints = SetValue::new();
    ints.insert(b"5");
    ints.insert(b"-100000");
    engine.restore_entry(1, b"ints", Value::Set(Box::new(ints)), None);
    let mut strings = SetValue::new();
    strings.insert(b"a");
    strings.insert(b"b");
    engine.restore_entry(2, b"strings", Value::Set(Box::new(strings)), None);
    let mut zset = ZSetValue::new();
    zset.insert(b"m", 1.5);
    zset.insert(b"n", -3.0);
    engine.restore_entry(2, b"zset", Value::ZSet(Box::new(zset)), None);
    session
}

fn sample_file(checksum: bool) -> Vec<u8> {
    let options = SaveOptions {
        values: ValueOptions::default(),
        checksum,
        ..SaveOptions::default()
    };
    rdb::save(&sample().engine, Vec::new(), options).unwrap().0
}

fn load(bytes: &[u8]) -> Result<rdb::RdbReport, rdb::RdbError> {
    rdb::load(bytes, &mut Session::new().engine, LoadOptions::default())
}

#[test]
fn the_sample_loads_whole() {
    let report = load(&sample_file(true)).unwrap();
    assert_eq!(report.keys_loaded, 7);
}

#[test]
fn truncation_at_every_offset_is_an_error_at_or_before_the_cut() {
    let file = sample_file(true);
    for cut in 0..file.len() {
        let err = load(&file[..cut]).expect_err(&format!("a file cut at {cut} loaded"));
        assert!(
            err.offset <= cut as u64,
            "cut at {cut}, error at {}: {err}",
            err.offset
        );
        assert!(
            matches!(
                err.kind,
                RdbErrorKind::Truncated(_) | RdbErrorKind::Corrupt(_)
            ),
            "cut at {cut}: {err}"
        );
    }
}

#[test]
fn every_bit_flip_is_caught_with_the_checksum_on() {
    let file = sample_file(true);
    for at in 0..file.len() {
        for bit in 0..8 {
            let mut bad = file.clone();
            bad[at] ^= 1 << bit;
            assert!(
                load(&bad).is_err(),
                "flip of bit {bit} at {at} went unnoticed"
            );
        }
    }
}

#[test]
fn bit_flips_without_a_checksum_never_panic() {
    let file = sample_file(false);
    let mut errors = 0;
    for at in 0..file.len() {
        for bit in 0..8 {
            let mut bad = file.clone();
            bad[at] ^= 1 << bit;
            errors += usize::from(load(&bad).is_err());
        }
    }
    // Most flips break the structure; some (inside a string) load a
    // different value, which only a checksum could catch.
    assert!(
        errors > file.len(),
        "{errors} errors in {} flips",
        file.len() * 8
    );
}

#[test]
fn dump_payloads_survive_truncation_and_flips() {
    let config = EngineConfig::default();
    let session = sample();
    for db in 0..3 {
        for (_, value, _) in session.engine.db(db).iter() {
            let payload = rdb::dump_value(value);
            for cut in 0..payload.len() {
                assert!(rdb::restore_value(&payload[..cut], &config).is_err());
            }
            for at in 0..payload.len() {
                let mut bad = payload.clone();
                bad[at] ^= 0x10;
                assert!(rdb::restore_value(&bad, &config).is_err(), "flip at {at}");
                // The same damage with a recomputed checksum reaches the
                // decoder: an error or a value, never a panic.
                let body = bad.len() - 8;
                let crc = crc64::checksum(&bad[..body]);
                bad[body..].copy_from_slice(&crc.to_le_bytes());
                let _ = rdb::restore_value(&bad, &config);
            }
        }
    }
}

/// A file of the given records between the header and EOF (checksum 0).
fn file_of(version: &[u8; 4], records: &[u8]) -> Vec<u8> {
    let mut file = b"REDIS".to_vec();
    file.extend_from_slice(version);
    file.extend_from_slice(records);
    file.push(0xff);
    file.extend_from_slice(&[0; 8]);
    file
}

#[test]
fn refusals_say_what_and_where() {
    let err = load(b"RADIS0010").unwrap_err();
    assert!(matches!(err.kind, RdbErrorKind::BadMagic), "{err}");
    let err = load(&file_of(b"0011", &[])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "RDB error at byte 5: RDB version 11 is newer than 10, the newest this server can read"
    );
    let err = load(&file_of(b"00x1", &[])).unwrap_err();
    assert!(matches!(err.kind, RdbErrorKind::BadVersion(_)), "{err}");
    // SET a 1 twice.
    let twice = [0, 1, b'a', 0xc0, 1, 0, 1, b'a', 0xc0, 2];
    let err = load(&file_of(b"0010", &twice)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "RDB error at byte 19 (key \"a\" in db 0): the key appears twice in db 0"
    );
    let err = load(&file_of(b"0010", &[0xfe, 16])).unwrap_err();
    assert!(
        matches!(
            err.kind,
            RdbErrorKind::DbOutOfRange {
                db: 16,
                databases: 16
            }
        ),
        "{err}"
    );
    let err = load(&file_of(b"0010", &[7, 1, b'm', 0])).unwrap_err();
    assert!(
        err.to_string().contains("a module value is not supported"),
        "{err}"
    );
    let err = load(&file_of(b"0010", &[19, 1, b's', 0])).unwrap_err();
    assert!(
        err.to_string().contains("a stream value is not supported"),
        "{err}"
    );
    let err = load(&file_of(b"0010", &[0xf7, 0])).unwrap_err();
    assert!(err.to_string().contains("module auxiliary data"), "{err}");
    let err = load(&file_of(b"0010", &[42, 1, b'k'])).unwrap_err();
    assert!(err.to_string().contains("unknown value type 42"), "{err}");
    // A function library is skipped and counted, the rest loads.
    let report = load(&file_of(
        b"0010",
        &[0xf5, 3, b'l', b'i', b'b', 0, 1, b'k', 0xc0, 1],
    ))
    .unwrap();
    assert_eq!((report.functions_skipped, report.keys_loaded), (1, 1));
    // An empty collection (a zero-length set) is skipped, as Redis does.
    let report = load(&file_of(b"0010", &[2, 1, b'e', 0])).unwrap();
    assert_eq!((report.empty_skipped, report.keys_loaded), (1, 0));
    // A list claiming 2^62 elements on a short file: an error, no huge
    // allocation.
    let err = load(&file_of(
        b"0010",
        &[1, 1, b'l', 0x81, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, b'x'],
    ))
    .unwrap_err();
    assert!(err.to_string().contains("key \"l\""), "{err}");
}

#[test]
fn a_wrong_checksum_names_both_values() {
    let mut file = sample_file(true);
    let n = file.len();
    file[n - 1] ^= 0x80;
    let err = load(&file).unwrap_err();
    assert!(err.is_checksum(), "{err}");
    assert_eq!(err.offset, n as u64);
    let lenient = LoadOptions {
        verify_checksum: false,
        ..LoadOptions::default()
    };
    let report = rdb::load(&file[..], &mut Session::new().engine, lenient).unwrap();
    assert_eq!(report.checksum, rdb::Checksum::NotChecked);
}
