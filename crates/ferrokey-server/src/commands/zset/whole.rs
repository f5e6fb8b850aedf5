//! The sorted-set readers that look at the whole set rather than a range: ZRANDMEMBER (random
//! picks, with or without repetition) and ZSCAN (a cursor walk over the members).

use rand::Rng;

use super::{find, reply_elements, Found, OUTSIDE_SYMMETRIC_RANGE};
use crate::commands::{err, parse_i64, Ctx};
use crate::util::eq_ic;

// --- ZRANDMEMBER -------------------------------------------------------------------------------

pub(super) fn zrandmember(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    if ctx.argc() < 3 {
        let (out, found) = find(ctx, key, true);
        return match found {
            Found::WrongType => out.error(err::WRONGTYPE),
            Found::Missing => out.null(),
            Found::Value(zset) => {
                let rank = rand::thread_rng().gen_range(0..zset.len().max(1));
                match zset.get_by_rank(rank, false) {
                    Some((member, _)) => out.bulk(member),
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
    if ctx.argc() > 4 || (ctx.argc() == 4 && !eq_ic(ctx.arg(3), "withscores")) {
        return ctx.out.error(err::SYNTAX);
    }
    let withscores = ctx.argc() == 4;
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return ctx.out.error("ERR value is out of range");
    }
    let (out, found) = find(ctx, key, true);
    let zset = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => return out.array(0),
        Found::Value(zset) => zset,
    };
    if count == 0 {
        return out.array(0);
    }
    let len = zset.len();
    let mut rng = rand::thread_rng();
    let wanted = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    if count < 0 || wanted == 1 {
        // Repetitions allowed: each pick is independent, streamed rather than collected.
        let nested = withscores && out.is_resp3();
        out.array(if withscores && !nested {
            wanted.saturating_mul(2)
        } else {
            wanted
        });
        for _ in 0..wanted {
            let Some((member, score)) = zset.get_by_rank(rng.gen_range(0..len.max(1)), false)
            else {
                break;
            };
            if nested {
                out.array(2);
            }
            out.bulk(member);
            if withscores {
                out.double(score);
            }
        }
        return;
    }
    if wanted >= len {
        // The whole set, highest first, as Valkey's reply order for this case.
        return reply_elements(out, zset.range_by_rank(0..len, true), withscores);
    }
    // Distinct members: distinct random ranks, in random order, each looked up in O(log n).
    // `index::sample` draws them in O(wanted) when that is a small share of the set (Floyd's
    // or rejection sampling) rather than shuffling a list of every rank.
    let chosen: Vec<(&[u8], f64)> = rand::seq::index::sample(&mut rng, len, wanted)
        .into_iter()
        .filter_map(|rank| zset.get_by_rank(rank, false))
        .collect();
    reply_elements(out, chosen.into_iter(), withscores)
}

// --- ZSCAN -------------------------------------------------------------------------------------

/// ZSCAN: a `skiplist` set is walked about COUNT elements per call (O(COUNT), see
/// `LargeZSet::scan`); a `listpack` set is returned whole with cursor 0, whatever the cursor and
/// COUNT, as Valkey does. MATCH filters what a step gathered; NOSCORES leaves the scores out.
/// Scores are formatted as in other replies, as bulk strings.
pub(super) fn zscan(ctx: &mut Ctx) {
    let Some(cursor) = crate::commands::keys::parse_cursor(ctx, ctx.arg(2)) else {
        return;
    };
    let key = ctx.arg(1);
    let (out, found) = find(ctx, key, true);
    match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => {
            out.array(2);
            out.bulk(b"0");
            return out.array(0);
        }
        Found::Value(_) => {}
    }
    let mut count = 10usize;
    let mut pattern = None;
    let mut noscores = false;
    let mut j = 3;
    while j < ctx.argc() {
        let opt = ctx.arg(j);
        let has_value = j + 1 < ctx.argc();
        if eq_ic(opt, "count") && has_value {
            match parse_i64(ctx.arg(j + 1)) {
                Some(n) if n >= 1 => count = usize::try_from(n).unwrap_or(usize::MAX),
                Some(_) => return ctx.out.error(err::SYNTAX),
                None => return ctx.out.error(err::NOT_INTEGER),
            }
        } else if eq_ic(opt, "match") && has_value {
            let text = ctx.arg(j + 1);
            pattern = (text != b"*").then(|| ferrokey_util::glob::GlobPattern::new(text, false));
        } else if eq_ic(opt, "noscores") {
            noscores = true;
            j += 1;
            continue;
        } else if eq_ic(opt, "novalues") {
            return ctx
                .out
                .error("ERR NOVALUES option can only be used in HSCAN");
        } else {
            return ctx.out.error(err::SYNTAX);
        }
        j += 2;
    }
    // Looked up again only to read it: counted once in the hit statistics above.
    let (out, found) = find(ctx, key, false);
    let Found::Value(zset) = found else {
        return;
    };
    let mut elements: Vec<(&[u8], f64)> = Vec::new();
    let next = zset.scan(cursor, count, |member, score| {
        elements.push((member, score))
    });
    elements.retain(|(member, _)| pattern.as_ref().is_none_or(|p| p.matches(member)));
    out.array(2);
    out.bulk(next.to_string().as_bytes());
    out.array(if noscores {
        elements.len()
    } else {
        elements.len() * 2
    });
    let mut tmp = [0u8; 32];
    for (member, score) in elements {
        out.bulk(member);
        if !noscores {
            out.bulk(ferrokey_resp::format_double(score, &mut tmp));
        }
    }
}
