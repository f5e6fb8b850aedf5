//! ferrokey-resp: the RESP2/RESP3 wire protocol, independent of the server.
//!
//! `reply` encodes replies into a connection's output buffer in the negotiated protocol.

pub mod number;
pub mod reply;

pub use number::format_double;
pub use reply::{fmt_i64, Deferred, Protocol, ReplyBuf};
