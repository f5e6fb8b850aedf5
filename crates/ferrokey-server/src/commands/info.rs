//! INFO: the server's state as `# Section` blocks of `field:value` lines, in Valkey 8.1's
//! section order and field order, whatever order the sections were asked in.
//!
//! Sections are selected by name (case-insensitive); `default` (also no argument), `all` and
//! `everything` select groups, and unknown names select nothing. The reply is a verbatim `txt`
//! string (a bulk string in RESP2).
//!
//! Figures ferrokey has come from where they live: counters from `Stats`, per-command figures
//! from the registry, memory from jemalloc and /proc, CPU from getrusage. Fields for subsystems
//! that do not exist yet (replication, persistence, pub/sub, eviction) report their idle values,
//! so the field set matches Valkey's and parsers keep working.
//!
//! Per-command latency percentiles come from `crate::latency::LatencyHistogram`, a log-linear
//! histogram laid out as HdrHistogram with 2 significant digits over 1 ns..1 s, recording
//! microseconds × 1000 as Valkey does, so the percentiles print the same bucket bounds.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use parking_lot::Mutex;

use super::registry::{Binding, Scope};
use super::Ctx;
use crate::client::ClientHandle;
use crate::server::{Server, FERROKEY_VERSION, REDIS_VERSION, VALKEY_VERSION};

pub const COMMANDS: &[Binding] = &[("info", info, Scope::None)];

/// Sections in the order INFO prints them, and whether `default` includes each.
const SECTIONS: &[(&str, bool)] = &[
    ("server", true),
    ("clients", true),
    ("memory", true),
    ("persistence", true),
    ("stats", true),
    ("replication", true),
    ("cpu", true),
    ("modules", true),
    ("commandstats", false),
    ("errorstats", true),
    ("latencystats", false),
    ("cluster", true),
    ("keyspace", true),
];

/// The allocator ferrokey links (tikv-jemalloc-sys bundles jemalloc 5.3.0).
pub(super) const MEM_ALLOCATOR: &str = "jemalloc-5.3.0";
/// How many samples the instantaneous rates average over, and how far apart they must be.
const INSTANT_SAMPLES: usize = 16;
const INSTANT_SAMPLE_MIN_INTERVAL_MS: u128 = 100;

fn info(ctx: &mut Ctx) {
    let wanted = selected_sections(&ctx.args[1..]);
    let text = render(ctx.server, &wanted);
    ctx.out.verbatim(b"txt", text.as_bytes());
}

/// Which sections (indexes into `SECTIONS`) the arguments select.
fn selected_sections(args: &[&[u8]]) -> Vec<bool> {
    let mut wanted = vec![false; SECTIONS.len()];
    if args.is_empty() {
        for (slot, (_, default)) in wanted.iter_mut().zip(SECTIONS) {
            *slot = *default;
        }
    }
    for arg in args {
        let name = arg.to_ascii_lowercase();
        match name.as_slice() {
            b"all" | b"everything" => wanted.iter_mut().for_each(|w| *w = true),
            b"default" => {
                for (slot, (_, default)) in wanted.iter_mut().zip(SECTIONS) {
                    *slot |= *default;
                }
            }
            other => {
                if let Some(i) = SECTIONS.iter().position(|(n, _)| n.as_bytes() == other) {
                    wanted[i] = true;
                }
            }
        }
    }
    wanted
}

/// The INFO text for the selected sections.
pub fn render(server: &Server, wanted: &[bool]) -> String {
    let mut out = String::with_capacity(4096);
    for (i, (name, _)) in SECTIONS.iter().enumerate() {
        if !wanted.get(i).copied().unwrap_or(false) {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        let mut section = Section { text: &mut out };
        match *name {
            "server" => server_section(server, &mut section),
            "clients" => clients_section(server, &mut section),
            "memory" => memory_section(server, &mut section),
            "persistence" => persistence_section(server, &mut section),
            "stats" => stats_section(server, &mut section),
            "replication" => replication_section(server, &mut section),
            "cpu" => cpu_section(&mut section),
            "modules" => section.header("Modules"),
            "commandstats" => commandstats_section(server, &mut section),
            "errorstats" => errorstats_section(server, &mut section),
            "latencystats" => latencystats_section(server, &mut section),
            "cluster" => {
                section.header("Cluster");
                section.field("cluster_enabled", 0);
            }
            _ => keyspace_section(server, &mut section),
        }
    }
    out
}

/// Writes `# Header` and `field:value` lines.
struct Section<'a> {
    text: &'a mut String,
}

impl Section<'_> {
    fn header(&mut self, title: &str) {
        self.text.push_str("# ");
        self.text.push_str(title);
        self.text.push_str("\r\n");
    }

    /// Fields of subsystems ferrokey does not have yet, all 0 (names separated by spaces).
    fn zeros(&mut self, names: &str) {
        for name in names.split_whitespace() {
            self.field(name, 0);
        }
    }

    fn field(&mut self, name: &str, value: impl std::fmt::Display) {
        // Writing to a String cannot fail.
        let _ = write!(self.text, "{name}:{value}\r\n");
    }
}

fn config_i64(server: &Server, name: &str, default: i64) -> i64 {
    server.config.read().get_i64(name).unwrap_or(default)
}

fn config_text(server: &Server, name: &str) -> String {
    server.config.read().get_raw(name).unwrap_or_default()
}

fn unix_time_us() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0)
}

fn server_section(server: &Server, s: &mut Section) {
    let uptime = server.uptime_secs();
    let os_release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let executable = std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| server.executable.clone());
    s.header("Server");
    s.field("redis_version", REDIS_VERSION);
    s.field("server_name", "ferrokey");
    s.field("valkey_version", VALKEY_VERSION);
    s.field("ferrokey_version", FERROKEY_VERSION);
    s.field("valkey_release_stage", "ga");
    s.field("redis_git_sha1", "00000000");
    s.field("redis_git_dirty", 0);
    s.field("redis_build_id", "0000000000000000");
    s.field("server_mode", "standalone");
    s.field(
        "os",
        format!("Linux {} {}", os_release.trim(), std::env::consts::ARCH),
    );
    s.field("arch_bits", usize::BITS);
    s.field("monotonic_clock", "POSIX clock_gettime");
    s.field("multiplexing_api", "epoll");
    s.field("gcc_version", "0.0.0");
    s.field("process_id", std::process::id());
    s.field("process_supervised", "no");
    s.field("run_id", &server.run_id);
    s.field("tcp_port", server.tcp_port.load(Ordering::Relaxed));
    s.field("server_time_usec", unix_time_us());
    s.field("uptime_in_seconds", uptime);
    s.field("uptime_in_days", uptime / 86400);
    let hz = server.settings.hz.load(Ordering::Relaxed);
    s.field("hz", hz);
    s.field("configured_hz", config_i64(server, "hz", 10));
    s.field("clients_hz", hz);
    s.field("lru_clock", server.lru_clock());
    s.field("executable", executable);
    s.field("config_file", server.config_file.as_deref().unwrap_or(""));
    s.field("io_threads_active", 0);
    s.field(
        "availability_zone",
        config_text(server, "availability-zone"),
    );
    let mut listener = 0;
    let port = server.tcp_port.load(Ordering::Relaxed);
    if port > 0 {
        let binds: Vec<String> = config_text(server, "bind")
            .split_whitespace()
            .map(|b| format!("bind={b}"))
            .collect();
        s.field(
            "listener0",
            format!("name=tcp,{},port={port}", binds.join(",")),
        );
        listener += 1;
    }
    let socket = config_text(server, "unixsocket");
    if !socket.is_empty() {
        s.field(
            &format!("listener{listener}"),
            format!("name=unix,bind={socket}"),
        );
    }
}

/// Memory Valkey would charge to a client: its struct, buffers and current arguments.
fn client_memory_bytes(client: &ClientHandle) -> u64 {
    const CLIENT_FIXED_BYTES: u64 = 1570;
    CLIENT_FIXED_BYTES
        + client.query_buffer_bytes.load(Ordering::Relaxed)
        + client.output_buffer_bytes.load(Ordering::Relaxed)
        + client.pubsub.pending_bytes()
}

fn clients_section(server: &Server, s: &mut Section) {
    let clients = server.clients.all();
    let max_in = clients
        .iter()
        .map(|c| c.query_buffer_bytes.load(Ordering::Relaxed))
        .max();
    let max_out = clients
        .iter()
        .map(|c| c.output_buffer_bytes.load(Ordering::Relaxed) + c.pubsub.pending_bytes())
        .max();
    s.header("Clients");
    s.field("connected_clients", clients.len());
    s.field("cluster_connections", 0);
    s.field(
        "maxclients",
        server.settings.maxclients.load(Ordering::Relaxed),
    );
    s.field("client_recent_max_input_buffer", max_in.unwrap_or(0));
    s.field("client_recent_max_output_buffer", max_out.unwrap_or(0));
    let blocking = &server.blocking;
    s.field(
        "blocked_clients",
        blocking.blocked_clients.load(Ordering::Relaxed),
    );
    s.field("tracking_clients", server.tracking.client_count());
    s.field("pubsub_clients", server.pubsub.subscribed_clients());
    s.field(
        "watching_clients",
        server.watch.watching_clients.load(Ordering::Relaxed),
    );
    s.field(
        "clients_in_timeout_table",
        blocking.clients_with_timeout.load(Ordering::Relaxed),
    );
    s.field(
        "total_watched_keys",
        server.watch.watched_keys.load(Ordering::Relaxed),
    );
    s.field(
        "total_blocking_keys",
        blocking.blocking_keys.load(Ordering::Relaxed),
    );
    s.zeros("total_blocking_keys_on_nokey");
    let (reason, actions, remaining_ms) = server.pause.info();
    s.field("paused_reason", reason);
    s.field("paused_actions", actions);
    s.field("paused_timeout_milliseconds", remaining_ms);
}

/// jemalloc's view of the heap, refreshed.
pub(super) struct AllocatorStats {
    pub allocated: u64,
    pub active: u64,
    pub resident: u64,
}

fn allocator_stats() -> AllocatorStats {
    use tikv_jemalloc_ctl::{epoch, stats};
    // Statistics are cached by jemalloc until the epoch advances.
    let _ = epoch::advance();
    AllocatorStats {
        allocated: stats::allocated::read().unwrap_or(0) as u64,
        active: stats::active::read().unwrap_or(0) as u64,
        resident: stats::resident::read().unwrap_or(0) as u64,
    }
}

/// The value in kB of a `Name:   N kB` line of a /proc file, in bytes.
fn proc_kb_field(path: &str, name: &str) -> u64 {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Redis's `bytesToHuman`: B below 1K, then two decimals with K, M, G, T, P.
pub fn bytes_to_human(n: u64) -> String {
    const UNITS: [(u64, char); 5] = [
        (1 << 10, 'K'),
        (1 << 20, 'M'),
        (1 << 30, 'G'),
        (1 << 40, 'T'),
        (1 << 50, 'P'),
    ];
    if n < 1024 {
        return format!("{n}B");
    }
    for (i, (unit, suffix)) in UNITS.iter().enumerate() {
        if UNITS.get(i + 1).is_none_or(|(next, _)| n < *next) {
            return format!("{:.2}{suffix}", n as f64 / *unit as f64);
        }
    }
    format!("{n}B")
}

/// `a / b` with two decimals, 0 when `b` is 0.
fn ratio(a: u64, b: u64) -> String {
    if b == 0 {
        "0.00".to_string()
    } else {
        format!("{:.2}", a as f64 / b as f64)
    }
}

/// The memory figures INFO memory and MEMORY STATS/DOCTOR share. Reading them raises the
/// recorded peak to the current allocation.
pub(super) struct MemoryBase {
    pub alloc: AllocatorStats,
    pub peak: u64,
    /// What was allocated at startup, capped by what is allocated now.
    pub startup: u64,
    /// The clients' buffers.
    pub clients: u64,
    /// VmRSS.
    pub rss: u64,
}

pub(super) fn memory_base(server: &Server) -> MemoryBase {
    let alloc = allocator_stats();
    let used = alloc.allocated;
    let state = &server.info_state;
    let peak = state
        .peak_memory_bytes
        .fetch_max(used, Ordering::Relaxed)
        .max(used);
    MemoryBase {
        peak,
        startup: state.startup_memory_bytes.min(used),
        clients: server
            .clients
            .all()
            .iter()
            .map(|c| client_memory_bytes(c))
            .sum(),
        rss: proc_kb_field("/proc/self/status", "VmRSS"),
        alloc,
    }
}

fn memory_section(server: &Server, s: &mut Section) {
    let MemoryBase {
        alloc,
        peak,
        startup,
        clients: clients_memory,
        rss,
    } = memory_base(server);
    let used = alloc.allocated;
    let overhead = (startup + clients_memory).min(used);
    let dataset = used - overhead;
    let net_usage = (used - startup).max(1);
    let maxmemory = config_i64(server, "maxmemory", 0).max(0) as u64;
    let total_system = proc_kb_field("/proc/meminfo", "MemTotal");
    s.header("Memory");
    s.field("used_memory", used);
    s.field("used_memory_human", bytes_to_human(used));
    s.field("used_memory_rss", rss);
    s.field("used_memory_rss_human", bytes_to_human(rss));
    s.field("used_memory_peak", peak);
    s.field("used_memory_peak_human", bytes_to_human(peak));
    s.field(
        "used_memory_peak_perc",
        format!("{:.2}%", used as f64 * 100.0 / peak.max(1) as f64),
    );
    s.field("used_memory_overhead", overhead);
    s.field("used_memory_startup", startup);
    s.field("used_memory_dataset", dataset);
    s.field(
        "used_memory_dataset_perc",
        format!("{:.2}%", dataset as f64 * 100.0 / net_usage as f64),
    );
    s.field("allocator_allocated", alloc.allocated);
    s.field("allocator_active", alloc.active);
    s.field("allocator_resident", alloc.resident);
    s.field("allocator_muzzy", 0);
    s.field("total_system_memory", total_system);
    s.field("total_system_memory_human", bytes_to_human(total_system));
    // No scripting engine yet: the Lua and function figures are those of an idle server.
    s.zeros("used_memory_lua used_memory_vm_eval");
    s.field("used_memory_lua_human", "0B");
    s.zeros(
        "used_memory_scripts_eval number_of_cached_scripts number_of_functions \
         number_of_libraries used_memory_vm_functions used_memory_vm_total",
    );
    s.field("used_memory_vm_total_human", "0B");
    s.field("used_memory_functions", 0);
    s.field("used_memory_scripts", 0);
    s.field("used_memory_scripts_human", "0B");
    s.field("maxmemory", maxmemory);
    s.field("maxmemory_human", bytes_to_human(maxmemory));
    s.field("maxmemory_policy", config_text(server, "maxmemory-policy"));
    s.field("allocator_frag_ratio", ratio(alloc.active, alloc.allocated));
    s.field(
        "allocator_frag_bytes",
        alloc.active as i64 - alloc.allocated as i64,
    );
    s.field("allocator_rss_ratio", ratio(alloc.resident, alloc.active));
    s.field(
        "allocator_rss_bytes",
        alloc.resident as i64 - alloc.active as i64,
    );
    s.field("rss_overhead_ratio", ratio(rss, alloc.resident));
    s.field("rss_overhead_bytes", rss as i64 - alloc.resident as i64);
    s.field("mem_fragmentation_ratio", ratio(rss, used));
    s.field("mem_fragmentation_bytes", rss as i64 - used as i64);
    s.zeros(
        "mem_not_counted_for_evict mem_replication_backlog mem_total_replication_buffers \
         mem_clients_slaves",
    );
    s.field("mem_clients_normal", clients_memory);
    s.field("mem_cluster_links", 0);
    s.field("mem_aof_buffer", 0);
    s.field("mem_allocator", MEM_ALLOCATOR);
    s.zeros(
        "mem_overhead_db_hashtable_rehashing active_defrag_running lazyfree_pending_objects \
         lazyfreed_objects",
    );
}

fn persistence_section(server: &Server, s: &mut Section) {
    s.header("Persistence");
    s.zeros("loading async_loading current_cow_peak current_cow_size current_cow_size_age");
    s.field("current_fork_perc", "0.00");
    s.field("current_save_keys_processed", 0);
    s.field("current_save_keys_total", 0);
    s.field(
        "rdb_changes_since_last_save",
        server.stats.dirty.load(Ordering::Relaxed),
    );
    s.field("rdb_bgsave_in_progress", 0);
    s.field(
        "rdb_last_save_time",
        server.last_save_unix_secs.load(Ordering::Relaxed),
    );
    s.field("rdb_last_bgsave_status", "ok");
    s.field("rdb_last_bgsave_time_sec", -1);
    s.field("rdb_current_bgsave_time_sec", -1);
    s.zeros("rdb_saves rdb_last_cow_size rdb_last_load_keys_expired");
    s.field("rdb_last_load_keys_loaded", 0);
    s.field("aof_enabled", 0);
    s.field("aof_rewrite_in_progress", 0);
    s.field("aof_rewrite_scheduled", 0);
    s.field("aof_last_rewrite_time_sec", -1);
    s.field("aof_current_rewrite_time_sec", -1);
    s.field("aof_last_bgrewrite_status", "ok");
    s.field("aof_rewrites", 0);
    s.field("aof_rewrites_consecutive_failures", 0);
    s.field("aof_last_write_status", "ok");
    s.field("aof_last_cow_size", 0);
    s.field("module_fork_in_progress", 0);
    s.field("module_fork_last_cow_size", 0);
}

/// One reading of the counters the instantaneous rates derive from.
#[derive(Clone, Copy)]
struct RateSample {
    at: Instant,
    commands: u64,
    net_in_bytes: u64,
    net_out_bytes: u64,
}

/// INFO's own state: memory baselines and the samples behind the instantaneous rates.
pub struct InfoState {
    pub peak_memory_bytes: AtomicU64,
    /// Allocated bytes when the server was built, before any client or key.
    pub startup_memory_bytes: u64,
    samples: Mutex<VecDeque<RateSample>>,
}

impl Default for InfoState {
    fn default() -> Self {
        let allocated = allocator_stats().allocated;
        InfoState {
            peak_memory_bytes: AtomicU64::new(allocated),
            startup_memory_bytes: allocated,
            samples: Mutex::new(VecDeque::with_capacity(INSTANT_SAMPLES)),
        }
    }
}

impl InfoState {
    /// Records a sample (at most one per 100 ms, the last 16 kept) and returns the rates over
    /// the samples kept: (ops/sec, input kB/s, output kB/s).
    fn rates(&self, now: RateSample) -> (u64, f64, f64) {
        let mut samples = self.samples.lock();
        let due = samples.back().is_none_or(|last| {
            now.at.duration_since(last.at).as_millis() >= INSTANT_SAMPLE_MIN_INTERVAL_MS
        });
        if due {
            if samples.len() == INSTANT_SAMPLES {
                samples.pop_front();
            }
            samples.push_back(now);
        }
        let Some(first) = samples.front().copied() else {
            return (0, 0.0, 0.0);
        };
        let secs = now.at.duration_since(first.at).as_secs_f64();
        if secs <= 0.0 {
            return (0, 0.0, 0.0);
        }
        let per_sec = |a: u64, b: u64| a.saturating_sub(b) as f64 / secs;
        (
            per_sec(now.commands, first.commands) as u64,
            per_sec(now.net_in_bytes, first.net_in_bytes) / 1024.0,
            per_sec(now.net_out_bytes, first.net_out_bytes) / 1024.0,
        )
    }

    /// Raises the recorded peak to what is allocated now. The cron calls it every tick, so a
    /// peak shows in INFO and MEMORY DOCTOR even when nobody asked while memory was high
    /// (Valkey samples after every command as well; a jemalloc read per command costs too much).
    pub fn sample_peak(&self) {
        self.peak_memory_bytes
            .fetch_max(allocator_stats().allocated, Ordering::Relaxed);
    }

    fn reset(&self) {
        self.samples.lock().clear();
        self.peak_memory_bytes
            .store(allocator_stats().allocated, Ordering::Relaxed);
    }
}

fn stats_section(server: &Server, s: &mut Section) {
    let st = &server.stats;
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let (ops, in_kbps, out_kbps) = server.info_state.rates(RateSample {
        at: Instant::now(),
        commands: st.total_commands_processed.get(),
        net_in_bytes: st.total_net_input_bytes.get(),
        net_out_bytes: st.total_net_output_bytes.get(),
    });
    s.header("Stats");
    s.field(
        "total_connections_received",
        get(&st.total_connections_received),
    );
    s.field(
        "total_commands_processed",
        st.total_commands_processed.get(),
    );
    s.field("instantaneous_ops_per_sec", ops);
    s.field("total_net_input_bytes", st.total_net_input_bytes.get());
    s.field("total_net_output_bytes", st.total_net_output_bytes.get());
    s.field("total_net_repl_input_bytes", 0);
    s.field("total_net_repl_output_bytes", 0);
    s.field("instantaneous_input_kbps", format!("{in_kbps:.2}"));
    s.field("instantaneous_output_kbps", format!("{out_kbps:.2}"));
    s.field("instantaneous_input_repl_kbps", "0.00");
    s.field("instantaneous_output_repl_kbps", "0.00");
    s.field("rejected_connections", get(&st.rejected_connections));
    s.field("sync_full", 0);
    s.field("sync_partial_ok", 0);
    s.field("sync_partial_err", 0);
    s.field("expired_keys", get(&st.expired_keys));
    s.field(
        "expired_stale_perc",
        format!("{:.2}", get(&st.expired_stale_perc_x100) as f64 / 100.0),
    );
    s.field(
        "expired_time_cap_reached_count",
        get(&st.expired_time_cap_reached_count),
    );
    s.zeros("expire_cycle_cpu_milliseconds");
    s.field("evicted_keys", get(&st.evicted_keys));
    s.zeros(
        "evicted_clients evicted_scripts total_eviction_exceeded_time \
         current_eviction_exceeded_time",
    );
    s.field("keyspace_hits", st.keyspace_hits.get());
    s.field("keyspace_misses", st.keyspace_misses.get());
    s.field("pubsub_channels", server.pubsub.channel_count());
    s.field("pubsub_patterns", server.pubsub.pattern_count());
    s.field("pubsubshard_channels", server.pubsub.shard_channel_count());
    s.zeros(
        "latest_fork_usec total_forks \
         migrate_cached_sockets slave_expires_tracked_keys active_defrag_hits \
         active_defrag_misses active_defrag_key_hits active_defrag_key_misses \
         total_active_defrag_time current_active_defrag_time",
    );
    s.field("tracking_total_keys", server.tracking.key_count());
    s.field("tracking_total_items", server.tracking.item_count());
    s.field("tracking_total_prefixes", server.tracking.prefix_count());
    s.field(
        "unexpected_error_replies",
        get(&st.unexpected_error_replies),
    );
    s.field("total_error_replies", get(&st.total_error_replies));
    s.field("dump_payload_sanitizations", 0);
    s.zeros(
        "total_reads_processed total_writes_processed io_threaded_reads_processed \
         io_threaded_writes_processed io_threaded_freed_objects io_threaded_accept_processed \
         io_threaded_poll_processed io_threaded_total_prefetch_batches \
         io_threaded_total_prefetch_entries",
    );
    s.field(
        "client_query_buffer_limit_disconnections",
        get(&st.client_query_buffer_limit_disconnections),
    );
    s.field(
        "client_output_buffer_limit_disconnections",
        get(&st.client_output_buffer_limit_disconnections),
    );
    s.zeros(
        "reply_buffer_shrinks reply_buffer_expands eventloop_cycles eventloop_duration_sum \
         eventloop_duration_cmd_sum instantaneous_eventloop_cycles_per_sec \
         instantaneous_eventloop_duration_usec acl_access_denied_auth acl_access_denied_cmd \
         acl_access_denied_key acl_access_denied_channel",
    );
}

fn replication_section(server: &Server, s: &mut Section) {
    s.header("Replication");
    s.field("role", "master");
    s.field("connected_slaves", 0);
    s.field("replicas_waiting_psync", 0);
    s.field("master_failover_state", "no-failover");
    s.field("master_replid", server.replid.lock().as_str());
    s.field("master_replid2", "0000000000000000000000000000000000000000");
    s.field("master_repl_offset", 0);
    s.field("second_repl_offset", -1);
    s.field("repl_backlog_active", 0);
    s.field(
        "repl_backlog_size",
        config_i64(server, "repl-backlog-size", 10 << 20),
    );
    s.field("repl_backlog_first_byte_offset", 0);
    s.field("repl_backlog_histlen", 0);
}

/// (system, user) CPU time of `who` (a `RUSAGE_*` constant) as `seconds.micros` strings.
fn cpu_times(who: libc::c_int) -> (String, String) {
    // SAFETY: getrusage only writes the struct we pass, which is plain old data and valid
    // zeroed; no pointer escapes the call.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(who, &mut usage) != 0 {
            return ("0.000000".into(), "0.000000".into());
        }
        usage
    };
    let fmt = |t: libc::timeval| format!("{}.{:06}", t.tv_sec, t.tv_usec);
    (fmt(usage.ru_stime), fmt(usage.ru_utime))
}

fn cpu_section(s: &mut Section) {
    let (sys, user) = cpu_times(libc::RUSAGE_SELF);
    let (sys_children, user_children) = cpu_times(libc::RUSAGE_CHILDREN);
    // ferrokey has no single main thread; the thread serving this INFO stands in for it.
    let (sys_thread, user_thread) = cpu_times(libc::RUSAGE_THREAD);
    s.header("CPU");
    s.field("used_cpu_sys", sys);
    s.field("used_cpu_user", user);
    s.field("used_cpu_sys_children", sys_children);
    s.field("used_cpu_user_children", user_children);
    s.field("used_cpu_sys_main_thread", sys_thread);
    s.field("used_cpu_user_main_thread", user_thread);
}

fn commandstats_section(server: &Server, s: &mut Section) {
    s.header("Commandstats");
    for entry in server.commands.entries() {
        let st = &entry.stats;
        let calls = st.calls.get();
        let usec = st.usec.get();
        let rejected = st.rejected_calls.load(Ordering::Relaxed);
        let failed = st.failed_calls.load(Ordering::Relaxed);
        if calls == 0 && rejected == 0 && failed == 0 {
            continue;
        }
        let per_call = if calls == 0 {
            0.0
        } else {
            usec as f64 / calls as f64
        };
        s.field(
            &format!("cmdstat_{}", entry.spec.full_name),
            format!(
                "calls={calls},usec={usec},usec_per_call={per_call:.2},rejected_calls={rejected},failed_calls={failed}"
            ),
        );
    }
}

fn errorstats_section(server: &Server, s: &mut Section) {
    s.header("Errorstats");
    for (prefix, count) in server.stats.errorstats.lock().iter() {
        s.field(&format!("errorstat_{prefix}"), format!("count={count}"));
    }
}

/// The percentiles `latency-tracking-info-percentiles` asks for (default 50 99 99.9).
fn info_percentiles(server: &Server) -> Vec<f64> {
    match server
        .config
        .read()
        .get_raw("latency-tracking-info-percentiles")
    {
        Some(text) => text
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect(),
        None => vec![50.0, 99.0, 99.9],
    }
}

/// A percentile label as Valkey prints it: `%f`, trailing zeros and dot trimmed.
fn percentile_label(p: f64) -> String {
    let text = format!("{p:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn latencystats_section(server: &Server, s: &mut Section) {
    let percentiles = info_percentiles(server);
    s.header("Latencystats");
    for entry in server.commands.entries() {
        let histogram = &entry.stats.latency;
        if histogram.total_count() == 0 {
            continue;
        }
        let values: Vec<String> = percentiles
            .iter()
            .map(|&p| {
                let ns = histogram.value_at_percentile(p);
                format!("p{}={:.3}", percentile_label(p), ns as f64 / 1000.0)
            })
            .collect();
        s.field(
            &format!("latency_percentiles_usec_{}", entry.spec.full_name),
            values.join(","),
        );
    }
}

fn keyspace_section(server: &Server, s: &mut Section) {
    s.header("Keyspace");
    for db in 0..server.keyspace.db_count() {
        let (keys, expires) = server.keyspace.db_stats(db);
        if keys > 0 {
            s.field(
                &format!("db{db}"),
                format!("keys={keys},expires={expires},avg_ttl=0"),
            );
        }
    }
}

/// CONFIG RESETSTAT: zeroes the server counters, the per-command statistics and latency
/// histograms, the error table, the peak memory and the instantaneous-rate samples.
pub fn reset_stats(server: &Server) {
    server.stats.reset();
    for entry in server.commands.entries() {
        entry.stats.reset();
    }
    server.info_state.reset();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_like_redis() {
        assert_eq!(bytes_to_human(0), "0B");
        assert_eq!(bytes_to_human(1023), "1023B");
        assert_eq!(bytes_to_human(1024), "1.00K");
        assert_eq!(bytes_to_human(1351920), "1.29M");
        assert_eq!(bytes_to_human(25325268992), "23.59G");
        assert_eq!(bytes_to_human(6189056), "5.90M");
    }

    #[test]
    fn section_selection() {
        let sel = |args: &[&[u8]]| {
            let wanted = selected_sections(args);
            SECTIONS
                .iter()
                .zip(wanted)
                .filter(|(_, w)| *w)
                .map(|((n, _), _)| *n)
                .collect::<Vec<_>>()
        };
        assert_eq!(sel(&[]).len(), 11);
        assert!(!sel(&[]).contains(&"commandstats"));
        assert_eq!(sel(&[b"all"]).len(), 13);
        assert_eq!(sel(&[b"everything"]).len(), 13);
        assert_eq!(sel(&[b"default"]), sel(&[]));
        assert_eq!(sel(&[b"CPU", b"modules"]), vec!["cpu", "modules"]);
        assert_eq!(sel(&[b"modules", b"cpu"]), vec!["cpu", "modules"]);
        assert!(sel(&[b"foo"]).is_empty());
    }

    #[test]
    fn percentile_labels() {
        assert_eq!(percentile_label(50.0), "50");
        assert_eq!(percentile_label(99.9), "99.9");
        assert_eq!(percentile_label(99.99), "99.99");
    }
}
