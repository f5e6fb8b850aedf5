//! C `strtod`/`strtold` as glibc implements them, for the server's float
//! parsers (`string2d` and `string2ld`).
//!
//! Two halves:
//! - [`scan_c_float`] recognises exactly the texts `strtod` consumes in full
//!   with a non-NaN result (decimal, C99 hex floats, `inf`/`infinity`).
//! - [`to_binary`] converts the digits to f64 or x87 80-bit bits.  The exact
//!   value is first truncated to 72 significant bits plus an "inexact" flag
//!   for everything below, which is all the information rounding to at most
//!   64 bits needs.  (Hex digits are bits already; decimal goes through
//!   `rustc_apfloat`'s correctly rounded parser plus an exact comparison
//!   where its rounding direction matters, because its directed rounding
//!   modes are not reliable for decimal input.)  Normal results are then
//!   rounded to nearest, ties to even, which is what glibc does.
//!
//! Subnormal results deliberately copy two glibc quirks (checked against
//! the server).  When glibc shifts a result into the subnormal range it
//! forgets the bit just below the full-precision significand, so that bit
//! never counts towards rounding up: `0x1.00000000000018p-1023` is 3/4 of
//! the way from one subnormal double to the next, yet glibc (and so
//! Valkey's `ZADD`) rounds it down as if it were a tie.  And glibc stops
//! reading decimal digits past a fixed depth, counting the rest as a
//! non-zero tail even where the exact tail was that forgotten bit
//! ([`glibc_drops_digits`]).

use crate::exact_decimal::ExactDecimal;
use rustc_apfloat::ieee::{IeeeFloat, Semantics};
use rustc_apfloat::{Float, Round};
use std::cmp::Ordering;

/// A wide scratch format: 72 significant bits and binary exponents up to
/// about ±131000, far beyond any text that reaches it (`to_binary`'s range
/// check), so rounding into it never overflows or goes subnormal.  (Wider
/// exponents would overflow `rustc_apfloat`'s i32 range estimates.)
struct ProbeSemantics;

impl Semantics for ProbeSemantics {
    const BITS: usize = 90;
    const EXP_BITS: usize = 18;
}

type Probe = IeeeFloat<ProbeSemantics>;

/// Significant bits kept by the probe.
const PROBE_BITS: u32 = 72;

/// A binary target format as C's `<float.h>` describes it.
pub(crate) struct BinaryFormat {
    /// `*_MANT_DIG`: significand bits including the leading one.
    pub mant_dig: u32,
    /// `*_MIN_EXP`: 2^(MIN_EXP-1) is the smallest normal value.
    pub min_exp: i64,
    /// `*_MAX_EXP`: 2^MAX_EXP overflows.
    pub max_exp: i64,
    /// Whether the leading significand bit is stored (x87) or implied (IEEE).
    pub explicit_integer_bit: bool,
    /// Width of the encoding; the sign is its top bit.
    pub total_bits: u32,
}

/// IEEE binary64 (`double`).
pub(crate) const F64_FORMAT: BinaryFormat = BinaryFormat {
    mant_dig: 53,
    min_exp: -1021,
    max_exp: 1024,
    explicit_integer_bit: false,
    total_bits: 64,
};

/// x87 80-bit extended (`long double` on x86-64).
pub(crate) const X87_FORMAT: BinaryFormat = BinaryFormat {
    mant_dig: 64,
    min_exp: -16381,
    max_exp: 16384,
    explicit_integer_bit: true,
    total_bits: 80,
};

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

/// Digits of a decimal or hex float, normalised so the value is
/// `0.DIGITS × 10^exponent` (decimal) or `0.DIGITS(hex) × 2^exponent` (hex).
/// `digits` has no leading or trailing zeros (it may contain the one `.`,
/// which is skipped) and is empty exactly when the value is zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mantissa<'a> {
    pub negative: bool,
    pub digits: &'a [u8],
    pub exponent: i64,
}

/// Significant decimal digits worth keeping: every value whose rounding
/// could matter (a multiple of 2^-16513 with at most 66 significant bits,
/// i.e. below x87 subnormals' quarter ulp) has fewer significant digits,
/// so a longer text rounds exactly like its first `KEPT_DECIMAL_DIGITS`
/// digits followed by one non-zero digit.  Only f64 texts (no length limit
/// in `string2d`) ever get that long.
const KEPT_DECIMAL_DIGITS: usize = 12_000;

impl Mantissa<'_> {
    /// The significant digits without the point, as ASCII text, cut to
    /// `limit` digits plus a sticky `1` when longer (the last digit is never
    /// zero, so a cut always drops a non-zero tail).
    fn digit_string(&self, limit: usize) -> String {
        let mut digits: String = self
            .digits
            .iter()
            .filter(|b| **b != b'.')
            .take(limit)
            .map(|&b| char::from(b))
            .collect();
        if digits.len() == limit && self.digit_count() > limit {
            digits.push('1');
        }
        digits
    }

    fn digit_count(&self) -> usize {
        self.digits.iter().filter(|b| **b != b'.').count()
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
    match body {
        [b'0', b'x' | b'X', rest @ ..] => scan_mantissa(rest, negative, 16).map(CFloat::Hex),
        _ => scan_mantissa(body, negative, 10).map(CFloat::Decimal),
    }
}

/// Scans `digits[.digits][exponent]` in `radix` (10 or 16) and normalises it.
fn scan_mantissa(text: &[u8], negative: bool, radix: u32) -> Option<Mantissa<'_>> {
    let is_digit = |b: u8| char::from(b).is_digit(radix);
    let int_len = text.iter().take_while(|b| is_digit(**b)).count();
    let (frac_len, number_len) = match text.get(int_len) {
        Some(b'.') => {
            let tail = text.get(int_len + 1..).unwrap_or_default();
            let frac_len = tail.iter().take_while(|b| is_digit(**b)).count();
            (frac_len, int_len + 1 + frac_len)
        }
        _ => (0, int_len),
    };
    if int_len + frac_len == 0 {
        return None;
    }
    let marker: &[u8] = if radix == 16 { b"pP" } else { b"eE" };
    let written_exponent = match text.get(number_len) {
        None => 0,
        Some(m) if marker.contains(m) => parse_exponent(text.get(number_len + 1..)?)?,
        Some(_) => return None,
    };
    let number = text.get(..number_len)?;
    let significant = |b: &u8| *b != b'0' && *b != b'.';
    let Some(first) = number.iter().position(significant) else {
        return Some(Mantissa {
            negative,
            digits: &[],
            exponent: 0,
        });
    };
    let last = number.iter().rposition(significant).unwrap_or(first);
    // Digits before the point, counted from the first significant one;
    // negative when zeros follow the point first.
    let leading_digits = if first < int_len {
        (int_len - first) as i64
    } else {
        -((first - int_len - 1) as i64)
    };
    let digit_weight: i64 = if radix == 16 { 4 } else { 1 };
    Some(Mantissa {
        negative,
        digits: number.get(first..=last)?,
        exponent: leading_digits
            .saturating_mul(digit_weight)
            .saturating_add(written_exponent),
    })
}

/// Parses `[+-]?D+`, saturating far beyond any finite range.
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

/// Converts a scanned mantissa (decimal when `hex` is false) to the bits
/// of `format`, as glibc would; `None` when the value overflows to infinity
/// or rounds to zero although non-zero (glibc's ERANGE cases, which the
/// server rejects).
pub(crate) fn to_binary(mantissa: &Mantissa<'_>, hex: bool, format: &BinaryFormat) -> Option<u128> {
    let sign = u128::from(mantissa.negative) << (format.total_bits - 1);
    if mantissa.digits.is_empty() {
        return Some(sign);
    }
    // Cheap range checks keep absurd exponents away from the probe.  The
    // value lies in [base^(E-1), base^E) with base 10, or [2^(E-4), 2^E).
    let (low_log2, high_log2) = if hex {
        (mantissa.exponent.saturating_sub(4), mantissa.exponent)
    } else {
        // log2(10) is between 3.32 and 3.33; pick the factor that keeps
        // each bound on its safe side for either sign.
        let scale = |power: i64, up: bool| {
            let factor = if (power >= 0) == up { 333 } else { 332 };
            power.saturating_mul(factor) / 100 + if up { 1 } else { -1 }
        };
        (
            scale(mantissa.exponent.saturating_sub(1), false),
            scale(mantissa.exponent, true),
        )
    };
    if low_log2 > format.max_exp + 1 || high_log2 < format.min_exp - i64::from(format.mant_dig) - 2
    {
        return None;
    }
    let (exponent, probe_bits, inexact) = probe(mantissa, hex)?;
    let digits_dropped = !hex && glibc_drops_digits(mantissa, format);
    let magnitude = round_to_format(exponent, probe_bits, inexact, digits_dropped, format)?;
    Some(sign | magnitude)
}

/// Truncates the exact value to `PROBE_BITS` bits: returns the binary
/// exponent `e` (value in [2^e, 2^(e+1))), the truncated significand with
/// its top bit at `PROBE_BITS - 1`, and whether anything was cut off.
fn probe(mantissa: &Mantissa<'_>, hex: bool) -> Option<(i64, u128, bool)> {
    if hex {
        Some(probe_hex(mantissa))
    } else {
        probe_decimal(mantissa)
    }
}

/// Hex digits map straight onto bits, so truncation is exact bookkeeping.
fn probe_hex(mantissa: &Mantissa<'_>) -> (i64, u128, bool) {
    // 19 hex digits = 76 bits, enough for 72 after up to 3 leading zeros.
    const WINDOW_DIGITS: usize = 19;
    let mut window: u128 = 0;
    let mut sticky = false;
    let digits = mantissa.digits.iter().filter(|b| **b != b'.');
    for (index, digit) in digits.enumerate() {
        let value = char::from(*digit).to_digit(16).unwrap_or(0);
        if index < WINDOW_DIGITS {
            window = window << 4 | u128::from(value);
        } else {
            sticky |= value != 0;
        }
    }
    let used = mantissa
        .digits
        .iter()
        .filter(|b| **b != b'.')
        .count()
        .min(WINDOW_DIGITS);
    window <<= 4 * (WINDOW_DIGITS - used) as u32;
    // The first digit is non-zero, so the top bit is within the first 4.
    let leading_zeros = window.leading_zeros() - (128 - 4 * WINDOW_DIGITS as u32);
    let excess = 4 * WINDOW_DIGITS as u32 - leading_zeros - PROBE_BITS;
    sticky |= window & ((1u128 << excess) - 1) != 0;
    let exponent = mantissa.exponent - 1 - i64::from(leading_zeros);
    (exponent, window >> excess, sticky)
}

/// Decimal conversion is hard, so `rustc_apfloat` rounds to nearest at
/// `PROBE_BITS`; when the rounded value sits on a boundary that matters for
/// the final rounding, an exact decimal comparison tells whether the text
/// was exactly that value or on which side of it.
fn probe_decimal(mantissa: &Mantissa<'_>) -> Option<(i64, u128, bool)> {
    let digits = mantissa.digit_string(KEPT_DECIMAL_DIGITS);
    let text = format!("0.{digits}e{}", mantissa.exponent);
    let parsed = Probe::from_str_r(&text, Round::NearestTiesToEven).ok()?;
    let value = parsed.value;
    if value.is_zero() || !value.is_finite() {
        return None;
    }
    let exponent = value.ilogb();
    let rounded = value
        .scalbn(PROBE_BITS as i32 - 1 - exponent)
        .to_u128(128)
        .value;
    // The parser's value is correctly rounded but its inexact flag is not
    // reliable, so exactness is decided here.  When any of the bits below
    // the widest format's round bit (x87: 64 significand bits, then the
    // round bit) is set, neither exactness nor the rounding direction can
    // change the final result; otherwise an exact comparison decides both.
    const DIRECTION_MATTERS_MASK: u128 = (1 << (PROBE_BITS - 65)) - 1;
    if rounded & DIRECTION_MATTERS_MASK != 0 {
        return Some((i64::from(exponent), rounded, true));
    }
    let exact = ExactDecimal::new(rounded, exponent - (PROBE_BITS as i32 - 1));
    match exact.compare(digits.as_bytes(), mantissa.exponent) {
        Ordering::Equal => Some((i64::from(exponent), rounded, false)),
        Ordering::Less => Some((i64::from(exponent), rounded, true)),
        Ordering::Greater => {
            // The text lies just below the rounded value: step back one unit.
            let truncated = rounded - 1;
            if truncated >> (PROBE_BITS - 1) == 1 {
                Some((i64::from(exponent), truncated, true))
            } else {
                // Stepping back crossed a power of two.
                Some((i64::from(exponent) - 1, truncated << 1 | 1, true))
            }
        }
    }
}

/// Whether glibc stops reading the decimal digits of a value below 1
/// early.  It reads fraction digits only down to 1/4 ulp of the smallest
/// subnormal (`MANT_DIG - MIN_EXP + 2` places after the point, fewer for
/// larger values) and treats the rest as a non-zero tail.  That is exact
/// for normal results, but it changes subnormal ones, since glibc also
/// drops the bit just below the full-precision significand (see
/// `round_to_format`).  Only reachable for f64: long double texts are too
/// short.
fn glibc_drops_digits(mantissa: &Mantissa<'_>, format: &BinaryFormat) -> bool {
    if mantissa.exponent > 0 {
        return false;
    }
    let mant_dig = i64::from(format.mant_dig);
    // glibc's lower bound on -log2 of the value, from 10^3 < 2^10.
    let neg_exp_2 = (1 - mantissa.exponent).saturating_mul(10) / 3 + 1;
    let needed_places = (neg_exp_2 + mant_dig).min(mant_dig - format.min_exp + 2);
    let needed_digits = needed_places + mantissa.exponent;
    mantissa.digit_count() as i64 > needed_digits
}

/// Rounds a probed value into `format` (magnitude bits only), reproducing
/// glibc including its subnormal quirk.
fn round_to_format(
    exponent: i64,
    probe_bits: u128,
    inexact: bool,
    digits_dropped: bool,
    format: &BinaryFormat,
) -> Option<u128> {
    let precision = format.mant_dig;
    let dropped = PROBE_BITS - precision;
    // The full-precision significand, the bit below it, and the rest.
    let full = probe_bits >> dropped;
    let round_bit = probe_bits >> (dropped - 1) & 1 == 1;
    let below_round = probe_bits & ((1u128 << (dropped - 1)) - 1) != 0 || inexact;
    let smallest_normal_exponent = format.min_exp - 1;
    if exponent >= smallest_normal_exponent {
        let mut significand = full;
        let mut exponent = exponent;
        if round_bit && (below_round || significand & 1 == 1) {
            significand += 1;
            if significand >> precision == 1 {
                significand >>= 1;
                exponent += 1;
            }
        }
        if exponent >= format.max_exp {
            return None;
        }
        let biased = (exponent - smallest_normal_exponent + 1) as u128;
        return Some(encode(format, biased, significand));
    }
    if exponent < smallest_normal_exponent - i64::from(precision) {
        return None;
    }
    // glibc shifts the significand right into the subnormal position and
    // rounds using the bits shifted out plus the tail *below* the old round
    // bit; the old round bit itself is lost.  Digits glibc never read count
    // as a non-zero tail.
    let shift = (smallest_normal_exponent - exponent) as u32;
    let half = full >> (shift - 1) & 1 == 1;
    let more = full & ((1u128 << (shift - 1)) - 1) != 0 || below_round || digits_dropped;
    let mut significand = full >> shift;
    if half && (more || significand & 1 == 1) {
        significand += 1;
    }
    if significand == 0 {
        return None;
    }
    // A carry into the leading bit makes it the smallest normal number.
    let biased = u128::from(significand >> (precision - 1) == 1);
    Some(encode(format, biased, significand))
}

/// Packs a biased exponent and a significand whose leading bit (if set) is
/// at `mant_dig - 1`.
fn encode(format: &BinaryFormat, biased_exponent: u128, significand: u128) -> u128 {
    let fraction_bits = if format.explicit_integer_bit {
        format.mant_dig
    } else {
        format.mant_dig - 1
    };
    let stored = significand & ((1u128 << fraction_bits) - 1);
    biased_exponent << fraction_bits | stored
}
