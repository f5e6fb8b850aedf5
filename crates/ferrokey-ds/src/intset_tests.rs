//! Tests of `intset`: the intset itself, then `SetValue` encodings and conversions (checked
//! against Valkey 8.1) and models.

use std::collections::HashSet;

use super::*;

#[test]
fn widths_upgrade_and_keep_order() {
    let mut set = IntSet::new();
    assert!(set.add(5));
    assert!(set.add(-3));
    assert!(!set.add(5));
    assert_eq!(set.width_bytes(), 2);
    assert!(set.add(70_000));
    assert_eq!(set.width_bytes(), 4);
    assert!(set.add(i64::MIN));
    assert_eq!(set.width_bytes(), 8);
    assert_eq!(set.iter().collect::<Vec<_>>(), [i64::MIN, -3, 5, 70_000]);
    assert_eq!(set.blob_len(), 8 + 4 * 8);
    assert!(set.remove(i64::MIN));
    assert_eq!(set.width_bytes(), 8, "width never shrinks");
    assert!(!set.contains(i64::MIN));
    assert!(set.contains(70_000));
    assert_eq!((set.min(), set.max()), (Some(-3), Some(70_000)));
    assert_eq!(set.random_member(|len| len * 3 + 1), Some(5));
}

#[test]
fn wide_values_absent_from_narrow_set() {
    let mut set = IntSet::new();
    set.add(1);
    assert!(!set.contains(1 << 40));
    assert!(!set.remove(1 << 40));
    assert_eq!(IntSet::new().random_member(|_| 0), None);
    assert_eq!(set.get(1), None);
}

#[test]
fn boundaries_of_each_width() {
    let mut set = IntSet::new();
    for value in [i16::MIN as i64, i16::MAX as i64] {
        set.add(value);
    }
    assert_eq!(set.width_bytes(), 2);
    set.add(i16::MAX as i64 + 1);
    assert_eq!(set.width_bytes(), 4);
    set.add(i32::MIN as i64);
    assert_eq!(set.width_bytes(), 4);
    set.add(i32::MAX as i64 + 1);
    assert_eq!(set.width_bytes(), 8);
    assert_eq!(
        set.iter().rev().collect::<Vec<_>>(),
        [1 << 31, 32768, 32767, -32768, -(1 << 31)]
    );
}

fn sadd(set: &mut Option<SetValue>, members: &[&[u8]], limits: &SetLimits) {
    let Some(first) = members.first() else { return };
    let value = set.get_or_insert_with(|| SetValue::with_hint(first, members.len(), limits));
    value.convert_for_hint(members.len(), limits);
    for member in members {
        value.add(member, limits);
    }
}

fn encoding_with(limits: &SetLimits, batches: &[Vec<Vec<u8>>]) -> &'static str {
    let mut set = None;
    for batch in batches {
        let refs: Vec<&[u8]> = batch.iter().map(|m| m.as_slice()).collect();
        sadd(&mut set, &refs, limits);
    }
    set.map_or("none", |value| value.encoding_name())
}

fn encoding_after(batches: &[Vec<Vec<u8>>]) -> &'static str {
    encoding_with(&SetLimits::default(), batches)
}

fn ints(range: std::ops::RangeInclusive<i64>) -> Vec<Vec<u8>> {
    range.map(|v| v.to_string().into_bytes()).collect()
}

fn one(member: &[u8]) -> Vec<Vec<u8>> {
    vec![member.to_vec()]
}

/// Each case was run on Valkey 8.1 (`OBJECT ENCODING` after the SADDs).
#[test]
fn set_encodings_match_valkey() {
    let long = vec![b'x'; 65];
    assert_eq!(encoding_after(&[ints(1..=3)]), "intset");
    assert_eq!(encoding_after(&[ints(1..=3), one(b"a")]), "listpack");
    assert_eq!(encoding_after(&[one(b"a")]), "listpack");
    for not_integer in [&b"007"[..], b"-0", b"+1", b"9223372036854775808"] {
        assert_eq!(encoding_after(&[one(not_integer)]), "listpack");
    }
    assert_eq!(encoding_after(&[one(b"9223372036854775807")]), "intset");
    let one_by_one = |n: i64| (1..=n).map(|v| one(v.to_string().as_bytes())).collect();
    let mut batches: Vec<Vec<Vec<u8>>> = one_by_one(512);
    assert_eq!(encoding_after(&batches), "intset");
    batches.push(one(b"513"));
    assert_eq!(encoding_after(&batches), "hashtable");
    let mut batches = one_by_one(127);
    batches.push(one(b"x"));
    assert_eq!(encoding_after(&batches), "listpack");
    batches.push(one(b"y"));
    assert_eq!(encoding_after(&batches), "hashtable");
    let mut batches = one_by_one(128);
    batches.push(one(b"x"));
    assert_eq!(encoding_after(&batches), "hashtable");
    assert_eq!(encoding_after(&[ints(1..=129)]), "intset");
    assert_eq!(encoding_after(&[ints(1..=513)]), "hashtable");
    assert_eq!(encoding_after(&[one(b"1"), ints(1..=513)]), "hashtable");
    assert_eq!(
        encoding_after(&[one(b"1"), vec![b"1".to_vec(); 134]]),
        "intset"
    );
    assert_eq!(
        encoding_after(&[vec![b"a".to_vec(), long.clone()]]),
        "hashtable"
    );
    assert_eq!(
        encoding_after(&[one(b"a"), vec![long.clone()]]),
        "hashtable"
    );
    assert_eq!(
        encoding_after(&[one(b"1"), vec![long.clone()]]),
        "hashtable"
    );
    assert_eq!(encoding_after(&[vec![long]]), "hashtable");
}

#[test]
fn set_value_stays_in_the_32_byte_class() {
    assert_eq!(std::mem::size_of::<SetValue>(), 32);
    // The boxed table: hashbrown's 32-byte header and the table's own 32-byte hasher seed.
    assert_eq!(std::mem::size_of::<KeyedTable<Box<[u8]>>>(), 64);
}

/// Valkey 8.1 with lowered limits (CONFIG SET before each case).
#[test]
fn set_encodings_with_lowered_limits_match_valkey() {
    let defaults = SetLimits::default();
    let short_values = SetLimits {
        max_listpack_value: 4,
        ..defaults
    };
    assert_eq!(
        encoding_with(&short_values, &[one(b"-100"), one(b"a")]),
        "listpack"
    );
    assert_eq!(
        encoding_with(&short_values, &[one(b"-1000"), one(b"a")]),
        "hashtable"
    );
    assert_eq!(
        encoding_with(&short_values, &[one(b"5"), one(b"abcde")]),
        "hashtable"
    );
    let no_intset = SetLimits {
        max_intset_entries: 0,
        ..defaults
    };
    assert_eq!(encoding_with(&no_intset, &[one(b"1")]), "listpack");
    let no_listpack = SetLimits {
        max_listpack_entries: 0,
        ..defaults
    };
    assert_eq!(encoding_with(&no_listpack, &[one(b"a")]), "hashtable");
    assert_eq!(
        encoding_with(&no_listpack, &[one(b"1"), one(b"2")]),
        "intset"
    );
}

#[test]
fn set_value_membership_across_encodings() {
    let limits = SetLimits::default();
    let mut set = SetValue::with_hint(b"10", 1, &limits);
    assert!(set.add(b"10", &limits));
    assert!(!set.add(b"10", &limits));
    assert!(set.contains(b"10") && !set.contains(b"010"));
    assert!(set.add(b"abc", &limits));
    assert_eq!(set.encoding_name(), "listpack");
    assert!(set.contains(b"10"));
    assert!(set.remove(b"abc"));
    assert_eq!(set.encoding_name(), "listpack", "no conversion back");
    let members: Vec<Vec<u8>> = set.iter().map(|m| m.to_bytes()).collect();
    assert_eq!(members, [b"10".to_vec()]);
    assert_eq!(
        set.random_member(|len| len),
        Some(SetMember::Int(10)),
        "a listpack hands its integer entries out as integers"
    );
}

fn listpack_bytes(set: &SetValue) -> Vec<u8> {
    match set {
        SetValue::Listpack(listpack) => listpack.to_listpack(),
        other => panic!("{} is not a listpack", other.encoding_name()),
    }
}

/// The listpacks of `SADD s a 7 -1 007` and of `SADD t 3 1 2` then `SADD t x`, byte for byte
/// as Valkey 8.1's DUMP carries them (RDB type 20, listpack-encoded set), rebuilt from the
/// compact form.
#[test]
fn listpack_bytes_match_valkey_dump() {
    let limits = SetLimits::default();
    let mut set = None;
    sadd(&mut set, &[b"a", b"7", b"-1", b"007"], &limits);
    let set = set.expect("created");
    let expected = [
        20, 0, 0, 0, 4, 0, 0x81, b'a', 2, 7, 1, 0xDF, 0xFF, 2, 0x83, b'0', b'0', b'7', 4, 0xFF,
    ];
    assert_eq!(listpack_bytes(&set), expected);
    let mut set = None;
    sadd(&mut set, &[b"3", b"1", b"2"], &limits);
    sadd(&mut set, &[b"x"], &limits);
    let set = set.expect("created");
    let expected = [16, 0, 0, 0, 4, 0, 1, 1, 2, 1, 3, 1, 0x81, b'x', 2, 0xFF];
    assert_eq!(listpack_bytes(&set), expected);
    let members: Vec<SetMember> = set.iter().collect();
    assert_eq!(
        members,
        [
            SetMember::Int(1),
            SetMember::Int(2),
            SetMember::Int(3),
            SetMember::Bytes(b"x")
        ]
    );
}

fn value_strategy() -> impl proptest::strategy::Strategy<Value = i64> {
    use proptest::prelude::*;
    prop_oneof![
        -40i64..40,
        any::<i16>().prop_map(i64::from),
        any::<i32>().prop_map(i64::from),
        any::<i64>(),
    ]
}

fn member_strategy() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    prop_oneof![
        (-300i64..300).prop_map(|v| v.to_string().into_bytes()),
        proptest::collection::vec(b'a'..b'e', 0..3),
        proptest::collection::vec(b'x'..=b'x', 60..70),
        proptest::sample::select(vec![&b"007"[..], b"-0", b"+1", b"\xff\x00", b"1.0"])
            .prop_map(<[u8]>::to_vec),
    ]
}

proptest::proptest! {
    #[test]
    fn intset_agrees_with_btreeset(
        ops in proptest::collection::vec((proptest::bool::ANY, value_strategy()), 0..200),
    ) {
        let mut set = IntSet::new();
        let mut model = std::collections::BTreeSet::new();
        for (add, value) in ops {
            if add {
                proptest::prop_assert_eq!(set.add(value), model.insert(value));
            } else {
                proptest::prop_assert_eq!(set.remove(value), model.remove(&value));
            }
            proptest::prop_assert_eq!(set.contains(value), model.contains(&value));
        }
        let widest = model.iter().map(|&v| width_for(v)).max().unwrap_or(2);
        proptest::prop_assert!(set.width_bytes() >= widest);
        proptest::prop_assert!(set.iter().eq(model.iter().copied()));
        proptest::prop_assert_eq!(set.len(), model.len());
        proptest::prop_assert_eq!(set.blob_len(), 8 + set.len() * set.width_bytes());
    }

    /// Against a model set plus, while the value is a listpack, the order Valkey gives it:
    /// appends, and an intset that turns into a listpack lists its integers ascending first.
    #[test]
    fn set_value_agrees_with_model(
        batches in proptest::collection::vec(
            proptest::collection::vec(member_strategy(), 1..20),
            0..40,
        ),
        removals in proptest::collection::vec(member_strategy(), 0..40),
    ) {
        let limits = SetLimits {
            max_intset_entries: 60,
            max_listpack_entries: 30,
            ..SetLimits::default()
        };
        let mut set: Option<SetValue> = None;
        let mut model = HashSet::new();
        let mut order: Vec<Vec<u8>> = Vec::new();
        for batch in &batches {
            let Some(first) = batch.first() else { continue };
            let value = set.get_or_insert_with(|| SetValue::with_hint(first, batch.len(), &limits));
            value.convert_for_hint(batch.len(), &limits);
            for member in batch {
                let before = value.encoding_name();
                let added = value.add(member, &limits);
                proptest::prop_assert_eq!(added, model.insert(member.clone()));
                match (before, value.encoding_name()) {
                    ("intset", "listpack") => {
                        let mut ints: Vec<i64> = model
                            .iter()
                            .filter(|m| *m != member)
                            .filter_map(|m| parse_i64_strict(m))
                            .collect();
                        ints.sort_unstable();
                        order = ints.iter().map(|v| v.to_string().into_bytes()).collect();
                        order.push(member.clone());
                    }
                    ("listpack", "listpack") if added => order.push(member.clone()),
                    _ => {}
                }
            }
        }
        let Some(mut set) = set else { return Ok(()) };
        for member in removals {
            proptest::prop_assert_eq!(set.remove(&member), model.remove(&member));
            order.retain(|m| *m != member);
            proptest::prop_assert!(!set.contains(&member));
        }
        proptest::prop_assert_eq!(set.len(), model.len());
        let listed: Vec<Vec<u8>> = set.iter().map(|m| m.to_bytes()).collect();
        let members: HashSet<Vec<u8>> = listed.iter().cloned().collect();
        proptest::prop_assert_eq!(&members, &model);
        for member in &model {
            proptest::prop_assert!(set.contains(member));
        }
        if let SetValue::Listpack(listpack) = &set {
            proptest::prop_assert_eq!(&listed, &order);
            let encoded: usize = listpack.iter().map(|e| e.encoded_len()).sum();
            let exact = if model.is_empty() { 0 } else { 2 + encoded };
            proptest::prop_assert_eq!(listpack.allocated_bytes(), exact);
            if let Some(index) = (0..listed.len()).last() {
                let picked = set.random_member(|_| index).map(|m| m.to_bytes());
                proptest::prop_assert_eq!(picked.as_ref(), listed.last());
            }
        }
    }
}

#[test]
fn hashtable_random_member_reaches_every_member() {
    let limits = SetLimits::default();
    let mut set = SetValue::with_hint(b"x", 1000, &limits);
    for i in 0..1000 {
        set.add(format!("m{i}").as_bytes(), &limits);
    }
    assert_eq!(set.encoding_name(), "hashtable");
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut pick = |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    let mut seen = HashSet::new();
    let mut probes = 0;
    for _ in 0..50_000 {
        let member = set.random_member(|bound| {
            probes += 1;
            pick(bound)
        });
        seen.insert(member.map(|m| m.to_bytes()).unwrap_or_default());
    }
    assert_eq!(seen.len(), 1000);
    assert!(seen.iter().all(|m| set.contains(m)));
    assert!(probes < 50_000 * 3, "{probes} probes for 50000 picks");
    for i in 0..1000 {
        set.remove(format!("m{i}").as_bytes());
    }
    assert_eq!(set.random_member(|bound| bound - 1), None);
}
