//! Unit tests for `number`.
use super::*;
