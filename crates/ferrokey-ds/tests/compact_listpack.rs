//! `CompactListpack` against models: the listpack it rebuilds must be exactly what a `Listpack`
//! (whose encoding is checked against Redis in `list_model.rs`) holds after the same values,
//! its allocation exactly the entry count and the entries' encodings, and its member and pair
//! operations those of a `Vec` model.

use ferrokey_ds::listpack::{CompactListpack, Entry, Listpack};
use proptest::prelude::*;

/// The `Listpack` holding `values` in order: the reference for the compact form's bytes.
fn reference(values: &[Vec<u8>]) -> Listpack {
    let mut listpack = Listpack::new();
    for value in values {
        listpack.push_back(value);
    }
    listpack
}

/// Bytes a compact listpack of `values` takes: a 2-byte entry count, then each entry's
/// encoding and payload; nothing when empty.
fn compact_size(values: &[Vec<u8>]) -> usize {
    if values.is_empty() {
        return 0;
    }
    2 + values
        .iter()
        .map(|v| Entry::from_bytes(v).encoded_len())
        .sum::<usize>()
}

fn check_layout(compact: &CompactListpack, values: &[Vec<u8>]) -> Result<(), TestCaseError> {
    let expected = reference(values);
    prop_assert_eq!(compact.to_listpack(), expected.to_redis_bytes());
    prop_assert_eq!(compact.len(), values.len());
    prop_assert_eq!(compact.is_empty(), values.is_empty());
    prop_assert_eq!(compact.allocated_bytes(), compact_size(values));
    let listed: Vec<Vec<u8>> = compact.iter().map(|e| e.to_vec()).collect();
    prop_assert_eq!(&listed, values);
    prop_assert_eq!(compact.iter().len(), values.len());
    Ok(())
}

/// Values of every entry encoding: small and wide integers, integer look-alikes, strings with
/// each length header (1, 2 and 5 bytes) and arbitrary bytes.
fn value_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => (-20i64..20).prop_map(|v| v.to_string().into_bytes()),
        2 => any::<i64>().prop_map(|v| v.to_string().into_bytes()),
        4 => proptest::collection::vec(b'a'..b'd', 0..3),
        2 => proptest::collection::vec(any::<u8>(), 0..80),
        1 => proptest::sample::select(vec![&b"007"[..], b"-0", b"+1", b"9223372036854775808"])
            .prop_map(<[u8]>::to_vec),
        1 => (60usize..70, any::<u8>()).prop_map(|(n, b)| vec![b; n]),
        1 => Just(vec![b'w'; 5000]),
    ]
}

proptest! {
    #[test]
    fn members_agree_with_vec(
        ops in proptest::collection::vec((0u8..4, value_strategy()), 0..120),
    ) {
        let mut compact = CompactListpack::new();
        let mut model: Vec<Vec<u8>> = Vec::new();
        for (op, value) in ops {
            let at = model.iter().position(|m| *m == value);
            match op {
                0 | 1 => {
                    compact.push_back(&value);
                    model.push(value.clone());
                }
                2 => {
                    prop_assert_eq!(compact.remove(&value), at.is_some());
                    if let Some(at) = at {
                        model.remove(at);
                    }
                }
                _ => {
                    let index = value.len() % (model.len() + 1);
                    let expected = model.get(index).cloned();
                    prop_assert_eq!(compact.get(index).map(|e| e.to_vec()), expected);
                }
            }
            prop_assert_eq!(compact.contains(&value), model.contains(&value));
            check_layout(&compact, &model)?;
        }
        let rebuilt = CompactListpack::from_entries(model.iter().map(|m| Entry::from_bytes(m)));
        prop_assert_eq!(&rebuilt, &compact);
    }

    #[test]
    fn pairs_agree_with_ordered_map(
        ops in proptest::collection::vec((0u8..3, value_strategy(), value_strategy()), 0..120),
    ) {
        let mut compact = CompactListpack::new();
        let mut model: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for (op, field, value) in ops {
            let at = model.iter().position(|(f, _)| *f == field);
            match op {
                0 | 1 => {
                    prop_assert_eq!(compact.set_pair(&field, &value), at.is_none());
                    match at {
                        Some(at) => model[at].1 = value.clone(),
                        None => model.push((field.clone(), value.clone())),
                    }
                }
                _ => {
                    prop_assert_eq!(compact.remove_pair(&field), at.is_some());
                    if let Some(at) = at {
                        model.remove(at);
                    }
                }
            }
            let expected = model.iter().find(|(f, _)| *f == field).map(|(_, v)| v.clone());
            prop_assert_eq!(compact.pair_value(&field).map(|e| e.to_vec()), expected);
            // A value equal to some field never matches as a field: lookups skip values.
            let as_field = model.iter().find(|(f, _)| *f == value).map(|(_, v)| v.clone());
            prop_assert_eq!(compact.pair_value(&value).map(|e| e.to_vec()), as_field);
            let flat: Vec<Vec<u8>> =
                model.iter().flat_map(|(f, v)| [f.clone(), v.clone()]).collect();
            check_layout(&compact, &flat)?;
            let pairs: Vec<(Vec<u8>, Vec<u8>)> =
                compact.pairs().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
            prop_assert_eq!(&pairs, &model);
            prop_assert_eq!(compact.pairs().len(), model.len());
        }
    }
}

#[test]
fn integer_entries_match_by_value_and_text() {
    let mut compact = CompactListpack::new();
    compact.push_back(b"7");
    compact.push_back(b"007");
    assert_eq!(compact.get(0), Some(Entry::Int(7)));
    assert_eq!(compact.get(1), Some(Entry::Str(b"007")));
    assert!(compact.contains(b"7") && compact.contains(b"007"));
    assert!(!compact.contains(b"07") && !compact.contains(b"+7"));
    assert!(compact.remove(b"007"));
    assert!(!compact.remove(b"007"));
    assert!(compact.remove(b"7"));
    assert!(compact.is_empty());
    assert_eq!(
        compact.allocated_bytes(),
        0,
        "an empty listpack frees its buffer"
    );
    assert_eq!(compact.to_listpack(), [7, 0, 0, 0, 0, 0, 0xFF]);
    compact.push_back(b"-1");
    compact.push_back(b"ab");
    // The count (2), 0xDF 0xFF (-1 in 13 bits), 0x82 "ab": no backlens, no listpack header.
    assert_eq!(compact.allocated_bytes(), 2 + 2 + 3);
    assert_eq!(
        compact.to_listpack(),
        [14, 0, 0, 0, 2, 0, 0xDF, 0xFF, 2, 0x82, b'a', b'b', 3, 0xFF]
    );
}

#[test]
fn counts_past_the_header_limit_are_walked() {
    let texts: Vec<Vec<u8>> = (0..65_540).map(|i| format!("m{i}").into_bytes()).collect();
    let mut compact = CompactListpack::from_entries(texts.iter().map(|t| Entry::from_bytes(t)));
    assert_eq!(compact.len(), 65_540);
    assert_eq!(&compact.to_listpack()[4..6], [0xFF, 0xFF]);
    assert!(compact.remove(b"m5"));
    compact.push_back(b"last");
    assert_eq!(compact.len(), 65_540);
    assert_eq!(compact.iter().count(), 65_540);
    for i in 0..6 {
        assert!(compact.remove(format!("m{}", 65_539 - i).as_bytes()));
    }
    assert_eq!(compact.len(), 65_534);
    let listpack = compact.to_listpack();
    assert_eq!(
        u16::from_le_bytes([listpack[4], listpack[5]]),
        65_534,
        "the exact count returns to the header once it fits"
    );
    let texts: Vec<Vec<u8>> = compact.iter().map(|e| e.to_vec()).collect();
    assert_eq!(compact.allocated_bytes(), compact_size(&texts));
    assert_eq!(
        compact.get(65_533).map(|e| e.to_vec()),
        Some(b"last".to_vec())
    );
}
