//! Unit tests for `long_double`; expected texts were read from Valkey 8.1's
//! INCRBYFLOAT (more cases live in `tests/valkey_facts.rs`).

use super::*;
use proptest::prelude::*;

fn incr(current: Option<&str>, increment: &str) -> Result<String, IncrFloatError> {
    incr_by_float(current.map(str::as_bytes), increment.as_bytes())
        .map(|text| String::from_utf8(text).unwrap_or_default())
}

#[test]
fn incrbyfloat_examples_from_valkey() {
    let ok = |current: Option<&str>, increment: &str, expected: &str| {
        assert_eq!(
            incr(current, increment).as_deref(),
            Ok(expected),
            "{current:?} + {increment}"
        );
    };
    ok(None, "0.1", "0.1");
    ok(Some("10.5"), "0.1", "10.6");
    ok(Some("5.0e3"), "2.0e2", "5200");
    ok(Some("1e20"), "0", "100000000000000000000");
    ok(Some("3.0000000000000001"), "0", "3.0000000000000001");
    ok(Some("1e-20"), "0", "0");
    ok(Some("-1e-20"), "0", "0");
    ok(Some("-0"), "-0", "0");
    ok(Some("0.1"), "0.2", "0.3");
    ok(Some("18446744073709551616"), "1", "18446744073709551616");
    ok(
        Some("123456789012345678901234567890"),
        "0",
        "123456789012345678899921813504",
    );
    ok(Some("0x1p3"), "0x1p-1", "8.5");
    ok(Some("-3.5"), "1e-17", "-3.49999999999999999");
    ok(Some("1e17"), "0.5", "100000000000000000.5");
    ok(None, "12345678.87654321", "12345678.87654320999990887");
    ok(None, "0.000000000000000015", "0.00000000000000002");
    ok(None, "5e-18", "0");
    ok(None, "1e-4950", "0");
    ok(None, "0X.8", "0.5");
}

#[test]
fn incrbyfloat_errors_from_valkey() {
    use IncrFloatError::*;
    assert_eq!(incr(Some("1e4932"), "1e4932"), Err(NotFinite));
    assert_eq!(incr(Some("inf"), "1"), Err(NotFinite));
    assert_eq!(incr(None, "-inf"), Err(NotFinite));
    assert_eq!(incr(Some("1"), "nan"), Err(InvalidIncrement));
    assert_eq!(incr(Some("abc"), "1"), Err(InvalidCurrent));
    assert_eq!(incr(Some("abc"), "nan"), Err(InvalidCurrent));
    assert_eq!(incr(Some("  1"), "1"), Err(InvalidCurrent));
    assert_eq!(incr(Some("1"), "1 "), Err(InvalidIncrement));
    assert_eq!(incr(Some(""), "1"), Err(InvalidCurrent));
    assert_eq!(incr(None, "1e-4952"), Err(InvalidIncrement));
    // string2ld's buffer: 5119 bytes parse, 5120 do not.
    let padded_one = |len: usize| format!("{}1", "0".repeat(len - 1));
    let fits = padded_one(MAX_LONG_DOUBLE_CHARS - 1);
    assert_eq!(incr(Some(&fits), "1").as_deref(), Ok("2"));
    let too_long = padded_one(MAX_LONG_DOUBLE_CHARS);
    assert_eq!(incr(Some(&too_long), "1"), Err(InvalidCurrent));
    assert_eq!(
        incr(Some(&"1".repeat(MAX_LONG_DOUBLE_CHARS - 1)), "1"),
        Err(InvalidCurrent)
    );
}

#[test]
fn sequence_of_tenths_matches_valkey() {
    let mut current: Option<String> = None;
    let expected = [
        "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1",
    ];
    for want in expected {
        let next = incr(current.as_deref(), "0.1");
        assert_eq!(next.as_deref(), Ok(want));
        current = next.ok();
    }
}

#[test]
fn auto_format_is_printf_17lg() {
    let auto = |text: &str| {
        LongDouble::parse(text.as_bytes())
            .map(|v| String::from_utf8(v.format_auto()).unwrap_or_default())
    };
    // Values from glibc's printf("%.17Lg") for the same long doubles.
    assert_eq!(auto("0.5").as_deref(), Some("0.5"));
    assert_eq!(
        auto("0.000003814697265625").as_deref(),
        Some("3.814697265625e-06")
    );
    assert_eq!(auto("1e-20").as_deref(), Some("1e-20"));
    assert_eq!(auto("0.1").as_deref(), Some("0.1"));
    assert_eq!(auto("1e4932").as_deref(), Some("1e+4932"));
    assert_eq!(auto("-0").as_deref(), Some("-0"));
    assert_eq!(auto("inf").as_deref(), Some("inf"));
}

#[test]
fn conversions() {
    assert_eq!(
        LongDouble::from_i64(i64::MIN).format_human(),
        b"-9223372036854775808"
    );
    assert_eq!(LongDouble::parse(b"0.1").map(LongDouble::to_f64), Some(0.1));
    assert!(LongDouble::ZERO.is_finite());
    assert!(!LongDouble::parse(b"-inf").is_some_and(LongDouble::is_finite));
    assert_eq!(
        LongDouble::parse(b"1").map(LongDouble::to_bits),
        Some(0x3fff_8000_0000_0000_0000)
    );
}

proptest! {
    #[test]
    fn integers_are_exact(a in any::<i64>(), b in -(1i64 << 40)..(1i64 << 40)) {
        let sum = LongDouble::from_i64(a).checked_add(LongDouble::from_i64(b));
        let expected = i128::from(a) + i128::from(b);
        // Sums below 2^64 in magnitude are exact in 64 significand bits.
        if expected.unsigned_abs() < 1 << 64 {
            prop_assert_eq!(sum.map(LongDouble::format_human), Some(expected.to_string().into_bytes()));
        }
        prop_assert_eq!(LongDouble::parse(a.to_string().as_bytes()), Some(LongDouble::from_i64(a)));
    }

    #[test]
    fn short_decimals_print_back(whole in 0u32..128, fraction in 0u64..1_000_000_000_000_000) {
        // Below 128 the rounding error of 64 significand bits stays under
        // 5e-18, so %.17Lf recovers any decimal with 15 fraction digits.
        let text = format!("{whole}.{fraction:015}");
        let parsed = LongDouble::parse(text.as_bytes()).map(LongDouble::format_human);
        let trimmed = text.trim_end_matches('0').trim_end_matches('.').to_string();
        prop_assert_eq!(parsed, Some(trimmed.into_bytes()));
    }
}
