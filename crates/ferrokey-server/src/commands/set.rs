//! The set family: SADD/SREM/SMOVE, membership and cardinality, SMEMBERS/SSCAN, the random
//! commands SPOP/SRANDMEMBER, and the algebra SINTER/SUNION/SDIFF (plus STORE variants and
//! SINTERCARD).
//!
//! Behaviour follows Valkey 8.1's `t_set.c`: the order of checks (which error wins), which
//! lookups count as keyspace hits, when encodings convert (`ferrokey_ds::intset::SetValue`
//! holds the rules), and the starting encoding of a STORE result, which decides its final
//! encoding. Invariants kept here: a set never stays in the keyspace empty (the command that
//! empties it deletes the key), and `dirty` counts changes as Valkey does, so a command that
//! changes nothing is not replicated. SPOP replicates as SREM of the popped members (or DEL when
//! it took everything), never as itself, so replicas do not depend on the random choice.
//!
//! Keyspace events follow `t_set.c`: `sadd`/`srem`/`spop` only when members changed, then `del`
//! when the command emptied the key; SMOVE raises `srem` (and `del`) on the source before
//! `sadd` on the destination, which it skips when the destination already held the member.
//!
//! The algebra lives in `set/algebra.rs`.

use std::borrow::Cow;
use std::collections::HashSet;

use ferrokey_ds::intset::{SetLimits, SetMember, SetValue};
use ferrokey_resp::ReplyBuf;
use rand::Rng;

mod algebra;

use super::registry::{Binding, Scope};
use super::{err, parse_i64, Ctx};
use crate::keyspace::value::Value;
use crate::notify::class;
use crate::util::eq_ic;

pub const COMMANDS: &[Binding] = &[
    ("sadd", sadd, Scope::Keys),
    ("srem", srem, Scope::Keys),
    ("scard", scard, Scope::Keys),
    ("sismember", sismember, Scope::Keys),
    ("smismember", smismember, Scope::Keys),
    ("smembers", smembers, Scope::Keys),
    ("smove", smove, Scope::Keys),
    ("sscan", sscan, Scope::Keys),
    ("spop", spop, Scope::Keys),
    ("srandmember", srandmember, Scope::Keys),
    ("sinter", algebra::sinter, Scope::Keys),
    ("sintercard", algebra::sintercard, Scope::Keys),
    ("sinterstore", algebra::sinterstore, Scope::Keys),
    ("sunion", algebra::sunion, Scope::Keys),
    ("sunionstore", algebra::sunionstore, Scope::Keys),
    ("sdiff", algebra::sdiff, Scope::Keys),
    ("sdiffstore", algebra::sdiffstore, Scope::Keys),
];

/// SPOP replicates its pops as SREMs of at most this many members each (Valkey's batch size).
const SPOP_EFFECT_BATCH: usize = 1024;

type Found<'a> = super::Found<'a, SetValue>;

/// Looks `key` up as a set value (see `Ctx::find_typed`).
fn find<'a>(ctx: &'a mut Ctx, key: &[u8], read: bool) -> (&'a mut ReplyBuf, Found<'a>) {
    ctx.find_typed(key, read, |value| match value {
        Value::Set(inner) => Some(&mut **inner),
        _ => None,
    })
}

fn limits(ctx: &Ctx) -> SetLimits {
    let settings = &ctx.server.settings;
    let load = crate::server::Settings::limit;
    SetLimits {
        max_intset_entries: load(&settings.set_max_intset_entries),
        max_listpack_entries: load(&settings.set_max_listpack_entries),
        max_listpack_value: load(&settings.set_max_listpack_value),
    }
}

/// Deletes a set the command emptied (or a STORE destination), raising `del` if it existed.
/// Returns whether it existed.
fn delete_raising_del(ctx: &mut Ctx, key: &[u8]) -> bool {
    let existed = ctx.delete(key);
    if existed {
        ctx.notify(class::GENERIC, "del", key);
    }
    existed
}

fn int_reply(out: &mut ReplyBuf, n: usize) {
    out.int(i64::try_from(n).unwrap_or(i64::MAX));
}

fn bulk_member(out: &mut ReplyBuf, member: SetMember) {
    match member {
        SetMember::Int(value) => out.bulk_int(value),
        SetMember::Bytes(bytes) => out.bulk(bytes),
    }
}

/// Whether `set` holds `member`, without formatting integers when both sides are integers.
fn holds(set: &SetValue, member: SetMember) -> bool {
    match (set, member) {
        (SetValue::IntSet(ints), SetMember::Int(value)) => ints.contains(value),
        (_, SetMember::Int(value)) => {
            let mut tmp = [0u8; 20];
            set.contains(ferrokey_resp::fmt_i64(&mut tmp, value))
        }
        (_, SetMember::Bytes(bytes)) => set.contains(bytes),
    }
}

/// Adds `member` to `set` with the conversion rules; returns whether it was new.
fn add_member(set: &mut SetValue, member: SetMember, limits: &SetLimits) -> bool {
    match member {
        SetMember::Int(value) => {
            let mut tmp = [0u8; 20];
            set.add(ferrokey_resp::fmt_i64(&mut tmp, value), limits)
        }
        SetMember::Bytes(bytes) => set.add(bytes, limits),
    }
}

fn remove_member(set: &mut SetValue, member: SetMember) -> bool {
    match member {
        SetMember::Int(value) => {
            let mut tmp = [0u8; 20];
            set.remove(ferrokey_resp::fmt_i64(&mut tmp, value))
        }
        SetMember::Bytes(bytes) => set.remove(bytes),
    }
}

/// Replies with every member in storage order, as a RESP3 set (an array in RESP2).
fn reply_all(out: &mut ReplyBuf, set: &SetValue, as_set: bool) {
    if as_set {
        out.set(set.len());
    } else {
        out.array(set.len());
    }
    for member in set.iter() {
        bulk_member(out, member);
    }
}

// --- single-key writes ------------------------------------------------------------------------

fn sadd(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let args = ctx.args;
    let members = args.get(2..).unwrap_or(&[]);
    let limits = limits(ctx);
    let (out, found) = find(ctx, key, false);
    let added = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => {
            let first = members.first().copied().unwrap_or(&[]);
            let mut set = SetValue::with_hint(first, members.len(), &limits);
            let added = members.iter().filter(|m| set.add(m, &limits)).count();
            ctx.set_value(key, Value::Set(Box::new(set)), 0, false);
            added
        }
        Found::Value(set) => {
            set.convert_for_hint(members.len(), &limits);
            members.iter().filter(|m| set.add(m, &limits)).count()
        }
    };
    int_reply(ctx.out, added);
    ctx.mark_dirty(added as u64);
    if added > 0 {
        ctx.notify(class::SET, "sadd", key);
    }
}

fn srem(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let args = ctx.args;
    let members = args.get(2..).unwrap_or(&[]);
    let (out, found) = find(ctx, key, false);
    let set = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => return out.int(0),
        Found::Value(set) => set,
    };
    let mut removed = 0usize;
    for member in members {
        if set.remove(member) {
            removed += 1;
            if set.is_empty() {
                break;
            }
        }
    }
    int_reply(out, removed);
    let emptied = set.is_empty();
    if removed > 0 {
        ctx.notify(class::SET, "srem", key);
    }
    if emptied {
        delete_raising_del(ctx, key);
    }
    ctx.mark_dirty(removed as u64);
}

/// The type of a key without keeping a borrow: None when missing, Some(false) when not a set.
fn probe(ctx: &mut Ctx, key: &[u8]) -> Option<bool> {
    match find(ctx, key, false).1 {
        Found::Missing => None,
        Found::WrongType => Some(false),
        Found::Value(_) => Some(true),
    }
}

fn smove(ctx: &mut Ctx) {
    let (source, destination, member) = (ctx.arg(1), ctx.arg(2), ctx.arg(3));
    let limits = limits(ctx);
    let source_kind = probe(ctx, source);
    let destination_kind = probe(ctx, destination);
    let Some(source_is_set) = source_kind else {
        return ctx.out.int(0);
    };
    if !source_is_set || destination_kind == Some(false) {
        return ctx.out.error(err::WRONGTYPE);
    }
    let (out, found) = find(ctx, source, false);
    let Found::Value(set) = found else {
        return out.int(0);
    };
    if source == destination {
        return out.int(i64::from(set.contains(member)));
    }
    if !set.remove(member) {
        return out.int(0);
    }
    let emptied = set.is_empty();
    ctx.notify(class::SET, "srem", source);
    if emptied {
        delete_raising_del(ctx, source);
    }
    ctx.mark_dirty(1);
    let (_, found) = find(ctx, destination, false);
    let added = match found {
        Found::Value(set) => set.add(member, &limits),
        Found::Missing | Found::WrongType => {
            let mut set = SetValue::with_hint(member, 1, &limits);
            set.add(member, &limits);
            ctx.set_value(destination, Value::Set(Box::new(set)), 0, false);
            true
        }
    };
    if added {
        ctx.mark_dirty(1);
        ctx.notify(class::SET, "sadd", destination);
    }
    ctx.out.int(1);
}

// --- reads --------------------------------------------------------------------------------------

fn scard(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let (out, found) = find(ctx, key, true);
    match found {
        Found::WrongType => out.error(err::WRONGTYPE),
        Found::Missing => out.int(0),
        Found::Value(set) => int_reply(out, set.len()),
    }
}

fn sismember(ctx: &mut Ctx) {
    let (key, member) = (ctx.arg(1), ctx.arg(2));
    let (out, found) = find(ctx, key, true);
    match found {
        Found::WrongType => out.error(err::WRONGTYPE),
        Found::Missing => out.int(0),
        Found::Value(set) => out.int(i64::from(set.contains(member))),
    }
}

fn smismember(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let args = ctx.args;
    let members = args.get(2..).unwrap_or(&[]);
    let (out, found) = find(ctx, key, true);
    let set = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => None,
        Found::Value(set) => Some(set),
    };
    out.array(members.len());
    for member in members {
        out.int(i64::from(set.as_ref().is_some_and(|s| s.contains(member))));
    }
}

fn smembers(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let (out, found) = find(ctx, key, true);
    match found {
        Found::WrongType => out.error(err::WRONGTYPE),
        Found::Missing => out.set(0),
        Found::Value(set) => reply_all(out, set, true),
    }
}

// --- SSCAN --------------------------------------------------------------------------------------

fn sscan(ctx: &mut Ctx) {
    let Some(cursor) = super::keys::parse_cursor(ctx, ctx.arg(2)) else {
        return;
    };
    let key = ctx.arg(1);
    let args = ctx.args;
    let (out, found) = find(ctx, key, true);
    let set = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => {
            out.array(2);
            out.bulk(b"0");
            return out.array(0);
        }
        Found::Value(set) => set,
    };
    let mut count = 10usize;
    let mut pattern: Option<ferrokey_util::glob::GlobPattern> = None;
    let mut j = 3;
    while j < args.len() {
        let opt = args.get(j).copied().unwrap_or(&[]);
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
                return out.error("ERR NOVALUES option can only be used in HSCAN");
            }
            _ if eq_ic(opt, "noscores") => {
                return out.error("ERR NOSCORES option can only be used in ZSCAN");
            }
            _ => return out.error(err::SYNTAX),
        }
        j += 2;
    }
    // A hashtable step gathers about COUNT members (O(COUNT), see `KeyedTable::scan`); the
    // small encodings are returned whole in one call, whatever the cursor. MATCH then filters
    // what the step gathered, as Valkey does, so a step may return fewer than COUNT.
    let mut members: Vec<Cow<[u8]>> = Vec::new();
    let next = set.scan(cursor, count, |member| {
        members.push(match member {
            SetMember::Bytes(bytes) => Cow::Borrowed(bytes),
            SetMember::Int(_) => Cow::Owned(member.to_bytes()),
        })
    });
    members.retain(|m| pattern.as_ref().is_none_or(|p| p.matches(m)));
    out.array(2);
    out.bulk(next.to_string().as_bytes());
    out.array(members.len());
    for member in &members {
        out.bulk(member);
    }
}

// --- SPOP / SRANDMEMBER ---------------------------------------------------------------------------

/// `count` distinct members chosen uniformly (count < len), in random order. A hashtable holding
/// at least three times `count` members (Valkey's SRANDMEMBER "case 4") takes independent O(1)
/// picks and drops repeats, at most 1.5 picks per member on average: O(count). Otherwise the
/// sample is drawn from a list of every member: O(len), which the sample is a fair share of or
/// which a small encoding's picks cost anyway.
fn sample_distinct(set: &SetValue, count: usize) -> Vec<Vec<u8>> {
    let mut rng = rand::thread_rng();
    if matches!(set, SetValue::HashTable(_)) && count.saturating_mul(3) <= set.len() {
        let mut chosen: HashSet<&[u8]> = HashSet::with_capacity(count);
        let mut picked = Vec::with_capacity(count);
        while picked.len() < count {
            match set.random_member(|bound| rng.gen_range(0..bound)) {
                Some(SetMember::Bytes(member)) => {
                    if chosen.insert(member) {
                        picked.push(member.to_vec());
                    }
                }
                _ => break,
            }
        }
        return picked;
    }
    let members: Vec<SetMember> = set.iter().collect();
    rand::seq::index::sample(&mut rng, members.len(), count.min(members.len()))
        .into_iter()
        .filter_map(|i| members.get(i).map(|m| m.to_bytes()))
        .collect()
}

fn spop(ctx: &mut Ctx) {
    if ctx.argc() > 3 {
        return ctx.out.error(err::SYNTAX);
    }
    if ctx.argc() == 3 {
        return spop_with_count(ctx);
    }
    let key = ctx.arg(1);
    let (out, found) = find(ctx, key, false);
    let set = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => return out.null(),
        Found::Value(set) => set,
    };
    let mut rng = rand::thread_rng();
    let Some(member) = set
        .random_member(|len| rng.gen_range(0..len))
        .map(|m| m.to_bytes())
    else {
        return out.null();
    };
    set.remove(&member);
    out.bulk(&member);
    let emptied = set.is_empty();
    ctx.notify(class::SET, "spop", key);
    if emptied {
        delete_raising_del(ctx, key);
    }
    ctx.mark_dirty(1);
    ctx.record_effect(vec![b"SREM".to_vec(), key.to_vec(), member]);
}

fn spop_with_count(ctx: &mut Ctx) {
    let count = match parse_i64(ctx.arg(2)) {
        Some(n) if n >= 0 => usize::try_from(n).unwrap_or(usize::MAX),
        _ => return ctx.out.error("ERR value is out of range, must be positive"),
    };
    let key = ctx.arg(1);
    let (out, found) = find(ctx, key, false);
    let set = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => return out.set(0),
        Found::Value(set) => set,
    };
    if count == 0 {
        return out.set(0);
    }
    let size = set.len();
    if count >= size {
        reply_all(out, set, true);
        ctx.notify(class::SET, "spop", key);
        delete_raising_del(ctx, key);
        ctx.mark_dirty(size as u64);
        ctx.record_effect(vec![b"DEL".to_vec(), key.to_vec()]);
        return;
    }
    let popped = sample_distinct(set, count);
    for member in &popped {
        set.remove(member);
    }
    out.set(popped.len());
    for member in &popped {
        out.bulk(member);
    }
    ctx.notify(class::SET, "spop", key);
    ctx.mark_dirty(popped.len() as u64);
    for batch in popped.chunks(SPOP_EFFECT_BATCH) {
        let mut effect = Vec::with_capacity(batch.len() + 2);
        effect.push(b"SREM".to_vec());
        effect.push(key.to_vec());
        effect.extend(batch.iter().cloned());
        ctx.record_effect(effect);
    }
}

/// The error of a count Valkey bounds to `-LONG_MAX..=LONG_MAX`: only `i64::MIN` reaches it.
const OUTSIDE_SYMMETRIC_RANGE: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

fn srandmember(ctx: &mut Ctx) {
    if ctx.argc() > 3 {
        return ctx.out.error(err::SYNTAX);
    }
    if ctx.argc() == 3 {
        return srandmember_with_count(ctx);
    }
    let key = ctx.arg(1);
    let (out, found) = find(ctx, key, true);
    let set = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => return out.null(),
        Found::Value(set) => set,
    };
    let mut rng = rand::thread_rng();
    match set.random_member(|len| rng.gen_range(0..len)) {
        Some(member) => bulk_member(out, member),
        None => out.null(),
    }
}

fn srandmember_with_count(ctx: &mut Ctx) {
    let (count, distinct) = match parse_i64(ctx.arg(2)) {
        None => return ctx.out.error(err::NOT_INTEGER),
        Some(i64::MIN) => return ctx.out.error(OUTSIDE_SYMMETRIC_RANGE),
        Some(n) => (
            usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX),
            n >= 0,
        ),
    };
    let key = ctx.arg(1);
    let (out, found) = find(ctx, key, true);
    let set = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => return out.array(0),
        Found::Value(set) => set,
    };
    if count == 0 || set.is_empty() {
        return out.array(0);
    }
    if !distinct {
        // Repeats allowed: every pick is independent. A hashtable pick is O(1) expected; the
        // small encodings' picks walk, so their member references are gathered once instead.
        let mut rng = rand::thread_rng();
        if matches!(set, SetValue::HashTable(_)) {
            out.array(count);
            for _ in 0..count {
                if let Some(member) = set.random_member(|bound| rng.gen_range(0..bound)) {
                    bulk_member(out, member);
                }
            }
            return;
        }
        let members: Vec<SetMember> = set.iter().collect();
        out.array(count);
        for _ in 0..count {
            if let Some(&member) = members.get(rng.gen_range(0..members.len())) {
                bulk_member(out, member);
            }
        }
        return;
    }
    if count >= set.len() {
        return reply_all(out, set, false);
    }
    let picked = sample_distinct(set, count);
    out.array(picked.len());
    for member in &picked {
        out.bulk(member);
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{effects_of, words};

    #[test]
    fn spop_replicates_as_srem_or_del() {
        let effects = effects_of(&[
            &["SADD", "one", "x"],
            &["SPOP", "one"],
            &["SADD", "s", "a", "b", "c"],
            &["SPOP", "s", "2"],
            &["SPOP", "s", "5"],
            &["SPOP", "s", "0"],
        ]);
        assert_eq!(effects[1], vec![words("SREM one x")]);
        let [srem] = effects[3].as_slice() else {
            panic!("{effects:?}")
        };
        assert_eq!(srem.len(), 4);
        assert_eq!(srem[..2], words("SREM s"));
        assert_eq!(effects[4].len(), 1);
        assert_eq!(effects[4][0], words("DEL s"));
        assert!(effects[5].is_empty());
    }

    #[test]
    fn commands_that_change_nothing_are_not_replicated() {
        let effects = effects_of(&[
            &["SADD", "a", "1", "2"],
            &["SADD", "a", "1"],
            &["SREM", "a", "9"],
            &["SMOVE", "a", "a", "1"],
            &["SMOVE", "a", "b", "9"],
            &["SUNIONSTORE", "d", "missing"],
            &["SINTERSTORE", "d", "a", "missing"],
            &["SMOVE", "a", "b", "1"],
            &["SDIFFSTORE", "d", "a", "a"],
        ]);
        assert!(effects[1..7].iter().all(|e| e.is_empty()), "{effects:?}");
        assert_eq!(effects[7], vec![words("SMOVE a b 1")]);
        assert!(effects[8].is_empty(), "empty result, no destination");
    }
}
