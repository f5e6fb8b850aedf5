//! SORT and SORT_RO: sorting a list, set or sorted set by its elements or by weights read from
//! other keys (`BY pattern`), with `LIMIT`, `GET pattern` projections and, for SORT, `STORE`.
//!
//! Behaviour follows Valkey 8.1's `sort.c` step for step, because clients see its details:
//! - Options parse left to right and the first bad one answers (a syntax error, or LIMIT's
//!   integer error) before the key is even looked up; SORT_RO simply does not know STORE.
//! - A missing key sorts as an empty list; a sorted set is converted to its skiplist encoding
//!   for good (Valkey does this even for SORT_RO and even when the sort then fails).
//! - LIMIT is clamped exactly as Valkey clamps it. With a constant BY pattern (`BY nosort`)
//!   lists and sorted sets are read in their own order (reversed by DESC) and only the
//!   requested window is loaded; sets are read in storage order, except that a STORE forces
//!   ALPHA sorting so the stored result (and its replication) is deterministic.
//! - Numeric weights are read as C `strtod` reads them (see [`numeric_weight`]); one that does
//!   not convert fails the whole command after every weight was looked up.
//! - Equal numeric weights fall back to comparing the elements bytewise. ALPHA compares as
//!   `strcoll` in the C/C.UTF-8 locale, that is `strcmp` (bytes up to the first NUL), except
//!   that with STORE the full bytes are compared. Ties that remain keep their input order,
//!   because glibc's `qsort` is a stable merge sort; with BY and a LIMIT window Valkey sorts
//!   partially with its own quicksort instead, which [`partial_sort`] reproduces, ties
//!   included.
//! - A STORE result is built as a quicklist and converted to a listpack when it fits one node;
//!   it replaces the destination (dropping its TTL), or deletes it when empty. `dirty` grows by
//!   the number of stored elements (or by one for the deletion). The events are `sortstore`
//!   (list class) for a stored result, `del` for a destination the empty result deleted.
//!
//! Not reproduced: the cluster-mode and ACL refusals of BY/GET patterns and the forced ALPHA
//! order of sets inside scripts (ferrokey has neither cluster mode, ACL key patterns nor
//! scripting).
//!
//! The handlers are bound with `Scope::Db`: BY and GET patterns name keys that only exist at
//! run time, so the whole database stays locked.

use std::cmp::Ordering;
use std::sync::atomic::Ordering as AtomicOrdering;

use ferrokey_ds::list::List;
use ferrokey_ds::listpack::{Listpack, INT_BUF_LEN};
use ferrokey_ds::quicklist::Quicklist;
use ferrokey_ds::zset::{ZSet, ZSetLimits};
use ferrokey_resp::ReplyBuf;
use ferrokey_util::long_double::LongDouble;
use ferrokey_util::number::parse_f64_strict;

use super::registry::{Binding, Scope};
use super::{err, parse_i64, Ctx, Found};
use crate::keyspace::value::Value;
use crate::notify::class;
use crate::util::eq_ic;

pub const COMMANDS: &[Binding] = &[("sort", sort, Scope::Db), ("sort_ro", sort_ro, Scope::Db)];

const SCORE_ERROR: &str = "ERR One or more scores can't be converted into double";

/// Byte limits of a quicklist node for `list-max-listpack-size` -1..-5 (Valkey's
/// `optimization_level`); a STORE result converts to a listpack only within them.
const NODE_SIZE_LIMITS: [usize; 5] = [4096, 8192, 16384, 32768, 65536];

fn sort(ctx: &mut Ctx) {
    sort_generic(ctx, false);
}

fn sort_ro(ctx: &mut Ctx) {
    sort_generic(ctx, true);
}

/// The parsed options of one SORT call.
struct Options<'a> {
    desc: bool,
    alpha: bool,
    limit_start: i64,
    limit_count: i64,
    store: Option<&'a [u8]>,
    by: Option<&'a [u8]>,
    /// BY named a pattern without `*`: nothing is sorted and no weight is looked up.
    dont_sort: bool,
    gets: Vec<&'a [u8]>,
}

/// Parses the options after the key; on an error, replies and returns None.
fn parse_options<'a>(ctx: &mut Ctx<'a, '_>, readonly: bool) -> Option<Options<'a>> {
    let mut options = Options {
        desc: false,
        alpha: false,
        limit_start: 0,
        limit_count: -1,
        store: None,
        by: None,
        dont_sort: false,
        gets: Vec::new(),
    };
    let argc = ctx.argc();
    let mut j = 2;
    while j < argc {
        let word = ctx.arg(j);
        let left = argc - j - 1;
        if eq_ic(word, "asc") {
            options.desc = false;
        } else if eq_ic(word, "desc") {
            options.desc = true;
        } else if eq_ic(word, "alpha") {
            options.alpha = true;
        } else if eq_ic(word, "limit") && left >= 2 {
            let (Some(start), Some(count)) = (parse_i64(ctx.arg(j + 1)), parse_i64(ctx.arg(j + 2)))
            else {
                ctx.out.error(err::NOT_INTEGER);
                return None;
            };
            options.limit_start = start;
            options.limit_count = count;
            j += 2;
        } else if !readonly && eq_ic(word, "store") && left >= 1 {
            options.store = Some(ctx.arg(j + 1));
            j += 1;
        } else if eq_ic(word, "by") && left >= 1 {
            let pattern = ctx.arg(j + 1);
            options.by = Some(pattern);
            // Once a constant pattern was seen nothing is sorted, even if a later BY has a `*`.
            options.dont_sort |= !c_string(pattern).contains(&b'*');
            j += 1;
        } else if eq_ic(word, "get") && left >= 1 {
            options.gets.push(ctx.arg(j + 1));
            j += 1;
        } else {
            ctx.out.error(err::SYNTAX);
            return None;
        }
        j += 1;
    }
    Some(options)
}

/// One element to sort with what it sorts by.
struct Item {
    element: Vec<u8>,
    /// The numeric weight (0 when BY names a missing key).
    score: f64,
    /// The ALPHA weight read through BY; None when missing (sorts first).
    weight: Option<Vec<u8>>,
}

impl Item {
    fn new(element: Vec<u8>) -> Item {
        Item {
            element,
            score: 0.0,
            weight: None,
        }
    }
}

/// The elements loaded for sorting and the window of them to output: `start..=end`, empty when
/// `end < start` (Valkey's signed arithmetic, kept as is).
struct Loaded {
    items: Vec<Item>,
    start: i64,
    end: i64,
}

fn sort_generic(ctx: &mut Ctx, readonly: bool) {
    let Some(mut options) = parse_options(ctx, readonly) else {
        return;
    };
    let key = ctx.arg(1);
    let (out, found) = ctx.find_typed(key, true, |value| match value {
        Value::List(_) | Value::Set(_) | Value::ZSet(_) => Some(value),
        _ => None,
    });
    let loaded = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => load(None, &mut options),
        Found::Value(value) => load(Some(value), &mut options),
    };
    let Loaded {
        mut items,
        start,
        end,
    } = loaded;
    let vector_len = i64::try_from(items.len()).unwrap_or(i64::MAX);

    if !options.dont_sort {
        if !load_weights(ctx, &options, &mut items) {
            return ctx.out.error(SCORE_ERROR);
        }
        let compare = |a: &Item, b: &Item| compare_items(a, b, &options);
        if options.by.is_some() && (start != 0 || end != vector_len - 1) {
            if let (Ok(first), Ok(last)) = (usize::try_from(start), usize::try_from(end)) {
                if first <= last {
                    partial_sort(&mut items, first, last, compare);
                }
            }
        } else {
            items.sort_by(compare);
        }
    }

    let window = window(&items, start, end);
    let rows = i64::try_from(window.len()).unwrap_or(i64::MAX);
    let output_len = if options.gets.is_empty() {
        rows
    } else {
        rows.saturating_mul(i64::try_from(options.gets.len()).unwrap_or(i64::MAX))
    };
    match options.store {
        None => reply_window(ctx, window, &options.gets, output_len),
        Some(destination) => store_window(ctx, window, &options.gets, destination, output_len),
    }
}

/// The items at `start..=end` (none when the window is empty).
fn window(items: &[Item], start: i64, end: i64) -> &[Item] {
    match (usize::try_from(start), usize::try_from(end)) {
        (Ok(first), Ok(last)) if first <= last => items.get(first..=last).unwrap_or_default(),
        _ => &[],
    }
}

/// Reads the elements of `value` (None: a missing key, sorted as an empty list) as Valkey loads
/// its sort vector, and clamps LIMIT into the output window. May switch a set stored without
/// sorting to ALPHA sorting (see the module docs).
fn load(value: Option<&mut Value>, options: &mut Options) -> Loaded {
    let len = match &value {
        Some(Value::List(list)) => list.len(),
        Some(Value::Set(set)) => set.len(),
        Some(Value::ZSet(zset)) => zset.len(),
        _ => 0,
    };
    let is_set = matches!(value, Some(Value::Set(_)));
    if options.dont_sort && is_set && options.store.is_some() {
        options.dont_sort = false;
        options.alpha = true;
        options.by = None;
    }
    let vector_len = i64::try_from(len).unwrap_or(i64::MAX);
    let mut start = options.limit_start.max(0).min(vector_len);
    let count = options.limit_count.max(-1).min(vector_len);
    let mut end = if count < 0 {
        vector_len - 1
    } else {
        start + count - 1
    };
    if start >= vector_len {
        start = vector_len - 1;
        end = vector_len - 2;
    }
    end = end.min(vector_len - 1);
    let full_window = start == 0 && end == vector_len - 1;
    let (dont_sort, desc) = (options.dont_sort, options.desc);
    // The direct load of lists and sorted sets in their own order reads just the window.
    let window_len = if full_window {
        len
    } else {
        usize::try_from(end - start + 1).unwrap_or(0)
    };
    let first = usize::try_from(start).unwrap_or(0);
    let items: Vec<Item> = match value {
        None => Vec::new(),
        Some(Value::List(list)) if dont_sort => {
            if end < start {
                Vec::new()
            } else {
                let from = if desc {
                    len.saturating_sub(first + 1)
                } else {
                    first
                };
                let items = list
                    .iter_from(from, desc)
                    .take(window_len)
                    .map(|entry| Item::new(entry.to_vec()))
                    .collect();
                list.release_decompressed();
                (start, end) = (0, end - start);
                items
            }
        }
        Some(Value::List(list)) => {
            let items = list.iter().map(|e| Item::new(e.to_vec())).collect();
            list.release_decompressed();
            items
        }
        Some(Value::Set(set)) => set.iter().map(|m| Item::new(m.to_bytes())).collect(),
        Some(Value::ZSet(zset)) => {
            force_skiplist(zset);
            if dont_sort {
                let items = zset
                    .range_by_rank(first..first + window_len, desc)
                    .map(|(member, _)| Item::new(member.to_vec()))
                    .collect();
                (start, end) = (0, end - start);
                items
            } else {
                zset.iter()
                    .map(|(member, _)| Item::new(member.to_vec()))
                    .collect()
            }
        }
        Some(_) => Vec::new(),
    };
    Loaded { items, start, end }
}

/// Valkey converts a listpack sorted set to the skiplist encoding before sorting it, for good.
/// `ZSet` exposes that conversion through its ZADD sizing hint: no listpack holds `usize::MAX`
/// pairs.
fn force_skiplist(zset: &mut ZSet) {
    zset.convert_for_hint(usize::MAX, &ZSetLimits::default());
}

/// Fills in the weights (through BY, or the elements themselves). Returns false when a numeric
/// weight did not convert; every weight is still looked up first, as Valkey does.
fn load_weights(ctx: &mut Ctx, options: &Options, items: &mut [Item]) -> bool {
    let mut converted = true;
    for item in items.iter_mut() {
        let looked_up = match options.by {
            Some(pattern) => {
                let weight = with_pattern_value(ctx, pattern, &item.element, |_, value| {
                    value.map(<[u8]>::to_vec)
                });
                match weight {
                    Some(weight) => Some(weight),
                    None => continue,
                }
            }
            None => None,
        };
        if options.alpha {
            item.weight = looked_up;
            continue;
        }
        let text = looked_up.as_deref().unwrap_or(&item.element);
        match numeric_weight(text) {
            Some(score) => item.score = score,
            None => converted = false,
        }
    }
    converted
}

/// Valkey's `sortCompare` for the options given.
fn compare_items(a: &Item, b: &Item, options: &Options) -> Ordering {
    let sort_store = options.store.is_some();
    let order = if !options.alpha {
        if a.score > b.score {
            Ordering::Greater
        } else if a.score < b.score {
            Ordering::Less
        } else {
            a.element.cmp(&b.element)
        }
    } else if options.by.is_some() {
        match (&a.weight, &b.weight) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) if sort_store => x.cmp(y),
            (Some(x), Some(y)) => c_string(x).cmp(c_string(y)),
        }
    } else if sort_store {
        a.element.cmp(&b.element)
    } else {
        c_string(&a.element).cmp(c_string(&b.element))
    };
    if options.desc {
        order.reverse()
    } else {
        order
    }
}

/// The bytes a C string function sees: everything before the first NUL.
fn c_string(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes.get(..end).unwrap_or(bytes)
}

/// A numeric weight as Valkey reads it with `strtod` over the C string: leading whitespace
/// skipped, the rest consumed entirely, the empty text is 0, and NaN or a range error (overflow,
/// underflow to zero, or an inexact subnormal result) does not convert (None).
fn numeric_weight(text: &[u8]) -> Option<f64> {
    let text = c_string(text);
    if text.is_empty() {
        return Some(0.0);
    }
    let number_at = text.iter().position(|&b| !is_c_space(b))?;
    let number = text.get(number_at..)?;
    let value = parse_f64_strict(number)?;
    if value != 0.0 && value.abs() < f64::MIN_POSITIVE && !is_exact_hex_subnormal(number, value) {
        return None;
    }
    Some(value)
}

/// C `isspace` in the C locale.
fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Whether `text`, which parsed to the subnormal `value`, denotes it exactly (glibc raises
/// ERANGE only for inexact subnormal results). A decimal text practically never does; a hex
/// float does when its 64-bit `long double` reading equals `value`.
fn is_exact_hex_subnormal(text: &[u8], value: f64) -> bool {
    let unsigned = match text.first() {
        Some(b'+' | b'-') => text.get(1..).unwrap_or_default(),
        _ => text,
    };
    if !matches!(unsigned, [b'0', b'x' | b'X', ..]) {
        return false;
    }
    let Some(long_double) = LongDouble::parse(text) else {
        return false;
    };
    // The x87 80-bit form of the subnormal: normalise the 52-bit fraction to an explicit
    // 64-bit significand and rebias the exponent (2^-1074 is the fraction's unit).
    let fraction = value.to_bits() & ((1u64 << 52) - 1);
    let shift = fraction.leading_zeros();
    let significand = fraction << shift;
    let exponent = 16383 + 63 - 1074 - u128::from(shift);
    let sign = u128::from(value.is_sign_negative()) << 79;
    long_double.to_bits() == sign | exponent << 64 | u128::from(significand)
}

/// Looks up what `pattern` names for `element` (Valkey's `lookupKeyByPattern`) and hands its
/// bytes to `use_value` with the reply buffer: `#` is the element itself; otherwise the first
/// `*` is replaced by the element, and `->field` after it reads a hash field. None when the
/// pattern has no `*` or the key or field is missing or of another type. The pattern is searched
/// as a C string (up to its first NUL), but the key and field keep all of its bytes.
fn with_pattern_value<R>(
    ctx: &mut Ctx,
    pattern: &[u8],
    element: &[u8],
    use_value: impl FnOnce(&mut ReplyBuf, Option<&[u8]>) -> R,
) -> R {
    let visible = c_string(pattern);
    if visible == b"#" {
        return use_value(ctx.out, Some(element));
    }
    let Some(star) = visible.iter().position(|&b| b == b'*') else {
        return use_value(ctx.out, None);
    };
    let arrow = visible
        .get(star + 1..)
        .and_then(|after| after.windows(2).position(|w| w == b"->"))
        .map(|at| star + 1 + at)
        .filter(|&at| visible.len() > at + 2);
    let key_end = arrow.unwrap_or(pattern.len());
    let field = arrow.map(|at| pattern.get(at + 2..).unwrap_or_default());
    let mut key = Vec::with_capacity(pattern.len() + element.len());
    key.extend_from_slice(pattern.get(..star).unwrap_or_default());
    key.extend_from_slice(element);
    key.extend_from_slice(pattern.get(star + 1..key_end).unwrap_or_default());
    let mut tmp = [0u8; 20];
    let now_ms = ctx.now_ms;
    let (out, found) = ctx.find_typed(&key, true, Some);
    let bytes = match (found, field) {
        (Found::Value(Value::Hash(hash)), Some(field)) => hash
            .get(field, now_ms)
            .map(|value| value.into_bytes(&mut tmp)),
        (Found::Value(value), None) => value.string_bytes(&mut tmp),
        _ => None,
    };
    use_value(out, bytes)
}

/// Replies with the window: each element, or what each GET pattern names for it.
fn reply_window(ctx: &mut Ctx, window: &[Item], gets: &[&[u8]], output_len: i64) {
    ctx.out.array(usize::try_from(output_len).unwrap_or(0));
    for item in window {
        if gets.is_empty() {
            ctx.out.bulk(&item.element);
        }
        for pattern in gets {
            with_pattern_value(ctx, pattern, &item.element, |out, value| match value {
                Some(bytes) => out.bulk(bytes),
                None => out.null(),
            });
        }
    }
}

/// STORE: the window (or its GET values, empty strings for missing ones) becomes the list at
/// `destination`; an empty result deletes it. Replies with the number of values stored.
fn store_window(
    ctx: &mut Ctx,
    window: &[Item],
    gets: &[&[u8]],
    destination: &[u8],
    output_len: i64,
) {
    let fill = ctx
        .server
        .settings
        .list_max_listpack_size
        .load(AtomicOrdering::Relaxed);
    let mut stored = Quicklist::new(fill);
    for item in window {
        if gets.is_empty() {
            stored.push_back(&item.element);
        }
        for pattern in gets {
            with_pattern_value(ctx, pattern, &item.element, |_, value| {
                stored.push_back(value.unwrap_or_default());
            });
        }
    }
    if output_len > 0 {
        let list = into_list(stored);
        ctx.set_value(destination, Value::List(Box::new(list)), 0, false);
        ctx.mark_dirty(u64::try_from(output_len).unwrap_or(0));
        ctx.notify(class::LIST, "sortstore", destination);
    } else if ctx.delete(destination) {
        ctx.mark_dirty(1);
        ctx.notify(class::GENERIC, "del", destination);
    }
    ctx.out.int(output_len);
}

/// Valkey's `listTypeTryConversion(LIST_CONV_AUTO)` of a freshly built quicklist: a single
/// packed node within the node limits becomes a listpack.
fn into_list(quicklist: Quicklist) -> List {
    let fill = quicklist.fill();
    let single_packed_node = matches!(quicklist.node_shapes().as_slice(), [(_, false)]);
    let within_size = fill >= 0 || {
        // Fills below -5 act as -5.
        let level = usize::try_from(fill.unsigned_abs() - 1).unwrap_or(usize::MAX);
        let limit = NODE_SIZE_LIMITS.get(level).or(NODE_SIZE_LIMITS.last());
        limit.is_some_and(|&limit| quicklist.total_bytes() <= limit)
    };
    if !(single_packed_node && within_size) {
        return List::Quick(quicklist);
    }
    let mut listpack = Listpack::new();
    let mut buf = [0u8; INT_BUF_LEN];
    for entry in quicklist.iter() {
        listpack.push_back(entry.as_bytes(&mut buf));
    }
    List::Packed(listpack)
}

/// Valkey's partial quicksort for SORT with BY and LIMIT (`pqsort`: NetBSD's Bentley-McIlroy
/// qsort that skips partitions outside `first..=last`). Reproduced operation for operation
/// because it is not stable: the order it leaves equal weights in is visible. Partitions are
/// disjoint, so an explicit work list visits them in a different order than Valkey's recursion
/// with the same result.
fn partial_sort<T>(
    v: &mut [T],
    first: usize,
    last: usize,
    mut cmp: impl FnMut(&T, &T) -> Ordering,
) {
    let mut pending = vec![(0usize, v.len())];
    while let Some((lo, n)) = pending.pop() {
        partition_pass(v, lo, n, first, last, &mut cmp, &mut pending);
    }
}

/// One call of `_pqsort` on `v[lo..lo + n]`, pushing the sub-ranges it would recurse into.
fn partition_pass<T>(
    v: &mut [T],
    lo: usize,
    n: usize,
    first: usize,
    last: usize,
    cmp: &mut impl FnMut(&T, &T) -> Ordering,
    pending: &mut Vec<(usize, usize)>,
) {
    let mut c = |v: &[T], i: usize, j: usize| match (v.get(i), v.get(j)) {
        (Some(a), Some(b)) => cmp(a, b),
        _ => Ordering::Equal,
    };
    if n < 7 {
        for m in lo + 1..lo + n {
            let mut l = m;
            while l > lo && c(v, l - 1, l) == Ordering::Greater {
                v.swap(l, l - 1);
                l -= 1;
            }
        }
        return;
    }
    let mut med3 = |v: &[T], a: usize, b: usize, x: usize| {
        if c(v, a, b) == Ordering::Less {
            if c(v, b, x) == Ordering::Less {
                b
            } else if c(v, a, x) == Ordering::Less {
                x
            } else {
                a
            }
        } else if c(v, b, x) == Ordering::Greater {
            b
        } else if c(v, a, x) == Ordering::Less {
            a
        } else {
            x
        }
    };
    let mut pm = lo + n / 2;
    if n > 7 {
        let mut pl = lo;
        let mut pn = lo + n - 1;
        if n > 40 {
            let d = n / 8;
            pl = med3(v, pl, pl + d, pl + 2 * d);
            pm = med3(v, pm - d, pm, pm + d);
            pn = med3(v, pn - 2 * d, pn - d, pn);
        }
        pm = med3(v, pl, pm, pn);
    }
    v.swap(lo, pm);
    let (mut pa, mut pb) = (lo + 1, lo + 1);
    let (mut pc, mut pd) = (lo + n - 1, lo + n - 1);
    loop {
        while pb <= pc {
            let order = c(v, pb, lo);
            if order == Ordering::Greater {
                break;
            }
            if order == Ordering::Equal {
                v.swap(pa, pb);
                pa += 1;
            }
            pb += 1;
        }
        while pb <= pc {
            let order = c(v, pc, lo);
            if order == Ordering::Less {
                break;
            }
            if order == Ordering::Equal {
                v.swap(pc, pd);
                pd -= 1;
            }
            pc -= 1;
        }
        if pb > pc {
            break;
        }
        v.swap(pb, pc);
        pb += 1;
        pc -= 1;
    }
    let pn = lo + n;
    let r = (pa - lo).min(pb - pa);
    swap_blocks(v, lo, pb - r, r);
    let r = (pd - pc).min(pn - pd - 1);
    swap_blocks(v, pb, pn - r, r);
    // Recurse only into partitions that overlap the requested window.
    let overlaps = |start: usize, len: usize| last >= start && first < start + len;
    let left_len = pb - pa;
    if left_len > 1 && overlaps(lo, left_len) {
        pending.push((lo, left_len));
    }
    let right_len = pd - pc;
    if right_len > 1 && overlaps(pn - right_len, right_len) {
        pending.push((pn - right_len, right_len));
    }
}

/// Swaps `v[a..a + n]` with `v[b..b + n]` element by element (`vecswap`).
fn swap_blocks<T>(v: &mut [T], a: usize, b: usize, n: usize) {
    for i in 0..n {
        v.swap(a + i, b + i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_weights_read_like_strtod() {
        assert_eq!(numeric_weight(b""), Some(0.0));
        assert_eq!(numeric_weight(b" 5"), Some(5.0));
        assert_eq!(numeric_weight(b"\t7"), Some(7.0));
        assert_eq!(numeric_weight(b"5\0zz"), Some(5.0));
        assert_eq!(numeric_weight(b"\0"), Some(0.0));
        assert_eq!(numeric_weight(b"0x10"), Some(16.0));
        assert_eq!(numeric_weight(b"+3"), Some(3.0));
        assert_eq!(numeric_weight(b"inf"), Some(f64::INFINITY));
        assert_eq!(numeric_weight(b"-infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(numeric_weight(b".5"), Some(0.5));
        assert_eq!(numeric_weight(b"5."), Some(5.0));
        assert_eq!(numeric_weight(b"0e-5000"), Some(0.0));
        for bad in [
            &b" "[..],
            b"1 ",
            b"nan",
            b"NaN",
            b"1e",
            b"1e+",
            b"0b1",
            b"1_0",
            b"1e309",
            b"1e-400",
            b"2e-310",
            b"4.9e-324",
            b"2.2250738585072011e-308",
        ] {
            assert_eq!(numeric_weight(bad), None, "{bad:?}");
        }
        assert_eq!(numeric_weight(b"0x1p-1074"), Some(f64::from_bits(1)));
        assert_eq!(numeric_weight(b"-0x1p-1074"), Some(-f64::from_bits(1)));
        assert_eq!(numeric_weight(b"0x1.8p-1070"), Some(f64::from_bits(24)));
        assert!(numeric_weight(b"2.2250738585072014e-308").is_some());
    }

    #[test]
    fn partial_sort_orders_the_window() {
        let data: Vec<u32> = (0..500u32).map(|i| (i * 7919) % 263).collect();
        let mut sorted = data.clone();
        sorted.sort_unstable();
        for (first, last) in [(0, 9), (100, 140), (490, 499), (0, 499), (250, 250)] {
            let mut v = data.clone();
            partial_sort(&mut v, first, last, |a, b| a.cmp(b));
            assert_eq!(v[first..=last], sorted[first..=last], "{first}..={last}");
        }
        let mut small = vec![3, 1, 2];
        partial_sort(&mut small, 1, 1, |a: &i32, b| a.cmp(b));
        assert_eq!(small, vec![1, 2, 3]);
    }
}
