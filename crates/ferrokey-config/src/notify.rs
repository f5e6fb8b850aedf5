//! Keyspace-notification classes: the bit flags behind `notify-keyspace-events`
//! and their conversion from/to Valkey's class letters. The server uses the
//! same constants to decide which events to publish.

pub const KEYSPACE: u32 = 1 << 0;
pub const KEYEVENT: u32 = 1 << 1;
pub const GENERIC: u32 = 1 << 2;
pub const STRING: u32 = 1 << 3;
pub const LIST: u32 = 1 << 4;
pub const SET: u32 = 1 << 5;
pub const HASH: u32 = 1 << 6;
pub const ZSET: u32 = 1 << 7;
pub const EXPIRED: u32 = 1 << 8;
pub const EVICTED: u32 = 1 << 9;
pub const STREAM: u32 = 1 << 10;
pub const KEY_MISS: u32 = 1 << 11;
pub const LOADED: u32 = 1 << 12;
pub const MODULE: u32 = 1 << 13;
pub const NEW: u32 = 1 << 14;
/// What the `A` letter stands for ("g$lshzxetd"; `m` and `n` are excluded).
pub const ALL: u32 =
    GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

/// Parses class letters; `None` for any unknown letter.
pub fn flags_from_classes(classes: &[u8]) -> Option<u32> {
    classes.iter().try_fold(0u32, |flags, &letter| {
        let bit = match letter {
            b'A' => ALL,
            b'g' => GENERIC,
            b'$' => STRING,
            b'l' => LIST,
            b's' => SET,
            b'h' => HASH,
            b'z' => ZSET,
            b'x' => EXPIRED,
            b'e' => EVICTED,
            b'K' => KEYSPACE,
            b'E' => KEYEVENT,
            b't' => STREAM,
            b'm' => KEY_MISS,
            b'd' => MODULE,
            b'n' => NEW,
            _ => return None,
        };
        Some(flags | bit)
    })
}

/// Renders flags as Valkey does: `A` replaces the whole ALL group (which then
/// also hides `n`), followed by `K`, `E`, `m`.
pub fn classes_from_flags(flags: u32) -> String {
    let mut out = String::new();
    if flags & ALL == ALL {
        out.push('A');
    } else {
        for (bit, letter) in [
            (GENERIC, 'g'),
            (STRING, '$'),
            (LIST, 'l'),
            (SET, 's'),
            (HASH, 'h'),
            (ZSET, 'z'),
            (EXPIRED, 'x'),
            (EVICTED, 'e'),
            (STREAM, 't'),
            (MODULE, 'd'),
            (NEW, 'n'),
        ] {
            if flags & bit != 0 {
                out.push(letter);
            }
        }
    }
    for (bit, letter) in [(KEYSPACE, 'K'), (KEYEVENT, 'E'), (KEY_MISS, 'm')] {
        if flags & bit != 0 {
            out.push(letter);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(classes: &str) -> String {
        classes_from_flags(flags_from_classes(classes.as_bytes()).unwrap_or(0))
    }

    /// Observed on valkey-server 8.1.8 with CONFIG SET then CONFIG GET.
    #[test]
    fn renders_like_valkey() {
        assert_eq!(round_trip("A"), "A");
        assert_eq!(round_trip("g$lshzxetd"), "A");
        assert_eq!(round_trip("g$lshzxet"), "g$lshzxet");
        assert_eq!(round_trip("An"), "A");
        assert_eq!(round_trip("Km"), "Km");
        assert_eq!(round_trip("nd"), "dn");
        assert_eq!(round_trip("KEA"), "AKE");
        assert_eq!(round_trip("xe"), "xe");
        assert_eq!(flags_from_classes(b"Q"), None);
    }
}
