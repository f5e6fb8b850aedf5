//! MEMORY: USAGE, STATS, DOCTOR, PURGE, MALLOC-STATS and HELP.
//!
//! Reply shapes, field names and texts are Valkey 8.1's (verified against a running server);
//! the figures are ferrokey's own. MEMORY USAGE is an estimate from ferrokey's structures (the
//! main-table entry, the key and the value's heap bytes), not Valkey's numbers: it is of the
//! same order and grows with the value. Large hashtable-like collections are sampled as Valkey
//! samples them: the first `SAMPLES` elements (default 5, 0 = all) give an average element
//! size that is scaled by the element count. MEMORY STATS reuses the allocator and client
//! figures INFO memory reports, so the two agree. MEMORY DOCTOR applies Valkey's detection
//! rules and thresholds to those same figures and answers with Valkey's texts; which issues it
//! finds depends on the allocator's figures, which are ferrokey's (jemalloc) own.

use ferrokey_ds::hash::{Entry as HashEntry, HashValue};
use ferrokey_ds::intset::{SetMember, SetValue};
use ferrokey_ds::zset::ZSet;

use super::info::{memory_base, MemoryBase, MEM_ALLOCATOR};
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
        ratio_f32_ieee(a, b)
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
    // An overhead as Valkey reports it: `larger` over `smaller`, as a ratio and in bytes.
    let mut overhead = |name: &str, larger: u64, smaller: u64| {
        double(out, &format!("{name}.ratio"), ratio_f32(larger, smaller));
        signed(out, &format!("{name}.bytes"), diff(larger, smaller));
    };
    overhead("allocator-fragmentation", b.alloc.active, b.alloc.allocated);
    overhead("allocator-rss", b.alloc.resident, b.alloc.active);
    overhead("rss-overhead", b.rss, b.alloc.resident);
    double(out, "fragmentation", ratio_f32(b.rss, total));
    signed(out, "fragmentation.bytes", diff(b.rss, total));
}

// MEMORY DOCTOR applies Valkey's rules (getMemoryDoctorReport in object.c) to ferrokey's own
// figures, the ones INFO memory reports. Ratios are single precision, as Valkey computes them,
// and every "ratio and bytes" test is strict on both. ferrokey's allocator fragmentation is
// jemalloc's active over allocated (INFO's allocator_frag_ratio); Valkey counts only the
// unused regions of small-bin slabs, which is of the same kind but smaller.

/// Below this many bytes allocated since startup the instance is called empty. Valkey tests
/// its total allocation; ferrokey's startup footprint differs from Valkey's, so what was
/// allocated since startup is tested: an instance Valkey calls empty is called empty here too.
const DOCTOR_EMPTY_BYTES: u64 = 5 * 1024 * 1024;
/// Peak over current allocation above which the peak is reported.
const DOCTOR_PEAK_RATIO: f64 = 1.5;
/// RSS over allocation above which the total RSS is reported.
const DOCTOR_TOTAL_RSS_RATIO: f64 = 1.4;
/// Ratio above which allocator fragmentation, allocator RSS or process RSS is reported.
const DOCTOR_OVERHEAD_RATIO: f64 = 1.1;
/// Each fragmentation or RSS issue also needs more than this many excess bytes.
const DOCTOR_OVERHEAD_BYTES: i128 = 10 << 20;
/// Average memory per (non-replica) client above which client buffers are reported.
const DOCTOR_CLIENT_AVERAGE_BYTES: u64 = 200 * 1024;
/// Replica output buffers (all replicas together, as Valkey tests it) above which they are
/// reported.
const DOCTOR_REPLICA_BUFFER_BYTES: u64 = 10 * 1024 * 1024;
/// Cached scripts above which the script cache is reported.
const DOCTOR_MAX_CACHED_SCRIPTS: u64 = 1000;

const DOCTOR_EMPTY: &str = "Hi Sam, this instance is empty or is using very little memory, \
my issues detector can't be used in these conditions. Please, leave for your mission on Earth \
and fill it with some data. The new Sam and I will be back to our programming as soon as I \
finished rebooting.\n";
const DOCTOR_HEALTHY: &str = "Hi Sam, I can't find any memory issue in your instance. \
I can only account for what occurs on this base.\n";
const DOCTOR_ISSUES_HEADER: &str =
    "Sam, I detected a few issues in this Valkey instance memory implants:\n\n";
const DOCTOR_ISSUES_CLOSING: &str = "I'm here to keep you safe, Sam. I want to help you.\n";

const DOCTOR_BIG_PEAK: &str = " * Peak memory: In the past this instance used more than 150% \
the memory that is currently using. The allocator is normally not able to release memory after \
a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless \
and is only due to the memory peak, and if the Valkey instance Resident Set Size (RSS) is \
currently bigger than expected, the memory will be used as soon as you fill the Valkey \
instance with more data. If the memory peak was only occasional and you want to try to reclaim \
memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown \
and restart the instance.\n\n";
/// Followed by the allocator's name and `DOCTOR_HIGH_TOTAL_RSS_END`.
const DOCTOR_HIGH_TOTAL_RSS: &str = " * High total RSS: This instance has a memory \
fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the \
Valkey process is much larger than the sum of the logical allocations Valkey performed). This \
problem is usually due either to a large peak memory (check if there is a peak memory entry \
above in the report) or may result from a workload that causes the allocator to fragment \
memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make \
sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently \
used allocator is \"";
const DOCTOR_HIGH_TOTAL_RSS_END: &str = "\".\n\n";
const DOCTOR_HIGH_ALLOCATOR_FRAG: &str = " * High allocator fragmentation: This instance has an \
allocator external fragmentation greater than 1.1. This problem is usually due either to a \
large peak memory (check if there is a peak memory entry above in the report) or may result \
from a workload that causes the allocator to fragment memory a lot. You can try enabling \
'activedefrag' config option.\n\n";
const DOCTOR_HIGH_ALLOCATOR_RSS: &str = " * High allocator RSS overhead: This instance has an \
RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator \
is much larger than the sum what the allocator actually holds). This problem is usually due to \
a large peak memory (check if there is a peak memory entry above in the report), you can try \
the MEMORY PURGE command to reclaim it.\n\n";
const DOCTOR_HIGH_PROCESS_RSS: &str = " * High process RSS overhead: This instance has \
non-allocator RSS memory overhead is greater than 1.1 (this means that the Resident Set Size \
of the Valkey process is much larger than the RSS the allocator holds). This problem may be \
due to Lua scripts or Modules.\n\n";
const DOCTOR_BIG_REPLICA_BUFFERS: &str = " * Big replica buffers: The replica output buffers \
in this instance are greater than 10MB for each replica (on average). This likely means that \
there is some replica instance that is struggling receiving data, either because it is too \
slow or because of networking issues. As a result, data piles on the primary output buffers. \
Please try to identify what replica is not receiving data correctly and why. You can use the \
INFO output in order to check the replicas delays and the CLIENT LIST command to check the \
output buffers of each replica.\n\n";
const DOCTOR_BIG_CLIENT_BUFFERS: &str = " * Big client buffers: The clients output buffers in \
this instance are greater than 200K per client (on average). This may result from different \
causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so \
that data piles on the Valkey instance output buffer, or clients sending commands with large \
replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST \
command in order to investigate the issue if it causes problems in your instance, or to \
understand better why certain clients are using a big amount of memory.\n\n";
const DOCTOR_MANY_SCRIPTS: &str = " * Many scripts: There seem to be many cached scripts in \
this instance (more than 1000). This may be because scripts are generated and `EVAL`ed, \
instead of being parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless \
`SCRIPT FLUSH` is called periodically, the scripts' caches may end up consuming most of your \
memory.\n\n";

/// The figures MEMORY DOCTOR judges, in bytes unless named otherwise.
#[derive(Clone, Debug, Default)]
struct DoctorFigures {
    /// used_memory.
    used: u64,
    startup: u64,
    peak: u64,
    rss: u64,
    allocator_allocated: u64,
    allocator_active: u64,
    allocator_resident: u64,
    /// Memory of the clients that are not replicas (mem_clients_normal).
    clients_normal: u64,
    /// Connected clients, replicas included.
    client_count: u64,
    replica_count: u64,
    /// Replica output buffers beyond the backlog (mem_clients_slaves).
    replica_buffers: u64,
    cached_script_count: u64,
}

impl DoctorFigures {
    fn new(base: &MemoryBase, client_count: u64) -> Self {
        DoctorFigures {
            used: base.alloc.allocated,
            startup: base.startup,
            peak: base.peak,
            rss: base.rss,
            allocator_allocated: base.alloc.allocated,
            allocator_active: base.alloc.active,
            allocator_resident: base.alloc.resident,
            clients_normal: base.clients,
            client_count,
            // ferrokey has neither replication nor a script cache yet.
            replica_count: 0,
            replica_buffers: 0,
            cached_script_count: 0,
        }
    }
}

/// What MEMORY DOCTOR can report, in the order its paragraphs appear.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum DoctorIssue {
    BigPeak,
    HighTotalRss,
    HighAllocatorFrag,
    HighAllocatorRss,
    HighProcessRss,
    BigReplicaBuffers,
    BigClientBuffers,
    ManyScripts,
}

/// `part / whole` in single precision as Valkey divides (a zero `whole` gives infinity or NaN,
/// as in C), widened for the comparison as C widens it.
fn ratio_f32_ieee(part: u64, whole: u64) -> f64 {
    f64::from(part as f32 / whole as f32)
}

/// Whether `larger` exceeds `smaller` both by more than `ratio` times and by more than
/// `DOCTOR_OVERHEAD_BYTES`.
fn overhead_exceeds(larger: u64, smaller: u64, ratio: f64) -> bool {
    ratio_f32_ieee(larger, smaller) > ratio
        && i128::from(larger) - i128::from(smaller) > DOCTOR_OVERHEAD_BYTES
}

/// The issues found, in report order; `None` when the instance is too empty to judge.
fn doctor_issues(f: &DoctorFigures) -> Option<Vec<DoctorIssue>> {
    if f.used.saturating_sub(f.startup) < DOCTOR_EMPTY_BYTES {
        return None;
    }
    let normal_clients = f.client_count.saturating_sub(f.replica_count);
    let client_average = f.clients_normal.checked_div(normal_clients).unwrap_or(0);
    let checks = [
        (
            DoctorIssue::BigPeak,
            ratio_f32_ieee(f.peak, f.used) > DOCTOR_PEAK_RATIO,
        ),
        (
            DoctorIssue::HighTotalRss,
            overhead_exceeds(f.rss, f.used, DOCTOR_TOTAL_RSS_RATIO),
        ),
        (
            DoctorIssue::HighAllocatorFrag,
            overhead_exceeds(
                f.allocator_active,
                f.allocator_allocated,
                DOCTOR_OVERHEAD_RATIO,
            ),
        ),
        (
            DoctorIssue::HighAllocatorRss,
            overhead_exceeds(
                f.allocator_resident,
                f.allocator_active,
                DOCTOR_OVERHEAD_RATIO,
            ),
        ),
        (
            DoctorIssue::HighProcessRss,
            overhead_exceeds(f.rss, f.allocator_resident, DOCTOR_OVERHEAD_RATIO),
        ),
        (
            DoctorIssue::BigReplicaBuffers,
            f.replica_count > 0 && f.replica_buffers > DOCTOR_REPLICA_BUFFER_BYTES,
        ),
        (
            DoctorIssue::BigClientBuffers,
            client_average > DOCTOR_CLIENT_AVERAGE_BYTES,
        ),
        (
            DoctorIssue::ManyScripts,
            f.cached_script_count > DOCTOR_MAX_CACHED_SCRIPTS,
        ),
    ];
    Some(
        checks
            .into_iter()
            .filter_map(|(issue, found)| found.then_some(issue))
            .collect(),
    )
}

/// MEMORY DOCTOR's text; `allocator` names the allocator in the total-RSS paragraph.
fn doctor_report(f: &DoctorFigures, allocator: &str) -> String {
    let issues = match doctor_issues(f) {
        None => return DOCTOR_EMPTY.to_string(),
        Some(issues) if issues.is_empty() => return DOCTOR_HEALTHY.to_string(),
        Some(issues) => issues,
    };
    let mut report = String::from(DOCTOR_ISSUES_HEADER);
    for issue in issues {
        match issue {
            DoctorIssue::BigPeak => report.push_str(DOCTOR_BIG_PEAK),
            DoctorIssue::HighTotalRss => {
                report.push_str(DOCTOR_HIGH_TOTAL_RSS);
                report.push_str(allocator);
                report.push_str(DOCTOR_HIGH_TOTAL_RSS_END);
            }
            DoctorIssue::HighAllocatorFrag => report.push_str(DOCTOR_HIGH_ALLOCATOR_FRAG),
            DoctorIssue::HighAllocatorRss => report.push_str(DOCTOR_HIGH_ALLOCATOR_RSS),
            DoctorIssue::HighProcessRss => report.push_str(DOCTOR_HIGH_PROCESS_RSS),
            DoctorIssue::BigReplicaBuffers => report.push_str(DOCTOR_BIG_REPLICA_BUFFERS),
            DoctorIssue::BigClientBuffers => report.push_str(DOCTOR_BIG_CLIENT_BUFFERS),
            DoctorIssue::ManyScripts => report.push_str(DOCTOR_MANY_SCRIPTS),
        }
    }
    report.push_str(DOCTOR_ISSUES_CLOSING);
    report
}

/// MEMORY DOCTOR: Valkey's verdict on ferrokey's memory figures.
fn doctor(ctx: &mut Ctx) {
    let base = memory_base(ctx.server);
    let figures = DoctorFigures::new(&base, ctx.server.clients.len() as u64);
    let report = doctor_report(&figures, MEM_ALLOCATOR);
    ctx.out.verbatim(b"txt", report.as_bytes());
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

    const MIB: u64 = 1 << 20;

    /// 20 MiB in use with small overheads and two idle clients: nothing to report.
    fn healthy_figures() -> DoctorFigures {
        DoctorFigures {
            used: 20 * MIB,
            startup: MIB,
            peak: 20 * MIB,
            rss: 26 * MIB,
            allocator_allocated: 20 * MIB,
            allocator_active: 21 * MIB,
            allocator_resident: 22 * MIB,
            clients_normal: 2 * 2000,
            client_count: 2,
            ..DoctorFigures::default()
        }
    }

    fn issues_of(f: &DoctorFigures) -> Option<Vec<DoctorIssue>> {
        doctor_issues(f)
    }

    #[test]
    fn doctor_healthy_and_empty() {
        let healthy = healthy_figures();
        assert_eq!(issues_of(&healthy), Some(vec![]));
        assert_eq!(doctor_report(&healthy, "x"), DOCTOR_HEALTHY);
        // Emptiness wins over any issue, and counts from startup.
        let empty = DoctorFigures {
            used: 6 * MIB,
            startup: 2 * MIB,
            peak: 100 * MIB,
            ..healthy.clone()
        };
        assert_eq!(issues_of(&empty), None);
        assert_eq!(doctor_report(&empty, "x"), DOCTOR_EMPTY);
    }

    #[test]
    fn doctor_each_rule_is_strict() {
        use DoctorIssue::*;
        let healthy = healthy_figures();
        let with = |change: &dyn Fn(&mut DoctorFigures)| {
            let mut f = healthy.clone();
            change(&mut f);
            issues_of(&f).unwrap_or_default()
        };
        assert_eq!(with(&|f| f.peak = 30 * MIB), vec![]);
        assert_eq!(with(&|f| f.peak = 30 * MIB + 4096), vec![BigPeak]);
        // 1.4 times but only 8 MiB over: not reported; 1.5 times and 10 MiB + 1 over: reported.
        assert_eq!(with(&|f| f.rss = 28 * MIB), vec![]);
        assert_eq!(
            with(&|f| {
                f.rss = 30 * MIB + 1;
                f.allocator_resident = 29 * MIB;
            }),
            vec![HighTotalRss]
        );
        assert_eq!(
            with(&|f| {
                f.allocator_active = 31 * MIB;
                f.allocator_resident = 31 * MIB;
                f.rss = 30 * MIB;
            }),
            vec![HighAllocatorFrag]
        );
        assert_eq!(
            with(&|f| {
                f.allocator_resident = 32 * MIB;
                f.rss = 30 * MIB;
            }),
            vec![HighAllocatorRss]
        );
        // Process RSS 10 MiB over the allocator's is also over 10 MiB above the allocation.
        assert_eq!(with(&|f| f.rss = 32 * MIB), vec![HighTotalRss]);
        assert_eq!(
            with(&|f| f.rss = 32 * MIB + 1),
            vec![HighTotalRss, HighProcessRss]
        );
        // Client memory is averaged over every client but the replicas.
        assert_eq!(with(&|f| f.clients_normal = 2 * 200 * 1024), vec![]);
        assert_eq!(
            with(&|f| f.clients_normal = 2 * 200 * 1024 + 2),
            vec![BigClientBuffers]
        );
        assert_eq!(
            with(&|f| {
                f.clients_normal = 3 * 200 * 1024;
                f.client_count = 3;
                f.replica_count = 1;
            }),
            vec![BigClientBuffers]
        );
        assert_eq!(with(&|f| f.replica_buffers = 11 * MIB), vec![]);
        assert_eq!(
            with(&|f| {
                f.replica_count = 1;
                f.client_count = 3;
                f.replica_buffers = 10 * MIB + 1;
            }),
            vec![BigReplicaBuffers]
        );
        assert_eq!(with(&|f| f.cached_script_count = 1000), vec![]);
        assert_eq!(with(&|f| f.cached_script_count = 1001), vec![ManyScripts]);
    }

    #[test]
    fn doctor_report_lists_issues_in_order() {
        let f = DoctorFigures {
            used: 20 * MIB,
            startup: MIB,
            peak: 100 * MIB,
            rss: 200 * MIB,
            allocator_allocated: 20 * MIB,
            allocator_active: 40 * MIB,
            allocator_resident: 80 * MIB,
            clients_normal: 10 * MIB,
            client_count: 3,
            replica_count: 1,
            replica_buffers: 20 * MIB,
            cached_script_count: 2000,
        };
        let report = doctor_report(&f, "jemalloc-5.3.0");
        let expected = [
            DOCTOR_ISSUES_HEADER,
            DOCTOR_BIG_PEAK,
            DOCTOR_HIGH_TOTAL_RSS,
            "jemalloc-5.3.0",
            DOCTOR_HIGH_TOTAL_RSS_END,
            DOCTOR_HIGH_ALLOCATOR_FRAG,
            DOCTOR_HIGH_ALLOCATOR_RSS,
            DOCTOR_HIGH_PROCESS_RSS,
            DOCTOR_BIG_REPLICA_BUFFERS,
            DOCTOR_BIG_CLIENT_BUFFERS,
            DOCTOR_MANY_SCRIPTS,
            DOCTOR_ISSUES_CLOSING,
        ]
        .concat();
        assert_eq!(report, expected);
    }
}
