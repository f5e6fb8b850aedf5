//! Reply encoding: values are written straight into a connection's output buffer.
//!
//! A `ReplyBuf` knows the protocol the connection negotiated (RESP2 or RESP3) and gives every
//! reply kind one method. Where RESP2 has no native type (maps, sets, doubles, booleans, nulls,
//! verbatim strings, pushes, attributes), the method writes RESP2's conventional shape, so command
//! code never branches on the protocol itself. No method allocates beyond growing the buffer.

use crate::number::format_double;

/// The protocol a connection speaks, chosen with `HELLO`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Protocol {
    #[default]
    Resp2,
    Resp3,
}

/// A position in the buffer reserved for an aggregate header whose length is not yet known.
#[derive(Debug)]
#[must_use = "a deferred header must be completed with finish_deferred"]
pub struct Deferred {
    pos: usize,
    kind: u8,
}

/// The output buffer of one connection.
#[derive(Debug, Default)]
pub struct ReplyBuf {
    buf: Vec<u8>,
    protocol: Protocol,
}

impl ReplyBuf {
    pub fn new(protocol: Protocol) -> Self {
        ReplyBuf {
            buf: Vec::with_capacity(16 * 1024),
            protocol,
        }
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    pub fn set_protocol(&mut self, protocol: Protocol) {
        self.protocol = protocol;
    }

    pub fn is_resp3(&self) -> bool {
        self.protocol == Protocol::Resp3
    }

    /// The encoded bytes waiting to be written to the socket.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Drops everything written after `len` (used to undo a partially written reply).
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    /// Removes the first `n` bytes, after they were written to the socket.
    pub fn consume(&mut self, n: usize) {
        if n >= self.buf.len() {
            self.buf.clear();
        } else {
            self.buf.drain(..n);
        }
    }

    /// Releases memory after a large reply, keeping a modest buffer for the next ones.
    pub fn shrink_if_idle(&mut self, keep_bytes: usize) {
        if self.buf.is_empty() && self.buf.capacity() > keep_bytes {
            self.buf = Vec::with_capacity(keep_bytes);
        }
    }

    /// Appends bytes that are already valid RESP (a cached reply, a forwarded frame).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    fn header(&mut self, prefix: u8, n: i64) {
        push_header(&mut self.buf, prefix, n);
    }

    /// `+OK`-style status line. The text must not contain CR or LF.
    pub fn simple(&mut self, text: &str) {
        self.buf.push(b'+');
        self.buf.extend_from_slice(text.as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A status line from bytes; CR and LF are replaced by spaces as Redis does.
    pub fn simple_bytes(&mut self, text: &[u8]) {
        self.buf.push(b'+');
        self.line_sanitized(text);
    }

    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    /// An error reply. `text` carries its own code ("ERR ...", "WRONGTYPE ..."); a text without
    /// one gets nothing added, the caller decides. CR/LF are replaced by spaces.
    pub fn error(&mut self, text: &str) {
        self.buf.push(b'-');
        self.line_sanitized(text.as_bytes());
    }

    /// An error reply from bytes (an error text may quote client bytes that are not UTF-8).
    /// Like `error`, the text carries its own code and CR/LF are replaced by spaces.
    pub fn error_bytes(&mut self, text: &[u8]) {
        self.buf.push(b'-');
        self.line_sanitized(text);
    }

    fn line_sanitized(&mut self, text: &[u8]) {
        for &b in text {
            self.buf
                .push(if b == b'\r' || b == b'\n' { b' ' } else { b });
        }
        self.buf.extend_from_slice(b"\r\n");
    }

    pub fn int(&mut self, n: i64) {
        self.header(b':', n);
    }

    pub fn bulk(&mut self, data: &[u8]) {
        // Header, data and CRLF in one growth at most.
        self.buf.reserve(data.len() + 24);
        push_bulk(&mut self.buf, data);
    }

    /// A bulk string holding the decimal form of an integer (no intermediate String).
    pub fn bulk_int(&mut self, n: i64) {
        let mut tmp = itoa_buf();
        let digits = fmt_i64(&mut tmp, n);
        self.header(b'$', digits.len() as i64);
        self.buf.extend_from_slice(digits);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// The null of a missing value: `$-1` in RESP2, `_` in RESP3.
    pub fn null(&mut self) {
        match self.protocol {
            Protocol::Resp2 => self.buf.extend_from_slice(b"$-1\r\n"),
            Protocol::Resp3 => self.buf.extend_from_slice(b"_\r\n"),
        }
    }

    /// The null of a missing aggregate: `*-1` in RESP2, `_` in RESP3.
    pub fn null_array(&mut self) {
        match self.protocol {
            Protocol::Resp2 => self.buf.extend_from_slice(b"*-1\r\n"),
            Protocol::Resp3 => self.buf.extend_from_slice(b"_\r\n"),
        }
    }

    pub fn array(&mut self, len: usize) {
        self.header(b'*', len as i64);
    }

    /// A map of `pairs` entries: `%` in RESP3, a flat array of 2×pairs in RESP2.
    pub fn map(&mut self, pairs: usize) {
        match self.protocol {
            Protocol::Resp2 => self.header(b'*', 2 * pairs as i64),
            Protocol::Resp3 => self.header(b'%', pairs as i64),
        }
    }

    /// A set: `~` in RESP3, an array in RESP2.
    pub fn set(&mut self, len: usize) {
        match self.protocol {
            Protocol::Resp2 => self.header(b'*', len as i64),
            Protocol::Resp3 => self.header(b'~', len as i64),
        }
    }

    /// An out-of-band push frame: `>` in RESP3, an array in RESP2 (pub/sub messages).
    pub fn push(&mut self, len: usize) {
        match self.protocol {
            Protocol::Resp2 => self.header(b'*', len as i64),
            Protocol::Resp3 => self.header(b'>', len as i64),
        }
    }

    /// An attribute map preceding a reply. RESP2 has no attributes, so nothing is written there
    /// and the caller must skip the attribute's entries as well; returns whether to write them.
    pub fn attribute(&mut self, pairs: usize) -> bool {
        match self.protocol {
            Protocol::Resp2 => false,
            Protocol::Resp3 => {
                self.header(b'|', pairs as i64);
                true
            }
        }
    }

    /// A double: `,` in RESP3, a bulk string in RESP2, formatted as Valkey formats doubles.
    pub fn double(&mut self, value: f64) {
        let mut tmp = [0u8; 32];
        let text = format_double(value, &mut tmp);
        match self.protocol {
            Protocol::Resp2 => self.bulk(text),
            Protocol::Resp3 => {
                self.buf.push(b',');
                self.buf.extend_from_slice(text);
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    /// A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2.
    pub fn boolean(&mut self, value: bool) {
        match (self.protocol, value) {
            (Protocol::Resp2, true) => self.buf.extend_from_slice(b":1\r\n"),
            (Protocol::Resp2, false) => self.buf.extend_from_slice(b":0\r\n"),
            (Protocol::Resp3, true) => self.buf.extend_from_slice(b"#t\r\n"),
            (Protocol::Resp3, false) => self.buf.extend_from_slice(b"#f\r\n"),
        }
    }

    /// A verbatim string with a three-letter format (`txt`, `mkd`): `=` in RESP3, bulk in RESP2.
    pub fn verbatim(&mut self, format: &[u8; 3], text: &[u8]) {
        match self.protocol {
            Protocol::Resp2 => self.bulk(text),
            Protocol::Resp3 => {
                self.header(b'=', text.len() as i64 + 4);
                self.buf.extend_from_slice(format);
                self.buf.push(b':');
                self.buf.extend_from_slice(text);
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    /// A big number given as decimal digits: `(` in RESP3, a bulk string in RESP2.
    pub fn big_number(&mut self, digits: &[u8]) {
        match self.protocol {
            Protocol::Resp2 => self.bulk(digits),
            Protocol::Resp3 => {
                self.buf.push(b'(');
                self.buf.extend_from_slice(digits);
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    /// A RESP3 blob error (`!`); RESP2 gets a plain error line.
    pub fn blob_error(&mut self, text: &[u8]) {
        match self.protocol {
            Protocol::Resp2 => {
                self.buf.push(b'-');
                self.line_sanitized(text);
            }
            Protocol::Resp3 => {
                self.header(b'!', text.len() as i64);
                self.buf.extend_from_slice(text);
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    /// Starts an array whose length is known only after its elements are written.
    pub fn deferred_array(&mut self) -> Deferred {
        Deferred {
            pos: self.buf.len(),
            kind: b'*',
        }
    }

    /// Starts a map whose number of pairs is known only after they are written.
    pub fn deferred_map(&mut self) -> Deferred {
        let kind = if self.is_resp3() { b'%' } else { b'*' };
        Deferred {
            pos: self.buf.len(),
            kind,
        }
    }

    /// Starts a set whose length is known only after its elements are written.
    pub fn deferred_set(&mut self) -> Deferred {
        let kind = if self.is_resp3() { b'~' } else { b'*' };
        Deferred {
            pos: self.buf.len(),
            kind,
        }
    }

    /// Completes a deferred header with the number of elements (pairs, for maps) written.
    pub fn finish_deferred(&mut self, deferred: Deferred, count: usize) {
        let mut header = [0u8; 24];
        header[0] = deferred.kind;
        let mut tmp = itoa_buf();
        let digits = fmt_i64(&mut tmp, count as i64);
        header[1..1 + digits.len()].copy_from_slice(digits);
        let end = 1 + digits.len();
        header[end] = b'\r';
        header[end + 1] = b'\n';
        let pos = deferred.pos.min(self.buf.len());
        self.buf.splice(pos..pos, header[..end + 2].iter().copied());
    }

    /// Completes a deferred map given the number of pairs written (doubles it for RESP2).
    pub fn finish_deferred_map(&mut self, deferred: Deferred, pairs: usize) {
        let count = if deferred.kind == b'*' {
            pairs * 2
        } else {
            pairs
        };
        self.finish_deferred(deferred, count);
    }
}

fn itoa_buf() -> [u8; 20] {
    [0u8; 20]
}

/// Appends a RESP header line: `prefix`, the decimal `n`, CRLF (`$5\r\n`, `*3\r\n`, `:-1\r\n`).
#[inline]
pub fn push_header(buf: &mut Vec<u8>, prefix: u8, n: i64) {
    // Most lengths and counts have one or two digits: one copy, no division loop.
    match n {
        0..=9 => buf.extend_from_slice(&[prefix, b'0' + n as u8, b'\r', b'\n']),
        10..=99 => buf.extend_from_slice(&[
            prefix,
            b'0' + (n / 10) as u8,
            b'0' + (n % 10) as u8,
            b'\r',
            b'\n',
        ]),
        _ => {
            buf.push(prefix);
            let mut tmp = itoa_buf();
            buf.extend_from_slice(fmt_i64(&mut tmp, n));
            buf.extend_from_slice(b"\r\n");
        }
    }
}

/// Appends a RESP bulk string: its `$` header, `data`, CRLF.
#[inline]
pub fn push_bulk(buf: &mut Vec<u8>, data: &[u8]) {
    push_header(buf, b'$', data.len() as i64);
    buf.extend_from_slice(data);
    buf.extend_from_slice(b"\r\n");
}

/// Formats an integer into `tmp`, returning the digits.
pub fn fmt_i64(tmp: &mut [u8; 20], n: i64) -> &[u8] {
    let negative = n < 0;
    let mut value = n.unsigned_abs();
    let mut pos = tmp.len();
    loop {
        pos -= 1;
        tmp[pos] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    if negative {
        // i64::MIN has 19 digits, so a 20-byte buffer always leaves room for the sign.
        pos -= 1;
        tmp[pos] = b'-';
    }
    &tmp[pos..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_follow_protocol() {
        let mut r2 = ReplyBuf::new(Protocol::Resp2);
        r2.map(2);
        r2.null();
        r2.boolean(true);
        r2.double(1.5);
        assert_eq!(r2.as_bytes(), b"*4\r\n$-1\r\n:1\r\n$3\r\n1.5\r\n");
        let mut r3 = ReplyBuf::new(Protocol::Resp3);
        r3.map(2);
        r3.null();
        r3.boolean(true);
        r3.double(1.5);
        assert_eq!(r3.as_bytes(), b"%2\r\n_\r\n#t\r\n,1.5\r\n");
    }

    #[test]
    fn deferred_headers_are_inserted() {
        let mut r = ReplyBuf::new(Protocol::Resp2);
        r.bulk(b"x");
        let d = r.deferred_array();
        r.int(1);
        r.int(-2);
        r.finish_deferred(d, 2);
        assert_eq!(r.as_bytes(), b"$1\r\nx\r\n*2\r\n:1\r\n:-2\r\n");
        let mut r = ReplyBuf::new(Protocol::Resp2);
        let d = r.deferred_map();
        r.int(1);
        r.int(2);
        r.finish_deferred_map(d, 1);
        assert_eq!(r.as_bytes(), b"*2\r\n:1\r\n:2\r\n");
    }

    #[test]
    fn integers_format_at_the_extremes() {
        let mut tmp = [0u8; 20];
        assert_eq!(fmt_i64(&mut tmp, i64::MIN), b"-9223372036854775808");
        assert_eq!(fmt_i64(&mut tmp, 0), b"0");
        assert_eq!(fmt_i64(&mut tmp, i64::MAX), b"9223372036854775807");
    }
}
