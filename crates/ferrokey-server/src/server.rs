//! The server's shared state: keyspace, configuration, clients, statistics and the command
//! registry. One `Server` lives for the process, behind an `Arc` that every connection holds.
//!
//! Values read on every command (timeouts, limits) are mirrored from the configuration into
//! atomics in `Settings`, so the hot path never takes the configuration lock; `apply_config`
//! refreshes them after CONFIG SET.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::RwLock;

use crate::client::ClientRegistry;
use crate::clock::MonotonicNs;
use crate::commands::registry::CommandRegistry;
use crate::keyspace::Keyspace;
use crate::write_stream::WriteStream;

/// The Redis version ferrokey reports, because clients gate features on it.
pub const REDIS_VERSION: &str = "7.2.4";
/// The Valkey version whose behaviour ferrokey follows.
pub const VALKEY_VERSION: &str = "8.1.8";
pub const FERROKEY_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Hot configuration values, kept as atomics.
#[derive(Default)]
pub struct Settings {
    pub hz: AtomicU32,
    pub idle_timeout_secs: AtomicU64,
    pub maxclients: AtomicUsize,
    pub proto_max_bulk_len_bytes: AtomicU64,
    pub client_query_buffer_limit_bytes: AtomicU64,
    pub active_expire_enabled: AtomicBool,
    pub active_expire_effort: AtomicU32,
    pub debug_command_allowed: AtomicBool,
    pub debug_command_local_only: AtomicBool,
    /// list-max-listpack-size: negative = node size class, positive = entries per node.
    pub list_max_listpack_size: AtomicI64,
    /// list-compress-depth: list nodes kept uncompressed at each end (0: no compression).
    pub list_compress_depth: AtomicI64,
    /// Set and sorted-set encoding thresholds (set-max-*, zset-max-*).
    pub set_max_intset_entries: AtomicU64,
    pub set_max_listpack_entries: AtomicU64,
    pub set_max_listpack_value: AtomicU64,
    pub zset_max_listpack_entries: AtomicU64,
    pub zset_max_listpack_value: AtomicU64,
    /// Hash encoding thresholds (hash-max-listpack-*).
    pub hash_max_listpack_entries: AtomicU64,
    pub hash_max_listpack_value: AtomicU64,
}

/// Stripes of a `StripedCounter`: one per worker thread on machines up to this many cores.
const COUNTER_STRIPES: usize = 4;

/// A counter bumped on every command by every worker. Each thread adds to its own cache line,
/// so workers do not bounce one line between cores on the hot path; readers (INFO) sum the
/// stripes.
#[derive(Default)]
pub struct StripedCounter {
    stripes: [CachePadded; COUNTER_STRIPES],
}

#[derive(Default)]
#[repr(align(64))]
struct CachePadded(AtomicU64);

thread_local! {
    static STRIPE: usize = {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        NEXT.fetch_add(1, Ordering::Relaxed) % COUNTER_STRIPES
    };
}

impl StripedCounter {
    pub fn add(&self, n: u64) {
        let stripe = STRIPE.with(|s| *s);
        if let Some(slot) = self.stripes.get(stripe) {
            slot.0.fetch_add(n, Ordering::Relaxed);
        }
    }

    pub fn get(&self) -> u64 {
        self.stripes
            .iter()
            .map(|s| s.0.load(Ordering::Relaxed))
            .sum()
    }

    pub fn reset(&self) {
        for s in &self.stripes {
            s.0.store(0, Ordering::Relaxed);
        }
    }
}

impl Settings {
    /// A size threshold as `usize` (encoding limits are compared with lengths).
    pub fn limit(threshold: &AtomicU64) -> usize {
        usize::try_from(threshold.load(Ordering::Relaxed)).unwrap_or(usize::MAX)
    }
}

/// Server-wide counters for INFO stats.
#[derive(Default)]
pub struct Stats {
    pub total_connections_received: AtomicU64,
    pub total_commands_processed: StripedCounter,
    pub rejected_connections: AtomicU64,
    pub expired_keys: AtomicU64,
    pub evicted_keys: AtomicU64,
    pub expired_stale_perc_x100: AtomicU64,
    pub expired_time_cap_reached_count: AtomicU64,
    pub keyspace_hits: StripedCounter,
    pub keyspace_misses: StripedCounter,
    pub total_net_input_bytes: StripedCounter,
    pub total_net_output_bytes: StripedCounter,
    pub total_error_replies: AtomicU64,
    pub unexpected_error_replies: AtomicU64,
    pub dirty: AtomicU64,
    pub client_query_buffer_limit_disconnections: AtomicU64,
    pub client_output_buffer_limit_disconnections: AtomicU64,
    pub errorstats: parking_lot::Mutex<std::collections::BTreeMap<String, u64>>,
}

impl Stats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts an error reply under its prefix (the first word), as INFO errorstats does.
    pub fn count_error(&self, line: &[u8]) {
        Self::add(&self.total_error_replies, 1);
        let prefix_end = line
            .iter()
            .position(|&b| b == b' ' || b == b'\r')
            .unwrap_or(line.len());
        let prefix = String::from_utf8_lossy(&line[..prefix_end.min(line.len())]).into_owned();
        let mut map = self.errorstats.lock();
        // Bound the table as Redis does (128 distinct prefixes) so clients cannot grow it.
        if map.len() >= 128 && !map.contains_key(&prefix) {
            return;
        }
        *map.entry(prefix).or_insert(0) += 1;
    }

    pub fn reset(&self) {
        for c in [
            &self.total_connections_received,
            &self.rejected_connections,
            &self.expired_keys,
            &self.expired_time_cap_reached_count,
            &self.total_error_replies,
            &self.unexpected_error_replies,
            &self.client_query_buffer_limit_disconnections,
            &self.client_output_buffer_limit_disconnections,
        ] {
            c.store(0, Ordering::Relaxed);
        }
        for c in [
            &self.total_commands_processed,
            &self.keyspace_hits,
            &self.keyspace_misses,
            &self.total_net_input_bytes,
            &self.total_net_output_bytes,
        ] {
            c.reset();
        }
        self.errorstats.lock().clear();
    }
}

pub struct Server {
    pub keyspace: Keyspace,
    pub config: RwLock<ferrokey_config::Config>,
    pub settings: Settings,
    pub stats: Stats,
    pub clients: ClientRegistry,
    pub commands: CommandRegistry,
    pub write_stream: WriteStream,
    pub blocking: crate::blocking::BlockingStats,
    pub watch: crate::watch::WatchStats,
    pub pause: crate::pause::Pause,
    pub pubsub: crate::pubsub::PubSub,
    /// The enabled keyspace-notification classes.
    pub notify: crate::notify::NotifyFlags,
    /// maxmemory, its policy, and the memory gauge eviction reads.
    pub eviction: crate::evict::Eviction,
    pub tracking: crate::tracking::Tracking,
    pub started_at: MonotonicNs,
    /// Unix time in ms at `started_at`, as seen through the monotonic clock; the cron keeps it
    /// in step with the wall clock. Lets commands derive their time from the one clock reading
    /// they take anyway, instead of a second clock call.
    unix_ms_at_start: AtomicI64,
    pub run_id: String,
    /// Seconds-resolution LRU clock (24 bits, as Redis), advanced by the cron.
    pub lru_clock: AtomicU32,
    pub last_save_unix_secs: AtomicI64,
    /// Set by DEBUG PAUSE-CRON to stop the periodic tasks.
    pub cron_paused: AtomicBool,
    pub tcp_port: AtomicU32,
    pub executable: String,
    pub config_file: Option<String>,
    /// The TCP listeners of every worker (replaced by CONFIG SET port/bind).
    pub listeners: std::sync::Arc<crate::listener::Listeners>,
    /// The replication id INFO reports; DEBUG CHANGE-REPL-ID renews it.
    pub replid: parking_lot::Mutex<String>,
    /// Settings only DEBUG changes.
    pub debug: crate::commands::debug::DebugSettings,
    /// INFO's memory baselines and instantaneous-rate samples.
    pub info_state: crate::commands::info::InfoState,
}

/// The 24-bit LRU clock Redis keeps, in seconds.
pub const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;

pub fn unix_time_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub fn lru_clock_now() -> u32 {
    ((unix_time_ms() / 1000) as u32) & LRU_CLOCK_MAX
}

impl Server {
    pub fn new(config: ferrokey_config::Config, executable: String) -> Self {
        let databases = config.databases().max(1);
        let shard_count = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let config_file = config.config_file().map(|p| p.display().to_string());
        let server = Server {
            keyspace: Keyspace::new(databases, shard_count),
            config: RwLock::new(config),
            settings: Settings::default(),
            stats: Stats::default(),
            clients: ClientRegistry::default(),
            commands: CommandRegistry::new(),
            write_stream: WriteStream::default(),
            blocking: Default::default(),
            watch: Default::default(),
            pause: Default::default(),
            pubsub: Default::default(),
            notify: Default::default(),
            eviction: Default::default(),
            tracking: Default::default(),
            started_at: MonotonicNs::now(),
            unix_ms_at_start: AtomicI64::new(unix_time_ms()),
            run_id: random_hex_id(),
            lru_clock: AtomicU32::new(lru_clock_now()),
            last_save_unix_secs: AtomicI64::new(unix_time_ms() / 1000),
            cron_paused: AtomicBool::new(false),
            tcp_port: AtomicU32::new(0),
            executable,
            config_file,
            listeners: Default::default(),
            replid: parking_lot::Mutex::new(random_hex_id()),
            debug: Default::default(),
            info_state: Default::default(),
        };
        server
            .settings
            .active_expire_enabled
            .store(true, Ordering::Relaxed);
        server.apply_config();
        server
    }

    /// Refreshes the hot settings from the configuration.
    pub fn apply_config(&self) {
        let config = self.config.read();
        let get = |name: &str, default: i64| config.get_i64(name).unwrap_or(default);
        let s = &self.settings;
        self.notify.set(config.notify_keyspace_events());
        let policy = config.get_raw("maxmemory-policy").unwrap_or_default();
        self.eviction.configure(
            get("maxmemory", 0).max(0) as u64,
            crate::evict::Policy::from_name(&policy),
            get("maxmemory-samples", 5).max(1) as u64,
            get("maxmemory-eviction-tenacity", 10).max(0) as u64,
        );
        crate::evict::configure_lfu(
            get("lfu-log-factor", 10).max(0) as u64,
            get("lfu-decay-time", 1).max(0) as u64,
        );
        s.hz.store(get("hz", 10).clamp(1, 500) as u32, Ordering::Relaxed);
        s.idle_timeout_secs
            .store(get("timeout", 0).max(0) as u64, Ordering::Relaxed);
        s.maxclients
            .store(get("maxclients", 10000).max(1) as usize, Ordering::Relaxed);
        s.proto_max_bulk_len_bytes.store(
            get("proto-max-bulk-len", 512 << 20).max(1) as u64,
            Ordering::Relaxed,
        );
        s.client_query_buffer_limit_bytes.store(
            get("client-query-buffer-limit", 1 << 30).max(1) as u64,
            Ordering::Relaxed,
        );
        s.active_expire_effort.store(
            get("active-expire-effort", 1).clamp(1, 10) as u32,
            Ordering::Relaxed,
        );
        s.list_max_listpack_size
            .store(get("list-max-listpack-size", -2), Ordering::Relaxed);
        s.list_compress_depth
            .store(get("list-compress-depth", 0), Ordering::Relaxed);
        for (counter, name, default) in [
            (&s.set_max_intset_entries, "set-max-intset-entries", 512),
            (&s.set_max_listpack_entries, "set-max-listpack-entries", 128),
            (&s.set_max_listpack_value, "set-max-listpack-value", 64),
            (
                &s.zset_max_listpack_entries,
                "zset-max-listpack-entries",
                128,
            ),
            (&s.zset_max_listpack_value, "zset-max-listpack-value", 64),
            (
                &s.hash_max_listpack_entries,
                "hash-max-listpack-entries",
                512,
            ),
            (&s.hash_max_listpack_value, "hash-max-listpack-value", 64),
        ] {
            counter.store(get(name, default).max(0) as u64, Ordering::Relaxed);
        }
        for class in [
            ferrokey_config::ClientClass::Normal,
            ferrokey_config::ClientClass::PubSub,
        ] {
            self.pubsub
                .set_output_limit(class, config.client_output_buffer_limit(class));
        }
        self.tracking.set_max_keys(config.tracking_table_max_keys());
        let debug = config.enable_debug_command();
        use ferrokey_config::ProtectedAction;
        s.debug_command_allowed
            .store(debug != ProtectedAction::No, Ordering::Relaxed);
        s.debug_command_local_only
            .store(debug == ProtectedAction::Local, Ordering::Relaxed);
    }

    /// Unix time in ms at `reading` (a moment since start-up).
    pub fn unix_ms_at(&self, reading: MonotonicNs) -> i64 {
        let since_start = reading.millis_since(self.started_at) as i64;
        self.unix_ms_at_start.load(Ordering::Relaxed) + since_start
    }

    /// Re-anchors `unix_ms_at` on the wall clock (called by the cron), so wall-clock changes
    /// reach command times within one cron period.
    pub fn sync_clock(&self) {
        let since_start = MonotonicNs::now().millis_since(self.started_at) as i64;
        self.unix_ms_at_start
            .store(unix_time_ms() - since_start, Ordering::Relaxed);
    }

    pub fn cron_paused(&self) -> bool {
        self.cron_paused.load(Ordering::Relaxed)
    }

    pub fn uptime_secs(&self) -> u64 {
        MonotonicNs::now().nanos_since(self.started_at) / 1_000_000_000
    }

    pub fn lru_clock(&self) -> u32 {
        self.lru_clock.load(Ordering::Relaxed)
    }
}

/// A 40-character hex identifier (run_id, replication ids).
pub fn random_hex_id() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..40)
        .map(|_| char::from(b"0123456789abcdef"[rng.gen_range(0..16)]))
        .collect()
}
