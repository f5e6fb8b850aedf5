//! Finding commands by name, case-insensitively and without allocating.
//!
//! Top-level names go through the generated open-addressing table: a hash of the name's
//! lowercased words (`NameWords`) picks a slot, and probing moves on until the name matches or
//! an empty slot proves it absent. The table is under half full, so a lookup usually touches
//! one slot; the probe count is bounded by the table size, so no input can loop. Subcommands
//! are few per container and are scanned linearly.
//!
//! Every command looks its name up, so this works on words rather than bytes: going byte by
//! byte (FNV-1a, then `eq_ignore_ascii_case`) cost about 250 instructions for "PUBLISH".

use crate::generated::{COMMANDS, COMMAND_COUNT, LOOKUP, LOOKUP_SLOTS, TOP_LEVEL_COUNT};
use crate::spec::CommandSpec;

const EMPTY_SLOT: u16 = u16::MAX;

/// Names up to this long are compared through their words alone: the first and last 8 bytes
/// then cover every byte.
const WORDS_COVER_BYTES: usize = 16;

/// Two little-endian words holding a name's bytes: the first and last 8 bytes; below 8 bytes,
/// the first and last 4 in the first word and 0 in the second; below 4, the bytes zero-padded
/// and 0. Two names of one length up to `WORDS_COVER_BYTES` are equal exactly when their words
/// are.
#[derive(Clone, Copy, PartialEq, Eq)]
struct NameWords(u64, u64);

impl NameWords {
    fn of(name: &[u8]) -> NameWords {
        let word =
            |bytes: Option<&[u8; 4]>| u64::from(u32::from_le_bytes(*bytes.unwrap_or(&[0; 4])));
        match (name.first_chunk::<8>(), name.last_chunk::<8>()) {
            (Some(head), Some(tail)) => {
                NameWords(u64::from_le_bytes(*head), u64::from_le_bytes(*tail))
            }
            _ if name.len() >= 4 => {
                NameWords(word(name.first_chunk()) | word(name.last_chunk()) << 32, 0)
            }
            _ => NameWords(
                name.iter()
                    .rev()
                    .fold(0u64, |value, &byte| value << 8 | u64::from(byte)),
                0,
            ),
        }
    }

    fn to_ascii_lowercase(self) -> NameWords {
        NameWords(ascii_lowercase(self.0), ascii_lowercase(self.1))
    }

    /// The slot hash of a name with these (lowercased) words: each word times its own odd
    /// constant, the first mixed with the length. The generator (`tools/gen_command_table.py`,
    /// `name_hash`) computes the same.
    fn hash(self, len: usize) -> u32 {
        let mixed = (self.0 ^ len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ self.1.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
        // A product's high bits are its well-mixed ones.
        (mixed >> 32) as u32
    }
}

/// `word` with each of its bytes `A`..=`Z` made lowercase, eight at a time: a byte's high bit
/// after adding 0x3F says it is at least `A`, after adding 0x25 that it is past `Z` (neither
/// sum carries into the next byte, the high bits being masked off first), and bytes with their
/// own high bit set are left alone.
fn ascii_lowercase(word: u64) -> u64 {
    const LOW_SEVEN: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low = word & LOW_SEVEN;
    let at_least_a = low + 0x3F3F_3F3F_3F3F_3F3F;
    let past_z = low + 0x2525_2525_2525_2525;
    let upper = at_least_a & !past_z & !word & HIGH;
    word | upper >> 2
}

/// A top-level command by name, ignoring ASCII case.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    let words = NameWords::of(name).to_ascii_lowercase();
    let mut slot = words.hash(name.len()) as usize % LOOKUP_SLOTS;
    for _ in 0..LOOKUP_SLOTS {
        let id = *LOOKUP.get(slot)?;
        if id == EMPTY_SLOT {
            return None;
        }
        let spec = COMMANDS.get(id as usize)?;
        // Table names are lowercase.
        let candidate = spec.name.as_bytes();
        if candidate.len() == name.len()
            && NameWords::of(candidate) == words
            && (name.len() <= WORDS_COVER_BYTES || candidate.eq_ignore_ascii_case(name))
        {
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

    /// The word-wise lowercasing agrees with the byte-wise one for every pair of neighbouring
    /// bytes at every position (a carry or borrow between bytes would show there).
    #[test]
    fn ascii_lowercase_matches_bytewise() {
        for first in 0..=255u8 {
            for second in 0..=255u8 {
                for at in 0..7 {
                    let mut bytes = [b'Q', 0x80, b'z', b'[', b'@', 0xDA, b'A', b'`'];
                    bytes[at] = first;
                    bytes[at + 1] = second;
                    let lowered = bytes.map(|b| b.to_ascii_lowercase());
                    assert_eq!(
                        ascii_lowercase(u64::from_le_bytes(bytes)),
                        u64::from_le_bytes(lowered),
                        "{bytes:?}"
                    );
                }
            }
        }
    }

    /// Only the letters fold: names that differ from a command's by bit 5 of another byte, or
    /// only past the words' 16 bytes, are other names.
    #[test]
    fn names_alike_to_the_words_are_not_found() {
        assert_eq!(
            lookup(b"GeoRadius_RO").map(|s| s.name),
            Some("georadius_ro")
        );
        // Longer than the words cover: the bytes between them are compared too.
        for name in [&b"GEORADIUSBYMEMBER_RO"[..], b"georadiusBYmember_ro"] {
            assert_eq!(lookup(name).map(|s| s.name), Some("georadiusbymember_ro"));
        }
        for name in [
            &b"georadius\x7fro"[..],
            b"GEORADIUS\x7fRO",
            b"ge",
            b"gets",
            b"",
            b"\x07et",
            b"zrangebyscorezrangebyscore",
            b"GEORADIUSBYMEMBER_R\xcf",
            b"GEORADIUSBYMEmber\x7fro",
            b"georadiuxbymember_ro",
        ] {
            assert!(
                lookup(name).is_none(),
                "{:?}",
                String::from_utf8_lossy(name)
            );
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
