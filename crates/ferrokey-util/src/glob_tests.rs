//! Unit tests for `glob`: a deliberately naive reference matcher written from
//! the server's semantics (exponential, used only on short inputs), fixed
//! cases checked against Valkey 8.1, and the pathological-pattern timing.

use super::*;
use proptest::prelude::*;
use std::time::{Duration, Instant};

/// Naive recursive matcher that walks the raw pattern the way the server's
/// `stringmatchlen` does, evaluating classes against the current byte instead
/// of precompiling them.  `depth` counts nested stars like the server does.
fn reference(pattern: &[u8], text: &[u8], nocase: bool, depth: usize) -> bool {
    if depth > MAX_STAR_NESTING {
        return false;
    }
    let at = |i: usize| pattern.get(i).copied().unwrap_or(0);
    let lower = |b: u8| b.to_ascii_lowercase();
    let (mut p, mut s) = (0usize, 0usize);
    while p < pattern.len() && s < text.len() {
        let c = text[s];
        match pattern[p] {
            b'*' => {
                while at(p + 1) == b'*' {
                    p += 1;
                }
                if p + 1 == pattern.len() {
                    return true;
                }
                return (s..text.len())
                    .any(|start| reference(&pattern[p + 1..], &text[start..], nocase, depth + 1));
            }
            b'?' => {}
            b'[' => {
                p += 1;
                let negate = at(p) == b'^';
                if negate {
                    p += 1;
                }
                let mut hit = false;
                loop {
                    let rest = pattern.len() - p;
                    if at(p) == b'\\' && rest >= 2 {
                        p += 1;
                        hit |= at(p) == c;
                    } else if at(p) == b']' {
                        break;
                    } else if rest == 0 {
                        p -= 1;
                        break;
                    } else if rest >= 3 && at(p + 1) == b'-' {
                        let mut lo = i32::from(at(p) as i8);
                        let mut hi = i32::from(at(p + 2) as i8);
                        let mut ch = i32::from(c as i8);
                        if lo > hi {
                            std::mem::swap(&mut lo, &mut hi);
                        }
                        if nocase {
                            lo = lower_c_int(lo);
                            hi = lower_c_int(hi);
                            ch = lower_c_int(ch);
                        }
                        p += 2;
                        hit |= lo <= ch && ch <= hi;
                    } else if nocase {
                        hit |= lower(at(p)) == lower(c);
                    } else {
                        hit |= at(p) == c;
                    }
                    p += 1;
                }
                if hit == negate {
                    return false;
                }
            }
            b'\\' if pattern.len() - p >= 2 => {
                p += 1;
                let ok = if nocase {
                    lower(at(p)) == lower(c)
                } else {
                    at(p) == c
                };
                if !ok {
                    return false;
                }
            }
            other => {
                let ok = if nocase {
                    lower(other) == lower(c)
                } else {
                    other == c
                };
                if !ok {
                    return false;
                }
            }
        }
        p += 1;
        s += 1;
        if s == text.len() {
            while at(p) == b'*' && p < pattern.len() {
                p += 1;
            }
            break;
        }
    }
    p == pattern.len() && s == text.len()
}

fn pattern_byte() -> impl Strategy<Value = u8> {
    prop::sample::select(b"ab*?[]^-\\Az\x00\x80\xff*[]\\".to_vec())
}

fn text_byte() -> impl Strategy<Value = u8> {
    prop::sample::select(b"abAZz-]^\\*?[\x00\x80\xff\x7f".to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn agrees_with_reference_on_special_heavy_inputs(
        pattern in prop::collection::vec(pattern_byte(), 0..12),
        text in prop::collection::vec(text_byte(), 0..10),
        nocase in any::<bool>(),
    ) {
        prop_assert_eq!(
            glob_match(&pattern, &text, nocase),
            reference(&pattern, &text, nocase, 0)
        );
    }

    #[test]
    fn agrees_with_reference_on_arbitrary_bytes(
        pattern in prop::collection::vec(any::<u8>(), 0..10),
        text in prop::collection::vec(any::<u8>(), 0..8),
        nocase in any::<bool>(),
    ) {
        prop_assert_eq!(
            glob_match(&pattern, &text, nocase),
            reference(&pattern, &text, nocase, 0)
        );
    }

    #[test]
    fn star_prefix_and_suffix_find_any_substring(
        text in prop::collection::vec(b'a'..=b'c', 1..20),
        start in 0usize..20,
        len in 0usize..20,
    ) {
        let start = start.min(text.len());
        let end = (start + len).min(text.len());
        let mut pattern = b"*".to_vec();
        pattern.extend_from_slice(&text[start..end]);
        pattern.push(b'*');
        prop_assert!(glob_match(&pattern, &text, false));
    }
}

/// Cases whose answers were read from Valkey 8.1 (`KEYS`, and
/// `COMMAND LIST FILTERBY PATTERN` for nocase).
#[test]
fn server_checked_edge_cases() {
    let cases: &[(&[u8], &[u8], bool, bool)] = &[
        // `KEYS *` lists the key "" only through the server's special case
        // for the literal pattern `*`; `**` shows the matcher's own answer.
        (b"*", b"", false, false),
        (b"**", b"", false, false),
        (b"", b"", false, true),
        (b"", b"a", false, false),
        (b"[", b"[", false, false),
        (b"[^", b"x", false, true),
        (b"[abc", b"b", false, true),
        (b"[abc", b"bc", false, false),
        (b"[a-", b"-", false, true),
        (b"[a-]", b"]", false, true),
        (b"[a-]", b"b", false, false),
        (b"[a-]", b"^", false, true),
        (b"[z-a]", b"m", false, true),
        (b"[]]", b"]", false, false),
        (b"[\\]]", b"]", false, true),
        (b"a\\", b"a\\", false, true),
        (b"\\*", b"*", false, true),
        (b"\\*", b"a", false, false),
        (b"[\x00-\xff]", b"a", false, false),
        (b"[\x00-\xff]", b"\xff", false, true),
        (b"[A-z]et", b"get", true, true),
        (b"[a-Z]et", b"get", true, false),
        (b"[Z-a]et", b"get", true, false),
        (b"g[\\E]t", b"get", true, false),
        (b"G[E]T", b"get", true, true),
    ];
    for (pattern, text, nocase, expected) in cases {
        assert_eq!(
            glob_match(pattern, text, *nocase),
            *expected,
            "pattern {:?} text {:?} nocase {nocase}",
            String::from_utf8_lossy(pattern),
            String::from_utf8_lossy(text),
        );
    }
}

/// Valkey 8.1: `KEYS` with `"*a" x 1000` finds the key `"a" x 1001`, with
/// `"*a" x 1001` it finds nothing (the nesting guard), and a 1001st star that
/// ends the pattern still matches.
#[test]
fn star_nesting_guard_matches_server() {
    let text = vec![b'a'; 1001];
    assert!(glob_match(&b"*a".repeat(999), &text, false));
    assert!(glob_match(&b"*a".repeat(1000), &text, false));
    assert!(!glob_match(&b"*a".repeat(1001), &text, false));
    let mut trailing = b"*a".repeat(1000);
    trailing.push(b'*');
    assert!(glob_match(&trailing, &text, false));
    assert!(!glob_match(&b"*a".repeat(1001), &vec![b'a'; 2000], false));
}

#[test]
fn pathological_patterns_finish_quickly() {
    let text = vec![b'a'; 100_000];
    let pattern = b"a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
    let started = Instant::now();
    assert!(!glob_match(pattern, &text, false));
    assert!(!glob_match(
        &b"*a"
            .repeat(900)
            .iter()
            .chain(b"*b")
            .copied()
            .collect::<Vec<u8>>(),
        &text[..5000],
        false
    ));
    let mut nearly = text.clone();
    nearly.push(b'b');
    assert!(glob_match(pattern, &nearly, false));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn compiled_pattern_is_reusable() {
    let compiled = GlobPattern::new(b"user:[0-9]*", false);
    assert!(compiled.matches(b"user:1"));
    assert!(compiled.matches(b"user:42:name"));
    assert!(!compiled.matches(b"user:x"));
    assert!(!compiled.matches(b""));
}
