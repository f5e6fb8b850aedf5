//! ferrokey-resp: the RESP2/RESP3 wire protocol, independent of the server.
//!
//! - `request` parses what clients send (multibulk and inline commands) incrementally and
//!   without copying, with Valkey 8.1's limits and exact protocol error texts.
//! - `reply` encodes replies into a connection's output buffer in the negotiated protocol.
//! - `value` finds frame boundaries in a reply stream (`frame_len`) and parses replies into a
//!   `Value` tree (`parse_value`), for relaying, tests and fuzzing.
//! - `number` formats doubles exactly as Valkey does in replies.

pub mod number;
pub mod reply;
pub mod request;
pub mod value;

pub use number::format_double;
pub use reply::{fmt_i64, push_bulk, push_header, Deferred, Protocol, ReplyBuf};
pub use request::{Args, ParserConfig, ProtocolError, Request, RequestKind, RequestParser};
pub use value::{frame_len, parse_value, FrameError, Value, MAX_VALUE_DEPTH};
