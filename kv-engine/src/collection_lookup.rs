//! Typed views of a looked-up value: the value as a string/list/hash/set/
//! sorted set, `None` (or `Entry::Vacant`) for a missing key, WRONGTYPE
//! for a key of another type.

use crate::context::Entry;
use crate::error::{CommandError, CommandResult};
use crate::value::{HashValue, ListValue, SetValue, StrValue, Value, ZSetValue};

macro_rules! typed {
    ($get:ident, $get_mut:ident, $variant:ident, $ty:ty) => {
        /// The value as this type; WRONGTYPE for any other type.
        pub fn $get(value: Option<&Value>) -> CommandResult<Option<&$ty>> {
            match value {
                None => Ok(None),
                Some(Value::$variant(v)) => Ok(Some(v)),
                Some(_) => Err(CommandError::WrongType),
            }
        }

        /// Like the shared form, for in-place changes.
        pub fn $get_mut(value: Option<&mut Value>) -> CommandResult<Option<&mut $ty>> {
            match value {
                None => Ok(None),
                Some(Value::$variant(v)) => Ok(Some(v)),
                Some(_) => Err(CommandError::WrongType),
            }
        }
    };
}

/// `Db::entry`'s answer as this type, for the commands that find-or-create
/// through it (hashes and sorted sets create before changing, with `Db::find`).
macro_rules! typed_entry {
    ($entry:ident, $variant:ident, $ty:ty) => {
        pub(crate) fn $entry(entry: Entry<'_, Value>) -> CommandResult<Entry<'_, $ty>> {
            match entry {
                Entry::Vacant(found) => Ok(Entry::Vacant(found)),
                Entry::Occupied(Value::$variant(v)) => Ok(Entry::Occupied(v)),
                Entry::Occupied(_) => Err(CommandError::WrongType),
            }
        }
    };
}

typed!(string, string_mut, Str, StrValue);
typed!(list, list_mut, List, ListValue);
typed!(hash, hash_mut, Hash, HashValue);
typed!(set, set_mut, Set, SetValue);
typed!(zset, zset_mut, ZSet, ZSetValue);
typed_entry!(string_entry, Str, StrValue);
typed_entry!(list_entry, List, ListValue);
typed_entry!(set_entry, Set, SetValue);
