//! `sdscatrepr`: bytes quoted and escaped the way Valkey prints them in MONITOR lines, config
//! rewrites and DEBUG output: printable ASCII as is, `\\` `\"` `\n` `\r` `\t` `\a` `\b`
//! escaped, any other byte as `\xHH`, the whole between double quotes.

/// Appends `bytes` quoted like `sdscatrepr`.
pub fn push_repr(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    for &b in bytes {
        match b {
            b'\\' | b'"' => {
                out.push(b'\\');
                out.push(b);
            }
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(b),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\x");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
        }
    }
    out.push(b'"');
}

/// Returns `bytes` quoted like `sdscatrepr`.
pub fn repr(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 2);
    push_repr(&mut out, bytes);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_sdscatrepr() {
        assert_eq!(repr(b"a\"b\\\n\x01\xff "), b"\"a\\\"b\\\\\\n\\x01\\xff \"");
    }
}
