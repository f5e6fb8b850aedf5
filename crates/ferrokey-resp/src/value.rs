//! Reply-side RESP2/RESP3 framing: finding where a frame ends and parsing it into a value tree.
//!
//! This is the reading half of what `reply` writes. The server itself never parses replies;
//! `frame_len` serves code that relays or buffers whole replies (replication streams, tests that
//! split a pipelined reply stream), and `Value`/`parse_value` serve tests and fuzzing.
//!
//! Invariants: no input panics either function. `frame_len` walks the frame iteratively with a
//! count of elements still owed, so it needs no stack and no depth limit; `parse_value` recurses
//! and refuses nesting deeper than `MAX_VALUE_DEPTH`. Both apply the same per-header checks, so
//! whenever `parse_value` returns a value of `n` bytes, `frame_len` returns `Some(n)` for the same
//! input. Neither preallocates in proportion to a length the input merely claims. An attribute
//! (`|`) is not a frame of its own: it is counted together with the frame it annotates, also
//! inside aggregates, where it is not one of the aggregate's elements. RESP3 streamed strings
//! and aggregates (`$?`, `*?`) are not supported (Valkey never sends them) and are rejected as
//! invalid lengths.

use crate::number::format_double;

/// How deeply `parse_value` lets aggregates (and attributes) nest before refusing the input.
pub const MAX_VALUE_DEPTH: usize = 256;

/// Elements preallocated for an aggregate whose claimed length has not yet been seen in full.
const MAX_PREALLOCATED_ELEMENTS: usize = 1024;

/// Why a byte sequence is not a valid RESP2/RESP3 frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("unknown RESP type byte {0:#04x}")]
    UnknownType(u8),
    #[error("CR not followed by LF")]
    BadLineEnding,
    #[error("invalid length")]
    InvalidLength,
    #[error("invalid integer")]
    InvalidInteger,
    #[error("invalid double")]
    InvalidDouble,
    #[error("invalid boolean")]
    InvalidBoolean,
    #[error("null with content")]
    InvalidNull,
    #[error("invalid big number")]
    InvalidBigNumber,
    #[error("invalid verbatim string")]
    InvalidVerbatim,
    #[error("bulk payload not followed by CRLF")]
    MissingPayloadTerminator,
    #[error("aggregates nested deeper than {MAX_VALUE_DEPTH}")]
    TooDeep,
}

/// A parsed RESP2/RESP3 value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `+text`
    Simple(Vec<u8>),
    /// `-text` (the text carries its code, e.g. `ERR ...`)
    Error(Vec<u8>),
    /// `:n`
    Integer(i64),
    /// `$len` payload
    Bulk(Vec<u8>),
    /// `$-1`, RESP2's missing value
    NullBulk,
    /// `*n`
    Array(Vec<Value>),
    /// `*-1`, RESP2's missing aggregate
    NullArray,
    /// `%n`: n key/value pairs
    Map(Vec<(Value, Value)>),
    /// `~n`
    Set(Vec<Value>),
    /// `>n`: an out-of-band push
    Push(Vec<Value>),
    /// `|n` pairs followed by the value they annotate
    Attribute {
        attributes: Vec<(Value, Value)>,
        value: Box<Value>,
    },
    /// `,text`
    Double(f64),
    /// `#t` / `#f`
    Boolean(bool),
    /// `_`, RESP3's null
    Null,
    /// `=len` `fmt:text`
    Verbatim { format: [u8; 3], text: Vec<u8> },
    /// `(digits`
    BigNumber(Vec<u8>),
    /// `!len` payload
    BlobError(Vec<u8>),
}

impl Value {
    /// Appends the RESP encoding of this value to `out`. Simple strings and errors are written
    /// as they are, so they must not contain CR or LF for the result to parse back.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Value::Simple(text) => line(out, b'+', text),
            Value::Error(text) => line(out, b'-', text),
            Value::Integer(n) => line(out, b':', n.to_string().as_bytes()),
            Value::Bulk(data) => blob(out, b'$', data),
            Value::NullBulk => out.extend_from_slice(b"$-1\r\n"),
            Value::Array(items) => aggregate(out, b'*', items),
            Value::NullArray => out.extend_from_slice(b"*-1\r\n"),
            Value::Map(pairs) => pairs_with_header(out, b'%', pairs),
            Value::Set(items) => aggregate(out, b'~', items),
            Value::Push(items) => aggregate(out, b'>', items),
            Value::Attribute { attributes, value } => {
                pairs_with_header(out, b'|', attributes);
                value.encode(out);
            }
            Value::Double(d) => {
                let mut tmp = [0u8; 32];
                line(out, b',', format_double(*d, &mut tmp));
            }
            Value::Boolean(b) => out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
            Value::Null => out.extend_from_slice(b"_\r\n"),
            Value::Verbatim { format, text } => {
                line(out, b'=', (text.len() + 4).to_string().as_bytes());
                out.extend_from_slice(format);
                out.push(b':');
                out.extend_from_slice(text);
                out.extend_from_slice(b"\r\n");
            }
            Value::BigNumber(digits) => line(out, b'(', digits),
            Value::BlobError(data) => blob(out, b'!', data),
        }
    }

    /// The encoding as a fresh vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

fn line(out: &mut Vec<u8>, kind: u8, text: &[u8]) {
    out.push(kind);
    out.extend_from_slice(text);
    out.extend_from_slice(b"\r\n");
}

fn blob(out: &mut Vec<u8>, kind: u8, data: &[u8]) {
    line(out, kind, data.len().to_string().as_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

fn aggregate(out: &mut Vec<u8>, kind: u8, items: &[Value]) {
    line(out, kind, items.len().to_string().as_bytes());
    for item in items {
        item.encode(out);
    }
}

fn pairs_with_header(out: &mut Vec<u8>, kind: u8, pairs: &[(Value, Value)]) {
    line(out, kind, pairs.len().to_string().as_bytes());
    for (key, value) in pairs {
        key.encode(out);
        value.encode(out);
    }
}

/// The kinds of aggregate headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AggregateKind {
    Array,
    Map,
    Set,
    Push,
    Attribute,
}

/// One header with, for scalars, its content: the unit both scanners step over.
enum Token<'a> {
    Simple(&'a [u8]),
    Error(&'a [u8]),
    Integer(i64),
    Double(f64),
    Boolean(bool),
    Null,
    BigNumber(&'a [u8]),
    Bulk(&'a [u8]),
    BlobError(&'a [u8]),
    Verbatim([u8; 3], &'a [u8]),
    NullBulk,
    NullArray,
    Aggregate(AggregateKind, usize),
}

/// The byte length of the first complete frame in `buf`, or `None` if `buf` ends before it does.
///
/// Any reply type is accepted, including `$-1`/`*-1`; an attribute is counted together with the
/// frame that follows it.
pub fn frame_len(buf: &[u8]) -> Result<Option<usize>, FrameError> {
    // Elements still owed before the frame is complete; saturating is harmless because a
    // count that large can never be satisfied by a buffer in memory.
    let mut owed: u64 = 1;
    let mut pos = 0;
    while owed > 0 {
        let Some((token, next)) = read_token(buf, pos)? else {
            return Ok(None);
        };
        pos = next;
        match token {
            // An attribute annotates the element after its pairs and fills no slot itself.
            Token::Aggregate(AggregateKind::Attribute, pairs) => {
                owed = owed.saturating_add((pairs as u64).saturating_mul(2));
            }
            Token::Aggregate(AggregateKind::Map, pairs) => {
                owed = (owed - 1).saturating_add((pairs as u64).saturating_mul(2));
            }
            Token::Aggregate(_, len) => owed = (owed - 1).saturating_add(len as u64),
            _ => owed -= 1,
        }
    }
    Ok(Some(pos))
}

/// Parses the first complete frame in `buf`, returning the value and the bytes it spans, or
/// `None` if `buf` ends first. Nesting deeper than `MAX_VALUE_DEPTH` is an error.
pub fn parse_value(buf: &[u8]) -> Result<Option<(Value, usize)>, FrameError> {
    parse_at(buf, 0, 0)
}

fn parse_at(buf: &[u8], pos: usize, depth: usize) -> Result<Option<(Value, usize)>, FrameError> {
    let Some((token, mut pos)) = read_token(buf, pos)? else {
        return Ok(None);
    };
    let value = match token {
        Token::Simple(text) => Value::Simple(text.to_vec()),
        Token::Error(text) => Value::Error(text.to_vec()),
        Token::Integer(n) => Value::Integer(n),
        Token::Double(d) => Value::Double(d),
        Token::Boolean(b) => Value::Boolean(b),
        Token::Null => Value::Null,
        Token::BigNumber(digits) => Value::BigNumber(digits.to_vec()),
        Token::Bulk(data) => Value::Bulk(data.to_vec()),
        Token::BlobError(data) => Value::BlobError(data.to_vec()),
        Token::Verbatim(format, text) => Value::Verbatim {
            format,
            text: text.to_vec(),
        },
        Token::NullBulk => Value::NullBulk,
        Token::NullArray => Value::NullArray,
        Token::Aggregate(kind, len) => {
            if depth >= MAX_VALUE_DEPTH {
                return Err(FrameError::TooDeep);
            }
            let child_depth = depth + 1;
            match kind {
                AggregateKind::Map | AggregateKind::Attribute => {
                    let mut pairs = Vec::with_capacity(len.min(MAX_PREALLOCATED_ELEMENTS));
                    for _ in 0..len {
                        let Some((key, next)) = parse_at(buf, pos, child_depth)? else {
                            return Ok(None);
                        };
                        let Some((value, next)) = parse_at(buf, next, child_depth)? else {
                            return Ok(None);
                        };
                        pos = next;
                        pairs.push((key, value));
                    }
                    if kind == AggregateKind::Map {
                        Value::Map(pairs)
                    } else {
                        let Some((value, next)) = parse_at(buf, pos, child_depth)? else {
                            return Ok(None);
                        };
                        pos = next;
                        Value::Attribute {
                            attributes: pairs,
                            value: Box::new(value),
                        }
                    }
                }
                AggregateKind::Array | AggregateKind::Set | AggregateKind::Push => {
                    let mut items = Vec::with_capacity(len.min(MAX_PREALLOCATED_ELEMENTS));
                    for _ in 0..len {
                        let Some((item, next)) = parse_at(buf, pos, child_depth)? else {
                            return Ok(None);
                        };
                        pos = next;
                        items.push(item);
                    }
                    match kind {
                        AggregateKind::Array => Value::Array(items),
                        AggregateKind::Set => Value::Set(items),
                        _ => Value::Push(items),
                    }
                }
            }
        }
    };
    Ok(Some((value, pos)))
}

/// Reads the CRLF-terminated line starting at `pos`: its content and the position after the LF.
fn read_line(buf: &[u8], pos: usize) -> Result<Option<(&[u8], usize)>, FrameError> {
    let rest = buf.get(pos..).unwrap_or_default();
    let Some(cr) = memchr::memchr(b'\r', rest) else {
        return Ok(None);
    };
    match rest.get(cr + 1) {
        None => Ok(None),
        Some(b'\n') => Ok(Some((&rest[..cr], pos + cr + 2))),
        Some(_) => Err(FrameError::BadLineEnding),
    }
}

/// Reads one header (and a blob's payload) starting at `pos`.
fn read_token(buf: &[u8], pos: usize) -> Result<Option<(Token<'_>, usize)>, FrameError> {
    let Some(&kind) = buf.get(pos) else {
        return Ok(None);
    };
    if !b"+-:$*%~>|,#_=(!".contains(&kind) {
        return Err(FrameError::UnknownType(kind));
    }
    let Some((text, next)) = read_line(buf, pos + 1)? else {
        return Ok(None);
    };
    let token = match kind {
        b'+' => Token::Simple(text),
        b'-' => Token::Error(text),
        b':' => Token::Integer(parse_i64(text).ok_or(FrameError::InvalidInteger)?),
        b',' => Token::Double(parse_double(text).ok_or(FrameError::InvalidDouble)?),
        b'#' => match text {
            b"t" => Token::Boolean(true),
            b"f" => Token::Boolean(false),
            _ => return Err(FrameError::InvalidBoolean),
        },
        b'_' if text.is_empty() => Token::Null,
        b'_' => return Err(FrameError::InvalidNull),
        b'(' => {
            let digits = text.strip_prefix(b"-").unwrap_or(text);
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return Err(FrameError::InvalidBigNumber);
            }
            Token::BigNumber(text)
        }
        b'$' | b'=' | b'!' => {
            let len = parse_i64(text).ok_or(FrameError::InvalidLength)?;
            if len == -1 && kind == b'$' {
                return Ok(Some((Token::NullBulk, next)));
            }
            let len = usize::try_from(len).map_err(|_| FrameError::InvalidLength)?;
            let Some(end) = next.checked_add(len) else {
                return Err(FrameError::InvalidLength);
            };
            let (Some(payload), Some(terminator)) =
                (buf.get(next..end), buf.get(end..end.saturating_add(2)))
            else {
                return Ok(None);
            };
            if terminator != b"\r\n" {
                return Err(FrameError::MissingPayloadTerminator);
            }
            let token = match kind {
                b'$' => Token::Bulk(payload),
                b'!' => Token::BlobError(payload),
                _ => match (payload.get(..3), payload.get(3), payload.get(4..)) {
                    (Some(&[a, b, c]), Some(b':'), Some(text)) => Token::Verbatim([a, b, c], text),
                    _ => return Err(FrameError::InvalidVerbatim),
                },
            };
            return Ok(Some((token, end.saturating_add(2))));
        }
        _ => {
            let len = parse_i64(text).ok_or(FrameError::InvalidLength)?;
            if len == -1 && kind == b'*' {
                return Ok(Some((Token::NullArray, next)));
            }
            let len = usize::try_from(len).map_err(|_| FrameError::InvalidLength)?;
            let aggregate = match kind {
                b'*' => AggregateKind::Array,
                b'%' => AggregateKind::Map,
                b'~' => AggregateKind::Set,
                b'>' => AggregateKind::Push,
                _ => AggregateKind::Attribute,
            };
            Token::Aggregate(aggregate, len)
        }
    };
    Ok(Some((token, next)))
}

/// A strict decimal i64: an optional `-`, then digits, nothing else.
fn parse_i64(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix(b"-") {
        Some(digits) => (true, digits),
        None => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    // Accumulating negatively lets i64::MIN parse without overflow.
    let mut value: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_sub(i64::from(b - b'0'))?;
    }
    if negative {
        Some(value)
    } else {
        value.checked_neg()
    }
}

fn parse_double(text: &[u8]) -> Option<f64> {
    std::str::from_utf8(text).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample_frames() -> Vec<&'static [u8]> {
        vec![
            b"+OK\r\n",
            b"-ERR bad\r\n",
            b":-42\r\n",
            b"$3\r\nfoo\r\n",
            b"$0\r\n\r\n",
            b"$-1\r\n",
            b"*-1\r\n",
            b"*0\r\n",
            b"*2\r\n$1\r\na\r\n:1\r\n",
            b"%1\r\n+k\r\n*1\r\n_\r\n",
            b"~2\r\n#t\r\n#f\r\n",
            b">2\r\n+message\r\n$1\r\nx\r\n",
            b",1.5\r\n",
            b",inf\r\n",
            b",-inf\r\n",
            b",nan\r\n",
            b"_\r\n",
            b"=8\r\ntxt:abcd\r\n",
            b"(-123456789012345678901234567890\r\n",
            b"!5\r\nERR x\r\n",
            b"|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n",
            b"*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n",
        ]
    }

    #[test]
    fn frame_len_measures_each_type_and_waits_for_more() {
        for frame in sample_frames() {
            let mut buf = frame.to_vec();
            buf.extend_from_slice(b"+next\r\n");
            assert_eq!(
                frame_len(&buf),
                Ok(Some(frame.len())),
                "{:?}",
                String::from_utf8_lossy(frame)
            );
            for cut in 0..frame.len() {
                assert_eq!(frame_len(&frame[..cut]), Ok(None), "cut {cut} of {frame:?}");
                assert_eq!(
                    parse_value(&frame[..cut]),
                    Ok(None),
                    "cut {cut} of {frame:?}"
                );
            }
            let (value, used) = parse_value(&buf).unwrap().unwrap();
            assert_eq!(used, frame.len());
            // Re-encoding gives back an equivalent frame (nan compares unequal, so skip it).
            if frame != b",nan\r\n" {
                let again = value.to_bytes();
                assert_eq!(parse_value(&again).unwrap().unwrap().0, value);
            }
        }
    }

    #[test]
    fn attribute_counts_with_its_frame() {
        let buf = b"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.1923\r\n*1\r\n:2\r\n";
        let (value, used) = parse_value(buf).unwrap().unwrap();
        assert_eq!(used, buf.len());
        assert_eq!(
            value,
            Value::Attribute {
                attributes: vec![(
                    Value::Simple(b"key-popularity".to_vec()),
                    Value::Map(vec![(Value::Bulk(b"a".to_vec()), Value::Double(0.1923))])
                )],
                value: Box::new(Value::Array(vec![Value::Integer(2)])),
            }
        );
    }

    #[test]
    fn malformed_frames_are_rejected() {
        let cases: [(&[u8], FrameError); 14] = [
            (b"?x\r\n", FrameError::UnknownType(b'?')),
            (b"+a\rb\r\n", FrameError::BadLineEnding),
            (b":1x\r\n", FrameError::InvalidInteger),
            (b":\r\n", FrameError::InvalidInteger),
            (b":9223372036854775808\r\n", FrameError::InvalidInteger),
            (b"$-2\r\n", FrameError::InvalidLength),
            (b"$?\r\n", FrameError::InvalidLength),
            (b"%-1\r\n", FrameError::InvalidLength),
            (b"$1\r\nab\r\n", FrameError::MissingPayloadTerminator),
            (b",x\r\n", FrameError::InvalidDouble),
            (b"#x\r\n", FrameError::InvalidBoolean),
            (b"_x\r\n", FrameError::InvalidNull),
            (b"(12a\r\n", FrameError::InvalidBigNumber),
            (b"=3\r\ntxt\r\n", FrameError::InvalidVerbatim),
        ];
        for (input, error) in cases {
            assert_eq!(frame_len(input), Err(error), "{input:?}");
            assert_eq!(parse_value(input), Err(error), "{input:?}");
        }
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing() {
        let mut deep = b"*1\r\n".repeat(100_000);
        deep.extend_from_slice(b":1\r\n");
        assert_eq!(frame_len(&deep), Ok(Some(deep.len())));
        assert_eq!(parse_value(&deep), Err(FrameError::TooDeep));
        let mut ok = b"*1\r\n".repeat(MAX_VALUE_DEPTH);
        ok.extend_from_slice(b":1\r\n");
        assert_eq!(parse_value(&ok).unwrap().map(|(_, n)| n), Some(ok.len()));
        let attributes = b"|1\r\n+a\r\n".repeat(MAX_VALUE_DEPTH + 1);
        assert_eq!(parse_value(&attributes), Err(FrameError::TooDeep));
    }

    /// Reply-like byte soup: valid frames, headers and stray bytes.
    fn soup() -> impl Strategy<Value = Vec<u8>> {
        let fragment = prop_oneof![
            proptest::sample::select(sample_frames()).prop_map(<[u8]>::to_vec),
            proptest::sample::select(vec![
                &b"*2\r\n"[..],
                b"%1\r\n",
                b"|1\r\n",
                b">1\r\n",
                b"~0\r\n",
                b"$3\r\n",
                b"=5\r\n",
                b"\r\n",
                b"\r",
                b"-",
                b"1",
            ])
            .prop_map(<[u8]>::to_vec),
            proptest::collection::vec(any::<u8>(), 0..4),
        ];
        proptest::collection::vec(fragment, 0..12).prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn frame_len_agrees_with_parse_value(input in soup()) {
            let length = frame_len(&input);
            match parse_value(&input) {
                Ok(Some((value, used))) => {
                    prop_assert_eq!(length, Ok(Some(used)));
                    let encoded = value.to_bytes();
                    let (again, again_used) = parse_value(&encoded).unwrap().unwrap();
                    prop_assert_eq!(again_used, encoded.len());
                    prop_assert_eq!(again.to_bytes(), encoded);
                }
                Err(FrameError::TooDeep) => {}
                Ok(None) => prop_assert_eq!(length, Ok(None)),
                Err(error) => prop_assert_eq!(length, Err(error)),
            }
        }
    }

    #[test]
    fn claimed_lengths_do_not_allocate() {
        assert_eq!(parse_value(b"*4611686018427387903\r\n:1\r\n"), Ok(None));
        assert_eq!(frame_len(b"%9223372036854775807\r\n"), Ok(None));
        assert_eq!(parse_value(b"$9223372036854775807\r\nab"), Ok(None));
    }
}
