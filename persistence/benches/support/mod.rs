//! Data sets shared by the RDB benchmarks.
#![allow(dead_code)]

use kv_engine::harness::Session;
use kv_engine::value::{HashValue, ListValue, StrValue, Value, ZSetValue};

/// Keys in each data set: RDB_BENCH_KEYS, 1M by default.
pub fn keys() -> usize {
    std::env::var("RDB_BENCH_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// `strings`: short string values (a third integers), as `SET key:N v`
/// loads leave. `mixed`: 70% strings, 10% each small hashes, lists and
/// sorted sets (5 elements, compact encodings).
pub fn build(kind: &str, n: usize) -> Session {
    let mut session = Session::new();
    for i in 0..n {
        let key = format!("key:{i:012}");
        let value = match (kind, i % 10) {
            ("mixed", 7) => {
                let mut h = HashValue::new();
                for f in 0..5 {
                    h.insert(
                        format!("field{f}").as_bytes(),
                        format!("value-{i}-{f}").as_bytes(),
                    );
                }
                Value::Hash(Box::new(h))
            }
            ("mixed", 8) => {
                let mut l = ListValue::new();
                for e in 0..5 {
                    l.push_back(format!("element-{e}-{i}").as_bytes());
                }
                Value::List(Box::new(l))
            }
            ("mixed", 9) => {
                let mut z = ZSetValue::new();
                for m in 0..5 {
                    z.insert(format!("member{m}").as_bytes(), (i * m) as f64 / 4.0);
                }
                Value::ZSet(Box::new(z))
            }
            (_, r) if r % 3 == 0 => Value::Str(StrValue::Int(i as i64)),
            _ => Value::Str(StrValue::from_bytes(
                format!("value-{i:08}-xxxxxxxx").as_bytes(),
            )),
        };
        session.engine.restore_entry(0, key.as_bytes(), value, None);
    }
    session
}
