//! Tests of `hash`: encodings and conversions, then per-field expiry against a model.

use super::*;
use std::collections::HashMap;

fn limits(entries: usize, value: usize) -> HashLimits {
    HashLimits {
        max_listpack_entries: entries,
        max_listpack_value: value,
    }
}

const NOW: i64 = 1_000_000;

/// A field's value as bytes (integers formatted back).
fn get(hash: &HashValue, field: &[u8], now: i64) -> Option<Vec<u8>> {
    hash.get(field, now).map(|value| value.to_vec())
}

/// Every stored pair as bytes, in iteration order.
fn pairs_of(hash: &HashValue) -> Vec<(Vec<u8>, Vec<u8>)> {
    hash.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect()
}

/// The exact size of a non-empty compact listpack: the entry count and the entries' encodings.
fn compact_size(listpack: &crate::listpack::CompactListpack) -> usize {
    2 + listpack.iter().map(|e| e.encoded_len()).sum::<usize>()
}

fn pair(field: &str, value: &str) -> (Vec<u8>, Vec<u8>) {
    (field.as_bytes().to_vec(), value.as_bytes().to_vec())
}

#[test]
fn listpack_keeps_insertion_order_and_replaces_in_place() {
    let l = HashLimits::default();
    let mut hash = HashValue::new();
    assert!(hash.set(b"b", b"1", &l, NOW));
    assert!(hash.set(b"a", b"2", &l, NOW));
    assert!(!hash.set(b"b", b"3", &l, NOW));
    assert_eq!(pairs_of(&hash), vec![pair("b", "3"), pair("a", "2")]);
    assert!(hash.remove(b"b", NOW));
    assert!(!hash.remove(b"b", NOW));
    assert_eq!(get(&hash, b"a", NOW), Some(b"2".to_vec()));
    assert_eq!(hash.encoding_name(), "listpack");
}

#[test]
fn listpack_stores_canonical_integers_as_integers_and_returns_the_written_bytes() {
    let l = HashLimits::default();
    let mut hash = HashValue::new();
    let texts: [&[u8]; 12] = [
        b"7",
        b"007",
        b"-0",
        b"+1",
        b"",
        b"-9223372036854775808",
        b"9223372036854775807",
        b"9223372036854775808",
        b"1.5",
        b"\x00\xff\r\n",
        b" 1",
        b"-4096",
    ];
    for (i, text) in texts.iter().enumerate() {
        hash.set(text, text, &l, NOW);
        hash.set(format!("k{i}").as_bytes(), text, &l, NOW);
    }
    assert_eq!(hash.encoding_name(), "listpack");
    assert_eq!(hash.len(), 2 * texts.len());
    for text in texts {
        assert_eq!(get(&hash, text, NOW).as_deref(), Some(text));
        assert_eq!(hash.get(text, NOW).map(|v| v.byte_len()), Some(text.len()));
    }
    assert_eq!(hash.get(b"7", NOW), Some(Entry::Int(7)));
    assert_eq!(hash.get(b"007", NOW), Some(Entry::Str(b"007")));
    assert_eq!(hash.get(b"k5", NOW), Some(Entry::Int(i64::MIN)));
    // "7" and "007" are different fields; an integer field is found by its text only.
    assert_eq!(get(&hash, b"07", NOW), None);
    let HashValue::Listpack(listpack) = &hash else {
        panic!("not a listpack");
    };
    assert_eq!(listpack.len(), 4 * texts.len());
    assert_eq!(listpack.allocated_bytes(), compact_size(listpack));
    // Conversion keeps every pair, with its bytes.
    let before = {
        let mut pairs = pairs_of(&hash);
        pairs.sort();
        pairs
    };
    hash.convert_to_hashtable();
    let mut after = pairs_of(&hash);
    after.sort();
    assert_eq!(before, after);
    assert_eq!(get(&hash, b"007", NOW), Some(b"007".to_vec()));
}

/// The listpack of `HSET h f1 v1 n 7 f1 -1` (then `HDEL h n`), byte for byte as Valkey 8.1's
/// DUMP carries it (RDB type 16, listpack-encoded hash), rebuilt from the compact form.
#[test]
fn listpack_bytes_match_valkey_dump() {
    let l = HashLimits::default();
    let mut hash = HashValue::new();
    hash.set(b"f1", b"v1", &l, NOW);
    hash.set(b"n", b"7", &l, NOW);
    hash.set(b"f1", b"-1", &l, NOW);
    let HashValue::Listpack(listpack) = &hash else {
        panic!("not a listpack");
    };
    let expected: &[u8] = &[
        19, 0, 0, 0, 4, 0, 0x82, b'f', b'1', 3, 0xDF, 0xFF, 2, 0x81, b'n', 2, 7, 1, 0xFF,
    ];
    assert_eq!(listpack.to_listpack(), expected);
    hash.remove(b"n", NOW);
    let HashValue::Listpack(listpack) = &hash else {
        panic!("not a listpack");
    };
    let expected: &[u8] = &[14, 0, 0, 0, 2, 0, 0x82, b'f', b'1', 3, 0xDF, 0xFF, 2, 0xFF];
    assert_eq!(listpack.to_listpack(), expected);
}

#[test]
fn conversions_follow_valkey() {
    let l = limits(2, 4);
    let mut hash = HashValue::new();
    hash.set(b"f", b"1234", &l, NOW);
    assert_eq!(hash.encoding_name(), "listpack");
    hash.set(b"g", b"12345", &l, NOW);
    assert_eq!(hash.encoding_name(), "hashtable");

    let mut hash = HashValue::new();
    hash.set(b"f1", b"v", &l, NOW);
    hash.set(b"f2", b"v", &l, NOW);
    assert_eq!(hash.encoding_name(), "listpack");
    hash.set(b"f3", b"v", &l, NOW);
    assert_eq!(hash.encoding_name(), "hashtable");
    hash.remove(b"f3", NOW);
    hash.remove(b"f2", NOW);
    assert_eq!(hash.encoding_name(), "hashtable", "never converts back");

    // Three pairs named (all the same field) exceed two entries before deduplication.
    let mut hash = HashValue::new();
    hash.try_conversion(&[b"f", b"v", b"f", b"v", b"f", b"v"], &l);
    assert_eq!(hash.encoding_name(), "hashtable");
    let mut hash = HashValue::new();
    hash.try_conversion(&[b"f", b"v", b"f", b"v"], &l);
    assert_eq!(hash.encoding_name(), "listpack");
    hash.try_conversion(&[b"field", b"v"], &l);
    assert_eq!(hash.encoding_name(), "hashtable");
}

#[test]
fn zero_entry_limit_converts_on_first_write() {
    let mut hash = HashValue::new();
    hash.set(b"f", b"v", &limits(0, 64), NOW);
    assert_eq!(hash.encoding_name(), "hashtable");
    assert_eq!(hash.len(), 1);
}

#[test]
fn hashes_without_field_ttls_pay_nothing() {
    // The enum is what every hash key boxes: the volatile encoding must not widen it (24 bytes
    // fit jemalloc's 32-byte class; a map inline would need the 48- or 64-byte one).
    assert_eq!(std::mem::size_of::<HashValue>(), 24);
}

#[test]
fn an_expiry_time_moves_a_listpack_to_the_volatile_hashtable_and_back() {
    let l = HashLimits::default();
    let mut hash = HashValue::new();
    hash.set(b"a", b"1", &l, NOW);
    hash.set(b"b", b"2", &l, NOW);
    let nothing = ExpireConditions::default();
    assert_eq!(
        hash.set_expiry(b"zz", NOW + 10, nothing, NOW),
        ExpireOutcome::NoField
    );
    assert_eq!(
        hash.encoding_name(),
        "listpack",
        "a missing field converts nothing"
    );
    assert_eq!(
        hash.set_expiry(b"a", NOW + 10, nothing, NOW),
        ExpireOutcome::Set
    );
    assert!(hash.has_volatile_fields());
    assert_eq!(hash.encoding_name(), "hashtable");
    assert_eq!(hash.ttl(b"a", NOW), FieldTtl::At(NOW + 10));
    assert_eq!(hash.ttl(b"b", NOW), FieldTtl::Persistent);
    assert_eq!(hash.persist(b"a", NOW), PersistOutcome::Removed);
    assert!(!hash.has_volatile_fields());
    assert!(matches!(hash, HashValue::HashTable(_)));
    assert_eq!(hash.persist(b"a", NOW), PersistOutcome::NoExpiry);
    assert_eq!(hash.persist(b"x", NOW), PersistOutcome::NoField);
}

#[test]
fn listpack_conditions_treat_no_time_as_infinite() {
    let l = HashLimits::default();
    let mut hash = HashValue::new();
    hash.set(b"a", b"1", &l, NOW);
    let xx = ExpireConditions {
        xx: true,
        ..Default::default()
    };
    let gt = ExpireConditions {
        gt: true,
        ..Default::default()
    };
    let lt = ExpireConditions {
        lt: true,
        ..Default::default()
    };
    assert_eq!(
        hash.set_expiry(b"a", NOW - 5, xx, NOW),
        ExpireOutcome::ConditionNotMet
    );
    assert_eq!(
        hash.set_expiry(b"a", NOW + 5, gt, NOW),
        ExpireOutcome::ConditionNotMet
    );
    assert_eq!(hash.encoding_name(), "listpack");
    assert_eq!(hash.set_expiry(b"a", NOW, lt, NOW), ExpireOutcome::Deleted);
    assert!(hash.is_empty());
}

#[test]
fn expired_fields_are_hidden_counted_and_overwritten_as_new() {
    let l = HashLimits::default();
    let mut hash = HashValue::new();
    hash.set(b"keep", b"1", &l, NOW);
    let out = hash.set_field(b"t", b"2", FieldExpiry::At(NOW + 10), &l, NOW);
    assert!(out.created && !out.expired_overwritten);
    let later = NOW + 11;
    assert_eq!(
        get(&hash, b"t", NOW + 10),
        Some(b"2".to_vec()),
        "alive at its own time"
    );
    assert_eq!(get(&hash, b"t", later), None);
    assert_eq!(hash.len(), 2, "stored until reclaimed");
    assert_eq!(hash.live_len(later), 1);
    assert_eq!(hash.iter_live(later).count(), 1);
    assert!(
        !hash.remove(b"t", later),
        "HDEL does not find an expired field"
    );
    assert_eq!(hash.ttl(b"t", later), FieldTtl::Missing);
    // KEEPTTL keeps a live field's time but not an expired one's.
    let out = hash.set_field(b"t", b"3", FieldExpiry::Keep, &l, later);
    assert!(out.created && out.expired_overwritten);
    assert_eq!(hash.ttl(b"t", later), FieldTtl::Persistent);
    assert!(!hash.has_volatile_fields());
    hash.set_field(b"t", b"4", FieldExpiry::At(later + 100), &l, later);
    let out = hash.set_field(b"t", b"5", FieldExpiry::Keep, &l, later);
    assert!(!out.created);
    assert_eq!(hash.ttl(b"t", later), FieldTtl::At(later + 100));
}

#[test]
fn reclaim_removes_only_expired_fields_in_bounded_batches() {
    let l = HashLimits::default();
    let mut hash = HashValue::new();
    for i in 0..10 {
        let field = format!("f{i}");
        hash.set_field(field.as_bytes(), b"v", FieldExpiry::At(NOW + i), &l, NOW);
    }
    hash.set(b"p", b"v", &l, NOW);
    assert_eq!(hash.next_expiry(), Some(NOW));
    let first = hash.reclaim_expired(NOW + 5, 3);
    assert_eq!(first.len(), 3);
    let rest = hash.reclaim_expired(NOW + 5, 100);
    assert_eq!(
        rest.len(),
        2,
        "f3 and f4 expired; f5 is still alive at NOW + 5"
    );
    assert_eq!(hash.len(), 6);
    assert_eq!(hash.reclaim_expired(NOW + 100, 100).len(), 5);
    assert_eq!(hash.len(), 1);
    assert!(!hash.has_volatile_fields());
}

/// The model of one stored field: its value and expiry time.
type Model = HashMap<Vec<u8>, (Vec<u8>, Option<i64>)>;

fn model_live(model: &Model, field: &[u8], now: i64) -> Option<(Vec<u8>, Option<i64>)> {
    model
        .get(field)
        .filter(|(_, when)| !when.is_some_and(|w| now > w))
        .cloned()
}

/// Fields that collide often: strings, canonical integers (stored as integer entries) and
/// texts that only look like integers.
fn field_of(id: u8) -> Vec<u8> {
    match id {
        0..=5 => vec![b'f', id],
        6..=10 => (i64::from(id) - 8).to_string().into_bytes(),
        11 => b"02".to_vec(),
        _ => b"-0".to_vec(),
    }
}

fn value_strategy() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    prop_oneof![
        proptest::collection::vec(proptest::num::u8::ANY, 0..8),
        (-5000i64..5000).prop_map(|v| v.to_string().into_bytes()),
        any::<i64>().prop_map(|v| v.to_string().into_bytes()),
        proptest::sample::select(vec![&b"007"[..], b"-0", b"+5", b"", b"1e3", b"127", b"128"])
            .prop_map(<[u8]>::to_vec),
    ]
}

proptest::proptest! {
    /// Against an insertion-ordered model: a listpack reports its pairs in the model's order
    /// (a replaced value keeps its place, a removal closes the gap), any encoding the same set.
    #[test]
    fn hash_agrees_with_ordered_model(
        ops in proptest::collection::vec((0u8..3, 0u8..13, value_strategy()), 0..200),
        entries in 0usize..10,
        value_limit in 0usize..24,
    ) {
        let l = limits(entries, value_limit);
        let mut hash = HashValue::new();
        let mut model: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut was_hashtable = false;
        for (op, field, value) in ops {
            let field = field_of(field);
            let at = model.iter().position(|(f, _)| *f == field);
            match op {
                0 | 1 => {
                    let created = hash.set(&field, &value, &l, NOW);
                    proptest::prop_assert_eq!(created, at.is_none());
                    match at {
                        Some(at) => model[at].1 = value.clone(),
                        None => model.push((field.clone(), value.clone())),
                    }
                }
                _ => {
                    proptest::prop_assert_eq!(hash.remove(&field, NOW), at.is_some());
                    if let Some(at) = at {
                        model.remove(at);
                    }
                }
            }
            let expected = model.iter().find(|(f, _)| *f == field).map(|(_, v)| v.clone());
            proptest::prop_assert_eq!(get(&hash, &field, NOW), expected);
            proptest::prop_assert_eq!(hash.len(), model.len());
            let is_hashtable = hash.encoding_name() == "hashtable";
            proptest::prop_assert!(!was_hashtable || is_hashtable);
            was_hashtable = is_hashtable;
            if let HashValue::Listpack(listpack) = &hash {
                proptest::prop_assert!(hash.len() <= entries);
                proptest::prop_assert!(hash
                    .iter()
                    .all(|(f, v)| f.byte_len() <= value_limit && v.byte_len() <= value_limit));
                // Allocated to the byte (an empty listpack holds no allocation).
                let exact = if model.is_empty() { 0 } else { compact_size(listpack) };
                proptest::prop_assert_eq!(listpack.allocated_bytes(), exact);
                proptest::prop_assert_eq!(pairs_of(&hash), model.clone());
            }
        }
        let mut pairs = pairs_of(&hash);
        pairs.sort();
        model.sort();
        proptest::prop_assert_eq!(pairs, model);
    }

    /// Every field operation with expiry times, against a model of stored fields with their
    /// times and a clock that moves forward.
    #[test]
    fn field_expiry_agrees_with_model(
        ops in proptest::collection::vec((0u8..9, 0u8..8, 0i64..40, 0u8..16), 0..250),
        entries in 0usize..6,
    ) {
        let l = limits(entries, 8);
        let mut hash = HashValue::new();
        let mut model: Model = HashMap::new();
        let mut now = NOW;
        for (op, field, offset, flags) in ops {
            let field = vec![b'f', field];
            let when = now + offset - 10;
            match op {
                0 | 1 => {
                    let expiry = match flags % 3 {
                        0 => FieldExpiry::Persistent,
                        1 => FieldExpiry::At(when.max(now + 1)),
                        _ => FieldExpiry::Keep,
                    };
                    let live = model_live(&model, &field, now);
                    let expired = model.contains_key(&field) && live.is_none();
                    let out = hash.set_field(&field, b"v", expiry, &l, now);
                    proptest::prop_assert_eq!(out.created, live.is_none());
                    proptest::prop_assert_eq!(out.expired_overwritten, expired);
                    let time = match expiry {
                        FieldExpiry::Persistent => None,
                        FieldExpiry::At(w) => Some(w),
                        FieldExpiry::Keep => live.and_then(|(_, w)| w),
                    };
                    model.insert(field.clone(), (b"v".to_vec(), time));
                }
                2 => {
                    let live = model_live(&model, &field, now).is_some();
                    proptest::prop_assert_eq!(hash.remove(&field, now), live);
                    if live {
                        model.remove(&field);
                    }
                }
                3 | 4 => {
                    let c = ExpireConditions {
                        nx: flags & 1 != 0 && flags & 14 == 0,
                        xx: flags & 2 != 0,
                        gt: flags & 4 != 0,
                        lt: flags & 8 != 0 && flags & 4 == 0,
                    };
                    let expected = match model_live(&model, &field, now) {
                        None => ExpireOutcome::NoField,
                        Some((_, cur)) => {
                            let fails = (c.nx && cur.is_some())
                                || (c.xx && cur.is_none())
                                || (c.gt && cur.is_none_or(|x| when <= x))
                                || (c.lt && cur.is_some_and(|x| when >= x));
                            if fails {
                                ExpireOutcome::ConditionNotMet
                            } else if when <= now {
                                model.remove(&field);
                                ExpireOutcome::Deleted
                            } else {
                                if let Some(stored) = model.get_mut(&field) {
                                    stored.1 = Some(when);
                                }
                                ExpireOutcome::Set
                            }
                        }
                    };
                    proptest::prop_assert_eq!(hash.set_expiry(&field, when, c, now), expected);
                }
                5 => {
                    let expected = match model_live(&model, &field, now) {
                        None => PersistOutcome::NoField,
                        Some((_, None)) => PersistOutcome::NoExpiry,
                        Some(_) => {
                            if let Some(stored) = model.get_mut(&field) {
                                stored.1 = None;
                            }
                            PersistOutcome::Removed
                        }
                    };
                    proptest::prop_assert_eq!(hash.persist(&field, now), expected);
                }
                6 => {
                    let max = usize::from(flags % 4);
                    let mut due: Vec<(i64, Vec<u8>)> = model
                        .iter()
                        .filter_map(|(f, (_, w))| w.filter(|w| now > *w).map(|w| (w, f.clone())))
                        .collect();
                    due.sort();
                    due.truncate(max);
                    for (_, f) in &due {
                        model.remove(f);
                    }
                    let got: Vec<Vec<u8>> =
                        hash.reclaim_expired(now, max).into_iter().map(Vec::from).collect();
                    let expected: Vec<Vec<u8>> = due.into_iter().map(|(_, f)| f).collect();
                    proptest::prop_assert_eq!(got, expected);
                }
                _ => now += offset,
            }
            // Reads see exactly the live fields; len counts every stored one.
            proptest::prop_assert_eq!(hash.len(), model.len());
            let live: Vec<&Vec<u8>> =
                model.keys().filter(|f| model_live(&model, f, now).is_some()).collect();
            proptest::prop_assert_eq!(hash.live_len(now), live.len());
            let mut seen: Vec<Vec<u8>> = hash.iter_live(now).map(|(f, _)| f.to_vec()).collect();
            seen.sort();
            let mut expected: Vec<Vec<u8>> = live.into_iter().cloned().collect();
            expected.sort();
            proptest::prop_assert_eq!(seen, expected);
            let ttl = match model_live(&model, &field, now) {
                None => FieldTtl::Missing,
                Some((_, None)) => FieldTtl::Persistent,
                Some((_, Some(w))) => FieldTtl::At(w),
            };
            proptest::prop_assert_eq!(hash.ttl(&field, now), ttl);
            // The volatile encoding exactly when some stored field has a time.
            let any_time = model.values().any(|(_, w)| w.is_some());
            proptest::prop_assert_eq!(hash.has_volatile_fields(), any_time);
            let min = model.values().filter_map(|(_, w)| *w).min();
            proptest::prop_assert_eq!(hash.next_expiry(), min);
            if hash.encoding_name() == "listpack" {
                proptest::prop_assert!(hash.len() <= entries);
            }
        }
    }
}

#[test]
fn random_live_pair_skips_expired_fields_and_reaches_every_live_one() {
    let l = limits(16, 64);
    let mut hash = HashValue::new();
    for i in 0..400 {
        hash.set(format!("f{i}").as_bytes(), b"v", &l, NOW);
    }
    assert!(matches!(hash, HashValue::HashTable(_)));
    let mut state = 99u64;
    let mut pick = |bound: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        ((state >> 33) % bound as u64) as usize
    };
    let mut seen = HashMap::new();
    for _ in 0..10_000 {
        let (field, _) = hash
            .random_live_pair(NOW, &mut pick)
            .map(|(f, _)| (f.to_vec(), ()))
            .unwrap_or_default();
        *seen.entry(field).or_insert(0) += 1;
    }
    assert_eq!(seen.len(), 400);
    // Fields f0..f299 expire; only f300..f399 stay live.
    let never = ExpireConditions::default();
    for i in 0..300 {
        hash.set_expiry(format!("f{i}").as_bytes(), NOW + 10, never, NOW);
    }
    assert!(matches!(hash, HashValue::Volatile(_)));
    let later = NOW + 11;
    let mut live = HashMap::new();
    for _ in 0..10_000 {
        let field = hash
            .random_live_pair(later, &mut pick)
            .map(|(f, _)| f.to_vec());
        let field = field.unwrap_or_default();
        assert!(hash.contains(&field, later), "{field:?} is live");
        *live.entry(field).or_insert(0) += 1;
    }
    assert_eq!(live.len(), 100);
    for i in 300..400 {
        hash.remove(format!("f{i}").as_bytes(), later);
    }
    assert_eq!(hash.live_len(later), 0);
    assert_eq!(
        hash.random_live_pair(later, &mut pick),
        None,
        "only expired fields are left"
    );

    let mut small = HashValue::new();
    assert_eq!(small.random_live_pair(NOW, &mut pick), None);
    small.set(b"a", b"1", &l, NOW);
    small.set(b"b", b"2", &l, NOW);
    let last = small
        .random_live_pair(NOW, |len| len * 5 + 1)
        .map(|(f, v)| (f.to_vec(), v.to_vec()));
    assert_eq!(last, Some(pair("b", "2")));
}

/// Pairs as bytes.
type OwnedPairs = Vec<(Vec<u8>, Vec<u8>)>;

/// A full HSCAN from cursor 0 at `now`: every pair returned, and each step's size.
fn scan_all(hash: &HashValue, count: usize, now: i64) -> (OwnedPairs, Vec<usize>) {
    let (mut seen, mut steps, mut cursor) = (Vec::new(), Vec::new(), 0);
    loop {
        let before = seen.len();
        cursor = hash.scan_live(cursor, count, now, |(f, v)| {
            seen.push((f.to_vec(), v.to_vec()))
        });
        steps.push(seen.len() - before);
        if cursor == 0 {
            return (seen, steps);
        }
    }
}

#[test]
fn scan_live_steps_through_a_hashtable_and_skips_expired_fields() {
    let l = HashLimits::default();
    let mut hash = HashValue::new();
    for i in 0..5000 {
        hash.set(
            format!("f{i}").as_bytes(),
            format!("v{i}").as_bytes(),
            &l,
            NOW,
        );
    }
    assert!(matches!(hash, HashValue::HashTable(_)));
    let (mut seen, steps) = scan_all(&hash, 25, NOW);
    assert!(steps.len() > 150, "about 5000 / 25 steps, not one");
    // A step stops at the home where it reached COUNT, which may hold a few more.
    assert!(steps.iter().all(|&s| s <= 40), "{steps:?}");
    seen.sort();
    let mut expected: Vec<_> = (0..5000)
        .map(|i| pair(&format!("f{i}"), &format!("v{i}")))
        .collect();
    expected.sort();
    assert_eq!(seen, expected, "every pair exactly once");

    // Fields f0..f3999 get a time; once it passes they are stored but not returned, and the
    // walk over the same table goes on where it was.
    let never = ExpireConditions::default();
    let mut cursor = hash.scan_live(0, 100, NOW, |_| {});
    for i in 0..4000 {
        hash.set_expiry(format!("f{i}").as_bytes(), NOW + 10, never, NOW);
    }
    assert!(matches!(hash, HashValue::Volatile(_)));
    let later = NOW + 11;
    let mut live = Vec::new();
    while cursor != 0 {
        cursor = hash.scan_live(cursor, 100, later, |(f, _)| live.push(f.to_vec()));
    }
    assert!(live.iter().all(|f| hash.contains(f, later)));
    let (all_live, _) = scan_all(&hash, 100, later);
    assert_eq!(all_live.len(), 1000);
    assert!(all_live.iter().all(|(f, _)| hash.contains(f, later)));
    let (before_expiry, _) = scan_all(&hash, 100, NOW);
    assert_eq!(before_expiry.len(), 5000);
}

#[test]
fn scan_live_returns_a_listpack_whole_whatever_the_cursor() {
    let l = HashLimits::default();
    let mut hash = HashValue::new();
    hash.set(b"b", b"1", &l, NOW);
    hash.set(b"7", b"x", &l, NOW);
    for cursor in [0, 3, u64::MAX] {
        let mut seen = Vec::new();
        let next = hash.scan_live(cursor, 1, NOW, |(f, v)| seen.push((f.to_vec(), v.to_vec())));
        assert_eq!(next, 0);
        assert_eq!(seen, vec![pair("b", "1"), pair("7", "x")]);
    }
}
