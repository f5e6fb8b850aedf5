//! Generic key commands: existence, deletion, renaming, copying between databases, iteration
//! (KEYS, SCAN, RANDOMKEY), OBJECT introspection and, in `expiry`, the expiry family.
//!
//! Writes raise Valkey's generic keyspace events after their change: `del` per deleted key,
//! `rename_from`/`rename_to`, `move_from`/`move_to` (each in its own database), `copy_to`; the
//! destination's `new` comes first, from `Ctx::set_value_in`. A key the command merely
//! overwrites (RENAME, COPY REPLACE) raises no `del`. SWAPDB, FLUSHDB and FLUSHALL raise none.

mod expiry;

use rand::Rng;

use super::registry::{Binding, Scope};
use super::{err, parse_i64, Ctx};
use crate::keyspace::value::{Entry, ValueType};
use crate::keyspace::Shard;
use crate::notify::class;
use crate::util::eq_ic;
use expiry::{expire, expireat, expiretime, persist, pexpire, pexpireat, pexpiretime, pttl, ttl};

pub const COMMANDS: &[Binding] = &[
    ("del", del, Scope::Keys),
    ("unlink", del, Scope::Keys),
    ("exists", exists, Scope::Keys),
    ("type", type_cmd, Scope::Keys),
    ("rename", rename, Scope::Keys),
    ("renamenx", renamenx, Scope::Keys),
    ("touch", touch, Scope::Keys),
    ("randomkey", randomkey, Scope::Db),
    ("dbsize", dbsize, Scope::Db),
    ("flushdb", flushdb, Scope::Db),
    ("flushall", flushall, Scope::All),
    ("keys", keys, Scope::Db),
    ("scan", scan, Scope::Db),
    ("swapdb", swapdb, Scope::All),
    ("move", move_cmd, Scope::All),
    ("copy", copy, Scope::All),
    ("object|encoding", object_encoding, Scope::Keys),
    ("object|refcount", object_refcount, Scope::Keys),
    ("object|idletime", object_idletime, Scope::Keys),
    ("object|freq", object_freq, Scope::Keys),
    ("object|help", object_help, Scope::None),
    ("expire", expire, Scope::Keys),
    ("pexpire", pexpire, Scope::Keys),
    ("expireat", expireat, Scope::Keys),
    ("pexpireat", pexpireat, Scope::Keys),
    ("ttl", ttl, Scope::Keys),
    ("pttl", pttl, Scope::Keys),
    ("expiretime", expiretime, Scope::Keys),
    ("pexpiretime", pexpiretime, Scope::Keys),
    ("persist", persist, Scope::Keys),
];

fn del(ctx: &mut Ctx) {
    let mut deleted = 0;
    for i in 1..ctx.argc() {
        let key = ctx.arg(i);
        if ctx.delete(key) {
            ctx.notify(class::GENERIC, "del", key);
            deleted += 1;
        }
    }
    ctx.mark_dirty(deleted);
    ctx.out.int(deleted as i64);
}

fn exists(ctx: &mut Ctx) {
    let mut count = 0;
    let db = ctx.db();
    for i in 1..ctx.argc() {
        if ctx.lookup_read_no_touch(db, ctx.arg(i)).is_some() {
            count += 1;
        }
    }
    ctx.out.int(count);
}

fn touch(ctx: &mut Ctx) {
    let mut count = 0;
    for i in 1..ctx.argc() {
        if ctx.lookup_read(ctx.arg(i)).is_some() {
            count += 1;
        }
    }
    ctx.out.int(count);
}

fn type_cmd(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let db = ctx.db();
    let name = ctx
        .lookup_read_no_touch(db, key)
        .map_or("none", |e| e.value.value_type().name());
    ctx.out.simple(name);
}

fn rename_generic(ctx: &mut Ctx, nx: bool) {
    let (src, dst) = (ctx.arg(1), ctx.arg(2));
    if ctx.lookup_write(src).is_none() {
        ctx.out.error(err::NO_SUCH_KEY);
        return;
    }
    if src == dst {
        if nx {
            ctx.out.int(0);
        } else {
            ctx.out.ok();
        }
        return;
    }
    if nx && ctx.exists(dst) {
        ctx.out.int(0);
        return;
    }
    let db = ctx.db();
    let expire = ctx.expire_time(src);
    let Some(entry) = ctx.delete_in(db, src) else {
        return;
    };
    ctx.delete_in(db, dst);
    put_entry(ctx, db, dst, entry, expire);
    ctx.mark_dirty(1);
    ctx.notify(class::GENERIC, "rename_from", src);
    ctx.notify(class::GENERIC, "rename_to", dst);
    if nx {
        ctx.out.int(1);
    } else {
        ctx.out.ok();
    }
}

/// Stores a detached entry under `key` in `db` (which must be absent), with its expiry.
fn put_entry(ctx: &mut Ctx, db: usize, key: &[u8], entry: Entry, expire: Option<i64>) {
    // Key specs name the key in the client's database only (MOVE, COPY ... DB).
    ctx.touch_watched(db, key);
    let entry_flags = entry.flags;
    ctx.set_value_in(db, key, entry.value, entry_flags, false);
    if let Some(when) = expire {
        let hash = ctx.server.keyspace.hash(key);
        if let Some(shard) = ctx.locks.shard(db, hash) {
            shard.set_expire(hash, key, when);
        }
    }
}

fn rename(ctx: &mut Ctx) {
    rename_generic(ctx, false);
}

fn renamenx(ctx: &mut Ctx) {
    rename_generic(ctx, true);
}

/// Picks a random live key of the current database, deleting expired ones it meets.
fn randomkey(ctx: &mut Ctx) {
    let db = ctx.db();
    let now = ctx.now_ms;
    let mut rng = rand::thread_rng();
    // Redis gives up on finding a non-expired key after 100 tries when all keys are volatile.
    for _ in 0..100 {
        let sizes: Vec<usize> = ctx.locks.shards_of_db(db).map(|(_, s)| s.len()).collect();
        let total: usize = sizes.iter().sum();
        if total == 0 {
            break;
        }
        let mut pick = rng.gen_range(0..total);
        let shard_index = sizes
            .iter()
            .position(|&len| {
                if pick < len {
                    true
                } else {
                    pick -= len;
                    false
                }
            })
            .unwrap_or(0);
        let Some((_, shard)) = ctx.locks.shards_of_db(db).nth(shard_index) else {
            break;
        };
        let Some(entry) = shard.main.random_entry(&mut rng) else {
            continue;
        };
        let key = entry.key.as_bytes().to_vec();
        let hash = shard.main.hash(&key);
        if shard.is_expired(hash, &key, now) {
            ctx.expire_if_needed(db, &key);
            continue;
        }
        ctx.out.bulk(&key);
        return;
    }
    ctx.out.null();
}

fn dbsize(ctx: &mut Ctx) {
    let db = ctx.db();
    let total: usize = ctx.locks.shards_of_db(db).map(|(_, s)| s.len()).sum();
    ctx.out.int(total as i64);
}

/// Parses FLUSHDB/FLUSHALL's optional ASYNC|SYNC; returns whether freeing may be deferred.
fn parse_flush_mode(ctx: &mut Ctx) -> Option<bool> {
    match ctx.argc() {
        1 => Some(false),
        2 if eq_ic(ctx.arg(1), "async") => Some(true),
        2 if eq_ic(ctx.arg(1), "sync") => Some(false),
        _ => {
            ctx.out.error(err::SYNTAX);
            None
        }
    }
}

/// Frees detached shard contents, on a background thread when asked to (or when large), so a
/// flush of millions of keys does not stall the connection's other work.
fn free_contents(contents: Vec<Shard>, lazy: bool) {
    let keys: usize = contents.iter().map(|s| s.len()).sum();
    if lazy || keys > 64 * 1024 {
        std::thread::spawn(move || {
            drop(contents);
            crate::memory::purge_dirty_pages();
        });
    } else {
        drop(contents);
    }
}

fn flush_dbs(ctx: &mut Ctx, dbs: &[usize], lazy: bool) {
    let mut detached = Vec::new();
    let mut removed = 0u64;
    for &db in dbs {
        let keyspace = &ctx.server.keyspace;
        for (_, shard) in ctx.locks.shards_of_db(db) {
            let main = &shard.main;
            shard
                .watched
                .touch_existing(|key| main.peek(keyspace.hash(key), key).is_some());
            removed += shard.len() as u64;
            detached.push(shard.take_all());
        }
    }
    free_contents(detached, lazy);
    ctx.mark_dirty(removed.max(1));
    // Tracked keys are not databases': every tracking client hears that all keys changed.
    crate::tracking::keys_flushed(ctx.server, Some(ctx.client.id()));
}

fn flushdb(ctx: &mut Ctx) {
    let Some(lazy) = parse_flush_mode(ctx) else {
        return;
    };
    let db = ctx.db();
    flush_dbs(ctx, &[db], lazy);
    ctx.out.ok();
}

fn flushall(ctx: &mut Ctx) {
    let Some(lazy) = parse_flush_mode(ctx) else {
        return;
    };
    let all: Vec<usize> = (0..ctx.server.keyspace.db_count()).collect();
    flush_dbs(ctx, &all, lazy);
    ctx.out.ok();
}

fn keys(ctx: &mut Ctx) {
    let pattern = ferrokey_util::glob::GlobPattern::new(ctx.arg(1), false);
    let db = ctx.db();
    let now = ctx.now_ms;
    let all = ctx.arg(1) == b"*";
    let mut found: Vec<Vec<u8>> = Vec::new();
    for (_, shard) in ctx.locks.shards_of_db(db) {
        let expires = &shard.expires;
        shard.main.for_each(|entry| {
            let key = entry.key.as_bytes();
            if !(all || pattern.matches(key)) {
                return;
            }
            if entry.has_expire() {
                let hash = expires.hash(key);
                if expires.peek(hash, key).is_some_and(|e| e.when_ms <= now) {
                    return;
                }
            }
            found.push(key.to_vec());
        });
    }
    ctx.out.array(found.len());
    for key in &found {
        ctx.out.bulk(key);
    }
}

/// SCAN's options.
struct ScanOptions {
    count: usize,
    pattern: Option<ferrokey_util::glob::GlobPattern>,
    type_filter: Option<ValueType>,
}

/// Parses a SCAN-family cursor, replying "invalid cursor" when it is not an unsigned integer.
pub fn parse_cursor(ctx: &mut Ctx, arg: &[u8]) -> Option<u64> {
    match ferrokey_util::number::parse_u64(arg) {
        Some(cursor) => Some(cursor),
        None => {
            ctx.out.error("ERR invalid cursor");
            None
        }
    }
}

fn parse_scan_options(ctx: &mut Ctx, first: usize) -> Option<ScanOptions> {
    let mut opts = ScanOptions {
        count: 10,
        pattern: None,
        type_filter: None,
    };
    let mut j = first;
    while j < ctx.argc() {
        let opt = ctx.arg(j);
        let has_next = j + 1 < ctx.argc();
        if eq_ic(opt, "count") && has_next {
            match parse_i64(ctx.arg(j + 1)) {
                Some(n) if n >= 1 => opts.count = n as usize,
                Some(_) => {
                    ctx.out.error(err::SYNTAX);
                    return None;
                }
                None => {
                    ctx.out.error(err::NOT_INTEGER);
                    return None;
                }
            }
        } else if eq_ic(opt, "match") && has_next {
            let pattern = ctx.arg(j + 1);
            opts.pattern =
                (pattern != b"*").then(|| ferrokey_util::glob::GlobPattern::new(pattern, false));
        } else if eq_ic(opt, "type") && has_next {
            let name = ctx.arg(j + 1);
            match ValueType::from_name(name) {
                Some(t) => opts.type_filter = Some(t),
                None => {
                    ctx.out.error(&format!(
                        "ERR unknown type name '{}'",
                        String::from_utf8_lossy(name)
                    ));
                    return None;
                }
            }
        } else {
            ctx.out.error(err::SYNTAX);
            return None;
        }
        j += 2;
    }
    Some(opts)
}

/// SCAN over the shards of a database. The cursor packs the shard index with the shard's own
/// table cursor (`inner * shards + shard`), so a scan walks the shards one after another and
/// inherits each table's guarantee across resizes.
fn scan(ctx: &mut Ctx) {
    let Some(cursor) = parse_cursor(ctx, ctx.arg(1)) else {
        return;
    };
    let Some(opts) = parse_scan_options(ctx, 2) else {
        return;
    };
    let db = ctx.db();
    let now = ctx.now_ms;
    let shard_count = ctx.server.keyspace.shard_count() as u64;
    let mut shard_index = cursor % shard_count;
    let mut inner = cursor / shard_count;
    let mut collected: Vec<Vec<u8>> = Vec::new();
    // Keys past their time that pass the filters: deleted (and announced) after the walk, as
    // Valkey's SCAN expires the keys it visits.
    let mut stale: Vec<Vec<u8>> = Vec::new();
    let mut budget = opts.count.saturating_mul(10);
    let mut next_cursor = 0u64;
    while budget > 0 && collected.len() < opts.count {
        let Some((_, shard)) = ctx.locks.shards_of_db(db).nth(shard_index as usize) else {
            break;
        };
        let expires = &shard.expires;
        inner = shard.main.scan(inner, |entry: &Entry| {
            let key = entry.key.as_bytes();
            if opts
                .type_filter
                .is_some_and(|t| entry.value.value_type() != t)
            {
                return;
            }
            if opts.pattern.as_ref().is_some_and(|p| !p.matches(key)) {
                return;
            }
            if entry.has_expire() {
                let hash = expires.hash(key);
                if expires.peek(hash, key).is_some_and(|e| e.when_ms <= now) {
                    stale.push(key.to_vec());
                    return;
                }
            }
            collected.push(key.to_vec());
        });
        budget -= 1;
        if inner == 0 {
            shard_index += 1;
            if shard_index >= shard_count {
                next_cursor = 0;
                break;
            }
        }
        next_cursor = inner
            .saturating_mul(shard_count)
            .saturating_add(shard_index);
    }
    for key in &stale {
        ctx.expire_if_needed(db, key);
    }
    ctx.out.array(2);
    ctx.out.bulk(next_cursor.to_string().as_bytes());
    ctx.out.array(collected.len());
    for key in &collected {
        ctx.out.bulk(key);
    }
}

/// Parses a database index argument, replying with the given error when it is not a number.
fn parse_db_index(ctx: &mut Ctx, arg: &[u8], not_number: &str) -> Option<usize> {
    let Some(index) = parse_i64(arg).filter(|n| i32::try_from(*n).is_ok()) else {
        ctx.out.error(not_number);
        return None;
    };
    if index < 0 || index as usize >= ctx.server.keyspace.db_count() {
        ctx.out.error(err::DB_INDEX);
        return None;
    }
    Some(index as usize)
}

fn swapdb(ctx: &mut Ctx) {
    let Some(a) = parse_db_index_lenient(ctx, ctx.arg(1), "ERR invalid first DB index") else {
        return;
    };
    let Some(b) = parse_db_index_lenient(ctx, ctx.arg(2), "ERR invalid second DB index") else {
        return;
    };
    let count = ctx.server.keyspace.db_count();
    if a >= count || b >= count {
        ctx.out.error(err::DB_INDEX);
        return;
    }
    ctx.locks.swap_dbs(a, b);
    ctx.mark_dirty(1);
    ctx.out.ok();
}

/// SWAPDB checks both indexes are numbers before checking either range.
fn parse_db_index_lenient(ctx: &mut Ctx, arg: &[u8], not_number: &str) -> Option<usize> {
    match parse_i64(arg).filter(|n| i32::try_from(*n).is_ok()) {
        Some(n) if n < 0 => {
            ctx.out.error(err::DB_INDEX);
            None
        }
        Some(n) => Some(n as usize),
        None => {
            ctx.out.error(not_number);
            None
        }
    }
}

fn move_cmd(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let Some(target) = parse_db_index(ctx, ctx.arg(2), err::NOT_INTEGER) else {
        return;
    };
    let src_db = ctx.db();
    if target == src_db {
        ctx.out.error(err::SAME_OBJECT);
        return;
    }
    if ctx.lookup_in(src_db, key, false).is_none() {
        ctx.out.int(0);
        return;
    }
    if ctx.lookup_in(target, key, false).is_some() {
        ctx.out.int(0);
        return;
    }
    let expire = ctx.expire_time(key);
    let Some(entry) = ctx.delete_in(src_db, key) else {
        ctx.out.int(0);
        return;
    };
    put_entry(ctx, target, key, entry, expire);
    ctx.mark_dirty(1);
    ctx.notify_in(src_db, class::GENERIC, "move_from", key);
    ctx.notify_in(target, class::GENERIC, "move_to", key);
    ctx.out.int(1);
}

fn copy(ctx: &mut Ctx) {
    let (src, dst) = (ctx.arg(1), ctx.arg(2));
    let src_db = ctx.db();
    let mut dst_db = src_db;
    let mut replace = false;
    let mut j = 3;
    while j < ctx.argc() {
        if eq_ic(ctx.arg(j), "replace") {
            replace = true;
        } else if eq_ic(ctx.arg(j), "db") && j + 1 < ctx.argc() {
            let Some(db) = parse_db_index(ctx, ctx.arg(j + 1), err::NOT_INTEGER) else {
                return;
            };
            dst_db = db;
            j += 1;
        } else {
            ctx.out.error(err::SYNTAX);
            return;
        }
        j += 1;
    }
    if src == dst && src_db == dst_db {
        ctx.out.error(err::SAME_OBJECT);
        return;
    }
    let Some((value, entry_flags)) = ctx
        .lookup_in(src_db, src, true)
        .map(|e| (e.value.clone(), e.flags))
    else {
        ctx.out.int(0);
        return;
    };
    let expire = ctx.expire_time(src);
    if ctx.lookup_in(dst_db, dst, false).is_some() {
        if !replace {
            ctx.out.int(0);
            return;
        }
        ctx.delete_in(dst_db, dst);
    }
    let entry = Entry {
        key: crate::keyspace::value::SmallBytes::new(dst),
        value,
        lru: 0,
        flags: entry_flags,
        lfu: crate::keyspace::LFU_INIT,
    };
    put_entry(ctx, dst_db, dst, entry, expire);
    ctx.mark_dirty(1);
    ctx.notify_in(dst_db, class::GENERIC, "copy_to", dst);
    ctx.out.int(1);
}

fn object_encoding(ctx: &mut Ctx) {
    let key = ctx.arg(2);
    let db = ctx.db();
    match ctx.lookup_object(db, key) {
        Some(entry) => {
            let name = entry.encoding_name();
            ctx.out.bulk(name.as_bytes());
        }
        None => ctx.out.null(),
    }
}

fn object_refcount(ctx: &mut Ctx) {
    let key = ctx.arg(2);
    let db = ctx.db();
    match ctx.lookup_object(db, key) {
        Some(_) => ctx.out.int(1),
        None => ctx.out.null(),
    }
}

const LFU_NOTE: &str = "Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

fn lfu_policy(ctx: &Ctx) -> bool {
    ctx.server
        .config
        .read()
        .get_raw("maxmemory-policy")
        .is_some_and(|p| p.contains("lfu"))
}

fn object_idletime(ctx: &mut Ctx) {
    let key = ctx.arg(2);
    let db = ctx.db();
    let clock = ctx.server.lru_clock();
    let Some(lru) = ctx.lookup_object(db, key).map(|e| e.lru) else {
        ctx.out.null();
        return;
    };
    if lfu_policy(ctx) {
        ctx.out.error(&format!(
            "ERR An LFU maxmemory policy is selected, idle time not tracked. {LFU_NOTE}"
        ));
        return;
    }
    let idle = if clock >= lru {
        clock - lru
    } else {
        clock + (crate::server::LRU_CLOCK_MAX - lru)
    };
    ctx.out.int(idle as i64);
}

fn object_freq(ctx: &mut Ctx) {
    let key = ctx.arg(2);
    let db = ctx.db();
    let now_minutes = ctx.now_ms / 60_000;
    let Some(freq) = ctx
        .lookup_object(db, key)
        .map(|e| crate::evict::lfu_decayed_counter(e, now_minutes))
    else {
        ctx.out.null();
        return;
    };
    if !lfu_policy(ctx) {
        ctx.out.error(&format!(
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. {LFU_NOTE}"
        ));
        return;
    }
    ctx.out.int(freq as i64);
}

fn object_help(ctx: &mut Ctx) {
    super::reply_help(
        ctx,
        "OBJECT",
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    );
}

impl Ctx<'_, '_> {
    /// Looks a key up after lazy expiry without changing its access time or statistics.
    pub fn lookup_peek(&mut self, db: usize, key: &[u8]) -> Option<&mut Entry> {
        self.expire_if_needed(db, key);
        let hash = self.server.keyspace.hash(key);
        self.locks.shard(db, hash)?.get_raw(hash, key)
    }

    /// Valkey's `lookupKeyReadWithFlags(LOOKUP_NOTOUCH)` (EXISTS, TYPE, the TTL family): lazy
    /// expiry, hit/miss statistics and `keymiss`, but the access time stays.
    pub fn lookup_read_no_touch(&mut self, db: usize, key: &[u8]) -> Option<&mut Entry> {
        self.lookup_with(db, key, false, true)
    }

    /// OBJECT's lookup (`LOOKUP_NOTOUCH | LOOKUP_NONOTIFY`): counted as a hit or miss, but
    /// neither touching the key nor raising `keymiss`.
    pub(super) fn lookup_object(&mut self, db: usize, key: &[u8]) -> Option<&mut Entry> {
        let server = self.server;
        let entry = self.lookup_peek(db, key);
        let counter = if entry.is_some() {
            &server.stats.keyspace_hits
        } else {
            &server.stats.keyspace_misses
        };
        counter.add(1);
        entry
    }
}
