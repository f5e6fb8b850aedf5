//! Sorted-set range arguments: score intervals (`(1.5`, `-inf`, `+inf`), lex intervals (`[a`,
//! `(a`, `-`, `+`) and rank ranges, parsed with Valkey's rules and exact error texts.

use std::ops::Range;

use ferrokey_util::number::parse_f64_strict;

/// A score interval as ZRANGEBYSCORE/ZCOUNT take it: each end inclusive or exclusive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    pub min: f64,
    pub min_exclusive: bool,
    pub max: f64,
    pub max_exclusive: bool,
}

/// One end of a lex interval: `-`, `+`, `[member` or `(member`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LexBound {
    NegInfinity,
    PosInfinity,
    Inclusive(Vec<u8>),
    Exclusive(Vec<u8>),
}

/// A lex interval as ZRANGEBYLEX/ZLEXCOUNT take it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexRange {
    pub min: LexBound,
    pub max: LexBound,
}

/// A malformed range argument; [`RangeParseError::message`] is the exact server error text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeParseError {
    NotAFloat,
    NotAStringRangeItem,
}

impl RangeParseError {
    pub fn message(self) -> &'static str {
        match self {
            RangeParseError::NotAFloat => "ERR min or max is not a float",
            RangeParseError::NotAStringRangeItem => "ERR min or max not valid string range item",
        }
    }
}

impl std::fmt::Display for RangeParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for RangeParseError {}

/// Parses a score as the server's range parser does, with C `strtod` and a check that the
/// parse reached the C string's end: the text is cut at its first NUL, an empty text is 0,
/// leading whitespace is skipped, overflow gives ±inf and underflow 0 (all verified on Valkey
/// 8.1: `ZCOUNT k "" 5`, `" 1"`, `1e999`, `1e-999` are accepted). NaN is rejected.
fn parse_range_float(text: &[u8]) -> Option<f64> {
    let c_string = text.split(|&byte| byte == 0).next().unwrap_or_default();
    if c_string.is_empty() {
        return Some(0.0);
    }
    let start = c_string
        .iter()
        .position(|byte| !matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))?;
    let trimmed = c_string.get(start..)?;
    if let Some(value) = parse_f64_strict(trimmed) {
        return Some(value);
    }
    // parse_f64_strict rejects decimal texts that overflow or underflow, which strtod accepts
    // (with ERANGE, ignored by the server). Rust's parser agrees with strtod on those values.
    let plain_decimal = trimmed
        .iter()
        .all(|byte| byte.is_ascii_digit() || matches!(byte, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !plain_decimal {
        return None;
    }
    let value: f64 = std::str::from_utf8(trimmed).ok()?.parse().ok()?;
    (value.is_infinite() || value == 0.0).then_some(value)
}

/// Parses one score bound: `(x` is exclusive, anything else inclusive.
pub fn parse_score_bound(text: &[u8]) -> Result<(f64, bool), RangeParseError> {
    let (exclusive, number) = match text.split_first() {
        Some((b'(', rest)) => (true, rest),
        _ => (false, text),
    };
    parse_range_float(number)
        .map(|value| (value, exclusive))
        .ok_or(RangeParseError::NotAFloat)
}

/// Parses one lex bound. Like the server, `+`/`-` must be the whole C string.
pub fn parse_lex_bound(text: &[u8]) -> Result<LexBound, RangeParseError> {
    let ends_c_string = |rest: &[u8]| matches!(rest.first(), None | Some(0));
    match text.split_first() {
        Some((b'+', rest)) if ends_c_string(rest) => Ok(LexBound::PosInfinity),
        Some((b'-', rest)) if ends_c_string(rest) => Ok(LexBound::NegInfinity),
        Some((b'[', rest)) => Ok(LexBound::Inclusive(rest.to_vec())),
        Some((b'(', rest)) => Ok(LexBound::Exclusive(rest.to_vec())),
        _ => Err(RangeParseError::NotAStringRangeItem),
    }
}

impl ScoreRange {
    /// Parses ZRANGEBYSCORE-style `min max` arguments.
    pub fn parse(min: &[u8], max: &[u8]) -> Result<ScoreRange, RangeParseError> {
        let (min, min_exclusive) = parse_score_bound(min)?;
        let (max, max_exclusive) = parse_score_bound(max)?;
        Ok(ScoreRange {
            min,
            min_exclusive,
            max,
            max_exclusive,
        })
    }

    /// `[-inf, +inf]`.
    pub fn all() -> ScoreRange {
        ScoreRange {
            min: f64::NEG_INFINITY,
            min_exclusive: false,
            max: f64::INFINITY,
            max_exclusive: false,
        }
    }

    /// True if `score` lies inside the interval.
    pub fn contains(&self, score: f64) -> bool {
        !self.is_below_min(score) && self.is_at_most_max(score)
    }

    pub(crate) fn is_below_min(&self, score: f64) -> bool {
        if self.min_exclusive {
            score <= self.min
        } else {
            score < self.min
        }
    }

    pub(crate) fn is_at_most_max(&self, score: f64) -> bool {
        if self.max_exclusive {
            score < self.max
        } else {
            score <= self.max
        }
    }
}

impl LexRange {
    /// Parses ZRANGEBYLEX-style `min max` arguments.
    pub fn parse(min: &[u8], max: &[u8]) -> Result<LexRange, RangeParseError> {
        Ok(LexRange {
            min: parse_lex_bound(min)?,
            max: parse_lex_bound(max)?,
        })
    }

    /// True if `member` lies inside the interval.
    pub fn contains(&self, member: &[u8]) -> bool {
        !self.is_below_min(member) && self.is_at_most_max(member)
    }

    pub(crate) fn is_below_min(&self, member: &[u8]) -> bool {
        match &self.min {
            LexBound::NegInfinity => false,
            LexBound::PosInfinity => true,
            LexBound::Inclusive(bound) => member < bound.as_slice(),
            LexBound::Exclusive(bound) => member <= bound.as_slice(),
        }
    }

    pub(crate) fn is_at_most_max(&self, member: &[u8]) -> bool {
        match &self.max {
            LexBound::NegInfinity => false,
            LexBound::PosInfinity => true,
            LexBound::Inclusive(bound) => member <= bound.as_slice(),
            LexBound::Exclusive(bound) => member < bound.as_slice(),
        }
    }
}

/// Resolves ZRANGE-style `start stop` indices (negative counts from the end, both inclusive)
/// to a position span of a set of `len` elements, as the server does; `None` when empty.
pub fn normalize_rank_range(start: i64, stop: i64, len: usize) -> Option<Range<usize>> {
    let len_signed = i64::try_from(len).ok()?;
    let start = if start < 0 { start + len_signed } else { start }.max(0);
    let stop = if stop < 0 { stop + len_signed } else { stop };
    if start > stop || start >= len_signed {
        return None;
    }
    let stop = stop.min(len_signed - 1);
    Some(usize::try_from(start).ok()?..usize::try_from(stop).ok()? + 1)
}

// ---------------------------------------------------------------------------------------------
// Skiplist
// ---------------------------------------------------------------------------------------------
