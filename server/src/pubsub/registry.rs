//! `PubSub`: who is subscribed to what, and delivering a message to them.
//!
//! Lives under the engine lock with the rest of the host state, so a
//! PUBLISH sees one consistent set of subscribers and a SUBSCRIBE is
//! ordered with every command around it. Delivery never waits: each
//! message is appended to the subscriber's bounded outbox (the publisher's
//! own subscriptions are written straight into its reply, keeping Redis's
//! order); a subscriber past its `client-output-buffer-limit pubsub` is
//! disconnected instead of slowing anyone.
//!
//! A client's subscriptions are removed by the connection's `Session` on
//! drop (`remove_client`), however the connection ends.

use crate::client::{ClientHandle, ClientId};
use crate::config::values::BufferLimit;
use bytes::{Bytes, BytesMut};
use resp_codec::{Protocol, ReplyWriter};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// The three kinds of subscription: channels, patterns, shard channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Channel,
    Pattern,
    Shard,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Channel, Kind::Pattern, Kind::Shard];

    fn index(self) -> usize {
        self as usize
    }

    /// The first element of a (un)subscribe confirmation.
    pub fn subscribe_word(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"subscribe",
            Kind::Pattern => b"psubscribe",
            Kind::Shard => b"ssubscribe",
        }
    }

    pub fn unsubscribe_word(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"unsubscribe",
            Kind::Pattern => b"punsubscribe",
            Kind::Shard => b"sunsubscribe",
        }
    }
}

/// How many channels (and, apart, shard channels) one client may hold.
/// Redis has no limit; ours bounds the registry, far above what clients
/// use.
pub const MAX_CHANNELS_PER_CLIENT: usize = 1 << 20;

/// How many patterns one client may hold: every PUBLISH matches the
/// channel against every pattern, so this bounds its work too.
pub const MAX_PATTERNS_PER_CLIENT: usize = 10_000;

/// A (un)subscription that would take a client past its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooMany {
    pub limit: usize,
}

impl TooMany {
    pub fn reply_text(self) -> String {
        format!(
            "ERR too many subscriptions of this kind for one client (the limit is {})",
            self.limit
        )
    }
}

/// Where a message goes: the limits for outboxes, and the publisher's
/// own reply (a client that publishes to a channel it is subscribed to
/// gets the message before PUBLISH's reply, as in Redis).
pub struct Delivery<'a, 'b> {
    pub limit: BufferLimit,
    pub now_ms: i64,
    pub own: Option<(ClientId, &'a mut ReplyWriter<'b>)>,
}

#[derive(Debug)]
pub struct PubSub {
    /// Name -> subscribers, per kind (channels, patterns, shard channels).
    by_name: [HashMap<Bytes, BTreeSet<ClientId>>; 3],
    clients: HashMap<ClientId, Subscriber>,
    /// Per kind, how many one client may hold.
    max_per_client: [usize; 3],
}

#[derive(Debug)]
struct Subscriber {
    handle: Arc<ClientHandle>,
    protocol: Protocol,
    /// What the client holds, per kind.
    names: [BTreeSet<Bytes>; 3],
}

impl Default for PubSub {
    fn default() -> Self {
        PubSub {
            by_name: Default::default(),
            clients: HashMap::new(),
            max_per_client: [
                MAX_CHANNELS_PER_CLIENT,
                MAX_PATTERNS_PER_CLIENT,
                MAX_CHANNELS_PER_CLIENT,
            ],
        }
    }
}

impl PubSub {
    /// A registry where a client may hold `max_per_client` of each kind.
    pub fn with_limit(max_per_client: usize) -> PubSub {
        PubSub {
            max_per_client: [max_per_client; 3],
            ..PubSub::default()
        }
    }

    /// Checks that `names` fit before any of them is added, so a
    /// refused SUBSCRIBE changes nothing.
    pub fn check_room(&self, id: ClientId, kind: Kind, names: &[Bytes]) -> Result<(), TooMany> {
        let held = self.clients.get(&id).map(|s| &s.names[kind.index()]);
        let new = names
            .iter()
            .filter(|n| !held.is_some_and(|h| h.contains(*n)))
            .collect::<BTreeSet<_>>()
            .len();
        let limit = self.max_per_client[kind.index()];
        if held.map_or(0, BTreeSet::len) + new > limit {
            return Err(TooMany { limit });
        }
        Ok(())
    }

    /// Subscribes; false if it already was. Call `check_room` first.
    pub fn subscribe(
        &mut self,
        handle: &Arc<ClientHandle>,
        protocol: Protocol,
        kind: Kind,
        name: &Bytes,
    ) -> bool {
        let subscriber = self.clients.entry(handle.id).or_insert_with(|| Subscriber {
            handle: handle.clone(),
            protocol,
            names: Default::default(),
        });
        subscriber.protocol = protocol;
        if !subscriber.names[kind.index()].insert(name.clone()) {
            return false;
        }
        assert!(
            subscriber.names[kind.index()].len() <= self.max_per_client[kind.index()],
            "check_room precedes subscribe"
        );
        self.by_name[kind.index()]
            .entry(name.clone())
            .or_default()
            .insert(handle.id);
        true
    }

    /// Unsubscribes; false if it was not subscribed.
    pub fn unsubscribe(&mut self, id: ClientId, kind: Kind, name: &[u8]) -> bool {
        let Some(subscriber) = self.clients.get_mut(&id) else {
            return false;
        };
        if !subscriber.names[kind.index()].remove(name) {
            return false;
        }
        if subscriber.names.iter().all(BTreeSet::is_empty) {
            self.clients.remove(&id);
        }
        let map = &mut self.by_name[kind.index()];
        if let Some(ids) = map.get_mut(name) {
            ids.remove(&id);
            if ids.is_empty() {
                map.remove(name);
            }
        }
        true
    }

    /// Forgets every subscription of a client (disconnect, RESET).
    pub fn remove_client(&mut self, id: ClientId) {
        let Some(subscriber) = self.clients.remove(&id) else {
            return;
        };
        for kind in Kind::ALL {
            let map = &mut self.by_name[kind.index()];
            for name in &subscriber.names[kind.index()] {
                if let Some(ids) = map.get_mut(name) {
                    ids.remove(&id);
                    if ids.is_empty() {
                        map.remove(name);
                    }
                }
            }
        }
    }

    /// HELLO changed the client's protocol: its messages follow.
    pub fn set_protocol(&mut self, id: ClientId, protocol: Protocol) {
        if let Some(subscriber) = self.clients.get_mut(&id) {
            subscriber.protocol = protocol;
        }
    }

    /// What the client holds of `kind`, in name order.
    pub fn names_of(&self, id: ClientId, kind: Kind) -> Vec<Bytes> {
        self.clients
            .get(&id)
            .map(|s| s.names[kind.index()].iter().cloned().collect())
            .unwrap_or_default()
    }

    pub fn count(&self, id: ClientId, kind: Kind) -> usize {
        self.clients
            .get(&id)
            .map_or(0, |s| s.names[kind.index()].len())
    }

    /// The count a (P)SUBSCRIBE/(P)UNSUBSCRIBE confirmation carries:
    /// channels and patterns together (shard channels count apart).
    pub fn confirmation_count(&self, id: ClientId, kind: Kind) -> usize {
        match kind {
            Kind::Shard => self.count(id, Kind::Shard),
            Kind::Channel | Kind::Pattern => {
                self.count(id, Kind::Channel) + self.count(id, Kind::Pattern)
            }
        }
    }

    /// Every subscription of the client, of any kind.
    pub fn total(&self, id: ClientId) -> usize {
        Kind::ALL.iter().map(|k| self.count(id, *k)).sum()
    }

    /// Clients with at least one subscription.
    pub fn n_clients(&self) -> usize {
        self.clients.len()
    }

    /// Distinct names of `kind` with at least one subscriber (INFO's
    /// pubsub_channels, pubsub_patterns, pubsubshard_channels; NUMPAT).
    pub fn n_names(&self, kind: Kind) -> usize {
        self.by_name[kind.index()].len()
    }

    /// Subscribers of one name (NUMSUB, SHARDNUMSUB).
    pub fn n_subscribers(&self, kind: Kind, name: &[u8]) -> usize {
        self.by_name[kind.index()]
            .get(name)
            .map_or(0, BTreeSet::len)
    }

    /// Names of `kind` with subscribers, matching `pattern` if given, in
    /// byte order (CHANNELS, SHARDCHANNELS).
    pub fn active(&self, kind: Kind, pattern: Option<&[u8]>) -> Vec<Bytes> {
        let mut names: Vec<Bytes> = self.by_name[kind.index()]
            .keys()
            .filter(|name| pattern.is_none_or(|p| kv_engine::glob::glob_match(p, name)))
            .cloned()
            .collect();
        names.sort();
        names
    }

    /// Delivers `message` on `channel` (a channel or a shard channel) to
    /// its subscribers and, for a channel, to every matching pattern's.
    /// Returns the number of deliveries, as PUBLISH replies (a client
    /// subscribed by channel and by pattern counts twice).
    pub fn publish(
        &self,
        kind: Kind,
        channel: &[u8],
        message: &[u8],
        delivery: &mut Delivery<'_, '_>,
    ) -> usize {
        debug_assert!(kind != Kind::Pattern, "messages go to channels");
        let mut n = 0;
        if let Some(ids) = self.by_name[kind.index()].get(channel) {
            let mut frames = Frames::new(|protocol| {
                let word: &[u8] = if kind == Kind::Shard {
                    b"smessage"
                } else {
                    b"message"
                };
                encode(protocol, &[word, channel, message])
            });
            n += self.deliver(ids, &mut frames, delivery);
        }
        if kind == Kind::Channel {
            for (pattern, ids) in &self.by_name[Kind::Pattern.index()] {
                if !kv_engine::glob::glob_match(pattern, channel) {
                    continue;
                }
                let mut frames = Frames::new(|protocol| {
                    encode(protocol, &[b"pmessage", pattern, channel, message])
                });
                n += self.deliver(ids, &mut frames, delivery);
            }
        }
        n
    }

    fn deliver<F: Fn(Protocol) -> BytesMut>(
        &self,
        ids: &BTreeSet<ClientId>,
        frames: &mut Frames<F>,
        delivery: &mut Delivery<'_, '_>,
    ) -> usize {
        for id in ids {
            let subscriber = &self.clients[id];
            let frame = frames.get(subscriber.protocol);
            match &mut delivery.own {
                Some((own, out)) if *own == *id => out.buffer().extend_from_slice(frame),
                _ => {
                    subscriber
                        .handle
                        .push(frame, delivery.limit, delivery.now_ms);
                }
            }
        }
        ids.len()
    }
}

/// One message, encoded at most once per protocol.
struct Frames<F> {
    make: F,
    resp2: Option<BytesMut>,
    resp3: Option<BytesMut>,
}

impl<F: Fn(Protocol) -> BytesMut> Frames<F> {
    fn new(make: F) -> Self {
        Frames {
            make,
            resp2: None,
            resp3: None,
        }
    }

    fn get(&mut self, protocol: Protocol) -> &[u8] {
        let slot = match protocol {
            Protocol::Resp2 => &mut self.resp2,
            Protocol::Resp3 => &mut self.resp3,
        };
        slot.get_or_insert_with(|| (self.make)(protocol))
    }
}

/// A push of bulk strings: an array in RESP2, a push frame in RESP3.
fn encode(protocol: Protocol, parts: &[&[u8]]) -> BytesMut {
    let mut buf = BytesMut::with_capacity(16 + parts.iter().map(|p| p.len() + 16).sum::<usize>());
    let mut writer = ReplyWriter::new(&mut buf, protocol);
    writer.push(parts.len());
    for part in parts {
        writer.bulk(part);
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ClientInfo;

    fn handle(id: ClientId) -> Arc<ClientHandle> {
        Arc::new(ClientHandle {
            id,
            addr: format!("127.0.0.1:{id}"),
            laddr: String::new(),
            fd: -1,
            local: true,
            created_ms: 0,
            kill: tokio_util::sync::CancellationToken::new(),
            outbox: Default::default(),
            info: parking_lot::Mutex::new(ClientInfo::default()),
        })
    }

    fn pending(handle: &ClientHandle) -> String {
        let mut out = BytesMut::new();
        handle.outbox.take_into(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    fn deliver_all() -> Delivery<'static, 'static> {
        Delivery {
            limit: BufferLimit::default(),
            now_ms: 0,
            own: None,
        }
    }

    const NO_LIMIT: usize = usize::MAX;

    #[test]
    fn channels_and_patterns_both_deliver_and_count() {
        let mut registry = PubSub::with_limit(NO_LIMIT);
        let (a, b) = (handle(1), handle(2));
        let news = Bytes::from_static(b"news.uk");
        registry.subscribe(&a, Protocol::Resp2, Kind::Channel, &news);
        registry.subscribe(
            &a,
            Protocol::Resp2,
            Kind::Pattern,
            &Bytes::from_static(b"news.*"),
        );
        registry.subscribe(
            &b,
            Protocol::Resp3,
            Kind::Pattern,
            &Bytes::from_static(b"n?ws.[a-z]k"),
        );
        registry.subscribe(
            &b,
            Protocol::Resp3,
            Kind::Pattern,
            &Bytes::from_static(b"sport.*"),
        );
        assert_eq!(
            registry.publish(Kind::Channel, b"news.uk", b"hi", &mut deliver_all()),
            3
        );
        assert_eq!(
            pending(&a),
            "*3\r\n$7\r\nmessage\r\n$7\r\nnews.uk\r\n$2\r\nhi\r\n\
             *4\r\n$8\r\npmessage\r\n$6\r\nnews.*\r\n$7\r\nnews.uk\r\n$2\r\nhi\r\n"
        );
        assert_eq!(
            pending(&b),
            ">4\r\n$8\r\npmessage\r\n$11\r\nn?ws.[a-z]k\r\n$7\r\nnews.uk\r\n$2\r\nhi\r\n"
        );
        assert_eq!(
            registry.publish(Kind::Channel, b"other", b"x", &mut deliver_all()),
            0
        );
        assert_eq!(
            registry.publish(Kind::Shard, b"news.uk", b"x", &mut deliver_all()),
            0
        );
        assert_eq!(registry.confirmation_count(1, Kind::Channel), 2);
        assert_eq!(registry.n_names(Kind::Pattern), 3);
    }

    #[test]
    fn shard_channels_are_apart_from_channels_and_patterns() {
        let mut registry = PubSub::with_limit(NO_LIMIT);
        let a = handle(1);
        registry.subscribe(
            &a,
            Protocol::Resp2,
            Kind::Pattern,
            &Bytes::from_static(b"*"),
        );
        registry.subscribe(&a, Protocol::Resp2, Kind::Shard, &Bytes::from_static(b"s"));
        assert_eq!(registry.confirmation_count(1, Kind::Shard), 1);
        assert_eq!(registry.confirmation_count(1, Kind::Channel), 1);
        assert_eq!(
            registry.publish(Kind::Shard, b"s", b"m", &mut deliver_all()),
            1
        );
        assert_eq!(
            pending(&a),
            "*3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\nm\r\n"
        );
    }

    #[test]
    fn unsubscribing_everything_empties_the_registry() {
        let mut registry = PubSub::with_limit(NO_LIMIT);
        let (a, b) = (handle(1), handle(2));
        for h in [&a, &b] {
            for kind in Kind::ALL {
                registry.subscribe(h, Protocol::Resp2, kind, &Bytes::from_static(b"x"));
                registry.subscribe(h, Protocol::Resp2, kind, &Bytes::from_static(b"y"));
            }
        }
        assert!(!registry.subscribe(
            &a,
            Protocol::Resp2,
            Kind::Channel,
            &Bytes::from_static(b"x")
        ));
        assert!(registry.unsubscribe(1, Kind::Channel, b"x"));
        assert!(!registry.unsubscribe(1, Kind::Channel, b"x"));
        assert_eq!(registry.n_subscribers(Kind::Channel, b"x"), 1);
        registry.remove_client(2);
        assert_eq!(registry.n_subscribers(Kind::Channel, b"x"), 0);
        for kind in Kind::ALL {
            for name in registry.names_of(1, kind) {
                assert!(registry.unsubscribe(1, kind, &name));
            }
        }
        assert_eq!(registry.n_clients(), 0);
        for kind in Kind::ALL {
            assert_eq!(registry.n_names(kind), 0);
        }
    }

    #[test]
    fn the_per_client_limit_refuses_before_changing_anything() {
        let mut registry = PubSub::with_limit(2);
        let a = handle(1);
        let names = [Bytes::from_static(b"a"), Bytes::from_static(b"b")];
        assert_eq!(registry.check_room(1, Kind::Pattern, &names), Ok(()));
        for name in &names {
            registry.subscribe(&a, Protocol::Resp2, Kind::Pattern, name);
        }
        assert_eq!(
            registry.check_room(1, Kind::Pattern, &[names[0].clone()]),
            Ok(()),
            "re-subscribing takes no room"
        );
        assert_eq!(
            registry.check_room(1, Kind::Pattern, &[Bytes::from_static(b"c")]),
            Err(TooMany { limit: 2 })
        );
        assert_eq!(
            registry.check_room(1, Kind::Channel, &names),
            Ok(()),
            "per kind"
        );
    }

    #[test]
    fn the_publishers_own_copy_goes_into_its_reply() {
        let mut registry = PubSub::with_limit(NO_LIMIT);
        let a = handle(1);
        registry.subscribe(
            &a,
            Protocol::Resp3,
            Kind::Channel,
            &Bytes::from_static(b"c"),
        );
        let mut reply = BytesMut::new();
        let mut writer = ReplyWriter::new(&mut reply, Protocol::Resp3);
        let mut delivery = Delivery {
            limit: BufferLimit::default(),
            now_ms: 0,
            own: Some((1, &mut writer)),
        };
        assert_eq!(
            registry.publish(Kind::Channel, b"c", b"m", &mut delivery),
            1
        );
        assert_eq!(&reply[..], b">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n");
        assert_eq!(pending(&a), "");
    }

    #[test]
    fn a_subscriber_past_its_hard_limit_is_cut_off() {
        let mut registry = PubSub::with_limit(NO_LIMIT);
        let a = handle(1);
        registry.subscribe(
            &a,
            Protocol::Resp2,
            Kind::Channel,
            &Bytes::from_static(b"c"),
        );
        let mut delivery = Delivery {
            limit: BufferLimit {
                hard_bytes: 100,
                soft_bytes: 0,
                soft_seconds: 0,
            },
            now_ms: 0,
            own: None,
        };
        registry.publish(Kind::Channel, b"c", &[b'x'; 40], &mut delivery);
        assert!(!a.kill.is_cancelled());
        registry.publish(Kind::Channel, b"c", &[b'x'; 40], &mut delivery);
        assert!(a.kill.is_cancelled());
        assert_eq!(a.outbox.pending_len(), 0, "its bytes are dropped");
    }
}
