//! Values: what a key holds. One module per Redis type.
//!
//! Collections are boxed so a `Value` stays two words wide; the string type
//! keeps integers unboxed, as Redis's `int` encoding does.

pub mod arena_map;
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
    pub fn heap_bytes(&self) -> usize {
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
