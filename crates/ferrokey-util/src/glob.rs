//! Glob matching with Redis's `stringmatchlen` semantics (placeholder until implemented).

/// Whether `text` matches the glob `pattern`; `nocase` folds ASCII case.
pub fn glob_match(pattern: &[u8], text: &[u8], nocase: bool) -> bool {
    let _ = nocase;
    pattern == b"*" || pattern == text
}
