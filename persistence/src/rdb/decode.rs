//! Reading one value: every type and encoding Redis 7.0 writes or still
//! loads from older files, built into the engine's value types with the
//! encodings the engine config asks for (a listpack hash past
//! `hash-max-listpack-entries` becomes a table, as Redis converts it).
//!
//! Empty collections come back as `None`: Redis skips such keys on load.
//! Duplicate members or fields are corruption, as in Redis.

use super::error::{RdbError, RdbErrorKind, RdbResult};
use super::format::*;
use super::input::{Input, RdbString};
use super::listpack::{self, Item};
use super::{intset, ziplist, zipmap};
use kv_engine::value::{HashValue, ListValue, SetValue, StrValue, Value, ZSetValue};
use kv_engine::EngineConfig;
use std::io::BufRead;

/// Reads the value of type `type_byte`; `None` for an empty collection.
pub fn read_value<R: BufRead>(
    input: &mut Input<R>,
    type_byte: u8,
    config: &EngineConfig,
) -> RdbResult<Option<Value>> {
    let value = match type_byte {
        TYPE_STRING => Value::Str(match input.string("a string value")? {
            RdbString::Int(n) => StrValue::Int(n),
            RdbString::Bytes(bytes) => StrValue::from_bytes(&bytes),
        }),
        TYPE_LIST => {
            let n = input.length("a list length")?;
            let mut list = new_list(config);
            for _ in 0..n {
                list.push_back(&input.string_bytes("a list element")?);
            }
            Value::List(Box::new(list))
        }
        TYPE_SET => {
            let n = input.length("a set length")?;
            let mut set = SetValue::new();
            for _ in 0..n {
                let member = input.string_bytes("a set member")?;
                if !set.insert_limited(&member, config.set_max_intset_entries) {
                    return Err(input.corrupt("duplicate set members"));
                }
            }
            Value::Set(Box::new(set))
        }
        TYPE_ZSET | TYPE_ZSET_2 => {
            let n = input.length("a sorted set length")?;
            let limits = config.zset_limits();
            let hint = usize::try_from(n).unwrap_or(usize::MAX);
            let mut zset = ZSetValue::with_hint(hint, 0, limits);
            for _ in 0..n {
                let member = input.string_bytes("a sorted set member")?;
                let score = if type_byte == TYPE_ZSET_2 {
                    f64::from_le_bytes(input.array("a binary score")?)
                } else {
                    old_double(input)?
                };
                if score.is_nan() {
                    return Err(input.corrupt("a sorted set score is NaN"));
                }
                if zset.insert_limited(&member, score, limits).is_some() {
                    return Err(input.corrupt("duplicate sorted set members"));
                }
            }
            Value::ZSet(Box::new(zset))
        }
        TYPE_HASH => {
            let n = input.length("a hash length")?;
            let limits = config.hash_limits();
            let mut hash = HashValue::new();
            for _ in 0..n {
                let field = input.string_bytes("a hash field")?;
                let value = input.string_bytes("a hash value")?;
                if !hash.insert_limited(&field, &value, limits) {
                    return Err(input.corrupt("duplicate hash fields"));
                }
            }
            Value::Hash(Box::new(hash))
        }
        TYPE_HASH_ZIPMAP => {
            let (blob, at) = blob(input, "a zipmap")?;
            let pairs = zipmap::decode(&blob).map_err(|e| inside(at, "zipmap", e))?;
            let limits = config.hash_limits();
            let mut hash = HashValue::new();
            for (field, value) in pairs {
                if !hash.insert_limited(field, value, limits) {
                    return Err(inside(at, "zipmap", "duplicate hash fields".into()));
                }
            }
            Value::Hash(Box::new(hash))
        }
        TYPE_LIST_ZIPLIST => {
            let (blob, at) = blob(input, "a ziplist")?;
            let mut list = new_list(config);
            ziplist::for_each(&blob, |item| {
                push_item(&mut list, item);
                Ok(())
            })
            .map_err(|e| inside(at, "ziplist", e))?;
            Value::List(Box::new(list))
        }
        TYPE_SET_INTSET => {
            let (blob, at) = blob(input, "an intset")?;
            let members = intset::decode(&blob).map_err(|e| inside(at, "intset", e))?;
            let mut set = SetValue::new();
            let mut scratch = [0u8; 20];
            for n in members {
                let text = resp_codec::encode::format_i64(&mut scratch, n);
                set.insert_limited(text, config.set_max_intset_entries);
            }
            Value::Set(Box::new(set))
        }
        TYPE_SET_LISTPACK => {
            let (blob, at) = blob(input, "a listpack")?;
            let mut set = SetValue::new();
            listpack::for_each(&blob, |item| {
                let mut scratch = [0u8; 20];
                if set.insert_limited(item.bytes(&mut scratch), config.set_max_intset_entries) {
                    Ok(())
                } else {
                    Err("duplicate set members".into())
                }
            })
            .map_err(|e| inside(at, "listpack", e))?;
            Value::Set(Box::new(set))
        }
        TYPE_ZSET_ZIPLIST | TYPE_ZSET_LISTPACK => {
            let (blob, at) = blob(input, "a packed sorted set")?;
            let name = if type_byte == TYPE_ZSET_ZIPLIST {
                "ziplist"
            } else {
                "listpack"
            };
            let zset = packed_zset(&blob, type_byte == TYPE_ZSET_ZIPLIST, config)
                .map_err(|e| inside(at, name, e))?;
            Value::ZSet(Box::new(zset))
        }
        TYPE_HASH_ZIPLIST | TYPE_HASH_LISTPACK => {
            let (blob, at) = blob(input, "a packed hash")?;
            let name = if type_byte == TYPE_HASH_ZIPLIST {
                "ziplist"
            } else {
                "listpack"
            };
            let hash = packed_hash(&blob, type_byte == TYPE_HASH_ZIPLIST, config)
                .map_err(|e| inside(at, name, e))?;
            Value::Hash(Box::new(hash))
        }
        TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => {
            let nodes = input.length("a quicklist node count")?;
            let mut list = new_list(config);
            for _ in 0..nodes {
                let container = if type_byte == TYPE_LIST_QUICKLIST_2 {
                    input.length("a quicklist node container")?
                } else {
                    QUICKLIST_NODE_PACKED
                };
                match container {
                    QUICKLIST_NODE_PLAIN => list.push_back(&input.string_bytes("a list element")?),
                    QUICKLIST_NODE_PACKED => {
                        let (blob, at) = blob(input, "a quicklist node")?;
                        let push = |item| {
                            push_item(&mut list, item);
                            Ok(())
                        };
                        if type_byte == TYPE_LIST_QUICKLIST {
                            ziplist::for_each(&blob, push).map_err(|e| inside(at, "ziplist", e))?;
                        } else {
                            listpack::for_each(&blob, push)
                                .map_err(|e| inside(at, "listpack", e))?;
                        }
                    }
                    other => {
                        return Err(
                            input.corrupt(format!("unknown quicklist node container {other}"))
                        )
                    }
                }
            }
            Value::List(Box::new(list))
        }
        TYPE_MODULE_PRE_GA | TYPE_MODULE_2 => {
            return Err(input.error(RdbErrorKind::Unsupported("a module value".into())))
        }
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3 => {
            return Err(input.error(RdbErrorKind::Unsupported("a stream value".into())))
        }
        other => return Err(input.corrupt(format!("unknown value type {other}"))),
    };
    Ok((!is_empty(&value)).then_some(value))
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Str(_) => false,
        Value::List(l) => l.is_empty(),
        Value::Hash(h) => h.is_empty(),
        Value::Set(s) => s.is_empty(),
        Value::ZSet(z) => z.is_empty(),
    }
}

fn new_list(config: &EngineConfig) -> ListValue {
    let mut list = ListValue::new();
    list.set_fill(config.list_max_listpack_size);
    list
}

fn push_item(list: &mut ListValue, item: Item<'_>) {
    let mut scratch = [0u8; 20];
    list.push_back(item.bytes(&mut scratch));
}

/// A blob (a string holding a packed encoding) and where it started.
fn blob<R: BufRead>(input: &mut Input<R>, what: &'static str) -> RdbResult<(Vec<u8>, u64)> {
    let at = input.offset();
    Ok((input.string_bytes(what)?, at))
}

/// A corrupt packed blob: the error names where the blob started.
fn inside(at: u64, name: &str, error: String) -> RdbError {
    RdbError::new(
        at,
        RdbErrorKind::Corrupt(format!("in the {name} starting here: {error}")),
    )
}

/// Scores in ZSET type 3: a length byte and the text, or a marker byte.
fn old_double<R: BufRead>(input: &mut Input<R>) -> RdbResult<f64> {
    match input.u8("a score")? {
        DOUBLE_NAN => Ok(f64::NAN),
        DOUBLE_POS_INF => Ok(f64::INFINITY),
        DOUBLE_NEG_INF => Ok(f64::NEG_INFINITY),
        len => {
            let text = input.bytes(u64::from(len), "a score")?;
            listpack::parse_score(&text).map_err(|e| input.corrupt(e))
        }
    }
}

/// Walks a ziplist or listpack.
fn walk<'a>(
    blob: &'a [u8],
    is_ziplist: bool,
    visit: impl FnMut(Item<'a>) -> Result<(), String>,
) -> Result<usize, String> {
    if is_ziplist {
        ziplist::for_each(blob, visit)
    } else {
        listpack::for_each(blob, visit)
    }
}

/// Member, score, member, score, ... in score order.
fn packed_zset(blob: &[u8], is_ziplist: bool, config: &EngineConfig) -> Result<ZSetValue, String> {
    let limits = config.zset_limits();
    let mut items = Vec::new();
    walk(blob, is_ziplist, |item| {
        items.push(item);
        Ok(())
    })?;
    if items.len() % 2 != 0 {
        return Err(format!(
            "{} elements: a member without a score",
            items.len()
        ));
    }
    let mut zset = ZSetValue::with_hint(items.len() / 2, 0, limits);
    for pair in items.chunks_exact(2) {
        let mut scratch = [0u8; 20];
        let member = pair[0].bytes(&mut scratch);
        let score = pair[1].score()?;
        if zset.insert_limited(member, score, limits).is_some() {
            return Err("duplicate sorted set members".into());
        }
    }
    Ok(zset)
}

/// Field, value, field, value, ...
fn packed_hash(blob: &[u8], is_ziplist: bool, config: &EngineConfig) -> Result<HashValue, String> {
    let limits = config.hash_limits();
    let mut hash = HashValue::new();
    let mut field: Option<Item<'_>> = None;
    let count = walk(blob, is_ziplist, |item| {
        match field.take() {
            None => field = Some(item),
            Some(f) => {
                let (mut a, mut b) = ([0u8; 20], [0u8; 20]);
                if !hash.insert_limited(f.bytes(&mut a), item.bytes(&mut b), limits) {
                    return Err("duplicate hash fields".into());
                }
            }
        }
        Ok(())
    })?;
    if field.is_some() {
        return Err(format!("{count} elements: a field without a value"));
    }
    Ok(hash)
}
