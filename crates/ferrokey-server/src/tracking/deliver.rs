//! Delivery of tracking messages, in Valkey's shapes.
//!
//! A message carries a payload: the array of invalidated keys, or a null meaning "every key"
//! (after a flush). It goes to the tracking client itself, or to the client it redirects to:
//! a RESP3 receiver gets the push `>2 invalidate <payload>`; a RESP2 receiver only when it is
//! a redirection target in Pub/Sub mode (any subscription will do, as in Valkey), as the message
//! `*3 message __redis__:invalidate <payload>`; a RESP2 client without redirection gets
//! nothing. When the redirection target is gone the tracking client is flagged and, in RESP3,
//! told so with `>2 tracking-redir-broken <id>`.
//!
//! A message for the client whose command is running is deferred to that client's own buffer
//! and written after the command's reply; others go through the receiver's push channel.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::client::ClientHandle;
use crate::server::Server;

/// The head of an invalidation push, before the payload.
const PUSH_HEAD: &[u8] = b">2\r\n$10\r\ninvalidate\r\n";
/// The head of the RESP2 Pub/Sub form, before the payload.
const MESSAGE_HEAD: &[u8] = b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n";

/// The payload for one key: a one-element array.
pub fn key_payload(key: &[u8]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(key.len() + 16);
    payload.extend_from_slice(b"*1\r\n");
    ferrokey_resp::push_bulk(&mut payload, key);
    payload
}

/// The payload for several keys (a BCAST batch), in the given order.
pub fn keys_payload<'a>(keys: impl ExactSizeIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut payload = Vec::new();
    ferrokey_resp::push_header(&mut payload, b'*', keys.len() as i64);
    for key in keys {
        ferrokey_resp::push_bulk(&mut payload, key);
    }
    payload
}

/// The "every key" payload after a flush: a null in the tracking client's protocol (even when
/// the message is redirected to a client of the other protocol, as in Valkey).
pub fn null_payload(client: &ClientHandle) -> &'static [u8] {
    if is_resp3(client) {
        b"_\r\n"
    } else {
        b"$-1\r\n"
    }
}

fn is_resp3(client: &ClientHandle) -> bool {
    client.protocol_version.load(Ordering::Relaxed) == 3
}

/// Valkey's `sendTrackingMessage`: sends `payload` for tracking client `client`, following its
/// redirection. `executing` is the client whose command caused the message.
pub fn send(server: &Server, client: &Arc<ClientHandle>, payload: &[u8], executing: Option<u64>) {
    let redirect = client.tracking.redirect();
    let redirected;
    let receiver = if redirect == 0 {
        client
    } else {
        match server.clients.get(redirect).filter(|r| !r.is_killed()) {
            Some(target) => {
                redirected = target;
                &redirected
            }
            None => {
                client.tracking.mark_redirect_broken();
                if is_resp3(client) {
                    let mut message = b">2\r\n$21\r\ntracking-redir-broken\r\n".to_vec();
                    ferrokey_resp::push_header(&mut message, b':', redirect as i64);
                    crate::pubsub::push_message(server, client, message, executing);
                }
                return;
            }
        }
    };
    let head = if is_resp3(receiver) {
        PUSH_HEAD
    } else if redirect != 0 && receiver.pubsub.is_subscribed() {
        MESSAGE_HEAD
    } else {
        return;
    };
    let mut message = Vec::with_capacity(head.len() + payload.len());
    message.extend_from_slice(head);
    message.extend_from_slice(payload);
    crate::pubsub::push_message(server, receiver, message, executing);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_have_valkeys_shapes() {
        assert_eq!(key_payload(b"k"), b"*1\r\n$1\r\nk\r\n");
        let keys: [&[u8]; 2] = [b"a0", b""];
        assert_eq!(
            keys_payload(keys.into_iter()),
            b"*2\r\n$2\r\na0\r\n$0\r\n\r\n"
        );
        assert_eq!(
            [PUSH_HEAD, &key_payload(b"k")].concat(),
            b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n"
        );
    }
}
