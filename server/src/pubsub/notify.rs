//! Keyspace notifications: the engine's events (`Engine::take_notifications`)
//! published through pub/sub as Redis publishes them: the event name on
//! `__keyspace@<db>__:<key>` when `notify-keyspace-events` has K, the key
//! on `__keyevent@<db>__:<event>` when it has E, event by event in the
//! order the engine raised them.
//!
//! Drained after every command (an EXEC's events all after it), after
//! serving blocked clients, and after each `hz` tick (the active expiry
//! cycle's `expired`), so they never pile up in the engine. Delivery is
//! the same as PUBLISH's: bounded outboxes, the client whose command
//! raised them getting its own copy in its reply, at the place Redis
//! writes it (`KeyEvent::at`: before, inside or after the reply).

use super::registry::{Delivery, Kind};
use crate::client::ClientId;
use crate::config::settings::ClientClass;
use crate::core::Core;
use crate::shared::Shared;
use bytes::BytesMut;
use kv_engine::notify::NotifyFlags;
use resp_codec::{Protocol, ReplyWriter};

/// The copies of the client whose command raised the events, kept apart
/// for the caller to place in its reply where Redis writes them.
pub struct OwnCopies<'a> {
    pub id: ClientId,
    pub protocol: Protocol,
    pub buf: &'a mut BytesMut,
    /// Per event, in order: where its copies go in the reply buffer
    /// (`KeyEvent::at`) and where they end in `buf`.
    pub marks: &'a mut Vec<(usize, usize)>,
}

/// Publishes what the engine raised since the last call; `own` collects
/// the copies of the client whose command raised them.
pub fn publish_events(core: &mut Core, shared: &Shared, own: Option<OwnCopies<'_>>) {
    let events = core.engine.take_notifications();
    if events.is_empty() || core.host.pubsub.n_clients() == 0 {
        return;
    }
    let flags = core.engine.config().notify_keyspace_events;
    let (keyspace, keyevent) = (
        flags.contains(NotifyFlags::KEYSPACE),
        flags.contains(NotifyFlags::KEYEVENT),
    );
    let mut own_writer = None;
    let mut own_marks = None;
    let own = own.map(|copies| {
        own_writer = Some(ReplyWriter::new(copies.buf, copies.protocol));
        own_marks = Some(copies.marks);
        copies.id
    });
    let mut delivery = Delivery {
        limit: core.host.settings.output_limit(ClientClass::PubSub),
        now_ms: shared.clock.now_us() / 1000,
        own: own.zip(own_writer.as_mut()),
    };
    let pubsub = &core.host.pubsub;
    for event in &events {
        if keyspace {
            let channel = event.keyspace_channel();
            pubsub.publish(
                Kind::Channel,
                &channel,
                event.event.as_bytes(),
                &mut delivery,
            );
        }
        if keyevent {
            let channel = event.keyevent_channel();
            pubsub.publish(Kind::Channel, &channel, &event.key, &mut delivery);
        }
        if let (Some(marks), Some((_, writer))) = (own_marks.as_mut(), delivery.own.as_ref()) {
            marks.push((event.at, writer.len()));
        }
    }
}
