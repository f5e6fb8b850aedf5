//! Keyspace notifications: the events a write publishes on `__keyspace@<db>__:<key>` (message:
//! the event name) and `__keyevent@<db>__:<event>` (message: the key), as Valkey's
//! `notify-keyspace-events` selects them.
//!
//! Commands name their events where they apply their changes (`Ctx::notify`), in the order
//! Valkey raises them (`new` before the command's own event, a command's event before the `del`
//! of the key it emptied); expiry and eviction raise theirs where they delete. Events are
//! published at once, while the writer holds the key's shard lock, so subscribers see them in
//! the order the changes were applied; a client's own events follow its command's reply. With
//! notifications off (the default), raising an event costs one atomic load.

use std::sync::atomic::{AtomicU32, Ordering};

pub use ferrokey_config::notify as class;

use crate::server::Server;

/// The enabled `notify-keyspace-events` flags, refreshed from the configuration.
#[derive(Default)]
pub struct NotifyFlags(AtomicU32);

impl NotifyFlags {
    pub fn set(&self, flags: u32) {
        self.0.store(flags, Ordering::Relaxed);
    }

    /// The flags when events of `event_class` are published at all.
    fn wanted(&self, event_class: u32) -> Option<u32> {
        let flags = self.0.load(Ordering::Relaxed);
        (flags & event_class != 0 && flags & (class::KEYSPACE | class::KEYEVENT) != 0)
            .then_some(flags)
    }
}

/// Publishes one event about `key` in `db`, if its class is enabled. `origin` is the client
/// whose command raised it (its own copy then follows that command's reply).
pub fn notify(
    server: &Server,
    db: usize,
    event_class: u32,
    event: &str,
    key: &[u8],
    origin: Option<u64>,
) {
    let Some(flags) = server.notify.wanted(event_class) else {
        return;
    };
    let mut channel = Vec::with_capacity(24 + key.len().max(event.len()));
    if flags & class::KEYSPACE != 0 {
        channel_prefix(&mut channel, "keyspace", db);
        channel.extend_from_slice(key);
        crate::pubsub::publish(server, &channel, event.as_bytes(), origin);
    }
    if flags & class::KEYEVENT != 0 {
        channel.clear();
        channel_prefix(&mut channel, "keyevent", db);
        channel.extend_from_slice(event.as_bytes());
        crate::pubsub::publish(server, &channel, key, origin);
    }
}

fn channel_prefix(channel: &mut Vec<u8>, kind: &str, db: usize) {
    use std::io::Write;
    let _ = write!(channel, "__{kind}@{db}__:");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_class_needs_k_or_e_to_be_published() {
        let flags = NotifyFlags::default();
        flags.set(class::GENERIC);
        assert_eq!(flags.wanted(class::GENERIC), None);
        flags.set(class::GENERIC | class::KEYEVENT);
        assert!(flags.wanted(class::GENERIC).is_some());
        assert_eq!(flags.wanted(class::STRING), None);
        flags.set(0);
        assert_eq!(flags.wanted(class::GENERIC), None);
    }

    #[test]
    fn channels_name_the_database() {
        let mut channel = Vec::new();
        channel_prefix(&mut channel, "keyspace", 3);
        assert_eq!(channel, b"__keyspace@3__:");
    }
}
