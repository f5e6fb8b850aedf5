//! DEBUG: the introspection and test hooks Valkey's test suites and client libraries use.
//!
//! DEBUG is one command in the table (arity -2) whose subcommands are parsed here, with
//! Valkey's rule that a subcommand with the wrong number of arguments is "unknown". It runs
//! with every shard locked (`Scope::All`) because OBJECT, DIGEST and POPULATE read or write
//! the keyspace; so DEBUG SLEEP, like Valkey's, also stalls every other keyspace command.
//!
//! The command is refused unless `enable-debug-command` allows it (`local`: only from
//! 127.0.0.1, ::1 or the unix socket). Subcommands that need machinery ferrokey does not have
//! yet (RELOAD, LOADAOF, cluster hooks, crash triggers) answer an explicit not-implemented
//! error rather than a fake OK.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use super::registry::{Binding, Scope};
use super::{err, parse_i64, Ctx};
use crate::client::Peer;
use crate::keyspace::value::{embstr_fits, flags, Entry, Value, INLINE_CAPACITY_BYTES};
use crate::util::eq_ic;
use ferrokey_cmdtable::keys::c_atoi;

pub const COMMANDS: &[Binding] = &[("debug", debug, Scope::All)];

/// Valkey's default reply-buffer peak reset time (DEBUG REPLYBUFFER PEAK-RESET-TIME RESET).
const REPLY_BUFFER_PEAK_RESET_DEFAULT_MS: i64 = 5000;
/// QUICKLIST-PACKED-THRESHOLD: the default (also what 0 selects) and the largest accepted.
const PACKED_THRESHOLD_DEFAULT_BYTES: u64 = 1 << 30;
const PACKED_THRESHOLD_MAX_BYTES: u64 = (1 << 32) - (1 << 20);
/// POPULATE builds key names in a 128-byte C buffer, so names stop at 127 bytes.
const POPULATE_KEY_MAX_BYTES: usize = 127;
/// POPULATE refuses counts no table could hold instead of allocating without end.
const POPULATE_MAX_KEYS: i64 = 1 << 32;
/// Bytes of one entry allocation, reported as SDSLEN's `obj_alloc`.
const ENTRY_ALLOCATION_BYTES: usize = 64;
/// Iterations of STRINGMATCH-TEST's random patterns.
const STRINGMATCH_FUZZ_ROUNDS: usize = 1000;

const NOT_ALLOWED: &str = "ERR DEBUG command not allowed. If the enable-debug-command option is \
set to \"local\", you can run it from a local connection, otherwise you need to set this option \
in the configuration file, and then restart the server.";

/// Knobs DEBUG sets that other subsystems will read once they exist.
pub struct DebugSettings {
    pub dict_resizing: AtomicBool,
    pub quicklist_packed_threshold_bytes: AtomicU64,
    pub reply_buffer_peak_reset_time_ms: AtomicI64,
    pub reply_buffer_resizing: AtomicBool,
}

impl Default for DebugSettings {
    fn default() -> Self {
        DebugSettings {
            dict_resizing: AtomicBool::new(true),
            quicklist_packed_threshold_bytes: AtomicU64::new(PACKED_THRESHOLD_DEFAULT_BYTES),
            reply_buffer_peak_reset_time_ms: AtomicI64::new(REPLY_BUFFER_PEAK_RESET_DEFAULT_MS),
            reply_buffer_resizing: AtomicBool::new(true),
        }
    }
}

/// Subcommands listed in DEBUG HELP that ferrokey cannot perform yet.
const NOT_IMPLEMENTED: &str =
    "aof-flush-sleep assert config-rewrite-force-all crash-and-recover leak htstats \
     htstats-key loadaof replicate drop-cluster-packet-filter \
     close-cluster-link-on-packet-drop disable-cluster-random-ping oom panic reload restart \
     segfault set-skip-checksum-validation structsize listpack quicklist client-eviction \
     pause-after-fork delay-rdb-client-free-second client-enforce-reply-list protect-client \
     clusterlink mallctl mallctl-str";

fn allowed(ctx: &Ctx) -> bool {
    let settings = &ctx.server.settings;
    if !settings.debug_command_allowed.load(Ordering::Relaxed) {
        return false;
    }
    if !settings.debug_command_local_only.load(Ordering::Relaxed) {
        return true;
    }
    match &ctx.client.handle.peer {
        Peer::Unix { .. } => true,
        Peer::Tcp { addr, .. } => {
            let ip = addr.ip().to_string();
            ip == "127.0.0.1" || ip == "::1"
        }
    }
}

fn debug(ctx: &mut Ctx) {
    if !allowed(ctx) {
        ctx.out.error(NOT_ALLOWED);
        return;
    }
    let sub = ctx.arg(1).to_ascii_lowercase();
    let argc = ctx.argc();
    match (sub.as_slice(), argc) {
        (b"help", 2) => help(ctx),
        (b"object", 3 | 4) => object(ctx),
        (b"sdslen", 3) => sdslen(ctx),
        (b"digest", 2) => digest(ctx),
        (b"digest-value", _) => digest_value(ctx),
        (b"error", 3) => ctx.out.error_bytes(ctx.arg(2)),
        (b"log", 3) => {
            tracing::warn!("DEBUG LOG: {}", String::from_utf8_lossy(ctx.arg(2)));
            ctx.out.ok();
        }
        (b"sleep", 3) => sleep(ctx),
        (b"set-active-expire", 3) => {
            let on = c_atoi(ctx.arg(2)) != 0;
            ctx.server
                .settings
                .active_expire_enabled
                .store(on, Ordering::Relaxed);
            ctx.out.ok();
        }
        (b"pause-cron", 3) => {
            ctx.server
                .cron_paused
                .store(c_atoi(ctx.arg(2)) != 0, Ordering::Relaxed);
            ctx.out.ok();
        }
        (b"dict-resizing", 3) => {
            ctx.server
                .debug
                .dict_resizing
                .store(c_atoi(ctx.arg(2)) != 0, Ordering::Relaxed);
            ctx.out.ok();
        }
        (b"quicklist-packed-threshold", 3) => quicklist_packed_threshold(ctx),
        (b"change-repl-id", 2) => {
            *ctx.server.replid.lock() = crate::server::random_hex_id();
            ctx.out.ok();
        }
        (b"replybuffer", 4) => replybuffer(ctx),
        (b"populate", 3..=5) => populate(ctx),
        (b"protocol", 3) => protocol(ctx),
        (b"stringmatch-test", 2) => stringmatch_test(ctx),
        (name, _)
            if NOT_IMPLEMENTED
                .split_whitespace()
                .any(|n| n.as_bytes() == name) =>
        {
            ctx.out.error_bytes(
                &[b"ERR DEBUG ", name, b" is not implemented by ferrokey yet"].concat(),
            );
        }
        _ => subcommand_error(ctx),
    }
}

fn subcommand_error(ctx: &mut Ctx) {
    let sub = ctx.arg(1);
    let shown = &sub[..sub.len().min(128)];
    ctx.out.error_bytes(
        &[
            b"ERR unknown subcommand or wrong number of arguments for '",
            shown,
            b"'. Try DEBUG HELP.",
        ]
        .concat(),
    );
}

/// C `strtod` on the longest numeric prefix (no prefix: 0), as DEBUG SLEEP reads its argument.
fn strtod_prefix(arg: &[u8]) -> f64 {
    let text = String::from_utf8_lossy(arg);
    let text = text.trim_start();
    let bytes = text.as_bytes();
    let mut end = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        end = 1;
    }
    let digits_start = end;
    while bytes.get(end).is_some_and(u8::is_ascii_digit) {
        end += 1;
    }
    if bytes.get(end) == Some(&b'.') {
        end += 1;
        while bytes.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
    }
    if end == digits_start || (end == digits_start + 1 && bytes.get(digits_start) == Some(&b'.')) {
        let rest = text[digits_start..].to_ascii_lowercase();
        let negative = bytes.first() == Some(&b'-');
        if rest.starts_with("inf") {
            return if negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
        }
        return 0.0;
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let mut exp_end = end + 1;
        if matches!(bytes.get(exp_end), Some(b'+' | b'-')) {
            exp_end += 1;
        }
        let exp_digits = exp_end;
        while bytes.get(exp_end).is_some_and(u8::is_ascii_digit) {
            exp_end += 1;
        }
        if exp_end > exp_digits {
            end = exp_end;
        }
    }
    text[..end].parse().unwrap_or(0.0)
}

fn sleep(ctx: &mut Ctx) {
    let secs = strtod_prefix(ctx.arg(2));
    let micros = secs * 1_000_000.0;
    // Valkey converts to whole microseconds; nanosleep refuses negative times.
    if micros >= 1.0 {
        let duration = std::time::Duration::from_micros(micros.min(u64::MAX as f64) as u64);
        block_for(duration);
    }
    ctx.out.ok();
}

/// Sleeps on this worker thread, first letting the runtime move its other tasks elsewhere.
fn block_for(duration: std::time::Duration) {
    let multi_thread = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi_thread {
        tokio::task::block_in_place(|| std::thread::sleep(duration));
    } else {
        std::thread::sleep(duration);
    }
}

fn quicklist_packed_threshold(ctx: &mut Ctx) {
    match ferrokey_config::memory_to_u64(ctx.arg(2)) {
        Some(size) if size <= PACKED_THRESHOLD_MAX_BYTES => {
            let size = if size == 0 {
                PACKED_THRESHOLD_DEFAULT_BYTES
            } else {
                size
            };
            ctx.server
                .debug
                .quicklist_packed_threshold_bytes
                .store(size, Ordering::Relaxed);
            ctx.out.ok();
        }
        _ => ctx
            .out
            .error("ERR argument must be a memory value bigger than 1 and smaller than 4gb"),
    }
}

fn replybuffer(ctx: &mut Ctx) {
    let setting = ctx.arg(2);
    let value = ctx.arg(3);
    if eq_ic(setting, "peak-reset-time") {
        let ms = if eq_ic(value, "never") {
            -1
        } else if eq_ic(value, "reset") {
            REPLY_BUFFER_PEAK_RESET_DEFAULT_MS
        } else {
            match parse_i64(value) {
                Some(ms) => ms,
                None => {
                    ctx.out.error(err::NOT_INTEGER);
                    return;
                }
            }
        };
        ctx.server
            .debug
            .reply_buffer_peak_reset_time_ms
            .store(ms, Ordering::Relaxed);
        ctx.out.ok();
    } else if eq_ic(setting, "resizing") {
        ctx.server
            .debug
            .reply_buffer_resizing
            .store(c_atoi(value) != 0, Ordering::Relaxed);
        ctx.out.ok();
    } else {
        subcommand_error(ctx);
    }
}

/// Looks a key up in the client's database as Valkey's `dbFind`: no expiry, no statistics.
fn find<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Option<&'a mut Entry> {
    let db = ctx.db();
    let hash = ctx.server.keyspace.hash(key);
    ctx.locks.shard(db, hash)?.get_raw(hash, key)
}

/// Bytes the RDB length prefix of `len` takes.
fn rdb_length_bytes(len: usize) -> usize {
    match len {
        0..=63 => 1,
        64..=16383 => 2,
        _ if len as u64 <= u64::from(u32::MAX) => 5,
        _ => 9,
    }
}

/// Bytes an RDB integer-encoded string takes, when the value fits one.
fn rdb_int_bytes(value: i64) -> Option<usize> {
    if i8::try_from(value).is_ok() {
        Some(2)
    } else if i16::try_from(value).is_ok() {
        Some(3)
    } else if i32::try_from(value).is_ok() {
        Some(5)
    } else {
        None
    }
}

/// The size of a string value in an RDB file, without LZF compression.
fn rdb_string_bytes(value: &Value) -> usize {
    let mut tmp = [0u8; 20];
    let bytes = value.string_bytes(&mut tmp).unwrap_or_default();
    if bytes.len() <= 11 {
        if let Some(n) = ferrokey_util::number::parse_i64_strict(bytes).and_then(rdb_int_bytes) {
            return n;
        }
    }
    rdb_length_bytes(bytes.len()) + bytes.len()
}

/// Seconds since `lru` on the 24-bit LRU clock, as OBJECT IDLETIME counts them.
fn idle_secs(clock: u32, lru: u32) -> u32 {
    if clock >= lru {
        clock - lru
    } else {
        clock + (crate::server::LRU_CLOCK_MAX - lru)
    }
}

/// Valkey's `LFUDecrAndReturn` applied to the object's 24-bit clock field, which is what
/// DEBUG OBJECT prints whatever the eviction policy.
fn lfu_decayed(lru: u32, decay_minutes: i64, now_unix_secs: i64) -> u32 {
    let ldt = i64::from(lru >> 8);
    let counter = i64::from(lru & 255);
    let now = (now_unix_secs / 60) & 65535;
    let elapsed = if now >= ldt {
        now - ldt
    } else {
        65535 - ldt + now
    };
    let periods = if decay_minutes > 0 {
        elapsed / decay_minutes
    } else {
        0
    };
    (counter - periods).max(0) as u32
}

fn object(ctx: &mut Ctx) {
    let fast = ctx.argc() == 4 && eq_ic(ctx.arg(3), "fast");
    let key = ctx.arg(2);
    let clock = ctx.server.lru_clock();
    let decay = ctx
        .server
        .config
        .read()
        .get_i64("lfu-decay-time")
        .unwrap_or(1);
    let now_secs = ctx.now_ms / 1000;
    let Some(entry) = find(ctx, key) else {
        ctx.out.error(err::NO_SUCH_KEY);
        return;
    };
    let mut line = format!(
        "Value at:{:p} refcount:1 encoding:{}",
        entry as *const Entry,
        entry.encoding_name()
    );
    if !fast {
        line.push_str(&format!(
            " serializedlength:{}",
            rdb_string_bytes(&entry.value)
        ));
    }
    line.push_str(&format!(
        " lru:{} lru_seconds_idle:{} lfu_freq:{} lfu_access_time_minutes:{}",
        entry.lru,
        idle_secs(clock, entry.lru),
        lfu_decayed(entry.lru, decay, now_secs),
        entry.lru >> 8
    ));
    if let Value::List(list) = &entry.value {
        if let ferrokey_ds::list::List::Quick(quicklist) = list.as_ref() {
            push_quicklist_fields(&mut line, quicklist);
        }
    }
    ctx.out.simple(&line);
}

/// The quicklist's shape, as Valkey appends it: nodes, entries per node, the fill setting,
/// whether compression is on, and the nodes' uncompressed bytes.
fn push_quicklist_fields(line: &mut String, quicklist: &ferrokey_ds::quicklist::Quicklist) {
    let nodes = quicklist.node_count();
    let average = quicklist.len() as f64 / nodes.max(1) as f64;
    line.push_str(&format!(
        " ql_nodes:{nodes} ql_avg_node:{average:.2} ql_listpack_max:{} ql_compressed:{} \
         ql_uncompressed_size:{}",
        quicklist.fill(),
        u8::from(quicklist.compress_depth() != 0),
        quicklist.total_bytes()
    ));
}

fn sdslen(ctx: &mut Ctx) {
    let key = ctx.arg(2);
    let Some(entry) = find(ctx, key) else {
        ctx.out.error(err::NO_SUCH_KEY);
        return;
    };
    let (len, avail, alloc) = match &entry.value {
        Value::Int(_) | Value::List(_) | Value::Set(_) | Value::ZSet(_) | Value::Hash(_) => {
            ctx.out.error("ERR Not an sds encoded string.");
            return;
        }
        Value::Short(s) => (
            s.as_bytes().len(),
            INLINE_CAPACITY_BYTES - s.as_bytes().len(),
            0,
        ),
        Value::Long(v) => (v.len(), v.capacity() - v.len(), v.capacity()),
    };
    let line = format!(
        "key_sds_len:{} key_sds_avail:0 obj_alloc:{} val_sds_len:{len} val_sds_avail:{avail} \
         val_alloc:{alloc}",
        key.len(),
        ENTRY_ALLOCATION_BYTES
    );
    ctx.out.simple(&line);
}

/// Valkey's DEBUG DIGEST building blocks over SHA-1.
mod digest_ops {
    use sha1::{Digest as _, Sha1};

    pub type Digest = [u8; 20];

    pub fn sha1(data: &[u8]) -> Digest {
        Sha1::digest(data).into()
    }

    /// `digest ^= SHA1(data)`: order-independent accumulation.
    pub fn xor(digest: &mut Digest, data: &[u8]) {
        let hash = sha1(data);
        digest.iter_mut().zip(hash).for_each(|(d, h)| *d ^= h);
    }

    /// `digest = SHA1(digest ^ SHA1(data))`: order-dependent accumulation.
    pub fn mix(digest: &mut Digest, data: &[u8]) {
        xor(digest, data);
        *digest = sha1(&digest[..]);
    }

    pub fn hex(digest: &Digest) -> String {
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

use digest_ops::Digest;

/// The object type number (OBJ_STRING, OBJ_LIST, ...) Valkey mixes into a value's digest.
fn object_type_number(value: &Value) -> u32 {
    match value {
        Value::Int(_) | Value::Short(_) | Value::Long(_) => 0,
        Value::List(_) => 1,
        Value::Set(_) => 2,
        Value::ZSet(_) => 3,
        Value::Hash(_) => 4,
    }
}

/// A score as Valkey's `fpconv_dtoa` writes it, which DEBUG DIGEST uses for sorted sets. It is
/// the reply format (`format_double`, Valkey's `d2string`) except for integral values, which
/// `d2string` writes as integers but `fpconv_dtoa` lays out from their shortest digits: plain
/// when the exponent is below the digit count + 7 (`123456789012345680`), otherwise in
/// scientific notation (`1e+10`, verified on Valkey 8.1).
fn fpconv_dtoa_text(score: f64) -> Vec<u8> {
    if score == 0.0 || !score.is_finite() || score.fract() != 0.0 {
        let mut tmp = [0u8; 32];
        return ferrokey_resp::format_double(score, &mut tmp).to_vec();
    }
    let shortest = format!("{:e}", score.abs());
    let (mantissa, exponent) = shortest.split_once('e').unwrap_or((&shortest, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let digit_count = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let mut text = Vec::with_capacity(32);
    if score < 0.0 {
        text.push(b'-');
    }
    if exponent < digit_count + 7 {
        text.extend_from_slice(&digits);
        let zeros = usize::try_from(exponent - digit_count + 1).unwrap_or(0);
        text.resize(text.len() + zeros, b'0');
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        text.extend_from_slice(first);
        if !rest.is_empty() {
            text.push(b'.');
            text.extend_from_slice(rest);
        }
        text.extend_from_slice(format!("e+{exponent}").as_bytes());
    }
    text
}

/// Mixes a key's value (and the fact that it expires) into `digest`, as `xorObjectDigest`.
fn mix_value(digest: &mut Digest, entry: &Entry) {
    digest_ops::mix(digest, &object_type_number(&entry.value).to_be_bytes());
    let mut tmp = [0u8; 20];
    if let Some(bytes) = entry.value.string_bytes(&mut tmp) {
        digest_ops::mix(digest, bytes);
    }
    match &entry.value {
        Value::List(list) => {
            for element in list.iter() {
                digest_ops::mix(digest, element.as_bytes(&mut tmp));
            }
        }
        // Set members and sorted-set pairs are combined order-independently (xor), because
        // their iteration order is not part of the value.
        Value::Set(set) => {
            for member in set.iter() {
                digest_ops::xor(digest, &member.to_bytes());
            }
        }
        Value::ZSet(zset) => {
            for (member, score) in zset.iter() {
                let mut pair: Digest = [0; 20];
                digest_ops::mix(&mut pair, member);
                digest_ops::mix(&mut pair, &fpconv_dtoa_text(score));
                // Valkey's `xorDigest(digest, eledigest, 20)`: the pair digest is hashed again.
                digest_ops::xor(digest, &pair);
            }
        }
        // Each field/value pair is digested like a sorted-set pair: mixed into a zeroed
        // element digest, then combined order-independently.
        Value::Hash(hash) => {
            for (field, value) in hash.iter() {
                let mut pair: Digest = [0; 20];
                digest_ops::mix(&mut pair, field.into_bytes(&mut tmp));
                digest_ops::mix(&mut pair, value.into_bytes(&mut tmp));
                digest_ops::xor(digest, &pair);
            }
        }
        _ => {}
    }
    if entry.has_expire() {
        digest_ops::xor(digest, b"!!expire!!");
    }
}

fn digest(ctx: &mut Ctx) {
    let mut total: Digest = [0; 20];
    for db in 0..ctx.server.keyspace.db_count() {
        let mut keys_digest: Digest = [0; 20];
        let mut any = false;
        for (_, shard) in ctx.locks.shards_of_db(db) {
            shard.main.for_each(|entry| {
                any = true;
                let mut key_digest: Digest = [0; 20];
                digest_ops::mix(&mut key_digest, entry.key.as_bytes());
                mix_value(&mut key_digest, entry);
                digest_ops::xor(&mut keys_digest, &key_digest);
            });
        }
        if any {
            digest_ops::mix(&mut total, &(db as u32).to_be_bytes());
            total.iter_mut().zip(keys_digest).for_each(|(t, k)| *t ^= k);
        }
    }
    ctx.out.simple(&digest_ops::hex(&total));
}

fn digest_value(ctx: &mut Ctx) {
    let args = ctx.args;
    let keys = args.get(2..).unwrap_or_default();
    ctx.out.array(keys.len());
    for &key in keys {
        let mut digest: Digest = [0; 20];
        if let Some(entry) = find(ctx, key) {
            mix_value(&mut digest, entry);
        }
        ctx.out.simple(&digest_ops::hex(&digest));
    }
}

/// `getPositiveLongFromObjectOrReply` with no custom message.
fn positive_arg(ctx: &mut Ctx, i: usize) -> Option<i64> {
    match parse_i64(ctx.arg(i)) {
        Some(n) if n >= 0 => Some(n),
        _ => {
            ctx.out.error("ERR value is out of range, must be positive");
            None
        }
    }
}

fn populate(ctx: &mut Ctx) {
    let Some(count) = positive_arg(ctx, 2) else {
        return;
    };
    if count > POPULATE_MAX_KEYS {
        ctx.out.error("ERR OOM in dictTryExpand");
        return;
    }
    let value_size = if ctx.argc() == 5 {
        let Some(size) = positive_arg(ctx, 4) else {
            return;
        };
        size as u64
    } else {
        0
    };
    let max_value = ctx
        .server
        .settings
        .proto_max_bulk_len_bytes
        .load(Ordering::Relaxed);
    if value_size > max_value {
        ctx.out.error(err::STRING_TOO_LONG);
        return;
    }
    let prefix: &[u8] = if ctx.argc() >= 4 { ctx.arg(3) } else { b"key" };
    for j in 0..count {
        let mut key = [prefix, b":", j.to_string().as_bytes()].concat();
        key.truncate(POPULATE_KEY_MAX_BYTES);
        if ctx.exists(&key) {
            continue;
        }
        let mut value = format!("value:{j}").into_bytes();
        if value_size > 0 {
            value.resize(value_size as usize, 0);
        }
        let entry_flags = if embstr_fits(key.len(), value.len(), false) {
            0
        } else {
            flags::RAW
        };
        ctx.set_value(&key, Value::from_vec(value), entry_flags, false);
    }
    // Valkey neither propagates POPULATE nor counts it as a change.
    ctx.suppress_effect();
    ctx.out.ok();
}

/// The double DEBUG PROTOCOL answers; Valkey's test value, not an approximation of π.
#[allow(clippy::approx_constant)]
const PROTOCOL_DOUBLE: f64 = 3.141;

fn protocol(ctx: &mut Ctx) {
    let name = ctx.arg(2).to_ascii_lowercase();
    let out = &mut *ctx.out;
    match name.as_slice() {
        b"string" => out.bulk(b"Hello World"),
        b"integer" => out.int(12345),
        b"double" => out.double(PROTOCOL_DOUBLE),
        b"bignum" => out.big_number(b"1234567999999999999999999999999999999"),
        b"null" => out.null(),
        b"array" | b"set" => {
            if name == b"array" {
                out.array(3);
            } else {
                out.set(3);
            }
            (0..3).for_each(|j| out.int(j));
        }
        b"map" => {
            out.map(3);
            for j in 0..3 {
                out.int(j);
                out.boolean(j == 1);
            }
        }
        b"attrib" => {
            if out.attribute(1) {
                out.bulk(b"key-popularity");
                out.array(2);
                out.bulk(b"key:123");
                out.int(90);
            }
            out.bulk(b"Some real reply following the attribute");
        }
        b"push" => {
            if !out.is_resp3() {
                out.error("ERR RESP2 is not supported by this command");
                return;
            }
            // Valkey delivers the push after the command's own reply.
            out.bulk(b"Some real reply following the push reply");
            out.push(2);
            out.bulk(b"server-cpu-usage");
            out.int(42);
        }
        b"verbatim" => out.verbatim(b"txt", b"This is a verbatim\nstring"),
        b"true" => out.boolean(true),
        b"false" => out.boolean(false),
        _ => out.error(
            "ERR Wrong protocol type name. Please use one of the following: \
             string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
        ),
    }
}

/// Matches random patterns against random strings, checking only that matching terminates
/// without panicking, as Valkey's fuzz test does.
fn stringmatch_test(ctx: &mut Ctx) {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ab*?[]^-\\xyz";
    let mut rng = rand::thread_rng();
    for _ in 0..STRINGMATCH_FUZZ_ROUNDS {
        let mut random = |max: usize| -> Vec<u8> {
            let len = rng.gen_range(0..=max);
            (0..len)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())])
                .collect()
        };
        let pattern = random(32);
        let text = random(32);
        let nocase = text.len() % 2 == 0;
        std::hint::black_box(ferrokey_util::glob::glob_match(&pattern, &text, nocase));
    }
    ctx.out
        .simple("Apparently the server did not crash: test passed");
}

fn help(ctx: &mut Ctx) {
    super::reply_help(ctx, "DEBUG", super::debug_help::HELP_LINES);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_known_vectors() {
        let hex = |d: [u8; 20]| digest_ops::hex(&d);
        assert_eq!(
            hex(digest_ops::sha1(b"")),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
        assert_eq!(
            hex(digest_ops::sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        let long = vec![b'a'; 1000];
        assert_eq!(
            hex(digest_ops::sha1(&long)),
            "291e9a6c66994949b57ba5e650361e98fc36b1ba"
        );
    }

    #[test]
    fn digest_matches_valkey_for_one_string() {
        // Valkey 8.1: SET foo bar, then DEBUG DIGEST-VALUE foo and DEBUG DIGEST.
        let entry = Entry {
            key: crate::keyspace::value::SmallBytes::new(b"foo"),
            value: Value::from_bytes(b"bar"),
            lru: 0,
            flags: 0,
            lfu: 0,
        };
        let mut value_digest: Digest = [0; 20];
        mix_value(&mut value_digest, &entry);
        assert_eq!(
            digest_ops::hex(&value_digest),
            "68467c70ae30376e7ce005bcc8827f5ba7fd67dc"
        );
        let mut key_digest: Digest = [0; 20];
        digest_ops::mix(&mut key_digest, b"foo");
        mix_value(&mut key_digest, &entry);
        let mut keys: Digest = [0; 20];
        digest_ops::xor(&mut keys, &key_digest);
        let mut total: Digest = [0; 20];
        digest_ops::mix(&mut total, &0u32.to_be_bytes());
        total.iter_mut().zip(keys).for_each(|(t, k)| *t ^= k);
        assert_eq!(
            digest_ops::hex(&total),
            "d2ab4820c1be0580ea28efbfe8bfa1dc05bb802a"
        );
    }

    #[test]
    fn c_number_prefixes() {
        assert_eq!(strtod_prefix(b"0.5"), 0.5);
        assert_eq!(strtod_prefix(b"1e-1"), 0.1);
        assert_eq!(strtod_prefix(b"x"), 0.0);
        assert_eq!(strtod_prefix(b"2.5s"), 2.5);
        assert_eq!(strtod_prefix(b".5"), 0.5);
        assert_eq!(strtod_prefix(b"1e"), 1.0);
        assert_eq!(strtod_prefix(b"-1"), -1.0);
    }

    #[test]
    fn rdb_lengths() {
        assert_eq!(rdb_string_bytes(&Value::from_bytes(b"bar")), 4);
        assert_eq!(rdb_string_bytes(&Value::from_bytes(b"123")), 2);
        assert_eq!(rdb_string_bytes(&Value::from_bytes(b"1000")), 3);
        assert_eq!(rdb_string_bytes(&Value::from_bytes(b"100000")), 5);
        assert_eq!(rdb_string_bytes(&Value::from_bytes(b"10000000000")), 12);
        assert_eq!(rdb_string_bytes(&Value::from_bytes(b"barz")), 5);
    }

    #[test]
    fn help_has_valkey_81_length() {
        assert_eq!(super::super::debug_help::HELP_LINES.len() + 3, 120);
    }
}
