//! ferrokey-util: text algorithms whose results must match Redis's byte for byte.

pub mod glob;
