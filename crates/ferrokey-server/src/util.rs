//! Small text helpers the server shares between command families.

/// Case-insensitive ASCII comparison of an argument with an option name.
pub fn eq_ic(arg: &[u8], name: &str) -> bool {
    arg.eq_ignore_ascii_case(name.as_bytes())
}
