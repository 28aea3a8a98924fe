//! The check two fuzz targets share: two engines hold the same keys,
//! values and expiries in every database.

use kv_engine::Engine;

pub fn assert_same_keyspace(a: &Engine, b: &Engine) {
    for db in 0..a.databases() {
        let (a, b) = (a.db(db), b.db(db));
        assert_eq!(a.len(), b.len(), "db {db}");
        for (key, value, expiry) in a.iter() {
            assert_eq!(b.get(key), Some(value), "db {db} key {key:?}");
            assert_eq!(b.expire_at(key), expiry, "db {db} key {key:?}");
        }
    }
}
