//! MEMORY: USAGE, STATS, DOCTOR, PURGE, MALLOC-STATS and HELP.
//!
//! Reply shapes, field names and texts are Valkey 8.1's (verified against a running server);
//! the figures are ferrokey's own. MEMORY USAGE is an estimate from ferrokey's structures (the
//! main-table entry, the key and the value's heap bytes), not Valkey's numbers: it is of the
//! same order and grows with the value. Large hashtable-like collections are sampled as Valkey
//! samples them: the first `SAMPLES` elements (default 5, 0 = all) give an average element
//! size that is scaled by the element count. MEMORY STATS reuses the allocator and client
//! figures INFO memory reports, so the two agree.

use ferrokey_ds::hash::{Entry as HashEntry, HashValue};
use ferrokey_ds::intset::{SetMember, SetValue};
use ferrokey_ds::zset::ZSet;

use super::info::{memory_base, MemoryBase};
use super::registry::{Binding, Scope};
use super::{err, parse_i64, Ctx};
use crate::keyspace::value::{Entry, Value, INLINE_CAPACITY_BYTES};
use crate::server::Server;
use crate::util::eq_ic;

pub const COMMANDS: &[Binding] = &[
    ("memory|usage", usage, Scope::Keys),
    ("memory|stats", stats, Scope::None),
    ("memory|doctor", doctor, Scope::None),
    ("memory|purge", purge, Scope::None),
    ("memory|malloc-stats", malloc_stats, Scope::None),
    ("memory|help", help, Scope::None),
];

/// Elements MEMORY USAGE samples when SAMPLES is not given (Valkey's default).
const DEFAULT_SAMPLES: usize = 5;
/// A key's main-table entry: one 64-byte allocation (asserted in keyspace::value tests).
const MAIN_ENTRY_BYTES: usize = 64;
/// A record in the expires table for a key with a TTL (key hash, time, chain link), estimated.
const EXPIRE_ENTRY_BYTES: usize = 32;
/// Per-element bookkeeping of a hashtable set: the boxed member's fat pointer and control byte.
const SET_SLOT_BYTES: usize = 17;
/// Per-pair bookkeeping of a hashtable hash: two boxed slices and a control byte.
const HASH_SLOT_BYTES: usize = 33;
/// Per-member bookkeeping of a large sorted set: arena record with score, index slot, tree.
const ZSET_NODE_BYTES: usize = 48;
/// A table's fixed part, the figure Valkey 8.1 reports for an empty database's tables.
const TABLE_BASE_BYTES: usize = 96;
/// Bucket bytes per key charged to a database's main and expires tables.
const TABLE_SLOT_BYTES: usize = 8;
/// Below this many allocated bytes Valkey's doctor declares the instance empty.
const DOCTOR_EMPTY_BYTES: u64 = 5 * 1024 * 1024;

const DOCTOR_EMPTY: &str = "Hi Sam, this instance is empty or is using very little memory, \
my issues detector can't be used in these conditions. Please, leave for your mission on Earth \
and fill it with some data. The new Sam and I will be back to our programming as soon as I \
finished rebooting.\n";
const DOCTOR_HEALTHY: &str = "Hi Sam, I can't find any memory issue in your instance. \
I can only account for what occurs on this base.\n";

const HELP_LINES: &[&str] = &[
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
];

fn help(ctx: &mut Ctx) {
    super::reply_help(ctx, "MEMORY", HELP_LINES);
}

/// MEMORY USAGE key [SAMPLES count]: options are parsed before the lookup, as in Valkey, so a
/// bad option is an error even for a missing key.
fn usage(ctx: &mut Ctx) {
    let mut samples = DEFAULT_SAMPLES;
    let mut j = 3;
    while j < ctx.argc() {
        if eq_ic(ctx.arg(j), "samples") && j + 1 < ctx.argc() {
            let Some(count) = parse_i64(ctx.arg(j + 1)) else {
                ctx.out.error(err::NOT_INTEGER);
                return;
            };
            samples = match usize::try_from(count) {
                Ok(0) => usize::MAX,
                Ok(n) => n,
                Err(_) => {
                    ctx.out.error(err::SYNTAX);
                    return;
                }
            };
            j += 2;
        } else {
            ctx.out.error(err::SYNTAX);
            return;
        }
    }
    let (db, key) = (ctx.db(), ctx.arg(2));
    let found = ctx
        .lookup_object(db, key)
        .map(|entry| entry_bytes(entry, samples));
    match found {
        Some(bytes) => ctx.out.int(i64::try_from(bytes).unwrap_or(i64::MAX)),
        None => ctx.out.null(),
    }
}

/// Estimated bytes of a key: its entry, a key too long to sit inline, its expiry record and
/// the value's heap bytes.
fn entry_bytes(entry: &Entry, samples: usize) -> usize {
    let key_len = entry.key.as_bytes().len();
    let key_heap = if key_len > INLINE_CAPACITY_BYTES {
        key_len
    } else {
        0
    };
    let expire = if entry.has_expire() {
        EXPIRE_ENTRY_BYTES
    } else {
        0
    };
    MAIN_ENTRY_BYTES + key_heap + expire + value_heap_bytes(&entry.value, samples)
}

/// Heap bytes a value owns beyond the inline 24 bytes of the entry.
fn value_heap_bytes(value: &Value, samples: usize) -> usize {
    match value {
        Value::Int(_) | Value::Short(_) => 0,
        Value::Long(bytes) => std::mem::size_of::<Vec<u8>>() + bytes.capacity(),
        Value::List(list) => list.allocated_bytes(),
        Value::Set(set) => std::mem::size_of::<SetValue>() + set_bytes(set, samples),
        Value::ZSet(zset) => std::mem::size_of::<ZSet>() + zset_bytes(zset, samples),
        Value::Hash(hash) => std::mem::size_of::<HashValue>() + hash_bytes(hash, samples),
    }
}

/// The sampled estimate of `count` elements from the sizes of the first `samples` of them.
fn sampled(count: usize, samples: usize, sizes: impl Iterator<Item = usize>) -> usize {
    let (mut seen, mut total) = (0usize, 0usize);
    for size in sizes.take(samples) {
        seen += 1;
        total = total.saturating_add(size);
    }
    if seen == 0 {
        return 0;
    }
    (total / seen).saturating_mul(count)
}

fn set_bytes(set: &SetValue, samples: usize) -> usize {
    match set {
        SetValue::IntSet(ints) => ints.blob_len(),
        SetValue::Listpack(listpack) => listpack.allocated_bytes(),
        SetValue::HashTable(table) => {
            let members = set.iter().map(|member| {
                SET_SLOT_BYTES
                    + match member {
                        SetMember::Int(_) => 8,
                        SetMember::Bytes(bytes) => bytes.len(),
                    }
            });
            table.num_buckets() + sampled(set.len(), samples, members)
        }
    }
}

fn hash_bytes(hash: &HashValue, samples: usize) -> usize {
    fn entry_len(entry: &HashEntry) -> usize {
        match entry {
            HashEntry::Int(_) => 8,
            HashEntry::Str(bytes) => bytes.len(),
        }
    }
    match hash {
        HashValue::Listpack(listpack) => listpack.allocated_bytes(),
        HashValue::HashTable(_) | HashValue::Volatile(_) => {
            let pairs = hash
                .iter()
                .map(|(field, value)| HASH_SLOT_BYTES + entry_len(&field) + entry_len(&value));
            sampled(hash.len(), samples, pairs)
        }
    }
}

fn zset_bytes(zset: &ZSet, samples: usize) -> usize {
    const SMALL_ENTRY_BYTES: usize = std::mem::size_of::<(f64, Box<[u8]>)>();
    match zset {
        // The small form is bounded by zset-max-listpack-entries: counted exactly.
        ZSet::Small(_) => zset
            .iter()
            .map(|(member, _)| SMALL_ENTRY_BYTES + member.len())
            .sum(),
        ZSet::Large(_) => {
            let members = zset
                .iter()
                .map(|(member, _)| ZSET_NODE_BYTES + member.len());
            sampled(zset.len(), samples, members)
        }
    }
}

fn purge(ctx: &mut Ctx) {
    // Valkey replies OK whether or not the allocator could purge.
    crate::memory::purge_dirty_pages();
    ctx.out.ok();
}

/// MEMORY STATS's figures: INFO memory's, plus the keyspace's tables.
struct MemoryFigures {
    base: MemoryBase,
    /// Per database: (main table overhead, expires table overhead).
    db_overheads: Vec<(u64, u64)>,
    overhead_total: u64,
    keys: u64,
}

fn memory_figures(server: &Server) -> MemoryFigures {
    let base = memory_base(server);
    let mut keys = 0u64;
    let db_overheads: Vec<(u64, u64)> = (0..server.keyspace.db_count())
        .map(|db| {
            let (db_keys, expires) = server.keyspace.db_stats(db);
            keys += db_keys as u64;
            let table = |n: usize| (TABLE_BASE_BYTES + n * TABLE_SLOT_BYTES) as u64;
            (table(db_keys), table(expires))
        })
        .collect();
    let overhead_total =
        base.startup + base.clients + db_overheads.iter().map(|(m, e)| m + e).sum::<u64>();
    MemoryFigures {
        base,
        db_overheads,
        overhead_total,
        keys,
    }
}

/// `a / b` as Valkey computes its ratios: in single precision, 0 when `b` is 0.
fn ratio_f32(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        f64::from(a as f32 / b as f32)
    }
}

fn stats(ctx: &mut Ctx) {
    let m = memory_figures(ctx.server);
    let b = &m.base;
    let total = b.alloc.allocated;
    let out = &mut *ctx.out;
    let int = |out: &mut ferrokey_resp::ReplyBuf, name: &str, n: u64| {
        out.bulk(name.as_bytes());
        out.int(i64::try_from(n).unwrap_or(i64::MAX));
    };
    let signed = |out: &mut ferrokey_resp::ReplyBuf, name: &str, n: i64| {
        out.bulk(name.as_bytes());
        out.int(n);
    };
    let double = |out: &mut ferrokey_resp::ReplyBuf, name: &str, x: f64| {
        out.bulk(name.as_bytes());
        out.double(x);
    };
    // 31 fixed pairs plus one per database.
    out.map(31 + m.db_overheads.len());
    int(out, "peak.allocated", b.peak);
    int(out, "total.allocated", total);
    int(out, "startup.allocated", b.startup);
    for name in ["replication.backlog", "clients.slaves"] {
        int(out, name, 0);
    }
    int(out, "clients.normal", b.clients);
    for name in [
        "cluster.links",
        "aof.buffer",
        "lua.caches",
        "functions.caches",
    ] {
        int(out, name, 0);
    }
    for (db, (main, expires)) in m.db_overheads.iter().enumerate() {
        out.bulk(format!("db.{db}").as_bytes());
        out.map(2);
        int(out, "overhead.hashtable.main", *main);
        int(out, "overhead.hashtable.expires", *expires);
    }
    // ferrokey's shards rehash in place: no lookup-table or incremental-rehash overhead.
    for name in [
        "overhead.db.hashtable.lut",
        "overhead.db.hashtable.rehashing",
    ] {
        int(out, name, 0);
    }
    int(out, "overhead.total", m.overhead_total);
    int(out, "db.dict.rehashing.count", 0);
    int(out, "keys.count", m.keys);
    let net_usage = total.saturating_sub(b.startup);
    let bytes_per_key = net_usage.checked_div(m.keys).unwrap_or(0);
    int(out, "keys.bytes-per-key", bytes_per_key);
    let dataset = total.saturating_sub(m.overhead_total);
    int(out, "dataset.bytes", dataset);
    double(out, "dataset.percentage", {
        let pct = dataset as f32 * 100.0 / net_usage.max(1) as f32;
        f64::from(pct)
    });
    double(out, "peak.percentage", 100.0 * ratio_f32(total, b.peak));
    int(out, "allocator.allocated", b.alloc.allocated);
    int(out, "allocator.active", b.alloc.active);
    int(out, "allocator.resident", b.alloc.resident);
    int(out, "allocator.muzzy", 0);
    let diff = |a: u64, b: u64| a as i64 - b as i64;
    double(
        out,
        "allocator-fragmentation.ratio",
        ratio_f32(b.alloc.active, b.alloc.allocated),
    );
    signed(
        out,
        "allocator-fragmentation.bytes",
        diff(b.alloc.active, b.alloc.allocated),
    );
    double(
        out,
        "allocator-rss.ratio",
        ratio_f32(b.alloc.resident, b.alloc.active),
    );
    signed(
        out,
        "allocator-rss.bytes",
        diff(b.alloc.resident, b.alloc.active),
    );
    double(
        out,
        "rss-overhead.ratio",
        ratio_f32(b.rss, b.alloc.resident),
    );
    signed(out, "rss-overhead.bytes", diff(b.rss, b.alloc.resident));
    double(out, "fragmentation", ratio_f32(b.rss, total));
    signed(out, "fragmentation.bytes", diff(b.rss, total));
}

/// Valkey's doctor measures the total allocation against 5 MB. ferrokey's startup footprint
/// differs from Valkey's, so the test here is on what was allocated since startup: an instance
/// Valkey calls empty is called empty here too.
fn doctor(ctx: &mut Ctx) {
    let b = memory_base(ctx.server);
    let text = if b.alloc.allocated.saturating_sub(b.startup) < DOCTOR_EMPTY_BYTES {
        DOCTOR_EMPTY
    } else {
        DOCTOR_HEALTHY
    };
    ctx.out.verbatim(b"txt", text.as_bytes());
}

fn malloc_stats(ctx: &mut Ctx) {
    let text = jemalloc_stats_text();
    ctx.out.verbatim(b"txt", text.as_bytes());
}

/// jemalloc's `malloc_stats_print` report, collected into a string.
fn jemalloc_stats_text() -> String {
    /// Appends one chunk of the report to the `String` behind `opaque`.
    ///
    /// # Safety
    /// `opaque` must point to a live `String` not otherwise borrowed, and `text` must be null
    /// or a NUL-terminated string; `jemalloc_stats_text` passes exactly that.
    unsafe extern "C" fn append(opaque: *mut std::ffi::c_void, text: *const std::ffi::c_char) {
        if opaque.is_null() || text.is_null() {
            return;
        }
        // SAFETY: per this function's contract, `opaque` is the `&mut String` handed to
        // malloc_stats_print below and `text` a NUL-terminated string jemalloc owns for the
        // duration of the call.
        let (out, chunk) = unsafe {
            (
                &mut *opaque.cast::<String>(),
                std::ffi::CStr::from_ptr(text),
            )
        };
        out.push_str(&chunk.to_string_lossy());
    }
    let mut text = String::new();
    // SAFETY: `append` matches jemalloc's `write_cb` signature and upholds its own contract:
    // the opaque pointer is `&mut text`, which outlives the call (malloc_stats_print calls the
    // callback synchronously and keeps no pointer afterwards) and is not touched by anything
    // else meanwhile. A null `opts` selects the default report. The callback allocates, which
    // jemalloc allows: it writes the report through the callback outside its internal locks.
    unsafe {
        tikv_jemalloc_sys::malloc_stats_print(
            Some(append),
            std::ptr::from_mut(&mut text).cast(),
            std::ptr::null(),
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jemalloc_report_is_collected() {
        let text = jemalloc_stats_text();
        assert!(text.contains("jemalloc statistics"), "{text:.200}");
        assert!(text.contains("Allocated:"));
    }

    #[test]
    fn sampling_scales_the_average() {
        assert_eq!(sampled(100, 2, [10, 30, 1000].into_iter()), 2000);
        assert_eq!(sampled(3, usize::MAX, [10, 20, 30].into_iter()), 60);
        assert_eq!(sampled(0, 5, std::iter::empty()), 0);
    }

    #[test]
    fn long_strings_grow_the_estimate() {
        let short = value_heap_bytes(&Value::from_bytes(b"abc"), 5);
        let long = value_heap_bytes(&Value::from_bytes(&[b'x'; 1000]), 5);
        assert_eq!(short, 0);
        assert!(long >= 1000);
    }
}
