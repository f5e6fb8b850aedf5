//! The vocabulary of the directive table: what a directive is (`DirectiveSpec`),
//! its flags, and the value kinds Valkey distinguishes (bool, string, enum,
//! number with bounds and a textual style, and the hand-written "special"
//! directives). The table itself lives in `table.rs`; everything that parses,
//! renders, sets or rewrites a value is driven by these descriptions.

/// Directive flag bits (Valkey's `*_CONFIG` flags that matter outside Valkey's
/// internals). A directive without `IMMUTABLE` is settable with CONFIG SET.
pub mod flag {
    /// Not settable with CONFIG SET ("can't set immutable config").
    pub const IMMUTABLE: u16 = 1 << 0;
    /// Value must be redacted from logs, slowlog and MONITOR.
    pub const SENSITIVE: u16 = 1 << 1;
    /// Listed by Valkey's DEBUG CONFIG info output.
    pub const DEBUG: u16 = 1 << 2;
    /// Takes several arguments (CONFIG SET splits its value on spaces).
    pub const MULTI_ARG: u16 = 1 << 3;
    /// Not matched by CONFIG GET patterns, only by its exact name.
    pub const HIDDEN: u16 = 1 << 4;
    /// Settable only when `enable-protected-configs` allows it.
    pub const PROTECTED: u16 = 1 << 5;
    /// CONFIG SET is refused with -LOADING while the dataset loads.
    pub const DENY_LOADING: u16 = 1 << 6;
    /// CONFIG SET always counts as a change (the file behind it may have changed).
    pub const VOLATILE: u16 = 1 << 7;
}

/// How a numeric directive is written and read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumStyle {
    /// Plain integer (`string2ll` syntax).
    Integer,
    /// Byte count with optional unit (`1k`, `1kb`, `1mb`, ...); CONFIG GET shows bytes.
    Memory,
    /// Byte count or `N%` (stored as -N); CONFIG GET shows `N%` for percentages.
    MemoryOrPercent,
    /// Octal number (file permissions).
    Octal,
}

/// Extra validation for string directives, with Valkey's error texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrCheck {
    None,
    /// "`<name>` can't be empty".
    NotEmpty(&'static str),
    /// Not empty and without `/` or `\`: "`<name>` can't be a path, just a `<noun>`".
    BaseName {
        name: &'static str,
        noun: &'static str,
    },
    Ipv4,
    Ipv6,
    Hostname,
    HumanNodename,
    ProcTitleTemplate,
}

/// Extra validation for enum directives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumCheck {
    None,
    /// SAVE and NOSAVE together are refused.
    ShutdownSignal,
}

/// Directives whose parsing and rendering are hand-written in Valkey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    Dir,
    Save,
    ClientOutputBufferLimit,
    OomScoreAdjValues,
    NotifyKeyspaceEvents,
    Bind,
    RdmaBind,
    ReplicaOf,
    LatencyTrackingInfoPercentiles,
}

/// The type of a directive's value, with its default and constraints.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// `yes`/`no`, case-insensitive.
    Bool {
        default: bool,
    },
    /// A string. `default: None` means unset (only with `empty_is_null`, where
    /// an empty value also means unset). `binary` strings keep NUL bytes;
    /// others stop at the first NUL like C strings.
    Str {
        default: Option<&'static str>,
        empty_is_null: bool,
        binary: bool,
        check: StrCheck,
    },
    /// One of `choices` (case-insensitive). With the MULTI_ARG flag the value is
    /// a set of bit flags and several names may be given.
    Enum {
        choices: &'static [(&'static str, i32)],
        default: i32,
        check: EnumCheck,
    },
    /// A number stored as Valkey's `long long` view of the field. `unsigned`
    /// fields compare bounds as unsigned (so negative input wraps and fails).
    Num {
        min: i64,
        max: i64,
        default: i64,
        unsigned: bool,
        style: NumStyle,
    },
    Special(Special),
}

/// One directive: its name, optional alias, flags and value kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DirectiveSpec {
    pub name: &'static str,
    pub alias: Option<&'static str>,
    pub flags: u16,
    pub kind: Kind,
}

impl DirectiveSpec {
    pub fn has(&self, flag_bits: u16) -> bool {
        self.flags & flag_bits == flag_bits
    }

    /// Settable with CONFIG SET (possibly subject to protected-config rules).
    pub fn is_mutable(&self) -> bool {
        !self.has(flag::IMMUTABLE)
    }

    pub fn is_multi_arg(&self) -> bool {
        self.has(flag::MULTI_ARG)
    }
}

pub(crate) const fn bool_cfg(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    default: bool,
) -> DirectiveSpec {
    DirectiveSpec {
        name,
        alias,
        flags,
        kind: Kind::Bool { default },
    }
}

pub(crate) const fn str_cfg(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    empty_is_null: bool,
    default: Option<&'static str>,
    check: StrCheck,
) -> DirectiveSpec {
    DirectiveSpec {
        name,
        alias,
        flags,
        kind: Kind::Str {
            default,
            empty_is_null,
            binary: false,
            check,
        },
    }
}

/// A binary-safe string (Valkey's sds configs).
pub(crate) const fn sds_cfg(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    empty_is_null: bool,
    default: Option<&'static str>,
) -> DirectiveSpec {
    DirectiveSpec {
        name,
        alias,
        flags,
        kind: Kind::Str {
            default,
            empty_is_null,
            binary: true,
            check: StrCheck::None,
        },
    }
}

pub(crate) const fn enum_cfg(
    name: &'static str,
    flags: u16,
    choices: &'static [(&'static str, i32)],
    default: i32,
    check: EnumCheck,
) -> DirectiveSpec {
    DirectiveSpec {
        name,
        alias: None,
        flags,
        kind: Kind::Enum {
            choices,
            default,
            check,
        },
    }
}

/// A signed plain integer.
pub(crate) const fn int_cfg(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    min: i64,
    max: i64,
    default: i64,
) -> DirectiveSpec {
    DirectiveSpec {
        name,
        alias,
        flags,
        kind: Kind::Num {
            min,
            max,
            default,
            unsigned: false,
            style: NumStyle::Integer,
        },
    }
}

/// An unsigned plain integer (bounds compared as unsigned).
pub(crate) const fn uint_cfg(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    min: i64,
    max: i64,
    default: i64,
) -> DirectiveSpec {
    DirectiveSpec {
        name,
        alias,
        flags,
        kind: Kind::Num {
            min,
            max,
            default,
            unsigned: true,
            style: NumStyle::Integer,
        },
    }
}

/// A memory size; `unsigned` selects the bounds comparison of the C field type.
pub(crate) const fn mem_cfg(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    (min, max): (i64, i64),
    default: i64,
    unsigned: bool,
) -> DirectiveSpec {
    DirectiveSpec {
        name,
        alias,
        flags,
        kind: Kind::Num {
            min,
            max,
            default,
            unsigned,
            style: NumStyle::Memory,
        },
    }
}

pub(crate) const fn special_cfg(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    which: Special,
) -> DirectiveSpec {
    DirectiveSpec {
        name,
        alias,
        flags,
        kind: Kind::Special(which),
    }
}
