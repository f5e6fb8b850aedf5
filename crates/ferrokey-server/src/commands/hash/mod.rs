//! The hash family: HSET/HMSET/HSETNX/HDEL, field reads (HGET, HMGET, HEXISTS, HSTRLEN, HLEN),
//! whole-hash reads (HGETALL, HKEYS, HVALS) and the counters HINCRBY/HINCRBYFLOAT here;
//! HRANDFIELD and HSCAN in `random_scan`; Valkey 9.0's per-field expiry in `ttl` (HEXPIRE and
//! its family, HTTL and its family, HPERSIST) and `ex` (HGETEX, HSETEX, and HGETDEL as Valkey 9.1
//! defines it).
//!
//! Behaviour follows Valkey's `t_hash.c`: the order of checks (which error wins), which lookups
//! count as keyspace hits, and when the encoding converts (`ferrokey_ds::hash` holds the rules).
//! Invariants kept here: a hash never stays in the keyspace empty (a command that empties it
//! deletes the key), a write that fails leaves no key behind, and `dirty` counts as Valkey does:
//! HSET counts every pair it was given, changed or not, so it always replicates.
//!
//! Field expiry follows Valkey 9.0: an expired field is absent for every command (reads skip it,
//! writes overwrite it as new) but stays stored, and counted by HLEN, until the active expiry
//! cycle reclaims it as `HDEL`; nothing deletes it on access. A key whose hash has fields with
//! expiry times is listed in its shard's `VolatileHashes` for that cycle; the commands that can
//! change whether a hash has such fields keep the listing current (`track_volatility`).
//!
//! Keyspace events follow Valkey 9.0's `t_hash.c`: `hset` for every HSET/HMSET (changed or
//! not) and for an HSETNX that set its field, `hincrby`/`hincrbyfloat`, `hdel` when fields went,
//! then `del` when the command emptied the key. A write that overwrote fields whose time had
//! passed first raises one `hexpired`, as if they had just expired. The expiry commands raise
//! `hexpire`, `hpersist`, or `hexpired` for a time already past (see `ttl` and `ex`); the active
//! cycle raises `hexpired` (and `del`) for the fields it reclaims.
//!
//! Effects: HINCRBYFLOAT replicates as `HSET key field <result>` so replicas never redo the
//! float arithmetic; on a hash with field times the counters and HSETNX replicate as HSET (or
//! `HSETEX key PXAT <time> FIELDS 1 field value` to keep a field's time), because a replica
//! that still holds a field the primary saw expire must end in the same state.

mod ex;
mod random_scan;
mod ttl;

use ferrokey_ds::hash::{Entry, FieldExpiry, HashLimits, HashValue, PairEntries, SetOutcome};
use ferrokey_ds::listpack::INT_BUF_LEN;
use ferrokey_resp::ReplyBuf;
use ferrokey_util::long_double::LongDouble;

use super::registry::{Binding, Scope};
use super::{err, parse_i64, Ctx};
use crate::keyspace::value::Value;
use crate::notify::class;
use crate::util::eq_ic;

pub const COMMANDS: &[Binding] = &[
    ("hset", hset, Scope::Keys),
    ("hmset", hset, Scope::Keys),
    ("hsetnx", hsetnx, Scope::Keys),
    ("hget", hget, Scope::Keys),
    ("hmget", hmget, Scope::Keys),
    ("hgetall", hgetall, Scope::Keys),
    ("hkeys", hkeys, Scope::Keys),
    ("hvals", hvals, Scope::Keys),
    ("hdel", hdel, Scope::Keys),
    ("hlen", hlen, Scope::Keys),
    ("hexists", hexists, Scope::Keys),
    ("hstrlen", hstrlen, Scope::Keys),
    ("hincrby", hincrby, Scope::Keys),
    ("hincrbyfloat", hincrbyfloat, Scope::Keys),
    ("hrandfield", random_scan::hrandfield, Scope::Keys),
    ("hscan", random_scan::hscan, Scope::Keys),
    ("hexpire", ttl::hexpire, Scope::Keys),
    ("hpexpire", ttl::hpexpire, Scope::Keys),
    ("hexpireat", ttl::hexpireat, Scope::Keys),
    ("hpexpireat", ttl::hpexpireat, Scope::Keys),
    ("httl", ttl::httl, Scope::Keys),
    ("hpttl", ttl::hpttl, Scope::Keys),
    ("hexpiretime", ttl::hexpiretime, Scope::Keys),
    ("hpexpiretime", ttl::hpexpiretime, Scope::Keys),
    ("hpersist", ttl::hpersist, Scope::Keys),
    ("hgetex", ex::hgetex, Scope::Keys),
    ("hsetex", ex::hsetex, Scope::Keys),
    ("hgetdel", ex::hgetdel, Scope::Keys),
];

type Found<'a> = super::Found<'a, HashValue>;

/// A field and its value, borrowed from a hash (a listpack hands integers out as integers).
type PairRef<'h> = PairEntries<'h>;

/// The error of the field-expiry commands when FIELDS is missing or its count is wrong.
const NUMFIELDS_MISMATCH: &str =
    "ERR numfields should be greater than 0 and match the provided number of fields";

/// Looks `key` up as a hash value (see `Ctx::find_typed`).
fn find<'a>(ctx: &'a mut Ctx, key: &[u8], read: bool) -> (&'a mut ReplyBuf, Found<'a>) {
    ctx.find_typed(key, read, |value| match value {
        Value::Hash(inner) => Some(&mut **inner),
        _ => None,
    })
}

fn limits(ctx: &Ctx) -> HashLimits {
    let settings = &ctx.server.settings;
    let load = crate::server::Settings::limit;
    HashLimits {
        max_listpack_entries: load(&settings.hash_max_listpack_entries),
        max_listpack_value: load(&settings.hash_max_listpack_value),
    }
}

fn int_reply(out: &mut ReplyBuf, n: usize) {
    out.int(i64::try_from(n).unwrap_or(i64::MAX));
}

/// Replies with a field or value as a bulk string (an integer entry in its decimal form, which
/// is the text that was stored).
fn bulk_entry(out: &mut ReplyBuf, entry: Entry) {
    match entry {
        Entry::Int(value) => out.bulk_int(value),
        Entry::Str(bytes) => out.bulk(bytes),
    }
}

/// Lists or unlists `key` in its shard's `VolatileHashes`, to match whether its hash now has
/// fields with expiry times. Call after a write that may have changed that.
fn track_volatility(ctx: &mut Ctx, key: &[u8], volatile: bool) {
    let db = ctx.db();
    let hash = ctx.server.keyspace.hash(key);
    if let Some(shard) = ctx.locks.shard(db, hash) {
        if volatile {
            shard.volatile_hashes.track(hash, key);
        } else {
            shard.volatile_hashes.untrack(hash, key);
        }
    }
}

/// After a write on an existing hash: deletes the key if the hash is now empty, or keeps its
/// listing in `VolatileHashes` current. `was_volatile` is what the hash had before the write.
/// Returns whether the key was deleted; the caller raises `del` after its own event.
fn settle_after_write(ctx: &mut Ctx, key: &[u8], was_volatile: bool) -> bool {
    let (_, found) = find(ctx, key, false);
    let state = match found {
        Found::Value(hash) => Some((hash.is_empty(), hash.has_volatile_fields())),
        _ => None,
    };
    match state {
        Some((true, _)) => ctx.delete(key),
        Some((false, volatile)) if volatile != was_volatile => {
            track_volatility(ctx, key, volatile);
            false
        }
        _ => false,
    }
}

/// Raises `del` for a key the command deleted, after the command's own events.
fn raise_del_if(ctx: &Ctx, deleted: bool, key: &[u8]) {
    if deleted {
        ctx.notify(class::GENERIC, "del", key);
    }
}

/// Raises `hexpired` before a write's own event when it overwrote fields whose time had passed:
/// Valkey treats them as expired at that moment (one event however many there were).
fn raise_overwritten_expired(ctx: &Ctx, overwritten: bool, key: &[u8]) {
    if overwritten {
        ctx.notify(class::HASH, "hexpired", key);
    }
}

/// A replayable command from its words.
fn effect<'a>(words: impl IntoIterator<Item = &'a [u8]>) -> Vec<Vec<u8>> {
    words.into_iter().map(<[u8]>::to_vec).collect()
}

/// Stores `value` under `field` of the hash at `key` with the given expiry, creating the hash
/// when missing (the caller already checked the type). `try_args` are the field/value arguments
/// Valkey's `hashTypeTryConversion` inspects first (empty for the counters, which skip it).
fn store(
    ctx: &mut Ctx,
    key: &[u8],
    try_args: &[&[u8]],
    field: &[u8],
    value: &[u8],
    expiry: FieldExpiry,
) -> SetOutcome {
    let limits = limits(ctx);
    let now = ctx.now_ms;
    let (_, found) = find(ctx, key, false);
    match found {
        Found::Value(hash) => {
            let was_volatile = hash.has_volatile_fields();
            hash.try_conversion(try_args, &limits);
            let outcome = hash.set_field(field, value, expiry, &limits, now);
            let volatile = hash.has_volatile_fields();
            if volatile != was_volatile {
                track_volatility(ctx, key, volatile);
            }
            outcome
        }
        // Callers reply WRONGTYPE before storing; never replace another type's value.
        Found::WrongType => SetOutcome {
            created: false,
            expired_overwritten: false,
        },
        Found::Missing => {
            let mut hash = HashValue::new();
            hash.try_conversion(try_args, &limits);
            let outcome = hash.set_field(field, value, expiry, &limits, now);
            ctx.set_value(key, Value::Hash(Box::new(hash)), 0, false);
            outcome
        }
    }
}

/// The effect of a counter on a hash with field times: the result as HSET, or as HSETEX with
/// the field's absolute time when it has one.
fn counter_effect(key: &[u8], field: &[u8], value: &[u8], expiry: Option<i64>) -> Vec<Vec<u8>> {
    match expiry {
        None => effect([&b"HSET"[..], key, field, value]),
        Some(when) => {
            let when = when.to_string();
            effect([
                &b"HSETEX"[..],
                key,
                b"PXAT",
                when.as_bytes(),
                b"FIELDS",
                b"1",
                field,
                value,
            ])
        }
    }
}

// --- writes -------------------------------------------------------------------------------------

/// HSET and HMSET: the same write, replying with the new-field count or OK.
fn hset(ctx: &mut Ctx) {
    let args = ctx.args;
    if args.len() % 2 == 1 {
        let command = String::from_utf8_lossy(ctx.arg(0)).to_ascii_lowercase();
        return ctx.out.error(&format!(
            "ERR wrong number of arguments for '{command}' command"
        ));
    }
    let key = ctx.arg(1);
    let pairs = args.get(2..).unwrap_or(&[]);
    let limits = limits(ctx);
    let now = ctx.now_ms;
    // (fields created, whether any overwritten field had expired)
    let set_all = |hash: &mut HashValue| {
        let mut created = 0;
        let mut expired_overwritten = false;
        for pair in pairs.chunks_exact(2) {
            let [field, value] = pair else { continue };
            let outcome = hash.set_field(field, value, FieldExpiry::Persistent, &limits, now);
            created += usize::from(outcome.created);
            expired_overwritten |= outcome.expired_overwritten;
        }
        (created, expired_overwritten)
    };
    let (out, found) = find(ctx, key, false);
    let (created, expired_overwritten) = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Value(hash) => {
            let was_volatile = hash.has_volatile_fields();
            hash.try_conversion(pairs, &limits);
            let created = set_all(hash);
            if was_volatile && !hash.has_volatile_fields() {
                track_volatility(ctx, key, false);
            }
            created
        }
        Found::Missing => {
            let mut hash = HashValue::new();
            hash.try_conversion(pairs, &limits);
            let created = set_all(&mut hash);
            ctx.set_value(key, Value::Hash(Box::new(hash)), 0, false);
            created
        }
    };
    if eq_ic(ctx.arg(0), "hmset") {
        ctx.out.ok();
    } else {
        int_reply(ctx.out, created);
    }
    ctx.mark_dirty((pairs.len() / 2) as u64);
    raise_overwritten_expired(ctx, expired_overwritten, key);
    ctx.notify(class::HASH, "hset", key);
}

fn hsetnx(ctx: &mut Ctx) {
    let (key, field, value) = (ctx.arg(1), ctx.arg(2), ctx.arg(3));
    let now = ctx.now_ms;
    let (out, found) = find(ctx, key, false);
    let was_volatile = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Value(hash) if hash.contains(field, now) => return out.int(0),
        Found::Value(hash) => hash.has_volatile_fields(),
        Found::Missing => false,
    };
    let outcome = store(
        ctx,
        key,
        &[field, value],
        field,
        value,
        FieldExpiry::Persistent,
    );
    ctx.out.int(1);
    ctx.mark_dirty(1);
    raise_overwritten_expired(ctx, outcome.expired_overwritten, key);
    ctx.notify(class::HASH, "hset", key);
    if was_volatile {
        // A replica may still hold the field this primary saw expire: HSETNX there would fail.
        ctx.record_effect(effect([&b"HSET"[..], key, field, value]));
    }
}

fn hdel(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let args = ctx.args;
    let fields = args.get(2..).unwrap_or(&[]);
    let now = ctx.now_ms;
    let (out, found) = find(ctx, key, false);
    let hash = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => return out.int(0),
        Found::Value(hash) => hash,
    };
    let was_volatile = hash.has_volatile_fields();
    let mut deleted = 0usize;
    for field in fields {
        if hash.remove(field, now) {
            deleted += 1;
            if hash.is_empty() {
                break;
            }
        }
    }
    int_reply(out, deleted);
    let key_deleted = settle_after_write(ctx, key, was_volatile);
    ctx.mark_dirty(deleted as u64);
    if deleted > 0 {
        ctx.notify(class::HASH, "hdel", key);
    }
    raise_del_if(ctx, key_deleted, key);
}

fn hincrby(ctx: &mut Ctx) {
    let Some(increment) = parse_i64(ctx.arg(3)) else {
        return ctx.out.error(err::NOT_INTEGER);
    };
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let now = ctx.now_ms;
    let (out, found) = find(ctx, key, false);
    let (current, expiry, was_volatile) = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => (0, None, false),
        Found::Value(hash) => match hash.get_with_expiry(field, now) {
            None => (0, None, hash.has_volatile_fields()),
            Some((text, expiry)) => match parse_i64(text.into_bytes(&mut [0u8; INT_BUF_LEN])) {
                Some(n) => (n, expiry, hash.has_volatile_fields()),
                None => return out.error("ERR hash value is not an integer"),
            },
        },
    };
    let Some(result) = current.checked_add(increment) else {
        return out.error(err::OVERFLOW);
    };
    let mut tmp = [0u8; 20];
    let text = ferrokey_resp::fmt_i64(&mut tmp, result);
    let keep = expiry.map_or(FieldExpiry::Persistent, FieldExpiry::At);
    let outcome = store(ctx, key, &[], field, text, keep);
    ctx.out.int(result);
    ctx.mark_dirty(1);
    raise_overwritten_expired(ctx, outcome.expired_overwritten, key);
    ctx.notify(class::HASH, "hincrby", key);
    if was_volatile {
        ctx.record_effect(counter_effect(key, field, text, expiry));
    }
}

fn hincrbyfloat(ctx: &mut Ctx) {
    let increment = match LongDouble::parse(ctx.arg(3)) {
        None => return ctx.out.error(err::NOT_FLOAT),
        Some(value) if !value.is_finite() => {
            return ctx.out.error("ERR value is NaN or Infinity");
        }
        Some(value) => value,
    };
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let now = ctx.now_ms;
    let (out, found) = find(ctx, key, false);
    let (current, expiry) = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => (LongDouble::ZERO, None),
        Found::Value(hash) => match hash.get_with_expiry(field, now) {
            None => (LongDouble::ZERO, None),
            Some((text, expiry)) => {
                match LongDouble::parse(text.into_bytes(&mut [0u8; INT_BUF_LEN])) {
                    Some(value) => (value, expiry),
                    None => return out.error("ERR hash value is not a float"),
                }
            }
        },
    };
    let Some(result) = current.checked_add(increment) else {
        return out.error("ERR increment would produce NaN or Infinity");
    };
    let text = result.format_human();
    let keep = expiry.map_or(FieldExpiry::Persistent, FieldExpiry::At);
    let outcome = store(ctx, key, &[], field, &text, keep);
    ctx.out.bulk(&text);
    ctx.mark_dirty(1);
    raise_overwritten_expired(ctx, outcome.expired_overwritten, key);
    ctx.notify(class::HASH, "hincrbyfloat", key);
    ctx.record_effect(counter_effect(key, field, &text, expiry));
}

// --- reads --------------------------------------------------------------------------------------

fn hget(ctx: &mut Ctx) {
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let now = ctx.now_ms;
    let (out, found) = find(ctx, key, true);
    match found {
        Found::WrongType => out.error(err::WRONGTYPE),
        Found::Missing => out.null(),
        Found::Value(hash) => match hash.get(field, now) {
            Some(value) => bulk_entry(out, value),
            None => out.null(),
        },
    }
}

fn hmget(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let args = ctx.args;
    let fields = args.get(2..).unwrap_or(&[]);
    let now = ctx.now_ms;
    let (out, found) = find(ctx, key, true);
    let hash = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => None,
        Found::Value(hash) => Some(hash),
    };
    out.array(fields.len());
    for field in fields {
        match hash.as_ref().and_then(|h| h.get(field, now)) {
            Some(value) => bulk_entry(out, value),
            None => out.null(),
        }
    }
}

/// HLEN counts expired fields not yet reclaimed, as Valkey 9.0 does.
fn hlen(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let (out, found) = find(ctx, key, true);
    match found {
        Found::WrongType => out.error(err::WRONGTYPE),
        Found::Missing => out.int(0),
        Found::Value(hash) => int_reply(out, hash.len()),
    }
}

fn hexists(ctx: &mut Ctx) {
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let now = ctx.now_ms;
    let (out, found) = find(ctx, key, true);
    match found {
        Found::WrongType => out.error(err::WRONGTYPE),
        Found::Missing => out.int(0),
        Found::Value(hash) => out.int(i64::from(hash.contains(field, now))),
    }
}

fn hstrlen(ctx: &mut Ctx) {
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let now = ctx.now_ms;
    let (out, found) = find(ctx, key, true);
    match found {
        Found::WrongType => out.error(err::WRONGTYPE),
        Found::Missing => out.int(0),
        Found::Value(hash) => int_reply(
            out,
            hash.get(field, now).map_or(0, |value| value.byte_len()),
        ),
    }
}

/// Which halves of each pair a whole-hash read returns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parts {
    Fields,
    Values,
    Both,
}

fn reply_whole(ctx: &mut Ctx, parts: Parts) {
    let key = ctx.arg(1);
    let now = ctx.now_ms;
    let (out, found) = find(ctx, key, true);
    let hash = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing if parts == Parts::Both => return out.map(0),
        Found::Missing => return out.array(0),
        Found::Value(hash) => hash,
    };
    let len = hash.live_len(now);
    if parts == Parts::Both {
        out.map(len);
    } else {
        out.array(len);
    }
    for (field, value) in hash.iter_live(now) {
        if parts != Parts::Values {
            bulk_entry(out, field);
        }
        if parts != Parts::Fields {
            bulk_entry(out, value);
        }
    }
}

fn hgetall(ctx: &mut Ctx) {
    reply_whole(ctx, Parts::Both);
}

fn hkeys(ctx: &mut Ctx) {
    reply_whole(ctx, Parts::Fields);
}

fn hvals(ctx: &mut Ctx) {
    reply_whole(ctx, Parts::Values);
}

#[cfg(test)]
mod tests;
