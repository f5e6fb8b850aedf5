//! The list family, non-blocking: pushes and pops at either end, LRANGE/LINDEX/LSET/LINSERT,
//! LREM/LTRIM, LPOS, LMOVE/RPOPLPUSH and LMPOP.
//!
//! Behaviour follows Valkey 8.1's `t_list.c` step for step, because clients see its order of
//! checks: which error wins when several apply, whether a missing key is looked up before or
//! after an argument is parsed, and when the encoding converts. Invariants kept here: a list
//! never stays in the keyspace empty (the command that empties it deletes the key), and
//! `dirty` counts elements changed as Valkey does, so a command that changes nothing is not
//! replicated. The encoding rules themselves live in `ferrokey_ds::list`.
//!
//! Keyspace events follow `t_list.c` too: one `lpush`/`rpush`/`lpop`/`rpop`/... per command that
//! changed something (LTRIM raises `ltrim` whenever the list exists, changed or not), then `del`
//! when the command emptied the key. LMOVE raises the push on the destination before the pop on
//! the source, as Valkey does.

use std::sync::atomic::Ordering;

use ferrokey_ds::list::{End, List};
use ferrokey_ds::listpack::{Entry, INT_BUF_LEN};
use ferrokey_ds::quicklist::ListLimits;
use ferrokey_resp::ReplyBuf;

use super::registry::{Binding, Scope};
use super::{err, parse_i64, Ctx};
use crate::keyspace::value::Value;
use crate::notify::class;
use crate::util::eq_ic;

pub const COMMANDS: &[Binding] = &[
    ("lpush", lpush, Scope::Keys),
    ("rpush", rpush, Scope::Keys),
    ("lpushx", lpushx, Scope::Keys),
    ("rpushx", rpushx, Scope::Keys),
    ("lpop", lpop, Scope::Keys),
    ("rpop", rpop, Scope::Keys),
    ("llen", llen, Scope::Keys),
    ("lrange", lrange, Scope::Keys),
    ("lindex", lindex, Scope::Keys),
    ("lset", lset, Scope::Keys),
    ("linsert", linsert, Scope::Keys),
    ("lrem", lrem, Scope::Keys),
    ("ltrim", ltrim, Scope::Keys),
    ("lpos", lpos, Scope::Keys),
    ("lmove", lmove, Scope::Keys),
    ("rpoplpush", rpoplpush, Scope::Keys),
    ("lmpop", lmpop, Scope::Keys),
];

type Found<'a> = super::Found<'a, List>;

/// Looks `key` up as a list value (see `Ctx::find_typed`).
fn find<'a>(ctx: &'a mut Ctx, key: &[u8], read: bool) -> (&'a mut ReplyBuf, Found<'a>) {
    ctx.find_typed(key, read, |value| match value {
        Value::List(inner) => Some(&mut **inner),
        _ => None,
    })
}

/// The error of arguments Valkey bounds to `-LONG_MAX..=LONG_MAX` (LREM's count, LPOS's RANK):
/// only `i64::MIN` reaches it.
const OUTSIDE_SYMMETRIC_RANGE: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

fn limits(ctx: &Ctx) -> ListLimits {
    let settings = &ctx.server.settings;
    ListLimits {
        max_listpack_size: settings.list_max_listpack_size.load(Ordering::Relaxed),
        compress_depth: settings.list_compress_depth.load(Ordering::Relaxed),
    }
}

fn end_name(end: End) -> &'static [u8] {
    match end {
        End::Head => b"LPOP",
        End::Tail => b"RPOP",
    }
}

/// The keyspace event of a pop from `end`.
fn pop_event(end: End) -> &'static str {
    match end {
        End::Head => "lpop",
        End::Tail => "rpop",
    }
}

/// The keyspace event of a push at `end`.
fn push_event(end: End) -> &'static str {
    match end {
        End::Head => "lpush",
        End::Tail => "rpush",
    }
}

/// Deletes a list the command emptied, raising `del` after the command's own event.
fn delete_emptied(ctx: &mut Ctx, key: &[u8]) {
    if ctx.delete(key) {
        ctx.notify(class::GENERIC, "del", key);
    }
}

fn side_name(end: End) -> &'static [u8] {
    match end {
        End::Head => b"LEFT",
        End::Tail => b"RIGHT",
    }
}

/// Replies with one element as a bulk string.
fn bulk_entry(out: &mut ReplyBuf, entry: Entry) {
    let mut buf = [0u8; INT_BUF_LEN];
    out.bulk(entry.as_bytes(&mut buf));
}

/// Resolves Redis range indexes against `len`: the first index and the count, or None when the
/// range is empty (`addListRangeReply`'s rules).
fn resolve_range(len: usize, start: i64, stop: i64) -> Option<(usize, usize)> {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let start = if start < 0 { len + start } else { start }.max(0);
    let stop = if stop < 0 { len + stop } else { stop };
    if start > stop || start >= len {
        return None;
    }
    let stop = stop.min(len - 1);
    let first = usize::try_from(start).ok()?;
    let count = usize::try_from(stop - start + 1).ok()?;
    Some((first, count))
}

/// Writes `count` elements from `first` (towards the tail, or towards the head when `reverse`)
/// as an array.
fn reply_range(out: &mut ReplyBuf, list: &List, first: usize, count: usize, reverse: bool) {
    out.array(count);
    for entry in list.iter_from(first, reverse).take(count) {
        bulk_entry(out, entry);
    }
}

/// One element LMOVE took from its source, with the bytes Valkey's growth check counts for it
/// when it is pushed: an integer popped from a quicklist becomes an integer object, which the
/// check counts as 0 bytes; everything else counts its length.
struct Moved {
    value: Vec<u8>,
    counted_bytes: usize,
}

/// Pops one element without the shrinking conversion, as `listTypePop` (LMOVE relies on it).
fn pop_one(list: &mut List, end: End) -> Option<Moved> {
    let value = match (&mut *list, end) {
        (List::Packed(listpack), End::Head) => listpack.pop_front(),
        (List::Packed(listpack), End::Tail) => listpack.pop_back(),
        (List::Quick(quicklist), _) => {
            let index = if end == End::Head { 0 } else { -1 };
            let integer = matches!(quicklist.get(index), Some(Entry::Int(_)));
            let value = match end {
                End::Head => quicklist.pop_front(),
                End::Tail => quicklist.pop_back(),
            }?;
            let counted_bytes = if integer { 0 } else { value.len() };
            return Some(Moved {
                value,
                counted_bytes,
            });
        }
    }?;
    let counted_bytes = value.len();
    Some(Moved {
        value,
        counted_bytes,
    })
}

/// Pushes a moved element: the growth check with Valkey's byte count, then the push itself.
fn push_moved(list: &mut List, end: End, moved: &Moved, limits: ListLimits) {
    list.convert_for_growth(moved.counted_bytes, 1, limits);
    match (list, end) {
        (List::Packed(listpack), End::Head) => listpack.push_front(&moved.value),
        (List::Packed(listpack), End::Tail) => listpack.push_back(&moved.value),
        (List::Quick(quicklist), End::Head) => quicklist.push_front(&moved.value),
        (List::Quick(quicklist), End::Tail) => quicklist.push_back(&moved.value),
    }
}

// --- pushes ------------------------------------------------------------------------------------

fn push_generic(ctx: &mut Ctx, end: End, only_existing: bool) {
    let key = ctx.arg(1);
    let args = ctx.args;
    let values = args.get(2..).unwrap_or(&[]);
    let limits = limits(ctx);
    let (out, found) = find(ctx, key, false);
    let len = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing if only_existing => return out.int(0),
        Found::Missing => {
            let mut list = List::new();
            list.push(end, values, limits);
            let len = list.len();
            ctx.set_value(key, Value::List(Box::new(list)), 0, false);
            len
        }
        Found::Value(list) => {
            list.push(end, values, limits);
            list.len()
        }
    };
    ctx.out.int(i64::try_from(len).unwrap_or(i64::MAX));
    ctx.mark_dirty(values.len() as u64);
    ctx.notify(class::LIST, push_event(end), key);
}

fn lpush(ctx: &mut Ctx) {
    push_generic(ctx, End::Head, false);
}

fn rpush(ctx: &mut Ctx) {
    push_generic(ctx, End::Tail, false);
}

fn lpushx(ctx: &mut Ctx) {
    push_generic(ctx, End::Head, true);
}

fn rpushx(ctx: &mut Ctx) {
    push_generic(ctx, End::Tail, true);
}

// --- pops --------------------------------------------------------------------------------------

/// Parses a count that must be in `0..=i64::MAX`, as `getPositiveLongFromObjectOrReply`: any
/// failure (not a number included) replies `message`.
fn parse_non_negative(ctx: &mut Ctx, arg: &[u8], message: &str) -> Option<i64> {
    match parse_i64(arg) {
        Some(n) if n >= 0 => Some(n),
        _ => {
            ctx.out.error(message);
            None
        }
    }
}

fn pop_generic(ctx: &mut Ctx, end: End) {
    let command = if end == End::Head { "lpop" } else { "rpop" };
    if ctx.argc() > 3 {
        ctx.out.error(&format!(
            "ERR wrong number of arguments for '{command}' command"
        ));
        return;
    }
    let count = if ctx.argc() == 3 {
        match parse_non_negative(
            ctx,
            ctx.arg(2),
            "ERR value is out of range, must be positive",
        ) {
            Some(n) => Some(n),
            None => return,
        }
    } else {
        None
    };
    let key = ctx.arg(1);
    let limits = limits(ctx);
    let (out, found) = find(ctx, key, false);
    let list = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing if count.is_some() => return out.null_array(),
        Found::Missing => return out.null(),
        Found::Value(list) => list,
    };
    let popped = match count {
        Some(0) => return out.array(0),
        Some(n) => {
            let popped = list.pop(end, usize::try_from(n).unwrap_or(usize::MAX), limits);
            out.array(popped.len());
            popped
        }
        None => list.pop(end, 1, limits),
    };
    for value in &popped {
        out.bulk(value);
    }
    let emptied = list.is_empty();
    if !popped.is_empty() {
        ctx.notify(class::LIST, pop_event(end), key);
    }
    if emptied {
        delete_emptied(ctx, key);
    }
    ctx.mark_dirty(popped.len() as u64);
}

fn lpop(ctx: &mut Ctx) {
    pop_generic(ctx, End::Head);
}

fn rpop(ctx: &mut Ctx) {
    pop_generic(ctx, End::Tail);
}

// --- reads -------------------------------------------------------------------------------------

fn llen(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let (out, found) = find(ctx, key, true);
    match found {
        Found::WrongType => out.error(err::WRONGTYPE),
        Found::Missing => out.int(0),
        Found::Value(list) => out.int(i64::try_from(list.len()).unwrap_or(i64::MAX)),
    }
}

fn lrange(ctx: &mut Ctx) {
    let (Some(start), Some(stop)) = (parse_i64(ctx.arg(2)), parse_i64(ctx.arg(3))) else {
        return ctx.out.error(err::NOT_INTEGER);
    };
    let key = ctx.arg(1);
    let (out, found) = find(ctx, key, true);
    match found {
        Found::WrongType => out.error(err::WRONGTYPE),
        Found::Missing => out.array(0),
        Found::Value(list) => {
            match resolve_range(list.len(), start, stop) {
                Some((first, count)) => reply_range(out, list, first, count, false),
                None => out.array(0),
            }
            list.release_decompressed();
        }
    }
}

fn lindex(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let index_arg = ctx.arg(2);
    let (out, found) = find(ctx, key, true);
    let list = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => return out.null(),
        Found::Value(list) => list,
    };
    let Some(index) = parse_i64(index_arg) else {
        return out.error(err::NOT_INTEGER);
    };
    match list.get(index) {
        Some(entry) => bulk_entry(out, entry),
        None => out.null(),
    }
    list.release_decompressed();
}

// --- in-place edits ----------------------------------------------------------------------------

fn lset(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let index_arg = ctx.arg(2);
    let value = ctx.arg(3);
    let limits = limits(ctx);
    let (out, found) = find(ctx, key, false);
    let list = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => return out.error(err::NO_SUCH_KEY),
        Found::Value(list) => list,
    };
    let Some(index) = parse_i64(index_arg) else {
        return out.error(err::NOT_INTEGER);
    };
    // Valkey passes the index through an `int` parameter, so only its low 32 bits count
    // (LSET k 9223372036854775807 v sets the last element).
    let index = i64::from(index as i32);
    // Valkey converts for the new value before it knows whether the index exists.
    list.convert_for_growth(value.len(), 1, limits);
    if list.set(index, value, limits) {
        out.ok();
        ctx.mark_dirty(1);
        ctx.notify(class::LIST, "lset", key);
    } else {
        out.error("ERR index out of range");
    }
}

fn linsert(ctx: &mut Ctx) {
    let where_arg = ctx.arg(2);
    let after = if eq_ic(where_arg, "after") {
        true
    } else if eq_ic(where_arg, "before") {
        false
    } else {
        return ctx.out.error(err::SYNTAX);
    };
    let key = ctx.arg(1);
    let (pivot, value) = (ctx.arg(3), ctx.arg(4));
    let limits = limits(ctx);
    let (out, found) = find(ctx, key, false);
    let list = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => return out.int(0),
        Found::Value(list) => list,
    };
    if list.insert_at_pivot(pivot, value, after, limits) {
        out.int(i64::try_from(list.len()).unwrap_or(i64::MAX));
        ctx.mark_dirty(1);
        ctx.notify(class::LIST, "linsert", key);
    } else {
        out.int(-1);
    }
}

fn lrem(ctx: &mut Ctx) {
    let count = match parse_i64(ctx.arg(2)) {
        None => return ctx.out.error(err::NOT_INTEGER),
        Some(i64::MIN) => return ctx.out.error(OUTSIDE_SYMMETRIC_RANGE),
        Some(count) => count,
    };
    let key = ctx.arg(1);
    let value = ctx.arg(3);
    let limits = limits(ctx);
    let (out, found) = find(ctx, key, false);
    let list = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => return out.int(0),
        Found::Value(list) => list,
    };
    let removed = list.remove_matching(value, count, limits);
    out.int(i64::try_from(removed).unwrap_or(i64::MAX));
    let emptied = list.is_empty();
    if removed > 0 {
        ctx.notify(class::LIST, "lrem", key);
    }
    if emptied {
        delete_emptied(ctx, key);
    }
    ctx.mark_dirty(removed as u64);
}

fn ltrim(ctx: &mut Ctx) {
    let (Some(start), Some(stop)) = (parse_i64(ctx.arg(2)), parse_i64(ctx.arg(3))) else {
        return ctx.out.error(err::NOT_INTEGER);
    };
    let key = ctx.arg(1);
    let limits = limits(ctx);
    let (out, found) = find(ctx, key, false);
    let list = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => return out.ok(),
        Found::Value(list) => list,
    };
    let before = list.len();
    list.trim(start, stop, limits);
    let removed = before - list.len();
    out.ok();
    let emptied = list.is_empty();
    // Valkey raises `ltrim` even when the range kept every element.
    ctx.notify(class::LIST, "ltrim", key);
    if emptied {
        delete_emptied(ctx, key);
    }
    ctx.mark_dirty(removed as u64);
}

// --- LPOS --------------------------------------------------------------------------------------

fn lpos(ctx: &mut Ctx) {
    let mut rank: i64 = 1;
    // None: no COUNT option (a scalar reply); Some(0): every match.
    let mut count: Option<i64> = None;
    let mut maxlen: i64 = 0;
    let mut j = 3;
    while j < ctx.argc() {
        let opt = ctx.arg(j);
        let has_value = j + 1 < ctx.argc();
        let value = ctx.arg(j + 1);
        if eq_ic(opt, "rank") && has_value {
            let Some(r) = parse_i64(value) else {
                return ctx.out.error(err::NOT_INTEGER);
            };
            if r == i64::MIN {
                return ctx.out.error(OUTSIDE_SYMMETRIC_RANGE);
            }
            if r == 0 {
                return ctx.out.error(
                    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the \
                     second ... or use negative to start from the end of the list",
                );
            }
            rank = r;
        } else if eq_ic(opt, "count") && has_value {
            count = Some(
                match parse_non_negative(ctx, value, "ERR COUNT can't be negative") {
                    Some(c) => c,
                    None => return,
                },
            );
        } else if eq_ic(opt, "maxlen") && has_value {
            maxlen = match parse_non_negative(ctx, value, "ERR MAXLEN can't be negative") {
                Some(m) => m,
                None => return,
            };
        } else {
            return ctx.out.error(err::SYNTAX);
        }
        j += 2;
    }
    let from_tail = rank < 0;
    let rank = rank.unsigned_abs();
    let key = ctx.arg(1);
    let element = ctx.arg(2);
    let (out, found) = find(ctx, key, true);
    let list = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing if count.is_some() => return out.array(0),
        Found::Missing => return out.null(),
        Found::Value(list) => list,
    };
    let len = list.len();
    let start = if from_tail { len.saturating_sub(1) } else { 0 };
    let scan_limit = if maxlen == 0 {
        usize::MAX
    } else {
        usize::try_from(maxlen).unwrap_or(usize::MAX)
    };
    let wanted = match count {
        Some(0) | None => u64::MAX,
        Some(c) => c.unsigned_abs(),
    };
    let mut positions: Vec<usize> = Vec::new();
    let mut matches: u64 = 0;
    for (scanned, entry) in list.iter_from(start, from_tail).enumerate() {
        if scanned >= scan_limit {
            break;
        }
        if !entry.eq_bytes(element) {
            continue;
        }
        matches += 1;
        if matches < rank {
            continue;
        }
        positions.push(if from_tail {
            len - scanned - 1
        } else {
            scanned
        });
        if count.is_none() || positions.len() as u64 >= wanted {
            break;
        }
    }
    list.release_decompressed();
    if count.is_some() {
        out.array(positions.len());
        for position in positions {
            out.int(i64::try_from(position).unwrap_or(i64::MAX));
        }
    } else {
        match positions.first() {
            Some(&position) => out.int(i64::try_from(position).unwrap_or(i64::MAX)),
            None => out.null(),
        }
    }
}

// --- moves -------------------------------------------------------------------------------------

/// Parses LEFT or RIGHT, replying with a syntax error otherwise.
pub(super) fn parse_end(ctx: &mut Ctx, arg: &[u8]) -> Option<End> {
    if eq_ic(arg, "left") {
        Some(End::Head)
    } else if eq_ic(arg, "right") {
        Some(End::Tail)
    } else {
        ctx.out.error(err::SYNTAX);
        None
    }
}

/// LMOVE from `source` to `destination`. `rpoplpush_form` picks the command replicated
/// (BRPOPLPUSH replicates as RPOPLPUSH, BLMOVE as LMOVE).
pub(super) fn lmove_keys(
    ctx: &mut Ctx,
    source: &[u8],
    destination: &[u8],
    (from, to): (End, End),
    rpoplpush_form: bool,
) {
    let limits = limits(ctx);
    let (out, found) = find(ctx, source, false);
    let list = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => return out.null(),
        Found::Value(list) => list,
    };
    if source != destination {
        if list.is_empty() {
            return out.null();
        }
        // The destination's type is checked before anything is popped.
        let (out, found) = find(ctx, destination, false);
        if let Found::WrongType = found {
            return out.error(err::WRONGTYPE);
        }
    }
    let (_, found) = find(ctx, source, false);
    let Found::Value(list) = found else {
        return;
    };
    // A rotation (same key) never empties the list: the element goes straight back.
    let Some(moved) = pop_one(list, from) else {
        return ctx.out.null();
    };
    let mut emptied = false;
    if source == destination {
        push_moved(list, to, &moved, limits);
    } else {
        emptied = list.is_empty();
        let (_, found) = find(ctx, destination, false);
        match found {
            Found::Value(list) => push_moved(list, to, &moved, limits),
            Found::Missing | Found::WrongType => {
                let mut list = List::new();
                push_moved(&mut list, to, &moved, limits);
                ctx.set_value(destination, Value::List(Box::new(list)), 0, false);
            }
        }
    }
    // Valkey raises the push on the destination first, then the pop on the source.
    ctx.notify(class::LIST, push_event(to), destination);
    ctx.notify(class::LIST, pop_event(from), source);
    if emptied {
        delete_emptied(ctx, source);
    }
    ctx.out.bulk(&moved.value);
    ctx.mark_dirty(1);
    let effect = if rpoplpush_form {
        vec![b"RPOPLPUSH".to_vec(), source.to_vec(), destination.to_vec()]
    } else {
        vec![
            b"LMOVE".to_vec(),
            source.to_vec(),
            destination.to_vec(),
            side_name(from).to_vec(),
            side_name(to).to_vec(),
        ]
    };
    ctx.record_effect(effect);
}

fn lmove(ctx: &mut Ctx) {
    let Some(from) = parse_end(ctx, ctx.arg(3)) else {
        return;
    };
    let Some(to) = parse_end(ctx, ctx.arg(4)) else {
        return;
    };
    lmove_keys(ctx, ctx.arg(1), ctx.arg(2), (from, to), false);
}

fn rpoplpush(ctx: &mut Ctx) {
    lmove_keys(ctx, ctx.arg(1), ctx.arg(2), (End::Tail, End::Head), true);
}

/// LMPOP's and BLMPOP's arguments from `numkeys_index` on: the keys, the end and the count.
pub(super) struct MultiPop<'a> {
    pub keys: &'a [&'a [u8]],
    pub end: End,
    pub count: usize,
}

/// Parses `numkeys key... LEFT|RIGHT [COUNT n]`, replying with Valkey's error on failure.
pub(super) fn parse_multi_pop<'a>(
    ctx: &mut Ctx<'a, '_>,
    numkeys_index: usize,
) -> Option<MultiPop<'a>> {
    let numkeys = match parse_i64(ctx.arg(numkeys_index)) {
        Some(n) if n >= 1 => n,
        _ => {
            ctx.out.error("ERR numkeys should be greater than 0");
            return None;
        }
    };
    let where_index = usize::try_from(numkeys)
        .ok()
        .and_then(|n| n.checked_add(numkeys_index + 1))
        .filter(|&i| i < ctx.argc());
    let Some(where_index) = where_index else {
        ctx.out.error(err::SYNTAX);
        return None;
    };
    let end = parse_end(ctx, ctx.arg(where_index))?;
    let mut count: Option<i64> = None;
    let mut j = where_index + 1;
    while j < ctx.argc() {
        if count.is_none() && eq_ic(ctx.arg(j), "count") && j + 1 < ctx.argc() {
            match parse_i64(ctx.arg(j + 1)) {
                Some(c) if c >= 1 => count = Some(c),
                _ => {
                    ctx.out.error("ERR count should be greater than 0");
                    return None;
                }
            }
            j += 2;
        } else {
            ctx.out.error(err::SYNTAX);
            return None;
        }
    }
    let args = ctx.args;
    Some(MultiPop {
        keys: args.get(numkeys_index + 1..where_index).unwrap_or_default(),
        end,
        count: usize::try_from(count.unwrap_or(1)).unwrap_or(usize::MAX),
    })
}

/// Pops from the first of `keys` holding a list, as BLPOP (`count` None: `[key, element]`,
/// replicated as `LPOP key`) or LMPOP (`[key, [elements]]`, replicated as `LPOP key n`).
/// Returns false, having replied nothing, when every key is missing.
pub(super) fn pop_first(ctx: &mut Ctx, keys: &[&[u8]], end: End, count: Option<usize>) -> bool {
    let limits = limits(ctx);
    for &key in keys {
        let (out, found) = find(ctx, key, false);
        let list = match found {
            Found::WrongType => {
                out.error(err::WRONGTYPE);
                return true;
            }
            Found::Missing => continue,
            Found::Value(list) if list.is_empty() => continue,
            Found::Value(list) => list,
        };
        let popped = list.pop(end, count.unwrap_or(1), limits);
        out.array(2);
        out.bulk(key);
        if count.is_some() {
            out.array(popped.len());
        }
        for value in &popped {
            out.bulk(value);
        }
        let emptied = list.is_empty();
        ctx.notify(class::LIST, pop_event(end), key);
        if emptied {
            delete_emptied(ctx, key);
        }
        ctx.mark_dirty(popped.len() as u64);
        let mut effect = vec![end_name(end).to_vec(), key.to_vec()];
        if count.is_some() {
            effect.push(popped.len().to_string().into_bytes());
        }
        ctx.record_effect(effect);
        return true;
    }
    false
}

fn lmpop(ctx: &mut Ctx) {
    let Some(request) = parse_multi_pop(ctx, 1) else {
        return;
    };
    if !pop_first(ctx, request.keys, request.end, Some(request.count)) {
        ctx.out.null_array();
    }
}

#[cfg(test)]
mod tests {
    use super::resolve_range;

    use crate::test_support::{effects_of, words};

    #[test]
    fn lmpop_replicates_as_a_pop_with_the_popped_count() {
        let effects = effects_of(&[
            &["RPUSH", "b", "1", "2", "3"],
            &["LMPOP", "2", "a", "b", "RIGHT", "COUNT", "10"],
            &["LMPOP", "2", "a", "b", "LEFT"],
        ]);
        assert_eq!(effects[0], vec![words("RPUSH b 1 2 3")]);
        assert_eq!(effects[1], vec![words("RPOP b 3")]);
        assert!(effects[2].is_empty(), "nothing popped, nothing replicated");
    }

    #[test]
    fn commands_that_change_nothing_are_not_replicated() {
        let effects = effects_of(&[
            &["RPUSH", "l", "a", "b"],
            &["LTRIM", "l", "0", "-1"],
            &["LREM", "l", "0", "zz"],
            &["LINSERT", "l", "BEFORE", "zz", "x"],
            &["LPUSHX", "missing", "x"],
            &["LPOP", "l", "0"],
            &["LSET", "l", "5", "x"],
            &["LMOVE", "l", "l", "LEFT", "RIGHT"],
            &["RPOPLPUSH", "l", "m"],
        ]);
        assert!(effects[1..7].iter().all(|e| e.is_empty()), "{effects:?}");
        assert_eq!(effects[7], vec![words("LMOVE l l LEFT RIGHT")]);
        assert_eq!(effects[8], vec![words("RPOPLPUSH l m")]);
    }

    #[test]
    fn ranges_follow_redis_index_rules() {
        assert_eq!(resolve_range(5, 0, -1), Some((0, 5)));
        assert_eq!(resolve_range(5, -2, -1), Some((3, 2)));
        assert_eq!(resolve_range(5, -100, 1), Some((0, 2)));
        assert_eq!(resolve_range(5, 3, 100), Some((3, 2)));
        assert_eq!(resolve_range(5, 4, 3), None);
        assert_eq!(resolve_range(5, 5, 10), None);
        assert_eq!(resolve_range(0, 0, -1), None);
        assert_eq!(resolve_range(5, i64::MIN, i64::MAX), Some((0, 5)));
        assert_eq!(resolve_range(5, i64::MAX, i64::MIN), None);
    }
}
