//! Any bytes into the AOF loader's two parsers. An even first byte: the
//! manifest parser, which never panics, and whatever it accepts writes out
//! and parses again to the same manifest. An odd first byte: an incr file
//! replayed into an engine in loading mode, as recovery does it; never a
//! panic, and when the file ends in a truncated command, replaying only the
//! part before it (what `aof-load-truncated` repairs the file to) ends
//! cleanly in the same keyspace.
#![no_main]

#[path = "same_keyspace.rs"]
mod same_keyspace;

use bytes::Bytes;
use kv_engine::harness::Session;
use libfuzzer_sys::fuzz_target;
use persistence::aof::manifest::Manifest;
use persistence::aof::replay::{replay, Replayed};
use same_keyspace::assert_same_keyspace;

fn replayed(data: &[u8]) -> Option<(Session, Replayed)> {
    let mut session = Session::new();
    session.engine.set_loading(true);
    let done = replay(&mut session.engine, Bytes::copy_from_slice(data), 0).ok()?;
    Some((session, done))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        let Ok(manifest) = Manifest::parse(rest) else {
            return;
        };
        let again = Manifest::parse(&manifest.to_bytes()).expect("a written manifest parses");
        assert_eq!(again, manifest);
        return;
    }
    let Some((whole, done)) = replayed(rest) else {
        return;
    };
    let Some(cut) = done.truncated_at else {
        return;
    };
    let (repaired, again) = replayed(&rest[..cut]).expect("the part before the cut replays");
    assert_eq!(again.truncated_at, None, "the repaired file ends cleanly");
    assert_same_keyspace(&whole.engine, &repaired.engine);
});
