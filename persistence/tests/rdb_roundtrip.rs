//! Property tests: any keyspace saved and loaded again is the same
//! keyspace (values, encodings, expiries, databases) under every option
//! combination, and any value survives DUMP then RESTORE.

mod rdb_support;

use kv_engine::harness::Session;
use kv_engine::value::{HashValue, ListValue, SetValue, StrValue, Value, ZSetValue};
use kv_engine::EngineConfig;
use persistence::rdb::{self, LoadOptions, SaveOptions, ValueOptions};
use proptest::collection::{btree_map, btree_set, vec};
use proptest::prelude::*;
use rdb_support::{content_of, snapshot_of_engine};

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..max),
        any::<i64>().prop_map(|n| n.to_string().into_bytes()),
        // Compressible: few distinct bytes.
        vec(b'a'..b'c', 0..max * 8),
    ]
}

fn score() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<i32>().prop_map(f64::from),
        any::<f64>().prop_filter("no NaN in sorted sets", |s| !s.is_nan()),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        (-1000i32..1000).prop_map(|n| f64::from(n) / 8.0),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let config = EngineConfig::default();
    let (hash_limits, zset_limits) = (config.hash_limits(), config.zset_limits());
    let max_intset = config.set_max_intset_entries;
    prop_oneof![
        any::<i64>().prop_map(|n| Value::Str(StrValue::Int(n))),
        bytes(200).prop_map(|b| Value::Str(StrValue::from_bytes(&b))),
        vec(bytes(40), 1..400).prop_map(|items| {
            let mut list = ListValue::new();
            items.iter().for_each(|i| list.push_back(i));
            Value::List(Box::new(list))
        }),
        btree_map(bytes(20), bytes(90), 1..200).prop_map(move |pairs| {
            let mut hash = HashValue::new();
            for (f, v) in &pairs {
                hash.insert_limited(f, v, hash_limits);
            }
            Value::Hash(Box::new(hash))
        }),
        prop_oneof![
            btree_set(
                any::<i64>().prop_map(|n| n.to_string().into_bytes()),
                1..700
            ),
            btree_set(bytes(30), 1..200),
        ]
        .prop_map(move |members| {
            let mut set = SetValue::new();
            members.iter().for_each(|m| {
                set.insert_limited(m, max_intset);
            });
            Value::Set(Box::new(set))
        }),
        btree_map(bytes(80), score(), 1..300).prop_map(move |pairs| {
            let mut zset = ZSetValue::new();
            for (m, s) in &pairs {
                zset.insert_limited(m, *s, zset_limits);
            }
            Value::ZSet(Box::new(zset))
        }),
    ]
}

fn encoding(value: &Value) -> &'static str {
    match value {
        Value::Str(text) => text.encoding(),
        Value::List(l) => l.encoding(),
        Value::Hash(h) => h.encoding(),
        Value::Set(s) => s.encoding(),
        Value::ZSet(z) => z.encoding(),
    }
}

type Keyspace = Vec<(usize, Vec<u8>, Value, Option<i64>)>;

fn keyspace() -> impl Strategy<Value = Keyspace> {
    vec(
        (
            0usize..4,
            vec(any::<u8>(), 0..30),
            value(),
            proptest::option::of(any::<i64>()),
        ),
        0..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn save_then_load_is_the_same_keyspace(
        entries in keyspace(),
        compression in any::<bool>(),
        checksum in any::<bool>(),
        fill in prop_oneof![Just(-2i64), Just(-1), Just(1), Just(5), Just(128)],
    ) {
        let mut before = Session::new();
        for (db, key, value, expiry) in entries {
            before.engine.restore_entry(db, &key, value, expiry);
        }
        let options = SaveOptions {
            values: ValueOptions { compression, list_max_listpack_size: fill },
            checksum,
            ..SaveOptions::default()
        };
        let (bytes, saved) = rdb::save(&before.engine, Vec::new(), options).unwrap();
        prop_assert_eq!(saved.bytes, bytes.len() as u64);
        let mut after = Session::new();
        let report = rdb::load(&bytes[..], &mut after.engine, LoadOptions::default()).unwrap();
        prop_assert_eq!(report.bytes, bytes.len() as u64);
        prop_assert_eq!(report.keys_loaded, saved.keys);
        prop_assert_eq!(snapshot_of_engine(&after.engine, i64::MIN), snapshot_of_engine(&before.engine, i64::MIN));
        for db in 0..before.engine.databases() {
            for (key, value, _) in before.engine.db(db).iter() {
                let loaded = after.engine.db(db).get(key).unwrap();
                prop_assert_eq!(encoding(loaded), encoding(value));
            }
        }
    }

    #[test]
    fn dump_then_restore_is_the_same_value(value in value(), compression in any::<bool>()) {
        let options = ValueOptions { compression, ..ValueOptions::default() };
        let payload = rdb::dump_value_with(&value, options);
        let restored = rdb::restore_value(&payload, &EngineConfig::default()).unwrap();
        prop_assert_eq!(content_of(&restored), content_of(&value));
        prop_assert_eq!(encoding(&restored), encoding(&value));
    }
}

/// An AOF with an RDB preamble: the loader stops right after the RDB's
/// checksum and hands the reader back there, so the commands after it can
/// be replayed; and a preamble's expired keys load (Redis loads them too).
#[test]
fn an_aof_tail_after_the_rdb_stays_in_the_reader() {
    let mut session = Session::new();
    session
        .engine
        .restore_entry(0, b"k", Value::Str(StrValue::Int(1)), Some(5));
    let options = SaveOptions {
        aof_base: true,
        ..SaveOptions::default()
    };
    let (mut file, _) = rdb::save(&session.engine, Vec::new(), options).unwrap();
    let rdb_len = file.len();
    file.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
    let reader = std::io::BufReader::with_capacity(16, &file[..]);
    let mut loaded = Session::new();
    let config = loaded.engine.config().clone();
    let (report, mut rest) = rdb::load_with(
        reader,
        &config,
        LoadOptions {
            skip_expired_before: None,
            verify_checksum: true,
        },
        &mut rdb::EngineLoader::new(&mut loaded.engine),
    )
    .unwrap();
    assert_eq!(report.bytes as usize, rdb_len);
    assert_eq!(report.aux("aof-base"), Some(&b"1"[..]));
    assert_eq!(
        report.keys_loaded, 1,
        "expired, yet loaded: a preamble is loaded whole"
    );
    let mut tail = Vec::new();
    std::io::Read::read_to_end(&mut rest, &mut tail).unwrap();
    assert_eq!(tail, b"*1\r\n$4\r\nPING\r\n");
}
