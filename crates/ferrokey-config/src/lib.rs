//! ferrokey-config (in progress).
