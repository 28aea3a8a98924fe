//! Any bytes into the RDB loader (checksum not verified, so the fuzzer
//! reaches the decoders; an odd first byte puts a valid header in front):
//! it never panics, and whatever loads saves and loads again to the same
//! keyspace.
#![no_main]

#[path = "same_keyspace.rs"]
mod same_keyspace;

use kv_engine::harness::Session;
use libfuzzer_sys::fuzz_target;
use persistence::rdb::{self, LoadOptions, SaveOptions};
use same_keyspace::assert_same_keyspace;

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
    assert_same_keyspace(&first.engine, &second.engine);
});
