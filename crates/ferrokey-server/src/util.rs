//! Small text helpers the server shares between command families.

/// Appends `bytes` escaped as Redis's `sdscatrepr` does (MONITOR lines, DEBUG output):
/// printable ASCII as is, `\"` `\\` `\n` `\r` `\t` `\a` `\b` escaped, other bytes as `\xHH`.
pub fn repr_into(out: &mut Vec<u8>, bytes: &[u8]) {
    for &b in bytes {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(b),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\x");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
            }
        }
    }
}

/// Case-insensitive ASCII comparison of an argument with an option name.
pub fn eq_ic(arg: &[u8], name: &str) -> bool {
    arg.eq_ignore_ascii_case(name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_escapes_like_redis() {
        let mut out = Vec::new();
        repr_into(&mut out, b"a\"b\\\n\x01\xff ");
        assert_eq!(out, b"a\\\"b\\\\\\n\\x01\\xff ");
    }
}
