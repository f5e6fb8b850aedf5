//! Typed, allocation-free accessors for directives the server reads on hot
//! paths. Table positions are resolved at compile time (`index_of`), so an
//! accessor is an array read plus a match; numeric casts are lossless because
//! the table bounds keep every value inside the target type (unsigned fields
//! are stored as their `long long` bit pattern and cast back with `as`).

use crate::config::Config;
use crate::table::index_of;
use crate::value::{ClientBufferLimit, ClientClass, SaveParam, Value};

/// Values of `enable-debug-command`, `enable-module-command` and
/// `enable-protected-configs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtectedAction {
    No,
    Yes,
    /// Allowed for clients connected locally.
    Local,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Debug,
    Verbose,
    Notice,
    Warning,
    Nothing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxmemoryPolicy {
    VolatileLru,
    VolatileLfu,
    VolatileRandom,
    VolatileTtl,
    AllkeysLru,
    AllkeysLfu,
    AllkeysRandom,
    NoEviction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendFsync {
    Everysec,
    Always,
    No,
}

/// `maxmemory-clients`: bytes, or a percentage of `maxmemory`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxmemoryClients {
    Bytes(u64),
    PercentOfMaxmemory(u64),
}

/// Defines accessors for numeric directives: `name => "directive" as Type`.
macro_rules! numeric_accessors {
    ($($(#[$doc:meta])* $method:ident => $directive:literal as $ty:ty;)*) => {
        $(
            $(#[$doc])*
            pub fn $method(&self) -> $ty {
                const INDEX: usize = index_of($directive);
                self.num_at(INDEX) as $ty
            }
        )*
    };
}

/// Defines accessors for bool directives.
macro_rules! bool_accessors {
    ($($method:ident => $directive:literal;)*) => {
        $(
            #[doc = concat!("`", $directive, "`")]
            pub fn $method(&self) -> bool {
                const INDEX: usize = index_of($directive);
                matches!(self.value(INDEX), Some(Value::Bool(true)))
            }
        )*
    };
}

impl Config {
    fn num_at(&self, index: usize) -> i64 {
        match self.value(index) {
            Some(Value::Num(v)) => *v,
            _ => 0,
        }
    }

    fn enum_at(&self, index: usize) -> i32 {
        match self.value(index) {
            Some(Value::Enum(v)) => *v,
            _ => 0,
        }
    }

    fn str_at(&self, index: usize) -> Option<&[u8]> {
        match self.value(index) {
            Some(Value::Str(Some(text))) => Some(text.as_slice()),
            _ => None,
        }
    }

    fn protected_action_at(&self, index: usize) -> ProtectedAction {
        match self.enum_at(index) {
            1 => ProtectedAction::Yes,
            2 => ProtectedAction::Local,
            _ => ProtectedAction::No,
        }
    }

    numeric_accessors! {
        port => "port" as u16;
        tls_port => "tls-port" as u16;
        /// `unixsocketperm` as permission bits.
        unixsocketperm => "unixsocketperm" as u32;
        tcp_backlog => "tcp-backlog" as u32;
        databases => "databases" as usize;
        maxclients => "maxclients" as u64;
        /// Client idle timeout in seconds (0 = never).
        timeout_secs => "timeout" as u64;
        tcp_keepalive_secs => "tcp-keepalive" as u64;
        /// Already capped to 1..=500 like Valkey's applied hz.
        hz => "hz" as u32;
        proto_max_bulk_len => "proto-max-bulk-len" as u64;
        client_query_buffer_limit => "client-query-buffer-limit" as u64;
        maxmemory => "maxmemory" as u64;
        maxmemory_samples => "maxmemory-samples" as u32;
        maxmemory_eviction_tenacity => "maxmemory-eviction-tenacity" as u32;
        io_threads => "io-threads" as u32;
        active_expire_effort => "active-expire-effort" as u32;
        busy_reply_threshold_ms => "busy-reply-threshold" as i64;
        /// `slowlog-log-slower-than` in microseconds (-1 disables, 0 logs all).
        slowlog_log_slower_than_us => "commandlog-execution-slower-than" as i64;
        slowlog_max_len => "commandlog-slow-execution-max-len" as u64;
        latency_monitor_threshold_ms => "latency-monitor-threshold" as i64;
        acllog_max_len => "acllog-max-len" as u64;
        list_max_listpack_size => "list-max-listpack-size" as i64;
        list_compress_depth => "list-compress-depth" as u32;
        hash_max_listpack_entries => "hash-max-listpack-entries" as u64;
        hash_max_listpack_value => "hash-max-listpack-value" as u64;
        set_max_intset_entries => "set-max-intset-entries" as u64;
        set_max_listpack_entries => "set-max-listpack-entries" as u64;
        set_max_listpack_value => "set-max-listpack-value" as u64;
        zset_max_listpack_entries => "zset-max-listpack-entries" as u64;
        zset_max_listpack_value => "zset-max-listpack-value" as u64;
        stream_node_max_bytes => "stream-node-max-bytes" as u64;
        stream_node_max_entries => "stream-node-max-entries" as i64;
        hll_sparse_max_bytes => "hll-sparse-max-bytes" as u64;
        lfu_log_factor => "lfu-log-factor" as u32;
        lfu_decay_time_min => "lfu-decay-time" as u32;
        tracking_table_max_keys => "tracking-table-max-keys" as u64;
        repl_backlog_size => "repl-backlog-size" as u64;
        max_new_connections_per_cycle => "max-new-connections-per-cycle" as u32;
        shutdown_timeout_secs => "shutdown-timeout" as u32;
    }

    bool_accessors! {
        daemonize => "daemonize";
        protected_mode => "protected-mode";
        appendonly => "appendonly";
        activerehashing => "activerehashing";
        lazyfree_lazy_eviction => "lazyfree-lazy-eviction";
        lazyfree_lazy_expire => "lazyfree-lazy-expire";
        lazyfree_lazy_server_del => "lazyfree-lazy-server-del";
        lazyfree_lazy_user_del => "lazyfree-lazy-user-del";
        lazyfree_lazy_user_flush => "lazyfree-lazy-user-flush";
        latency_tracking => "latency-tracking";
        extended_redis_compatibility => "extended-redis-compatibility";
        cluster_enabled => "cluster-enabled";
        rdbcompression => "rdbcompression";
        rdbchecksum => "rdbchecksum";
        stop_writes_on_bgsave_error => "stop-writes-on-bgsave-error";
        replica_read_only => "replica-read-only";
        crash_log_enabled => "crash-log-enabled";
        hide_user_data_from_log => "hide-user-data-from-log";
    }

    /// `bind` addresses (empty: listen on no TCP address).
    pub fn bind(&self) -> Vec<String> {
        const INDEX: usize = index_of("bind");
        match self.value(INDEX) {
            Some(Value::Bind(list)) => list
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn unixsocket(&self) -> Option<String> {
        const INDEX: usize = index_of("unixsocket");
        self.str_at(INDEX)
            .map(|s| String::from_utf8_lossy(s).into_owned())
    }

    pub fn pidfile(&self) -> Option<String> {
        const INDEX: usize = index_of("pidfile");
        self.str_at(INDEX)
            .map(|s| String::from_utf8_lossy(s).into_owned())
    }

    /// `logfile` ("" = standard output).
    pub fn logfile(&self) -> String {
        const INDEX: usize = index_of("logfile");
        self.str_at(INDEX)
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .unwrap_or_default()
    }

    /// `requirepass` (binary-safe), `None` when unset.
    pub fn requirepass(&self) -> Option<&[u8]> {
        const INDEX: usize = index_of("requirepass");
        self.str_at(INDEX)
    }

    pub fn dbfilename(&self) -> &[u8] {
        const INDEX: usize = index_of("dbfilename");
        self.str_at(INDEX).unwrap_or_default()
    }

    /// The working directory (absolute).
    pub fn dir(&self) -> &[u8] {
        const INDEX: usize = index_of("dir");
        match self.value(INDEX) {
            Some(Value::Dir(path)) => path,
            _ => &[],
        }
    }

    pub fn enable_debug_command(&self) -> ProtectedAction {
        self.protected_action_at(index_of("enable-debug-command"))
    }

    pub fn enable_module_command(&self) -> ProtectedAction {
        self.protected_action_at(index_of("enable-module-command"))
    }

    pub fn enable_protected_configs(&self) -> ProtectedAction {
        self.protected_action_at(index_of("enable-protected-configs"))
    }

    pub fn loglevel(&self) -> LogLevel {
        match self.enum_at(index_of("loglevel")) {
            0 => LogLevel::Debug,
            1 => LogLevel::Verbose,
            3 => LogLevel::Warning,
            4 => LogLevel::Nothing,
            _ => LogLevel::Notice,
        }
    }

    pub fn maxmemory_policy(&self) -> MaxmemoryPolicy {
        match self.enum_at(index_of("maxmemory-policy")) {
            0 => MaxmemoryPolicy::VolatileLru,
            1 => MaxmemoryPolicy::VolatileLfu,
            2 => MaxmemoryPolicy::VolatileRandom,
            3 => MaxmemoryPolicy::VolatileTtl,
            4 => MaxmemoryPolicy::AllkeysLru,
            5 => MaxmemoryPolicy::AllkeysLfu,
            6 => MaxmemoryPolicy::AllkeysRandom,
            _ => MaxmemoryPolicy::NoEviction,
        }
    }

    pub fn appendfsync(&self) -> AppendFsync {
        match self.enum_at(index_of("appendfsync")) {
            1 => AppendFsync::Always,
            2 => AppendFsync::No,
            _ => AppendFsync::Everysec,
        }
    }

    pub fn maxmemory_clients(&self) -> MaxmemoryClients {
        let raw = self.num_at(index_of("maxmemory-clients"));
        if raw < 0 {
            MaxmemoryClients::PercentOfMaxmemory(raw.unsigned_abs())
        } else {
            MaxmemoryClients::Bytes(raw as u64)
        }
    }

    /// SHUTDOWN flag bits for SIGINT (1 save, 2 nosave, 4 now, 8 force).
    pub fn shutdown_on_sigint(&self) -> u32 {
        self.enum_at(index_of("shutdown-on-sigint")) as u32
    }

    /// SHUTDOWN flag bits for SIGTERM.
    pub fn shutdown_on_sigterm(&self) -> u32 {
        self.enum_at(index_of("shutdown-on-sigterm")) as u32
    }

    /// `save` rules (empty: RDB snapshots disabled).
    pub fn save_params(&self) -> &[SaveParam] {
        const INDEX: usize = index_of("save");
        match self.value(INDEX) {
            Some(Value::Save(rules)) => rules,
            _ => &[],
        }
    }

    pub fn client_output_buffer_limit(&self, class: ClientClass) -> ClientBufferLimit {
        const INDEX: usize = index_of("client-output-buffer-limit");
        match self.value(INDEX) {
            Some(Value::ClientBuffers(limits)) => limits[class as usize],
            _ => crate::special::DEFAULT_CLIENT_BUFFERS[class as usize],
        }
    }

    /// `notify-keyspace-events` as `notify::*` bits.
    pub fn notify_keyspace_events(&self) -> u32 {
        const INDEX: usize = index_of("notify-keyspace-events");
        match self.value(INDEX) {
            Some(Value::Notify(flags)) => *flags,
            _ => 0,
        }
    }

    /// `replicaof` host and port, if configured.
    pub fn replicaof(&self) -> Option<(String, u16)> {
        const INDEX: usize = index_of("replicaof");
        match self.value(INDEX) {
            Some(Value::ReplicaOf(Some((host, port)))) => Some((
                String::from_utf8_lossy(host).into_owned(),
                u16::try_from(*port).ok()?,
            )),
            _ => None,
        }
    }

    pub fn latency_tracking_info_percentiles(&self) -> &[f64] {
        const INDEX: usize = index_of("latency-tracking-info-percentiles");
        match self.value(INDEX) {
            Some(Value::Percentiles(list)) => list,
            _ => &[],
        }
    }

    pub fn oom_score_adj_values(&self) -> [i32; 3] {
        const INDEX: usize = index_of("oom-score-adj-values");
        match self.value(INDEX) {
            Some(Value::OomScores(scores)) => *scores,
            _ => [0, 200, 800],
        }
    }
}
