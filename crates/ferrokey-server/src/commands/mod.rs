//! Command families and the context every command handler runs in.
//!
//! A handler is a plain function over `Ctx`: the arguments, the client, the output buffer and the
//! shards the dispatcher locked for it (`Ctx::locks`). Handlers never lock the keyspace
//! themselves: the dispatcher took the locks the command table says it needs, in lock order, and
//! holds them until the reply and the effects are recorded. That is what keeps a command, and a
//! whole transaction, isolated.
//!
//! Key access goes through the `Ctx` methods below, which apply lazy expiry (an expired key is
//! deleted and its `DEL` recorded before the command's own effect) and keep hit/miss statistics.

pub mod registry;

pub mod blocking;
pub mod client;
pub mod config;
pub mod connection;
pub mod debug;
mod debug_help;
pub mod hash;
pub mod info;
pub mod keys;
pub mod list;
pub mod memory_cmds;
pub mod pubsub;
pub mod server_cmds;
pub mod set;
pub mod sort;
pub mod string;
pub mod tracking;
pub mod transaction;
pub mod zset;

use ferrokey_resp::ReplyBuf;

use crate::client::ClientState;
use crate::keyspace::value::{flags, Entry, Value};
use crate::keyspace::{LockSet, Shard};
use crate::notify::class;
use crate::server::{Server, Stats};
use crate::write_stream::{Effect, EffectArgs};

pub use registry::{Handler, Scope};

/// Standard error texts shared by many commands.
pub mod err {
    pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
    pub const SYNTAX: &str = "ERR syntax error";
    pub const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
    pub const NOT_FLOAT: &str = "ERR value is not a valid float";
    pub const OVERFLOW: &str = "ERR increment or decrement would overflow";
    pub const NO_SUCH_KEY: &str = "ERR no such key";
    pub const DB_INDEX: &str = "ERR DB index is out of range";
    pub const SAME_OBJECT: &str = "ERR source and destination objects are the same";
    pub const STRING_TOO_LONG: &str =
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
}

pub struct Ctx<'c, 'k> {
    pub server: &'k Server,
    pub client: &'c mut ClientState,
    pub args: &'c [&'c [u8]],
    pub out: &'c mut ReplyBuf,
    pub locks: &'c mut LockSet<'k>,
    /// The time the command started, used for every expiry decision it makes.
    pub now_ms: i64,
    /// Effects recorded for the write stream, in order.
    pub effects: &'c mut Vec<Effect>,
    /// Set when the handler recorded its own effects instead of the verbatim command.
    pub custom_effect: bool,
    /// Number of changes the command made (Redis's `dirty`).
    pub dirty: u64,
}

impl<'c, 'k> Ctx<'c, 'k> {
    /// Argument `i`, or an empty slice past the end (arity was checked by the dispatcher).
    pub fn arg(&self, i: usize) -> &'c [u8] {
        self.args.get(i).copied().unwrap_or(&[])
    }

    pub fn argc(&self) -> usize {
        self.args.len()
    }

    pub fn db(&self) -> usize {
        self.client.db
    }

    /// Records a change; `n` counts toward Redis's dirty counter.
    pub fn mark_dirty(&mut self, n: u64) {
        self.dirty += n;
    }

    /// Records an effect other than the verbatim command (e.g. SET EX as SET PXAT).
    pub fn record_effect(&mut self, args: EffectArgs) {
        self.custom_effect = true;
        if self.server.write_stream.is_active() {
            self.effects.push(args.into());
        }
    }

    /// Records the command as it came for replicas alone: Valkey's `forceCommandPropagation`
    /// with `PROPAGATE_REPL`, for PUBLISH and SPUBLISH, which change no data.
    pub fn record_verbatim_for_replicas(&mut self) {
        self.custom_effect = true;
        if self.server.write_stream.is_active() {
            let args = self.args.iter().map(|a| a.to_vec()).collect();
            self.effects.push(Effect::replicas_only(args));
        }
    }

    /// Suppresses the verbatim effect of a command whose changes were already recorded.
    pub fn suppress_effect(&mut self) {
        self.custom_effect = true;
    }

    fn shard_for(&mut self, db: usize, key: &[u8]) -> Option<(u64, &mut Shard)> {
        let hash = self.server.keyspace.hash(key);
        let shard = self.locks.shard(db, hash)?;
        Some((hash, shard))
    }

    /// Deletes `key` from `db` if its expiry time has passed, recording the `DEL`.
    /// Returns true when the key was expired.
    pub fn expire_if_needed(&mut self, db: usize, key: &[u8]) -> bool {
        let origin = Some(self.client.handle.id);
        expire_if_needed(
            self.server,
            self.locks,
            self.effects,
            self.now_ms,
            db,
            key,
            origin,
        )
    }

    /// Looks a key up for reading: lazy expiry, access time and hit/miss statistics.
    pub fn lookup_read(&mut self, key: &[u8]) -> Option<&mut Entry> {
        self.lookup_in(self.client.db, key, true)
    }

    /// Looks a key up for writing: lazy expiry and access time, no hit/miss statistics.
    pub fn lookup_write(&mut self, key: &[u8]) -> Option<&mut Entry> {
        self.lookup_in(self.client.db, key, false)
    }

    pub fn lookup_in(&mut self, db: usize, key: &[u8], count_hits: bool) -> Option<&mut Entry> {
        let touch = !self
            .client
            .handle
            .no_touch
            .load(std::sync::atomic::Ordering::Relaxed);
        self.lookup_with(db, key, touch, count_hits)
    }

    /// The lookup behind the others: lazy expiry, then the access time when `touch`, the
    /// hit/miss statistics and `keymiss` when `count_hits`.
    pub fn lookup_with(
        &mut self,
        db: usize,
        key: &[u8],
        touch: bool,
        count_hits: bool,
    ) -> Option<&mut Entry> {
        lookup(
            self.server,
            self.locks,
            self.effects,
            self.now_ms,
            db,
            key,
            touch,
            count_hits,
            Some(self.client.handle.id),
        )
    }

    /// Whether a key exists (after lazy expiry), without touching its access time.
    pub fn exists(&mut self, key: &[u8]) -> bool {
        let db = self.client.db;
        if self.expire_if_needed(db, key) {
            return false;
        }
        match self.shard_for(db, key) {
            Some((hash, shard)) => shard.main.peek(hash, key).is_some(),
            None => false,
        }
    }

    /// Sets a key to a value. `keep_ttl` keeps an existing expiry; otherwise any is removed.
    pub fn set_value(&mut self, key: &[u8], value: Value, entry_flags: u8, keep_ttl: bool) {
        let db = self.client.db;
        self.set_value_in(db, key, value, entry_flags, keep_ttl);
    }

    pub fn set_value_in(
        &mut self,
        db: usize,
        key: &[u8],
        value: Value,
        entry_flags: u8,
        keep_ttl: bool,
    ) {
        // In LFU mode the clock field holds the minute of the last counter decay.
        let lru = if self.server.eviction.policy().is_lfu() {
            ((self.now_ms / 60_000) & 0xFFFF) as u32
        } else {
            self.server.lru_clock()
        };
        let Some((hash, shard)) = self.shard_for(db, key) else {
            return;
        };
        if let Some(entry) = shard.get_raw(hash, key) {
            let had_expire = entry.has_expire();
            entry.value = value;
            entry.flags = (entry_flags & !flags::HAS_EXPIRE) | (entry.flags & flags::HAS_EXPIRE);
            entry.lru = lru;
            if had_expire && !keep_ttl {
                shard.persist(hash, key);
            }
            shard.blocked.signal(key);
            return;
        }
        shard.insert(hash, key, value, entry_flags & !flags::HAS_EXPIRE, lru);
        self.notify_in(db, class::NEW, "new", key);
    }

    /// Publishes a keyspace event about `key` in the client's database (see `notify`).
    pub fn notify(&self, event_class: u32, event: &str, key: &[u8]) {
        self.notify_in(self.client.db, event_class, event, key);
    }

    pub fn notify_in(&self, db: usize, event_class: u32, event: &str, key: &[u8]) {
        let origin = Some(self.client.handle.id);
        crate::notify::notify(self.server, db, event_class, event, key, origin);
    }

    /// Invalidates the transactions watching `key` in `db`, for writes the command's key specs
    /// do not name (the dispatcher touches those). Tracking needs nothing here: it goes by key
    /// name whatever the database, and the key specs name these keys.
    pub fn touch_watched(&mut self, db: usize, key: &[u8]) {
        if let Some((_, shard)) = self.shard_for(db, key) {
            shard.watched.touch(key);
        }
    }

    /// Deletes a key (after lazy expiry); returns whether it existed.
    pub fn delete(&mut self, key: &[u8]) -> bool {
        let db = self.client.db;
        self.delete_in(db, key).is_some()
    }

    pub fn delete_in(&mut self, db: usize, key: &[u8]) -> Option<Entry> {
        self.expire_if_needed(db, key);
        let (hash, shard) = self.shard_for(db, key)?;
        shard.remove(hash, key)
    }

    /// The absolute expiry time of an existing key, in ms.
    pub fn expire_time(&mut self, key: &[u8]) -> Option<i64> {
        let db = self.client.db;
        let (hash, shard) = self.shard_for(db, key)?;
        shard.expire_of(hash, key)
    }

    pub fn set_expire(&mut self, key: &[u8], when_ms: i64) {
        let db = self.client.db;
        if let Some((hash, shard)) = self.shard_for(db, key) {
            shard.set_expire(hash, key, when_ms);
        }
    }

    pub fn persist(&mut self, key: &[u8]) -> bool {
        let db = self.client.db;
        match self.shard_for(db, key) {
            Some((hash, shard)) => shard.persist(hash, key),
            None => false,
        }
    }

    /// Reads a string value: Ok(None) when missing, Err(()) after replying WRONGTYPE.
    pub fn read_string(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, ()> {
        self.read_string_in(key, true)
    }

    /// Like `read_string` but without hit/miss statistics (write commands).
    pub fn read_string_for_write(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, ()> {
        self.read_string_in(key, false)
    }

    fn read_string_in(&mut self, key: &[u8], count_hits: bool) -> Result<Option<Vec<u8>>, ()> {
        let db = self.client.db;
        let Some(entry) = self.lookup_in(db, key, count_hits) else {
            return Ok(None);
        };
        let mut tmp = [0u8; 20];
        match entry.value.string_bytes(&mut tmp) {
            Some(bytes) => Ok(Some(bytes.to_vec())),
            None => {
                self.out.error(err::WRONGTYPE);
                Err(())
            }
        }
    }

    /// Writes the string value of `key` as a bulk reply (null when missing), straight from the
    /// keyspace without an intermediate copy. Returns false after replying WRONGTYPE.
    pub fn reply_string_of(&mut self, key: &[u8]) -> bool {
        let touch = !self
            .client
            .handle
            .no_touch
            .load(std::sync::atomic::Ordering::Relaxed);
        let (db, now_ms) = (self.client.db, self.now_ms);
        let entry = lookup(
            self.server,
            self.locks,
            self.effects,
            now_ms,
            db,
            key,
            touch,
            true,
            Some(self.client.handle.id),
        );
        let Some(entry) = entry else {
            self.out.null();
            return true;
        };
        let mut tmp = [0u8; 20];
        match entry.value.string_bytes(&mut tmp) {
            Some(bytes) => {
                self.out.bulk(bytes);
                true
            }
            None => {
                self.out.error(err::WRONGTYPE);
                false
            }
        }
    }
}

/// What a key holds, as far as a command working on one value type cares.
pub enum Found<'a, T> {
    Missing,
    WrongType,
    Value(&'a mut T),
}

impl<'c, 'k> Ctx<'c, 'k> {
    /// Looks `key` up and keeps the value `pick` accepts, returning it together with the output
    /// buffer: only the keyspace parts of the context are borrowed, so a command can read the
    /// value while it writes its reply. `read` selects lookupKeyRead semantics (hit/miss
    /// statistics) over lookupKeyWrite.
    pub fn find_typed<'s, T>(
        &'s mut self,
        key: &[u8],
        read: bool,
        pick: impl FnOnce(&'s mut Value) -> Option<&'s mut T>,
    ) -> (&'s mut ReplyBuf, Found<'s, T>) {
        let touch = !self
            .client
            .handle
            .no_touch
            .load(std::sync::atomic::Ordering::Relaxed);
        let (db, now_ms) = (self.client.db, self.now_ms);
        let entry = lookup(
            self.server,
            self.locks,
            self.effects,
            now_ms,
            db,
            key,
            touch,
            read,
            Some(self.client.handle.id),
        );
        let found = match entry {
            None => Found::Missing,
            Some(entry) => match pick(&mut entry.value) {
                Some(value) => Found::Value(value),
                None => Found::WrongType,
            },
        };
        (&mut *self.out, found)
    }
}

/// Lazy expiry over the parts of a `Ctx` it needs (so callers keep the others borrowable).
/// `origin` is the client whose command met the key: as in Valkey, its own copy of the
/// `expired` event follows the command's reply.
fn expire_if_needed(
    server: &Server,
    locks: &mut LockSet,
    effects: &mut Vec<Effect>,
    now_ms: i64,
    db: usize,
    key: &[u8],
    origin: Option<u64>,
) -> bool {
    let hash = server.keyspace.hash(key);
    let Some(shard) = locks.shard(db, hash) else {
        return false;
    };
    if !shard.is_expired(hash, key, now_ms) {
        return false;
    }
    if server.pause.writes_paused() {
        // Paused writes: the key reads as missing but stays until the pause ends.
        return true;
    }
    shard.remove(hash, key);
    shard.watched.touch_expired(key);
    Stats::add(&server.stats.expired_keys, 1);
    crate::notify::notify(server, db, class::EXPIRED, "expired", key, origin);
    if server.tracking.any() {
        crate::tracking::key_expired(server, key, origin);
    }
    if server.write_stream.is_active() {
        effects.push(vec![b"DEL".to_vec(), key.to_vec()].into());
    }
    true
}

/// A key lookup: lazy expiry, then the entry, updating its access time when `touch` and the
/// hit/miss statistics when `count_hits`.
#[allow(clippy::too_many_arguments)]
fn lookup<'l>(
    server: &Server,
    locks: &'l mut LockSet,
    effects: &mut Vec<Effect>,
    now_ms: i64,
    db: usize,
    key: &[u8],
    touch: bool,
    count_hits: bool,
    origin: Option<u64>,
) -> Option<&'l mut Entry> {
    let expired = expire_if_needed(server, locks, effects, now_ms, db, key, origin);
    let hash = server.keyspace.hash(key);
    let entry = locks
        .shard(db, hash)?
        .get_raw(hash, key)
        .filter(|_| !expired);
    if count_hits {
        let stats = &server.stats;
        let counter = if entry.is_some() {
            &stats.keyspace_hits
        } else {
            &stats.keyspace_misses
        };
        counter.add(1);
        if entry.is_none() {
            crate::notify::notify(server, db, class::KEY_MISS, "keymiss", key, origin);
        }
    }
    let entry = entry?;
    if touch {
        if server.eviction.policy().is_lfu() {
            crate::evict::lfu_touch(entry, now_ms / 60_000);
        } else {
            entry.lru = server.lru_clock();
        }
    }
    Some(entry)
}

/// Replies with a HELP text in Redis's shape: a status-line array that opens with the usage
/// line and closes with the HELP entry every container command has.
pub fn reply_help(ctx: &mut Ctx, command: &str, lines: &[&str]) {
    ctx.out.array(lines.len() + 3);
    ctx.out.simple(&format!(
        "{command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    ));
    for line in lines {
        ctx.out.simple(line);
    }
    ctx.out.simple("HELP");
    ctx.out.simple("    Print this help.");
}

/// Parses an integer argument as Redis's `getLongLongFromObject` does.
pub fn parse_i64(arg: &[u8]) -> Option<i64> {
    ferrokey_util::number::parse_i64_strict(arg)
}
