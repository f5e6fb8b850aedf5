//! Output-buffer limits for the output other connections produce for a client: Pub/Sub
//! messages and client-side-caching invalidations (and `tracking-redir-broken`).
//!
//! Such output is queued on the receiver's push channel and counted in
//! `ClientPubSub::pending_bytes` until its task moves it to the output buffer; what the task is
//! writing is `ClientHandle::output_buffer_bytes`. Their sum is the client's output, checked
//! against the receiver's class of `client-output-buffer-limit` before each message is queued,
//! as Valkey checks a reply before appending it: the class is `pubsub` for a client with any
//! subscription, whatever its protocol, and `normal` otherwise (Valkey's `getClientType`; a RESP3
//! tracker that subscribes to nothing is a normal client). A client over its limit is closed
//! instead of sent more. The cron repeats the check once a second for every client whose class
//! has a limit, so that the soft limit also applies when no further message comes.
//!
//! The limits of both classes are atomics CONFIG SET changes; a delivery reads its class's once.

use std::sync::atomic::{AtomicU64, Ordering};

use ferrokey_config::{ClientBufferLimit, ClientClass};

use super::ClientPubSub;
use crate::client::{ClientHandle, Push};
use crate::server::{unix_time_ms, Server, Stats};

/// One class's `client-output-buffer-limit` (0 disables a limit).
#[derive(Default)]
pub struct ClassLimit {
    hard_bytes: AtomicU64,
    soft_bytes: AtomicU64,
    soft_secs: AtomicU64,
}

impl ClassLimit {
    pub fn set(&self, limit: ClientBufferLimit) {
        self.hard_bytes
            .store(limit.hard_limit_bytes, Ordering::Relaxed);
        self.soft_bytes
            .store(limit.soft_limit_bytes, Ordering::Relaxed);
        self.soft_secs
            .store(limit.soft_limit_seconds.max(0) as u64, Ordering::Relaxed);
    }
}

/// The limits of the classes a receiver of pushes can be in.
#[derive(Default)]
pub struct OutputLimits {
    normal: ClassLimit,
    pubsub: ClassLimit,
}

impl OutputLimits {
    /// Applies one class of `client-output-buffer-limit`; replica limits do not apply here.
    pub fn set(&self, class: ClientClass, limit: ClientBufferLimit) {
        match class {
            ClientClass::Normal => self.normal.set(limit),
            ClientClass::PubSub => self.pubsub.set(limit),
            ClientClass::Replica => {}
        }
    }

    fn class_of(&self, client: &ClientHandle) -> &ClassLimit {
        if client.pubsub.is_subscribed() {
            &self.pubsub
        } else {
            &self.normal
        }
    }
}

/// A class's limit as read for one check.
pub struct Limit {
    hard_bytes: u64,
    soft_bytes: u64,
    soft_ms: i64,
    /// Unix ms of the check when the caller has read it already (the cron); otherwise the clock
    /// is read only for a client over its soft limit, so that a publish does not read it for
    /// every receiver.
    now_ms: Option<i64>,
}

impl Limit {
    pub fn of(class: &ClassLimit) -> Limit {
        let soft_bytes = class.soft_bytes.load(Ordering::Relaxed);
        Limit {
            hard_bytes: class.hard_bytes.load(Ordering::Relaxed),
            soft_bytes,
            soft_ms: (class.soft_secs.load(Ordering::Relaxed) as i64).saturating_mul(1000),
            now_ms: None,
        }
    }

    /// This limit, checked as of `now_ms`.
    fn at(self, now_ms: i64) -> Limit {
        Limit {
            now_ms: Some(now_ms),
            ..self
        }
    }

    /// The pubsub class's limit, for a publisher: its receivers are all subscribed.
    pub fn pubsub(server: &Server) -> Limit {
        Limit::of(&server.pubsub.limits.pubsub)
    }

    /// The limit of the class `client` is in now.
    pub fn for_client(server: &Server, client: &ClientHandle) -> Limit {
        Limit::of(server.pubsub.limits.class_of(client))
    }

    fn is_unlimited(&self) -> bool {
        self.hard_bytes == 0 && self.soft_bytes == 0
    }

    fn now_ms(&self) -> i64 {
        self.now_ms.unwrap_or_else(unix_time_ms)
    }

    /// Valkey's `checkClientOutputBufferLimits`: over the hard limit, or over the soft limit
    /// continuously for longer than its time (the clock starts the first time it is seen over).
    pub fn exceeded(&self, client: &ClientPubSub, used_bytes: u64) -> bool {
        if self.hard_bytes > 0 && used_bytes >= self.hard_bytes {
            return true;
        }
        if self.soft_bytes > 0 && used_bytes >= self.soft_bytes {
            let since = client.soft_limit_since_ms.load(Ordering::Relaxed);
            let now_ms = self.now_ms();
            if since == 0 {
                client
                    .soft_limit_since_ms
                    .store(now_ms.max(1), Ordering::Relaxed);
                return false;
            }
            return now_ms - since > self.soft_ms;
        }
        if client.soft_limit_since_ms.load(Ordering::Relaxed) != 0 {
            client.soft_limit_since_ms.store(0, Ordering::Relaxed);
        }
        false
    }
}

/// What a client's output holds: queued pushes and the buffer its task is writing.
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

/// Queues `push` (of `len` bytes) for `client` unless that takes its output over `limit`, in
/// which case the client is closed instead. Returns false when nothing was queued.
pub fn queue_within_limit(
    server: &Server,
    client: &ClientHandle,
    push: Push,
    len: usize,
    limit: &Limit,
) -> bool {
    let used_bytes = output_bytes(client) + len as u64;
    if limit.exceeded(&client.pubsub, used_bytes) {
        disconnect_for_output(server, client);
        return false;
    }
    client
        .pubsub
        .pending_bytes
        .fetch_add(len as u64, Ordering::Relaxed);
    if !client.send(push) {
        client.pubsub.pending_bytes.store(0, Ordering::Relaxed);
        return false;
    }
    true
}

/// Hands a message another connection produced to `client` (a tracking invalidation): after
/// the running command's reply when `client` is the one running it (`executing`), through its
/// push channel within its class's limit otherwise.
pub fn push_message(
    server: &Server,
    client: &ClientHandle,
    message: Vec<u8>,
    executing: Option<u64>,
) {
    if client.is_killed() {
        return;
    }
    if executing == Some(client.id) {
        client.pubsub.defer(&message);
        return;
    }
    let limit = Limit::for_client(server, client);
    let len = message.len();
    queue_within_limit(server, client, Push::Counted(message), len, &limit);
}

/// Checks the output of every client whose class has a limit, as Valkey's client cron does, so
/// that a client stays over the soft limit only for its seconds even when no further message
/// comes; called by the cron, and does its work at most once a second.
pub fn enforce_output_limits(server: &Server) {
    let pubsub = &server.pubsub;
    let now_ms = unix_time_ms();
    let last_ms = pubsub.last_limit_check_ms.load(Ordering::Relaxed);
    if now_ms - last_ms < 1000 {
        return;
    }
    pubsub.last_limit_check_ms.store(now_ms, Ordering::Relaxed);
    let normal = Limit::of(&pubsub.limits.normal).at(now_ms);
    let subscribed = Limit::of(&pubsub.limits.pubsub).at(now_ms);
    if normal.is_unlimited() && (subscribed.is_unlimited() || pubsub.subscribed_clients() == 0) {
        return;
    }
    for client in server.clients.all() {
        let limit = if client.pubsub.is_subscribed() {
            &subscribed
        } else {
            &normal
        };
        if !limit.is_unlimited()
            && !client.is_killed()
            && limit.exceeded(&client.pubsub, output_bytes(&client))
        {
            disconnect_for_output(server, &client);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_limit_needs_time_over_it() {
        let client = ClientPubSub::default();
        let mut limit = Limit {
            hard_bytes: 100,
            soft_bytes: 50,
            soft_ms: 1000,
            now_ms: Some(10_000),
        };
        assert!(limit.exceeded(&client, 100));
        assert!(!limit.exceeded(&client, 60));
        limit = limit.at(11_000);
        assert!(!limit.exceeded(&client, 60));
        limit = limit.at(11_001);
        assert!(limit.exceeded(&client, 60));
        // Dropping under the soft limit restarts the clock.
        assert!(!limit.exceeded(&client, 10));
        assert!(!limit.exceeded(&client, 60));
        let unlimited = Limit {
            hard_bytes: 0,
            soft_bytes: 0,
            soft_ms: 0,
            now_ms: None,
        };
        assert!(unlimited.is_unlimited());
        assert!(!unlimited.exceeded(&client, u64::MAX));
    }

    #[test]
    fn the_class_follows_subscriptions_not_protocol() {
        let server = crate::test_support::server();
        let (normal, pubsub) = (
            ClientBufferLimit {
                hard_limit_bytes: 10,
                soft_limit_bytes: 0,
                soft_limit_seconds: 0,
            },
            ClientBufferLimit {
                hard_limit_bytes: 20,
                soft_limit_bytes: 0,
                soft_limit_seconds: 0,
            },
        );
        server.pubsub.limits.set(ClientClass::Normal, normal);
        server.pubsub.limits.set(ClientClass::PubSub, pubsub);
        let client = crate::test_support::client(&server);
        let handle = &client.handle;
        assert_eq!(Limit::for_client(&server, handle).hard_bytes, 10);
        let mut out = ferrokey_resp::ReplyBuf::new(ferrokey_resp::Protocol::Resp3);
        super::super::subscribe(
            &server,
            &client,
            super::super::Kind::Channel,
            &[b"ch"],
            &mut out,
        );
        assert_eq!(Limit::for_client(&server, handle).hard_bytes, 20);
        super::super::unsubscribe_all(&server, handle);
        assert_eq!(Limit::for_client(&server, handle).hard_bytes, 10);
    }

    #[test]
    fn a_message_over_the_limit_closes_the_receiver_instead_of_queueing() {
        let server = crate::test_support::server();
        server.pubsub.limits.set(
            ClientClass::Normal,
            ClientBufferLimit {
                hard_limit_bytes: 100,
                soft_limit_bytes: 0,
                soft_limit_seconds: 0,
            },
        );
        let (handle, mut pushes) = server.clients.register(
            crate::client::Peer::Unix {
                path: "test".into(),
            },
            -1,
        );
        push_message(&server, &handle, vec![b'x'; 60], None);
        assert_eq!(handle.pubsub.pending_bytes(), 60);
        // Its own command's messages follow its reply and are not counted.
        push_message(&server, &handle, vec![b'y'; 60], Some(handle.id));
        assert_eq!(handle.pubsub.pending_bytes(), 60);
        assert!(!handle.is_killed());
        push_message(&server, &handle, vec![b'z'; 40], None);
        assert!(handle.is_killed());
        assert_eq!(
            server
                .stats
                .client_output_buffer_limit_disconnections
                .load(Ordering::Relaxed),
            1
        );
        // The first message, then the kill; nothing of the third.
        assert!(matches!(pushes.try_recv(), Some(Push::Counted(m)) if m.len() == 60));
        assert!(matches!(pushes.try_recv(), Some(Push::Kill)));
        assert!(pushes.try_recv().is_none());
    }
}
