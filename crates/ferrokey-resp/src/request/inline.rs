//! Splitting an inline command line into arguments, as Valkey's `sdssplitargs` does.
//!
//! Rules (all verified against Valkey 8.1): blanks between arguments are the C `isspace` set
//! (space, `\t`, `\n`, `\v`, `\f`, `\r`), but an unquoted argument ends only at space, `\t`,
//! `\n`, `\r` or the end, so `a\vb` is one argument. A quote may start anywhere in an argument
//! (`foo"bar"` is `foobar`). Inside "double quotes" `\n \r \t \b \a` and `\xHH` (two hex digits)
//! are decoded and any other escaped byte stands for itself; inside 'single quotes' only `\'` is
//! an escape. A closing quote must be followed by a blank or the end of the line, and a quote
//! left open is an error. A NUL byte ends the line, as it ends the C string there (the caller
//! never passes one: Valkey never finds the end of a line that contains a NUL).
//!
//! Arguments without quotes are returned as spans of the line itself, so only quoted arguments
//! cost a copy (into the parser's scratch buffer, whose size is bounded by the line length).

use super::ArgSpan;

/// The line is malformed: a quote is unbalanced or a closing quote is followed by a non-blank.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct UnbalancedQuotes;

/// `isspace` in the C locale.
fn is_blank(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Splits `line`, which starts at offset `base` of the caller's buffer, appending one span per
/// argument to `args`; quoted arguments are decoded into `scratch`.
pub(super) fn split_args(
    line: &[u8],
    base: usize,
    args: &mut Vec<ArgSpan>,
    scratch: &mut Vec<u8>,
) -> Result<(), UnbalancedQuotes> {
    // The C code reads a NUL where the string ends; `at` gives that view of the line.
    let end = memchr::memchr(0, line).unwrap_or(line.len());
    let line = &line[..end];
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let mut p = 0;
    loop {
        while p < line.len() && is_blank(line[p]) {
            p += 1;
        }
        if p >= line.len() {
            return Ok(());
        }
        let token_start = p;
        // Where the decoded token starts in scratch, once a quote forced decoding.
        let mut decoded_from: Option<usize> = None;
        let mut in_double = false;
        let mut in_single = false;
        loop {
            let c = at(p);
            if in_double {
                if c == b'\\' && at(p + 1) == b'x' {
                    if let (Some(hi), Some(lo)) = (hex_value(at(p + 2)), hex_value(at(p + 3))) {
                        scratch.push(hi * 16 + lo);
                        p += 4;
                        continue;
                    }
                }
                if c == b'\\' && at(p + 1) != 0 {
                    scratch.push(match at(p + 1) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                    p += 2;
                } else if c == b'"' {
                    if at(p + 1) != 0 && !is_blank(at(p + 1)) {
                        return Err(UnbalancedQuotes);
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return Err(UnbalancedQuotes);
                } else {
                    scratch.push(c);
                    p += 1;
                }
            } else if in_single {
                if c == b'\\' && at(p + 1) == b'\'' {
                    scratch.push(b'\'');
                    p += 2;
                } else if c == b'\'' {
                    if at(p + 1) != 0 && !is_blank(at(p + 1)) {
                        return Err(UnbalancedQuotes);
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return Err(UnbalancedQuotes);
                } else {
                    scratch.push(c);
                    p += 1;
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => break,
                    b'"' | b'\'' => {
                        if decoded_from.is_none() {
                            decoded_from = Some(scratch.len());
                            scratch.extend_from_slice(&line[token_start..p]);
                        }
                        in_double = c == b'"';
                        in_single = c == b'\'';
                        p += 1;
                    }
                    _ => {
                        if decoded_from.is_some() {
                            scratch.push(c);
                        }
                        p += 1;
                    }
                }
            }
        }
        args.push(match decoded_from {
            Some(from) => ArgSpan::Scratch(from..scratch.len()),
            None => ArgSpan::Buf(base + token_start..base + p),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &[u8]) -> Result<Vec<Vec<u8>>, UnbalancedQuotes> {
        let mut args = Vec::new();
        let mut scratch = Vec::new();
        split_args(line, 0, &mut args, &mut scratch)?;
        Ok(args
            .iter()
            .map(|span| match span {
                ArgSpan::Buf(r) => line[r.clone()].to_vec(),
                ArgSpan::Scratch(r) => scratch[r.clone()].to_vec(),
            })
            .collect())
    }

    fn ok(line: &[u8], expected: &[&[u8]]) {
        assert_eq!(
            split(line),
            Ok(expected.iter().map(|a| a.to_vec()).collect()),
            "{line:?}"
        );
    }

    #[test]
    fn splits_like_valkey() {
        // Each case was checked with ECHO against Valkey 8.1.
        ok(b"", &[]);
        ok(b" \t\x0b\x0c ", &[]);
        ok(b"ECHO a\x0bb", &[b"ECHO", b"a\x0bb"]);
        ok(b"ECHO \x0ba", &[b"ECHO", b"a"]);
        ok(b"ECHO a\rb", &[b"ECHO", b"a", b"b"]);
        ok(br#"ECHO "a\x41\x4g\n\q""#, &[b"ECHO", b"aAx4g\nq"]);
        ok(br"ECHO 'a\'b\\c'", &[b"ECHO", br"a'b\\c"]);
        ok(br#"ECHO foo"bar""#, &[b"ECHO", b"foobar"]);
        ok(b"ECHO \"abc\"\x0b", &[b"ECHO", b"abc"]);
        ok(br#"ECHO "" ''"#, &[b"ECHO", b"", b""]);
        ok(br#"ECHO "\x""#, &[b"ECHO", b"x"]);
        ok(br#""a b" c"#, &[b"a b", b"c"]);
        ok(br#""\t\r\b\a\"\\""#, &[b"\t\r\x08\x07\"\\"]);
        ok(b"a\0b c", &[b"a"]);
    }

    #[test]
    fn rejects_unbalanced_quotes() {
        for line in [
            &br#"ECHO "abc"def"#[..],
            br"ECHO 'abc'def",
            br#"ECHO foo"bar"baz"#,
            br#"ECHO "abc"#,
            br#"ECHO "abc\""#,
            br#"ECHO "\"#,
            br"ECHO 'abc",
            b"ECHO \"a\0b\"",
        ] {
            assert_eq!(split(line), Err(UnbalancedQuotes), "{line:?}");
        }
    }
}
