//! Pub/Sub: who listens to which channel, pattern or shard channel, and delivery of messages.
//!
//! The registry maps each channel (and each shard channel) to its subscribers in a table split
//! into independently locked shards, and keeps the patterns in one table beside it. A channel's
//! subscribers are an `Arc<Subscribers>` that publishers clone under a read lock and iterate
//! after releasing it, so a PUBLISH holds a lock only for a hash lookup (plus one glob match per
//! pattern), however many receivers it reaches; a subscription changes the list in place
//! (`Arc::make_mut`), copying it only while a publisher still holds the previous snapshot.
//!
//! A message is encoded once per protocol (RESP2 `*3 message`, RESP3 `>3`) into an
//! `Arc<[u8]>` that every receiver's queue shares. Delivery never waits: the bytes go to the
//! receiver's push channel and its connection task writes them. Each client counts the bytes
//! queued for it and not yet moved to its output buffer (`ClientPubSub::pending_bytes`); the
//! publisher adds them to the output the task is writing and applies the pub/sub class of
//! `client-output-buffer-limit` before queueing, killing a receiver over the hard limit (or over
//! the soft limit for longer than its seconds) instead of queueing more; the cron repeats the
//! check once a second, so the soft limit also applies when no further message comes. A slow
//! subscriber therefore holds at most about the hard limit, and costs its publishers nothing.
//! Client-side-caching invalidations take the same path (`push_message`), checked against the
//! receiver's own class: pubsub when it has a subscription, normal otherwise (`limits`).
//!
//! A client's own subscriptions live in its handle (`ClientPubSub`), behind a mutex only its
//! own task and a CLIENT KILL take, so another connection can drop a killed client's
//! subscriptions at once. Lock order: a client's subscription mutex, then registry locks.
//! Publishers take registry locks only, one at a time.
//!
//! Messages for the client whose command publishes them (a RESP3 client publishing to a
//! channel it listens to) are not queued: Valkey writes them after the command's reply, so they
//! wait in `ClientPubSub::deferred` until the connection appends them once the command is done.
//! Subscription confirmations are pushes too: CLIENT REPLY OFF does not suppress them, so they
//! take the same deferred path when the reply is being suppressed.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use ferrokey_cmdtable::CommandSpec;
use ferrokey_resp::{Protocol, ReplyBuf};
use ferrokey_util::glob::GlobPattern;
use parking_lot::{Mutex, RwLock};

use crate::client::{ClientHandle, ClientState, ReplyMode};
use crate::server::Server;

mod limits;
mod publish;

pub use limits::{enforce_output_limits, push_message};
pub use publish::{publish, publish_shard};

/// Independently locked parts of each channel table.
const CHANNEL_SHARDS: usize = 16;

/// The three subscription spaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Channel,
    Pattern,
    Shard,
}

impl Kind {
    fn subscribe_word(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"subscribe",
            Kind::Pattern => b"psubscribe",
            Kind::Shard => b"ssubscribe",
        }
    }

    fn unsubscribe_word(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"unsubscribe",
            Kind::Pattern => b"punsubscribe",
            Kind::Shard => b"sunsubscribe",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Per-client state
// ---------------------------------------------------------------------------------------------

/// A client's subscriptions, in name order (which is the order UNSUBSCRIBE without arguments
/// answers in; Valkey's order is its dict's, which is not specified).
#[derive(Default)]
struct Subscriptions {
    channels: BTreeSet<Vec<u8>>,
    patterns: BTreeSet<Vec<u8>>,
    shard_channels: BTreeSet<Vec<u8>>,
}

impl Subscriptions {
    fn set(&mut self, kind: Kind) -> &mut BTreeSet<Vec<u8>> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard_channels,
        }
    }

    /// The count a (un)subscribe confirmation reports: channels and patterns together, shard
    /// channels on their own, as Valkey does.
    fn reported_count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Channel | Kind::Pattern => self.channels.len() + self.patterns.len(),
            Kind::Shard => self.shard_channels.len(),
        }
    }

    fn total(&self) -> usize {
        self.channels.len() + self.patterns.len() + self.shard_channels.len()
    }
}

/// The pub/sub part of a client handle.
#[derive(Default)]
pub struct ClientPubSub {
    subscriptions: Mutex<Subscriptions>,
    /// Mirrors of the subscription counts, for CLIENT LIST and the subscribed-mode check.
    channels: AtomicU32,
    patterns: AtomicU32,
    shard_channels: AtomicU32,
    /// Bytes of messages queued for the client and not yet in its output buffer.
    pending_bytes: AtomicU64,
    /// Unix ms when the output was first seen over the soft limit (0: under it).
    soft_limit_since_ms: AtomicI64,
    /// Set by the publisher that disconnects the client for its output, so it counts once.
    limit_exceeded: AtomicBool,
    /// Pushes for the client produced by its own command, written after that command's reply.
    deferred: Mutex<Vec<u8>>,
    has_deferred: AtomicBool,
}

impl ClientPubSub {
    /// Whether the client has any subscription (Valkey's CLIENT_PUBSUB flag).
    pub fn is_subscribed(&self) -> bool {
        self.channels.load(Ordering::Relaxed) > 0
            || self.patterns.load(Ordering::Relaxed) > 0
            || self.shard_channels.load(Ordering::Relaxed) > 0
    }

    /// (channels, patterns, shard channels), for CLIENT LIST's sub/psub/ssub.
    pub fn counts(&self) -> (u32, u32, u32) {
        (
            self.channels.load(Ordering::Relaxed),
            self.patterns.load(Ordering::Relaxed),
            self.shard_channels.load(Ordering::Relaxed),
        )
    }

    /// Bytes queued for the client that its task has not taken yet.
    pub fn pending_bytes(&self) -> u64 {
        self.pending_bytes.load(Ordering::Relaxed)
    }

    /// Called by the connection task when it moves a queued message into its output buffer.
    pub fn written_to_output(&self, bytes: usize) {
        self.pending_bytes
            .fetch_sub(bytes as u64, Ordering::Relaxed);
    }

    /// Queues a push for the client produced by its own running command.
    pub fn defer(&self, bytes: &[u8]) {
        self.deferred.lock().extend_from_slice(bytes);
        self.has_deferred.store(true, Ordering::Release);
    }

    /// Appends the pushes the client's last command produced for itself (after its reply).
    pub fn append_deferred(&self, out: &mut ReplyBuf) {
        // Called after every command: a plain load keeps the common case free of a locked
        // read-modify-write.
        if self.has_deferred.load(Ordering::Relaxed)
            && self.has_deferred.swap(false, Ordering::Acquire)
        {
            // Taken, not cleared: one large message must not stay allocated for the client.
            let deferred = std::mem::take(&mut *self.deferred.lock());
            out.raw(&deferred);
        }
    }

    fn mirror_counts(&self, subs: &Subscriptions) {
        let store = |counter: &AtomicU32, n: usize| {
            counter.store(u32::try_from(n).unwrap_or(u32::MAX), Ordering::Relaxed)
        };
        store(&self.channels, subs.channels.len());
        store(&self.patterns, subs.patterns.len());
        store(&self.shard_channels, subs.shard_channels.len());
    }
}

// ---------------------------------------------------------------------------------------------
// The registry
// ---------------------------------------------------------------------------------------------

/// Subscriber lists at least this long keep an index of positions; shorter ones (most
/// channels have one subscriber) are scanned, and cost no index allocation.
const INDEXED_FROM_SUBSCRIBERS: usize = 16;

/// The receivers of one channel or pattern. Publishers iterate a snapshot (an `Arc` clone);
/// `positions` (client id to index in `clients`, kept once the list grew long) makes removal
/// O(1).
#[derive(Clone, Default)]
struct Subscribers {
    clients: Vec<Arc<ClientHandle>>,
    positions: HashMap<u64, usize, ahash::RandomState>,
}

impl Subscribers {
    fn position(&self, id: u64) -> Option<usize> {
        if self.positions.is_empty() {
            self.clients.iter().position(|c| c.id == id)
        } else {
            self.positions.get(&id).copied()
        }
    }

    fn insert(&mut self, client: &Arc<ClientHandle>) {
        if self.position(client.id).is_some() {
            return;
        }
        self.clients.push(client.clone());
        if !self.positions.is_empty() {
            self.positions.insert(client.id, self.clients.len() - 1);
        } else if self.clients.len() >= INDEXED_FROM_SUBSCRIBERS {
            self.positions = self
                .clients
                .iter()
                .enumerate()
                .map(|(at, c)| (c.id, at))
                .collect();
        }
    }

    fn remove(&mut self, id: u64) {
        let Some(at) = self.position(id) else {
            return;
        };
        if at >= self.clients.len() {
            return;
        }
        self.clients.swap_remove(at);
        if !self.positions.is_empty() {
            self.positions.remove(&id);
            if let Some(moved) = self.clients.get(at) {
                self.positions.insert(moved.id, at);
            }
        }
    }

    fn len(&self) -> usize {
        self.clients.len()
    }
}

type ChannelMap = HashMap<Box<[u8]>, Arc<Subscribers>, ahash::RandomState>;

/// Channels (or shard channels) to subscribers, split into shards by channel hash.
struct ChannelTable {
    shards: Box<[RwLock<ChannelMap>]>,
    hasher: ahash::RandomState,
    /// Channels with at least one subscriber.
    len: AtomicUsize,
}

impl Default for ChannelTable {
    fn default() -> Self {
        ChannelTable {
            shards: (0..CHANNEL_SHARDS).map(|_| RwLock::default()).collect(),
            hasher: ahash::RandomState::new(),
            len: AtomicUsize::new(0),
        }
    }
}

impl ChannelTable {
    fn shard(&self, channel: &[u8]) -> &RwLock<ChannelMap> {
        let index = (self.hasher.hash_one(channel) as usize) % self.shards.len();
        &self.shards[index]
    }

    fn subscribe(&self, channel: &[u8], client: &Arc<ClientHandle>) {
        let mut shard = self.shard(channel).write();
        let subscribers = shard.entry(channel.into()).or_insert_with(|| {
            self.len.fetch_add(1, Ordering::Relaxed);
            Arc::default()
        });
        Arc::make_mut(subscribers).insert(client);
    }

    fn unsubscribe(&self, channel: &[u8], id: u64) {
        let mut shard = self.shard(channel).write();
        let Some(subscribers) = shard.get_mut(channel) else {
            return;
        };
        Arc::make_mut(subscribers).remove(id);
        if subscribers.len() == 0 {
            shard.remove(channel);
            self.len.fetch_sub(1, Ordering::Relaxed);
        }
    }

    fn snapshot(&self, channel: &[u8]) -> Option<Arc<Subscribers>> {
        self.shard(channel).read().get(channel).cloned()
    }

    fn subscriber_count(&self, channel: &[u8]) -> usize {
        self.shard(channel)
            .read()
            .get(channel)
            .map_or(0, |s| s.len())
    }

    /// Names of the channels matching `pattern` (all without one).
    fn names(&self, pattern: Option<&GlobPattern>) -> Vec<Vec<u8>> {
        let mut names = Vec::new();
        for shard in self.shards.iter() {
            let shard = shard.read();
            names.extend(
                shard
                    .keys()
                    .filter(|name| match pattern {
                        Some(pattern) => pattern.matches(name),
                        None => true,
                    })
                    .map(|name| name.to_vec()),
            );
        }
        names
    }
}

struct PatternEntry {
    glob: GlobPattern,
    pattern: Arc<[u8]>,
    subscribers: Arc<Subscribers>,
}

/// Everything subscribed to, server-wide.
#[derive(Default)]
pub struct PubSub {
    channels: ChannelTable,
    shard_channels: ChannelTable,
    patterns: RwLock<HashMap<Box<[u8]>, PatternEntry, ahash::RandomState>>,
    /// Distinct patterns with subscribers; lets PUBLISH skip the pattern lock when zero.
    pattern_count: AtomicUsize,
    /// Clients with at least one subscription (INFO `pubsub_clients`).
    subscribed_clients: AtomicUsize,
    /// `client-output-buffer-limit` for the normal and pubsub classes (`limits`).
    limits: limits::OutputLimits,
    /// Unix ms of the last periodic output-limit check.
    last_limit_check_ms: AtomicI64,
}

impl PubSub {
    /// Applies one class of `client-output-buffer-limit` (0 disables a limit) to the output
    /// other connections produce for clients of that class.
    pub fn set_output_limit(
        &self,
        class: ferrokey_config::ClientClass,
        limit: ferrokey_config::ClientBufferLimit,
    ) {
        self.limits.set(class, limit);
    }

    /// INFO stats `pubsub_channels`.
    pub fn channel_count(&self) -> usize {
        self.channels.len.load(Ordering::Relaxed)
    }

    /// INFO stats `pubsubshard_channels`.
    pub fn shard_channel_count(&self) -> usize {
        self.shard_channels.len.load(Ordering::Relaxed)
    }

    /// PUBSUB NUMPAT and INFO stats `pubsub_patterns`: distinct patterns.
    pub fn pattern_count(&self) -> usize {
        self.pattern_count.load(Ordering::Relaxed)
    }

    /// INFO clients `pubsub_clients`.
    pub fn subscribed_clients(&self) -> usize {
        self.subscribed_clients.load(Ordering::Relaxed)
    }

    /// PUBSUB NUMSUB / SHARDNUMSUB for one channel.
    pub fn subscriber_count(&self, shard: bool, channel: &[u8]) -> usize {
        self.table(shard).subscriber_count(channel)
    }

    /// PUBSUB CHANNELS / SHARDCHANNELS.
    pub fn channel_names(&self, shard: bool, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
        let glob = pattern.map(|p| GlobPattern::new(p, false));
        self.table(shard).names(glob.as_ref())
    }

    fn table(&self, shard: bool) -> &ChannelTable {
        if shard {
            &self.shard_channels
        } else {
            &self.channels
        }
    }

    fn add(&self, kind: Kind, name: &[u8], client: &Arc<ClientHandle>) {
        match kind {
            Kind::Channel => self.channels.subscribe(name, client),
            Kind::Shard => self.shard_channels.subscribe(name, client),
            Kind::Pattern => {
                let mut patterns = self.patterns.write();
                let entry = patterns.entry(name.into()).or_insert_with(|| {
                    self.pattern_count.fetch_add(1, Ordering::Relaxed);
                    PatternEntry {
                        glob: GlobPattern::new(name, false),
                        pattern: name.into(),
                        subscribers: Arc::default(),
                    }
                });
                Arc::make_mut(&mut entry.subscribers).insert(client);
            }
        }
    }

    fn remove(&self, kind: Kind, name: &[u8], id: u64) {
        match kind {
            Kind::Channel => self.channels.unsubscribe(name, id),
            Kind::Shard => self.shard_channels.unsubscribe(name, id),
            Kind::Pattern => {
                let mut patterns = self.patterns.write();
                let Some(entry) = patterns.get_mut(name) else {
                    return;
                };
                Arc::make_mut(&mut entry.subscribers).remove(id);
                if entry.subscribers.len() == 0 {
                    patterns.remove(name);
                    self.pattern_count.fetch_sub(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// The patterns matching `channel`, with their subscribers, taken under the read lock.
    fn matching_patterns(&self, channel: &[u8]) -> Vec<(Arc<[u8]>, Arc<Subscribers>)> {
        if self.pattern_count() == 0 {
            return Vec::new();
        }
        self.patterns
            .read()
            .values()
            .filter(|entry| entry.glob.matches(channel))
            .map(|entry| (entry.pattern.clone(), entry.subscribers.clone()))
            .collect()
    }

    /// Updates `pubsub_clients` after a client's subscription total went from `before` to
    /// `after`.
    fn track_client(&self, before: usize, after: usize) {
        if before == 0 && after > 0 {
            self.subscribed_clients.fetch_add(1, Ordering::Relaxed);
        } else if before > 0 && after == 0 {
            self.subscribed_clients.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Subscribing
// ---------------------------------------------------------------------------------------------

/// Moves the confirmations written from `start` to the deferred pushes while CLIENT REPLY
/// suppresses the command's reply: Valkey sends them as pushes, which REPLY OFF keeps.
fn defer_if_suppressed(client: &ClientState, out: &mut ReplyBuf, start: usize) {
    if matches!(client.reply_mode, ReplyMode::Off | ReplyMode::Skipping) {
        if let Some(written) = out.as_bytes().get(start..) {
            client.handle.pubsub.defer(written);
        }
        out.truncate(start);
    }
}

/// Writes one `[word, name, count]` confirmation (`name` None: a null, for an UNSUBSCRIBE with
/// nothing to leave).
fn confirm(out: &mut ReplyBuf, word: &[u8], name: Option<&[u8]>, count: usize) {
    out.push(3);
    out.bulk(word);
    match name {
        Some(name) => out.bulk(name),
        None => out.null(),
    }
    out.int(count as i64);
}

/// SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE: one confirmation per name, duplicates included.
pub fn subscribe(
    server: &Server,
    client: &ClientState,
    kind: Kind,
    names: &[&[u8]],
    out: &mut ReplyBuf,
) {
    let handle = &client.handle;
    let start = out.len();
    let mut subs = handle.pubsub.subscriptions.lock();
    let before = subs.total();
    for &name in names {
        if subs.set(kind).insert(name.to_vec()) {
            server.pubsub.add(kind, name, handle);
        }
        confirm(
            out,
            kind.subscribe_word(),
            Some(name),
            subs.reported_count(kind),
        );
    }
    handle.pubsub.mirror_counts(&subs);
    server.pubsub.track_client(before, subs.total());
    drop(subs);
    defer_if_suppressed(client, out, start);
}

/// UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE: the names given, or every subscription of the
/// kind when none is (one confirmation each, or a single one with a null name if there are
/// none).
pub fn unsubscribe(
    server: &Server,
    client: &ClientState,
    kind: Kind,
    names: &[&[u8]],
    out: &mut ReplyBuf,
) {
    let handle = &client.handle;
    let start = out.len();
    let mut subs = handle.pubsub.subscriptions.lock();
    let before = subs.total();
    let word = kind.unsubscribe_word();
    if names.is_empty() {
        let all = std::mem::take(subs.set(kind));
        if all.is_empty() {
            confirm(out, word, None, subs.reported_count(kind));
        }
        let mut remaining = all.len();
        for name in &all {
            server.pubsub.remove(kind, name, handle.id);
            remaining -= 1;
            let others = subs.reported_count(kind);
            confirm(out, word, Some(name), others + remaining);
        }
    } else {
        for &name in names {
            if subs.set(kind).remove(name) {
                server.pubsub.remove(kind, name, handle.id);
            }
            confirm(out, word, Some(name), subs.reported_count(kind));
        }
    }
    handle.pubsub.mirror_counts(&subs);
    server.pubsub.track_client(before, subs.total());
    drop(subs);
    defer_if_suppressed(client, out, start);
}

/// Drops every subscription of a client without replying: RESET, disconnection, CLIENT KILL.
pub fn unsubscribe_all(server: &Server, handle: &ClientHandle) {
    let mut subs = handle.pubsub.subscriptions.lock();
    let before = subs.total();
    if before == 0 {
        return;
    }
    for kind in [Kind::Channel, Kind::Pattern, Kind::Shard] {
        for name in std::mem::take(subs.set(kind)) {
            server.pubsub.remove(kind, &name, handle.id);
        }
    }
    handle.pubsub.mirror_counts(&subs);
    server.pubsub.track_client(before, 0);
}

/// The commands a RESP2 client may run while subscribed.
const ALLOWED_WHILE_SUBSCRIBED: &[&str] = &[
    "subscribe",
    "ssubscribe",
    "unsubscribe",
    "sunsubscribe",
    "psubscribe",
    "punsubscribe",
    "ping",
    "quit",
    "reset",
];

/// Valkey's error for a command a subscribed RESP2 client may not run; None when it may.
pub fn subscribed_context_error(client: &ClientState, spec: &CommandSpec) -> Option<String> {
    if client.protocol != Protocol::Resp2 || !client.handle.pubsub.is_subscribed() {
        return None;
    }
    if ALLOWED_WHILE_SUBSCRIBED.contains(&spec.full_name) {
        return None;
    }
    Some(format!(
        "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET \
         are allowed in this context",
        spec.full_name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{ClientRegistry, Peer};

    fn handles(n: usize) -> Vec<Arc<ClientHandle>> {
        let registry = ClientRegistry::default();
        (0..n)
            .map(|_| {
                let peer = Peer::Unix {
                    path: "test".into(),
                };
                registry.register(peer, -1).0
            })
            .collect()
    }

    #[test]
    fn removal_keeps_positions_consistent() {
        for count in [4, INDEXED_FROM_SUBSCRIBERS + 4] {
            let clients = handles(count);
            let mut subscribers = Subscribers::default();
            for client in &clients {
                subscribers.insert(client);
            }
            subscribers.insert(&clients[0]);
            assert_eq!(subscribers.len(), count);
            assert_eq!(
                subscribers.positions.is_empty(),
                count < INDEXED_FROM_SUBSCRIBERS
            );
            subscribers.remove(clients[1].id);
            subscribers.remove(clients[1].id);
            assert_eq!(subscribers.len(), count - 1);
            for (at, client) in subscribers.clients.iter().enumerate() {
                assert_eq!(subscribers.position(client.id), Some(at));
            }
            assert_eq!(subscribers.position(clients[1].id), None);
            for client in &clients {
                subscribers.remove(client.id);
            }
            assert_eq!(subscribers.len(), 0);
            assert!(subscribers.positions.is_empty());
        }
    }

    #[test]
    fn a_publisher_snapshot_is_not_changed_by_later_subscriptions() {
        let clients = handles(2);
        let table = ChannelTable::default();
        table.subscribe(b"ch", &clients[0]);
        let snapshot = table.snapshot(b"ch").map(|s| s.len());
        let held = table.snapshot(b"ch");
        table.subscribe(b"ch", &clients[1]);
        table.subscribe(b"other", &clients[1]);
        assert_eq!(snapshot, Some(1));
        assert_eq!(held.map(|s| s.len()), Some(1));
        assert_eq!(table.subscriber_count(b"ch"), 2);
        assert_eq!(table.len.load(Ordering::Relaxed), 2);
        let mut names = table.names(Some(&GlobPattern::new(b"c*", false)));
        names.sort();
        assert_eq!(names, vec![b"ch".to_vec()]);
        for client in &clients {
            table.unsubscribe(b"ch", client.id);
            table.unsubscribe(b"other", client.id);
        }
        assert_eq!(table.len.load(Ordering::Relaxed), 0);
        assert!(table.snapshot(b"ch").is_none());
    }

    #[test]
    fn patterns_are_counted_once_and_matched_by_glob() {
        let clients = handles(2);
        let pubsub = PubSub::default();
        for client in &clients {
            pubsub.add(Kind::Pattern, b"news.*", client);
        }
        pubsub.add(Kind::Pattern, b"*", &clients[0]);
        assert_eq!(pubsub.pattern_count(), 2);
        assert_eq!(pubsub.matching_patterns(b"news.1").len(), 2);
        // `*` does not match the empty channel name (stringmatchlen).
        assert!(pubsub.matching_patterns(b"").is_empty());
        pubsub.remove(Kind::Pattern, b"news.*", clients[0].id);
        assert_eq!(pubsub.pattern_count(), 2);
        pubsub.remove(Kind::Pattern, b"news.*", clients[1].id);
        pubsub.remove(Kind::Pattern, b"*", clients[0].id);
        assert_eq!(pubsub.pattern_count(), 0);
        assert!(pubsub.matching_patterns(b"news.1").is_empty());
    }

    #[test]
    fn subscribed_clients_follow_the_first_and_last_subscription() {
        let pubsub = PubSub::default();
        pubsub.track_client(0, 2);
        pubsub.track_client(2, 3);
        assert_eq!(pubsub.subscribed_clients(), 1);
        pubsub.track_client(3, 0);
        assert_eq!(pubsub.subscribed_clients(), 0);
    }
}
