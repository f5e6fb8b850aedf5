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
//! The `strtod`/`strtold` grammar lives here too ([`scan_c_float`]) so that
//! the long double parser in `long_double` accepts exactly the same texts.
//! Decimal texts are converted by Rust's correctly rounded parser, which
//! agrees with glibc's correctly rounded `strtod` on every input.

use rustc_apfloat::ieee::Double;
use rustc_apfloat::{Float, Round};

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
        value = value
            .checked_mul(10)?
            .checked_add(u64::from(byte - b'0'))?;
    }
    Some(if negative { value.wrapping_neg() } else { value })
}

/// Parses `text` as Redis `string2d` / `getDoubleFromObject`.
///
/// Accepts exactly what C `strtod` consumes in full (decimal with optional
/// fraction and exponent, `inf`/`infinity`, hex floats such as `0x1.8p3`),
/// except: empty text, leading whitespace, NaN, and finite texts whose value
/// overflows to infinity or underflows all the way to zero.  Subnormal
/// results are kept.  `-0` yields negative zero.
pub fn parse_f64_strict(text: &[u8]) -> Option<f64> {
    match scan_c_float(text)? {
        CFloat::Infinity { negative } => Some(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }),
        CFloat::Decimal(decimal) => decimal_to_f64(&decimal),
        CFloat::Hex(hex) => hex_to_f64(&hex),
    }
}

/// C `isspace` in the C locale.
pub(crate) fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// A text that C `strtod`/`strtold` consumes entirely and that is not NaN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CFloat<'a> {
    Infinity { negative: bool },
    Decimal(Mantissa<'a>),
    Hex(Mantissa<'a>),
}

/// Digits of a decimal or hex float, normalised: the value is
/// `0.DIGITS × radix_base^exponent`, where the base is 10 for decimal and
/// the exponent counts binary digits (powers of 2) for hex.  `digits` has no
/// leading or trailing zeros and is empty exactly when the value is zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mantissa<'a> {
    pub negative: bool,
    /// Significant digits in order, possibly interrupted by one `.` that
    /// callers skip.
    pub digits: &'a [u8],
    /// Decimal exponent (decimal floats) or binary exponent (hex floats) of
    /// the value written as `0.DIGITS`.
    pub exponent: i64,
}

impl Mantissa<'_> {
    /// The significant digits without the decimal point, as ASCII.
    pub(crate) fn digit_string(&self) -> String {
        self.digits
            .iter()
            .filter(|b| **b != b'.')
            .map(|&b| char::from(b))
            .collect()
    }
}

/// Recognises the texts C `strtod` consumes in full with a non-NaN result:
/// `[+-]` then `inf`, `infinity` (any case), a decimal
/// `(D+[.D*]|.D+)([eE][+-]?D+)?` or a hex `0[xX](H+[.H*]|.H+)([pP][+-]?D+)?`.
/// Anything else (including leading whitespace, which the server rejects
/// even though `strtod` skips it) yields `None`.
pub(crate) fn scan_c_float(text: &[u8]) -> Option<CFloat<'_>> {
    let (negative, body) = match text.split_first()? {
        (b'-', rest) => (true, rest),
        (b'+', rest) => (false, rest),
        _ => (false, text),
    };
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        return Some(CFloat::Infinity { negative });
    }
    let hex_body = match body {
        [b'0', b'x' | b'X', rest @ ..] => Some(rest),
        _ => None,
    };
    match hex_body {
        Some(rest) => scan_mantissa(rest, negative, 16).map(CFloat::Hex),
        None => scan_mantissa(body, negative, 10).map(CFloat::Decimal),
    }
}

/// Scans `digits[.digits][exp]` in `radix` (10 or 16) and normalises it.
fn scan_mantissa(text: &[u8], negative: bool, radix: u32) -> Option<Mantissa<'_>> {
    let is_digit = |b: u8| char::from(b).is_digit(radix);
    let int_len = text.iter().take_while(|b| is_digit(**b)).count();
    let (frac_len, after_point) = match text.get(int_len) {
        Some(b'.') => {
            let frac_len = text
                .get(int_len + 1..)?
                .iter()
                .take_while(|b| is_digit(**b))
                .count();
            (frac_len, int_len + 1 + frac_len)
        }
        _ => (0, int_len),
    };
    if int_len + frac_len == 0 {
        return None;
    }
    let exponent_marker: &[u8] = if radix == 16 { b"pP" } else { b"eE" };
    let written_exponent = match text.get(after_point) {
        None => 0,
        Some(marker) if exponent_marker.contains(marker) => {
            parse_exponent(text.get(after_point + 1..)?)?
        }
        Some(_) => return None,
    };
    let number = text.get(..after_point)?;
    // Trim zeros that carry no value, tracking where the point was.
    let first = number.iter().position(|b| *b != b'0' && *b != b'.');
    let Some(first) = first else {
        return Some(Mantissa {
            negative,
            digits: &[],
            exponent: 0,
        });
    };
    let last = number
        .iter()
        .rposition(|b| *b != b'0' && *b != b'.')
        .unwrap_or(first);
    // Digits of the value that sit before the point, counted from `first`.
    let point_at = int_len;
    let leading_int_digits = if first < point_at {
        (point_at - first) as i64
    } else {
        // Zeros between the point and the first significant digit.
        -((first - point_at - 1) as i64)
    };
    let scale: i64 = if radix == 16 { 4 } else { 1 };
    let exponent = leading_int_digits
        .saturating_mul(scale)
        .saturating_add(written_exponent);
    Some(Mantissa {
        negative,
        digits: number.get(first..=last)?,
        exponent,
    })
}

/// Parses `[+-]?D+` as an exponent, saturating far beyond any finite range.
fn parse_exponent(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first()? {
        (b'-', rest) => (true, rest),
        (b'+', rest) => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let magnitude = digits.iter().fold(0i64, |acc, d| {
        acc.saturating_mul(10)
            .saturating_add(i64::from(d - b'0'))
            .min(1 << 40)
    });
    Some(if negative { -magnitude } else { magnitude })
}

/// Where a normalised mantissa lands relative to a format's range.
pub(crate) enum Magnitude {
    /// Zero, or a non-zero value that rounds to zero (rejected by the server).
    Zero { underflow: bool },
    /// Certainly beyond the largest finite value.
    Overflow,
    /// Needs real conversion; the exponent is small enough to format.
    InRange,
}

/// Classifies `mantissa` given the exponents (in the mantissa's own base)
/// at or above which the value certainly overflows and at or below which it
/// certainly rounds to zero.
pub(crate) fn classify(mantissa: &Mantissa<'_>, overflow_at: i64, zero_at: i64) -> Magnitude {
    if mantissa.digits.is_empty() {
        Magnitude::Zero { underflow: false }
    } else if mantissa.exponent >= overflow_at {
        Magnitude::Overflow
    } else if mantissa.exponent <= zero_at {
        Magnitude::Zero { underflow: true }
    } else {
        Magnitude::InRange
    }
}

fn decimal_to_f64(decimal: &Mantissa<'_>) -> Option<f64> {
    // 0.D × 10^E lies in [10^(E-1), 10^E): above f64::MAX (1.8e308) once
    // E >= 310, below half the smallest subnormal (2.5e-324) once E <= -324.
    match classify(decimal, 310, -324) {
        Magnitude::Zero { underflow: true } | Magnitude::Overflow => None,
        Magnitude::Zero { underflow: false } => Some(signed_zero(decimal.negative)),
        Magnitude::InRange => {
            let text = format!("0.{}e{}", decimal.digit_string(), decimal.exponent);
            let magnitude: f64 = text.parse().ok()?;
            finite_nonzero(magnitude, decimal.negative)
        }
    }
}

fn hex_to_f64(hex: &Mantissa<'_>) -> Option<f64> {
    // 0.H × 2^P lies in [2^(P-4), 2^P): overflows once P >= 1028, rounds to
    // zero once 2^P <= 2^-1075 (half the smallest subnormal).
    match classify(hex, 1028, -1075) {
        Magnitude::Zero { underflow: true } | Magnitude::Overflow => None,
        Magnitude::Zero { underflow: false } => Some(signed_zero(hex.negative)),
        Magnitude::InRange => {
            let text = hex_apfloat_text(hex);
            let parsed = Double::from_str_r(&text, Round::NearestTiesToEven).ok()?;
            let bits = u64::try_from(parsed.value.to_bits()).ok()?;
            finite_nonzero(f64::from_bits(bits), hex.negative)
        }
    }
}

/// Renders a hex mantissa for `rustc_apfloat` as `0x<int>p<exp>`.  Digits
/// past the first 40 (160 bits, far more than any format keeps) are
/// replaced by one sticky non-zero digit, which rounds identically.
pub(crate) fn hex_apfloat_text(hex: &Mantissa<'_>) -> String {
    const KEPT_DIGITS: usize = 40;
    let digits = hex.digit_string();
    let kept = match digits.get(..KEPT_DIGITS) {
        Some(kept) if digits.len() > KEPT_DIGITS => kept.to_string() + "1",
        _ => digits,
    };
    let binary_exponent = hex.exponent - 4 * kept.len() as i64;
    format!("0x{kept}p{binary_exponent}")
}

fn signed_zero(negative: bool) -> f64 {
    if negative {
        -0.0
    } else {
        0.0
    }
}

/// Applies the sign, rejecting results that overflowed or underflowed to
/// zero during rounding (glibc reports those as ERANGE).
fn finite_nonzero(magnitude: f64, negative: bool) -> Option<f64> {
    if magnitude.is_infinite() || magnitude == 0.0 || magnitude.is_nan() {
        return None;
    }
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
#[path = "number_tests.rs"]
mod tests;
