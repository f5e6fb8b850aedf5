//! The hash family: HSET/HMSET/HSETNX/HDEL, field reads (HGET, HMGET, HEXISTS, HSTRLEN, HLEN),
//! whole-hash reads (HGETALL, HKEYS, HVALS), the counters HINCRBY/HINCRBYFLOAT, HRANDFIELD and
//! HSCAN. Per-field expiry (HEXPIRE and friends) is not implemented.
//!
//! Behaviour follows Valkey 8.1's `t_hash.c`: the order of checks (which error wins), which
//! lookups count as keyspace hits, and when the encoding converts (`ferrokey_ds::hash` holds the
//! rules). Invariants kept here: a hash never stays in the keyspace empty (HDEL deletes the key
//! it empties), a write that fails leaves no key behind, and `dirty` counts as Valkey does: HSET
//! counts every pair it was given, changed or not, so it always replicates. HINCRBYFLOAT
//! replicates as `HSET key field <result>` so replicas never redo the float arithmetic.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use ferrokey_ds::hash::{HashLimits, HashValue};
use ferrokey_resp::ReplyBuf;
use ferrokey_util::long_double::LongDouble;
use rand::Rng;

use super::registry::{Binding, Scope};
use super::{err, parse_i64, Ctx};
use crate::keyspace::value::Value;
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
    ("hrandfield", hrandfield, Scope::Keys),
    ("hscan", hscan, Scope::Keys),
];

type Found<'a> = super::Found<'a, HashValue>;

/// A field and its value, borrowed from a hash.
type PairRef<'h> = (&'h [u8], &'h [u8]);

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

/// Stores `value` under `field` of the hash at `key`, creating the hash when missing (the
/// caller already checked the type). `try_args` are the field/value arguments Valkey's
/// `hashTypeTryConversion` inspects first (empty for the counters, which skip it).
fn store(ctx: &mut Ctx, key: &[u8], try_args: &[&[u8]], field: &[u8], value: &[u8]) -> bool {
    let limits = limits(ctx);
    let (_, found) = find(ctx, key, false);
    match found {
        Found::Value(hash) => {
            hash.try_conversion(try_args, &limits);
            hash.set(field, value, &limits)
        }
        // Callers reply WRONGTYPE before storing; never replace another type's value.
        Found::WrongType => false,
        Found::Missing => {
            let mut hash = HashValue::new();
            hash.try_conversion(try_args, &limits);
            hash.set(field, value, &limits);
            ctx.set_value(key, Value::Hash(Box::new(hash)), 0, false);
            true
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
    let (out, found) = find(ctx, key, false);
    let created = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Value(hash) => {
            hash.try_conversion(pairs, &limits);
            pairs
                .chunks_exact(2)
                .filter(|pair| matches!(pair, [f, v] if hash.set(f, v, &limits)))
                .count()
        }
        Found::Missing => {
            let mut hash = HashValue::new();
            hash.try_conversion(pairs, &limits);
            let created = pairs
                .chunks_exact(2)
                .filter(|pair| matches!(pair, [f, v] if hash.set(f, v, &limits)))
                .count();
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
}

fn hsetnx(ctx: &mut Ctx) {
    let (key, field, value) = (ctx.arg(1), ctx.arg(2), ctx.arg(3));
    let (out, found) = find(ctx, key, false);
    match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Value(hash) if hash.contains(field) => return out.int(0),
        _ => {}
    }
    store(ctx, key, &[field, value], field, value);
    ctx.out.int(1);
    ctx.mark_dirty(1);
}

fn hdel(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let args = ctx.args;
    let fields = args.get(2..).unwrap_or(&[]);
    let (out, found) = find(ctx, key, false);
    let hash = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => return out.int(0),
        Found::Value(hash) => hash,
    };
    let mut deleted = 0usize;
    for field in fields {
        if hash.remove(field) {
            deleted += 1;
            if hash.is_empty() {
                break;
            }
        }
    }
    int_reply(out, deleted);
    if hash.is_empty() {
        ctx.delete(key);
    }
    ctx.mark_dirty(deleted as u64);
}

fn hincrby(ctx: &mut Ctx) {
    let Some(increment) = parse_i64(ctx.arg(3)) else {
        return ctx.out.error(err::NOT_INTEGER);
    };
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let (out, found) = find(ctx, key, false);
    let current = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => 0,
        Found::Value(hash) => match hash.get(field) {
            None => 0,
            Some(text) => match parse_i64(text) {
                Some(n) => n,
                None => return out.error("ERR hash value is not an integer"),
            },
        },
    };
    let Some(result) = current.checked_add(increment) else {
        return out.error(err::OVERFLOW);
    };
    let mut tmp = [0u8; 20];
    let text = ferrokey_resp::fmt_i64(&mut tmp, result);
    store(ctx, key, &[], field, text);
    ctx.out.int(result);
    ctx.mark_dirty(1);
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
    let (out, found) = find(ctx, key, false);
    let current = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => LongDouble::ZERO,
        Found::Value(hash) => match hash.get(field) {
            None => LongDouble::ZERO,
            Some(text) => match LongDouble::parse(text) {
                Some(value) => value,
                None => return out.error("ERR hash value is not a float"),
            },
        },
    };
    let Some(result) = current.checked_add(increment) else {
        return out.error("ERR increment would produce NaN or Infinity");
    };
    let text = result.format_human();
    store(ctx, key, &[], field, &text);
    ctx.out.bulk(&text);
    ctx.mark_dirty(1);
    ctx.record_effect(vec![b"HSET".to_vec(), key.to_vec(), field.to_vec(), text]);
}

// --- reads --------------------------------------------------------------------------------------

fn hget(ctx: &mut Ctx) {
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let (out, found) = find(ctx, key, true);
    match found {
        Found::WrongType => out.error(err::WRONGTYPE),
        Found::Missing => out.null(),
        Found::Value(hash) => match hash.get(field) {
            Some(value) => out.bulk(value),
            None => out.null(),
        },
    }
}

fn hmget(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let args = ctx.args;
    let fields = args.get(2..).unwrap_or(&[]);
    let (out, found) = find(ctx, key, true);
    let hash = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => None,
        Found::Value(hash) => Some(hash),
    };
    out.array(fields.len());
    for field in fields {
        match hash.as_ref().and_then(|h| h.get(field)) {
            Some(value) => out.bulk(value),
            None => out.null(),
        }
    }
}

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
    let (out, found) = find(ctx, key, true);
    match found {
        Found::WrongType => out.error(err::WRONGTYPE),
        Found::Missing => out.int(0),
        Found::Value(hash) => out.int(i64::from(hash.contains(field))),
    }
}

fn hstrlen(ctx: &mut Ctx) {
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let (out, found) = find(ctx, key, true);
    match found {
        Found::WrongType => out.error(err::WRONGTYPE),
        Found::Missing => out.int(0),
        Found::Value(hash) => int_reply(out, hash.get(field).map_or(0, <[u8]>::len)),
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
    let (out, found) = find(ctx, key, true);
    let hash = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing if parts == Parts::Both => return out.map(0),
        Found::Missing => return out.array(0),
        Found::Value(hash) => hash,
    };
    if parts == Parts::Both {
        out.map(hash.len());
    } else {
        out.array(hash.len());
    }
    for (field, value) in hash.iter() {
        if parts != Parts::Values {
            out.bulk(field);
        }
        if parts != Parts::Fields {
            out.bulk(value);
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

// --- HRANDFIELD ---------------------------------------------------------------------------------

/// The error of a count Valkey bounds to `-LONG_MAX..=LONG_MAX`: only `i64::MIN` reaches it.
const OUTSIDE_SYMMETRIC_RANGE: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

/// Replies with `pairs`: flat in RESP2, each pair a two-element array in RESP3 WITHVALUES.
fn reply_pairs<'h>(
    out: &mut ReplyBuf,
    len: usize,
    pairs: impl Iterator<Item = (&'h [u8], &'h [u8])>,
    withvalues: bool,
) {
    let nested = withvalues && out.is_resp3();
    out.array(if withvalues && !nested {
        len.saturating_mul(2)
    } else {
        len
    });
    for (field, value) in pairs {
        if nested {
            out.array(2);
        }
        out.bulk(field);
        if withvalues {
            out.bulk(value);
        }
    }
}

fn hrandfield(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    if ctx.argc() < 3 {
        let (out, found) = find(ctx, key, true);
        return match found {
            Found::WrongType => out.error(err::WRONGTYPE),
            Found::Missing => out.null(),
            Found::Value(hash) => {
                let index = rand::thread_rng().gen_range(0..hash.len().max(1));
                match hash.iter().nth(index) {
                    Some((field, _)) => out.bulk(field),
                    None => out.null(),
                }
            }
        };
    }
    let count = match parse_i64(ctx.arg(2)) {
        None => return ctx.out.error(err::NOT_INTEGER),
        Some(i64::MIN) => return ctx.out.error(OUTSIDE_SYMMETRIC_RANGE),
        Some(n) => n,
    };
    if ctx.argc() > 4 || (ctx.argc() == 4 && !eq_ic(ctx.arg(3), "withvalues")) {
        return ctx.out.error(err::SYNTAX);
    }
    let withvalues = ctx.argc() == 4;
    if withvalues && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return ctx.out.error("ERR value is out of range");
    }
    let (out, found) = find(ctx, key, true);
    let hash = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => return out.array(0),
        Found::Value(hash) => hash,
    };
    if count == 0 || hash.is_empty() {
        return out.array(0);
    }
    let wanted = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    let len = hash.len();
    if count > 0 && wanted >= len {
        return reply_pairs(out, len, hash.iter(), withvalues);
    }
    // Pair references are gathered once so every pick is O(1) whatever the encoding.
    let pairs: Vec<PairRef> = hash.iter().collect();
    let mut rng = rand::thread_rng();
    if count < 0 || wanted == 1 {
        // Repetitions allowed: each pick is independent, streamed rather than collected.
        let picks = (0..wanted).filter_map(|_| pairs.get(rng.gen_range(0..len)).copied());
        return reply_pairs(out, wanted, picks, withvalues);
    }
    let chosen = rand::seq::index::sample(&mut rng, len, wanted);
    let picks = chosen.into_iter().filter_map(|i| pairs.get(i).copied());
    reply_pairs(out, wanted, picks, withvalues);
}

// --- HSCAN --------------------------------------------------------------------------------------

/// The position of a hashtable field in HSCAN's walk: its hash under a fixed hasher, so the
/// order does not depend on the table's layout and survives every resize.
fn scan_position(field: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    field.hash(&mut hasher);
    hasher.finish()
}

/// One HSCAN step over a hashtable: the pairs whose field's scan position is at least `cursor`,
/// in position order, at least `count` of them (plus every pair sharing the last position, so a
/// collision never splits across calls), and the next cursor (0 when the walk is complete). A
/// pair present for the whole scan is returned exactly once. A step reads the whole hash, so the
/// batch grows with it (COUNT is only a hint) to bound a full scan at about 256 steps.
fn hashtable_scan_step(hash: &HashValue, cursor: u64, count: usize) -> (u64, Vec<PairRef<'_>>) {
    let batch = count.max(hash.len() / 256).max(1);
    let mut candidates: Vec<(u64, &[u8], &[u8])> = hash
        .iter()
        .filter_map(|(field, value)| {
            let position = scan_position(field);
            (position >= cursor).then_some((position, field, value))
        })
        .collect();
    candidates.sort_unstable_by_key(|(position, _, _)| *position);
    let mut taken = batch.min(candidates.len());
    if let Some(&(last, _, _)) = taken.checked_sub(1).and_then(|i| candidates.get(i)) {
        while candidates.get(taken).is_some_and(|(p, _, _)| *p == last) {
            taken += 1;
        }
    }
    let next = candidates.get(taken).map_or(0, |(p, _, _)| *p);
    candidates.truncate(taken);
    let pairs = candidates.into_iter().map(|(_, f, v)| (f, v)).collect();
    (next, pairs)
}

fn hscan(ctx: &mut Ctx) {
    let Some(cursor) = super::keys::parse_cursor(ctx, ctx.arg(2)) else {
        return;
    };
    let key = ctx.arg(1);
    let args = ctx.args;
    let (out, found) = find(ctx, key, true);
    let hash = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => {
            out.array(2);
            out.bulk(b"0");
            return out.array(0);
        }
        Found::Value(hash) => hash,
    };
    let mut count = 10usize;
    let mut pattern: Option<ferrokey_util::glob::GlobPattern> = None;
    let mut novalues = false;
    let mut j = 3;
    while let Some(&opt) = args.get(j) {
        let value = args.get(j + 1).copied();
        match value {
            Some(value) if eq_ic(opt, "count") => match parse_i64(value) {
                Some(n) if n >= 1 => count = usize::try_from(n).unwrap_or(usize::MAX),
                Some(_) => return out.error(err::SYNTAX),
                None => return out.error(err::NOT_INTEGER),
            },
            Some(value) if eq_ic(opt, "match") => {
                pattern =
                    (value != b"*").then(|| ferrokey_util::glob::GlobPattern::new(value, false));
            }
            _ if eq_ic(opt, "novalues") => {
                novalues = true;
                j += 1;
                continue;
            }
            _ if eq_ic(opt, "noscores") => {
                return out.error("ERR NOSCORES option can only be used in ZSCAN");
            }
            _ => return out.error(err::SYNTAX),
        }
        j += 2;
    }
    let (next, pairs) = match hash {
        HashValue::HashTable(_) => hashtable_scan_step(hash, cursor, count),
        // A listpack is returned whole in one call, whatever the cursor.
        HashValue::Listpack(_) => (0, hash.iter().collect()),
    };
    let matches = |field: &[u8]| pattern.as_ref().is_none_or(|p| p.matches(field));
    let pairs: Vec<PairRef> = pairs.into_iter().filter(|(f, _)| matches(f)).collect();
    out.array(2);
    out.bulk(next.to_string().as_bytes());
    out.array(if novalues {
        pairs.len()
    } else {
        pairs.len() * 2
    });
    for (field, value) in pairs {
        out.bulk(field);
        if !novalues {
            out.bulk(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::hashtable_scan_step;
    use ferrokey_ds::hash::{HashLimits, HashValue};

    use crate::test_support::{effects_of, words};

    #[test]
    fn effects_follow_valkey() {
        let effects = effects_of(&[
            &["HSET", "h", "a", "1"],
            &["HSET", "h", "a", "1"],
            &["HINCRBYFLOAT", "h", "f", "1.50"],
            &["HINCRBY", "h", "n", "2"],
            &["HDEL", "h", "missing"],
            &["HSETNX", "h", "a", "2"],
            &["HINCRBY", "h", "a", "x"],
            &["HINCRBYFLOAT", "h", "a", "inf"],
            &["HDEL", "h", "a", "f", "n"],
        ]);
        assert_eq!(effects[0], vec![words("HSET h a 1")]);
        assert_eq!(effects[1], vec![words("HSET h a 1")], "HSET always counts");
        assert_eq!(effects[2], vec![words("HSET h f 1.5")]);
        assert_eq!(effects[3], vec![words("HINCRBY h n 2")]);
        assert!(effects[4..8].iter().all(|e| e.is_empty()), "{effects:?}");
        assert_eq!(effects[8], vec![words("HDEL h a f n")]);
    }

    #[test]
    fn hashtable_scan_steps_cover_every_pair_once() {
        let limits = HashLimits::default();
        let mut hash = HashValue::new();
        for i in 0..1000 {
            hash.set(format!("f{i}").as_bytes(), b"v", &limits);
        }
        assert_eq!(hash.encoding_name(), "hashtable");
        let mut cursor = 0;
        let mut seen = Vec::new();
        loop {
            let (next, batch) = hashtable_scan_step(&hash, cursor, 7);
            assert!(!batch.is_empty());
            seen.extend(batch.into_iter().map(|(f, _)| f.to_vec()));
            if next == 0 {
                break;
            }
            assert!(next > cursor);
            cursor = next;
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 1000);
    }
}
