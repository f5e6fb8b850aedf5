//! The request parser: turns the bytes a client sends into commands, exactly as Valkey 8.1 does.
//!
//! # How the server uses it
//!
//! A connection owns one `RequestParser` and one input buffer (`Vec<u8>`). After each socket
//! read appends to the buffer, the server calls `parse(&buf)` until it returns `Ok(None)`:
//!
//! ```
//! use ferrokey_resp::{RequestParser, ReplyBuf, Protocol};
//! let mut parser = RequestParser::default();
//! let mut buf = b"*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nPING\r\n*1\r\n$4\r\nPI".to_vec();
//! let mut reply = ReplyBuf::new(Protocol::Resp2);
//! let mut names = Vec::new();
//! loop {
//!     match parser.parse(&buf) {
//!         Ok(Some(request)) => names.push(request.name().to_vec()), // run the command here
//!         Ok(None) => break, // wait for more bytes
//!         Err(error) => {
//!             error.write_reply(&mut reply); // then close the connection once it is written
//!             break;
//!         }
//!     }
//! }
//! parser.compact(&mut buf); // drop the bytes of every request already returned
//! assert_eq!(names, [b"ECHO".to_vec(), b"PING".to_vec()]);
//! assert_eq!(buf, b"*1\r\n$4\r\nPI");
//! ```
//!
//! A returned `Request` borrows the buffer: multibulk arguments and unquoted inline arguments
//! are slices of it, and only quoted inline arguments are decoded into the parser's small scratch
//! buffer. Nothing is copied or allocated per command once the parser's vectors have grown.
//! Many commands can run per read; the caller compacts the buffer when it likes (after the loop,
//! or only when the consumed prefix is large) with `compact`, or, for a buffer type of its own,
//! by removing the first `consumed()` bytes itself and then calling `discard`.
//!
//! # Invariants
//!
//! - The caller passes the same buffer each time, only ever appending to it, except for removing
//!   a consumed prefix reported through `discard`/`compact`. The parser remembers how far it has
//!   parsed (arguments already read, the bulk length it waits for, how far it searched for a line
//!   end), so bytes are scanned once however the request arrives: no quadratic rescans.
//! - No input panics the parser and nothing is allocated in proportion to a length the client
//!   merely claims: the argument table reserves at most 1024 entries up front.
//! - The outcome does not depend on how the bytes were split into reads: the same commands and
//!   the same error come out. Where Valkey's outcome depends on read timing (a line longer than
//!   64 KiB that arrives in one read), the parser takes the outcome of a line arriving piecemeal:
//!   a line end must be within the first `inline_max_size + 1` bytes of the line.
//! - After an error, every later `parse` returns the same error. Valkey replies
//!   `-ERR <error text>` and closes the connection once that reply is written; commands returned
//!   before the error are executed first.
//!
//! # Valkey's rules, as verified against valkey-server 8.1
//!
//! A request starting with `*` is multibulk, anything else is an inline line. `*N` with `N <= 0`
//! is skipped, as is an empty or all-blank inline line; after an all-blank line that is not
//! empty (`" \r\n"`), Valkey keeps the connection in inline mode, so the next request is read
//! as an inline line even if it starts with `*` (an empty line ends that mode). Counts and
//! lengths are strict decimals (no `+`, no leading zeros, no `-0`, no spaces). The byte after
//! the `\r` of a header line and the two bytes after a bulk payload must be `\n` / `\r\n`
//! ("invalid CRLF in request"). A header is checked only once its `\r` and one byte after it
//! have arrived, so a bad header waits for its line end before failing. An inline line ends at
//! `\n` (a preceding `\r` is dropped); a NUL byte before the `\n` means Valkey never finds the
//! line end, so the request can only end in "too big inline request" once more than 64 KiB are
//! buffered. Differences from Redis 7.0: Redis does not check the bytes after a bulk payload
//! or a header's `\r`, and resets to multibulk detection after a blank inline line.
//!
//! # Authentication and the query buffer
//!
//! `set_authenticated` (after AUTH/HELLO succeed, once the request is dropped) switches off the
//! unauthenticated limits from the next header parsed. The query buffer limit is the server's
//! to enforce, after each read: `query_buffer_over_limit(buffered bytes + MULTI-queued argument
//! bytes)` true means close the connection without a reply, as Valkey does.

mod inline;
#[cfg(test)]
mod tests;

use std::ops::Range;

use crate::reply::ReplyBuf;

/// proto-max-bulk-len's default: the longest bulk argument accepted, in bytes.
pub const DEFAULT_MAX_BULK_LEN: usize = 512 * 1024 * 1024;
/// The largest multibulk count accepted (Valkey rejects counts above INT_MAX).
pub const DEFAULT_MAX_MULTIBULK_LEN: usize = i32::MAX as usize;
/// PROTO_INLINE_MAX_SIZE: the longest inline line, multibulk count line or bulk length line.
pub const INLINE_MAX_SIZE: usize = 64 * 1024;
/// client-query-buffer-limit's default, in bytes.
pub const DEFAULT_QUERY_BUFFER_LIMIT: usize = 1024 * 1024 * 1024;
/// The query buffer limit for a client that has not authenticated yet.
pub const UNAUTHENTICATED_QUERY_BUFFER_LIMIT: usize = 1024 * 1024;
/// The largest multibulk count accepted before authentication.
pub const UNAUTHENTICATED_MAX_MULTIBULK_LEN: usize = 10;
/// The longest bulk argument accepted before authentication, in bytes.
pub const UNAUTHENTICATED_MAX_BULK_LEN: usize = 16 * 1024;
/// Argument slots reserved up front for a multibulk request, whatever count it claims.
const MAX_PREALLOCATED_ARGS: usize = 1024;

/// The limits a parser applies. The defaults are Valkey's defaults for a normal client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParserConfig {
    /// proto-max-bulk-len. A primary's replication stream is exempt in Valkey: use `usize::MAX`.
    pub max_bulk_len: usize,
    /// The largest multibulk count ("invalid multibulk length" above it).
    pub max_multibulk_len: usize,
    /// The longest inline line and the longest count/length header line, in bytes.
    pub inline_max_size: usize,
    /// client-query-buffer-limit. Enforced by the server (see `query_buffer_over_limit`).
    pub query_buffer_limit: usize,
    /// Whether the client is authenticated (or needs no authentication). When false, the much
    /// lower unauthenticated limits apply.
    pub authenticated: bool,
}

impl Default for ParserConfig {
    fn default() -> Self {
        ParserConfig {
            max_bulk_len: DEFAULT_MAX_BULK_LEN,
            max_multibulk_len: DEFAULT_MAX_MULTIBULK_LEN,
            inline_max_size: INLINE_MAX_SIZE,
            query_buffer_limit: DEFAULT_QUERY_BUFFER_LIMIT,
            authenticated: true,
        }
    }
}

/// A protocol error. `Display` gives Valkey's text without the `ERR ` code, e.g.
/// `Protocol error: invalid bulk length`; the server replies `-ERR ` + that text (see
/// `write_reply`) and closes the connection after the reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// An inline line with no end within `inline_max_size` bytes.
    TooBigInlineRequest,
    /// A multibulk count line with no `\r` within `inline_max_size` bytes.
    TooBigMultibulkCount,
    /// A malformed multibulk count or one above `max_multibulk_len`.
    InvalidMultibulkLength,
    /// A multibulk count above 10 from an unauthenticated client.
    UnauthenticatedMultibulkLength,
    /// A bulk length above 16 KiB from an unauthenticated client.
    UnauthenticatedBulkLength,
    /// A bulk length line with no `\r` within `inline_max_size` bytes.
    TooBigBulkCount,
    /// An argument header that does not start with `$`; carries the byte found.
    ExpectedDollar(u8),
    /// A malformed, negative or too large bulk length.
    InvalidBulkLength,
    /// An inline line whose quotes do not balance.
    UnbalancedQuotes,
    /// A `\r` not followed by `\n`, or a bulk payload not followed by `\r\n`.
    InvalidCrlf,
}

impl ProtocolError {
    /// The exact bytes Valkey puts after `-ERR ` (before its CR/LF-to-space sanitising). Only
    /// `ExpectedDollar` can hold a byte that is not ASCII, so prefer this over `Display`.
    pub fn message_bytes(&self) -> Vec<u8> {
        let text: &str = match self {
            ProtocolError::TooBigInlineRequest => "Protocol error: too big inline request",
            ProtocolError::TooBigMultibulkCount => "Protocol error: too big mbulk count string",
            ProtocolError::InvalidMultibulkLength => "Protocol error: invalid multibulk length",
            ProtocolError::UnauthenticatedMultibulkLength => {
                "Protocol error: unauthenticated multibulk length"
            }
            ProtocolError::UnauthenticatedBulkLength => {
                "Protocol error: unauthenticated bulk length"
            }
            ProtocolError::TooBigBulkCount => "Protocol error: too big bulk count string",
            ProtocolError::ExpectedDollar(byte) => {
                let mut text = b"Protocol error: expected '$', got '".to_vec();
                text.push(*byte);
                text.push(b'\'');
                return text;
            }
            ProtocolError::InvalidBulkLength => "Protocol error: invalid bulk length",
            ProtocolError::UnbalancedQuotes => "Protocol error: unbalanced quotes in request",
            ProtocolError::InvalidCrlf => "Protocol error: invalid CRLF in request",
        };
        text.as_bytes().to_vec()
    }

    /// Writes Valkey's reply for this error: `-ERR Protocol error: ...\r\n`, with CR and LF in
    /// the text (only possible in `ExpectedDollar`) turned into spaces as Valkey does.
    pub fn write_reply(&self, reply: &mut ReplyBuf) {
        let mut text = b"ERR ".to_vec();
        text.extend_from_slice(&self.message_bytes());
        reply.error_bytes(&text);
    }
}

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Bytes map to the chars of the same value, so the text is exact for ASCII.
        let text: String = self.message_bytes().into_iter().map(char::from).collect();
        f.write_str(&text)
    }
}

impl std::error::Error for ProtocolError {}

/// Which protocol a request arrived in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    Multibulk,
    Inline,
}

/// Where an argument's bytes are: in the caller's buffer or in the parser's scratch buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ArgSpan {
    Buf(Range<usize>),
    Scratch(Range<usize>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Between requests.
    Idle,
    /// Looking for the end of an inline line.
    Inline,
    /// An inline line holds a NUL before any `\n`: Valkey never finds its end.
    InlineStuck,
    /// Looking for the end of the `*N` line.
    MultibulkCount,
    /// Expecting a `$len` line; `remaining` arguments are still to come.
    BulkHeader { remaining: usize },
    /// Expecting `len` payload bytes and CRLF.
    BulkData { remaining: usize, len: usize },
}

/// One connection's incremental request parser. See the module docs for the calling protocol.
#[derive(Debug)]
pub struct RequestParser {
    config: ParserConfig,
    state: State,
    /// Where parsing continues: the start of the line or payload being waited for.
    pos: usize,
    /// Where the request being assembled starts; bytes before it are consumed.
    request_start: usize,
    /// How far the search for the current line's end has already looked.
    scan_from: usize,
    args: Vec<ArgSpan>,
    scratch: Vec<u8>,
    error: Option<ProtocolError>,
    /// Valkey keeps a client in inline mode after a blank but non-empty inline line (it does
    /// not reset the request type when no argument came out), so the next request is inline
    /// whatever its first byte, until a command is returned or an empty line is seen.
    inline_sticky: bool,
}

impl Default for RequestParser {
    fn default() -> Self {
        RequestParser::new(ParserConfig::default())
    }
}

/// One parsed command. Arguments are borrowed from the input buffer (or, for quoted inline
/// arguments, from the parser); a request always has at least one argument.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    buf: &'a [u8],
    scratch: &'a [u8],
    args: &'a [ArgSpan],
    kind: RequestKind,
}

impl<'a> Request<'a> {
    /// The number of arguments, the command name included.
    pub fn len(&self) -> usize {
        self.args.len()
    }

    /// Always false for a request returned by the parser.
    pub fn is_empty(&self) -> bool {
        self.args.is_empty()
    }

    /// Argument `index` (0 is the command name).
    pub fn get(&self, index: usize) -> Option<&'a [u8]> {
        self.args.get(index).map(|span| self.resolve(span))
    }

    /// The command name as sent (not case-folded); empty only for an empty first argument.
    pub fn name(&self) -> &'a [u8] {
        self.get(0).unwrap_or_default()
    }

    /// The arguments, command name first.
    pub fn iter(&self) -> Args<'a> {
        Args {
            request: *self,
            index: 0,
        }
    }

    pub fn kind(&self) -> RequestKind {
        self.kind
    }

    /// Owned copies of the arguments, for a request that must outlive the buffer (a queued
    /// MULTI command, a blocked client).
    pub fn to_vec(&self) -> Vec<Vec<u8>> {
        self.iter().map(<[u8]>::to_vec).collect()
    }

    /// The summed length of the arguments, in bytes (Valkey's `argv_len_sum`).
    pub fn args_len_sum(&self) -> usize {
        self.iter().map(<[u8]>::len).sum()
    }

    fn resolve(&self, span: &ArgSpan) -> &'a [u8] {
        // Spans always lie inside their buffer unless the caller broke the buffer contract; an
        // empty argument is then a better failure than a panic.
        match span {
            ArgSpan::Buf(range) => self.buf.get(range.clone()).unwrap_or_default(),
            ArgSpan::Scratch(range) => self.scratch.get(range.clone()).unwrap_or_default(),
        }
    }
}

/// Iterator over a request's arguments.
#[derive(Clone, Debug)]
pub struct Args<'a> {
    request: Request<'a>,
    index: usize,
}

impl<'a> Iterator for Args<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let arg = self.request.get(self.index)?;
        self.index += 1;
        Some(arg)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.request.len().saturating_sub(self.index);
        (left, Some(left))
    }
}

impl ExactSizeIterator for Args<'_> {}

impl<'a> IntoIterator for &Request<'a> {
    type Item = &'a [u8];
    type IntoIter = Args<'a>;

    fn into_iter(self) -> Args<'a> {
        self.iter()
    }
}

/// What one step of the state machine decided.
enum Step {
    /// Keep going with the new state.
    Continue,
    /// The buffer ends before the next decision.
    NeedMore,
    /// A request is complete.
    Done(RequestKind),
}

impl RequestParser {
    pub fn new(config: ParserConfig) -> Self {
        RequestParser {
            config,
            state: State::Idle,
            pos: 0,
            request_start: 0,
            scan_from: 0,
            args: Vec::new(),
            scratch: Vec::new(),
            error: None,
            inline_sticky: false,
        }
    }

    pub fn config(&self) -> &ParserConfig {
        &self.config
    }

    /// Limits may change at any time (CONFIG SET proto-max-bulk-len); they apply from the next
    /// header parsed.
    pub fn config_mut(&mut self) -> &mut ParserConfig {
        &mut self.config
    }

    /// Called when the client authenticates (AUTH/HELLO) or when authentication becomes required.
    pub fn set_authenticated(&mut self, authenticated: bool) {
        self.config.authenticated = authenticated;
    }

    /// Parses the next request from `buf`, which holds everything received and not yet removed
    /// through `discard`/`compact`. `Ok(None)` means the buffer ends inside a request (or holds
    /// none); call again once more bytes are appended.
    pub fn parse<'a>(&'a mut self, buf: &'a [u8]) -> Result<Option<Request<'a>>, ProtocolError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        if self.state == State::Idle && self.quick_multibulk(buf) {
            return Ok(Some(Request {
                buf,
                scratch: &self.scratch,
                args: &self.args,
                kind: RequestKind::Multibulk,
            }));
        }
        loop {
            match self.step(buf) {
                Ok(Step::Continue) => {}
                Ok(Step::NeedMore) => return Ok(None),
                Ok(Step::Done(kind)) => {
                    self.state = State::Idle;
                    return Ok(Some(Request {
                        buf,
                        scratch: &self.scratch,
                        args: &self.args,
                        kind,
                    }));
                }
                Err(error) => {
                    self.error = Some(error);
                    return Err(error);
                }
            }
        }
    }

    /// The usual request, a multibulk of plain headers (see `quick_header`) that `buf` holds
    /// whole from `self.pos`, parsed in one pass: true with its arguments recorded and
    /// `self.pos` past it. False, with the position unchanged, for anything else (a partial
    /// request, an inline one, a limit exceeded, an error), which the state machine then
    /// parses from the start; it is not tried again in the middle of a request, so no request
    /// is scanned more than twice.
    fn quick_multibulk(&mut self, buf: &[u8]) -> bool {
        if self.inline_sticky {
            return false;
        }
        let Some((count, cr)) = quick_header(buf, self.pos, b'*') else {
            return false;
        };
        if count <= 0 || self.check_multibulk_count(count).is_err() {
            return false;
        }
        self.args.clear();
        self.scratch.clear();
        let mut at = cr + 2;
        for _ in 0..count {
            let Some((len, cr)) = quick_header(buf, at, b'$') else {
                return false;
            };
            let Ok(len) = self.check_bulk_len(len) else {
                return false;
            };
            let start = cr + 2;
            let end = start.saturating_add(len);
            if buf.get(end..end.saturating_add(2)) != Some(b"\r\n") {
                return false;
            }
            self.args.push(ArgSpan::Buf(start..end));
            at = end + 2;
        }
        self.request_start = self.pos;
        self.scan_from = at;
        self.pos = at;
        true
    }

    /// Valkey's limits on a multibulk count: the configured maximum, and the smaller one for a
    /// client that has not authenticated. A count of zero or less is an empty request.
    fn check_multibulk_count(&self, count: i64) -> Result<(), ProtocolError> {
        if count > 0 && count as u64 > self.config.max_multibulk_len as u64 {
            return Err(ProtocolError::InvalidMultibulkLength);
        }
        if count > UNAUTHENTICATED_MAX_MULTIBULK_LEN as i64 && !self.config.authenticated {
            return Err(ProtocolError::UnauthenticatedMultibulkLength);
        }
        Ok(())
    }

    /// A bulk length within Valkey's limits (`proto-max-bulk-len`, and the smaller one before
    /// authentication), as a size.
    fn check_bulk_len(&self, len: i64) -> Result<usize, ProtocolError> {
        let len = usize::try_from(len)
            .ok()
            .filter(|&len| len <= self.config.max_bulk_len)
            .ok_or(ProtocolError::InvalidBulkLength)?;
        if len > UNAUTHENTICATED_MAX_BULK_LEN && !self.config.authenticated {
            return Err(ProtocolError::UnauthenticatedBulkLength);
        }
        Ok(len)
    }

    fn step(&mut self, buf: &[u8]) -> Result<Step, ProtocolError> {
        match self.state {
            State::Idle => {
                let Some(&first) = buf.get(self.pos) else {
                    return Ok(Step::NeedMore);
                };
                self.args.clear();
                self.scratch.clear();
                self.request_start = self.pos;
                self.scan_from = self.pos;
                self.state = if first == b'*' && !self.inline_sticky {
                    State::MultibulkCount
                } else {
                    State::Inline
                };
                Ok(Step::Continue)
            }
            State::Inline => self.step_inline(buf),
            State::InlineStuck => {
                if buf.len().saturating_sub(self.pos) > self.config.inline_max_size {
                    Err(ProtocolError::TooBigInlineRequest)
                } else {
                    Ok(Step::NeedMore)
                }
            }
            State::MultibulkCount => self.step_multibulk_count(buf),
            State::BulkHeader { remaining } => self.step_bulk_header(buf, remaining),
            State::BulkData { remaining, len } => {
                let end = self.pos.saturating_add(len);
                let Some(terminator) = buf.get(end..end.saturating_add(2)) else {
                    return Ok(Step::NeedMore);
                };
                if terminator != b"\r\n" {
                    return Err(ProtocolError::InvalidCrlf);
                }
                self.args.push(ArgSpan::Buf(self.pos..end));
                self.pos = end + 2;
                if remaining <= 1 {
                    return Ok(Step::Done(RequestKind::Multibulk));
                }
                self.state = State::BulkHeader {
                    remaining: remaining - 1,
                };
                self.scan_from = self.pos;
                Ok(Step::Continue)
            }
        }
    }

    /// The end of the search window for a line starting at `self.pos`: a line end must be
    /// within its first `inline_max_size + 1` bytes.
    fn line_window(&self, buf: &[u8]) -> usize {
        buf.len().min(
            self.pos
                .saturating_add(self.config.inline_max_size)
                .saturating_add(1),
        )
    }

    fn step_inline(&mut self, buf: &[u8]) -> Result<Step, ProtocolError> {
        let window_end = self.line_window(buf);
        let window = buf.get(self.scan_from..window_end).unwrap_or_default();
        let Some(found) = memchr::memchr2(b'\n', 0, window) else {
            self.scan_from = window_end;
            if window_end.saturating_sub(self.pos) > self.config.inline_max_size {
                return Err(ProtocolError::TooBigInlineRequest);
            }
            return Ok(Step::NeedMore);
        };
        let newline = self.scan_from + found;
        if buf.get(newline) == Some(&0) {
            self.state = State::InlineStuck;
            return Ok(Step::Continue);
        }
        let mut line = buf.get(self.pos..newline).unwrap_or_default();
        if let Some(stripped) = line.strip_suffix(b"\r") {
            line = stripped;
        }
        inline::split_args(line, self.pos, &mut self.args, &mut self.scratch)
            .map_err(|_| ProtocolError::UnbalancedQuotes)?;
        self.pos = newline + 1;
        if self.args.is_empty() {
            self.inline_sticky = !line.is_empty();
            self.state = State::Idle;
            return Ok(Step::Continue);
        }
        self.inline_sticky = false;
        Ok(Step::Done(RequestKind::Inline))
    }

    /// Finds the `\r\n`-terminated header line at `self.pos`: `Ok(Some(cr))` when the `\r` and
    /// the byte after it have arrived, `Ok(None)` to wait, `Err(too_big)` when no `\r` comes
    /// within the size limit.
    fn header_line(
        &mut self,
        buf: &[u8],
        too_big: ProtocolError,
    ) -> Result<Option<usize>, ProtocolError> {
        let window_end = self.line_window(buf);
        let window = buf.get(self.scan_from..window_end).unwrap_or_default();
        let Some(found) = memchr::memchr(b'\r', window) else {
            self.scan_from = window_end;
            if window_end.saturating_sub(self.pos) > self.config.inline_max_size {
                return Err(too_big);
            }
            return Ok(None);
        };
        let cr = self.scan_from + found;
        // Resume at the `\r` itself: it is found again at no cost once the byte after arrives.
        self.scan_from = cr;
        if cr + 1 >= buf.len() {
            return Ok(None);
        }
        Ok(Some(cr))
    }

    fn step_multibulk_count(&mut self, buf: &[u8]) -> Result<Step, ProtocolError> {
        let (count, cr) = match quick_header(buf, self.pos, b'*') {
            Some(header) => header,
            None => {
                let Some(cr) = self.header_line(buf, ProtocolError::TooBigMultibulkCount)? else {
                    return Ok(Step::NeedMore);
                };
                if buf.get(cr + 1) != Some(&b'\n') {
                    return Err(ProtocolError::InvalidCrlf);
                }
                let digits = buf.get(self.pos + 1..cr).unwrap_or_default();
                let count =
                    parse_strict_i64(digits).ok_or(ProtocolError::InvalidMultibulkLength)?;
                (count, cr)
            }
        };
        self.check_multibulk_count(count)?;
        self.pos = cr + 2;
        if count <= 0 {
            self.state = State::Idle;
            return Ok(Step::Continue);
        }
        // In range: count is positive and at most max_multibulk_len, a usize.
        let count = count as usize;
        self.args.reserve(count.min(MAX_PREALLOCATED_ARGS));
        self.state = State::BulkHeader { remaining: count };
        self.scan_from = self.pos;
        Ok(Step::Continue)
    }

    fn step_bulk_header(&mut self, buf: &[u8], remaining: usize) -> Result<Step, ProtocolError> {
        let (len, cr) = match quick_header(buf, self.pos, b'$') {
            Some(header) => header,
            None => {
                let Some(cr) = self.header_line(buf, ProtocolError::TooBigBulkCount)? else {
                    return Ok(Step::NeedMore);
                };
                let first = buf.get(self.pos).copied().unwrap_or(0);
                if first != b'$' {
                    return Err(ProtocolError::ExpectedDollar(first));
                }
                if buf.get(cr + 1) != Some(&b'\n') {
                    return Err(ProtocolError::InvalidCrlf);
                }
                let digits = buf.get(self.pos + 1..cr).unwrap_or_default();
                (
                    parse_strict_i64(digits).ok_or(ProtocolError::InvalidBulkLength)?,
                    cr,
                )
            }
        };
        let len = self.check_bulk_len(len)?;
        self.pos = cr + 2;
        self.state = State::BulkData { remaining, len };
        Ok(Step::Continue)
    }

    /// How many leading bytes of the buffer belong to requests already returned (or skipped):
    /// the caller may remove them. Bytes of a partially received request are not included.
    pub fn consumed(&self) -> usize {
        match self.state {
            State::Idle => self.pos,
            _ => self.request_start,
        }
    }

    /// Tells the parser that the caller removed the first `n` bytes of its buffer; `n` is
    /// clamped to `consumed()`.
    pub fn discard(&mut self, n: usize) {
        let n = n.min(self.consumed());
        if n == 0 {
            return;
        }
        self.pos -= n;
        self.request_start = self.request_start.saturating_sub(n);
        self.scan_from = self.scan_from.saturating_sub(n);
        if self.state == State::Idle {
            // The last request's spans point at bytes that are gone; it was dropped anyway.
            self.args.clear();
        } else {
            for span in &mut self.args {
                if let ArgSpan::Buf(range) = span {
                    *range = range.start - n..range.end - n;
                }
            }
        }
    }

    /// Removes the consumed prefix from `buf` (see `consumed`) and adjusts the parser to match.
    pub fn compact(&mut self, buf: &mut Vec<u8>) {
        let n = self.consumed().min(buf.len());
        if n == buf.len() {
            buf.clear();
        } else {
            buf.drain(..n);
        }
        self.discard(n);
    }

    /// Whether part of a request has been received but not the whole of it.
    pub fn is_mid_request(&self) -> bool {
        self.state != State::Idle
    }

    /// While a bulk argument's payload is arriving: how many more bytes (CRLF included) must be
    /// appended to a buffer of `buf_len` bytes to complete it. The server may use it to size
    /// its reads for large arguments; the length was already checked against the limits.
    pub fn bulk_bytes_missing(&self, buf_len: usize) -> Option<usize> {
        match self.state {
            State::BulkData { len, .. } => Some(
                self.pos
                    .saturating_add(len)
                    .saturating_add(2)
                    .saturating_sub(buf_len),
            ),
            _ => None,
        }
    }

    /// The error the parser stopped at, if any.
    pub fn error(&self) -> Option<ProtocolError> {
        self.error
    }

    /// Whether `query_bytes` buffered by a client (its input buffer plus any MULTI-queued
    /// arguments) exceed the query buffer limit; Valkey then closes the connection without a
    /// reply. Unauthenticated clients are held to 1 MiB.
    pub fn query_buffer_over_limit(&self, query_bytes: usize) -> bool {
        query_bytes > self.config.query_buffer_limit
            || (!self.config.authenticated && query_bytes > UNAUTHENTICATED_QUERY_BUFFER_LIMIT)
    }

    /// Forgets all state (for a connection object that is reused); the buffer must be emptied.
    pub fn reset(&mut self) {
        let config = self.config.clone();
        *self = RequestParser::new(config);
    }
}

/// Most digits `quick_header` reads: any such number fits an i64.
const QUICK_HEADER_MAX_DIGITS: usize = 18;

/// The common header line, `<marker><digits>\r\n` complete in `buf` at `at`, read in one pass:
/// its number and the position of its `\r`. Only the plain form (no sign, no leading zero, at
/// most `QUICK_HEADER_MAX_DIGITS` digits) is taken, which `parse_strict_i64` reads alike;
/// anything else (`None`) goes the general way, with its limits and errors.
#[inline]
fn quick_header(buf: &[u8], at: usize, marker: u8) -> Option<(i64, usize)> {
    let line = buf.get(at..)?;
    if line.first() != Some(&marker) {
        return None;
    }
    let digits = line.get(1..)?;
    let mut value: i64 = 0;
    let mut count = 0;
    for &byte in digits.iter().take(QUICK_HEADER_MAX_DIGITS) {
        if !byte.is_ascii_digit() {
            break;
        }
        value = value * 10 + i64::from(byte - b'0');
        count += 1;
    }
    let leading_zero = count > 1 && digits.first() == Some(&b'0');
    if count == 0 || leading_zero || digits.get(count..count + 2) != Some(b"\r\n") {
        return None;
    }
    Some((value, at + 1 + count))
}

/// Valkey's `string2ll`: an optional `-` then digits without leading zeros (`0` alone is fine,
/// `-0`, `+1`, `01`, spaces and the empty string are not), within i64.
fn parse_strict_i64(text: &[u8]) -> Option<i64> {
    if text == b"0" {
        return Some(0);
    }
    let (negative, digits) = match text.strip_prefix(b"-") {
        Some(digits) => (true, digits),
        None => (false, text),
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
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}
