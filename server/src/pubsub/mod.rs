//! Pub/Sub: channels, patterns and shard channels, in both protocols.
//!
//! - [`registry`]: `PubSub`, who holds which subscription, and delivery
//!   to bounded outboxes (a publisher never waits on a subscriber).
//! - [`commands`]: the (P|S)SUBSCRIBE family, (S)PUBLISH, PUBSUB.
//! - [`mode`]: RESP2's subscribed mode (which commands it allows, PING's
//!   shape there).
//! - [`notify`]: keyspace notifications, the engine's events published.

pub mod commands;
pub mod mode;
pub mod notify;
pub mod registry;

pub use registry::{Delivery, Kind, PubSub};
