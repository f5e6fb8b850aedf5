//! ferrokey-util: text algorithms whose results must match Redis's byte for byte.
//!
//! - [`glob`]: `stringmatchlen` glob matching (KEYS, SCAN MATCH, PSUBSCRIBE, ...).
//! - [`number`]: `string2ll` / `string2ull` / `string2d` number parsing.
//! - [`long_double`]: INCRBYFLOAT's x87 `long double` parse, add and format.
//! - [`lcs`]: the LCS command's table, string and IDX match ranges.

mod c_float;
mod exact_decimal;
pub mod glob;
pub mod lcs;
pub mod long_double;
pub mod number;
pub mod repr;
