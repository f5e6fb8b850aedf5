//! Client-side caching (CLIENT TRACKING): which clients may hold which keys, and the
//! invalidation messages they receive when those keys change.
//!
//! Keys are tracked by name only, whatever the database, as in Valkey. In the default mode a
//! client that runs a read-only command is recorded against every key the command table names
//! for it (`remember_read_keys`), in a server-wide table split into independently locked shards
//! (`KeyTable`). When a write changes a key (`key_modified`, `key_expired`), the key's entry is
//! removed and each recorded client that still tracks in the default mode gets one
//! invalidation; a key is therefore invalidated once per read, not once per write. Entries of
//! clients that stopped tracking are dropped lazily, when their key is invalidated or evicted,
//! except that the whole table is emptied when the last tracking client goes.
//!
//! In BCAST mode a client subscribes to key prefixes instead (`bcast::Prefixes`); every changed
//! key matching a prefix is collected and sent to the prefix's clients in one message per
//! prefix, by `flush_broadcasts`, which each connection calls after running a batch of
//! requests and the cron calls after expiring keys (Valkey sends them once per event-loop
//! iteration).
//!
//! A message for the client whose command caused it follows that command's reply, as in
//! Valkey: `deliver` defers it to the client's own buffer (see `pubsub`). `tracking-table-max-keys`
//! bounds the table: while it holds more keys, random keys are evicted with an invalidation, as
//! if they had changed (`enforce_key_limit`).
//!
//! The write path looks at one atomic (`Tracking::any`) when nobody tracks. Lock order: key
//! shard locks, then a client's prefix list, then the prefix table or a key-table shard (never
//! two of those at once), then the client registries; messages are sent after the table locks
//! are released.

mod bcast;
mod deliver;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use ahash::RandomState;
use ferrokey_cmdtable::CommandSpec;
use parking_lot::{Mutex, RwLock};
use smallvec::SmallVec;

use crate::client::{ClientHandle, ClientState};
use crate::keyspace::dict::{Dict, DictEntry};
use crate::keyspace::value::SmallBytes;
use crate::server::Server;

pub use deliver::null_payload;

/// Independently locked parts of the key table.
const KEY_TABLE_SHARDS: usize = 16;
/// Keys evicted per over-limit command, per consecutive command found over the limit (Valkey's
/// effort of 100 keys, growing while the table stays over).
const EVICTION_EFFORT_STEP: u32 = 100;

/// Per-client mode bits (`ClientTracking::flags`).
pub mod flag {
    pub const ON: u32 = 1 << 0;
    pub const BCAST: u32 = 1 << 1;
    pub const OPTIN: u32 = 1 << 2;
    pub const OPTOUT: u32 = 1 << 3;
    pub const NOLOOP: u32 = 1 << 4;
    /// The redirection target was found gone when a message was due.
    pub const BROKEN_REDIR: u32 = 1 << 5;
}

/// The tracking part of a client handle: read by the writers that invalidate for it, changed
/// by its own task (and emptied by whoever kills it).
#[derive(Default)]
pub struct ClientTracking {
    flags: AtomicU32,
    /// Client id invalidations go to (0: the client itself).
    redirect: AtomicU64,
    /// BCAST prefixes, in byte order (TRACKINGINFO lists them so).
    prefixes: Mutex<BTreeSet<Vec<u8>>>,
}

impl ClientTracking {
    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }

    pub fn is_on(&self) -> bool {
        self.flags() & flag::ON != 0
    }

    pub fn redirect(&self) -> u64 {
        self.redirect.load(Ordering::Relaxed)
    }

    /// The BCAST prefixes, in byte order.
    pub fn prefixes(&self) -> Vec<Vec<u8>> {
        self.prefixes.lock().iter().cloned().collect()
    }

    fn mark_redirect_broken(&self) {
        self.flags.fetch_or(flag::BROKEN_REDIR, Ordering::Relaxed);
    }
}

/// The options of one `CLIENT TRACKING ON`, already checked against each other.
pub struct TrackingOptions {
    pub redirect: u64,
    /// `flag::BCAST`, `OPTIN`, `OPTOUT` and `NOLOOP` bits.
    pub modes: u32,
    pub prefixes: Vec<Vec<u8>>,
}

/// One tracked key and the ids of the clients that may cache it, sorted.
struct TrackedKey {
    key: SmallBytes,
    clients: SmallVec<[u64; 2]>,
}

impl DictEntry for TrackedKey {
    fn key(&self) -> &[u8] {
        self.key.as_bytes()
    }
}

/// One lock's worth of the key table, with its item count.
struct KeyShard {
    keys: Dict<TrackedKey>,
    items: usize,
}

/// The server-wide tracking state.
pub struct Tracking {
    /// Clients with tracking on (INFO `tracking_clients`); the fast path's test.
    client_count: AtomicUsize,
    /// Tracking clients by id, for delivery and for flushes.
    clients: RwLock<BTreeMap<u64, Arc<ClientHandle>>>,
    shards: Box<[Mutex<KeyShard>]>,
    hasher: RandomState,
    key_count: AtomicUsize,
    item_count: AtomicUsize,
    max_keys: AtomicU64,
    /// Consecutive commands that found the table still over its limit after evicting.
    over_limit_rounds: AtomicU32,
    prefixes: bcast::Prefixes,
}

impl Default for Tracking {
    fn default() -> Self {
        let hasher = RandomState::new();
        Tracking {
            client_count: AtomicUsize::new(0),
            clients: RwLock::default(),
            shards: (0..KEY_TABLE_SHARDS)
                .map(|_| {
                    Mutex::new(KeyShard {
                        keys: Dict::new(hasher.clone()),
                        items: 0,
                    })
                })
                .collect(),
            hasher,
            key_count: AtomicUsize::new(0),
            item_count: AtomicUsize::new(0),
            max_keys: AtomicU64::new(0),
            over_limit_rounds: AtomicU32::new(0),
            prefixes: bcast::Prefixes::default(),
        }
    }
}

impl Tracking {
    /// Whether any client tracks: writers skip all tracking work otherwise.
    #[inline]
    pub fn any(&self) -> bool {
        self.client_count.load(Ordering::Relaxed) > 0
    }

    /// INFO `tracking_clients`.
    pub fn client_count(&self) -> usize {
        self.client_count.load(Ordering::Relaxed)
    }

    /// INFO `tracking_total_keys`.
    pub fn key_count(&self) -> usize {
        self.key_count.load(Ordering::Relaxed)
    }

    /// INFO `tracking_total_items`: client entries over all keys.
    pub fn item_count(&self) -> usize {
        self.item_count.load(Ordering::Relaxed)
    }

    /// INFO `tracking_total_prefixes`.
    pub fn prefix_count(&self) -> usize {
        self.prefixes.count()
    }

    /// `tracking-table-max-keys` (0: unlimited).
    pub fn set_max_keys(&self, max_keys: u64) {
        self.max_keys.store(max_keys, Ordering::Relaxed);
    }

    fn shard_of(&self, hash: u64) -> &Mutex<KeyShard> {
        let index = ((hash >> 32) * self.shards.len() as u64) >> 32;
        &self.shards[index as usize % self.shards.len()]
    }

    fn client(&self, id: u64) -> Option<Arc<ClientHandle>> {
        self.clients.read().get(&id).cloned()
    }

    /// Records that client `id` may cache `key`.
    fn remember(&self, key: &[u8], id: u64) {
        let hash = self.hasher.hash_one(key);
        let mut shard = self.shard_of(hash).lock();
        if let Some(entry) = shard.keys.get(hash, key) {
            if let Err(at) = entry.clients.binary_search(&id) {
                entry.clients.insert(at, id);
                shard.items += 1;
                self.item_count.fetch_add(1, Ordering::Relaxed);
            }
            return;
        }
        let mut clients = SmallVec::new();
        clients.push(id);
        shard.keys.insert_new(
            hash,
            TrackedKey {
                key: SmallBytes::new(key),
                clients,
            },
        );
        shard.items += 1;
        self.key_count.fetch_add(1, Ordering::Relaxed);
        self.item_count.fetch_add(1, Ordering::Relaxed);
    }

    /// Removes `key` from the table, returning the clients recorded for it.
    fn take(&self, key: &[u8]) -> Option<SmallVec<[u64; 2]>> {
        let hash = self.hasher.hash_one(key);
        let mut shard = self.shard_of(hash).lock();
        let entry = shard.keys.remove(hash, key)?;
        shard.items -= entry.clients.len();
        drop(shard);
        self.key_count.fetch_sub(1, Ordering::Relaxed);
        self.item_count
            .fetch_sub(entry.clients.len(), Ordering::Relaxed);
        Some(entry.clients)
    }

    /// Empties the key table. With `only_if_unused`, each shard is emptied only while no client
    /// tracks (checked under its lock, so a client that starts tracking meanwhile keeps what it
    /// records).
    fn clear_keys(&self, only_if_unused: bool) {
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            if only_if_unused && self.any() {
                return;
            }
            let detached = shard.keys.take_all();
            self.key_count.fetch_sub(detached.len(), Ordering::Relaxed);
            self.item_count
                .fetch_sub(std::mem::take(&mut shard.items), Ordering::Relaxed);
            drop(shard);
            drop(detached);
        }
    }

    /// A key of the table picked at random, for eviction.
    fn random_key(&self) -> Option<Vec<u8>> {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        let start = rng.gen_range(0..self.shards.len());
        (0..self.shards.len()).find_map(|step| {
            let shard = self.shards[(start + step) % self.shards.len()].lock();
            shard
                .keys
                .random_entry(&mut rng)
                .map(|entry| entry.key.as_bytes().to_vec())
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Turning tracking on and off
// ---------------------------------------------------------------------------------------------

/// `CLIENT TRACKING ON` with options already validated: sets the mode (replacing the previous
/// one, keeping only the CACHING state), the redirection and, in BCAST mode, adds the prefixes
/// (the empty prefix when none is given).
pub fn enable(server: &Server, client: &Arc<ClientHandle>, options: TrackingOptions) {
    let tracking = &server.tracking;
    let state = &client.tracking;
    state.redirect.store(options.redirect, Ordering::Relaxed);
    let old = state
        .flags
        .swap(flag::ON | options.modes, Ordering::Relaxed);
    if old & flag::ON == 0 {
        let mut clients = tracking.clients.write();
        clients.insert(client.id, client.clone());
        tracking
            .client_count
            .store(clients.len(), Ordering::Relaxed);
    }
    if options.modes & flag::BCAST != 0 {
        let mut prefixes = options.prefixes;
        if prefixes.is_empty() {
            prefixes.push(Vec::new());
        }
        let mut own = state.prefixes.lock();
        for prefix in prefixes {
            if tracking.prefixes.subscribe(&prefix, client) {
                own.insert(prefix);
            }
        }
    }
}

/// `CLIENT TRACKING OFF`, RESET, and a client going away: forgets the mode and the prefixes.
/// The keys recorded for the client stay in the table until invalidated (as in Valkey); when
/// no tracking client is left, the whole table goes.
pub fn disable(server: &Server, client: &ClientHandle) {
    let tracking = &server.tracking;
    let state = &client.tracking;
    let old = state.flags.swap(0, Ordering::Relaxed);
    if old & flag::BCAST != 0 || !state.prefixes.lock().is_empty() {
        let prefixes = std::mem::take(&mut *state.prefixes.lock());
        for prefix in &prefixes {
            tracking.prefixes.unsubscribe(prefix, client.id);
        }
    }
    if old & flag::ON == 0 {
        return;
    }
    let mut clients = tracking.clients.write();
    clients.remove(&client.id);
    tracking
        .client_count
        .store(clients.len(), Ordering::Relaxed);
    let none_left = clients.is_empty();
    drop(clients);
    if none_left {
        tracking.clear_keys(true);
    }
}

/// Whether the client's next command counts for OPTIN/OPTOUT: set by CLIENT CACHING, cleared
/// after the next command that is not a CLIENT subcommand, or after the transaction it opens.
pub fn update_caching_after(client: &mut ClientState, args: &[&[u8]]) {
    if !client.tracking_caching || client.multi.is_some() {
        return;
    }
    let name = args.first().copied().unwrap_or_default();
    let spec = ferrokey_cmdtable::lookup_argv(name, args.get(1).copied());
    if !spec.is_some_and(|spec| spec.full_name.starts_with("client|")) {
        client.tracking_caching = false;
    }
}

// ---------------------------------------------------------------------------------------------
// Reads: remembering keys
// ---------------------------------------------------------------------------------------------

/// After a read-only command ran for a client tracking in the default mode: records every key
/// the command table names in its arguments, unless OPTIN/OPTOUT and CLIENT CACHING say not to.
pub fn remember_read_keys(
    server: &Server,
    client: &ClientState,
    spec: &CommandSpec,
    args: &[&[u8]],
) {
    let modes = client.handle.tracking.flags();
    if modes & flag::ON == 0 || modes & flag::BCAST != 0 {
        return;
    }
    let caching = client.tracking_caching;
    if (modes & flag::OPTIN != 0 && !caching) || (modes & flag::OPTOUT != 0 && caching) {
        return;
    }
    // Shard channels are keys for cluster routing only.
    if spec.has_flag(ferrokey_cmdtable::spec::CMD_PUBSUB) {
        return;
    }
    let mut keys = Vec::new();
    ferrokey_cmdtable::get_keys(spec, args, &mut keys);
    for key in &keys {
        if let Some(name) = args.get(key.pos) {
            server.tracking.remember(name, client.id());
        }
    }
    if !keys.is_empty() {
        enforce_key_limit(server, Some(client.id()));
    }
}

// ---------------------------------------------------------------------------------------------
// Writes: invalidation
// ---------------------------------------------------------------------------------------------

/// A command of client `executing` changed `key`. Callers test `Tracking::any` first.
pub fn key_modified(server: &Server, key: &[u8], executing: Option<u64>) {
    invalidate(server, key, executing, Some(executing));
}

/// `key` was deleted because its time passed, lazily while client `executing` ran a command,
/// or by the expiry cycle (`None`). Callers test `Tracking::any` first.
pub fn key_expired(server: &Server, key: &[u8], executing: Option<u64>) {
    invalidate(server, key, executing, Some(None));
}

/// Valkey's `trackingInvalidateKey`: queues the key for the BCAST prefixes it matches (with
/// the client that changed it, for NOLOOP) when `broadcast` is given, and sends an invalidation
/// to every default-mode client recorded for it. `executing` is the client whose command is
/// running: NOLOOP spares it, and its own messages follow its reply.
fn invalidate(server: &Server, key: &[u8], executing: Option<u64>, broadcast: Option<Option<u64>>) {
    let tracking = &server.tracking;
    if let Some(modifier) = broadcast {
        tracking.prefixes.key_changed(key, modifier);
    }
    let Some(ids) = tracking.take(key) else {
        return;
    };
    let payload = deliver::key_payload(key);
    for id in ids {
        let Some(target) = tracking.client(id) else {
            continue;
        };
        let modes = target.tracking.flags();
        // A client that switched to BCAST no longer gets what it read before.
        if modes & flag::BCAST != 0 {
            continue;
        }
        if modes & flag::NOLOOP != 0 && executing == Some(id) {
            continue;
        }
        deliver::send(server, &target, &payload, executing);
    }
}

/// FLUSHDB / FLUSHALL: every tracking client is told that all its keys are invalid (a null in
/// place of the key list), and the table is emptied.
pub fn keys_flushed(server: &Server, executing: Option<u64>) {
    let tracking = &server.tracking;
    if tracking.any() {
        let clients: Vec<Arc<ClientHandle>> = tracking.clients.read().values().cloned().collect();
        for client in clients {
            deliver::send(server, &client, null_payload(&client), executing);
        }
    }
    tracking.clear_keys(false);
}

/// Sends the BCAST invalidations collected since the last call. `executing` is the client
/// whose task calls (its own messages are deferred: append them to its output afterwards).
pub fn flush_broadcasts(server: &Server, executing: Option<u64>) {
    let tracking = &server.tracking;
    if !tracking.any() {
        return;
    }
    for (client, payload) in tracking.prefixes.take_messages() {
        deliver::send(server, &client, &payload, executing);
    }
}

/// Valkey's `trackingLimitUsedSlots`: while the table holds more than
/// `tracking-table-max-keys` keys, invalidates random keys (without broadcasting them: they did
/// not change), up to an effort that grows each time one run was not enough. Valkey runs it
/// before every command; here it runs after each read that adds keys (the reader's own
/// messages then follow that read's reply, which is where Valkey's next command would put
/// them) and from the cron (for a limit lowered by CONFIG SET), so commands that do not track
/// pay nothing for it.
pub fn enforce_key_limit(server: &Server, executing: Option<u64>) {
    let tracking = &server.tracking;
    let max_keys = tracking.max_keys.load(Ordering::Relaxed);
    if max_keys == 0 || tracking.key_count() as u64 <= max_keys {
        if max_keys != 0 {
            tracking.over_limit_rounds.store(0, Ordering::Relaxed);
        }
        return;
    }
    let rounds = tracking.over_limit_rounds.load(Ordering::Relaxed);
    let effort = EVICTION_EFFORT_STEP.saturating_mul(rounds.saturating_add(1));
    for _ in 0..effort {
        let Some(key) = tracking.random_key() else {
            break;
        };
        invalidate(server, &key, executing, None);
        if tracking.key_count() as u64 <= max_keys {
            tracking.over_limit_rounds.store(0, Ordering::Relaxed);
            return;
        }
    }
    tracking
        .over_limit_rounds
        .store(rounds.saturating_add(1), Ordering::Relaxed);
}

#[cfg(test)]
mod tests;
