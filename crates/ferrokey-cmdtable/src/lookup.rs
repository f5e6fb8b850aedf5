//! Finding commands by name, case-insensitively and without allocating.
//!
//! Top-level names go through the generated open-addressing table: FNV-1a over the
//! ASCII-lowercased bytes picks a slot, and probing moves on until the name matches or an empty
//! slot proves it absent. The table is under half full, so a lookup usually touches one slot;
//! the probe count is bounded by the table size, so no input can loop. Subcommands are few per
//! container and are scanned linearly.

use crate::generated::{COMMANDS, COMMAND_COUNT, LOOKUP, LOOKUP_SLOTS, TOP_LEVEL_COUNT};
use crate::spec::CommandSpec;

const EMPTY_SLOT: u16 = u16::MAX;

/// FNV-1a (32 bit) of the ASCII-lowercased bytes; the generator computes the same.
fn fnv1a_lower(name: &[u8]) -> u32 {
    let mut hash: u32 = 0x811C_9DC5;
    for &b in name {
        hash ^= u32::from(b.to_ascii_lowercase());
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// A top-level command by name, ignoring ASCII case.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    let mut slot = fnv1a_lower(name) as usize % LOOKUP_SLOTS;
    for _ in 0..LOOKUP_SLOTS {
        let id = *LOOKUP.get(slot)?;
        if id == EMPTY_SLOT {
            return None;
        }
        let spec = COMMANDS.get(id as usize)?;
        if spec.name.as_bytes().eq_ignore_ascii_case(name) {
            return Some(spec);
        }
        slot = (slot + 1) % LOOKUP_SLOTS;
    }
    None
}

/// A subcommand of `parent` by name, ignoring ASCII case; `None` for non-containers.
pub fn lookup_subcommand(parent: &CommandSpec, sub: &[u8]) -> Option<&'static CommandSpec> {
    parent
        .subcommands
        .iter()
        .find(|spec| spec.name.as_bytes().eq_ignore_ascii_case(sub))
}

/// The command an argument vector names, as Valkey resolves it: the subcommand of a container
/// when there is a second argument (`None` if that subcommand does not exist), otherwise the
/// command itself.
pub fn lookup_argv(name: &[u8], sub: Option<&[u8]>) -> Option<&'static CommandSpec> {
    let spec = lookup(name)?;
    match sub {
        Some(sub) if spec.is_container() => lookup_subcommand(spec, sub),
        _ => Some(spec),
    }
}

/// A command by full name (`get`, `client|list`), ignoring ASCII case. A `|` after a command
/// that has no subcommands, or a second `|`, finds nothing (as COMMAND INFO).
pub fn lookup_full_name(full_name: impl AsRef<[u8]>) -> Option<&'static CommandSpec> {
    let full_name = full_name.as_ref();
    match full_name.iter().position(|&b| b == b'|') {
        None => lookup(full_name),
        Some(bar) => {
            let (name, rest) = full_name.split_at(bar);
            let sub = rest.get(1..)?;
            let parent = lookup(name)?;
            lookup_subcommand(parent, sub)
        }
    }
}

/// The command with this id. Ids come from this table, so an id outside `0..COMMAND_COUNT` is a
/// caller bug; it panics with a clear message rather than returning a wrong command.
pub fn by_id(id: impl Into<usize>) -> &'static CommandSpec {
    let id = id.into();
    match COMMANDS.get(id) {
        Some(spec) => spec,
        None => panic!("command id {id} out of range (COMMAND_COUNT is {COMMAND_COUNT})"),
    }
}

/// The command with this id, or `None` outside the table.
pub fn get_by_id(id: usize) -> Option<&'static CommandSpec> {
    COMMANDS.get(id)
}

/// Top-level commands, sorted by name (COMMAND COUNT counts these).
pub fn top_level_commands() -> &'static [CommandSpec] {
    COMMANDS.get(..TOP_LEVEL_COUNT).unwrap_or(COMMANDS)
}

/// `ERR unknown subcommand 'x'. Try CONTAINER HELP.`, with the subcommand cut to 128 bytes as
/// Valkey does and the container named as the client typed it, uppercased.
pub fn unknown_subcommand_error(container: &[u8], sub: &[u8]) -> String {
    let sub = sub.get(..128).unwrap_or(sub);
    format!(
        "ERR unknown subcommand '{}'. Try {} HELP.",
        String::from_utf8_lossy(sub),
        String::from_utf8_lossy(container).to_ascii_uppercase()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_is_found_by_its_names() {
        for (i, spec) in COMMANDS.iter().enumerate() {
            assert_eq!(spec.id as usize, i);
            assert_eq!(
                lookup_full_name(spec.full_name).map(|s| s.id),
                Some(spec.id)
            );
            let upper = spec.full_name.to_ascii_uppercase();
            assert_eq!(lookup_full_name(&upper).map(|s| s.id), Some(spec.id));
            if let Some(parent) = spec.parent_spec() {
                assert_eq!(
                    lookup_subcommand(parent, spec.name.as_bytes()).map(|s| s.id),
                    Some(spec.id)
                );
            } else {
                assert_eq!(lookup(spec.name.as_bytes()).map(|s| s.id), Some(spec.id));
            }
        }
    }

    #[test]
    fn lookup_is_case_insensitive_and_exact() {
        assert_eq!(lookup(b"GeT").map(|s| s.full_name), Some("get"));
        assert!(lookup(b"ge").is_none());
        assert!(lookup(b"gett").is_none());
        assert!(lookup(b"").is_none());
        assert!(lookup(b"client|list").is_none());
        assert!(lookup(&[0xff; 300]).is_none());
        let client = lookup(b"CLIENT").unwrap();
        assert_eq!(
            lookup_subcommand(client, b"LiSt").map(|s| s.full_name),
            Some("client|list")
        );
        assert!(lookup_subcommand(client, b"nosuch").is_none());
        let get = lookup(b"get").unwrap();
        assert!(lookup_subcommand(get, b"list").is_none());
        assert!(lookup_full_name("get|x").is_none());
        assert!(lookup_full_name("client|").is_none());
        assert!(lookup_full_name("client|list|x").is_none());
        assert!(lookup_full_name("|list").is_none());
        assert_eq!(
            lookup_argv(b"client", Some(b"id")).map(|s| s.full_name),
            Some("client|id")
        );
        assert_eq!(
            lookup_argv(b"client", None).map(|s| s.full_name),
            Some("client")
        );
        assert_eq!(
            lookup_argv(b"get", Some(b"k")).map(|s| s.full_name),
            Some("get")
        );
        assert!(lookup_argv(b"client", Some(b"nosuch")).is_none());
    }

    #[test]
    fn every_command_has_a_one_line_summary() {
        for spec in COMMANDS {
            let summary = spec.docs.summary;
            assert!(
                !summary.is_empty() && summary.len() < 100,
                "{}",
                spec.full_name
            );
            assert!(!summary.contains(['\n', '\r']), "{}", spec.full_name);
        }
    }

    #[test]
    fn sentinel_only_commands_are_absent() {
        assert!(lookup(b"sentinel").is_none());
        assert_eq!(top_level_commands().len(), TOP_LEVEL_COUNT);
        assert!(top_level_commands()
            .windows(2)
            .all(|w| w[0].name < w[1].name));
    }

    #[test]
    fn unknown_subcommand_error_matches_valkey() {
        assert_eq!(
            unknown_subcommand_error(b"command", b"FOO"),
            "ERR unknown subcommand 'FOO'. Try COMMAND HELP."
        );
        let long = [b'x'; 200];
        let text = unknown_subcommand_error(b"client", &long);
        assert_eq!(
            text.len(),
            "ERR unknown subcommand ''. Try CLIENT HELP.".len() + 128
        );
    }
}
