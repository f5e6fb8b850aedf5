//! Unit tests for `number`; the expected values were checked on Valkey 8.1
//! (`INCRBY` for string2ll, `SCAN` cursors for string2ull, `ZADD`/`ZSCORE`
//! for string2d).

use super::*;
use proptest::prelude::*;

#[test]
fn string2ll_accepts_only_canonical_integers() {
    let accepted: &[(&[u8], i64)] = &[
        (b"0", 0),
        (b"-1", -1),
        (b"9223372036854775807", i64::MAX),
        (b"-9223372036854775808", i64::MIN),
        (b"42", 42),
    ];
    for (text, value) in accepted {
        assert_eq!(parse_i64_strict(text), Some(*value), "{text:?}");
    }
    let rejected: &[&[u8]] = &[
        b"",
        b"-",
        b"-0",
        b"+1",
        b"01",
        b"00",
        b" 1",
        b"1 ",
        b"1a",
        b"1\0",
        b"9223372036854775808",
        b"-9223372036854775809",
        b"99999999999999999999",
        b"000000000000000000001",
    ];
    for text in rejected {
        assert_eq!(parse_i64_strict(text), None, "{text:?}");
    }
}

#[test]
fn string2ull_keeps_strtoull_leniency() {
    let accepted: &[(&[u8], u64)] = &[
        (b"0", 0),
        (b"-0", 0),
        (b" 0", 0),
        (b"+0", 0),
        (b"00", 0),
        (b"-00", 0),
        (b" -1", u64::MAX),
        (b"-18446744073709551615", 1),
        (b"18446744073709551615", u64::MAX),
        (b"0\0abc", 0),
        (b"\t5", 5),
        (b"\x0b5", 5),
    ];
    for (text, value) in accepted {
        assert_eq!(parse_u64(text), Some(*value), "{text:?}");
    }
    let rejected: &[&[u8]] = &[
        b"-1",
        b"-18446744073709551616",
        b"18446744073709551616",
        b"",
        b" ",
        b"+",
        b"0x10",
        b"1 ",
    ];
    for text in rejected {
        assert_eq!(parse_u64(text), None, "{text:?}");
    }
}

#[test]
fn string2d_follows_strtod() {
    let accepted: &[(&[u8], f64)] = &[
        (b"0x10", 16.0),
        (b"0X1p3", 8.0),
        (b"1e5", 100000.0),
        (b"inf", f64::INFINITY),
        (b"-inf", f64::NEG_INFINITY),
        (b"+inf", f64::INFINITY),
        (b"Infinity", f64::INFINITY),
        (b"INF", f64::INFINITY),
        (b"1.", 1.0),
        (b".5", 0.5),
        (b"1e-310", 1e-310),
        (b"3e-324", 5e-324),
        (b"0e-400", 0.0),
        (b"+1.5", 1.5),
        (b"0x.8p1", 1.0),
        (b"0x1.8", 1.5),
        (b"1e+5", 100000.0),
        (b"1E-5", 1e-5),
        (b"0x1p-1074", 5e-324),
        (b"0x1.8p-1074", 1e-323),
        (b"2.4703282292062328e-324", 5e-324),
    ];
    for (text, value) in accepted {
        assert_eq!(parse_f64_strict(text), Some(*value), "{text:?}");
    }
    let rejected: &[&[u8]] = &[
        b"nan",
        b"NaN",
        b"nan(123)",
        b"-nan",
        b".",
        b"1e",
        b"1e400",
        b"1e-400",
        b"2e-324",
        b" 1",
        b"1 ",
        b"0x",
        b"1_0",
        b"0x1p-1075",
        b"0x1p1024",
        b"infinit",
        b"1,5",
        b"1\0",
        b"",
        b"2.4703282292062327e-324",
        b"0x1p",
        b"--1",
    ];
    for text in rejected {
        assert_eq!(parse_f64_strict(text), None, "{text:?}");
    }
    assert!(parse_f64_strict(b"-0").is_some_and(|z| z == 0.0 && z.is_sign_negative()));
}

#[test]
fn string2d_copies_glibc_subnormal_rounding() {
    // Exactly 3/4 of a unit past 2^51 units of 2^-1074: correct rounding
    // gives 2^51 + 1 units, glibc and Valkey give 2^51.
    let value = parse_f64_strict(b"0x1.00000000000018p-1023");
    assert_eq!(value.map(f64::to_bits), Some(0x0008_0000_0000_0000));
    let value = parse_f64_strict(b"0x2aec82081cec83p-1076");
    assert_eq!(value.map(f64::to_bits), Some(0x000a_bb20_8207_3b20));
}

proptest! {
    #[test]
    fn canonical_integers_round_trip(value in any::<i64>()) {
        prop_assert_eq!(parse_i64_strict(value.to_string().as_bytes()), Some(value));
    }

    #[test]
    fn string2ll_accepts_exactly_canonical_text(text in "-?[0-9]{0,21}") {
        let expected = text.parse::<i64>().ok().filter(|v| v.to_string() == text);
        prop_assert_eq!(parse_i64_strict(text.as_bytes()), expected);
    }

    #[test]
    fn unsigned_cursors_round_trip(value in any::<u64>()) {
        prop_assert_eq!(parse_u64(value.to_string().as_bytes()), Some(value));
    }

    #[test]
    fn shortest_float_text_round_trips(value in any::<f64>().prop_filter("finite", |v| v.is_finite())) {
        let text = format!("{value:e}");
        prop_assert_eq!(parse_f64_strict(text.as_bytes()).map(f64::to_bits), Some(value.to_bits()));
    }
}

#[test]
fn small_integers_take_the_fast_path_with_the_general_result() {
    let mut texts: Vec<String> = ["0", "-0", "+0", "7", "-7", "+12", "000123", "-000"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut n: u64 = 1;
    while n < 10u64.pow(15) {
        texts.push(n.to_string());
        texts.push(format!("-{}", n * 7 + 3));
        texts.push((n * 10 - 1).to_string());
        n = n * 10 + 1;
    }
    texts.retain(|t| t.trim_start_matches(['-', '+']).len() <= 15);
    texts.push("999999999999999".to_string());
    texts.push("-999999999999999".to_string());
    for text in &texts {
        let fast = small_integer(text.as_bytes()).expect("a small integer");
        let general = parse_f64_general(text.as_bytes()).expect("parses");
        assert_eq!(fast.to_bits(), general.to_bits(), "{text}");
        assert_eq!(
            parse_f64_strict(text.as_bytes()).map(f64::to_bits),
            Some(fast.to_bits())
        );
    }
    // Outside the fast path: still the general conversion.
    for text in [
        "",
        "-",
        "+",
        "1e3",
        "1.5",
        "0x10",
        "9999999999999999",
        " 1",
        "1 ",
        "--1",
    ] {
        assert_eq!(small_integer(text.as_bytes()), None, "{text}");
        assert_eq!(
            parse_f64_strict(text.as_bytes()).map(f64::to_bits),
            parse_f64_general(text.as_bytes()).map(f64::to_bits),
            "{text}"
        );
    }
}
