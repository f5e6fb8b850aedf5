//! Delivery: a message is encoded once per protocol and handed to each receiver's queue,
//! after the receiver's output-buffer limit is checked (`limits`). See the parent module for
//! the design.

use std::cell::RefCell;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use ferrokey_resp::Protocol;

use super::limits::{queue_within_limit, Limit};
use super::Subscribers;
use crate::client::{ClientHandle, Push};
use crate::server::Server;

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
            let kind = match protocol {
                Protocol::Resp2 => b'*',
                Protocol::Resp3 => b'>',
            };
            // Composed in a buffer the thread keeps, so the shared copy is the only allocation.
            ENCODE_SCRATCH.with(|scratch| {
                let mut buf = scratch.borrow_mut();
                buf.clear();
                ferrokey_resp::push_header(&mut buf, kind, parts.len() as i64);
                for part in parts {
                    ferrokey_resp::push_bulk(&mut buf, part);
                }
                let encoded = Arc::from(&buf[..]);
                if buf.capacity() > ENCODE_SCRATCH_KEEP_BYTES {
                    *buf = Vec::new();
                }
                encoded
            })
        })
        .clone()
    }
}

/// The scratch buffer keeps at most this much capacity after encoding a larger message.
const ENCODE_SCRATCH_KEEP_BYTES: usize = 64 * 1024;

thread_local! {
    static ENCODE_SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
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
    // Counted as received even when it closes the receiver, as in Valkey, where the message
    // reaches the buffer first.
    let len = bytes.len();
    queue_within_limit(server, client, Push::Shared(bytes), len, limit);
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
    let limit = Limit::pubsub(server);
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
    let limit = Limit::pubsub(server);
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
}
