//! Unit tests of the tagged listpack layout: tags read from both ends, and the uniform layout.

use super::*;

/// Every tag size and integer width, pushed at both ends and read both ways, with the
/// Valkey size kept and the Valkey bytes round-tripping.
#[test]
fn tags_read_the_same_from_both_ends() {
    let long = |len: usize| vec![b's'; len];
    let numbers = "0 47 48 127 -1 -128 128 -129 32767 -32768 32768 8388607 -8388608 8388608 \
        2147483647 -2147483648 2147483648 9223372036854775807 -9223372036854775808 -0 01 x";
    let values: Vec<Vec<u8>> = numbers
        .split_whitespace()
        .chain([""])
        .map(|text| text.as_bytes().to_vec())
        .chain([63, 64, 255, 256, 65535, 65536, 70_000].map(long))
        .collect();
    let mut listpack = Listpack::new();
    for (i, value) in values.iter().enumerate() {
        if i % 2 == 0 {
            listpack.push_back(value);
        } else {
            listpack.push_front(value);
        }
    }
    let mut expected: Vec<Vec<u8>> = values.iter().skip(1).step_by(2).rev().cloned().collect();
    expected.extend(values.iter().step_by(2).cloned());
    let forward: Vec<Vec<u8>> = listpack.iter().map(|entry| entry.to_vec()).collect();
    assert_eq!(forward, expected);
    let backward: Vec<Vec<u8>> = listpack.iter().rev().map(|entry| entry.to_vec()).collect();
    assert_eq!(backward, expected.iter().rev().cloned().collect::<Vec<_>>());
    let redis = listpack.to_redis_bytes();
    assert_eq!(redis.len(), listpack.total_bytes());
    assert_eq!(
        Listpack::from_redis_bytes(&redis, listpack.len()).as_ref(),
        Some(&listpack)
    );
    assert_eq!(Listpack::from_redis_bytes(&redis, listpack.len() + 1), None);
}

/// Strings of one length take just their bytes; once another kind of entry comes, every
/// short string takes one byte more than its length.
#[test]
fn uniform_entries_store_no_tags() {
    let mut listpack = Listpack::new();
    for i in 0..100 {
        listpack.push_back(format!("item-{i:07}").as_bytes());
    }
    let stored = |l: &Listpack| l.payloads().len() + l.tags().len();
    assert_eq!(stored(&listpack), 100 * 12);
    assert_eq!(listpack.total_bytes(), EMPTY_BYTES + 100 * 14);
    assert_eq!(
        listpack.get(57).map(|e| e.to_vec()),
        Some(b"item-0000057".to_vec())
    );
    listpack.push_front(b"7");
    assert_eq!(stored(&listpack), 100 * 13 + 1);
    assert_eq!(listpack.total_bytes(), EMPTY_BYTES + 100 * 14 + 2);
    let tail = listpack.split_off(1);
    assert_eq!(tail.len(), 100);
    assert_eq!(stored(&tail), 100 * 13);
    let mut rebuilt = Listpack::new();
    rebuilt.append(&listpack);
    rebuilt.append(&tail);
    assert_eq!(rebuilt.get(0).map(|e| e.to_vec()), Some(b"7".to_vec()));
    assert_eq!(rebuilt.len(), 101);
}
