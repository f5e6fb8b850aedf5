//! Unit tests of the hash family: the effects each command records in the write stream (the
//! HSCAN step is tested in ferrokey-ds, `HashValue::scan_live`). Replies are tested over TCP
//! in `tests/hashes.rs` and `tests/hash_ttl.rs`.

use crate::test_support::{effects_of, effects_of_lines, words};

#[test]
fn effects_follow_valkey() {
    let effects = effects_of(&[
        &["HSET", "h", "a", "1"],
        &["HSET", "h", "a", "1"],
        &["HINCRBYFLOAT", "h", "f", "1.50"],
        &["HINCRBY", "h", "n", "2"],
        &["HDEL", "h", "missing"],
        &["HSETNX", "h", "a", "2"],
        &["HINCRBY", "h", "a", "x"],
        &["HINCRBYFLOAT", "h", "a", "inf"],
        &["HDEL", "h", "a", "f", "n"],
    ]);
    assert_eq!(effects[0], vec![words("HSET h a 1")]);
    assert_eq!(effects[1], vec![words("HSET h a 1")], "HSET always counts");
    assert_eq!(effects[2], vec![words("HSET h f 1.5")]);
    assert_eq!(effects[3], vec![words("HINCRBY h n 2")]);
    assert!(effects[4..8].iter().all(|e| e.is_empty()), "{effects:?}");
    assert_eq!(effects[8], vec![words("HDEL h a f n")]);
}

/// A time far in the future, in unix ms and seconds, so no field expires during a test.
const FAR_MS: &str = "99999999999000";
const FAR_S: &str = "99999999999";

#[test]
fn expire_family_replicates_absolute_times_or_hdel() {
    let effects = effects_of_lines(&[
        "HSET h a 1 b 2 c 3",
        &format!("HPEXPIREAT h {FAR_MS} NX FIELDS 2 a zz"),
        &format!("HEXPIREAT h {FAR_S} XX FIELDS 1 b"),
        "HEXPIRE h 0 FIELDS 3 a b zz",
        "HPEXPIRE h 100000 FIELDS 1 c",
        "HPERSIST h FIELDS 2 c zz",
        "HPERSIST h FIELDS 1 c",
        "HEXPIRE h 0 FIELDS 1 c",
    ]);
    assert_eq!(
        effects[1],
        vec![format!("HPEXPIREAT h {FAR_MS} NX FIELDS 2 a zz")]
    );
    assert!(
        effects[2].is_empty(),
        "XX on a field without a time changes nothing"
    );
    assert_eq!(effects[3], vec!["HDEL h a b".to_string()]);
    let relative = &effects[4][0];
    assert!(relative.starts_with("HPEXPIREAT h ") && relative.ends_with(" FIELDS 1 c"));
    assert_eq!(effects[5], vec!["HPERSIST h FIELDS 2 c zz".to_string()]);
    assert!(effects[6].is_empty());
    assert_eq!(
        effects[7],
        vec!["HDEL h c".to_string()],
        "the key goes with it, silently"
    );
}

#[test]
fn hgetex_replicates_as_the_change_it_made() {
    let effects = effects_of_lines(&[
        "HSET h a 1 b 2",
        "HGETEX h FIELDS 2 a b",
        &format!("HGETEX h PXAT {FAR_MS} FIELDS 3 a zz b"),
        "HGETEX h PERSIST FIELDS 2 a zz",
        "HGETEX h PERSIST FIELDS 1 a",
        "HGETEX h EX 0 FIELDS 2 zz a",
        "HGETEX h EXAT 1 FIELDS 1 b",
    ]);
    assert!(effects[1].is_empty(), "no option: a read");
    assert_eq!(
        effects[2],
        vec![format!("HPEXPIREAT h {FAR_MS} FIELDS 2 a b")]
    );
    assert_eq!(effects[3], vec!["HPERSIST h FIELDS 1 a".to_string()]);
    assert!(effects[4].is_empty());
    assert_eq!(effects[5], vec!["HDEL h a".to_string()]);
    assert_eq!(effects[6], vec!["HDEL h b".to_string()]);
}

#[test]
fn hsetex_replicates_without_field_conditions_and_with_absolute_times() {
    let effects = effects_of_lines(&[
        "HSETEX h FIELDS 1 a 1",
        "HSETEX h FNX FIELDS 1 a 2",
        &format!("HSETEX h FXX PXAT {FAR_MS} FIELDS 1 a 3"),
        "HSETEX h EX 100 FIELDS 1 b 1",
        "HSETEX h KEEPTTL FIELDS 1 b 2",
        "HSETEX h PX 0 FIELDS 2 b x zz y",
        "HSETEX gone EXAT 1 FIELDS 1 x y",
    ]);
    assert_eq!(effects[0], vec!["HSETEX h FIELDS 1 a 1".to_string()]);
    assert!(effects[1].is_empty(), "FNX failed");
    assert_eq!(
        effects[2],
        vec![format!("HSETEX h PXAT {FAR_MS} FIELDS 1 a 3")]
    );
    assert!(effects[3][0].starts_with("HSETEX h PXAT "));
    assert_eq!(
        effects[4],
        vec!["HSETEX h KEEPTTL FIELDS 1 b 2".to_string()]
    );
    assert_eq!(effects[5], vec!["HDEL h b".to_string()]);
    assert!(effects[6].is_empty(), "nothing to delete, nothing created");
}

#[test]
fn counters_and_hsetnx_on_hashes_with_field_times_replicate_as_sets() {
    let effects = effects_of_lines(&[
        &format!("HSETEX h PXAT {FAR_MS} FIELDS 2 n 1 f 1.5"),
        "HINCRBY h n 2",
        "HINCRBYFLOAT h f 1",
        "HINCRBY h m 5",
        "HSETNX h s v",
        "HGETDEL h FIELDS 3 s zz m",
    ]);
    assert_eq!(
        effects[1],
        vec![format!("HSETEX h PXAT {FAR_MS} FIELDS 1 n 3")]
    );
    assert_eq!(
        effects[2],
        vec![format!("HSETEX h PXAT {FAR_MS} FIELDS 1 f 2.5")]
    );
    assert_eq!(effects[3], vec!["HSET h m 5".to_string()]);
    assert_eq!(effects[4], vec!["HSET h s v".to_string()]);
    assert_eq!(effects[5], vec!["HGETDEL h FIELDS 3 s zz m".to_string()]);
}
