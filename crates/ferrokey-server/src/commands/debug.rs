//! DEBUG (being written).

use super::registry::Binding;

pub const COMMANDS: &[Binding] = &[];
