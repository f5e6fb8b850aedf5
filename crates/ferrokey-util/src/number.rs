//! Number parsing with the exact acceptance rules of Redis/Valkey.
//!
//! - [`parse_i64_strict`] is `string2ll`: the canonical decimal form only, so
//!   a value that parses always formats back to the same bytes.
//! - [`parse_u64`] is `string2ull` (SCAN cursors): `string2ll`, falling back
//!   to C `strtoull`, with all of its leniency (leading whitespace, `+`,
//!   leading zeros, and `-` that wraps modulo 2^64).
//! - [`parse_f64_strict`] is `string2d`: the whole text must be what C
//!   `strtod` consumes, with no leading whitespace, and results that
//!   overflow to infinity, underflow to zero or are NaN are rejected.
//!   `inf`/`infinity` (any case, signed) and C99 hex floats are accepted.
//!
//! Float texts go through `c_float`, which reproduces glibc's `strtod`
//! (including its rounding of subnormal results).

use crate::c_float::{is_c_space, scan_c_float, to_binary, CFloat, F64_FORMAT};

/// `LONG_STR_SIZE` in the server: texts this long or longer are never
/// integers for `string2ll`.
const LONG_STR_SIZE: usize = 21;

/// Parses `text` as Redis `string2ll` does: optional `-`, then `0` alone or
/// a digit 1-9 followed by digits, fitting in i64.  Rejects `-0`, `+1`,
/// `01`, spaces, and anything 21 bytes or longer.
pub fn parse_i64_strict(text: &[u8]) -> Option<i64> {
    if text.is_empty() || text.len() >= LONG_STR_SIZE {
        return None;
    }
    if text == b"0" {
        return Some(0);
    }
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut magnitude: u64 = 0;
    for &byte in digits {
        if !byte.is_ascii_digit() {
            return None;
        }
        magnitude = magnitude
            .checked_mul(10)?
            .checked_add(u64::from(byte - b'0'))?;
    }
    if negative {
        // i64::MIN's magnitude is one more than i64::MAX.
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Parses `text` as Redis `string2ull` (used for SCAN cursors).
///
/// The server hands the text to C functions as a NUL-terminated string, so
/// only the bytes before the first NUL count.  When [`parse_i64_strict`]
/// accepts them the value must be non-negative; otherwise the C `strtoull`
/// rules apply: leading whitespace, an optional sign, decimal digits, no
/// trailing bytes, no overflow; a `-` sign negates modulo 2^64, so `" -1"`
/// is `u64::MAX` while `"-1"` is rejected.
pub fn parse_u64(text: &[u8]) -> Option<u64> {
    let text = text
        .iter()
        .position(|&b| b == 0)
        .map_or(text, |nul| text.get(..nul).unwrap_or(text));
    if let Some(value) = parse_i64_strict(text) {
        return u64::try_from(value).ok();
    }
    let start = text
        .iter()
        .position(|&b| !is_c_space(b))
        .unwrap_or(text.len());
    let rest = text.get(start..)?;
    let (negative, digits) = match rest.split_first() {
        Some((b'-', tail)) => (true, tail),
        Some((b'+', tail)) => (false, tail),
        _ => (false, rest),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for &byte in digits {
        if !byte.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(byte - b'0'))?;
    }
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// Parses `text` as Redis `string2d` / `getDoubleFromObject`.
///
/// Accepts exactly what C `strtod` consumes in full (decimal with optional
/// fraction and exponent, `inf`/`infinity`, hex floats such as `0x1.8p3`),
/// except: empty text, leading whitespace, NaN, and finite texts whose value
/// overflows to infinity or underflows all the way to zero.  Subnormal
/// results are kept.  `-0` yields negative zero.
pub fn parse_f64_strict(text: &[u8]) -> Option<f64> {
    // Most scores are short integers; their value is exact in an f64 (below 2^53), so the
    // general decimal conversion is not needed.
    small_integer(text).or_else(|| parse_f64_general(text))
}

/// An optionally signed integer of at most 15 digits, as an exact f64 (`-0` is negative zero).
fn small_integer(text: &[u8]) -> Option<f64> {
    const MAX_EXACT_DIGITS: usize = 15;
    let (negative, digits) = match text.split_first()? {
        (b'-', rest) => (true, rest),
        (b'+', rest) => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > MAX_EXACT_DIGITS {
        return None;
    }
    let mut value: u64 = 0;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u64::from(digit - b'0');
    }
    let magnitude = value as f64;
    Some(if negative { -magnitude } else { magnitude })
}

fn parse_f64_general(text: &[u8]) -> Option<f64> {
    let bits = match scan_c_float(text)? {
        CFloat::Infinity { negative } => {
            let infinity = if negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
            return Some(infinity);
        }
        CFloat::Decimal(decimal) => to_binary(&decimal, false, &F64_FORMAT)?,
        CFloat::Hex(hex) => to_binary(&hex, true, &F64_FORMAT)?,
    };
    u64::try_from(bits).ok().map(f64::from_bits)
}

#[cfg(test)]
#[path = "number_tests.rs"]
mod tests;
