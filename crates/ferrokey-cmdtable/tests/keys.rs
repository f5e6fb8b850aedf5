//! Key extraction for representative commands (expected values checked against Valkey 8.1's
//! COMMAND GETKEYSANDFLAGS; the full captured corpus is in command_replies.rs), the legacy key
//! range, and hostile input.

use ferrokey_cmdtable::spec::*;
use ferrokey_cmdtable::*;

fn keys(line: &str) -> Vec<(String, u64)> {
    let words: Vec<Vec<u8>> = line.split(' ').map(|w| w.as_bytes().to_vec()).collect();
    let spec = lookup_argv(&words[0], words.get(1).map(Vec::as_slice)).expect("command");
    let mut out = Vec::new();
    get_keys(spec, &words, &mut out);
    out.iter()
        .map(|k| (String::from_utf8(words[k.pos].clone()).unwrap(), k.flags))
        .collect()
}

fn names(line: &str) -> Vec<String> {
    keys(line).into_iter().map(|(k, _)| k).collect()
}

#[test]
fn single_and_ranged_keys() {
    assert_eq!(keys("get k"), vec![("k".into(), KS_RO | KS_ACCESS)]);
    assert_eq!(
        keys("mset a 1 b 2"),
        vec![
            ("a".into(), KS_OW | KS_UPDATE),
            ("b".into(), KS_OW | KS_UPDATE)
        ]
    );
    assert_eq!(names("del a b c"), ["a", "b", "c"]);
    assert_eq!(keys("object encoding k"), vec![("k".into(), KS_RO)]);
    assert_eq!(names("blpop a b 0"), ["a", "b"]);
}

#[test]
fn counted_keys() {
    assert_eq!(
        keys("zunionstore d 2 a b"),
        vec![
            ("d".into(), KS_OW | KS_UPDATE),
            ("a".into(), KS_RO | KS_ACCESS),
            ("b".into(), KS_RO | KS_ACCESS)
        ]
    );
    assert_eq!(names("eval s 2 a b x"), ["a", "b"]);
    assert_eq!(names("eval s 0"), Vec::<String>::new());
    // A count past the end fails the spec; Valkey's fallback then finds nothing either.
    assert!(names("zunionstore d 5 a").is_empty());
    // The fallback reads the count with atoi and reports flagless keys, store key last.
    assert_eq!(
        keys("zunionstore d 01 a"),
        vec![("a".into(), 0), ("d".into(), 0)]
    );
    // The spec path narrows the count to a C int: 2^32 + 1 counts as 1.
    assert_eq!(names("zunionstore d 4294967297 a"), ["d", "a"]);
    assert!(names("lmpop -1 a left").is_empty());
}

#[test]
fn keyword_keys() {
    assert_eq!(names("xread count 2 streams a b 0 0"), ["a", "b"]);
    assert_eq!(names("xreadgroup group g c streams a 0"), ["a"]);
    assert!(names("xread count 1 block 2").is_empty());
    assert_eq!(
        names("georadius k 0 0 1 km store a storedist b"),
        ["k", "a", "b"]
    );
    // A keyword in the last position is never searched.
    assert_eq!(names("georadius k 0 0 1 km store"), ["k"]);
}

#[test]
fn special_finders() {
    assert_eq!(names("migrate h p k 0 5000"), ["k"]);
    assert_eq!(names("migrate h p  0 5000 keys a b"), ["a", "b"]);
    assert!(names("migrate h p k 0 5000 keys a").is_empty());
    assert_eq!(
        keys("sort k by x get y store d"),
        vec![
            ("k".into(), KS_RO | KS_ACCESS),
            ("d".into(), KS_OW | KS_UPDATE)
        ]
    );
    assert_eq!(names("sort k limit 0 store x store y"), ["k", "y"]);
    assert_eq!(names("sort_ro k by x"), ["k"]);
    assert_eq!(keys("set k v"), vec![("k".into(), KS_OW | KS_UPDATE)]);
    assert_eq!(
        keys("set k v get"),
        vec![("k".into(), KS_RW | KS_ACCESS | KS_UPDATE)]
    );
    assert_eq!(
        keys("bitfield k get u8 0"),
        vec![("k".into(), KS_RO | KS_ACCESS)]
    );
    assert_eq!(
        keys("bitfield k incrby u8 0 1"),
        vec![("k".into(), KS_RW | KS_ACCESS | KS_UPDATE)]
    );
}

#[test]
fn not_keys_and_keyless_commands() {
    let spublish = lookup(b"spublish").unwrap();
    assert!(!has_key_arguments(spublish));
    let mut out = Vec::new();
    let args: [&[u8]; 3] = [b"spublish", b"ch", b"m"];
    assert_eq!(get_keys(spublish, &args, &mut out), 0);
    assert!(keys_from_specs(spublish, &args, true, &mut out).is_ok());
    assert_eq!(
        out,
        [KeyRef {
            pos: 1,
            flags: KS_NOT_KEY
        }]
    );
    assert!(!has_key_arguments(lookup(b"ping").unwrap()));
}

#[test]
fn key_positions_for_locking() {
    let mut positions: Vec<usize> = Vec::new();
    let args: [&[u8]; 5] = [b"mset", b"a", b"1", b"b", b"2"];
    assert!(key_positions(
        lookup(b"mset").unwrap(),
        &args,
        &mut positions
    ));
    assert_eq!(positions, [1, 3]);
    positions.clear();
    let args: [&[u8]; 4] = [b"sort", b"k", b"by", b"w_*"];
    assert!(!key_positions(
        lookup(b"sort").unwrap(),
        &args,
        &mut positions
    ));
    assert_eq!(positions, [1]);
}

#[test]
fn legacy_ranges() {
    let range = |name: &str| legacy_key_range(lookup_full_name(name).unwrap());
    assert_eq!(range("get"), (1, 1, 1));
    assert_eq!(range("mset"), (1, -1, 2));
    assert_eq!(range("del"), (1, -1, 1));
    assert_eq!(range("zunionstore"), (1, 1, 1));
    assert_eq!(range("migrate"), (3, 3, 1));
    assert_eq!(range("xread"), (0, 0, 0));
    assert_eq!(range("object|encoding"), (2, 2, 1));
    assert_eq!(range("ping"), (0, 0, 0));
}

#[test]
fn arg_lists_and_views() {
    let owned: Vec<Vec<u8>> = vec![
        b"COMMAND".to_vec(),
        b"GETKEYS".to_vec(),
        b"get".to_vec(),
        b"k".to_vec(),
    ];
    let view = args_from(&owned, 2);
    assert_eq!(view.arg_count(), 2);
    assert_eq!(view.arg(1), b"k");
    assert_eq!(args_from(&owned, 9).arg_count(), 0);
    assert_eq!(command_getkeys(&view).map(|k| k.len()), Ok(1));
}

#[test]
fn atoi_parses_like_c() {
    use ferrokey_cmdtable::keys::c_atoi;
    assert_eq!(c_atoi(b" +12abc"), 12);
    assert_eq!(c_atoi(b"-3"), -3);
    assert_eq!(c_atoi(b"x"), 0);
    assert_eq!(c_atoi(b"4294967297"), 1);
    assert_eq!(c_atoi(b"99999999999999999999999"), -1);
}

/// Every command, random argument vectors with hostile counts and keywords: no panic, no
/// endless loop, every reported position inside the arguments.
#[test]
fn hostile_arguments_never_panic() {
    let words: &[&[u8]] = &[
        b"0",
        b"1",
        b"2",
        b"-1",
        b"-9223372036854775808",
        b"9223372036854775807",
        b"4294967297",
        b"01",
        b"",
        b"STREAMS",
        b"KEYS",
        b"STORE",
        b"STOREDIST",
        b"GET",
        b"BY",
        b"LIMIT",
        b"AUTH2",
        b"GROUP",
        b"COUNT",
        b"x",
        b"k",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut out = Vec::new();
    for spec in COMMANDS {
        for _ in 0..60 {
            let argc = next(9);
            let mut args: Vec<&[u8]> = vec![spec.name.as_bytes()];
            for _ in 0..argc {
                args.push(words[next(words.len())]);
            }
            get_keys(spec, args.as_slice(), &mut out);
            assert!(
                out.iter().all(|k| k.pos < args.len()),
                "{} {:?}",
                spec.full_name,
                args
            );
            let _ = command_getkeys(args.as_slice());
        }
    }
}
