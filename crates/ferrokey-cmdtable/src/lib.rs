//! ferrokey-cmdtable: the one declarative table of every command the server knows.
//!
//! The table (`generated.rs`, written by `tools/gen_command_table.py` from Valkey 8.0's command
//! JSON plus `valkey-8.1-overlay.json` for what 8.1 added or changed, and
//! `valkey-9.0-overlay.json` for the per-field hash expiry commands of Valkey 9.0 and HGETDEL of
//! 9.1, listed in `ADDED_AFTER_8_1`) carries each command's arity, flags, ACL categories, key
//! specs, tips and docs as static data with dense ids, so the server can keep handler and statistics arrays indexed by id and
//! look commands up without startup work. Around it:
//! - `lookup`: case-insensitive, allocation-free lookup by name, subcommand, full name or id;
//! - `keys`: Valkey's key extraction (key specs, then its special finders), for locking,
//!   cluster slots and COMMAND GETKEYS;
//! - `reply`: the COMMAND command's replies, byte-identical to Valkey 8.1's;
//! - `compat`: the text of docs/COMPATIBILITY.md.

pub mod compat;
#[rustfmt::skip]
mod generated;
pub mod keys;
pub mod lookup;
pub mod reply;
pub mod spec;

pub use compat::compatibility_markdown;
pub use generated::{ids, ADDED_AFTER_8_1, COMMANDS, COMMAND_COUNT, TOP_LEVEL_COUNT};
pub use keys::{
    args_from, get_keys, has_key_arguments, key_positions, keys_from_specs, legacy_key_range,
    ArgList, ArgsFrom, KeyRef, SpecFailed,
};
pub use lookup::{
    by_id, get_by_id, lookup, lookup_argv, lookup_full_name, lookup_subcommand, top_level_commands,
    unknown_subcommand_error,
};
pub use reply::{
    command_getkeys, list_command_names, parse_list_filter, reply_command, reply_command_all,
    reply_command_count, reply_command_docs, reply_command_getkeys, reply_command_getkeysandflags,
    reply_command_help, reply_command_info, reply_command_list, write_docs, write_info, ListFilter,
};
pub use spec::{
    ArgKind, ArgSpec, BeginSearch, CommandDocs, CommandSpec, FindKeys, GetKeysProc, KeySpec,
    Subcommands,
};
