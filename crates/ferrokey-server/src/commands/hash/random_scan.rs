//! HRANDFIELD and HSCAN, the hash reads that sample or walk the pairs. Both see only fields that
//! have not expired, as in Valkey 9.0.

use std::collections::HashSet;

use ferrokey_ds::hash::{Entry, HashValue, PairEntries};
use ferrokey_ds::listpack::INT_BUF_LEN;
use ferrokey_resp::ReplyBuf;
use rand::Rng;

use super::{bulk_entry, find, Found, PairRef};
use crate::commands::{err, parse_i64, Ctx};
use crate::util::eq_ic;

/// The error of a count Valkey bounds to `-LONG_MAX..=LONG_MAX`: only `i64::MIN` reaches it.
const OUTSIDE_SYMMETRIC_RANGE: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

/// Replies with `pairs`: flat in RESP2, each pair a two-element array in RESP3 WITHVALUES.
fn reply_pairs<'h>(
    out: &mut ReplyBuf,
    len: usize,
    pairs: impl Iterator<Item = PairEntries<'h>>,
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
        bulk_entry(out, field);
        if withvalues {
            bulk_entry(out, value);
        }
    }
}

pub(super) fn hrandfield(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let now = ctx.now_ms;
    if ctx.argc() < 3 {
        let (out, found) = find(ctx, key, true);
        return match found {
            Found::WrongType => out.error(err::WRONGTYPE),
            Found::Missing => out.null(),
            Found::Value(hash) => {
                // A hash whose every field expired answers nil, as Valkey's bounded retries do.
                let mut rng = rand::thread_rng();
                match hash.random_live_pair(now, |bound| rng.gen_range(0..bound)) {
                    Some((field, _)) => bulk_entry(out, field),
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
    let len = hash.live_len(now);
    if count == 0 || len == 0 {
        return out.array(0);
    }
    let wanted = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    if count > 0 && wanted >= len {
        return reply_pairs(out, len, hash.iter_live(now), withvalues);
    }
    let mut rng = rand::thread_rng();
    // A hashtable pick is O(1) expected while most of its fields are live; picks are then made
    // one by one, as Valkey does, rather than from a list of every pair.
    let sampled = !matches!(hash, HashValue::Listpack(_)) && len.saturating_mul(2) >= hash.len();
    if sampled && (count < 0 || wanted.saturating_mul(3) <= len) {
        let mut pick = || hash.random_live_pair(now, |bound| rng.gen_range(0..bound));
        if count < 0 {
            let picks = (0..wanted).filter_map(|_| pick());
            return reply_pairs(out, wanted, picks, withvalues);
        }
        // Distinct fields, a small share of the hash (Valkey's "case 4"): repeats are dropped,
        // at most 1.5 picks per field on average.
        let mut chosen: HashSet<Entry> = HashSet::with_capacity(wanted);
        let mut picks: Vec<PairRef> = Vec::with_capacity(wanted);
        while picks.len() < wanted {
            let Some((field, value)) = pick() else { break };
            if chosen.insert(field) {
                picks.push((field, value));
            }
        }
        return reply_pairs(out, picks.len(), picks.into_iter(), withvalues);
    }
    // Pair references are gathered once so every pick is O(1) whatever the encoding.
    let pairs: Vec<PairRef> = hash.iter_live(now).collect();
    if count < 0 || wanted == 1 {
        // Repetitions allowed: each pick is independent, streamed rather than collected.
        let picks = (0..wanted).filter_map(|_| pairs.get(rng.gen_range(0..len)).copied());
        return reply_pairs(out, wanted, picks, withvalues);
    }
    let chosen = rand::seq::index::sample(&mut rng, len, wanted);
    let picks = chosen.into_iter().filter_map(|i| pairs.get(i).copied());
    reply_pairs(out, wanted, picks, withvalues);
}

pub(super) fn hscan(ctx: &mut Ctx) {
    let Some(cursor) = crate::commands::keys::parse_cursor(ctx, ctx.arg(2)) else {
        return;
    };
    let key = ctx.arg(1);
    let args = ctx.args;
    let now = ctx.now_ms;
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
    // A hashtable step gathers the live pairs among about COUNT stored ones (O(COUNT), see
    // `KeyedTable::scan`); a listpack is returned whole in one call, whatever the cursor.
    // MATCH then filters what the step gathered, as Valkey does.
    let mut pairs: Vec<PairRef> = Vec::new();
    let next = hash.scan_live(cursor, count, now, |pair| pairs.push(pair));
    let matches = |field: &[u8]| pattern.as_ref().is_none_or(|p| p.matches(field));
    pairs.retain(|(f, _)| matches(f.into_bytes(&mut [0u8; INT_BUF_LEN])));
    out.array(2);
    out.bulk(next.to_string().as_bytes());
    out.array(if novalues {
        pairs.len()
    } else {
        pairs.len() * 2
    });
    for (field, value) in pairs {
        bulk_entry(out, field);
        if !novalues {
            bulk_entry(out, value);
        }
    }
}
