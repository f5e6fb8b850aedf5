//! Unit tests for `long_double`.
use super::*;
