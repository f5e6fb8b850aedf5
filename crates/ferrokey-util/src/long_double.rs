//! The server's `long double` arithmetic for INCRBYFLOAT and HINCRBYFLOAT.
//!
//! Valkey on x86-64 parses both operands with `strtold` into the x87 80-bit
//! extended format (64-bit significand), adds them in that format, and
//! stores the sum formatted with `%.17Lf` minus trailing zeros
//! (`ld2string(..., LD_STR_HUMAN)`).  Doing the same in f64 gives different
//! text (e.g. `10.5 + 0.1`), so this module reproduces each step exactly and
//! portably: `c_float` for glibc-identical `strtold`, `rustc_apfloat`'s x87
//! type for the addition (round to nearest, ties to even, with subnormals,
//! as the FPU does), and `exact_decimal` for glibc-identical printing.
//!
//! Accepted texts are those of `string2ld`: shorter than 5120 bytes, the
//! `strtold` grammar consumed in full (decimal, hex float, `inf`/`infinity`),
//! no leading whitespace, and not NaN; finite texts that overflow to
//! infinity or underflow to zero are rejected.

use crate::c_float::{scan_c_float, to_binary, CFloat, X87_FORMAT};
use crate::exact_decimal::{strip_fraction_zeros, ExactDecimal};
use rustc_apfloat::ieee::{Double, X87DoubleExtended};
use rustc_apfloat::{Float, FloatConvert, Round};

/// `MAX_LONG_DOUBLE_CHARS`: `string2ld` rejects texts this long or longer.
pub const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

/// Significant digits after the point in the server's human format.
const HUMAN_FRACTION_DIGITS: usize = 17;

/// Significant digits of the server's `%.17Lg` format.
const AUTO_SIGNIFICANT_DIGITS: usize = 17;

/// Exponent bias of the x87 extended format.
const X87_EXPONENT_BIAS: i32 = 16383;

/// An x87 80-bit extended-precision value, the server's `long double`.
///
/// Equality is bitwise (so `0` and `-0` differ).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongDouble {
    /// The 80-bit encoding: sign, 15-bit exponent, explicit 64-bit significand.
    bits: u128,
}

/// Why `incr_by_float` refused to produce a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncrFloatError {
    /// The stored value is not a valid long double text.
    InvalidCurrent,
    /// The increment is not a valid long double text.
    InvalidIncrement,
    /// The sum is NaN or infinite ("increment would produce NaN or Infinity").
    NotFinite,
}

impl LongDouble {
    /// Positive zero.
    pub const ZERO: LongDouble = LongDouble { bits: 0 };

    fn from_x87(value: X87DoubleExtended) -> LongDouble {
        LongDouble {
            bits: value.to_bits(),
        }
    }

    fn to_x87(self) -> X87DoubleExtended {
        X87DoubleExtended::from_bits(self.bits)
    }

    /// Parses `text` as the server's `string2ld` does (see module docs).
    pub fn parse(text: &[u8]) -> Option<LongDouble> {
        if text.is_empty() || text.len() >= MAX_LONG_DOUBLE_CHARS {
            return None;
        }
        let bits = match scan_c_float(text)? {
            CFloat::Infinity { negative } => {
                let infinity = X87DoubleExtended::INFINITY;
                return Some(Self::from_x87(if negative { -infinity } else { infinity }));
            }
            CFloat::Decimal(decimal) => to_binary(&decimal, false, &X87_FORMAT)?,
            CFloat::Hex(hex) => to_binary(&hex, true, &X87_FORMAT)?,
        };
        Some(LongDouble { bits })
    }

    /// The exact value of `value` (every i64 fits in 64 significand bits).
    pub fn from_i64(value: i64) -> LongDouble {
        Self::from_x87(X87DoubleExtended::from_i128(i128::from(value)).value)
    }

    /// `self + rhs` rounded as the x87 FPU does; `None` when the sum is NaN
    /// or infinite, which the server reports as "increment would produce
    /// NaN or Infinity".
    pub fn checked_add(self, rhs: LongDouble) -> Option<LongDouble> {
        let sum = self
            .to_x87()
            .add_r(rhs.to_x87(), Round::NearestTiesToEven)
            .value;
        if sum.is_nan() || sum.is_infinite() {
            None
        } else {
            Some(Self::from_x87(sum))
        }
    }

    /// Whether the value is neither infinite nor NaN.
    pub fn is_finite(self) -> bool {
        let value = self.to_x87();
        !value.is_nan() && !value.is_infinite()
    }

    /// The 80-bit encoding in the low bits (bit 79 is the sign).
    pub fn to_bits(self) -> u128 {
        self.bits
    }

    /// The nearest f64 (ties to even), as a C `(double)` cast gives.
    pub fn to_f64(self) -> f64 {
        let mut loses_info = false;
        let value: Double = self.to_x87().convert(&mut loses_info).value;
        // Double's encoding is 64 bits wide, so this never falls back.
        f64::from_bits(u64::try_from(value.to_bits()).unwrap_or(0))
    }

    /// `ld2string(..., LD_STR_HUMAN)`: `%.17Lf` with trailing zeros and a
    /// bare point removed, and `-0` turned into `0`; `inf`/`-inf`/`nan` for
    /// non-finite values.  This is INCRBYFLOAT's stored and replied text.
    pub fn format_human(self) -> Vec<u8> {
        if let Some(special) = self.special_text() {
            return special.into_bytes();
        }
        let (negative, exact) = self.exact_decimal();
        let mut text = strip_fraction_zeros(exact.fixed(HUMAN_FRACTION_DIGITS));
        if negative && text != "0" {
            text.insert(0, '-');
        }
        text.into_bytes()
    }

    /// `ld2string(..., LD_STR_AUTO)`: `%.17Lg` as printed by glibc (keeps
    /// `-0`); `inf`/`-inf`/`nan` for non-finite values.
    pub fn format_auto(self) -> Vec<u8> {
        if let Some(special) = self.special_text() {
            return special.into_bytes();
        }
        let (negative, exact) = self.exact_decimal();
        let mut text = exact.general(AUTO_SIGNIFICANT_DIGITS);
        if negative {
            text.insert(0, '-');
        }
        text.into_bytes()
    }

    fn special_text(self) -> Option<String> {
        let value = self.to_x87();
        if value.is_nan() {
            Some("nan".to_string())
        } else if value.is_infinite() {
            Some(if value.is_negative() { "-inf" } else { "inf" }.to_string())
        } else {
            None
        }
    }

    /// Sign and exact decimal magnitude of a finite value.
    fn exact_decimal(self) -> (bool, ExactDecimal) {
        let negative = self.bits >> 79 & 1 == 1;
        let biased_exponent = (self.bits >> 64 & 0x7fff) as i32;
        let significand = self.bits as u64;
        // The integer bit is explicit, so the significand is read as an
        // integer scaled by 2^-63; subnormals use the minimum exponent.
        let exponent = biased_exponent.max(1) - X87_EXPONENT_BIAS - 63;
        (
            negative,
            ExactDecimal::new(u128::from(significand), exponent),
        )
    }
}

/// INCRBYFLOAT: `current` (the stored text, `None` when the key is absent
/// and counts as 0) plus `increment`, returned as the text the server
/// stores and replies with.
///
/// Errors are checked in the server's order: the stored value first, then
/// the increment, then the sum.  HINCRBYFLOAT validates the increment before
/// the stored value and has its own messages, so it should call
/// [`LongDouble::parse`], [`LongDouble::checked_add`] and
/// [`LongDouble::format_human`] itself.
pub fn incr_by_float(current: Option<&[u8]>, increment: &[u8]) -> Result<Vec<u8>, IncrFloatError> {
    let current = match current {
        Some(text) => LongDouble::parse(text).ok_or(IncrFloatError::InvalidCurrent)?,
        None => LongDouble::ZERO,
    };
    let increment = LongDouble::parse(increment).ok_or(IncrFloatError::InvalidIncrement)?;
    let sum = current
        .checked_add(increment)
        .ok_or(IncrFloatError::NotFinite)?;
    Ok(sum.format_human())
}

#[cfg(test)]
#[path = "long_double_tests.rs"]
mod tests;
