//! Byte-level text helpers that reproduce the C routines Valkey's configuration
//! code is built on: `sdssplitargs` (config line tokenizer), `sdscatrepr`
//! (quoting for rewritten lines and command-line options), `string2ll`,
//! libc `strtoll`, `memtoull` (memory units), `strtod`, and `%f` output with
//! trailing zeros trimmed.
//!
//! Every function here is total: malformed input yields `None`/an error flag,
//! never a panic, because all of it is reachable from config files and from
//! `CONFIG SET` arguments sent by clients.

/// C `isspace` in the "C" locale.
pub(crate) fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Splits a line into arguments exactly like `sdssplitargs`: blanks separate
/// arguments, `"..."` supports `\n \r \t \b \a \xHH` and `\<any>` escapes,
/// `'...'` supports only `\'`, and a closing quote must be followed by a blank
/// or the end of the line. Returns `None` for unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let mut args = Vec::new();
    let mut pos = 0usize;
    loop {
        while pos < line.len() && is_c_space(at(pos)) {
            pos += 1;
        }
        if pos >= line.len() {
            return Some(args);
        }
        let mut current = Vec::new();
        let mut in_double = false;
        let mut in_single = false;
        loop {
            let c = at(pos);
            if in_double {
                if c == b'\\' && at(pos + 1) == b'x' {
                    if let (Some(hi), Some(lo)) = (hex_value(at(pos + 2)), hex_value(at(pos + 3))) {
                        current.push(hi * 16 + lo);
                        pos += 4;
                        continue;
                    }
                }
                if c == b'\\' && pos + 1 < line.len() {
                    pos += 1;
                    current.push(match at(pos) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if pos + 1 < line.len() && !is_c_space(at(pos + 1)) {
                        return None;
                    }
                    pos += 1;
                    break;
                } else if pos >= line.len() {
                    return None;
                } else {
                    current.push(c);
                }
            } else if in_single {
                if c == b'\\' && at(pos + 1) == b'\'' {
                    pos += 1;
                    current.push(b'\'');
                } else if c == b'\'' {
                    if pos + 1 < line.len() && !is_c_space(at(pos + 1)) {
                        return None;
                    }
                    pos += 1;
                    break;
                } else if pos >= line.len() {
                    return None;
                } else {
                    current.push(c);
                }
            } else if pos >= line.len() || matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                // The C code also stops at an embedded NUL; our slices carry
                // their length instead, so only the end of input ends a token.
                break;
            } else if c == b'"' {
                in_double = true;
            } else if c == b'\'' {
                in_single = true;
            } else {
                current.push(c);
            }
            pos += 1;
        }
        args.push(current);
    }
}

pub use ferrokey_util::repr::{push_repr, repr};

/// Splits on single spaces like `sdssplitlen(value, len, " ", 1)`: empty input
/// gives no parts, and consecutive spaces give empty parts. This is how
/// `CONFIG SET` breaks the value of a multi-argument directive.
pub(crate) fn split_on_spaces(value: &[u8]) -> Vec<Vec<u8>> {
    if value.is_empty() {
        return Vec::new();
    }
    value.split(|&b| b == b' ').map(<[u8]>::to_vec).collect()
}

/// Result of a libc-style `strtoll`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CStrtoll {
    pub value: i64,
    /// `*endptr == '\0'`: the whole input was consumed (an empty input counts,
    /// because `strtoll` then leaves `endptr` at the terminating NUL).
    pub fully_consumed: bool,
    /// `errno == ERANGE`: the value saturated.
    pub overflow: bool,
}

/// libc `strtoll(text, &end, radix)` for radix 8 or 10: leading C spaces, an
/// optional sign, then digits; saturates on overflow.
pub(crate) fn c_strtoll(text: &[u8], radix: u32) -> CStrtoll {
    let mut pos = 0;
    while pos < text.len() && is_c_space(text[pos]) {
        pos += 1;
    }
    let mut negative = false;
    if let Some(&sign @ (b'+' | b'-')) = text.get(pos) {
        negative = sign == b'-';
        pos += 1;
    }
    let digits_start = pos;
    let mut magnitude: u128 = 0;
    while let Some(digit) = text.get(pos).and_then(|&b| char::from(b).to_digit(radix)) {
        magnitude =
            (magnitude * u128::from(radix) + u128::from(digit)).min(u128::from(u64::MAX) + 1);
        pos += 1;
    }
    if pos == digits_start {
        // No digits: strtoll reports no conversion and points `end` at the start.
        return CStrtoll {
            value: 0,
            fully_consumed: text.is_empty(),
            overflow: false,
        };
    }
    let (value, overflow) = if negative {
        if magnitude > u128::from(i64::MAX as u64) + 1 {
            (i64::MIN, true)
        } else {
            ((magnitude as i128).wrapping_neg() as i64, false)
        }
    } else if magnitude > u128::from(i64::MAX as u64) {
        (i64::MAX, true)
    } else {
        (magnitude as i64, false)
    };
    CStrtoll {
        value,
        fully_consumed: pos == text.len(),
        overflow,
    }
}

/// Valkey's `memtoull`: digits followed by an optional unit among `b`, `k`
/// (1000), `kb` (1024), `m`, `mb`, `g`, `gb`, case-insensitive. A leading `-`
/// or any other suffix is an error. Quirks kept on purpose: an empty number
/// ("" or "kb") reads as 0, and a digit run too large for `u64` saturates
/// (libc `strtoull` overflow is not checked by Valkey).
pub fn memory_to_u64(text: &[u8]) -> Option<u64> {
    if text.first() == Some(&b'-') {
        return None;
    }
    let digit_count = text.iter().take_while(|b| b.is_ascii_digit()).count();
    let (digits, unit) = text.split_at(digit_count);
    let multiplier: u64 = match unit.to_ascii_lowercase().as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits.len() >= 128 {
        return None;
    }
    let mut value: u64 = 0;
    for &d in digits {
        value = value.saturating_mul(10).saturating_add(u64::from(d - b'0'));
    }
    if value > u64::MAX / multiplier {
        return None;
    }
    Some(value * multiplier)
}

/// Formats bytes for a rewritten config file like `rewriteConfigFormatMemory`:
/// whole gigabytes, megabytes or kilobytes get a `gb`/`mb`/`kb` suffix.
pub(crate) fn format_memory(bytes: i64) -> String {
    const KB: i64 = 1024;
    const MB: i64 = 1024 * 1024;
    const GB: i64 = 1024 * 1024 * 1024;
    if bytes != 0 && bytes % GB == 0 {
        format!("{}gb", bytes / GB)
    } else if bytes != 0 && bytes % MB == 0 {
        format!("{}mb", bytes / MB)
    } else if bytes != 0 && bytes % KB == 0 {
        format!("{}kb", bytes / KB)
    } else {
        bytes.to_string()
    }
}

/// Valkey's `string2d`: the whole input must be a `strtod` number, with no
/// leading space, not NaN, and not an overflow/underflow.
pub(crate) fn string_to_f64(text: &[u8]) -> Option<f64> {
    let first = *text.first()?;
    if is_c_space(first) {
        return None;
    }
    let s = std::str::from_utf8(text).ok()?;
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let hex_digits = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X"));
    let magnitude = if let Some(hex) = hex_digits.filter(|h| !h.is_empty()) {
        parse_hex_float(hex)?
    } else {
        // Rust's grammar is strtod's decimal grammar plus "inf"/"infinity"/"nan";
        // it only lacks the hex form handled above.
        if body.starts_with(['+', '-']) {
            return None;
        }
        let parsed: f64 = body.parse().ok()?;
        let is_literal_infinity =
            body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity");
        if parsed.is_infinite() && !is_literal_infinity {
            return None; // ERANGE overflow
        }
        if parsed == 0.0
            && body.bytes().any(|b| (b'1'..=b'9').contains(&b))
            && !exponent_makes_zero_exact(body)
        {
            return None; // ERANGE underflow to zero
        }
        parsed
    };
    if magnitude.is_nan() {
        return None;
    }
    Some(if negative { -magnitude } else { magnitude })
}

/// A decimal whose only non-zero digits sit in the exponent ("0e5") is an
/// exact zero, not an underflow.
fn exponent_makes_zero_exact(body: &str) -> bool {
    let mantissa = body.split(['e', 'E']).next().unwrap_or(body);
    !mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b))
}

/// Parses the part of a C99 hex float after "0x": hex digits, an optional
/// fraction, and an optional binary exponent `p[+-]N`.
fn parse_hex_float(text: &str) -> Option<f64> {
    let (mantissa, exponent) = match text.find(['p', 'P']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
        None => (mantissa, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in int_part.chars() {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        value += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    if let Some(exp) = exponent {
        let exp: i32 = exp.parse().ok()?;
        value *= 2f64.powi(exp);
    }
    Some(value)
}

/// `printf("%f")` followed by Valkey's `trimDoubleString` (drop trailing
/// zeros and a trailing dot).
pub(crate) fn format_f64_trimmed(value: f64) -> String {
    let mut text = format!("{value:.6}");
    if text.contains('.') {
        while text.ends_with('0') {
            text.pop();
        }
        if text.ends_with('.') {
            text.pop();
        }
    }
    text
}

/// `strerror` text for an I/O error, without Rust's " (os error N)" suffix.
pub fn strerror(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    }
}

/// Valkey's `getAbsolutePath`: trims blanks, keeps absolute paths, otherwise
/// joins `cwd` and the path, folding each leading `../` into the cwd.
pub fn absolute_path(path: &[u8], cwd: &[u8]) -> Vec<u8> {
    let trim = |b: &u8| matches!(b, b' ' | b'\r' | b'\n' | b'\t');
    let start = path.iter().position(|b| !trim(b)).unwrap_or(path.len());
    let end = path.iter().rposition(|b| !trim(b)).map_or(start, |p| p + 1);
    let mut relative = path.get(start..end).unwrap_or_default();
    if relative.first() == Some(&b'/') {
        return relative.to_vec();
    }
    let mut base = cwd.to_vec();
    if !base.is_empty() && base.last() != Some(&b'/') {
        base.push(b'/');
    }
    while let Some(rest) = relative.strip_prefix(b"../") {
        relative = rest;
        if base.len() > 1 {
            // Drop the last path element, keeping the trailing slash of its parent.
            base.pop();
            while base.last().is_some_and(|&b| b != b'/') {
                base.pop();
            }
        }
    }
    base.extend_from_slice(relative);
    base
}

/// The directory `getcwd` would report after `chdir(path)` from `cwd`,
/// worked out lexically: `.` and `..` are folded and no trailing slash is
/// kept (symbolic links are not resolved).
pub(crate) fn resolve_dir(path: &[u8], cwd: &[u8]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = Vec::new();
    let joined = if path.first() == Some(&b'/') {
        [path].concat()
    } else {
        [cwd, b"/", path].concat()
    };
    for part in joined.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let mut out = Vec::with_capacity(joined.len());
    for part in &parts {
        out.push(b'/');
        out.extend_from_slice(part);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Option<Vec<String>> {
        split_args(line.as_bytes()).map(|v| {
            v.into_iter()
                .map(|a| String::from_utf8_lossy(&a).into_owned())
                .collect()
        })
    }

    #[test]
    fn split_args_like_sdssplitargs() {
        assert_eq!(args("port 1"), Some(vec!["port".into(), "1".into()]));
        assert_eq!(
            args("  a   \"b c\"  'd e' "),
            Some(vec!["a".into(), "b c".into(), "d e".into()])
        );
        assert_eq!(args("\"\\x41\\n\""), Some(vec!["A\n".into()]));
        assert_eq!(args("'it\\'s'"), Some(vec!["it's".into()]));
        assert_eq!(args("ab\"cd\""), Some(vec!["abcd".into()]));
        assert_eq!(args("\"\""), Some(vec!["".into()]));
        assert_eq!(args("\"abc"), None);
        assert_eq!(args("\"a\"b"), None);
        assert_eq!(args("'a'b"), None);
        assert_eq!(args("'a\\'"), None);
        assert_eq!(args(""), Some(vec![]));
    }

    #[test]
    fn repr_like_sdscatrepr() {
        assert_eq!(
            repr(b"a\"b\\\n\x01\xc3"),
            b"\"a\\\"b\\\\\\n\\x01\\xc3\"".to_vec()
        );
    }

    #[test]
    fn integers() {
        assert_eq!(
            c_strtoll(b" +12", 10),
            CStrtoll {
                value: 12,
                fully_consumed: true,
                overflow: false
            }
        );
        assert!(c_strtoll(b"", 10).fully_consumed);
        assert!(!c_strtoll(b"+", 10).fully_consumed);
        assert!(c_strtoll(b"99999999999999999999", 10).overflow);
        assert_eq!(c_strtoll(b"777", 8).value, 511);
        assert!(!c_strtoll(b"9", 8).fully_consumed);
    }

    #[test]
    fn memory_units() {
        assert_eq!(memory_to_u64(b"1k"), Some(1000));
        assert_eq!(memory_to_u64(b"1KB"), Some(1024));
        assert_eq!(memory_to_u64(b"2mb"), Some(2 << 20));
        assert_eq!(memory_to_u64(b"1G"), Some(1_000_000_000));
        assert_eq!(memory_to_u64(b"1gB"), Some(1 << 30));
        assert_eq!(memory_to_u64(b""), Some(0));
        assert_eq!(memory_to_u64(b"kb"), Some(0));
        assert_eq!(memory_to_u64(b"99999999999999999999999"), Some(u64::MAX));
        assert_eq!(memory_to_u64(b"99999999999999999999999k"), None);
        for bad in [&b"-1"[..], b"1.5mb", b" 5", b"+5", b"5%", b"1t"] {
            assert_eq!(memory_to_u64(bad), None);
        }
        assert_eq!(format_memory(3 << 30), "3gb");
        assert_eq!(format_memory(100_000), "100000");
        assert_eq!(format_memory(0), "0");
    }

    #[test]
    fn floats() {
        assert_eq!(string_to_f64(b"0x10"), Some(16.0));
        assert_eq!(string_to_f64(b"1e1"), Some(10.0));
        assert_eq!(string_to_f64(b".5"), Some(0.5));
        assert_eq!(string_to_f64(b" 1"), None);
        assert_eq!(string_to_f64(b"abc"), None);
        assert_eq!(string_to_f64(b"nan"), None);
        assert_eq!(string_to_f64(b"1e999"), None);
        assert_eq!(format_f64_trimmed(99.9), "99.9");
        assert_eq!(format_f64_trimmed(99.99999999), "100");
        assert_eq!(format_f64_trimmed(1e-7), "0");
    }

    #[test]
    fn absolute_paths() {
        assert_eq!(
            absolute_path(b"a.conf", b"/tmp/x"),
            b"/tmp/x/a.conf".to_vec()
        );
        assert_eq!(
            absolute_path(b"../a.conf", b"/tmp/x"),
            b"/tmp/a.conf".to_vec()
        );
        assert_eq!(absolute_path(b"../../../a", b"/tmp/x"), b"/a".to_vec());
        assert_eq!(
            absolute_path(b" /etc/v.conf ", b"/tmp"),
            b"/etc/v.conf".to_vec()
        );
        assert_eq!(resolve_dir(b"..", b"/tmp/x"), b"/tmp".to_vec());
        assert_eq!(resolve_dir(b"./a/../b/", b"/tmp"), b"/tmp/b".to_vec());
        assert_eq!(resolve_dir(b"../../..", b"/tmp"), b"/".to_vec());
        assert_eq!(resolve_dir(b"/var//lib", b"/tmp"), b"/var/lib".to_vec());
    }
}
