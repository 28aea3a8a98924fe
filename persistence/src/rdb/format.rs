//! The constants of the RDB format: opcodes, value type bytes, length and
//! string encodings (as Redis 7.0 defines them).

/// The version this crate writes (Redis 7.0's).
pub const RDB_VERSION: u16 = 10;
/// The `redis-ver` aux field we write: the Redis release whose format and
/// behaviour we follow.
pub const REDIS_VER: &str = "7.0.15";

pub const MAGIC: &[u8; 5] = b"REDIS";

// Opcodes: bytes in the place of a value type.
pub const OP_FUNCTION2: u8 = 245;
pub const OP_FUNCTION_PRE_GA: u8 = 246;
pub const OP_MODULE_AUX: u8 = 247;
pub const OP_IDLE: u8 = 248;
pub const OP_FREQ: u8 = 249;
pub const OP_AUX: u8 = 250;
pub const OP_RESIZEDB: u8 = 251;
pub const OP_EXPIRETIME_MS: u8 = 252;
pub const OP_EXPIRETIME: u8 = 253;
pub const OP_SELECTDB: u8 = 254;
pub const OP_EOF: u8 = 255;

// Value types.
pub const TYPE_STRING: u8 = 0;
pub const TYPE_LIST: u8 = 1;
pub const TYPE_SET: u8 = 2;
pub const TYPE_ZSET: u8 = 3;
pub const TYPE_HASH: u8 = 4;
pub const TYPE_ZSET_2: u8 = 5;
pub const TYPE_MODULE_PRE_GA: u8 = 6;
pub const TYPE_MODULE_2: u8 = 7;
pub const TYPE_HASH_ZIPMAP: u8 = 9;
pub const TYPE_LIST_ZIPLIST: u8 = 10;
pub const TYPE_SET_INTSET: u8 = 11;
pub const TYPE_ZSET_ZIPLIST: u8 = 12;
pub const TYPE_HASH_ZIPLIST: u8 = 13;
pub const TYPE_LIST_QUICKLIST: u8 = 14;
pub const TYPE_STREAM_LISTPACKS: u8 = 15;
pub const TYPE_HASH_LISTPACK: u8 = 16;
pub const TYPE_ZSET_LISTPACK: u8 = 17;
pub const TYPE_LIST_QUICKLIST_2: u8 = 18;
pub const TYPE_STREAM_LISTPACKS_2: u8 = 19;
/// Redis 7.2's listpack set (RDB 11); read for convenience, never written.
pub const TYPE_SET_LISTPACK: u8 = 20;
pub const TYPE_STREAM_LISTPACKS_3: u8 = 21;

/// Quicklist 2 node containers.
pub const QUICKLIST_NODE_PLAIN: u64 = 1;
pub const QUICKLIST_NODE_PACKED: u64 = 2;

// Length encodings: the top two bits of the first byte.
pub const LEN_6BIT: u8 = 0;
pub const LEN_14BIT: u8 = 1;
pub const LEN_32BIT: u8 = 0x80;
pub const LEN_64BIT: u8 = 0x81;
pub const LEN_ENCVAL: u8 = 3;

// Special string encodings (after a LEN_ENCVAL byte).
pub const ENC_INT8: u8 = 0;
pub const ENC_INT16: u8 = 1;
pub const ENC_INT32: u8 = 2;
pub const ENC_LZF: u8 = 3;

/// Old-style (ZSET type 3) double lengths that stand for special values.
pub const DOUBLE_NAN: u8 = 253;
pub const DOUBLE_POS_INF: u8 = 254;
pub const DOUBLE_NEG_INF: u8 = 255;

/// The name of a value type byte, for error messages.
pub fn type_name(t: u8) -> &'static str {
    match t {
        TYPE_STRING => "string",
        TYPE_LIST => "list",
        TYPE_SET => "set",
        TYPE_ZSET => "zset",
        TYPE_HASH => "hash",
        TYPE_ZSET_2 => "zset (binary scores)",
        TYPE_MODULE_PRE_GA | TYPE_MODULE_2 => "module value",
        TYPE_HASH_ZIPMAP => "hash (zipmap)",
        TYPE_LIST_ZIPLIST => "list (ziplist)",
        TYPE_SET_INTSET => "set (intset)",
        TYPE_ZSET_ZIPLIST => "zset (ziplist)",
        TYPE_HASH_ZIPLIST => "hash (ziplist)",
        TYPE_LIST_QUICKLIST => "list (quicklist)",
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3 => "stream",
        TYPE_HASH_LISTPACK => "hash (listpack)",
        TYPE_ZSET_LISTPACK => "zset (listpack)",
        TYPE_LIST_QUICKLIST_2 => "list (quicklist 2)",
        TYPE_SET_LISTPACK => "set (listpack)",
        _ => "unknown type",
    }
}
