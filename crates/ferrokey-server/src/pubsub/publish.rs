//! Delivery: a message is encoded once per protocol and handed to each receiver's queue,
//! after the receiver's output-buffer limit is checked. See the parent module for the design.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use ferrokey_resp::Protocol;

use super::{ClientPubSub, PubSub, Subscribers};
use crate::client::{ClientHandle, Push};
use crate::server::{unix_time_ms, Server, Stats};

/// One message on its way: its parts, and its encodings once some receiver needed them.
struct Message<'a> {
    word: &'static [u8],
    pattern: Option<&'a [u8]>,
    channel: &'a [u8],
    payload: &'a [u8],
    resp2: Option<Arc<[u8]>>,
    resp3: Option<Arc<[u8]>>,
}

impl<'a> Message<'a> {
    fn new(
        word: &'static [u8],
        pattern: Option<&'a [u8]>,
        channel: &'a [u8],
        payload: &'a [u8],
    ) -> Self {
        Message {
            word,
            pattern,
            channel,
            payload,
            resp2: None,
            resp3: None,
        }
    }

    fn encoded(&mut self, protocol: Protocol) -> Arc<[u8]> {
        let slot = match protocol {
            Protocol::Resp2 => &mut self.resp2,
            Protocol::Resp3 => &mut self.resp3,
        };
        let (word, pattern, channel, payload) =
            (self.word, self.pattern, self.channel, self.payload);
        slot.get_or_insert_with(|| {
            let parts: &[&[u8]] = match pattern {
                Some(pattern) => &[word, pattern, channel, payload],
                None => &[word, channel, payload],
            };
            let mut buf =
                Vec::with_capacity(16 + parts.iter().map(|p| p.len() + 16).sum::<usize>());
            let kind = match protocol {
                Protocol::Resp2 => b'*',
                Protocol::Resp3 => b'>',
            };
            push_header(&mut buf, kind, parts.len());
            for part in parts {
                push_header(&mut buf, b'$', part.len());
                buf.extend_from_slice(part);
                buf.extend_from_slice(b"\r\n");
            }
            Arc::from(buf)
        })
        .clone()
    }
}

fn push_header(buf: &mut Vec<u8>, kind: u8, len: usize) {
    let mut tmp = [0u8; 20];
    buf.push(kind);
    buf.extend_from_slice(ferrokey_resp::fmt_i64(&mut tmp, len as i64));
    buf.extend_from_slice(b"\r\n");
}

/// The output limit a delivery is checked against, read once per publish.
struct Limit {
    hard_bytes: u64,
    soft_bytes: u64,
    soft_ms: i64,
    /// Unix ms, read only when a soft limit is set.
    now_ms: i64,
}

impl Limit {
    fn current(pubsub: &PubSub) -> Limit {
        let soft_bytes = pubsub.limit_soft_bytes.load(Ordering::Relaxed);
        Limit {
            hard_bytes: pubsub.limit_hard_bytes.load(Ordering::Relaxed),
            soft_bytes,
            soft_ms: (pubsub.limit_soft_secs.load(Ordering::Relaxed) as i64).saturating_mul(1000),
            now_ms: if soft_bytes > 0 { unix_time_ms() } else { 0 },
        }
    }

    /// Valkey's `checkClientOutputBufferLimits`: over the hard limit, or over the soft limit
    /// continuously for longer than its time (the clock starts the first time it is seen over).
    fn exceeded(&self, client: &ClientPubSub, used_bytes: u64) -> bool {
        if self.hard_bytes > 0 && used_bytes >= self.hard_bytes {
            return true;
        }
        if self.soft_bytes > 0 && used_bytes >= self.soft_bytes {
            let since = client.soft_limit_since_ms.load(Ordering::Relaxed);
            if since == 0 {
                client
                    .soft_limit_since_ms
                    .store(self.now_ms.max(1), Ordering::Relaxed);
                return false;
            }
            return self.now_ms - since > self.soft_ms;
        }
        if client.soft_limit_since_ms.load(Ordering::Relaxed) != 0 {
            client.soft_limit_since_ms.store(0, Ordering::Relaxed);
        }
        false
    }
}

/// What a client's output holds: queued messages and the buffer its task is writing.
fn output_bytes(client: &ClientHandle) -> u64 {
    client.pubsub.pending_bytes() + client.output_buffer_bytes.load(Ordering::Relaxed)
}

/// Closes a client over its output-buffer limit, counting it once in INFO stats.
fn disconnect_for_output(server: &Server, client: &ClientHandle) {
    if client.pubsub.limit_exceeded.swap(true, Ordering::Relaxed) {
        return;
    }
    tracing::warn!(
        "Client id={} addr={} scheduled to be closed ASAP for overcoming of output buffer \
         limits.",
        client.id,
        client.addr_string()
    );
    Stats::add(&server.stats.client_output_buffer_limit_disconnections, 1);
    client.kill();
}

/// Checks the output of every subscribed client against the limits, as Valkey's client cron
/// does, so that a subscriber stays over the soft limit only for its seconds even when no
/// further message comes; called by the cron, and does its work at most once a second.
pub fn enforce_output_limits(server: &Server) {
    let pubsub = &server.pubsub;
    let now_ms = unix_time_ms();
    let last_ms = pubsub.last_limit_check_ms.load(Ordering::Relaxed);
    if now_ms - last_ms < 1000 || pubsub.subscribed_clients() == 0 {
        return;
    }
    pubsub.last_limit_check_ms.store(now_ms, Ordering::Relaxed);
    let limit = Limit::current(pubsub);
    if limit.hard_bytes == 0 && limit.soft_bytes == 0 {
        return;
    }
    for client in server.clients.all() {
        if client.pubsub.is_subscribed()
            && !client.is_killed()
            && limit.exceeded(&client.pubsub, output_bytes(&client))
        {
            disconnect_for_output(server, &client);
        }
    }
}

/// Hands a message to one receiver; returns whether it counts as received.
fn deliver(
    server: &Server,
    client: &ClientHandle,
    message: &mut Message,
    limit: &Limit,
    origin: Option<u64>,
) -> bool {
    if client.is_killed() {
        return false;
    }
    let protocol = if client.protocol_version.load(Ordering::Relaxed) == 3 {
        Protocol::Resp3
    } else {
        Protocol::Resp2
    };
    let bytes = message.encoded(protocol);
    if origin == Some(client.id) {
        client.pubsub.defer(&bytes);
        return true;
    }
    let used_bytes = output_bytes(client) + bytes.len() as u64;
    if limit.exceeded(&client.pubsub, used_bytes) {
        // Counted as received, as in Valkey, where the message reaches the buffer first.
        disconnect_for_output(server, client);
        return true;
    }
    client
        .pubsub
        .pending_bytes
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    if !client.send(Push::Shared(bytes)) {
        client.pubsub.pending_bytes.store(0, Ordering::Relaxed);
    }
    true
}

fn deliver_all(
    server: &Server,
    subscribers: &Subscribers,
    message: &mut Message,
    limit: &Limit,
    origin: Option<u64>,
) -> usize {
    subscribers
        .clients
        .iter()
        .filter(|client| deliver(server, client, message, limit, origin))
        .count()
}

/// Publishes `message` on `channel` to its subscribers and to the patterns matching it;
/// returns the number of receivers (a client counts once per matching subscription), as
/// PUBLISH replies. `origin` is the client whose command publishes, if any: a message for it
/// is written after that command's reply instead of queued. This is the entry point for
/// server-generated messages too (keyspace notifications).
pub fn publish(server: &Server, channel: &[u8], message: &[u8], origin: Option<u64>) -> usize {
    let pubsub = &server.pubsub;
    let limit = Limit::current(pubsub);
    let mut receivers = 0;
    if let Some(subscribers) = pubsub.channels.snapshot(channel) {
        let mut encoded = Message::new(b"message", None, channel, message);
        receivers += deliver_all(server, &subscribers, &mut encoded, &limit, origin);
    }
    for (pattern, subscribers) in pubsub.matching_patterns(channel) {
        let mut encoded = Message::new(b"pmessage", Some(&pattern), channel, message);
        receivers += deliver_all(server, &subscribers, &mut encoded, &limit, origin);
    }
    receivers
}

/// SPUBLISH: publishes to the subscribers of a shard channel (patterns do not apply).
pub fn publish_shard(
    server: &Server,
    channel: &[u8],
    message: &[u8],
    origin: Option<u64>,
) -> usize {
    let pubsub = &server.pubsub;
    let Some(subscribers) = pubsub.shard_channels.snapshot(channel) else {
        return 0;
    };
    let limit = Limit::current(pubsub);
    let mut encoded = Message::new(b"smessage", None, channel, message);
    deliver_all(server, &subscribers, &mut encoded, &limit, origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_encode_per_protocol() {
        let mut m = Message::new(b"message", None, b"ch", b"hi");
        assert_eq!(
            &*m.encoded(Protocol::Resp2),
            b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
        );
        assert_eq!(
            &*m.encoded(Protocol::Resp3),
            b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
        );
        // The second request for a protocol shares the first encoding.
        let a = m.encoded(Protocol::Resp2);
        let b = m.encoded(Protocol::Resp2);
        assert!(Arc::ptr_eq(&a, &b));
        let mut p = Message::new(b"pmessage", Some(b"c*"), b"ch", b"");
        assert_eq!(
            &*p.encoded(Protocol::Resp2),
            b"*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$0\r\n\r\n"
        );
    }

    #[test]
    fn soft_limit_needs_time_over_it() {
        let client = ClientPubSub::default();
        let mut limit = Limit {
            hard_bytes: 100,
            soft_bytes: 50,
            soft_ms: 1000,
            now_ms: 10_000,
        };
        assert!(limit.exceeded(&client, 100));
        assert!(!limit.exceeded(&client, 60));
        limit.now_ms += 1000;
        assert!(!limit.exceeded(&client, 60));
        limit.now_ms += 1;
        assert!(limit.exceeded(&client, 60));
        // Dropping under the soft limit restarts the clock.
        assert!(!limit.exceeded(&client, 10));
        assert!(!limit.exceeded(&client, 60));
        let unlimited = Limit {
            hard_bytes: 0,
            soft_bytes: 0,
            soft_ms: 0,
            now_ms: 0,
        };
        assert!(!unlimited.exceeded(&client, u64::MAX));
    }
}
