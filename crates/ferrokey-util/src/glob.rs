//! Glob matching with the exact results of Redis/Valkey's `stringmatchlen`.
//!
//! The server's matcher is a recursive backtracker that is exponential on
//! patterns such as `a*a*a*a*b`.  This module gets the same answers in
//! O(pattern × text) time by first compiling the pattern into tokens that
//! each consume exactly one byte (`?`, a literal, a bracket class) or any
//! run of bytes (`*`).  Because every non-star token is a single-byte
//! predicate, the classic "resume after the most recent star" backtracking is
//! complete, and only the last star ever needs to be revisited.
//!
//! Quirks of the server that are reproduced on purpose (all checked against
//! Valkey 8.1):
//! - A non-empty pattern never matches the empty text, not even `*`
//!   (`KEYS *` only works on the key `""` because the server special-cases
//!   the literal pattern `*` before matching).
//! - Inside a class, `\x` matches `x` exactly, ignoring `nocase`.
//! - Ranges compare bytes as *signed* C chars, swap reversed bounds, and only
//!   then fold case, so `[a-Z]` under `nocase` matches nothing.
//! - `[a-]` is a range ending at `]`, which leaves the class unterminated.
//!   An unterminated class (`[abc`) consumes the rest of the pattern and
//!   still matches one byte; `[` alone matches nothing and `[^` matches any byte.
//! - A trailing lone `\` is a literal backslash.
//! - The server gives up (no match) once it would recurse past 1000 nested
//!   stars, so a pattern whose 1001st star group is followed by anything
//!   never matches.

/// The server's recursion guard: a call nested deeper than this many stars
/// answers "no match".
const MAX_STAR_NESTING: usize = 1000;

/// A set of byte values, one bit per byte.
#[derive(Clone, Copy, PartialEq, Eq)]
struct ByteSet([u64; 4]);

impl ByteSet {
    const EMPTY: ByteSet = ByteSet([0; 4]);

    fn insert(&mut self, byte: u8) {
        let (word, bit) = (usize::from(byte >> 6), byte & 63);
        if let Some(slot) = self.0.get_mut(word) {
            *slot |= 1u64 << bit;
        }
    }

    fn contains(&self, byte: u8) -> bool {
        let (word, bit) = (usize::from(byte >> 6), byte & 63);
        self.0
            .get(word)
            .is_some_and(|slot| slot & (1u64 << bit) != 0)
    }

    fn complement(self) -> ByteSet {
        let [a, b, c, d] = self.0;
        ByteSet([!a, !b, !c, !d])
    }
}

impl std::fmt::Debug for ByteSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set()
            .entries((0..=255u8).filter(|b| self.contains(*b)))
            .finish()
    }
}

/// One compiled pattern element.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    /// `*`: any run of bytes, including none.  Consecutive stars are merged.
    Star,
    /// `?`: any single byte.
    Any,
    /// A single byte compared exactly.
    Exact(u8),
    /// A single byte compared after ASCII lowercasing (stored lowercased).
    Folded(u8),
    /// A bracket class, already negated and case-folded where applicable.
    Class(ByteSet),
}

impl Token {
    /// Whether this single-byte token accepts `byte`.  `Star` never does:
    /// stars are handled by the matcher, not here.
    fn accepts(&self, byte: u8) -> bool {
        match self {
            Token::Star => false,
            Token::Any => true,
            Token::Exact(b) => *b == byte,
            Token::Folded(b) => *b == byte.to_ascii_lowercase(),
            Token::Class(set) => set.contains(byte),
        }
    }
}

/// A glob pattern compiled once for matching against many texts (as `KEYS`,
/// `SCAN MATCH` and pattern subscriptions do).
#[derive(Clone, Debug)]
pub struct GlobPattern {
    tokens: Vec<Token>,
    /// Set when the server's nesting guard makes every non-empty text fail.
    never_matches: bool,
}

impl GlobPattern {
    /// Compiles `pattern`; `nocase` folds ASCII letters as the server's
    /// `tolower` does in the C locale (bytes >= 0x80 are never folded).
    pub fn new(pattern: &[u8], nocase: bool) -> GlobPattern {
        let tokens = compile(pattern, nocase);
        let never_matches = nesting_guard_trips(&tokens);
        GlobPattern {
            tokens,
            never_matches,
        }
    }

    /// Whether `text` matches, exactly as `stringmatchlen` would answer.
    pub fn matches(&self, text: &[u8]) -> bool {
        if text.is_empty() {
            // The server's loop never starts on an empty text, so only the
            // empty pattern (no tokens) matches it.
            return self.tokens.is_empty();
        }
        if self.never_matches {
            return false;
        }
        match_tokens(&self.tokens, text)
    }
}

/// Whether `text` matches the glob `pattern`; `nocase` folds ASCII case.
///
/// Same answer as Redis/Valkey `stringmatchlen(pattern, text, nocase)` for
/// every input; see the module documentation for the quirks that implies.
pub fn glob_match(pattern: &[u8], text: &[u8], nocase: bool) -> bool {
    GlobPattern::new(pattern, nocase).matches(text)
}

/// Lowercases an ASCII letter given as a C `int`; everything else (including
/// the negative values that bytes >= 0x80 become) is returned unchanged.
fn lower_c_int(c: i32) -> i32 {
    if (i32::from(b'A')..=i32::from(b'Z')).contains(&c) {
        c + 32
    } else {
        c
    }
}

/// A byte as the server's (signed) `char` sees it.
fn signed_char(byte: u8) -> i32 {
    i32::from(byte as i8)
}

/// Tokenizes `pattern`, walking it the way the server's matcher does.  The
/// walk never depends on the text, which is what makes compiling possible.
fn compile(pattern: &[u8], nocase: bool) -> Vec<Token> {
    // The server reads one byte past the end (the string's NUL terminator)
    // in a few places; `at` reproduces that.
    let at = |i: usize| pattern.get(i).copied().unwrap_or(0);
    let len = pattern.len();
    let literal = |byte: u8| {
        if nocase {
            Token::Folded(byte.to_ascii_lowercase())
        } else {
            Token::Exact(byte)
        }
    };
    let mut tokens = Vec::with_capacity(len);
    let mut i = 0;
    while i < len {
        match at(i) {
            b'*' => {
                if tokens.last() != Some(&Token::Star) {
                    tokens.push(Token::Star);
                }
                i += 1;
            }
            b'?' => {
                tokens.push(Token::Any);
                i += 1;
            }
            b'[' => {
                let (set, next) = compile_class(pattern, i + 1, nocase);
                tokens.push(Token::Class(set));
                i = next;
            }
            b'\\' => {
                // A trailing backslash stands for itself.
                if len - i >= 2 {
                    i += 1;
                }
                tokens.push(literal(at(i)));
                i += 1;
            }
            byte => {
                tokens.push(literal(byte));
                i += 1;
            }
        }
    }
    tokens
}

/// Compiles the class whose body starts at `start` (just past `[`); returns
/// the accepted bytes and the index just past the class.
fn compile_class(pattern: &[u8], start: usize, nocase: bool) -> (ByteSet, usize) {
    let at = |i: usize| pattern.get(i).copied().unwrap_or(0);
    let len = pattern.len();
    let mut i = start;
    let negate = at(i) == b'^';
    if negate {
        i += 1;
    }
    let mut set = ByteSet::EMPTY;
    let next = loop {
        if at(i) == b'\\' && len - i >= 2 {
            // Escaped members compare exactly even under nocase.
            set.insert(at(i + 1));
            i += 2;
        } else if at(i) == b']' {
            break i + 1;
        } else if i >= len {
            // Unterminated: the class swallows the rest of the pattern.
            break len;
        } else if len - i >= 3 && at(i + 1) == b'-' {
            add_range(&mut set, at(i), at(i + 2), nocase);
            i += 3;
        } else {
            let member = at(i);
            set.insert(member);
            if nocase {
                set.insert(member.to_ascii_lowercase());
                set.insert(member.to_ascii_uppercase());
            }
            i += 1;
        }
    };
    (if negate { set.complement() } else { set }, next)
}

/// Adds the bytes the server's range test accepts for `[first-last]`:
/// signed comparison, bounds swapped if reversed, and case folded only after
/// the swap.
fn add_range(set: &mut ByteSet, first: u8, last: u8, nocase: bool) {
    let (mut low, mut high) = (signed_char(first), signed_char(last));
    if low > high {
        std::mem::swap(&mut low, &mut high);
    }
    if nocase {
        low = lower_c_int(low);
        high = lower_c_int(high);
    }
    for byte in 0..=255u8 {
        let mut c = signed_char(byte);
        if nocase {
            c = lower_c_int(c);
        }
        if low <= c && c <= high {
            set.insert(byte);
        }
    }
}

/// Whether the server's nesting guard rejects every non-empty text: the
/// star group numbered `MAX_STAR_NESTING` (0-based) would be tried one level
/// too deep, and it can only be skipped when it ends the pattern.
fn nesting_guard_trips(tokens: &[Token]) -> bool {
    let mut groups = 0usize;
    for (index, token) in tokens.iter().enumerate() {
        if *token == Token::Star {
            if groups == MAX_STAR_NESTING {
                return index + 1 < tokens.len();
            }
            groups += 1;
        }
    }
    false
}

/// Star-backtracking matcher over single-byte tokens.  When a mismatch
/// happens, only the most recent star is extended by one byte: any match
/// found by extending an earlier star can also be found from the later one.
fn match_tokens(tokens: &[Token], text: &[u8]) -> bool {
    let mut token_at = 0;
    let mut text_at = 0;
    // (token index just after the last star, text index that star resumes at)
    let mut resume: Option<(usize, usize)> = None;
    while let Some(&byte) = text.get(text_at) {
        match tokens.get(token_at) {
            Some(Token::Star) => {
                token_at += 1;
                resume = Some((token_at, text_at));
            }
            Some(token) if token.accepts(byte) => {
                token_at += 1;
                text_at += 1;
            }
            _ => match resume {
                Some((after_star, star_text)) => {
                    token_at = after_star;
                    text_at = star_text + 1;
                    resume = Some((after_star, star_text + 1));
                }
                None => return false,
            },
        }
    }
    tokens
        .get(token_at..)
        .is_some_and(|rest| rest.iter().all(|t| *t == Token::Star))
}

#[cfg(test)]
#[path = "glob_tests.rs"]
mod tests;
