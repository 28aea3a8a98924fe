//! Keyspace notifications: the events commands raise (Redis's
//! `notifyKeyspaceEvent`), their classes, and the `notify-keyspace-events`
//! flags that choose which of them are published.
//!
//! Commands record `(db, class, event, key)` through `Db::notify` in the
//! order Redis raises them (e.g. `new` before `set` for a new key, `lpop`
//! before `del` when a list empties). The engine keeps an event only when
//! its class is enabled and at least one of K and E is, so with
//! notifications off (the default) each event costs one branch. The owner
//! drains them after every `execute`, expiry cycle and eviction
//! (`Engine::take_notifications`) and publishes each one, in order, to
//! `KeyEvent::keyspace_channel` (message: the event name) when K is set
//! and to `KeyEvent::keyevent_channel` (message: the key) when E is set.

use bytes::Bytes;
use std::fmt;

/// The `notify-keyspace-events` setting as bits (Redis's `NOTIFY_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NotifyFlags(pub u16);

impl NotifyFlags {
    /// K: publish to `__keyspace@<db>__:<key>`.
    pub const KEYSPACE: NotifyFlags = NotifyFlags(1);
    /// E: publish to `__keyevent@<db>__:<event>`.
    pub const KEYEVENT: NotifyFlags = NotifyFlags(1 << 1);
    pub const GENERIC: NotifyFlags = NotifyFlags(1 << 2);
    pub const STRING: NotifyFlags = NotifyFlags(1 << 3);
    pub const LIST: NotifyFlags = NotifyFlags(1 << 4);
    pub const SET: NotifyFlags = NotifyFlags(1 << 5);
    pub const HASH: NotifyFlags = NotifyFlags(1 << 6);
    pub const ZSET: NotifyFlags = NotifyFlags(1 << 7);
    pub const EXPIRED: NotifyFlags = NotifyFlags(1 << 8);
    pub const EVICTED: NotifyFlags = NotifyFlags(1 << 9);
    pub const STREAM: NotifyFlags = NotifyFlags(1 << 10);
    pub const KEY_MISS: NotifyFlags = NotifyFlags(1 << 11);
    pub const MODULE: NotifyFlags = NotifyFlags(1 << 13);
    pub const NEW: NotifyFlags = NotifyFlags(1 << 14);
    /// A: every class except key-miss (m) and new-key (n) events, as in Redis.
    pub const ALL: NotifyFlags = NotifyFlags(
        Self::GENERIC.0
            | Self::STRING.0
            | Self::LIST.0
            | Self::SET.0
            | Self::HASH.0
            | Self::ZSET.0
            | Self::EXPIRED.0
            | Self::EVICTED.0
            | Self::STREAM.0
            | Self::MODULE.0,
    );
    pub const NONE: NotifyFlags = NotifyFlags(0);

    /// Parses a `notify-keyspace-events` value: any of the characters
    /// `Ag$lshzxeKEtmdn`, in any order, repeats allowed; "" turns
    /// notifications off.
    pub fn parse(text: &[u8]) -> Result<NotifyFlags, InvalidEventClass> {
        let mut bits = 0;
        for &c in text {
            bits |= match c {
                b'A' => Self::ALL.0,
                b'g' => Self::GENERIC.0,
                b'$' => Self::STRING.0,
                b'l' => Self::LIST.0,
                b's' => Self::SET.0,
                b'h' => Self::HASH.0,
                b'z' => Self::ZSET.0,
                b'x' => Self::EXPIRED.0,
                b'e' => Self::EVICTED.0,
                b'K' => Self::KEYSPACE.0,
                b'E' => Self::KEYEVENT.0,
                b't' => Self::STREAM.0,
                b'm' => Self::KEY_MISS.0,
                b'd' => Self::MODULE.0,
                b'n' => Self::NEW.0,
                _ => return Err(InvalidEventClass),
            };
        }
        Ok(NotifyFlags(bits))
    }

    pub const fn contains(self, other: NotifyFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// True when events of `class` are published somewhere (the class is
    /// enabled and so is K or E).
    pub const fn wants(self, class: EventClass) -> bool {
        self.0 & class.flag().0 != 0 && self.0 & (Self::KEYSPACE.0 | Self::KEYEVENT.0) != 0
    }
}

/// Redis's CONFIG GET rendering: `A` when every class of A is set (then
/// the single classes, `n` included, are not listed), else the classes in
/// the order `g$lshzxetdn`; then `K`, `E` and `m`.
impl fmt::Display for NotifyFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const CLASSES: [(NotifyFlags, char); 11] = [
            (NotifyFlags::GENERIC, 'g'),
            (NotifyFlags::STRING, '$'),
            (NotifyFlags::LIST, 'l'),
            (NotifyFlags::SET, 's'),
            (NotifyFlags::HASH, 'h'),
            (NotifyFlags::ZSET, 'z'),
            (NotifyFlags::EXPIRED, 'x'),
            (NotifyFlags::EVICTED, 'e'),
            (NotifyFlags::STREAM, 't'),
            (NotifyFlags::MODULE, 'd'),
            (NotifyFlags::NEW, 'n'),
        ];
        const TAIL: [(NotifyFlags, char); 3] = [
            (NotifyFlags::KEYSPACE, 'K'),
            (NotifyFlags::KEYEVENT, 'E'),
            (NotifyFlags::KEY_MISS, 'm'),
        ];
        let mut text = String::with_capacity(16);
        if self.contains(NotifyFlags::ALL) {
            text.push('A');
        } else {
            for (flag, c) in CLASSES {
                if self.contains(flag) {
                    text.push(c);
                }
            }
        }
        for (flag, c) in TAIL {
            if self.contains(flag) {
                text.push(c);
            }
        }
        f.write_str(&text)
    }
}

/// A `notify-keyspace-events` value with a character outside the classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")]
pub struct InvalidEventClass;

/// The class of one event (which flag enables it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventClass {
    Generic,
    String,
    List,
    Set,
    Hash,
    ZSet,
    Expired,
    Evicted,
    Stream,
    KeyMiss,
    Module,
    New,
}

impl EventClass {
    pub const fn flag(self) -> NotifyFlags {
        match self {
            EventClass::Generic => NotifyFlags::GENERIC,
            EventClass::String => NotifyFlags::STRING,
            EventClass::List => NotifyFlags::LIST,
            EventClass::Set => NotifyFlags::SET,
            EventClass::Hash => NotifyFlags::HASH,
            EventClass::ZSet => NotifyFlags::ZSET,
            EventClass::Expired => NotifyFlags::EXPIRED,
            EventClass::Evicted => NotifyFlags::EVICTED,
            EventClass::Stream => NotifyFlags::STREAM,
            EventClass::KeyMiss => NotifyFlags::KEY_MISS,
            EventClass::Module => NotifyFlags::MODULE,
            EventClass::New => NotifyFlags::NEW,
        }
    }
}

/// One event: `event` happened to `key` in database `db`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyEvent {
    pub db: u32,
    pub class: EventClass,
    /// Redis's event name: `set`, `del`, `expired`, `lpush`, ...
    pub event: &'static str,
    pub key: Bytes,
    /// Where in the reply buffer the command that raised it was writing
    /// when Redis raises it (`notify_place`): the raising client's own
    /// copy goes there. `AFTER_ALL` for events raised outside a command
    /// (serving blocked clients, expiry cycles), which follow its replies.
    pub at: usize,
}

impl KeyEvent {
    /// The `at` of an event no command placed: after everything.
    pub const AFTER_ALL: usize = usize::MAX;
}

impl KeyEvent {
    /// `__keyspace@<db>__:<key>`; the message published there is `event`.
    pub fn keyspace_channel(&self) -> Bytes {
        channel("__keyspace@", self.db, self.key.as_ref())
    }

    /// `__keyevent@<db>__:<event>`; the message published there is `key`.
    pub fn keyevent_channel(&self) -> Bytes {
        channel("__keyevent@", self.db, self.event.as_bytes())
    }
}

fn channel(prefix: &str, db: u32, tail: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(prefix.len() + 14 + tail.len());
    out.extend_from_slice(prefix.as_bytes());
    out.extend_from_slice(db.to_string().as_bytes());
    out.extend_from_slice(b"__:");
    out.extend_from_slice(tail);
    Bytes::from(out)
}

/// Events kept between drains at most; past it new events are dropped and
/// counted (`Notifications::dropped`), so an owner that never drains cannot
/// grow the engine without bound.
pub const MAX_PENDING_EVENTS: usize = 1 << 20;

/// The events recorded since the owner last drained them.
#[derive(Debug, Default)]
pub struct Notifications {
    pub(crate) events: Vec<KeyEvent>,
    /// Events lost because `MAX_PENDING_EVENTS` were already waiting.
    pub dropped: u64,
}

impl Notifications {
    /// Records an event if `flags` publish its class.
    pub(crate) fn record(
        &mut self,
        flags: NotifyFlags,
        db: usize,
        class: EventClass,
        event: &'static str,
        key: &[u8],
    ) {
        if !flags.wants(class) {
            return;
        }
        if self.events.len() >= MAX_PENDING_EVENTS {
            self.dropped += 1;
            return;
        }
        self.events.push(KeyEvent {
            db: db as u32,
            class,
            event,
            key: Bytes::copy_from_slice(key),
            at: KeyEvent::AFTER_ALL,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str) -> String {
        NotifyFlags::parse(text.as_bytes())
            .expect("valid flags")
            .to_string()
    }

    #[test]
    fn renders_as_redis_config_get() {
        // Each pair was read back from redis-server 7.0.15 with CONFIG GET.
        for (given, shown) in [
            ("KEA", "AKE"),
            ("A", "A"),
            ("", ""),
            ("g$", "g$"),
            ("Ag", "A"),
            ("Km", "Km"),
            ("En", "nE"),
            ("gl$shzxetd", "A"),
            ("gl$shzxet", "g$lshzxet"),
            ("d", "d"),
            ("KEAmn", "AKEm"),
            ("nmd", "dnm"),
        ] {
            assert_eq!(render(given), shown, "flags {given:?}");
        }
    }

    #[test]
    fn unknown_characters_are_refused() {
        for bad in ["x?", "a", "G", " ", "KE A"] {
            assert_eq!(NotifyFlags::parse(bad.as_bytes()), Err(InvalidEventClass));
        }
        assert_eq!(
            InvalidEventClass.to_string(),
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
        );
    }

    #[test]
    fn a_class_needs_k_or_e_to_be_published() {
        let classes_only = NotifyFlags::parse(b"A").unwrap();
        assert!(!classes_only.wants(EventClass::Generic));
        let kea = NotifyFlags::parse(b"KEA").unwrap();
        assert!(kea.wants(EventClass::Generic) && kea.wants(EventClass::Evicted));
        assert!(!kea.wants(EventClass::New) && !kea.wants(EventClass::KeyMiss));
        let keyspace_new = NotifyFlags::parse(b"Kn").unwrap();
        assert!(keyspace_new.wants(EventClass::New));
        assert!(!keyspace_new.wants(EventClass::String));
    }

    #[test]
    fn channels_name_db_key_and_event() {
        let event = KeyEvent {
            db: 3,
            class: EventClass::List,
            event: "lpush",
            key: Bytes::from_static(b"my\0list"),
            at: KeyEvent::AFTER_ALL,
        };
        assert_eq!(&event.keyspace_channel()[..], b"__keyspace@3__:my\0list");
        assert_eq!(&event.keyevent_channel()[..], b"__keyevent@3__:lpush");
    }

    #[test]
    fn recording_is_bounded() {
        let flags = NotifyFlags::parse(b"KEA").unwrap();
        let mut n = Notifications::default();
        for _ in 0..MAX_PENDING_EVENTS + 5 {
            n.record(flags, 0, EventClass::Generic, "del", b"k");
        }
        assert_eq!(n.events.len(), MAX_PENDING_EVENTS);
        assert_eq!(n.dropped, 5);
        n.record(flags, 0, EventClass::New, "new", b"k");
        assert_eq!(n.dropped, 5, "a class not enabled is not even counted");
    }
}
