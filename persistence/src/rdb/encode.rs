//! Writing one value in an encoding Redis 7.0 loads: strings as integers
//! when they are small canonical integers, LZF-compressed when
//! `rdbcompression` is on and it saves space; lists as quicklist 2 with
//! listpack nodes sized by `list-max-listpack-size`; integer sets as
//! intsets; small hashes and sorted sets (the engine's compact forms) as
//! listpacks, larger ones in the plain encodings (binary scores).

use super::format::*;
use super::listpack::ListpackWriter;
use super::{intset, lzf};
use kv_engine::value::string::parse_canonical_i64;
use kv_engine::value::{ListValue, StrValue, Value};

/// Strings longer than this are offered to LZF (Redis's threshold).
const COMPRESS_MIN: usize = 20;
/// Redis's cap on a list node's bytes when the fill is a count.
const NODE_SAFETY_LIMIT: usize = 8192;
/// List elements this large get a node of their own, stored plain
/// (Redis's default `quicklist-packed-threshold`, 1 GiB).
const PLAIN_NODE_MIN: usize = 1 << 30;

/// How values are written.
#[derive(Clone, Copy, Debug)]
pub struct ValueOptions {
    /// `rdbcompression`: LZF for long strings and blobs.
    pub compression: bool,
    /// `list-max-listpack-size`: the size of each list node written.
    pub list_max_listpack_size: i64,
}

impl Default for ValueOptions {
    fn default() -> Self {
        ValueOptions {
            compression: true,
            list_max_listpack_size: -2,
        }
    }
}

pub fn put_length(buf: &mut Vec<u8>, n: u64) {
    if n < 1 << 6 {
        buf.push(n as u8);
    } else if n < 1 << 14 {
        buf.push((LEN_14BIT << 6) | (n >> 8) as u8);
        buf.push(n as u8);
    } else if n <= u64::from(u32::MAX) {
        buf.push(LEN_32BIT);
        buf.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        buf.push(LEN_64BIT);
        buf.extend_from_slice(&n.to_be_bytes());
    }
}

/// An integer in the 1/2/4-byte string encodings, if it fits one.
fn put_encoded_int(buf: &mut Vec<u8>, n: i64) -> bool {
    let marker = LEN_ENCVAL << 6;
    if let Ok(v) = i8::try_from(n) {
        buf.extend_from_slice(&[marker | ENC_INT8, v as u8]);
    } else if let Ok(v) = i16::try_from(n) {
        buf.push(marker | ENC_INT16);
        buf.extend_from_slice(&v.to_le_bytes());
    } else if let Ok(v) = i32::try_from(n) {
        buf.push(marker | ENC_INT32);
        buf.extend_from_slice(&v.to_le_bytes());
    } else {
        return false;
    }
    true
}

/// An integer-valued string.
pub fn put_int_string(buf: &mut Vec<u8>, n: i64) {
    if !put_encoded_int(buf, n) {
        let mut scratch = [0u8; 20];
        let text = resp_codec::encode::format_i64(&mut scratch, n);
        put_length(buf, text.len() as u64);
        buf.extend_from_slice(text);
    }
}

/// A string: as an integer if it is a short canonical one, else LZF when
/// `compress` and it shrinks by more than 4 bytes, else raw.
pub fn put_string(buf: &mut Vec<u8>, data: &[u8], compress: bool) {
    if data.len() <= 11 {
        if let Some(n) = parse_canonical_i64(data) {
            if put_encoded_int(buf, n) {
                return;
            }
        }
    }
    if compress && data.len() > COMPRESS_MIN {
        if let Some(packed) = lzf::compress(data, data.len() - 4) {
            buf.push((LEN_ENCVAL << 6) | ENC_LZF);
            put_length(buf, packed.len() as u64);
            put_length(buf, data.len() as u64);
            buf.extend_from_slice(&packed);
            return;
        }
    }
    put_length(buf, data.len() as u64);
    buf.extend_from_slice(data);
}

/// A score as listpack text: integers as integers, others in the
/// shortest form that reads back exactly.
fn put_score_item(lp: &mut ListpackWriter, score: f64) {
    if score.fract() == 0.0 && (-9.2e18..9.2e18).contains(&score) {
        lp.push_int(score as i64);
    } else if score.is_infinite() {
        lp.push(if score > 0.0 { b"inf" } else { b"-inf" });
    } else {
        let mut text = format!("{score}");
        if text.len() > 24 {
            text = format!("{score:e}");
        }
        lp.push(text.as_bytes());
    }
}

/// Whether a list node may take one more element of `entry` bytes.
fn node_has_room(lp: &ListpackWriter, entry: usize, fill: i64) -> bool {
    if lp.is_empty() {
        return true;
    }
    let bytes = lp.len() + entry;
    if fill < 0 {
        let shift = (-fill - 1).clamp(0, 4) as u32;
        bytes <= 4096 << shift
    } else {
        lp.count() < fill.max(1) as usize && bytes <= NODE_SAFETY_LIMIT
    }
}

/// A list as Redis 7.0's quicklist holds it when built by pushes at its
/// tail: its nodes, each a container (packed or plain) and its bytes (a
/// listpack, or the one element itself), filled as `fill`
/// (`list-max-listpack-size`) allows. What the RDB writes, and what DEBUG
/// OBJECT counts.
pub fn quicklist_nodes(list: &ListValue, fill: i64) -> Vec<(u64, Vec<u8>)> {
    let mut nodes: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut lp = ListpackWriter::new();
    for item in list.iter() {
        if item.len() >= PLAIN_NODE_MIN {
            if !lp.is_empty() {
                let full = std::mem::take(&mut lp);
                nodes.push((QUICKLIST_NODE_PACKED, full.finish()));
            }
            nodes.push((QUICKLIST_NODE_PLAIN, item.to_vec()));
            continue;
        }
        let entry = ListpackWriter::entry_size(item);
        if !node_has_room(&lp, entry, fill) {
            let full = std::mem::take(&mut lp);
            nodes.push((QUICKLIST_NODE_PACKED, full.finish()));
        }
        lp.push(item);
    }
    if !lp.is_empty() {
        nodes.push((QUICKLIST_NODE_PACKED, lp.finish()));
    }
    nodes
}

/// The type byte the value is written with.
pub fn value_type(value: &Value) -> u8 {
    match value {
        Value::Str(_) => TYPE_STRING,
        Value::List(_) => TYPE_LIST_QUICKLIST_2,
        Value::Set(set) if set.is_compact() && !set.is_empty() => TYPE_SET_INTSET,
        Value::Set(_) => TYPE_SET,
        Value::ZSet(zset) if zset.is_compact() => TYPE_ZSET_LISTPACK,
        Value::ZSet(_) => TYPE_ZSET_2,
        Value::Hash(hash) if hash.is_compact() => TYPE_HASH_LISTPACK,
        Value::Hash(_) => TYPE_HASH,
    }
}

/// Writes the value's type byte and its serialization (a DUMP body).
pub fn put_value(buf: &mut Vec<u8>, value: &Value, options: ValueOptions) {
    buf.push(value_type(value));
    put_value_body(buf, value, options);
}

/// Writes the value in the encoding `value_type` names.
pub fn put_value_body(buf: &mut Vec<u8>, value: &Value, options: ValueOptions) {
    let compress = options.compression;
    match value {
        Value::Str(StrValue::Int(n)) => put_int_string(buf, *n),
        Value::Str(text) => {
            let mut scratch = [0u8; 20];
            put_string(buf, text.as_bytes(&mut scratch), compress)
        }
        Value::List(list) => {
            let nodes = quicklist_nodes(list, options.list_max_listpack_size);
            put_length(buf, nodes.len() as u64);
            for (container, blob) in nodes {
                put_length(buf, container);
                put_string(buf, &blob, compress);
            }
        }
        Value::Set(set) => match set.as_ints() {
            Some(ints) if !ints.is_empty() => put_string(buf, &intset::encode(&ints), compress),
            _ => {
                put_length(buf, set.len() as u64);
                for member in set.iter() {
                    put_string(buf, &member, compress);
                }
            }
        },
        Value::ZSet(zset) if zset.is_compact() => {
            let mut lp = ListpackWriter::new();
            for (member, score) in zset.iter() {
                lp.push(member);
                put_score_item(&mut lp, score);
            }
            put_string(buf, &lp.finish(), compress);
        }
        Value::ZSet(zset) => {
            put_length(buf, zset.len() as u64);
            // Greatest first: Redis then inserts each at the head.
            for (member, score) in zset.descending_from(zset.len().saturating_sub(1)) {
                put_string(buf, member, compress);
                buf.extend_from_slice(&score.to_le_bytes());
            }
        }
        Value::Hash(hash) if hash.is_compact() => {
            let mut lp = ListpackWriter::new();
            for (field, value) in hash.iter() {
                lp.push(field);
                lp.push(value);
            }
            put_string(buf, &lp.finish(), compress);
        }
        Value::Hash(hash) => {
            put_length(buf, hash.len() as u64);
            for (field, value) in hash.iter() {
                put_string(buf, field, compress);
                put_string(buf, value, compress);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdb::input::{Input, RdbString};

    #[test]
    fn strings_pick_the_encoding_redis_would() {
        let mut buf = Vec::new();
        put_string(&mut buf, b"12", true);
        assert_eq!(buf, [0xc0, 12]);
        buf.clear();
        put_string(&mut buf, b"-300", true);
        assert_eq!(buf, [0xc1, 0xd4, 0xfe]);
        buf.clear();
        put_string(&mut buf, b"012", true);
        assert_eq!(buf, [3, b'0', b'1', b'2']);
        buf.clear();
        put_string(&mut buf, b"12345678901", true);
        assert_eq!(buf[0], 11, "beyond 32 bits an integer stays text");
        buf.clear();
        let long = vec![b'a'; 100];
        put_string(&mut buf, &long, true);
        assert_eq!(buf[0], 0xc3);
        assert!(buf.len() < 20);
        let mut input = Input::new(&buf[..]);
        assert_eq!(input.string("s").ok(), Some(RdbString::Bytes(long.clone())));
        buf.clear();
        put_string(&mut buf, &long, false);
        assert_eq!(buf.len(), 2 + 100, "a 14-bit length and the bytes");
    }

    #[test]
    fn lengths_round_trip_at_every_boundary() {
        for n in [
            0,
            63,
            64,
            16383,
            16384,
            u64::from(u32::MAX),
            u64::from(u32::MAX) + 1,
            u64::MAX,
        ] {
            let mut buf = Vec::new();
            put_length(&mut buf, n);
            assert_eq!(Input::new(&buf[..]).length("n").ok(), Some(n), "{n}");
        }
    }

    #[test]
    fn scores_read_back_exactly() {
        for score in [
            0.0,
            -3.0,
            1.5,
            0.1,
            1e300,
            -1e-300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            123456789.125,
            5e18,
            1e19,
        ] {
            let mut lp = ListpackWriter::new();
            put_score_item(&mut lp, score);
            let blob = lp.finish();
            let mut got = None;
            crate::rdb::listpack::for_each(&blob, |item| {
                got = Some(item.score()?);
                Ok(())
            })
            .unwrap();
            assert_eq!(got, Some(score), "{score}");
        }
    }
}
