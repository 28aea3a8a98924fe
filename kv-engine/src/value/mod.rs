//! Values: what a key holds. One module per Redis type.
//!
//! Collections are boxed so a `Value` stays two words wide; the string type
//! keeps integers unboxed, as Redis's `int` encoding does.

pub mod arena_map;
mod ends_buf;
pub mod hash;
pub mod intset;
pub mod list;
mod packed;
pub mod set;
pub mod string;
pub mod zset;
mod zset_tree;

pub use hash::HashValue;
pub use list::ListValue;
pub use set::SetValue;
pub use string::StrValue;
pub use zset::ZSetValue;

/// The value stored under a key.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(StrValue),
    List(Box<ListValue>),
    Hash(Box<HashValue>),
    Set(Box<SetValue>),
    ZSet(Box<ZSetValue>),
}

impl Value {
    /// True for a collection with no elements left (which Redis deletes).
    pub fn is_empty_collection(&self) -> bool {
        match self {
            Value::Str(_) => false,
            Value::List(l) => l.is_empty(),
            Value::Hash(h) => h.is_empty(),
            Value::Set(s) => s.is_empty(),
            Value::ZSet(z) => z.is_empty(),
        }
    }

    /// Bytes this value holds on the heap, in O(1): its box, if boxed, and
    /// the blocks inside, each as the allocator charges it (`charged`).
    /// Inline: every store measures the value it replaces and the one it
    /// puts, and those are mostly strings with nothing on the heap.
    #[inline]
    pub fn heap_bytes(&self) -> usize {
        match self {
            Value::Str(StrValue::Int(_) | StrValue::OwnInt(_) | StrValue::Small { .. }) => 0,
            _ => self.boxed_heap_bytes(),
        }
    }

    /// `heap_bytes` of a value with heap blocks.
    fn boxed_heap_bytes(&self) -> usize {
        use crate::memory::charged;
        use std::mem::size_of;
        match self {
            Value::Str(StrValue::Int(_) | StrValue::OwnInt(_) | StrValue::Small { .. }) => 0,
            Value::Str(StrValue::Fixed(bytes)) => charged(bytes.len()),
            Value::Str(StrValue::Growable(bytes)) => {
                charged(size_of::<Vec<u8>>()) + charged(bytes.capacity())
            }
            Value::List(l) => charged(size_of::<ListValue>()) + l.heap_bytes(),
            Value::Hash(h) => charged(size_of::<HashValue>()) + h.heap_bytes(),
            Value::Set(s) => charged(size_of::<SetValue>()) + s.heap_bytes(),
            Value::ZSet(z) => charged(size_of::<ZSetValue>()) + z.heap_bytes(),
        }
    }

    /// The name TYPE replies with.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// redis-server 7.0.15's `MEMORY USAGE key SAMPLES 0` for the
    /// collections the `collections` bench builds (element `i` is
    /// `member:i`; hash values `value:i`, zset scores and set_int members
    /// `i`), less the 40 bytes Redis counts for its key (its sds and
    /// dictEntry): what the value alone costs Redis.
    const REDIS_VALUE_BYTES: [(&str, usize, usize); 7] = [
        ("list", 100, 1416 - 40),
        ("list", 1000, 12464 - 40),
        ("list", 100_000, 1398512 - 40),
        ("hash", 100, 2616 - 40),
        ("set_int", 100, 280 - 40),
        ("set_str", 100, 5136 - 40),
        ("zset", 100, 1592 - 40),
    ];

    fn build(kind: &str, n: usize) -> Value {
        let member = |i: usize| format!("member:{i}").into_bytes();
        match kind {
            "list" => {
                let mut l = ListValue::new();
                (0..n).for_each(|i| l.push_back(&member(i)));
                Value::List(Box::new(l))
            }
            "hash" => {
                let mut h = HashValue::new();
                for i in 0..n {
                    h.insert(&member(i), format!("value:{i}").as_bytes());
                }
                Value::Hash(Box::new(h))
            }
            "set_int" | "set_str" => {
                let mut s = SetValue::new();
                for i in 0..n {
                    let m = if kind == "set_int" {
                        i.to_string().into_bytes()
                    } else {
                        member(i)
                    };
                    s.insert(&m);
                }
                Value::Set(Box::new(s))
            }
            _ => {
                let mut z = ZSetValue::new();
                (0..n).for_each(|i| {
                    z.insert(&member(i), i as f64);
                });
                Value::ZSet(Box::new(z))
            }
        }
    }

    #[test]
    fn collections_cost_no_more_than_in_redis() {
        for (kind, n, redis) in REDIS_VALUE_BYTES {
            let ours = build(kind, n).heap_bytes();
            assert!(ours <= redis, "{kind} of {n}: {ours} bytes, Redis {redis}");
        }
    }
}
