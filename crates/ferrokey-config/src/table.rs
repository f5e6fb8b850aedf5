//! THE directive table: every directive Valkey 8.1 accepts, defined once, in
//! Valkey's own table order (which is also the order CONFIG GET patterns and
//! CONFIG REWRITE use here). Names, aliases, flags, bounds and defaults were
//! checked against a real valkey-server 8.1.8 (`CONFIG GET *`, CONFIG SET
//! probes and start-up errors); `tests/valkey_defaults.txt` keeps the defaults
//! honest.
//!
//! Bounds are stored as Valkey's `long long` view of the C field: an unsigned
//! field whose maximum is `ULONG_MAX`/`ULLONG_MAX` therefore has `max == -1`
//! and is compared as unsigned.

use crate::spec::flag::{
    DEBUG, DENY_LOADING, HIDDEN, IMMUTABLE, MULTI_ARG, PROTECTED, SENSITIVE, VOLATILE,
};
use crate::spec::StrCheck::{self, BaseName, NotEmpty};
use crate::spec::{
    bool_cfg, enum_cfg, int_cfg, mem_cfg, sds_cfg, special_cfg, str_cfg, uint_cfg, DirectiveSpec,
    EnumCheck, Kind, NumStyle, Special,
};

const MOD: u16 = 0;
const INT_MAX: i64 = i32::MAX as i64;
const INT_MIN: i64 = i32::MIN as i64;
const UINT_MAX: i64 = u32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;
/// `ULONG_MAX`/`ULLONG_MAX` seen through a `long long`.
const UNSIGNED_MAX: i64 = -1;
const NULL: Option<&str> = None;
const EMPTY_IS_NULL: bool = true;
const ALLOW_EMPTY: bool = false;
const MB: i64 = 1024 * 1024;

const YES_NO_LOCAL: &[(&str, i32)] = &[("no", 0), ("yes", 1), ("local", 2)];
/// Bit values of Valkey's SHUTDOWN_* flags, in Valkey's order.
pub(crate) const SHUTDOWN_SIGNAL: &[(&str, i32)] = &[
    ("default", 0),
    ("save", 1),
    ("nosave", 2),
    ("now", 4),
    ("force", 8),
];

const SYSLOG_FACILITIES: &[(&str, i32)] = &[
    ("user", 8),
    ("local0", 128),
    ("local1", 136),
    ("local2", 144),
    ("local3", 152),
    ("local4", 160),
    ("local5", 168),
    ("local6", 176),
    ("local7", 184),
];
const REPL_DISKLESS_LOAD: &[(&str, i32)] = &[
    ("disabled", 0),
    ("on-empty-db", 1),
    ("swapdb", 2),
    ("flush-before-load", 3),
];
const LOG_LEVELS: &[(&str, i32)] = &[
    ("debug", 0),
    ("verbose", 1),
    ("notice", 2),
    ("warning", 3),
    ("nothing", 4),
];
const MAXMEMORY_POLICIES: &[(&str, i32)] = &[
    ("volatile-lru", 0),
    ("volatile-lfu", 1),
    ("volatile-random", 2),
    ("volatile-ttl", 3),
    ("allkeys-lru", 4),
    ("allkeys-lfu", 5),
    ("allkeys-random", 6),
    ("noeviction", 7),
];
const OOM_SCORE_ADJ: &[(&str, i32)] = &[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)];
const ENDPOINT_TYPES: &[(&str, i32)] = &[("ip", 0), ("hostname", 1), ("unknown-endpoint", 2)];
const PROPAGATION_ERROR_BEHAVIORS: &[(&str, i32)] =
    &[("ignore", 0), ("panic", 1), ("panic-on-replicas", 2)];
const OCTAL_PERMISSIONS: Kind = Kind::Num {
    min: 0,
    max: 0o777,
    default: 0,
    unsigned: true,
    style: NumStyle::Octal,
};
const MEMORY_OR_PERCENT: Kind = Kind::Num {
    min: -100,
    max: LONG_MAX,
    default: 0,
    unsigned: false,
    style: NumStyle::MemoryOrPercent,
};

const RDB_NAME: StrCheck = BaseName {
    name: "dbfilename",
    noun: "filename",
};
const AOF_NAME: StrCheck = BaseName {
    name: "appendfilename",
    noun: "filename",
};
const AOF_DIR_NAME: StrCheck = BaseName {
    name: "appenddirname",
    noun: "dirname",
};
const PROC_TITLE: &str = "{title} {listen-addr} {server-mode}";

const fn alias(name: &'static str) -> Option<&'static str> {
    Some(name)
}

const fn sds_default(text: &'static str) -> Option<&'static str> {
    Some(text)
}

#[rustfmt::skip]
pub(crate) const TABLE: &[DirectiveSpec] = &[
    // Bool directives.
    bool_cfg("rdbchecksum", None, IMMUTABLE, true),
    bool_cfg("daemonize", None, IMMUTABLE, false),
    bool_cfg("always-show-logo", None, IMMUTABLE, false),
    bool_cfg("protected-mode", None, MOD, true),
    bool_cfg("rdbcompression", None, MOD, true),
    bool_cfg("rdb-del-sync-files", None, MOD, false),
    bool_cfg("activerehashing", None, MOD, true),
    bool_cfg("stop-writes-on-bgsave-error", None, MOD, true),
    bool_cfg("set-proc-title", None, IMMUTABLE, true),
    bool_cfg("lazyfree-lazy-eviction", None, DEBUG, true),
    bool_cfg("lazyfree-lazy-expire", None, DEBUG, true),
    bool_cfg("lazyfree-lazy-server-del", None, DEBUG, true),
    bool_cfg("lazyfree-lazy-user-del", None, DEBUG, true),
    bool_cfg("lazyfree-lazy-user-flush", None, DEBUG, true),
    bool_cfg("repl-disable-tcp-nodelay", None, MOD, false),
    bool_cfg("repl-diskless-sync", None, DEBUG, true),
    bool_cfg("dual-channel-replication-enabled", None, DEBUG, false),
    bool_cfg("aof-rewrite-incremental-fsync", None, MOD, true),
    bool_cfg("no-appendfsync-on-rewrite", None, MOD, false),
    bool_cfg("cluster-require-full-coverage", None, MOD, true),
    bool_cfg("rdb-save-incremental-fsync", None, MOD, true),
    bool_cfg("aof-load-truncated", None, MOD, true),
    bool_cfg("aof-use-rdb-preamble", None, MOD, true),
    bool_cfg("aof-timestamp-enabled", None, MOD, false),
    bool_cfg("cluster-replica-no-failover", alias("cluster-slave-no-failover"), MOD, false),
    bool_cfg("replica-lazy-flush", alias("slave-lazy-flush"), MOD, true),
    bool_cfg("replica-serve-stale-data", alias("slave-serve-stale-data"), MOD, true),
    bool_cfg("replica-read-only", alias("slave-read-only"), DEBUG, true),
    bool_cfg("replica-ignore-maxmemory", alias("slave-ignore-maxmemory"), MOD, true),
    bool_cfg("jemalloc-bg-thread", None, MOD, true),
    bool_cfg("activedefrag", None, DEBUG, false),
    bool_cfg("syslog-enabled", None, IMMUTABLE, false),
    bool_cfg("cluster-enabled", None, IMMUTABLE, false),
    bool_cfg("appendonly", None, DENY_LOADING, false),
    bool_cfg("cluster-allow-reads-when-down", None, MOD, false),
    bool_cfg("cluster-allow-pubsubshard-when-down", None, MOD, true),
    bool_cfg("crash-log-enabled", None, MOD, true),
    bool_cfg("crash-memcheck-enabled", None, MOD, true),
    bool_cfg("use-exit-on-panic", None, HIDDEN, false),
    bool_cfg("disable-thp", None, IMMUTABLE, true),
    bool_cfg("cluster-allow-replica-migration", None, MOD, true),
    bool_cfg("replica-announced", None, MOD, true),
    bool_cfg("latency-tracking", None, MOD, true),
    bool_cfg("aof-disable-auto-gc", None, HIDDEN, false),
    bool_cfg("replica-ignore-disk-write-errors", None, MOD, false),
    bool_cfg("extended-redis-compatibility", None, MOD, false),
    bool_cfg("enable-debug-assert", None, IMMUTABLE | HIDDEN, false),
    bool_cfg("cluster-slot-stats-enabled", None, MOD, false),
    bool_cfg("hide-user-data-from-log", None, MOD, true),
    bool_cfg("import-mode", None, DEBUG, false),
    // String directives.
    str_cfg("aclfile", None, IMMUTABLE, ALLOW_EMPTY, Some(""), StrCheck::None),
    str_cfg("unixsocket", None, IMMUTABLE, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("unixsocketgroup", None, IMMUTABLE, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("pidfile", None, IMMUTABLE, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("replica-announce-ip", alias("slave-announce-ip"), MOD, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("primaryuser", alias("masteruser"), SENSITIVE, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("cluster-announce-ip", None, MOD, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("cluster-announce-client-ipv4", None, MOD, EMPTY_IS_NULL, NULL, StrCheck::Ipv4),
    str_cfg("cluster-announce-client-ipv6", None, MOD, EMPTY_IS_NULL, NULL, StrCheck::Ipv6),
    str_cfg("cluster-config-file", None, IMMUTABLE, ALLOW_EMPTY, Some("nodes.conf"), NotEmpty("cluster-config-file")),
    str_cfg("cluster-announce-hostname", None, MOD, EMPTY_IS_NULL, NULL, StrCheck::Hostname),
    str_cfg("cluster-announce-human-nodename", None, MOD, EMPTY_IS_NULL, NULL, StrCheck::HumanNodename),
    str_cfg("syslog-ident", None, IMMUTABLE, ALLOW_EMPTY, Some("valkey"), StrCheck::None),
    str_cfg("dbfilename", None, PROTECTED, ALLOW_EMPTY, Some("dump.rdb"), RDB_NAME),
    str_cfg("appendfilename", None, IMMUTABLE, ALLOW_EMPTY, Some("appendonly.aof"), AOF_NAME),
    str_cfg("appenddirname", None, IMMUTABLE, ALLOW_EMPTY, Some("appendonlydir"), AOF_DIR_NAME),
    str_cfg("server-cpulist", alias("server_cpulist"), IMMUTABLE, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("bio-cpulist", alias("bio_cpulist"), IMMUTABLE, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("aof-rewrite-cpulist", alias("aof_rewrite_cpulist"), IMMUTABLE, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("bgsave-cpulist", alias("bgsave_cpulist"), IMMUTABLE, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("ignore-warnings", None, MOD, ALLOW_EMPTY, Some(""), StrCheck::None),
    str_cfg("proc-title-template", None, MOD, ALLOW_EMPTY, Some(PROC_TITLE), StrCheck::ProcTitleTemplate),
    str_cfg("bind-source-addr", None, MOD, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("logfile", None, IMMUTABLE, ALLOW_EMPTY, Some(""), StrCheck::None),
    str_cfg("locale-collate", None, MOD, ALLOW_EMPTY, Some(""), StrCheck::None),
    str_cfg("debug-context", None, DEBUG | HIDDEN, ALLOW_EMPTY, Some(""), StrCheck::None),
    // Binary-safe string directives.
    sds_cfg("primaryauth", alias("masterauth"), SENSITIVE, EMPTY_IS_NULL, NULL),
    sds_cfg("requirepass", None, SENSITIVE, EMPTY_IS_NULL, NULL),
    sds_cfg("availability-zone", None, MOD, ALLOW_EMPTY, sds_default("")),
    // Enum directives.
    enum_cfg("supervised", IMMUTABLE, &[("upstart", 1), ("systemd", 2), ("auto", 3), ("no", 0)], 0, EnumCheck::None),
    enum_cfg("syslog-facility", IMMUTABLE, SYSLOG_FACILITIES, 128, EnumCheck::None),
    enum_cfg("repl-diskless-load", DEBUG | DENY_LOADING, REPL_DISKLESS_LOAD, 0, EnumCheck::None),
    enum_cfg("loglevel", MOD, LOG_LEVELS, 2, EnumCheck::None),
    enum_cfg("maxmemory-policy", MOD, MAXMEMORY_POLICIES, 7, EnumCheck::None),
    enum_cfg("appendfsync", MOD, &[("everysec", 0), ("always", 1), ("no", 2)], 0, EnumCheck::None),
    // "yes" and "relative" share a value, so CONFIG GET shows "yes" after "relative".
    
    enum_cfg("oom-score-adj", MOD, OOM_SCORE_ADJ, 0, EnumCheck::None),
    enum_cfg("acl-pubsub-default", MOD, &[("allchannels", 1), ("resetchannels", 0)], 0, EnumCheck::None),
    enum_cfg("sanitize-dump-payload", DEBUG, &[("no", 0), ("yes", 1), ("clients", 2)], 0, EnumCheck::None),
    enum_cfg("enable-protected-configs", IMMUTABLE, YES_NO_LOCAL, 0, EnumCheck::None),
    enum_cfg("enable-debug-command", IMMUTABLE, YES_NO_LOCAL, 0, EnumCheck::None),
    enum_cfg("enable-module-command", IMMUTABLE, YES_NO_LOCAL, 0, EnumCheck::None),
    enum_cfg("cluster-preferred-endpoint-type", MOD, ENDPOINT_TYPES, 0, EnumCheck::None),
    enum_cfg("propagation-error-behavior", MOD, PROPAGATION_ERROR_BEHAVIORS, 0, EnumCheck::None),
    enum_cfg("shutdown-on-sigint", MULTI_ARG, SHUTDOWN_SIGNAL, 0, EnumCheck::ShutdownSignal),
    enum_cfg("shutdown-on-sigterm", MULTI_ARG, SHUTDOWN_SIGNAL, 0, EnumCheck::ShutdownSignal),
    enum_cfg("log-format", MOD, &[("legacy", 0), ("logfmt", 1)], 0, EnumCheck::None),
    enum_cfg("log-timestamp-format", MOD, &[("legacy", 0), ("iso8601", 1), ("milliseconds", 2)], 0, EnumCheck::None),
    enum_cfg("rdb-version-check", MOD, &[("strict", 0), ("relaxed", 1)], 0, EnumCheck::None),
    // Signed `int` directives.
    int_cfg("databases", None, IMMUTABLE, 1, INT_MAX, 16),
    int_cfg("port", None, MOD, 0, 65535, 6379),
    int_cfg("io-threads", None, DEBUG | IMMUTABLE, 1, 256, 1),
    int_cfg("events-per-io-thread", None, HIDDEN, 0, INT_MAX, 2),
    int_cfg("prefetch-batch-max-size", None, MOD, 0, 128, 16),
    int_cfg("auto-aof-rewrite-percentage", None, MOD, 0, INT_MAX, 100),
    int_cfg("cluster-replica-validity-factor", alias("cluster-slave-validity-factor"), MOD, 0, INT_MAX, 10),
    int_cfg("list-max-listpack-size", alias("list-max-ziplist-size"), MOD, INT_MIN, INT_MAX, -2),
    int_cfg("tcp-keepalive", None, MOD, 0, INT_MAX, 300),
    int_cfg("cluster-migration-barrier", None, MOD, 0, INT_MAX, 1),
    int_cfg("active-defrag-cycle-min", None, MOD, 1, 99, 1),
    int_cfg("active-defrag-cycle-max", None, MOD, 1, 99, 25),
    int_cfg("active-defrag-threshold-lower", None, MOD, 0, 1000, 10),
    int_cfg("active-defrag-threshold-upper", None, MOD, 0, 1000, 100),
    int_cfg("active-defrag-cycle-us", None, MOD, 0, 100_000, 500),
    int_cfg("lfu-log-factor", None, MOD, 0, INT_MAX, 10),
    int_cfg("lfu-decay-time", None, MOD, 0, INT_MAX, 1),
    int_cfg("replica-priority", alias("slave-priority"), MOD, 0, INT_MAX, 100),
    int_cfg("repl-diskless-sync-delay", None, MOD, 0, INT_MAX, 5),
    int_cfg("maxmemory-samples", None, MOD, 1, 64, 5),
    int_cfg("maxmemory-eviction-tenacity", None, MOD, 0, 100, 10),
    int_cfg("timeout", None, MOD, 0, INT_MAX, 0),
    int_cfg("replica-announce-port", alias("slave-announce-port"), MOD, 0, 65535, 0),
    int_cfg("tcp-backlog", None, IMMUTABLE, 0, INT_MAX, 511),
    int_cfg("cluster-port", None, IMMUTABLE, 0, 65535, 0),
    int_cfg("cluster-announce-bus-port", None, MOD, 0, 65535, 0),
    int_cfg("cluster-announce-port", None, MOD, 0, 65535, 0),
    int_cfg("cluster-announce-tls-port", None, MOD, 0, 65535, 0),
    int_cfg("repl-timeout", None, MOD, 1, INT_MAX, 60),
    int_cfg("repl-ping-replica-period", alias("repl-ping-slave-period"), MOD, 1, INT_MAX, 10),
    int_cfg("list-compress-depth", None, DEBUG, 0, INT_MAX, 0),
    int_cfg("rdb-key-save-delay", None, HIDDEN, INT_MIN, INT_MAX, 0),
    int_cfg("key-load-delay", None, HIDDEN, INT_MIN, INT_MAX, 0),
    int_cfg("active-expire-effort", None, MOD, 1, 10, 1),
    int_cfg("hz", None, MOD, 0, INT_MAX, 10),
    int_cfg("min-replicas-to-write", alias("min-slaves-to-write"), MOD, 0, INT_MAX, 0),
    int_cfg("min-replicas-max-lag", alias("min-slaves-max-lag"), MOD, 0, INT_MAX, 10),
    int_cfg("watchdog-period", None, HIDDEN, 0, INT_MAX, 0),
    int_cfg("shutdown-timeout", None, MOD, 0, INT_MAX, 10),
    int_cfg("repl-diskless-sync-max-replicas", None, MOD, 0, INT_MAX, 0),
    int_cfg("rdma-port", None, MOD, 0, 65535, 0),
    int_cfg("rdma-rx-size", None, IMMUTABLE, 64 * 1024, 16 * MB, MB),
    int_cfg("rdma-completion-vector", None, IMMUTABLE, -1, 1024, -1),
    // Unsigned `int` directives.
    uint_cfg("maxclients", None, MOD, 1, UINT_MAX, 10000),
    DirectiveSpec { name: "unixsocketperm", alias: None, flags: IMMUTABLE, kind: OCTAL_PERMISSIONS },
    uint_cfg("socket-mark-id", None, IMMUTABLE, 0, UINT_MAX, 0),
    uint_cfg("max-new-connections-per-cycle", None, MOD, 1, 1000, 10),
    uint_cfg("max-new-tls-connections-per-cycle", None, MOD, 1, 1000, 1),
    // Unsigned `long` directives.
    uint_cfg("active-defrag-max-scan-fields", None, MOD, 1, LONG_MAX, 1000),
    uint_cfg("commandlog-slow-execution-max-len", alias("slowlog-max-len"), MOD, 0, LONG_MAX, 128),
    uint_cfg("commandlog-large-request-max-len", None, MOD, 0, LONG_MAX, 128),
    uint_cfg("commandlog-large-reply-max-len", None, MOD, 0, LONG_MAX, 128),
    uint_cfg("acllog-max-len", None, MOD, 0, LONG_MAX, 128),
    uint_cfg("cluster-blacklist-ttl", None, MOD, 0, UNSIGNED_MAX, 60),
    // Signed `long long` directives.
    int_cfg("busy-reply-threshold", alias("lua-time-limit"), MOD, 0, LONG_MAX, 5000),
    int_cfg("cluster-node-timeout", None, MOD, 0, LONG_MAX, 15000),
    int_cfg("cluster-ping-interval", None, HIDDEN, 0, LONG_MAX, 0),
    int_cfg("commandlog-execution-slower-than", alias("slowlog-log-slower-than"), MOD, -1, LONG_MAX, 10000),
    int_cfg("commandlog-request-larger-than", None, MOD, -1, LONG_MAX, MB),
    int_cfg("commandlog-reply-larger-than", None, MOD, -1, LONG_MAX, MB),
    int_cfg("latency-monitor-threshold", None, MOD, 0, LONG_MAX, 0),
    mem_cfg("proto-max-bulk-len", None, DEBUG, (MB, LONG_MAX), 512 * MB, false),
    int_cfg("stream-node-max-entries", None, MOD, 0, LONG_MAX, 100),
    mem_cfg("repl-backlog-size", None, MOD, (1, LONG_MAX), 10 * MB, false),
    int_cfg("cluster-manual-failover-timeout", None, MOD, 1, INT_MAX, 5000),
    // Unsigned `long long` directives.
    mem_cfg("maxmemory", None, MOD, (0, UNSIGNED_MAX), 0, true),
    mem_cfg("cluster-link-sendbuf-limit", None, MOD, (0, UNSIGNED_MAX), 0, true),
    // `size_t` directives.
    uint_cfg("hash-max-listpack-entries", alias("hash-max-ziplist-entries"), MOD, 0, LONG_MAX, 512),
    uint_cfg("set-max-intset-entries", None, MOD, 0, LONG_MAX, 512),
    uint_cfg("set-max-listpack-entries", None, MOD, 0, LONG_MAX, 128),
    uint_cfg("set-max-listpack-value", None, MOD, 0, LONG_MAX, 64),
    uint_cfg("zset-max-listpack-entries", alias("zset-max-ziplist-entries"), MOD, 0, LONG_MAX, 128),
    mem_cfg("active-defrag-ignore-bytes", None, MOD, (1, LONG_MAX), 100 * MB, true),
    mem_cfg("hash-max-listpack-value", alias("hash-max-ziplist-value"), MOD, (0, LONG_MAX), 64, true),
    mem_cfg("stream-node-max-bytes", None, MOD, (0, LONG_MAX), 4096, true),
    mem_cfg("zset-max-listpack-value", alias("zset-max-ziplist-value"), MOD, (0, LONG_MAX), 64, true),
    mem_cfg("hll-sparse-max-bytes", None, MOD, (0, LONG_MAX), 3000, true),
    uint_cfg("tracking-table-max-keys", None, MOD, 0, LONG_MAX, 1_000_000),
    mem_cfg("client-query-buffer-limit", None, DEBUG, (MB, LONG_MAX), 1024 * MB, true),
    DirectiveSpec { name: "maxmemory-clients", alias: None, flags: MOD, kind: MEMORY_OR_PERCENT },
    // `time_t` and `off_t` directives.
    int_cfg("repl-backlog-ttl", None, MOD, 0, LONG_MAX, 3600),
    mem_cfg("auto-aof-rewrite-min-size", None, MOD, (0, LONG_MAX), 64 * MB, false),
    int_cfg("loading-process-events-interval-bytes", None, HIDDEN, 1024, INT_MAX, 2 * MB),
    // TLS directives.
    int_cfg("tls-port", None, MOD, 0, 65535, 0),
    int_cfg("tls-session-cache-size", None, MOD, 0, INT_MAX, 20 * 1024),
    int_cfg("tls-session-cache-timeout", None, MOD, 0, INT_MAX, 300),
    bool_cfg("tls-cluster", None, MOD, false),
    bool_cfg("tls-replication", None, MOD, false),
    enum_cfg("tls-auth-clients", MOD, &[("no", 0), ("yes", 1), ("optional", 2)], 1, EnumCheck::None),
    bool_cfg("tls-prefer-server-ciphers", None, MOD, false),
    bool_cfg("tls-session-caching", None, MOD, true),
    str_cfg("tls-cert-file", None, VOLATILE, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("tls-key-file", None, VOLATILE, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("tls-key-file-pass", None, SENSITIVE, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("tls-client-cert-file", None, VOLATILE, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("tls-client-key-file", None, VOLATILE, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("tls-client-key-file-pass", None, SENSITIVE, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("tls-dh-params-file", None, VOLATILE, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("tls-ca-cert-file", None, VOLATILE, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("tls-ca-cert-dir", None, VOLATILE, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("tls-protocols", None, MOD, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("tls-ciphers", None, MOD, EMPTY_IS_NULL, NULL, StrCheck::None),
    str_cfg("tls-ciphersuites", None, MOD, EMPTY_IS_NULL, NULL, StrCheck::None),
    // Hand-written directives.
    special_cfg("dir", None, PROTECTED | DENY_LOADING, Special::Dir),
    special_cfg("save", None, MULTI_ARG, Special::Save),
    special_cfg("client-output-buffer-limit", None, MULTI_ARG, Special::ClientOutputBufferLimit),
    special_cfg("oom-score-adj-values", None, MULTI_ARG, Special::OomScoreAdjValues),
    special_cfg("notify-keyspace-events", None, MOD, Special::NotifyKeyspaceEvents),
    special_cfg("bind", None, MULTI_ARG, Special::Bind),
    special_cfg("rdma-bind", None, MULTI_ARG, Special::RdmaBind),
    special_cfg("replicaof", alias("slaveof"), IMMUTABLE | MULTI_ARG, Special::ReplicaOf),
    special_cfg("latency-tracking-info-percentiles", None, MULTI_ARG, Special::LatencyTrackingInfoPercentiles),
];

/// Directives Valkey still accepts in config files (with exactly one
/// argument) and silently ignores.
pub(crate) const DEPRECATED: &[&str] = &[
    "list-max-ziplist-entries",
    "list-max-ziplist-value",
    "lua-replicate-commands",
    "io-threads-do-reads",
    "dynamic-hz",
];

const fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Position of a directive in `TABLE`, resolved at compile time; an unknown
/// name fails the build.
pub(crate) const fn index_of(name: &str) -> usize {
    let mut i = 0;
    while i < TABLE.len() {
        if same_str(TABLE[i].name, name) {
            return i;
        }
        i += 1;
    }
    panic!("directive missing from the table")
}
