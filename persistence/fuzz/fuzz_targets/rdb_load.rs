//! Any bytes into the RDB loader (checksum not verified, so the fuzzer
//! reaches the decoders; an odd first byte puts a valid header in front):
//! it never panics, and whatever loads saves and loads again to the same
//! keyspace.
#![no_main]

use kv_engine::harness::Session;
use libfuzzer_sys::fuzz_target;
use persistence::rdb::{self, LoadOptions, SaveOptions};

fn load(bytes: &[u8]) -> Option<Session> {
    let mut session = Session::new();
    let options = LoadOptions {
        skip_expired_before: None,
        verify_checksum: false,
    };
    rdb::load(bytes, &mut session.engine, options).ok()?;
    Some(session)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut input = Vec::with_capacity(rest.len() + 9);
    if mode & 1 == 1 {
        input.extend_from_slice(b"REDIS0010");
    }
    input.extend_from_slice(rest);
    let Some(first) = load(&input) else { return };
    let (saved, _) =
        rdb::save(&first.engine, Vec::new(), SaveOptions::default()).expect("save to memory");
    let second = load(&saved).expect("what we saved loads");
    for db in 0..first.engine.databases() {
        let (a, b) = (first.engine.db(db), second.engine.db(db));
        assert_eq!(a.len(), b.len(), "db {db}");
        for (key, value, expiry) in a.iter() {
            assert_eq!(b.get(key), Some(value), "db {db} key {key:?}");
            assert_eq!(b.expire_at(key), expiry, "db {db} key {key:?}");
        }
    }
});
