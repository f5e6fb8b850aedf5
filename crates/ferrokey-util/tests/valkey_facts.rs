//! Replays answers recorded from a real Valkey 8.1.8 server (files under
//! `tests/data/`, each described by its first line) against this crate.
//!
//! The facts were gathered with `KEYS` and `COMMAND LIST FILTERBY PATTERN`
//! (glob), `ZADD` + `ZSCORE` (string2d), `INCRBYFLOAT` (string2ld, long
//! double addition and formatting) and `LCS ... IDX WITHMATCHLEN`.

use ferrokey_util::glob::glob_match;
use ferrokey_util::lcs::lcs;
use ferrokey_util::long_double::{incr_by_float, IncrFloatError};
use ferrokey_util::number::parse_f64_strict;

/// Decodes a hex column; `-` stands for the empty string.
fn unhex(column: &str) -> Vec<u8> {
    if column == "-" {
        return Vec::new();
    }
    (0..column.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&column[i..i + 2], 16).expect("hex fixture"))
        .collect()
}

/// Data lines of a fixture, split on single spaces.
fn rows(fixture: &str) -> impl Iterator<Item = Vec<&str>> {
    fixture
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| line.splitn(6, ' ').collect())
}

/// Asserts no mismatches, showing the first few.
fn check(name: &str, total: usize, failures: &[String]) {
    assert!(total > 0, "{name}: fixture is empty");
    assert!(
        failures.is_empty(),
        "{name}: {} of {total} differ from Valkey, e.g.\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn glob_matches_valkey() {
    let mut total = 0;
    let mut failures = Vec::new();
    for row in rows(include_str!("data/glob_valkey.txt")) {
        let (nocase, expected) = (row[0] == "1", row[1] == "1");
        let (pattern, text) = (unhex(row[2]), unhex(row[3]));
        total += 1;
        if glob_match(&pattern, &text, nocase) != expected {
            failures.push(row.join(" "));
        }
    }
    check("glob", total, &failures);
}

#[test]
fn string2d_matches_valkey() {
    let mut total = 0;
    let mut failures = Vec::new();
    for row in rows(include_str!("data/string2d_valkey.txt")) {
        let got = match parse_f64_strict(&unhex(row[0])) {
            Some(value) => format!("{:016x}", value.to_bits()),
            None => "err".to_string(),
        };
        total += 1;
        if got != row[1] {
            failures.push(format!("{} -> {got}", row.join(" ")));
        }
    }
    check("string2d", total, &failures);
}

fn incr_reply(current: Option<&[u8]>, increment: &[u8]) -> String {
    match incr_by_float(current, increment) {
        Ok(text) => String::from_utf8(text).expect("ASCII reply"),
        Err(IncrFloatError::InvalidCurrent | IncrFloatError::InvalidIncrement) => {
            "ERR value is not a valid float".to_string()
        }
        Err(IncrFloatError::NotFinite) => "ERR increment would produce NaN or Infinity".to_string(),
    }
}

#[test]
fn incrbyfloat_on_absent_key_matches_valkey() {
    let mut total = 0;
    let mut failures = Vec::new();
    for row in rows(include_str!("data/incrbyfloat_absent_valkey.txt")) {
        let expected = match row[1] {
            "err" => "ERR value is not a valid float",
            "nonfinite" => "ERR increment would produce NaN or Infinity",
            reply => reply,
        };
        let got = incr_reply(None, &unhex(row[0]));
        total += 1;
        if got != expected {
            failures.push(format!("{} -> {got}", row.join(" ")));
        }
    }
    check("incrbyfloat absent", total, &failures);
}

#[test]
fn incrbyfloat_sequences_match_valkey() {
    let mut total = 0;
    let mut failures = Vec::new();
    for line in include_str!("data/incrbyfloat_valkey.txt").lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let mut columns = line.splitn(3, ' ');
        let (Some(current), Some(increment), Some(expected)) =
            (columns.next(), columns.next(), columns.next())
        else {
            panic!("bad fixture line {line}");
        };
        let current = (current != "absent").then(|| unhex(current));
        let got = incr_reply(current.as_deref(), &unhex(increment));
        total += 1;
        if got != expected {
            failures.push(format!("{line} -> {got}"));
        }
    }
    check("incrbyfloat", total, &failures);
}

#[test]
fn lcs_matches_valkey() {
    let mut total = 0;
    let mut failures = Vec::new();
    for row in rows(include_str!("data/lcs_valkey.txt")) {
        let (a, b) = (unhex(row[0]), unhex(row[1]));
        let min_len: i64 = row[2].parse().expect("MINMATCHLEN");
        let found = lcs(&a, &b, u64::MAX).expect("small inputs");
        let ranges: Vec<String> = found
            .matches
            .iter()
            .filter(|m| m.passes_min_len(min_len))
            .map(|m| {
                format!(
                    "{},{},{},{},{}",
                    m.a_start,
                    m.a_end,
                    m.b_start,
                    m.b_end,
                    m.len()
                )
            })
            .collect();
        let sequence: String = found.sequence.iter().map(|b| format!("{b:02x}")).collect();
        let got = format!(
            "{} {} {}",
            if sequence.is_empty() { "-" } else { &sequence },
            found.sequence.len(),
            if ranges.is_empty() {
                "-".to_string()
            } else {
                ranges.join(";")
            }
        );
        let expected = row[3..].join(" ");
        total += 1;
        if got != expected {
            failures.push(format!("{} -> {got}", row.join(" ")));
        }
    }
    check("lcs", total, &failures);
}
