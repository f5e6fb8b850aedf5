//! The shape of one command's entry in the table, and the bit flags it uses.
//!
//! Everything here is plain static data so the generated table needs no startup work. Flag bits
//! are numbered in the order Valkey prints them (COMMAND INFO, ACL CAT, key-spec flags), so
//! printing is a walk over the bits; flags Valkey never prints sit above the printed ones.
//! `id` equals the entry's index in [`crate::COMMANDS`]; subcommands of a container occupy the
//! contiguous id range named by `subcommands`.

use crate::generated::COMMANDS;

// Command flags (`CommandSpec::flags`).
pub const CMD_WRITE: u64 = 1 << 0;
pub const CMD_READONLY: u64 = 1 << 1;
pub const CMD_DENYOOM: u64 = 1 << 2;
pub const CMD_MODULE: u64 = 1 << 3;
pub const CMD_ADMIN: u64 = 1 << 4;
pub const CMD_PUBSUB: u64 = 1 << 5;
pub const CMD_NOSCRIPT: u64 = 1 << 6;
pub const CMD_BLOCKING: u64 = 1 << 7;
pub const CMD_LOADING: u64 = 1 << 8;
pub const CMD_STALE: u64 = 1 << 9;
pub const CMD_SKIP_MONITOR: u64 = 1 << 10;
/// Valkey 8.0's SKIP_SLOWLOG; 8.1 prints it as `skip_commandlog`.
pub const CMD_SKIP_SLOWLOG: u64 = 1 << 11;
pub const CMD_ASKING: u64 = 1 << 12;
pub const CMD_FAST: u64 = 1 << 13;
pub const CMD_NO_AUTH: u64 = 1 << 14;
pub const CMD_NO_MANDATORY_KEYS: u64 = 1 << 15;
pub const CMD_NO_ASYNC_LOADING: u64 = 1 << 16;
pub const CMD_NO_MULTI: u64 = 1 << 17;
/// Computed by the generator: the legacy (first, last, step) triple misses some keys.
pub const CMD_MOVABLE_KEYS: u64 = 1 << 18;
pub const CMD_ALLOW_BUSY: u64 = 1 << 19;
pub const CMD_MAY_REPLICATE: u64 = 1 << 20;
pub const CMD_SENTINEL: u64 = 1 << 21;
pub const CMD_ONLY_SENTINEL: u64 = 1 << 22;
pub const CMD_PROTECTED: u64 = 1 << 23;
pub const CMD_TOUCHES_ARBITRARY_KEYS: u64 = 1 << 24;

/// Command flags COMMAND INFO prints, in its order.
pub const CMD_FLAG_NAMES: &[(u64, &str)] = &[
    (CMD_WRITE, "write"),
    (CMD_READONLY, "readonly"),
    (CMD_DENYOOM, "denyoom"),
    (CMD_MODULE, "module"),
    (CMD_ADMIN, "admin"),
    (CMD_PUBSUB, "pubsub"),
    (CMD_NOSCRIPT, "noscript"),
    (CMD_BLOCKING, "blocking"),
    (CMD_LOADING, "loading"),
    (CMD_STALE, "stale"),
    (CMD_SKIP_MONITOR, "skip_monitor"),
    (CMD_SKIP_SLOWLOG, "skip_commandlog"),
    (CMD_ASKING, "asking"),
    (CMD_FAST, "fast"),
    (CMD_NO_AUTH, "no_auth"),
    (CMD_NO_MANDATORY_KEYS, "no_mandatory_keys"),
    (CMD_NO_ASYNC_LOADING, "no_async_loading"),
    (CMD_NO_MULTI, "no_multi"),
    (CMD_MOVABLE_KEYS, "movablekeys"),
    (CMD_ALLOW_BUSY, "allow_busy"),
];

// ACL categories (`CommandSpec::acl_categories`), explicit ones plus those Valkey implies from
// the flags (write, read, admin+dangerous, pubsub, fast, blocking, and slow when not fast).
pub const ACL_KEYSPACE: u64 = 1 << 0;
pub const ACL_READ: u64 = 1 << 1;
pub const ACL_WRITE: u64 = 1 << 2;
pub const ACL_SET: u64 = 1 << 3;
pub const ACL_SORTEDSET: u64 = 1 << 4;
pub const ACL_LIST: u64 = 1 << 5;
pub const ACL_HASH: u64 = 1 << 6;
pub const ACL_STRING: u64 = 1 << 7;
pub const ACL_BITMAP: u64 = 1 << 8;
pub const ACL_HYPERLOGLOG: u64 = 1 << 9;
pub const ACL_GEO: u64 = 1 << 10;
pub const ACL_STREAM: u64 = 1 << 11;
pub const ACL_PUBSUB: u64 = 1 << 12;
pub const ACL_ADMIN: u64 = 1 << 13;
pub const ACL_FAST: u64 = 1 << 14;
pub const ACL_SLOW: u64 = 1 << 15;
pub const ACL_BLOCKING: u64 = 1 << 16;
pub const ACL_DANGEROUS: u64 = 1 << 17;
pub const ACL_CONNECTION: u64 = 1 << 18;
pub const ACL_TRANSACTION: u64 = 1 << 19;
pub const ACL_SCRIPTING: u64 = 1 << 20;

/// ACL category names in Valkey's order (ACL CAT prints them so).
pub const ACL_CATEGORY_NAMES: &[(u64, &str)] = &[
    (ACL_KEYSPACE, "keyspace"),
    (ACL_READ, "read"),
    (ACL_WRITE, "write"),
    (ACL_SET, "set"),
    (ACL_SORTEDSET, "sortedset"),
    (ACL_LIST, "list"),
    (ACL_HASH, "hash"),
    (ACL_STRING, "string"),
    (ACL_BITMAP, "bitmap"),
    (ACL_HYPERLOGLOG, "hyperloglog"),
    (ACL_GEO, "geo"),
    (ACL_STREAM, "stream"),
    (ACL_PUBSUB, "pubsub"),
    (ACL_ADMIN, "admin"),
    (ACL_FAST, "fast"),
    (ACL_SLOW, "slow"),
    (ACL_BLOCKING, "blocking"),
    (ACL_DANGEROUS, "dangerous"),
    (ACL_CONNECTION, "connection"),
    (ACL_TRANSACTION, "transaction"),
    (ACL_SCRIPTING, "scripting"),
];

/// The bit of an ACL category name (without `@`), case-insensitive.
pub fn acl_category_by_name(name: &[u8]) -> Option<u64> {
    ACL_CATEGORY_NAMES
        .iter()
        .find(|(_, n)| n.as_bytes().eq_ignore_ascii_case(name))
        .map(|&(bit, _)| bit)
}

// Key-spec flags (`KeySpec::flags`, and the flags of each extracted key).
pub const KS_RO: u64 = 1 << 0;
pub const KS_RW: u64 = 1 << 1;
pub const KS_OW: u64 = 1 << 2;
pub const KS_RM: u64 = 1 << 3;
pub const KS_ACCESS: u64 = 1 << 4;
pub const KS_UPDATE: u64 = 1 << 5;
pub const KS_INSERT: u64 = 1 << 6;
pub const KS_DELETE: u64 = 1 << 7;
pub const KS_NOT_KEY: u64 = 1 << 8;
pub const KS_INCOMPLETE: u64 = 1 << 9;
pub const KS_VARIABLE_FLAGS: u64 = 1 << 10;

/// Key-spec flag names as COMMAND INFO and COMMAND GETKEYSANDFLAGS print them, in order.
pub const KEY_FLAG_NAMES: &[(u64, &str)] = &[
    (KS_RO, "RO"),
    (KS_RW, "RW"),
    (KS_OW, "OW"),
    (KS_RM, "RM"),
    (KS_ACCESS, "access"),
    (KS_UPDATE, "update"),
    (KS_INSERT, "insert"),
    (KS_DELETE, "delete"),
    (KS_NOT_KEY, "not_key"),
    (KS_INCOMPLETE, "incomplete"),
    (KS_VARIABLE_FLAGS, "variable_flags"),
];

// Argument flags (`ArgSpec::flags`).
pub const ARG_OPTIONAL: u8 = 1 << 0;
pub const ARG_MULTIPLE: u8 = 1 << 1;
pub const ARG_MULTIPLE_TOKEN: u8 = 1 << 2;

pub const ARG_FLAG_NAMES: &[(u8, &str)] = &[
    (ARG_OPTIONAL, "optional"),
    (ARG_MULTIPLE, "multiple"),
    (ARG_MULTIPLE_TOKEN, "multiple_token"),
];

// Documentation flags (`CommandDocs::doc_flags`).
pub const DOC_DEPRECATED: u8 = 1 << 0;
pub const DOC_SYSCMD: u8 = 1 << 1;

pub const DOC_FLAG_NAMES: &[(u8, &str)] = &[(DOC_DEPRECATED, "deprecated"), (DOC_SYSCMD, "syscmd")];

/// One command or subcommand.
#[derive(Debug)]
pub struct CommandSpec {
    /// Dense index into [`crate::COMMANDS`]; stable only within one build of the table.
    pub id: u16,
    /// Lowercase name; for a subcommand only its own part (`list` of `client|list`).
    pub name: &'static str,
    /// Lowercase full name as Valkey reports it (`get`, `client|list`; INFO commandstats).
    pub full_name: &'static str,
    /// The container's id, for subcommands.
    pub parent: Option<u16>,
    pub subcommands: Subcommands,
    /// Valkey's arity: `n` means exactly n arguments (name included), `-n` at least n.
    pub arity: i32,
    /// `CMD_*` bits.
    pub flags: u64,
    /// `ACL_*` bits, implied categories included.
    pub acl_categories: u64,
    pub key_specs: &'static [KeySpec],
    /// Valkey's special key finder, used when the key specs cannot answer.
    pub getkeys: GetKeysProc,
    /// Command tips, lowercase (`request_policy:all_shards`).
    pub tips: &'static [&'static str],
    pub docs: CommandDocs,
}

/// The contiguous id range of a container's subcommands (empty for plain commands).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subcommands {
    pub first: u16,
    pub count: u16,
}

impl Subcommands {
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// The subcommands' specs, sorted by name.
    pub fn specs(&self) -> &'static [CommandSpec] {
        let start = self.first as usize;
        COMMANDS
            .get(start..start + self.count as usize)
            .unwrap_or(&[])
    }

    pub fn iter(&self) -> std::slice::Iter<'static, CommandSpec> {
        self.specs().iter()
    }
}

/// Where a key spec starts looking for keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeginSearch {
    /// At a fixed argument index.
    Index { pos: i32 },
    /// After a keyword, searched from `start_from` (negative: counted from the end, searching
    /// backwards).
    Keyword {
        keyword: &'static str,
        start_from: i32,
    },
    /// Cannot be described; the command's `GetKeysProc` finds these keys.
    Unknown,
}

/// How a key spec finds keys once it has a starting index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindKeys {
    /// Keys up to `last_key` (relative to the start; negative: from the end) every `key_step`
    /// arguments; with `last_key == -1` and `limit > 0`, only the first 1/limit of the rest.
    Range {
        last_key: i32,
        key_step: i32,
        limit: i32,
    },
    /// The argument at `keynum_idx` (relative to the start) counts the keys, which begin at
    /// `first_key` (relative to the start) every `key_step` arguments.
    KeyNum {
        keynum_idx: i32,
        first_key: i32,
        key_step: i32,
    },
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    /// `KS_*` bits.
    pub flags: u64,
    pub begin_search: BeginSearch,
    pub find_keys: FindKeys,
}

/// Valkey's per-command key finders, as data. The key-spec algorithm runs first; these answer
/// when it cannot (unknown or incomplete specs, bad counts) or when the key flags depend on the
/// arguments (VARIABLE_FLAGS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetKeysProc {
    None,
    /// A count at `numkeys_pos`, keys from `first_key_pos`, plus a destination at
    /// `store_key_pos` when non-zero (reported last). The count is read as C's `atoi`.
    NumKeys {
        numkeys_pos: u8,
        first_key_pos: u8,
        store_key_pos: u8,
    },
    /// SORT: the key, plus the last STORE destination, skipping LIMIT/GET/BY arguments.
    Sort,
    /// SORT_RO: the key only.
    SortRo,
    /// MIGRATE: argv[3], or the keys after KEYS when argv[3] is empty.
    Migrate,
    /// GEORADIUS(BYMEMBER): the key plus the last STORE/STOREDIST destination.
    Georadius,
    /// XREAD/XREADGROUP: half of the arguments after the STREAMS option.
    Xread,
    /// SET: one key, read-write when a GET argument is present.
    Set,
    /// BITFIELD: one key, read-only when only GET/OVERFLOW operations are given.
    Bitfield,
}

/// Documentation facts for COMMAND DOCS.
#[derive(Debug)]
pub struct CommandDocs {
    /// ferrokey's own one-line summary (may be empty).
    pub summary: &'static str,
    pub since: &'static str,
    /// Valkey's group name (`string`, `sorted-set`, `server`, ...).
    pub group: &'static str,
    pub complexity: Option<&'static str>,
    /// `DOC_*` bits.
    pub doc_flags: u8,
    pub deprecated_since: Option<&'static str>,
    pub replaced_by: Option<&'static str>,
    /// (version, change) pairs.
    pub history: &'static [(&'static str, &'static str)],
    pub arguments: &'static [ArgSpec],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    String,
    Integer,
    Double,
    Key,
    Pattern,
    UnixTime,
    PureToken,
    OneOf,
    Block,
}

impl ArgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ArgKind::String => "string",
            ArgKind::Integer => "integer",
            ArgKind::Double => "double",
            ArgKind::Key => "key",
            ArgKind::Pattern => "pattern",
            ArgKind::UnixTime => "unix-time",
            ArgKind::PureToken => "pure-token",
            ArgKind::OneOf => "oneof",
            ArgKind::Block => "block",
        }
    }

    /// Whether the argument is a group of nested arguments rather than a value.
    pub fn is_group(self) -> bool {
        matches!(self, ArgKind::OneOf | ArgKind::Block)
    }
}

/// One argument of a command, for COMMAND DOCS.
#[derive(Debug)]
pub struct ArgSpec {
    pub name: &'static str,
    pub kind: ArgKind,
    pub key_spec_index: Option<u16>,
    pub token: Option<&'static str>,
    /// Display text when it differs from the name.
    pub display: Option<&'static str>,
    /// `ARG_*` bits.
    pub flags: u8,
    pub since: Option<&'static str>,
    pub deprecated_since: Option<&'static str>,
    /// Nested arguments of `oneof` and `block` arguments.
    pub arguments: &'static [ArgSpec],
}

impl CommandSpec {
    pub fn has_flag(&self, flag: u64) -> bool {
        self.flags & flag != 0
    }

    pub fn in_category(&self, category: u64) -> bool {
        self.acl_categories & category != 0
    }

    pub fn is_write(&self) -> bool {
        self.has_flag(CMD_WRITE)
    }

    pub fn is_readonly(&self) -> bool {
        self.has_flag(CMD_READONLY)
    }

    pub fn is_admin(&self) -> bool {
        self.has_flag(CMD_ADMIN)
    }

    pub fn is_fast(&self) -> bool {
        self.has_flag(CMD_FAST)
    }

    pub fn is_blocking(&self) -> bool {
        self.has_flag(CMD_BLOCKING)
    }

    pub fn is_denyoom(&self) -> bool {
        self.has_flag(CMD_DENYOOM)
    }

    /// Not fed to MONITOR clients (SKIP_MONITOR).
    pub fn no_monitor(&self) -> bool {
        self.has_flag(CMD_SKIP_MONITOR)
    }

    /// Not recorded in the slow log / command log.
    pub fn no_slowlog(&self) -> bool {
        self.has_flag(CMD_SKIP_SLOWLOG)
    }

    /// Refused inside MULTI (NO_MULTI).
    pub fn no_multi(&self) -> bool {
        self.has_flag(CMD_NO_MULTI)
    }

    /// Refused from scripts (NOSCRIPT).
    pub fn no_script(&self) -> bool {
        self.has_flag(CMD_NOSCRIPT)
    }

    /// Allowed before authentication (NO_AUTH).
    pub fn no_auth(&self) -> bool {
        self.has_flag(CMD_NO_AUTH)
    }

    /// Allowed while loading data (LOADING).
    pub fn allowed_while_loading(&self) -> bool {
        self.has_flag(CMD_LOADING)
    }

    /// Allowed on a replica with a stale view (STALE).
    pub fn allowed_when_stale(&self) -> bool {
        self.has_flag(CMD_STALE)
    }

    pub fn is_container(&self) -> bool {
        !self.subcommands.is_empty()
    }

    /// The container of a subcommand.
    pub fn parent_spec(&self) -> Option<&'static CommandSpec> {
        self.parent.and_then(|id| COMMANDS.get(id as usize))
    }

    /// Whether `argc` arguments (the command name included) satisfy the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let arity = self.arity as i64;
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// The name as users type it: `get`, `client list`.
    pub fn display_name(&self) -> String {
        self.full_name.replace('|', " ")
    }
}
